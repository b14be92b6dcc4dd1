/* xport.c — import (CSV, JSON Lines) and export (CSV, JSON Lines, xlsx) of
 * records; see include/fieldcard/xport.h.
 *
 * Import is a pipeline of two halves: a reader turns each CSV row or JSON
 * line into an xrow (kind, id, parent, name/value pairs, line number), and
 * import_row maps it onto a record and saves it with app_save inside the one
 * transaction the import holds. Readers never stop at a bad row (a cadre
 * wants every problem of a file in one go) unless the input itself can no
 * longer be read (broken quoting). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#ifdef FC_HAVE_XLSX
#include <xlsxwriter.h>
#endif

#include "fieldcard/csv.h"
#include "fieldcard/util.h"
#include "fieldcard/xport.h"

int xport_format_parse(const char *name, xport_format *out, fc_err *err)
{
	if (!strcmp(name, "csv")) {
		*out = XPORT_CSV;
	} else if (!strcmp(name, "jsonl") || !strcmp(name, "json")) {
		*out = XPORT_JSONL;
	} else if (!strcmp(name, "xlsx")) {
#ifdef FC_HAVE_XLSX
		*out = XPORT_XLSX;
#else
		return fc_err_set(err, FC_EUSAGE,
				  "this build has no xlsx support (libxlsxwriter); use csv or jsonl");
#endif
	} else {
		return fc_err_set(err, FC_EUSAGE, "unknown format '%s' (csv, jsonl or xlsx)", name);
	}
	return 0;
}

/* ---- forms ---- */

/* Every record kind the loaded forms define ("household, member, visit"),
 * for messages. */
static void kinds_list(const form_set *fs, fc_buf *out)
{
	for (size_t i = 0; i < fs->n; i++) {
		const form *f = fs->forms[i];

		buf_printf(out, "%s%s", out->len ? ", " : "", f->id);
		for (size_t j = 0; j < f->nsubs; j++)
			buf_printf(out, ", %s", f->subs[j]->id);
	}
}

static int form_lookup(fc_app *a, const char *kind, const form **out, fc_err *err)
{
	fc_buf kinds = FC_BUF_INIT;
	int rc;

	*out = app_form(a, kind);
	if (*out)
		return 0;
	kinds_list(a->forms, &kinds);
	rc = fc_err_set(err, FC_EINVALID, "unknown form '%s' (forms: %s)", kind,
			buf_cstr(&kinds));
	buf_free(&kinds);
	return rc;
}

/* ---- ids seen in this import: open addressing, so that 100,000 rows stay
 * cheap; tells a duplicate id and a parent refused earlier in the file ---- */

typedef struct seen_entry {
	char *id;
	int line;
	int bad;
} seen_entry;

typedef struct seen_set {
	seen_entry *v;
	size_t cap, n;
} seen_set;

static size_t seen_hash(const char *s)
{
	size_t h = 1469598103934665603ULL & SIZE_MAX;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (1099511628211ULL & SIZE_MAX);
	return h;
}

static seen_entry *seen_find(seen_set *s, const char *id)
{
	size_t i;

	if (!s->cap)
		return NULL;
	for (i = seen_hash(id) & (s->cap - 1); s->v[i].id; i = (i + 1) & (s->cap - 1))
		if (!strcmp(s->v[i].id, id))
			return &s->v[i];
	return NULL;
}

static void seen_add(seen_set *s, const char *id, int line, int bad)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		seen_set bigger = { NULL, s->cap ? s->cap * 2 : 1024, 0 };

		bigger.v = util_calloc(bigger.cap, sizeof(seen_entry));
		for (size_t k = 0; k < s->cap; k++) {
			if (!s->v[k].id)
				continue;
			for (i = seen_hash(s->v[k].id) & (bigger.cap - 1); bigger.v[i].id;
			     i = (i + 1) & (bigger.cap - 1))
				;
			bigger.v[i] = s->v[k];
			bigger.n++;
		}
		free(s->v);
		*s = bigger;
	}
	for (i = seen_hash(id) & (s->cap - 1); s->v[i].id; i = (i + 1) & (s->cap - 1))
		;
	s->v[i].id = util_strdup(id);
	s->v[i].line = line;
	s->v[i].bad = bad;
	s->n++;
}

static void seen_free(seen_set *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->v[i].id);
	free(s->v);
	s->v = NULL;
	s->cap = s->n = 0;
}

/* ---- import ---- */

typedef struct xrow {
	const form *f;
	const char *id;           /* "" or NULL: a new record */
	const char *parent;       /* "" or NULL: none */
	size_t n;
	const char **names;
	const char **values;
	int line;
	const char *missing;      /* required columns the source lacks, or NULL */
} xrow;

typedef struct ictx {
	fc_app *a;
	const char *where;
	xport_result *res;
	fc_buf *report;
	int listed_errors, listed_warnings;
	seen_set seen;
	fc_err fatal;             /* a store or I/O failure stops everything */
	int failed;
} ictx;

