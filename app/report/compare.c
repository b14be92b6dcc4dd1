/* compare.c — `fieldcard compare FILE --source KIND` (compare.h): a
 * department's list read and checked whole, an index of its ID numbers,
 * one pass over the county's heads and members, and each new hit a flag
 * committed to main by the county (county_commit_records).
 *
 * Privacy is the point of the shape: a row that matches nobody is a
 * stranger to the county, so it is never written anywhere, and no message
 * repeats an ID number unmasked. The list lives in memory only while the
 * command runs; its ID numbers never reach the store or the ledger (a
 * flag names the person by member record id), and digit runs in the kept
 * columns that look like ID numbers are masked too.
 *
 * Cost: the list is indexed once (open addressing on the first 18
 * characters), the store is read in one query of its list columns
 * (store_people), so 100,000 rows against 100,000 households is one pass
 * over each. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fieldcard/compare.h"
#include "fieldcard/county.h"
#include "fieldcard/csv.h"
#include "fieldcard/desk.h"
#include "fieldcard/fields.h"
#include "fieldcard/flags.h"
#include "fieldcard/util.h"
#include "fieldcard/validate.h"

#define MAX_PROBLEMS 50      /* listed; the rest are counted */
#define ID18 18

/* ---- rows of a list: a header, then rows with their line numbers ----
 * CSV now; an .xlsx source is one more case in rows_open and rows_next. */

typedef struct rows {
	const char *path;
	FILE *f;
	csv_reader *csv;
} rows;

/* What the file is, from its first bytes: 0 text, else why it is not. */
static const char *not_csv(FILE *f)
{
	unsigned char b[4096];
	size_t n = fread(b, 1, sizeof(b), f);

	rewind(f);
	if (n >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4)
		return "is an Excel workbook (.xlsx) or another zip file, not CSV: save the list as "
		       "CSV UTF-8 (Excel or WPS: Save as, CSV UTF-8)";
	if (n >= 4 && b[0] == 0xD0 && b[1] == 0xCF && b[2] == 0x11 && b[3] == 0xE0)
		return "is an old Excel workbook (.xls), not CSV: save the list as CSV UTF-8";
	if (memchr(b, 0, n))
		return "is not a CSV text file (it holds binary data)";
	return NULL;
}

static int rows_open(rows *r, const char *path, fc_err *err)
{
	const char *why;

	memset(r, 0, sizeof(*r));
	r->path = path;
	if (!(r->f = fopen(path, "rb")))
		return fc_err_set(err, FC_EINVALID, "%s: cannot open the list", path);
	if ((why = not_csv(r->f))) {
		fclose(r->f);
		r->f = NULL;
		return fc_err_set(err, FC_EINVALID, "%s:1: the file %s", path, why);
	}
	r->csv = csv_open(r->f, path);
	return FC_OK;
}

/* 1 with a row, 0 at the end, FC_EINVALID ("FILE:LINE: ...": a broken
 * quote, a byte that is not UTF-8) if the file cannot be read as CSV. */
static int rows_next(rows *r, char ***cells, size_t *n, int *line, fc_err *err)
{
	int rc = csv_next(r->csv, cells, n, err);

	if (rc == 1)
		*line = csv_line(r->csv);
	return rc;
}

static void rows_close(rows *r)
{
	csv_close(r->csv);
	if (r->f)
		fclose(r->f);
}

/* ---- the list in memory ---- */

typedef struct lrow {
	char id[24];           /* the ID number, normalised (upper case X) */
	int line;
	int next;              /* next row of the same first 18 characters, -1 */
	unsigned char matched; /* 1 a person, 2 a member marked as left */
	char *facts;
} lrow;

struct compare_list {
	lrow *v;
	size_t n, cap;
	int *slots;            /* open addressing: row index + 1, 0 empty */
	size_t nslots;
};

