/* test_dnsval — DNSSEC validation with a zone's validated keys: the DNSKEY set against DS and
 * DNSKEY anchors, signed positive answers, NSEC3 NXDOMAIN/NODATA proofs, the signature memo.
 * Every message is built and signed here (P-256, algorithm 13); anything not proven must be
 * "unsure" (DANECID_ERR_UNSUPPORTED) with an empty out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <danecid/error.h>

#include "dnsmsg.h"
#include "dnsval.h"
#include "dnswire.h"

#define OK     DANECID_OK
#define UNSURE DANECID_ERR_UNSUPPORTED

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The pinned clock: every signature is dated from it. */
#define T ((int64_t)1790000000)

#define ZONE  "e164.test."
#define QNAME "_stir.1.2.e164.test."

#define T_NS     2
#define T_CNAME  5
#define T_SOA    6
#define T_RRSIG  46
#define T_DNSKEY 48
#define T_NSEC3P 51
#define T_NSEC3  50
#define T_DS     43

#define SOA_TTL   3600
#define N3_TTL    700
#define SOA_SIGEX (T + 5000) /* the SOA's RRSIG expires first */

static struct {
	struct dm_key ksk, zsk, other, revoked, nonzone;
	danecid_zonekeys *zk; /* {ksk, zsk} validated with the DS of ksk, made on first use */
} fx;

static struct danecid_wire_msg msg; /* ~40 KiB: not on the stack */

static const uint8_t tlsa1[] = {3, 1, 1, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99};
static const uint8_t tlsa2[] = {3, 0, 1, 0xaa, 0xbb};

static size_t wire(const char *name, uint8_t out[DM_NAME_MAX])
{
	return dm_name(name, out);
}

static void parse(const struct dm_msg *m)
{
	assert_int_equal(danecid_wire_parse(m->b, m->len, &msg), OK);
}

static struct danecid_anchor ds_anchor(const struct dm_key *k, const char *owner, int digest)
{
	struct danecid_anchor a;

	memset(&a, 0, sizeof(a));
	a.owner_len = wire(owner, a.owner);
	a.type = T_DS;
	a.rdlen = dm_ds(k, owner, digest, a.rdata);
	return a;
}

static struct danecid_anchor key_anchor(const struct dm_key *k)
{
	struct danecid_anchor a;

	memset(&a, 0, sizeof(a));
	a.owner_len = wire(ZONE, a.owner);
	a.type = T_DNSKEY;
	a.rdlen = sizeof(k->rd);
	memcpy(a.rdata, k->rd, sizeof(k->rd));
	return a;
}

/* Validate the DNSKEY response m of ZONE with one anchor. */
static int validate(const struct dm_msg *m, const struct danecid_anchor *a, int64_t now,
                    danecid_zonekeys **zk, const char **why)
{
	uint8_t z[DM_NAME_MAX];
	size_t zl = wire(ZONE, z);

	parse(m);
	return danecid_zonekeys_validate(&msg, z, zl, a, 1, now, NULL, zk, why);
}

/* The standard zone keys: {ksk, zsk} signed by ksk, anchored by its DS. */
static const danecid_zonekeys *zone_keys(void)
{
	const struct dm_key *keys[] = {&fx.ksk, &fx.zsk};
	struct dm_sig s = dm_sig_of(&fx.ksk, ZONE, T);
	struct danecid_anchor a = ds_anchor(&fx.ksk, ZONE, 2);
	struct dm_msg m;
	const char *why = NULL;

	if (fx.zk == NULL) {
		dm_dnskey_answer(&m, ZONE, keys, NELEM(keys), 3600, &s);
		if (validate(&m, &a, T, &fx.zk, &why) != OK) {
			fail_msg("the zone keys do not validate: %s",
			         why != NULL ? why : "(no why)");
		}
	}
	return fx.zk;
}

