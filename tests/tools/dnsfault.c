/* dnsfault — a DNS proxy on loopback that forwards to a real server and breaks its answers on
 * demand (tests only).
 *
 *   dnsfault -u IP@PORT [-l PORT] [-m MODE] [-f MODEFILE] [-s STATSFILE] [-v]
 *
 * Listens on 127.0.0.1, UDP and TCP, on PORT (default: a free port, the same for both) and
 * prints the port on stdout once ready. Every query is forwarded to the upstream IP@PORT (UDP
 * queries over UDP, TCP queries over a TCP connection of their own) unless the fault mode in
 * force says otherwise:
 *   pass      forward, relay the answer unchanged
 *   silent    drop the query (UDP and TCP): no answer at all
 *   servfail  answer SERVFAIL at once (the query's header and question, no records)
 *   refused   answer REFUSED at once
 *   truncate  UDP: answer TC=1 with the question only (the resolver must retry over TCP);
 *             TCP: forward
 *   garbage   answer junk: in turn random bytes, the query's ID with random flags, counts and
 *             body, and the query's header and question with answer counts but no records
 *   wrongid   forward, and relay the answer with another ID
 * The mode is MODE (default pass) until MODEFILE exists: it is read again for every query and
 * holds "MODE [SUFFIX [TYPE]]"; with SUFFIX the fault applies only to names equal to or under
 * SUFFIX ("." for every name), with TYPE (a number) only to queries of that type; the others
 * pass. Replace the file atomically (write another, rename it): a file that
 * cannot be read or parsed leaves the mode as it was.
 *
 * With -v every query and what became of it is logged on stderr.
 *
 * Counters: SIGUSR1 writes them to STATSFILE (via a rename, "name value" lines; the line
 * "dumps N" counts the writes), SIGTERM and SIGINT write them there and on stdout and exit.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define UDP_MAX      65535
#define TCP_BUF      (65535 + 2)
#define PENDING_MAX  1024 /* UDP queries forwarded and not answered */
#define CONNS_MAX    256  /* TCP client connections */
#define UPSTREAM_S   5.0  /* a forwarded UDP query is forgotten after this */
#define IDLE_S       30.0 /* an idle TCP connection is closed after this */
#define HDR          12
#define FLAG_QR      0x80 /* in byte 2 */
#define FLAG_TC      0x02 /* in byte 2 */
#define RCODE_SF     2
#define RCODE_REFUSE 5

enum mode { M_PASS, M_SILENT, M_SERVFAIL, M_REFUSED, M_TRUNCATE, M_GARBAGE, M_WRONGID, M_COUNT };

static const char *const mode_names[M_COUNT] = {"pass",     "silent",  "servfail", "refused",
                                                "truncate", "garbage", "wrongid"};

/* What was done; written by stats_write(). */
static struct {
	unsigned long udp_queries, tcp_queries, tcp_connections, forwarded_udp, forwarded_tcp,
	    upstream_answers, upstream_lost, upstream_errors, relayed, malformed;
	unsigned long faults[M_COUNT]; /* faults[M_PASS]: queries of a faulty mode left alone */
	unsigned long dumps;
} st;

static volatile sig_atomic_t want_stop, want_dump;

static struct sockaddr_in upstream;
static enum mode cur_mode = M_PASS;
static char cur_suffix[256]; /* lower case, no final dot; empty: every name */
static unsigned cur_type;    /* the query type faults apply to; 0: every type */
static const char *mode_file, *stats_file;
static unsigned long garbage_turn;
static bool verbose;

struct pending {
	int fd; /* connected to the upstream; -1: free */
	struct sockaddr_storage from;
	socklen_t fromlen;
	enum mode mode;
	double deadline;
};

struct conn {
	int cfd;      /* the client; -1: free */
	int ufd;      /* the upstream, opened on the first forwarded query; -1: none */
	uint8_t *cin; /* from the client, not yet a whole message */
	size_t cin_len;
	uint8_t *uin; /* from the upstream */
	size_t uin_len;
	enum mode mode; /* of the last forwarded query (wrongid applies to its answer) */
	double last;
};

