/* record.c — records as field values and their canonical text, the bytes
 * that go into the ledger (see include/fieldcard/record.h).
 *
 * The canonical text is what git diffs and merges and what signatures cover,
 * so serialising is deterministic (form order, then extras in byte order) and
 * parsing is strict: anything serialise would not have written is rejected
 * with the line that is wrong, rather than guessed at. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/record.h"
#include "fieldcard/util.h"

/* The "separator" between name and value is exactly ": " so that a value's
 * own leading spaces survive ("name:  x" holds " x"). */
#define SEP ": "
#define SEPLEN 2

record *record_new(const char *kind, const char *id, const char *parent)
{
	record *r = util_calloc(1, sizeof(*r));

	r->kind = util_strdup(kind ? kind : "");
	if (id) {
		r->id = util_strdup(id);
	} else {
		char ulid[UTIL_ULID_LEN + 1];

		util_ulid(ulid);
		r->id = util_strdup(ulid);
	}
	r->parent = util_strdup(parent);
	return r;
}

/* A card has about 110 fields and the checks of a county read dozens of
 * them in every household: past a few fields, names are found through an
 * open-addressing hash index (16.6 s -> see DESIGN.md for 100,000 cards),
 * built on the first lookup and kept up by appends. */
#define HASH_FROM 12

static size_t name_hash(const char *s)
{
	size_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void slots_put(record *r, size_t i)
{
	size_t mask = r->nslots - 1, h = name_hash(r->names[i]) & mask;

	while (r->slots[h])
		h = (h + 1) & mask;
	r->slots[h] = i + 1;
}

static void slots_build(record *r)
{
	size_t n = 32;

	while (n < r->n * 2)
		n *= 2;
	free(r->slots);
	r->slots = util_calloc(n, sizeof(*r->slots));
	r->nslots = n;
	for (size_t i = 0; i < r->n; i++)
		slots_put(r, i);
}

/* Append without looking for an existing field: callers know it is new. */
static void record_append(record *r, char *name, char *value)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->names = util_realloc(r->names, r->cap * sizeof(*r->names));
		r->values = util_realloc(r->values, r->cap * sizeof(*r->values));
	}
	r->names[r->n] = name;
	r->values[r->n] = value;
	r->n++;
	if (r->slots) {
		if (r->n * 2 > r->nslots)
			slots_build(r);
		else
			slots_put(r, r->n - 1);
	}
}

record *record_dup(const record *r)
{
	record *d;

	if (!r)
		return NULL;
	d = record_new(r->kind, r->id, r->parent);
	d->form_version = util_strdup(r->form_version);
	for (size_t i = 0; i < r->n; i++)
		record_append(d, util_strdup(r->names[i]), util_strdup(r->values[i]));
	return d;
}

void record_free(record *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->names[i]);
		free(r->values[i]);
	}
	free(r->names);
	free(r->values);
	free(r->slots);
	free(r->kind);
	free(r->id);
	free(r->parent);
	free(r->form_version);
	free(r);
}

static long record_index(const record *r, const char *name)
{
	size_t mask, h;

	if (r->n < HASH_FROM) {
		for (size_t i = 0; i < r->n; i++)
			if (strcmp(r->names[i], name) == 0)
				return (long)i;
		return -1;
	}
	/* The index is a cache: building it does not change the record. */
	if (!r->slots)
		slots_build((record *)r);
	mask = r->nslots - 1;
	for (h = name_hash(name) & mask; r->slots[h]; h = (h + 1) & mask)
		if (strcmp(r->names[r->slots[h] - 1], name) == 0)
			return (long)(r->slots[h] - 1);
	return -1;
}

void record_set(record *r, const char *name, const char *value)
{
	long i = record_index(r, name);

	if (i >= 0) {
		free(r->values[i]);
		r->values[i] = util_strdup(value ? value : "");
		return;
	}
	record_append(r, util_strdup(name), util_strdup(value ? value : ""));
}

const char *record_get(const record *r, const char *name)
{
	long i = record_index(r, name);

	return i >= 0 ? r->values[i] : NULL;
}

const char *record_val(const record *r, const char *name)
{
	const char *v = record_get(r, name);

	return v ? v : "";
}

void record_set_version(record *r, const char *version)
{
	free(r->form_version);
	r->form_version = util_strdup(version);
}

static int str_eq_null(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Every non-empty value of a is the same in b. */
static int record_covers(const record *a, const record *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->values[i][0] && strcmp(a->values[i], record_val(b, a->names[i])) != 0)
			return 0;
	return 1;
}

