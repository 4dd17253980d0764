/* tn — canonical telephone numbers from SIP and tel URIs (RFC 8224 §8.3). */
#ifndef DANECID_TN_H
#define DANECID_TN_H

#include <stdbool.h>
#include <stddef.h>

#include <danecid/danecid.h>

/** A canonical TN: 1..15 ASCII digits, NUL-terminated. */
struct danecid_tn {
	char digits[DANECID_TN_MAX + 1];
	size_t len;
};

/**
 * Canonicalize a bare number string: drop visual separators "-.()" and
 * spaces, drop one leading '+'. The rest must be 1..15 digits.
 * @param p,len the number (not NUL-terminated).
 * @param assume_global accept a number without '+' as global.
 * @return DANECID_OK, DANECID_ERR_NOT_TN (not digits, '*', '#', no '+' while
 *         !assume_global), DANECID_ERR_TOO_LONG (more than 15 digits).
 */
int danecid_tn_canon(const char *p, size_t len, bool assume_global, struct danecid_tn *out);

/**
 * Canonical TN of a URI: "tel:+1-202-555-0100", "sip:+12025550100@host;user=phone",
 * "sips:...", optionally in angle brackets with a display name before it.
 * A tel: or sip: number with ";phone-context=" is never a TN. The user part of
 * a sip: URI is percent-decoded (%00 rejected); its telephone-subscriber
 * parameters after ';' are ignored. A user part without '+' is global only
 * with user=phone or assume_global.
 * @return DANECID_OK, DANECID_ERR_NOT_TN, DANECID_ERR_TOO_LONG.
 */
int danecid_tn_from_uri(const char *p, size_t len, bool assume_global, struct danecid_tn *out);

#endif
