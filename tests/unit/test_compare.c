/* test_compare.c — unit tests for the comparison with other departments'
 * lists (app/report/compare*.c): the shipped compare.csv and a bad one;
 * a list read and checked whole (FILE:LINE for each problem, the ID
 * number masked); the matcher against a store: a head in the roster is
 * one hit on the member record, a head in no roster a hit on the
 * household, a 20-digit certificate its holder, a member who left no
 * hit, a stranger nothing. Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fieldcard/app.h"
#include "fieldcard/compare.h"
#include "fieldcard/fields.h"
#include "fieldcard/util.h"

#define HH1 "01KAH000000000000000000001"
#define HH2 "01KAH000000000000000000002"
#define M0 "01KAM000000000000000000000"
#define M1 "01KAM000000000000000000001"
#define M2 "01KAM000000000000000000002"
#define VILLAGE "522701105201"
#define HEAD_ID "522701196503120414"
#define WIFE_ID "522701199007010025"
#define HEAD2_ID "522701198008080434"
#define GRAN_ID "522701194005050629"
#define STRANGER "522701197707070716"

typedef struct fixture {
	char dir[64];
	fc_app *a;
	const compare_kind *vehicle, *disability;
	compare_kinds *kinds;
} fixture;

#define OK(call) do { fc_err e_; fc_err_clear(&e_); \
	int rc_ = (call); if (rc_) fail_msg("%s: %d %s", #call, rc_, e_.msg); } while (0)
#define ERR (&e_)

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not found in '%s'", needle, hay);
}

static void save(fixture *f, record *r, const char *const (*kv)[2], size_t n)
{
	for (size_t i = 0; i < n; i++)
		record_set(r, kv[i][0], kv[i][1]);
	app_autofill_id(f->a, r, NULL);
	OK(app_save(f->a, r, NULL, ERR));
	record_free(r);
}

static void household(fixture *f, const char *id, const char *head, const char *head_id)
{
	const char *const kv[][2] = {
		{ F_PROVINCE, "贵州省" }, { "village", "平桥村" }, { F_HEAD_NAME, head },
		{ F_HEAD_ID, head_id }, { F_HOUSEHOLD_TYPE, "general" }, { F_MAIN_CAUSE, "funds" },
		{ F_HOUSING_GRADE, "A" }, { F_RELOCATED, "no" }, { F_SAFE_WATER, "yes" },
		{ "sells_online", "no" }, { F_POVERTY_STATUS, "lifted" }, { F_ID_YEAR, "2015" },
		{ "floor_area", "80" },
	};

	save(f, app_record_new(f->a, K_HOUSEHOLD, id, NULL, VILLAGE), kv, sizeof(kv) / sizeof(kv[0]));
}

static void member(fixture *f, const char *id, const char *parent, const char *name,
		   const char *idn, const char *rel, const char *status)
{
	const char *const kv[][2] = {
		{ F_M_NAME, name }, { F_M_ID, idn }, { F_M_RELATION, rel }, { F_M_HEALTH, "healthy" },
		{ F_M_LABOUR, "normal" }, { F_M_MEDICAL, "yes" }, { F_M_STATUS, status },
		{ F_M_LEFT_REASON, strcmp(status, "left") ? "" : "deceased" },
	};

	save(f, app_record_new(f->a, K_MEMBER, id, parent, NULL), kv, sizeof(kv) / sizeof(kv[0]));
}

static int setup(void **state)
{
	fixture *f = util_calloc(1, sizeof(*f));
	char *db;
	store *s = NULL;
	fc_err err;

	setenv("FIELDCARD_NOW", "2026-11-23T10:00:00Z", 1);
	if (!getenv("FIELDCARD_FORMS"))
		setenv("FIELDCARD_FORMS", "forms", 1);
	snprintf(f->dir, sizeof(f->dir), "/tmp/fc-compare.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	db = util_asprintf("%s/fieldcard.db", f->dir);
	assert_int_equal(store_open(db, &s, &err), 0);
	assert_int_equal(store_meta_set(s, "lang", "en", &err), 0);
	assert_int_equal(store_meta_set(s, "role", "cadre", &err), 0);
	assert_int_equal(store_meta_set(s, "principal", "cadre-test", &err), 0);
	store_close(s);
	free(db);
	if (app_open(f->dir, &f->a, &err))
		fail_msg("app_open: %s", err.msg);
	if (compare_kinds_load("forms/compare.csv", &f->kinds, NULL, &err))
		fail_msg("compare.csv: %s", err.msg);
	f->vehicle = compare_kind_find(f->kinds, "vehicle");
	f->disability = compare_kind_find(f->kinds, "disability");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char *cmd = util_asprintf("rm -rf '%s'", f->dir);

	compare_kinds_free(f->kinds);
	app_close(f->a);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(cmd);
	free(f);
	return 0;
}

static char *list_file(fixture *f, const char *name, const char *text)
{
	char *path = util_asprintf("%s/%s", f->dir, name);
	FILE *o = fopen(path, "wb");

	assert_non_null(o);
	fputs(text, o);
	fclose(o);
	return path;
}

static void test_compare__shipped_kinds(void **state)
{
	fixture *f = *state;
	const compare_kind *k;
	static const char *const want[] = { "vehicle", "real_estate", "business", "payroll",
					     "medical_insurance", "school", "disability", "death" };

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_non_null(compare_kind_find(f->kinds, want[i]));
	assert_int_equal(f->vehicle->effect, COMPARE_AGAINST);
	assert_string_equal(f->vehicle->check, "");
	assert_string_equal(f->vehicle->text[FC_LANG_ZH], "该成员名下登记有机动车，请核实家庭经济状况");
	k = compare_kind_find(f->kinds, "death");
	assert_int_equal(k->effect, COMPARE_CONTRADICTS);
	assert_string_equal(k->check, "present");
	k = compare_kind_find(f->kinds, "medical_insurance");
	assert_int_equal(k->effect, COMPARE_CONFIRMS);
	assert_string_equal(k->check, "medical");
	assert_string_equal(f->vehicle->id_columns[0], "身份证号");
	assert_null(compare_kind_find(f->kinds, "boats"));
}

static void test_compare__bad_kinds_file(void **state)
{
	fixture *f = *state;
	char *p = list_file(f, "compare.csv",
			    "kind,label::zh,effect,check,text::zh,id_columns\n"
			    "vehicle,车辆,against,medical,x,身份证号\n"
			    "vehicle,车,confirms,medical,y,身份证号\n"
			    "death,死亡,contradicts,,z,\n");
	fc_buf rep = FC_BUF_INIT;
	compare_kinds *k = NULL;
	fc_err err;

	fc_err_clear(&err);
	assert_int_equal(compare_kinds_load(p, &k, &rep, &err), FC_EINVALID);
	assert_null(k);
	assert_contains(err.msg, "compare.csv:2: kind 'vehicle' counts against the household: leave check empty");
	assert_contains(buf_cstr(&rep), "compare.csv:3: kind 'vehicle' twice (first on line 2)");
	assert_contains(buf_cstr(&rep), "compare.csv:4: kind 'death' contradicts a check");
	assert_contains(buf_cstr(&rep), "compare.csv:4: kind 'death' names no ID-number column");
	buf_free(&rep);
	free(p);
}

static void test_compare__list_problems_name_file_and_line(void **state)
{
	fixture *f = *state;
	char *p = list_file(f, "veh.csv",
			    "身份证号,姓名,号牌号码\n"
			    HEAD_ID ",张三,黔J1\n"
			    "522701196503120415,张三,黔J2\n"
			    HEAD_ID ",张三,黔J1\n"
			    WIFE_ID ",刘芳\n"
			    ",无名,黔J3\n"
			    "5227011965031204,短,黔J4\n");
	fc_buf rep = FC_BUF_INIT;
	compare_list *l = NULL;
	fc_err err;

	fc_err_clear(&err);
	assert_int_equal(compare_list_read(p, f->vehicle, FC_LANG_EN, &l, &rep, &err), FC_EINVALID);
	assert_null(l);
	assert_contains(err.msg, "5 problems, the first: ");
	assert_contains(err.msg, "veh.csv:3: ID number 522701********0415: wrong check digit");
	assert_contains(buf_cstr(&rep), "veh.csv:4: the same row as line 2");
	assert_contains(buf_cstr(&rep), "veh.csv:5: 2 cells, but the header has 3 columns");
	assert_contains(buf_cstr(&rep), "veh.csv:6: no ID number in this row");
	assert_contains(buf_cstr(&rep), "veh.csv:7: ID number 522701******1204: must be an 18-digit");
	assert_null(strstr(buf_cstr(&rep), "522701196503120415"));
	buf_free(&rep);
	free(p);
	p = list_file(f, "noid.csv", "姓名,号牌号码\n张三,黔J1\n");
	fc_err_clear(&err);
	assert_int_equal(compare_list_read(p, f->vehicle, FC_LANG_EN, &l, NULL, &err), FC_EINVALID);
	assert_contains(err.msg, "noid.csv:1: no ID-number column: the header has none of 身份证号");
	free(p);
	p = list_file(f, "empty.csv", "");
	fc_err_clear(&err);
	assert_int_equal(compare_list_read(p, f->vehicle, FC_LANG_EN, &l, NULL, &err), FC_EINVALID);
	assert_contains(err.msg, "empty.csv:1: the file is empty");
	free(p);
	/* Two vehicles of one person are two rows, not a duplicate; a lower-case
	 * x and spaces are a typist's, not a mistake. */
	p = list_file(f, "two.csv", "证件号码,号牌号码\n" HEAD_ID ",黔J1\n" HEAD_ID ",黔J2\n"
			  " 52270119770707002x ,黔J9\n");
	OK(compare_list_read(p, f->vehicle, FC_LANG_EN, &l, NULL, ERR));
	assert_int_equal(compare_list_rows(l), 3);
	compare_list_free(l);
	free(p);
}

