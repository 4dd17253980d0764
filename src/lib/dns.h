/* dns — DNSSEC-validated lookups of TLSA and TXT records with getdns (the only file that
 * includes getdns). Every answer is distrusted until its validation status is read. */
#ifndef DANECID_DNS_H
#define DANECID_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <danecid/danecid.h>

/** RR types used here. */
#define DANECID_RR_TXT  16
#define DANECID_RR_DS   43
#define DANECID_RR_TLSA 52

/** Most records kept from one answer; more are ignored (and said in the detail). */
#define DANECID_RRSET_MAX 16

/** What an answer says about the name. */
enum danecid_dns_kind {
	DANECID_DNS_FAIL = 0, /**< no usable answer: timeout, SERVFAIL, REFUSED, garbage */
	DANECID_DNS_DATA,     /**< records of the type exist at the name */
	DANECID_DNS_NODATA,   /**< the name exists, no records of the type */
	DANECID_DNS_NXDOMAIN, /**< the name does not exist */
};

/** One record's RDATA in wire form. */
struct danecid_rdata {
	uint8_t *data;
	size_t len;
};

/** An RRset answer with its DNSSEC outcome. Owns its records. */
struct danecid_rrset {
	enum danecid_dnssec sec; /**< SECURE, BOGUS, INSECURE or INDETERMINATE */
	enum danecid_dns_kind kind;
	bool wildcard;      /**< synthesized from a wildcard (RRSIG labels < owner labels) */
	uint32_t ttl;       /**< smallest TTL of the answer (0 when none) */
	int64_t sig_expire; /**< earliest RRSIG expiration in the answer, 0 when none */
	struct danecid_rdata rr[DANECID_RRSET_MAX];
	size_t n;
};

/** A DNS client bound to one upstream and one set of trust anchors. Not thread-safe. */
typedef struct danecid_dns danecid_dns;

struct event_base;
struct danecid_dnscache;

/** How to build a client. */
struct danecid_dns_opts {
	const char *upstream;           /**< "IP[@PORT]", IPv4 or IPv6 */
	const char *anchor_file;        /**< DS/DNSKEY records in presentation format */
	unsigned timeout_ms;            /**< per question */
	struct danecid_dnscache *cache; /**< shared answer cache (a reference is taken); NULL:
	                                 *  the client makes its own */
};

/**
 * Create a stub-mode validating client. Zero-config root anchors are switched
 * off: only the anchors of the file are trusted.
 * @param out receives the client; free with danecid_dns_free().
 * @return DANECID_OK, DANECID_ERR_CONFIG (bad upstream), DANECID_ERR_IO (anchor file),
 *         DANECID_ERR_DNS (getdns refused a setting), DANECID_ERR_NOMEM.
 */
int danecid_dns_new(const struct danecid_dns_opts *opts, danecid_dns **out, char *errbuf,
                    size_t errlen);

/** Free a client. NULL is allowed. */
void danecid_dns_free(danecid_dns *dns);

/**
 * Look up one RRset and validate it. A BOGUS verdict from getdns is re-examined
 * for a provably insecure delegation between the anchor and the name (getdns 1.6
 * reports answers below an unsigned child as BOGUS): only a validated NSEC/NSEC3
 * denial of DS at a delegation (NS set, DS and SOA absent) turns it into INSECURE.
 * Only for a client not attached to an event base.
 * @param out filled on DANECID_OK (kind FAIL included); clear with danecid_rrset_clear().
 * @return DANECID_OK, DANECID_ERR_INVAL (bad name, or attached), DANECID_ERR_NOMEM.
 */
int danecid_dns_query(danecid_dns *dns, const char *name, uint16_t type, struct danecid_rrset *out);

/**
 * What a lookup delivers. rs is filled on DANECID_OK (kind FAIL included) and belongs to the
 * callback: move it or clear it with danecid_rrset_clear(). On an error rs is empty.
 */
typedef void (*danecid_dns_cb)(int err, struct danecid_rrset *rs, void *arg);

/**
 * Drive the client's lookups from a libevent base: from now on danecid_dns_lookup() returns
 * at once and the callback runs in that base's loop. Use the client only in that thread.
 * @return DANECID_OK, DANECID_ERR_INVAL (already attached), DANECID_ERR_DNS.
 */
int danecid_dns_attach(danecid_dns *dns, struct event_base *base);

/**
 * Look up one RRset as danecid_dns_query() does, delivering it to cb: before returning when
 * the client is not attached to an event base or the answer is cached, later in the loop
 * otherwise. A lookup for a name and type already under way in this client joins it. Freeing
 * the client delivers pending lookups as kind FAIL.
 * @return DANECID_OK (cb will run exactly once), DANECID_ERR_INVAL, DANECID_ERR_NOMEM
 *         (cb will not run).
 */
int danecid_dns_lookup(danecid_dns *dns, const char *name, uint16_t type, danecid_dns_cb cb,
                       void *arg);

/** Number of DNS questions sent by this client so far (including DNSSEC chain queries
 *  done by getdns is not counted: only the questions danecid asks). */
uint64_t danecid_dns_questions(const danecid_dns *dns);

/** The client's answer cache (shared with the clients made with the same cache). */
struct danecid_dnscache *danecid_dns_cache(danecid_dns *dns);

/** Whether two clients trust the same anchors (answers validated by one hold for the other). */
bool danecid_dns_same_anchors(const danecid_dns *a, const danecid_dns *b);

/** Free the records of an rrset and zero it. */
void danecid_rrset_clear(struct danecid_rrset *rs);

/**
 * Parse the RDATA of a TXT record (length-prefixed character-strings) into one
 * concatenated string.
 * @param out buffer of outlen bytes, NUL-terminated on success.
 * @return DANECID_OK, DANECID_ERR_MALFORMED, DANECID_ERR_TOO_LONG.
 */
int danecid_txt_rdata(const uint8_t *p, size_t len, char *out, size_t outlen);

#endif
