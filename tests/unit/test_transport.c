/* test_transport.c — unit tests for fetch and push (sync/ledger/transport.c)
 * with no network: the county is a bare repository in a scratch folder,
 * reached by path, as a USB stick is. A push lands the device's batch; a
 * push that is not a fast-forward is refused and the county keeps its ref;
 * a fetch takes only the refs asked for; a stick that is not plugged in is
 * "offline" with "nothing was lost"; the lock files a killed writer left in
 * either repository are cleared by the next transfer; and a second writer
 * is named instead of waited for for ever. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fieldcard/ledger.h"
#include "fieldcard/sig.h"
#include "fieldcard/transport.h"
#include "fieldcard/util.h"

#define HH "villages/522701105201/0/1/01JDE5M0000000000000000001/household"

typedef struct world {
	char dir[64];
	char *dev_git, *county_git;
	ledger *dev, *county;
	sig_key key;
	ledger_author who;
	ledger_oid c1;
} world;

static int setup(void **state)
{
	world *w = util_calloc(1, sizeof(*w));
	ledger_change ch = { HH, "form: household 1\nhead_name: A\n", 31 };
	fc_err e;

	snprintf(w->dir, sizeof(w->dir), "/tmp/fc-transport.XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	w->dev_git = util_asprintf("%s/dev.git", w->dir);
	w->county_git = util_asprintf("%s/county.git", w->dir);
	assert_int_equal(ledger_open(w->dev_git, 1, &w->dev, &e), 0);
	assert_int_equal(ledger_open(w->county_git, 1, &w->county, &e), 0);
	assert_int_equal(sig_keygen(&w->key, "", &e), 0);
	w->who.principal = "cadre-li";
	w->who.device = "dev1";
	w->who.key = &w->key;
	assert_int_equal(ledger_commit_changes(w->dev, "refs/heads/batches/cadre-li", NULL, &ch, 1,
					       &w->who, "first\n", &w->c1, &e), 0);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	world *w = *state;
	fc_err e;

	ledger_free(w->dev);
	ledger_free(w->county);
	util_rm_rf(w->dir, &e);
	free(w->dev_git);
	free(w->county_git);
	free(w);
	return 0;
}

static transport_opts opts_to(const char *url)
{
	transport_opts o;

	memset(&o, 0, sizeof(o));
	o.url = url;
	o.attempts = 1;
	return o;
}

static void test_transport__push_then_fetch(void **state)
{
	world *w = *state;
	transport_opts o = opts_to(w->county_git);
	char *refs[] = { "refs/heads/batches/cadre-li" };
	char *specs[] = { "+refs/heads/batches/*:refs/remotes/county/batches/*" };
	ledger_oid at;
	fc_err e;

	assert_int_equal(transport_push(w->dev_git, &o, refs, 1, &e), 0);
	assert_int_equal(ledger_ref_get(w->county, "refs/heads/batches/cadre-li", &at, &e), 0);
	assert_true(ledger_oid_equal(&at, &w->c1));
	/* Fetched back under the tracking name only. */
	assert_int_equal(transport_fetch(w->dev_git, &o, specs, 1, &e), 0);
	assert_int_equal(ledger_ref_get(w->dev, "refs/remotes/county/batches/cadre-li", &at, &e), 0);
	assert_true(ledger_oid_equal(&at, &w->c1));
	assert_int_equal(ledger_ref_get(w->dev, "refs/remotes/county/main", &at, &e), FC_ENOTFOUND);
}

