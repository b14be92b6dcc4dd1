/* test_expr.c — unit tests for the expression parser and evaluator: what a
 * form author writes in relevant/constraint/calculation and what a cadre
 * then sees computed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/buf.h"
#include "fieldcard/expr.h"
#include "fieldcard/form.h"
#include "fieldcard/record.h"
#include "fieldcard/util.h"

/* A household form with a member repeat and a visit repeat, built by hand. */
static form_field hh_fields[] = {
	{ .type = FT_TEXT, .name = "province" },
	{ .type = FT_DECIMAL, .name = "wages" },
	{ .type = FT_TEXT, .name = "name" },
	{ .type = FT_BEGIN_REPEAT, .name = "member" },
	{ .type = FT_BEGIN_REPEAT, .name = "visit" },
};
static form_field member_fields[] = {
	{ .type = FT_TEXT, .name = "name" },
	{ .type = FT_DATE, .name = "birth_date" },
	{ .type = FT_TEXT, .name = "member_status" },
	{ .type = FT_DECIMAL, .name = "member_income" },
	{ .type = FT_TEXT, .name = "health" },
};
static form_field visit_fields[] = {
	{ .type = FT_DATE, .name = "visit_date" },
};
static form member_form = { .id = "member", .fields = member_fields, .nfields = 5 };
static form visit_form = { .id = "visit", .fields = visit_fields, .nfields = 1 };
static form *hh_subs[] = { &member_form, &visit_form };
static form hh_form = { .id = "household", .fields = hh_fields, .nfields = 5,
			.subs = hh_subs, .nsubs = 2 };

/* Parse and evaluate src in ctx; returns the value as stored text. */
static char *ev(const char *src, const expr_ctx *ctx)
{
	expr *e = NULL;
	expr_value v;
	fc_buf b = FC_BUF_INIT;
	fc_err err;

	if (expr_parse(src, &e, &err) != 0)
		fail_msg("parse %s: %s", src, err.msg);
	if (expr_eval(e, ctx, &v, &err) != 0)
		fail_msg("eval %s: %s", src, err.msg);
	expr_value_to_text(&v, &b);
	expr_value_clear(&v);
	expr_free(e);
	return buf_detach(&b);
}

static expr_vtype ev_type(const char *src, const expr_ctx *ctx)
{
	expr *e = NULL;
	expr_value v;
	fc_err err;
	expr_vtype t;

	assert_int_equal(expr_parse(src, &e, &err), 0);
	assert_int_equal(expr_eval(e, ctx, &v, &err), 0);
	t = v.type;
	expr_value_clear(&v);
	expr_free(e);
	return t;
}

#define EXPECT(src, ctx, want) do { \
	char *got_ = ev((src), (ctx)); \
	if (strcmp(got_, (want)) != 0) \
		fail_msg("%s: got '%s', want '%s'", (src), got_, (want)); \
	free(got_); \
} while (0)

/* Parse must fail; returns the message. */
static const char *parse_fails(const char *src)
{
	static fc_err err;
	expr *e = NULL;

	if (expr_parse(src, &e, &err) == 0) {
		expr_free(e);
		fail_msg("'%s' parsed but should not", src);
	}
	assert_null(e);
	return err.msg;
}

static void test_expr__arithmetic_precedence(void **state)
{
	(void)state;
	EXPECT("1 + 2 * 3", NULL, "7");
	EXPECT("(1 + 2) * 3", NULL, "9");
	EXPECT("7 - 2 - 1", NULL, "4");
	EXPECT("10 div 4", NULL, "2.5");
	EXPECT("10 mod 4", NULL, "2");
	EXPECT("-2 * 3", NULL, "-6");
	EXPECT("2 - -1", NULL, "3");
	EXPECT("1 div 3", NULL, "0.33");
	EXPECT("2 div 3", NULL, "0.67");
	EXPECT("0.1 + 0.2", NULL, "0.3");
	EXPECT("-1 div 2", NULL, "-0.5");
	EXPECT("4.0", NULL, "4");
	EXPECT(".5 * 2", NULL, "1");
	EXPECT("1 + 2 * 3 = 7", NULL, "true");
	EXPECT("1 + 2 > 2 and 3 * 2 = 6", NULL, "true");
	EXPECT("'12' + 3", NULL, "15");
}

