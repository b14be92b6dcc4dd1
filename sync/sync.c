/* sync.c — `fieldcard sync` for a device (sync.h): commit, fetch, merge,
 * update the store, push; each step safe to cut and run again. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/identity.h"
#include "fieldcard/ledger.h"
#include "fieldcard/merge.h"
#include "fieldcard/sig.h"
#include "fieldcard/store.h"
#include "fieldcard/sync.h"
#include "fieldcard/util.h"

#define MAX_FILE (1024 * 1024) /* a record file bigger than this is refused */

static void step(const sync_opts *o, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void step(const sync_opts *o, const char *name, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!o->step)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	o->step(name, line, o->ud);
}

char *sync_record_path(const char *kind, const char *village, const char *id,
		       const char *parent)
{
	if (!kind || !id)
		return NULL;
	if (!strcmp(kind, "household"))
		return ledger_record_path(LEDGER_PATH_HOUSEHOLD, village, id, NULL);
	if (!strcmp(kind, "member"))
		return ledger_record_path(LEDGER_PATH_MEMBER, village, parent, id);
	if (!strcmp(kind, "visit"))
		return ledger_record_path(LEDGER_PATH_VISIT, village, parent, id);
	if (!strcmp(kind, "flag"))
		return ledger_record_path(LEDGER_PATH_FLAG, village, parent, id);
	return NULL;
}

/* ---- step 1: pending changes -> one signed changeset ---- */

typedef struct pend {
	sync_opts const *o;
	fc_app *a;
	ledger_change *ch;
	char **paths;
	size_t n, cap;
	char **households;
	size_t nh;
	long long upto;
	fc_err *err;
} pend;

static int on_pending(const store_pending *p, void *ud)
{
	pend *pd = ud;
	const char *village = p->village;
	const char *hh = p->parent && *p->parent ? p->parent : p->record_id;
	record *parent = NULL;
	char *path;
	int found = 0;

	if ((!village || !*village) && p->parent &&
	    store_get(pd->a->st, p->parent, &parent, pd->err) == FC_OK)
		village = record_val(parent, "village_code");
	path = sync_record_path(p->kind, village, p->record_id, p->parent);
	record_free(parent);
	if (!path)
		return fc_err_set(pd->err, FC_EINVALID,
				  "record %s (%s): no village, cannot place it in the ledger",
				  p->record_id, p->kind);
	if (pd->n == pd->cap) {
		pd->cap = pd->cap ? pd->cap * 2 : 32;
		pd->ch = util_realloc(pd->ch, pd->cap * sizeof(*pd->ch));
		pd->paths = util_realloc(pd->paths, pd->cap * sizeof(*pd->paths));
		pd->households = util_realloc(pd->households, pd->cap * sizeof(*pd->households));
	}
	/* A record queued twice goes once, with its current text. */
	for (size_t i = 0; i < pd->n; i++)
		if (!strcmp(pd->paths[i], path)) {
			free(path);
			path = NULL;
			break;
		}
	if (path) {
		pd->paths[pd->n] = path;
		pd->ch[pd->n].path = path;
		pd->ch[pd->n].data = util_strdup(p->canonical);
		pd->ch[pd->n].len = strlen(p->canonical);
		pd->n++;
	}
	for (size_t i = 0; i < pd->nh && !found; i++)
		found = !strcmp(pd->households[i], hh);
	if (!found)
		pd->households[pd->nh++] = util_strdup(hh);
	if (p->seq > pd->upto)
		pd->upto = p->seq;
	return 0;
}

/* Fields a changeset changes in one record, for its message: lines of the
 * new text not in the old one (a new record: its fields with a value). The
 * header lines (form, id, parent) are not fields. */
static size_t changed_fields(ledger *l, const ledger_oid *base_tree, const ledger_change *c)
{
	fc_buf old = FC_BUF_INIT;
	char **nl = util_split_all((const char *)c->data, '\n'), **ol = NULL;
	size_t n = 0;

	if (base_tree && ledger_read_tree(l, base_tree, c->path, &old, NULL) == FC_OK)
		ol = util_split_all(buf_cstr(&old), '\n');
	for (size_t i = 0; nl[i]; i++) {
		const char *sep = strstr(nl[i], ":");
		int seen = 0;

		if (!sep || !strncmp(nl[i], "form:", 5) || !strncmp(nl[i], "id:", 3) ||
		    !strncmp(nl[i], "parent:", 7))
			continue;
		if (!ol) {
			n += sep[1] != '\0';
			continue;
		}
		for (size_t k = 0; ol[k] && !seen; k++)
			seen = !strcmp(ol[k], nl[i]);
		n += !seen;
	}
	util_strv_free(nl);
	util_strv_free(ol);
	buf_free(&old);
	return n;
}

