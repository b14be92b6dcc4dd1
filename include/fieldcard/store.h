/* store.h — the local store (SQLite, WAL, synchronous=FULL): current records,
 * drafts, the audit trail, review states, the queue of pending changes that
 * sync consumes, full-text search, conflicts, and device settings.
 *
 * Only this module (and tests) speak SQL. Every write is one transaction that
 * is on disk before the call returns. Lists stream through callbacks so a
 * village of 100,000 households never sits in memory.
 *
 * Field names the store lifts out of records for lists and search (the
 * shipped forms use them; see forms/README.md): household_code, head_name,
 * head_id_number, village_code, household_type, poverty_status,
 * monitor_category; member name and id_number; visit visit_date. */
#ifndef FIELDCARD_STORE_H
#define FIELDCARD_STORE_H

#include <stddef.h>
#include "fieldcard/err.h"
#include "fieldcard/record.h"

typedef struct store store;

/* Open (creating and migrating, PRAGMA user_version) the store at path. */
int store_open(const char *path, store **out, fc_err *err);
void store_close(store *s);
int store_schema_version(store *s);
/* Value of a PRAGMA on this connection (journal_mode, synchronous, ...), for
 * `check` and tests. Caller frees *out. */
int store_pragma(store *s, const char *name, char **out, fc_err *err);

/* Group several writes into one transaction (import: all or nothing). The
 * write calls below join an open transaction instead of making their own. */
int store_begin(store *s, fc_err *err);
int store_commit(store *s, fc_err *err);
void store_rollback(store *s);

/* Settings of this device (role, principal, villages, lang, remote,
 * last_sync_at, last_sync_result ...). *out is NULL when unset; caller frees. */
int store_meta_get(store *s, const char *key, char **out, fc_err *err);
int store_meta_set(store *s, const char *key, const char *value, fc_err *err);

/* One record; FC_ENOTFOUND if absent. Caller frees *out with record_free. */
int store_get(store *s, const char *id, record **out, fc_err *err);

/* How a write came about. */
typedef enum store_origin {
	STORE_LOCAL,    /* typed here: audit row per changed field, queued for sync */
	STORE_SYNCED,   /* from the ledger: audit rows name `who`, not queued */
	STORE_REBUILD   /* check --rebuild: the ledger replayed, no audit, not queued */
} store_origin;

/* Save a record (insert or update): audit rows for each changed field
 * (record, field, old, new, who, when), search index, list columns, the
 * pending queue (STORE_LOCAL), and drops its draft. Members and visits must
 * have a parent that exists. `canonical` is its canonical text (the caller
 * serialises it with its form), stored as is; NULL serialises r without a
 * form. A new record gets one audit row, field STORE_AUDIT_CREATED, old NULL,
 * new "created" (its first values are the old values of later changes).
 * Saving the same values again writes no audit row and queues nothing. */
#define STORE_AUDIT_CREATED "*"
int store_put(store *s, const record *r, const char *canonical,
	      const char *who, store_origin origin, fc_err *err);

/* Stream every record of a kind (NULL = all), optionally of one village
 * (NULL = all), in id order. Stop early by returning nonzero from cb; that
 * value is returned. */
typedef int (*store_record_cb)(const record *r, void *ud);
int store_each(store *s, const char *kind, const char *village,
	       store_record_cb cb, void *ud, fc_err *err);

/* Every child record of a kind (e.g. "flag") in one query: of one village
 * (NULL = all) or one household (parent, NULL = all), in household then id
 * order. Stop early by returning nonzero from cb; that value is returned. */
int store_each_child(store *s, const char *kind, const char *village, const char *parent,
		     store_record_cb cb, void *ud, fc_err *err);

/* Every person of the store with an ID number: each household's head
 * (household_id = id) and each member, in one pass that reads the list
 * columns only (a county of 100,000 households never sits in memory). */
typedef struct store_person {
	const char *id;           /* the household's id for a head, else the member's */
	const char *household;    /* the household's id */
	const char *village;
	const char *id_number;    /* as stored; never "" */
	int head;                 /* 1 for a head (head_id_number), 0 for a member */
	int left;                 /* a member marked as left */
} store_person;               /* strings borrowed for the callback */
typedef int (*store_person_cb)(const store_person *p, void *ud);
int store_people(store *s, store_person_cb cb, void *ud, fc_err *err);

/* Children of a household (members, visits, flags; kind NULL = all), in id
 * order. *out is an array of *n records; free with store_records_free. */
int store_children(store *s, const char *parent_id, const char *kind,
		   record ***out, size_t *n, fc_err *err);
void store_records_free(record **v, size_t n);

/* Canonical text as saved; caller frees. FC_ENOTFOUND if absent. */
int store_get_canonical(store *s, const char *id, char **out, fc_err *err);

/* ---- household lists (UI, reports) ---- */

typedef struct store_row {
	const char *id, *village, *code, *head_name, *head_id_number;
	const char *household_type, *poverty_status, *monitor_category;
	const char *review_state;     /* draft, submitted, approved, returned, merged */
	const char *review_comment;   /* set when returned */
	const char *last_visit;       /* YYYY-MM-DD or "" */
	int members;                  /* members not marked as left */
	int pending;                  /* 1 if it has changes not yet synced */
	int conflicts;                /* open conflicts on the household */
	const char *checks;           /* failing checks as of the last save,
	                                 space-separated codes ("income medical",
	                                 "no_line"), and "suggest:KIND" */
} store_row;                      /* strings are borrowed for the callback */