static void test_expr__comparisons(void **state)
{
	record *r = record_new("household", "H1", NULL);
	expr_ctx c = { .rec = r, .form = &hh_form, .schema = &form_expr_schema };

	(void)state;
	record_set(r, "wages", "10");
	record_set(r, "province", "贵州省");
	/* Number-like text compares as numbers, other text by bytes. */
	EXPECT("'10' > '9'", NULL, "true");
	EXPECT("${wages} > 9", &c, "true");
	EXPECT("${wages} = 10.0", &c, "true");
	EXPECT("'abc' < 'abd'", NULL, "true");
	EXPECT("'b' > 'a'", NULL, "true");
	EXPECT("'2026-01-02' > '2025-12-31'", NULL, "true");
	EXPECT("'2026-01-02' <= '2026-01-02'", NULL, "true");
	EXPECT("${province} = '贵州省'", &c, "true");
	EXPECT("${province} != '贵州省'", &c, "false");
	EXPECT("1 != 2", NULL, "true");
	EXPECT("2 >= 3", NULL, "false");
	/* Empty equals only empty and does not order. */
	EXPECT("${name} = ''", &c, "true");
	EXPECT("${name} != ''", &c, "false");
	EXPECT("${name} = 0", &c, "false");
	EXPECT("${name} < 5", &c, "false");
	EXPECT("${name} > 5", &c, "false");
	EXPECT("true() = 1", NULL, "true");
	record_free(r);
}

static void test_expr__logic(void **state)
{
	(void)state;
	EXPECT("1 = 1 and 2 = 3", NULL, "false");
	EXPECT("1 = 1 or 2 = 3", NULL, "true");
	EXPECT("not(1 = 2)", NULL, "true");
	EXPECT("not('')", NULL, "true");
	EXPECT("1 = 2 or 2 = 2 and 3 = 4", NULL, "false");   /* and binds tighter */
	EXPECT("(1 = 2 or 2 = 2) and 3 = 3", NULL, "true");
	EXPECT("false() and 1 div 0 = 1", NULL, "false");
	EXPECT("true() or 1 div 0 = 1", NULL, "true");
}

static void test_expr__null_handling(void **state)
{
	record *r = record_new("household", "H1", NULL);
	expr_ctx c = { .rec = r, .form = &hh_form, .schema = &form_expr_schema };

	(void)state;
	record_set(r, "wages", "");
	/* An empty income does not silently become 0. */
	EXPECT("${wages} + 1", &c, "");
	assert_int_equal(ev_type("${wages} * 2", &c), EV_NULL);
	assert_int_equal(ev_type("''", &c), EV_NULL);
	EXPECT("coalesce(${wages}, 0) + 1", &c, "1");
	EXPECT("1 div 0", NULL, "");
	EXPECT("5 mod 0", NULL, "");
	EXPECT("'abc' + 1", NULL, "");
	EXPECT("-${wages}", &c, "");
	EXPECT("${nosuch}", &c, "");
	EXPECT("sum(${wages})", &c, "0");
	record_free(r);
}

