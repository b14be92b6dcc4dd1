/* ledger_walk.c — walks over the ledger's history (fieldcard/ledger.h):
 * the commits a batch or a village ref brings (reachable from its tip, not
 * from what is already merged), main's first-parent chain. libgit2's
 * revision walk under our name, so a walk costs what git's does. */
#include <stdlib.h>

#include "ledger_int.h"
#include "fieldcard/util.h"

int ledger_walk_new(ledger *l, ledger_walk **out, fc_err *err)
{
	git_revwalk *w = NULL;
	int g = git_revwalk_new(&w, l->repo);

	*out = NULL;
	if (g < 0)
		return ledger_git_error(err, g, "walking the ledger's history");
	*out = (ledger_walk *)(void *)w;
	return FC_OK;
}

void ledger_walk_free(ledger_walk *w)
{
	git_revwalk_free(gwalk(w));
}

static int walk_error(fc_err *err, int g, const ledger_oid *id, const char *what)
{
	char s[LEDGER_OID_SHORT], *m;
	int rc;

	ledger_short_id(s, id);
	m = util_asprintf("%s commit %s", what, s);
	rc = ledger_git_error(err, g, m);
	free(m);
	return rc;
}

int ledger_walk_push(ledger_walk *w, const ledger_oid *id, fc_err *err)
{
	int g = git_revwalk_push(gwalk(w), goid(id));

	return g < 0 ? walk_error(err, g, id, "walking from") : FC_OK;
}

int ledger_walk_hide(ledger_walk *w, const ledger_oid *id, fc_err *err)
{
	int g = git_revwalk_hide(gwalk(w), goid(id));

	return g < 0 ? walk_error(err, g, id, "leaving out") : FC_OK;
}

int ledger_walk_hide_ref(ledger_walk *w, const char *ref, fc_err *err)
{
	int g = git_revwalk_hide_ref(gwalk(w), ref);

	return g < 0 ? ledger_git_error(err, g, ref) : FC_OK;
}

int ledger_walk_first_parent(ledger_walk *w, fc_err *err)
{
	int g = git_revwalk_simplify_first_parent(gwalk(w));

	return g < 0 ? ledger_git_error(err, g, "walking first parents") : FC_OK;
}

int ledger_walk_next(ledger_walk *w, ledger_oid *out, fc_err *err)
{
	int g = git_revwalk_next(goid_out(out), gwalk(w));

	if (g == 0)
		return 1;
	if (g == GIT_ITEROVER)
		return 0;
	return ledger_git_error(err, g, "walking the ledger's history");
}