typedef struct seen {
	fc_buf b;
} seen;

static int on_hit(const compare_hit *h, void *ud)
{
	buf_printf(&((seen *)ud)->b, "%d %s [%s] %s %s\n", h->line, h->household, h->member,
		   h->village, h->facts);
	return 0;
}

static void test_compare__matcher(void **state)
{
	fixture *f = *state;
	compare_counts c;
	compare_list *l = NULL;
	seen s = { FC_BUF_INIT };
	char *p;

	household(f, HH1, "张三", HEAD_ID);
	member(f, M0, HH1, "张三", HEAD_ID, "head", "present");
	member(f, M1, HH1, "刘芳", WIFE_ID, "spouse", "present");
	member(f, M2, HH1, "张奶奶", GRAN_ID, "mother", "left");
	household(f, HH2, "李四", HEAD2_ID);
	p = list_file(f, "cdpf.csv", "残疾人证号,残疾类别\n"
			  HEAD_ID "11,肢体\n"      /* the head, in the roster: one hit on M0 */
			  WIFE_ID "21,视力\n"      /* a 20-digit certificate: its holder */
			  GRAN_ID "11,听力\n"      /* a member who left: no hit */
			  HEAD2_ID "31,言语\n"     /* a head in no roster: the household */
			  STRANGER "11,肢体\n");   /* nobody */
	OK(compare_list_read(p, f->disability, FC_LANG_EN, &l, NULL, ERR));
	OK(compare_match(f->a, l, on_hit, &s, &c, ERR));
	assert_int_equal(c.rows, 5);
	assert_int_equal(c.hits, 3);
	assert_int_equal(c.nobody, 1);
	assert_int_equal(c.left_only, 1);
	assert_string_equal(buf_cstr(&s.b),
			    "2 " HH1 " [" M0 "] " VILLAGE " 残疾类别: 肢体\n"
			    "3 " HH1 " [" M1 "] " VILLAGE " 残疾类别: 视力\n"
			    "5 " HH2 " [] " VILLAGE " 残疾类别: 言语\n");
	compare_list_free(l);
	buf_free(&s.b);
	free(p);
}

