/* xport.c — import (CSV, JSON Lines) and export (CSV, JSON Lines, xlsx) of
 * records; see include/fieldcard/xport.h.
 *
 * Import is a pipeline of two halves: a reader (xport_read.c) turns each
 * CSV row or JSON line into an xrow (kind, id, parent, name/value pairs,
 * line number), and xport_import_row (xport_import.c) maps it onto a record
 * and saves it with app_save inside the one transaction the import holds.
 * Readers never stop at a bad row (a cadre wants every problem of a file in
 * one go) unless the input itself can no longer be read (broken quoting).
 *
 * This file holds the formats, the form lookup the parts share and the
 * export. */
#include <errno.h>
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
#include "xport_int.h"

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

int xport_form_lookup(fc_app *a, const char *kind, const form **out, fc_err *err)
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
	if ((rc = xport_form_lookup(a, kind ? kind : "household", &x.f, err)))
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
	if ((rc = xport_form_lookup(a, kind ? kind : "household", &x.f, err)))
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
	util_fsync_dir_of(out_path);
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
