/* xlsx.c — streaming reader of .xlsx workbooks (see include/fieldcard/xlsx.h).
 *
 * An .xlsx is a zip (libzip) of XML parts (expat). Opening a book reads
 * xl/workbook.xml (sheet names and relationship ids), xl/_rels/ (which part
 * holds each sheet), the shared strings and, for dates, the styles. A sheet
 * is parsed as it is read: expat is fed 64 KB at a time and suspended at
 * each </row>, so xlsx_next holds one row. Parts are read through one
 * counter that refuses more than XLSX_MAX_PART bytes, whatever the zip's
 * directory claims. Element names are matched by local name, so prefixed
 * (x:row) and Strict-namespace workbooks read the same. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <zip.h>

#include "fieldcard/xlsx.h"
#include "fieldcard/buf.h"
#include "fieldcard/util.h"

#define CHUNK 65536
#define MAX_NUMFMTS 4096    /* Excel allows about 250 custom formats */
#define MAX_XFS 65536       /* Excel's limit is 64,000 cell formats */

enum { K_NONE, K_DATE, K_TIME, K_DATETIME };  /* what a number format shows */
enum { T_NUM, T_SST, T_INLINE, T_BOOL, T_TEXT };  /* a cell's t= */

struct xlsx_book {
	char *path;
	zip_t *zip;
	size_t nsheets;
	char **names;
	char **parts;           /* the zip entry that holds each sheet */
	fc_buf sst;             /* shared strings, each NUL-terminated */
	uint32_t *sst_off;      /* where each starts in sst */
	size_t nsst, capsst;
	unsigned char *xf_kind; /* K_* of each cell format (cellXfs) */
	size_t nxf;
	int date1904;
};

/* One part being parsed: the zip stream, the parser and the first error.
 * Every handler's user data starts with one of these. */
typedef struct xp {
	XML_Parser p;
	zip_file_t *zf;
	xlsx_book *b;
	const char *part;
	const char *sheet;      /* sheet name, for a worksheet's messages */
	int row;                /* row being parsed (worksheets) */
	size_t total;           /* bytes read so far, uncompressed */
	int final, suspended;
	fc_err *err;
	int rc;                 /* set by the first handler that fails */
	int skip;               /* depth inside an element we ignore */
	/* a string item (<si>, <is>): text of its <t>, runs <r> joined */
	int in_item, in_r, in_t, t_keep;
	size_t t_start;
	fc_buf *out;
} xp;

static const char *local(const char *name)
{
	const char *s = strrchr(name, ' ');

	return s ? s + 1 : name;
}

/* Attribute by local name (r:id and id match alike: no element we read has
 * both). */
static const char *attr(const XML_Char **atts, const char *lname)
{
	for (size_t i = 0; atts[i]; i += 2)
		if (!strcmp(local(atts[i]), lname))
			return atts[i + 1];
	return NULL;
}

static int preserve(const XML_Char **atts)
{
	const char *v = attr(atts, "space");

	return v && !strcmp(v, "preserve");
}

/* Digits only, at most max; 0 or -1. */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* Record the first failure and abort the parse. */
__attribute__((format(printf, 3, 4)))
static void xp_fail(xp *x, int code, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	if (x->rc)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->rc = fc_err_set(x->err, code, "%s", msg);
	XML_StopParser(x->p, XML_FALSE);
}

/* A DTD has no place in a workbook; refusing it refuses entity bombs. */
static void XMLCALL no_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal)
{
	xp *x = ud;

	(void)name, (void)sysid, (void)pubid, (void)has_internal;
	xp_fail(x, FC_EINVALID, "%s: %s: a DTD (<!DOCTYPE>) is not allowed in a workbook",
		x->b->path, x->part);
}

static int zip_message(xlsx_book *b, const char *part, zip_error_t *ze, fc_err *err)
{
	return fc_err_set(err, FC_EINVALID, "%s: cannot read %s from the zip: %s",
			  b->path, part, zip_error_strerror(ze));
}

/* Open part `name` for parsing into x (handlers and user data still to be
 * set). FC_ENOTFOUND, without a message, if the zip has no such entry. */
