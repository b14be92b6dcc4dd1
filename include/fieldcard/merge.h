/* merge.h — three-way, field-level merge of records and of ledger trees
 * (DESIGN.md, "Merging"). Used by the device sync (merging villages/<code>
 * into the device branch) and by the county merge (batches into main).
 *
 * Implemented in sync/merge.c by the county-merge work; the device sync
 * calls merge_trees. A field changed on one side only takes that side; the
 * same change on both is clean; different changes are a conflict that keeps
 * `ours` in the record and records base/theirs beside it, so nothing is
 * ever lost and the merge can land. Records added on both sides with
 * different paths (members, visits) never conflict. */
#ifndef FIELDCARD_MERGE_H
#define FIELDCARD_MERGE_H

#include <stddef.h>
#include "fieldcard/err.h"
#include "fieldcard/ledger.h"
#include "fieldcard/record.h"

typedef struct merge_conflict {
	char *path;      /* ledger path of the record */
	char *record_id;
	char *field;
	char *base, *ours, *theirs;   /* "" when absent */
	char *ours_who, *theirs_who;  /* principals of each side, "" if unknown */
	char *kind;                   /* record kind; NULL from merge_record */
} merge_conflict;

typedef struct merge_conflicts {
	merge_conflict *v;
	size_t n, cap;
} merge_conflicts;

void merge_conflicts_free(merge_conflicts *c);

/* Merge one record. base may be NULL (added on both sides). *out is the
 * merged record (caller frees); conflicts are appended to c (may be NULL). */
int merge_record(const record *base, const record *ours, const record *theirs,
		 record **out, merge_conflicts *c, fc_err *err);

/* Where open conflicts live in the tree (docs/DESIGN.md, "Merging"): one
 * file per household with open conflicts, beside its records, so that it
 * travels with villages/<code> and lies in the village's scope:
 *     villages/<code>/<a>/<b>/<household>/conflicts   (ledger.h)
 * one line per (record, field), sorted:
 *     RECORD-ID TAB FIELD TAB BASE TAB OURS TAB THEIRS
 * values escaped as in record.h plus TAB as \t. A newer conflict on the
 * same field replaces the line; settling it removes the line, and the file
 * goes with its last line. The principals of both sides are in the merge
 * commit (trailers and body), and in the merge_conflicts returned. */
#define MERGE_CONFLICTS_FILE "conflicts"

/* 1 if path is a conflicts file (villages/X/A/B/H/conflicts). */
int merge_is_conflict_path(const char *path);
/* The conflicts file of the household of a record path (ledger.h); caller
 * frees; NULL if path is not a record path. */
char *merge_conflict_path_for(const char *record_path);

/* Every open conflict of tree (a tree or commit id), village NULL = every
 * village, appended to out with path = the record's path and kind set.
 * Reads the household folders' entries, and the blob of each conflicts
 * file only. */
int merge_conflicts_read(ledger *l, const ledger_oid *tree, const char *village,
			 merge_conflicts *out, fc_err *err);

/* The changes that settle the conflict on (record_id, field) in tree with
 * value: out[0] the record rewritten with field = value (the pseudo-field
 * "_deleted" keeps the record as it is), out[1] its household's conflicts
 * file without that line (data NULL: remove the file). record_path (may be
 * NULL: then every village is searched) names the record's path. The
 * caller frees out[i].path and out[i].data with free(); found (may be
 * NULL) receives the conflict as it was (merge_conflict_clear).
 * FC_ENOTFOUND if no such open conflict. */
int merge_resolve_changes(ledger *l, const ledger_oid *tree, const char *record_path,
			  const char *record_id, const char *field, const char *value,
			  ledger_change out[2], merge_conflict *found, fc_err *err);
void merge_conflict_clear(merge_conflict *c);

/* Merge trees: result = ours + every path that changed from base to theirs,
 * merged per field where ours changed it too. Cost grows with the paths
 * that changed (ledger_diff skips equal subtrees). base may be NULL.
 * base/ours/theirs may be tree ids or commit ids (peeled to their trees);
 * ours may be NULL too (empty).
 * The result tree is written with ledger_tree_update; open conflicts are
 * recorded in the tree as documented in docs/DESIGN.md and appended to c. */
int merge_trees(ledger *l, const ledger_oid *base, const ledger_oid *ours, const ledger_oid *theirs,
		ledger_oid *out, merge_conflicts *c, fc_err *err);
/* The same, naming the principals of each side (kept in the conflict
 * files and in c). base/ours/theirs may be tree or commit ids; out is a
 * tree id. ours_who/theirs_who may be NULL. */
int merge_trees_who(ledger *l, const ledger_oid *base, const ledger_oid *ours,
		    const ledger_oid *theirs, const char *ours_who, const char *theirs_who,
		    ledger_oid *out, merge_conflicts *c, fc_err *err);

#endif
