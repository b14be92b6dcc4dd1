/* scr_card.c — one household's file card: the checks of the card on the
 * day (the five checks, the missing income line, the suggested monitoring
 * category, the early warnings) and its flags above its sections, the member roster
 * as a table (add, edit, mark as left with a reason — never delete), the
 * visit log, and the card's history (who changed which field from what to
 * what, when). Submitting the card for review happens here too. */
#include "ui_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/checks.h"
#include "fieldcard/fields.h"
#include "fieldcard/flags.h"
#include "fieldcard/util.h"

enum { TAB_CARD, TAB_MEMBERS, TAB_VISITS, TAB_HISTORY, NTABS };

typedef struct hist_row {
	long long seq;
	char *at, *who, *what, *field, *old_value, *new_value;
} hist_row;

/* A flag on the household as the card shows it (flags.h). */
typedef struct card_flag {
	char *state, *reason, *person, *note;
} card_flag;

typedef struct card_state {
	char *id;
	app_household hh;
	int loaded;
	record **members, **visits;
	int nmembers, nvisits;
	hist_row *hist;
	int nhist;
	char *review, *comment;
	/* The checks as of the last load (open, and every return to the card:
	 * a save on the form comes back through resume). */
	rules_indicators ind;
	int have_ind;
	char ind_err[sizeof(((fc_err *)0)->msg)];
	card_flag *flags;
	int nflags;
	int card_lines;     /* lines of the Card tab at the last draw */
	int tab;
	int cur[NTABS], top[NTABS];
	int page;
} card_state;

static void hist_free(card_state *st)
{
	for (int i = 0; i < st->nhist; i++) {
		free(st->hist[i].at); free(st->hist[i].who); free(st->hist[i].what);
		free(st->hist[i].field); free(st->hist[i].old_value); free(st->hist[i].new_value);
	}
	free(st->hist);
	st->hist = NULL;
	st->nhist = 0;
}

static void flags_free(card_state *st)
{
	for (int i = 0; i < st->nflags; i++) {
		free(st->flags[i].state); free(st->flags[i].reason);
		free(st->flags[i].person); free(st->flags[i].note);
	}
	free(st->flags);
	st->flags = NULL;
	st->nflags = 0;
}

/* Copy a flag for drawing: the person by name and masked ID number only. */
static int flag_cb(const flags_flag *f, void *ud)
{
	card_state *st = ud;
	card_flag *c;
	char *masked = util_mask_id(f->person_id);
	char person[256];

	st->flags = util_realloc(st->flags, (size_t)(st->nflags + 1) * sizeof(*st->flags));
	c = &st->flags[st->nflags++];
	snprintf(person, sizeof(person), "%s%s%s", f->person_name,
		 *f->person_name && *masked ? " " : "", masked);
	free(masked);
	c->state = util_strdup(f->state);
	c->reason = util_strdup(*f->reason ? f->reason : f->kind);
	c->person = util_strdup(person);
	c->note = util_strdup(f->note);
	return 0;
}

static void card_unload(card_state *st)
{
	if (st->loaded)
		app_household_free(&st->hh);
	st->loaded = 0;
	free(st->members);
	free(st->visits);
	st->members = st->visits = NULL;
	st->nmembers = st->nvisits = 0;
	hist_free(st);
	flags_free(st);
	free(st->review);
	free(st->comment);
	st->review = st->comment = NULL;
}

typedef struct hist_ctx {
	card_state *st;
	const char *what;
} hist_ctx;

static int hist_cb(const store_audit *a, void *ud)
{
	hist_ctx *h = ud;
	card_state *st = h->st;
	hist_row *r;

	st->hist = util_realloc(st->hist, (size_t)(st->nhist + 1) * sizeof(*st->hist));
	r = &st->hist[st->nhist++];
	r->seq = a->seq;
	r->at = util_strdup(a->at ? a->at : "");
	r->who = util_strdup(a->who ? a->who : "");
	r->what = util_strdup(h->what);
	r->field = util_strdup(a->field ? a->field : "");
	r->old_value = util_strdup(a->old_value ? a->old_value : "");
	r->new_value = util_strdup(a->new_value ? a->new_value : "");
	return 0;
}

