/* county.c — batches, verification, village cuts and the history check
 * (include/fieldcard/county.h; DESIGN.md "Branches and sync", "Merging");
 * the merge itself and the duplicates are in county_merge.c.
 *
 * Trust is decided here: a batch lands on main only if every commit it
 * brings is signed by an enrolled key valid at its time, by the batch's own
 * principal, and everything it changes lies in that principal's villages.
 * The merge names its base explicitly (the village commits the batch has
 * merged) instead of asking git, so a device's history never needs the
 * rest of the county. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/county.h"
#include "fieldcard/transport.h"
#include "fieldcard/util.h"

#define BATCH_PREFIX "refs/heads/batches/"

static void short_hex(char out[LEDGER_OID_SHORT], const ledger_oid *id)
{
	ledger_oid_fmt(out, LEDGER_OID_SHORT, id);
}

const char *county_status_name(county_status s)
{
	switch (s) {
	case COUNTY_GOOD: return "good";
	case COUNTY_BAD_SIGNATURE: return "bad signature";
	case COUNTY_UNKNOWN_KEY: return "unknown key";
	case COUNTY_KEY_NOT_VALID: return "key not valid at that time";
	case COUNTY_OUT_OF_SCOPE: return "out of scope";
	case COUNTY_MERGED: return "merged";
	}
	return "?";
}

/* ---- roster ---- */

/* The one roster parser (identity.h): it honours "revoked". */
int county_roster_get(ledger *l, const ledger_oid *tree, const char *principal,
		      county_principal *out, fc_err *err)
{
	return identity_roster_get(l, tree, principal, out, err);
}

static int in_villages(const county_principal *p, const char *village)
{
	char **v;
	int ok = 0;

	if (strcmp(p->villages, "*") == 0)
		return 1;
	v = util_split(p->villages, ',');
	for (size_t i = 0; v[i] && !ok; i++)
		ok = strcmp(v[i], village) == 0;
	util_strv_free(v);
	return ok;
}

static int is_county(const county_principal *p)
{
	return strcmp(p->role, "county") == 0 && !p->revoked;
}

/* ---- fetching ---- */

int county_fetch(ledger *l, const char *repo_path, const char *dir, const char *url,
		 fc_err *err)
{
	/* Globs: the transport expands them for a path remote too. */
	char *specs[] = { "+refs/heads/main:refs/remotes/county/main",
			  "+refs/heads/villages/*:refs/remotes/county/villages/*",
			  "+refs/heads/batches/*:refs/heads/batches/*" };
	transport_opts o;
	ledger_oid remote_main, local_main;
	int rc;

	memset(&o, 0, sizeof(o));
	o.url = url;
	o.dir = dir;
	if ((rc = transport_global_init(&o, err)) ||
	    (rc = transport_fetch(repo_path, &o, specs, 3, err)))
		return rc;
	/* Another county desk may have moved main: follow it if ours is behind. */
	if (ledger_ref_get(l, "refs/remotes/county/main", &remote_main, NULL) == FC_OK) {
		if (ledger_ref_get(l, "refs/heads/main", &local_main, NULL) != FC_OK)
			return ledger_ref_set(l, "refs/heads/main", &remote_main, NULL,
					      "county: main from the county repository", err);
		if (!ledger_oid_equal(&local_main, &remote_main) &&
		    ledger_descends(l, &remote_main, &local_main))
			return ledger_ref_set(l, "refs/heads/main", &remote_main, &local_main,
					      "county: main fast-forward", err);
	}
	return FC_OK;
}

/* ---- the explicit base ---- */

/* The newest villages/<v> commit known here: ours (the one we cut last) or
 * the county repository's as last fetched, whichever descends from the
 * other (another desk may have cut since); ours if they went apart. */
static int village_ref(ledger *l, const char *v, ledger_oid *out)
{
	char *a = util_asprintf("refs/heads/villages/%s", v);
	char *b = util_asprintf("refs/remotes/county/villages/%s", v);
	ledger_oid remote;
	int rc = ledger_ref_get(l, a, out, NULL);

	if (rc != FC_OK)
		rc = ledger_ref_get(l, b, out, NULL);
	else if (ledger_ref_get(l, b, &remote, NULL) == FC_OK && !ledger_oid_equal(&remote, out) &&
		 ledger_descends(l, &remote, out))
		*out = remote;
	free(a);
	free(b);
	return rc;
}

