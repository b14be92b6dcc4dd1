/* crash.c — crash points (crash.h): in a test build, SIGKILL at the point
 * FIELDCARD_CRASH_AT names, as a power cut or kill -9 would stop the
 * process there. Nothing of it is compiled into the release build. */
#include "fieldcard/crash.h"

#ifdef FC_CRASHPOINTS
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ready;
static char at_name[64];
static long at_count;       /* 0: no crash asked */
static long passed;
static int log_fd = -1;

static void crash_init(void)
{
	const char *at = getenv("FIELDCARD_CRASH_AT"), *log = getenv("FIELDCARD_CRASH_LOG");
	const char *colon = at ? strrchr(at, ':') : NULL;

	ready = 1;
	if (colon && (size_t)(colon - at) < sizeof(at_name)) {
		memcpy(at_name, at, (size_t)(colon - at));
		at_name[colon - at] = 0;
		at_count = strtol(colon + 1, NULL, 10);
	}
	if (log && *log)
		log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

void crash_point(const char *name)
{
	if (!ready)
		crash_init();
	if (log_fd >= 0) {
		/* One write of the whole line: points of several processes
		 * (a sync and the county it pushes to) never mix. */
		char line[96];
		size_t n = strlen(name);

		if (n > sizeof(line) - 2)
			n = sizeof(line) - 2;
		memcpy(line, name, n);
		line[n] = '\n';
		if (write(log_fd, line, n + 1) < 0) {
			/* a test's log only: nothing to tell */
		}
	}
	if (at_count > 0 && (strcmp(at_name, "*") == 0 || strcmp(at_name, name) == 0) &&
	    ++passed == at_count)
		kill(getpid(), SIGKILL);
}
#endif
