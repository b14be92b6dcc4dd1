/* scr_home.c — the home screen (villages with counts, last sync, drafts,
 * cards returned by review with their comments), the open-drafts screen
 * offered at start after a crash, and the sync screen. */
#include "ui_int.h"

#include <stdlib.h>
#include <string.h>

#include "fieldcard/desk.h"
#include "fieldcard/fields.h"
#include "fieldcard/util.h"

/* ---- home ---- */

typedef struct home_village {
	char *code;
	int households, pending, returned, monitored;
} home_village;

typedef struct home_returned {
	char *id, *code, *name, *comment;
} home_returned;

#define HOME_MAX_RETURNED 50

typedef struct home_state {
	home_village *v;
	int nv;
	home_returned r[HOME_MAX_RETURNED];
	int nr, nr_total;
	int ndrafts, pending;
	char *sync_at, *sync_result;
	int county;             /* role county: the desk lines show */
	int batches, conflicts; /* waiting batches (last fetch), open conflicts */
	int cur, top;
} home_state;

static void home_free(home_state *st)
{
	for (int i = 0; i < st->nv; i++)
		free(st->v[i].code);
	free(st->v);
	for (int i = 0; i < st->nr; i++) {
		free(st->r[i].id);
		free(st->r[i].code);
		free(st->r[i].name);
		free(st->r[i].comment);
	}
	free(st->sync_at);
	free(st->sync_result);
	st->v = NULL;
	st->nv = st->nr = 0;
	st->sync_at = st->sync_result = NULL;
}

static int village_cb(const store_village *v, void *ud)
{
	home_state *st = ud;

	st->v = util_realloc(st->v, (size_t)(st->nv + 1) * sizeof(*st->v));
	st->v[st->nv].code = util_strdup(v->code);
	st->v[st->nv].households = v->households;
	st->v[st->nv].pending = v->pending;
	st->v[st->nv].returned = v->returned;
	st->v[st->nv].monitored = v->monitored;
	st->nv++;
	return 0;
}

static int returned_cb(const store_row *row, void *ud)
{
	home_state *st = ud;
	home_returned *r;

	if (st->nr >= HOME_MAX_RETURNED)
		return 1;
	r = &st->r[st->nr++];
	r->id = util_strdup(row->id);
	r->code = util_strdup(row->code ? row->code : "");
	r->name = util_strdup(row->head_name ? row->head_name : "");
	r->comment = util_strdup(row->review_comment ? row->review_comment : "");
	return 0;
}

static int count_draft(const record *r, void *ud)
{
	(void)r;
	(*(int *)ud)++;
	return 0;
}

static int count_batch(const desk_batch *b, void *ud)
{
	(void)b;
	(*(int *)ud)++;
	return 0;
}

static int count_conflict(const desk_conflict *c, void *ud)
{
	(void)c;
	(*(int *)ud)++;
	return 0;
}

static void home_load(ui *u, home_state *st)
{
	store *s = u->app->st;
	store_query q;
	fc_err err = { 0 };

	home_free(st);
	if (store_villages(s, village_cb, st, &err) != 0)
		ui_status(u, 1, "%s", err.msg);
	/* Villages of this device with no households yet still show. */
	for (char **vc = u->app->villages; vc && *vc; vc++) {
		int found = 0;
		for (int i = 0; i < st->nv; i++)
			found |= !strcmp(st->v[i].code, *vc);
		if (!found) {
			store_village z = { *vc, 0, 0, 0, 0 };
			village_cb(&z, st);
		}
	}
	memset(&q, 0, sizeof(q));
	q.review_state = "returned";
	store_count(s, &q, &st->nr_total, NULL);
	q.limit = HOME_MAX_RETURNED;
	store_list(s, &q, returned_cb, st, NULL);
	st->ndrafts = 0;
	store_draft_each(s, count_draft, &st->ndrafts, NULL);
	st->pending = 0;
	store_pending_count(s, &st->pending, NULL);
	store_meta_get(s, "last_sync_at", &st->sync_at, NULL);
	store_meta_get(s, "last_sync_result", &st->sync_result, NULL);
	st->county = u->app->role && strcmp(u->app->role, "county") == 0;
	st->batches = st->conflicts = 0;
	if (st->county && desk_batches_local(u->app, count_batch, &st->batches, &err) != 0)
		ui_status(u, 1, "%s", err.msg);
	if (desk_conflicts(u->app, count_conflict, &st->conflicts, &err) != 0)
		ui_status(u, 1, "%s", err.msg);
	if (st->cur >= st->nv + st->nr)
		st->cur = st->nv + st->nr > 0 ? st->nv + st->nr - 1 : 0;
}