/* The newest villages/<v> commit that tip contains (walking the village
 * chain back from its head, first parents only). */
static int village_base(ledger *l, const char *v, const ledger_oid *tip, ledger_oid *out)
{
	ledger_oid c;
	ledger_commit *cm = NULL;

	if (village_ref(l, v, &c) != FC_OK)
		return FC_ENOTFOUND;
	for (;;) {
		if (ledger_oid_equal(&c, tip) || ledger_descends(l, tip, &c)) {
			*out = c;
			return FC_OK;
		}
		if (ledger_commit_lookup(l, &c, &cm, NULL) != FC_OK ||
		    ledger_commit_parentcount(cm) == 0) {
			ledger_commit_free(cm);
			return FC_ENOTFOUND;
		}
		c = *ledger_commit_parent(cm, 0);
		ledger_commit_free(cm);
		cm = NULL;
	}
}

/* The base tree of a batch: forms/ and keys/ of its newest village base,
 * villages/<v>/ of each village's own base (the same subtree objects: a
 * tree of a few entries is written, nothing is copied). */
static int compose_base(ledger *l, const county_principal *p, const ledger_oid *tip,
			ledger_oid *out, int *has, fc_err *err)
{
	ledger_tree *nt = NULL;
	ledger_entry root[3], *vb = NULL, e;
	long long newest = -1;
	size_t nroot = 0, nvb = 0;
	char **vs;
	int rc = FC_OK, any = 0;

	*has = 0;
	vs = util_split(strcmp(p->villages, "*") == 0 ? "" : p->villages, ',');
	vb = util_calloc(util_strv_len(vs) + 1, sizeof(*vb));
	for (size_t i = 0; vs[i]; i++) {
		ledger_oid base, bt;
		ledger_commit *bc = NULL;
		char *vpath;

		if (!*vs[i] || village_base(l, vs[i], tip, &base) != FC_OK)
			continue;
		if ((rc = ledger_commit_lookup(l, &base, &bc, err)))
			goto fail;
		bt = *ledger_commit_tree_id(bc);
		if (ledger_commit_time(bc) > newest) {
			newest = ledger_commit_time(bc);
			ledger_tree_free(nt);
			nt = NULL;
			ledger_tree_lookup(l, &bt, &nt, NULL);
		}
		ledger_commit_free(bc);
		any = 1;
		vpath = util_asprintf("villages/%s", vs[i]);
		if (ledger_find(l, &bt, vpath, &e, NULL) == FC_OK) {
			vb[nvb] = e;
			vb[nvb].name = vs[i];
			vb[nvb++].kind = LEDGER_KIND_TREE;
		}
		free(vpath);
	}
	if (!any)
		goto out;
	for (int i = 0; i < 2 && nt; i++) {
		if (ledger_tree_byname(nt, i ? "keys" : "forms", &e) == FC_OK) {
			root[nroot] = e;
			root[nroot++].kind = LEDGER_KIND_TREE;
		}
	}
	if (nvb > 0) {
		if ((rc = ledger_tree_write(l, vb, nvb, &root[nroot].id, err)))
			goto fail;
		root[nroot].name = "villages";
		root[nroot++].kind = LEDGER_KIND_TREE;
	}
	if ((rc = ledger_tree_write(l, root, nroot, out, err)))
		goto fail;
	*has = 1;
	goto out;
fail:
	fc_err_prefix(err, "composing the base of the batch: ");
out:
	util_strv_free(vs);
	free(vb);
	ledger_tree_free(nt);
	return rc;
}

/* ---- verification ---- */

typedef struct scope_ctx {
	const county_principal *p;
	const char *principal;
	int records;
	char bad[512];
} scope_ctx;

