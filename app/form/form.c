/* form.c — load and check form definitions (see include/fieldcard/form.h and
 * forms/README.md): XLSForm vocabulary in three UTF-8 CSV sheets.
 *
 * The loader never stops at the first problem: a county staff member fixing a
 * form in Excel wants every mistake at once, each as FILE:LINE: message. It
 * reads settings.csv, then choices.csv (so lists are known), then survey.csv
 * in two passes: the first only collects names (expressions may refer
 * forward), the second builds fields and checks everything in line order.
 * The form sets of a forms folder and the queries on a loaded form are in
 * form_query.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fieldcard/csv.h"
#include "fieldcard/expr.h"
#include "fieldcard/fields.h"
#include "fieldcard/form.h"
#include "fieldcard/util.h"

/* ---- error collection ---- */

typedef struct loader {
	fc_buf *report;
	fc_err *err;
	int nerrors;
} loader;

static void lmsg(loader *L, int is_error, const char *file, int line,
		 const char *fmt, va_list ap)
{
	char msg[900];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (is_error) {
		if (L->nerrors++ == 0)
			fc_err_set(L->err, FC_EINVALID, "%s:%d: %s", file, line, msg);
	}
	if (L->report)
		buf_printf(L->report, "%s:%d: %s%s\n", file, line,
			   is_error ? "" : "warning: ", msg);
}

