/* sig.c — Ed25519 signing keys and SSH signatures (see fieldcard/sig.h).
 *
 * Everything here speaks the formats of OpenSSH so that stock tools check our
 * work: private keys in "openssh-key-v1" (what `ssh-keygen -y` reads),
 * public keys as "ssh-ed25519 BASE64 comment" lines, signatures in the SSHSIG
 * format of `ssh-keygen -Y sign` (what `git verify-commit` checks), and the
 * allowed_signers file of ssh-keygen(1). The cryptography is libsodium's.
 *
 * One deliberate departure: OpenSSH encrypts keys with bcrypt_pbkdf, which
 * libsodium lacks, so a key saved with a passphrase is sealed in our own,
 * clearly labelled format (Argon2id + XSalsa20-Poly1305 around the same
 * openssh-key-v1 bytes); see DESIGN.md, "What we know about the
 * dependencies". */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <sodium.h>

#include "fieldcard/sig.h"
#include "fieldcard/util.h"

#define KEY_TYPE "ssh-ed25519"
#define OPENSSH_MAGIC "openssh-key-v1"          /* followed by a NUL */
#define OPENSSH_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define OPENSSH_END "-----END OPENSSH PRIVATE KEY-----"
#define SEALED_MAGIC "fieldcard-sealed-key-v1"  /* followed by a NUL */
#define SEALED_BEGIN "-----BEGIN FIELDCARD SEALED KEY-----"
#define SEALED_END "-----END FIELDCARD SEALED KEY-----"
#define SEALED_NOTE \
	"Fieldcard Ed25519 signing key sealed with a passphrase\n" \
	"(Argon2id + XSalsa20-Poly1305, libsodium). Not OpenSSH's encrypted format,\n" \
	"which needs bcrypt_pbkdf; inside the seal is an unencrypted openssh-key-v1 key.\n"
#define SIG_BEGIN "-----BEGIN SSH SIGNATURE-----"
#define SIG_END "-----END SSH SIGNATURE-----"
#define SIG_MAGIC "SSHSIG"
#define ARMOR_COLS 70

static int sodium_ready(fc_err *err)
{
	/* sodium_init is idempotent and thread-safe; 1 means "already done". */
	if (sodium_init() < 0)
		return fc_err_set(err, FC_ERROR, "libsodium could not be initialised");
	return FC_OK;
}

/* ---- SSH wire format: uint32 big-endian lengths ahead of strings ---- */

static void put_u32(fc_buf *b, uint32_t v)
{
	unsigned char c[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };
	buf_add(b, c, 4);
}

static void put_string(fc_buf *b, const void *data, size_t len)
{
	put_u32(b, (uint32_t)len);
	buf_add(b, data, len);
}

static void put_cstring(fc_buf *b, const char *s)
{
	put_string(b, s, strlen(s));
}

typedef struct reader {
	const unsigned char *p;
	size_t n;
} reader;

static int get_u32(reader *r, uint32_t *v)
{
	if (r->n < 4)
		return -1;
	*v = ((uint32_t)r->p[0] << 24) | ((uint32_t)r->p[1] << 16) |
	     ((uint32_t)r->p[2] << 8) | r->p[3];
	r->p += 4;
	r->n -= 4;
	return 0;
}

static int get_string(reader *r, const unsigned char **s, size_t *len)
{
	uint32_t l;

	if (get_u32(r, &l) < 0 || l > r->n)
		return -1;
	*s = r->p;
	*len = l;
	r->p += l;
	r->n -= l;
	return 0;
}

static int str_is(const unsigned char *s, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(s, want, len) == 0;
}

/* The public key blob: string "ssh-ed25519" ‖ string pk. */
static void pubkey_blob(fc_buf *b, const unsigned char pk[32])
{
	put_cstring(b, KEY_TYPE);
	put_string(b, pk, 32);
}

static int parse_pubkey_blob(const unsigned char *s, size_t len, unsigned char pk[32])
{
	reader r = { s, len };
	const unsigned char *t, *k;
	size_t tl, kl;

	if (get_string(&r, &t, &tl) < 0 || !str_is(t, tl, KEY_TYPE) ||
	    get_string(&r, &k, &kl) < 0 || kl != 32 || r.n != 0)
		return -1;
	memcpy(pk, k, 32);
	return 0;
}

/* ---- base64 and armor ---- */

static void add_base64(fc_buf *b, const void *bin, size_t len, int variant)
{
	size_t cap = sodium_base64_ENCODED_LEN(len, variant);
	char *tmp = util_malloc(cap);

	sodium_bin2base64(tmp, cap, bin, len, variant);
	buf_adds(b, tmp);
	free(tmp);
}

