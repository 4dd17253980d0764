/* bench — the verifier's in-process benchmarks (tests/bench/bench.sh; not part of make check).
 *
 *   bench warm -c CONF -k PEM -o ORIG -d DEST [-n N] [-r ROUNDS]
 *       The full pipeline on one thread: danecid_verify() of a SIP INVITE as it comes off the
 *       wire (parse, Identity, JWS, claims, walk from the cache, key from the cache, ES256,
 *       replay check, verdict), each INVITE with its own PASSporT (no replay shortcut),
 *       against raw OpenSSL ES256 verifications (EVP_DigestVerify of the same key, same
 *       signing input, same signature) — in the same run, in alternating rounds. All
 *       verifications must pass.
 *   bench cold -c CONF -f NUMBERS [-n N]
 *       Validated walks of numbers never seen before: for each number the TLSA and TXT
 *       questions at its node, first as a plain getdns 1.6 loop (stub mode, the context's
 *       trust anchor, getdns validation: what a verifier without its own cache does), then
 *       through danecid's DNS client (its cache empty at the start; each number asked once).
 *       Every answer must be SECURE.
 *   bench memory [-n N] [-s STEP]
 *       Resident memory of the answer cache holding N numbers (step by step), both shapes a
 *       cached number takes: a number inside a block (its node's NXDOMAIN) and a number with
 *       its own key (TLSA with its own 91-byte key + the TXT NODATA of its node).
 *   Each prints "KEY VALUE" lines (what tests/bench/bench.sh turns into JSON).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <getdns/getdns.h>
#include <getdns/getdns_extra.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <danecid/danecid.h>

#include "dns.h"
#include "dnscache.h"
#include "enumname.h"
#include "es256.h"
#include "passport.h"
#include "signing.h"

#define ROUND 500

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Raw ES256 with OpenSSL alone: the key from the PEM, the signing input and r‖s of one
 * PASSporT turned into DER once; each verification is one EVP_DigestVerify. */
struct raw {
	EVP_PKEY *pkey;
	const char *input;
	size_t input_len;
	uint8_t der[80];
	size_t der_len;
};

static void raw_setup(struct raw *rw, const char *keyfile, const char *identity)
{
	FILE *f = fopen(keyfile, "r");
	const char *dot2, *end;
	uint8_t sig[96];
	size_t siglen;
	uint8_t *p;

	if (f == NULL || (rw->pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL) {
		tool_die(keyfile, "not a PEM private key");
	}
	fclose(f);
	end = strchr(identity, ';');
	dot2 = end;
	while (dot2 != NULL && dot2 > identity && *dot2 != '.') {
		dot2--;
	}
	if (end == NULL || dot2 == NULL || *dot2 != '.') {
		tool_die("bad Identity", identity);
	}
	rw->input = identity;
	rw->input_len = (size_t)(dot2 - identity);
	if ((size_t)(end - dot2 - 1) > 4 * sizeof(sig) / 3 - 4 ||
	    danecid_b64url_decode(dot2 + 1, (size_t)(end - dot2 - 1), sig, &siglen) != DANECID_OK ||
	    siglen != 64) {
		tool_die("signature is not 64 bytes", NULL);
	}
	{
		ECDSA_SIG *es = ECDSA_SIG_new();
		BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);

		if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
			tool_die("ECDSA_SIG", NULL);
		}
		p = rw->der;
		rw->der_len = (size_t)i2d_ECDSA_SIG(es, &p);
		ECDSA_SIG_free(es);
	}
}

static int raw_verify(const struct raw *rw)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md != NULL && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, rw->pkey) == 1 &&
	         EVP_DigestVerify(md, rw->der, rw->der_len, (const unsigned char *)rw->input,
	                          rw->input_len) == 1;

	EVP_MD_CTX_free(md);
	return ok;
}

static char *invite(const char *orig, const char *dest, const char *identity, size_t i, size_t *len)
{
	char *m = NULL;
	int n = asprintf(&m,
	                 "INVITE sip:+%s@example.org;user=phone SIP/2.0\r\n"
	                 "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-b%zu\r\n"
	                 "Max-Forwards: 70\r\n"
	                 "From: <sip:+%s@example.net;user=phone>;tag=f%zu\r\n"
	                 "To: <sip:+%s@example.org;user=phone>\r\n"
	                 "Call-ID: bench-%zu@192.0.2.10\r\n"
	                 "CSeq: 1 INVITE\r\n"
	                 "Identity: %s\r\n"
	                 "Content-Length: 0\r\n\r\n",
	                 dest, i, orig, i, dest, i, identity);

	if (n < 0) {
		tool_die("out of memory", NULL);
	}
	*len = (size_t)n;
	return m;
}