/* One problem line. rec/field may be NULL. */
static void problem(ictx *c, int line, val_severity sev, const char *rec,
		    const char *field, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void problem(ictx *c, int line, val_severity sev, const char *rec,
		    const char *field, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sev == VAL_ERROR) {
		c->res->errors++;
		if (c->listed_errors++ >= XPORT_MAX_LISTED)
			return;
	} else {
		c->res->warnings++;
		if (c->listed_warnings++ >= XPORT_MAX_LISTED)
			return;
	}
	if (!c->report)
		return;
	buf_printf(c->report, "%s:%d: ", c->where, line);
	if (sev == VAL_WARNING)
		buf_adds(c->report, "warning: ");
	if (rec && *rec)
		buf_printf(c->report, "record %s", rec);
	if (field && *field)
		buf_printf(c->report, "%sfield %s", rec && *rec ? " " : "", field);
	if ((rec && *rec) || (field && *field))
		buf_adds(c->report, ": ");
	buf_adds(c->report, msg);
	buf_addc(c->report, '\n');
}

static int is_empty(const char *s)
{
	return !s || !*s;
}

/* A record id from a file: a ULID as made here, or another system's key
 * of letters, digits, '-' and '_' (it becomes a file name in the ledger, so
 * nothing that could leave its folder). */
static int id_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 && strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "abcdefghijklmnopqrstuvwxyz-_") == n;
}

/* Does the record kind `kind` belong under a household-like parent form? */
static int needs_parent(const form *f)
{
	return f->parent != NULL;
}

/* Map one row onto a record and save it. Returns 0 (the row was handled,
 * good or bad) or a fatal code, with c->fatal filled. */
static int import_row(ictx *c, const xrow *x)
{
	store *st = c->a->st;
	const char *kind = x->f->id;
	record *r = NULL, *p = NULL;
	val_report rep;
	fc_err e;
	int bad = 0, existing = 0, rc;
	const char *shown_id = is_empty(x->id) ? NULL : x->id;

	val_report_init(&rep);
	fc_err_clear(&e);
	if (shown_id && !id_ok(shown_id)) {
		problem(c, x->line, VAL_ERROR, NULL, "id",
			"'%s' is not a record id (up to 64 letters, digits, - or _)", shown_id);
		bad = 1;
		shown_id = NULL;
	}
	if (!needs_parent(x->f) && !is_empty(x->parent)) {
		problem(c, x->line, VAL_ERROR, shown_id, "parent",
			"a %s record has no parent (leave it empty)", kind);
		bad = 1;
	} else if (needs_parent(x->f) && is_empty(x->parent)) {
		problem(c, x->line, VAL_ERROR, shown_id, "parent",
			"missing: a %s record belongs to a %s (give its id in column parent)",
			kind, x->f->parent->id);
		bad = 1;
	} else if (!is_empty(x->parent) && !id_ok(x->parent)) {
		problem(c, x->line, VAL_ERROR, shown_id, "parent",
			"'%s' is not a record id (up to 64 letters, digits, - or _)", x->parent);
		bad = 1;
	}
	if (bad)
		goto done;
	if (shown_id) {
		seen_entry *s = seen_find(&c->seen, shown_id);

		if (s) {
			problem(c, x->line, VAL_ERROR, shown_id, NULL,
				"the same id is already on line %d", s->line);
			bad = 1;
			goto done;
		}
		rc = store_get(st, shown_id, &r, &e);
		if (rc == 0) {
			existing = 1;
			if (strcmp(r->kind, kind)) {
				problem(c, x->line, VAL_ERROR, shown_id, NULL,
					"is a %s record in the store, not a %s", r->kind, kind);
				bad = 1;
			} else if (!is_empty(x->parent) &&
				   strcmp(r->parent ? r->parent : "", x->parent)) {
				problem(c, x->line, VAL_ERROR, shown_id, "parent",
					"the record belongs to %s %s; it cannot move to %s",
					x->f->parent ? x->f->parent->id : "household",
					r->parent ? r->parent : "(none)", x->parent);
				bad = 1;
			}
		} else if (rc != FC_ENOTFOUND) {
			c->fatal = e;
			goto fatal;
		}
	}
	if (bad)
		goto done;
	if (!existing) {
		if (x->missing) {
			problem(c, x->line, VAL_ERROR, shown_id, NULL,
				"a new %s record needs column(s) %s", kind, x->missing);
			bad = 1;
		}
		if (!is_empty(x->parent)) {
			rc = store_get(st, x->parent, &p, &e);
			if (rc == FC_ENOTFOUND) {
				seen_entry *s = seen_find(&c->seen, x->parent);

				if (s && s->bad)
					problem(c, x->line, VAL_ERROR, shown_id, "parent",
						"%s %s was refused on line %d", x->f->parent->id,
						x->parent, s->line);
				else
					problem(c, x->line, VAL_ERROR, shown_id, "parent",
						"%s %s does not exist (neither in the store nor earlier in this file)",
						x->f->parent->id, x->parent);
				bad = 1;
				goto done;
			} else if (rc) {
				c->fatal = e;
				goto fatal;
			}
			if (strcmp(p->kind, x->f->parent->id)) {
				problem(c, x->line, VAL_ERROR, shown_id, "parent",
					"%s is a %s record, not a %s", x->parent, p->kind,
					x->f->parent->id);
				bad = 1;
				goto done;
			}
		}
		if (bad)
			goto done;
		/* A new row starts as a new form does (the model's defaults). */
		r = app_record_new(c->a, kind, shown_id, is_empty(x->parent) ? NULL : x->parent, NULL);
		if (!r) {
			problem(c, x->line, VAL_ERROR, shown_id, NULL, "no form for records of kind %s",
				kind);
			bad = 1;
			goto done;
		}
	}
	for (size_t i = 0; i < x->n; i++) {
		const form_field *fld = form_field_find(x->f, x->names[i]);

		/* Calculated fields are recomputed by app_save, whatever the file
		 * says: an exported file carries them, and they must not block.
		 * Read-only ones (the review state) are the app's to set, as in the
		 * UI: a file must not approve its own cards. */
		if (!fld || fld->type == FT_CALCULATE || fld->read_only)
			continue;
		if (!is_empty(x->values[i]) &&
		    val_check_type(fld, x->values[i], c->a->lang, &e)) {
			problem(c, x->line, VAL_ERROR, r->id, fld->name, "%s", e.msg);
			bad = 1;
			continue;
		}
		record_set(r, fld->name, x->values[i]);
	}
	if (bad)
		goto done;
	/* An ID number in the row fills birth date and sex the row leaves
	 * empty, as typing it in the form does. */
	for (size_t i = 0; i < x->n; i++) {
		const form_field *fld = form_field_find(x->f, x->names[i]);

		if (fld && fld->type == FT_ID_NUMBER && !is_empty(x->values[i]))
			app_autofill_id(c->a, r, fld->name);
	}
	fc_err_clear(&e);
	rc = app_save(c->a, r, &rep, &e);
	if (rc && rc != FC_EINVALID) {
		c->fatal = e;
		goto fatal;
	}
	for (size_t i = 0; i < rep.n; i++) {
		const val_issue *is = &rep.items[i];

		/* An error on another record (a stored member checked with its
		 * household) did not block this save: it is a warning here. */
		problem(c, x->line, rc ? is->severity : VAL_WARNING,
			is->record_id ? is->record_id : r->id, is->field, "%s", is->message);
	}
	if (rc == FC_EINVALID) {
		if (!rep.nerrors)
			problem(c, x->line, VAL_ERROR, NULL, NULL, "%s", e.msg);
		bad = 1;
	}
done:
	if (bad)
		c->res->bad_rows++;
	else if (existing)
		c->res->updated++;
	else
		c->res->added++;
	if (r || shown_id)
		seen_add(&c->seen, r ? r->id : shown_id, x->line, bad);
	record_free(r);
	record_free(p);
	val_report_free(&rep);
	return 0;
fatal:
	fc_err_prefix(&c->fatal, "%s:%d: ", c->where, x->line);
	c->failed = 1;
	record_free(r);
	record_free(p);
	val_report_free(&rep);
	return c->fatal.code ? c->fatal.code : FC_ERROR;
}

