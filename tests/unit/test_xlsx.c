/* test_xlsx.c — unit tests for the .xlsx reader. Workbooks are made at test
 * time: with libxlsxwriter (what Excel-like writers produce: shared and
 * inline strings, numbers, rich text, dates, formulas, two sheets), and with
 * libzip from XML written here where a case needs XML no writer gives
 * (prefixes, missing references, phonetic guides, hostile files). Every
 * check is what a caller sees: values, row numbers, the message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>
#ifdef FC_HAVE_XLSX
#include <xlsxwriter.h>
#endif

#include "fieldcard/buf.h"
#include "fieldcard/util.h"
#include "fieldcard/xlsx.h"

#define WB_RELS "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" \
	"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>" \
	"<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>" \
	"</Relationships>"
#define WB_XML "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">" \
	"<sheets><sheet name=\"list\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
#define SHEET(rows) "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" \
	"<sheetData>" rows "</sheetData></worksheet>"
#define SST(items) "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">" items "</sst>"

typedef struct fixture {
	char dir[64];
	char path[128];
	fc_err err;
} fixture;

static int setup(void **state)
{
	fixture *f = util_calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/fc-xlsx.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/list.xlsx", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	fc_err err;

	assert_int_equal(util_rm_rf(f->dir, &err), 0);
	free(f);
	return 0;
}

/* A zip of these (name, content) pairs, NULL-ended. */
static void make_zip(const char *path, const char *const *parts)
{
	int ze = 0;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);

	assert_non_null(z);
	for (size_t i = 0; parts[i]; i += 2) {
		zip_source_t *s = zip_source_buffer(z, parts[i + 1], strlen(parts[i + 1]), 0);

		assert_non_null(s);
		assert_true(zip_file_add(z, parts[i], s, ZIP_FL_OVERWRITE) >= 0);
	}
	assert_int_equal(zip_close(z), 0);
}

/* A one-sheet workbook "list" of this sheet XML and shared strings. */
static void make_book(const char *path, const char *sheet, const char *sst)
{
	const char *parts[] = { "xl/workbook.xml", WB_XML, "xl/_rels/workbook.xml.rels", WB_RELS,
				"xl/worksheets/sheet1.xml", sheet,
				sst ? "xl/sharedStrings.xml" : NULL, sst, NULL };

	make_zip(path, parts);
}

/* Every row of the sheet as "a|b|c@ROW;" into out; the last result. */
static int read_rows(xlsx_book *b, const char *sheet, fc_buf *out, fc_err *err)
{
	xlsx_reader *r;
	char **fields;
	size_t n;
	int rc = xlsx_open(b, sheet, &r, err);

	if (rc < 0)
		return rc;
	while ((rc = xlsx_next(r, &fields, &n, err)) == 1) {
		for (size_t i = 0; i < n; i++)
			buf_printf(out, "%s%s", i ? "|" : "", fields[i]);
		assert_null(fields[n]);
		buf_printf(out, "@%d;", xlsx_line(r));
	}
	xlsx_close(r);
	return rc;
}

static int read_path(const char *path, const char *sheet, fc_buf *out, fc_err *err)
{
	xlsx_book *b;
	int rc = xlsx_book_open(path, &b, err);

	if (rc < 0)
		return rc;
	rc = read_rows(b, sheet, out, err);
	xlsx_book_free(b);
	return rc;
}

/* The message of a failed open or read, checked to begin with the path. */
static const char *error_of(fixture *f, int want)
{
	fc_buf b = FC_BUF_INIT;

	assert_int_equal(read_path(f->path, NULL, &b, &f->err), want);
	buf_free(&b);
	assert_memory_equal(f->err.msg, f->path, strlen(f->path));
	return f->err.msg + strlen(f->path);
}

