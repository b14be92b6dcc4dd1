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

/* The settings of a store that lost them (see the head of this file). */
static int recover_settings(fc_app *a, ledger *l, fc_err *err)
{
	fc_buf url = FC_BUF_INIT;
	char **batches = NULL;
	char *have = NULL, *principal = NULL, *role = NULL, *villages = NULL, *device = NULL;
	fc_buf msg = FC_BUF_INIT, val = FC_BUF_INIT;
	identity_principal who;
	ledger_oid tip, tree, at;
	int rc, n = 0;

	if ((rc = store_meta_get(a->st, "principal", &have, err)) != FC_OK)
		goto cleanup;
	if (have && *have)
		goto cleanup; /* the store knows whose it is */
	if (ledger_refs(l, "refs/heads/batches/", &batches, NULL) == FC_OK) {
		n = (int)util_strv_len(batches);
		if (n > 0)
			principal = util_strdup(batches[0] + strlen("refs/heads/batches/"));
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
		ledger_commit *c = NULL;

		if (ledger_commit_lookup(l, &at, &c, NULL) != FC_OK)
			break;
		buf_reset(&val);
		if (ledger_message_trailer(ledger_commit_text(c), "Fieldcard-Principal", &val) == FC_OK &&
		    !strcmp(buf_cstr(&val), principal)) {
			buf_reset(&val);
			if (ledger_message_trailer(ledger_commit_text(c), "Fieldcard-Device", &val) == FC_OK)
				device = util_strdup(buf_cstr(&val));
		}
		if (ledger_commit_parentcount(c) == 0) {
			ledger_commit_free(c);
			break;
		}
		at = *ledger_commit_parent(c, 0);
		ledger_commit_free(c);
	}
	ledger_config_get(l, "remote.county.url", &url, NULL);
	if ((rc = store_meta_set(a->st, "principal", principal, err)) != FC_OK ||
	    (rc = store_meta_set(a->st, "role", role, err)) != FC_OK ||
	    (rc = store_meta_set(a->st, "villages", villages, err)) != FC_OK ||
	    (device && (rc = store_meta_set(a->st, "device", device, err)) != FC_OK) ||
	    (url.len && (rc = store_meta_set(a->st, "remote", url.data, err)) != FC_OK))
		goto cleanup;
	free(a->principal);
	a->principal = util_strdup(principal);
	free(a->role);
	a->role = util_strdup(role);
	util_strv_free(a->villages);
	a->villages = util_split(villages, ',');
	fprintf(stderr, "recovered the settings from the ledger: %s, %s of village(s) %s, device %s, remote %s\n",
		principal, role, villages, device ? device : "(unknown)", url.len ? url.data : "(none: give sync --remote URL)");
cleanup:
	buf_free(&url);
	util_strv_free(batches);
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
static int device_tip(fc_app *a, ledger *l, ledger_oid *tip, fc_err *err)
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
	sync_arrivals how;
	ledger *l = NULL;
	ledger_oid tip, tree;
	char hex[LEDGER_OID_HEXSIZE + 1];
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
	/* Every record file, byte for byte, through the model's door. */
	memset(&how, 0, sizeof(how));
	how.who = "ledger";
	how.origin = STORE_REBUILD;
	how.every = 1;
	if ((rc = store_clear_records(a->st, err)) != FC_OK ||
	    (rc = sync_arrive(a, l, NULL, &tree, &how, err)) != FC_OK)
		goto out;
	/* The store now stands at this tree: the next sync follows on from it. */
	ledger_oid_fmt(hex, sizeof(hex), &tree);
	if ((rc = store_meta_set(a->st, "store_tree", hex, err)) != FC_OK)
		goto out;
	rc = app_commit(a, err);
	began = 0;
	if (rc == FC_OK)
		fprintf(stderr, "rebuilt %zu records from the ledger\n", how.stored);
out:
	if (began)
		store_rollback(a->st);
	ledger_free(l);
	return rc;
}