/* Required columns a new record of f needs: required, typed (not
 * calculated), always relevant, and not filled by the model for a new
 * record (app_record_new: the form's defaults, a visit's date and
 * visitors). Comma-separated, or NULL if none miss. */
static char *missing_required(const fc_app *a, const form *f, char *const *cols, size_t n)
{
	fc_buf out = FC_BUF_INIT;
	record *fresh = app_record_new(a, f->id, NULL, NULL, NULL);

	for (size_t i = 0; i < f->nfields; i++) {
		const form_field *fld = &f->fields[i];
		size_t k;

		if (!form_field_has_value(fld) || fld->type == FT_CALCULATE ||
		    !fld->required || fld->relevant_src || fld->default_value ||
		    (fresh && *record_val(fresh, fld->name)))
			continue;
		for (k = 0; k < n && strcmp(cols[k], fld->name); k++)
			;
		if (k == n)
			buf_printf(&out, "%s%s", out.len ? ", " : "", fld->name);
	}
	record_free(fresh);
	return out.len ? buf_detach(&out) : NULL;
}

/* Count header columns that are value fields of f. */
static size_t columns_matching(const form *f, char *const *cols, size_t n)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		const form_field *fld = form_field_find(f, cols[i]);

		if (fld && form_field_has_value(fld))
			m++;
	}
	return m;
}

/* The form of a CSV file given without --form: the one that holds every
 * column; if none does, the closest (its unknown columns are reported). */
static int guess_form(ictx *c, char *const *cols, size_t n, int has_parent,
		      const form **out)
{
	const form *best = NULL, *full[16];
	size_t best_m = 0, nfull = 0, want = 0;
	const form_set *fs = c->a->forms;

	for (size_t i = 0; i < n; i++)
		if (strcmp(cols[i], "id") && strcmp(cols[i], "parent"))
			want++;
	for (size_t i = 0; i < fs->n; i++) {
		for (size_t j = 0; j <= fs->forms[i]->nsubs; j++) {
			const form *f = j ? fs->forms[i]->subs[j - 1] : fs->forms[i];
			size_t m = columns_matching(f, cols, n);

			if (m == want && nfull < 16)
				full[nfull++] = f;
			if (!best || m > best_m) {
				best = f;
				best_m = m;
			}
		}
	}
	if (nfull > 1) {
		/* A parent column tells a sub-form from a top-level one. */
		size_t k, keep = 0;

		for (k = 0; k < nfull; k++)
			if ((full[k]->parent != NULL) == (has_parent != 0))
				full[keep++] = full[k];
		if (keep)
			nfull = keep;
	}
	if (nfull == 1) {
		*out = full[0];
		return 0;
	}
	if (nfull > 1) {
		fc_buf names = FC_BUF_INIT;

		for (size_t k = 0; k < nfull; k++)
			buf_printf(&names, "%s%s", k ? ", " : "", full[k]->id);
		problem(c, 1, VAL_ERROR, NULL, NULL,
			"the columns fit more than one form (%s): say which with --form",
			buf_cstr(&names));
		buf_free(&names);
		return FC_EINVALID;
	}
	if (!best)
		return fc_err_set(&c->fatal, FC_ERROR, "no forms are loaded");
	*out = best;
	return 0;
}