static void bench_warm(const char *conf, const char *key, const char *orig, const char *dest,
                       unsigned rounds)
{
	danecid_ctx *ctx = tool_ctx_make(conf);
	time_t now = time(NULL);
	size_t total = (size_t)rounds * ROUND + 50;
	char **ids = tool_sign_many(key, orig, dest, NULL, total, (int64_t)now);
	char **msg = calloc(total, sizeof(*msg));
	size_t *len = calloc(total, sizeof(*len));
	struct raw rw;
	double t_pipe = 0, t_raw = 0;
	size_t fails = 0, next = 0, raw_bad = 0;
	struct danecid_dns_cache_stats st;

	if (msg == NULL || len == NULL) {
		tool_die("out of memory", NULL);
	}
	for (size_t i = 0; i < total; i++) {
		msg[i] = invite(orig, dest, ids[i], i, &len[i]);
	}
	raw_setup(&rw, key, ids[0]);
	for (; next < 50; next++) { /* warm: the walk's answers, the key */
		struct danecid_verdict v;

		danecid_verify(ctx, msg[next], len[next], now, &v);
		fails += v.verstat != DANECID_VERSTAT_PASSED;
	}
	if (fails > 0) {
		tool_die("warm-up verifications did not pass", NULL);
	}
	for (unsigned r = 0; r < rounds; r++) {
		double t0 = now_s();

		for (size_t i = 0; i < ROUND; i++, next++) {
			struct danecid_verdict v;

			danecid_verify(ctx, msg[next], len[next], now, &v);
			fails += v.verstat != DANECID_VERSTAT_PASSED;
		}
		t_pipe += now_s() - t0;
		t0 = now_s();
		for (size_t i = 0; i < ROUND; i++) {
			raw_bad += !raw_verify(&rw);
		}
		t_raw += now_s() - t0;
	}
	danecid_ctx_dns_cache_stats(ctx, &st);
	printf("warm.verifications %zu\n", (size_t)rounds * ROUND);
	printf("warm.failed %zu\n", fails + raw_bad);
	printf("warm.pipeline_per_s %.0f\n", (double)rounds * ROUND / t_pipe);
	printf("warm.es256_per_s %.0f\n", (double)rounds * ROUND / t_raw);
	printf("warm.ratio %.3f\n", t_raw / t_pipe);
	printf("warm.pipeline_us %.2f\n", t_pipe * 1e6 / ((double)rounds * ROUND));
	printf("warm.es256_us %.2f\n", t_raw * 1e6 / ((double)rounds * ROUND));
	printf("warm.dns_cache_hits %llu\n", (unsigned long long)st.hits);
	printf("warm.key_hits %llu\n", (unsigned long long)st.key_hits);
	printf("warm.key_misses %llu\n", (unsigned long long)st.key_misses);
	for (size_t i = 0; i < total; i++) {
		free(msg[i]);
		free(ids[i]);
	}
	free(msg);
	free(len);
	free(ids);
	EVP_PKEY_free(rw.pkey);
	danecid_ctx_free(ctx);
}

/* The walk's node names of the numbers in a file (one E.164 number per line, digits). */
static char **read_nodes(const char *file, size_t max, size_t *n)
{
	FILE *f = fopen(file, "r");
	char line[64], apex[DANECID_ENUM_NAME_MAX];
	char **v = calloc(max, sizeof(*v));

	if (f == NULL || v == NULL) {
		tool_die(file, strerror(errno));
	}
	if (danecid_apex_normalize("e164.test", 9, apex, sizeof(apex)) != DANECID_OK) {
		tool_die("apex", NULL);
	}
	*n = 0;
	while (*n < max && fgets(line, sizeof(line), f) != NULL) {
		char node[DANECID_ENUM_NAME_MAX];

		line[strcspn(line, "\r\n")] = '\0';
		if (danecid_enum_name(line, strlen(line), apex, node, sizeof(node)) != DANECID_OK ||
		    (v[*n] = strdup(node)) == NULL) {
			tool_die("bad number", line);
		}
		(*n)++;
	}
	fclose(f);
	return v;
}

