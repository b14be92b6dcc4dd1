/* fuzz_roster.c — keys/roster lines (sync/identity.c), which arrive in the
 * tree from the county: "PRINCIPAL TAB ROLE TAB VILLAGES [TAB revoked]".
 * The input is a roster; it is asked for a few principals (the first
 * line's among them), for its villages, and rewritten with one line
 * replaced, and the rewritten text must still name that principal. */
#include "fuzz.h"
#include "fieldcard/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char *cstr = fz_cstr(data, size), *first, **vs;
	identity_principal p;
	fc_buf out = FC_BUF_INIT;
	size_t i = 0;

	while (i < size && data[i] != '\t' && data[i] != '\n' && data[i] != 0 && i < 64)
		i++;
	first = fz_cstr(data, i);
	identity_roster_parse(text, size, first, &p);
	identity_roster_parse(text, size, "cadre-li", &p);
	identity_roster_parse(text, size, "", &p);
	vs = identity_roster_villages(cstr);
	util_strv_free(vs);
	if (identity_valid_principal(first)) {
		identity_roster_put(cstr, first, "cadre", "522701105201", &out);
		if (identity_roster_parse(out.data, out.len, first, &p) != FC_OK) {
			fprintf(stderr, "a roster line put is not found again\n");
			abort();
		}
	}
	buf_free(&out);
	free(first);
	free(cstr);
	return 0;
}