#ifdef FC_HAVE_XLSX
/* A department's list as a spreadsheet program writes it. */
static void write_list(const char *path, int constant_memory)
{
	lxw_workbook_options o = { .constant_memory = constant_memory };
	lxw_workbook *wb = workbook_new_opt(path, &o);
	lxw_worksheet *ws;
	lxw_format *fill;

	assert_non_null(wb);
	ws = workbook_add_worksheet(wb, "名单");
	fill = workbook_add_format(wb);
	format_set_bg_color(fill, LXW_COLOR_YELLOW);
	worksheet_write_string(ws, 0, 0, "姓名", NULL);
	worksheet_write_string(ws, 0, 1, "身份证号", NULL);
	worksheet_write_string(ws, 0, 2, "人口", NULL);
	worksheet_write_string(ws, 1, 0, "张三", NULL);
	worksheet_write_string(ws, 1, 1, "110101199001011234", NULL);  /* an ID as text */
	worksheet_write_number(ws, 1, 2, 4, NULL);
	worksheet_write_string(ws, 2, 0, "李四", NULL);           /* B3 left empty */
	worksheet_write_number(ws, 2, 2, 3.5, NULL);
	/* row 4 missing; row 5: spaces kept, a boolean, a formula's result */
	worksheet_write_string(ws, 4, 0, " 王五 ", NULL);
	worksheet_write_boolean(ws, 4, 1, 1, NULL);
	worksheet_write_formula_num(ws, 4, 2, "=C2+C3", NULL, 7.5);
	worksheet_write_number(ws, 5, 0, 12345678901.0, NULL);
	worksheet_write_formula_str(ws, 5, 1, "=A1&\"!\"", NULL, "姓名!");
	worksheet_write_blank(ws, 5, 3, fill);                 /* trailing, dropped */
	worksheet_write_blank(ws, 6, 0, fill);                 /* a row of nothing */
	worksheet_write_string(ws, 7, 26, "AA8", NULL);
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
}
#endif

static void test_xlsx__strings_numbers_and_empty_cells(void **state)
{
#ifdef FC_HAVE_XLSX
	fixture *f = *state;
	fc_buf want = FC_BUF_INIT;

	buf_adds(&want, "姓名|身份证号|人口@1;张三|110101199001011234|4@2;李四||3.5@3;"
		 " 王五 |TRUE|7.5@5;12345678901|姓名!@6;");
	for (int i = 0; i < 26; i++)    /* A8 to Z8 empty */
		buf_addc(&want, '|');
	buf_adds(&want, "AA8@8;");
	for (int cm = 0; cm <= 1; cm++) {
		fc_buf b = FC_BUF_INIT;

		/* constant_memory writes inline strings instead of shared ones */
		write_list(f->path, cm);
		assert_int_equal(read_path(f->path, "名单", &b, &f->err), 0);
		assert_string_equal(buf_cstr(&b), buf_cstr(&want));
		buf_free(&b);
	}
	buf_free(&want);
#else
	(void)state;
	skip();
#endif
}

