/* dnsval — validating responses with a zone's already-validated keys.
 *
 * Outline of operations:
 *  1. danecid_zonekeys_validate(): the DNSKEY set of a zone is accepted when one of its keys
 *     matches a trust anchor and signs the set. The zone keys (flag ZONE, not REVOKE, ECDSA
 *     P-256) are parsed once into OpenSSL keys.
 *  2. danecid_dnsval_answer(): every record set the answer relies on is checked against its
 *     RRSIG (RFC 4034 §3.1.8.1 canonical form, RFC 4035 §5.3 rules: covered type, signer is
 *     the zone, labels, validity window, key tag and algorithm) with a zone key. A positive
 *     answer needs its RRset; a denial needs the SOA and NSEC3 records that prove it
 *     (RFC 5155 §8.4 closest encloser, next closer, wildcard; §8.5 NODATA).
 *  3. Anything outside that (other algorithms, NSEC, opt-out, wildcards, CNAME/DNAME,
 *     referrals to child zones, more than 150 NSEC3 iterations (RFC 9276)) is "unsure":
 *     the caller then asks the full validator, so this file can only ever add SECURE
 *     answers that a real signature proves, never decide BOGUS or INSECURE.
 *  4. A memo of checked signatures (SHA-256 of the key, the signed data and the signature,
 *     kept until the signature expires) lets an NSEC3 or SOA set that answers many questions
 *     be checked once.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <danecid/error.h>

#include "dnsval.h"
#include "es256.h"

#define ALG_ECDSAP256  13
#define KEYS_MAX       8
#define SIGDATA_MAX    8192
#define MEMO_SLOTS     4096 /* a power of two */
#define NSEC3_ITER_MAX 150
#define NSEC3_HASH_LEN 20

#define DNSKEY_ZONE   0x0100
#define DNSKEY_REVOKE 0x0080

/* The DER SubjectPublicKeyInfo prefix of an uncompressed P-256 point (RFC 5480). */
static const uint8_t p256_spki_prefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                           0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                           0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};

struct zkey {
	uint16_t tag;
	uint8_t point[64]; /* X‖Y: part of what the signature memo remembers */
	danecid_es256_key *key;
};

struct danecid_zonekeys {
	atomic_uint refs;
	uint8_t zone[DANECID_WNAME_MAX];
	size_t zlen;
	int64_t expire;
	struct zkey k[KEYS_MAX];
	size_t n;
};

struct memo_slot {
	uint8_t digest[32];
	int64_t expire;
};

