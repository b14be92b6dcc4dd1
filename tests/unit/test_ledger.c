/* test_ledger.c — unit tests for the ledger: bare repository, signed commits
 * from changed files, compare-and-swap refs, reading, the subtree-skipping
 * diff, messages and commit verification, and the plain-C view of the
 * objects (ids, commits, trees, walks, ref lists, config).
 *
 * libgit2 is used here only where a test needs what the ledger must never
 * do (a forger's unsigned commit, a signature moved onto other content, a
 * tree naming an object that is not there) or an independent look at what
 * it wrote (the author line); everything else goes through ledger.h.
 *
 * Called with arguments it is a small driver for tests/integration/signing.sh
 * (the stock git checks), until the fieldcard CLI has init and verify:
 *   test_ledger --make-commit REPO KEY PRINCIPAL DEVICE [SIGNERS]
 *       commit two household files (and SIGNERS as keys/allowed_signers,
 *       if given) on refs/heads/main of the bare repository REPO (made if
 *       missing), signed with KEY; prints the commit id
 *   test_ledger --verify REPO REV SIGNERS
 *       verify commit REV against the allowed_signers file SIGNERS; prints
 *       "good: PRINCIPAL" or the reason (exit 3) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "fieldcard/buf.h"
#include "fieldcard/err.h"
#include "fieldcard/ledger.h"
#include "fieldcard/sig.h"
#include "fieldcard/util.h"

static char tmpdir[] = "/tmp/fc-test-ledger.XXXXXX";
static int repo_no;
static char last_path[256]; /* the gitdir new_ledger made last */

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = util_asprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);

	(void)state;
	free(cmd);
	return rc == 0 ? 0 : -1;
}

/* A fresh ledger in the scratch directory. */
static ledger *new_ledger(void)
{
	char *p = util_asprintf("%s/l%d.git", tmpdir, ++repo_no);
	ledger *l = NULL;
	fc_err e;

	assert_int_equal(ledger_open(p, 1, &l, &e), 0);
	snprintf(last_path, sizeof(last_path), "%s", p);
	free(p);
	return l;
}

/* The same repository through libgit2 itself (see the head of the file). */
static git_repository *raw_repo(void)
{
	git_repository *r = NULL;

	assert_int_equal(git_repository_open_bare(&r, last_path), 0);
	return r;
}

static ledger_oid to_ledger(const git_oid *g)
{
	ledger_oid o;

	memcpy(o.id, g->id, sizeof(o.id));
	return o;
}

static git_oid to_git(const ledger_oid *o)
{
	git_oid g;

	memcpy(g.id, o->id, sizeof(g.id));
	return g;
}

static ledger_author author(const sig_key *k, const char *principal)
{
	ledger_author a = { principal, "laptop1", k, 1780000000LL, 480 };
	return a;
}

static void signers_for(sig_signers *s, const sig_key *k, const char *principal,
			const char *opts)
{
	fc_buf line = FC_BUF_INIT, t = FC_BUF_INIT;
	fc_err e;

	sig_pubkey_line(k, &line);
	buf_printf(&t, "%s %s%s%s\n", principal, opts ? opts : "", opts ? " " : "", line.data);
	assert_int_equal(sig_signers_parse(t.data, t.len, "test", s, &e), 0);
	buf_free(&line);
	buf_free(&t);
}

#define HH1 "villages/520102001/01J9AAAAAAAAAAAAAAAAAAAAAA/household"
#define HH2 "villages/520102002/01J9BBBBBBBBBBBBBBBBBBBBBB/household"

static void test_ledger__open_and_create(void **state)
{
	char *p = util_asprintf("%s/new/ledger.git", tmpdir);
	char *missing = util_asprintf("%s/none.git", tmpdir);
	char *head = util_asprintf("%s/HEAD", p), *config = util_asprintf("%s/config", p);
	ledger *l = NULL;
	char *text = NULL;
	fc_err e;

	(void)state;
	assert_int_equal(ledger_open(missing, 0, &l, &e), FC_ENOTFOUND);
	assert_null(l);
	assert_non_null(strstr(e.msg, "fieldcard init"));
	assert_int_equal(ledger_open(p, 1, &l, &e), 0);
	ledger_free(l);
	assert_int_equal(util_read_file(head, &text, NULL, &e), 0);
	assert_string_equal(text, "ref: refs/heads/main\n");
	free(text);
	assert_int_equal(util_read_file(config, &text, NULL, &e), 0);
	assert_non_null(strstr(text, "bare = true"));
	free(text);
	assert_int_equal(ledger_open(p, 0, &l, &e), 0);
	ledger_free(l);
	free(p);
	free(missing);
	free(head);
	free(config);
}