static int xp_open(xp *x, xlsx_book *b, const char *name, fc_err *err)
{
	zip_stat_t st;
	zip_int64_t i;

	memset(x, 0, sizeof(*x));
	x->b = b;
	x->part = name;
	x->err = err;
	/* Part names are case-insensitive in the packaging spec. */
	i = zip_name_locate(b->zip, name, ZIP_FL_NOCASE);
	if (i < 0)
		return FC_ENOTFOUND;
	zip_stat_init(&st);
	if (zip_stat_index(b->zip, (zip_uint64_t)i, 0, &st) < 0)
		return zip_message(b, name, zip_get_error(b->zip), err);
	if ((st.valid & ZIP_STAT_SIZE) && st.size > XLSX_MAX_PART) {
		char h[32];

		util_human_bytes(st.size > SIZE_MAX ? SIZE_MAX : (size_t)st.size, h, sizeof(h));
		return fc_err_set(err, FC_EINVALID,
				  "%s: %s is %s uncompressed, more than the %u MiB a part may "
				  "have (a damaged file or a zip bomb)",
				  b->path, name, h, XLSX_MAX_PART >> 20);
	}
	x->zf = zip_fopen_index(b->zip, (zip_uint64_t)i, 0);
	if (!x->zf)
		return zip_message(b, name, zip_get_error(b->zip), err);
	x->p = XML_ParserCreateNS(NULL, ' ');
	if (!x->p) {
		zip_fclose(x->zf);
		x->zf = NULL;
		return fc_err_set(err, FC_ERROR, "%s: %s: out of memory", b->path, name);
	}
	XML_SetUserData(x->p, x);
	XML_SetStartDoctypeDeclHandler(x->p, no_doctype);
	return 0;
}

static void xp_free(xp *x)
{
	if (x->p)
		XML_ParserFree(x->p);
	if (x->zf)
		zip_fclose(x->zf);
	x->p = NULL;
	x->zf = NULL;
}

/* The parse failed: our handler's message, or expat's with where. */
static int xp_error(xp *x)
{
	char where[160] = "";

	if (x->rc)
		return x->rc;
	if (x->sheet)
		snprintf(where, sizeof(where), x->row ? " (sheet \"%s\", row %d)" : " (sheet \"%s\")",
			 x->sheet, x->row);
	x->rc = fc_err_set(x->err, FC_EINVALID, "%s: %s%s: damaged XML at line %lu, column %lu: %s",
			   x->b->path, x->part, where,
			   (unsigned long)XML_GetCurrentLineNumber(x->p),
			   (unsigned long)XML_GetCurrentColumnNumber(x->p) + 1,
			   XML_ErrorString(XML_GetErrorCode(x->p)));
	return x->rc;
}

/* Feed the part to expat until it ends (0), a handler suspends the parse
 * (1: a sheet row is ready) or it fails (<0). */
static int xp_run(xp *x)
{
	for (;;) {
		enum XML_Status st;

		if (x->rc)
			return x->rc;
		if (x->suspended) {
			x->suspended = 0;
			st = XML_ResumeParser(x->p);
		} else if (x->final) {
			return 0;
		} else {
			void *buf = XML_GetBuffer(x->p, CHUNK);
			zip_int64_t n;

			if (!buf)
				return xp_error(x);
			n = zip_fread(x->zf, buf, CHUNK);
			if (n < 0) {
				x->rc = zip_message(x->b, x->part, zip_file_get_error(x->zf), x->err);
				return x->rc;
			}
			x->total += (size_t)n;
			if (x->total > XLSX_MAX_PART) {
				x->rc = fc_err_set(x->err, FC_EINVALID,
						   "%s: %s is more than the %u MiB a part may have "
						   "uncompressed (a damaged file or a zip bomb)",
						   x->b->path, x->part, XLSX_MAX_PART >> 20);
				return x->rc;
			}
			x->final = n == 0;
			st = XML_ParseBuffer(x->p, (int)n, x->final);
		}
		if (st == XML_STATUS_SUSPENDED) {
			x->suspended = 1;
			return 1;
		}
		if (st == XML_STATUS_ERROR)
			return xp_error(x);
	}
}

/* Parse a whole part with these handlers; x must be the handlers' user data
 * (or its first member). A missing part is FC_ENOTFOUND, without message. */
static int parse_part(xp *x, xlsx_book *b, const char *name, XML_StartElementHandler start,
		      XML_EndElementHandler end, XML_CharacterDataHandler chars, fc_err *err)
{
	int rc = xp_open(x, b, name, err);

	if (rc < 0)
		return rc;
	XML_SetElementHandler(x->p, start, end);
	XML_SetCharacterDataHandler(x->p, chars);
	rc = xp_run(x);
	xp_free(x);
	return rc;
}

/* ---- text ---- */

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The text b->data[start..] just ended: trim it (unless kept), decode the
 * _xHHHH_ escapes Excel writes for characters XML cannot hold (and for a
 * literal "_x": _x005F_), and fold CRLF to LF. Never grows the text. */