struct danecid_sigmemo {
	pthread_mutex_t lock;
	struct memo_slot slot[MEMO_SLOTS];
	uint64_t hits, checks;
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int danecid_sigmemo_new(danecid_sigmemo **out)
{
	danecid_sigmemo *memo = calloc(1, sizeof(*memo));

	if (memo == NULL) {
		return DANECID_ERR_NOMEM;
	}
	pthread_mutex_init(&memo->lock, NULL);
	*out = memo;
	return DANECID_OK;
}

void danecid_sigmemo_free(danecid_sigmemo *memo)
{
	if (memo == NULL) {
		return;
	}
	pthread_mutex_destroy(&memo->lock);
	free(memo);
}

void danecid_sigmemo_clear(danecid_sigmemo *memo)
{
	if (memo == NULL) {
		return;
	}
	pthread_mutex_lock(&memo->lock);
	memset(memo->slot, 0, sizeof(memo->slot));
	pthread_mutex_unlock(&memo->lock);
}

void danecid_sigmemo_stats(danecid_sigmemo *memo, struct danecid_sigmemo_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (memo == NULL) {
		return;
	}
	pthread_mutex_lock(&memo->lock);
	st->hits = memo->hits;
	st->checks = memo->checks;
	pthread_mutex_unlock(&memo->lock);
}

static struct memo_slot *memo_slot(danecid_sigmemo *memo, const uint8_t d[32])
{
	return &memo->slot[(((size_t)d[0] << 8) | d[1]) & (MEMO_SLOTS - 1)];
}

static bool memo_seen(danecid_sigmemo *memo, const uint8_t d[32], int64_t now)
{
	struct memo_slot *s;
	bool hit;

	if (memo == NULL) {
		return false;
	}
	pthread_mutex_lock(&memo->lock);
	s = memo_slot(memo, d);
	hit = s->expire >= now && memcmp(s->digest, d, 32) == 0;
	memo->hits += hit;
	memo->checks += !hit;
	pthread_mutex_unlock(&memo->lock);
	return hit;
}

static void memo_keep(danecid_sigmemo *memo, const uint8_t d[32], int64_t expire)
{
	struct memo_slot *s;

	if (memo == NULL) {
		return;
	}
	pthread_mutex_lock(&memo->lock);
	s = memo_slot(memo, d);
	memcpy(s->digest, d, 32);
	s->expire = expire;
	pthread_mutex_unlock(&memo->lock);
}

/* RFC 4034 Appendix B. */
uint16_t danecid_dnskey_tag(const uint8_t *rdata, size_t len)
{
	uint32_t ac = 0;

	for (size_t i = 0; i < len; i++) {
		ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
	}
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

/* A DNSKEY RDATA usable here: protocol 3, algorithm 13, a 64-byte point. */
static bool dnskey_p256(const uint8_t *rd, size_t len)
{
	return len == 4 + 64 && rd[2] == 3 && rd[3] == ALG_ECDSAP256;
}

static int dnskey_parse(const uint8_t *rd, size_t len, danecid_es256_key **out)
{
	uint8_t spki[sizeof(p256_spki_prefix) + 64];

	if (!dnskey_p256(rd, len)) {
		return DANECID_ERR_UNSUPPORTED;
	}
	memcpy(spki, p256_spki_prefix, sizeof(p256_spki_prefix));
	memcpy(spki + sizeof(p256_spki_prefix), rd + 4, 64);
	return danecid_es256_key_from_spki(spki, sizeof(spki), out);
}

/* Serial-number arithmetic (RFC 4034 §3.1.5): whether now lies in [inception, expiration];
 * *abs gets the expiration as an absolute time near now. */
static bool sig_window(uint32_t inception, uint32_t expiration, int64_t now, int64_t *abs)
{
	uint32_t n32 = (uint32_t)now;

	if ((int32_t)(n32 - inception) < 0 || (int32_t)(expiration - n32) < 0) {
		return false;
	}
	*abs = now + (int32_t)(expiration - n32);
	return true;
}

/* Compare two RDATA as left-justified octet strings (RFC 4034 §6.3). */
static int rdata_cmp(const struct danecid_wire_rr *a, const struct danecid_wire_rr *b)
{
	size_t l = a->rdlen < b->rdlen ? a->rdlen : b->rdlen;
	int c = memcmp(a->rdata, b->rdata, l);

	if (c != 0) {
		return c;
	}
	return a->rdlen < b->rdlen ? -1 : a->rdlen > b->rdlen;
}

/* The records of m forming the RRset (owner, type) in section sec, in canonical order. */
static size_t rrset_collect(const struct danecid_wire_msg *m, const uint8_t *owner, size_t olen,
                            uint16_t type, int sec, const struct danecid_wire_rr **set, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct danecid_wire_rr *rr = &m->rr[i];

		if (rr->section != sec || rr->type != type || rr->owner_len != olen ||
		    memcmp(rr->owner, owner, olen) != 0) {
			continue;
		}
		if (n == max) {
			return 0; /* too many: not handled here */
		}
		/* insertion sort by canonical RDATA; exact duplicates count once */
		size_t j = n;
		bool dup = false;

		for (size_t k = 0; k < n; k++) {
			dup |= rdata_cmp(set[k], rr) == 0;
		}
		if (dup) {
			continue;
		}
		while (j > 0 && rdata_cmp(set[j - 1], rr) > 0) {
			set[j] = set[j - 1];
			j--;
		}
		set[j] = rr;
		n++;
	}
	return n;
}

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

/*
 * Check one RRset against the RRSIGs of m covering it, with keys. true when one signature
 * by a zone key, made for this set, inside its window, verifies; *expire gets its expiration.
 * *ttl gets min(record TTL, original TTL).
 */
static bool rrset_verified(const struct danecid_wire_msg *m, const struct danecid_wire_rr **set,
                           size_t n, int sec, const uint8_t *zone, size_t zlen,
                           const struct zkey *keys, size_t nkeys, danecid_sigmemo *memo,
                           int64_t now, int64_t *expire, uint32_t *ttl)
{
	const struct danecid_wire_rr *first = set[0];
	unsigned labels = danecid_wire_labels(first->owner, first->owner_len);

	for (size_t i = 0; i < m->n; i++) {
		const struct danecid_wire_rr *sig = &m->rr[i];
		const uint8_t *rd = sig->rdata;
		uint8_t buf[SIGDATA_MAX], digest[32];
		size_t off = 0, signer_len;
		uint32_t origttl;
		uint16_t tag;
		int64_t abs;
		const struct zkey *key = NULL;

		if (sig->type != DANECID_T_RRSIG || sig->section != sec ||
		    sig->owner_len != first->owner_len ||
		    memcmp(sig->owner, first->owner, first->owner_len) != 0 ||
		    sig->rdlen < 18 + 1) {
			continue;
		}
		if (rd16(rd) != first->type || rd[2] != ALG_ECDSAP256 || rd[3] != labels) {
			continue; /* another set, another algorithm, or a wildcard expansion */
		}
		signer_len = sig->rdlen - 18 - 64;
		if (sig->rdlen < 18 + 64 + 1 || signer_len != zlen ||
		    memcmp(rd + 18, zone, zlen) != 0) {
			continue; /* the signer must be the zone, written in lower case */
		}
		origttl = rd32(rd + 4);
		if (!sig_window(rd32(rd + 12), rd32(rd + 8), now, &abs)) {
			continue;
		}
		tag = rd16(rd + 16);
		for (size_t k = 0; k < nkeys && key == NULL; k++) {
			if (keys[k].tag == tag) {
				key = &keys[k];
			}
		}
		if (key == NULL) {
			continue;
		}
		/* RRSIG RDATA without the signature, then each record in canonical form */
		memcpy(buf, rd, 18 + zlen);
		off = 18 + zlen;
		for (size_t k = 0; k < n; k++) {
			const struct danecid_wire_rr *rr = set[k];
			uint8_t *p;

			if (off + rr->owner_len + 10 + rr->rdlen > sizeof(buf)) {
				return false;
			}
			memcpy(buf + off, rr->owner, rr->owner_len);
			p = buf + off + rr->owner_len;
			p = put16(p, rr->type);
			p = put16(p, rr->rclass);
			p[0] = (uint8_t)(origttl >> 24);
			p[1] = (uint8_t)(origttl >> 16);
			p[2] = (uint8_t)(origttl >> 8);
			p[3] = (uint8_t)origttl;
			p = put16(p + 4, (uint16_t)rr->rdlen);
			memcpy(p, rr->rdata, rr->rdlen);
			off = (size_t)(p - buf) + rr->rdlen;
		}
		{
			EVP_MD_CTX *md = EVP_MD_CTX_new();
			unsigned dl = 0;
			bool ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
			          EVP_DigestUpdate(md, key->point, sizeof(key->point)) == 1 &&
			          EVP_DigestUpdate(md, buf, off) == 1 &&
			          EVP_DigestUpdate(md, rd + 18 + zlen, 64) == 1 &&
			          EVP_DigestFinal_ex(md, digest, &dl) == 1;

			EVP_MD_CTX_free(md);
			if (!ok) {
				return false;
			}
		}
		if (!memo_seen(memo, digest, now)) {
			if (danecid_es256_verify(key->key, buf, off, rd + 18 + zlen, 64) != 1) {
				continue;
			}
			memo_keep(memo, digest, abs);
		}
		*expire = abs;
		*ttl = origttl;
		for (size_t k = 0; k < n; k++) {
			if (set[k]->ttl < *ttl) {
				*ttl = set[k]->ttl;
			}
		}
		return true;
	}
	return false;
}

/* ---- zone keys ---- */

static bool anchor_matches(const struct danecid_anchor *a, const uint8_t *zone, size_t zlen,
                           const struct danecid_wire_rr *dk)
{
	uint8_t buf[DANECID_WNAME_MAX + 4 + 512], d[64];
	unsigned dl = 0;
	const EVP_MD *md;

	if (a->owner_len != zlen || memcmp(a->owner, zone, zlen) != 0) {
		return false;
	}
	if (a->type == DANECID_T_DNSKEY) {
		return a->rdlen == dk->rdlen && memcmp(a->rdata, dk->rdata, dk->rdlen) == 0;
	}
	if (a->rdlen < 4 || rd16(a->rdata) != danecid_dnskey_tag(dk->rdata, dk->rdlen) ||
	    a->rdata[2] != dk->rdata[3] || zlen + dk->rdlen > sizeof(buf)) {
		return false;
	}
	md = a->rdata[3] == 2 ? EVP_sha256() : a->rdata[3] == 4 ? EVP_sha384() : NULL;
	if (md == NULL) {
		return false;
	}
	memcpy(buf, zone, zlen);
	memcpy(buf + zlen, dk->rdata, dk->rdlen);
	if (EVP_Digest(buf, zlen + dk->rdlen, d, &dl, md, NULL) != 1) {
		return false;
	}
	return a->rdlen - 4 == dl && memcmp(a->rdata + 4, d, dl) == 0;
}

static void zk_release(struct zkey *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		danecid_es256_key_free(k[i].key);
	}
}

