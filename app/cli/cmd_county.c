/* cmd_county.c — `init-county PATH --name NAME --county CODE` and
 * `enroll PUBKEY-FILE --principal P --role ROLE --village CODE[,CODE...]`
 * (CLI.md, DESIGN.md "Branches and sync"). The work is the sync layer's
 * (county_init_repo, county_enroll in county.h); these parse argv and
 * print. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/cli.h"
#include "fieldcard/county.h"
#include "fieldcard/identity.h"
#include "fieldcard/util.h"

static int usage_init_county(void)
{
	fprintf(stderr, "usage: fieldcard init-county PATH --name NAME --county CODE\n");
	return 2;
}

int cmd_init_county(const cli_ctx *c, int argc, char **argv)
{
	const char *path = NULL, *name = NULL, *code = NULL;
	fc_buf line = FC_BUF_INIT;
	fc_err err;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name = argv[++i];
		else if (!strcmp(argv[i], "--county") && i + 1 < argc)
			code = argv[++i];
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			return usage_init_county();
	}
	if (!path || !name || !code)
		return usage_init_county();
	if (!identity_valid_principal(name)) {
		fprintf(stderr, "fieldcard init-county: --name '%s': use letters, digits, '-', '_', '.', '@' (it names the signer in git)\n", name);
		return 2;
	}
	fc_err_clear(&err);
	rc = county_init_repo(c->dir, path, name, code, c->forms_dir, &line, &err);
	if (line.len)
		printf("%s\n", buf_cstr(&line));
	buf_free(&line);
	if (rc != FC_OK) {
		fprintf(stderr, "fieldcard init-county: %s\n", err.msg);
		return fc_err_exit_code(rc);
	}
	fprintf(stderr, "initialised %s as county '%s'\n", c->dir, name);
	fprintf(stderr, "county repository %s made for county %s; staff data directory %s\n", path,
		code, c->dir);
	return 0;
}

static int usage_enroll(void)
{
	fprintf(stderr, "usage: fieldcard enroll PUBKEY-FILE --principal P --role cadre|secretary|county --village CODE[,CODE...]\n");
	return 2;
}

int cmd_enroll(const cli_ctx *c, int argc, char **argv)
{
	const char *pubfile = NULL, *principal = NULL, *role = NULL, *villages = NULL;
	fc_app *a = NULL;
	fc_err err;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--principal") && i + 1 < argc)
			principal = argv[++i];
		else if (!strcmp(argv[i], "--role") && i + 1 < argc)
			role = argv[++i];
		else if (!strcmp(argv[i], "--village") && i + 1 < argc)
			villages = argv[++i];
		else if (argv[i][0] != '-' && !pubfile)
			pubfile = argv[i];
		else
			return usage_enroll();
	}
	if (!pubfile || !principal || !role || !villages || strpbrk(principal, " \t\n,"))
		return usage_enroll();
	if (strcmp(role, "cadre") && strcmp(role, "secretary") && strcmp(role, "county"))
		return usage_enroll();
	fc_err_clear(&err);
	if ((rc = app_open(c->dir, &a, &err)) == FC_OK)
		rc = county_enroll(a, pubfile, principal, role, villages, &err);
	app_close(a);
	if (rc != FC_OK) {
		fprintf(stderr, "fieldcard enroll: %s\n", err.msg);
		return fc_err_exit_code(rc);
	}
	fprintf(stderr, "enrolled %s (%s) for village(s) %s\n", principal, role, villages);
	return 0;
}
