/* certcache — x5u documents fetched once, shared between threads.
 *
 * One lock guards the table. An entry is READY (a chain), FAILED (a failure remembered until
 * its expiry) or FETCHING (a fetch thread is at work; requests that arrive meanwhile wait on
 * it). A fetch runs in a thread of its own with the blocking, bounded danecid_fetch(); when
 * it ends, each waiting request is posted, under the table lock, to its mailbox: a queue and
 * a pipe watched by the requester's event loop. Freeing a mailbox first takes its waiters out
 * of the table (under the same lock), so no answer is ever posted to a freed mailbox.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <danecid/error.h>

#include "certcache.h"

#define BUCKETS         256
#define DEFAULT_ENTRIES 1024
#define DEFAULT_FETCHES 32

enum estate { E_FETCHING = 0, E_READY, E_FAILED };

/* A request waiting for a fetch: first on its entry's list, then on its mailbox's queue
 * (allocated up front, so that an answer never fails to be told). */
struct waiter {
	struct waiter *next;
	danecid_certmbox *mb;
	struct danecid_cert_answer a;
	danecid_cert_cb cb;
	void *arg;
};

struct entry {
	struct entry *next;
	char *url;
	uint32_t hash;
	enum estate state;
	danecid_certchain *chain;
	char err[240];
	time_t expires;
	uint64_t bytes;
	unsigned connects;
	struct waiter *waiters;
};

struct danecid_certcache {
	atomic_uint refs;
	struct danecid_certcache_opts o;
	char *tls_ca_file; /* owned copy behind o.fetch.tls_ca_file */
	pthread_mutex_t lock;
	struct entry *b[BUCKETS];
	size_t n;
	unsigned inflight;
	struct danecid_x5u_stats st;
};

struct danecid_certmbox {
	danecid_certcache *cc;
	struct event *ev; /* added only while requests wait: an idle loop may end */
	unsigned pending; /* requests of this mailbox not answered yet (its own thread only) */
	int rd, wr;
	pthread_mutex_t lock;
	struct waiter *head, *tail;
};

struct fetchjob {
	danecid_certcache *cc;
	char *url;
	time_t now;
};

void danecid_cert_answer_clear(struct danecid_cert_answer *a)
{
	danecid_certchain_free(a->chain);
	memset(a, 0, sizeof(*a));
}

static uint32_t fnv(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h = (h ^ (uint8_t)*s) * 16777619u;
	}
	return h;
}

int danecid_certcache_new(const struct danecid_certcache_opts *opts, danecid_certcache **out)
{
	danecid_certcache *cc = calloc(1, sizeof(*cc));

	*out = NULL;
	if (cc == NULL) {
		return DANECID_ERR_NOMEM;
	}
	cc->o = *opts;
	if (opts->fetch.tls_ca_file != NULL &&
	    (cc->tls_ca_file = strdup(opts->fetch.tls_ca_file)) == NULL) {
		free(cc);
		return DANECID_ERR_NOMEM;
	}
	cc->o.fetch.tls_ca_file = cc->tls_ca_file;
	if (cc->o.max_entries == 0) {
		cc->o.max_entries = DEFAULT_ENTRIES;
	}
	if (cc->o.max_fetches == 0) {
		cc->o.max_fetches = DEFAULT_FETCHES;
	}
	if (pthread_mutex_init(&cc->lock, NULL) != 0) {
		free(cc->tls_ca_file);
		free(cc);
		return DANECID_ERR_NOMEM;
	}
	atomic_init(&cc->refs, 1);
	*out = cc;
	return DANECID_OK;
}

danecid_certcache *danecid_certcache_ref(danecid_certcache *cc)
{
	atomic_fetch_add(&cc->refs, 1);
	return cc;
}

static void entry_free(struct entry *e)
{
	danecid_certchain_free(e->chain);
	free(e->url);
	free(e);
}

void danecid_certcache_free(danecid_certcache *cc)
{
	if (cc == NULL || atomic_fetch_sub(&cc->refs, 1) != 1) {
		return;
	}
	/* the last reference: no fetch thread (each holds one) and no mailbox is left */
	for (size_t i = 0; i < BUCKETS; i++) {
		while (cc->b[i] != NULL) {
			struct entry *e = cc->b[i];

			cc->b[i] = e->next;
			entry_free(e);
		}
	}
	pthread_mutex_destroy(&cc->lock);
	free(cc->tls_ca_file);
	free(cc);
}

