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
 * memory.
 *
 * This file opens, migrates and closes the store, runs transactions and
 * keeps the settings, the helpers the other parts share (store_int.h) and
 * the integrity check. The parts: store_put.c writes records and drafts,
 * store_query.c reads records, household lists and the audit trail,
 * store_review.c keeps review states, the sync queue and conflicts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fieldcard/crash.h"
#include "fieldcard/buf.h"
#include "fieldcard/fields.h"
#include "fieldcard/util.h"
#include "store_int.h"

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
	{ 3, "ID numbers and checks",
	  /* The failing checks as of the last save ("income medical
	   * suggest:unstable"), for the list's marks and filter: a list never
	   * loads a household's members to draw a row. In the covering index
	   * too. */
	  "ALTER TABLE records ADD COLUMN checks TEXT NOT NULL DEFAULT '';"
	  "DROP INDEX households_list;"
	  "CREATE INDEX households_list ON records(kind, village, code, id, head_name,"
	  " head_id_number, household_type, poverty_status, monitor_category,"
	  " last_visit, members, checks) WHERE kind = '" K_HOUSEHOLD "';"
	  /* The same person in another household (a warning at the doorstep),
	   * by the 18-digit ID part. */
	  "CREATE INDEX IF NOT EXISTS records_member_id ON records(substr(id_number, 1, 18))"
	  " WHERE kind = '" K_MEMBER "' AND id_number != '';"
	  "CREATE INDEX IF NOT EXISTS records_head_id ON records(substr(head_id_number, 1, 18))"
	  " WHERE kind = '" K_HOUSEHOLD "' AND head_id_number != '';" },
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ---- cached statements for the hot paths (store_put and friends) ---- */

/* Their SQL, by the Q_ numbers of store_int.h. */
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
	/* A household's children and one record's history: read for every
	 * household a report or the checks of a county go through. */
	[Q_CHILDREN] = "SELECT id, canonical FROM records WHERE parent = ?1 ORDER BY id",
	[Q_CHILDREN_KIND] =
		"SELECT id, canonical FROM records WHERE parent = ?1 AND kind = ?2 ORDER BY id",
	[Q_HISTORY] = "SELECT seq, record_id, field, old, new, who, at FROM audit"
		      " WHERE record_id = ?1 ORDER BY seq DESC",
};

/* ---- helpers the parts share (store_int.h) ---- */

/* What SQLite's error means to the person at the keyboard, where it says
 * more than its own words ("database or disk is full"): the disk, not the
 * data, is the trouble, and nothing of the failed step was written. */
static const char *plain_words(int code)
{
	switch (code & 0xff) {
	case SQLITE_FULL:
		return "the disk is full: nothing of this step was written; free some space on it "
		       "and run the command again";
	case SQLITE_READONLY:
		return "the data directory cannot be written (read-only): nothing of this step "
		       "was written";
	case SQLITE_IOERR:
		return "the disk refused a write or a read: nothing of this step was written; if "
		       "the disk is full, free some space and run the command again";
	case SQLITE_CANTOPEN:
		return "the database file cannot be opened or created there";
	default:
		return NULL;
	}
}

/* 1 if the folder of path can be written: SQLite says only "unable to
 * open database file" when it cannot make the -shm or -journal file of a
 * store on a read-only mount. */
static int dir_writable(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? util_strndup(path, (size_t)(slash - path)) : util_strdup(".");
	int ok = access(*dir ? dir : "/", W_OK) == 0;

	free(dir);
	return ok;
}

int store_fail(store *s, fc_err *err, const char *op)
{
	int code = sqlite3_extended_errcode(s->db), sys = sqlite3_system_errno(s->db);
	const char *plain = plain_words(code);

	/* SQLite says "disk I/O error" or "unable to open" for what the OS
	 * called a full disk or a read-only one (disk_trouble.sh): say that. */
	if (sys == ENOSPC || sys == EDQUOT)
		plain = plain_words(SQLITE_FULL);
	else if (sys == EROFS || sys == EACCES || sys == EPERM ||
		 (((code & 0xff) == SQLITE_CANTOPEN || (code & 0xff) == SQLITE_IOERR) &&
		  !dir_writable(s->path)))
		plain = plain_words(SQLITE_READONLY);

	if (plain)
		return fc_err_set(err, FC_ERROR, "store %s: %s: %s (SQLite: %s)", s->path, op,
				  plain, sqlite3_errmsg(s->db));
	return fc_err_set(err, FC_ERROR, "store %s: %s: %s", s->path, op,
			  sqlite3_errmsg(s->db));
}

int store_exec(store *s, const char *sql, const char *op, fc_err *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, err, op);
	return 0;
}

sqlite3_stmt *store_cached(store *s, int which, fc_err *err)
{
	if (!s->q[which] &&
	    sqlite3_prepare_v3(s->db, cached_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
			       &s->q[which], NULL) != SQLITE_OK) {
		store_fail(s, err, "preparing a statement");
		return NULL;
	}
	return s->q[which];
}

void store_reset(sqlite3_stmt *st)
{
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

sqlite3_stmt *store_prepare(store *s, const char *sql, fc_err *err)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_fail(s, err, "preparing a query");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

void store_bind(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

const char *store_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

char *store_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? util_strdup((const char *)t) : NULL;
}

int store_step_done(store *s, sqlite3_stmt *st, const char *op, fc_err *err)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE) {
		rc = store_fail(s, err, op);
		store_reset(st);
		return rc;
	}
	store_reset(st);
	return 0;
}

