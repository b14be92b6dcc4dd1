/* rules.h — thresholds by province and year (forms/rules.csv), and what a
 * card says about the decisions it exists for: the five checks (two
 * no-worries, three guarantees and water), the monitoring category to
 * suggest, the early warnings and the conditions of risk clearing
 * (DOMAIN.md). Never a threshold in code. Pure: the caller passes the
 * household, its children, the day of the check and the last earlier
 * income it knows of. */
#ifndef FIELDCARD_RULES_H
#define FIELDCARD_RULES_H

#include <stddef.h>
#include "fieldcard/err.h"

struct record;

/* One line of forms/rules.csv. A threshold left empty on a province's line
 * is the "*" line's of the same year; 0 = not set. */
typedef struct rules_line {
	char *province;         /* "*" = every province */
	int year;               /* the income year the numbers are for */
	double poverty_line;    /* yuan per head per year */
	double monitor_line;    /* 0 if none was set that year */
	int clear_months;       /* months of monitoring before risk may be cleared */
	double drop_share;      /* warn: income per head fell by more than this share */
	double medical_share;   /* warn: out-of-pocket spending above this share of net income */
	int visit_days;         /* warn: no visit in this many days */
	char *source;           /* the publication that set the line, or "example" */
	int line;               /* line in the file, for messages */
} rules_line;

typedef struct rules {
	rules_line *lines;
	size_t n;
	char *path;             /* the file it was loaded from */
} rules;

/* Load forms/rules.csv; errors as "FILE:LINE: message" (a line without a
 * source is refused). */
int rules_load(const char *path, rules **out, fc_err *err);
void rules_free(rules *r);
/* The line for a province and income year: that province's, else "*"'s,
 * of exactly that year (a line never stands in for another year). NULL if
 * none, or if r is NULL. */
const rules_line *rules_find(const rules *r, const char *province, int year);
/* How many lines are marked "example" (demo values a county must replace). */
size_t rules_examples(const rules *r);

enum { RULES_INCOME, RULES_EDUCATION, RULES_MEDICAL, RULES_HOUSING, RULES_WATER,
       RULES_NCHECKS };
typedef enum { RULES_PASS, RULES_FAIL, RULES_UNKNOWN } rules_state;

typedef struct rules_check {
	rules_state state;
	char reason[320];       /* why it fails or is unknown; "" when passing */
} rules_check;

/* A suggestion or warning: kind is a choice name ("unstable", "marginal",
 * "sudden"; "income_drop", "medical_share", "follow_up", "no_visit"), NULL
 * for none. facts is a stable text of what raised it, so a decision on it
 * holds until the facts change. */
typedef struct rules_flag {
	const char *kind;
	char reason[320];
	char facts[160];
} rules_flag;

#define RULES_MAX_WARN 4

/* The income per head of the last earlier income year on record (year 0:
 * none known). */
typedef struct rules_past {
	int year;
	double income_per_head;
} rules_past;

typedef struct rules_indicators {
	rules_check check[RULES_NCHECKS];
	int checks_pass;        /* every check passes */
	int income_year;        /* 0 if the card has none */
	int has_income;
	double income_per_head;
	const rules_line *line; /* NULL: no line for the card's province and year */
	char no_line[256];      /* then the warning to show, else "" */
	rules_flag suggest;     /* the monitoring category to suggest */
	rules_flag warn[RULES_MAX_WARN];
	size_t nwarn;
} rules_indicators;

/* Compute the indicators of one household on the day `today` (YYYY-MM-DD;
 * NULL = today). Ages come from birth dates on that day. Messages are in
 * lang (FC_LANG_*). r may be NULL (no rules file): the income check is then
 * unknown, with a reason saying so. past may be NULL. A suggestion or
 * warning that a flag among the children (kind "flag") confirmed or
 * dismissed on the same kind and facts is left out: a decision holds until
 * the facts change. */
int rules_household(const rules *r, const struct record *household,
		    const struct record *const *children, size_t nchildren,
		    const char *today, int lang, const rules_past *past,
		    rules_indicators *out);

/* Risk clearing (a household whose risk_cleared is yes): every condition
 * that fails, joined into out ("" if it may be cleared). Returns how many
 * fail. ind is rules_household's result for the same household. */
int rules_clear_problems(const rules *r, const struct record *household,
			 const struct record *const *children, size_t nchildren,
			 const char *today, int lang, const rules_indicators *ind,
			 char *out, size_t outsz);

/* A check's stable name ("income", "education", "medical", "housing",
 * "water") and its label in lang. -1 / NULL if unknown. */
const char *rules_check_code(int check);
const char *rules_check_label(int check, int lang);
int rules_check_by_code(const char *code);

#endif
