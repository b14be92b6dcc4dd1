/* transport.c — fetch and push against the county repository with libgit2
 * 1.5 over a path/file://, git://, ssh:// or http(s):// URL (transport.h).
 *
 * Why the shape: a village link drops, stalls and comes back. Each transfer
 * is tried a few times with growing pauses; whether the remote was never
 * reached or the link broke mid-way, the caller gets FC_EOFFLINE with a
 * message that says nothing was lost. Refusals that retrying cannot fix (a
 * host key that does not match the pinned one, a key the server refuses, a
 * push that is not a fast-forward) are reported at once, never retried. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <sodium.h>

#include "ledger_int.h"
#include "fieldcard/buf.h"
#include "fieldcard/transport.h"
#include "fieldcard/crash.h"
#include "fieldcard/util.h"

#define DEFAULT_ATTEMPTS 4
#define DEFAULT_RETRY_MS 1000
#define MAX_CRED_TRIES 3

/* State shared by the libgit2 callbacks of one attempt. */
typedef struct xfer {
	const transport_opts *o;
	transport_stats st;
	double t0;              /* start of this attempt (monotonic seconds) */
	int local;              /* the remote is a path (libgit2's local transport) */
	int cred_tries;
	int refused;            /* 1: a refusal retrying cannot fix */
	int refused_code;       /* FC_* code for the refusal */
	char why[768];          /* our own reason, better than libgit2's */
	fc_buf push_errors;     /* "ref: reason; " from the server */
	char host_port[300];    /* "[host]:port" or "host" for known_hosts */
	char band[256];         /* side-band text of a line not ended yet */
	size_t band_n;
	git_repository *repo;   /* ours (for measuring a push to a path) */
	git_odb *remote_odb;    /* a path remote's objects, while pushing to it */
	size_t local_pack_bytes; /* the pack of a push to a path */
} xfer;

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* vsnprintf: a reason cut at the buffer's end is still a reason. */
static void set_why(xfer *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(xfer *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->why, sizeof(x->why), fmt, ap);
	va_end(ap);
}

static void say(const transport_opts *o, const char *text)
{
	if (o->progress && o->progress->message)
		o->progress->message(text, o->progress->ud);
}

static void report(xfer *x, size_t bytes)
{
	double dt = now_mono() - x->t0;

	x->st.bytes = bytes;
	x->st.rate = dt > 0.01 ? (double)bytes / dt : 0.0;
	if (x->o->progress && x->o->progress->update)
		x->o->progress->update(&x->st, x->o->progress->ud);
}

int transport_global_init(const transport_opts *opts, fc_err *err)
{
	static int done;
	const char *file = opts ? opts->ssl_ca_file : NULL;
	const char *path = opts ? opts->ssl_ca_path : NULL;

	if (!done) {
		if (git_libgit2_init() < 0)
			return fc_err_set(err, FC_ERROR, "libgit2 did not start");
		if (sodium_init() < 0)
			return fc_err_set(err, FC_ERROR, "libsodium did not start");
		/* A server that hangs up while we write must give an error we can
		 * retry, not kill the program with SIGPIPE. */
		signal(SIGPIPE, SIG_IGN);
		done = 1;
	}
	/* mbedTLS has no built-in trust store: name one explicitly. */
	if (!file)
		file = getenv("SSL_CERT_FILE");
	if (!path)
		path = getenv("SSL_CERT_DIR");
	if (!file && util_file_exists("/etc/ssl/certs/ca-certificates.crt"))
		file = "/etc/ssl/certs/ca-certificates.crt";
	if (!path && util_file_exists("/etc/ssl/certs"))
		path = "/etc/ssl/certs";
	if ((file || path) && git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, path) < 0) {
		const git_error *e = git_error_last();

		return fc_err_set(err, FC_ERROR, "cannot use TLS certificates %s %s: %s",
				  file ? file : "", path ? path : "",
				  e ? e->message : "unknown error");
	}
	return FC_OK;
}

/* ---- URLs ---- */

static int is_local_url(const char *url)
{
	return strncmp(url, "file://", 7) == 0 || strstr(url, "://") == NULL;
}

static const char *local_path(const char *url)
{
	return strncmp(url, "file://", 7) == 0 ? url + 7 : url;
}

/* "[host]:port" (or "host" for port 22) of an ssh:// URL, as known_hosts
 * names it. */
static void ssh_host_port(const char *url, char *out, size_t cap)
{
	const char *p = strstr(url, "://"), *end, *at, *colon, *h;
	char host[256];
	long port = 22;
	size_t hl;

	out[0] = '\0';
	if (!p)
		return;
	p += 3;
	end = strchr(p, '/');
	if (!end)
		end = p + strlen(p);
	at = memchr(p, '@', (size_t)(end - p));
	h = at ? at + 1 : p;
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));

		if (!rb)
			return;
		hl = (size_t)(rb - h - 1);
		if (hl >= sizeof(host))
			return;
		memcpy(host, h + 1, hl);
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		hl = (size_t)((colon ? colon : end) - h);
		if (hl >= sizeof(host))
			return;
		memcpy(host, h, hl);
	}
	host[hl] = '\0';
	if (colon)
		port = strtol(colon + 1, NULL, 10);
	if (port == 22)
		snprintf(out, cap, "%s", host);
	else
		snprintf(out, cap, "[%s]:%ld", host, port);
}