static int import_csv(ictx *c, FILE *in, const char *kind)
{
	csv_reader *cr = csv_open(in, c->where);
	char **cells, **cols = NULL;
	size_t n, ncols = 0;
	const form *f = NULL;
	const char **names = NULL;
	const char **values = NULL;
	char *missing = NULL;
	int id_col = -1, parent_col = -1, rc, header_bad = 0;
	fc_err e;

	fc_err_clear(&e);
	rc = csv_next(cr, &cells, &n, &e);
	if (rc == 0) {
		problem(c, 1, VAL_ERROR, NULL, NULL,
			"the file is empty: the first line must name the columns");
		goto out;
	}
	if (rc < 0) {
		/* "WHERE:LINE: message" already. */
		c->res->errors++;
		c->listed_errors++;
		if (c->report)
			buf_printf(c->report, "%s\n", e.msg);
		goto out;
	}
	ncols = n;
	cols = util_calloc(ncols, sizeof(char *));
	for (size_t i = 0; i < ncols; i++)
		cols[i] = util_strdup(cells[i]);
	for (size_t i = 0; i < ncols; i++) {
		if (!strcmp(cols[i], "id"))
			id_col = (int)i;
		else if (!strcmp(cols[i], "parent"))
			parent_col = (int)i;
	}
	if (kind) {
		if (form_lookup(c->a, kind, &f, &e)) {
			problem(c, 1, VAL_ERROR, NULL, NULL, "%s", e.msg);
			goto out;
		}
	} else if (guess_form(c, cols, ncols, parent_col >= 0, &f)) {
		if (c->fatal.code) {
			c->failed = 1;
			rc = c->fatal.code;
		}
		goto out;
	}
	for (size_t i = 0; i < ncols; i++) {
		const form_field *fld;

		if ((int)i == id_col || (int)i == parent_col)
			fld = NULL;
		else if (!*cols[i]) {
			problem(c, csv_line(cr), VAL_ERROR, NULL, NULL,
				"column %zu has no name", i + 1);
			header_bad = 1;
			continue;
		} else if (!(fld = form_field_find(f, cols[i])) || !form_field_has_value(fld)) {
			problem(c, csv_line(cr), VAL_ERROR, NULL, NULL,
				"unknown column '%s': the %s form has no such field",
				cols[i], f->id);
			header_bad = 1;
			continue;
		}
		for (size_t k = 0; k < i; k++) {
			if (!strcmp(cols[k], cols[i])) {
				problem(c, csv_line(cr), VAL_ERROR, NULL, NULL,
					"column '%s' appears twice (columns %zu and %zu)",
					cols[i], k + 1, i + 1);
				header_bad = 1;
				break;
			}
		}
	}
	if (needs_parent(f) && parent_col < 0) {
		problem(c, csv_line(cr), VAL_ERROR, NULL, NULL,
			"missing column parent: each %s row names its %s",
			f->id, f->parent->id);
		header_bad = 1;
	}
	missing = missing_required(c->a, f, cols, ncols);
	if (missing && id_col < 0) {
		problem(c, csv_line(cr), VAL_ERROR, NULL, NULL,
			"missing required column(s) for %s records: %s", f->id, missing);
		header_bad = 1;
	}
	if (header_bad)
		goto out;
	names = util_calloc(ncols, sizeof(char *));
	values = util_calloc(ncols, sizeof(char *));
	for (;;) {
		xrow x = { f, NULL, NULL, 0, names, values, 0, missing };

		fc_err_clear(&e);
		rc = csv_next(cr, &cells, &n, &e);
		if (rc == 0)
			break;
		if (rc < 0) {
			if (rc != FC_EINVALID) {
				c->fatal = e;
				c->failed = 1;
				goto out;
			}
			/* Broken quoting: where the next row starts is unknowable. */
			c->res->errors++;
			if (c->listed_errors++ < XPORT_MAX_LISTED && c->report)
				buf_printf(c->report, "%s\n", e.msg);
			rc = 0;
			break;
		}
		x.line = csv_line(cr);
		if (n != ncols) {
			problem(c, x.line, VAL_ERROR, NULL, NULL,
				"%zu cells, header has %zu", n, ncols);
			c->res->bad_rows++;
			continue;
		}
		for (size_t i = 0; i < ncols; i++) {
			if ((int)i == id_col)
				x.id = cells[i];
			else if ((int)i == parent_col)
				x.parent = cells[i];
			else {
				names[x.n] = cols[i];
				values[x.n++] = cells[i];
			}
		}
		if ((rc = import_row(c, &x)))
			goto out;
	}
	rc = 0;
out:
	if (cols)
		for (size_t i = 0; i < ncols; i++)
			free(cols[i]);
	free(cols);
	free(names);
	free(values);
	free(missing);
	csv_close(cr);
	return c->failed ? (c->fatal.code ? c->fatal.code : FC_ERROR) : 0;
}

