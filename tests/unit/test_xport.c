/* test_xport.c — unit tests for import/export (xport) and the demo village
 * (demo): CSV and JSON Lines rows becoming records, messages with file,
 * line, record and field, all-or-nothing imports, export columns, and a
 * demo village that is valid, consistent and the same for the same seed. */
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
#include "fieldcard/demo.h"
#include "fieldcard/fields.h"
#include "fieldcard/util.h"
#include "fieldcard/validate.h"
#include "fieldcard/xport.h"

#define HH1 "01KAH000000000000000000001"
#define HH2 "01KAH000000000000000000002"
#define HEAD1 "522701196503120414"
#define COLS "id,province,village,village_code,head_name,head_id_number,household_type," \
	"poverty_status,main_cause,wage_income,housing_grade,relocated,safe_water,sells_online,id_year\n"
#define ROW(id, wage, year) id ",贵州省,平桥村,522701105201,张三," HEAD1 \
	",general,lifted,funds," wage ",A,no,yes,no," year "\n"

typedef struct fixture {
	char dir[64];
	fc_app *a;
	fc_buf report;
} fixture;

/* A data directory with a store only: app_open needs no more. */
static fc_app *open_app(const char *dir)
{
	char *db = util_asprintf("%s/fieldcard.db", dir);
	store *s = NULL;
	fc_app *a = NULL;
	fc_err err;

	assert_int_equal(store_open(db, &s, &err), 0);
	assert_int_equal(store_meta_set(s, "lang", "en", &err), 0);
	assert_int_equal(store_meta_set(s, "principal", "cadre-test", &err), 0);
	store_close(s);
	free(db);
	assert_int_equal(app_open(dir, &a, &err), 0);
	return a;
}

static int setup(void **state)
{
	fixture *f = util_calloc(1, sizeof(*f));

	setenv("FIELDCARD_NOW", "2026-11-23T10:00:00Z", 1);
	if (!getenv("FIELDCARD_FORMS"))
		setenv("FIELDCARD_FORMS", "forms", 1);
	snprintf(f->dir, sizeof(f->dir), "/tmp/fc-xport.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->a = open_app(f->dir);
	buf_init(&f->report);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char *cmd = util_asprintf("rm -rf '%s'", f->dir);

	app_close(f->a);
	buf_free(&f->report);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(cmd);
	free(f);
	return 0;
}

/* Import text as if it were the file `where`. */
static int import_text(fixture *f, const char *where, const char *kind, const char *text,
		       xport_result *res)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	fc_err err;
	int rc;

	assert_non_null(in);
	buf_reset(&f->report);
	rc = xport_import_stream(f->a, in, where, kind, XPORT_AUTO, res, &f->report, &err);
	fclose(in);
	return rc;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not found in:\n%s", needle, hay);
}

static void test_xport__csv_row_becomes_record(void **state)
{
	fixture *f = *state;
	xport_result res;
	record *r = NULL;
	fc_err err;

	assert_int_equal(import_text(f, "in.csv", NULL, COLS ROW(HH1, "12000", "2015"), &res), 0);
	assert_int_equal(res.added, 1);
	assert_int_equal(res.updated, 0);
	assert_int_equal(store_get(f->a->st, HH1, &r, &err), 0);
	assert_string_equal(r->kind, "household");
	assert_string_equal(record_val(r, F_HEAD_NAME), "张三");
	assert_string_equal(record_val(r, F_VILLAGE_CODE), "522701105201");
	assert_string_equal(record_val(r, "wage_income"), "12000");
	/* Calculated as the UI would: the file did not say it. */
	assert_string_equal(record_val(r, F_NET_INCOME), "12000");
	record_free(r);
}

static void test_xport__reimport_updates(void **state)
{
	fixture *f = *state;
	xport_result res;
	record *r = NULL;
	fc_err err;

	assert_int_equal(import_text(f, "in.csv", NULL, COLS ROW(HH1, "12000", "2015"), &res), 0);
	assert_int_equal(import_text(f, "in.csv", NULL, COLS ROW(HH1, "15000", "2015"), &res), 0);
	assert_int_equal(res.added, 0);
	assert_int_equal(res.updated, 1);
	assert_int_equal(store_get(f->a->st, HH1, &r, &err), 0);
	assert_string_equal(record_val(r, "wage_income"), "15000");
	record_free(r);
}

