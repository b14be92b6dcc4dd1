/* ui_core.c — the loop of the text UI: the screen stack, the one place that
 * reads keys and maps them to actions (from the UI_ACTIONS table), the frame
 * (title, message line, key line), the terminal-size check, modal prompts,
 * the help screen, and gettext set-up. Screens only ever see actions. */
#include "ui_int.h"

#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/fields.h"
#include "fieldcard/util.h"

#ifndef FC_LOCALE_DIR
#define FC_LOCALE_DIR "/usr/local/share/locale"
#endif

#define MIN_ROWS 10
#define MIN_COLS 40

ui_sync_fn ui_sync_hook = NULL;

static const struct ui_binding {
	ui_action act;
	int keys[3];
	unsigned scope;
	const char *shortname;
	const char *help;
} bindings[] = {
#define UI_X(a, k1, k2, k3, sc, sh, hl) { ACT_##a, { k1, k2, k3 }, sc, sh, hl },
	UI_ACTIONS(UI_X)
#undef UI_X
};
#define NBINDINGS (sizeof(bindings) / sizeof(bindings[0]))

/* A list box drawn over the body by ui_pick. */
struct ui_pickbox {
	const char *title;
	const char *const *labels;
	int n, cur, top;
};

/* ---- i18n ---- */

void ui_i18n_init(int lang)
{
	const char *dir = getenv("FIELDCARD_LOCALEDIR");
	const char *msgs;

	if (!dir || !*dir)
		dir = FC_LOCALE_DIR;
	/* Wide characters need a UTF-8 LC_CTYPE; C.UTF-8 is on every board. */
	if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
	/* gettext ignores LANGUAGE only under the plain "C" locale, so switch
	 * LC_MESSAGES to C.UTF-8 when zh_CN itself is not installed. */
	msgs = setlocale(LC_MESSAGES, NULL);
	if (!msgs || !strcmp(msgs, "C") || !strcmp(msgs, "POSIX"))
		setlocale(LC_MESSAGES, "C.UTF-8");
	setenv("LANGUAGE", lang == FC_LANG_ZH ? "zh_CN" : "en", 1);
	bindtextdomain("fieldcard", dir);
	bind_textdomain_codeset("fieldcard", "UTF-8");
	textdomain("fieldcard");
}

int ui_lang(fc_app *a)
{
	char *v = NULL;
	int lang;

	if (a && a->st && store_meta_get(a->st, "lang", &v, NULL) == 0 && v && *v) {
		lang = !strncmp(v, "zh", 2) ? FC_LANG_ZH : FC_LANG_EN;
		free(v);
		return lang;
	}
	free(v);
	return util_locale_zh() ? FC_LANG_ZH : FC_LANG_EN;
}

/* ---- messages ---- */

void ui_status(ui *u, int is_err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->status, sizeof(u->status), fmt, ap);
	va_end(ap);
	u->status_err = is_err;
}

const char *ui_key_name(int key, char buf[16])
{
	if (key & UI_FK(0)) {
		int k = key & ~UI_FK(0);
		if (k >= KEY_F(1) && k <= KEY_F(12)) {
			snprintf(buf, 16, "F%d", k - KEY_F(0));
			return buf;
		}
		switch (k) {
		case KEY_UP: return "Up";
		case KEY_DOWN: return "Down";
		case KEY_LEFT: return "Left";
		case KEY_RIGHT: return "Right";
		case KEY_PPAGE: return "PgUp";
		case KEY_NPAGE: return "PgDn";
		case KEY_HOME: return "Home";
		case KEY_END: return "End";
		case KEY_BTAB: return "S-Tab";
		case KEY_BACKSPACE: return "Bksp";
		case KEY_DC: return "Del";
		case KEY_ENTER: return "Enter";
		default: snprintf(buf, 16, "key%d", k); return buf;
		}
	}
	switch (key) {
	case '\n': return "Enter";
	case '\r': return "Return";
	case '\t': return "Tab";
	case UI_ESC: return "Esc";
	case ' ': return "Space";
	case 127: return "Bksp";
	default: break;
	}
	if (key < 0x20)
		snprintf(buf, 16, "^%c", key + '@');
	else
		snprintf(buf, 16, "%lc", (wint_t)key);
	return buf;
}

