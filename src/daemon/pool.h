/* pool — worker threads taking jobs from a bounded queue. */
#ifndef DANECIDD_POOL_H
#define DANECIDD_POOL_H

#include <stddef.h>

struct dd_pool;

/** Runs a job on worker thread number worker (0 .. n-1). */
typedef void (*dd_work_fn)(void *job, unsigned worker, void *arg);

/** Called for each job still queued when the pool is freed. */
typedef void (*dd_discard_fn)(void *job, void *arg);

/**
 * Start n threads.
 * @param queue_max jobs that may wait; dd_pool_push() refuses beyond it.
 * @return 0 or -1 (threads or memory could not be had).
 */
int dd_pool_new(unsigned n, size_t queue_max, dd_work_fn work, dd_discard_fn discard, void *arg,
                struct dd_pool **out);

/** Queue a job. @return 0, or -1 when the queue is full or the pool is stopping. */
int dd_pool_push(struct dd_pool *p, void *job);

/** Jobs waiting (not yet taken by a thread). */
size_t dd_pool_queued(struct dd_pool *p);

/** Stop taking jobs, discard the queued ones, wait for the running ones, join and free.
 *  NULL is allowed. */
void dd_pool_free(struct dd_pool *p);

#endif
