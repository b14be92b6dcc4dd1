/* ledger.h — the ledger: a bare git repository (DIR/ledger.git) holding
 * one text file per record, a signed commit per changeset, and the refs
 * (main, villages/<code>, batches/<principal>). See DESIGN.md, "The
 * ledger", "Signed changesets" and "Merging".
 *
 * What this module gives the sync and merge code:
 *  - trees written from a base plus a list of changed files
 *    (git_tree_create_updated), so the cost grows with the records changed;
 *  - commits signed with SSHSIG (namespace "git") in the gpgsig header,
 *    which stock `git verify-commit` accepts;
 *  - refs moved by compare-and-swap, so a concurrent or replayed update
 *    fails cleanly (FC_ECONFLICT) instead of losing a commit;
 *  - a tree diff that skips equal subtrees (cost grows with the change);
 *  - verification of a commit's signature against allowed_signers;
 *  - the objects themselves in plain C types: object ids, commits, trees,
 *    walks over history, ref lists, the repository's config.
 *
 * The ledger is the only module that speaks libgit2 (sync/ledger/, with
 * the transport): this header exposes none of its types, so nothing above
 * it can reach libgit2 (scripts/layers.sh checks that no file outside
 * sync/ledger/ names a git_ identifier). Object ids are ledger_oid; a NULL
 * tree/commit id means "empty" where documented. Every function returns 0
 * or an FC_* code and fills err (may be NULL); libgit2 errors are wrapped
 * with their message. Handles (ledger_commit, ledger_tree, ledger_walk)
 * borrow the ledger they came from: free them before ledger_free. */
#ifndef FIELDCARD_LEDGER_H
#define FIELDCARD_LEDGER_H

#include <stddef.h>
#include "fieldcard/buf.h"
#include "fieldcard/err.h"
#include "fieldcard/sig.h"

typedef struct ledger ledger;

/* ---- object ids ---- */

#define LEDGER_OID_SIZE 20      /* bytes of a SHA-1 object id */
#define LEDGER_OID_HEXSIZE 40   /* its hex digits */
#define LEDGER_OID_SHORT 8      /* buffer for the short form (7 digits) */

/* An object id (a commit, a tree or a file's blob), by value. */
typedef struct ledger_oid {
	unsigned char id[LEDGER_OID_SIZE];
} ledger_oid;

/* 1 if a and b are the same id, else 0. */
int ledger_oid_equal(const ledger_oid *a, const ledger_oid *b);
/* 1 if id is all zero (no object), else 0. */
int ledger_oid_is_zero(const ledger_oid *id);
/* The id in hex into out, cut to cap - 1 digits and NUL-terminated
 * (LEDGER_OID_HEXSIZE + 1 for the whole id, LEDGER_OID_SHORT for the short
 * form git prints); returns out. */
char *ledger_oid_fmt(char *out, size_t cap, const ledger_oid *id);
/* The id spelled by the first LEDGER_OID_HEXSIZE characters of hex (what
 * follows is not read, so an id inside a line parses too); FC_EINVALID
 * (out zeroed) unless they are all hex digits. */
int ledger_oid_parse(ledger_oid *out, const char *hex);

/* ---- opening ---- */

/* Open the bare repository at gitdir (e.g. DIR/ledger.git). With create,
 * make it first if it does not exist (bare, HEAD -> refs/heads/main);
 * without, FC_ENOTFOUND if there is none. Free with ledger_free. */
int ledger_open(const char *gitdir, int create, ledger **out, fc_err *err);
void ledger_free(ledger *l);

/* ---- refs ---- */

/* The commit a ref points to ("refs/heads/main", or a short name such as
 * "main" or "batches/zhang" resolved like git does). FC_ENOTFOUND if none. */
