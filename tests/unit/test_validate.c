/* test_validate.c — unit tests for validation: value types, ID numbers,
 * required answers and relevance, constraint messages in both languages,
 * calculated fields, and each DOMAIN.md consistency rule firing and not
 * firing, on hand-built forms and on the shipped forms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/expr.h"
#include "fieldcard/fields.h"
#include "fieldcard/form.h"
#include "fieldcard/record.h"
#include "fieldcard/rules.h"
#include "fieldcard/util.h"
#include "fieldcard/validate.h"

#define TODAY "2026-06-14"

/* Valid resident IDs (check digits computed with GB 11643 weights). */
#define ID_HEAD "520102198001011235"      /* male, 1980-01-01 */
#define ID_SPOUSE "520102198203151244"    /* female, 1982-03-15 */
#define ID_SON "520102201506010056"       /* male, 2015-06-01 */
#define ID_DAUGHTER "520102201009100026"  /* female, 2010-09-10 */
#define ID_OLD "520102195001011012"       /* male, 1950-01-01 */

/* ------------------------------------------------------------------ */
/* Hand-built forms.                                                   */

static form_choice cause_choices[] = {
	{ .name = "illness" }, { .name = "disability" }, { .name = "schooling" },
};
static form_choice measure_choices[] = {
	{ .name = "industry", .label = { "产业帮扶", "Industry" } },
	{ .name = "employment" }, { .name = "health" },
};
static form_list cause_list = { .name = "cause", .choices = cause_choices, .nchoices = 3 };
static form_list measure_list = { .name = "measure", .choices = measure_choices, .nchoices = 3 };

static form_field member_fields[] = {
	{ .type = FT_TEXT, .name = "name", .required = 1 },
	{ .type = FT_TEXT, .name = "sex" },
	{ .type = FT_ID_NUMBER, .name = "id_number", .label = { "证件号码", "ID number" } },
	{ .type = FT_DATE, .name = "birth_date" },
	{ .type = FT_CALCULATE, .name = "age", .calculation_src = "age(${birth_date})" },
	{ .type = FT_TEXT, .name = "relationship" },
	{ .type = FT_TEXT, .name = "school_status" },
	{ .type = FT_TEXT, .name = "health" },
	{ .type = FT_TEXT, .name = "member_status" },
	{ .type = FT_DECIMAL, .name = "migrant_pay" },
	{ .type = FT_INTEGER, .name = "migrant_months" },
	{ .type = FT_CALCULATE, .name = "member_income",
	  .calculation_src = "coalesce(${migrant_pay}, 0) * coalesce(${migrant_months}, 0)" },
};
static form_field hh_fields[] = {
	{ .type = FT_TEXT, .name = "province" },
	{ .type = FT_SELECT_ONE, .name = "main_cause", .list = &cause_list },
	{ .type = FT_TEXT, .name = "monitor_category" },
	{ .type = FT_TEXT, .name = "monitor_date" },
	{ .type = FT_INTEGER, .name = "id_year" },
	{ .type = FT_INTEGER, .name = "income_year" },
	{ .type = FT_SELECT_MULTIPLE, .name = "measures", .list = &measure_list },
	{ .type = FT_DECIMAL, .name = "wage_income", .constraint_src = ". >= 0" },
	{ .type = FT_DECIMAL, .name = "production_cost" },
	{ .type = FT_CALCULATE, .name = "migrant_income",
	  .calculation_src = "sum-if(${member_income}, ${member_status} != 'left')" },
	{ .type = FT_CALCULATE, .name = "net_income",
	  .calculation_src = "coalesce(${wage_income}, 0) + ${migrant_income} - coalesce(${production_cost}, 0)" },
	{ .type = FT_CALCULATE, .name = "member_count",
	  .calculation_src = "count-if(${member}, ${member_status} != 'left')" },
	{ .type = FT_CALCULATE, .name = "income_per_head",
	  .calculation_src = "if(${member_count} > 0, round(${net_income} div ${member_count}, 2), '')" },
	{ .type = FT_BEGIN_REPEAT, .name = "member" },
};
static form member_form = { .id = "member", .fields = member_fields,
			    .nfields = sizeof(member_fields) / sizeof(member_fields[0]) };
static form *hh_subs[] = { &member_form };
static form hh_form = { .id = "household", .fields = hh_fields,
			.nfields = sizeof(hh_fields) / sizeof(hh_fields[0]),
			.subs = hh_subs, .nsubs = 1 };

static rules_line rule_lines[] = {
	{ .province = "*", .year = 2026, .poverty_line = 5000, .monitor_line = 8200,
	  .clear_months = 6, .source = "test" },
	{ .province = "贵州省", .year = 2026, .poverty_line = 5000, .monitor_line = 8400,
	  .clear_months = 6, .source = "test" },
};
static rules test_rules = { .lines = rule_lines, .n = 2, .path = "forms/rules.csv" };

/* ------------------------------------------------------------------ */
/* Helpers.                                                            */

static const val_issue *find_issue(const val_report *r, const char *code, const char *rec_id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->items[i].code, code) == 0 &&
		    (!rec_id || strcmp(r->items[i].record_id, rec_id) == 0))
			return &r->items[i];
	return NULL;
}

static void dump(const val_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		print_message("  %s %s %s %s: %s\n", r->items[i].severity == VAL_ERROR ? "E" : "W",
			      r->items[i].record_id, r->items[i].field ? r->items[i].field : "-",
			      r->items[i].code, r->items[i].message);
}

/* Type check result: NULL if fine, else the message. */
static const char *type_msg(form_type t, const form_list *l, const char *v, int lang)
{
	static fc_err err;
	form_field f;

	memset(&f, 0, sizeof(f));
	f.type = t;
	f.name = "x";
	f.list = l;
	if (val_check_type(&f, v, lang, &err) == 0)
		return NULL;
	assert_int_equal(err.code, FC_EINVALID);
	return err.msg;
}