static struct pending pend[PENDING_MAX];
static struct conn conns[CONNS_MAX];

__attribute__((noreturn)) static void usage(void)
{
	fprintf(stderr, "usage: dnsfault -u IP@PORT [-l PORT] [-m MODE] [-f MODEFILE] "
	                "[-s STATSFILE] [-v]\n");
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1) {
		want_dump = 1;
	} else {
		want_stop = 1;
	}
}

static int mode_parse(const char *s, size_t len, enum mode *out)
{
	for (int m = 0; m < M_COUNT; m++) {
		if (strlen(mode_names[m]) == len && memcmp(mode_names[m], s, len) == 0) {
			*out = (enum mode)m;
			return 0;
		}
	}
	return -1;
}

/* "MODE [SUFFIX [TYPE]]" from the mode file into cur_mode, cur_suffix, cur_type; unchanged when
 * unreadable. */
static void mode_reload(void)
{
	char buf[300];
	size_t n, i = 0, w, s, e;
	enum mode m;
	unsigned long type = 0;
	int fd;
	ssize_t k;

	if (mode_file == NULL || (fd = open(mode_file, O_RDONLY)) < 0) {
		return;
	}
	k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (k <= 0) {
		return;
	}
	n = (size_t)k;
	while (i < n && isspace((unsigned char)buf[i])) {
		i++;
	}
	w = i;
	while (i < n && !isspace((unsigned char)buf[i])) {
		i++;
	}
	if (mode_parse(buf + w, i - w, &m) != 0) {
		return;
	}
	while (i < n && isspace((unsigned char)buf[i])) {
		i++;
	}
	s = i;
	while (i < n && !isspace((unsigned char)buf[i])) {
		i++;
	}
	e = i;
	while (e > s && buf[e - 1] == '.') {
		e--;
	}
	while (i < n && isspace((unsigned char)buf[i])) {
		i++;
	}
	if (i < n) {
		char *end = NULL;

		buf[n] = '\0';
		type = strtoul(buf + i, &end, 10);
		if (end == buf + i || type == 0 || type > 65535) {
			return;
		}
	}
	if (e - s >= sizeof(cur_suffix)) {
		return;
	}
	for (size_t j = s; j < e; j++) {
		cur_suffix[j - s] = (char)tolower((unsigned char)buf[j]);
	}
	cur_suffix[e - s] = '\0';
	cur_type = (unsigned)type;
	cur_mode = m;
}

/* The question name of a message as lower-case text without the final dot ("" for the root);
 * the offset just past the question in *qend. -1 when the message has no whole question. */
static int question(const uint8_t *p, size_t len, char *name, size_t namelen, size_t *qend)
{
	size_t i = HDR, o = 0;

	if (len < HDR || ((p[4] << 8) | p[5]) < 1) {
		return -1;
	}
	while (i < len && p[i] != 0) {
		size_t l = p[i];

		if (l > 63 || i + 1 + l > len || o + l + 2 > namelen) {
			return -1;
		}
		if (o > 0) {
			name[o++] = '.';
		}
		for (size_t j = 0; j < l; j++) {
			name[o++] = (char)tolower(p[i + 1 + j]);
		}
		i += 1 + l;
	}
	if (i + 5 > len) {
		return -1;
	}
	name[o] = '\0';
	*qend = i + 5;
	return 0;
}

