/* err.h — the error object every module fills, and the codes it returns.
 *
 * Convention (libgit2 style): functions return int, 0 on success, a named
 * negative code for an expected outcome, FC_ERROR otherwise, and fill the
 * caller's fc_err with a message a person can act on (what and where: file
 * and line, record and field, commit and reason). Pass errors up unchanged;
 * add context with fc_err_prefix. A NULL fc_err is allowed everywhere. */
#ifndef FIELDCARD_ERR_H
#define FIELDCARD_ERR_H

#include <stddef.h>

#define FC_OK 0
#define FC_ERROR (-1)      /* anything else: I/O, database, library failure */
#define FC_ENOTFOUND (-2)  /* the thing asked for does not exist */
#define FC_ECONFLICT (-3)  /* unresolved conflicts remain, or verification failed */
#define FC_EOFFLINE (-4)   /* the remote could not be reached */
#define FC_EINVALID (-5)   /* bad input (file, record, field, value) */
#define FC_EUSAGE (-6)     /* wrong command-line use */

/* The languages messages and labels come in (the forms' ::zh and ::en). */
enum { FC_LANG_ZH = 0, FC_LANG_EN = 1, FC_NLANG = 2 };

typedef struct fc_err {
	int code;
	char msg[1024];
} fc_err;

/* Set the message (printf-style) and code; returns code so callers can
 * write `return fc_err_set(err, FC_EINVALID, "...")`. */
int fc_err_set(fc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend context ("import.csv:12: ") to the existing message; returns the
 * stored code. */
int fc_err_prefix(fc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void fc_err_clear(fc_err *err);

/* Exit code of CLI.md for an error code: 1 bad input, 2 usage, 3 conflict or
 * verification, 4 offline, 1 otherwise. */
int fc_err_exit_code(int code);

#endif