static void lerr(loader *L, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void lerr(loader *L, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lmsg(L, 1, file, line, fmt, ap);
	va_end(ap);
}

static void lwarn(loader *L, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void lwarn(loader *L, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lmsg(L, 0, file, line, fmt, ap);
	va_end(ap);
}

/* ---- sheets: a whole CSV file in memory (form sheets are small) ---- */

typedef struct sheet_row {
	int line;
	char **cells;
	size_t n;
} sheet_row;

typedef struct sheet {
	char *path;
	char **header;
	size_t nheader;
	int header_line;
	sheet_row *rows;
	size_t nrows;
} sheet;

static void sheet_free(sheet *s)
{
	for (size_t i = 0; i < s->nrows; i++) {
		for (size_t j = 0; j < s->rows[i].n; j++)
			free(s->rows[i].cells[j]);
		free(s->rows[i].cells);
	}
	for (size_t j = 0; j < s->nheader; j++)
		free(s->header[j]);
	free(s->header);
	free(s->rows);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

static char *trim_dup(const char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return util_strndup(s, len);
}

/* Read a sheet; a missing file or broken CSV is reported through L.
 * Returns 0 if the sheet was read, -1 otherwise. Cells are trimmed of
 * surrounding blanks (Excel users add them without seeing them); rows whose
 * cells are all empty are dropped. */
static int sheet_read(loader *L, const char *path, sheet *s)
{
	FILE *f;
	csv_reader *r;
	char **cells;
	size_t n;
	int rc;
	fc_err e;

	memset(s, 0, sizeof(*s));
	s->path = util_strdup(path);
	f = fopen(path, "rb");
	if (!f) {
		lerr(L, path, 1, "cannot open: %s", strerror(errno));
		return -1;
	}
	r = csv_open(f, path);
	while ((rc = csv_next(r, &cells, &n, &e)) == 1) {
		int blank = 1;

		for (size_t i = 0; i < n && blank; i++)
			if (cells[i][strspn(cells[i], " \t")])
				blank = 0;
		if (blank)
			continue;
		if (!s->header) {
			s->header = util_calloc(n, sizeof(char *));
			for (size_t i = 0; i < n; i++)
				s->header[i] = trim_dup(cells[i]);
			s->nheader = n;
			s->header_line = csv_line(r);
			continue;
		}
		s->rows = util_realloc(s->rows, (s->nrows + 1) * sizeof(*s->rows));
		s->rows[s->nrows].line = csv_line(r);
		s->rows[s->nrows].n = n;
		s->rows[s->nrows].cells = util_calloc(n ? n : 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			s->rows[s->nrows].cells[i] = trim_dup(cells[i]);
		s->nrows++;
	}
	csv_close(r);
	fclose(f);
	if (rc < 0) {
		/* The reader's message already says FILE:LINE. */
		if (L->nerrors++ == 0)
			fc_err_set(L->err, FC_EINVALID, "%s", e.msg);
		if (L->report)
			buf_printf(L->report, "%s\n", e.msg);
		return -1;
	}
	if (!s->header) {
		lerr(L, path, 1, "empty sheet: the first row must name the columns");
		return -1;
	}
	return 0;
}

/* Column index by header name, or -1. */
static int sheet_col(const sheet *s, const char *name)
{
	for (size_t i = 0; i < s->nheader; i++)
		if (!strcmp(s->header[i], name))
			return (int)i;
	return -1;
}

/* Cell text ("" if the row is short or the column absent). */
static const char *cell(const sheet_row *r, int col)
{
	if (col < 0 || (size_t)col >= r->n)
		return "";
	return r->cells[col];
}

/* Index of the column `name`, else of `fallback` (XLSForm's plain "label"
 * when there is no "label::zh"). */
static int sheet_col2(const sheet *s, const char *name, const char *fallback)
{
	int c = sheet_col(s, name);

	return c >= 0 || !fallback ? c : sheet_col(s, fallback);
}

/* ---- names ---- */

static int name_valid(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static int name_reserved(const char *s)
{
	return !strcmp(s, "form") || !strcmp(s, "id") || !strcmp(s, "parent");
}

static char *nonempty_dup(const char *s)
{
	return *s ? util_strdup(s) : NULL;
}

/* ---- types ---- */

static const struct {
	const char *name;
	form_type type;
} type_names[] = {
	{ "text", FT_TEXT },
	{ "integer", FT_INTEGER },
	{ "decimal", FT_DECIMAL },
	{ "date", FT_DATE },
	{ "yes_no", FT_YESNO },
	{ "select_one", FT_SELECT_ONE },
	{ "select_multiple", FT_SELECT_MULTIPLE },
	{ "id_number", FT_ID_NUMBER },
	{ "phone", FT_PHONE },
	{ "calculate", FT_CALCULATE },
	{ "note", FT_NOTE },
	{ "begin_group", FT_BEGIN_GROUP },
	{ "end_group", FT_END_GROUP },
	{ "begin_repeat", FT_BEGIN_REPEAT },
	{ "end_repeat", FT_END_REPEAT },
};

const char *form_type_name(form_type t)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == t)
			return type_names[i].name;
	return "?";
}

/* Parse the type cell: "select_one LIST" gives the list name in *list.
 * XLSForm also writes "begin group" with a space; accept it. Returns -1 for
 * an unknown type. */
static int parse_type(const char *s, form_type *t, char **list)
{
	char word[64];
	size_t len = strcspn(s, " \t");
	const char *rest = s + len;

	*list = NULL;
	if (len >= sizeof(word))
		return -1;
	memcpy(word, s, len);
	word[len] = '\0';
	rest += strspn(rest, " \t");
	if ((!strcmp(word, "begin") || !strcmp(word, "end")) &&
	    (!strcmp(rest, "group") || !strcmp(rest, "repeat"))) {
		snprintf(word + len, sizeof(word) - len, "_%s", rest);
		rest = "";
	}
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (strcmp(type_names[i].name, word))
			continue;
		*t = type_names[i].type;
		if (*t == FT_SELECT_ONE || *t == FT_SELECT_MULTIPLE) {
			if (*rest)
				*list = util_strdup(rest);
		} else if (*rest) {
			return -1;
		}
		return 0;
	}
	return -1;
}

/* yes/no columns (required, read_only): XLSForm accepts yes, true, TRUE. */
static int parse_flag(const char *s, int *out)
{
	if (!*s || !strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1")) {
		*out = 1;
		return 0;
	}
	return -1;
}

/* ---- freeing ---- */

static void field_free(form_field *fld)
{
	free(fld->name);
	for (int l = 0; l < FC_NLANG; l++) {
		free(fld->label[l]);
		free(fld->hint[l]);
		free(fld->constraint_msg[l]);
	}
	free(fld->constraint_src);
	free(fld->relevant_src);
	free(fld->calculation_src);
	free(fld->default_value);
	expr_free(fld->constraint);
	expr_free(fld->relevant);
	expr_free(fld->calculation);
	expr_free(fld->default_expr);
	form_free(fld->repeat);
}

void form_free(form *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nfields; i++)
		field_free(&f->fields[i]);
	free(f->fields);
	for (size_t i = 0; i < f->nlists; i++) {
		for (size_t j = 0; j < f->lists[i].nchoices; j++) {
			free(f->lists[i].choices[j].name);
			for (int l = 0; l < FC_NLANG; l++)
				free(f->lists[i].choices[j].label[l]);
		}
		free(f->lists[i].choices);
		free(f->lists[i].name);
	}
	free(f->lists);
	/* Sub-forms are freed through their placeholder fields; only the
	 * index array is ours. */
	free(f->subs);
	free(f->id);
	free(f->version);
	for (int l = 0; l < FC_NLANG; l++)
		free(f->title[l]);
	free(f->path);
	free(f);
}

/* ---- settings.csv ---- */

static void load_settings(loader *L, const char *path, form *f)
{
	sheet s;
	int cid, cver, ctz, cten;
	const sheet_row *row;

	if (sheet_read(L, path, &s) < 0)
		goto cleanup;
	cid = sheet_col(&s, "form_id");
	cver = sheet_col(&s, "version");
	ctz = sheet_col2(&s, "form_title::zh", "form_title");
	cten = sheet_col(&s, "form_title::en");
	if (!s.nrows) {
		lerr(L, path, s.header_line, "settings need a row under the header with form_id and version");
		goto cleanup;
	}
	row = &s.rows[0];
	if (!*cell(row, cid))
		lerr(L, path, row->line, "settings need a form_id");
	else if (!name_valid(cell(row, cid)))
		lerr(L, path, row->line, "form_id '%s' must be letters, digits and _", cell(row, cid));
	else
		f->id = util_strdup(cell(row, cid));
	if (!*cell(row, cver))
		lerr(L, path, row->line, "settings need a version");
	else
		f->version = util_strdup(cell(row, cver));
	f->title[FC_LANG_ZH] = nonempty_dup(cell(row, ctz));
	f->title[FC_LANG_EN] = nonempty_dup(cell(row, cten));
cleanup:
	sheet_free(&s);
}

/* ---- choices.csv ---- */

static form_list *find_list(form *f, const char *name)
{
	for (size_t i = 0; i < f->nlists; i++)
		if (!strcmp(f->lists[i].name, name))
			return &f->lists[i];
	return NULL;
}

static void load_choices(loader *L, const char *path, form *f)
{
	sheet s;
	int clist, cname, cz, cen;
	int **first_line = NULL; /* per list, per choice: line, for duplicates */

	if (sheet_read(L, path, &s) < 0)
		goto cleanup;
	clist = sheet_col(&s, "list_name");
	cname = sheet_col(&s, "name");
	cz = sheet_col2(&s, "label::zh", "label");
	cen = sheet_col(&s, "label::en");
	if (clist < 0 || cname < 0) {
		lerr(L, path, s.header_line, "choices need the columns list_name and name");
		goto cleanup;
	}
	for (size_t i = 0; i < s.nrows; i++) {
		const sheet_row *row = &s.rows[i];
		const char *ln = cell(row, clist), *nm = cell(row, cname);
		form_list *l;
		form_choice *c;
		size_t li;

		if (!*ln) {
			lerr(L, path, row->line, "missing list_name");
			continue;
		}
		if (!*nm) {
			lerr(L, path, row->line, "missing choice name in list '%s'", ln);
			continue;
		}
		if (strpbrk(nm, " \t")) {
			/* select_multiple stores names separated by spaces. */
			lerr(L, path, row->line, "choice name '%s' contains a space", nm);
			continue;
		}
		l = find_list(f, ln);
		if (!l) {
			f->lists = util_realloc(f->lists, (f->nlists + 1) * sizeof(*f->lists));
			first_line = util_realloc(first_line, (f->nlists + 1) * sizeof(*first_line));
			first_line[f->nlists] = NULL;
			l = &f->lists[f->nlists++];
			memset(l, 0, sizeof(*l));
			l->name = util_strdup(ln);
		}
		li = (size_t)(l - f->lists);
		{
			const form_choice *dup = form_choice_find(l, nm);

			if (dup) {
				lerr(L, path, row->line, "duplicate choice '%s' in list '%s' (first on line %d)",
				     nm, ln, first_line[li][dup - l->choices]);
				continue;
			}
		}
		l->choices = util_realloc(l->choices, (l->nchoices + 1) * sizeof(*l->choices));
		first_line[li] = util_realloc(first_line[li], (l->nchoices + 1) * sizeof(int));
		first_line[li][l->nchoices] = row->line;
		c = &l->choices[l->nchoices++];
		c->name = util_strdup(nm);
		c->label[FC_LANG_ZH] = nonempty_dup(cell(row, cz));
		c->label[FC_LANG_EN] = nonempty_dup(cell(row, cen));
	}
cleanup:
	if (first_line) {
		for (size_t i = 0; i < f->nlists; i++)
			free(first_line[i]);
		free(first_line);
	}
	sheet_free(&s);
}

/* ---- survey.csv ---- */

enum {
	COL_TYPE, COL_NAME, COL_LABEL_ZH, COL_LABEL_EN, COL_HINT_ZH, COL_HINT_EN,
	COL_REQUIRED, COL_CONSTRAINT, COL_CMSG_ZH, COL_CMSG_EN, COL_RELEVANT,
	COL_CALC, COL_DEFAULT, COL_READONLY, NCOLS
};

static const struct {
	const char *name;
	const char *fallback;
} survey_cols[NCOLS] = {
	[COL_TYPE] = { "type", NULL },
	[COL_NAME] = { "name", NULL },
	[COL_LABEL_ZH] = { "label::zh", "label" },
	[COL_LABEL_EN] = { "label::en", NULL },
	[COL_HINT_ZH] = { "hint::zh", "hint" },
	[COL_HINT_EN] = { "hint::en", NULL },
	[COL_REQUIRED] = { "required", NULL },
	[COL_CONSTRAINT] = { "constraint", NULL },
	[COL_CMSG_ZH] = { "constraint_message::zh", "constraint_message" },
	[COL_CMSG_EN] = { "constraint_message::en", NULL },
	[COL_RELEVANT] = { "relevant", NULL },
	[COL_CALC] = { "calculation", NULL },
	[COL_DEFAULT] = { "default", NULL },
	[COL_READONLY] = { "read_only", NULL },
};

/* Every name defined in the survey, with its line and whether it holds a
 * value, for duplicate and reference checks. */
typedef struct name_entry {
	const char *name;  /* borrowed from the sheet */
	int line;
	int has_value;
} name_entry;

typedef struct name_table {
	name_entry *v;
	size_t n;
} name_table;

static const name_entry *names_find(const name_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name))
			return &t->v[i];
	return NULL;
}

