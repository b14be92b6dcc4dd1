/* store.c — the local store on SQLite (see include/fieldcard/store.h):
 * records as canonical text plus the columns lists and search need, drafts,
 * the audit trail, review states, the pending queue for sync, conflicts and
 * device settings.
 *
 * The canonical text is the truth; every other column is derived from it on
 * store_put, so `check --rebuild` can always remake the store from the
 * ledger. Review states live in their own table for the same reason: a
 * rebuild clears records, not the secretary's decisions. Reads stream with
 * sqlite3_step and callbacks, so a county of 100,000 households never sits in
 * memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "fieldcard/buf.h"
#include "fieldcard/fields.h"
#include "fieldcard/store.h"
#include "fieldcard/util.h"

#define BUSY_TIMEOUT_MS 5000

/* ---- schema: one transaction per step, numbered by PRAGMA user_version ---- */

typedef struct store_migration {
	int version;
	const char *what;
	const char *sql;
} store_migration;

static const store_migration migrations[] = {
	{ 1, "tables",
	  "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	  /* rid is the stable integer key the search index is keyed by; id is
	   * the ULID every other table and the ledger use. */
	  "CREATE TABLE records("
	  " rid INTEGER PRIMARY KEY,"
	  " id TEXT NOT NULL UNIQUE,"
	  " kind TEXT NOT NULL,"
	  " parent TEXT REFERENCES records(id),"
	  " village TEXT NOT NULL DEFAULT '',"
	  " code TEXT NOT NULL DEFAULT '',"
	  " head_name TEXT NOT NULL DEFAULT '',"
	  " head_id_number TEXT NOT NULL DEFAULT '',"
	  " household_type TEXT NOT NULL DEFAULT '',"
	  " poverty_status TEXT NOT NULL DEFAULT '',"
	  " monitor_category TEXT NOT NULL DEFAULT '',"
	  " name TEXT NOT NULL DEFAULT '',"
	  " id_number TEXT NOT NULL DEFAULT '',"
	  " member_status TEXT NOT NULL DEFAULT '',"
	  " visit_date TEXT NOT NULL DEFAULT '',"
	  " members INTEGER NOT NULL DEFAULT 0,"
	  " last_visit TEXT NOT NULL DEFAULT '',"
	  " updated_at TEXT NOT NULL,"
	  /* Last, so that lists read the columns above without walking the
	   * text's overflow pages. */
	  " canonical TEXT NOT NULL);"
	  /* Children of a household (and the foreign-key check on delete). */
	  "CREATE INDEX records_parent ON records(parent, kind);"
	  /* Every list column of households, village by village: a list is
	   * read from this index alone. A village's rows sit together here,
	   * while in the table they are spread among members, visits and other
	   * villages saved at the same time. kind is a column too, or SQLite
	   * 3.40 would not see the index as covering. */
	  "CREATE INDEX households_list ON records(kind, village, code, id, head_name,"
	  " head_id_number, household_type, poverty_status, monitor_category,"
	  " last_visit, members) WHERE kind = '" K_HOUSEHOLD "';"
	  "CREATE TABLE reviews("
	  " household TEXT PRIMARY KEY,"
	  " state TEXT NOT NULL CHECK (state IN"
	  "  ('submitted','approved','returned','merged')),"
	  " comment TEXT,"
	  " approved TEXT,"
	  " who TEXT NOT NULL,"
	  " at TEXT NOT NULL);"
	  "CREATE TABLE drafts("
	  " id TEXT PRIMARY KEY,"
	  " kind TEXT NOT NULL,"
	  " parent TEXT,"
	  " canonical TEXT NOT NULL,"
	  " updated_at TEXT NOT NULL);"
	  "CREATE TABLE audit("
	  " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " record_id TEXT NOT NULL,"
	  " field TEXT NOT NULL,"
	  " old TEXT,"
	  " new TEXT,"
	  " who TEXT NOT NULL,"
	  " at TEXT NOT NULL);"
	  "CREATE INDEX audit_record ON audit(record_id, seq);"
	  /* AUTOINCREMENT: a re-saved record gets a seq above every seq sync may
	   * already have read, so store_pending_clear(upto) never drops it. */
	  "CREATE TABLE pending("
	  " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	  " record_id TEXT NOT NULL UNIQUE REFERENCES records(id),"
	  " household TEXT NOT NULL);"
	  "CREATE INDEX pending_household ON pending(household);"
	  "CREATE TABLE conflicts("
	  " record_id TEXT NOT NULL,"
	  " field TEXT NOT NULL,"
	  " household TEXT NOT NULL,"
	  " base TEXT, ours TEXT, theirs TEXT, ours_who TEXT, theirs_who TEXT,"
	  " at TEXT NOT NULL,"
	  " PRIMARY KEY (record_id, field));"
	  "CREATE INDEX conflicts_household ON conflicts(household);" },
	{ 2, "search index",
	  /* Trigram: Chinese names have no spaces between words, and a cadre
	   * types any part of a name, ID number or code. rowid = records.rid. */
	  "CREATE VIRTUAL TABLE search USING fts5("
	  " household UNINDEXED, text, tokenize = 'trigram');" },
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ---- cached statements for the hot paths (store_put and friends) ---- */

enum {
	Q_GET,
	Q_PARENT,
	Q_OLD,
	Q_UPSERT,
	Q_CANON_ONLY,
	Q_AUDIT,
	Q_SEARCH_DEL,
	Q_SEARCH_ADD,
	Q_CHILD_VILLAGE,
	Q_AGGREGATE,
	Q_PENDING_ADD,
	Q_DRAFT_DROP,
	Q_COUNT
};

static const char *const cached_sql[Q_COUNT] = {
	[Q_GET] = "SELECT canonical FROM records WHERE id = ?1",
	[Q_PARENT] = "SELECT kind, village FROM records WHERE id = ?1",
	[Q_OLD] = "SELECT kind, parent, village, canonical FROM records WHERE id = ?1",
	[Q_UPSERT] =
		"INSERT INTO records(id, kind, parent, village, canonical, code, head_name,"
		" head_id_number, household_type, poverty_status, monitor_category, name,"
		" id_number, member_status, visit_date, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
		" ON CONFLICT(id) DO UPDATE SET parent = ?3, village = ?4, canonical = ?5,"
		" code = ?6, head_name = ?7, head_id_number = ?8, household_type = ?9,"
		" poverty_status = ?10, monitor_category = ?11, name = ?12, id_number = ?13,"
		" member_status = ?14, visit_date = ?15, updated_at = ?16"
		" RETURNING rid",
	[Q_CANON_ONLY] = "UPDATE records SET canonical = ?2 WHERE id = ?1",
	[Q_AUDIT] = "INSERT INTO audit(record_id, field, old, new, who, at)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_SEARCH_DEL] = "DELETE FROM search WHERE rowid = ?1",
	[Q_SEARCH_ADD] = "INSERT INTO search(rowid, household, text) VALUES (?1, ?2, ?3)",
	[Q_CHILD_VILLAGE] = "UPDATE records SET village = ?2 WHERE parent = ?1 AND village <> ?2",
	[Q_AGGREGATE] =
		"UPDATE records SET"
		" members = (SELECT count(*) FROM records c WHERE c.parent = ?1"
		"  AND c.kind = '" K_MEMBER "' AND c.member_status <> '" C_LEFT "'),"
		" last_visit = (SELECT coalesce(max(c.visit_date), '') FROM records c"
		"  WHERE c.parent = ?1 AND c.kind = '" K_VISIT "')"
		" WHERE id = ?1",
	[Q_PENDING_ADD] = "INSERT OR REPLACE INTO pending(record_id, household) VALUES (?1, ?2)",
	[Q_DRAFT_DROP] = "DELETE FROM drafts WHERE id = ?1",
};

struct store {
	sqlite3 *db;
	char *path;
	int depth;                 /* open store_begin levels */
	sqlite3_stmt *q[Q_COUNT];
};

/* ---- small helpers ---- */

static int db_fail(store *s, fc_err *err, const char *op)
{
	return fc_err_set(err, FC_ERROR, "store %s: %s: %s", s->path, op,
			  sqlite3_errmsg(s->db));
}

static int db_exec(store *s, const char *sql, const char *op, fc_err *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(s, err, op);
	return 0;
}

static sqlite3_stmt *cached(store *s, int which, fc_err *err)
{
	if (!s->q[which] &&
	    sqlite3_prepare_v3(s->db, cached_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
			       &s->q[which], NULL) != SQLITE_OK) {
		db_fail(s, err, "preparing a statement");
		return NULL;
	}
	return s->q[which];
}

/* Reset a cached statement so it holds no locks or borrowed strings. */
static void done(sqlite3_stmt *st)
{
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

static sqlite3_stmt *prepare(store *s, const char *sql, fc_err *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_fail(s, err, "preparing a query");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

static void bind_s(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static const char *col_s(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? util_strdup((const char *)t) : NULL;
}

/* Step a write statement to its end. */
static int step_done(store *s, sqlite3_stmt *st, const char *op, fc_err *err)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE) {
		rc = db_fail(s, err, op);
		done(st);
		return rc;
	}
	done(st);
	return 0;
}

static int parse_canonical(const char *text, size_t len, const char *id,
			   record **out, fc_err *err)
{
	char where[160];

	snprintf(where, sizeof(where), "store record %s", id);
	return record_parse(text, len, where, out, err);
}

/* ---- open, migrate, close ---- */

static int user_version(store *s, int *out, fc_err *err)
{
	sqlite3_stmt *st = prepare(s, "PRAGMA user_version", err);

	if (!st)
		return FC_ERROR;
	if (sqlite3_step(st) != SQLITE_ROW) {
		int rc = db_fail(s, err, "reading the schema version");

		sqlite3_finalize(st);
		return rc;
	}
	*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int migrate(store *s, fc_err *err)
{
	int have, rc;

	if ((rc = user_version(s, &have, err)))
		return rc;
	if (have > NMIGRATIONS)
		return fc_err_set(err, FC_ERROR,
				  "store %s: store made by a newer fieldcard (schema %d, this "
				  "program knows up to %d); update fieldcard", s->path, have,
				  NMIGRATIONS);
	for (int i = 0; i < NMIGRATIONS; i++) {
		const store_migration *m = &migrations[i];
		char op[128], ver[64];

		if (m->version <= have)
			continue;
		snprintf(op, sizeof(op), "migrating to schema %d (%s)", m->version, m->what);
		if ((rc = db_exec(s, "BEGIN IMMEDIATE", op, err)))
			return rc;
		/* Another process may have migrated while we waited for the lock. */
		if ((rc = user_version(s, &have, err)))
			goto fail;
		if (m->version <= have) {
			db_exec(s, "COMMIT", op, NULL);
			continue;
		}
		snprintf(ver, sizeof(ver), "PRAGMA user_version = %d", m->version);
		if ((rc = db_exec(s, m->sql, op, err)) || (rc = db_exec(s, ver, op, err)) ||
		    (rc = db_exec(s, "COMMIT", op, err)))
			goto fail;
		have = m->version;
	}
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int set_wal(store *s, fc_err *err)
{
	sqlite3_stmt *st = prepare(s, "PRAGMA journal_mode = WAL", err);
	int rc = 0;

	if (!st)
		return FC_ERROR;
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = db_fail(s, err, "switching to WAL");
	} else if (strcmp(col_s(st, 0), "wal") != 0 && strcmp(s->path, ":memory:") != 0) {
		rc = fc_err_set(err, FC_ERROR,
				"store %s: cannot use WAL (journal mode stays %s); the "
				"data directory must be on a local file system", s->path,
				col_s(st, 0));
	}
	sqlite3_finalize(st);
	return rc;
}

int store_open(const char *path, store **out, fc_err *err)
{
	store *s = util_calloc(1, sizeof(*s));
	int fresh = strcmp(path, ":memory:") != 0 && !util_file_exists(path);
	int rc;

	*out = NULL;
	s->path = util_strdup(path);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			    NULL) != SQLITE_OK) {
		rc = s->db ? db_fail(s, err, "opening")
			   : fc_err_set(err, FC_ERROR, "store %s: cannot open", path);
		goto fail;
	}
	/* The store holds names and ID numbers: readable by this user only. */
	if (fresh)
		chmod(path, 0600);
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if ((rc = set_wal(s, err)) ||
	    (rc = db_exec(s, "PRAGMA synchronous = FULL", "setting synchronous", err)) ||
	    (rc = db_exec(s, "PRAGMA foreign_keys = ON", "enabling foreign keys", err)) ||
	    /* 16 MB of page cache: a village's list and its lookups stay in
	     * memory between screens. */
	    (rc = db_exec(s, "PRAGMA cache_size = -16384", "sizing the cache", err)) ||
	    (rc = migrate(s, err)))
		goto fail;
	*out = s;
	return 0;
fail:
	store_close(s);
	return rc;
}

void store_close(store *s)
{
	if (!s)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(s->q[i]);
	if (s->depth > 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

int store_schema_version(store *s)
{
	int v = -1;

	user_version(s, &v, NULL);
	return v;
}

int store_pragma(store *s, const char *name, char **out, fc_err *err)
{
	sqlite3_stmt *st;
	char *sql;
	int rc = 0;

	*out = NULL;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return fc_err_set(err, FC_EINVALID, "store: bad PRAGMA name %s", name);
	sql = util_asprintf("PRAGMA %s", name);
	st = prepare(s, sql, err);
	free(sql);
	if (!st)
		return FC_ERROR;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = col_dup(st, 0);
	else
		rc = db_fail(s, err, "reading a PRAGMA");
	sqlite3_finalize(st);
	return rc;
}

/* ---- transactions: the outermost is BEGIN IMMEDIATE, inner ones are
 * savepoints, so a failed store_put inside an import undoes only itself
 * and the import decides what to do with the whole. ---- */

int store_begin(store *s, fc_err *err)
{
	char sql[64];
	int rc;

	if (s->depth == 0)
		snprintf(sql, sizeof(sql), "BEGIN IMMEDIATE");
	else
		snprintf(sql, sizeof(sql), "SAVEPOINT fc%d", s->depth);
	if ((rc = db_exec(s, sql, "starting a transaction", err)))
		return rc;
	s->depth++;
	return 0;
}

int store_commit(store *s, fc_err *err)
{
	char sql[64];
	int rc;

	if (s->depth == 0)
		return fc_err_set(err, FC_ERROR, "store %s: commit without a transaction", s->path);
	if (s->depth == 1)
		snprintf(sql, sizeof(sql), "COMMIT");
	else
		snprintf(sql, sizeof(sql), "RELEASE fc%d", s->depth - 1);
	if ((rc = db_exec(s, sql, "committing", err))) {
		store_rollback(s);
		return rc;
	}
	s->depth--;
	return 0;
}

void store_rollback(store *s)
{
	char sql[96];

	if (s->depth == 0)
		return;
	if (s->depth == 1)
		snprintf(sql, sizeof(sql), "ROLLBACK");
	else
		snprintf(sql, sizeof(sql), "ROLLBACK TO fc%d; RELEASE fc%d", s->depth - 1,
			 s->depth - 1);
	sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	s->depth--;
}

/* ---- settings ---- */

int store_meta_get(store *s, const char *key, char **out, fc_err *err)
{
	sqlite3_stmt *st = prepare(s, "SELECT value FROM meta WHERE key = ?1", err);
	int rc = 0;

	*out = NULL;
	if (!st)
		return FC_ERROR;
	bind_s(st, 1, key);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW: *out = col_dup(st, 0); break;
	case SQLITE_DONE: break;
	default: rc = db_fail(s, err, "reading a setting");
	}
	sqlite3_finalize(st);
	return rc;
}

int store_meta_set(store *s, const char *key, const char *value, fc_err *err)
{
	sqlite3_stmt *st = prepare(s, value ?
		"INSERT INTO meta(key, value) VALUES (?1, ?2)"
		" ON CONFLICT(key) DO UPDATE SET value = ?2" :
		"DELETE FROM meta WHERE key = ?1", err);
	int rc;

	if (!st)
		return FC_ERROR;
	bind_s(st, 1, key);
	if (value)
		bind_s(st, 2, value);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(s, err, "saving a setting");
	sqlite3_finalize(st);
	return rc;
}

/* ---- records ---- */

int store_get_canonical(store *s, const char *id, char **out, fc_err *err)
{
	sqlite3_stmt *st = cached(s, Q_GET, err);
	int rc = 0;

	*out = NULL;
	if (!st)
		return FC_ERROR;
	bind_s(st, 1, id);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW: *out = col_dup(st, 0); break;
	case SQLITE_DONE: rc = fc_err_set(err, FC_ENOTFOUND, "no record %s in the store", id); break;
	default: rc = db_fail(s, err, "reading a record");
	}
	done(st);
	return rc;
}

int store_get(store *s, const char *id, record **out, fc_err *err)
{
	char *text;
	int rc;

	*out = NULL;
	if ((rc = store_get_canonical(s, id, &text, err)))
		return rc;
	rc = parse_canonical(text, strlen(text), id, out, err);
	free(text);
	return rc;
}

static int is_household(const char *kind)
{
	return strcmp(kind, K_HOUSEHOLD) == 0;
}

static int audit_row(store *s, const char *id, const char *field, const char *old,
		     const char *new, const char *who, const char *at, fc_err *err)
{
	sqlite3_stmt *st = cached(s, Q_AUDIT, err);

	if (!st)
		return FC_ERROR;
	bind_s(st, 1, id);
	bind_s(st, 2, field);
	bind_s(st, 3, old);
	bind_s(st, 4, new);
	bind_s(st, 5, who);
	bind_s(st, 6, at);
	return step_done(s, st, "writing the audit trail", err);
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
		return write ? audit_row(s, r->id, STORE_AUDIT_CREATED, NULL, "created", who,
					 at, err) : 0;
	}
	if (strcmp(old->parent ? old->parent : "", r->parent ? r->parent : "") != 0) {
		(*changes)++;
		if (write && (rc = audit_row(s, r->id, "parent", old->parent, r->parent, who, at, err)))
			return rc;
	}
	for (size_t i = 0; i < r->n; i++) {
		const char *ov = record_val(old, r->names[i]);

		if (strcmp(ov, r->values[i]) == 0)
			continue;
		(*changes)++;
		if (write && (rc = audit_row(s, r->id, r->names[i], ov, r->values[i],
					     who, at, err)))
			return rc;
	}
	for (size_t i = 0; i < old->n; i++) {
		if (!old->values[i][0] || record_get(r, old->names[i]))
			continue;
		(*changes)++;
		if (write && (rc = audit_row(s, r->id, old->names[i], old->values[i], "",
					     who, at, err)))
			return rc;
	}
	return 0;
}

