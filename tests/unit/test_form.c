/* test_form.c — unit tests for the form loader: the shipped household form
 * loads clean and holds what C code relies on (fields.h), and every class of
 * mistake in tests/data/forms/ is reported as FILE:LINE: message. Run from
 * the repository root (tests/run.sh does). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/expr.h"
#include "fieldcard/fields.h"
#include "fieldcard/form.h"
#include "fieldcard/record.h"

#define BAD "tests/data/forms/"

static const form *sub_named(const form *f, const char *id)
{
	for (size_t i = 0; i < f->nsubs; i++)
		if (!strcmp(f->subs[i]->id, id))
			return f->subs[i];
	return NULL;
}

static void test_form__shipped_household_loads_clean(void **state)
{
	fc_buf report = FC_BUF_INIT;
	fc_err err;
	form *f = NULL;

	(void)state;
	fc_err_clear(&err);
	assert_int_equal(form_load("forms/household", &f, &report, &err), 0);
	/* Not even a warning: the shipped form is the example counties copy. */
	assert_string_equal(buf_cstr(&report), "");
	assert_string_equal(f->id, K_HOUSEHOLD);
	assert_string_equal(f->version, "2026.12.2");
	assert_string_equal(f->title[FC_LANG_ZH], "贫困户建档立卡信息卡");
	assert_int_equal(f->nsubs, 3);
	assert_string_equal(f->subs[0]->id, K_MEMBER);
	assert_string_equal(f->subs[1]->id, K_VISIT);
	assert_string_equal(f->subs[2]->id, K_FLAG);
	assert_ptr_equal(f->subs[0]->parent, f);
	buf_free(&report);
	form_free(f);
}

