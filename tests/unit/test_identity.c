/* test_identity.c — unit tests for the identity module (sync/identity.c):
 * the one passphrase rule, a data directory made and opened (keys,
 * settings, the checks of role and remote), and the one keys/roster
 * parser, which honours "revoked" in both of its spellings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fieldcard/identity.h"
#include "fieldcard/util.h"

typedef struct fixture {
	char dir[64];
	char *data;   /* dir/data: the data directory */
} fixture;

#define OK(call) do { fc_err e_; fc_err_clear(&e_); \
	int rc_ = (call); if (rc_) fail_msg("%s: %d %s", #call, rc_, e_.msg); } while (0)
#define ERR (&e_)

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("'%s' not found in '%s'", needle, hay);
}

static int setup(void **state)
{
	fixture *f = util_calloc(1, sizeof(*f));

	unsetenv("FIELDCARD_PASSPHRASE");
	unsetenv("FIELDCARD_PASSPHRASE_FILE");
	if (!getenv("FIELDCARD_FORMS"))
		setenv("FIELDCARD_FORMS", "forms", 1);
	snprintf(f->dir, sizeof(f->dir), "/tmp/fc-identity.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->data = util_asprintf("%s/data", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	char *cmd = util_asprintf("rm -rf '%s'", f->dir);

	unsetenv("FIELDCARD_PASSPHRASE");
	unsetenv("FIELDCARD_PASSPHRASE_FILE");
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(cmd);
	free(f->data);
	free(f);
	return 0;
}

static char *write_file(fixture *f, const char *name, const char *text)
{
	char *path = util_asprintf("%s/%s", f->dir, name);

	OK(util_write_file_atomic(path, text, strlen(text), 0600, ERR));
	return path;
}

static void test_identity__passphrase_rule(void **state)
{
	fixture *f = *state;
	char *given = write_file(f, "given", "村 secret\n");
	char *named = write_file(f, "named", "from the environment's file\r\n");
	char *missing = util_asprintf("%s/none", f->dir);
	char *pass = NULL;
	fc_err err;

	OK(identity_passphrase(NULL, &pass, ERR));
	assert_null(pass);
	setenv("FIELDCARD_PASSPHRASE", "plain", 1);
	OK(identity_passphrase(NULL, &pass, ERR));
	assert_string_equal(pass, "plain");
	identity_passphrase_free(pass);
	setenv("FIELDCARD_PASSPHRASE_FILE", named, 1);
	OK(identity_passphrase(NULL, &pass, ERR));
	assert_string_equal(pass, "from the environment's file");
	identity_passphrase_free(pass);
	/* The file a command was given comes first; its newline is not part. */
	OK(identity_passphrase(given, &pass, ERR));
	assert_string_equal(pass, "村 secret");
	identity_passphrase_free(pass);
	fc_err_clear(&err);
	assert_int_equal(identity_passphrase(missing, &pass, &err), FC_EINVALID);
	assert_null(pass);
	assert_contains(err.msg, missing);
	free(given);
	free(named);
	free(missing);
}

static void init_cadre(fixture *f, const char *passphrase_file, const char *remote)
{
	identity_init_opts o = { "cadre", "cadre-li", "522701105201", remote, "en",
				 passphrase_file };
	fc_buf line = FC_BUF_INIT;

	OK(identity_init_device(f->data, &o, &line, ERR));
	assert_contains(buf_cstr(&line), "cadre-li namespaces=\"git\" ssh-ed25519 ");
	buf_free(&line);
}

static void test_identity__init_then_open(void **state)
{
	fixture *f = *state;
	identity_init_opts again = { "cadre", "cadre-li", "522701105201", NULL, NULL, NULL };
	char *transport = util_asprintf("%s/keys/transport_ed25519", f->data);
	fc_app *a = NULL;
	identity id;
	fc_err err;

	init_cadre(f, NULL, "/srv/county.git");
	assert_true(util_file_exists(transport));
	OK(app_open(f->data, &a, ERR));
	OK(identity_open(a, IDENTITY_KEY | IDENTITY_REMOTE, NULL, &id, ERR));
	assert_string_equal(id.principal, "cadre-li");
	assert_string_equal(id.role, "cadre");
	assert_string_equal(id.remote, "/srv/county.git");
	assert_int_equal(strlen(id.device), 26);
	assert_true(id.key.has_secret);
	assert_ptr_equal(id.who.key, &id.key);
	assert_string_equal(id.who.principal, "cadre-li");
	identity_close(&id);
	/* County work on a cadre's directory is refused, saying why. */
	fc_err_clear(&err);
	assert_int_equal(identity_open(a, IDENTITY_COUNTY, NULL, &id, &err), FC_EINVALID);
	assert_contains(err.msg, "only county staff may do this");
	app_close(a);
	/* A second init changes nothing. */
	fc_err_clear(&err);
	assert_int_equal(identity_init_device(f->data, &again, NULL, &err), FC_EINVALID);
	assert_contains(err.msg, "already holds fieldcard data");
	free(transport);
}

static void test_identity__sealed_key_opens_by_the_rule(void **state)
{
	fixture *f = *state;
	char *passfile = write_file(f, "pass", "村 secret\n");
	char *wrong = write_file(f, "wrong", "not it\n");
	fc_app *a = NULL;
	identity id;
	fc_err err;

	init_cadre(f, passfile, NULL);
	OK(app_open(f->data, &a, ERR));
	/* No passphrase anywhere: the message says where to give one. */
	fc_err_clear(&err);
	assert_int_equal(identity_open(a, IDENTITY_KEY, NULL, &id, &err), FC_EINVALID);
	assert_contains(err.msg, "sealed with a passphrase");
	assert_contains(err.msg, "--passphrase-file");
	assert_contains(err.msg, "FIELDCARD_PASSPHRASE");
	/* No remote set: IDENTITY_REMOTE refuses. */
	fc_err_clear(&err);
	assert_int_equal(identity_open(a, IDENTITY_REMOTE, NULL, &id, &err), FC_EINVALID);
	assert_contains(err.msg, "no county repository");
	fc_err_clear(&err);
	assert_int_equal(identity_open(a, IDENTITY_KEY, wrong, &id, &err), FC_EINVALID);
	assert_contains(err.msg, "wrong passphrase");
	OK(identity_open(a, IDENTITY_KEY, passfile, &id, ERR));
	assert_true(id.key.has_secret);
	identity_close(&id);
	/* The same for a front end with no option: the environment. */
	setenv("FIELDCARD_PASSPHRASE", "村 secret", 1);
	OK(identity_open(a, IDENTITY_KEY, NULL, &id, ERR));
	identity_close(&id);
	app_close(a);
	free(passfile);
	free(wrong);
}

#define ROSTER "# principal\trole\tvillages (* = all)\n" \
	"county-wang\tcounty\t*\n" \
	"cadre-li\tcadre\t522701105201\n" \
	"cadre-b\tcadre\t522701105202\trevoked\n" \
	"cadre-c\trevoked\t522701105203\n" \
	"short\tcadre\n" \
	"cadre-e\tsecretary\t\n"

static void test_identity__roster_honours_revoked(void **state)
{
	identity_principal p;

	(void)state;
	assert_int_equal(identity_roster_parse(ROSTER, strlen(ROSTER), "cadre-li", &p), FC_OK);
	assert_string_equal(p.role, "cadre");
	assert_string_equal(p.villages, "522701105201");
	assert_false(p.revoked);
	assert_int_equal(identity_roster_parse(ROSTER, strlen(ROSTER), "cadre-b", &p), FC_OK);
	assert_true(p.revoked);
	assert_string_equal(p.villages, "522701105202");
	assert_int_equal(identity_roster_parse(ROSTER, strlen(ROSTER), "cadre-c", &p), FC_OK);
	assert_true(p.revoked);
	assert_int_equal(identity_roster_parse(ROSTER, strlen(ROSTER), "county-wang", &p), FC_OK);
	assert_string_equal(p.villages, "*");
	/* An empty villages column is a column, not a shift. */
	assert_int_equal(identity_roster_parse(ROSTER, strlen(ROSTER), "cadre-e", &p), FC_OK);
	assert_string_equal(p.role, "secretary");
	assert_string_equal(p.villages, "");
	assert_int_equal(identity_roster_parse(ROSTER, strlen(ROSTER), "short", &p), FC_ENOTFOUND);
	assert_int_equal(identity_roster_parse(ROSTER, strlen(ROSTER), "# principal", &p),
			 FC_ENOTFOUND);
	assert_int_equal(identity_roster_parse(ROSTER, strlen(ROSTER), "cadre", &p), FC_ENOTFOUND);
	assert_int_equal(identity_roster_parse(NULL, 0, "cadre-li", &p), FC_ENOTFOUND);
}

static void test_identity__roster_put_and_villages(void **state)
{
	fc_buf out = FC_BUF_INIT;
	identity_principal p;
	char **vs;

	(void)state;
	identity_roster_put(ROSTER, "cadre-li", "secretary", "522701105201,522701105209", &out);
	assert_int_equal(identity_roster_parse(out.data, out.len, "cadre-li", &p), FC_OK);
	assert_string_equal(p.role, "secretary");
	assert_non_null(strstr(out.data, "cadre-b\tcadre\t522701105202\trevoked\n"));
	assert_null(strstr(out.data, "cadre-li\tcadre\t"));
	vs = identity_roster_villages(out.data);
	assert_int_equal(util_strv_len(vs), 4);
	assert_string_equal(vs[0], "522701105202");
	assert_string_equal(vs[1], "522701105203");
	assert_string_equal(vs[2], "522701105201");
	assert_string_equal(vs[3], "522701105209");
	util_strv_free(vs);
	buf_free(&out);
}

static void test_identity__roster_from_a_tree(void **state)
{
	fixture *f = *state;
	char *path = util_asprintf("%s/ledger.git", f->dir);
	ledger_change ch = { IDENTITY_ROSTER_PATH, ROSTER, strlen(ROSTER) };
	identity_principal p;
	ledger *l = NULL;
	ledger_oid tree;
	fc_err err;

	OK(ledger_open(path, 1, &l, ERR));
	OK(ledger_tree_update(l, NULL, &ch, 1, &tree, ERR));
	OK(identity_roster_get(l, &tree, "cadre-b", &p, ERR));
	assert_true(p.revoked);
	fc_err_clear(&err);
	assert_int_equal(identity_roster_get(l, &tree, "nobody", &p, &err), FC_ENOTFOUND);
	assert_contains(err.msg, "principal nobody is not in keys/roster");
	ledger_free(l);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity__passphrase_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity__init_then_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity__sealed_key_opens_by_the_rule, setup,
						teardown),
		cmocka_unit_test(test_identity__roster_honours_revoked),
		cmocka_unit_test(test_identity__roster_put_and_villages),
		cmocka_unit_test_setup_teardown(test_identity__roster_from_a_tree, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