static int recompute_household(store *s, const char *hid, fc_err *err)
{
	sqlite3_stmt *st = cached(s, Q_AGGREGATE, err);

	if (!st)
		return FC_ERROR;
	bind_s(st, 1, hid);
	return step_done(s, st, "updating the household's list columns", err);
}

static int valid_state(const char *state);

/* The review state travels in the household record itself (fields
 * review_state, review_comment, review_by, review_at), so a first
 * secretary's decision is signed, synced and merged like any edit; the
 * reviews table mirrors it for lists. The field audit already records it. */
static int lift_review(store *s, const record *r, const char *canonical, fc_err *err)
{
	const char *state = record_val(r, F_REVIEW_STATE);
	sqlite3_stmt *st;

	if (!*state || !valid_state(state))
		return 0;
	if (!(st = prepare(s,
		"INSERT INTO reviews(household, state, comment, approved, who, at)"
		" VALUES (?1, ?2, nullif(?3, ''), ?4, ?5, ?6) ON CONFLICT(household) DO UPDATE SET"
		" state = ?2, comment = nullif(?3, ''), approved = coalesce(?4, approved), who = ?5, at = ?6",
		err)))
		return FC_ERROR;
	bind_s(st, 1, r->id);
	bind_s(st, 2, state);
	bind_s(st, 3, record_val(r, F_REVIEW_COMMENT));
	bind_s(st, 4, strcmp(state, "approved") == 0 ? canonical : NULL);
	bind_s(st, 5, record_val(r, F_REVIEW_BY));
	bind_s(st, 6, record_val(r, F_REVIEW_AT));
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return db_fail(s, err, "saving a review state");
	}
	sqlite3_finalize(st);
	return 0;
}

