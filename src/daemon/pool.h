/* pool — worker threads, each running its own event loop; jobs are handed to them in turn. */
#ifndef DANECIDD_POOL_H
#define DANECIDD_POOL_H

#include <stddef.h>

struct event_base;
struct dd_pool;

/** Starts a job in worker thread number worker (0 .. n-1), inside that worker's loop (base).
 *  The job may go on asynchronously on that base. */
typedef void (*dd_start_fn)(void *job, unsigned worker, struct event_base *base, void *arg);

/** Runs in each worker thread, in its loop, when the pool stops: free what the worker owns
 *  (jobs still in flight must be finished by it). */
typedef void (*dd_stop_fn)(unsigned worker, void *arg);

/** Called (in the freeing thread) for each job still queued when the pool is freed. */
typedef void (*dd_discard_fn)(void *job, void *arg);

/**
 * Start n threads, each with an event base.
 * @param queue_max jobs that may wait for one worker; dd_pool_push() refuses beyond it.
 * @return 0 or -1 (threads, bases or memory could not be had).
 */
int dd_pool_new(unsigned n, size_t queue_max, dd_start_fn start, dd_stop_fn stop,
                dd_discard_fn discard, void *arg, struct dd_pool **out);

/** Hand a job to the next worker in turn. @return 0, or -1 (queue full, stopping). */
int dd_pool_push(struct dd_pool *p, void *job);

/** Jobs waiting to be started, over all workers. */
size_t dd_pool_queued(struct dd_pool *p);

/** Stop every worker (its stop function runs in its loop), discard what is still queued, join
 *  and free. NULL is allowed. */
void dd_pool_free(struct dd_pool *p);

#endif