static int group_setup(void **state)
{
	(void)state;
	if (dm_key_new(&fx.ksk, DM_KSK) != 0 || dm_key_new(&fx.zsk, DM_ZSK) != 0 ||
	    dm_key_new(&fx.other, DM_ZSK) != 0 ||
	    dm_key_new(&fx.revoked, DM_ZSK | DM_REVOKE) != 0 || dm_key_new(&fx.nonzone, 0) != 0) {
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	danecid_zonekeys_free(fx.zk);
	dm_key_free(&fx.ksk);
	dm_key_free(&fx.zsk);
	dm_key_free(&fx.other);
	dm_key_free(&fx.revoked);
	dm_key_free(&fx.nonzone);
	return 0;
}

/* ---- zone keys ---- */

static void test_zonekeys_ds_anchor(void **state)
{
	const struct dm_key *keys[] = {&fx.zsk, &fx.ksk};
	struct dm_sig s = dm_sig_of(&fx.ksk, ZONE, T);
	struct dm_msg m;
	danecid_zonekeys *zk = NULL;
	const char *why = NULL;
	uint8_t z[DM_NAME_MAX];
	size_t zl = wire(ZONE, z), len = 0;

	(void)state;
	for (int digest = 2; digest <= 4; digest += 2) {
		struct danecid_anchor a = ds_anchor(&fx.ksk, ZONE, digest);

		dm_dnskey_answer(&m, ZONE, keys, NELEM(keys), 3600, &s);
		assert_int_equal(validate(&m, &a, T, &zk, &why), OK);
		assert_null(why);
		assert_int_equal(danecid_zonekeys_count(zk), 2);
		assert_int_equal(danecid_zonekeys_expire(zk), T + 3600); /* the TTL, sooner */
		assert_memory_equal(danecid_zonekeys_zone(zk, &len), z, zl);
		assert_int_equal(len, zl);
		assert_ptr_equal(danecid_zonekeys_ref(zk), zk);
		danecid_zonekeys_free(zk);
		danecid_zonekeys_free(zk);
	}
	/* the signature's expiration when it comes before the TTL (original TTL 7200) */
	s.expiration = (uint32_t)(T + 1000);
	s.origttl = 7200;
	dm_dnskey_answer(&m, ZONE, keys, NELEM(keys), 7200, &s);
	{
		struct danecid_anchor a = ds_anchor(&fx.ksk, ZONE, 2);

		assert_int_equal(validate(&m, &a, T, &zk, &why), OK);
	}
	assert_int_equal(danecid_zonekeys_expire(zk), T + 1000);
	danecid_zonekeys_free(zk);
}

static void test_zonekeys_dnskey_anchor(void **state)
{
	const struct dm_key *keys[] = {&fx.ksk, &fx.zsk};
	struct dm_sig s = dm_sig_of(&fx.ksk, ZONE, T);
	struct danecid_anchor a = key_anchor(&fx.ksk);
	struct dm_msg m;
	danecid_zonekeys *zk = NULL;
	const char *why = NULL;

	(void)state;
	dm_dnskey_answer(&m, ZONE, keys, NELEM(keys), 3600, &s);
	assert_int_equal(validate(&m, &a, T, &zk, &why), OK);
	assert_int_equal(danecid_zonekeys_count(zk), 2);
	danecid_zonekeys_free(zk);
}

enum zmut {
	Z_DS_DIGEST_WRONG,
	Z_DS_OF_OTHER_KEY,
	Z_DS_OTHER_OWNER,
	Z_DNSKEY_ANCHOR_OTHER,
	Z_SIGNED_BY_ZSK_ONLY,
	Z_FORGED_KSK_TAG,
	Z_UNSIGNED,
	Z_EXPIRED,
	Z_NOT_YET_VALID,
	Z_OTHER_QUESTION,
	Z_ALG8_SIG,
};

static const struct {
	const char *name;
	enum zmut z;
} zone_rows[] = {
    {"DS digest with one byte changed", Z_DS_DIGEST_WRONG},
    {"DS of a key not in the set (another key tag)", Z_DS_OF_OTHER_KEY},
    {"DS of another zone", Z_DS_OTHER_OWNER},
    {"DNSKEY anchor of a key not in the set", Z_DNSKEY_ANCHOR_OTHER},
    {"set signed only by the (unanchored) ZSK", Z_SIGNED_BY_ZSK_ONLY},
    {"signature by another key under the KSK's tag", Z_FORGED_KSK_TAG},
    {"set not signed", Z_UNSIGNED},
    {"RRSIG expired a second ago", Z_EXPIRED},
    {"RRSIG valid from a second later", Z_NOT_YET_VALID},
    {"response to the DNSKEY question of another zone", Z_OTHER_QUESTION},
    {"RRSIG of algorithm 8", Z_ALG8_SIG},
};

static void test_zonekeys_refused(void **state)
{
	const struct dm_key *keys[] = {&fx.ksk, &fx.zsk};

	(void)state;
	for (size_t i = 0; i < NELEM(zone_rows); i++) {
		enum zmut z = zone_rows[i].z;
		struct dm_sig s = dm_sig_of(&fx.ksk, ZONE, T);
		struct danecid_anchor a = ds_anchor(&fx.ksk, ZONE, 2);
		struct dm_msg m;
		danecid_zonekeys *zk = NULL;
		const char *why = NULL;
		int r;

		switch (z) {
		case Z_DS_DIGEST_WRONG:
			a.rdata[a.rdlen - 1] ^= 1;
			break;
		case Z_DS_OF_OTHER_KEY:
			a = ds_anchor(&fx.other, ZONE, 2);
			break;
		case Z_DS_OTHER_OWNER:
			a = ds_anchor(&fx.ksk, "other.test.", 2);
			break;
		case Z_DNSKEY_ANCHOR_OTHER:
			a = key_anchor(&fx.other);
			break;
		case Z_SIGNED_BY_ZSK_ONLY:
			s.key = &fx.zsk;
			break;
		case Z_FORGED_KSK_TAG:
			s.key = &fx.other;
			s.tag = fx.ksk.tag;
			break;
		case Z_EXPIRED:
			s.inception = (uint32_t)(T - 86400);
			s.expiration = (uint32_t)(T - 1);
			break;
		case Z_NOT_YET_VALID:
			s.inception = (uint32_t)(T + 1);
			break;
		case Z_ALG8_SIG:
			s.alg = 8;
			break;
		case Z_UNSIGNED:
		case Z_OTHER_QUESTION:
			break;
		}
		dm_dnskey_answer(&m, ZONE, keys, NELEM(keys), 3600, z == Z_UNSIGNED ? NULL : &s);
		if (z == Z_OTHER_QUESTION) {
			struct dm_sig so = s;

			dm_dnskey_answer(&m, "other.test.", keys, NELEM(keys), 3600, &so);
		}
		r = validate(&m, &a, T, &zk, &why);
		if (r != UNSURE || zk != NULL || why == NULL) {
			fail_msg("%s: got %d (%s), want UNSUPPORTED and no keys", zone_rows[i].name,
			         r, why != NULL ? why : "no why");
		}
	}
}

/* A revoked key, a key without the ZONE flag and an RSA key are in the set, not usable. */
static struct dm_key rsa_key(void)
{
	struct dm_key k;

	memset(&k, 0x5a, sizeof(k));
	k.pk = NULL;
	k.rd[0] = 1;
	k.rd[1] = 0;
	k.rd[2] = 3;
	k.rd[3] = 8;
	k.tag = danecid_dnskey_tag(k.rd, sizeof(k.rd));
	return k;
}

/* ---- positive answers ---- */

enum amut {
	A_NONE,
	A_TAMPER,
	A_OTHER_KEY,
	A_FORGED_ZSK_TAG,
	A_SIGNER_OTHER_ZONE,
	A_WILDCARD_LABELS,
	A_EXPIRED,
	A_NOT_YET_VALID,
	A_COVERS_TXT,
	A_ALG8,
	A_UNSIGNED,
	A_CNAME,
	A_CNAME_BESIDE,
	A_OTHER_QNAME,
	A_OTHER_QTYPE,
	A_REFERRAL_NS,
	A_SERVFAIL,
	A_NXDOMAIN_RCODE,
	A_NOT_IN_ZONE,
	A_BY_REVOKED,
	A_BY_NONZONE,
};

/* The TLSA answer to QNAME (two records, TTL ttl, original TTL origttl), by key, mutated. */
static void tlsa_answer(struct dm_msg *m, enum amut mu, const struct dm_key *key, uint32_t ttl,
                        uint32_t origttl)
{
	const struct dm_rd rds[] = {{tlsa2, sizeof(tlsa2)}, {tlsa1, sizeof(tlsa1)}};
	struct dm_sig s = dm_sig_of(key, ZONE, T);
	const char *owner = mu == A_NOT_IN_ZONE ? "_stir.1.2.other.test." : QNAME;
	unsigned rcode = mu == A_SERVFAIL ? 2 : mu == A_NXDOMAIN_RCODE ? DM_NXDOMAIN : 0;
	size_t first;

	s.origttl = origttl;
	switch (mu) {
	case A_OTHER_KEY:
		s.key = &fx.other;
		break;
	case A_FORGED_ZSK_TAG:
		s.key = &fx.other;
		s.tag = fx.zsk.tag;
		break;
	case A_SIGNER_OTHER_ZONE:
		s.slen = wire("test.", s.signer);
		break;
	case A_WILDCARD_LABELS:
		s.labels = 4; /* QNAME has 5 */
		break;
	case A_EXPIRED:
		s.inception = (uint32_t)(T - 86400);
		s.expiration = (uint32_t)(T - 1);
		break;
	case A_NOT_YET_VALID:
		s.inception = (uint32_t)(T + 1);
		break;
	case A_COVERS_TXT:
		s.covered = DM_T_TXT;
		break;
	case A_ALG8:
		s.alg = 8;
		break;
	case A_BY_REVOKED:
		s.key = &fx.revoked;
		break;
	case A_BY_NONZONE:
		s.key = &fx.nonzone;
		break;
	default:
		break;
	}
	dm_begin(m, 0x0400, rcode, mu == A_OTHER_QNAME ? "_stir.1.3.e164.test." : owner,
	         mu == A_OTHER_QTYPE ? DM_T_TXT : DM_T_TLSA);
	if (mu == A_CNAME || mu == A_CNAME_BESIDE) {
		uint8_t target[DM_NAME_MAX];
		const struct dm_rd c = {target, wire("_stir.9.e164.test.", target)};

		dm_rrset(m, DM_AN, owner, T_CNAME, ttl, &c, 1, &s);
		owner = mu == A_CNAME ? "_stir.9.e164.test." : owner;
	}
	first = m->len;
	dm_rrset(m, DM_AN, owner, DM_T_TLSA, ttl, rds, NELEM(rds), mu == A_UNSIGNED ? NULL : &s);
	if (mu == A_TAMPER) {
		/* the last byte of the first record's RDATA (tlsa2) */
		m->b[first + strlen(owner) + 1 + 10 + sizeof(tlsa2) - 1] ^= 0x01;
	}
	if (mu == A_REFERRAL_NS) {
		uint8_t ns[DM_NAME_MAX];
		const struct dm_rd n = {ns, wire("ns.elsewhere.test.", ns)};

		dm_rrset(m, DM_NS, "_stir.1.e164.test.", T_NS, 3600, &n, 1, NULL);
	}
}

static int answer(const struct dm_msg *m, const char *qname, uint16_t qtype,
                  const danecid_zonekeys *zk, danecid_sigmemo *memo, struct danecid_rrset *out,
                  const char **why)
{
	uint8_t q[DM_NAME_MAX];
	size_t ql = wire(qname, q);

	parse(m);
	return danecid_dnsval_answer(&msg, q, ql, qtype, zk, memo, T, out, why);
}

static void assert_unsure(int r, const struct danecid_rrset *out, const char *why, const char *what)
{
	if (r != UNSURE || out->n != 0 || out->sec == DANECID_DNSSEC_SECURE || why == NULL) {
		fail_msg("%s: got %d (%s, %zu records, sec %d), want UNSUPPORTED and nothing", what,
		         r, why != NULL ? why : "no why", out->n, (int)out->sec);
	}
}

/* out holds exactly tlsa1 and tlsa2, in any order. */
static void assert_tlsa_pair(const struct danecid_rrset *out)
{
	int seen = 0;

	assert_int_equal(out->n, 2);
	for (size_t i = 0; i < 2; i++) {
		if (out->rr[i].len == sizeof(tlsa1) &&
		    memcmp(out->rr[i].data, tlsa1, sizeof(tlsa1)) == 0) {
			seen |= 1;
		} else if (out->rr[i].len == sizeof(tlsa2) &&
		           memcmp(out->rr[i].data, tlsa2, sizeof(tlsa2)) == 0) {
			seen |= 2;
		}
	}
	assert_int_equal(seen, 3);
}

static void test_answer_ok(void **state)
{
	static const struct {
		uint32_t ttl, origttl, want;
	} ttls[] = {{300, 600, 300}, {900, 600, 600}, {600, 600, 600}};
	const danecid_zonekeys *zk = zone_keys();

	(void)state;
	for (size_t i = 0; i < NELEM(ttls); i++) {
		struct dm_msg m;
		struct danecid_rrset out;
		const char *why = NULL;

		tlsa_answer(&m, A_NONE, &fx.zsk, ttls[i].ttl, ttls[i].origttl);
		if (answer(&m, QNAME, DM_T_TLSA, zk, NULL, &out, &why) != OK) {
			fail_msg("ttl %u: not validated: %s", ttls[i].ttl, why != NULL ? why : "");
		}
		assert_int_equal(out.sec, DANECID_DNSSEC_SECURE);
		assert_int_equal(out.kind, DANECID_DNS_DATA);
		assert_false(out.wildcard);
		assert_int_equal(out.ttl, ttls[i].want);
		assert_int_equal(out.sig_expire, T + 86400);
		assert_tlsa_pair(&out);
		danecid_rrset_clear(&out);
	}
}

static const struct {
	const char *name;
	enum amut mu;
} answer_rows[] = {
    {"one byte of RDATA changed", A_TAMPER},
    {"signed by a key not in the set", A_OTHER_KEY},
    {"signed by a key not in the set, with the ZSK's key tag", A_FORGED_ZSK_TAG},
    {"signer name of another zone", A_SIGNER_OTHER_ZONE},
    {"RRSIG labels below the owner's (wildcard)", A_WILDCARD_LABELS},
    {"RRSIG expired", A_EXPIRED},
    {"RRSIG not yet valid", A_NOT_YET_VALID},
    {"RRSIG of another type", A_COVERS_TXT},
    {"RRSIG of algorithm 8", A_ALG8},
    {"no RRSIG", A_UNSIGNED},
    {"answer holds a CNAME", A_CNAME},
    {"answer holds a signed CNAME beside the signed TLSA at the name", A_CNAME_BESIDE},
    {"response for another name", A_OTHER_QNAME},
    {"response for another type", A_OTHER_QTYPE},
    {"NS below the zone in the authority section (referral)", A_REFERRAL_NS},
    {"SERVFAIL", A_SERVFAIL},
    {"NXDOMAIN rcode with a signed answer", A_NXDOMAIN_RCODE},
    {"name outside the zone", A_NOT_IN_ZONE},
};

static void test_answer_unsure(void **state)
{
	const danecid_zonekeys *zk = zone_keys();

	(void)state;
	for (size_t i = 0; i < NELEM(answer_rows); i++) {
		struct dm_msg m;
		struct danecid_rrset out;
		const char *why = NULL;
		const char *q =
		    answer_rows[i].mu == A_NOT_IN_ZONE ? "_stir.1.2.other.test." : QNAME;
		int r;

		tlsa_answer(&m, answer_rows[i].mu, &fx.zsk, 300, 600);
		r = answer(&m, q, DM_T_TLSA, zk, NULL, &out, &why);
		assert_unsure(r, &out, why, answer_rows[i].name);
	}
}

static void test_zonekeys_excluded(void **state)
{
	struct dm_key rsa = rsa_key();
	const struct dm_key *keys[] = {&fx.ksk, &fx.revoked, &fx.zsk, &fx.nonzone, &rsa};
	struct dm_sig s = dm_sig_of(&fx.ksk, ZONE, T);
	struct danecid_anchor a = ds_anchor(&fx.ksk, ZONE, 2);
	struct dm_msg m;
	struct danecid_rrset out;
	danecid_zonekeys *zk = NULL;
	const char *why = NULL;
	int r;

	(void)state;
	dm_dnskey_answer(&m, ZONE, keys, NELEM(keys), 3600, &s);
	assert_int_equal(validate(&m, &a, T, &zk, &why), OK);
	assert_int_equal(danecid_zonekeys_count(zk), 2); /* ksk and zsk */

	tlsa_answer(&m, A_BY_REVOKED, &fx.zsk, 300, 600);
	r = answer(&m, QNAME, DM_T_TLSA, zk, NULL, &out, &why);
	assert_unsure(r, &out, why, "signed by the revoked key");
	tlsa_answer(&m, A_BY_NONZONE, &fx.zsk, 300, 600);
	r = answer(&m, QNAME, DM_T_TLSA, zk, NULL, &out, &why);
	assert_unsure(r, &out, why, "signed by the key without the ZONE flag");
	tlsa_answer(&m, A_NONE, &fx.zsk, 300, 600);
	assert_int_equal(answer(&m, QNAME, DM_T_TLSA, zk, NULL, &out, &why), OK);
	danecid_rrset_clear(&out);
	danecid_zonekeys_free(zk);
}

/* ---- NSEC3 ---- */

/* One name of the zone, the types at it. */
static const struct {
	const char *name;
	uint16_t types[6];
} zone_names[] = {
    {ZONE, {T_NS, T_SOA, T_RRSIG, T_DNSKEY, T_NSEC3P}},
    {"a." ZONE, {DM_T_TLSA, T_RRSIG}},
    {"b." ZONE, {DM_T_TXT, T_RRSIG}},
    {"c." ZONE, {T_CNAME, T_RRSIG}},
    {"sub." ZONE, {T_NS}},
    {"w." ZONE, {0}}, /* an empty non-terminal */
    {"*.w." ZONE, {DM_T_TLSA, T_RRSIG}},
};

#define CHAIN_MAX NELEM(zone_names)

struct link {
	uint8_t h[20];
	char owner[64];
	uint8_t rd[128];
	size_t rdlen;
};

/* The zone's NSEC3 chain, in hash order. */
struct chain {
	struct link l[CHAIN_MAX];
	size_t n;
	unsigned iter;
	uint8_t salt[2];
};

static void hash_of(const struct chain *c, const char *name, uint8_t h[20])
{
	uint8_t w[DM_NAME_MAX];
	size_t wl = wire(name, w);

	dm_nsec3_hash(w, wl, c->salt, sizeof(c->salt), c->iter, h);
}

static int link_cmp(const void *a, const void *b)
{
	return memcmp(((const struct link *)a)->h, ((const struct link *)b)->h, 20);
}

static void chain_fill(struct chain *c, bool optout)
{
	c->n = CHAIN_MAX;
	for (size_t i = 0; i < c->n; i++) {
		hash_of(c, zone_names[i].name, c->l[i].h);
		c->l[i].rdlen = i; /* the name's index, until the RDATA is written */
	}
	qsort(c->l, c->n, sizeof(c->l[0]), link_cmp);
	for (size_t i = 0; i < c->n; i++) {
		struct link *k = &c->l[i];
		const uint16_t *t = zone_names[k->rdlen].types;
		uint8_t map[32] = {0}, *p = k->rd;
		size_t maplen = 0;
		char b32[33];

		for (size_t j = 0; j < 6 && t[j] != 0; j++) {
			size_t byte = t[j] / 8u;

			map[byte] |= (uint8_t)(0x80 >> (t[j] % 8));
			maplen = byte + 1 > maplen ? byte + 1 : maplen;
		}
		*p++ = 1;
		*p++ = optout ? 1 : 0;
		*p++ = (uint8_t)(c->iter >> 8);
		*p++ = (uint8_t)c->iter;
		*p++ = sizeof(c->salt);
		memcpy(p, c->salt, sizeof(c->salt));
		p += sizeof(c->salt);
		*p++ = 20;
		memcpy(p, c->l[(i + 1) % c->n].h, 20);
		p += 20;
		if (maplen > 0) {
			*p++ = 0;
			*p++ = (uint8_t)maplen;
			memcpy(p, map, maplen);
			p += maplen;
		}
		k->rdlen = (size_t)(p - k->rd);
		dm_b32hex(k->h, b32);
		snprintf(k->owner, sizeof(k->owner), "%s.%s", b32, ZONE);
	}
}

/* Index of the link whose hash is name's, or -1. */
static int chain_match(const struct chain *c, const char *name)
{
	uint8_t h[20];

	hash_of(c, name, h);
	for (size_t i = 0; i < c->n; i++) {
		if (memcmp(c->l[i].h, h, 20) == 0) {
			return (int)i;
		}
	}
	return -1;
}

/* Index of the link whose span holds name's hash strictly (the last one wraps), or -1. */
static int chain_cover(const struct chain *c, const char *name)
{
	uint8_t h[20];

	hash_of(c, name, h);
	for (size_t i = 0; i < c->n; i++) {
		int lo = memcmp(c->l[i].h, h, 20), hi = memcmp(h, c->l[(i + 1) % c->n].h, 20);

		if ((i + 1 < c->n && lo < 0 && hi < 0) || (i + 1 == c->n && (lo < 0 || hi < 0))) {
			return (int)i;
		}
	}
	return -1;
}

/* Whether, for the closest enclosers used (the apex, a. and sub.), the wildcard's covering link
 * is not the encloser's own link, so that each part of a proof can be left out alone. */
static bool chain_usable(const struct chain *c)
{
	return chain_cover(c, "*." ZONE) != chain_match(c, ZONE) &&
	       chain_cover(c, "*.a." ZONE) != chain_match(c, "a." ZONE) &&
	       chain_cover(c, "*.sub." ZONE) != chain_match(c, "sub." ZONE);
}

/* The chain with iter iterations and the first salt (from ab00) that makes it usable. */
static void chain_make(struct chain *c, unsigned iter, bool optout)
{
	c->iter = iter;
	c->salt[0] = 0xab;
	for (unsigned v = 0; v < 256; v++) {
		c->salt[1] = (uint8_t)v;
		chain_fill(c, optout);
		if (chain_usable(c)) {
			return;
		}
	}
	fail_msg("no usable salt for %u iterations", iter);
}

/* Proof shapes and the links a response holds. */
enum shape { S_NX, S_NX_DEEP, S_NX_SUB, S_NX_WILD, S_FIXED };

#define L_CE    1u
#define L_NC    2u
#define L_WC    4u
#define L_MATCH 8u
#define L_ALL   16u

#define F_NO_SOA       1u
#define F_SOA_UNSIGNED 2u
#define F_N3_UNSIGNED  4u /* the first NSEC3 of the response */
#define F_N3_FORGED    8u /* the first NSEC3 signed by another key under the ZSK's tag */

struct drow {
	const char *name;
	enum shape shape;
	const char *qname; /* S_FIXED */
	uint16_t qtype;
	unsigned rcode;
	unsigned links, f;
	unsigned iter;
	bool optout;
	uint32_t soa_min;
	int want;
	enum danecid_dns_kind kind;
	uint32_t ttl;
};

/* The parts of an NXDOMAIN proof for qname with closest encloser ce. */
struct nx {
	char qname[96];
	int ce, nc, wc;
};

/* A name "x<i>.<ce>" whose proof uses three different links (so that each can be left out). */
static struct nx nx_pick(const struct chain *c, const char *ce)
{
	struct nx p;
	char wc[96];

	snprintf(wc, sizeof(wc), "*.%s", ce);
	for (int i = 0; i < 1000; i++) {
		snprintf(p.qname, sizeof(p.qname), "x%d.%s", i, ce);
		p.ce = chain_match(c, ce);
		p.nc = chain_cover(c, p.qname);
		p.wc = chain_cover(c, wc);
		p.wc = p.wc >= 0 ? p.wc : chain_match(c, wc); /* the wildcard exists (w.) */
		if (p.ce >= 0 && p.nc >= 0 && p.wc >= 0 && p.ce != p.nc && p.ce != p.wc &&
		    p.nc != p.wc) {
			return p;
		}
	}
	fail_msg("no name under %s with a three-link proof", ce);
	return p;
}

static void soa_add(struct dm_msg *m, uint32_t minimum, bool sign)
{
	uint8_t rd[2 * DM_NAME_MAX + 20];
	size_t l = wire("ns1." ZONE, rd);
	const uint32_t counters[5] = {1, 7200, 3600, 1209600, minimum};
	struct dm_sig s = dm_sig_of(&fx.zsk, ZONE, T);
	struct dm_rd r;

	l += wire("host." ZONE, rd + l);
	for (size_t i = 0; i < 5; i++) {
		for (int b = 3; b >= 0; b--) {
			rd[l++] = (uint8_t)(counters[i] >> (8 * b));
		}
	}
	r = (struct dm_rd){rd, l};
	s.expiration = (uint32_t)SOA_SIGEX;
	dm_rrset(m, DM_NS, ZONE, T_SOA, SOA_TTL, &r, 1, sign ? &s : NULL);
}

static void n3_add(struct dm_msg *m, const struct link *k, unsigned f)
{
	const struct dm_rd r = {k->rd, k->rdlen};
	struct dm_sig s = dm_sig_of(&fx.zsk, ZONE, T);

	if (f & F_N3_FORGED) {
		s.key = &fx.other;
		s.tag = fx.zsk.tag;
	}
	dm_rrset(m, DM_NS, k->owner, T_NSEC3, N3_TTL, &r, 1, (f & F_N3_UNSIGNED) ? NULL : &s);
}

/* Build the response of row w; *q gets the question name. */
static void denial_msg(struct dm_msg *m, const struct drow *w, char q[96])
{
	struct chain c;
	struct nx p = {.ce = -1, .nc = -1, .wc = -1};
	int idx[CHAIN_MAX + 4];
	size_t n = 0;

	chain_make(&c, w->iter, w->optout);
	if (w->shape == S_FIXED) {
		snprintf(p.qname, sizeof(p.qname), "%s", w->qname);
	} else {
		static const char *const ce[] = {ZONE, "a." ZONE, "sub." ZONE, "w." ZONE};

		p = nx_pick(&c, ce[w->shape]);
	}
	snprintf(q, 96, "%s", p.qname);
	if (w->links & L_MATCH) {
		idx[n++] = chain_match(&c, p.qname);
	}
	if (w->links & L_CE) {
		idx[n++] = p.ce;
	}
	if (w->links & L_NC) {
		idx[n++] = p.nc;
	}
	if (w->links & L_WC) {
		idx[n++] = p.wc;
	}
	for (size_t i = 0; (w->links & L_ALL) && i < c.n; i++) {
		idx[n++] = (int)i;
	}
	dm_begin(m, 0x0400, w->rcode, p.qname, w->qtype);
	if (!(w->f & F_NO_SOA)) {
		soa_add(m, w->soa_min != 0 ? w->soa_min : 900, !(w->f & F_SOA_UNSIGNED));
	}
	for (size_t i = 0; i < n; i++) {
		assert_true(idx[i] >= 0);
		n3_add(m, &c.l[idx[i]], i == 0 ? w->f : 0);
	}
}

#define NXD   DM_NXDOMAIN
#define PROOF (L_CE | L_NC | L_WC)

static const struct drow denial_rows[] = {
    /* NXDOMAIN */
    {"NXDOMAIN: closest encloser the apex", S_NX, NULL, DM_T_TLSA, NXD, PROOF, 0, 5, false, 0, OK,
     DANECID_DNS_NXDOMAIN, N3_TTL},
    {"NXDOMAIN: SOA minimum the smallest TTL", S_NX, NULL, DM_T_TLSA, NXD, PROOF, 0, 5, false, 300,
     OK, DANECID_DNS_NXDOMAIN, 300},
    {"NXDOMAIN: closest encloser a.", S_NX_DEEP, NULL, DM_T_TXT, NXD, PROOF, 0, 5, false, 0, OK,
     DANECID_DNS_NXDOMAIN, N3_TTL},
    {"NXDOMAIN: the whole chain", S_NX, NULL, DM_T_TLSA, NXD, L_ALL, 0, 5, false, 0, OK,
     DANECID_DNS_NXDOMAIN, N3_TTL},
    {"NXDOMAIN: 150 iterations", S_NX, NULL, DM_T_TLSA, NXD, PROOF, 0, 150, false, 0, OK,
     DANECID_DNS_NXDOMAIN, N3_TTL},
    {"NXDOMAIN: no wildcard proof", S_NX, NULL, DM_T_TLSA, NXD, L_CE | L_NC, 0, 5, false, 0, UNSURE,
     0, 0},
    {"NXDOMAIN: no next closer proof", S_NX, NULL, DM_T_TLSA, NXD, L_CE | L_WC, 0, 5, false, 0,
     UNSURE, 0, 0},
    {"NXDOMAIN: no closest encloser", S_NX, NULL, DM_T_TLSA, NXD, L_NC | L_WC, 0, 5, false, 0,
     UNSURE, 0, 0},
    {"NXDOMAIN, deep: no closest encloser", S_NX_DEEP, NULL, DM_T_TLSA, NXD, L_NC | L_WC, 0, 5,
     false, 0, UNSURE, 0, 0},
    {"NXDOMAIN: opt-out span over the next closer", S_NX, NULL, DM_T_TLSA, NXD, PROOF, 0, 5, true,
     0, UNSURE, 0, 0},
    {"NXDOMAIN: an NSEC3 not signed", S_NX, NULL, DM_T_TLSA, NXD, PROOF, F_N3_UNSIGNED, 5, false, 0,
     UNSURE, 0, 0},
    {"NXDOMAIN: an NSEC3 signed by another key (ZSK's tag)", S_NX, NULL, DM_T_TLSA, NXD, PROOF,
     F_N3_FORGED, 5, false, 0, UNSURE, 0, 0},
    {"NXDOMAIN: no SOA", S_NX, NULL, DM_T_TLSA, NXD, PROOF, F_NO_SOA, 5, false, 0, UNSURE, 0, 0},
    {"NXDOMAIN: SOA not signed", S_NX, NULL, DM_T_TLSA, NXD, PROOF, F_SOA_UNSIGNED, 5, false, 0,
     UNSURE, 0, 0},
    {"NXDOMAIN: 151 iterations", S_NX, NULL, DM_T_TLSA, NXD, PROOF, 0, 151, false, 0, UNSURE, 0, 0},
    {"NXDOMAIN below a delegation (closest encloser sub.)", S_NX_SUB, NULL, DM_T_TLSA, NXD, PROOF,
     0, 5, false, 0, UNSURE, 0, 0},
    {"NXDOMAIN under an existing wildcard (its NSEC3 is no cover)", S_NX_WILD, NULL, DM_T_TLSA, NXD,
     PROOF, 0, 5, false, 0, UNSURE, 0, 0},
    {"NXDOMAIN: an NSEC3 matches the name", S_FIXED, "a." ZONE, DM_T_TLSA, NXD, L_ALL, 0, 5, false,
     0, UNSURE, 0, 0},
    /* NODATA */
    {"NODATA: a. has no TXT", S_FIXED, "a." ZONE, DM_T_TXT, 0, L_MATCH, 0, 5, false, 0, OK,
     DANECID_DNS_NODATA, N3_TTL},
    {"NODATA: the apex (NS with SOA) has no TLSA", S_FIXED, ZONE, DM_T_TLSA, 0, L_MATCH, 0, 5,
     false, 0, OK, DANECID_DNS_NODATA, N3_TTL},
    {"NODATA: SOA minimum the smallest TTL", S_FIXED, "b." ZONE, DM_T_TLSA, 0, L_MATCH, 0, 5, false,
     60, OK, DANECID_DNS_NODATA, 60},
    {"NODATA: the bitmap holds the type", S_FIXED, "a." ZONE, DM_T_TLSA, 0, L_MATCH, 0, 5, false, 0,
     UNSURE, 0, 0},
    {"NODATA: the bitmap holds CNAME", S_FIXED, "c." ZONE, DM_T_TLSA, 0, L_MATCH, 0, 5, false, 0,
     UNSURE, 0, 0},
    {"NODATA: NS without SOA (delegation)", S_FIXED, "sub." ZONE, DM_T_TLSA, 0, L_MATCH, 0, 5,
     false, 0, UNSURE, 0, 0},
    {"NODATA: the NSEC3 not signed", S_FIXED, "a." ZONE, DM_T_TXT, 0, L_MATCH, F_N3_UNSIGNED, 5,
     false, 0, UNSURE, 0, 0},
    {"NODATA: SOA not signed", S_FIXED, "a." ZONE, DM_T_TXT, 0, L_MATCH, F_SOA_UNSIGNED, 5, false,
     0, UNSURE, 0, 0},
    {"NODATA for a name with no NSEC3 (NXDOMAIN proof, rcode 0)", S_NX, NULL, DM_T_TLSA, 0, PROOF,
     0, 5, false, 0, UNSURE, 0, 0},
    {"NODATA: 151 iterations", S_FIXED, "a." ZONE, DM_T_TXT, 0, L_MATCH, 0, 151, false, 0, UNSURE,
     0, 0},
};

static void test_denial(void **state)
{
	const danecid_zonekeys *zk = zone_keys();

	(void)state;
	for (size_t i = 0; i < NELEM(denial_rows); i++) {
		const struct drow *w = &denial_rows[i];
		struct dm_msg m;
		struct danecid_rrset out;
		const char *why = NULL;
		char q[96];
		int r;

		denial_msg(&m, w, q);
		r = answer(&m, q, w->qtype, zk, NULL, &out, &why);
		if (w->want != OK) {
			assert_unsure(r, &out, why, w->name);
			continue;
		}
		if (r != OK || out.kind != w->kind || out.ttl != w->ttl ||
		    out.sec != DANECID_DNSSEC_SECURE || out.n != 0 || out.sig_expire != SOA_SIGEX) {
			fail_msg("%s: got %d (%s) kind %d ttl %u n %zu sig_expire %lld", w->name, r,
			         why != NULL ? why : "", (int)out.kind, out.ttl, out.n,
			         (long long)out.sig_expire);
		}
	}
}

/* The second validation of the same SOA and NSEC3 sets checks no signature. Signatures are
 * random (ECDSA), so two may share a memo slot: a fresh response is tried up to 3 times. */
static void test_memo(void **state)
{
	static const struct drow w = {
	    "NODATA", S_FIXED, "a." ZONE, DM_T_TXT,           0,     L_MATCH, 0, 5,
	    false,    0,       OK,        DANECID_DNS_NODATA, N3_TTL};
	const danecid_zonekeys *zk = zone_keys();
	struct danecid_sigmemo_stats st = {0, 0};

	(void)state;
	for (int attempt = 0; attempt < 3; attempt++) {
		danecid_sigmemo *memo = NULL;
		struct dm_msg m;
		struct danecid_rrset out;
		const char *why = NULL;
		char q[96];

		assert_int_equal(danecid_sigmemo_new(&memo), OK);
		denial_msg(&m, &w, q);
		assert_int_equal(answer(&m, q, DM_T_TXT, zk, memo, &out, &why), OK);
		danecid_sigmemo_stats(memo, &st);
		assert_int_equal(st.hits, 0);
		assert_int_equal(st.checks, 2);
		assert_int_equal(answer(&m, q, DM_T_TXT, zk, memo, &out, &why), OK);
		assert_int_equal(out.kind, DANECID_DNS_NODATA);
		danecid_sigmemo_stats(memo, &st);
		danecid_sigmemo_free(memo);
		if (st.hits == 2) {
			break;
		}
	}
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.checks, 2);
}

