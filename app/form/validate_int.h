/* validate_int.h — what validate.c (types, required, constraints) and
 * validate_domain.c (the consistency rules of DOMAIN.md) share. Private
 * to the validate module. */
#ifndef FIELDCARD_VALIDATE_INT_H
#define FIELDCARD_VALIDATE_INT_H

#include "fieldcard/validate.h"

#define ZE(lang, zh, en) ((lang) == FC_LANG_EN ? (en) : (zh))

/* The label of a choice of field `name` of f in lang, else the value. */
const char *val_choice_label(const form *f, const char *name, const char *value, int lang);
int val_in_list(const char *v, const char *const *list);
int val_all_digits(const char *s, size_t n);
int val_num_at(const char *s, size_t n);
/* Whole years from birth to on; -1 if either date is bad or on < birth. */
int val_years_between(const char *birth, const char *on);

/* validate_domain.c */
int val_is_present(const record *m);
void val_member_rules(const form *f, const record *m, const char *today, int lang,
		      val_report *report);
void val_household_rules(const form *f, const record *h, const record *const *children,
			 size_t nchildren, const rules *rules, const char *today, int lang,
			 val_report *report);

#endif
