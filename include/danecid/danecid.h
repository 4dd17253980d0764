/* danecid — public API: configuration, verification context and verdicts. */
#ifndef DANECID_DANECID_H
#define DANECID_DANECID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <danecid/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest telephone number (E.164) in digits. */
#define DANECID_TN_MAX 15
/** Most dest numbers carried in a verdict. */
#define DANECID_DEST_MAX 8
/** Most Identity header values evaluated for one call (a SHAKEN PASSporT and the div
 *  PASSporTs of its diversions, an rcd PASSporT ...). */
#define DANECID_IDENTITY_MAX 8

/** 3GPP verstat values (TS 24.229). */
enum danecid_verstat {
	DANECID_VERSTAT_NO_VALIDATION = 0, /**< "No-TN-Validation" */
	DANECID_VERSTAT_PASSED,            /**< "TN-Validation-Passed" */
	DANECID_VERSTAT_FAILED,            /**< "TN-Validation-Failed" */
};

/** Stable reason tokens (SPEC §6). The order is internal; the tokens are the contract. */
enum danecid_reason {
	DANECID_R_OK = 0,
	DANECID_R_SIGNATURE_INVALID,
	DANECID_R_KEY_NOT_AUTHORIZED,
	DANECID_R_ORIG_MISMATCH,
	DANECID_R_DEST_MISMATCH,
	DANECID_R_IDENTITY_MALFORMED,
	DANECID_R_DNSSEC_BOGUS,
	DANECID_R_NUMBER_REVOKED,
	DANECID_R_REPLAY,
	DANECID_R_ATTEST_NOT_ALLOWED,
	DANECID_R_PPT_NOT_ALLOWED,
	DANECID_R_TNAUTH_MISMATCH,
	DANECID_R_CERT_INVALID,
	DANECID_R_STALE,
	DANECID_R_ALG_UNSUPPORTED,
	DANECID_R_X5U_UNAVAILABLE,
	DANECID_R_IDENTITY_REQUIRED,
	DANECID_R_NO_IDENTITY,
	DANECID_R_NOT_A_TN,
	DANECID_R_NUMBER_NOT_REGISTERED,
	DANECID_R_DNSSEC_INSECURE,
	DANECID_R_DNS_UNAVAILABLE,
	DANECID_R_COUNT
};

/** Which method decided a verdict. */
enum danecid_method {
	DANECID_METHOD_NONE = 0,
	DANECID_METHOD_DANE,
	DANECID_METHOD_X509,
};

/** DNSSEC outcome of the lookups behind a verdict. */
enum danecid_dnssec {
	DANECID_DNSSEC_NONE = 0, /**< no DNS lookup was made (JSON null) */
	DANECID_DNSSEC_SECURE,
	DANECID_DNSSEC_BOGUS,
	DANECID_DNSSEC_INSECURE,
	DANECID_DNSSEC_INDETERMINATE,
};

/** How one Identity header fared (JSON "identities"). Plain data. */
struct danecid_identity_verdict {
	enum danecid_verstat verstat;
	int sip_code;
	enum danecid_reason reason;
	char detail[192];
	char ppt[16]; /**< the PASSporT type: "shaken", "div", "rcd", "" for the base type;
	                   for an ignored header the Identity ppt parameter as received */
	bool ignored; /**< an Identity ppt danecid does not know: not evaluated (RFC 8224 §4) */
	bool compact; /**< compact form (claims rebuilt from the request) */
	char
	    signer[DANECID_TN_MAX + 1]; /**< whose keys decide: orig, or div.tn of a div PASSporT */
	char div[DANECID_TN_MAX + 1];   /**< div PASSporT: the diverting number */
	char prefix[DANECID_TN_MAX + 1]; /**< digits of the deciding node, "" if none */
	enum danecid_method method;      /**< which method judged it (none: not reached) */
	enum danecid_dnssec dnssec;
	char attest;  /**< 'A', 'B', 'C' or 0 */
	char rcd[96]; /**< Rich Call Data: "" none, "verified", or "invalid: <why>" */
};

