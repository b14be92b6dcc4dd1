/* test_rules.c — unit tests for rules.csv loading, lookup by province and
 * year, and the household indicators and monitoring flag. Run from the
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

static rules *load_shipped(void)
{
	rules *r = NULL;
	fc_err err;

	assert_int_equal(rules_load("forms/rules.csv", &r, &err), 0);
	return r;
}

static void test_rules__load_and_find(void **state)
{
	rules *r = load_shipped();
	const rules_line *l;

	(void)state;
	assert_true(r->n >= 13);
	l = rules_find(r, "贵州省", 2023);
	assert_string_equal(l->province, "贵州省");
	assert_true(l->monitor_line == 7500);
	/* Another province takes the "*" line. */
	l = rules_find(r, "河北省", 2023);
	assert_string_equal(l->province, "*");
	assert_true(l->monitor_line == 7300);
	/* A province without a line for that year falls back to "*". */
	l = rules_find(r, "贵州省", 2022);
	assert_string_equal(l->province, "*");
	assert_true(l->monitor_line == 6900);
	assert_int_equal(rules_find(r, "*", 2021)->monitor_line, 6000);
	/* The newest line not after the year. */
	l = rules_find(r, "", 2012);
	assert_int_equal(l->year, 2010);
	assert_true(l->poverty_line == 2300);
	assert_true(l->monitor_line == 0);
	assert_true(rules_find(r, NULL, 2015)->poverty_line == 2855);
	assert_int_equal(rules_find(r, "河北省", 2040)->year, 2026);
	assert_null(rules_find(r, "河北省", 2009));
	assert_null(rules_find(NULL, "河北省", 2020));
	rules_free(r);
}

/* Write text to a temporary rules file and load it; returns the code. */
static int load_text(const char *text, char *path, fc_err *err)
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
	rules_free(r);
	unlink(path);
	return rc;
}

static void expect_error(const char *text, const char *msg_after_path)
{
	char path[64], want[256];
	fc_err err;

	assert_int_equal(load_text(text, path, &err), FC_EINVALID);
	snprintf(want, sizeof(want), "%s:%s", path, msg_after_path);
	assert_string_equal(err.msg, want);
}

static void test_rules__bad_files_name_the_line(void **state)
{
	(void)state;
	expect_error("province,year,poverty_line,monitor_line\n*,2021,4000,6000\n*,twenty,4000,6000\n",
		     "3: year must be a whole year such as 2024, not 'twenty'");
	expect_error("province,year,poverty_line,monitor_line\n*,2021,4000,6000\n\n贵州省,2021,,6000\n",
		     "4: poverty_line must be a positive number of yuan, not ''");
	expect_error("province,year,poverty_line,monitor_line\n*,2021,4000,lots\n",
		     "2: monitor_line must be a number of yuan or empty, not 'lots'");
	expect_error("province,year,poverty_line,monitor_line\n*,2021,4000,6000\n*,2021,4100,6100\n",
		     "3: * 2021 is already given on line 2");
	expect_error("province,year,line\n*,2021,4000\n",
		     "1: the header must name the columns province,year,poverty_line,monitor_line");
	expect_error("province,year,poverty_line,monitor_line\n,2021,4000,6000\n",
		     "2: missing province (use * for every province)");
	expect_error("province,year,poverty_line,monitor_line\n\"*,2021,4000,6000\n",
		     "2: unterminated quoted field starting at line 2");
	{
		char path[64];
		fc_err err;
		rules *r = NULL;

		assert_int_equal(rules_load("/nonexistent/rules.csv", &r, &err), FC_ENOTFOUND);
		assert_non_null(strstr(err.msg, "/nonexistent/rules.csv: cannot open"));
		assert_int_equal(load_text("province,year,poverty_line,monitor_line\n", path, &err),
				 FC_EINVALID);
	}
}

/* A lifted household in Guizhou with two members, all checks passing. */
typedef struct fixture {
	record *hh, *adult, *child, *left, *visit;
	const record *children[4];
	size_t n;
} fixture;