/* BEGIN line, base64 in 70-column lines (as ssh-keygen writes), END line. */
static void armor(fc_buf *out, const char *begin, const char *end,
		  const void *bin, size_t len, int final_newline)
{
	fc_buf b64 = FC_BUF_INIT;

	add_base64(&b64, bin, len, sodium_base64_VARIANT_ORIGINAL);
	buf_adds(out, begin);
	buf_addc(out, '\n');
	for (size_t i = 0; i < b64.len; i += ARMOR_COLS) {
		size_t n = b64.len - i < ARMOR_COLS ? b64.len - i : ARMOR_COLS;

		buf_add(out, b64.data + i, n);
		buf_addc(out, '\n');
	}
	buf_adds(out, end);
	if (final_newline)
		buf_addc(out, '\n');
	sodium_memzero(b64.data ? b64.data : (char *)"", b64.data ? b64.cap : 0);
	buf_free(&b64);
}

/* Decode the base64 between begin and end markers in text into out. */
static int dearmor(const char *text, size_t len, const char *begin, const char *end,
		   fc_buf *out)
{
	const char *s, *e, *stop = text + len;
	size_t blen = strlen(begin), maxbin, binlen = 0;
	unsigned char *bin;

	s = memmem(text, len, begin, blen);
	if (!s)
		return -1;
	s += blen;
	e = memmem(s, (size_t)(stop - s), end, strlen(end));
	if (!e)
		return -1;
	maxbin = (size_t)(e - s) / 4 * 3 + 3;
	bin = util_malloc(maxbin + 1);
	if (sodium_base642bin(bin, maxbin, s, (size_t)(e - s), " \t\r\n", &binlen,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		sodium_memzero(bin, maxbin);
		free(bin);
		return -1;
	}
	buf_add(out, bin, binlen);
	sodium_memzero(bin, maxbin);
	free(bin);
	return 0;
}

/* Wipe and free a buffer that held secret bytes. */
static void buf_wipe(fc_buf *b)
{
	if (b->data && b->cap)
		sodium_memzero(b->data, b->cap);
	buf_free(b);
}

/* ---- keys ---- */

int sig_keygen(sig_key *out, const char *comment, fc_err *err)
{
	int rc = sodium_ready(err);

	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	crypto_sign_keypair(out->pk, out->sk);
	out->has_secret = 1;
	snprintf(out->comment, sizeof(out->comment), "%s", comment ? comment : "");
	return FC_OK;
}

void sig_key_wipe(sig_key *k)
{
	sodium_memzero(k->sk, sizeof(k->sk));
	k->has_secret = 0;
}

void sig_pubkey_line(const sig_key *k, fc_buf *out)
{
	fc_buf blob = FC_BUF_INIT;

	pubkey_blob(&blob, k->pk);
	buf_adds(out, KEY_TYPE " ");
	add_base64(out, blob.data, blob.len, sodium_base64_VARIANT_ORIGINAL);
	if (k->comment[0])
		buf_printf(out, " %s", k->comment);
	buf_free(&blob);
}

int sig_pubkey_parse(const char *line, unsigned char pk[32], fc_err *err)
{
	const char *p = line, *b, *e;
	unsigned char bin[128];
	size_t binlen = 0;
	int rc = sodium_ready(err);

	if (rc)
		return rc;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, KEY_TYPE, strlen(KEY_TYPE)) == 0 && p[strlen(KEY_TYPE)] != ' ' &&
	    p[strlen(KEY_TYPE)] != '\t')
		return fc_err_set(err, FC_EINVALID, "malformed ssh-ed25519 public key (no key data)");
	if (strncmp(p, KEY_TYPE, strlen(KEY_TYPE)) != 0) {
		e = p;
		while (*e && *e != ' ' && *e != '\t' && *e != '\n')
			e++;
		return fc_err_set(err, FC_EINVALID,
				  "key type '%.*s' is not supported: only ssh-ed25519 keys sign",
				  (int)(e - p > 40 ? 40 : e - p), p);
	}
	b = p + strlen(KEY_TYPE);
	while (*b == ' ' || *b == '\t')
		b++;
	e = b;
	while (*e && *e != ' ' && *e != '\t' && *e != '\n' && *e != '\r')
		e++;
	if (sodium_base642bin(bin, sizeof(bin), b, (size_t)(e - b), NULL, &binlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    parse_pubkey_blob(bin, binlen, pk) < 0)
		return fc_err_set(err, FC_EINVALID, "malformed ssh-ed25519 public key");
	return FC_OK;
}

