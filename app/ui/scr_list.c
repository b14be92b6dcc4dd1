/* scr_list.c — the household list of a village: incremental search (`/`)
 * over names, ID numbers and codes, filters, sort, and virtual scrolling —
 * only a window of rows around the screen is fetched from the store
 * (offset/limit), so a village of thousands opens at once. Also the
 * "pick a household" step of a new visit. */
#include "ui_int.h"

#include <poll.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/fields.h"
#include "fieldcard/util.h"

#define WIN 120        /* rows fetched per window */
#define WIN_BEFORE 30  /* of which before the top line */

typedef struct list_row {
	char *id, *code, *name, *idnum, *status, *type, *monitor, *review, *comment, *visit;
	int members, pending, conflicts;
} list_row;

typedef struct list_state {
	char *village;
	int pick_visit;
	/* query */
	char *search;
	char *status, *type, *review;
	int monitored, days;
	store_sort sort;
	/* window of rows [win_off, win_off + nwin) */
	list_row win[WIN];
	int win_off, nwin;
	int total;
	int cur, top, page;
	int searching;
	int search_stale;   /* typed ahead: the query waits for the last key */
	ui_edit edit;
	int loaded;
} list_state;

static void row_free(list_row *r)
{
	free(r->id); free(r->code); free(r->name); free(r->idnum); free(r->status);
	free(r->type); free(r->monitor); free(r->review); free(r->comment); free(r->visit);
	memset(r, 0, sizeof(*r));
}

static void win_clear(list_state *st)
{
	for (int i = 0; i < st->nwin; i++)
		row_free(&st->win[i]);
	st->nwin = 0;
}

static char *dupz(const char *s)
{
	return util_strdup(s ? s : "");
}

static int row_cb(const store_row *row, void *ud)
{
	list_state *st = ud;
	list_row *r;

	if (st->nwin >= WIN)
		return 1;
	r = &st->win[st->nwin++];
	r->id = dupz(row->id);
	r->code = dupz(row->code);
	r->name = dupz(row->head_name);
	r->idnum = row->head_id_number && *row->head_id_number ?
		util_mask_id(row->head_id_number) : util_strdup("");
	r->status = dupz(row->poverty_status);
	r->type = dupz(row->household_type);
	r->monitor = dupz(row->monitor_category);
	r->review = dupz(row->review_state);
	r->comment = dupz(row->review_comment);
	r->visit = dupz(row->last_visit);
	r->members = row->members;
	r->pending = row->pending;
	r->conflicts = row->conflicts;
	return 0;
}

static void query_of(list_state *st, store_query *q)
{
	memset(q, 0, sizeof(*q));
	q->village = st->village;
	q->search = st->search && *st->search ? st->search : NULL;
	q->poverty_status = st->status;
	q->household_type = st->type;
	q->review_state = st->review;
	q->monitored_only = st->monitored;
	q->not_visited_days = st->days;
	q->sort = st->sort;
}

/* Fetch the window around st->top (and the count, if asked). */
static void fetch(ui *u, list_state *st, int recount)
{
	store_query q;
	fc_err err = { 0 };

	query_of(st, &q);
	if (recount) {
		st->total = 0;
		if (store_count(u->app->st, &q, &st->total, &err) != 0) {
			ui_status(u, 1, "%s", err.msg);
			return;
		}
	}
	win_clear(st);
	st->win_off = st->top > WIN_BEFORE ? st->top - WIN_BEFORE : 0;
	q.offset = st->win_off;
	q.limit = WIN;
	if (store_list(u->app->st, &q, row_cb, st, &err) < 0)
		ui_status(u, 1, "%s", err.msg);
	st->loaded = 1;
}

