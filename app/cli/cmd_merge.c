/* cmd_merge.c — the county's commands (CLI.md): `batches`, `merge [--all |
 * BATCH...]`, `conflicts`, `resolve ID FIELD (--ours|--theirs|--value V)`
 * and `verify [REV]`. They open the county staff's data directory, fetch
 * from the county repository, work on the local ledger (county.h) and push
 * main and the village refs that moved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/cli.h"
#include "fieldcard/county.h"
#include "fieldcard/desk.h"
#include "fieldcard/util.h"

/* The CLI's session: the data directory and the desk over it. */
typedef struct session {
	fc_app *a;
	desk *d;
} session;

static void session_close(session *s)
{
	desk_close(s->d);
	app_close(s->a);
}

static int session_open(const cli_ctx *c, session *s, int need_key, fc_err *err)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = app_open(c->dir, &s->a, err)))
		return rc;
	return desk_open(s->a, need_key, &s->d, err);
}

static int fail(fc_err *err)
{
	fprintf(stderr, "fieldcard: %s\n", err->msg);
	return fc_err_exit_code(err->code);
}

static int print_batch(const desk_batch *b, void *ud)
{
	(void)ud;
	printf("%-16s %-8s %-24s %6d %7d  %s%s%s\n", b->principal, b->role, b->villages, b->ahead,
	       b->records, b->status, b->reason[0] ? ": " : "", b->reason);
	return 0;
}

int cmd_batches(const cli_ctx *c, int argc, char **argv)
{
	fc_app *a = NULL;
	fc_err err;
	int rc;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: fieldcard batches\n");
		return 2;
	}
	if ((rc = app_open(c->dir, &a, &err)))
		return fail(&err);
	printf("%-16s %-8s %-24s %6s %7s  %s\n", "principal", "role", "villages", "ahead",
	       "records", "status");
	if ((rc = desk_batches(a, print_batch, NULL, &err)))
		rc = fail(&err);
	app_close(a);
	return rc;
}

static int add_name(const desk_batch *b, void *ud)
{
	char ***names = ud;
	size_t n = 0;

	while ((*names)[n])
		n++;
	*names = util_realloc(*names, (n + 2) * sizeof(**names));
	(*names)[n] = util_strdup(b->principal);
	(*names)[n + 1] = NULL;
	return 0;
}

int cmd_merge(const cli_ctx *c, int argc, char **argv)
{
	session s;
	fc_err err;
	fc_buf report = FC_BUF_INIT;
	int rc, all = 0, refused = 0, open = 0, merged = 0;
	char **names = util_calloc(1, sizeof(*names));

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: fieldcard merge [--all | BATCH...]\n");
			free(names);
			return 2;
		}
	}
	if ((rc = session_open(c, &s, 1, &err)) || (rc = desk_fetch(s.d, &err))) {
		rc = fail(&err);
		goto out;
	}
	if (all || argc == 1) {
		if ((rc = desk_batch_each(s.d, add_name, &names, &err))) {
			rc = fail(&err);
			goto out;
		}
	} else {
		for (int i = 1; i < argc; i++) {
			desk_batch b = { argv[i], "", "", 0, 0, 1, "", "" };
			add_name(&b, &names);
		}
	}
	for (size_t i = 0; names[i]; i++) {
		size_t nc = 0;

		buf_reset(&report);
		rc = desk_merge_one(s.d, names[i], &report, &nc, &err);
		if (rc == FC_ECONFLICT) {
			fprintf(stderr, "fieldcard: %s\n", err.msg);
			refused++;
			continue;
		}
		if (rc) {
			rc = fail(&err);
			goto out;
		}
		merged++;
		open += (int)nc;
		fputs(buf_cstr(&report), stdout);
	}
	if (merged && (rc = desk_push(s.d, &err))) {
		rc = fail(&err);
		goto out;
	}
	rc = (refused || open) ? 3 : 0;
out:
	for (size_t i = 0; names[i]; i++)
		free(names[i]);
	free(names);
	buf_free(&report);
	session_close(&s);
	return rc;
}

static int print_conflict(const desk_conflict *m, void *ud)
{
	(*(size_t *)ud)++;
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m->record_id, m->field, m->base, m->ours,
	       m->theirs, m->ours_who, m->theirs_who);
	return 0;
}