static int on_scope(const ledger_delta *d, void *ud)
{
	scope_ctx *s = ud;
	char **parts = util_split(d->path, '/');
	ledger_path lp;
	int ok;

	if (strcmp(parts[0], "forms") == 0 || strcmp(parts[0], "keys") == 0)
		ok = is_county(s->p);
	else
		ok = strcmp(parts[0], "villages") == 0 && parts[1] && parts[2] &&
		     in_villages(s->p, parts[1]);
	if (!ok && !s->bad[0])
		snprintf(s->bad, sizeof(s->bad), "%.60s changes %.200s, outside the villages of %.60s (%.150s)",
			 s->principal, d->path, s->principal, s->p->villages);
	if (ok && strcmp(parts[0], "villages") == 0 && ledger_path_parse(d->path, &lp) == LEDGER_PATH_NONE) {
		ok = 0;
		if (!s->bad[0])
			snprintf(s->bad, sizeof(s->bad),
				 "%.60s changes %.200s, which is not a record path "
				 "(villages/V/A/B/HOUSEHOLD/household, .../members/ID, .../visits/ID, .../flags/ID)",
				 s->principal, d->path);
	}
	if (ok && strcmp(parts[0], "villages") == 0 && !merge_is_conflict_path(d->path))
		s->records++;
	util_strv_free(parts);
	return 0;
}

static county_status status_of(const char *msg)
{
	if (strstr(msg, "unknown key") || strstr(msg, "names principal"))
		return COUNTY_UNKNOWN_KEY;
	if (strstr(msg, "not valid") || strstr(msg, "revoked") || strstr(msg, "valid"))
		return COUNTY_KEY_NOT_VALID;
	return COUNTY_BAD_SIGNATURE;
}

/* Every commit the batch brings (not on main, not a village cut) is
 * signed by an enrolled key valid at its time, by the batch's principal or
 * a county principal. 1 with b->status and b->reason set if one is not,
 * 0 if all are, else an FC_* code. */
static int verify_commits(ledger *l, const char *principal, const ledger_oid *main,
			  const ledger_oid *main_tree, const sig_signers *signers, county_batch *b,
			  fc_err *err)
{
	ledger_walk *w = NULL;
	char **refs = NULL;
	ledger_oid c;
	int rc, bad = 0;
	fc_err e2;

	if ((rc = ledger_walk_new(l, &w, err)) || (rc = ledger_walk_push(w, &b->tip, err)) ||
	    (rc = ledger_walk_hide(w, main, err))) {
		fc_err_prefix(err, "walking the batch: ");
		goto cleanup;
	}
	if (ledger_refs(l, NULL, &refs, NULL) == FC_OK) {
		for (size_t i = 0; refs[i]; i++)
			if (strncmp(refs[i], "refs/heads/villages/", 20) == 0 ||
			    strncmp(refs[i], "refs/remotes/county/villages/", 29) == 0)
				ledger_walk_hide_ref(w, refs[i], NULL);
	}
	while (!bad && ledger_walk_next(w, &c, NULL) == 1) {
		ledger_signed_by by;
		county_principal bp;
		char s[LEDGER_OID_SHORT];

		b->ahead++;
		if (ledger_verify_commit(l, &c, signers, NULL, &by, &e2) != FC_OK) {
			b->status = status_of(e2.msg);
			snprintf(b->reason, sizeof(b->reason), "%.500s", e2.msg);
			bad = 1;
		} else if (strcmp(by.principal, principal) != 0 &&
			   !(county_roster_get(l, main_tree, by.principal, &bp, NULL) == FC_OK &&
			     is_county(&bp))) {
			/* (a county commit the device merged is fine) */
			short_hex(s, &c);
			b->status = COUNTY_UNKNOWN_KEY;
			snprintf(b->reason, sizeof(b->reason),
				 "commit %s: signed by %s, not by the batch's principal %s", s,
				 by.principal, principal);
			bad = 1;
		}
	}
	rc = bad;
cleanup:
	util_strv_free(refs);
	ledger_walk_free(w);
	return rc;
}