static int commit_pending(fc_app *a, ledger *l, const char *branch, const ledger_author *who,
			  const sync_opts *o, sync_result *res, fc_err *err)
{
	pend pd;
	ledger_oid head, tree, base_tree, commit;
	int has_head, rc;
	fc_buf msg = FC_BUF_INIT;

	memset(&pd, 0, sizeof(pd));
	pd.o = o;
	pd.a = a;
	pd.err = err;
	if ((rc = store_pending_each(a->st, on_pending, &pd, err)) != FC_OK || pd.n == 0)
		goto cleanup;
	step(o, "commit", "signing %zu changed record(s) of %zu household(s)", pd.n, pd.nh);
	rc = ledger_ref_get(l, branch, &head, err);
	if (rc != FC_OK && rc != FC_ENOTFOUND)
		goto cleanup;
	has_head = rc == FC_OK;
	fc_err_clear(err);
	if (has_head && (rc = ledger_commit_tree(l, &head, &base_tree, err)) != FC_OK)
		goto cleanup;
	if ((rc = ledger_tree_update(l, has_head ? &base_tree : NULL, pd.ch, pd.n, &tree, err)) != FC_OK)
		goto cleanup;
	/* Already committed by a run that was cut before clearing the queue. */
	if (!has_head || !ledger_oid_equal(&tree, &base_tree)) {
		size_t nfields = 0;

		for (size_t i = 0; i < pd.n; i++)
			nfields += changed_fields(l, has_head ? &base_tree : NULL, &pd.ch[i]);
		ledger_message_changeset(&msg, who->principal, who->device,
					 (const char *const *)pd.households, pd.nh, pd.n, nfields);
		if ((rc = ledger_commit_write(l, &tree, has_head ? &head : NULL, has_head ? 1 : 0, who,
					      msg.data, &commit, err)) != FC_OK ||
		    (rc = ledger_ref_set(l, branch, &commit, has_head ? &head : NULL,
					 "fieldcard sync: changeset", err)) != FC_OK)
			goto cleanup;
		res->committed = (int)pd.n;
	}
	rc = store_pending_clear(a->st, pd.upto, err);
cleanup:
	for (size_t i = 0; i < pd.n; i++) {
		free(pd.paths[i]);
		free((void *)pd.ch[i].data);
	}
	for (size_t i = 0; i < pd.nh; i++)
		free(pd.households[i]);
	free(pd.paths);
	free(pd.ch);
	free(pd.households);
	buf_free(&msg);
	return rc;
}

/* ---- step 3: merge a village ---- */

typedef struct scope {
	const char *village;
	char prefix[128];
	const ledger_oid *theirs;  /* the village tip */
	const ledger_oid *base;    /* the village commit merged last, or NULL */
	fc_err *err;
	ledger *l;
} scope;

/* The blob at path in commit c's tree, or zero if none. */
static void blob_at(ledger *l, const ledger_oid *c, const char *path, ledger_oid *out)
{
	ledger_commit *cm = NULL;
	ledger_entry e;

	memset(out, 0, sizeof(*out));
	if (ledger_commit_lookup(l, c, &cm, NULL) == FC_OK &&
	    ledger_find(l, ledger_commit_tree_id(cm), path, &e, NULL) == FC_OK)
		*out = e.id;
	ledger_commit_free(cm);
}

/* The commit of the village ref that brought blob at path: walk back along
 * first parents while the parent still holds it, so the report names the
 * commit a person must look at, not just the tip. */
static void who_brought(scope *s, const char *path, const ledger_oid *blob, char *out, size_t n)
{
	ledger_oid at = *s->theirs;

	for (int steps = 0; steps < 100000; steps++) {
		ledger_commit *c = NULL;
		ledger_oid parent, pb;
		size_t np;

		if (ledger_commit_lookup(s->l, &at, &c, NULL) != FC_OK)
			break;
		np = ledger_commit_parentcount(c);
		if (np > 0)
			parent = *ledger_commit_parent(c, 0);
		ledger_commit_free(c);
		if (np == 0 || (s->base && ledger_oid_equal(&parent, s->base)))
			break;
		blob_at(s->l, &parent, path, &pb);
		if (!ledger_oid_equal(&pb, blob))
			break;
		at = parent;
	}
	ledger_oid_fmt(out, n, &at);
}

/* What a village ref may bring: its own village, forms, keys; every file a
 * sane size; every record file one that parses, at the path its id names.
 * Checked on the whole change before anything is merged, so a bad file
 * leaves the device branch and the store as they were. */
