/* soak — sustained mixed load against danecidd, every answer checked (tests/integration/soak.sh).
 *
 *   soak -p HTTP_PORT -k KEYDIR [-s SIP_PORT] [-d SECONDS] [-r RATE] [-c HTTP_CONNS]
 *        [-u UDP_SOCKETS] [-T TCP_CONNS] [-a HTTP_LEAVERS] [-A TCP_LEAVERS]
 *        [-R LEAVER_RATE] [-W WARMUP] [-F FRESHNESS] [-S SEED] [-t TIMEOUT]
 *
 * Outline of operations:
 *  1. One thread per HTTP connection (keep-alive, POST /stir/v1/verification in the ATIS shape),
 *     per SIP/UDP socket and per SIP/TCP connection, all to 127.0.0.1. Each sends one request,
 *     waits for its answer, then sends the next (RATE, when given, is shared out among them;
 *     without it they go as fast as the daemon answers). With WARMUP they go as fast as they
 *     can for WARMUP seconds, then each at 80 % of the rate it reached: the daemon's caches
 *     grow to their largest in the warm-up, so memory that grows after it is not theirs.
 *  2. Each request belongs to a class chosen by a PRNG seeded from SEED and the thread's
 *     number, with fixed weights (the table classes[] below), and has one exact expected
 *     answer: verstat, reason code and reason token (HTTP 200 and the ATIS body; SIP a 302 whose
 *     P-Asserted-Identity carries ;verstat= and, on failure, Reason: SIP ;cause= ;text=), or
 *     HTTP 400 with a JSON error for a body that is not a verification request.
 *  3. PASSporTs are signed as the thread goes, with iat = now (the daemon's clock is the real
 *     one), with the keys of the example tree (KEYDIR: alice, carrier, carrier2, mallory).
 *     Every PASSporT that passed goes into a ring shared by all threads; the replay classes
 *     send one of them again — as it was, or with s turned into n − s (the same signed
 *     content, another valid signature) — while it has half of FRESHNESS (the daemon's
 *     freshness window) left: both must be refused as replays, whatever front-end saw the
 *     first.
 *  4. Per class: sent, answered, as expected, wrong pass (Passed where it must not be), wrong
 *     other, lost (no answer within TIMEOUT, connection refused or broken), and latency
 *     (p50, p99, max, from the request's first byte to its answer's last). SIP/UDP requests are
 *     retransmitted as RFC 3261 Timer A has it (0.5 s, doubling, at most 4 s apart): a
 *     retransmission is not a new request; the answer may come from the daemon's cache.
 *  5. Besides, HTTP_LEAVERS and TCP_LEAVERS threads play clients that leave before their
 *     answer (LEAVER_RATE requests a second each, default 40): a new connection per request,
 *     closed (or reset) within 3 ms of sending it; the daemon must cancel or finish those
 *     verifications and free what they hold. They are not counted among the answered.
 *  6. Output: a table (one line per class and transport, then the total), "key=value" lines,
 *     and the /metrics samples the daemon must show afterwards (requests per front-end,
 *     rejected ones, verdicts per front-end, verstat and reason): "metric NAME VALUE" for an
 *     exact value, "metric-range NAME LO HI" where the clients that leave early make it
 *     uncertain. Exit status 0 when nothing was lost and every answer was the expected one, 1
 *     otherwise, 2 on a set-up error.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <danecid/danecid.h>

#include "enumname.h"
#include "es256.h"
#include "passport.h"
#include "signing.h"

#define DEST      "14155550100"
#define ALICE_TN  "12025550100"
#define N_UNREG   64   /* numbers nobody registered: 1415555xxxx */
#define RING_MAX  4096 /* PASSporTs that passed, for the replay classes */
#define BUF_MAX   65536
#define N_VERDICT 64 /* distinct (front-end, verstat, reason) counted per thread */
#define MAX_SHOWN 12 /* wrong answers printed on stderr */

enum transport { TR_HTTP, TR_UDP, TR_TCP, TR_N };
static const char *const tr_name[TR_N] = {"http", "sip", "sip"};
static const char *const tr_label[TR_N] = {"http", "sip-udp", "sip-tcp"};

enum cls {
	C_VALID,
	C_SPOOF_KEY,
	C_SPOOF_ORIG,
	C_UNREGISTERED,
	C_STALE,
	C_GARBAGE,
	C_TRUNCATED,
	C_BASE64,
	C_BADJSON,
	C_ALG,
	C_BODY,
	C_REPLAY,
	C_MALLEATED,
	C_N
};

/* What a class must get: verstat, code and reason token; http400 for a refused body. */
struct klass {
	const char *name;
	unsigned weight; /* per thousand */
	bool http_only;
	bool http400;
	const char *verstat;
	int code;
	const char *reason;
};

static const struct klass classes[C_N] = {
    [C_VALID] = {"valid", 450, false, false, "TN-Validation-Passed", 0, "ok"},
    [C_SPOOF_KEY] = {"spoof-key", 60, false, false, "TN-Validation-Failed", 438,
                     "key-not-authorized"},
    [C_SPOOF_ORIG] = {"spoof-orig", 40, false, false, "TN-Validation-Failed", 438, "orig-mismatch"},
    [C_UNREGISTERED] = {"spoof-unregistered", 40, false, false, "No-TN-Validation", 0,
                        "number-not-registered"},
    [C_STALE] = {"stale", 20, false, false, "TN-Validation-Failed", 403, "stale"},
    [C_GARBAGE] = {"malformed-garbage", 40, false, false, "TN-Validation-Failed", 438,
                   "identity-malformed"},
    [C_TRUNCATED] = {"malformed-truncated", 40, false, false, "TN-Validation-Failed", 438,
                     "identity-malformed"},
    [C_BASE64] = {"malformed-base64", 40, false, false, "TN-Validation-Failed", 438,
                  "identity-malformed"},
    [C_BADJSON] = {"malformed-json", 30, false, false, "TN-Validation-Failed", 438,
                   "identity-malformed"},
    [C_ALG] = {"malformed-alg", 30, false, false, "TN-Validation-Failed", 437, "alg-unsupported"},
    [C_BODY] = {"malformed-body", 40, true, true, NULL, 400, NULL},
    [C_REPLAY] = {"replay", 100, false, false, "TN-Validation-Failed", 438, "replay"},
    [C_MALLEATED] = {"replay-malleated", 70, false, false, "TN-Validation-Failed", 438, "replay"},
};

/* ---- options and shared state ----------------------------------------------------------- */

static struct {
	int http_port, sip_port;
	const char *keydir;
	double seconds, rate, timeout;
	unsigned http_conns, udp_socks, tcp_conns;
	unsigned abandon_http, abandon_tcp; /* threads that leave before the answer */
	double abandon_rate;                /* per such thread */
	double warmup, steady; /* full speed for warmup s, then steady times that rate */
	unsigned freshness;
	uint64_t seed;
} opt = {0, 0, NULL, 60, 0, 10, 8, 0, 0, 0, 0, 40, 0, 0.8, 15, 1};

static double t_start, t_warm, t_end;
static atomic_uint shown;

