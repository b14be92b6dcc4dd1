/* ledger_tree.c — trees of the ledger (fieldcard/ledger.h): looking into
 * them, writing them (from a base plus changed files, or from the subtrees
 * of other trees), reading files, walking every file, and the diff.
 *
 * libgit2's own tree diff reads every entry of both trees, so ledger_diff
 * walks the trees itself and skips equal subtrees unread: a county merge
 * or a device sync costs what changed, not what the county holds. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ledger_int.h"
#include "fieldcard/util.h"

int ledger_tree_or_empty(ledger *l, const ledger_oid *id, git_tree **out, fc_err *err)
{
	char s[LEDGER_OID_SHORT];
	int g;

	*out = NULL;
	if (!id)
		return FC_OK;
	g = git_tree_lookup(out, l->repo, goid(id));
	if (g < 0) {
		ledger_short_id(s, id);
		return ledger_git_error(err, g, s);
	}
	return FC_OK;
}

/* ---- looking into a tree ---- */

static ledger_kind kind_of(git_object_t t)
{
	return t == GIT_OBJECT_BLOB ? LEDGER_KIND_BLOB
	       : t == GIT_OBJECT_TREE ? LEDGER_KIND_TREE : LEDGER_KIND_OTHER;
}

static void entry_fill(const git_tree_entry *e, const char *name, ledger_entry *out)
{
	out->name = name;
	git_oid_cpy(goid_out(&out->id), git_tree_entry_id(e));
	out->kind = kind_of(git_tree_entry_type(e));
}

int ledger_tree_lookup(ledger *l, const ledger_oid *id, ledger_tree **out, fc_err *err)
{
	git_tree *t = NULL;
	char s[LEDGER_OID_SHORT];
	int g = git_tree_lookup(&t, l->repo, goid(id));

	*out = NULL;
	if (g < 0) {
		ledger_short_id(s, id);
		return ledger_git_error(err, g, s);
	}
	*out = (ledger_tree *)(void *)t;
	return FC_OK;
}

void ledger_tree_free(ledger_tree *t)
{
	git_tree_free((git_tree *)(void *)t);
}

const ledger_oid *ledger_tree_id(const ledger_tree *t)
{
	return loid(git_tree_id(gtree(t)));
}

size_t ledger_tree_count(const ledger_tree *t)
{
	return git_tree_entrycount(gtree(t));
}

int ledger_tree_at(const ledger_tree *t, size_t i, ledger_entry *out)
{
	const git_tree_entry *e = git_tree_entry_byindex(gtree(t), i);

	if (!e)
		return FC_ENOTFOUND;
	entry_fill(e, git_tree_entry_name(e), out);
	return FC_OK;
}

int ledger_tree_byname(const ledger_tree *t, const char *name, ledger_entry *out)
{
	const git_tree_entry *e = git_tree_entry_byname(gtree(t), name);

	if (!e)
		return FC_ENOTFOUND;
	entry_fill(e, git_tree_entry_name(e), out);
	return FC_OK;
}

int ledger_tree_bypath(const ledger_tree *t, const char *path, ledger_entry *out)
{
	git_tree_entry *e = NULL;
	const char *slash = strrchr(path, '/');
	int g = git_tree_entry_bypath(&e, gtree(t), path);

	if (g == GIT_ENOTFOUND)
		return FC_ENOTFOUND;
	if (g < 0)
		return FC_ERROR;
	/* The entry is a copy libgit2 made for us: its name dies with it. */
	entry_fill(e, slash ? slash + 1 : path, out);
	git_tree_entry_free(e);
	return FC_OK;
}

int ledger_find(ledger *l, const ledger_oid *tree, const char *path, ledger_entry *out,
		fc_err *err)
{
	git_tree *t = NULL;
	int rc = ledger_tree_or_empty(l, tree, &t, err);

	if (rc)
		return rc;
	rc = t ? ledger_tree_bypath((ledger_tree *)(void *)t, path, out) : FC_ENOTFOUND;
	if (rc == FC_ENOTFOUND)
		fc_err_set(err, FC_ENOTFOUND, "%s: no such path in the ledger", path);
	else if (rc)
		ledger_git_error(err, GIT_ERROR, path);
	git_tree_free(t);
	return rc;
}

/* ---- writing trees ---- */

