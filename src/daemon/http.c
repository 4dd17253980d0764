/* http — the HTTP front-end of danecidd on evhttp: POST /stir/v1/verification (ATIS-1000082
 * shape), GET /healthz, GET /metrics.
 *
 * Outline of operations:
 *  1. One generic evhttp callback routes by path, then by method (404 and 405 as JSON).
 *  2. A verification request is checked in the order a client would fix it: media type (415),
 *     size (413), JSON syntax with duplicate keys refused (400), then each field (400 naming
 *     it). The fields become a struct danecid_request whose strings point into the parsed JSON;
 *     dd_submit_request() copies them, so the JSON is freed at once.
 *  3. The request then waits in a `struct pending` until the verdict arrives (dd_done_fn, in
 *     the loop thread) and is answered from there. libevent stops reading a connection once a
 *     request is complete, so it would not notice a client that goes away meanwhile: a one-shot
 *     read event on the socket peeks for end-of-file; on EOF or a reset the job is cancelled
 *     and the connection freed (which frees the request). Like nginx, a client that only
 *     shuts down its sending side counts as gone. A close callback on the connection is the
 *     safety net for any other path that frees it (evhttp_free).
 *  4. Every pending entry is freed exactly once: by the verdict, by the client going away, or
 *     by dd_http_stop(). Each path first detaches it (unlinks it, frees the watch event,
 *     clears the close callback), so no libevent callback can reach it afterwards.
 *
 * Replays: the request carries no dialog (dialog = NULL), so every HTTP request is its own
 * dialog and a PASSporT already seen — through HTTP or SIP — is a replay.
 *
 * What libevent answers itself, before this file sees the request (its own error page, not
 * JSON, and not counted): a malformed request line or header, headers over
 * DD_HTTP_HEADERS_MAX, a body over DD_HTTP_READ_MAX (413), a broken chunked encoding.
 *
 * Counting: every request except those for /healthz and /metrics counts in
 * danecid_requests_total{frontend="http"}; each of them that is answered without a verdict
 * (4xx, 503) also counts in danecid_rejected_total. Verdicts are counted by the core.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <jansson.h>

#include "daemon.h"
#include "http.h"
#include "httpreq.h"
#include "util.h"
#include "verdict.h"
#include "log.h"
#include "metrics.h"

#define PATH_VERIFY  "/stir/v1/verification"
#define PATH_HEALTH  "/healthz"
#define PATH_METRICS "/metrics"

struct pending;

struct dd_http {
	struct dd *d;
	struct evhttp *http;
	struct pending *pending; /**< verifications waiting for their verdict */
};

/** A verification request waiting for its verdict (see the outline, 3 and 4). */
struct pending {
	struct dd_http *h;
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	struct dd_job *job;
	struct event *watch; /**< one-shot read readiness on the client socket */
	bool linked;         /**< in h->pending, watch and close callback set */
	bool submitting;     /**< inside dd_submit_request() */
	bool answered;       /**< the verdict came while submitting */
	struct pending *prev, *next;
};

/* ---- replies ------------------------------------------------------------------------------ */

static const char *status_phrase(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

/* Send a body with a Content-Type. The request is freed by libevent when the reply is out. */
static void send_body(struct evhttp_request *req, int code, const char *type, const char *body,
                      size_t len)
{
	struct evbuffer *buf = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	if (buf == NULL || evbuffer_add(buf, body, len) != 0) {
		evbuffer_free(buf);
		evhttp_send_reply(req, 500, status_phrase(500), NULL);
		return;
	}
	evhttp_send_reply(req, code, status_phrase(code), buf);
	evbuffer_free(buf);
}

/*
 * {"error":{"code":N,"message":"..."}}. The message may quote bits of the request (a JSON
 * parser error names the token near the fault): only printable ASCII is kept.
 */
static void send_error(struct evhttp_request *req, int code, const char *allow, const char *msg)
{
	char clean[256];
	char *body = NULL;
	json_t *o;
	size_t i;

	for (i = 0; msg[i] != '\0' && i < sizeof(clean) - 1; i++) {
		clean[i] = msg[i] >= 0x20 && msg[i] < 0x7f ? msg[i] : '?';
	}
	clean[i] = '\0';
	if (allow != NULL) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
	}
	o = json_pack("{s:{s:i,s:s}}", "error", "code", code, "message", clean);
	if (o != NULL) {
		body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
	}
	if (body == NULL) {
		char fixed[64];
		int n =
		    snprintf(fixed, sizeof(fixed), "{\"error\":{\"code\":%d,\"message\":\"%s\"}}",
		             code, status_phrase(code));

		send_body(req, code, "application/json", fixed, (size_t)n);
		return;
	}
	send_body(req, code, "application/json", body, strlen(body));
	free(body);
}