static void test_transport__push_not_fast_forward_refused(void **state)
{
	world *w = *state;
	transport_opts o = opts_to(w->county_git);
	char *refs[] = { "refs/heads/batches/cadre-li" };
	ledger_change other = { HH, "form: household 1\nhead_name: B\n", 31 };
	ledger_oid c2, at;
	fc_err e;

	assert_int_equal(transport_push(w->dev_git, &o, refs, 1, &e), 0);
	/* The device's branch starts again from nothing: not a fast-forward. */
	assert_int_equal(ledger_commit_changes(w->dev, NULL, NULL, &other, 1, &w->who, "other\n",
					       &c2, &e), 0);
	assert_int_equal(ledger_ref_force(w->dev, "refs/heads/batches/cadre-li", &c2, "test", &e), 0);
	assert_int_equal(transport_push(w->dev_git, &o, refs, 1, &e), FC_ECONFLICT);
	assert_non_null(strstr(e.msg, "batches/cadre-li"));
	assert_int_equal(ledger_ref_get(w->county, "refs/heads/batches/cadre-li", &at, &e), 0);
	assert_true(ledger_oid_equal(&at, &w->c1));
}

static void test_transport__stick_missing_is_offline(void **state)
{
	world *w = *state;
	char *gone = util_asprintf("%s/no-stick/county.git", w->dir);
	transport_opts o = opts_to(gone);
	char *refs[] = { "refs/heads/batches/cadre-li" };
	fc_err e;

	assert_int_equal(transport_push(w->dev_git, &o, refs, 1, &e), FC_EOFFLINE);
	assert_non_null(strstr(e.msg, "nothing was lost"));
	assert_non_null(strstr(e.msg, gone));
	free(gone);
}

static void touch(const char *dir, const char *name)
{
	char *p = util_asprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fclose(f);
	free(p);
}

static int exists(const char *dir, const char *name)
{
	char *p = util_asprintf("%s/%s", dir, name);
	int r = access(p, F_OK) == 0;

	free(p);
	return r;
}

static void test_transport__dead_writers_locks_cleared(void **state)
{
	world *w = *state;
	transport_opts o = opts_to(w->county_git);
	char *refs[] = { "refs/heads/batches/cadre-li" };
	char *heads = util_asprintf("%s/refs/heads/batches", w->county_git);
	ledger_oid at;
	fc_err e;

	/* What a push killed between libgit2's lock and rename leaves, found
	 * by the next process (this one lets go of its own lock first). */
	ledger_free(w->dev);
	w->dev = NULL;
	assert_int_equal(util_mkdir_p(heads, 0755, &e), 0);
	touch(w->county_git, "refs/heads/batches/cadre-li.lock");
	touch(w->dev_git, "packed-refs.lock");
	assert_int_equal(transport_push(w->dev_git, &o, refs, 1, &e), 0);
	assert_false(exists(w->county_git, "refs/heads/batches/cadre-li.lock"));
	assert_false(exists(w->dev_git, "packed-refs.lock"));
	assert_int_equal(ledger_ref_get(w->county, "refs/heads/batches/cadre-li", &at, &e), 0);
	assert_true(ledger_oid_equal(&at, &w->c1));
	free(heads);
}

static void test_transport__live_writer_named(void **state)
{
	world *w = *state;
	transport_opts o = opts_to(w->county_git);
	char *refs[] = { "refs/heads/batches/cadre-li" };
	char *lock = util_asprintf("%s/fieldcard.lock", w->dev_git);
	pid_t pid;
	int ready[2];
	char c;
	fc_err e;

	/* Another process holds the device ledger's writer lock (this one
	 * let its own go: the handle that made the first commit held it). */
	ledger_free(w->dev);
	w->dev = NULL;
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	if (pid == 0) {
		int fd = open(lock, O_RDWR | O_CREAT, 0644);

		if (fd < 0 || flock(fd, LOCK_EX) != 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(transport_push(w->dev_git, &o, refs, 1, &e), FC_ECONFLICT);
	assert_non_null(strstr(e.msg, "another fieldcard process is writing"));
	assert_non_null(strstr(e.msg, "nothing was changed"));
	assert_int_equal(ledger_ref_get(w->county, "refs/heads/batches/cadre-li", NULL, &e),
			 FC_ENOTFOUND);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(transport_push(w->dev_git, &o, refs, 1, &e), 0);
	close(ready[0]);
	close(ready[1]);
	free(lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_transport__push_then_fetch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transport__push_not_fast_forward_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_transport__stick_missing_is_offline, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_transport__dead_writers_locks_cleared, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_transport__live_writer_named, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
