/* util.c — memory, strings, UTF-8, ULIDs, time and files shared by every
 * module (see include/fieldcard/util.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <sodium.h>

#include "fieldcard/crash.h"
#include "fieldcard/util.h"

void *util_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

void *util_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		abort();
	return p;
}

void *util_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		abort();
	return q;
}

char *util_strdup(const char *s)
{
	return s ? util_strndup(s, strlen(s)) : NULL;
}

char *util_strndup(const char *s, size_t n)
{
	char *p = util_malloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *util_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	s = util_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

int util_utf8_valid(const char *str, size_t len, size_t *bad_offset)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t need;
		unsigned cp, min;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			need = 1; cp = c & 0x1f; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2; cp = c & 0x0f; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3; cp = c & 0x07; min = 0x10000;
		} else {
			goto bad;
		}
		if (i + need >= len)
			goto bad;
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += need + 1;
	}
	return 1;
bad:
	if (bad_offset)
		*bad_offset = i;
	return 0;
}

int util_utf8_width(const char *s)
{
	mbstate_t st;
	int w = 0;

	memset(&st, 0, sizeof(st));
	while (*s) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		int cw;

		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			/* Not decodable in this locale: count it as one column. */
			memset(&st, 0, sizeof(st));
			s++;
			w++;
			continue;
		}
		cw = wcwidth(wc);
		w += cw < 0 ? 1 : cw;
		s += n;
	}
	return w;
}

static const char ulid_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void util_ulid(char out[UTIL_ULID_LEN + 1])
{
	static unsigned long long last_ms;
	static unsigned char last_rand[10];
	unsigned char bytes[16];
	struct timeval tv;
	unsigned long long ms;
	int i;

	if (sodium_init() < 0)
		abort();
	gettimeofday(&tv, NULL);
	ms = (unsigned long long)tv.tv_sec * 1000ULL + (unsigned long long)tv.tv_usec / 1000ULL;
	if (ms <= last_ms) {
		/* Same millisecond: increment the random part so IDs stay ordered. */
		ms = last_ms;
		for (i = 9; i >= 0; i--)
			if (++last_rand[i] != 0)
				break;
	} else {
		randombytes_buf(last_rand, sizeof(last_rand));
		last_rand[0] &= 0x7f; /* room to increment without overflow */
	}
	last_ms = ms;
	for (i = 0; i < 6; i++)
		bytes[i] = (unsigned char)(ms >> (8 * (5 - i)));
	memcpy(bytes + 6, last_rand, 10);
	/* 128 bits -> 26 base32 chars, the first carrying the top 3 bits. */
	for (i = 0; i < 26; i++) {
		int bit = i * 5 - 2; /* bit offset of this char in the 128-bit value */
		unsigned v = 0;

		for (int k = 0; k < 5; k++) {
			int b = bit + k;

			v <<= 1;
			if (b >= 0 && b < 128)
				v |= (bytes[b / 8] >> (7 - b % 8)) & 1;
		}
		out[i] = ulid_alphabet[v];
	}
	out[26] = '\0';
}

int util_ulid_valid(const char *s)
{
	size_t i;

	if (!s || strlen(s) != UTIL_ULID_LEN)
		return 0;
	if (s[0] > '7')
		return 0;
	for (i = 0; i < UTIL_ULID_LEN; i++)
		if (!strchr(ulid_alphabet, s[i]))
			return 0;
	return 1;
}

long long util_now(void)
{
	const char *fixed = getenv("FIELDCARD_NOW");

	if (fixed && *fixed) {
		struct tm tm;

		memset(&tm, 0, sizeof(tm));
		if (strptime(fixed, "%Y-%m-%dT%H:%M:%S", &tm) ||
		    strptime(fixed, "%Y-%m-%d", &tm))
			return (long long)timegm(&tm);
	}
	return (long long)time(NULL);
}

