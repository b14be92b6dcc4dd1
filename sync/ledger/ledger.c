/* ledger.c — the ledger repository through libgit2 1.5 (fieldcard/ledger.h):
 * opening, object ids, compare-and-swap refs and ref lists, the
 * repository's config, commits (read, and written signed) and their
 * messages. Trees, reading and the diff are in ledger_tree.c, walks in
 * ledger_walk.c, verification in ledger_verify.c, record paths in
 * ledger_path.c; ledger_int.h is what they share.
 *
 * Facts this file relies on (DESIGN.md, "What we know about the
 * dependencies"): git_commit_create_with_signature(..., NULL) stores the
 * signature in the gpgsig header and writes the object only, so refs are
 * moved here; the armored signature must not end in a newline or the object
 * differs from what git writes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_int.h"
#include "fieldcard/crash.h"
#include "fieldcard/util.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libgit2(void)
{
	/* Once per process; libgit2 frees its globals at exit on its own terms. */
	git_libgit2_init();
}

int ledger_git_error(fc_err *err, int gerr, const char *what)
{
	const git_error *e = git_error_last();
	const char *msg;
	int code;

	switch (gerr) {
	case GIT_ENOTFOUND:
		code = FC_ENOTFOUND;
		break;
	case GIT_EEXISTS:
	case GIT_EMODIFIED:
	case GIT_ELOCKED:
		code = FC_ECONFLICT;
		break;
	default:
		code = FC_ERROR;
	}
	msg = e && e->message ? e->message : "libgit2 error";
	/* libgit2 names the file and the OS error; say what it means. */
	if (strstr(msg, "No space left on device") || strstr(msg, "Disk quota exceeded"))
		return fc_err_set(err, code, "%s: the disk is full: %s; the ledger keeps what it "
				  "had (refs move only after their objects are whole): free some "
				  "space and run the command again", what, msg);
	if (strstr(msg, "Read-only file system") || strstr(msg, "Permission denied"))
		return fc_err_set(err, code, "%s: cannot write there: %s", what, msg);
	return fc_err_set(err, code, "%s: %s", what, msg);
}

void ledger_short_id(char out[LEDGER_OID_SHORT], const ledger_oid *id)
{
	ledger_oid_fmt(out, LEDGER_OID_SHORT, id);
}

/* ---- object ids ---- */

int ledger_oid_equal(const ledger_oid *a, const ledger_oid *b)
{
	return memcmp(a->id, b->id, LEDGER_OID_SIZE) == 0;
}

int ledger_oid_is_zero(const ledger_oid *id)
{
	for (size_t i = 0; i < LEDGER_OID_SIZE; i++)
		if (id->id[i])
			return 0;
	return 1;
}

char *ledger_oid_fmt(char *out, size_t cap, const ledger_oid *id)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!out || cap == 0)
		return out;
	for (; n + 1 < cap && n < LEDGER_OID_HEXSIZE; n++) {
		unsigned char b = id->id[n / 2];

		out[n] = hex[n % 2 ? b & 0xf : b >> 4];
	}
	out[n] = '\0';
	return out;
}

int ledger_oid_parse(ledger_oid *out, const char *hex)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < LEDGER_OID_HEXSIZE; i++) {
		int v = hex ? util_hex_digit(hex[i]) : -1;

		if (v < 0) {
			memset(out, 0, sizeof(*out));
			return FC_EINVALID;
		}
		out->id[i / 2] |= (unsigned char)(i % 2 ? v : v << 4);
	}
	return FC_OK;
}

/* ---- opening ---- */

