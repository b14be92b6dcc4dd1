/* merge.c — three-way, field-level merge of records and of ledger trees
 * (include/fieldcard/merge.h; DESIGN.md, "Merging").
 *
 * The tree merge walks only what changed from base to theirs (ledger_diff
 * skips equal subtrees) and writes the result on top of ours with
 * ledger_tree_update, so a county of 100,000 households costs no more than
 * the households a batch touched. Records both sides changed are parsed and
 * merged per field; a field both sides set differently keeps ours and is
 * written, with base and theirs, to the village's conflict file so that the
 * conflict travels with the tree and nothing is lost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/fields.h"
#include "fieldcard/form.h"
#include "fieldcard/merge.h"
#include "fieldcard/util.h"

/* The pseudo-field a removed record is reported under (records are never
 * deleted, so a removal is always a conflict to look at). */
#define DELETED_FIELD "_deleted"

/* ---- conflicts list ---- */

void merge_conflict_clear(merge_conflict *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->record_id);
	free(c->field);
	free(c->base);
	free(c->ours);
	free(c->theirs);
	free(c->ours_who);
	free(c->theirs_who);
	free(c->kind);
	memset(c, 0, sizeof(*c));
}

void merge_conflicts_free(merge_conflicts *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		merge_conflict_clear(&c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

static merge_conflict *conflict_push(merge_conflicts *c, const char *path, const char *id,
				     const char *field, const char *base, const char *ours,
				     const char *theirs)
{
	merge_conflict *m;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->v = util_realloc(c->v, c->cap * sizeof(*c->v));
	}
	m = &c->v[c->n++];
	memset(m, 0, sizeof(*m));
	m->path = util_strdup(path);
	m->record_id = util_strdup(id ? id : "");
	m->field = util_strdup(field);
	m->base = util_strdup(base ? base : "");
	m->ours = util_strdup(ours ? ours : "");
	m->theirs = util_strdup(theirs ? theirs : "");
	m->ours_who = util_strdup("");
	m->theirs_who = util_strdup("");
	return m;
}

/* ---- record merge ---- */

static const char *val(const record *r, const char *name)
{
	return r ? record_val(r, name) : "";
}

static int same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* 1 if side changed any field other than the member status pair. */
static int edited_besides_status(const record *base, const record *side)
{
	for (size_t i = 0; i < side->n; i++) {
		const char *n = side->names[i];

		if (strcmp(n, F_M_STATUS) == 0 || strcmp(n, F_M_LEFT_REASON) == 0)
			continue;
		if (strcmp(side->values[i], val(base, n)) != 0)
			return 1;
	}
	for (size_t i = 0; base && i < base->n; i++) {
		const char *n = base->names[i];

		if (strcmp(n, F_M_STATUS) == 0 || strcmp(n, F_M_LEFT_REASON) == 0)
			continue;
		if (!record_get(side, n) && *base->values[i])
			return 1;
	}
	return 0;
}

static int marked_left(const record *base, const record *side)
{
	return strcmp(val(side, F_M_STATUS), C_LEFT) == 0 &&
	       strcmp(val(base, F_M_STATUS), C_LEFT) != 0;
}

/* The names of ours, then those only theirs has, then those only base has
 * (removed on both sides: they merge to ""). */
static void add_names(const char ***names, size_t *n, size_t *cap, const record *r,
		      const record *a, const record *b)
{
	for (size_t i = 0; r && i < r->n; i++) {
		if ((a && record_get(a, r->names[i])) || (b && record_get(b, r->names[i])))
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 32;
			*names = util_realloc(*names, *cap * sizeof(**names));
		}
		(*names)[(*n)++] = r->names[i];
	}
}

int merge_record(const record *base, const record *ours, const record *theirs,
		 record **out, merge_conflicts *c, fc_err *err)
{
	const char **names = NULL;
	size_t n = 0, cap = 0;
	record *m;
	int left_ours, left_theirs, status_conflict = 0;

	*out = NULL;
	if (!ours || !theirs)
		return fc_err_set(err, FC_EINVALID, "merge: a record side is missing");
	if (!same_str(ours->kind, theirs->kind) || !same_str(ours->id, theirs->id) ||
	    !same_str(ours->parent, theirs->parent) ||
	    (base && (!same_str(base->kind, ours->kind) || !same_str(base->id, ours->id) ||
		      !same_str(base->parent, ours->parent))))
		return fc_err_set(err, FC_EINVALID,
				  "merge: record %s: kind, id or parent differ between the sides "
				  "(%s %s/%s against %s %s/%s)",
				  ours->id, ours->kind, ours->id, ours->parent ? ours->parent : "",
				  theirs->kind, theirs->id, theirs->parent ? theirs->parent : "");