/* Host and port of a network URL (git://, ssh://, http(s)://); 0 if none. */
static int url_host_port(const char *url, char *host, size_t cap, char *port, size_t pcap)
{
	const char *p = strstr(url, "://"), *end, *at, *h, *colon;
	const char *defport = !strncmp(url, "git://", 6) ? "9418" :
			      !strncmp(url, "ssh://", 6) ? "22" :
			      !strncmp(url, "https://", 8) ? "443" :
			      !strncmp(url, "http://", 7) ? "80" : NULL;
	size_t hl;

	if (!p || !defport)
		return 0;
	p += 3;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	h = at ? at + 1 : p;
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));

		if (!rb)
			return 0;
		hl = (size_t)(rb - h - 1);
		h++;
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		hl = (size_t)((colon ? colon : end) - h);
	}
	if (hl == 0 || hl >= cap)
		return 0;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (colon && (size_t)(end - colon - 1) < pcap && end - colon > 1) {
		memcpy(port, colon + 1, (size_t)(end - colon - 1));
		port[end - colon - 1] = '\0';
	} else
		snprintf(port, pcap, "%s", defport);
	return 1;
}

/* Can a TCP connection to the URL's host be opened (within 20 s)? Asked
 * before libgit2 tries, so that "no network" is told plainly and quickly
 * (and because libgit2 1.5 leaks its stream when a git:// connect fails).
 * 0 = reachable or not a network URL; else *why says what happened. */
static int probe(const char *url, char *why, size_t cap)
{
	char host[256], port[16];
	struct addrinfo hints, *res = NULL, *ai;
	int rc, last = 0;

	if (!url_host_port(url, host, sizeof(host), port, sizeof(port)))
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		snprintf(why, cap, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK, ai->ai_protocol);
		struct pollfd pfd;
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		if (fd < 0) {
			last = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			close(fd);
			freeaddrinfo(res);
			return 0;
		}
		if (errno != EINPROGRESS) {
			last = errno;
			close(fd);
			continue;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		rc = poll(&pfd, 1, 20000);
		if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) {
			close(fd);
			freeaddrinfo(res);
			return 0;
		}
		last = rc == 0 ? ETIMEDOUT : soerr ? soerr : errno;
		close(fd);
	}
	freeaddrinfo(res);
	snprintf(why, cap, "cannot connect to %s port %s: %s", host, port, strerror(last));
	return -1;
}

/* ---- SSH: credentials and host key pinning ---- */

static int cb_credentials(git_credential **out, const char *url, const char *user_from_url,
			  unsigned int allowed, void *payload)
{
	xfer *x = payload;
	const char *user = user_from_url && *user_from_url ? user_from_url : "git";
	char *priv = NULL, *pub = NULL;
	int rc;

	(void)url;
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	if (!(allowed & GIT_CREDENTIAL_SSH_KEY) || !x->o->dir)
		return GIT_PASSTHROUGH;
	/* libgit2 calls again after every refusal: stop after a few. */
	if (++x->cred_tries > MAX_CRED_TRIES) {
		x->refused = 1;
		x->refused_code = FC_ERROR;
		set_why(x,
			 "the server refused this device's transport key %s/keys/transport_ed25519.pub "
			 "for user %s (ask the county to add it)", x->o->dir, user);
		git_error_set_str(GIT_ERROR_SSH, x->why);
		return GIT_EAUTH;
	}
	priv = util_asprintf("%s/keys/transport_ed25519", x->o->dir);
	pub = util_asprintf("%s/keys/transport_ed25519.pub", x->o->dir);
	if (!util_file_exists(priv)) {
		x->refused = 1;
		x->refused_code = FC_ERROR;
		set_why(x,
			 "no SSH transport key at %s (run `fieldcard init` again or copy one there)", priv);
		git_error_set_str(GIT_ERROR_SSH, x->why);
		rc = GIT_EAUTH;
		goto cleanup;
	}
	rc = git_credential_ssh_key_new(out, user, util_file_exists(pub) ? pub : NULL, priv, NULL);
cleanup:
	free(priv);
	free(pub);
	return rc;
}

/* Name of the key type inside an SSH key blob (string type, ...). */
static void blob_type(const unsigned char *b, size_t n, char *out, size_t cap)
{
	size_t l;

	out[0] = '\0';
	if (n < 4)
		return;
	l = ((size_t)b[0] << 24) | ((size_t)b[1] << 16) | ((size_t)b[2] << 8) | b[3];
	if (l + 4 > n || l >= cap)
		return;
	memcpy(out, b + 4, l);
	out[l] = '\0';
}

/* Does `pattern` (first known_hosts column, comma-separated) name host? */
static int host_matches(const char *pattern, size_t plen, const char *host)
{
	const char *p = pattern, *end = pattern + plen;

	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t l = (size_t)((c ? c : end) - p);

		if (l == strlen(host) && memcmp(p, host, l) == 0)
			return 1;
		p = c ? c + 1 : end;
	}
	return 0;
}

