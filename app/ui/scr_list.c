/* scr_list.c — the household list of a village: incremental search (`/`)
 * over names, ID numbers and codes, filters (a failing check among them,
 * on a key of its own), sort, a mark for failing checks, columns that fit
 * the terminal's width, and virtual scrolling —
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
#include "fieldcard/rules.h"
#include "fieldcard/util.h"

#define WIN 120        /* rows fetched per window */
#define WIN_BEFORE 30  /* of which before the top line */

typedef struct list_row {
	char *id, *code, *name, *idnum, *status, *type, *monitor, *review, *comment, *visit;
	char *checks;       /* failing checks as of the last save (store_row) */
	int members, pending, conflicts;
} list_row;

typedef struct list_state {
	char *village;
	int pick_visit;
	/* query */
	char *search;
	char *status, *type, *review;
	char *failing;      /* a check code, "no_line" or "any"; NULL = off */
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
	free(r->checks);
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
	r->checks = dupz(row->checks);
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
	q->failing_check = st->failing;
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
	free(st->failing);
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

/* The columns of the list, laid out for the terminal's width: code, head
 * and the checks mark always; then status, review, last visit and the ID
 * number while they fit. Spare width goes to the ID number (up to the
 * whole masked number), then to the code and the head. */
enum { COL_CODE, COL_HEAD, COL_CHECKS, COL_ID, COL_STATUS, COL_REVIEW, COL_VISIT, NCOLS };

typedef struct list_cols {
	int x[NCOLS], w[NCOLS];   /* w 0: not shown */
} list_cols;

static void layout(int W, list_cols *c)
{
	static const int order[NCOLS] = { COL_CODE, COL_HEAD, COL_CHECKS, COL_ID, COL_STATUS,
					  COL_REVIEW, COL_VISIT };
	int left = W - 4, x = 2;  /* the selection mark, the flag at the right edge */

	memset(c, 0, sizeof(*c));
	c->w[COL_CODE] = 13;
	c->w[COL_HEAD] = 12;
	c->w[COL_CHECKS] = 4;
	left -= 13 + 1 + 12 + 1 + 4 + 1;
	if (left >= 9) { c->w[COL_STATUS] = 8; left -= 9; }
	if (left >= 11) { c->w[COL_REVIEW] = 10; left -= 11; }
	if (left >= 11) { c->w[COL_VISIT] = 10; left -= 11; }
	/* A masked ID number of 11 columns or more keeps both its ends. */
	if (left >= 12) {
		c->w[COL_ID] = left - 1 > 18 ? 18 : left - 1;
		left -= c->w[COL_ID] + 1;
	}
	if (left > 0 && c->w[COL_ID] == 18) {
		int more = left > 7 ? 7 : left;
		c->w[COL_CODE] += more;
		left -= more;
	}
	if (left > 0)
		c->w[COL_HEAD] += left > 8 ? 8 : left;
	for (int i = 0; i < NCOLS; i++) {
		int k = order[i];
		if (!c->w[k])
			continue;
		c->x[k] = x;
		x += c->w[k] + 1;
	}
}

/* An ID number (already masked) in w columns: the first six and the last
 * four digits stay, the stars between give way. */
static void fit_id(const char *masked, int w, char *out, size_t outsz)
{
	size_t n = strlen(masked);

	if ((int)n <= w || n < 10 || w < 11) {
		snprintf(out, outsz, "%s", masked);
		return;
	}
	snprintf(out, outsz, "%.6s%.*s%s", masked, w - 10, "********************",
		 masked + n - 4);
}

/* How many of the five checks fail in a row's marks ("income medical
 * no_line suggest:unstable"), and whether the card has no income line. */
static int failing_count(const char *checks, int *no_line)
{
	char word[32];
	int n = 0, len;

	*no_line = 0;
	while (checks && sscanf(checks, " %31s%n", word, &len) == 1) {
		if (!strcmp(word, "no_line"))
			*no_line = 1;
		else if (rules_check_by_code(word) >= 0)
			n++;
		checks += len;
	}
	return n;
}

/* The row's mark: the number of failing checks, "?" without an income line. */
static void checks_mark(const char *checks, char *out, size_t outsz)
{
	int no_line, n = failing_count(checks, &no_line);

	out[0] = 0;
	if (n)
		snprintf(out, outsz, "%d", n);
	if (no_line)
		snprintf(out + strlen(out), outsz - strlen(out), "?");
}

/* The selected row's checks in words: the labels of the failing ones, the
 * missing income line, the suggested category. "" if none. */
static void checks_note(ui *u, const char *checks, char *out, size_t outsz)
{
	char word[32], *lab = NULL;
	const char *p;
	int len, nfail = 0;

	out[0] = 0;
	for (p = checks; p && sscanf(p, " %31s%n", word, &len) == 1; p += len) {
		int c = rules_check_by_code(word);
		size_t o = strlen(out);

		if (c >= 0)
			snprintf(out + o, outsz - o, "%s%s", nfail++ ? _(", ") : _("Failing: "),
				 rules_check_label(c, u->lang));
	}
	for (p = checks; p && sscanf(p, " %31s%n", word, &len) == 1; p += len) {
		size_t o = strlen(out);

		if (!strcmp(word, "no_line")) {
			snprintf(out + o, outsz - o, "%s%s", o ? "   " : "", _("no income line"));
		} else if (!strncmp(word, "suggest:", 8)) {
			snprintf(out + o, outsz - o, "%s%s%s", o ? "   " : "",
				 _("suggested for monitoring: "),
				 choice_label(u, F_MONITOR_CATEGORY, word + 8, &lab));
			free(lab);
			lab = NULL;
		}
	}
}

/* The filter by a failing check in words, for the title line; "" if off. */
static const char *failing_label(ui *u, const char *failing, char *buf, size_t bufsz)
{
	int c = failing ? rules_check_by_code(failing) : -1;

	buf[0] = 0;
	if (!failing)
		return buf;
	if (!strcmp(failing, "any"))
		snprintf(buf, bufsz, "%s", _("[failing: any check]"));
	else if (!strcmp(failing, "no_line"))
		snprintf(buf, bufsz, "%s", _("[no income line]"));
	else
		snprintf(buf, bufsz, _("[failing: %s]"), c >= 0 ? rules_check_label(c, u->lang) : failing);
	return buf;
}

/* The first line: the filter by a check first, so a narrow terminal
 * still shows it; when the whole line does not fit, only the count. */
static void draw_title(ui *u, list_state *st, int y)
{
	char fl[256], line[768];
	int other = st->status || st->type || st->review || st->monitored || st->days;

	failing_label(u, st->failing, fl, sizeof(fl));
	snprintf(line, sizeof(line), "%s%s%s %s   %s %d   %s %s%s%s%s%s", fl, *fl ? "  " : "",
		 _("Village"), st->village ? st->village : _("all"),
		 _("households:"), st->total, _("sorted by"), sort_label(st->sort),
		 other ? "   " : "", other ? _("[filtered]") : "",
		 st->pick_visit ? "   " : "", st->pick_visit ? _("(new visit: pick a household)") : "");
	if (ui_width(line) > u->cols - 2)
		snprintf(line, sizeof(line), "%s%s%s %d%s%s", fl, *fl ? " " : "",
			 _("households:"), st->total, other ? " " : "", other ? _("[filtered]") : "");
	if (*fl)
		attron(A_BOLD);
	ui_text(y, 1, u->cols - 2, line, 0);
	if (*fl)
		attroff(A_BOLD);
}

static void draw_row(ui *u, const list_row *r, const list_cols *c, int y, int selected)
{
	char *lab = NULL, buf[64];
	int W = u->cols;

	if (selected)
		attron(A_REVERSE);
	ui_blank(y, 0, W);
	ui_text(y, 0, 1, selected ? ">" : " ", 0);
	ui_text(y, c->x[COL_CODE], c->w[COL_CODE], r->code, 0);
	ui_text(y, c->x[COL_HEAD], c->w[COL_HEAD], r->name, 0);
	checks_mark(r->checks, buf, sizeof(buf));
	if (*buf)
		attron(A_BOLD);
	ui_text(y, c->x[COL_CHECKS], c->w[COL_CHECKS], buf, 0);
	if (*buf)
		attroff(A_BOLD);
	if (c->w[COL_ID]) {
		fit_id(r->idnum, c->w[COL_ID], buf, sizeof(buf));
		ui_text(y, c->x[COL_ID], c->w[COL_ID], buf, 0);
	}
	if (c->w[COL_STATUS]) {
		ui_text(y, c->x[COL_STATUS], c->w[COL_STATUS],
			choice_label(u, F_POVERTY_STATUS, r->status, &lab), 0);
		free(lab);
	}
	if (c->w[COL_REVIEW])
		ui_text(y, c->x[COL_REVIEW], c->w[COL_REVIEW], ui_review_label(r->review), 0);
	if (c->w[COL_VISIT])
		ui_text(y, c->x[COL_VISIT], c->w[COL_VISIT], r->visit, 0);
	ui_text(y, W - 1, 1, r->conflicts ? "!" : r->pending ? "*" : *r->monitor ? "M" : " ", 0);
	if (selected)
		attroff(A_REVERSE);
}

static void list_draw(ui *u, void *vst, int top, int h)
{
	list_state *st = vst;
	int y = top, W = u->cols, body, notes = h >= 12 ? 2 : 1;
	const list_row *sel;
	list_cols c;
	char note[1024];

	layout(W, &c);
	draw_title(u, st, y++);
	if (st->searching || (st->search && *st->search)) {
		int lw = ui_text(y, 1, 12, "/", 0);
		if (st->searching) {
			u->cur_x = ui_edit_draw(&st->edit, y, 1 + lw, W - 3 - lw);
			u->cur_y = y;
		} else {
			ui_text(y, 1 + lw, W - 3 - lw, st->search, 0);
		}
		y++;
	} else if (h >= 12) {
		y++;  /* the search line stays put on a screen with room */
	}
	attron(A_BOLD);
	ui_text(y, c.x[COL_CODE], c.w[COL_CODE], _("Code"), 0);
	ui_text(y, c.x[COL_HEAD], c.w[COL_HEAD], _("Head"), 0);
	ui_text(y, c.x[COL_CHECKS], c.w[COL_CHECKS], _("Chk"), 0);
	if (c.w[COL_ID])
		ui_text(y, c.x[COL_ID], c.w[COL_ID], _("ID number"), 0);
	if (c.w[COL_STATUS])
		ui_text(y, c.x[COL_STATUS], c.w[COL_STATUS], _("Status"), 0);
	if (c.w[COL_REVIEW])
		ui_text(y, c.x[COL_REVIEW], c.w[COL_REVIEW], _("Review"), 0);
	if (c.w[COL_VISIT])
		ui_text(y, c.x[COL_VISIT], c.w[COL_VISIT] + 1, _("Last visit"), 0);
	attroff(A_BOLD);
	y++;
	body = top + h - y - notes;  /* lines kept for the selected row's notes */
	st->page = body > 1 ? body : 1;
	/* After a resize the page may have shrunk under the selection: keep
	 * it on screen (its rows are in the window fetched around top). */
	if (st->cur >= st->top + st->page)
		st->top = st->cur - st->page + 1;
	for (int i = st->top; i < st->total && y < top + h - notes; i++, y++) {
		const list_row *r = row_at(st, i);

		if (!r)
			break;
		draw_row(u, r, &c, y, i == st->cur);
	}
	if (st->total == 0)
		ui_text(y, 3, W - 4, st->search && *st->search ? _("No household matches the search.") :
			st->failing ? _("No household fails that check.") :
			_("No households. n adds one."), 0);
	sel = row_at(st, st->cur);
	if (!sel)
		return;
	checks_note(u, sel->checks, note, sizeof(note));
	/* On a short terminal the one note line tells the checks, if any. */
	if (*note && notes == 1) {
		ui_text(top + h - 1, 1, W - 2, note, 0);
		return;
	}
	if (*note)
		ui_text(top + h - 2, 1, W - 2, note, 0);
	if (!strcmp(sel->review, "returned") && *sel->comment) {
		attron(A_BOLD);
		ui_textf(top + h - 1, 1, W - 2, "%s %s", _("Returned:"), sel->comment);
		attroff(A_BOLD);
	} else {
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

/* Which failing check to list: any, one of the five, or no income line
 * (the codes of store_query.failing_check). 0 if one was picked. */
static int pick_failing(ui *u, list_state *st)
{
	const char *labels[RULES_NCHECKS + 2];
	int k;

	labels[0] = _("any check");
	for (int c = 0; c < RULES_NCHECKS; c++)
		labels[c + 1] = rules_check_label(c, u->lang);
	labels[RULES_NCHECKS + 1] = _("no income line");
	k = ui_pick(u, _("Households failing which check?"), labels, RULES_NCHECKS + 2, 0);
	if (k < 0)
		return -1;
	free(st->failing);
	st->failing = util_strdup(k == 0 ? "any" : k <= RULES_NCHECKS ? rules_check_code(k - 1) :
				  "no_line");
	return 0;
}

/* The filter by a failing check goes on (after a pick) or off; the title
 * line shows it while it is on, the message line says how to clear it. */
static void toggle_failing(ui *u, list_state *st)
{
	char fl[256];

	if (st->failing) {
		free(st->failing);
		st->failing = NULL;
		ui_status(u, 0, "%s", _("check filter off: all households"));
	} else if (pick_failing(u, st) == 0) {
		ui_status(u, 0, _("only %s; c or Esc shows all"),
			  failing_label(u, st->failing, fl, sizeof(fl)));
	} else {
		return;
	}
	st->cur = st->top = 0;
	settle(u, st, 1);
}

static void filters(ui *u, list_state *st)
{
	const char *items[7];
	char fl[512], lab[256];
	int k;

	items[0] = _("Status");
	items[1] = _("Household type");
	items[2] = st->monitored ? _("Monitored only: on") : _("Monitored only: off");
	items[3] = _("Review state");
	items[4] = _("Not visited in N days");
	if (st->failing)
		snprintf(fl, sizeof(fl), "%s %s", _("Failing check:"),
			 failing_label(u, st->failing, lab, sizeof(lab)));
	items[5] = st->failing ? fl : _("Failing check: off");
	items[6] = _("Clear all filters");
	k = ui_pick(u, _("Filter"), items, 7, 0);
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
		/* A pick replaces the filter; Esc in the pick leaves it as it was. */
		pick_failing(u, st);
		break;
	case 6:
		free(st->status); free(st->type); free(st->review); free(st->failing);
		st->status = st->type = st->review = st->failing = NULL;
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
		/* Then the check filter, before leaving the list. */
		if (st->failing) {
			toggle_failing(u, st);
			return 1;
		}
		return 0;
	case ACT_FILTER:
		filters(u, st);
		return 1;
	case ACT_CHECKS:
		toggle_failing(u, st);
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