int county_verify(ledger *l, const char *principal, county_batch *b, ledger_oid *base_tree,
		  int *has_base, fc_err *err)
{
	ledger_oid main, main_tree, tip_tree, bt;
	sig_signers signers = { NULL, 0 };
	scope_ctx sc;
	char *ref = util_asprintf(BATCH_PREFIX "%s", principal);
	int rc, hb = 0;
	fc_err e2;

	memset(b, 0, sizeof(*b));
	snprintf(b->principal, sizeof(b->principal), "%s", principal);
	if ((rc = ledger_ref_get(l, ref, &b->tip, err)) ||
	    (rc = ledger_ref_get(l, "refs/heads/main", &main, err)) ||
	    (rc = ledger_commit_tree(l, &main, &main_tree, err)) ||
	    (rc = ledger_commit_tree(l, &b->tip, &tip_tree, err)))
		goto cleanup;
	if (ledger_oid_equal(&main, &b->tip) || ledger_descends(l, &main, &b->tip)) {
		b->status = COUNTY_MERGED;
		county_roster_get(l, &main_tree, principal, &b->who, &e2);
		rc = FC_OK;
		goto cleanup;
	}
	rc = county_roster_get(l, &main_tree, principal, &b->who, &e2);
	if (rc == FC_ENOTFOUND || (rc == FC_OK && b->who.revoked)) {
		b->status = rc == FC_OK ? COUNTY_KEY_NOT_VALID : COUNTY_UNKNOWN_KEY;
		snprintf(b->reason, sizeof(b->reason), "principal %s %s", principal,
			 rc == FC_OK ? "is revoked in keys/roster" : "is not enrolled in keys/roster");
		goto refuse;
	}
	if (rc == FC_EINVALID) {
		/* A roster line this desk cannot hold whole: this batch waits,
		 * the others go on. */
		b->status = COUNTY_UNKNOWN_KEY;
		snprintf(b->reason, sizeof(b->reason), "%.500s", e2.msg);
		goto refuse;
	}
	if (rc) {
		if (err)
			*err = e2;
		goto cleanup;
	}
	if ((rc = ledger_signers_from_tree(l, &main_tree, &signers, err)))
		goto cleanup;
	rc = verify_commits(l, principal, &main, &main_tree, &signers, b, err);
	if (rc == 1)
		goto refuse;
	if (rc)
		goto cleanup;

	/* Scope: what the batch brings, base to tip. */
	if ((rc = compose_base(l, &b->who, &b->tip, &bt, &hb, err)))
		goto cleanup;
	memset(&sc, 0, sizeof(sc));
	sc.p = &b->who;
	sc.principal = principal;
	if ((rc = ledger_diff(l, hb ? &bt : NULL, &tip_tree, on_scope, &sc, err)))
		goto cleanup;
	b->records = sc.records;
	if (sc.bad[0]) {
		char s[LEDGER_OID_SHORT];

		short_hex(s, &b->tip);
		b->status = COUNTY_OUT_OF_SCOPE;
		snprintf(b->reason, sizeof(b->reason), "commit %s: out of scope: %.470s", s, sc.bad);
		goto refuse;
	}
	if (base_tree && hb)
		*base_tree = bt;
	if (has_base)
		*has_base = hb;
	b->status = COUNTY_GOOD;
	rc = FC_OK;
	goto cleanup;
refuse:
	rc = fc_err_set(err, FC_ECONFLICT, "batches/%s refused: %s", principal, b->reason);
cleanup:
	sig_signers_free(&signers);
	free(ref);
	return rc;
}

int county_batches(ledger *l, county_batch **out, size_t *n, fc_err *err)
{
	char **refs = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = ledger_refs(l, BATCH_PREFIX, &refs, err)))
		return rc;
	*out = util_calloc(util_strv_len(refs) + 1, sizeof(**out));
	for (size_t i = 0; refs[i]; i++) {
		fc_err e2;

		rc = county_verify(l, refs[i] + strlen(BATCH_PREFIX), &(*out)[k], NULL, NULL, &e2);
		if (rc && rc != FC_ECONFLICT) {
			util_strv_free(refs);
			if (err)
				*err = e2;
			return rc;
		}
		k++;
	}
	*n = k;
	util_strv_free(refs);
	return FC_OK;
}

/* ---- village cuts ---- */

/* main's forms/, keys/ and villages/<v>/ (the same subtree objects). */
static int village_tree(ledger *l, const ledger_oid *main_tree, const char *v, ledger_oid *out,
			fc_err *err)
{
	ledger_tree *mt = NULL;
	ledger_entry root[3], e;
	char *vpath = util_asprintf("villages/%s", v);
	size_t n = 0;
	int rc;

	if ((rc = ledger_tree_lookup(l, main_tree, &mt, err)))
		goto fail;
	for (int i = 0; i < 2; i++) {
		if (ledger_tree_byname(mt, i ? "keys" : "forms", &e) == FC_OK) {
			root[n] = e;
			root[n++].kind = LEDGER_KIND_TREE;
		}
	}
	if (ledger_tree_bypath(mt, vpath, &e) == FC_OK) {
		e.name = v;
		e.kind = LEDGER_KIND_TREE;
		if ((rc = ledger_tree_write(l, &e, 1, &root[n].id, err)))
			goto fail;
		root[n].name = "villages";
		root[n++].kind = LEDGER_KIND_TREE;
	}
	if ((rc = ledger_tree_write(l, root, n, out, err)))
		goto fail;
	goto out;
fail:
	fc_err_prefix(err, "cutting the village tree: ");
out:
	ledger_tree_free(mt);
	free(vpath);
	return rc;
}

