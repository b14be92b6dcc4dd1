/* fuzz_signers.c — allowed-signers lines (keys/allowed_signers, from the
 * tree the county sends; sync/ledger/sig.c): an input is the file, parsed
 * with sig_signers_parse, and each key it lists looked up again at a few
 * times (its validity window read from the options). */
#include "fuzz.h"
#include "fieldcard/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sig_signers s = { 0 };
	fc_err err;

	if (sig_signers_parse((const char *)data, size, "keys/allowed_signers", &s, &err) == FC_OK) {
		for (size_t i = 0; i < s.n; i++) {
			const char *why = NULL;

			if (!sig_signers_find(&s, s.v[i].pk, 0, &why))
				abort();
			sig_signers_find(&s, s.v[i].pk, 1795000000, &why);
			sig_signers_find(&s, s.v[i].pk, -1, &why);
		}
	}
	sig_signers_free(&s);
	return 0;
}
