/* tnauth — the TNAuthList certificate extension (RFC 8226 §9) and whether it covers a TN. */
#ifndef DANECID_TNAUTH_H
#define DANECID_TNAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <danecid/danecid.h>

/** Most entries kept from one TNAuthList; a list with more is an error (fail closed). */
#define DANECID_TNAUTH_MAX 32
/** Longest Service Provider Code kept, in bytes; a longer one is an error. */
#define DANECID_SPC_MAX 32

/** The alternatives of TNEntry (RFC 8226 Appendix A), in tag order [0], [1], [2]. */
enum danecid_tnauth_kind {
	DANECID_TNAUTH_SPC = 0, /**< spc [0] ServiceProviderCode */
	DANECID_TNAUTH_RANGE,   /**< range [1] TelephoneNumberRange */
	DANECID_TNAUTH_ONE,     /**< one [2] TelephoneNumber */
};

/** One TNEntry. */
struct danecid_tnauth_entry {
	enum danecid_tnauth_kind kind;
	char value[DANECID_SPC_MAX + 1]; /**< TN (one, range start: 1..15 of "0123456789#*")
	                                    or the SPC (printable ASCII), NUL-terminated */
	uint64_t count;                  /**< range only: 2..2^63; 0 for the other kinds */
};

/** A parsed TNAuthList: the entries danecid understands, in certificate order. */
struct danecid_tnauth {
	struct danecid_tnauth_entry e[DANECID_TNAUTH_MAX];
	size_t n;
};

/**
 * Parse the TNAuthList extension value (OID 1.3.6.1.5.5.7.1.26): the DER of
 * TNAuthorizationList, i.e. the contents of the extension's OCTET STRING.
 *
 * Strict DER with the EXPLICIT tags of the RFC 8226 module: definite, minimal
 * lengths; nothing after the list. spc is a 1..DANECID_SPC_MAX byte IA5String
 * of printable ASCII; a TelephoneNumber is an IA5String of 1..15 characters
 * from "0123456789#*"; count is a minimally encoded INTEGER 2..2^63. Elements
 * after count inside a range (the extension marker) are skipped, and so are
 * entries with a context tag [3] or higher (they grant no number), but both
 * must be well-formed TLVs all the way down. A list of only such entries
 * parses with n = 0 and covers nothing; an empty list is an error.
 *
 * @param der,len the extension value (not NUL-terminated).
 * @param out receives the entries on success; untouched on error.
 * @param err,errlen receive a human-readable reason on error (with the byte
 *        offset of the culprit); may be NULL/0.
 * @return DANECID_OK, DANECID_ERR_MALFORMED (anything above violated, more than
 *         DANECID_TNAUTH_MAX entries, a length or count that does not fit),
 *         DANECID_ERR_INVAL (out NULL, or der NULL with len > 0).
 */
int danecid_tnauth_parse(const uint8_t *der, size_t len, struct danecid_tnauth *out, char *err,
                         size_t errlen);

/** Most SPC=PREFIX pairs in a map. */
#define DANECID_SPC_MAP_MAX 64

/** Which number prefixes a Service Provider Code stands for (local configuration). */
struct danecid_spc_map {
	struct {
		char spc[DANECID_SPC_MAX + 1];   /**< printable ASCII without ',', '=', space */
		char prefix[DANECID_TN_MAX + 1]; /**< 1..15 digits, without '+' */
	} m[DANECID_SPC_MAP_MAX];
	size_t n;
};

/**
 * Parse a map "SPC=PREFIX[,SPC=PREFIX...]". Spaces and tabs around items and
 * around '=' are ignored. PREFIX is 1..15 digits, optionally after one '+'
 * (stored without it). SPC is 1..DANECID_SPC_MAX printable ASCII characters
 * other than ',', '=' and space, compared case-sensitively. One SPC may map to
 * several prefixes; the same SPC=PREFIX pair twice is an error, and so is an
 * empty item ("a=1,,b=2", a trailing ','). An empty (or all-blank) string
 * gives an empty map.
 * @param s,len the text (not NUL-terminated; s may be NULL when len is 0).
 * @param out receives the map on success; untouched on error.
 * @param err,errlen receive a human-readable reason on error; may be NULL/0.
 * @return DANECID_OK, DANECID_ERR_CONFIG (more than DANECID_SPC_MAP_MAX pairs
 *         included), DANECID_ERR_INVAL (out NULL, or s NULL with len > 0).
 */
int danecid_spc_map_parse(const char *s, size_t len, struct danecid_spc_map *out, char *err,
                          size_t errlen);

/**
 * Whether a TNAuthList covers a TN. one: the same number. range: a start of
 * only digits with as many digits as tn, and start <= tn <= start + count - 1
 * (entries with '#' or '*' never match). spc: map has that SPC with a prefix
 * that starts tn. A tn that is not 1..15 digits is never covered.
 * @param ta the parsed list; NULL covers nothing.
 * @param map the SPC map; NULL is the empty map.
 * @param tn,len the canonical E.164 digits, without '+'.
 * @param why,whylen may be NULL/0; otherwise always NUL-terminated, cut with
 *        "..." when too long. Covered: the first entry that covers it ("one
 *        12025550100", "range 12025550200+100", "spc 709J (mapped to 1202555)").
 *        Not covered: what the list holds ("the certificate covers one
 *        19995550100, spc 709J (not mapped)").
 * @return true when covered.
 */
bool danecid_tnauth_covers(const struct danecid_tnauth *ta, const struct danecid_spc_map *map,
                           const char *tn, size_t len, char *why, size_t whylen);

#endif