typedef struct hh {
	record *h;
	record *m[6];
	size_t n;
	const record *kids[6];
} hh;

static record *add_member(hh *x, const char *name, const char *sex, const char *id,
			  const char *birth, const char *rel, const char *school,
			  const char *health)
{
	record *m = record_new(K_MEMBER, NULL, x->h->id);

	record_set(m, "name", name);
	record_set(m, "sex", sex);
	record_set(m, "id_number", id);
	record_set(m, "birth_date", birth);
	record_set(m, "relationship", rel);
	record_set(m, "school_status", school);
	record_set(m, "health", health);
	record_set(m, "member_status", "present");
	x->m[x->n] = m;
	x->kids[x->n] = m;
	x->n++;
	return m;
}

/* A household with nothing to warn about. */
static void hh_make(hh *x)
{
	memset(x, 0, sizeof(*x));
	x->h = record_new(K_HOUSEHOLD, "H1", NULL);
	record_set(x->h, "province", "贵州省");
	record_set(x->h, "main_cause", "illness");
	record_set(x->h, "id_year", "2016");
	record_set(x->h, "measures", "industry health");
	record_set(x->h, "income_per_head", "9000");
	record_set(x->h, "income_year", "2026");
	add_member(x, "张三", "male", ID_HEAD, "1980-01-01", "head", "", "healthy");
	add_member(x, "李梅", "female", ID_SPOUSE, "1982-03-15", "spouse", "", "chronic");
	add_member(x, "张小明", "male", ID_SON, "2015-06-01", "son", "primary", "healthy");
	add_member(x, "张小红", "female", ID_DAUGHTER, "2010-09-10", "daughter", "junior", "healthy");
}

static void hh_free(hh *x)
{
	size_t i;

	record_free(x->h);
	for (i = 0; i < x->n; i++)
		record_free(x->m[i]);
}

static void hh_check(hh *x, val_report *r, int lang)
{
	fc_err err;

	val_report_free(r);
	assert_int_equal(val_household(&hh_form, x->h, x->kids, x->n, &test_rules, TODAY,
				       lang, r, &err), 0);
}

/* ------------------------------------------------------------------ */
/* Types.                                                              */

static void test_validate__numbers(void **state)
{
	(void)state;
	assert_null(type_msg(FT_INTEGER, NULL, "12", FC_LANG_ZH));
	assert_null(type_msg(FT_INTEGER, NULL, "-3", FC_LANG_ZH));
	assert_null(type_msg(FT_INTEGER, NULL, "", FC_LANG_ZH));   /* required is separate */
	assert_string_equal(type_msg(FT_INTEGER, NULL, "1.5", FC_LANG_EN),
			    "must be a whole number, not '1.5'");
	assert_string_equal(type_msg(FT_INTEGER, NULL, "abc", FC_LANG_ZH), "应为整数，而不是“abc”");
	assert_non_null(type_msg(FT_INTEGER, NULL, "1234567890123456", FC_LANG_ZH));
	assert_null(type_msg(FT_DECIMAL, NULL, "1.5", FC_LANG_ZH));
	assert_null(type_msg(FT_DECIMAL, NULL, "-0.25", FC_LANG_ZH));
	assert_null(type_msg(FT_DECIMAL, NULL, "3000", FC_LANG_ZH));
	assert_non_null(type_msg(FT_DECIMAL, NULL, "1.", FC_LANG_ZH));
	assert_non_null(type_msg(FT_DECIMAL, NULL, "1e3", FC_LANG_ZH));
	assert_string_equal(type_msg(FT_DECIMAL, NULL, "1,5", FC_LANG_EN), "must be a number, not '1,5'");
}

static void test_validate__dates_and_yesno(void **state)
{
	(void)state;
	assert_null(type_msg(FT_DATE, NULL, "2024-02-29", FC_LANG_ZH));
	assert_string_equal(type_msg(FT_DATE, NULL, "2023-02-30", FC_LANG_EN),
			    "'2023-02-30' is not a real date (YYYY-MM-DD)");
	assert_string_equal(type_msg(FT_DATE, NULL, "2023-02-30", FC_LANG_ZH),
			    "“2023-02-30”不是有效日期（格式 YYYY-MM-DD）");
	assert_non_null(type_msg(FT_DATE, NULL, "2025-02-29", FC_LANG_ZH));
	assert_non_null(type_msg(FT_DATE, NULL, "2024-2-1", FC_LANG_ZH));
	assert_non_null(type_msg(FT_DATE, NULL, "2024-04-31", FC_LANG_ZH));
	assert_null(type_msg(FT_YESNO, NULL, "yes", FC_LANG_ZH));
	assert_null(type_msg(FT_YESNO, NULL, "no", FC_LANG_ZH));
	assert_string_equal(type_msg(FT_YESNO, NULL, "是", FC_LANG_EN), "must be yes or no, not '是'");
}

static void test_validate__choices(void **state)
{
	(void)state;
	assert_null(type_msg(FT_SELECT_ONE, &cause_list, "illness", FC_LANG_ZH));
	assert_string_equal(type_msg(FT_SELECT_ONE, &cause_list, "flood", FC_LANG_EN),
			    "'flood' is not a choice of list cause");
	assert_null(type_msg(FT_SELECT_MULTIPLE, &measure_list, "industry health", FC_LANG_ZH));
	assert_string_equal(type_msg(FT_SELECT_MULTIPLE, &measure_list, "industry flood", FC_LANG_EN),
			    "'flood' is not a choice of list measure");
	assert_string_equal(type_msg(FT_SELECT_MULTIPLE, &measure_list, "health industry health",
				     FC_LANG_EN), "choice 'health' is given twice");
	assert_string_equal(type_msg(FT_SELECT_MULTIPLE, &measure_list, "industry  health",
				     FC_LANG_EN), "choices must be separated by one space");
	assert_non_null(type_msg(FT_SELECT_ONE, NULL, "x", FC_LANG_ZH));
}

