/* ledger.h — the ledger: a bare git repository (DIR/ledger.git, libgit2)
 * holding one text file per record, a signed commit per changeset, and the
 * refs (main, villages/<code>, batches/<principal>). See DESIGN.md, "The
 * ledger", "Signed changesets" and "Merging".
 *
 * What this module gives the sync and merge code:
 *  - trees written from a base plus a list of changed files with
 *    git_tree_create_updated, so the cost grows with the records changed;
 *  - commits signed with SSHSIG (namespace "git") in the gpgsig header,
 *    which stock `git verify-commit` accepts;
 *  - refs moved by compare-and-swap, so a concurrent or replayed update
 *    fails cleanly (FC_ECONFLICT) instead of losing a commit;
 *  - a tree diff that skips equal subtrees (cost grows with the change);
 *  - verification of a commit's signature against allowed_signers.
 *
 * Only sync/ includes this header (it exposes libgit2 types); the UI and
 * the form engine never do. Object ids are git_oid; a NULL tree/commit id
 * means "empty" where documented. Every function returns 0 or an FC_* code
 * and fills err; libgit2 errors are wrapped with their message. */
#ifndef FIELDCARD_LEDGER_H
#define FIELDCARD_LEDGER_H

#include <stddef.h>
#include <git2.h>
#include "fieldcard/buf.h"
#include "fieldcard/err.h"
#include "fieldcard/sig.h"

typedef struct ledger ledger;

/* ---- opening ---- */

/* Open the bare repository at gitdir (e.g. DIR/ledger.git). With create,
 * make it first if it does not exist (bare, HEAD -> refs/heads/main);
 * without, FC_ENOTFOUND if there is none. Free with ledger_free. */
int ledger_open(const char *gitdir, int create, ledger **out, fc_err *err);
void ledger_free(ledger *l);
/* The libgit2 repository (borrowed; for remotes, fetch and push). */
git_repository *ledger_repo(ledger *l);
/* Copy libgit2's last error into err as "what: message"; returns the FC_*
 * code for the libgit2 code gerr (GIT_ENOTFOUND -> FC_ENOTFOUND, GIT_EEXISTS
 * / GIT_EMODIFIED / GIT_ELOCKED -> FC_ECONFLICT, else FC_ERROR). For other
 * sync modules that call libgit2 directly. */
int ledger_git_error(fc_err *err, int gerr, const char *what);

/* ---- refs ---- */

/* The commit a ref points to ("refs/heads/main", or a short name such as
 * "main" or "batches/zhang" resolved like git does). FC_ENOTFOUND if none. */
int ledger_ref_get(ledger *l, const char *ref, git_oid *out, fc_err *err);
/* Compare-and-swap: move ref (full name, "refs/...") to oid only if it
 * points at old now; old NULL means the ref must not exist yet. Otherwise
 * FC_ECONFLICT "ref X moved: ..." and nothing changes. log is the reflog
 * message. */
int ledger_ref_set(ledger *l, const char *ref, const git_oid *oid, const git_oid *old,
		   const char *log, fc_err *err);
/* Set ref to oid whatever it points at now (remote-tracking refs, repairs). */
int ledger_ref_force(ledger *l, const char *ref, const git_oid *oid, const char *log,
		     fc_err *err);
/* Delete ref; FC_ENOTFOUND if it does not exist. */
int ledger_ref_delete(ledger *l, const char *ref, fc_err *err);

/* ---- trees and commits ---- */

/* One file change: data NULL means remove path. Paths are relative,
 * '/'-separated, without "." or ".." or empty parts
 * ("villages/520102001/01J9.../household"). */
typedef struct ledger_change {
	const char *path;
	const void *data;
	size_t len;
} ledger_change;

/* The tree of a commit. */
int ledger_commit_tree(ledger *l, const git_oid *commit, git_oid *tree_out, fc_err *err);
/* Write blobs for the changes and a tree = base_tree (NULL = empty) with
 * them applied (git_tree_create_updated; only the trees on changed paths
 * are rewritten). The changes may come in any order; a path twice is
 * FC_EINVALID. Removing a path that is not there is not an error. */
