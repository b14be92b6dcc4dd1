/* cmd_xport.c — the `import` and `export` commands (CLI.md): argument
 * parsing and messages around xport.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/cli.h"
#include "fieldcard/xport.h"

static const char import_usage[] = "usage: fieldcard import FILE [--form NAME] [--format csv|jsonl]\n";
static const char export_usage[] =
	"usage: fieldcard export [--form NAME] [--format csv|jsonl|xlsx] [-o FILE]\n";

/* "--opt VALUE" or "--opt=VALUE" at argv[*i]; advances *i. */
static int opt_value(int argc, char **argv, int *i, const char *name, const char **out)
{
	size_t n = strlen(name);

	if (!strcmp(argv[*i], name)) {
		if (*i + 1 >= argc)
			return -1;
		*out = argv[++*i];
		return 1;
	}
	if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=') {
		*out = argv[*i] + n + 1;
		return 1;
	}
	return 0;
}

int cmd_import(const cli_ctx *c, int argc, char **argv)
{
	const char *file = NULL, *kind = NULL, *fmt_name = NULL;
	xport_format fmt = XPORT_AUTO;
	xport_result res;
	fc_buf report = FC_BUF_INIT;
	fc_app *a = NULL;
	fc_err err;
	int rc, got;

	fc_err_clear(&err);
	for (int i = 1; i < argc; i++) {
		if ((got = opt_value(argc, argv, &i, "--form", &kind)) ||
		    (got = opt_value(argc, argv, &i, "--format", &fmt_name))) {
			if (got < 0)
				goto usage;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "fieldcard import: unknown option %s\n", argv[i]);
			goto usage;
		} else if (!file) {
			file = argv[i];
		} else {
			goto usage;
		}
	}
	if (!file)
		goto usage;
	if (fmt_name && xport_format_parse(fmt_name, &fmt, &err)) {
		fprintf(stderr, "fieldcard import: %s\n", err.msg);
		return 2;
	}
	if ((rc = app_open(c->dir, &a, &err))) {
		fprintf(stderr, "fieldcard: %s\n", err.msg);
		return fc_err_exit_code(rc);
	}
	a->keep_review = 1;
	rc = xport_import(a, file, kind, fmt, &res, &report, &err);
	fputs(buf_cstr(&report), stderr);
	if (rc)
		fprintf(stderr, "fieldcard import: %s\n", err.msg);
	else
		printf("imported %d records (%d added, %d updated)\n",
		       res.added + res.updated, res.added, res.updated);
	buf_free(&report);
	app_close(a);
	return fc_err_exit_code(rc);
usage:
	fputs(import_usage, stderr);
	return 2;
}

int cmd_export(const cli_ctx *c, int argc, char **argv)
{
	const char *kind = "household", *fmt_name = NULL, *out = NULL;
	xport_format fmt = XPORT_CSV;
	fc_app *a = NULL;
	fc_err err;
	long n = 0;
	int rc, got;

	fc_err_clear(&err);
	for (int i = 1; i < argc; i++) {
		if ((got = opt_value(argc, argv, &i, "--form", &kind)) ||
		    (got = opt_value(argc, argv, &i, "--format", &fmt_name)) ||
		    (got = opt_value(argc, argv, &i, "-o", &out)) ||
		    (got = opt_value(argc, argv, &i, "--output", &out))) {
			if (got < 0)
				goto usage;
		} else {
			fprintf(stderr, "fieldcard export: unexpected argument %s\n", argv[i]);
			goto usage;
		}
	}
	if (fmt_name && xport_format_parse(fmt_name, &fmt, &err)) {
		fprintf(stderr, "fieldcard export: %s\n", err.msg);
		return 2;
	}
	if ((rc = app_open(c->dir, &a, &err))) {
		fprintf(stderr, "fieldcard: %s\n", err.msg);
		return fc_err_exit_code(rc);
	}
	rc = xport_export(a, kind, fmt, out, &n, &err);
	if (rc)
		fprintf(stderr, "fieldcard export: %s\n", err.msg);
	else if (out && strcmp(out, "-"))
		fprintf(stderr, "exported %ld %s records to %s\n", n, kind, out);
	app_close(a);
	return fc_err_exit_code(rc);
usage:
	fputs(export_usage, stderr);
	return 2;
}