static int hist_cmp(const void *a, const void *b)
{
	const hist_row *x = a, *y = b;

	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

static void card_load(ui *u, card_state *st)
{
	fc_err err = { 0 };
	hist_ctx h = { st, "" };

	card_unload(st);
	if (app_household_load(u->app, st->id, &st->hh, &err) != 0) {
		ui_status(u, 1, "%s", err.msg);
		return;
	}
	st->loaded = 1;
	st->members = util_calloc(st->hh.nchildren + 1, sizeof(record *));
	st->visits = util_calloc(st->hh.nchildren + 1, sizeof(record *));
	for (size_t i = 0; i < st->hh.nchildren; i++) {
		record *c = st->hh.children[i];
		if (!strcmp(c->kind, K_MEMBER))
			st->members[st->nmembers++] = c;
		else if (!strcmp(c->kind, K_VISIT))
			st->visits[st->nvisits++] = c;
	}
	store_review_get(u->app->st, st->id, &st->review, &st->comment, NULL);
	st->have_ind = checks_household(u->app, &st->hh, NULL, &st->ind, &err) == 0;
	snprintf(st->ind_err, sizeof(st->ind_err), "%s", st->have_ind ? "" : err.msg);
	if (flags_of_household(u->app, st->id, flag_cb, st, &err) != 0)
		ui_status(u, 1, "%s", err.msg);
	h.what = record_val(st->hh.hh, F_HEAD_NAME);
	store_history(u->app->st, st->id, hist_cb, &h, NULL);
	for (size_t i = 0; i < st->hh.nchildren; i++) {
		h.what = ui_record_name(st->hh.children[i]);
		store_history(u->app->st, st->hh.children[i]->id, hist_cb, &h, NULL);
	}
	if (st->nhist > 1)
		qsort(st->hist, (size_t)st->nhist, sizeof(*st->hist), hist_cmp);
}

static int card_open(ui *u, void *vst, const void *arg)
{
	card_state *st = vst;

	st->id = util_strdup(arg);
	card_load(u, st);
	if (!st->loaded) {
		free(st->id);
		return -1;
	}
	return 0;
}

static void card_resume(ui *u, void *vst)
{
	card_load(u, vst);
}

static void card_close(ui *u, void *vst)
{
	card_state *st = vst;

	(void)u;
	card_unload(st);
	free(st->id);
}

static int tab_len(card_state *st, const form *f)
{
	switch (st->tab) {
	case TAB_MEMBERS: return st->nmembers;
	case TAB_VISITS: return st->nvisits;
	case TAB_HISTORY: return st->nhist;
	default: return f ? st->card_lines : 0;
	}
}

/* The Card tab is one column of lines, the checks section and then the
 * fields, scrolled by top[TAB_CARD]. Every line is counted, shown or not,
 * so that scrolling knows where the card ends at this width. */
typedef struct card_out {
	int y, h;       /* first screen line of the body, lines it has */
	int skip;       /* lines scrolled past */
	int n;          /* lines so far */
} card_out;

/* The screen line of the next line, or -1 if it is scrolled out of view. */
static int out_next(card_out *o)
{
	int k = o->n++ - o->skip;

	return k >= 0 && k < o->h ? o->y + k : -1;
}

/* s from column x to the right edge, wrapped onto as many lines as it
 * takes (never cut inside a character). Returns the screen line of its
 * first line, or -1 if that one is out of view. */
static int out_wrap(ui *u, card_out *o, int x, const char *s, int attr)
{
	int w = u->cols - 1 - x, first = -2;
	char line[1024];

	if (w < 2)
		w = 2;
	do {
		size_t n = ui_wrap(s, w);
		int y = out_next(o);

		if (first == -2)
			first = y;
		if (y >= 0) {
			snprintf(line, sizeof(line), "%.*s", (int)n, s);
			attron(attr);
			ui_text(y, x, w, line, 0);
			attroff(attr);
		}
		s += n;
		while (*s == ' ')
			s++;
	} while (*s);
	return first;
}

static const char *state_mark(rules_state s)
{
	return s == RULES_PASS ? _("pass") : s == RULES_FAIL ? _("FAIL") : _("unknown");
}

/* The flags on the household (a hit in another department's list, a
 * decision on what the rules raised): an open one marked "!", each with
 * its state by the form's flag_state label, what to verify, the person
 * and the decision's note. */
static void draw_flags(ui *u, card_state *st, card_out *o)
{
	const form *ff = app_form(u->app, K_FLAG);
	const form_field *sf = ff ? form_field_find(ff, F_FLAG_STATE) : NULL;
	char buf[1536];
	int y;

	for (int i = 0; i < st->nflags; i++) {
		const card_flag *f = &st->flags[i];
		int open = !strcmp(f->state, C_FLAG_OPEN);
		char *lab = ui_value_label(u, sf, f->state);

		snprintf(buf, sizeof(buf), _("%s: %s"), lab, f->reason);
		free(lab);
		if (*f->person)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), _(" (%s)"), f->person);
		if (*f->note)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " — %s", f->note);
		if ((y = out_wrap(u, o, 3, buf, open ? A_BOLD : 0)) >= 0 && open) {
			attron(A_BOLD);
			ui_text(y, 1, 1, "!", 0);
			attroff(A_BOLD);
		}
	}
}