static unsigned long hash18(const char *s)
{
	unsigned long h = 1469598103934665603UL;

	for (int i = 0; i < ID18 && s[i]; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211UL;
	return h;
}

/* The first row with these first 18 characters, or -1. */
static int find18(const compare_list *l, const char *id)
{
	size_t i = hash18(id) & (l->nslots - 1);

	while (l->slots[i]) {
		int k = l->slots[i] - 1;

		if (strncmp(l->v[k].id, id, ID18) == 0)
			return k;
		i = (i + 1) & (l->nslots - 1);
	}
	return -1;
}

/* Index row k (called once per row, in order). */
static void index_row(compare_list *l, int k)
{
	size_t i = hash18(l->v[k].id) & (l->nslots - 1);

	while (l->slots[i]) {
		int j = l->slots[i] - 1;

		if (strncmp(l->v[j].id, l->v[k].id, ID18) == 0) {
			while (l->v[j].next >= 0)
				j = l->v[j].next;
			l->v[j].next = k;
			return;
		}
		i = (i + 1) & (l->nslots - 1);
	}
	l->slots[i] = k + 1;
}

static void build_index(compare_list *l)
{
	l->nslots = 1024;
	while (l->nslots < l->n * 2)
		l->nslots *= 2;
	l->slots = util_calloc(l->nslots, sizeof(*l->slots));
	/* The chains are the index's too: made again, or a rebuilt index
	 * would link a row after itself. */
	for (size_t k = 0; k < l->n; k++)
		l->v[k].next = -1;
	for (size_t k = 0; k < l->n; k++)
		index_row(l, (int)k);
}

void compare_list_free(compare_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].facts);
	free(l->v);
	free(l->slots);
	free(l);
}

size_t compare_list_rows(const compare_list *l)
{
	return l ? l->n : 0;
}

/* ---- reading and checking ---- */

typedef struct reader {
	const char *path;
	fc_buf *report;
	fc_err *err;
	int nproblems;
} reader;

