/* identity.h — who a data directory is, for every command and the UI alike:
 * the signing key (DIR/keys/id_ed25519), the SSH transport key
 * (DIR/keys/transport_ed25519), the device settings (principal, role,
 * device, remote, ssh_trust_first_contact), the one passphrase rule, and
 * keys/roster, the county's list of who may do what (one parser, which
 * honours "revoked" everywhere). It also makes a device's data directory
 * (`init`); a county repository and an enrolment are county.h's
 * (county_init_repo, county_enroll).
 *
 * The passphrase rule (a sealed signing key; DESIGN.md, "What we know"):
 * the file a command was given (`--passphrase-file FILE`), else the file
 * named by $FIELDCARD_PASSPHRASE_FILE, else $FIELDCARD_PASSPHRASE, else
 * none. One trailing newline of a file is not part of the passphrase.
 *
 * keys/roster, one principal a line (lines starting with # are comments):
 *     PRINCIPAL TAB ROLE TAB VILLAGES [TAB revoked]
 * VILLAGES "a,b" or "*" (every village); a fourth column "revoked", or the
 * role "revoked", withdraws the principal.
 *
 * Sync layer: uses the ledger through ledger_* and transport_* only. */
#ifndef FIELDCARD_IDENTITY_H
#define FIELDCARD_IDENTITY_H

#include <stddef.h>
#include "fieldcard/app.h"
#include "fieldcard/buf.h"
#include "fieldcard/err.h"
#include "fieldcard/ledger.h"
#include "fieldcard/sig.h"
#include "fieldcard/transport.h"

/* ---- the passphrase rule ---- */

/* The passphrase by the rule above (file may be NULL). *out is NULL when
 * there is none; free it with identity_passphrase_free (it is wiped). An
 * unreadable file is FC_EINVALID naming it. */
int identity_passphrase(const char *file, char **out, fc_err *err);
void identity_passphrase_free(char *pass);

/* ---- an open data directory's identity ---- */

enum {
	IDENTITY_KEY = 1,     /* load the signing key (the passphrase rule) */
	IDENTITY_COUNTY = 2,  /* refuse unless the role is county */
	IDENTITY_REMOTE = 4   /* refuse unless the setting remote is set */
};

typedef struct identity {
	const char *dir;      /* the data directory (borrowed from the app) */
	char *principal, *role, *device, *remote;  /* never NULL; remote may be "" */
	int ssh_trust_first;  /* setting ssh_trust_first_contact */
	sig_key key;          /* with IDENTITY_KEY; wiped by identity_close */
	ledger_author who;    /* principal, device and &key: signs commits */
} identity;

/* Load the identity of a's data directory (flags from the enum). A remote
 * that is ssh:// gets its transport key made if there is none. The
 * identity holds a pointer into itself (who.key): do not copy it.
 * identity_close wipes the key and frees the rest. */
int identity_open(fc_app *a, unsigned flags, const char *passphrase_file, identity *out,
		  fc_err *err);
void identity_close(identity *id);

/* transport_opts for this identity (url: override if not NULL, else the
 * setting; dir; ssh_trust_first). An ssh:// url gets its transport key
 * made if there is none. The strings are borrowed from id and override. */
int identity_transport(const identity *id, const char *override, transport_opts *out,
		       fc_err *err);

/* Make the SSH transport key DIR/keys/transport_ed25519 (OpenSSH format,
 * apart from the signing key) if there is none. */
int identity_transport_key(const char *dir, fc_err *err);

/* ---- keys/roster ---- */

#define IDENTITY_ROSTER_PATH "keys/roster"

typedef struct identity_principal {
	char role[32];
	char villages[512];   /* "*" = every village */
	int revoked;
} identity_principal;

/* Principal's line in roster text (len bytes). FC_ENOTFOUND if absent,
 * FC_EINVALID if its role or villages do not fit (never a list cut short). */
int identity_roster_parse(const char *text, size_t len, const char *principal,
			  identity_principal *out);
/* The same from keys/roster of tree. FC_ENOTFOUND (err says so) if the
 * tree has no roster or the roster does not name principal. */
int identity_roster_get(ledger *l, const ledger_oid *tree, const char *principal,
			identity_principal *out, fc_err *err);
/* roster text with principal's line replaced by (or, if absent, followed
 * by) "PRINCIPAL TAB ROLE TAB VILLAGES", into out (appended). */
void identity_roster_put(const char *text, const char *principal, const char *role,
			 const char *villages, fc_buf *out);
/* Every village roster text names (not "*"), each once, into a
 * NULL-terminated list (util_strv_free). */
char **identity_roster_villages(const char *text);

/* ---- a new data directory ---- */

typedef struct identity_init_opts {
	const char *role;            /* cadre, secretary, county */
	const char *name;            /* the principal */
	const char *villages;        /* "a,b"; "" or NULL for county staff */
	const char *remote, *lang;   /* may be NULL */
	const char *passphrase_file; /* the passphrase rule; NULL: the environment's */
} identity_init_opts;

/* 1 if s may name a principal (letters, digits, - _ . @; at most 64). */
int identity_valid_principal(const char *s);
/* 1 if s is village codes (6 to 15 digits), comma-separated. */
int identity_valid_villages(const char *s);

/* Make a device's data directory in dir: signing key (sealed if the
 * passphrase rule gives one), transport key, ledger, store with the
 * settings. Refuses (FC_EINVALID, nothing changed) if dir already holds
 * fieldcard data. line (may be NULL) receives the keys/allowed_signers line
 * 'NAME namespaces="git" ssh-ed25519 ...'. */
int identity_init_device(const char *dir, const identity_init_opts *o, fc_buf *line,
			 fc_err *err);

#endif