int store_parse_canonical(const char *text, size_t len, const char *id,
			  record **out, fc_err *err)
{
	char where[160];

	snprintf(where, sizeof(where), "store record %s", id);
	return record_parse(text, len, where, out, err);
}

/* ---- open, migrate, close ---- */

static int user_version(store *s, int *out, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s, "PRAGMA user_version", err);

	if (!st)
		return FC_ERROR;
	if (sqlite3_step(st) != SQLITE_ROW) {
		int rc = store_fail(s, err, "reading the schema version");

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
		if ((rc = store_exec(s, "BEGIN IMMEDIATE", op, err)))
			return rc;
		/* Another process may have migrated while we waited for the lock. */
		if ((rc = user_version(s, &have, err)))
			goto fail;
		if (m->version <= have) {
			store_exec(s, "COMMIT", op, NULL);
			continue;
		}
		snprintf(ver, sizeof(ver), "PRAGMA user_version = %d", m->version);
		if ((rc = store_exec(s, m->sql, op, err)) || (rc = store_exec(s, ver, op, err)) ||
		    (rc = store_exec(s, "COMMIT", op, err)))
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
	sqlite3_stmt *st = store_prepare(s, "PRAGMA journal_mode = WAL", err);
	int rc = 0;

	if (!st)
		return FC_ERROR;
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = store_fail(s, err, "switching to WAL");
	} else if (strcmp(store_col(st, 0), "wal") != 0 && strcmp(s->path, ":memory:") != 0) {
		rc = fc_err_set(err, FC_ERROR,
				"store %s: cannot use WAL (journal mode stays %s); the "
				"data directory must be on a local file system", s->path,
				store_col(st, 0));
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
		rc = s->db ? store_fail(s, err, "opening")
			   : fc_err_set(err, FC_ERROR, "store %s: cannot open", path);
		goto fail;
	}
	/* The store holds names and ID numbers: readable by this user only. */
	if (fresh)
		chmod(path, 0600);
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if ((rc = set_wal(s, err)) ||
	    (rc = store_exec(s, "PRAGMA synchronous = FULL", "setting synchronous", err)) ||
	    (rc = store_exec(s, "PRAGMA foreign_keys = ON", "enabling foreign keys", err)) ||
	    /* 16 MB of page cache: a village's list and its lookups stay in
	     * memory between screens. */
	    (rc = store_exec(s, "PRAGMA cache_size = -16384", "sizing the cache", err)) ||
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
	st = store_prepare(s, sql, err);
	free(sql);
	if (!st)
		return FC_ERROR;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = store_col_dup(st, 0);
	else
		rc = store_fail(s, err, "reading a PRAGMA");
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
	if ((rc = store_exec(s, sql, "starting a transaction", err)))
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
	if (s->depth == 1) {
		snprintf(sql, sizeof(sql), "COMMIT");
		FC_CRASH_POINT("store.commit");
	} else {
		snprintf(sql, sizeof(sql), "RELEASE fc%d", s->depth - 1);
	}
	if ((rc = store_exec(s, sql, "committing", err))) {
		store_rollback(s);
		return rc;
	}
	s->depth--;
	if (s->depth == 0)
		FC_CRASH_POINT("store.committed");
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
	sqlite3_stmt *st = store_prepare(s, "SELECT value FROM meta WHERE key = ?1", err);
	int rc = 0;

	*out = NULL;
	if (!st)
		return FC_ERROR;
	store_bind(st, 1, key);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW: *out = store_col_dup(st, 0); break;
	case SQLITE_DONE: break;
	default: rc = store_fail(s, err, "reading a setting");
	}
	sqlite3_finalize(st);
	return rc;
}

int store_meta_set(store *s, const char *key, const char *value, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s, value ?
		"INSERT INTO meta(key, value) VALUES (?1, ?2)"
		" ON CONFLICT(key) DO UPDATE SET value = ?2" :
		"DELETE FROM meta WHERE key = ?1", err);
	int rc;

	if (!st)
		return FC_ERROR;
	store_bind(st, 1, key);
	if (value)
		store_bind(st, 2, value);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(s, err, "saving a setting");
	sqlite3_finalize(st);
	return rc;
}

/* ---- integrity ---- */

/* Run a query whose rows are problems; format each with fmt over columns
 * 0..2 into report. */
static int check_rows(store *s, const char *sql, const char *fmt, fc_buf *report,
		      int *problems, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s, sql, err);
	int rc;

	if (!st)
		return FC_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (report) {
			buf_printf(report, fmt, store_col(st, 0), store_col(st, 1), store_col(st, 2));
			buf_addc(report, '\n');
		}
		(*problems)++;
	}
	rc = rc == SQLITE_DONE ? 0 : store_fail(s, err, "checking the store");
	sqlite3_finalize(st);
	return rc;
}

static int check_canonical(store *s, fc_buf *report, int *problems, fc_err *err)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT id, kind, coalesce(parent, ''), canonical FROM records", err);
	int rc;

	if (!st)
		return FC_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = store_col(st, 0), *kind = store_col(st, 1), *parent = store_col(st, 2);
		record *r = NULL;
		fc_err pe = { 0, "" };
		const char *bad = NULL;

		if (store_parse_canonical((const char *)sqlite3_column_text(st, 3),
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
	rc = rc == SQLITE_DONE ? 0 : store_fail(s, err, "checking the store");
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
	if ((rc = store_exec(s, "DELETE FROM pending; DELETE FROM search; DELETE FROM records",
			     "clearing records", err))) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}