/* The checks section: a heading with the counts, the missing income line,
 * each check with its mark and reason, the suggested monitoring category
 * (its label from the form's monitor_category choices) and the warnings. */
static void draw_checks(ui *u, card_state *st, card_out *o)
{
	const rules_indicators *ind = &st->ind;
	const form *f = app_form(u->app, K_HOUSEHOLD);
	int nfail = 0, nunk = 0, markw = 0, y;
	char buf[1536];

	if (!st->have_ind) {
		snprintf(buf, sizeof(buf), "%s %s", _("Checks could not be made:"), st->ind_err);
		out_wrap(u, o, 1, buf, A_BOLD);
		out_next(o);
		return;
	}
	for (int c = 0; c < RULES_NCHECKS; c++) {
		nfail += ind->check[c].state == RULES_FAIL;
		nunk += ind->check[c].state == RULES_UNKNOWN;
	}
	for (int s = RULES_PASS; s <= RULES_UNKNOWN; s++)
		if (ui_width(state_mark((rules_state)s)) > markw)
			markw = ui_width(state_mark((rules_state)s));
	if (nfail && nunk)
		snprintf(buf, sizeof(buf), _("-- Checks on %s: %d failing, %d unknown --"),
			 app_today(), nfail, nunk);
	else if (nfail)
		snprintf(buf, sizeof(buf), _("-- Checks on %s: %d failing --"), app_today(), nfail);
	else if (nunk)
		snprintf(buf, sizeof(buf), _("-- Checks on %s: %d unknown --"), app_today(), nunk);
	else
		snprintf(buf, sizeof(buf), _("-- Checks on %s: all pass --"), app_today());
	out_wrap(u, o, 1, buf, A_BOLD);
	if (ind->no_line[0] && (y = out_wrap(u, o, 3, ind->no_line, A_BOLD)) >= 0) {
		attron(A_BOLD);
		ui_text(y, 1, 1, "!", 0);
		attroff(A_BOLD);
	}
	for (int c = 0; c < RULES_NCHECKS; c++) {
		const rules_check *k = &ind->check[c];
		int attr = k->state == RULES_FAIL ? A_BOLD : 0;

		if (k->reason[0])
			snprintf(buf, sizeof(buf), _("%s: %s"), rules_check_label(c, u->lang), k->reason);
		else
			snprintf(buf, sizeof(buf), "%s", rules_check_label(c, u->lang));
		if ((y = out_wrap(u, o, 2 + markw, buf, attr)) >= 0) {
			attron(attr);
			ui_text(y, 1, markw, state_mark(k->state), 0);
			attroff(attr);
		}
	}
	if (ind->suggest.kind) {
		const form_field *fld = f ? form_field_find(f, F_MONITOR_CATEGORY) : NULL;
		char *lab = ui_value_label(u, fld, ind->suggest.kind);

		snprintf(buf, sizeof(buf), _("Suggested for monitoring: %s — %s"), lab,
			 ind->suggest.reason);
		free(lab);
		out_wrap(u, o, 1, buf, A_BOLD);
	}
	for (size_t i = 0; i < ind->nwarn; i++) {
		snprintf(buf, sizeof(buf), _("Early warning: %s"), ind->warn[i].reason);
		out_wrap(u, o, 1, buf, 0);
	}
	draw_flags(u, st, o);
	out_next(o);
}