static bool str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool danecid_certcache_same(const danecid_certcache *cc, const struct danecid_certcache_opts *o)
{
	const struct danecid_certcache_opts *m = &cc->o;

	return str_eq(m->fetch.tls_ca_file, o->fetch.tls_ca_file) &&
	       m->fetch.allow_private == o->fetch.allow_private &&
	       m->fetch.timeout_ms == o->fetch.timeout_ms &&
	       m->fetch.max_bytes == o->fetch.max_bytes &&
	       m->fetch.max_redirs == o->fetch.max_redirs &&
	       m->max_entries == (o->max_entries == 0 ? DEFAULT_ENTRIES : o->max_entries) &&
	       m->default_ttl == o->default_ttl && m->max_ttl == o->max_ttl &&
	       m->negative_ttl == o->negative_ttl &&
	       m->max_fetches == (o->max_fetches == 0 ? DEFAULT_FETCHES : o->max_fetches);
}

/* ---- the table (callers hold cc->lock) ---- */

static struct entry *find(danecid_certcache *cc, const char *url, uint32_t h)
{
	for (struct entry *e = cc->b[h % BUCKETS]; e != NULL; e = e->next) {
		if (e->hash == h && strcmp(e->url, url) == 0) {
			return e;
		}
	}
	return NULL;
}

static void unlink_entry(danecid_certcache *cc, struct entry *gone)
{
	for (struct entry **p = &cc->b[gone->hash % BUCKETS]; *p != NULL; p = &(*p)->next) {
		if (*p == gone) {
			*p = gone->next;
			cc->n--;
			entry_free(gone);
			return;
		}
	}
}

/* Room for one more entry: expired ones go first, then the one that expires soonest. */
static bool make_room(danecid_certcache *cc, time_t now)
{
	struct entry *soonest = NULL;

	if (cc->n < cc->o.max_entries) {
		return true;
	}
	for (size_t i = 0; i < BUCKETS; i++) {
		struct entry **p = &cc->b[i];

		while (*p != NULL) {
			struct entry *e = *p;

			if (e->state != E_FETCHING && e->expires <= now) {
				*p = e->next;
				cc->n--;
				entry_free(e);
				continue;
			}
			if (e->state != E_FETCHING &&
			    (soonest == NULL || e->expires < soonest->expires)) {
				soonest = e;
			}
			p = &e->next;
		}
	}
	if (cc->n >= cc->o.max_entries && soonest != NULL) {
		unlink_entry(cc, soonest);
	}
	return cc->n < cc->o.max_entries;
}

/* Move a fetch's outcome (tmp) into the table's entry e. */
static void settle(struct entry *e, struct entry *tmp)
{
	danecid_certchain_free(e->chain);
	e->state = tmp->state;
	e->chain = tmp->chain;
	tmp->chain = NULL;
	memcpy(e->err, tmp->err, sizeof(e->err));
	e->expires = tmp->expires;
	e->bytes = tmp->bytes;
	e->connects = tmp->connects;
}

/* Fill an answer from a settled entry. */
static void answer_from(const struct entry *e, struct danecid_cert_answer *a, bool cached)
{
	memset(a, 0, sizeof(*a));
	a->cached = cached;
	if (e->state == E_READY) {
		a->chain = danecid_certchain_ref(e->chain);
	} else {
		snprintf(a->err, sizeof(a->err), "%s", e->err);
	}
	if (!cached) {
		a->bytes = e->bytes;
		a->connects = e->connects;
	}
}

/* A cached answer for url if there is a live one (1), else 0. */
static int lookup(danecid_certcache *cc, const char *url, uint32_t h, time_t now,
                  struct danecid_cert_answer *out, struct entry **ep)
{
	struct entry *e = find(cc, url, h);

	*ep = e;
	if (e == NULL || e->state == E_FETCHING) {
		return 0;
	}
	if (e->expires <= now) {
		unlink_entry(cc, e);
		*ep = NULL;
		return 0;
	}
	if (e->state == E_READY) {
		cc->st.hits++;
	} else {
		cc->st.negative_hits++;
	}
	answer_from(e, out, true);
	return 1;
}

