/* scr_form.c — form entry for a household card, a member or a visit: the
 * form's fields in order, skip logic re-applied as values change
 * (val_relevant), calculated fields shown read-only and kept current
 * (val_calculate), errors beside their field (they block F2), warnings
 * shown but not blocking, choices by number or arrows, dates, ID numbers
 * with check-digit feedback and the birth date filled from them, and the
 * draft saved on every field change so a crash or power cut loses nothing. */
#include "ui_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/fields.h"
#include "fieldcard/util.h"

typedef enum { ROW_GROUP, ROW_NOTE, ROW_FIELD, ROW_CALC } row_kind;

typedef struct form_row {
	row_kind kind;
	const form_field *fld;
} form_row;

typedef struct form_state {
	const form *f;
	record *rec;
	record *orig;            /* as opened, to tell whether anything changed */
	int is_new;
	app_household hh;        /* the household around a member or visit, or
	                            the card's own children */
	int have_hh;
	const record **kids;     /* children for expressions (not rec itself) */
	size_t nkids;
	const record *parent;
	form_row *rows;
	int nrows;
	int focus;               /* index into rows, a ROW_FIELD */
	int top;
	ui_edit edit;            /* the focused field, when it is typed */
	const form_field *edit_fld;
	val_report rep;
	int show_all;            /* after a save attempt: show "required" too */
	char **touched;          /* names of fields visited (show their issues) */
	size_t ntouched;
	int dirty;               /* changed since the last draft save */
	int typed;               /* digits typed towards a choice number */
	int mcur;                /* cursor among select_multiple choices */
} form_state;

static int is_typed(const form_field *fld)
{
	switch (fld->type) {
	case FT_TEXT: case FT_INTEGER: case FT_DECIMAL: case FT_DATE:
	case FT_ID_NUMBER: case FT_PHONE:
		return 1;
	default:
		return 0;
	}
}

static int has_label(const form_field *fld)
{
	return (fld->label[0] && *fld->label[0]) || (fld->label[1] && *fld->label[1]);
}

static void touch(form_state *st, const char *name)
{
	for (size_t i = 0; i < st->ntouched; i++)
		if (!strcmp(st->touched[i], name))
			return;
	st->touched = util_realloc(st->touched, (st->ntouched + 1) * sizeof(char *));
	st->touched[st->ntouched++] = util_strdup(name);
}

static int was_touched(form_state *st, const char *name)
{
	for (size_t i = 0; i < st->ntouched; i++)
		if (!strcmp(st->touched[i], name))
			return 1;
	return 0;
}

/* Children for expressions: the household's members and visits, without
 * the record being edited (its fresh values are rec itself). */
static void set_kids(form_state *st)
{
	free(st->kids);
	st->kids = NULL;
	st->nkids = 0;
	if (!st->have_hh)
		return;
	st->kids = util_calloc(st->hh.nchildren + 1, sizeof(*st->kids));
	for (size_t i = 0; i < st->hh.nchildren; i++)
		if (strcmp(st->hh.children[i]->id, st->rec->id))
			st->kids[st->nkids++] = st->hh.children[i];
}

static int relevant(form_state *st, const form_field *fld)
{
	if (!fld->relevant)
		return 1;
	return val_relevant(st->f, fld, st->rec, st->parent, st->kids, st->nkids,
			    app_today());
}

