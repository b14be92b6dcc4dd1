/* test_desk.c — unit tests for the county desk (sync/desk.c): settling an
 * open conflict with a typed value is checked as a typed save is (a value
 * the form refuses: its message, main and the store unchanged), and a
 * settled one reaches main and the county's own store in the same call. */
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
#include "fieldcard/desk.h"
#include "fieldcard/fields.h"
#include "fieldcard/ledger.h"
#include "fieldcard/sig.h"
#include "fieldcard/util.h"

#define HH1 "01KAH000000000000000000001"
#define VILLAGE "522701105201"
#define HEAD_ID "522701196503120414"

typedef struct fixture {
	char dir[64];
	char *hh_path, *conflicts_path;
	fc_app *a;
} fixture;

#define OK(call) do { fc_err e_; fc_err_clear(&e_); \
	int rc_ = (call); if (rc_) fail_msg("%s: %d %s", #call, rc_, e_.msg); } while (0)
#define ERR (&e_)

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not found in '%s'", needle, hay);
}

/* The household as a merge left it on main: floor area 95 (ours), 90
 * (theirs) beside it in the conflicts file; the county store holds it too. */
static void make_main(fixture *f)
{
	record *r = app_record_new(f->a, K_HOUSEHOLD, HH1, NULL, VILLAGE);
	const char *kv[][2] = {
		{ F_PROVINCE, "贵州省" }, { "village", "平桥村" }, { F_HEAD_NAME, "张三" },
		{ F_HEAD_ID, HEAD_ID }, { F_HOUSEHOLD_TYPE, "general" }, { F_MAIN_CAUSE, "funds" },
		{ F_HOUSING_GRADE, "A" }, { F_RELOCATED, "no" }, { F_SAFE_WATER, "yes" },
		{ "sells_online", "no" }, { F_POVERTY_STATUS, "lifted" }, { "floor_area", "95" },
	};
	const char *conflict = HH1 "\tfloor_area\t80\t95\t90\n";
	const char *roster = "county-wang\tcounty\t*\n";
	char *text = NULL;
	ledger *l = NULL;
	sig_key key;
	ledger_author who;
	ledger_change ch[3];
	ledger_oid commit;
	char *keyfile = util_asprintf("%s/keys/id_ed25519", f->dir);

	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		record_set(r, kv[i][0], kv[i][1]);
	OK(app_save(f->a, r, NULL, ERR));
	OK(store_get_canonical(f->a->st, HH1, &text, ERR));
	memset(&key, 0, sizeof(key));
	OK(sig_key_load(keyfile, NULL, &key, ERR));
	memset(&who, 0, sizeof(who));
	who.principal = "county-wang";
	who.device = "desk";
	who.key = &key;
	ch[0].path = f->hh_path;
	ch[0].data = text;
	ch[0].len = strlen(text);
	ch[1].path = f->conflicts_path;
	ch[1].data = conflict;
	ch[1].len = strlen(conflict);
	ch[2].path = "keys/roster";
	ch[2].data = roster;
	ch[2].len = strlen(roster);
	OK(ledger_open(f->a->ledger_path, 1, &l, ERR));
	OK(ledger_commit_changes(l, "refs/heads/main", NULL, ch, 3, &who, "Merge\n", &commit, ERR));
	ledger_free(l);
	sig_key_wipe(&key);
	record_free(r);
	free(text);
	free(keyfile);
}

