/* sync.h — the whole `fieldcard sync` of a device (DESIGN.md, "Branches and
 * sync"): commit pending changes as one signed changeset on
 * batches/<principal> → read the county's refs on one held connection
 * (transport_session; push if there is something to send, else fetch) →
 * fetch the device's villages/<code> refs that moved → merge each
 * into the device branch, field by field, with the explicit base (the
 * village commit merged last, kept in refs/fieldcard/merged/villages/<code>)
 * → bring the store up to the merged tree (records as STORE_SYNCED, open
 * conflicts, forms into DIR/forms) → push the branch, fast-forward only.
 *
 * Every step can be cut and run again: a changeset whose tree is already
 * the branch's is not committed twice, a village already merged is not
 * merged again, the store follows the tree from the one it last reached
 * (setting "store_tree"), and a push repeats until the remote has the
 * branch. The UI's sync screen calls sync_run with its own progress
 * callbacks; no ncurses here. */
#ifndef FIELDCARD_SYNC_H
#define FIELDCARD_SYNC_H

#include "fieldcard/app.h"
#include "fieldcard/err.h"
#include "fieldcard/transport.h"

typedef struct sync_opts {
	const char *remote;        /* NULL: the setting "remote" */
	const char *passphrase_file; /* a sealed signing key's passphrase file, or
	                              NULL: the rest of the rule (identity.h) */
	const transport_progress *progress; /* may be NULL */
	/* Called at the start of each step ("commit", "fetch", "merge",
	 * "store", "push") with a short line for a person. May be NULL. */
	void (*step)(const char *name, const char *text, void *ud);
	void *ud;
} sync_opts;

typedef struct sync_result {
	int committed;          /* records in the new changeset (0 = none) */
	int villages_merged;    /* village refs that brought something */
	int records_updated;    /* store records written from the ledger */
	int conflicts;          /* open conflicts after the sync */
	int pushed;             /* 1 if the branch went to the remote */
	char forms_problem[1100]; /* new forms from the county that do not load:
	                            why ("FILE:LINE: ..."); the forms in use stay */
} sync_result;

/* Run the whole sync. FC_EOFFLINE if the remote cannot be reached (what was
 * committed and merged locally stays; run again later); FC_ECONFLICT if a
 * village commit fails verification (nothing of that village is merged and
 * err names the commit and the reason: unsigned, bad signature, unknown
 * key, a path outside villages/<code>, forms/ and keys/, a malformed
 * record file or one at a path its id does not name, a file over 1 MiB;
 * the other villages merge and the branch is still pushed) or the push
 * is refused; conflicts found while merging do not fail the sync (they are
 * counted in res and listed by `fieldcard conflicts`). */
int sync_run(fc_app *a, const sync_opts *o, sync_result *res, fc_err *err);

/* Note the outcome of a sync in the store (last_sync_at, last_sync_result:
 * what the home screen shows). Returns rc, made FC_ECONFLICT when
 * conflicts remain. */
int sync_note_result(fc_app *a, int rc, const sync_result *res, const fc_err *err);

/* The whole sync for a front end that shows progress as whole lines (the
 * UI's sync screen): steps, transfer progress (a line a quarter second at
 * most) and server messages go to line(ud, text); the outcome is noted. */
int sync_run_lines(fc_app *a, void (*line)(void *ud, const char *text), void *ud, fc_err *err);

/* Rebuild the store's records from the ledger (`check --rebuild`): clear
 * them, then put every record file of the device branch, as synced. Drafts,
 * audit and settings stay. */
int sync_rebuild(fc_app *a, fc_err *err);

/* ---- the store follows the ledger ----
 *
 * The one way record files get from a ledger tree into the store, shared by
 * the device sync, the county's merge and the rebuild: each record file
 * (villages/.../household, members/ID, visits/ID, flags/ID) goes through
 * the model's
 * door for signed records, app_put_arrived, and is stored as the signed
 * history holds it. The caller's extras ride on the callbacks. */
typedef struct sync_arrivals {
	const char *who;          /* the audit's "who" (the sender's principal) */
	store_origin origin;      /* STORE_SYNCED, or STORE_REBUILD */
	int every;                /* 1: every record file under villages/ of the
	                             tree, nothing compared (check --rebuild) */
	/* Every changed path (every file, with every), records or not
	 * (forms/, keys/, conflicts files), before its record is stored;
	 * has_new 0 = removed. Nonzero stops and is returned. May be NULL. */
	int (*path)(const char *path, int has_new, void *ud);
	/* Every record once it is stored (r borrowed for the call). Nonzero
	 * stops and is returned. May be NULL. */
	int (*record)(const char *path, const record *r, void *ud);
	void *ud;
	size_t stored;            /* out: record files stored */
} sync_arrivals;

/* Bring a's store from tree `from` (NULL: the empty tree) to tree `to`:
 * every record file that differs (or, with how->every, every one) is put
 * through app_put_arrived. A removed file leaves its record alone (records
 * are never deleted). Runs inside the caller's transaction (store_begin),
 * so a whole tree lands or none of it does. */
struct ledger;
struct ledger_oid;
int sync_arrive(fc_app *a, struct ledger *l, const struct ledger_oid *from,
		const struct ledger_oid *to, sync_arrivals *how, fc_err *err);

/* Make the SSH transport key DIR/keys/transport_ed25519 (OpenSSH format,
 * apart from the signing key) if there is none. */
int sync_transport_key(const char *dir, fc_err *err);

/* Ledger path of a record (ledger_record_path with a kind name:
 * "household", "member", "visit", "flag"). Caller frees. NULL if kind
 * unknown. */
char *sync_record_path(const char *kind, const char *village, const char *id,
		       const char *parent);

#endif
