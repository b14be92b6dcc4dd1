/* ledger.c — the ledger repository through libgit2 1.5 (see
 * fieldcard/ledger.h): trees written from a base plus changed files, signed
 * commits, compare-and-swap refs, a subtree-skipping diff, and commit
 * verification against allowed_signers.
 *
 * Facts this file relies on (DESIGN.md, "What we know about the
 * dependencies"): git_commit_create_with_signature(..., NULL) stores the
 * signature in the gpgsig header and writes the object only, so refs are
 * moved here; the armored signature must not end in a newline or the object
 * differs from what git writes; git_commit_extract_signature returns exactly
 * the signed payload. libgit2's own tree diff reads every entry of both
 * trees, so ledger_diff walks the trees itself and skips equal subtrees. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fieldcard/ledger.h"
#include "fieldcard/util.h"

struct ledger {
	git_repository *repo;
	char *path;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libgit2(void)
{
	/* Once per process; libgit2 frees its globals at exit on its own terms. */
	git_libgit2_init();
}

int ledger_git_error(fc_err *err, int gerr, const char *what)
{
	const git_error *e = git_error_last();
	int code;

	switch (gerr) {
	case GIT_ENOTFOUND:
		code = FC_ENOTFOUND;
		break;
	case GIT_EEXISTS:
	case GIT_EMODIFIED:
	case GIT_ELOCKED:
		code = FC_ECONFLICT;
		break;
	default:
		code = FC_ERROR;
	}
	return fc_err_set(err, code, "%s: %s", what,
			  e && e->message ? e->message : "libgit2 error");
}

static void short_id(char out[8], const git_oid *oid)
{
	git_oid_tostr(out, 8, oid);
}

/* ---- opening ---- */

int ledger_open(const char *gitdir, int create, ledger **out, fc_err *err)
{
	git_repository *repo = NULL;
	ledger *l;
	int g;

	*out = NULL;
	pthread_once(&init_once, init_libgit2);
	g = git_repository_open_ext(&repo, gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH |
				    GIT_REPOSITORY_OPEN_BARE, NULL);
	if (g == GIT_ENOTFOUND && create) {
		git_repository_init_options o;

		git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
		o.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
		o.initial_head = "main";
		g = git_repository_init_ext(&repo, gitdir, &o);
		if (g < 0)
			return ledger_git_error(err, g, gitdir);
	} else if (g == GIT_ENOTFOUND) {
		return fc_err_set(err, FC_ENOTFOUND,
				  "%s: no ledger repository here (run `fieldcard init`)", gitdir);
	} else if (g < 0) {
		return ledger_git_error(err, g, gitdir);
	}
	l = util_calloc(1, sizeof(*l));
	l->repo = repo;
	l->path = util_strdup(gitdir);
	*out = l;
	return FC_OK;
}

void ledger_free(ledger *l)
{
	if (!l)
		return;
	git_repository_free(l->repo);
	free(l->path);
	free(l);
}

git_repository *ledger_repo(ledger *l)
{
	return l->repo;
}

/* ---- refs ---- */

int ledger_ref_get(ledger *l, const char *ref, git_oid *out, fc_err *err)
{
	git_reference *r = NULL, *res = NULL;
	int g, rc = FC_OK;

	g = git_reference_dwim(&r, l->repo, ref);
	if (g == GIT_ENOTFOUND)
		return fc_err_set(err, FC_ENOTFOUND, "ref %s does not exist", ref);
	if (g < 0)
		return ledger_git_error(err, g, ref);
	g = git_reference_resolve(&res, r);
	if (g == GIT_ENOTFOUND)
		rc = fc_err_set(err, FC_ENOTFOUND, "ref %s does not exist", ref);
	else if (g < 0)
		rc = ledger_git_error(err, g, ref);
	else
		git_oid_cpy(out, git_reference_target(res));
	git_reference_free(res);
	git_reference_free(r);
	return rc;
}