/* Keep cur on screen, and the window around top. */
static void settle(ui *u, list_state *st, int recount)
{
	int page = st->page > 0 ? st->page : 10;

	if (st->cur >= st->total)
		st->cur = st->total - 1;
	if (st->cur < 0)
		st->cur = 0;
	if (st->cur < st->top)
		st->top = st->cur;
	if (st->cur >= st->top + page)
		st->top = st->cur - page + 1;
	if (st->top < 0)
		st->top = 0;
	if (recount || !st->loaded || st->top < st->win_off ||
	    st->top + page > st->win_off + st->nwin)
		fetch(u, st, recount);
}

static int list_open(ui *u, void *vst, const void *arg)
{
	list_state *st = vst;
	const ui_list_arg *a = arg;

	st->village = a && a->village ? util_strdup(a->village) : NULL;
	st->pick_visit = a ? a->pick_visit : 0;
	st->review = a && a->review_state ? util_strdup(a->review_state) : NULL;
	settle(u, st, 1);
	if (st->pick_visit)
		ui_status(u, 0, "%s", _("pick the household visited, then Enter"));
	return 0;
}

static void list_resume(ui *u, void *vst)
{
	settle(u, vst, 1);
}

static void list_close(ui *u, void *vst)
{
	list_state *st = vst;

	(void)u;
	win_clear(st);
	free(st->village);
	free(st->search);
	free(st->status);
	free(st->type);
	free(st->review);
	ui_edit_free(&st->edit);
}

static const list_row *row_at(list_state *st, int i)
{
	if (i < st->win_off || i >= st->win_off + st->nwin)
		return NULL;
	return &st->win[i - st->win_off];
}

static const char *choice_label(ui *u, const char *field, const char *value, char **tofree)
{
	const form *f = app_form(u->app, K_HOUSEHOLD);
	const form_field *fld = f ? form_field_find(f, field) : NULL;

	*tofree = ui_value_label(u, fld, value);
	return *tofree;
}

static const char *sort_label(store_sort s)
{
	switch (s) {
	case STORE_SORT_NAME: return _("name");
	case STORE_SORT_VISIT: return _("last visit");
	default: return _("code");
	}
}

static void list_draw(ui *u, void *vst, int top, int h)
{
	list_state *st = vst;
	int y = top, W = u->cols, body;
	const list_row *sel;
	char line[512];

	snprintf(line, sizeof(line), "%s %s   %s %d   %s %s%s%s%s%s",
		 _("Village"), st->village ? st->village : _("all"),
		 _("households:"), st->total, _("sorted by"), sort_label(st->sort),
		 st->status || st->type || st->review || st->monitored || st->days ?
		 "   " : "",
		 st->status || st->type || st->review || st->monitored || st->days ?
		 _("[filtered]") : "",
		 st->pick_visit ? "   " : "", st->pick_visit ? _("(new visit: pick a household)") : "");
	ui_text(y++, 1, W - 2, line, 0);
	if (st->searching || (st->search && *st->search)) {
		int lw = ui_text(y, 1, 12, "/", 0);
		if (st->searching) {
			u->cur_x = ui_edit_draw(&st->edit, y, 1 + lw, W - 3 - lw);
			u->cur_y = y;
		} else {
			ui_text(y, 1 + lw, W - 3 - lw, st->search, 0);
		}
	}
	y++;
	attron(A_BOLD);
	ui_text(y, 2, 13, _("Code"), 0);
	ui_text(y, 16, 12, _("Head"), 0);
	ui_text(y, 29, 18, _("ID number"), 0);
	ui_text(y, 48, 8, _("Status"), 0);
	ui_text(y, 57, 10, _("Review"), 0);
	ui_text(y, 68, 11, _("Last visit"), 0);
	attroff(A_BOLD);
	y++;
	body = top + h - y - 2;  /* two lines kept for the selected row's note */
	st->page = body > 1 ? body : 1;
	for (int i = st->top; i < st->total && y < top + h - 2; i++, y++) {
		const list_row *r = row_at(st, i);
		char *lab = NULL;

		if (!r)
			break;
		if (i == st->cur)
			attron(A_REVERSE);
		ui_blank(y, 0, W);
		ui_text(y, 0, 1, i == st->cur ? ">" : " ", 0);
		ui_text(y, 2, 13, r->code, 0);
		ui_text(y, 16, 12, r->name, 0);
		ui_text(y, 29, 18, r->idnum, 0);
		ui_text(y, 48, 8, choice_label(u, F_POVERTY_STATUS, r->status, &lab), 0);
		free(lab);
		ui_text(y, 57, 10, ui_review_label(r->review), 0);
		ui_text(y, 68, 10, r->visit, 0);
		ui_text(y, 79, 1, r->conflicts ? "!" : r->pending ? "*" : *r->monitor ? "M" : " ", 0);
		if (i == st->cur)
			attroff(A_REVERSE);
	}
	if (st->total == 0)
		ui_text(y, 3, W - 4, st->search && *st->search ?
			_("No household matches the search.") :
			_("No households. n adds one."), 0);
	sel = row_at(st, st->cur);
	if (sel && !strcmp(sel->review, "returned") && *sel->comment) {
		attron(A_BOLD);
		ui_textf(top + h - 1, 1, W - 2, "%s %s", _("Returned:"), sel->comment);
		attroff(A_BOLD);
	} else if (sel) {
		char *lab = NULL;
		ui_textf(top + h - 1, 1, W - 2, "%s %s  %s %d  %s",
			 _("Type:"), choice_label(u, F_HOUSEHOLD_TYPE, sel->type, &lab),
			 _("Members:"), sel->members,
			 sel->conflicts ? _("! open conflicts") :
			 sel->pending ? _("* not synced") : "");
		free(lab);
	}
}