int ledger_ref_get(ledger *l, const char *ref, ledger_oid *out, fc_err *err);
/* Compare-and-swap: move ref (full name, "refs/...") to oid only if it
 * points at old now; old NULL means the ref must not exist yet. Otherwise
 * FC_ECONFLICT "ref X moved: ..." and nothing changes. log is the reflog
 * message. */
int ledger_ref_set(ledger *l, const char *ref, const ledger_oid *oid, const ledger_oid *old,
		   const char *log, fc_err *err);
/* Set ref to oid whatever it points at now (remote-tracking refs, repairs). */
int ledger_ref_force(ledger *l, const char *ref, const ledger_oid *oid, const char *log,
		     fc_err *err);
/* Delete ref; FC_ENOTFOUND if it does not exist. */
int ledger_ref_delete(ledger *l, const char *ref, fc_err *err);
/* The full names of the refs that start with prefix ("refs/heads/batches/";
 * NULL or "" = every ref), in the order the repository lists them. *out is
 * NULL-terminated (empty when none match); free it with util_strv_free. */
int ledger_refs(ledger *l, const char *prefix, char ***out, fc_err *err);
/* The object any git revision names ("main", "main~1", an id in hex,
 * "refs/heads/batches/zhang"). FC_ENOTFOUND if there is no such revision. */
int ledger_rev(ledger *l, const char *rev, ledger_oid *out, fc_err *err);

/* ---- the repository's own config ---- */

/* The value of key ("remote.county.url") in DIR/ledger.git/config (out
 * replaced); FC_ENOTFOUND if it is not set. */
int ledger_config_get(ledger *l, const char *key, fc_buf *out, fc_err *err);
/* Set key to value in DIR/ledger.git/config. */
int ledger_config_set(ledger *l, const char *key, const char *value, fc_err *err);

/* ---- commits ---- */

/* One commit, read once: its tree, parents, time and message. */
typedef struct ledger_commit ledger_commit;

/* Read commit id; FC_ENOTFOUND if there is none. Free with
 * ledger_commit_free. */
int ledger_commit_lookup(ledger *l, const ledger_oid *id, ledger_commit **out, fc_err *err);
void ledger_commit_free(ledger_commit *c);
/* What the commit holds; pointers are borrowed from c. */
const ledger_oid *ledger_commit_id(const ledger_commit *c);
const ledger_oid *ledger_commit_tree_id(const ledger_commit *c);
size_t ledger_commit_parentcount(const ledger_commit *c);
/* Parent i (0 = the first parent); NULL if there is none. */
const ledger_oid *ledger_commit_parent(const ledger_commit *c, size_t i);
/* Committer time, seconds since the epoch. */
long long ledger_commit_time(const ledger_commit *c);
/* The whole message, trailers included. */
const char *ledger_commit_text(const ledger_commit *c);

/* The tree of a commit. */
int ledger_commit_tree(ledger *l, const ledger_oid *commit, ledger_oid *tree_out, fc_err *err);
/* The tree of id, whether id is a tree or a commit. */
int ledger_peel_tree(ledger *l, const ledger_oid *id, ledger_oid *tree_out, fc_err *err);
/* 1 if commit descends from ancestor (a different commit reachable from
 * it), 0 if not or if either cannot be read. */
int ledger_descends(ledger *l, const ledger_oid *commit, const ledger_oid *ancestor);

/* ---- walks over history ---- */

/* The commits reachable from the pushed ones and not from the hidden ones
 * (git's revision walk, in its default order; each commit once). */
typedef struct ledger_walk ledger_walk;

int ledger_walk_new(ledger *l, ledger_walk **out, fc_err *err);
void ledger_walk_free(ledger_walk *w);
/* Start from commit id. */
int ledger_walk_push(ledger_walk *w, const ledger_oid *id, fc_err *err);
/* Leave out id and everything reachable from it. */
int ledger_walk_hide(ledger_walk *w, const ledger_oid *id, fc_err *err);
/* Leave out what ref (a full name) reaches. */
int ledger_walk_hide_ref(ledger_walk *w, const char *ref, fc_err *err);
/* Follow first parents only (main's own chain of county commits). */
int ledger_walk_first_parent(ledger_walk *w, fc_err *err);
/* The next commit into out: returns 1, or 0 when the walk is over, or an
 * FC_* code on error. */
