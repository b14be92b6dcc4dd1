/* test_sig.c — unit tests for sig: keys in OpenSSH format, sealed keys,
 * SSHSIG signatures and the allowed_signers file.
 *
 * Called with arguments it is a small driver for tests/integration/signing.sh
 * (the stock ssh-keygen checks):
 *   test_sig --keygen PATH COMMENT          write a key pair (PATH, PATH.pub)
 *   test_sig --sign KEY NS < DATA            print our armored signature
 *   test_sig --verify SIGFILE NS < DATA      verify; print the signer's key line
 *   test_sig --fingerprint PUBFILE           print SHA256:... */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fieldcard/buf.h"
#include "fieldcard/err.h"
#include "fieldcard/sig.h"
#include "fieldcard/util.h"

static char tmpdir[] = "/tmp/fc-test-sig.XXXXXX";

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

static char *tmp_path(const char *name)
{
	return util_asprintf("%s/%s", tmpdir, name);
}

static void test_sig__key_roundtrip_openssh(void **state)
{
	sig_key k, l;
	fc_err e;
	char *path = tmp_path("id_plain"), *pub = tmp_path("id_plain.pub");
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	fc_buf line = FC_BUF_INIT;

	(void)state;
	assert_int_equal(sig_keygen(&k, "cadre@village", &e), 0);
	assert_int_equal(sig_key_save(&k, path, NULL, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(pub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	assert_int_equal(util_read_file(path, &text, &len, &e), 0);
	assert_non_null(strstr(text, "-----BEGIN OPENSSH PRIVATE KEY-----\n"));
	assert_non_null(strstr(text, "-----END OPENSSH PRIVATE KEY-----\n"));
	for (char *p = text; (p = strchr(p, '\n')) != NULL && p[1]; p++)
		assert_true(strcspn(p + 1, "\n") <= 70);
	free(text);

	assert_int_equal(sig_key_load(path, NULL, &l, &e), 0);
	assert_memory_equal(l.pk, k.pk, 32);
	assert_memory_equal(l.sk, k.sk, 64);
	assert_true(l.has_secret);
	assert_string_equal(l.comment, "cadre@village");

	/* The .pub file is our public line plus a newline. */
	assert_int_equal(util_read_file(pub, &text, &len, &e), 0);
	sig_pubkey_line(&k, &line);
	buf_addc(&line, '\n');
	assert_string_equal(text, line.data);
	assert_true(strncmp(text, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA", 36) == 0);
	free(text);

	sig_key_wipe(&l);
	assert_false(l.has_secret);
	buf_free(&line);
	free(path);
	free(pub);
}

static void test_sig__key_refused_when_others_can_read(void **state)
{
	sig_key k, l;
	fc_err e;
	char *path = tmp_path("id_open");

	(void)state;
	assert_int_equal(sig_keygen(&k, "x", &e), 0);
	assert_int_equal(sig_key_save(&k, path, NULL, &e), 0);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(sig_key_load(path, NULL, &l, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "too open"));
	assert_non_null(strstr(e.msg, "chmod 600"));
	assert_non_null(strstr(e.msg, path));
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(sig_key_load(path, NULL, &l, &e), FC_EINVALID);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(sig_key_load(path, NULL, &l, &e), 0);
	free(path);
}

static void test_sig__key_sealed_with_passphrase(void **state)
{
	sig_key k, l;
	fc_err e;
	char *path = tmp_path("id_sealed"), *text = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(sig_keygen(&k, "secretary", &e), 0);
	assert_int_equal(sig_key_save(&k, path, "村里的口令 pass", &e), 0);
	assert_int_equal(util_read_file(path, &text, &len, &e), 0);
	assert_non_null(strstr(text, "-----BEGIN FIELDCARD SEALED KEY-----"));
	assert_non_null(strstr(text, "Argon2id"));
	assert_null(strstr(text, "OPENSSH PRIVATE KEY"));
	free(text);

	assert_int_equal(sig_key_load(path, "村里的口令 pass", &l, &e), 0);
	assert_memory_equal(l.sk, k.sk, 64);
	assert_string_equal(l.comment, "secretary");

	assert_int_equal(sig_key_load(path, "wrong", &l, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "wrong passphrase"));
	assert_false(l.has_secret);
	assert_int_equal(sig_key_load(path, NULL, &l, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "sealed with a passphrase"));
	free(path);
}

static void test_sig__key_load_errors(void **state)
{
	sig_key l;
	fc_err e;
	char *path = tmp_path("garbage"), *missing = tmp_path("missing");

	(void)state;
	assert_int_equal(util_write_file_atomic(path, "hello\n", 6, 0600, &e), 0);
	assert_int_equal(sig_key_load(path, NULL, &l, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "not a private key"));
	assert_int_equal(sig_key_load(missing, NULL, &l, &e), FC_ENOTFOUND);
	free(path);
	free(missing);
}

static void test_sig__sign_and_verify(void **state)
{
	sig_key k, other;
	fc_err e;
	fc_buf sig = FC_BUF_INIT;
	unsigned char pk[32];
	const char *msg = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nhello\n";
	char *tampered;

	(void)state;
	assert_int_equal(sig_keygen(&k, "a", &e), 0);
	assert_int_equal(sig_keygen(&other, "b", &e), 0);
	assert_int_equal(sig_sign(&k, "git", msg, strlen(msg), &sig, &e), 0);
	assert_true(strncmp(sig.data, "-----BEGIN SSH SIGNATURE-----\n", 30) == 0);
	assert_true(sig.len > 28);
	assert_string_equal(sig.data + sig.len - 27, "-----END SSH SIGNATURE-----");

	memset(pk, 0, sizeof(pk));
	assert_int_equal(sig_verify(sig.data, sig.len, "git", msg, strlen(msg), pk, &e), 0);
	assert_memory_equal(pk, k.pk, 32);

	/* One changed byte of the data. */
	tampered = util_strdup(msg);
	tampered[strlen(tampered) - 2] = 'O';
	assert_int_equal(sig_verify(sig.data, sig.len, "git", tampered, strlen(tampered), pk, &e),
			 FC_ECONFLICT);
	assert_non_null(strstr(e.msg, "bad signature"));
	free(tampered);

	/* Another namespace. */
	assert_int_equal(sig_verify(sig.data, sig.len, "file", msg, strlen(msg), pk, &e),
			 FC_ECONFLICT);
	assert_non_null(strstr(e.msg, "namespace"));

	/* A signature byte flipped inside the armor. */
	{
		fc_buf bad = FC_BUF_INIT;
		size_t at = sig.len - 40;

		buf_add(&bad, sig.data, sig.len);
		bad.data[at] = bad.data[at] == 'A' ? 'B' : 'A';
		assert_int_equal(sig_verify(bad.data, bad.len, "git", msg, strlen(msg), pk, &e),
				 FC_ECONFLICT);
		buf_free(&bad);
	}
	assert_int_equal(sig_verify("nonsense", 8, "git", msg, strlen(msg), pk, &e), FC_ECONFLICT);
	assert_non_null(strstr(e.msg, "malformed"));
	buf_free(&sig);
}

static void test_sig__pubkey_and_fingerprint(void **state)
{
	/* A key and fingerprint as ssh-keygen -l -f prints them. */
	const char *line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAddRWpmraTmvg4YEl6Mw6BosDZov+2/nDbkfLk1M2a0 test";
	unsigned char pk[32];
	fc_buf fp = FC_BUF_INIT;
	fc_err e;

	(void)state;
	assert_int_equal(sig_pubkey_parse(line, pk, &e), 0);
	sig_fingerprint(pk, &fp);
	assert_string_equal(fp.data, "SHA256:G0eVQROY9lRl1CqQxpTCGmt01yiM2dBi2ArGIMrcs/E");
	assert_int_equal(sig_pubkey_parse("ssh-rsa AAAAB3NzaC1yc2E x", pk, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "ssh-rsa"));
	assert_int_equal(sig_pubkey_parse("ssh-ed25519 AAAA!!", pk, &e), FC_EINVALID);
	assert_int_equal(sig_pubkey_parse("ssh-ed25519", pk, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "malformed"));
	buf_free(&fp);
}

static void test_sig__signers_parse(void **state)
{
	sig_key a, b;
	fc_buf t = FC_BUF_INIT, la = FC_BUF_INIT, lb = FC_BUF_INIT;
	sig_signers s;
	const sig_signer *f;
	const char *why = NULL;
	fc_err e;

	(void)state;
	setenv("TZ", "UTC", 1);
	assert_int_equal(sig_keygen(&a, "", &e), 0);
	assert_int_equal(sig_keygen(&b, "", &e), 0);
	sig_pubkey_line(&a, &la);
	sig_pubkey_line(&b, &lb);
	buf_printf(&t, "# county roster\n\n");
	buf_printf(&t, "zhang,li namespaces=\"git\" %s cadre laptop\n", la.data);
	buf_printf(&t, "  wang valid-after=\"20260101\",valid-before=\"202612311200\" %s\r\n", lb.data);
	buf_printf(&t, "files namespaces=\"file\" %s\n", lb.data);
	assert_int_equal(sig_signers_parse(t.data, t.len, "keys/allowed_signers", &s, &e), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.v[0].principal, "zhang");
	assert_string_equal(s.v[1].principal, "li");
	assert_int_equal(s.v[0].line, 3);
	assert_string_equal(s.v[2].principal, "wang");
	assert_int_equal(s.v[2].line, 4);
	assert_int_equal(s.v[2].valid_after, 1767225600LL);  /* 2026-01-01T00:00Z */
	assert_int_equal(s.v[2].valid_before, 1798718400LL); /* 2026-12-31T12:00Z */

	f = sig_signers_find(&s, a.pk, 0, NULL);
	assert_non_null(f);
	assert_string_equal(f->principal, "zhang");
	f = sig_signers_find(&s, b.pk, 1780000000LL, &why);
	assert_non_null(f);
	assert_string_equal(f->principal, "wang");
	assert_null(sig_signers_find(&s, b.pk, 1700000000LL, &why));
	assert_non_null(strstr(why, "valid-after"));
	assert_null(sig_signers_find(&s, b.pk, 1800000000LL, &why));
	assert_non_null(strstr(why, "valid-before"));
	s.v[0].revoked = 1;
	f = sig_signers_find(&s, a.pk, 0, &why);
	assert_non_null(f);                      /* "li" holds the same key */
	assert_string_equal(f->principal, "li");
	s.v[1].revoked = 1;
	assert_null(sig_signers_find(&s, a.pk, 0, &why));
	assert_string_equal(why, "key is revoked");
	{
		sig_key c;
		assert_int_equal(sig_keygen(&c, "", &e), 0);
		why = "x";
		assert_null(sig_signers_find(&s, c.pk, 0, &why));
		assert_null(why);
	}
	sig_signers_free(&s);
	assert_int_equal(s.n, 0);
	buf_free(&t);
	buf_free(&la);
	buf_free(&lb);
}

static void test_sig__signers_errors_name_the_line(void **state)
{
	sig_key a;
	fc_buf la = FC_BUF_INIT, t = FC_BUF_INIT;
	sig_signers s;
	fc_err e;

	(void)state;
	assert_int_equal(sig_keygen(&a, "", &e), 0);
	sig_pubkey_line(&a, &la);

	buf_printf(&t, "# ok\nzhang %s\nca cert-authority %s\n", la.data, la.data);
	assert_int_equal(sig_signers_parse(t.data, t.len, "keys/allowed_signers", &s, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "keys/allowed_signers:3:"));
	assert_non_null(strstr(e.msg, "cert-authority"));
	assert_int_equal(s.n, 0);

	buf_reset(&t);
	buf_printf(&t, "zhang valid-after=\"2026-01-01\" %s\n", la.data);
	assert_int_equal(sig_signers_parse(t.data, t.len, "as", &s, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "as:1:"));
	assert_non_null(strstr(e.msg, "YYYYMMDD"));

	buf_reset(&t);
	buf_printf(&t, "\n\nzhang ssh-rsa AAAAB3NzaC1yc2E\n");
	assert_int_equal(sig_signers_parse(t.data, t.len, "as", &s, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "as:3:"));
	assert_non_null(strstr(e.msg, "ssh-rsa"));

	buf_reset(&t);
	buf_printf(&t, "zhang\n");
	assert_int_equal(sig_signers_parse(t.data, t.len, "as", &s, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "as:1: missing key"));

	buf_reset(&t);
	buf_printf(&t, "zhang ssh-ed25519 AAAAnotbase64!\n");
	assert_int_equal(sig_signers_parse(t.data, t.len, "as", &s, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "as:1: malformed"));

	buf_reset(&t);
	buf_printf(&t, "zhang bogus=\"1\" %s\n", la.data);
	assert_int_equal(sig_signers_parse(t.data, t.len, "as", &s, &e), FC_EINVALID);
	assert_non_null(strstr(e.msg, "unknown option 'bogus'"));
	buf_free(&t);
	buf_free(&la);
}

/* ---- driver for tests/integration/signing.sh ---- */

static int read_stdin(fc_buf *b)
{
	char chunk[4096];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		buf_add(b, chunk, n);
	return ferror(stdin) ? -1 : 0;
}

static int driver(int argc, char **argv)
{
	fc_err e = { 0, "" };
	fc_buf in = FC_BUF_INIT, out = FC_BUF_INIT;
	sig_key k;
	int rc = FC_EUSAGE;

	if (argc == 4 && strcmp(argv[1], "--keygen") == 0) {
		rc = sig_keygen(&k, argv[3], &e);
		if (!rc)
			rc = sig_key_save(&k, argv[2], getenv("FC_PASSPHRASE"), &e);
	} else if (argc == 4 && strcmp(argv[1], "--sign") == 0) {
		rc = sig_key_load(argv[2], getenv("FC_PASSPHRASE"), &k, &e);
		if (!rc && read_stdin(&in) < 0)
			rc = fc_err_set(&e, FC_ERROR, "reading stdin failed");
		if (!rc)
			rc = sig_sign(&k, argv[3], in.data ? in.data : "", in.len, &out, &e);
		if (!rc)
			printf("%s\n", out.data);
	} else if (argc == 4 && strcmp(argv[1], "--verify") == 0) {
		char *s = NULL;
		size_t sl = 0;

		rc = util_read_file(argv[2], &s, &sl, &e);
		if (!rc && read_stdin(&in) < 0)
			rc = fc_err_set(&e, FC_ERROR, "reading stdin failed");
		if (!rc)
			rc = sig_verify(s, sl, argv[3], in.data ? in.data : "", in.len, k.pk, &e);
		if (!rc) {
			k.comment[0] = '\0';
			sig_pubkey_line(&k, &out);
			printf("%s\n", out.data);
		}
		free(s);
	} else if (argc == 3 && strcmp(argv[1], "--fingerprint") == 0) {
		char *s = NULL;
		size_t sl = 0;

		rc = util_read_file(argv[2], &s, &sl, &e);
		if (!rc)
			rc = sig_pubkey_parse(s, k.pk, &e);
		if (!rc) {
			sig_fingerprint(k.pk, &out);
			printf("%s\n", out.data);
		}
		free(s);
	} else {
		fc_err_set(&e, FC_EUSAGE, "usage: test_sig [--keygen PATH COMMENT | --sign KEY NS | "
			   "--verify SIGFILE NS | --fingerprint PUBFILE]");
	}
	if (rc)
		fprintf(stderr, "test_sig: %s\n", e.msg);
	buf_free(&in);
	buf_free(&out);
	return fc_err_exit_code(rc);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig__key_roundtrip_openssh),
		cmocka_unit_test(test_sig__key_refused_when_others_can_read),
		cmocka_unit_test(test_sig__key_sealed_with_passphrase),
		cmocka_unit_test(test_sig__key_load_errors),
		cmocka_unit_test(test_sig__sign_and_verify),
		cmocka_unit_test(test_sig__pubkey_and_fingerprint),
		cmocka_unit_test(test_sig__signers_parse),
		cmocka_unit_test(test_sig__signers_errors_name_the_line),
	};

	if (argc > 1)
		return driver(argc, argv);
	return cmocka_run_group_tests(tests, setup, teardown);
}
