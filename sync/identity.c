/* identity.c — who a data directory is (identity.h): the passphrase rule,
 * the signing and transport keys, the device settings, and the one
 * keys/roster parser. Every command, the desk and sync load them here, so
 * a sealed key opens the same way everywhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/identity.h"
#include "fieldcard/util.h"

/* ---- the passphrase rule ---- */

static int read_passphrase_file(const char *path, char **out, fc_err *err)
{
	size_t len = 0;
	int rc = util_read_file(path, out, &len, err);

	if (rc != FC_OK) {
		fc_err_prefix(err, "passphrase file: ");
		return FC_EINVALID;
	}
	while (len && ((*out)[len - 1] == '\n' || (*out)[len - 1] == '\r'))
		(*out)[--len] = '\0';
	return FC_OK;
}

int identity_passphrase(const char *file, char **out, fc_err *err)
{
	const char *env_file = getenv("FIELDCARD_PASSPHRASE_FILE");
	const char *env = getenv("FIELDCARD_PASSPHRASE");

	*out = NULL;
	if (file && *file)
		return read_passphrase_file(file, out, err);
	if (env_file && *env_file)
		return read_passphrase_file(env_file, out, err);
	if (env && *env)
		*out = util_strdup(env);
	return FC_OK;
}

void identity_passphrase_free(char *pass)
{
	if (!pass)
		return;
	memset(pass, 0, strlen(pass));
	free(pass);
}

/* ---- keys ---- */

int identity_transport_key(const char *dir, fc_err *err)
{
	char *path = util_asprintf("%s/keys/transport_ed25519", dir);
	sig_key k;
	int rc = FC_OK;

	memset(&k, 0, sizeof(k));
	if (!util_file_exists(path)) {
		if ((rc = sig_keygen(&k, "fieldcard-transport", err)) == FC_OK)
			rc = sig_key_save(&k, path, NULL, err);
		sig_key_wipe(&k);
	}
	free(path);
	return rc;
}

static int load_key(const char *dir, const char *passphrase_file, sig_key *out, fc_err *err)
{
	char *keyfile = util_asprintf("%s/keys/id_ed25519", dir);
	char *pass = NULL;
	int rc;

	if ((rc = identity_passphrase(passphrase_file, &pass, err)) == FC_OK &&
	    (rc = sig_key_load(keyfile, pass, out, err)) != FC_OK && !pass &&
	    err && strstr(err->msg, "sealed with a passphrase"))
		fc_err_set(err, rc, "%s: the signing key is sealed with a passphrase: give it with "
			   "--passphrase-file FILE, or FIELDCARD_PASSPHRASE_FILE or FIELDCARD_PASSPHRASE "
			   "in the environment", keyfile);
	identity_passphrase_free(pass);
	free(keyfile);
	return rc;
}

/* ---- the identity of an open data directory ---- */

static char *setting(fc_app *a, const char *key, const char *fallback, int *rc, fc_err *err)
{
	char *v = NULL;

	if (*rc == FC_OK)
		*rc = store_meta_get(a->st, key, &v, err);
	if (!v || !*v) {
		free(v);
		v = util_strdup(fallback);
	}
	return v;
}

int identity_open(fc_app *a, unsigned flags, const char *passphrase_file, identity *out,
		  fc_err *err)
{
	int rc = FC_OK, county;
	char *trust;

	memset(out, 0, sizeof(*out));
	out->dir = a->dir;
	out->principal = util_strdup(a->principal ? a->principal : "unknown");
	out->role = util_strdup(a->role ? a->role : "cadre");
	county = strcmp(out->role, "county") == 0;
	out->device = setting(a, "device", county ? "county" : "device", &rc, err);
	out->remote = setting(a, "remote", "", &rc, err);
	trust = setting(a, "ssh_trust_first_contact", "0", &rc, err);
	out->ssh_trust_first = atoi(trust) == 1;
	free(trust);
	out->who.principal = out->principal;
	out->who.device = out->device;
	out->who.key = &out->key;
	if (rc != FC_OK)
		goto out;
	if ((flags & IDENTITY_COUNTY) && !county) {
		rc = fc_err_set(err, FC_EINVALID,
				"%s is a %s's data directory; only county staff may do this", a->dir,
				out->role);
		goto out;
	}
	if ((flags & IDENTITY_REMOTE) && !*out->remote) {
		rc = fc_err_set(err, FC_EINVALID, "%s has no county repository (setting remote)",
				a->dir);
		goto out;
	}
	if (!strncmp(out->remote, "ssh://", 6) && (rc = identity_transport_key(a->dir, err)))
		goto out;
	if (flags & IDENTITY_KEY)
		rc = load_key(a->dir, passphrase_file, &out->key, err);
out:
	if (rc != FC_OK)
		identity_close(out);
	return rc;
}

