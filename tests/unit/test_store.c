/* test_store.c — unit tests for the local store (SQLite). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fieldcard/buf.h"
#include "fieldcard/err.h"
#include "fieldcard/fields.h"
#include "fieldcard/record.h"
#include "fieldcard/store.h"
#include "fieldcard/util.h"

typedef struct fixture {
	char dir[64];
	char path[96];
	store *s;
} fixture;

static int setup(void **state)
{
	fixture *f = util_calloc(1, sizeof(*f));
	fc_err err;

	snprintf(f->dir, sizeof(f->dir), "/tmp/fc-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/fieldcard.db", f->dir);
	if (store_open(f->path, &f->s, &err))
		fail_msg("store_open: %s", err.msg);
	unsetenv("FIELDCARD_NOW");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char cmd[128];

	store_close(f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

#define OK(call) do { fc_err e_; fc_err_clear(&e_); \
	int rc_ = (call); if (rc_) fail_msg("%s: %d %s", #call, rc_, e_.msg); } while (0)
/* ERR is the fc_err that OK declares, for use inside its call. */
#define ERR (&e_)

static record *household(const char *id, const char *village, const char *code,
			 const char *head, const char *idno)
{
	record *r = record_new(K_HOUSEHOLD, id, NULL);

	record_set(r, F_VILLAGE_CODE, village);
	record_set(r, F_HOUSEHOLD_CODE, code);
	record_set(r, F_HEAD_NAME, head);
	record_set(r, F_HEAD_ID, idno);
	record_set(r, F_POVERTY_STATUS, "lifted");
	record_set(r, F_HOUSEHOLD_TYPE, "general");
	return r;
}

static void put_household(store *s, const char *id, const char *village, const char *code,
			  const char *head, const char *idno)
{
	record *r = household(id, village, code, head, idno);

	OK(store_put(s, r, NULL, "cadre1", STORE_LOCAL, ERR));
	record_free(r);
}

static void put_member(store *s, const char *id, const char *parent, const char *name,
		       const char *idno, const char *status)
{
	record *r = record_new(K_MEMBER, id, parent);

	record_set(r, F_M_NAME, name);
	record_set(r, F_M_ID, idno);
	record_set(r, F_M_STATUS, status);
	OK(store_put(s, r, NULL, "cadre1", STORE_LOCAL, ERR));
	record_free(r);
}

static void put_visit(store *s, const char *id, const char *parent, const char *date)
{
	record *r = record_new(K_VISIT, id, parent);

	record_set(r, F_V_DATE, date);
	OK(store_put(s, r, NULL, "cadre1", STORE_LOCAL, ERR));
	record_free(r);
}

/* ---- collecting callbacks ---- */

typedef struct rows {
	char ids[64][32];
	store_row last[64];
	char comment[64][64];
	int n;
} rows;

static int rows_cb(const store_row *row, void *ud)
{
	rows *r = ud;

	snprintf(r->ids[r->n], sizeof(r->ids[0]), "%s", row->id);
	snprintf(r->comment[r->n], sizeof(r->comment[0]), "%s", row->review_comment);
	r->last[r->n] = *row; /* only the ints are read later */
	r->n++;
	return 0;
}

static rows list(store *s, const store_query *q)
{
	rows r;
	fc_err e;

	memset(&r, 0, sizeof(r));
	if (store_list(s, q, rows_cb, &r, &e))
		fail_msg("store_list: %s", e.msg);
	return r;
}

static int count(store *s, const store_query *q)
{
	int n = -1;
	fc_err e;

	if (store_count(s, q, &n, &e))
		fail_msg("store_count: %s", e.msg);
	return n;
}

static int search_count(store *s, const char *text)
{
	store_query q = { .search = text };

	return count(s, &q);
}

typedef struct audits {
	char field[64][32], old[64][32], new[64][32], who[64][16];
	int old_null[64];
	int n;
} audits;

static int audit_cb(const store_audit *a, void *ud)
{
	audits *x = ud;

	snprintf(x->field[x->n], 32, "%s", a->field);
	snprintf(x->old[x->n], 32, "%s", a->old_value ? a->old_value : "");
	x->old_null[x->n] = a->old_value == NULL;
	snprintf(x->new[x->n], 32, "%s", a->new_value ? a->new_value : "");
	snprintf(x->who[x->n], 16, "%s", a->who);
	x->n++;
	return 0;
}