/* -v: one line about a message: what, transport, ID, question, flags, counts. */
static void logmsg(const char *what, const char *tr, const uint8_t *p, size_t len)
{
	char name[300] = "?";
	size_t qend = 0;

	if (!verbose) {
		return;
	}
	if (len < HDR) {
		fprintf(stderr, "dnsfault: %s %s %zu bytes\n", what, tr, len);
		return;
	}
	(void)question(p, len, name, sizeof(name), &qend);
	fprintf(stderr,
	        "dnsfault: %s %s id %u %s type %u%s%s rcode %u an %u ns %u ar %u (%zu bytes)\n",
	        what, tr, (unsigned)((p[0] << 8) | p[1]), name,
	        qend > 0 ? (unsigned)((p[qend - 4] << 8) | p[qend - 3]) : 0,
	        (p[2] & FLAG_QR) ? " qr" : "", (p[2] & FLAG_TC) ? " tc" : "", p[3] & 0x0fu,
	        (unsigned)((p[6] << 8) | p[7]), (unsigned)((p[8] << 8) | p[9]),
	        (unsigned)((p[10] << 8) | p[11]), len);
}

/* The fault for this query: the mode in force, or pass for a name outside the suffix. */
static enum mode fault_for(const uint8_t *p, size_t len)
{
	char name[300];
	size_t qend, nl, sl;

	mode_reload();
	if (cur_mode == M_PASS || (cur_suffix[0] == '\0' && cur_type == 0)) {
		return cur_mode;
	}
	if (question(p, len, name, sizeof(name), &qend) != 0) {
		return cur_mode;
	}
	nl = strlen(name);
	sl = strlen(cur_suffix);
	if ((sl == 0 || (nl >= sl && strcmp(name + nl - sl, cur_suffix) == 0 &&
	                 (nl == sl || name[nl - sl - 1] == '.'))) &&
	    (cur_type == 0 || cur_type == (unsigned)((p[qend - 4] << 8) | p[qend - 3]))) {
		return cur_mode;
	}
	st.faults[M_PASS]++;
	return M_PASS;
}

/* A reply made from the query alone (servfail, refused, truncate, garbage) into out; its
 * length, 0 when the query is too broken to answer. */
static size_t synthesize(enum mode m, const uint8_t *q, size_t qlen, uint8_t *out, size_t outlen)
{
	char name[300];
	size_t qend = 0, n;

	if (qlen < HDR || outlen < 600) {
		return 0;
	}
	if (m == M_GARBAGE) {
		switch (garbage_turn++ % 3) {
		case 0: /* noise */
			n = 1 + (size_t)(rand() % 512);
			for (size_t i = 0; i < n; i++) {
				out[i] = (uint8_t)rand();
			}
			return n;
		case 1: /* the right ID, the rest noise */
			n = HDR + (size_t)(rand() % 500);
			for (size_t i = 0; i < n; i++) {
				out[i] = (uint8_t)rand();
			}
			memcpy(out, q, 2);
			out[2] |= FLAG_QR;
			return n;
		default: /* header and question, records promised and missing */
			if (question(q, qlen, name, sizeof(name), &qend) != 0) {
				return 0;
			}
			memcpy(out, q, qend);
			out[2] = (uint8_t)(FLAG_QR | (q[2] & 0x79) | 0x04);
			out[3] = 0;
			out[4] = 0;
			out[5] = 1;
			out[6] = 0;
			out[7] = 3;
			memset(out + 8, 0, 4);
			out[qend] = 0xc0; /* a pointer into nowhere */
			out[qend + 1] = 0xff;
			return qend + 2;
		}
	}
	if (question(q, qlen, name, sizeof(name), &qend) != 0) {
		return 0;
	}
	memcpy(out, q, qend);
	out[2] = (uint8_t)(FLAG_QR | (q[2] & 0x79)); /* opcode and RD kept */
	out[3] = 0;
	if (m == M_SERVFAIL) {
		out[3] = RCODE_SF;
	} else if (m == M_REFUSED) {
		out[3] = RCODE_REFUSE;
	} else { /* truncate */
		out[2] |= FLAG_TC | 0x04;
	}
	out[4] = 0;
	out[5] = 1;
	memset(out + 6, 0, 6);
	return qend;
}

static int upstream_socket(int type)
{
	int fd = socket(AF_INET, type, 0);

	if (fd < 0) {
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&upstream, sizeof(upstream)) != 0) {
		st.upstream_errors++;
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		close(fd);
		return -1;
	}
	if (type == SOCK_STREAM) {
		int one = 1;

		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return fd;
}

