/* test_dnscache — the shared answer cache on an injected clock: lifetimes (TTL, max_ttl,
 * signature expiration), what is never kept, denials, exact records, compact keys, the entry
 * bound and eviction, zone keys, statistics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <danecid/error.h>

#include "dnscache.h"
#include "dnsmsg.h"
#include "dnswire.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The pinned clock. */
#define T ((int64_t)1790000000)

#define TLSA DANECID_RR_TLSA
#define TXT  DANECID_RR_TXT
#define DAY  86400

#define NAME "_stir.1.2.e164.test."

/* An answer to put: the records point into buf. */
struct ans {
	struct danecid_rrset rs;
	uint8_t buf[DANECID_RRSET_MAX][300];
};

/* A SECURE answer of kind with n records of the given lengths, bytes from seed. */
static void ans_make(struct ans *a, enum danecid_dns_kind kind, uint32_t ttl, int64_t sig_expire,
                     const size_t *lens, size_t n, unsigned seed)
{
	memset(a, 0, sizeof(*a));
	a->rs.sec = DANECID_DNSSEC_SECURE;
	a->rs.kind = kind;
	a->rs.ttl = ttl;
	a->rs.sig_expire = sig_expire;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < lens[i]; j++) {
			a->buf[i][j] = (uint8_t)(seed * 31 + i * 7 + j);
		}
		a->rs.rr[i].data = a->buf[i];
		a->rs.rr[i].len = lens[i];
	}
	a->rs.n = n;
}

/* One 3-byte record, TTL ttl, signature valid for a day. */
static void ans_one(struct ans *a, uint32_t ttl, unsigned seed)
{
	static const size_t len3 = 3;

	ans_make(a, DANECID_DNS_DATA, ttl, T + DAY, &len3, 1, seed);
}

static danecid_dnscache *cache_new(size_t max_entries, uint32_t max_ttl)
{
	struct danecid_dnscache_opts o = {max_entries, max_ttl};
	danecid_dnscache *c = NULL;

	assert_int_equal(danecid_dnscache_new(&o, &c), DANECID_OK);
	assert_non_null(c);
	return c;
}

/* The cached copy equals want (kind, wildcard, records byte for byte). */
static void assert_same(const struct danecid_rrset *got, const struct danecid_rrset *want,
                        const char *what)
{
	if (got->sec != DANECID_DNSSEC_SECURE || got->kind != want->kind ||
	    got->wildcard != want->wildcard || got->n != want->n) {
		fail_msg("%s: sec %d kind %d wildcard %d n %zu, want kind %d wildcard %d n %zu",
		         what, (int)got->sec, (int)got->kind, got->wildcard, got->n,
		         (int)want->kind, want->wildcard, want->n);
	}
	for (size_t i = 0; i < want->n; i++) {
		if (got->rr[i].len != want->rr[i].len ||
		    memcmp(got->rr[i].data, want->rr[i].data, want->rr[i].len) != 0) {
			fail_msg("%s: record %zu differs (length %zu, want %zu)", what, i,
			         got->rr[i].len, want->rr[i].len);
		}
	}
}

/* get must hit with want (NULL: must miss). */
static void expect(danecid_dnscache *c, const char *name, uint16_t type, int64_t now,
                   const struct danecid_rrset *want)
{
	struct danecid_rrset out;
	int r = danecid_dnscache_get(c, name, type, now, &out);
	char what[320];

	snprintf(what, sizeof(what), "%s type %u at T%+lld", name, type, (long long)(now - T));
	if (r != (want != NULL ? 1 : 0)) {
		fail_msg("%s: get gave %d, want %d", what, r, want != NULL);
	}
	if (r == 1) {
		assert_same(&out, want, what);
		danecid_rrset_clear(&out);
	}
}

static struct danecid_dns_cache_stats stats(danecid_dnscache *c)
{
	struct danecid_dns_cache_stats st;

	danecid_dnscache_stats(c, &st);
	return st;
}

/* ---- lifetimes ---- */

