/* test_record.c — unit tests for records and their canonical text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/buf.h"
#include "fieldcard/err.h"
#include "fieldcard/form.h"
#include "fieldcard/record.h"
#include "fieldcard/util.h"

/* A small household form built by hand: a group, a note and a repeat that
 * hold no value, between value fields in a non-alphabetical order. */
static form_field hh_fields[] = {
	{ .type = FT_BEGIN_GROUP, .name = "place" },
	{ .type = FT_TEXT, .name = "village_code" },
	{ .type = FT_TEXT, .name = "household_code" },
	{ .type = FT_END_GROUP, .name = "place" },
	{ .type = FT_NOTE, .name = "intro" },
	{ .type = FT_TEXT, .name = "head_name" },
	{ .type = FT_INTEGER, .name = "net_income" },
	{ .type = FT_BEGIN_REPEAT, .name = "member" },
	{ .type = FT_END_REPEAT, .name = "member" },
	{ .type = FT_SELECT_ONE, .name = "poverty_status" },
};

static form hh_form = {
	.id = "household",
	.version = "2026.11.1",
	.fields = hh_fields,
	.nfields = sizeof(hh_fields) / sizeof(hh_fields[0]),
};

static record *roundtrip(const record *r, const form *f, fc_buf *text)
{
	record *back = NULL;
	fc_err err;

	buf_reset(text);
	form_record_serialise(f, r, text);
	assert_int_equal(record_parse(text->data, text->len, "test", &back, &err), 0);
	assert_non_null(back);
	return back;
}

static void test_record__roundtrip_tricky_values(void **state)
{
	static const char *values[] = {
		"", "plain", "two\nlines", "\n", "\r\n", "cr\ronly", "colon: inside",
		"ends with colon:", ": leading", "back\\slash", "\\n literal",
		"\\", "\\\\n", "张三丰", "贵州省 黔东南州\n第二行", " leading space",
		"trailing space ", "  ", "tab\there", "emoji 😀",
	};
	fc_buf text = FC_BUF_INIT;
	size_t nv = sizeof(values) / sizeof(values[0]);
	record *r = record_new("household", "01JD3Q0000000000000000000A", NULL);
	record *back;
	char name[32];

	(void)state;
	for (size_t i = 0; i < nv; i++) {
		snprintf(name, sizeof(name), "f%02zu", i);
		record_set(r, name, values[i]);
	}
	back = roundtrip(r, NULL, &text);
	assert_true(record_equal(r, back));
	for (size_t i = 0; i < nv; i++) {
		snprintf(name, sizeof(name), "f%02zu", i);
		assert_string_equal(record_val(back, name), values[i]);
	}
	/* "name:  x" keeps the leading space of " x". */
	assert_non_null(strstr(text.data, "\nf15:  leading space\n"));
	assert_non_null(strstr(text.data, "\nf00:\n"));
	assert_non_null(strstr(text.data, "\nf02: two\\nlines\n"));
	assert_string_equal(back->kind, "household");
	assert_string_equal(back->id, "01JD3Q0000000000000000000A");
	assert_null(back->parent);
	record_free(back);
	record_free(r);
	buf_free(&text);
}

static void test_record__roundtrip_one_megabyte_value(void **state)
{
	static const char pat[] = "ab\nc\\: 中 \r";
	size_t big = 1024 * 1024 - (1024 * 1024) % (sizeof(pat) - 1);
	char *v = util_malloc(big + 1);
	fc_buf text = FC_BUF_INIT;
	record *r = record_new("visit", "V1", "H1"), *back;

	(void)state;
	/* Whole copies of the pattern, so the value stays valid UTF-8. */
	for (size_t i = 0; i < big; i += sizeof(pat) - 1)
		memcpy(v + i, pat, sizeof(pat) - 1);
	v[big] = '\0';
	record_set(r, "notes", v);
	record_set(r, "visit_date", "2026-11-23");
	back = roundtrip(r, NULL, &text);
	assert_true(record_equal(r, back));
	assert_int_equal(strlen(record_val(back, "notes")), big);
	assert_memory_equal(record_val(back, "notes"), v, big);
	assert_string_equal(back->parent, "H1");
	record_free(back);
	record_free(r);
	free(v);
	buf_free(&text);
}