static int pin_host_key(xfer *x, const char *path, const git_cert_hostkey *hk)
{
	char type[64], *b64 = NULL;
	size_t b64len = sodium_base64_ENCODED_LEN(hk->hostkey_len, sodium_base64_VARIANT_ORIGINAL);
	fc_buf line = FC_BUF_INIT;
	char *old = NULL;
	size_t oldlen = 0;
	fc_err e;
	int rc = 0;

	blob_type((const unsigned char *)hk->hostkey, hk->hostkey_len, type, sizeof(type));
	b64 = util_malloc(b64len);
	sodium_bin2base64(b64, b64len, (const unsigned char *)hk->hostkey, hk->hostkey_len,
			  sodium_base64_VARIANT_ORIGINAL);
	if (util_file_exists(path) && util_read_file(path, &old, &oldlen, &e) == 0) {
		buf_add(&line, old, oldlen);
		if (oldlen && old[oldlen - 1] != '\n')
			buf_addc(&line, '\n');
	}
	buf_printf(&line, "%s %s %s\n", x->host_port, type, b64);
	if (util_write_file_atomic(path, line.data, line.len, 0644, &e) != 0)
		rc = -1;
	else {
		char *msg = util_asprintf("first contact with %s: pinned its %s host key in %s",
					  x->host_port, type, path);

		say(x->o, msg);
		free(msg);
	}
	free(old);
	free(b64);
	buf_free(&line);
	return rc;
}

static int cb_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
	xfer *x = payload;
	const git_cert_hostkey *hk;
	char *path = NULL, *text = NULL, type[64];
	size_t len = 0;
	int known = 0, rc = -1;
	fc_err e;

	(void)host;
	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
		return valid ? 0 : GIT_PASSTHROUGH; /* TLS: the library's verdict */
	hk = (const git_cert_hostkey *)cert;
	x->refused = 1;
	x->refused_code = FC_ERROR;
	if (!(hk->type & GIT_CERT_SSH_RAW) || !x->o->dir) {
		set_why(x, "cannot check the host key of %s", x->host_port);
		goto cleanup;
	}
	blob_type((const unsigned char *)hk->hostkey, hk->hostkey_len, type, sizeof(type));
	path = util_asprintf("%s/keys/known_hosts", x->o->dir);
	if (util_file_exists(path) && util_read_file(path, &text, &len, &e) != 0) {
		set_why(x, "%s", e.msg);
		goto cleanup;
	}
	for (char *line = text, *next; line && *line; line = next) {
		char *nl = strchr(line, '\n'), *sp1, *sp2, *end;
		unsigned char blob[1024];
		size_t blen = 0;

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		sp1 = strchr(line, ' ');
		if (!sp1 || !host_matches(line, (size_t)(sp1 - line), x->host_port))
			continue;
		sp2 = strchr(sp1 + 1, ' ');
		if (!sp2)
			continue;
		known = 1;
		end = strpbrk(sp2 + 1, " \r\t");
		if (sodium_base642bin(blob, sizeof(blob), sp2 + 1,
				      end ? (size_t)(end - sp2 - 1) : strlen(sp2 + 1), NULL, &blen, NULL,
				      sodium_base64_VARIANT_ORIGINAL) == 0 &&
		    blen == hk->hostkey_len && memcmp(blob, hk->hostkey, blen) == 0) {
			rc = 0;
			x->refused = 0;
			goto cleanup;
		}
	}
	if (known) {
		set_why(x,
			 "the SSH host key of %s (%s) is not the one pinned in %s: refusing to connect "
			 "(if the county really changed it, replace that line)",
			 x->host_port, type, path);
		goto cleanup;
	}
	if (x->o->ssh_trust_first) {
		if (pin_host_key(x, path, hk) == 0) {
			rc = 0;
			x->refused = 0;
		} else
			set_why(x, "cannot write %s", path);
		goto cleanup;
	}
	set_why(x,
		 "the SSH host key of %s is not pinned: add the county's known_hosts line "
		 "(\"%s %s ...\") to %s, or set ssh_trust_first_contact to 1 to trust it on first contact",
		 x->host_port, x->host_port, type, path);
cleanup:
	if (rc != 0) {
		x->refused_code = FC_ERROR;
		git_error_set_str(GIT_ERROR_SSH, x->why);
	}
	free(path);
	free(text);
	return rc;
}

/* ---- progress ---- */

static int cb_fetch_progress(const git_indexer_progress *p, void *payload)
{
	xfer *x = payload;

	x->st.objects_done = p->received_objects;
	x->st.objects_total = p->total_objects;
	x->st.indexed = p->indexed_objects;
	report(x, p->received_bytes);
	return 0;
}

static int cb_push_progress(unsigned int current, unsigned int total, size_t bytes, void *payload)
{
	xfer *x = payload;

	x->st.objects_done = current;
	x->st.objects_total = total;
	/* libgit2's local transport copies objects without counting bytes
	 * (it passes a constant);
	 * the pack measured at negotiation stands in, in step with the objects. */
	if (x->local)
		bytes = x->local_pack_bytes && total
			? (size_t)((double)x->local_pack_bytes * current / total) : 0;
	report(x, bytes);
	return 0;
}

/* Pushing to a path: measure the pack that will be copied (what the remote
 * lacks of each update), so that progress shows real bytes there too. */
