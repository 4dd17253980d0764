/* fuzz_http — bytes sent to danecidd's HTTP port, through what danecidd does with them.
 *
 * The input is a raw HTTP request (or several, or garbage). It is sent over a local stream
 * socket (a UNIX socket in the abstract namespace: no file, no network) to libevent's evhttp
 * set up with danecidd's own limits (dd_http_limits), and the client side shuts down its
 * sending half, then reads until the server closes. The request callback routes as
 * danecidd's http.c does (/healthz, /metrics, /stir/v1/verification, 404, 405), and a
 * verification request's body goes through dd_http_body_read() (httpreq.c: media type, size,
 * JSON, the ATIS-1000082 fields). A body that reads gives a request within its documented
 * bounds, whose numbers are then canonicalized and whose Identity values go through the
 * PASSporT checks (common.c), as danecid_verify_request() takes them before DNS.
 * A fresh evhttp serves each input, so nothing carries over.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>

#include <danecid/danecid.h>

#include "common.h"
#include "fuzz.h"
#include "httpreq.h"
#include "tn.h"

#define PATH_VERIFY  "/stir/v1/verification"
#define PATH_HEALTH  "/healthz"
#define PATH_METRICS "/metrics"

/* Loop turns without EOF before giving up on an input (each turn does not wait). */
#define TURNS_MAX 4000

static struct event_base *base;
static int listen_fd = -1;
static struct sockaddr_un addr;
static socklen_t addr_len;

/* What danecid_verify_request() does first with a request read from a body. */
static void check_request(const struct danecid_request *rq)
{
	struct danecid_tn orig, dests[DANECID_DEST_MAX];
	struct fuzz_call c;
	size_t n_tn = 0;

	FUZZ_CHECK(rq->orig != NULL && rq->dialog == NULL);
	FUZZ_CHECK(rq->n_dest >= 1 && rq->n_dest <= DANECID_DEST_MAX && rq->dest != NULL);
	FUZZ_CHECK(rq->n_identity <= DANECID_IDENTITY_MAX);
	FUZZ_CHECK(rq->n_identity == 0 || rq->identity != NULL);
	memset(&c, 0, sizeof(c));
	if (danecid_tn_canon(rq->orig, strlen(rq->orig), true, &orig) == DANECID_OK) {
		fuzz_check_tn(&orig);
		c.orig = &orig;
	}
	for (size_t i = 0; i < rq->n_dest; i++) {
		FUZZ_CHECK(rq->dest[i] != NULL);
		if (danecid_tn_canon(rq->dest[i], strlen(rq->dest[i]), true, &dests[n_tn]) ==
		    DANECID_OK) {
			fuzz_check_tn(&dests[n_tn]);
			n_tn++;
		}
	}
	/* the compact form needs exactly one called TN */
	c.dest = n_tn == 1 && rq->n_dest == 1 ? &dests[0] : NULL;
	c.has_date = rq->has_time;
	c.date = rq->time;
	if (c.orig == NULL) {
		return; /* not-a-tn: verification stops here */
	}
	for (size_t i = 0; i < rq->n_identity; i++) {
		FUZZ_CHECK(rq->identity[i] != NULL);
		fuzz_identity_value(rq->identity[i], strlen(rq->identity[i]), &c);
	}
}

static int verify_route(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	const char *data = NULL;
	struct dd_http_body body;
	char err[256];
	int code;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		return 405;
	}
	if (len > 0 && len <= DD_HTTP_BODY_MAX) {
		data = (const char *)evbuffer_pullup(in, -1);
	}
	err[0] = '\0';
	code = dd_http_body_read(ct, data, len, &body, err, sizeof(err));
	FUZZ_CHECK(code == 0 || code == 400 || code == 413 || code == 415);
	if (code != 0) {
		FUZZ_CHECK(body.root == NULL && err[0] != '\0');
		return code;
	}
	FUZZ_CHECK(body.root != NULL);
	check_request(&body.rq);
	dd_http_body_clear(&body);
	FUZZ_CHECK(body.root == NULL);
	return 200;
}

/* danecidd's routing (http.c on_request), answering with the status alone. */
static void on_request(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	bool get = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD;
	int code;

	(void)arg;
	if (path != NULL && (strcmp(path, PATH_HEALTH) == 0 || strcmp(path, PATH_METRICS) == 0)) {
		code = get ? 200 : 405;
	} else if (path != NULL && strcmp(path, PATH_VERIFY) == 0) {
		code = verify_route(req);
	} else {
		code = 404;
	}
	evhttp_send_reply(req, code, "-", NULL);
}

static void setup(void)
{
	struct sockaddr_un *a = &addr;
	int n;

	base = event_base_new();
	FUZZ_CHECK(base != NULL);
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	/* abstract namespace: sun_path starts with a NUL, nothing appears on disk */
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "danecid-fuzz-http.%ld",
	             (long)getpid());
	addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(listen_fd >= 0);
	FUZZ_CHECK(bind(listen_fd, (struct sockaddr *)a, addr_len) == 0);
	FUZZ_CHECK(listen(listen_fd, 16) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evhttp *http;
	struct evconnlistener *lev;
	char buf[4096];
	size_t off = 0;
	bool shut = false, eof = false;
	int client;

	if (base == NULL) {
		setup();
	}
	client = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(client >= 0);
	FUZZ_CHECK(connect(client, (struct sockaddr *)&addr, addr_len) == 0);
	http = evhttp_new(base);
	FUZZ_CHECK(http != NULL);
	dd_http_limits(http);
	evhttp_set_gencb(http, on_request, NULL);
	/* backlog 0: the socket listens already; it stays open when the listener goes */
	lev = evconnlistener_new(base, NULL, NULL, 0, 0, listen_fd);
	FUZZ_CHECK(lev != NULL && evhttp_bind_listener(http, lev) != NULL);
	for (int turn = 0; turn < TURNS_MAX && !eof; turn++) {
		ssize_t n;

		if (off < size) {
			n = send(client, data + off, size - off, MSG_NOSIGNAL);
			if (n > 0) {
				off += (size_t)n;
			} else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
				off = size; /* the server closed: the rest is not read */
			}
		}
		if (off == size && !shut) {
			(void)shutdown(client, SHUT_WR);
			shut = true;
		}
		FUZZ_CHECK(event_base_loop(base, EVLOOP_NONBLOCK) >= 0);
		while ((n = recv(client, buf, sizeof(buf), 0)) > 0) {
		}
		eof = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
	}
	evhttp_free(http); /* closes what is left of the connection, frees the listener */
	close(client);
	return 0;
}