static void test_xlsx__sheets_by_name_and_first(void **state)
{
#ifdef FC_HAVE_XLSX
	fixture *f = *state;
	lxw_workbook *wb = workbook_new(f->path);
	lxw_worksheet *survey = workbook_add_worksheet(wb, "survey");
	lxw_worksheet *choices = workbook_add_worksheet(wb, "choices");
	xlsx_book *book;
	xlsx_reader *r1, *r2;
	char **fields;
	size_t n;
	fc_buf b = FC_BUF_INIT;

	worksheet_write_string(survey, 0, 0, "type", NULL);
	worksheet_write_string(survey, 0, 1, "name", NULL);
	worksheet_write_string(survey, 1, 0, "select_one yn", NULL);
	worksheet_write_string(survey, 1, 1, "safe_water", NULL);
	worksheet_write_string(choices, 0, 0, "list_name", NULL);
	worksheet_write_string(choices, 2, 0, "yn", NULL);
	worksheet_write_string(choices, 2, 1, "yes", NULL);
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);

	assert_int_equal(xlsx_book_open(f->path, &book, &f->err), 0);
	assert_int_equal(xlsx_book_nsheets(book), 2);
	assert_string_equal(xlsx_book_sheet(book, 0), "survey");
	assert_string_equal(xlsx_book_sheet(book, 1), "choices");
	assert_null(xlsx_book_sheet(book, 2));
	assert_int_equal(read_rows(book, "choices", &b, &f->err), 0);
	assert_string_equal(buf_cstr(&b), "list_name@1;yn|yes@3;");
	buf_reset(&b);
	assert_int_equal(read_rows(book, NULL, &b, &f->err), 0);
	assert_string_equal(buf_cstr(&b), "type|name@1;select_one yn|safe_water@2;");

	/* two sheets of one book read side by side (a form's survey and choices) */
	assert_int_equal(xlsx_open(book, "survey", &r1, &f->err), 0);
	assert_int_equal(xlsx_open(book, "choices", &r2, &f->err), 0);
	assert_int_equal(xlsx_next(r1, &fields, &n, &f->err), 1);
	assert_int_equal(xlsx_next(r2, &fields, &n, &f->err), 1);
	assert_int_equal(xlsx_next(r2, &fields, &n, &f->err), 1);
	assert_string_equal(fields[1], "yes");
	assert_int_equal(xlsx_next(r1, &fields, &n, &f->err), 1);
	assert_string_equal(fields[1], "safe_water");
	assert_int_equal(xlsx_line(r1), 2);
	assert_int_equal(xlsx_next(r1, &fields, &n, &f->err), 0);
	assert_int_equal(xlsx_next(r1, &fields, &n, &f->err), 0);
	xlsx_close(r1);
	xlsx_close(r2);

	/* a sheet that is not there names the ones that are */
	assert_int_equal(xlsx_open(book, "settings", &r1, &f->err), FC_ENOTFOUND);
	assert_null(r1);
	xlsx_book_free(book);
	assert_int_equal(xlsx_open_path(f->path, NULL, &r1, &f->err), 0);
	assert_int_equal(xlsx_next(r1, &fields, &n, &f->err), 1);
	assert_string_equal(fields[0], "type");
	xlsx_close(r1);
	assert_int_equal(xlsx_open_path(f->path, "settings", &r1, &f->err), FC_ENOTFOUND);
	assert_string_equal(f->err.msg + strlen(f->path),
			    ": no sheet named \"settings\" (sheets: survey, choices)");
	buf_free(&b);
#else
	(void)state;
	skip();
#endif
}