void identity_close(identity *id)
{
	if (!id)
		return;
	sig_key_wipe(&id->key);
	free(id->principal);
	free(id->role);
	free(id->device);
	free(id->remote);
	memset(id, 0, sizeof(*id));
}

int identity_transport(const identity *id, const char *override, transport_opts *out,
		       fc_err *err)
{
	memset(out, 0, sizeof(*out));
	out->url = override && *override ? override : id->remote;
	out->dir = id->dir;
	out->ssh_trust_first = id->ssh_trust_first;
	if (out->url && !strncmp(out->url, "ssh://", 6))
		return identity_transport_key(id->dir, err);
	return FC_OK;
}

/* ---- keys/roster ---- */

/* The columns of one roster line (tabs; an empty column stays one), at
 * least principal, role and villages; NULL for a comment, a blank or a
 * short line. util_strv_free. */
static char **roster_columns(const char *line)
{
	char **col;

	if (!*line || *line == '#')
		return NULL;
	col = util_split_all(line, '\t');
	if (util_strv_len(col) < 3) {
		util_strv_free(col);
		return NULL;
	}
	return col;
}

int identity_roster_parse(const char *text, size_t len, const char *principal,
			  identity_principal *out)
{
	char *copy = util_strndup(text ? text : "", text ? len : 0);
	char **lines = util_split(copy, '\n');
	int rc = FC_ENOTFOUND;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; lines[i] && rc == FC_ENOTFOUND; i++) {
		char **col = roster_columns(lines[i]);

		if (col && strcmp(col[0], principal) == 0) {
			snprintf(out->role, sizeof(out->role), "%s", col[1]);
			snprintf(out->villages, sizeof(out->villages), "%s", col[2]);
			out->revoked = strcmp(col[1], "revoked") == 0 ||
				       (col[3] && strcmp(col[3], "revoked") == 0);
			rc = FC_OK;
			/* A list cut short would judge batches by part of it. */
			if (strlen(col[1]) >= sizeof(out->role) ||
			    strlen(col[2]) >= sizeof(out->villages)) {
				memset(out, 0, sizeof(*out));
				rc = FC_EINVALID;
			}
		}
		util_strv_free(col);
	}
	util_strv_free(lines);
	free(copy);
	return rc;
}

int identity_roster_get(ledger *l, const ledger_oid *tree, const char *principal,
			identity_principal *out, fc_err *err)
{
	fc_buf text = FC_BUF_INIT;
	int rc = ledger_read_tree(l, tree, IDENTITY_ROSTER_PATH, &text, err);

	memset(out, 0, sizeof(*out));
	if (rc == FC_OK || rc == FC_ENOTFOUND) {
		rc = identity_roster_parse(text.data, text.len, principal, out);
		if (rc == FC_ENOTFOUND)
			fc_err_set(err, FC_ENOTFOUND, "principal %s is not in keys/roster", principal);
		else if (rc == FC_EINVALID)
			fc_err_set(err, FC_EINVALID,
				   "keys/roster: the line of principal %s is too long (role at most %zu, "
				   "villages at most %zu characters): enrol the villages under two principals",
				   principal, sizeof(out->role) - 1, sizeof(out->villages) - 1);
	}
	buf_free(&text);
	return rc;
}

void identity_roster_put(const char *text, const char *principal, const char *role,
			 const char *villages, fc_buf *out)
{
	char **lines = util_split(text ? text : "", '\n');
	size_t plen = strlen(principal);

	for (size_t i = 0; lines[i]; i++) {
		if (!*lines[i] || (!strncmp(lines[i], principal, plen) && lines[i][plen] == '\t'))
			continue;
		buf_printf(out, "%s\n", lines[i]);
	}
	buf_printf(out, "%s\t%s\t%s\n", principal, role, villages);
	util_strv_free(lines);
}

/* Revoked lines count too: which village refs follow keys/ is no matter
 * of trust, and their villages may have other devices. */
