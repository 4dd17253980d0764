/* metrics — counters, gauges and a latency histogram, rendered as Prometheus text. Used from
 * the event-loop thread only. */
#ifndef DANECIDD_METRICS_H
#define DANECIDD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <danecid/danecid.h>

/** Where a request came in. */
enum dd_frontend { DD_FE_SIP = 0, DD_FE_HTTP, DD_FE_COUNT };

struct dd_metrics;

/** @return a zeroed set, or NULL when out of memory. Free with dd_metrics_free(). */
struct dd_metrics *dd_metrics_new(void);

/** NULL is allowed. */
void dd_metrics_free(struct dd_metrics *m);

/** A request arrived at a front-end (before any parsing). */
void dd_metrics_request(struct dd_metrics *m, enum dd_frontend fe);

/** A request was refused before verification (malformed, unsupported, overload). */
void dd_metrics_rejected(struct dd_metrics *m, enum dd_frontend fe);

/**
 * A verification ended.
 * @param seconds time from submission to the verdict.
 * @param deadline true when the deadline answered before the verifier did.
 */
void dd_metrics_verdict(struct dd_metrics *m, enum dd_frontend fe, const struct danecid_verdict *v,
                        double seconds, bool deadline);

/** DNS questions asked (added to a counter). */
void dd_metrics_dns_questions(struct dd_metrics *m, uint64_t n);

/** Gauges: verifications in flight, replay cache entries. */
void dd_metrics_set_inflight(struct dd_metrics *m, uint64_t n);
void dd_metrics_set_replay_entries(struct dd_metrics *m, uint64_t n);

/** The x5u certificate cache's counters (a snapshot). */
void dd_metrics_set_x5u(struct dd_metrics *m, const struct danecid_x5u_stats *s);

/** The DNS answer cache's and key cache's counters (a snapshot). */
void dd_metrics_set_dns_cache(struct dd_metrics *m, const struct danecid_dns_cache_stats *s);

/** A configuration reload was tried. */
void dd_metrics_reload(struct dd_metrics *m, bool ok);

/**
 * Render every metric in the Prometheus text exposition format (version 0.0.4).
 * @return a NUL-terminated string the caller frees with free(), or NULL (no memory).
 */
char *dd_metrics_render(const struct dd_metrics *m);

#endif