/* ---- UDP ---------------------------------------------------------------------------------- */

static void udp_query(int lfd)
{
	static uint8_t q[UDP_MAX], out[UDP_MAX];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ssize_t k = recvfrom(lfd, q, sizeof(q), 0, (struct sockaddr *)&from, &fromlen);
	enum mode m;
	size_t n;
	int slot = -1;

	if (k < 0) {
		return;
	}
	st.udp_queries++;
	if (k < HDR || (q[2] & FLAG_QR) != 0) {
		st.malformed++;
		return;
	}
	m = fault_for(q, (size_t)k);
	logmsg(mode_names[m], "udp", q, (size_t)k);
	switch (m) {
	case M_SILENT:
		st.faults[m]++;
		return;
	case M_SERVFAIL:
	case M_REFUSED:
	case M_TRUNCATE:
	case M_GARBAGE:
		n = synthesize(m, q, (size_t)k, out, sizeof(out));
		if (n == 0) {
			st.malformed++;
			return;
		}
		st.faults[m]++;
		logmsg("made", "udp", out, n);
		(void)sendto(lfd, out, n, 0, (struct sockaddr *)&from, fromlen);
		return;
	default:
		break;
	}
	for (int i = 0; i < PENDING_MAX; i++) {
		if (pend[i].fd < 0) {
			slot = i;
			break;
		}
	}
	if (slot < 0) {
		st.upstream_lost++;
		return;
	}
	pend[slot].fd = upstream_socket(SOCK_DGRAM);
	if (pend[slot].fd < 0 || send(pend[slot].fd, q, (size_t)k, 0) != k) {
		if (pend[slot].fd >= 0) {
			close(pend[slot].fd);
			pend[slot].fd = -1;
		}
		st.upstream_errors++;
		return;
	}
	st.forwarded_udp++;
	pend[slot].from = from;
	pend[slot].fromlen = fromlen;
	pend[slot].mode = m;
	pend[slot].deadline = now_s() + UPSTREAM_S;
}

static void udp_answer(int lfd, struct pending *p)
{
	static uint8_t a[UDP_MAX];
	ssize_t k = recv(p->fd, a, sizeof(a), 0);

	if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
		return;
	}
	if (k >= HDR) {
		st.upstream_answers++;
		if (p->mode == M_WRONGID) {
			a[0] ^= 0x5a;
			a[1] ^= 0xa5;
			st.faults[M_WRONGID]++;
		} else {
			st.relayed++;
		}
		logmsg("relay", "udp", a, (size_t)k);
		(void)sendto(lfd, a, (size_t)k, 0, (struct sockaddr *)&p->from, p->fromlen);
	} else {
		st.upstream_errors++;
	}
	close(p->fd);
	p->fd = -1;
}

/* ---- TCP ---------------------------------------------------------------------------------- */

static void conn_close(struct conn *c)
{
	close(c->cfd);
	if (c->ufd >= 0) {
		close(c->ufd);
	}
	free(c->cin);
	free(c->uin);
	memset(c, 0, sizeof(*c));
	c->cfd = -1;
	c->ufd = -1;
}

