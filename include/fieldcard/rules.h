/* rules.h — thresholds by province and year (forms/rules.csv), and the
 * per-household indicators and monitoring flags of DOMAIN.md. Never a
 * threshold in code. */
#ifndef FIELDCARD_RULES_H
#define FIELDCARD_RULES_H

#include <stddef.h>
#include "fieldcard/err.h"

struct record;

typedef struct rules_line {
	char *province;   /* "*" = every province */
	int year;
	double poverty_line;    /* yuan per head per year */
	double monitor_line;
} rules_line;

typedef struct rules {
	rules_line *lines;
	size_t n;
} rules;

/* Load forms/rules.csv; errors as "FILE:LINE: message". */
int rules_load(const char *path, rules **out, fc_err *err);
void rules_free(rules *r);
/* The line for a province and year: exact province first, then "*"; the
 * newest year not after `year`. NULL if none. */
const rules_line *rules_find(const rules *r, const char *province, int year);

/* Indicator results for one household (two no-worries, three guarantees and
 * water), computed from the card and its members. */
typedef struct rules_indicators {
	int income_ok, education_ok, medical_ok, housing_ok, water_ok;
	double income_per_head;
	double monitor_line;       /* 0 if unknown */
	const char *flag;          /* suggested monitoring category choice name,
	                              or NULL: "unstable", "marginal", "sudden" */
} rules_indicators;

int rules_household(const rules *r, const struct record *household,
		    const struct record *const *children, size_t nchildren,
		    const char *today, rules_indicators *out);

#endif