/* A JSON value as field text; NULL (and *why) if it cannot be one. */
static char *json_field_text(const form_field *fld, json_t *v, const char **why)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return util_strndup(json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return util_asprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		return util_asprintf("%.15g", json_real_value(v));
	case JSON_NULL:
		return util_strdup("");
	case JSON_TRUE:
	case JSON_FALSE:
		if (fld->type == FT_YESNO)
			return util_strdup(json_is_true(v) ? "yes" : "no");
		*why = "true/false only fits a yes/no field; give a string";
		return NULL;
	case JSON_ARRAY: {
		/* A select_multiple may come as a list of choice names. */
		fc_buf out = FC_BUF_INIT;
		size_t i;
		json_t *el;

		if (fld->type != FT_SELECT_MULTIPLE) {
			*why = "a list only fits a select_multiple field; give a string";
			return NULL;
		}
		json_array_foreach(v, i, el) {
			if (!json_is_string(el)) {
				buf_free(&out);
				*why = "the list must hold choice names (strings)";
				return NULL;
			}
			buf_printf(&out, "%s%s", i ? " " : "", json_string_value(el));
		}
		return buf_detach(&out);
	}
	default:
		*why = "expected a string, got an object";
		return NULL;
	}
}

static const char *json_type_word(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "true/false";
	default: return "null";
	}
}

/* One JSON line. Returns 0 or a fatal code. */
static int import_json_line(ictx *c, const char *line, size_t len, int lineno,
			    int at_eof_unterminated, const char *kind)
{
	json_error_t jerr;
	json_t *root = NULL, *v, *fields = NULL;
	const char *key, *form_name, *why;
	const form *f = NULL;
	size_t nf = 0, i = 0, bad_off;
	const char **names = NULL, **values = NULL;
	char **owned = NULL;
	xrow x;
	fc_err e;
	int bad = 0, rc = 0;

	if (!util_utf8_valid(line, len, &bad_off)) {
		problem(c, lineno, VAL_ERROR, NULL, NULL,
			"invalid UTF-8 at byte %zu of the line", bad_off + 1);
		goto bad_row;
	}
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		problem(c, lineno, VAL_ERROR, NULL, NULL, "invalid JSON at column %d: %s%s",
			jerr.column, jerr.text,
			at_eof_unterminated ? " (the last line looks cut off)" : "");
		goto bad_row;
	}
	if (!json_is_object(root)) {
		problem(c, lineno, VAL_ERROR, NULL, NULL,
			"each line must be a JSON object {\"form\":...,\"id\":...,\"fields\":{...}}, not %s",
			json_type_word(root));
		goto bad_row;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "form") && strcmp(key, "id") && strcmp(key, "parent") &&
		    strcmp(key, "fields")) {
			problem(c, lineno, VAL_ERROR, NULL, NULL,
				"unknown key '%s' (a line has form, id, parent and fields)", key);
			bad = 1;
		}
	}
	memset(&x, 0, sizeof(x));
	x.line = lineno;
	v = json_object_get(root, "form");
	if (v && !json_is_string(v)) {
		problem(c, lineno, VAL_ERROR, NULL, "form", "must be a string, not %s",
			json_type_word(v));
		goto bad_row;
	}
	form_name = v ? json_string_value(v) : kind;
	if (!form_name) {
		problem(c, lineno, VAL_ERROR, NULL, NULL,
			"missing \"form\" (household, member, ...) and no --form given");
		goto bad_row;
	}
	if (kind && strcmp(kind, form_name)) {
		problem(c, lineno, VAL_ERROR, NULL, "form",
			"'%s' but the import was asked for %s records only", form_name, kind);
		goto bad_row;
	}
	fc_err_clear(&e);
	if (form_lookup(c->a, form_name, &f, &e)) {
		problem(c, lineno, VAL_ERROR, NULL, "form", "%s", e.msg);
		goto bad_row;
	}
	x.f = f;
	for (int k = 0; k < 2; k++) {
		const char *what = k ? "parent" : "id";

		v = json_object_get(root, what);
		if (!v || json_is_null(v))
			continue;
		if (!json_is_string(v)) {
			problem(c, lineno, VAL_ERROR, NULL, what, "must be a string, not %s",
				json_type_word(v));
			bad = 1;
		} else if (k) {
			x.parent = json_string_value(v);
		} else {
			x.id = json_string_value(v);
		}
	}
	fields = json_object_get(root, "fields");
	if (fields && !json_is_object(fields)) {
		problem(c, lineno, VAL_ERROR, x.id, "fields",
			"must be an object {\"name\":\"value\",...}, not %s", json_type_word(fields));
		goto bad_row;
	}
	nf = fields ? json_object_size(fields) : 0;
	names = util_calloc(nf, sizeof(char *));
	values = util_calloc(nf, sizeof(char *));
	owned = util_calloc(nf, sizeof(char *));
	if (fields) {
		json_object_foreach(fields, key, v) {
			const form_field *fld = form_field_find(f, key);

			if (!fld || !form_field_has_value(fld)) {
				problem(c, lineno, VAL_ERROR, x.id, key,
					"unknown field: the %s form has no such field", f->id);
				bad = 1;
				continue;
			}
			why = NULL;
			owned[i] = json_field_text(fld, v, &why);
			if (!owned[i]) {
				problem(c, lineno, VAL_ERROR, x.id, key, "%s", why);
				bad = 1;
				continue;
			}
			names[i] = fld->name;
			values[i] = owned[i];
			i++;
		}
	}
	if (bad)
		goto bad_row;
	x.n = i;
	x.names = names;
	x.values = values;
	rc = import_row(c, &x);
	goto out;