int ledger_open(const char *gitdir, int create, ledger **out, fc_err *err)
{
	git_repository *repo = NULL;
	ledger *l;
	int g;

	*out = NULL;
	pthread_once(&init_once, init_libgit2);
	g = git_repository_open_ext(&repo, gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH |
				    GIT_REPOSITORY_OPEN_BARE, NULL);
	if (g == GIT_ENOTFOUND && create) {
		git_repository_init_options o;

		git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
		o.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
		o.initial_head = "main";
		g = git_repository_init_ext(&repo, gitdir, &o);
		if (g < 0)
			return ledger_git_error(err, g, gitdir);
	} else if (g == GIT_ENOTFOUND) {
		return fc_err_set(err, FC_ENOTFOUND,
				  "%s: no ledger repository here (run `fieldcard init`)", gitdir);
	} else if (g < 0) {
		return ledger_git_error(err, g, gitdir);
	}
	l = util_calloc(1, sizeof(*l));
	l->repo = repo;
	l->path = util_strdup(gitdir);
	*out = l;
	return FC_OK;
}

void ledger_free(ledger *l)
{
	if (!l)
		return;
	git_repository_free(l->repo);
	if (l->writing)
		ledger_writer_unlock(l->path);
	free(l->path);
	free(l);
}

int ledger_writing(ledger *l, fc_err *err)
{
	int rc;

	if (l->writing)
		return FC_OK;
	if ((rc = ledger_writer_lock(l->path, err)) == FC_OK)
		l->writing = 1;
	return rc;
}

/* ---- refs ---- */

int ledger_ref_get(ledger *l, const char *ref, ledger_oid *out, fc_err *err)
{
	git_reference *r = NULL, *res = NULL;
	int g, rc = FC_OK;

	g = git_reference_dwim(&r, l->repo, ref);
	if (g == GIT_ENOTFOUND)
		return fc_err_set(err, FC_ENOTFOUND, "ref %s does not exist", ref);
	if (g < 0)
		return ledger_git_error(err, g, ref);
	g = git_reference_resolve(&res, r);
	if (g == GIT_ENOTFOUND)
		rc = fc_err_set(err, FC_ENOTFOUND, "ref %s does not exist", ref);
	else if (g < 0)
		rc = ledger_git_error(err, g, ref);
	else
		git_oid_cpy(goid_out(out), git_reference_target(res));
	git_reference_free(res);
	git_reference_free(r);
	return rc;
}

int ledger_ref_set(ledger *l, const char *ref, const ledger_oid *oid, const ledger_oid *old,
		   const char *log, fc_err *err)
{
	git_reference *r = NULL;
	char now[LEDGER_OID_HEXSIZE + 1] = "", want[LEDGER_OID_HEXSIZE + 1] = "";
	ledger_oid cur;
	int g;

	if ((g = ledger_writing(l, err)) != FC_OK)
		return g;
	FC_CRASH_POINT("ledger.ref");
	if (old)
		g = git_reference_create_matching(&r, l->repo, ref, goid(oid), 1, goid(old), log);
	else
		g = git_reference_create(&r, l->repo, ref, goid(oid), 0, log);
	git_reference_free(r);
	if (g == 0) {
		FC_CRASH_POINT("ledger.ref.moved");
		return FC_OK;
	}
	if (g != GIT_EEXISTS && g != GIT_EMODIFIED && g != GIT_ENOTFOUND && g != GIT_ELOCKED)
		return ledger_git_error(err, g, ref);
	/* Say where it is now, so a person can see what won the race. */
	if (ledger_ref_get(l, ref, &cur, NULL) == FC_OK)
		ledger_oid_fmt(now, sizeof(now), &cur);
	if (old)
		ledger_oid_fmt(want, sizeof(want), old);
	return fc_err_set(err, FC_ECONFLICT, "ref %s moved: expected %s, found %s", ref,
			  old ? want : "no ref", now[0] ? now : "no ref");
}

int ledger_ref_force(ledger *l, const char *ref, const ledger_oid *oid, const char *log,
		     fc_err *err)
{
	git_reference *r = NULL;
	int g;

	if ((g = ledger_writing(l, err)) != FC_OK)
		return g;
	FC_CRASH_POINT("ledger.ref");
	g = git_reference_create(&r, l->repo, ref, goid(oid), 1, log);
	git_reference_free(r);
	if (g < 0)
		return ledger_git_error(err, g, ref);
	FC_CRASH_POINT("ledger.ref.moved");
	return FC_OK;
}

