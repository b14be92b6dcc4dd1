/* transport.h — fetch from and push to the county repository over any link
 * (libgit2 1.5): a path or file:// (a bare repository on a USB stick or a
 * share), git:// (git daemon), ssh:// (key authentication with the device's
 * transport key, county host key pinned) and http(s):// (smart HTTP).
 *
 * Progress goes through a struct of callbacks so that the CLI and the text UI
 * show it their own way (no ncurses here). Transient link failures are
 * retried a few times; a remote that cannot be reached gives FC_EOFFLINE with
 * "could not reach the county repository at URL: REASON; nothing was lost,
 * run sync again later". Fetch and push are safe to repeat: an interrupted
 * fetch leaves no partial pack, an interrupted push leaves the remote ref
 * either old or new, and the next run completes it.
 *
 * Data directory files used (DIR = transport_opts.dir):
 *   DIR/keys/transport_ed25519(.pub)  SSH transport key (never the signing key)
 *   DIR/keys/known_hosts              the county's pinned SSH host key, one
 *                                     OpenSSH known_hosts line per host:
 *                                     "[host]:port ssh-ed25519 AAAA..." or
 *                                     "host ssh-ed25519 AAAA..." (port 22) */
#ifndef FIELDCARD_TRANSPORT_H
#define FIELDCARD_TRANSPORT_H

#include <stddef.h>
#include "fieldcard/err.h"

typedef struct transport_stats {
	int pushing;            /* 1 while pushing, 0 while fetching */
	unsigned objects_done;  /* received (fetch) or sent (push) objects */
	unsigned objects_total; /* 0 until the remote says */
	unsigned indexed;       /* fetch: objects checked and stored */
	size_t bytes;           /* bytes on the wire so far, this attempt */
	double rate;            /* bytes per second, this attempt */
} transport_stats;

typedef struct transport_progress {
	/* Called as objects and bytes move (may be often; throttle drawing). */
	void (*update)(const transport_stats *s, void *ud);
	/* One line of news: the server's side-band text, a retry notice. */
	void (*message)(const char *text, void *ud);
	void *ud;
} transport_progress;

typedef struct transport_opts {
	const char *url;        /* required */
	const char *dir;        /* data directory (keys, known_hosts); NULL: no ssh */
	/* SSH first contact: 1 = trust and pin an unknown host key (the setting
	 * "ssh_trust_first_contact"), 0 = refuse with a message saying how to
	 * pin it. A pinned key that differs is always refused. */
	int ssh_trust_first;
	const char *ssl_ca_file; /* NULL: $SSL_CERT_FILE, else the system bundle */
	const char *ssl_ca_path; /* NULL: $SSL_CERT_DIR, else /etc/ssl/certs */
	int attempts;           /* tries on a broken link; 0 = 4 */
	int retry_delay_ms;     /* first pause between tries, doubled; 0 = 1000 */
	const transport_progress *progress; /* may be NULL */
} transport_opts;

/* Fetch refspecs ("+refs/heads/villages/520101:refs/remotes/county/villages/520101")
 * from opts->url into the bare repository at repo_path, updating only the
 * destination refs named. A source ref the remote lacks is not an error (it
 * just is not there yet). */
int transport_fetch(const char *repo_path, const transport_opts *opts,
		    char *const *refspecs, size_t n, fc_err *err);

/* Push local refs ("refs/heads/batches/p1", same name on the remote),
 * fast-forward only: a remote ref that moved elsewhere is refused
 * (FC_ECONFLICT naming the ref and the server's reason), never overwritten. */
int transport_push(const char *repo_path, const transport_opts *opts,
		   char *const *refs, size_t n, fc_err *err);

/* A connection held open across a sync: one ref advertisement tells
 * whether the device's villages moved on the county side, and the same
 * connection then carries the transfer. A device with changes to send
 * opens it for a push (a sync that brings nothing back then reads the
 * county's refs once, not twice); a device with nothing to send opens it
 * for a fetch (and needs no push connection at all unless its merge made a
 * commit). DESIGN.md, "Branches and sync". Opened once, without retries:
 * when it cannot be opened the caller goes the plain way (transport_fetch,
 * transport_push), which retries and explains. opts (and its strings)
 * must outlive the session. */
typedef struct transport_session transport_session;

/* Connect (for_push: to push, else to fetch) and read the remote's refs.
 * *out is NULL (and FC_OK returned) for a path or file:// URL: reading a
 * local repository's refs costs nothing, so there is no session. */
int transport_session_open(const char *repo_path, const transport_opts *opts, int for_push,
			   transport_session **out, fc_err *err);
/* The remote's tip of ref ("refs/heads/villages/520101") as 40 hex digits
 * in hex; returns 1 if the remote has the ref, 0 if not. */
int transport_session_ref(const transport_session *s, const char *ref, char hex[41]);
/* Push refs as transport_push does, over a push session's connection.
 * Should the connection have died meanwhile, or the server refuse, it falls
 * back to transport_push (new connection, retries, the same messages). */
int transport_session_push(transport_session *s, char *const *refs, size_t n, fc_err *err);
/* Fetch refspecs as transport_fetch does, over a fetch session's
 * connection; on any failure it falls back to transport_fetch. */
int transport_session_fetch(transport_session *s, char *const *refspecs, size_t n, fc_err *err);
void transport_session_free(transport_session *s);

/* Library setup once per process (git_libgit2_init and TLS locations);
 * harmless to call again. */
int transport_global_init(const transport_opts *opts, fc_err *err);

#endif
