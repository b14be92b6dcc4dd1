/* record.h — one record (a household card, a member, a visit) as field
 * values, and its canonical text, the bytes stored in the ledger.
 *
 * Canonical text (DESIGN.md, "The ledger"):
 *
 *     form: household 2026.11.1      <- header: kind and form version
 *     id: 01JD3Q...                  <- ULID made offline
 *     parent: 01JD3P...              <- member/visit only: the household
 *     province: 贵州省               <- every value field of the form, in
 *     ...                               form order, "name: value"; empty = "name:"
 *
 * Values are escaped so one field is one line: backslash as \\, LF as \n,
 * CR as \r; nothing else. Fields not in the form (an older or newer version)
 * follow in byte order of their names, so nothing is ever dropped. The same
 * record always gives the same bytes, and record_parse(record_serialise(r))
 * equals r. Names "form", "id" and "parent" are reserved. */
#ifndef FIELDCARD_RECORD_H
#define FIELDCARD_RECORD_H

#include <stddef.h>
#include "fieldcard/err.h"
#include "fieldcard/buf.h"

typedef struct record {
	char *kind;          /* "household", "member", "visit" */
	char *id;            /* ULID */
	char *parent;        /* household id for member/visit; NULL otherwise */
	char *form_version;  /* may be NULL before it is saved */
	size_t n;
	size_t cap;
	char **names;        /* n names, insertion order, unique */
	char **values;       /* n values, never NULL ("" = empty) */
	size_t *slots;       /* record.c's name index (index + 1, 0 = free) */
	size_t nslots;
} record;

/* New empty record; id NULL makes a fresh ULID. Free with record_free. */
record *record_new(const char *kind, const char *id, const char *parent);
record *record_dup(const record *r);
void record_free(record *r);

/* Set (or add) a field; value NULL means "". */
void record_set(record *r, const char *name, const char *value);
/* Value of a field, NULL if the record has no such field. */
const char *record_get(const record *r, const char *name);
/* Like record_get but "" for missing. */
const char *record_val(const record *r, const char *name);
void record_set_version(record *r, const char *version);

/* 1 if a and b hold the same kind, id, parent and the same non-empty
 * values (a missing field equals an empty one). */
int record_equal(const record *a, const record *b);

/* Canonical text. The norder names in `order` come first, in that order:
 * a form's value fields (form_record_serialise in form.h passes them); every
 * other field follows in byte order of name, so with no order (NULL, 0) all
 * do. The header names `version`, or r->form_version if it is NULL or "".
 * The record layer knows no forms: the order is all it needs of one. */
void record_serialise(const record *r, const char *version,
		      const char *const *order, size_t norder, fc_buf *out);
/* Parse canonical text; `where` names the source for messages
 * ("villages/520101/01JD.../household"), which say "where:LINE: ...". */
int record_parse(const char *text, size_t len, const char *where,
		 record **out, fc_err *err);

/* Escape / unescape one value (exposed for tests and the merge). */
void record_escape(const char *value, fc_buf *out);
int record_unescape(const char *s, size_t len, fc_buf *out);

#endif