/* A person with several rows (two vehicles) keeps every row through the
 * index's growth: 3,000 rows, the same person's three early on. */
static void test_compare__big_list_with_a_person_on_several_rows(void **state)
{
	fixture *f = *state;
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	fc_buf text = FC_BUF_INIT;
	compare_counts c;
	compare_list *l = NULL;
	seen s = { FC_BUF_INIT };
	char *p;

	household(f, HH2, "李四", HEAD2_ID);
	buf_adds(&text, "身份证号,号牌号码\n");
	for (int i = 0; i < 3000; i++) {
		char id[32];
		int sum = 0;

		if (i == 5 || i == 700 || i == 2999) {
			buf_printf(&text, "%s,黔J%05d\n", HEAD2_ID, i);
			continue;
		}
		snprintf(id, sizeof(id), "5227011960%02u%02u%03u", 1 + (unsigned)i % 12,
			 1 + (unsigned)i % 28, (unsigned)i % 1000);
		for (int k = 0; k < 17; k++)
			sum += (id[k] - '0') * w[k];
		id[17] = "10X98765432"[sum % 11];
		id[18] = '\0';
		buf_printf(&text, "%s,黔A%05d\n", id, i);
	}
	p = list_file(f, "big.csv", buf_cstr(&text));
	OK(compare_list_read(p, f->vehicle, FC_LANG_EN, &l, NULL, ERR));
	assert_int_equal(compare_list_rows(l), 3000);
	OK(compare_match(f->a, l, on_hit, &s, &c, ERR));
	assert_int_equal(c.hits, 3);
	assert_int_equal(c.nobody, 2997);
	assert_string_equal(buf_cstr(&s.b), "7 " HH2 " [] " VILLAGE " 号牌号码: 黔J00005\n"
					    "702 " HH2 " [] " VILLAGE " 号牌号码: 黔J00700\n"
					    "3001 " HH2 " [] " VILLAGE " 号牌号码: 黔J02999\n");
	compare_list_free(l);
	buf_free(&s.b);
	buf_free(&text);
	free(p);
}

