/* compare_kinds.c — forms/compare.csv, what each kind of department list
 * means (compare.h): labels, effect, the check it speaks to, the text the
 * cadre sees and the headers of its ID-number column. Like the form
 * loader, it reports every problem at once as FILE:LINE: message, so
 * county staff fix the file in one pass. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fieldcard/compare.h"
#include "fieldcard/csv.h"
#include "fieldcard/util.h"

/* Checks of the card (DOMAIN.md) a list may confirm or contradict: the
 * five of "two no-worries, three guarantees and water", a disabled
 * member's health, and a member being present. */
const char *const compare_checks[] = {
	"income", "education", "medical", "housing", "water", "disability", "present", NULL
};

enum { C_KIND, C_LABEL_ZH, C_LABEL_EN, C_EFFECT, C_CHECK, C_TEXT_ZH, C_TEXT_EN, C_IDS, C_N };

static const char *const col_names[C_N] = {
	"kind", "label::zh", "label::en", "effect", "check", "text::zh", "text::en", "id_columns"
};

typedef struct kloader {
	const char *path;
	fc_buf *report;
	fc_err *err;
	int nerrors;
	char **names;          /* every kind named so far, kept or not */
	int *lines;
	size_t nnames;
} kloader;

/* The line a kind was first named on, 0 if it was not; remembers it. */
static int named_before(kloader *L, const char *name, int line)
{
	for (size_t i = 0; i < L->nnames; i++)
		if (strcmp(L->names[i], name) == 0)
			return L->lines[i];
	L->names = util_realloc(L->names, (L->nnames + 1) * sizeof(*L->names));
	L->lines = util_realloc(L->lines, (L->nnames + 1) * sizeof(*L->lines));
	L->names[L->nnames] = util_strdup(name);
	L->lines[L->nnames++] = line;
	return 0;
}

