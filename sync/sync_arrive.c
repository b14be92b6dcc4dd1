/* sync_arrive.c — the store follows the ledger (sync.h, sync_arrive): the
 * one loop that takes record files out of a tree and into the store, for a
 * device sync, the county's merge and `check --rebuild` alike. Each file
 * goes through the model's door for signed records (app_put_arrived), so
 * the three paths cannot drift apart; what each caller needs besides
 * (forms or conflicts that changed, villages to cut, duplicates to flag)
 * it learns through the callbacks.
 *
 * Files are read by the blob id the diff gives, never by path from the
 * root: a first sync of 1,000 households went from 5.0 s to 3.5 s with it
 * (DESIGN.md, "What we know about the dependencies"). */
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/ledger.h"
#include "fieldcard/sync.h"

typedef struct arrive {
	fc_app *a;
	ledger *l;
	sync_arrivals *how;
	fc_buf data;
	fc_err *err;
} arrive;

/* One record file into the store, then to the caller. */
static int put_one(arrive *v, const char *path, const void *data, size_t len)
{
	record *r = NULL;
	int rc;

	rc = app_put_arrived(v->a, path, data, len, v->how->who, v->how->origin, &r, v->err);
	if (rc == FC_OK) {
		v->how->stored++;
		if (v->how->record)
			rc = v->how->record(path, r, v->how->ud);
	}
	record_free(r);
	return rc;
}

static int is_record_file(const char *path)
{
	ledger_path lp;

	return ledger_path_record_kind(ledger_path_parse(path, &lp)) != NULL;
}

static int on_delta(const ledger_delta *d, void *ud)
{
	arrive *v = ud;
	int rc;

	if (v->how->path && (rc = v->how->path(d->path, d->has_new, v->how->ud)) != 0)
		return rc;
	/* Records are never deleted: a file gone from the tree leaves the
	 * store's record as it is (merge.c shows the removal to a person). */
	if (!d->has_new || !is_record_file(d->path))
		return 0;
	buf_reset(&v->data);
	if ((rc = ledger_read_blob(v->l, &d->new_blob, d->path, &v->data, v->err)) != FC_OK)
		return rc;
	return put_one(v, d->path, buf_cstr(&v->data), v->data.len);
}

static int on_file(const char *path, const ledger_oid *blob, const void *data, size_t len,
		   void *ud)
{
	arrive *v = ud;
	int rc;

	(void)blob;
	if (v->how->path && (rc = v->how->path(path, 1, v->how->ud)) != 0)
		return rc;
	if (!is_record_file(path))
		return 0;
	return put_one(v, path, data, len);
}

int sync_arrive(fc_app *a, ledger *l, const ledger_oid *from, const ledger_oid *to,
		sync_arrivals *how, fc_err *err)
{
	arrive v = { a, l, how, FC_BUF_INIT, err };
	int rc;

	how->stored = 0;
	if (how->every)
		rc = ledger_foreach(l, to, "villages", on_file, &v, err);
	else
		rc = ledger_diff(l, from, to, on_delta, &v, err);
	buf_free(&v.data);
	return rc;
}