int ledger_walk_next(ledger_walk *w, ledger_oid *out, fc_err *err);

/* ---- trees ---- */

typedef enum ledger_kind {
	LEDGER_KIND_OTHER = 0,  /* anything else (a submodule link) */
	LEDGER_KIND_BLOB,       /* a file */
	LEDGER_KIND_TREE        /* a folder */
} ledger_kind;

/* One entry of a tree. */
typedef struct ledger_entry {
	const char *name;       /* borrowed: from the tree, or the last part of
	                           the path asked for (ledger_tree_bypath) */
	ledger_oid id;
	ledger_kind kind;
} ledger_entry;

/* One tree, read once, to look into many times. */
typedef struct ledger_tree ledger_tree;

/* Read tree id; free with ledger_tree_free. */
int ledger_tree_lookup(ledger *l, const ledger_oid *id, ledger_tree **out, fc_err *err);
void ledger_tree_free(ledger_tree *t);
const ledger_oid *ledger_tree_id(const ledger_tree *t);
/* Its entries, in git tree order. */
size_t ledger_tree_count(const ledger_tree *t);
/* Entry i into out; FC_ENOTFOUND past the end. */
int ledger_tree_at(const ledger_tree *t, size_t i, ledger_entry *out);
/* The entry called name (one level); FC_ENOTFOUND if none. */
int ledger_tree_byname(const ledger_tree *t, const char *name, ledger_entry *out);
/* The entry at path ("villages/520102001"), reading the subtrees on the
 * way; FC_ENOTFOUND if none. */
int ledger_tree_bypath(const ledger_tree *t, const char *path, ledger_entry *out);
/* ledger_tree_bypath from a tree id (NULL = the empty tree: FC_ENOTFOUND). */
int ledger_find(ledger *l, const ledger_oid *tree, const char *path, ledger_entry *out,
		fc_err *err);
/* Write a tree of these entries (each a blob or a tree already in the
 * ledger, such as the subtrees of other trees: nothing is copied); names
 * must be unique (a later entry replaces an earlier one of the same name).
 * This is how a village cut shares main's subtree objects. */
int ledger_tree_write(ledger *l, const ledger_entry *v, size_t n, ledger_oid *out, fc_err *err);

/* ---- writing trees and commits ---- */

/* One file change: data NULL means remove path. Paths are relative,
 * '/'-separated, without "." or ".." or empty parts
 * ("villages/520102001/01J9.../household"). */
typedef struct ledger_change {
	const char *path;
	const void *data;
	size_t len;
} ledger_change;

/* Write blobs for the changes and a tree = base_tree (NULL = empty) with
 * them applied (git_tree_create_updated; only the trees on changed paths
 * are rewritten). The changes may come in any order; a path twice is
 * FC_EINVALID. Removing a path that is not there is not an error. */
int ledger_tree_update(ledger *l, const ledger_oid *base_tree, const ledger_change *changes,
		       size_t n, ledger_oid *tree_out, fc_err *err);

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
int ledger_commit_write(ledger *l, const ledger_oid *tree, const ledger_oid *parents,
			size_t nparents, const ledger_author *who, const char *message,
			ledger_oid *out, fc_err *err);
/* The changeset in one call: tree = base commit's tree (base NULL = root
 * commit on an empty tree) + changes; a signed commit whose parent is base;
 * then, if ref is not NULL, ref moved from base to it by compare-and-swap
 * (base NULL: ref must not exist). FC_ECONFLICT if ref moved meanwhile (the
 * commit object is written but unreferenced, harmless). */