/* PASSporTs that passed (replay material). */
static struct {
	pthread_mutex_t lock;
	struct ring_entry {
		char *identity;
		char orig[16];
		int64_t iat;
	} e[RING_MAX];
	size_t next, n;
} ring = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- per thread --------------------------------------------------------------------------- */

struct lat {
	uint32_t *us;
	size_t n, cap;
};

struct counts {
	uint64_t sent, answered, expected, wrong_pass, wrong_other, lost;
};

struct vcount {
	enum transport tr;
	char verstat[32], reason[32];
	uint64_t n;
};

struct worker {
	pthread_t tid;
	unsigned id;
	enum transport tr;
	uint64_t rng;
	danecid_es256_key *alice, *carrier, *carrier2, *mallory;
	int fd;
	uint64_t seq;
	struct counts c[C_N];
	struct lat lat[C_N];
	uint64_t messages; /* what the daemon counts as requests (SIP: every datagram) */
	uint64_t rejected; /* HTTP 400 answers */
	uint64_t retransmits;
	uint64_t warm_sent; /* requests sent in the warm-up */
	bool abandon;       /* a thread that leaves before the answer */
	uint64_t abandoned; /* requests sent by it, each on a connection closed at once */
	uint64_t abandon_refused;
	struct vcount v[N_VERDICT];
	size_t nv;
	char buf[BUF_MAX + 1];
	size_t have; /* bytes in buf (stream transports) */
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t rnd(struct worker *w)
{
	/* splitmix64 */
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned below(struct worker *w, unsigned n)
{
	return (unsigned)(rnd(w) % n);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL) {
		tool_die("out of memory", NULL);
	}
	return p;
}

static void lat_add(struct lat *l, double seconds)
{
	if (l->n == l->cap) {
		size_t cap = l->cap > 0 ? l->cap * 2 : 1024;
		uint32_t *us = realloc(l->us, cap * sizeof(*us));

		if (us == NULL) {
			tool_die("out of memory", NULL);
		}
		l->us = us;
		l->cap = cap;
	}
	l->us[l->n++] = seconds > 4000 ? UINT32_MAX : (uint32_t)(seconds * 1e6);
}

static void count_verdict(struct worker *w, const char *verstat, const char *reason)
{
	size_t i;

	for (i = 0; i < w->nv; i++) {
		if (strcmp(w->v[i].verstat, verstat) == 0 && strcmp(w->v[i].reason, reason) == 0) {
			w->v[i].n++;
			return;
		}
	}
	if (w->nv < N_VERDICT) {
		w->v[i].tr = w->tr;
		snprintf(w->v[i].verstat, sizeof(w->v[i].verstat), "%s", verstat);
		snprintf(w->v[i].reason, sizeof(w->v[i].reason), "%s", reason);
		w->v[i].n = 1;
		w->nv++;
	}
}

/* ---- PASSporTs ---------------------------------------------------------------------------- */

static const char *info_of(const char *orig, char *buf, size_t len)
{
	char apex[DANECID_ENUM_NAME_MAX], node[DANECID_ENUM_NAME_MAX];

	if (danecid_apex_normalize("e164.test", 9, apex, sizeof(apex)) != DANECID_OK ||
	    danecid_enum_name(orig, strlen(orig), apex, node, sizeof(node)) != DANECID_OK) {
		tool_die("bad number", orig);
	}
	node[strlen(node) - 1] = '\0';
	snprintf(buf, len, "dns:%s", node);
	return buf;
}

/* A full-form Identity value of ORIG → DEST signed with KEY at IAT (random origid). */
static char *identity(const danecid_es256_key *key, const char *orig, int64_t iat)
{
	struct danecid_sign_params sp;
	const char *dests[1] = {DEST};
	char info[DANECID_ENUM_NAME_MAX + 8], *jws = NULL, *out;
	size_t len;
	int r;

	memset(&sp, 0, sizeof(sp));
	sp.orig = orig;
	sp.dest = dests;
	sp.n_dest = 1;
	sp.attest = 'A';
	sp.iat = iat;
	sp.ppt = DANECID_PPT_SHAKEN;
	if ((r = danecid_passport_sign(&sp, key, &jws)) != DANECID_OK) {
		tool_die("signing", danecid_strerror(r));
	}
	info_of(orig, info, sizeof(info));
	len = strlen(jws) + strlen(info) + 48;
	out = xmalloc(len);
	snprintf(out, len, "%s;info=<%s>;alg=ES256;ppt=shaken", jws, info);
	free(jws);
	return out;
}

/* A JWS of our own making: header and payload as given (any text), signed with KEY. */
static char *raw_identity(const danecid_es256_key *key, const char *orig, const char *header,
                          const char *payload, const char *alg_param)
{
	size_t hl = strlen(header), pl = strlen(payload);
	char *in = xmalloc((hl + pl) * 4 / 3 + 16), *out;
	char sig64[96], info[DANECID_ENUM_NAME_MAX + 8];
	uint8_t sig[64];
	size_t n, len;

	danecid_b64url_encode((const uint8_t *)header, hl, in);
	n = strlen(in);
	in[n++] = '.';
	danecid_b64url_encode((const uint8_t *)payload, pl, in + n);
	if (danecid_es256_sign(key, (const uint8_t *)in, strlen(in), sig) != DANECID_OK) {
		tool_die("signing", NULL);
	}
	danecid_b64url_encode(sig, sizeof(sig), sig64);
	info_of(orig, info, sizeof(info));
	len = strlen(in) + strlen(sig64) + strlen(info) + 48;
	out = xmalloc(len);
	snprintf(out, len, "%s.%s;info=<%s>;alg=%s;ppt=shaken", in, sig64, info, alg_param);
	free(in);
	return out;
}

/* The same PASSporT with the signature's s replaced by n − s (P-256 order n): still a valid
 * signature of the same content. */
static char *malleate(const char *id)
{
	static const uint8_t order[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	                                  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                  0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	                                  0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
	const char *semi = strchr(id, ';'), *dot;
	uint8_t sig[66];
	char sig64[96], *out;
	size_t siglen, len;
	int borrow = 0;

	if (semi == NULL) {
		tool_die("malleate: no parameters", id);
	}
	for (dot = semi; dot > id && *dot != '.'; dot--) {
	}
	if (danecid_b64url_decode(dot + 1, (size_t)(semi - dot - 1), sig, &siglen) != DANECID_OK ||
	    siglen != 64) {
		tool_die("malleate: signature is not 64 bytes", id);
	}
	for (int i = 31; i >= 0; i--) {
		int d = (int)order[i] - (int)sig[32 + i] - borrow;

		borrow = d < 0;
		sig[32 + i] = (uint8_t)(d + (borrow ? 256 : 0));
	}
	danecid_b64url_encode(sig, 64, sig64);
	len = strlen(id) + 8;
	out = xmalloc(len);
	snprintf(out, len, "%.*s%s%s", (int)(dot + 1 - id), id, sig64, semi);
	return out;
}

static void ring_put(const char *id, const char *orig, int64_t iat)
{
	char *copy = strdup(id);

	if (copy == NULL) {
		tool_die("out of memory", NULL);
	}
	pthread_mutex_lock(&ring.lock);
	free(ring.e[ring.next].identity);
	ring.e[ring.next].identity = copy;
	snprintf(ring.e[ring.next].orig, sizeof(ring.e[ring.next].orig), "%s", orig);
	ring.e[ring.next].iat = iat;
	ring.next = (ring.next + 1) % RING_MAX;
	if (ring.n < RING_MAX) {
		ring.n++;
	}
	pthread_mutex_unlock(&ring.lock);
}

/* A PASSporT that passed and is fresh for half the window still, so that it is a replay, not
 * stale, when the daemon sees it again (NULL when there is none yet). */
static char *ring_get(struct worker *w, char *orig, size_t orig_len)
{
	int64_t oldest = (int64_t)time(NULL) - (int64_t)opt.freshness / 2;
	char *id = NULL;

	pthread_mutex_lock(&ring.lock);
	for (int tries = 0; tries < 8 && ring.n > 0 && id == NULL; tries++) {
		/* mostly the recent ones, sometimes any */
		size_t back = tries < 4 ? below(w, ring.n < 64 ? (unsigned)ring.n : 64)
		                        : below(w, (unsigned)ring.n);
		struct ring_entry *e = &ring.e[(ring.next + RING_MAX - 1 - back) % RING_MAX];

		if (e->iat >= oldest) {
			id = strdup(e->identity);
			snprintf(orig, orig_len, "%s", e->orig);
		}
	}
	pthread_mutex_unlock(&ring.lock);
	return id;
}

/* ---- the request of one class ------------------------------------------------------------- */

struct call {
	enum cls cls;
	char orig[16];   /* the signer's number (the PASSporT orig) */
	char caller[16]; /* the number the call is from (From / from.tn) */
	char *identity;  /* NULL: a broken body (C_BODY) */
	char *body;      /* C_BODY: the HTTP body as sent */
	const char *to;  /* the called number (To / to.tn) */
	int64_t iat;
};

static void block_number(struct worker *w, char *out, size_t len)
{
	unsigned nn;

	do {
		nn = 1 + below(w, 99);
	} while (nn % 11 == 0); /* 11, 22, ... 88 have policies of their own */
	snprintf(out, len, "120255501%02u", nn);
}

/* A valid PASSporT: Alice's number, or one of the carrier's block with one of its two keys. */
static void make_valid(struct worker *w, struct call *k)
{
	k->iat = (int64_t)time(NULL);
	if (below(w, 2) == 0) {
		snprintf(k->orig, sizeof(k->orig), ALICE_TN);
		k->identity = identity(w->alice, k->orig, k->iat);
	} else {
		block_number(w, k->orig, sizeof(k->orig));
		k->identity = identity(below(w, 2) ? w->carrier : w->carrier2, k->orig, k->iat);
	}
	snprintf(k->caller, sizeof(k->caller), "%s", k->orig);
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void make_call(struct worker *w, enum cls cls, struct call *k)
{
	char claims[512];
	int64_t now = (int64_t)time(NULL);

	memset(k, 0, sizeof(*k));
	k->cls = cls;
	k->to = DEST;
	switch (cls) {
	case C_VALID:
		make_valid(w, k);
		break;
	case C_SPOOF_KEY:
		/* Mallory signs for a number pinned to Alice's or the carrier's keys */
		k->iat = now;
		if (below(w, 2) == 0) {
			snprintf(k->orig, sizeof(k->orig), ALICE_TN);
		} else {
			block_number(w, k->orig, sizeof(k->orig));
		}
		k->identity = identity(w->mallory, k->orig, now);
		snprintf(k->caller, sizeof(k->caller), "%s", k->orig);
		break;
	case C_SPOOF_ORIG:
		/* Alice's genuine PASSporT on a call from another number */
		snprintf(k->orig, sizeof(k->orig), ALICE_TN);
		k->identity = identity(w->alice, k->orig, now);
		block_number(w, k->caller, sizeof(k->caller));
		break;
	case C_UNREGISTERED:
		snprintf(k->orig, sizeof(k->orig), "1415555%04u", 1000 + below(w, N_UNREG) * 37);
		k->identity = identity(below(w, 2) ? w->mallory : w->alice, k->orig, now);
		snprintf(k->caller, sizeof(k->caller), "%s", k->orig);
		break;
	case C_STALE:
		/* Alice's genuine PASSporT, signed half a minute to ten minutes too long ago */
		k->iat = now - (int64_t)opt.freshness - 30 - below(w, 600);
		snprintf(k->orig, sizeof(k->orig), ALICE_TN);
		k->identity = identity(w->alice, k->orig, k->iat);
		snprintf(k->caller, sizeof(k->caller), "%s", k->orig);
		break;
	case C_GARBAGE: {
		/* base64url characters and a few others, with 0 or 1 dot (never 3 parts) */
		size_t n = 1 + below(w, 400), i;
		static const char odd[] = "!*~+/=$%&'()@[]{}^`|,:?#<>";
		bool dot = below(w, 2) == 0;

		k->identity = xmalloc(n + 1);
		for (i = 0; i < n; i++) {
			unsigned r = below(w, 100);

			k->identity[i] =
			    r < 90 ? b64chars[below(w, 64)] : odd[below(w, sizeof(odd) - 1)];
		}
		if (dot) {
			k->identity[below(w, (unsigned)n)] = '.';
		}
		k->identity[n] = '\0';
		snprintf(k->orig, sizeof(k->orig), ALICE_TN);
		snprintf(k->caller, sizeof(k->caller), "%s", k->orig);
		break;
	}
	case C_TRUNCATED: {
		/* a valid PASSporT cut inside its header or payload (two parts at most) */
		char *dot;

		make_valid(w, k);
		dot = strchr(strchr(k->identity, '.') + 1, '.');
		k->identity[1 + below(w, (unsigned)(dot - k->identity - 1))] = '\0';
		break;
	}
	case C_BASE64: {
		/* one character of the header or payload replaced by one outside base64url */
		static const char bad[] = "+/=!*~ $";
		char *dot;
		size_t at;

		make_valid(w, k);
		dot = strchr(strchr(k->identity, '.') + 1, '.');
		at = below(w, (unsigned)(dot - k->identity));
		if (k->identity[at] == '.') {
			at++;
		}
		k->identity[at] = bad[below(w, sizeof(bad) - 1)];
		break;
	}
	case C_BADJSON: {
		/* signed by Alice, but the claims are not one JSON object without duplicates */
		static const char hdr[] =
		    "{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\"}";
		unsigned v = below(w, 4);

		snprintf(k->orig, sizeof(k->orig), ALICE_TN);
		snprintf(k->caller, sizeof(k->caller), "%s", k->orig);
		snprintf(claims, sizeof(claims),
		         "{\"attest\":\"A\",\"dest\":{\"tn\":[\"" DEST "\"]},\"iat\":%lld,"
		         "\"orig\":{\"tn\":\"%s\"},\"origid\":\"%016llx\"%s",
		         (long long)now, k->orig, (unsigned long long)rnd(w),
		         v == 0   ? ""                                 /* unterminated */
		         : v == 1 ? ",\"iat\":1}"                      /* duplicate key */
		         : v == 2 ? "}}"                               /* trailing garbage */
		                  : ",\"x\":\"\xff\xfe not UTF-8\"}"); /* invalid UTF-8 */
		k->identity = raw_identity(w->alice, k->orig, hdr, claims, "ES256");
		break;
	}
	case C_ALG: {
		/* a JWS header naming another algorithm, or the Identity alg parameter */
		static const char *const algs[] = {"ES384", "RS256", "none", "HS256", "EdDSA"};
		const char *alg = algs[below(w, 5)];
		char hdr[128];
		bool in_param = below(w, 2) == 0;

		snprintf(k->orig, sizeof(k->orig), ALICE_TN);
		snprintf(k->caller, sizeof(k->caller), "%s", k->orig);
		snprintf(hdr, sizeof(hdr),
		         "{\"alg\":\"%s\",\"ppt\":\"shaken\",\"typ\":\"passport\"}",
		         in_param ? "ES256" : alg);
		snprintf(claims, sizeof(claims),
		         "{\"attest\":\"A\",\"dest\":{\"tn\":[\"" DEST "\"]},\"iat\":%lld,"
		         "\"orig\":{\"tn\":\"%s\"},\"origid\":\"%016llx\"}",
		         (long long)now, k->orig, (unsigned long long)rnd(w));
		k->identity =
		    raw_identity(w->alice, k->orig, hdr, claims, in_param ? alg : "ES256");
		break;
	}
	case C_BODY: {
		static const char *const bodies[] = {
		    "{\"verificationRequest\":{\"from\":{\"tn\":\"12025550100\"},\"to\":{\"tn\"",
		    "{\"verificationRequest\":{\"from\":{\"tn\":12025550100},\"to\":{\"tn\":"
		    "[\"14155550100\"]},\"identity\":\"x\"}}",
		    "{\"verificationRequest\":{\"from\":{\"tn\":\"12025550100\"},\"to\":{\"tn\":[]}"
		    "}}",
		    "{\"request\":{\"from\":\"12025550100\"}}",
		    "[1,2,3]",
		    "{\"verificationRequest\":{},\"verificationRequest\":{}}",
		    "",
		};
		unsigned v = below(w, 8);

		snprintf(k->orig, sizeof(k->orig), ALICE_TN);
		snprintf(k->caller, sizeof(k->caller), "%s", k->orig);
		if (v < 7) {
			k->body = strdup(bodies[v]);
			if (k->body == NULL) {
				tool_die("out of memory", NULL);
			}
		} else {
			/* random bytes */
			size_t n = 1 + below(w, 300);

			k->body = xmalloc(n + 1);
			for (size_t i = 0; i < n; i++) {
				k->body[i] = (char)(1 + below(w, 255));
			}
			k->body[0] = '#'; /* never a JSON value's first byte */
			k->body[n] = '\0';
		}
		break;
	}
	case C_REPLAY:
	case C_MALLEATED: {
		char *id = ring_get(w, k->orig, sizeof(k->orig));

		if (id == NULL) {
			/* nothing passed yet: this one is a valid call */
			k->cls = C_VALID;
			make_valid(w, k);
			break;
		}
		if (cls == C_MALLEATED) {
			k->identity = malleate(id);
			free(id);
		} else {
			k->identity = id;
		}
		snprintf(k->caller, sizeof(k->caller), "%s", k->orig);
		break;
	}
	case C_N:
		break;
	}
}

static enum cls pick(struct worker *w)
{
	unsigned r = below(w, 1000);

	for (int c = 0; c < C_N; c++) {
		if (r < classes[c].weight) {
			/* SIP has no body to break: a valid call instead */
			return classes[c].http_only && w->tr != TR_HTTP ? C_VALID : (enum cls)c;
		}
		r -= classes[c].weight;
	}
	return C_VALID;
}

/* ---- sockets ------------------------------------------------------------------------------ */

static int connect_to(int type, int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0) {
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (type == SOCK_STREAM) {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Wait until fd is readable or the deadline passes: 1 readable, 0 timeout, -1 error. */
static int wait_readable(int fd, double deadline)
{
	for (;;) {
		double left = deadline - now_s();
		struct pollfd p = {fd, POLLIN, 0};
		int r;

		if (left <= 0) {
			return 0;
		}
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		return r < 0 ? -1 : r > 0 ? 1 : 0;
	}
}

/* Header value NAME (case-insensitive, at a line start) in head[0..len), or NULL. */
static const char *header(const char *head, size_t len, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);

	for (const char *p = head; p < head + len;) {
		const char *eol = memmem(p, (size_t)(head + len - p), "\r\n", 2);

		if (eol == NULL) {
			eol = head + len;
		}
		if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;

			while (v < eol && (*v == ' ' || *v == '\t')) {
				v++;
			}
			*vlen = (size_t)(eol - v);
			return v;
		}
		p = eol + 2;
	}
	return NULL;
}

/*
 * One message from a stream (HTTP or SIP over TCP): head up to the blank line, then a body of
 * Content-Length bytes. On success the message is buf[0..*mlen), its head [0..*hlen).
 * @return 1, 0 timeout, -1 closed or broken.
 */
static int read_message(struct worker *w, double deadline, size_t *hlen, size_t *mlen)
{
	for (;;) {
		char *end = w->have >= 4 ? memmem(w->buf, w->have, "\r\n\r\n", 4) : NULL;

		if (end != NULL) {
			size_t h = (size_t)(end - w->buf) + 4, vl;
			const char *cl = header(w->buf, h, "Content-Length", &vl);
			size_t body = 0;

			if (cl == NULL && w->tr == TR_TCP) {
				cl = header(w->buf, h, "l", &vl);
			}
			if (cl != NULL) {
				body = strtoul(cl, NULL, 10);
			}
			if (h + body > BUF_MAX) {
				return -1;
			}
			if (w->have >= h + body) {
				*hlen = h;
				*mlen = h + body;
				return 1;
			}
		} else if (w->have >= BUF_MAX) {
			return -1;
		}
		int r = wait_readable(w->fd, deadline);

		if (r <= 0) {
			return r;
		}
		ssize_t n = recv(w->fd, w->buf + w->have, BUF_MAX - w->have, 0);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return -1;
		}
		w->have += (size_t)n;
		w->buf[w->have] = '\0';
	}
}

static void consume(struct worker *w, size_t mlen)
{
	memmove(w->buf, w->buf + mlen, w->have - mlen);
	w->have -= mlen;
}

static void drop_conn(struct worker *w)
{
	if (w->fd >= 0) {
		close(w->fd);
	}
	w->fd = -1;
	w->have = 0;
}

/* ---- checking the answers ----------------------------------------------------------------- */

enum outcome { O_EXPECTED, O_WRONG_PASS, O_WRONG_OTHER, O_LOST };

static void show(struct worker *w, const struct call *k, const char *what, const char *got,
                 size_t len)
{
	if (atomic_fetch_add(&shown, 1) >= MAX_SHOWN) {
		return;
	}
	fprintf(stderr, "soak: %s %s (thread %u, caller %s): %s: %.*s\n  identity: %.300s\n",
	        tr_label[w->tr], classes[k->cls].name, w->id, k->caller, what,
	        (int)(len > 600 ? 600 : len), got, k->identity != NULL ? k->identity : "(none)");
}

/* A JSON string member "name":"value" in body; copies the value (no escapes in tokens). */
static bool json_token(const char *body, size_t len, const char *name, char *out, size_t olen)
{
	char pat[48];
	const char *p, *e;
	int n = snprintf(pat, sizeof(pat), "\"%s\":\"", name);

	p = memmem(body, len, pat, (size_t)n);
	if (p == NULL) {
		return false;
	}
	p += n;
	e = memchr(p, '"', (size_t)(body + len - p));
	if (e == NULL || (size_t)(e - p) >= olen) {
		return false;
	}
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return true;
}

static enum outcome check_http(struct worker *w, const struct call *k, const char *msg, size_t hlen,
                               size_t mlen)
{
	const struct klass *kl = &classes[k->cls];
	const char *body = msg + hlen;
	size_t blen = mlen - hlen;
	int status = 0;
	char want[256], verstat[32] = "?", reason[32] = "?";

	if (mlen < 12 || sscanf(msg, "HTTP/1.1 %d ", &status) != 1) {
		show(w, k, "not an HTTP response", msg, mlen);
		return O_WRONG_OTHER;
	}
	if (status == 400) {
		static const char e400[] = "{\"error\":{\"code\":400,\"message\":\"";

		w->rejected++;
		if (kl->http400 && blen > sizeof(e400) - 1 &&
		    memcmp(body, e400, sizeof(e400) - 1) == 0) {
			return O_EXPECTED;
		}
		show(w, k, "400", body, blen);
		return O_WRONG_OTHER;
	}
	if (status != 200) {
		show(w, k, "HTTP status other than 200", msg, mlen);
		return O_WRONG_OTHER;
	}
	json_token(body, blen, "verstat", verstat, sizeof(verstat));
	json_token(body, blen, "reasontext", reason, sizeof(reason));
	count_verdict(w, verstat, reason);
	if (!kl->http400) {
		int n = snprintf(want, sizeof(want),
		                 "{\"verificationResponse\":{\"verstat\":\"%s\",\"reasoncode\":%d,"
		                 "\"reasontext\":\"%s\",",
		                 kl->verstat, kl->code, kl->reason);

		if (blen >= (size_t)n && memcmp(body, want, (size_t)n) == 0) {
			return O_EXPECTED;
		}
	}
	show(w, k, "unexpected verdict", body, blen);
	return strcmp(verstat, "TN-Validation-Passed") == 0 ? O_WRONG_PASS : O_WRONG_OTHER;
}

static enum outcome check_sip(struct worker *w, const struct call *k, const char *msg, size_t hlen)
{
	const struct klass *kl = &classes[k->cls];
	const char *pai, *rsn;
	size_t pl = 0, rl = 0;
	char verstat[32] = "?", want_reason[128], reason[32];
	bool good;

	if (hlen < 32 || memcmp(msg, "SIP/2.0 302 Moved Temporarily\r\n", 31) != 0) {
		show(w, k, "not a 302", msg, hlen);
		return O_WRONG_OTHER;
	}
	pai = header(msg, hlen, "P-Asserted-Identity", &pl);
	rsn = header(msg, hlen, "Reason", &rl);
	if (pai != NULL) {
		const char *v = memmem(pai, pl, ";verstat=", 9);

		if (v != NULL && pai[pl - 1] == '>') {
			size_t n = (size_t)(pai + pl - 1 - (v + 9));

			if (n < sizeof(verstat)) {
				memcpy(verstat, v + 9, n);
				verstat[n] = '\0';
			}
		}
	}
	/* the reason token shows only on failure (Reason header); else it is the expected one */
	snprintf(reason, sizeof(reason), "%s", kl->reason);
	if (rsn != NULL) {
		const char *t = memmem(rsn, rl, "text=\"", 6);

		if (t != NULL) {
			const char *e = memchr(t + 6, '"', (size_t)(rsn + rl - t - 6));

			if (e != NULL && (size_t)(e - t - 6) < sizeof(reason)) {
				memcpy(reason, t + 6, (size_t)(e - t - 6));
				reason[e - t - 6] = '\0';
			}
		}
	}
	count_verdict(w, verstat, reason);
	good = strcmp(verstat, kl->verstat) == 0;
	if (strcmp(kl->verstat, "TN-Validation-Failed") == 0) {
		int n = snprintf(want_reason, sizeof(want_reason), "SIP ;cause=%d ;text=\"%s\"",
		                 kl->code, kl->reason);

		good = good && rsn != NULL && rl == (size_t)n && memcmp(rsn, want_reason, rl) == 0;
	} else {
		good = good && rsn == NULL;
	}
	if (good) {
		return O_EXPECTED;
	}
	show(w, k, "unexpected verdict", msg, hlen);
	return strcmp(verstat, "TN-Validation-Passed") == 0 ? O_WRONG_PASS : O_WRONG_OTHER;
}

/* ---- one request -------------------------------------------------------------------------- */

static char *http_request(const struct call *k, size_t *len)
{
	char *body = k->body, *msg = NULL;
	int n;

	if (body == NULL) {
		n = asprintf(
		    &body,
		    "{\"verificationRequest\":{\"from\":{\"tn\":\"%s\"},\"to\":{\"tn\":[\"%s\"]},"
		    "\"time\":%lld,\"identity\":\"%s\"}}",
		    k->caller, k->to, (long long)time(NULL), k->identity);
		if (n < 0) {
			tool_die("out of memory", NULL);
		}
	}
	n = asprintf(&msg,
	             "POST /stir/v1/verification HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
	             strlen(body), body);
	if (n < 0) {
		tool_die("out of memory", NULL);
	}
	if (body != k->body) {
		free(body);
	}
	*len = (size_t)n;
	return msg;
}

static char *sip_request(struct worker *w, const struct call *k, char *callid, size_t cidlen,
                         size_t *len)
{
	char *m = NULL;
	int n;

	snprintf(callid, cidlen, "soak-%u-%llu-%llx@192.0.2.10", w->id, (unsigned long long)w->seq,
	         (unsigned long long)(opt.seed & 0xffffff));
	n = asprintf(&m,
	             "INVITE sip:+%s@example.org;user=phone SIP/2.0\r\n"
	             "Via: SIP/2.0/%s 192.0.2.10:5060;branch=z9hG4bK-s%u-%llu\r\n"
	             "Max-Forwards: 70\r\n"
	             "From: <sip:+%s@example.net;user=phone>;tag=t%u-%llu\r\n"
	             "To: <sip:+%s@example.org;user=phone>\r\n"
	             "Call-ID: %s\r\n"
	             "CSeq: 1 INVITE\r\n"
	             "Contact: <sip:caller@192.0.2.10:5060>\r\n"
	             "Identity: %s\r\n"
	             "Content-Length: 0\r\n\r\n",
	             k->to, w->tr == TR_UDP ? "UDP" : "TCP", w->id, (unsigned long long)w->seq,
	             k->caller, w->id, (unsigned long long)w->seq, k->to, callid, k->identity);
	if (n < 0) {
		tool_die("out of memory", NULL);
	}
	*len = (size_t)n;
	return m;
}

/* HTTP or SIP over TCP: (re)connect, send, read one message. */
static enum outcome do_stream(struct worker *w, const struct call *k, const char *req, size_t len,
                              const char *callid)
{
	size_t hlen, mlen;
	double deadline = now_s() + opt.timeout;
	int r;

	if (w->fd < 0) {
		w->fd = connect_to(SOCK_STREAM, w->tr == TR_HTTP ? opt.http_port : opt.sip_port);
		if (w->fd < 0) {
			show(w, k, "connect", strerror(errno), strlen(strerror(errno)));
			usleep(100000); /* a daemon that is gone: do not spin */
			return O_LOST;
		}
	}
	w->messages++;
	if (!send_all(w->fd, req, len)) {
		show(w, k, "send", strerror(errno), strlen(strerror(errno)));
		drop_conn(w);
		return O_LOST;
	}
	r = read_message(w, deadline, &hlen, &mlen);
	if (r <= 0) {
		show(w, k, r == 0 ? "no answer in time" : "connection closed", "", 0);
		drop_conn(w);
		return O_LOST;
	}
	enum outcome o;

	if (w->tr == TR_HTTP) {
		size_t vl;
		const char *conn = header(w->buf, hlen, "Connection", &vl);

		o = check_http(w, k, w->buf, hlen, mlen);
		consume(w, mlen);
		if (conn != NULL && vl == 5 && strncasecmp(conn, "close", 5) == 0) {
			drop_conn(w);
		}
	} else {
		size_t cl = 0;
		const char *cid = header(w->buf, hlen, "Call-ID", &cl);

		if (cid == NULL || cl != strlen(callid) || memcmp(cid, callid, cl) != 0) {
			show(w, k, "answer to another Call-ID", w->buf, hlen);
			drop_conn(w);
			return O_WRONG_OTHER;
		}
		o = check_sip(w, k, w->buf, hlen);
		consume(w, mlen);
	}
	return o;
}

/* SIP over UDP with Timer A retransmissions. */
static enum outcome do_udp(struct worker *w, const struct call *k, const char *req, size_t len,
                           const char *callid)
{
	double start = now_s(), deadline = start + opt.timeout, interval = 0.5;
	double next = start + interval;

	w->messages++;
	if (send(w->fd, req, len, 0) != (ssize_t)len) {
		show(w, k, "send", strerror(errno), strlen(strerror(errno)));
		return O_LOST;
	}
	for (;;) {
		double until = next < deadline ? next : deadline;
		int r = wait_readable(w->fd, until);

		if (r < 0) {
			return O_LOST;
		}
		if (r == 0) {
			if (now_s() >= deadline) {
				show(w, k, "no answer in time", "", 0);
				return O_LOST;
			}
			w->messages++;
			w->retransmits++;
			if (send(w->fd, req, len, 0) != (ssize_t)len) {
				show(w, k, "send", strerror(errno), strlen(strerror(errno)));
				return O_LOST;
			}
			interval = interval * 2 > 4 ? 4 : interval * 2;
			next = now_s() + interval;
			continue;
		}
		ssize_t n = recv(w->fd, w->buf, BUF_MAX, 0);

		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			continue;
		}
		if (n < 0) {
			/* ICMP port unreachable: nobody listens (any more) */
			show(w, k, "recv", strerror(errno), strlen(strerror(errno)));
			usleep(100000);
			return O_LOST;
		}
		w->buf[n] = '\0';
		char *end = memmem(w->buf, (size_t)n, "\r\n\r\n", 4);
		size_t cl = 0, hlen = end != NULL ? (size_t)(end - w->buf) + 4 : (size_t)n;
		const char *cid = header(w->buf, hlen, "Call-ID", &cl);

		if (cid == NULL || cl != strlen(callid) || memcmp(cid, callid, cl) != 0) {
			continue; /* a late answer to an earlier retransmission */
		}
		return check_sip(w, k, w->buf, hlen);
	}
}

/*
 * A client that leaves before its answer: a new connection for each request (HTTP, or an
 * INVITE over TCP; both carry a PASSporT whose dest is not the called number, so that their
 * verdicts, when one is reached before the daemon notices, are told apart: dest-mismatch), then
 * within 3 ms a close, half of the time with a reset. The daemon must cancel or finish the
 * verification and free everything; none of these is an answered request.
 */
static void run_abandon(struct worker *w)
{
	double interval = 1 / opt.abandon_rate, next = now_s();

	while (now_s() < t_end) {
		struct call k;
		char *req, callid[96];
		size_t len;
		int fd;
		double wait = next - now_s();

		if (wait > 0) {
			usleep((useconds_t)(wait * 1e6));
		}
		next += interval;
		w->seq++;
		make_call(w, C_VALID, &k);
		k.to = "14155550199";
		req = w->tr == TR_HTTP ? http_request(&k, &len)
		                       : sip_request(w, &k, callid, sizeof(callid), &len);
		fd = connect_to(SOCK_STREAM, w->tr == TR_HTTP ? opt.http_port : opt.sip_port);
		if (fd < 0) {
			w->abandon_refused++;
		} else {
			if (send_all(fd, req, len)) {
				w->abandoned++;
			}
			usleep(below(w, 3000));
			if (below(w, 2) == 0) {
				struct linger lg = {1, 0};

				setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			}
			close(fd);
		}
		free(req);
		free(k.identity);
	}
}

static void *run(void *arg)
{
	struct worker *w = arg;
	unsigned nthreads = opt.http_conns + opt.udp_socks + opt.tcp_conns;
	double interval = opt.rate > 0 ? nthreads / opt.rate : 0;
	double next = now_s() + (interval > 0 ? interval * w->id / nthreads : 0);
	bool warming = opt.warmup > 0;

	if (w->abandon) {
		run_abandon(w);
		return NULL;
	}
	if (w->tr == TR_UDP) {
		w->fd = connect_to(SOCK_DGRAM, opt.sip_port);
		if (w->fd < 0) {
			tool_die("UDP socket", strerror(errno));
		}
	}
	while (now_s() < t_end) {
		struct call k;
		char *req, callid[96] = "";
		size_t len;
		double t0;
		enum outcome o;

		if (warming && now_s() >= t_warm) {
			/* from now on STEADY of the rate this thread reached in the warm-up */
			warming = false;
			w->warm_sent = w->seq;
			interval = w->seq > 0 ? opt.warmup / (opt.steady * (double)w->seq) : 1;
			next = now_s();
		}
		if (interval > 0) {
			double wait = next - now_s();

			if (wait > 0) {
				usleep((useconds_t)(wait * 1e6));
			}
			next += interval;
			if (next < now_s() - 1) {
				next = now_s(); /* far behind: no burst to catch up */
			}
			if (now_s() >= t_end) {
				break;
			}
		}
		w->seq++;
		make_call(w, pick(w), &k);
		if (w->tr == TR_HTTP) {
			req = http_request(&k, &len);
		} else {
			req = sip_request(w, &k, callid, sizeof(callid), &len);
		}
		t0 = now_s();
		o = w->tr == TR_UDP ? do_udp(w, &k, req, len, callid)
		                    : do_stream(w, &k, req, len, callid);
		w->c[k.cls].sent++;
		switch (o) {
		case O_EXPECTED:
			w->c[k.cls].answered++;
			w->c[k.cls].expected++;
			break;
		case O_WRONG_PASS:
			w->c[k.cls].answered++;
			w->c[k.cls].wrong_pass++;
			break;
		case O_WRONG_OTHER:
			w->c[k.cls].answered++;
			w->c[k.cls].wrong_other++;
			break;
		case O_LOST:
			w->c[k.cls].lost++;
			break;
		}
		if (o != O_LOST) {
			lat_add(&w->lat[k.cls], now_s() - t0);
		}
		if (k.cls == C_VALID && o == O_EXPECTED) {
			ring_put(k.identity, k.orig, k.iat);
		}
		free(req);
		free(k.identity);
		free(k.body);
	}
	drop_conn(w);
	return NULL;
}

/* ---- summary ------------------------------------------------------------------------------ */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* p50, p99 and max in milliseconds of the latencies (sorted in place). */
static void quantiles(struct lat *l, double q[3])
{
	q[0] = q[1] = q[2] = 0;
	if (l->n == 0) {
		return;
	}
	qsort(l->us, l->n, sizeof(*l->us), cmp_u32);
	q[0] = l->us[(l->n - 1) / 2] / 1e3;
	q[1] = l->us[(size_t)((double)(l->n - 1) * 0.99)] / 1e3;
	q[2] = l->us[l->n - 1] / 1e3;
}

static void merge_lat(struct lat *into, const struct lat *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (into->n == into->cap) {
			size_t cap = into->cap > 0 ? into->cap * 2 : 1024;
			uint32_t *us = realloc(into->us, cap * sizeof(*us));

			if (us == NULL) {
				tool_die("out of memory", NULL);
			}
			into->us = us;
			into->cap = cap;
		}
		into->us[into->n++] = l->us[i];
	}
}