static void test_form__shipped_has_fields_h_names(void **state)
{
	static const char *const hh[] = {
		F_PROVINCE, F_VILLAGE_CODE, F_VILLAGE_GROUP, F_HOUSEHOLD_CODE, F_HEAD_NAME,
		F_HEAD_ID, F_HOUSEHOLD_TYPE, F_POVERTY_STATUS, F_MONITOR_CATEGORY,
		F_MONITOR_DATE, F_RISK_CLEARED, F_ID_YEAR, F_MAIN_CAUSE, F_OTHER_CAUSES,
		F_NET_INCOME, F_MEMBER_COUNT, F_INCOME_PER_HEAD, F_HOUSING_GRADE,
		F_RELOCATED, F_SAFE_WATER, F_MEASURES, NULL
	};
	static const char *const mem[] = {
		F_M_NAME, F_M_SEX, F_M_ID_TYPE, F_M_ID, F_M_BIRTH, F_M_AGE, F_M_RELATION,
		F_M_SCHOOL, F_M_HEALTH, F_M_LABOUR, F_M_MEDICAL, F_M_STATUS,
		F_M_LEFT_REASON, F_M_INCOME, NULL
	};
	static const char *const vis[] = { F_V_DATE, F_V_VISITORS, F_V_PURPOSE, F_V_EVENT, NULL };
	static const char *const flg[] = {
		F_FLAG_KIND, F_FLAG_MEMBER, F_FLAG_REASON, F_FLAG_FACTS, F_FLAG_SOURCE,
		F_FLAG_DATE, F_FLAG_STATE, F_FLAG_NOTE, F_FLAG_BY, F_FLAG_AT, NULL
	};
	form *f = NULL;
	const form *m, *v, *fl;
	const form_field *fld;

	(void)state;
	assert_int_equal(form_load("forms/household", &f, NULL, NULL), 0);
	m = sub_named(f, K_MEMBER);
	v = sub_named(f, K_VISIT);
	fl = sub_named(f, K_FLAG);
	assert_non_null(m);
	assert_non_null(v);
	assert_non_null(fl);
	/* A flag is the program's to write: every field read-only, the
	 * decision's note needed once it is decided. */
	for (const char *const *n = flg; *n; n++) {
		fld = form_field_find(fl, *n);
		assert_non_null(fld);
		assert_true(fld->read_only);
	}
	assert_string_equal(form_field_find(fl, F_FLAG_STATE)->default_value, C_FLAG_OPEN);
	assert_string_equal(form_field_find(fl, F_FLAG_NOTE)->relevant_src, "${flag_state} != 'open'");
	assert_true(form_field_find(fl, F_FLAG_NOTE)->required);
	for (const char *const *n = hh; *n; n++) {
		fld = form_field_find(f, *n);
		assert_non_null(fld);
		assert_true(form_field_has_value(fld));
	}
	for (const char *const *n = mem; *n; n++)
		assert_non_null(form_field_find(m, *n));
	for (const char *const *n = vis; *n; n++)
		assert_non_null(form_field_find(v, *n));
	/* Repeat bodies live in their sub-form only. */
	assert_null(form_field_find(f, F_M_SEX));
	fld = form_field_find(f, K_MEMBER);
	assert_int_equal(fld->type, FT_BEGIN_REPEAT);
	assert_ptr_equal(fld->repeat, m);
	/* Calculated fields are compiled. */
	for (const char *const *n = (const char *const[]){ F_NET_INCOME, F_MEMBER_COUNT, F_INCOME_PER_HEAD, NULL }; *n; n++) {
		fld = form_field_find(f, *n);
		assert_int_equal(fld->type, FT_CALCULATE);
		assert_non_null(fld->calculation);
	}
	assert_int_equal(form_field_find(m, F_M_AGE)->type, FT_CALCULATE);
	assert_int_equal(form_field_find(m, F_M_INCOME)->type, FT_CALCULATE);
	/* Left reason only shows for members who left. */
	assert_string_equal(form_field_find(m, F_M_LEFT_REASON)->relevant_src,
			    "${member_status} = 'left'");
	assert_int_equal(form_field_find(f, F_SAFE_WATER)->type, FT_YESNO);
	assert_int_equal(form_field_find(f, F_ID_YEAR)->type, FT_INTEGER);
	assert_int_equal(form_field_find(f, F_HEAD_ID)->type, FT_ID_NUMBER);
	assert_string_equal(form_field_find(f, F_PROVINCE)->group, "place");
	assert_int_equal(form_field_find(f, F_PROVINCE)->group_depth, 1);
	assert_int_equal(form_field_find(f, F_PROVINCE)->line, 3);
	form_free(f);
}

static void test_form__shipped_choice_names(void **state)
{
	static const struct {
		const char *field;
		int sub; /* 0 household, 1 member, 2 visit */
		const char *names;
		size_t n;
	} want[] = {
		{ F_M_SEX, 1, "male female", 2 },
		{ F_POVERTY_STATUS, 0, "not_lifted lifted returned", 3 },
		{ F_MONITOR_CATEGORY, 0, "unstable marginal sudden", 3 },
		{ F_M_STATUS, 1, "present left", 2 },
		{ F_M_LEFT_REASON, 1, "deceased married_out moved duplicate", 4 },
		{ F_V_EVENT, 2, "none illness disaster accident", 4 },
		{ F_M_RELATION, 1, "head spouse son daughter daughter_in_law son_in_law father mother "
				   "grandson granddaughter grandson_ext granddaughter_ext grandfather "
				   "grandmother father_in_law mother_in_law father_in_law_h "
				   "mother_in_law_h sibling sibling_in_law uncle nephew niece other", 24 },
		{ F_MAIN_CAUSE, 0, "illness disability schooling disaster land water skills labour "
				   "funds transport drive other", 12 },
		{ F_M_HEALTH, 1, "healthy chronic serious disabled", 4 },
		{ F_M_SCHOOL, 1, "preschool kindergarten primary junior senior secondary_voc "
				 "higher_voc university dropout not_in_school", 10 },
		{ F_HOUSEHOLD_TYPE, 0, "general dibao wubao dibao_poor lifted_policy unstable "
				       "marginal sudden other", 9 },
		{ F_HOUSING_GRADE, 0, "A B C D", 4 },
	};
	form *f = NULL;

	(void)state;
	assert_int_equal(form_load("forms/household", &f, NULL, NULL), 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const form *in = want[i].sub ? f->subs[want[i].sub - 1] : f;
		const form_field *fld = form_field_find(in, want[i].field);
		char *names = strdup(want[i].names), *save = NULL;

		assert_non_null(fld);
		assert_non_null(fld->list);
		assert_int_equal(fld->list->nchoices, want[i].n);
		for (char *t = strtok_r(names, " ", &save); t; t = strtok_r(NULL, " ", &save))
			assert_non_null(form_choice_find(fld->list, t));
		free(names);
	}
	/* other_causes shares the cause list. */
	assert_ptr_equal(form_field_find(f, F_OTHER_CAUSES)->list,
			 form_field_find(f, F_MAIN_CAUSE)->list);
	assert_string_equal(form_choice_label(form_choice_find(form_field_find(f, F_MAIN_CAUSE)->list,
								"illness"), FC_LANG_ZH), "因病");
	assert_string_equal(form_label(form_field_find(f, F_HEAD_NAME), FC_LANG_EN), "Head's name");
	form_free(f);
}