static void test_expr__functions(void **state)
{
	record *r = record_new("household", "H1", NULL);
	expr_ctx c = { .rec = r, .form = &hh_form, .schema = &form_expr_schema, .today = "2026-06-14" };

	(void)state;
	record_set(r, "name", "industry employment  health");
	EXPECT("if(1 < 2, 'yes', 'no')", NULL, "yes");
	EXPECT("if(${name} = '', 'empty', 'set')", &c, "set");
	EXPECT("selected(${name}, 'employment')", &c, "true");
	EXPECT("selected(${name}, 'employ')", &c, "false");
	EXPECT("selected(${wages}, 'x')", &c, "false");
	EXPECT("count-selected(${name})", &c, "3");
	EXPECT("count-selected(${wages})", &c, "0");
	EXPECT("string-length('张三')", NULL, "2");
	EXPECT("string-length(${wages})", &c, "0");
	EXPECT("regex('13812345678', '1[3-9][0-9]{9}')", NULL, "true");
	/* Anchored: the whole value must match. */
	EXPECT("regex('x13812345678', '1[3-9][0-9]{9}')", NULL, "false");
	EXPECT("regex('138123456789', '1[3-9][0-9]{9}')", NULL, "false");
	EXPECT("regex('ab', 'a|ab')", NULL, "true");
	EXPECT("today()", &c, "2026-06-14");
	EXPECT("date('2024-02-29')", NULL, "2024-02-29");
	EXPECT("date('2023-02-29')", NULL, "");
	EXPECT("date('2026-13-01')", NULL, "");
	EXPECT("int(3.7)", NULL, "3");
	EXPECT("int(-3.7)", NULL, "-3");
	EXPECT("int('x')", NULL, "");
	EXPECT("round(2.5)", NULL, "3");
	EXPECT("round(-2.5)", NULL, "-3");
	EXPECT("round(3.14159, 2)", NULL, "3.14");
	EXPECT("round(1234, -2)", NULL, "1200");
	EXPECT("max(1, 5, 3)", NULL, "5");
	EXPECT("min(4, -1, 3)", NULL, "-1");
	EXPECT("max(${wages}, 2)", &c, "2");
	EXPECT("max(${wages})", &c, "");
	EXPECT("coalesce(${wages}, '', 'x', 'y')", &c, "x");
	EXPECT("concat('a', ${wages}, 'b', 1 + 1)", &c, "ab2");
	EXPECT("true()", NULL, "true");
	EXPECT("false()", NULL, "false");
	EXPECT("count(${name})", &c, "1");
	EXPECT("count(${wages})", &c, "0");
	EXPECT("sum(3)", NULL, "3");
	EXPECT("any(1 = 1)", NULL, "true");
	record_free(r);
}

static void test_expr__age(void **state)
{
	record *r = record_new("member", "M1", "H1");
	expr_ctx c = { .rec = r, .form = &member_form, .schema = &form_expr_schema, .today = "2026-06-14" };

	(void)state;
	record_set(r, "birth_date", "1990-06-15");
	EXPECT("age(${birth_date})", &c, "35");
	c.today = "2026-06-15";
	EXPECT("age(${birth_date})", &c, "36");
	EXPECT("age('2024-02-29', '2025-02-28')", NULL, "0");
	EXPECT("age('2024-02-29', '2028-02-29')", NULL, "4");
	EXPECT("age('2020-01-01', '2019-12-31')", NULL, "");
	EXPECT("age('1990-02-30')", &c, "");
	EXPECT("age(${name})", &c, "");
	EXPECT("age(${birth_date}) >= 18", &c, "true");
	record_free(r);
}

/* Three members (one left) and one visit. */
typedef struct family {
	record *h, *m[3], *v;
	const record *kids[4];
} family;

static void family_make(family *f)
{
	static const char *names[] = { "张三", "李四", "王五" };
	static const char *status[] = { "present", "left", "present" };
	static const char *income[] = { "3000", "5000", "" };
	static const char *health[] = { "healthy", "disabled", "chronic" };
	int i;

	f->h = record_new("household", "H1", NULL);
	record_set(f->h, "province", "贵州省");
	record_set(f->h, "name", "household name");
	for (i = 0; i < 3; i++) {
		f->m[i] = record_new("member", NULL, "H1");
		record_set(f->m[i], "name", names[i]);
		record_set(f->m[i], "member_status", status[i]);
		record_set(f->m[i], "member_income", income[i]);
		record_set(f->m[i], "health", health[i]);
	}
	f->v = record_new("visit", NULL, "H1");
	record_set(f->v, "visit_date", "2026-05-01");
	f->kids[0] = f->m[0];
	f->kids[1] = f->v;
	f->kids[2] = f->m[1];
	f->kids[3] = f->m[2];
}

static void family_free(family *f)
{
	int i;

	record_free(f->h);
	for (i = 0; i < 3; i++)
		record_free(f->m[i]);
	record_free(f->v);
}