	m = record_new(ours->kind, ours->id, ours->parent);
	/* The form version: one side's change wins; both changed, the newer. */
	if (same_str(ours->form_version, theirs->form_version) ||
	    (base && same_str(theirs->form_version, base->form_version)))
		m->form_version = util_strdup(ours->form_version);
	else if (base && same_str(ours->form_version, base->form_version))
		m->form_version = util_strdup(theirs->form_version);
	else
		m->form_version = util_strdup(strcmp(ours->form_version ? ours->form_version : "",
						     theirs->form_version ? theirs->form_version : "") >= 0
						      ? ours->form_version : theirs->form_version);

	add_names(&names, &n, &cap, ours, NULL, NULL);
	add_names(&names, &n, &cap, theirs, ours, NULL);
	add_names(&names, &n, &cap, base, ours, theirs);

	/* A member marked as left on one side while the other edited it is a
	 * decision for a person (the edit may show the member is still there),
	 * even though no single field was changed on both sides. */
	left_ours = strcmp(ours->kind, K_MEMBER) == 0 && marked_left(base, ours);
	left_theirs = strcmp(ours->kind, K_MEMBER) == 0 && marked_left(base, theirs);
	if (left_ours != left_theirs &&
	    ((left_ours && edited_besides_status(base, theirs)) ||
	     (left_theirs && edited_besides_status(base, ours))))
		status_conflict = 1;

	for (size_t i = 0; i < n; i++) {
		const char *name = names[i];
		const char *b = val(base, name), *o = val(ours, name), *t = val(theirs, name);
		int is_status = strcmp(name, F_M_STATUS) == 0 ||
				(left_theirs && strcmp(name, F_M_LEFT_REASON) == 0);

		if (status_conflict && is_status) {
			record_set(m, name, o);
			if (strcmp(o, t) != 0 && c)
				conflict_push(c, NULL, ours->id, name, b, o, t);
			continue;
		}
		if (strcmp(o, t) == 0 || strcmp(t, b) == 0) {
			record_set(m, name, o);
		} else if (strcmp(o, b) == 0) {
			record_set(m, name, t);
		} else {
			record_set(m, name, o);
			if (c)
				conflict_push(c, NULL, ours->id, name, b, o, t);
		}
	}
	free(names);
	*out = m;
	return FC_OK;
}

/* ---- paths ---- */

/* Split "villages/<code>/<hh>/{household,members/<id>,visits/<id>}" into
 * village, household and kind (pointers into buffers the caller gives). */
static int record_path_parts(const char *path, char village[64], char hh[64],
			     const char **kind)
{
	char **p = util_split(path, '/');
	size_t n = util_strv_len(p);
	int ok = 0;

	if (n >= 4 && strcmp(p[0], "villages") == 0 && strlen(p[1]) < 64 && strlen(p[2]) < 64 &&
	    strcmp(p[2], MERGE_CONFLICTS_DIR) != 0) {
		if (n == 4 && strcmp(p[3], K_HOUSEHOLD) == 0) {
			*kind = K_HOUSEHOLD;
			ok = 1;
		} else if (n == 5 && strcmp(p[3], "members") == 0) {
			*kind = K_MEMBER;
			ok = 1;
		} else if (n == 5 && strcmp(p[3], "visits") == 0) {
			*kind = K_VISIT;
			ok = 1;
		}
		if (ok) {
			snprintf(village, 64, "%s", p[1]);
			snprintf(hh, 64, "%s", p[2]);
		}
	}
	util_strv_free(p);
	return ok;
}

int merge_is_conflict_path(const char *path)
{
	char **p = util_split(path, '/');
	int ok = util_strv_len(p) == 4 && strcmp(p[0], "villages") == 0 &&
		 strcmp(p[2], MERGE_CONFLICTS_DIR) == 0;

	util_strv_free(p);
	return ok;
}

char *merge_conflict_path_for(const char *record_path, const char *record_id)
{
	char village[64], hh[64];
	const char *kind;

	if (!record_path_parts(record_path, village, hh, &kind))
		return NULL;
	return util_asprintf("villages/%s/%s/%s", village, MERGE_CONFLICTS_DIR, record_id);
}