static void test_ledger__commit_read_and_parent(void **state)
{
	ledger *l = new_ledger();
	sig_key k;
	ledger_author a;
	ledger_change ch[2] = { { HH1, "form: household 1\nname: A\n", 26 },
				{ HH2, "form: household 1\nname: B\n", 26 } };
	ledger_oid c1, c2, t1, t2, ref;
	ledger_commit *commit = NULL;
	ledger_entry v1, v2;
	git_repository *raw;
	git_commit *gc = NULL;
	git_oid g2;
	fc_buf b = FC_BUF_INIT;
	fc_err e;

	(void)state;
	assert_int_equal(sig_keygen(&k, "", &e), 0);
	a = author(&k, "zhang");
	assert_int_equal(ledger_commit_changes(l, "refs/heads/main", NULL, ch, 2, &a,
					       "first\n", &c1, &e), 0);
	assert_int_equal(ledger_ref_get(l, "main", &ref, &e), 0);
	assert_true(ledger_oid_equal(&ref, &c1));
	assert_int_equal(ledger_read(l, "main", HH1, &b, &e), 0);
	assert_string_equal(b.data, "form: household 1\nname: A\n");
	buf_reset(&b);
	assert_int_equal(ledger_read(l, "main", "villages/x/household", &b, &e), FC_ENOTFOUND);
	assert_non_null(strstr(e.msg, "no such file"));
	assert_int_equal(ledger_read(l, "nosuchbranch", HH1, &b, &e), FC_ENOTFOUND);

	/* Second changeset: one file changed; the other village's tree is reused. */
	ch[0].data = "form: household 1\nname: A2\n";
	ch[0].len = 27;
	assert_int_equal(ledger_commit_changes(l, "refs/heads/main", &c1, ch, 1, &a,
					       "second", &c2, &e), 0);
	assert_int_equal(ledger_commit_lookup(l, &c2, &commit, &e), 0);
	assert_int_equal(ledger_commit_parentcount(commit), 1);
	assert_true(ledger_oid_equal(ledger_commit_parent(commit, 0), &c1));
	assert_null(ledger_commit_parent(commit, 1));
	assert_true(ledger_oid_equal(ledger_commit_id(commit), &c2));
	assert_int_equal(ledger_commit_time(commit), 1780000000LL);
	assert_string_equal(ledger_commit_text(commit), "second\n");
	ledger_commit_free(commit);
	/* The author line, as libgit2 itself reads it. */
	raw = raw_repo();
	g2 = to_git(&c2);
	assert_int_equal(git_commit_lookup(&gc, raw, &g2), 0);
	assert_string_equal(git_commit_author(gc)->name, "zhang");
	assert_string_equal(git_commit_author(gc)->email, "zhang@laptop1.fieldcard");
	assert_int_equal(git_commit_time_offset(gc), 480);
	git_commit_free(gc);
	git_repository_free(raw);
	assert_int_equal(ledger_commit_tree(l, &c1, &t1, &e), 0);
	assert_int_equal(ledger_commit_tree(l, &c2, &t2, &e), 0);
	assert_int_equal(ledger_find(l, &t1, "villages/520102002", &v1, &e), 0);
	assert_int_equal(ledger_find(l, &t2, "villages/520102002", &v2, &e), 0);
	assert_true(ledger_oid_equal(&v1.id, &v2.id));
	assert_int_equal(v1.kind, LEDGER_KIND_TREE);
	assert_string_equal(v1.name, "520102002");
	buf_reset(&b);
	assert_int_equal(ledger_read(l, "main", HH1, &b, &e), 0);
	assert_string_equal(b.data, "form: household 1\nname: A2\n");
	buf_reset(&b);
	assert_int_equal(ledger_read(l, "main~1", HH1, &b, &e), 0);
	assert_string_equal(b.data, "form: household 1\nname: A\n");
	buf_free(&b);
	ledger_free(l);
}

static void test_ledger__ref_compare_and_swap(void **state)
{
	ledger *l = new_ledger();
	sig_key k;
	ledger_author a;
	ledger_change ch = { HH1, "x\n", 2 };
	ledger_oid c1, c2, c3, ref;
	fc_err e;

	(void)state;
	assert_int_equal(sig_keygen(&k, "", &e), 0);
	a = author(&k, "zhang");
	assert_int_equal(ledger_commit_changes(l, "refs/heads/main", NULL, &ch, 1, &a, "1", &c1, &e), 0);
	ch.data = "y\n";
	assert_int_equal(ledger_commit_changes(l, "refs/heads/main", &c1, &ch, 1, &a, "2", &c2, &e), 0);
	/* Replaying the first changeset's update: the ref has moved on. */
	ch.data = "z\n";
	assert_int_equal(ledger_commit_changes(l, "refs/heads/main", &c1, &ch, 1, &a, "3", &c3, &e),
			 FC_ECONFLICT);
	assert_non_null(strstr(e.msg, "ref refs/heads/main moved"));
	assert_int_equal(ledger_ref_get(l, "refs/heads/main", &ref, &e), 0);
	assert_true(ledger_oid_equal(&ref, &c2));
	/* Creating a ref that exists. */
	assert_int_equal(ledger_ref_set(l, "refs/heads/main", &c3, NULL, "x", &e), FC_ECONFLICT);
	assert_non_null(strstr(e.msg, "expected no ref"));
	/* The right old value moves it; force moves it anyway. */
	assert_int_equal(ledger_ref_set(l, "refs/heads/main", &c3, &c2, "x", &e), 0);
	assert_int_equal(ledger_ref_force(l, "refs/heads/batches/zhang", &c1, "x", &e), 0);
	assert_int_equal(ledger_ref_get(l, "batches/zhang", &ref, &e), 0);
	assert_true(ledger_oid_equal(&ref, &c1));
	assert_int_equal(ledger_ref_set(l, "refs/heads/none", &c1, &c2, "x", &e), FC_ECONFLICT);
	assert_int_equal(ledger_ref_delete(l, "refs/heads/batches/zhang", &e), 0);
	assert_int_equal(ledger_ref_get(l, "batches/zhang", &ref, &e), FC_ENOTFOUND);
	assert_int_equal(ledger_ref_delete(l, "refs/heads/batches/zhang", &e), FC_ENOTFOUND);
	ledger_free(l);
}

static void test_ledger__bad_paths_refused(void **state)
{
	ledger *l = new_ledger();
	const char *bad[] = { "../x", "a//b", "/abs", "a/./b", ".git/config", "a/", "" };
	ledger_change twice[2] = { { "a/b", "1", 1 }, { "a/b", "2", 1 } };
	ledger_oid t;
	fc_err e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ledger_change ch = { bad[i], "x", 1 };

		assert_int_equal(ledger_tree_update(l, NULL, &ch, 1, &t, &e), FC_EINVALID);
		assert_non_null(strstr(e.msg, "is not valid"));
	}
	assert_int_equal(ledger_tree_update(l, NULL, twice, 2, &t, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "changed twice"));
	ledger_free(l);
}

struct seen {
	fc_buf paths;
	int n;
};

static int collect_file(const char *path, const ledger_oid *blob, const void *data, size_t len,
			void *payload)
{
	struct seen *s = payload;

	(void)blob;
	buf_printf(&s->paths, "%s=%.*s;", path, (int)len, (const char *)data);
	s->n++;
	return 0;
}

static int stop_at_first(const char *path, const ledger_oid *blob, const void *data, size_t len,
			 void *payload)
{
	(void)path, (void)blob, (void)data, (void)len, (void)payload;
	return 42;
}

