/* scr_desk.c — the county desk screens: the incoming batches (merge one
 * after a confirm, see the report or why it was refused), the open
 * conflicts, and one conflict side by side (keep ours, take theirs or type
 * a value; a signed commit by the county principal). On a device the
 * conflicts are shown read-only: they are settled at the county and reach
 * the device with the next sync. Everything goes through desk.h. */
#include "ui_int.h"

#include <stdlib.h>
#include <string.h>

#include "fieldcard/desk.h"
#include "fieldcard/fields.h"
#include "fieldcard/util.h"

static int is_county(const ui *u)
{
	return u->app->role && strcmp(u->app->role, "county") == 0;
}

/* Lines of a text (the merge report) for drawing, at most max. */
static int split_lines(char *text, char **out, int max)
{
	int n = 0;

	for (char *p = text; p && *p && n < max;) {
		char *nl = strchr(p, '\n');

		out[n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return n;
}

/* ---- batches ---- */

#define BATCH_MAX 200
#define BATCH_LINES 8
#define REPORT_LINES 12

typedef struct batch_row {
	char *principal, *role, *villages, *status, *reason;
	int ahead, records, good;
} batch_row;

typedef struct batches_state {
	batch_row b[BATCH_MAX];
	int n, cur, top;
	char *report;         /* the last merge's report, or NULL */
} batches_state;

static void batches_free(batches_state *st)
{
	for (int i = 0; i < st->n; i++) {
		free(st->b[i].principal);
		free(st->b[i].role);
		free(st->b[i].villages);
		free(st->b[i].status);
		free(st->b[i].reason);
	}
	st->n = 0;
}

static int batch_cb(const desk_batch *b, void *ud)
{
	batches_state *st = ud;
	batch_row *r;

	if (st->n >= BATCH_MAX)
		return 1;
	r = &st->b[st->n++];
	r->principal = util_strdup(b->principal);
	r->role = util_strdup(b->role);
	r->villages = util_strdup(b->villages);
	r->status = util_strdup(b->status);
	r->reason = util_strdup(b->reason);
	r->ahead = b->ahead;
	r->records = b->records;
	r->good = b->good;
	return 0;
}

static void batches_load(ui *u, batches_state *st)
{
	fc_err err = { 0 };

	batches_free(st);
	ui_status(u, 0, "%s", _("fetching the batches from the county repository..."));
	ui_redraw(u);
	if (desk_batches(u->app, batch_cb, st, &err) != 0)
		ui_status(u, 1, "%s", err.msg);
	else
		ui_status(u, 0, _("%d batch(es) waiting"), st->n);
	if (st->cur >= st->n)
		st->cur = st->n > 0 ? st->n - 1 : 0;
}

static int batches_open(ui *u, void *vst, const void *arg)
{
	(void)arg;
	if (!is_county(u)) {
		ui_status(u, 1, "%s", _("batches are merged at the county (role county)"));
		return 1;
	}
	batches_load(u, vst);
	return 0;
}

static void batches_close(ui *u, void *vst)
{
	batches_state *st = vst;

	(void)u;
	batches_free(st);
	free(st->report);
}

static void batches_draw(ui *u, void *vst, int top, int h)
{
	batches_state *st = vst;
	int y = top, W = u->cols;
	char *lines[REPORT_LINES];
	char *copy;
	int nl;

	attron(A_BOLD);
	ui_text(y, 2, 16, _("Principal"), 0);
	ui_text(y, 19, 9, _("Role"), 0);
	ui_text(y, 29, 16, _("Villages"), 0);
	ui_text(y, 46, 6, _("Ahead"), 0);
	ui_text(y, 53, 8, _("Records"), 0);
	ui_text(y, 62, W - 63, _("Status"), 0);
	attroff(A_BOLD);
	y++;
	if (st->n == 0)
		ui_text(y + 1, 3, W - 4, _("No batches waiting: every device's work is on main."), 0);
	if (st->cur < st->top)
		st->top = st->cur;
	if (st->cur >= st->top + BATCH_LINES)
		st->top = st->cur - BATCH_LINES + 1;
	for (int i = st->top; i < st->n && i < st->top + BATCH_LINES; i++, y++) {
		const batch_row *r = &st->b[i];

		if (i == st->cur)
			attron(A_REVERSE);
		ui_blank(y, 0, W);
		ui_text(y, 0, 2, i == st->cur ? ">" : " ", 0);
		ui_text(y, 2, 16, r->principal, 0);
		ui_text(y, 19, 9, r->role, 0);
		ui_text(y, 29, 16, r->villages, 0);
		ui_textf(y, 46, 6, "%5d", r->ahead);
		ui_textf(y, 53, 8, "%7d", r->records);
		ui_text(y, 62, W - 63, r->good ? _("good") : r->status, 0);
		if (i == st->cur)
			attroff(A_REVERSE);
	}
	y = top + 2 + BATCH_LINES;
	if (st->cur < st->n && !st->b[st->cur].good) {
		attron(A_BOLD);
		ui_textf(y++, 1, W - 2, _("Refused: %s"), st->b[st->cur].status);
		attroff(A_BOLD);
		ui_text(y++, 3, W - 4, st->b[st->cur].reason, 0);
	}
	if (!st->report || y >= top + h)
		return;
	y++;
	attron(A_BOLD);
	ui_text(y++, 1, W - 2, _("Last merge:"), 0);
	attroff(A_BOLD);
	copy = util_strdup(st->report);
	nl = split_lines(copy, lines, REPORT_LINES);
	for (int i = 0; i < nl && y < top + h; i++, y++)
		ui_text(y, 3, W - 4, lines[i], 0);
	free(copy);
}

static void batches_merge(ui *u, batches_state *st)
{
	fc_buf report = FC_BUF_INIT;
	fc_err err = { 0 };
	size_t nc = 0;
	char q[512];
	const batch_row *r;

	if (st->cur >= st->n)
		return;
	r = &st->b[st->cur];
	if (!r->good) {
		ui_status(u, 1, _("batches/%s is refused: %s"), r->principal, r->reason);
		return;
	}
	snprintf(q, sizeof(q), _("Merge batches/%s into main?"), r->principal);
	if (!ui_confirm(u, q)) {
		ui_status(u, 0, "%s", _("not merged"));
		return;
	}
	ui_status(u, 0, _("merging batches/%s..."), r->principal);
	ui_redraw(u);
	free(st->report);
	st->report = NULL;
	if (desk_merge(u->app, r->principal, &report, &nc, &err) != 0) {
		st->report = util_asprintf(_("batches/%s refused: %s"), r->principal, err.msg);
		ui_status(u, 1, "%s", err.msg);
		buf_free(&report);
		return;
	}
	st->report = buf_detach(&report);
	batches_load(u, st);
	if (nc)
		ui_status(u, 0, _("merged with %zu conflict(s): c on home lists them"), nc);
	else
		ui_status(u, 0, "%s", _("merged and pushed"));
}

/* Up, down, first, last in a list of n rows; 1 if act was one of them. */
static int list_move(int *cur, int n, ui_action act)
{
	switch (act) {
	case ACT_UP: if (*cur > 0) (*cur)--; return 1;
	case ACT_DOWN: if (*cur < n - 1) (*cur)++; return 1;
	case ACT_FIRST: *cur = 0; return 1;
	case ACT_LAST: *cur = n > 0 ? n - 1 : 0; return 1;
	default: return 0;
	}
}

static int batches_action(ui *u, void *vst, ui_action act, wint_t ch)
{
	batches_state *st = vst;

	(void)ch;
	if (list_move(&st->cur, st->n, act))
		return 1;
	switch (act) {
	case ACT_ENTER:
	case ACT_MERGE:
		batches_merge(u, st);
		return 1;
	case ACT_IDLE:
		return 1;
	default:
		return 0;
	}
}

const ui_screen_ops ui_batches_ops = {
	N_("batches"), S_BATCHES, sizeof(batches_state),
	batches_open, batches_draw, batches_action, NULL, batches_close, NULL
};

/* ---- conflicts ---- */

#define CONFLICT_MAX 500

typedef struct conflict_row {
	char *id, *field, *base, *ours, *theirs, *ours_who, *theirs_who;
	char *what;           /* household code and name, or the record id */
	char *label;          /* field label in the UI language */
	char *lbase, *lours, *ltheirs;   /* values as labels */
} conflict_row;

typedef struct conflicts_state {
	conflict_row c[CONFLICT_MAX];
	int n, cur, top;
} conflicts_state;

static void conflict_row_free(conflict_row *r)
{
	free(r->id);
	free(r->field);
	free(r->base);
	free(r->ours);
	free(r->theirs);
	free(r->ours_who);
	free(r->theirs_who);
	free(r->what);
	free(r->label);
	free(r->lbase);
	free(r->lours);
	free(r->ltheirs);
	memset(r, 0, sizeof(*r));
}

static void conflicts_free(conflicts_state *st)
{
	for (int i = 0; i < st->n; i++)
		conflict_row_free(&st->c[i]);
	st->n = 0;
}

/* "CODE name" of the household a record belongs to (and the member's
 * name), the labels of the field and its values. */
static void describe(ui *u, conflict_row *r, const char *kind)
{
	record *rec = NULL, *hh = NULL;
	const form *f;
	const form_field *fld = NULL;

	if (store_get(u->app->st, r->id, &rec, NULL) == 0) {
		kind = rec->kind;
		if (rec->parent && store_get(u->app->st, rec->parent, &hh, NULL) == 0)
			r->what = util_asprintf("%s %s / %s", record_val(hh, F_HOUSEHOLD_CODE),
						ui_record_name(hh), ui_record_name(rec));
		else if (!rec->parent)
			r->what = util_asprintf("%s %s", record_val(rec, F_HOUSEHOLD_CODE),
						ui_record_name(rec));
	}
	if (!r->what)
		r->what = util_strdup(r->id);
	f = kind && *kind ? app_form(u->app, kind) : NULL;
	if (f)
		fld = form_field_find(f, r->field);
	r->label = util_strdup(fld ? form_label(fld, u->lang) : r->field);
	r->lbase = fld ? ui_value_label(u, fld, r->base) : util_strdup(r->base);
	r->lours = fld ? ui_value_label(u, fld, r->ours) : util_strdup(r->ours);
	r->ltheirs = fld ? ui_value_label(u, fld, r->theirs) : util_strdup(r->theirs);
	record_free(rec);
	record_free(hh);
}

typedef struct conflict_walk {
	ui *u;
	conflicts_state *st;
} conflict_walk;

static int conflict_cb(const desk_conflict *c, void *ud)
{
	conflict_walk *w = ud;
	conflict_row *r;

	if (w->st->n >= CONFLICT_MAX)
		return 1;
	r = &w->st->c[w->st->n++];
	r->id = util_strdup(c->record_id);
	r->field = util_strdup(c->field);
	r->base = util_strdup(c->base);
	r->ours = util_strdup(c->ours);
	r->theirs = util_strdup(c->theirs);
	r->ours_who = util_strdup(c->ours_who);
	r->theirs_who = util_strdup(c->theirs_who);
	describe(w->u, r, c->kind);
	return 0;
}

static void conflicts_load(ui *u, conflicts_state *st)
{
	conflict_walk w = { u, st };
	fc_err err = { 0 };

	conflicts_free(st);
	if (desk_conflicts(u->app, conflict_cb, &w, &err) != 0)
		ui_status(u, 1, "%s", err.msg);
	if (st->cur >= st->n)
		st->cur = st->n > 0 ? st->n - 1 : 0;
}

static int conflicts_open(ui *u, void *vst, const void *arg)
{
	(void)arg;
	conflicts_load(u, vst);
	return 0;
}

static void conflicts_resume(ui *u, void *vst)
{
	conflicts_load(u, vst);
}

static void conflicts_close(ui *u, void *vst)
{
	(void)u;
	conflicts_free(vst);
}

static void conflicts_draw(ui *u, void *vst, int top, int h)
{
	conflicts_state *st = vst;
	int y = top, W = u->cols, lines;

	ui_textf(y++, 1, W - 2, _("Open conflicts: %d"), st->n);
	if (!is_county(u))
		ui_text(y++, 1, W - 2,
			_("Settled at the county: they reach this device with the next sync."), 0);
	attron(A_BOLD);
	ui_text(y, 2, 22, _("Record"), 0);
	ui_text(y, 25, 14, _("Field"), 0);
	ui_text(y, 40, 12, _("Base"), 0);
	ui_text(y, 53, 13, _("Ours"), 0);
	ui_text(y, 67, W - 67, _("Theirs"), 0);
	attroff(A_BOLD);
	y++;
	if (st->n == 0) {
		ui_text(y + 1, 3, W - 4, _("No open conflicts."), 0);
		return;
	}
	lines = top + h - y;
	if (st->cur < st->top)
		st->top = st->cur;
	if (st->cur >= st->top + lines)
		st->top = st->cur - lines + 1;
	for (int i = st->top; i < st->n && y < top + h; i++, y++) {
		const conflict_row *r = &st->c[i];

		if (i == st->cur)
			attron(A_REVERSE);
		ui_blank(y, 0, W);
		ui_text(y, 0, 2, i == st->cur ? ">" : " ", 0);
		ui_text(y, 2, 22, r->what, 0);
		ui_text(y, 25, 14, r->label, 0);
		ui_text(y, 40, 12, r->lbase, 0);
		ui_text(y, 53, 13, r->lours, 0);
		ui_text(y, 67, W - 67, r->ltheirs, 0);
		if (i == st->cur)
			attroff(A_REVERSE);
	}
}

static int conflicts_action(ui *u, void *vst, ui_action act, wint_t ch)
{
	conflicts_state *st = vst;

	(void)ch;
	if (list_move(&st->cur, st->n, act))
		return 1;
	switch (act) {
	case ACT_ENTER:
		if (st->cur < st->n)
			ui_push(u, &ui_resolve_ops, &st->c[st->cur]);
		return 1;
	case ACT_IDLE:
		return 1;
	default:
		return 0;
	}
}

const ui_screen_ops ui_conflicts_ops = {
	N_("conflicts"), S_CONFLICTS, sizeof(conflicts_state),
	conflicts_open, conflicts_draw, conflicts_action, conflicts_resume, conflicts_close, NULL
};

/* ---- one conflict, side by side ---- */

typedef struct resolve_state {
	conflict_row r;       /* a copy: the list reloads under it */
} resolve_state;

static int resolve_open(ui *u, void *vst, const void *arg)
{
	resolve_state *st = vst;
	const conflict_row *c = arg;

	(void)u;
	st->r.id = util_strdup(c->id);
	st->r.field = util_strdup(c->field);
	st->r.base = util_strdup(c->base);
	st->r.ours = util_strdup(c->ours);
	st->r.theirs = util_strdup(c->theirs);
	st->r.ours_who = util_strdup(c->ours_who);
	st->r.theirs_who = util_strdup(c->theirs_who);
	st->r.what = util_strdup(c->what);
	st->r.label = util_strdup(c->label);
	st->r.lbase = util_strdup(c->lbase);
	st->r.lours = util_strdup(c->lours);
	st->r.ltheirs = util_strdup(c->ltheirs);
	return 0;
}

static void resolve_close(ui *u, void *vst)
{
	resolve_state *st = vst;

	(void)u;
	conflict_row_free(&st->r);
}

static void resolve_draw(ui *u, void *vst, int top, int h)
{
	resolve_state *st = vst;
	const conflict_row *r = &st->r;
	int y = top, W = u->cols, cw = (W - 4) / 3, side = 1;
	const char *head[3] = { _("Base"), _("Ours"), _("Theirs") };
	const char *val[3] = { r->lbase, r->lours, r->ltheirs };
	char *who[3];

	who[0] = util_strdup("");
	who[1] = util_asprintf("(%s)", *r->ours_who ? r->ours_who : "?");
	who[2] = util_asprintf("(%s)", *r->theirs_who ? r->theirs_who : "?");
	ui_textf(y++, 1, W - 2, "%s  %s", _("Record:"), r->what);
	ui_textf(y++, 1, W - 2, "%s  %s (%s)", _("Field:"), r->label, r->field);
	y++;
	for (int i = 0; i < 3; i++)
		if (ui_width(val[i]) > cw || ui_width(head[i]) + 1 + ui_width(who[i]) > cw)
			side = 0;
	if (side) {
		attron(A_BOLD);
		for (int i = 0; i < 3; i++)
			ui_textf(y, 1 + i * (cw + 1), cw, "%s %s", head[i], who[i]);
		attroff(A_BOLD);
		y++;
		for (int i = 0; i < 3; i++)
			ui_text(y, 1 + i * (cw + 1), cw, *val[i] ? val[i] : "''", 0);
		y += 2;
	} else {
		/* Too wide for three columns: one above the other. */
		for (int i = 0; i < 3 && y < top + h - 4; i++) {
			attron(A_BOLD);
			ui_textf(y++, 1, W - 2, "%s %s", head[i], who[i]);
			attroff(A_BOLD);
			ui_text(y++, 3, W - 4, *val[i] ? val[i] : "''", 0);
		}
		y++;
	}
	if (is_county(u))
		ui_text(y, 1, W - 2, _("o keep ours, t take theirs, e type a value: a signed commit on main."), 0);
	else
		ui_text(y, 1, W - 2, _("Settled at the county: this device shows it only."), 0);
	for (int i = 0; i < 3; i++)
		free(who[i]);
}

static void resolve_do(ui *u, resolve_state *st, const char *how, const char *value)
{
	fc_err err = { 0 };

	if (!is_county(u)) {
		ui_status(u, 1, "%s", _("conflicts are settled at the county; this device shows them only"));
		return;
	}
	ui_status(u, 0, "%s", _("resolving..."));
	ui_redraw(u);
	if (desk_resolve(u->app, st->r.id, st->r.field, how, value, &err) != 0) {
		ui_status(u, 1, "%s", err.msg);
		return;
	}
	ui_status(u, 0, _("resolved %s %s"), st->r.what, st->r.label);
	ui_pop(u);
}

static int resolve_action(ui *u, void *vst, ui_action act, wint_t ch)
{
	resolve_state *st = vst;

	(void)ch;
	switch (act) {
	case ACT_OURS:
		resolve_do(u, st, "ours", NULL);
		return 1;
	case ACT_THEIRS:
		resolve_do(u, st, "theirs", NULL);
		return 1;
	case ACT_VALUE: {
		char *v = NULL;

		if (!is_county(u)) {
			resolve_do(u, st, "value", "");
			return 1;
		}
		/* Empty, so what is typed replaces the value (it was once appended
		 * to ours); the three values stay on the screen above. */
		if (ui_prompt(u, _("New value:"), "", &v) != 0) {
			ui_status(u, 0, "%s", _("not resolved"));
			return 1;
		}
		resolve_do(u, st, "value", v);
		free(v);
		return 1;
	}
	case ACT_IDLE:
		return 1;
	default:
		return 0;
	}
}

const ui_screen_ops ui_resolve_ops = {
	N_("conflict"), S_RESOLVE, sizeof(resolve_state),
	resolve_open, resolve_draw, resolve_action, NULL, resolve_close, NULL
};