static int setup(void **state)
{
	fixture *f = util_calloc(1, sizeof(*f));
	char *db, *keys, *keyfile;
	store *s = NULL;
	sig_key key;
	fc_err err;

	setenv("FIELDCARD_NOW", "2026-11-23T10:00:00Z", 1);
	if (!getenv("FIELDCARD_FORMS"))
		setenv("FIELDCARD_FORMS", "forms", 1);
	snprintf(f->dir, sizeof(f->dir), "/tmp/fc-desk.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	db = util_asprintf("%s/fieldcard.db", f->dir);
	keys = util_asprintf("%s/keys", f->dir);
	keyfile = util_asprintf("%s/keys/id_ed25519", f->dir);
	assert_int_equal(store_open(db, &s, &err), 0);
	assert_int_equal(store_meta_set(s, "lang", "en", &err), 0);
	assert_int_equal(store_meta_set(s, "role", "county", &err), 0);
	assert_int_equal(store_meta_set(s, "principal", "county-wang", &err), 0);
	assert_int_equal(store_meta_set(s, "device", "desk", &err), 0);
	store_close(s);
	assert_int_equal(util_mkdir_p(keys, 0700, &err), 0);
	assert_int_equal(sig_keygen(&key, "county-wang", &err), 0);
	assert_int_equal(sig_key_save(&key, keyfile, NULL, &err), 0);
	sig_key_wipe(&key);
	if (app_open(f->dir, &f->a, &err))
		fail_msg("app_open: %s", err.msg);
	f->hh_path = ledger_record_path(LEDGER_PATH_HOUSEHOLD, VILLAGE, HH1, NULL);
	f->conflicts_path = ledger_record_path(LEDGER_PATH_CONFLICTS, VILLAGE, HH1, NULL);
	make_main(f);
	free(db);
	free(keys);
	free(keyfile);
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
	free(f->hh_path);
	free(f->conflicts_path);
	free(f);
	return 0;
}

/* main's tip in hex, for before/after comparisons. */
static void main_tip(fixture *f, char hex[LEDGER_OID_HEXSIZE + 1])
{
	ledger *l = NULL;
	ledger_oid tip;

	OK(ledger_open(f->a->ledger_path, 0, &l, ERR));
	OK(ledger_ref_get(l, "refs/heads/main", &tip, ERR));
	ledger_oid_fmt(hex, LEDGER_OID_HEXSIZE + 1, &tip);
	ledger_free(l);
}

/* path as main holds it; "" if absent. Caller frees. */
static char *on_main(fixture *f, const char *path)
{
	ledger *l = NULL;
	fc_buf b = FC_BUF_INIT;
	char *out;

	OK(ledger_open(f->a->ledger_path, 0, &l, ERR));
	if (ledger_read(l, "refs/heads/main", path, &b, NULL) != FC_OK)
		buf_reset(&b);
	ledger_free(l);
	out = util_strdup(buf_cstr(&b));
	buf_free(&b);
	return out;
}

static int count_conflict(const desk_conflict *c, void *ud)
{
	(void)c;
	(*(int *)ud)++;
	return 0;
}

static void test_desk__resolve_refuses_a_value_the_form_refuses(void **state)
{
	fixture *f = *state;
	char before[LEDGER_OID_HEXSIZE + 1], after[LEDGER_OID_HEXSIZE + 1], *text;
	record *r = NULL;
	int open = 0;
	fc_err err;

	main_tip(f, before);
	fc_err_clear(&err);
	assert_int_equal(desk_resolve(f->a, HH1, "floor_area", "value", "-5", &err), FC_EINVALID);
	assert_contains(err.msg, "record " HH1 " field floor_area");
	assert_contains(err.msg, "Area must be between 0 and 2000");
	main_tip(f, after);
	assert_string_equal(after, before);
	text = on_main(f, f->hh_path);
	assert_contains(text, "floor_area: 95\n");
	free(text);
	OK(store_get(f->a->st, HH1, &r, ERR));
	assert_string_equal(record_val(r, "floor_area"), "95");
	record_free(r);
	OK(desk_conflicts(f->a, count_conflict, &open, ERR));
	assert_int_equal(open, 1);
	/* The type check too: a floor area is a number. */
	fc_err_clear(&err);
	assert_int_equal(desk_resolve(f->a, HH1, "floor_area", "value", "abc", &err), FC_EINVALID);
	assert_contains(err.msg, "field floor_area");
}

static void test_desk__resolve_updates_main_and_the_store(void **state)
{
	fixture *f = *state;
	char before[LEDGER_OID_HEXSIZE + 1], after[LEDGER_OID_HEXSIZE + 1], *text, *conflicts, *stored = NULL;
	record *r = NULL;
	int open = 0;

	main_tip(f, before);
	OK(desk_resolve(f->a, HH1, "floor_area", "value", "120", ERR));
	main_tip(f, after);
	assert_string_not_equal(after, before);
	text = on_main(f, f->hh_path);
	assert_contains(text, "floor_area: 120\n");
	conflicts = on_main(f, f->conflicts_path);
	assert_string_equal(conflicts, ""); /* its last line went: the file too */
	/* The county's own store holds main's bytes at once. */
	OK(store_get_canonical(f->a->st, HH1, &stored, ERR));
	assert_string_equal(stored, text);
	OK(store_get(f->a->st, HH1, &r, ERR));
	assert_string_equal(record_val(r, "floor_area"), "120");
	OK(desk_conflicts(f->a, count_conflict, &open, ERR));
	assert_int_equal(open, 0);
	record_free(r);
	free(text);
	free(conflicts);
	free(stored);
}

static void test_desk__resolve_theirs_is_not_a_typed_value(void **state)
{
	fixture *f = *state;
	record *r = NULL;

	OK(desk_resolve(f->a, HH1, "floor_area", "theirs", NULL, ERR));
	OK(store_get(f->a->st, HH1, &r, ERR));
	assert_string_equal(record_val(r, "floor_area"), "90");
	record_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_desk__resolve_refuses_a_value_the_form_refuses,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_desk__resolve_updates_main_and_the_store, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_desk__resolve_theirs_is_not_a_typed_value, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
