/* store_put.c — writing a record (store_put): where it belongs, the
 * audit diff, the row with its list columns, the search index, the
 * household's aggregates, the review state the record carries and the
 * sync queue, in one transaction; and the drafts a save replaces. Part of
 * the store (store.c, store_int.h). */
#include <stdlib.h>
#include <string.h>

#include "fieldcard/buf.h"
#include "fieldcard/fields.h"
#include "fieldcard/util.h"
#include "store_int.h"

/* ---- records ---- */

static int is_household(const char *kind)
{
	return strcmp(kind, K_HOUSEHOLD) == 0;
}

int store_audit_row(store *s, const char *id, const char *field, const char *old,
		    const char *new, const char *who, const char *at, fc_err *err)
{
	sqlite3_stmt *st = store_cached(s, Q_AUDIT, err);

	if (!st)
		return FC_ERROR;
	store_bind(st, 1, id);
	store_bind(st, 2, field);
	store_bind(st, 3, old);
	store_bind(st, 4, new);
	store_bind(st, 5, who);
	store_bind(st, 6, at);
	return store_step_done(s, st, "writing the audit trail", err);
}

/* Audit rows for every field whose value differs (a missing field equals an
 * empty one); *changes counts them. A new record gets one row, field "*",
 * rather than one per field: its first values are the old values of the
 * first changes (or still current), and a row per field of every card an
 * import or a first sync brings would make the audit most of the store. */
static int audit_diff(store *s, const record *old, const record *r, const char *who,
		      const char *at, int write, int *changes, fc_err *err)
{
	int rc;

	*changes = 0;
	if (!old) {
		*changes = 1;
		return write ? store_audit_row(s, r->id, STORE_AUDIT_CREATED, NULL, "created", who,
					       at, err) : 0;
	}
	if (strcmp(old->parent ? old->parent : "", r->parent ? r->parent : "") != 0) {
		(*changes)++;
		if (write && (rc = store_audit_row(s, r->id, "parent", old->parent, r->parent, who, at, err)))
			return rc;
	}
	for (size_t i = 0; i < r->n; i++) {
		const char *ov = record_val(old, r->names[i]);

		if (strcmp(ov, r->values[i]) == 0)
			continue;
		(*changes)++;
		if (write && (rc = store_audit_row(s, r->id, r->names[i], ov, r->values[i],
						   who, at, err)))
			return rc;
	}
	for (size_t i = 0; i < old->n; i++) {
		if (!old->values[i][0] || record_get(r, old->names[i]))
			continue;
		(*changes)++;
		if (write && (rc = store_audit_row(s, r->id, old->names[i], old->values[i], "",
						   who, at, err)))
			return rc;
	}
	return 0;
}

static int recompute_household(store *s, const char *hid, fc_err *err)
{
	sqlite3_stmt *st = store_cached(s, Q_AGGREGATE, err);

	if (!st)
		return FC_ERROR;
	store_bind(st, 1, hid);
	return store_step_done(s, st, "updating the household's list columns", err);
}

/* The review state travels in the household record itself (fields
 * review_state, review_comment, review_by, review_at), so a first
 * secretary's decision is signed, synced and merged like any edit; the
 * reviews table mirrors it for lists. The field audit already records it. */
static int lift_review(store *s, const record *r, const char *canonical, fc_err *err)
{
	const char *state = record_val(r, F_REVIEW_STATE);
	sqlite3_stmt *st;

	if (!*state || !store_review_state_valid(state))
		return 0;
	if (!(st = store_prepare(s,
		"INSERT INTO reviews(household, state, comment, approved, who, at)"
		" VALUES (?1, ?2, nullif(?3, ''), ?4, ?5, ?6) ON CONFLICT(household) DO UPDATE SET"
		" state = ?2, comment = nullif(?3, ''), approved = coalesce(?4, approved), who = ?5, at = ?6",
				 err)))
		return FC_ERROR;
	store_bind(st, 1, r->id);
	store_bind(st, 2, state);
	store_bind(st, 3, record_val(r, F_REVIEW_COMMENT));
	store_bind(st, 4, strcmp(state, "approved") == 0 ? canonical : NULL);
	store_bind(st, 5, record_val(r, F_REVIEW_BY));
	store_bind(st, 6, record_val(r, F_REVIEW_AT));
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return store_fail(s, err, "saving a review state");
	}
	sqlite3_finalize(st);
	return 0;
}

static int index_search(store *s, long long rid, const char *household, const record *r,
			fc_err *err)
{
	sqlite3_stmt *st = store_cached(s, Q_SEARCH_DEL, err);
	fc_buf text = FC_BUF_INIT;
	int rc;

	if (!st)
		return FC_ERROR;
	sqlite3_bind_int64(st, 1, rid);
	if ((rc = store_step_done(s, st, "updating the search index", err)))
		return rc;
	if (is_household(r->kind))
		buf_printf(&text, "%s\n%s\n%s", record_val(r, F_HOUSEHOLD_CODE),
			   record_val(r, F_HEAD_NAME), record_val(r, F_HEAD_ID));
	else if (strcmp(r->kind, K_MEMBER) == 0)
		buf_printf(&text, "%s\n%s", record_val(r, F_M_NAME), record_val(r, F_M_ID));
	else
		return 0;
	if (!(st = store_cached(s, Q_SEARCH_ADD, err))) {
		buf_free(&text);
		return FC_ERROR;
	}
	sqlite3_bind_int64(st, 1, rid);
	store_bind(st, 2, household);
	store_bind(st, 3, buf_cstr(&text));
	rc = store_step_done(s, st, "updating the search index", err);
	buf_free(&text);
	return rc;
}

