/* store_query.c — reading the store: records by id, kind, village or
 * parent, streamed; the household lists and counts behind the list and
 * home screens (filters, search over the trigram index); villages; the
 * audit trail. Part of the store (store.c, store_int.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fieldcard/buf.h"
#include "fieldcard/fields.h"
#include "fieldcard/util.h"
#include "store_int.h"

/* ---- records ---- */

int store_get_canonical(store *s, const char *id, char **out, fc_err *err)
{
	sqlite3_stmt *st = store_cached(s, Q_GET, err);
	int rc = 0;

	*out = NULL;
	if (!st)
		return FC_ERROR;
	store_bind(st, 1, id);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW: *out = store_col_dup(st, 0); break;
	case SQLITE_DONE: rc = fc_err_set(err, FC_ENOTFOUND, "no record %s in the store", id); break;
	default: rc = store_fail(s, err, "reading a record");
	}
	store_reset(st);
	return rc;
}

int store_get(store *s, const char *id, record **out, fc_err *err)
{
	char *text;
	int rc;

	*out = NULL;
	if ((rc = store_get_canonical(s, id, &text, err)))
		return rc;
	rc = store_parse_canonical(text, strlen(text), id, out, err);
	free(text);
	return rc;
}

/* Rows of id and canonical text, parsed one at a time. */
int store_stream(store *s, sqlite3_stmt *st, store_record_cb cb, void *ud, fc_err *err)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		record *r;
		int stop;

		if ((rc = store_parse_canonical((const char *)sqlite3_column_text(st, 1),
						(size_t)sqlite3_column_bytes(st, 1), store_col(st, 0), &r, err)))
			return rc;
		stop = cb(r, ud);
		record_free(r);
		if (stop)
			return stop;
	}
	return rc == SQLITE_DONE ? 0 : store_fail(s, err, "reading records");
}

int store_each(store *s, const char *kind, const char *village,
	       store_record_cb cb, void *ud, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s,
		"SELECT id, canonical FROM records"
		" WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR village = ?2)"
		" ORDER BY id", err);
	int rc;

	if (!st)
		return FC_ERROR;
	store_bind(st, 1, kind);
	store_bind(st, 2, village);
	rc = store_stream(s, st, cb, ud, err);
	sqlite3_finalize(st);
	return rc;
}

int store_each_child(store *s, const char *kind, const char *village, const char *parent,
		     store_record_cb cb, void *ud, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s,
		"SELECT id, canonical FROM records"
		" WHERE kind = ?1 AND parent IS NOT NULL AND (?2 IS NULL OR village = ?2)"
		" AND (?3 IS NULL OR parent = ?3) ORDER BY parent, id", err);
	int rc;

	if (!st)
		return FC_ERROR;
	store_bind(st, 1, kind);
	store_bind(st, 2, village);
	store_bind(st, 3, parent);
	rc = store_stream(s, st, cb, ud, err);
	sqlite3_finalize(st);
	return rc;
}

int store_people(store *s, store_person_cb cb, void *ud, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s,
		"SELECT id, id, village, head_id_number, 1, 0 FROM records"
		" WHERE kind = '" K_HOUSEHOLD "' AND head_id_number <> ''"
		" UNION ALL SELECT id, parent, village, id_number, 0, member_status = '" C_LEFT "'"
		" FROM records WHERE kind = '" K_MEMBER "' AND id_number <> ''", err);
	int rc, stop = 0;

	if (!st)
		return FC_ERROR;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_person p = { store_col(st, 0), store_col(st, 1), store_col(st, 2),
				   store_col(st, 3), sqlite3_column_int(st, 4),
				   sqlite3_column_int(st, 5) };

		stop = cb(&p, ud);
	}
	if (stop)
		rc = stop;
	else
		rc = rc == SQLITE_DONE ? 0 : store_fail(s, err, "reading ID numbers");
	sqlite3_finalize(st);
	return rc;
}

typedef struct collect {
	record **v;
	size_t n, cap;
} collect;