/* "IP:PORT" of the client, for log lines. */
static void peer_name(struct evhttp_request *req, char *buf, size_t len)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port = 0;

	if (evcon != NULL) {
		evhttp_connection_get_peer(evcon, &addr, &port);
	}
	snprintf(buf, len, "%s:%u", addr != NULL ? addr : "?", (unsigned)port);
}

/* A request refused before verification: counted, logged at debug, answered in JSON. */
static void reject(struct dd_http *h, struct evhttp_request *req, int code, const char *allow,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void reject(struct dd_http *h, struct evhttp_request *req, int code, const char *allow,
                   const char *fmt, ...)
{
	char msg[256], peer[80];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dd_metrics_rejected(dd_metrics(h->d), DD_FE_HTTP);
	peer_name(req, peer, sizeof(peer));
	dd_log(DD_DEBUG, "http: %s: %d %s", peer, code, msg);
	send_error(req, code, allow, msg);
}

/*
 * The verdict in the ATIS-1000082 shape: verstat, reasoncode and reasontext as the standard
 * has them, then the fields of the CLI's JSON line (reason, detail, orig, dest, attest, method,
 * dnssec, prefix, identities, verified, rcd, warnings). Returns a string to free(), or NULL
 * when out of memory.
 */
static char *verdict_body(const struct danecid_verdict *v)
{
	static const char *const extra[] = {"reason",     "detail",   "orig",   "dest",
	                                    "attest",     "method",   "dnssec", "prefix",
	                                    "identities", "verified", "rcd",    "warnings"};
	json_t *cli = danecid_verdict_object(v), *resp = NULL, *root = NULL;
	char *s = NULL;

	resp = json_pack("{s:s,s:i,s:s}", "verstat", danecid_verstat_name(v->verstat), "reasoncode",
	                 v->sip_code, "reasontext", danecid_reason_token(v->reason));
	if (resp == NULL || cli == NULL) {
		goto out;
	}
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		json_t *x = json_object_get(cli, extra[i]);

		if (x == NULL || json_object_set(resp, extra[i], x) != 0) {
			goto out;
		}
	}
	root = json_pack("{s:O}", "verificationResponse", resp);
	if (root != NULL) {
		s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	}
out:
	json_decref(root);
	json_decref(resp);
	json_decref(cli);
	return s;
}

static void send_verdict(struct evhttp_request *req, const struct danecid_verdict *v)
{
	char *body = verdict_body(v);

	if (body == NULL) {
		/* Out of memory: still answer with the three standard fields (fixed tokens). */
		char fixed[160];
		int n = snprintf(fixed, sizeof(fixed),
		                 "{\"verificationResponse\":{\"verstat\":\"%s\",\"reasoncode\":%d,"
		                 "\"reasontext\":\"%s\"}}",
		                 danecid_verstat_name(v->verstat), v->sip_code,
		                 danecid_reason_token(v->reason));

		send_body(req, 200, "application/json", fixed, (size_t)n);
		return;
	}
	send_body(req, 200, "application/json", body, strlen(body));
	free(body);
}

/* ---- pending verifications ---------------------------------------------------------------- */

