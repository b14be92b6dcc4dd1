/* test_merge.c — unit tests for the field-level record merge and the tree
 * merge (sync/merge.c): what merges clean, what is a conflict, where open
 * conflicts are kept in the tree, and that untouched subtrees stay as they
 * were. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fieldcard/buf.h"
#include "fieldcard/err.h"
#include "fieldcard/fields.h"
#include "fieldcard/ledger.h"
#include "fieldcard/merge.h"
#include "fieldcard/record.h"
#include "fieldcard/util.h"

#define HH "01JD3Q0000000000000000HH01"
#define HH2 "01JD3Q0000000000000000HH02"
#define M1 "01JD3Q0000000000000000MM01"
#define M2 "01JD3Q0000000000000000MM02"
#define M3 "01JD3Q0000000000000000MM03"
#define V1 "520102001"
#define V2 "520102002"

static record *hh(const char *name, const char *income, const char *status)
{
	record *r = record_new(K_HOUSEHOLD, HH, NULL);

	record_set_version(r, "2026.11.1");
	record_set(r, F_HEAD_NAME, name);
	record_set(r, F_NET_INCOME, income);
	record_set(r, F_POVERTY_STATUS, status);
	return r;
}

static record *member(const char *id, const char *name, const char *status,
		      const char *health)
{
	record *r = record_new(K_MEMBER, id, HH);

	record_set_version(r, "2026.11.1");
	record_set(r, F_M_NAME, name);
	record_set(r, F_M_STATUS, status);
	record_set(r, F_M_LEFT_REASON, strcmp(status, C_LEFT) == 0 ? "moved" : "");
	record_set(r, F_M_HEALTH, health);
	return r;
}

static void test_merge__different_fields_merge_clean(void **state)
{
	record *b = hh("张三", "8000", "not_lifted");
	record *o = hh("张三", "9500", "not_lifted");
	record *t = hh("张三", "8000", "lifted");
	record *m = NULL;
	merge_conflicts c = { 0 };

	(void)state;
	assert_int_equal(merge_record(b, o, t, &m, &c, NULL), FC_OK);
	assert_int_equal(c.n, 0);
	assert_string_equal(record_val(m, F_NET_INCOME), "9500");
	assert_string_equal(record_val(m, F_POVERTY_STATUS), "lifted");
	assert_string_equal(record_val(m, F_HEAD_NAME), "张三");
	record_free(b);
	record_free(o);
	record_free(t);
	record_free(m);
	merge_conflicts_free(&c);
}

static void test_merge__same_field_different_values_conflict(void **state)
{
	record *b = hh("张三", "8000", "not_lifted");
	record *o = hh("张三", "9500", "not_lifted");
	record *t = hh("张三", "7000", "lifted");
	record *m = NULL;
	merge_conflicts c = { 0 };

	(void)state;
	assert_int_equal(merge_record(b, o, t, &m, &c, NULL), FC_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0].record_id, HH);
	assert_string_equal(c.v[0].field, F_NET_INCOME);
	assert_string_equal(c.v[0].base, "8000");
	assert_string_equal(c.v[0].ours, "9500");
	assert_string_equal(c.v[0].theirs, "7000");
	/* The record keeps ours; the other clean change still lands. */
	assert_string_equal(record_val(m, F_NET_INCOME), "9500");
	assert_string_equal(record_val(m, F_POVERTY_STATUS), "lifted");
	record_free(b);
	record_free(o);
	record_free(t);
	record_free(m);
	merge_conflicts_free(&c);
}