/* ---- keys ---- */

static int printable(int key)
{
	return key >= 0x20 && key != 127 && !(key & UI_FK(0));
}

/* The only mapping from keys to actions. In text mode a printable key is
 * text even when a command is bound to it (typing "q" into a name). */
static ui_action key_action(int key, unsigned scope, int text)
{
	if (text && printable(key))
		return ACT_TEXT;
	for (size_t i = 0; i < NBINDINGS; i++) {
		if (!(bindings[i].scope & scope))
			continue;
		for (int k = 0; k < 3; k++)
			if (bindings[i].keys[k] && bindings[i].keys[k] == key)
				return bindings[i].act;
	}
	return ACT_NONE;
}

/* Escape sequences are decoded here, not by ncurses (keypad is off): ncurses
 * knows only the sequences of the terminal description (none for PgDn under
 * TERM=vt100), gives up after ESCDELAY in the middle of one, and then hands
 * the rest over as typed text. Over SSH on a 2G link the bytes of one key
 * arrive in pieces, so after ESC we wait up to UI_ESC_WAIT_MS for a [ or O
 * (CSI, SS3), and then up to UI_SEQ_WAIT_MS for each further byte. 300 ms
 * takes the 200 ms gaps of a slow link with room to spare. Only this first
 * wait costs anything: a lone Esc acts UI_ESC_WAIT_MS after it is pressed.
 * Nobody types Esc and then [ or O that fast, so after them the rest is a
 * key's, and the longer wait costs nothing in use. See docs/DESIGN.md,
 * "Keys in the text UI". */
#define UI_ESC_WAIT_MS 300
#define UI_SEQ_WAIT_MS 1000
/* Without a key for this long, the loop gets ACT_IDLE (drafts are flushed). */
#define UI_IDLE_MS 1000
/* Room for the bytes of one sequence kept for the "not known" message. */
#define UI_SEQ_MAX 16

/* The only call of get_wch: one key or byte, waiting up to ms. */
static int read_wch(int ms, wint_t *c)
{
	timeout(ms);
	return get_wch(c);
}

/* The next byte of a sequence, waiting up to ms. A resize in the middle
 * is put back for the loop and ends the sequence. */
static int seq_byte(int ms, wint_t *c)
{
	int r = read_wch(ms, c);

	if (r == KEY_CODE_YES) {
		ungetch((int)*c);
		return ERR;
	}
	return r;
}

/* ESC [ n ~ (vt220, xterm, screen, tmux, rxvt): n names the key. */
static int tilde_key(int n)
{
	static const struct { int n, key; } map[] = {
		{ 1, KEY_HOME }, { 2, KEY_IC }, { 3, KEY_DC }, { 4, KEY_END },
		{ 5, KEY_PPAGE }, { 6, KEY_NPAGE }, { 7, KEY_HOME }, { 8, KEY_END },
		{ 11, KEY_F(1) }, { 12, KEY_F(2) }, { 13, KEY_F(3) }, { 14, KEY_F(4) },
		{ 15, KEY_F(5) }, { 17, KEY_F(6) }, { 18, KEY_F(7) }, { 19, KEY_F(8) },
		{ 20, KEY_F(9) }, { 21, KEY_F(10) }, { 23, KEY_F(11) }, { 24, KEY_F(12) },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].n == n)
			return UI_FK(map[i].key);
	return 0;
}

/* ESC [ x or ESC O x with a letter x: cursor keys, Home/End, F1–F4,
 * Shift+Tab; SS3 also the numeric keypad of a terminal left in
 * application-keypad mode (it types its digit). */