static void test_xport__unknown_column_named(void **state)
{
	fixture *f = *state;
	xport_result res;

	assert_int_equal(import_text(f, "in.csv", "household",
				     "id,head_name,colour\n" HH1 ",张三,red\n", &res), FC_EINVALID);
	assert_contains(buf_cstr(&f->report), "in.csv:1: unknown column 'colour'");
}

static void test_xport__missing_required_column(void **state)
{
	fixture *f = *state;
	xport_result res;

	assert_int_equal(import_text(f, "in.csv", "household", "head_name\n张三\n", &res),
			 FC_EINVALID);
	assert_contains(buf_cstr(&f->report),
			"in.csv:1: missing required column(s) for household records:");
	assert_contains(buf_cstr(&f->report), "village_code");
}

static void test_xport__cell_count(void **state)
{
	fixture *f = *state;
	xport_result res;

	assert_int_equal(import_text(f, "in.csv", NULL,
				     COLS ROW(HH1, "1", "2015") HH2 ",贵州省\n", &res), FC_EINVALID);
	assert_contains(buf_cstr(&f->report), "in.csv:3: 2 cells, header has 15");
}

static void test_xport__bad_value_names_line_record_field_and_rolls_back(void **state)
{
	fixture *f = *state;
	xport_result res;
	record *r = NULL;
	fc_err err;

	assert_int_equal(import_text(f, "in.csv", NULL,
				     COLS ROW(HH1, "12000", "2015") ROW(HH2, "12000", "abc"), &res),
			 FC_EINVALID);
	assert_contains(buf_cstr(&f->report), "in.csv:3: record " HH2 " field id_year: ");
	assert_int_equal(res.bad_rows, 1);
	/* The good first row must not be there: one transaction. */
	assert_int_equal(store_get(f->a->st, HH1, &r, &err), FC_ENOTFOUND);
}

static void test_xport__jsonl_line_numbers(void **state)
{
	fixture *f = *state;
	xport_result res;

	assert_int_equal(import_text(f, "in.jsonl", NULL,
				     "{\"form\":\"household\",\"id\":\"" HH1 "\",\"fields\":{}}\n"
				     "\n"
				     "{\"form\":\"household\",\"id\":\n", &res), FC_EINVALID);
	assert_contains(buf_cstr(&f->report), "in.jsonl:3: invalid JSON at column");
	assert_contains(buf_cstr(&f->report), "in.jsonl:1: record " HH1 " field ");
}

static void test_xport__jsonl_record(void **state)
{
	fixture *f = *state;
	xport_result res;
	record *r = NULL;
	fc_err err;

	assert_int_equal(import_text(f, "in.csv", NULL, COLS ROW(HH1, "12000", "2015"), &res), 0);
	assert_int_equal(import_text(f, "in.jsonl", NULL,
				     "{\"form\":\"visit\",\"id\":\"01KAV000000000000000000001\","
				     "\"parent\":\"" HH1 "\",\"fields\":{\"visit_date\":\"2026-03-02\","
				     "\"visitors\":\"马磊\",\"purpose\":\"regular\",\"place_note\":null}}\n",
				     &res), 0);
	assert_int_equal(res.added, 1);
	assert_int_equal(store_get(f->a->st, "01KAV000000000000000000001", &r, &err), 0);
	assert_string_equal(r->parent, HH1);
	assert_string_equal(record_val(r, F_V_PURPOSE), "regular");
	assert_string_equal(record_val(r, F_V_EVENT), "none"); /* the form's default */
	record_free(r);
}