/* Canonical text of a merged record, its fields in the order of the record
 * (ours first), so a merge rewrites the lines that changed and no others. */
static void serialise_in_order(const record *r, fc_buf *out)
{
	form f;
	form_field *ff = util_calloc(r->n ? r->n : 1, sizeof(*ff));

	memset(&f, 0, sizeof(f));
	for (size_t i = 0; i < r->n; i++) {
		ff[i].type = FT_TEXT;
		ff[i].name = r->names[i];
	}
	f.id = r->kind;
	f.version = r->form_version;
	f.fields = ff;
	f.nfields = r->n;
	record_serialise(r, &f, out);
	free(ff);
}

/* ---- tree merge ---- */

typedef struct change {
	char *path;
	char *data;      /* NULL = remove */
	size_t len;
} change;

typedef struct mt {
	ledger *l;
	git_repository *repo;
	git_tree *ours;
	const char *ours_who, *theirs_who;
	change *v;
	size_t n, cap;
	merge_conflicts fresh;     /* conflicts of this merge, path = record path */
	merge_conflicts *out;
	fc_err *err;
} mt;

static void change_put(mt *m, const char *path, char *data, size_t len)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->v[i].path, path) == 0) {
			free(m->v[i].data);
			m->v[i].data = data;
			m->v[i].len = len;
			return;
		}
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->v = util_realloc(m->v, m->cap * sizeof(*m->v));
	}
	m->v[m->n].path = util_strdup(path);
	m->v[m->n].data = data;
	m->v[m->n].len = len;
	m->n++;
}

static change *change_find(mt *m, const char *path)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].path, path) == 0)
			return &m->v[i];
	return NULL;
}

static int blob_read(mt *m, const git_oid *id, const char *path, char **data, size_t *len)
{
	git_blob *b = NULL;
	int g = git_blob_lookup(&b, m->repo, id);

	if (g < 0)
		return ledger_git_error(m->err, g, path);
	*len = (size_t)git_blob_rawsize(b);
	*data = util_malloc(*len + 1);
	memcpy(*data, git_blob_rawcontent(b), *len);
	(*data)[*len] = '\0';
	git_blob_free(b);
	return FC_OK;
}

static int blob_parse(mt *m, const git_oid *id, const char *path, record **out)
{
	char *data = NULL;
	size_t len = 0;
	int rc = blob_read(m, id, path, &data, &len);

	if (rc == FC_OK)
		rc = record_parse(data, len, path, out, m->err);
	free(data);
	return rc;
}

/* Both sides changed a record file: merge per field. */
static int merge_record_file(mt *m, const char *path, const char *kind, const ledger_delta *d,
			     const git_oid *ours_blob)
{
	record *b = NULL, *o = NULL, *t = NULL, *r = NULL;
	merge_conflicts local = { NULL, 0, 0 };
	fc_buf text = FC_BUF_INIT;
	int rc;

	rc = blob_parse(m, ours_blob, path, &o);
	if (rc == FC_OK)
		rc = blob_parse(m, &d->new_blob, path, &t);
	if (rc == FC_OK && d->has_old)
		rc = blob_parse(m, &d->old_blob, path, &b);
	if (rc)
		goto cleanup;
	if (!b)
		b = record_new(o->kind, o->id, o->parent);
	rc = merge_record(b, o, t, &r, &local, m->err);
	if (rc) {
		fc_err_prefix(m->err, "%s: ", path);
		goto cleanup;
	}
	serialise_in_order(r, &text);
	{
		size_t len = text.len;

		change_put(m, path, buf_detach(&text), len);
	}
	for (size_t i = 0; i < local.n; i++) {
		merge_conflict *x = conflict_push(&m->fresh, path, local.v[i].record_id,
						  local.v[i].field, local.v[i].base,
						  local.v[i].ours, local.v[i].theirs);
		x->kind = util_strdup(kind);
	}
cleanup:
	merge_conflicts_free(&local);
	record_free(b);
	record_free(o);
	record_free(t);
	record_free(r);
	buf_free(&text);
	return rc;
}

/* Both sides changed a conflict file (each merged or resolved something):
 * merge its entries per field; where both changed one entry, ours stays
 * (the conflict is still open either way). */
