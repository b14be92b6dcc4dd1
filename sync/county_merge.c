/* county_merge.c — a verified batch merged into main (county.h,
 * county_merge; DESIGN.md "Merging"), the county store brought along, and
 * the possible duplicates the merge brings (county/duplicates on main).
 * Verification, village cuts and the history check are in county.c.
 *
 * The store follows the merged tree through sync_arrive, the same door a
 * device sync and a rebuild use; what only the county needs (the villages
 * to cut again, the ID numbers to compare) rides on its callbacks. No list
 * here has a fixed size: a merge that touches 300 villages or finds 300
 * duplicate ID numbers keeps every one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/county.h"
#include "fieldcard/fields.h"
#include "fieldcard/sync.h"
#include "fieldcard/util.h"

/* ---- duplicates ---- */

/* "HH-A TAB HH-B TAB STATE TAB MASKED-ID" (county.h); lines in the order
 * they were flagged. */
static int dups_load(ledger *l, const ledger_oid *tree, county_dup **v, size_t *n, fc_err *err)
{
	fc_buf text = FC_BUF_INIT;
	char **lines;
	int rc = ledger_read_tree(l, tree, COUNTY_DUPLICATES_PATH, &text, err);

	*v = NULL;
	*n = 0;
	if (rc == FC_ENOTFOUND) {
		fc_err_clear(err);
		buf_free(&text);
		return FC_OK;
	}
	if (rc) {
		buf_free(&text);
		return rc;
	}
	lines = util_split(buf_cstr(&text), '\n');
	*v = util_calloc(util_strv_len(lines) + 1, sizeof(**v));
	for (size_t i = 0; lines[i]; i++) {
		char **col = util_split(lines[i], '\t');
		county_dup *d = &(*v)[*n];

		if (util_strv_len(col) >= 4) {
			snprintf(d->a, sizeof(d->a), "%s", col[0]);
			snprintf(d->b, sizeof(d->b), "%s", col[1]);
			snprintf(d->state, sizeof(d->state), "%s", col[2]);
			snprintf(d->masked, sizeof(d->masked), "%s", col[3]);
			(*n)++;
		}
		util_strv_free(col);
	}
	util_strv_free(lines);
	buf_free(&text);
	return FC_OK;
}

static void dups_text(const county_dup *v, size_t n, fc_buf *out)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "%s\t%s\t%s\t%s\n", v[i].a, v[i].b, v[i].state, v[i].masked);
}

int county_duplicates(ledger *l, const ledger_oid *tree, county_dup **out, size_t *n, fc_err *err)
{
	return dups_load(l, tree, out, n, err);
}

int county_duplicate_decide(ledger *l, const ledger_author *who, const char *id,
			    const char *other, int clear, ledger_oid *new_main, fc_err *err)
{
	ledger_oid main, tree, commit;
	county_dup *v = NULL;
	size_t n = 0, hit = (size_t)-1;
	fc_buf text = FC_BUF_INIT, msg = FC_BUF_INIT;
	ledger_change ch;
	int rc;

	if ((rc = ledger_ref_get(l, "refs/heads/main", &main, err)) ||
	    (rc = ledger_commit_tree(l, &main, &tree, err)) ||
	    (rc = dups_load(l, &tree, &v, &n, err)))
		goto out;
	for (size_t i = 0; i < n && hit == (size_t)-1; i++) {
		int mine = strcmp(v[i].a, id) == 0 || strcmp(v[i].b, id) == 0;
		int pair = other && ((strcmp(v[i].a, id) == 0 && strcmp(v[i].b, other) == 0) ||
				     (strcmp(v[i].b, id) == 0 && strcmp(v[i].a, other) == 0));

		if (strcmp(v[i].state, "open") == 0 && (other ? pair : mine))
			hit = i;
	}
	if (hit == (size_t)-1) {
		rc = fc_err_set(err, FC_ENOTFOUND,
				"no open duplicate flag on household %s%s%s (see `fieldcard conflicts`)",
				id, other ? " and " : "", other ? other : "");
		goto out;
	}
	if (clear) {
		snprintf(v[hit].state, sizeof(v[hit].state), "cleared");
		buf_printf(&msg, "Clear the duplicate flag on %s and %s\n\nA person checked: two "
			   "households, not one (head ID %s).\n", v[hit].a, v[hit].b, v[hit].masked);
	} else {
		char keep[64];

		/* The duplicate goes first: "A duplicate-of B". */
		snprintf(keep, sizeof(keep), "%s", strcmp(v[hit].a, id) == 0 ? v[hit].b : v[hit].a);
		snprintf(v[hit].a, sizeof(v[hit].a), "%s", id);
		snprintf(v[hit].b, sizeof(v[hit].b), "%s", keep);
		snprintf(v[hit].state, sizeof(v[hit].state), "duplicate");
		buf_printf(&msg, "Mark %s as a duplicate of %s\n\nThe same head ID %s; %s is kept.\n",
			   id, keep, v[hit].masked, keep);
	}
	ledger_message_trailers(&msg, who->principal, who->device);
	dups_text(v, n, &text);
	ch.path = COUNTY_DUPLICATES_PATH;
	ch.data = text.data;
	ch.len = text.len;
	if ((rc = ledger_tree_update(l, &tree, &ch, 1, &tree, err)) ||
	    (rc = ledger_commit_write(l, &tree, &main, 1, who, msg.data, &commit, err)) ||
	    (rc = ledger_ref_set(l, "refs/heads/main", &commit, &main, "county: duplicate decided", err)))
		goto out;
	if (new_main)
		*new_main = commit;
out:
	free(v);
	buf_free(&text);
	buf_free(&msg);
	return rc;
}

