/* util — small helpers shared by the library files. */
#ifndef DANECID_UTIL_H
#define DANECID_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/**
 * Format an error message into the caller's buffer, if it gave one.
 * Does nothing when errbuf is NULL or errlen is 0; otherwise always
 * NUL-terminates errbuf, truncating a message longer than errlen - 1.
 * @param errbuf,errlen the caller's buffer (owned by the caller), may be NULL/0.
 * @param fmt printf format and its arguments.
 */
void danecid_errf(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * Parse an address as the configuration writes it: "IP@PORT" (SPEC §7), the last '@'
 * separating the port, IPv4 or IPv6 (brackets allowed), a numeric address only.
 * @param default_port the port when "@PORT" is absent; negative: the port is required.
 * @param ss,sslen receive the socket address (port in network order) and its length.
 * @return DANECID_OK or DANECID_ERR_CONFIG.
 */
int danecid_addr_parse(const char *s, int default_port, struct sockaddr_storage *ss,
                       socklen_t *sslen);

/** Longest untrusted string danecid_quote() copies, and the buffer it needs. */
#define DANECID_QUOTE_MAX  40
#define DANECID_QUOTE_SIZE (DANECID_QUOTE_MAX + 4)

/**
 * Copy an untrusted string for an error message: printable ASCII only (others,
 * '"' and '\\' become '?'), at most DANECID_QUOTE_MAX bytes, then "..." when cut.
 * @param buf the caller's buffer of DANECID_QUOTE_SIZE bytes; always NUL-terminated.
 */
void danecid_quote(const char *s, size_t len, char buf[DANECID_QUOTE_SIZE]);

/** The 4-bit value of a hex digit (either case), or -1. */
int danecid_hex_value(unsigned char c);

/**
 * The 6-bit value of a base64 character (RFC 4648): the standard alphabet
 * ('+', '/') or, with url, the base64url one ('-', '_'). -1 for any other.
 */
int danecid_b64_value(unsigned char c, bool url);

#endif
