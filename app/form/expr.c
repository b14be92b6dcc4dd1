/* expr.c — the XLSForm expression subset of expr.h: a recursive-descent
 * parser building a small tree, and an evaluator over a record, its parent
 * household and its repeat instances. The UI, the CLI and the county merge
 * all evaluate relevance, constraints and calculations through this module,
 * so a form behaves the same everywhere.
 *
 * Numbers are parsed and printed by hand rather than with strtod/printf: the
 * program runs under the user's locale (ncursesw needs setlocale), and a
 * locale with a decimal comma must not change what "1.5" means or how a
 * calculated value is stored in the ledger.
 *
 * This file reads and writes numbers, dates and values as text;
 * expr_parse.c holds the lexer and parser, expr_eval.c the evaluator and
 * its functions; they share the tree through expr_int.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/buf.h"
#include "expr_int.h"

/* ------------------------------------------------------------------ */
/* Numbers and dates as text.                                          */

/* Parse an optionally signed decimal "12", "-3.50", ".5" taking the whole
 * string; 1 on success. */
int expr_scan_number(const char *s, size_t len, double *out)
{
	size_t i = 0;
	int neg = 0, ndig = 0, frac = 0, seen_dot = 0;
	double mant = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			mant = mant * 10 + (s[i] - '0');
			ndig++;
			if (seen_dot)
				frac++;
		} else if (s[i] == '.' && !seen_dot) {
			seen_dot = 1;
		} else {
			return 0;
		}
	}
	if (!ndig)
		return 0;
	/* Dividing by an exact power of ten rounds correctly for the digit
	 * counts forms use (mantissa below 2^53, up to 22 decimals). */
	*out = (neg ? -mant : mant) / pow(10, frac);
	return 1;
}

int expr_text_number(const char *s, double *out)
{
	return s && expr_scan_number(s, strlen(s), out);
}

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

int expr_date_parse(const char *s, int *y, int *m, int *d)
{
	int i;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	*y = atoi(s);
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
		return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Values.                                                             */

void expr_value_clear(expr_value *v)
{
	if (!v)
		return;
	free(v->str);
	*v = v_null();
}

int expr_value_truthy(const expr_value *v)
{
	switch (v->type) {
	case EV_NUM: return v->num != 0;
	case EV_STR: return v->str && *v->str;
	case EV_BOOL: return v->b;
	default: return 0;
	}
}

int expr_value_number(const expr_value *v, double *d)
{
	switch (v->type) {
	case EV_NUM: *d = v->num; return 1;
	case EV_BOOL: *d = v->b; return 1;
	case EV_STR: return expr_scan_number(v->str, strlen(v->str), d);
	default: return 0;
	}
}

/* Format without printf so the locale's decimal separator never leaks into
 * stored values: integers plain, else at most two decimals. */
static void format_number(double d, fc_buf *out)
{
	long long cents;
	int neg;

	if (isnan(d) || isinf(d))
		return;
	if (fabs(d) >= 9e13) {
		buf_printf(out, "%.0f", d);
		return;
	}
	cents = llround(d * 100);
	if (cents == 0) {
		buf_addc(out, '0');
		return;
	}
	neg = cents < 0;
	if (neg)
		cents = -cents;
	buf_printf(out, "%s%lld", neg ? "-" : "", cents / 100);
	if (cents % 100) {
		buf_printf(out, ".%lld", (cents % 100) / 10);
		if (cents % 10)
			buf_printf(out, "%lld", cents % 10);
	}
}

void expr_value_to_text(const expr_value *v, fc_buf *out)
{
	switch (v->type) {
	case EV_NUM: format_number(v->num, out); break;
	case EV_STR: buf_adds(out, v->str); break;
	case EV_BOOL: buf_adds(out, v->b ? "true" : "false"); break;
	default: break;
	}
}