static void draw_fields(ui *u, card_state *st, int y, int h)
{
	const form *f = app_form(u->app, K_HOUSEHOLD);
	card_out o = { y, h, st->top[TAB_CARD], 0 };
	/* Labels take up to 28 columns, less on a narrow terminal. */
	int lw = u->cols >= 64 ? 28 : (u->cols - 4) / 2, yy;

	draw_checks(u, st, &o);
	for (size_t i = 0; f && i < f->nfields; i++) {
		const form_field *fld = &f->fields[i];
		char *v;
		if (fld->type == FT_BEGIN_GROUP) {
			if ((yy = out_next(&o)) >= 0) {
				attron(A_BOLD);
				ui_textf(yy, 1, u->cols - 2, "-- %s --", form_label(fld, u->lang));
				attroff(A_BOLD);
			}
			continue;
		}
		if (!form_field_has_value(fld) || !*record_val(st->hh.hh, fld->name))
			continue;
		if ((yy = out_next(&o)) < 0)
			continue;
		v = ui_value_label(u, fld, record_val(st->hh.hh, fld->name));
		ui_text(yy, 2, lw, form_label(fld, u->lang), 0);
		ui_text(yy, 3 + lw, u->cols - 4 - lw, v, 0);
		free(v);
	}
	st->card_lines = o.n;
}

static const char *choice(ui *u, const form *f, const char *field, const record *r, char **tofree)
{
	const form_field *fld = f ? form_field_find(f, field) : NULL;

	*tofree = ui_value_label(u, fld, record_val(r, field));
	return *tofree;
}

static void draw_members(ui *u, card_state *st, int y, int h)
{
	const form *mf = app_form(u->app, K_MEMBER);

	attron(A_BOLD);
	ui_text(y, 2, 12, _("Name"), 0);
	ui_text(y, 15, 6, _("Sex"), 0);
	ui_text(y, 22, 10, _("Relation"), 0);
	ui_text(y, 33, 5, _("Age"), 0);
	ui_text(y, 39, 18, _("ID number"), 0);
	ui_text(y, 58, 21, _("Status"), 0);
	attroff(A_BOLD);
	for (int i = st->top[TAB_MEMBERS], k = 1; i < st->nmembers && k < h; i++, k++) {
		const record *m = st->members[i];
		char *a = NULL, *b = NULL, *c = NULL, *masked;
		int left = !strcmp(record_val(m, F_M_STATUS), C_LEFT);

		if (i == st->cur[TAB_MEMBERS])
			attron(A_REVERSE);
		ui_blank(y + k, 0, u->cols);
		ui_text(y + k, 0, 1, i == st->cur[TAB_MEMBERS] ? ">" : " ", 0);
		ui_text(y + k, 2, 12, record_val(m, F_M_NAME), 0);
		ui_text(y + k, 15, 6, choice(u, mf, F_M_SEX, m, &a), 0);
		ui_text(y + k, 22, 10, choice(u, mf, F_M_RELATION, m, &b), 0);
		ui_text(y + k, 33, 5, record_val(m, F_M_AGE), 0);
		masked = *record_val(m, F_M_ID) ? util_mask_id(record_val(m, F_M_ID)) : util_strdup("");
		ui_text(y + k, 39, 18, masked, 0);
		if (left)
			ui_textf(y + k, 58, 21, "%s: %s", _("left"), choice(u, mf, F_M_LEFT_REASON, m, &c));
		else
			ui_text(y + k, 58, 21, _("present"), 0);
		free(a); free(b); free(c); free(masked);
		if (i == st->cur[TAB_MEMBERS])
			attroff(A_REVERSE);
	}
	if (st->nmembers == 0)
		ui_text(y + 1, 3, u->cols - 4, _("No members yet: n adds one."), 0);
}

static void draw_visits(ui *u, card_state *st, int y, int h)
{
	const form *vf = app_form(u->app, K_VISIT);

	attron(A_BOLD);
	ui_text(y, 2, 11, _("Date"), 0);
	ui_text(y, 14, 16, _("Purpose"), 0);
	ui_text(y, 31, 48, _("Visitors"), 0);
	attroff(A_BOLD);
	for (int i = st->top[TAB_VISITS], k = 1; i < st->nvisits && k < h; i++, k++) {
		const record *v = st->visits[i];
		char *p = NULL;
		if (i == st->cur[TAB_VISITS])
			attron(A_REVERSE);
		ui_blank(y + k, 0, u->cols);
		ui_text(y + k, 0, 1, i == st->cur[TAB_VISITS] ? ">" : " ", 0);
		ui_text(y + k, 2, 11, record_val(v, F_V_DATE), 0);
		ui_text(y + k, 14, 16, choice(u, vf, F_V_PURPOSE, v, &p), 0);
		ui_text(y + k, 31, 48, record_val(v, F_V_VISITORS), 0);
		free(p);
		if (i == st->cur[TAB_VISITS])
			attroff(A_REVERSE);
	}
	if (st->nvisits == 0)
		ui_text(y + 1, 3, u->cols - 4, _("No visits yet: n adds one."), 0);
}