int ledger_tree_update(ledger *l, const git_oid *base_tree, const ledger_change *changes,
		       size_t n, git_oid *tree_out, fc_err *err);

/* Who signs a commit, and when. */
typedef struct ledger_author {
	const char *principal;   /* allowed_signers principal, also the author name */
	const char *device;      /* e-mail is principal@device.fieldcard */
	const sig_key *key;      /* secret key that signs */
	long long time;          /* seconds since epoch; 0 = util_now() */
	int tz_minutes;          /* offset east of UTC, e.g. 480 for +0800; 0 = UTC */
} ledger_author;

/* Write a commit of tree with these parents (nparents may be 0), message
 * as given (end it with ledger_message_trailers), author = committer = who,
 * signed: the commit buffer is signed with SSHSIG namespace "git" and stored
 * in the gpgsig header. Writes the object only; no ref moves. */
int ledger_commit_write(ledger *l, const git_oid *tree, const git_oid *parents,
			size_t nparents, const ledger_author *who, const char *message,
			git_oid *out, fc_err *err);
/* The changeset in one call: tree = base commit's tree (base NULL = root
 * commit on an empty tree) + changes; a signed commit whose parent is base;
 * then, if ref is not NULL, ref moved from base to it by compare-and-swap
 * (base NULL: ref must not exist). FC_ECONFLICT if ref moved meanwhile (the
 * commit object is written but unreferenced, harmless). */
int ledger_commit_changes(ledger *l, const char *ref, const git_oid *base,
			  const ledger_change *changes, size_t n, const ledger_author *who,
			  const char *message, git_oid *out, fc_err *err);

/* ---- messages ---- */

/* A readable changeset message: "<principal>: <nfields> field(s) in
 * <nrecords> record(s) of <n> household(s)", a body listing the households,
 * then the trailers. households may be NULL when n is 0. */
void ledger_message_changeset(fc_buf *out, const char *principal, const char *device,
			      const char *const *households, size_t nhouseholds,
			      size_t nrecords, size_t nfields);
/* Append the trailer block "\nFieldcard-Principal: P\nFieldcard-Device: D\n"
 * (with a blank line before it, if out does not end with one) to a message
 * of your own (merges, resolutions, village cuts). */
void ledger_message_trailers(fc_buf *out, const char *principal, const char *device);
/* The value of trailer key (e.g. "Fieldcard-Principal") in a commit message;
 * FC_ENOTFOUND if absent. */
int ledger_message_trailer(const char *message, const char *key, fc_buf *out);
/* The message of a commit (borrowed copy into out). */
int ledger_commit_message(ledger *l, const git_oid *commit, fc_buf *out, fc_err *err);

/* ---- reading ---- */

/* The bytes of path at rev (any git revision: "main", an oid in hex,
 * "refs/heads/batches/zhang"). FC_ENOTFOUND if rev or path is missing. */
int ledger_read(ledger *l, const char *rev, const char *path, fc_buf *out, fc_err *err);
/* The same from a tree id (NULL = the empty tree: FC_ENOTFOUND). */
int ledger_read_tree(ledger *l, const git_oid *tree, const char *path, fc_buf *out,
		     fc_err *err);

/* The bytes of a blob by its id (a ledger_delta's new_blob): no path walk,
 * so reading every changed file of a diff costs what the files cost. */
int ledger_read_blob(ledger *l, const git_oid *blob, const char *what, fc_buf *out, fc_err *err);

/* Called for each file; nonzero stops the walk and is returned. path and
 * data are valid during the call only. */
typedef int (*ledger_file_cb)(const char *path, const git_oid *blob, const void *data,
			      size_t len, void *payload);
/* Every file under prefix ("" or NULL = all, "villages/520102001") of tree,
 * in git tree order, loading one blob at a time. A prefix that does not
 * exist yields nothing (returns 0). */
int ledger_foreach(ledger *l, const git_oid *tree, const char *prefix, ledger_file_cb cb,
		   void *payload, fc_err *err);