int ledger_ref_delete(ledger *l, const char *ref, fc_err *err)
{
	git_reference *r = NULL;
	int g;

	if ((g = ledger_writing(l, err)) != FC_OK)
		return g;
	g = git_reference_lookup(&r, l->repo, ref);
	if (g == GIT_ENOTFOUND)
		return fc_err_set(err, FC_ENOTFOUND, "ref %s does not exist", ref);
	if (g == 0)
		g = git_reference_delete(r);
	git_reference_free(r);
	return g < 0 ? ledger_git_error(err, g, ref) : FC_OK;
}

int ledger_refs(ledger *l, const char *prefix, char ***out, fc_err *err)
{
	git_strarray refs = { NULL, 0 };
	size_t plen = prefix ? strlen(prefix) : 0, k = 0;
	int g;

	*out = NULL;
	g = git_reference_list(&refs, l->repo);
	if (g < 0)
		return ledger_git_error(err, g, "listing the ledger's refs");
	*out = util_calloc(refs.count + 1, sizeof(**out));
	for (size_t i = 0; i < refs.count; i++)
		if (strncmp(refs.strings[i], prefix ? prefix : "", plen) == 0)
			(*out)[k++] = util_strdup(refs.strings[i]);
	git_strarray_dispose(&refs);
	return FC_OK;
}

int ledger_rev(ledger *l, const char *rev, ledger_oid *out, fc_err *err)
{
	git_object *o = NULL;
	int g = git_revparse_single(&o, l->repo, rev);

	if (g == GIT_ENOTFOUND)
		return fc_err_set(err, FC_ENOTFOUND, "%s: no such revision in the ledger", rev);
	if (g < 0)
		return ledger_git_error(err, g, rev);
	git_oid_cpy(goid_out(out), git_object_id(o));
	git_object_free(o);
	return FC_OK;
}

/* ---- config ---- */

int ledger_config_get(ledger *l, const char *key, fc_buf *out, fc_err *err)
{
	git_config *cfg = NULL;
	git_buf v = GIT_BUF_INIT;
	int g = git_repository_config(&cfg, l->repo), rc = FC_OK;

	if (g == 0)
		g = git_config_get_string_buf(&v, cfg, key);
	if (g == GIT_ENOTFOUND)
		rc = fc_err_set(err, FC_ENOTFOUND, "%s is not set in %s/config", key, l->path);
	else if (g < 0)
		rc = ledger_git_error(err, g, key);
	else {
		buf_reset(out);
		buf_add(out, v.ptr, v.size);
	}
	git_buf_dispose(&v);
	git_config_free(cfg);
	return rc;
}

int ledger_config_set(ledger *l, const char *key, const char *value, fc_err *err)
{
	git_config *cfg = NULL;
	int g;

	if ((g = ledger_writing(l, err)) != FC_OK)
		return g;
	FC_CRASH_POINT("ledger.config");
	g = git_repository_config(&cfg, l->repo);
	if (g == 0)
		g = git_config_set_string(cfg, key, value);
	git_config_free(cfg);
	return g < 0 ? ledger_git_error(err, g, key) : FC_OK;
}

/* ---- reading commits ---- */

int ledger_commit_lookup(ledger *l, const ledger_oid *id, ledger_commit **out, fc_err *err)
{
	git_commit *c = NULL;
	char s[LEDGER_OID_SHORT];
	int g = git_commit_lookup(&c, l->repo, goid(id));

	*out = NULL;
	if (g < 0) {
		ledger_short_id(s, id);
		return ledger_git_error(err, g, s);
	}
	*out = (ledger_commit *)(void *)c;
	return FC_OK;
}

void ledger_commit_free(ledger_commit *c)
{
	git_commit_free((git_commit *)(void *)c);
}

const ledger_oid *ledger_commit_id(const ledger_commit *c)
{
	return loid(git_commit_id(gcommit(c)));
}

const ledger_oid *ledger_commit_tree_id(const ledger_commit *c)
{
	return loid(git_commit_tree_id(gcommit(c)));
}