static void test_validate__id_numbers(void **state)
{
	char birth[11];
	const char *m;

	(void)state;
	assert_true(val_id_valid(ID_HEAD));
	assert_true(val_id_valid(ID_SPOUSE));
	assert_true(val_id_valid(ID_HEAD "11"));            /* disability certificate */
	assert_false(val_id_valid("520102198001011236"));   /* wrong check digit */
	assert_false(val_id_valid("520102198001011236" "11"));
	assert_false(val_id_valid("52010219800101123"));    /* 17 digits */
	assert_false(val_id_valid(ID_HEAD "1"));             /* 19 */
	assert_false(val_id_valid(ID_HEAD "AB"));
	assert_false(val_id_valid(""));
	assert_null(type_msg(FT_ID_NUMBER, NULL, ID_SON, FC_LANG_ZH));
	m = type_msg(FT_ID_NUMBER, NULL, "520102198001011236", FC_LANG_ZH);
	assert_string_equal(m, "身份证号校验位错误，请核对");
	m = type_msg(FT_ID_NUMBER, NULL, "520102198001011236", FC_LANG_EN);
	assert_string_equal(m, "wrong check digit in the ID number: check it");
	/* Never echoes the number. */
	assert_null(strstr(m, "5201"));
	assert_string_equal(type_msg(FT_ID_NUMBER, NULL, "520102198002301230", FC_LANG_EN),
			    "the birth date in the ID number is not a real date");
	assert_string_equal(type_msg(FT_ID_NUMBER, NULL, "520102203001011230", FC_LANG_EN),
			    "the birth date in the ID number is in the future");
	assert_non_null(strstr(type_msg(FT_ID_NUMBER, NULL, "12345", FC_LANG_EN), "18-digit"));
	/* A lowercase x is not the standard's X. */
	assert_non_null(type_msg(FT_ID_NUMBER, NULL, "11010519491231002x", FC_LANG_EN));
	assert_true(val_id_valid("11010519491231002X"));

	assert_int_equal(val_id_birth(ID_SPOUSE, birth), 0);
	assert_string_equal(birth, "1982-03-15");
	assert_int_equal(val_id_birth(ID_HEAD "11", birth), 0);
	assert_string_equal(birth, "1980-01-01");
	assert_int_equal(val_id_birth("520102198002301230", birth), FC_EINVALID);
	assert_int_equal(val_id_sex(ID_HEAD), 'M');
	assert_int_equal(val_id_sex(ID_SPOUSE), 'F');
	assert_int_equal(val_id_sex("123"), 0);
}

static void test_validate__phone_and_text(void **state)
{
	(void)state;
	assert_null(type_msg(FT_PHONE, NULL, "13812345678", FC_LANG_ZH));
	assert_null(type_msg(FT_PHONE, NULL, "19912345678", FC_LANG_ZH));
	assert_null(type_msg(FT_PHONE, NULL, "0851-1234567", FC_LANG_ZH));
	assert_null(type_msg(FT_PHONE, NULL, "010-12345678", FC_LANG_ZH));
	assert_non_null(type_msg(FT_PHONE, NULL, "12812345678", FC_LANG_ZH));
	assert_non_null(type_msg(FT_PHONE, NULL, "1381234567", FC_LANG_ZH));
	assert_non_null(type_msg(FT_PHONE, NULL, "0851-123", FC_LANG_ZH));
	assert_non_null(type_msg(FT_PHONE, NULL, "851-1234567", FC_LANG_ZH));
	assert_null(type_msg(FT_TEXT, NULL, "张三", FC_LANG_ZH));
	assert_null(type_msg(FT_TEXT, NULL, "第一行\n第二行", FC_LANG_ZH));
	assert_string_equal(type_msg(FT_TEXT, NULL, "ab\xff", FC_LANG_EN),
			    "is not valid UTF-8 text (byte 3)");
	assert_string_equal(type_msg(FT_TEXT, NULL, "a\x01", FC_LANG_EN),
			    "contains a control character (byte 2)");
	assert_non_null(type_msg(FT_TEXT, NULL, "a\tb", FC_LANG_ZH));
	assert_non_null(type_msg(FT_TEXT, NULL, "a\rb", FC_LANG_ZH));
	assert_non_null(type_msg(FT_TEXT, NULL, "a\xc2\x85", FC_LANG_ZH));   /* C1 NEL */
	/* Every type refuses invalid UTF-8. */
	assert_non_null(type_msg(FT_SELECT_ONE, &cause_list, "\xe5\xbc", FC_LANG_ZH));
}

/* ------------------------------------------------------------------ */
/* Required, relevance, constraints.                                   */

static form_field rel_fields[] = {
	{ .type = FT_YESNO, .name = "sells_online", .required = 1,
	  .label = { "是否网上销售", "Sells online" } },
	{ .type = FT_TEXT, .name = "ecom_products", .required = 1,
	  .label = { "网销产品", "Products sold online" },
	  .relevant_src = "${sells_online} = 'yes'" },
	{ .type = FT_YESNO, .name = "has_land" },
	{ .type = FT_BEGIN_GROUP, .name = "land", .relevant_src = "${has_land} = 'yes'" },
	{ .type = FT_DECIMAL, .name = "land_arable", .required = 1 },
	{ .type = FT_END_GROUP, .name = "land" },
	{ .type = FT_INTEGER, .name = "age", .label = { "年龄", "Age" },
	  .constraint_src = ". >= 0 and . <= 120",
	  .constraint_msg = { "年龄应在 0 到 120 之间", "Age must be 0 to 120" } },
	{ .type = FT_INTEGER, .name = "months", .label = { "月数", "Months" },
	  .constraint_src = ". <= 12" },
	{ .type = FT_DECIMAL, .name = "pay", .label = { "月收入", NULL },
	  .constraint_src = ". < ${cap}" },
	{ .type = FT_DECIMAL, .name = "cap" },
	{ .type = FT_NOTE, .name = "note" },
};
static form rel_form = { .id = "survey", .fields = rel_fields,
			 .nfields = sizeof(rel_fields) / sizeof(rel_fields[0]) };