void util_now_iso(char out[32])
{
	time_t t = (time_t)util_now();
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void util_today(char out[11])
{
	time_t t = (time_t)util_now();
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

int util_read_file(const char *path, char **out, size_t *len, fc_err *err)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t cap = 0, n = 0;

	*out = NULL;
	if (len)
		*len = 0;
	if (!f)
		return fc_err_set(err, errno == ENOENT ? FC_ENOTFOUND : FC_ERROR,
				  "%s: %s", path, strerror(errno));
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			data = util_realloc(data, cap + 1);
		}
		got = fread(data + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		free(data);
		return fc_err_set(err, FC_ERROR, "%s: %s", path, strerror(e));
	}
	fclose(f);
	data[n] = '\0';
	*out = data;
	if (len)
		*len = n;
	return FC_OK;
}

int util_fsync_dir_of(const char *path)
{
	char *dir = util_strdup(path), *slash = strrchr(dir, '/');
	int fd, rc = 0;

	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		rc = fsync(fd);
		close(fd);
	}
	free(dir);
	return rc;
}

int util_write_file_atomic(const char *path, const void *data, size_t len,
			   int mode, fc_err *err)
{
	char *tmp = util_asprintf("%s.tmp.%ld", path, (long)getpid());
	const char *p = data;
	size_t left = len;
	int fd, rc = FC_ERROR;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0) {
		fc_err_set(err, FC_ERROR, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	while (left) {
		ssize_t w = write(fd, p, left);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			fc_err_set(err, FC_ERROR, "%s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			goto out;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fchmod(fd, (mode_t)mode) < 0 || fsync(fd) < 0) {
		fc_err_set(err, FC_ERROR, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	FC_CRASH_POINT("file.rename");
	if (rename(tmp, path) < 0) {
		fc_err_set(err, FC_ERROR, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	util_fsync_dir_of(path);
	FC_CRASH_POINT("file.renamed");
	rc = FC_OK;
out:
	free(tmp);
	return rc;
}

int util_mkdir_p(const char *path, int mode, fc_err *err)
{
	char *p = util_strdup(path);
	int rc = FC_OK;

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
				rc = fc_err_set(err, FC_ERROR, "%s: %s", p, strerror(errno));
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return rc;
}

int util_file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int util_rm_rf(const char *path, fc_err *err)
{
	if (!util_file_exists(path))
		return FC_OK;
	if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		return fc_err_set(err, FC_ERROR, "cannot remove %s: %s", path, strerror(errno));
	return FC_OK;
}

/* keep_empty: an empty field between two separators is a value. */
static char **split(const char *s, char sep, int keep_empty)
{
	size_t n = 1, i = 0;
	char **v;
	const char *p;

	for (p = s; *p; p++)
		if (*p == sep)
			n++;
	v = util_calloc(n + 1, sizeof(*v));
	if (!*s && !keep_empty)
		return v;
	for (p = s;; ) {
		const char *e = strchr(p, sep);
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l || keep_empty)
			v[i++] = util_strndup(p, l);
		if (!e)
			break;
		p = e + 1;
	}
	v[i] = NULL;
	return v;
}

char **util_split(const char *s, char sep)
{
	return split(s, sep, 0);
}

char **util_split_all(const char *s, char sep)
{
	return split(s, sep, 1);
}

void util_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t util_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

char *util_mask_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	char *m;

	if (n <= 10) {
		m = util_malloc(n + 1);
		memset(m, '*', n);
		m[n] = '\0';
		return m;
	}
	m = util_strdup(id);
	for (size_t i = 6; i < n - 4; i++)
		m[i] = '*';
	return m;
}

void util_human_bytes(size_t n, char *out, size_t len)
{
	if (n < 1024)
		snprintf(out, len, "%zu B", n);
	else if (n < 1024 * 1024)
		snprintf(out, len, "%.1f KiB", (double)n / 1024.0);
	else
		snprintf(out, len, "%.1f MiB", (double)n / (1024.0 * 1024.0));
}

int util_locale_zh(void)
{
	/* gettext's order: the first one set decides. */
	static const char *const vars[] = { "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v)
			return strncmp(v, "zh", 2) == 0;
	}
	return 0;
}

int util_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
