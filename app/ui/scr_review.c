/* scr_review.c — the first secretary's review queue: the submitted cards
 * of the village, each shown as a field diff against its last approved
 * version; approve, or return with a comment (the cadre then sees the
 * comment on home and in the list until the card is resubmitted). */
#include "ui_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/fields.h"
#include "fieldcard/util.h"

#define QUEUE_MAX 500
#define QUEUE_LINES 6

typedef struct queue_row {
	char *id, *code, *name;
} queue_row;

typedef struct review_state {
	char *village;
	queue_row q[QUEUE_MAX];
	int n, total, cur, top;
	char **diff;          /* lines of the selected card's diff */
	int ndiff, dtop;
	int never_approved;
} review_state;

static void diff_free(review_state *st)
{
	for (int i = 0; i < st->ndiff; i++)
		free(st->diff[i]);
	free(st->diff);
	st->diff = NULL;
	st->ndiff = st->dtop = 0;
}

static void queue_free(review_state *st)
{
	for (int i = 0; i < st->n; i++) {
		free(st->q[i].id);
		free(st->q[i].code);
		free(st->q[i].name);
	}
	st->n = 0;
}

static int queue_cb(const store_row *row, void *ud)
{
	review_state *st = ud;

	if (st->n >= QUEUE_MAX)
		return 1;
	st->q[st->n].id = util_strdup(row->id);
	st->q[st->n].code = util_strdup(row->code ? row->code : "");
	st->q[st->n].name = util_strdup(row->head_name ? row->head_name : "");
	st->n++;
	return 0;
}

static void add_line(review_state *st, char *line)
{
	st->diff = util_realloc(st->diff, (size_t)(st->ndiff + 1) * sizeof(char *));
	st->diff[st->ndiff++] = line;
}

/* Field-by-field differences between the last approved text and now. */
static void load_diff(ui *u, review_state *st)
{
	const form *f = app_form(u->app, K_HOUSEHOLD);
	record *now = NULL, *was = NULL;
	char *approved = NULL;
	fc_err err = { 0 };

	diff_free(st);
	st->never_approved = 0;
	if (st->cur >= st->n || !f)
		return;
	if (store_get(u->app->st, st->q[st->cur].id, &now, &err) != 0) {
		add_line(st, util_strdup(err.msg));
		return;
	}
	if (store_approved_get(u->app->st, now->id, &approved, &err) != 0) {
		add_line(st, util_strdup(err.msg));
		goto cleanup;
	}
	if (approved && record_parse(approved, strlen(approved), now->id, &was, &err) != 0) {
		add_line(st, util_strdup(err.msg));
		goto cleanup;
	}
	st->never_approved = was == NULL;
	for (size_t i = 0; i < f->nfields; i++) {
		const form_field *fld = &f->fields[i];
		const char *a, *b;
		char *la, *lb;
		if (!form_field_has_value(fld))
			continue;
		a = was ? record_val(was, fld->name) : "";
		b = record_val(now, fld->name);
		if (!strcmp(a, b))
			continue;
		la = ui_value_label(u, fld, a);
		lb = ui_value_label(u, fld, b);
		add_line(st, util_asprintf("%s: %s -> %s", form_label(fld, u->lang),
					   *la ? la : "''", *lb ? lb : "''"));
		free(la);
		free(lb);
	}
	if (st->ndiff == 0)
		add_line(st, util_strdup(_("No field differs from the approved version.")));
cleanup:
	free(approved);
	record_free(now);
	record_free(was);
}

static void review_load(ui *u, review_state *st)
{
	store_query q;
	fc_err err = { 0 };

	queue_free(st);
	memset(&q, 0, sizeof(q));
	q.village = st->village;
	q.review_state = "submitted";
	store_count(u->app->st, &q, &st->total, NULL);
	q.limit = QUEUE_MAX;
	if (store_list(u->app->st, &q, queue_cb, st, &err) < 0)
		ui_status(u, 1, "%s", err.msg);
	if (st->cur >= st->n)
		st->cur = st->n > 0 ? st->n - 1 : 0;
	load_diff(u, st);
}