static audits history(store *s, const char *id)
{
	audits a;
	fc_err e;

	memset(&a, 0, sizeof(a));
	if (store_history(s, id, audit_cb, &a, &e))
		fail_msg("store_history: %s", e.msg);
	return a;
}

static int pending_count(store *s)
{
	int n = -1;
	fc_err e;

	if (store_pending_count(s, &n, &e))
		fail_msg("pending_count: %s", e.msg);
	return n;
}

/* ---- tests ---- */

static void test_store__migrates_and_reopens(void **state)
{
	fixture *f = *state;
	sqlite3 *db;
	store *s2 = NULL;
	fc_err e;

	assert_int_equal(store_schema_version(f->s), 3);
	put_household(f->s, "H1", "520101", "001", "张三", "");
	store_close(f->s);
	f->s = NULL;
	OK(store_open(f->path, &f->s, ERR));
	assert_int_equal(store_schema_version(f->s), 3);
	assert_int_equal(search_count(f->s, "张三"), 1);

	/* A store from a newer program is refused, not damaged. */
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(f->path, &s2, &e), FC_ERROR);
	assert_null(s2);
	assert_non_null(strstr(e.msg, "store made by a newer fieldcard"));
	assert_non_null(strstr(e.msg, "schema 99"));
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 3", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	OK(store_open(f->path, &f->s, ERR));
}

static void test_store__durability_settings(void **state)
{
	fixture *f = *state;
	char *v;

	OK(store_pragma(f->s, "journal_mode", &v, ERR));
	assert_string_equal(v, "wal");
	free(v);
	OK(store_pragma(f->s, "synchronous", &v, ERR));
	assert_string_equal(v, "2"); /* FULL */
	free(v);
	OK(store_pragma(f->s, "foreign_keys", &v, ERR));
	assert_string_equal(v, "1");
	free(v);
	OK(store_pragma(f->s, "busy_timeout", &v, ERR));
	assert_true(atoi(v) >= 1000);
	free(v);
	assert_int_equal(access(f->path, R_OK), 0);
}

static void test_store__meta(void **state)
{
	fixture *f = *state;
	char *v = (char *)1;

	OK(store_meta_get(f->s, "role", &v, ERR));
	assert_null(v);
	OK(store_meta_set(f->s, "role", "cadre", ERR));
	OK(store_meta_set(f->s, "role", "secretary", ERR));
	OK(store_meta_get(f->s, "role", &v, ERR));
	assert_string_equal(v, "secretary");
	free(v);
}

static void test_store__put_get(void **state)
{
	fixture *f = *state;
	record *h = household("H1", "520101", "001", "张三", "52010219800101001X");
	record *got = NULL, *m;
	fc_buf canon = FC_BUF_INIT;
	char *text;
	fc_err e;

	record_set(h, "notes", "line1\nline2: with colon \\ and 中文");
	record_set_version(h, "2026.11.1");
	record_serialise(h, NULL, NULL, 0, &canon);
	OK(store_put(f->s, h, canon.data, "cadre1", STORE_LOCAL, ERR));
	OK(store_get(f->s, "H1", &got, ERR));
	assert_true(record_equal(h, got));
	assert_string_equal(got->form_version, "2026.11.1");
	OK(store_get_canonical(f->s, "H1", &text, ERR));
	assert_string_equal(text, canon.data);
	free(text);
	record_free(got);

	assert_int_equal(store_get(f->s, "nope", &got, &e), FC_ENOTFOUND);
	assert_null(got);

	/* A member needs its household to exist. */
	m = record_new(K_MEMBER, "M9", "H404");
	record_set(m, F_M_NAME, "孤儿");
	assert_int_equal(store_put(f->s, m, NULL, "cadre1", STORE_LOCAL, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "M9"));
	assert_non_null(strstr(e.msg, "H404"));
	record_free(m);
	m = record_new(K_MEMBER, "M9", NULL);
	assert_int_equal(store_put(f->s, m, NULL, "cadre1", STORE_LOCAL, &e), FC_EINVALID);
	record_free(m);

	/* Children come back in id order. */
	put_member(f->s, "M2", "H1", "张二", "", "");
	put_member(f->s, "M1", "H1", "张一", "", "");
	put_visit(f->s, "V1", "H1", "2026-01-05");
	{
		record **kids;
		size_t n;

		OK(store_children(f->s, "H1", K_MEMBER, &kids, &n, ERR));
		assert_int_equal(n, 2);
		assert_string_equal(kids[0]->id, "M1");
		assert_string_equal(record_val(kids[1], F_M_NAME), "张二");
		store_records_free(kids, n);
		OK(store_children(f->s, "H1", NULL, &kids, &n, ERR));
		assert_int_equal(n, 3);
		store_records_free(kids, n);
	}
	record_free(h);
	buf_free(&canon);
}

