/* ledger_int.h — what the files of the ledger module share (ledger.c,
 * ledger_tree.c, ledger_walk.c, ledger_verify.c, ledger_path.c): the
 * repository handle and the bridge between our plain types and libgit2's.
 * Private to sync/ledger/; the public API is fieldcard/ledger.h.
 *
 * ledger_oid has the layout of libgit2 1.5's git_oid (20 bytes, nothing
 * else), checked below, so ids pass between the two by pointer, with no
 * copy. The handles (ledger_commit, ledger_tree, ledger_walk) are
 * libgit2's own objects under our names: never defined, only cast, so a
 * lookup costs what libgit2's costs. */
#ifndef FIELDCARD_LEDGER_INT_H
#define FIELDCARD_LEDGER_INT_H

#include <stddef.h>
#include <git2.h>

#include "fieldcard/ledger.h"

struct ledger {
	git_repository *repo;
	char *path;
	int writing;          /* holds the writer lock (ledger_writer_lock) */
};

/* Before a ref or the config of gitdir is written: take the process's
 * writer lock on it (<gitdir>/fieldcard.lock), counted, waiting up to 10 s
 * for another fieldcard process; the first take removes the *.lock files
 * dead writers left (ledger_lock.c says why). FC_ECONFLICT naming gitdir
 * if another process keeps it. Release each take with
 * ledger_writer_unlock. */
int ledger_writer_lock(const char *gitdir, fc_err *err);
void ledger_writer_unlock(const char *gitdir);
/* The writer lock for l, once per handle; released by ledger_free. */
int ledger_writing(ledger *l, fc_err *err);

/* Writing many objects as one pack instead of loose files (ledger_bulk.c):
 * *out is a repository over l's objects whose writes stay in memory (*mem);
 * ledger_bulk_finish writes them into l as one pack (keep, else drops
 * them: the blobs written and the trees of tree that base lacks) and frees
 * the repository. Used from LEDGER_BULK_MIN files on. */
#define LEDGER_BULK_MIN 256
struct git_odb_backend;
int ledger_bulk_open(ledger *l, git_repository **out, struct git_odb_backend **mem, fc_err *err);
int ledger_bulk_finish(ledger *l, git_repository *bulk, struct git_odb_backend *mem,
		       const git_oid *tree, const git_oid *base, const git_oid *blobs, size_t nblobs,
		       int keep, fc_err *err);

_Static_assert(sizeof(git_oid) == sizeof(ledger_oid) && offsetof(git_oid, id) == 0 &&
		       GIT_OID_RAWSZ == LEDGER_OID_SIZE && GIT_OID_HEXSZ == LEDGER_OID_HEXSIZE,
	       "ledger_oid must have the layout of git_oid");

static inline const git_oid *goid(const ledger_oid *o)
{
	return (const git_oid *)(const void *)o;
}

static inline git_oid *goid_out(ledger_oid *o)
{
	return (git_oid *)(void *)o;
}

static inline const ledger_oid *loid(const git_oid *o)
{
	return (const ledger_oid *)(const void *)o;
}

static inline const git_tree *gtree(const ledger_tree *t)
{
	return (const git_tree *)(const void *)t;
}

static inline const git_commit *gcommit(const ledger_commit *c)
{
	return (const git_commit *)(const void *)c;
}

static inline git_revwalk *gwalk(ledger_walk *w)
{
	return (git_revwalk *)(void *)w;
}

/* Copy libgit2's last error into err as "what: message"; returns the FC_*
 * code for the libgit2 code gerr (GIT_ENOTFOUND -> FC_ENOTFOUND, GIT_EEXISTS
 * / GIT_EMODIFIED / GIT_ELOCKED -> FC_ECONFLICT, else FC_ERROR). */
int ledger_git_error(fc_err *err, int gerr, const char *what);

/* The short form of id (7 hex digits), for messages. */
void ledger_short_id(char out[LEDGER_OID_SHORT], const ledger_oid *id);

/* Look up tree id; NULL stands for the empty tree and gives a NULL tree
 * (git_tree_create_updated takes a NULL baseline), so no empty tree object
 * is ever written just to be read. */
int ledger_tree_or_empty(ledger *l, const ledger_oid *id, git_tree **out, fc_err *err);

#endif