/* Open begin_group / begin_repeat. */
typedef struct open_block {
	form_type type;
	const char *name;
	int line;
	form *target;      /* the form fields go into while this is open */
	int group_depth;   /* depth inside `target` after this begin */
} open_block;

static form_field *add_field(form *f)
{
	f->fields = util_realloc(f->fields, (f->nfields + 1) * sizeof(*f->fields));
	memset(&f->fields[f->nfields], 0, sizeof(*f->fields));
	return &f->fields[f->nfields++];
}

/* Context for the reference check callback. */
typedef struct ref_check {
	loader *L;
	const char *path;
	int line;
	const char *what;
	const char *field;
	const name_table *names;
} ref_check;

static int check_ref(const char *name, void *ud)
{
	ref_check *rc = ud;
	const name_entry *e = names_find(rc->names, name);

	if (!e)
		lerr(rc->L, rc->path, rc->line, "%s of '%s' refers to unknown field ${%s}",
		     rc->what, rc->field, name);
	else if (!e->has_value)
		lerr(rc->L, rc->path, rc->line, "%s of '%s' refers to ${%s}, which holds no value (line %d)",
		     rc->what, rc->field, name, e->line);
	return 0;
}

/* Parse one expression column into *src and *ex, reporting parse errors and
 * unknown references at the row's line. */