typedef enum store_sort { STORE_SORT_CODE, STORE_SORT_NAME, STORE_SORT_VISIT } store_sort;

typedef struct store_query {
	const char *village;          /* NULL = all */
	const char *search;           /* substring of name, ID number or code; NULL */
	const char *poverty_status;   /* NULL = any */
	const char *household_type;
	const char *review_state;
	int monitored_only;           /* monitor_category not empty */
	const char *failing_check;    /* a check code of rules.h ("income", ...,
	                                 "no_line"): households failing it as of
	                                 their last save; "any": some check */
	int not_visited_days;         /* 0 = off; else last visit on or before
	                                 today - N days (or never) */
	store_sort sort;
	int offset, limit;            /* limit 0 = no limit */
} store_query;

typedef int (*store_row_cb)(const store_row *row, void *ud);
int store_list(store *s, const store_query *q, store_row_cb cb, void *ud, fc_err *err);
int store_count(store *s, const store_query *q, int *out, fc_err *err);

/* Village summary for the home screen. */
typedef struct store_village {
	const char *code;
	int households, pending, returned, monitored;
} store_village;
typedef int (*store_village_cb)(const store_village *v, void *ud);
int store_villages(store *s, store_village_cb cb, void *ud, fc_err *err);

/* ---- drafts: the form being typed, saved on every field change ---- */

int store_draft_save(store *s, const record *draft, fc_err *err);
/* FC_ENOTFOUND if no draft for that id. */
int store_draft_get(store *s, const char *id, record **out, fc_err *err);
int store_draft_drop(store *s, const char *id, fc_err *err);
/* Every open draft (to offer resuming after a crash). */
int store_draft_each(store *s, store_record_cb cb, void *ud, fc_err *err);

/* ---- audit ---- */

typedef struct store_audit {
	long long seq;
	const char *record_id, *field, *old_value, *new_value, *who, *at;
} store_audit;
typedef int (*store_audit_cb)(const store_audit *a, void *ud);
/* History of one record, newest first (record_id NULL = all records). */
int store_history(store *s, const char *record_id, store_audit_cb cb, void *ud,
		  fc_err *err);

/* The first household other than `household` holding id_number (by its
 * first 18 characters): a member not marked as left, or a head. *other is
 * NULL if there is none; caller frees. */
int store_id_elsewhere(store *s, const char *id_number, const char *household, char **other,
		       fc_err *err);

/* The failing checks of a household as of now (the model computes them on
 * every save and after every arrival); see store_row.checks. */
int store_checks_set(store *s, const char *household_id, const char *checks, fc_err *err);

/* ---- review (secretary) ---- */

/* state: "submitted", "approved", "returned" (comment required), "merged".
 * Saving a household locally moves a returned card back to "submitted"
 * only through an explicit store_review_set by the cadre's submit. */
int store_review_set(store *s, const char *household_id, const char *state,
		     const char *comment, const char *who, fc_err *err);
/* *state and *comment: caller frees; NULL if never reviewed. */
int store_review_get(store *s, const char *household_id, char **state,
		     char **comment, fc_err *err);
/* The last approved canonical text of a household (for review diffs);
 * *out NULL if never approved. */
int store_approved_get(store *s, const char *household_id, char **out, fc_err *err);

/* ---- pending changes (consumed by sync) ---- */

typedef struct store_pending {
	long long seq;
	const char *record_id, *kind, *parent, *village;
	const char *canonical;
} store_pending;
typedef int (*store_pending_cb)(const store_pending *p, void *ud);
/* Every pending record with its current canonical text, in seq order. */
int store_pending_each(store *s, store_pending_cb cb, void *ud, fc_err *err);
int store_pending_count(store *s, int *out, fc_err *err);
/* Drop pending entries with seq <= upto (after they are committed). */
int store_pending_clear(store *s, long long upto, fc_err *err);

/* ---- conflicts (from merges) ---- */

typedef struct store_conflict {
	const char *record_id, *field, *base, *ours, *theirs, *ours_who, *theirs_who;
} store_conflict;
typedef int (*store_conflict_cb)(const store_conflict *c, void *ud);
int store_conflict_add(store *s, const store_conflict *c, fc_err *err);
int store_conflict_each(store *s, store_conflict_cb cb, void *ud, fc_err *err);
int store_conflict_drop(store *s, const char *record_id, const char *field, fc_err *err);

/* ---- integrity and rebuild ---- */

/* PRAGMA integrity_check plus our invariants (children have parents, every
 * record's canonical text parses). Problems go to report, one per line;
 * returns FC_EINVALID if any. */
struct fc_buf;
int store_check(store *s, struct fc_buf *report, fc_err *err);
/* Delete every record, search row and pending entry (drafts, audit, review
 * states, conflicts and settings stay): the first step of `check --rebuild`,
 * which then saves the ledger's records with STORE_REBUILD. */
int store_clear_records(store *s, fc_err *err);

#endif