static void test_expr__aggregates(void **state)
{
	family f;
	expr_ctx c;

	(void)state;
	family_make(&f);
	memset(&c, 0, sizeof(c));
	c.rec = f.h;
	c.form = &hh_form;
	c.schema = &form_expr_schema;
	c.children = f.kids;
	c.nchildren = 4;
	EXPECT("count(${member})", &c, "3");
	EXPECT("count(${visit})", &c, "1");
	EXPECT("count(${member_income})", &c, "3");
	EXPECT("sum(${member_income})", &c, "8000");          /* empty = 0 */
	EXPECT("max(${member_income})", &c, "5000");
	EXPECT("min(${member_income})", &c, "3000");
	EXPECT("max(${member_income}, 9000)", &c, "9000");
	EXPECT("concat(${name})", &c, "household name");      /* own field first */
	/* Filtered: the members still in the household. */
	EXPECT("count-if(${member}, ${member_status} != 'left')", &c, "2");
	EXPECT("sum-if(${member_income}, ${member_status} != 'left')", &c, "3000");
	EXPECT("sum-if(${member_income}, . > 4000)", &c, "5000");
	EXPECT("count-if(${member_status}, . != 'left')", &c, "2");
	EXPECT("count-if(${member_income}, . = '')", &c, "1");
	/* In a constraint, "." stays the constrained value inside any(). */
	c.self = "4000";
	EXPECT("any(${member_income} > .)", &c, "true");
	EXPECT("count-if(${member}, ${member_income} > .)", &c, "1");
	c.self = NULL;
	/* Conditions may read household fields through the parent. */
	EXPECT("count-if(${member}, ${province} = '贵州省')", &c, "3");
	/* Expressions over a repeat's fields run per instance. */
	EXPECT("sum(if(${member_status} != 'left', 1, 0))", &c, "2");
	EXPECT("count(if(${member_status} = 'left', 1, ''))", &c, "1");
	EXPECT("max(coalesce(${member_income}, 0) * 2)", &c, "10000");
	EXPECT("concat(if(${health} = 'chronic', ${name}, ''))", &c, "王五");
	EXPECT("any(${health} = 'disabled')", &c, "true");
	EXPECT("any(${health} = 'disabled' and ${member_status} != 'left')", &c, "false");
	EXPECT("any(${health} = 'serious')", &c, "false");
	EXPECT("${member_income}", &c, "3000");               /* first instance */
	EXPECT("sum(${member_income}) div count-if(${member}, ${member_status} != 'left')",
	       &c, "4000");
	/* Without children nothing is counted. */
	c.children = NULL;
	c.nchildren = 0;
	EXPECT("count(${member})", &c, "0");
	EXPECT("sum(${member_income})", &c, "0");
	EXPECT("count-if(${member}, 1 = 1)", &c, "0");
	family_free(&f);
}

static void test_expr__member_reads_household(void **state)
{
	family f;
	expr_ctx c;

	(void)state;
	family_make(&f);
	memset(&c, 0, sizeof(c));
	c.rec = f.m[0];
	c.form = &member_form;
	c.schema = &form_expr_schema;
	c.parent = f.h;
	c.parent_form = &hh_form;
	EXPECT("${province}", &c, "贵州省");        /* only the household has it */
	EXPECT("${name}", &c, "张三");              /* the member's own wins */
	EXPECT("concat(${name}, '@', ${province})", &c, "张三@贵州省");
	/* A member field left empty stays empty, never the household's. */
	record_set(f.m[0], "name", "");
	EXPECT("${name}", &c, "");
	family_free(&f);
}

/* A form is read only through a schema: one without is refused, never
 * silently read as no form. */
static void test_expr__form_needs_schema(void **state)
{
	record *r = record_new("household", "H1", NULL);
	expr_ctx c = { .rec = r, .form = &hh_form };
	expr *e = NULL;
	expr_value v;
	fc_err err;

	(void)state;
	assert_int_equal(expr_parse("count(${member})", &e, &err), 0);
	assert_int_equal(expr_eval(e, &c, &v, &err), FC_EINVALID);
	assert_non_null(strstr(err.msg, "expr_ctx.schema"));
	expr_value_clear(&v);
	expr_free(e);
	record_free(r);
}