static void test_merge__same_value_on_both_sides_is_clean(void **state)
{
	record *b = hh("张三", "8000", "not_lifted");
	record *o = hh("张三", "9000", "lifted");
	record *t = hh("张三", "9000", "lifted");
	record *m = NULL;
	merge_conflicts c = { 0 };

	(void)state;
	assert_int_equal(merge_record(b, o, t, &m, &c, NULL), FC_OK);
	assert_int_equal(c.n, 0);
	assert_string_equal(record_val(m, F_NET_INCOME), "9000");
	/* Added on both sides (no base) with the same values: clean too. */
	record_free(m);
	assert_int_equal(merge_record(NULL, o, t, &m, &c, NULL), FC_OK);
	assert_int_equal(c.n, 0);
	record_free(b);
	record_free(o);
	record_free(t);
	record_free(m);
	merge_conflicts_free(&c);
}

static void test_merge__member_left_vs_edited_conflicts(void **state)
{
	record *b = member(M1, "李四", C_PRESENT, "healthy");
	record *o = member(M1, "李四", C_LEFT, "healthy");
	record *t = member(M1, "李四", C_PRESENT, "chronic");
	record *m = NULL;
	merge_conflicts c = { 0 };

	(void)state;
	assert_int_equal(merge_record(b, o, t, &m, &c, NULL), FC_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0].field, F_M_STATUS);
	assert_string_equal(c.v[0].base, C_PRESENT);
	assert_string_equal(c.v[0].ours, C_LEFT);
	assert_string_equal(c.v[0].theirs, C_PRESENT);
	assert_string_equal(record_val(m, F_M_STATUS), C_LEFT);
	assert_string_equal(record_val(m, F_M_HEALTH), "chronic");
	record_free(m);
	merge_conflicts_free(&c);

	/* The other way round: theirs marks left, ours edited; ours stays
	 * present and the reason theirs gave is kept beside it. */
	assert_int_equal(merge_record(b, t, o, &m, &c, NULL), FC_OK);
	assert_int_equal(c.n, 2);
	assert_string_equal(record_val(m, F_M_STATUS), C_PRESENT);
	assert_string_equal(record_val(m, F_M_LEFT_REASON), "");
	assert_string_equal(c.v[0].field, F_M_STATUS);
	assert_string_equal(c.v[0].theirs, C_LEFT);
	assert_string_equal(c.v[1].field, F_M_LEFT_REASON);
	assert_string_equal(c.v[1].theirs, "moved");
	record_free(m);
	merge_conflicts_free(&c);

	/* Left on one side, untouched on the other: clean. */
	assert_int_equal(merge_record(b, o, b, &m, &c, NULL), FC_OK);
	assert_int_equal(c.n, 0);
	assert_string_equal(record_val(m, F_M_STATUS), C_LEFT);
	record_free(b);
	record_free(o);
	record_free(t);
	record_free(m);
	merge_conflicts_free(&c);
}

static void test_merge__different_records_refused(void **state)
{
	record *o = hh("张三", "1", "lifted");
	record *t = member(M1, "李四", C_PRESENT, "healthy");
	record *m = NULL;
	fc_err err;

	(void)state;
	assert_int_equal(merge_record(NULL, o, t, &m, NULL, &err), FC_EINVALID);
	assert_null(m);
	assert_non_null(strstr(err.msg, HH));
	record_free(o);
	record_free(t);
}

/* ---- tree merges on a real repository ---- */

typedef struct repo {
	char dir[64];
	ledger *l;
} repo;

static int setup_repo(void **state)
{
	repo *r = util_calloc(1, sizeof(*r));
	char *git;

	snprintf(r->dir, sizeof(r->dir), "/tmp/test_merge.XXXXXX");
	if (!mkdtemp(r->dir))
		return -1;
	git = util_asprintf("%s/ledger.git", r->dir);
	if (ledger_open(git, 1, &r->l, NULL) != FC_OK) {
		free(git);
		return -1;
	}
	free(git);
	*state = r;
	return 0;
}

static int teardown_repo(void **state)
{
	repo *r = *state;
	char *cmd = util_asprintf("rm -rf '%s'", r->dir);

	ledger_free(r->l);
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	free(r);
	return 0;
}