static int merge_conflict_file(mt *m, const char *path, const ledger_delta *d,
			       const git_oid *ours_blob)
{
	record *b = NULL, *o = NULL, *t = NULL, *r = NULL;
	fc_buf text = FC_BUF_INIT;
	int rc;

	rc = blob_parse(m, ours_blob, path, &o);
	if (rc == FC_OK)
		rc = blob_parse(m, &d->new_blob, path, &t);
	if (rc == FC_OK && d->has_old)
		rc = blob_parse(m, &d->old_blob, path, &b);
	if (rc)
		goto cleanup;
	rc = merge_record(b, o, t, &r, NULL, m->err);
	if (rc)
		goto cleanup;
	record_serialise(r, NULL, &text);
	{
		size_t len = text.len;

		change_put(m, path, buf_detach(&text), len);
	}
cleanup:
	record_free(b);
	record_free(o);
	record_free(t);
	record_free(r);
	buf_free(&text);
	return rc;
}

static int take_theirs(mt *m, const ledger_delta *d)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (!d->has_new) {
		change_put(m, d->path, NULL, 0);
		return FC_OK;
	}
	rc = blob_read(m, &d->new_blob, d->path, &data, &len);
	if (rc == FC_OK)
		change_put(m, d->path, data, len);
	return rc;
}

static int on_delta(const ledger_delta *d, void *payload)
{
	mt *m = payload;
	git_tree_entry *e = NULL;
	git_oid ours_blob;
	int has_ours, rc = FC_OK;
	char village[64], hh[64];
	const char *kind = NULL;

	has_ours = git_tree_entry_bypath(&e, m->ours, d->path) == 0 &&
		   git_tree_entry_type(e) == GIT_OBJECT_BLOB;
	if (has_ours)
		git_oid_cpy(&ours_blob, git_tree_entry_id(e));
	git_tree_entry_free(e);

	/* Ours already equals theirs: nothing to do. */
	if (has_ours == d->has_new && (!has_ours || git_oid_equal(&ours_blob, &d->new_blob)))
		return FC_OK;
	/* Records are never deleted; a removal keeps ours and is shown to a
	 * person, whoever changed what. */
	if (!d->has_new && has_ours && record_path_parts(d->path, village, hh, &kind)) {
		record *o = NULL;

		rc = blob_parse(m, &ours_blob, d->path, &o);
		if (rc == FC_OK) {
			merge_conflict *x = conflict_push(&m->fresh, d->path, o->id, DELETED_FIELD,
							  "present", "present", "deleted");
			x->kind = util_strdup(kind);
		}
		record_free(o);
		return rc;
	}
	/* Ours did not change it: take theirs. */
	if (has_ours == d->has_old && (!has_ours || git_oid_equal(&ours_blob, &d->old_blob)))
		return take_theirs(m, d);

	/* Both sides changed the path. */
	if (merge_is_conflict_path(d->path)) {
		if (!d->has_new || !has_ours)
			return FC_OK; /* one side settled it, the other changed it: keep ours */
		return merge_conflict_file(m, d->path, d, &ours_blob);
	}
	if (record_path_parts(d->path, village, hh, &kind)) {
		if (!has_ours)
			return FC_OK; /* ours never had it while base did: nothing to merge into */
		return merge_record_file(m, d->path, kind, d, &ours_blob);
	}
	/* Another file (forms/, keys/) changed on both sides: no field-level
	 * merge is possible; ours stays and the caller is told. */
	if (m->out) {
		char ob[GIT_OID_HEXSZ + 1] = "", tb[GIT_OID_HEXSZ + 1] = "", bb[GIT_OID_HEXSZ + 1] = "";

		if (has_ours)
			git_oid_tostr(ob, sizeof(ob), &ours_blob);
		if (d->has_new)
			git_oid_tostr(tb, sizeof(tb), &d->new_blob);
		if (d->has_old)
			git_oid_tostr(bb, sizeof(bb), &d->old_blob);
		merge_conflict *x = conflict_push(m->out, d->path, "", "(file)", bb, ob, tb);
		free(x->ours_who);
		free(x->theirs_who);
		x->ours_who = util_strdup(m->ours_who ? m->ours_who : "");
		x->theirs_who = util_strdup(m->theirs_who ? m->theirs_who : "");
	}
	return FC_OK;
}

/* Write the fresh conflicts into their villages' conflict files, on top of
 * what the file holds in the merge result so far. */