static void text_fix(fc_buf *b, size_t start, int trim)
{
	char *s = b->data ? b->data + start : NULL, *w;
	size_t len = b->len - start, i;

	if (!s)
		return;
	if (trim) {
		while (len && is_ws(s[len - 1]))
			len--;
		for (i = 0; i < len && is_ws(s[i]); i++)
			;
		memmove(s, s + i, len - i);
		len -= i;
	}
	w = s;
	for (i = 0; i < len;) {
		int h[4] = { -1, -1, -1, -1 };

		if (i + 7 <= len && s[i] == '_' && s[i + 1] == 'x' && s[i + 6] == '_')
			for (int k = 0; k < 4; k++)
				h[k] = util_hex_digit(s[i + 2 + k]);
		if (h[0] >= 0 && h[1] >= 0 && h[2] >= 0 && h[3] >= 0) {
			unsigned cp = (unsigned)(h[0] << 12 | h[1] << 8 | h[2] << 4 | h[3]);

			/* A lone surrogate or NUL stays as written. */
			if (cp && (cp < 0xD800 || cp > 0xDFFF)) {
				i += 7;
				if (cp == '\r' && i < len && s[i] == '\n')
					continue;       /* _x000D_ before LF: CRLF */
				if (cp < 0x80) {
					*w++ = (char)cp;
				} else if (cp < 0x800) {
					*w++ = (char)(0xC0 | cp >> 6);
					*w++ = (char)(0x80 | (cp & 0x3F));
				} else {
					*w++ = (char)(0xE0 | cp >> 12);
					*w++ = (char)(0x80 | (cp >> 6 & 0x3F));
					*w++ = (char)(0x80 | (cp & 0x3F));
				}
				continue;
			}
		}
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') {
			i++;
			continue;
		}
		*w++ = s[i++];
	}
	b->len = start + (size_t)(w - s);
	b->data[b->len] = '\0';
}

/* A string item starts (<si> or <is>): its text goes to out. */
static void item_begin(xp *x, fc_buf *out)
{
	x->in_item = 1;
	x->in_r = x->in_t = 0;
	x->out = out;
}

/* An element inside an item: <t> text is kept, <r> runs are opened, the
 * rest (run properties, phonetic guides <rPh>) is skipped. */
static void item_start(xp *x, const char *n, const XML_Char **atts)
{
	if (!x->in_t && !strcmp(n, "t")) {
		x->in_t = 1;
		x->t_keep = preserve(atts);
		x->t_start = x->out->len;
	} else if (!x->in_t && !x->in_r && !strcmp(n, "r")) {
		x->in_r = 1;
	} else {
		x->skip = 1;
	}
}

/* An element inside an item ends; 1 if it was the item itself. Runs are
 * joined untrimmed: the spaces between them are the text's own. */
static int item_end(xp *x)
{
	if (x->in_t) {
		text_fix(x->out, x->t_start, !x->in_r && !x->t_keep);
		x->in_t = 0;
		return 0;
	}
	if (x->in_r) {
		x->in_r = 0;
		return 0;
	}
	x->in_item = 0;
	return 1;
}

static void item_chars(xp *x, const XML_Char *s, int len)
{
	if (x->in_t)
		buf_add(x->out, s, (size_t)len);
}

/* ---- the workbook, its relationships, shared strings, styles ---- */

typedef struct rel {
	char *id, *target, *type;
} rel;

typedef struct wb_ctx {
	xp x;
	char **rids;            /* each sheet's r:id */
	size_t cap;
	rel *rels;
	size_t nrels, caprels;
} wb_ctx;

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	wb_ctx *c = ud;
	xlsx_book *b = c->x.b;
	const char *n = local(name);

	if (!strcmp(n, "sheet")) {
		const char *nm = attr(atts, "name");

		if (!nm || !*nm) {
			xp_fail(&c->x, FC_EINVALID, "%s: %s: a sheet has no name", b->path, c->x.part);
			return;
		}
		if (b->nsheets == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 8;
			b->names = util_realloc(b->names, c->cap * sizeof(char *));
			c->rids = util_realloc(c->rids, c->cap * sizeof(char *));
		}
		b->names[b->nsheets] = util_strdup(nm);
		c->rids[b->nsheets++] = util_strdup(attr(atts, "id"));
	} else if (!strcmp(n, "workbookPr")) {
		const char *v = attr(atts, "date1904");

		b->date1904 = v && (!strcmp(v, "1") || !strcmp(v, "true"));
	}
}

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	wb_ctx *c = ud;
	const char *id = attr(atts, "Id"), *target = attr(atts, "Target");
	const char *mode = attr(atts, "TargetMode");

	if (strcmp(local(name), "Relationship") || !id || !target ||
	    (mode && !strcmp(mode, "External")))
		return;
	if (c->nrels == c->caprels) {
		c->caprels = c->caprels ? c->caprels * 2 : 16;
		c->rels = util_realloc(c->rels, c->caprels * sizeof(*c->rels));
	}
	c->rels[c->nrels].id = util_strdup(id);
	c->rels[c->nrels].type = util_strdup(attr(atts, "Type"));
	/* Targets are relative to xl/, or absolute from the package root. */
	c->rels[c->nrels++].target = target[0] == '/' ? util_strdup(target + 1)
						      : util_asprintf("xl/%s", target);
}

static void XMLCALL ignore_end(void *ud, const XML_Char *name)
{
	(void)ud, (void)name;
}

/* The part of the relationship with this id, or whose type ends with
 * "/suffix"; NULL if none. */