static int final_key(int intro, int fin)
{
	static const char pad_in[] = "jklmnopqrstuvwxyX";
	static const char pad_out[] = "*+,-./0123456789=";
	const char *p;

	switch (fin) {
	case 'A': return UI_FK(KEY_UP);
	case 'B': return UI_FK(KEY_DOWN);
	case 'C': return UI_FK(KEY_RIGHT);
	case 'D': return UI_FK(KEY_LEFT);
	case 'H': return UI_FK(KEY_HOME);
	case 'F': return UI_FK(KEY_END);
	case 'P': case 'Q': case 'R': case 'S': return UI_FK(KEY_F(1 + fin - 'P'));
	case 'Z': return UI_FK(KEY_BTAB);
	case 'M': return intro == 'O' ? UI_FK(KEY_ENTER) : 0;
	default: break;
	}
	if (intro == 'O' && (p = strchr(pad_in, fin)) != NULL)
		return pad_out[p - pad_in];
	return 0;
}

/* After ESC: the key of the sequence that follows, UI_ESC for a lone Esc
 * (nothing, or a byte other than [ or O, within the gap; that byte is put
 * back), or 0 for a sequence not known here, consumed whole so none of it
 * turns into text or another action; its bytes are copied to seen. */
static int read_escape(char seen[UI_SEQ_MAX])
{
	wint_t c;
	int intro, n = 0, linux_fk = 0, plain = 1, odd = 0;
	size_t ns = 0;

	seen[0] = 0;
	if (seq_byte(UI_ESC_WAIT_MS, &c) == ERR)
		return UI_ESC;
	if (c != '[' && c != 'O') {
		unget_wch(c);
		return UI_ESC;
	}
	intro = (int)c;
	seen[ns++] = (char)intro;
	seen[ns] = 0;
	for (;;) {
		if (seq_byte(UI_SEQ_WAIT_MS, &c) == ERR)
			return 0;   /* cut short: the gap was longer than we wait */
		if (c < 0x20 || c > 0x7e) {
			/* Not part of a sequence (Enter, a Chinese character):
			 * it is a key of its own. */
			unget_wch(c);
			return 0;
		}
		if (ns < UI_SEQ_MAX - 1) {
			seen[ns++] = (char)c;
			seen[ns] = 0;
		}
		if (intro == '[' && ns == 2 && c == '[') {
			linux_fk = 1;   /* Linux console: ESC [ [ A..E = F1..F5 */
			continue;
		}
		if (c >= 0x40)
			break;      /* the final byte */
		if (c >= '0' && c <= '9') {
			if (plain && n < 1000)
				n = n * 10 + (int)(c - '0');
		} else if (c == ';') {
			plain = 0;  /* a modifier (Shift, Ctrl) follows: ignored */
		} else {
			odd = 1;    /* private (<, ?, >) or intermediate bytes */
		}
	}
	if (odd)
		return 0;
	if (linux_fk)
		return c >= 'A' && c <= 'E' ? UI_FK(KEY_F(1 + (int)c - 'A')) : 0;
	if (c == '~')
		return intro == '[' ? tilde_key(n) : 0;
	return final_key(intro, (int)c);
}

/* Read one key; KEY_RESIZE comes back as ACT_RESIZE, a second without a
 * key as ACT_IDLE. */
static ui_action read_action(ui *u, unsigned scope, int text, wint_t *ch)
{
	wint_t c;
	int r = read_wch(UI_IDLE_MS, &c), key;
	char seen[UI_SEQ_MAX];

	*ch = 0;
	if (r == ERR)
		return ACT_IDLE;
	if (r == KEY_CODE_YES) {
		if (c == KEY_RESIZE) {
			getmaxyx(stdscr, u->rows, u->cols);
			return ACT_RESIZE;
		}
		return key_action(UI_FK((int)c), scope, text);
	}
	if (c != UI_ESC) {
		*ch = c;
		return key_action((int)c, scope, text);
	}
	key = read_escape(seen);
	if (key == 0) {
		/* Say so, or the cadre would wonder why nothing happened. */
		ui_status(u, 1, _("key not known here (Esc %s): nothing done"), seen);
		return ACT_NONE;
	}
	if (!(key & UI_FK(0)))
		*ch = (wint_t)key;
	return key_action(key, scope, text);
}

/* ---- frame ---- */

static int too_small(ui *u)
{
	return u->rows < MIN_ROWS || u->cols < MIN_COLS;
}

/* Keys of another role's work stay out of the bottom line (help still
 * lists them): a cadre is not offered review, only county staff batches. */