static int write_conflict_files(mt *m)
{
	int rc = FC_OK;

	for (size_t i = 0; i < m->fresh.n && rc == FC_OK; i++) {
		merge_conflict *x = &m->fresh.v[i];
		char *cpath = merge_conflict_path_for(x->path, x->record_id);
		char village[64], hh[64];
		const char *kind;
		record *cr = NULL;
		change *ch;
		fc_buf text = FC_BUF_INIT, key = FC_BUF_INIT;
		size_t len;

		if (!cpath || !record_path_parts(x->path, village, hh, &kind)) {
			free(cpath);
			continue;
		}
		ch = change_find(m, cpath);
		if (ch && ch->data) {
			rc = record_parse(ch->data, ch->len, cpath, &cr, m->err);
		} else if (!ch) {
			git_tree_entry *e = NULL;

			if (git_tree_entry_bypath(&e, m->ours, cpath) == 0)
				rc = blob_parse(m, git_tree_entry_id(e), cpath, &cr);
			git_tree_entry_free(e);
		}
		if (rc == FC_OK) {
			if (!cr)
				cr = record_new("conflict", x->record_id, hh);
			record_set(cr, "record", x->path);
#define SETF(suffix, v)                                   \
	do {                                              \
		buf_reset(&key);                          \
		buf_printf(&key, "%s.%s", x->field, suffix); \
		record_set(cr, key.data, v);              \
	} while (0)
			SETF("base", x->base);
			SETF("ours", x->ours);
			SETF("theirs", x->theirs);
			SETF("ours_by", m->ours_who ? m->ours_who : "");
			SETF("theirs_by", m->theirs_who ? m->theirs_who : "");
#undef SETF
			record_serialise(cr, NULL, &text);
			len = text.len;
			change_put(m, cpath, buf_detach(&text), len);
		}
		record_free(cr);
		buf_free(&key);
		buf_free(&text);
		free(cpath);
	}
	return rc;
}

static int peel_tree(ledger *l, const git_oid *id, git_oid *tree, fc_err *err)
{
	git_object *o = NULL, *t = NULL;
	int g = git_object_lookup(&o, ledger_repo(l), id, GIT_OBJECT_ANY);

	if (g == 0)
		g = git_object_peel(&t, o, GIT_OBJECT_TREE);
	if (g == 0)
		git_oid_cpy(tree, git_object_id(t));
	git_object_free(t);
	git_object_free(o);
	if (g < 0) {
		char s[GIT_OID_HEXSZ + 1];

		git_oid_tostr(s, 8, id);
		return ledger_git_error(err, g, s);
	}
	return FC_OK;
}

int merge_trees_who(ledger *l, const git_oid *base, const git_oid *ours,
		    const git_oid *theirs, const char *ours_who, const char *theirs_who,
		    git_oid *out, merge_conflicts *c, fc_err *err)
{
	mt m;
	git_oid bt, ot, tt;
	ledger_change *lc = NULL;
	int rc, g;

	memset(&m, 0, sizeof(m));
	m.l = l;
	m.repo = ledger_repo(l);
	m.ours_who = ours_who;
	m.theirs_who = theirs_who;
	m.out = c;
	m.err = err;
	if ((base && (rc = peel_tree(l, base, &bt, err))) ||
	    (rc = peel_tree(l, ours, &ot, err)) || (rc = peel_tree(l, theirs, &tt, err)))
		return rc;
	g = git_tree_lookup(&m.ours, m.repo, &ot);
	if (g < 0)
		return ledger_git_error(err, g, "ours");

	rc = ledger_diff(l, base ? &bt : NULL, &tt, on_delta, &m, err);
	if (rc == FC_OK)
		rc = write_conflict_files(&m);
	if (rc)
		goto cleanup;
	if (m.n == 0) {
		git_oid_cpy(out, &ot);
	} else {
		lc = util_calloc(m.n, sizeof(*lc));
		for (size_t i = 0; i < m.n; i++) {
			lc[i].path = m.v[i].path;
			lc[i].data = m.v[i].data;
			lc[i].len = m.v[i].len;
		}
		rc = ledger_tree_update(l, &ot, lc, m.n, out, err);
		if (rc)
			goto cleanup;
	}
	if (c) {
		for (size_t i = 0; i < m.fresh.n; i++) {
			merge_conflict *x = &m.fresh.v[i];
			merge_conflict *y = conflict_push(c, x->path, x->record_id, x->field,
							  x->base, x->ours, x->theirs);

			y->kind = util_strdup(x->kind);
			free(y->ours_who);
			free(y->theirs_who);
			y->ours_who = util_strdup(ours_who ? ours_who : "");
			y->theirs_who = util_strdup(theirs_who ? theirs_who : "");
		}
	}
cleanup:
	free(lc);
	for (size_t i = 0; i < m.n; i++) {
		free(m.v[i].path);
		free(m.v[i].data);
	}
	free(m.v);
	merge_conflicts_free(&m.fresh);
	git_tree_free(m.ours);
	return rc;
}

