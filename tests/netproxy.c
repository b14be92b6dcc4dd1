/* netproxy.c — a poor link on loopback for the sync tests: a TCP proxy that
 * delays, throttles, drops and cuts. The test kernels have no netem qdisc
 * (DESIGN.md), so this stands in for "300 ms, 64 kbit/s, lossy".
 *
 *   netproxy -l LISTEN_PORT -t TARGET_PORT [-d DELAY_MS] [-b BYTES_PER_S]
 *            [-p DROP_PERCENT] [-c CUT_AFTER_BYTES] [-s SEED] [-f PORTFILE]
 *            [-o COUNTFILE]
 *
 * -d  every chunk is held DELAY_MS before it goes on (both directions)
 * -b  at most BYTES_PER_S per direction per connection
 * -p  each new connection, with this probability, is cut after a random
 *     number of bytes (0..64 KiB): a link that drops mid-transfer
 * -c  every connection is cut after this many bytes (both directions summed)
 * -f  with -l 0, write the port chosen to PORTFILE (for tests on free ports)
 * -o  when a connection ends, append "UP DOWN" (bytes client->server and
 *     server->client) as one line to COUNTFILE: bytes on the wire
 * One process per connection (fork); the parent only accepts. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 1024
#define QMAX 512

typedef struct chunk {
	double due;
	size_t len, off;
	char data[CHUNK];
} chunk;

/* Data read from one side, waiting to be written to the other. */
typedef struct pipeq {
	chunk q[QMAX];
	size_t head, n;
	int eof;
	double next_send;   /* throttle: earliest time the next byte may go */
} pipeq;

static int delay_ms, rate, drop_pct, target_port;
static const char *countfile;
static long cut_after = -1;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void serve(int a, long cut)
{
	int b = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa;
	int fd[2] = { a, b };
	static pipeq pq[2];   /* pq[0]: a -> b, pq[1]: b -> a */
	long moved = 0, dir_bytes[2] = { 0, 0 };

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)target_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(b, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		_exit(1);
	for (;;) {
		struct pollfd p[2];
		double t = now(), wake = t + 1.0;
		int timeout;

		for (int d = 0; d < 2; d++) {
			p[d].fd = fd[d];
			p[d].events = 0;
			p[d].revents = 0;
		}
		for (int d = 0; d < 2; d++) {
			pipeq *q = &pq[d];

			if (!q->eof && q->n < QMAX)
				p[d].events |= POLLIN;
			if (q->n) {
				chunk *c = &q->q[q->head];
				double go = c->due > q->next_send ? c->due : q->next_send;

				if (go <= t)
					p[!d].events |= POLLOUT;
				else if (go < wake)
					wake = go;
			}
		}
		if (pq[0].eof && pq[1].eof && !pq[0].n && !pq[1].n)
			break;
		timeout = (int)((wake - t) * 1000) + 1;
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			break;
		t = now();
		for (int d = 0; d < 2; d++) {
			pipeq *q = &pq[d];

			if (p[d].revents & (POLLIN | POLLHUP | POLLERR) && !q->eof && q->n < QMAX) {
				chunk *c = &q->q[(q->head + q->n) % QMAX];
				ssize_t r = read(fd[d], c->data, CHUNK);

				if (r <= 0) {
					q->eof = 1;
				} else {
					c->len = (size_t)r;
					c->off = 0;
					c->due = t + delay_ms / 1000.0;
					q->n++;
				}
			}
		}
		for (int d = 0; d < 2; d++) {
			pipeq *q = &pq[d];

			if (q->n && (p[!d].revents & POLLOUT)) {
				chunk *c = &q->q[q->head];
				size_t want = c->len - c->off;
				ssize_t w;

				if (rate > 0 && want > (size_t)rate / 20 + 1)
					want = (size_t)rate / 20 + 1;
				if (cut >= 0 && moved + (long)want > cut)
					want = (size_t)(cut - moved);
				w = want ? write(fd[!d], c->data + c->off, want) : 0;
				if (w < 0 && errno != EINTR && errno != EAGAIN)
					goto done;
				if (w > 0) {
					c->off += (size_t)w;
					moved += w;
					dir_bytes[d] += w;
					if (rate > 0)
						q->next_send = (q->next_send > t ? q->next_send : t) +
							       (double)w / rate;
				}
				if (c->off == c->len) {
					q->head = (q->head + 1) % QMAX;
					q->n--;
				}
				if (cut >= 0 && moved >= cut)
					goto done; /* the link dies here */
			}
			/* Pass a half-close on once everything before it went out. */
			if (q->eof && !q->n)
				shutdown(fd[!d], SHUT_WR);
		}
	}
done:
	/* RST rather than FIN: a cut link, not a polite goodbye. */
	{
		struct linger l = { 1, 0 };

		setsockopt(a, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		setsockopt(b, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(a);
	close(b);
	if (countfile) {
		char line[64];
		int n = snprintf(line, sizeof(line), "%ld %ld\n", dir_bytes[0], dir_bytes[1]);
		int o = open(countfile, O_WRONLY | O_CREAT | O_APPEND, 0644);

		/* One write with O_APPEND: lines of parallel connections never mix. */
		if (o >= 0) {
			if (write(o, line, (size_t)n) != n)
				_exit(1);
			close(o);
		}
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	int port = -1, opt, one = 1, s;
	unsigned seed = (unsigned)time(NULL);
	const char *portfile = NULL;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	while ((opt = getopt(argc, argv, "l:t:d:b:p:c:s:f:o:")) != -1) {
		switch (opt) {
		case 'l': port = atoi(optarg); break;
		case 't': target_port = atoi(optarg); break;
		case 'd': delay_ms = atoi(optarg); break;
		case 'b': rate = atoi(optarg); break;
		case 'p': drop_pct = atoi(optarg); break;
		case 'c': cut_after = atol(optarg); break;
		case 's': seed = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'f': portfile = optarg; break;
		case 'o': countfile = optarg; break;
		default:
			fprintf(stderr, "usage: netproxy -l PORT -t PORT [-d MS] [-b BYTES/S] [-p PCT] [-c BYTES] [-s SEED] [-f FILE] [-o COUNTFILE]\n");
			return 2;
		}
	}
	if (port < 0 || target_port <= 0) {
		fprintf(stderr, "netproxy: -l and -t are required\n");
		return 2;
	}
	signal(SIGCHLD, SIG_IGN); /* no zombies */
	signal(SIGPIPE, SIG_IGN);
	srand(seed);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s, 16) != 0) {
		perror("netproxy: bind");
		return 1;
	}
	getsockname(s, (struct sockaddr *)&sa, &sl);
	if (portfile) {
		FILE *f = fopen(portfile, "w");

		if (!f)
			return 1;
		fprintf(f, "%d\n", ntohs(sa.sin_port));
		fclose(f);
	}
	for (;;) {
		int a = accept(s, NULL, NULL);
		long cut = cut_after;

		if (a < 0)
			continue;
		if (drop_pct > 0 && rand() % 100 < drop_pct)
			cut = rand() % 65536;
		if (fork() == 0) {
			close(s);
			setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			serve(a, cut);
		}
		close(a);
	}
}
