/* bench_merge.c — the county merge at county scale (issue 5): a main of
 * HOUSEHOLDS households (default 100,000; env FIELDCARD_BENCH_HOUSEHOLDS)
 * over 300 villages in the villages/<code>/<a>/<b>/<hh>/{household,members/<id>}
 * layout (~3 KB per household), then 200 batches of 50 changed households
 * each (one village per batch, all branched from the same main, like
 * devices that synced once) merged one after the other with merge_trees
 * (field-level, explicit base) and a signed merge commit. Prints the
 * median seconds per batch, the total, peak RSS, and the ratio to stock
 * `git merge-tree --write-tree` on the same commits (sampled).
 * Usage: bench_merge SCRATCH-DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "fieldcard/buf.h"
#include "fieldcard/err.h"
#include "fieldcard/ledger.h"
#include "fieldcard/merge.h"
#include "fieldcard/sig.h"
#include "fieldcard/util.h"

#define VILLAGES 300
#define BATCHES 200
#define PER_BATCH 50
#define CHUNK 2000
#define STOCK_SAMPLES 20

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long peak_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void die(const char *what, const fc_err *e)
{
	fprintf(stderr, "bench_merge: %s: %s\n", what, e->msg);
	exit(1);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n ? v[n / 2] : 0;
}

static void village_code(char out[16], int v)
{
	snprintf(out, 16, "522701%06d", 105000 + v);
}

static void hh_id(char out[32], int h)
{
	snprintf(out, 32, "01JBENCH%018d", h);
}

/* A household card of about 2 KB, its fields varying with h and rev. */
static void household_text(fc_buf *b, int h, int v, int rev)
{
	char id[32], vc[16];

	hh_id(id, h);
	village_code(vc, v);
	buf_printf(b, "form: household 2026.11.1\nid: %s\nprovince: 贵州省\ncity: 黔南布依族苗族自治州\n"
		   "county: 都匀市\ntownship: 坪山镇\nvillage: 高山村%d\nvillage_code: %s\n"
		   "village_group: 第%d村民小组\nhousehold_code: %s%04d\nhead_name: 户主%d\n"
		   "head_id_number: 5227011970%08d\nhead_phone: 138%08d\n", id, v, vc, h % 9 + 1, vc,
		   h % 10000, h, h, h + rev);
	buf_printf(b, "id_standard: national\nid_year: %d\nhousehold_type: general\n"
		   "poverty_status: lifted\nmonitor_category:\nmain_cause: illness\n"
		   "wage_income: %d\nbusiness_income: %d\ntransfer_income: %d\nproperty_income: 0\n"
		   "production_cost: %d\nfloor_area: %d\nhousing_grade: A\nrelocated: no\n"
		   "safe_water: yes\nwater_source: tap\npower: yes\nfuel: electricity\n",
		   2014 + h % 6, 10000 + h % 9000 + rev * 10, h % 5000, h % 3000, h % 2000, 60 + h % 90);
	for (int i = 0; i < 24; i++)
		buf_printf(b, "note_%02d: 走访记录第%d条，家庭情况稳定，收入来源%d项\n", i, i + h % 7, i % 4 + 1);
}

static void member_text(fc_buf *b, int h, int m)
{
	buf_printf(b, "form: household 2026.11.1\nid: 01JBENCHM%011d%02d\nparent: ", h, m);
	{
		char id[32];

		hh_id(id, h);
		buf_printf(b, "%s\n", id);
	}
	buf_printf(b, "name: 成员%d-%d\nsex: %s\nid_number: 5227012000%06d%02d\nbirth_date: 19%02d-01-01\n"
		   "relationship: %s\nhealth: healthy\nlabour_ability: normal\nmedical_insurance: yes\n"
		   "member_status: present\nschool_status: not_in_school\nnote: 外出务工%d个月，月收入%d元\n",
		   h, m, m ? "female" : "male", h, m, 50 + m * 20, m ? "spouse" : "head", m + 3, 3000 + h % 2000);
}

static char *hh_path(int h, int v, const char *rest)
{
	char id[32], vc[16], *dir, *out;

	hh_id(id, h);
	village_code(vc, v);
	dir = ledger_household_dir(vc, id);
	out = util_asprintf("%s/%s", dir, rest);
	free(dir);
	return out;
}

static int sh(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;

	if (!p)
		return -1;
	if (out) {
		n = fread(out, 1, len - 1, p);
		out[n] = '\0';
	} else {
		char tmp[4096];

		while (fread(tmp, 1, sizeof(tmp), p) > 0)
			;
	}
	return pclose(p);
}