/* Lay out the rows that show now: skip logic decides. */
static void build_rows(form_state *st)
{
	const form_field *keep = st->focus >= 0 && st->focus < st->nrows ?
		st->rows[st->focus].fld : NULL;
	int n = 0;

	free(st->rows);
	st->rows = util_calloc(st->f->nfields + 1, sizeof(*st->rows));
	for (size_t i = 0; i < st->f->nfields; i++) {
		const form_field *fld = &st->f->fields[i];
		switch (fld->type) {
		case FT_BEGIN_GROUP:
			if (!relevant(st, fld)) {
				/* Skip the whole group, nested groups included. */
				int depth = 1;
				while (depth > 0 && ++i < st->f->nfields) {
					if (st->f->fields[i].type == FT_BEGIN_GROUP)
						depth++;
					else if (st->f->fields[i].type == FT_END_GROUP)
						depth--;
				}
				continue;
			}
			if (has_label(fld))
				st->rows[n++] = (form_row){ ROW_GROUP, fld };
			break;
		case FT_END_GROUP: case FT_BEGIN_REPEAT: case FT_END_REPEAT:
			break;
		case FT_NOTE:
			if (relevant(st, fld))
				st->rows[n++] = (form_row){ ROW_NOTE, fld };
			break;
		case FT_CALCULATE:
			if (has_label(fld) && relevant(st, fld))
				st->rows[n++] = (form_row){ ROW_CALC, fld };
			break;
		default:
			if (relevant(st, fld))
				st->rows[n++] = (form_row){ fld->read_only ? ROW_CALC : ROW_FIELD, fld };
			break;
		}
	}
	st->nrows = n;
	st->focus = -1;
	for (int i = 0; i < n; i++) {
		if (st->rows[i].kind != ROW_FIELD)
			continue;
		if (st->focus < 0)
			st->focus = i;
		if (keep && st->rows[i].fld == keep) {
			st->focus = i;
			break;
		}
	}
}

static void validate(form_state *st, int lang)
{
	fc_err err = { 0 };

	val_report_free(&st->rep);
	val_report_init(&st->rep);
	val_record(st->f, st->rec, st->parent, st->kids, st->nkids, NULL, app_today(),
		   lang, &st->rep, &err);
}

static void recompute(ui *u, form_state *st)
{
	fc_err err = { 0 };

	if (val_calculate(st->f, st->rec, st->parent, st->kids, st->nkids,
			  app_today(), &err) != 0)
		ui_status(u, 1, "%s", err.msg);
	build_rows(st);
	validate(st, u->lang);
}

static const form_field *focused(form_state *st)
{
	if (st->focus < 0 || st->focus >= st->nrows)
		return NULL;
	return st->rows[st->focus].fld;
}

static void load_edit(form_state *st)
{
	const form_field *fld = focused(st);

	st->edit_fld = fld && is_typed(fld) ? fld : NULL;
	if (st->edit_fld)
		ui_edit_set(&st->edit, record_val(st->rec, fld->name));
	st->typed = 0;
	st->mcur = 0;
}

static void save_draft(ui *u, form_state *st)
{
	fc_err err = { 0 };

	if (!st->dirty)
		return;
	if (store_draft_save(u->app->st, st->rec, &err) != 0) {
		ui_status(u, 1, "%s %s", _("draft not saved:"), err.msg);
		return;
	}
	st->dirty = 0;
}

/* A date typed as 8 digits becomes YYYY-MM-DD when the field is left. */
static void normalise(form_state *st)
{
	const form_field *fld = st->edit_fld;
	const char *v;

	if (!fld || fld->type != FT_DATE)
		return;
	v = record_val(st->rec, fld->name);
	if (strlen(v) == 8 && strspn(v, "0123456789") == 8) {
		char d[11];
		snprintf(d, sizeof(d), "%.4s-%.2s-%.2s", v, v + 4, v + 6);
		record_set(st->rec, fld->name, d);
		ui_edit_set(&st->edit, d);
		st->dirty = 1;
	}
}

static void set_value(ui *u, form_state *st, const form_field *fld, const char *v)
{
	record_set(st->rec, fld->name, v);
	touch(st, fld->name);
	st->dirty = 1;
	/* A good ID number fills birth date and sex where they are empty (the
	 * model's rule, as import applies it). */
	if (fld->type == FT_ID_NUMBER)
		app_autofill_id(u->app, st->rec, fld->name);
	recompute(u, st);
}

static void leave_field(ui *u, form_state *st)
{
	const form_field *fld = focused(st);

	if (fld)
		touch(st, fld->name);
	normalise(st);
	save_draft(u, st);
}

static void move_focus(ui *u, form_state *st, int dir)
{
	int i = st->focus;

	leave_field(u, st);
	recompute(u, st);
	i = st->focus;
	for (int k = i + dir; k >= 0 && k < st->nrows; k += dir) {
		if (st->rows[k].kind == ROW_FIELD) {
			st->focus = k;
			break;
		}
	}
	load_edit(st);
}

