/* cmd_flags.c — `fieldcard flags` (CLI.md): list the flags on households,
 * one a line, and decide one: `flags confirm FLAG-ID --note TEXT`, `flags
 * dismiss FLAG-ID --reason TEXT`. On a device the decision is saved for
 * the next sync (flags_decide); at the county it is a signed commit on
 * main at once (desk_flag_decide). An ID number is never printed whole.
 * cmd_flags_print is the one way a flag is printed (the list, `show`, and
 * computed flags a rule adds to the listing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/checks.h"
#include "fieldcard/cli.h"
#include "fieldcard/desk.h"
#include "fieldcard/flags.h"
#include "fieldcard/util.h"

void cmd_flags_print(FILE *out, const flags_flag *f)
{
	char *masked = util_mask_id(f->person_id ? f->person_id : "");

	fprintf(out, "%s\t%s\t%s\t%s\t%s%s%s\t%s\n", f->household, f->id && *f->id ? f->id : "-",
		f->kind, f->state, masked, *masked && f->person_name && *f->person_name ? " " : "",
		f->person_name ? f->person_name : "", f->reason ? f->reason : "");
	free(masked);
}

/* The details `show` adds under a flag's line. */
static int print_detail(const flags_flag *f, void *ud)
{
	(*(int *)ud)++;
	cmd_flags_print(stdout, f);
	if (*f->facts)
		printf("  facts: %s\n", f->facts);
	printf("  source: %s, raised %s\n", *f->source ? f->source : "-", *f->date ? f->date : "-");
	if (strcmp(f->state, "open") != 0)
		printf("  %s by %s at %s: %s\n", f->state, *f->by ? f->by : "-", *f->at ? f->at : "-",
		       f->note);
	return 0;
}

int cmd_flags_section(fc_app *a, const char *household_id)
{
	fc_err err;
	int n = 0;

	fc_err_clear(&err);
	printf("\nflags:\n");
	if (flags_of_household(a, household_id, print_detail, &n, &err) != FC_OK) {
		fprintf(stderr, "fieldcard: flags of %s: %s\n", household_id, err.msg);
		return 1;
	}
	if (!n)
		printf("  (none)\n");
	return 0;
}

#define LIST_HEADER "household\tflag\tkind\tstate\tperson\treason\n"

static int print_line(const flags_flag *f, void *ud)
{
	if ((*(int *)ud)++ == 0)
		fputs(LIST_HEADER, stdout);
	cmd_flags_print(stdout, f);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: fieldcard flags [--village CODE] [--open]\n"
			"       fieldcard flags confirm FLAG-ID --note TEXT\n"
			"       fieldcard flags dismiss FLAG-ID --reason TEXT\n"
			"  (FLAG-ID HOUSEHOLD/KIND: a suggestion or warning of the rules)\n");
	return 2;
}

/* flags confirm|dismiss FLAG-ID --note|--reason TEXT */
static int decide(const cli_ctx *c, int argc, char **argv)
{
	int confirm = strcmp(argv[1], "confirm") == 0;
	const char *opt = confirm ? "--note" : "--reason", *id = NULL, *note = NULL;
	const char *state = confirm ? "confirmed" : "dismissed";
	fc_app *a = NULL;
	fc_err err;
	int rc;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], opt) == 0 && i + 1 < argc)
			note = argv[++i];
		else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else
			return usage();
	}
	if (!id || !note) {
		fprintf(stderr, "fieldcard flags %s: give the flag's id and %s TEXT (%s)\n", argv[1],
			opt, confirm ? "what was found" : "why it does not hold");
		return usage();
	}
	fc_err_clear(&err);
	if ((rc = app_open(c->dir, &a, &err)) == FC_OK) {
		const char *slash = strchr(id, '/');

		if (slash) {
			/* HOUSEHOLD/KIND: what the rules raise, not a stored flag. */
			char *hh = util_strndup(id, (size_t)(slash - id));

			if (a->role && strcmp(a->role, "county") == 0)
				rc = fc_err_set(&err, FC_EUSAGE,
						"%s: a suggestion or warning is decided on a device of its village (the county decides stored flags)",
						id);
			else
				rc = checks_decide(a, hh, slash + 1, state, note, &err);
			free(hh);
		} else if (a->role && strcmp(a->role, "county") == 0) {
			rc = desk_flag_decide(a, id, state, note, &err);
		} else {
			rc = flags_decide(a, id, state, note, &err);
		}
	}
	if (rc == FC_OK)
		printf("%s %s\n", id, state);
	else
		fprintf(stderr, "fieldcard flags: %s\n", err.msg);
	app_close(a);
	return rc == FC_OK ? 0 : fc_err_exit_code(rc);
}

int cmd_flags(const cli_ctx *c, int argc, char **argv)
{
	const char *village = NULL;
	int open_only = 0, n = 0, rc;
	fc_app *a = NULL;
	fc_err err;

	fc_err_clear(&err);
	if (argc >= 2 && (!strcmp(argv[1], "confirm") || !strcmp(argv[1], "dismiss")))
		return decide(c, argc, argv);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--village") && i + 1 < argc)
			village = argv[++i];
		else if (!strcmp(argv[i], "--open"))
			open_only = 1;
		else
			return usage();
	}
	/* The stored flags, then what the rules raise today (always open). */
	if ((rc = app_open(c->dir, &a, &err)) == FC_OK &&
	    (rc = flags_list(a, village, open_only, print_line, &n, &err)) == FC_OK &&
	    (rc = checks_each_raised(a, village, print_line, &n, &err)) == FC_OK && !n)
		fputs(LIST_HEADER, stdout);
	if (rc != FC_OK)
		fprintf(stderr, "fieldcard flags: %s\n", err.msg);
	app_close(a);
	return rc == FC_OK ? 0 : fc_err_exit_code(rc);
}
