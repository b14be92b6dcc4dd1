/* ui_draw.c — drawing helpers with wide-character column math: Chinese
 * characters take two columns, and a string is clipped at a column limit
 * without ever splitting one. Everything drawn goes through here. */
#include "ui_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decode one UTF-8 character; returns its length (1 for a bad byte, which
 * comes back as U+FFFD so a broken value never derails the layout). */
static size_t dec(const char *s, wchar_t *wc)
{
	mbstate_t ps;
	size_t n;

	memset(&ps, 0, sizeof(ps));
	n = mbrtowc(wc, s, MB_CUR_MAX, &ps);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*wc = 0xfffd;
		return 1;
	}
	return n;
}

static int wcw(wchar_t wc)
{
	int w;

	if (wc == L'\t' || wc == L'\n' || wc == L'\r')
		return 1;
	w = wcwidth(wc);
	return w < 0 ? 1 : w;
}

int ui_width(const char *s)
{
	int w = 0;
	wchar_t wc;

	while (s && *s) {
		s += dec(s, &wc);
		w += wcw(wc);
	}
	return w;
}

size_t ui_fit(const char *s, int w)
{
	const char *p = s;
	wchar_t wc;
	int used = 0;

	if (!s)
		return 0;
	while (*p) {
		size_t n = dec(p, &wc);
		int cw = wcw(wc);
		if (used + cw > w)
			break;
		used += cw;
		p += n;
	}
	return (size_t)(p - s);
}

size_t ui_wrap(const char *s, int w)
{
	size_t n = ui_fit(s, w), cut;
	wchar_t wc;

	if (!s || !*s)
		return 0;
	/* Always move on, even when one character is wider than the line. */
	if (n == 0)
		return dec(s, &wc);
	if (!s[n] || s[n] == ' ')
		return n;
	/* Break after the last space, so that a number or a word stays whole,
	 * unless that would leave most of the line empty. */
	for (cut = n; cut > 0 && s[cut - 1] != ' '; cut--)
		;
	return cut > n / 2 ? cut : n;
}

void ui_blank(int y, int x, int w)
{
	if (w <= 0)
		return;
	mvhline(y, x, ' ', w);
}

int ui_text(int y, int x, int w, const char *s, int pad)
{
	wchar_t out[256];
	int used = 0, n = 0;
	wchar_t wc;

	if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	while (s && *s && n < (int)(sizeof(out) / sizeof(out[0])) - 1) {
		s += dec(s, &wc);
		int cw = wcw(wc);
		/* Control characters (a value's line breaks) show as one space. */
		if (wc < 0x20 || wc == 0x7f || wcwidth(wc) < 0) {
			wc = L' ';
			cw = 1;
		}
		if (used + cw > w)
			break;
		out[n++] = wc;
		used += cw;
	}
	out[n] = 0;
	if (n)
		mvaddnwstr(y, x, out, n);
	if (pad && used < w)
		ui_blank(y, x + used, w - used);
	return used;
}

int ui_textf(int y, int x, int w, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return ui_text(y, x, w, buf, 0);
}