int store_children(store *s, const char *parent_id, const char *kind,
		   record ***out, size_t *n, fc_err *err)
{
	sqlite3_stmt *st = store_cached(s, kind ? Q_CHILDREN_KIND : Q_CHILDREN, err);
	collect c = { NULL, 0, 0 };
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return FC_ERROR;
	store_bind(st, 1, parent_id);
	if (kind)
		store_bind(st, 2, kind);
	/* The parsed records are kept as they are, not copied. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		record *r;

		if ((rc = store_parse_canonical((const char *)sqlite3_column_text(st, 1),
						(size_t)sqlite3_column_bytes(st, 1), store_col(st, 0),
						&r, err)))
			break;
		if (c.n == c.cap) {
			c.cap = c.cap ? c.cap * 2 : 8;
			c.v = util_realloc(c.v, c.cap * sizeof(*c.v));
		}
		c.v[c.n++] = r;
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc == SQLITE_ROW || rc > 0)
		rc = store_fail(s, err, "reading records");
	store_reset(st);
	if (rc) {
		store_records_free(c.v, c.n);
		return rc;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

void store_records_free(record **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		record_free(v[i]);
	free(v);
}

/* ---- household lists ---- */

typedef struct where_args {
	const char *v[8];
	int n;
	char *owned[2];
	char cutoff[11];
} where_args;

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Trigram MATCH needs 3 characters; shorter searches (one or two Chinese
 * characters are common) use LIKE on the same table, which scans it. */
static void search_clause(const char *q, fc_buf *sql, where_args *a)
{
	fc_buf pat = FC_BUF_INIT;

	if (utf8_chars(q) >= 3) {
		buf_addc(&pat, '"');
		for (const char *p = q; *p; p++) {
			if (*p == '"')
				buf_addc(&pat, '"');
			buf_addc(&pat, *p);
		}
		buf_addc(&pat, '"');
		buf_adds(sql, " AND h.id IN (SELECT household FROM search WHERE search MATCH ?)");
	} else {
		buf_addc(&pat, '%');
		for (const char *p = q; *p; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				buf_addc(&pat, '\\');
			buf_addc(&pat, *p);
		}
		buf_addc(&pat, '%');
		buf_adds(sql, " AND h.id IN (SELECT household FROM search"
			      " WHERE text LIKE ? ESCAPE '\\')");
	}
	a->owned[0] = buf_detach(&pat);
	a->v[a->n++] = a->owned[0];
}

/* need_review: the caller reads review columns. Otherwise the join is left
 * out unless the filter is "draft" (the absence of a review row): a count of
 * a village of 100,000 is then read from the households_list index alone
 * (about 3 times faster). */
static void build_where(const store_query *q, int need_review, fc_buf *sql,
			where_args *a)
{
	int draft = q && q->review_state && !strcmp(q->review_state, "draft");

	memset(a, 0, sizeof(*a));
	buf_adds(sql, need_review || draft ?
		 " FROM records h LEFT JOIN reviews v ON v.household = h.id"
		 " WHERE h.kind = '" K_HOUSEHOLD "'" :
		 " FROM records h WHERE h.kind = '" K_HOUSEHOLD "'");
	if (!q)
		return;
	if (q->village) {
		buf_adds(sql, " AND h.village = ?");
		a->v[a->n++] = q->village;
	}
	if (q->search && *q->search)
		search_clause(q->search, sql, a);
	if (q->poverty_status) {
		buf_adds(sql, " AND h.poverty_status = ?");
		a->v[a->n++] = q->poverty_status;
	}
	if (q->household_type) {
		buf_adds(sql, " AND h.household_type = ?");
		a->v[a->n++] = q->household_type;
	}
	if (q->review_state) {
		/* Other states through the reviews table first: the home
		 * screen's "returned" of 100,000 households, 165 -> 115 ms. */
		buf_adds(sql, draft ? " AND coalesce(v.state, 'draft') = ?" :
			 " AND h.id IN (SELECT household FROM reviews WHERE state = ?)");
		a->v[a->n++] = q->review_state;
	}
	if (q->monitored_only)
		buf_adds(sql, " AND h.monitor_category <> ''");
	if (q->failing_check && *q->failing_check) {
		/* A code among the space-separated ones; "any": some check fails
		 * (the failing codes come before "suggest:KIND"). */
		if (!strcmp(q->failing_check, "any")) {
			buf_adds(sql, " AND h.checks <> '' AND substr(h.checks, 1, 8) <> 'suggest:'");
		} else {
			buf_adds(sql, " AND instr(' ' || h.checks || ' ', ' ' || ? || ' ') > 0");
			a->v[a->n++] = q->failing_check;
		}
	}
	if (q->not_visited_days > 0) {
		/* Last visit on or before today - N days (never visited: ""). */
		time_t t = (time_t)(util_now() - (long long)q->not_visited_days * 86400);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(a->cutoff, sizeof(a->cutoff), "%Y-%m-%d", &tm);
		buf_adds(sql, " AND h.last_visit <= ?");
		a->v[a->n++] = a->cutoff;
	}
}

static void where_free(where_args *a)
{
	free(a->owned[0]);
	free(a->owned[1]);
}

int store_list(store *s, const store_query *q, store_row_cb cb, void *ud, fc_err *err)
{
	fc_buf sql = FC_BUF_INIT;
	where_args a;
	sqlite3_stmt *st = NULL;
	int rc = 0, i;

	buf_adds(&sql,
		 "SELECT h.id, h.village, h.code, h.head_name, h.head_id_number,"
		 " h.household_type, h.poverty_status, h.monitor_category,"
		 " coalesce(v.state, 'draft'), v.comment, h.last_visit, h.members,"
		 " EXISTS (SELECT 1 FROM pending p WHERE p.household = h.id),"
		 " (SELECT count(*) FROM conflicts c WHERE c.household = h.id), h.checks");
	build_where(q, 1, &sql, &a);
	switch (q ? q->sort : STORE_SORT_CODE) {
	case STORE_SORT_NAME: buf_adds(&sql, " ORDER BY h.head_name, h.code, h.id"); break;
	/* Longest unvisited first: who needs a visit. */
	case STORE_SORT_VISIT: buf_adds(&sql, " ORDER BY h.last_visit, h.code, h.id"); break;
	default: buf_adds(&sql, " ORDER BY h.code, h.id"); break;
	}
	buf_adds(&sql, " LIMIT ? OFFSET ?");
	if (!(st = store_prepare(s, buf_cstr(&sql), err))) {
		rc = FC_ERROR;
		goto cleanup;
	}
	for (i = 0; i < a.n; i++)
		store_bind(st, i + 1, a.v[i]);
	sqlite3_bind_int(st, i + 1, q && q->limit > 0 ? q->limit : -1);
	sqlite3_bind_int(st, i + 2, q && q->offset > 0 ? q->offset : 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_row row;

		row.id = store_col(st, 0);
		row.village = store_col(st, 1);
		row.code = store_col(st, 2);
		row.head_name = store_col(st, 3);
		row.head_id_number = store_col(st, 4);
		row.household_type = store_col(st, 5);
		row.poverty_status = store_col(st, 6);
		row.monitor_category = store_col(st, 7);
		row.review_state = store_col(st, 8);
		row.review_comment = store_col(st, 9);
		row.last_visit = store_col(st, 10);
		row.members = sqlite3_column_int(st, 11);
		row.pending = sqlite3_column_int(st, 12);
		row.conflicts = sqlite3_column_int(st, 13);
		row.checks = store_col(st, 14);
		if ((rc = cb(&row, ud)))
			goto cleanup;
	}
	rc = rc == SQLITE_DONE ? 0 : store_fail(s, err, "listing households");
cleanup:
	sqlite3_finalize(st);
	where_free(&a);
	buf_free(&sql);
	return rc;
}

int store_count(store *s, const store_query *q, int *out, fc_err *err)
{
	fc_buf sql = FC_BUF_INIT;
	where_args a;
	sqlite3_stmt *st = NULL;
	int rc = 0;

	*out = 0;
	buf_adds(&sql, "SELECT count(*)");
	build_where(q, 0, &sql, &a);
	if (!(st = store_prepare(s, buf_cstr(&sql), err))) {
		rc = FC_ERROR;
		goto cleanup;
	}
	for (int i = 0; i < a.n; i++)
		store_bind(st, i + 1, a.v[i]);
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else
		rc = store_fail(s, err, "counting households");
cleanup:
	sqlite3_finalize(st);
	where_free(&a);
	buf_free(&sql);
	return rc;
}

int store_villages(store *s, store_village_cb cb, void *ud, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s,
		"SELECT h.village, count(*),"
		" sum(EXISTS (SELECT 1 FROM pending p WHERE p.household = h.id)),"
		" sum(coalesce(v.state, '') = 'returned'),"
		" sum(h.monitor_category <> '')"
		" FROM records h LEFT JOIN reviews v ON v.household = h.id"
		" WHERE h.kind = '" K_HOUSEHOLD "' GROUP BY h.village ORDER BY h.village", err);
	int rc;