static void test_ttl(void **state)
{
	danecid_dnscache *c = cache_new(16, 3600);
	struct ans a;
	struct danecid_dns_cache_stats st;

	(void)state;
	ans_one(&a, 300, 1);
	danecid_dnscache_put(c, NAME, TLSA, &a.rs, T);
	expect(c, NAME, TLSA, T, &a.rs);
	expect(c, NAME, TLSA, T + 299, &a.rs);
	expect(c, NAME, TLSA, T + 300, NULL);
	expect(c, NAME, TLSA, T + 299, NULL); /* gone, not hidden */
	st = stats(c);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.inserts, 1);
	assert_int_equal(st.entries, 0);
	danecid_dnscache_free(c);
}

static void test_signature_expires_first(void **state)
{
	danecid_dnscache *c = cache_new(16, 3600);
	struct ans a;

	(void)state;
	ans_one(&a, 3000, 2);
	a.rs.sig_expire = T + 100;
	danecid_dnscache_put(c, NAME, TLSA, &a.rs, T);
	expect(c, NAME, TLSA, T + 99, &a.rs);
	expect(c, NAME, TLSA, T + 100, NULL);
	assert_int_equal(stats(c).expired, 1);
	danecid_dnscache_free(c);
}

static void test_max_ttl_caps(void **state)
{
	danecid_dnscache *c = cache_new(16, 60);
	struct ans a;

	(void)state;
	ans_one(&a, DAY, 3);
	danecid_dnscache_put(c, NAME, TLSA, &a.rs, T);
	expect(c, NAME, TLSA, T + 59, &a.rs);
	expect(c, NAME, TLSA, T + 60, NULL);
	danecid_dnscache_free(c);
}

enum notkept {
	N_BOGUS,
	N_INSECURE,
	N_INDETERMINATE,
	N_NONE,
	N_FAIL,
	N_SIG_EXPIRE_0,
	N_SIG_EXPIRE_NOW,
	N_SIG_EXPIRE_PAST,
	N_TTL_0,
	N_TYPE_A,
	N_MAX_ENTRIES_0,
	N_MAX_TTL_0,
};

static const struct {
	const char *name;
	enum notkept k;
} notkept_rows[] = {
    {"BOGUS", N_BOGUS},
    {"INSECURE", N_INSECURE},
    {"INDETERMINATE", N_INDETERMINATE},
    {"no DNSSEC status", N_NONE},
    {"kind FAIL", N_FAIL},
    {"sig_expire 0", N_SIG_EXPIRE_0},
    {"sig_expire now", N_SIG_EXPIRE_NOW},
    {"sig_expire in the past", N_SIG_EXPIRE_PAST},
    {"TTL 0", N_TTL_0},
    {"type A", N_TYPE_A},
    {"max_entries 0", N_MAX_ENTRIES_0},
    {"max_ttl 0 (keeps none)", N_MAX_TTL_0},
};

static void test_never_kept(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(notkept_rows); i++) {
		enum notkept k = notkept_rows[i].k;
		danecid_dnscache *c =
		    cache_new(k == N_MAX_ENTRIES_0 ? 0 : 16, k == N_MAX_TTL_0 ? 0 : 3600);
		uint16_t type = k == N_TYPE_A ? 1 : TLSA;
		struct danecid_dns_cache_stats st;
		struct danecid_rrset out;
		struct ans a;

		ans_one(&a, 300, 4);
		switch (k) {
		case N_BOGUS:
			a.rs.sec = DANECID_DNSSEC_BOGUS;
			break;
		case N_INSECURE:
			a.rs.sec = DANECID_DNSSEC_INSECURE;
			break;
		case N_INDETERMINATE:
			a.rs.sec = DANECID_DNSSEC_INDETERMINATE;
			break;
		case N_NONE:
			a.rs.sec = DANECID_DNSSEC_NONE;
			break;
		case N_FAIL:
			a.rs.kind = DANECID_DNS_FAIL;
			break;
		case N_SIG_EXPIRE_0:
			a.rs.sig_expire = 0;
			break;
		case N_SIG_EXPIRE_NOW:
			a.rs.sig_expire = T;
			break;
		case N_SIG_EXPIRE_PAST:
			a.rs.sig_expire = T - 1;
			break;
		case N_TTL_0:
			a.rs.ttl = 0;
			break;
		default:
			break;
		}
		danecid_dnscache_put(c, NAME, type, &a.rs, T);
		st = stats(c);
		if (danecid_dnscache_get(c, NAME, type, T, &out) != 0 || st.inserts != 0 ||
		    st.entries != 0) {
			fail_msg("%s: kept (inserts %llu, entries %zu)", notkept_rows[i].name,
			         (unsigned long long)st.inserts, st.entries);
		}
		danecid_dnscache_free(c);
	}
}