size_t ledger_commit_parentcount(const ledger_commit *c)
{
	return git_commit_parentcount(gcommit(c));
}

const ledger_oid *ledger_commit_parent(const ledger_commit *c, size_t i)
{
	if (i >= git_commit_parentcount(gcommit(c)))
		return NULL;
	return loid(git_commit_parent_id(gcommit(c), (unsigned int)i));
}

long long ledger_commit_time(const ledger_commit *c)
{
	return (long long)git_commit_time(gcommit(c));
}

const char *ledger_commit_text(const ledger_commit *c)
{
	const char *m = git_commit_message(gcommit(c));

	return m ? m : "";
}

int ledger_commit_tree(ledger *l, const ledger_oid *commit, ledger_oid *tree_out, fc_err *err)
{
	ledger_commit *c = NULL;
	int rc = ledger_commit_lookup(l, commit, &c, err);

	if (rc)
		return rc;
	*tree_out = *ledger_commit_tree_id(c);
	ledger_commit_free(c);
	return FC_OK;
}

int ledger_commit_message(ledger *l, const ledger_oid *commit, fc_buf *out, fc_err *err)
{
	ledger_commit *c = NULL;
	int rc = ledger_commit_lookup(l, commit, &c, err);

	if (rc)
		return rc;
	buf_adds(out, ledger_commit_text(c));
	ledger_commit_free(c);
	return FC_OK;
}

int ledger_peel_tree(ledger *l, const ledger_oid *id, ledger_oid *tree_out, fc_err *err)
{
	git_object *o = NULL, *t = NULL;
	int g = git_object_lookup(&o, l->repo, goid(id), GIT_OBJECT_ANY);

	if (g == 0)
		g = git_object_peel(&t, o, GIT_OBJECT_TREE);
	if (g == 0)
		git_oid_cpy(goid_out(tree_out), git_object_id(t));
	git_object_free(t);
	git_object_free(o);
	if (g < 0) {
		char s[LEDGER_OID_SHORT];

		ledger_short_id(s, id);
		return ledger_git_error(err, g, s);
	}
	return FC_OK;
}

int ledger_descends(ledger *l, const ledger_oid *commit, const ledger_oid *ancestor)
{
	return git_graph_descendant_of(l->repo, goid(commit), goid(ancestor)) == 1;
}

/* ---- writing commits ---- */

int ledger_commit_write(ledger *l, const ledger_oid *tree, const ledger_oid *parents,
			size_t nparents, const ledger_author *who, const char *message,
			ledger_oid *out, fc_err *err)
{
	git_signature *sig = NULL;
	git_tree *t = NULL;
	const git_commit **ps = NULL;
	git_buf content = GIT_BUF_INIT;
	fc_buf armored = FC_BUF_INIT, msg = FC_BUF_INIT;
	char *email = NULL, s[LEDGER_OID_SHORT];
	size_t np = 0;
	int rc = FC_OK, g;

	if (!who || !who->principal || !*who->principal || !who->device || !*who->device ||
	    !who->key)
		return fc_err_set(err, FC_EINVALID, "a commit needs a principal, a device and a key");
	email = util_asprintf("%s@%s.fieldcard", who->principal, who->device);
	g = git_signature_new(&sig, who->principal, email, who->time ? who->time : util_now(),
			      who->tz_minutes);
	if (g < 0) {
		rc = ledger_git_error(err, g, "commit author");
		goto cleanup;
	}
	g = git_tree_lookup(&t, l->repo, goid(tree));
	if (g < 0) {
		ledger_short_id(s, tree);
		rc = ledger_git_error(err, g, s);
		goto cleanup;
	}
	ps = util_calloc(nparents ? nparents : 1, sizeof(*ps));
	for (; np < nparents; np++) {
		g = git_commit_lookup((git_commit **)&ps[np], l->repo, goid(&parents[np]));
		if (g < 0) {
			ledger_short_id(s, &parents[np]);
			rc = ledger_git_error(err, g, s);
			goto cleanup;
		}
	}
	/* git keeps messages newline-terminated; so do we, for identical objects. */
	buf_adds(&msg, message ? message : "");
	if (msg.len == 0 || msg.data[msg.len - 1] != '\n')
		buf_addc(&msg, '\n');
	g = git_commit_create_buffer(&content, l->repo, sig, sig, NULL, msg.data, t, nparents, ps);
	if (g < 0) {
		rc = ledger_git_error(err, g, "commit");
		goto cleanup;
	}
	rc = sig_sign(who->key, "git", content.ptr, content.size, &armored, err);
	if (rc)
		goto cleanup;
	/* sig_sign's armor has no final newline, as gpgsig needs. */
	g = git_commit_create_with_signature(goid_out(out), l->repo, content.ptr, armored.data, NULL);
	if (g < 0)
		rc = ledger_git_error(err, g, "signed commit");
	else
		FC_CRASH_POINT("ledger.commit");
cleanup:
	for (size_t i = 0; i < np; i++)
		git_commit_free((git_commit *)ps[i]);
	free(ps);
	git_buf_dispose(&content);
	buf_free(&armored);
	buf_free(&msg);
	git_tree_free(t);
	git_signature_free(sig);
	free(email);
	return rc;
}

