/* xport.h — import and export of records (`fieldcard import`, `export`).
 *
 * Import reads CSV (header = field names, plus `id` and `parent`) or JSON
 * Lines ({"form":"household","id":"...","parent":"...","fields":{...}}) one
 * row at a time, maps each row onto a record (a new one, or the stored one
 * with the same id, so re-importing updates), and saves it through app_save,
 * so every row is calculated and validated exactly as the UI would. The
 * whole file is one store transaction: any bad row means nothing is written.
 *
 * Export streams records of one kind through store_each (never all in
 * memory): columns id, parent, then the form's value fields in form order. */
#ifndef FIELDCARD_XPORT_H
#define FIELDCARD_XPORT_H

#include <stdio.h>
#include "fieldcard/app.h"
#include "fieldcard/buf.h"
#include "fieldcard/err.h"

typedef enum xport_format {
	XPORT_AUTO,    /* import only: from the extension, else the content */
	XPORT_CSV,
	XPORT_JSONL,
	XPORT_XLSX     /* export only, when built with libxlsxwriter */
} xport_format;

/* "csv", "jsonl" (also "json"), "xlsx" → format; FC_EUSAGE otherwise, or
 * for xlsx when this build has no libxlsxwriter. */
int xport_format_parse(const char *name, xport_format *out, fc_err *err);

/* At most this many problems of each severity are listed in an import
 * report; the rest are counted in a final "... and N more" line. */
#define XPORT_MAX_LISTED 50

typedef struct xport_result {
	int added, updated;   /* records saved (committed only if 0 returned) */
	int bad_rows;         /* rows refused */
	int errors, warnings; /* problems found (all, not only those listed) */
} xport_result;

/* Import path ("-" = stdin) into a's store. kind: the record kind of a CSV
 * file (NULL: the form whose fields match the header) or the only kind a
 * JSON Lines file may hold (NULL: each line's "form"). Every problem goes to
 * report, one per line: errors as "FILE:LINE: record ID field NAME:
 * message" (or "FILE:LINE: message" for a row that could not be read),
 * warnings as "FILE:LINE: warning: record ID field NAME: message".
 * Returns 0 after committing, FC_EINVALID when any row was bad (nothing
 * written; err says how many), another code for an I/O or store failure. */
int xport_import(fc_app *a, const char *path, const char *kind,
		 xport_format fmt, xport_result *res, fc_buf *report, fc_err *err);

/* Same, from an open stream; `where` names it in messages. */
int xport_import_stream(fc_app *a, FILE *in, const char *where,
			const char *kind, xport_format fmt, xport_result *res,
			fc_buf *report, fc_err *err);

/* Export every record of kind in id order. out_path NULL or "-" writes to
 * stdout; a file is written atomically (temp file + fsync + rename), so it
 * is either the old file or the whole new one. *count (may be NULL) is the
 * number of records written. */
int xport_export(fc_app *a, const char *kind, xport_format fmt,
		 const char *out_path, long *count, fc_err *err);

/* Export to an open stream (CSV or JSON Lines only). */
int xport_export_stream(fc_app *a, const char *kind, xport_format fmt,
			FILE *out, long *count, fc_err *err);

#endif
