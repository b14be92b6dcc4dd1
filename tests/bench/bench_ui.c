/* bench_ui.c — the text UI measured from the outside: the real fieldcard
 * binary runs under a pseudo-terminal (forkpty, TERM=xterm, 100x30), keys
 * are written one at a time, and a key's time is from the write() to the
 * last byte of screen output it caused (output is read until the terminal
 * has been quiet for QUIET_MS; the quiet window itself is not counted).
 *
 * Figures (issue 3, "Benchmarks"):
 *   - keypress to screen on a household of 200 members: scrolling the member
 *     table, and typing in the household form (every key recalculates and
 *     validates the card over all 200 members);
 *   - opening a village of 5,000 households: Enter on the home screen to the
 *     list drawn, in a fresh process each time, median of 5;
 *   - peak resident memory (VmHWM) of the UI with 100,000 households in the
 *     store after opening the list, going to its end, searching and opening
 *     a card.
 *
 * Usage: bench_ui SCRATCH_DIR [keys|open|memory]. The 100,000-household store takes minutes to
 * make, so it is kept in $FIELDCARD_BENCH_CACHE (default
 * build/release/bench-cache) and reused; FIELDCARD_BENCH_HOUSEHOLDS sets a
 * smaller count for a quick run (the figure then says so). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fieldcard/app.h"
#include "fieldcard/demo.h"
#include "fieldcard/err.h"
#include "fieldcard/fields.h"
#include "fieldcard/record.h"
#include "fieldcard/store.h"
#include "fieldcard/util.h"

#define QUIET_MS 60
#define ROWS 30
#define COLS 100

static char fc[PATH_MAX];

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "bench_ui: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

/* Run fieldcard with args, output thrown away; exit status. */
static int run_fc(char *const args[])
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(fc, args);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A demo data directory of n households at dir (made if absent). */
static void demo_dir(const char *dir, int n)
{
	char num[32], *args[] = { fc, "--dir", (char *)dir, "demo", "--households", num,
				   "--lang", "en", NULL };

	if (is_dir(dir))
		return;
	snprintf(num, sizeof(num), "%d", n);
	if (run_fc(args) != 0)
		die("fieldcard demo failed for %s", dir);
}

/* ---- a session of the UI under a pty ---- */

typedef struct sess {
	pid_t pid;
	int fd;
	double last;     /* time of the last output byte seen */
	long bytes;      /* output bytes of the last drain */
} sess;

/* Read output: wait up to first ms for it to begin, then until none came
 * for quiet ms (or max ms passed). With a marker, quiet periods before the
 * marker has appeared in the output do not end the wait. */
static void drain_until(sess *s, const char *marker, int first, int quiet, int max)
{
	char buf[65536], tail[256];
	size_t ntail = 0, mlen = marker ? strlen(marker) : 0;
	int seen = !marker;
	double start = now_ms();

	s->bytes = 0;
	for (;;) {
		struct pollfd p = { s->fd, POLLIN, 0 };
		int r = poll(&p, 1, s->bytes && seen ? quiet : first);
		ssize_t k;

		if (now_ms() - start > max)
			return;
		if (r <= 0) {
			if (seen || !s->bytes)
				return;
			continue;
		}
		k = read(s->fd, buf, sizeof(buf));
		if (k <= 0)
			return;
		s->last = now_ms();
		s->bytes += k;
		if (!seen) {
			/* Look in what is new plus the end of what came before, so
			 * a marker split between two reads is found. */
			size_t keep = ntail, add = (size_t)k;
			char *cat = malloc(keep + add);
			memcpy(cat, tail, keep);
			memcpy(cat + keep, buf, add);
			seen = memmem(cat, keep + add, marker, mlen) != NULL;
			ntail = keep + add < mlen ? keep + add : mlen;
			memcpy(tail, cat + keep + add - ntail, ntail);
			free(cat);
		}
	}
}

static void drain(sess *s, int first, int quiet, int max)
{
	drain_until(s, NULL, first, quiet, max);
}

static void sess_start(sess *s, const char *dir)
{
	struct winsize ws = { ROWS, COLS, 0, 0 };

	s->pid = forkpty(&s->fd, NULL, NULL, &ws);
	if (s->pid < 0)
		die("forkpty: %s", strerror(errno));
	if (s->pid == 0) {
		setenv("TERM", "xterm", 1);
		execl(fc, fc, "--dir", dir, (char *)NULL);
		_exit(127);
	}
	/* The first frame: ncurses writes its set-up at once, the home screen
	 * comes after the store is read; wait for its title bar. */
	drain_until(s, "fieldcard - ", 20000, 100, 60000);
}

/* Write keys, return ms from the write to the last output byte; -1 if the
 * keys drew nothing. */