/* Take p out of every place libevent or the list could reach it from. Idempotent. */
static void pending_detach(struct pending *p)
{
	if (!p->linked) {
		return;
	}
	p->linked = false;
	if (p->prev != NULL) {
		p->prev->next = p->next;
	} else {
		p->h->pending = p->next;
	}
	if (p->next != NULL) {
		p->next->prev = p->prev;
	}
	p->prev = p->next = NULL;
	event_free(p->watch);
	p->watch = NULL;
	evhttp_connection_set_closecb(p->evcon, NULL, NULL);
}

static void pending_free(struct pending *p)
{
	pending_detach(p);
	free(p);
}

/* The verdict (loop thread, exactly once unless cancelled). */
static void on_verdict(const struct danecid_verdict *v, int err, void *arg)
{
	struct pending *p = arg;

	(void)err; /* the request was checked before submission: the verdict says it all */
	char peer[80];

	pending_detach(p);
	p->job = NULL;
	peer_name(p->req, peer, sizeof(peer));
	dd_log(DD_DEBUG, "http: %s: %s %d %s", peer, danecid_verstat_name(v->verstat), v->sip_code,
	       danecid_reason_token(v->reason));
	send_verdict(p->req, v);
	p->req = NULL; /* libevent frees it once the reply is out */
	if (p->submitting) {
		p->answered = true; /* handle_verify frees p */
	} else {
		free(p);
	}
}

/* The connection is being freed by libevent (evhttp_free): forget the request. */
static void on_close(struct evhttp_connection *evcon, void *arg)
{
	struct pending *p = arg;

	dd_job_cancel(p->job);
	pending_free(p);
}

/* The client socket is readable while we wait: end of file or an error means it has gone. */
static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct pending *p = arg;
	struct evhttp_connection *evcon = p->evcon;
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n > 0) {
		/* More data (a pipelined request): libevent reads it after our reply. Stop
		 * watching, or a level-triggered event would spin. */
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		event_add(p->watch, NULL);
		return;
	}
	dd_log(DD_DEBUG, "http: client went away before the verdict; verification cancelled");
	dd_job_cancel(p->job);
	pending_free(p);
	evhttp_connection_free(evcon); /* frees the request too */
}

/* ---- routes ------------------------------------------------------------------------------- */

static void handle_verify(struct dd_http *h, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	const char *data = NULL;
	struct dd_http_body body;
	struct pending *p = NULL;
	struct dd_job *job;
	char err[256];
	int code;
	evutil_socket_t fd;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		reject(h, req, 405, "POST", "%s takes POST", PATH_VERIFY);
		return;
	}
	if (len > 0 && len <= DD_HTTP_BODY_MAX) {
		data = (const char *)evbuffer_pullup(in, -1);
	}
	code = dd_http_body_read(ct, data, len, &body, err, sizeof(err));
	if (code != 0) {
		reject(h, req, code, NULL, "%s", err);
		return;
	}

	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		reject(h, req, 503, NULL, "out of memory");
		goto out;
	}
	p->h = h;
	p->req = req;
	p->evcon = evhttp_request_get_connection(req);
	p->submitting = true;
	job = dd_submit_request(h->d, DD_FE_HTTP, &body.rq, on_verdict, p);
	p->submitting = false;
	if (p->answered) {
		/* The verdict came at once and was sent. */
		free(p);
		goto out;
	}
	if (job == NULL) {
		free(p);
		reject(h, req, 503, NULL, "the verifier is overloaded; try again");
		goto out;
	}
	p->job = job;

	/* Wait for the verdict; watch for the client going away meanwhile. */
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(p->evcon));
	if (fd >= 0) {
		p->watch = event_new(dd_base(h->d), fd, EV_READ, on_readable, p);
		if (p->watch != NULL) {
			event_add(p->watch, NULL);
		}
	}
	evhttp_connection_set_closecb(p->evcon, on_close, p);
	p->linked = true;
	p->next = h->pending;
	if (p->next != NULL) {
		p->next->prev = p;
	}
	h->pending = p;
out:
	dd_http_body_clear(&body);
}

