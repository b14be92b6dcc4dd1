/* test_csv.c — unit tests for the CSV reader and writer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/csv.h"

/* Read all of text; returns the reader's last result, with every record
 * joined as "a|b|c@LINE;" into out. */
static int read_all(const char *text, fc_buf *out, fc_err *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	csv_reader *r;
	char **fields;
	size_t n;
	int rc;

	assert_non_null(f);
	r = csv_open(f, "t.csv");
	while ((rc = csv_next(r, &fields, &n, err)) == 1) {
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_addc(out, '|');
			buf_adds(out, fields[i]);
		}
		assert_null(fields[n]);
		buf_printf(out, "@%d;", csv_line(r));
	}
	csv_close(r);
	fclose(f);
	return rc;
}

static void test_csv__plain_and_quoted(void **state)
{
	fc_buf b = FC_BUF_INIT;
	fc_err e;

	(void)state;
	assert_int_equal(read_all("type,name\ntext,\"a,b\"\r\n\"say \"\"hi\"\"\",,x\n", &b, &e), 0);
	assert_string_equal(buf_cstr(&b), "type|name@1;text|a,b@2;say \"hi\"||x@3;");
	buf_free(&b);
}

static void test_csv__multiline_and_empty_lines(void **state)
{
	fc_buf b = FC_BUF_INIT;
	fc_err e;

	(void)state;
	assert_int_equal(read_all("a,\"line1\r\nline2\nline3\"\n\n\nb,c", &b, &e), 0);
	/* CRLF inside a cell becomes LF; blank lines are skipped but counted. */
	assert_string_equal(buf_cstr(&b), "a|line1\nline2\nline3@1;b|c@6;");
	buf_free(&b);
}

static void test_csv__bom_skipped(void **state)
{
	fc_buf b = FC_BUF_INIT;
	fc_err e;

	(void)state;
	assert_int_equal(read_all("\xEF\xBB\xBFtype,名称\n", &b, &e), 0);
	assert_string_equal(buf_cstr(&b), "type|名称@1;");
	buf_free(&b);
}

static void test_csv__unterminated_quote(void **state)
{
	fc_buf b = FC_BUF_INIT;
	fc_err e;

	(void)state;
	assert_int_equal(read_all("a,b\nc,\"open\nmore\nstill\n", &b, &e), FC_EINVALID);
	assert_string_equal(e.msg, "t.csv:2: unterminated quoted field starting at line 2");
	buf_free(&b);
}

static void test_csv__text_after_closing_quote(void **state)
{
	fc_buf b = FC_BUF_INIT;
	fc_err e;

	(void)state;
	assert_int_equal(read_all("a\n\"x\ny\"z,b\n", &b, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "t.csv:3: unexpected character after closing quote"));
	buf_free(&b);
}

static void test_csv__invalid_utf8_line(void **state)
{
	fc_buf b = FC_BUF_INIT;
	fc_err e;

	(void)state;
	/* GBK bytes, as a file saved in the wrong encoding would hold. */
	assert_int_equal(read_all("a,b\nok,\"two\n\xd5\xc5\xc8\xfd\"\n", &b, &e), FC_EINVALID);
	assert_string_equal(e.msg, "t.csv:3: invalid UTF-8 in field 2 (save the file as UTF-8)");
	buf_free(&b);
}

static void test_csv__writer_round_trip(void **state)
{
	const char *vals[] = { "plain", "with,comma", "say \"hi\"", "two\nlines", "", "张三" };
	fc_buf out = FC_BUF_INIT, back = FC_BUF_INIT;
	fc_err e;

	(void)state;
	for (size_t i = 0; i < 6; i++)
		csv_write_field(&out, vals[i], i == 0);
	csv_write_eol(&out);
	csv_write_field(&out, "x", 1);
	csv_write_eol(&out);
	assert_string_equal(buf_cstr(&out),
			    "plain,\"with,comma\",\"say \"\"hi\"\"\",\"two\nlines\",,张三\nx\n");
	assert_int_equal(read_all(buf_cstr(&out), &back, &e), 0);
	assert_string_equal(buf_cstr(&back),
			    "plain|with,comma|say \"hi\"|two\nlines||张三@1;x@3;");
	buf_free(&out);
	buf_free(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv__plain_and_quoted),
		cmocka_unit_test(test_csv__multiline_and_empty_lines),
		cmocka_unit_test(test_csv__bom_skipped),
		cmocka_unit_test(test_csv__unterminated_quote),
		cmocka_unit_test(test_csv__text_after_closing_quote),
		cmocka_unit_test(test_csv__invalid_utf8_line),
		cmocka_unit_test(test_csv__writer_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