/* Does every commit of tip's history not in prev (NULL: all of it) hold
 * no village but `village`? Only then may tip be a parent of the village's
 * commit: a device fetching the village must get no other village's data. */
static int history_in_village(ledger *l, const ledger_oid *tip, const ledger_oid *prev,
			      const char *village)
{
	ledger_walk *w = NULL;
	ledger_oid c;
	int ok = 1, n = 0;

	if (ledger_walk_new(l, &w, NULL) != FC_OK || ledger_walk_push(w, tip, NULL) != FC_OK ||
	    (prev && ledger_walk_hide(w, prev, NULL) != FC_OK)) {
		ledger_walk_free(w);
		return 0;
	}
	while (ok && ledger_walk_next(w, &c, NULL) == 1) {
		ledger_commit *cm = NULL;
		ledger_tree *t = NULL, *vs = NULL;
		ledger_entry e, first;

		/* A very long unmerged history is simply not linked. */
		ok = ++n < 5000 && ledger_commit_lookup(l, &c, &cm, NULL) == FC_OK &&
		     ledger_tree_lookup(l, ledger_commit_tree_id(cm), &t, NULL) == FC_OK;
		if (ok && ledger_tree_byname(t, "villages", &e) == FC_OK) {
			ok = ledger_tree_lookup(l, &e.id, &vs, NULL) == FC_OK &&
			     ledger_tree_count(vs) <= 1 &&
			     (ledger_tree_count(vs) == 0 ||
			      (ledger_tree_at(vs, 0, &first) == FC_OK && !strcmp(first.name, village)));
		}
		ledger_tree_free(vs);
		ledger_tree_free(t);
		ledger_commit_free(cm);
	}
	ledger_walk_free(w);
	return ok;
}

/* "Fieldcard-Merged: <principal> <tip>" for each batch of a principal of
 * village (per the roster of main_tree) that main_commit contains. Those
 * tips whose history holds this village alone are appended to *parents
 * (it grows) too: a device that fetches the village commit then already
 * has the objects of its own merged changes, and the county does not send
 * them back (git only leaves out what the fetched commit's ancestry shares
 * with the device). */
static void merged_trailers(ledger *l, const ledger_oid *main_tree, const ledger_oid *main_commit,
			    const char *village, const ledger_oid *prev, fc_buf *msg,
			    ledger_oid **parents, size_t *nparents, size_t *cap)
{
	char **refs = NULL;

	if (ledger_refs(l, BATCH_PREFIX, &refs, NULL) != FC_OK)
		return;
	for (size_t i = 0; refs[i]; i++) {
		const char *name = refs[i];
		county_principal p;
		ledger_oid tip;
		char hex[LEDGER_OID_HEXSIZE + 1];

		if (county_roster_get(l, main_tree, name + strlen(BATCH_PREFIX), &p, NULL) != FC_OK ||
		    strcmp(p.villages, "*") == 0 || !in_villages(&p, village) ||
		    ledger_ref_get(l, name, &tip, NULL) != FC_OK)
			continue;
		if (!ledger_oid_equal(&tip, main_commit) && !ledger_descends(l, main_commit, &tip))
			continue;
		ledger_oid_fmt(hex, sizeof(hex), &tip);
		buf_printf(msg, "Fieldcard-Merged: %s %s\n", name + strlen(BATCH_PREFIX), hex);
		if (!strcmp(p.villages, village) &&
		    (!prev || (!ledger_oid_equal(&tip, prev) && !ledger_descends(l, prev, &tip))) &&
		    history_in_village(l, &tip, prev, village)) {
			if (*nparents == *cap) {
				*cap = *cap ? *cap * 2 : 8;
				*parents = util_realloc(*parents, *cap * sizeof(**parents));
			}
			(*parents)[(*nparents)++] = tip;
		}
	}
	util_strv_free(refs);
}