static void line(const char *name, const struct counts *c, struct lat *l)
{
	double q[3];

	quantiles(l, q);
	printf("%-20s %8llu %8llu %8llu %6llu %6llu %6llu %8.2f %8.2f %8.2f\n", name,
	       (unsigned long long)c->sent, (unsigned long long)c->answered,
	       (unsigned long long)c->expected, (unsigned long long)c->wrong_pass,
	       (unsigned long long)c->wrong_other, (unsigned long long)c->lost, q[0], q[1], q[2]);
}

static void kv(const char *name, const struct counts *c, struct lat *l)
{
	double q[3];

	quantiles(l, q);
	printf(
	    "%s.sent=%llu\n%s.answered=%llu\n%s.expected=%llu\n%s.wrong_pass=%llu\n"
	    "%s.wrong_other=%llu\n%s.lost=%llu\n%s.p50_ms=%.2f\n%s.p99_ms=%.2f\n%s.max_ms=%.2f\n",
	    name, (unsigned long long)c->sent, name, (unsigned long long)c->answered, name,
	    (unsigned long long)c->expected, name, (unsigned long long)c->wrong_pass, name,
	    (unsigned long long)c->wrong_other, name, (unsigned long long)c->lost, name, q[0], name,
	    q[1], name, q[2]);
}