int ledger_ref_set(ledger *l, const char *ref, const git_oid *oid, const git_oid *old,
		   const char *log, fc_err *err)
{
	git_reference *r = NULL;
	char now[GIT_OID_HEXSZ + 1] = "", want[GIT_OID_HEXSZ + 1] = "";
	git_oid cur;
	int g;

	if (old)
		g = git_reference_create_matching(&r, l->repo, ref, oid, 1, old, log);
	else
		g = git_reference_create(&r, l->repo, ref, oid, 0, log);
	git_reference_free(r);
	if (g == 0)
		return FC_OK;
	if (g != GIT_EEXISTS && g != GIT_EMODIFIED && g != GIT_ENOTFOUND && g != GIT_ELOCKED)
		return ledger_git_error(err, g, ref);
	/* Say where it is now, so a person can see what won the race. */
	if (ledger_ref_get(l, ref, &cur, NULL) == FC_OK)
		git_oid_tostr(now, sizeof(now), &cur);
	if (old)
		git_oid_tostr(want, sizeof(want), old);
	return fc_err_set(err, FC_ECONFLICT, "ref %s moved: expected %s, found %s", ref,
			  old ? want : "no ref", now[0] ? now : "no ref");
}

int ledger_ref_force(ledger *l, const char *ref, const git_oid *oid, const char *log,
		     fc_err *err)
{
	git_reference *r = NULL;
	int g = git_reference_create(&r, l->repo, ref, oid, 1, log);

	git_reference_free(r);
	return g < 0 ? ledger_git_error(err, g, ref) : FC_OK;
}

int ledger_ref_delete(ledger *l, const char *ref, fc_err *err)
{
	git_reference *r = NULL;
	int g = git_reference_lookup(&r, l->repo, ref);

	if (g == GIT_ENOTFOUND)
		return fc_err_set(err, FC_ENOTFOUND, "ref %s does not exist", ref);
	if (g == 0)
		g = git_reference_delete(r);
	git_reference_free(r);
	return g < 0 ? ledger_git_error(err, g, ref) : FC_OK;
}

/* ---- trees ---- */

int ledger_commit_tree(ledger *l, const git_oid *commit, git_oid *tree_out, fc_err *err)
{
	git_commit *c = NULL;
	char s[8];
	int g = git_commit_lookup(&c, l->repo, commit);

	if (g < 0) {
		short_id(s, commit);
		return ledger_git_error(err, g, s);
	}
	git_oid_cpy(tree_out, git_commit_tree_id(c));
	git_commit_free(c);
	return FC_OK;
}

/* Look up tree id; NULL stands for the empty tree and gives a NULL tree
 * (git_tree_create_updated takes a NULL baseline), so no empty tree object
 * is ever written just to be read. */
static int tree_or_empty(ledger *l, const git_oid *id, git_tree **out, fc_err *err)
{
	char s[8];
	int g;

	*out = NULL;
	if (!id)
		return FC_OK;
	g = git_tree_lookup(out, l->repo, id);
	if (g < 0) {
		short_id(s, id);
		return ledger_git_error(err, g, s);
	}
	return FC_OK;
}

/* Paths as git and every other checkout can hold them. */
static int path_ok(const char *p)
{
	const char *s = p;

	if (!*p || *p == '/')
		return 0;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.') ||
		    (n == 4 && strncasecmp(s, ".git", 4) == 0))
			return 0;
		if (!e)
			break;
		s = e + 1;
		if (!*s)
			return 0; /* trailing '/' */
	}
	return 1;
}

static int cmp_change_ptr(const void *a, const void *b)
{
	const ledger_change *x = *(const ledger_change *const *)a;
	const ledger_change *y = *(const ledger_change *const *)b;

	return strcmp(x->path, y->path);
}

