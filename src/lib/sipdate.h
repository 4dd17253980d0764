/* sipdate — the SIP Date header (RFC 3261 §20.17, an rfc1123-date in GMT) as a time_t. */
#ifndef DANECID_SIPDATE_H
#define DANECID_SIPDATE_H

#include <stddef.h>
#include <time.h>

/**
 * Parse a SIP Date header value, strictly as RFC 3261 §25.1 writes it:
 * wkday "," SP 2DIGIT SP month SP 4DIGIT SP 2DIGIT ":" 2DIGIT ":" 2DIGIT SP "GMT",
 * e.g. "Sat, 13 Nov 2010 23:29:00 GMT". Only SP and HTAB may surround the value.
 * Weekday ("Mon".."Sun") and month ("Jan".."Dec") names are case-sensitive; the day
 * must exist in its month (leap years included); hour 00-23, minute 00-59, second
 * 00-59 (a leap second 60 is refused); year 1970-9999; the weekday must be the
 * date's. No locale, time zone or libc time conversion is involved.
 * @param p,len the value; need not be NUL-terminated (a NUL inside is malformed).
 * @param out receives the seconds since 1970-01-01 00:00:00 UTC; untouched on error.
 * @return DANECID_OK, DANECID_ERR_MALFORMED, DANECID_ERR_INVAL (out NULL, or p NULL
 *         with len > 0).
 */
int danecid_sip_date_parse(const char *p, size_t len, time_t *out);

#endif