static double sess_key(sess *s, const char *keys)
{
	double t0;

	t0 = now_ms();
	if (write(s->fd, keys, strlen(keys)) < 0)
		die("write to the pty: %s", strerror(errno));
	drain(s, 3000, QUIET_MS, 30000);
	return s->bytes ? s->last - t0 : -1;
}

/* Peak resident memory of the UI process, in KB. */
static long sess_hwm_kb(const sess *s)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)s->pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

static void sess_end(sess *s)
{
	int status;

	for (int i = 0; i < 8 && waitpid(s->pid, &status, WNOHANG) == 0; i++) {
		/* Esc out of inner screens, then q on home. */
		if (write(s->fd, "\033", 1) < 0)
			break;
		drain(s, 80, 80, 1000);
		if (write(s->fd, "q", 1) < 0)
			break;
		drain(s, 80, 80, 1000);
	}
	if (waitpid(s->pid, &status, WNOHANG) == 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, &status, 0);
	}
	close(s->fd);
}

/* ---- figures ---- */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sort v; its median and 95th percentile. */
static void stats(double *v, int n, double *med, double *p95)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*p95 = v[(int)((n - 1) * 0.95 + 0.5)];
}

static int pick(const store_row *row, void *ud)
{
	snprintf(ud, 64, "%s", row->id);
	return 1;
}

/* Add members to the one household of a demo directory until it has n. */
static void grow_household(const char *dir, int n)
{
	fc_app *a = NULL;
	fc_err err = { 0 };
	app_household h = { 0 };
	const record *like = NULL;
	char hid[64] = "";
	int have = 0;

	if (app_open(dir, &a, &err) != 0)
		die("app_open: %s", err.msg);
	/* The one household of a one-household demo. */
	{
		store_query q = { 0 };
		q.limit = 1;
		if (store_list(a->st, &q, pick, hid, &err) < 0 || !*hid)
			die("no household in %s", dir);
	}
	if (app_household_load(a, hid, &h, &err) != 0)
		die("load: %s", err.msg);
	for (size_t i = 0; i < h.nchildren; i++) {
		if (strcmp(h.children[i]->kind, K_MEMBER))
			continue;
		have++;
		if (strcmp(record_val(h.children[i], F_M_RELATION), "head"))
			like = h.children[i];
	}
	if (!like)
		die("no member other than the head in %s", dir);
	if (store_begin(a->st, &err) != 0)
		die("begin: %s", err.msg);
	for (int i = have; i < n; i++) {
		record *m = record_new(K_MEMBER, NULL, hid);
		char name[64], idno[19];

		for (size_t k = 0; k < like->n; k++)
			record_set(m, like->names[k], like->values[k]);
		snprintf(name, sizeof(name), "成员%03d", i);
		record_set(m, F_M_NAME, name);
		demo_id_number("522701", record_val(like, F_M_BIRTH), i,
			       idno);
		record_set(m, F_M_ID, idno);
		record_set(m, F_M_SEX, i % 2 ? C_MALE : C_FEMALE);
		if (app_save(a, m, NULL, &err) != 0)
			die("saving a member: %s", err.msg);
		record_free(m);
	}
	if (store_commit(a->st, &err) != 0)
		die("commit: %s", err.msg);
	app_household_free(&h);
	app_close(a);
}

static void bench_keys(const char *W)
{
	char dir[PATH_MAX];
	double v[400], med, p95;
	int n = 0;
	sess s;

	snprintf(dir, sizeof(dir), "%s/ui-h200", W);
	demo_dir(dir, 1);
	grow_household(dir, 200);

	sess_start(&s, dir);
	sess_key(&s, "\r");        /* home -> village list */
	sess_key(&s, "\r");        /* list -> the card */
	sess_key(&s, "\t");        /* card -> Members */
	for (int i = 0; i < 199; i++) {
		double t = sess_key(&s, "j");
		if (t >= 0)
			v[n++] = t;
	}
	for (int i = 0; i < 100; i++) {
		double t = sess_key(&s, "k");
		if (t >= 0)
			v[n++] = t;
	}
	if (n == 0)
		die("%s", "the member table drew nothing for j/k");
	stats(v, n, &med, &p95);
	printf("ui: keypress to screen, 200-member household, member table (%d of 299 keys drew): "
	       "median %.1f ms, p95 %.1f ms, max %.1f ms (target 16 ms)\n", n, med, p95, v[n - 1]);

	/* Household form: twice, type 15 letters into a text field and erase
	 * them (short enough not to scroll the field; the record ends as it
	 * began, so leaving keeps no draft). */
	sess_key(&s, "\t");        /* Members -> Visits */
	sess_key(&s, "\t");        /* -> History */
	sess_key(&s, "\t");        /* -> Card */
	sess_key(&s, "e");         /* the household form */
	n = 0;
	for (int i = 0; i < 60; i++) {
		char k[2] = { (char)('a' + i % 15), 0 };
		double t = sess_key(&s, i % 30 < 15 ? k : "\177");
		if (t >= 0)
			v[n++] = t;
	}
	if (n == 0)
		die("%s", "the household form drew nothing for typed keys");
	stats(v, n, &med, &p95);
	printf("ui: keypress to screen, 200-member household, typing in its form (%d of 60 keys drew): "
	       "median %.1f ms, p95 %.1f ms, max %.1f ms (target 16 ms)\n", n, med, p95, v[n - 1]);
	sess_end(&s);
}