/* Evaluate field `name` of form f for rec, as text. */
static void eval_text(const form *f, const char *name, const expr_ctx *ctx, fc_buf *out)
{
	const form_field *fld = form_field_find(f, name);
	expr_value v;
	fc_err err;

	assert_non_null(fld->calculation);
	buf_reset(out);
	if (expr_eval(fld->calculation, ctx, &v, &err) != 0)
		fail_msg("%s: %s", name, err.msg);
	expr_value_to_text(&v, out);
	expr_value_clear(&v);
}

/* The shipped calculations do what DOMAIN.md asks: members present counted
 * (a member who left is not), migrant pay × months per member, net income
 * net of costs, and income per head. */
static void test_form__shipped_calculations_evaluate(void **state)
{
	form *f = NULL;
	const form *m;
	record *hh, *a, *b, *gone;
	const record *kids[3];
	expr_ctx ctx;
	fc_buf out = FC_BUF_INIT;

	(void)state;
	assert_int_equal(form_load("forms/household", &f, NULL, NULL), 0);
	m = f->subs[0];
	hh = record_new(K_HOUSEHOLD, NULL, NULL);
	a = record_new(K_MEMBER, NULL, hh->id);
	b = record_new(K_MEMBER, NULL, hh->id);
	gone = record_new(K_MEMBER, NULL, hh->id);
	record_set(a, "birth_date", "1980-05-01");
	record_set(a, "migrant_pay", "3000");
	record_set(a, "migrant_months", "6");
	record_set(a, F_M_STATUS, C_PRESENT);
	record_set(b, F_M_STATUS, C_PRESENT);
	record_set(gone, F_M_STATUS, C_LEFT);
	record_set(gone, "migrant_pay", "1000");
	record_set(gone, "migrant_months", "12");

	memset(&ctx, 0, sizeof(ctx));
	ctx.form = m;
	ctx.schema = &form_expr_schema;
	ctx.parent = hh;
	ctx.parent_form = f;
	ctx.today = "2026-11-23";
	ctx.rec = a;
	eval_text(m, F_M_AGE, &ctx, &out);
	assert_string_equal(buf_cstr(&out), "46");
	eval_text(m, F_M_INCOME, &ctx, &out);
	assert_string_equal(buf_cstr(&out), "18000");
	record_set(a, F_M_INCOME, "18000");
	ctx.rec = gone;
	eval_text(m, F_M_INCOME, &ctx, &out);
	record_set(gone, F_M_INCOME, buf_cstr(&out));
	ctx.rec = b;
	eval_text(m, F_M_INCOME, &ctx, &out);
	assert_string_equal(buf_cstr(&out), "0");
	record_set(b, F_M_INCOME, "0");

	kids[0] = a;
	kids[1] = b;
	kids[2] = gone;
	memset(&ctx, 0, sizeof(ctx));
	ctx.rec = hh;
	ctx.form = f;
	ctx.schema = &form_expr_schema;
	ctx.children = kids;
	ctx.nchildren = 3;
	ctx.today = "2026-11-23";
	record_set(hh, "wage_income", "2000");
	record_set(hh, "business_income", "5000");
	record_set(hh, "production_cost", "1500");
	record_set(hh, "oop_spending", "500");
	eval_text(f, F_MEMBER_COUNT, &ctx, &out);
	assert_string_equal(buf_cstr(&out), "2");
	record_set(hh, F_MEMBER_COUNT, "2");
	eval_text(f, "migrant_income", &ctx, &out);
	assert_string_equal(buf_cstr(&out), "18000");
	record_set(hh, "migrant_income", "18000");
	eval_text(f, F_NET_INCOME, &ctx, &out);
	assert_string_equal(buf_cstr(&out), "23000");
	record_set(hh, F_NET_INCOME, "23000");
	eval_text(f, F_INCOME_PER_HEAD, &ctx, &out);
	assert_string_equal(buf_cstr(&out), "11500");
	/* Nobody present: no income per head rather than a division by 0. */
	record_set(hh, F_MEMBER_COUNT, "0");
	eval_text(f, F_INCOME_PER_HEAD, &ctx, &out);
	assert_string_equal(buf_cstr(&out), "");

	buf_free(&out);
	record_free(hh);
	record_free(a);
	record_free(b);
	record_free(gone);
	form_free(f);
}