static int form_open(ui *u, void *vst, const void *arg)
{
	form_state *st = vst;
	const ui_form_arg *a = arg;
	const char *hh_id;
	fc_err err = { 0 };

	val_report_init(&st->rep);
	st->f = app_form(u->app, a->kind);
	if (!st->f) {
		ui_status(u, 1, _("no form for records of kind %s in %s"), a->kind,
			  u->app->forms_dir ? u->app->forms_dir : "");
		record_free(a->draft);
		return -1;
	}
	if (a->draft) {
		st->rec = a->draft;
		st->is_new = store_get(u->app->st, st->rec->id, &st->orig, NULL) != 0;
		st->dirty = 0;
		ui_status(u, 0, "%s", _("draft resumed"));
	} else if (a->id) {
		if (store_draft_get(u->app->st, a->id, &st->rec, NULL) == 0) {
			ui_status(u, 0, "%s", _("an unsaved draft of this record was resumed"));
		} else if (store_get(u->app->st, a->id, &st->rec, &err) != 0) {
			ui_status(u, 1, "%s", err.msg);
			return -1;
		}
		store_get(u->app->st, a->id, &st->orig, NULL);
	} else {
		st->is_new = 1;
		st->rec = app_record_new(u->app, a->kind, NULL, a->parent, a->village);
	}
	if (st->f->version && !st->rec->form_version)
		record_set_version(st->rec, st->f->version);
	hh_id = strcmp(st->rec->kind, K_HOUSEHOLD) ? st->rec->parent : st->rec->id;
	if (hh_id && app_household_load(u->app, hh_id, &st->hh, NULL) == 0)
		st->have_hh = 1;
	if (strcmp(st->rec->kind, K_HOUSEHOLD) != 0) {
		if (!st->have_hh) {
			ui_status(u, 1, _("household %s not found"), hh_id ? hh_id : "?");
			record_free(st->rec);
			record_free(st->orig);
			return -1;
		}
		st->parent = st->hh.hh;
	}
	set_kids(st);
	st->focus = -1;
	recompute(u, st);
	load_edit(st);
	return 0;
}

static void form_close(ui *u, void *vst)
{
	form_state *st = vst;

	(void)u;
	record_free(st->rec);
	record_free(st->orig);
	if (st->have_hh)
		app_household_free(&st->hh);
	free(st->kids);
	free(st->rows);
	ui_edit_free(&st->edit);
	val_report_free(&st->rep);
	for (size_t i = 0; i < st->ntouched; i++)
		free(st->touched[i]);
	free(st->touched);
}

/* The first issue for a field to show now (errors before warnings). */
static const val_issue *issue_of(form_state *st, const char *name)
{
	const val_issue *warn = NULL;

	for (size_t i = 0; i < st->rep.n; i++) {
		const val_issue *is = &st->rep.items[i];
		if (!is->field || strcmp(is->field, name))
			continue;
		if (is->code && !strcmp(is->code, "required") && !st->show_all &&
		    !was_touched(st, name))
			continue;
		if (is->severity == VAL_ERROR)
			return is;
		if (!warn)
			warn = is;
	}
	return warn;
}

/* Messages from validation may start with the field's label; beside the
 * field that is said already. */
static const char *bare_message(ui *u, const form_field *fld, const char *msg)
{
	const char *label = form_label(fld, u->lang);
	size_t n = strlen(label);

	if (!strncmp(msg, label, n) && (!strncmp(msg + n, ": ", 2)))
		return msg + n + 2;
	if (!strncmp(msg, label, n) && !strncmp(msg + n, "：", strlen("：")))
		return msg + n + strlen("：");
	return msg;
}

static int count_shown_errors(form_state *st)
{
	int n = 0;

	for (size_t i = 0; i < st->rep.n; i++)
		if (st->rep.items[i].severity == VAL_ERROR)
			n++;
	return n;
}

static const char *form_kind_title(const char *kind)
{
	if (!strcmp(kind, K_HOUSEHOLD))
		return _("Household card");
	if (!strcmp(kind, K_MEMBER))
		return _("Member");
	if (!strcmp(kind, K_VISIT))
		return _("Visit");
	return kind;
}

