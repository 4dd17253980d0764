/* certcache — x5u documents fetched once and shared: parsed chains kept until the HTTP cache
 * headers or the earliest notAfter say otherwise, failures kept briefly, and concurrent
 * requests for one URL served by one fetch (RFC 8226 method). */
#ifndef DANECID_CERTCACHE_H
#define DANECID_CERTCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <danecid/danecid.h>

#include "fetch.h"
#include "x509.h"

struct event_base;

/** The cache's settings. Strings are copied. */
struct danecid_certcache_opts {
	struct danecid_fetch_opts fetch;
	size_t max_entries;    /**< 0: 1024 */
	unsigned default_ttl;  /**< seconds a document without cache headers is kept */
	unsigned max_ttl;      /**< the most any document is kept */
	unsigned negative_ttl; /**< seconds a failed fetch is remembered */
	unsigned max_fetches;  /**< fetches in flight at once (0: 32); more fail at once */
};

/** What the cache has for one URL. */
struct danecid_cert_answer {
	danecid_certchain *chain; /**< one reference, NULL on failure */
	char err[240];            /**< why there is no chain */
	bool cached;              /**< answered from memory (no fetch of its own) */
	uint64_t bytes;           /**< of the fetch that made it (0 when cached) */
	unsigned connects;
};

/** Drop the chain reference and reset. */
void danecid_cert_answer_clear(struct danecid_cert_answer *a);

typedef struct danecid_certcache danecid_certcache;

int danecid_certcache_new(const struct danecid_certcache_opts *opts, danecid_certcache **out);
danecid_certcache *danecid_certcache_ref(danecid_certcache *cc);
void danecid_certcache_free(danecid_certcache *cc);

/** Whether the cache was made with these settings (a reloaded configuration may share it). */
bool danecid_certcache_same(const danecid_certcache *cc, const struct danecid_certcache_opts *o);

/**
 * The chain for url at time now, fetched in this thread when not cached (blocking, bounded
 * by the fetch time limit).
 * @return DANECID_OK (out filled: a chain or err) or DANECID_ERR_NOMEM.
 */
int danecid_certcache_get(danecid_certcache *cc, const char *url, time_t now,
                          struct danecid_cert_answer *out);

/** Where the answers of asynchronous requests are delivered: one event loop. */
typedef struct danecid_certmbox danecid_certmbox;

/** Called in the mailbox's event loop; the callee owns *a (danecid_cert_answer_clear()). */
typedef void (*danecid_cert_cb)(struct danecid_cert_answer *a, void *arg);

int danecid_certmbox_new(danecid_certcache *cc, struct event_base *base, danecid_certmbox **out);

/** Requests still waiting are answered at once (a failure), then the mailbox is freed. */
void danecid_certmbox_free(danecid_certmbox *mb);

/**
 * The chain for url, without blocking: from memory at once (returns 1, out filled), or
 * later through cb in the mailbox's loop (returns 0). A fetch already under way for url is
 * joined, whichever thread started it.
 * @return 1, 0, or DANECID_ERR_NOMEM.
 */
int danecid_certcache_get_async(danecid_certmbox *mb, const char *url, time_t now,
                                struct danecid_cert_answer *out, danecid_cert_cb cb, void *arg);

/** Counters for /metrics (struct danecid_x5u_stats of the public header). */
void danecid_certcache_stats(danecid_certcache *cc, struct danecid_x5u_stats *out);

#endif