static int review_open(ui *u, void *vst, const void *arg)
{
	review_state *st = vst;

	st->village = arg ? util_strdup(arg) : NULL;
	review_load(u, st);
	return 0;
}

static void review_resume(ui *u, void *vst)
{
	review_load(u, vst);
}

static void review_close(ui *u, void *vst)
{
	review_state *st = vst;

	(void)u;
	queue_free(st);
	diff_free(st);
	free(st->village);
}

static void review_draw(ui *u, void *vst, int top, int h)
{
	review_state *st = vst;
	int y = top;

	ui_textf(y++, 1, u->cols - 2, _("Cards waiting for review: %d   village %s"), st->total,
		 st->village ? st->village : _("all"));
	if (st->n == 0) {
		ui_text(y + 1, 3, u->cols - 4, _("Nothing to review."), 0);
		return;
	}
	if (st->cur < st->top)
		st->top = st->cur;
	if (st->cur >= st->top + QUEUE_LINES)
		st->top = st->cur - QUEUE_LINES + 1;
	for (int i = st->top; i < st->n && i < st->top + QUEUE_LINES; i++, y++) {
		if (i == st->cur)
			attron(A_REVERSE);
		ui_blank(y, 0, u->cols);
		ui_textf(y, 0, u->cols, "%s %-14s %s", i == st->cur ? ">" : " ",
			 st->q[i].code, st->q[i].name);
		if (i == st->cur)
			attroff(A_REVERSE);
	}
	y = top + 1 + QUEUE_LINES;
	attron(A_BOLD);
	ui_text(y++, 1, u->cols - 2, st->never_approved ?
		_("Changes (never approved before: every field is new):") :
		_("Changes since the last approved version:"), 0);
	attroff(A_BOLD);
	for (int i = st->dtop; i < st->ndiff && y < top + h; i++, y++)
		ui_text(y, 3, u->cols - 4, st->diff[i], 0);
}

static int review_action(ui *u, void *vst, ui_action act, wint_t ch)
{
	review_state *st = vst;
	fc_err err = { 0 };

	(void)ch;
	switch (act) {
	case ACT_UP:
		if (st->cur > 0) { st->cur--; load_diff(u, st); }
		return 1;
	case ACT_DOWN:
		if (st->cur < st->n - 1) { st->cur++; load_diff(u, st); }
		return 1;
	case ACT_PGDN:
		if (st->dtop < st->ndiff - 1) st->dtop += 5;
		if (st->dtop >= st->ndiff) st->dtop = st->ndiff > 0 ? st->ndiff - 1 : 0;
		return 1;
	case ACT_PGUP:
		st->dtop = st->dtop > 5 ? st->dtop - 5 : 0;
		return 1;
	case ACT_ENTER:
		if (st->cur < st->n)
			ui_push(u, &ui_card_ops, st->q[st->cur].id);
		return 1;
	case ACT_APPROVE:
		if (st->cur >= st->n)
			return 1;
		if (app_review(u->app, st->q[st->cur].id, "approved", NULL, &err) != 0)
			ui_status(u, 1, "%s", err.msg);
		else
			ui_status(u, 0, _("approved %s"), st->q[st->cur].name);
		review_load(u, st);
		return 1;
	case ACT_RETURN: {
		char *comment = NULL;
		if (st->cur >= st->n)
			return 1;
		if (ui_prompt(u, _("Comment for the cadre:"), "", &comment) != 0) {
			ui_status(u, 0, "%s", _("not returned"));
			return 1;
		}
		if (!*comment) {
			ui_status(u, 1, "%s", _("a returned card needs a comment saying what to fix"));
		} else if (app_review(u->app, st->q[st->cur].id, "returned", comment, &err) != 0) {
			ui_status(u, 1, "%s", err.msg);
		} else {
			ui_status(u, 0, _("returned %s to the cadre"), st->q[st->cur].name);
		}
		free(comment);
		review_load(u, st);
		return 1;
	}
	case ACT_IDLE:
		return 1;
	default:
		return 0;
	}
}

const ui_screen_ops ui_review_ops = {
	N_("review"), S_REVIEW, sizeof(review_state),
	review_open, review_draw, review_action, review_resume, review_close, NULL
};