bad_row:
	c->res->bad_rows++;
out:
	for (size_t k = 0; k < nf; k++)
		free(owned[k]);
	free(owned);
	free(names);
	free(values);
	json_decref(root);
	return rc;
}

static int import_jsonl(ictx *c, FILE *in, const char *kind)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	int lineno = 0, rc = 0;

	while ((got = getline(&line, &cap, in)) >= 0) {
		size_t len = (size_t)got;
		int unterminated = !(len && line[len - 1] == '\n');
		size_t k;

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		for (k = 0; k < len && (line[k] == ' ' || line[k] == '\t'); k++)
			;
		if (k == len)
			continue;
		if ((rc = import_json_line(c, line, len, lineno, unterminated, kind)))
			break;
	}
	if (!rc && ferror(in)) {
		fc_err_set(&c->fatal, FC_ERROR, "%s: read error: %s", c->where, strerror(errno));
		c->failed = 1;
		rc = FC_ERROR;
	}
	free(line);
	return rc;
}

static int ends_with(const char *s, const char *tail)
{
	size_t ls = strlen(s), lt = strlen(tail);

	return ls >= lt && !strcasecmp(s + ls - lt, tail);
}

int xport_import_stream(fc_app *a, FILE *in, const char *where,
			const char *kind, xport_format fmt, xport_result *res,
			fc_buf *report, fc_err *err)
{
	ictx c;
	int rc, ch;

	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	c.a = a;
	c.where = where;
	c.res = res;
	c.report = report;
	if (fmt == XPORT_XLSX)
		return fc_err_set(err, FC_EUSAGE, "import reads CSV or JSON Lines, not xlsx");
	if (fmt == XPORT_AUTO) {
		/* Only JSON Lines begins with '{'; a CSV header begins with a name. */
		ch = getc(in);
		if (ch != EOF)
			ungetc(ch, in);
		fmt = ch == '{' ? XPORT_JSONL : XPORT_CSV;
	}
	if ((rc = store_begin(a->st, err)))
		return rc;
	rc = fmt == XPORT_CSV ? import_csv(&c, in, kind) : import_jsonl(&c, in, kind);
	if (rc || c.failed) {
		store_rollback(a->st);
		if (err)
			*err = c.fatal;
		rc = c.fatal.code ? c.fatal.code : FC_ERROR;
		goto out;
	}
	if (report && res->errors > XPORT_MAX_LISTED)
		buf_printf(report, "... and %d more errors\n", res->errors - XPORT_MAX_LISTED);
	if (report && res->warnings > XPORT_MAX_LISTED)
		buf_printf(report, "... and %d more warnings\n", res->warnings - XPORT_MAX_LISTED);
	if (res->errors) {
		store_rollback(a->st);
		rc = fc_err_set(err, FC_EINVALID,
				"%s: %d error%s in %d row%s; nothing was imported",
				where, res->errors, res->errors == 1 ? "" : "s",
				res->bad_rows, res->bad_rows == 1 ? "" : "s");
		goto out;
	}
	rc = store_commit(a->st, err);
	if (rc)
		store_rollback(a->st);
out:
	seen_free(&c.seen);
	return rc;
}

int xport_import(fc_app *a, const char *path, const char *kind,
		 xport_format fmt, xport_result *res, fc_buf *report, fc_err *err)
{
	FILE *in;
	int rc;

	if (!strcmp(path, "-"))
		return xport_import_stream(a, stdin, "stdin", kind, fmt, res, report, err);
	if (fmt == XPORT_AUTO) {
		if (ends_with(path, ".csv"))
			fmt = XPORT_CSV;
		else if (ends_with(path, ".jsonl") || ends_with(path, ".json") ||
			 ends_with(path, ".ndjson"))
			fmt = XPORT_JSONL;
	}
	in = fopen(path, "rb");
	if (!in) {
		memset(res, 0, sizeof(*res));
		return fc_err_set(err, FC_EINVALID, "%s: cannot open: %s", path, strerror(errno));
	}
	rc = xport_import_stream(a, in, path, kind, fmt, res, report, err);
	fclose(in);
	return rc;
}

/* ---- export ---- */

typedef struct ectx {
	const form *f;
	xport_format fmt;
	FILE *out;
	fc_buf line;
	long count;
	int write_failed;
#ifdef FC_HAVE_XLSX
	lxw_worksheet *ws;
	lxw_row_t row;
#endif
} ectx;

