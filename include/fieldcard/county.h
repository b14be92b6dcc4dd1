/* county.h — the county's side of the ledger (DESIGN.md, "Branches and
 * sync", "Merging"): the incoming batches/<principal> refs, their
 * verification (signatures, keys valid at the time, scope), the merge of a
 * batch into main with the explicit base, the villages/<code> cuts that
 * follow, and the duplicate ID numbers a merge brings.
 *
 * Works on the county staff's own ledger (DIR/ledger.git): batches are
 * fetched into refs/heads/batches/<principal>, the county's main and
 * villages/<code> into refs/remotes/county/...; main and villages/<code> are
 * written locally and pushed. The sync layer and the county's commands
 * include this header; the UI goes through desk.h. */
#ifndef FIELDCARD_COUNTY_H
#define FIELDCARD_COUNTY_H

#include <stddef.h>
#include "fieldcard/app.h"
#include "fieldcard/err.h"
#include "fieldcard/identity.h"
#include "fieldcard/ledger.h"
#include "fieldcard/merge.h"

/* What keys/roster on main says of a principal (identity.h: role,
 * villages, revoked). */
typedef identity_principal county_principal;

/* Look principal up in keys/roster of tree (identity_roster_get);
 * FC_ENOTFOUND if absent, FC_EINVALID (naming the limits) if its role or
 * villages do not fit: never a list cut short. */
int county_roster_get(ledger *l, const ledger_oid *tree, const char *principal,
		      county_principal *out, fc_err *err);

typedef enum county_status {
	COUNTY_GOOD,
	COUNTY_BAD_SIGNATURE,   /* unsigned or a signature that does not verify */
	COUNTY_UNKNOWN_KEY,     /* not in keys/allowed_signers, or principal not enrolled */
	COUNTY_KEY_NOT_VALID,   /* outside valid-after/valid-before, or revoked */
	COUNTY_OUT_OF_SCOPE,    /* a path outside the principal's villages, forms/, keys/ */
	COUNTY_MERGED           /* nothing new: main already holds the tip */
} county_status;

const char *county_status_name(county_status s);

typedef struct county_batch {
	char principal[128];
	county_principal who;
	ledger_oid tip;
	int ahead;              /* commits not on main */
	int records;            /* record files that differ from the base */
	county_status status;
	char reason[512];       /* "commit <short>: <reason>" when not good */
} county_batch;

/* Fetch main, every villages/<code> and batches/<principal> from url into the county ledger
 * (the transport API); local main fast-forwards to the remote's if behind. */
int county_fetch(ledger *l, const char *repo_path, const char *dir, const char *url,
		 fc_err *err);

/* Every refs/heads/batches/<principal>, verified against main. *out is an
 * array of *n (free()). */
int county_batches(ledger *l, county_batch **out, size_t *n, fc_err *err);

/* Verify one batch against main (fills b; FC_ECONFLICT with b->reason in
 * err if not good). base_tree (may be NULL) receives the explicit base. */
int county_verify(ledger *l, const char *principal, county_batch *b, ledger_oid *base_tree,
		  int *has_base, fc_err *err);

typedef struct county_merge_result {
	ledger_oid main;         /* new main */
	size_t conflicts;
	size_t duplicates;
	int villages_cut;
} county_merge_result;

/* Verify and merge batches/<principal> into main (merge commit signed by
 * who, parents main + batch tip), cut the villages it touched, and bring
 * the county's own store (a->st) up to the merged tree: every record the
 * merge changed goes through app_put_arrived (sync_arrive), the new open
 * conflicts are stored, and every head or present member whose ID number
 * another household holds is flagged in COUNTY_DUPLICATES_PATH (no limit on
 * how many). conflicts (may be NULL) receives the new open conflicts.
 * FC_ECONFLICT if the batch is refused (nothing changes). */
int county_merge(ledger *l, fc_app *a, const ledger_author *who, const char *principal,
		 merge_conflicts *conflicts, county_merge_result *res, fc_err *err);

