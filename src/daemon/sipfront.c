/* sipfront — SIP over UDP and TCP on the daemon's libevent loop.
 *
 * Outline:
 *   1. UDP: each datagram (at most DANECID_SIP_MSG_MAX bytes) is one message; the answer goes
 *      back to the source address. TCP: each connection keeps its own input buffer, finds the
 *      blank line incrementally, then frames the body with danecid_sip_frame(); several
 *      requests may follow each other; garbage closes the connection. CRLF keep-alives are
 *      skipped (a CRLFCRLF ping on TCP gets a CRLF pong, RFC 5626 §4.4.1).
 *   2. Every message is scanned with danecid_sip_head_scan(). Responses and messages without
 *      the headers a response needs are dropped; other malformed requests get 400; ACK gets
 *      nothing; OPTIONS and CANCEL get 200; methods other than INVITE get 405.
 *   3. An INVITE is looked up by its transaction key (top Via branch, Call-ID, CSeq, From tag)
 *      in one table of transactions: a finished one is answered with the stored response
 *      bytes (a retransmission is never verified twice), one in flight is ignored; a new one
 *      is submitted to the worker pool with dd_submit_sip().
 *   4. When the verdict comes, the response is built (302 with Contact = Request-URI and the
 *      verdict in P-Asserted-Identity ;verstat=, plus Reason on failure; with reject-on-fail
 *      the RFC 8224 code itself), sent, and kept for SIP_CACHE_TTL seconds; at most
 *      SIP_CACHE_MAX responses are kept, the oldest leaving first.
 * This is a stateless redirect server in the sense of RFC 3261 §8.2.7: it does not retransmit
 * its final responses itself; the client's INVITE retransmissions fetch them again.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include <danecid/danecid.h>
#include <danecid/error.h>

#include "daemon.h"
#include "log.h"
#include "metrics.h"
#include "sipfront.h"
#include "sipreply.h"
#include "util.h"

/* Seconds a final INVITE response is kept for retransmissions (64 * T1, RFC 3261 Timer H). */
#define SIP_CACHE_TTL 32
/* Final responses kept at most; beyond that the oldest is dropped. */
#define SIP_CACHE_MAX 32768
/* Hash buckets of the transaction table (a power of two). */
#define SIP_BUCKETS 32768
/* Open TCP connections at most; beyond that new ones are closed at once. */
#define SIP_TCP_MAX_CONNS 1024
/* Response bytes a TCP peer may leave unread before it is disconnected. */
#define SIP_TCP_OUT_MAX (1u << 20)
/* Seconds a TCP connection may stay silent. */
#define SIP_TCP_IDLE 600
/* Datagrams read per wake-up before other events get their turn. */
#define SIP_UDP_BATCH 64
/* Seconds between two warnings about malformed traffic. */
#define SIP_WARN_INTERVAL 60

static const char allow_hdr[] = "Allow: INVITE, ACK, CANCEL, OPTIONS";

struct conn;

/* Where an answer goes. */
struct peer {
	bool tcp;
	struct conn *conn; /* tcp */
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

/* One INVITE transaction: in flight (job set, request kept) or finished (response kept). */
struct tx {
	struct dd_sip *s;
	char *key;
	size_t key_len;
	uint64_t hash;
	struct tx *hnext;         /* hash chain */
	struct tx *prev, *next;   /* s->pending or s->done list */
	struct tx *cprev, *cnext; /* the TCP connection's pending list */
	bool done;
	struct dd_job *job;
	char *req; /* the request head, while in flight */
	size_t req_len;
	char *resp; /* the final response, once finished */
	size_t resp_len;
	time_t expires; /* monotonic seconds */
	struct peer peer;
};

/* A doubly linked list of transactions in order of arrival (pending) or completion (done). */
struct tx_list {
	struct tx *head, *tail;
	size_t n;
};

/* One TCP connection. */
struct conn {
	struct dd_sip *s;
	struct bufferevent *bev;
	struct conn *prev, *next;
	struct tx *pending; /* transactions in flight for this connection */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *buf; /* input not yet handled */
	size_t len, cap;
	size_t scan;        /* where the search for the blank line resumes */
	size_t need;        /* length of the message being received, once its head is complete */
	bool start_ok;      /* the start line was checked */
	bool dead;          /* to be freed by the reaper */
	struct conn *dnext; /* reaper list */
};

struct dd_sip {
	struct dd *d;
	evutil_socket_t udp_fd;
	struct event *udp_ev;
	struct evconnlistener *listener;
	struct event *tick_ev; /* cache expiry, listener re-enable */
	struct event *reap_ev; /* frees dead connections */
	struct conn *conns;
	size_t n_conns;
	struct conn *dead;
	struct tx **buckets;
	struct tx_list pending;
	struct tx_list done;
	uint8_t hash_key[16];
	bool listener_paused;
	time_t warn_last;
	unsigned long warn_count;
	char ubuf[DANECID_SIP_MSG_MAX];
};

/* --- small helpers ------------------------------------------------------------------------ */

static time_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = ROTL(v1, 13);                                                                 \
		v1 ^= v0;                                                                          \
		v0 = ROTL(v0, 32);                                                                 \
		v2 += v3;                                                                          \
		v3 = ROTL(v3, 16);                                                                 \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = ROTL(v3, 21);                                                                 \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = ROTL(v1, 17);                                                                 \
		v1 ^= v2;                                                                          \
		v2 = ROTL(v2, 32);                                                                 \
	} while (0)

