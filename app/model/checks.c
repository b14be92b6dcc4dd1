/* checks.c — the model's side of rules.h: a household's indicators with
 * the last earlier income year read from its audit trail. */
#include <stdio.h>
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

/* The suggestion or warning of kind among ind's; NULL if none. */
static const rules_flag *raised(const rules_indicators *ind, const char *kind)
{
	if (ind->suggest.kind && !strcmp(ind->suggest.kind, kind))
		return &ind->suggest;
	for (size_t i = 0; i < ind->nwarn; i++)
		if (!strcmp(ind->warn[i].kind, kind))
			return &ind->warn[i];
	return NULL;
}

/* Confirming a suggested category is entering monitoring: the card's
 * category, this month and a risk not (yet) cleared. */
static int enter_monitoring(fc_app *a, record *hh, const char *kind, fc_err *err)
{
	char ym[7];
	const char *today = app_today();

	snprintf(ym, sizeof(ym), "%.4s%.2s", today, today + 5);
	record_set(hh, F_MONITOR_CATEGORY, kind);
	record_set(hh, F_MONITOR_DATE, ym);
	record_set(hh, F_RISK_CLEARED, C_NO);
	record_set(hh, "risk_cleared_how", "");
	record_set(hh, F_RISK_CLEARED_DATE, "");
	return app_save(a, hh, NULL, err);
}

int checks_decide(fc_app *a, const char *household_id, const char *kind, const char *state,
		  const char *note, fc_err *err)
{
	app_household h;
	rules_indicators ind;
	const rules_flag *f;
	int rc, confirm = state && !strcmp(state, C_FLAG_CONFIRMED);

	if (!state || (!confirm && strcmp(state, C_FLAG_DISMISSED)))
		return fc_err_set(err, FC_EINVALID, "a decision is confirmed or dismissed, not '%s'",
				  state ? state : "");
	if (!note || !note[strspn(note, " \t\r\n")])
		return fc_err_set(err, FC_EINVALID,
				  "a note is needed: what was found (confirm) or why it does not hold (dismiss)");
	if ((rc = app_household_load(a, household_id, &h, err)) != FC_OK) {
		if (rc == FC_ENOTFOUND)
			rc = fc_err_set(err, FC_EINVALID, "household %s does not exist", household_id);
		return rc;
	}
	if ((rc = checks_household(a, &h, NULL, &ind, err)) != FC_OK)
		goto out;
	if (!(f = raised(&ind, kind))) {
		char open[160] = "";

		if (ind.suggest.kind)
			snprintf(open, sizeof(open), " %s", ind.suggest.kind);
		for (size_t i = 0; i < ind.nwarn; i++)
			snprintf(open + strlen(open), sizeof(open) - strlen(open), " %s", ind.warn[i].kind);
		rc = fc_err_set(err, FC_EINVALID,
				"household %s: the rules raise no '%s' today (decided already, or the facts changed); open:%s",
				household_id, kind, *open ? open : " none");
		goto out;
	}
	/* The category first: if the card refuses it, no decision is kept. */
	if (confirm && f == &ind.suggest &&
	    (rc = enter_monitoring(a, h.hh, kind, err)) != FC_OK)
		goto out;
	rc = flags_raise(a, household_id, kind, NULL, f->reason, f->facts, "rules", state, note,
			 NULL, err);
out:
	app_household_free(&h);
	return rc;
}

typedef struct raised_walk {
	fc_app *a;
	flags_cb cb;
	void *ud;
	fc_err *err;
} raised_walk;

static int raised_one(const raised_walk *w, const record *hh, const rules_flag *f)
{
	char id[160];
	flags_flag row = { 0 };

	snprintf(id, sizeof(id), "%s/%s", hh->id, f->kind);
	row.household = hh->id;
	row.village = record_val(hh, F_VILLAGE_CODE);
	row.id = id;
	row.kind = f->kind;
	row.state = C_FLAG_OPEN;
	row.member = "";
	row.person_name = record_val(hh, F_HEAD_NAME);
	row.person_id = record_val(hh, F_HEAD_ID);
	row.reason = f->reason;
	row.facts = f->facts;
	row.source = "rules";
	row.date = app_today();
	row.note = row.by = row.at = "";
	return w->cb(&row, w->ud);
}

static int raised_household(const record *r, void *ud)
{
	raised_walk *w = ud;
	app_household h;
	rules_indicators ind;
	int rc;

	if ((rc = app_household_of(w->a, r, &h, w->err)) != FC_OK)
		return rc;
	rc = checks_household(w->a, &h, NULL, &ind, w->err);
	if (rc == FC_OK && ind.suggest.kind)
		rc = raised_one(w, h.hh, &ind.suggest);
	for (size_t i = 0; rc == FC_OK && i < ind.nwarn; i++)
		rc = raised_one(w, h.hh, &ind.warn[i]);
	app_household_free(&h);
	return rc;
}

int checks_each_raised(fc_app *a, const char *village, flags_cb cb, void *ud, fc_err *err)
{
	raised_walk w = { a, cb, ud, err };

	return store_each(a->st, K_HOUSEHOLD, village, raised_household, &w, err);
}