static int home_open(ui *u, void *vst, const void *arg)
{
	(void)arg;
	home_load(u, vst);
	return 0;
}

static void home_resume(ui *u, void *vst)
{
	home_load(u, vst);
}

static void home_close(ui *u, void *vst)
{
	(void)u;
	home_free(vst);
}

static void home_draw(ui *u, void *vst, int top, int h)
{
	home_state *st = vst;
	int y = top, W = u->cols;
	/* Six lines are kept for the summary, but a short terminal still
	 * shows two villages: they are what Enter opens. */
	int vend = top + h - 6 > top + 3 ? top + h - 6 : top + 3;

	attron(A_BOLD);
	ui_text(y, 1, 24, _("Village"), 0);
	ui_text(y, 26, 12, _("Households"), 0);
	ui_text(y, 39, 12, _("Not synced"), 0);
	ui_text(y, 52, 12, _("Returned"), 0);
	ui_text(y, 65, 14, _("Monitored"), 0);
	attroff(A_BOLD);
	y++;
	for (int i = 0; i < st->nv && y < vend; i++, y++) {
		if (i == st->cur)
			attron(A_REVERSE);
		ui_blank(y, 0, W);
		ui_textf(y, 1, 24, "%s %s", i == st->cur ? ">" : " ", st->v[i].code);
		ui_textf(y, 26, 12, "%10d", st->v[i].households);
		ui_textf(y, 39, 12, "%10d", st->v[i].pending);
		ui_textf(y, 52, 12, "%10d", st->v[i].returned);
		ui_textf(y, 65, 12, "%10d", st->v[i].monitored);
		if (i == st->cur)
			attroff(A_REVERSE);
	}
	if (st->nv == 0)
		ui_text(y++, 3, W - 4, _("No villages on this device yet."), 0);
	y++;
	if (st->sync_at && *st->sync_at)
		ui_textf(y++, 1, W - 2, "%s %s  %s", _("Last sync:"), st->sync_at,
			 st->sync_result ? st->sync_result : "");
	else
		ui_textf(y++, 1, W - 2, "%s %s", _("Last sync:"), _("never"));
	ui_textf(y++, 1, W - 2, "%s %d   %s %d", _("Changes not synced:"), st->pending,
		 _("Open drafts:"), st->ndrafts);
	if (st->county)
		ui_textf(y++, 1, W - 2, _("Batches waiting: %d (b)   Open conflicts: %d (c)"),
			 st->batches, st->conflicts);
	else if (st->conflicts > 0)
		ui_textf(y++, 1, W - 2, _("Open conflicts: %d (c), settled at the county"),
			 st->conflicts);
	y++;
	if (st->nr_total > 0) {
		attron(A_BOLD);
		ui_textf(y++, 1, W - 2, _("Returned by review (%d): fix and submit again"),
			 st->nr_total);
		attroff(A_BOLD);
	}
	for (int i = 0; i < st->nr && y < top + h; i++, y++) {
		int k = st->nv + i;
		char line[1024];
		if (k == st->cur)
			attron(A_REVERSE);
		snprintf(line, sizeof(line), "%s %-10s %s: %s", k == st->cur ? ">" : " ",
			 st->r[i].code, st->r[i].name, st->r[i].comment);
		ui_text(y, 1, W - 2, line, 1);
		if (k == st->cur)
			attroff(A_REVERSE);
	}
}

static const char *home_selected_village(home_state *st)
{
	if (st->cur < st->nv)
		return st->v[st->cur].code;
	return st->nv > 0 ? st->v[0].code : NULL;
}

