/* sipreply — SIP responses built from the raw text of a request, and the facts a stateless
 * transaction layer needs (method, Request-URI, transaction key, message framing), without a
 * full parser. Pure text work: no libosip2, inputs are (pointer, length), never NUL-terminated.
 */
#ifndef DANECID_SIPREPLY_H
#define DANECID_SIPREPLY_H

#include <stdbool.h>
#include <stddef.h>

/** Largest message the scanner and the framer accept (as danecid_sip_parse()). */
#define DANECID_SIP_MSG_MAX 65536

/** A slice of the caller's buffer: p == NULL means "absent"; never NUL-terminated. */
struct danecid_span {
	const char *p;
	size_t len;
};

/**
 * What the raw scan of a message head finds. Every span points into the scanned buffer and
 * is valid as long as it is. Header names are matched case-insensitively, compact forms
 * included (v, f, t, i, l); folded lines belong to the header above them. Of a header that
 * repeats, the first occurrence is described.
 */
struct danecid_sip_head {
	size_t start;    /**< CR/LF bytes before the start line (RFC 3261 §7.5), skipped */
	size_t head_len; /**< bytes from the buffer start through the blank line (or all) */
	bool complete;   /**< the blank line that ends the head was seen */
	bool response;   /**< the start line is a status line ("SIP/...") */
	bool replyable;  /**< danecid_sip_reply() can answer it: not a response, no NUL in
	                      the head, and a Via, From, To, Call-ID and CSeq header found */
	struct danecid_span method;      /**< request-line method (when the line is well formed) */
	struct danecid_span ruri;        /**< request-line Request-URI (idem) */
	struct danecid_span branch;      /**< branch parameter of the top Via value */
	struct danecid_span from_uri;    /**< From URI, without angle brackets */
	struct danecid_span from_tag;    /**< From tag */
	struct danecid_span to_tag;      /**< To tag */
	struct danecid_span call_id;     /**< Call-ID value, trimmed */
	struct danecid_span cseq_num;    /**< CSeq sequence number (digits) */
	struct danecid_span cseq_method; /**< CSeq method */
	bool has_content_length;         /**< a valid Content-Length ("l") was found */
	size_t content_length;           /**< its value */
};

/**
 * Scan the head of a SIP request as on the wire.
 * Checks: at most DANECID_SIP_MSG_MAX bytes; no NUL in the head; the blank line ending the
 * head present; a request line "METHOD SP URI SP SIP/2.0" (method a token, URI with a scheme);
 * every header line "name: value" (name a token); at least one Via; exactly one From, To,
 * Call-ID and CSeq; CSeq "number method" with number < 2^31 and the method of the request
 * line; at most one Content-Length, all digits, not longer than the body that follows.
 * out is filled in any case with what was found (see replyable).
 * @param p,len the message; need not be NUL-terminated.
 * @param errbuf receives a human-readable message on error (may be NULL).
 * @return DANECID_OK for a well-formed request; DANECID_ERR_NOT_SIP (a response, garbage,
 *         a malformed line), DANECID_ERR_MISSING_HEADER, DANECID_ERR_DUP_HEADER,
 *         DANECID_ERR_TOO_LONG, DANECID_ERR_INVAL (NULL arguments).
 */
int danecid_sip_head_scan(const char *p, size_t len, struct danecid_sip_head *out, char *errbuf,
                          size_t errlen);

/**
 * The reason phrase of a response code: 200 OK, 302 Moved Temporarily, 400 Bad Request,
 * 403 Stale Date, 405 Method Not Allowed, 428 Use Identity Header, 436 Bad Identity Info,
 * 437 Unsupported Credential, 438 Invalid Identity Header, 503 Service Unavailable, and a few
 * more (100, 404, 408, 481, 487, 500, 513).
 * @return a static string, or NULL for a code not in the table.
 */
const char *danecid_sip_phrase(int code);

/**
 * Build a response to the request [p, p + len):
 *   "SIP/2.0 <code> <phrase>", then copied from the request — every Via header line in order
 *   (compact "v:" and comma-separated values as they are), the first From, To, Call-ID and
 *   CSeq, folded lines included — then the extra header lines, then "Content-Length: 0" and
 *   the blank line. Every line ends with CRLF (a request with bare LF gets CRLF back).
 * When the request's To carries no tag, ";tag=<16 hex digits>" is appended to it. The tag is
 * the 64-bit FNV-1a hash of Call-ID, From tag and top Via branch (each followed by a zero
 * byte): stable, so a retransmission of the request gets byte-identical responses, and
 * distinct per transaction.
 * @param code a code danecid_sip_phrase() knows.
 * @param extra header lines without line end ("Contact: <sip:a@b>"); each must be non-empty
 *        and hold no CR, LF or NUL. May be NULL when n_extra is 0.
 * @param out receives the response (malloc'd, also NUL-terminated); caller frees with free().
 * @param out_len receives its length without the terminating NUL.
 * @return DANECID_OK; DANECID_ERR_NOT_SIP when the request is not replyable (see
 *         danecid_sip_head); DANECID_ERR_INVAL for an unknown code or a bad extra line;
 *         DANECID_ERR_TOO_LONG; DANECID_ERR_NOMEM.
 */
int danecid_sip_reply(const char *p, size_t len, int code, const char *const *extra, size_t n_extra,
                      char **out, size_t *out_len);

/**
 * The transaction key of a scanned request: top Via branch, Call-ID, CSeq number, CSeq
 * method and From tag, each as "<length>:<bytes>" (unambiguous; absent parts are empty).
 * An ACK or CANCEL has a key of its own (its CSeq method differs from the INVITE's).
 * @param h a head filled by danecid_sip_head_scan() (its buffer still valid).
 * @param out receives the key (malloc'd, NUL-terminated; it may hold other NULs when the
 *        request did — use *out_len); caller frees with free().
 * @return DANECID_OK, DANECID_ERR_INVAL, DANECID_ERR_NOMEM.
 */
int danecid_sip_txkey(const struct danecid_sip_head *h, char **out, size_t *out_len);

/**
 * Find where the first message of a byte stream (SIP over TCP) ends: the head up to its blank
 * line, then Content-Length ("l") bytes of body (none when the header is absent).
 * Leading CR/LF bytes (keep-alives) belong to the message; callers usually drain them first.
 * @param p,len the bytes received so far.
 * @param max the largest message accepted (at most DANECID_SIP_MSG_MAX is sensible).
 * @param msg_len receives the length of the first message once its head is complete (it
 *        may exceed len: the body is still arriving), or 0 while the head is incomplete.
 * @return DANECID_OK; DANECID_ERR_TOO_LONG when the message is or will be longer than max;
 *         DANECID_ERR_MALFORMED for a start line without "SIP/", a Content-Length that
 *         repeats or is not a number, or a NUL byte in the head; DANECID_ERR_INVAL.
 */
int danecid_sip_frame(const char *p, size_t len, size_t max, size_t *msg_len);

#endif
