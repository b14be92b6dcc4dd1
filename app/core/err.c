/* err.c — the shared error object (see include/fieldcard/err.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fieldcard/err.h"

int fc_err_set(fc_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int fc_err_prefix(fc_err *err, const char *fmt, ...)
{
	char head[512], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return FC_ERROR;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	{
		/* Keep the head whole; the tail may be cut at the buffer's end. */
		size_t hl = strlen(head), ol = strlen(old);

		if (hl >= sizeof(err->msg))
			hl = sizeof(err->msg) - 1;
		if (hl + ol >= sizeof(err->msg))
			ol = sizeof(err->msg) - 1 - hl;
		memcpy(err->msg, head, hl);
		memcpy(err->msg + hl, old, ol);
		err->msg[hl + ol] = '\0';
	}
	return err->code;
}

void fc_err_clear(fc_err *err)
{
	if (!err)
		return;
	err->code = FC_OK;
	err->msg[0] = '\0';
}

int fc_err_exit_code(int code)
{
	switch (code) {
	case FC_OK:
		return 0;
	case FC_EUSAGE:
		return 2;
	case FC_ECONFLICT:
		return 3;
	case FC_EOFFLINE:
		return 4;
	default:
		return 1;
	}
}