static int role_shows(const ui *u, ui_action act)
{
	const char *role = u->app && u->app->role ? u->app->role : "cadre";

	if (act == ACT_REVIEW)
		return !strcmp(role, "secretary") || !strcmp(role, "county");
	if (act == ACT_BATCHES)
		return !strcmp(role, "county");
	return 1;
}

/* The keys of the screen on the bottom line, two spaces apart, or one
 * when that is what it takes to show them all. Returns the width used. */
static int keyline_items(ui *u, unsigned scope, int gap, int draw)
{
	int x = 0;
	char kb[16];

	for (size_t i = 0; i < NBINDINGS; i++) {
		const struct ui_binding *b = &bindings[i];
		char item[128];
		int w;

		if (!b->shortname || !(b->scope & scope))
			continue;
		/* Esc is "back" only where there is something to go back to. */
		if ((b->act == ACT_BACK && u->depth <= 1) || !role_shows(u, b->act))
			continue;
		snprintf(item, sizeof(item), "%s %s", ui_key_name(b->keys[0], kb),
			 _(b->shortname));
		w = ui_width(item);
		if (draw && x + w > u->cols)
			break;
		if (draw)
			ui_text(u->rows - 1, x, w, item, 0);
		x += w + gap;
	}
	return x - gap;
}

static void draw_keyline(ui *u, unsigned scope)
{
	attron(A_REVERSE);
	ui_blank(u->rows - 1, 0, u->cols);
	keyline_items(u, scope, keyline_items(u, scope, 2, 0) > u->cols ? 1 : 2, 1);
	attroff(A_REVERSE);
}

static void draw_pick(ui *u)
{
	struct ui_pickbox *p = u->pick;
	int h = p->n + 2, w = ui_width(p->title) + 4, y0, x0;

	for (int i = 0; i < p->n; i++) {
		int lw = ui_width(p->labels[i]) + 8;
		if (lw > w)
			w = lw;
	}
	if (w > u->cols - 4)
		w = u->cols - 4;
	if (h > u->rows - 4)
		h = u->rows - 4;
	y0 = (u->rows - h) / 2;
	x0 = (u->cols - w) / 2;
	if (p->cur < p->top)
		p->top = p->cur;
	if (p->cur >= p->top + h - 2)
		p->top = p->cur - (h - 3);
	for (int y = 0; y < h; y++)
		ui_blank(y0 + y, x0, w);
	mvhline(y0, x0, '-', w);
	mvhline(y0 + h - 1, x0, '-', w);
	mvvline(y0, x0, '|', h);
	mvvline(y0, x0 + w - 1, '|', h);
	ui_text(y0, x0 + 2, w - 4, p->title, 0);
	for (int i = 0; i < h - 2 && p->top + i < p->n; i++) {
		int k = p->top + i;
		char line[512];
		snprintf(line, sizeof(line), "%2d %s", k + 1, p->labels[k]);
		if (k == p->cur)
			attron(A_REVERSE);
		ui_text(y0 + 1 + i, x0 + 1, w - 2, line, 1);
		if (k == p->cur)
			attroff(A_REVERSE);
	}
}

static const char *role_label(const char *role)
{
	if (!role)
		return "";
	if (!strcmp(role, "cadre")) return _("cadre");
	if (!strcmp(role, "secretary")) return _("secretary");
	if (!strcmp(role, "county")) return _("county");
	return role;
}

