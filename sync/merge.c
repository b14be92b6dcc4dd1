/* merge.c — three-way, field-level merge of records and of ledger trees
 * (merge.h, DESIGN.md "Merging").
 *
 * Trees: only the paths that changed from base to theirs are looked at
 * (ledger_diff skips equal subtrees), and the result is written over ours
 * with ledger_tree_update, so the cost grows with the change, not with the
 * county. A record changed on both sides is merged field by field; the
 * merged text is ours with values replaced line by line, so it stays in the
 * form's field order without needing the form here. Files that are not
 * records (forms/, keys/) changed on both sides take theirs: only county
 * principals may change them.
 *
 * Open conflicts are listed in the tree beside the household, in
 * villages/<code>/<household>/conflicts, one line per record field:
 *     RECORD-ID TAB FIELD TAB BASE TAB OURS TAB THEIRS
 * values escaped as in record.h (plus TAB as \t), lines sorted, one line
 * per (record, field): a newer conflict on the same field replaces the
 * older. A resolution removes its line. */
#include <stdlib.h>
#include <string.h>

#include "fieldcard/merge.h"
#include "fieldcard/util.h"

#define CONFLICTS_NAME "conflicts"

void merge_conflicts_free(merge_conflicts *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].record_id);
		free(c->v[i].field);
		free(c->v[i].base);
		free(c->v[i].ours);
		free(c->v[i].theirs);
	}
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

static void conflict_add(merge_conflicts *c, const char *path, const char *id, const char *field,
			 const char *b, const char *o, const char *t)
{
	merge_conflict *m;

	if (!c)
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->v = util_realloc(c->v, c->cap * sizeof(*c->v));
	}
	m = &c->v[c->n++];
	m->path = util_strdup(path ? path : "");
	m->record_id = util_strdup(id ? id : "");
	m->field = util_strdup(field);
	m->base = util_strdup(b);
	m->ours = util_strdup(o);
	m->theirs = util_strdup(t);
}

int merge_record(const record *base, const record *ours, const record *theirs,
		 record **out, merge_conflicts *c, fc_err *err)
{
	record *m;

	if (!ours || !theirs)
		return fc_err_set(err, FC_EINVALID, "merge: both sides of a record are needed");
	if (strcmp(ours->id, theirs->id) != 0 || strcmp(ours->kind, theirs->kind) != 0)
		return fc_err_set(err, FC_EINVALID, "merge: %s %s and %s %s are not the same record",
				  ours->kind, ours->id, theirs->kind, theirs->id);
	m = record_dup(ours);
	/* The newer form version wins; versions are "YYYY.MM.N", so byte order
	 * is age order within the same shape. */
	if (theirs->form_version &&
	    (!m->form_version || strcmp(theirs->form_version, m->form_version) > 0))
		record_set_version(m, theirs->form_version);
	for (int side = 0; side < 2; side++) {
		const record *r = side == 0 ? theirs : base;

		if (!r)
			continue;
		for (size_t i = 0; i < r->n; i++) {
			const char *name = r->names[i];
			const char *b = base ? record_val(base, name) : "";
			const char *o = record_val(ours, name);
			const char *t = record_val(theirs, name);

			if (side == 1 && record_get(theirs, name))
				continue; /* already seen from theirs */
			if (!strcmp(t, b) || !strcmp(o, t))
				continue;          /* theirs unchanged, or the same change */
			if (!strcmp(o, b))
				record_set(m, name, t); /* only theirs changed it */
			else
				conflict_add(c, NULL, ours->id, name, b, o, t);
		}
	}
	*out = m;
	return FC_OK;
}

/* ---- trees ---- */

typedef struct pending_change {
	char *path;
	fc_buf data;
	int remove;
} pending_change;

