/* ui_int.h — private machinery shared by the screens of app/ui/: the one
 * table that maps keys to actions (and gives the help screen and the bottom
 * key line), the screen operations table, the screen stack, and drawing
 * helpers that do wide-character column math. Not a public header. */
#ifndef FIELDCARD_UI_INT_H
#define FIELDCARD_UI_INT_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <libintl.h>
#include <ncurses.h>
#include <stddef.h>
#include <wchar.h>

#include "fieldcard/app.h"
#include "fieldcard/ui.h"

#define _(s) gettext(s)
#define N_(s) (s)

/* Key codes as the core sees them: a character is its code point; a
 * function key (KEY_* from get_wch) is UI_FK(code), above Unicode. */
#define UI_FK(k) (0x1000000 | (k))
#define UI_ESC 27
#define UI_CTRL(c) ((c) & 0x1f)

/* Which screens an action applies to (the help screen lists the actions of
 * the screen it was opened from). */
enum {
	S_HOME = 1 << 0,
	S_LIST = 1 << 1,
	S_CARD = 1 << 2,
	S_FORM = 1 << 3,
	S_REVIEW = 1 << 4,
	S_SYNC = 1 << 5,
	S_HELP = 1 << 6,
	S_DRAFTS = 1 << 7,
	S_FILTER = 1 << 8,
	S_BATCHES = 1 << 9,
	S_CONFLICTS = 1 << 10,
	S_RESOLVE = 1 << 11,
	S_ALL = 0xffff
};

/* The key table: action, up to three default keys, the screens it applies
 * to, its short name on the bottom key line (NULL: not shown there), and its
 * help text. Bindings, help and the key line all come from here. */
