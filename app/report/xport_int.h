/* xport_int.h — what the parts of import and export share (xport.c,
 * xport_import.c, xport_read.c): a row as a reader hands it over, the
 * import's state, and the calls between the parts. Private to app/report/;
 * the API is fieldcard/xport.h. */
#ifndef FIELDCARD_XPORT_INT_H
#define FIELDCARD_XPORT_INT_H

#include <stddef.h>
#include <stdio.h>

#include "fieldcard/xport.h"

/* The ids seen in this import: open addressing, so that 100,000 rows stay
 * cheap; tells a duplicate id and a parent refused earlier in the file. */
typedef struct seen_entry {
	char *id;
	int line;
	int bad;
} seen_entry;

typedef struct seen_set {
	seen_entry *v;
	size_t cap, n;
} seen_set;

/* One row of an import, as a reader (CSV or JSON Lines) hands it over. */
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

/* One import: where the rows come from, what it counts and reports. */
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

/* One problem line of the report; rec/field may be NULL. */
void xport_problem(ictx *c, int line, val_severity sev, const char *rec,
		   const char *field, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Map one row onto a record and save it (xport_import.c). Returns 0 (the
 * row was handled, good or bad) or a fatal code, with c->fatal filled. */
int xport_import_row(ictx *c, const xrow *x);
/* The readers (xport_read.c): every row of in through xport_import_row.
 * kind as for xport_import. 0, or a fatal code with c->fatal filled. */
int xport_read_csv(ictx *c, FILE *in, const char *kind);
int xport_read_jsonl(ictx *c, FILE *in, const char *kind);
/* The form of records of kind; FC_EINVALID naming the known kinds. */
int xport_form_lookup(fc_app *a, const char *kind, const form **out, fc_err *err);

/* Does a record of form f belong under a parent form (a household)? */
static inline int xport_needs_parent(const form *f)
{
	return f->parent != NULL;
}

#endif