int county_cut_village(ledger *l, const ledger_author *who, const ledger_oid *main_commit,
		       const char *village, fc_err *err)
{
	char *ref = util_asprintf("refs/heads/villages/%s", village);
	ledger_oid main_tree, tree, prev, prev_tree, commit, old;
	ledger_oid *parents = NULL; /* the previous cut, then the linked batch tips */
	fc_buf msg = FC_BUF_INIT;
	char hex[LEDGER_OID_HEXSIZE + 1];
	size_t np = 0, cap = 0;
	int rc, has_prev, has_old;

	if ((rc = ledger_commit_tree(l, main_commit, &main_tree, err)) ||
	    (rc = village_tree(l, &main_tree, village, &tree, err)))
		goto out;
	has_old = ledger_ref_get(l, ref, &old, NULL) == FC_OK;
	has_prev = village_ref(l, village, &prev) == FC_OK;
	if (has_prev && ledger_commit_tree(l, &prev, &prev_tree, NULL) == FC_OK &&
	    ledger_oid_equal(&prev_tree, &tree)) {
		if (!has_old || !ledger_oid_equal(&old, &prev))
			rc = ledger_ref_set(l, ref, &prev, has_old ? &old : NULL, "county: village unchanged", err);
		goto out;
	}
	ledger_oid_fmt(hex, sizeof(hex), main_commit);
	buf_printf(&msg, "villages/%s from main %.12s\n", village, hex);
	ledger_message_trailers(&msg, who->principal, who->device);
	buf_printf(&msg, "Fieldcard-Main: %s\n", hex);
	if (has_prev) {
		cap = 8;
		parents = util_calloc(cap, sizeof(*parents));
		parents[np++] = prev;
	}
	merged_trailers(l, &main_tree, main_commit, village, has_prev ? &prev : NULL, &msg, &parents,
			&np, &cap);
	if ((rc = ledger_commit_write(l, &tree, np ? parents : NULL, np, who, msg.data, &commit, err)))
		goto out;
	rc = ledger_ref_set(l, ref, &commit, has_old ? &old : NULL, "county: village cut", err);
out:
	free(parents);
	buf_free(&msg);
	free(ref);
	return rc;
}

/* ---- history ---- */

typedef struct hist_scope {
	county_principal p;
	char bad[512];
} hist_scope;

static int on_hist_scope(const ledger_delta *d, void *ud)
{
	hist_scope *h = ud;
	char **parts = util_split(d->path, '/');
	int ok = strcmp(parts[0], "villages") == 0 && parts[1] && in_villages(&h->p, parts[1]);

	if (!ok && !h->bad[0])
		snprintf(h->bad, sizeof(h->bad), "changes %.200s, outside the signer's villages (%.200s)",
			 d->path, h->p.villages);
	util_strv_free(parts);
	return 0;
}

/* Check one commit against the keys and roster of keys_tree: signature,
 * roster entry, and (a non-merge commit of a non-county principal) the
 * scope of its change against its first parent (a root: against nothing).
 * root_anchor: the root of main, which vouches for itself only if its own
 * roster names its signer a county principal. Appends to report; returns
 * 1 if the commit is bad, 0 if good, <0 on a library error. */
static int hist_check(ledger *l, const ledger_oid *c, const ledger_oid *keys_tree,
		      int root_anchor, fc_buf *report, fc_err *err)
{
	ledger_commit *cm = NULL;
	ledger_signed_by by;
	hist_scope h;
	ledger_oid parent_tree;
	fc_err e2;
	char s[LEDGER_OID_SHORT];
	int np, rc, bad = 0;

	short_hex(s, c);
	if ((rc = ledger_commit_lookup(l, c, &cm, err))) {
		fc_err_prefix(err, "reading history: ");
		return rc;
	}
	np = (int)ledger_commit_parentcount(cm);
	memset(&h, 0, sizeof(h));
	if (ledger_verify_commit(l, c, NULL, keys_tree, &by, &e2) != FC_OK) {
		buf_printf(report, "%s\n", e2.msg);
		bad = 1;
	} else if (county_roster_get(l, keys_tree, by.principal, &h.p, NULL) != FC_OK) {
		buf_printf(report, "commit %s: %s is not in keys/roster\n", s, by.principal);
		bad = 1;
	} else if (h.p.revoked) {
		buf_printf(report, "commit %s: %s is revoked in keys/roster\n", s, by.principal);
		bad = 1;
	} else if (root_anchor && !is_county(&h.p)) {
		buf_printf(report, "commit %s: the root of main is signed by %s, not a county principal\n",
			   s, by.principal);
		bad = 1;
	} else if (np <= 1 && !is_county(&h.p)) {
		rc = np ? ledger_commit_tree(l, ledger_commit_parent(cm, 0), &parent_tree, err) : FC_OK;
		if (rc == FC_OK)
			rc = ledger_diff(l, np ? &parent_tree : NULL, ledger_commit_tree_id(cm),
					 on_hist_scope, &h, err);
		if (rc) {
			ledger_commit_free(cm);
			return rc;
		}
		if (h.bad[0]) {
			buf_printf(report, "commit %s: %s %s\n", s, by.principal, h.bad);
			bad = 1;
		}
	}
	ledger_commit_free(cm);
	return bad;
}

