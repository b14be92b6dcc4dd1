/* app.h — the model every front end uses (CLI commands and the text UI):
 * an open data directory with its store, forms, rules and settings, and the
 * operations that change data the same way everywhere (calculate, validate,
 * serialise, save with audit). The UI reaches data only through this and the
 * store/form/record/validate APIs, never SQLite or libgit2 directly. */
#ifndef FIELDCARD_APP_H
#define FIELDCARD_APP_H

#include <stddef.h>
#include "fieldcard/err.h"
#include "fieldcard/form.h"
#include "fieldcard/record.h"
#include "fieldcard/rules.h"
#include "fieldcard/store.h"
#include "fieldcard/validate.h"

typedef struct fc_app {
	char *dir;            /* data directory */
	char *db_path;        /* DIR/fieldcard.db */
	char *ledger_path;    /* DIR/ledger.git */
	char *forms_dir;      /* forms in use: DIR/forms if present, else shipped */
	store *st;
	form_set *forms;
	rules *rules;         /* may be NULL if the forms have no rules.csv */
	int lang;             /* FC_LANG_ZH or FC_LANG_EN: setting "lang", else locale */
	char *role;           /* cadre, secretary, county */
	char *principal;      /* who signs; audit "who" */
	char **villages;      /* NULL-terminated village codes of this device */
	int keep_review;      /* import: a review state given in the data is
	                         kept (app_save marks only cards without one) */
	char **arrived;       /* households whose records arrived since the
	                         last app_commit: their checks are refreshed */
	size_t narrived, arrived_cap;
} fc_app;

/* Path of the data directory: explicit, else $FIELDCARD_DIR, else
 * ~/.local/share/fieldcard. Caller frees. */
char *app_default_dir(const char *explicit_dir);
/* Path of the shipped forms: $FIELDCARD_FORMS, else the build-time path. */
const char *app_shipped_forms(void);

/* Open an initialised data directory. FC_ENOTFOUND (with a message saying to
 * run `fieldcard init`) if there is none. */
int app_open(const char *dir, fc_app **out, fc_err *err);
void app_close(fc_app *a);

/* A household with all its children, loaded. */
typedef struct app_household {
	record *hh;
	record **children;    /* members, visits and flags, id order */
	size_t nchildren;
} app_household;

int app_household_load(fc_app *a, const char *id, app_household *out, fc_err *err);
/* The same for a household record already read (store_each): a copy of hh
 * and its children, without reading hh again. */
int app_household_of(fc_app *a, const record *hh, app_household *out, fc_err *err);
void app_household_free(app_household *h);

/* Recompute calculated fields of r (and, for a member/visit, of its household
 * too, since aggregates change), validate, and if there is no error save it
 * (audit, pending queue) in one transaction. Warnings do not block. report
 * receives every issue (may be NULL). Returns FC_EINVALID if errors blocked
 * the save, with the first error in err as "record ID field NAME: message". */
int app_save(fc_app *a, record *r, val_report *report, fc_err *err);

/* The door for a record that arrives signed from the ledger (a device
 * sync, the county's merge, `check --rebuild`): text is the record file as
 * the signed history holds it, path where it lies (for messages). It is
 * parsed and stored exactly as it is, even when it fails a rule, since the
 * signed county record is the truth: `check` and the card list its errors.
 * origin is STORE_SYNCED (audit names who) or STORE_REBUILD. *out (may be
 * NULL) receives the parsed record; free it with record_free. A file that
 * is not a record is FC_EINVALID naming path. Runs inside the caller's
 * transaction if one is open (store_begin), so a whole changeset lands or
 * none of it does. */
int app_put_arrived(fc_app *a, const char *path, const char *text, size_t len,
		    const char *who, store_origin origin, record **out, fc_err *err);

/* Commit the store's open transaction (store_begin) after records arrived
 * through app_put_arrived: first the checks of every household they
 * belong to are computed again with all of its records in place (the
 * list's marks and filter read them), in the same transaction. */
int app_commit(fc_app *a, fc_err *err);

/* Store what the list shows of hh's checks (store_row.checks), computed
 * from hh and its children kids. app_save and app_commit call it; so does
 * the demo generator, which writes its households in bulk. */
int app_store_checks(fc_app *a, const record *hh, const record *const *kids, size_t n,
		     fc_err *err);

/* Apply "FIELD=VALUE" assignments to record id and save as app_save does
 * (the `set` command). Unknown field: FC_EINVALID naming it. */
int app_set_fields(fc_app *a, const char *id, char *const *assignments, size_t n,
		   val_report *report, fc_err *err);

/* A review decision on a household card (first secretary: "approved", or
 * "returned" with a comment; the cadre: "submitted" to resubmit a returned
 * card). It is written into the household record's review fields and saved
 * like any edit, so it is audited, signed and synced to the other devices. */
int app_review(fc_app *a, const char *household_id, const char *state,
	       const char *comment, fc_err *err);

/* A new record of kind as the form screen and import both start it: the
 * form's defaults (typed fields; calculated ones are app_save's), the
 * village for a household (village may be NULL), "present" for a member,
 * today and this principal as date and visitors of a visit, today as a
 * flag's date (its state "open" is the form's default). id NULL makes
 * a fresh ULID; parent is the household of a member or visit. NULL if the
 * forms have no such kind. Caller frees with record_free. */
record *app_record_new(const fc_app *a, const char *kind, const char *id, const char *parent,
		       const char *village);

/* A valid ID number fills birth date and sex where those are empty (a
 * person can still change them): field names the ID-number field that was
 * set, NULL every ID-number field of r's form. Returns how many fields it
 * filled. The form screen calls it as the number is typed, import for
 * each row, so both fill the same. */
int app_autofill_id(const fc_app *a, record *r, const char *field);

/* Check a value a person typed, as app_save would, without saving: r (not
 * changed; a copy is recalculated) holds the value in field, and is
 * validated with its household and siblings from the store. Returns
 * FC_EINVALID with "record ID field NAME: message" (the form's own
 * message) if an error names that field (field NULL: any error of r).
 * report (may be NULL) receives every issue. `resolve --value` and the
 * county UI's typed resolution go through it. */
int app_check_typed(fc_app *a, const record *r, const char *field, val_report *report,
		    fc_err *err);

/* The form for a record kind, or NULL. */
const form *app_form(const fc_app *a, const char *kind);

/* Today's date (YYYY-MM-DD), honouring FIELDCARD_NOW. */
const char *app_today(void);

#endif
