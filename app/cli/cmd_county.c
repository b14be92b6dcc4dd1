/* cmd_county.c — `init-county PATH --name NAME --county CODE` and
 * `enroll PUBKEY-FILE --principal P --role ROLE --village CODE[,CODE...]`
 * (CLI.md, DESIGN.md "Branches and sync").
 *
 * The county repository is plain bare git. Its first commit on main holds
 * the shipped forms (forms/...), keys/allowed_signers with the county key,
 * and keys/roster, signed by the county key. keys/roster lists who may do
 * what, one principal a line:
 *     PRINCIPAL TAB ROLE TAB VILLAGE[,VILLAGE...]     ("*" = every village)
 * Every commit is made in the county staff's own ledger (DIR/ledger.git)
 * and pushed, so the county repository may sit on a share, a stick or a
 * server. Enrolling adds a key on main and advances villages/<code> with
 * county_cut_village, as a merge does (county.h). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fieldcard/app.h"
#include "fieldcard/cli.h"
#include "fieldcard/county.h"
#include "fieldcard/ledger.h"
#include "fieldcard/sig.h"
#include "fieldcard/store.h"
#include "fieldcard/transport.h"
#include "fieldcard/util.h"

/* ---- shared: the county staff's context ---- */

typedef struct county {
	fc_app *a;
	ledger *l;
	sig_key key;
	char *device, *remote;
	ledger_author who;
} county;

static void county_close(county *k)
{
	sig_key_wipe(&k->key);
	ledger_free(k->l);
	app_close(k->a);
	free(k->device);
	free(k->remote);
}

static int county_open(const char *dir, county *k, fc_err *err)
{
	char *keyfile = util_asprintf("%s/keys/id_ed25519", dir);
	int rc;

	memset(k, 0, sizeof(*k));
	if ((rc = app_open(dir, &k->a, err)) != FC_OK)
		goto out;
	if (!k->a->role || strcmp(k->a->role, "county")) {
		rc = fc_err_set(err, FC_EINVALID, "%s is a %s's data directory; only county staff may do this",
				dir, k->a->role ? k->a->role : "device");
		goto out;
	}
	if ((rc = sig_key_load(keyfile, NULL, &k->key, err)) != FC_OK ||
	    (rc = ledger_open(k->a->ledger_path, 1, &k->l, err)) != FC_OK ||
	    (rc = store_meta_get(k->a->st, "device", &k->device, err)) != FC_OK ||
	    (rc = store_meta_get(k->a->st, "remote", &k->remote, err)) != FC_OK)
		goto out;
	if (!k->remote) {
		rc = fc_err_set(err, FC_EINVALID, "%s has no county repository (setting remote)", dir);
		goto out;
	}
	k->who.principal = k->a->principal;
	k->who.device = k->device ? k->device : "county";
	k->who.key = &k->key;
out:
	free(keyfile);
	return rc;
}

/* ---- init-county ---- */

typedef struct files {
	ledger_change *v;
	char **paths;
	char **data;
	size_t n, cap;
} files;

static void files_add(files *f, const char *path, char *data, size_t len)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->v = util_realloc(f->v, f->cap * sizeof(*f->v));
		f->paths = util_realloc(f->paths, f->cap * sizeof(*f->paths));
		f->data = util_realloc(f->data, f->cap * sizeof(*f->data));
	}
	f->paths[f->n] = util_strdup(path);
	f->data[f->n] = data;
	f->v[f->n].path = f->paths[f->n];
	f->v[f->n].data = data;
	f->v[f->n].len = len;
	f->n++;
}

static void files_free(files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->paths[i]);
		free(f->data[i]);
	}
	free(f->v);
	free(f->paths);
	free(f->data);
}