/* ---- denials, records, keys ---- */

static void test_nxdomain_answers_every_type(void **state)
{
	danecid_dnscache *c = cache_new(16, 3600);
	struct ans a;

	(void)state;
	ans_make(&a, DANECID_DNS_NXDOMAIN, 300, T + DAY, NULL, 0, 0);
	danecid_dnscache_put(c, NAME, TLSA, &a.rs, T);
	expect(c, NAME, TLSA, T, &a.rs);
	expect(c, NAME, TXT, T, &a.rs);
	expect(c, "_stir.1.3.e164.test.", TLSA, T, NULL);
	expect(c, "_stir.1.e164.test.", TXT, T, NULL);
	expect(c, NAME, TXT, T + 300, NULL); /* and it expires */
	danecid_dnscache_free(c);
}

static void test_nodata_is_per_type(void **state)
{
	danecid_dnscache *c = cache_new(16, 3600);
	struct ans a, b;
	static const size_t len = 40;

	(void)state;
	ans_make(&a, DANECID_DNS_NODATA, 300, T + DAY, NULL, 0, 0);
	danecid_dnscache_put(c, NAME, TXT, &a.rs, T);
	expect(c, NAME, TXT, T, &a.rs);
	expect(c, NAME, TLSA, T, NULL);
	/* a TLSA answer beside it */
	ans_make(&b, DANECID_DNS_DATA, 300, T + DAY, &len, 1, 5);
	danecid_dnscache_put(c, NAME, TLSA, &b.rs, T);
	expect(c, NAME, TLSA, T, &b.rs);
	expect(c, NAME, TXT, T, &a.rs);
	danecid_dnscache_free(c);
}

static void test_records_exact(void **state)
{
	static const size_t lens[] = {0,   1,   2,   31, 127, 128, 255, 256,
	                              257, 299, 300, 0,  64,  65,  200, 300};
	danecid_dnscache *c = cache_new(16, 3600);
	struct ans a;

	(void)state;
	assert_int_equal(NELEM(lens), DANECID_RRSET_MAX);
	for (size_t n = 0; n <= NELEM(lens); n++) {
		ans_make(&a, DANECID_DNS_DATA, 300, T + DAY, lens, n, (unsigned)n);
		a.rs.wildcard = n % 2 == 1;
		danecid_dnscache_put(c, NAME, n % 3 == 0 ? TXT : TLSA, &a.rs, T);
		expect(c, NAME, n % 3 == 0 ? TXT : TLSA, T, &a.rs);
	}
	danecid_dnscache_free(c);
}

/* Names that must all be different keys: digit names of odd and even counts, under several
 * suffixes, and names that are not "_stir." digit names at all. */
static const char *const key_names[] = {
    "_stir.1.2.e164.test.",
    "_stir.12.e164.test.",
    "_stir.1.2.other.test.",
    "_stir.2.1.e164.test.",
    "_stir.0.e164.test.",
    "_stir.9.e164.test.",
    "_stir.0.0.e164.test.",
    "_stir.0.9.e164.test.",
    "_stir.9.0.e164.test.",
    "_stir.9.9.9.e164.test.",
    "_stir.1.2.3.e164.test.",
    "_stir.1.2.3.4.e164.test.",
    "_stir.1.2.3.4.5.6.7.8.9.0.1.2.3.4.5.e164.test.",
    "_stir.1.2.3.4.5.6.7.8.9.0.1.2.3.4.5.6.e164.test.",
    "_stir.e164.test.",
    "_stir.1.",
    "_stir.1.2.",
    "e164.test.",
    "1.2.e164.test.",
    "_stir.a.1.e164.test.",
    "_stir.1.a.e164.test.",
    "_stir.1.2.1.e164.test.",
    "_stir.1.2.e164.test.1.",
    "x_stir.1.2.e164.test.",
    "_stir.1.2.e164.test.e164.test.",
    ".",
};