/** The outcome of one verification. Plain data, no pointers: copy freely. */
struct danecid_verdict {
	enum danecid_verstat verstat;
	int sip_code;                  /**< RFC 8224 response code, 0 when none applies */
	enum danecid_reason reason;    /**< stable token via danecid_reason_token() */
	char detail[256];              /**< human-readable explanation */
	char orig[DANECID_TN_MAX + 1]; /**< canonical calling TN, "" if none */
	char dest[DANECID_DEST_MAX][DANECID_TN_MAX + 1]; /**< called TNs */
	size_t n_dest;
	char attest; /**< 'A', 'B', 'C' or 0 (none) */
	enum danecid_method method;
	enum danecid_dnssec dnssec;
	char prefix[DANECID_TN_MAX + 1]; /**< digits of the deciding node, "" if none */
	/** every Identity header of the request, in order, each with its own outcome */
	struct danecid_identity_verdict identities[DANECID_IDENTITY_MAX];
	size_t n_identities;
	/** the numbers whose PASSporTs verified for a passed call: the caller, then each
	 *  diverting number of the chain (RFC 8946) */
	char verified[DANECID_IDENTITY_MAX][DANECID_TN_MAX + 1];
	size_t n_verified;
	/** verified Rich Call Data (RFC 9795) of a passed call: a JSON object text, "" if none */
	char rcd[2048];
	/** something an operator should fix, e.g. a malformed policy record; "" if none */
	char warning[192];
};

/** Methods bit set. */
#define DANECID_METHODS_DANE 0x1u
#define DANECID_METHODS_X509 0x2u

/**
 * Configuration. Fill with danecid_config_init(), then danecid_config_set()
 * for each "key: value"; release with danecid_config_clear().
 */
struct danecid_config {
	char *apex;            /**< apex of the tree, with final dot */
	char *trust_anchor;    /**< file with DS/DNSKEY records */
	char *upstream;        /**< "IP[@PORT]" */
	char *ca_file;         /**< STI-CA roots (x509 method) */
	char *ca_path;         /**< STI-CA roots, an OpenSSL hashed directory (x509 method) */
	char *crl_file;        /**< CRLs (x509 method) */
	char *x5u_tls_ca_file; /**< trust for the HTTPS fetch of x5u */
	char *spc_map;         /**< "SPC=PREFIX[,...]" */
	char *sip_listen;      /**< daemon: "IP@PORT" */
	char *http_listen;     /**< daemon: "IP@PORT" */
	char methods[8];       /**< ordered list, e.g. {DANE, X509, 0} as DANECID_METHODS_* */
	bool x5u_allow_private;
	bool reject_on_fail;
	bool assume_global;         /**< digits without '+' are global numbers */
	unsigned min_prefix;        /**< shortest prefix the walk looks at */
	unsigned freshness;         /**< seconds an iat may be in the past */
	unsigned future_skew;       /**< seconds an iat may be in the future */
	unsigned timeout_ms;        /**< time limit of one DNS question */
	unsigned deadline_ms;       /**< daemon: answer by then whatever happens (default 1500) */
	unsigned workers;           /**< daemon: verification threads (default 8) */
	int log_level;              /**< daemon: syslog priority, 3 err .. 7 debug (default 6) */
	unsigned x5u_timeout_ms;    /**< time limit of one x5u fetch (default 1000) */
	unsigned x5u_max_bytes;     /**< largest x5u document (default 65536) */
	unsigned x5u_cache_ttl;     /**< seconds an x5u document without cache headers is kept
	                                 (default 3600) */
	unsigned x5u_cache_max_ttl; /**< the most any x5u document is kept (default 86400) */
	unsigned x5u_negative_ttl;  /**< seconds a failed x5u fetch is remembered (default 30) */
	unsigned x5u_cache_entries; /**< x5u documents kept at most (default 1024) */
	unsigned dns_cache_entries; /**< validated DNS answers kept at most (default 1048576;
	                                 0: none) */
	unsigned dns_cache_max_ttl; /**< the most any DNS answer is kept, whatever its TTL
	                                 (default 3600; 0: none) */
};

/**
 * Set the defaults (SPEC): methods dane, assume-global yes, min-prefix 1,
 * freshness 60, future-skew 5, timeout 1500 ms, deadline 1500 ms,
 * workers 8, log-level info; upstream stays NULL (the
 * context then asks 127.0.0.1@53).
 */
