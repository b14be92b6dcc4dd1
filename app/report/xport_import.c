/* xport_import.c — the import's half that saves: each row a reader hands
 * over is checked (ids, parent, kind), mapped onto a new or stored record
 * and saved through app_save, its problems listed with their lines; the
 * whole file is one store transaction. Part of import and export (xport.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fieldcard/util.h"
#include "xport_int.h"

/* ---- ids seen in this import ---- */

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

void xport_problem(ictx *c, int line, val_severity sev, const char *rec,
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

/* What a step of xport_import_row found: go on, or the row is refused
 * (its problems listed); a negative code is fatal, with c->fatal filled. */
enum { ROW_OK = 0, ROW_BAD = 1 };

static int row_fatal(ictx *c, const fc_err *e)
{
	c->fatal = *e;
	return e->code < 0 ? e->code : FC_ERROR;
}

/* The id and parent as written: an id that is not one is dropped from
 * *shown_id (the row is refused, and nothing is remembered under it). */
static int row_check_ids(ictx *c, const xrow *x, const char **shown_id)
{
	const char *kind = x->f->id;
	int bad = ROW_OK;

	if (*shown_id && !id_ok(*shown_id)) {
		xport_problem(c, x->line, VAL_ERROR, NULL, "id",
			      "'%s' is not a record id (up to 64 letters, digits, - or _)", *shown_id);
		bad = ROW_BAD;
		*shown_id = NULL;
	}
	if (!xport_needs_parent(x->f) && !is_empty(x->parent)) {
		xport_problem(c, x->line, VAL_ERROR, *shown_id, "parent",
			      "a %s record has no parent (leave it empty)", kind);
		bad = ROW_BAD;
	} else if (xport_needs_parent(x->f) && is_empty(x->parent)) {
		xport_problem(c, x->line, VAL_ERROR, *shown_id, "parent",
			      "missing: a %s record belongs to a %s (give its id in column parent)",
			      kind, x->f->parent->id);
		bad = ROW_BAD;
	} else if (!is_empty(x->parent) && !id_ok(x->parent)) {
		xport_problem(c, x->line, VAL_ERROR, *shown_id, "parent",
			      "'%s' is not a record id (up to 64 letters, digits, - or _)", x->parent);
		bad = ROW_BAD;
	}
	return bad;
}

/* A row that names an id: not twice in the file, and if the store has
 * the record (*r, *existing), of the same kind and under the same parent. */
static int row_stored(ictx *c, const xrow *x, const char *id, record **r, int *existing)
{
	seen_entry *seen = seen_find(&c->seen, id);
	fc_err e;
	int rc;

	if (seen) {
		xport_problem(c, x->line, VAL_ERROR, id, NULL,
			      "the same id is already on line %d", seen->line);
		return ROW_BAD;
	}
	fc_err_clear(&e);
	rc = store_get(c->a->st, id, r, &e);
	if (rc == FC_ENOTFOUND)
		return ROW_OK;
	if (rc)
		return row_fatal(c, &e);
	*existing = 1;
	if (strcmp((*r)->kind, x->f->id)) {
		xport_problem(c, x->line, VAL_ERROR, id, NULL,
			      "is a %s record in the store, not a %s", (*r)->kind, x->f->id);
		return ROW_BAD;
	}
	if (!is_empty(x->parent) && strcmp((*r)->parent ? (*r)->parent : "", x->parent)) {
		xport_problem(c, x->line, VAL_ERROR, id, "parent",
			      "the record belongs to %s %s; it cannot move to %s",
			      x->f->parent ? x->f->parent->id : "household",
			      (*r)->parent ? (*r)->parent : "(none)", x->parent);
		return ROW_BAD;
	}
	return ROW_OK;
}

/* A new record's parent must be in the store already, of the parent
 * form's kind; one refused earlier in the file is named as such. */
static int row_parent(ictx *c, const xrow *x, const char *shown_id)
{
	const char *want = x->f->parent->id;
	record *p = NULL;
	fc_err e;
	int rc;

	fc_err_clear(&e);
	rc = store_get(c->a->st, x->parent, &p, &e);
	if (rc == FC_ENOTFOUND) {
		seen_entry *seen = seen_find(&c->seen, x->parent);

		if (seen && seen->bad)
			xport_problem(c, x->line, VAL_ERROR, shown_id, "parent",
				      "%s %s was refused on line %d", want, x->parent, seen->line);
		else
			xport_problem(c, x->line, VAL_ERROR, shown_id, "parent",
				      "%s %s does not exist (neither in the store nor earlier in this file)",
				      want, x->parent);
		return ROW_BAD;
	}
	if (rc)
		return row_fatal(c, &e);
	rc = ROW_OK;
	if (strcmp(p->kind, want)) {
		xport_problem(c, x->line, VAL_ERROR, shown_id, "parent",
			      "%s is a %s record, not a %s", x->parent, p->kind, want);
		rc = ROW_BAD;
	}
	record_free(p);
	return rc;
}

/* A row for a record the store does not have: the columns a new one needs,
 * its parent, then *r started as a new form starts (the model's defaults). */
static int row_new(ictx *c, const xrow *x, const char *shown_id, record **r)
{
	int bad = ROW_OK, rc;

	if (x->missing) {
		xport_problem(c, x->line, VAL_ERROR, shown_id, NULL,
			      "a new %s record needs column(s) %s", x->f->id, x->missing);
		bad = ROW_BAD;
	}
	if (!is_empty(x->parent) && (rc = row_parent(c, x, shown_id)) != ROW_OK)
		return rc;
	if (bad)
		return bad;
	*r = app_record_new(c->a, x->f->id, shown_id, is_empty(x->parent) ? NULL : x->parent, NULL);
	if (!*r) {
		xport_problem(c, x->line, VAL_ERROR, shown_id, NULL, "no form for records of kind %s",
			      x->f->id);
		return ROW_BAD;
	}
	return ROW_OK;
}

/* The row's values onto r, each checked against its field's type. */
static int row_values(ictx *c, const xrow *x, record *r)
{
	int bad = ROW_OK;
	fc_err e;

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
			xport_problem(c, x->line, VAL_ERROR, r->id, fld->name, "%s", e.msg);
			bad = ROW_BAD;
			continue;
		}
		record_set(r, fld->name, x->values[i]);
	}
	if (bad)
		return bad;
	/* An ID number in the row fills birth date and sex the row leaves
	 * empty, as typing it in the form does. */
	for (size_t i = 0; i < x->n; i++) {
		const form_field *fld = form_field_find(x->f, x->names[i]);

		if (fld && fld->type == FT_ID_NUMBER && !is_empty(x->values[i]))
			app_autofill_id(c->a, r, fld->name);
	}
	return bad;
}