int ledger_tree_update(ledger *l, const git_oid *base_tree, const ledger_change *changes,
		       size_t n, git_oid *tree_out, fc_err *err)
{
	const ledger_change **sorted = NULL;
	git_tree_update *up = NULL;
	git_tree *base = NULL;
	size_t nup = 0;
	int rc, g;

	rc = tree_or_empty(l, base_tree, &base, err);
	if (rc)
		return rc;
	sorted = util_calloc(n ? n : 1, sizeof(*sorted));
	up = util_calloc(n ? n : 1, sizeof(*up));
	for (size_t i = 0; i < n; i++) {
		if (!changes[i].path || !path_ok(changes[i].path)) {
			rc = fc_err_set(err, FC_EINVALID, "ledger path '%s' is not valid",
					changes[i].path ? changes[i].path : "(null)");
			goto cleanup;
		}
		sorted[i] = &changes[i];
	}
	qsort(sorted, n, sizeof(*sorted), cmp_change_ptr);
	for (size_t i = 0; i < n; i++) {
		const ledger_change *c = sorted[i];

		if (i > 0 && strcmp(sorted[i - 1]->path, c->path) == 0) {
			rc = fc_err_set(err, FC_EINVALID, "ledger path '%s' changed twice in one commit",
					c->path);
			goto cleanup;
		}
		if (!c->data) {
			git_tree_entry *te = NULL;

			/* Removing what is not there is a no-op, not an error. */
			if (!base || git_tree_entry_bypath(&te, base, c->path) != 0)
				continue;
			git_tree_entry_free(te);
			up[nup].action = GIT_TREE_UPDATE_REMOVE;
		} else {
			g = git_blob_create_from_buffer(&up[nup].id, l->repo, c->data, c->len);
			if (g < 0) {
				rc = ledger_git_error(err, g, c->path);
				goto cleanup;
			}
			up[nup].action = GIT_TREE_UPDATE_UPSERT;
			up[nup].filemode = GIT_FILEMODE_BLOB;
		}
		up[nup].path = c->path;
		nup++;
	}
	g = git_tree_create_updated(tree_out, l->repo, base, nup, up);
	if (g < 0)
		rc = ledger_git_error(err, g, "writing the ledger tree");
cleanup:
	free(sorted);
	free(up);
	git_tree_free(base);
	return rc;
}

/* ---- commits ---- */

int ledger_commit_write(ledger *l, const git_oid *tree, const git_oid *parents,
			size_t nparents, const ledger_author *who, const char *message,
			git_oid *out, fc_err *err)
{
	git_signature *sig = NULL;
	git_tree *t = NULL;
	const git_commit **ps = NULL;
	git_buf content = GIT_BUF_INIT;
	fc_buf armored = FC_BUF_INIT, msg = FC_BUF_INIT;
	char *email = NULL, s[8];
	size_t np = 0;
	int rc = FC_OK, g;

	if (!who || !who->principal || !*who->principal || !who->device || !*who->device ||
	    !who->key)
		return fc_err_set(err, FC_EINVALID, "a commit needs a principal, a device and a key");
	email = util_asprintf("%s@%s.fieldcard", who->principal, who->device);
	g = git_signature_new(&sig, who->principal, email, who->time ? who->time : util_now(),
			      who->tz_minutes);
	if (g < 0) {
		rc = ledger_git_error(err, g, "commit author");
		goto cleanup;
	}
	g = git_tree_lookup(&t, l->repo, tree);
	if (g < 0) {
		short_id(s, tree);
		rc = ledger_git_error(err, g, s);
		goto cleanup;
	}
	ps = util_calloc(nparents ? nparents : 1, sizeof(*ps));
	for (; np < nparents; np++) {
		g = git_commit_lookup((git_commit **)&ps[np], l->repo, &parents[np]);
		if (g < 0) {
			short_id(s, &parents[np]);
			rc = ledger_git_error(err, g, s);
			goto cleanup;
		}
	}
	/* git keeps messages newline-terminated; so do we, for identical objects. */
	buf_adds(&msg, message ? message : "");
	if (msg.len == 0 || msg.data[msg.len - 1] != '\n')
		buf_addc(&msg, '\n');
	g = git_commit_create_buffer(&content, l->repo, sig, sig, NULL, msg.data, t, nparents, ps);
	if (g < 0) {
		rc = ledger_git_error(err, g, "commit");
		goto cleanup;
	}
	rc = sig_sign(who->key, "git", content.ptr, content.size, &armored, err);
	if (rc)
		goto cleanup;
	/* sig_sign's armor has no final newline, as gpgsig needs. */
	g = git_commit_create_with_signature(out, l->repo, content.ptr, armored.data, NULL);
	if (g < 0)
		rc = ledger_git_error(err, g, "signed commit");
cleanup:
	for (size_t i = 0; i < np; i++)
		git_commit_free((git_commit *)ps[i]);
	free(ps);
	git_buf_dispose(&content);
	buf_free(&armored);
	buf_free(&msg);
	git_tree_free(t);
	git_signature_free(sig);
	free(email);
	return rc;
}