char **identity_roster_villages(const char *text)
{
	char **lines = util_split(text ? text : "", '\n'), **out = util_calloc(1, sizeof(*out));
	size_t n = 0;

	for (size_t i = 0; lines[i]; i++) {
		char **col = roster_columns(lines[i]);
		char **vs = col ? util_split(col[2], ',') : NULL;

		for (size_t k = 0; vs && vs[k]; k++) {
			int known = strcmp(vs[k], "*") == 0 || !*vs[k];

			for (size_t j = 0; j < n && !known; j++)
				known = strcmp(out[j], vs[k]) == 0;
			if (known)
				continue;
			out = util_realloc(out, (n + 2) * sizeof(*out));
			out[n++] = util_strdup(vs[k]);
			out[n] = NULL;
		}
		util_strv_free(vs);
		util_strv_free(col);
	}
	util_strv_free(lines);
	return out;
}

/* ---- a new data directory ---- */

int identity_valid_principal(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.' || *s == '@'))
			return 0;
	return 1;
}

int identity_valid_villages(const char *s)
{
	char **v = util_split(s ? s : "", ',');
	int ok = v[0] != NULL;

	for (char **p = v; *p && ok; p++) {
		size_t n = strlen(*p);

		ok = n >= 6 && n <= 15 && strspn(*p, "0123456789") == n;
	}
	util_strv_free(v);
	return ok;
}

/* ---- init ---- */

static int write_settings(store *st, const identity_init_opts *o, fc_err *err)
{
	char device[UTIL_ULID_LEN + 1], now[32];
	int rc;

	util_ulid(device);
	util_now_iso(now);
	if ((rc = store_begin(st, err)) != FC_OK)
		return rc;
	if ((rc = store_meta_set(st, "role", o->role, err)) != FC_OK ||
	    (rc = store_meta_set(st, "principal", o->name, err)) != FC_OK ||
	    (rc = store_meta_set(st, "villages", o->villages ? o->villages : "", err)) != FC_OK ||
	    (rc = store_meta_set(st, "device", device, err)) != FC_OK ||
	    (rc = store_meta_set(st, "created_at", now, err)) != FC_OK ||
	    (o->lang && (rc = store_meta_set(st, "lang", o->lang, err)) != FC_OK) ||
	    (o->remote && (rc = store_meta_set(st, "remote", o->remote, err)) != FC_OK)) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st, err);
}

int identity_init_device(const char *dir, const identity_init_opts *o, fc_buf *line,
			 fc_err *err)
{
	char *db = util_asprintf("%s/fieldcard.db", dir);
	char *keys = util_asprintf("%s/keys", dir);
	char *keyfile = util_asprintf("%s/keys/id_ed25519", dir);
	char *ledger_path = util_asprintf("%s/ledger.git", dir);
	char *pass = NULL;
	store *st = NULL;
	ledger *lg = NULL;
	sig_key key;
	int rc;

	memset(&key, 0, sizeof(key));
	if (util_file_exists(db)) {
		rc = fc_err_set(err, FC_EINVALID, "%s already holds fieldcard data; nothing was changed",
				dir);
		goto out;
	}
	if ((rc = identity_passphrase(o->passphrase_file, &pass, err)) != FC_OK ||
	    (rc = util_mkdir_p(dir, 0700, err)) != FC_OK ||
	    (rc = util_mkdir_p(keys, 0700, err)) != FC_OK)
		goto out;
	if ((rc = sig_keygen(&key, o->name, err)) != FC_OK ||
	    (rc = sig_key_save(&key, keyfile, pass, err)) != FC_OK)
		goto out;
	/* The SSH transport key, apart from the signing key, so county staff
	 * can authorise it before the first sync. */
	if ((rc = identity_transport_key(dir, err)) != FC_OK ||
	    (rc = ledger_open(ledger_path, 1, &lg, err)) != FC_OK ||
	    (rc = store_open(db, &st, err)) != FC_OK ||
	    (rc = write_settings(st, o, err)) != FC_OK)
		goto out;
	/* The line county staff put in keys/allowed_signers (or pass to enroll). */
	if (line) {
		buf_printf(line, "%s namespaces=\"git\" ", o->name);
		sig_pubkey_line(&key, line);
	}
out:
	sig_key_wipe(&key);
	identity_passphrase_free(pass);
	if (st)
		store_close(st);
	ledger_free(lg);
	free(db);
	free(keys);
	free(keyfile);
	free(ledger_path);
	return rc;
}
