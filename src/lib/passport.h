/* passport — strict compact-JWS PASSporT parsing (RFC 8225/8588/8946), freshness and
 * binding checks, and signing. */
#ifndef DANECID_PASSPORT_H
#define DANECID_PASSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <danecid/danecid.h>

#include "es256.h"
#include "tn.h"

/** Longest compact JWS accepted. */
#define DANECID_JWS_MAX 8192

/** PASSporT types. */
enum danecid_ppt {
	DANECID_PPT_BASE = 0, /**< no "ppt" (RFC 8225) */
	DANECID_PPT_SHAKEN,   /**< "shaken" (RFC 8588) */
	DANECID_PPT_DIV,      /**< "div" (RFC 8946) */
	DANECID_PPT_RCD,      /**< "rcd" (RFC 9795) */
};

/** A parsed PASSporT. Owns its strings. */
struct danecid_passport {
	enum danecid_ppt ppt;
	char *x5u; /**< header "x5u" or NULL */
	int64_t iat;
	struct danecid_tn orig;
	struct danecid_tn dest[DANECID_DEST_MAX];
	size_t n_dest;
	char attest;           /**< 'A', 'B', 'C', or 0 when absent (base / div) */
	char *origid;          /**< or NULL */
	struct danecid_tn div; /**< div.tn: the diverting number (ppt div), else len 0 */
	char *claims;          /**< the decoded claims JSON as signed (for RCD), NUL-terminated */
	size_t claims_len;
	bool has_rcd; /**< the claims hold rcd, rcdi or crn (RFC 9795): rcd.c has work to do */
	bool compact; /**< the claims were rebuilt from the SIP request (compact form, RFC 8225 §7)
	               */
	char *signing_input; /**< "b64(header).b64(payload)" exactly as received */
	size_t signing_input_len;
	uint8_t sig[64];        /**< r‖s */
	uint8_t replay_key[32]; /**< SHA-256 of the signed content (not of the signature) */
};

/**
 * Parse a compact JWS strictly: three parts, canonical base64url without
 * padding, JSON objects without duplicate keys, header alg "ES256", typ
 * "passport", ppt absent/"shaken"/"div"; claims iat (integer), orig.tn,
 * dest.tn (array, 1..DANECID_DEST_MAX), and for shaken attest (A|B|C) and origid;
 * signature exactly 64 bytes. TNs in claims are canonicalized with danecid_tn_canon().
 * @param why receives DANECID_R_IDENTITY_MALFORMED or DANECID_R_ALG_UNSUPPORTED on failure.
 * @param errbuf receives a human-readable reason on failure.
 * @param out receives the PASSporT; free with danecid_passport_free().
 * @return DANECID_OK, DANECID_ERR_MALFORMED, DANECID_ERR_UNSUPPORTED, DANECID_ERR_TOO_LONG,
 *         DANECID_ERR_NOMEM.
 */
int danecid_passport_parse(const char *jws, size_t len, struct danecid_passport **out,
                           enum danecid_reason *why, char *errbuf, size_t errlen);

/** What the compact form leaves out, rebuilt from the SIP request (RFC 8225 §7; see
 *  danecid_passport_parse_compact()). */
struct danecid_compact_claims {
	const struct danecid_tn *orig; /**< canonical TN of the calling party */
	const struct danecid_tn *dest; /**< canonical TN of the called party */
	int64_t iat;                   /**< the Date header field */
};

/**
 * Parse a PASSporT in compact form ("header..signature", RFC 8225 §7): the
 * claims are rebuilt from c as RFC 8225 §9 orders them ({"dest":{"tn":[..]},
 * "iat":N,"orig":{"tn":".."}}, keys sorted, no white space), base64url-encoded,
 * and checked as danecid_passport_parse() checks a full form. Only the base
 * type (no ppt) can be compact: shaken, div and rcd claims cannot be rebuilt.
 * A JWS with a payload part is parsed as the full form (c is then unused).
 * Arguments and results as danecid_passport_parse().
 */
int danecid_passport_parse_compact(const char *jws, size_t len,
                                   const struct danecid_compact_claims *c,
                                   struct danecid_passport **out, enum danecid_reason *why,
                                   char *errbuf, size_t errlen);

/** Whether a JWS is in compact form (its payload part is empty). */
bool danecid_jws_is_compact(const char *jws, size_t len);

/** Free a PASSporT. NULL is allowed. */
void danecid_passport_free(struct danecid_passport *pp);

/** The ppt name ("shaken", "div", "rcd") or NULL for the base type. */
const char *danecid_ppt_name(enum danecid_ppt ppt);

/**
 * The type of a ppt name.
 * @return DANECID_OK, or DANECID_ERR_UNSUPPORTED for a name danecid does not know.
 */
int danecid_ppt_from_name(const char *p, size_t len, enum danecid_ppt *out);

/**
 * Freshness: now - iat <= freshness and iat - now <= future_skew.
 * @return DANECID_R_OK or DANECID_R_STALE.
 */
enum danecid_reason danecid_passport_check_time(const struct danecid_passport *pp, time_t now,
                                                unsigned freshness, unsigned future_skew);

/**
 * Binding: orig.tn equals orig; dest is one of dest.tn.
 * @return DANECID_R_OK, DANECID_R_ORIG_MISMATCH or DANECID_R_DEST_MISMATCH.
 */
enum danecid_reason danecid_passport_check_binding(const struct danecid_passport *pp,
                                                   const struct danecid_tn *orig,
                                                   const struct danecid_tn *dest);

/**
 * Verify the signature with a key.
 * @return 1 valid, 0 invalid, negative on library failure.
 */
int danecid_passport_verify_sig(const struct danecid_passport *pp, const danecid_es256_key *key);

/** What to sign. */
struct danecid_sign_params {
	const char *orig;        /**< canonical digits */
	const char *const *dest; /**< canonical digits */
	size_t n_dest;
	char attest;        /**< 'A', 'B', 'C' (shaken) */
	const char *origid; /**< UUID; NULL = random v4 */
	int64_t iat;
	const char *x5u; /**< header x5u or NULL (then omitted) */
	enum danecid_ppt ppt;
	const char *div;          /**< ppt div: the diverting number (claim div.tn) */
	const char *extra_claims; /**< a JSON object whose members are added to the claims
	                               (rcd, rcdi, crn ...), or NULL; it may not redefine
	                               attest, dest, div, iat, orig or origid */
	bool compact;             /**< print the compact form "header..signature" (base type) */
};

/**
 * Build and sign a compact JWS PASSporT (header keys alg, ppt, typ, x5u; claims
 * attest, dest, div, iat, orig, origid and the extra claims — keys in
 * lexicographic order, no white space, as RFC 8225 §9 recommends). With
 * p->compact the payload part is left out of the output (RFC 8225 §7).
 * @param out receives the NUL-terminated JWS; caller frees with free().
 */
int danecid_passport_sign(const struct danecid_sign_params *p, const danecid_es256_key *key,
                          char **out);

/**
 * base64url without padding, canonical: rejects '=', characters outside the
 * alphabet, a length of 1 mod 4, and non-zero unused trailing bits.
 * @param out buffer of at least (len * 3) / 4 + 1 bytes; *outlen receives the size.
 * @return DANECID_OK or DANECID_ERR_MALFORMED.
 */
int danecid_b64url_decode(const char *p, size_t len, uint8_t *out, size_t *outlen);

/** base64url-encode without padding; out needs (len * 4 + 2) / 3 + 1 bytes (NUL-terminated). */
void danecid_b64url_encode(const uint8_t *p, size_t len, char *out);

#endif
