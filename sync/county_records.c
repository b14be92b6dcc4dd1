/* county_records.c — records the county itself writes to main (county.h,
 * county_commit_records): the flags `compare` raises, one a hit, and a
 * county desk's decision on a flag. Made the way a resolution is made
 * (desk.c): main's tree with the record files written, one signed commit,
 * the county store following through the model's door for signed records
 * (app_put_arrived) in a transaction that commits only once main has
 * moved, then every village touched cut again so its devices receive the
 * records on their next sync. One commit however many records: a list of
 * 10,000 hits is one signed changeset, not 10,000. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/county.h"
#include "fieldcard/sync.h"
#include "fieldcard/util.h"

/* The villages of the records, each once, in first-seen order. */
static char **distinct(const char *const *villages, size_t n)
{
	char **v = util_calloc(n + 1, sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < k && strcmp(v[j], villages[i]) != 0)
			j++;
		if (j == k)
			v[k++] = util_strdup(villages[i]);
	}
	return v;
}

/* Serialise every record with its form at its ledger path. */
static int record_files(fc_app *a, record *const *recs, const char *const *villages, size_t n,
			ledger_change *ch, fc_buf *texts, fc_err *err)
{
	for (size_t i = 0; i < n; i++) {
		const form *f = app_form(a, recs[i]->kind);
		char *path = sync_record_path(recs[i]->kind, villages[i], recs[i]->id, recs[i]->parent);

		if (!f || !path) {
			free(path);
			return fc_err_set(err, FC_EINVALID, "record %s: no %s for a %s record in village %s",
					  recs[i]->id, f ? "ledger path" : "form", recs[i]->kind,
					  villages[i] ? villages[i] : "?");
		}
		form_record_serialise(f, recs[i], &texts[i]);
		ch[i].path = path;
		ch[i].data = texts[i].data;
		ch[i].len = texts[i].len;
	}
	return FC_OK;
}

int county_commit_records(ledger *l, fc_app *a, const ledger_author *who,
			  record *const *recs, const char *const *villages, size_t n,
			  const char *message, county_records_result *res, fc_err *err)
{
	ledger_oid main, main_tree, tree, commit;
	ledger_change *ch = util_calloc(n + 1, sizeof(*ch));
	fc_buf *texts = util_calloc(n + 1, sizeof(*texts)), msg = FC_BUF_INIT;
	char **vs = NULL;
	int rc, in_tx = 0;

	memset(res, 0, sizeof(*res));
	if (!n)
		goto out_ok;
	if ((rc = record_files(a, recs, villages, n, ch, texts, err)) ||
	    (rc = ledger_ref_get(l, "refs/heads/main", &main, err)) ||
	    (rc = ledger_commit_tree(l, &main, &main_tree, err)) ||
	    (rc = ledger_tree_update(l, &main_tree, ch, n, &tree, err)))
		goto cleanup;
	res->main = main;
	if (ledger_oid_equal(&tree, &main_tree))
		goto out_ok; /* main holds every one of them already */
	buf_adds(&msg, message);
	ledger_message_trailers(&msg, who->principal, who->device);
	if ((rc = ledger_commit_write(l, &tree, &main, 1, who, msg.data, &commit, err)) ||
	    (rc = store_begin(a->st, err)))
		goto cleanup;
	in_tx = 1;
	for (size_t i = 0; i < n; i++)
		if ((rc = app_put_arrived(a, ch[i].path, ch[i].data, ch[i].len, who->principal,
					  STORE_SYNCED, NULL, err)))
			goto cleanup;
	if ((rc = ledger_ref_set(l, "refs/heads/main", &commit, &main, "county: records", err)))
		goto cleanup;
	in_tx = 0;
	if ((rc = store_commit(a->st, err)))
		goto cleanup;
	res->main = commit;
	res->records = n;
	vs = distinct(villages, n);
	for (size_t i = 0; vs[i]; i++) {
		if ((rc = county_cut_village(l, who, &commit, vs[i], err)))
			goto cleanup;
		res->villages_cut++;
	}
out_ok:
	rc = FC_OK;
cleanup:
	if (in_tx)
		store_rollback(a->st);
	for (size_t i = 0; i < n; i++) {
		free((void *)ch[i].path);
		buf_free(&texts[i]);
	}
	free(ch);
	free(texts);
	util_strv_free(vs);
	buf_free(&msg);
	return rc;
}
