/* cmd_record.c — the record commands of CLI.md: show, set, check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/cli.h"
#include "fieldcard/util.h"

/* Print a validation report's issues (warnings and errors) to stderr. */
static void print_issues(const val_report *rep, int errors_too)
{
	for (size_t i = 0; i < rep->n; i++) {
		const val_issue *v = &rep->items[i];

		if (v->severity == VAL_ERROR && !errors_too)
			continue;
		fprintf(stderr, "%s: record %s%s%s: %s\n",
			v->severity == VAL_ERROR ? "error" : "warning", v->record_id,
			v->field ? " field " : "", v->field ? v->field : "", v->message);
	}
}

int cmd_show(const cli_ctx *c, int argc, char **argv)
{
	fc_app *a = NULL;
	fc_err err;
	char *text = NULL;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: fieldcard show ID\n");
		return 2;
	}
	if ((rc = app_open(c->dir, &a, &err)) != FC_OK)
		goto fail;
	if ((rc = store_get_canonical(a->st, argv[1], &text, &err)) != FC_OK) {
		if (rc == FC_ENOTFOUND)
			fc_err_set(&err, FC_EINVALID, "record %s does not exist", argv[1]);
		goto fail;
	}
	fputs(text, stdout);
	free(text);
	app_close(a);
	return 0;
fail:
	fprintf(stderr, "fieldcard show: %s\n", err.msg);
	app_close(a);
	return fc_err_exit_code(rc == FC_ENOTFOUND ? FC_EINVALID : rc);
}

int cmd_set(const cli_ctx *c, int argc, char **argv)
{
	fc_app *a = NULL;
	val_report rep;
	fc_err err;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: fieldcard set ID FIELD=VALUE...\n");
		return 2;
	}
	val_report_init(&rep);
	if ((rc = app_open(c->dir, &a, &err)) != FC_OK)
		goto fail;
	rc = app_set_fields(a, argv[1], argv + 2, (size_t)(argc - 2), &rep, &err);
	print_issues(&rep, 0);
	if (rc != FC_OK)
		goto fail;
	printf("saved %s\n", argv[1]);
	val_report_free(&rep);
	app_close(a);
	return 0;
fail:
	fprintf(stderr, "fieldcard set: %s\n", err.msg);
	val_report_free(&rep);
	app_close(a);
	return fc_err_exit_code(rc == FC_ENOTFOUND ? FC_EINVALID : rc);
}

struct check_state {
	fc_app *a;
	int lang;
	long records, errors, warnings;
};

/* Validate every household with its children, as the UI would. */
static int check_household(const record *r, void *ud)
{
	struct check_state *cs = ud;
	app_household h;
	val_report rep;
	fc_err err;

	cs->records++;
	if (app_household_load(cs->a, r->id, &h, &err) != FC_OK) {
		fprintf(stderr, "error: household %s: %s\n", r->id, err.msg);
		cs->errors++;
		return 0;
	}
	cs->records += (long)h.nchildren;
	val_report_init(&rep);
	if (val_household(app_form(cs->a, "household"), h.hh, (const record *const *)h.children,
			  h.nchildren, cs->a->rules, app_today(), cs->lang, &rep, &err) != FC_OK) {
		fprintf(stderr, "error: household %s: %s\n", r->id, err.msg);
		cs->errors++;
	}
	print_issues(&rep, 1);
	cs->errors += rep.nerrors;
	cs->warnings += rep.nwarnings;
	val_report_free(&rep);
	app_household_free(&h);
	return 0;
}

int cmd_check(const cli_ctx *c, int argc, char **argv)
{
	struct check_state cs;
	fc_buf report = FC_BUF_INIT;
	fc_app *a = NULL;
	fc_err err;
	int rc, rebuild = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rebuild")) {
			rebuild = 1;
		} else {
			fprintf(stderr, "usage: fieldcard check [--rebuild]\n");
			return 2;
		}
	}
	if ((rc = app_open(c->dir, &a, &err)) != FC_OK)
		goto fail;
	if (rebuild) {
		rc = app_rebuild(a, &err);
		if (rc != FC_OK)
			goto fail;
	}
	rc = store_check(a->st, &report, &err);
	if (report.len)
		fputs(buf_cstr(&report), stderr);
	if (rc != FC_OK && rc != FC_EINVALID)
		goto fail;
	memset(&cs, 0, sizeof(cs));
	cs.a = a;
	cs.lang = a->lang;
	if (rc == FC_OK && (rc = store_each(a->st, "household", NULL, check_household, &cs, &err)) != FC_OK)
		goto fail;
	printf("%ld records, %ld errors, %ld warnings%s\n", cs.records, cs.errors, cs.warnings,
	       report.len ? "; the store has integrity problems (above)" : "");
	rc = report.len || cs.errors ? 1 : 0;
	buf_free(&report);
	app_close(a);
	return rc;
fail:
	fprintf(stderr, "fieldcard check: %s\n", err.msg);
	buf_free(&report);
	app_close(a);
	return fc_err_exit_code(rc);
}
