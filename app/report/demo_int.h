/* demo_int.h — what the parts of the demo generator share (demo.c,
 * demo_card.c): the seeded generator, the run's state, what a member adds
 * to the household card, and the few calls between the parts. Private to
 * app/report/; the API is fieldcard/demo.h. */
#ifndef FIELDCARD_DEMO_INT_H
#define FIELDCARD_DEMO_INT_H

#include <stdint.h>
#include <stdio.h>

#include "fieldcard/demo.h"
#include "fieldcard/fields.h"
#include "fieldcard/util.h"

/* All randomness of a run: splitmix64, seeded once. */
typedef struct rng {
	uint64_t s;
} rng;

static inline uint64_t rng_next(rng *g)
{
	uint64_t z = (g->s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* 0 <= r < n */
static inline int rnd(rng *g, int n)
{
	return n <= 1 ? 0 : (int)(rng_next(g) % (uint64_t)n);
}

/* lo <= r <= hi */
static inline int rnd_in(rng *g, int lo, int hi)
{
	return lo + rnd(g, hi - lo + 1);
}

static inline int chance(rng *g, int percent)
{
	return rnd(g, 100) < percent;
}

#define PICK(g, arr) ((arr)[rnd((g), (int)(sizeof(arr) / sizeof((arr)[0])))])

/* The run: forms, the village, its people and the ids handed out. */
typedef struct gen {
	fc_app *a;
	rng g;
	const form *fh, *fm, *fv;
	const char *village;
	char area[7];
	const char *province, *city, *county;
	char township[32], village_name[32];
	char cadre[32], cadre_phone[12];
	char helpers[6][32], helper_phones[6][12];
	const char *helper_units[6];
	long today;
	char today_s[11];
	double line;                /* monitoring line, yuan per head */
	long long id_ms;            /* time part of the next ULID */
	unsigned char *id_used;     /* ID numbers handed out: day × sequence */
	long id_days;
	demo_stats *st;
	fc_buf canon;
} gen;

/* Set a field only if this form has it, so a county's own form (fewer
 * fields) still gets a demo. */
static inline void put(const form *f, record *r, const char *name, const char *value)
{
	if (value && form_field_find(f, name))
		record_set(r, name, value);
}

static inline void put_int(const form *f, record *r, const char *name, long v)
{
	char b[32];

	snprintf(b, sizeof(b), "%ld", v);
	put(f, r, name, b);
}

/* A member as the card needs to know it. */
typedef struct member_info {
	record *r;
	int male, age, present;
	int student;                /* in school or university */
	int ill, disabled;          /* chronic/serious; disabled */
	int can_work;               /* ordinary or skilled labour */
	int migrant;
	long migrant_income;
	const char *surname;
} member_info;

/* A household type (DOMAIN.md), how often it occurs, and its status. */
typedef struct hh_kind {
	const char *type, *status, *monitor;
	int weight;
} hh_kind;

/* A mobile number (11 digits). */
void demo_phone(rng *g, char out[12]);
/* Days since 1970-01-01 to a proleptic Gregorian date. */
void demo_civil_from_days(long z, int *y, int *m, int *d);
/* Fill the household card hh of kind k so that it agrees with its n
 * members (demo_card.c); may clear members' migrant fields to keep a
 * monitored household under the line. */
void demo_make_household(gen *x, record *hh, const hh_kind *k, member_info *mv, int n);

#endif