static void test_keys_do_not_collide(void **state)
{
	danecid_dnscache *c = cache_new(1024, 3600);
	struct ans a[NELEM(key_names)];
	static const size_t len = 8;

	(void)state;
	for (size_t i = 0; i < NELEM(key_names); i++) {
		ans_make(&a[i], DANECID_DNS_DATA, 300, T + DAY, &len, 1, (unsigned)i);
		danecid_dnscache_put(c, key_names[i], TLSA, &a[i].rs, T);
	}
	assert_int_equal(stats(c).entries, NELEM(key_names));
	for (size_t i = 0; i < NELEM(key_names); i++) {
		expect(c, key_names[i], TLSA, T, &a[i].rs);
		expect(c, key_names[i], TXT, T, NULL);
	}
	danecid_dnscache_free(c);
}

/* 64 and more digit labels (more than a compact key holds). */
static void test_long_digit_names(void **state)
{
	danecid_dnscache *c = cache_new(1024, 3600);
	char names[3][200];
	struct ans a[3];
	static const size_t len = 5;

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		size_t o = (size_t)snprintf(names[k], sizeof(names[k]), "_stir.");

		for (size_t d = 0; d < 63 + k; d++) {
			o += (size_t)snprintf(names[k] + o, sizeof(names[k]) - o, "%zu.", d % 10);
		}
		snprintf(names[k] + o, sizeof(names[k]) - o, "e164.test.");
		ans_make(&a[k], DANECID_DNS_DATA, 300, T + DAY, &len, 1, (unsigned)k + 40);
		danecid_dnscache_put(c, names[k], TLSA, &a[k].rs, T);
	}
	for (size_t k = 0; k < 3; k++) {
		expect(c, names[k], TLSA, T, &a[k].rs);
	}
	danecid_dnscache_free(c);
}

/* More suffixes than the compact table holds: the others still work (raw keys), including a
 * name looked up (missed) before it was first kept. */
static void test_many_suffixes(void **state)
{
	danecid_dnscache *c = cache_new(1024, 3600);
	struct ans a[2][12];
	char name[2][12][64];
	static const size_t len = 6;

	(void)state;
	for (size_t i = 0; i < 12; i++) {
		for (size_t d = 0; d < 2; d++) {
			snprintf(name[d][i], sizeof(name[d][i]), "_stir.%zu.%zu.s%zu.test.", d,
			         i % 10, i);
			ans_make(&a[d][i], DANECID_DNS_DATA, 300, T + DAY, &len, 1,
			         (unsigned)(i * 2 + d));
			expect(c, name[d][i], TLSA, T, NULL);
			danecid_dnscache_put(c, name[d][i], TLSA, &a[d][i].rs, T);
		}
	}
	for (size_t i = 0; i < 12; i++) {
		expect(c, name[0][i], TLSA, T, &a[0][i].rs);
		expect(c, name[1][i], TLSA, T, &a[1][i].rs);
	}
	assert_int_equal(stats(c).entries, 24);
	danecid_dnscache_free(c);
}

/* A name longer than any DNS name (255 characters): refused, or kept and found. */
static void test_overlong_name(void **state)
{
	danecid_dnscache *c = cache_new(16, 3600);
	static const size_t lens[] = {4, 4};
	struct ans a;
	char name[256];

	(void)state;
	memset(name, 'a', 254);
	for (size_t i = 63; i < 254; i += 64) {
		name[i] = '.';
	}
	name[254] = '.';
	name[255] = '\0';
	ans_make(&a, DANECID_DNS_DATA, 300, T + DAY, lens, 2, 9);
	danecid_dnscache_put(c, name, TLSA, &a.rs, T);
	if (stats(c).inserts == 1) {
		expect(c, name, TLSA, T, &a.rs);
	}
	danecid_dnscache_put(c, name, TLSA, &a.rs, T); /* replaces it */
	assert_true(stats(c).entries <= 1);
	danecid_dnscache_free(c);
}

static void test_replace(void **state)
{
	danecid_dnscache *c = cache_new(16, 3600);
	struct ans a, b, d;
	static const size_t lens[] = {10, 20};
	struct danecid_dns_cache_stats st;

	(void)state;
	ans_make(&a, DANECID_DNS_DATA, 300, T + DAY, lens, 2, 10);
	ans_make(&b, DANECID_DNS_DATA, 900, T + DAY, lens, 1, 11);
	ans_make(&d, DANECID_DNS_NODATA, 300, T + DAY, NULL, 0, 0);
	danecid_dnscache_put(c, NAME, TLSA, &a.rs, T);
	danecid_dnscache_put(c, NAME, TLSA, &b.rs, T);
	expect(c, NAME, TLSA, T, &b.rs);
	expect(c, NAME, TLSA, T + 600, &b.rs); /* the new TTL, not the old */
	danecid_dnscache_put(c, NAME, TLSA, &d.rs, T);
	expect(c, NAME, TLSA, T, &d.rs);
	st = stats(c);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.inserts, 3);
	assert_int_equal(st.evictions, 0);
	danecid_dnscache_free(c);
}