int ledger_commit_changes(ledger *l, const char *ref, const git_oid *base,
			  const ledger_change *changes, size_t n, const ledger_author *who,
			  const char *message, git_oid *out, fc_err *err)
{
	git_oid base_tree, tree;
	int rc;

	if (base) {
		rc = ledger_commit_tree(l, base, &base_tree, err);
		if (rc)
			return rc;
	}
	rc = ledger_tree_update(l, base ? &base_tree : NULL, changes, n, &tree, err);
	if (rc)
		return rc;
	rc = ledger_commit_write(l, &tree, base, base ? 1 : 0, who, message, out, err);
	if (rc || !ref)
		return rc;
	return ledger_ref_set(l, ref, out, base, "fieldcard: changeset", err);
}

/* ---- messages ---- */

void ledger_message_trailers(fc_buf *out, const char *principal, const char *device)
{
	if (out->len && !(out->len >= 2 && out->data[out->len - 1] == '\n' &&
			  out->data[out->len - 2] == '\n')) {
		if (out->data[out->len - 1] != '\n')
			buf_addc(out, '\n');
		buf_addc(out, '\n');
	}
	buf_printf(out, "Fieldcard-Principal: %s\nFieldcard-Device: %s\n", principal, device);
}

void ledger_message_changeset(fc_buf *out, const char *principal, const char *device,
			      const char *const *households, size_t nhouseholds,
			      size_t nrecords, size_t nfields)
{
	/* The subject fits `git log --oneline`; the body names the households
	 * (up to a screenful) so a reviewer sees the reach of a changeset. */
	const size_t shown = 20;

	buf_printf(out, "%s: %zu field%s in %zu record%s of %zu household%s\n", principal,
		   nfields, nfields == 1 ? "" : "s", nrecords, nrecords == 1 ? "" : "s",
		   nhouseholds, nhouseholds == 1 ? "" : "s");
	if (nhouseholds) {
		buf_adds(out, "\nHouseholds:");
		for (size_t i = 0; i < nhouseholds && i < shown; i++)
			buf_printf(out, " %s", households[i]);
		if (nhouseholds > shown)
			buf_printf(out, " (and %zu more)", nhouseholds - shown);
		buf_addc(out, '\n');
	}
	ledger_message_trailers(out, principal, device);
}

int ledger_message_trailer(const char *message, const char *key, fc_buf *out)
{
	git_message_trailer_array arr = { 0 };
	int rc = FC_ENOTFOUND;

	if (git_message_trailers(&arr, message) < 0)
		return FC_ENOTFOUND;
	for (size_t i = 0; i < arr.count; i++) {
		if (strcmp(arr.trailers[i].key, key) == 0) {
			buf_reset(out);
			buf_adds(out, arr.trailers[i].value);
			rc = FC_OK;
			break;
		}
	}
	git_message_trailer_array_free(&arr);
	return rc;
}

int ledger_commit_message(ledger *l, const git_oid *commit, fc_buf *out, fc_err *err)
{
	git_commit *c = NULL;
	char s[8];
	int g = git_commit_lookup(&c, l->repo, commit);

	if (g < 0) {
		short_id(s, commit);
		return ledger_git_error(err, g, s);
	}
	buf_adds(out, git_commit_message(c));
	git_commit_free(c);
	return FC_OK;
}

/* ---- reading ---- */