static void compile_expr(loader *L, const char *path, int line, const char *what,
			 const char *field, const char *text, const name_table *names,
			 char **src, struct expr **ex)
{
	fc_err e;
	ref_check rc = { L, path, line, what, field, names };

	if (!*text)
		return;
	*src = util_strdup(text);
	fc_err_clear(&e);
	if (expr_parse(text, ex, &e) != 0) {
		lerr(L, path, line, "%s of '%s': %s", what, field, e.msg);
		*ex = NULL;
		return;
	}
	expr_each_ref(*ex, check_ref, &rc);
}

/* survey.csv while it is read: the columns, the names of pass 1 and the
 * blocks open in pass 2. */
typedef struct survey {
	loader *L;
	const char *path;
	form *top;
	int col[NCOLS];
	name_table names;
	open_block *stack;
	size_t depth;
} survey;

/* Find the columns; warn of unknown ones. -1 without type or name. */
static int survey_columns(survey *sv, const sheet *s)
{
	for (int c = 0; c < NCOLS; c++)
		sv->col[c] = sheet_col2(s, survey_cols[c].name, survey_cols[c].fallback);
	if (sv->col[COL_TYPE] < 0 || sv->col[COL_NAME] < 0) {
		lerr(sv->L, sv->path, s->header_line, "the survey needs the columns type and name");
		return -1;
	}
	for (size_t i = 0; i < s->nheader; i++) {
		const char *h = s->header[i];
		int known = 0;

		for (int c = 0; c < NCOLS && !known; c++)
			if (sv->col[c] == (int)i)
				known = 1;
		/* Other languages (label::bo, hint::ug ...) are welcome but not
		 * shown; anything else is likely a typo worth a word. */
		if (!known && *h && strncmp(h, "label::", 7) && strncmp(h, "hint::", 6) &&
		    strncmp(h, "constraint_message::", 20) && strcmp(h, "label") &&
		    strcmp(h, "hint") && strcmp(h, "constraint_message"))
			lwarn(sv->L, sv->path, s->header_line, "unknown column '%s' ignored", h);
	}
	return 0;
}