static void test_xlsx__rich_text_dates_and_formats(void **state)
{
#ifdef FC_HAVE_XLSX
	fixture *f = *state;
	lxw_workbook *wb = workbook_new(f->path);
	lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
	lxw_format *bold = workbook_add_format(wb), *iso = workbook_add_format(wb);
	lxw_format *zh = workbook_add_format(wb), *builtin = workbook_add_format(wb);
	lxw_format *hm = workbook_add_format(wb), *stamp = workbook_add_format(wb);
	lxw_format *money = workbook_add_format(wb);
	lxw_rich_string_tuple f1 = { .format = bold, .string = "低保" };
	lxw_rich_string_tuple f2 = { .format = NULL, .string = " 户" };
	lxw_rich_string_tuple *rich[] = { &f1, &f2, NULL };
	lxw_datetime birth = { 1990, 1, 1, 0, 0, 0 }, visit = { 2026, 11, 23, 14, 30, 0 };
	lxw_datetime noon = { 0, 0, 0, 12, 30, 0 };
	xlsx_reader *r;
	char **fields;
	size_t n;

	format_set_bold(bold);
	format_set_num_format(iso, "yyyy-mm-dd");
	format_set_num_format(zh, "yyyy\"年\"m\"月\"d\"日\"");
	format_set_num_format_index(builtin, 14);
	format_set_num_format(hm, "hh:mm");
	format_set_num_format(stamp, "yyyy/mm/dd hh:mm");
	format_set_num_format(money, "[Red]#,##0.00\" 元\"");
	worksheet_write_rich_string(ws, 0, 0, rich, NULL);
	worksheet_write_datetime(ws, 0, 1, &birth, iso);
	worksheet_write_datetime(ws, 0, 2, &birth, zh);
	worksheet_write_datetime(ws, 0, 3, &visit, builtin);  /* a date format: no time */
	worksheet_write_datetime(ws, 0, 4, &noon, hm);
	worksheet_write_datetime(ws, 0, 5, &visit, stamp);
	worksheet_write_number(ws, 0, 6, 1234.5, money);
	worksheet_write_number(ws, 0, 7, 32874, NULL);         /* no format: a number */
	assert_int_equal(workbook_close(wb), LXW_NO_ERROR);

	assert_int_equal(xlsx_open_path(f->path, NULL, &r, &f->err), 0);
	assert_int_equal(xlsx_next(r, &fields, &n, &f->err), 1);
	assert_int_equal(n, 8);
	assert_string_equal(fields[0], "低保 户");
	assert_string_equal(fields[1], "1990-01-01");
	assert_string_equal(fields[2], "1990-01-01");
	assert_string_equal(fields[3], "2026-11-23");
	assert_string_equal(fields[4], "12:30:00");
	assert_string_equal(fields[5], "2026-11-23 14:30:00");
	assert_string_equal(fields[6], "1234.5");
	assert_string_equal(fields[7], "32874");
	assert_int_equal(xlsx_next(r, &fields, &n, &f->err), 0);
	xlsx_close(r);
#else
	(void)state;
	skip();
#endif
}

/* XML as other writers (and Excel itself) write it, and no writer here can:
 * prefixed names, rows and cells without references, a number longer than
 * a double holds, phonetic guides, text trimmed unless xml:space says, the
 * _xHHHH_ escapes, error and boolean cells, an empty styled row. */