typedef struct tmerge {
	ledger *l;
	const git_oid *base, *ours, *theirs;
	pending_change *v;
	size_t n, cap;
	merge_conflicts *c;
	size_t c_first;        /* conflicts of this merge start here */
	merge_conflicts local; /* used when the caller passes none */
	fc_err *err;
} tmerge;

static pending_change *change_new(tmerge *m, const char *path)
{
	pending_change *p;

	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->v = util_realloc(m->v, m->cap * sizeof(*m->v));
	}
	p = &m->v[m->n++];
	memset(p, 0, sizeof(*p));
	p->path = util_strdup(path);
	buf_init(&p->data);
	return p;
}

static int read_opt(ledger *l, const git_oid *tree, const char *path, fc_buf *out, int *found,
		    fc_err *err)
{
	int rc;

	*found = 0;
	buf_reset(out);
	if (!tree)
		return FC_OK;
	rc = ledger_read_tree(l, tree, path, out, err);
	if (rc == FC_ENOTFOUND) {
		fc_err_clear(err);
		return FC_OK;
	}
	if (rc == FC_OK)
		*found = 1;
	return rc;
}

/* Is path a record file (villages/V/H/household, .../members/ID, .../visits/ID)? */
static int is_record_path(const char *path)
{
	const char *last = strrchr(path, '/');

	return strncmp(path, "villages/", 9) == 0 && last && strcmp(last + 1, CONFLICTS_NAME) != 0;
}

/* The merged record's text: ours' lines with merged values, then fields
 * ours lacks (a newer form's) in byte order of name. */