int merge_trees(ledger *l, const git_oid *base, const git_oid *ours, const git_oid *theirs,
		git_oid *out, merge_conflicts *c, fc_err *err)
{
	return merge_trees_who(l, base, ours, theirs, NULL, NULL, out, c, err);
}

/* ---- reading and settling open conflicts ---- */

/* Append the open conflicts of one conflict file. */
static void conflicts_of_file(const record *cr, merge_conflicts *out)
{
	const char *rpath = record_val(cr, "record");
	char village[64], hh[64];
	const char *kind = "";

	if (!record_path_parts(rpath, village, hh, &kind))
		kind = "";
	for (size_t i = 0; i < cr->n; i++) {
		const char *n = cr->names[i];
		size_t len = strlen(n);
		char *field, *k;
		merge_conflict *x;

		if (len <= 5 || strcmp(n + len - 5, ".base") != 0)
			continue;
		field = util_strndup(n, len - 5);
		k = util_asprintf("%s.ours", field);
		x = conflict_push(out, rpath, cr->id, field, cr->values[i], record_val(cr, k), "");
		free(k);
		k = util_asprintf("%s.theirs", field);
		free(x->theirs);
		x->theirs = util_strdup(record_val(cr, k));
		free(k);
		k = util_asprintf("%s.ours_by", field);
		free(x->ours_who);
		x->ours_who = util_strdup(record_val(cr, k));
		free(k);
		k = util_asprintf("%s.theirs_by", field);
		free(x->theirs_who);
		x->theirs_who = util_strdup(record_val(cr, k));
		free(k);
		x->kind = util_strdup(kind);
		free(field);
	}
}

struct readctx {
	merge_conflicts *out;
	const char *only_id;   /* stop at this record's file */
	record *found;
	fc_err *err;
};

static int on_conflict_file(const char *path, const git_oid *blob, const void *data,
			    size_t len, void *payload)
{
	struct readctx *r = payload;
	record *cr = NULL;
	const char *slash = strrchr(path, '/');
	int rc;

	(void)blob;
	if (r->only_id && (!slash || strcmp(slash + 1, r->only_id) != 0))
		return 0;
	rc = record_parse(data, len, path, &cr, r->err);
	if (rc)
		return rc;
	if (r->only_id) {
		r->found = cr;
		return 1;
	}
	conflicts_of_file(cr, r->out);
	record_free(cr);
	return 0;
}

/* Call ledger_foreach on villages/<v>/conflicts for one or every village. */
static int each_conflict_dir(ledger *l, const git_oid *tree, const char *village,
			     struct readctx *r, fc_err *err)
{
	git_tree *root = NULL, *vt = NULL;
	git_tree_entry *e = NULL;
	int rc = FC_OK, g;

	if (village) {
		char *prefix = util_asprintf("villages/%s/%s", village, MERGE_CONFLICTS_DIR);

		rc = ledger_foreach(l, tree, prefix, on_conflict_file, r, err);
		free(prefix);
		return rc;
	}
	g = git_tree_lookup(&root, ledger_repo(l), tree);
	if (g < 0)
		return ledger_git_error(err, g, "reading the tree");
	if (git_tree_entry_bypath(&e, root, "villages") == 0 &&
	    git_tree_entry_type(e) == GIT_OBJECT_TREE &&
	    (g = git_tree_lookup(&vt, ledger_repo(l), git_tree_entry_id(e))) == 0) {
		size_t n = git_tree_entrycount(vt);

		for (size_t i = 0; i < n && rc == FC_OK; i++) {
			const git_tree_entry *ve = git_tree_entry_byindex(vt, i);
			git_tree_entry *ce = NULL;
			char *prefix;

			if (git_tree_entry_type(ve) != GIT_OBJECT_TREE)
				continue;
			prefix = util_asprintf("villages/%s/%s", git_tree_entry_name(ve),
					       MERGE_CONFLICTS_DIR);
			/* Look the folder up first: most villages have none. */
			if (git_tree_entry_bypath(&ce, root, prefix) == 0)
				rc = ledger_foreach(l, tree, prefix, on_conflict_file, r, err);
			git_tree_entry_free(ce);
			free(prefix);
		}
	} else if (g < 0) {
		rc = ledger_git_error(err, g, "villages");
	}
	git_tree_free(vt);
	git_tree_entry_free(e);
	git_tree_free(root);
	return rc;
}