/* Text of choice i of a select as the panel shows it. */
static void choice_item(ui *u, const form_field *fld, const char *val, size_t i,
			char *item, size_t sz, int *on)
{
	const form_choice *c = &fld->list->choices[i];

	*on = 0;
	if (fld->type == FT_SELECT_MULTIPLE) {
		char **parts = util_split(val, ' ');
		for (size_t k = 0; parts[k]; k++)
			*on |= !strcmp(parts[k], c->name);
		util_strv_free(parts);
		snprintf(item, sz, "%zu[%c]%s", i + 1, *on ? 'x' : ' ',
			 form_choice_label(c, u->lang));
	} else {
		*on = !strcmp(val, c->name);
		snprintf(item, sz, "%zu %s", i + 1, form_choice_label(c, u->lang));
	}
}

/* Lines the choices panel needs (at most max). */
static int choice_lines(ui *u, form_state *st, const form_field *fld, int max)
{
	const char *val = record_val(st->rec, fld->name);
	int x = 1, lines = 1;
	char item[256];

	if (fld->type == FT_YESNO || !fld->list)
		return 1;
	for (size_t i = 0; i < fld->list->nchoices; i++) {
		int on, w;
		choice_item(u, fld, val, i, item, sizeof(item), &on);
		w = ui_width(item);
		if (x + w > u->cols - 1) {
			lines++;
			x = 1;
		}
		x += w + 2;
	}
	return lines < max ? lines : max;
}

/* Choices of the focused select as "1 label  2 label ...", wrapped. */
static void draw_choices(ui *u, form_state *st, const form_field *fld, int y, int lines)
{
	const char *val = record_val(st->rec, fld->name);
	int x = 1, ly = 0;
	size_t n;
	char item[256];

	if (fld->type == FT_YESNO) {
		snprintf(item, sizeof(item), "1 %s   2 %s   (y/n)", _("yes"), _("no"));
		ui_text(y, 1, u->cols - 2, item, 0);
		return;
	}
	if (!fld->list)
		return;
	n = fld->list->nchoices;
	for (size_t i = 0; i < n; i++) {
		int on, w;
		choice_item(u, fld, val, i, item, sizeof(item), &on);
		w = ui_width(item);
		if (x + w > u->cols - 1) {
			if (++ly >= lines)
				break;
			x = 1;
		}
		if ((fld->type == FT_SELECT_MULTIPLE && (int)i == st->mcur) ||
		    (fld->type == FT_SELECT_ONE && on))
			attron(A_REVERSE);
		ui_text(y + ly, x, w, item, 0);
		attroff(A_REVERSE);
		x += w + 2;
	}
}

