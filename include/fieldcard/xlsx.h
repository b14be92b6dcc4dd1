/* xlsx.h — a streaming reader of Excel workbooks (.xlsx, Office Open XML),
 * shaped like csv.h so that one loop reads either: a department's list for
 * `compare`, a form written in Excel (XLSForm sheets survey, choices,
 * settings). A sheet is read one row at a time, so a sheet of 100,000 rows
 * never sits in memory (the shared strings, which every sheet indexes, do).
 *
 *     xlsx_reader *r;
 *     char **fields;
 *     size_t n;
 *     int rc;
 *
 *     if (xlsx_open_path(path, "survey", &r, err) < 0)
 *             return ...;
 *     while ((rc = xlsx_next(r, &fields, &n, err)) == 1)
 *             use(fields, n, xlsx_line(r));
 *     xlsx_close(r);
 *
 * What a cell reads as (UTF-8, NUL-terminated):
 * - text (shared, inline or rich text, the runs joined; phonetic guides
 *   dropped) as typed: leading and trailing spaces are dropped unless the XML
 *   says xml:space="preserve", as Excel does; _xHHHH_ escapes are decoded and
 *   CRLF becomes LF, as csv.h does;
 * - a number as the XML writes it (110101199001011234 stays that, never
 *   1.1E+17; Excel itself writes at most 15 significant digits, so a long ID
 *   number must be stored as text, which Excel does when it is typed with a
 *   leading ' or into a Text column);
 * - a number in a date or time format as "YYYY-MM-DD", "HH:MM:SS" or
 *   "YYYY-MM-DD HH:MM:SS" (both the 1900 and the 1904 date systems), since
 *   the XML holds only the day count;
 * - a boolean as "TRUE" or "FALSE" (what Excel writes to CSV); an error as
 *   its code ("#DIV/0!"); a formula as its cached result (a workbook never
 *   opened in a spreadsheet program may have none: then "" or "0");
 * - an empty or missing cell as "", so that columns keep their positions; a
 *   row's trailing empty cells are dropped, and a row with no value at all,
 *   like a row missing from the XML, is skipped (xlsx_line tells where).
 *
 * Hostile files are refused, never crashed on: a part (one XML file inside
 * the zip) may hold XLSX_MAX_PART bytes uncompressed, counted as read, not
 * as the zip claims; a row XLSX_MAX_COLS columns; a sheet XLSX_MAX_ROWS
 * rows (Excel's limits); a DTD is refused (no entity expansion). */
#ifndef FIELDCARD_XLSX_H
#define FIELDCARD_XLSX_H

#include <stddef.h>
#include "fieldcard/err.h"

#define XLSX_MAX_PART (256u << 20)
#define XLSX_MAX_COLS 16384       /* column XFD */
#define XLSX_MAX_ROWS 1048576

typedef struct xlsx_book xlsx_book;
typedef struct xlsx_reader xlsx_reader;

/* Open the workbook at path: its sheet list, shared strings and date
 * formats. The path names it in every message. Errors: FC_EINVALID for a
 * file that is not an xlsx workbook (not a zip, an .xls, no
 * xl/workbook.xml) or holds damaged XML ("FILE: PART: damaged XML at line
 * L, column C: why"), FC_ERROR if it cannot be read. *out is the caller's,
 * freed with xlsx_book_free. */
int xlsx_book_open(const char *path, xlsx_book **out, fc_err *err);
void xlsx_book_free(xlsx_book *b);

/* The sheets in workbook order (hidden ones too); a name is borrowed from b,
 * NULL past the end. */
size_t xlsx_book_nsheets(const xlsx_book *b);
const char *xlsx_book_sheet(const xlsx_book *b, size_t i);

/* Start reading the sheet named `sheet` (exact, case-sensitive as Excel
 * shows it), or the first sheet if NULL. FC_ENOTFOUND with the sheets named
 * ("FILE: no sheet named \"x\" (sheets: a, b)") if there is none. The reader
 * borrows b, which must outlive it; several readers of one book may be open
 * at once. *out is freed with xlsx_close. */
int xlsx_open(xlsx_book *b, const char *sheet, xlsx_reader **out, fc_err *err);
/* The same from a path: the reader owns its book and xlsx_close frees it. */
int xlsx_open_path(const char *path, const char *sheet, xlsx_reader **out,
		   fc_err *err);
void xlsx_close(xlsx_reader *r);

/* Next row with a value. Returns 1 with *fields (NULL-terminated) and *n
 * set, borrowed until the next call and not to be modified; 0 at the end of
 * the sheet; or a negative code (FC_EINVALID, FC_ERROR) with
 * "FILE:ROW: ..." or "FILE: PART ...: damaged XML ..." in err, after which
 * every call fails again. */
int xlsx_next(xlsx_reader *r, char ***fields, size_t *n, fc_err *err);
/* Row number, as Excel shows it (1-based), of the row last returned. */
int xlsx_line(const xlsx_reader *r);

#endif
