/* ledger_path.c — where records live in the ledger's tree
 * (fieldcard/ledger.h, DESIGN.md "The ledger"): a household's folder
 * sharded by the last two characters of its id, and the parse that tells a
 * record path from anything else. Plain strings; no libgit2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/ledger.h"
#include "fieldcard/util.h"

/* One shard folder name: a character of the id, or '_' for one that is not
 * a letter or digit (or is missing), so any id gives a safe path. */
static char shard_char(const char *id, size_t from_end)
{
	size_t n = strlen(id);
	char c;

	if (n < from_end)
		return '_';
	c = id[n - from_end];
	return ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) ? c : '_';
}

char *ledger_household_dir(const char *village, const char *household)
{
	return util_asprintf("villages/%s/%c/%c/%s", village, shard_char(household, 2),
			     shard_char(household, 1), household);
}

char *ledger_record_path(ledger_path_kind kind, const char *village, const char *household,
			 const char *id)
{
	char *dir, *out = NULL;

	if (!village || !*village || !household || !*household)
		return NULL;
	if (kind != LEDGER_PATH_HOUSEHOLD && kind != LEDGER_PATH_CONFLICTS && (!id || !*id))
		return NULL;
	dir = ledger_household_dir(village, household);
	switch (kind) {
	case LEDGER_PATH_HOUSEHOLD: out = util_asprintf("%s/household", dir); break;
	case LEDGER_PATH_MEMBER: out = util_asprintf("%s/members/%s", dir, id); break;
	case LEDGER_PATH_VISIT: out = util_asprintf("%s/visits/%s", dir, id); break;
	case LEDGER_PATH_FLAG: out = util_asprintf("%s/" LEDGER_FLAGS_DIR "/%s", dir, id); break;
	case LEDGER_PATH_CONFLICTS: out = util_asprintf("%s/conflicts", dir); break;
	default: break;
	}
	free(dir);
	return out;
}

ledger_path_kind ledger_path_parse(const char *path, ledger_path *out)
{
	char **p = util_split_all(path, '/');
	size_t n = util_strv_len(p);
	ledger_path_kind kind = LEDGER_PATH_NONE;

	memset(out, 0, sizeof(*out));
	if ((n != 6 && n != 7) || strcmp(p[0], "villages") || !*p[1] || strlen(p[1]) >= sizeof(out->village) ||
	    !*p[4] || strlen(p[4]) >= sizeof(out->household) || strlen(p[2]) != 1 || strlen(p[3]) != 1 ||
	    p[2][0] != shard_char(p[4], 2) || p[3][0] != shard_char(p[4], 1))
		goto out;
	if (n == 6 && !strcmp(p[5], "household")) {
		kind = LEDGER_PATH_HOUSEHOLD;
		snprintf(out->id, sizeof(out->id), "%s", p[4]);
	} else if (n == 6 && !strcmp(p[5], "conflicts")) {
		kind = LEDGER_PATH_CONFLICTS;
	} else if (n == 7 && *p[6] && strlen(p[6]) < sizeof(out->id)) {
		if (!strcmp(p[5], "members"))
			kind = LEDGER_PATH_MEMBER;
		else if (!strcmp(p[5], "visits"))
			kind = LEDGER_PATH_VISIT;
		else if (!strcmp(p[5], LEDGER_FLAGS_DIR))
			kind = LEDGER_PATH_FLAG;
		if (kind != LEDGER_PATH_NONE)
			snprintf(out->id, sizeof(out->id), "%s", p[6]);
	}
	if (kind != LEDGER_PATH_NONE) {
		snprintf(out->village, sizeof(out->village), "%s", p[1]);
		snprintf(out->household, sizeof(out->household), "%s", p[4]);
	}
out:
	util_strv_free(p);
	out->kind = kind;
	return kind;
}

const char *ledger_path_record_kind(ledger_path_kind kind)
{
	switch (kind) {
	case LEDGER_PATH_HOUSEHOLD: return "household";
	case LEDGER_PATH_MEMBER: return "member";
	case LEDGER_PATH_VISIT: return "visit";
	case LEDGER_PATH_FLAG: return "flag";
	default: return NULL;
	}
}