	if (!st)
		return FC_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_village v = {
			store_col(st, 0), sqlite3_column_int(st, 1), sqlite3_column_int(st, 2),
			sqlite3_column_int(st, 3), sqlite3_column_int(st, 4)
		};

		if ((rc = cb(&v, ud)))
			goto cleanup;
	}
	rc = rc == SQLITE_DONE ? 0 : store_fail(s, err, "summarising villages");
cleanup:
	sqlite3_finalize(st);
	return rc;
}

/* ---- audit ---- */

int store_history(store *s, const char *record_id, store_audit_cb cb, void *ud,
		  fc_err *err)
{
	/* Two statements: "?1 IS NULL OR record_id = ?1" would keep SQLite
	 * from the index, and one card's history would read everyone's. */
	sqlite3_stmt *st = record_id ? store_cached(s, Q_HISTORY, err) : store_prepare(s,
		"SELECT seq, record_id, field, old, new, who, at FROM audit"
		" ORDER BY seq DESC", err);
	int rc;

	if (!st)
		return FC_ERROR;
	if (record_id)
		store_bind(st, 1, record_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_audit a = {
			sqlite3_column_int64(st, 0), store_col(st, 1), store_col(st, 2),
			(const char *)sqlite3_column_text(st, 3),
			(const char *)sqlite3_column_text(st, 4), store_col(st, 5), store_col(st, 6)
		};

		if ((rc = cb(&a, ud)))
			goto cleanup;
	}
	rc = rc == SQLITE_DONE ? 0 : store_fail(s, err, "reading the audit trail");
cleanup:
	if (record_id)
		store_reset(st);
	else
		sqlite3_finalize(st);
	return rc;
}