static uint64_t load64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--) {
		v = (v << 8) | p[i];
	}
	return v;
}

/* SipHash-2-4 with a per-process random key: transaction keys come from the network, and a
 * predictable hash would let a sender pile them into one bucket. */
static uint64_t siphash(const uint8_t key[16], const char *in, size_t n)
{
	const uint8_t *p = (const uint8_t *)in;
	uint64_t k0 = load64(key);
	uint64_t k1 = load64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)n << 56;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t m = load64(p + i);

		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < n; j++) {
		b |= (uint64_t)p[i + j] << (8 * j);
	}
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* "udp 192.0.2.1:5060" for log lines. */
static void peer_name(const struct peer *p, char *out, size_t outlen)
{
	const struct sockaddr_storage *ss = p->tcp ? &p->conn->addr : &p->addr;
	socklen_t sl = p->tcp ? p->conn->addrlen : p->addrlen;
	char host[INET6_ADDRSTRLEN];
	char serv[8];

	if (getnameinfo((const struct sockaddr *)ss, sl, host, sizeof(host), serv, sizeof(serv),
	                NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(host, sizeof(host), "?");
		snprintf(serv, sizeof(serv), "?");
	}
	snprintf(out, outlen, "%s %s%s%s:%s", p->tcp ? "tcp" : "udp",
	         ss->ss_family == AF_INET6 ? "[" : "", host, ss->ss_family == AF_INET6 ? "]" : "",
	         serv);
}

/* A span made safe for a log line: printable ASCII, at most 80 characters. */
static void printable(struct danecid_span sp, char *out, size_t outlen)
{
	size_t n = 0;

	for (size_t i = 0; sp.p != NULL && i < sp.len && n + 4 < outlen && i < 80; i++) {
		unsigned char c = (unsigned char)sp.p[i];

		out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[n] = '\0';
}

static bool span_is(struct danecid_span sp, const char *s)
{
	size_t n = strlen(s);

	return sp.p != NULL && sp.len == n && memcmp(sp.p, s, n) == 0;
}

/* Debug lines cost a getnameinfo(): format them only when they will be written. */
static bool debug_enabled(struct dd_sip *s)
{
	const struct danecid_config *cfg = dd_config(s->d);

	return cfg != NULL && cfg->log_level >= DD_DEBUG;
}

/* Malformed traffic: a warning at most once per SIP_WARN_INTERVAL, debug lines otherwise. */
static void note_garbage(struct dd_sip *s, const struct peer *p, const char *what)
{
	char name[96];
	time_t now = mono_now();
	bool warn = s->warn_last == 0 || now - s->warn_last >= SIP_WARN_INTERVAL;

	s->warn_count++;
	if (!warn && !debug_enabled(s)) {
		return;
	}
	peer_name(p, name, sizeof(name));
	if (warn) {
		dd_log(DD_WARN,
		       "sip: %lu malformed message(s) dropped or refused since the last warning; "
		       "latest from %s: %s",
		       s->warn_count, name, what);
		s->warn_last = now;
		s->warn_count = 0;
	} else {
		dd_log(DD_DEBUG, "sip: malformed message from %s: %s", name, what);
	}
}

/* --- sending ------------------------------------------------------------------------------ */

static void conn_kill(struct conn *c);

static void send_bytes(struct dd_sip *s, const struct peer *p, const char *buf, size_t len)
{
	if (p->tcp) {
		struct conn *c = p->conn;

		if (c->dead) {
			return;
		}
		if (bufferevent_write(c->bev, buf, len) != 0 ||
		    evbuffer_get_length(bufferevent_get_output(c->bev)) > SIP_TCP_OUT_MAX) {
			dd_log(DD_DEBUG, "sip: tcp peer does not read its responses: closing");
			conn_kill(c);
		}
		return;
	}
	if (sendto(s->udp_fd, buf, len, 0, (const struct sockaddr *)&p->addr, p->addrlen) < 0) {
		dd_log(DD_DEBUG, "sip: sendto: %s", strerror(errno));
	}
}

/* Build a response from the request and send it. */
static void answer(struct dd_sip *s, const struct peer *p, const char *msg, size_t len, int code,
                   const char *const *extra, size_t n_extra)
{
	char *out = NULL;
	size_t out_len = 0;
	int r = danecid_sip_reply(msg, len, code, extra, n_extra, &out, &out_len);

	if (r != DANECID_OK) {
		dd_log(DD_DEBUG, "sip: cannot build a %d response: %s", code, danecid_strerror(r));
		return;
	}
	send_bytes(s, p, out, out_len);
	free(out);
}

/* --- the transaction table ------------------------------------------------------------------ */

static void list_append(struct tx_list *l, struct tx *t)
{
	t->prev = l->tail;
	t->next = NULL;
	if (l->tail != NULL) {
		l->tail->next = t;
	} else {
		l->head = t;
	}
	l->tail = t;
	l->n++;
}

static void list_remove(struct tx_list *l, struct tx *t)
{
	if (t->prev != NULL) {
		t->prev->next = t->next;
	} else {
		l->head = t->next;
	}
	if (t->next != NULL) {
		t->next->prev = t->prev;
	} else {
		l->tail = t->prev;
	}
	t->prev = t->next = NULL;
	l->n--;
}

static struct tx **bucket(struct dd_sip *s, uint64_t hash)
{
	return &s->buckets[hash & (SIP_BUCKETS - 1)];
}

static struct tx *tx_find(struct dd_sip *s, const char *key, size_t key_len, uint64_t hash)
{
	for (struct tx *t = *bucket(s, hash); t != NULL; t = t->hnext) {
		if (t->hash == hash && t->key_len == key_len && memcmp(t->key, key, key_len) == 0) {
			return t;
		}
	}
	return NULL;
}

static void conn_unlink_tx(struct tx *t)
{
	struct conn *c = t->peer.tcp ? t->peer.conn : NULL;

	if (c == NULL || t->done) {
		return;
	}
	if (t->cprev != NULL) {
		t->cprev->cnext = t->cnext;
	} else if (c->pending == t) {
		c->pending = t->cnext;
	}
	if (t->cnext != NULL) {
		t->cnext->cprev = t->cprev;
	}
	t->cprev = t->cnext = NULL;
}

/* Take a transaction out of every structure and free it (its job must be settled). */
static void tx_free(struct tx *t)
{
	struct dd_sip *s = t->s;
	struct tx **pp = bucket(s, t->hash);

	while (*pp != NULL && *pp != t) {
		pp = &(*pp)->hnext;
	}
	if (*pp == t) {
		*pp = t->hnext;
	}
	conn_unlink_tx(t);
	list_remove(t->done ? &s->done : &s->pending, t);
	free(t->key);
	free(t->req);
	free(t->resp);
	free(t);
}

/* Drop finished transactions that are too old, or too many. */
static void cache_expire(struct dd_sip *s, time_t now)
{
	while (s->done.head != NULL &&
	       (s->done.head->expires <= now || s->done.n > SIP_CACHE_MAX)) {
		tx_free(s->done.head);
	}
}

/* --- INVITE ------------------------------------------------------------------------------- */

/* The RFC 8224 response code of a failed verdict; 438 when it names none we know. */
static int rfc8224_code(int sip_code)
{
	switch (sip_code) {
	case 403:
	case 428:
	case 436:
	case 437:
	case 438:
		return sip_code;
	default:
		return 438;
	}
}

/*
 * The final response to a verified INVITE (request head in t->req):
 *   302 Moved Temporarily, Contact: <Request-URI>,
 *   P-Asserted-Identity: <tel:+ORIG;verstat=V> (or the From URI with ;verstat= when the verdict
 *   names no number), and for TN-Validation-Failed Reason: SIP ;cause=C ;text="token";
 *   with reject-on-fail a failed call gets the RFC 8224 code and the Reason instead.
 */
static int verdict_response(struct dd_sip *s, const struct tx *t, const struct danecid_verdict *v,
                            int err, char **out, size_t *out_len)
{
	int r = DANECID_ERR_INTERNAL;
	const struct danecid_config *cfg = dd_config(s->d);
	bool failed = v->verstat == DANECID_VERSTAT_FAILED;
	const char *verstat = danecid_verstat_name(v->verstat);
	struct danecid_sip_head h;
	char *contact = NULL;
	char *pai = NULL;
	char *reason = NULL;
	const char *extra[3];
	size_t n = 0;
	int code = rfc8224_code(v->sip_code);

	danecid_sip_head_scan(t->req, t->req_len, &h, NULL, 0);
	if (!h.replyable || h.ruri.p == NULL) {
		r = DANECID_ERR_NOT_SIP;
		goto out;
	}
	if (err != DANECID_OK) {
		/* the verifier could not read it as a SIP request: no verdict to give */
		dd_metrics_rejected(dd_metrics(s->d), DD_FE_SIP);
		r = danecid_sip_reply(t->req, t->req_len, 400, NULL, 0, out, out_len);
		goto out;
	}
	if (failed && asprintf(&reason, "Reason: SIP ;cause=%d ;text=\"%s\"", code,
	                       danecid_reason_token(v->reason)) < 0) {
		reason = NULL;
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if (failed && cfg != NULL && cfg->reject_on_fail) {
		extra[n++] = reason;
		r = danecid_sip_reply(t->req, t->req_len, code, extra, n, out, out_len);
		goto out;
	}
	if (asprintf(&contact, "Contact: <%.*s>", (int)h.ruri.len, h.ruri.p) < 0) {
		contact = NULL;
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if (v->orig[0] != '\0') {
		if (asprintf(&pai, "P-Asserted-Identity: <tel:+%s;verstat=%s>", v->orig, verstat) <
		    0) {
			pai = NULL;
		}
	} else {
		/* the From URI, with ;verstat= before any URI headers ("?...") */
		struct danecid_span u = h.from_uri;
		const char *q = u.p != NULL ? memchr(u.p, '?', u.len) : NULL;
		size_t before = q != NULL ? (size_t)(q - u.p) : u.len;

		if (u.p == NULL || u.len == 0) {
			u.p = "sip:anonymous@anonymous.invalid";
			u.len = strlen(u.p);
			before = u.len;
		}
		if (asprintf(&pai, "P-Asserted-Identity: <%.*s;verstat=%s%.*s>", (int)before, u.p,
		             verstat, (int)(u.len - before), u.p + before) < 0) {
			pai = NULL;
		}
	}
	if (pai == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	extra[n++] = contact;
	extra[n++] = pai;
	if (failed) {
		extra[n++] = reason;
	}
	r = danecid_sip_reply(t->req, t->req_len, 302, extra, n, out, out_len);
out:
	free(contact);
	free(pai);
	free(reason);
	return r;
}

/* dd_done_fn: the verdict of an INVITE. */
static void on_verdict(const struct danecid_verdict *v, int err, void *arg)
{
	struct tx *t = arg;
	struct dd_sip *s = t->s;
	char *resp = NULL;
	size_t resp_len = 0;
	time_t now = mono_now();
	struct peer peer;
	int r = verdict_response(s, t, v, err, &resp, &resp_len);

	t->job = NULL;
	if (r != DANECID_OK) {
		/* nothing sent: a retransmission will try again */
		dd_log(DD_ERR, "sip: cannot build the response to a verified INVITE: %s",
		       danecid_strerror(r));
		tx_free(t);
		return;
	}
	dd_log(DD_DEBUG, "sip: INVITE answered: %s %s", danecid_verstat_name(v->verstat),
	       danecid_reason_token(v->reason));
	/* into the cache first: sending may close a TCP connection, which frees its pending
	 * transactions */
	peer = t->peer;
	conn_unlink_tx(t);
	list_remove(&s->pending, t);
	t->done = true;
	t->peer.tcp = false; /* a later retransmission brings its own peer */
	t->peer.conn = NULL;
	free(t->req);
	t->req = NULL;
	t->resp = resp;
	t->resp_len = resp_len;
	t->expires = now + SIP_CACHE_TTL;
	list_append(&s->done, t);
	send_bytes(s, &peer, resp, resp_len);
	cache_expire(s, now);
}

static void handle_invite(struct dd_sip *s, const struct peer *p, const char *msg, size_t len,
                          const struct danecid_sip_head *h)
{
	struct dd_metrics *m = dd_metrics(s->d);
	char *key = NULL;
	size_t key_len = 0;
	uint64_t hash;
	struct tx *t;
	struct dd_job *job;
	size_t end = h->head_len + (h->has_content_length ? h->content_length : len - h->head_len);

	cache_expire(s, mono_now());
	if (danecid_sip_txkey(h, &key, &key_len) != DANECID_OK) {
		dd_metrics_rejected(m, DD_FE_SIP);
		answer(s, p, msg, len, 503, NULL, 0);
		return;
	}
	hash = siphash(s->hash_key, key, key_len);
	t = tx_find(s, key, key_len, hash);
	if (t != NULL) {
		free(key);
		if (t->done) {
			dd_log(DD_DEBUG, "sip: INVITE retransmission answered from the cache");
			send_bytes(s, p, t->resp, t->resp_len);
		} else {
			dd_log(DD_DEBUG, "sip: INVITE retransmission while in flight: ignored");
		}
		return;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL || (t->req = malloc(h->head_len - h->start)) == NULL) {
		free(t);
		free(key);
		dd_metrics_rejected(m, DD_FE_SIP);
		answer(s, p, msg, len, 503, NULL, 0);
		return;
	}
	t->s = s;
	t->key = key;
	t->key_len = key_len;
	t->hash = hash;
	t->req_len = h->head_len - h->start;
	memcpy(t->req, msg + h->start, t->req_len);
	t->peer = *p;
	t->hnext = *bucket(s, hash);
	*bucket(s, hash) = t;
	list_append(&s->pending, t);
	if (p->tcp) {
		t->cnext = p->conn->pending;
		if (t->cnext != NULL) {
			t->cnext->cprev = t;
		}
		p->conn->pending = t;
	}
	job = dd_submit_sip(s->d, DD_FE_SIP, msg + h->start, end - h->start, on_verdict, t);
	if (job == NULL) {
		/* refused (queue full, no memory): fail closed at once, nothing cached */
		dd_metrics_rejected(m, DD_FE_SIP);
		dd_log(DD_DEBUG, "sip: verification refused: 503");
		answer(s, p, msg, len, 503, NULL, 0);
		tx_free(t);
		return;
	}
	/* done may already have run (a verdict ready at once): then t is in the done list */
	if (!t->done) {
		t->job = job;
	}
}

/*
 * One message from a peer. @return false when it is garbage (a TCP connection should then
 * be closed).
 */
static bool handle_message(struct dd_sip *s, const struct peer *p, const char *msg, size_t len)
{
	struct dd_metrics *m = dd_metrics(s->d);
	struct danecid_sip_head h;
	char err[160];
	char cid[96];
	int r;

	dd_metrics_request(m, DD_FE_SIP);
	r = danecid_sip_head_scan(msg, len, &h, err, sizeof(err));
	if (r != DANECID_OK) {
		bool ack = span_is(h.method, "ACK") ||
		           (len - h.start >= 4 && memcmp(msg + h.start, "ACK ", 4) == 0);

		dd_metrics_rejected(m, DD_FE_SIP);
		note_garbage(s, p, err);
		if (!h.replyable || ack) {
			return h.replyable;
		}
		answer(s, p, msg, len, 400, NULL, 0);
		return true;
	}
	if (debug_enabled(s)) {
		char name[96];

		peer_name(p, name, sizeof(name));
		printable(h.call_id, cid, sizeof(cid));
		dd_log(DD_DEBUG, "sip: %.*s from %s, Call-ID %s", (int)h.method.len, h.method.p,
		       name, cid);
	}
	if (span_is(h.method, "INVITE")) {
		handle_invite(s, p, msg, len, &h);
	} else if (span_is(h.method, "ACK")) {
		/* the ACK of our final response: nothing to say */
	} else if (span_is(h.method, "OPTIONS") || span_is(h.method, "CANCEL")) {
		const char *const extra[] = {allow_hdr};

		answer(s, p, msg, len, 200, extra, 1);
	} else {
		const char *const extra[] = {allow_hdr};

		dd_metrics_rejected(m, DD_FE_SIP);
		answer(s, p, msg, len, 405, extra, 1);
	}
	return true;
}

/* Only CR, LF, SP or HT: a keep-alive, not a message. */
static bool keepalive(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != '\r' && p[i] != '\n' && p[i] != ' ' && p[i] != '\t') {
			return false;
		}
	}
	return true;
}

/* --- UDP ---------------------------------------------------------------------------------- */

static void udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct dd_sip *s = arg;

	(void)what;
	for (int i = 0; i < SIP_UDP_BATCH; i++) {
		struct peer p;
		ssize_t n;

		memset(&p, 0, sizeof(p));
		p.addrlen = sizeof(p.addr);
		n = recvfrom(fd, s->ubuf, sizeof(s->ubuf), MSG_TRUNC, (struct sockaddr *)&p.addr,
		             &p.addrlen);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				dd_log(DD_DEBUG, "sip: recvfrom: %s", strerror(errno));
			}
			return;
		}
		if ((size_t)n > sizeof(s->ubuf)) {
			dd_metrics_request(dd_metrics(s->d), DD_FE_SIP);
			dd_metrics_rejected(dd_metrics(s->d), DD_FE_SIP);
			note_garbage(s, &p, "datagram larger than 64 KiB");
			continue;
		}
		if (keepalive(s->ubuf, (size_t)n)) {
			continue;
		}
		handle_message(s, &p, s->ubuf, (size_t)n);
	}
}

