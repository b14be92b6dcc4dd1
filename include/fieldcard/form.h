/* form.h — form definitions (XLSForm vocabulary as UTF-8 CSV sheets, see
 * forms/README.md), loaded, checked and queried. Knows nothing of ncurses,
 * SQLite or git.
 *
 * A form folder holds survey.csv, choices.csv and settings.csv. The top-level
 * fields make the form's own record (kind = form id, e.g. "household"); each
 * top-level begin_repeat NAME ... end_repeat makes a sub-form whose records
 * have kind NAME (e.g. "member", "visit") and a parent (the household). */
#ifndef FIELDCARD_FORM_H
#define FIELDCARD_FORM_H

#include <stddef.h>
#include "fieldcard/err.h"
#include "fieldcard/buf.h"

struct expr;
struct expr_schema;
struct record;


typedef enum form_type {
	FT_TEXT,
	FT_INTEGER,
	FT_DECIMAL,
	FT_DATE,            /* YYYY-MM-DD */
	FT_YESNO,           /* our extension: values "yes" / "no" */
	FT_SELECT_ONE,      /* value: a choice name */
	FT_SELECT_MULTIPLE, /* value: choice names separated by one space */
	FT_ID_NUMBER,       /* our extension: 18-digit resident ID (check digit)
	                       or 20-digit disability certificate number */
	FT_PHONE,           /* our extension: 11-digit mobile or landline */
	FT_CALCULATE,       /* computed from `calculation`, never typed */
	FT_NOTE,            /* label only, no value */
	FT_BEGIN_GROUP,
	FT_END_GROUP,
	FT_BEGIN_REPEAT,    /* in the parent form: a placeholder naming the sub-form */
	FT_END_REPEAT
} form_type;

typedef struct form_choice {
	char *name;
	char *label[FC_NLANG];
} form_choice;

typedef struct form_list {
	char *name;
	form_choice *choices;
	size_t nchoices;
} form_list;

typedef struct form form;

typedef struct form_field {
	form_type type;
	char *name;
	char *label[FC_NLANG];
	char *hint[FC_NLANG];
	char *constraint_msg[FC_NLANG];
	int required;              /* required = yes */
	int read_only;
	char *constraint_src;      /* NULL if none; "." is this field's value */
	char *relevant_src;
	char *calculation_src;
	char *default_value;
	struct expr *default_expr; /* a default that is an expression (it has a
	                              "(" or "${"), evaluated when a record is
	                              made: format-date(today(), '%Y') */
	struct expr *constraint;   /* compiled; NULL if none */
	struct expr *relevant;
	struct expr *calculation;
	const form_list *list;     /* select_one / select_multiple */
	form *repeat;              /* FT_BEGIN_REPEAT: the sub-form */
	int group_depth;           /* nesting of begin_group around it */
	const char *group;         /* name of the innermost group, or NULL */
	int line;                  /* line in survey.csv, for messages */
} form_field;

struct form {
	char *id;                  /* "household"; for a sub-form, the repeat name */
	char *version;             /* settings.csv version */
	char *title[FC_NLANG];
	char *path;                /* the folder it was loaded from */
	form_field *fields;        /* in order; groups kept, repeat bodies moved
	                              to their sub-form */
	size_t nfields;
	form_list *lists;          /* owned by the top-level form only */
	size_t nlists;
	form *parent;              /* NULL for a top-level form */
	form **subs;               /* sub-forms (repeats), in order */
	size_t nsubs;
};

/* Load a form folder (or the folder of a survey.csv path). Every problem is
 * reported; the first goes into err as "FILE:LINE: message", and all of them
 * into *report (if not NULL) one per line. Returns FC_EINVALID on a bad form. */
int form_load(const char *path, form **out, fc_buf *report, fc_err *err);
void form_free(form *f);

/* The form folders under dir (every sub-folder; rules.csv, README.md and
 * other files are not forms), sorted so the order is the same on every file
 * system. A NULL-terminated array of paths; free with util_strv_free. */
int form_folders(const char *dir, char ***out, fc_err *err);

/* Load every form folder under dir (forms/household, ...); skips files. */
typedef struct form_set {
	form **forms;
	size_t n;
	char *dir;
} form_set;
int form_set_load(const char *dir, form_set **out, fc_err *err);
void form_set_free(form_set *s);
/* The form (top-level or sub-form) whose records have this kind, or NULL. */
const form *form_set_kind(const form_set *s, const char *kind);

/* The field with this name in f (not in its sub-forms), or NULL. */
const form_field *form_field_find(const form *f, const char *name);
/* 1 if the field holds a value in a record (not a group, repeat or note). */
int form_field_has_value(const form_field *fld);
/* r's canonical text (record_serialise) with f's version in the header and
 * f's value fields first, in form order. f may be NULL: then every field
 * goes in byte order of name. */
void form_record_serialise(const form *f, const struct record *r, fc_buf *out);
/* How expressions read a form (expr_ctx.schema): every form's fields and
 * repeats, through the public structs above, so hand-built forms work too. */
extern const struct expr_schema form_expr_schema;
const form_choice *form_choice_find(const form_list *l, const char *name);
const char *form_type_name(form_type t);
/* Label in lang, falling back to the other language, then the name. */
const char *form_label(const form_field *fld, int lang);
const char *form_choice_label(const form_choice *c, int lang);

#endif
