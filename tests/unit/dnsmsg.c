/* dnsmsg — see dnsmsg.h. Helpers fail the running test (cmocka) on any error. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/sha.h>

#include "dnsmsg.h"
#include "dnsval.h"

#define T_RRSIG  46
#define T_DNSKEY 48

size_t dm_name(const char *s, uint8_t out[DM_NAME_MAX])
{
	size_t o = 0;

	while (*s != '\0' && strcmp(s, ".") != 0) {
		const char *dot = strchr(s, '.');
		size_t l = dot != NULL ? (size_t)(dot - s) : strlen(s);

		assert_true(l > 0 && l < 64 && o + 1 + l + 1 <= DM_NAME_MAX);
		out[o++] = (uint8_t)l;
		memcpy(out + o, s, l);
		o += l;
		s += l + (dot != NULL);
	}
	out[o++] = 0;
	return o;
}

void dm_bytes(struct dm_msg *m, const void *p, size_t n)
{
	assert_true(m->len + n <= sizeof(m->b));
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

void dm_u16(struct dm_msg *m, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	dm_bytes(m, b, 2);
}

void dm_u32(struct dm_msg *m, uint32_t v)
{
	dm_u16(m, (uint16_t)(v >> 16));
	dm_u16(m, (uint16_t)v);
}

void dm_begin(struct dm_msg *m, uint16_t flags, unsigned rcode, const char *qname, uint16_t qtype)
{
	uint8_t q[DM_NAME_MAX];
	size_t ql = dm_name(qname, q);

	m->len = 0;
	dm_u16(m, 0x1234);
	dm_u16(m, (uint16_t)(0x8000 | flags | (rcode & 0x0f)));
	dm_u16(m, 1);
	dm_u16(m, 0);
	dm_u16(m, 0);
	dm_u16(m, 0);
	dm_bytes(m, q, ql);
	dm_u16(m, qtype);
	dm_u16(m, 1);
}

void dm_count(struct dm_msg *m, int sec)
{
	uint8_t *c = m->b + 6 + 2 * sec;
	uint16_t v = (uint16_t)(((c[0] << 8) | c[1]) + 1);

	c[0] = (uint8_t)(v >> 8);
	c[1] = (uint8_t)v;
}

void dm_rr(struct dm_msg *m, int sec, const uint8_t *owner, size_t olen, uint16_t type,
           uint32_t ttl, const uint8_t *rd, size_t rdlen)
{
	dm_count(m, sec);
	dm_bytes(m, owner, olen);
	dm_u16(m, type);
	dm_u16(m, 1);
	dm_u32(m, ttl);
	dm_u16(m, (uint16_t)rdlen);
	dm_bytes(m, rd, rdlen);
}

int dm_key_new(struct dm_key *k, uint16_t flags)
{
	uint8_t pub[65];
	size_t publen = 0;

	memset(k, 0, sizeof(*k));
	if ((k->pk = EVP_EC_gen("P-256")) == NULL ||
	    EVP_PKEY_get_octet_string_param(k->pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub,
	                                    sizeof(pub), &publen) != 1 ||
	    publen != 65 || pub[0] != 0x04) {
		return -1;
	}
	k->rd[0] = (uint8_t)(flags >> 8);
	k->rd[1] = (uint8_t)flags;
	k->rd[2] = 3;
	k->rd[3] = 13;
	memcpy(k->rd + 4, pub + 1, 64);
	k->tag = danecid_dnskey_tag(k->rd, sizeof(k->rd));
	return 0;
}

void dm_key_free(struct dm_key *k)
{
	EVP_PKEY_free(k->pk);
	k->pk = NULL;
}

static void lower(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)tolower(p[i]);
	}
}

size_t dm_ds(const struct dm_key *k, const char *owner, int digest_type, uint8_t out[52])
{
	uint8_t buf[DM_NAME_MAX + sizeof(k->rd)];
	size_t ol = dm_name(owner, buf);
	unsigned dl = 0;

	lower(buf, ol);
	memcpy(buf + ol, k->rd, sizeof(k->rd));
	out[0] = (uint8_t)(k->tag >> 8);
	out[1] = (uint8_t)k->tag;
	out[2] = 13;
	out[3] = (uint8_t)digest_type;
	assert_int_equal(EVP_Digest(buf, ol + sizeof(k->rd), out + 4, &dl,
	                            digest_type == 4 ? EVP_sha384() : EVP_sha256(), NULL),
	                 1);
	return 4 + dl;
}

struct dm_sig dm_sig_of(const struct dm_key *key, const char *signer, int64_t now)
{
	struct dm_sig s;

	memset(&s, 0, sizeof(s));
	s.key = key;
	s.tag = -1;
	s.slen = dm_name(signer, s.signer);
	s.alg = 13;
	s.labels = -1;
	s.origttl = 3600;
	s.inception = (uint32_t)(now - 3600);
	s.expiration = (uint32_t)(now + 86400);
	return s;
}

/* ECDSA P-256 / SHA-256 of data as r||s (RFC 6605 §4). */
static void sign_raw(EVP_PKEY *pk, const uint8_t *data, size_t len, uint8_t out[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[80];
	const uint8_t *p = der;
	size_t dl = sizeof(der);
	ECDSA_SIG *es = NULL;
	const BIGNUM *r, *s;

	assert_non_null(md);
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk), 1);
	assert_int_equal(EVP_DigestSign(md, der, &dl, data, len), 1);
	EVP_MD_CTX_free(md);
	assert_non_null(es = d2i_ECDSA_SIG(NULL, &p, (long)dl));
	ECDSA_SIG_get0(es, &r, &s);
	assert_int_equal(BN_bn2binpad(r, out, 32), 32);
	assert_int_equal(BN_bn2binpad(s, out + 32, 32), 32);
	ECDSA_SIG_free(es);
}