static const char *rel_target(const wb_ctx *c, const char *id, const char *suffix)
{
	for (size_t i = 0; i < c->nrels; i++) {
		const rel *r = &c->rels[i];
		size_t tl = r->type ? strlen(r->type) : 0, sl = suffix ? strlen(suffix) : 0;

		if (id && !strcmp(r->id, id))
			return r->target;
		if (suffix && tl > sl && r->type[tl - sl - 1] == '/' &&
		    !strcmp(r->type + tl - sl, suffix))
			return r->target;
	}
	return NULL;
}

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	xp *x = ud;
	xlsx_book *b = x->b;
	const char *n = local(name);

	if (x->skip) {
		x->skip++;
	} else if (x->in_item) {
		item_start(x, n, atts);
	} else if (!strcmp(n, "si")) {
		if (b->nsst == b->capsst) {
			b->capsst = b->capsst ? b->capsst * 2 : 256;
			b->sst_off = util_realloc(b->sst_off, b->capsst * sizeof(*b->sst_off));
		}
		/* The part is at most XLSX_MAX_PART bytes, so offsets fit. */
		b->sst_off[b->nsst++] = (uint32_t)b->sst.len;
		item_begin(x, &b->sst);
	}
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
	xp *x = ud;

	(void)name;
	if (x->skip)
		x->skip--;
	else if (x->in_item && item_end(x))
		buf_add(&x->b->sst, "", 1);
}

static void XMLCALL sst_chars(void *ud, const XML_Char *s, int len)
{
	xp *x = ud;

	if (!x->skip && x->in_item)
		item_chars(x, s, len);
}

/* What a number format code shows: skip quoted text, \x and _x, *x, and
 * [..] (colours, locales); y or d means a date, h or s a time. Elapsed
 * times ([h]:mm) are durations, left as numbers. */
static int fmt_kind(const char *f)
{
	int date = 0, time = 0;

	for (; *f; f++) {
		char c = *f;

		if (c == '"') {
			while (f[1] && f[1] != '"')
				f++;
			if (f[1])
				f++;
		} else if ((c == '\\' || c == '_' || c == '*') && f[1]) {
			f++;
		} else if (c == '[') {
			size_t n = strcspn(f + 1, "]");

			if (n && strspn(f + 1, "hHmMsS") >= n)
				return K_NONE;
			f += n + (f[n + 1] == ']');
		} else if (c == 'y' || c == 'Y' || c == 'd' || c == 'D') {
			date = 1;
		} else if (c == 'h' || c == 'H' || c == 's' || c == 'S') {
			time = 1;
		}
	}
	return date && time ? K_DATETIME : date ? K_DATE : time ? K_TIME : K_NONE;
}

/* Built-in formats (ECMA-376 18.8.30; 27-36 and 50-58 are the East Asian
 * locales' dates and times, as a zh-CN Excel writes them). */
static int builtin_kind(unsigned long id)
{
	if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || id == 36 ||
	    (id >= 50 && id <= 58))
		return K_DATE;
	if ((id >= 18 && id <= 21) || (id >= 32 && id <= 35) || id == 45 || id == 47)
		return K_TIME;
	return id == 22 ? K_DATETIME : K_NONE;
}

typedef struct st_ctx {
	xp x;
	int in_xfs;
	unsigned long ids[MAX_NUMFMTS];
	unsigned char kinds[MAX_NUMFMTS];
	size_t nfmt, cap;
} st_ctx;

static void XMLCALL st_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	st_ctx *c = ud;
	xlsx_book *b = c->x.b;
	const char *n = local(name);
	unsigned long id;

	if (!strcmp(n, "numFmt") && c->nfmt < MAX_NUMFMTS &&
	    !parse_uint(attr(atts, "numFmtId"), 0xFFFFFFFFul, &id) && attr(atts, "formatCode")) {
		c->ids[c->nfmt] = id;
		c->kinds[c->nfmt++] = (unsigned char)fmt_kind(attr(atts, "formatCode"));
	} else if (!strcmp(n, "cellXfs")) {
		c->in_xfs = 1;
	} else if (c->in_xfs && !strcmp(n, "xf") && b->nxf < MAX_XFS) {
		int kind = K_NONE;

		if (!parse_uint(attr(atts, "numFmtId"), 0xFFFFFFFFul, &id)) {
			kind = builtin_kind(id);
			for (size_t i = 0; i < c->nfmt; i++)
				if (c->ids[i] == id)
					kind = c->kinds[i];
		}
		if (b->nxf == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 64;
			b->xf_kind = util_realloc(b->xf_kind, c->cap);
		}
		b->xf_kind[b->nxf++] = (unsigned char)kind;
	}
}

static void XMLCALL st_end(void *ud, const XML_Char *name)
{
	st_ctx *c = ud;

	if (!strcmp(local(name), "cellXfs"))
		c->in_xfs = 0;
}

