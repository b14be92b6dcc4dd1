/* fuzz_compare.c — comparison lists (app/report/compare.c,
 * compare_kinds.c): a department's list and forms/compare.csv, both from
 * outside. An input is LIST NUL KINDS: the list is read with every kind of
 * the shipped compare.csv (each finds its ID column by its own headers),
 * and KINDS, when present, is loaded as a compare.csv of its own and its
 * kinds read the list too. */
#include "fuzz.h"
#include "fieldcard/compare.h"

static compare_kinds *shipped;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *path;
	fc_err err;

	(void)argc;
	(void)argv;
	fz_env();
	path = util_asprintf("%s/%s", app_shipped_forms(), COMPARE_FILE);
	if (compare_kinds_load(path, &shipped, NULL, &err) != FC_OK) {
		fprintf(stderr, "fuzz_compare: %s\n", err.msg);
		abort();
	}
	free(path);
	return 0;
}

static void read_list(const char *path, const compare_kinds *ks)
{
	for (size_t i = 0; i < ks->n; i++) {
		compare_list *l = NULL;
		fc_buf report = FC_BUF_INIT;
		fc_err err;

		if (compare_list_read(path, &ks->v[i], (int)(i % FC_NLANG), &l, &report, &err) == FC_OK)
			compare_list_rows(l);
		compare_list_free(l);
		buf_free(&report);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *part[2];
	size_t len[2];
	char list[128], kinds[128];
	compare_kinds *ks = NULL;
	fc_buf report = FC_BUF_INIT;
	fc_err err;

	fz_split(data, size, part, len, 2);
	fz_path(list, sizeof(list), "list.csv");
	fz_write(list, part[0], len[0], 0600);
	read_list(list, shipped);
	if (len[1]) {
		fz_path(kinds, sizeof(kinds), COMPARE_FILE);
		fz_write(kinds, part[1], len[1], 0600);
		if (compare_kinds_load(kinds, &ks, &report, &err) == FC_OK) {
			for (size_t i = 0; i < ks->n; i++)
				compare_kind_find(ks, ks->v[i].name);
			read_list(list, ks);
		}
		compare_kinds_free(ks);
	}
	buf_free(&report);
	return 0;
}