int ledger_commit_changes(ledger *l, const char *ref, const ledger_oid *base,
			  const ledger_change *changes, size_t n, const ledger_author *who,
			  const char *message, ledger_oid *out, fc_err *err)
{
	ledger_oid base_tree, tree;
	int rc;

	if (base) {
		rc = ledger_commit_tree(l, base, &base_tree, err);
		if (rc)
			return rc;
	}
	rc = ledger_tree_update(l, base ? &base_tree : NULL, changes, n, &tree, err);
	if (rc)
		return rc;
	rc = ledger_commit_write(l, &tree, base, base ? 1 : 0, who, message, out, err);
	if (rc || !ref)
		return rc;
	return ledger_ref_set(l, ref, out, base, "fieldcard: changeset", err);
}

/* ---- messages ---- */

void ledger_message_trailers(fc_buf *out, const char *principal, const char *device)
{
	if (out->len && !(out->len >= 2 && out->data[out->len - 1] == '\n' &&
			  out->data[out->len - 2] == '\n')) {
		if (out->data[out->len - 1] != '\n')
			buf_addc(out, '\n');
		buf_addc(out, '\n');
	}
	buf_printf(out, "Fieldcard-Principal: %s\nFieldcard-Device: %s\n", principal, device);
}

void ledger_message_changeset(fc_buf *out, const char *principal, const char *device,
			      const char *const *households, size_t nhouseholds,
			      size_t nrecords, size_t nfields)
{
	/* The subject fits `git log --oneline`; the body names the households
	 * (up to a screenful) so a reviewer sees the reach of a changeset. */
	const size_t shown = 20;

	buf_printf(out, "%s: %zu field%s in %zu record%s of %zu household%s\n", principal,
		   nfields, nfields == 1 ? "" : "s", nrecords, nrecords == 1 ? "" : "s",
		   nhouseholds, nhouseholds == 1 ? "" : "s");
	if (nhouseholds) {
		buf_adds(out, "\nHouseholds:");
		for (size_t i = 0; i < nhouseholds && i < shown; i++)
			buf_printf(out, " %s", households[i]);
		if (nhouseholds > shown)
			buf_printf(out, " (and %zu more)", nhouseholds - shown);
		buf_addc(out, '\n');
	}
	ledger_message_trailers(out, principal, device);
}

int ledger_message_trailer(const char *message, const char *key, fc_buf *out)
{
	git_message_trailer_array arr = { 0 };
	int rc = FC_ENOTFOUND;

	if (git_message_trailers(&arr, message) < 0)
		return FC_ENOTFOUND;
	for (size_t i = 0; i < arr.count; i++) {
		if (strcmp(arr.trailers[i].key, key) == 0) {
			buf_reset(out);
			buf_adds(out, arr.trailers[i].value);
			rc = FC_OK;
			break;
		}
	}
	git_message_trailer_array_free(&arr);
	return rc;
}
