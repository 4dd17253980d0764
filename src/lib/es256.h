/* es256 — ECDSA P-256 / SHA-256 keys, verification and signing with OpenSSL. */
#ifndef DANECID_ES256_H
#define DANECID_ES256_H

#include <stddef.h>
#include <stdint.h>

/** A parsed P-256 key (public, or private with its public half). Opaque; parse once and
 *  reuse across calls: parsing costs more than a verification. Read-only use is thread-safe. */
typedef struct danecid_es256_key danecid_es256_key;

/**
 * Parse a DER SubjectPublicKeyInfo. Only id-ecPublicKey on prime256v1 with a
 * valid point on the curve is accepted; trailing bytes are rejected.
 * @param out receives the key; free with danecid_es256_key_free().
 * @return DANECID_OK, DANECID_ERR_UNSUPPORTED (other key type or curve),
 *         DANECID_ERR_CRYPTO (malformed DER or invalid point), DANECID_ERR_NOMEM.
 */
int danecid_es256_key_from_spki(const uint8_t *der, size_t len, danecid_es256_key **out);

/**
 * Parse a PEM key: a private key ("EC PRIVATE KEY" or "PRIVATE KEY") or a
 * public key ("PUBLIC KEY"). Must be P-256.
 * @return as danecid_es256_key_from_spki().
 */
int danecid_es256_key_from_pem(const char *pem, size_t len, danecid_es256_key **out);

/** Read a PEM file and parse it as danecid_es256_key_from_pem(); DANECID_ERR_IO if unreadable. */
int danecid_es256_key_load(const char *path, danecid_es256_key **out);

/** Take one more reference to a key (shared read-only by a cache and its users). */
danecid_es256_key *danecid_es256_key_ref(danecid_es256_key *key);

/** Drop a reference; the last one frees the key. NULL is allowed. */
void danecid_es256_key_free(danecid_es256_key *key);

/** Whether the key holds a private half (can sign). */
int danecid_es256_key_is_private(const danecid_es256_key *key);

/**
 * The DER SubjectPublicKeyInfo of the key's public half.
 * @param der receives a buffer the caller frees with free().
 */
int danecid_es256_key_spki(const danecid_es256_key *key, uint8_t **der, size_t *len);

/**
 * Verify a JWS ES256 signature: sig is exactly 64 bytes r‖s, big-endian, with
 * 0 < r < n and 0 < s < n; anything else is invalid.
 * @return 1 valid, 0 invalid, negative enum danecid_err on library failure.
 */
int danecid_es256_verify(const danecid_es256_key *key, const uint8_t *msg, size_t msglen,
                         const uint8_t *sig, size_t siglen);

/**
 * Sign msg with a private key; writes 64 bytes r‖s.
 * @return DANECID_OK, DANECID_ERR_INVAL (public key only), DANECID_ERR_CRYPTO.
 */
int danecid_es256_sign(const danecid_es256_key *key, const uint8_t *msg, size_t msglen,
                       uint8_t sig[64]);

/** SHA-256 of data into out (32 bytes). */
void danecid_sha256(const uint8_t *data, size_t len, uint8_t out[32]);

/** SHA-512 of data into out (64 bytes). */
void danecid_sha512(const uint8_t *data, size_t len, uint8_t out[64]);

#endif
