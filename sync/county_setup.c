/* county_setup.c — making a county (county.h): the county repository with
 * the county staff's data directory (`init-county`), and a device's
 * enrolment (`enroll`). The commands in app/cli only parse their arguments
 * and print; `demo` calls the same functions.
 *
 * The county repository is plain bare git. Its first commit on main holds
 * the shipped forms (forms/...), keys/allowed_signers with the county key,
 * and keys/roster, signed by the county key. Every commit is made in the
 * county staff's own ledger (DIR/ledger.git) and pushed, so the county
 * repository may sit on a share, a stick or a server. Enrolling adds a key
 * on main and advances villages/<code> with county_cut_village, as a merge
 * does. Keys, settings and the roster are the identity module's. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fieldcard/county.h"
#include "fieldcard/identity.h"
#include "fieldcard/util.h"

/* ---- init-county ---- */

typedef struct files {
	ledger_change *v;
	char **paths;
	char **data;
	size_t n, cap;
} files;

/* Takes data (freed by files_free). */
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

/* The first commit of main in the staff's ledger: forms, the county key,
 * the roster. */
static int first_commit(fc_app *a, const identity *id, const char *code, const char *forms_dir,
			fc_err *err)
{
	files f = { NULL, NULL, NULL, 0, 0 };
	fc_buf line = FC_BUF_INIT, msg = FC_BUF_INIT;
	ledger *l = NULL;
	ledger_oid tree, commit;
	size_t len;
	int rc;

	if ((rc = add_dir(&f, forms_dir ? forms_dir : app_shipped_forms(), "", err)) != FC_OK)
		goto out;
	buf_printf(&line, "%s namespaces=\"git\" ", id->principal);
	sig_pubkey_line(&id->key, &line);
	buf_addc(&line, '\n');
	len = line.len;
	files_add(&f, LEDGER_SIGNERS_PATH, buf_detach(&line), len);
	buf_printf(&line, "# principal\trole\tvillages (* = all)\n%s\tcounty\t*\n", id->principal);
	len = line.len;
	files_add(&f, IDENTITY_ROSTER_PATH, buf_detach(&line), len);
	buf_printf(&msg, "County %s: repository started by %s\n\nShipped forms and rules, the county key.\n",
		   code, id->principal);
	ledger_message_trailers(&msg, id->principal, id->device);
	if ((rc = ledger_open(a->ledger_path, 1, &l, err)) != FC_OK ||
	    (rc = ledger_tree_update(l, NULL, f.v, f.n, &tree, err)) != FC_OK ||
	    (rc = ledger_commit_write(l, &tree, NULL, 0, &id->who, msg.data, &commit, err)) != FC_OK)
		goto out;
	rc = ledger_ref_force(l, "refs/heads/main", &commit, "init-county", err);
out:
	ledger_free(l);
	files_free(&f);
	buf_free(&line);
	buf_free(&msg);
	return rc;
}

int county_init_repo(const char *dir, const char *path, const char *name, const char *code,
		     const char *forms_dir, fc_buf *line, fc_err *err)
{
	identity_init_opts o = { "county", name, "", path, NULL, NULL };
	identity id;
	fc_app *a = NULL;
	ledger *remote = NULL;
	transport_opts to;
	char *refs[] = { "refs/heads/main" };
	int rc, opened = 0;

	if (util_file_exists(path))
		return fc_err_set(err, FC_EINVALID, "%s already exists; nothing was changed", path);
	if ((rc = identity_init_device(dir, &o, line, err)) != FC_OK ||
	    (rc = app_open(dir, &a, err)) != FC_OK ||
	    (rc = identity_open(a, IDENTITY_KEY | IDENTITY_COUNTY | IDENTITY_REMOTE, NULL, &id,
				err)) != FC_OK)
		goto out;
	opened = 1;
	if ((rc = store_meta_set(a->st, "county", code, err)) != FC_OK ||
	    (rc = first_commit(a, &id, code, forms_dir, err)) != FC_OK)
		goto out;
	/* A plain bare repository, HEAD on main, that stock git reads. */
	if ((rc = ledger_open(path, 1, &remote, err)) != FC_OK)
		goto out;
	ledger_free(remote);
	if ((rc = identity_transport(&id, NULL, &to, err)) == FC_OK)
		rc = transport_push(a->ledger_path, &to, refs, 1, err);
out:
	if (opened)
		identity_close(&id);
	app_close(a);
	return rc;
}

/* ---- enroll ---- */

/* keys/allowed_signers with the device's key line (the same key twice is
 * one line), into signers (which holds the current text). */
static void add_signer(fc_buf *signers, const char *principal, const char *pub)
{
	const char *key_part = strstr(pub, "ssh-ed25519 ");
	size_t klen = key_part ? strcspn(key_part + 12, " ") + 12 : 0;

	if (key_part && signers->data && memmem(signers->data, signers->len, key_part, klen))
		return;
	if (signers->len && signers->data[signers->len - 1] != '\n')
		buf_addc(signers, '\n');
	buf_printf(signers, "%s namespaces=\"git\" %.*s\n", principal, (int)klen,
		   key_part ? key_part : pub);
}

