/* csv.c — streaming RFC 4180 reader and writer (see include/fieldcard/csv.h).
 *
 * The reader is a small state machine over getc(), so a record can span
 * lines (quoted fields) and a file of any size is read one record at a time.
 * It keeps the line each record starts on, and the line each field starts on,
 * so a broken quote or a bad UTF-8 byte is reported where a person would look
 * for it in a text editor. CRLF and LF line ends are both accepted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/csv.h"
#include "fieldcard/util.h"

struct csv_reader {
	FILE *f;
	char *where;
	int line;           /* line of the next character to read */
	int rec_line;       /* line the last returned record started on */
	int started;        /* BOM check done */
	fc_buf *bufs;       /* one buffer per field of the current record */
	int *field_lines;   /* line each field started on */
	size_t nbufs, capbufs;
	char **fields;      /* pointers into bufs, handed to the caller */
	size_t capfields;
};

csv_reader *csv_open(FILE *f, const char *where)
{
	csv_reader *r = util_calloc(1, sizeof(*r));

	r->f = f;
	r->where = util_strdup(where ? where : "<csv>");
	r->line = 1;
	return r;
}

void csv_close(csv_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->capbufs; i++)
		buf_free(&r->bufs[i]);
	free(r->bufs);
	free(r->field_lines);
	free(r->fields);
	free(r->where);
	free(r);
}

int csv_line(const csv_reader *r)
{
	return r->rec_line;
}

/* Start field number r->nbufs, reusing an earlier buffer's memory. */
static fc_buf *new_field(csv_reader *r)
{
	if (r->nbufs == r->capbufs) {
		size_t cap = r->capbufs ? r->capbufs * 2 : 16;

		r->bufs = util_realloc(r->bufs, cap * sizeof(*r->bufs));
		r->field_lines = util_realloc(r->field_lines, cap * sizeof(int));
		for (size_t i = r->capbufs; i < cap; i++)
			buf_init(&r->bufs[i]);
		r->capbufs = cap;
	}
	buf_reset(&r->bufs[r->nbufs]);
	r->field_lines[r->nbufs] = r->line;
	return &r->bufs[r->nbufs++];
}

/* Skip a UTF-8 byte order mark at the very start (Excel and WPS write one). */
static void skip_bom(csv_reader *r)
{
	int c1, c2, c3;

	r->started = 1;
	c1 = getc(r->f);
	if (c1 != 0xEF) {
		if (c1 != EOF)
			ungetc(c1, r->f);
		return;
	}
	c2 = getc(r->f);
	c3 = c2 == 0xBB ? getc(r->f) : EOF;
	if (c2 == 0xBB && c3 == 0xBF)
		return;
	/* Not a BOM: only one byte of push-back is portable, so keep the bytes
	 * read in the first field by hand. */
	{
		fc_buf *b;

		r->nbufs = 0;
		b = new_field(r);
		buf_addc(b, (char)c1);
		if (c2 != EOF)
			buf_addc(b, (char)c2);
		if (c2 == 0xBB && c3 != EOF)
			buf_addc(b, (char)c3);
	}
}

/* Line of byte `off` of a field that started on line `start`. */
static int line_at(const fc_buf *b, size_t off, int start)
{
	for (size_t i = 0; i < off && i < b->len; i++)
		if (b->data[i] == '\n')
			start++;
	return start;
}

int csv_next(csv_reader *r, char ***fields, size_t *n, fc_err *err)
{
	enum { FIELD_START, UNQUOTED, QUOTED, QUOTE_IN_QUOTED } st = FIELD_START;
	fc_buf *cur;
	int c, any = 0, quoted_line = 0;

	r->nbufs = 0;
	if (!r->started) {
		skip_bom(r);
		if (r->nbufs) {
			/* The non-BOM bytes began an unquoted field. */
			st = UNQUOTED;
			any = 1;
		}
	}
	for (;;) {
		if (!any)
			r->rec_line = r->line;
		cur = r->nbufs ? &r->bufs[r->nbufs - 1] : NULL;
		c = getc(r->f);
		if (c == EOF) {
			if (st == QUOTED)
				return fc_err_set(err, FC_EINVALID,
						  "%s:%d: unterminated quoted field starting at line %d",
						  r->where, quoted_line, quoted_line);
			if (!any)
				return 0;
			break;
		}
		if (st == QUOTED) {
			if (c == '"') {
				st = QUOTE_IN_QUOTED;
			} else if (c == '\r') {
				int d = getc(r->f);

				/* CRLF inside a cell becomes LF, as Excel means it. */
				if (d != '\n' && d != EOF)
					ungetc(d, r->f);
				buf_addc(cur, '\n');
				r->line++;
			} else {
				if (c == '\n')
					r->line++;
				buf_addc(cur, (char)c);
			}
			continue;
		}
		if (c == '\r') {
			int d = getc(r->f);

			if (d != '\n' && d != EOF)
				ungetc(d, r->f);
			c = '\n';
		}
		if (c == '\n') {
			r->line++;
			if (!any)
				continue; /* empty line */
			break;
		}
		if (st == QUOTE_IN_QUOTED) {
			if (c == '"') {
				buf_addc(cur, '"');
				st = QUOTED;
			} else if (c == ',') {
				st = FIELD_START;
				new_field(r);
			} else {
				return fc_err_set(err, FC_EINVALID,
						  "%s:%d: unexpected character after closing quote (a quote inside a quoted field is written as two quotes \"\")",
						  r->where, r->line);
			}
			continue;
		}
		if (!any) {
			any = 1;
			new_field(r);
			cur = &r->bufs[0];
		}
		if (c == ',') {
			new_field(r);
			st = FIELD_START;
		} else if (c == '"' && st == FIELD_START) {
			st = QUOTED;
			quoted_line = r->line;
		} else {
			/* A quote inside an unquoted field is kept as is (lenient, as
			 * Excel and WPS read it). */
			buf_addc(cur, (char)c);
			st = UNQUOTED;
		}
	}
	if (r->capfields < r->nbufs + 1) {
		r->capfields = r->nbufs + 1;
		r->fields = util_realloc(r->fields, r->capfields * sizeof(char *));
	}
	for (size_t i = 0; i < r->nbufs; i++) {
		size_t bad = 0;

		if (!util_utf8_valid(r->bufs[i].data ? r->bufs[i].data : "",
				     r->bufs[i].len, &bad))
			return fc_err_set(err, FC_EINVALID,
					  "%s:%d: invalid UTF-8 in field %zu (save the file as UTF-8)",
					  r->where,
					  line_at(&r->bufs[i], bad, r->field_lines[i]),
					  i + 1);
		r->fields[i] = (char *)buf_cstr(&r->bufs[i]);
	}
	r->fields[r->nbufs] = NULL;
	*fields = r->fields;
	*n = r->nbufs;
	return 1;
}

void csv_write_field(fc_buf *out, const char *value, int first)
{
	const char *p;

	if (!first)
		buf_addc(out, ',');
	if (!value)
		value = "";
	if (!strpbrk(value, ",\"\r\n")) {
		buf_adds(out, value);
		return;
	}
	buf_addc(out, '"');
	for (p = value; *p; p++) {
		if (*p == '"')
			buf_addc(out, '"');
		buf_addc(out, *p);
	}
	buf_addc(out, '"');
}

/* LF, not CRLF: git diffs and shell tools read it cleanly, and Excel, WPS
 * and every RFC 4180 reader (this one too) accept it. */
void csv_write_eol(fc_buf *out)
{
	buf_addc(out, '\n');
}