static void test_store__audit_per_changed_field(void **state)
{
	fixture *f = *state;
	record *h = household("H1", "520101", "001", "张三", "");
	audits a;

	OK(store_put(f->s, h, NULL, "cadre1", STORE_LOCAL, ERR));
	a = history(f->s, "H1");
	assert_int_equal(a.n, 1); /* a new record: one row */
	assert_string_equal(a.field[0], STORE_AUDIT_CREATED);
	assert_true(a.old_null[0]);
	assert_string_equal(a.new[0], "created");
	assert_string_equal(a.who[0], "cadre1");

	record_set(h, F_HEAD_NAME, "张三丰");
	record_set(h, F_POVERTY_STATUS, "not_lifted");
	OK(store_put(f->s, h, NULL, "secretary2", STORE_LOCAL, ERR));
	a = history(f->s, "H1");
	assert_int_equal(a.n, 3);
	/* Newest first; the two new rows in field order of the record. */
	assert_string_equal(a.field[0], F_POVERTY_STATUS);
	assert_string_equal(a.old[0], "lifted");
	assert_string_equal(a.new[0], "not_lifted");
	assert_string_equal(a.who[0], "secretary2");
	assert_string_equal(a.field[1], F_HEAD_NAME);
	assert_string_equal(a.old[1], "张三");
	assert_string_equal(a.new[1], "张三丰");

	/* Saving the same values: no audit rows and nothing queued. */
	OK(store_pending_clear(f->s, 1000000, ERR));
	OK(store_put(f->s, h, NULL, "cadre1", STORE_LOCAL, ERR));
	assert_int_equal(history(f->s, "H1").n, 3);
	assert_int_equal(pending_count(f->s), 0);

	/* A field removed counts as changed to empty. */
	{
		record *h2 = household("H1", "520101", "001", "张三丰", "");

		record_set(h2, F_POVERTY_STATUS, "not_lifted");
		record_set(h2, F_HOUSEHOLD_TYPE, NULL);
		OK(store_put(f->s, h2, NULL, "cadre1", STORE_SYNCED, ERR));
		a = history(f->s, "H1");
		assert_int_equal(a.n, 4);
		assert_string_equal(a.field[0], F_HOUSEHOLD_TYPE);
		assert_string_equal(a.old[0], "general");
		assert_string_equal(a.new[0], "");
		assert_int_equal(pending_count(f->s), 0); /* synced: not queued */
		record_free(h2);
	}
	assert_int_equal(history(f->s, NULL).n, 4);
	record_free(h);
}

typedef struct pend {
	long long seq[16];
	char id[16][32];
	int n;
} pend;

static int pend_cb(const store_pending *p, void *ud)
{
	pend *x = ud;

	x->seq[x->n] = p->seq;
	snprintf(x->id[x->n], 32, "%s", p->record_id);
	assert_true(strstr(p->canonical, "form: ") == p->canonical);
	assert_string_equal(p->village, "520101");
	x->n++;
	return 0;
}

static void test_store__pending_queue(void **state)
{
	fixture *f = *state;
	record *h = household("H1", "520101", "001", "张三", "");
	pend p;

	OK(store_put(f->s, h, NULL, "c", STORE_LOCAL, ERR));
	put_member(f->s, "M1", "H1", "张一", "", "");
	record_set(h, F_HEAD_NAME, "张三丰");
	OK(store_put(f->s, h, NULL, "c", STORE_LOCAL, ERR));
	assert_int_equal(pending_count(f->s), 2);
	memset(&p, 0, sizeof(p));
	OK(store_pending_each(f->s, pend_cb, &p, ERR));
	assert_int_equal(p.n, 2);
	/* Re-saving H1 moved it behind M1 with a newer seq. */
	assert_string_equal(p.id[0], "M1");
	assert_string_equal(p.id[1], "H1");
	assert_true(p.seq[1] > p.seq[0]);

	OK(store_pending_clear(f->s, p.seq[0], ERR));
	assert_int_equal(pending_count(f->s), 1);
	/* A change saved after sync read the queue survives the clear. */
	put_member(f->s, "M1", "H1", "张一一", "", "");
	OK(store_pending_clear(f->s, p.seq[1], ERR));
	assert_int_equal(pending_count(f->s), 1);
	record_free(h);
}