/* Pick a choice of a household field for a filter; NULL = any. */
static int pick_choice(ui *u, const char *title, const char *field, char **value)
{
	const form *f = app_form(u->app, K_HOUSEHOLD);
	const form_field *fld = f ? form_field_find(f, field) : NULL;
	const char **labels;
	int n, k;

	if (!fld || !fld->list)
		return -1;
	n = (int)fld->list->nchoices + 1;
	labels = util_calloc((size_t)n, sizeof(*labels));
	labels[0] = _("any");
	for (int i = 1; i < n; i++)
		labels[i] = form_choice_label(&fld->list->choices[i - 1], u->lang);
	k = ui_pick(u, title, labels, n, 0);
	free(labels);
	if (k < 0)
		return -1;
	free(*value);
	*value = k == 0 ? NULL : util_strdup(fld->list->choices[k - 1].name);
	return 0;
}

static void filters(ui *u, list_state *st)
{
	const char *items[6];
	int k;

	items[0] = _("Status");
	items[1] = _("Household type");
	items[2] = st->monitored ? _("Monitored only: on") : _("Monitored only: off");
	items[3] = _("Review state");
	items[4] = _("Not visited in N days");
	items[5] = _("Clear all filters");
	k = ui_pick(u, _("Filter"), items, 6, 0);
	switch (k) {
	case 0: pick_choice(u, _("Status"), F_POVERTY_STATUS, &st->status); break;
	case 1: pick_choice(u, _("Household type"), F_HOUSEHOLD_TYPE, &st->type); break;
	case 2: st->monitored = !st->monitored; break;
	case 3: {
		const char *states[] = { "submitted", "approved", "returned", "merged" };
		const char *labels[5];
		labels[0] = _("any");
		for (int i = 0; i < 4; i++)
			labels[i + 1] = ui_review_label(states[i]);
		int r = ui_pick(u, _("Review state"), labels, 5, 0);
		if (r >= 0) {
			free(st->review);
			st->review = r == 0 ? NULL : util_strdup(states[r - 1]);
		}
		break;
	}
	case 4: {
		char *v = NULL;
		if (ui_prompt(u, _("Not visited in how many days (0 = off):"), "", &v) == 0) {
			st->days = atoi(v);
			if (st->days < 0)
				st->days = 0;
		}
		free(v);
		break;
	}
	case 5:
		free(st->status); free(st->type); free(st->review);
		st->status = st->type = st->review = NULL;
		st->monitored = st->days = 0;
		break;
	default:
		return;
	}
	st->cur = st->top = 0;
	settle(u, st, 1);
}