static void good_household(fixture *x, const char *iph)
{
	x->hh = mk(K_HOUSEHOLD, F_PROVINCE, "贵州省", F_POVERTY_STATUS, C_LIFTED,
		   F_INCOME_PER_HEAD, iph, F_NET_INCOME, "18000", F_HOUSING_GRADE, "B",
		   F_RELOCATED, C_NO, F_SAFE_WATER, C_YES, NULL);
	x->adult = mk(K_MEMBER, F_M_BIRTH, "1980-05-01", F_M_AGE, "46",
		      F_M_SCHOOL, "not_in_school", F_M_HEALTH, "healthy", F_M_MEDICAL, C_YES,
		      F_M_STATUS, C_PRESENT, NULL);
	x->child = mk(K_MEMBER, F_M_BIRTH, "2016-03-01", F_M_SCHOOL, "primary",
		      F_M_HEALTH, "healthy", F_M_MEDICAL, C_YES, F_M_STATUS, C_PRESENT, NULL);
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

static void test_rules__all_checks_pass(void **state)
{
	rules *r = load_shipped();
	rules_indicators ind;
	fixture x;

	(void)state;
	good_household(&x, "9000");
	assert_int_equal(rules_household(r, x.hh, x.children, x.n, TODAY, &ind), 0);
	assert_true(ind.income_ok && ind.education_ok && ind.medical_ok && ind.housing_ok && ind.water_ok);
	assert_true(ind.income_per_head == 9000);
	assert_true(ind.monitor_line == 8400); /* 贵州省 2026 */
	assert_null(ind.flag);
	fixture_free(&x);
	rules_free(r);
}

static void test_rules__income_per_head_from_net_income(void **state)
{
	rules *r = load_shipped();
	rules_indicators ind;
	fixture x;

	(void)state;
	/* Not calculated yet: net income over the two members present. */
	good_household(&x, "");
	rules_household(r, x.hh, x.children, x.n, TODAY, &ind);
	assert_true(ind.income_per_head == 9000);
	assert_null(ind.flag);
	fixture_free(&x);
	rules_free(r);
}

static void test_rules__lifted_under_monitor_line_is_unstable(void **state)
{
	rules *r = load_shipped();
	rules_indicators ind;
	fixture x;

	(void)state;
	good_household(&x, "8000");
	rules_household(r, x.hh, x.children, x.n, TODAY, &ind);
	assert_true(ind.income_ok);          /* above the 5000 poverty line */
	assert_string_equal(ind.flag, "unstable");
	/* Under the poverty line itself the food-and-clothing check fails. */
	fixture_free(&x);
	good_household(&x, "4000");
	rules_household(r, x.hh, x.children, x.n, TODAY, &ind);
	assert_false(ind.income_ok);
	fixture_free(&x);
	rules_free(r);
}

static void test_rules__failed_checks(void **state)
{
	rules *r = load_shipped();
	rules_indicators ind;
	fixture x;

	(void)state;
	/* A 10-year-old who dropped out: education fails, lifted -> unstable. */
	good_household(&x, "9000");
	record_set(x.child, F_M_SCHOOL, "dropout");
	rules_household(r, x.hh, x.children, x.n, TODAY, &ind);
	assert_false(ind.education_ok);
	assert_string_equal(ind.flag, "unstable");
	/* ... unless for health. */
	record_set(x.child, F_M_HEALTH, "disabled");
	rules_household(r, x.hh, x.children, x.n, TODAY, &ind);
	assert_true(ind.education_ok);
	assert_null(ind.flag);

	fixture_free(&x);
	good_household(&x, "9000");
	record_set(x.adult, F_M_MEDICAL, C_NO);
	rules_household(r, x.hh, x.children, x.n, TODAY, &ind);
	assert_false(ind.medical_ok);

	fixture_free(&x);
	good_household(&x, "9000");
	record_set(x.hh, F_HOUSING_GRADE, "D");
	rules_household(r, x.hh, x.children, x.n, TODAY, &ind);
	assert_false(ind.housing_ok);
	record_set(x.hh, F_RELOCATED, C_YES);
	rules_household(r, x.hh, x.children, x.n, TODAY, &ind);
	assert_true(ind.housing_ok);

	fixture_free(&x);
	good_household(&x, "9000");
	record_set(x.hh, F_SAFE_WATER, C_NO);
	rules_household(r, x.hh, x.children, x.n, TODAY, &ind);
	assert_false(ind.water_ok);
	assert_string_equal(ind.flag, "unstable");
	fixture_free(&x);
	rules_free(r);
}

static void test_rules__marginal_and_sudden(void **state)
{
	rules *r = load_shipped();
	rules_indicators ind;
	fixture x;

	(void)state;
	/* Never identified poor, under the monitoring line. */
	good_household(&x, "7000");
	record_set(x.hh, F_POVERTY_STATUS, "");
	rules_household(r, x.hh, x.children, x.n, TODAY, &ind);
	assert_string_equal(ind.flag, "marginal");
	/* Still poor (not lifted): already in the register, no flag. */
	record_set(x.hh, F_POVERTY_STATUS, "not_lifted");
	rules_household(r, x.hh, x.children, x.n, TODAY, &ind);
	assert_null(ind.flag);

	/* A visit this year recorded a disaster. */
	fixture_free(&x);
	good_household(&x, "9000");
	record_set(x.visit, F_V_EVENT, "disaster");
	rules_household(r, x.hh, x.children, x.n, TODAY, &ind);
	assert_string_equal(ind.flag, "sudden");
	/* More than a year ago: no longer suggested. */
	record_set(x.visit, F_V_DATE, "2025-11-01");
	rules_household(r, x.hh, x.children, x.n, TODAY, &ind);
	assert_null(ind.flag);
	fixture_free(&x);
	rules_free(r);
}

static void test_rules__no_rules_no_income_check(void **state)
{
	rules_indicators ind;
	fixture x;

	(void)state;
	good_household(&x, "100");
	rules_household(NULL, x.hh, x.children, x.n, TODAY, &ind);
	assert_true(ind.income_ok);
	assert_true(ind.monitor_line == 0);
	assert_null(ind.flag);
	fixture_free(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules__load_and_find),
		cmocka_unit_test(test_rules__bad_files_name_the_line),
		cmocka_unit_test(test_rules__all_checks_pass),
		cmocka_unit_test(test_rules__income_per_head_from_net_income),
		cmocka_unit_test(test_rules__lifted_under_monitor_line_is_unstable),
		cmocka_unit_test(test_rules__failed_checks),
		cmocka_unit_test(test_rules__marginal_and_sudden),
		cmocka_unit_test(test_rules__no_rules_no_income_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