static int on_scope(const ledger_delta *d, void *ud)
{
	scope *s = ud;
	fc_buf data = FC_BUF_INIT;
	size_t len = 0;
	ledger_kind type;
	char by[LEDGER_OID_HEXSIZE + 1];
	record *r = NULL;
	const char *vc, *want_kind;
	fc_err perr;
	ledger_path lp;
	ledger_path_kind shape = LEDGER_PATH_NONE;
	int rc = FC_OK;
	const char *why = NULL;

	fc_err_clear(&perr);
	if (strstr(d->path, "..") || strstr(d->path, "//") || d->path[0] == '/' ||
	    (strncmp(d->path, s->prefix, strlen(s->prefix)) && strncmp(d->path, "forms/", 6) &&
	     strncmp(d->path, "keys/", 5)))
		why = "outside that village";
	else if (!strncmp(d->path, s->prefix, strlen(s->prefix)) &&
		 (!(shape = ledger_path_parse(d->path, &lp)) || strcmp(lp.village, s->village)))
		why = "which is not a record path (A/B/HOUSEHOLD/household, A/B/HOUSEHOLD/members/ID, "
		      "A/B/HOUSEHOLD/visits/ID, A/B/HOUSEHOLD/flags/ID, A and B the household's last two characters)";
	if (why) {
		who_brought(s, d->path, d->has_new ? &d->new_blob : &d->old_blob, by, 8);
		return fc_err_set(s->err, FC_ECONFLICT, "villages/%s: commit %s brings %s, %s: refused",
				  s->village, by, d->path, why);
	}
	if (!d->has_new)
		return 0;
	/* The header first: an oversized file is refused without reading it. */
	if ((rc = ledger_object_info(s->l, &d->new_blob, &type, &len, s->err))) {
		fc_err_prefix(s->err, "reading a village file: ");
		goto cleanup;
	}
	/* Only a file that is refused needs the walk that names its commit. */
#define BY() who_brought(s, d->path, &d->new_blob, by, 8)
	if (type != LEDGER_KIND_BLOB) {
		BY();
		rc = fc_err_set(s->err, FC_ECONFLICT, "villages/%s: commit %s brings %s, not a file: refused",
				s->village, by, d->path);
		goto cleanup;
	}
	if (len > MAX_FILE) {
		BY();
		rc = fc_err_set(s->err, FC_ECONFLICT,
				"villages/%s: commit %s brings %s of %zu bytes (at most %d): refused",
				s->village, by, d->path, len, MAX_FILE);
		goto cleanup;
	}
	if (!shape || shape == LEDGER_PATH_CONFLICTS)
		goto cleanup; /* forms and keys are read by their own parsers */
	if ((rc = ledger_read_blob(s->l, &d->new_blob, d->path, &data, s->err))) {
		fc_err_prefix(s->err, "reading a village file: ");
		goto cleanup;
	}
	if (record_parse(buf_cstr(&data), data.len, d->path, &r, &perr) != FC_OK) {
		BY();
		rc = fc_err_set(s->err, FC_ECONFLICT, "villages/%s: commit %s brings a malformed record: %s",
				s->village, by, perr.msg);
		goto cleanup;
	}
	want_kind = ledger_path_record_kind(shape);
	if (strcmp(r->kind, want_kind)) {
		BY();
		rc = fc_err_set(s->err, FC_ECONFLICT, "villages/%s: commit %s brings %s holding a %s record: refused",
				s->village, by, d->path, r->kind);
	} else if (strcmp(r->id, lp.id)) {
		BY();
		rc = fc_err_set(s->err, FC_ECONFLICT,
				"villages/%s: commit %s brings %s holding record %s: refused "
				"(a record lives at the path its id names)", s->village, by, d->path, r->id);
	} else if (shape != LEDGER_PATH_HOUSEHOLD && (!r->parent || strcmp(r->parent, lp.household))) {
		BY();
		rc = fc_err_set(s->err, FC_ECONFLICT,
				"villages/%s: commit %s brings %s whose parent is %s, not %s: refused",
				s->village, by, d->path, r->parent ? r->parent : "(none)", lp.household);
	} else if (shape == LEDGER_PATH_HOUSEHOLD && (vc = record_val(r, "village_code")) && *vc &&
		   strcmp(vc, s->village)) {
		BY();
		rc = fc_err_set(s->err, FC_ECONFLICT,
				"villages/%s: commit %s brings household %s of village %s: refused",
				s->village, by, lp.id, vc);
	}
cleanup:
#undef BY
	record_free(r);
	buf_free(&data);
	return rc;
}

static int tree_has_signers(ledger *l, const ledger_oid *tree)
{
	ledger_entry e;

	return ledger_find(l, tree, LEDGER_SIGNERS_PATH, &e, NULL) == FC_OK;
}

/* Every commit the village ref brings (not yet merged here) is signed by a
 * key of the tree before it. */
