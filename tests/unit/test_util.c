/* test_util.c — unit tests for util, buf and err. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/buf.h"
#include "fieldcard/err.h"
#include "fieldcard/util.h"

static void test_util__ulid_unique_and_ordered(void **state)
{
	char prev[27] = "", cur[27];

	(void)state;
	for (int i = 0; i < 10000; i++) {
		util_ulid(cur);
		assert_true(util_ulid_valid(cur));
		assert_true(strcmp(prev, cur) < 0);
		memcpy(prev, cur, sizeof(cur));
	}
}

static void test_util__utf8(void **state)
{
	size_t off = 0;

	(void)state;
	assert_true(util_utf8_valid("张三 abc", strlen("张三 abc"), NULL));
	assert_false(util_utf8_valid("ab\xff", 3, &off));
	assert_int_equal(off, 2);
	assert_false(util_utf8_valid("\xe5\xbc", 2, &off)); /* truncated */
	assert_int_equal(off, 0);
	assert_false(util_utf8_valid("\xc0\xaf", 2, NULL)); /* overlong */
	assert_false(util_utf8_valid("\xed\xa0\x80", 3, NULL)); /* surrogate */
}

static void test_util__mask_id(void **state)
{
	char *m = util_mask_id("52010219800101001X");

	(void)state;
	assert_string_equal(m, "520102********001X");
	free(m);
}

static void test_util__buf_and_err(void **state)
{
	fc_buf b = FC_BUF_INIT;
	fc_err e;

	(void)state;
	assert_string_equal(buf_cstr(&b), "");
	buf_printf(&b, "%d-%s", 7, "x");
	buf_addc(&b, '!');
	assert_string_equal(buf_cstr(&b), "7-x!");
	buf_free(&b);
	assert_int_equal(fc_err_set(&e, FC_EINVALID, "field %s", "age"), FC_EINVALID);
	fc_err_prefix(&e, "a.csv:%d: ", 3);
	assert_string_equal(e.msg, "a.csv:3: field age");
	assert_int_equal(fc_err_exit_code(FC_EOFFLINE), 4);
	assert_int_equal(fc_err_exit_code(FC_EINVALID), 1);
}

static void test_util__split(void **state)
{
	char **v = util_split("a,,b,c", ',');

	(void)state;
	assert_int_equal(util_strv_len(v), 3);
	assert_string_equal(v[2], "c");
	util_strv_free(v);
	/* Column data: an empty column is a value (a conflict whose base was empty). */
	v = util_split_all("id\tphone\t\tours\ttheirs", '\t');
	assert_int_equal(util_strv_len(v), 5);
	assert_string_equal(v[2], "");
	assert_string_equal(v[4], "theirs");
	util_strv_free(v);
}

static void test_util__human_bytes(void **state)
{
	char b[32];

	(void)state;
	util_human_bytes(0, b, sizeof(b));
	assert_string_equal(b, "0 B");
	util_human_bytes(1023, b, sizeof(b));
	assert_string_equal(b, "1023 B");
	util_human_bytes(1536, b, sizeof(b));
	assert_string_equal(b, "1.5 KiB");
	util_human_bytes(3 * 1024 * 1024 + 200 * 1024, b, sizeof(b));
	assert_string_equal(b, "3.2 MiB");
}

/* gettext's order: the first variable set decides, LANGUAGE first. */
static void test_util__locale_zh(void **state)
{
	(void)state;
	unsetenv("LANGUAGE");
	unsetenv("LC_MESSAGES");
	setenv("LC_ALL", "", 1);
	setenv("LANG", "zh_CN.UTF-8", 1);
	assert_true(util_locale_zh());
	setenv("LC_ALL", "en_US.UTF-8", 1);
	assert_false(util_locale_zh());
	setenv("LANGUAGE", "zh_CN", 1);
	assert_true(util_locale_zh());
	unsetenv("LANGUAGE");
	unsetenv("LC_ALL");
	unsetenv("LANG");
	assert_false(util_locale_zh());
}

static void test_util__fsync_dir_of(void **state)
{
	(void)state;
	assert_int_equal(util_fsync_dir_of("/tmp/no-such-file"), 0);
	assert_int_equal(util_fsync_dir_of("no-folder-here"), 0);   /* "." */
	assert_int_equal(util_fsync_dir_of("/etc"), 0);             /* "/" */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util__ulid_unique_and_ordered),
		cmocka_unit_test(test_util__utf8),
		cmocka_unit_test(test_util__mask_id),
		cmocka_unit_test(test_util__buf_and_err),
		cmocka_unit_test(test_util__split),
		cmocka_unit_test(test_util__human_bytes),
		cmocka_unit_test(test_util__locale_zh),
		cmocka_unit_test(test_util__fsync_dir_of),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
