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

/* The record kind (K_HOUSEHOLD, K_MEMBER, K_VISIT, K_FLAG) of a record
 * path, or NULL. */
static const char *record_path_kind(const char *path)
{
	ledger_path lp;

	switch (ledger_path_parse(path, &lp)) {
	case LEDGER_PATH_HOUSEHOLD: return K_HOUSEHOLD;
	case LEDGER_PATH_MEMBER: return K_MEMBER;
	case LEDGER_PATH_VISIT: return K_VISIT;
	case LEDGER_PATH_FLAG: return K_FLAG;
	default: return NULL;
	}
}

int merge_is_conflict_path(const char *path)
{
	ledger_path lp;

	return ledger_path_parse(path, &lp) == LEDGER_PATH_CONFLICTS;
}

char *merge_conflict_path_for(const char *record_path)
{
	ledger_path lp;

	if (!ledger_path_record_kind(ledger_path_parse(record_path, &lp)))
		return NULL;
	return ledger_record_path(LEDGER_PATH_CONFLICTS, lp.village, lp.household, NULL);
}

/* Canonical text of a merged record, its fields in the order of the record
 * (ours first), so a merge rewrites the lines that changed and no others. */
static void serialise_in_order(const record *r, fc_buf *out)
{
	record_serialise(r, r->form_version, (const char *const *)r->names, r->n, out);
}

/* ---- conflict lines: "ID TAB FIELD TAB BASE TAB OURS TAB THEIRS" ---- */

static void esc_value(const char *v, fc_buf *out)
{
	fc_buf tmp = FC_BUF_INIT;

	record_escape(v, &tmp);
	for (size_t i = 0; i < tmp.len; i++) {
		if (tmp.data[i] == '\t')
			buf_adds(out, "\\t");
		else
			buf_addc(out, tmp.data[i]);
	}
	buf_free(&tmp);
}

static void unesc_value(const char *s, fc_buf *out)
{
	fc_buf tmp = FC_BUF_INIT;

	/* \t first; the other escapes are the record's. */
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 't') {
			buf_addc(&tmp, '\t');
			s++;
		} else if (s[0] == '\\' && s[1]) {
			buf_add(&tmp, s, 2);
			s++;
		} else {
			buf_addc(&tmp, *s);
		}
	}
	if (record_unescape(buf_cstr(&tmp), tmp.len, out) != 0)
		buf_adds(out, buf_cstr(&tmp));
	buf_free(&tmp);
}

static char *line_encode(const char *id, const char *field, const char *b, const char *o,
			 const char *t)
{
	fc_buf line = FC_BUF_INIT;

	buf_printf(&line, "%s\t%s\t", id, field);
	esc_value(b, &line);
	buf_addc(&line, '\t');
	esc_value(o, &line);
	buf_addc(&line, '\t');
	esc_value(t, &line);
	return buf_detach(&line);
}

/* Length of "ID TAB FIELD TAB", the key of a line; 0 if malformed. */
static size_t line_key_len(const char *line)
{
	const char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;

	return t2 ? (size_t)(t2 - line + 1) : 0;
}

static int same_key(const char *a, const char *b)
{
	size_t ka = line_key_len(a);

	return ka && ka == line_key_len(b) && memcmp(a, b, ka) == 0;
}

/* The well-formed lines of a conflicts file. */
static char **lines_of(const char *text, size_t *n)
{
	char **v = util_split(text ? text : "", '\n');
	size_t k = 0;

	for (size_t i = 0; v[i]; i++) {
		if (*v[i] && line_key_len(v[i]))
			v[k++] = v[i];
		else
			free(v[i]);
	}
	v[k] = NULL;
	*n = k;
	return v;
}

static const char *line_find(char **v, const char *key_line)
{
	for (size_t i = 0; v && v[i]; i++)
		if (same_key(v[i], key_line))
			return v[i];
	return NULL;
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted lines joined; NULL (remove the file) when there are none. */
static char *lines_join(char **v, size_t n, size_t *len)
{
	fc_buf out = FC_BUF_INIT;

	qsort(v, n, sizeof(*v), cmp_str_ptr);
	for (size_t i = 0; i < n; i++) {
		buf_adds(&out, v[i]);
		buf_addc(&out, '\n');
	}
	*len = out.len;
	if (!n) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out);
}

