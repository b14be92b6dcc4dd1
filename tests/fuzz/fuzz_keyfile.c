/* fuzz_keyfile.c — private key files (sync/ledger/sig.c): an OpenSSH
 * Ed25519 key or a fieldcard sealed key (Argon2id + secretbox), the file
 * DIR/keys/id_ed25519 that every signing command loads. The input is the
 * file (mode 0600), loaded with no passphrase and with the passphrase
 * "fuzz" (the seeds' sealed keys use it, with the smallest Argon2 cost). */
#include "fuzz.h"
#include "fieldcard/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128];
	sig_key k;
	fc_buf line = FC_BUF_INIT;
	fc_err err;

	fz_path(path, sizeof(path), "id_ed25519");
	fz_write(path, data, size, 0600);
	if (sig_key_load(path, NULL, &k, &err) == FC_OK)
		sig_pubkey_line(&k, &line);
	sig_key_wipe(&k);
	if (sig_key_load(path, "fuzz", &k, &err) == FC_OK)
		sig_pubkey_line(&k, &line);
	sig_key_wipe(&k);
	buf_free(&line);
	return 0;
}