static int verify_new(ledger *l, const ledger_oid *theirs, const ledger_oid *base,
		      const ledger_oid *ours, fc_err *err)
{
	ledger_walk *w = NULL;
	ledger_oid c;
	int rc;

	if ((rc = ledger_walk_new(l, &w, err)) != FC_OK || (rc = ledger_walk_push(w, theirs, err)) != FC_OK) {
		fc_err_prefix(err, "walking the village commits: ");
		goto cleanup;
	}
	if (base)
		ledger_walk_hide(w, base, NULL);
	if (ours)
		ledger_walk_hide(w, ours, NULL);
	while (ledger_walk_next(w, &c, NULL) == 1) {
		ledger_commit *cm = NULL;
		ledger_oid signers_tree;

		if ((rc = ledger_commit_lookup(l, &c, &cm, err)) != FC_OK) {
			fc_err_prefix(err, "reading a village commit: ");
			goto cleanup;
		}
		/* The founding commit carries the keys it is judged by; any
		 * later commit is judged by the keys before it. */
		if (ledger_commit_parentcount(cm) > 0)
			rc = ledger_commit_tree(l, ledger_commit_parent(cm, 0), &signers_tree, err);
		else
			signers_tree = *ledger_commit_tree_id(cm);
		ledger_commit_free(cm);
		/* A device's changesets made before its first fetch hold only
		 * its records, no keys (the county links merged batches into
		 * village commits): the keys of the village commit that brings
		 * them judge those. */
		if (rc == FC_OK && !tree_has_signers(l, &signers_tree))
			rc = ledger_commit_tree(l, theirs, &signers_tree, err);
		if (rc != FC_OK) {
			fc_err_prefix(err, "reading a village commit's parent: ");
			goto cleanup;
		}
		if ((rc = ledger_verify_commit(l, &c, NULL, &signers_tree, NULL, err)) != FC_OK)
			goto cleanup;
	}
	rc = FC_OK;
cleanup:
	ledger_walk_free(w);
	return rc;
}

/* The base for merging village commit `theirs` into the device branch. The
 * village commit merged last (`merged`) is a true ancestor in content, but
 * when the county has since merged one of this device's own batches, that
 * batch tip is a closer one: with it, a field this device set and someone
 * changed after the county took it is their change, not a conflict. The
 * county names the merged batch tips on the village commits it cuts
 * ("Fieldcard-Merged: P OID"); take the newest of ours that descends from
 * `merged`. */
static void village_base(ledger *l, const ledger_oid *theirs, const ledger_oid *merged,
			 const char *principal, ledger_oid *base)
{
	char *needle = util_asprintf("\nFieldcard-Merged: %s ", principal);
	ledger_oid at = *theirs;

	for (int steps = 0; steps < 10000; steps++) {
		ledger_commit *c = NULL, *tc = NULL;
		const char *hit;
		ledger_oid tip;
		int found = 0;

		if (merged && ledger_oid_equal(&at, merged))
			break;
		if (ledger_commit_lookup(l, &at, &c, NULL) != FC_OK)
			break;
		hit = strstr(ledger_commit_text(c), needle);
		if (hit && ledger_oid_parse(&tip, hit + strlen(needle)) == FC_OK &&
		    ledger_commit_lookup(l, &tip, &tc, NULL) == FC_OK &&
		    (!merged || ledger_oid_equal(&tip, merged) || ledger_descends(l, &tip, merged))) {
			*base = tip;
			found = 1;
		}
		ledger_commit_free(tc);
		if (found || ledger_commit_parentcount(c) == 0) {
			ledger_commit_free(c);
			break;
		}
		at = *ledger_commit_parent(c, 0);
		ledger_commit_free(c);
	}
	free(needle);
}

