/* xfer_tool.c — drive transport.h from shell tests, apart from the rest of
 * the sync flow, so each transport is tested against a real server alone.
 *
 *   xfer_tool fetch REPO URL DIR REFSPEC...
 *   xfer_tool push  REPO URL DIR REF...
 *   xfer_tool session REPO URL DIR WATCH-REF REF
 *
 * session opens the held push connection (transport_session), prints
 * "open WATCH-REF <oid|none>" on stdout, waits until the file
 * $XFER_HOLD_FILE exists (so a test can cut the link meanwhile), then
 * pushes REF over it.
 * REPO is a bare repository, DIR a data directory (keys/, known_hosts).
 * Environment: XFER_TRUST_FIRST=1 (SSH first contact), XFER_ATTEMPTS,
 * XFER_DELAY_MS. Progress lines and the error go to stderr; the exit code is
 * CLI.md's (0 done, 1 error, 3 refused as not fast-forward, 4 offline). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "fieldcard/transport.h"

static void on_update(const transport_stats *s, void *ud)
{
	(void)ud;
	fprintf(stderr, "%s %u/%u objects, %zu bytes, %.0f B/s\n", s->pushing ? "push" : "fetch",
		s->objects_done, s->objects_total, s->bytes, s->rate);
}

static void on_message(const char *text, void *ud)
{
	(void)ud;
	fprintf(stderr, "remote: %s\n", text);
}

int main(int argc, char **argv)
{
	transport_progress pr = { on_update, on_message, NULL };
	transport_opts o;
	fc_err err = { 0, "" };
	int rc;

	if (argc < 6 || (strcmp(argv[1], "fetch") && strcmp(argv[1], "push") &&
			 (strcmp(argv[1], "session") || argc != 7))) {
		fprintf(stderr, "usage: xfer_tool fetch|push REPO URL DIR SPEC... | session REPO URL DIR WATCH REF\n");
		return 2;
	}
	memset(&o, 0, sizeof(o));
	o.url = argv[3];
	o.dir = argv[4];
	o.progress = &pr;
	o.ssh_trust_first = getenv("XFER_TRUST_FIRST") && atoi(getenv("XFER_TRUST_FIRST"));
	o.attempts = getenv("XFER_ATTEMPTS") ? atoi(getenv("XFER_ATTEMPTS")) : 0;
	o.retry_delay_ms = getenv("XFER_DELAY_MS") ? atoi(getenv("XFER_DELAY_MS")) : 0;
	if (!strcmp(argv[1], "session")) {
		transport_session *sess = NULL;
		const char *hold = getenv("XFER_HOLD_FILE");
		char hex[41];

		rc = transport_session_open(argv[2], &o, 1, &sess, &err);
		if (rc == 0) {
			printf("open %s %s\n", argv[5], transport_session_ref(sess, argv[5], hex) ? hex : "none");
			fflush(stdout);
			for (int i = 0; hold && i < 600 && access(hold, F_OK) != 0; i++)
				usleep(100000);
			rc = transport_session_push(sess, argv + 6, 1, &err);
		}
		transport_session_free(sess);
	} else if (!strcmp(argv[1], "fetch"))
		rc = transport_fetch(argv[2], &o, argv + 5, (size_t)(argc - 5), &err);
	else
		rc = transport_push(argv[2], &o, argv + 5, (size_t)(argc - 5), &err);
	git_libgit2_shutdown();
	if (rc) {
		fprintf(stderr, "fieldcard: %s\n", err.msg);
		return fc_err_exit_code(rc);
	}
	return 0;
}
