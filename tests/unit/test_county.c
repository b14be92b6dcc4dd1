/* test_county.c — unit tests for the county's side of the ledger
 * (sync/county.c, sync/county_merge.c): a small county of two villages,
 * each with its cadre, batches verified and merged into main, the county's
 * own store following through the model's door, a duplicate ID number
 * flagged across villages, and batches refused (a stray key, a path outside
 * the principal's villages, a roster line too long to hold). */
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
#include "fieldcard/buf.h"
#include "fieldcard/county.h"
#include "fieldcard/fields.h"
#include "fieldcard/ledger.h"
#include "fieldcard/record.h"
#include "fieldcard/sig.h"
#include "fieldcard/store.h"
#include "fieldcard/util.h"

#define V1 "522701105201"
#define V2 "522701105202"
#define H1 "01JDE5M0000000000000000001"
#define H2 "01JDE5M0000000000000000002"
#define H3 "01JDE5M0000000000000000003"
#define HEAD_ID "522701198001010411"

typedef struct county {
	char dir[64];
	fc_app *a;
	ledger *l;
	sig_key kc, k1, k2, stray;
	ledger_author county_who;
	ledger_oid main;
} county;

static void signer_line(fc_buf *out, const char *principal, const sig_key *k)
{
	fc_buf line = FC_BUF_INIT;

	sig_pubkey_line(k, &line);
	buf_printf(out, "%s namespaces=\"git\" %s\n", principal, line.data);
	buf_free(&line);
}

/* keys/ on main as init-county and enroll leave them: the county principal
 * and one cadre per village. roster_extra is appended to keys/roster. A
 * commit on top of main if there is one. */
static void make_main(county *c, const char *roster_extra)
{
	fc_buf signers = FC_BUF_INIT, roster = FC_BUF_INIT, msg = FC_BUF_INIT;
	ledger_change ch[2];
	ledger_oid cur;
	int has = ledger_ref_get(c->l, "refs/heads/main", &cur, NULL) == FC_OK;
	fc_err e;

	signer_line(&signers, "county-wang", &c->kc);
	signer_line(&signers, "cadre-a", &c->k1);
	signer_line(&signers, "cadre-b", &c->k2);
	buf_printf(&roster, "county-wang\tcounty\t*\ncadre-a\tcadre\t" V1 "\ncadre-b\tcadre\t" V2
		   "\n%s", roster_extra ? roster_extra : "");
	ch[0].path = LEDGER_SIGNERS_PATH;
	ch[0].data = signers.data;
	ch[0].len = signers.len;
	ch[1].path = "keys/roster";
	ch[1].data = roster.data;
	ch[1].len = roster.len;
	buf_adds(&msg, "County repository\n");
	ledger_message_trailers(&msg, "county-wang", "office");
	if (ledger_commit_changes(c->l, "refs/heads/main", has ? &cur : NULL, ch, 2, &c->county_who,
				  msg.data, &c->main, &e) != FC_OK)
		fail_msg("%s", e.msg);
	/* As enroll does: each village gets its cut, which devices start from. */
	if (county_cut_village(c->l, &c->county_who, &c->main, V1, &e) != FC_OK ||
	    county_cut_village(c->l, &c->county_who, &c->main, V2, &e) != FC_OK)
		fail_msg("%s", e.msg);
	buf_free(&signers);
	buf_free(&roster);
	buf_free(&msg);
}

static int setup(void **state)
{
	county *c = util_calloc(1, sizeof(*c));
	char *db, *git;
	store *st = NULL;
	fc_err e;

	snprintf(c->dir, sizeof(c->dir), "/tmp/test_county.XXXXXX");
	if (!mkdtemp(c->dir))
		return -1;
	db = util_asprintf("%s/fieldcard.db", c->dir);
	git = util_asprintf("%s/ledger.git", c->dir);
	if (store_open(db, &st, &e) != FC_OK)
		fail_msg("%s", e.msg);
	store_meta_set(st, "role", "county", NULL);
	store_meta_set(st, "principal", "county-wang", NULL);
	store_close(st);
	if (app_open(c->dir, &c->a, &e) != FC_OK || ledger_open(git, 1, &c->l, &e) != FC_OK)
		fail_msg("%s", e.msg);
	if (sig_keygen(&c->kc, "county", &e) || sig_keygen(&c->k1, "a", &e) ||
	    sig_keygen(&c->k2, "b", &e) || sig_keygen(&c->stray, "stray", &e))
		fail_msg("%s", e.msg);
	c->county_who.principal = "county-wang";
	c->county_who.device = "office";
	c->county_who.key = &c->kc;
	c->county_who.time = 1795424400;
	c->county_who.tz_minutes = 480;
	make_main(c, NULL);
	free(db);
	free(git);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	county *c = *state;
	char *cmd = util_asprintf("rm -rf '%s'", c->dir);
	int rc = system(cmd);

	ledger_free(c->l);
	app_close(c->a);
	sig_key_wipe(&c->kc);
	sig_key_wipe(&c->k1);
	sig_key_wipe(&c->k2);
	sig_key_wipe(&c->stray);
	free(cmd);
	free(c);
	return rc == 0 ? 0 : -1;
}

