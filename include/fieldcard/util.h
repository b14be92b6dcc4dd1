/* util.h — small helpers shared by every module: memory, strings, UTF-8,
 * offline IDs, time, files, byte counts and the locale's language. */
#ifndef FIELDCARD_UTIL_H
#define FIELDCARD_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "fieldcard/err.h"

/* Allocation that aborts on failure (see buf.h for why). */
void *util_malloc(size_t n);
void *util_calloc(size_t n, size_t size);
void *util_realloc(void *p, size_t n);
char *util_strdup(const char *s);          /* NULL stays NULL */
char *util_strndup(const char *s, size_t n);
char *util_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 if s[0..len) is valid UTF-8 (no overlongs, no surrogates); on failure
 * *bad_offset (if not NULL) is the byte offset of the first bad byte. */
int util_utf8_valid(const char *s, size_t len, size_t *bad_offset);
/* Display width in terminal columns of a UTF-8 string (CJK = 2). */
int util_utf8_width(const char *s);

/* A new ULID (26 chars Crockford base32 + NUL): 48-bit ms time, 80 random
 * bits from libsodium's randombytes; monotonic within one process. */
#define UTIL_ULID_LEN 26
void util_ulid(char out[UTIL_ULID_LEN + 1]);
int util_ulid_valid(const char *s);

/* Current time. FIELDCARD_NOW (ISO 8601, e.g. 2026-11-23T10:00:00Z) overrides
 * it, for reproducible tests and demos. */
long long util_now(void);                    /* seconds since epoch */
void util_now_iso(char out[32]);             /* 2026-11-23T10:00:00Z */
void util_today(char out[11]);               /* 2026-11-23 */

/* Files. */
int util_read_file(const char *path, char **out, size_t *len, fc_err *err);
/* Write via temp file + fsync + rename + fsync(dir). mode e.g. 0600. */
int util_write_file_atomic(const char *path, const void *data, size_t len,
			   int mode, fc_err *err);
/* fsync the folder that holds path, so that a rename into it survives a
 * power cut; 0, or -1 (best effort: callers may ignore it). */
int util_fsync_dir_of(const char *path);
int util_mkdir_p(const char *path, int mode, fc_err *err);
int util_file_exists(const char *path);
/* Remove a file or a folder with everything in it; a missing path is fine. */
int util_rm_rf(const char *path, fc_err *err);

/* Split "a,b,c" into a NULL-terminated array; free with util_strv_free. */
char **util_split(const char *s, char sep);
/* Like util_split but keeps empty fields: "a\t\tb" gives 3 (column data,
 * where an empty column is a value). */
char **util_split_all(const char *s, char sep);
void util_strv_free(char **v);
size_t util_strv_len(char *const *v);

/* Bytes for a person, into out: "512 B", "1.5 KiB", "3.2 MiB". */
void util_human_bytes(size_t n, char *out, size_t len);

/* 1 if the locale environment asks for Chinese: the first of LANGUAGE,
 * LC_ALL, LC_MESSAGES and LANG that is set begins with "zh". */
int util_locale_zh(void);

/* Mask an ID number for display and logs: first 6 and last 4 characters,
 * the rest '*'. Never log a full ID number. Caller frees. */
char *util_mask_id(const char *id);
/* The value of a hexadecimal digit (either case), -1 if c is none. */
int util_hex_digit(char c);

#endif
