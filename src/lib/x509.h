/* x509 — the certificate method (RFC 8226): an x5u document parsed into a chain, the chain
 * validated to the STI-CA roots (with CRLs) at a given time, the leaf's TNAuthList and key. */
#ifndef DANECID_X509_H
#define DANECID_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <danecid/danecid.h>

#include "es256.h"
#include "tnauth.h"

/** A parsed x5u document: the leaf, its intermediates, the leaf's key and TNAuthList.
 *  Immutable once made and reference-counted, so caches and verifications share it. */
typedef struct danecid_certchain danecid_certchain;

/**
 * Parse an x5u document (PEM: the leaf first, then intermediates; RFC 8226 §8, SPEC §5).
 * Up to 8 certificates; a document with anything but PEM CERTIFICATE blocks and white space is
 * refused.
 * @param out receives the chain (one reference).
 * @return DANECID_OK; DANECID_ERR_MALFORMED (err says why); DANECID_ERR_NOMEM.
 */
int danecid_certchain_parse(const uint8_t *pem, size_t len, danecid_certchain **out, char *err,
                            size_t errlen);

danecid_certchain *danecid_certchain_ref(danecid_certchain *ch);
void danecid_certchain_free(danecid_certchain *ch);

/** The earliest notAfter of the chain's certificates. */
time_t danecid_certchain_not_after(const danecid_certchain *ch);

/** The leaf's P-256 key, or NULL when the leaf has another kind of key. */
const danecid_es256_key *danecid_certchain_key(const danecid_certchain *ch);

/** The leaf's SubjectPublicKeyInfo in DER (whatever its key type), *len its length. */
const uint8_t *danecid_certchain_spki(const danecid_certchain *ch, size_t *len);

/**
 * The leaf's TNAuthList: NULL when the leaf has none or it cannot be read (then why, if not
 * NULL, receives the reason).
 */
const struct danecid_tnauth *danecid_certchain_tnauth(const danecid_certchain *ch,
                                                      const char **why);

/** The STI-CA trust: roots (file and/or hashed directory) and CRLs. Immutable, shared. */
typedef struct danecid_castore danecid_castore;

/**
 * @param ca_file PEM roots, or NULL; @param ca_path an OpenSSL hashed directory, or NULL
 *        (one of the two is needed); @param crl_file PEM CRLs, or NULL: then revocation is
 *        not checked.
 * @return DANECID_OK; DANECID_ERR_CONFIG (err names the file and why); DANECID_ERR_NOMEM.
 */
int danecid_castore_new(const char *ca_file, const char *ca_path, const char *crl_file,
                        danecid_castore **out, char *err, size_t errlen);

danecid_castore *danecid_castore_ref(danecid_castore *cs);
void danecid_castore_free(danecid_castore *cs);

/**
 * Validate the chain to the store at time now: signatures, validity periods, CA
 * constraints, and the leaf's CRL status when the store has CRLs. A TNAuthList marked
 * critical is understood (at any depth). The signer's certificate must not be a CA, and a
 * key usage, when present, must allow digitalSignature (the STI certificate profile).
 * @return DANECID_R_OK or DANECID_R_CERT_INVALID (detail says why); a verdict reason.
 */
enum danecid_reason danecid_certchain_validate(const danecid_castore *cs,
                                               const danecid_certchain *ch, time_t now,
                                               char *detail, size_t dlen);

#endif