static void csv_header(const form *f, fc_buf *out)
{
	csv_write_field(out, "id", 1);
	csv_write_field(out, "parent", 0);
	for (size_t i = 0; i < f->nfields; i++)
		if (form_field_has_value(&f->fields[i]))
			csv_write_field(out, f->fields[i].name, 0);
	csv_write_eol(out);
}

static void csv_row(const form *f, const record *r, fc_buf *out)
{
	csv_write_field(out, r->id, 1);
	csv_write_field(out, r->parent ? r->parent : "", 0);
	for (size_t i = 0; i < f->nfields; i++)
		if (form_field_has_value(&f->fields[i]))
			csv_write_field(out, record_val(r, f->fields[i].name), 0);
	csv_write_eol(out);
}

static int jsonl_row(const form *f, const record *r, fc_buf *out)
{
	json_t *o = json_object(), *fields = json_object();
	char *s;

	json_object_set_new(o, "form", json_string(r->kind));
	json_object_set_new(o, "id", json_string(r->id));
	if (r->parent)
		json_object_set_new(o, "parent", json_string(r->parent));
	for (size_t i = 0; i < f->nfields; i++) {
		const form_field *fld = &f->fields[i];

		if (form_field_has_value(fld))
			json_object_set_new(fields, fld->name,
					    json_string(record_val(r, fld->name)));
	}
	json_object_set_new(o, "fields", fields);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return FC_ERROR;
	buf_adds(out, s);
	buf_addc(out, '\n');
	free(s);
	return 0;
}

#ifdef FC_HAVE_XLSX
/* A number cell when the field is numeric and the text is a plain number,
 * so that Excel can sum it; text otherwise. */
static int xlsx_cell(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
		     const form_field *fld, const char *v)
{
	if (!*v)
		return 0;
	if (fld && (fld->type == FT_INTEGER || fld->type == FT_DECIMAL ||
		    (fld->type == FT_CALCULATE))) {
		char *end;
		double d;

		errno = 0;
		d = strtod(v, &end);
		if (!errno && end != v && !*end)
			return worksheet_write_number(ws, row, col, d, NULL) ? FC_ERROR : 0;
	}
	return worksheet_write_string(ws, row, col, v, NULL) ? FC_ERROR : 0;
}
#endif

static int export_cb(const record *r, void *ud)
{
	ectx *x = ud;

	buf_reset(&x->line);
	switch (x->fmt) {
	case XPORT_CSV:
		csv_row(x->f, r, &x->line);
		break;
	case XPORT_JSONL:
		if (jsonl_row(x->f, r, &x->line))
			return x->write_failed = 1;
		break;
#ifdef FC_HAVE_XLSX
	case XPORT_XLSX: {
		lxw_col_t col = 2;

		if (x->row >= LXW_ROW_MAX - 1)
			return x->write_failed = 2;
		x->row++;
		if (xlsx_cell(x->ws, x->row, 0, NULL, r->id) ||
		    xlsx_cell(x->ws, x->row, 1, NULL, r->parent ? r->parent : ""))
			return x->write_failed = 1;
		for (size_t i = 0; i < x->f->nfields; i++) {
			const form_field *fld = &x->f->fields[i];

			if (!form_field_has_value(fld))
				continue;
			if (xlsx_cell(x->ws, x->row, col++, fld, record_val(r, fld->name)))
				return x->write_failed = 1;
		}
		x->count++;
		return 0;
	}
#endif
	default:
		return x->write_failed = 1;
	}
	if (fwrite(x->line.data, 1, x->line.len, x->out) != x->line.len)
		return x->write_failed = 1;
	x->count++;
	return 0;
}

int xport_export_stream(fc_app *a, const char *kind, xport_format fmt,
			FILE *out, long *count, fc_err *err)
{
	ectx x;
	int rc;

	memset(&x, 0, sizeof(x));
	if (count)
		*count = 0;
	if (fmt != XPORT_CSV && fmt != XPORT_JSONL)
		return fc_err_set(err, FC_EUSAGE, "only csv and jsonl can be streamed");
	if ((rc = form_lookup(a, kind ? kind : "household", &x.f, err)))
		return rc;
	x.fmt = fmt;
	x.out = out;
	if (fmt == XPORT_CSV) {
		csv_header(x.f, &x.line);
		if (fwrite(x.line.data, 1, x.line.len, out) != x.line.len)
			x.write_failed = 1;
	}
	rc = x.write_failed ? 1 : store_each(a->st, x.f->id, NULL, export_cb, &x, err);
	if (!x.write_failed && fflush(out))
		x.write_failed = 1;
	buf_free(&x.line);
	if (count)
		*count = x.count;
	if (x.write_failed)
		return fc_err_set(err, FC_ERROR, "export: write failed: %s", strerror(errno));
	return rc;
}