int cmd_conflicts(const cli_ctx *c, int argc, char **argv)
{
	session s;
	fc_err err;
	ledger_oid main, tree;
	county_dup *dv = NULL;
	size_t dn = 0, open_dups = 0, nconf = 0;
	int rc;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: fieldcard conflicts\n");
		return 2;
	}
	if ((rc = session_open(c, &s, 0, &err))) {
		rc = fail(&err);
		goto out;
	}
	rc = ledger_ref_get(desk_ledger(s.d), "refs/heads/main", &main, &err);
	if (rc == FC_ENOTFOUND) {
		rc = 0;
		goto out;
	}
	if (rc || (rc = ledger_commit_tree(desk_ledger(s.d), &main, &tree, &err)) ||
	    (rc = county_duplicates(desk_ledger(s.d), &tree, &dv, &dn, &err))) {
		rc = fail(&err);
		goto out;
	}
	printf("record\tfield\tbase\tours\ttheirs\tours_by\ttheirs_by\n");
	if ((rc = desk_main_conflicts(s.d, print_conflict, &nconf, &err))) {
		rc = fail(&err);
		goto out;
	}
	for (size_t i = 0; i < dn; i++)
		open_dups += strcmp(dv[i].state, "open") == 0;
	if (open_dups) {
		printf("\npossible duplicates (the same head ID number in two households); decide with\n"
		       "`fieldcard resolve ID id_number --duplicate-of OTHER` or `... --clear`:\n");
		printf("household\tother\thead_id_number\n");
		for (size_t i = 0; i < dn; i++)
			if (strcmp(dv[i].state, "open") == 0)
				printf("%s\t%s\t%s\n", dv[i].a, dv[i].b, dv[i].masked);
	}
	rc = (nconf || open_dups) ? 3 : 0;
out:
	free(dv);
	session_close(&s);
	return rc;
}

static int usage_resolve(void)
{
	fprintf(stderr,
		"usage: fieldcard resolve ID FIELD (--ours | --theirs | --value V)\n"
		"       fieldcard resolve ID id_number (--duplicate-of OTHER | --clear)\n"
		"  the first settles a merge conflict on a field; the second decides a\n"
		"  possible duplicate: household ID is a duplicate of OTHER (kept), or the\n"
		"  flag is cleared (two households after all). Both are signed commits on main.\n");
	return 2;
}

/* resolve ID id_number (--duplicate-of OTHER | --clear) */
static int resolve_duplicate(const cli_ctx *c, const char *id, const char *other, int clear)
{
	session s;
	fc_err err;
	ledger_oid commit, tree;
	county_dup *dv = NULL;
	size_t dn = 0;
	int rc;

	if ((rc = session_open(c, &s, 1, &err)) || (rc = desk_fetch(s.d, &err)) ||
	    (rc = county_duplicate_decide(desk_ledger(s.d), desk_author(s.d), id, other, clear,
					  &commit, &err)) ||
	    (rc = desk_push(s.d, &err)) ||
	    (rc = ledger_commit_tree(desk_ledger(s.d), &commit, &tree, &err)) ||
	    (rc = county_duplicates(desk_ledger(s.d), &tree, &dv, &dn, &err))) {
		rc = fail(&err);
		goto out;
	}
	for (size_t i = 0; i < dn; i++) {
		if (strcmp(dv[i].a, id) != 0 && strcmp(dv[i].b, id) != 0)
			continue;
		if (strcmp(dv[i].state, "duplicate") == 0 && strcmp(dv[i].a, id) == 0)
			printf("marked %s as a duplicate of %s\n", id, dv[i].b);
		else if (clear && strcmp(dv[i].state, "cleared") == 0)
			printf("cleared the duplicate flag on %s and %s\n", dv[i].a, dv[i].b);
	}
	rc = 0;
out:
	free(dv);
	session_close(&s);
	return rc;
}

int cmd_resolve(const cli_ctx *c, int argc, char **argv)
{
	session s;
	fc_err err;
	const char *id, *field, *how, *value = NULL;
	int rc;

	if (argc < 4)
		return usage_resolve();
	id = argv[1];
	field = argv[2];
	if (strcmp(argv[3], "--duplicate-of") == 0 || strcmp(argv[3], "--clear") == 0) {
		int clear = argv[3][2] == 'c';

		if (strcmp(field, "id_number") != 0 || argc != (clear ? 4 : 5))
			return usage_resolve();
		return resolve_duplicate(c, id, clear ? NULL : argv[4], clear);
	}
	if (strcmp(argv[3], "--ours") == 0 && argc == 4)
		how = "ours";
	else if (strcmp(argv[3], "--theirs") == 0 && argc == 4)
		how = "theirs";
	else if (strcmp(argv[3], "--value") == 0 && argc == 5)
		how = "value", value = argv[4];
	else
		return usage_resolve();
	if ((rc = session_open(c, &s, 1, &err)) || (rc = desk_fetch(s.d, &err)) ||
	    (rc = desk_resolve_one(s.d, id, field, how, value, &err)) ||
	    (rc = desk_push(s.d, &err))) {
		rc = fail(&err);
		goto out;
	}
	printf("resolved %s %s\n", id, field);
out:
	session_close(&s);
	return rc;
}

int cmd_verify(const cli_ctx *c, int argc, char **argv)
{
	session s;
	fc_err err;
	fc_buf report = FC_BUF_INIT;
	const char *rev = argc > 1 ? argv[1] : "refs/heads/main";
	int rc, n = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: fieldcard verify [REV]\n");
		return 2;
	}
	if ((rc = session_open(c, &s, 0, &err))) {
		rc = fail(&err);
		goto out;
	}
	rc = county_verify_history(desk_ledger(s.d), rev, &report, &n, &err);
	fputs(buf_cstr(&report), stdout);
	if (rc) {
		rc = fail(&err);
		goto out;
	}
	printf("%d commit(s) verified: signatures good, scopes kept\n", n);
out:
	buf_free(&report);
	session_close(&s);
	return rc;
}