/* The canonical text of a household of village v whose head has id_number. */
static char *household(const char *id, const char *v, const char *head, const char *id_number)
{
	record *r = record_new(K_HOUSEHOLD, id, NULL);
	fc_buf b = FC_BUF_INIT;

	record_set_version(r, "2026.11.1");
	record_set(r, F_VILLAGE_CODE, v);
	record_set(r, F_HEAD_NAME, head);
	record_set(r, F_HEAD_ID, id_number);
	record_serialise(r, NULL, NULL, 0, &b);
	record_free(r);
	return buf_detach(&b);
}

/* A batch of principal with one file at path, signed with key, on
 * refs/heads/batches/<principal>: a device's changeset on top of the cut
 * of its village, as a first sync leaves it. */
static void batch(county *c, const char *principal, const char *village, const sig_key *key,
		  const char *path, const char *text)
{
	ledger_author who = { principal, "laptop", key, 1795424400, 480 };
	ledger_change ch = { path, text, strlen(text) };
	char *ref = util_asprintf("refs/heads/batches/%s", principal);
	char *cut = util_asprintf("refs/heads/villages/%s", village);
	fc_buf msg = FC_BUF_INIT;
	ledger_oid tip, base;
	fc_err e;

	ledger_message_changeset(&msg, principal, "laptop", NULL, 0, 1, 3);
	if (ledger_ref_get(c->l, cut, &base, &e) != FC_OK ||
	    ledger_commit_changes(c->l, NULL, &base, &ch, 1, &who, msg.data, &tip, &e) != FC_OK ||
	    ledger_ref_force(c->l, ref, &tip, "test", &e) != FC_OK)
		fail_msg("%s", e.msg);
	free(ref);
	free(cut);
	buf_free(&msg);
}

static char *path_of(const char *v, const char *id)
{
	return ledger_record_path(LEDGER_PATH_HOUSEHOLD, v, id, NULL);
}

static void test_county__merge_follows_store_and_flags_duplicate(void **state)
{
	county *c = *state;
	char *p1 = path_of(V1, H1), *p2 = path_of(V2, H2);
	char *t1 = household(H1, V1, "张三", HEAD_ID), *t2 = household(H2, V2, "李四", HEAD_ID);
	county_merge_result res;
	merge_conflicts mc = { NULL, 0, 0 };
	county_batch *bv = NULL;
	county_dup *dv = NULL;
	size_t nb = 0, nd = 0;
	ledger_oid tree, village;
	record *r = NULL;
	fc_buf b = FC_BUF_INIT;
	fc_err e;

	batch(c, "cadre-a", V1, &c->k1, p1, t1);
	assert_int_equal(county_batches(c->l, &bv, &nb, &e), FC_OK);
	assert_int_equal(nb, 1);
	assert_string_equal(bv[0].principal, "cadre-a");
	assert_int_equal(bv[0].status, COUNTY_GOOD);
	assert_int_equal(bv[0].ahead, 1);
	assert_int_equal(bv[0].records, 1);
	free(bv);
	assert_int_equal(county_merge(c->l, c->a, &c->county_who, "cadre-a", &mc, &res, &e), FC_OK);
	assert_int_equal(res.conflicts, 0);
	assert_int_equal(res.duplicates, 0);
	assert_int_equal(res.villages_cut, 1);
	c->main = res.main;
	/* The county's store holds the record as the batch signed it. */
	assert_int_equal(store_get(c->a->st, H1, &r, &e), FC_OK);
	assert_string_equal(record_val(r, F_HEAD_NAME), "张三");
	record_free(r);
	/* villages/V1 holds main's subtree of the village, the same object. */
	assert_int_equal(ledger_ref_get(c->l, "refs/heads/villages/" V1, &village, &e), FC_OK);
	assert_int_equal(ledger_read(c->l, "refs/heads/villages/" V1, p1, &b, &e), FC_OK);
	assert_string_equal(b.data, t1);

	/* Village B brings the same head ID number: a possible duplicate. */
	batch(c, "cadre-b", V2, &c->k2, p2, t2);
	assert_int_equal(county_merge(c->l, c->a, &c->county_who, "cadre-b", &mc, &res, &e), FC_OK);
	assert_int_equal(res.duplicates, 1);
	c->main = res.main;
	assert_int_equal(ledger_commit_tree(c->l, &res.main, &tree, &e), FC_OK);
	assert_int_equal(county_duplicates(c->l, &tree, &dv, &nd, &e), FC_OK);
	assert_int_equal(nd, 1);
	assert_string_equal(dv[0].a, H2);
	assert_string_equal(dv[0].b, H1);
	assert_string_equal(dv[0].state, "open");
	assert_null(strstr(dv[0].masked, HEAD_ID)); /* never the whole number */
	assert_int_equal(store_get(c->a->st, H2, &r, &e), FC_OK);
	record_free(r);
	/* Merged batches drop to COUNTY_MERGED; merging again changes nothing. */
	assert_int_equal(county_merge(c->l, c->a, &c->county_who, "cadre-b", &mc, &res, &e), FC_OK);
	assert_true(ledger_oid_equal(&res.main, &c->main));
	/* Every commit on main checks out: signatures and scopes. */
	{
		fc_buf report = FC_BUF_INIT;
		int n = 0;

		assert_int_equal(county_verify_history(c->l, "refs/heads/main", &report, &n, &e), FC_OK);
		assert_int_equal(report.len, 0);
		/* root, two merges, and what each brought: a batch commit and
		 * the village cut it was made on */
		assert_int_equal(n, 7);
		buf_free(&report);
	}
	free(dv);
	merge_conflicts_free(&mc);
	buf_free(&b);
	free(p1);
	free(p2);
	free(t1);
	free(t2);
}

