/* store_review.c — the tables beside the records: review states (the
 * secretary's queue and approved texts), the pending queue of changes for
 * sync, and the conflicts a merge left for a person to resolve. Part of the
 * store (store.c, store_int.h). */
#include <stdlib.h>
#include <string.h>

#include "fieldcard/fields.h"
#include "fieldcard/util.h"
#include "store_int.h"

/* ---- review ---- */

int store_review_state_valid(const char *state)
{
	static const char *const states[] = { "submitted", "approved", "returned", "merged" };

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(state, states[i]) == 0)
			return 1;
	return 0;
}

int store_review_set(store *s, const char *household_id, const char *state,
		     const char *comment, const char *who, fc_err *err)
{
	sqlite3_stmt *st = NULL;
	char *old_state = NULL, *old_comment = NULL, *canon = NULL;
	const char *new_comment;
	char at[32];
	int rc, in_tx = 0;

	if (!state || !store_review_state_valid(state))
		return fc_err_set(err, FC_EINVALID,
				  "household %s: unknown review state \"%s\" (submitted, "
				  "approved, returned or merged)", household_id, state ? state : "");
	if (strcmp(state, "returned") == 0 && (!comment || !*comment))
		return fc_err_set(err, FC_EINVALID,
				  "household %s: returning a card needs a comment saying what to fix",
				  household_id);
	who = who ? who : "";
	util_now_iso(at);
	if ((rc = store_begin(s, err)))
		return rc;
	in_tx = 1;
	if ((rc = store_get_canonical(s, household_id, &canon, err)))
		goto cleanup;
	if (strncmp(canon, "form: " K_HOUSEHOLD, 6 + strlen(K_HOUSEHOLD)) != 0 ||
	    (canon[6 + strlen(K_HOUSEHOLD)] != ' ' && canon[6 + strlen(K_HOUSEHOLD)] != '\n')) {
		rc = fc_err_set(err, FC_EINVALID, "%s is not a household: only household cards "
				"are reviewed", household_id);
		goto cleanup;
	}
	if ((rc = store_review_get(s, household_id, &old_state, &old_comment, err)))
		goto cleanup;
	/* A returned card keeps its comment until the cadre submits again. */
	if (strcmp(state, "submitted") == 0)
		new_comment = NULL;
	else if (comment && *comment)
		new_comment = comment;
	else
		new_comment = old_comment;
	if (!(st = store_prepare(s,
		"INSERT INTO reviews(household, state, comment, approved, who, at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(household) DO UPDATE SET"
		" state = ?2, comment = ?3, approved = coalesce(?4, approved), who = ?5, at = ?6",
				 err))) {
		rc = FC_ERROR;
		goto cleanup;
	}
	store_bind(st, 1, household_id);
	store_bind(st, 2, state);
	store_bind(st, 3, new_comment);
	store_bind(st, 4, strcmp(state, "approved") == 0 ? canon : NULL);
	store_bind(st, 5, who);
	store_bind(st, 6, at);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = store_fail(s, err, "saving a review state");
		goto cleanup;
	}
	if (!old_state || strcmp(old_state, state) != 0)
		rc = store_audit_row(s, household_id, "review_state", old_state, state, who, at, err);
	if (!rc && strcmp(old_comment ? old_comment : "", new_comment ? new_comment : "") != 0)
		rc = store_audit_row(s, household_id, "review_comment", old_comment, new_comment,
				     who, at, err);
cleanup:
	sqlite3_finalize(st);
	if (in_tx) {
		if (rc)
			store_rollback(s);
		else
			rc = store_commit(s, err);
	}
	free(old_state);
	free(old_comment);
	free(canon);
	return rc;
}

int store_review_get(store *s, const char *household_id, char **state,
		     char **comment, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT state, comment FROM reviews WHERE household = ?1", err);
	int rc = 0;

	*state = NULL;
	if (comment)
		*comment = NULL;
	if (!st)
		return FC_ERROR;
	store_bind(st, 1, household_id);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*state = store_col_dup(st, 0);
		if (comment)
			*comment = store_col_dup(st, 1);
		break;
	case SQLITE_DONE: break;
	default: rc = store_fail(s, err, "reading a review state");
	}
	sqlite3_finalize(st);
	return rc;
}