static int index_search(store *s, long long rid, const char *household, const record *r,
			fc_err *err)
{
	sqlite3_stmt *st = cached(s, Q_SEARCH_DEL, err);
	fc_buf text = FC_BUF_INIT;
	int rc;

	if (!st)
		return FC_ERROR;
	sqlite3_bind_int64(st, 1, rid);
	if ((rc = step_done(s, st, "updating the search index", err)))
		return rc;
	if (is_household(r->kind))
		buf_printf(&text, "%s\n%s\n%s", record_val(r, F_HOUSEHOLD_CODE),
			   record_val(r, F_HEAD_NAME), record_val(r, F_HEAD_ID));
	else if (strcmp(r->kind, K_MEMBER) == 0)
		buf_printf(&text, "%s\n%s", record_val(r, F_M_NAME), record_val(r, F_M_ID));
	else
		return 0;
	if (!(st = cached(s, Q_SEARCH_ADD, err))) {
		buf_free(&text);
		return FC_ERROR;
	}
	sqlite3_bind_int64(st, 1, rid);
	bind_s(st, 2, household);
	bind_s(st, 3, buf_cstr(&text));
	rc = step_done(s, st, "updating the search index", err);
	buf_free(&text);
	return rc;
}

static int drop_draft(store *s, const char *id, fc_err *err)
{
	sqlite3_stmt *st = cached(s, Q_DRAFT_DROP, err);

	if (!st)
		return FC_ERROR;
	bind_s(st, 1, id);
	return step_done(s, st, "dropping a draft", err);
}