void ui_redraw(ui *u)
{
	const ui_screen_ops *ops;
	char title[256];
	int cy = -1, cx = -1;

	getmaxyx(stdscr, u->rows, u->cols);
	erase();
	if (too_small(u)) {
		char msg[128];
		char *cut;
		int y = 0;

		snprintf(msg, sizeof(msg), _("terminal too small: need %d×%d"), MIN_COLS, MIN_ROWS);
		/* Narrower than the sentence (20×5): the size needed goes on a
		 * line of its own, so it is never the part clipped away. */
		cut = util_utf8_width(msg) > u->cols ? strstr(msg, ": ") : NULL;
		if (!cut)
			cut = util_utf8_width(msg) > u->cols ? strstr(msg, "：") : NULL;
		if (cut && u->rows > 1) {
			size_t skip = cut[0] == ':' ? 2 : strlen("：");

			*cut = '\0';
			ui_text(y++, 0, u->cols, msg, 0);
			ui_text(y++, 0, u->cols, cut + skip, 0);
		} else {
			ui_text(y++, 0, u->cols, msg, 0);
		}
		if (u->rows > y) {
			snprintf(msg, sizeof(msg), _("now %d×%d"), u->cols, u->rows);
			ui_text(y, 0, u->cols, msg, 0);
		}
		curs_set(0);
		refresh();
		return;
	}
	if (u->depth == 0)
		return;
	ops = u->stack[u->depth - 1].ops;
	attron(A_REVERSE);
	ui_blank(0, 0, u->cols);
	snprintf(title, sizeof(title), "%s (%s)",
		 u->app->principal ? u->app->principal : "",
		 role_label(u->app->role));
	{
		/* The screen's name first; who is working gets what is left. */
		int w = ui_width(title), lw;
		char name[256];

		snprintf(name, sizeof(name), "fieldcard - %s", _(ops->title));
		lw = ui_text(0, 1, u->cols - 2, name, 0);
		if (w > u->cols - lw - 4)
			w = u->cols - lw - 4;
		if (w > 0)
			ui_text(0, u->cols - w - 1, w, title, 0);
	}
	attroff(A_REVERSE);
	u->cur_y = u->cur_x = -1;
	ops->draw(u, u->stack[u->depth - 1].st, 1, u->rows - 3);
	cy = u->cur_y;
	cx = u->cur_x;
	if (u->pick)
		draw_pick(u);
	if (u->prompt_edit) {
		int lw = ui_text(u->rows - 2, 0, u->cols / 2, u->prompt_label, 0) + 1;
		cx = ui_edit_draw(u->prompt_edit, u->rows - 2, lw, u->cols - lw);
		cy = u->rows - 2;
	} else {
		if (u->status_err)
			attron(A_BOLD);
		ui_text(u->rows - 2, 0, u->cols, u->status, 1);
		if (u->status_err)
			attroff(A_BOLD);
	}
	draw_keyline(u, ops->scope);
	if (cy >= 0 && !u->pick) {
		curs_set(1);
		move(cy, cx);
	} else {
		curs_set(0);
		move(u->rows - 1, u->cols - 1);
	}
	refresh();
}

/* ---- stack ---- */

int ui_push(ui *u, const ui_screen_ops *ops, const void *arg)
{
	void *st;

	if (u->depth >= (int)(sizeof(u->stack) / sizeof(u->stack[0]))) {
		ui_status(u, 1, "%s", _("too many screens open: go back first"));
		return -1;
	}
	st = util_calloc(1, ops->state_size ? ops->state_size : 1);
	if (ops->open && ops->open(u, st, arg) != 0) {
		free(st);
		return -1;
	}
	u->stack[u->depth].ops = ops;
	u->stack[u->depth].st = st;
	u->depth++;
	return 0;
}

void ui_pop(ui *u)
{
	if (u->depth == 0)
		return;
	u->depth--;
	if (u->stack[u->depth].ops->close)
		u->stack[u->depth].ops->close(u, u->stack[u->depth].st);
	free(u->stack[u->depth].st);
	if (u->depth > 0 && u->stack[u->depth - 1].ops->resume)
		u->stack[u->depth - 1].ops->resume(u, u->stack[u->depth - 1].st);
}

/* ---- modal prompts: they read keys through read_action as well ---- */

int ui_confirm(ui *u, const char *question)
{
	char saved[sizeof(u->status)];
	int saved_err = u->status_err, answer = -1;

	memcpy(saved, u->status, sizeof(saved));
	ui_status(u, 0, "%s %s", question, _("(y/n)"));
	while (answer < 0) {
		wint_t ch;
		ui_action a;

		ui_redraw(u);
		a = read_action(u, S_FORM, 1, &ch);
		if (a == ACT_TEXT && (ch == 'y' || ch == 'Y'))
			answer = 1;
		else if ((a == ACT_TEXT && (ch == 'n' || ch == 'N')) || a == ACT_BACK)
			answer = 0;
	}
	memcpy(u->status, saved, sizeof(saved));
	u->status_err = saved_err;
	return answer;
}

