/* cmd_init.c — `init` (a device's data directory: store, ledger, signing
 * key) and `demo` (a cadre's device with a generated village, enrolled in a
 * county repository made beside it, ready to sync). The work is the
 * library's (identity_init_device in identity.h, county_init_repo and
 * county_enroll in county.h); these parse argv and print. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/cli.h"
#include "fieldcard/county.h"
#include "fieldcard/demo.h"
#include "fieldcard/identity.h"
#include "fieldcard/util.h"

/* Print the allowed-signers line on stdout, or the error. */
static int init_dir(const char *dir, const identity_init_opts *o, fc_err *err)
{
	fc_buf line = FC_BUF_INIT;
	int rc = identity_init_device(dir, o, &line, err);

	if (rc == FC_OK)
		printf("%s\n", buf_cstr(&line));
	buf_free(&line);
	return rc;
}

int cmd_init(const cli_ctx *c, int argc, char **argv)
{
	identity_init_opts o;
	fc_err err;
	int rc;

	memset(&o, 0, sizeof(o));
	for (int i = 1; i < argc; i++) {
		const char **slot = NULL;

		if (!strcmp(argv[i], "--role"))
			slot = &o.role;
		else if (!strcmp(argv[i], "--name"))
			slot = &o.name;
		else if (!strcmp(argv[i], "--village"))
			slot = &o.villages;
		else if (!strcmp(argv[i], "--remote"))
			slot = &o.remote;
		else if (!strcmp(argv[i], "--lang"))
			slot = &o.lang;
		else if (!strcmp(argv[i], "--passphrase-file"))
			slot = &o.passphrase_file;
		if (!slot || i + 1 >= argc)
			goto usage;
		*slot = argv[++i];
	}
	if (!o.role || !o.name)
		goto usage;
	if (strcmp(o.role, "cadre") && strcmp(o.role, "secretary") && strcmp(o.role, "county")) {
		fprintf(stderr, "fieldcard init: --role must be cadre, secretary or county, not '%s'\n", o.role);
		return 2;
	}
	if (!identity_valid_principal(o.name)) {
		fprintf(stderr, "fieldcard init: --name '%s': use letters, digits, '-', '_', '.', '@' (it names the signer in git)\n", o.name);
		return 2;
	}
	if (strcmp(o.role, "county") && (!o.villages || !identity_valid_villages(o.villages))) {
		fprintf(stderr, "fieldcard init: --village needs village codes (6 to 15 digits), comma-separated\n");
		return 2;
	}
	if (o.villages && *o.villages && !identity_valid_villages(o.villages)) {
		fprintf(stderr, "fieldcard init: --village '%s': village codes are 6 to 15 digits\n", o.villages);
		return 2;
	}
	if (o.lang && strcmp(o.lang, "zh") && strcmp(o.lang, "en")) {
		fprintf(stderr, "fieldcard init: --lang must be zh or en\n");
		return 2;
	}
	rc = init_dir(c->dir, &o, &err);
	if (rc != FC_OK) {
		fprintf(stderr, "fieldcard init: %s\n", err.msg);
		return fc_err_exit_code(rc);
	}
	fprintf(stderr, "initialised %s as %s '%s'\n", c->dir, o.role, o.name);
	return 0;
usage:
	fprintf(stderr, "usage: fieldcard init --role cadre|secretary|county --name NAME --village CODE[,CODE...] [--remote URL] [--lang zh|en] [--passphrase-file FILE]\n");
	return 2;
}

/* The demo village, its county and the names used: generated, never real. */
#define DEMO_VILLAGE "522701105201"
#define DEMO_COUNTY "522701"
#define DEMO_CADRE "cadre-li"
#define DEMO_COUNTY_STAFF "county-wang"

int cmd_demo(const cli_ctx *c, int argc, char **argv)
{
	char *county_dir = NULL, *county_repo = NULL, *pubkey = NULL;
	int households = 60, rc = 1;
	const char *lang = "zh";
	fc_app *a = NULL, *county = NULL;
	identity_init_opts o;
	fc_err err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--households") && i + 1 < argc) {
			char *end;

			households = (int)strtol(argv[++i], &end, 10);
			if (*end || households < 1 || households > 1000000) {
				fprintf(stderr, "fieldcard demo: --households takes a number from 1 to 1000000\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--lang") && i + 1 < argc) {
			lang = argv[++i];
		} else {
			fprintf(stderr, "usage: fieldcard demo [--households N] [--lang zh|en]\n");
			return 2;
		}
	}
	county_dir = util_asprintf("%s.county", c->dir);
	county_repo = util_asprintf("%s.county.git", c->dir);
	pubkey = util_asprintf("%s/keys/id_ed25519.pub", c->dir);

	/* The county first: its repository and its staff's data directory. */
	if ((rc = county_init_repo(county_dir, county_repo, DEMO_COUNTY_STAFF, DEMO_COUNTY,
				       c->forms_dir, NULL, &err)) != FC_OK) {
		fprintf(stderr, "fieldcard demo: could not make the county repository %s: %s\n",
			county_repo, err.msg);
		rc = fc_err_exit_code(rc);
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.role = "cadre";
	o.name = DEMO_CADRE;
	o.villages = DEMO_VILLAGE;
	o.remote = county_repo;
	o.lang = lang;
	if ((rc = init_dir(c->dir, &o, &err)) != FC_OK) {
		fprintf(stderr, "fieldcard demo: %s\n", err.msg);
		rc = fc_err_exit_code(rc);
		goto out;
	}
	if ((rc = app_open(county_dir, &county, &err)) != FC_OK ||
	    (rc = county_enroll(county, pubkey, DEMO_CADRE, "cadre", DEMO_VILLAGE, &err)) != FC_OK) {
		fprintf(stderr, "fieldcard demo: could not enrol the demo device: %s\n", err.msg);
		rc = fc_err_exit_code(rc);
		goto out;
	}
	if ((rc = app_open(c->dir, &a, &err)) != FC_OK ||
	    (rc = demo_generate(a, DEMO_VILLAGE, households, 20261123u, &err)) != FC_OK) {
		fprintf(stderr, "fieldcard demo: %s\n", err.msg);
		rc = fc_err_exit_code(rc);
		goto out;
	}
	fprintf(stderr,
		"demo ready: %d households in village %s (generated, not real people)\n"
		"  cadre data:      %s\n  county repo:     %s\n  county staff:    %s\n"
		"  try: fieldcard --dir %s        (text UI)\n"
		"       fieldcard --dir %s sync   (send the village to the county)\n",
		households, DEMO_VILLAGE, c->dir, county_repo, county_dir, c->dir, c->dir);
	rc = 0;
out:
	app_close(a);
	app_close(county);
	free(county_dir);
	free(county_repo);
	free(pubkey);
	return rc;
}
