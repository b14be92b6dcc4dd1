/* csv.h — a streaming reader and a writer for RFC 4180 CSV in UTF-8 (form
 * sheets, imports, exports). The reader keeps line numbers so every message
 * can say FILE:LINE; quoted fields may span lines; a UTF-8 BOM (Excel, WPS)
 * is skipped. It reads from a FILE* one record at a time, so an import of
 * 100,000 rows never sits in memory. */
#ifndef FIELDCARD_CSV_H
#define FIELDCARD_CSV_H

#include <stdio.h>
#include <stddef.h>
#include "fieldcard/err.h"
#include "fieldcard/buf.h"

typedef struct csv_reader csv_reader;

/* Read from f (not closed by csv_close); `where` names it in messages. */
csv_reader *csv_open(FILE *f, const char *where);
void csv_close(csv_reader *r);

/* Next record. Returns 1 with *fields and *n set (borrowed until the next call),
 * 0 at end of input, or FC_EINVALID with "WHERE:LINE: message" in err for
 * broken quoting or invalid UTF-8. Empty lines are skipped. */
int csv_next(csv_reader *r, char ***fields, size_t *n, fc_err *err);
/* Line on which the record last returned started (1-based). */
int csv_line(const csv_reader *r);

/* Append one field / end a row, quoting only where needed. */
void csv_write_field(fc_buf *out, const char *value, int first);
void csv_write_eol(fc_buf *out);

#endif