static void test_county__refuses_stray_key_and_out_of_scope(void **state)
{
	county *c = *state;
	char *p3 = path_of(V2, H3), *t3 = household(H3, V2, "王五", "522701199001010422");
	county_merge_result res;
	county_batch b;
	ledger_oid before, after;
	record *r = NULL;
	fc_err e;

	assert_int_equal(ledger_ref_get(c->l, "refs/heads/main", &before, &e), FC_OK);
	/* cadre-b's batch signed with a key no roster names. */
	batch(c, "cadre-b", V2, &c->stray, p3, t3);
	assert_int_equal(county_merge(c->l, c->a, &c->county_who, "cadre-b", NULL, &res, &e),
			 FC_ECONFLICT);
	assert_non_null(strstr(e.msg, "batches/cadre-b refused"));
	assert_non_null(strstr(e.msg, "unknown key"));
	assert_int_equal(county_verify(c->l, "cadre-b", &b, NULL, NULL, &e), FC_ECONFLICT);
	assert_int_equal(b.status, COUNTY_UNKNOWN_KEY);
	/* cadre-a (village V1) signs a household of village V2. */
	batch(c, "cadre-a", V1, &c->k1, p3, t3);
	assert_int_equal(county_merge(c->l, c->a, &c->county_who, "cadre-a", NULL, &res, &e),
			 FC_ECONFLICT);
	assert_non_null(strstr(e.msg, "out of scope"));
	assert_non_null(strstr(e.msg, p3));
	/* Nothing moved, nothing was stored. */
	assert_int_equal(ledger_ref_get(c->l, "refs/heads/main", &after, &e), FC_OK);
	assert_true(ledger_oid_equal(&before, &after));
	assert_int_equal(store_get(c->a->st, H3, &r, &e), FC_ENOTFOUND);
	free(p3);
	free(t3);
}

/* A roster line longer than county_principal holds is refused by name,
 * never cut short; the other batches are still listed. */
static void test_county__roster_line_too_long_is_refused(void **state)
{
	county *c = *state;
	fc_buf extra = FC_BUF_INIT;
	county_principal p;
	county_batch *bv = NULL;
	size_t nb = 0;
	ledger_oid tree;
	fc_err e;
	int seen = 0;

	buf_adds(&extra, "cadre-c\tcadre\t");
	for (int i = 0; i < 60; i++)
		buf_printf(&extra, "%s5227011052%02d", i ? "," : "", i);
	buf_addc(&extra, '\n');
	make_main(c, extra.data);
	assert_int_equal(ledger_commit_tree(c->l, &c->main, &tree, &e), FC_OK);
	assert_int_equal(county_roster_get(c->l, &tree, "cadre-c", &p, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "cadre-c"));
	assert_non_null(strstr(e.msg, "at most 511"));
	assert_int_equal(county_roster_get(c->l, &tree, "cadre-a", &p, &e), FC_OK);
	assert_string_equal(p.villages, V1);
	batch(c, "cadre-c", V1, &c->k1, "villages/" V1 "/x", "x");
	assert_int_equal(county_batches(c->l, &bv, &nb, &e), FC_OK);
	for (size_t i = 0; i < nb; i++) {
		if (strcmp(bv[i].principal, "cadre-c") == 0) {
			seen = 1;
			assert_int_not_equal(bv[i].status, COUNTY_GOOD);
			assert_non_null(strstr(bv[i].reason, "too long"));
		}
	}
	assert_true(seen);
	free(bv);
	buf_free(&extra);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_county__merge_follows_store_and_flags_duplicate,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_county__refuses_stray_key_and_out_of_scope, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_county__roster_line_too_long_is_refused, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