/* --- TCP ---------------------------------------------------------------------------------- */

/* Cancel and free the transactions still waiting for a verdict on a connection. */
static void conn_drop_pending(struct conn *c)
{
	while (c->pending != NULL) {
		struct tx *t = c->pending;

		if (t->job != NULL) {
			dd_job_cancel(t->job);
			t->job = NULL;
		}
		tx_free(t);
	}
}

static void conn_free(struct conn *c)
{
	struct dd_sip *s = c->s;

	conn_drop_pending(c);
	if (c->prev != NULL) {
		c->prev->next = c->next;
	} else if (s->conns == c) {
		s->conns = c->next;
	}
	if (c->next != NULL) {
		c->next->prev = c->prev;
	}
	s->n_conns--;
	if (c->bev != NULL) {
		bufferevent_free(c->bev);
	}
	free(c->buf);
	free(c);
	if (s->listener != NULL && s->listener_paused && s->n_conns < SIP_TCP_MAX_CONNS) {
		s->listener_paused = false;
		evconnlistener_enable(s->listener);
	}
}

/* Close a connection from a place that may still hold it: cancel its work now, free it from
 * the loop a moment later. */
static void conn_kill(struct conn *c)
{
	struct dd_sip *s = c->s;

	if (c->dead) {
		return;
	}
	c->dead = true;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	conn_drop_pending(c);
	c->dnext = s->dead;
	s->dead = c;
	event_active(s->reap_ev, EV_TIMEOUT, 0);
}