static void kerr(kloader *L, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void kerr(kloader *L, int line, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (L->nerrors++ == 0)
		fc_err_set(L->err, FC_EINVALID, "%s:%d: %s", L->path, line, msg);
	if (L->report)
		buf_printf(L->report, "%s:%d: %s\n", L->path, line, msg);
}

const char *compare_effect_name(compare_effect e)
{
	switch (e) {
	case COMPARE_CONFIRMS: return "confirms";
	case COMPARE_CONTRADICTS: return "contradicts";
	default: return "against";
	}
}

static int name_ok(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return 0;
	return 1;
}

static char *trimmed(const char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return util_strndup(s, n);
}

/* Columns by header name; an unknown one is a mistake worth naming. */
static void map_header(kloader *L, char **cells, size_t n, int *col)
{
	for (int c = 0; c < C_N; c++)
		col[c] = -1;
	for (size_t i = 0; i < n; i++) {
		char *h = trimmed(cells[i]);
		int c = 0;

		while (c < C_N && strcasecmp(h, col_names[c]) != 0)
			c++;
		if (c < C_N && col[c] >= 0)
			kerr(L, 1, "column '%s' twice", h);
		else if (c < C_N)
			col[c] = (int)i;
		else if (*h && strncasecmp(h, "label::", 7) && strncasecmp(h, "text::", 6) && L->report)
			/* Other languages' labels and texts are kept out of the way;
			 * anything else is probably a typo, and ignored. */
			buf_printf(L->report, "%s:1: warning: unknown column '%s' ignored (columns: kind, "
					      "label::zh, label::en, effect, check, text::zh, text::en, "
					      "id_columns)\n", L->path, h);
		free(h);
	}
	for (int c = 0; c < C_N; c++)
		if (col[c] < 0 && c != C_CHECK && c != C_LABEL_EN && c != C_TEXT_EN)
			kerr(L, 1, "no column '%s'", col_names[c]);
}

static char *cell(char **cells, size_t n, int col)
{
	return trimmed(col >= 0 && (size_t)col < n ? cells[col] : "");
}

static int check_known(const char *c)
{
	for (size_t i = 0; compare_checks[i]; i++)
		if (strcmp(compare_checks[i], c) == 0)
			return 1;
	return 0;
}

/* One kind from one row; problems reported, the kind kept only if none. */
static void load_row(kloader *L, compare_kinds *k, char **cells, size_t n, const int *col, int line)
{
	compare_kind K;
	char *effect = cell(cells, n, col[C_EFFECT]), *ids = cell(cells, n, col[C_IDS]);
	int before = L->nerrors, first;

	memset(&K, 0, sizeof(K));
	K.line = line;
	K.name = cell(cells, n, col[C_KIND]);
	K.label[FC_LANG_ZH] = cell(cells, n, col[C_LABEL_ZH]);
	K.label[FC_LANG_EN] = cell(cells, n, col[C_LABEL_EN]);
	K.check = cell(cells, n, col[C_CHECK]);
	K.text[FC_LANG_ZH] = cell(cells, n, col[C_TEXT_ZH]);
	K.text[FC_LANG_EN] = cell(cells, n, col[C_TEXT_EN]);
	if (!name_ok(K.name))
		kerr(L, line, "kind '%s': letters, digits and _, not starting with a digit", K.name);
	else if ((first = named_before(L, K.name, line)))
		kerr(L, line, "kind '%s' twice (first on line %d)", K.name, first);
	if (!*K.label[FC_LANG_ZH] && !*K.label[FC_LANG_EN])
		kerr(L, line, "kind '%s' has no label", K.name);
	if (!*K.text[FC_LANG_ZH] && !*K.text[FC_LANG_EN])
		kerr(L, line, "kind '%s' has no text for the cadre (text::zh)", K.name);
	if (!strcmp(effect, "against"))
		K.effect = COMPARE_AGAINST;
	else if (!strcmp(effect, "confirms"))
		K.effect = COMPARE_CONFIRMS;
	else if (!strcmp(effect, "contradicts"))
		K.effect = COMPARE_CONTRADICTS;
	else
		kerr(L, line, "effect of '%s' must be against, confirms or contradicts, not '%s'",
		     K.name, effect);
	if (K.effect == COMPARE_AGAINST && *K.check && !strcmp(effect, "against"))
		kerr(L, line, "kind '%s' counts against the household: leave check empty", K.name);
	else if (K.effect != COMPARE_AGAINST && !check_known(K.check))
		kerr(L, line, "kind '%s' %s a check: check must be one of income, education, medical, "
			      "housing, water, disability, present, not '%s'", K.name, effect, K.check);
	K.id_columns = util_split(ids, '|');
	for (size_t i = 0; K.id_columns[i]; i++) {
		char *t = trimmed(K.id_columns[i]);

		free(K.id_columns[i]);
		K.id_columns[i] = t;
	}
	if (!K.id_columns[0] || !*K.id_columns[0])
		kerr(L, line, "kind '%s' names no ID-number column (id_columns, e.g. 身份证号|证件号码)",
		     K.name);
	free(effect);
	free(ids);
	if (L->nerrors == before) {
		k->v = util_realloc(k->v, (k->n + 1) * sizeof(*k->v));
		k->v[k->n++] = K;
		return;
	}
	free(K.name);
	for (int i = 0; i < FC_NLANG; i++) {
		free(K.label[i]);
		free(K.text[i]);
	}
	free(K.check);
	util_strv_free(K.id_columns);
}

int compare_kinds_load(const char *path, compare_kinds **out, fc_buf *report, fc_err *err)
{
	kloader L = { path, report, err, 0, NULL, NULL, 0 };
	compare_kinds *k = util_calloc(1, sizeof(*k));
	FILE *f = fopen(path, "rb");
	csv_reader *r = NULL;
	char **cells;
	size_t n;
	int col[C_N], rc, header = 1;
	fc_err cerr;

	*out = NULL;
	k->path = util_strdup(path);
	if (!f) {
		compare_kinds_free(k);
		rc = fc_err_set(err, FC_ENOTFOUND, "%s: no such file (the kinds of list `compare` reads)",
				path);
		if (report)
			buf_printf(report, "%s\n", err ? err->msg : path);
		return rc;
	}
	r = csv_open(f, path);
	fc_err_clear(&cerr);
	while ((rc = csv_next(r, &cells, &n, &cerr)) == 1) {
		if (header) {
			map_header(&L, cells, n, col);
			header = 0;
		} else {
			load_row(&L, k, cells, n, col, csv_line(r));
		}
	}
	if (rc < 0) {
		/* The reader's message names FILE:LINE already. */
		if (L.nerrors++ == 0)
			fc_err_set(err, FC_EINVALID, "%s", cerr.msg);
		if (report)
			buf_printf(report, "%s\n", cerr.msg);
	} else if (header) {
		kerr(&L, 1, "the file is empty: a header and one line per kind of list expected");
	} else if (!k->n && !L.nerrors) {
		kerr(&L, 2, "no kinds of list defined");
	}
	csv_close(r);
	fclose(f);
	for (size_t i = 0; i < L.nnames; i++)
		free(L.names[i]);
	free(L.names);
	free(L.lines);
	if (L.nerrors) {
		compare_kinds_free(k);
		return FC_EINVALID;
	}
	*out = k;
	return FC_OK;
}

void compare_kinds_free(compare_kinds *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++) {
		compare_kind *K = &k->v[i];

		free(K->name);
		for (int l = 0; l < FC_NLANG; l++) {
			free(K->label[l]);
			free(K->text[l]);
		}
		free(K->check);
		util_strv_free(K->id_columns);
	}
	free(k->v);
	free(k->path);
	free(k);
}

const compare_kind *compare_kind_find(const compare_kinds *k, const char *name)
{
	for (size_t i = 0; k && name && i < k->n; i++)
		if (strcmp(k->v[i].name, name) == 0)
			return &k->v[i];
	return NULL;
}
