/* daemon — the core of danecidd: configuration generations, jobs, deadlines, workers.
 *
 * Outline of operations:
 *  - A generation is one loaded configuration and an anchor context that holds
 *    the replay cache (shared by every context, across reloads too).
 *  - A front-end submits a job in the loop thread. The job holds a reference to
 *    the generation in force, a copy of its input and a deadline timer, and
 *    goes to the next worker in turn.
 *  - Each worker thread runs its own event loop. It keeps one context per
 *    generation, attached to that loop, so getdns runs asynchronously there and
 *    many verifications are in flight at once; a context of an older
 *    generation is freed by its worker once its last verification is over.
 *    When a verification ends, the worker hands the job back to the main loop
 *    through a pipe.
 *  - The loop answers exactly once: with the worker's verdict, or at the
 *    deadline with No-TN-Validation / dns-unavailable (the SIP server is never
 *    left waiting). A job is freed when both the worker and the loop are done.
 *  - SIGHUP loads the file again and, if it is valid, builds a new generation;
 *    jobs in flight finish on the old one, which is freed with its last job.
 *    A broken file is logged and the running generation stays.
 *  - SIGTERM and SIGINT stop the front-ends and the loop; workers are joined.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon.h"
#include "http.h"
#include "log.h"
#include "main.h"
#include "pool.h"
#include "sipfront.h"

#define QUEUE_PER_WORKER 4096 /* waiting to be started by a worker */
#define JOBS_PER_WORKER  4096 /* under way at once (in flight or queued) */

/* One configuration in force. */
struct gen {
	struct danecid_config cfg;
	danecid_ctx *anchor; /* holds the replay cache; never asks DNS */
	unsigned serial;
	atomic_uint refs;
};

/* A worker's context for one generation (worker thread only). */
struct wctx {
	struct wctx *next;
	struct wstate *owner;
	unsigned serial;
	danecid_ctx *ctx;
	size_t inflight;
	uint64_t reported; /* DNS questions already counted */
};

/* What one worker owns (worker thread only). */
struct wstate {
	struct wctx *list;
	unsigned latest; /* the newest generation this worker has seen */
	struct event_base *base;
	bool retire_pending;
};

enum job_kind { JOB_SIP, JOB_REQUEST };

struct dd_job {
	struct dd *d;
	struct gen *gen;
	enum dd_frontend fe;
	enum job_kind kind;
	char *msg; /* JOB_SIP */
	size_t len;
	struct danecid_request rq; /* JOB_REQUEST: strings owned below */
	char **strs;
	size_t n_strs;
	time_t now;
	struct timespec started;
	struct event *deadline;
	dd_done_fn done;
	void *arg;
	bool answered;  /* loop: done was called (or the job was cancelled) */
	bool cancelled; /* loop */
	/* written by the worker, read by the loop after the pipe */
	struct wctx *w;
	struct danecid_verdict verdict;
	int err;
	uint64_t questions;
};

struct dd {
	char *config_path;
	struct event_base *base;
	struct gen *gen;
	struct dd_pool *pool;
	int pipe_rd, pipe_wr;
	struct event *pipe_ev;
	struct event *sig_term, *sig_int, *sig_hup;
	struct dd_metrics *metrics;
	struct dd_sip *sip;
	struct dd_http *http;
	size_t inflight; /* submitted and not answered */
	size_t alive;    /* submitted and not freed (a job answered by its deadline may still
	                    be waiting for DNS in its worker) */
	unsigned workers;
	struct wstate *ws; /* one per worker */
	unsigned serial;   /* of the newest generation */
	char *sip_listen, *http_listen;
	char last_warning[sizeof(((struct danecid_verdict *)0)->warning)]; /* logged lately */
	time_t last_warning_at;
};

static void gen_unref(struct gen *g)
{
	if (g == NULL || atomic_fetch_sub(&g->refs, 1) != 1) {
		return;
	}
	danecid_ctx_free(g->anchor);
	danecid_config_clear(&g->cfg);
	free(g);
}

static struct gen *gen_ref(struct gen *g)
{
	atomic_fetch_add(&g->refs, 1);
	return g;
}

