/* checks.c — the model's side of rules.h: a household's indicators with
 * the last earlier income year read from its audit trail. */
#include <stdlib.h>
#include <string.h>

#include "fieldcard/checks.h"
#include "fieldcard/fields.h"

typedef struct past_walk {
	int year;               /* the card's current income year */
	long long changed_at;   /* seq of the save that left the earlier year */
	int found_year;
	int have_value;
	double value;
} past_walk;

static int num_of(const char *s, double *out)
{
	char *end;

	if (!s || !*s)
		return -1;
	*out = strtod(s, &end);
	return *end ? -1 : 0;
}

/* Newest first: find the save that moved income_year from an earlier year,
 * then the income per head as it stood when that save was made. */
static int past_cb(const store_audit *au, void *ud)
{
	past_walk *w = ud;
	double v;

	if (!w->changed_at) {
		if (!strcmp(au->field, F_INCOME_YEAR) && num_of(au->old_value, &v) == 0 &&
		    (int)v < w->year && v > 1900) {
			w->changed_at = au->seq;
			w->found_year = (int)v;
		}
		if (!w->changed_at || strcmp(au->field, F_INCOME_PER_HEAD))
			return 0;
	}
	if (strcmp(au->field, F_INCOME_PER_HEAD))
		return 0;
	/* In that save itself the old value is the earlier year's; in an
	 * earlier save the new value is. */
	if (au->seq == w->changed_at ? num_of(au->old_value, &v) : num_of(au->new_value, &v))
		return 0;
	w->value = v;
	w->have_value = 1;
	return 1;
}

int checks_past_income(fc_app *a, const record *household, rules_past *out, fc_err *err)
{
	past_walk w = { 0 };
	double y;
	int rc;

	memset(out, 0, sizeof(*out));
	if (num_of(record_val(household, F_INCOME_YEAR), &y) != 0)
		return FC_OK;
	w.year = (int)y;
	rc = store_history(a->st, household->id, past_cb, &w, err);
	if (rc < 0)
		return rc;
	if (w.changed_at && w.have_value) {
		out->year = w.found_year;
		out->income_per_head = w.value;
	}
	return FC_OK;
}

int checks_household(fc_app *a, const app_household *h, const char *today,
		     rules_indicators *out, fc_err *err)
{
	rules_past past;
	int rc;

	if ((rc = checks_past_income(a, h->hh, &past, err)) != FC_OK)
		return rc;
	return rules_household(a->rules, h->hh, (const record *const *)h->children, h->nchildren,
			       today ? today : app_today(), a->lang, &past, out);
}