static void form_draw(ui *u, void *vst, int top, int h)
{
	form_state *st = vst;
	const form_field *ff = focused(st);
	int W = u->cols, y = top, area, panel = 0;
	/* Values take 26 columns, or what a narrow terminal leaves. */
	int vw = W - 27 < 26 ? W - 27 : 26;
	const char *name = ui_record_name(st->rec);
	const val_issue *fi;

	ui_textf(y++, 1, W - 2, "%s%s%s   %s", form_kind_title(st->rec->kind),
		 *name ? ": " : "", name,
		 st->is_new ? _("(new, not saved yet)") : "");
	if (ff && (ff->type == FT_SELECT_ONE || ff->type == FT_SELECT_MULTIPLE ||
		   ff->type == FT_YESNO))
		panel = choice_lines(u, st, ff, h - 5 < 7 ? (h - 5 > 1 ? h - 5 : 1) : 7);
	area = h - 1 - panel - 2;
	if (area < 1)
		area = 1;
	if (st->focus >= 0) {
		if (st->focus < st->top)
			st->top = st->focus;
		if (st->focus >= st->top + area)
			st->top = st->focus - area + 1;
	}
	/* Show the group heading above the first field when scrolled to it. */
	if (st->top == 1 && st->nrows > 0 && st->rows[0].kind == ROW_GROUP)
		st->top = 0;
	for (int i = st->top; i < st->nrows && y < top + 1 + area; i++, y++) {
		const form_row *r = &st->rows[i];
		const form_field *fld = r->fld;
		const char *label = form_label(fld, u->lang);
		const val_issue *is;
		char lab[256];

		if (r->kind == ROW_GROUP) {
			attron(A_BOLD);
			ui_textf(y, 1, W - 2, "-- %s --", label);
			attroff(A_BOLD);
			continue;
		}
		if (r->kind == ROW_NOTE) {
			ui_text(y, 3, W - 4, label, 0);
			continue;
		}
		snprintf(lab, sizeof(lab), "%s%s", fld->required ? "*" : " ", label);
		if (i == st->focus)
			attron(A_BOLD);
		ui_text(y, 0, 1, i == st->focus ? ">" : " ", 0);
		ui_text(y, 1, 24, lab, 0);
		if (i == st->focus)
			attroff(A_BOLD);
		if (i == st->focus && st->edit_fld == fld) {
			u->cur_x = ui_edit_draw(&st->edit, y, 26, vw);
			u->cur_y = y;
		} else {
			char *v = ui_value_label(u, fld, record_val(st->rec, fld->name));
			if (r->kind == ROW_CALC) {
				char buf[512];
				snprintf(buf, sizeof(buf), "= %s", v);
				ui_text(y, 26, vw, buf, 0);
			} else {
				if (i == st->focus)
					attron(A_UNDERLINE);
				ui_text(y, 26, vw, *v ? v : "", i == st->focus);
				attroff(A_UNDERLINE);
			}
			free(v);
		}
		is = issue_of(st, fld->name);
		if (is) {
			char msg[512];
			snprintf(msg, sizeof(msg), "%s %s", is->severity == VAL_ERROR ? "!" : "~",
				 bare_message(u, fld, is->message));
			if (is->severity == VAL_ERROR)
				attron(A_BOLD);
			ui_text(y, 53, W - 53, msg, 0);
			attroff(A_BOLD);
		} else if (fld->type == FT_ID_NUMBER && *record_val(st->rec, fld->name)) {
			const char *v = record_val(st->rec, fld->name);
			char birth[11];
			if (val_id_valid(v) && val_id_birth(v, birth) == 0)
				ui_textf(y, 53, W - 53, "%s %s", _("ok, born"), birth);
			else if (val_id_valid(v))
				ui_text(y, 53, W - 53, _("ok"), 0);
		}
	}
	y = top + 1 + area;
	/* The focused field's hint or full issue, then its choices. */
	fi = ff ? issue_of(st, ff->name) : NULL;
	if (fi)
		ui_textf(y, 1, W - 2, "%s %s: %s", fi->severity == VAL_ERROR ? _("error") : _("warning"),
			 form_label(ff, u->lang), bare_message(u, ff, fi->message));
	else if (ff && ff->hint[u->lang] && *ff->hint[u->lang])
		ui_text(y, 1, W - 2, ff->hint[u->lang], 0);
	else if (ff && ff->type == FT_DATE)
		ui_text(y, 1, W - 2, _("date: YYYY-MM-DD (or 8 digits)"), 0);
	y++;
	if (panel)
		draw_choices(u, st, ff, y, panel);
	y += panel;
	ui_textf(top + h - 1, 1, W - 2, "%s: %d   %s: %d", _("errors"), count_shown_errors(st),
		 _("warnings"), st->rep.nwarnings);
}

