/* dnsval — DNSSEC validation of one response from a zone whose keys are already validated:
 * the key chain is walked once (the zone's DNSKEY set against the trust anchor) and then
 * every answer costs one signature check, or none when the same signature was checked
 * before. Only ECDSA P-256 (algorithm 13) and NSEC3 are handled here; anything else is
 * "unsure" and left to the full validator (getdns in dns.c), which decides. */
#ifndef DANECID_DNSVAL_H
#define DANECID_DNSVAL_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "dnswire.h"

/** A trust anchor record (DS or DNSKEY) as read from the anchor file. */
struct danecid_anchor {
	uint8_t owner[DANECID_WNAME_MAX]; /**< wire form, lower case */
	size_t owner_len;
	uint16_t type;
	uint8_t rdata[512];
	size_t rdlen;
};

/** The validated DNSKEY set of one zone. Immutable, shared by reference. */
typedef struct danecid_zonekeys danecid_zonekeys;

/** Signatures already checked, so that an NSEC3 or SOA record set met again costs nothing.
 *  Thread-safe. */
typedef struct danecid_sigmemo danecid_sigmemo;

/** Checks a signature memo saved (for statistics). */
struct danecid_sigmemo_stats {
	uint64_t hits, checks;
};

/** The key tag of a DNSKEY RDATA (RFC 4034 Appendix B). */
uint16_t danecid_dnskey_tag(const uint8_t *rdata, size_t len);

int danecid_sigmemo_new(danecid_sigmemo **out);
void danecid_sigmemo_free(danecid_sigmemo *memo);
void danecid_sigmemo_stats(danecid_sigmemo *memo, struct danecid_sigmemo_stats *st);
/** Forget every checked signature (the trust anchors changed). */
void danecid_sigmemo_clear(danecid_sigmemo *memo);

/**
 * Validate the DNSKEY set of zone in a response to a DNSKEY question: a key of the set must
 * match an anchor of the zone (DS digest SHA-256/SHA-384, or the DNSKEY itself) and sign the
 * set, at time now. The zone keys are its ECDSA P-256 zone keys that are not revoked.
 * @param memo may be NULL.
 * @return DANECID_OK (*out set), DANECID_ERR_UNSUPPORTED (not validated: why says what),
 *         DANECID_ERR_NOMEM.
 */
int danecid_zonekeys_validate(const struct danecid_wire_msg *m, const uint8_t *zone, size_t zlen,
                              const struct danecid_anchor *anchors, size_t n_anchors, int64_t now,
                              danecid_sigmemo *memo, danecid_zonekeys **out, const char **why);

danecid_zonekeys *danecid_zonekeys_ref(danecid_zonekeys *zk);
void danecid_zonekeys_free(danecid_zonekeys *zk);
/** When the set stops being usable: its TTL or its signature's expiration, the sooner. */
int64_t danecid_zonekeys_expire(const danecid_zonekeys *zk);
/** The zone's name in wire form. */
const uint8_t *danecid_zonekeys_zone(const danecid_zonekeys *zk, size_t *len);
/** Number of usable keys in the set. */
size_t danecid_zonekeys_count(const danecid_zonekeys *zk);

/**
 * Validate the response m to (qname, qtype) with the keys of the zone holding qname. SECURE
 * outcomes only: an RRset signed by a zone key (not synthesized from a wildcard), or an NSEC3
 * proof (RFC 5155 §8.4/§8.5, no opt-out) of NXDOMAIN or NODATA with a signed SOA. out gets
 * the records (kind DATA, NODATA or NXDOMAIN), sec SECURE, the smallest TTL of the records
 * used (for a denial also the SOA minimum, RFC 2308) and the earliest signature expiration.
 * @return DANECID_OK, DANECID_ERR_UNSUPPORTED (unsure: why says what; out is empty),
 *         DANECID_ERR_NOMEM.
 */
int danecid_dnsval_answer(const struct danecid_wire_msg *m, const uint8_t *qname, size_t qlen,
                          uint16_t qtype, const danecid_zonekeys *zk, danecid_sigmemo *memo,
                          int64_t now, struct danecid_rrset *out, const char **why);

#endif