/* ---- following the merged tree ---- */

/* What the store's following of a merge collects for the rest of it. */
typedef struct follow_ctx {
	fc_app *a;
	char **villages;         /* villages the merge touched (NULL-terminated) */
	size_t nvillages, capv;
	int all_villages;        /* forms/ or keys/ changed: every village */
	county_dup *dups;        /* ID numbers found in another household */
	size_t ndups, capd;
	fc_err *err;
} follow_ctx;

static void village_add(follow_ctx *f, const char *v)
{
	for (size_t i = 0; i < f->nvillages; i++)
		if (strcmp(f->villages[i], v) == 0)
			return;
	if (f->nvillages + 1 >= f->capv) {
		f->capv = f->capv ? f->capv * 2 : 16;
		f->villages = util_realloc(f->villages, f->capv * sizeof(*f->villages));
	}
	f->villages[f->nvillages++] = util_strdup(v);
	f->villages[f->nvillages] = NULL;
}

static void dup_add(follow_ctx *f, const char *a, const char *b, const char *id_number)
{
	county_dup *d;
	char *masked = util_mask_id(id_number);

	if (f->ndups == f->capd) {
		f->capd = f->capd ? f->capd * 2 : 64;
		f->dups = util_realloc(f->dups, f->capd * sizeof(*f->dups));
	}
	d = &f->dups[f->ndups++];
	memset(d, 0, sizeof(*d));
	snprintf(d->a, sizeof(d->a), "%s", a);
	snprintf(d->b, sizeof(d->b), "%s", b);
	snprintf(d->state, sizeof(d->state), "open");
	snprintf(d->masked, sizeof(d->masked), "%s", masked);
	free(masked);
}

/* Every changed path: which villages must be cut again. */
static int on_follow_path(const char *path, int has_new, void *ud)
{
	follow_ctx *f = ud;
	char **parts = util_split(path, '/');

	(void)has_new;
	if (strcmp(parts[0], "villages") == 0 && parts[1])
		village_add(f, parts[1]);
	else if (strcmp(parts[0], "forms") == 0 || strcmp(parts[0], "keys") == 0)
		f->all_villages = 1;
	util_strv_free(parts);
	return 0;
}

typedef struct dup_ctx {
	const char *self;
	const char *other;
	char found[64];
} dup_ctx;

/* The search index holds every household's head and member ID numbers, so
 * any other household it returns for a full ID number holds that person. */
static int on_dup_row(const store_row *row, void *ud)
{
	dup_ctx *d = ud;

	if (strcmp(row->id, d->self) != 0) {
		snprintf(d->found, sizeof(d->found), "%s", row->id);
		return 1;
	}
	return 0;
}

/* Every stored record: a head's or a present member's ID number found in
 * another household is a possible duplicate. */