static void test_compare__facts_mask_other_id_numbers(void **state)
{
	fixture *f = *state;
	compare_counts c;
	compare_list *l = NULL;
	seen s = { FC_BUF_INIT };
	char *p;

	household(f, HH2, "李四", HEAD2_ID);
	p = list_file(f, "veh.csv", "身份证号,共有人身份证号,号牌号码\n" HEAD2_ID "," STRANGER ",黔J1\n");
	OK(compare_list_read(p, f->vehicle, FC_LANG_EN, &l, NULL, ERR));
	OK(compare_match(f->a, l, on_hit, &s, &c, ERR));
	assert_string_equal(buf_cstr(&s.b), "2 " HH2 " [] " VILLAGE
			    " 共有人身份证号: 522701********0716; 号牌号码: 黔J1\n");
	compare_list_free(l);
	buf_free(&s.b);
	free(p);
}

static void test_compare__run_refuses_a_cadre_and_an_unknown_kind(void **state)
{
	fixture *f = *state;
	compare_result res;
	fc_err err;
	char *p = list_file(f, "veh.csv", "身份证号\n" HEAD_ID "\n");

	fc_err_clear(&err);
	assert_int_equal(compare_run(f->a, p, "vehicle", &res, NULL, &err), FC_EINVALID);
	assert_contains(err.msg, "county staff's work");
	free(f->a->role);
	f->a->role = util_strdup("county");
	fc_err_clear(&err);
	assert_int_equal(compare_run(f->a, p, "boats", &res, NULL, &err), FC_EINVALID);
	assert_contains(err.msg, "unknown source kind 'boats'");
	assert_contains(err.msg, "vehicle, real_estate, business, payroll, medical_insurance, school, "
				 "disability, death");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_compare__shipped_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare__bad_kinds_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare__list_problems_name_file_and_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compare__matcher, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare__big_list_with_a_person_on_several_rows,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare__facts_mask_other_id_numbers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_compare__run_refuses_a_cadre_and_an_unknown_kind,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