/* How long a fetched document may be kept, from now. */
static time_t expiry(const danecid_certcache *cc, const struct danecid_fetch_result *res,
                     const danecid_certchain *ch, time_t now)
{
	unsigned ttl = cc->o.default_ttl;
	time_t t, na;

	if (res->no_store) {
		ttl = 0;
	} else if (res->max_age >= 0) {
		ttl = res->max_age > (long)cc->o.max_ttl ? cc->o.max_ttl : (unsigned)res->max_age;
	}
	if (ttl > cc->o.max_ttl) {
		ttl = cc->o.max_ttl;
	}
	t = now + (time_t)ttl;
	na = danecid_certchain_not_after(ch);
	if (na <= now) {
		/* already expired: every verification fails; ask again only after a while */
		return now + (time_t)(ttl < cc->o.negative_ttl ? ttl : cc->o.negative_ttl);
	}
	return na < t ? na : t;
}

/* Fetch and parse one URL, then settle e with the outcome (no lock held while fetching). */
static int fetch_one(danecid_certcache *cc, const char *url, time_t now, struct entry *e)
{
	struct danecid_fetch_result res;
	char err[200] = "";
	int r;

	r = danecid_fetch(&cc->o.fetch, url, &res);
	if (r != DANECID_OK) {
		danecid_fetch_result_clear(&res);
		snprintf(e->err, sizeof(e->err), "x5u could not be fetched: %s",
		         danecid_strerror(r));
		e->state = E_FAILED;
		e->expires = now + (time_t)cc->o.negative_ttl;
		return r == DANECID_ERR_NOMEM ? r : DANECID_OK;
	}
	e->bytes = res.bytes;
	e->connects = res.connects;
	if (!res.ok) {
		snprintf(e->err, sizeof(e->err), "%s", res.err);
		e->state = E_FAILED;
		e->expires = now + (time_t)cc->o.negative_ttl;
	} else if ((r = danecid_certchain_parse(res.body, res.len, &e->chain, err, sizeof(err))) !=
	           DANECID_OK) {
		snprintf(e->err, sizeof(e->err), "x5u document: %s", err);
		e->state = E_FAILED;
		e->expires = now + (time_t)cc->o.negative_ttl;
	} else {
		e->state = E_READY;
		e->expires = expiry(cc, &res, e->chain, now);
	}
	danecid_fetch_result_clear(&res);
	return r == DANECID_ERR_NOMEM ? r : DANECID_OK;
}

static struct entry *entry_new(danecid_certcache *cc, const char *url, uint32_t h,
                               enum estate state)
{
	struct entry *e = calloc(1, sizeof(*e));

	if (e == NULL || (e->url = strdup(url)) == NULL) {
		free(e);
		return NULL;
	}
	e->hash = h;
	e->state = state;
	e->next = cc->b[h % BUCKETS];
	cc->b[h % BUCKETS] = e;
	cc->n++;
	return e;
}

int danecid_certcache_get(danecid_certcache *cc, const char *url, time_t now,
                          struct danecid_cert_answer *out)
{
	uint32_t h = fnv(url);
	struct entry *e, tmp;
	int r;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&cc->lock);
	r = lookup(cc, url, h, now, out, &e);
	if (r == 0) {
		cc->st.fetches++;
	}
	pthread_mutex_unlock(&cc->lock);
	if (r == 1) {
		return DANECID_OK;
	}
	memset(&tmp, 0, sizeof(tmp));
	if ((r = fetch_one(cc, url, now, &tmp)) != DANECID_OK) {
		danecid_certchain_free(tmp.chain);
		return r;
	}
	answer_from(&tmp, out, false);
	pthread_mutex_lock(&cc->lock);
	if (tmp.state == E_FAILED) {
		cc->st.failures++;
	}
	e = find(cc, url, h);
	if (e == NULL && tmp.expires > now && make_room(cc, now)) {
		e = entry_new(cc, url, h, tmp.state); /* NULL: not kept, the answer stands */
	}
	if (e != NULL && e->state != E_FETCHING) { /* (a fetch under way settles it itself) */
		settle(e, &tmp);
	}
	pthread_mutex_unlock(&cc->lock);
	danecid_certchain_free(tmp.chain);
	return DANECID_OK;
}

