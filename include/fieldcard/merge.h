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

/* Merge trees: result = ours + every path that changed from base to theirs,
 * merged per field where ours changed it too. Cost grows with the paths
 * that changed (ledger_diff skips equal subtrees). base may be NULL.
 * The result tree is written with ledger_tree_update; open conflicts are
 * recorded in the tree as documented in docs/DESIGN.md and appended to c. */
int merge_trees(ledger *l, const git_oid *base, const git_oid *ours, const git_oid *theirs,
		git_oid *out, merge_conflicts *c, fc_err *err);

#endif
