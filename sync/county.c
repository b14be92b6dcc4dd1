/* county.c — batches, verification, county merge and village cuts
 * (include/fieldcard/county.h; DESIGN.md "Branches and sync", "Merging").
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
#include "fieldcard/fields.h"
#include "fieldcard/transport.h"
#include "fieldcard/util.h"

#define BATCH_PREFIX "refs/heads/batches/"

static void short_hex(char out[8], const git_oid *id)
{
	git_oid_tostr(out, 8, id);
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
int county_roster_get(ledger *l, const git_oid *tree, const char *principal,
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
	char *specs[] = { "+refs/heads/main:refs/remotes/county/main",
			  "+refs/heads/villages/*:refs/remotes/county/villages/*",
			  "+refs/heads/batches/*:refs/heads/batches/*" };
	transport_opts o;
	git_oid remote_main, local_main;
	int rc;

	char **exact = NULL;
	size_t nexact = 0;
	git_repository *src = NULL;
	const char *path = strncmp(url, "file://", 7) == 0 ? url + 7 : url;

	memset(&o, 0, sizeof(o));
	o.url = url;
	o.dir = dir;
	rc = transport_global_init(&o, err);
	/* The transport's local (path, USB stick) fetch takes exact refs only:
	 * expand the globs against the repository on the stick. */
	if (rc == FC_OK && (!strstr(url, "://") || strncmp(url, "file://", 7) == 0)) {
		git_strarray refs = { NULL, 0 };

		if (git_repository_open_bare(&src, path) == 0 && git_reference_list(&refs, src) == 0) {
			exact = util_calloc(refs.count + 1, sizeof(*exact));
			for (size_t i = 0; i < refs.count; i++) {
				const char *r = refs.strings[i];

				if (strcmp(r, "refs/heads/main") == 0)
					exact[nexact++] = util_strdup(specs[0]);
				else if (strncmp(r, "refs/heads/villages/", 20) == 0)
					exact[nexact++] = util_asprintf("+%s:refs/remotes/county/villages/%s",
									r, r + 20);
				else if (strncmp(r, "refs/heads/batches/", 19) == 0)
					exact[nexact++] = util_asprintf("+%s:%s", r, r);
			}
			git_strarray_dispose(&refs);
		}
		git_repository_free(src);
	}
	if (rc == FC_OK)
		rc = exact ? (nexact ? transport_fetch(repo_path, &o, exact, nexact, err) : FC_OK)
			   : transport_fetch(repo_path, &o, specs, 3, err);
	for (size_t i = 0; i < nexact; i++)
		free(exact[i]);
	free(exact);
	if (rc)
		return rc;
	/* Another county desk may have moved main: follow it if ours is behind. */
	if (ledger_ref_get(l, "refs/remotes/county/main", &remote_main, NULL) == FC_OK) {
		if (ledger_ref_get(l, "refs/heads/main", &local_main, NULL) != FC_OK)
			return ledger_ref_set(l, "refs/heads/main", &remote_main, NULL,
					      "county: main from the county repository", err);
		if (!git_oid_equal(&local_main, &remote_main) &&
		    git_graph_descendant_of(ledger_repo(l), &remote_main, &local_main) == 1)
			return ledger_ref_set(l, "refs/heads/main", &remote_main, &local_main,
					      "county: main fast-forward", err);
	}
	return FC_OK;
}

/* ---- the explicit base ---- */

/* The newest villages/<v> commit known here: ours (the one we cut last) or
 * the county repository's as last fetched, whichever descends from the
 * other (another desk may have cut since); ours if they went apart. */
static int village_ref(ledger *l, const char *v, git_oid *out)
{
	char *a = util_asprintf("refs/heads/villages/%s", v);
	char *b = util_asprintf("refs/remotes/county/villages/%s", v);
	git_oid remote;
	int rc = ledger_ref_get(l, a, out, NULL);

	if (rc != FC_OK)
		rc = ledger_ref_get(l, b, out, NULL);
	else if (ledger_ref_get(l, b, &remote, NULL) == FC_OK && !git_oid_equal(&remote, out) &&
		 git_graph_descendant_of(ledger_repo(l), &remote, out) == 1)
		*out = remote;
	free(a);
	free(b);
	return rc;
}

/* The newest villages/<v> commit that tip contains (walking the village
 * chain back from its head, first parents only). */