static int drop_draft(store *s, const char *id, fc_err *err)
{
	sqlite3_stmt *st = store_cached(s, Q_DRAFT_DROP, err);

	if (!st)
		return FC_ERROR;
	store_bind(st, 1, id);
	return store_step_done(s, st, "dropping a draft", err);
}

/* Load the stored version of a record, if any. */
static int load_old(store *s, const char *id, record **old, char **old_canon,
		    char **old_village, fc_err *err)
{
	sqlite3_stmt *st = store_cached(s, Q_OLD, err);
	int rc = 0;

	*old = NULL;
	*old_canon = *old_village = NULL;
	if (!st)
		return FC_ERROR;
	store_bind(st, 1, id);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*old_canon = store_col_dup(st, 3);
		*old_village = store_col_dup(st, 2);
		rc = store_parse_canonical(*old_canon, strlen(*old_canon), id, old, err);
		break;
	case SQLITE_DONE:
		break;
	default:
		rc = store_fail(s, err, "reading the saved record");
	}
	store_reset(st);
	return rc;
}

/* Where r belongs: a household by its village code, a child by its
 * household, which must already be here. *village is the caller's; *hid,
 * the household's id, is borrowed from r. */
static int put_place(store *s, const record *r, char **village, const char **hid,
		     fc_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (is_household(r->kind)) {
		if (r->parent && *r->parent)
			return fc_err_set(err, FC_EINVALID, "household %s: a household has no parent (got %s)",
					  r->id, r->parent);
		*village = util_strdup(record_val(r, F_VILLAGE_CODE));
		*hid = r->id;
		return 0;
	}
	if (!r->parent || !*r->parent)
		return fc_err_set(err, FC_EINVALID, "%s %s: no parent household", r->kind, r->id);
	if (!(st = store_cached(s, Q_PARENT, err)))
		return FC_ERROR;
	store_bind(st, 1, r->parent);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && is_household(store_col(st, 0))) {
		*village = store_col_dup(st, 1);
		rc = 0;
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		rc = fc_err_set(err, FC_EINVALID, "%s %s: parent household %s does not exist",
				r->kind, r->id, r->parent);
	} else {
		rc = store_fail(s, err, "looking up the parent household");
	}
	store_reset(st);
	*hid = r->parent;
	return rc;
}

/* The row itself, with the list columns derived from the record; *rid is
 * its rowid, for the search index. */
static int put_row(store *s, const record *r, const char *canonical, const char *village,
		   const char *at, long long *rid, fc_err *err)
{
	sqlite3_stmt *st = store_cached(s, Q_UPSERT, err);
	int rc;

	if (!st)
		return FC_ERROR;
	store_bind(st, 1, r->id);
	store_bind(st, 2, r->kind);
	store_bind(st, 3, is_household(r->kind) ? NULL : r->parent);
	store_bind(st, 4, village);
	store_bind(st, 5, canonical);
	store_bind(st, 6, record_val(r, F_HOUSEHOLD_CODE));
	store_bind(st, 7, record_val(r, F_HEAD_NAME));
	store_bind(st, 8, record_val(r, F_HEAD_ID));
	store_bind(st, 9, record_val(r, F_HOUSEHOLD_TYPE));
	store_bind(st, 10, record_val(r, F_POVERTY_STATUS));
	store_bind(st, 11, record_val(r, F_MONITOR_CATEGORY));
	store_bind(st, 12, record_val(r, F_M_NAME));
	store_bind(st, 13, record_val(r, F_M_ID));
	store_bind(st, 14, record_val(r, F_M_STATUS));
	store_bind(st, 15, record_val(r, F_V_DATE));
	store_bind(st, 16, at);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = store_fail(s, err, "saving a record");
		store_reset(st);
		return rc;
	}
	*rid = sqlite3_column_int64(st, 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	store_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, err, "saving a record");
}

/* What a saved record changes around it: a household's members and visits
 * follow it to another village, and its list columns and review state are
 * remade; a child's household (old and new, if it moved) is recounted. */
static int put_around(store *s, const record *r, const record *old, const char *old_village,
		      const char *village, const char *canonical, fc_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (!is_household(r->kind)) {
		if ((rc = recompute_household(s, r->parent, err)))
			return rc;
		if (old && old->parent && strcmp(old->parent, r->parent) != 0)
			return recompute_household(s, old->parent, err);
		return 0;
	}
	if (old_village && strcmp(old_village, village) != 0) {
		if (!(st = store_cached(s, Q_CHILD_VILLAGE, err)))
			return FC_ERROR;
		store_bind(st, 1, r->id);
		store_bind(st, 2, village);
		if ((rc = store_step_done(s, st, "moving members and visits", err)))
			return rc;
	}
	if ((rc = recompute_household(s, r->id, err)))
		return rc;
	return lift_review(s, r, canonical, err);
}

