/* cmd_merge.c — the county's commands (CLI.md): `batches`, `merge [--all |
 * BATCH...]`, `conflicts`, `resolve ID FIELD (--ours|--theirs|--value V)`
 * and `verify [REV]`. They open the county staff's data directory, fetch
 * from the county repository, work on the local ledger (county.h) and push
 * main and the village refs that moved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/cli.h"
#include "fieldcard/county.h"
#include "fieldcard/transport.h"
#include "fieldcard/util.h"

typedef struct desk {
	fc_app *a;
	ledger *l;
	sig_key key;
	char *device, *remote;
	ledger_author who;
} desk;

static void desk_close(desk *d)
{
	sig_key_wipe(&d->key);
	ledger_free(d->l);
	app_close(d->a);
	free(d->device);
	free(d->remote);
}

static int desk_open(const cli_ctx *c, desk *d, int need_key, fc_err *err)
{
	char *keyfile = util_asprintf("%s/keys/id_ed25519", c->dir);
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = app_open(c->dir, &d->a, err)))
		goto out;
	if ((rc = ledger_open(d->a->ledger_path, 1, &d->l, err)) ||
	    (rc = store_meta_get(d->a->st, "device", &d->device, err)) ||
	    (rc = store_meta_get(d->a->st, "remote", &d->remote, err)))
		goto out;
	if (need_key) {
		if (!d->a->role || strcmp(d->a->role, "county") != 0) {
			rc = fc_err_set(err, FC_EINVALID,
					"%s is a %s's data directory; only county staff may do this",
					c->dir, d->a->role ? d->a->role : "device");
			goto out;
		}
		if ((rc = sig_key_load(keyfile, getenv("FIELDCARD_PASSPHRASE"), &d->key, err)))
			goto out;
	}
	d->who.principal = d->a->principal ? d->a->principal : "county";
	d->who.device = d->device ? d->device : "county";
	d->who.key = &d->key;
out:
	free(keyfile);
	return rc;
}

static int fail(fc_err *err)
{
	fprintf(stderr, "fieldcard: %s\n", err->msg);
	return fc_err_exit_code(err->code);
}

static int fetch(desk *d, fc_err *err)
{
	if (!d->remote || !*d->remote)
		return FC_OK; /* the county's own ledger only */
	return county_fetch(d->l, d->a->ledger_path, d->a->dir, d->remote, err);
}

/* Push main and every local villages/<code> to the county repository. */
static int push(desk *d, fc_err *err)
{
	git_strarray refs = { NULL, 0 };
	char **v;
	size_t n = 0;
	transport_opts o;
	int rc;

	if (!d->remote || !*d->remote)
		return FC_OK;
	if (git_reference_list(&refs, ledger_repo(d->l)) < 0)
		return ledger_git_error(err, -1, "listing refs");
	v = util_calloc(refs.count + 1, sizeof(*v));
	for (size_t i = 0; i < refs.count; i++)
		if (strcmp(refs.strings[i], "refs/heads/main") == 0 ||
		    strncmp(refs.strings[i], "refs/heads/villages/", 20) == 0)
			v[n++] = refs.strings[i];
	memset(&o, 0, sizeof(o));
	o.url = d->remote;
	o.dir = d->a->dir;
	rc = transport_global_init(&o, err);
	if (rc == FC_OK)
		rc = transport_push(d->a->ledger_path, &o, v, n, err);
	free(v);
	git_strarray_dispose(&refs);
	return rc;
}