int ledger_read_blob(ledger *l, const git_oid *blob, const char *what, fc_buf *out, fc_err *err)
{
	git_blob *b = NULL;
	int g = git_blob_lookup(&b, l->repo, blob);

	if (g < 0)
		return ledger_git_error(err, g, what);
	buf_add(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	return FC_OK;
}

int ledger_read_tree(ledger *l, const git_oid *tree, const char *path, fc_buf *out,
		     fc_err *err)
{
	git_tree *t = NULL;
	git_tree_entry *te = NULL;
	git_blob *b = NULL;
	int rc = FC_OK, g;

	rc = tree_or_empty(l, tree, &t, err);
	if (rc)
		return rc;
	g = t ? git_tree_entry_bypath(&te, t, path) : GIT_ENOTFOUND;
	if (g == GIT_ENOTFOUND || (g == 0 && git_tree_entry_type(te) != GIT_OBJECT_BLOB)) {
		rc = fc_err_set(err, FC_ENOTFOUND, "%s: no such file in the ledger", path);
		goto cleanup;
	}
	if (g < 0) {
		rc = ledger_git_error(err, g, path);
		goto cleanup;
	}
	g = git_blob_lookup(&b, l->repo, git_tree_entry_id(te));
	if (g < 0) {
		rc = ledger_git_error(err, g, path);
		goto cleanup;
	}
	buf_add(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
cleanup:
	git_blob_free(b);
	git_tree_entry_free(te);
	git_tree_free(t);
	return rc;
}

int ledger_read(ledger *l, const char *rev, const char *path, fc_buf *out, fc_err *err)
{
	git_object *o = NULL, *t = NULL;
	int rc, g;

	g = git_revparse_single(&o, l->repo, rev);
	if (g == GIT_ENOTFOUND)
		return fc_err_set(err, FC_ENOTFOUND, "%s: no such revision in the ledger", rev);
	if (g < 0)
		return ledger_git_error(err, g, rev);
	g = git_object_peel(&t, o, GIT_OBJECT_TREE);
	if (g < 0) {
		rc = ledger_git_error(err, g, rev);
		goto cleanup;
	}
	rc = ledger_read_tree(l, git_object_id(t), path, out, err);
	if (rc)
		fc_err_prefix(err, "%s:", rev);
cleanup:
	git_object_free(t);
	git_object_free(o);
	return rc;
}

struct walk {
	ledger *l;
	fc_buf path;
	ledger_file_cb cb;
	void *payload;
	fc_err *err;
};

/* Depth-first through tree in git order; path holds the tree's own path. */
static int walk_tree(struct walk *w, const git_tree *tree)
{
	size_t n = git_tree_entrycount(tree), keep = w->path.len;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		git_object *o = NULL;
		git_object_t type = git_tree_entry_type(e);
		int g;

		if (type != GIT_OBJECT_TREE && type != GIT_OBJECT_BLOB)
			continue; /* gitlinks never hold records */
		if (w->path.len)
			buf_addc(&w->path, '/');
		buf_adds(&w->path, git_tree_entry_name(e));
		g = git_tree_entry_to_object(&o, w->l->repo, e);
		if (g < 0) {
			rc = ledger_git_error(w->err, g, w->path.data);
		} else if (type == GIT_OBJECT_TREE) {
			rc = walk_tree(w, (git_tree *)o);
		} else {
			const git_blob *b = (git_blob *)o;

			rc = w->cb(w->path.data, git_tree_entry_id(e), git_blob_rawcontent(b),
				   (size_t)git_blob_rawsize(b), w->payload);
		}
		git_object_free(o);
		w->path.len = keep;
		w->path.data[keep] = '\0';
	}
	return rc;
}

int ledger_foreach(ledger *l, const git_oid *tree, const char *prefix, ledger_file_cb cb,
		   void *payload, fc_err *err)
{
	struct walk w = { l, FC_BUF_INIT, cb, payload, err };
	git_tree *root = NULL, *sub = NULL;
	git_tree_entry *te = NULL;
	int rc, g;

	rc = tree_or_empty(l, tree, &root, err);
	if (rc)
		return rc;
	if (!root)
		goto cleanup; /* the empty tree holds no files */
	if (!prefix || !*prefix) {
		rc = walk_tree(&w, root);
		goto cleanup;
	}
	g = git_tree_entry_bypath(&te, root, prefix);
	if (g == GIT_ENOTFOUND) {
		rc = 0;
		goto cleanup;
	}
	if (g < 0) {
		rc = ledger_git_error(err, g, prefix);
		goto cleanup;
	}
	buf_adds(&w.path, prefix);
	while (w.path.len && w.path.data[w.path.len - 1] == '/')
		w.path.data[--w.path.len] = '\0';
	if (git_tree_entry_type(te) == GIT_OBJECT_TREE) {
		g = git_tree_lookup(&sub, l->repo, git_tree_entry_id(te));
		rc = g < 0 ? ledger_git_error(err, g, prefix) : walk_tree(&w, sub);
	} else if (git_tree_entry_type(te) == GIT_OBJECT_BLOB) {
		git_blob *b = NULL;

		g = git_blob_lookup(&b, l->repo, git_tree_entry_id(te));
		rc = g < 0 ? ledger_git_error(err, g, prefix)
			   : cb(w.path.data, git_tree_entry_id(te), git_blob_rawcontent(b),
				(size_t)git_blob_rawsize(b), payload);
		git_blob_free(b);
	}
cleanup:
	git_tree_free(sub);
	git_tree_entry_free(te);
	git_tree_free(root);
	buf_free(&w.path);
	return rc;
}

/* ---- diff ---- */

struct diff {
	ledger *l;
	fc_buf path;
	ledger_diff_cb cb;
	void *payload;
	fc_err *err;
};

static int is_tree(const git_tree_entry *e)
{
	return git_tree_entry_type(e) == GIT_OBJECT_TREE;
}

/* git's tree order: names compared bytewise, a tree's name as if it ended
 * in '/'. */
static int entry_cmp(const git_tree_entry *a, const git_tree_entry *b)
{
	const char *na = git_tree_entry_name(a), *nb = git_tree_entry_name(b);
	size_t la = strlen(na), lb = strlen(nb), m = la < lb ? la : lb;
	int c = memcmp(na, nb, m);
	unsigned char ca, cb;

	if (c)
		return c;
	ca = la > m ? (unsigned char)na[m] : is_tree(a) ? '/' : 0;
	cb = lb > m ? (unsigned char)nb[m] : is_tree(b) ? '/' : 0;
	return (int)ca - (int)cb;
}

static int diff_trees(struct diff *d, const git_tree *a, const git_tree *b);

/* One side of a path only: every file under it is added or removed. */
static int diff_entry(struct diff *d, const git_tree_entry *old, const git_tree_entry *new)
{
	const git_tree_entry *e = old ? old : new;
	size_t keep = d->path.len;
	int rc = 0;

	if (git_tree_entry_type(e) != GIT_OBJECT_TREE && git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	if (d->path.len)
		buf_addc(&d->path, '/');
	buf_adds(&d->path, git_tree_entry_name(e));
	if (is_tree(e)) {
		git_tree *ta = NULL, *tb = NULL;
		int g = 0;

		if (old)
			g = git_tree_lookup(&ta, d->l->repo, git_tree_entry_id(old));
		if (g == 0 && new)
			g = git_tree_lookup(&tb, d->l->repo, git_tree_entry_id(new));
		rc = g < 0 ? ledger_git_error(d->err, g, d->path.data) : diff_trees(d, ta, tb);
		git_tree_free(ta);
		git_tree_free(tb);
	} else {
		ledger_delta delta;

		memset(&delta, 0, sizeof(delta));
		delta.path = d->path.data;
		if (old) {
			git_oid_cpy(&delta.old_blob, git_tree_entry_id(old));
			delta.has_old = 1;
		}
		if (new) {
			git_oid_cpy(&delta.new_blob, git_tree_entry_id(new));
			delta.has_new = 1;
		}
		rc = d->cb(&delta, d->payload);
	}
	d->path.len = keep;
	d->path.data[keep] = '\0';
	return rc;
}

static int diff_trees(struct diff *d, const git_tree *a, const git_tree *b)
{
	size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0;
	size_t i = 0, j = 0;
	int rc = 0;

	while (rc == 0 && (i < na || j < nb)) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
		int c = !ea ? 1 : !eb ? -1 : entry_cmp(ea, eb);

		if (c < 0) {
			rc = diff_entry(d, ea, NULL);
			i++;
		} else if (c > 0) {
			rc = diff_entry(d, NULL, eb);
			j++;
		} else {
			/* Same id, same mode: nothing below differs; skip unread. */
			if (!git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)) ||
			    git_tree_entry_filemode(ea) != git_tree_entry_filemode(eb))
				rc = diff_entry(d, ea, eb);
			i++;
			j++;
		}
	}
	return rc;
}