static int merge_village(ledger *l, const char *branch, const char *village,
			 const ledger_author *who, const sync_opts *o, sync_result *res, fc_err *err)
{
	char *tracking = util_asprintf("refs/remotes/county/villages/%s", village);
	char *merged_ref = util_asprintf("refs/fieldcard/merged/villages/%s", village);
	ledger_oid theirs, base, ours, t_tree, b_tree, o_tree, m_tree, commit, parents[2];
	int has_base, has_ours, rc;
	merge_conflicts c = { NULL, 0, 0 };
	scope sc;
	fc_buf msg = FC_BUF_INIT;

	rc = ledger_ref_get(l, tracking, &theirs, err);
	if (rc == FC_ENOTFOUND) {
		fc_err_clear(err);
		step(o, "merge", "villages/%s: not in the county repository yet", village);
		rc = FC_OK;
		goto cleanup;
	}
	if (rc != FC_OK)
		goto cleanup;
	rc = ledger_ref_get(l, merged_ref, &base, err);
	if (rc != FC_OK && rc != FC_ENOTFOUND)
		goto cleanup;
	has_base = rc == FC_OK;
	rc = ledger_ref_get(l, branch, &ours, err);
	if (rc != FC_OK && rc != FC_ENOTFOUND)
		goto cleanup;
	has_ours = rc == FC_OK;
	fc_err_clear(err);
	rc = FC_OK;
	if (has_base && ledger_oid_equal(&base, &theirs))
		goto cleanup; /* nothing new */
	if ((rc = verify_new(l, &theirs, has_base ? &base : NULL, has_ours ? &ours : NULL, err)) != FC_OK) {
		fc_err_prefix(err, "villages/%s: ", village);
		goto cleanup;
	}
	if ((rc = ledger_commit_tree(l, &theirs, &t_tree, err)) != FC_OK ||
	    (has_base && (rc = ledger_commit_tree(l, &base, &b_tree, err)) != FC_OK))
		goto cleanup;
	memset(&sc, 0, sizeof(sc));
	sc.village = village;
	sc.theirs = &theirs;
	sc.base = has_base ? &base : NULL;
	sc.l = l;
	sc.err = err;
	snprintf(sc.prefix, sizeof(sc.prefix), "villages/%s/", village);
	if ((rc = ledger_diff(l, has_base ? &b_tree : NULL, &t_tree, on_scope, &sc, err)) != FC_OK)
		goto cleanup;
	step(o, "merge", "merging villages/%s", village);
	if (!has_ours) {
		/* First sync: the device branch starts at the village commit. */
		if ((rc = ledger_ref_set(l, branch, &theirs, NULL, "fieldcard sync: start from village", err)) != FC_OK)
			goto cleanup;
	} else if (ledger_descends(l, &theirs, &ours)) {
		/* The county linked our merged batch into the village commit
		 * and we changed nothing since: take it as it is, no merge
		 * commit (and nothing to push: the county has it). */
		if ((rc = ledger_ref_set(l, branch, &theirs, &ours, "fieldcard sync: fast-forward to village",
					 err)) != FC_OK)
			goto cleanup;
	} else if (!ledger_descends(l, &ours, &theirs) &&
		   !ledger_oid_equal(&ours, &theirs)) {
		ledger_oid mbase = base;

		if (!has_base)
			memset(&mbase, 0, sizeof(mbase));
		village_base(l, &theirs, has_base ? &base : NULL, who->principal, &mbase);
		if (!ledger_oid_is_zero(&mbase)) {
			if ((rc = ledger_commit_tree(l, &mbase, &b_tree, err)) != FC_OK)
				goto cleanup;
			has_base = 1;
		}
		if ((rc = ledger_commit_tree(l, &ours, &o_tree, err)) != FC_OK ||
		    (rc = merge_trees_who(l, has_base ? &b_tree : NULL, &o_tree, &t_tree, who->principal,
					     "county", &m_tree, &c, err)) != FC_OK)
			goto cleanup;
		buf_printf(&msg, "Merge villages/%s into %s\n\n%zu conflict(s) left for a person to settle.\n",
			   village, branch + strlen("refs/heads/"), c.n);
		ledger_message_trailers(&msg, who->principal, who->device);
		parents[0] = ours;
		parents[1] = theirs;
		if ((rc = ledger_commit_write(l, &m_tree, parents, 2, who, msg.data, &commit, err)) != FC_OK ||
		    (rc = ledger_ref_set(l, branch, &commit, &ours, "fieldcard sync: merge village", err)) != FC_OK)
			goto cleanup;
		res->conflicts += (int)c.n;
	}
	if ((rc = ledger_ref_force(l, merged_ref, &theirs, "fieldcard sync: merged", err)) != FC_OK)
		goto cleanup;
	res->villages_merged++;
cleanup:
	merge_conflicts_free(&c);
	buf_free(&msg);
	free(tracking);
	free(merged_ref);
	return rc;
}

/* ---- step 4: the store follows the tree ---- */

typedef struct follow {
	fc_app *a;
	ledger *l;
	const ledger_oid *tree;
	int forms_changed;
	int conflicts_changed;
	const char *who;
	const char *forms_stage;  /* where new forms are written to be checked */
	fc_err *err;
} follow;

/* Open conflicts of the tree into the store (the store keeps one row per
 * record and field, so adding again is harmless). */
static int add_conflicts(follow *f)
{
	merge_conflicts c = { 0 };
	int rc;

	if ((rc = merge_conflicts_read(f->l, f->tree, NULL, &c, f->err)) != FC_OK)
		goto cleanup;
	for (size_t i = 0; i < c.n && rc == FC_OK; i++) {
		store_conflict sc;

		sc.record_id = c.v[i].record_id;
		sc.field = c.v[i].field;
		sc.base = c.v[i].base;
		sc.ours = c.v[i].ours;
		sc.theirs = c.v[i].theirs;
		sc.ours_who = c.v[i].ours_who && *c.v[i].ours_who ? c.v[i].ours_who : f->a->principal;
		sc.theirs_who = c.v[i].theirs_who && *c.v[i].theirs_who ? c.v[i].theirs_who : f->who;
		rc = store_conflict_add(f->a->st, &sc, f->err);
	}
cleanup:
	merge_conflicts_free(&c);
	return rc;
}