int ui_prompt(ui *u, const char *label, const char *initial, char **out)
{
	ui_edit e = { 0 };
	int rc = 1;

	*out = NULL;
	ui_edit_set(&e, initial);
	u->prompt_edit = &e;
	u->prompt_label = label;
	while (rc > 0) {
		wint_t ch;
		ui_action a;

		ui_redraw(u);
		a = read_action(u, S_FORM, 1, &ch);
		if (a == ACT_ENTER) {
			*out = ui_edit_get(&e);
			rc = 0;
		} else if (a == ACT_BACK) {
			rc = -1;
		} else {
			ui_edit_action(&e, a, ch);
		}
	}
	u->prompt_edit = NULL;
	ui_edit_free(&e);
	return rc;
}

int ui_pick(ui *u, const char *title, const char *const *labels, int n, int cur)
{
	struct ui_pickbox p = { title, labels, n, cur < 0 || cur >= n ? 0 : cur, 0 };
	int result = -2, typed = 0;

	if (n <= 0)
		return -1;
	/* Drawn while this call runs; cleared before it returns. */
	// cppcheck-suppress autoVariables
	u->pick = &p;
	while (result == -2) {
		wint_t ch;
		ui_action a;

		ui_redraw(u);
		a = read_action(u, S_FORM, 1, &ch);
		switch (a) {
		case ACT_UP: case ACT_PREV: if (p.cur > 0) p.cur--; typed = 0; break;
		case ACT_DOWN: case ACT_NEXT: if (p.cur < n - 1) p.cur++; typed = 0; break;
		case ACT_PGUP: p.cur = p.cur > 10 ? p.cur - 10 : 0; break;
		case ACT_PGDN: p.cur = p.cur + 10 < n ? p.cur + 10 : n - 1; break;
		case ACT_FIRST: p.cur = 0; break;
		case ACT_LAST: p.cur = n - 1; break;
		case ACT_ENTER: result = p.cur; break;
		case ACT_BACK: result = -1; break;
		case ACT_TEXT:
			/* Digits choose by number; two digits reach past 9. */
			if (ch >= '0' && ch <= '9') {
				int v = typed * 10 + (int)(ch - '0');
				if (v < 1 || v > n)
					v = (int)(ch - '0');
				typed = v;
				if (v >= 1 && v <= n)
					p.cur = v - 1;
				if (v * 10 > n)
					result = p.cur;
			}
			break;
		default: break;
		}
	}
	u->pick = NULL;
	return result;
}

/* ---- help screen: the bindings of the screen it was opened from ---- */

typedef struct help_state {
	unsigned scope;
	const char *of;
	int top;
} help_state;

static int help_open(ui *u, void *vst, const void *arg)
{
	help_state *st = vst;

	(void)arg;
	st->scope = (unsigned)u->help_scope;
	st->of = u->help_title;
	return 0;
}

static void help_draw(ui *u, void *vst, int top, int h)
{
	help_state *st = vst;
	int line = 0, y = top;
	char keys[64], kb[16];
	int kw = u->cols >= 64 ? 22 : 11;   /* key column, narrower on a small terminal */

	ui_textf(y++, 1, u->cols - 2, "%s: %s", _("Keys of this screen"), _(st->of));
	for (size_t i = 0; i < NBINDINGS && y < top + h; i++) {
		const struct ui_binding *b = &bindings[i];
		if (!(b->scope & st->scope))
			continue;
		if (line++ < st->top)
			continue;
		keys[0] = 0;
		for (int k = 0; k < 3; k++) {
			if (!b->keys[k])
				continue;
			if (keys[0])
				strncat(keys, ", ", sizeof(keys) - strlen(keys) - 1);
			strncat(keys, ui_key_name(b->keys[k], kb), sizeof(keys) - strlen(keys) - 1);
		}
		ui_text(y, 2, kw, keys, 0);
		ui_text(y, 3 + kw, u->cols - 4 - kw, _(b->help), 0);
		y++;
	}
	if (st->scope & S_FORM && y < top + h)
		ui_text(y, 2, u->cols - 3,
			_("In a form, type to fill the field; choices by number or Left/Right, Space toggles."),
			0);
}