/* ---- the same person elsewhere ---- */

int store_id_elsewhere(store *s, const char *id_number, const char *household, char **other,
		       fc_err *err)
{
	/* By the 18-digit ID part, so a disability certificate number finds
	 * its ID; the expressions match the indexes of migration 3. */
	sqlite3_stmt *st = store_prepare(s,
		"SELECT parent FROM records WHERE kind = '" K_MEMBER "' AND"
		" substr(id_number, 1, 18) = substr(?1, 1, 18) AND id_number != '' AND"
		" member_status != '" C_LEFT "' AND parent != ?2"
		" UNION ALL SELECT id FROM records WHERE kind = '" K_HOUSEHOLD "' AND"
		" substr(head_id_number, 1, 18) = substr(?1, 1, 18) AND head_id_number != '' AND"
		" id != ?2 LIMIT 1", err);
	int rc;

	*other = NULL;
	if (!st)
		return FC_ERROR;
	store_bind(st, 1, id_number);
	store_bind(st, 2, household ? household : "");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*other = util_strdup(store_col(st, 0));
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? FC_OK
						  : store_fail(s, err, "looking up an ID number");
	sqlite3_finalize(st);
	return rc;
}

int store_checks_set(store *s, const char *household_id, const char *checks, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s,
		"UPDATE records SET checks = ?2 WHERE id = ?1 AND checks <> ?2", err);
	int rc;

	if (!st)
		return FC_ERROR;
	store_bind(st, 1, household_id);
	store_bind(st, 2, checks ? checks : "");
	rc = sqlite3_step(st) == SQLITE_DONE ? FC_OK : store_fail(s, err, "saving a card's checks");
	sqlite3_finalize(st);
	return rc;
}