/* Load the stored version of a record, if any. */
static int load_old(store *s, const char *id, record **old, char **old_canon,
		    char **old_village, fc_err *err)
{
	sqlite3_stmt *st = cached(s, Q_OLD, err);
	int rc = 0;

	*old = NULL;
	*old_canon = *old_village = NULL;
	if (!st)
		return FC_ERROR;
	bind_s(st, 1, id);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*old_canon = col_dup(st, 3);
		*old_village = col_dup(st, 2);
		rc = parse_canonical(*old_canon, strlen(*old_canon), id, old, err);
		break;
	case SQLITE_DONE:
		break;
	default:
		rc = db_fail(s, err, "reading the saved record");
	}
	done(st);
	return rc;
}

int store_put(store *s, const record *r, const char *canonical,
	      const char *who, store_origin origin, fc_err *err)
{
	fc_buf made = FC_BUF_INIT;
	record *old = NULL;
	char *old_canon = NULL, *old_village = NULL, *village = NULL;
	const char *hid;
	char at[32];
	sqlite3_stmt *st;
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

	/* Where the record belongs: a household by its village code, a child
	 * by its household, which must already be here. */
	if (is_household(r->kind)) {
		if (r->parent && *r->parent) {
			rc = fc_err_set(err, FC_EINVALID, "household %s: a household has no parent (got %s)",
					r->id, r->parent);
			goto cleanup;
		}
		village = util_strdup(record_val(r, F_VILLAGE_CODE));
		hid = r->id;
	} else {
		if (!r->parent || !*r->parent) {
			rc = fc_err_set(err, FC_EINVALID, "%s %s: no parent household", r->kind, r->id);
			goto cleanup;
		}
		if (!(st = cached(s, Q_PARENT, err))) {
			rc = FC_ERROR;
			goto cleanup;
		}
		bind_s(st, 1, r->parent);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && is_household(col_s(st, 0))) {
			village = col_dup(st, 1);
			rc = 0;
		} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
			rc = fc_err_set(err, FC_EINVALID, "%s %s: parent household %s does not exist",
					r->kind, r->id, r->parent);
		} else {
			rc = db_fail(s, err, "looking up the parent household");
		}
		done(st);
		if (rc)
			goto cleanup;
		hid = r->parent;
	}

	if ((rc = load_old(s, r->id, &old, &old_canon, &old_village, err)))
		goto cleanup;
	if (old && strcmp(old->kind, r->kind) != 0) {
		rc = fc_err_set(err, FC_EINVALID, "record %s is a %s, cannot save it as a %s",
				r->id, old->kind, r->kind);
		goto cleanup;
	}
	if ((rc = audit_diff(s, old, r, who, at, origin != STORE_REBUILD, &changes, err)))
		goto cleanup;

	if (old && changes == 0) {
		/* Same values: nothing to audit or sync. Keep the newest bytes
		 * (e.g. a newer form version) all the same. */
		if (strcmp(old_canon, canonical) != 0) {
			if (!(st = cached(s, Q_CANON_ONLY, err))) {
				rc = FC_ERROR;
				goto cleanup;
			}
			bind_s(st, 1, r->id);
			bind_s(st, 2, canonical);
			if ((rc = step_done(s, st, "saving a record", err)))
				goto cleanup;
		}
		rc = drop_draft(s, r->id, err);
		goto cleanup;
	}

	if (!(st = cached(s, Q_UPSERT, err))) {
		rc = FC_ERROR;
		goto cleanup;
	}
	bind_s(st, 1, r->id);
	bind_s(st, 2, r->kind);
	bind_s(st, 3, is_household(r->kind) ? NULL : r->parent);
	bind_s(st, 4, village);
	bind_s(st, 5, canonical);
	bind_s(st, 6, record_val(r, F_HOUSEHOLD_CODE));
	bind_s(st, 7, record_val(r, F_HEAD_NAME));
	bind_s(st, 8, record_val(r, F_HEAD_ID));
	bind_s(st, 9, record_val(r, F_HOUSEHOLD_TYPE));
	bind_s(st, 10, record_val(r, F_POVERTY_STATUS));
	bind_s(st, 11, record_val(r, F_MONITOR_CATEGORY));
	bind_s(st, 12, record_val(r, F_M_NAME));
	bind_s(st, 13, record_val(r, F_M_ID));
	bind_s(st, 14, record_val(r, F_M_STATUS));
	bind_s(st, 15, record_val(r, F_V_DATE));
	bind_s(st, 16, at);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = db_fail(s, err, "saving a record");
		done(st);
		goto cleanup;
	}
	rid = sqlite3_column_int64(st, 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	done(st);
	if (rc != SQLITE_DONE) {
		rc = db_fail(s, err, "saving a record");
		goto cleanup;
	}
	if ((rc = index_search(s, rid, hid, r, err)))
		goto cleanup;

	if (is_household(r->kind)) {
		if (old_village && strcmp(old_village, village) != 0) {
			if (!(st = cached(s, Q_CHILD_VILLAGE, err))) {
				rc = FC_ERROR;
				goto cleanup;
			}
			bind_s(st, 1, r->id);
			bind_s(st, 2, village);
			if ((rc = step_done(s, st, "moving members and visits", err)))
				goto cleanup;
		}
		if ((rc = recompute_household(s, r->id, err)))
			goto cleanup;
		if ((rc = lift_review(s, r, canonical, err)))
			goto cleanup;
	} else {
		if ((rc = recompute_household(s, r->parent, err)))
			goto cleanup;
		if (old && old->parent && strcmp(old->parent, r->parent) != 0 &&
		    (rc = recompute_household(s, old->parent, err)))
			goto cleanup;
	}

	if (origin == STORE_LOCAL) {
		if (!(st = cached(s, Q_PENDING_ADD, err))) {
			rc = FC_ERROR;
			goto cleanup;
		}
		bind_s(st, 1, r->id);
		bind_s(st, 2, hid);
		if ((rc = step_done(s, st, "queueing the change for sync", err)))
			goto cleanup;
	}
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

/* Stream records of a prepared query whose column 0 is the id and 1 the
 * canonical text. */
static int stream_records(store *s, sqlite3_stmt *st, store_record_cb cb, void *ud,
			  fc_err *err)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		record *r;
		int stop;

		if ((rc = parse_canonical((const char *)sqlite3_column_text(st, 1),
					  (size_t)sqlite3_column_bytes(st, 1), col_s(st, 0), &r, err)))
			return rc;
		stop = cb(r, ud);
		record_free(r);
		if (stop)
			return stop;
	}
	return rc == SQLITE_DONE ? 0 : db_fail(s, err, "reading records");
}

