/* xport_read.c — the import's readers: a CSV file (its header matched to
 * a form, guessed when not given) and JSON Lines (one object a line, values
 * mapped to field text), each row handed to xport_import_row. Part of
 * import and export (xport.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fieldcard/csv.h"
#include "fieldcard/util.h"
#include "xport_int.h"

/* ---- CSV ---- */

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
		xport_problem(c, 1, VAL_ERROR, NULL, NULL,
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

/* The header of a CSV file read for form f: every column a value field of
 * f, once; a parent column for a sub-form; the required columns a new
 * record needs (*missing, the caller's) unless rows give ids. 1 if the
 * file cannot be read with it (its problems listed on `line`). */
static int header_check(ictx *c, const form *f, char *const *cols, size_t ncols,
			int id_col, int parent_col, int line, char **missing)
{
	int bad = 0;

	for (size_t i = 0; i < ncols; i++) {
		const form_field *fld;

		if ((int)i == id_col || (int)i == parent_col)
			fld = NULL;
		else if (!*cols[i]) {
			xport_problem(c, line, VAL_ERROR, NULL, NULL,
				      "column %zu has no name", i + 1);
			bad = 1;
			continue;
		} else if (!(fld = form_field_find(f, cols[i])) || !form_field_has_value(fld)) {
			xport_problem(c, line, VAL_ERROR, NULL, NULL,
				      "unknown column '%s': the %s form has no such field",
				      cols[i], f->id);
			bad = 1;
			continue;
		}
		for (size_t k = 0; k < i; k++) {
			if (!strcmp(cols[k], cols[i])) {
				xport_problem(c, line, VAL_ERROR, NULL, NULL,
					      "column '%s' appears twice (columns %zu and %zu)",
					      cols[i], k + 1, i + 1);
				bad = 1;
				break;
			}
		}
	}
	if (xport_needs_parent(f) && parent_col < 0) {
		xport_problem(c, line, VAL_ERROR, NULL, NULL,
			      "missing column parent: each %s row names its %s",
			      f->id, f->parent->id);
		bad = 1;
	}
	*missing = missing_required(c->a, f, cols, ncols);
	if (*missing && id_col < 0) {
		xport_problem(c, line, VAL_ERROR, NULL, NULL,
			      "missing required column(s) for %s records: %s", f->id, *missing);
		bad = 1;
	}
	return bad;
}

int xport_read_csv(ictx *c, FILE *in, const char *kind)
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
		xport_problem(c, 1, VAL_ERROR, NULL, NULL,
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
		if (xport_form_lookup(c->a, kind, &f, &e)) {
			xport_problem(c, 1, VAL_ERROR, NULL, NULL, "%s", e.msg);
			goto out;
		}
	} else if (guess_form(c, cols, ncols, parent_col >= 0, &f)) {
		if (c->fatal.code) {
			c->failed = 1;
			rc = c->fatal.code;
		}
		goto out;
	}
	header_bad = header_check(c, f, cols, ncols, id_col, parent_col, csv_line(cr), &missing);
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
			xport_problem(c, x.line, VAL_ERROR, NULL, NULL,
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
		if ((rc = xport_import_row(c, &x)))
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

/* ---- JSON Lines ---- */

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
		xport_problem(c, lineno, VAL_ERROR, NULL, NULL,
			      "invalid UTF-8 at byte %zu of the line", bad_off + 1);
		goto bad_row;
	}
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		xport_problem(c, lineno, VAL_ERROR, NULL, NULL, "invalid JSON at column %d: %s%s",
			      jerr.column, jerr.text,
			      at_eof_unterminated ? " (the last line looks cut off)" : "");
		goto bad_row;
	}
	if (!json_is_object(root)) {
		xport_problem(c, lineno, VAL_ERROR, NULL, NULL,
			      "each line must be a JSON object {\"form\":...,\"id\":...,\"fields\":{...}}, not %s",
			      json_type_word(root));
		goto bad_row;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "form") && strcmp(key, "id") && strcmp(key, "parent") &&
		    strcmp(key, "fields")) {
			xport_problem(c, lineno, VAL_ERROR, NULL, NULL,
				      "unknown key '%s' (a line has form, id, parent and fields)", key);
			bad = 1;
		}
	}
	memset(&x, 0, sizeof(x));
	x.line = lineno;
	v = json_object_get(root, "form");
	if (v && !json_is_string(v)) {
		xport_problem(c, lineno, VAL_ERROR, NULL, "form", "must be a string, not %s",
			      json_type_word(v));
		goto bad_row;
	}
	form_name = v ? json_string_value(v) : kind;
	if (!form_name) {
		xport_problem(c, lineno, VAL_ERROR, NULL, NULL,
			      "missing \"form\" (household, member, ...) and no --form given");
		goto bad_row;
	}
	if (kind && strcmp(kind, form_name)) {
		xport_problem(c, lineno, VAL_ERROR, NULL, "form",
			      "'%s' but the import was asked for %s records only", form_name, kind);
		goto bad_row;
	}
	fc_err_clear(&e);
	if (xport_form_lookup(c->a, form_name, &f, &e)) {
		xport_problem(c, lineno, VAL_ERROR, NULL, "form", "%s", e.msg);
		goto bad_row;
	}
	x.f = f;
	for (int k = 0; k < 2; k++) {
		const char *what = k ? "parent" : "id";

		v = json_object_get(root, what);
		if (!v || json_is_null(v))
			continue;
		if (!json_is_string(v)) {
			xport_problem(c, lineno, VAL_ERROR, NULL, what, "must be a string, not %s",
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
		xport_problem(c, lineno, VAL_ERROR, x.id, "fields",
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
				xport_problem(c, lineno, VAL_ERROR, x.id, key,
					      "unknown field: the %s form has no such field", f->id);
				bad = 1;
				continue;
			}
			why = NULL;
			owned[i] = json_field_text(fld, v, &why);
			if (!owned[i]) {
				xport_problem(c, lineno, VAL_ERROR, x.id, key, "%s", why);
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
	rc = xport_import_row(c, &x);
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

int xport_read_jsonl(ictx *c, FILE *in, const char *kind)
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
