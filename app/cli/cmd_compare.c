/* cmd_compare.c — `fieldcard compare FILE --source KIND` (CLI.md; county
 * staff): compare a department's list with the county (compare.h) and say
 * what came of it in counts only. A row that matched nobody is never
 * named: not its line's content, not its ID number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/cli.h"
#include "fieldcard/compare.h"

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

int cmd_compare(const cli_ctx *c, int argc, char **argv)
{
	const char *file = NULL, *kind = NULL;
	fc_buf report = FC_BUF_INIT;
	compare_result res;
	fc_app *a = NULL;
	fc_err err;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--source") && i + 1 < argc)
			kind = argv[++i];
		else if (argv[i][0] != '-' && !file)
			file = argv[i];
		else
			file = NULL, i = argc;
	}
	if (!file || !kind) {
		fprintf(stderr, "usage: fieldcard compare FILE --source KIND\n"
				"  KIND: a kind of list defined in forms/compare.csv (vehicle, "
				"real_estate, business, payroll, medical_insurance, school, disability, death)\n");
		return 2;
	}
	fc_err_clear(&err);
	if ((rc = app_open(c->dir, &a, &err)) == FC_OK)
		rc = compare_run(a, file, kind, &res, &report, &err);
	if (rc != FC_OK) {
		if (report.len)
			fputs(buf_cstr(&report), stderr);
		fprintf(stderr, "fieldcard compare: %s\n", err.msg);
		if (report.len)
			fprintf(stderr, "fieldcard compare: nothing was stored from %s\n", file);
		buf_free(&report);
		app_close(a);
		return fc_err_exit_code(rc);
	}
	printf("%s: %zu %s, %zu %s, %zu new %s on %zu %s, %zu already flagged, %zu %s matched nobody",
	       res.source, res.counts.rows, plural(res.counts.rows, "row", "rows"), res.counts.hits,
	       plural(res.counts.hits, "hit", "hits"), res.flags, plural(res.flags, "flag", "flags"),
	       res.households, plural(res.households, "household", "households"), res.already,
	       res.counts.nobody, plural(res.counts.nobody, "row", "rows"));
	if (res.counts.left_only)
		printf(", %zu only members marked as left (not flagged)", res.counts.left_only);
	printf("; %d village(s) cut\n", res.villages_cut);
	buf_free(&report);
	app_close(a);
	return 0;
}