int store_each(store *s, const char *kind, const char *village,
	       store_record_cb cb, void *ud, fc_err *err)
{
	sqlite3_stmt *st = prepare(s,
		"SELECT id, canonical FROM records"
		" WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR village = ?2)"
		" ORDER BY id", err);
	int rc;

	if (!st)
		return FC_ERROR;
	bind_s(st, 1, kind);
	bind_s(st, 2, village);
	rc = stream_records(s, st, cb, ud, err);
	sqlite3_finalize(st);
	return rc;
}

typedef struct collect {
	record **v;
	size_t n, cap;
} collect;

static int collect_cb(const record *r, void *ud)
{
	collect *c = ud;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->v = util_realloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = record_dup(r);
	return 0;
}

int store_children(store *s, const char *parent_id, const char *kind,
		   record ***out, size_t *n, fc_err *err)
{
	sqlite3_stmt *st = prepare(s,
		"SELECT id, canonical FROM records"
		" WHERE parent = ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY id", err);
	collect c = { NULL, 0, 0 };
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return FC_ERROR;
	bind_s(st, 1, parent_id);
	bind_s(st, 2, kind);
	rc = stream_records(s, st, collect_cb, &c, err);
	sqlite3_finalize(st);
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
		 " (SELECT count(*) FROM conflicts c WHERE c.household = h.id)");
	build_where(q, 1, &sql, &a);
	switch (q ? q->sort : STORE_SORT_CODE) {
	case STORE_SORT_NAME: buf_adds(&sql, " ORDER BY h.head_name, h.code, h.id"); break;
	/* Longest unvisited first: who needs a visit. */
	case STORE_SORT_VISIT: buf_adds(&sql, " ORDER BY h.last_visit, h.code, h.id"); break;
	default: buf_adds(&sql, " ORDER BY h.code, h.id"); break;
	}
	buf_adds(&sql, " LIMIT ? OFFSET ?");
	if (!(st = prepare(s, buf_cstr(&sql), err))) {
		rc = FC_ERROR;
		goto cleanup;
	}
	for (i = 0; i < a.n; i++)
		bind_s(st, i + 1, a.v[i]);
	sqlite3_bind_int(st, i + 1, q && q->limit > 0 ? q->limit : -1);
	sqlite3_bind_int(st, i + 2, q && q->offset > 0 ? q->offset : 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_row row;

		row.id = col_s(st, 0);
		row.village = col_s(st, 1);
		row.code = col_s(st, 2);
		row.head_name = col_s(st, 3);
		row.head_id_number = col_s(st, 4);
		row.household_type = col_s(st, 5);
		row.poverty_status = col_s(st, 6);
		row.monitor_category = col_s(st, 7);
		row.review_state = col_s(st, 8);
		row.review_comment = col_s(st, 9);
		row.last_visit = col_s(st, 10);
		row.members = sqlite3_column_int(st, 11);
		row.pending = sqlite3_column_int(st, 12);
		row.conflicts = sqlite3_column_int(st, 13);
		if ((rc = cb(&row, ud)))
			goto cleanup;
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s, err, "listing households");
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
	if (!(st = prepare(s, buf_cstr(&sql), err))) {
		rc = FC_ERROR;
		goto cleanup;
	}
	for (int i = 0; i < a.n; i++)
		bind_s(st, i + 1, a.v[i]);
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else
		rc = db_fail(s, err, "counting households");
