/* ledger_verify.c — who signed a ledger commit (fieldcard/ledger.h): the
 * SSHSIG in its gpgsig header checked against keys/allowed_signers of a
 * tree the caller trusts, the principal its trailer names, and the key's
 * window of validity at the commit's time.
 *
 * git_commit_extract_signature returns exactly the signed payload (the
 * commit without its gpgsig header), which is what ssh-keygen -Y sign
 * covered (DESIGN.md, "What we know about the dependencies"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger_int.h"
#include "fieldcard/util.h"

int ledger_signers_from_tree(ledger *l, const ledger_oid *tree, sig_signers *out, fc_err *err)
{
	fc_buf text = FC_BUF_INIT;
	char s[LEDGER_OID_SHORT], *where;
	int rc;

	out->v = NULL;
	out->n = 0;
	rc = ledger_read_tree(l, tree, LEDGER_SIGNERS_PATH, &text, err);
	if (rc) {
		buf_free(&text);
		return rc;
	}
	ledger_short_id(s, tree);
	where = util_asprintf("%s at %s", LEDGER_SIGNERS_PATH, s);
	rc = sig_signers_parse(text.data ? text.data : "", text.len, where, out, err);
	free(where);
	buf_free(&text);
	return rc;
}

static void fmt_time(char out[32], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int ledger_verify_commit(ledger *l, const ledger_oid *commit, const sig_signers *signers,
			 const ledger_oid *signers_tree, ledger_signed_by *by, fc_err *err)
{
	git_commit *c = NULL;
	git_buf sigbuf = GIT_BUF_INIT, data = GIT_BUF_INIT;
	sig_signers own = { NULL, 0 };
	fc_buf claimed = FC_BUF_INIT, fp = FC_BUF_INIT;
	const sig_signer *holder = NULL, *match = NULL;
	unsigned char pk[32];
	char s[LEDGER_OID_SHORT], when[32];
	long long t;
	fc_err e2;
	int rc = FC_OK, g;

	ledger_short_id(s, commit);
	g = git_commit_lookup(&c, l->repo, goid(commit));
	if (g < 0)
		return ledger_git_error(err, g, s);
	if (!signers) {
		if (!signers_tree) {
			rc = fc_err_set(err, FC_EINVALID,
					"commit %s: no allowed signers to check it against", s);
			goto cleanup;
		}
		rc = ledger_signers_from_tree(l, signers_tree, &own, err);
		if (rc) {
			fc_err_prefix(err, "commit %s: cannot check the signature: ", s);
			goto cleanup;
		}
		signers = &own;
	}
	g = git_commit_extract_signature(&sigbuf, &data, l->repo, (git_oid *)goid(commit), NULL);
	if (g == GIT_ENOTFOUND) {
		rc = fc_err_set(err, FC_ECONFLICT, "commit %s: unsigned", s);
		goto cleanup;
	}
	if (g < 0) {
		rc = ledger_git_error(err, g, s);
		goto cleanup;
	}
	if (sig_verify(sigbuf.ptr, sigbuf.size, "git", data.ptr, data.size, pk, &e2) != FC_OK) {
		rc = fc_err_set(err, FC_ECONFLICT, "commit %s: %s", s, e2.msg);
		goto cleanup;
	}
	sig_fingerprint(pk, &fp);
	for (size_t i = 0; i < signers->n && !holder; i++)
		if (memcmp(signers->v[i].pk, pk, 32) == 0)
			holder = &signers->v[i];
	if (!holder) {
		rc = fc_err_set(err, FC_ECONFLICT,
				"commit %s: signed by an unknown key %s (not in %s)", s, fp.data,
				LEDGER_SIGNERS_PATH);
		goto cleanup;
	}
	if (ledger_message_trailer(git_commit_message(c), "Fieldcard-Principal", &claimed) != FC_OK) {
		rc = fc_err_set(err, FC_ECONFLICT, "commit %s: no Fieldcard-Principal trailer", s);
		goto cleanup;
	}
	t = (long long)git_commit_time(c);
	fmt_time(when, t);
	for (size_t i = 0; i < signers->n; i++) {
		const sig_signer *x = &signers->v[i];
		sig_signers one = { (sig_signer *)x, 1 };
		const char *why = NULL;

		if (memcmp(x->pk, pk, 32) != 0 || strcmp(x->principal, claimed.data) != 0)
			continue;
		if (sig_signers_find(&one, pk, t, &why)) {
			match = x;
			break;
		}
		rc = fc_err_set(err, FC_ECONFLICT, "commit %s: key of %s: %s (commit time %s)", s,
				x->principal, why ? why : "key not valid", when);
	}
	if (!match) {
		if (rc == FC_OK)
			rc = fc_err_set(err, FC_ECONFLICT,
					"commit %s: signed with the key of %s, but names principal %s",
					s, holder->principal, claimed.data);
		goto cleanup;
	}
	if (by) {
		memset(by, 0, sizeof(*by));
		snprintf(by->principal, sizeof(by->principal), "%s", match->principal);
		memcpy(by->pk, pk, 32);
		by->time = t;
	}
	rc = FC_OK;
cleanup:
	git_buf_dispose(&sigbuf);
	git_buf_dispose(&data);
	sig_signers_free(&own);
	buf_free(&claimed);
	buf_free(&fp);
	git_commit_free(c);
	return rc;
}
