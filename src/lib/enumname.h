/* enumname — digits to "_stir.<reversed digits>.<apex>" owner names. */
#ifndef DANECID_ENUMNAME_H
#define DANECID_ENUMNAME_H

#include <stddef.h>

/** Longest name danecid_enum_name() writes: "_stir." + 15*2 + apex (255) + NUL. */
#define DANECID_ENUM_NAME_MAX 300

/**
 * Normalize an apex name: lower-case, exactly one final dot, labels 1..63
 * octets of [a-z0-9_-], total at most 253 characters without the dot.
 * @param out buffer of outlen bytes (DANECID_ENUM_NAME_MAX is enough).
 * @return DANECID_OK, DANECID_ERR_INVAL (bad name), DANECID_ERR_TOO_LONG.
 */
int danecid_apex_normalize(const char *p, size_t len, char *out, size_t outlen);

/**
 * The owner name of a digit prefix: P = "12025550100", apex "e164.test." →
 * "_stir.0.0.1.0.5.5.5.2.0.2.1.e164.test.".
 * @param digits,ndigits 1..15 ASCII digits.
 * @param apex a normalized apex (with final dot).
 * @return DANECID_OK, DANECID_ERR_INVAL (not digits, bad length),
 *         DANECID_ERR_TOO_LONG (outlen too small).
 */
int danecid_enum_name(const char *digits, size_t ndigits, const char *apex, char *out,
                      size_t outlen);

#endif
