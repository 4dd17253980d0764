/* daemon — the state of danecidd shared by its front-ends: the event loop, the current
 * configuration and verification contexts, the worker pool, deadlines and metrics. */
#ifndef DANECIDD_DAEMON_H
#define DANECIDD_DAEMON_H

#include <stddef.h>
#include <time.h>

#include <event2/event.h>

#include <danecid/danecid.h>

#include "metrics.h"

struct dd;
struct dd_job;

/**
 * Called in the event-loop thread exactly once per job that was not cancelled:
 * with the verifier's verdict, or — when the deadline passes first — with
 * No-TN-Validation / dns-unavailable. The verdict is only valid during the call.
 * @param err DANECID_OK, or the library's error when the input could not be
 *        verified at all (e.g. DANECID_ERR_NOT_SIP: not a SIP request); the
 *        verdict then says No-TN-Validation and a front-end answers 400.
 */
typedef void (*dd_done_fn)(const struct danecid_verdict *v, int err, void *arg);

/**
 * Verify a SIP request (copied) on a worker thread.
 * @return a handle for dd_job_cancel(), or NULL when the request is refused
 *         (queue full, out of memory): done will then never be called and the
 *         front-end answers at once (fail closed).
 */
struct dd_job *dd_submit_sip(struct dd *d, enum dd_frontend fe, const char *msg, size_t len,
                             dd_done_fn done, void *arg);

/** Verify a call given by its parts (all strings copied); as dd_submit_sip(). */
struct dd_job *dd_submit_request(struct dd *d, enum dd_frontend fe,
                                 const struct danecid_request *rq, dd_done_fn done, void *arg);

/** The requester has gone (connection closed): done will not be called. Loop thread only. */
void dd_job_cancel(struct dd_job *job);

/** The event base every front-end registers with. */
struct event_base *dd_base(struct dd *d);

/** The configuration in force (replaced by a reload; do not keep the pointer across events). */
const struct danecid_config *dd_config(struct dd *d);

/** Metrics of this daemon (loop thread only). */
struct dd_metrics *dd_metrics(struct dd *d);
/** The metrics with the caches' counters read now (the replay, x5u and DNS caches are shared
 *  by the workers and read under their locks: for /metrics, not for every call). */
struct dd_metrics *dd_metrics_snapshot(struct dd *d);

/** Verifications submitted and not yet answered. */
size_t dd_inflight(struct dd *d);

#endif