static void draw_history(ui *u, card_state *st, int y, int h)
{
	for (int i = st->top[TAB_HISTORY], k = 0; i < st->nhist && k < h; i++, k++) {
		const hist_row *r = &st->hist[i];
		char line[1024];
		snprintf(line, sizeof(line), "%.16s %-8s %s %s: %s -> %s", r->at, r->who,
			 r->what, r->field, *r->old_value ? r->old_value : "''",
			 *r->new_value ? r->new_value : "''");
		if (i == st->cur[TAB_HISTORY])
			attron(A_REVERSE);
		ui_text(y + k, 1, u->cols - 2, line, 1);
		if (i == st->cur[TAB_HISTORY])
			attroff(A_REVERSE);
	}
	if (st->nhist == 0)
		ui_text(y, 3, u->cols - 4, _("No recorded changes."), 0);
}

static void card_draw(ui *u, void *vst, int top, int h)
{
	card_state *st = vst;
	const char *tabs[NTABS] = { _("Card"), _("Members"), _("Visits"), _("History") };
	int y = top, x = 1, body;
	const record *hh = st->hh.hh;

	if (!st->loaded)
		return;
	ui_textf(y++, 1, u->cols - 2, "%s  %s  %s %s", record_val(hh, F_HOUSEHOLD_CODE),
		 record_val(hh, F_HEAD_NAME), _("village"), record_val(hh, F_VILLAGE_CODE));
	if (st->review && !strcmp(st->review, "returned")) {
		attron(A_BOLD);
		ui_textf(y++, 1, u->cols - 2, "%s %s", _("Returned by review:"),
			 st->comment ? st->comment : "");
		attroff(A_BOLD);
	} else {
		ui_textf(y++, 1, u->cols - 2, "%s %s", _("Review:"),
			 st->review && *st->review ? ui_review_label(st->review) : _("not submitted"));
	}
	for (int t = 0; t < NTABS; t++) {
		char lab[64];
		int w;
		snprintf(lab, sizeof(lab), t == st->tab ? "[%s]" : " %s ", tabs[t]);
		w = ui_width(lab);
		if (t == st->tab)
			attron(A_REVERSE);
		ui_text(y, x, w, lab, 0);
		if (t == st->tab)
			attroff(A_REVERSE);
		x += w + 1;
	}
	/* A short terminal keeps no blank line under the tabs. */
	y += h >= 12 ? 2 : 1;
	body = top + h - y;
	st->page = body - 1 > 1 ? body - 1 : 1;
	switch (st->tab) {
	case TAB_CARD: draw_fields(u, st, y, body); break;
	case TAB_MEMBERS: draw_members(u, st, y, body); break;
	case TAB_VISITS: draw_visits(u, st, y, body); break;
	default: draw_history(u, st, y, body); break;
	}
}

/* Mark a member as left with a reason from the form's list; the record
 * stays (history and audit stay whole). */
static void mark_left(ui *u, card_state *st)
{
	const form *mf = app_form(u->app, K_MEMBER);
	const form_field *rf = mf ? form_field_find(mf, F_M_LEFT_REASON) : NULL;
	const char **labels;
	record *m;
	val_report rep;
	fc_err err = { 0 };
	int k;

	if (st->cur[TAB_MEMBERS] >= st->nmembers)
		return;
	if (!rf || !rf->list) {
		ui_status(u, 1, "%s", _("the member form has no left_reason list"));
		return;
	}
	labels = util_calloc(rf->list->nchoices + 1, sizeof(*labels));
	for (size_t i = 0; i < rf->list->nchoices; i++)
		labels[i] = form_choice_label(&rf->list->choices[i], u->lang);
	k = ui_pick(u, _("Why did this member leave?"), labels, (int)rf->list->nchoices, 0);
	free(labels);
	if (k < 0)
		return;
	m = record_dup(st->members[st->cur[TAB_MEMBERS]]);
	record_set(m, F_M_STATUS, C_LEFT);
	record_set(m, F_M_LEFT_REASON, rf->list->choices[k].name);
	val_report_init(&rep);
	if (app_save(u->app, m, &rep, &err) != 0)
		ui_status(u, 1, "%s %s", _("not saved:"), err.msg);
	else
		ui_status(u, 0, _("%s marked as left"), record_val(m, F_M_NAME));
	val_report_free(&rep);
	record_free(m);
	card_load(u, st);
}

