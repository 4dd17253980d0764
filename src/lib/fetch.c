/* fetch — one bounded HTTPS GET of an x5u document with libcurl.
 *
 * Bounds: https only (redirects too), a total time limit, a size limit enforced while the body
 * arrives, a redirect limit, no proxy from the environment. Every address a connection is
 * about to be made to (after name resolution, for each redirect) passes opensock(): a
 * private, loopback or otherwise special address is refused there unless configured, so a
 * name that resolves to 127.0.0.1 is caught as surely as a literal one.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include <danecid/error.h>

#include "fetch.h"
#include "util.h"

#define URL_MAX 2048

struct xfer {
	const struct danecid_fetch_opts *opts;
	struct danecid_fetch_result *res;
	size_t cap;
	bool too_big;
	bool refused;
	char refused_addr[INET6_ADDRSTRLEN];
	long date;    /* the response's Date, -1 none */
	long expires; /* its Expires, -1 none */
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_result = DANECID_ERR_INTERNAL;

static void global_init(void)
{
	init_result =
	    curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? DANECID_OK : DANECID_ERR_INTERNAL;
}

int danecid_fetch_global_init(void)
{
	pthread_once(&once, global_init);
	return init_result;
}

int danecid_fetch_url_check(const char *url, size_t len, char *err, size_t errlen)
{
	const char *host;
	size_t hlen;
	char q[DANECID_QUOTE_SIZE];

	danecid_quote(url, len, q);
	if (len > URL_MAX) {
		danecid_errf(err, errlen, "x5u is longer than %u bytes", URL_MAX);
		return DANECID_ERR_MALFORMED;
	}
	for (size_t i = 0; i < len; i++) {
		if (url[i] <= ' ' || (unsigned char)url[i] >= 0x7f) {
			danecid_errf(err, errlen, "x5u %s has a space or control byte", q);
			return DANECID_ERR_MALFORMED;
		}
	}
	if (len < 8 || strncasecmp(url, "https://", 8) != 0) {
		danecid_errf(err, errlen, "x5u %s is not an https URL", q);
		return DANECID_ERR_MALFORMED;
	}
	host = url + 8;
	hlen = 0;
	while (8 + hlen < len && host[hlen] != '/' && host[hlen] != '?' && host[hlen] != '#') {
		if (host[hlen] == '@') {
			danecid_errf(err, errlen, "x5u %s carries user information", q);
			return DANECID_ERR_MALFORMED;
		}
		hlen++;
	}
	if (hlen == 0 || host[0] == ':') {
		danecid_errf(err, errlen, "x5u %s has no host", q);
		return DANECID_ERR_MALFORMED;
	}
	return DANECID_OK;
}

static bool v4_private(const uint8_t a[4])
{
	return a[0] == 0 || a[0] == 10 || a[0] == 127 ||     /* this, private, loopback */
	       (a[0] == 100 && (a[1] & 0xc0) == 64) ||       /* shared 100.64/10 */
	       (a[0] == 169 && a[1] == 254) ||               /* link-local */
	       (a[0] == 172 && (a[1] & 0xf0) == 16) ||       /* private 172.16/12 */
	       (a[0] == 192 && a[1] == 0 && a[2] == 0) ||    /* IETF 192.0.0/24 */
	       (a[0] == 192 && a[1] == 0 && a[2] == 2) ||    /* documentation */
	       (a[0] == 192 && a[1] == 168) ||               /* private */
	       (a[0] == 198 && (a[1] & 0xfe) == 18) ||       /* benchmarking 198.18/15 */
	       (a[0] == 198 && a[1] == 51 && a[2] == 100) || /* documentation */
	       (a[0] == 203 && a[1] == 0 && a[2] == 113) ||  /* documentation */
	       a[0] >= 224;                                  /* multicast, reserved, broadcast */
}

bool danecid_addr_is_private(const uint8_t *a, size_t len)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t zero[15] = {0};

	if (len == 4) {
		return v4_private(a);
	}
	if (len != 16) {
		return true;
	}
	if (memcmp(a, mapped, 12) == 0) {
		return v4_private(a + 12);
	}
	if (memcmp(a, zero, 15) == 0) {
		return true; /* :: and ::1 */
	}
	return (a[0] & 0xfe) == 0xfc ||                   /* unique local fc00::/7 */
	       (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || /* link-local fe80::/10 */
	       (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) || /* site-local fec0::/10 */
	       a[0] == 0xff ||                            /* multicast */
	       (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) || /* doc */
	       (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b && a[4] == 0 &&
	        a[5] == 1); /* local-use NAT64 64:ff9b:1::/48 */
}