static int cb_push_negotiation(const git_push_update **updates, size_t len, void *payload)
{
	xfer *x = payload;
	git_packbuilder *pb = NULL;
	git_revwalk *walk = NULL;
	git_buf pack = { NULL, 0, 0 };

	if (!is_local_url(x->o->url) || !x->repo || !x->remote_odb)
		return 0;
	if (git_packbuilder_new(&pb, x->repo) == 0 && git_revwalk_new(&walk, x->repo) == 0) {
		int ok = 1;

		git_packbuilder_set_threads(pb, 0);
		for (size_t i = 0; i < len && ok; i++) {
			/* The remote holds it already (a new ref to a commit it has):
			 * nothing to copy, and no walk of the whole history. */
			if (git_odb_exists(x->remote_odb, &updates[i]->dst))
				continue;
			ok = git_revwalk_push(walk, &updates[i]->dst) == 0;
			if (!git_oid_is_zero(&updates[i]->src) &&
			    git_odb_exists(x->remote_odb, &updates[i]->src))
				git_revwalk_hide(walk, &updates[i]->src);
		}
		if (ok && git_packbuilder_insert_walk(pb, walk) == 0 && git_packbuilder_write_buf(&pack, pb) == 0)
			x->local_pack_bytes = pack.size;
	}
	git_buf_dispose(&pack);
	git_revwalk_free(walk);
	git_packbuilder_free(pb);
	return 0; /* only measuring: never stop the push over it */
}

static int cb_sideband(const char *str, int len, void *payload)
{
	xfer *x = payload;

	/* The server sends "Counting objects:  50% (1/2)\r" many times, then
	 * "..., done.\n", in packets that cut lines anywhere: keep the text
	 * across calls and pass on finished lines only; our own progress line
	 * already shows objects and bytes as they move. */
	for (int i = 0; i < len; i++) {
		char ch = str[i];

		if (ch == '\r') {
			x->band_n = 0;
		} else if (ch == '\n') {
			x->band[x->band_n] = '\0';
			if (x->band_n)
				say(x->o, x->band);
			x->band_n = 0;
		} else if (x->band_n < sizeof(x->band) - 1)
			x->band[x->band_n++] = ch;
	}
	return 0;
}

static int cb_push_ref(const char *refname, const char *status, void *payload)
{
	xfer *x = payload;

	if (status)
		buf_printf(&x->push_errors, "%s%s: %s", x->push_errors.len ? "; " : "", refname, status);
	return 0;
}

static void callbacks_init(git_remote_callbacks *cb, xfer *x)
{
	git_remote_init_callbacks(cb, GIT_REMOTE_CALLBACKS_VERSION);
	cb->credentials = cb_credentials;
	cb->certificate_check = cb_certificate;
	cb->transfer_progress = cb_fetch_progress;
	cb->push_transfer_progress = cb_push_progress;
	cb->sideband_progress = cb_sideband;
	cb->push_update_reference = cb_push_ref;
	cb->push_negotiation = cb_push_negotiation;
	cb->payload = x;
}

/* ---- fetch from a bare repository on disk ----
 *
 * libgit2 1.5's local transport packs everything reachable from every ref
 * of the remote, not just the refs asked for: a USB stick holding the whole
 * county would put every village on the device. So fetching from a path
 * walks only the wanted commits, hides what we already have, and writes one
 * pack with the packbuilder. The pack is written whole before any ref moves,
 * so an interruption leaves nothing half done. */

typedef struct local_pack {
	git_odb_writepack *wp;
	git_indexer_progress stats;
	size_t bytes;           /* pack bytes copied from the stick so far */
	xfer *x;
} local_pack;

static int local_pack_chunk(void *buf, size_t size, void *payload)
{
	local_pack *lp = payload;
	int rc = lp->wp->append(lp->wp, buf, size, &lp->stats);

	/* The odb's writepack does not count bytes: we do. */
	lp->bytes += size;
	if (rc == 0) {
		lp->stats.received_bytes = lp->bytes;
		cb_fetch_progress(&lp->stats, lp->x);
	}
	return rc;
}

/* One ref to copy: its commit and where it lands here. */
typedef struct want {
	git_oid oid;
	char *dst;
	int force;
} want;

static void want_add(want **v, size_t *n, size_t *cap, const git_oid *oid, const char *dst, int force)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = util_realloc(*v, *cap * sizeof(**v));
	}
	(*v)[*n].oid = *oid;
	(*v)[*n].dst = util_strdup(dst);
	(*v)[*n].force = force;
	(*n)++;
}