static void test_expr__self_value(void **state)
{
	expr_ctx c = { .self = "42" };

	(void)state;
	EXPECT(". >= 0 and . <= 150", &c, "true");
	EXPECT(". + 1", &c, "43");
	c.self = "";
	EXPECT(". = ''", &c, "true");
}

static void test_expr__parse_errors(void **state)
{
	const char *m;

	(void)state;
	assert_string_equal(parse_fails("1 + )"), "column 5: unexpected ')'");
	assert_string_equal(parse_fails("(1 + 2"), "column 7: unexpected end of expression");
	assert_string_equal(parse_fails("1 2"), "column 3: unexpected '2'");
	/* Columns count characters, not bytes. */
	assert_string_equal(parse_fails("'张三' = )"), "column 8: unexpected ')'");
	m = parse_fails("1 + foo(2)");
	assert_non_null(strstr(m, "column 5: unknown function 'foo' (supported: if, selected,"));
	assert_non_null(strstr(m, "count-if"));
	assert_string_equal(parse_fails("if(1, 2)"), "column 1: if() takes 3 arguments, got 2");
	assert_string_equal(parse_fails("round()"), "column 1: round() takes 1 to 2 arguments, got 0");
	assert_string_equal(parse_fails("coalesce(1)"),
			    "column 1: coalesce() takes at least 2 arguments, got 1");
	assert_string_equal(parse_fails("count-if(1, 2)"),
			    "column 1: count-if() needs a ${field} or ${repeat} as its first argument");
	assert_string_equal(parse_fails("'abc"), "column 1: unterminated string starting with '");
	assert_string_equal(parse_fails("${abc"), "column 1: unterminated field reference: missing '}'");
	assert_string_equal(parse_fails("1 / 2"), "column 3: unexpected '/' (division is written div)");
	assert_string_equal(parse_fails("x = 1"),
			    "column 1: unexpected name 'x' (a field is written ${name}, a function name(...))");
	assert_string_equal(parse_fails(""), "column 1: empty expression");
	assert_string_equal(parse_fails("1 and"), "column 6: unexpected end of expression");
	assert_non_null(strstr(parse_fails("regex(., '(')"), "column 1: bad regular expression '('"));
}

static void test_expr__nesting_cap(void **state)
{
	fc_buf b = FC_BUF_INIT;
	expr *e = NULL;
	fc_err err;
	int i;

	(void)state;
	for (i = 0; i < 40; i++)
		buf_addc(&b, '(');
	buf_addc(&b, '1');
	for (i = 0; i < 40; i++)
		buf_addc(&b, ')');
	assert_int_equal(expr_parse(buf_cstr(&b), &e, &err), 0);
	expr_free(e);

	buf_reset(&b);
	for (i = 0; i < 10000; i++)
		buf_addc(&b, '(');
	assert_int_equal(expr_parse(buf_cstr(&b), &e, &err), FC_EINVALID);
	assert_non_null(strstr(err.msg, "nested too deeply (more than 64 levels)"));

	buf_reset(&b);
	for (i = 0; i < 10000; i++)
		buf_adds(&b, "- ");
	buf_addc(&b, '1');
	assert_int_equal(expr_parse(buf_cstr(&b), &e, &err), FC_EINVALID);
	assert_non_null(strstr(err.msg, "nested too deeply"));

	buf_reset(&b);
	buf_addc(&b, '1');
	for (i = 0; i < 200; i++)
		buf_adds(&b, " + 1");
	assert_int_equal(expr_parse(buf_cstr(&b), &e, &err), FC_EINVALID);
	assert_non_null(strstr(err.msg, "nested too deeply"));

	buf_reset(&b);
	for (i = 0; i < 100; i++)
		buf_adds(&b, "not(");
	buf_addc(&b, '1');
	for (i = 0; i < 100; i++)
		buf_addc(&b, ')');
	assert_int_equal(expr_parse(buf_cstr(&b), &e, &err), FC_EINVALID);
	assert_non_null(strstr(err.msg, "nested too deeply"));
	buf_free(&b);
}

