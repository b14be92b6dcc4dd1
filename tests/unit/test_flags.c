/* test_flags.c — unit tests for flags on households (app/model/flags.c): a
 * flag raised on a household or one of its members is listed with the
 * person it is about; a decision needs a note, names who and when, goes
 * through the one door (audit, pending queue) and can be changed; the
 * household's type and status never move with it; a village that is not
 * the device's is refused; a flag's fields cannot be typed with `set`. */
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
#include "fieldcard/flags.h"
#include "fieldcard/util.h"

#define HH1 "01KAH000000000000000000001"
#define M1 "01KAM000000000000000000001"
#define VILLAGE "522701105201"
#define HEAD_ID "522701196503120414"
#define WIFE_ID "522701199007010025"

typedef struct fixture {
	char dir[64];
	fc_app *a;
} fixture;

#define OK(call) do { fc_err e_; fc_err_clear(&e_); \
	int rc_ = (call); if (rc_) fail_msg("%s: %d %s", #call, rc_, e_.msg); } while (0)
#define ERR (&e_)

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

	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		record_set(r, kv[i][0], kv[i][1]);
	OK(app_save(f->a, r, NULL, ERR));
	record_free(r);
}

static void save_member(fixture *f)
{
	record *m = app_record_new(f->a, K_MEMBER, M1, HH1, NULL);
	const char *kv[][2] = {
		{ F_M_NAME, "刘芳" }, { F_M_ID, WIFE_ID }, { F_M_RELATION, "spouse" },
		{ F_M_HEALTH, "healthy" }, { F_M_LABOUR, "normal" }, { F_M_MEDICAL, "yes" },
	};

	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		record_set(m, kv[i][0], kv[i][1]);
	app_autofill_id(f->a, m, NULL);
	OK(app_save(f->a, m, NULL, ERR));
	record_free(m);
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
	snprintf(f->dir, sizeof(f->dir), "/tmp/fc-flags.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	db = util_asprintf("%s/fieldcard.db", f->dir);
	assert_int_equal(store_open(db, &s, &err), 0);
	assert_int_equal(store_meta_set(s, "lang", "en", &err), 0);
	assert_int_equal(store_meta_set(s, "role", "cadre", &err), 0);
	assert_int_equal(store_meta_set(s, "principal", "cadre-test", &err), 0);
	assert_int_equal(store_meta_set(s, "villages", VILLAGE, &err), 0);
	store_close(s);
	free(db);
	if (app_open(f->dir, &f->a, &err))
		fail_msg("app_open: %s", err.msg);
	save_household(f);
	save_member(f);
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

/* What a listing saw, as one line per flag. */
static int collect(const flags_flag *fl, void *ud)
{
	buf_printf(ud, "%s %s %s %s [%s] %s %s|%s|%s|%s\n", fl->household, fl->kind, fl->state,
		   fl->person_id, fl->member, fl->person_name, fl->reason, fl->facts, fl->note,
		   fl->village);
	return 0;
}

static char *listing(fixture *f, const char *village, int open_only)
{
	fc_buf b = FC_BUF_INIT;

	OK(flags_list(f->a, village, open_only, collect, &b, ERR));
	return buf_detach(&b);
}

static void test_flags__raised_flags_name_their_person(void **state)
{
	fixture *f = *state;
	char *id1 = NULL, *id2 = NULL, *text;
	record *r = NULL;

	OK(flags_raise(f->a, HH1, "vehicle", NULL, "名下有车", "号牌: 黔J12345", "car.csv 车辆",
		       NULL, NULL, &id1, ERR));
	OK(flags_raise(f->a, HH1, "death", M1, "死亡登记", "死亡日期: 2026-01-02", "d.csv 死亡",
		       NULL, NULL, &id2, ERR));
	assert_non_null(id1);
	assert_non_null(id2);
	OK(store_get(f->a->st, id1, &r, ERR));
	assert_string_equal(r->kind, K_FLAG);
	assert_string_equal(r->parent, HH1);
	assert_string_equal(record_val(r, F_FLAG_STATE), C_FLAG_OPEN);
	assert_string_equal(record_val(r, F_FLAG_DATE), "2026-11-23");
	assert_string_equal(record_val(r, F_FLAG_SOURCE), "car.csv 车辆");
	record_free(r);
	text = listing(f, NULL, 0);
	assert_contains(text, HH1 " vehicle open " HEAD_ID " [] 张三 名下有车|号牌: 黔J12345||" VILLAGE);
	assert_contains(text, HH1 " death open " WIFE_ID " [" M1 "] 刘芳 死亡登记");
	free(text);
	/* The household's own flags, for `show`. */
	{
		fc_buf b = FC_BUF_INIT;

		OK(flags_of_household(f->a, HH1, collect, &b, ERR));
		assert_int_equal(strlen(buf_cstr(&b)) > 0, 1);
		buf_free(&b);
	}
	free(id1);
	free(id2);
}

static void test_flags__decision_needs_a_note_and_is_an_audited_edit(void **state)
{
	fixture *f = *state;
	char *id = NULL, *text, *hh_before = NULL;
	record *r = NULL, *hh = NULL;
	int pending;
	fc_err err;

	OK(flags_raise(f->a, HH1, "vehicle", NULL, "名下有车", "号牌: 黔J12345", "car.csv 车辆",
		       NULL, NULL, &id, ERR));
	OK(store_get(f->a->st, HH1, &hh, ERR));
	hh_before = util_strdup(record_val(hh, F_HOUSEHOLD_TYPE));
	record_free(hh);
	fc_err_clear(&err);
	assert_int_equal(flags_decide(f->a, id, C_FLAG_CONFIRMED, "", &err), FC_EINVALID);
	assert_contains(err.msg, "a note is needed");
	fc_err_clear(&err);
	assert_int_equal(flags_decide(f->a, id, C_FLAG_DISMISSED, "   ", &err), FC_EINVALID);
	assert_contains(err.msg, "a note is needed");
	fc_err_clear(&err);
	assert_int_equal(flags_decide(f->a, id, "maybe", "note", &err), FC_EINVALID);
	OK(store_get(f->a->st, id, &r, ERR));
	assert_string_equal(record_val(r, F_FLAG_STATE), C_FLAG_OPEN);
	record_free(r);

	OK(flags_decide(f->a, id, C_FLAG_CONFIRMED, "车辆为其子所有，已核实", ERR));
	OK(store_get(f->a->st, id, &r, ERR));
	assert_string_equal(record_val(r, F_FLAG_STATE), C_FLAG_CONFIRMED);
	assert_string_equal(record_val(r, F_FLAG_NOTE), "车辆为其子所有，已核实");
	assert_string_equal(record_val(r, F_FLAG_BY), "cadre-test");
	assert_string_equal(record_val(r, F_FLAG_AT), "2026-11-23T10:00:00Z");
	record_free(r);
	OK(store_pending_count(f->a->st, &pending, ERR));
	assert_true(pending >= 1);
	text = listing(f, VILLAGE, 1);
	assert_string_equal(text, "");
	free(text);

	/* A change of mind is a new edit. */
	setenv("FIELDCARD_NOW", "2026-11-24T08:30:00Z", 1);
	OK(flags_decide(f->a, id, C_FLAG_DISMISSED, "车已于2025年过户", ERR));
	OK(store_get(f->a->st, id, &r, ERR));
	assert_string_equal(record_val(r, F_FLAG_STATE), C_FLAG_DISMISSED);
	assert_string_equal(record_val(r, F_FLAG_AT), "2026-11-24T08:30:00Z");
	record_free(r);
	/* The household's type is not the flag's to change. */
	OK(store_get(f->a->st, HH1, &hh, ERR));
	assert_string_equal(record_val(hh, F_HOUSEHOLD_TYPE), hh_before);
	assert_string_equal(record_val(hh, F_POVERTY_STATUS), "lifted");
	record_free(hh);
	free(hh_before);
	free(id);
}

static void test_flags__unknown_flags_villages_and_typed_fields_are_refused(void **state)
{
	fixture *f = *state;
	char *id = NULL, *arg;
	fc_err err;

	fc_err_clear(&err);
	assert_int_equal(flags_decide(f->a, "01KAF000000000000000000009", C_FLAG_CONFIRMED, "x", &err),
			 FC_EINVALID);
	assert_contains(err.msg, "no flag 01KAF000000000000000000009");
	fc_err_clear(&err);
	assert_int_equal(flags_decide(f->a, HH1, C_FLAG_CONFIRMED, "x", &err), FC_EINVALID);
	fc_err_clear(&err);
	assert_int_equal(flags_list(f->a, "522701105299", 0, collect, NULL, &err), FC_EINVALID);
	assert_contains(err.msg, "522701105299 is not one of this device's villages (" VILLAGE ")");
	/* A member of another household, a decision without a note. */
	fc_err_clear(&err);
	assert_int_equal(flags_raise(f->a, HH1, "vehicle", "01KAM000000000000000000077", "r", "", "s",
				     NULL, NULL, NULL, &err), FC_EINVALID);
	assert_contains(err.msg, "is not one of its members");
	fc_err_clear(&err);
	assert_int_equal(flags_raise(f->a, HH1, "unstable", NULL, "r", "", "rules",
				     C_FLAG_DISMISSED, " ", NULL, &err), FC_EINVALID);
	assert_contains(err.msg, "a note is needed");
	/* Raised already decided (the rules engineer's use). */
	OK(flags_raise(f->a, HH1, "unstable", NULL, "收入低于监测线", "人均 5800", "rules",
		       C_FLAG_DISMISSED, "已有稳定务工收入", &id, ERR));
	/* `set` cannot type a flag's fields. */
	arg = util_strdup(F_FLAG_STATE "=open");
	fc_err_clear(&err);
	assert_int_equal(app_set_fields(f->a, id, &arg, 1, NULL, &err), FC_EINVALID);
	assert_contains(err.msg, "read-only");
	free(arg);
	free(id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flags__raised_flags_name_their_person, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flags__decision_needs_a_note_and_is_an_audited_edit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_flags__unknown_flags_villages_and_typed_fields_are_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
