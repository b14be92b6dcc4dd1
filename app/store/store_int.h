/* store_int.h — what the parts of the store share (store.c, store_put.c,
 * store_query.c, store_review.c): the handle, the cached statements and a
 * few SQLite helpers. Private to app/store/; the API is fieldcard/store.h. */
#ifndef FIELDCARD_STORE_INT_H
#define FIELDCARD_STORE_INT_H

#include <stddef.h>
#include <sqlite3.h>

#include "fieldcard/err.h"
#include "fieldcard/record.h"
#include "fieldcard/store.h"

/* Statements prepared once per store, for the hot paths (store_put and
 * friends); store_cached(s, Q_...) gives one. */
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
	Q_CHILDREN,
	Q_CHILDREN_KIND,
	Q_HISTORY,
	Q_COUNT
};

/* The handle of store.h. */
struct store {
	sqlite3 *db;
	char *path;
	int depth;                 /* open store_begin levels */
	sqlite3_stmt *q[Q_COUNT];
};

/* "store PATH: op: SQLite's message" into err; returns FC_ERROR. */
int store_fail(store *s, fc_err *err, const char *op);
/* Run SQL that returns no rows; on failure store_fail with op. */
int store_exec(store *s, const char *sql, const char *op, fc_err *err);
/* The cached statement `which` (Q_...), prepared on first use; NULL with
 * err set if it cannot be. Give it back with store_reset, never finalize. */
sqlite3_stmt *store_cached(store *s, int which, fc_err *err);
/* Reset a cached statement so it holds no locks or borrowed strings. */
void store_reset(sqlite3_stmt *st);
/* A one-off statement; the caller finalizes it. NULL with err set. */
sqlite3_stmt *store_prepare(store *s, const char *sql, fc_err *err);
/* Bind text (borrowed until the statement is reset); NULL binds NULL. */
void store_bind(sqlite3_stmt *st, int i, const char *v);
/* Column i as text: "" for NULL (store_col, borrowed) or NULL
 * (store_col_dup, the caller's). */
const char *store_col(sqlite3_stmt *st, int i);
char *store_col_dup(sqlite3_stmt *st, int i);
/* Step a write statement to its end, then reset it. */
int store_step_done(store *s, sqlite3_stmt *st, const char *op, fc_err *err);
/* record_parse of a stored canonical text; messages name the record id. */
int store_parse_canonical(const char *text, size_t len, const char *id,
			  record **out, fc_err *err);
/* Call cb for each row of st, whose column 0 is an id and column 1 a
 * canonical text (store_query.c); stops at cb's nonzero and returns it. */
int store_stream(store *s, sqlite3_stmt *st, store_record_cb cb, void *ud, fc_err *err);
/* One row of the audit trail (store_put.c). */
int store_audit_row(store *s, const char *id, const char *field, const char *old,
		    const char *new, const char *who, const char *at, fc_err *err);
/* 1 if state is one the reviews table takes (store_review.c). */
int store_review_state_valid(const char *state);

#endif