/* Which characters a typed field accepts. */
static int accepts(const form_field *fld, wint_t ch)
{
	switch (fld->type) {
	case FT_INTEGER: return (ch >= '0' && ch <= '9') || ch == '-';
	case FT_DECIMAL: return (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
	case FT_DATE: return (ch >= '0' && ch <= '9') || ch == '-';
	case FT_PHONE: return (ch >= '0' && ch <= '9') || ch == '-' || ch == '+';
	case FT_ID_NUMBER: return (ch >= '0' && ch <= '9') || ch == 'X' || ch == 'x';
	default: return 1;
	}
}

static void typed_action(ui *u, form_state *st, ui_action act, wint_t ch)
{
	const form_field *fld = st->edit_fld;
	char *v;

	if (act == ACT_TEXT) {
		if (!accepts(fld, ch)) {
			ui_status(u, 1, "%s", _("that character does not belong in this field"));
			return;
		}
		if (fld->type == FT_ID_NUMBER && ch == 'x')
			ch = 'X';
	}
	if (!ui_edit_action(&st->edit, act, ch))
		return;
	/* Dates: the dashes come by themselves after year and month. */
	if (fld->type == FT_DATE && act == ACT_TEXT && ch != '-' &&
	    st->edit.cur == st->edit.len && (st->edit.len == 4 || st->edit.len == 7))
		ui_edit_action(&st->edit, ACT_TEXT, '-');
	v = ui_edit_get(&st->edit);
	set_value(u, st, fld, v);
	free(v);
	ui_status(u, 0, "%s", "");
}

static void choice_action(ui *u, form_state *st, ui_action act, wint_t ch)
{
	const form_field *fld = focused(st);
	const char *val = record_val(st->rec, fld->name);
	int n = fld->type == FT_YESNO ? 2 : fld->list ? (int)fld->list->nchoices : 0;
	int pick = -1;

	if (n == 0)
		return;
	if (fld->type == FT_YESNO) {
		if (act == ACT_TEXT && (ch == 'y' || ch == 'Y' || ch == '1'))
			pick = 0;
		else if (act == ACT_TEXT && (ch == 'n' || ch == 'N' || ch == '2'))
			pick = 1;
		else if (act == ACT_LEFT || act == ACT_RIGHT)
			pick = !strcmp(val, C_YES) ? 1 : 0;
		else if (act == ACT_BKSP || act == ACT_DEL || act == ACT_CLEAR)
			set_value(u, st, fld, "");
		if (pick >= 0)
			set_value(u, st, fld, pick == 0 ? C_YES : C_NO);
		return;
	}
	if (act == ACT_TEXT && ch >= '0' && ch <= '9') {
		int v = st->typed * 10 + (int)(ch - '0');
		if (v < 1 || v > n)
			v = (int)(ch - '0');
		st->typed = v * 10 > n ? 0 : v;
		if (v >= 1 && v <= n)
			pick = v - 1;
	} else if (fld->type == FT_SELECT_ONE && (act == ACT_LEFT || act == ACT_RIGHT)) {
		int cur = -1;
		for (int i = 0; i < n; i++)
			if (!strcmp(fld->list->choices[i].name, val))
				cur = i;
		pick = act == ACT_RIGHT ? (cur + 1) % n : (cur <= 0 ? n - 1 : cur - 1);
	} else if (fld->type == FT_SELECT_MULTIPLE && act == ACT_LEFT) {
		if (st->mcur > 0)
			st->mcur--;
		return;
	} else if (fld->type == FT_SELECT_MULTIPLE && act == ACT_RIGHT) {
		if (st->mcur < n - 1)
			st->mcur++;
		return;
	} else if (fld->type == FT_SELECT_MULTIPLE && act == ACT_TEXT && ch == ' ') {
		pick = st->mcur;
	} else if (act == ACT_BKSP || act == ACT_DEL || act == ACT_CLEAR) {
		set_value(u, st, fld, "");
		return;
	} else {
		return;
	}
	if (pick < 0)
		return;
	if (fld->type == FT_SELECT_ONE) {
		set_value(u, st, fld, fld->list->choices[pick].name);
	} else {
		/* Toggle, keeping the choices in list order. */
		fc_buf b = FC_BUF_INIT;
		char **parts = util_split(val, ' ');
		for (int i = 0; i < n; i++) {
			const char *cn = fld->list->choices[i].name;
			int on = 0;
			for (size_t k = 0; parts[k]; k++)
				on |= !strcmp(parts[k], cn);
			if (i == pick)
				on = !on;
			if (on) {
				if (b.len)
					buf_addc(&b, ' ');
				buf_adds(&b, cn);
			}
		}
		util_strv_free(parts);
		st->mcur = pick;
		set_value(u, st, fld, buf_cstr(&b));
		buf_free(&b);
	}
	save_draft(u, st);
}

static void focus_first_error(form_state *st)
{
	for (int i = 0; i < st->nrows; i++) {
		const val_issue *is;
		if (st->rows[i].kind != ROW_FIELD)
			continue;
		is = issue_of(st, st->rows[i].fld->name);
		if (is && is->severity == VAL_ERROR) {
			st->focus = i;
			load_edit(st);
			return;
		}
	}
}

/* The first error that no shown row carries, if every error is such. */
static const val_issue *error_off_rows(form_state *st)
{
	const val_issue *first = NULL;

	for (size_t i = 0; i < st->rep.n; i++) {
		const val_issue *is = &st->rep.items[i];
		int on_row = 0;

		if (is->severity != VAL_ERROR)
			continue;
		for (int r = 0; r < st->nrows && !on_row && is->field; r++)
			on_row = st->rows[r].kind == ROW_FIELD && !strcmp(st->rows[r].fld->name, is->field);
		if (on_row)
			return NULL;
		if (!first)
			first = is;
	}
	return first;
}

static void form_save(ui *u, form_state *st)
{
	val_report rep;
	fc_err err = { 0 };
	int rc;

	leave_field(u, st);
	recompute(u, st);
	st->show_all = 1;
	if (count_shown_errors(st) > 0) {
		const val_issue *off = error_off_rows(st);

		/* An error no row can mark (a rule on the whole record, or a
		 * field this form does not show) is said in words, or the
		 * cadre would look for a "!" that is not there. */
		if (off)
			ui_status(u, 1, "%s %s%s%s", _("not saved:"), off->field ? off->field : "",
				  off->field ? ": " : "", off->message ? off->message : "");
		else
			ui_status(u, 1, _("not saved: %d error(s); fix the fields marked !"),
				  count_shown_errors(st));
		focus_first_error(st);
		return;
	}
	val_report_init(&rep);
	rc = app_save(u->app, st->rec, &rep, &err);
	if (rc == FC_EINVALID) {
		val_report_free(&st->rep);
		st->rep = rep;
		ui_status(u, 1, "%s %s", _("not saved:"), err.msg);
		focus_first_error(st);
		return;
	}
	val_report_free(&rep);
	if (rc != 0) {
		ui_status(u, 1, "%s %s", _("not saved:"), err.msg);
		return;
	}
	ui_status(u, 0, "%s", _("saved"));
	if (st->is_new && !strcmp(st->rec->kind, K_HOUSEHOLD)) {
		char *id = util_strdup(st->rec->id);
		ui_pop(u);
		ui_push(u, &ui_card_ops, id);
		ui_status(u, 0, "%s", _("saved; n adds a member, v a visit"));
		free(id);
		return;
	}
	ui_pop(u);
}

static int changed(form_state *st)
{
	if (st->orig)
		return !record_equal(st->orig, st->rec);
	for (size_t i = 0; i < st->rec->n; i++) {
		const form_field *fld = form_field_find(st->f, st->rec->names[i]);
		/* A new record counts as changed once something was typed that
		 * is not a default. */
		if (*st->rec->values[i] && fld && was_touched(st, fld->name))
			return 1;
	}
	return 0;
}

static int form_action(ui *u, void *vst, ui_action act, wint_t ch)
{
	form_state *st = vst;
	const form_field *fld = focused(st);

	switch (act) {
	case ACT_NEXT: case ACT_DOWN: case ACT_ENTER:
		move_focus(u, st, 1);
		return 1;
	case ACT_PREV: case ACT_UP:
		move_focus(u, st, -1);
		return 1;
	case ACT_PGDN:
		for (int i = 0; i < 10; i++)
			move_focus(u, st, 1);
		return 1;
	case ACT_PGUP:
		for (int i = 0; i < 10; i++)
			move_focus(u, st, -1);
		return 1;
	case ACT_SAVE:
		form_save(u, st);
		return 1;
	case ACT_IDLE:
		save_draft(u, st);
		return 1;
	case ACT_BACK:
		if (!changed(st)) {
			store_draft_drop(u->app->st, st->rec->id, NULL);
			ui_pop(u);
			return 1;
		}
		if (ui_confirm(u, _("Leave without saving? What you typed stays as a draft."))) {
			st->dirty = 1;
			save_draft(u, st);
			ui_pop(u);
		}
		return 1;
	default:
		break;
	}
	if (!fld)
		return 0;
	if (st->edit_fld) {
		typed_action(u, st, act, ch);
		return 1;
	}
	choice_action(u, st, act, ch);
	return 1;
}

static int form_text_mode(ui *u, void *vst)
{
	(void)u;
	(void)vst;
	return 1;
}

const ui_screen_ops ui_form_ops = {
	N_("form"), S_FORM, sizeof(form_state),
	form_open, form_draw, form_action, NULL, form_close, form_text_mode
};