/* Write all of p to a non-blocking socket, waiting up to a second for room. */
static int write_all(int fd, const uint8_t *p, size_t len)
{
	double end = now_s() + 1.0;

	while (len > 0) {
		ssize_t k = send(fd, p, len, MSG_NOSIGNAL);

		if (k > 0) {
			p += k;
			len -= (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EINTR) {
			return -1;
		}
		if (now_s() > end) {
			return -1;
		}
		{
			struct pollfd pfd = {fd, POLLOUT, 0};

			(void)poll(&pfd, 1, 100);
		}
	}
	return 0;
}

static int send_framed(int fd, const uint8_t *msg, size_t len)
{
	static uint8_t buf[2 + UDP_MAX];

	if (len > UDP_MAX) {
		return -1;
	}
	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	memcpy(buf + 2, msg, len);
	return write_all(fd, buf, 2 + len); /* one write: no Nagle wait between length and body */
}

static void tcp_accept(int lfd)
{
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0) {
		return;
	}
	for (int i = 0; i < CONNS_MAX; i++) {
		struct conn *c = &conns[i];

		if (c->cfd >= 0) {
			continue;
		}
		c->cin = malloc(TCP_BUF);
		c->uin = malloc(TCP_BUF);
		if (c->cin == NULL || c->uin == NULL ||
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
			free(c->cin);
			free(c->uin);
			c->cin = c->uin = NULL;
			break;
		}
		{
			int one = 1;

			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		}
		c->cfd = fd;
		c->ufd = -1;
		c->cin_len = c->uin_len = 0;
		c->last = now_s();
		st.tcp_connections++;
		return;
	}
	close(fd);
}

/* One whole query from a client. @return -1 to close the connection. */
static int tcp_query(struct conn *c, const uint8_t *q, size_t len)
{
	static uint8_t out[UDP_MAX];
	enum mode m;
	size_t n;

	st.tcp_queries++;
	if (len < HDR || (q[2] & FLAG_QR) != 0) {
		st.malformed++;
		return -1;
	}
	m = fault_for(q, len);
	logmsg(mode_names[m], "tcp", q, len);
	switch (m) {
	case M_SILENT:
		st.faults[m]++;
		return 0;
	case M_SERVFAIL:
	case M_REFUSED:
	case M_GARBAGE:
		n = synthesize(m, q, len, out, sizeof(out));
		if (n == 0) {
			st.malformed++;
			return -1;
		}
		st.faults[m]++;
		logmsg("made", "tcp", out, n);
		return send_framed(c->cfd, out, n);
	default: /* pass, truncate (TCP is not truncated), wrongid */
		break;
	}
	if (c->ufd < 0 && (c->ufd = upstream_socket(SOCK_STREAM)) < 0) {
		return -1;
	}
	c->mode = m;
	if (send_framed(c->ufd, q, len) != 0) {
		st.upstream_errors++;
		return -1;
	}
	st.forwarded_tcp++;
	return 0;
}

/* Bytes from the client. @return -1 to close the connection. */
static int tcp_client_input(struct conn *c)
{
	ssize_t k = recv(c->cfd, c->cin + c->cin_len, TCP_BUF - c->cin_len, 0);

	if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
		return 0;
	}
	if (k <= 0) {
		return -1;
	}
	c->cin_len += (size_t)k;
	c->last = now_s();
	while (c->cin_len >= 2) {
		size_t l = ((size_t)c->cin[0] << 8) | c->cin[1];

		if (c->cin_len < 2 + l) {
			break;
		}
		if (tcp_query(c, c->cin + 2, l) != 0) {
			return -1;
		}
		memmove(c->cin, c->cin + 2 + l, c->cin_len - 2 - l);
		c->cin_len -= 2 + l;
	}
	return 0;
}

/* Bytes from the upstream. @return -1 to close the connection. */
static int tcp_upstream_input(struct conn *c)
{
	ssize_t k = recv(c->ufd, c->uin + c->uin_len, TCP_BUF - c->uin_len, 0);

	if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
		return 0;
	}
	if (k <= 0) {
		return -1; /* the upstream closed: so does the client's connection */
	}
	c->uin_len += (size_t)k;
	c->last = now_s();
	while (c->uin_len >= 2) {
		size_t l = ((size_t)c->uin[0] << 8) | c->uin[1];

		if (c->uin_len < 2 + l) {
			break;
		}
		if (l < HDR) {
			st.upstream_errors++;
			return -1;
		}
		st.upstream_answers++;
		if (c->mode == M_WRONGID) {
			c->uin[2] ^= 0x5a;
			c->uin[3] ^= 0xa5;
			st.faults[M_WRONGID]++;
		} else {
			st.relayed++;
		}
		logmsg("relay", "tcp", c->uin + 2, l);
		if (write_all(c->cfd, c->uin, 2 + l) != 0) {
			return -1;
		}
		memmove(c->uin, c->uin + 2 + l, c->uin_len - 2 - l);
		c->uin_len -= 2 + l;
	}
	return 0;
}

