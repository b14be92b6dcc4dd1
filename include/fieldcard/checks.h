/* checks.h — what a household's card says on the day of a check: the five
 * checks with their reasons, the monitoring category to suggest and the
 * early warnings (rules.h), with the income of the last earlier income
 * year taken from the card's own history. One function, so the card, the
 * list, `show`, `flags` and every report say the same. */
#ifndef FIELDCARD_CHECKS_H
#define FIELDCARD_CHECKS_H

#include "fieldcard/app.h"
#include "fieldcard/rules.h"

/* Indicators of h on today (NULL = app_today()), in a->lang. */
int checks_household(fc_app *a, const app_household *h, const char *today,
		     rules_indicators *out, fc_err *err);

/* The income per head the card held for the last income year before its
 * current one, from the store's audit trail (year 0 if none is known: a
 * new card, or a store rebuilt from the ledger, which keeps no trail). */
int checks_past_income(fc_app *a, const record *household, rules_past *out, fc_err *err);

#endif