static int count_cb(const record *r, void *ud)
{
	(void)r;
	(*(int *)ud)++;
	return 0;
}

static void test_store__drafts(void **state)
{
	fixture *f = *state;
	record *d = household("H1", "520101", "001", "张", ""), *got = NULL;
	int n = 0;
	fc_err e;

	record_set(d, "notes", "typed so far\n");
	OK(store_draft_save(f->s, d, ERR));
	record_set(d, F_HEAD_NAME, "张三");
	OK(store_draft_save(f->s, d, ERR)); /* saved on every change */
	OK(store_draft_get(f->s, "H1", &got, ERR));
	assert_true(record_equal(d, got));
	record_free(got);
	OK(store_draft_each(f->s, count_cb, &n, ERR));
	assert_int_equal(n, 1);
	OK(store_draft_drop(f->s, "H1", ERR));
	assert_int_equal(store_draft_get(f->s, "H1", &got, &e), FC_ENOTFOUND);

	/* Saving the record drops its draft. */
	OK(store_draft_save(f->s, d, ERR));
	OK(store_put(f->s, d, NULL, "c", STORE_LOCAL, ERR));
	assert_int_equal(store_draft_get(f->s, "H1", &got, &e), FC_ENOTFOUND);
	n = 0;
	OK(store_draft_each(f->s, count_cb, &n, ERR));
	assert_int_equal(n, 0);
	record_free(d);
}

static void test_store__search(void **state)
{
	fixture *f = *state;
	store_query q = { 0 };
	rows r;

	put_household(f->s, "H1", "520101", "HH-0001", "张三丰", "52010219800101001X");
	put_household(f->s, "H2", "520101", "HH-0002", "李四", "520102199001010022");
	put_household(f->s, "H3", "520102", "HH-0003", "王小明", "");
	put_member(f->s, "M1", "H2", "欧阳娜娜", "52010220100505003X", "");

	assert_int_equal(search_count(f->s, "张三丰"), 1);   /* 3 chars: trigram */
	assert_int_equal(search_count(f->s, "三丰"), 1);     /* 2 chars: LIKE */
	assert_int_equal(search_count(f->s, "丰"), 1);       /* 1 char */
	assert_int_equal(search_count(f->s, "小"), 1);
	assert_int_equal(search_count(f->s, "赵"), 0);
	assert_int_equal(search_count(f->s, "52010219800101001X"), 1); /* ID number */
	assert_int_equal(search_count(f->s, "001x"), 1);     /* any case */
	assert_int_equal(search_count(f->s, "5201"), 2);     /* H1, and H2 by head and member */
	assert_int_equal(search_count(f->s, "HH-0003"), 1);  /* household code */
	assert_int_equal(search_count(f->s, "0002"), 1);
	assert_int_equal(search_count(f->s, "%"), 0);        /* LIKE wildcards are literal */
	assert_int_equal(search_count(f->s, "\"x\""), 0);    /* quotes are literal */

	/* A member's name or ID finds the household. */
	q.search = "娜娜";
	r = list(f->s, &q);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.ids[0], "H2");
	q.search = "欧阳娜";
	r = list(f->s, &q);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.ids[0], "H2");
	q.search = "20100505";
	assert_int_equal(count(f->s, &q), 1);

	/* A renamed head is found by the new name only. */
	put_household(f->s, "H3", "520102", "HH-0003", "王大明", "");
	assert_int_equal(search_count(f->s, "小明"), 0);
	assert_int_equal(search_count(f->s, "王大明"), 1);
}