static int collect_ref(const char *name, void *ud)
{
	buf_printf(ud, "%s;", name);
	return 0;
}

static int stop_at_b(const char *name, void *ud)
{
	(void)ud;
	return strcmp(name, "b") == 0 ? 7 : 0;
}

static void test_expr__each_ref(void **state)
{
	fc_buf b = FC_BUF_INIT;
	expr *e = NULL;
	fc_err err;

	(void)state;
	assert_int_equal(expr_parse("if(${a} > 1, sum(${b}), ${c-d.e})", &e, &err), 0);
	assert_int_equal(expr_each_ref(e, collect_ref, &b), 0);
	assert_string_equal(buf_cstr(&b), "a;b;c-d.e;");
	assert_int_equal(expr_each_ref(e, stop_at_b, NULL), 7);
	expr_free(e);
	buf_free(&b);
}

static void test_expr__eval_error_shows_field(void **state)
{
	record *r = record_new("household", "H1", NULL);
	expr_ctx c = { .rec = r, .form = &hh_form, .schema = &form_expr_schema };
	expr *e = NULL;
	fc_err err;
	int yes = 0;

	(void)state;
	record_set(r, "name", "(");
	assert_int_equal(expr_parse("regex('a', ${name})", &e, &err), 0);
	assert_int_equal(expr_eval_bool(e, &c, &yes, &err), FC_EINVALID);
	assert_int_equal(yes, 1);
	assert_non_null(strstr(err.msg, "bad regular expression"));
	expr_free(e);
	record_free(r);
}

static void test_expr__value_text(void **state)
{
	expr_value v = { EV_NUM, 1234567.0, 0, NULL };
	fc_buf b = FC_BUF_INIT;
	double d;
	int y, m, dd;

	(void)state;
	expr_value_to_text(&v, &b);
	assert_string_equal(buf_cstr(&b), "1234567");
	buf_reset(&b);
	v.num = 2.999;
	expr_value_to_text(&v, &b);
	assert_string_equal(buf_cstr(&b), "3");
	buf_reset(&b);
	v.num = 0.05;
	expr_value_to_text(&v, &b);
	assert_string_equal(buf_cstr(&b), "0.05");
	buf_reset(&b);
	v.type = EV_BOOL;
	v.b = 0;
	expr_value_to_text(&v, &b);
	assert_string_equal(buf_cstr(&b), "false");
	buf_reset(&b);
	v.type = EV_NULL;
	expr_value_to_text(&v, &b);
	assert_string_equal(buf_cstr(&b), "");
	buf_free(&b);
	assert_true(expr_text_number("-3.50", &d));
	assert_true(d == -3.5);
	assert_false(expr_text_number("1e5", &d));
	assert_false(expr_text_number("1,5", &d));
	assert_false(expr_text_number("", &d));
	assert_true(expr_date_parse("2024-02-29", &y, &m, &dd));
	assert_false(expr_date_parse("2025-02-29", &y, &m, &dd));
	assert_false(expr_date_parse("2025-2-28", &y, &m, &dd));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expr__arithmetic_precedence),
		cmocka_unit_test(test_expr__comparisons),
		cmocka_unit_test(test_expr__logic),
		cmocka_unit_test(test_expr__null_handling),
		cmocka_unit_test(test_expr__functions),
		cmocka_unit_test(test_expr__age),
		cmocka_unit_test(test_expr__aggregates),
		cmocka_unit_test(test_expr__member_reads_household),
		cmocka_unit_test(test_expr__self_value),
		cmocka_unit_test(test_expr__parse_errors),
		cmocka_unit_test(test_expr__nesting_cap),
		cmocka_unit_test(test_expr__each_ref),
		cmocka_unit_test(test_expr__eval_error_shows_field),
		cmocka_unit_test(test_expr__value_text),
		cmocka_unit_test(test_expr__form_needs_schema),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
