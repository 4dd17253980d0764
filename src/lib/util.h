/* util — small helpers shared by the library files. */
#ifndef DANECID_UTIL_H
#define DANECID_UTIL_H

#include <stddef.h>

/**
 * Format an error message into the caller's buffer, if it gave one.
 * Does nothing when errbuf is NULL or errlen is 0; otherwise always
 * NUL-terminates errbuf, truncating a message longer than errlen - 1.
 * @param errbuf,errlen the caller's buffer (owned by the caller), may be NULL/0.
 * @param fmt printf format and its arguments.
 */
void danecid_errf(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
