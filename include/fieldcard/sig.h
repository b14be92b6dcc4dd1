/* sig.h — Ed25519 keys (libsodium) in OpenSSH format, and SSH signatures
 * (SSHSIG, as `ssh-keygen -Y sign` makes them) over git commits, plus the
 * allowed-signers file that stock git reads. See DESIGN.md, "Signed
 * changesets" and "What we know about the dependencies". Never prints or logs
 * a private key. */
#ifndef FIELDCARD_SIG_H
#define FIELDCARD_SIG_H

#include <stddef.h>
#include "fieldcard/err.h"
#include "fieldcard/buf.h"

typedef struct sig_key {
	unsigned char pk[32];
	unsigned char sk[64];     /* libsodium secret key (seed ‖ pk) */
	int has_secret;
	char comment[128];
} sig_key;

/* A fresh key pair. */
int sig_keygen(sig_key *out, const char *comment, fc_err *err);
/* Write the private key to path (mode 0600) and "path.pub" (0644).
 * passphrase NULL/"" = OpenSSH format, unencrypted (ssh-keygen -y reads it);
 * else sealed with Argon2id + secretbox (our format, see DESIGN.md). */
int sig_key_save(const sig_key *k, const char *path, const char *passphrase, fc_err *err);
int sig_key_load(const char *path, const char *passphrase, sig_key *out, fc_err *err);
/* Wipe the secret part. */
void sig_key_wipe(sig_key *k);

/* "ssh-ed25519 AAAA... comment" (no newline). */
void sig_pubkey_line(const sig_key *k, fc_buf *out);
int sig_pubkey_parse(const char *line, unsigned char pk[32], fc_err *err);
/* SHA256:... fingerprint as ssh-keygen -l prints it. */
void sig_fingerprint(const unsigned char pk[32], fc_buf *out);

/* Armored SSH signature ("-----BEGIN SSH SIGNATURE-----\n...-----END SSH
 * SIGNATURE-----", without a final newline) of data in namespace ns ("git"). */
int sig_sign(const sig_key *k, const char *ns, const void *data, size_t len,
	     fc_buf *armored, fc_err *err);
/* Verify; on success pk_out (if not NULL) is the signer's public key.
 * FC_ECONFLICT with the reason for a bad or malformed signature. */
int sig_verify(const char *armored, size_t armored_len, const char *ns,
	       const void *data, size_t len, unsigned char pk_out[32], fc_err *err);

/* allowed_signers (ssh-keygen(1) ALLOWED SIGNERS): "principal[,p2]
 * [namespaces="git",valid-after="YYYYMMDD",valid-before="..."] ssh-ed25519
 * KEY [comment]". Times are seconds since epoch, 0 = unbounded. */
typedef struct sig_signer {
	char *principal;
	unsigned char pk[32];
	long long valid_after, valid_before;
	int revoked;              /* our roster may mark a key revoked */
	int line;
} sig_signer;

typedef struct sig_signers {
	sig_signer *v;
	size_t n;
} sig_signers;

int sig_signers_parse(const char *text, size_t len, const char *where,
		      sig_signers *out, fc_err *err);
void sig_signers_free(sig_signers *s);
/* The signer with this key valid at time t (0 = ignore time), or NULL. If the
 * key is known but not valid at t, *why (if not NULL) says so. */
const sig_signer *sig_signers_find(const sig_signers *s, const unsigned char pk[32],
				   long long t, const char **why);

#endif
