/* cmd_record.c — the record commands of CLI.md: show, set, check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/checks.h"
#include "fieldcard/fields.h"
#include "fieldcard/cli.h"
#include "fieldcard/fields.h"
#include "fieldcard/sync.h"
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

static const char *state_word(rules_state s)
{
	return s == RULES_PASS ? "pass" : s == RULES_FAIL ? "fail" : "unknown";
}

/* The label of a monitoring-category choice, else the name itself. */
static const char *category_label(fc_app *a, const char *name)
{
	const form_field *fld = form_field_find(app_form(a, K_HOUSEHOLD), F_MONITOR_CATEGORY);
	const form_choice *c = fld && fld->list ? form_choice_find(fld->list, name) : NULL;

	return c ? form_choice_label(c, a->lang) : name;
}

/* Below a household's record: the five checks on the day of the check,
 * the monitoring category the rules suggest and the early warnings. */
static int print_checks(fc_app *a, const char *id, fc_err *err)
{
	app_household h;
	rules_indicators ind;
	int rc;

	if ((rc = app_household_load(a, id, &h, err)) != FC_OK)
		return rc;
	if ((rc = checks_household(a, &h, NULL, &ind, err)) != FC_OK)
		goto out;
	printf("\n--- checks %s ---\n", app_today());
	if (ind.no_line[0])
		printf("warning   no_income_line  %s\n", ind.no_line);
	for (int c = 0; c < RULES_NCHECKS; c++)
		printf("%-9s %-7s %s%s%s\n", rules_check_code(c), state_word(ind.check[c].state),
		       rules_check_label(c, a->lang), ind.check[c].reason[0] ? ": " : "",
		       ind.check[c].reason);
	if (ind.suggest.kind)
		printf("suggested %-7s %s: %s\n", ind.suggest.kind,
		       category_label(a, ind.suggest.kind), ind.suggest.reason);
	for (size_t i = 0; i < ind.nwarn; i++)
		printf("warning   %-14s %s\n", ind.warn[i].kind, ind.warn[i].reason);
out:
	app_household_free(&h);
	return rc;
}

int cmd_show(const cli_ctx *c, int argc, char **argv)
{
	fc_app *a = NULL;
	fc_err err;
	char *text = NULL;
	record *r = NULL;
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
	/* A household card shows its flags under it. */
	rc = strncmp(text, "form: " K_HOUSEHOLD " ", 7 + strlen(K_HOUSEHOLD)) ? 0
									     : cmd_flags_section(a, argv[1]);
	free(text);
	if ((rc = store_get(a->st, argv[1], &r, &err)) != FC_OK)
		goto fail;
	if (!strcmp(r->kind, K_HOUSEHOLD) && (rc = print_checks(a, argv[1], &err)) != FC_OK)
		goto fail;
	record_free(r);
	app_close(a);
	return rc;
fail:
	fprintf(stderr, "fieldcard show: %s\n", err.msg);
	record_free(r);
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

/* Before a rebuild: a store that is missing or will not open or is damaged
 * is moved aside (never deleted: a person may still want it) and an empty
 * one made, so `check --rebuild` alone brings a device back from its ledger. */
static int rebuild_prepare(const char *dir, fc_err *err)
{
	char *db = util_asprintf("%s/fieldcard.db", dir);
	char *ledger = util_asprintf("%s/ledger.git", dir);
	store *st = NULL;
	fc_buf report = FC_BUF_INIT;
	int rc = FC_OK, broken = 0;

	if (!util_file_exists(ledger)) {
		rc = fc_err_set(err, FC_EINVALID, "%s has no ledger to rebuild from", dir);
		goto out;
	}
	if (util_file_exists(db)) {
		fc_err e;

		if (store_open(db, &st, &e) != FC_OK) {
			broken = 1;
			fprintf(stderr, "the store does not open (%s)\n", e.msg);
		} else if (store_check(st, &report, &e) != FC_OK && strstr(buf_cstr(&report), "integrity")) {
			broken = 1;
			fprintf(stderr, "the store is damaged:\n%s", buf_cstr(&report));
		}
		if (st)
			store_close(st);
		st = NULL;
		if (broken) {
			char stamp[32], *aside;
			const char *sfx[] = { "-wal", "-shm" };

			util_now_iso(stamp);
			aside = util_asprintf("%s.broken-%s", db, stamp);
			if (rename(db, aside) != 0) {
				rc = fc_err_set(err, FC_ERROR, "cannot move the damaged store aside to %s", aside);
				free(aside);
				goto out;
			}
			for (int i = 0; i < 2; i++) {
				char *from = util_asprintf("%s%s", db, sfx[i]), *to = util_asprintf("%s%s", aside, sfx[i]);

				if (util_file_exists(from))
					rename(from, to);
				free(from);
				free(to);
			}
			fprintf(stderr, "moved the damaged store aside to %s\n", aside);
			free(aside);
		}
	}
	if (!util_file_exists(db)) {
		if ((rc = store_open(db, &st, err)) != FC_OK)
			goto out;
		store_close(st);
		fprintf(stderr, "made an empty store; rebuilding it from the ledger\n");
	}
out:
	buf_free(&report);
	free(db);
	free(ledger);
	return rc;
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
	if (rebuild && (rc = rebuild_prepare(c->dir, &err)) != FC_OK)
		goto fail;
	if ((rc = app_open(c->dir, &a, &err)) != FC_OK)
		goto fail;
	if (rebuild) {
		rc = sync_rebuild(a, &err);
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