/* What else a changed path means to the device: new forms to load, open
 * conflicts to list (the records themselves go through sync_arrive). */
static int on_follow_path(const char *path, int has_new, void *ud)
{
	follow *f = ud;

	(void)has_new;
	if (!strncmp(path, "forms/", 6))
		f->forms_changed = 1;
	else if (!strncmp(path, "villages/", 9) && merge_is_conflict_path(path))
		f->conflicts_changed = 1;
	return 0;
}

static int on_form_file(const char *path, const ledger_oid *blob, const void *data, size_t len,
			void *payload)
{
	follow *f = payload;
	char *dst = util_asprintf("%s/%s", f->forms_stage, path + strlen("forms/"));
	char *slash = strrchr(dst, '/');
	int rc;

	(void)blob;
	*slash = '\0';
	rc = util_mkdir_p(dst, 0755, f->err);
	*slash = '/';
	if (rc == FC_OK)
		rc = util_write_file_atomic(dst, data, len, 0644, f->err);
	free(dst);
	return rc;
}

/* New forms from the county are written beside the ones in use, loaded,
 * and only then put in their place: a county's mistake in a form must never
 * leave a device that cannot open its own data (or sync to get the fix). */
static int update_forms(follow *f, sync_result *res)
{
	char *dir = util_asprintf("%s/forms", f->a->dir);
	char *stage = util_asprintf("%s/forms.new", f->a->dir);
	char *old = util_asprintf("%s/forms.old", f->a->dir);
	char *rules_path = util_asprintf("%s/forms.new/rules.csv", f->a->dir);
	form_set *fs = NULL;
	rules *ru = NULL;
	fc_err check;
	int rc;

	f->forms_stage = stage;
	if ((rc = util_rm_rf(stage, f->err)) != FC_OK ||
	    (rc = util_mkdir_p(stage, 0755, f->err)) != FC_OK ||
	    (rc = ledger_foreach(f->l, f->tree, "forms", on_form_file, f, f->err)) != FC_OK)
		goto out;
	if (form_set_load(stage, &fs, &check) != FC_OK ||
	    (util_file_exists(rules_path) && rules_load(rules_path, &ru, &check) != FC_OK)) {
		snprintf(res->forms_problem, sizeof(res->forms_problem), "%s", check.msg);
		form_set_free(fs);
		rc = util_rm_rf(stage, f->err);
		goto out;
	}
	form_set_free(fs);
	rules_free(ru);
	if ((rc = util_rm_rf(old, f->err)) != FC_OK)
		goto out;
	if (util_file_exists(dir) && rename(dir, old) != 0) {
		rc = fc_err_set(f->err, FC_ERROR, "cannot move %s aside: %s", dir, strerror(errno));
		goto out;
	}
	if (rename(stage, dir) != 0) {
		rc = fc_err_set(f->err, FC_ERROR, "cannot put the new forms in %s: %s", dir, strerror(errno));
		rename(old, dir);
		goto out;
	}
	rc = util_rm_rf(old, f->err);
out:
	f->forms_stage = NULL;
	free(rules_path);
	free(dir);
	free(stage);
	free(old);
	return rc;
}

static int follow_tree(fc_app *a, ledger *l, const char *branch, sync_result *res, fc_err *err)
{
	ledger_oid head, tree, old;
	char *old_hex = NULL, hex[LEDGER_OID_HEXSIZE + 1];
	follow f;
	sync_arrivals how;
	int rc, has_old;

	rc = ledger_ref_get(l, branch, &head, err);
	if (rc == FC_ENOTFOUND) {
		fc_err_clear(err);
		return FC_OK;
	}
	if (rc != FC_OK || (rc = ledger_commit_tree(l, &head, &tree, err)) != FC_OK ||
	    (rc = store_meta_get(a->st, "store_tree", &old_hex, err)) != FC_OK)
		goto cleanup;
	has_old = old_hex && ledger_oid_parse(&old, old_hex) == FC_OK;
	if (has_old && ledger_oid_equal(&old, &tree))
		goto cleanup;
	memset(&f, 0, sizeof(f));
	f.a = a;
	f.l = l;
	f.tree = &tree;
	f.who = "county";
	f.err = err;
	memset(&how, 0, sizeof(how));
	how.who = f.who;
	how.origin = STORE_SYNCED;
	how.path = on_follow_path;
	how.ud = &f;
	if ((rc = store_begin(a->st, err)) != FC_OK)
		goto cleanup;
	if ((rc = sync_arrive(a, l, has_old ? &old : NULL, &tree, &how, err)) != FC_OK) {
		store_rollback(a->st);
		goto cleanup;
	}
	if (f.conflicts_changed && (rc = add_conflicts(&f)) != FC_OK) {
		store_rollback(a->st);
		goto cleanup;
	}
	/* Forms go to DIR/forms before the store records that it reached this
	 * tree: a sync cut in between writes them again next time, where the
	 * other order would leave old forms for good. */
	if (f.forms_changed && (rc = update_forms(&f, res)) != FC_OK) {
		store_rollback(a->st);
		goto cleanup;
	}
	ledger_oid_fmt(hex, sizeof(hex), &tree);
	if ((rc = store_meta_set(a->st, "store_tree", hex, err)) != FC_OK ||
	    (rc = app_commit(a, err)) != FC_OK) {
		store_rollback(a->st);
		goto cleanup;
	}
	res->records_updated += (int)how.stored;
cleanup:
	free(old_hex);
	return rc;
}