static int on_follow_record(const char *path, const record *r, void *ud)
{
	follow_ctx *f = ud;
	int is_hh = strcmp(r->kind, K_HOUSEHOLD) == 0, rc;
	store_query q;
	dup_ctx dc;

	(void)path;
	if (!((is_hh && strlen(record_val(r, F_HEAD_ID)) >= 15) ||
	      (strcmp(r->kind, K_MEMBER) == 0 && strlen(record_val(r, F_M_ID)) >= 15 &&
	       strcmp(record_val(r, F_M_STATUS), C_LEFT) != 0)))
		return 0;
	memset(&dc, 0, sizeof(dc));
	dc.self = is_hh ? r->id : r->parent;
	dc.other = record_val(r, is_hh ? F_HEAD_ID : F_M_ID);
	memset(&q, 0, sizeof(q));
	q.search = dc.other;
	rc = store_list(f->a->st, &q, on_dup_row, &dc, f->err);
	if (rc == 1)
		rc = FC_OK;
	if (rc == FC_OK && dc.found[0])
		dup_add(f, dc.self, dc.found, dc.other);
	return rc;
}

static void follow_free(follow_ctx *f)
{
	util_strv_free(f->villages);
	free(f->dups);
}

/* ---- merging ---- */

typedef struct who_ctx {
	const char *field;
	char who[128];
} who_ctx;

static int on_audit(const store_audit *a, void *ud)
{
	who_ctx *w = ud;

	if (a->field && strcmp(a->field, w->field) == 0 && a->who) {
		snprintf(w->who, sizeof(w->who), "%s", a->who);
		return 1;
	}
	return 0;
}

/* The principal who last set record.field on main, from the county
 * store's audit (it follows every merge with the batch's principal). */
static void last_setter(store *st, const char *record_id, const char *field, char **who)
{
	who_ctx w;

	memset(&w, 0, sizeof(w));
	w.field = field;
	if (!st || store_history(st, record_id, on_audit, &w, NULL) < 0 || !w.who[0])
		return;
	free(*who);
	*who = util_strdup(w.who);
}

/* Add the new duplicate pairs to county/duplicates of tree (in place: *tree
 * becomes the tree with the file updated); a pair already listed, either
 * way round, in any state, is not flagged again. *added: pairs flagged. */
static int flag_duplicates(ledger *l, const ledger_oid *main_tree, ledger_oid *tree,
			   const follow_ctx *f, size_t *added, fc_err *err)
{
	county_dup *dv = NULL;
	size_t dn = 0, before;
	fc_buf text = FC_BUF_INIT;
	ledger_change ch;
	int rc;

	*added = 0;
	if (!f->ndups)
		return FC_OK;
	if ((rc = county_duplicates(l, main_tree, &dv, &dn, err)))
		goto out;
	before = dn;
	dv = util_realloc(dv, (dn + f->ndups + 1) * sizeof(*dv));
	for (size_t i = 0; i < f->ndups; i++) {
		const county_dup *x = &f->dups[i];
		int known = 0;

		for (size_t k = 0; k < dn && !known; k++)
			known = (strcmp(dv[k].a, x->a) == 0 && strcmp(dv[k].b, x->b) == 0) ||
				(strcmp(dv[k].a, x->b) == 0 && strcmp(dv[k].b, x->a) == 0);
		if (!known)
			dv[dn++] = *x;
	}
	if (dn > before) {
		dups_text(dv, dn, &text);
		ch.path = COUNTY_DUPLICATES_PATH;
		ch.data = text.data;
		ch.len = text.len;
		if ((rc = ledger_tree_update(l, tree, &ch, 1, tree, err)))
			goto out;
		*added = dn - before;
	}
out:
	free(dv);
	buf_free(&text);
	return rc;
}

/* Cut every village the merge touched (all of the principal's if forms or
 * keys changed). */
static int cut_villages(ledger *l, const ledger_author *who, const ledger_oid *commit,
			const county_principal *p, follow_ctx *f, county_merge_result *res,
			fc_err *err)
{
	int rc;

	if (f->all_villages) {
		char **vs = util_split(p->villages, ',');

		for (size_t i = 0; vs[i]; i++)
			if (strcmp(vs[i], "*") != 0)
				village_add(f, vs[i]);
		util_strv_free(vs);
	}
	for (size_t i = 0; i < f->nvillages; i++) {
		if ((rc = county_cut_village(l, who, commit, f->villages[i], err)))
			return rc;
		res->villages_cut++;
	}
	return FC_OK;
}

