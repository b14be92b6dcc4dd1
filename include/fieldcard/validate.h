/* validate.h — the checks the UI, the CLI (`set`, `import`, `check`) and the
 * county merge all call: types, required, constraints, relevance, calculated
 * fields, and the consistency rules of DOMAIN.md. Pure: no I/O besides what
 * the caller passes in. Messages are in the user's language (FC_LANG_*). */
#ifndef FIELDCARD_VALIDATE_H
#define FIELDCARD_VALIDATE_H

#include <stddef.h>
#include "fieldcard/err.h"
#include "fieldcard/form.h"
#include "fieldcard/record.h"
#include "fieldcard/rules.h"

typedef enum { VAL_ERROR, VAL_WARNING } val_severity;

typedef struct val_issue {
	val_severity severity;
	char *record_id;
	char *field;       /* field name, or NULL for a record-level rule */
	char *code;        /* stable rule id: "required", "type", "constraint",
	                      "id_check", "id_birth", "rel_sex", "cause_disabled",
	                      "school_age", "dup_id", ... */
	char *message;     /* in the requested language */
} val_issue;

typedef struct val_report {
	val_issue *items;
	size_t n, cap;
	int nerrors, nwarnings;
} val_report;

void val_report_init(val_report *r);
void val_report_free(val_report *r);
/* Add an issue about rec (the model adds those only it can see, such as an
 * ID number used in another household). */
void val_report_add(val_report *r, val_severity sev, const record *rec, const char *field,
		    const char *code, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Move src's issues about record_id to dst; the rest are dropped. src is
 * left empty. */
void val_report_move(val_report *dst, val_report *src, const char *record_id);

/* Check one value against its field's type (no expressions): integer,
 * decimal, date, yes/no, choice names, ID number (check digit), phone.
 * Returns 0 if fine, else FC_EINVALID with the reason in err (language lang). */
int val_check_type(const form_field *fld, const char *value, int lang, fc_err *err);

/* ID numbers: 1 if an 18-digit resident ID has a correct check digit (and a
 * real birth date), or a 20-digit disability certificate starts with one. */
int val_id_valid(const char *id);
/* Birth date YYYY-MM-DD from an ID number into out; 0 on success. */
int val_id_birth(const char *id, char out[11]);
/* Sex from an ID number: 'M', 'F' or 0 if unknown. */
char val_id_sex(const char *id);

/* Recompute every calculated field of rec (in form order, so later ones see
 * earlier ones) and, for a household, of nothing else. `parent` and
 * `children` as in expr_ctx. Changes rec in place. */
int val_calculate(const form *f, record *rec, const record *parent,
		  const record *const *children, size_t nchildren,
		  const char *today, fc_err *err);

/* 1 if the field is relevant (shown) for rec now. */
int val_relevant(const form *f, const form_field *fld, const record *rec,
		 const record *parent, const record *const *children,
		 size_t nchildren, const char *today);

/* Validate one record: types, required (relevant fields only), constraints,
 * and for a household with its children the DOMAIN.md consistency rules.
 * rules may be NULL (income-line checks then skipped). Adds to report. */
int val_record(const form *f, const record *rec, const record *parent,
	       const record *const *children, size_t nchildren,
	       const rules *rules, const char *today, int lang,
	       val_report *report, fc_err *err);

/* Validate a household with all its members and visits (each child against
 * its sub-form, then the household-level rules). */
int val_household(const form *household_form, const record *household,
		  const record *const *children, size_t nchildren,
		  const rules *rules, const char *today, int lang,
		  val_report *report, fc_err *err);

#endif