int merge_conflicts_read(ledger *l, const git_oid *tree, const char *village,
			 merge_conflicts *out, fc_err *err)
{
	struct readctx r = { out, NULL, NULL, err };
	git_oid t;
	int rc = peel_tree(l, tree, &t, err);

	if (rc)
		return rc;
	return each_conflict_dir(l, &t, village, &r, err);
}

int merge_resolve_changes(ledger *l, const git_oid *tree, const char *record_id,
			  const char *field, const char *value, ledger_change out[2],
			  merge_conflict *found, fc_err *err)
{
	struct readctx r = { NULL, record_id, NULL, err };
	merge_conflicts one = { NULL, 0, 0 };
	record *rec = NULL, *rest = NULL;
	fc_buf text = FC_BUF_INIT, key = FC_BUF_INIT;
	char *cpath = NULL, *rpath;
	git_oid t;
	size_t flen = strlen(field);
	int rc, has_open = 0;

	memset(out, 0, 2 * sizeof(*out));
	if (found)
		memset(found, 0, sizeof(*found));
	rc = peel_tree(l, tree, &t, err);
	if (rc)
		return rc;
	rc = each_conflict_dir(l, &t, NULL, &r, err);
	if (rc < 0)
		return rc;
	if (!r.found)
		return fc_err_set(err, FC_ENOTFOUND, "no open conflict on record %s", record_id);
	conflicts_of_file(r.found, &one);
	for (size_t i = 0; i < one.n; i++) {
		if (strcmp(one.v[i].field, field) == 0) {
			has_open = 1;
			if (found) {
				*found = one.v[i];
				memset(&one.v[i], 0, sizeof(one.v[i]));
			}
			break;
		}
	}
	if (!has_open) {
		rc = fc_err_set(err, FC_ENOTFOUND, "record %s has no open conflict on field %s",
				record_id, field);
		goto cleanup;
	}
	rpath = util_strdup(record_val(r.found, "record"));
	cpath = merge_conflict_path_for(rpath, record_id);
	if (!cpath) {
		free(rpath);
		rc = fc_err_set(err, FC_EINVALID, "conflict file of %s names a bad record path '%s'",
				record_id, record_val(r.found, "record"));
		goto cleanup;
	}
	/* The record with the chosen value (a removed record is settled by
	 * keeping it as it is). */
	rc = ledger_read_tree(l, &t, rpath, &text, err);
	if (rc == FC_OK)
		rc = record_parse(buf_cstr(&text), text.len, rpath, &rec, err);
	if (rc) {
		free(rpath);
		goto cleanup;
	}
	if (strcmp(field, DELETED_FIELD) != 0)
		record_set(rec, field, value);
	buf_reset(&text);
	serialise_in_order(rec, &text);
	out[0].path = rpath;
	out[0].len = text.len;
	out[0].data = buf_detach(&text);

	/* The conflict file without this field's entries. */
	rest = record_new(r.found->kind, r.found->id, r.found->parent);
	for (size_t i = 0; i < r.found->n; i++) {
		const char *n = r.found->names[i];

		if (strncmp(n, field, flen) == 0 && n[flen] == '.')
			continue;
		record_set(rest, n, r.found->values[i]);
	}
	has_open = 0;
	for (size_t i = 0; i < rest->n; i++) {
		size_t nl = strlen(rest->names[i]);

		if (nl > 5 && strcmp(rest->names[i] + nl - 5, ".base") == 0)
			has_open = 1;
	}
	out[1].path = cpath;
	cpath = NULL;
	if (has_open) {
		record_serialise(rest, NULL, &text);
		out[1].len = text.len;
		out[1].data = buf_detach(&text);
	}
cleanup:
	merge_conflicts_free(&one);
	record_free(r.found);
	record_free(rec);
	record_free(rest);
	buf_free(&text);
	buf_free(&key);
	free(cpath);
	return rc;
}