static getdns_context *plain_getdns(const struct danecid_config *cfg, getdns_dict **ext)
{
	getdns_context *c = NULL;
	getdns_list *ups = getdns_list_create(), *anch = NULL;
	getdns_dict *d = getdns_dict_create();
	uint8_t a[4] = {127, 0, 0, 1};
	getdns_bindata t = {4, (uint8_t *)"IPv4"}, ad = {4, a};
	const char *at = strchr(cfg->upstream, '@');
	FILE *f = fopen(cfg->trust_anchor, "r");

	if (at == NULL || f == NULL || getdns_fp2rr_list(f, &anch, NULL, 3600) ||
	    getdns_context_create(&c, 0) ||
	    getdns_context_set_resolution_type(c, GETDNS_RESOLUTION_STUB) ||
	    getdns_dict_set_bindata(d, "address_type", &t) ||
	    getdns_dict_set_bindata(d, "address_data", &ad) ||
	    getdns_dict_set_int(d, "port", (uint32_t)atoi(at + 1)) ||
	    getdns_list_set_dict(ups, 0, d) ||
	    getdns_context_set_upstream_recursive_servers(c, ups) ||
	    getdns_context_set_trust_anchors_verify_CA(c, "") ||
	    getdns_context_set_dnssec_trust_anchors(c, anch)) {
		tool_die("getdns set-up (upstream must be 127.0.0.1@PORT, anchors DS only)", NULL);
	}
	fclose(f);
	*ext = getdns_dict_create();
	getdns_dict_set_int(*ext, "dnssec_return_status", GETDNS_EXTENSION_TRUE);
	getdns_dict_destroy(d);
	getdns_list_destroy(ups);
	getdns_list_destroy(anch);
	return c;
}

static int plain_secure(getdns_dict *resp)
{
	getdns_list *rep = NULL;
	getdns_dict *r0 = NULL;
	uint32_t st = 0;

	return !getdns_dict_get_list(resp, "replies_tree", &rep) &&
	       !getdns_list_get_dict(rep, 0, &r0) &&
	       !getdns_dict_get_int(r0, "dnssec_status", &st) && st == GETDNS_DNSSEC_SECURE;
}

static void bench_cold(const char *conf, const char *file, size_t max)
{
	struct danecid_config cfg;
	struct danecid_dns_opts o;
	danecid_dns *dns = NULL;
	getdns_context *gc;
	getdns_dict *ext;
	char err[256] = "";
	size_t n, bad_plain = 0, bad_ours = 0;
	char **node = read_nodes(file, max, &n);
	double t0, t_plain, t_ours;
	struct danecid_dns_cache_stats st;
	const uint16_t types[2] = {DANECID_RR_TLSA, DANECID_RR_TXT};

	danecid_config_init(&cfg);
	if (danecid_config_load(&cfg, conf, err, sizeof(err)) != DANECID_OK ||
	    cfg.upstream == NULL || cfg.trust_anchor == NULL) {
		tool_die(conf, err[0] ? err : "needs upstream and trust-anchor");
	}
	gc = plain_getdns(&cfg, &ext);
	t0 = now_s();
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 2; k++) {
			getdns_dict *resp = NULL;

			if (getdns_general_sync(gc, node[i], types[k], ext, &resp) ||
			    !plain_secure(resp)) {
				bad_plain++;
			}
			getdns_dict_destroy(resp);
		}
	}
	t_plain = now_s() - t0;
	memset(&o, 0, sizeof(o));
	o.upstream = cfg.upstream;
	o.anchor_file = cfg.trust_anchor;
	o.timeout_ms = 2000;
	if (danecid_dns_new(&o, &dns, err, sizeof(err)) != DANECID_OK) {
		tool_die("danecid DNS client", err);
	}
	t0 = now_s();
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 2; k++) {
			struct danecid_rrset rs;

			if (danecid_dns_query(dns, node[i], types[k], &rs) != DANECID_OK ||
			    rs.sec != DANECID_DNSSEC_SECURE) {
				bad_ours++;
			}
			danecid_rrset_clear(&rs);
		}
	}
	t_ours = now_s() - t0;
	danecid_dnscache_stats(danecid_dns_cache(dns), &st);
	printf("cold.numbers %zu\n", n);
	printf("cold.getdns_walks_per_s %.0f\n", (double)n / t_plain);
	printf("cold.danecid_walks_per_s %.0f\n", (double)n / t_ours);
	printf("cold.getdns_answers_per_s %.0f\n", 2.0 * (double)n / t_plain);
	printf("cold.danecid_answers_per_s %.0f\n", 2.0 * (double)n / t_ours);
	printf("cold.ratio %.2f\n", t_plain / t_ours);
	printf("cold.getdns_not_secure %zu\n", bad_plain);
	printf("cold.danecid_not_secure %zu\n", bad_ours);
	printf("cold.fast %llu\n", (unsigned long long)st.fast);
	printf("cold.full %llu\n", (unsigned long long)st.full);
	printf("cold.zone_loads %llu\n", (unsigned long long)st.zone_loads);
	printf("cold.sig_checks %llu\n", (unsigned long long)st.sig_checks);
	printf("cold.sig_memo %llu\n", (unsigned long long)st.sig_memo);
	printf("cold.questions %llu\n", (unsigned long long)danecid_dns_questions(dns));
	for (size_t i = 0; i < n; i++) {
		free(node[i]);
	}
	free(node);
	danecid_dns_free(dns);
	getdns_dict_destroy(ext);
	getdns_context_destroy(gc);
	danecid_config_clear(&cfg);
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
		}
	}
	if (f != NULL) {
		fclose(f);
	}
	return kb;
}