int ledger_tree_write(ledger *l, const ledger_entry *v, size_t n, ledger_oid *out, fc_err *err)
{
	git_treebuilder *tb = NULL;
	int g = git_treebuilder_new(&tb, l->repo, NULL), rc = FC_OK;

	for (size_t i = 0; g == 0 && i < n; i++) {
		if (v[i].kind == LEDGER_KIND_OTHER) {
			rc = fc_err_set(err, FC_EINVALID, "tree entry %s: neither a file nor a folder",
					v[i].name);
			goto cleanup;
		}
		g = git_treebuilder_insert(NULL, tb, v[i].name, goid(&v[i].id),
					   v[i].kind == LEDGER_KIND_TREE ? GIT_FILEMODE_TREE
									 : GIT_FILEMODE_BLOB);
	}
	if (g == 0)
		g = git_treebuilder_write(goid_out(out), tb);
	if (g < 0)
		rc = ledger_git_error(err, g, "writing a tree");
cleanup:
	git_treebuilder_free(tb);
	return rc;
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

int ledger_tree_update(ledger *l, const ledger_oid *base_tree, const ledger_change *changes,
		       size_t n, ledger_oid *tree_out, fc_err *err)
{
	const ledger_change **sorted = NULL;
	git_tree_update *up = NULL;
	git_tree *base = NULL;
	git_repository *repo = l->repo, *bulk = NULL;
	struct git_odb_backend *mem = NULL;
	size_t nup = 0;
	int rc, g;

	/* Thousands of files (a compare's flags): one pack, not loose files. */
	if (n >= LEDGER_BULK_MIN && (rc = ledger_bulk_open(l, &bulk, &mem, err)) == FC_OK)
		repo = bulk;
	else if (n >= LEDGER_BULK_MIN)
		return rc;
	if (base_tree && (g = git_tree_lookup(&base, repo, goid(base_tree))) < 0) {
		char s[LEDGER_OID_SHORT];

		ledger_short_id(s, base_tree);
		rc = ledger_git_error(err, g, s);
		goto cleanup;
	}
	rc = FC_OK;
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
			g = git_blob_create_from_buffer(&up[nup].id, repo, c->data, c->len);
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
	g = git_tree_create_updated(goid_out(tree_out), repo, base, nup, up);
	if (g < 0)
		rc = ledger_git_error(err, g, "writing the ledger tree");
cleanup:
	free(sorted);
	git_tree_free(base);
	if (bulk) {
		git_oid *blobs = util_calloc(nup + 1, sizeof(*blobs));
		size_t nb = 0;
		int frc;

		for (size_t i = 0; i < nup; i++)
			if (up[i].action == GIT_TREE_UPDATE_UPSERT)
				blobs[nb++] = up[i].id;
		frc = ledger_bulk_finish(l, bulk, mem, goid(tree_out), base_tree ? goid(base_tree) : NULL,
					 blobs, nb, rc == FC_OK, rc ? NULL : err);
		free(blobs);

		if (rc == FC_OK)
			rc = frc;
	}
	free(up);
	return rc;
}

/* ---- reading files ---- */

int ledger_read_blob(ledger *l, const ledger_oid *blob, const char *what, fc_buf *out,
		     fc_err *err)
{
	git_blob *b = NULL;
	int g = git_blob_lookup(&b, l->repo, goid(blob));

	if (g < 0)
		return ledger_git_error(err, g, what);
	buf_add(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	return FC_OK;
}

int ledger_object_info(ledger *l, const ledger_oid *id, ledger_kind *kind, size_t *size,
		       fc_err *err)
{
	git_odb *odb = NULL;
	git_object_t type = GIT_OBJECT_INVALID;
	size_t len = 0;
	char s[LEDGER_OID_SHORT];
	int g = git_repository_odb(&odb, l->repo);

	if (g < 0)
		return ledger_git_error(err, g, "opening the ledger's objects");
	g = git_odb_read_header(&len, &type, odb, goid(id));
	git_odb_free(odb);
	if (g < 0) {
		ledger_short_id(s, id);
		return ledger_git_error(err, g, s);
	}
	*kind = kind_of(type);
	*size = len;
	return FC_OK;
}

int ledger_read_tree(ledger *l, const ledger_oid *tree, const char *path, fc_buf *out,
		     fc_err *err)
{
	git_tree *t = NULL;
	git_tree_entry *te = NULL;
	git_blob *b = NULL;
	int rc = FC_OK, g;

	rc = ledger_tree_or_empty(l, tree, &t, err);
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
	rc = ledger_read_tree(l, loid(git_object_id(t)), path, out, err);
	if (rc)
		fc_err_prefix(err, "%s:", rev);
cleanup:
	git_object_free(t);
	git_object_free(o);
	return rc;
}

/* ---- every file ---- */

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

			rc = w->cb(w->path.data, loid(git_tree_entry_id(e)), git_blob_rawcontent(b),
				   (size_t)git_blob_rawsize(b), w->payload);
		}
		git_object_free(o);
		w->path.len = keep;
		w->path.data[keep] = '\0';
	}
	return rc;
}

int ledger_foreach(ledger *l, const ledger_oid *tree, const char *prefix, ledger_file_cb cb,
		   void *payload, fc_err *err)
{
	struct walk w = { l, FC_BUF_INIT, cb, payload, err };
	git_tree *root = NULL, *sub = NULL;
	git_tree_entry *te = NULL;
	int rc, g;

	rc = ledger_tree_or_empty(l, tree, &root, err);
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
			   : cb(w.path.data, loid(git_tree_entry_id(te)), git_blob_rawcontent(b),
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
			git_oid_cpy(goid_out(&delta.old_blob), git_tree_entry_id(old));
			delta.has_old = 1;
		}
		if (new) {
			git_oid_cpy(goid_out(&delta.new_blob), git_tree_entry_id(new));
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

int ledger_diff(ledger *l, const ledger_oid *base_tree, const ledger_oid *new_tree,
		ledger_diff_cb cb, void *payload, fc_err *err)
{
	struct diff d = { l, FC_BUF_INIT, cb, payload, err };
	git_tree *a = NULL, *b = NULL;
	int rc = 0;

	if (base_tree && new_tree && ledger_oid_equal(base_tree, new_tree))
		return 0;
	if ((rc = ledger_tree_or_empty(l, base_tree, &a, err)) ||
	    (rc = ledger_tree_or_empty(l, new_tree, &b, err)))
		goto cleanup;
	buf_adds(&d.path, "");
	rc = diff_trees(&d, a, b);
cleanup:
	git_tree_free(a);
	git_tree_free(b);
	buf_free(&d.path);
	return rc;
}