/* ---- the bound ---- */

/* "_stir.<the decimal digits of i, one label each>.<suffix>", as the walk asks. */
static void num_name(char *out, size_t size, size_t i, const char *suffix)
{
	char digits[24];
	size_t o = (size_t)snprintf(out, size, "_stir.");

	snprintf(digits, sizeof(digits), "%zu", i);
	for (const char *d = digits; *d != '\0'; d++) {
		o += (size_t)snprintf(out + o, size - o, "%c.", *d);
	}
	snprintf(out + o, size - o, "%s", suffix);
}

/* Keep n one-record answers for the numbers from, from + 1, ... under suffix. */
static void put_n(danecid_dnscache *c, const char *suffix, size_t from, size_t n, uint32_t ttl,
                  int64_t now)
{
	struct ans a;
	char name[64];

	for (size_t i = from; i < from + n; i++) {
		num_name(name, sizeof(name), i, suffix);
		ans_one(&a, ttl, (unsigned)i);
		danecid_dnscache_put(c, name, TLSA, &a.rs, now);
	}
}

static void test_bound(void **state)
{
	static const size_t maxes[] = {1024, 4096};

	(void)state;
	for (size_t m = 0; m < NELEM(maxes); m++) {
		danecid_dnscache *c = cache_new(maxes[m], 3600);
		struct danecid_dns_cache_stats st;

		put_n(c, "e164.test.", 0, 3 * maxes[m], 1000, T);
		st = stats(c);
		if (st.entries > maxes[m] || st.evictions == 0 ||
		    st.inserts != st.entries + st.evictions || st.max_entries != maxes[m]) {
			fail_msg("max %zu: entries %zu inserts %llu evictions %llu", maxes[m],
			         st.entries, (unsigned long long)st.inserts,
			         (unsigned long long)st.evictions);
		}
		danecid_dnscache_free(c);
	}
}

/* A full cache takes the answer just got (the header: "when full, expired answers go first,
 * then those expiring soonest"), however few entries it holds. */
static void test_full_small_cache_keeps_newest(void **state)
{
	static const size_t maxes[] = {1, 4, 16};

	(void)state;
	for (size_t m = 0; m < NELEM(maxes); m++) {
		danecid_dnscache *c = cache_new(maxes[m], 3600);
		struct ans a;

		put_n(c, "e164.test.", 0, maxes[m], 1000, T);
		for (unsigned i = 0; i < 40; i++) {
			char name[64];

			num_name(name, sizeof(name), i, "other.test.");
			ans_one(&a, 1000, 100 + i);
			danecid_dnscache_put(c, name, TLSA, &a.rs, T + i);
			expect(c, name, TLSA, T + i, &a.rs);
		}
		assert_int_equal(stats(c).entries, maxes[m]);
		danecid_dnscache_free(c);
	}
}

static void test_expired_go_first(void **state)
{
	danecid_dnscache *c = cache_new(1024, 3600);
	struct danecid_dns_cache_stats st;
	struct ans a;
	char name[64];

	(void)state;
	put_n(c, "keep.test.", 0, 24, 1000, T);
	put_n(c, "short.test.", 0, 1000, 5, T);
	assert_int_equal(stats(c).entries, 1024);
	ans_one(&a, 1000, 7777);
	danecid_dnscache_put(c, "_stir.5.new.test.", TLSA, &a.rs, T + 10);
	expect(c, "_stir.5.new.test.", TLSA, T + 10, &a.rs);
	for (size_t i = 0; i < 24; i++) {
		struct ans k;

		num_name(name, sizeof(name), i, "keep.test.");
		ans_one(&k, 1000, (unsigned)i);
		expect(c, name, TLSA, T + 10, &k.rs);
	}
	st = stats(c);
	assert_int_equal(st.evictions, 0);
	assert_true(st.expired >= 1);
	danecid_dnscache_free(c);
}

