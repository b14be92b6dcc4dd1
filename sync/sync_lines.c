/* sync_lines.c — the sync as a front end without a terminal line of its own
 * sees it (the UI's sync screen): progress as whole lines, and the outcome
 * noted in the store where the home screen reads it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fieldcard/buf.h"
#include "fieldcard/sync.h"
#include "fieldcard/util.h"

int sync_note_result(fc_app *a, int rc, const sync_result *res, const fc_err *err)
{
	fc_buf result = FC_BUF_INIT;
	char now[32];

	if (rc == FC_OK && res->conflicts > 0)
		rc = FC_ECONFLICT;
	if (rc == FC_OK)
		buf_printf(&result, "ok: %d record(s) sent, %d village(s) merged, %d record(s) updated",
			   res->committed, res->villages_merged, res->records_updated);
	else if (rc == FC_ECONFLICT && res->conflicts > 0 && (!err || !err->msg[0]))
		buf_printf(&result, "conflicts: %d to settle", res->conflicts);
	else
		buf_printf(&result, "%s: %s", rc == FC_EOFFLINE ? "offline" : "error",
			   err ? err->msg : "");
	if (res->forms_problem[0])
		buf_printf(&result, "; the county's new forms were not taken (%s)", res->forms_problem);
	util_now_iso(now);
	/* Best effort: the sync's own outcome matters more than this note. */
	store_meta_set(a->st, "last_sync_at", now, NULL);
	store_meta_set(a->st, "last_sync_result", buf_cstr(&result), NULL);
	buf_free(&result);
	return rc;
}

typedef struct lines {
	void (*line)(void *ud, const char *text);
	void *ud;
	struct timespec last;
	int done_pushing;        /* the finished line was shown: -1 none, 0 fetch, 1 push */
} lines;

static void on_update(const transport_stats *s, void *ud)
{
	lines *l = ud;
	struct timespec now;
	char bytes[32], rate[32], text[160];
	int done = s->objects_total && s->objects_done == s->objects_total;

	/* A line a quarter second at most: a slow screen over SSH must not
	 * slow the transfer it reports. */
	if (done && l->done_pushing == s->pushing)
		return; /* libgit2 repeats the last count; one line says it */
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!done && (now.tv_sec - l->last.tv_sec) * 1000000000L + (now.tv_nsec - l->last.tv_nsec) < 250000000L)
		return;
	l->last = now;
	if (done)
		l->done_pushing = s->pushing;
	util_human_bytes(s->bytes, bytes, sizeof(bytes));
	util_human_bytes((size_t)s->rate, rate, sizeof(rate));
	snprintf(text, sizeof(text), "%s: %u/%u objects, %s, %s/s", s->pushing ? "sending" : "receiving",
		 s->objects_done, s->objects_total, bytes, rate);
	l->line(l->ud, text);
}

static void on_message(const char *text, void *ud)
{
	lines *l = ud;

	l->line(l->ud, text);
}

static void on_step(const char *name, const char *text, void *ud)
{
	lines *l = ud;

	(void)name;
	l->line(l->ud, text);
}

int sync_run_lines(fc_app *a, void (*line)(void *ud, const char *text), void *ud, fc_err *err)
{
	lines l;
	transport_progress pr = { on_update, on_message, &l };
	sync_opts o;
	sync_result res;
	int rc;

	memset(&l, 0, sizeof(l));
	l.done_pushing = -1;
	l.line = line;
	l.ud = ud;
	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	o.progress = &pr;
	o.step = on_step;
	o.ud = &l;
	fc_err_clear(err);
	rc = sync_run(a, &o, &res, err);
	if (res.forms_problem[0]) {
		char text[1300];

		snprintf(text, sizeof(text), "the county's new forms have an error, the forms in use stay: %s",
			 res.forms_problem);
		line(ud, text);
	}
	rc = sync_note_result(a, rc, &res, err);
	if (rc == FC_ECONFLICT && res.conflicts > 0 && err && !err->msg[0])
		fc_err_set(err, FC_ECONFLICT, "%d conflict(s) need a person: see the conflicts list", res.conflicts);
	return rc;
}