static int help_action(ui *u, void *vst, ui_action act, wint_t ch)
{
	help_state *st = vst;

	(void)u;
	(void)ch;
	if (act == ACT_DOWN || act == ACT_PGDN)
		st->top++;
	else if ((act == ACT_UP || act == ACT_PGUP) && st->top > 0)
		st->top--;
	else
		return 0;
	return 1;
}

const ui_screen_ops ui_help_ops = {
	N_("help"), S_HELP, sizeof(help_state),
	help_open, help_draw, help_action, NULL, NULL, NULL
};

/* ---- the loop ---- */

static int drafts_open_count(ui *u)
{
	int n = 0;

	for (int i = 0; i < u->depth; i++)
		if (u->stack[i].ops == &ui_form_ops)
			n++;
	return n;
}

static int count_cb(const record *r, void *ud)
{
	(void)r;
	(*(int *)ud)++;
	return 0;
}

static void try_quit(ui *u)
{
	int n = drafts_open_count(u);

	if (u->app->st)
		store_draft_each(u->app->st, count_cb, &n, NULL);
	if (n > 0) {
		char q[256];
		snprintf(q, sizeof(q),
			 _("%d draft(s) open; they are kept for next time. Quit?"), n);
		if (!ui_confirm(u, q))
			return;
	}
	u->quit = 1;
}

static void dispatch(ui *u, ui_action a, wint_t ch)
{
	const ui_screen_ops *ops = u->stack[u->depth - 1].ops;
	void *st = u->stack[u->depth - 1].st;

	if (a == ACT_HELP && ops != &ui_help_ops) {
		u->help_scope = (int)ops->scope;
		u->help_title = ops->title;
		ui_push(u, &ui_help_ops, NULL);
		return;
	}
	if (a == ACT_REDRAW) {
		clearok(curscr, TRUE);
		return;
	}
	if (ops->action && ops->action(u, st, a, ch))
		return;
	if (a == ACT_QUIT && u->depth == 1)
		try_quit(u);
	else if ((a == ACT_QUIT || a == ACT_BACK) && u->depth > 1)
		ui_pop(u);
}

static int draft_any_cb(const record *r, void *ud)
{
	(void)r;
	*(int *)ud = 1;
	return 1;
}

/* SIGHUP (the SSH session dropped) or SIGTERM: the signal, for the loop
 * to keep the draft, restore the terminal and stop. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

int ui_stopped_by(void)
{
	return (int)stop_signal;
}

/* Without SA_RESTART, so that the wait for a key returns at once. */
static void catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* A terminal that cannot move the cursor (TERM=dumb, a printing
 * terminal) would get every screen as a stream of lines: say so instead. */
static int can_address(void)
{
	const char *cup = tigetstr("cup");

	return cup && cup != (const char *)-1;
}