static void reap(evutil_socket_t fd, short what, void *arg)
{
	struct dd_sip *s = arg;

	(void)fd;
	(void)what;
	while (s->dead != NULL) {
		struct conn *c = s->dead;

		s->dead = c->dnext;
		conn_free(c);
	}
}

/* Is the blank line that ends a head in buf? Resumes at *scan (kept across reads). */
static bool find_blank(const char *p, size_t len, size_t *scan)
{
	size_t i;

	for (i = *scan; i < len; i++) {
		if (p[i] != '\n') {
			continue;
		}
		if (i + 1 >= len) {
			break;
		}
		if (p[i + 1] == '\n') {
			return true;
		}
		if (p[i + 1] == '\r') {
			if (i + 2 >= len) {
				break;
			}
			if (p[i + 2] == '\n') {
				return true;
			}
		}
	}
	*scan = i;
	return false;
}

/* Handle every complete message in the connection's buffer. @return false: close it. */
static bool conn_drain(struct conn *c)
{
	static const char ping[] = "\r\n\r\n";

	while (c->len > 0 && !c->dead) {
		size_t mlen = 0;
		struct peer p;

		/* keep-alives between messages: CRLFCRLF gets CRLF back (RFC 5626 §4.4.1) */
		if (c->need == 0 && (c->buf[0] == '\r' || c->buf[0] == '\n')) {
			size_t k = c->len < 4 ? c->len : 4;

			if (memcmp(c->buf, ping, k) == 0 && k < 4) {
				break; /* maybe a ping: wait for the rest */
			}
			k = memcmp(c->buf, ping, k) == 0 ? 4 : 1;
			if (k == 4) {
				bufferevent_write(c->bev, "\r\n", 2);
			}
			memmove(c->buf, c->buf + k, c->len - k);
			c->len -= k;
			continue;
		}
		if (c->need == 0) {
			if (!c->start_ok) {
				const char *nl = memchr(c->buf, '\n', c->len);

				if (nl != NULL) {
					if (danecid_sip_frame(c->buf, (size_t)(nl - c->buf) + 1,
					                      DANECID_SIP_MSG_MAX,
					                      &mlen) != DANECID_OK) {
						return false;
					}
					c->start_ok = true;
				}
			}
			if (!find_blank(c->buf, c->len, &c->scan)) {
				return c->len < DANECID_SIP_MSG_MAX;
			}
			if (danecid_sip_frame(c->buf, c->len, DANECID_SIP_MSG_MAX, &mlen) !=
			        DANECID_OK ||
			    mlen == 0) {
				return false;
			}
			c->need = mlen;
		}
		if (c->len < c->need) {
			break;
		}
		memset(&p, 0, sizeof(p));
		p.tcp = true;
		p.conn = c;
		if (!handle_message(c->s, &p, c->buf, c->need)) {
			return false;
		}
		memmove(c->buf, c->buf + c->need, c->len - c->need);
		c->len -= c->need;
		c->need = 0;
		c->scan = 0;
		c->start_ok = false;
	}
	return true;
}