static void test_ledger__foreach_under_prefix(void **state)
{
	ledger *l = new_ledger();
	ledger_change ch[4] = { { "villages/1/h1/household", "a", 1 },
				{ "villages/1/h1/members/m1", "b", 1 },
				{ "villages/2/h2/household", "c", 1 },
				{ "forms/household/survey.csv", "d", 1 } };
	struct seen s = { FC_BUF_INIT, 0 };
	ledger_oid t;
	fc_err e;

	(void)state;
	assert_int_equal(ledger_tree_update(l, NULL, ch, 4, &t, &e), 0);
	assert_int_equal(ledger_foreach(l, &t, "villages/1", collect_file, &s, &e), 0);
	assert_string_equal(s.paths.data, "villages/1/h1/household=a;villages/1/h1/members/m1=b;");
	buf_reset(&s.paths);
	s.n = 0;
	assert_int_equal(ledger_foreach(l, &t, NULL, collect_file, &s, &e), 0);
	assert_int_equal(s.n, 4);
	assert_true(strncmp(s.paths.data, "forms/household/survey.csv=d;", 29) == 0);
	s.n = 0;
	assert_int_equal(ledger_foreach(l, &t, "villages/9", collect_file, &s, &e), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(ledger_foreach(l, &t, "villages/2/h2/household", collect_file, &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(ledger_foreach(l, &t, "", stop_at_first, NULL, &e), 42);
	buf_free(&s.paths);
	ledger_free(l);
}

static int collect_delta(const ledger_delta *d, void *payload)
{
	fc_buf *b = payload;

	buf_printf(b, "%c %s;", !d->has_old ? 'A' : !d->has_new ? 'D' : 'M', d->path);
	return 0;
}

static void test_ledger__diff_changed_paths(void **state)
{
	ledger *l = new_ledger();
	ledger_change base[4] = { { "villages/1/h1/household", "a", 1 },
				  { "villages/1/h1/members/m1", "b", 1 },
				  { "villages/2/h2/household", "c", 1 },
				  { "villages/3/h3/household", "e", 1 } };
	ledger_change next[4] = { { "villages/1/h1/household", "A", 1 },    /* modified */
				  { "villages/1/h1/visits/v1", "v", 1 },    /* added */
				  { "villages/3/h3/household", NULL, 0 },   /* removed */
				  { "villages/4/nothere", NULL, 0 } };      /* no-op */
	ledger_oid t1, t2;
	fc_buf b = FC_BUF_INIT;
	fc_err e;

	(void)state;
	assert_int_equal(ledger_tree_update(l, NULL, base, 4, &t1, &e), 0);
	assert_int_equal(ledger_tree_update(l, &t1, next, 4, &t2, &e), 0);
	assert_int_equal(ledger_diff(l, &t1, &t2, collect_delta, &b, &e), 0);
	assert_string_equal(b.data, "M villages/1/h1/household;A villages/1/h1/visits/v1;"
			    "D villages/3/h3/household;");
	/* The emptied village folder is gone, as git would have it. */
	buf_reset(&b);
	assert_int_equal(ledger_read_tree(l, &t2, "villages/3/h3/household", &b, &e), FC_ENOTFOUND);
	buf_reset(&b);
	assert_int_equal(ledger_diff(l, NULL, &t1, collect_delta, &b, &e), 0);
	assert_string_equal(b.data, "A villages/1/h1/household;A villages/1/h1/members/m1;"
			    "A villages/2/h2/household;A villages/3/h3/household;");
	buf_reset(&b);
	assert_int_equal(ledger_diff(l, &t2, &t2, collect_delta, &b, &e), 0);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	ledger_free(l);
}

/* Many files at once (a compare's flags) go in as one pack, not loose
 * files, and read back the same: a second bulk change on top of the first,
 * a removal among them, and a small change after it, loose as before. */
static void test_ledger__bulk_update_writes_one_pack(void **state)
{
	enum { N = 600 };
	ledger *l = new_ledger();
	ledger_change *ch = util_calloc(N, sizeof(*ch));
	char **paths = util_calloc(N, sizeof(*paths)), **data = util_calloc(N, sizeof(*data));
	ledger_oid t1, t2, t3;
	fc_buf b = FC_BUF_INIT;
	fc_err e;
	char *cmd;
	int loose, packs;

	(void)state;
	for (int i = 0; i < N; i++) {
		paths[i] = util_asprintf("villages/%d/h%d/flags/f%d", i % 7, i % 90, i);
		data[i] = util_asprintf("flag %d\n", i);
		ch[i].path = paths[i];
		ch[i].data = data[i];
		ch[i].len = strlen(data[i]);
	}
	assert_int_equal(ledger_tree_update(l, NULL, ch, N, &t1, &e), 0);
	for (int i = 0; i < N; i += 37) {
		buf_reset(&b);
		assert_int_equal(ledger_read_tree(l, &t1, paths[i], &b, &e), 0);
		assert_string_equal(buf_cstr(&b), data[i]);
	}
	cmd = util_asprintf("test $(find '%s/objects' -type f -path '*/objects/[0-9a-f][0-9a-f]/*' | wc -l) -eq 0",
			    last_path);
	loose = system(cmd);
	free(cmd);
	assert_int_equal(loose, 0);
	cmd = util_asprintf("test $(ls '%s/objects/pack/' | grep -c '\\.pack$') -eq 1", last_path);
	packs = system(cmd);
	free(cmd);
	assert_int_equal(packs, 0);
	/* On top of it: every file changed, one removed. */
	for (int i = 0; i < N; i++) {
		free(data[i]);
		data[i] = util_asprintf("flag %d decided\n", i);
		ch[i].data = data[i];
		ch[i].len = strlen(data[i]);
	}
	ch[5].data = NULL;
	ch[5].len = 0;
	assert_int_equal(ledger_tree_update(l, &t1, ch, N, &t2, &e), 0);
	buf_reset(&b);
	assert_int_equal(ledger_read_tree(l, &t2, paths[6], &b, &e), 0);
	assert_string_equal(buf_cstr(&b), "flag 6 decided\n");
	assert_int_equal(ledger_read_tree(l, &t2, paths[5], &b, &e), FC_ENOTFOUND);
	buf_reset(&b);
	assert_int_equal(ledger_read_tree(l, &t1, paths[5], &b, &e), 0);
	assert_string_equal(buf_cstr(&b), "flag 5\n");
	/* A small change is as before. */
	assert_int_equal(ledger_tree_update(l, &t2, &ch[6], 1, &t3, &e), 0);
	buf_reset(&b);
	assert_int_equal(ledger_diff(l, &t2, &t3, collect_delta, &b, &e), 0);
	assert_string_equal(buf_cstr(&b), "");
	for (int i = 0; i < N; i++) {
		free(paths[i]);
		free(data[i]);
	}
	free(paths);
	free(data);
	free(ch);
	buf_free(&b);
	ledger_free(l);
}

static void test_ledger__diff_skips_equal_subtrees(void **state)
{
	/* Both trees name a village subtree that is not in the object store:
	 * the diff can only succeed if it never reads equal subtrees. */
	ledger *l = new_ledger();
	ledger_change one = { "x", "one", 3 }, two = { "x", "two", 3 };
	ledger_entry v[2];
	ledger_oid o1, o2, t1, t2;
	fc_buf b = FC_BUF_INIT;
	fc_err e;

	(void)state;
	assert_int_equal(ledger_tree_update(l, NULL, &one, 1, &o1, &e), 0);
	assert_int_equal(ledger_tree_update(l, NULL, &two, 1, &o2, &e), 0);
	assert_int_equal(ledger_oid_parse(&v[0].id, "1234567890123456789012345678901234567890"), 0);
	v[0].name = "big";
	v[0].kind = LEDGER_KIND_TREE;
	/* libgit2 refuses to write a tree naming a missing object unless told. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
	assert_int_equal(ledger_find(l, &o1, "x", &v[1], &e), 0);
	assert_int_equal(ledger_tree_write(l, v, 2, &t1, &e), 0);
	assert_int_equal(ledger_find(l, &o2, "x", &v[1], &e), 0);
	assert_int_equal(ledger_tree_write(l, v, 2, &t2, &e), 0);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1);
	assert_int_equal(ledger_diff(l, &t1, &t2, collect_delta, &b, &e), 0);
	assert_string_equal(b.data, "M x;");
	buf_free(&b);
	ledger_free(l);
}

/* ---- the plain-C view of the objects ---- */

static void test_ledger__oids(void **state)
{
	const char *hex = "0123456789abcdef0123456789ABCDEF01234567";
	ledger_oid a, b, zero;
	char full[LEDGER_OID_HEXSIZE + 1], sh[LEDGER_OID_SHORT], tiny[1];

	(void)state;
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(ledger_oid_parse(&a, hex), 0);
	assert_string_equal(ledger_oid_fmt(full, sizeof(full), &a),
			    "0123456789abcdef0123456789abcdef01234567");
	assert_string_equal(ledger_oid_fmt(sh, sizeof(sh), &a), "0123456");
	assert_string_equal(ledger_oid_fmt(tiny, sizeof(tiny), &a), "");
	/* An id inside a line: what follows the 40 digits is not read. */
	assert_int_equal(ledger_oid_parse(&b, "0123456789abcdef0123456789abcdef01234567\nnext"), 0);
	assert_true(ledger_oid_equal(&a, &b));
	assert_false(ledger_oid_is_zero(&a));
	assert_true(ledger_oid_is_zero(&zero));
	/* Too short, or not hex: refused, and out is zero. */
	assert_int_equal(ledger_oid_parse(&b, "0123456789abcdef0123456789abcdef0123456"), FC_EINVALID);
	assert_true(ledger_oid_is_zero(&b));
	assert_int_equal(ledger_oid_parse(&b, "g123456789abcdef0123456789abcdef01234567"), FC_EINVALID);
	assert_int_equal(ledger_oid_parse(&b, NULL), FC_EINVALID);
	b.id[19] ^= 1;
	assert_false(ledger_oid_equal(&a, &b));
}

static void test_ledger__refs_rev_and_config(void **state)
{
	ledger *l = new_ledger();
	sig_key k;
	ledger_author a;
	ledger_change ch = { HH1, "x\n", 2 };
	ledger_oid c1, c2, r;
	char **refs = NULL;
	fc_buf v = FC_BUF_INIT;
	fc_err e;

	(void)state;
	assert_int_equal(sig_keygen(&k, "", &e), 0);
	a = author(&k, "zhang");
	assert_int_equal(ledger_commit_changes(l, "refs/heads/main", NULL, &ch, 1, &a, "1", &c1, &e), 0);
	ch.data = "y\n";
	assert_int_equal(ledger_commit_changes(l, NULL, &c1, &ch, 1, &a, "2", &c2, &e), 0);
	assert_int_equal(ledger_ref_force(l, "refs/heads/batches/zhang", &c2, "x", &e), 0);
	assert_int_equal(ledger_ref_force(l, "refs/heads/batches/li", &c1, "x", &e), 0);
	assert_int_equal(ledger_refs(l, "refs/heads/batches/", &refs, &e), 0);
	assert_int_equal(util_strv_len(refs), 2);
	assert_true(!strcmp(refs[0], "refs/heads/batches/li") || !strcmp(refs[1], "refs/heads/batches/li"));
	util_strv_free(refs);
	assert_int_equal(ledger_refs(l, NULL, &refs, &e), 0);
	assert_int_equal(util_strv_len(refs), 3);
	util_strv_free(refs);
	assert_int_equal(ledger_refs(l, "refs/tags/", &refs, &e), 0);
	assert_non_null(refs);
	assert_null(refs[0]);
	util_strv_free(refs);
	/* Any revision git knows. */
	assert_int_equal(ledger_rev(l, "batches/zhang~1", &r, &e), 0);
	assert_true(ledger_oid_equal(&r, &c1));
	assert_int_equal(ledger_rev(l, "nosuch", &r, &e), FC_ENOTFOUND);
	assert_non_null(strstr(e.msg, "nosuch"));
	/* The repository's own config. */
	assert_int_equal(ledger_config_get(l, "remote.county.url", &v, &e), FC_ENOTFOUND);
	assert_int_equal(ledger_config_set(l, "remote.county.url", "/media/usb/county.git", &e), 0);
	assert_int_equal(ledger_config_get(l, "remote.county.url", &v, &e), 0);
	assert_string_equal(v.data, "/media/usb/county.git");
	buf_free(&v);
	ledger_free(l);
}

/* The set of commits a walk yields, as "id id ..." sorted by the caller's
 * naming: here the commits are told apart by their messages. */
static void walk_names(ledger *l, ledger_walk *w, fc_buf *out)
{
	ledger_oid c;
	fc_err e;
	int more;

	while ((more = ledger_walk_next(w, &c, &e)) == 1) {
		ledger_commit *cm = NULL;

		assert_int_equal(ledger_commit_lookup(l, &c, &cm, &e), 0);
		buf_printf(out, "%.*s ", (int)strcspn(ledger_commit_text(cm), "\n"),
			   ledger_commit_text(cm));
		ledger_commit_free(cm);
	}
	assert_int_equal(more, 0);
}

static void test_ledger__commits_walks_and_descent(void **state)
{
	ledger *l = new_ledger();
	sig_key k;
	ledger_author a;
	ledger_change ch = { HH1, "1\n", 2 };
	ledger_oid c1, c2, c3, s1, m, t3, peeled, parents[2], missing;
	ledger_commit *cm = NULL;
	ledger_walk *w = NULL;
	fc_buf names = FC_BUF_INIT;
	fc_err e;

	(void)state;
	assert_int_equal(sig_keygen(&k, "", &e), 0);
	a = author(&k, "zhang");
	/* c1 <- c2 <- c3 <- m, and c1 <- s1 <- m */
	assert_int_equal(ledger_commit_changes(l, NULL, NULL, &ch, 1, &a, "c1", &c1, &e), 0);
	ch.data = "2\n";
	assert_int_equal(ledger_commit_changes(l, NULL, &c1, &ch, 1, &a, "c2", &c2, &e), 0);
	ch.data = "3\n";
	assert_int_equal(ledger_commit_changes(l, NULL, &c2, &ch, 1, &a, "c3", &c3, &e), 0);
	ch.data = "s\n";
	assert_int_equal(ledger_commit_changes(l, NULL, &c1, &ch, 1, &a, "s1", &s1, &e), 0);
	assert_int_equal(ledger_commit_tree(l, &c3, &t3, &e), 0);
	parents[0] = c3;
	parents[1] = s1;
	assert_int_equal(ledger_commit_write(l, &t3, parents, 2, &a, "m", &m, &e), 0);

	assert_int_equal(ledger_commit_lookup(l, &m, &cm, &e), 0);
	assert_true(ledger_oid_equal(ledger_commit_id(cm), &m));
	assert_true(ledger_oid_equal(ledger_commit_tree_id(cm), &t3));
	assert_int_equal(ledger_commit_parentcount(cm), 2);
	assert_true(ledger_oid_equal(ledger_commit_parent(cm, 1), &s1));
	assert_null(ledger_commit_parent(cm, 2));
	ledger_commit_free(cm);
	memset(&missing, 0x42, sizeof(missing));
	assert_int_equal(ledger_commit_lookup(l, &missing, &cm, &e), FC_ENOTFOUND);
	assert_null(cm);

	assert_true(ledger_descends(l, &m, &c1));
	assert_true(ledger_descends(l, &m, &s1));
	assert_false(ledger_descends(l, &c1, &m));
	assert_false(ledger_descends(l, &c3, &c3));
	assert_false(ledger_descends(l, &s1, &c3));

	assert_int_equal(ledger_peel_tree(l, &m, &peeled, &e), 0);
	assert_true(ledger_oid_equal(&peeled, &t3));
	assert_int_equal(ledger_peel_tree(l, &t3, &peeled, &e), 0);
	assert_true(ledger_oid_equal(&peeled, &t3));

	/* What m brings that c2 does not have: m, c3 and the side commit. */
	assert_int_equal(ledger_walk_new(l, &w, &e), 0);
	assert_int_equal(ledger_walk_push(w, &m, &e), 0);
	assert_int_equal(ledger_walk_hide(w, &c2, &e), 0);
	walk_names(l, w, &names);
	ledger_walk_free(w);
	assert_int_equal(names.len, strlen("m c3 s1 "));
	assert_non_null(strstr(names.data, "m "));
	assert_non_null(strstr(names.data, "c3 "));
	assert_non_null(strstr(names.data, "s1 "));
	/* First parents only: main's own chain, in order. */
	buf_reset(&names);
	assert_int_equal(ledger_walk_new(l, &w, &e), 0);
	assert_int_equal(ledger_walk_push(w, &m, &e), 0);
	assert_int_equal(ledger_walk_first_parent(w, &e), 0);
	walk_names(l, w, &names);
	ledger_walk_free(w);
	assert_string_equal(names.data, "m c3 c2 c1 ");
	/* Hiding what a ref reaches. */
	buf_reset(&names);
	assert_int_equal(ledger_ref_force(l, "refs/heads/side", &s1, "x", &e), 0);
	assert_int_equal(ledger_walk_new(l, &w, &e), 0);
	assert_int_equal(ledger_walk_push(w, &m, &e), 0);
	assert_int_equal(ledger_walk_hide_ref(w, "refs/heads/side", &e), 0);
	assert_int_equal(ledger_walk_hide(w, &c2, &e), 0);
	walk_names(l, w, &names);
	ledger_walk_free(w);
	assert_int_equal(names.len, strlen("m c3 "));
	assert_null(strstr(names.data, "s1"));
	assert_int_equal(ledger_walk_new(l, &w, &e), 0);
	assert_int_not_equal(ledger_walk_push(w, &missing, &e), 0);
	ledger_walk_free(w);
	buf_free(&names);
	ledger_free(l);
}

static void test_ledger__trees_looked_into_and_written(void **state)
{
	ledger *l = new_ledger();
	ledger_change ch[3] = { { "villages/1/h1/household", "a", 1 },
				{ "villages/2/h2/household", "bb", 2 },
				{ "forms/household/survey.csv", "d", 1 } };
	ledger_tree *t = NULL;
	ledger_entry en, parts[2], one;
	ledger_oid root, cut, vt;
	ledger_kind kind;
	size_t size = 0;
	fc_buf b = FC_BUF_INIT;
	fc_err e;

	(void)state;
	assert_int_equal(ledger_tree_update(l, NULL, ch, 3, &root, &e), 0);
	assert_int_equal(ledger_tree_lookup(l, &root, &t, &e), 0);
	assert_true(ledger_oid_equal(ledger_tree_id(t), &root));
	assert_int_equal(ledger_tree_count(t), 2);
	assert_int_equal(ledger_tree_at(t, 0, &en), 0);
	assert_string_equal(en.name, "forms"); /* git's order */
	assert_int_equal(en.kind, LEDGER_KIND_TREE);
	assert_int_equal(ledger_tree_at(t, 2, &en), FC_ENOTFOUND);
	assert_int_equal(ledger_tree_byname(t, "villages", &en), 0);
	assert_int_equal(ledger_tree_byname(t, "keys", &en), FC_ENOTFOUND);
	assert_int_equal(ledger_tree_bypath(t, "villages/2/h2/household", &en), 0);
	assert_string_equal(en.name, "household");
	assert_int_equal(en.kind, LEDGER_KIND_BLOB);
	assert_int_equal(ledger_object_info(l, &en.id, &kind, &size, &e), 0);
	assert_int_equal(kind, LEDGER_KIND_BLOB);
	assert_int_equal(size, 2);
	assert_int_equal(ledger_tree_bypath(t, "villages/3", &en), FC_ENOTFOUND);
	assert_int_equal(ledger_find(l, NULL, "villages", &en, &e), FC_ENOTFOUND);
	assert_int_equal(ledger_find(l, &root, "villages/9", &en, &e), FC_ENOTFOUND);
	assert_non_null(strstr(e.msg, "villages/9"));

	/* A village cut: forms/ and villages/2/ of root, the same objects. */
	assert_int_equal(ledger_tree_byname(t, "forms", &parts[0]), 0);
	assert_int_equal(ledger_tree_bypath(t, "villages/2", &one), 0);
	assert_int_equal(ledger_tree_write(l, &one, 1, &vt, &e), 0);
	parts[1].name = "villages";
	parts[1].id = vt;
	parts[1].kind = LEDGER_KIND_TREE;
	assert_int_equal(ledger_tree_write(l, parts, 2, &cut, &e), 0);
	assert_int_equal(ledger_find(l, &cut, "villages/2", &en, &e), 0);
	assert_true(ledger_oid_equal(&en.id, &one.id));
	assert_int_equal(ledger_find(l, &cut, "villages/1", &en, &e), FC_ENOTFOUND);
	assert_int_equal(ledger_read_tree(l, &cut, "villages/2/h2/household", &b, &e), 0);
	assert_string_equal(b.data, "bb");
	assert_int_equal(ledger_object_info(l, &cut, &kind, &size, &e), 0);
	assert_int_equal(kind, LEDGER_KIND_TREE);
	parts[0].kind = LEDGER_KIND_OTHER;
	assert_int_equal(ledger_tree_write(l, parts, 1, &cut, &e), FC_EINVALID);
	ledger_tree_free(t);
	buf_free(&b);
	ledger_free(l);
}

/* Household folders are sharded by the id's last two characters, and a
 * path whose shard folders disagree with its id is not a record path. */
static void test_ledger__record_paths(void **state)
{
	ledger_path lp;
	char *p;

	(void)state;
	p = ledger_record_path(LEDGER_PATH_HOUSEHOLD, "520102001", "01J9AAAAAAAAAAAAAAAAAAAAXY", NULL);
	assert_string_equal(p, "villages/520102001/X/Y/01J9AAAAAAAAAAAAAAAAAAAAXY/household");
	assert_int_equal(ledger_path_parse(p, &lp), LEDGER_PATH_HOUSEHOLD);
	assert_string_equal(lp.village, "520102001");
	assert_string_equal(lp.household, "01J9AAAAAAAAAAAAAAAAAAAAXY");
	assert_string_equal(lp.id, "01J9AAAAAAAAAAAAAAAAAAAAXY");
	free(p);
	p = ledger_record_path(LEDGER_PATH_MEMBER, "520102001", "01J9AAAAAAAAAAAAAAAAAAAAXY", "M1");
	assert_string_equal(p, "villages/520102001/X/Y/01J9AAAAAAAAAAAAAAAAAAAAXY/members/M1");
	assert_int_equal(ledger_path_parse(p, &lp), LEDGER_PATH_MEMBER);
	assert_string_equal(lp.id, "M1");
	assert_string_equal(lp.household, "01J9AAAAAAAAAAAAAAAAAAAAXY");
	free(p);
	p = ledger_record_path(LEDGER_PATH_VISIT, "5201", "H1", "V9");
	assert_string_equal(p, "villages/5201/H/1/H1/visits/V9");
	assert_int_equal(ledger_path_parse(p, &lp), LEDGER_PATH_VISIT);
	free(p);
	p = ledger_record_path(LEDGER_PATH_FLAG, "5201", "H1", "F7");
	assert_string_equal(p, "villages/5201/H/1/H1/flags/F7");
	assert_int_equal(ledger_path_parse(p, &lp), LEDGER_PATH_FLAG);
	assert_string_equal(lp.id, "F7");
	assert_string_equal(lp.household, "H1");
	free(p);
	assert_int_equal(ledger_path_parse("villages/5201/H/1/H1/flags/", &lp), LEDGER_PATH_NONE);
	assert_int_equal(ledger_path_parse("villages/5201/H/1/H1/flag/F7", &lp), LEDGER_PATH_NONE);
	p = ledger_record_path(LEDGER_PATH_CONFLICTS, "5201", "H1", NULL);
	assert_string_equal(p, "villages/5201/H/1/H1/conflicts");
	assert_int_equal(ledger_path_parse(p, &lp), LEDGER_PATH_CONFLICTS);
	assert_string_equal(lp.id, "");
	free(p);
	/* A one-character or odd id still gets a safe path. */
	p = ledger_household_dir("5201", "x");
	assert_string_equal(p, "villages/5201/_/x/x");
	free(p);
	assert_null(ledger_record_path(LEDGER_PATH_MEMBER, "5201", "H1", NULL));
	/* Wrong shard folders, the old unsharded layout, stray files. */
	assert_int_equal(ledger_path_parse("villages/5201/A/1/H1/household", &lp), LEDGER_PATH_NONE);
	assert_string_equal(lp.village, "");
	assert_int_equal(ledger_path_parse("villages/5201/H1/household", &lp), LEDGER_PATH_NONE);
	assert_int_equal(ledger_path_parse("villages/5201/H/1/H1/notes", &lp), LEDGER_PATH_NONE);
	assert_int_equal(ledger_path_parse("villages/5201/H/1/H1/members/", &lp), LEDGER_PATH_NONE);
	assert_int_equal(ledger_path_parse("villages//H/1/H1/household", &lp), LEDGER_PATH_NONE);
	assert_int_equal(ledger_path_parse("forms/household/survey.csv", &lp), LEDGER_PATH_NONE);
	assert_string_equal(ledger_path_record_kind(LEDGER_PATH_VISIT), "visit");
	assert_string_equal(ledger_path_record_kind(LEDGER_PATH_FLAG), "flag");
	assert_null(ledger_path_record_kind(LEDGER_PATH_CONFLICTS));
}

static void test_ledger__messages_and_trailers(void **state)
{
	const char *hh[2] = { "01J9AAAAAAAAAAAAAAAAAAAAAA", "01J9BBBBBBBBBBBBBBBBBBBBBB" };
	fc_buf m = FC_BUF_INIT, v = FC_BUF_INIT;

	(void)state;
	ledger_message_changeset(&m, "zhang", "laptop1", hh, 2, 3, 7);
	assert_string_equal(m.data,
			    "zhang: 7 fields in 3 records of 2 households\n\n"
			    "Households: 01J9AAAAAAAAAAAAAAAAAAAAAA 01J9BBBBBBBBBBBBBBBBBBBBBB\n\n"
			    "Fieldcard-Principal: zhang\nFieldcard-Device: laptop1\n");
	assert_int_equal(ledger_message_trailer(m.data, "Fieldcard-Principal", &v), 0);
	assert_string_equal(v.data, "zhang");
	assert_int_equal(ledger_message_trailer(m.data, "Fieldcard-Device", &v), 0);
	assert_string_equal(v.data, "laptop1");
	assert_int_equal(ledger_message_trailer(m.data, "Fieldcard-Main", &v), FC_ENOTFOUND);
	buf_reset(&m);
	buf_adds(&m, "Merge village 520102001");
	ledger_message_trailers(&m, "county", "office");
	assert_string_equal(m.data, "Merge village 520102001\n\n"
			    "Fieldcard-Principal: county\nFieldcard-Device: office\n");
	buf_reset(&m);
	ledger_message_changeset(&m, "li", "d", NULL, 0, 1, 1);
	assert_string_equal(m.data, "li: 1 field in 1 record of 0 households\n\n"
			    "Fieldcard-Principal: li\nFieldcard-Device: d\n");
	buf_free(&m);
	buf_free(&v);
}

/* A commit made without our signing: plain libgit2, as a forger would. */
static void unsigned_commit(const ledger_oid *tree, const char *msg, ledger_oid *out)
{
	git_repository *r = raw_repo();
	git_signature *s = NULL;
	git_tree *t = NULL;
	git_oid gt = to_git(tree), gout;

	assert_int_equal(git_signature_new(&s, "zhang", "z@x", 1780000000LL, 0), 0);
	assert_int_equal(git_tree_lookup(&t, r, &gt), 0);
	assert_int_equal(git_commit_create(&gout, r, NULL, s, s, NULL, msg, t, 0, NULL), 0);
	*out = to_ledger(&gout);
	git_tree_free(t);
	git_signature_free(s);
	git_repository_free(r);
}

static void test_ledger__verify_commits(void **state)
{
	ledger *l = new_ledger();
	sig_key k, stray;
	sig_signers ss, window;
	ledger_author a;
	ledger_signed_by by;
	fc_buf m = FC_BUF_INIT, line = FC_BUF_INIT, as = FC_BUF_INIT;
	ledger_change ch = { HH1, "x\n", 2 };
	ledger_oid good, t, c, wrong, signers_commit, signers_tree;
	char s[LEDGER_OID_SHORT];
	fc_err e;

	(void)state;
	setenv("TZ", "UTC", 1);
	assert_int_equal(sig_keygen(&k, "", &e), 0);
	assert_int_equal(sig_keygen(&stray, "", &e), 0);
	signers_for(&ss, &k, "zhang", NULL);
	a = author(&k, "zhang");
	ledger_message_changeset(&m, "zhang", "laptop1", NULL, 0, 1, 1);
	assert_int_equal(ledger_commit_changes(l, NULL, NULL, &ch, 1, &a, m.data, &good, &e), 0);
	memset(&by, 0, sizeof(by));
	assert_int_equal(ledger_verify_commit(l, &good, &ss, NULL, &by, &e), 0);
	assert_string_equal(by.principal, "zhang");
	assert_memory_equal(by.pk, k.pk, 32);
	assert_int_equal(by.time, 1780000000LL);

	/* Unsigned. */
	assert_int_equal(ledger_commit_tree(l, &good, &t, &e), 0);
	unsigned_commit(&t, m.data, &c);
	ledger_oid_fmt(s, sizeof(s), &c);
	assert_int_equal(ledger_verify_commit(l, &c, &ss, NULL, NULL, &e), FC_ECONFLICT);
	assert_true(strncmp(e.msg, "commit ", 7) == 0);
	assert_non_null(strstr(e.msg, s));
	assert_non_null(strstr(e.msg, ": unsigned"));

	/* A stray key. */
	a.key = &stray;
	assert_int_equal(ledger_commit_changes(l, NULL, NULL, &ch, 1, &a, m.data, &c, &e), 0);
	assert_int_equal(ledger_verify_commit(l, &c, &ss, NULL, NULL, &e), FC_ECONFLICT);
	assert_non_null(strstr(e.msg, "unknown key SHA256:"));

	/* A known key naming another principal. */
	a.key = &k;
	buf_reset(&m);
	ledger_message_changeset(&m, "wang", "laptop1", NULL, 0, 1, 1);
	assert_int_equal(ledger_commit_changes(l, NULL, NULL, &ch, 1, &a, m.data, &wrong, &e), 0);
	assert_int_equal(ledger_verify_commit(l, &wrong, &ss, NULL, NULL, &e), FC_ECONFLICT);
	assert_non_null(strstr(e.msg, "key of zhang, but names principal wang"));

	/* No trailer at all. */
	assert_int_equal(ledger_commit_changes(l, NULL, NULL, &ch, 1, &a, "plain", &c, &e), 0);
	assert_int_equal(ledger_verify_commit(l, &c, &ss, NULL, NULL, &e), FC_ECONFLICT);
	assert_non_null(strstr(e.msg, "no Fieldcard-Principal trailer"));

	/* A key outside its window at the commit's time (2026-05-28). */
	signers_for(&window, &k, "zhang", "valid-after=\"20261001\"");
	assert_int_equal(ledger_verify_commit(l, &good, &window, NULL, NULL, &e), FC_ECONFLICT);
	assert_non_null(strstr(e.msg, "not valid at that time"));
	assert_non_null(strstr(e.msg, "2026-05-28"));
	sig_signers_free(&window);

	/* A signature moved onto other content. */
	{
		git_repository *r = raw_repo();
		git_buf sig = GIT_BUF_INIT, data = GIT_BUF_INIT;
		git_oid gg = to_git(&good), gc;
		fc_buf forged = FC_BUF_INIT;

		assert_int_equal(git_commit_extract_signature(&sig, &data, r, &gg, NULL), 0);
		buf_add(&forged, data.ptr, data.size);
		forged.data[forged.len - 2] = '!';
		assert_int_equal(git_commit_create_with_signature(&gc, r, forged.data, sig.ptr, NULL), 0);
		c = to_ledger(&gc);
		assert_int_equal(ledger_verify_commit(l, &c, &ss, NULL, NULL, &e), FC_ECONFLICT);
		assert_non_null(strstr(e.msg, "bad signature"));
		git_buf_dispose(&sig);
		git_buf_dispose(&data);
		buf_free(&forged);
		git_repository_free(r);
	}

	/* Signers read from keys/allowed_signers of a trusted tree. */
	sig_pubkey_line(&k, &line);
	buf_printf(&as, "# roster\nzhang %s\n", line.data);
	{
		ledger_change kc = { LEDGER_SIGNERS_PATH, as.data, as.len };

		assert_int_equal(ledger_commit_changes(l, "refs/heads/main", NULL, &kc, 1, &a, "keys",
						       &signers_commit, &e), 0);
	}
	assert_int_equal(ledger_commit_tree(l, &signers_commit, &signers_tree, &e), 0);
	assert_int_equal(ledger_verify_commit(l, &good, NULL, &signers_tree, &by, &e), 0);
	assert_string_equal(by.principal, "zhang");
	assert_int_equal(ledger_verify_commit(l, &good, NULL, NULL, NULL, &e), FC_EINVALID);
	assert_int_equal(ledger_verify_commit(l, &good, NULL, &t, NULL, &e), FC_ENOTFOUND);
	assert_non_null(strstr(e.msg, "cannot check"));

	sig_signers_free(&ss);
	buf_free(&m);
	buf_free(&line);
	buf_free(&as);
	ledger_free(l);
}

/* ---- driver for tests/integration/signing.sh ---- */

static int make_commit(char **argv, int argc, fc_err *e)
{
	ledger *l = NULL;
	sig_key k;
	ledger_author a;
	ledger_change ch[3] = {
		{ HH1, "form: household 1\nhead_name: 张三\n", 0 },
		{ HH2, "form: household 1\nhead_name: 李四\n", 0 },
		{ LEDGER_SIGNERS_PATH, NULL, 0 },
	};
	const char *hh[2] = { "01J9AAAAAAAAAAAAAAAAAAAAAA", "01J9BBBBBBBBBBBBBBBBBBBBBB" };
	size_t n = 2;
	char *signers = NULL, hex[LEDGER_OID_HEXSIZE + 1];
	fc_buf msg = FC_BUF_INIT;
	ledger_oid base, out;
	int rc, have_base;

	ch[0].len = strlen(ch[0].data);
	ch[1].len = strlen(ch[1].data);
	rc = sig_key_load(argv[3], NULL, &k, e);
	if (rc)
		return rc;
	if (argc == 7) {
		rc = util_read_file(argv[6], &signers, &ch[2].len, e);
		if (rc)
			return rc;
		ch[2].data = signers;
		n = 3;
	}
	rc = ledger_open(argv[2], 1, &l, e);
	if (rc)
		goto cleanup;
	have_base = ledger_ref_get(l, "refs/heads/main", &base, NULL) == FC_OK;
	a.principal = argv[4];
	a.device = argv[5];
	a.key = &k;
	a.time = 0;
	a.tz_minutes = 480;
	ledger_message_changeset(&msg, argv[4], argv[5], hh, 2, 2, 2);
	rc = ledger_commit_changes(l, "refs/heads/main", have_base ? &base : NULL, ch, n, &a,
				   msg.data, &out, e);
	if (!rc)
		printf("%s\n", ledger_oid_fmt(hex, sizeof(hex), &out));
cleanup:
	sig_key_wipe(&k);
	free(signers);
	buf_free(&msg);
	ledger_free(l);
	return rc;
}

static int verify(char **argv, fc_err *e)
{
	ledger *l = NULL;
	sig_signers ss = { NULL, 0 };
	ledger_signed_by by;
	ledger_oid rev;
	char *text = NULL;
	size_t len = 0;
	int rc;

	rc = util_read_file(argv[4], &text, &len, e);
	if (!rc)
		rc = sig_signers_parse(text, len, argv[4], &ss, e);
	if (!rc)
		rc = ledger_open(argv[2], 0, &l, e);
	if (!rc && ledger_rev(l, argv[3], &rev, NULL) != FC_OK)
		rc = fc_err_set(e, FC_ENOTFOUND, "%s: no such revision", argv[3]);
	if (!rc)
		rc = ledger_verify_commit(l, &rev, &ss, NULL, &by, e);
	if (!rc)
		printf("good: %s\n", by.principal);
	ledger_free(l);
	sig_signers_free(&ss);
	free(text);
	return rc;
}

static int driver(int argc, char **argv)
{
	fc_err e = { 0, "" };
	int rc;

	if ((argc == 6 || argc == 7) && strcmp(argv[1], "--make-commit") == 0)
		rc = make_commit(argv, argc, &e);
	else if (argc == 5 && strcmp(argv[1], "--verify") == 0)
		rc = verify(argv, &e);
	else
		rc = fc_err_set(&e, FC_EUSAGE, "usage: test_ledger --make-commit REPO KEY PRINCIPAL "
				"DEVICE [SIGNERS] | --verify REPO REV SIGNERS");
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	return fc_err_exit_code(rc);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ledger__open_and_create),
		cmocka_unit_test(test_ledger__bulk_update_writes_one_pack),
		cmocka_unit_test(test_ledger__commit_read_and_parent),
		cmocka_unit_test(test_ledger__ref_compare_and_swap),
		cmocka_unit_test(test_ledger__bad_paths_refused),
		cmocka_unit_test(test_ledger__foreach_under_prefix),
		cmocka_unit_test(test_ledger__diff_changed_paths),
		cmocka_unit_test(test_ledger__diff_skips_equal_subtrees),
		cmocka_unit_test(test_ledger__oids),
		cmocka_unit_test(test_ledger__refs_rev_and_config),
		cmocka_unit_test(test_ledger__commits_walks_and_descent),
		cmocka_unit_test(test_ledger__trees_looked_into_and_written),
		cmocka_unit_test(test_ledger__record_paths),
		cmocka_unit_test(test_ledger__messages_and_trailers),
		cmocka_unit_test(test_ledger__verify_commits),
	};

	if (argc > 1)
		return driver(argc, argv);
	return cmocka_run_group_tests(tests, setup, teardown);
}