/* A generation from a configuration; its replay cache is the one of share (if any). */
static int gen_new(struct dd *d, const struct danecid_config *cfg, struct gen *share,
                   struct gen **out, char *errbuf, size_t errlen)
{
	struct gen *g = calloc(1, sizeof(*g));
	int r;

	*out = NULL;
	if (g == NULL || danecid_config_copy(&g->cfg, cfg) != DANECID_OK) {
		free(g);
		snprintf(errbuf, errlen, "out of memory");
		return -1;
	}
	atomic_init(&g->refs, 1);
	if (share != NULL) {
		r = danecid_ctx_new_shared(cfg, share->anchor, &g->anchor, errbuf, errlen);
	} else {
		r = danecid_ctx_new(cfg, &g->anchor, errbuf, errlen);
	}
	if (r != DANECID_OK) {
		gen_unref(g);
		return -1;
	}
	g->serial = ++d->serial;
	*out = g;
	return 0;
}

static int load_config(const char *path, struct danecid_config *cfg, char *errbuf, size_t errlen)
{
	danecid_config_init(cfg);
	if (danecid_config_load(cfg, path, errbuf, errlen) != DANECID_OK) {
		danecid_config_clear(cfg);
		return -1;
	}
	if (memchr(cfg->methods, DANECID_METHODS_X509, sizeof(cfg->methods)) != NULL &&
	    cfg->x5u_timeout_ms >= cfg->deadline_ms) {
		dd_log(DD_WARN,
		       "x5u-timeout (%u ms) is not below deadline (%u ms): a call waiting for a "
		       "slow x5u is answered by the deadline (No-TN-Validation) instead of 436",
		       cfg->x5u_timeout_ms, cfg->deadline_ms);
	}
	return 0;
}

static double since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void job_free(struct dd_job *job)
{
	job->d->alive--;
	if (job->deadline != NULL) {
		event_free(job->deadline);
	}
	gen_unref(job->gen);
	free(job->msg);
	for (size_t i = 0; i < job->n_strs; i++) {
		free(job->strs[i]);
	}
	free(job->strs);
	free((void *)job->rq.dest);
	free((void *)job->rq.identity);
	free(job);
}

/* The loop answers a job once, whoever comes first. */
static void job_answer(struct dd_job *job, const struct danecid_verdict *v, int err,
                       bool by_deadline)
{
	struct dd *d = job->d;

	if (job->answered) {
		return;
	}
	job->answered = true;
	if (job->deadline != NULL) {
		event_del(job->deadline);
	}
	d->inflight--;
	dd_metrics_set_inflight(d->metrics, d->inflight);
	dd_metrics_verdict(d->metrics, job->fe, v, since(&job->started), by_deadline);
	if (by_deadline) {
		dd_log(DD_WARN, "verification passed its deadline: answered %s/%s",
		       danecid_verstat_name(v->verstat), danecid_reason_token(v->reason));
	}
	if (v->warning[0] != '\0') {
		/* e.g. a malformed policy record: once a minute, not on every call */
		time_t now = time(NULL);

		if (strcmp(v->warning, d->last_warning) != 0 || now - d->last_warning_at >= 60) {
			dd_log(DD_WARN, "%s", v->warning);
			snprintf(d->last_warning, sizeof(d->last_warning), "%s", v->warning);
			d->last_warning_at = now;
		}
	}
	job->done(v, err, job->arg);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct dd_job *job = arg;
	struct danecid_verdict v;

	(void)fd;
	(void)what;
	memset(&v, 0, sizeof(v));
	v.verstat = DANECID_VERSTAT_NO_VALIDATION;
	v.reason = DANECID_R_DNS_UNAVAILABLE;
	v.sip_code = 0;
	snprintf(v.detail, sizeof(v.detail), "no verdict within the deadline of %u ms",
	         job->gen->cfg.deadline_ms);
	job_answer(job, &v, DANECID_OK, true);
}

/* Worker thread: hand a finished job back to the main loop. */
static void hand_back(struct dd *d, struct dd_job *job)
{
	ssize_t w;

	do {
		w = write(d->pipe_wr, &job, sizeof(job));
	} while (w < 0 && errno == EINTR);
	if (w != (ssize_t)sizeof(job)) {
		dd_log(DD_ERR, "worker could not hand a job back: %s", strerror(errno));
	}
}