/* The merge commit's message: what came in, and what a person must look at. */
static void merge_message(fc_buf *msg, const ledger_author *who, const char *principal,
			  const county_batch *b, const merge_conflicts *c, size_t duplicates)
{
	buf_printf(msg, "Merge batches/%s into main\n\n%d record(s) from %s; %zu conflict(s) "
		   "left for a person to settle; %zu possible duplicate(s) flagged.\n", principal,
		   b->records, principal, c->n, duplicates);
	for (size_t i = 0; i < c->n; i++)
		buf_printf(msg, "conflict: %s %s (ours %s, theirs %s)\n", c->v[i].record_id,
			   c->v[i].field, c->v[i].ours_who, c->v[i].theirs_who);
	ledger_message_trailers(msg, who->principal, who->device);
	buf_printf(msg, "Fieldcard-Batch: %s\n", principal);
}

int county_merge(ledger *l, fc_app *a, const ledger_author *who, const char *principal,
		 merge_conflicts *conflicts, county_merge_result *res, fc_err *err)
{
	county_batch b;
	ledger_oid base_tree, main, main_tree, tree, commit, parents[2];
	merge_conflicts c = { NULL, 0, 0 };
	fc_buf msg = FC_BUF_INIT;
	follow_ctx f;
	sync_arrivals how;
	int rc, hb = 0, in_tx = 0;

	memset(res, 0, sizeof(*res));
	memset(&f, 0, sizeof(f));
	if ((rc = county_verify(l, principal, &b, &base_tree, &hb, err)))
		goto cleanup;
	if ((rc = ledger_ref_get(l, "refs/heads/main", &main, err)))
		goto cleanup;
	res->main = main;
	if (b.status == COUNTY_MERGED)
		goto cleanup;
	if ((rc = ledger_commit_tree(l, &main, &main_tree, err)) ||
	    (rc = merge_trees_who(l, hb ? &base_tree : NULL, &main, &b.tip, who->principal,
				  principal, &tree, &c, err)))
		goto cleanup;
	/* ours is main: name who put main's value there, not the county desk. */
	for (size_t i = 0; i < c.n; i++)
		last_setter(a->st, c.v[i].record_id, c.v[i].field, &c.v[i].ours_who);

	/* The store follows the merged tree (inside one transaction that
	 * commits only once main has moved); new duplicates are collected. */
	f.a = a;
	f.err = err;
	memset(&how, 0, sizeof(how));
	how.who = principal;
	how.origin = STORE_SYNCED;
	how.path = on_follow_path;
	how.record = on_follow_record;
	how.ud = &f;
	if ((rc = store_begin(a->st, err)))
		goto cleanup;
	in_tx = 1;
	if ((rc = sync_arrive(a, l, &main_tree, &tree, &how, err)))
		goto cleanup;
	for (size_t i = 0; i < c.n; i++) {
		store_conflict sc = { c.v[i].record_id, c.v[i].field, c.v[i].base, c.v[i].ours,
				      c.v[i].theirs, c.v[i].ours_who, c.v[i].theirs_who };

		if ((rc = store_conflict_add(a->st, &sc, err)))
			goto cleanup;
	}
	/* Duplicates are flagged in main's tree (county/duplicates) so every
	 * county desk sees them and the decision is a signed commit too. */
	if ((rc = flag_duplicates(l, &main_tree, &tree, &f, &res->duplicates, err)))
		goto cleanup;

	merge_message(&msg, who, principal, &b, &c, res->duplicates);
	parents[0] = main;
	parents[1] = b.tip;
	if ((rc = ledger_commit_write(l, &tree, parents, 2, who, msg.data, &commit, err)) ||
	    (rc = ledger_ref_set(l, "refs/heads/main", &commit, &main, "county: merge batch", err)))
		goto cleanup;
	res->main = commit;
	res->conflicts = c.n;
	in_tx = 0;
	if ((rc = app_commit(a, err)) ||
	    (rc = cut_villages(l, who, &commit, &b.who, &f, res, err)))
		goto cleanup;
	if (conflicts) {
		*conflicts = c;
		memset(&c, 0, sizeof(c));
	}
cleanup:
	if (in_tx)
		store_rollback(a->st);
	merge_conflicts_free(&c);
	buf_free(&msg);
	follow_free(&f);
	return rc;
}