/* ---- zone keys ---- */

/* Keys of zone, {ksk} signed by itself and anchored by its DS, valid until now + ttl. */
static danecid_zonekeys *zone_keys(const char *zone, int64_t now, uint32_t ttl,
                                   danecid_sigmemo *memo)
{
	struct dm_key k;
	const struct dm_key *keys[1] = {&k};
	struct danecid_anchor a;
	struct dm_msg m;
	struct dm_sig s;
	static struct danecid_wire_msg msg;
	danecid_zonekeys *zk = NULL;
	const char *why = NULL;

	assert_int_equal(dm_key_new(&k, DM_KSK), 0);
	memset(&a, 0, sizeof(a));
	a.owner_len = dm_name(zone, a.owner);
	a.type = 43;
	a.rdlen = dm_ds(&k, zone, 2, a.rdata);
	s = dm_sig_of(&k, zone, now);
	s.origttl = ttl;
	dm_dnskey_answer(&m, zone, keys, 1, ttl, &s);
	assert_int_equal(danecid_wire_parse(m.b, m.len, &msg), DANECID_OK);
	if (danecid_zonekeys_validate(&msg, a.owner, a.owner_len, &a, 1, now, memo, &zk, &why) !=
	    DANECID_OK) {
		fail_msg("zone keys of %s not validated: %s", zone, why != NULL ? why : "");
	}
	dm_key_free(&k);
	return zk;
}

static void test_zone_keys(void **state)
{
	danecid_dnscache *c = cache_new(0, 3600); /* no answers: zone keys are still kept */
	danecid_zonekeys *zk = zone_keys("e164.test.", T, 3600, NULL);
	danecid_zonekeys *zk2 = zone_keys("e164.test.", T, 7200, NULL);
	danecid_zonekeys *got;
	uint8_t z[DM_NAME_MAX], o[DM_NAME_MAX];
	size_t zl = dm_name("e164.test.", z), ol = dm_name("other.test.", o);

	(void)state;
	assert_null(danecid_dnscache_zone_get(c, z, zl, T));
	danecid_dnscache_zone_put(c, zk);
	danecid_zonekeys_free(zk); /* the cache holds its own reference */
	assert_ptr_equal(got = danecid_dnscache_zone_get(c, z, zl, T + 3599), zk);
	assert_int_equal(danecid_zonekeys_count(got), 1);
	danecid_zonekeys_free(got);
	assert_null(danecid_dnscache_zone_get(c, o, ol, T));
	assert_null(danecid_dnscache_zone_get(c, z, zl, T + 3600)); /* expired */
	assert_null(danecid_dnscache_zone_get(c, z, zl, T));        /* and dropped */
	/* replacing the keys of a zone */
	zk = zone_keys("e164.test.", T, 3600, NULL);
	danecid_dnscache_zone_put(c, zk);
	danecid_dnscache_zone_put(c, zk2);
	assert_ptr_equal(got = danecid_dnscache_zone_get(c, z, zl, T + 5000), zk2);
	danecid_zonekeys_free(got);
	danecid_zonekeys_free(zk);
	danecid_zonekeys_free(zk2);
	assert_int_equal(stats(c).zone_loads, 3);
	danecid_dnscache_free(c);
}

/* More zones than slots: the newest is always kept. */
static void test_zone_slots(void **state)
{
	danecid_dnscache *c = cache_new(16, 3600);

	(void)state;
	for (int i = 0; i < 12; i++) {
		char zone[32];
		uint8_t z[DM_NAME_MAX];
		size_t zl;
		danecid_zonekeys *zk, *got;

		snprintf(zone, sizeof(zone), "z%d.test.", i);
		zl = dm_name(zone, z);
		zk = zone_keys(zone, T, 3600, NULL);
		danecid_dnscache_zone_put(c, zk);
		danecid_zonekeys_free(zk);
		assert_ptr_equal(got = danecid_dnscache_zone_get(c, z, zl, T), zk);
		danecid_zonekeys_free(got);
	}
	assert_int_equal(stats(c).zone_loads, 12);
	danecid_dnscache_free(c);
}