cleanup:
	sqlite3_finalize(st);
	where_free(&a);
	buf_free(&sql);
	return rc;
}

int store_villages(store *s, store_village_cb cb, void *ud, fc_err *err)
{
	sqlite3_stmt *st = prepare(s,
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
			col_s(st, 0), sqlite3_column_int(st, 1), sqlite3_column_int(st, 2),
			sqlite3_column_int(st, 3), sqlite3_column_int(st, 4)
		};

		if ((rc = cb(&v, ud)))
			goto cleanup;
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s, err, "summarising villages");
cleanup:
	sqlite3_finalize(st);
	return rc;
}

/* ---- drafts ---- */

int store_draft_save(store *s, const record *draft, fc_err *err)
{
	sqlite3_stmt *st = prepare(s,
		"INSERT OR REPLACE INTO drafts(id, kind, parent, canonical, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5)", err);
	fc_buf text = FC_BUF_INIT;
	char at[32];
	int rc;

	if (!st)
		return FC_ERROR;
	record_serialise(draft, NULL, NULL, 0, &text);
	util_now_iso(at);
	bind_s(st, 1, draft->id);
	bind_s(st, 2, draft->kind);
	bind_s(st, 3, draft->parent);
	bind_s(st, 4, buf_cstr(&text));
	bind_s(st, 5, at);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(s, err, "saving a draft");
	sqlite3_finalize(st);
	buf_free(&text);
	return rc;
}