/* ---- set-up, counters, the loop ----------------------------------------------------------- */

static void stats_print(FILE *f)
{
	fprintf(f, "dumps %lu\n", st.dumps);
	fprintf(f, "mode %s\n", mode_names[cur_mode]);
	fprintf(f, "udp_queries %lu\n", st.udp_queries);
	fprintf(f, "tcp_queries %lu\n", st.tcp_queries);
	fprintf(f, "tcp_connections %lu\n", st.tcp_connections);
	fprintf(f, "forwarded_udp %lu\n", st.forwarded_udp);
	fprintf(f, "forwarded_tcp %lu\n", st.forwarded_tcp);
	fprintf(f, "upstream_answers %lu\n", st.upstream_answers);
	fprintf(f, "upstream_lost %lu\n", st.upstream_lost);
	fprintf(f, "upstream_errors %lu\n", st.upstream_errors);
	fprintf(f, "relayed %lu\n", st.relayed);
	fprintf(f, "malformed %lu\n", st.malformed);
	fprintf(f, "outside_suffix %lu\n", st.faults[M_PASS]);
	for (int m = M_SILENT; m < M_COUNT; m++) {
		fprintf(f, "fault_%s %lu\n", mode_names[m], st.faults[m]);
	}
}

static void stats_write(void)
{
	char tmp[4096];
	FILE *f;

	st.dumps++;
	if (stats_file == NULL) {
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", stats_file);
	f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "dnsfault: %s: %s\n", tmp, strerror(errno));
		return;
	}
	stats_print(f);
	if (fclose(f) != 0 || rename(tmp, stats_file) != 0) {
		fprintf(stderr, "dnsfault: cannot write %s: %s\n", stats_file, strerror(errno));
	}
}

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
	char ip[64];
	const char *at = strchr(s, '@');
	char *end = NULL;
	long port;

	if (at == NULL || (size_t)(at - s) >= sizeof(ip)) {
		return -1;
	}
	memcpy(ip, s, (size_t)(at - s));
	ip[at - s] = '\0';
	port = strtol(at + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535) {
		return -1;
	}
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -1;
}

