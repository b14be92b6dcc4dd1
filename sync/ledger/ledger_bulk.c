/* ledger_bulk.c — many objects written at once as one pack (ledger_int.h):
 * a changeset of thousands of records (the flags of a `compare`) would
 * otherwise be thousands of loose object files, one file created, written
 * and renamed each: 7 of the 9 seconds that 10,000 flags took to write in
 * a county of 100,000 households. The objects are written to memory
 * (libgit2's mempack) through a second repository over the same objects
 * folder, then into the ledger as one pack with its index. */
#include <stdlib.h>
#include <string.h>

#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include "ledger_int.h"
#include "fieldcard/util.h"

int ledger_bulk_open(ledger *l, git_repository **out, git_odb_backend **mem, fc_err *err)
{
	char *objects = util_asprintf("%s/objects", git_repository_path(l->repo));
	git_odb_backend *loose = NULL, *pack = NULL;
	git_odb *odb = NULL;
	int g;

	*out = NULL;
	*mem = NULL;
	/* Reads come from the ledger's own packs and loose objects; writes
	 * go to memory, the backend of highest priority. */
	if ((g = git_odb_new(&odb)) < 0 || (g = git_mempack_new(mem)) < 0 ||
	    (g = git_odb_add_backend(odb, *mem, 1000)) < 0)
		goto fail;
	if ((g = git_odb_backend_pack(&pack, objects)) < 0 || (g = git_odb_add_backend(odb, pack, 2)) < 0)
		goto fail;
	pack = NULL;
	if ((g = git_odb_backend_loose(&loose, objects, -1, 0, 0, 0)) < 0 ||
	    (g = git_odb_add_backend(odb, loose, 1)) < 0)
		goto fail;
	loose = NULL;
	if ((g = git_repository_wrap_odb(out, odb)) < 0)
		goto fail;
	git_odb_free(odb);
	free(objects);
	return FC_OK;
fail:
	if (pack)
		pack->free(pack);
	if (loose)
		loose->free(loose);
	if (!odb && *mem)
		(*mem)->free(*mem);
	git_odb_free(odb);
	*mem = NULL;
	free(objects);
	return ledger_git_error(err, g, "opening the ledger for a bulk write");
}

/* Every tree of tree that base lacks (by id, name for name), into pb:
 * the trees a git_tree_create_updated wrote, found without reading any
 * subtree the two share. */
static int insert_new_trees(git_packbuilder *pb, git_repository *repo, const git_oid *tree,
			    const git_oid *base)
{
	git_tree *t = NULL, *b = NULL;
	int g;

	if (base && git_oid_equal(tree, base))
		return 0;
	if ((g = git_packbuilder_insert(pb, tree, NULL)) < 0 || (g = git_tree_lookup(&t, repo, tree)) < 0)
		return g;
	if (base && (g = git_tree_lookup(&b, repo, base)) < 0)
		goto out;
	for (size_t i = 0; i < git_tree_entrycount(t) && g >= 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(t, i), *be;

		if (git_tree_entry_type(e) != GIT_OBJECT_TREE)
			continue;
		be = b ? git_tree_entry_byname(b, git_tree_entry_name(e)) : NULL;
		g = insert_new_trees(pb, repo, git_tree_entry_id(e),
				     be && git_tree_entry_type(be) == GIT_OBJECT_TREE ? git_tree_entry_id(be)
										       : NULL);
	}
out:
	git_tree_free(b);
	git_tree_free(t);
	return g < 0 ? g : 0;
}

int ledger_bulk_finish(ledger *l, git_repository *bulk, git_odb_backend *mem, const git_oid *tree,
		       const git_oid *base, const git_oid *blobs, size_t nblobs, int keep, fc_err *err)
{
	git_buf pack = { NULL, 0, 0 };
	git_odb *odb = NULL;
	git_odb_writepack *wp = NULL;
	git_packbuilder *pb = NULL;
	git_indexer_progress stats;
	int g = 0;

	(void)mem;
	memset(&stats, 0, sizeof(stats));
	if (keep) {
		/* mempack's own dump packs commits only: the objects are named. */
		if ((g = git_packbuilder_new(&pb, bulk)) < 0)
			goto out;
		git_packbuilder_set_threads(pb, 0);
		for (size_t i = 0; i < nblobs && g >= 0; i++)
			g = git_packbuilder_insert(pb, &blobs[i], NULL);
		if (g < 0 || (g = insert_new_trees(pb, bulk, tree, base)) < 0 ||
		    (g = git_packbuilder_write_buf(&pack, pb)) < 0 ||
		    (g = git_repository_odb(&odb, l->repo)) < 0 ||
		    (g = git_odb_write_pack(&wp, odb, NULL, NULL)) < 0 ||
		    (g = wp->append(wp, pack.ptr, pack.size, &stats)) < 0 ||
		    (g = wp->commit(wp, &stats)) < 0)
			goto out;
		/* The new pack is seen at once, not on the next miss. */
		g = git_odb_refresh(odb);
	}
out:
	if (wp)
		wp->free(wp);
	git_packbuilder_free(pb);
	git_odb_free(odb);
	git_buf_dispose(&pack);
	git_repository_free(bulk);
	return g < 0 ? ledger_git_error(err, g, "writing the ledger's new objects") : FC_OK;
}
