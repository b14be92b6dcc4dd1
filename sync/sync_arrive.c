/* sync_arrive.c — the store follows the ledger (sync.h, sync_arrive): the
 * one loop that takes record files out of a tree and into the store, for a
 * device sync, the county's merge and `check --rebuild` alike. Each file
 * goes through the model's door for signed records (app_put_arrived), so
 * the three paths cannot drift apart; what each caller needs besides
 * (forms or conflicts that changed, villages to cut, duplicates to flag)
 * it learns through the callbacks.
 *
 * A household's flags are put after the walk: flags/ sorts before the
 * household file, and a flag needs its household in the store.
 *
 * Files are read by the blob id the diff gives, never by path from the
 * root: a first sync of 1,000 households went from 5.0 s to 3.5 s with it
 * (DESIGN.md, "What we know about the dependencies"). */
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/ledger.h"
#include "fieldcard/sync.h"
#include "fieldcard/util.h"

/* A flag file, put once the walk is over (see is_deferred). */
typedef struct later {
	char *path;
	char *data;
	size_t len;
} later;

typedef struct arrive {
	fc_app *a;
	ledger *l;
	sync_arrivals *how;
	fc_buf data;
	fc_err *err;
	later *later;
	size_t nlater, caplater;
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

/* A household's flags/ folder sorts before its household file, so a tree
 * walk (a first sync, a rebuild) meets a flag before the household it
 * belongs to: flags are put after everything else. */
static int is_deferred(const char *path)
{
	ledger_path lp;

	return ledger_path_parse(path, &lp) == LEDGER_PATH_FLAG;
}

static void defer(arrive *v, const char *path, const void *data, size_t len)
{
	if (v->nlater == v->caplater) {
		v->caplater = v->caplater ? v->caplater * 2 : 64;
		v->later = util_realloc(v->later, v->caplater * sizeof(*v->later));
	}
	v->later[v->nlater].path = util_strdup(path);
	v->later[v->nlater].data = util_strndup(data, len);
	v->later[v->nlater++].len = len;
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
	if (is_deferred(d->path)) {
		defer(v, d->path, buf_cstr(&v->data), v->data.len);
		return 0;
	}
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
	if (is_deferred(path)) {
		defer(v, path, data, len);
		return 0;
	}
	return put_one(v, path, data, len);
}

int sync_arrive(fc_app *a, ledger *l, const ledger_oid *from, const ledger_oid *to,
		sync_arrivals *how, fc_err *err)
{
	arrive v = { a, l, how, FC_BUF_INIT, err, NULL, 0, 0 };
	int rc;

	how->stored = 0;
	if (how->every)
		rc = ledger_foreach(l, to, "villages", on_file, &v, err);
	else
		rc = ledger_diff(l, from, to, on_delta, &v, err);
	for (size_t i = 0; i < v.nlater; i++) {
		if (rc == FC_OK)
			rc = put_one(&v, v.later[i].path, v.later[i].data, v.later[i].len);
		free(v.later[i].path);
		free(v.later[i].data);
	}
	free(v.later);
	buf_free(&v.data);
	return rc;
}
