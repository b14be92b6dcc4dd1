/* desk.c — the county desk (desk.h): one session over the county staff's
 * ledger (open, fetch, push) and the operations both front ends run on it:
 * list the batches, merge one, read the open conflicts, settle one with a
 * signed commit. The CLI commands in cmd_merge.c and the text UI's desk
 * screens call these, so the two cannot drift apart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/county.h"
#include "fieldcard/desk.h"
#include "fieldcard/fields.h"
#include "fieldcard/flags.h"
#include "fieldcard/identity.h"
#include "fieldcard/transport.h"
#include "fieldcard/util.h"

struct desk {
	fc_app *a;
	ledger *l;
	identity id;          /* key and settings (identity.h) */
	const char *remote;   /* id.remote, NULL if none */
	ledger_author who;    /* id.who */
};

void desk_close(desk *d)
{
	if (!d)
		return;
	identity_close(&d->id);
	ledger_free(d->l);
	free(d);
}

int desk_open(fc_app *a, int need_key, desk **out, fc_err *err)
{
	desk *d = util_calloc(1, sizeof(*d));
	int rc;

	d->a = a;
	/* need_key: county staff only, and the signing key by the one
	 * passphrase rule. */
	if ((rc = identity_open(a, need_key ? IDENTITY_KEY | IDENTITY_COUNTY : 0, NULL, &d->id,
				err)) ||
	    (rc = ledger_open(a->ledger_path, 1, &d->l, err)))
		goto out;
	d->remote = *d->id.remote ? d->id.remote : NULL;
	d->who = d->id.who;
out:
	if (rc) {
		desk_close(d);
		d = NULL;
	}
	*out = d;
	return rc;
}

struct ledger *desk_ledger(desk *d)
{
	return d->l;
}

const struct ledger_author *desk_author(desk *d)
{
	return &d->who;
}

/* 1 if main or a villages/<code> ref here is ahead of the county
 * repository's as just fetched (refs/remotes/county/...). */
static int ahead_of_county(desk *d)
{
	char **refs = NULL;
	int ahead = 0;

	if (ledger_refs(d->l, NULL, &refs, NULL) != FC_OK)
		return 0;
	for (size_t i = 0; refs[i] && !ahead; i++) {
		ledger_oid here, there;
		char *remote;

		if (strcmp(refs[i], "refs/heads/main") != 0 &&
		    strncmp(refs[i], "refs/heads/villages/", 20) != 0)
			continue;
		remote = util_asprintf("refs/remotes/county/%s", refs[i] + 11);
		if (ledger_ref_get(d->l, refs[i], &here, NULL) == FC_OK)
			ahead = ledger_ref_get(d->l, remote, &there, NULL) != FC_OK ||
				(!ledger_oid_equal(&here, &there) && ledger_descends(d->l, &here, &there));
		free(remote);
	}
	util_strv_free(refs);
	return ahead;
}

int desk_fetch(desk *d, fc_err *err)
{
	int rc;

	if (!d->remote || !*d->remote)
		return FC_OK; /* the county's own ledger only */
	if ((rc = county_fetch(d->l, d->a->ledger_path, d->a->dir, d->remote, err)))
		return rc;
	/* A merge, resolution or decision committed here whose push never
	 * happened (killed, power cut, link lost in between) is sent first:
	 * run again, the command finds nothing left to do and would never
	 * send it (crash_points.sh: merge --all killed between its commit on
	 * main and its push, then run again, left the county without it). */
	if (ahead_of_county(d)) {
		if ((rc = desk_push(d, err)))
			fc_err_prefix(err, "sending what an earlier command committed: ");
	}
	return rc;
}

int desk_push(desk *d, fc_err *err)
{
	char **refs = NULL, **v;
	size_t n = 0;
	transport_opts o;
	int rc;

	if (!d->remote || !*d->remote)
		return FC_OK;
	if ((rc = ledger_refs(d->l, NULL, &refs, err)))
		return rc;
	v = util_calloc(util_strv_len(refs) + 1, sizeof(*v));
	for (size_t i = 0; refs[i]; i++)
		if (strcmp(refs[i], "refs/heads/main") == 0 ||
		    strncmp(refs[i], "refs/heads/villages/", 20) == 0)
			v[n++] = refs[i];
	memset(&o, 0, sizeof(o));
	o.url = d->remote;
	o.dir = d->a->dir;
	rc = transport_global_init(&o, err);
	if (rc == FC_OK)
		rc = transport_push(d->a->ledger_path, &o, v, n, err);
	free(v);
	util_strv_free(refs);
	return rc;
}