static void test_validate__required_and_relevance(void **state)
{
	record *r = record_new("survey", "R1", NULL);
	val_report rep;
	fc_err err;
	const val_issue *it;

	(void)state;
	val_report_init(&rep);
	record_set(r, "sells_online", "no");
	record_set(r, "has_land", "no");
	assert_int_equal(val_record(&rel_form, r, NULL, NULL, 0, NULL, TODAY, FC_LANG_ZH, &rep, &err), 0);
	assert_int_equal(rep.n, 0);
	assert_false(val_relevant(&rel_form, &rel_fields[1], r, NULL, NULL, 0, TODAY));
	assert_false(val_relevant(&rel_form, &rel_fields[4], r, NULL, NULL, 0, TODAY));
	assert_true(val_relevant(&rel_form, &rel_fields[2], r, NULL, NULL, 0, TODAY));

	/* A hidden field with a stale value is not an error. */
	record_set(r, "ecom_products", "茶叶");
	val_report_free(&rep);
	val_record(&rel_form, r, NULL, NULL, 0, NULL, TODAY, FC_LANG_ZH, &rep, &err);
	assert_int_equal(rep.n, 0);

	/* Shown and empty: required, in both languages. */
	record_set(r, "sells_online", "yes");
	record_set(r, "ecom_products", "");
	record_set(r, "has_land", "yes");
	assert_true(val_relevant(&rel_form, &rel_fields[1], r, NULL, NULL, 0, TODAY));
	val_report_free(&rep);
	val_record(&rel_form, r, NULL, NULL, 0, NULL, TODAY, FC_LANG_ZH, &rep, &err);
	assert_int_equal(rep.nerrors, 2);
	it = find_issue(&rep, "required", "R1");
	assert_non_null(it);
	assert_int_equal(it->severity, VAL_ERROR);
	assert_string_equal(it->field, "ecom_products");
	assert_string_equal(it->message, "网销产品：必填");
	assert_string_equal(rep.items[1].field, "land_arable");
	val_report_free(&rep);
	val_record(&rel_form, r, NULL, NULL, 0, NULL, TODAY, FC_LANG_EN, &rep, &err);
	assert_string_equal(rep.items[0].message, "Products sold online: required");
	assert_string_equal(rep.items[1].message, "land_arable: required");

	/* The required yes/no itself. */
	record_set(r, "sells_online", "");
	val_report_free(&rep);
	val_record(&rel_form, r, NULL, NULL, 0, NULL, TODAY, FC_LANG_EN, &rep, &err);
	it = find_issue(&rep, "required", "R1");
	assert_string_equal(it->field, "sells_online");
	val_report_free(&rep);
	record_free(r);
}

static void test_validate__constraints(void **state)
{
	record *r = record_new("survey", "R2", NULL);
	val_report rep;
	fc_err err;
	const val_issue *it;

	(void)state;
	val_report_init(&rep);
	record_set(r, "sells_online", "no");
	record_set(r, "age", "150");
	val_record(&rel_form, r, NULL, NULL, 0, NULL, TODAY, FC_LANG_ZH, &rep, &err);
	assert_int_equal(rep.n, 1);
	it = find_issue(&rep, "constraint", "R2");
	assert_string_equal(it->field, "age");
	assert_string_equal(it->message, "年龄：年龄应在 0 到 120 之间");
	val_report_free(&rep);
	val_record(&rel_form, r, NULL, NULL, 0, NULL, TODAY, FC_LANG_EN, &rep, &err);
	assert_string_equal(rep.items[0].message, "Age: Age must be 0 to 120");

	/* A type error is reported instead of the constraint. */
	record_set(r, "age", "abc");
	val_report_free(&rep);
	val_record(&rel_form, r, NULL, NULL, 0, NULL, TODAY, FC_LANG_EN, &rep, &err);
	assert_int_equal(rep.n, 1);
	assert_string_equal(rep.items[0].code, "type");
	assert_string_equal(rep.items[0].message, "Age: must be a whole number, not 'abc'");

	/* No message in the form: the default names the constraint. */
	record_set(r, "age", "30");
	record_set(r, "months", "13");
	val_report_free(&rep);
	val_record(&rel_form, r, NULL, NULL, 0, NULL, TODAY, FC_LANG_EN, &rep, &err);
	assert_int_equal(rep.n, 1);
	assert_string_equal(rep.items[0].message, "Months: the value does not satisfy . <= 12");
	val_report_free(&rep);
	val_record(&rel_form, r, NULL, NULL, 0, NULL, TODAY, FC_LANG_ZH, &rep, &err);
	assert_string_equal(rep.items[0].message, "月数：不符合条件 . <= 12");

	/* Constraints read other fields; labels fall back across languages. */
	record_set(r, "months", "12");
	record_set(r, "pay", "5000");
	record_set(r, "cap", "4000");
	val_report_free(&rep);
	val_record(&rel_form, r, NULL, NULL, 0, NULL, TODAY, FC_LANG_EN, &rep, &err);
	assert_int_equal(rep.n, 1);
	assert_string_equal(rep.items[0].field, "pay");
	assert_non_null(strstr(rep.items[0].message, "月收入: "));
	record_set(r, "cap", "6000");
	val_report_free(&rep);
	val_record(&rel_form, r, NULL, NULL, 0, NULL, TODAY, FC_LANG_EN, &rep, &err);
	assert_int_equal(rep.n, 0);

	/* Unknown fields with a value are errors; empty leftovers are not. */
	record_set(r, "old_field", "");
	record_set(r, "bogus", "1");
	val_report_free(&rep);
	val_record(&rel_form, r, NULL, NULL, 0, NULL, TODAY, FC_LANG_EN, &rep, &err);
	assert_int_equal(rep.n, 1);
	assert_string_equal(rep.items[0].code, "unknown_field");
	assert_string_equal(rep.items[0].field, "bogus");
	assert_string_equal(rep.items[0].message, "field bogus is not in form survey");
	assert_int_equal(rep.nerrors, 1);
	val_report_free(&rep);
	record_free(r);
}