/* The source refs a refspec names (one, or every match of a glob). */
static int local_wants(git_repository *src, const git_refspec *rs, want **v, size_t *n, size_t *cap)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	git_oid oid;
	int rc;

	if (!strchr(git_refspec_src(rs), '*')) {
		rc = git_reference_name_to_id(&oid, src, git_refspec_src(rs));
		if (rc == GIT_ENOTFOUND)
			return 0; /* not there yet: not an error */
		if (rc == 0)
			want_add(v, n, cap, &oid, git_refspec_dst(rs), git_refspec_force(rs));
		return rc;
	}
	if ((rc = git_reference_iterator_new(&it, src)) < 0)
		return rc;
	while (rc == 0 && git_reference_next(&ref, it) == 0) {
		const char *name = git_reference_name(ref);

		if (git_refspec_src_matches(rs, name) &&
		    git_reference_name_to_id(&oid, src, name) == 0) {
			git_buf dst = { NULL, 0, 0 };

			rc = git_refspec_transform(&dst, rs, name);
			if (rc == 0)
				want_add(v, n, cap, &oid, dst.ptr, git_refspec_force(rs));
			git_buf_dispose(&dst);
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return rc;
}

static int local_fetch(git_repository *repo, xfer *x, char *const *specs, size_t n)
{
	git_repository *src = NULL;
	git_revwalk *walk = NULL;
	git_packbuilder *pb = NULL;
	git_odb *odb = NULL, *src_odb = NULL;
	git_reference_iterator *it = NULL;
	git_reference *ref;
	local_pack lp;
	want *w = NULL;
	size_t nw = 0, capw = 0, missing = 0;
	int rc;

	memset(&lp, 0, sizeof(lp));
	lp.x = x;
	if ((rc = git_repository_open_bare(&src, local_path(x->o->url))) < 0 ||
	    (rc = git_repository_odb(&odb, repo)) < 0 || (rc = git_repository_odb(&src_odb, src)) < 0 ||
	    (rc = git_revwalk_new(&walk, src)) < 0)
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		git_refspec *rs = NULL;

		if ((rc = git_refspec_parse(&rs, specs[i], 1)) < 0)
			goto cleanup;
		rc = local_wants(src, rs, &w, &nw, &capw);
		git_refspec_free(rs);
		if (rc < 0)
			goto cleanup;
	}
	if (nw == 0)
		goto cleanup;
	/* A ref whose commit is here already needs no objects, only its
	 * update; and with nothing to send, no pack: libgit2's packbuilder
	 * marks every tree of every hidden tip as seen, a walk of the whole
	 * county (4 s at 100,000 households) even when it then packs nothing. */
	for (size_t i = 0; i < nw; i++) {
		if (git_odb_exists(odb, &w[i].oid))
			continue;
		if ((rc = git_revwalk_push(walk, &w[i].oid)) < 0)
			goto cleanup;
		missing++;
	}
	if (!missing)
		goto refs;
	/* Hide everything we already hold that the source knows too. */
	if ((rc = git_reference_iterator_new(&it, repo)) < 0)
		goto cleanup;
	while (git_reference_next(&ref, it) == 0) {
		const git_oid *t = git_reference_target(ref);

		if (t && git_odb_exists(src_odb, t))
			git_revwalk_hide(walk, t);
		git_reference_free(ref);
	}
	if ((rc = git_packbuilder_new(&pb, src)) < 0 || (rc = git_packbuilder_insert_walk(pb, walk)) < 0)
		goto cleanup;
	if (git_packbuilder_object_count(pb) > 0) {
		if ((rc = git_odb_write_pack(&lp.wp, odb, NULL, NULL)) < 0 ||
		    (rc = git_packbuilder_foreach(pb, local_pack_chunk, &lp)) < 0 ||
		    (rc = lp.wp->commit(lp.wp, &lp.stats)) < 0)
			goto cleanup;
	}
refs:
	for (size_t i = 0; i < nw; i++) {
		rc = git_reference_create(&ref, repo, w[i].dst, &w[i].oid, w[i].force,
					  "fieldcard sync: fetch");
		if (rc < 0)
			goto cleanup;
		git_reference_free(ref);
	}
	rc = 0;
cleanup:
	if (lp.wp)
		lp.wp->free(lp.wp);
	for (size_t i = 0; i < nw; i++)
		free(w[i].dst);
	free(w);
	git_reference_iterator_free(it);
	git_packbuilder_free(pb);
	git_revwalk_free(walk);
	git_odb_free(odb);
	git_odb_free(src_odb);
	git_repository_free(src);
	return rc;
}

/* ---- one attempt ---- */

/* Anonymous (the URL may change with --remote); skipping url.insteadOf
 * also avoids a leak in libgit2 1.5's config regex matching. */
