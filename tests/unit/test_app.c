/* test_app.c — unit tests for the model (app/model/app.c): the one door a
 * typed record goes through (app_save refuses a value the form refuses,
 * with the field's own message, and stores nothing), the door for signed
 * records (app_put_arrived keeps them byte for byte even when they break a
 * rule), new-record defaults and ID-number autofill, and the check of a
 * typed value without a save (app_check_typed, used by resolve). */
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
#include "fieldcard/fields.h"
#include "fieldcard/util.h"

#define HH1 "01KAH000000000000000000001"
#define M1 "01KAM000000000000000000001"
#define VILLAGE "522701105201"
/* Test IDs with a good check digit: born 1965-03-12, male (odd 17th
 * digit); born 1990-07-01, female (even 17th digit). */
#define HEAD_ID "522701196503120414"
#define WIFE_ID "522701199007010025"

typedef struct fixture {
	char dir[64];
	fc_app *a;
} fixture;

#define OK(call) do { fc_err e_; fc_err_clear(&e_); \
	int rc_ = (call); if (rc_) fail_msg("%s: %d %s", #call, rc_, e_.msg); } while (0)
#define ERR (&e_)

static int setup(void **state)
{
	fixture *f = util_calloc(1, sizeof(*f));
	char *db;
	store *s = NULL;
	fc_err err;

	setenv("FIELDCARD_NOW", "2026-11-23T10:00:00Z", 1);
	if (!getenv("FIELDCARD_FORMS"))
		setenv("FIELDCARD_FORMS", "forms", 1);
	snprintf(f->dir, sizeof(f->dir), "/tmp/fc-app.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	/* A data directory with a store only: app_open needs no more. */
	db = util_asprintf("%s/fieldcard.db", f->dir);
	assert_int_equal(store_open(db, &s, &err), 0);
	assert_int_equal(store_meta_set(s, "lang", "en", &err), 0);
	assert_int_equal(store_meta_set(s, "role", "cadre", &err), 0);
	assert_int_equal(store_meta_set(s, "principal", "cadre-test", &err), 0);
	store_close(s);
	free(db);
	if (app_open(f->dir, &f->a, &err))
		fail_msg("app_open: %s", err.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char *cmd = util_asprintf("rm -rf '%s'", f->dir);

	app_close(f->a);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(cmd);
	free(f);
	return 0;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not found in '%s'", needle, hay);
}

/* A household that passes every rule, saved. */
static void save_household(fixture *f)
{
	record *r = app_record_new(f->a, K_HOUSEHOLD, HH1, NULL, VILLAGE);
	const char *kv[][2] = {
		{ F_PROVINCE, "贵州省" }, { "village", "平桥村" }, { F_HEAD_NAME, "张三" },
		{ F_HEAD_ID, HEAD_ID }, { F_HOUSEHOLD_TYPE, "general" }, { F_MAIN_CAUSE, "funds" },
		{ F_HOUSING_GRADE, "A" }, { F_RELOCATED, "no" }, { F_SAFE_WATER, "yes" },
		{ "sells_online", "no" }, { F_POVERTY_STATUS, "lifted" }, { F_ID_YEAR, "2015" },
		{ "floor_area", "80" },
	};

	assert_non_null(r);
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		record_set(r, kv[i][0], kv[i][1]);
	OK(app_save(f->a, r, NULL, ERR));
	record_free(r);
}

static int count_audit(const store_audit *a, void *ud)
{
	(void)a;
	(*(int *)ud)++;
	return 0;
}

static int audit_rows(fixture *f, const char *id)
{
	int n = 0;

	OK(store_history(f->a->st, id, count_audit, &n, ERR));
	return n;
}

static void test_app__save_refuses_a_bad_typed_value(void **state)
{
	fixture *f = *state;
	char *before = NULL, *after = NULL;
	record *r = NULL;
	int audit, pending, pending_after;
	fc_err err;

	save_household(f);
	OK(store_get_canonical(f->a->st, HH1, &before, ERR));
	audit = audit_rows(f, HH1);
	OK(store_pending_count(f->a->st, &pending, ERR));
	OK(store_get(f->a->st, HH1, &r, ERR));
	record_set(r, "floor_area", "-5");
	fc_err_clear(&err);
	assert_int_equal(app_save(f->a, r, NULL, &err), FC_EINVALID);
	/* The field's own message (constraint_message::en), naming record and field. */
	assert_contains(err.msg, "record " HH1 " field floor_area");
	assert_contains(err.msg, "Area must be between 0 and 2000");
	OK(store_get_canonical(f->a->st, HH1, &after, ERR));
	assert_string_equal(after, before);
	assert_int_equal(audit_rows(f, HH1), audit);
	OK(store_pending_count(f->a->st, &pending_after, ERR));
	assert_int_equal(pending_after, pending);
	record_free(r);
	free(before);
	free(after);
}

static void test_app__set_fields_refuses_spaces_for_a_required_value(void **state)
{
	fixture *f = *state;
	char *arg = util_strdup(F_HEAD_NAME "=  ");
	record *r = NULL;
	fc_err err;

	save_household(f);
	fc_err_clear(&err);
	assert_int_equal(app_set_fields(f->a, HH1, &arg, 1, NULL, &err), FC_EINVALID);
	assert_contains(err.msg, "field head_name");
	assert_contains(err.msg, "required");
	OK(store_get(f->a->st, HH1, &r, ERR));
	assert_string_equal(record_val(r, F_HEAD_NAME), "张三");
	record_free(r);
	free(arg);
}

static void test_app__put_arrived_keeps_a_record_that_fails_a_rule(void **state)
{
	fixture *f = *state;
	char *text = NULL, *signed_text, *back = NULL;
	const char *path = "villages/" VILLAGE "/0/1/" HH1 "/household";
	record *out = NULL;
	val_report rep;
	fc_err err;

	save_household(f);
	OK(store_get_canonical(f->a->st, HH1, &text, ERR));
	/* The signed county record says -5: stored as it is, not refused. */
	signed_text = util_asprintf("%.*s", (int)(strstr(text, "floor_area: 80") - text), text);
	{
		char *rest = strstr(text, "floor_area: 80") + strlen("floor_area: 80");
		char *t = util_asprintf("%sfloor_area: -5%s", signed_text, rest);

		free(signed_text);
		signed_text = t;
	}
	OK(app_put_arrived(f->a, path, signed_text, strlen(signed_text), "county-wang",
			   STORE_SYNCED, &out, ERR));
	assert_non_null(out);
	assert_string_equal(record_val(out, "floor_area"), "-5");
	OK(store_get_canonical(f->a->st, HH1, &back, ERR));
	assert_string_equal(back, signed_text);
	/* ... and its error is there for `check` and the card to list. */
	val_report_init(&rep);
	fc_err_clear(&err);
	assert_int_equal(app_check_typed(f->a, out, NULL, &rep, &err), FC_EINVALID);
	assert_contains(err.msg, "field floor_area");
	val_report_free(&rep);
	/* Not a record at all: refused, naming the path. */
	fc_err_clear(&err);
	assert_int_equal(app_put_arrived(f->a, path, "garbage\n", 8, "x", STORE_SYNCED, NULL, &err),
			 FC_EINVALID);
	assert_contains(err.msg, path);
	record_free(out);
	free(text);
	free(signed_text);
	free(back);
}

static void test_app__new_records_get_the_defaults(void **state)
{
	fixture *f = *state;
	record *hh = app_record_new(f->a, K_HOUSEHOLD, NULL, NULL, VILLAGE);
	record *m = app_record_new(f->a, K_MEMBER, NULL, HH1, NULL);
	record *v = app_record_new(f->a, K_VISIT, NULL, HH1, NULL);

	assert_non_null(hh);
	assert_non_null(m);
	assert_non_null(v);
	assert_int_equal(strlen(hh->id), 26);
	assert_string_equal(record_val(hh, F_VILLAGE_CODE), VILLAGE);
	assert_string_equal(record_val(m, F_M_ID_TYPE), "resident");
	assert_string_equal(record_val(m, "ethnicity"), "han");
	assert_string_equal(record_val(m, F_M_STATUS), C_PRESENT);
	assert_string_equal(m->parent, HH1);
	assert_string_equal(record_val(v, F_V_DATE), "2026-11-23");
	assert_string_equal(record_val(v, F_V_VISITORS), "cadre-test");
	assert_string_equal(record_val(v, F_V_EVENT), "none");
	/* Calculated fields are left to app_save. */
	assert_string_equal(record_val(m, F_M_AGE), "");
	assert_null(app_record_new(f->a, "no-such-kind", NULL, NULL, NULL));
	record_free(hh);
	record_free(m);
	record_free(v);
}

static void test_app__id_number_fills_birth_date_and_sex(void **state)
{
	fixture *f = *state;
	record *m = app_record_new(f->a, K_MEMBER, M1, HH1, NULL);

	record_set(m, F_M_ID, WIFE_ID);
	assert_int_equal(app_autofill_id(f->a, m, F_M_ID), 2);
	assert_string_equal(record_val(m, F_M_BIRTH), "1990-07-01");
	assert_string_equal(record_val(m, F_M_SEX), C_FEMALE);
	/* What a person put there stays. */
	record_set(m, F_M_BIRTH, "1990-07-02");
	record_set(m, F_M_SEX, C_MALE);
	assert_int_equal(app_autofill_id(f->a, m, NULL), 0);
	assert_string_equal(record_val(m, F_M_BIRTH), "1990-07-02");
	assert_string_equal(record_val(m, F_M_SEX), C_MALE);
	/* A number with a bad check digit fills nothing. */
	record_set(m, F_M_BIRTH, "");
	record_set(m, F_M_SEX, "");
	record_set(m, F_M_ID, "522701199007010026");
	assert_int_equal(app_autofill_id(f->a, m, NULL), 0);
	assert_string_equal(record_val(m, F_M_BIRTH), "");
	record_free(m);
}

static void test_app__check_typed_names_only_its_field(void **state)
{
	fixture *f = *state;
	record *r = NULL;
	char *before = NULL, *after = NULL;
	fc_err err;

	save_household(f);
	OK(store_get_canonical(f->a->st, HH1, &before, ERR));
	OK(store_get(f->a->st, HH1, &r, ERR));
	record_set(r, "head_phone", "13900001111139abc");
	fc_err_clear(&err);
	assert_int_equal(app_check_typed(f->a, r, "head_phone", NULL, &err), FC_EINVALID);
	assert_contains(err.msg, "record " HH1 " field head_phone");
	/* An error on another field is not this value's: it does not block. */
	record_set(r, "head_phone", "13900001111");
	record_set(r, "floor_area", "-5");
	OK(app_check_typed(f->a, r, "head_phone", NULL, ERR));
	fc_err_clear(&err);
	assert_int_equal(app_check_typed(f->a, r, "floor_area", NULL, &err), FC_EINVALID);
	assert_contains(err.msg, "Area must be between 0 and 2000");
	/* A check saves nothing and leaves r as it was. */
	assert_string_equal(record_val(r, "floor_area"), "-5");
	OK(store_get_canonical(f->a->st, HH1, &after, ERR));
	assert_string_equal(after, before);
	record_free(r);
	free(before);
	free(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_app__save_refuses_a_bad_typed_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_app__set_fields_refuses_spaces_for_a_required_value,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_app__put_arrived_keeps_a_record_that_fails_a_rule,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_app__new_records_get_the_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_app__id_number_fills_birth_date_and_sex, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_app__check_typed_names_only_its_field, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