/* ------------------------------------------------------------------ */
/* Calculations.                                                       */

static void test_validate__calculations(void **state)
{
	hh x;
	size_t i;
	fc_err err;

	(void)state;
	hh_make(&x);
	record_set(x.m[0], "migrant_pay", "3000");
	record_set(x.m[0], "migrant_months", "10");
	record_set(x.m[1], "migrant_pay", "2000");      /* no months: 0 */
	record_set(x.m[3], "migrant_pay", "1500");
	record_set(x.m[3], "migrant_months", "4");
	record_set(x.m[3], "member_status", "left");    /* married out: not counted */
	for (i = 0; i < x.n; i++)
		assert_int_equal(val_calculate(&member_form, x.m[i], x.h, NULL, 0, TODAY, &err), 0);
	assert_string_equal(record_val(x.m[0], "member_income"), "30000");
	assert_string_equal(record_val(x.m[1], "member_income"), "0");
	assert_string_equal(record_val(x.m[3], "member_income"), "6000");
	assert_string_equal(record_val(x.m[0], "age"), "46");
	assert_string_equal(record_val(x.m[2], "age"), "11");

	record_set(x.h, "wage_income", "5000");
	record_set(x.h, "production_cost", "1000");
	assert_int_equal(val_calculate(&hh_form, x.h, NULL, x.kids, x.n, TODAY, &err), 0);
	assert_string_equal(record_val(x.h, "migrant_income"), "30000");
	assert_string_equal(record_val(x.h, "net_income"), "34000");
	assert_string_equal(record_val(x.h, "member_count"), "3");
	assert_string_equal(record_val(x.h, "income_per_head"), "11333.33");

	/* Everyone left: no per-head figure rather than a division by zero. */
	for (i = 0; i < x.n; i++)
		record_set(x.m[i], "member_status", "left");
	assert_int_equal(val_calculate(&hh_form, x.h, NULL, x.kids, x.n, TODAY, &err), 0);
	assert_string_equal(record_val(x.h, "member_count"), "0");
	assert_string_equal(record_val(x.h, "income_per_head"), "");
	hh_free(&x);
}

static void test_validate__calculation_error(void **state)
{
	form_field bad[] = {
		{ .type = FT_CALCULATE, .name = "c", .calculation_src = "1 +", .line = 9 },
		{ .type = FT_CALCULATE, .name = "d", .calculation_src = "2 * 3" },
	};
	form f = { .id = "t", .fields = bad, .nfields = 2 };
	record *r = record_new("t", "T1", NULL);
	fc_err err;

	(void)state;
	record_set(r, "c", "stale");
	assert_int_equal(val_calculate(&f, r, NULL, NULL, 0, TODAY, &err), FC_EINVALID);
	assert_string_equal(err.msg, "line 9: record T1, field c: column 4: unexpected end of expression");
	assert_string_equal(record_val(r, "c"), "");
	assert_string_equal(record_val(r, "d"), "6");
	record_free(r);
}

/* ------------------------------------------------------------------ */
/* Consistency rules.                                                  */

static void test_validate__clean_household(void **state)
{
	val_report rep;
	hh x;

	(void)state;
	val_report_init(&rep);
	hh_make(&x);
	hh_check(&x, &rep, FC_LANG_ZH);
	if (rep.n)
		dump(&rep);
	assert_int_equal(rep.n, 0);
	val_report_free(&rep);
	hh_free(&x);
}

static void test_validate__rule_id_birth_and_sex(void **state)
{
	val_report rep;
	const val_issue *it;
	hh x;

	(void)state;
	val_report_init(&rep);
	hh_make(&x);
	record_set(x.m[1], "birth_date", "1982-05-15");
	hh_check(&x, &rep, FC_LANG_EN);
	it = find_issue(&rep, "id_birth", x.m[1]->id);
	assert_non_null(it);
	assert_int_equal(it->severity, VAL_WARNING);
	assert_string_equal(it->field, "birth_date");
	assert_string_equal(it->message, "birth date 1982-05-15 differs from 1982-03-15 in the ID number");
	assert_int_equal(rep.n, 1);

	/* Sex against the 17th digit. */
	record_set(x.m[1], "birth_date", "1982-03-15");
	record_set(x.m[0], "sex", "female");
	record_set(x.m[0], "relationship", "spouse");
	record_set(x.m[1], "relationship", "head");
	hh_check(&x, &rep, FC_LANG_ZH);
	it = find_issue(&rep, "id_sex", x.m[0]->id);
	assert_non_null(it);
	assert_string_equal(it->field, "sex");
	/* And the spouse now has the head's sex. */
	it = find_issue(&rep, "rel_sex", x.m[0]->id);
	assert_non_null(it);
	assert_string_equal(it->message, "配偶与户主性别相同（female）");
	assert_int_equal(rep.n, 2);
	val_report_free(&rep);
	hh_free(&x);
}