int store_approved_get(store *s, const char *household_id, char **out, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT approved FROM reviews WHERE household = ?1", err);
	int rc = 0;

	*out = NULL;
	if (!st)
		return FC_ERROR;
	store_bind(st, 1, household_id);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW: *out = store_col_dup(st, 0); break;
	case SQLITE_DONE: break;
	default: rc = store_fail(s, err, "reading the approved card");
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- pending changes ---- */

int store_pending_each(store *s, store_pending_cb cb, void *ud, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s,
		"SELECT p.seq, p.record_id, r.kind, r.parent, r.village, r.canonical"
		" FROM pending p JOIN records r ON r.id = p.record_id ORDER BY p.seq", err);
	int rc;

	if (!st)
		return FC_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_pending p = {
			sqlite3_column_int64(st, 0), store_col(st, 1), store_col(st, 2),
			(const char *)sqlite3_column_text(st, 3), store_col(st, 4), store_col(st, 5)
		};

		if ((rc = cb(&p, ud)))
			goto cleanup;
	}
	rc = rc == SQLITE_DONE ? 0 : store_fail(s, err, "reading pending changes");
cleanup:
	sqlite3_finalize(st);
	return rc;
}

static int count_query(store *s, const char *sql, const char *op, int *out, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s, sql, err);
	int rc = 0;

	*out = 0;
	if (!st)
		return FC_ERROR;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else
		rc = store_fail(s, err, op);
	sqlite3_finalize(st);
	return rc;
}

int store_pending_count(store *s, int *out, fc_err *err)
{
	return count_query(s, "SELECT count(*) FROM pending", "counting pending changes", out, err);
}

int store_pending_clear(store *s, long long upto, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s, "DELETE FROM pending WHERE seq <= ?1", err);
	int rc;

	if (!st)
		return FC_ERROR;
	sqlite3_bind_int64(st, 1, upto);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, err, "clearing pending changes");
	sqlite3_finalize(st);
	return rc;
}

/* ---- conflicts ---- */

int store_conflict_add(store *s, const store_conflict *c, fc_err *err)
{
	sqlite3_stmt *st;
	char at[32];
	int rc;

	if (!c->record_id || !c->field)
		return fc_err_set(err, FC_EINVALID, "store: a conflict needs a record and a field");
	/* Filed under its household, so the household's list row shows it. */
	st = store_prepare(s,
		"INSERT OR REPLACE INTO conflicts(record_id, field, household, base, ours,"
		" theirs, ours_who, theirs_who, at) VALUES (?1, ?2, coalesce((SELECT"
		" CASE WHEN kind = '" K_HOUSEHOLD "' THEN id ELSE parent END FROM records"
		" WHERE id = ?1), ?1), ?3, ?4, ?5, ?6, ?7, ?8)", err);
	if (!st)
		return FC_ERROR;
	util_now_iso(at);
	store_bind(st, 1, c->record_id);
	store_bind(st, 2, c->field);
	store_bind(st, 3, c->base);
	store_bind(st, 4, c->ours);
	store_bind(st, 5, c->theirs);
	store_bind(st, 6, c->ours_who);
	store_bind(st, 7, c->theirs_who);
	store_bind(st, 8, at);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, err, "saving a conflict");
	sqlite3_finalize(st);
	return rc;
}

int store_conflict_each(store *s, store_conflict_cb cb, void *ud, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s,
		"SELECT record_id, field, base, ours, theirs, ours_who, theirs_who"
		" FROM conflicts ORDER BY household, record_id, field", err);
	int rc;

	if (!st)
		return FC_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_conflict c = {
			store_col(st, 0), store_col(st, 1),
			(const char *)sqlite3_column_text(st, 2),
			(const char *)sqlite3_column_text(st, 3),
			(const char *)sqlite3_column_text(st, 4),
			(const char *)sqlite3_column_text(st, 5),
			(const char *)sqlite3_column_text(st, 6)
		};

		if ((rc = cb(&c, ud)))
			goto cleanup;
	}
	rc = rc == SQLITE_DONE ? 0 : store_fail(s, err, "reading conflicts");
cleanup:
	sqlite3_finalize(st);
	return rc;
}

int store_conflict_drop(store *s, const char *record_id, const char *field, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s,
		"DELETE FROM conflicts WHERE record_id = ?1 AND (?2 IS NULL OR field = ?2)", err);
	int rc;

	if (!st)
		return FC_ERROR;
	store_bind(st, 1, record_id);
	store_bind(st, 2, field);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, err, "dropping a conflict");
	else if (sqlite3_changes(s->db) == 0)
		rc = fc_err_set(err, FC_ENOTFOUND, "no conflict on %s%s%s", record_id,
				field ? " field " : "", field ? field : "");
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}