static void test_flush(void **state)
{
	danecid_dnscache *c = cache_new(16, 3600);
	size_t empty = stats(c).bytes;
	danecid_zonekeys *zk = zone_keys("e164.test.", T, 3600, NULL);
	uint8_t z[DM_NAME_MAX];
	size_t zl = dm_name("e164.test.", z);
	struct ans a;

	(void)state;
	ans_one(&a, 300, 12);
	danecid_dnscache_put(c, NAME, TLSA, &a.rs, T);
	danecid_dnscache_put(c, "other.test.", TXT, &a.rs, T);
	danecid_dnscache_zone_put(c, zk);
	danecid_zonekeys_free(zk);
	assert_true(stats(c).bytes > empty);
	danecid_dnscache_flush(c);
	assert_int_equal(stats(c).entries, 0);
	assert_int_equal(stats(c).bytes, empty);
	expect(c, NAME, TLSA, T, NULL);
	expect(c, "other.test.", TXT, T, NULL);
	assert_null(danecid_dnscache_zone_get(c, z, zl, T));
	/* and it works on */
	danecid_dnscache_put(c, NAME, TLSA, &a.rs, T);
	expect(c, NAME, TLSA, T, &a.rs);
	danecid_dnscache_free(c);
}

/* ---- statistics ---- */

static void test_stats(void **state)
{
	danecid_dnscache *c = NULL;
	struct danecid_dnscache_opts def = {1048576, 3600}, other = {1048576, 60};
	struct danecid_dns_cache_stats st;
	danecid_zonekeys *zk;
	size_t empty;
	struct ans a;

	(void)state;
	assert_int_equal(danecid_dnscache_new(NULL, &c), DANECID_OK);
	assert_true(danecid_dnscache_same(c, &def));
	assert_false(danecid_dnscache_same(c, &other));
	assert_ptr_equal(danecid_dnscache_ref(c), c);
	danecid_dnscache_free(c);
	st = stats(c);
	assert_int_equal(st.max_entries, 1048576);
	assert_int_equal(st.hits + st.misses + st.inserts + st.entries, 0);
	empty = st.bytes;

	danecid_dnscache_count(c, 1, 0);
	danecid_dnscache_count(c, 1, 0);
	danecid_dnscache_count(c, 0, 0);
	danecid_dnscache_count(c, 0, 1);
	danecid_dnscache_count(c, 1, 1);
	ans_one(&a, 300, 13);
	danecid_dnscache_put(c, NAME, TLSA, &a.rs, T);
	expect(c, NAME, TLSA, T, &a.rs);
	expect(c, NAME, TXT, T, NULL);
	st = stats(c);
	assert_int_equal(st.fast, 2);
	assert_int_equal(st.full, 1);
	assert_int_equal(st.coalesced, 2);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.inserts, 1);
	assert_int_equal(st.entries, 1);
	assert_true(st.bytes > empty);
	expect(c, NAME, TLSA, T + 300, NULL);
	st = stats(c);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, empty);

	/* signature checks made with the cache's memo */
	zk = zone_keys("e164.test.", T, 3600, danecid_dnscache_memo(c));
	st = stats(c);
	assert_int_equal(st.sig_checks, 1);
	assert_int_equal(st.sig_memo, 0);
	danecid_dnscache_zone_put(c, zk);
	danecid_zonekeys_free(zk);
	assert_int_equal(stats(c).zone_loads, 1);
	danecid_dnscache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ttl),
	    cmocka_unit_test(test_signature_expires_first),
	    cmocka_unit_test(test_max_ttl_caps),
	    cmocka_unit_test(test_never_kept),
	    cmocka_unit_test(test_nxdomain_answers_every_type),
	    cmocka_unit_test(test_nodata_is_per_type),
	    cmocka_unit_test(test_records_exact),
	    cmocka_unit_test(test_keys_do_not_collide),
	    cmocka_unit_test(test_long_digit_names),
	    cmocka_unit_test(test_many_suffixes),
	    cmocka_unit_test(test_overlong_name),
	    cmocka_unit_test(test_replace),
	    cmocka_unit_test(test_bound),
	    cmocka_unit_test(test_full_small_cache_keeps_newest),
	    cmocka_unit_test(test_expired_go_first),
	    cmocka_unit_test(test_zone_keys),
	    cmocka_unit_test(test_zone_slots),
	    cmocka_unit_test(test_flush),
	    cmocka_unit_test(test_stats),
	};

	return cmocka_run_group_tests_name("dnscache", tests, NULL, NULL);
}