int ledger_diff(ledger *l, const git_oid *base_tree, const git_oid *new_tree,
		ledger_diff_cb cb, void *payload, fc_err *err)
{
	struct diff d = { l, FC_BUF_INIT, cb, payload, err };
	git_tree *a = NULL, *b = NULL;
	char s[8];
	int rc = 0, g;

	if (base_tree && new_tree && git_oid_equal(base_tree, new_tree))
		return 0;
	if (base_tree && (g = git_tree_lookup(&a, l->repo, base_tree)) < 0) {
		short_id(s, base_tree);
		return ledger_git_error(err, g, s);
	}
	if (new_tree && (g = git_tree_lookup(&b, l->repo, new_tree)) < 0) {
		short_id(s, new_tree);
		rc = ledger_git_error(err, g, s);
		goto cleanup;
	}
	buf_adds(&d.path, "");
	rc = diff_trees(&d, a, b);
cleanup:
	git_tree_free(a);
	git_tree_free(b);
	buf_free(&d.path);
	return rc;
}

/* ---- verification ---- */

int ledger_signers_from_tree(ledger *l, const git_oid *tree, sig_signers *out, fc_err *err)
{
	fc_buf text = FC_BUF_INIT;
	char s[8], *where;
	int rc;

	out->v = NULL;
	out->n = 0;
	rc = ledger_read_tree(l, tree, LEDGER_SIGNERS_PATH, &text, err);
	if (rc) {
		buf_free(&text);
		return rc;
	}
	short_id(s, tree);
	where = util_asprintf("%s at %s", LEDGER_SIGNERS_PATH, s);
	rc = sig_signers_parse(text.data ? text.data : "", text.len, where, out, err);
	free(where);
	buf_free(&text);
	return rc;
}