static int remote_anon(git_remote **out, git_repository *repo, const char *url)
{
	git_remote_create_options co;

	git_remote_create_options_init(&co, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	co.repository = repo;
	co.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	return git_remote_create_with_opts(out, url, &co);
}

/* Fetch the refspecs (on the connection if there is one) and move the
 * destination refs. */
static int download(git_remote *remote, const git_strarray *specs, const git_remote_callbacks *cb)
{
	git_fetch_options fo;
	int rc;

	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.callbacks = *cb;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.prune = GIT_FETCH_NO_PRUNE;
	rc = git_remote_download(remote, specs, &fo);
	if (rc == 0)
		rc = git_remote_update_tips(remote, cb, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE,
					    "fieldcard sync: fetch");
	return rc;
}

typedef enum { OP_FETCH, OP_PUSH } op_kind;

static int attempt(git_repository *repo, xfer *x, op_kind op, char *const *specs, size_t n,
		   int *connected)
{
	git_remote *remote = NULL;
	git_remote_callbacks cb;
	git_strarray arr = { (char **)specs, n };
	int rc;

	*connected = 0;
	if (op == OP_FETCH && is_local_url(x->o->url)) {
		*connected = 1;
		return local_fetch(repo, x, specs, n);
	}
	callbacks_init(&cb, x);
	rc = remote_anon(&remote, repo, x->o->url);
	if (rc < 0)
		goto cleanup;
	rc = git_remote_connect(remote, op == OP_FETCH ? GIT_DIRECTION_FETCH : GIT_DIRECTION_PUSH,
				&cb, NULL, NULL);
	if (rc < 0)
		goto cleanup;
	*connected = 1;
	if (op == OP_FETCH) {
		rc = download(remote, &arr, &cb);
	} else {
		git_push_options po;

		git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
		po.callbacks = cb;
		po.pb_parallelism = 0;
		rc = git_remote_upload(remote, &arr, &po);
	}
cleanup:
	if (remote) {
		git_remote_disconnect(remote);
		git_remote_free(remote);
	}
	return rc;
}

/* Is a libgit2 failure a matter of the link (worth another try)? */
static int link_failure(int rc, const git_error *e)
{
	if (rc == GIT_EAUTH || rc == GIT_ECERTIFICATE || rc == GIT_ENONFASTFORWARD || rc == GIT_EUSER)
		return 0;
	if (!e)
		return rc == GIT_EEOF;
	switch (e->klass) {
	case GIT_ERROR_NET:
	case GIT_ERROR_SSH:
	case GIT_ERROR_HTTP:
	case GIT_ERROR_SSL:
	case GIT_ERROR_OS:
	case GIT_ERROR_INDEXER:
	case GIT_ERROR_ZLIB:
		return 1;
	default:
		return rc == GIT_EEOF;
	}
}

/* A ref update the server could not make for a passing reason (its lock
 * held by another receive-pack), as opposed to a refusal (not a
 * fast-forward, a hook or branch rule said no). */
static int push_busy(const char *status)
{
	return !strstr(status, "non-fast-forward") && !strstr(status, "fetch first") &&
	       !strstr(status, "hook") && !strstr(status, "denied") &&
	       (strstr(status, "failed to update ref") || strstr(status, "lock"));
}

/* A fetch moves remote-tracking refs; a push records what was pushed. A
 * push to a path writes that repository's refs in this process, so it
 * takes that writer lock too (a push killed on a USB stick leaves the
 * stick's ref locked). */
static int run_lock(const char *repo_path, const transport_opts *o, op_kind op, fc_err *err)
{
	int rc;

	if ((rc = ledger_writer_lock(repo_path, err)) != FC_OK)
		return rc;
	if (op == OP_PUSH && is_local_url(o->url) &&
	    (rc = ledger_writer_lock(local_path(o->url), err)) != FC_OK)
		ledger_writer_unlock(repo_path);
	return rc;
}

static void run_unlock(const char *repo_path, const transport_opts *o, op_kind op)
{
	ledger_writer_unlock(repo_path);
	if (op == OP_PUSH && is_local_url(o->url))
		ledger_writer_unlock(local_path(o->url));
}

static int run(const char *repo_path, const transport_opts *o, op_kind op, char *const *specs,
	       size_t n, fc_err *err)
{
	git_repository *repo = NULL;
	xfer x;
	int tries = o->attempts > 0 ? o->attempts : DEFAULT_ATTEMPTS;
	int delay = o->retry_delay_ms > 0 ? o->retry_delay_ms : DEFAULT_RETRY_MS;
	char reason[768] = "";
	int rc = FC_OK, grc = 0;

	if (!o->url || !*o->url)
		return fc_err_set(err, FC_EUSAGE,
				  "no county repository: give --remote URL (or set it with `fieldcard init --remote`)");
	if ((rc = transport_global_init(o, err)) != 0)
		return rc;
	if (is_local_url(o->url)) {
		struct stat sb;
		const char *p = local_path(o->url);

		/* The USB stick not plugged in is "offline", not an error. */
		if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))
			return fc_err_set(err, FC_EOFFLINE,
					  "could not reach the county repository at %s: %s; nothing was lost, run sync again later",
					  o->url, stat(p, &sb) != 0 ? strerror(errno) : "not a directory");
	}
	if ((rc = run_lock(repo_path, o, op, err)) != FC_OK)
		return rc;
	if (git_repository_open_bare(&repo, repo_path) < 0) {
		const git_error *e = git_error_last();

		run_unlock(repo_path, o, op);
		return fc_err_set(err, FC_ERROR, "cannot open the ledger %s: %s", repo_path,
				  e ? e->message : "unknown error");
	}
	memset(&x, 0, sizeof(x));
	x.o = o;
	x.st.pushing = op == OP_PUSH;
	buf_init(&x.push_errors);
	ssh_host_port(o->url, x.host_port, sizeof(x.host_port));
	x.repo = repo;
	x.local = is_local_url(o->url);
	if (op == OP_PUSH && x.local) {
		git_repository *r = NULL;

		/* Best effort: without it a push to a path shows no bytes. */
		if (git_repository_open_bare(&r, local_path(o->url)) == 0)
			git_repository_odb(&x.remote_odb, r);
		git_repository_free(r);
	}

	for (int i = 1; i <= tries; i++) {
		const git_error *e;
		int connected;

		x.t0 = now_mono();
		x.cred_tries = 0;
		x.refused = 0;
		x.why[0] = '\0';
		buf_reset(&x.push_errors);
		x.band_n = 0;
		x.local_pack_bytes = 0;
		memset(&x.st, 0, sizeof(x.st));
		x.st.pushing = op == OP_PUSH;
		git_error_clear();
		if (probe(o->url, x.why, sizeof(x.why)) != 0) {
			git_error_set_str(GIT_ERROR_NET, x.why);
			grc = GIT_ERROR;
			connected = 0;
		} else
			grc = attempt(repo, &x, op, specs, n, &connected);
		if (grc == 0 && x.push_errors.len && push_busy(x.push_errors.data) && i < tries) {
			/* An earlier push of ours, cut on our side, may still be
			 * going on at the server and hold the ref's lock. */
			char *msg = util_asprintf("the county repository is busy: %s; trying again in %d s (%d of %d)",
						  x.push_errors.data, (delay + 999) / 1000, i + 1, tries);

			say(o, msg);
			free(msg);
			sleep_ms(delay);
			delay *= 2;
			continue;
		}
		if (grc == 0)
			break;
		e = git_error_last();
		snprintf(reason, sizeof(reason), "%s",
			 x.why[0] ? x.why : e && e->message ? e->message : "unknown error");
		if (!connected && x.cred_tries > 0 && !x.refused) {
			/* The server took the connection but not our key. */
			x.refused = 1;
			x.refused_code = FC_ERROR;
			set_why(&x, "the server refused this device's transport key %s/keys/transport_ed25519.pub "
				"(ask the county to add it): %s", o->dir ? o->dir : "", reason);
			snprintf(reason, sizeof(reason), "%s", x.why);
		}
		if (!x.refused && (strstr(reason, "No space left on device") ||
				   strstr(reason, "Read-only file system"))) {
			/* A full or read-only disk (ours on a fetch, the county
			 * repository's on a push to a path) is no broken link:
			 * retrying cannot help, and "run it later" would hide it.
			 * libgit2's reason names the file, so the disk. */
			int full = strstr(reason, "No space") != NULL;

			x.refused = 1;
			x.refused_code = FC_ERROR;
			set_why(&x, "%s %s: %s: %s; nothing was lost, run it again once %s",
				op == OP_FETCH ? "fetching into" : "sending to",
				op == OP_FETCH ? repo_path : "it", full ? "the disk is full" :
				"the disk cannot be written (read-only)", reason,
				full ? "there is space on that disk" : "it can be written");
			snprintf(reason, sizeof(reason), "%s", x.why);
		}
		if (x.refused || !link_failure(grc, e))
			break;
		if (i < tries) {
			char *msg = util_asprintf("%s: %s; trying again in %d s (%d of %d)",
						  connected ? "the link broke" : "no answer", reason,
						  (delay + 999) / 1000, i + 1, tries);

			say(o, msg);
			free(msg);
			sleep_ms(delay);
			delay *= 2;
		}
	}
	if (grc == 0 && x.push_errors.len && push_busy(x.push_errors.data)) {
		rc = fc_err_set(err, FC_EOFFLINE,
				"the county repository at %s could not take the push now: %s; "
				"nothing was lost, run sync again later", o->url, x.push_errors.data);
	} else if (grc == 0 && x.push_errors.len) {
		rc = fc_err_set(err, FC_ECONFLICT,
				"the county repository at %s refused the push (only fast-forwards are allowed): %s",
				o->url, x.push_errors.data);
	} else if (grc == 0) {
		rc = FC_OK;
	} else if (x.refused) {
		rc = fc_err_set(err, x.refused_code, "county repository %s: %s", o->url, reason);
	} else if (grc == GIT_ENONFASTFORWARD) {
		rc = fc_err_set(err, FC_ECONFLICT,
				"the county repository at %s has a different history on %s (only fast-forwards are pushed): %s",
				o->url, n ? specs[0] : "", reason);
	} else if (grc == GIT_EAUTH) {
		rc = fc_err_set(err, FC_ERROR, "the county repository at %s refused this device: %s",
				o->url, reason);
	} else if (link_failure(grc, git_error_last())) {
		rc = fc_err_set(err, FC_EOFFLINE,
				"could not reach the county repository at %s: %s; nothing was lost, run sync again later",
				o->url, reason);
	} else {
		rc = fc_err_set(err, FC_ERROR, "%s %s: %s", op == OP_FETCH ? "fetch from" : "push to",
				o->url, reason);
	}
	buf_free(&x.push_errors);
	git_odb_free(x.remote_odb);
	git_repository_free(repo);
	run_unlock(repo_path, o, op);
	return rc;
}