static int home_action(ui *u, void *vst, ui_action act, wint_t ch)
{
	home_state *st = vst;
	int n = st->nv + st->nr;

	(void)ch;
	switch (act) {
	case ACT_UP: if (st->cur > 0) st->cur--; return 1;
	case ACT_DOWN: if (st->cur < n - 1) st->cur++; return 1;
	case ACT_FIRST: st->cur = 0; return 1;
	case ACT_LAST: st->cur = n > 0 ? n - 1 : 0; return 1;
	case ACT_ENTER:
		if (st->cur < st->nv) {
			ui_list_arg a = { st->v[st->cur].code, 0, NULL };
			ui_push(u, &ui_list_ops, &a);
		} else if (st->cur - st->nv < st->nr) {
			ui_push(u, &ui_card_ops, st->r[st->cur - st->nv].id);
		}
		return 1;
	case ACT_VISIT: {
		ui_list_arg a = { home_selected_village(st), 1, NULL };
		ui_push(u, &ui_list_ops, &a);
		return 1;
	}
	case ACT_REVIEW:
		if (!u->app->role || (strcmp(u->app->role, "secretary") && strcmp(u->app->role, "county"))) {
			ui_status(u, 1, "%s", _("the review queue is for the first secretary (role secretary)"));
			return 1;
		}
		ui_push(u, &ui_review_ops, home_selected_village(st));
		return 1;
	case ACT_SYNC:
		ui_push(u, &ui_sync_ops, NULL);
		return 1;
	case ACT_DRAFTS:
		ui_push(u, &ui_drafts_ops, NULL);
		return 1;
	case ACT_BATCHES:
		ui_push(u, &ui_batches_ops, NULL);
		return 1;
	case ACT_CONFLICTS:
		ui_push(u, &ui_conflicts_ops, NULL);
		return 1;
	case ACT_IDLE:
		return 1;
	default:
		return 0;
	}
}

const ui_screen_ops ui_home_ops = {
	N_("home"), S_HOME, sizeof(home_state),
	home_open, home_draw, home_action, home_resume, home_close, NULL
};

/* ---- open drafts: offered at start so a crash loses nothing ---- */

typedef struct drafts_state {
	record **d;
	int n, cur;
} drafts_state;

static int draft_cb(const record *r, void *ud)
{
	drafts_state *st = ud;

	st->d = util_realloc(st->d, (size_t)(st->n + 1) * sizeof(*st->d));
	st->d[st->n++] = record_dup(r);
	return 0;
}

static void drafts_free(drafts_state *st)
{
	for (int i = 0; i < st->n; i++)
		record_free(st->d[i]);
	free(st->d);
	st->d = NULL;
	st->n = 0;
}

static void drafts_load(ui *u, drafts_state *st)
{
	fc_err err = { 0 };

	drafts_free(st);
	if (store_draft_each(u->app->st, draft_cb, st, &err) != 0)
		ui_status(u, 1, "%s", err.msg);
	if (st->cur >= st->n)
		st->cur = st->n > 0 ? st->n - 1 : 0;
}

static int drafts_open(ui *u, void *vst, const void *arg)
{
	(void)arg;
	drafts_load(u, vst);
	return 0;
}

static void drafts_resume(ui *u, void *vst)
{
	drafts_load(u, vst);
}

static void drafts_close(ui *u, void *vst)
{
	(void)u;
	drafts_free(vst);
}

static const char *kind_label(const char *kind)
{
	if (!strcmp(kind, K_HOUSEHOLD))
		return _("household card");
	if (!strcmp(kind, K_MEMBER))
		return _("member");
	if (!strcmp(kind, K_VISIT))
		return _("visit");
	return kind;
}

static void drafts_draw(ui *u, void *vst, int top, int h)
{
	drafts_state *st = vst;
	int y = top;

	ui_text(y++, 1, u->cols - 2,
		_("These forms were being filled when the program last stopped."), 0);
	ui_text(y++, 1, u->cols - 2, _("Enter resumes one; d discards it; Esc leaves them for later."), 0);
	y++;
	if (st->n == 0)
		ui_text(y, 3, u->cols - 4, _("No open drafts."), 0);
	for (int i = 0; i < st->n && y < top + h; i++, y++) {
		const char *name = ui_record_name(st->d[i]);
		char line[512];
		snprintf(line, sizeof(line), "%s %-14s %s", i == st->cur ? ">" : " ",
			 kind_label(st->d[i]->kind), *name ? name : _("(no name yet)"));
		if (i == st->cur)
			attron(A_REVERSE);
		ui_text(y, 1, u->cols - 2, line, 1);
		if (i == st->cur)
			attroff(A_REVERSE);
	}
}