int record_equal(const record *a, const record *b)
{
	if (!a || !b)
		return a == b;
	return str_eq_null(a->kind, b->kind) && str_eq_null(a->id, b->id) &&
	       str_eq_null(a->parent, b->parent) && record_covers(a, b) &&
	       record_covers(b, a);
}

void record_escape(const char *value, fc_buf *out)
{
	const char *p = value, *run = value;

	for (; *p; p++) {
		const char *esc = NULL;

		if (*p == '\\')
			esc = "\\\\";
		else if (*p == '\n')
			esc = "\\n";
		else if (*p == '\r')
			esc = "\\r";
		if (!esc)
			continue;
		buf_add(out, run, (size_t)(p - run));
		buf_add(out, esc, 2);
		run = p + 1;
	}
	buf_add(out, run, (size_t)(p - run));
}

int record_unescape(const char *s, size_t len, fc_buf *out)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		char c;

		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			return FC_EINVALID;
		if (s[i] != '\\')
			continue;
		if (i + 1 >= len)
			return FC_EINVALID;
		switch (s[i + 1]) {
		case '\\': c = '\\'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		default: return FC_EINVALID;
		}
		buf_add(out, s + run, i - run);
		buf_addc(out, c);
		i++;
		run = i + 1;
	}
	buf_add(out, s + run, len - run);
	return 0;
}

static int is_reserved(const char *name)
{
	return strcmp(name, "form") == 0 || strcmp(name, "id") == 0 ||
	       strcmp(name, "parent") == 0;
}

static void put_line(fc_buf *out, const char *name, const char *value)
{
	buf_adds(out, name);
	if (value && *value) {
		buf_add(out, SEP, SEPLEN);
		record_escape(value, out);
	} else {
		buf_addc(out, ':');
	}
	buf_addc(out, '\n');
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int in_order(const char *const *order, size_t norder, const char *name)
{
	for (size_t i = 0; i < norder; i++)
		if (strcmp(order[i], name) == 0)
			return 1;
	return 0;
}

void record_serialise(const record *r, const char *version,
		      const char *const *order, size_t norder, fc_buf *out)
{
	const char **extra;
	size_t nextra = 0;

	if (!version || !*version)
		version = r->form_version;
	buf_adds(out, "form: ");
	buf_adds(out, r->kind);
	if (version && *version) {
		buf_addc(out, ' ');
		buf_adds(out, version);
	}
	buf_addc(out, '\n');
	put_line(out, "id", r->id);
	if (r->parent && *r->parent)
		put_line(out, "parent", r->parent);

	for (size_t i = 0; i < norder; i++)
		if (!is_reserved(order[i]))
			put_line(out, order[i], record_val(r, order[i]));
	/* Fields the form does not know follow in byte order of their names,
	 * so a record made by an older or newer form loses nothing. */
	extra = util_malloc((r->n ? r->n : 1) * sizeof(*extra));
	for (size_t i = 0; i < r->n; i++)
		if (!is_reserved(r->names[i]) && !in_order(order, norder, r->names[i]))
			extra[nextra++] = r->names[i];
	qsort(extra, nextra, sizeof(*extra), cmp_str_ptr);
	for (size_t i = 0; i < nextra; i++)
		put_line(out, extra[i], record_val(r, extra[i]));
	free(extra);
}

/* ---- parsing ---- */

typedef struct parse_ctx {
	const char *where;
	fc_err *err;
} parse_ctx;

static int perr(parse_ctx *c, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(parse_ctx *c, size_t line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fc_err_set(c->err, FC_EINVALID, "%s:%zu: %s", c->where, line, msg);
}

static int name_ok(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= ' ' || ch == ':' || ch == 0x7f || ch == '\\')
			return 0;
	}
	return 1;
}

/* Parse the header "form: KIND[ VERSION]". */
static int parse_header(parse_ctx *c, const char *s, size_t len, record *r)
{
	const char *sp;
	size_t klen;

	if (len < 6 || memcmp(s, "form: ", 6) != 0)
		return perr(c, 1, "expected the header \"form: KIND VERSION\" on the first line");
	s += 6;
	len -= 6;
	sp = memchr(s, ' ', len);
	klen = sp ? (size_t)(sp - s) : len;
	if (!name_ok(s, klen))
		return perr(c, 1, "bad record kind in the header");
	free(r->kind);
	r->kind = util_strndup(s, klen);
	if (sp) {
		size_t vlen = len - klen - 1;

		if (!name_ok(sp + 1, vlen))
			return perr(c, 1, "bad form version in the header");
		r->form_version = util_strndup(sp + 1, vlen);
	}
	return 0;
}