/* Grow the input buffer towards DANECID_SIP_MSG_MAX. */
static bool conn_grow(struct conn *c)
{
	size_t cap = c->cap == 0 ? 4096 : c->cap * 2;
	char *nb;

	if (cap > DANECID_SIP_MSG_MAX) {
		cap = DANECID_SIP_MSG_MAX;
	}
	if (cap <= c->cap) {
		return false;
	}
	nb = realloc(c->buf, cap);
	if (nb == NULL) {
		return false;
	}
	c->buf = nb;
	c->cap = cap;
	return true;
}

static void conn_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (!c->dead && evbuffer_get_length(in) > 0) {
		int got;

		if (c->len == c->cap && !conn_grow(c)) {
			/* a full buffer holds no complete message: it is too long */
			note_garbage(c->s, &(struct peer){.tcp = true, .conn = c},
			             "tcp message larger than 64 KiB");
			conn_kill(c);
			return;
		}
		got = evbuffer_remove(in, c->buf + c->len, c->cap - c->len);
		if (got <= 0) {
			break;
		}
		c->len += (size_t)got;
		if (!conn_drain(c)) {
			if (!c->dead) {
				dd_metrics_request(dd_metrics(c->s->d), DD_FE_SIP);
				dd_metrics_rejected(dd_metrics(c->s->d), DD_FE_SIP);
				note_garbage(c->s, &(struct peer){.tcp = true, .conn = c},
				             "unframeable tcp stream: closing");
				conn_kill(c);
			}
			return;
		}
	}
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
		conn_kill(c);
	}
}