int transport_fetch(const char *repo_path, const transport_opts *opts,
		    char *const *refspecs, size_t n, fc_err *err)
{
	int rc = run(repo_path, opts, OP_FETCH, refspecs, n, err);

	if (rc == FC_OK)
		FC_CRASH_POINT("transport.fetched");
	return rc;
}

int transport_push(const char *repo_path, const transport_opts *opts,
		   char *const *refs, size_t n, fc_err *err)
{
	char **specs = util_calloc(n + 1, sizeof(*specs));
	int rc;

	for (size_t i = 0; i < n; i++) {
		/* No leading '+': the remote ref must be an ancestor (fast-forward). */
		if (refs[i][0] == '+' || strchr(refs[i], ':')) {
			util_strv_free(specs);
			return fc_err_set(err, FC_EUSAGE, "push %s: give a plain ref name, pushed to the same name without force",
					  refs[i]);
		}
		specs[i] = util_asprintf("%s:%s", refs[i], refs[i]);
	}
	FC_CRASH_POINT("transport.push");
	rc = run(repo_path, opts, OP_PUSH, specs, n, err);
	util_strv_free(specs);
	if (rc == FC_OK)
		FC_CRASH_POINT("transport.pushed");
	return rc;
}

/* ---- a push connection held across a sync ---- */