static void test_store__list_filters_and_sort(void **state)
{
	fixture *f = *state;
	store_query q = { 0 };
	store_conflict c = { "M1", F_M_NAME, "a", "b", "c", "me", "them" };
	record *h;
	rows r;

	setenv("FIELDCARD_NOW", "2026-11-23T10:00:00Z", 1);
	put_household(f->s, "H1", "520101", "003", "赵一", "");
	put_household(f->s, "H2", "520101", "001", "钱二", "");
	put_household(f->s, "H3", "520101", "002", "孙三", "");
	put_household(f->s, "H4", "520102", "001", "李四", "");
	h = household("H5", "520101", "004", "周五", "");
	record_set(h, F_POVERTY_STATUS, "not_lifted");
	record_set(h, F_HOUSEHOLD_TYPE, "dibao");
	record_set(h, F_MONITOR_CATEGORY, "marginal");
	OK(store_put(f->s, h, NULL, "c", STORE_SYNCED, ERR));
	put_member(f->s, "M1", "H1", "赵一", "", "");
	put_member(f->s, "M2", "H1", "赵二", "", C_LEFT);
	put_member(f->s, "M3", "H1", "赵三", "", C_PRESENT);
	put_visit(f->s, "V1", "H1", "2026-11-20");
	put_visit(f->s, "V2", "H1", "2026-10-01");
	put_visit(f->s, "V3", "H2", "2026-09-01");
	OK(store_conflict_add(f->s, &c, ERR));

	q.village = "520101";
	r = list(f->s, &q);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.ids[0], "H2"); /* by code */
	assert_string_equal(r.ids[1], "H3");
	assert_string_equal(r.ids[2], "H1");
	assert_string_equal(r.ids[3], "H5");
	/* List columns: members not left, last visit, pending, conflicts. */
	assert_int_equal(r.last[2].members, 2);
	assert_int_equal(r.last[2].pending, 1);
	assert_int_equal(r.last[2].conflicts, 1);
	assert_int_equal(r.last[3].pending, 0); /* synced */
	assert_int_equal(r.last[3].conflicts, 0);

	q.sort = STORE_SORT_VISIT; /* never visited first, then oldest */
	r = list(f->s, &q);
	assert_string_equal(r.ids[0], "H3");
	assert_string_equal(r.ids[1], "H5");
	assert_string_equal(r.ids[2], "H2");
	assert_string_equal(r.ids[3], "H1");

	q.sort = STORE_SORT_NAME; /* code point order of the head's name */
	r = list(f->s, &q);
	assert_int_equal(r.n, 4);
	for (int i = 1; i < r.n; i++)
		assert_true(strcmp(r.ids[i - 1], r.ids[i]) != 0);

	q.sort = STORE_SORT_CODE;
	q.offset = 1;
	q.limit = 2;
	r = list(f->s, &q);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.ids[0], "H3");
	assert_string_equal(r.ids[1], "H1");
	assert_int_equal(count(f->s, &q), 4); /* count ignores paging */
	q.offset = q.limit = 0;

	q.not_visited_days = 30; /* last visit on or before 2026-10-24 */
	r = list(f->s, &q);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.ids[0], "H2");
	q.not_visited_days = 0;

	q.poverty_status = "not_lifted";
	r = list(f->s, &q);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.ids[0], "H5");
	q.poverty_status = NULL;
	q.household_type = "dibao";
	assert_int_equal(count(f->s, &q), 1);
	q.household_type = NULL;
	q.monitored_only = 1;
	assert_int_equal(count(f->s, &q), 1);
	q.monitored_only = 0;
	q.review_state = "draft";
	assert_int_equal(count(f->s, &q), 4);
	OK(store_review_set(f->s, "H3", "returned", "户主身份证号有误", "sec", ERR));
	q.review_state = "returned";
	r = list(f->s, &q);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.ids[0], "H3");
	assert_string_equal(r.comment[0], "户主身份证号有误");
	q.review_state = NULL;
	q.village = NULL;
	assert_int_equal(count(f->s, &q), 5);

	/* A member leaving updates the household's count. */
	put_member(f->s, "M3", "H1", "赵三", "", C_LEFT);
	q.village = "520101";
	r = list(f->s, &q);
	assert_int_equal(r.last[2].members, 1);
	assert_string_equal(r.ids[2], "H1");
	record_free(h);
	unsetenv("FIELDCARD_NOW");
}

typedef struct villages {
	store_village v[8];
	char code[8][16];
	int n;
} villages;