static char *text_of(const record *r)
{
	fc_buf b = FC_BUF_INIT;

	record_serialise(r, NULL, NULL, 0, &b);
	return buf_detach(&b);
}

/* tree = base + (path, record) pairs (record NULL = remove). */
static void put(ledger *l, const ledger_oid *base, ledger_oid *out, size_t n, ...)
{
	ledger_change *ch = util_calloc(n, sizeof(*ch));
	char **texts = util_calloc(n, sizeof(*texts));
	va_list ap;
	fc_err err;

	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		const char *path = va_arg(ap, const char *);
		record *r = va_arg(ap, record *);

		ch[i].path = path;
		if (r) {
			texts[i] = text_of(r);
			ch[i].data = texts[i];
			ch[i].len = strlen(texts[i]);
			record_free(r);
		}
	}
	va_end(ap);
	if (ledger_tree_update(l, base, ch, n, out, &err) != FC_OK)
		fail_msg("%s", err.msg);
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	free(ch);
}

static ledger_oid subtree(ledger *l, const ledger_oid *tree, const char *path)
{
	ledger_entry e;

	assert_int_equal(ledger_find(l, tree, path, &e, NULL), FC_OK);
	return e.id;
}

/* Household folders sit under their id's last two characters. */
#define P_HHDIR "villages/" V1 "/0/1/" HH
#define P_HH P_HHDIR "/household"
#define P_M(id) P_HHDIR "/members/" id
#define P_OTHER "villages/" V2 "/0/2/" HH2 "/household"

static void test_merge__members_added_on_both_sides_never_conflict(void **state)
{
	repo *r = *state;
	ledger_oid base, ours, theirs, out;
	merge_conflicts c = { 0 };
	fc_buf b = FC_BUF_INIT;
	fc_err err;

	put(r->l, NULL, &base, 2, P_HH, hh("张三", "8000", "not_lifted"),
	    P_M(M1), member(M1, "张三", C_PRESENT, "healthy"));
	put(r->l, &base, &ours, 1, P_M(M2), member(M2, "王五", C_PRESENT, "healthy"));
	put(r->l, &base, &theirs, 1, P_M(M3), member(M3, "赵六", C_PRESENT, "serious"));
	assert_int_equal(merge_trees(r->l, &base, &ours, &theirs, &out, &c, &err), FC_OK);
	assert_int_equal(c.n, 0);
	assert_int_equal(ledger_read_tree(r->l, &out, P_M(M2), &b, &err), FC_OK);
	assert_non_null(strstr(b.data, "王五"));
	buf_reset(&b);
	assert_int_equal(ledger_read_tree(r->l, &out, P_M(M3), &b, &err), FC_OK);
	assert_non_null(strstr(b.data, "赵六"));
	buf_free(&b);
	merge_conflicts_free(&c);
}