static curl_socket_t opensock(void *arg, curlsocktype purpose, struct curl_sockaddr *sa)
{
	struct xfer *x = arg;
	const uint8_t *a = NULL;
	size_t alen = 0;

	if (purpose != CURLSOCKTYPE_IPCXN) {
		return CURL_SOCKET_BAD;
	}
	if (sa->family == AF_INET && sa->addrlen >= sizeof(struct sockaddr_in)) {
		a = (const uint8_t *)&((const struct sockaddr_in *)(const void *)&sa->addr)
		        ->sin_addr;
		alen = 4;
	} else if (sa->family == AF_INET6 && sa->addrlen >= sizeof(struct sockaddr_in6)) {
		a = (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)&sa->addr)
		        ->sin6_addr;
		alen = 16;
	} else {
		return CURL_SOCKET_BAD;
	}
	if (!x->opts->allow_private && danecid_addr_is_private(a, alen)) {
		x->refused = true;
		inet_ntop(sa->family, a, x->refused_addr, sizeof(x->refused_addr));
		return CURL_SOCKET_BAD;
	}
	x->res->connects++;
	return socket(sa->family, sa->socktype, sa->protocol);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	struct danecid_fetch_result *res = x->res;
	size_t len = size * n;

	if (len > x->opts->max_bytes - res->len) {
		x->too_big = true;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	if (res->len + len + 1 > x->cap) {
		size_t cap = x->cap == 0 ? 4096 : x->cap;
		uint8_t *b;

		while (cap < res->len + len + 1) {
			cap *= 2;
		}
		if ((b = realloc(res->body, cap)) == NULL) {
			return 0;
		}
		res->body = b;
		x->cap = cap;
	}
	memcpy(res->body + res->len, data, len);
	res->len += len;
	res->body[res->len] = '\0';
	return len;
}

/* The value of a Cache-Control directive "name=N" within [start, end), or -1. */
static long directive(const char *start, const char *end, const char *name)
{
	size_t nlen = strlen(name);

	for (const char *p = start; p + nlen < end; p++) {
		if (strncasecmp(p, name, nlen) == 0 && p[nlen] == '=' &&
		    (p == start || p[-1] == ' ' || p[-1] == ',' || p[-1] == '\t')) {
			long v = 0;
			const char *d = p + nlen + 1;

			if (d < end && *d == '"') {
				d++;
			}
			if (d >= end || !isdigit((unsigned char)*d)) {
				return -1;
			}
			for (; d < end && isdigit((unsigned char)*d); d++) {
				v = v > 100000000 ? v : v * 10 + (*d - '0');
			}
			return v;
		}
	}
	return -1;
}

static bool has_word(const char *p, const char *end, const char *w)
{
	size_t wlen = strlen(w);

	for (; p + wlen <= end; p++) {
		if (strncasecmp(p, w, wlen) == 0) {
			return true;
		}
	}
	return false;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	struct danecid_fetch_result *res = x->res;
	size_t len = size * n;
	const char *end = data + len;
	const char *colon = memchr(data, ':', len);
	char tmp[128];

	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		res->max_age = -1; /* a new response (after a redirect): forget the last one's */
		res->no_store = false;
		x->date = x->expires = -1;
		return len;
	}
	if (colon == NULL) {
		return len;
	}
	if ((size_t)(colon - data) == 13 && strncasecmp(data, "cache-control", 13) == 0) {
		long s = directive(colon + 1, end, "s-maxage");
		long m = directive(colon + 1, end, "max-age");

		res->max_age = s >= 0 ? s : m;
		res->no_store =
		    has_word(colon + 1, end, "no-store") || has_word(colon + 1, end, "no-cache");
	} else if (((size_t)(colon - data) == 4 && strncasecmp(data, "date", 4) == 0) ||
	           ((size_t)(colon - data) == 7 && strncasecmp(data, "expires", 7) == 0)) {
		size_t vlen = (size_t)(end - colon - 1);
		long t;

		if (vlen >= sizeof(tmp)) {
			return len;
		}
		memcpy(tmp, colon + 1, vlen);
		tmp[vlen] = '\0';
		t = (long)curl_getdate(tmp, NULL);
		if (colon - data == 4) {
			x->date = t;
		} else {
			x->expires = t < 0 ? 0 : t; /* an unreadable Expires means expired */
		}
	}
	return len;
}