int cmd_batches(const cli_ctx *c, int argc, char **argv)
{
	desk d;
	fc_err err;
	county_batch *b = NULL;
	size_t n = 0;
	int rc;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: fieldcard batches\n");
		return 2;
	}
	if ((rc = desk_open(c, &d, 0, &err)) || (rc = fetch(&d, &err)) ||
	    (rc = county_batches(d.l, &b, &n, &err))) {
		rc = fail(&err);
		goto out;
	}
	printf("%-16s %-8s %-24s %6s %7s  %s\n", "principal", "role", "villages", "ahead",
	       "records", "status");
	for (size_t i = 0; i < n; i++) {
		if (b[i].status == COUNTY_MERGED)
			continue; /* merged batches drop out of the list */
		printf("%-16s %-8s %-24s %6d %7d  %s%s%s\n", b[i].principal, b[i].who.role,
		       b[i].who.villages, b[i].ahead, b[i].records, county_status_name(b[i].status),
		       b[i].reason[0] ? ": " : "", b[i].reason);
	}
out:
	free(b);
	desk_close(&d);
	return rc;
}

int cmd_merge(const cli_ctx *c, int argc, char **argv)
{
	desk d;
	fc_err err;
	county_batch *b = NULL;
	size_t n = 0;
	int rc, all = 0, refused = 0, open = 0, merged = 0;
	char **names = NULL;
	size_t nn = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = 1;
		else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: fieldcard merge [--all | BATCH...]\n");
			return 2;
		}
	}
	if ((rc = desk_open(c, &d, 1, &err)) || (rc = fetch(&d, &err))) {
		rc = fail(&err);
		goto out;
	}
	names = util_calloc((size_t)argc + 1, sizeof(*names));
	if (all || argc == 1) {
		if ((rc = county_batches(d.l, &b, &n, &err))) {
			rc = fail(&err);
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			if (b[i].status != COUNTY_MERGED)
				names[nn++] = util_strdup(b[i].principal);
	} else {
		for (int i = 1; i < argc; i++) {
			const char *s = argv[i];

			if (strncmp(s, "batches/", 8) == 0)
				s += 8;
			names[nn++] = util_strdup(s);
		}
	}
	for (size_t i = 0; i < nn; i++) {
		county_merge_result res;
		merge_conflicts mc = { NULL, 0, 0 };

		rc = county_merge(d.l, d.a->st, &d.who, names[i], &mc, &res, &err);
		if (rc == FC_ECONFLICT) {
			fprintf(stderr, "fieldcard: %s\n", err.msg);
			refused++;
			continue;
		}
		if (rc) {
			rc = fail(&err);
			merge_conflicts_free(&mc);
			goto out;
		}
		merged++;
		open += (int)res.conflicts;
		printf("batches/%s: merged, %zu conflict(s), %zu duplicate(s), %d village(s) cut\n",
		       names[i], res.conflicts, res.duplicates, res.villages_cut);
		for (size_t k = 0; k < mc.n; k++)
			printf("  conflict %s %s: base \"%s\", ours \"%s\" (%s), theirs \"%s\" (%s)\n",
			       mc.v[k].record_id, mc.v[k].field, mc.v[k].base, mc.v[k].ours,
			       mc.v[k].ours_who, mc.v[k].theirs, mc.v[k].theirs_who);
		merge_conflicts_free(&mc);
	}
	if (merged && (rc = push(&d, &err))) {
		rc = fail(&err);
		goto out;
	}
	rc = (refused || open) ? 3 : 0;
out:
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	free(b);
	desk_close(&d);
	return rc;
}

typedef struct who_row {
	merge_conflicts *mc;
} who_row;

/* The county store remembers who stood on each side of a conflict (the
 * tree keeps the values only): fill the principals in. */