/* ---- mailboxes ---- */

static void post(danecid_certmbox *mb, struct waiter *d)
{
	char one = 1;
	ssize_t w;

	d->next = NULL;
	pthread_mutex_lock(&mb->lock);
	if (mb->tail != NULL) {
		mb->tail->next = d;
	} else {
		mb->head = d;
	}
	mb->tail = d;
	pthread_mutex_unlock(&mb->lock);
	do {
		w = write(mb->wr, &one, 1);
	} while (w < 0 && errno == EINTR);
	/* EAGAIN: the pipe is full of wake-ups already */
}

static void deliver_all(danecid_certmbox *mb)
{
	struct waiter *list;

	pthread_mutex_lock(&mb->lock);
	list = mb->head;
	mb->head = mb->tail = NULL;
	pthread_mutex_unlock(&mb->lock);
	while (list != NULL) {
		struct waiter *d = list;

		list = d->next;
		mb->pending--;
		d->cb(&d->a, d->arg);
		free(d);
	}
	if (mb->pending == 0) {
		event_del(mb->ev); /* nothing waits: let an idle loop end */
	}
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	char buf[64];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0) {
	}
	deliver_all(arg);
}

int danecid_certmbox_new(danecid_certcache *cc, struct event_base *base, danecid_certmbox **out)
{
	danecid_certmbox *mb = calloc(1, sizeof(*mb));
	int fds[2];

	*out = NULL;
	if (mb == NULL) {
		return DANECID_ERR_NOMEM;
	}
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
		free(mb);
		return DANECID_ERR_INTERNAL;
	}
	mb->rd = fds[0];
	mb->wr = fds[1];
	if (pthread_mutex_init(&mb->lock, NULL) != 0 ||
	    (mb->ev = event_new(base, mb->rd, EV_READ | EV_PERSIST, on_wake, mb)) == NULL) {
		if (mb->ev != NULL) {
			event_free(mb->ev);
		}
		close(mb->rd);
		close(mb->wr);
		free(mb);
		return DANECID_ERR_NOMEM;
	}
	mb->cc = danecid_certcache_ref(cc);
	*out = mb;
	return DANECID_OK;
}

void danecid_certmbox_free(danecid_certmbox *mb)
{
	danecid_certcache *cc;
	struct waiter *mine = NULL;

	if (mb == NULL) {
		return;
	}
	cc = mb->cc;
	pthread_mutex_lock(&cc->lock);
	for (size_t i = 0; i < BUCKETS; i++) {
		for (struct entry *e = cc->b[i]; e != NULL; e = e->next) {
			struct waiter **p = &e->waiters;

			while (*p != NULL) {
				struct waiter *w = *p;

				if (w->mb == mb) {
					*p = w->next;
					w->next = mine;
					mine = w;
				} else {
					p = &w->next;
				}
			}
		}
	}
	pthread_mutex_unlock(&cc->lock);
	deliver_all(mb); /* answers already posted */
	while (mine != NULL) {
		struct waiter *w = mine;

		mine = w->next;
		mb->pending--;
		snprintf(w->a.err, sizeof(w->a.err),
		         "the verification was stopped before the x5u fetch ended");
		w->cb(&w->a, w->arg);
		free(w);
	}
	event_free(mb->ev);
	close(mb->rd);
	close(mb->wr);
	pthread_mutex_destroy(&mb->lock);
	danecid_certcache_free(cc);
	free(mb);
}

