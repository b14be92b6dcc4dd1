/* test_sync.c — unit tests for the device sync (sync/sync.c) with no
 * network: the county repository is a bare repository in a scratch folder
 * (a USB stick, to the device), reached by path. A first sync signs the
 * pending record, takes the village, brings the store up to the merged
 * tree and pushes batches/<principal>; a second one finds nothing to sign;
 * after the county merges the batch, the device takes the new village cut
 * as it is (a fast-forward: nothing to send back); a village commit signed
 * by a stray key is refused whole, naming the commit, while the rest of
 * the sync still happens. And the rebuild puts the same records back. */
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
#include "fieldcard/sync.h"
#include "fieldcard/util.h"

#define V1 "522701105201"
#define H1 "01JDE5M0000000000000000001"
#define H2 "01JDE5M0000000000000000002"

typedef struct world {
	char dir[64];
	char *county_git;       /* the county repository (bare, by path) */
	ledger *county;         /* it, opened as the county desk would */
	fc_app *staff;          /* the county staff's data directory */
	fc_app *dev;            /* the cadre's device */
	sig_key kc, k1, stray;
	ledger_author county_who;
} world;

static void signer_line(fc_buf *out, const char *principal, const sig_key *k)
{
	fc_buf line = FC_BUF_INIT;

	sig_pubkey_line(k, &line);
	buf_printf(out, "%s namespaces=\"git\" %s\n", principal, line.data);
	buf_free(&line);
}

/* A data directory with these settings (what init leaves behind). */
static fc_app *data_dir(world *w, const char *name, const char *role, const char *principal,
			const char *villages, const sig_key *key)
{
	char *d = util_asprintf("%s/%s", w->dir, name), *db = util_asprintf("%s/fieldcard.db", d);
	char *kd = util_asprintf("%s/keys", d), *kf = util_asprintf("%s/id_ed25519", kd);
	store *st = NULL;
	fc_app *a = NULL;
	fc_err e;

	if (util_mkdir_p(d, 0700, &e) || store_open(db, &st, &e) ||
	    store_meta_set(st, "role", role, &e) || store_meta_set(st, "principal", principal, &e) ||
	    store_meta_set(st, "villages", villages, &e) || store_meta_set(st, "device", "laptop", &e) ||
	    store_meta_set(st, "remote", w->county_git, &e))
		fail_msg("%s", e.msg);
	store_close(st);
	if (key && (util_mkdir_p(kd, 0700, &e) || sig_key_save(key, kf, NULL, &e)))
		fail_msg("%s", e.msg);
	if (app_open(d, &a, &e) != FC_OK)
		fail_msg("%s", e.msg);
	free(d);
	free(db);
	free(kd);
	free(kf);
	return a;
}

static int setup(void **state)
{
	world *w = util_calloc(1, sizeof(*w));
	fc_buf signers = FC_BUF_INIT, msg = FC_BUF_INIT;
	const char *roster = "county-wang\tcounty\t*\ncadre-a\tcadre\t" V1 "\n";
	ledger_change ch[2];
	ledger_oid main;
	fc_err e;

	snprintf(w->dir, sizeof(w->dir), "/tmp/test_sync.XXXXXX");
	if (!mkdtemp(w->dir))
		return -1;
	w->county_git = util_asprintf("%s/county.git", w->dir);
	if (sig_keygen(&w->kc, "county", &e) || sig_keygen(&w->k1, "a", &e) ||
	    sig_keygen(&w->stray, "stray", &e) || ledger_open(w->county_git, 1, &w->county, &e))
		fail_msg("%s", e.msg);
	w->county_who.principal = "county-wang";
	w->county_who.device = "office";
	w->county_who.key = &w->kc;
	/* main as init-county and enroll leave it, and the village's cut. */
	signer_line(&signers, "county-wang", &w->kc);
	signer_line(&signers, "cadre-a", &w->k1);
	ch[0].path = LEDGER_SIGNERS_PATH;
	ch[0].data = signers.data;
	ch[0].len = signers.len;
	ch[1].path = "keys/roster";
	ch[1].data = roster;
	ch[1].len = strlen(roster);
	buf_adds(&msg, "County repository\n");
	ledger_message_trailers(&msg, "county-wang", "office");
	if (ledger_commit_changes(w->county, "refs/heads/main", NULL, ch, 2, &w->county_who, msg.data,
				  &main, &e) ||
	    county_cut_village(w->county, &w->county_who, &main, V1, &e))
		fail_msg("%s", e.msg);
	w->dev = data_dir(w, "dev", "cadre", "cadre-a", V1, &w->k1);
	w->staff = data_dir(w, "staff", "county", "county-wang", "", NULL);
	buf_free(&signers);
	buf_free(&msg);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world *w = *state;
	char *cmd = util_asprintf("rm -rf '%s'", w->dir);
	int rc = system(cmd);

	app_close(w->dev);
	app_close(w->staff);
	ledger_free(w->county);
	sig_key_wipe(&w->kc);
	sig_key_wipe(&w->k1);
	sig_key_wipe(&w->stray);
	free(w->county_git);
	free(cmd);
	free(w);
	return rc == 0 ? 0 : -1;
}