/* Pass 1: names, so that expressions may refer to later fields. */
static void survey_names(survey *sv, const sheet *s)
{
	name_table *names = &sv->names;

	for (size_t i = 0; i < s->nrows; i++) {
		const sheet_row *row = &s->rows[i];
		const char *nm = cell(row, sv->col[COL_NAME]);
		form_type t;
		char *list = NULL;

		if (!*nm || parse_type(cell(row, sv->col[COL_TYPE]), &t, &list) < 0) {
			free(list);
			continue;
		}
		free(list);
		if (t == FT_END_GROUP || t == FT_END_REPEAT || names_find(names, nm))
			continue;
		names->v = util_realloc(names->v, (names->n + 1) * sizeof(*names->v));
		names->v[names->n].name = nm;
		names->v[names->n].line = row->line;
		/* A repeat's name stands for its instances (count-if). */
		names->v[names->n].has_value = t != FT_BEGIN_GROUP && t != FT_NOTE;
		names->n++;
	}
}

/* An end_group or end_repeat row: close the block it matches. */
static void survey_close(survey *sv, const sheet_row *row, form_type t, const char *ty,
			 const char *nm)
{
	form_type want = t == FT_END_GROUP ? FT_BEGIN_GROUP : FT_BEGIN_REPEAT;
	open_block *open = sv->depth ? &sv->stack[sv->depth - 1] : NULL;
	form_field *fld;

	if (!open) {
		lerr(sv->L, sv->path, row->line, "%s without a matching %s", ty,
		     form_type_name(want));
	} else if (open->type != want) {
		lerr(sv->L, sv->path, row->line, "%s does not match %s '%s' on line %d",
		     form_type_name(t), form_type_name(open->type), open->name, open->line);
	} else if (*nm && strcmp(nm, open->name)) {
		lerr(sv->L, sv->path, row->line, "%s '%s' does not match %s '%s' on line %d",
		     form_type_name(t), nm, form_type_name(want), open->name, open->line);
		sv->depth--;
	} else {
		if (t == FT_END_GROUP) {
			fld = add_field(open->target);
			fld->type = FT_END_GROUP;
			fld->name = util_strdup(open->name);
			fld->line = row->line;
			fld->group_depth = open->group_depth - 1;
		}
		sv->depth--;
	}
}

/* Name problems are reported but the field is still built, so a begin
 * with a bad name keeps the blocks balanced and later lines get their own
 * messages; the form is refused anyway. */
