/* fetch — one bounded HTTPS GET of an x5u document with libcurl (RFC 8226 method, SPEC §5). */
#ifndef DANECID_FETCH_H
#define DANECID_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/** Limits and trust for x5u fetches. Strings are borrowed for the duration of a call. */
struct danecid_fetch_opts {
	const char *tls_ca_file; /**< trust for the TLS server; NULL: the system store */
	bool allow_private;      /**< allow loopback, private, link-local and other special
	                              addresses (tests; a private PKI) */
	unsigned timeout_ms;     /**< the whole fetch, redirects included (connect is bounded
	                              by it too) */
	size_t max_bytes;        /**< the largest document accepted */
	unsigned max_redirs;     /**< redirects followed (https only) */
};

/** Defaults: 1000 ms, 64 KiB, 3 redirects. */
#define DANECID_FETCH_TIMEOUT_MS 1000u
#define DANECID_FETCH_MAX_BYTES  (64u * 1024u)
#define DANECID_FETCH_MAX_REDIRS 3u

/** What one fetch brought. */
struct danecid_fetch_result {
	bool ok;        /**< 200 with a body within bounds */
	long http_code; /**< last response's status, 0 if none */
	uint8_t *body;  /**< the document (NUL-terminated, not counted in len); free() */
	size_t len;
	long max_age;      /**< Cache-Control max-age / s-maxage or Expires, seconds; -1 none */
	bool no_store;     /**< Cache-Control no-store or no-cache */
	uint64_t bytes;    /**< bytes of requests and responses (headers + bodies) */
	unsigned connects; /**< new connections made */
	double seconds;    /**< total time */
	char err[200];     /**< why not ok */
};

/** Call once before threads start (curl_global_init); later calls do nothing. */
int danecid_fetch_global_init(void);

/**
 * Whether a URL may be fetched at all: https, a host, no user info, at most 2048 bytes.
 * @return DANECID_OK, or DANECID_ERR_MALFORMED with a message in err.
 */
int danecid_fetch_url_check(const char *url, size_t len, char *err, size_t errlen);

/**
 * Whether an address is loopback, private, link-local, multicast, unspecified, or another
 * special-purpose address an x5u must not point to (IPv4 as 4 bytes, IPv6 as 16).
 */
bool danecid_addr_is_private(const uint8_t *addr, size_t len);

/**
 * Fetch url (blocking; at most opts->timeout_ms). The result is always filled; release it
 * with danecid_fetch_result_clear().
 * @return DANECID_OK (then see res->ok), DANECID_ERR_NOMEM or DANECID_ERR_INTERNAL.
 */
int danecid_fetch(const struct danecid_fetch_opts *opts, const char *url,
                  struct danecid_fetch_result *res);

void danecid_fetch_result_clear(struct danecid_fetch_result *res);

#endif