static void test_validate__rule_dup_id(void **state)
{
	val_report rep;
	const val_issue *it;
	record *dup;
	hh x;

	(void)state;
	val_report_init(&rep);
	hh_make(&x);
	dup = add_member(&x, "张三二", "male", ID_HEAD "11", "1980-01-01", "other", "", "disabled");
	hh_check(&x, &rep, FC_LANG_ZH);
	it = find_issue(&rep, "dup_id", dup->id);
	assert_non_null(it);
	assert_int_equal(it->severity, VAL_ERROR);
	assert_string_equal(it->field, "id_number");
	assert_string_equal(it->message, "身份证号与本户成员“张三”相同");
	assert_null(strstr(it->message, "5201"));
	/* A member who left (e.g. a duplicate entry marked so) is ignored. */
	record_set(dup, "member_status", "left");
	hh_check(&x, &rep, FC_LANG_ZH);
	assert_null(find_issue(&rep, "dup_id", NULL));
	assert_int_equal(rep.n, 0);
	val_report_free(&rep);
	hh_free(&x);
}

static void test_validate__rule_rel_sex(void **state)
{
	val_report rep;
	const val_issue *it;
	hh x;

	(void)state;
	val_report_init(&rep);
	hh_make(&x);
	record_set(x.m[3], "relationship", "son");   /* a daughter entered as son */
	hh_check(&x, &rep, FC_LANG_EN);
	it = find_issue(&rep, "rel_sex", x.m[3]->id);
	assert_non_null(it);
	assert_string_equal(it->field, "relationship");
	assert_string_equal(it->message, "relationship 'son' does not fit sex 'female'");
	assert_int_equal(rep.n, 1);
	/* No sex entered: the ID number's says female too. */
	record_set(x.m[3], "sex", "");
	hh_check(&x, &rep, FC_LANG_EN);
	assert_non_null(find_issue(&rep, "rel_sex", x.m[3]->id));
	record_set(x.m[3], "relationship", "granddaughter");
	hh_check(&x, &rep, FC_LANG_EN);
	assert_int_equal(rep.n, 0);
	val_report_free(&rep);
	hh_free(&x);
}

static void test_validate__rule_head_count(void **state)
{
	val_report rep;
	const val_issue *it;
	hh x;

	(void)state;
	val_report_init(&rep);
	hh_make(&x);
	record_set(x.m[0], "member_status", "left");  /* the head died */
	hh_check(&x, &rep, FC_LANG_EN);
	it = find_issue(&rep, "head_count", "H1");
	assert_non_null(it);
	assert_string_equal(it->message, "a household needs exactly one head (it has 0)");
	assert_int_equal(it->severity, VAL_WARNING);
	record_set(x.m[0], "member_status", "present");
	record_set(x.m[1], "relationship", "head");
	hh_check(&x, &rep, FC_LANG_ZH);
	it = find_issue(&rep, "head_count", "H1");
	assert_string_equal(it->message, "本户应有且只有一位户主（现有 2 位）");
	/* val_record without children does not judge the roster. */
	val_report_free(&rep);
	assert_int_equal(val_record(&hh_form, x.h, NULL, NULL, 0, &test_rules, TODAY,
				    FC_LANG_ZH, &rep, NULL), 0);
	assert_int_equal(rep.n, 0);
	val_report_free(&rep);
	hh_free(&x);
}

static void test_validate__rule_causes(void **state)
{
	val_report rep;
	const val_issue *it;
	hh x;

	(void)state;
	val_report_init(&rep);
	hh_make(&x);
	/* Illness: the spouse is chronically ill; once she left, nobody is. */
	record_set(x.m[1], "member_status", "left");
	record_set(x.m[0], "relationship", "head");
	hh_check(&x, &rep, FC_LANG_EN);
	it = find_issue(&rep, "cause_ill", "H1");
	assert_non_null(it);
	assert_string_equal(it->field, "main_cause");
	record_set(x.m[1], "member_status", "present");

	record_set(x.h, "main_cause", "disability");
	hh_check(&x, &rep, FC_LANG_ZH);
	it = find_issue(&rep, "cause_disabled", "H1");
	assert_non_null(it);
	assert_string_equal(it->message, "主要致贫原因为因残，但没有残疾成员");
	record_set(x.m[0], "health", "disabled");
	hh_check(&x, &rep, FC_LANG_ZH);
	assert_int_equal(rep.n, 0);

	record_set(x.h, "main_cause", "schooling");
	record_set(x.m[2], "school_status", "preschool");
	record_set(x.m[2], "birth_date", "2021-06-01");
	record_set(x.m[2], "id_number", "");
	record_set(x.m[3], "school_status", "not_in_school");
	record_set(x.m[3], "health", "serious");
	hh_check(&x, &rep, FC_LANG_EN);
	it = find_issue(&rep, "cause_school", "H1");
	assert_non_null(it);
	assert_string_equal(it->message, "main cause is schooling, but no member is in school");
	assert_int_equal(rep.n, 1);
	record_set(x.m[3], "school_status", "university");
	record_set(x.m[3], "birth_date", "2006-09-10");
	record_set(x.m[3], "id_number", "");
	hh_check(&x, &rep, FC_LANG_EN);
	assert_int_equal(rep.n, 0);
	val_report_free(&rep);
	hh_free(&x);
}