struct transport_session {
	char *repo_path;
	const transport_opts *o;
	int for_push;
	git_repository *repo;
	git_remote *remote;
	git_remote_callbacks cb;
	xfer x;
	int locked;           /* holds ledger_writer_lock(repo_path) */
};

void transport_session_free(transport_session *s)
{
	if (!s)
		return;
	if (s->remote) {
		git_remote_disconnect(s->remote);
		git_remote_free(s->remote);
	}
	git_repository_free(s->repo);
	if (s->locked)
		ledger_writer_unlock(s->repo_path);
	buf_free(&s->x.push_errors);
	free(s->repo_path);
	free(s);
}

int transport_session_open(const char *repo_path, const transport_opts *opts, int for_push,
			   transport_session **out, fc_err *err)
{
	transport_session *s;
	const git_error *e;
	int rc;

	*out = NULL;
	if (!opts->url || !*opts->url || is_local_url(opts->url))
		return FC_OK;
	if ((rc = transport_global_init(opts, err)) != FC_OK)
		return rc;
	s = util_calloc(1, sizeof(*s));
	s->repo_path = util_strdup(repo_path);
	s->o = opts;
	s->for_push = for_push;
	s->x.o = opts;
	s->x.st.pushing = for_push;
	s->x.t0 = now_mono();
	buf_init(&s->x.push_errors);
	ssh_host_port(opts->url, s->x.host_port, sizeof(s->x.host_port));
	git_error_clear();
	if (probe(opts->url, s->x.why, sizeof(s->x.why)) != 0) {
		rc = fc_err_set(err, FC_EOFFLINE, "could not reach the county repository at %s: %s",
				opts->url, s->x.why);
		goto fail;
	}
	if ((rc = ledger_writer_lock(repo_path, err)) != FC_OK)
		goto fail;
	s->locked = 1;
	if (git_repository_open_bare(&s->repo, repo_path) < 0)
		goto git_fail;
	s->x.repo = s->repo;
	callbacks_init(&s->cb, &s->x);
	if (remote_anon(&s->remote, s->repo, opts->url) < 0 ||
	    git_remote_connect(s->remote, for_push ? GIT_DIRECTION_PUSH : GIT_DIRECTION_FETCH, &s->cb, NULL,
			       NULL) < 0)
		goto git_fail;
	*out = s;
	return FC_OK;
git_fail:
	e = git_error_last();
	rc = fc_err_set(err, FC_EOFFLINE, "county repository %s: %s", opts->url,
			s->x.why[0] ? s->x.why : e && e->message ? e->message : "could not connect");
fail:
	transport_session_free(s);
	return rc;
}

int transport_session_ref(const transport_session *s, const char *ref, char hex[41])
{
	const git_remote_head **heads = NULL;
	size_t n = 0;

	hex[0] = '\0';
	if (!s || git_remote_ls(&heads, &n, s->remote) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(heads[i]->name, ref)) {
			git_oid_tostr(hex, GIT_OID_HEXSZ + 1, &heads[i]->oid);
			return 1;
		}
	return 0;
}

int transport_session_push(transport_session *s, char *const *refs, size_t n, fc_err *err)
{
	char **specs = util_calloc(n + 1, sizeof(*specs));
	git_strarray arr = { specs, n };
	git_push_options po;
	int grc;

	for (size_t i = 0; i < n; i++) {
		if (!s->for_push || refs[i][0] == '+' || strchr(refs[i], ':')) {
			util_strv_free(specs);
			return transport_push(s->repo_path, s->o, refs, n, err); /* it explains */
		}
		specs[i] = util_asprintf("%s:%s", refs[i], refs[i]);
	}
	s->x.t0 = now_mono();
	memset(&s->x.st, 0, sizeof(s->x.st));
	s->x.st.pushing = 1;
	buf_reset(&s->x.push_errors);
	git_error_clear();
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	po.callbacks = s->cb;
	FC_CRASH_POINT("transport.push");
	grc = git_remote_upload(s->remote, &arr, &po);
	util_strv_free(specs);
	git_remote_disconnect(s->remote);
	if (grc == 0 && !s->x.push_errors.len) {
		FC_CRASH_POINT("transport.pushed");
		return FC_OK;
	}
	/* Dropped while we merged, busy, or refused: the plain push retries
	 * or says why in the usual words. */
	say(s->o, "the held connection did not take the push; pushing again");
	return transport_push(s->repo_path, s->o, refs, n, err);
}

int transport_session_fetch(transport_session *s, char *const *refspecs, size_t n, fc_err *err)
{
	git_strarray arr = { (char **)refspecs, n };
	int grc;

	if (s->for_push)
		return transport_fetch(s->repo_path, s->o, refspecs, n, err);
	s->x.t0 = now_mono();
	memset(&s->x.st, 0, sizeof(s->x.st));
	git_error_clear();
	grc = download(s->remote, &arr, &s->cb);
	git_remote_disconnect(s->remote);
	if (grc == 0) {
		FC_CRASH_POINT("transport.fetched");
		return FC_OK;
	}
	say(s->o, "the held connection did not bring the villages; fetching again");
	return transport_fetch(s->repo_path, s->o, refspecs, n, err);
}
