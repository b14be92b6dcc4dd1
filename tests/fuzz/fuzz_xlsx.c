/* fuzz_xlsx.c — Excel workbooks (app/core/xlsx.c: libzip for the zip,
 * expat for the XML): an input is a whole .xlsx file. Its sheet list,
 * shared strings and styles are read (xlsx_book_open), then every sheet
 * row by row, two readers of one book open at once as xlsx.h allows. */
#include "fuzz.h"
#include "fieldcard/xlsx.h"

static void read_sheet(xlsx_book *b, const char *name, xlsx_book *again)
{
	xlsx_reader *r = NULL, *r2 = NULL;
	char **fields;
	size_t n, cells = 0;
	fc_err err;
	int rc;

	if (xlsx_open(b, name, &r, &err) != FC_OK)
		return;
	if (again)
		xlsx_open(again, name, &r2, &err);
	while ((rc = xlsx_next(r, &fields, &n, &err)) == 1) {
		for (size_t i = 0; i < n; i++)
			cells += strlen(fields[i]);
		if (fields[n] != NULL)
			abort();
		xlsx_line(r);
		if (r2 && xlsx_next(r2, &fields, &n, &err) != 1) {
			xlsx_close(r2);
			r2 = NULL;
		}
	}
	if (rc < 0 && xlsx_next(r, &fields, &n, &err) >= 0)
		abort();  /* xlsx.h: after an error every call fails again */
	if (cells == (size_t)-1)
		abort();
	xlsx_close(r2);
	xlsx_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128];
	xlsx_book *b = NULL;
	fc_err err;

	fz_path(path, sizeof(path), "book.xlsx");
	fz_write(path, data, size, 0600);
	if (xlsx_book_open(path, &b, &err) != FC_OK)
		return 0;
	for (size_t i = 0; i < xlsx_book_nsheets(b) && i < 8; i++)
		read_sheet(b, xlsx_book_sheet(b, i), i == 0 ? b : NULL);
	read_sheet(b, NULL, NULL);
	read_sheet(b, "no such sheet", NULL);
	xlsx_book_free(b);
	return 0;
}