static void test_xport__member_needs_existing_parent(void **state)
{
	fixture *f = *state;
	xport_result res;

	assert_int_equal(import_text(f, "m.csv", "member",
				     "id,parent,name\n01KAM000000000000000000001," HH2 ",李四\n", &res),
			 FC_EINVALID);
	assert_contains(buf_cstr(&f->report),
			"m.csv:2: record 01KAM000000000000000000001 field parent: household " HH2
			" does not exist");
	assert_int_equal(import_text(f, "m.csv", "member", "id,name\n01KAM000000000000000000001,李四\n",
				     &res), FC_EINVALID);
	assert_contains(buf_cstr(&f->report), "m.csv:1: missing column parent");
}

/* A member and a visit made by import start as the form screen starts
 * them (app_record_new) and an ID number fills birth date and sex as
 * typing it does (app_autofill_id): the same values, field by field. */
static void test_xport__new_rows_get_the_forms_defaults_and_autofill(void **state)
{
	fixture *f = *state;
	const char *mid = "01KAM000000000000000000001", *vid = "01KAV000000000000000000001";
	const char *wife = "522701199007010025"; /* born 1990-07-01, female */
	record *got = NULL, *want;
	xport_result res;
	fc_err err;

	assert_int_equal(import_text(f, "in.csv", NULL, COLS ROW(HH1, "12000", "2015"), &res), 0);
	assert_int_equal(import_text(f, "m.csv", "member",
				     "id,parent,name,id_number,sex,birth_date,relationship,health,"
				     "labour_ability,medical_insurance\n01KAM000000000000000000001," HH1
				     ",李芳,522701199007010025,,,spouse,healthy,normal,yes\n", &res), 0);
	assert_int_equal(store_get(f->a->st, mid, &got, &err), 0);
	/* What the form screen would hold before the cadre saves. */
	want = app_record_new(f->a, K_MEMBER, mid, HH1, NULL);
	record_set(want, F_M_ID, wife);
	assert_int_equal(app_autofill_id(f->a, want, F_M_ID), 2);
	assert_string_equal(record_val(got, F_M_BIRTH), "1990-07-01");
	for (size_t i = 0; i < want->n; i++)
		assert_string_equal(record_val(got, want->names[i]), want->values[i]);
	record_free(got);
	record_free(want);

	assert_int_equal(import_text(f, "v.csv", "visit", "id,parent,purpose\n01KAV000000000000000000001,"
				     HH1 ",regular\n", &res), 0);
	assert_int_equal(store_get(f->a->st, vid, &got, &err), 0);
	want = app_record_new(f->a, K_VISIT, vid, HH1, NULL);
	for (size_t i = 0; i < want->n; i++)
		assert_string_equal(record_val(got, want->names[i]), want->values[i]);
	assert_string_equal(record_val(got, F_V_VISITORS), "cadre-test");
	record_free(got);
	record_free(want);
}

static void test_xport__export_csv_columns(void **state)
{
	fixture *f = *state;
	xport_result res;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	long n = 0;
	fc_err err;

	assert_int_equal(import_text(f, "in.csv", NULL,
				     COLS ROW(HH2, "1", "2015") ROW(HH1, "2", "2016"), &res), 0);
	assert_int_equal(xport_export_stream(f->a, "household", XPORT_CSV, out, &n, &err), 0);
	fclose(out);
	assert_int_equal(n, 2);
	{
		const char *head = "id,parent,province,city,county,township,village,village_code,";

		assert_true(!strncmp(text, head, strlen(head)));
	}
	/* id order, not file order */
	assert_non_null(strstr(text, "\n" HH1 ",,贵州省"));
	assert_true(strstr(text, "\n" HH1 ",") < strstr(text, "\n" HH2 ","));
	free(text);
}

static void test_xport__id_number_check_digit(void **state)
{
	char id[19];

	(void)state;
	demo_id_number("522701", "1965-03-12", 41, id);
	assert_string_equal(id, "522701196503120414");
	demo_id_number("110105", "1949-12-31", 2, id);
	assert_string_equal(id, "11010519491231002X");
	assert_true(val_id_valid(id));
	assert_int_equal(val_id_sex(id), 'F');
}

typedef struct village_check {
	const fc_app *a;
	int members, bad_id, households, heads_ok;
} village_check;