static void fmt_time(char out[32], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int ledger_verify_commit(ledger *l, const git_oid *commit, const sig_signers *signers,
			 const git_oid *signers_tree, ledger_signed_by *by, fc_err *err)
{
	git_commit *c = NULL;
	git_buf sigbuf = GIT_BUF_INIT, data = GIT_BUF_INIT;
	sig_signers own = { NULL, 0 };
	fc_buf claimed = FC_BUF_INIT, fp = FC_BUF_INIT;
	const sig_signer *holder = NULL, *match = NULL;
	unsigned char pk[32];
	char s[8], when[32];
	long long t;
	fc_err e2;
	int rc = FC_OK, g;

	short_id(s, commit);
	g = git_commit_lookup(&c, l->repo, commit);
	if (g < 0)
		return ledger_git_error(err, g, s);
	if (!signers) {
		if (!signers_tree) {
			rc = fc_err_set(err, FC_EINVALID,
					"commit %s: no allowed signers to check it against", s);
			goto cleanup;
		}
		rc = ledger_signers_from_tree(l, signers_tree, &own, err);
		if (rc) {
			fc_err_prefix(err, "commit %s: cannot check the signature: ", s);
			goto cleanup;
		}
		signers = &own;
	}
	g = git_commit_extract_signature(&sigbuf, &data, l->repo, (git_oid *)commit, NULL);
	if (g == GIT_ENOTFOUND) {
		rc = fc_err_set(err, FC_ECONFLICT, "commit %s: unsigned", s);
		goto cleanup;
	}
	if (g < 0) {
		rc = ledger_git_error(err, g, s);
		goto cleanup;
	}
	if (sig_verify(sigbuf.ptr, sigbuf.size, "git", data.ptr, data.size, pk, &e2) != FC_OK) {
		rc = fc_err_set(err, FC_ECONFLICT, "commit %s: %s", s, e2.msg);
		goto cleanup;
	}
	sig_fingerprint(pk, &fp);
	for (size_t i = 0; i < signers->n && !holder; i++)
		if (memcmp(signers->v[i].pk, pk, 32) == 0)
			holder = &signers->v[i];
	if (!holder) {
		rc = fc_err_set(err, FC_ECONFLICT,
				"commit %s: signed by an unknown key %s (not in %s)", s, fp.data,
				LEDGER_SIGNERS_PATH);
		goto cleanup;
	}
	if (ledger_message_trailer(git_commit_message(c), "Fieldcard-Principal", &claimed) != FC_OK) {
		rc = fc_err_set(err, FC_ECONFLICT, "commit %s: no Fieldcard-Principal trailer", s);
		goto cleanup;
	}
	t = (long long)git_commit_time(c);
	fmt_time(when, t);
	for (size_t i = 0; i < signers->n; i++) {
		const sig_signer *x = &signers->v[i];
		sig_signers one = { (sig_signer *)x, 1 };
		const char *why = NULL;

		if (memcmp(x->pk, pk, 32) != 0 || strcmp(x->principal, claimed.data) != 0)
			continue;
		if (sig_signers_find(&one, pk, t, &why)) {
			match = x;
			break;
		}
		rc = fc_err_set(err, FC_ECONFLICT, "commit %s: key of %s: %s (commit time %s)", s,
				x->principal, why ? why : "key not valid", when);
	}
	if (!match) {
		if (rc == FC_OK)
			rc = fc_err_set(err, FC_ECONFLICT,
					"commit %s: signed with the key of %s, but names principal %s",
					s, holder->principal, claimed.data);
		goto cleanup;
	}
	if (by) {
		memset(by, 0, sizeof(*by));
		snprintf(by->principal, sizeof(by->principal), "%s", match->principal);
		memcpy(by->pk, pk, 32);
		by->time = t;
	}
	rc = FC_OK;
cleanup:
	git_buf_dispose(&sigbuf);
	git_buf_dispose(&data);
	sig_signers_free(&own);
	buf_free(&claimed);
	buf_free(&fp);
	git_commit_free(c);
	return rc;
}

/* ---- where records live ---- */

/* One shard folder name: a character of the id, or '_' for one that is not
 * a letter or digit (or is missing), so any id gives a safe path. */
static char shard_char(const char *id, size_t from_end)
{
	size_t n = strlen(id);
	char c;

	if (n < from_end)
		return '_';
	c = id[n - from_end];
	return ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) ? c : '_';
}