/* A memoized signature vouches for the data it was made over, nothing else. */
static void test_memo_not_for_other_data(void **state)
{
	const danecid_zonekeys *zk = zone_keys();
	danecid_sigmemo *memo = NULL;
	struct dm_msg m, bad;
	struct danecid_rrset out;
	const char *why = NULL;
	struct danecid_sigmemo_stats st;
	int r;

	(void)state;
	assert_int_equal(danecid_sigmemo_new(&memo), OK);
	tlsa_answer(&m, A_NONE, &fx.zsk, 300, 600);
	bad = m;
	assert_int_equal(answer(&m, QNAME, DM_T_TLSA, zk, memo, &out, &why), OK);
	danecid_rrset_clear(&out);
	/* the same RRSIG bytes over changed data */
	tlsa_answer(&bad, A_TAMPER, &fx.zsk, 300, 600);
	memcpy(bad.b + bad.len - 64, m.b + m.len - 64, 64);
	r = answer(&bad, QNAME, DM_T_TLSA, zk, memo, &out, &why);
	assert_unsure(r, &out, why, "changed data under a memoized signature");
	/* and after its expiration the signature is no longer taken from the memo */
	parse(&m);
	{
		uint8_t q[DM_NAME_MAX];
		size_t ql = wire(QNAME, q);

		r = danecid_dnsval_answer(&msg, q, ql, DM_T_TLSA, zk, memo, T + 86401, &out, &why);
	}
	assert_unsure(r, &out, why, "memoized signature past its expiration");
	danecid_sigmemo_stats(memo, &st);
	assert_int_equal(st.hits, 0);
	danecid_sigmemo_free(memo);
}