static void render(const char *ours_text, const record *merged, fc_buf *out)
{
	const char *p = ours_text;
	char **seen = util_calloc(merged->n + 1, sizeof(*seen));
	size_t nseen = 0;
	char **extra = util_calloc(merged->n + 1, sizeof(*extra));
	size_t nextra = 0;

	while (*p) {
		const char *nl = strchr(p, '\n'), *colon;
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *name;

		colon = memchr(p, ':', len);
		if (!colon) {
			buf_add(out, p, len);
			buf_addc(out, '\n');
		} else {
			name = util_strndup(p, (size_t)(colon - p));
			if (!strcmp(name, "form") && merged->form_version) {
				buf_printf(out, "form: %s %s\n", merged->kind, merged->form_version);
			} else if (!strcmp(name, "form") || !strcmp(name, "id") || !strcmp(name, "parent") ||
				   !record_get(merged, name)) {
				buf_add(out, p, len);
				buf_addc(out, '\n');
			} else {
				const char *v = record_val(merged, name);

				buf_adds(out, name);
				buf_addc(out, ':');
				if (*v) {
					buf_addc(out, ' ');
					record_escape(v, out);
				}
				buf_addc(out, '\n');
				seen[nseen++] = util_strdup(name);
			}
			free(name);
		}
		p = nl ? nl + 1 : p + len;
	}
	for (size_t i = 0; i < merged->n; i++) {
		int found = 0;

		for (size_t j = 0; j < nseen && !found; j++)
			found = !strcmp(seen[j], merged->names[i]);
		if (!found)
			extra[nextra++] = merged->names[i];
	}
	for (size_t i = 1; i < nextra; i++)
		for (size_t j = i; j > 0 && strcmp(extra[j - 1], extra[j]) > 0; j--) {
			char *t = extra[j];

			extra[j] = extra[j - 1];
			extra[j - 1] = t;
		}
	for (size_t i = 0; i < nextra; i++) {
		const char *v = record_val(merged, extra[i]);

		buf_adds(out, extra[i]);
		buf_addc(out, ':');
		if (*v) {
			buf_addc(out, ' ');
			record_escape(v, out);
		}
		buf_addc(out, '\n');
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	free(extra);
}

static int merge_file(tmerge *m, const char *path, const fc_buf *b, int hb, const fc_buf *o,
		      const fc_buf *t)
{
	record *rb = NULL, *ro = NULL, *rt = NULL, *rm = NULL;
	size_t before = m->c->n;
	pending_change *pc;
	int rc;

	if (!is_record_path(path)) {
		pc = change_new(m, path); /* forms/, keys/, conflicts: the county's */
		buf_add(&pc->data, t->data, t->len);
		return FC_OK;
	}
	if ((hb && (rc = record_parse(b->data, b->len, path, &rb, m->err)) != FC_OK) ||
	    (rc = record_parse(o->data, o->len, path, &ro, m->err)) != FC_OK ||
	    (rc = record_parse(t->data, t->len, path, &rt, m->err)) != FC_OK ||
	    (rc = merge_record(rb, ro, rt, &rm, m->c, m->err)) != FC_OK)
		goto cleanup;
	for (size_t i = before; i < m->c->n; i++) {
		free(m->c->v[i].path);
		m->c->v[i].path = util_strdup(path);
	}
	pc = change_new(m, path);
	render(o->data, rm, &pc->data);
	if (pc->data.len == o->len && memcmp(pc->data.data, o->data, o->len) == 0) {
		buf_free(&pc->data);
		free(pc->path);
		m->n--; /* nothing changed on our side */
	}
cleanup:
	record_free(rb);
	record_free(ro);
	record_free(rt);
	record_free(rm);
	return rc;
}

static int on_delta(const ledger_delta *d, void *payload)
{
	tmerge *m = payload;
	fc_buf b = FC_BUF_INIT, o = FC_BUF_INIT, t = FC_BUF_INIT;
	int hb, ho, ht, rc;

	if ((rc = read_opt(m->l, m->base, d->path, &b, &hb, m->err)) != FC_OK ||
	    (rc = read_opt(m->l, m->ours, d->path, &o, &ho, m->err)) != FC_OK ||
	    (rc = read_opt(m->l, m->theirs, d->path, &t, &ht, m->err)) != FC_OK)
		goto cleanup;
	if (ho && ht && o.len == t.len && !memcmp(o.data, t.data, o.len))
		goto cleanup; /* already the same */
	if (!ht) {
		/* Removed on theirs (forms or keys retired): follow it unless we
		 * changed the file ourselves. Records are never removed. */
		if (ho && hb && o.len == b.len && !memcmp(o.data, b.data, b.len))
			change_new(m, d->path)->remove = 1;
		goto cleanup;
	}
	if (!ho || (hb && o.len == b.len && !memcmp(o.data, b.data, b.len))) {
		pending_change *pc = change_new(m, d->path); /* only theirs changed it */

		buf_add(&pc->data, t.data, t.len);
		goto cleanup;
	}
	rc = merge_file(m, d->path, &b, hb, &o, &t);
cleanup:
	buf_free(&b);
	buf_free(&o);
	buf_free(&t);
	return rc;
}

/* Escape for a conflicts line: record escaping plus TAB. */
static void esc_field(const char *v, fc_buf *out)
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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Write the conflicts file of each household that got new conflicts. */
static int write_conflicts(tmerge *m)
{
	for (size_t i = m->c_first; i < m->c->n; i++) {
		const char *path = m->c->v[i].path;
		char *dir, *cpath, **lines = NULL;
		size_t nlines = 0;
		fc_buf old = FC_BUF_INIT;
		pending_change *pc = NULL;
		int found = 0, rc, dup = 0;
		const char *slash;

		/* villages/V/H/... -> villages/V/H */
		slash = path + 9;
		slash = strchr(slash, '/');
		slash = slash ? strchr(slash + 1, '/') : NULL;
		if (!slash)
			continue;
		dir = util_strndup(path, (size_t)(slash - path));
		cpath = util_asprintf("%s/%s", dir, CONFLICTS_NAME);
		for (size_t j = m->c_first; j < i && !dup; j++)
			dup = !strncmp(m->c->v[j].path, dir, strlen(dir)) && m->c->v[j].path[strlen(dir)] == '/';
		if (dup) {
			free(dir);
			free(cpath);
			continue; /* this household's file is already written */
		}
		/* Start from ours' (or an earlier change's) list. */
		for (size_t j = 0; j < m->n; j++)
			if (!strcmp(m->v[j].path, cpath)) {
				pc = &m->v[j];
				buf_add(&old, pc->data.data, pc->data.len);
				found = 1;
			}
		if (!found && (rc = read_opt(m->l, m->ours, cpath, &old, &found, m->err)) != FC_OK) {
			free(dir);
			free(cpath);
			buf_free(&old);
			return rc;
		}
		if (found)
			lines = util_split(old.data, '\n');
		for (size_t k = 0; lines && lines[k]; k++)
			if (*lines[k])
				nlines++;
		{
			char **all = util_calloc(nlines + (m->c->n - i) + 1, sizeof(*all));
			size_t na = 0;

			for (size_t j = i; j < m->c->n; j++) {
				merge_conflict *x = &m->c->v[j];
				fc_buf line = FC_BUF_INIT;

				if (strncmp(x->path, dir, strlen(dir)) || x->path[strlen(dir)] != '/')
					continue;
				buf_printf(&line, "%s\t%s\t", x->record_id, x->field);
				esc_field(x->base, &line);
				buf_addc(&line, '\t');
				esc_field(x->ours, &line);
				buf_addc(&line, '\t');
				esc_field(x->theirs, &line);
				all[na++] = buf_detach(&line);
			}
			for (size_t k = 0; lines && lines[k]; k++) {
				char *t1 = strchr(lines[k], '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
				int replaced = 0;

				if (!*lines[k] || !t2)
					continue;
				for (size_t j = 0; j < na && !replaced; j++)
					replaced = !strncmp(all[j], lines[k], (size_t)(t2 - lines[k] + 1));
				if (!replaced)
					all[na++] = util_strdup(lines[k]);
			}
			qsort(all, na, sizeof(*all), cmp_str);
			if (!pc)
				pc = change_new(m, cpath);
			buf_reset(&pc->data);
			for (size_t j = 0; j < na; j++) {
				buf_adds(&pc->data, all[j]);
				buf_addc(&pc->data, '\n');
				free(all[j]);
			}
			free(all);
		}
		util_strv_free(lines);
		buf_free(&old);
		free(dir);
		free(cpath);
	}
	return FC_OK;
}

int merge_trees(ledger *l, const git_oid *base, const git_oid *ours, const git_oid *theirs,
		git_oid *out, merge_conflicts *c, fc_err *err)
{
	tmerge m;
	ledger_change *ch = NULL;
	int rc;

	memset(&m, 0, sizeof(m));
	m.l = l;
	m.base = base;
	m.ours = ours;
	m.theirs = theirs;
	m.c = c ? c : &m.local;
	m.c_first = m.c->n;
	m.err = err;
	if ((rc = ledger_diff(l, base, theirs, on_delta, &m, err)) != FC_OK)
		goto cleanup;
	if ((rc = write_conflicts(&m)) != FC_OK)
		goto cleanup;
	if (m.n == 0) {
		if (ours)
			*out = *ours;
		else
			rc = ledger_tree_update(l, NULL, NULL, 0, out, err);
		goto cleanup;
	}
	ch = util_calloc(m.n, sizeof(*ch));
	for (size_t i = 0; i < m.n; i++) {
		ch[i].path = m.v[i].path;
		ch[i].data = m.v[i].remove ? NULL : (m.v[i].data.data ? m.v[i].data.data : "");
		ch[i].len = m.v[i].data.len;
	}
	rc = ledger_tree_update(l, ours, ch, m.n, out, err);
cleanup:
	for (size_t i = 0; i < m.n; i++) {
		free(m.v[i].path);
		buf_free(&m.v[i].data);
	}
	free(m.v);
	free(ch);
	merge_conflicts_free(&m.local);
	return rc;
}
