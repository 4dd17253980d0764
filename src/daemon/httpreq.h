/* httpreq — what danecidd's HTTP front-end does with a request before it is verified: the
 * limits evhttp reads requests under, and the body of POST /stir/v1/verification
 * (ATIS-1000082) read into a struct danecid_request. The body is read from (pointer, length):
 * no socket is involved, so it can be tested and fuzzed on its own. */
#ifndef DANECIDD_HTTPREQ_H
#define DANECIDD_HTTPREQ_H

#include <stddef.h>

#include <danecid/danecid.h>

struct evhttp;
struct json_t;

/** Largest verification request body parsed (a few Identity headers fit many times). */
#define DD_HTTP_BODY_MAX (64 * 1024)
/** evhttp's own body limit: between DD_HTTP_BODY_MAX and this the front-end answers 413 in
 *  JSON; above it libevent answers 413 itself, without reading the rest into memory. */
#define DD_HTTP_READ_MAX (4 * DD_HTTP_BODY_MAX)
/** Request line and headers together. */
#define DD_HTTP_HEADERS_MAX (16 * 1024)
/** Seconds a connection may stay silent while a request is read or a reply written. */
#define DD_HTTP_TIMEOUT_S 10

/** A verification request read from its body. The strings of rq point into root. */
struct dd_http_body {
	struct json_t *root;
	struct danecid_request rq;
	const char *dest[DANECID_DEST_MAX];
	const char *identity[DANECID_IDENTITY_MAX];
};

/**
 * Set danecidd's limits on an evhttp: timeout, header and body sizes, every method let
 * through to the handler (which answers 405 in JSON rather than libevent's 501), and a
 * lingering close (an oversized body is drained before the 413, so the client reads it).
 */
void dd_http_limits(struct evhttp *http);

/**
 * Read the body of a verification request, checked in the order a client would fix it:
 * media type (415), size (413), an empty body (400), JSON syntax with duplicate keys refused
 * (400), then each field (400 naming it): verificationRequest.from.tn a string,
 * verificationRequest.to.tn 1..DANECID_DEST_MAX strings, verificationRequest.identity absent,
 * a string or 1..DANECID_IDENTITY_MAX strings, verificationRequest.time absent or an
 * integer; strings without NUL. The request has no dialog (every HTTP request is its own).
 * @param content_type the Content-Type header value, or NULL when absent; application/json,
 *        case-insensitive, parameters ignored.
 * @param body,len the body (need not be NUL-terminated; body may be NULL when len is 0).
 * @param out on success holds the request (release with dd_http_body_clear()); on a fault it
 *        is left empty (clearing it is harmless).
 * @param err,errlen receive what to answer on a fault (printable or not: the caller cleans).
 * @return 0, or the HTTP status to answer with: 400, 413 or 415.
 */
int dd_http_body_read(const char *content_type, const char *body, size_t len,
                      struct dd_http_body *out, char *err, size_t errlen);

/** Free what dd_http_body_read() kept and empty b. */
void dd_http_body_clear(struct dd_http_body *b);

#endif
