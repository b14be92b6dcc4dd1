/* bench_store.c — how fast the store saves and lists households and how big
 * it grows. Usage: bench_store [HOUSEHOLDS [DIR]] (default 5000 in one
 * village, in a fresh temporary directory) [VILLAGES] (households spread
 * over that many villages; lists time the first). Prints one figure per line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fieldcard/buf.h"
#include "fieldcard/err.h"
#include "fieldcard/fields.h"
#include "fieldcard/record.h"
#include "fieldcard/store.h"
#include "fieldcard/util.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static void die(const char *what, const fc_err *e)
{
	fprintf(stderr, "bench_store: %s: %s\n", what, e->msg);
	exit(1);
}

static const char *const surnames[] = { "张", "王", "李", "赵", "陈", "杨", "吴", "刘" };
static const char *const given[] = { "三", "小明", "建国", "秀英", "桂兰", "志强", "丽", "伟" };

/* A household close to the shipped card: about 60 filled fields, four
 * members of about 20 fields and two visits. */
static void save_household(store *s, int i, const char *village, store_origin origin)
{
	char id[UTIL_ULID_LEN + 1], code[32], name[64], idno[32], buf[64];
	record *h;
	fc_err e;

	util_ulid(id);
	snprintf(code, sizeof(code), "%s%05d", village, i);
	snprintf(name, sizeof(name), "%s%s", surnames[i % 8], given[(i / 8) % 8]);
	snprintf(idno, sizeof(idno), "520102%08d%04d", 19500101 + i % 500000, i % 10000);
	h = record_new(K_HOUSEHOLD, id, NULL);
	record_set(h, F_PROVINCE, "贵州省");
	record_set(h, F_VILLAGE_CODE, village);
	record_set(h, F_HOUSEHOLD_CODE, code);
	record_set(h, F_HEAD_NAME, name);
	record_set(h, F_HEAD_ID, idno);
	record_set(h, F_POVERTY_STATUS, i % 3 ? "lifted" : "not_lifted");
	record_set(h, F_HOUSEHOLD_TYPE, i % 5 ? "general" : "dibao");
	record_set(h, F_MONITOR_CATEGORY, i % 11 ? "" : "marginal");
	for (int k = 0; k < 52; k++) {
		char fname[32];

		snprintf(fname, sizeof(fname), "field_%02d", k);
		snprintf(buf, sizeof(buf), "%d", (i * 7 + k * 13) % 10000);
		record_set(h, fname, buf);
	}
	record_set_version(h, "2026.11.1");
	if (store_put(s, h, NULL, "bench", origin, &e))
		die("store_put household", &e);
	for (int m = 0; m < 4; m++) {
		char mid[UTIL_ULID_LEN + 1];
		record *r;

		util_ulid(mid);
		r = record_new(K_MEMBER, mid, id);
		snprintf(buf, sizeof(buf), "%s%s", surnames[i % 8], given[(i + m) % 8]);
		record_set(r, F_M_NAME, buf);
		snprintf(buf, sizeof(buf), "520102%08d%04d", 19800101 + m, (i + m) % 10000);
		record_set(r, F_M_ID, buf);
		record_set(r, F_M_SEX, m % 2 ? C_FEMALE : C_MALE);
		record_set(r, F_M_STATUS, m == 3 ? C_LEFT : C_PRESENT);
		for (int k = 0; k < 16; k++) {
			char fname[32];

			snprintf(fname, sizeof(fname), "m_field_%02d", k);
			record_set(r, fname, k % 2 ? "yes" : "no");
		}
		if (store_put(s, r, NULL, "bench", origin, &e))
			die("store_put member", &e);
		record_free(r);
	}
	for (int v = 0; v < 2; v++) {
		char vid[UTIL_ULID_LEN + 1];
		record *r;

		util_ulid(vid);
		r = record_new(K_VISIT, vid, id);
		snprintf(buf, sizeof(buf), "2026-%02d-%02d", 1 + (i + v) % 12, 1 + i % 28);
		record_set(r, F_V_DATE, buf);
		record_set(r, F_V_VISITORS, "驻村工作队");
		record_set(r, F_V_PURPOSE, "regular");
		record_set(r, "found", "家中生产生活正常，无新增困难。");
		if (store_put(s, r, NULL, "bench", origin, &e))
			die("store_put visit", &e);
		record_free(r);
	}
	record_free(h);
}

static int row_cb(const store_row *row, void *ud)
{
	(*(int *)ud) += row->members >= 0;
	return 0;
}

static void time_list(store *s, const char *label, const store_query *q)
{
	double best = 1e9;
	int n = 0;
	fc_err e;

	for (int rep = 0; rep < 5; rep++) {
		double t0 = now_ms();

		n = 0;
		if (store_list(s, q, row_cb, &n, &e))
			die("store_list", &e);
		if (now_ms() - t0 < best)
			best = now_ms() - t0;
	}
	printf("store_list %-28s %6d rows %8.1f ms\n", label, n, best);
}

static void run(const char *dir, int n, int nvillages, store_origin origin,
		const char *label)
{
	char path[512], wal[520];
	store *s;
	fc_err e;
	double t0;
	long long bytes;

	snprintf(path, sizeof(path), "%s/%s.db", dir, label);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (store_open(path, &s, &e))
		die("store_open", &e);
	t0 = now_ms();
	if (store_begin(s, &e))
		die("store_begin", &e);
	for (int i = 0; i < n; i++) {
		char village[16];

		snprintf(village, sizeof(village), "520101%03d", 1 + i % nvillages);
		save_household(s, i, village, origin);
	}
	if (store_commit(s, &e))
		die("store_commit", &e);
	printf("%s: saved %d households in %d villages (4 members, 2 visits each) in one "
	       "transaction: %.0f ms\n", label, n, nvillages, now_ms() - t0);
	{
		store_query q = { .village = "520101001" };

		time_list(s, "village, by code", &q);
		q.sort = STORE_SORT_NAME;
		time_list(s, "village, by name", &q);
		q.sort = STORE_SORT_VISIT;
		time_list(s, "village, by visit", &q);
		q.limit = 50;
		time_list(s, "village, first page of 50", &q);
		q.limit = 0;
		q.sort = STORE_SORT_CODE;
		q.search = "张小明";
		time_list(s, "search 3 chars (trigram)", &q);
		q.search = "小明";
		time_list(s, "search 2 chars (LIKE)", &q);
		q.search = NULL;
		q.not_visited_days = 60;
		q.poverty_status = "lifted";
		time_list(s, "not visited 60d + lifted", &q);
	}
	store_close(s);
	bytes = file_size(path) + file_size(wal);
	printf("%s: database %.1f MB, %.2f MB per 1,000 households\n", label,
	       bytes / 1048576.0, bytes / 1048576.0 * 1000.0 / n);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5000;
	int nvillages = argc > 3 ? atoi(argv[3]) : 1;
	char tmp[] = "/tmp/fc-bench-XXXXXX", cmd[64];
	const char *dir = argc > 2 ? argv[2] : mkdtemp(tmp);

	if (!dir || n <= 0 || nvillages <= 0) {
		fprintf(stderr, "usage: bench_store [HOUSEHOLDS [DIR [VILLAGES]]]\n");
		return 2;
	}
	run(dir, n, nvillages, STORE_LOCAL, "local");
	run(dir, n, nvillages, STORE_REBUILD, "rebuild");
	if (argc <= 2) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}