static void survey_check_name(survey *sv, const sheet_row *row, form_type t, const char *nm)
{
	if (!*nm) {
		lerr(sv->L, sv->path, row->line, "missing name (type %s)", form_type_name(t));
	} else if (!name_valid(nm)) {
		lerr(sv->L, sv->path, row->line, "invalid name '%s': use letters, digits and _, not starting with a digit", nm);
	} else if (name_reserved(nm)) {
		lerr(sv->L, sv->path, row->line, "'%s' is a reserved name (form, id and parent head every record)", nm);
	} else {
		const name_entry *e = names_find(&sv->names, nm);

		if (e && e->line != row->line)
			lerr(sv->L, sv->path, row->line, "duplicate name '%s' (first on line %d)", nm, e->line);
	}
	if (t == FT_BEGIN_REPEAT) {
		for (size_t d = 0; d < sv->depth; d++) {
			if (sv->stack[d].type == FT_BEGIN_REPEAT) {
				lerr(sv->L, sv->path, row->line,
				     "repeat '%s' inside repeat '%s' (line %d): only one level of repeats is supported",
				     nm, sv->stack[d].name, sv->stack[d].line);
				break;
			}
		}
	}
}

/* The columns of a field row after type and name: texts, flags, its list
 * and its expressions. */
static void survey_fill(survey *sv, const sheet_row *row, form_field *fld, const char *list)
{
	loader *L = sv->L;
	const char *path = sv->path, *nm = fld->name;
	const int *col = sv->col;
	form_type t = fld->type;
	int flag;

	fld->label[FC_LANG_ZH] = nonempty_dup(cell(row, col[COL_LABEL_ZH]));
	fld->label[FC_LANG_EN] = nonempty_dup(cell(row, col[COL_LABEL_EN]));
	fld->hint[FC_LANG_ZH] = nonempty_dup(cell(row, col[COL_HINT_ZH]));
	fld->hint[FC_LANG_EN] = nonempty_dup(cell(row, col[COL_HINT_EN]));
	fld->constraint_msg[FC_LANG_ZH] = nonempty_dup(cell(row, col[COL_CMSG_ZH]));
	fld->constraint_msg[FC_LANG_EN] = nonempty_dup(cell(row, col[COL_CMSG_EN]));
	fld->default_value = nonempty_dup(cell(row, col[COL_DEFAULT]));
	if (parse_flag(cell(row, col[COL_REQUIRED]), &flag) < 0)
		lerr(L, path, row->line, "required of '%s' must be yes or no, not '%s'",
		     nm, cell(row, col[COL_REQUIRED]));
	else
		fld->required = flag;
	if (parse_flag(cell(row, col[COL_READONLY]), &flag) < 0)
		lerr(L, path, row->line, "read_only of '%s' must be yes or no, not '%s'",
		     nm, cell(row, col[COL_READONLY]));
	else
		fld->read_only = flag;
	if (t == FT_SELECT_ONE || t == FT_SELECT_MULTIPLE) {
		if (!list)
			lerr(L, path, row->line, "%s '%s' needs a list name (%s LIST)",
			     form_type_name(t), nm, form_type_name(t));
		else if (!(fld->list = find_list(sv->top, list)))
			lerr(L, path, row->line, "%s '%s' uses unknown list '%s' (not in choices.csv)",
			     form_type_name(t), nm, list);
	} else if (t == FT_YESNO) {
		/* Labels for yes and no, if the form gives them. */
		fld->list = find_list(sv->top, "yes_no");
	}
	if (t == FT_CALCULATE && !*cell(row, col[COL_CALC]))
		lerr(L, path, row->line, "calculate '%s' needs a calculation", nm);
	compile_expr(L, path, row->line, "constraint", nm, cell(row, col[COL_CONSTRAINT]),
		     &sv->names, &fld->constraint_src, &fld->constraint);
	compile_expr(L, path, row->line, "relevant", nm, cell(row, col[COL_RELEVANT]),
		     &sv->names, &fld->relevant_src, &fld->relevant);
	compile_expr(L, path, row->line, "calculation", nm, cell(row, col[COL_CALC]),
		     &sv->names, &fld->calculation_src, &fld->calculation);
	/* A dynamic default (ODK's): an expression, evaluated for a new record. */
	if (fld->default_value && (strchr(fld->default_value, '(') || strstr(fld->default_value, "${"))) {
		char *src = NULL;

		compile_expr(L, path, row->line, "default", nm, fld->default_value, &sv->names, &src,
			     &fld->default_expr);
		free(src);
	}
}