static void on_accept(struct evconnlistener *lst, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
	struct dd_sip *s = arg;
	struct conn *c;
	struct timeval idle = {SIP_TCP_IDLE, 0};

	(void)lst;
	if (s->n_conns >= SIP_TCP_MAX_CONNS) {
		dd_log(DD_WARN, "sip: %d tcp connections open: refusing more for now",
		       SIP_TCP_MAX_CONNS);
		evutil_closesocket(fd);
		s->listener_paused = true;
		evconnlistener_disable(s->listener);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->s = s;
	if (salen > 0 && (size_t)salen <= sizeof(c->addr)) {
		memcpy(&c->addr, sa, (size_t)salen);
		c->addrlen = (socklen_t)salen;
	}
	c->bev = bufferevent_socket_new(dd_base(s->d), fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = s->conns;
	if (c->next != NULL) {
		c->next->prev = c;
	}
	s->conns = c;
	s->n_conns++;
}

static void on_accept_error(struct evconnlistener *lst, void *arg)
{
	struct dd_sip *s = arg;
	int e = EVUTIL_SOCKET_ERROR();

	/* out of descriptors: pause accepting until the next tick instead of spinning */
	dd_log(DD_WARN, "sip: accept: %s", evutil_socket_error_to_string(e));
	evconnlistener_disable(lst);
	s->listener_paused = true;
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
	struct dd_sip *s = arg;

	(void)fd;
	(void)what;
	cache_expire(s, mono_now());
	if (s->listener_paused && s->n_conns < SIP_TCP_MAX_CONNS) {
		s->listener_paused = false;
		evconnlistener_enable(s->listener);
	}
}

/* --- start and stop ----------------------------------------------------------------------- */

/* "IP@PORT" (IPv6 with or without brackets) into a socket address. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sl,
                        char *errbuf, size_t errlen)
{
	if (danecid_addr_parse(listen, -1, ss, sl) != DANECID_OK) {
		snprintf(errbuf, errlen, "sip-listen: \"%s\" is not IP@PORT (a numeric address)",
		         listen != NULL ? listen : "");
		return -1;
	}
	return 0;
}

int dd_sip_start(struct dd *d, const char *listen, struct dd_sip **out, char *errbuf, size_t errlen)
{
	struct dd_sip *s = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	int one = 1;
	int rcvbuf = 1 << 20;

	if (out != NULL) {
		*out = NULL;
	}
	if (errbuf != NULL && errlen > 0) {
		errbuf[0] = '\0';
	}
	if (d == NULL || out == NULL) {
		snprintf(errbuf, errlen, "sip: invalid argument");
		return -1;
	}
	if (parse_listen(listen, &ss, &sl, errbuf, errlen) != 0) {
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(errbuf, errlen, "sip: out of memory");
		return -1;
	}
	s->d = d;
	s->udp_fd = -1;
	s->buckets = calloc(SIP_BUCKETS, sizeof(*s->buckets));
	if (s->buckets == NULL) {
		snprintf(errbuf, errlen, "sip: out of memory");
		goto fail;
	}
	if (getrandom(s->hash_key, sizeof(s->hash_key), 0) != (ssize_t)sizeof(s->hash_key)) {
		evutil_secure_rng_get_bytes(s->hash_key, sizeof(s->hash_key));
	}

	s->udp_fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->udp_fd < 0) {
		snprintf(errbuf, errlen, "sip: udp socket: %s", strerror(errno));
		goto fail;
	}
	setsockopt(s->udp_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)); /* best effort */
	if (ss.ss_family == AF_INET6) {
		setsockopt(s->udp_fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	if (bind(s->udp_fd, (struct sockaddr *)&ss, sl) != 0) {
		snprintf(errbuf, errlen, "sip: bind udp %s: %s", listen, strerror(errno));
		goto fail;
	}
	/* port 0: TCP takes the port UDP was given */
	if (getsockname(s->udp_fd, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(errbuf, errlen, "sip: getsockname: %s", strerror(errno));
		goto fail;
	}
	s->udp_ev = event_new(dd_base(d), s->udp_fd, EV_READ | EV_PERSIST, udp_read, s);
	s->tick_ev = event_new(dd_base(d), -1, EV_PERSIST, tick, s);
	s->reap_ev = event_new(dd_base(d), -1, 0, reap, s);
	if (s->udp_ev == NULL || s->tick_ev == NULL || s->reap_ev == NULL) {
		snprintf(errbuf, errlen, "sip: out of memory");
		goto fail;
	}
	s->listener = evconnlistener_new_bind(dd_base(d), on_accept, s,
	                                      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	                                          LEV_OPT_CLOSE_ON_EXEC,
	                                      128, (struct sockaddr *)&ss, (int)sl);
	if (s->listener == NULL) {
		snprintf(errbuf, errlen, "sip: bind tcp %s: %s", listen, strerror(errno));
		goto fail;
	}
	evconnlistener_set_error_cb(s->listener, on_accept_error);
	if (event_add(s->udp_ev, NULL) != 0 ||
	    event_add(s->tick_ev, &(struct timeval){1, 0}) != 0) {
		snprintf(errbuf, errlen, "sip: cannot register with the event loop");
		goto fail;
	}
	dd_log(DD_INFO, "sip: listening on udp and tcp %s", listen);
	*out = s;
	return 0;
fail:
	dd_sip_stop(s);
	return -1;
}

void dd_sip_stop(struct dd_sip *s)
{
	if (s == NULL) {
		return;
	}
	if (s->listener != NULL) {
		evconnlistener_free(s->listener);
		s->listener = NULL;
	}
	if (s->udp_ev != NULL) {
		event_free(s->udp_ev);
	}
	if (s->tick_ev != NULL) {
		event_free(s->tick_ev);
	}
	if (s->udp_fd >= 0) {
		evutil_closesocket(s->udp_fd);
	}
	/* pending verifications first (UDP and TCP), then connections, then the cache */
	while (s->pending.head != NULL) {
		struct tx *t = s->pending.head;

		if (t->job != NULL) {
			dd_job_cancel(t->job);
			t->job = NULL;
		}
		tx_free(t);
	}
	while (s->conns != NULL) {
		conn_free(s->conns); /* also the dead ones: they stay in s->conns until reaped */
	}
	s->dead = NULL;
	if (s->reap_ev != NULL) {
		event_free(s->reap_ev);
	}
	while (s->done.head != NULL) {
		tx_free(s->done.head);
	}
	free(s->buckets);
	free(s);
}
