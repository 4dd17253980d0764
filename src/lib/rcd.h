/* rcd — the Rich Call Data claims of a PASSporT (RFC 9795): rcd, rcdi, crn. */
#ifndef DANECID_RCD_H
#define DANECID_RCD_H

#include <stddef.h>

/** Longest claims text looked at; longer is INVALID. */
#define DANECID_RCD_CLAIMS_MAX 8192

/** Longest "nam" (display name) and "crn" (call reason), in bytes of UTF-8. */
#define DANECID_RCD_NAM_MAX 256
#define DANECID_RCD_CRN_MAX 256

/** Longest "apn" (alternate presentation number), in bytes. */
#define DANECID_RCD_APN_MAX 64

/**
 * Longest verdict JSON from danecid_rcd_check(), without its NUL: the verdict
 * keeps it in a fixed buffer of 2048 bytes. Longer is INVALID.
 */
#define DANECID_RCD_JSON_MAX 1800

/** Most URIs (icn, jcl, URI values in jcd) in one "rcd" claim. */
#define DANECID_RCD_URI_MAX 32

/** What a PASSporT says about Rich Call Data. */
enum danecid_rcd_status {
	DANECID_RCD_NONE = 0, /**< no rcd, rcdi or crn claim */
	DANECID_RCD_VERIFIED, /**< claims well-formed; every digest that can be checked here matches
	                       */
	DANECID_RCD_INVALID,  /**< present but malformed, or an integrity digest does not match */
};

/**
 * Check the RCD claims of a PASSporT payload (the decoded JSON claims object as text).
 *
 * Rules (RFC 9795 §5): "rcd" is an object with a string "nam" (required), and
 * optionally "apn" (string), "icn" (URI), "jcd" (a jCard, RFC 7095) or "jcl"
 * (URI of a jCard), never both; other rcd members are ignored and not copied.
 * "crn" is a string. nam and crn are UTF-8 without control characters. A URI
 * that references content (icn, jcl, "uri" values in jcd) is https: or data:;
 * "uri" values in jcd may also be identifiers that reference no content (tel:,
 * sip:, sips:, mailto:, geo:, urn:). "rcdi" maps JSON pointers (RFC 6901) into
 * rcd to "sha256-" / "sha384-" / "sha512-" digests in padded base64; when it
 * is present, every content URI must have an entry. A data: URI's decoded
 * content is hashed and compared here; https: content is not fetched, its
 * digest is carried in the output for whoever fetches it; so are entries
 * "/jcl/..." that point into the jCard jcl references.
 *
 * @param claims,len the claims JSON (not NUL-terminated; at most DANECID_RCD_CLAIMS_MAX).
 * @param st receives the status when the function returns DANECID_OK; untouched otherwise.
 * @param json_out may be NULL. Set to NULL on entry; on VERIFIED receives a NUL-terminated
 *        compact JSON object (at most DANECID_RCD_JSON_MAX bytes) with, in this order and
 *        each only when present in the input: "nam", "apn", "icn", "jcl", "jcd", "crn",
 *        "rcdi", then always "integrity": "rcdi" (an rcdi claim is present) or
 *        "signature-only". The caller frees it with free().
 * @param errbuf,errlen on INVALID receive why (human text); may be NULL/0. Untouched on
 *        NONE and VERIFIED.
 * @return DANECID_OK whenever a status was reached (INVALID included), DANECID_ERR_INVAL
 *         (claims NULL with len > 0, or st NULL), DANECID_ERR_NOMEM, DANECID_ERR_CRYPTO
 *         (the hash library failed).
 */
int danecid_rcd_check(const char *claims, size_t len, enum danecid_rcd_status *st, char **json_out,
                      char *errbuf, size_t errlen);

#endif
