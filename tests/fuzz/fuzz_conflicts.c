/* fuzz_conflicts.c — the conflicts file (sync/merge.c): the open conflicts
 * of a household, "RECORD-ID TAB FIELD TAB BASE TAB OURS TAB THEIRS" a
 * line, which travel in the tree from a remote. An input is three
 * versions of one household's conflicts file, BASE NUL OURS NUL THEIRS,
 * each put in a tree beside the household's record in a scratch ledger
 * (libgit2, bare), then merged as a sync and the county merge do
 * (merge_trees: both sides changed it, so it merges line by line), and
 * the open conflicts of each tree and of the result read as `conflicts`
 * and the UI read them. */
#include "fuzz.h"
#include "fieldcard/ledger.h"
#include "fieldcard/merge.h"

#define HH "01KAC0000000000000000000H1"
#define VILLAGE "522701105201"

static ledger *l;
static char *hh_path, *cf_path;
static unsigned runs;

/* A fresh scratch ledger: each input writes a few loose objects, and a
 * long campaign would fill /dev/shm with them. */
static void open_ledger(void)
{
	char path[128];
	fc_err err;

	fz_path(path, sizeof(path), "ledger.git");
	if (l) {
		ledger_free(l);
		util_rm_rf(path, NULL);
	}
	if (ledger_open(path, 1, &l, &err) != FC_OK) {
		fprintf(stderr, "fuzz_conflicts: %s\n", err.msg);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_env();
	open_ledger();
	hh_path = ledger_record_path(LEDGER_PATH_HOUSEHOLD, VILLAGE, HH, NULL);
	cf_path = ledger_record_path(LEDGER_PATH_CONFLICTS, VILLAGE, HH, NULL);
	if (!hh_path || !cf_path)
		abort();
	return 0;
}

static const char household[] = "form: household 2026.11.1\nid: " HH "\nhead_name: 张三\n";

static int tree_of(const uint8_t *data, size_t len, ledger_oid *out)
{
	ledger_change ch[2] = { { hh_path, household, sizeof(household) - 1 },
				{ cf_path, data, len } };
	fc_err err;

	return ledger_tree_update(l, NULL, ch, 2, out, &err);
}

static void read_open(const ledger_oid *tree)
{
	merge_conflicts c = { 0 };
	fc_err err;

	merge_conflicts_read(l, tree, NULL, &c, &err);
	if (c.n) {
		ledger_change out[2];
		merge_conflict found = { 0 };

		if (merge_resolve_changes(l, tree, NULL, c.v[0].record_id, c.v[0].field, "x", out,
					  &found, &err) == FC_OK) {
			for (int i = 0; i < 2; i++) {
				free((char *)out[i].path);
				free((void *)out[i].data);
			}
		}
		merge_conflict_clear(&found);
	}
	merge_conflicts_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[3];
	size_t len[3];
	ledger_oid t[3], merged;
	merge_conflicts c = { 0 };
	fc_err err;

	if (++runs % 2000 == 0)
		open_ledger();
	fz_split(data, size, part, len, 3);
	for (int i = 0; i < 3; i++)
		if (tree_of(part[i], len[i], &t[i]) != FC_OK)
			return 0;
	for (int i = 0; i < 3; i++)
		read_open(&t[i]);
	if (merge_trees_who(l, &t[0], &t[1], &t[2], "cadre-li", "county", &merged, &c, &err) == FC_OK)
		read_open(&merged);
	merge_conflicts_free(&c);
	return 0;
}