int store_draft_get(store *s, const char *id, record **out, fc_err *err)
{
	sqlite3_stmt *st = prepare(s, "SELECT id, canonical FROM drafts WHERE id = ?1", err);
	int rc;

	*out = NULL;
	if (!st)
		return FC_ERROR;
	bind_s(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = parse_canonical((const char *)sqlite3_column_text(st, 1),
				     (size_t)sqlite3_column_bytes(st, 1), id, out, err);
	else if (rc == SQLITE_DONE)
		rc = fc_err_set(err, FC_ENOTFOUND, "no draft for %s", id);
	else
		rc = db_fail(s, err, "reading a draft");
	sqlite3_finalize(st);
	return rc;
}

int store_draft_drop(store *s, const char *id, fc_err *err)
{
	return drop_draft(s, id, err);
}

int store_draft_each(store *s, store_record_cb cb, void *ud, fc_err *err)
{
	sqlite3_stmt *st = prepare(s, "SELECT id, canonical FROM drafts ORDER BY id", err);
	int rc;

	if (!st)
		return FC_ERROR;
	rc = stream_records(s, st, cb, ud, err);
	sqlite3_finalize(st);
	return rc;
}

/* ---- audit ---- */

int store_history(store *s, const char *record_id, store_audit_cb cb, void *ud,
		  fc_err *err)
{
	sqlite3_stmt *st = prepare(s,
		"SELECT seq, record_id, field, old, new, who, at FROM audit"
		" WHERE ?1 IS NULL OR record_id = ?1 ORDER BY seq DESC", err);
	int rc;

	if (!st)
		return FC_ERROR;
	bind_s(st, 1, record_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_audit a = {
			sqlite3_column_int64(st, 0), col_s(st, 1), col_s(st, 2),
			(const char *)sqlite3_column_text(st, 3),
			(const char *)sqlite3_column_text(st, 4), col_s(st, 5), col_s(st, 6)
		};

		if ((rc = cb(&a, ud)))
			goto cleanup;
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s, err, "reading the audit trail");
cleanup:
	sqlite3_finalize(st);
	return rc;
}

/* ---- review ---- */

static int valid_state(const char *state)
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

	if (!state || !valid_state(state))
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
	if (!(st = prepare(s,
		"INSERT INTO reviews(household, state, comment, approved, who, at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(household) DO UPDATE SET"
		" state = ?2, comment = ?3, approved = coalesce(?4, approved), who = ?5, at = ?6",
		err))) {
		rc = FC_ERROR;
		goto cleanup;
	}
	bind_s(st, 1, household_id);
	bind_s(st, 2, state);
	bind_s(st, 3, new_comment);
	bind_s(st, 4, strcmp(state, "approved") == 0 ? canon : NULL);
	bind_s(st, 5, who);
	bind_s(st, 6, at);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(s, err, "saving a review state");
		goto cleanup;
	}
	if (!old_state || strcmp(old_state, state) != 0)
		rc = audit_row(s, household_id, "review_state", old_state, state, who, at, err);
	if (!rc && strcmp(old_comment ? old_comment : "", new_comment ? new_comment : "") != 0)
		rc = audit_row(s, household_id, "review_comment", old_comment, new_comment,
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
	sqlite3_stmt *st = prepare(s, "SELECT state, comment FROM reviews WHERE household = ?1", err);
	int rc = 0;

	*state = NULL;
	if (comment)
		*comment = NULL;
	if (!st)
		return FC_ERROR;
	bind_s(st, 1, household_id);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		*state = col_dup(st, 0);
		if (comment)
			*comment = col_dup(st, 1);
		break;
	case SQLITE_DONE: break;
	default: rc = db_fail(s, err, "reading a review state");
	}
	sqlite3_finalize(st);
	return rc;
}

int store_approved_get(store *s, const char *household_id, char **out, fc_err *err)
{
	sqlite3_stmt *st = prepare(s, "SELECT approved FROM reviews WHERE household = ?1", err);
	int rc = 0;

	*out = NULL;
	if (!st)
		return FC_ERROR;
	bind_s(st, 1, household_id);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW: *out = col_dup(st, 0); break;
	case SQLITE_DONE: break;
	default: rc = db_fail(s, err, "reading the approved card");
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- pending changes ---- */

int store_pending_each(store *s, store_pending_cb cb, void *ud, fc_err *err)
{
	sqlite3_stmt *st = prepare(s,
		"SELECT p.seq, p.record_id, r.kind, r.parent, r.village, r.canonical"
		" FROM pending p JOIN records r ON r.id = p.record_id ORDER BY p.seq", err);
	int rc;

	if (!st)
		return FC_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_pending p = {
			sqlite3_column_int64(st, 0), col_s(st, 1), col_s(st, 2),
			(const char *)sqlite3_column_text(st, 3), col_s(st, 4), col_s(st, 5)
		};

		if ((rc = cb(&p, ud)))
			goto cleanup;
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s, err, "reading pending changes");
cleanup:
	sqlite3_finalize(st);
	return rc;
}

static int count_query(store *s, const char *sql, const char *op, int *out, fc_err *err)
{
	sqlite3_stmt *st = prepare(s, sql, err);
	int rc = 0;

	*out = 0;
	if (!st)
		return FC_ERROR;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else
		rc = db_fail(s, err, op);
	sqlite3_finalize(st);
	return rc;
}

int store_pending_count(store *s, int *out, fc_err *err)
{
	return count_query(s, "SELECT count(*) FROM pending", "counting pending changes", out, err);
}

int store_pending_clear(store *s, long long upto, fc_err *err)
{
	sqlite3_stmt *st = prepare(s, "DELETE FROM pending WHERE seq <= ?1", err);
	int rc;

	if (!st)
		return FC_ERROR;
	sqlite3_bind_int64(st, 1, upto);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(s, err, "clearing pending changes");
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
	st = prepare(s,
		"INSERT OR REPLACE INTO conflicts(record_id, field, household, base, ours,"
		" theirs, ours_who, theirs_who, at) VALUES (?1, ?2, coalesce((SELECT"
		" CASE WHEN kind = '" K_HOUSEHOLD "' THEN id ELSE parent END FROM records"
		" WHERE id = ?1), ?1), ?3, ?4, ?5, ?6, ?7, ?8)", err);
	if (!st)
		return FC_ERROR;
	util_now_iso(at);
	bind_s(st, 1, c->record_id);
	bind_s(st, 2, c->field);
	bind_s(st, 3, c->base);
	bind_s(st, 4, c->ours);
	bind_s(st, 5, c->theirs);
	bind_s(st, 6, c->ours_who);
	bind_s(st, 7, c->theirs_who);
	bind_s(st, 8, at);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_fail(s, err, "saving a conflict");
	sqlite3_finalize(st);
	return rc;
}

int store_conflict_each(store *s, store_conflict_cb cb, void *ud, fc_err *err)
{
	sqlite3_stmt *st = prepare(s,
		"SELECT record_id, field, base, ours, theirs, ours_who, theirs_who"
		" FROM conflicts ORDER BY household, record_id, field", err);
	int rc;

	if (!st)
		return FC_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_conflict c = {
			col_s(st, 0), col_s(st, 1),
			(const char *)sqlite3_column_text(st, 2),
			(const char *)sqlite3_column_text(st, 3),
			(const char *)sqlite3_column_text(st, 4),
			(const char *)sqlite3_column_text(st, 5),
			(const char *)sqlite3_column_text(st, 6)
		};

		if ((rc = cb(&c, ud)))
			goto cleanup;
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s, err, "reading conflicts");
cleanup:
	sqlite3_finalize(st);
	return rc;
}