int main(int argc, char **argv)
{
	const char *env = getenv("FIELDCARD_BENCH_HOUSEHOLDS");
	int households = env ? atoi(env) : 100000;
	char *gitdir;
	ledger *l = NULL;
	fc_err e;
	sig_key key;
	ledger_author who = { "county-bench", "bench", &key, 1795424400, 480 };
	ledger_oid tree, base, main_c, tips[BATCHES];
	double t0, build_s, times[BATCHES], stock_t[STOCK_SAMPLES], ours_t[STOCK_SAMPLES], total = 0;
	int ngit = 0;
	long rss_built;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_merge SCRATCH-DIR\n");
		return 2;
	}
	gitdir = util_asprintf("%s/bench_merge.git", argv[1]);
	if (ledger_open(gitdir, 1, &l, &e) || sig_keygen(&key, "county-bench", &e))
		die("opening the ledger", &e);

	/* main: built in chunks straight into the tree. */
	t0 = now_s();
	{
		ledger_change *ch = util_calloc(CHUNK * 3, sizeof(*ch));
		fc_buf *bufs = util_calloc(CHUNK * 3, sizeof(*bufs));
		int have = 0;

		for (int h = 0; h < households; h += CHUNK) {
			size_t n = 0;

			for (int k = h; k < h + CHUNK && k < households; k++) {
				int v = k % VILLAGES;

				for (int f = 0; f < 3; f++) {
					fc_buf *b = &bufs[n];

					b->len = 0;
					if (f == 0)
						household_text(b, k, v, 0);
					else
						member_text(b, k, f - 1);
					ch[n].path = f == 0 ? hh_path(k, v, "household")
						   : hh_path(k, v, f == 1 ? "members/01JBENCHM00" : "members/01JBENCHM01");
					ch[n].data = b->data;
					ch[n].len = b->len;
					n++;
				}
			}
			if (ledger_tree_update(l, have ? &tree : NULL, ch, n, &tree, &e))
				die("building main", &e);
			have = 1;
			for (size_t i = 0; i < n; i++)
				free((void *)ch[i].path);
		}
		for (int i = 0; i < CHUNK * 3; i++)
			buf_free(&bufs[i]);
		free(bufs);
		free(ch);
	}
	if (ledger_commit_write(l, &tree, NULL, 0, &who, "main of the benchmark\n", &base, &e))
		die("committing main", &e);
	build_s = now_s() - t0;
	rss_built = peak_kb();
	printf("main: %d households (%d record files, ~3 KB a household) over %d villages built in %.1f s\n",
	       households, households * 3, VILLAGES, build_s);

	/* Batches: each a device commit on main, 50 households of one village. */
	for (int bi = 0; bi < BATCHES; bi++) {
		ledger_change ch[PER_BATCH];
		fc_buf bufs[PER_BATCH];
		int v = (bi * 7) % VILLAGES;

		for (int i = 0; i < PER_BATCH; i++) {
			/* households of village v: h = v + VILLAGES * j */
			int j = (bi / VILLAGES * PER_BATCH + i) % (households / VILLAGES);
			int h = v + VILLAGES * j;

			memset(&bufs[i], 0, sizeof(bufs[i]));
			household_text(&bufs[i], h, v, bi + 1);
			ch[i].path = hh_path(h, v, "household");
			ch[i].data = bufs[i].data;
			ch[i].len = bufs[i].len;
		}
		if (ledger_commit_changes(l, NULL, &base, ch, PER_BATCH, &who, "batch\n", &tips[bi], &e))
			die("writing a batch", &e);
		for (int i = 0; i < PER_BATCH; i++) {
			free((void *)ch[i].path);
			buf_free(&bufs[i]);
		}
	}

	/* Merge them one after the other into main. */
	main_c = base;
	for (int bi = 0; bi < BATCHES; bi++) {
		merge_conflicts c = { NULL, 0, 0 };
		ledger_oid mt, parents[2], m;
		char cmd[512], hm[LEDGER_OID_HEXSIZE + 1], ht[LEDGER_OID_HEXSIZE + 1];
		double s = now_s(), d;

		if (merge_trees_who(l, &base, &main_c, &tips[bi], "county-bench", "cadre", &mt, &c, &e))
			die("merging", &e);
		parents[0] = main_c;
		parents[1] = tips[bi];
		if (ledger_commit_write(l, &mt, parents, 2, &who, "Merge batch\n", &m, &e))
			die("committing the merge", &e);
		d = now_s() - s;
		times[bi] = d;
		total += d;
		merge_conflicts_free(&c);
		if (bi % (BATCHES / STOCK_SAMPLES) == 0 && ngit < STOCK_SAMPLES) {
			ledger_oid_fmt(hm, sizeof(hm), &main_c);
			ledger_oid_fmt(ht, sizeof(ht), &tips[bi]);
			snprintf(cmd, sizeof(cmd), "git --git-dir=%s merge-tree --write-tree %s %s", gitdir,
				 hm, ht);
			s = now_s();
			sh(cmd, NULL, 0);
			stock_t[ngit] = now_s() - s;
			ours_t[ngit] = d;
			ngit++;
		}
		main_c = m;
	}
	{
		double med = median(times, BATCHES), gm = median(stock_t, ngit), om = median(ours_t, ngit);

		printf("merge of %d batches x %d households: median %.3f s per batch, %.1f s in all\n",
		       BATCHES, PER_BATCH, med, total);
		printf("stock git merge-tree --write-tree on the same commits (%d samples): median %.3f s; "
		       "ours on those %.3f s; ratio ours/git %.2f\n", ngit, gm, om, gm > 0 ? om / gm : 0);
		printf("peak RSS: %ld KB after building main, %ld KB after the merges\n", rss_built,
		       peak_kb());
	}
	sig_key_wipe(&key);
	ledger_free(l);
	free(gitdir);
	return 0;
}