/* Every regular file under dir (not hidden), as forms/<relative path>. */
static int add_dir(files *f, const char *dir, const char *rel, fc_err *err)
{
	char *path = rel[0] ? util_asprintf("%s/%s", dir, rel) : util_strdup(dir);
	DIR *d = opendir(path);
	struct dirent *e;
	int rc = FC_OK;

	if (!d) {
		rc = fc_err_set(err, FC_ERROR, "cannot read the forms folder %s", path);
		free(path);
		return rc;
	}
	while (rc == FC_OK && (e = readdir(d))) {
		char *sub, *full;
		struct stat sb;

		if (e->d_name[0] == '.')
			continue;
		sub = rel[0] ? util_asprintf("%s/%s", rel, e->d_name) : util_strdup(e->d_name);
		full = util_asprintf("%s/%s", dir, sub);
		if (stat(full, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			rc = add_dir(f, dir, sub, err);
		} else if (stat(full, &sb) == 0 && S_ISREG(sb.st_mode)) {
			char *data = NULL, *tpath = util_asprintf("forms/%s", sub);
			size_t len = 0;

			if ((rc = util_read_file(full, &data, &len, err)) == FC_OK)
				files_add(f, tpath, data, len);
			free(tpath);
		}
		free(sub);
		free(full);
	}
	closedir(d);
	free(path);
	return rc;
}

static int usage_init_county(void)
{
	fprintf(stderr, "usage: fieldcard init-county PATH --name NAME --county CODE\n");
	return 2;
}

int cmd_init_county(const cli_ctx *c, int argc, char **argv)
{
	const char *path = NULL, *name = NULL, *code = NULL;
	county k;
	files f = { NULL, NULL, NULL, 0, 0 };
	fc_buf line = FC_BUF_INIT, msg = FC_BUF_INIT;
	fc_err err;
	ledger_oid tree, commit;
	transport_opts to;
	int rc, opened = 0;

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
	fc_err_clear(&err);
	if (util_file_exists(path)) {
		fprintf(stderr, "fieldcard init-county: %s already exists; nothing was changed\n", path);
		return 1;
	}
	{
		char *args[] = { "init", "--role", "county", "--name", (char *)name, "--village", "",
				 "--remote", (char *)path, NULL };

		if ((rc = cmd_init(c, 9, args)) != 0)
			return rc;
	}
	if ((rc = county_open(c->dir, &k, &err)) != FC_OK)
		goto out;
	opened = 1;
	if ((rc = store_meta_set(k.a->st, "county", code, &err)) != FC_OK)
		goto out;
	if ((rc = add_dir(&f, c->forms_dir ? c->forms_dir : app_shipped_forms(), "", &err)) != FC_OK)
		goto out;
	buf_printf(&line, "%s namespaces=\"git\" ", name);
	sig_pubkey_line(&k.key, &line);
	buf_addc(&line, '\n');
	{
		size_t len = line.len;

		files_add(&f, LEDGER_SIGNERS_PATH, buf_detach(&line), len);
	}
	buf_printf(&line, "# principal\trole\tvillages (* = all)\n%s\tcounty\t*\n", name);
	{
		size_t len = line.len;

		files_add(&f, "keys/roster", buf_detach(&line), len);
	}
	buf_printf(&msg, "County %s: repository started by %s\n\nShipped forms and rules, the county key.\n",
		   code, name);
	ledger_message_trailers(&msg, name, k.who.device);
	if ((rc = ledger_tree_update(k.l, NULL, f.v, f.n, &tree, &err)) != FC_OK ||
	    (rc = ledger_commit_write(k.l, &tree, NULL, 0, &k.who, msg.data, &commit, &err)) != FC_OK ||
	    (rc = ledger_ref_force(k.l, "refs/heads/main", &commit, "init-county", &err)) != FC_OK)
		goto out;
	{
		/* A plain bare repository, HEAD on main, that stock git reads. */
		ledger *remote = NULL;

		if ((rc = ledger_open(path, 1, &remote, &err)) != FC_OK)
			goto out;
		ledger_free(remote);
	}
	memset(&to, 0, sizeof(to));
	to.url = path;
	to.dir = c->dir;
	{
		char *refs[] = { "refs/heads/main" };

		if ((rc = transport_push(k.a->ledger_path, &to, refs, 1, &err)) != FC_OK)
			goto out;
	}
	fprintf(stderr, "county repository %s made for county %s; staff data directory %s\n", path,
		code, c->dir);
out:
	if (rc != FC_OK)
		fprintf(stderr, "fieldcard init-county: %s\n", err.msg);
	files_free(&f);
	buf_free(&line);
	buf_free(&msg);
	if (opened)
		county_close(&k);
	return rc == FC_OK ? 0 : fc_err_exit_code(rc);
}

/* ---- enroll ---- */

static int usage_enroll(void)
{
	fprintf(stderr, "usage: fieldcard enroll PUBKEY-FILE --principal P --role cadre|secretary|county --village CODE[,CODE...]\n");
	return 2;
}

int cmd_enroll(const cli_ctx *c, int argc, char **argv)
{
	const char *pubfile = NULL, *principal = NULL, *role = NULL, *villages = NULL;
	char *pub = NULL, **vs = NULL, **push = NULL;
	size_t publen = 0, nv, np = 0;
	unsigned char pk[32];
	county k;
	fc_err err;
	fc_buf signers = FC_BUF_INIT, roster = FC_BUF_INIT, msg = FC_BUF_INIT, line = FC_BUF_INIT;
	ledger_oid main_c, main_tree, tree, commit;
	transport_opts to;
	ledger_change ch[2];
	int rc, opened = 0;

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
	if ((rc = util_read_file(pubfile, &pub, &publen, &err)) != FC_OK)
		goto out;
	while (publen && (pub[publen - 1] == '\n' || pub[publen - 1] == '\r'))
		pub[--publen] = '\0';
	if ((rc = sig_pubkey_parse(pub, pk, &err)) != FC_OK) {
		fc_err_prefix(&err, "%s: ", pubfile);
		goto out;
	}
	if ((rc = county_open(c->dir, &k, &err)) != FC_OK)
		goto out;
	opened = 1;
	memset(&to, 0, sizeof(to));
	to.url = k.remote;
	to.dir = c->dir;
	{
		/* The county's data directory fetches everything. */
		char *specs[] = { "+refs/heads/main:refs/remotes/county/main",
				  "+refs/heads/villages/*:refs/remotes/county/villages/*" };

		if ((rc = transport_fetch(k.a->ledger_path, &to, specs, 2, &err)) != FC_OK)
			goto out;
	}
	rc = ledger_ref_get(k.l, "refs/remotes/county/main", &main_c, &err);
	if (rc == FC_ENOTFOUND)
		rc = ledger_ref_get(k.l, "refs/heads/main", &main_c, &err);
	if (rc != FC_OK)
		goto out;
	if ((rc = ledger_ref_force(k.l, "refs/heads/main", &main_c, "enroll: county main", &err)) != FC_OK ||
	    (rc = ledger_commit_tree(k.l, &main_c, &main_tree, &err)) != FC_OK)
		goto out;
	if ((rc = ledger_read_tree(k.l, &main_tree, LEDGER_SIGNERS_PATH, &signers, &err)) != FC_OK)
		goto out;
	rc = ledger_read_tree(k.l, &main_tree, "keys/roster", &roster, &err);
	if (rc != FC_OK && rc != FC_ENOTFOUND)
		goto out;
	fc_err_clear(&err);
	{
		/* The same key twice is a no-op line-wise; the roster line is
		 * replaced for the principal. */
		char *key_part = strstr(pub, "ssh-ed25519 ");
		size_t klen = key_part ? strcspn(key_part + 12, " ") + 12 : 0;

		if (!key_part || !signers.data || !memmem(signers.data, signers.len, key_part, klen)) {
			if (signers.len && signers.data[signers.len - 1] != '\n')
				buf_addc(&signers, '\n');
			buf_printf(&signers, "%s namespaces=\"git\" %.*s\n", principal, (int)klen,
				   key_part ? key_part : pub);
		}
	}
	{
		char **lines = util_split(roster.data ? roster.data : "", '\n');
		size_t plen = strlen(principal);

		for (size_t i = 0; lines[i]; i++) {
			if (!*lines[i] || (!strncmp(lines[i], principal, plen) && lines[i][plen] == '\t'))
				continue;
			buf_printf(&line, "%s\n", lines[i]);
		}
		buf_printf(&line, "%s\t%s\t%s\n", principal, role, villages);
		util_strv_free(lines);
	}
	ch[0].path = LEDGER_SIGNERS_PATH;
	ch[0].data = signers.data;
	ch[0].len = signers.len;
	ch[1].path = "keys/roster";
	ch[1].data = line.data;
	ch[1].len = line.len;
	buf_printf(&msg, "Enroll %s as %s for %s\n\nKey SHA256 fingerprint in keys/allowed_signers.\n",
		   principal, role, villages);
	ledger_message_trailers(&msg, k.who.principal, k.who.device);
	if ((rc = ledger_tree_update(k.l, &main_tree, ch, 2, &tree, &err)) != FC_OK)
		goto out;
	if (!ledger_oid_equal(&tree, &main_tree)) {
		if ((rc = ledger_commit_write(k.l, &tree, &main_c, 1, &k.who, msg.data, &commit, &err)) != FC_OK ||
		    (rc = ledger_ref_set(k.l, "refs/heads/main", &commit, &main_c, "enroll", &err)) != FC_OK)
			goto out;
		main_c = commit;
	}
	/* keys/ changed: every village ref the county keeps advances, and the
	 * new device's villages get theirs. */
	vs = util_split(villages, ',');
	nv = util_strv_len(vs);
	push = util_calloc(nv + 64, sizeof(*push));
	push[np++] = util_strdup("refs/heads/main");
	{
		char **known = NULL;
		size_t cap = nv + 64;

		if (ledger_refs(k.l, "refs/remotes/county/villages/", &known, NULL) == FC_OK) {
			for (size_t j = 0; known[j]; j++) {
				const char *v = known[j] + strlen("refs/remotes/county/villages/");
				int dup = 0;

				for (size_t i = 0; i < nv && !dup; i++)
					dup = !strcmp(vs[i], v);
				if (!dup) {
					if (np + nv + 1 >= cap) {
						cap *= 2;
						push = util_realloc(push, cap * sizeof(*push));
					}
					push[np++] = util_asprintf("refs/heads/villages/%s", v);
				}
			}
		}
		util_strv_free(known);
		for (size_t i = 0; i < nv; i++)
			push[np++] = util_asprintf("refs/heads/villages/%s", vs[i]);
		push[np] = NULL;
	}
	for (size_t i = 1; i < np; i++)
		if ((rc = county_cut_village(k.l, &k.who, &main_c, push[i] + strlen("refs/heads/villages/"),
					      &err)) != FC_OK)
			goto out;
	if ((rc = transport_push(k.a->ledger_path, &to, push, np, &err)) != FC_OK)
		goto out;
	fprintf(stderr, "enrolled %s (%s) for village(s) %s\n", principal, role, villages);
out:
	if (rc != FC_OK)
		fprintf(stderr, "fieldcard enroll: %s\n", err.msg);
	util_strv_free(vs);
	util_strv_free(push);
	free(pub);
	buf_free(&signers);
	buf_free(&roster);
	buf_free(&msg);
	buf_free(&line);
	if (opened)
		county_close(&k);
	return rc == FC_OK ? 0 : fc_err_exit_code(rc);
}