void danecid_config_init(struct danecid_config *cfg);

/** Free the strings held by cfg and reset it to defaults. */
void danecid_config_clear(struct danecid_config *cfg);

/**
 * Deep-copy a configuration into to (which must not hold strings of its own).
 * @return DANECID_OK or DANECID_ERR_NOMEM (to is then cleared).
 */
int danecid_config_copy(struct danecid_config *to, const struct danecid_config *from);

/**
 * Set one key. Keys are the SPEC §7 configuration keys ("apex",
 * "trust-anchor", "freshness", ...).
 * @param err_out if not NULL, receives a static or cfg-independent message on error
 *        (written into errbuf of errlen bytes).
 * @return DANECID_OK, DANECID_ERR_CONFIG for an unknown key or bad value.
 */
int danecid_config_set(struct danecid_config *cfg, const char *key, const char *value, char *errbuf,
                       size_t errlen);

/**
 * Read a configuration file: "key: value" lines, '#' comments, blank lines.
 * @return DANECID_OK, DANECID_ERR_IO, DANECID_ERR_CONFIG (errbuf says where).
 */
int danecid_config_load(struct danecid_config *cfg, const char *path, char *errbuf, size_t errlen);

/** Verification context: DNS resolver, trust anchor and caches. */
typedef struct danecid_ctx danecid_ctx;

/**
 * Create a context from a configuration (copied; cfg may be cleared after).
 * @param out receives the context; free with danecid_ctx_free().
 * @param errbuf receives a human-readable message on error.
 */
int danecid_ctx_new(const struct danecid_config *cfg, danecid_ctx **out, char *errbuf,
                    size_t errlen);

/**
 * Create a context like danecid_ctx_new() that shares the replay cache of
 * another, so that a PASSporT seen through one is a replay through the other
 * (worker threads, and a configuration reloaded while running). Each context
 * has its own DNS client: use one context per thread. The shared cache lives
 * as long as any context using it.
 * @param share a context whose replay cache to share (not NULL).
 */
int danecid_ctx_new_shared(const struct danecid_config *cfg, danecid_ctx *share, danecid_ctx **out,
                           char *errbuf, size_t errlen);

/** Free a context. NULL is allowed. */
void danecid_ctx_free(danecid_ctx *ctx);

/** DNS questions this context has asked so far. */
uint64_t danecid_ctx_dns_questions(const danecid_ctx *ctx);

/** The x5u certificate cache's counters (x509 method; all zero without it). The cache is
 *  shared by contexts made with danecid_ctx_new_shared() when their x5u settings agree. */
struct danecid_x5u_stats {
	uint64_t hits;          /**< answered from a cached chain */
	uint64_t negative_hits; /**< answered from a cached failure */
	uint64_t fetches;       /**< fetches started */
	uint64_t failures;      /**< fetches that brought no usable chain */
	uint64_t joined;        /**< requests that joined a fetch already under way */
	size_t entries;         /**< documents and failures held */
};

void danecid_ctx_x5u_stats(danecid_ctx *ctx, struct danecid_x5u_stats *out);

/** The DNS answer cache's counters (DANE method; all zero without it). The cache is shared
 *  by contexts made with danecid_ctx_new_shared() when their DNS settings agree. */
struct danecid_dns_cache_stats {
	uint64_t hits;       /**< lookups answered from a cached validated answer */
	uint64_t misses;     /**< lookups that went to DNS */
	uint64_t coalesced;  /**< lookups that joined one already under way for the same name */
	uint64_t fast;       /**< answers validated with the cached zone keys (one signature) */
	uint64_t full;       /**< answers left to the full validator (getdns: the whole chain) */
	uint64_t zone_loads; /**< zone key sets validated against the trust anchor */
	uint64_t inserts;    /**< answers kept */
	uint64_t evictions;  /**< answers dropped to make room */
	uint64_t expired;    /**< answers dropped because their TTL or signature ran out */
	uint64_t sig_checks; /**< DNSSEC signatures checked by the fast validator */
	uint64_t sig_memo;   /**< DNSSEC signatures found already checked */
	uint64_t key_hits;   /**< PASSporT keys found parsed */
	uint64_t key_misses; /**< PASSporT keys parsed (d2i) */
	size_t entries;      /**< answers held */
	size_t bytes;        /**< memory of the answers held, bookkeeping included */
	size_t max_entries;  /**< the bound (dns-cache-entries) */
};