#ifdef FC_HAVE_XLSX
static int export_xlsx(fc_app *a, const char *kind, const char *path, long *count,
		       fc_err *err)
{
	lxw_workbook_options opt = { LXW_TRUE, NULL, LXW_FALSE };
	lxw_workbook *wb;
	lxw_format *bold;
	lxw_error le;
	ectx x;
	lxw_col_t col = 2;
	int rc;

	memset(&x, 0, sizeof(x));
	if ((rc = form_lookup(a, kind ? kind : "household", &x.f, err)))
		return rc;
	x.fmt = XPORT_XLSX;
	wb = workbook_new_opt(path, &opt);
	if (!wb)
		return fc_err_set(err, FC_ERROR, "%s: cannot create the workbook", path);
	x.ws = workbook_add_worksheet(wb, x.f->id);
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	format_set_text_wrap(bold);
	/* Header: Chinese label first (the users' language), English below. */
	worksheet_write_string(x.ws, 0, 0, "编号\nID", bold);
	worksheet_write_string(x.ws, 0, 1, "所属户\nParent", bold);
	for (size_t i = 0; i < x.f->nfields; i++) {
		const form_field *fld = &x.f->fields[i];
		const char *zh, *en;
		char *label;

		if (!form_field_has_value(fld))
			continue;
		zh = form_label(fld, FC_LANG_ZH);
		en = form_label(fld, FC_LANG_EN);
		label = strcmp(zh, en) ? util_asprintf("%s\n%s", zh, en) : util_strdup(zh);
		worksheet_write_string(x.ws, 0, col++, label, bold);
		free(label);
	}
	worksheet_freeze_panes(x.ws, 1, 0);
	rc = store_each(a->st, x.f->id, NULL, export_cb, &x, err);
	le = workbook_close(wb);
	if (count)
		*count = x.count;
	if (x.write_failed == 2)
		return fc_err_set(err, FC_EINVALID,
				  "export: more than %u rows do not fit in one xlsx sheet; use csv",
				  (unsigned)LXW_ROW_MAX - 1);
	if (x.write_failed)
		return fc_err_set(err, FC_ERROR, "export: cannot write a cell to %s", path);
	if (rc)
		return rc;
	if (le != LXW_NO_ERROR)
		return fc_err_set(err, FC_ERROR, "%s: %s", path, lxw_strerror(le));
	return 0;
}
#endif

/* Copy a finished temp file to stdout (xlsx needs a seekable file). */
static int copy_to(FILE *from, FILE *to, fc_err *err)
{
	char buf[65536];
	size_t got;

	while ((got = fread(buf, 1, sizeof(buf), from)) > 0)
		if (fwrite(buf, 1, got, to) != got)
			return fc_err_set(err, FC_ERROR, "export: write failed: %s", strerror(errno));
	if (ferror(from) || fflush(to))
		return fc_err_set(err, FC_ERROR, "export: write failed: %s", strerror(errno));
	return 0;
}

static void fsync_dir(const char *path)
{
	char *dir = util_strdup(path), *slash = strrchr(dir, '/');
	int fd;

	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int xport_export(fc_app *a, const char *kind, xport_format fmt,
		 const char *out_path, long *count, fc_err *err)
{
	int to_stdout = !out_path || !strcmp(out_path, "-");
	char *tmp = NULL;
	FILE *f = NULL;
	int fd = -1, rc = 0;

	if (fmt == XPORT_AUTO)
		fmt = XPORT_CSV;
	if (to_stdout && fmt != XPORT_XLSX)
		return xport_export_stream(a, kind, fmt, stdout, count, err);
#ifndef FC_HAVE_XLSX
	if (fmt == XPORT_XLSX)
		return fc_err_set(err, FC_EUSAGE,
				  "this build has no xlsx support (libxlsxwriter); use csv or jsonl");
#endif
	/* The temp file sits beside the target so rename() is atomic. */
	if (to_stdout) {
		const char *td = getenv("TMPDIR");

		tmp = util_asprintf("%s/fieldcard-export.XXXXXX", td && *td ? td : "/tmp");
	} else {
		tmp = util_asprintf("%s.tmp.XXXXXX", out_path);
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = fc_err_set(err, FC_ERROR, "%s: cannot create a temporary file: %s",
				tmp, strerror(errno));
		free(tmp);
		return rc;
	}
	if (fmt == XPORT_XLSX) {
#ifdef FC_HAVE_XLSX
		close(fd);
		fd = -1;
		if ((rc = export_xlsx(a, kind, tmp, count, err)))
			goto cleanup;
		f = fopen(tmp, "rb");
		if (!f) {
			rc = fc_err_set(err, FC_ERROR, "%s: %s", tmp, strerror(errno));
			goto cleanup;
		}
#endif
	} else {
		f = fdopen(fd, "wb");
		if (!f) {
			rc = fc_err_set(err, FC_ERROR, "%s: %s", tmp, strerror(errno));
			goto cleanup;
		}
		fd = -1;
		if ((rc = xport_export_stream(a, kind, fmt, f, count, err)))
			goto cleanup;
	}
	if (to_stdout) {
		rc = copy_to(f, stdout, err);
		goto cleanup;
	}
	if (fsync(fileno(f))) {
		rc = fc_err_set(err, FC_ERROR, "%s: fsync: %s", tmp, strerror(errno));
		goto cleanup;
	}
	if (fclose(f)) {
		f = NULL;
		rc = fc_err_set(err, FC_ERROR, "%s: %s", tmp, strerror(errno));
		goto cleanup;
	}
	f = NULL;
	if (chmod(tmp, 0644) || rename(tmp, out_path)) {
		rc = fc_err_set(err, FC_ERROR, "%s: cannot write: %s", out_path, strerror(errno));
		goto cleanup;
	}
	fsync_dir(out_path);
	free(tmp);
	return 0;
cleanup:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return rc;
}
