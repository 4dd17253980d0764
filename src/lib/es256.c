/* es256 — ECDSA P-256 / SHA-256 keys, verification and signing with the OpenSSL 3 EVP API. */

/*
 * Outline: a danecid_es256_key wraps one EVP_PKEY, parsed and checked once
 * (P-256 named curve, valid point, for private keys a consistent pair).
 * Verification converts the JWS r‖s form to a DER ECDSA-Sig-Value and runs one
 * EVP_DigestVerify with a per-call EVP_MD_CTX; the key is only read, so one key
 * may be used from several threads at once (OpenSSL 3 allows concurrent use of
 * a const EVP_PKEY; every mutable object here is local to the call).
 */

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <danecid/error.h>

#include "es256.h"

/** Largest PEM file danecid_es256_key_load() reads. */
#define ES256_PEM_MAX (64 * 1024)

struct danecid_es256_key {
	EVP_PKEY *pkey;
	int is_private;
	atomic_uint refs; /* a cached key is shared by every caller holding a reference */
};

/* The order n of the P-256 group, big-endian. */
static const uint8_t p256_order[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

/* Whether a 32-byte big-endian integer lies in [1, n-1]. */
static int scalar_in_range(const uint8_t v[32])
{
	int nonzero = 0;

	for (size_t i = 0; i < 32; i++) {
		nonzero |= v[i];
	}
	return nonzero != 0 && memcmp(v, p256_order, 32) < 0;
}

/*
 * Check that pkey is an EC key on prime256v1 with named-curve parameters and
 * a valid public point (and, for a private key, a matching pair).
 */
static int check_p256(EVP_PKEY *pkey, int is_private)
{
	int r = DANECID_ERR_INTERNAL;
	EVP_PKEY_CTX *pctx = NULL;
	char name[64];
	size_t namelen = 0;

	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC) {
		r = DANECID_ERR_UNSUPPORTED;
		goto out;
	}
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
	                                   &namelen) != 1 ||
	    strcmp(name, "prime256v1") != 0) {
		r = DANECID_ERR_UNSUPPORTED;
		goto out;
	}
	/* Explicit curve parameters that happen to equal P-256 are not accepted. */
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, name, sizeof(name),
	                                   &namelen) != 1 ||
	    strcmp(name, OSSL_PKEY_EC_ENCODING_GROUP) != 0) {
		r = DANECID_ERR_UNSUPPORTED;
		goto out;
	}
	if ((pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if (EVP_PKEY_public_check(pctx) != 1) {
		r = DANECID_ERR_CRYPTO;
		goto out;
	}
	if (is_private && EVP_PKEY_pairwise_check(pctx) != 1) {
		r = DANECID_ERR_CRYPTO;
		goto out;
	}
	r = DANECID_OK;
out:
	EVP_PKEY_CTX_free(pctx);
	ERR_clear_error();
	return r;
}

/* Check pkey and wrap it; takes ownership of *pkeyp (NULLed on success). */
static int key_wrap(EVP_PKEY **pkeyp, int is_private, danecid_es256_key **out)
{
	int r = DANECID_ERR_INTERNAL;
	danecid_es256_key *key = NULL;

	if ((r = check_p256(*pkeyp, is_private)) != DANECID_OK) {
		goto out;
	}
	if ((key = calloc(1, sizeof(*key))) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	key->pkey = *pkeyp;
	key->is_private = is_private;
	atomic_init(&key->refs, 1);
	*pkeyp = NULL;
	*out = key;
	r = DANECID_OK;
out:
	return r;
}

int danecid_es256_key_from_spki(const uint8_t *der, size_t len, danecid_es256_key **out)
{
	int r = DANECID_ERR_INTERNAL;
	EVP_PKEY *pkey = NULL;
	const unsigned char *p = der;

	if (out == NULL) {
		return DANECID_ERR_INVAL;
	}
	*out = NULL;
	if (der == NULL || len == 0 || len > LONG_MAX) {
		r = DANECID_ERR_CRYPTO;
		goto out;
	}
	if ((pkey = d2i_PUBKEY(NULL, &p, (long)len)) == NULL) {
		r = DANECID_ERR_CRYPTO;
		goto out;
	}
	if (p != der + len) {
		/* trailing bytes after the SubjectPublicKeyInfo */
		r = DANECID_ERR_CRYPTO;
		goto out;
	}
	r = key_wrap(&pkey, 0, out);
out:
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return r;
}

int danecid_es256_key_from_pem(const char *pem, size_t len, danecid_es256_key **out)
{
	int r = DANECID_ERR_INTERNAL;
	BIO *bio = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long datalen = 0;
	EVP_PKEY *pkey = NULL;
	const unsigned char *p;

	if (out == NULL) {
		return DANECID_ERR_INVAL;
	}
	*out = NULL;
	if (pem == NULL || len == 0 || len > INT_MAX) {
		r = DANECID_ERR_CRYPTO;
		goto out;
	}
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	/* The first key block; "EC PARAMETERS" (openssl ecparam -genkey) is skipped. */
	for (;;) {
		if (PEM_read_bio(bio, &name, &header, &data, &datalen) != 1) {
			r = DANECID_ERR_CRYPTO;
			goto out;
		}
		if (strcmp(name, "EC PARAMETERS") != 0) {
			break;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	if (header != NULL && header[0] != '\0') {
		/* RFC 1421 headers mean a legacy encrypted key: never prompt, refuse */
		r = DANECID_ERR_UNSUPPORTED;
		goto out;
	}
	if (strcmp(name, "PUBLIC KEY") == 0) {
		r = danecid_es256_key_from_spki(data, (size_t)datalen, out);
		goto out;
	}
	p = data;
	if (strcmp(name, "PRIVATE KEY") == 0) {
		pkey = d2i_AutoPrivateKey(NULL, &p, datalen);
	} else if (strcmp(name, "EC PRIVATE KEY") == 0) {
		pkey = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, datalen);
	} else {
		/* "ENCRYPTED PRIVATE KEY", "CERTIFICATE", "RSA PRIVATE KEY", ... */
		r = DANECID_ERR_UNSUPPORTED;
		goto out;
	}
	if (pkey == NULL || p != data + datalen) {
		r = DANECID_ERR_CRYPTO;
		goto out;
	}
	r = key_wrap(&pkey, 1, out);
out:
	EVP_PKEY_free(pkey);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_clear_free(data, datalen > 0 ? (size_t)datalen : 0);
	BIO_free(bio);
	ERR_clear_error();
	return r;
}

int danecid_es256_key_load(const char *path, danecid_es256_key **out)
{
	int r = DANECID_ERR_INTERNAL;
	FILE *f = NULL;
	char *buf = NULL;
	size_t n = 0;

	if (out == NULL) {
		return DANECID_ERR_INVAL;
	}
	*out = NULL;
	if (path == NULL) {
		r = DANECID_ERR_INVAL;
		goto out;
	}
	if ((buf = malloc(ES256_PEM_MAX)) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		r = DANECID_ERR_IO;
		goto out;
	}
	n = fread(buf, 1, ES256_PEM_MAX, f);
	if (ferror(f)) {
		r = DANECID_ERR_IO;
		goto out;
	}
	if (n == ES256_PEM_MAX) {
		r = DANECID_ERR_TOO_LONG;
		goto out;
	}
	r = danecid_es256_key_from_pem(buf, n, out);
out:
	if (f != NULL) {
		fclose(f);
	}
	if (buf != NULL) {
		OPENSSL_cleanse(buf, ES256_PEM_MAX);
	}
	free(buf);
	return r;
}

danecid_es256_key *danecid_es256_key_ref(danecid_es256_key *key)
{
	if (key != NULL) {
		atomic_fetch_add(&key->refs, 1);
	}
	return key;
}

void danecid_es256_key_free(danecid_es256_key *key)
{
	if (key == NULL || atomic_fetch_sub(&key->refs, 1) != 1) {
		return;
	}
	EVP_PKEY_free(key->pkey);
	free(key);
}

int danecid_es256_key_is_private(const danecid_es256_key *key)
{
	return key != NULL && key->is_private;
}

int danecid_es256_key_spki(const danecid_es256_key *key, uint8_t **der, size_t *len)
{
	int r = DANECID_ERR_INTERNAL;
	unsigned char *tmp = NULL;
	uint8_t *copy = NULL;
	int n;

	if (key == NULL || der == NULL || len == NULL) {
		return DANECID_ERR_INVAL;
	}
	*der = NULL;
	*len = 0;
	if ((n = i2d_PUBKEY(key->pkey, &tmp)) <= 0) {
		r = DANECID_ERR_CRYPTO;
		goto out;
	}
	if ((copy = malloc((size_t)n)) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	memcpy(copy, tmp, (size_t)n);
	*der = copy;
	*len = (size_t)n;
	r = DANECID_OK;
out:
	OPENSSL_free(tmp);
	ERR_clear_error();
	return r;
}

/* One DER INTEGER of a 32-byte unsigned big-endian value (not zero): minimal, with a 0x00
 * before a high bit. Returns its length (at most 35). */
static size_t der_uint(const uint8_t v[32], uint8_t *out)
{
	size_t skip = 0, n;

	while (skip < 31 && v[skip] == 0) {
		skip++;
	}
	n = 32 - skip;
	out[0] = 0x02;
	if (v[skip] & 0x80) {
		out[1] = (uint8_t)(n + 1);
		out[2] = 0x00;
		memcpy(out + 3, v + skip, n);
		return n + 3;
	}
	out[1] = (uint8_t)n;
	memcpy(out + 2, v + skip, n);
	return n + 2;
}

/* DER ECDSA-Sig-Value (RFC 3279 §2.2.3) of r‖s, both halves already in [1, n-1]: written by
 * hand (the BIGNUM route costs more than the rest of the pipeline around the check). */
static size_t raw_to_der(const uint8_t sig[64], uint8_t der[72])
{
	size_t n = der_uint(sig, der + 2);

	n += der_uint(sig + 32, der + 2 + n);
	der[0] = 0x30;
	der[1] = (uint8_t)n; /* at most 70: short form */
	return n + 2;
}

/* SHA-256 fetched once from the default provider: an implicit fetch per call costs a lookup. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md != NULL ? sha256_md : EVP_sha256();
}

int danecid_es256_verify(const danecid_es256_key *key, const uint8_t *msg, size_t msglen,
                         const uint8_t *sig, size_t siglen)
{
	int r = DANECID_ERR_INTERNAL;
	EVP_MD_CTX *mctx = NULL;
	uint8_t der[72];
	size_t derlen;
	int ok;

	if (key == NULL || (msg == NULL && msglen != 0)) {
		return DANECID_ERR_INVAL;
	}
	if (sig == NULL || siglen != 64 || !scalar_in_range(sig) || !scalar_in_range(sig + 32)) {
		return 0;
	}
	derlen = raw_to_der(sig, der);
	if ((mctx = EVP_MD_CTX_new()) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestVerifyInit(mctx, NULL, sha256(), NULL, key->pkey) != 1) {
		r = DANECID_ERR_CRYPTO;
		goto out;
	}
	ok = EVP_DigestVerify(mctx, der, derlen, msg != NULL ? msg : (const uint8_t *)"", msglen);
	/*
	 * 1 valid. OpenSSL returns 0 for a mismatch and -1 for some mathematically
	 * invalid signatures too (e.g. u1*G + u2*Q at infinity); the DER input is
	 * well-formed here, so every result other than 1 means "not valid".
	 */
	r = ok == 1 ? 1 : 0;
out:
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return r;
}

int danecid_es256_sign(const danecid_es256_key *key, const uint8_t *msg, size_t msglen,
                       uint8_t sig[64])
{
	int r = DANECID_ERR_INTERNAL;
	EVP_MD_CTX *mctx = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t derlen = 0;
	ECDSA_SIG *esig = NULL;
	const BIGNUM *br, *bs;
	uint8_t raw[64];

	if (key == NULL || sig == NULL || (msg == NULL && msglen != 0)) {
		return DANECID_ERR_INVAL;
	}
	if (!key->is_private) {
		r = DANECID_ERR_INVAL;
		goto out;
	}
	if ((mctx = EVP_MD_CTX_new()) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestSignInit(mctx, NULL, EVP_sha256(), NULL, key->pkey) != 1 ||
	    EVP_DigestSign(mctx, NULL, &derlen, msg != NULL ? msg : (const uint8_t *)"", msglen) !=
	        1) {
		r = DANECID_ERR_CRYPTO;
		goto out;
	}
	if ((der = OPENSSL_malloc(derlen)) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestSign(mctx, der, &derlen, msg != NULL ? msg : (const uint8_t *)"", msglen) !=
	    1) {
		r = DANECID_ERR_CRYPTO;
		goto out;
	}
	p = der;
	if ((esig = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL) {
		r = DANECID_ERR_CRYPTO;
		goto out;
	}
	ECDSA_SIG_get0(esig, &br, &bs);
	if (BN_bn2binpad(br, raw, 32) != 32 || BN_bn2binpad(bs, raw + 32, 32) != 32) {
		r = DANECID_ERR_CRYPTO;
		goto out;
	}
	memcpy(sig, raw, 64);
	r = DANECID_OK;
out:
	ECDSA_SIG_free(esig);
	OPENSSL_free(der);
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return r;
}

void danecid_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
	SHA256(data != NULL ? data : (const uint8_t *)"", len, out);
}

void danecid_sha512(const uint8_t *data, size_t len, uint8_t out[64])
{
	SHA512(data != NULL ? data : (const uint8_t *)"", len, out);
}