/* A household saved on the device, as a form save leaves it: in the store
 * and in the queue of pending changes. */
static void save_household(fc_app *a, const char *id, const char *head)
{
	record *r = record_new(K_HOUSEHOLD, id, NULL);
	fc_buf text = FC_BUF_INIT;
	fc_err e;

	record_set_version(r, "2026.11.1");
	record_set(r, F_VILLAGE_CODE, V1);
	record_set(r, F_HEAD_NAME, head);
	record_serialise(r, NULL, NULL, 0, &text);
	if (store_put(a->st, r, text.data, a->principal, STORE_LOCAL, &e) != FC_OK)
		fail_msg("%s", e.msg);
	record_free(r);
	buf_free(&text);
}

static int sync_once(world *w, sync_result *res, fc_err *e)
{
	sync_opts o;

	memset(&o, 0, sizeof(o));
	return sync_run(w->dev, &o, res, e);
}

static void test_sync__first_sync_commits_merges_and_pushes(void **state)
{
	world *w = *state;
	sync_result res;
	ledger_oid there, again;
	record *r = NULL;
	fc_buf b = FC_BUF_INIT;
	fc_err e;
	int pending = -1;

	save_household(w->dev, H1, "张三");
	assert_int_equal(sync_once(w, &res, &e), FC_OK);
	assert_int_equal(res.committed, 1);
	assert_int_equal(res.villages_merged, 1);
	assert_int_equal(res.pushed, 1);
	assert_int_equal(res.conflicts, 0);
	assert_int_equal(store_pending_count(w->dev->st, &pending, &e), FC_OK);
	assert_int_equal(pending, 0);
	/* The county repository holds the signed batch with the household. */
	assert_int_equal(ledger_ref_get(w->county, "refs/heads/batches/cadre-a", &there, &e), FC_OK);
	{
		char *p = ledger_record_path(LEDGER_PATH_HOUSEHOLD, V1, H1, NULL);
		ledger_oid tree;

		assert_int_equal(ledger_commit_tree(w->county, &there, &tree, &e), FC_OK);
		assert_int_equal(ledger_read_tree(w->county, &tree, p, &b, &e), FC_OK);
		assert_non_null(strstr(b.data, "张三"));
		free(p);
	}
	/* The store follows the merged tree. */
	assert_int_equal(store_get(w->dev->st, H1, &r, &e), FC_OK);
	record_free(r);
	/* Nothing new: nothing signed, the batch where it was. */
	assert_int_equal(sync_once(w, &res, &e), FC_OK);
	assert_int_equal(res.committed, 0);
	assert_int_equal(res.villages_merged, 0);
	assert_int_equal(ledger_ref_get(w->county, "refs/heads/batches/cadre-a", &again, &e), FC_OK);
	assert_true(ledger_oid_equal(&there, &again));
	buf_free(&b);
}