/* ---- the whole sync ---- */

/* Keep the remote in the ledger's own config too (remote.county.url), so
 * that `check --rebuild` can bring it back if the store is lost. A --remote
 * given for one sync is kept only while the store names none. Best effort:
 * the sync does not depend on it. */
static void note_remote(ledger *l, const char *url, int one_off, fc_app *a)
{
	fc_buf have = FC_BUF_INIT;
	char *meta = NULL;

	if (!url || !*url)
		return;
	if (one_off && store_meta_get(a->st, "remote", &meta, NULL) == FC_OK && meta && *meta)
		url = meta;
	if (ledger_config_get(l, "remote.county.url", &have, NULL) != FC_OK ||
	    strcmp(buf_cstr(&have), url))
		ledger_config_set(l, "remote.county.url", url, NULL);
	buf_free(&have);
	free(meta);
}

static int count_conflicts(const store_conflict *c, void *ud)
{
	(void)c;
	(*(int *)ud)++;
	return 0;
}

/* The remote's tip of ref as the session's advertisement showed it. */
static int session_tip(const transport_session *sess, const char *ref, ledger_oid *out)
{
	char hex[LEDGER_OID_HEXSIZE + 1];

	return sess && transport_session_ref(sess, ref, hex) && ledger_oid_parse(out, hex) == FC_OK;
}

/* The branch tip the county was last seen to have (pushed, or advertised):
 * a device with nothing beyond it opens its sync for a fetch. */
#define PUSHED_REF "refs/fieldcard/pushed"

/* Is head a village commit the county gave us (after a fast-forward)?
 * Then the county has it and there is nothing to push. */
static int county_has(ledger *l, const fc_app *a, const ledger_oid *head)
{
	int has = 0;

	for (size_t i = 0; a->villages && a->villages[i] && !has; i++) {
		char *ref = util_asprintf("refs/remotes/county/villages/%s", a->villages[i]);
		ledger_oid v;

		has = ledger_ref_get(l, ref, &v, NULL) == FC_OK && ledger_oid_equal(&v, head);
		free(ref);
	}
	return has;
}

/* Has the county's villages/<code> moved since this device last fetched it
 * (or does the county have it while we do not)? */
static int village_moved(ledger *l, const transport_session *sess, const char *village)
{
	char *ref = util_asprintf("refs/heads/villages/%s", village);
	char *mine = util_asprintf("refs/remotes/county/villages/%s", village);
	ledger_oid theirs, have;
	int has_theirs = session_tip(sess, ref, &theirs);
	int has_mine = ledger_ref_get(l, mine, &have, NULL) == FC_OK;

	free(ref);
	free(mine);
	return has_theirs != has_mine || (has_mine && !ledger_oid_equal(&have, &theirs));
}

/* Step 2: fetch the device's villages that moved on the county side (all
 * of them when there is no session to tell). */
static int fetch_villages(fc_app *a, ledger *l, const sync_opts *o, const transport_opts *to,
			  transport_session *sess, fc_err *err)
{
	size_t nv = util_strv_len(a->villages), n = 0;
	char **specs = util_calloc(nv + 1, sizeof(*specs));
	int rc = FC_OK;

	for (size_t i = 0; i < nv; i++) {
		if (sess && !village_moved(l, sess, a->villages[i]))
			continue;
		specs[n++] = util_asprintf("+refs/heads/villages/%s:refs/remotes/county/villages/%s",
					   a->villages[i], a->villages[i]);
	}
	if (n) {
		step(o, "fetch", "fetching %zu village(s) from %s", n, to->url ? to->url : "(no remote)");
		rc = sess ? transport_session_fetch(sess, specs, n, err)
			  : transport_fetch(a->ledger_path, to, specs, n, err);
	} else {
		step(o, "fetch", "nothing new from %s for this device's village(s)", to->url);
	}
	util_strv_free(specs);
	return rc;
}

