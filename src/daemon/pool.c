/* pool — a fixed set of threads and a FIFO of jobs under one mutex. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "pool.h"

struct node {
	struct node *next;
	void *job;
};

struct worker {
	struct dd_pool *pool;
	pthread_t thread;
	unsigned index;
	bool started;
};

struct dd_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct node *head, *tail;
	size_t queued, queue_max;
	bool stopping;
	dd_work_fn work;
	dd_discard_fn discard;
	void *arg;
	struct worker *workers;
	unsigned n;
};

static void *run(void *p)
{
	struct worker *w = p;
	struct dd_pool *pool = w->pool;

	for (;;) {
		struct node *node;

		pthread_mutex_lock(&pool->lock);
		while (pool->head == NULL && !pool->stopping) {
			pthread_cond_wait(&pool->cond, &pool->lock);
		}
		if (pool->stopping) {
			pthread_mutex_unlock(&pool->lock);
			return NULL;
		}
		node = pool->head;
		pool->head = node->next;
		if (pool->head == NULL) {
			pool->tail = NULL;
		}
		pool->queued--;
		pthread_mutex_unlock(&pool->lock);
		pool->work(node->job, w->index, pool->arg);
		free(node);
	}
}

int dd_pool_new(unsigned n, size_t queue_max, dd_work_fn work, dd_discard_fn discard, void *arg,
                struct dd_pool **out)
{
	struct dd_pool *p = NULL;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return -1;
	}
	p->workers = calloc(n, sizeof(*p->workers));
	if (p->workers == NULL) {
		free(p);
		return -1;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->queue_max = queue_max;
	p->work = work;
	p->discard = discard;
	p->arg = arg;
	p->n = n;
	for (unsigned i = 0; i < n; i++) {
		p->workers[i].pool = p;
		p->workers[i].index = i;
		if (pthread_create(&p->workers[i].thread, NULL, run, &p->workers[i]) != 0) {
			dd_pool_free(p);
			return -1;
		}
		p->workers[i].started = true;
	}
	*out = p;
	return 0;
}

int dd_pool_push(struct dd_pool *p, void *job)
{
	struct node *node = malloc(sizeof(*node));

	if (node == NULL) {
		return -1;
	}
	node->next = NULL;
	node->job = job;
	pthread_mutex_lock(&p->lock);
	if (p->stopping || p->queued >= p->queue_max) {
		pthread_mutex_unlock(&p->lock);
		free(node);
		return -1;
	}
	if (p->tail != NULL) {
		p->tail->next = node;
	} else {
		p->head = node;
	}
	p->tail = node;
	p->queued++;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

size_t dd_pool_queued(struct dd_pool *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->queued;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void dd_pool_free(struct dd_pool *p)
{
	struct node *node;

	if (p == NULL) {
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	node = p->head;
	p->head = p->tail = NULL;
	p->queued = 0;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	while (node != NULL) {
		struct node *next = node->next;

		if (p->discard != NULL) {
			p->discard(node->job, p->arg);
		}
		free(node);
		node = next;
	}
	for (unsigned i = 0; i < p->n; i++) {
		if (p->workers[i].started) {
			pthread_join(p->workers[i].thread, NULL);
		}
	}
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p->workers);
	free(p);
}
