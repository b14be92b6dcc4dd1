/* ledger_lock.c — one writer at a time per ledger, and no stale lock files.
 *
 * libgit2 moves a ref by writing "<ref>.lock" and renaming it into place. A
 * process killed between the two (a sync killed mid-merge: sync_kill.sh
 * found it) leaves the .lock behind, and every later update of that ref
 * fails with "locked" for ever, which the user saw as "ref moved: expected
 * X, found X". So every fieldcard writer of a ledger first takes an
 * advisory lock on <gitdir>/fieldcard.lock. Whoever holds it knows that no
 * other fieldcard process is writing there, so any .lock file it finds was
 * left by a writer that died, and removes it.
 *
 * flock belongs to an open file, not a process: two opens in one process
 * would shut each other out. Hence one table per process, counted. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "ledger_int.h"
#include "fieldcard/util.h"

typedef struct held {
	char *gitdir;
	int fd;
	int count;
	struct held *next;
} held;

static held *locks;
static pthread_mutex_t locks_mu = PTHREAD_MUTEX_INITIALIZER;

/* Waits for another writer this long before saying so. */
#define WAIT_MS 10000
#define STEP_MS 100

static int sweep_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	size_t n = strlen(path);

	(void)sb;
	(void)ftw;
	if (flag == FTW_F && n > 5 && strcmp(path + n - 5, ".lock") == 0)
		unlink(path);
	return 0;
}

/* Remove what dead writers left: ref locks, packed-refs, HEAD, config. */
static void sweep(const char *gitdir)
{
	static const char *const top[] = { "packed-refs.lock", "HEAD.lock", "config.lock" };
	char *refs = util_asprintf("%s/refs", gitdir);

	nftw(refs, sweep_one, 16, FTW_PHYS);
	free(refs);
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		char *p = util_asprintf("%s/%s", gitdir, top[i]);

		unlink(p);
		free(p);
	}
}

static int take(const char *gitdir, fc_err *err)
{
	char *path = util_asprintf("%s/fieldcard.lock", gitdir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644), rc = FC_OK;
	struct timespec step = { 0, STEP_MS * 1000000L };

	if (fd < 0) {
		rc = fc_err_set(err, FC_ERROR, "%s: cannot open the ledger's lock: %s", path,
				strerror(errno));
		goto out;
	}
	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; waited += STEP_MS) {
		if (errno != EWOULDBLOCK || waited >= WAIT_MS) {
			rc = fc_err_set(err, FC_ECONFLICT,
					"%s: another fieldcard process is writing this ledger (a sync, merge or resolve); nothing was changed, try again when it has finished",
					gitdir);
			close(fd);
			goto out;
		}
		nanosleep(&step, NULL);
	}
	sweep(gitdir);
	rc = fd;
out:
	free(path);
	return rc;
}

/* One key per directory however it is spelled ("d/ledger.git/", "./d/..."). */
static char *key_of(const char *gitdir)
{
	char *k = realpath(gitdir, NULL);

	return k ? k : util_strdup(gitdir);
}

int ledger_writer_lock(const char *dir, fc_err *err)
{
	char *gitdir = key_of(dir);
	held *h;
	int rc = FC_OK, fd;

	pthread_mutex_lock(&locks_mu);
	for (h = locks; h && strcmp(h->gitdir, gitdir); h = h->next)
		;
	if (h) {
		h->count++;
		goto out;
	}
	if ((fd = take(gitdir, err)) < 0) {
		rc = fd;
		goto out;
	}
	h = util_calloc(1, sizeof(*h));
	h->gitdir = gitdir;
	gitdir = NULL;
	h->fd = fd;
	h->count = 1;
	h->next = locks;
	locks = h;
out:
	pthread_mutex_unlock(&locks_mu);
	free(gitdir);
	return rc;
}

void ledger_writer_unlock(const char *dir)
{
	char *gitdir = key_of(dir);
	held **p, *h;

	pthread_mutex_lock(&locks_mu);
	for (p = &locks; *p && strcmp((*p)->gitdir, gitdir); p = &(*p)->next)
		;
	if ((h = *p) && --h->count == 0) {
		*p = h->next;
		close(h->fd);
		free(h->gitdir);
		free(h);
	}
	pthread_mutex_unlock(&locks_mu);
	free(gitdir);
}