static int village_cb(const store_village *v, void *ud)
{
	villages *x = ud;

	x->v[x->n] = *v;
	snprintf(x->code[x->n], 16, "%s", v->code);
	x->n++;
	return 0;
}

static void test_store__villages_summary(void **state)
{
	fixture *f = *state;
	record *h = household("H9", "520102", "009", "吴九", "");
	villages v;

	put_household(f->s, "H1", "520101", "001", "甲", "");
	put_household(f->s, "H2", "520101", "002", "乙", "");
	record_set(h, F_MONITOR_CATEGORY, "sudden");
	OK(store_put(f->s, h, NULL, "c", STORE_SYNCED, ERR));
	OK(store_review_set(f->s, "H2", "returned", "缺照片", "sec", ERR));
	memset(&v, 0, sizeof(v));
	OK(store_villages(f->s, village_cb, &v, ERR));
	assert_int_equal(v.n, 2);
	assert_string_equal(v.code[0], "520101");
	assert_int_equal(v.v[0].households, 2);
	assert_int_equal(v.v[0].pending, 2);
	assert_int_equal(v.v[0].returned, 1);
	assert_int_equal(v.v[0].monitored, 0);
	assert_string_equal(v.code[1], "520102");
	assert_int_equal(v.v[1].households, 1);
	assert_int_equal(v.v[1].pending, 0);
	assert_int_equal(v.v[1].monitored, 1);
	record_free(h);
}

static void test_store__review_states(void **state)
{
	fixture *f = *state;
	char *st, *cm, *approved;
	fc_err e;

	put_household(f->s, "H1", "520101", "001", "张三", "");
	OK(store_review_get(f->s, "H1", &st, &cm, ERR));
	assert_null(st);
	assert_null(cm);
	OK(store_approved_get(f->s, "H1", &approved, ERR));
	assert_null(approved);

	assert_int_equal(store_review_set(f->s, "H1", "returned", "", "sec", &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "comment"));
	assert_int_equal(store_review_set(f->s, "H1", "returned", NULL, "sec", &e), FC_EINVALID);
	assert_int_equal(store_review_set(f->s, "H1", "done", NULL, "sec", &e), FC_EINVALID);
	assert_int_equal(store_review_set(f->s, "H404", "approved", NULL, "sec", &e), FC_ENOTFOUND);
	put_member(f->s, "M1", "H1", "张一", "", "");
	assert_int_equal(store_review_set(f->s, "M1", "approved", NULL, "sec", &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "not a household"));

	OK(store_review_set(f->s, "H1", "submitted", NULL, "cadre", ERR));
	OK(store_review_set(f->s, "H1", "returned", "收入填写不全", "sec", ERR));
	/* Saving the card again keeps it returned, with its comment. */
	put_household(f->s, "H1", "520101", "001", "张三丰", "");
	OK(store_review_get(f->s, "H1", &st, &cm, ERR));
	assert_string_equal(st, "returned");
	assert_string_equal(cm, "收入填写不全");
	free(st);
	free(cm);
	OK(store_review_set(f->s, "H1", "submitted", NULL, "cadre", ERR));
	OK(store_review_get(f->s, "H1", &st, &cm, ERR));
	assert_string_equal(st, "submitted");
	assert_null(cm);
	free(st);

	OK(store_review_set(f->s, "H1", "approved", NULL, "sec", ERR));
	OK(store_approved_get(f->s, "H1", &approved, ERR));
	assert_non_null(strstr(approved, "head_name: 张三丰\n"));
	free(approved);
	/* Later edits do not change what was approved. */
	put_household(f->s, "H1", "520101", "001", "张三丰二", "");
	OK(store_approved_get(f->s, "H1", &approved, ERR));
	assert_non_null(strstr(approved, "head_name: 张三丰\n"));
	free(approved);
	OK(store_review_set(f->s, "H1", "merged", NULL, "county", ERR));
	OK(store_review_get(f->s, "H1", &st, NULL, ERR));
	assert_string_equal(st, "merged");
	free(st);
	/* The review history is in the audit trail. */
	{
		audits a = history(f->s, "H1");

		assert_string_equal(a.field[0], "review_state");
		assert_string_equal(a.old[0], "approved");
		assert_string_equal(a.new[0], "merged");
		assert_string_equal(a.who[0], "county");
	}
}