int ledger_commit_changes(ledger *l, const char *ref, const ledger_oid *base,
			  const ledger_change *changes, size_t n, const ledger_author *who,
			  const char *message, ledger_oid *out, fc_err *err);

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
/* The message of a commit, appended to out. */
int ledger_commit_message(ledger *l, const ledger_oid *commit, fc_buf *out, fc_err *err);

/* ---- reading ---- */

/* The bytes of path at rev (any git revision: "main", an oid in hex,
 * "refs/heads/batches/zhang"). FC_ENOTFOUND if rev or path is missing. */
int ledger_read(ledger *l, const char *rev, const char *path, fc_buf *out, fc_err *err);
/* The same from a tree id (NULL = the empty tree: FC_ENOTFOUND). */
int ledger_read_tree(ledger *l, const ledger_oid *tree, const char *path, fc_buf *out,
		     fc_err *err);

/* The bytes of a blob by its id (a ledger_delta's new_blob), appended to
 * out: no path walk, so reading every changed file of a diff costs what
 * the files cost. what names it in an error. */
int ledger_read_blob(ledger *l, const ledger_oid *blob, const char *what, fc_buf *out,
		     fc_err *err);
/* The kind and size of an object from its header only (the file is not
 * read: a size check costs nothing). */
int ledger_object_info(ledger *l, const ledger_oid *id, ledger_kind *kind, size_t *size,
		       fc_err *err);

/* Called for each file; nonzero stops the walk and is returned. path and
 * data are valid during the call only. */
typedef int (*ledger_file_cb)(const char *path, const ledger_oid *blob, const void *data,
			      size_t len, void *payload);
/* Every file under prefix ("" or NULL = all, "villages/520102001") of tree,
 * in git tree order, loading one blob at a time. A prefix that does not
 * exist yields nothing (returns 0). */
int ledger_foreach(ledger *l, const ledger_oid *tree, const char *prefix, ledger_file_cb cb,
		   void *payload, fc_err *err);

/* One changed file between two trees. has_old 0 = added, has_new 0 =
 * removed; else modified (blob id or mode changed). */
typedef struct ledger_delta {
	const char *path;
	ledger_oid old_blob, new_blob;
	int has_old, has_new;
} ledger_delta;
typedef int (*ledger_diff_cb)(const ledger_delta *d, void *payload);
/* Changed files from base_tree to new_tree (either may be NULL = empty), in
 * git tree order. Subtrees with the same id on both sides are skipped
 * without being read, so the cost grows with what changed. A nonzero
 * callback return stops the walk and is returned. */
int ledger_diff(ledger *l, const ledger_oid *base_tree, const ledger_oid *new_tree,
		ledger_diff_cb cb, void *payload, fc_err *err);

/* ---- verification ---- */

#define LEDGER_SIGNERS_PATH "keys/allowed_signers"

/* Parse LEDGER_SIGNERS_PATH from tree (errors name "keys/allowed_signers
 * at <short tree id>:<line>"). FC_ENOTFOUND if the tree has none. */
int ledger_signers_from_tree(ledger *l, const ledger_oid *tree, sig_signers *out, fc_err *err);

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
int ledger_verify_commit(ledger *l, const ledger_oid *commit, const sig_signers *signers,
			 const ledger_oid *signers_tree, ledger_signed_by *by, fc_err *err);

/* ---- where records live ----
 *
 * villages/<village>/<a>/<b>/<household>/household
 *                                       /members/<member-id>
 *                                       /visits/<visit-id>
 *                                       /flags/<flag-id>  (flags.h)
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
	LEDGER_PATH_CONFLICTS,
	LEDGER_PATH_FLAG         /* a flag to verify, beside members and visits */
} ledger_path_kind;

/* The folder of a household's flags. */
#define LEDGER_FLAGS_DIR "flags"

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
/* The path's kind as a record kind ("household", "member", "visit",
 * "flag"); NULL
 * for the others. */
const char *ledger_path_record_kind(ledger_path_kind kind);

#endif