static unsigned name_labels(const uint8_t *n)
{
	unsigned l = 0;

	for (size_t i = 0; n[i] != 0; i += 1 + n[i]) {
		l++;
	}
	return l;
}

static int rd_cmp(const void *a, const void *b)
{
	const struct dm_rd *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* The RRSIG RDATA of the set: fields, signer, signature over the canonical form. */
static size_t rrsig_rdata(const struct dm_sig *sig, const uint8_t *owner, size_t olen,
                          uint16_t type, const struct dm_rd *rds, size_t n, uint8_t *out)
{
	struct dm_rd sorted[32];
	struct dm_msg d = {.len = 0};
	int labels = sig->labels >= 0 ? sig->labels : (int)name_labels(owner);
	int tag = sig->tag >= 0 ? sig->tag : sig->key->tag;

	assert_true(n <= 32);
	memcpy(sorted, rds, n * sizeof(*rds));
	qsort(sorted, n, sizeof(*sorted), rd_cmp);
	dm_u16(&d, sig->covered != 0 ? sig->covered : type);
	dm_bytes(&d, (uint8_t[]){sig->alg, (uint8_t)labels}, 2);
	dm_u32(&d, sig->origttl);
	dm_u32(&d, sig->expiration);
	dm_u32(&d, sig->inception);
	dm_u16(&d, (uint16_t)tag);
	dm_bytes(&d, sig->signer, sig->slen);
	memcpy(out, d.b, d.len);
	for (size_t i = 0; i < n; i++) {
		size_t at = d.len;

		dm_bytes(&d, owner, olen);
		lower(d.b + at, olen);
		dm_u16(&d, type);
		dm_u16(&d, 1);
		dm_u32(&d, sig->origttl);
		dm_u16(&d, (uint16_t)sorted[i].len);
		dm_bytes(&d, sorted[i].p, sorted[i].len);
	}
	sign_raw(sig->key->pk, d.b, d.len, out + 18 + sig->slen);
	return 18 + sig->slen + 64;
}

void dm_rrset(struct dm_msg *m, int sec, const char *owner, uint16_t type, uint32_t ttl,
              const struct dm_rd *rds, size_t n, const struct dm_sig *sig)
{
	uint8_t o[DM_NAME_MAX], rd[18 + DM_NAME_MAX + 64];
	size_t ol = dm_name(owner, o);

	for (size_t i = 0; i < n; i++) {
		dm_rr(m, sec, o, ol, type, ttl, rds[i].p, rds[i].len);
	}
	if (sig != NULL) {
		dm_rr(m, sec, o, ol, T_RRSIG, ttl, rd, rrsig_rdata(sig, o, ol, type, rds, n, rd));
	}
}

void dm_dnskey_answer(struct dm_msg *m, const char *zone, const struct dm_key *const *keys,
                      size_t n, uint32_t ttl, const struct dm_sig *sig)
{
	struct dm_rd rds[16];

	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		rds[i] = (struct dm_rd){keys[i]->rd, sizeof(keys[i]->rd)};
	}
	dm_begin(m, 0, 0, zone, T_DNSKEY);
	dm_rrset(m, DM_AN, zone, T_DNSKEY, ttl, rds, n, sig);
}

void dm_nsec3_hash(const uint8_t *name, size_t len, const uint8_t *salt, size_t saltlen,
                   unsigned iterations, uint8_t out[20])
{
	uint8_t buf[DM_NAME_MAX + 255];

	memcpy(buf, name, len);
	lower(buf, len);
	memcpy(buf + len, salt, saltlen);
	SHA1(buf, len + saltlen, out);
	for (unsigned i = 0; i < iterations; i++) {
		memcpy(buf, out, 20);
		memcpy(buf + 20, salt, saltlen);
		SHA1(buf, 20 + saltlen, out);
	}
}

void dm_b32hex(const uint8_t h[20], char out[33])
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuv";

	for (size_t i = 0; i < 32; i++) {
		size_t bit = i * 5;
		unsigned v = ((unsigned)h[bit / 8] << 8) | (bit / 8 + 1 < 20 ? h[bit / 8 + 1] : 0);

		out[i] = digits[(v >> (11 - bit % 8)) & 0x1f];
	}
	out[32] = '\0';
}