int record_parse(const char *text, size_t len, const char *where,
		 record **out, fc_err *err)
{
	parse_ctx c = { where ? where : "record", err };
	record *r = record_new("", "", NULL);
	fc_buf val = FC_BUF_INIT;
	size_t *lines = NULL, caplines = 0; /* the line of each field */
	size_t bad, line = 0, pos = 0;
	long dup;
	int rc = 0;

	*out = NULL;
	if (!util_utf8_valid(text, len, &bad)) {
		size_t l = 1;

		for (size_t i = 0; i < bad; i++)
			l += text[i] == '\n';
		rc = perr(&c, l, "invalid UTF-8");
		goto cleanup;
	}
	if (len == 0) {
		rc = perr(&c, 1, "empty record: expected the header \"form: KIND VERSION\"");
		goto cleanup;
	}
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos), *sep;
		size_t llen = nl ? (size_t)(nl - s) : len - pos, nlen, vlen;
		char name[256];

		line++;
		pos += llen + (nl ? 1 : 0);
		if (memchr(s, '\0', llen)) {
			rc = perr(&c, line, "NUL byte in a record");
			goto cleanup;
		}
		if (memchr(s, '\r', llen)) {
			rc = perr(&c, line, "raw carriage return (CRLF line ending?); a CR in a value is written \\r");
			goto cleanup;
		}
		if (line == 1) {
			if ((rc = parse_header(&c, s, llen, r)))
				goto cleanup;
			continue;
		}
		sep = NULL;
		for (size_t i = 0; i + 1 < llen; i++)
			if (s[i] == ':' && s[i + 1] == ' ') {
				sep = s + i;
				break;
			}
		if (sep) {
			nlen = (size_t)(sep - s);
			vlen = llen - nlen - SEPLEN;
		} else if (llen > 0 && s[llen - 1] == ':') {
			nlen = llen - 1;
			vlen = 0;
		} else {
			rc = perr(&c, line, "expected \"name: value\" (or \"name:\" when empty)");
			goto cleanup;
		}
		if (!name_ok(s, nlen) || nlen >= sizeof(name)) {
			rc = perr(&c, line, "bad field name");
			goto cleanup;
		}
		memcpy(name, s, nlen);
		name[nlen] = '\0';
		buf_reset(&val);
		if (record_unescape(sep ? sep + SEPLEN : s + llen, vlen, &val)) {
			rc = perr(&c, line, "field %s: bad escape (only \\\\, \\n and \\r are known)", name);
			goto cleanup;
		}
		if (line == 2) {
			if (strcmp(name, "id") != 0) {
				rc = perr(&c, line, "missing id: expected \"id: ...\" after the header");
				goto cleanup;
			}
			if (val.len == 0) {
				rc = perr(&c, line, "empty id");
				goto cleanup;
			}
			free(r->id);
			r->id = util_strdup(buf_cstr(&val));
			continue;
		}
		if (line == 3 && strcmp(name, "parent") == 0) {
			if (val.len == 0) {
				rc = perr(&c, line, "empty parent");
				goto cleanup;
			}
			r->parent = util_strdup(buf_cstr(&val));
			continue;
		}
		if (is_reserved(name)) {
			rc = perr(&c, line, "field %s is reserved and belongs in the header lines", name);
			goto cleanup;
		}
		/* Records can have hundreds of fields and the store parses every
		 * record of a village in one go: the name index finds a repeat. */
		if ((dup = record_index(r, name)) >= 0) {
			rc = perr(&c, line, "duplicate field %s (first on line %zu)", name,
				  lines[dup]);
			goto cleanup;
		}
		record_append(r, util_strdup(name), util_strdup(buf_cstr(&val)));
		if (r->n > caplines) {
			caplines = caplines ? caplines * 2 : 128;
			lines = util_realloc(lines, caplines * sizeof(*lines));
		}
		lines[r->n - 1] = line;
	}
	if (line < 2) {
		rc = perr(&c, line + 1, "missing id: expected \"id: ...\" after the header");
		goto cleanup;
	}
	*out = r;
	r = NULL;
cleanup:
	buf_free(&val);
	free(lines);
	record_free(r);
	return rc;
}