static int drafts_action(ui *u, void *vst, ui_action act, wint_t ch)
{
	drafts_state *st = vst;

	(void)ch;
	switch (act) {
	case ACT_UP: if (st->cur > 0) st->cur--; return 1;
	case ACT_DOWN: if (st->cur < st->n - 1) st->cur++; return 1;
	case ACT_ENTER:
		if (st->cur < st->n) {
			ui_form_arg a = { 0 };
			a.kind = st->d[st->cur]->kind;
			a.parent = st->d[st->cur]->parent;
			a.draft = record_dup(st->d[st->cur]);
			ui_push(u, &ui_form_ops, &a);
		}
		return 1;
	case ACT_DISCARD:
		if (st->cur < st->n && ui_confirm(u, _("Discard this draft? What was typed is lost."))) {
			fc_err err = { 0 };
			if (store_draft_drop(u->app->st, st->d[st->cur]->id, &err) != 0)
				ui_status(u, 1, "%s", err.msg);
			else
				ui_status(u, 0, "%s", _("draft discarded"));
			drafts_load(u, st);
		}
		return 1;
	default:
		return 0;
	}
}

const ui_screen_ops ui_drafts_ops = {
	N_("open drafts"), S_DRAFTS, sizeof(drafts_state),
	drafts_open, drafts_draw, drafts_action, drafts_resume, drafts_close, NULL
};

/* ---- sync ---- */

#define SYNC_LOG 64

typedef struct sync_state {
	int pending;
	char *at, *result;
	char *log[SYNC_LOG];
	int nlog;
	ui *u;
} sync_state;

static void sync_load(ui *u, sync_state *st)
{
	free(st->at);
	free(st->result);
	st->at = st->result = NULL;
	st->pending = 0;
	store_pending_count(u->app->st, &st->pending, NULL);
	store_meta_get(u->app->st, "last_sync_at", &st->at, NULL);
	store_meta_get(u->app->st, "last_sync_result", &st->result, NULL);
}

static int sync_open(ui *u, void *vst, const void *arg)
{
	sync_state *st = vst;

	(void)arg;
	st->u = u;
	sync_load(u, st);
	return 0;
}

static void sync_close(ui *u, void *vst)
{
	sync_state *st = vst;

	(void)u;
	free(st->at);
	free(st->result);
	for (int i = 0; i < st->nlog; i++)
		free(st->log[i]);
}

static void sync_draw(ui *u, void *vst, int top, int h)
{
	sync_state *st = vst;
	int y = top;
	int first;

	ui_textf(y++, 1, u->cols - 2, "%s %d", _("Changes waiting to be sent:"), st->pending);
	ui_textf(y++, 1, u->cols - 2, "%s %s", _("Last sync:"),
		 st->at && *st->at ? st->at : _("never"));
	ui_textf(y++, 1, u->cols - 2, "%s %s", _("Result:"),
		 st->result && *st->result ? st->result : "-");
	y++;
	if (!ui_sync_hook)
		ui_text(y++, 1, u->cols - 2,
			_("sync not configured: this build has no sync module; use `fieldcard sync` when it is installed."), 0);
	else
		ui_text(y++, 1, u->cols - 2, _("Enter starts a sync."), 0);
	y++;
	first = st->nlog - (top + h - y);
	if (first < 0)
		first = 0;
	for (int i = first; i < st->nlog && y < top + h; i++)
		ui_text(y++, 3, u->cols - 4, st->log[i], 0);
}

static void sync_progress(void *ud, const char *line)
{
	sync_state *st = ud;

	if (st->nlog == SYNC_LOG) {
		free(st->log[0]);
		memmove(st->log, st->log + 1, (SYNC_LOG - 1) * sizeof(st->log[0]));
		st->nlog--;
	}
	st->log[st->nlog++] = util_strdup(line);
	ui_redraw(st->u);
}

static int sync_action(ui *u, void *vst, ui_action act, wint_t ch)
{
	sync_state *st = vst;
	fc_err err = { 0 };

	(void)ch;
	if (act != ACT_ENTER)
		return 0;
	if (!ui_sync_hook) {
		ui_status(u, 1, "%s", _("sync not configured"));
		return 1;
	}
	ui_status(u, 0, "%s", _("syncing..."));
	ui_redraw(u);
	if (ui_sync_hook(u->app, sync_progress, st, &err) != 0)
		ui_status(u, 1, "%s %s", _("sync failed:"), err.msg);
	else
		ui_status(u, 0, "%s", _("sync done"));
	sync_load(u, st);
	return 1;
}

const ui_screen_ops ui_sync_ops = {
	N_("sync"), S_SYNC, sizeof(sync_state),
	sync_open, sync_draw, sync_action, NULL, sync_close, NULL
};