typedef struct conflicts {
	char id[8][16], field[8][32], ours[8][16], theirs[8][16];
	int n;
} conflicts;

static int conflict_cb(const store_conflict *c, void *ud)
{
	conflicts *x = ud;

	snprintf(x->id[x->n], 16, "%s", c->record_id);
	snprintf(x->field[x->n], 32, "%s", c->field);
	snprintf(x->ours[x->n], 16, "%s", c->ours ? c->ours : "");
	snprintf(x->theirs[x->n], 16, "%s", c->theirs ? c->theirs : "");
	x->n++;
	return 0;
}

static void test_store__conflicts(void **state)
{
	fixture *f = *state;
	store_conflict a = { "H1", F_HEAD_NAME, "张三", "张三丰", "张山", "dev1", "county" };
	store_conflict b = { "M1", F_M_ID, "", "1", "2", "dev1", "dev2" };
	conflicts c;
	store_query q = { 0 };
	rows r;
	fc_err e;

	put_household(f->s, "H1", "520101", "001", "张三丰", "");
	put_member(f->s, "M1", "H1", "张一", "", "");
	OK(store_conflict_add(f->s, &a, ERR));
	OK(store_conflict_add(f->s, &b, ERR));
	b.theirs = "3";
	OK(store_conflict_add(f->s, &b, ERR)); /* same field again: replaced */
	memset(&c, 0, sizeof(c));
	OK(store_conflict_each(f->s, conflict_cb, &c, ERR));
	assert_int_equal(c.n, 2);
	assert_string_equal(c.id[0], "H1");
	assert_string_equal(c.ours[0], "张三丰");
	assert_string_equal(c.theirs[0], "张山");
	assert_string_equal(c.id[1], "M1");
	assert_string_equal(c.theirs[1], "3");
	r = list(f->s, &q);
	assert_int_equal(r.last[0].conflicts, 2);

	OK(store_conflict_drop(f->s, "H1", F_HEAD_NAME, ERR));
	assert_int_equal(store_conflict_drop(f->s, "H1", F_HEAD_NAME, &e), FC_ENOTFOUND);
	memset(&c, 0, sizeof(c));
	OK(store_conflict_each(f->s, conflict_cb, &c, ERR));
	assert_int_equal(c.n, 1);
	assert_string_equal(c.id[0], "M1");
}

static void test_store__check_finds_orphan(void **state)
{
	fixture *f = *state;
	fc_buf report = FC_BUF_INIT;
	sqlite3 *db;
	fc_err e;

	put_household(f->s, "H1", "520101", "001", "张三", "");
	put_household(f->s, "H2", "520101", "002", "李四", "");
	put_member(f->s, "M1", "H1", "张一", "", "");
	put_visit(f->s, "V1", "H1", "2026-01-01");
	OK(store_check(f->s, &report, ERR));
	assert_int_equal(report.len, 0);

	/* Damage the file behind the store's back. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = OFF;"
				      " DELETE FROM pending WHERE household = 'H1';"
				      " DELETE FROM records WHERE id = 'H1';"
				      " UPDATE records SET canonical = 'junk' WHERE id = 'H2'",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_check(f->s, &report, &e), FC_EINVALID);
	assert_non_null(strstr(report.data, "record M1 (member): parent household H1 does not exist"));
	assert_non_null(strstr(report.data, "record V1 (visit): parent household H1 does not exist"));
	assert_non_null(strstr(report.data, "record H2 (household): store record H2:1:"));
	assert_non_null(strstr(e.msg, "3 problems"));
	buf_free(&report);
}

static void test_store__rollback_leaves_nothing(void **state)
{
	fixture *f = *state;
	record *got = NULL;
	int n = 0;
	fc_err e;

	OK(store_begin(f->s, ERR));
	put_household(f->s, "H1", "520101", "001", "张三", "");
	put_member(f->s, "M1", "H1", "张一", "", "");
	put_household(f->s, "H2", "520101", "002", "李四", "");
	store_rollback(f->s);
	assert_int_equal(store_get(f->s, "H1", &got, &e), FC_ENOTFOUND);
	assert_int_equal(store_get(f->s, "M1", &got, &e), FC_ENOTFOUND);
	assert_int_equal(pending_count(f->s), 0);
	assert_int_equal(history(f->s, NULL).n, 0);
	assert_int_equal(search_count(f->s, "张"), 0);

	/* A failed put inside a transaction undoes only itself. */
	OK(store_begin(f->s, ERR));
	put_household(f->s, "H1", "520101", "001", "张三", "");
	{
		record *m = record_new(K_MEMBER, "M1", "H404");

		assert_int_equal(store_put(f->s, m, NULL, "c", STORE_LOCAL, &e), FC_EINVALID);
		record_free(m);
	}
	OK(store_commit(f->s, ERR));
	OK(store_get(f->s, "H1", &got, ERR));
	record_free(got);
	OK(store_each(f->s, NULL, NULL, count_cb, &n, ERR));
	assert_int_equal(n, 1);
}