static void bench_open(const char *W)
{
	char dir[PATH_MAX];
	double v[5], med, p95, start[5];
	sess s;

	snprintf(dir, sizeof(dir), "%s/ui-v5000", W);
	demo_dir(dir, 5000);
	for (int i = 0; i < 5; i++) {
		double t0 = now_ms();
		sess_start(&s, dir);
		start[i] = s.last - t0;
		v[i] = sess_key(&s, "\r");
		sess_end(&s);
	}
	stats(v, 5, &med, &p95);
	printf("ui: open a village of 5,000 households (Enter on home to list drawn): "
	       "median %.1f ms, max %.1f ms (target 100 ms)\n", med, v[4]);
	stats(start, 5, &med, &p95);
	printf("ui: start-up to home screen drawn, 5,000 households: median %.1f ms\n", med);
}

static void bench_memory(void)
{
	const char *cache = getenv("FIELDCARD_BENCH_CACHE");
	const char *hs = getenv("FIELDCARD_BENCH_HOUSEHOLDS");
	int n = hs && atoi(hs) > 0 ? atoi(hs) : 100000;
	char base[PATH_MAX - 64], part[PATH_MAX - 32], dir[PATH_MAX];
	double start_ms, open_ms, end_ms, search[8], med, p95, t0;
	long kb;
	sess s;

	snprintf(base, sizeof(base), "%s/h%d", cache && *cache ? cache : "build/release/bench-cache", n);
	snprintf(dir, sizeof(dir), "%s/data", base);
	if (!is_dir(dir)) {
		/* Made once, kept: a partial one from a cut run is made again. */
		char cmd[PATH_MAX * 2 + 32];
		snprintf(part, sizeof(part), "%s.partial", base);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", part, part);
		if (system(cmd) != 0)
			die("cannot make %s", part);
		printf("ui: making a store of %d households in %s (once; kept for later runs)\n", n, base);
		fflush(stdout);
		t0 = now_ms();
		snprintf(dir, sizeof(dir), "%s/data", part);
		demo_dir(dir, n);
		if (rename(part, base) != 0)
			die("cannot rename to %s", base);
		printf("ui: demo --households %d took %.0f s\n", n, (now_ms() - t0) / 1000);
		snprintf(dir, sizeof(dir), "%s/data", base);
	}
	t0 = now_ms();
	sess_start(&s, dir);
	start_ms = s.last - t0;
	open_ms = sess_key(&s, "\r");          /* the village list */
	end_ms = sess_key(&s, "G");            /* its last household */
	sess_key(&s, "/");
	{
		const char *q[] = { "1", "0", "0", "0" };   /* digits of codes and ID numbers */
		for (int i = 0; i < 4; i++)
			search[i] = sess_key(&s, q[i]);
	}
	sess_key(&s, "\r");                    /* stop editing the search */
	sess_key(&s, "\r");                    /* open the first match's card */
	sess_key(&s, "\t");                    /* its members */
	kb = sess_hwm_kb(&s);
	sess_end(&s);
	stats(search, 4, &med, &p95);
	printf("ui: %d households: start-up to home %.1f ms, open the list %.1f ms, go to its end %.1f ms, "
	       "search keystroke median %.1f ms, max %.1f ms\n", n, start_ms, open_ms, end_ms, med, search[3]);
	printf("ui: peak resident memory (VmHWM), %d households, list + end + search + card: "
	       "%.1f MB (target 30 MB)\n", n, kb / 1024.0);
}

int main(int argc, char **argv)
{
	char self[PATH_MAX];

	if (argc < 2) {
		fprintf(stderr, "usage: bench_ui SCRATCH_DIR\n");
		return 2;
	}
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(fc, sizeof(fc), "%s/../fieldcard", dirname(self));
	if (access(fc, X_OK) != 0)
		die("no fieldcard binary at %s", fc);
	if (!getenv("FIELDCARD_NOW"))
		setenv("FIELDCARD_NOW", "2026-11-23T09:00:00Z", 1);
	/* argv[2], if given, picks one part: keys, open or memory. */
	if (argc < 3 || !strcmp(argv[2], "keys"))
		bench_keys(argv[1]);
	if (argc < 3 || !strcmp(argv[2], "open"))
		bench_open(argv[1]);
	if (argc < 3 || !strcmp(argv[2], "memory"))
		bench_memory();
	return 0;
}