static void test_sync__takes_the_county_merge_as_it_is(void **state)
{
	world *w = *state;
	county_merge_result cm;
	sync_result res;
	ledger_oid head, village;
	ledger *dl = NULL;
	record *r = NULL;
	fc_err e;

	save_household(w->dev, H1, "张三");
	assert_int_equal(sync_once(w, &res, &e), FC_OK);
	/* The county merges it (in the county repository itself, as a desk
	 * whose remote is that repository would, then pushes). */
	assert_int_equal(county_merge(w->county, w->staff, &w->county_who, "cadre-a", NULL, &cm, &e),
			 FC_OK);
	assert_int_equal(cm.villages_cut, 1);
	assert_int_equal(store_get(w->staff->st, H1, &r, &e), FC_OK);
	record_free(r);
	/* The device changed nothing since: it takes the cut that links its
	 * batch, with no merge commit and nothing to push. */
	assert_int_equal(sync_once(w, &res, &e), FC_OK);
	assert_int_equal(res.villages_merged, 1);
	assert_int_equal(res.pushed, 0);
	assert_int_equal(ledger_open(w->dev->ledger_path, 0, &dl, &e), FC_OK);
	assert_int_equal(ledger_ref_get(dl, "refs/heads/batches/cadre-a", &head, &e), FC_OK);
	assert_int_equal(ledger_ref_get(w->county, "refs/heads/villages/" V1, &village, &e), FC_OK);
	assert_true(ledger_oid_equal(&head, &village));
	ledger_free(dl);
}

static void test_sync__stray_village_commit_refused_rest_goes_on(void **state)
{
	world *w = *state;
	ledger_author forger = { "county-wang", "office", NULL, 0, 0 };
	char *p2 = ledger_record_path(LEDGER_PATH_HOUSEHOLD, V1, H2, NULL);
	ledger_change ch = { p2, "form: household 2026.11.1\nid: " H2 "\n", 0 };
	ledger_oid cut, forged, there;
	sync_result res;
	record *r = NULL;
	char s[LEDGER_OID_SHORT];
	fc_err e;

	/* Someone with a key the county never enrolled moves villages/V1. */
	forger.key = &w->stray;
	ch.len = strlen(ch.data);
	assert_int_equal(ledger_ref_get(w->county, "refs/heads/villages/" V1, &cut, &e), FC_OK);
	assert_int_equal(ledger_commit_changes(w->county, "refs/heads/villages/" V1, &cut, &ch, 1, &forger,
					       "villages/" V1 "\n\nFieldcard-Principal: county-wang\n",
					       &forged, &e), FC_OK);
	ledger_oid_fmt(s, sizeof(s), &forged);
	save_household(w->dev, H1, "张三");
	assert_int_equal(sync_once(w, &res, &e), FC_ECONFLICT);
	assert_non_null(strstr(e.msg, "villages/" V1));
	assert_non_null(strstr(e.msg, s));
	assert_non_null(strstr(e.msg, "unknown key"));
	/* Nothing of the village came in; the device's own batch still went. */
	assert_int_equal(store_get(w->dev->st, H2, &r, &e), FC_ENOTFOUND);
	assert_int_equal(res.committed, 1);
	assert_int_equal(res.pushed, 1);
	assert_int_equal(ledger_ref_get(w->county, "refs/heads/batches/cadre-a", &there, &e), FC_OK);
	free(p2);
}

static void test_sync__rebuild_puts_the_records_back(void **state)
{
	world *w = *state;
	sync_result res;
	char *before = NULL, *after = NULL;
	fc_err e;

	save_household(w->dev, H1, "张三");
	save_household(w->dev, H2, "李四");
	assert_int_equal(sync_once(w, &res, &e), FC_OK);
	assert_int_equal(store_get_canonical(w->dev->st, H2, &before, &e), FC_OK);
	assert_int_equal(sync_rebuild(w->dev, &e), FC_OK);
	assert_int_equal(store_get_canonical(w->dev->st, H2, &after, &e), FC_OK);
	assert_string_equal(before, after);
	free(before);
	free(after);
	/* A change not synced yet: the rebuild refuses and changes nothing. */
	save_household(w->dev, H1, "张三丰");
	assert_int_equal(sync_rebuild(w->dev, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "run `fieldcard sync` first"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sync__first_sync_commits_merges_and_pushes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sync__takes_the_county_merge_as_it_is, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sync__stray_village_commit_refused_rest_goes_on,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync__rebuild_puts_the_records_back, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
