/* buf.c — growable NUL-terminated byte buffer (see include/fieldcard/buf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/buf.h"
#include "fieldcard/util.h"

static char buf_empty[1];

void buf_init(fc_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

static void buf_grow(fc_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, cap = b->cap ? b->cap : 64;

	if (need <= b->cap)
		return;
	while (cap < need)
		cap *= 2;
	b->data = util_realloc(b->data, cap);
	b->cap = cap;
}

void buf_add(fc_buf *b, const void *data, size_t len)
{
	buf_grow(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_adds(fc_buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(fc_buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_printf(fc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_reset(fc_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

const char *buf_cstr(const fc_buf *b)
{
	return b->data ? b->data : buf_empty;
}

char *buf_detach(fc_buf *b)
{
	char *s = b->data ? b->data : util_strdup("");

	buf_init(b);
	return s;
}

void buf_free(fc_buf *b)
{
	free(b->data);
	buf_init(b);
}