int desk_batch_each(desk *d, desk_batch_cb cb, void *ud, fc_err *err)
{
	county_batch *b = NULL;
	size_t n = 0;
	int rc;

	if ((rc = county_batches(d->l, &b, &n, err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		desk_batch row;

		if (b[i].status == COUNTY_MERGED)
			continue; /* merged batches drop out of the list */
		row.principal = b[i].principal;
		row.role = b[i].who.role;
		row.villages = b[i].who.villages;
		row.ahead = b[i].ahead;
		row.records = b[i].records;
		row.good = b[i].status == COUNTY_GOOD;
		row.status = county_status_name(b[i].status);
		row.reason = b[i].reason;
		if (cb(&row, ud))
			break;
	}
	free(b);
	return FC_OK;
}

static int batches_walk(fc_app *a, int fetch, desk_batch_cb cb, void *ud, fc_err *err)
{
	desk *d = NULL;
	int rc;

	if ((rc = desk_open(a, 0, &d, err)) || (fetch && (rc = desk_fetch(d, err))))
		goto out;
	rc = desk_batch_each(d, cb, ud, err);
out:
	desk_close(d);
	return rc;
}

int desk_batches(fc_app *a, desk_batch_cb cb, void *ud, fc_err *err)
{
	return batches_walk(a, 1, cb, ud, err);
}

int desk_batches_local(fc_app *a, desk_batch_cb cb, void *ud, fc_err *err)
{
	return batches_walk(a, 0, cb, ud, err);
}

int desk_merge_one(desk *d, const char *principal, fc_buf *report, size_t *conflicts,
		   fc_err *err)
{
	county_merge_result res;
	merge_conflicts mc = { NULL, 0, 0 };
	int rc;

	if (strncmp(principal, "batches/", 8) == 0)
		principal += 8;
	if (conflicts)
		*conflicts = 0;
	rc = county_merge(d->l, d->a, &d->who, principal, &mc, &res, err);
	if (rc)
		goto out;
	if (conflicts)
		*conflicts = res.conflicts;
	buf_printf(report, "batches/%s: merged, %zu conflict(s), %zu duplicate(s), %d village(s) cut\n",
		   principal, res.conflicts, res.duplicates, res.villages_cut);
	for (size_t k = 0; k < mc.n; k++)
		buf_printf(report, "  conflict %s %s: base \"%s\", ours \"%s\" (%s), theirs \"%s\" (%s)\n",
			   mc.v[k].record_id, mc.v[k].field, mc.v[k].base, mc.v[k].ours,
			   mc.v[k].ours_who, mc.v[k].theirs, mc.v[k].theirs_who);
out:
	merge_conflicts_free(&mc);
	return rc;
}

int desk_merge(fc_app *a, const char *principal, fc_buf *report, size_t *conflicts,
	       fc_err *err)
{
	desk *d = NULL;
	int rc;

	if ((rc = desk_open(a, 1, &d, err)) || (rc = desk_fetch(d, err)) ||
	    (rc = desk_merge_one(d, principal, report, conflicts, err)))
		goto out;
	rc = desk_push(d, err);
out:
	desk_close(d);
	return rc;
}

/* The county store remembers who stood on each side of a conflict (the
 * tree keeps the values only): fill the principals in. */
static int on_store_who(const store_conflict *sc, void *ud)
{
	merge_conflicts *mc = ud;

	for (size_t i = 0; i < mc->n; i++) {
		merge_conflict *m = &mc->v[i];

		if (strcmp(m->record_id, sc->record_id) != 0 || strcmp(m->field, sc->field) != 0)
			continue;
		if (sc->ours_who && *sc->ours_who) {
			free(m->ours_who);
			m->ours_who = util_strdup(sc->ours_who);
		}
		if (sc->theirs_who && *sc->theirs_who) {
			free(m->theirs_who);
			m->theirs_who = util_strdup(sc->theirs_who);
		}
	}
	return 0;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

typedef struct device_walk {
	desk_conflict_cb cb;
	void *ud;
} device_walk;

static int on_device_conflict(const store_conflict *sc, void *ud)
{
	device_walk *w = ud;
	desk_conflict c = { nz(sc->record_id), nz(sc->field), "", nz(sc->base), nz(sc->ours),
			    nz(sc->theirs), nz(sc->ours_who), nz(sc->theirs_who) };

	return w->cb(&c, w->ud);
}

int desk_main_conflicts(desk *d, desk_conflict_cb cb, void *ud, fc_err *err)
{
	ledger_oid main;
	merge_conflicts mc = { NULL, 0, 0 };
	int rc;

	rc = ledger_ref_get(d->l, "refs/heads/main", &main, err);
	if (rc == FC_ENOTFOUND)
		return FC_OK; /* nothing merged yet */
	if (rc || (rc = merge_conflicts_read(d->l, &main, NULL, &mc, err)))
		goto out;
	store_conflict_each(d->a->st, on_store_who, &mc, NULL);
	for (size_t i = 0; i < mc.n; i++) {
		const merge_conflict *m = &mc.v[i];
		desk_conflict c = { m->record_id, m->field, nz(m->kind), m->base, m->ours,
				    m->theirs, m->ours_who, m->theirs_who };

		if (cb(&c, ud))
			break;
	}
out:
	merge_conflicts_free(&mc);
	return rc;
}

int desk_conflicts(fc_app *a, desk_conflict_cb cb, void *ud, fc_err *err)
{
	desk *d = NULL;
	int rc;

	if (!a->role || strcmp(a->role, "county") != 0) {
		device_walk w = { cb, ud };

		return store_conflict_each(a->st, on_device_conflict, &w, err);
	}
	if ((rc = desk_open(a, 0, &d, err)) == FC_OK)
		rc = desk_main_conflicts(d, cb, ud, err);
	desk_close(d);
	return rc;
}

/* A value a person typed is checked as a typed save checks it (the
 * model's app_check_typed, with the record as main holds it), before
 * anything is committed: the form's own message, nothing changed. */
static int check_typed(desk *d, const ledger_change *rec, const char *field, fc_err *err)
{
	record *r = NULL;
	int rc;

	if (field[0] == '_')
		return FC_OK; /* a pseudo-field (_deleted) has no form rule */
	if ((rc = record_parse(rec->data, rec->len, rec->path, &r, err)) == FC_OK)
		rc = app_check_typed(d->a, r, field, NULL, err);
	record_free(r);
	return rc;
}

/* The county store follows the resolution in one transaction: the record
 * as main now holds it (through the model's door for signed records) and
 * the conflict dropped. Committed by the caller once main has moved. */
static int follow_resolution(desk *d, const ledger_change *rec, const char *id,
			     const char *field, fc_err *err)
{
	int rc;

	if ((rc = store_begin(d->a->st, err)))
		return rc;
	rc = app_put_arrived(d->a, rec->path, rec->data, rec->len, d->who.principal, STORE_SYNCED,
			     NULL, err);
	if (rc == FC_OK && (rc = store_conflict_drop(d->a->st, id, field, err)) == FC_ENOTFOUND) {
		fc_err_clear(err); /* a desk that fetched the conflict never stored it */
		rc = FC_OK;
	}
	if (rc)
		store_rollback(d->a->st);
	return rc;
}

int desk_resolve_one(desk *d, const char *id, const char *field, const char *how,
		     const char *value, fc_err *err)
{
	ledger_oid main, tree, commit;
	ledger_change ch[2];
	merge_conflict found;
	int side, rc;
	fc_buf msg = FC_BUF_INIT;
	char vcode[64] = "";

	side = strcmp(how, "ours") == 0 ? 1 : strcmp(how, "theirs") == 0 ? 2 : 0;
	if (!side && (strcmp(how, "value") != 0 || !value))
		return fc_err_set(err, FC_EINVALID,
				  "resolve %s %s: say ours, theirs or a value", id, field);
	memset(ch, 0, sizeof(ch));
	memset(&found, 0, sizeof(found));
	if ((rc = ledger_ref_get(d->l, "refs/heads/main", &main, err)))
		goto out;
	/* Learn the conflict first, to pick its side's value. */
	if ((rc = merge_resolve_changes(d->l, &main, NULL, id, field, "", ch, &found, err)))
		goto out;
	for (int i = 0; i < 2; i++) {
		free((void *)ch[i].path);
		free((void *)ch[i].data);
	}
	memset(ch, 0, sizeof(ch));
	if (side)
		value = side == 1 ? found.ours : found.theirs;
	if ((rc = merge_resolve_changes(d->l, &main, found.path, id, field, value, ch, NULL, err)) ||
	    (!side && (rc = check_typed(d, &ch[0], field, err))) ||
	    (rc = ledger_commit_tree(d->l, &main, &tree, err)) ||
	    (rc = ledger_tree_update(d->l, &tree, ch, 2, &tree, err)))
		goto out;
	buf_printf(&msg, "Resolve %s %s: %s\n\nbase \"%s\", ours \"%s\", theirs \"%s\"\n", id, field,
		   side == 1 ? "ours" : side == 2 ? "theirs" : "a new value", found.base, found.ours,
		   found.theirs);
	ledger_message_trailers(&msg, d->who.principal, d->who.device);
	if ((rc = ledger_commit_write(d->l, &tree, &main, 1, &d->who, msg.data, &commit, err)) ||
	    (rc = follow_resolution(d, &ch[0], id, field, err)))
		goto out;
	if ((rc = ledger_ref_set(d->l, "refs/heads/main", &commit, &main, "county: resolve", err))) {
		store_rollback(d->a->st);
		goto out;
	}
	if ((rc = app_commit(d->a, err)))
		goto out;
	sscanf(found.path, "villages/%63[^/]", vcode);
	if ((rc = county_cut_village(d->l, &d->who, &commit, vcode, err)))
		goto out;
out:
	for (int i = 0; i < 2; i++) {
		free((void *)ch[i].path);
		free((void *)ch[i].data);
	}
	merge_conflict_clear(&found);
	buf_free(&msg);
	return rc;
}

int desk_resolve(fc_app *a, const char *id, const char *field, const char *how,
		 const char *value, fc_err *err)
{
	desk *d = NULL;
	int rc;

	if ((rc = desk_open(a, 1, &d, err)) || (rc = desk_fetch(d, err)) ||
	    (rc = desk_resolve_one(d, id, field, how, value, err)))
		goto out;
	rc = desk_push(d, err);
out:
	desk_close(d);
	return rc;
}

int desk_flag_decide_one(desk *d, const char *flag_id, const char *state, const char *note,
			 fc_err *err)
{
	record *r = NULL, *hh = NULL;
	county_records_result res;
	fc_buf msg = FC_BUF_INIT;
	const char *village;
	int rc;

	if ((rc = flags_decided(d->a, flag_id, state, note, &r, err)))
		return rc;
	if ((rc = store_get(d->a->st, r->parent, &hh, err))) {
		fc_err_prefix(err, "flag %s: ", flag_id);
		goto out;
	}
	village = record_val(hh, F_VILLAGE_CODE);
	buf_printf(&msg, "Flag %s on household %s: %s\n\n%s: %s\n", flag_id, r->parent, state,
		   record_val(r, F_FLAG_KIND), note);
	rc = county_commit_records(d->l, d->a, &d->who, &r, &village, 1, msg.data, &res, err);
out:
	buf_free(&msg);
	record_free(hh);
	record_free(r);
	return rc;
}

int desk_flag_decide(fc_app *a, const char *flag_id, const char *state, const char *note,
		     fc_err *err)
{
	desk *d = NULL;
	int rc;

	if ((rc = desk_open(a, 1, &d, err)) || (rc = desk_fetch(d, err)) ||
	    (rc = desk_flag_decide_one(d, flag_id, state, note, err)))
		goto out;
	rc = desk_push(d, err);
out:
	desk_close(d);
	return rc;
}