/* One changed file between two trees. has_old 0 = added, has_new 0 =
 * removed; else modified (blob id or mode changed). */
typedef struct ledger_delta {
	const char *path;
	git_oid old_blob, new_blob;
	int has_old, has_new;
} ledger_delta;
typedef int (*ledger_diff_cb)(const ledger_delta *d, void *payload);
/* Changed files from base_tree to new_tree (either may be NULL = empty), in
 * git tree order. Subtrees with the same id on both sides are skipped
 * without being read, so the cost grows with what changed. A nonzero
 * callback return stops the walk and is returned. */
int ledger_diff(ledger *l, const git_oid *base_tree, const git_oid *new_tree,
		ledger_diff_cb cb, void *payload, fc_err *err);

/* ---- verification ---- */

#define LEDGER_SIGNERS_PATH "keys/allowed_signers"

/* Parse LEDGER_SIGNERS_PATH from tree (errors name "keys/allowed_signers
 * at <short tree id>:<line>"). FC_ENOTFOUND if the tree has none. */
int ledger_signers_from_tree(ledger *l, const git_oid *tree, sig_signers *out, fc_err *err);

/* What a good signature tells. */
typedef struct ledger_signed_by {
	char principal[128];
	unsigned char pk[32];
	long long time;          /* committer time */
} ledger_signed_by;

/* Verify one commit: it carries a gpgsig header; the SSHSIG (namespace git)
 * is good over the commit without that header; the key is in signers
 * (if not NULL) or else in keys/allowed_signers of signers_tree (never the
 * commit's own tree: a commit must not vouch for itself); the principal
 * named by the commit's Fieldcard-Principal trailer holds that key; and
 * the committer time lies inside the key's valid-after/valid-before window
 * and the key is not revoked. FC_ECONFLICT with "commit <short oid>:
 * <reason>" (unsigned; bad signature; signed by an unknown key SHA256:...;
 * key of X used for principal Y; key not valid at that time; no
 * Fieldcard-Principal trailer) when any check fails. by may be NULL. */
int ledger_verify_commit(ledger *l, const git_oid *commit, const sig_signers *signers,
			 const git_oid *signers_tree, ledger_signed_by *by, fc_err *err);

/* ---- where records live ----
 *
 * villages/<village>/<a>/<b>/<household>/household
 *                                       /members/<member-id>
 *                                       /visits/<visit-id>
 *                                       /conflicts   (open conflicts, merge.h)
 * <a> and <b> are the household id's last two characters (the random end of
 * a ULID), so a village's households spread over up to 32x32 small trees
 * and a changeset rewrites a few of them, never one tree of every
 * household in the village (DESIGN.md, "The ledger"). */
typedef enum ledger_path_kind {
	LEDGER_PATH_NONE = 0,
	LEDGER_PATH_HOUSEHOLD,
	LEDGER_PATH_MEMBER,
	LEDGER_PATH_VISIT,
	LEDGER_PATH_CONFLICTS
} ledger_path_kind;

typedef struct ledger_path {
	ledger_path_kind kind;
	char village[64];
	char household[64];
	char id[64];            /* the record's id; "" for conflicts */
} ledger_path;

/* "villages/<village>/<a>/<b>/<household>"; caller frees. */
char *ledger_household_dir(const char *village, const char *household);
/* The file of a record; kind LEDGER_PATH_HOUSEHOLD ignores id,
 * LEDGER_PATH_CONFLICTS too. Caller frees. */
char *ledger_record_path(ledger_path_kind kind, const char *village, const char *household,
			 const char *id);
/* Parse a path into out. Returns the kind, LEDGER_PATH_NONE (and out
 * zeroed) for anything else, including a household folder whose shard
 * folders are not the ones its id names. */
ledger_path_kind ledger_path_parse(const char *path, ledger_path *out);
/* The path's kind as a record kind ("household", "member", "visit"); NULL
 * for the others. */
const char *ledger_path_record_kind(ledger_path_kind kind);

#endif