char *ledger_household_dir(const char *village, const char *household)
{
	return util_asprintf("villages/%s/%c/%c/%s", village, shard_char(household, 2),
			     shard_char(household, 1), household);
}

char *ledger_record_path(ledger_path_kind kind, const char *village, const char *household,
			 const char *id)
{
	char *dir, *out = NULL;

	if (!village || !*village || !household || !*household)
		return NULL;
	if (kind != LEDGER_PATH_HOUSEHOLD && kind != LEDGER_PATH_CONFLICTS && (!id || !*id))
		return NULL;
	dir = ledger_household_dir(village, household);
	switch (kind) {
	case LEDGER_PATH_HOUSEHOLD: out = util_asprintf("%s/household", dir); break;
	case LEDGER_PATH_MEMBER: out = util_asprintf("%s/members/%s", dir, id); break;
	case LEDGER_PATH_VISIT: out = util_asprintf("%s/visits/%s", dir, id); break;
	case LEDGER_PATH_CONFLICTS: out = util_asprintf("%s/conflicts", dir); break;
	default: break;
	}
	free(dir);
	return out;
}

ledger_path_kind ledger_path_parse(const char *path, ledger_path *out)
{
	char **p = util_split_all(path, '/');
	size_t n = util_strv_len(p);
	ledger_path_kind kind = LEDGER_PATH_NONE;

	memset(out, 0, sizeof(*out));
	if ((n != 6 && n != 7) || strcmp(p[0], "villages") || !*p[1] || strlen(p[1]) >= sizeof(out->village) ||
	    !*p[4] || strlen(p[4]) >= sizeof(out->household) || strlen(p[2]) != 1 || strlen(p[3]) != 1 ||
	    p[2][0] != shard_char(p[4], 2) || p[3][0] != shard_char(p[4], 1))
		goto out;
	if (n == 6 && !strcmp(p[5], "household")) {
		kind = LEDGER_PATH_HOUSEHOLD;
		snprintf(out->id, sizeof(out->id), "%s", p[4]);
	} else if (n == 6 && !strcmp(p[5], "conflicts")) {
		kind = LEDGER_PATH_CONFLICTS;
	} else if (n == 7 && *p[6] && strlen(p[6]) < sizeof(out->id) &&
		   (!strcmp(p[5], "members") || !strcmp(p[5], "visits"))) {
		kind = !strcmp(p[5], "members") ? LEDGER_PATH_MEMBER : LEDGER_PATH_VISIT;
		snprintf(out->id, sizeof(out->id), "%s", p[6]);
	}
	if (kind != LEDGER_PATH_NONE) {
		snprintf(out->village, sizeof(out->village), "%s", p[1]);
		snprintf(out->household, sizeof(out->household), "%s", p[4]);
	}
out:
	util_strv_free(p);
	out->kind = kind;
	return kind;
}

const char *ledger_path_record_kind(ledger_path_kind kind)
{
	switch (kind) {
	case LEDGER_PATH_HOUSEHOLD: return "household";
	case LEDGER_PATH_MEMBER: return "member";
	case LEDGER_PATH_VISIT: return "visit";
	default: return NULL;
	}
}