/* The node name of the i-th synthetic number +1 555 xxx xxxx, reversed under the apex. */
static void synth_node(size_t i, char *out, size_t len)
{
	char digits[32], apex[DANECID_ENUM_NAME_MAX];

	snprintf(digits, sizeof(digits), "1555%07zu", i % 10000000);
	if (danecid_apex_normalize("e164.test", 9, apex, sizeof(apex)) != DANECID_OK ||
	    danecid_enum_name(digits, strlen(digits), apex, out, len) != DANECID_OK) {
		tool_die("synthetic name", digits);
	}
}

static void bench_memory_shape(const char *shape, size_t n, size_t step)
{
	struct danecid_dnscache_opts o = {n * 2 + 16, 3600};
	danecid_dnscache *c = NULL;
	int64_t now = time(NULL);
	long base;
	uint8_t spki[94];
	struct danecid_dns_cache_stats st;
	bool own_key = strcmp(shape, "own_key") == 0;

	if (danecid_dnscache_new(&o, &c) != DANECID_OK) {
		tool_die("out of memory", NULL);
	}
	base = rss_kb();
	for (size_t i = 0; i < n; i++) {
		char name[DANECID_ENUM_NAME_MAX];
		struct danecid_rrset rs;

		synth_node(i, name, sizeof(name));
		memset(&rs, 0, sizeof(rs));
		rs.sec = DANECID_DNSSEC_SECURE;
		rs.ttl = 3600;
		rs.sig_expire = now + 86400;
		if (own_key) {
			/* TLSA 3 1 0 with a key of its own, and the node's TXT NODATA */
			spki[0] = 3;
			spki[1] = 1;
			spki[2] = 0;
			for (size_t k = 3; k < sizeof(spki); k++) {
				spki[k] = (uint8_t)(i * 131 + k);
			}
			rs.kind = DANECID_DNS_DATA;
			rs.rr[0].data = spki;
			rs.rr[0].len = sizeof(spki);
			rs.n = 1;
			danecid_dnscache_put(c, name, DANECID_RR_TLSA, &rs, now);
			rs.kind = DANECID_DNS_NODATA;
			rs.n = 0;
			danecid_dnscache_put(c, name, DANECID_RR_TXT, &rs, now);
		} else {
			rs.kind = DANECID_DNS_NXDOMAIN;
			danecid_dnscache_put(c, name, DANECID_RR_TLSA, &rs, now);
		}
		if ((i + 1) % step == 0) {
			long kb = rss_kb();

			danecid_dnscache_stats(c, &st);
			printf("memory.%s.point %zu %ld %zu\n", shape, i + 1, (kb - base) * 1024,
			       st.bytes);
		}
	}
	danecid_dnscache_stats(c, &st);
	printf("memory.%s.numbers %zu\n", shape, n);
	printf("memory.%s.entries %zu\n", shape, st.entries);
	printf("memory.%s.rss_bytes_per_number %.1f\n", shape,
	       (double)(rss_kb() - base) * 1024 / (double)n);
	printf("memory.%s.cache_bytes_per_number %.1f\n", shape, (double)st.bytes / (double)n);
	danecid_dnscache_free(c);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench warm -c CONF -k PEM -o ORIG -d DEST [-r ROUNDS]\n"
	                "       bench cold -c CONF -f NUMBERS [-n N]\n"
	                "       bench memory [-n N] [-s STEP] [-S block|own_key]\n");
	exit(64);
}

int main(int argc, char **argv)
{
	const char *mode, *conf = NULL, *key = NULL, *orig = NULL, *dest = NULL, *file = NULL;
	const char *shape = NULL;
	size_t n = 0, step = 0;
	unsigned rounds = 20;
	int c;

	if (argc < 2) {
		usage();
	}
	mode = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "c:k:o:d:n:r:f:s:S:")) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'o':
			orig = optarg;
			break;
		case 'd':
			dest = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 's':
			step = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'S':
			shape = optarg;
			break;
		default:
			usage();
		}
	}
	if (strcmp(mode, "warm") == 0 && conf && key && orig && dest && rounds > 0) {
		bench_warm(conf, key, orig, dest, rounds);
	} else if (strcmp(mode, "cold") == 0 && conf && file) {
		bench_cold(conf, file, n > 0 ? n : 1000000);
	} else if (strcmp(mode, "memory") == 0) {
		n = n > 0 ? n : 1000000;
		step = step > 0 ? step : n / 4;
		if (shape == NULL || strcmp(shape, "block") == 0) {
			bench_memory_shape("block", n, step);
		}
		if (shape == NULL || strcmp(shape, "own_key") == 0) {
			bench_memory_shape("own_key", n, step);
		}
	} else {
		usage();
	}
	return 0;
}