static void handle_healthz(struct evhttp_request *req)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		send_error(req, 405, "GET, HEAD", PATH_HEALTH " takes GET");
		return;
	}
	send_body(req, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

static void handle_metrics(struct dd_http *h, struct evhttp_request *req)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	struct dd_metrics *m = dd_metrics_snapshot(h->d);
	char *text;

	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		send_error(req, 405, "GET, HEAD", PATH_METRICS " takes GET");
		return;
	}
	text = dd_metrics_render(m);
	if (text == NULL) {
		send_error(req, 500, NULL, "out of memory");
		return;
	}
	send_body(req, 200, "text/plain; version=0.0.4", text, strlen(text));
	free(text);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct dd_http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;

	if (path != NULL && strcmp(path, PATH_HEALTH) == 0) {
		handle_healthz(req);
		return;
	}
	if (path != NULL && strcmp(path, PATH_METRICS) == 0) {
		handle_metrics(h, req);
		return;
	}
	dd_metrics_request(dd_metrics(h->d), DD_FE_HTTP);
	if (path != NULL && strcmp(path, PATH_VERIFY) == 0) {
		handle_verify(h, req);
		return;
	}
	reject(h, req, 404, NULL, "no such resource; try POST %s", PATH_VERIFY);
}

/* ---- start and stop ----------------------------------------------------------------------- */

/* "IP@PORT" into the host text and port evhttp binds to. */
static int parse_listen(const char *listen, char *host, size_t hostlen, ev_uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	const void *ip;

	if (danecid_addr_parse(listen, -1, &ss, &sslen) != DANECID_OK) {
		return -1;
	}
	if (ss.ss_family == AF_INET6) {
		ip = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	} else {
		ip = &((struct sockaddr_in *)&ss)->sin_addr;
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	return evutil_inet_ntop(ss.ss_family, ip, host, hostlen) != NULL ? 0 : -1;
}

int dd_http_start(struct dd *d, const char *listen, struct dd_http **out, char *errbuf,
                  size_t errlen)
{
	struct dd_http *h = NULL;
	struct evhttp_bound_socket *sock;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char host[INET6_ADDRSTRLEN + 8], bound[INET6_ADDRSTRLEN + 16];
	ev_uint16_t port;
	int r = -1;

	*out = NULL;
	if (listen == NULL) {
		listen = "127.0.0.1@8080";
	}
	if (parse_listen(listen, host, sizeof(host), &port) != 0) {
		snprintf(errbuf, errlen, "http-listen: \"%s\" is not IP@PORT", listen);
		goto out;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL || (h->http = evhttp_new(dd_base(d))) == NULL) {
		snprintf(errbuf, errlen, "http: out of memory");
		goto out;
	}
	h->d = d;
	dd_http_limits(h->http);
	evhttp_set_gencb(h->http, on_request, h);
	sock = evhttp_bind_socket_with_handle(h->http, host, port);
	if (sock == NULL) {
		snprintf(errbuf, errlen, "http: cannot listen at %s: %s", listen,
		         evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		goto out;
	}
	snprintf(bound, sizeof(bound), "%s", listen);
	if (getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss, &sslen) == 0) {
		char a[INET6_ADDRSTRLEN];
		const void *ip = ss.ss_family == AF_INET6
		                     ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
		                     : (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
		unsigned p =
		    ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
		                                   : ((struct sockaddr_in *)&ss)->sin_port);

		if (evutil_inet_ntop(ss.ss_family, ip, a, sizeof(a)) != NULL) {
			snprintf(bound, sizeof(bound), "%s@%u", a, p);
		}
	}
	dd_log(DD_INFO, "http: listening on %s", bound);
	*out = h;
	h = NULL;
	r = 0;
out:
	dd_http_stop(h);
	return r;
}

void dd_http_stop(struct dd_http *h)
{
	if (h == NULL) {
		return;
	}
	while (h->pending != NULL) {
		struct pending *p = h->pending;

		dd_job_cancel(p->job);
		pending_free(p);
	}
	if (h->http != NULL) {
		evhttp_free(h->http); /* closes the connections, frees their requests */
	}
	free(h);
}