static void test_form__set_and_kinds(void **state)
{
	form_set *s = NULL;
	fc_err err;
	form *f = NULL;

	(void)state;
	/* forms/ also holds rules.csv and README.md: skipped. */
	assert_int_equal(form_set_load("forms", &s, &err), 0);
	assert_int_equal(s->n, 1);
	assert_string_equal(form_set_kind(s, K_HOUSEHOLD)->id, K_HOUSEHOLD);
	assert_string_equal(form_set_kind(s, K_MEMBER)->id, K_MEMBER);
	assert_ptr_equal(form_set_kind(s, K_VISIT)->parent, form_set_kind(s, K_HOUSEHOLD));
	assert_ptr_equal(form_set_kind(s, K_FLAG)->parent, form_set_kind(s, K_HOUSEHOLD));
	assert_null(form_set_kind(s, "nope"));
	form_set_free(s);
	/* A sheet's path means its folder. */
	assert_int_equal(form_load("forms/household/survey.csv", &f, NULL, &err), 0);
	assert_string_equal(f->path, "forms/household");
	form_free(f);
	assert_int_equal(form_load("no/such/form", &f, NULL, &err), FC_ENOTFOUND);
}

/* Load a bad fixture, return its report (caller frees); check the first
 * error went into err. */
static char *load_bad(const char *dir, const char *first)
{
	fc_buf report = FC_BUF_INIT;
	fc_err err;
	form *f = (form *)1;

	fc_err_clear(&err);
	assert_int_equal(form_load(dir, &f, &report, &err), FC_EINVALID);
	assert_null(f);
	assert_string_equal(err.msg, first);
	return buf_detach(&report);
}

static void assert_line(const char *report, const char *line)
{
	if (!strstr(report, line))
		fail_msg("missing \"%s\" in report:\n%s", line, report);
}