/* Worker thread: free the contexts of older generations that have nothing in flight. */
static void retire(evutil_socket_t fd, short what, void *arg)
{
	struct wstate *ws = arg;
	struct wctx **pp = &ws->list;

	(void)fd;
	(void)what;
	ws->retire_pending = false;
	while (*pp != NULL) {
		struct wctx *w = *pp;

		if (w->serial != ws->latest && w->inflight == 0) {
			*pp = w->next;
			danecid_ctx_free(w->ctx);
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

/* Worker thread: the verification of a job is over. */
static void on_verified(int err, const struct danecid_verdict *v, void *arg)
{
	static const struct timeval soon = {0, 0};
	struct dd_job *job = arg;
	struct wctx *w = job->w;
	uint64_t q = danecid_ctx_dns_questions(w->ctx);

	job->verdict = *v;
	job->err = err;
	job->questions = q - w->reported;
	w->reported = q;
	w->inflight--;
	if (w->serial != w->owner->latest && w->inflight == 0 && !w->owner->retire_pending &&
	    event_base_once(w->owner->base, -1, EV_TIMEOUT, retire, w->owner, &soon) == 0) {
		/* not here: this runs inside the context's own callbacks */
		w->owner->retire_pending = true;
	}
	hand_back(job->d, job);
}

/* Worker thread: the context of this worker for the job's generation. */
static struct wctx *worker_ctx(struct dd *d, struct wstate *ws, struct gen *g,
                               struct event_base *base)
{
	struct wctx *w;
	char err[512] = "";

	if (g->serial > ws->latest) {
		static const struct timeval soon = {0, 0};

		ws->latest = g->serial;
		/* An older context with nothing in flight sees no on_verified() again, which is
		 * what retires the others: retire it from here (on this loop, soon after). */
		if (ws->list != NULL && !ws->retire_pending &&
		    event_base_once(base, -1, EV_TIMEOUT, retire, ws, &soon) == 0) {
			ws->retire_pending = true;
		}
	}
	for (w = ws->list; w != NULL; w = w->next) {
		if (w->serial == g->serial) {
			return w;
		}
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		return NULL;
	}
	if (danecid_ctx_new_shared(&g->cfg, g->anchor, &w->ctx, err, sizeof(err)) != DANECID_OK ||
	    danecid_ctx_attach(w->ctx, base) != DANECID_OK) {
		dd_log(DD_ERR, "worker context: %s", err[0] != '\0' ? err : "cannot attach");
		danecid_ctx_free(w->ctx);
		free(w);
		return NULL;
	}
	w->owner = ws;
	w->serial = g->serial;
	w->next = ws->list;
	ws->list = w;
	return w;
}

/* Worker thread: start a job on this worker's loop. */
static void start(void *p, unsigned worker, struct event_base *base, void *arg)
{
	struct dd_job *job = p;
	struct dd *d = arg;
	struct wstate *ws = &d->ws[worker];
	int r;

	ws->base = base;
	job->w = worker_ctx(d, ws, job->gen, base);
	if (job->w == NULL) {
		memset(&job->verdict, 0, sizeof(job->verdict));
		job->verdict.verstat = DANECID_VERSTAT_NO_VALIDATION;
		job->verdict.reason = DANECID_R_DNS_UNAVAILABLE;
		snprintf(job->verdict.detail, sizeof(job->verdict.detail),
		         "could not decide: no verification context");
		hand_back(d, job);
		return;
	}
	job->w->inflight++;
	if (job->kind == JOB_SIP) {
		r = danecid_verify_async(job->w->ctx, job->msg, job->len, job->now, on_verified,
		                         job);
	} else {
		r = danecid_verify_request_async(job->w->ctx, &job->rq, job->now, on_verified, job);
	}
	if (r != DANECID_OK) {
		struct danecid_verdict v;

		memset(&v, 0, sizeof(v));
		v.verstat = DANECID_VERSTAT_NO_VALIDATION;
		v.reason = DANECID_R_DNS_UNAVAILABLE;
		snprintf(v.detail, sizeof(v.detail), "could not decide: %s", danecid_strerror(r));
		on_verified(DANECID_OK, &v, job);
	}
}

/* Worker thread, when the pool stops: free its contexts; what was in flight ends now. */
static void stop(unsigned worker, void *arg)
{
	struct dd *d = arg;
	struct wstate *ws = &d->ws[worker];

	while (ws->list != NULL) {
		struct wctx *w = ws->list;

		danecid_ctx_free(w->ctx); /* pending lookups end as "no answer" (on_verified) */
		ws->list = w->next;
		free(w);
	}
}

/* Loop: jobs back from workers. */
static void on_pipe(evutil_socket_t fd, short what, void *arg)
{
	struct dd *d = arg;
	struct dd_job *jobs[64];
	ssize_t n;

	(void)what;
	while ((n = read(fd, jobs, sizeof(jobs))) > 0) {
		for (size_t i = 0; i < (size_t)n / sizeof(jobs[0]); i++) {
			struct dd_job *job = jobs[i];

			dd_metrics_dns_questions(d->metrics, job->questions);
			if (!job->cancelled) {
				job_answer(job, &job->verdict, job->err, false);
			}
			job_free(job);
		}
	}
}

static void discard(void *p, void *arg)
{
	(void)arg;
	job_free(p);
}

static struct dd_job *job_new(struct dd *d, enum dd_frontend fe, dd_done_fn done, void *arg)
{
	struct dd_job *job = calloc(1, sizeof(*job));

	if (job == NULL) {
		return NULL;
	}
	job->d = d;
	d->alive++;
	job->fe = fe;
	job->done = done;
	job->arg = arg;
	job->now = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &job->started);
	job->gen = gen_ref(d->gen);
	job->deadline = evtimer_new(d->base, on_deadline, job);
	if (job->deadline == NULL) {
		job_free(job);
		return NULL;
	}
	return job;
}

static struct dd_job *job_start(struct dd_job *job)
{
	struct dd *d = job->d;
	struct timeval tv;

	tv.tv_sec = job->gen->cfg.deadline_ms / 1000;
	tv.tv_usec = (job->gen->cfg.deadline_ms % 1000) * 1000;
	if (d->alive > (size_t)d->workers * JOBS_PER_WORKER ||
	    evtimer_add(job->deadline, &tv) != 0 || dd_pool_push(d->pool, job) != 0) {
		dd_log(DD_WARN, "verification refused: %zu under way, %zu queued", d->alive - 1,
		       dd_pool_queued(d->pool));
		job_free(job);
		return NULL;
	}
	d->inflight++;
	dd_metrics_set_inflight(d->metrics, d->inflight);
	return job;
}

struct dd_job *dd_submit_sip(struct dd *d, enum dd_frontend fe, const char *msg, size_t len,
                             dd_done_fn done, void *arg)
{
	struct dd_job *job = job_new(d, fe, done, arg);

	if (job == NULL) {
		return NULL;
	}
	job->kind = JOB_SIP;
	job->msg = malloc(len > 0 ? len : 1);
	if (job->msg == NULL) {
		job_free(job);
		return NULL;
	}
	memcpy(job->msg, msg, len);
	job->len = len;
	return job_start(job);
}

static char *keep(struct dd_job *job, const char *s)
{
	char *c;

	if (s == NULL) {
		return NULL;
	}
	c = strdup(s);
	if (c != NULL) {
		job->strs[job->n_strs++] = c;
	}
	return c;
}

struct dd_job *dd_submit_request(struct dd *d, enum dd_frontend fe,
                                 const struct danecid_request *rq, dd_done_fn done, void *arg)
{
	struct dd_job *job;
	const char **dest = NULL, **ids = NULL;
	bool ok = true;

	if (rq == NULL || rq->n_dest > DANECID_DEST_MAX || rq->n_identity > DANECID_IDENTITY_MAX) {
		return NULL;
	}
	job = job_new(d, fe, done, arg);
	if (job == NULL) {
		return NULL;
	}
	job->kind = JOB_REQUEST;
	job->strs = calloc(2 + rq->n_dest + rq->n_identity, sizeof(*job->strs));
	dest = calloc(rq->n_dest + 1, sizeof(*dest));
	ids = calloc(rq->n_identity + 1, sizeof(*ids));
	job->rq.dest = dest;
	job->rq.identity = ids;
	if (job->strs == NULL || dest == NULL || ids == NULL) {
		job_free(job);
		return NULL;
	}
	job->rq.orig = keep(job, rq->orig);
	ok = rq->orig == NULL || job->rq.orig != NULL;
	for (size_t i = 0; ok && i < rq->n_dest; i++) {
		dest[i] = keep(job, rq->dest[i]);
		ok = rq->dest[i] == NULL || dest[i] != NULL;
	}
	for (size_t i = 0; ok && i < rq->n_identity; i++) {
		ids[i] = keep(job, rq->identity[i]);
		ok = rq->identity[i] == NULL || ids[i] != NULL;
	}
	job->rq.dialog = keep(job, rq->dialog);
	ok = ok && (rq->dialog == NULL || job->rq.dialog != NULL);
	job->rq.n_dest = rq->n_dest;
	job->rq.n_identity = rq->n_identity;
	job->rq.has_time = rq->has_time;
	job->rq.time = rq->time;
	if (!ok) {
		job_free(job);
		return NULL;
	}
	return job_start(job);
}

void dd_job_cancel(struct dd_job *job)
{
	if (job == NULL || job->cancelled) {
		return;
	}
	job->cancelled = true;
	if (!job->answered) {
		job->answered = true;
		if (job->deadline != NULL) {
			event_del(job->deadline);
		}
		job->d->inflight--;
		dd_metrics_set_inflight(job->d->metrics, job->d->inflight);
	}
}

struct event_base *dd_base(struct dd *d)
{
	return d->base;
}

const struct danecid_config *dd_config(struct dd *d)
{
	return &d->gen->cfg;
}

struct dd_metrics *dd_metrics(struct dd *d)
{
	return d->metrics;
}

struct dd_metrics *dd_metrics_snapshot(struct dd *d)
{
	struct danecid_x5u_stats xs;
	struct danecid_dns_cache_stats ds;

	dd_metrics_set_replay_entries(d->metrics, danecid_ctx_replay_entries(d->gen->anchor));
	danecid_ctx_x5u_stats(d->gen->anchor, &xs);
	dd_metrics_set_x5u(d->metrics, &xs);
	danecid_ctx_dns_cache_stats(d->gen->anchor, &ds);
	dd_metrics_set_dns_cache(d->metrics, &ds);
	return d->metrics;
}

size_t dd_inflight(struct dd *d)
{
	return d->inflight;
}

static const char *listen_or(const char *v, const char *dflt)
{
	return v != NULL ? v : dflt;
}

static void reload(struct dd *d)
{
	struct danecid_config cfg;
	struct gen *g = NULL;
	char err[512] = "";

	dd_log(DD_NOTICE, "reloading %s", d->config_path);
	if (load_config(d->config_path, &cfg, err, sizeof(err)) != 0 ||
	    gen_new(d, &cfg, d->gen, &g, err, sizeof(err)) != 0) {
		danecid_config_clear(&cfg);
		dd_log(DD_ERR, "reload failed, the running configuration stays: %s", err);
		dd_metrics_reload(d->metrics, false);
		return;
	}
	if (strcmp(listen_or(cfg.sip_listen, DD_SIP_LISTEN), d->sip_listen) != 0 ||
	    strcmp(listen_or(cfg.http_listen, DD_HTTP_LISTEN), d->http_listen) != 0 ||
	    cfg.workers != d->workers) {
		dd_log(DD_WARN, "listen addresses and workers change only at a restart");
	}
	danecid_config_clear(&cfg);
	gen_unref(d->gen);
	d->gen = g;
	dd_log_set_level((enum dd_level)g->cfg.log_level);
	dd_metrics_reload(d->metrics, true);
	dd_log(DD_NOTICE, "reloaded: apex %s, trust anchor %s",
	       g->cfg.apex != NULL ? g->cfg.apex : "none",
	       g->cfg.trust_anchor != NULL ? g->cfg.trust_anchor : "none");
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct dd *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		reload(d);
		return;
	}
	dd_log(DD_NOTICE, "%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopbreak(d->base);
}

void dd_free(struct dd *d)
{
	if (d == NULL) {
		return;
	}
	dd_sip_stop(d->sip);
	dd_http_stop(d->http);
	dd_pool_free(d->pool);
	if (d->pipe_ev != NULL) {
		/* jobs the workers finished but the loop did not see */
		on_pipe(d->pipe_rd, EV_READ, d);
		event_free(d->pipe_ev);
	}
	if (d->pipe_rd >= 0) {
		close(d->pipe_rd);
	}
	if (d->pipe_wr >= 0) {
		close(d->pipe_wr);
	}
	if (d->sig_term != NULL) {
		event_free(d->sig_term);
	}
	if (d->sig_int != NULL) {
		event_free(d->sig_int);
	}
	if (d->sig_hup != NULL) {
		event_free(d->sig_hup);
	}
	gen_unref(d->gen);
	dd_metrics_free(d->metrics);
	if (d->base != NULL) {
		event_base_free(d->base);
	}
	free(d->ws);
	free(d->sip_listen);
	free(d->http_listen);
	free(d->config_path);
	free(d);
}

int dd_new(const char *config_path, struct dd **out, char *errbuf, size_t errlen)
{
	struct danecid_config cfg;
	struct dd *d = NULL;
	int fds[2];
	int r = -1;

	*out = NULL;
	if (load_config(config_path, &cfg, errbuf, errlen) != 0) {
		return -1;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		goto out;
	}
	d->pipe_rd = d->pipe_wr = -1;
	d->workers = cfg.workers;
	d->config_path = strdup(config_path);
	d->sip_listen = strdup(listen_or(cfg.sip_listen, DD_SIP_LISTEN));
	d->http_listen = strdup(listen_or(cfg.http_listen, DD_HTTP_LISTEN));
	d->metrics = dd_metrics_new();
	d->base = event_base_new();
	if (d->config_path == NULL || d->sip_listen == NULL || d->http_listen == NULL ||
	    d->metrics == NULL || d->base == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		goto out;
	}
	d->ws = calloc(d->workers, sizeof(*d->ws));
	if (d->ws == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		goto out;
	}
	if (gen_new(d, &cfg, NULL, &d->gen, errbuf, errlen) != 0) {
		goto out;
	}
	dd_log_set_level((enum dd_level)cfg.log_level);
	if (pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(errbuf, errlen, "pipe: %s", strerror(errno));
		goto out;
	}
	d->pipe_rd = fds[0];
	d->pipe_wr = fds[1];
	if (fcntl(d->pipe_rd, F_SETFL, O_NONBLOCK) != 0) {
		snprintf(errbuf, errlen, "fcntl: %s", strerror(errno));
		goto out;
	}
	d->pipe_ev = event_new(d->base, d->pipe_rd, EV_READ | EV_PERSIST, on_pipe, d);
	d->sig_term = evsignal_new(d->base, SIGTERM, on_signal, d);
	d->sig_int = evsignal_new(d->base, SIGINT, on_signal, d);
	d->sig_hup = evsignal_new(d->base, SIGHUP, on_signal, d);
	if (d->pipe_ev == NULL || d->sig_term == NULL || d->sig_int == NULL || d->sig_hup == NULL ||
	    event_add(d->pipe_ev, NULL) != 0 || event_add(d->sig_term, NULL) != 0 ||
	    event_add(d->sig_int, NULL) != 0 || event_add(d->sig_hup, NULL) != 0) {
		snprintf(errbuf, errlen, "event set-up failed");
		goto out;
	}
	if (dd_pool_new(d->workers, QUEUE_PER_WORKER, start, stop, discard, d, &d->pool) != 0) {
		snprintf(errbuf, errlen, "could not start %u worker threads", d->workers);
		goto out;
	}
	if (dd_sip_start(d, d->sip_listen, &d->sip, errbuf, errlen) != 0 ||
	    dd_http_start(d, d->http_listen, &d->http, errbuf, errlen) != 0) {
		goto out;
	}
	*out = d;
	d = NULL;
	r = 0;
out:
	danecid_config_clear(&cfg);
	dd_free(d);
	return r;
}

int dd_run(struct dd *d)
{
	dd_log(DD_NOTICE, "started: SIP on %s (UDP, TCP), HTTP on %s, %u workers, apex %s",
	       d->sip_listen, d->http_listen, d->workers,
	       d->gen->cfg.apex != NULL ? d->gen->cfg.apex : "none (methods: x509)");
	if (event_base_dispatch(d->base) < 0) {
		dd_log(DD_ERR, "event loop failed");
		return 1;
	}
	dd_log(DD_NOTICE, "stopped");
	return 0;
}