/* The key tag of a DNSKEY (RFC 4034 Appendix B), against ldns-keygen's: "example. DNSKEY 257 3
 * 13 7DO2vG8z...", id 25451. An odd length adds its last byte as a high byte. */
static void test_key_tag(void **state)
{
	static const uint8_t rd[] = {
	    0x01, 0x01, 0x03, 0x0d, 0xec, 0x33, 0xb6, 0xbc, 0x6f, 0x33, 0xdf, 0x5f, 0xb2, 0xa6,
	    0x0a, 0xc7, 0x40, 0x0e, 0xf5, 0x30, 0x33, 0xb1, 0x30, 0x2e, 0xa3, 0xb8, 0xfd, 0x47,
	    0xd5, 0xa0, 0x60, 0x53, 0x25, 0x80, 0x34, 0x7d, 0xe1, 0xd2, 0x95, 0x7d, 0x44, 0x81,
	    0x33, 0x57, 0x4c, 0xbd, 0x29, 0x41, 0xed, 0x98, 0xb4, 0x2f, 0xad, 0x76, 0xae, 0x45,
	    0x35, 0xa3, 0xb4, 0xf6, 0xe3, 0xa9, 0x76, 0x38, 0xdc, 0xf0, 0x62, 0x41,
	};

	(void)state;
	assert_int_equal(danecid_dnskey_tag(rd, sizeof(rd)), 25451);
	assert_int_equal(danecid_dnskey_tag(rd, 0), 0);
	assert_int_equal(danecid_dnskey_tag((const uint8_t *)"\x01\x02\x03", 3), 0x0402);
	assert_int_equal(danecid_dnskey_tag((const uint8_t *)"\xff\xff\x00\x01", 4), 0x0001);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_tag),
	    cmocka_unit_test(test_zonekeys_ds_anchor),
	    cmocka_unit_test(test_zonekeys_dnskey_anchor),
	    cmocka_unit_test(test_zonekeys_refused),
	    cmocka_unit_test(test_zonekeys_excluded),
	    cmocka_unit_test(test_answer_ok),
	    cmocka_unit_test(test_answer_unsure),
	    cmocka_unit_test(test_denial),
	    cmocka_unit_test(test_memo),
	    cmocka_unit_test(test_memo_not_for_other_data),
	};

	return cmocka_run_group_tests_name("dnsval", tests, group_setup, group_teardown);
}