/* The commits merge commit cm brought in from its other parents (those
 * not reachable from its first parent), each checked by hist_check against
 * keys_tree. Adds to *ncommits and *bad; FC_* on a library error. */
static int hist_side(ledger *l, const ledger_commit *cm, const ledger_oid *keys_tree,
		     fc_buf *report, int *ncommits, int *bad, fc_err *err)
{
	ledger_walk *side = NULL;
	ledger_oid x;
	int rc;

	if ((rc = ledger_walk_new(l, &side, err)) ||
	    (rc = ledger_walk_hide(side, ledger_commit_parent(cm, 0), err)))
		goto fail;
	for (size_t i = 1; i < ledger_commit_parentcount(cm); i++)
		if ((rc = ledger_walk_push(side, ledger_commit_parent(cm, i), err)))
			goto fail;
	while (ledger_walk_next(side, &x, NULL) == 1) {
		int b;

		(*ncommits)++;
		b = hist_check(l, &x, keys_tree, 0, report, err);
		if (b < 0) {
			rc = b;
			goto out;
		}
		*bad += b;
	}
	goto out;
fail:
	fc_err_prefix(err, "walking a merged batch: ");
out:
	ledger_walk_free(side);
	return rc;
}

/* Main's history is a first-parent chain of county commits: each is judged
 * by the keys of the main commit before it; the root by its own (the trust
 * anchor). The commits a merge brought in from its other parents (a batch,
 * village cuts the device merged) were judged at the merge by the keys of
 * main then (county_verify), so they are judged by those here too. */
int county_verify_history(ledger *l, const char *rev, fc_buf *report, int *ncommits,
			  fc_err *err)
{
	ledger_walk *w = NULL;
	ledger_commit *cm = NULL;
	ledger_oid start, c;
	int more, rc, bad = 0;

	*ncommits = 0;
	if ((rc = ledger_rev(l, rev, &start, err)))
		return rc;
	if ((rc = ledger_walk_new(l, &w, err)) || (rc = ledger_walk_push(w, &start, err)) ||
	    (rc = ledger_walk_first_parent(w, err))) {
		fc_err_prefix(err, "%s: ", rev);
		goto cleanup;
	}
	while ((more = ledger_walk_next(w, &c, err)) == 1) {
		ledger_oid keys_tree;
		size_t np;
		int b;

		(*ncommits)++;
		if ((rc = ledger_commit_lookup(l, &c, &cm, err))) {
			fc_err_prefix(err, "reading history: ");
			goto cleanup;
		}
		np = ledger_commit_parentcount(cm);
		if (np == 0)
			keys_tree = *ledger_commit_tree_id(cm);
		else if ((rc = ledger_commit_tree(l, ledger_commit_parent(cm, 0), &keys_tree, err)))
			goto cleanup;
		b = hist_check(l, &c, &keys_tree, np == 0, report, err);
		if (b < 0) {
			rc = b;
			goto cleanup;
		}
		bad += b;
		if (np >= 2 && (rc = hist_side(l, cm, &keys_tree, report, ncommits, &bad, err)))
			goto cleanup;
		ledger_commit_free(cm);
		cm = NULL;
	}
	if (more < 0) {
		rc = more;
		fc_err_prefix(err, "walking history: ");
		goto cleanup;
	}
	if (bad)
		rc = fc_err_set(err, FC_ECONFLICT, "%d of %d commit(s) failed verification", bad,
				*ncommits);
cleanup:
	ledger_commit_free(cm);
	ledger_walk_free(w);
	return rc;
}
