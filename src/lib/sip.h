/* sip — the facts verification needs, extracted from one SIP request. The only file that
 * includes libosip2. */
#ifndef DANECID_SIP_H
#define DANECID_SIP_H

#include <stdbool.h>
#include <stddef.h>

/** Most Identity / P-Asserted-Identity headers kept from one request. */
#define DANECID_SIP_MAX_IDENTITY 8
#define DANECID_SIP_MAX_PAI      8
/** Most History-Info / Diversion entries kept from one request (each). */
#define DANECID_SIP_MAX_RETARGET 16

/** One Identity header value (RFC 8224 §4.1), split into its parts. All strings NUL-terminated,
 *  owned by the enclosing request. */
struct danecid_identity {
	char *raw; /**< the whole header value as received (trimmed) */
	char *jws; /**< the compact JWS (before the first ';'), may be "" */
	size_t jws_len;
	char *info; /**< "info" parameter without angle brackets, or NULL */
	char *alg;  /**< "alg" parameter, or NULL */
	char *ppt;  /**< "ppt" parameter without quotes, or NULL */
};

/** What a request says. Strings are NUL-terminated and owned by the struct. URIs are in
 *  their text form ("sip:+1202...@host;user=phone", "tel:+1..."), without angle brackets. */
struct danecid_sip_req {
	char *method;                   /**< "INVITE", ... */
	char *ruri;                     /**< Request-URI */
	char *from_uri;                 /**< From URI */
	char *to_uri;                   /**< To URI */
	char *from_tag;                 /**< From tag or NULL */
	char *call_id;                  /**< Call-ID value */
	char *date;                     /**< Date header value or NULL */
	char *pai[DANECID_SIP_MAX_PAI]; /**< P-Asserted-Identity URIs, in order */
	size_t n_pai;
	struct danecid_identity identity[DANECID_SIP_MAX_IDENTITY]; /**< in order */
	size_t n_identity;
	/** Privacy (RFC 3323): the priv-values of every Privacy header, in order, joined with ";"
	 *  ("id", "header;id"); white space around them and empty ones dropped, ',' taken as a
	 *  separator too. "" when the header is there without values, NULL when absent. */
	char *privacy;
	/** History-Info (RFC 7044) entry URIs, in order over all headers and comma-separated
	 *  entries, without the URI's "?headers" part. Entries whose URI does not parse are
	 *  skipped. */
	char *hist_info[DANECID_SIP_MAX_RETARGET];
	size_t n_hist_info;
	/** Diversion (RFC 5806) entry URIs, in the same form and under the same rules. */
	char *diversion[DANECID_SIP_MAX_RETARGET];
	size_t n_diversion;
};

/** Call once per process before danecid_sip_parse() (idempotent, thread-safe). */
void danecid_sip_init(void);

/**
 * Parse a SIP request as on the wire and extract what verification needs.
 * Checks on top of the parser: it is a request (not a response); exactly one
 * From, To, Call-ID (and CSeq); no NUL byte in the message head; the
 * Request-URI, From and To URIs are present and parse. History-Info, Diversion and Privacy
 * are informational: what of them cannot be parsed is skipped, never an error.
 * @param p,len the message; need not be NUL-terminated.
 * @param out receives the request on success; free with danecid_sip_req_free().
 * @param errbuf receives a human-readable message on error.
 * @return DANECID_OK; DANECID_ERR_NOT_SIP (unparseable / a response / not SIP),
 *         DANECID_ERR_MISSING_HEADER, DANECID_ERR_DUP_HEADER, DANECID_ERR_TOO_LONG,
 *         DANECID_ERR_NOMEM.
 */
int danecid_sip_parse(const char *p, size_t len, struct danecid_sip_req **out, char *errbuf,
                      size_t errlen);

/** Free a request. NULL is allowed. */
void danecid_sip_req_free(struct danecid_sip_req *req);

/**
 * Split one Identity header value into JWS and parameters. Parameter names are
 * case-insensitive; "info" may be in angle brackets; unknown parameters are ignored.
 * @param out filled with newly allocated strings; free with danecid_identity_clear().
 * @return DANECID_OK, DANECID_ERR_MALFORMED, DANECID_ERR_NOMEM.
 */
int danecid_identity_parse(const char *p, size_t len, struct danecid_identity *out);

/** Free the strings of one identity and zero it. */
void danecid_identity_clear(struct danecid_identity *id);

#endif
