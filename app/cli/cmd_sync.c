/* cmd_sync.c — `fieldcard sync [--remote URL] [--passphrase-file FILE]`
 * (CLI.md): runs sync_run with progress on stderr (one line redrawn on a
 * terminal, plain lines otherwise), records last_sync_at and
 * last_sync_result in the store, and exits 0 done, 1 error, 3 conflicts
 * remain or a village failed verification, 4 offline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fieldcard/cli.h"
#include "fieldcard/sync.h"
#include "fieldcard/util.h"

typedef struct term {
	int tty;
	double last;
	int open_line;   /* a progress line is drawn and not ended */
	int done_phase;  /* 1 + pushing of the phase whose total was shown */
} term;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void end_line(term *t)
{
	if (t->open_line) {
		fputc('\n', stderr);
		t->open_line = 0;
	}
}

static void on_update(const transport_stats *s, void *ud)
{
	term *t = ud;
	double n = now_s();
	int done = s->objects_total && s->objects_done == s->objects_total;
	char size[32], rate[32];

	if (done && t->done_phase == 1 + s->pushing)
		return; /* the final count once per phase */
	if (!t->tty && !done)
		return; /* in a log, only the final count */
	if (done)
		t->done_phase = 1 + s->pushing;
	if (t->tty && !done && n - t->last < 0.2)
		return;
	t->last = n;
	util_human_bytes(s->bytes, size, sizeof(size));
	util_human_bytes((size_t)s->rate, rate, sizeof(rate));
	fprintf(stderr, "%s  %s: %u/%u objects, %s, %s/s", t->tty ? "\r" : "",
		s->pushing ? "sending" : "receiving", s->objects_done, s->objects_total, size, rate);
	if (t->tty) {
		fputs("\033[K", stderr);
		t->open_line = 1;
		if (done)
			end_line(t);
	} else
		fputc('\n', stderr);
}

static void on_message(const char *text, void *ud)
{
	term *t = ud;

	end_line(t);
	fprintf(stderr, "  %s\n", text);
}

static void on_step(const char *name, const char *text, void *ud)
{
	term *t = ud;

	(void)name;
	end_line(t);
	fprintf(stderr, "sync: %s\n", text);
}

static int usage(void)
{
	fprintf(stderr, "usage: fieldcard sync [--remote URL] [--passphrase-file FILE]\n");
	return 2;
}

int cmd_sync(const cli_ctx *c, int argc, char **argv)
{
	const char *remote = NULL, *passfile = NULL;
	fc_app *a = NULL;
	fc_err err;
	term t = { 0, 0, 0, 0 };
	transport_progress pr = { on_update, on_message, &t };
	sync_opts o;
	sync_result res;
	int rc, code;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--remote") && i + 1 < argc)
			remote = argv[++i];
		else if (!strcmp(argv[i], "--passphrase-file") && i + 1 < argc)
			passfile = argv[++i];
		else
			return usage();
	}
	fc_err_clear(&err);
	t.tty = isatty(2);
	if ((rc = app_open(c->dir, &a, &err)) != FC_OK) {
		fprintf(stderr, "fieldcard: %s\n", err.msg);
		return fc_err_exit_code(rc);
	}
	memset(&o, 0, sizeof(o));
	o.remote = remote;
	o.passphrase_file = passfile; /* read by the identity module */
	o.progress = &pr;
	o.step = on_step;
	o.ud = &t;
	rc = sync_run(a, &o, &res, &err);
	end_line(&t);
	if (res.forms_problem[0])
		fprintf(stderr, "fieldcard sync: warning: the county's new forms have an error, so this device "
			"keeps the forms it has (your data is safe; tell county staff): %s\n", res.forms_problem);
	rc = sync_note_result(a, rc, &res, &err);
	if (rc == FC_OK) {
		fprintf(stderr, "sync: done: %d record(s) sent, %d village(s) merged, %d record(s) updated%s\n",
			res.committed, res.villages_merged, res.records_updated,
			res.pushed ? ", branch sent" : "");
	} else if (rc == FC_ECONFLICT && res.conflicts > 0 && !err.msg[0]) {
		fprintf(stderr, "sync: done, but %d conflict(s) need a person: see `fieldcard conflicts`\n",
			res.conflicts);
	} else {
		fprintf(stderr, "fieldcard: %s\n", err.msg);
		if (res.pushed)
			fprintf(stderr, "sync: your own changes were sent all the same (%d record(s)); "
				"nothing of the refused village was taken in\n", res.committed);
	}
	code = fc_err_exit_code(rc);
	app_close(a);
	return code;
}
