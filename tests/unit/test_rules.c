/* test_rules.c — unit tests for rules.csv (sources, lookup by province and
 * income year, inherited thresholds) and the indicators of one household:
 * the five checks with hand-computed results, the monitoring suggestion,
 * the early warnings and the conditions of risk clearing. Run from the
 * repository root (tests/run.sh does). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fieldcard/fields.h"
#include "fieldcard/record.h"
#include "fieldcard/rules.h"

/* A record of kind with "name", value pairs, NULL-terminated. */
static record *mk(const char *kind, ...)
{
	record *r = record_new(kind, NULL, NULL);
	va_list ap;
	const char *n;

	va_start(ap, kind);
	while ((n = va_arg(ap, const char *)))
		record_set(r, n, va_arg(ap, const char *));
	va_end(ap);
	return r;
}

/* Write text to a temporary rules file and load it into *out (may be NULL
 * to free at once); returns the code. path receives the file name. */
static int load_text(const char *text, char *path, rules **out, fc_err *err)
{
	rules *r = NULL;
	FILE *f;
	int fd, rc;

	strcpy(path, "/tmp/fieldcard-rules-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	rc = rules_load(path, &r, err);
	unlink(path);
	if (out)
		*out = r;
	else
		rules_free(r);
	return rc;
}

#define HEADER "province,year,poverty_line,monitor_line,clear_months,drop_share,medical_share,visit_days,source\n"
/* Hand-chosen numbers: the tests below compute against these. */
#define TEST_RULES HEADER \
	"*,2026,5000,8200,6,0.3,0.5,90,test publication\n" \
	"贵州省,2026,5100,8400,,,,,test publication\n" \
	"*,2025,4800,7900,6,0.3,0.5,90,example\n"

static rules *load_test_rules(void)
{
	char path[64];
	rules *r = NULL;
	fc_err err;

	assert_int_equal(load_text(TEST_RULES, path, &r, &err), 0);
	return r;
}

static void test_rules__shipped_lines_have_sources(void **state)
{
	rules *r = NULL;
	fc_err err;

	(void)state;
	assert_int_equal(rules_load("forms/rules.csv", &r, &err), 0);
	for (size_t i = 0; i < r->n; i++)
		assert_true(r->lines[i].source[0] != '\0');
	/* The lines DOMAIN.md gives. */
	assert_true(rules_find(r, "*", 2010)->poverty_line == 2300);
	assert_true(rules_find(r, "*", 2015)->poverty_line == 2855);
	assert_true(rules_find(r, "*", 2021)->monitor_line == 6000);
	assert_string_not_equal(rules_find(r, "*", 2021)->source, "example");
	/* Nothing backs 2016–2020: no line stands in for them. */
	assert_null(rules_find(r, "*", 2018));
	assert_true(rules_examples(r) > 0);
	rules_free(r);
}

static void test_rules__find_exact_year_and_inherit(void **state)
{
	rules *r = load_test_rules();
	const rules_line *l;

	(void)state;
	l = rules_find(r, "贵州省", 2026);
	assert_string_equal(l->province, "贵州省");
	assert_true(l->poverty_line == 5100 && l->monitor_line == 8400);
	/* Empty thresholds on a province's line are the "*" line's. */
	assert_int_equal(l->clear_months, 6);
	assert_true(l->drop_share == 0.3 && l->medical_share == 0.5);
	assert_int_equal(l->visit_days, 90);
	/* Another province takes "*" of the same year. */
	assert_string_equal(rules_find(r, "河北省", 2026)->province, "*");
	/* 贵州 has no 2025 line of its own: "*"'s. */
	assert_true(rules_find(r, "贵州省", 2025)->poverty_line == 4800);
	/* A year without a line finds nothing: never the year before. */
	assert_null(rules_find(r, "贵州省", 2027));
	assert_null(rules_find(r, "*", 2024));
	assert_null(rules_find(NULL, "贵州省", 2026));
	assert_int_equal(rules_examples(r), 1);
	rules_free(r);
}

static void expect_error(const char *text, const char *msg_after_path)
{
	char path[64], want[320];
	fc_err err;

	assert_int_equal(load_text(text, path, NULL, &err), FC_EINVALID);
	snprintf(want, sizeof(want), "%s:%s", path, msg_after_path);
	assert_string_equal(err.msg, want);
}

static void test_rules__bad_files_name_the_line(void **state)
{
	char path[64];
	rules *r = NULL;
	fc_err err;

	(void)state;
	expect_error(HEADER "*,2021,4000,6000,,,,,s\n*,twenty,4000,6000,,,,,s\n",
		     "3: year must be a whole year such as 2024, not 'twenty'");
	expect_error(HEADER "*,2021,4000,6000,,,,,s\n\n贵州省,2021,,6000,,,,,s\n",
		     "4: poverty_line must be a positive number of yuan, not ''");
	expect_error(HEADER "*,2021,4000,lots,,,,,s\n",
		     "2: monitor_line must be a number of yuan or empty, not 'lots'");
	expect_error(HEADER "*,2021,4000,6000,,,,,s\n*,2021,4100,6100,,,,,s\n",
		     "3: * 2021 is already given on line 2");
	expect_error("province,year,poverty_line,monitor_line\n*,2021,4000,6000\n",
		     "1: the header must name the columns province,year,poverty_line,monitor_line,source");
	expect_error(HEADER ",2021,4000,6000,,,,,s\n",
		     "2: missing province (use * for every province)");
	expect_error(HEADER "贵州省,2026,8400,8400,,,,,\n",
		     "2: the line for 贵州省 2026 has no source: name the publication that set it, or write example for a demo value");
	expect_error(HEADER "*,2026,5000,8200,six,,,,s\n",
		     "2: clear_months must be a whole number from 0 to 120, or empty, not 'six'");
	expect_error(HEADER "*,2026,5000,8200,6,1.5,,,s\n",
		     "2: drop_share must be a number from 0 to 1, or empty, not '1.5'");
	expect_error(HEADER "\"*,2021,4000,6000\n", "2: unterminated quoted field starting at line 2");
	assert_int_equal(rules_load("/nonexistent/rules.csv", &r, &err), FC_ENOTFOUND);
	assert_non_null(strstr(err.msg, "/nonexistent/rules.csv: cannot open"));
	assert_int_equal(load_text(HEADER, path, NULL, &err), FC_EINVALID);
}

/* A lifted household in 贵州省 with an adult and a child, every check
 * passing, income year 2026 (line 5100, monitoring 8400). */
typedef struct fixture {
	record *hh, *adult, *child, *left, *visit;
	const record *children[4];
	size_t n;
} fixture;

static void good_household(fixture *x, const char *iph)
{
	x->hh = mk(K_HOUSEHOLD, F_PROVINCE, "贵州省", F_POVERTY_STATUS, C_LIFTED,
		   F_INCOME_YEAR, "2026", F_INCOME_PER_HEAD, iph, F_NET_INCOME, "18000",
		   F_HOUSING_GRADE, "B", F_RELOCATED, C_NO, F_SAFE_WATER, C_YES,
		   F_MEASURES, "industry", NULL);
	x->adult = mk(K_MEMBER, F_M_NAME, "张一", F_M_BIRTH, "1980-05-01", F_M_AGE, "46",
		      F_M_SCHOOL, "not_in_school", F_M_HEALTH, "healthy", F_M_MEDICAL, C_YES,
		      F_M_LABOUR, "normal", F_M_STATUS, C_PRESENT, NULL);
	x->child = mk(K_MEMBER, F_M_NAME, "张二", F_M_BIRTH, "2016-03-01", F_M_SCHOOL, "primary",
		      F_M_HEALTH, "healthy", F_M_MEDICAL, C_YES, F_M_LABOUR, "none",
		      F_M_STATUS, C_PRESENT, NULL);
	/* A member who left counts for nothing, not even missing insurance. */
	x->left = mk(K_MEMBER, F_M_BIRTH, "1950-01-01", F_M_MEDICAL, C_NO,
		     F_M_STATUS, C_LEFT, F_M_LEFT_REASON, "deceased", NULL);
	x->visit = mk(K_VISIT, F_V_DATE, "2026-10-01", F_V_EVENT, "none", NULL);
	x->children[0] = x->adult;
	x->children[1] = x->child;
	x->children[2] = x->left;
	x->children[3] = x->visit;
	x->n = 4;
}

static void fixture_free(fixture *x)
{
	record_free(x->hh);
	record_free(x->adult);
	record_free(x->child);
	record_free(x->left);
	record_free(x->visit);
}

#define TODAY "2026-11-23"
#define EN 1

static void ind_of(const rules *r, fixture *x, const char *today, rules_indicators *ind)
{
	assert_int_equal(rules_household(r, x->hh, x->children, x->n, today, EN, NULL, ind), 0);
}

static void test_rules__income_on_the_line(void **state)
{
	rules *r = load_test_rules();
	rules_indicators ind;
	fixture x;

	(void)state;
	good_household(&x, "5100");
	ind_of(r, &x, TODAY, &ind);
	assert_int_equal(ind.check[RULES_INCOME].state, RULES_PASS);
	assert_int_equal(ind.checks_pass, 1);
	assert_string_equal(ind.no_line, "");
	fixture_free(&x);

	good_household(&x, "5099");
	ind_of(r, &x, TODAY, &ind);
	assert_int_equal(ind.check[RULES_INCOME].state, RULES_FAIL);
	assert_string_equal(ind.check[RULES_INCOME].reason,
			    "income per head 5099.00 yuan is under the 2026 line of 5100 yuan");
	assert_int_equal(ind.checks_pass, 0);
	fixture_free(&x);

	/* The line is the income year's, not today's: a 2025 card checked in
	 * 2026 is held to 4800. */
	good_household(&x, "4850");
	record_set(x.hh, F_INCOME_YEAR, "2025");
	ind_of(r, &x, TODAY, &ind);
	assert_int_equal(ind.check[RULES_INCOME].state, RULES_PASS);
	assert_true(ind.line->poverty_line == 4800);
	fixture_free(&x);
	rules_free(r);
}

static void test_rules__no_line_is_said(void **state)
{
	rules *r = load_test_rules();
	rules_indicators ind;
	char want[256];
	fixture x;

	(void)state;
	good_household(&x, "100");
	record_set(x.hh, F_INCOME_YEAR, "2024");
	ind_of(r, &x, TODAY, &ind);
	assert_int_equal(ind.check[RULES_INCOME].state, RULES_UNKNOWN);
	snprintf(want, sizeof(want), "no income line for 贵州省 2024 in %s", r->path + 1); /* "tmp/fieldcard-rules-…": folder and name */
	assert_string_equal(ind.no_line, want);
	assert_string_equal(ind.check[RULES_INCOME].reason, want);
	assert_int_equal(ind.checks_pass, 0);
	/* In Chinese too. */
	assert_int_equal(rules_household(r, x.hh, x.children, x.n, TODAY, 0, NULL, &ind), 0);
	snprintf(want, sizeof(want), "%s 中没有贵州省 2024 年的收入线", r->path + 1);
	assert_string_equal(ind.no_line, want);
	/* Without a rules file at all, nothing passes silently either. */
	ind_of(NULL, &x, TODAY, &ind);
	assert_int_equal(ind.check[RULES_INCOME].state, RULES_UNKNOWN);
	assert_string_equal(ind.no_line, "no rules file (forms/rules.csv): income is not checked");
	fixture_free(&x);
	rules_free(r);
}

static void test_rules__education_needs_a_health_reason(void **state)
{
	rules *r = load_test_rules();
	rules_indicators ind;
	fixture x;

	(void)state;
	good_household(&x, "9000");
	/* 15 on the day of the check, out of school for illness: excused. */
	record_set(x.child, F_M_BIRTH, "2011-01-10");
	record_set(x.child, F_M_SCHOOL, "dropout");
	record_set(x.child, F_M_OOS_REASON, "illness");
	record_set(x.child, F_M_HEALTH, "chronic");
	ind_of(r, &x, TODAY, &ind);
	assert_int_equal(ind.check[RULES_EDUCATION].state, RULES_PASS);
	/* Seriously ill, but recorded as out of school for hardship: fails. */
	record_set(x.child, F_M_OOS_REASON, "hardship");
	record_set(x.child, F_M_HEALTH, "serious");
	ind_of(r, &x, TODAY, &ind);
	assert_int_equal(ind.check[RULES_EDUCATION].state, RULES_FAIL);
	assert_string_equal(ind.check[RULES_EDUCATION].reason,
			    "张二, aged 15, is out of school (reason: hardship)");
	fixture_free(&x);
	rules_free(r);
}

static void test_rules__age_crosses_16_between_checks(void **state)
{
	rules *r = load_test_rules();
	rules_indicators ind;
	fixture x;

	(void)state;
	good_household(&x, "9000");
	record_set(x.child, F_M_BIRTH, "2010-12-10");
	record_set(x.child, F_M_AGE, "15"); /* stale: what the last save computed */
	record_set(x.child, F_M_SCHOOL, "dropout");
	record_set(x.child, F_M_OOS_REASON, "work");
	ind_of(r, &x, "2026-12-09", &ind);
	assert_int_equal(ind.check[RULES_EDUCATION].state, RULES_FAIL);
	ind_of(r, &x, "2026-12-10", &ind);
	assert_int_equal(ind.check[RULES_EDUCATION].state, RULES_PASS);
	fixture_free(&x);
	rules_free(r);
}

static void test_rules__housing_medical_water(void **state)
{
	rules *r = load_test_rules();
	rules_indicators ind;
	fixture x;

	(void)state;
	good_household(&x, "9000");
	record_set(x.hh, F_HOUSING_GRADE, "C");
	record_set(x.hh, F_RELOCATED, C_YES);
	ind_of(r, &x, TODAY, &ind);
	assert_int_equal(ind.check[RULES_HOUSING].state, RULES_PASS);
	record_set(x.hh, F_RELOCATED, C_NO);
	ind_of(r, &x, TODAY, &ind);
	assert_int_equal(ind.check[RULES_HOUSING].state, RULES_FAIL);
	assert_string_equal(ind.check[RULES_HOUSING].reason, "housing grade C and not relocated");
	record_set(x.child, F_M_MEDICAL, C_NO);
	record_set(x.hh, F_SAFE_WATER, C_NO);
	ind_of(r, &x, TODAY, &ind);
	assert_int_equal(ind.check[RULES_MEDICAL].state, RULES_FAIL);
	assert_string_equal(ind.check[RULES_MEDICAL].reason, "no basic medical insurance: 张二");
	assert_int_equal(ind.check[RULES_WATER].state, RULES_FAIL);
	fixture_free(&x);
	rules_free(r);
}

static void test_rules__suggestions(void **state)
{
	rules *r = load_test_rules();
	rules_indicators ind;
	fixture x;

	(void)state;
	/* Lifted, one yuan under 贵州's 8400 monitoring line. */
	good_household(&x, "8399");
	ind_of(r, &x, TODAY, &ind);
	assert_string_equal(ind.suggest.kind, "unstable");
	assert_string_equal(ind.suggest.reason,
			    "lifted, but income per head 8399.00 yuan is under the 2026 monitoring line of 8400");
	assert_string_equal(ind.suggest.facts, "2026 8399.00");
	fixture_free(&x);
	good_household(&x, "8400");
	ind_of(r, &x, TODAY, &ind);
	assert_null(ind.suggest.kind);
	/* Already monitored in that category: nothing to suggest. */
	record_set(x.hh, F_INCOME_PER_HEAD, "8000");
	record_set(x.hh, F_MONITOR_CATEGORY, "unstable");
	ind_of(r, &x, TODAY, &ind);
	assert_null(ind.suggest.kind);
	/* Never identified and under the line: marginal. */
	record_set(x.hh, F_MONITOR_CATEGORY, "");
	record_set(x.hh, F_POVERTY_STATUS, "");
	ind_of(r, &x, TODAY, &ind);
	assert_string_equal(ind.suggest.kind, "marginal");
	/* A visit that records a serious illness comes first. */
	record_set(x.visit, F_V_EVENT, "illness");
	ind_of(r, &x, TODAY, &ind);
	assert_string_equal(ind.suggest.kind, "sudden");
	fixture_free(&x);
	rules_free(r);
}

static void test_rules__early_warnings(void **state)
{
	rules *r = load_test_rules();
	rules_past past = { 2025, 10000 };
	rules_indicators ind;
	fixture x;

	(void)state;
	good_household(&x, "7000"); /* 30% down from 10000: not more than 0.3 */
	assert_int_equal(rules_household(r, x.hh, x.children, x.n, TODAY, EN, &past, &ind), 0);
	assert_int_equal(ind.nwarn, 0);
	record_set(x.hh, F_INCOME_PER_HEAD, "6999");
	record_set(x.hh, F_OOP, "9001"); /* over half of 18000 */
	record_set(x.visit, F_V_FOLLOW_UP, "2026-11-01");
	assert_int_equal(rules_household(r, x.hh, x.children, x.n, TODAY, EN, &past, &ind), 0);
	assert_int_equal(ind.nwarn, 3);
	assert_string_equal(ind.warn[0].kind, "income_drop");
	assert_string_equal(ind.warn[0].reason,
			    "income per head fell from 10000.00 yuan in 2025 to 6999.00 in 2026 (30%, threshold 30%)");
	assert_string_equal(ind.warn[1].kind, "medical_share");
	assert_string_equal(ind.warn[2].kind, "follow_up");
	assert_string_equal(ind.warn[2].reason,
			    "the visit of 2026-10-01 set a follow-up for 2026-11-01, and none has been recorded");
	/* 91 days after the last visit: no visit for more than 90 days. */
	assert_int_equal(rules_household(r, x.hh, x.children, x.n, "2026-12-31", EN, &past, &ind), 0);
	assert_string_equal(ind.warn[ind.nwarn - 1].kind, "no_visit");
	assert_string_equal(ind.warn[ind.nwarn - 1].reason,
			    "no visit for 91 days (last 2026-10-01, threshold 90 days)");
	fixture_free(&x);
	rules_free(r);
}

/* A household monitored since January 2026, cleared on 2026-07-01: every
 * condition holds. */
static void clearing(fixture *x)
{
	good_household(x, "8401");
	record_set(x->hh, F_MONITOR_CATEGORY, "unstable");
	record_set(x->hh, F_MONITOR_DATE, "202601");
	record_set(x->hh, F_RISK_CLEARED, C_YES);
	record_set(x->hh, F_RISK_CLEARED_DATE, "2026-07-01");
}

static int clear_fails(const rules *r, fixture *x, char *why, size_t sz)
{
	rules_indicators ind;

	ind_of(r, x, TODAY, &ind);
	return rules_clear_problems(r, x->hh, x->children, x->n, TODAY, EN, &ind, why, sz);
}

static void test_rules__risk_clearing(void **state)
{
	rules *r = load_test_rules();
	char why[1024];
	fixture x;

	(void)state;
	clearing(&x);
	assert_int_equal(clear_fails(r, &x, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	/* Each condition on its own. */
	record_set(x.hh, F_RISK_CLEARED_DATE, "2026-06-30");
	assert_int_equal(clear_fails(r, &x, why, sizeof(why)), 1);
	assert_string_equal(why, "monitored 5 months, 6 are needed");
	record_set(x.hh, F_RISK_CLEARED_DATE, "2026-07-01");
	record_set(x.hh, F_MEASURES, "");
	assert_int_equal(clear_fails(r, &x, why, sizeof(why)), 1);
	assert_string_equal(why, "no assistance measure");
	record_set(x.hh, F_MEASURES, "industry");
	record_set(x.hh, F_INCOME_PER_HEAD, "8400");
	assert_int_equal(clear_fails(r, &x, why, sizeof(why)), 1);
	assert_string_equal(why, "income per head 8400.00 yuan is not above the monitoring line 8400");
	record_set(x.hh, F_INCOME_PER_HEAD, "8401");
	record_set(x.hh, F_SAFE_WATER, C_NO);
	assert_int_equal(clear_fails(r, &x, why, sizeof(why)), 1);
	assert_string_equal(why, "drinking water fails");
	record_set(x.hh, F_SAFE_WATER, C_YES);
	record_set(x.adult, F_M_LABOUR, "lost");
	assert_int_equal(clear_fails(r, &x, why, sizeof(why)), 1);
	assert_string_equal(why, "no member able to work");
	fixture_free(&x);
	/* Cleared "naturally" at 4,368 a head after 3 months: both named. */
	clearing(&x);
	record_set(x.hh, F_INCOME_PER_HEAD, "4368");
	record_set(x.hh, F_RISK_CLEARED_DATE, "2026-04-15");
	assert_int_equal(clear_fails(r, &x, why, sizeof(why)), 3);
	assert_string_equal(why, "monitored 3 months, 6 are needed; "
				 "income per head 4368.00 yuan is not above the monitoring line 8400; "
				 "food and clothing (income) fails");
	fixture_free(&x);
	rules_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules__shipped_lines_have_sources),
		cmocka_unit_test(test_rules__find_exact_year_and_inherit),
		cmocka_unit_test(test_rules__bad_files_name_the_line),
		cmocka_unit_test(test_rules__income_on_the_line),
		cmocka_unit_test(test_rules__no_line_is_said),
		cmocka_unit_test(test_rules__education_needs_a_health_reason),
		cmocka_unit_test(test_rules__age_crosses_16_between_checks),
		cmocka_unit_test(test_rules__housing_medical_water),
		cmocka_unit_test(test_rules__suggestions),
		cmocka_unit_test(test_rules__early_warnings),
		cmocka_unit_test(test_rules__risk_clearing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
