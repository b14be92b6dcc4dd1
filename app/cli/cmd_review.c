/* cmd_review.c — `review ID (--approve | --return --comment TEXT)`: the first
 * secretary's decision on a household card, the same call the review screen
 * makes. A returned card shows its comment on the cadre's home and list;
 * `--submit` is the cadre sending a returned card back for review. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/cli.h"
#include "fieldcard/fields.h"
#include "fieldcard/util.h"

int cmd_review(const cli_ctx *c, int argc, char **argv)
{
	const char *id = NULL, *comment = NULL, *state = NULL;
	record *r = NULL;
	fc_app *a = NULL;
	fc_err err;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--approve"))
			state = "approved";
		else if (!strcmp(argv[i], "--return"))
			state = "returned";
		else if (!strcmp(argv[i], "--submit"))
			state = "submitted";
		else if (!strcmp(argv[i], "--comment") && i + 1 < argc)
			comment = argv[++i];
		else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else
			goto usage;
	}
	if (!id || !state)
		goto usage;
	if (!strcmp(state, "returned") && (!comment || !*comment)) {
		fprintf(stderr, "fieldcard review: --return needs --comment TEXT saying what the cadre must fix\n");
		return 2;
	}
	if ((rc = app_open(c->dir, &a, &err)) != FC_OK)
		goto fail;
	if (strcmp(state, "submitted") && strcmp(a->role, "secretary") && strcmp(a->role, "county")) {
		fprintf(stderr, "fieldcard review: this device's role is %s; only a first secretary (or county staff) reviews cards\n",
			a->role);
		app_close(a);
		return 1;
	}
	if ((rc = store_get(a->st, id, &r, &err)) != FC_OK) {
		if (rc == FC_ENOTFOUND)
			rc = fc_err_set(&err, FC_EINVALID, "record %s does not exist", id);
		goto fail;
	}
	if (strcmp(r->kind, K_HOUSEHOLD)) {
		rc = fc_err_set(&err, FC_EINVALID, "record %s is a %s; review whole household cards", id, r->kind);
		goto fail;
	}
	if ((rc = app_review(a, id, state, comment, &err)) != FC_OK)
		goto fail;
	printf("%s %s\n", id, state);
	record_free(r);
	app_close(a);
	return 0;
fail:
	fprintf(stderr, "fieldcard review: %s\n", err.msg);
	record_free(r);
	app_close(a);
	return fc_err_exit_code(rc);
usage:
	fprintf(stderr, "usage: fieldcard review ID (--approve | --return --comment TEXT | --submit)\n");
	return 2;
}
