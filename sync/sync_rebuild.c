/* rebuild.c — `check --rebuild`: the local store rebuilt from the ledger
 * (DESIGN.md, "Durability": the store can always be rebuilt from the
 * ledger). Records come back byte for byte as the ledger holds them.
 *
 * A store that was lost or broken (a bad SD card, a power cut during a
 * disk repair) is replaced by an empty one; then the device's settings are
 * recovered from the ledger too: the principal from its only
 * batches/<principal> branch, role and villages from keys/roster of that
 * branch (refused if the roster marks the principal revoked), the device id from its own commits' trailers, the remote from the
 * ledger's config (sync records remote.county.url there). Changes saved
 * after the last sync lived only in the lost store and cannot come back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/identity.h"
#include "fieldcard/ledger.h"
#include "fieldcard/sync.h"
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
	ledger_path lp;
	char *text;
	int rc;

	(void)blob;
	/* Only record files; open-conflict lists and the like are not records. */
	if (!ledger_path_record_kind(ledger_path_parse(path, &lp)))
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

/* The settings of a store that lost them (see the head of this file). */
static int recover_settings(fc_app *a, ledger *l, fc_err *err)
{
	git_repository *repo = ledger_repo(l);
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	git_config *cfg = NULL;
	git_buf url = { 0 };
	char *have = NULL, *principal = NULL, *role = NULL, *villages = NULL, *device = NULL;
	fc_buf msg = FC_BUF_INIT, val = FC_BUF_INIT;
	identity_principal who;
	git_oid tip, tree, at;
	int rc, n = 0;

	if ((rc = store_meta_get(a->st, "principal", &have, err)) != FC_OK)
		goto cleanup;
	if (have && *have)
		goto cleanup; /* the store knows whose it is */
	if (git_reference_iterator_glob_new(&it, repo, "refs/heads/batches/*") == 0)
		while (git_reference_next(&ref, it) == 0) {
			if (n++ == 0)
				principal = util_strdup(git_reference_name(ref) + strlen("refs/heads/batches/"));
			git_reference_free(ref);
		}
	if (n != 1) {
		rc = fc_err_set(err, FC_ENOTFOUND,
				"the store holds no settings and the ledger %s has %d batches/ branch(es), so "
				"whose data this is cannot be told: nothing to rebuild from", a->ledger_path, n);
		goto cleanup;
	}
	{
		char *name = util_asprintf("refs/heads/batches/%s", principal);

		rc = ledger_ref_get(l, name, &tip, err);
		free(name);
	}
	if (rc != FC_OK || (rc = ledger_commit_tree(l, &tip, &tree, err)) != FC_OK)
		goto cleanup;
	rc = identity_roster_get(l, &tree, principal, &who, err);
	if (rc == FC_ENOTFOUND) {
		rc = fc_err_set(err, FC_ENOTFOUND, "keys/roster of batches/%s does not name %s: "
				"cannot recover this device's role and villages", principal, principal);
		goto cleanup;
	}
	if (rc != FC_OK)
		goto cleanup;
	/* A withdrawn principal stays withdrawn: a rebuild must not bring a
	 * revoked device back to work. */
	if (who.revoked) {
		rc = fc_err_set(err, FC_EINVALID, "keys/roster of batches/%s marks %s revoked: county "
				"staff withdrew this device, so its settings are not recovered (its "
				"records are safe in the ledger and at the county)", principal, principal);
		goto cleanup;
	}
	role = util_strdup(who.role);
	villages = util_strdup(who.villages);
	/* The device id: the newest commit of ours names it. */
	at = tip;
	for (int steps = 0; steps < 10000 && !device; steps++) {
		git_commit *c = NULL;

		if (git_commit_lookup(&c, repo, &at) != 0)
			break;
		buf_reset(&val);
		if (ledger_message_trailer(git_commit_message(c), "Fieldcard-Principal", &val) == FC_OK &&
		    !strcmp(buf_cstr(&val), principal)) {
			buf_reset(&val);
			if (ledger_message_trailer(git_commit_message(c), "Fieldcard-Device", &val) == FC_OK)
				device = util_strdup(buf_cstr(&val));
		}
		if (git_commit_parentcount(c) == 0) {
			git_commit_free(c);
			break;
		}
		at = *git_commit_parent_id(c, 0);
		git_commit_free(c);
	}
	if (git_repository_config(&cfg, repo) == 0)
		git_config_get_string_buf(&url, cfg, "remote.county.url");
	if ((rc = store_meta_set(a->st, "principal", principal, err)) != FC_OK ||
	    (rc = store_meta_set(a->st, "role", role, err)) != FC_OK ||
	    (rc = store_meta_set(a->st, "villages", villages, err)) != FC_OK ||
	    (device && (rc = store_meta_set(a->st, "device", device, err)) != FC_OK) ||
	    (url.size && (rc = store_meta_set(a->st, "remote", url.ptr, err)) != FC_OK))
		goto cleanup;
	free(a->principal);
	a->principal = util_strdup(principal);
	free(a->role);
	a->role = util_strdup(role);
	util_strv_free(a->villages);
	a->villages = util_split(villages, ',');
	fprintf(stderr, "recovered the settings from the ledger: %s, %s of village(s) %s, device %s, remote %s\n",
		principal, role, villages, device ? device : "(unknown)", url.size ? url.ptr : "(none: give sync --remote URL)");
cleanup:
	git_buf_dispose(&url);
	git_config_free(cfg);
	git_reference_iterator_free(it);
	buf_free(&msg);
	buf_free(&val);
	free(have);
	free(principal);
	free(role);
	free(villages);
	free(device);
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

int sync_rebuild(fc_app *a, fc_err *err)
{
	struct rebuild_state rs = { a, 0, err };
	ledger *l = NULL;
	git_oid tip, tree;
	char hex[GIT_OID_HEXSZ + 1];
	int rc, pending = 0, began = 0;

	if ((rc = store_pending_count(a->st, &pending, err)) != FC_OK)
		return rc;
	if (pending > 0)
		return fc_err_set(err, FC_EINVALID,
				  "%d saved change(s) are not in the ledger yet; run `fieldcard sync` first "
				  "(a rebuild would drop them). Nothing was changed.", pending);
	if ((rc = ledger_open(a->ledger_path, 0, &l, err)) != FC_OK)
		return rc;
	if ((rc = recover_settings(a, l, err)) != FC_OK ||
	    (rc = device_tip(a, l, &tip, err)) != FC_OK ||
	    (rc = ledger_commit_tree(l, &tip, &tree, err)) != FC_OK)
		goto out;
	if ((rc = store_begin(a->st, err)) != FC_OK)
		goto out;
	began = 1;
	if ((rc = store_clear_records(a->st, err)) != FC_OK ||
	    (rc = ledger_foreach(l, &tree, "villages", put_file, &rs, err)) != FC_OK)
		goto out;
	/* The store now stands at this tree: the next sync follows on from it. */
	git_oid_tostr(hex, sizeof(hex), &tree);
	if ((rc = store_meta_set(a->st, "store_tree", hex, err)) != FC_OK)
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