/* Same values as stored: nothing to audit or sync. Keep the newest bytes
 * (e.g. a newer form version) all the same. */
static int put_same(store *s, const record *r, const char *old_canon, const char *canonical,
		    fc_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (strcmp(old_canon, canonical) != 0) {
		if (!(st = store_cached(s, Q_CANON_ONLY, err)))
			return FC_ERROR;
		store_bind(st, 1, r->id);
		store_bind(st, 2, canonical);
		if ((rc = store_step_done(s, st, "saving a record", err)))
			return rc;
	}
	return drop_draft(s, r->id, err);
}

/* Queue a local change for the next sync. */
static int put_pending(store *s, const record *r, const char *hid, fc_err *err)
{
	sqlite3_stmt *st = store_cached(s, Q_PENDING_ADD, err);

	if (!st)
		return FC_ERROR;
	store_bind(st, 1, r->id);
	store_bind(st, 2, hid);
	return store_step_done(s, st, "queueing the change for sync", err);
}

int store_put(store *s, const record *r, const char *canonical,
	      const char *who, store_origin origin, fc_err *err)
{
	fc_buf made = FC_BUF_INIT;
	record *old = NULL;
	char *old_canon = NULL, *old_village = NULL, *village = NULL;
	const char *hid = NULL;
	char at[32];
	long long rid = 0;
	int rc, changes = 0, in_tx = 0;

	if (!r || !r->kind || !*r->kind || !r->id || !*r->id)
		return fc_err_set(err, FC_EINVALID, "store: a record needs a kind and an id");
	if (!canonical) {
		record_serialise(r, NULL, NULL, 0, &made);
		canonical = buf_cstr(&made);
	}
	who = who ? who : "";
	util_now_iso(at);
	if ((rc = store_begin(s, err)))
		goto cleanup;
	in_tx = 1;
	if ((rc = put_place(s, r, &village, &hid, err)) ||
	    (rc = load_old(s, r->id, &old, &old_canon, &old_village, err)))
		goto cleanup;
	if (old && strcmp(old->kind, r->kind) != 0) {
		rc = fc_err_set(err, FC_EINVALID, "record %s is a %s, cannot save it as a %s",
				r->id, old->kind, r->kind);
		goto cleanup;
	}
	if ((rc = audit_diff(s, old, r, who, at, origin != STORE_REBUILD, &changes, err)))
		goto cleanup;
	if (old && changes == 0) {
		rc = put_same(s, r, old_canon, canonical, err);
		goto cleanup;
	}
	if ((rc = put_row(s, r, canonical, village, at, &rid, err)) ||
	    (rc = index_search(s, rid, hid, r, err)) ||
	    (rc = put_around(s, r, old, old_village, village, canonical, err)) ||
	    (origin == STORE_LOCAL && (rc = put_pending(s, r, hid, err))))
		goto cleanup;
	rc = drop_draft(s, r->id, err);
cleanup:
	if (in_tx) {
		if (rc)
			store_rollback(s);
		else
			rc = store_commit(s, err);
	}
	record_free(old);
	free(old_canon);
	free(old_village);
	free(village);
	buf_free(&made);
	return rc;
}

/* ---- drafts ---- */

int store_draft_save(store *s, const record *draft, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s,
		"INSERT OR REPLACE INTO drafts(id, kind, parent, canonical, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5)", err);
	fc_buf text = FC_BUF_INIT;
	char at[32];
	int rc;

	if (!st)
		return FC_ERROR;
	record_serialise(draft, NULL, NULL, 0, &text);
	util_now_iso(at);
	store_bind(st, 1, draft->id);
	store_bind(st, 2, draft->kind);
	store_bind(st, 3, draft->parent);
	store_bind(st, 4, buf_cstr(&text));
	store_bind(st, 5, at);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, err, "saving a draft");
	sqlite3_finalize(st);
	buf_free(&text);
	return rc;
}

int store_draft_get(store *s, const char *id, record **out, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT id, canonical FROM drafts WHERE id = ?1", err);
	int rc;

	*out = NULL;
	if (!st)
		return FC_ERROR;
	store_bind(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = store_parse_canonical((const char *)sqlite3_column_text(st, 1),
					   (size_t)sqlite3_column_bytes(st, 1), id, out, err);
	else if (rc == SQLITE_DONE)
		rc = fc_err_set(err, FC_ENOTFOUND, "no draft for %s", id);
	else
		rc = store_fail(s, err, "reading a draft");
	sqlite3_finalize(st);
	return rc;
}

int store_draft_drop(store *s, const char *id, fc_err *err)
{
	return drop_draft(s, id, err);
}

int store_draft_each(store *s, store_record_cb cb, void *ud, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT id, canonical FROM drafts ORDER BY id", err);
	int rc;

	if (!st)
		return FC_ERROR;
	rc = store_stream(s, st, cb, ud, err);
	sqlite3_finalize(st);
	return rc;
}