static void test_form__field_errors_with_lines(void **state)
{
	char *r;

	(void)state;
	r = load_bad(BAD "bad_fields",
		     BAD "bad_fields/choices.csv:4: duplicate choice 'yes' in list 'yn' (first on line 2)");
	assert_line(r, BAD "bad_fields/survey.csv:3: unknown type 'geopoint'\n");
	assert_line(r, BAD "bad_fields/survey.csv:4: missing name (type integer)\n");
	assert_line(r, BAD "bad_fields/survey.csv:5: duplicate name 'ok_field' (first on line 2)\n");
	assert_line(r, BAD "bad_fields/survey.csv:6: 'id' is a reserved name");
	assert_line(r, BAD "bad_fields/survey.csv:7: select_one 'pick' needs a list name");
	assert_line(r, BAD "bad_fields/survey.csv:8: select_one 'colour' uses unknown list 'colours'");
	assert_line(r, BAD "bad_fields/survey.csv:9: calculate 'total' needs a calculation\n");
	assert_line(r, BAD "bad_fields/survey.csv:10: constraint of 'n': column ");
	assert_line(r, BAD "bad_fields/survey.csv:11: relevant of 't' refers to unknown field ${nope}\n");
	assert_line(r, BAD "bad_fields/survey.csv:12: relevant of 'u': column ");
	assert_true(strstr(strstr(r, "survey.csv:12:"), "pulldata") != NULL);
	assert_line(r, BAD "bad_fields/survey.csv:13: required of 'r' must be yes or no, not 'maybe'\n");
	/* The good lines raise nothing. */
	assert_null(strstr(r, "survey.csv:2:"));
	assert_null(strstr(r, "survey.csv:14:"));
	free(r);
}

static void test_form__unbalanced_blocks_name_the_begin(void **state)
{
	char *r;

	(void)state;
	r = load_bad(BAD "unbalanced",
		     BAD "unbalanced/survey.csv:4: end_repeat does not match begin_group 'outer' on line 2");
	assert_line(r, BAD "unbalanced/survey.csv:2: begin_group 'outer' has no end_group\n");
	assert_line(r, BAD "unbalanced/survey.csv:5: begin_repeat 'rep' has no end_repeat\n");
	free(r);
}

static void test_form__nested_repeat_refused(void **state)
{
	char *r;

	(void)state;
	r = load_bad(BAD "nested_repeat",
		     BAD "nested_repeat/survey.csv:4: repeat 'inner' inside repeat 'outer' (line 2): only one level of repeats is supported");
	free(r);
}

static void test_form__settings_need_id_and_version(void **state)
{
	char *r;

	(void)state;
	r = load_bad(BAD "bad_settings", BAD "bad_settings/settings.csv:2: settings need a form_id");
	assert_line(r, BAD "bad_settings/settings.csv:2: settings need a version\n");
	free(r);
}

static void test_form__broken_csv_reported(void **state)
{
	char *r;

	(void)state;
	r = load_bad(BAD "broken_csv",
		     BAD "broken_csv/survey.csv:2: unterminated quoted field starting at line 2");
	free(r);
}

static void test_form__household_missing_names_warn_only(void **state)
{
	fc_buf report = FC_BUF_INIT;
	fc_err err;
	form *f = NULL;

	(void)state;
	assert_int_equal(form_load(BAD "household_missing", &f, &report, &err), 0);
	assert_non_null(f);
	assert_line(buf_cstr(&report), BAD "household_missing/survey.csv:1: warning: unknown column 'colour_code' ignored\n");
	assert_line(buf_cstr(&report), BAD "household_missing/survey.csv:1: warning: household lacks field 'village_code'");
	assert_line(buf_cstr(&report), BAD "household_missing/survey.csv:1: warning: member lacks field 'sex'");
	assert_line(buf_cstr(&report), BAD "household_missing/survey.csv:1: warning: household form has no repeat 'visit'");
	assert_null(strstr(buf_cstr(&report), "lacks field 'province'"));
	buf_free(&report);
	form_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form__shipped_household_loads_clean),
		cmocka_unit_test(test_form__shipped_has_fields_h_names),
		cmocka_unit_test(test_form__shipped_choice_names),
		cmocka_unit_test(test_form__shipped_calculations_evaluate),
		cmocka_unit_test(test_form__set_and_kinds),
		cmocka_unit_test(test_form__field_errors_with_lines),
		cmocka_unit_test(test_form__unbalanced_blocks_name_the_begin),
		cmocka_unit_test(test_form__nested_repeat_refused),
		cmocka_unit_test(test_form__settings_need_id_and_version),
		cmocka_unit_test(test_form__broken_csv_reported),
		cmocka_unit_test(test_form__household_missing_names_warn_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