static int village_base(ledger *l, const char *v, const git_oid *tip, git_oid *out)
{
	git_oid c;
	git_commit *cm = NULL;

	if (village_ref(l, v, &c) != FC_OK)
		return FC_ENOTFOUND;
	for (;;) {
		if (git_oid_equal(&c, tip) ||
		    git_graph_descendant_of(ledger_repo(l), tip, &c) == 1) {
			git_oid_cpy(out, &c);
			return FC_OK;
		}
		if (git_commit_lookup(&cm, ledger_repo(l), &c) < 0 || git_commit_parentcount(cm) == 0) {
			git_commit_free(cm);
			return FC_ENOTFOUND;
		}
		git_oid_cpy(&c, git_commit_parent_id(cm, 0));
		git_commit_free(cm);
		cm = NULL;
	}
}

/* The base tree of a batch: forms/ and keys/ of its newest village base,
 * villages/<v>/ of each village's own base. */
static int compose_base(ledger *l, const county_principal *p, const git_oid *tip,
			const git_oid *main_tree, git_oid *out, int *has, fc_err *err)
{
	git_repository *r = ledger_repo(l);
	git_treebuilder *root = NULL, *vb = NULL;
	git_tree *nt = NULL;
	long long newest = -1;
	char **vs;
	int g = 0, rc = FC_OK, any = 0;
	git_oid vt;

	*has = 0;
	vs = util_split(strcmp(p->villages, "*") == 0 ? "" : p->villages, ',');
	if ((g = git_treebuilder_new(&root, r, NULL)) < 0 || (g = git_treebuilder_new(&vb, r, NULL)) < 0)
		goto fail;
	for (size_t i = 0; vs[i]; i++) {
		git_oid base, bt;
		git_commit *bc = NULL;
		git_tree *t = NULL;
		git_tree_entry *e = NULL;
		char *vpath;

		if (!*vs[i] || village_base(l, vs[i], tip, &base) != FC_OK)
			continue;
		if ((g = git_commit_lookup(&bc, r, &base)) < 0)
			goto fail;
		git_oid_cpy(&bt, git_commit_tree_id(bc));
		if ((long long)git_commit_time(bc) > newest) {
			newest = (long long)git_commit_time(bc);
			git_tree_free(nt);
			nt = NULL;
			git_tree_lookup(&nt, r, &bt);
		}
		git_commit_free(bc);
		any = 1;
		vpath = util_asprintf("villages/%s", vs[i]);
		if (git_tree_lookup(&t, r, &bt) == 0 && git_tree_entry_bypath(&e, t, vpath) == 0)
			g = git_treebuilder_insert(NULL, vb, vs[i], git_tree_entry_id(e), GIT_FILEMODE_TREE);
		git_tree_entry_free(e);
		git_tree_free(t);
		free(vpath);
		if (g < 0)
			goto fail;
	}
	(void)main_tree;
	if (!any)
		goto out;
	for (int i = 0; i < 2 && nt; i++) {
		const git_tree_entry *e = git_tree_entry_byname(nt, i ? "keys" : "forms");

		if (e && (g = git_treebuilder_insert(NULL, root, git_tree_entry_name(e),
						     git_tree_entry_id(e), GIT_FILEMODE_TREE)) < 0)
			goto fail;
	}
	if (git_treebuilder_entrycount(vb) > 0) {
		if ((g = git_treebuilder_write(&vt, vb)) < 0 ||
		    (g = git_treebuilder_insert(NULL, root, "villages", &vt, GIT_FILEMODE_TREE)) < 0)
			goto fail;
	}
	if ((g = git_treebuilder_write(out, root)) < 0)
		goto fail;
	*has = 1;
	goto out;
fail:
	rc = ledger_git_error(err, g, "composing the base of the batch");
out:
	util_strv_free(vs);
	git_tree_free(nt);
	git_treebuilder_free(vb);
	git_treebuilder_free(root);
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
				 "(villages/V/A/B/HOUSEHOLD/household, .../members/ID, .../visits/ID)",
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

int county_verify(ledger *l, const char *principal, county_batch *b, git_oid *base_tree,
		  int *has_base, fc_err *err)
{
	git_repository *r = ledger_repo(l);
	git_oid main, main_tree, tip_tree, bt, c;
	git_revwalk *w = NULL;
	git_strarray refs = { NULL, 0 };
	sig_signers signers = { NULL, 0 };
	scope_ctx sc;
	char *ref = util_asprintf(BATCH_PREFIX "%s", principal);
	int rc, hb = 0, g;
	fc_err e2;

	memset(b, 0, sizeof(*b));
	snprintf(b->principal, sizeof(b->principal), "%s", principal);
	if ((rc = ledger_ref_get(l, ref, &b->tip, err)) ||
	    (rc = ledger_ref_get(l, "refs/heads/main", &main, err)) ||
	    (rc = ledger_commit_tree(l, &main, &main_tree, err)) ||
	    (rc = ledger_commit_tree(l, &b->tip, &tip_tree, err)))
		goto cleanup;
	if (git_oid_equal(&main, &b->tip) || git_graph_descendant_of(r, &main, &b->tip) == 1) {
		b->status = COUNTY_MERGED;
		rc = county_roster_get(l, &main_tree, principal, &b->who, &e2);
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
	if (rc) {
		if (err)
			*err = e2;
		goto cleanup;
	}
	if ((rc = ledger_signers_from_tree(l, &main_tree, &signers, err)))
		goto cleanup;

	/* Every commit the batch brings: not on main, not a village cut. */
	if ((g = git_revwalk_new(&w, r)) < 0 || (g = git_revwalk_push(w, &b->tip)) < 0 ||
	    (g = git_revwalk_hide(w, &main)) < 0) {
		rc = ledger_git_error(err, g, "walking the batch");
		goto cleanup;
	}
	if (git_reference_list(&refs, r) == 0) {
		for (size_t i = 0; i < refs.count; i++)
			if (strncmp(refs.strings[i], "refs/heads/villages/", 20) == 0 ||
			    strncmp(refs.strings[i], "refs/remotes/county/villages/", 29) == 0)
				git_revwalk_hide_ref(w, refs.strings[i]);
	}
	while (git_revwalk_next(&c, w) == 0) {
		ledger_signed_by by;

		b->ahead++;
		if (ledger_verify_commit(l, &c, &signers, NULL, &by, &e2) != FC_OK) {
			b->status = status_of(e2.msg);
			snprintf(b->reason, sizeof(b->reason), "%.500s", e2.msg);
			goto refuse;
		}
		if (strcmp(by.principal, principal) != 0) {
			county_principal bp;
			char s[8];

			if (county_roster_get(l, &main_tree, by.principal, &bp, NULL) == FC_OK &&
			    is_county(&bp))
				continue; /* a county commit the device merged */
			short_hex(s, &c);
			b->status = COUNTY_UNKNOWN_KEY;
			snprintf(b->reason, sizeof(b->reason),
				 "commit %s: signed by %s, not by the batch's principal %s", s,
				 by.principal, principal);
			goto refuse;
		}
	}

	/* Scope: what the batch brings, base to tip. */
	if ((rc = compose_base(l, &b->who, &b->tip, &main_tree, &bt, &hb, err)))
		goto cleanup;
	memset(&sc, 0, sizeof(sc));
	sc.p = &b->who;
	sc.principal = principal;
	if ((rc = ledger_diff(l, hb ? &bt : NULL, &tip_tree, on_scope, &sc, err)))
		goto cleanup;
	b->records = sc.records;
	if (sc.bad[0]) {
		char s[8];

		short_hex(s, &b->tip);
		b->status = COUNTY_OUT_OF_SCOPE;
		snprintf(b->reason, sizeof(b->reason), "commit %s: out of scope: %.470s", s, sc.bad);
		goto refuse;
	}
	if (base_tree && hb)
		git_oid_cpy(base_tree, &bt);
	if (has_base)
		*has_base = hb;
	b->status = COUNTY_GOOD;
	rc = FC_OK;
	goto cleanup;
refuse:
	rc = fc_err_set(err, FC_ECONFLICT, "batches/%s refused: %s", principal, b->reason);
cleanup:
	git_strarray_dispose(&refs);
	git_revwalk_free(w);
	sig_signers_free(&signers);
	free(ref);
	return rc;
}

int county_batches(ledger *l, county_batch **out, size_t *n, fc_err *err)
{
	git_strarray refs = { NULL, 0 };
	size_t k = 0;
	int g;

	*out = NULL;
	*n = 0;
	g = git_reference_list(&refs, ledger_repo(l));
	if (g < 0)
		return ledger_git_error(err, g, "listing refs");
	*out = util_calloc(refs.count ? refs.count : 1, sizeof(**out));
	for (size_t i = 0; i < refs.count; i++) {
		const char *name = refs.strings[i];
		fc_err e2;
		int rc;

		if (strncmp(name, BATCH_PREFIX, strlen(BATCH_PREFIX)) != 0)
			continue;
		rc = county_verify(l, name + strlen(BATCH_PREFIX), &(*out)[k], NULL, NULL, &e2);
		if (rc && rc != FC_ECONFLICT) {
			git_strarray_dispose(&refs);
			if (err)
				*err = e2;
			return rc;
		}
		k++;
	}
	*n = k;
	git_strarray_dispose(&refs);
	return FC_OK;
}

/* ---- village cuts ---- */

static int village_tree(ledger *l, const git_oid *main_tree, const char *v, git_oid *out,
			fc_err *err)
{
	git_repository *r = ledger_repo(l);
	git_tree *mt = NULL;
	git_treebuilder *root = NULL, *vb = NULL;
	git_tree_entry *ve = NULL;
	char *vpath = util_asprintf("villages/%s", v);
	int g, rc = FC_OK;
	git_oid vt;

	if ((g = git_tree_lookup(&mt, r, main_tree)) < 0 || (g = git_treebuilder_new(&root, r, NULL)) < 0)
		goto fail;
	for (int i = 0; i < 2; i++) {
		const git_tree_entry *e = git_tree_entry_byname(mt, i ? "keys" : "forms");

		if (e && (g = git_treebuilder_insert(NULL, root, git_tree_entry_name(e),
						     git_tree_entry_id(e), GIT_FILEMODE_TREE)) < 0)
			goto fail;
	}
	if (git_tree_entry_bypath(&ve, mt, vpath) == 0) {
		if ((g = git_treebuilder_new(&vb, r, NULL)) < 0 ||
		    (g = git_treebuilder_insert(NULL, vb, v, git_tree_entry_id(ve), GIT_FILEMODE_TREE)) < 0 ||
		    (g = git_treebuilder_write(&vt, vb)) < 0 ||
		    (g = git_treebuilder_insert(NULL, root, "villages", &vt, GIT_FILEMODE_TREE)) < 0)
			goto fail;
	}
	if ((g = git_treebuilder_write(out, root)) < 0)
		goto fail;
	goto out;
fail:
	rc = ledger_git_error(err, g, "cutting the village tree");
out:
	git_tree_entry_free(ve);
	git_treebuilder_free(vb);
	git_treebuilder_free(root);
	git_tree_free(mt);
	free(vpath);
	return rc;
}

/* Does every commit of tip's history not in prev (NULL: all of it) hold
 * no village but `village`? Only then may tip be a parent of the village's
 * commit: a device fetching the village must get no other village's data. */
static int history_in_village(ledger *l, const git_oid *tip, const git_oid *prev, const char *village)
{
	git_revwalk *w = NULL;
	git_oid c;
	int ok = 1, n = 0;

	if (git_revwalk_new(&w, ledger_repo(l)) < 0 || git_revwalk_push(w, tip) < 0 ||
	    (prev && git_revwalk_hide(w, prev) < 0)) {
		git_revwalk_free(w);
		return 0;
	}
	while (ok && git_revwalk_next(&c, w) == 0) {
		git_commit *cm = NULL;
		git_tree *t = NULL, *vs = NULL;
		const git_tree_entry *e;

		/* A very long unmerged history is simply not linked. */
		ok = ++n < 5000 && git_commit_lookup(&cm, ledger_repo(l), &c) == 0 &&
		     git_commit_tree(&t, cm) == 0;
		if (ok && (e = git_tree_entry_byname(t, "villages"))) {
			ok = git_tree_lookup(&vs, ledger_repo(l), git_tree_entry_id(e)) == 0 &&
			     git_tree_entrycount(vs) <= 1 &&
			     (git_tree_entrycount(vs) == 0 ||
			      !strcmp(git_tree_entry_name(git_tree_entry_byindex(vs, 0)), village));
		}
		git_tree_free(vs);
		git_tree_free(t);
		git_commit_free(cm);
	}
	git_revwalk_free(w);
	return ok;
}

/* "Fieldcard-Merged: <principal> <tip>" for each batch of a principal of
 * village (per the roster of main_tree) that main_commit contains. Those
 * tips whose history holds this village alone go to parents (at most cap)
 * too: a device that fetches the village commit then already has the
 * objects of its own merged changes, and the county does not send them
 * back (git only leaves out what the fetched commit's ancestry shares with
 * the device). */
static void merged_trailers(ledger *l, const git_oid *main_tree, const git_oid *main_commit,
			    const char *village, const git_oid *prev, fc_buf *msg, git_oid *parents,
			    size_t *nparents, size_t cap)
{
	git_strarray refs = { NULL, 0 };

	if (git_reference_list(&refs, ledger_repo(l)) < 0)
		return;
	for (size_t i = 0; i < refs.count; i++) {
		const char *name = refs.strings[i];
		county_principal p;
		git_oid tip;
		char hex[GIT_OID_HEXSZ + 1];

		if (strncmp(name, BATCH_PREFIX, strlen(BATCH_PREFIX)) != 0 ||
		    county_roster_get(l, main_tree, name + strlen(BATCH_PREFIX), &p, NULL) != FC_OK ||
		    strcmp(p.villages, "*") == 0 || !in_villages(&p, village) ||
		    ledger_ref_get(l, name, &tip, NULL) != FC_OK)
			continue;
		if (!git_oid_equal(&tip, main_commit) &&
		    git_graph_descendant_of(ledger_repo(l), main_commit, &tip) != 1)
			continue;
		git_oid_tostr(hex, sizeof(hex), &tip);
		buf_printf(msg, "Fieldcard-Merged: %s %s\n", name + strlen(BATCH_PREFIX), hex);
		if (*nparents < cap && !strcmp(p.villages, village) &&
		    (!prev || (!git_oid_equal(&tip, prev) && git_graph_descendant_of(ledger_repo(l), prev, &tip) != 1)) &&
		    history_in_village(l, &tip, prev, village))
			parents[(*nparents)++] = tip;
	}
	git_strarray_dispose(&refs);
}

int county_cut_village(ledger *l, const ledger_author *who, const git_oid *main_commit,
		       const char *village, fc_err *err)
{
	char *ref = util_asprintf("refs/heads/villages/%s", village);
	git_oid main_tree, tree, prev, prev_tree, commit, old, parents[16];
	fc_buf msg = FC_BUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	size_t np = 0;
	int rc, has_prev, has_old;

	if ((rc = ledger_commit_tree(l, main_commit, &main_tree, err)) ||
	    (rc = village_tree(l, &main_tree, village, &tree, err)))
		goto out;
	has_old = ledger_ref_get(l, ref, &old, NULL) == FC_OK;
	has_prev = village_ref(l, village, &prev) == FC_OK;
	if (has_prev && ledger_commit_tree(l, &prev, &prev_tree, NULL) == FC_OK &&
	    git_oid_equal(&prev_tree, &tree)) {
		if (!has_old || !git_oid_equal(&old, &prev))
			rc = ledger_ref_set(l, ref, &prev, has_old ? &old : NULL, "county: village unchanged", err);
		goto out;
	}
	git_oid_tostr(hex, sizeof(hex), main_commit);
	buf_printf(&msg, "villages/%s from main %.12s\n", village, hex);
	ledger_message_trailers(&msg, who->principal, who->device);
	buf_printf(&msg, "Fieldcard-Main: %s\n", hex);
	if (has_prev)
		parents[np++] = prev;
	merged_trailers(l, &main_tree, main_commit, village, has_prev ? &prev : NULL, &msg, parents, &np,
			sizeof(parents) / sizeof(parents[0]));
	if ((rc = ledger_commit_write(l, &tree, np ? parents : NULL, np, who, msg.data, &commit, err)))
		goto out;
	rc = ledger_ref_set(l, ref, &commit, has_old ? &old : NULL, "county: village cut", err);
out:
	buf_free(&msg);
	free(ref);
	return rc;
}

/* ---- merging ---- */

typedef struct follow_ctx {
	ledger *l;
	store *st;
	const git_oid *tree;
	const char *who;
	size_t duplicates;
	struct { char a[64], b[64], masked[40]; } dups[256];
	size_t ndups;
	char villages[64][64];
	int nvillages;
	int all_villages;
	fc_err *err;
} follow_ctx;

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

/* Bring one merged record into the county store, flag a head's or a
 * present member's ID number found in another household. */
static int on_follow(const ledger_delta *d, void *ud)
{
	follow_ctx *f = ud;
	fc_buf data = FC_BUF_INIT;
	record *r = NULL;
	char **parts = util_split(d->path, '/');
	int rc = FC_OK, known = 0;

	if (strcmp(parts[0], "villages") == 0 && parts[1]) {
		for (int i = 0; i < f->nvillages && !known; i++)
			known = strcmp(f->villages[i], parts[1]) == 0;
		if (!known && f->nvillages < 64)
			snprintf(f->villages[f->nvillages++], 64, "%s", parts[1]);
	} else if (strcmp(parts[0], "forms") == 0 || strcmp(parts[0], "keys") == 0) {
		f->all_villages = 1;
	}
	if (strcmp(parts[0], "villages") != 0 || !d->has_new || merge_is_conflict_path(d->path))
		goto cleanup;
	if ((rc = ledger_read_blob(f->l, &d->new_blob, d->path, &data, f->err)) ||
	    (rc = record_parse(buf_cstr(&data), data.len, d->path, &r, f->err)))
		goto cleanup;
	if (!f->st)
		goto cleanup;
	if ((rc = store_put(f->st, r, data.data, f->who, STORE_SYNCED, f->err)))
		goto cleanup;
	if ((strcmp(r->kind, K_HOUSEHOLD) == 0 && strlen(record_val(r, F_HEAD_ID)) >= 15) ||
	    (strcmp(r->kind, K_MEMBER) == 0 && strlen(record_val(r, F_M_ID)) >= 15 &&
	     strcmp(record_val(r, F_M_STATUS), C_LEFT) != 0)) {
		/* The same person (head or member) in another household. */
		int is_hh = strcmp(r->kind, K_HOUSEHOLD) == 0;
		store_query q;
		dup_ctx dc = { is_hh ? r->id : r->parent, record_val(r, is_hh ? F_HEAD_ID : F_M_ID), "" };

		memset(&q, 0, sizeof(q));
		q.search = dc.other;
		rc = store_list(f->st, &q, on_dup_row, &dc, f->err);
		if (rc == 1)
			rc = FC_OK;
		if (rc == FC_OK && dc.found[0] && f->ndups < 256) {
			char *masked = util_mask_id(dc.other);

			snprintf(f->dups[f->ndups].a, sizeof(f->dups[0].a), "%s", dc.self);
			snprintf(f->dups[f->ndups].b, sizeof(f->dups[0].b), "%s", dc.found);
			snprintf(f->dups[f->ndups].masked, sizeof(f->dups[0].masked), "%s", masked);
			f->ndups++;
			free(masked);
		}
	}
cleanup:
	util_strv_free(parts);
	record_free(r);
	buf_free(&data);
	return rc;
}

/* ---- duplicates ---- */

/* "HH-A TAB HH-B TAB STATE TAB MASKED-ID" (county.h); lines in the order
 * they were flagged. */
static int dups_load(ledger *l, const git_oid *tree, county_dup **v, size_t *n, fc_err *err)
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

int county_duplicates(ledger *l, const git_oid *tree, county_dup **out, size_t *n, fc_err *err)
{
	return dups_load(l, tree, out, n, err);
}

int county_duplicate_decide(ledger *l, const ledger_author *who, const char *id,
			    const char *other, int clear, git_oid *new_main, fc_err *err)
{
	git_oid main, tree, commit;
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
		git_oid_cpy(new_main, &commit);
out:
	free(v);
	buf_free(&text);
	buf_free(&msg);
	return rc;
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

int county_merge(ledger *l, store *st, const ledger_author *who, const char *principal,
		 merge_conflicts *conflicts, county_merge_result *res, fc_err *err)
{
	county_batch b;
	git_oid base_tree, main, main_tree, tree, commit, parents[2];
	merge_conflicts c = { NULL, 0, 0 };
	fc_buf msg = FC_BUF_INIT, dtext = FC_BUF_INIT;
	follow_ctx *f = util_calloc(1, sizeof(*f));
	county_dup *dv = NULL;
	size_t dn = 0;
	int rc, hb = 0, in_tx = 0;

	memset(res, 0, sizeof(*res));
	if ((rc = county_verify(l, principal, &b, &base_tree, &hb, err)))
		goto cleanup;
	if ((rc = ledger_ref_get(l, "refs/heads/main", &main, err)))
		goto cleanup;
	git_oid_cpy(&res->main, &main);
	if (b.status == COUNTY_MERGED)
		goto cleanup;
	if ((rc = ledger_commit_tree(l, &main, &main_tree, err)) ||
	    (rc = merge_trees_who(l, hb ? &base_tree : NULL, &main, &b.tip, who->principal,
				  principal, &tree, &c, err)))
		goto cleanup;
	/* ours is main: name who put main's value there, not the county desk. */
	for (size_t i = 0; i < c.n; i++)
		last_setter(st, c.v[i].record_id, c.v[i].field, &c.v[i].ours_who);

	/* The store follows the merged tree (inside one transaction that
	 * commits only once main has moved); new duplicates are collected. */
	f->l = l;
	f->st = st;
	f->tree = &tree;
	f->who = principal;
	f->err = err;
	if (st) {
		if ((rc = store_begin(st, err)))
			goto cleanup;
		in_tx = 1;
	}
	if ((rc = ledger_diff(l, &main_tree, &tree, on_follow, f, err)))
		goto cleanup;
	for (size_t i = 0; st && i < c.n; i++) {
		store_conflict sc = { c.v[i].record_id, c.v[i].field, c.v[i].base, c.v[i].ours,
				      c.v[i].theirs, c.v[i].ours_who, c.v[i].theirs_who };

		if ((rc = store_conflict_add(st, &sc, err)))
			goto cleanup;
	}
	/* Duplicates are flagged in main's tree (county/duplicates) so every
	 * county desk sees them and the decision is a signed commit too. */
	if (f->ndups) {
		size_t before;

		if ((rc = dups_load(l, &main_tree, &dv, &dn, err)))
			goto cleanup;
		before = dn;
		dv = util_realloc(dv, (dn + f->ndups + 1) * sizeof(*dv));
		for (size_t i = 0; i < f->ndups; i++) {
			int known = 0;

			for (size_t k = 0; k < dn && !known; k++)
				known = (strcmp(dv[k].a, f->dups[i].a) == 0 && strcmp(dv[k].b, f->dups[i].b) == 0) ||
					(strcmp(dv[k].a, f->dups[i].b) == 0 && strcmp(dv[k].b, f->dups[i].a) == 0);
			if (known)
				continue;
			memset(&dv[dn], 0, sizeof(dv[dn]));
			snprintf(dv[dn].a, sizeof(dv[dn].a), "%s", f->dups[i].a);
			snprintf(dv[dn].b, sizeof(dv[dn].b), "%s", f->dups[i].b);
			snprintf(dv[dn].state, sizeof(dv[dn].state), "open");
			snprintf(dv[dn].masked, sizeof(dv[dn].masked), "%s", f->dups[i].masked);
			dn++;
		}
		if (dn > before) {
			ledger_change ch;

			dups_text(dv, dn, &dtext);
			ch.path = COUNTY_DUPLICATES_PATH;
			ch.data = dtext.data;
			ch.len = dtext.len;
			if ((rc = ledger_tree_update(l, &tree, &ch, 1, &tree, err)))
				goto cleanup;
			res->duplicates = dn - before;
		}
	}

	buf_printf(&msg, "Merge batches/%s into main\n\n%d record(s) from %s; %zu conflict(s) "
		   "left for a person to settle; %zu possible duplicate(s) flagged.\n", principal,
		   b.records, principal, c.n, res->duplicates);
	for (size_t i = 0; i < c.n; i++)
		buf_printf(&msg, "conflict: %s %s (ours %s, theirs %s)\n", c.v[i].record_id,
			   c.v[i].field, c.v[i].ours_who, c.v[i].theirs_who);
	ledger_message_trailers(&msg, who->principal, who->device);
	buf_printf(&msg, "Fieldcard-Batch: %s\n", principal);
	parents[0] = main;
	parents[1] = b.tip;
	if ((rc = ledger_commit_write(l, &tree, parents, 2, who, msg.data, &commit, err)) ||
	    (rc = ledger_ref_set(l, "refs/heads/main", &commit, &main, "county: merge batch", err)))
		goto cleanup;
	git_oid_cpy(&res->main, &commit);
	res->conflicts = c.n;
	if (in_tx) {
		in_tx = 0;
		if ((rc = store_commit(st, err)))
			goto cleanup;
	}

	/* The villages it touched are cut (all of the principal's if forms
	 * or keys changed). */
	if (f->all_villages) {
		char **vs = util_split(b.who.villages, ',');

		for (size_t i = 0; vs[i] && f->nvillages < 64; i++)
			if (strcmp(vs[i], "*") != 0)
				snprintf(f->villages[f->nvillages++], 64, "%s", vs[i]);
		util_strv_free(vs);
	}
	for (int i = 0; i < f->nvillages; i++) {
		if ((rc = county_cut_village(l, who, &commit, f->villages[i], err)))
			goto cleanup;
		res->villages_cut++;
	}
	if (conflicts) {
		*conflicts = c;
		memset(&c, 0, sizeof(c));
	}
cleanup:
	if (in_tx)
		store_rollback(st);
	merge_conflicts_free(&c);
	buf_free(&msg);
	buf_free(&dtext);
	free(dv);
	free(f);
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
static int hist_check(ledger *l, const git_oid *c, const git_oid *keys_tree, int root_anchor,
		      fc_buf *report, fc_err *err)
{
	git_commit *cm = NULL;
	ledger_signed_by by;
	hist_scope h;
	git_oid parent_tree;
	fc_err e2;
	char s[8];
	int g, np, bad = 0;

	short_hex(s, c);
	if ((g = git_commit_lookup(&cm, ledger_repo(l), c)) < 0)
		return ledger_git_error(err, g, "reading history");
	np = (int)git_commit_parentcount(cm);
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
		int rc = np ? ledger_commit_tree(l, git_commit_parent_id(cm, 0), &parent_tree, err)
			    : FC_OK;

		if (rc == FC_OK)
			rc = ledger_diff(l, np ? &parent_tree : NULL, git_commit_tree_id(cm),
					 on_hist_scope, &h, err);
		if (rc) {
			git_commit_free(cm);
			return rc;
		}
		if (h.bad[0]) {
			buf_printf(report, "commit %s: %s %s\n", s, by.principal, h.bad);
			bad = 1;
		}
	}
	git_commit_free(cm);
	return bad;
}

/* Main's history is a first-parent chain of county commits: each is judged
 * by the keys of the main commit before it; the root by its own (the trust
 * anchor). The commits a merge brought in from its other parents (a batch,
 * village cuts the device merged) were judged at the merge by the keys of
 * main then (county_verify), so they are judged by those here too. */
int county_verify_history(ledger *l, const char *rev, fc_buf *report, int *ncommits,
			  fc_err *err)
{
	git_repository *r = ledger_repo(l);
	git_object *o = NULL;
	git_revwalk *w = NULL, *side = NULL;
	git_oid c, x;
	int g, rc = FC_OK, bad = 0;

	*ncommits = 0;
	if ((g = git_revparse_single(&o, r, rev)) < 0)
		return ledger_git_error(err, g, rev);
	if ((g = git_revwalk_new(&w, r)) < 0 || (g = git_revwalk_push(w, git_object_id(o))) < 0 ||
	    (g = git_revwalk_simplify_first_parent(w)) < 0) {
		rc = ledger_git_error(err, g, rev);
		goto cleanup;
	}
	while ((g = git_revwalk_next(&c, w)) == 0) {
		git_commit *cm = NULL;
		git_oid keys_tree;
		unsigned np;
		int b;

		(*ncommits)++;
		if ((g = git_commit_lookup(&cm, r, &c)) < 0) {
			rc = ledger_git_error(err, g, "reading history");
			goto cleanup;
		}
		np = git_commit_parentcount(cm);
		if (np == 0)
			git_oid_cpy(&keys_tree, git_commit_tree_id(cm));
		else if ((rc = ledger_commit_tree(l, git_commit_parent_id(cm, 0), &keys_tree, err))) {
			git_commit_free(cm);
			goto cleanup;
		}
		b = hist_check(l, &c, &keys_tree, np == 0, report, err);
		if (b < 0) {
			rc = b;
			git_commit_free(cm);
			goto cleanup;
		}
		bad += b;
		if (np >= 2) {
			if ((g = git_revwalk_new(&side, r)) < 0 ||
			    (g = git_revwalk_hide(side, git_commit_parent_id(cm, 0))) < 0) {
				git_commit_free(cm);
				rc = ledger_git_error(err, g, "walking a merged batch");
				goto cleanup;
			}
			for (unsigned i = 1; i < np && g >= 0; i++)
				g = git_revwalk_push(side, git_commit_parent_id(cm, i));
			while (g >= 0 && git_revwalk_next(&x, side) == 0) {
				(*ncommits)++;
				b = hist_check(l, &x, &keys_tree, 0, report, err);
				if (b < 0) {
					rc = b;
					git_commit_free(cm);
					goto cleanup;
				}
				bad += b;
			}
			git_revwalk_free(side);
			side = NULL;
			if (g < 0) {
				git_commit_free(cm);
				rc = ledger_git_error(err, g, "walking a merged batch");
				goto cleanup;
			}
		}
		git_commit_free(cm);
	}
	if (g != GIT_ITEROVER) {
		rc = ledger_git_error(err, g, "walking history");
		goto cleanup;
	}
	if (bad)
		rc = fc_err_set(err, FC_ECONFLICT, "%d of %d commit(s) failed verification", bad,
				*ncommits);
cleanup:
	git_revwalk_free(side);
	git_revwalk_free(w);
	git_object_free(o);
	return rc;
}