int ui_run(fc_app *a, fc_err *err)
{
	ui u;
	SCREEN *scr;
	const char *term = getenv("TERM");

	memset(&u, 0, sizeof(u));
	u.app = a;
	u.lang = ui_lang(a);
	ui_i18n_init(u.lang);
	if (!term || !*term)
		return fc_err_set(err, FC_ERROR, "%s",
				  _("cannot start the text UI: TERM is not set (try TERM=xterm or "
				    "TERM=vt100); every command works without it"));
	scr = newterm(NULL, stdout, stdin);
	if (!scr)
		return fc_err_set(err, FC_ERROR,
				  _("cannot start the text UI: TERM=%s is not a terminal this system "
				    "knows (try TERM=xterm or TERM=vt100); every command works without it"),
				  term);
	if (!can_address()) {
		endwin();
		delscreen(scr);
		return fc_err_set(err, FC_ERROR,
				  _("cannot start the text UI: the terminal TERM=%s cannot move the "
				    "cursor (try TERM=xterm or TERM=vt100); every command works without it"),
				  term);
	}
	set_term(scr);
	stop_signal = 0;
	catch_stop();
	cbreak();
	noecho();
	nonl();
	/* Keypad off: read_action decodes escape sequences itself, the same
	 * for every TERM and however the bytes are split in time. */
	keypad(stdscr, FALSE);
	getmaxyx(stdscr, u.rows, u.cols);

	if (ui_push(&u, &ui_home_ops, NULL) == 0) {
		int any = 0;
		store_draft_each(a->st, draft_any_cb, &any, NULL);
		if (any)
			ui_push(&u, &ui_drafts_ops, NULL);
	}
	while (!u.quit && u.depth > 0) {
		const ui_screen_ops *ops;
		void *st;
		ui_action act;
		wint_t ch;
		int text;

		ui_redraw(&u);
		ops = u.stack[u.depth - 1].ops;
		st = u.stack[u.depth - 1].st;
		text = ops->text_mode ? ops->text_mode(&u, st) : 0;
		act = read_action(&u, ops->scope, text, &ch);
		if (stop_signal) {
			/* The draft first (the form saves it on idle), then out. */
			if (ops->action)
				ops->action(&u, st, ACT_IDLE, 0);
			break;
		}
		if (act == ACT_RESIZE)
			continue;
		if (act == ACT_IDLE) {
			if (ops->action)
				ops->action(&u, st, ACT_IDLE, 0);
			continue;
		}
		/* Below the minimum size only q (quit) and resizing do anything. */
		if (too_small(&u) && act != ACT_QUIT)
			continue;
		if (act == ACT_NONE)
			continue;
		dispatch(&u, act, ch);
	}
	while (u.depth > 0) {
		u.depth--;
		if (u.stack[u.depth].ops->close)
			u.stack[u.depth].ops->close(&u, u.stack[u.depth].st);
		free(u.stack[u.depth].st);
	}
	endwin();
	delscreen(scr);
	return 0;
}

/* ---- shared helpers ---- */

char *ui_value_label(ui *u, const form_field *fld, const char *value)
{
	fc_buf b = FC_BUF_INIT;

	if (!value || !*value || !fld)
		return util_strdup(value ? value : "");
	switch (fld->type) {
	case FT_YESNO:
		if (!strcmp(value, C_YES))
			return util_strdup(_("yes"));
		if (!strcmp(value, C_NO))
			return util_strdup(_("no"));
		break;
	case FT_SELECT_ONE:
		if (fld->list) {
			const form_choice *c = form_choice_find(fld->list, value);
			if (c)
				return util_strdup(form_choice_label(c, u->lang));
		}
		break;
	case FT_SELECT_MULTIPLE:
		if (fld->list) {
			char **parts = util_split(value, ' ');
			for (size_t i = 0; parts && parts[i]; i++) {
				const form_choice *c;
				if (!*parts[i])
					continue;
				c = form_choice_find(fld->list, parts[i]);
				if (b.len)
					buf_adds(&b, ", ");
				buf_adds(&b, c ? form_choice_label(c, u->lang) : parts[i]);
			}
			util_strv_free(parts);
			return buf_detach(&b);
		}
		break;
	default:
		break;
	}
	return util_strdup(value);
}

const char *ui_review_label(const char *state)
{
	if (!state || !*state)
		return "";
	if (!strcmp(state, "draft")) return _("draft");
	if (!strcmp(state, "submitted")) return _("submitted");
	if (!strcmp(state, "approved")) return _("approved");
	if (!strcmp(state, "returned")) return _("returned");
	if (!strcmp(state, "merged")) return _("merged");
	return state;
}

const char *ui_record_name(const record *r)
{
	if (!r)
		return "";
	if (!strcmp(r->kind, K_HOUSEHOLD))
		return record_val(r, F_HEAD_NAME);
	if (!strcmp(r->kind, K_MEMBER))
		return record_val(r, F_M_NAME);
	if (!strcmp(r->kind, K_VISIT))
		return record_val(r, F_V_DATE);
	if (!strcmp(r->kind, K_FLAG))
		return record_val(r, F_FLAG_KIND);
	return "";
}