void sig_fingerprint(const unsigned char pk[32], fc_buf *out)
{
	fc_buf blob = FC_BUF_INIT;
	unsigned char h[crypto_hash_sha256_BYTES];

	if (sodium_init() < 0)
		abort(); /* cannot happen once keys exist; nothing sane to return */
	pubkey_blob(&blob, pk);
	crypto_hash_sha256(h, (const unsigned char *)blob.data, blob.len);
	buf_adds(out, "SHA256:");
	add_base64(out, h, sizeof(h), sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	buf_free(&blob);
}

/* The openssh-key-v1 bytes of an unencrypted key (PROTOCOL.key). */
static void openssh_blob(const sig_key *k, fc_buf *out)
{
	fc_buf priv = FC_BUF_INIT, pub = FC_BUF_INIT;
	uint32_t check = randombytes_random();

	buf_add(out, OPENSSH_MAGIC, sizeof(OPENSSH_MAGIC)); /* with its NUL */
	put_cstring(out, "none");   /* cipher */
	put_cstring(out, "none");   /* kdf */
	put_string(out, "", 0);     /* kdf options */
	put_u32(out, 1);            /* number of keys */
	pubkey_blob(&pub, k->pk);
	put_string(out, pub.data, pub.len);

	put_u32(&priv, check);      /* two equal check ints: decryption test */
	put_u32(&priv, check);
	put_cstring(&priv, KEY_TYPE);
	put_string(&priv, k->pk, 32);
	put_string(&priv, k->sk, 64);
	put_cstring(&priv, k->comment);
	for (unsigned char pad = 1; priv.len % 8; pad++)
		buf_addc(&priv, (char)pad);
	put_string(out, priv.data, priv.len);
	buf_wipe(&priv);
	buf_free(&pub);
}

static int parse_openssh_blob(const unsigned char *bin, size_t len, const char *path,
			      sig_key *out, fc_err *err)
{
	reader r = { bin, len }, pr;
	const unsigned char *cipher, *kdf, *opts, *pub, *priv, *t, *pk, *sk, *cm;
	size_t cl, kl, ol, publ, privl, tl, pkl, skl, cml;
	uint32_t nkeys, c1, c2;
	unsigned char pub_pk[32];

	if (len < sizeof(OPENSSH_MAGIC) || memcmp(bin, OPENSSH_MAGIC, sizeof(OPENSSH_MAGIC)) != 0)
		goto bad;
	r.p += sizeof(OPENSSH_MAGIC);
	r.n -= sizeof(OPENSSH_MAGIC);
	if (get_string(&r, &cipher, &cl) < 0 || get_string(&r, &kdf, &kl) < 0 ||
	    get_string(&r, &opts, &ol) < 0 || get_u32(&r, &nkeys) < 0)
		goto bad;
	if (!str_is(cipher, cl, "none") || !str_is(kdf, kl, "none"))
		return fc_err_set(err, FC_EINVALID,
				  "%s: the key is encrypted with OpenSSH's passphrase format (%.*s), "
				  "which fieldcard cannot read; remove the passphrase with "
				  "`ssh-keygen -p -N '' -f %s` and seal it again with fieldcard",
				  path, (int)(cl > 32 ? 32 : cl), (const char *)cipher, path);
	if (nkeys != 1)
		return fc_err_set(err, FC_EINVALID, "%s: holds %u keys, expected one", path,
				  (unsigned)nkeys);
	if (get_string(&r, &pub, &publ) < 0 || get_string(&r, &priv, &privl) < 0)
		goto bad;
	if (publ > 4 + 7 && memcmp(pub + 4, "ssh-", 4) == 0 &&
	    parse_pubkey_blob(pub, publ, pub_pk) < 0)
		return fc_err_set(err, FC_EINVALID,
				  "%s: not an Ed25519 key; fieldcard signs with ssh-ed25519 keys only "
				  "(ssh-keygen -t ed25519)", path);
	if (parse_pubkey_blob(pub, publ, pub_pk) < 0)
		goto bad;
	pr.p = priv;
	pr.n = privl;
	if (get_u32(&pr, &c1) < 0 || get_u32(&pr, &c2) < 0 || c1 != c2)
		goto bad;
	if (get_string(&pr, &t, &tl) < 0 || !str_is(t, tl, KEY_TYPE) ||
	    get_string(&pr, &pk, &pkl) < 0 || pkl != 32 ||
	    get_string(&pr, &sk, &skl) < 0 || skl != 64 ||
	    get_string(&pr, &cm, &cml) < 0)
		goto bad;
	/* The secret key's second half is its public key; all three must agree. */
	if (memcmp(pk, pub_pk, 32) != 0 || memcmp(sk + 32, pk, 32) != 0)
		goto bad;
	for (size_t i = 0; i < pr.n; i++)
		if (pr.p[i] != (unsigned char)(i + 1))
			goto bad;
	memset(out, 0, sizeof(*out));
	memcpy(out->pk, pk, 32);
	memcpy(out->sk, sk, 64);
	out->has_secret = 1;
	if (cml >= sizeof(out->comment))
		cml = sizeof(out->comment) - 1;
	memcpy(out->comment, cm, cml);
	out->comment[cml] = '\0';
	return FC_OK;
bad:
	return fc_err_set(err, FC_EINVALID, "%s: not a valid OpenSSH Ed25519 private key", path);
}

/* Sealed key: magic ‖ string "argon2id13" ‖ uint32 opslimit ‖ uint32 memlimit
 * (KiB) ‖ string salt ‖ string nonce ‖ string secretbox(openssh-key-v1). The
 * parameters travel with the key so stronger ones can be chosen later. */
static int seal(const fc_buf *plain, const char *passphrase, fc_buf *out, fc_err *err)
{
	unsigned char salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
	unsigned char key[crypto_secretbox_KEYBYTES];
	unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	size_t clen = plain->len + crypto_secretbox_MACBYTES;
	unsigned char *c;

	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	if (crypto_pwhash(key, sizeof(key), passphrase, strlen(passphrase), salt, ops, mem,
			  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return fc_err_set(err, FC_ERROR, "not enough memory to derive the key from the passphrase");
	c = util_malloc(clen);
	crypto_secretbox_easy(c, (const unsigned char *)plain->data, plain->len, nonce, key);
	sodium_memzero(key, sizeof(key));
	buf_add(out, SEALED_MAGIC, sizeof(SEALED_MAGIC));
	put_cstring(out, "argon2id13");
	put_u32(out, (uint32_t)ops);
	put_u32(out, (uint32_t)(mem / 1024));
	put_string(out, salt, sizeof(salt));
	put_string(out, nonce, sizeof(nonce));
	put_string(out, c, clen);
	free(c);
	return FC_OK;
}

static int unseal(const unsigned char *bin, size_t len, const char *passphrase,
		  const char *path, fc_buf *plain, fc_err *err)
{
	reader r = { bin, len };
	const unsigned char *alg, *salt, *nonce, *c;
	size_t al, sl, nl, cl;
	uint32_t ops, memk;
	unsigned char key[crypto_secretbox_KEYBYTES];
	unsigned char *p;
	int ok;

	if (len < sizeof(SEALED_MAGIC) || memcmp(bin, SEALED_MAGIC, sizeof(SEALED_MAGIC)) != 0)
		goto bad;
	r.p += sizeof(SEALED_MAGIC);
	r.n -= sizeof(SEALED_MAGIC);
	if (get_string(&r, &alg, &al) < 0 || !str_is(alg, al, "argon2id13") ||
	    get_u32(&r, &ops) < 0 || get_u32(&r, &memk) < 0 ||
	    get_string(&r, &salt, &sl) < 0 || sl != crypto_pwhash_SALTBYTES ||
	    get_string(&r, &nonce, &nl) < 0 || nl != crypto_secretbox_NONCEBYTES ||
	    get_string(&r, &c, &cl) < 0 || cl < crypto_secretbox_MACBYTES)
		goto bad;
	if (ops < crypto_pwhash_OPSLIMIT_MIN || memk < crypto_pwhash_MEMLIMIT_MIN / 1024)
		goto bad;
	/* We seal with Argon2id's interactive cost (2 passes, 64 MiB). A file
	 * asking for far more would have this program allocate gigabytes or
	 * run for hours before it can say the passphrase is wrong (fuzz_keyfile
	 * found 4 GiB taken on trust): at most 4 passes and 256 MiB. */
	if (ops > crypto_pwhash_OPSLIMIT_SENSITIVE || memk > crypto_pwhash_MEMLIMIT_MODERATE / 1024)
		return fc_err_set(err, FC_EINVALID,
				  "%s: the sealed key asks for %u passes over %u MiB to open it, more "
				  "than fieldcard ever uses (at most %u passes, %u MiB): the file is "
				  "damaged or was not sealed by fieldcard",
				  path, (unsigned)ops, (unsigned)(memk / 1024),
				  (unsigned)crypto_pwhash_OPSLIMIT_SENSITIVE,
				  (unsigned)(crypto_pwhash_MEMLIMIT_MODERATE >> 20));
	if (crypto_pwhash(key, sizeof(key), passphrase, strlen(passphrase), salt, ops,
			  (size_t)memk * 1024, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return fc_err_set(err, FC_ERROR, "%s: not enough memory to derive the key from the passphrase",
				  path);
	p = util_malloc(cl);
	ok = crypto_secretbox_open_easy(p, c, cl, nonce, key) == 0;
	sodium_memzero(key, sizeof(key));
	if (ok)
		buf_add(plain, p, cl - crypto_secretbox_MACBYTES);
	sodium_memzero(p, cl);
	free(p);
	if (!ok)
		return fc_err_set(err, FC_EINVALID, "%s: wrong passphrase (or the key file is damaged)",
				  path);
	return FC_OK;
bad:
	return fc_err_set(err, FC_EINVALID, "%s: not a valid fieldcard sealed key", path);
}

int sig_key_save(const sig_key *k, const char *path, const char *passphrase, fc_err *err)
{
	fc_buf blob = FC_BUF_INIT, sealed = FC_BUF_INIT, text = FC_BUF_INIT, pub = FC_BUF_INIT;
	char *pubpath = NULL;
	int rc = sodium_ready(err);

	if (rc)
		return rc;
	if (!k->has_secret)
		return fc_err_set(err, FC_EINVALID, "%s: no secret key to save", path);
	openssh_blob(k, &blob);
	if (passphrase && *passphrase) {
		rc = seal(&blob, passphrase, &sealed, err);
		if (rc)
			goto cleanup;
		buf_adds(&text, SEALED_NOTE);
		armor(&text, SEALED_BEGIN, SEALED_END, sealed.data, sealed.len, 1);
	} else {
		armor(&text, OPENSSH_BEGIN, OPENSSH_END, blob.data, blob.len, 1);
	}
	rc = util_write_file_atomic(path, text.data, text.len, 0600, err);
	if (rc)
		goto cleanup;
	sig_pubkey_line(k, &pub);
	buf_addc(&pub, '\n');
	pubpath = util_asprintf("%s.pub", path);
	rc = util_write_file_atomic(pubpath, pub.data, pub.len, 0644, err);
cleanup:
	buf_wipe(&blob);
	buf_free(&sealed);
	buf_wipe(&text);
	buf_free(&pub);
	free(pubpath);
	return rc;
}

int sig_key_load(const char *path, const char *passphrase, sig_key *out, fc_err *err)
{
	fc_buf bin = FC_BUF_INIT, plain = FC_BUF_INIT;
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int rc = sodium_ready(err);

	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	if (stat(path, &st) < 0)
		return fc_err_set(err, errno == ENOENT ? FC_ENOTFOUND : FC_ERROR, "%s: %s", path,
				  strerror(errno));
	/* Like ssh: a signing key others can read is no longer only ours. */
	if (st.st_mode & 077)
		return fc_err_set(err, FC_EINVALID,
				  "%s: permissions %04o are too open: the private key must be "
				  "readable by its owner only (chmod 600 %s)",
				  path, (unsigned)(st.st_mode & 07777), path);
	rc = util_read_file(path, &text, &len, err);
	if (rc)
		return rc;
	if (memmem(text, len, SEALED_BEGIN, strlen(SEALED_BEGIN))) {
		if (!passphrase || !*passphrase) {
			rc = fc_err_set(err, FC_EINVALID,
					"%s: the key is sealed with a passphrase; give the passphrase",
					path);
			goto cleanup;
		}
		if (dearmor(text, len, SEALED_BEGIN, SEALED_END, &bin) < 0) {
			rc = fc_err_set(err, FC_EINVALID, "%s: damaged sealed key (bad armor)", path);
			goto cleanup;
		}
		rc = unseal((const unsigned char *)bin.data, bin.len, passphrase, path, &plain, err);
		if (rc)
			goto cleanup;
		rc = parse_openssh_blob((const unsigned char *)plain.data, plain.len, path, out, err);
	} else if (memmem(text, len, OPENSSH_BEGIN, strlen(OPENSSH_BEGIN))) {
		if (dearmor(text, len, OPENSSH_BEGIN, OPENSSH_END, &bin) < 0) {
			rc = fc_err_set(err, FC_EINVALID, "%s: damaged OpenSSH private key (bad armor)",
					path);
			goto cleanup;
		}
		rc = parse_openssh_blob((const unsigned char *)bin.data, bin.len, path, out, err);
	} else {
		rc = fc_err_set(err, FC_EINVALID,
				"%s: not a private key (expected an OpenSSH Ed25519 key or a "
				"fieldcard sealed key)", path);
	}
cleanup:
	if (text) {
		sodium_memzero(text, len);
		free(text);
	}
	buf_wipe(&bin);
	buf_wipe(&plain);
	return rc;
}

/* ---- SSHSIG (OpenSSH PROTOCOL.sshsig) ---- */

/* What the Ed25519 signature covers: "SSHSIG" ‖ string ns ‖ string reserved
 * ‖ string hashalg ‖ string H(message). */
static int signed_data(fc_buf *out, const char *ns, const char *hashalg,
		       const void *data, size_t len)
{
	unsigned char h[crypto_hash_sha512_BYTES];
	size_t hl;

	if (strcmp(hashalg, "sha512") == 0) {
		crypto_hash_sha512(h, data, len);
		hl = crypto_hash_sha512_BYTES;
	} else if (strcmp(hashalg, "sha256") == 0) {
		crypto_hash_sha256(h, data, len);
		hl = crypto_hash_sha256_BYTES;
	} else {
		return -1;
	}
	buf_add(out, SIG_MAGIC, strlen(SIG_MAGIC));
	put_cstring(out, ns);
	put_string(out, "", 0);
	put_cstring(out, hashalg);
	put_string(out, h, hl);
	return 0;
}

int sig_sign(const sig_key *k, const char *ns, const void *data, size_t len,
	     fc_buf *armored, fc_err *err)
{
	fc_buf msg = FC_BUF_INIT, blob = FC_BUF_INIT, pk = FC_BUF_INIT, sb = FC_BUF_INIT;
	unsigned char sig[crypto_sign_BYTES];
	int rc = sodium_ready(err);

	if (rc)
		return rc;
	if (!k->has_secret)
		return fc_err_set(err, FC_EINVALID, "cannot sign: the key has no secret part");
	signed_data(&msg, ns, "sha512", data, len);
	crypto_sign_detached(sig, NULL, (const unsigned char *)msg.data, msg.len, k->sk);

	buf_add(&blob, SIG_MAGIC, strlen(SIG_MAGIC));
	put_u32(&blob, 1);
	pubkey_blob(&pk, k->pk);
	put_string(&blob, pk.data, pk.len);
	put_cstring(&blob, ns);
	put_string(&blob, "", 0);
	put_cstring(&blob, "sha512");
	put_cstring(&sb, KEY_TYPE);
	put_string(&sb, sig, sizeof(sig));
	put_string(&blob, sb.data, sb.len);
	armor(armored, SIG_BEGIN, SIG_END, blob.data, blob.len, 0);
	buf_free(&msg);
	buf_free(&blob);
	buf_free(&pk);
	buf_free(&sb);
	return FC_OK;
}

int sig_verify(const char *armored, size_t armored_len, const char *ns,
	       const void *data, size_t len, unsigned char pk_out[32], fc_err *err)
{
	fc_buf bin = FC_BUF_INIT, msg = FC_BUF_INIT;
	reader r, sr;
	const unsigned char *pkb, *nsb, *res, *alg, *sigb, *t, *s;
	size_t pkl, nsl, resl, algl, sigl, tl, sl;
	uint32_t version;
	unsigned char pk[32];
	char hashalg[16];
	int rc = sodium_ready(err);

	if (rc)
		return rc;
	if (dearmor(armored, armored_len, SIG_BEGIN, SIG_END, &bin) < 0) {
		rc = fc_err_set(err, FC_ECONFLICT, "malformed signature (not an armored SSH signature)");
		goto cleanup;
	}
	r.p = (const unsigned char *)bin.data;
	r.n = bin.len;
	if (r.n < 6 || memcmp(r.p, SIG_MAGIC, 6) != 0) {
		rc = fc_err_set(err, FC_ECONFLICT, "malformed signature (no SSHSIG preamble)");
		goto cleanup;
	}
	r.p += 6;
	r.n -= 6;
	if (get_u32(&r, &version) < 0 || get_string(&r, &pkb, &pkl) < 0 ||
	    get_string(&r, &nsb, &nsl) < 0 || get_string(&r, &res, &resl) < 0 ||
	    get_string(&r, &alg, &algl) < 0 || get_string(&r, &sigb, &sigl) < 0) {
		rc = fc_err_set(err, FC_ECONFLICT, "malformed signature (truncated)");
		goto cleanup;
	}
	if (version != 1) {
		rc = fc_err_set(err, FC_ECONFLICT, "unsupported signature version %u", (unsigned)version);
		goto cleanup;
	}
	if (parse_pubkey_blob(pkb, pkl, pk) < 0) {
		rc = fc_err_set(err, FC_ECONFLICT, "signature made with a key that is not ssh-ed25519");
		goto cleanup;
	}
	if (!str_is(nsb, nsl, ns)) {
		rc = fc_err_set(err, FC_ECONFLICT, "signature is for namespace '%.*s', expected '%s'",
				(int)(nsl > 64 ? 64 : nsl), (const char *)nsb, ns);
		goto cleanup;
	}
	if (algl >= sizeof(hashalg)) {
		rc = fc_err_set(err, FC_ECONFLICT, "unsupported signature hash algorithm");
		goto cleanup;
	}
	memcpy(hashalg, alg, algl);
	hashalg[algl] = '\0';
	sr.p = sigb;
	sr.n = sigl;
	if (get_string(&sr, &t, &tl) < 0 || !str_is(t, tl, KEY_TYPE) ||
	    get_string(&sr, &s, &sl) < 0 || sl != crypto_sign_BYTES) {
		rc = fc_err_set(err, FC_ECONFLICT, "malformed signature (bad ssh-ed25519 signature blob)");
		goto cleanup;
	}
	(void)res;
	(void)resl; /* reserved: signers leave it empty, verifiers ignore it */
	if (signed_data(&msg, ns, hashalg, data, len) < 0) {
		rc = fc_err_set(err, FC_ECONFLICT, "unsupported signature hash algorithm '%s'", hashalg);
		goto cleanup;
	}
	if (crypto_sign_verify_detached(s, (const unsigned char *)msg.data, msg.len, pk) != 0) {
		rc = fc_err_set(err, FC_ECONFLICT, "bad signature: the data does not match it");
		goto cleanup;
	}
	if (pk_out)
		memcpy(pk_out, pk, 32);
	rc = FC_OK;
cleanup:
	buf_free(&bin);
	buf_free(&msg);
	return rc;
}

/* ---- allowed_signers ---- */

/* The number in the w decimal digits at s. */
static int digits(const char *s, int w)
{
	int v = 0;

	for (int i = 0; i < w; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* YYYYMMDD[HHMM[SS]][Z] as ssh-keygen reads it: local time unless Z. */
static int parse_time(const char *s, long long *out)
{
	struct tm tm;
	size_t n = strlen(s);
	int utc = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (n > 0 && (s[n - 1] == 'Z' || s[n - 1] == 'z')) {
		utc = 1;
		n--;
	}
	if (n != 8 && n != 12 && n != 14)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	tm.tm_year = digits(s + 0, 4) - 1900;
	tm.tm_mon = digits(s + 4, 2) - 1;
	tm.tm_mday = digits(s + 6, 2);
	if (n >= 12) {
		tm.tm_hour = digits(s + 8, 2);
		tm.tm_min = digits(s + 10, 2);
	}
	if (n == 14)
		tm.tm_sec = digits(s + 12, 2);
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_isdst = -1;
	t = utc ? timegm(&tm) : mktime(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = (long long)t;
	return 0;
}

/* Does the comma-separated pattern list (ssh wildcards * and ?) allow ns? */
static int glob_match(const char *p, size_t pl, const char *s)
{
	if (pl == 0)
		return *s == '\0';
	if (*p == '*') {
		for (;; s++) {
			if (glob_match(p + 1, pl - 1, s))
				return 1;
			if (!*s)
				return 0;
		}
	}
	if (!*s)
		return 0;
	if (*p == '?' || *p == *s)
		return glob_match(p + 1, pl - 1, s + 1);
	return 0;
}

static int namespaces_allow(const char *list, const char *ns)
{
	const char *p = list;

	while (*p) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (glob_match(p, l, ns))
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* Split the next whitespace-separated token; quotes keep spaces (options may
 * hold namespaces="a, b"). Returns NULL at the end of the line. */
static char *next_token(char **pp)
{
	char *p = *pp, *start;
	int q = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return NULL;
	start = p;
	for (; *p; p++) {
		if (*p == '"')
			q = !q;
		else if (!q && (*p == ' ' || *p == '\t'))
			break;
	}
	if (*p)
		*p++ = '\0';
	*pp = p;
	return start;
}

/* Parse "opt,opt=\"v\",..." into the signer's window; *skip set when the
 * namespaces option leaves "git" out. */
static int parse_options(char *opts, const char *where, int line, long long *after,
			 long long *before, int *skip, fc_err *err)
{
	char *p = opts;

	while (*p) {
		char *name = p, *val = NULL, *end;
		int q = 0;

		for (end = p; *end && (q || *end != ','); end++)
			if (*end == '"')
				q = !q;
		if (q)
			return fc_err_set(err, FC_EINVALID, "%s:%d: unterminated quote in options",
					  where, line);
		p = *end ? end + 1 : end;
		*end = '\0';
		if ((val = strchr(name, '=')) != NULL) {
			size_t vl;

			*val++ = '\0';
			vl = strlen(val);
			if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
				val[vl - 1] = '\0';
				val++;
			}
		}
		if (strcasecmp(name, "cert-authority") == 0)
			return fc_err_set(err, FC_EINVALID,
					  "%s:%d: cert-authority is not supported: list each "
					  "device's own key", where, line);
		if (strcasecmp(name, "namespaces") == 0 && val) {
			if (!namespaces_allow(val, "git"))
				*skip = 1;
		} else if ((strcasecmp(name, "valid-after") == 0 ||
			    strcasecmp(name, "valid-before") == 0) && val) {
			long long t;

			if (parse_time(val, &t) < 0)
				return fc_err_set(err, FC_EINVALID,
						  "%s:%d: %s=\"%s\": expected a time as "
						  "YYYYMMDD[HHMM[SS]]", where, line, name, val);
			if (strcasecmp(name, "valid-after") == 0)
				*after = t;
			else
				*before = t;
		} else {
			return fc_err_set(err, FC_EINVALID, "%s:%d: unknown option '%s'", where,
					  line, name);
		}
	}
	return FC_OK;
}

int sig_signers_parse(const char *text, size_t len, const char *where,
		      sig_signers *out, fc_err *err)
{
	char *copy = util_strndup(text, len), *p = copy;
	size_t cap = 0;
	int line = 0, rc = FC_OK;

	out->v = NULL;
	out->n = 0;
	if (!where)
		where = "allowed_signers";
	while (p) {
		char *nl = strchr(p, '\n'), *cur, *principals, *tok, *opts = NULL;
		long long after = 0, before = 0;
		unsigned char pk[32];
		int skip = 0;
		char **names;

		if (nl)
			*nl = '\0';
		cur = p;
		p = nl ? nl + 1 : NULL;
		line++;
		if (strlen(cur) && cur[strlen(cur) - 1] == '\r')
			cur[strlen(cur) - 1] = '\0';
		while (*cur == ' ' || *cur == '\t')
			cur++;
		if (!*cur || *cur == '#')
			continue;
		principals = next_token(&cur);
		tok = next_token(&cur);
		if (!tok) {
			rc = fc_err_set(err, FC_EINVALID, "%s:%d: missing key after principals '%s'",
					where, line, principals);
			goto fail;
		}
		/* Options, when present, come before the key type. */
		if (strncmp(tok, "ssh-", 4) != 0 && strncmp(tok, "ecdsa-", 6) != 0 &&
		    strncmp(tok, "sk-", 3) != 0) {
			opts = tok;
			tok = next_token(&cur);
			if (!tok) {
				rc = fc_err_set(err, FC_EINVALID, "%s:%d: missing key after options",
						where, line);
				goto fail;
			}
		}
		if (opts) {
			rc = parse_options(opts, where, line, &after, &before, &skip, err);
			if (rc)
				goto fail;
		}
		if (strcmp(tok, KEY_TYPE) != 0) {
			rc = fc_err_set(err, FC_EINVALID,
					"%s:%d: key type '%s' is not supported: only ssh-ed25519",
					where, line, tok);
			goto fail;
		}
		{
			char *b64 = next_token(&cur);
			char *kl = util_asprintf("%s %s", KEY_TYPE, b64 ? b64 : "");

			rc = sig_pubkey_parse(kl, pk, err);
			free(kl);
			if (rc) {
				fc_err_prefix(err, "%s:%d: ", where, line);
				goto fail;
			}
		}
		if (skip) /* not a signer for commits (namespace "git") */
			continue;
		names = util_split(principals, ',');
		for (size_t i = 0; names[i]; i++) {
			sig_signer *s;

			if (!names[i][0])
				continue;
			if (out->n == cap) {
				cap = cap ? cap * 2 : 8;
				out->v = util_realloc(out->v, cap * sizeof(*out->v));
			}
			s = &out->v[out->n++];
			memset(s, 0, sizeof(*s));
			s->principal = util_strdup(names[i]);
			memcpy(s->pk, pk, 32);
			s->valid_after = after;
			s->valid_before = before;
			s->line = line;
		}
		util_strv_free(names);
	}
	free(copy);
	return FC_OK;
fail:
	free(copy);
	sig_signers_free(out);
	return rc;
}

void sig_signers_free(sig_signers *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].principal);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

const sig_signer *sig_signers_find(const sig_signers *s, const unsigned char pk[32],
				   long long t, const char **why)
{
	const char *reason = NULL;

	for (size_t i = 0; i < s->n; i++) {
		const sig_signer *x = &s->v[i];

		if (memcmp(x->pk, pk, 32) != 0)
			continue;
		if (x->revoked) {
			reason = "key is revoked";
			continue;
		}
		/* Same bounds as ssh-keygen: valid from valid-after up to and
		 * including valid-before. */
		if (t && x->valid_after && t < x->valid_after) {
			reason = "key not valid at that time (before its valid-after)";
			continue;
		}
		if (t && x->valid_before && t > x->valid_before) {
			reason = "key not valid at that time (after its valid-before)";
			continue;
		}
		return x;
	}
	if (why)
		*why = reason;
	return NULL;
}
