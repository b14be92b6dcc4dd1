/* flags.h — flags on households (DESIGN.md, "Flags travel as records"): a
 * fact to verify, raised by `fieldcard compare` (a hit in another
 * department's list) or by a rule, and decided by a person. A flag is a
 * record of the household form's repeat `flag` (fields.h F_FLAG_*), so it
 * is saved, audited, signed, synced and merged like a visit. Its fields are
 * read-only in the form: only these calls write them, through the model's
 * one door (app_save). A flag never changes the household's type or status
 * by itself. */
#ifndef FIELDCARD_FLAGS_H
#define FIELDCARD_FLAGS_H

#include "fieldcard/app.h"
#include "fieldcard/err.h"
#include "fieldcard/record.h"

/* One flag as the listing shows it. Strings are borrowed for the callback
 * and never NULL ("" when empty). person_id is the ID number of the person
 * the flag is about (the member's, else the head's): personal data, print
 * it masked only (util_mask_id). A computed flag a caller builds itself
 * (no stored record) may leave id "" and fill the rest. */
typedef struct flags_flag {
	const char *household;   /* household record id */
	const char *village;
	const char *id;          /* the flag record's id */
	const char *kind;        /* a compare KIND or a rule's kind */
	const char *state;       /* open confirmed dismissed */
	const char *member;      /* member record id; "" = the head / household */
	const char *person_name; /* the member's name, else the head's */
	const char *person_id;   /* the member's ID number, else the head's */
	const char *reason, *facts, *source, *date;
	const char *note, *by, *at;
} flags_flag;
typedef int (*flags_cb)(const flags_flag *f, void *ud);

/* Every stored flag of village (NULL = every village of this data
 * directory; a village that is not the device's is FC_EINVALID naming the
 * device's villages), only the open ones if open_only, in household then
 * flag id order: one query over the store. cb's nonzero stops the walk and
 * is returned. */
int flags_list(fc_app *a, const char *village, int open_only, flags_cb cb, void *ud,
	       fc_err *err);
/* The flags of one household, in id order (the card, `show`). */
int flags_of_household(fc_app *a, const char *household_id, flags_cb cb, void *ud,
		       fc_err *err);

/* A new flag record on household_id as `compare` and flags_raise make it,
 * not saved: kind, member (NULL or "" = the household), reason, facts and
 * source set, date today, state open. NULL if the forms have no flag
 * repeat. Caller frees with record_free. */
record *flags_record_new(const fc_app *a, const char *household_id, const char *kind,
			 const char *member_id, const char *reason, const char *facts,
			 const char *source);

/* Raise a flag and save it (app_save): state NULL or "open", or already
 * decided ("confirmed" / "dismissed", then note is required and the
 * decision is this principal's, now), as the rules engineer records a
 * person's decision on a suggestion. A member must be one of the
 * household's. *flag_id_out (may be NULL) receives the new record's id;
 * caller frees. */
int flags_raise(fc_app *a, const char *household_id, const char *kind, const char *member_id,
		const char *reason, const char *facts, const char *source, const char *state,
		const char *note, char **flag_id_out, fc_err *err);

/* A person's decision on flag_id: state "confirmed" (note: what was found)
 * or "dismissed" (note: why it does not hold). A note of spaces alone is
 * FC_EINVALID ("a note is needed ..."). Sets flag_state, flag_note,
 * flag_by (this principal) and flag_at (now, honouring FIELDCARD_NOW) and
 * saves through app_save, so the decision is audited, signed on the next
 * sync and merged at the county. A decided flag can be decided again
 * (changing one's mind is a new signed edit). An unknown flag is
 * FC_EINVALID naming it. */
int flags_decide(fc_app *a, const char *flag_id, const char *state, const char *note,
		 fc_err *err);
/* The same decision, checked as app_save would check it (app_check_typed)
 * but not saved: the county commits it to main itself (desk.h). *out is
 * the decided record; caller frees with record_free. */
int flags_decided(fc_app *a, const char *flag_id, const char *state, const char *note,
		  record **out, fc_err *err);

#endif