static void wb_ctx_free(wb_ctx *c, size_t nrids)
{
	for (size_t i = 0; i < nrids; i++)
		free(c->rids[i]);
	free(c->rids);
	for (size_t i = 0; i < c->nrels; i++) {
		free(c->rels[i].id);
		free(c->rels[i].target);
		free(c->rels[i].type);
	}
	free(c->rels);
}

/* Why the file at path is no zip, for the message. */
static const char *not_zip_reason(const char *path)
{
	static const unsigned char ole[8] = { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 };
	unsigned char head[8] = { 0 };
	FILE *f = fopen(path, "rb");
	size_t n = 0;

	if (f) {
		n = fread(head, 1, sizeof(head), f);
		fclose(f);
	}
	if (n == 8 && !memcmp(head, ole, 8))
		return "it is an Excel 97-2003 .xls or a password-protected workbook; "
		       "open it in Excel or WPS and save it as .xlsx without a password";
	if (n == 0)
		return "the file is empty";
	return "it is not a zip file (a CSV or another file renamed .xlsx, or a damaged "
	       "download)";
}

static int open_zip(xlsx_book *b, fc_err *err)
{
	int ze = 0;
	zip_error_t e;
	int rc;

	b->zip = zip_open(b->path, ZIP_RDONLY, &ze);
	if (b->zip)
		return 0;
	if (ze == ZIP_ER_NOZIP || ze == ZIP_ER_INCONS)
		return fc_err_set(err, FC_EINVALID, "%s: not an xlsx workbook: %s", b->path,
				  not_zip_reason(b->path));
	zip_error_init_with_code(&e, ze);
	rc = fc_err_set(err, FC_ERROR, "%s: cannot open: %s", b->path, zip_error_strerror(&e));
	zip_error_fini(&e);
	return rc;
}

/* Sheet names, their parts, shared strings and date formats. */
static int load_book(xlsx_book *b, fc_err *err)
{
	wb_ctx c;
	st_ctx *st = NULL;
	const char *part;
	size_t nrids;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = parse_part(&c.x, b, "xl/workbook.xml", wb_start, ignore_end, NULL, err);
	nrids = b->nsheets;
	if (rc == FC_ENOTFOUND) {
		rc = fc_err_set(err, FC_EINVALID,
				"%s: not an xlsx workbook: the zip has no xl/workbook.xml%s", b->path,
				zip_name_locate(b->zip, "content.xml", 0) >= 0
					? " (it looks like an OpenDocument .ods: save it as .xlsx)" : "");
		goto cleanup;
	}
	if (rc < 0)
		goto cleanup;
	if (!b->nsheets) {
		rc = fc_err_set(err, FC_EINVALID, "%s: the workbook lists no sheets", b->path);
		goto cleanup;
	}
	rc = parse_part(&c.x, b, "xl/_rels/workbook.xml.rels", rels_start, ignore_end, NULL, err);
	if (rc < 0 && rc != FC_ENOTFOUND)
		goto cleanup;
	b->parts = util_calloc(b->nsheets, sizeof(char *));
	for (size_t i = 0; i < b->nsheets; i++) {
		part = c.rids[i] ? rel_target(&c, c.rids[i], NULL) : NULL;
		/* Without relationships, the names every writer uses. */
		b->parts[i] = part ? util_strdup(part) : util_asprintf("xl/worksheets/sheet%zu.xml", i + 1);
	}
	part = rel_target(&c, NULL, "sharedStrings");
	rc = parse_part(&c.x, b, part ? part : "xl/sharedStrings.xml", sst_start, sst_end,
			sst_chars, err);
	if (rc < 0 && rc != FC_ENOTFOUND)
		goto cleanup;
	st = util_calloc(1, sizeof(*st));
	part = rel_target(&c, NULL, "styles");
	rc = parse_part(&st->x, b, part ? part : "xl/styles.xml", st_start, st_end, NULL, err);
	if (rc == FC_ENOTFOUND)
		rc = 0;
cleanup:
	free(st);
	wb_ctx_free(&c, nrids);
	return rc;
}