static void problem(reader *R, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(reader *R, int line, const char *fmt, ...)
{
	char msg[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (R->nproblems++ == 0)
		fc_err_set(R->err, FC_EINVALID, "%s:%d: %s", R->path, line, msg);
	if (R->report && R->nproblems <= MAX_PROBLEMS)
		buf_printf(R->report, "%s:%d: %s\n", R->path, line, msg);
}

static char *trim_dup(const char *s)
{
	size_t n;

	s += strspn(s, " \t\r\n");
	n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	return util_strndup(s, n);
}

/* A value kept as a fact with any run of 15 or more digits (an ID number of
 * someone else, a co-owner) masked as ID numbers are. */
static void add_masked(fc_buf *out, const char *s)
{
	while (*s) {
		size_t d = strspn(s, "0123456789");

		if (d >= 15 && (s[d] == 'X' || s[d] == 'x'))
			d++;
		if (d >= 15) {
			char *run = util_strndup(s, d), *m = util_mask_id(run);

			buf_adds(out, m);
			free(m);
			free(run);
			s += d;
		} else if (d) {
			buf_add(out, s, d);
			s += d;
		} else {
			buf_addc(out, *s++);
		}
	}
}

/* The ID-number column of the header, -1 if none (a problem reported). */
static int id_column(reader *R, const compare_kind *k, char **cells, size_t n, int line)
{
	fc_buf names = FC_BUF_INIT;
	int col = -1;

	for (size_t i = 0; i < n; i++) {
		char *h = trim_dup(cells[i]);

		for (size_t j = 0; k->id_columns[j]; j++)
			if (strcasecmp(h, k->id_columns[j]) == 0) {
				if (col >= 0)
					problem(R, line, "two ID-number columns ('%s' and '%s'): keep one",
						cells[col], h);
				else
					col = (int)i;
			}
		for (size_t j = 0; j < i; j++) {
			char *o = trim_dup(cells[j]);

			if (*h && strcmp(o, h) == 0)
				problem(R, line, "column '%s' twice", h);
			free(o);
		}
		free(h);
	}
	if (col < 0) {
		for (size_t j = 0; k->id_columns[j]; j++)
			buf_printf(&names, "%s%s", j ? ", " : "", k->id_columns[j]);
		problem(R, line, "no ID-number column: the header has none of %s (forms/%s, "
			"id_columns of %s)", buf_cstr(&names), COMPARE_FILE, k->name);
	}
	buf_free(&names);
	return col;
}

/* The ID number of a row normalised, or a problem (the number masked). */
static int row_id(reader *R, const char *cellv, int lang, int line, char out[24])
{
	form_field fld;
	char *id = trim_dup(cellv), *m;
	fc_err e;

	for (char *p = id; *p; p++)
		if (*p == 'x')
			*p = 'X';
	memset(&fld, 0, sizeof(fld));
	fld.type = FT_ID_NUMBER;
	if (!*id) {
		problem(R, line, "no ID number in this row");
	} else if (strlen(id) >= 24 || val_check_type(&fld, id, lang, &e) != 0) {
		m = util_mask_id(id);
		problem(R, line, "ID number %s: %s", m, strlen(id) >= 24 ? "too long" : e.msg);
		free(m);
	} else {
		snprintf(out, 24, "%s", id);
		free(id);
		return FC_OK;
	}
	free(id);
	return FC_EINVALID;
}

/* The row's other columns as facts: "column: value; column: value". */
static char *row_facts(char *const *header, size_t nh, int idcol, char **cells, size_t n)
{
	fc_buf b = FC_BUF_INIT;

	for (size_t i = 0; i < n && i < nh; i++) {
		char *v;

		if ((int)i == idcol)
			continue;
		v = trim_dup(cells[i]);
		if (*v) {
			if (b.len)
				buf_adds(&b, "; ");
			add_masked(&b, header[i]);
			buf_adds(&b, ": ");
			add_masked(&b, v);
		}
		free(v);
	}
	buf_addc(&b, '\0');
	b.len--;
	return buf_detach(&b);
}

/* An identical row earlier in the file (same ID number and columns)? */
static int duplicate_of(const compare_list *l, const lrow *row)
{
	int k = find18(l, row->id);

	for (; k >= 0; k = l->v[k].next)
		if (strcmp(l->v[k].id, row->id) == 0 && strcmp(l->v[k].facts, row->facts) == 0)
			return l->v[k].line;
	return 0;
}

/* One data row: checked, kept. */
static void add_row(reader *R, compare_list *l, char *const *header, size_t nh, int idcol,
		    char **cells, size_t n, int lang, int line)
{
	lrow row;
	size_t used = n;
	int dup;

	while (used > nh && !cells[used - 1][strspn(cells[used - 1], " \t")])
		used--; /* trailing empty cells, as spreadsheets write them */
	if (used != nh) {
		problem(R, line, "%zu cells, but the header has %zu columns", used, nh);
		return;
	}
	memset(&row, 0, sizeof(row));
	if (row_id(R, (size_t)idcol < n ? cells[idcol] : "", lang, line, row.id) != FC_OK)
		return;
	row.line = line;
	row.next = -1;
	row.facts = row_facts(header, nh, idcol, cells, n);
	if (l->slots && (dup = duplicate_of(l, &row))) {
		problem(R, line, "the same row as line %d (one row a person and item)", dup);
		free(row.facts);
		return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->v = util_realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n] = row;
	/* Index as we go, so a duplicate is found at once; grow by rebuilding. */
	if (!l->slots || l->n * 2 >= l->nslots) {
		free(l->slots);
		l->n++;
		build_index(l);
	} else {
		index_row(l, (int)l->n);
		l->n++;
	}
}

int compare_list_read(const char *path, const compare_kind *k, int lang, compare_list **out,
		      fc_buf *report, fc_err *err)
{
	reader R = { path, report, err, 0 };
	compare_list *l = util_calloc(1, sizeof(*l));
	char **cells, **header = NULL;
	size_t n, nh = 0;
	int rc, line = 0, idcol = -1;
	rows r;
	fc_err rerr;

	*out = NULL;
	if ((rc = rows_open(&r, path, err))) {
		if (report)
			buf_printf(report, "%s\n", err->msg);
		compare_list_free(l);
		return rc;
	}
	fc_err_clear(&rerr);
	while ((rc = rows_next(&r, &cells, &n, &line, &rerr)) == 1) {
		if (!header) {
			header = util_calloc(n + 1, sizeof(*header));
			for (nh = 0; nh < n; nh++)
				header[nh] = trim_dup(cells[nh]);
			idcol = id_column(&R, k, cells, n, line);
			continue;
		}
		if (idcol >= 0)
			add_row(&R, l, header, nh, idcol, cells, n, lang, line);
	}
	if (rc < 0) {
		/* The reader's message names FILE:LINE already. */
		if (R.nproblems++ == 0)
			fc_err_set(err, FC_EINVALID, "%s", rerr.msg);
		if (report)
			buf_printf(report, "%s\n", rerr.msg);
	} else if (!header) {
		problem(&R, 1, "the file is empty: a header row (with an ID-number column) and one "
			"row a person expected");
	} else if (idcol >= 0 && !l->n && !R.nproblems) {
		problem(&R, line, "a header and no rows: nothing to compare");
	}
	if (R.nproblems > MAX_PROBLEMS && report)
		buf_printf(report, "%s: ... and %d more problems\n", path, R.nproblems - MAX_PROBLEMS);
	rows_close(&r);
	util_strv_free(header);
	if (R.nproblems) {
		compare_list_free(l);
		if (R.nproblems > 1)
			fc_err_prefix(err, "%d problems, the first: ", R.nproblems);
		return FC_EINVALID;
	}
	*out = l;
	return FC_OK;
}

/* ---- matching ---- */

/* A person matched, kept until the pass is over. */
typedef struct mhit {
	size_t row;
	char *household, *member, *village;   /* member "" = the head */
} mhit;

typedef struct matcher {
	compare_list *l;
	mhit *v;
	size_t n, cap;
} matcher;

static int on_person(const store_person *p, void *ud)
{
	matcher *m = ud;
	char id[ID18 + 1];

	if (strlen(p->id_number) < ID18)
		return 0;
	for (int i = 0; i < ID18; i++)
		id[i] = p->id_number[i] == 'x' ? 'X' : p->id_number[i];
	id[ID18] = '\0';
	for (int k = find18(m->l, id); k >= 0; k = m->l->v[k].next) {
		lrow *row = &m->l->v[k];

		if (p->left) {
			row->matched |= 2;
			continue;
		}
		row->matched |= 1;
		if (m->n == m->cap) {
			m->cap = m->cap ? m->cap * 2 : 256;
			m->v = util_realloc(m->v, m->cap * sizeof(*m->v));
		}
		m->v[m->n].row = (size_t)k;
		m->v[m->n].household = util_strdup(p->household);
		m->v[m->n].member = util_strdup(p->head ? "" : p->id);
		m->v[m->n++].village = util_strdup(p->village);
	}
	return 0;
}

/* Row, then household, then the members before the head. */
static int cmp_hit(const void *a, const void *b)
{
	const mhit *x = a, *y = b;
	int c;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	if ((c = strcmp(x->household, y->household)))
		return c;
	if (!*x->member != !*y->member)
		return *x->member ? -1 : 1;
	return strcmp(x->member, y->member);
}

int compare_match(fc_app *a, compare_list *l, compare_hit_cb cb, void *ud, compare_counts *c,
		  fc_err *err)
{
	matcher m = { l, NULL, 0, 0 };
	int rc;

	memset(c, 0, sizeof(*c));
	c->rows = l->n;
	if (!l->slots)
		build_index(l);
	for (size_t i = 0; i < l->n; i++)
		l->v[i].matched = 0;
	if ((rc = store_people(a->st, on_person, &m, err)))
		goto out;
	for (size_t i = 0; i < l->n; i++) {
		if (!l->v[i].matched)
			c->nobody++;
		else if (l->v[i].matched == 2)
			c->left_only++;
	}
	/* The head is usually in the roster too (relationship head): one
	 * person, one flag, on the member record, which names them. */
	qsort(m.v, m.n, sizeof(*m.v), cmp_hit);
	for (size_t i = 0; i < m.n && !rc; i++) {
		const mhit *h = &m.v[i];
		compare_hit hit = { l->v[h->row].line, h->household, h->member, h->village,
				    l->v[h->row].facts };

		if (!*h->member && i && m.v[i - 1].row == h->row &&
		    strcmp(m.v[i - 1].household, h->household) == 0)
			continue;
		c->hits++;
		if (cb)
			rc = cb(&hit, ud);
	}
out:
	for (size_t i = 0; i < m.n; i++) {
		free(m.v[i].household);
		free(m.v[i].member);
		free(m.v[i].village);
	}
	free(m.v);
	return rc;
}

/* ---- the whole compare ---- */

typedef struct known {
	char **keys;           /* "HOUSEHOLD TAB MEMBER TAB FACTS" of the kind's flags, sorted */
	size_t n, cap;
	const char *kind;
} known;

static char *flag_key(const char *household, const char *member, const char *facts)
{
	return util_asprintf("%s\t%s\t%s", household, member, facts);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int on_existing(const record *r, void *ud)
{
	known *k = ud;

	if (strcmp(record_val(r, F_FLAG_KIND), k->kind) != 0)
		return 0;
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 64;
		k->keys = util_realloc(k->keys, k->cap * sizeof(*k->keys));
	}
	k->keys[k->n++] = flag_key(r->parent, record_val(r, F_FLAG_MEMBER),
				   record_val(r, F_FLAG_FACTS));
	return 0;
}

typedef struct run {
	fc_app *a;
	const compare_kind *k;
	const char *source;
	known kn;
	record **recs;
	char **villages;
	size_t n, cap;
	compare_result *res;
	fc_err *err;
} run;

static const char *in_lang(char *const *v, int lang)
{
	return v[lang] && *v[lang] ? v[lang] : v[1 - lang] ? v[1 - lang] : "";
}

static int on_hit(const compare_hit *h, void *ud)
{
	run *x = ud;
	char *key = flag_key(h->household, h->member, h->facts);
	int seen = x->kn.n && bsearch(&key, x->kn.keys, x->kn.n, sizeof(*x->kn.keys), cmp_str);
	record *r;

	free(key);
	if (seen) {
		x->res->already++;
		return 0;
	}
	/* The text is for the cadre: Chinese first, the field's language. */
	r = flags_record_new(x->a, h->household, x->k->name, h->member,
			     in_lang(x->k->text, FC_LANG_ZH), h->facts, x->source);
	if (!r)
		return fc_err_set(x->err, FC_EINVALID, "the forms in use have no flag repeat");
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 256;
		x->recs = util_realloc(x->recs, x->cap * sizeof(*x->recs));
		x->villages = util_realloc(x->villages, x->cap * sizeof(*x->villages));
	}
	x->recs[x->n] = r;
	x->villages[x->n++] = util_strdup(h->village);
	return 0;
}

static size_t count_households(record *const *recs, size_t n)
{
	const char **v = util_calloc(n + 1, sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		v[i] = recs[i]->parent;
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n; i++)
		k += !i || strcmp(v[i], v[i - 1]) != 0;
	free(v);
	return k;
}

static void run_free(run *x)
{
	for (size_t i = 0; i < x->n; i++) {
		record_free(x->recs[i]);
		free(x->villages[i]);
	}
	free(x->recs);
	free(x->villages);
	for (size_t i = 0; i < x->kn.n; i++)
		free(x->kn.keys[i]);
	free(x->kn.keys);
}

/* The kinds of compare.csv and the one asked for; an unknown one is
 * refused with the list of those defined. */
static int kind_of(fc_app *a, const char *name, compare_kinds **ks, const compare_kind **k,
		   fc_buf *report, fc_err *err)
{
	char *path = util_asprintf("%s/%s", a->forms_dir, COMPARE_FILE);
	fc_buf names = FC_BUF_INIT;
	int rc = compare_kinds_load(path, ks, report, err);

	free(path);
	if (rc)
		return rc;
	if ((*k = compare_kind_find(*ks, name)))
		return FC_OK;
	for (size_t i = 0; i < (*ks)->n; i++)
		buf_printf(&names, "%s%s", i ? ", " : "", (*ks)->v[i].name);
	rc = fc_err_set(err, FC_EINVALID, "unknown source kind '%s': %s defines %s", name ? name : "",
			(*ks)->path, buf_cstr(&names));
	buf_free(&names);
	return rc;
}

/* "FILE LABEL" as the flags name their source (masked like facts). */
static void source_name(const char *path, const compare_kind *k, char *out, size_t len)
{
	const char *base = strrchr(path, '/');
	fc_buf b = FC_BUF_INIT;

	add_masked(&b, base ? base + 1 : path);
	buf_adds(&b, " ");
	buf_adds(&b, in_lang(k->label, FC_LANG_ZH));
	snprintf(out, len, "%s", buf_cstr(&b));
	buf_free(&b);
}

/* Fetch, match, commit the new flags, push. */
static int commit_hits(fc_app *a, compare_list *l, run *x, compare_result *res, fc_err *err)
{
	county_records_result cr;
	fc_buf msg = FC_BUF_INIT;
	desk *d = NULL;
	int rc;

	if ((rc = desk_open(a, 1, &d, err)) || (rc = desk_fetch(d, err)) ||
	    (rc = store_each_child(a->st, K_FLAG, NULL, NULL, on_existing, &x->kn, err)))
		goto out;
	if (x->kn.n)
		qsort(x->kn.keys, x->kn.n, sizeof(*x->kn.keys), cmp_str);
	if ((rc = compare_match(a, l, on_hit, x, &res->counts, err)))
		goto out;
	if (!x->n)
		goto out;
	res->households = count_households(x->recs, x->n);
	buf_printf(&msg, "Compare %s: %zu flag(s) on %zu household(s)\n\n"
		   "Each hit in the %s list is a flag for a person to verify (%s%s%s); rows that "
		   "matched nobody are not kept. %zu row(s), %zu already flagged.\n",
		   res->source, x->n, res->households, x->k->name, compare_effect_name(x->k->effect),
		   *x->k->check ? " " : "", x->k->check, res->counts.rows, res->already);
	if ((rc = county_commit_records(desk_ledger(d), a, desk_author(d), x->recs,
					(const char *const *)x->villages, x->n, msg.data, &cr, err)))
		goto out;
	res->flags = cr.records;
	res->villages_cut = cr.villages_cut;
	rc = desk_push(d, err);
out:
	buf_free(&msg);
	desk_close(d);
	return rc;
}

int compare_run(fc_app *a, const char *path, const char *kind, compare_result *res,
		fc_buf *report, fc_err *err)
{
	compare_kinds *ks = NULL;
	const compare_kind *k = NULL;
	compare_list *l = NULL;
	run x;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&x, 0, sizeof(x));
	if (!a->role || strcmp(a->role, "county") != 0)
		return fc_err_set(err, FC_EINVALID,
				  "compare is county staff's work: this data directory's role is %s",
				  a->role ? a->role : "unknown");
	if ((rc = kind_of(a, kind, &ks, &k, report, err)))
		goto out;
	/* The whole list is checked before anything is written. */
	if ((rc = compare_list_read(path, k, a->lang, &l, report, err)))
		goto out;
	source_name(path, k, res->source, sizeof(res->source));
	x.a = a;
	x.k = k;
	x.source = res->source;
	x.kn.kind = k->name;
	x.res = res;
	x.err = err;
	rc = commit_hits(a, l, &x, res, err);
out:
	run_free(&x);
	compare_list_free(l);
	compare_kinds_free(ks);
	return rc;
}