static int setopts(CURL *c, struct xfer *x, const char *url)
{
	const struct danecid_fetch_opts *o = x->opts;
	CURLcode e = CURLE_OK;

#define SET(opt, val)                                                                              \
	do {                                                                                       \
		if (e == CURLE_OK) {                                                               \
			e = curl_easy_setopt(c, opt, val);                                         \
		}                                                                                  \
	} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)o->max_redirs);
	SET(CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)o->timeout_ms);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_USERAGENT, "danecid");
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_OPENSOCKETFUNCTION, opensock);
	SET(CURLOPT_OPENSOCKETDATA, x);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, x);
	if (o->tls_ca_file != NULL) {
		SET(CURLOPT_CAINFO, o->tls_ca_file);
	}
#undef SET
	return e == CURLE_OK ? DANECID_OK : DANECID_ERR_INTERNAL;
}

int danecid_fetch(const struct danecid_fetch_opts *opts, const char *url,
                  struct danecid_fetch_result *res)
{
	struct xfer x;
	CURL *c;
	CURLcode e;
	char q[DANECID_QUOTE_SIZE];
	curl_off_t n;
	int r;

	memset(res, 0, sizeof(*res));
	res->max_age = -1;
	memset(&x, 0, sizeof(x));
	x.opts = opts;
	x.res = res;
	x.date = x.expires = -1;
	if (danecid_fetch_url_check(url, strlen(url), res->err, sizeof(res->err)) != DANECID_OK) {
		return DANECID_OK;
	}
	if ((r = danecid_fetch_global_init()) != DANECID_OK) {
		return r;
	}
	if ((c = curl_easy_init()) == NULL) {
		return DANECID_ERR_NOMEM;
	}
	if ((r = setopts(c, &x, url)) != DANECID_OK) {
		curl_easy_cleanup(c);
		return r;
	}
	e = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->http_code);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &res->seconds);
	if (curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &n) == CURLE_OK && n > 0) {
		res->bytes += (uint64_t)n;
	}
	{
		long hs = 0, rs = 0;

		curl_easy_getinfo(c, CURLINFO_HEADER_SIZE, &hs);
		curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &rs);
		res->bytes += (uint64_t)(hs > 0 ? hs : 0) + (uint64_t)(rs > 0 ? rs : 0);
	}
	curl_easy_cleanup(c);
	danecid_quote(url, strlen(url), q);
	if (x.refused) {
		danecid_errf(res->err, sizeof(res->err),
		             "x5u %s: address %s is private or special-purpose "
		             "(x5u-allow-private: no)",
		             q, x.refused_addr);
	} else if (x.too_big || e == CURLE_FILESIZE_EXCEEDED) {
		danecid_errf(res->err, sizeof(res->err), "x5u %s: larger than %zu bytes", q,
		             opts->max_bytes);
	} else if (e == CURLE_OPERATION_TIMEDOUT) {
		danecid_errf(res->err, sizeof(res->err), "x5u %s: no answer within %u ms", q,
		             opts->timeout_ms);
	} else if (e == CURLE_TOO_MANY_REDIRECTS) {
		danecid_errf(res->err, sizeof(res->err), "x5u %s: more than %u redirects", q,
		             opts->max_redirs);
	} else if (e == CURLE_UNSUPPORTED_PROTOCOL) {
		danecid_errf(res->err, sizeof(res->err), "x5u %s: redirected to a non-https URL",
		             q);
	} else if (e != CURLE_OK) {
		danecid_errf(res->err, sizeof(res->err), "x5u %s: %s", q, curl_easy_strerror(e));
	} else if (res->http_code != 200) {
		danecid_errf(res->err, sizeof(res->err), "x5u %s: HTTP status %ld", q,
		             res->http_code);
	} else if (res->len == 0) {
		danecid_errf(res->err, sizeof(res->err), "x5u %s: empty document", q);
	} else {
		res->ok = true;
		if (res->max_age < 0 && x.expires >= 0) {
			res->max_age = x.date >= 0 && x.expires > x.date ? x.expires - x.date : 0;
		}
	}
	if (!res->ok) {
		free(res->body);
		res->body = NULL;
		res->len = 0;
	}
	return DANECID_OK;
}

void danecid_fetch_result_clear(struct danecid_fetch_result *res)
{
	free(res->body);
	memset(res, 0, sizeof(*res));
	res->max_age = -1;
}