static void open_form(ui *u, card_state *st, const char *kind, const char *id)
{
	ui_form_arg a = { 0 };

	a.kind = kind;
	a.id = id;
	a.parent = strcmp(kind, K_HOUSEHOLD) ? st->id : NULL;
	ui_push(u, &ui_form_ops, &a);
}

static int card_action(ui *u, void *vst, ui_action act, wint_t ch)
{
	card_state *st = vst;
	const form *f = app_form(u->app, K_HOUSEHOLD);
	int n = tab_len(st, f), *cur = &st->cur[st->tab], *top = &st->top[st->tab];
	int scroll_only = st->tab == TAB_CARD;

	(void)ch;
	if (!st->loaded)
		return 0;
	switch (act) {
	case ACT_NEXT: case ACT_RIGHT:
		st->tab = (st->tab + 1) % NTABS;
		return 1;
	case ACT_PREV: case ACT_LEFT:
		st->tab = (st->tab + NTABS - 1) % NTABS;
		return 1;
	case ACT_UP:
		if (scroll_only) { if (*top > 0) (*top)--; } else if (*cur > 0) (*cur)--;
		break;
	case ACT_DOWN:
		if (scroll_only) { if (*top < n - 1) (*top)++; } else if (*cur < n - 1) (*cur)++;
		break;
	case ACT_PGUP:
		if (scroll_only) *top -= st->page; else *cur -= st->page;
		break;
	case ACT_PGDN:
		if (scroll_only) *top += st->page; else *cur += st->page;
		break;
	case ACT_FIRST: *cur = *top = 0; break;
	case ACT_LAST:
		*cur = n - 1;
		if (scroll_only)
			*top = n - st->page;
		break;
	case ACT_EDIT: case ACT_ENTER:
		if (st->tab == TAB_MEMBERS && *cur < st->nmembers)
			open_form(u, st, K_MEMBER, st->members[*cur]->id);
		else if (st->tab == TAB_VISITS && *cur < st->nvisits)
			open_form(u, st, K_VISIT, st->visits[*cur]->id);
		else if (st->tab == TAB_CARD || act == ACT_EDIT)
			open_form(u, st, K_HOUSEHOLD, st->id);
		return 1;
	case ACT_NEW:
		open_form(u, st, st->tab == TAB_VISITS ? K_VISIT : K_MEMBER, NULL);
		return 1;
	case ACT_VISIT:
		open_form(u, st, K_VISIT, NULL);
		return 1;
	case ACT_LEAVE:
		if (st->tab != TAB_MEMBERS) {
			ui_status(u, 1, "%s", _("go to the Members section (Tab) to mark a member as left"));
			return 1;
		}
		mark_left(u, st);
		return 1;
	case ACT_SUBMIT: {
		fc_err err = { 0 };
		if (!ui_confirm(u, _("Submit this card to the first secretary for review?")))
			return 1;
		if (app_review(u->app, st->id, "submitted", NULL, &err) != 0)
			ui_status(u, 1, "%s", err.msg);
		else
			ui_status(u, 0, "%s", _("submitted for review"));
		card_load(u, st);
		return 1;
	}
	case ACT_IDLE:
		return 1;
	default:
		return 0;
	}
	if (*cur >= n)
		*cur = n - 1;
	if (*cur < 0)
		*cur = 0;
	if (*top > n - 1)
		*top = n > 0 ? n - 1 : 0;
	if (*top < 0)
		*top = 0;
	if (!scroll_only) {
		if (*cur < *top)
			*top = *cur;
		if (*cur >= *top + st->page)
			*top = *cur - st->page + 1;
	}
	return 1;
}

const ui_screen_ops ui_card_ops = {
	N_("household card"), S_CARD, sizeof(card_state),
	card_open, card_draw, card_action, card_resume, card_close, NULL
};