#define UI_ACTIONS(X) \
	X(HELP, '?', UI_FK(KEY_F(1)), 0, S_ALL, N_("help"), N_("help")) \
	X(QUIT, 'q', 0, 0, S_ALL & ~S_FORM, N_("quit"), N_("quit (back on inner screens)")) \
	X(BACK, UI_ESC, 0, 0, S_ALL & ~S_HOME, N_("back"), N_("back")) \
	X(UP, UI_FK(KEY_UP), 'k', 0, S_ALL, NULL, N_("move up")) \
	X(DOWN, UI_FK(KEY_DOWN), 'j', 0, S_ALL, NULL, N_("move down")) \
	X(PGUP, UI_FK(KEY_PPAGE), 0, 0, S_ALL, NULL, N_("page up")) \
	X(PGDN, UI_FK(KEY_NPAGE), ' ', 0, S_ALL, NULL, N_("page down")) \
	X(FIRST, UI_FK(KEY_HOME), 'g', 0, S_ALL, NULL, N_("first line / start of field")) \
	X(LAST, UI_FK(KEY_END), 'G', 0, S_ALL, NULL, N_("last line / end of field")) \
	X(LEFT, UI_FK(KEY_LEFT), 0, 0, S_FORM | S_FILTER | S_CARD, NULL, N_("left: cursor, previous choice or section")) \
	X(RIGHT, UI_FK(KEY_RIGHT), 0, 0, S_FORM | S_FILTER | S_CARD, NULL, N_("right: cursor, next choice or section")) \
	X(ENTER, '\n', '\r', UI_FK(KEY_ENTER), S_HOME | S_LIST | S_CARD | S_REVIEW | S_SYNC | S_DRAFTS | S_FILTER | S_FORM | S_CONFLICTS, N_("open"), N_("open / choose / run")) \
	X(NEXT, '\t', 0, 0, S_FORM | S_CARD | S_FILTER, N_("next"), N_("next field or section")) \
	X(PREV, UI_FK(KEY_BTAB), 0, 0, S_FORM | S_CARD | S_FILTER, NULL, N_("previous field or section")) \
	X(SAVE, UI_FK(KEY_F(2)), 0, 0, S_FORM, N_("save"), N_("save")) \
	X(SEARCH, '/', 0, 0, S_LIST, N_("search"), N_("search name, ID number or code")) \
	X(FILTER, 'f', 0, 0, S_LIST, N_("filter"), N_("filters")) \
	X(CHECKS, 'c', 0, 0, S_LIST, N_("check"), N_("only households failing a check (c again or Esc: all)")) \
	X(SORT, 's', 0, 0, S_LIST, N_("sort"), N_("sort: code, name, last visit")) \
	X(NEW, 'n', 0, 0, S_LIST | S_CARD, N_("new"), N_("new household / member / visit")) \
	X(EDIT, 'e', 0, 0, S_CARD, N_("edit"), N_("edit the card")) \
	X(VISIT, 'v', 0, 0, S_HOME | S_LIST | S_CARD, N_("visit"), N_("new visit")) \
	X(LEAVE, 'x', 0, 0, S_CARD, NULL, N_("mark member as left (with reason)")) \
	X(SUBMIT, 'S', 0, 0, S_CARD, N_("submit"), N_("submit for review")) \
	X(REVIEW, 'r', 0, 0, S_HOME, N_("review"), N_("review queue (secretary)")) \
	X(APPROVE, 'a', 0, 0, S_REVIEW, N_("approve"), N_("approve")) \
	X(RETURN, 'r', 0, 0, S_REVIEW, N_("return"), N_("return with a comment")) \
	X(SYNC, 'y', 0, 0, S_HOME, N_("sync"), N_("sync")) \
	X(DRAFTS, 'd', 0, 0, S_HOME, NULL, N_("open drafts")) \
	X(BATCHES, 'b', 0, 0, S_HOME, N_("batches"), N_("incoming batches (county)")) \
	X(CONFLICTS, 'c', 0, 0, S_HOME, N_("conflicts"), N_("open merge conflicts")) \
	X(MERGE, 'm', '\n', '\r', S_BATCHES, N_("merge"), N_("merge the batch into main (county)")) \
	X(OURS, 'o', 0, 0, S_RESOLVE, N_("ours"), N_("keep our value (county)")) \
	X(THEIRS, 't', 0, 0, S_RESOLVE, N_("theirs"), N_("take their value (county)")) \
	X(VALUE, 'e', 0, 0, S_RESOLVE, N_("value"), N_("type a value (county)")) \
	X(DISCARD, 'd', 0, 0, S_DRAFTS, N_("discard"), N_("discard draft")) \
	X(BKSP, UI_FK(KEY_BACKSPACE), 127, 8, S_FORM | S_LIST | S_FILTER, NULL, N_("delete before cursor")) \
	X(DEL, UI_FK(KEY_DC), 0, 0, S_FORM | S_LIST, NULL, N_("delete at cursor")) \
	X(CLEAR, UI_CTRL('u'), 0, 0, S_FORM | S_LIST | S_FILTER, NULL, N_("clear field")) \
	X(REDRAW, UI_CTRL('l'), 0, 0, S_ALL, NULL, N_("redraw the screen"))

typedef enum ui_action {
	ACT_NONE = 0,
#define UI_X(a, k1, k2, k3, sc, short, help) ACT_##a,
	UI_ACTIONS(UI_X)
#undef UI_X
	ACT_TEXT,     /* a printable character for a screen in text mode */
	ACT_RESIZE,
	ACT_IDLE      /* no key for a second (screens flush drafts) */
} ui_action;

/* One line of wide characters being edited (ui_edit.c). */
typedef struct ui_edit {
	wchar_t *buf;
	size_t len, cap, cur;   /* cur: index of the cursor in buf */
	int scroll;             /* first column shown */
} ui_edit;

typedef struct ui ui;

/* A screen: a table of functions over private state the core allocates
 * (state_size bytes, zeroed) and frees after close (tig's view_ops). */
typedef struct ui_screen_ops {
	const char *title;       /* N_() text, shown in the title bar */
	unsigned scope;          /* S_* for key lookup and help */
	size_t state_size;
	/* Load data. Nonzero = do not push (the status line says why). */
	int (*open)(ui *u, void *st, const void *arg);
	/* Draw body lines [top, top+h) from loaded state: no loading here. */
	void (*draw)(ui *u, void *st, int top, int h);
	/* Handle one action; ch is the character for ACT_TEXT. Returns 1 if
	 * handled; otherwise the core applies its default (Esc and q close the
	 * screen, q on the top screen quits). */
	int (*action)(ui *u, void *st, ui_action act, wint_t ch);
	/* Reload after a screen above it closed (may be NULL). */
	void (*resume)(ui *u, void *st);
	void (*close)(ui *u, void *st);
	/* 1 if printable keys are text now, not commands (may be NULL). */
	int (*text_mode)(ui *u, void *st);
} ui_screen_ops;

