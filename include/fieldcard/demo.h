/* demo.h — a made-up but realistic village for demos, tests and benchmarks:
 * households with 1–7 members (generated Chinese names, never real people;
 * 18-digit ID numbers with correct check digits and birth dates that match
 * ages and sexes; relationships that agree with sexes and ages), incomes by
 * household type, housing, water, causes of poverty consistent with the
 * members, assistance measures, 1–4 visits in the last year, and a few
 * households under the monitoring line with a monitoring category.
 *
 * Every record is calculated and validated as the UI would (val_calculate,
 * val_household) and must come out without errors; all of them are saved
 * in one store transaction (all or nothing), queued for sync. The same seed
 * and the same date (FIELDCARD_NOW) give the same records, ids included. */
#ifndef FIELDCARD_DEMO_H
#define FIELDCARD_DEMO_H

#include "fieldcard/app.h"
#include "fieldcard/err.h"

/* Households made when the caller passes 0 or less. */
#define DEMO_DEFAULT_HOUSEHOLDS 50

typedef struct demo_stats {
	long households, members, visits;
	long monitored;    /* households with a monitoring category */
	long warnings;     /* validation warnings (consistency rules) seen */
} demo_stats;

/* Fill a's store with `households` households of village_code (6–12
 * digits, e.g. "522701105201"; its first 6 digits are the area code of the
 * ID numbers). Returns 0, or an error with nothing written. */
int demo_generate(fc_app *a, const char *village_code, int households,
		  unsigned seed, fc_err *err);

/* Same, with counts of what was made (stats may be NULL). */
int demo_generate_stats(fc_app *a, const char *village_code, int households,
			unsigned seed, demo_stats *stats, fc_err *err);

/* An 18-digit resident ID number for area (6 digits), birth date
 * (YYYY-MM-DD) and sequence 0–999 (odd = male, even = female), with its
 * check digit; out holds 19 bytes. Exposed for tests. */
void demo_id_number(const char *area, const char *birth, int seq, char out[19]);

#endif
