/* cmd_init.c — `init` (a device's data directory: store, ledger, signing
 * key) and `demo` (a cadre's device with a generated village, enrolled in a
 * county repository made beside it, ready to sync). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fieldcard/app.h"
#include "fieldcard/cli.h"
#include "fieldcard/demo.h"
#include "fieldcard/identity.h"
#include "fieldcard/ledger.h"
#include "fieldcard/sig.h"
#include "fieldcard/util.h"

typedef struct init_opts {
	const char *role, *name, *villages, *remote, *lang, *passphrase_file;
} init_opts;

static int valid_principal(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.' || *s == '@'))
			return 0;
	return 1;
}

static int valid_villages(const char *s)
{
	char **v = util_split(s, ',');
	int ok = v[0] != NULL;

	for (char **p = v; *p && ok; p++) {
		size_t n = strlen(*p);

		ok = n >= 6 && n <= 15 && strspn(*p, "0123456789") == n;
	}
	util_strv_free(v);
	return ok;
}

static char *read_passphrase(const char *path, fc_err *err)
{
	char *text = NULL;
	size_t len;

	if (!path)
		return NULL;
	if (util_read_file(path, &text, &len, err) != FC_OK)
		return NULL;
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	return text;
}

/* Make the data directory for o in dir. Prints the allowed-signers line. */
static int init_dir(const char *dir, const init_opts *o, fc_err *err)
{
	char *db = util_asprintf("%s/fieldcard.db", dir);
	char *keys = util_asprintf("%s/keys", dir);
	char *keyfile = util_asprintf("%s/keys/id_ed25519", dir);
	char *ledger_path = util_asprintf("%s/ledger.git", dir);
	char *pass = NULL, device[UTIL_ULID_LEN + 1], now[32];
	fc_buf line = FC_BUF_INIT;
	store *st = NULL;
	ledger *lg = NULL;
	sig_key key;
	int rc;

	memset(&key, 0, sizeof(key));
	if (util_file_exists(db)) {
		rc = fc_err_set(err, FC_EINVALID, "%s already holds fieldcard data; nothing was changed", dir);
		goto out;
	}
	if ((rc = util_mkdir_p(dir, 0700, err)) != FC_OK || (rc = util_mkdir_p(keys, 0700, err)) != FC_OK)
		goto out;
	if (o->passphrase_file && !(pass = read_passphrase(o->passphrase_file, err))) {
		rc = FC_EINVALID;
		goto out;
	}
	if ((rc = sig_keygen(&key, o->name, err)) != FC_OK ||
	    (rc = sig_key_save(&key, keyfile, pass, err)) != FC_OK)
		goto out;
	/* The SSH transport key, apart from the signing key, so county staff
	 * can authorise it before the first sync. */
	if ((rc = identity_transport_key(dir, err)) != FC_OK)
		goto out;
	if ((rc = ledger_open(ledger_path, 1, &lg, err)) != FC_OK)
		goto out;
	if ((rc = store_open(db, &st, err)) != FC_OK)
		goto out;
	util_ulid(device);
	util_now_iso(now);
	if ((rc = store_begin(st, err)) != FC_OK)
		goto out;
	if ((rc = store_meta_set(st, "role", o->role, err)) != FC_OK ||
	    (rc = store_meta_set(st, "principal", o->name, err)) != FC_OK ||
	    (rc = store_meta_set(st, "villages", o->villages ? o->villages : "", err)) != FC_OK ||
	    (rc = store_meta_set(st, "device", device, err)) != FC_OK ||
	    (rc = store_meta_set(st, "created_at", now, err)) != FC_OK ||
	    (o->lang && (rc = store_meta_set(st, "lang", o->lang, err)) != FC_OK) ||
	    (o->remote && (rc = store_meta_set(st, "remote", o->remote, err)) != FC_OK)) {
		store_rollback(st);
		goto out;
	}
	if ((rc = store_commit(st, err)) != FC_OK)
		goto out;
	/* The line county staff put in keys/allowed_signers (or pass to enroll). */
	buf_printf(&line, "%s namespaces=\"git\" ", o->name);
	sig_pubkey_line(&key, &line);
	printf("%s\n", buf_cstr(&line));
out:
	sig_key_wipe(&key);
	if (pass) {
		memset(pass, 0, strlen(pass));
		free(pass);
	}
	if (st)
		store_close(st);
	if (lg)
		ledger_free(lg);
	buf_free(&line);
	free(db);
	free(keys);
	free(keyfile);
	free(ledger_path);
	return rc;
}

int cmd_init(const cli_ctx *c, int argc, char **argv)
{
	init_opts o;
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
	if (!valid_principal(o.name)) {
		fprintf(stderr, "fieldcard init: --name '%s': use letters, digits, '-', '_', '.', '@' (it names the signer in git)\n", o.name);
		return 2;
	}
	if (strcmp(o.role, "county") && (!o.villages || !valid_villages(o.villages))) {
		fprintf(stderr, "fieldcard init: --village needs village codes (6 to 15 digits), comma-separated\n");
		return 2;
	}
	if (o.villages && *o.villages && !valid_villages(o.villages)) {
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
	fc_app *a = NULL;
	init_opts o;
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
	{
		cli_ctx cc = { county_dir, c->forms_dir };
		char *args[] = { "init-county", county_repo, "--name", DEMO_COUNTY_STAFF,
				 "--county", DEMO_COUNTY, NULL };

		if ((rc = cmd_init_county(&cc, 6, args)) != 0) {
			fprintf(stderr, "fieldcard demo: could not make the county repository %s\n", county_repo);
			goto out;
		}
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
	{
		cli_ctx cc = { county_dir, c->forms_dir };
		char *args[] = { "enroll", pubkey, "--principal", DEMO_CADRE, "--role", "cadre",
				 "--village", DEMO_VILLAGE, NULL };

		if ((rc = cmd_enroll(&cc, 8, args)) != 0) {
			fprintf(stderr, "fieldcard demo: could not enrol the demo device\n");
			goto out;
		}
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
	free(county_dir);
	free(county_repo);
	free(pubkey);
	return rc;
}