static void add_counts(struct counts *to, const struct counts *c)
{
	to->sent += c->sent;
	to->answered += c->answered;
	to->expected += c->expected;
	to->wrong_pass += c->wrong_pass;
	to->wrong_other += c->wrong_other;
	to->lost += c->lost;
}

static int report(struct worker *ws, unsigned n, double elapsed)
{
	struct counts per[C_N], tot, per_tr[TR_N];
	struct lat lat[C_N], lat_tot = {0}, lat_tr[TR_N];
	uint64_t messages[2] = {0, 0}, rejected = 0, retransmits = 0, abandoned[2] = {0, 0};
	uint64_t refused = 0, warm_sent = 0;
	struct vcount all[N_VERDICT * 2];
	size_t nall = 0;

	memset(per, 0, sizeof(per));
	memset(&tot, 0, sizeof(tot));
	memset(per_tr, 0, sizeof(per_tr));
	memset(lat, 0, sizeof(lat));
	memset(lat_tr, 0, sizeof(lat_tr));
	for (unsigned i = 0; i < n; i++) {
		struct worker *w = &ws[i];

		for (int c = 0; c < C_N; c++) {
			add_counts(&per[c], &w->c[c]);
			add_counts(&tot, &w->c[c]);
			add_counts(&per_tr[w->tr], &w->c[c]);
			merge_lat(&lat[c], &w->lat[c]);
			merge_lat(&lat_tot, &w->lat[c]);
			merge_lat(&lat_tr[w->tr], &w->lat[c]);
		}
		messages[w->tr == TR_HTTP ? 0 : 1] += w->messages;
		abandoned[w->tr == TR_HTTP ? 0 : 1] += w->abandoned;
		refused += w->abandon_refused;
		warm_sent += w->warm_sent;
		rejected += w->rejected;
		retransmits += w->retransmits;
		for (size_t j = 0; j < w->nv; j++) {
			size_t k;
			const char *fe = tr_name[w->v[j].tr];

			for (k = 0; k < nall; k++) {
				if (strcmp(tr_name[all[k].tr], fe) == 0 &&
				    strcmp(all[k].verstat, w->v[j].verstat) == 0 &&
				    strcmp(all[k].reason, w->v[j].reason) == 0) {
					all[k].n += w->v[j].n;
					break;
				}
			}
			if (k == nall && nall < N_VERDICT * 2) {
				all[nall++] = w->v[j];
			}
		}
	}
	printf("%-20s %8s %8s %8s %6s %6s %6s %8s %8s %8s\n", "class", "sent", "answered",
	       "expected", "wpass", "wother", "lost", "p50ms", "p99ms", "maxms");
	for (int c = 0; c < C_N; c++) {
		line(classes[c].name, &per[c], &lat[c]);
	}
	for (int t = 0; t < TR_N; t++) {
		char name[32];

		snprintf(name, sizeof(name), "(%s)", tr_label[t]);
		if (per_tr[t].sent > 0) {
			line(name, &per_tr[t], &lat_tr[t]);
		}
	}
	line("total", &tot, &lat_tot);
	for (int c = 0; c < C_N; c++) {
		kv(classes[c].name, &per[c], &lat[c]);
	}
	for (int t = 0; t < TR_N; t++) {
		kv(tr_label[t], &per_tr[t], &lat_tr[t]);
	}
	kv("total", &tot, &lat_tot);
	printf("seconds=%.1f\nrate=%.0f\nthreads=%u\nretransmits=%llu\nseed=%llu\n", elapsed,
	       (double)tot.sent / elapsed, n, (unsigned long long)retransmits,
	       (unsigned long long)opt.seed);
	if (opt.warmup > 0) {
		printf("warmup_rate=%.0f\nsteady_rate=%.0f\n", (double)warm_sent / opt.warmup,
		       (double)(tot.sent - warm_sent) / (elapsed - opt.warmup));
	}
	printf("abandoned.http=%llu\nabandoned.sip=%llu\nabandoned.refused=%llu\n",
	       (unsigned long long)abandoned[0], (unsigned long long)abandoned[1],
	       (unsigned long long)refused);
	/* "metric NAME VALUE": the sample must be exactly that; "metric-range NAME LO HI": at
	 * least LO, at most HI (an abandoned request may or may not be seen and verified) */
	for (int fe = 0; fe < 2; fe++) {
		const char *name = fe == 0 ? "http" : "sip";

		if (abandoned[fe] == 0) {
			printf("metric danecid_requests_total{frontend=\"%s\"} %llu\n", name,
			       (unsigned long long)messages[fe]);
		} else {
			printf("metric-range danecid_requests_total{frontend=\"%s\"} %llu %llu\n",
			       name, (unsigned long long)messages[fe],
			       (unsigned long long)(messages[fe] + abandoned[fe]));
			printf("metric-range danecid_verdicts_total{frontend=\"%s\",verstat=\"TN-"
			       "Validation-Failed\",reason=\"dest-mismatch\"} 0 %llu\n",
			       name, (unsigned long long)abandoned[fe]);
		}
	}
	printf("metric danecid_rejected_total{frontend=\"http\"} %llu\n",
	       (unsigned long long)rejected);
	printf("metric danecid_rejected_total{frontend=\"sip\"} 0\n");
	for (size_t k = 0; k < nall; k++) {
		printf(
		    "metric danecid_verdicts_total{frontend=\"%s\",verstat=\"%s\",reason=\"%s\"} "
		    "%llu\n",
		    tr_name[all[k].tr], all[k].verstat, all[k].reason,
		    (unsigned long long)all[k].n);
	}
	for (int c = 0; c < C_N; c++) {
		free(lat[c].us);
	}
	for (int t = 0; t < TR_N; t++) {
		free(lat_tr[t].us);
	}
	free(lat_tot.us);
	return tot.lost == 0 && tot.wrong_pass == 0 && tot.wrong_other == 0 && tot.sent > 0 ? 0 : 1;
}

