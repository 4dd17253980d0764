/* dane — TLSA records (RFC 6698) for PASSporT keys: parsing and matching against an SPKI. */
#ifndef DANECID_DANE_H
#define DANECID_DANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** TLSA fields used by danecid (SPEC §2). */
#define DANECID_TLSA_USAGE_DANE_EE 3
#define DANECID_TLSA_SELECTOR_SPKI 1
#define DANECID_TLSA_MATCH_FULL    0
#define DANECID_TLSA_MATCH_SHA256  1
#define DANECID_TLSA_MATCH_SHA512  2

/** A TLSA record; data points into the caller's RDATA buffer. */
struct danecid_tlsa {
	uint8_t usage;
	uint8_t selector;
	uint8_t mtype;
	const uint8_t *data;
	size_t len;
};

/**
 * Split TLSA RDATA (usage, selector, matching type, association data).
 * @return DANECID_OK or DANECID_ERR_MALFORMED (shorter than 4 bytes, or a hash
 *         of the wrong length for matching type 1 or 2).
 */
int danecid_tlsa_parse(const uint8_t *rdata, size_t len, struct danecid_tlsa *out);

/** Whether danecid uses the record: usage 3, selector 1, matching type 0, 1 or 2. Other
 *  records are ignored (SPEC §2), not errors. */
bool danecid_tlsa_usable(const struct danecid_tlsa *t);

/** Whether the record carries the key itself (3 1 0): no fetch is needed. */
bool danecid_tlsa_has_key(const struct danecid_tlsa *t);

/**
 * Whether a usable record matches a DER SubjectPublicKeyInfo: equal bytes for
 * matching type 0, equal SHA-256 / SHA-512 digest for 1 / 2.
 */
bool danecid_tlsa_match(const struct danecid_tlsa *t, const uint8_t *spki, size_t len);

/**
 * The TLSA RDATA presentation ("3 1 0 3059...") for an SPKI.
 * @param mtype 0, 1 or 2.
 * @param out receives a string the caller frees with free().
 * @return DANECID_OK, DANECID_ERR_INVAL (mtype), DANECID_ERR_NOMEM.
 */
int danecid_tlsa_format(const uint8_t *spki, size_t len, int mtype, char **out);

#endif