static int on_store_conflict(const store_conflict *sc, void *ud)
{
	who_row *w = ud;

	for (size_t i = 0; i < w->mc->n; i++) {
		merge_conflict *m = &w->mc->v[i];

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

int cmd_conflicts(const cli_ctx *c, int argc, char **argv)
{
	desk d;
	fc_err err;
	git_oid main, tree;
	merge_conflicts mc = { NULL, 0, 0 };
	county_dup *dv = NULL;
	size_t dn = 0, open_dups = 0;
	who_row w;
	int rc;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: fieldcard conflicts\n");
		return 2;
	}
	if ((rc = desk_open(c, &d, 0, &err))) {
		rc = fail(&err);
		goto out;
	}
	rc = ledger_ref_get(d.l, "refs/heads/main", &main, &err);
	if (rc == FC_ENOTFOUND) {
		rc = 0;
		goto out;
	}
	if (rc || (rc = merge_conflicts_read(d.l, &main, NULL, &mc, &err)) ||
	    (rc = ledger_commit_tree(d.l, &main, &tree, &err)) ||
	    (rc = county_duplicates(d.l, &tree, &dv, &dn, &err))) {
		rc = fail(&err);
		goto out;
	}
	w.mc = &mc;
	store_conflict_each(d.a->st, on_store_conflict, &w, NULL);
	printf("record\tfield\tbase\tours\ttheirs\tours_by\ttheirs_by\n");
	for (size_t i = 0; i < mc.n; i++)
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", mc.v[i].record_id, mc.v[i].field, mc.v[i].base,
		       mc.v[i].ours, mc.v[i].theirs, mc.v[i].ours_who, mc.v[i].theirs_who);
	for (size_t i = 0; i < dn; i++)
		open_dups += strcmp(dv[i].state, "open") == 0;
	if (open_dups) {
		printf("\npossible duplicates (the same head ID number in two households); decide with\n"
		       "`fieldcard resolve ID id_number --duplicate-of OTHER` or `... --clear`:\n");
		printf("household\tother\thead_id_number\n");
		for (size_t i = 0; i < dn; i++)
			if (strcmp(dv[i].state, "open") == 0)
				printf("%s\t%s\t%s\n", dv[i].a, dv[i].b, dv[i].masked);
	}
	rc = (mc.n || open_dups) ? 3 : 0;
out:
	free(dv);
	merge_conflicts_free(&mc);
	desk_close(&d);
	return rc;
}

static int usage_resolve(void)
{
	fprintf(stderr,
		"usage: fieldcard resolve ID FIELD (--ours | --theirs | --value V)\n"
		"       fieldcard resolve ID id_number (--duplicate-of OTHER | --clear)\n"
		"  the first settles a merge conflict on a field; the second decides a\n"
		"  possible duplicate: household ID is a duplicate of OTHER (kept), or the\n"
		"  flag is cleared (two households after all). Both are signed commits on main.\n");
	return 2;
}

/* resolve ID id_number (--duplicate-of OTHER | --clear) */
static int resolve_duplicate(const cli_ctx *c, const char *id, const char *other, int clear)
{
	desk d;
	fc_err err;
	git_oid commit, tree;
	county_dup *dv = NULL;
	size_t dn = 0;
	int rc;

	if ((rc = desk_open(c, &d, 1, &err)) || (rc = fetch(&d, &err)) ||
	    (rc = county_duplicate_decide(d.l, &d.who, id, other, clear, &commit, &err)) ||
	    (rc = push(&d, &err)) || (rc = ledger_commit_tree(d.l, &commit, &tree, &err)) ||
	    (rc = county_duplicates(d.l, &tree, &dv, &dn, &err))) {
		rc = fail(&err);
		goto out;
	}
	for (size_t i = 0; i < dn; i++) {
		if (strcmp(dv[i].a, id) != 0 && strcmp(dv[i].b, id) != 0)
			continue;
		if (strcmp(dv[i].state, "duplicate") == 0 && strcmp(dv[i].a, id) == 0)
			printf("marked %s as a duplicate of %s\n", id, dv[i].b);
		else if (clear && strcmp(dv[i].state, "cleared") == 0)
			printf("cleared the duplicate flag on %s and %s\n", dv[i].a, dv[i].b);
	}
	rc = 0;
out:
	free(dv);
	desk_close(&d);
	return rc;
}