static int check_member(const record *r, void *ud)
{
	village_check *v = ud;
	const char *id = record_val(r, F_M_ID);
	char birth[11];

	v->members++;
	if (!val_id_valid(id) || val_id_birth(id, birth) ||
	    strcmp(birth, record_val(r, F_M_BIRTH)) ||
	    val_id_sex(id) != (!strcmp(record_val(r, F_M_SEX), C_MALE) ? 'M' : 'F'))
		v->bad_id++;
	return 0;
}

static int check_household(const record *r, void *ud)
{
	village_check *v = ud;
	app_household h;
	val_report rep;
	fc_err err;
	int heads = 0;

	v->households++;
	assert_int_equal(app_household_load((fc_app *)v->a, r->id, &h, &err), 0);
	for (size_t i = 0; i < h.nchildren; i++)
		if (!strcmp(h.children[i]->kind, K_MEMBER) &&
		    !strcmp(record_val(h.children[i], F_M_RELATION), "head"))
			heads++;
	v->heads_ok += heads == 1;
	val_report_init(&rep);
	assert_int_equal(val_household(app_form(v->a, K_HOUSEHOLD), h.hh,
				       (const record *const *)h.children, h.nchildren, v->a->rules,
				       app_today(), v->a->lang, &rep, &err), 0);
	if (rep.nerrors)
		fail_msg("household %s: %s", r->id, rep.items[0].message);
	val_report_free(&rep);
	app_household_free(&h);
	return 0;
}

static char *export_all(fc_app *a)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	fc_err err;

	assert_int_equal(xport_export_stream(a, "household", XPORT_JSONL, out, NULL, &err), 0);
	assert_int_equal(xport_export_stream(a, "member", XPORT_JSONL, out, NULL, &err), 0);
	assert_int_equal(xport_export_stream(a, "visit", XPORT_JSONL, out, NULL, &err), 0);
	fclose(out);
	return text;
}

static void test_xport__demo_village_valid_and_deterministic(void **state)
{
	fixture *f = *state;
	village_check v = { f->a, 0, 0, 0, 0 };
	demo_stats st;
	fc_err err;
	char dir2[64] = "/tmp/fc-xport2.XXXXXX", *cmd, *one, *two;
	fc_app *b;

	assert_int_equal(demo_generate_stats(f->a, "522701105201", 20, 7, &st, &err), 0);
	assert_int_equal(st.households, 20);
	assert_true(st.members >= 20 && st.members <= 140);
	assert_true(st.visits >= 20 && st.visits <= 80);
	assert_int_equal(store_each(f->a->st, K_MEMBER, NULL, check_member, &v, &err), 0);
	assert_int_equal(v.members, st.members);
	assert_int_equal(v.bad_id, 0);
	assert_int_equal(store_each(f->a->st, K_HOUSEHOLD, NULL, check_household, &v, &err), 0);
	assert_int_equal(v.households, 20);
	assert_int_equal(v.heads_ok, 20);

	/* Same seed, same date: the same village, byte for byte. */
	assert_non_null(mkdtemp(dir2));
	b = open_app(dir2);
	assert_int_equal(demo_generate(b, "522701105201", 20, 7, &err), 0);
	one = export_all(f->a);
	two = export_all(b);
	assert_string_equal(one, two);
	free(one);
	free(two);
	app_close(b);
	cmd = util_asprintf("rm -rf '%s'", dir2);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(demo_generate(f->a, "52ab", 5, 1, &err), FC_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_xport__csv_row_becomes_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xport__reimport_updates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xport__unknown_column_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xport__missing_required_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xport__cell_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xport__bad_value_names_line_record_field_and_rolls_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_xport__jsonl_line_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xport__jsonl_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xport__member_needs_existing_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xport__new_rows_get_the_forms_defaults_and_autofill,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_xport__export_csv_columns, setup, teardown),
		cmocka_unit_test(test_xport__id_number_check_digit),
		cmocka_unit_test_setup_teardown(test_xport__demo_village_valid_and_deterministic,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