static void test_merge__tree_merge_touches_only_changed_paths(void **state)
{
	repo *r = *state;
	ledger_oid base, ours, theirs, out, before, after;
	merge_conflicts c = { 0 }, open = { 0 };
	record *other = record_new(K_HOUSEHOLD, HH2, NULL);
	fc_buf b = FC_BUF_INIT;
	fc_err err;

	record_set(other, F_HEAD_NAME, "周七");
	put(r->l, NULL, &base, 2, P_HH, hh("张三", "8000", "not_lifted"), P_OTHER, other);
	/* ours (main) changes income; theirs (a batch) changes income
	 * differently and the status. */
	put(r->l, &base, &ours, 1, P_HH, hh("张三", "9500", "not_lifted"));
	put(r->l, &base, &theirs, 1, P_HH, hh("张三", "7000", "lifted"));
	before = subtree(r->l, &ours, "villages/" V2);
	assert_int_equal(merge_trees_who(r->l, &base, &ours, &theirs, "county", "zhang", &out,
					 &c, &err), FC_OK);
	after = subtree(r->l, &out, "villages/" V2);
	assert_true(ledger_oid_equal(&before, &after));
	before = subtree(r->l, &base, "villages/" V2);
	assert_true(ledger_oid_equal(&before, &after));

	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0].path, P_HH);
	assert_string_equal(c.v[0].field, F_NET_INCOME);
	assert_string_equal(c.v[0].ours_who, "county");
	assert_string_equal(c.v[0].theirs_who, "zhang");

	/* The record keeps ours, takes theirs' clean change, and the
	 * conflict is in the tree beside the village. */
	assert_int_equal(ledger_read_tree(r->l, &out, P_HH, &b, &err), FC_OK);
	assert_non_null(strstr(b.data, "net_income: 9500\n"));
	assert_non_null(strstr(b.data, "poverty_status: lifted\n"));
	buf_reset(&b);
	assert_int_equal(ledger_read_tree(r->l, &out, P_HHDIR "/conflicts", &b, &err),
			 FC_OK);
	assert_string_equal(b.data, HH "\tnet_income\t8000\t9500\t7000\n");
	buf_free(&b);

	assert_int_equal(merge_conflicts_read(r->l, &out, NULL, &open, &err), FC_OK);
	assert_int_equal(open.n, 1);
	assert_string_equal(open.v[0].record_id, HH);
	assert_string_equal(open.v[0].base, "8000");
	assert_string_equal(open.v[0].ours, "9500");
	assert_string_equal(open.v[0].theirs, "7000");
	assert_string_equal(open.v[0].kind, K_HOUSEHOLD);
	merge_conflicts_free(&open);

	/* Merging the same batch again changes nothing. */
	{
		ledger_oid again;

		merge_conflicts_free(&c);
		assert_int_equal(merge_trees_who(r->l, &base, &out, &theirs, "county", "zhang",
						 &again, &c, &err), FC_OK);
		assert_true(ledger_oid_equal(&again, &out));
	}
	merge_conflicts_free(&c);
}

/* Both sides fill a field that was empty: the open conflict (empty base)
 * must read back from the tree, or nobody would ever see it. */
static void test_merge__conflict_with_empty_base_reads_back(void **state)
{
	repo *r = *state;
	ledger_oid base, ours, theirs, out;
	merge_conflicts c = { 0 }, open = { 0 };
	fc_err err;

	put(r->l, NULL, &base, 1, P_HH, hh("张三", "", "not_lifted"));
	put(r->l, &base, &ours, 1, P_HH, hh("张三", "9500", "not_lifted"));
	put(r->l, &base, &theirs, 1, P_HH, hh("张三", "7000", "not_lifted"));
	assert_int_equal(merge_trees(r->l, &base, &ours, &theirs, &out, &c, &err), FC_OK);
	assert_int_equal(c.n, 1);
	assert_int_equal(merge_conflicts_read(r->l, &out, V1, &open, &err), FC_OK);
	assert_int_equal(open.n, 1);
	assert_string_equal(open.v[0].field, F_NET_INCOME);
	assert_string_equal(open.v[0].base, "");
	assert_string_equal(open.v[0].ours, "9500");
	assert_string_equal(open.v[0].theirs, "7000");
	merge_conflicts_free(&open);
	merge_conflicts_free(&c);
}