static int list_text_mode(ui *u, void *vst)
{
	(void)u;
	return ((list_state *)vst)->searching;
}

/* More keys already typed (a fast typist, or keys batched by a slow SSH
 * link)? Then a search for this prefix would only be thrown away. */
static int input_pending(void)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };

	return poll(&p, 1, 0) > 0;
}

static void search_changed(ui *u, list_state *st)
{
	free(st->search);
	st->search = ui_edit_get(&st->edit);
	st->cur = st->top = 0;
	if (input_pending()) {
		st->search_stale = 1;
		return;
	}
	st->search_stale = 0;
	settle(u, st, 1);
}

static int list_action(ui *u, void *vst, ui_action act, wint_t ch)
{
	list_state *st = vst;
	const list_row *r;

	if (st->searching) {
		switch (act) {
		case ACT_ENTER:
			st->searching = 0;
			if (st->search_stale) {
				st->search_stale = 0;
				settle(u, st, 1);
			}
			return 1;
		case ACT_BACK:
			st->searching = 0;
			ui_edit_set(&st->edit, "");
			search_changed(u, st);
			return 1;
		case ACT_TEXT: case ACT_BKSP: case ACT_DEL: case ACT_CLEAR:
			if (ui_edit_action(&st->edit, act, ch))
				search_changed(u, st);
			return 1;
		default:
			break;  /* moving still works while searching */
		}
	}
	switch (act) {
	case ACT_UP: st->cur--; break;
	case ACT_DOWN: st->cur++; break;
	case ACT_PGUP: st->cur -= st->page; st->top -= st->page; break;
	case ACT_PGDN: st->cur += st->page; st->top += st->page;
		if (st->top > st->total - st->page)
			st->top = st->total - st->page;
		break;
	case ACT_FIRST: st->cur = 0; break;
	case ACT_LAST: st->cur = st->total - 1; break;
	case ACT_SEARCH:
		st->searching = 1;
		ui_edit_set(&st->edit, st->search);
		return 1;
	case ACT_BACK:
		if (st->search && *st->search) {
			ui_edit_set(&st->edit, "");
			search_changed(u, st);
			return 1;
		}
		return 0;
	case ACT_FILTER:
		filters(u, st);
		return 1;
	case ACT_SORT:
		st->sort = st->sort == STORE_SORT_CODE ? STORE_SORT_NAME :
			st->sort == STORE_SORT_NAME ? STORE_SORT_VISIT : STORE_SORT_CODE;
		st->cur = st->top = 0;
		settle(u, st, 1);
		return 1;
	case ACT_ENTER:
	case ACT_VISIT:
		r = row_at(st, st->cur);
		if (!r)
			return 1;
		if (st->pick_visit || act == ACT_VISIT) {
			ui_form_arg a = { 0 };
			a.kind = K_VISIT;
			a.parent = r->id;
			ui_push(u, &ui_form_ops, &a);
		} else {
			ui_push(u, &ui_card_ops, r->id);
		}
		return 1;
	case ACT_NEW: {
		ui_form_arg a = { 0 };
		a.kind = K_HOUSEHOLD;
		a.village = st->village ? st->village :
			(u->app->villages ? u->app->villages[0] : NULL);
		ui_push(u, &ui_form_ops, &a);
		return 1;
	}
	case ACT_IDLE:
		if (st->search_stale) {
			st->search_stale = 0;
			settle(u, st, 1);
		}
		return 1;
	default:
		return 0;
	}
	if (st->top < 0)
		st->top = 0;
	settle(u, st, 0);
	return 1;
}

const ui_screen_ops ui_list_ops = {
	N_("households"), S_LIST, sizeof(list_state),
	list_open, list_draw, list_action, list_resume, list_close, list_text_mode
};