int cmd_resolve(const cli_ctx *c, int argc, char **argv)
{
	desk d;
	fc_err err;
	git_oid main, tree, commit;
	ledger_change ch[2];
	merge_conflict found;
	const char *id, *field, *value = NULL;
	int side = 0, rc;
	fc_buf msg = FC_BUF_INIT;
	char vcode[64] = "";

	if (argc < 4)
		return usage_resolve();
	id = argv[1];
	field = argv[2];
	if (strcmp(argv[3], "--duplicate-of") == 0 || strcmp(argv[3], "--clear") == 0) {
		int clear = argv[3][2] == 'c';

		if (strcmp(field, "id_number") != 0 || argc != (clear ? 4 : 5))
			return usage_resolve();
		return resolve_duplicate(c, id, clear ? NULL : argv[4], clear);
	}
	if (strcmp(argv[3], "--ours") == 0 && argc == 4)
		side = 1;
	else if (strcmp(argv[3], "--theirs") == 0 && argc == 4)
		side = 2;
	else if (strcmp(argv[3], "--value") == 0 && argc == 5)
		value = argv[4];
	else
		return usage_resolve();
	memset(ch, 0, sizeof(ch));
	memset(&found, 0, sizeof(found));
	if ((rc = desk_open(c, &d, 1, &err)) || (rc = fetch(&d, &err)) ||
	    (rc = ledger_ref_get(d.l, "refs/heads/main", &main, &err))) {
		rc = fail(&err);
		goto out;
	}
	/* Learn the conflict first, to pick its side's value. */
	if ((rc = merge_resolve_changes(d.l, &main, NULL, id, field, "", ch, &found, &err))) {
		rc = fail(&err);
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		free((void *)ch[i].path);
		free((void *)ch[i].data);
	}
	memset(ch, 0, sizeof(ch));
	if (side)
		value = side == 1 ? found.ours : found.theirs;
	if ((rc = merge_resolve_changes(d.l, &main, found.path, id, field, value, ch, NULL, &err)) ||
	    (rc = ledger_commit_tree(d.l, &main, &tree, &err)) ||
	    (rc = ledger_tree_update(d.l, &tree, ch, 2, &tree, &err))) {
		rc = fail(&err);
		goto out;
	}
	buf_printf(&msg, "Resolve %s %s: %s\n\nbase \"%s\", ours \"%s\", theirs \"%s\"\n", id, field,
		   side == 1 ? "ours" : side == 2 ? "theirs" : "a new value", found.base, found.ours,
		   found.theirs);
	ledger_message_trailers(&msg, d.who.principal, d.who.device);
	if ((rc = ledger_commit_write(d.l, &tree, &main, 1, &d.who, msg.data, &commit, &err)) ||
	    (rc = ledger_ref_set(d.l, "refs/heads/main", &commit, &main, "county: resolve", &err))) {
		rc = fail(&err);
		goto out;
	}
	sscanf(found.path, "villages/%63[^/]", vcode);
	if ((rc = county_cut_village(d.l, &d.who, &commit, vcode, &err)) || (rc = push(&d, &err))) {
		rc = fail(&err);
		goto out;
	}
	store_conflict_drop(d.a->st, id, field, NULL);
	printf("resolved %s %s\n", id, field);
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		free((void *)ch[i].path);
		free((void *)ch[i].data);
	}
	merge_conflict_clear(&found);
	buf_free(&msg);
	desk_close(&d);
	return rc;
}

int cmd_verify(const cli_ctx *c, int argc, char **argv)
{
	desk d;
	fc_err err;
	fc_buf report = FC_BUF_INIT;
	const char *rev = argc > 1 ? argv[1] : "refs/heads/main";
	int rc, n = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: fieldcard verify [REV]\n");
		return 2;
	}
	if ((rc = desk_open(c, &d, 0, &err))) {
		rc = fail(&err);
		goto out;
	}
	rc = county_verify_history(d.l, rev, &report, &n, &err);
	fputs(buf_cstr(&report), stdout);
	if (rc) {
		rc = fail(&err);
		goto out;
	}
	printf("%d commit(s) verified: signatures good, scopes kept\n", n);
out:
	buf_free(&report);
	desk_close(&d);
	return rc;
}