static void test_store__village_move_and_each(void **state)
{
	fixture *f = *state;
	int n = 0;

	put_household(f->s, "H1", "520101", "001", "张三", "");
	put_member(f->s, "M1", "H1", "张一", "", "");
	put_visit(f->s, "V1", "H1", "2026-01-01");
	put_household(f->s, "H2", "520102", "001", "李四", "");
	OK(store_each(f->s, NULL, "520101", count_cb, &n, ERR));
	assert_int_equal(n, 3);
	n = 0;
	OK(store_each(f->s, K_MEMBER, NULL, count_cb, &n, ERR));
	assert_int_equal(n, 1);
	/* Moving the household moves its members and visits. */
	put_household(f->s, "H1", "520102", "001", "张三", "");
	n = 0;
	OK(store_each(f->s, NULL, "520102", count_cb, &n, ERR));
	assert_int_equal(n, 4);
	OK(store_check(f->s, NULL, ERR));
}

static int stop_cb(const record *r, void *ud)
{
	(void)r;
	(*(int *)ud)++;
	return 42;
}

static void test_store__each_stops_early(void **state)
{
	fixture *f = *state;
	int n = 0;
	fc_err e;

	put_household(f->s, "H1", "520101", "001", "甲", "");
	put_household(f->s, "H2", "520101", "002", "乙", "");
	assert_int_equal(store_each(f->s, NULL, NULL, stop_cb, &n, &e), 42);
	assert_int_equal(n, 1);
}

static void test_store__clear_records_keeps_drafts_and_audit(void **state)
{
	fixture *f = *state;
	record *d = household("H9", "520101", "009", "草稿", ""), *got = NULL;
	int n = 0;
	fc_err e;

	put_household(f->s, "H1", "520101", "001", "张三", "");
	put_member(f->s, "M1", "H1", "张一", "", "");
	OK(store_draft_save(f->s, d, ERR));
	OK(store_meta_set(f->s, "role", "cadre", ERR));
	OK(store_clear_records(f->s, ERR));
	assert_int_equal(store_get(f->s, "H1", &got, &e), FC_ENOTFOUND);
	OK(store_each(f->s, NULL, NULL, count_cb, &n, ERR));
	assert_int_equal(n, 0);
	assert_int_equal(pending_count(f->s), 0);
	assert_int_equal(search_count(f->s, "张三"), 0);
	OK(store_draft_get(f->s, "H9", &got, ERR));
	record_free(got);
	assert_true(history(f->s, NULL).n > 0);
	OK(store_check(f->s, NULL, ERR));

	/* Rebuilding from the ledger writes no audit rows and queues nothing. */
	n = history(f->s, NULL).n;
	{
		record *h = household("H1", "520101", "001", "张三", "");

		OK(store_put(f->s, h, NULL, "ledger", STORE_REBUILD, ERR));
		record_free(h);
	}
	assert_int_equal(history(f->s, NULL).n, n);
	assert_int_equal(pending_count(f->s), 0);
	assert_int_equal(search_count(f->s, "张三"), 1);
	record_free(d);
}

#define T(name) cmocka_unit_test_setup_teardown(test_store__##name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(migrates_and_reopens),
		T(durability_settings),
		T(meta),
		T(put_get),
		T(audit_per_changed_field),
		T(pending_queue),
		T(drafts),
		T(search),
		T(list_filters_and_sort),
		T(villages_summary),
		T(review_states),
		T(conflicts),
		T(check_finds_orphan),
		T(rollback_leaves_nothing),
		T(village_move_and_each),
		T(each_stops_early),
		T(clear_records_keeps_drafts_and_audit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
