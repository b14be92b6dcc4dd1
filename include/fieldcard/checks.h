/* checks.h — what a household's card says on the day of a check: the five
 * checks with their reasons, the monitoring category to suggest and the
 * early warnings (rules.h), with the income of the last earlier income
 * year taken from the card's own history. One function, so the card, the
 * list, `show`, `flags` and every report say the same. */
#ifndef FIELDCARD_CHECKS_H
#define FIELDCARD_CHECKS_H

#include "fieldcard/app.h"
#include "fieldcard/flags.h"
#include "fieldcard/rules.h"

/* Indicators of h on today (NULL = app_today()), in a->lang. */
int checks_household(fc_app *a, const app_household *h, const char *today,
		     rules_indicators *out, fc_err *err);

/* The income per head the card held for the last income year before its
 * current one, from the store's audit trail (year 0 if none is known: a
 * new card, or a store rebuilt from the ledger, which keeps no trail). */
int checks_past_income(fc_app *a, const record *household, rules_past *out, fc_err *err);

/* A person's decision on what the rules raise for household_id today:
 * kind is the suggested monitoring category or a warning's kind; state
 * "confirmed" or "dismissed"; a note is required. It is recorded as a
 * decided flag record (the kind, the reason, the facts; source "rules"),
 * so it is audited, signed and synced, and the rules do not raise it again
 * until the facts change. Confirming a suggested category also sets the
 * card's monitor_category, monitor_date (this month) and risk_cleared (no)
 * in the same kind of signed edit. FC_EINVALID, naming what is open, if
 * the rules raise no such kind on the household today. On a device only:
 * the county's store writes to main through the desk. */
int checks_decide(fc_app *a, const char *household_id, const char *kind, const char *state,
		  const char *note, fc_err *err);

/* What the rules raise today on every household of village (NULL = all of
 * this data directory's), not yet decided: the suggestion and each
 * warning, as flags_flag rows with id "HOUSEHOLD/KIND" and state "open"
 * (the person is the head). For `fieldcard flags`. */
int checks_each_raised(fc_app *a, const char *village, flags_cb cb, void *ud, fc_err *err);

#endif