/* UDP and TCP sockets on 127.0.0.1, the same port (port 0: a free one). */
static int listen_both(unsigned port, int *ufd, int *tfd, unsigned *bound)
{
	for (int tries = 0; tries < 50; tries++) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof(sa);
		int one = 1;

		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sa.sin_port = htons((uint16_t)port);
		*ufd = socket(AF_INET, SOCK_DGRAM, 0);
		*tfd = socket(AF_INET, SOCK_STREAM, 0);
		if (*ufd < 0 || *tfd < 0) {
			return -1;
		}
		(void)setsockopt(*tfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(*ufd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    getsockname(*ufd, (struct sockaddr *)&sa, &sl) == 0 &&
		    bind(*tfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(*tfd, 128) == 0 &&
		    fcntl(*ufd, F_SETFL, O_NONBLOCK) == 0 &&
		    fcntl(*tfd, F_SETFL, O_NONBLOCK) == 0) {
			*bound = ntohs(sa.sin_port);
			return 0;
		}
		close(*ufd);
		close(*tfd);
		if (port != 0) {
			return -1;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	static struct pollfd pfds[2 + PENDING_MAX + 2 * CONNS_MAX];
	static int who[2 + PENDING_MAX + 2 * CONNS_MAX]; /* what each pollfd is */
	struct sigaction sa;
	unsigned lport = 0, bound = 0;
	int ufd, tfd, opt;
	bool have_up = false;

	while ((opt = getopt(argc, argv, "u:l:m:f:s:v")) != -1) {
		switch (opt) {
		case 'u':
			if (parse_addr(optarg, &upstream) != 0) {
				usage();
			}
			have_up = true;
			break;
		case 'l':
			lport = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			if (mode_parse(optarg, strlen(optarg), &cur_mode) != 0) {
				usage();
			}
			break;
		case 'f':
			mode_file = optarg;
			break;
		case 's':
			stats_file = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage();
		}
	}
	if (!have_up || optind != argc || lport > 65535) {
		usage();
	}
	srand((unsigned)getpid());
	for (int i = 0; i < PENDING_MAX; i++) {
		pend[i].fd = -1;
	}
	for (int i = 0; i < CONNS_MAX; i++) {
		conns[i].cfd = -1;
		conns[i].ufd = -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0 ||
	    sigaction(SIGUSR1, &sa, NULL) != 0) {
		return 2;
	}
	if (listen_both(lport, &ufd, &tfd, &bound) != 0) {
		fprintf(stderr, "dnsfault: cannot listen on 127.0.0.1@%u: %s\n", lport,
		        strerror(errno));
		return 2;
	}
	mode_reload();
	stats_write();
	printf("%u\n", bound);
	fflush(stdout);

	while (!want_stop) {
		nfds_t n = 0;
		double now;
		int r;

		if (want_dump) {
			want_dump = 0;
			stats_write();
		}
		pfds[n] = (struct pollfd){ufd, POLLIN, 0};
		who[n++] = -1;
		pfds[n] = (struct pollfd){tfd, POLLIN, 0};
		who[n++] = -2;
		for (int i = 0; i < PENDING_MAX; i++) {
			if (pend[i].fd >= 0) {
				pfds[n] = (struct pollfd){pend[i].fd, POLLIN, 0};
				who[n++] = i;
			}
		}
		for (int i = 0; i < CONNS_MAX; i++) {
			if (conns[i].cfd >= 0) {
				pfds[n] = (struct pollfd){conns[i].cfd, POLLIN, 0};
				who[n++] = PENDING_MAX + 2 * i;
				if (conns[i].ufd >= 0) {
					pfds[n] = (struct pollfd){conns[i].ufd, POLLIN, 0};
					who[n++] = PENDING_MAX + 2 * i + 1;
				}
			}
		}
		r = poll(pfds, n, 100);
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "dnsfault: poll: %s\n", strerror(errno));
			return 2;
		}
		for (nfds_t i = 0; r > 0 && i < n; i++) {
			if (pfds[i].revents == 0) {
				continue;
			}
			if (who[i] == -1) {
				/* a batch: the queue may hold many */
				for (int k = 0; k < 64; k++) {
					struct pollfd p1 = {ufd, POLLIN, 0};

					if (poll(&p1, 1, 0) <= 0) {
						break;
					}
					udp_query(ufd);
				}
			} else if (who[i] == -2) {
				tcp_accept(tfd);
			} else if (who[i] < PENDING_MAX) {
				if (pend[who[i]].fd >= 0) {
					udp_answer(ufd, &pend[who[i]]);
				}
			} else {
				struct conn *c = &conns[(who[i] - PENDING_MAX) / 2];
				bool up = (who[i] - PENDING_MAX) % 2 == 1;

				if (c->cfd < 0 || (up && c->ufd < 0)) {
					continue; /* closed earlier in this round */
				}
				if ((up ? tcp_upstream_input(c) : tcp_client_input(c)) != 0) {
					conn_close(c);
				}
			}
		}
		now = now_s();
		for (int i = 0; i < PENDING_MAX; i++) {
			if (pend[i].fd >= 0 && now > pend[i].deadline) {
				st.upstream_lost++;
				close(pend[i].fd);
				pend[i].fd = -1;
			}
		}
		for (int i = 0; i < CONNS_MAX; i++) {
			if (conns[i].cfd >= 0 && now - conns[i].last > IDLE_S) {
				conn_close(&conns[i]);
			}
		}
	}
	stats_write();
	stats_print(stdout);
	return 0;
}