/* Save through app_save, its findings listed against the row. */
static int row_save(ictx *c, const xrow *x, record *r)
{
	val_report rep;
	fc_err e;
	int rc;

	val_report_init(&rep);
	fc_err_clear(&e);
	rc = app_save(c->a, r, &rep, &e);
	if (rc && rc != FC_EINVALID) {
		val_report_free(&rep);
		return row_fatal(c, &e);
	}
	for (size_t i = 0; i < rep.n; i++) {
		const val_issue *is = &rep.items[i];

		/* An error on another record (a stored member checked with its
		 * household) did not block this save: it is a warning here. */
		xport_problem(c, x->line, rc ? is->severity : VAL_WARNING,
			      is->record_id ? is->record_id : r->id, is->field, "%s", is->message);
	}
	if (rc == FC_EINVALID && !rep.nerrors)
		xport_problem(c, x->line, VAL_ERROR, NULL, NULL, "%s", e.msg);
	val_report_free(&rep);
	return rc == FC_EINVALID ? ROW_BAD : ROW_OK;
}

int xport_import_row(ictx *c, const xrow *x)
{
	const char *shown_id = is_empty(x->id) ? NULL : x->id;
	record *r = NULL;
	int existing = 0, rc;

	rc = row_check_ids(c, x, &shown_id);
	if (rc == ROW_OK && shown_id)
		rc = row_stored(c, x, shown_id, &r, &existing);
	if (rc == ROW_OK && !existing)
		rc = row_new(c, x, shown_id, &r);
	if (rc == ROW_OK)
		rc = row_values(c, x, r);
	if (rc == ROW_OK)
		rc = row_save(c, x, r);
	if (rc < 0) {
		fc_err_prefix(&c->fatal, "%s:%d: ", c->where, x->line);
		c->failed = 1;
		record_free(r);
		return c->fatal.code ? c->fatal.code : FC_ERROR;
	}
	if (rc == ROW_BAD)
		c->res->bad_rows++;
	else if (existing)
		c->res->updated++;
	else
		c->res->added++;
	if (r || shown_id)
		seen_add(&c->seen, r ? r->id : shown_id, x->line, rc == ROW_BAD);
	record_free(r);
	return 0;
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
	rc = fmt == XPORT_CSV ? xport_read_csv(&c, in, kind) : xport_read_jsonl(&c, in, kind);
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
