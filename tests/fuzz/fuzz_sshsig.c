/* fuzz_sshsig.c — SSHSIG signatures (sync/ledger/sig.c), the gpgsig
 * header of every commit a remote brings: an input is an armored
 * signature, verified over a fixed commit text in namespace git, as the
 * county verifies each commit of a batch. Also read as a public-key line
 * (sig_pubkey_parse), the other text of a key a remote sends. */
#include "fuzz.h"
#include "fieldcard/sig.h"

static const char payload[] =
	"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
	"author cadre-li <cadre-li@dev.fieldcard> 1795000000 +0800\n"
	"committer cadre-li <cadre-li@dev.fieldcard> 1795000000 +0800\n\nchangeset\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char pk[32];
	char *line;
	fc_err err;

	sig_verify((const char *)data, size, "git", payload, sizeof(payload) - 1, pk, &err);
	line = fz_cstr(data, size);
	sig_pubkey_parse(line, pk, &err);
	free(line);
	return 0;
}