int xlsx_book_open(const char *path, xlsx_book **out, fc_err *err)
{
	xlsx_book *b = util_calloc(1, sizeof(*b));
	int rc;

	*out = NULL;
	b->path = util_strdup(path);
	rc = open_zip(b, err);
	if (rc == 0)
		rc = load_book(b, err);
	if (rc < 0) {
		xlsx_book_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

void xlsx_book_free(xlsx_book *b)
{
	if (!b)
		return;
	if (b->zip)
		zip_discard(b->zip);    /* read-only: nothing to write back */
	for (size_t i = 0; i < b->nsheets; i++) {
		free(b->names[i]);
		if (b->parts)
			free(b->parts[i]);
	}
	free(b->names);
	free(b->parts);
	buf_free(&b->sst);
	free(b->sst_off);
	free(b->xf_kind);
	free(b->path);
	free(b);
}

size_t xlsx_book_nsheets(const xlsx_book *b)
{
	return b->nsheets;
}

const char *xlsx_book_sheet(const xlsx_book *b, size_t i)
{
	return i < b->nsheets ? b->names[i] : NULL;
}

/* ---- worksheets ---- */

/* A cell of the current row: a borrowed string (shared), an offset into the
 * row's buffer, or empty. */
typedef struct slot {
	char *s;
	size_t off;
} slot;
#define NO_VALUE SIZE_MAX

struct xlsx_reader {
	xp x;                   /* first: the handlers' user data */
	xlsx_book *book;
	int owns_book;
	char *sheet;
	int in_data, in_row, in_c, in_v;
	int prev_row;           /* last row seen, for rows without r= */
	int col, prev_col;      /* 1-based */
	int ctype, ckind;
	size_t cstart;          /* where the cell's text starts in rowbuf */
	int chas;               /* the cell had a <v> or <is> */
	fc_buf rowbuf;
	slot *cells;
	size_t ncells, capcells;
	char **fields;
	size_t nfields, capfields;
	int line, ready;
	int rc;                 /* sticky: an error ends the sheet */
	char empty[1];
};

/* "AB12" -> column 28, or 0 if it is no cell reference or beyond XFD. */
static int ref_col(const char *ref)
{
	int col = 0;

	for (; (*ref >= 'A' && *ref <= 'Z') || (*ref >= 'a' && *ref <= 'z'); ref++) {
		col = col * 26 + ((*ref | 0x20) - 'a' + 1);
		if (col > XLSX_MAX_COLS)
			return 0;
	}
	if (*ref < '1' || *ref > '9')
		return 0;
	return col;
}

/* Column 28 -> "AB". */
static void col_name(int col, char out[8])
{
	char rev[8];
	int n = 0;

	for (; col > 0 && n < 7; col = (col - 1) / 26)
		rev[n++] = (char)('A' + (col - 1) % 26);
	for (int i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	out[n] = '\0';
}

static void row_begin(xlsx_reader *r, const XML_Char **atts)
{
	const char *v = attr(atts, "r");
	unsigned long row;

	if (v) {
		if (parse_uint(v, XLSX_MAX_ROWS, &row) || row == 0) {
			xp_fail(&r->x, FC_EINVALID, "%s: sheet \"%s\": row number \"%s\" is not one "
				"of 1 to %d", r->book->path, r->sheet, v, XLSX_MAX_ROWS);
			return;
		}
	} else if ((row = (unsigned long)r->prev_row + 1) > XLSX_MAX_ROWS) {
		xp_fail(&r->x, FC_EINVALID, "%s: sheet \"%s\": more than %d rows", r->book->path,
			r->sheet, XLSX_MAX_ROWS);
		return;
	}
	r->x.row = (int)row;
	r->in_row = 1;
	r->ncells = 0;
	r->prev_col = 0;
	buf_reset(&r->rowbuf);
}

static void cell_begin(xlsx_reader *r, const XML_Char **atts)
{
	const char *ref = attr(atts, "r"), *t = attr(atts, "t"), *s = attr(atts, "s");
	unsigned long xf;

	r->col = ref ? ref_col(ref) : r->prev_col + 1;
	if (r->col <= 0 || r->col > XLSX_MAX_COLS) {
		if (ref)
			xp_fail(&r->x, FC_EINVALID, "%s:%d: sheet \"%s\": cell reference \"%s\" is "
				"not a column A to XFD and a row", r->book->path, r->x.row, r->sheet, ref);
		else
			xp_fail(&r->x, FC_EINVALID, "%s:%d: sheet \"%s\": more than %d columns",
				r->book->path, r->x.row, r->sheet, XLSX_MAX_COLS);
		return;
	}
	r->ctype = !t || !strcmp(t, "n") ? T_NUM : !strcmp(t, "s") ? T_SST
		 : !strcmp(t, "inlineStr") ? T_INLINE : !strcmp(t, "b") ? T_BOOL : T_TEXT;
	r->ckind = K_NONE;
	if (s && !parse_uint(s, MAX_XFS, &xf) && xf < r->book->nxf)
		r->ckind = r->book->xf_kind[xf];
	r->cstart = r->rowbuf.len;
	r->chas = 0;
	r->in_c = 1;
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's days_from_civil,
 * inverted). */
static void civil(long z, int *y, int *m, int *d)
{
	long era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

/* A serial day number ("45000.5") shown as the cell's format shows it; 0,
 * or -1 to keep the number as written. Parsed by hand: strtod would follow
 * the locale's decimal point. */
static int serial_text(const xlsx_reader *r, const char *v, int kind, char *out, size_t len)
{
	long days = 0, secs;
	double frac = 0, scale = 0.1;
	int y, m, d;

	if (*v < '0' || *v > '9')
		return -1;
	for (; *v >= '0' && *v <= '9'; v++)
		if ((days = days * 10 + (*v - '0')) > 2958465)  /* 9999-12-31 */
			return -1;
	if (*v == '.')
		for (v++; *v >= '0' && *v <= '9'; v++, scale /= 10)
			frac += (*v - '0') * scale;
	if (*v)
		return -1;
	secs = (long)(frac * 86400 + 0.5);
	if (secs >= 86400) {
		days++;
		secs -= 86400;
	}
	if (kind == K_TIME) {
		snprintf(out, len, "%02ld:%02ld:%02ld", secs / 3600, secs / 60 % 60, secs % 60);
		return 0;
	}
	if (days == 0 && !r->book->date1904)
		return -1;      /* Excel's "1900-01-00" */
	if (r->book->date1904) {
		civil(days - 24107, &y, &m, &d);
	} else if (days == 60) {
		y = 1900, m = 2, d = 29;  /* Lotus's leap day, kept by Excel */
	} else {
		civil(days - (days < 60 ? 25568 : 25569), &y, &m, &d);
	}
	if (kind == K_DATE)
		snprintf(out, len, "%04d-%02d-%02d", y, m, d);
	else
		snprintf(out, len, "%04d-%02d-%02d %02ld:%02ld:%02ld", y, m, d, secs / 3600,
			 secs / 60 % 60, secs % 60);
	return 0;
}

/* Slot i (0-based) of the row, the ones before it empty if new. */
static slot *slot_at(xlsx_reader *r, size_t i)
{
	if (i >= r->capcells) {
		size_t cap = r->capcells ? r->capcells : 16;

		while (cap <= i)
			cap *= 2;
		r->cells = util_realloc(r->cells, cap * sizeof(*r->cells));
		r->capcells = cap;
	}
	for (; r->ncells <= i; r->ncells++) {
		r->cells[r->ncells].s = NULL;
		r->cells[r->ncells].off = NO_VALUE;
	}
	return &r->cells[i];
}

/* </c>: turn the cell's text into its value (a later cell with the same
 * reference replaces it). */
static void cell_end(xlsx_reader *r)
{
	slot *sl = slot_at(r, (size_t)r->col - 1);
	const char *v = r->rowbuf.data ? r->rowbuf.data + r->cstart : "";
	char when[64];
	unsigned long idx;

	r->in_c = 0;
	r->prev_col = r->col;
	sl->s = NULL;
	sl->off = NO_VALUE;
	if (!r->chas)
		goto empty;
	if (r->ctype == T_SST) {
		if (!r->book->nsst || parse_uint(v, r->book->nsst - 1, &idx)) {
			char ref[8];

			col_name(r->col, ref);
			xp_fail(&r->x, FC_EINVALID, "%s:%d: sheet \"%s\", cell %s%d: shared string "
				"\"%s\" does not exist (the workbook has %zu)", r->book->path, r->x.row,
				r->sheet, ref, r->x.row, v, r->book->nsst);
			return;
		}
		sl->s = r->book->sst.data + r->book->sst_off[idx];
		goto empty;     /* nothing of its own in rowbuf */
	}
	if (r->ctype == T_BOOL && (!strcmp(v, "0") || !strcmp(v, "1"))) {
		r->rowbuf.len = r->cstart;
		buf_adds(&r->rowbuf, v[0] == '1' ? "TRUE" : "FALSE");
	} else if (r->ctype == T_NUM && r->ckind != K_NONE &&
		   !serial_text(r, v, r->ckind, when, sizeof(when))) {
		r->rowbuf.len = r->cstart;
		buf_adds(&r->rowbuf, when);
	}
	sl->off = r->cstart;
	buf_add(&r->rowbuf, "", 1);
	return;
empty:
	r->rowbuf.len = r->cstart;
	if (r->rowbuf.data)
		r->rowbuf.data[r->cstart] = '\0';
}

/* </row>: hand the row out (suspending the parse) unless it has no value. */
static void row_end(xlsx_reader *r)
{
	size_t n = r->ncells;

	r->in_row = 0;
	r->prev_row = r->x.row;
	for (size_t i = 0; i < n; i++)
		if (!r->cells[i].s && r->cells[i].off != NO_VALUE)
			r->cells[i].s = r->rowbuf.data + r->cells[i].off;
	while (n && (!r->cells[n - 1].s || !*r->cells[n - 1].s))
		n--;
	if (!n)
		return;
	if (n + 1 > r->capfields) {
		r->capfields = n + 1 > 2 * r->capfields ? n + 1 : 2 * r->capfields;
		r->fields = util_realloc(r->fields, r->capfields * sizeof(char *));
	}
	for (size_t i = 0; i < n; i++)
		r->fields[i] = r->cells[i].s ? r->cells[i].s : r->empty;
	r->fields[n] = NULL;
	r->nfields = n;
	r->line = r->x.row;
	r->ready = 1;
	XML_StopParser(r->x.p, XML_TRUE);
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	xlsx_reader *r = ud;
	const char *n = local(name);

	if (r->x.rc) {
		/* expat may still call us after an abort: nothing to do */
	} else if (r->x.skip) {
		r->x.skip++;
	} else if (r->x.in_item) {
		item_start(&r->x, n, atts);
	} else if (r->in_v) {
		r->x.skip = 1;
	} else if (r->in_c) {
		if (!strcmp(n, "v")) {
			r->in_v = 1;
			r->x.t_keep = preserve(atts);
			r->x.t_start = r->rowbuf.len;
		} else if (!strcmp(n, "is")) {
			item_begin(&r->x, &r->rowbuf);
		} else {
			r->x.skip = 1;  /* <f>: we read the cached value */
		}
	} else if (r->in_row) {
		if (!strcmp(n, "c"))
			cell_begin(r, atts);
		else
			r->x.skip = 1;
	} else if (r->in_data) {
		if (!strcmp(n, "row"))
			row_begin(r, atts);
		else
			r->x.skip = 1;
	} else if (!strcmp(n, "sheetData")) {
		r->in_data = 1;
	}
}

/* Well-formedness (expat's) and the skip count mean an end tag always
 * closes the innermost state. */
static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
	xlsx_reader *r = ud;

	(void)name;
	if (r->x.rc) {
		/* aborted */
	} else if (r->x.skip) {
		r->x.skip--;
	} else if (r->x.in_item) {
		if (item_end(&r->x))
			r->chas = 1;
	} else if (r->in_v) {
		text_fix(&r->rowbuf, r->x.t_start, !r->x.t_keep);
		r->in_v = 0;
		r->chas = 1;
	} else if (r->in_c) {
		cell_end(r);
	} else if (r->in_row) {
		row_end(r);
	} else {
		r->in_data = 0;
	}
}

static void XMLCALL sheet_chars(void *ud, const XML_Char *s, int len)
{
	xlsx_reader *r = ud;

	if (r->x.rc || r->x.skip)
		return;
	if (r->in_v)
		buf_add(&r->rowbuf, s, (size_t)len);
	else if (r->x.in_item)
		item_chars(&r->x, s, len);
}

int xlsx_open(xlsx_book *b, const char *sheet, xlsx_reader **out, fc_err *err)
{
	xlsx_reader *r;
	size_t i = 0;
	int rc;

	*out = NULL;
	if (sheet) {
		fc_buf names = FC_BUF_INIT;

		while (i < b->nsheets && strcmp(b->names[i], sheet))
			i++;
		if (i == b->nsheets) {
			for (size_t k = 0; k < b->nsheets; k++)
				buf_printf(&names, "%s%s", k ? ", " : "", b->names[k]);
			rc = fc_err_set(err, FC_ENOTFOUND, "%s: no sheet named \"%s\" (sheets: %s)",
					b->path, sheet, buf_cstr(&names));
			buf_free(&names);
			return rc;
		}
	}
	r = util_calloc(1, sizeof(*r));
	r->book = b;
	r->sheet = util_strdup(b->names[i]);
	rc = xp_open(&r->x, b, b->parts[i], err);
	if (rc == FC_ENOTFOUND)
		rc = fc_err_set(err, FC_EINVALID, "%s: sheet \"%s\": the zip has no %s (a damaged "
				"workbook)", b->path, r->sheet, b->parts[i]);
	if (rc < 0) {
		xlsx_close(r);
		return rc;
	}
	r->x.sheet = r->sheet;
	XML_SetElementHandler(r->x.p, sheet_start, sheet_end);
	XML_SetCharacterDataHandler(r->x.p, sheet_chars);
	*out = r;
	return 0;
}

int xlsx_open_path(const char *path, const char *sheet, xlsx_reader **out, fc_err *err)
{
	xlsx_book *b;
	int rc = xlsx_book_open(path, &b, err);

	*out = NULL;
	if (rc < 0)
		return rc;
	rc = xlsx_open(b, sheet, out, err);
	if (rc < 0) {
		xlsx_book_free(b);
		return rc;
	}
	(*out)->owns_book = 1;
	return 0;
}

void xlsx_close(xlsx_reader *r)
{
	if (!r)
		return;
	xp_free(&r->x);
	if (r->owns_book)
		xlsx_book_free(r->book);
	buf_free(&r->rowbuf);
	free(r->cells);
	free(r->fields);
	free(r->sheet);
	free(r);
}

int xlsx_next(xlsx_reader *r, char ***fields, size_t *n, fc_err *err)
{
	int rc;

	*fields = NULL;
	*n = 0;
	if (r->rc)
		return fc_err_set(err, r->rc, "%s: sheet \"%s\": reading stopped at an earlier error",
				  r->book->path, r->sheet);
	r->x.err = err;
	r->ready = 0;
	rc = xp_run(&r->x);
	if (rc < 0) {
		r->rc = rc;
		return rc;
	}
	if (!r->ready)
		return 0;
	*fields = r->fields;
	*n = r->nfields;
	return 1;
}

int xlsx_line(const xlsx_reader *r)
{
	return r->line;
}