struct ui {
	fc_app *app;
	int lang;
	int rows, cols;
	int quit;
	char status[512];       /* message line */
	int status_err;
	struct {
		const ui_screen_ops *ops;
		void *st;
	} stack[16];
	int depth;
	int cur_y, cur_x;       /* where draw wants the cursor; -1 = hidden */
	ui_edit *prompt_edit;   /* a prompt on the message line, or NULL */
	const char *prompt_label;
	struct ui_pickbox *pick; /* a list box over the body, or NULL */
	int help_scope;         /* scope the help screen describes */
	const char *help_title;
};

extern const ui_screen_ops ui_home_ops, ui_list_ops, ui_card_ops, ui_form_ops,
	ui_review_ops, ui_sync_ops, ui_help_ops, ui_drafts_ops, ui_batches_ops,
	ui_conflicts_ops, ui_resolve_ops;

/* ---- core (ui_core.c) ---- */
/* Push a screen; returns 0 or nonzero if its open refused. */
int ui_push(ui *u, const ui_screen_ops *ops, const void *arg);
/* Close the top screen; the one below gets resume. */
void ui_pop(ui *u);
void ui_status(ui *u, int is_err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Redraw everything now (used by long operations and prompts). */
void ui_redraw(ui *u);
/* Ask a yes/no question on the message line; 1 for yes. */
int ui_confirm(ui *u, const char *question);
/* Read a line of text on the message line (wide characters); 0 if entered,
 * -1 if cancelled with Esc. *out is the caller's to free. */
int ui_prompt(ui *u, const char *label, const char *initial, char **out);
/* Pick one of n labels in a list box; returns the index or -1 on Esc. */
int ui_pick(ui *u, const char *title, const char *const *labels, int n, int cur);
/* Key name for display ("F1", "Esc", "Tab", "/"). */
const char *ui_key_name(int key, char buf[16]);

/* ---- drawing (ui_draw.c) ---- */
/* Columns a UTF-8 string takes. */
int ui_width(const char *s);
/* Draw UTF-8 s at (y, x) in at most w columns (never splitting a wide
 * character); pads with spaces to w if pad. Returns columns drawn. */
int ui_text(int y, int x, int w, const char *s, int pad);
int ui_textf(int y, int x, int w, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Blank columns [x, x+w) of line y. */
void ui_blank(int y, int x, int w);
/* Byte length of the longest prefix of s that fits in w columns. */
size_t ui_fit(const char *s, int w);
/* Byte length of the next line of s wrapped at w columns: breaks after a
 * space where one is near the end, else at w (never inside a character);
 * at least one character. The caller skips the spaces that follow. */
size_t ui_wrap(const char *s, int w);

/* ---- text editing (ui_edit.c) ---- */
void ui_edit_set(ui_edit *e, const char *utf8);
char *ui_edit_get(const ui_edit *e);   /* caller frees */
void ui_edit_free(ui_edit *e);
/* Apply an editing action; returns 1 if the text changed. */
int ui_edit_action(ui_edit *e, ui_action act, wint_t ch);
/* Draw in w columns at (y, x); returns the screen column of the cursor. */
int ui_edit_draw(ui_edit *e, int y, int x, int w);

/* ---- shared bits ---- */
typedef struct ui_form_arg {
	const char *kind;       /* household, member, visit */
	const char *id;         /* existing record to edit, or NULL for new */
	const char *parent;     /* household id for member/visit */
	const char *village;    /* village for a new household */
	record *draft;          /* resume this draft (the form takes it) */
} ui_form_arg;

typedef struct ui_list_arg {
	const char *village;
	int pick_visit;         /* Enter opens a new visit form, not the card */
	const char *review_state;
} ui_list_arg;

/* Label of a stored value: the choice label(s) in the UI language for
 * selects, yes/no words, else the value. Caller frees. */
char *ui_value_label(ui *u, const form_field *fld, const char *value);
/* Review state in words ("returned" -> its translation); "" for none. */
const char *ui_review_label(const char *state);
/* Human name of a record for lists and prompts (head or member name, visit
 * date), borrowed or "". */
const char *ui_record_name(const record *r);

#endif