int store_conflict_drop(store *s, const char *record_id, const char *field, fc_err *err)
{
	sqlite3_stmt *st = prepare(s,
		"DELETE FROM conflicts WHERE record_id = ?1 AND (?2 IS NULL OR field = ?2)", err);
	int rc;

	if (!st)
		return FC_ERROR;
	bind_s(st, 1, record_id);
	bind_s(st, 2, field);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(s, err, "dropping a conflict");
	else if (sqlite3_changes(s->db) == 0)
		rc = fc_err_set(err, FC_ENOTFOUND, "no conflict on %s%s%s", record_id,
				field ? " field " : "", field ? field : "");
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

/* ---- integrity ---- */

/* Run a query whose rows are problems; format each with fmt over columns
 * 0..2 into report. */
static int check_rows(store *s, const char *sql, const char *fmt, fc_buf *report,
		      int *problems, fc_err *err)
{
	sqlite3_stmt *st = prepare(s, sql, err);
	int rc;

	if (!st)
		return FC_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (report) {
			buf_printf(report, fmt, col_s(st, 0), col_s(st, 1), col_s(st, 2));
			buf_addc(report, '\n');
		}
		(*problems)++;
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s, err, "checking the store");
	sqlite3_finalize(st);
	return rc;
}

static int check_canonical(store *s, fc_buf *report, int *problems, fc_err *err)
{
	sqlite3_stmt *st = prepare(s, "SELECT id, kind, coalesce(parent, ''), canonical FROM records", err);
	int rc;

	if (!st)
		return FC_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = col_s(st, 0), *kind = col_s(st, 1), *parent = col_s(st, 2);
		record *r = NULL;
		fc_err pe = { 0, "" };
		const char *bad = NULL;

		if (parse_canonical((const char *)sqlite3_column_text(st, 3),
				    (size_t)sqlite3_column_bytes(st, 3), id, &r, &pe))
			bad = pe.msg;
		else if (strcmp(r->id, id) != 0 || strcmp(r->kind, kind) != 0 ||
			 strcmp(r->parent ? r->parent : "", parent) != 0)
			bad = "canonical text names another id, kind or parent";
		if (bad) {
			if (report)
				buf_printf(report, "record %s (%s): %s\n", id, kind, bad);
			(*problems)++;
		}
		record_free(r);
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s, err, "checking the store");
	sqlite3_finalize(st);
	return rc;
}

int store_check(store *s, struct fc_buf *report, fc_err *err)
{
	int problems = 0, rc;

	if ((rc = check_rows(s, "SELECT 'integrity', i.integrity_check, ''"
				" FROM pragma_integrity_check i WHERE i.integrity_check <> 'ok'",
			     "%s: %s", report, &problems, err)) ||
	    (rc = check_rows(s, "SELECT c.id, c.kind, coalesce(c.parent, '')"
				" FROM records c LEFT JOIN records p ON p.id = c.parent"
				" WHERE c.kind <> '" K_HOUSEHOLD "'"
				" AND (p.id IS NULL OR p.kind <> '" K_HOUSEHOLD "')",
			     "record %s (%s): parent household %s does not exist",
			     report, &problems, err)) ||
	    (rc = check_rows(s, "SELECT id, parent, '' FROM records"
				" WHERE kind = '" K_HOUSEHOLD "' AND parent IS NOT NULL",
			     "household %s: has a parent (%s)", report, &problems, err)) ||
	    (rc = check_rows(s, "SELECT c.id, c.village, p.village FROM records c"
				" JOIN records p ON p.id = c.parent WHERE c.village <> p.village",
			     "record %s: in village %s but its household is in %s",
			     report, &problems, err)) ||
	    (rc = check_rows(s, "SELECT h.id, h.members, h.last_visit FROM records h"
				" WHERE h.kind = '" K_HOUSEHOLD "' AND (h.members <> (SELECT count(*)"
				" FROM records c WHERE c.parent = h.id AND c.kind = '" K_MEMBER "'"
				" AND c.member_status <> '" C_LEFT "') OR h.last_visit <> (SELECT"
				" coalesce(max(c.visit_date), '') FROM records c WHERE c.parent = h.id"
				" AND c.kind = '" K_VISIT "'))",
			     "household %s: list columns out of date (members %s, last visit %s)",
			     report, &problems, err)) ||
	    (rc = check_rows(s, "SELECT p.record_id, p.seq, '' FROM pending p"
				" LEFT JOIN records r ON r.id = p.record_id WHERE r.id IS NULL",
			     "pending change %s (seq %s): no such record", report, &problems, err)) ||
	    (rc = check_rows(s, "SELECT r.id, r.kind, '' FROM records r"
				" WHERE r.kind IN ('" K_HOUSEHOLD "', '" K_MEMBER "')"
				" AND NOT EXISTS (SELECT 1 FROM search x WHERE x.rowid = r.rid)",
			     "record %s (%s): missing from the search index",
			     report, &problems, err)) ||
	    (rc = check_canonical(s, report, &problems, err)))
		return rc;
	if (problems)
		return fc_err_set(err, FC_EINVALID, "store %s: %d problem%s found", s->path,
				  problems, problems == 1 ? "" : "s");
	return 0;
}

int store_clear_records(store *s, fc_err *err)
{
	int rc;

	if ((rc = store_begin(s, err)))
		return rc;
	if ((rc = db_exec(s, "DELETE FROM pending; DELETE FROM search; DELETE FROM records",
			  "clearing records", err))) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}