static void *fetch_thread(void *arg)
{
	struct fetchjob *job = arg;
	danecid_certcache *cc = job->cc;
	struct entry tmp, *e;
	struct waiter *w;

	memset(&tmp, 0, sizeof(tmp));
	if (fetch_one(cc, job->url, job->now, &tmp) != DANECID_OK) {
		danecid_certchain_free(tmp.chain);
		tmp.chain = NULL;
		tmp.state = E_FAILED;
		snprintf(tmp.err, sizeof(tmp.err), "x5u could not be fetched: out of memory");
		tmp.expires = job->now;
	}
	pthread_mutex_lock(&cc->lock);
	cc->inflight--;
	if (tmp.state == E_FAILED) {
		cc->st.failures++;
	}
	e = find(cc, job->url, fnv(job->url));
	if (e != NULL && e->state == E_FETCHING) {
		settle(e, &tmp);
		w = e->waiters;
		e->waiters = NULL;
		while (w != NULL) {
			struct waiter *next = w->next;

			answer_from(e, &w->a, false);
			post(w->mb, w);
			w = next;
		}
		if (e->expires <= job->now) {
			unlink_entry(cc, e); /* not to be kept (no-store) */
		}
	}
	pthread_mutex_unlock(&cc->lock);
	danecid_certchain_free(tmp.chain);
	free(job->url);
	free(job);
	danecid_certcache_free(cc);
	return NULL;
}

static int start_fetch(danecid_certcache *cc, const char *url, time_t now)
{
	struct fetchjob *job = calloc(1, sizeof(*job));
	pthread_attr_t at;
	pthread_t t;
	int r;

	if (job == NULL || (job->url = strdup(url)) == NULL) {
		free(job);
		return DANECID_ERR_NOMEM;
	}
	job->cc = danecid_certcache_ref(cc);
	job->now = now;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &at, fetch_thread, job);
	pthread_attr_destroy(&at);
	if (r != 0) {
		danecid_certcache_free(cc);
		free(job->url);
		free(job);
		return DANECID_ERR_NOMEM;
	}
	return DANECID_OK;
}

/* The answer comes now (r is 1 or an error): the loop need not watch the pipe for it. */
static int settled(danecid_certmbox *mb, int r)
{
	if (mb->pending == 0) {
		event_del(mb->ev);
	}
	return r;
}

int danecid_certcache_get_async(danecid_certmbox *mb, const char *url, time_t now,
                                struct danecid_cert_answer *out, danecid_cert_cb cb, void *arg)
{
	danecid_certcache *cc = mb->cc;
	uint32_t h = fnv(url);
	struct entry *e;
	struct waiter *w;
	int r;

	memset(out, 0, sizeof(*out));
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		return DANECID_ERR_NOMEM;
	}
	w->mb = mb;
	w->cb = cb;
	w->arg = arg;
	/* the pipe is watched while a request of this mailbox waits, so that an idle loop ends */
	if (mb->pending == 0 && event_add(mb->ev, NULL) != 0) {
		free(w);
		return DANECID_ERR_INTERNAL;
	}
	pthread_mutex_lock(&cc->lock);
	if (lookup(cc, url, h, now, out, &e) == 1) {
		pthread_mutex_unlock(&cc->lock);
		free(w);
		return settled(mb, 1);
	}
	if (e != NULL) { /* a fetch is under way: join it */
		cc->st.joined++;
		w->next = e->waiters;
		e->waiters = w;
		mb->pending++;
		pthread_mutex_unlock(&cc->lock);
		return 0;
	}
	if (cc->inflight >= cc->o.max_fetches || !make_room(cc, now)) {
		pthread_mutex_unlock(&cc->lock);
		free(w);
		snprintf(out->err, sizeof(out->err),
		         "x5u not fetched: %u fetches are under way already", cc->o.max_fetches);
		return settled(mb, 1);
	}
	if ((e = entry_new(cc, url, h, E_FETCHING)) == NULL) {
		pthread_mutex_unlock(&cc->lock);
		free(w);
		return settled(mb, DANECID_ERR_NOMEM);
	}
	e->waiters = w;
	cc->inflight++;
	cc->st.fetches++;
	if ((r = start_fetch(cc, url, now)) != DANECID_OK) {
		cc->inflight--;
		unlink_entry(cc, e);
		free(w);
		pthread_mutex_unlock(&cc->lock);
		return settled(mb, r);
	}
	mb->pending++;
	pthread_mutex_unlock(&cc->lock);
	return 0;
}

void danecid_certcache_stats(danecid_certcache *cc, struct danecid_x5u_stats *out)
{
	pthread_mutex_lock(&cc->lock);
	*out = cc->st;
	out->entries = cc->n;
	pthread_mutex_unlock(&cc->lock);
}