/* Advance villages/<code> to main_commit: tree = main's forms/, keys/ and
 * villages/<code>/ (the same objects), first parent = the previous
 * villages/<code>, trailer "Fieldcard-Main: <oid>", and one trailer
 * "Fieldcard-Merged: <principal> <tip oid>" per batch of a principal of
 * that village whose tip main_commit contains (a device can take its own
 * merged tip as the base of its next merge). Those tips of principals of
 * this one village whose new history holds no other village are further
 * parents, so a device's next fetch does not bring its own records back.
 * No commit if the tree is the same. */
int county_cut_village(ledger *l, const ledger_author *who, const ledger_oid *main_commit,
		       const char *village, fc_err *err);

/* Possible duplicates (the same head ID number in two households), kept
 * in main's tree so that every county desk sees them and each decision is
 * a signed commit: COUNTY_DUPLICATES_PATH, one line per pair
 *     HH-A TAB HH-B TAB STATE TAB MASKED-HEAD-ID
 * STATE "open" (flagged by a merge, for a person to decide), "duplicate"
 * (HH-A is a duplicate of HH-B, which is kept) or "cleared" (two
 * households after all). The file lies outside villages/, so devices never
 * receive it and no device batch may change it. */
#define COUNTY_DUPLICATES_PATH "county/duplicates"

typedef struct county_dup {
	char a[64], b[64], state[16], masked[40];
} county_dup;

/* Every pair in tree (a tree id); *out (free()) NULL and *n 0 if none. */
int county_duplicates(ledger *l, const ledger_oid *tree, county_dup **out, size_t *n, fc_err *err);
/* Decide the open flag on household id (and other, if not NULL): clear it
 * (clear != 0), or mark id a duplicate of other (other required). A signed
 * commit on main by who; FC_ENOTFOUND if no such open flag. */
int county_duplicate_decide(ledger *l, const ledger_author *who, const char *id,
			    const char *other, int clear, ledger_oid *new_main, fc_err *err);

/* ---- records the county writes itself (county_records.c) ---- */

typedef struct county_records_result {
	ledger_oid main;        /* main after the commit */
	size_t records;         /* record files committed (0: main held them all) */
	int villages_cut;
} county_records_result;

/* Commit n new or changed records (recs[i] in village villages[i]: a flag
 * of `compare`, a county desk's decision on one) to main in one commit
 * signed by who, message (a subject line and a body; the trailers are
 * added); the county's own store takes each record as main now holds it
 * (app_put_arrived, one transaction that commits once main has moved), and
 * every village touched is cut again. Records are serialised with their
 * forms as they are: the caller has checked them. Nothing is committed if
 * main already holds them all (res->records 0). */
int county_commit_records(ledger *l, fc_app *a, const ledger_author *who,
			  record *const *recs, const char *const *villages, size_t n,
			  const char *message, county_records_result *res, fc_err *err);

/* Verify every commit reachable from rev (signature against the
 * allowed_signers of its first parent's tree, or its own for a root
 * commit signed by a county principal; scope of non-county commits against
 * their first parent). Each bad commit is appended to report as
 * "commit <short>: <reason>\n"; returns FC_ECONFLICT if any. */
int county_verify_history(ledger *l, const char *rev, fc_buf *report, int *ncommits,
			  fc_err *err);

/* ---- making a county (county_setup.c) ---- */

/* Make the bare county repository at path (nothing there yet) and dir as
 * the county staff's data directory (role county, principal name, remote
 * path, setting county = code): the first commit on main, signed, holds
 * the forms of forms_dir (NULL: the shipped ones) as forms/...,
 * keys/allowed_signers with the county key and keys/roster; pushed. line
 * (may be NULL) receives the county key's allowed-signers line. */
int county_init_repo(const char *dir, const char *path, const char *name, const char *code,
		     const char *forms_dir, fc_buf *line, fc_err *err);

/* Enrol a device (county role; a is the staff's open data directory): the
 * public key in pubkey_file ("ssh-ed25519 AAAA... comment") goes into
 * keys/allowed_signers and principal's line (role, villages) into
 * keys/roster, in one signed commit on main (none if both are there
 * already); then every village the roster names is cut again (keys/
 * changed) and pushed with main. A bad key file is FC_EINVALID naming it. */
int county_enroll(fc_app *a, const char *pubkey_file, const char *principal, const char *role,
		  const char *villages, fc_err *err);

#endif
