/* rebuild.c — `check --rebuild`: the local store rebuilt from the ledger
 * (DESIGN.md, "Durability": the store can always be rebuilt from the
 * ledger). Records come back byte for byte as the ledger holds them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/ledger.h"
#include "fieldcard/util.h"

struct rebuild_state {
	fc_app *a;
	long n;
	fc_err *err;
};

static int put_file(const char *path, const git_oid *blob, const void *data, size_t len,
		    void *payload)
{
	struct rebuild_state *rs = payload;
	record *r = NULL;
	char *text;
	int rc;

	(void)blob;
	/* Only record files; open-conflict lists and the like are not records. */
	if (!strstr(path, "/household") && !strstr(path, "/members/") && !strstr(path, "/visits/"))
		return 0;
	if ((rc = record_parse(data, len, path, &r, rs->err)) != FC_OK)
		return rc;
	text = util_strndup(data, len);
	rc = store_put(rs->a->st, r, text, "ledger", STORE_REBUILD, rs->err);
	if (rc != FC_OK)
		fc_err_prefix(rs->err, "%s: ", path);
	else
		rs->n++;
	free(text);
	record_free(r);
	return rc;
}

/* The device's branch: set by sync, else batches/<principal>, else main. */
static int device_tip(fc_app *a, ledger *l, git_oid *tip, fc_err *err)
{
	char *branch = NULL, *fallback = util_asprintf("refs/heads/batches/%s", a->principal);
	const char *tries[3];
	int rc = FC_ENOTFOUND;

	if (store_meta_get(a->st, "ledger_branch", &branch, err) != FC_OK)
		branch = NULL;
	tries[0] = branch;
	tries[1] = fallback;
	tries[2] = "refs/heads/main";
	for (int i = 0; i < 3 && rc == FC_ENOTFOUND; i++)
		if (tries[i])
			rc = ledger_ref_get(l, tries[i], tip, err);
	if (rc == FC_ENOTFOUND)
		fc_err_set(err, FC_ENOTFOUND, "the ledger %s has no commits yet: nothing to rebuild from",
			   a->ledger_path);
	free(branch);
	free(fallback);
	return rc;
}

int app_rebuild(fc_app *a, fc_err *err)
{
	struct rebuild_state rs = { a, 0, err };
	ledger *l = NULL;
	git_oid tip, tree;
	int rc, pending = 0, began = 0;

	if ((rc = store_pending_count(a->st, &pending, err)) != FC_OK)
		return rc;
	if (pending > 0)
		return fc_err_set(err, FC_EINVALID,
				  "%d saved change(s) are not in the ledger yet; run `fieldcard sync` first "
				  "(a rebuild would drop them). Nothing was changed.", pending);
	if ((rc = ledger_open(a->ledger_path, 0, &l, err)) != FC_OK)
		return rc;
	if ((rc = device_tip(a, l, &tip, err)) != FC_OK ||
	    (rc = ledger_commit_tree(l, &tip, &tree, err)) != FC_OK)
		goto out;
	if ((rc = store_begin(a->st, err)) != FC_OK)
		goto out;
	began = 1;
	if ((rc = store_clear_records(a->st, err)) != FC_OK ||
	    (rc = ledger_foreach(l, &tree, "villages", put_file, &rs, err)) != FC_OK)
		goto out;
	rc = store_commit(a->st, err);
	began = 0;
	if (rc == FC_OK)
		fprintf(stderr, "rebuilt %ld records from the ledger\n", rs.n);
out:
	if (began)
		store_rollback(a->st);
	ledger_free(l);
	return rc;
}