/* The public key line of pubfile (no newline), checked. Caller frees. */
static int read_pubkey(const char *pubfile, char **out, fc_err *err)
{
	unsigned char pk[32];
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = util_read_file(pubfile, out, &len, err)) != FC_OK)
		return rc;
	while (len && ((*out)[len - 1] == '\n' || (*out)[len - 1] == '\r'))
		(*out)[--len] = '\0';
	if ((rc = sig_pubkey_parse(*out, pk, err)) != FC_OK) {
		fc_err_prefix(err, "%s: ", pubfile);
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* The county's main as the county repository has it, in the staff ledger. */
static int fetch_main(fc_app *a, const identity *id, ledger *l, ledger_oid *main_c, fc_err *err)
{
	/* The county's data directory fetches everything. */
	char *specs[] = { "+refs/heads/main:refs/remotes/county/main",
			  "+refs/heads/villages/*:refs/remotes/county/villages/*" };
	transport_opts to;
	int rc;

	if ((rc = identity_transport(id, NULL, &to, err)) != FC_OK ||
	    (rc = transport_fetch(a->ledger_path, &to, specs, 2, err)) != FC_OK)
		return rc;
	rc = ledger_ref_get(l, "refs/remotes/county/main", main_c, err);
	if (rc == FC_ENOTFOUND)
		rc = ledger_ref_get(l, "refs/heads/main", main_c, err);
	if (rc != FC_OK)
		return rc;
	return ledger_ref_force(l, "refs/heads/main", main_c, "enroll: county main", err);
}

/* Cut every village the roster names (keys/ changed) and push them with
 * main. */
static int cut_and_push(fc_app *a, const identity *id, ledger *l, const ledger_oid *main_c,
			const char *roster, fc_err *err)
{
	char **vs = identity_roster_villages(roster);
	size_t nv = util_strv_len(vs), np = 0;
	char **push = util_calloc(nv + 2, sizeof(*push));
	transport_opts to;
	int rc = FC_OK;

	push[np++] = util_strdup("refs/heads/main");
	for (size_t i = 0; i < nv && rc == FC_OK; i++) {
		push[np++] = util_asprintf("refs/heads/villages/%s", vs[i]);
		rc = county_cut_village(l, &id->who, main_c, vs[i], err);
	}
	if (rc == FC_OK && (rc = identity_transport(id, NULL, &to, err)) == FC_OK)
		rc = transport_push(a->ledger_path, &to, push, np, err);
	util_strv_free(vs);
	util_strv_free(push);
	return rc;
}

int county_enroll(fc_app *a, const char *pubkey_file, const char *principal, const char *role,
		  const char *villages, fc_err *err)
{
	char *pub = NULL;
	identity id;
	ledger *l = NULL;
	fc_buf signers = FC_BUF_INIT, roster = FC_BUF_INIT, msg = FC_BUF_INIT, line = FC_BUF_INIT;
	ledger_oid main_c, main_tree, tree, commit;
	ledger_change ch[2];
	int rc, opened = 0;

	if ((rc = read_pubkey(pubkey_file, &pub, err)) != FC_OK ||
	    (rc = identity_open(a, IDENTITY_KEY | IDENTITY_COUNTY | IDENTITY_REMOTE, NULL, &id,
				err)) != FC_OK)
		goto out;
	opened = 1;
	if ((rc = ledger_open(a->ledger_path, 1, &l, err)) != FC_OK ||
	    (rc = fetch_main(a, &id, l, &main_c, err)) != FC_OK ||
	    (rc = ledger_commit_tree(l, &main_c, &main_tree, err)) != FC_OK ||
	    (rc = ledger_read_tree(l, &main_tree, LEDGER_SIGNERS_PATH, &signers, err)) != FC_OK)
		goto out;
	rc = ledger_read_tree(l, &main_tree, IDENTITY_ROSTER_PATH, &roster, err);
	if (rc != FC_OK && rc != FC_ENOTFOUND)
		goto out;
	fc_err_clear(err);
	add_signer(&signers, principal, pub);
	identity_roster_put(buf_cstr(&roster), principal, role, villages, &line);
	ch[0].path = LEDGER_SIGNERS_PATH;
	ch[0].data = signers.data;
	ch[0].len = signers.len;
	ch[1].path = IDENTITY_ROSTER_PATH;
	ch[1].data = line.data;
	ch[1].len = line.len;
	buf_printf(&msg, "Enroll %s as %s for %s\n\nKey SHA256 fingerprint in keys/allowed_signers.\n",
		   principal, role, villages);
	ledger_message_trailers(&msg, id.who.principal, id.who.device);
	if ((rc = ledger_tree_update(l, &main_tree, ch, 2, &tree, err)) != FC_OK)
		goto out;
	/* Enrolling the same key and line again changes nothing. */
	if (memcmp(&tree, &main_tree, sizeof(tree)) != 0) {
		if ((rc = ledger_commit_write(l, &tree, &main_c, 1, &id.who, msg.data, &commit,
					      err)) != FC_OK ||
		    (rc = ledger_ref_set(l, "refs/heads/main", &commit, &main_c, "enroll", err)) != FC_OK)
			goto out;
		main_c = commit;
	}
	rc = cut_and_push(a, &id, l, &main_c, buf_cstr(&line), err);
out:
	if (opened)
		identity_close(&id);
	ledger_free(l);
	free(pub);
	buf_free(&signers);
	buf_free(&roster);
	buf_free(&msg);
	buf_free(&line);
	return rc;
}
