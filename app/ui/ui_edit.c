/* ui_edit.c — a one-line editor over wide characters: insert, delete, move
 * and draw with horizontal scrolling, counting columns with wcwidth so the
 * cursor lands in the right place after Chinese characters. */
#include "ui_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/util.h"

static void reserve(ui_edit *e, size_t n)
{
	if (n + 1 <= e->cap)
		return;
	e->cap = (n + 1) * 2;
	e->buf = util_realloc(e->buf, e->cap * sizeof(wchar_t));
}

void ui_edit_set(ui_edit *e, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	mbstate_t ps;
	size_t i = 0;

	reserve(e, n);
	e->len = 0;
	memset(&ps, 0, sizeof(ps));
	while (s && i < n) {
		wchar_t wc;
		size_t k = mbrtowc(&wc, s + i, n - i, &ps);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&ps, 0, sizeof(ps));
			wc = 0xfffd;
			k = 1;
		}
		e->buf[e->len++] = wc;
		i += k;
	}
	e->buf[e->len] = 0;
	e->cur = e->len;
	e->scroll = 0;
}

char *ui_edit_get(const ui_edit *e)
{
	char *out = util_malloc(e->len * MB_LEN_MAX + 1);
	size_t o = 0;
	mbstate_t ps;

	memset(&ps, 0, sizeof(ps));
	for (size_t i = 0; i < e->len; i++) {
		size_t k = wcrtomb(out + o, e->buf[i], &ps);
		if (k == (size_t)-1) {
			memset(&ps, 0, sizeof(ps));
			continue;
		}
		o += k;
	}
	out[o] = 0;
	return out;
}

void ui_edit_free(ui_edit *e)
{
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

int ui_edit_action(ui_edit *e, ui_action act, wint_t ch)
{
	switch (act) {
	case ACT_TEXT:
		reserve(e, e->len + 1);
		memmove(e->buf + e->cur + 1, e->buf + e->cur,
			(e->len - e->cur) * sizeof(wchar_t));
		e->buf[e->cur++] = (wchar_t)ch;
		e->buf[++e->len] = 0;
		return 1;
	case ACT_BKSP:
		if (e->cur == 0)
			return 0;
		e->cur--;
		/* fallthrough */
	case ACT_DEL:
		if (e->cur >= e->len)
			return 0;
		memmove(e->buf + e->cur, e->buf + e->cur + 1,
			(e->len - e->cur) * sizeof(wchar_t));
		e->len--;
		return 1;
	case ACT_CLEAR:
		if (!e->len)
			return 0;
		e->len = e->cur = 0;
		e->buf[0] = 0;
		return 1;
	case ACT_LEFT:
		if (e->cur > 0)
			e->cur--;
		return 0;
	case ACT_RIGHT:
		if (e->cur < e->len)
			e->cur++;
		return 0;
	case ACT_FIRST:
		e->cur = 0;
		return 0;
	case ACT_LAST:
		e->cur = e->len;
		return 0;
	default:
		return 0;
	}
}

static int colw(wchar_t c)
{
	int w = wcwidth(c);
	return w < 0 ? 1 : w;
}

int ui_edit_draw(ui_edit *e, int y, int x, int w)
{
	int curcol = 0, col = 0;

	if (w <= 1)
		return x;
	for (size_t i = 0; i < e->cur; i++)
		curcol += colw(e->buf[i]);
	/* Keep the cursor inside the window, one column spare at the end. */
	if (curcol < e->scroll)
		e->scroll = curcol;
	if (curcol > e->scroll + w - 1)
		e->scroll = curcol - (w - 1);
	ui_blank(y, x, w);
	move(y, x);
	for (size_t i = 0; i < e->len; i++) {
		int cw = colw(e->buf[i]);
		if (col >= e->scroll && col + cw <= e->scroll + w) {
			wchar_t one[2] = { e->buf[i], 0 };
			if (one[0] < 0x20)
				one[0] = L' ';
			mvaddnwstr(y, x + col - e->scroll, one, 1);
		}
		col += cw;
	}
	return x + curcol - e->scroll;
}