void danecid_ctx_dns_cache_stats(danecid_ctx *ctx, struct danecid_dns_cache_stats *out);

/** PASSporTs held by the context's (possibly shared) replay cache. */
size_t danecid_ctx_replay_entries(const danecid_ctx *ctx);

/**
 * Verify one SIP request as on the wire (a context not attached to an event base).
 * @param now the clock: seconds since the epoch (tests pin it).
 * @param out always filled: on any error it holds a non-passing verdict.
 * @return DANECID_OK when a verdict was reached (whatever it is),
 *         DANECID_ERR_NOT_SIP when the input is not a SIP request
 *         (out then says No-TN-Validation).
 */
int danecid_verify(danecid_ctx *ctx, const char *msg, size_t len, time_t now,
                   struct danecid_verdict *out);

/** A call described by its parts rather than a SIP message (the HTTP interface). */
struct danecid_request {
	const char *orig;            /**< calling TN, '+' and separators allowed */
	const char *const *dest;     /**< called TNs; each must be in the PASSporT dest */
	size_t n_dest;               /**< at most DANECID_DEST_MAX */
	const char *const *identity; /**< Identity header values (full form) */
	size_t n_identity;           /**< at most DANECID_IDENTITY_MAX; 0: unsigned call */
	const char *dialog;          /**< replay dialog; NULL: each request is its own dialog,
	                                  so any PASSporT seen before is a replay */
	bool has_time;               /**< time holds the request's Date (ATIS "time") */
	int64_t time;                /**< seconds since the epoch, checked as a SIP Date header */
};

/**
 * Verify a call given by its parts, with the same rules as danecid_verify().
 * @param out always filled: on any error it holds a non-passing verdict.
 * @return DANECID_OK when a verdict was reached, DANECID_ERR_INVAL for a
 *         request that breaks the limits above.
 */
int danecid_verify_request(danecid_ctx *ctx, const struct danecid_request *rq, time_t now,
                           struct danecid_verdict *out);

struct event_base;

/**
 * Drive the context's DNS lookups from a libevent base: afterwards only the
 * asynchronous calls below may be used with it, from the thread that runs that
 * base. Many verifications may then be in flight on one context.
 * @return DANECID_OK, DANECID_ERR_INVAL (already attached), DANECID_ERR_DNS.
 */
int danecid_ctx_attach(danecid_ctx *ctx, struct event_base *base);

/**
 * Receives the outcome of an asynchronous verification (in the base's loop).
 * @param err as the synchronous call would return it (DANECID_OK, or why the
 *        input is not a request); v is only valid during the call.
 */
typedef void (*danecid_verify_cb)(int err, const struct danecid_verdict *v, void *arg);

/**
 * danecid_verify() without waiting: cb runs exactly once, later in the loop of
 * the base the context is attached to (or before returning, when the context
 * is not attached or no DNS question is needed).
 * @return DANECID_OK (cb will run), DANECID_ERR_INVAL, DANECID_ERR_NOMEM (it will not).
 */
int danecid_verify_async(danecid_ctx *ctx, const char *msg, size_t len, time_t now,
                         danecid_verify_cb cb, void *arg);

/** danecid_verify_request() without waiting, as danecid_verify_async(). Everything rq
 *  points to is copied: it need not outlive the call. */
int danecid_verify_request_async(danecid_ctx *ctx, const struct danecid_request *rq, time_t now,
                                 danecid_verify_cb cb, void *arg);

/** The SPEC token of a reason ("ok", "stale", ...). Never NULL. */
const char *danecid_reason_token(enum danecid_reason reason);

/** The verstat text ("TN-Validation-Passed", ...). Never NULL. */
const char *danecid_verstat_name(enum danecid_verstat verstat);

/**
 * The verdict as one line of JSON (no newline), SPEC §7 fields.
 * @param out receives a NUL-terminated string; caller frees with free().
 */
int danecid_verdict_json(const struct danecid_verdict *v, char **out);

#ifdef __cplusplus
}
#endif
#endif