static void test_validate__rule_school_age(void **state)
{
	val_report rep;
	const val_issue *it;
	hh x;

	(void)state;
	val_report_init(&rep);
	hh_make(&x);
	/* 11 years old, healthy, dropped out. */
	record_set(x.m[2], "school_status", "dropout");
	hh_check(&x, &rep, FC_LANG_EN);
	it = find_issue(&rep, "school_age", x.m[2]->id);
	assert_non_null(it);
	assert_string_equal(it->field, "school_status");
	assert_string_equal(it->message,
			    "aged 11 and healthy, of compulsory school age, but 'dropout'");
	/* Out of school for health: no warning. */
	record_set(x.m[2], "health", "disabled");
	hh_check(&x, &rep, FC_LANG_EN);
	assert_null(find_issue(&rep, "school_age", NULL));
	/* Primary school at 46. */
	record_set(x.m[0], "school_status", "primary");
	hh_check(&x, &rep, FC_LANG_ZH);
	it = find_issue(&rep, "school_age", x.m[0]->id);
	assert_non_null(it);
	assert_string_equal(it->message, "年龄 46 岁与在校情况“primary”不符");
	/* Age from the ID number when no birth date is entered. */
	record_set(x.m[0], "birth_date", "");
	hh_check(&x, &rep, FC_LANG_ZH);
	assert_non_null(find_issue(&rep, "school_age", x.m[0]->id));
	record_set(x.m[0], "school_status", "not_in_school");
	hh_check(&x, &rep, FC_LANG_ZH);
	assert_int_equal(rep.n, 0);
	val_report_free(&rep);
	hh_free(&x);
}

static void test_validate__rule_monitor_missing(void **state)
{
	val_report rep;
	const val_issue *it;
	hh x;

	(void)state;
	val_report_init(&rep);
	hh_make(&x);
	/* Guizhou's 2026 monitoring line is 8400, the national one 8200. */
	record_set(x.h, "income_per_head", "8300");
	hh_check(&x, &rep, FC_LANG_EN);
	it = find_issue(&rep, "monitor_missing", "H1");
	assert_non_null(it);
	assert_string_equal(it->field, "monitor_category");
	assert_string_equal(it->message,
			    "income per head 8300.00 yuan is under the 2026 monitoring line 8400, but no monitoring category is set");
	record_set(x.h, "province", "四川省");
	hh_check(&x, &rep, FC_LANG_EN);
	assert_null(find_issue(&rep, "monitor_missing", NULL));
	record_set(x.h, "province", "贵州省");
	record_set(x.h, "monitor_category", "marginal");
	record_set(x.h, "monitor_date", "202601");
	hh_check(&x, &rep, FC_LANG_EN);
	assert_null(find_issue(&rep, "monitor_missing", NULL));
	/* No rules file: the income cannot be checked, and the card says so. */
	record_set(x.h, "monitor_category", "");
	val_report_free(&rep);
	assert_int_equal(val_household(&hh_form, x.h, x.kids, x.n, NULL, TODAY, FC_LANG_EN,
				       &rep, NULL), 0);
	assert_int_equal(rep.n, 1);
	assert_string_equal(rep.items[0].code, "no_income_line");
	assert_string_equal(rep.items[0].message,
			    "no rules file (forms/rules.csv): income is not checked");
	/* A year without a line: named with the province and the file. */
	record_set(x.h, "income_year", "2027");
	hh_check(&x, &rep, FC_LANG_EN);
	assert_non_null(find_issue(&rep, "no_income_line", "H1"));
	assert_string_equal(find_issue(&rep, "no_income_line", "H1")->message,
			    "no income line for 贵州省 2027 in forms/rules.csv");
	val_report_free(&rep);
	hh_free(&x);
}

static void test_validate__rule_no_measures(void **state)
{
	val_report rep;
	const val_issue *it;
	hh x;

	(void)state;
	val_report_init(&rep);
	hh_make(&x);
	record_set(x.h, "measures", "");
	hh_check(&x, &rep, FC_LANG_ZH);
	it = find_issue(&rep, "no_measures", "H1");
	assert_non_null(it);
	assert_string_equal(it->field, "measures");
	assert_string_equal(it->message, "识别已超过一个月，但没有帮扶措施");
	/* Identified this year: not yet a month ago at the latest. */
	record_set(x.h, "id_year", "2026");
	hh_check(&x, &rep, FC_LANG_ZH);
	assert_null(find_issue(&rep, "no_measures", NULL));
	/* Monitoring since last month: too soon; since March: overdue. */
	record_set(x.h, "id_year", "");
	record_set(x.h, "monitor_category", "unstable");
	record_set(x.h, "monitor_date", "202605");
	hh_check(&x, &rep, FC_LANG_ZH);
	assert_null(find_issue(&rep, "no_measures", NULL));
	record_set(x.h, "monitor_date", "202603");
	hh_check(&x, &rep, FC_LANG_ZH);
	assert_non_null(find_issue(&rep, "no_measures", "H1"));
	val_report_free(&rep);
	hh_free(&x);
}

static void test_validate__unknown_child_kind(void **state)
{
	val_report rep;
	record *odd;
	hh x;

	(void)state;
	val_report_init(&rep);
	hh_make(&x);
	odd = record_new("livestock", "L1", "H1");
	x.kids[x.n] = odd;
	x.m[x.n++] = odd;
	hh_check(&x, &rep, FC_LANG_EN);
	assert_int_equal(rep.nerrors, 1);
	assert_string_equal(rep.items[0].code, "unknown_kind");
	assert_string_equal(rep.items[0].record_id, "L1");
	assert_string_equal(rep.items[0].message, "record kind livestock is not in form household");
	val_report_free(&rep);
	hh_free(&x);
}

/* ------------------------------------------------------------------ */
/* The shipped forms.                                                  */

static void fill_member(record *m, const char *name, const char *sex, const char *id,
			const char *birth, const char *rel, const char *school)
{
	record_set(m, "name", name);
	record_set(m, "sex", sex);
	record_set(m, "id_type", "resident");
	record_set(m, "id_number", id);
	record_set(m, "birth_date", birth);
	record_set(m, "relationship", rel);
	record_set(m, "school_status", school);
	record_set(m, "health", "healthy");
	record_set(m, "labour_ability", "normal");
	record_set(m, "medical_insurance", "yes");
	record_set(m, "member_status", "present");
}