int danecid_zonekeys_validate(const struct danecid_wire_msg *m, const uint8_t *zone, size_t zlen,
                              const struct danecid_anchor *anchors, size_t n_anchors, int64_t now,
                              danecid_sigmemo *memo, danecid_zonekeys **out, const char **why)
{
	const struct danecid_wire_rr *set[KEYS_MAX * 2];
	struct zkey trusted[KEYS_MAX];
	danecid_zonekeys *zk = NULL;
	size_t n, nt = 0;
	int64_t expire = 0;
	uint32_t ttl = 0;
	int r = DANECID_ERR_UNSUPPORTED;

	*out = NULL;
	*why = "no DNSKEY set";
	if (m->rcode != 0 || m->qtype != DANECID_T_DNSKEY || m->qname_len != zlen ||
	    memcmp(m->qname, zone, zlen) != 0) {
		return DANECID_ERR_UNSUPPORTED;
	}
	n = rrset_collect(m, zone, zlen, DANECID_T_DNSKEY, DANECID_WIRE_ANSWER, set, KEYS_MAX * 2);
	if (n == 0) {
		return DANECID_ERR_UNSUPPORTED;
	}
	/* the keys an anchor vouches for */
	for (size_t i = 0; i < n && nt < KEYS_MAX; i++) {
		for (size_t a = 0; a < n_anchors; a++) {
			if (dnskey_p256(set[i]->rdata, set[i]->rdlen) &&
			    anchor_matches(&anchors[a], zone, zlen, set[i])) {
				if (dnskey_parse(set[i]->rdata, set[i]->rdlen, &trusted[nt].key) ==
				    DANECID_OK) {
					trusted[nt].tag =
					    danecid_dnskey_tag(set[i]->rdata, set[i]->rdlen);
					memcpy(trusted[nt].point, set[i]->rdata + 4, 64);
					nt++;
				}
				break;
			}
		}
	}
	if (nt == 0) {
		*why = "no ECDSA P-256 key of the set matches the trust anchor";
		goto out;
	}
	if (!rrset_verified(m, set, n, DANECID_WIRE_ANSWER, zone, zlen, trusted, nt, memo, now,
	                    &expire, &ttl)) {
		*why = "the DNSKEY set is not signed by an anchored key";
		goto out;
	}
	if ((zk = calloc(1, sizeof(*zk))) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	atomic_init(&zk->refs, 1);
	memcpy(zk->zone, zone, zlen);
	zk->zlen = zlen;
	zk->expire = now + ttl < expire ? now + ttl : expire;
	for (size_t i = 0; i < n && zk->n < KEYS_MAX; i++) {
		uint16_t flags = rd16(set[i]->rdata);

		if ((flags & DNSKEY_ZONE) == 0 || (flags & DNSKEY_REVOKE) != 0 ||
		    dnskey_parse(set[i]->rdata, set[i]->rdlen, &zk->k[zk->n].key) != DANECID_OK) {
			continue;
		}
		zk->k[zk->n].tag = danecid_dnskey_tag(set[i]->rdata, set[i]->rdlen);
		memcpy(zk->k[zk->n].point, set[i]->rdata + 4, 64);
		zk->n++;
	}
	if (zk->n == 0) {
		*why = "the DNSKEY set holds no usable zone key";
		goto out;
	}
	*out = zk;
	zk = NULL;
	*why = NULL;
	r = DANECID_OK;
out:
	zk_release(trusted, nt);
	danecid_zonekeys_free(zk);
	return r;
}

danecid_zonekeys *danecid_zonekeys_ref(danecid_zonekeys *zk)
{
	if (zk != NULL) {
		atomic_fetch_add(&zk->refs, 1);
	}
	return zk;
}

void danecid_zonekeys_free(danecid_zonekeys *zk)
{
	if (zk == NULL || atomic_fetch_sub(&zk->refs, 1) != 1) {
		return;
	}
	zk_release(zk->k, zk->n);
	free(zk);
}

int64_t danecid_zonekeys_expire(const danecid_zonekeys *zk)
{
	return zk->expire;
}

const uint8_t *danecid_zonekeys_zone(const danecid_zonekeys *zk, size_t *len)
{
	*len = zk->zlen;
	return zk->zone;
}

size_t danecid_zonekeys_count(const danecid_zonekeys *zk)
{
	return zk->n;
}

/* ---- answers ---- */

/* A proof under construction: the smallest TTL and the earliest expiration of what it uses. */
struct proof {
	const struct danecid_wire_msg *m;
	const danecid_zonekeys *zk;
	danecid_sigmemo *memo;
	int64_t now;
	int64_t expire;
	uint32_t ttl;
};

static bool proof_use(struct proof *pf, const struct danecid_wire_rr **set, size_t n, int sec)
{
	int64_t exp = 0;
	uint32_t ttl = 0;

	if (n == 0 || !rrset_verified(pf->m, set, n, sec, pf->zk->zone, pf->zk->zlen, pf->zk->k,
	                              pf->zk->n, pf->memo, pf->now, &exp, &ttl)) {
		return false;
	}
	if (pf->expire == 0 || exp < pf->expire) {
		pf->expire = exp;
	}
	if (ttl < pf->ttl) {
		pf->ttl = ttl;
	}
	return true;
}

/* NSEC3 hash (RFC 5155 §5) of a wire name. */
static bool nsec3_hash(const uint8_t *name, size_t len, const uint8_t *salt, size_t saltlen,
                       unsigned iterations, uint8_t out[NSEC3_HASH_LEN])
{
	uint8_t buf[DANECID_WNAME_MAX + 255];

	if (len + saltlen > sizeof(buf)) {
		return false;
	}
	memcpy(buf, name, len);
	memcpy(buf + len, salt, saltlen);
	SHA1(buf, len + saltlen, out);
	for (unsigned i = 0; i < iterations; i++) {
		memcpy(buf, out, NSEC3_HASH_LEN);
		memcpy(buf + NSEC3_HASH_LEN, salt, saltlen);
		SHA1(buf, NSEC3_HASH_LEN + saltlen, out);
	}
	return true;
}

/* base32hex (RFC 4648 §7), either case, exactly 32 characters → 20 bytes. */
static bool b32hex_20(const uint8_t *s, size_t len, uint8_t out[NSEC3_HASH_LEN])
{
	uint64_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	if (len != 32) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned c = s[i], v;

		if (c >= '0' && c <= '9') {
			v = c - '0';
		} else if (c >= 'a' && c <= 'v') {
			v = c - 'a' + 10;
		} else if (c >= 'A' && c <= 'V') {
			v = c - 'A' + 10;
		} else {
			return false;
		}
		acc = (acc << 5) | v;
		bits += 5;
		if (bits >= 8) {
			out[o++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
	return o == NSEC3_HASH_LEN;
}

/* One NSEC3 record of the answer, read. */
struct n3 {
	const struct danecid_wire_rr *rr;
	uint8_t owner_hash[NSEC3_HASH_LEN];
	const uint8_t *next;
	const uint8_t *map;
	size_t maplen;
	bool optout;
};

static const struct n3 *n3_match(const struct n3 *s, size_t n, const uint8_t h[NSEC3_HASH_LEN])
{
	for (size_t i = 0; i < n; i++) {
		if (memcmp(s[i].owner_hash, h, NSEC3_HASH_LEN) == 0) {
			return &s[i];
		}
	}
	return NULL;
}

/* The record whose span (owner, next) holds h strictly, the last one wrapping around. */
static const struct n3 *n3_cover(const struct n3 *s, size_t n, const uint8_t h[NSEC3_HASH_LEN])
{
	for (size_t i = 0; i < n; i++) {
		int lo = memcmp(s[i].owner_hash, h, NSEC3_HASH_LEN);
		int hi = memcmp(h, s[i].next, NSEC3_HASH_LEN);
		bool wraps = memcmp(s[i].next, s[i].owner_hash, NSEC3_HASH_LEN) <= 0;

		if ((!wraps && lo < 0 && hi < 0) || (wraps && (lo < 0 || hi < 0))) {
			return &s[i];
		}
	}
	return NULL;
}

/* Whether a matched NSEC3 is a delegation point (NS without SOA) or a DNAME owner. */
static bool n3_cut(const struct n3 *r)
{
	return (danecid_wire_bitmap_has(r->map, r->maplen, DANECID_T_NS) &&
	        !danecid_wire_bitmap_has(r->map, r->maplen, DANECID_T_SOA)) ||
	       danecid_wire_bitmap_has(r->map, r->maplen, DANECID_T_DNAME);
}

/* The NSEC3 records of the authority section, each checked and signed, one parameter set. */
static size_t n3_collect(struct proof *pf, struct n3 *s, size_t max, const uint8_t **salt,
                         size_t *saltlen, unsigned *iter, const char **why)
{
	const struct danecid_wire_msg *m = pf->m;
	size_t n = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct danecid_wire_rr *rr = &m->rr[i];
		const struct danecid_wire_rr *set[1] = {rr};
		const uint8_t *rd = rr->rdata;
		size_t sl, hl, off;

		if (rr->section != DANECID_WIRE_AUTHORITY || rr->type != DANECID_T_NSEC3) {
			continue;
		}
		*why = "an NSEC3 record is malformed or of another hash";
		if (rr->rdlen < 6 || rd[0] != 1 || n == max) {
			return 0;
		}
		sl = rd[4];
		if (5 + sl + 1 > rr->rdlen) {
			return 0;
		}
		hl = rd[5 + sl];
		off = 5 + sl + 1 + hl;
		if (hl != NSEC3_HASH_LEN || off > rr->rdlen) {
			return 0;
		}
		/* owner = <base32hex hash>.<zone> */
		if (rr->owner_len != 1 + 32 + pf->zk->zlen || rr->owner[0] != 32 ||
		    memcmp(rr->owner + 33, pf->zk->zone, pf->zk->zlen) != 0 ||
		    !b32hex_20(rr->owner + 1, 32, s[n].owner_hash)) {
			return 0;
		}
		if (n == 0) {
			*salt = rd + 5;
			*saltlen = sl;
			*iter = rd16(rd + 2);
		} else if (sl != *saltlen || memcmp(rd + 5, *salt, sl) != 0 ||
		           rd16(rd + 2) != *iter) {
			*why = "NSEC3 records with different parameters";
			return 0;
		}
		if (*iter > NSEC3_ITER_MAX) {
			*why = "NSEC3 iterations above 150 (RFC 9276)";
			return 0;
		}
		if (!proof_use(pf, set, 1, DANECID_WIRE_AUTHORITY)) {
			*why = "an NSEC3 record is not signed by a zone key";
			return 0;
		}
		s[n].rr = rr;
		s[n].next = rd + 5 + sl + 1;
		s[n].map = rd + off;
		s[n].maplen = rr->rdlen - off;
		s[n].optout = (rd[1] & 1) != 0;
		n++;
	}
	if (n == 0) {
		*why = "no NSEC3 records (NSEC zones are left to the full validator)";
	}
	return n;
}

/* RFC 5155 §8.4 (NXDOMAIN) and §8.5 (NODATA). */
static int denial_proved(struct proof *pf, const uint8_t *qname, size_t qlen, uint16_t qtype,
                         bool nxdomain, const char **why)
{
	struct n3 s[DANECID_WIRE_RR_MAX];
	const uint8_t *salt = NULL;
	size_t saltlen = 0, n;
	unsigned iter = 0, ql = danecid_wire_labels(qname, qlen);
	unsigned zl = danecid_wire_labels(pf->zk->zone, pf->zk->zlen);
	uint8_t h[NSEC3_HASH_LEN];
	const struct n3 *r;

	n = n3_collect(pf, s, DANECID_WIRE_RR_MAX, &salt, &saltlen, &iter, why);
	if (n == 0) {
		return DANECID_ERR_UNSUPPORTED;
	}
	if (!nsec3_hash(qname, qlen, salt, saltlen, iter, h)) {
		return DANECID_ERR_UNSUPPORTED;
	}
	r = n3_match(s, n, h);
	if (!nxdomain) {
		if (r == NULL) {
			*why =
			    "NODATA without an NSEC3 for the name (wildcard NODATA is left over)";
			return DANECID_ERR_UNSUPPORTED;
		}
		if (danecid_wire_bitmap_has(r->map, r->maplen, qtype) ||
		    danecid_wire_bitmap_has(r->map, r->maplen, DANECID_T_CNAME) || n3_cut(r)) {
			*why = "the NSEC3 for the name does not deny the type";
			return DANECID_ERR_UNSUPPORTED;
		}
		return DANECID_OK;
	}
	if (r != NULL) {
		*why = "NXDOMAIN, yet an NSEC3 says the name exists";
		return DANECID_ERR_UNSUPPORTED;
	}
	/* closest encloser: the longest ancestor with a matching NSEC3 */
	for (unsigned l = ql - 1; l + 1 > zl && l < ql; l--) {
		size_t off = danecid_wire_suffix(qname, qlen, l);
		size_t ncoff = danecid_wire_suffix(qname, qlen, l + 1);
		uint8_t wc[DANECID_WNAME_MAX];
		const struct n3 *ce, *nc;

		if (!nsec3_hash(qname + off, qlen - off, salt, saltlen, iter, h)) {
			return DANECID_ERR_UNSUPPORTED;
		}
		if ((ce = n3_match(s, n, h)) == NULL) {
			if (l == zl) {
				break;
			}
			continue;
		}
		if (l > zl && n3_cut(ce)) {
			*why = "the closest encloser is a delegation or a DNAME";
			return DANECID_ERR_UNSUPPORTED;
		}
		/* the next closer name is covered, not by an opt-out span */
		if (!nsec3_hash(qname + ncoff, qlen - ncoff, salt, saltlen, iter, h) ||
		    (nc = n3_cover(s, n, h)) == NULL) {
			*why = "the next closer name is not covered";
			return DANECID_ERR_UNSUPPORTED;
		}
		if (nc->optout) {
			*why = "opt-out NSEC3 (left to the full validator)";
			return DANECID_ERR_UNSUPPORTED;
		}
		/* no wildcard at the closest encloser */
		if (2 + qlen - off > sizeof(wc)) {
			return DANECID_ERR_UNSUPPORTED;
		}
		wc[0] = 1;
		wc[1] = '*';
		memcpy(wc + 2, qname + off, qlen - off);
		if (!nsec3_hash(wc, 2 + qlen - off, salt, saltlen, iter, h) ||
		    n3_cover(s, n, h) == NULL) {
			*why = "the wildcard at the closest encloser is not denied";
			return DANECID_ERR_UNSUPPORTED;
		}
		return DANECID_OK;
	}
	*why = "no closest encloser";
	return DANECID_ERR_UNSUPPORTED;
}

static int copy_records(const struct danecid_wire_rr **set, size_t n, struct danecid_rrset *out)
{
	for (size_t i = 0; i < n && out->n < DANECID_RRSET_MAX; i++) {
		out->rr[out->n].data = malloc(set[i]->rdlen > 0 ? set[i]->rdlen : 1);
		if (out->rr[out->n].data == NULL) {
			return DANECID_ERR_NOMEM;
		}
		memcpy(out->rr[out->n].data, set[i]->rdata, set[i]->rdlen);
		out->rr[out->n].len = set[i]->rdlen;
		out->n++;
	}
	return DANECID_OK;
}

int danecid_dnsval_answer(const struct danecid_wire_msg *m, const uint8_t *qname, size_t qlen,
                          uint16_t qtype, const danecid_zonekeys *zk, danecid_sigmemo *memo,
                          int64_t now, struct danecid_rrset *out, const char **why)
{
	const struct danecid_wire_rr *set[DANECID_WIRE_RR_MAX];
	struct proof pf = {m, zk, memo, now, 0, UINT32_MAX};
	size_t n, soa_n;
	int r;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (m->qname_len != qlen || memcmp(m->qname, qname, qlen) != 0 || m->qtype != qtype) {
		*why = "the response is for another question";
		return DANECID_ERR_UNSUPPORTED;
	}
	if (!danecid_wire_under(qname, qlen, zk->zone, zk->zlen)) {
		*why = "the name is not in the zone";
		return DANECID_ERR_UNSUPPORTED;
	}
	if (m->rcode != 0 && m->rcode != 3) {
		*why = "neither NOERROR nor NXDOMAIN";
		return DANECID_ERR_UNSUPPORTED;
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct danecid_wire_rr *rr = &m->rr[i];
		bool own = rr->owner_len == qlen && memcmp(rr->owner, qname, qlen) == 0;

		if (rr->section == DANECID_WIRE_ANSWER &&
		    (!own || (rr->type != qtype && rr->type != DANECID_T_RRSIG))) {
			*why = "the answer holds other records (CNAME, DNAME, another name)";
			return DANECID_ERR_UNSUPPORTED;
		}
		if (rr->section == DANECID_WIRE_AUTHORITY &&
		    (rr->type == DANECID_T_NS || rr->type == DANECID_T_DNAME ||
		     rr->type == DANECID_T_NSEC) &&
		    !(rr->owner_len == zk->zlen && memcmp(rr->owner, zk->zone, zk->zlen) == 0)) {
			*why = "a referral, a DNAME or NSEC records (left to the full validator)";
			return DANECID_ERR_UNSUPPORTED;
		}
	}
	n = rrset_collect(m, qname, qlen, qtype, DANECID_WIRE_ANSWER, set, DANECID_WIRE_RR_MAX);
	if (n > 0) {
		if (m->rcode != 0 || !proof_use(&pf, set, n, DANECID_WIRE_ANSWER)) {
			*why = "the RRset is not signed by a zone key (or is a wildcard expansion)";
			return DANECID_ERR_UNSUPPORTED;
		}
		out->kind = DANECID_DNS_DATA;
		r = copy_records(set, n, out);
	} else {
		/* a denial: the zone's SOA, signed, gives the negative TTL (RFC 2308 §5) */
		soa_n = rrset_collect(m, zk->zone, zk->zlen, DANECID_T_SOA, DANECID_WIRE_AUTHORITY,
		                      set, 1);
		if (soa_n != 1 || set[0]->rdlen < 20 ||
		    !proof_use(&pf, set, 1, DANECID_WIRE_AUTHORITY)) {
			*why = "a denial without the zone's signed SOA";
			return DANECID_ERR_UNSUPPORTED;
		}
		{
			uint32_t minimum = rd32(set[0]->rdata + set[0]->rdlen - 4);

			if (minimum < pf.ttl) {
				pf.ttl = minimum;
			}
		}
		r = denial_proved(&pf, qname, qlen, qtype, m->rcode == 3, why);
		if (r != DANECID_OK) {
			return r;
		}
		out->kind = m->rcode == 3 ? DANECID_DNS_NXDOMAIN : DANECID_DNS_NODATA;
	}
	if (r != DANECID_OK) {
		danecid_rrset_clear(out);
		return r;
	}
	out->sec = DANECID_DNSSEC_SECURE;
	out->ttl = pf.ttl;
	out->sig_expire = pf.expire;
	return DANECID_OK;
}