/* ---- main --------------------------------------------------------------------------------- */

static danecid_es256_key *load_key(const char *name)
{
	char path[4096];
	danecid_es256_key *k = NULL;
	int r;

	snprintf(path, sizeof(path), "%s/%s.pem", opt.keydir, name);
	if ((r = danecid_es256_key_load(path, &k)) != DANECID_OK) {
		tool_die(path, danecid_strerror(r));
	}
	return k;
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: soak -p HTTP_PORT -k KEYDIR [-s SIP_PORT] [-d SECONDS] [-r RATE]\n"
	        "            [-c HTTP_CONNS] [-u UDP_SOCKETS] [-T TCP_CONNS] [-a HTTP_LEAVERS]\n"
	        "            [-A TCP_LEAVERS] [-R LEAVER_RATE] [-W WARMUP] [-F FRESHNESS]\n"
	        "            [-S SEED] [-t TIMEOUT]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct worker *ws;
	unsigned n, i = 0;
	int c;

	while ((c = getopt(argc, argv, "p:s:k:d:r:c:u:T:a:A:R:W:F:S:t:")) != -1) {
		switch (c) {
		case 'p':
			opt.http_port = atoi(optarg);
			break;
		case 's':
			opt.sip_port = atoi(optarg);
			break;
		case 'k':
			opt.keydir = optarg;
			break;
		case 'd':
			opt.seconds = atof(optarg);
			break;
		case 'r':
			opt.rate = atof(optarg);
			break;
		case 'c':
			opt.http_conns = (unsigned)atoi(optarg);
			break;
		case 'u':
			opt.udp_socks = (unsigned)atoi(optarg);
			break;
		case 'T':
			opt.tcp_conns = (unsigned)atoi(optarg);
			break;
		case 'a':
			opt.abandon_http = (unsigned)atoi(optarg);
			break;
		case 'A':
			opt.abandon_tcp = (unsigned)atoi(optarg);
			break;
		case 'R':
			opt.abandon_rate = atof(optarg);
			break;
		case 'W':
			opt.warmup = atof(optarg);
			break;
		case 'F':
			opt.freshness = (unsigned)atoi(optarg);
			break;
		case 'S':
			opt.seed = strtoull(optarg, NULL, 10);
			break;
		case 't':
			opt.timeout = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (opt.http_port <= 0 || opt.keydir == NULL || opt.seconds <= 0 || opt.timeout <= 0 ||
	    opt.freshness < 8 || opt.http_conns + opt.udp_socks + opt.tcp_conns == 0 ||
	    opt.http_conns + opt.udp_socks + opt.tcp_conns > 256 ||
	    opt.abandon_http + opt.abandon_tcp > 16 || opt.abandon_rate <= 0 ||
	    (opt.warmup > 0 && (opt.rate > 0 || opt.warmup >= opt.seconds)) ||
	    (opt.sip_port <= 0 && opt.udp_socks + opt.tcp_conns + opt.abandon_tcp > 0)) {
		usage();
	}
	n = opt.http_conns + opt.udp_socks + opt.tcp_conns + opt.abandon_http + opt.abandon_tcp;
	ws = calloc(n, sizeof(*ws));
	if (ws == NULL) {
		tool_die("out of memory", NULL);
	}
	for (unsigned k = 0; k < n; k++) {
		struct worker *w = &ws[k];

		w->id = k;
		unsigned a = k - (opt.http_conns + opt.udp_socks + opt.tcp_conns);

		w->tr = k < opt.http_conns                   ? TR_HTTP
		        : k < opt.http_conns + opt.udp_socks ? TR_UDP
		                                             : TR_TCP;
		if (k >= opt.http_conns + opt.udp_socks + opt.tcp_conns) {
			w->abandon = true;
			w->tr = a < opt.abandon_http ? TR_HTTP : TR_TCP;
		}
		w->rng = opt.seed * 1000003ULL + k;
		w->fd = -1;
		w->alice = load_key("alice");
		w->carrier = load_key("carrier");
		w->carrier2 = load_key("carrier2");
		w->mallory = load_key("mallory");
	}
	t_start = now_s();
	t_warm = t_start + opt.warmup;
	t_end = t_start + opt.seconds;
	for (i = 0; i < n; i++) {
		if (pthread_create(&ws[i].tid, NULL, run, &ws[i]) != 0) {
			tool_die("pthread_create", strerror(errno));
		}
	}
	for (i = 0; i < n; i++) {
		pthread_join(ws[i].tid, NULL);
	}
	c = report(ws, n, now_s() - t_start);
	for (i = 0; i < n; i++) {
		for (int k = 0; k < C_N; k++) {
			free(ws[i].lat[k].us);
		}
		danecid_es256_key_free(ws[i].alice);
		danecid_es256_key_free(ws[i].carrier);
		danecid_es256_key_free(ws[i].carrier2);
		danecid_es256_key_free(ws[i].mallory);
	}
	for (i = 0; i < RING_MAX; i++) {
		free(ring.e[i].identity);
	}
	free(ws);
	return c;
}