static void test_record__bytes_stable_and_form_order(void **state)
{
	fc_buf a = FC_BUF_INIT, b = FC_BUF_INIT;
	record *r = record_new("household", "H1", NULL), *back;

	(void)state;
	/* Set in an order unlike the form's, plus two extras out of order. */
	record_set(r, "zz_extra", "z");
	record_set(r, "poverty_status", "lifted");
	record_set(r, "head_name", "王五");
	record_set(r, "aa_extra", "a");
	record_set(r, "village_code", "520101");
	record_set_version(r, "2025.1");
	form_record_serialise(&hh_form, r, &a);
	form_record_serialise(&hh_form, r, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	assert_string_equal(a.data,
			    "form: household 2026.11.1\n"
			    "id: H1\n"
			    "village_code: 520101\n"
			    "household_code:\n"
			    "head_name: 王五\n"
			    "net_income:\n"
			    "poverty_status: lifted\n"
			    "aa_extra: a\n"
			    "zz_extra: z\n");
	/* The parsed record serialises to the same bytes again. */
	assert_int_equal(record_parse(a.data, a.len, "t", &back, NULL), 0);
	buf_reset(&b);
	form_record_serialise(&hh_form, back, &b);
	assert_string_equal(a.data, b.data);
	assert_string_equal(back->form_version, "2026.11.1");
	record_free(back);

	/* Without a form: every field in byte order, record's own version. */
	buf_reset(&b);
	record_serialise(r, NULL, NULL, 0, &b);
	assert_string_equal(b.data,
			    "form: household 2025.1\n"
			    "id: H1\n"
			    "aa_extra: a\n"
			    "head_name: 王五\n"
			    "poverty_status: lifted\n"
			    "village_code: 520101\n"
			    "zz_extra: z\n");
	record_free(r);
	buf_free(&a);
	buf_free(&b);
}

static void test_record__member_has_parent_line(void **state)
{
	fc_buf t = FC_BUF_INIT;
	record *m = record_new("member", "M1", "H1");

	(void)state;
	record_set(m, "name", "李四");
	record_serialise(m, NULL, NULL, 0, &t);
	assert_string_equal(t.data, "form: member\nid: M1\nparent: H1\nname: 李四\n");
	record_free(m);
	buf_free(&t);
}

static void test_record__set_get_equal_dup(void **state)
{
	record *a = record_new("household", NULL, NULL), *b;

	(void)state;
	assert_true(util_ulid_valid(a->id));
	record_set(a, "x", "1");
	record_set(a, "x", "2");
	record_set(a, "y", NULL);
	assert_int_equal(a->n, 2);
	assert_string_equal(record_get(a, "x"), "2");
	assert_string_equal(record_get(a, "y"), "");
	assert_null(record_get(a, "missing"));
	assert_string_equal(record_val(a, "missing"), "");
	b = record_dup(a);
	assert_true(record_equal(a, b));
	record_set(b, "z", ""); /* empty equals missing */
	assert_true(record_equal(a, b));
	record_set(b, "z", "v");
	assert_false(record_equal(a, b));
	record_free(b);
	b = record_dup(a);
	free(b->parent);
	b->parent = util_strdup("P");
	assert_false(record_equal(a, b));
	record_free(b);
	record_free(a);
}

static void test_record__escape_unescape(void **state)
{
	fc_buf b = FC_BUF_INIT;

	(void)state;
	record_escape("a\\b\nc\rd", &b);
	assert_string_equal(b.data, "a\\\\b\\nc\\rd");
	buf_reset(&b);
	assert_int_equal(record_unescape("x\\\\y\\nz\\r", 9, &b), 0);
	assert_string_equal(b.data, "x\\y\nz\r");
	buf_reset(&b);
	assert_int_equal(record_unescape("bad\\t", 5, &b), FC_EINVALID);
	assert_int_equal(record_unescape("end\\", 4, &b), FC_EINVALID);
	buf_free(&b);
}

struct bad_case {
	const char *text;
	const char *msg; /* expected error message */
};

static void test_record__parse_errors_name_their_line(void **state)
{
	static const struct bad_case cases[] = {
		{ "", "src:1: empty record" },
		{ "id: X\nform: household\n", "src:1: expected the header" },
		{ "form: household\n", "src:2: missing id" },
		{ "form: household\nname: x\nid: X\n", "src:2: missing id" },
		{ "form: household\nid:\n", "src:2: empty id" },
		{ "form: household\nid: X\na: 1\nb: bad \\t escape\n", "src:4: field b: bad escape" },
		{ "form: household\nid: X\na: ends\\\n", "src:3: field a: bad escape" },
		{ "form: household\nid: X\nno separator\n", "src:3: expected \"name: value\"" },
		{ "form: household\nid: X\na:x\n", "src:3: expected \"name: value\"" },
		{ "form: household\nid: X\n\n", "src:3: expected \"name: value\"" },
		{ "form: household\nid: X\na: 1\nb: 2\na: 3\n", "src:5: duplicate field a (first on line 3)" },
		{ "form: household\nid: X\na: ok\nb: \xff\xfe\n", "src:4: invalid UTF-8" },
		{ "form: household\r\nid: X\r\n", "src:1: raw carriage return" },
		{ "form: household\nid: X\nid: Y\n", "src:3: field id is reserved" },
		{ "form: household\nid: X\na: 1\nparent: P\n", "src:4: field parent is reserved" },
		{ "form: house hold x\nid: X\n", "src:1: bad form version" },
		{ "form: household\nid: X\nbad name: 1\n", "src:3: bad field name" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		record *r = (record *)1;
		fc_err err;

		fc_err_clear(&err);
		assert_int_equal(record_parse(cases[i].text, strlen(cases[i].text), "src", &r, &err),
				 FC_EINVALID);
		assert_null(r);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s...\"", i, err.msg, cases[i].msg);
	}
}

static void test_record__parse_accepts_missing_final_newline(void **state)
{
	const char *t = "form: visit 1\nid: V\nparent: H\nvisit_date: 2026-01-02";
	record *r;

	(void)state;
	assert_int_equal(record_parse(t, strlen(t), "x", &r, NULL), 0);
	assert_string_equal(r->kind, "visit");
	assert_string_equal(r->form_version, "1");
	assert_string_equal(r->parent, "H");
	assert_string_equal(record_val(r, "visit_date"), "2026-01-02");
	record_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record__roundtrip_tricky_values),
		cmocka_unit_test(test_record__roundtrip_one_megabyte_value),
		cmocka_unit_test(test_record__bytes_stable_and_form_order),
		cmocka_unit_test(test_record__member_has_parent_line),
		cmocka_unit_test(test_record__set_get_equal_dup),
		cmocka_unit_test(test_record__escape_unescape),
		cmocka_unit_test(test_record__parse_errors_name_their_line),
		cmocka_unit_test(test_record__parse_accepts_missing_final_newline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