static void test_xlsx__xml_of_other_writers(void **state)
{
	fixture *f = *state;
	fc_buf b = FC_BUF_INIT;
	static const char sheet[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
		"<x:sheetData>\n"
		"<x:row><x:c t=\"s\"><x:v>0</x:v></x:c><x:c t=\"s\"><x:v>1</x:v></x:c></x:row>\n"
		"<x:row r=\"3\"><x:c r=\"A3\"><x:v>110101199001011234</x:v></x:c>"
		"<x:c><x:v> 2.50 </x:v></x:c><x:c t=\"b\"><x:v>0</x:v></x:c>"
		"<x:c r=\"E3\" t=\"e\"><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c></x:row>\n"
		"<x:row r=\"4\" s=\"2\" customFormat=\"1\"><x:c r=\"A4\" s=\"2\"/><x:c r=\"B4\" t=\"s\"><x:v>4</x:v></x:c></x:row>\n"
		"<x:row><x:c r=\"B5\" t=\"inlineStr\"><x:is><x:r><x:rPr><x:b/></x:rPr><x:t>第一</x:t></x:r>"
		"<x:r><x:t xml:space=\"preserve\"> 书记</x:t></x:r></x:is></x:c>"
		"<x:c r=\"C5\" t=\"s\"><x:v>2</x:v></x:c><x:c r=\"D5\" t=\"s\"><x:v>3</x:v></x:c>"
		"<x:c r=\"F5\" t=\"inlineStr\"><x:is><x:t>\n  trimmed  \n</x:t></x:is></x:c></x:row>\n"
		"</x:sheetData><x:mergeCells count=\"0\"/></x:worksheet>";
	static const char sst[] = SST(
		"<si><t xml:space=\"preserve\">  name  </t></si>"
		"<si><t>  label::zh  </t></si>"
		"<si><t>漢字</t><rPh sb=\"0\" eb=\"2\"><t>かんじ</t></rPh><phoneticPr fontId=\"1\"/></si>"
		"<si><t>line_x000D_\nnext_x005F_x0041_</t></si>"
		"<si><t/></si>");

	make_book(f->path, sheet, sst);
	assert_int_equal(read_path(f->path, "list", &b, &f->err), 0);
	assert_string_equal(buf_cstr(&b), "  name  |label::zh@1;110101199001011234|2.50|FALSE||#DIV/0!@3;"
			    "|第一 书记|漢字|line\nnext_x0041_||trimmed@5;");
	buf_free(&b);
}

static void test_xlsx__date1904_and_time_only(void **state)
{
	fixture *f = *state;
	fc_buf b = FC_BUF_INIT;
	static const char wb[] = "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
		"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
		"<workbookPr date1904=\"1\"/><sheets><sheet name=\"Mac\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
	static const char styles[] = "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
		"<numFmts><numFmt numFmtId=\"164\" formatCode=\"[h]:mm\"/>"
		"<numFmt numFmtId=\"165\" formatCode=\"[Magenta]yyyy-mm-dd\"/></numFmts>"
		"<cellStyleXfs><xf numFmtId=\"14\"/></cellStyleXfs>"
		"<cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"165\"/><xf numFmtId=\"164\"/><xf numFmtId=\"20\"/></cellXfs>"
		"</styleSheet>";
	const char *parts[] = { "xl/workbook.xml", wb, "xl/_rels/workbook.xml.rels", WB_RELS,
				"xl/styles.xml", styles, "xl/worksheets/sheet1.xml",
				SHEET("<row r=\"2\"><c r=\"A2\" s=\"1\"><v>0</v></c><c s=\"1\"><v>31412</v></c>"
				      "<c s=\"2\"><v>1.5</v></c><c s=\"3\"><v>0.75</v></c><c s=\"0\"><v>7</v></c>"
				      "<c s=\"1\"><v>-1</v></c></row>"),
				NULL };

	make_zip(f->path, parts);
	assert_int_equal(read_path(f->path, NULL, &b, &f->err), 0);
	/* 1904 system: day 0 is 1904-01-01; [h]:mm is a duration, kept as a number */
	assert_string_equal(buf_cstr(&b), "1904-01-01|1990-01-01|1.5|18:00:00|7|-1@2;");
	buf_free(&b);
}

static void test_xlsx__not_an_xlsx(void **state)
{
	fixture *f = *state;
	static const char ole[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 rest of an old .xls";
	const char *parts[] = { "[Content_Types].xml", "<Types/>", "word/document.xml", "<w/>", NULL };

	assert_int_equal(util_write_file_atomic(f->path, "type,name\ntext,a\n", 17, 0644, &f->err), 0);
	assert_string_equal(error_of(f, FC_EINVALID), ": not an xlsx workbook: it is not a zip file "
			    "(a CSV or another file renamed .xlsx, or a damaged download)");
	assert_int_equal(util_write_file_atomic(f->path, ole, sizeof(ole) - 1, 0644, &f->err), 0);
	assert_string_equal(error_of(f, FC_EINVALID), ": not an xlsx workbook: it is an Excel 97-2003 "
			    ".xls or a password-protected workbook; open it in Excel or WPS and save it "
			    "as .xlsx without a password");
	assert_int_equal(util_write_file_atomic(f->path, "", 0, 0644, &f->err), 0);
	assert_string_equal(error_of(f, FC_EINVALID), ": not an xlsx workbook: the file is empty");
	make_zip(f->path, parts);
	assert_string_equal(error_of(f, FC_EINVALID),
			    ": not an xlsx workbook: the zip has no xl/workbook.xml");
	snprintf(f->path, sizeof(f->path), "%s/nowhere.xlsx", f->dir);
	assert_int_equal(xlsx_open_path(f->path, NULL, &(xlsx_reader *){ NULL }, &f->err), FC_ERROR);
	assert_non_null(strstr(f->err.msg, "nowhere.xlsx: cannot open: "));
}

static void test_xlsx__damaged_xml_says_part_and_line(void **state)
{
	fixture *f = *state;
	fc_buf b = FC_BUF_INIT;
	static const char cut[] = "<?xml version=\"1.0\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>\n"
		"<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>ok</t></is></c></row>\n"
		"<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>also ok</t></is></c></row>\n"
		"<row r=\"3\"><c r=\"A3\"><v>1</v></c><c r=\"B3\" t=\"inl";
	const char *parts[] = { "xl/workbook.xml", "<workbook><sheets><sheet name=\"a\"/></sheets>",
				NULL };

	/* the rows before the damage come out, then the error */
	make_book(f->path, cut, NULL);
	assert_int_equal(read_path(f->path, NULL, &b, &f->err), FC_EINVALID);
	assert_string_equal(buf_cstr(&b), "ok@1;also ok@2;");
	assert_string_equal(f->err.msg + strlen(f->path), ": xl/worksheets/sheet1.xml (sheet \"list\", row 3): "
			    "damaged XML at line 5, column 34: unclosed token");
	make_zip(f->path, parts);
	assert_string_equal(error_of(f, FC_EINVALID),
			    ": xl/workbook.xml: damaged XML at line 1, column 45: no element found");
	buf_free(&b);
}

static void test_xlsx__hostile_cells_are_refused(void **state)
{
	fixture *f = *state;
	static const char wide[] = SHEET("<row r=\"7\"><c r=\"XFD7\"><v>1</v></c><c r=\"XFE7\"><v>2</v></c></row>");
	static const char sst_ref[] = SHEET("<row r=\"2\"><c r=\"A2\" t=\"s\"><v>9</v></c></row>");
	static const char row0[] = SHEET("<row r=\"0\"><c r=\"A1\"><v>1</v></c></row>");
	static const char dtd[] = "<?xml version=\"1.0\"?><!DOCTYPE lol [<!ENTITY a \"aaaaaaaa\">"
		"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><worksheet><sheetData><row><c t=\"inlineStr\">"
		"<is><t>&b;</t></is></c></row></sheetData></worksheet>";
	xlsx_reader *r;
	char **fields;
	size_t n;

	make_book(f->path, wide, NULL);
	assert_string_equal(error_of(f, FC_EINVALID), ":7: sheet \"list\": cell reference \"XFE7\" is "
			    "not a column A to XFD and a row");
	/* after an error the reader stays failed */
	assert_int_equal(xlsx_open_path(f->path, NULL, &r, &f->err), 0);
	assert_int_equal(xlsx_next(r, &fields, &n, &f->err), FC_EINVALID);
	assert_int_equal(xlsx_next(r, &fields, &n, &f->err), FC_EINVALID);
	assert_non_null(strstr(f->err.msg, "reading stopped at an earlier error"));
	xlsx_close(r);
	make_book(f->path, sst_ref, SST("<si><t>only</t></si>"));
	assert_string_equal(error_of(f, FC_EINVALID), ":2: sheet \"list\", cell A2: shared string "
			    "\"9\" does not exist (the workbook has 1)");
	make_book(f->path, row0, NULL);
	assert_string_equal(error_of(f, FC_EINVALID), ": sheet \"list\": row number \"0\" is not one "
			    "of 1 to 1048576");
	make_book(f->path, dtd, NULL);
	assert_string_equal(error_of(f, FC_EINVALID), ": xl/worksheets/sheet1.xml: a DTD (<!DOCTYPE>) "
			    "is not allowed in a workbook");
}

/* Rewrite the sizes the zip's central directory (and local header) claim
 * for one entry. */
static void claim_size(const char *path, const char *entry, uint32_t size)
{
	char *data;
	size_t len, el = strlen(entry);
	fc_err err;
	int patched = 0;

	assert_int_equal(util_read_file(path, &data, &len, &err), 0);
	for (size_t i = 0; i + 46 + el <= len; i++) {
		unsigned char *p = (unsigned char *)data + i;
		size_t off = 0;

		if (!memcmp(p, "PK\1\2", 4) && !memcmp(p + 46, entry, el))
			off = 24;
		else if (!memcmp(p, "PK\3\4", 4) && !memcmp(p + 30, entry, el))
			off = 22;
		if (off) {
			for (int k = 0; k < 4; k++)
				p[off + k] = (unsigned char)(size >> (8 * k));
			patched++;
		}
	}
	assert_int_equal(patched, 2);
	assert_int_equal(util_write_file_atomic(path, data, len, 0644, &err), 0);
	free(data);
}

static void test_xlsx__zip_bomb_and_lying_sizes(void **state)
{
	fixture *f = *state;
	fc_buf b = FC_BUF_INIT;
	static const char rows[] = SHEET(
		"<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a long enough first row to be cut</t></is></c></row>"
		"<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>and a second one</t></is></c></row>");

	make_book(f->path, rows, NULL);
	claim_size(f->path, "xl/worksheets/sheet1.xml", 300u << 20);
	assert_string_equal(error_of(f, FC_EINVALID), ": xl/worksheets/sheet1.xml is 300.0 MiB "
			    "uncompressed, more than the 256 MiB a part may have (a damaged file or a "
			    "zip bomb)");
	/* what a part holds counts, not what the zip claims */
	make_book(f->path, rows, NULL);
	claim_size(f->path, "xl/worksheets/sheet1.xml", 100);
	assert_int_equal(read_path(f->path, NULL, &b, &f->err), 0);
	assert_string_equal(buf_cstr(&b), "a long enough first row to be cut@1;and a second one@2;");
	buf_free(&b);
}

/* A real bomb: 257 MiB of well-formed XML (a row, then spaces) that deflate
 * makes a few hundred KB, claiming 1 KB. The row before the limit comes
 * out; then the reader stops at 256 MiB read. */
static void test_xlsx__zip_bomb_stops_at_the_limit(void **state)
{
	fixture *f = *state;
	static const char head[] = "<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>first"
		"</t></is></c></row>";
	static const char tail[] = "</sheetData></worksheet>";
	size_t len = (257u << 20);
	char *xml = util_malloc(len);
	const char *parts[] = { "xl/workbook.xml", WB_XML, "xl/_rels/workbook.xml.rels", WB_RELS,
				NULL };
	int ze = 0;
	zip_t *z;
	zip_source_t *src;
	xlsx_reader *r;
	char **fields;
	size_t n;

	memset(xml, ' ', len);
	memcpy(xml, head, sizeof(head) - 1);
	memcpy(xml + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	make_zip(f->path, parts);
	z = zip_open(f->path, 0, &ze);
	assert_non_null(z);
	src = zip_source_buffer(z, xml, len, 1);        /* libzip frees xml */
	assert_non_null(src);
	assert_true(zip_file_add(z, "xl/worksheets/sheet1.xml", src, 0) >= 0);
	assert_int_equal(zip_close(z), 0);
	claim_size(f->path, "xl/worksheets/sheet1.xml", 1024);

	assert_int_equal(xlsx_open_path(f->path, NULL, &r, &f->err), 0);
	assert_int_equal(xlsx_next(r, &fields, &n, &f->err), 1);
	assert_string_equal(fields[0], "first");
	assert_int_equal(xlsx_next(r, &fields, &n, &f->err), FC_EINVALID);
	assert_string_equal(f->err.msg + strlen(f->path), ": xl/worksheets/sheet1.xml is more than "
			    "the 256 MiB a part may have uncompressed (a damaged file or a zip bomb)");
	xlsx_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_xlsx__strings_numbers_and_empty_cells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlsx__sheets_by_name_and_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlsx__rich_text_dates_and_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlsx__xml_of_other_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlsx__date1904_and_time_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlsx__not_an_xlsx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlsx__damaged_xml_says_part_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlsx__hostile_cells_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlsx__zip_bomb_and_lying_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xlsx__zip_bomb_stops_at_the_limit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
