/* fuzz.h — what the libFuzzer targets in tests/fuzz/ share: a scratch
 * folder of the process (on /dev/shm when there is one, so that a target
 * that must read a file or a folder pays little for it), writing an input
 * there, splitting an input into the files it stands for, and the shipped
 * forms. Header-only: each target is one file, fuzz_X.c, built by `make
 * fuzz` with clang -fsanitize=fuzzer,address,undefined against the same
 * layer archives as the program (docs/DESIGN.md, "Hardening"). */
#ifndef FIELDCARD_FUZZ_H
#define FIELDCARD_FUZZ_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fieldcard/app.h"
#include "fieldcard/err.h"
#include "fieldcard/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char fz_scratch[64];

static inline void fz_cleanup(void)
{
	if (fz_scratch[0])
		util_rm_rf(fz_scratch, NULL);
}

/* The process's scratch folder, made on first use, removed at exit. */
static inline const char *fz_dir(void)
{
	if (!fz_scratch[0]) {
		const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

		snprintf(fz_scratch, sizeof(fz_scratch), "%s/fcfuzz.XXXXXX", base);
		if (!mkdtemp(fz_scratch))
			abort();
		atexit(fz_cleanup);
	}
	return fz_scratch;
}

/* "SCRATCH/name", into a static buffer of the caller's (cap bytes). */
static inline const char *fz_path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", fz_dir(), name);
	return out;
}

/* Write data to path (mode), replacing what was there. Aborts on failure:
 * the scratch folder is ours, so a failure there is the harness's. */
static inline void fz_write(const char *path, const void *data, size_t n, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	const char *p = data;

	if (fd < 0)
		abort();
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			abort();
		p += w;
		n -= (size_t)w;
	}
	if (fchmod(fd, (mode_t)mode) != 0)
		abort();
	close(fd);
}

/* Split an input at NUL bytes into at most max parts (the last takes the
 * rest, NULs and all); parts not present are empty. Returns how many the
 * input held. */
static inline size_t fz_split(const uint8_t *d, size_t n, const uint8_t **part, size_t *len,
		       size_t max)
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i < max; i++) {
		part[i] = d + n;
		len[i] = 0;
	}
	for (size_t i = 0; i <= n && k < max; i++) {
		if (i == n || (d[i] == 0 && k < max - 1)) {
			part[k] = d + start;
			len[k] = i - start;
			k++;
			start = i + 1;
		}
	}
	return k;
}

/* A NUL-terminated copy (caller frees). */
static inline char *fz_cstr(const uint8_t *d, size_t n)
{
	char *s = util_malloc(n + 1);

	memcpy(s, d, n);
	s[n] = 0;
	return s;
}

/* Quiet, fixed days: FIELDCARD_NOW as the tests set it, the shipped forms
 * unless FIELDCARD_FORMS says otherwise. */
static inline void fz_env(void)
{
	setenv("FIELDCARD_NOW", "2026-11-23T10:00:00Z", 0);
	if (!getenv("FIELDCARD_FORMS") && access("forms/household/survey.csv", R_OK) == 0)
		setenv("FIELDCARD_FORMS", "forms", 0);
}

#endif
