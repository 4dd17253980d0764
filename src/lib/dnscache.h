/* dnscache — validated DNS answers and zone keys, shared by every DNS client of a process
 * (all worker threads of danecidd; a reloaded configuration keeps it when its DNS settings are
 * the same). Thread-safe. Only SECURE answers are kept: data and proven denials. */
#ifndef DANECID_DNSCACHE_H
#define DANECID_DNSCACHE_H

#include <stddef.h>
#include <stdint.h>

#include <danecid/danecid.h>

#include "dns.h"
#include "dnsval.h"

typedef struct danecid_dnscache danecid_dnscache;

/** Limits of a cache. */
struct danecid_dnscache_opts {
	size_t max_entries; /**< answers kept at most; 0: none (zone keys are still kept) */
	uint32_t max_ttl;   /**< seconds an answer is kept at most, whatever its TTL; 0: none */
};

/**
 * @param o NULL: 1048576 answers for at most 3600 s.
 * @return DANECID_OK or DANECID_ERR_NOMEM.
 */
int danecid_dnscache_new(const struct danecid_dnscache_opts *o, danecid_dnscache **out);
danecid_dnscache *danecid_dnscache_ref(danecid_dnscache *c);
/** Drop a reference; the last frees the cache. NULL is allowed. */
void danecid_dnscache_free(danecid_dnscache *c);
/** Whether the cache was made with these limits (a reload may keep it). */
int danecid_dnscache_same(const danecid_dnscache *c, const struct danecid_dnscache_opts *o);

/**
 * A copy of the answer for (name, type) valid at now: kept no longer than its TTL (capped at
 * max_ttl) and never past the earliest expiration of the signatures that proved it. An
 * NXDOMAIN answers every type of its name.
 * @param name normalized (lower case, one final dot).
 * @return 1 (out filled, to clear with danecid_rrset_clear()), 0 (none), or
 *         DANECID_ERR_NOMEM.
 */
int danecid_dnscache_get(danecid_dnscache *c, const char *name, uint16_t type, int64_t now,
                         struct danecid_rrset *out);

/** Keep a SECURE answer got at now (other answers, and answers without a signature
 *  expiration, are ignored). When full, expired answers go first, then those expiring soonest
 *  among a sample. */
void danecid_dnscache_put(danecid_dnscache *c, const char *name, uint16_t type,
                          const struct danecid_rrset *rs, int64_t now);

/** Forget every answer and zone key (the trust anchors changed). */
void danecid_dnscache_flush(danecid_dnscache *c);

/** The validated keys of zone (wire form) if still valid at now: a reference, or NULL. */
danecid_zonekeys *danecid_dnscache_zone_get(danecid_dnscache *c, const uint8_t *zone, size_t zlen,
                                            int64_t now);
/** Keep a zone's keys (replacing those of the same zone). */
void danecid_dnscache_zone_put(danecid_dnscache *c, danecid_zonekeys *zk);

/** The signature memo shared by the clients of this cache. */
danecid_sigmemo *danecid_dnscache_memo(danecid_dnscache *c);

/** Count a lookup answered without the cache: by the fast validator (1) or the full one. */
void danecid_dnscache_count(danecid_dnscache *c, int fast, int coalesced);

/** Statistics (see danecid_dns_cache_stats in danecid.h). */
void danecid_dnscache_stats(danecid_dnscache *c, struct danecid_dns_cache_stats *st);

#endif
