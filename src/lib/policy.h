/* policy — the decisions of SPEC §2–3 and §6 as pure functions of already-fetched facts:
 * the TXT policy of a node, one step of the prefix walk, and the verdict table. */
#ifndef DANECID_POLICY_H
#define DANECID_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <danecid/danecid.h>

#include "dns.h"

/** Attestation bits for danecid_node_policy.attest. */
#define DANECID_ATTEST_A 0x1u
#define DANECID_ATTEST_B 0x2u
#define DANECID_ATTEST_C 0x4u
/** PASSporT type bits for danecid_node_policy.ppt. */
#define DANECID_PPTBIT_BASE   0x1u
#define DANECID_PPTBIT_SHAKEN 0x2u
#define DANECID_PPTBIT_DIV    0x4u
#define DANECID_PPTBIT_RCD    0x8u

/** A node's "v=stir1" TXT policy. */
struct danecid_node_policy {
	bool present;    /**< a v=stir1 record was found */
	bool deny;       /**< revoked / carved out */
	bool require;    /**< unsigned calls fail with 428 */
	bool attest_set; /**< attest= given: only these levels */
	unsigned attest; /**< DANECID_ATTEST_* */
	bool ppt_set;    /**< ppt= given: only these types */
	unsigned ppt;    /**< DANECID_PPTBIT_* */
};

/**
 * Parse one TXT string. Not starting with "v=stir1" → DANECID_OK with
 * present = false (another TXT record, ignored). Tags are ';'-separated,
 * white space around them ignored, unknown tags ignored.
 * A v=stir1 record with an unknown or empty value in attest= or ppt= gives
 * DANECID_ERR_MALFORMED, and out is filled all the same so that the record
 * fails closed: deny and require still hold, and a list keeps only the values
 * it knows (a list with none allows nothing).
 * @return DANECID_OK or DANECID_ERR_MALFORMED (callers log a warning and use out).
 */
int danecid_policy_parse_txt(const char *p, size_t len, struct danecid_node_policy *out);

/** What the walk learned at one prefix. */
struct danecid_node_facts {
	const struct danecid_rrset *tlsa; /**< TLSA answer at _stir.<node> */
	const struct danecid_rrset *txt;  /**< TXT answer at _stir.<node> */
	struct danecid_node_policy pol;   /**< parsed from txt when SECURE and not a wildcard */
};

/** One step of the walk. */
enum danecid_step {
	DANECID_STEP_NEXT = 0, /**< securely nothing here: try one digit shorter */
	DANECID_STEP_DECIDE,   /**< this node decides (TLSA set or deny) */
	DANECID_STEP_STOP,     /**< the walk ends without an authorization: see reason */
};

/**
 * Decide one prefix (SPEC §3): any BOGUS → STOP dnssec-bogus; an unanswered
 * question → STOP dns-unavailable; INSECURE → STOP dnssec-insecure; a SECURE
 * non-wildcard TLSA set with at least one record danecid uses (3 1 0/1/2), or
 * deny → DECIDE; SECURE NXDOMAIN/NODATA, only records of other usages or
 * selectors, or only a wildcard answer → NEXT.
 * @param reason receives the reason for STOP.
 * @param dnssec receives the DNSSEC outcome of this step.
 */
enum danecid_step danecid_policy_step(const struct danecid_node_facts *f,
                                      enum danecid_reason *reason, enum danecid_dnssec *dnssec);

/**
 * Set a verdict's verstat, sip_code and reason from the SPEC §6 table, and its
 * detail from a printf format. Other fields are left as they are.
 */
void danecid_verdict_set(struct danecid_verdict *v, enum danecid_reason reason, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

/** The verstat of a reason (SPEC §6). */
enum danecid_verstat danecid_reason_verstat(enum danecid_reason reason);

/** The RFC 8224 response code of a reason (0 when none). */
int danecid_reason_sip_code(enum danecid_reason reason);

#endif
