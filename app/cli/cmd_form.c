/* cmd_form.c — `fieldcard form check PATH` (CLI.md): load a form folder (or
 * one of its sheets), a rules.csv, a compare.csv, or a whole forms folder,
 * and print every problem as FILE:LINE: message so county staff can fix
 * them in one pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fieldcard/buf.h"
#include "fieldcard/cli.h"
#include "fieldcard/compare.h"
#include "fieldcard/form.h"
#include "fieldcard/rules.h"
#include "fieldcard/util.h"

static size_t count_value_fields(const form *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nfields; i++) {
		if (form_field_has_value(&f->fields[i]))
			n++;
		if (f->fields[i].repeat)
			n += count_value_fields(f->fields[i].repeat);
	}
	return n;
}

/* Check one form folder; 0 if it loads. */
static int check_form(const char *path)
{
	fc_buf report = FC_BUF_INIT;
	fc_err err;
	form *f = NULL;
	int rc;

	fc_err_clear(&err);
	rc = form_load(path, &f, &report, &err);
	fputs(buf_cstr(&report), stderr);
	if (rc == 0)
		printf("ok: %s %s, %zu fields\n", f->id, f->version, count_value_fields(f));
	else if (!report.len)
		fprintf(stderr, "%s\n", err.msg);
	buf_free(&report);
	form_free(f);
	return rc == 0 ? 0 : -1;
}

static int check_rules(const char *path)
{
	rules *r = NULL;
	fc_err err;

	fc_err_clear(&err);
	if (rules_load(path, &r, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	printf("ok: %s, %zu lines\n", path, r->n);
	if (rules_examples(r))
		printf("note: %s: %zu of them are marked example (demo values a county must replace with its province's published lines)\n",
		       path, rules_examples(r));
	rules_free(r);
	return 0;
}

/* forms/compare.csv: the kinds of department list `compare` reads. */
static int check_compare(const char *path)
{
	fc_buf report = FC_BUF_INIT;
	compare_kinds *k = NULL;
	fc_err err;
	int rc;

	fc_err_clear(&err);
	rc = compare_kinds_load(path, &k, &report, &err);
	fputs(buf_cstr(&report), stderr);
	if (rc == 0)
		printf("ok: %s, %zu kinds of list\n", path, k->n);
	buf_free(&report);
	compare_kinds_free(k);
	return rc == 0 ? 0 : -1;
}

static int ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

/* A folder of forms (like the shipped forms/): every sub-folder, and
 * rules.csv and compare.csv if present. */
static int check_forms_dir(const char *dir)
{
	char **subs = NULL;
	size_t n = 0;
	int bad = 0;
	char *rules_path;
	fc_err err;

	if (form_folders(dir, &subs, &err) != FC_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	for (n = 0; subs[n]; n++)
		if (check_form(subs[n]) < 0)
			bad = 1;
	util_strv_free(subs);
	rules_path = util_asprintf("%s/rules.csv", dir);
	if (util_file_exists(rules_path) && check_rules(rules_path) < 0)
		bad = 1;
	free(rules_path);
	rules_path = util_asprintf("%s/%s", dir, COMPARE_FILE);
	if (util_file_exists(rules_path) && check_compare(rules_path) < 0)
		bad = 1;
	free(rules_path);
	if (!n && !bad) {
		fprintf(stderr, "%s: no survey.csv and no form folders here\n", dir);
		bad = 1;
	}
	return bad ? -1 : 0;
}

int cmd_form(const cli_ctx *c, int argc, char **argv)
{
	const char *path;
	struct stat st;
	char *survey;
	int rc;

	(void)c;
	if (argc != 3 || strcmp(argv[1], "check")) {
		fprintf(stderr, "usage: fieldcard form check PATH\n"
				"PATH: a form folder (survey.csv, choices.csv, settings.csv), "
				"one of its sheets, a rules.csv, a compare.csv, or a folder of forms\n");
		return 2;
	}
	path = argv[2];
	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: no such file or folder\n", path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return (ends_with(path, "rules.csv")	  ? check_rules(path)
			: ends_with(path, COMPARE_FILE) ? check_compare(path)
							  : check_form(path)) < 0 ? 1 : 0;
	survey = util_asprintf("%s/survey.csv", path);
	rc = util_file_exists(survey) ? check_form(path) : check_forms_dir(path);
	free(survey);
	return rc < 0 ? 1 : 0;
}
