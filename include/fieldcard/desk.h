/* desk.h — the county desk in plain C types: list the incoming batches,
 * merge one, read and settle the open conflicts. The text UI uses the
 * desk_batches/desk_merge/desk_conflicts/desk_resolve calls (it never sees
 * libgit2 or SQLite); the CLI's county commands (app/cli/cmd_merge.c) share
 * the session calls below them, so both front ends fetch, verify, sign and
 * push the same way. */
#ifndef FIELDCARD_DESK_H
#define FIELDCARD_DESK_H

#include <stddef.h>
#include "fieldcard/app.h"
#include "fieldcard/buf.h"
#include "fieldcard/err.h"

/* One incoming batches/<principal> not yet on main (strings borrowed for
 * the callback). status is county_status_name ("good", "bad-signature",
 * ...); reason is "" when good, else "commit <short>: <reason>". */
typedef struct desk_batch {
	const char *principal, *role, *villages;
	int ahead;          /* commits not on main */
	int records;        /* record files that differ from the base */
	int good;           /* 1 if it may be merged */
	const char *status, *reason;
} desk_batch;
typedef int (*desk_batch_cb)(const desk_batch *b, void *ud);

/* Fetch from the county remote (if one is set), then call cb for every
 * batch not merged yet. A nonzero return from cb stops the walk. */
int desk_batches(fc_app *a, desk_batch_cb cb, void *ud, fc_err *err);
/* The same without fetching: the batches as of the last fetch (cheap
 * enough for a home screen). */
int desk_batches_local(fc_app *a, desk_batch_cb cb, void *ud, fc_err *err);

/* Verify, merge and push batches/<principal> (county role; the merge
 * commit is signed with DIR/keys/id_ed25519, opened by the passphrase rule
 * of identity.h if it is sealed). report receives the lines the CLI prints
 * ("batches/P: merged, N conflict(s), ..." and one "  conflict ..." line
 * per new conflict). A refused batch returns FC_ECONFLICT with
 * "commit <short>: <reason>" in err and changes nothing. conflicts (may be
 * NULL) receives the number of new open conflicts. */
int desk_merge(fc_app *a, const char *principal, fc_buf *report, size_t *conflicts,
	       fc_err *err);

/* One open conflict on a field (strings borrowed for the callback; "" when
 * absent or unknown). */
typedef struct desk_conflict {
	const char *record_id, *field, *kind;   /* kind "" if unknown */
	const char *base, *ours, *theirs, *ours_who, *theirs_who;
} desk_conflict;
typedef int (*desk_conflict_cb)(const desk_conflict *c, void *ud);

/* The open conflicts: on the county role those recorded on main (with the
 * principals the county store remembers), on a device those its store
 * holds (they are settled at the county and reach the device by sync). */
int desk_conflicts(fc_app *a, desk_conflict_cb cb, void *ud, fc_err *err);

/* Settle the conflict on record_id's field (county role): how "ours",
 * "theirs" or "value" (then value is the new value, typed by a person: the
 * model checks it as a typed save, app_check_typed, and a value the form
 * refuses is FC_EINVALID with the field's message, nothing committed). A
 * signed commit on main, the record's village cut again, pushed; the
 * county store takes the record as main now holds it (app_put_arrived)
 * and forgets the conflict in the same step, so show, the card, history
 * and check give the new value at once. FC_ENOTFOUND if there is no such
 * open conflict. */
int desk_resolve(fc_app *a, const char *record_id, const char *field, const char *how,
		 const char *value, fc_err *err);

/* A county desk's decision on a flag (flags.h: "confirmed" or
 * "dismissed", a note needed): checked as flags_decided checks it, then a
 * signed commit on main (county_commit_records), the flag's village cut
 * again, pushed; the county store follows at once. On a device, a decision
 * is flags_decide, which saves it for the next sync. */
int desk_flag_decide(fc_app *a, const char *flag_id, const char *state, const char *note,
		     fc_err *err);

/* ---- the session under those calls (sync/ only: the CLI's county
 * commands) ---- */

typedef struct desk desk;
struct ledger;
struct ledger_author;

/* Open the county ledger of a (borrowed; desk_close leaves it open).
 * need_key: refuse unless the role is county, and load the signing key. */
int desk_open(fc_app *a, int need_key, desk **out, fc_err *err);
void desk_close(desk *d);
/* Fetch main, villages and batches from the remote (none set: nothing). */
int desk_fetch(desk *d, fc_err *err);
/* Push main and every villages/<code> to the remote (none set: nothing). */
int desk_push(desk *d, fc_err *err);
/* desk_batches without the fetch. */
int desk_batch_each(desk *d, desk_batch_cb cb, void *ud, fc_err *err);
/* The conflicts recorded on the ledger's main, whatever the role. */
int desk_main_conflicts(desk *d, desk_conflict_cb cb, void *ud, fc_err *err);
/* desk_merge without the fetch and the push (the CLI merges several
 * batches and pushes once). */
int desk_merge_one(desk *d, const char *principal, fc_buf *report, size_t *conflicts,
		   fc_err *err);
/* desk_resolve without the fetch and the push. */
int desk_resolve_one(desk *d, const char *record_id, const char *field, const char *how,
		     const char *value, fc_err *err);
/* desk_flag_decide without the fetch and the push. */
int desk_flag_decide_one(desk *d, const char *flag_id, const char *state, const char *note,
			 fc_err *err);
struct ledger *desk_ledger(desk *d);
const struct ledger_author *desk_author(desk *d);

#endif
