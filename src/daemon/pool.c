/* pool — n threads, each an event loop woken through a pipe to start the jobs queued for it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "pool.h"

struct node {
	struct node *next;
	void *job;
};

struct worker {
	struct dd_pool *pool;
	unsigned index;
	pthread_t thread;
	bool started;
	struct event_base *base;
	struct event *wake_ev;
	int wake_rd, wake_wr;
	pthread_mutex_t lock;
	struct node *head, *tail;
	size_t queued;
	bool stopping;
};

struct dd_pool {
	struct worker *workers;
	unsigned n;
	unsigned next; /* round robin; pushed from one thread only */
	size_t queue_max;
	dd_start_fn start;
	dd_stop_fn stop;
	dd_discard_fn discard;
	void *arg;
};

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct dd_pool *p = w->pool;
	char buf[64];
	struct node *list;
	bool stopping;

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0) {
	}
	pthread_mutex_lock(&w->lock);
	list = w->head;
	w->head = w->tail = NULL;
	w->queued = 0;
	stopping = w->stopping;
	pthread_mutex_unlock(&w->lock);
	while (list != NULL) {
		struct node *next = list->next;

		if (stopping) {
			p->discard(list->job, p->arg);
		} else {
			p->start(list->job, w->index, w->base, p->arg);
		}
		free(list);
		list = next;
	}
	if (stopping) {
		p->stop(w->index, p->arg);
		event_base_loopbreak(w->base);
	}
}

static void *run(void *arg)
{
	struct worker *w = arg;

	event_base_dispatch(w->base);
	return NULL;
}

static void wake(struct worker *w)
{
	ssize_t n;

	do {
		n = write(w->wake_wr, "", 1);
	} while (n < 0 && errno == EINTR);
	/* EAGAIN: the pipe is full, so the worker is woken already */
}

static void worker_clear(struct worker *w)
{
	if (w->wake_ev != NULL) {
		event_free(w->wake_ev);
	}
	if (w->base != NULL) {
		event_base_free(w->base);
	}
	if (w->wake_rd >= 0) {
		close(w->wake_rd);
	}
	if (w->wake_wr >= 0) {
		close(w->wake_wr);
	}
	pthread_mutex_destroy(&w->lock);
}

int dd_pool_new(unsigned n, size_t queue_max, dd_start_fn start, dd_stop_fn stop,
                dd_discard_fn discard, void *arg, struct dd_pool **out)
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
	p->n = n;
	p->queue_max = queue_max;
	p->start = start;
	p->stop = stop;
	p->discard = discard;
	p->arg = arg;
	for (unsigned i = 0; i < n; i++) {
		p->workers[i].wake_rd = p->workers[i].wake_wr = -1;
		pthread_mutex_init(&p->workers[i].lock, NULL);
	}
	for (unsigned i = 0; i < n; i++) {
		struct worker *w = &p->workers[i];
		int fds[2];

		w->pool = p;
		w->index = i;
		w->base = event_base_new();
		if (w->base == NULL || pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
			goto fail;
		}
		w->wake_rd = fds[0];
		w->wake_wr = fds[1];
		w->wake_ev = event_new(w->base, w->wake_rd, EV_READ | EV_PERSIST, on_wake, w);
		if (w->wake_ev == NULL || event_add(w->wake_ev, NULL) != 0 ||
		    pthread_create(&w->thread, NULL, run, w) != 0) {
			goto fail;
		}
		w->started = true;
	}
	*out = p;
	return 0;
fail:
	dd_pool_free(p);
	return -1;
}

int dd_pool_push(struct dd_pool *p, void *job)
{
	struct worker *w = &p->workers[p->next++ % p->n];
	struct node *node = malloc(sizeof(*node));

	if (node == NULL) {
		return -1;
	}
	node->next = NULL;
	node->job = job;
	pthread_mutex_lock(&w->lock);
	if (w->stopping || w->queued >= p->queue_max) {
		pthread_mutex_unlock(&w->lock);
		free(node);
		return -1;
	}
	if (w->tail != NULL) {
		w->tail->next = node;
	} else {
		w->head = node;
	}
	w->tail = node;
	w->queued++;
	pthread_mutex_unlock(&w->lock);
	wake(w);
	return 0;
}

size_t dd_pool_queued(struct dd_pool *p)
{
	size_t n = 0;

	for (unsigned i = 0; i < p->n; i++) {
		pthread_mutex_lock(&p->workers[i].lock);
		n += p->workers[i].queued;
		pthread_mutex_unlock(&p->workers[i].lock);
	}
	return n;
}

void dd_pool_free(struct dd_pool *p)
{
	if (p == NULL) {
		return;
	}
	for (unsigned i = 0; i < p->n; i++) {
		struct worker *w = &p->workers[i];

		pthread_mutex_lock(&w->lock);
		w->stopping = true;
		pthread_mutex_unlock(&w->lock);
		if (w->started) {
			wake(w);
		}
	}
	for (unsigned i = 0; i < p->n; i++) {
		struct worker *w = &p->workers[i];
		struct node *node;

		if (w->started) {
			pthread_join(w->thread, NULL);
		}
		node = w->head; /* pushed after the worker's last look */
		while (node != NULL) {
			struct node *next = node->next;

			p->discard(node->job, p->arg);
			free(node);
			node = next;
		}
		worker_clear(w);
	}
	free(p->workers);
	free(p);
}