static void test_merge__resolving_removes_the_open_conflict(void **state)
{
	repo *r = *state;
	ledger_oid base, ours, theirs, out, settled;
	merge_conflicts c = { 0 }, open = { 0 };
	ledger_change ch[2];
	merge_conflict found;
	fc_buf b = FC_BUF_INIT;
	fc_err err;

	put(r->l, NULL, &base, 1, P_HH, hh("张三", "8000", "not_lifted"));
	put(r->l, &base, &ours, 1, P_HH, hh("张叁", "9500", "not_lifted"));
	put(r->l, &base, &theirs, 1, P_HH, hh("张山", "7000", "lifted"));
	assert_int_equal(merge_trees(r->l, &base, &ours, &theirs, &out, &c, &err), FC_OK);
	assert_int_equal(c.n, 2);

	assert_int_equal(merge_resolve_changes(r->l, &out, NULL, HH, F_NET_INCOME, "7000", ch, &found,
					       &err), FC_OK);
	assert_string_equal(found.ours, "9500");
	assert_non_null(ch[1].data); /* head_name is still open */
	assert_int_equal(ledger_tree_update(r->l, &out, ch, 2, &settled, &err), FC_OK);
	free((void *)ch[0].path);
	free((void *)ch[0].data);
	free((void *)ch[1].path);
	free((void *)ch[1].data);
	merge_conflict_clear(&found);
	assert_int_equal(ledger_read_tree(r->l, &settled, P_HH, &b, &err), FC_OK);
	assert_non_null(strstr(b.data, "net_income: 7000\n"));
	assert_int_equal(merge_conflicts_read(r->l, &settled, V1, &open, &err), FC_OK);
	assert_int_equal(open.n, 1);
	assert_string_equal(open.v[0].field, F_HEAD_NAME);
	merge_conflicts_free(&open);

	/* Settling the last one removes the conflict file. */
	assert_int_equal(merge_resolve_changes(r->l, &settled, P_HH, HH, F_HEAD_NAME, "张三", ch, NULL,
					       &err), FC_OK);
	assert_null(ch[1].data);
	assert_int_equal(ledger_tree_update(r->l, &settled, ch, 2, &out, &err), FC_OK);
	free((void *)ch[0].path);
	free((void *)ch[0].data);
	free((void *)ch[1].path);
	assert_int_equal(merge_conflicts_read(r->l, &out, NULL, &open, &err), FC_OK);
	assert_int_equal(open.n, 0);
	assert_int_equal(merge_resolve_changes(r->l, &out, NULL, HH, F_HEAD_NAME, "x", ch, NULL, &err),
			 FC_ENOTFOUND);
	buf_free(&b);
	merge_conflicts_free(&c);
}

static void test_merge__removed_record_is_a_conflict(void **state)
{
	repo *r = *state;
	ledger_oid base, theirs, out;
	merge_conflicts c = { 0 };
	fc_buf b = FC_BUF_INIT;
	fc_err err;

	put(r->l, NULL, &base, 1, P_HH, hh("张三", "8000", "not_lifted"));
	put(r->l, &base, &theirs, 1, P_HH, (record *)NULL);
	assert_int_equal(merge_trees(r->l, &base, &base, &theirs, &out, &c, &err), FC_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0].field, "_deleted");
	assert_int_equal(ledger_read_tree(r->l, &out, P_HH, &b, &err), FC_OK);
	assert_non_null(strstr(b.data, "张三"));
	buf_free(&b);
	merge_conflicts_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge__different_fields_merge_clean),
		cmocka_unit_test(test_merge__same_field_different_values_conflict),
		cmocka_unit_test(test_merge__same_value_on_both_sides_is_clean),
		cmocka_unit_test(test_merge__member_left_vs_edited_conflicts),
		cmocka_unit_test(test_merge__different_records_refused),
		cmocka_unit_test_setup_teardown(test_merge__members_added_on_both_sides_never_conflict,
						setup_repo, teardown_repo),
		cmocka_unit_test_setup_teardown(test_merge__tree_merge_touches_only_changed_paths,
						setup_repo, teardown_repo),
		cmocka_unit_test_setup_teardown(test_merge__conflict_with_empty_base_reads_back, setup_repo, teardown_repo),
		cmocka_unit_test_setup_teardown(test_merge__resolving_removes_the_open_conflict,
						setup_repo, teardown_repo),
		cmocka_unit_test_setup_teardown(test_merge__removed_record_is_a_conflict,
						setup_repo, teardown_repo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