static void test_validate__shipped_forms(void **state)
{
	form_set *fs = NULL;
	const form *hf, *mf;
	rules *rl = NULL;
	record *h, *m[4];
	const record *kids[4];
	val_report rep;
	fc_err err;
	size_t i;

	(void)state;
	if (form_set_load("forms", &fs, &err) != 0)
		fail_msg("forms: %s", err.msg);
	if (rules_load("forms/rules.csv", &rl, &err) != 0)
		fail_msg("rules: %s", err.msg);
	hf = form_set_kind(fs, K_HOUSEHOLD);
	mf = form_set_kind(fs, K_MEMBER);
	assert_non_null(hf);
	assert_non_null(mf);

	h = record_new(K_HOUSEHOLD, "01JD3QHOUSEHOLD00000000000", NULL);
	record_set(h, "province", "贵州省");
	record_set(h, "village", "新寨村");
	record_set(h, "village_code", "520102001");
	record_set(h, "head_name", "张三");
	record_set(h, "head_id_number", ID_HEAD);
	record_set(h, "household_type", "lifted_policy");
	record_set(h, "poverty_status", "lifted");
	record_set(h, "id_year", "2016");
	record_set(h, "income_year", "2026");
	record_set(h, "main_cause", "illness");
	record_set(h, "wage_income", "12000");
	record_set(h, "business_income", "8000");
	record_set(h, "production_cost", "2000");
	record_set(h, "housing_grade", "B");
	record_set(h, "relocated", "no");
	record_set(h, "safe_water", "yes");
	record_set(h, "sells_online", "no");
	record_set(h, "measures", "industry");
	for (i = 0; i < 4; i++) {
		m[i] = record_new(K_MEMBER, NULL, h->id);
		kids[i] = m[i];
	}
	fill_member(m[0], "张三", "male", ID_HEAD, "1980-01-01", "head", "not_in_school");
	fill_member(m[1], "李梅", "female", ID_SPOUSE, "1982-03-15", "spouse", "not_in_school");
	record_set(m[1], "health", "chronic");
	fill_member(m[2], "张小明", "male", ID_SON, "2015-06-01", "son", "primary");
	fill_member(m[3], "张老汉", "male", ID_OLD, "1950-01-01", "father", "not_in_school");
	record_set(m[3], "member_status", "left");
	record_set(m[3], "left_reason", "deceased");
	record_set(m[0], "migrant_months", "6");
	record_set(m[0], "migrant_pay", "2500");

	for (i = 0; i < 4; i++)
		assert_int_equal(val_calculate(mf, m[i], h, NULL, 0, TODAY, &err), 0);
	assert_string_equal(record_val(m[0], "member_income"), "15000");
	assert_string_equal(record_val(m[2], "age"), "11");
	assert_int_equal(val_calculate(hf, h, NULL, kids, 4, TODAY, &err), 0);
	assert_string_equal(record_val(h, "member_count"), "3");
	assert_string_equal(record_val(h, "net_income"), "33000");
	assert_string_equal(record_val(h, "income_per_head"), "11000");

	val_report_init(&rep);
	assert_int_equal(val_household(hf, h, kids, 4, rl, TODAY, FC_LANG_ZH, &rep, &err), 0);
	if (rep.nerrors)
		dump(&rep);
	assert_int_equal(rep.nerrors, 0);
	assert_int_equal(rep.nwarnings, 0);

	/* Realistic mistakes: a bad check digit, a required answer missing
	 * only once it becomes relevant, an unknown choice. */
	record_set(m[1], "id_number", "520102198203151245");
	record_set(m[2], "school_status", "dropout");
	record_set(h, "main_cause", "flood");
	val_report_free(&rep);
	val_household(hf, h, kids, 4, rl, TODAY, FC_LANG_EN, &rep, &err);
	assert_non_null(find_issue(&rep, "id_check", m[1]->id));
	assert_non_null(find_issue(&rep, "school_age", m[2]->id));
	assert_non_null(find_issue(&rep, "type", h->id));
	{
		const val_issue *it = find_issue(&rep, "required", m[2]->id);

		assert_non_null(it);
		assert_string_equal(it->field, "out_of_school_reason");
	}
	val_report_free(&rep);
	for (i = 0; i < 4; i++)
		record_free(m[i]);
	record_free(h);
	rules_free(rl);
	form_set_free(fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate__numbers),
		cmocka_unit_test(test_validate__dates_and_yesno),
		cmocka_unit_test(test_validate__choices),
		cmocka_unit_test(test_validate__id_numbers),
		cmocka_unit_test(test_validate__phone_and_text),
		cmocka_unit_test(test_validate__required_and_relevance),
		cmocka_unit_test(test_validate__constraints),
		cmocka_unit_test(test_validate__calculations),
		cmocka_unit_test(test_validate__calculation_error),
		cmocka_unit_test(test_validate__clean_household),
		cmocka_unit_test(test_validate__rule_id_birth_and_sex),
		cmocka_unit_test(test_validate__rule_dup_id),
		cmocka_unit_test(test_validate__rule_rel_sex),
		cmocka_unit_test(test_validate__rule_head_count),
		cmocka_unit_test(test_validate__rule_causes),
		cmocka_unit_test(test_validate__rule_school_age),
		cmocka_unit_test(test_validate__rule_monitor_missing),
		cmocka_unit_test(test_validate__rule_no_measures),
		cmocka_unit_test(test_validate__unknown_child_kind),
		cmocka_unit_test(test_validate__shipped_forms),
	};

	/* ID birth dates are judged against "now". */
	setenv("FIELDCARD_NOW", TODAY "T10:00:00Z", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