/* One conflict from a line; path = the household folder's record path
 * is filled in by the caller. */
static void line_decode(const char *line, merge_conflicts *out, const char *path,
			const char *kind)
{
	char **col = util_split_all(line, '\t');
	fc_buf v[3] = { FC_BUF_INIT, FC_BUF_INIT, FC_BUF_INIT };
	merge_conflict *x;

	if (util_strv_len(col) == 5) {
		for (int k = 0; k < 3; k++)
			unesc_value(col[2 + k], &v[k]);
		x = conflict_push(out, path, col[0], col[1], buf_cstr(&v[0]), buf_cstr(&v[1]),
				  buf_cstr(&v[2]));
		x->kind = util_strdup(kind);
	}
	for (int k = 0; k < 3; k++)
		buf_free(&v[k]);
	util_strv_free(col);
}

/* ---- tree merge ---- */

typedef struct change {
	char *path;
	char *data;      /* NULL = remove */
	size_t len;
} change;

typedef struct mt {
	ledger *l;
	ledger_tree *ours;
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

/* A file by its blob id, NUL-terminated, into *data (caller frees). */
static int blob_read(ledger *l, const ledger_oid *id, const char *path, char **data,
		     size_t *len, fc_err *err)
{
	fc_buf b = FC_BUF_INIT;
	int rc = ledger_read_blob(l, id, path, &b, err);

	if (rc) {
		buf_free(&b);
		return rc;
	}
	*len = b.len;
	*data = buf_detach(&b);
	return FC_OK;
}

static int blob_parse(mt *m, const ledger_oid *id, const char *path, record **out)
{
	char *data = NULL;
	size_t len = 0;
	int rc = blob_read(m->l, id, path, &data, &len, m->err);

	if (rc == FC_OK)
		rc = record_parse(data, len, path, out, m->err);
	free(data);
	return rc;
}

/* Both sides changed a record file: merge per field. */
static int merge_record_file(mt *m, const char *path, const char *kind, const ledger_delta *d,
			     const ledger_oid *ours_blob)
{
	record *b = NULL, *o = NULL, *t = NULL, *r = NULL;
	merge_conflicts local = { NULL, 0, 0 };
	fc_buf text = FC_BUF_INIT;
	size_t len;
	int rc;

	rc = blob_parse(m, ours_blob, path, &o);
	if (rc == FC_OK)
		rc = blob_parse(m, &d->new_blob, path, &t);
	if (rc == FC_OK && d->has_old)
		rc = blob_parse(m, &d->old_blob, path, &b);
	if (rc)
		goto cleanup;
	rc = merge_record(b, o, t, &r, &local, m->err);
	if (rc) {
		fc_err_prefix(m->err, "%s: ", path);
		goto cleanup;
	}
	serialise_in_order(r, &text);
	len = text.len;
	change_put(m, path, buf_detach(&text), len);
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

/* Both sides changed a household's conflicts file (each merged or settled
 * something): three-way per (record, field) line; where both changed one
 * line, ours stays (the conflict is open either way). */
static int merge_conflict_file(mt *m, const char *path, const ledger_delta *d,
			       const ledger_oid *ours_blob, int has_ours)
{
	char *tb = NULL, *ob = NULL, *bb = NULL, **bl, **ol, **tl, **res, *joined;
	size_t len = 0, nb, no, nt, nr = 0;
	int rc = FC_OK;

	if (has_ours)
		rc = blob_read(m->l, ours_blob, path, &ob, &len, m->err);
	if (rc == FC_OK && d->has_new)
		rc = blob_read(m->l, &d->new_blob, path, &tb, &len, m->err);
	if (rc == FC_OK && d->has_old)
		rc = blob_read(m->l, &d->old_blob, path, &bb, &len, m->err);
	if (rc) {
		free(ob);
		free(tb);
		free(bb);
		return rc;
	}
	bl = lines_of(bb, &nb);
	ol = lines_of(ob, &no);
	tl = lines_of(tb, &nt);
	res = util_calloc(nb + no + nt + 1, sizeof(*res));
	for (int side = 0; side < 3; side++) {
		char **src = side == 0 ? ol : side == 1 ? tl : bl;

		for (size_t i = 0; src[i]; i++) {
			const char *key = src[i], *b, *o, *t, *pick;
			int seen = 0;

			/* Each key once: ours' lines, then theirs' new keys,
			 * then keys only base had (settled on both sides). */
			for (size_t j = 0; j < nr && !seen; j++)
				seen = same_key(res[j], key);
			if (seen)
				continue;
			if ((side >= 1 && line_find(ol, key)) || (side == 2 && line_find(tl, key)))
				continue;
			b = line_find(bl, key);
			o = line_find(ol, key);
			t = line_find(tl, key);
			if (same_str(o, t) || same_str(t, b))
				pick = o;
			else if (same_str(o, b))
				pick = t;
			else
				pick = o;
			if (pick)
				res[nr++] = util_strdup(pick);
		}
	}
	joined = lines_join(res, nr, &len);
	change_put(m, path, joined, len);
	for (size_t i = 0; i < nr; i++)
		free(res[i]);
	free(res);
	util_strv_free(bl);
	util_strv_free(ol);
	util_strv_free(tl);
	free(ob);
	free(tb);
	free(bb);
	return FC_OK;
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
	rc = blob_read(m->l, &d->new_blob, d->path, &data, &len, m->err);
	if (rc == FC_OK)
		change_put(m, d->path, data, len);
	return rc;
}

static int on_delta(const ledger_delta *d, void *payload)
{
	mt *m = payload;
	ledger_entry e;
	ledger_oid ours_blob;
	int has_ours, rc = FC_OK;
	const char *kind = NULL;

	has_ours = ledger_tree_bypath(m->ours, d->path, &e) == FC_OK && e.kind == LEDGER_KIND_BLOB;
	if (has_ours)
		ours_blob = e.id;

	/* Ours already equals theirs: nothing to do. */
	if (has_ours == d->has_new && (!has_ours || ledger_oid_equal(&ours_blob, &d->new_blob)))
		return FC_OK;
	/* Records are never deleted; a removal keeps ours and is shown to a
	 * person, whoever changed what. */
	if (!d->has_new && has_ours && (kind = record_path_kind(d->path))) {
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
	if (has_ours == d->has_old && (!has_ours || ledger_oid_equal(&ours_blob, &d->old_blob)))
		return take_theirs(m, d);

	/* Both sides changed the path. */
	if (merge_is_conflict_path(d->path))
		return merge_conflict_file(m, d->path, d, &ours_blob, has_ours);
	if ((kind = record_path_kind(d->path))) {
		if (!has_ours)
			return FC_OK; /* ours never had it while base did: nothing to merge into */
		return merge_record_file(m, d->path, kind, d, &ours_blob);
	}
	/* Another file (forms/, keys/) changed on both sides: no field-level
	 * merge is possible; ours stays and the caller is told. */
	if (m->out) {
		char ob[LEDGER_OID_HEXSIZE + 1] = "", tb[LEDGER_OID_HEXSIZE + 1] = "";
		char bb[LEDGER_OID_HEXSIZE + 1] = "";
		merge_conflict *x;

		if (has_ours)
			ledger_oid_fmt(ob, sizeof(ob), &ours_blob);
		if (d->has_new)
			ledger_oid_fmt(tb, sizeof(tb), &d->new_blob);
		if (d->has_old)
			ledger_oid_fmt(bb, sizeof(bb), &d->old_blob);
		x = conflict_push(m->out, d->path, "", "(file)", bb, ob, tb);
		free(x->ours_who);
		free(x->theirs_who);
		x->ours_who = util_strdup(m->ours_who ? m->ours_who : "");
		x->theirs_who = util_strdup(m->theirs_who ? m->theirs_who : "");
	}
	return FC_OK;
}

/* Write the fresh conflicts into their households' conflicts files, on top
 * of what the file holds in the merge result so far. */
static int write_conflict_files(mt *m)
{
	int rc = FC_OK;

	for (size_t i = 0; i < m->fresh.n && rc == FC_OK; i++) {
		merge_conflict *x = &m->fresh.v[i];
		char *cpath = merge_conflict_path_for(x->path), *text = NULL, **lines, *line;
		size_t len = 0, n, k;
		change *ch;

		if (!cpath)
			continue;
		ch = change_find(m, cpath);
		if (ch) {
			text = util_strdup(ch->data);
		} else {
			ledger_entry e;

			if (ledger_tree_bypath(m->ours, cpath, &e) == FC_OK)
				rc = blob_read(m->l, &e.id, cpath, &text, &len, m->err);
		}
		if (rc == FC_OK) {
			line = line_encode(x->record_id, x->field, x->base, x->ours, x->theirs);
			lines = lines_of(text, &n);
			lines = util_realloc(lines, (n + 2) * sizeof(*lines));
			for (k = 0; k < n && !same_key(lines[k], line); k++)
				;
			if (k < n) {
				free(lines[k]);
				lines[k] = line; /* a newer conflict on the field replaces the older */
			} else {
				lines[n++] = line;
			}
			lines[n] = NULL;
			free(text);
			text = lines_join(lines, n, &len);
			change_put(m, cpath, text, len);
			text = NULL;
			util_strv_free(lines);
		}
		free(text);
		free(cpath);
	}
	return rc;
}

int merge_trees_who(ledger *l, const ledger_oid *base, const ledger_oid *ours,
		    const ledger_oid *theirs, const char *ours_who, const char *theirs_who,
		    ledger_oid *out, merge_conflicts *c, fc_err *err)
{
	mt m;
	ledger_oid bt, ot, tt;
	ledger_change *lc = NULL;
	int rc = FC_OK;

	memset(&m, 0, sizeof(m));
	m.l = l;
	m.ours_who = ours_who;
	m.theirs_who = theirs_who;
	m.out = c;
	m.err = err;
	if ((base && (rc = ledger_peel_tree(l, base, &bt, err))) ||
	    (ours && (rc = ledger_peel_tree(l, ours, &ot, err))) || (rc = ledger_peel_tree(l, theirs, &tt, err)))
		return rc;
	if (!ours && (rc = ledger_tree_update(l, NULL, NULL, 0, &ot, err)))
		return rc;
	if ((rc = ledger_tree_lookup(l, &ot, &m.ours, err))) {
		fc_err_prefix(err, "ours: ");
		return rc;
	}

	rc = ledger_diff(l, base ? &bt : NULL, &tt, on_delta, &m, err);
	if (rc == FC_OK)
		rc = write_conflict_files(&m);
	if (rc)
		goto cleanup;
	if (m.n == 0) {
		*out = ot;
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
	ledger_tree_free(m.ours);
	return rc;
}

int merge_trees(ledger *l, const ledger_oid *base, const ledger_oid *ours,
		const ledger_oid *theirs, ledger_oid *out, merge_conflicts *c, fc_err *err)
{
	return merge_trees_who(l, base, ours, theirs, NULL, NULL, out, c, err);
}

/* ---- reading and settling open conflicts ---- */

/* The record path of id inside household folder hdir (a git tree). */
static char *record_path_in(const ledger_tree *ht, const char *hdir, const char *hh,
			    const char *id, const char **kind)
{
	ledger_entry e;
	char *rel;

	if (strcmp(id, hh) == 0) {
		*kind = K_HOUSEHOLD;
		return util_asprintf("%s/%s", hdir, K_HOUSEHOLD);
	}
	static const struct {
		const char *dir, *kind;
	} in[] = { { "members", K_MEMBER }, { LEDGER_FLAGS_DIR, K_FLAG } };

	if (strcmp(id, hh) == 0) {
		*kind = K_HOUSEHOLD;
		return util_asprintf("%s/%s", hdir, K_HOUSEHOLD);
	}
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		rel = util_asprintf("%s/%s", in[i].dir, id);
		if (ledger_tree_bypath(ht, rel, &e) == FC_OK) {
			free(rel);
			*kind = in[i].kind;
			return util_asprintf("%s/%s/%s", hdir, in[i].dir, id);
		}
		free(rel);
	}
	*kind = K_VISIT;
	return util_asprintf("%s/visits/%s", hdir, id);
}

/* Append the open conflicts of household folder hdir ("villages/V/H"). */
static int household_conflicts(ledger *l, const ledger_tree *ht, const char *hdir,
			       const char *hh, merge_conflicts *out, fc_err *err)
{
	ledger_entry ce;
	char *text = NULL, **lines;
	size_t len, n;
	int rc;

	if (ledger_tree_byname(ht, MERGE_CONFLICTS_FILE, &ce) != FC_OK || ce.kind != LEDGER_KIND_BLOB)
		return FC_OK;
	rc = blob_read(l, &ce.id, hdir, &text, &len, err);
	if (rc)
		return rc;
	lines = lines_of(text, &n);
	for (size_t i = 0; i < n; i++) {
		const char *tab = strchr(lines[i], '\t'), *kind;
		char *id = util_strndup(lines[i], (size_t)(tab - lines[i]));
		char *path = record_path_in(ht, hdir, hh, id, &kind);

		line_decode(lines[i], out, path, kind);
		free(id);
		free(path);
	}
	util_strv_free(lines);
	free(text);
	return FC_OK;
}

/* Every household folder under tree t (a village tree at depth 0, its
 * shard folders at depths 1 and 2); path names t. */
static int village_conflicts(ledger *l, const ledger_tree *t, const char *path, int depth,
			     merge_conflicts *out, fc_err *err)
{
	size_t n = ledger_tree_count(t);
	int rc = FC_OK;

	for (size_t i = 0; i < n && rc == FC_OK; i++) {
		ledger_entry he;
		ledger_tree *ht = NULL;
		char *sub;

		if (ledger_tree_at(t, i, &he) != FC_OK || he.kind != LEDGER_KIND_TREE)
			continue;
		if ((rc = ledger_tree_lookup(l, &he.id, &ht, err))) {
			fc_err_prefix(err, "%s/%s: ", path, he.name);
			return rc;
		}
		sub = util_asprintf("%s/%s", path, he.name);
		rc = depth < 2 ? village_conflicts(l, ht, sub, depth + 1, out, err)
			       : household_conflicts(l, ht, sub, he.name, out, err);
		free(sub);
		ledger_tree_free(ht);
	}
	return rc;
}

int merge_conflicts_read(ledger *l, const ledger_oid *tree, const char *village,
			 merge_conflicts *out, fc_err *err)
{
	ledger_tree *root = NULL, *vs = NULL;
	ledger_entry e;
	ledger_oid t;
	int rc = ledger_peel_tree(l, tree, &t, err);

	if (rc)
		return rc;
	if ((rc = ledger_tree_lookup(l, &t, &root, err))) {
		fc_err_prefix(err, "reading the tree: ");
		return rc;
	}
	if (ledger_tree_bypath(root, "villages", &e) != FC_OK || e.kind != LEDGER_KIND_TREE)
		goto cleanup;
	if ((rc = ledger_tree_lookup(l, &e.id, &vs, err))) {
		fc_err_prefix(err, "villages: ");
		goto cleanup;
	}
	for (size_t i = 0; i < ledger_tree_count(vs) && rc == FC_OK; i++) {
		ledger_entry ve;
		ledger_tree *vt = NULL;
		char *vpath;

		if (ledger_tree_at(vs, i, &ve) != FC_OK || ve.kind != LEDGER_KIND_TREE ||
		    (village && strcmp(village, ve.name) != 0))
			continue;
		rc = ledger_tree_lookup(l, &ve.id, &vt, err);
		vpath = util_asprintf("villages/%s", ve.name);
		if (rc)
			fc_err_prefix(err, "%s: ", vpath);
		else
			rc = village_conflicts(l, vt, vpath, 0, out, err);
		free(vpath);
		ledger_tree_free(vt);
	}
cleanup:
	ledger_tree_free(vs);
	ledger_tree_free(root);
	return rc;
}

int merge_resolve_changes(ledger *l, const ledger_oid *tree, const char *record_path,
			  const char *record_id, const char *field, const char *value,
			  ledger_change out[2], merge_conflict *found, fc_err *err)
{
	merge_conflicts open = { NULL, 0, 0 };
	record *rec = NULL;
	fc_buf text = FC_BUF_INIT;
	char *cpath = NULL, *ctext = NULL, **lines = NULL, *key = NULL;
	const merge_conflict *hit = NULL;
	ledger_tree *root = NULL, *ht = NULL;
	ledger_entry he;
	ledger_oid t;
	size_t n = 0, k = 0, len;
	int rc;

	memset(out, 0, 2 * sizeof(*out));
	if (found)
		memset(found, 0, sizeof(*found));
	rc = ledger_peel_tree(l, tree, &t, err);
	if (rc)
		return rc;
	if (record_path && (cpath = merge_conflict_path_for(record_path))) {
		/* Only the one household folder is read. */
		char *hdir = util_strndup(cpath, strlen(cpath) - strlen(MERGE_CONFLICTS_FILE) - 1);
		const char *hh = strrchr(hdir, '/') + 1;
		if (ledger_tree_lookup(l, &t, &root, NULL) == FC_OK &&
		    ledger_tree_bypath(root, hdir, &he) == FC_OK &&
		    ledger_tree_lookup(l, &he.id, &ht, NULL) == FC_OK)
			rc = household_conflicts(l, ht, hdir, hh, &open, err);
		free(hdir);
		free(cpath);
		cpath = NULL;
	} else {
		rc = merge_conflicts_read(l, &t, NULL, &open, err);
	}
	if (rc)
		goto cleanup;
	for (size_t i = 0; i < open.n && !hit; i++)
		if (strcmp(open.v[i].record_id, record_id) == 0 && strcmp(open.v[i].field, field) == 0)
			hit = &open.v[i];
	if (!hit) {
		rc = fc_err_set(err, FC_ENOTFOUND, "record %s has no open conflict on field %s",
				record_id, field);
		goto cleanup;
	}
	cpath = merge_conflict_path_for(hit->path);
	/* The record with the chosen value (a removed record is settled by
	 * keeping it as it is). */
	rc = ledger_read_tree(l, &t, hit->path, &text, err);
	if (rc == FC_OK)
		rc = record_parse(buf_cstr(&text), text.len, hit->path, &rec, err);
	if (rc)
		goto cleanup;
	if (strcmp(field, DELETED_FIELD) != 0)
		record_set(rec, field, value);
	buf_reset(&text);
	serialise_in_order(rec, &text);
	out[0].path = util_strdup(hit->path);
	out[0].len = text.len;
	out[0].data = buf_detach(&text);

	/* The conflicts file without this line. */
	rc = ledger_read_tree(l, &t, cpath, &text, err);
	if (rc)
		goto cleanup;
	ctext = buf_detach(&text);
	lines = lines_of(ctext, &n);
	key = line_encode(record_id, field, "", "", "");
	for (size_t i = 0; i < n; i++) {
		if (same_key(lines[i], key))
			free(lines[i]);
		else
			lines[k++] = lines[i];
	}
	lines[k] = NULL;
	out[1].data = lines_join(lines, k, &len);
	out[1].len = len;
	out[1].path = cpath;
	cpath = NULL;
	if (found) {
		merge_conflicts one = { NULL, 0, 0 };
		merge_conflict *x = conflict_push(&one, hit->path, hit->record_id, hit->field,
						  hit->base, hit->ours, hit->theirs);

		x->kind = util_strdup(hit->kind);
		*found = *x;
		free(one.v);
	}
cleanup:
	merge_conflicts_free(&open);
	record_free(rec);
	buf_free(&text);
	util_strv_free(lines);
	free(ctext);
	free(key);
	free(cpath);
	ledger_tree_free(ht);
	ledger_tree_free(root);
	return rc;
}
