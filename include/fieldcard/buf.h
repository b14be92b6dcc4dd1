/* buf.h — a growable byte buffer, always NUL-terminated (git's strbuf). */
#ifndef FIELDCARD_BUF_H
#define FIELDCARD_BUF_H

#include <stddef.h>

typedef struct fc_buf {
	char *data; /* NUL-terminated; "" (static) until something is added */
	size_t len;
	size_t cap;
} fc_buf;

#define FC_BUF_INIT { NULL, 0, 0 }

void buf_init(fc_buf *b);
/* All appenders abort() on out-of-memory: a cadre's device cannot recover
 * from it and the store is transactional, so nothing saved is lost. */
void buf_add(fc_buf *b, const void *data, size_t len);
void buf_adds(fc_buf *b, const char *s);
void buf_addc(fc_buf *b, char c);
void buf_printf(fc_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_reset(fc_buf *b);              /* len = 0, keeps memory */
const char *buf_cstr(const fc_buf *b);  /* never NULL */
char *buf_detach(fc_buf *b);            /* caller frees; b is reset */
void buf_free(fc_buf *b);

#endif