/* A begin_group or begin_repeat row opens a block; a repeat makes its
 * sub-form, which the fields up to its end go into. */
static void survey_open(survey *sv, const sheet_row *row, form_field *fld, form *target,
			int gdepth)
{
	open_block *b = &sv->stack[sv->depth];
	form *top = sv->top;

	b->type = fld->type;
	b->name = fld->name;
	b->line = row->line;
	b->target = target;
	b->group_depth = gdepth + 1;
	if (fld->type == FT_BEGIN_REPEAT) {
		form *sub = util_calloc(1, sizeof(*sub));

		sub->id = util_strdup(fld->name);
		sub->version = util_strdup(top->version);
		sub->title[FC_LANG_ZH] = util_strdup(fld->label[FC_LANG_ZH]);
		sub->title[FC_LANG_EN] = util_strdup(fld->label[FC_LANG_EN]);
		sub->path = util_strdup(top->path);
		sub->parent = top;
		fld->repeat = sub;
		top->subs = util_realloc(top->subs, (top->nsubs + 1) * sizeof(*top->subs));
		top->subs[top->nsubs++] = sub;
		b->target = sub;
		b->group_depth = 0;
	}
	sv->depth++;
}

/* Pass 2, one row: a field (or block end) built and checked. */
static void survey_row(survey *sv, const sheet_row *row)
{
	const char *ty = cell(row, sv->col[COL_TYPE]);
	const char *nm = cell(row, sv->col[COL_NAME]);
	form *target = sv->depth ? sv->stack[sv->depth - 1].target : sv->top;
	int gdepth = sv->depth ? sv->stack[sv->depth - 1].group_depth : 0;
	const char *gname = NULL;
	form_field *fld;
	form_type t;
	char *list = NULL;

	if (!*ty) {
		lerr(sv->L, sv->path, row->line, "missing type%s%s%s", *nm ? " for '" : "",
		     nm, *nm ? "'" : "");
		return;
	}
	if (parse_type(ty, &t, &list) < 0) {
		lerr(sv->L, sv->path, row->line, "unknown type '%s'", ty);
		return;
	}
	if (t == FT_END_GROUP || t == FT_END_REPEAT) {
		survey_close(sv, row, t, ty, nm);
		free(list);
		return;
	}
	survey_check_name(sv, row, t, nm);
	for (size_t d = sv->depth; d > 0; d--) {
		if (sv->stack[d - 1].type == FT_BEGIN_GROUP && sv->stack[d - 1].target == target) {
			gname = sv->stack[d - 1].name;
			break;
		}
	}
	fld = add_field(target);
	fld->type = t;
	fld->name = util_strdup(nm);
	fld->line = row->line;
	fld->group_depth = gdepth;
	/* The group names live in fields of the same form; find the stable
	 * heap copy rather than the sheet's cell. */
	if (gname) {
		for (size_t k = target->nfields; k > 0; k--) {
			if (target->fields[k - 1].type == FT_BEGIN_GROUP &&
			    !strcmp(target->fields[k - 1].name, gname)) {
				fld->group = target->fields[k - 1].name;
				break;
			}
		}
	}
	survey_fill(sv, row, fld, list);
	free(list);
	if (t == FT_BEGIN_GROUP || t == FT_BEGIN_REPEAT)
		survey_open(sv, row, fld, target, gdepth);
}

static void load_survey(loader *L, const char *path, form *top)
{
	survey sv;
	sheet s;

	memset(&sv, 0, sizeof(sv));
	sv.L = L;
	sv.path = path;
	sv.top = top;
	if (sheet_read(L, path, &s) < 0 || survey_columns(&sv, &s) < 0)
		goto cleanup;
	survey_names(&sv, &s);
	/* Pass 2: fields and checks, in line order. */
	sv.stack = util_calloc(s.nrows + 1, sizeof(*sv.stack));
	for (size_t i = 0; i < s.nrows; i++)
		survey_row(&sv, &s.rows[i]);
	for (size_t d = 0; d < sv.depth; d++)
		lerr(L, path, sv.stack[d].line, "%s '%s' has no %s", form_type_name(sv.stack[d].type),
		     sv.stack[d].name, sv.stack[d].type == FT_BEGIN_GROUP ? "end_group" : "end_repeat");
cleanup:
	free(sv.stack);
	free(sv.names.v);
	sheet_free(&s);
}