/* Step 5: push the device branch unless the county has it as it is. */
static int push_branch(fc_app *a, ledger *l, const sync_opts *o, const transport_opts *to,
		       transport_session *sess, char *branch, sync_result *res, fc_err *err)
{
	ledger_oid head, there;
	char *refs[1] = { branch };
	int rc;

	if (ledger_ref_get(l, branch, &head, NULL) != FC_OK)
		return FC_OK; /* no branch yet: nothing to send */
	if (county_has(l, a, &head) ||
	    (session_tip(sess, branch, &there) && ledger_oid_equal(&there, &head))) {
		/* Nothing to send: the county has the branch as it is. */
		ledger_ref_force(l, PUSHED_REF, &head, "fieldcard sync: the county has it", NULL);
		return FC_OK;
	}
	step(o, "push", "sending %s", branch + strlen("refs/heads/"));
	rc = sess ? transport_session_push(sess, refs, 1, err)
		  : transport_push(a->ledger_path, to, refs, 1, err);
	if (rc != FC_OK)
		return rc;
	ledger_ref_force(l, PUSHED_REF, &head, "fieldcard sync: pushed", NULL);
	res->pushed = 1;
	return FC_OK;
}

int sync_run(fc_app *a, const sync_opts *o, sync_result *res, fc_err *err)
{
	ledger *l = NULL;
	identity id;
	const char *remote;
	char *branch = NULL;
	size_t nv = util_strv_len(a->villages);
	transport_opts to;
	transport_session *sess = NULL;
	int rc, offline = 0, refused = 0;
	fc_err off, refusal;

	memset(res, 0, sizeof(*res));
	fc_err_clear(&off);
	fc_err_clear(&refusal);
	/* The key, the settings and the transport key: the one rule (identity.h). */
	if ((rc = identity_open(a, IDENTITY_KEY, o->passphrase_file, &id, err)) != FC_OK)
		return rc;
	if ((rc = ledger_open(a->ledger_path, 1, &l, err)) != FC_OK)
		goto cleanup;
	branch = util_asprintf("refs/heads/batches/%s", a->principal);

	if ((rc = commit_pending(a, l, branch, &id.who, o, res, err)) != FC_OK)
		goto cleanup;

	if ((rc = identity_transport(&id, o->remote, &to, err)) != FC_OK)
		goto cleanup;
	if (!*to.url)
		to.url = NULL; /* no remote: the transport says what to do */
	remote = to.url;
	to.progress = o->progress;
	/* One advertisement of the county's refs tells which villages moved;
	 * only those are fetched. With changes to send it is the push
	 * connection's, else the fetch connection's (DESIGN.md). */
	{
		fc_err serr;
		ledger_oid head, pushed;
		int unsent = ledger_ref_get(l, branch, &head, NULL) == FC_OK &&
			     (ledger_ref_get(l, PUSHED_REF, &pushed, NULL) != FC_OK ||
			      !ledger_oid_equal(&head, &pushed));

		fc_err_clear(&serr);
		if (transport_session_open(a->ledger_path, &to, unsent, &sess, &serr) != FC_OK)
			sess = NULL; /* the plain way below retries and explains */
	}
	rc = fetch_villages(a, l, o, &to, sess, err);
	if (rc == FC_EOFFLINE) {
		/* Merge what an earlier fetch brought; the push waits. */
		off = *err;
		offline = 1;
		fc_err_clear(err);
	} else if (rc != FC_OK)
		goto cleanup;
	else
		note_remote(l, remote, o->remote != NULL, a);

	/* A village ref that fails verification is refused whole and the rest
	 * of the sync goes on: the device's own changeset still reaches the
	 * county, and the refusal is the sync's outcome. */
	for (size_t i = 0; i < nv; i++) {
		fc_err verr;

		fc_err_clear(&verr);
		rc = merge_village(l, branch, a->villages[i], &id.who, o, res, &verr);
		if (rc == FC_ECONFLICT && !refused) {
			refusal = verr;
			refused = 1;
		} else if (rc != FC_OK && rc != FC_ECONFLICT) {
			*err = verr;
			goto cleanup;
		}
	}

	step(o, "store", "bringing the local records up to date");
	if ((rc = follow_tree(a, l, branch, res, err)) != FC_OK)
		goto cleanup;
	res->conflicts = 0;
	if ((rc = store_conflict_each(a->st, count_conflicts, &res->conflicts, err)) != FC_OK)
		goto cleanup;

	if (offline) {
		*err = off;
		rc = off.code;
		goto cleanup;
	}
	if ((rc = push_branch(a, l, o, &to, sess, branch, res, err)) != FC_OK)
		goto cleanup;
	if (refused) {
		*err = refusal;
		rc = refusal.code;
	}
cleanup:
	transport_session_free(sess);
	identity_close(&id);
	ledger_free(l);
	free(branch);
	return rc;
}