/* fields.h names a household form must keep (C code relies on them). */
static void check_household_names(loader *L, const char *path, const form *f)
{
	static const char *const hh[] = {
		F_PROVINCE, F_VILLAGE_CODE, F_VILLAGE_GROUP, F_HOUSEHOLD_CODE, F_HEAD_NAME,
		F_HEAD_ID, F_HOUSEHOLD_TYPE, F_POVERTY_STATUS, F_MONITOR_CATEGORY,
		F_MONITOR_DATE, F_RISK_CLEARED, F_ID_YEAR, F_MAIN_CAUSE, F_OTHER_CAUSES,
		F_NET_INCOME, F_MEMBER_COUNT, F_INCOME_PER_HEAD, F_HOUSING_GRADE,
		F_RELOCATED, F_SAFE_WATER, F_MEASURES, NULL
	};
	static const char *const mem[] = {
		F_M_NAME, F_M_SEX, F_M_ID_TYPE, F_M_ID, F_M_BIRTH, F_M_AGE, F_M_RELATION,
		F_M_SCHOOL, F_M_HEALTH, F_M_LABOUR, F_M_MEDICAL, F_M_STATUS,
		F_M_LEFT_REASON, F_M_INCOME, NULL
	};
	static const char *const vis[] = { F_V_DATE, F_V_VISITORS, F_V_PURPOSE, F_V_EVENT, NULL };
	static const char *const flg[] = {
		F_FLAG_KIND, F_FLAG_MEMBER, F_FLAG_REASON, F_FLAG_FACTS, F_FLAG_SOURCE,
		F_FLAG_DATE, F_FLAG_STATE, F_FLAG_NOTE, F_FLAG_BY, F_FLAG_AT, NULL
	};
	const struct {
		const char *kind;
		const char *const *names;
	} kinds[] = { { K_HOUSEHOLD, hh }, { K_MEMBER, mem }, { K_VISIT, vis }, { K_FLAG, flg } };

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		const form *sub = f;

		if (k) {
			sub = NULL;
			for (size_t i = 0; i < f->nsubs; i++)
				if (!strcmp(f->subs[i]->id, kinds[k].kind))
					sub = f->subs[i];
			if (!sub) {
				lwarn(L, path, 1, "household form has no repeat '%s' (fields.h)", kinds[k].kind);
				continue;
			}
		}
		for (const char *const *n = kinds[k].names; *n; n++)
			if (!form_field_find(sub, *n))
				lwarn(L, path, 1, "%s lacks field '%s' that the program relies on (fields.h)",
				      kinds[k].kind, *n);
	}
}

int form_load(const char *path, form **out, fc_buf *report, fc_err *err)
{
	loader L = { report, err, 0 };
	form *f = util_calloc(1, sizeof(*f));
	char *settings = NULL, *choices = NULL, *survey = NULL;
	struct stat st;
	size_t plen = strlen(path);

	*out = NULL;
	/* A sheet path means its folder. */
	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
		const char *slash = strrchr(path, '/');

		f->path = slash ? util_strndup(path, (size_t)(slash - path)) : util_strdup(".");
	} else {
		while (plen > 1 && path[plen - 1] == '/')
			plen--;
		f->path = util_strndup(path, plen);
	}
	if (stat(f->path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fc_err_set(err, FC_ENOTFOUND, "%s: no such form folder", path);
		if (report)
			buf_printf(report, "%s\n", err ? err->msg : "no such form folder");
		form_free(f);
		return FC_ENOTFOUND;
	}
	settings = util_asprintf("%s/settings.csv", f->path);
	choices = util_asprintf("%s/choices.csv", f->path);
	survey = util_asprintf("%s/survey.csv", f->path);
	load_settings(&L, settings, f);
	load_choices(&L, choices, f);
	load_survey(&L, survey, f);
	if (f->id && !strcmp(f->id, K_HOUSEHOLD))
		check_household_names(&L, survey, f);
	free(settings);
	free(choices);
	free(survey);
	if (L.nerrors) {
		form_free(f);
		return FC_EINVALID;
	}
	*out = f;
	return 0;
}
