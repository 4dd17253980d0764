/* sip — parse one SIP request with libosip2 and extract the facts STIR verification needs.
 *
 * Outline:
 *   1. Bound the input (64 KiB) and scan the raw head ourselves: NUL bytes, a missing blank
 *      line after the headers (libosip2 accepts such a truncated message), responses, repeated
 *      From/To/Call-ID/CSeq (libosip2 may silently keep one), and "%00" in the URIs we hand
 *      out (libosip2 decodes %00 into a NUL and so truncates user parts and params).
 *   2. Parse a NUL-terminated copy with libosip2, in which a multipart Content-Type is
 *      hidden: libosip2 5.3 leaks memory on some multipart bodies, and no body is ever used.
 *   3. Check what the parser accepts but a request must not be: a response, a SIP version
 *      other than 2.0, a missing From/To/Call-ID/CSeq, a CSeq method that differs from the
 *      request method.
 *   4. Copy out the Request-URI, From (URI, tag), To URI, Call-ID, Date, the P-Asserted-Identity
 *      URIs and the Identity headers, in order; then, as information only (what does not parse
 *      is skipped), the History-Info and Diversion entry URIs and the Privacy values.
 *
 * Line ends: CRLF, and bare LF (libosip2 accepts it; so does the raw scan).
 * Limits: the first DANECID_SIP_MAX_PAI P-Asserted-Identity URIs and the first
 * DANECID_SIP_MAX_IDENTITY Identity headers, and the first DANECID_SIP_MAX_RETARGET History-Info
 * and Diversion entries are kept; later ones are ignored.
 * An Identity header that danecid_identity_parse() rejects is kept with its raw value and an
 * empty JWS, so that the verifier reports it as malformed instead of the request failing.
 */
#include <time.h>
#include <sys/time.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include <danecid/error.h>

#include "sip.h"
#include "util.h"

/* Largest message accepted (a STIR INVITE is 1–3 KiB). */
#define SIP_MAX_LEN 65536

/* Headers the raw scan tracks. */
enum hdr_kind {
	HDR_OTHER = 0,
	HDR_FROM,
	HDR_TO,
	HDR_CALL_ID,
	HDR_CSEQ,
	HDR_PAI,
	HDR_CONTENT_TYPE,
	HDR_START_LINE, /* not a header: the request line */
	HDR_KIND_COUNT
};

/* Multipart Content-Type headers hidden from libosip2 at most (SIP allows one Content-Type). */
#define HIDE_MAX 4

/* What the raw scan of the message head finds. */
struct head_scan {
	size_t head_len;                /* bytes before the blank line (all if none) */
	bool complete;                  /* the blank line that ends the head was seen */
	bool response;                  /* the start line is a status line */
	unsigned count[HDR_KIND_COUNT]; /* occurrences of each tracked header */
	const char *esc_nul;            /* where "%00" is in a URI we extract, or NULL */
	size_t hide[HIDE_MAX];          /* offsets of multipart Content-Type header lines */
	unsigned n_hide;                /* how many (HIDE_MAX + 1: too many) */
};

static const struct {
	const char *name;
	enum hdr_kind kind;
} tracked_headers[] = {
    {"from", HDR_FROM},
    {"f", HDR_FROM},
    {"to", HDR_TO},
    {"t", HDR_TO},
    {"call-id", HDR_CALL_ID},
    {"i", HDR_CALL_ID},
    {"cseq", HDR_CSEQ},
    {"p-asserted-identity", HDR_PAI},
    {"content-type", HDR_CONTENT_TYPE},
    {"c", HDR_CONTENT_TYPE},
};

static const char *const hdr_names[HDR_KIND_COUNT] = {
    [HDR_FROM] = "From",
    [HDR_TO] = "To",
    [HDR_CALL_ID] = "Call-ID",
    [HDR_CSEQ] = "CSeq",
};

/* The places whose URIs we hand out, where "%00" is refused. */
static const char *const esc_nul_where[HDR_KIND_COUNT] = {
    [HDR_FROM] = "the From header",
    [HDR_TO] = "the To header",
    [HDR_PAI] = "the P-Asserted-Identity header",
    [HDR_START_LINE] = "the Request-URI",
};

static pthread_once_t sip_once = PTHREAD_ONCE_INIT;

/* libosip2 prints parse errors on stdout by default: that would corrupt the CLI's output. */
static void trace_silent(const char *fi, int li, osip_trace_level_t level, const char *chfr,
                         va_list ap)
{
	(void)fi;
	(void)li;
	(void)level;
	(void)chfr;
	(void)ap;
}

static void sip_init_once(void)
{
	parser_init();
	osip_trace_initialize_func(TRACE_LEVEL0, trace_silent);
}

void danecid_sip_init(void)
{
	pthread_once(&sip_once, sip_init_once);
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trim whitespace on both ends of [*p, *p + *len). */
static void trim(const char **p, size_t *len)
{
	while (*len > 0 && is_ws(**p)) {
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && is_ws((*p)[*len - 1])) {
		(*len)--;
	}
}

/* Does [p, p+n) hold "%00" (an escaped NUL)? */
static bool has_esc_nul(const char *p, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++) {
		if (p[i] == '%' && p[i + 1] == '0' && p[i + 2] == '0') {
			return true;
		}
	}
	return false;
}

/* Remember the first "%00" in a place whose URI is extracted. */
static void note_esc_nul(struct head_scan *hs, enum hdr_kind where, const char *p, size_t n)
{
	if (hs->esc_nul == NULL && esc_nul_where[where] != NULL && has_esc_nul(p, n)) {
		hs->esc_nul = esc_nul_where[where];
	}
}

static enum hdr_kind classify(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(tracked_headers) / sizeof(tracked_headers[0]); i++) {
		if (strlen(tracked_headers[i].name) == n &&
		    strncasecmp(name, tracked_headers[i].name, n) == 0) {
			return tracked_headers[i].kind;
		}
	}
	return HDR_OTHER;
}

/* Whether the header value that follows the colon at p (folded lines too) is multipart. */
static bool is_multipart(const char *p, const char *end)
{
	while (p < end && is_ws(*p)) {
		p++;
	}
	return end - p >= 9 && strncasecmp(p, "multipart", 9) == 0;
}

/* Scan the head line by line (CRLF or LF), unfolding continuation lines. */
static void scan_head(const char *p, size_t len, struct head_scan *hs)
{
	enum hdr_kind cur = HDR_OTHER;
	bool first = true;
	size_t i = 0;

	memset(hs, 0, sizeof(*hs));
	hs->head_len = len;
	while (i < len) {
		const char *nl = memchr(p + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - p) : len;
		size_t lend = end;
		const char *line = p + i;
		const char *colon;
		size_t n;

		if (lend > i && p[lend - 1] == '\r') {
			lend--;
		}
		n = lend - i;
		if (first) {
			hs->response = n >= 4 && strncasecmp(line, "SIP/", 4) == 0;
			note_esc_nul(hs, HDR_START_LINE, line, n);
			first = false;
		} else if (n == 0) {
			hs->head_len = i;
			hs->complete = true;
			return;
		} else if (line[0] == ' ' || line[0] == '\t') {
			/* A continuation of the previous header's value. */
			note_esc_nul(hs, cur, line, n);
		} else if ((colon = memchr(line, ':', n)) != NULL) {
			size_t nlen = (size_t)(colon - line);
			size_t vlen = n - nlen;

			while (nlen > 0 && (line[nlen - 1] == ' ' || line[nlen - 1] == '\t')) {
				nlen--;
			}
			cur = classify(line, nlen);
			hs->count[cur]++;
			note_esc_nul(hs, cur, colon, vlen);
			if (cur == HDR_CONTENT_TYPE && is_multipart(colon + 1, p + len) &&
			    hs->n_hide <= HIDE_MAX) {
				if (hs->n_hide < HIDE_MAX) {
					hs->hide[hs->n_hide] = i;
				}
				hs->n_hide++;
			}
		} else {
			cur = HDR_OTHER; /* not a header line: libosip2 decides */
		}
		i = nl != NULL ? end + 1 : len;
	}
}

/* Index of the quote closing the quoted string that opens at p[i], or len if unterminated. */
static size_t skip_quoted(const char *p, size_t len, size_t i)
{
	for (size_t j = i + 1; j < len; j++) {
		if (p[j] == '\\') {
			j++;
		} else if (p[j] == '"') {
			return j;
		}
	}
	return len;
}

/* A malloc'd copy of a libosip2-allocated string, which is released. NULL on NOMEM. */
static char *take_osip_str(char *s)
{
	char *copy = strdup(s);

	osip_free(s);
	return copy;
}

/* The text form of a URI, in *out (malloc'd). */
static int uri_text(osip_uri_t *uri, const char *what, char **out, char *errbuf, size_t errlen)
{
	char *s = NULL;

	if (uri == NULL || osip_uri_to_str(uri, &s) != 0 || s == NULL) {
		danecid_errf(errbuf, errlen, "%s: no usable URI", what);
		return DANECID_ERR_NOT_SIP;
	}
	*out = take_osip_str(s);
	return *out != NULL ? DANECID_OK : DANECID_ERR_NOMEM;
}

/* One P-Asserted-Identity value (name-addr or addr-spec) to its URI text. */
static int pai_uri(const char *value, char **out, char *errbuf, size_t errlen)
{
	int r = DANECID_ERR_INTERNAL;
	osip_from_t *addr = NULL;

	if (osip_from_init(&addr) != 0) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if (value == NULL || osip_from_parse(addr, value) != 0) {
		danecid_errf(errbuf, errlen, "P-Asserted-Identity: cannot parse \"%s\"",
		             value != NULL ? value : "");
		r = DANECID_ERR_NOT_SIP;
		goto out;
	}
	r = uri_text(addr->url, "P-Asserted-Identity", out, errbuf, errlen);
out:
	if (addr != NULL) {
		osip_from_free(addr);
	}
	return r;
}

/* An Identity header into req->identity[req->n_identity]. */
static int add_identity(struct danecid_sip_req *req, const char *value)
{
	struct danecid_identity *id = &req->identity[req->n_identity];
	size_t len = strlen(value);
	int r = danecid_identity_parse(value, len, id);

	if (r == DANECID_ERR_MALFORMED) {
		/* Keep it, visibly broken: the verifier turns it into identity-malformed. */
		const char *raw = value;

		trim(&raw, &len);
		id->raw = strndup(raw, len);
		id->jws = strdup("");
		id->jws_len = 0;
		if (id->raw == NULL || id->jws == NULL) {
			danecid_identity_clear(id);
			return DANECID_ERR_NOMEM;
		}
		r = DANECID_OK;
	}
	if (r == DANECID_OK) {
		req->n_identity++;
	}
	return r;
}

/* Index of the ',' that ends the list entry starting at p[i] (a ',' outside quoted strings and
 * <...>), or len. An unterminated quoted string or '<' runs to the end. */
static size_t entry_end(const char *p, size_t len, size_t i)
{
	for (; i < len; i++) {
		if (p[i] == '"') {
			i = skip_quoted(p, len, i);
		} else if (p[i] == '<') {
			const char *gt = memchr(p + i + 1, '>', len - i - 1);

			if (gt == NULL) {
				return len;
			}
			i = (size_t)(gt - p);
		} else if (p[i] == ',') {
			return i;
		}
	}
	return len;
}

/*
 * A NUL-terminated copy of the list entry [p, p+len) with the "?headers" part of its <URI> cut
 * out. History-Info URIs carry "?Reason=..." headers, sometimes with an unescaped ';' that
 * libosip2 refuses. The headers start at the first '?' after the last '@' (a user part may
 * hold a '?', a host may not), or at the first '?' when there is no '@'.
 * NULL on NOMEM.
 */
static char *entry_without_uri_headers(const char *p, size_t len)
{
	size_t cut = len;    /* where "?headers" begins */
	size_t resume = len; /* the '>' that ends the URI */
	size_t lt = len;
	char *s;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '"') {
			i = skip_quoted(p, len, i);
		} else if (p[i] == '<') {
			lt = i;
			break;
		}
	}
	if (lt < len) {
		const char *gt = memchr(p + lt, '>', len - lt);

		if (gt != NULL) {
			size_t from = lt + 1;
			const char *q;

			resume = (size_t)(gt - p);
			for (size_t j = lt + 1; j < resume; j++) {
				if (p[j] == '@') {
					from = j + 1;
				}
			}
			q = memchr(p + from, '?', resume - from);
			if (q != NULL) {
				cut = (size_t)(q - p);
			}
		}
	}
	s = malloc(len + 1);
	if (s == NULL) {
		return NULL;
	}
	if (cut < len) {
		memcpy(s, p, cut);
		memcpy(s + cut, p + resume, len - resume);
		s[cut + len - resume] = '\0';
	} else {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

/* The URI text of one History-Info or Diversion entry (name-addr or addr-spec with header
 * parameters), without "?headers", in *out (malloc'd); *out stays NULL when the entry does not
 * parse: these headers are informational, a broken entry is skipped. */
static int retarget_uri(const char *p, size_t len, char **out)
{
	int r = DANECID_ERR_INTERNAL;
	osip_from_t *addr = NULL;
	char *entry = NULL;

	*out = NULL;
	trim(&p, &len);
	if (len == 0) {
		r = DANECID_OK;
		goto out;
	}
	entry = entry_without_uri_headers(p, len);
	if (entry == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if (has_esc_nul(entry, strlen(entry))) {
		/* libosip2 would decode %00 and cut the URI there; anywhere in the entry, to be
		 * safe */
		r = DANECID_OK;
		goto out;
	}
	if (osip_from_init(&addr) != 0) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if (osip_from_parse(addr, entry) != 0 || addr->url == NULL) {
		r = DANECID_OK;
		goto out;
	}
	osip_uri_header_freelist(&addr->url->url_headers); /* none left after the cut; be sure */
	r = uri_text(addr->url, "entry", out, NULL, 0);
	if (r == DANECID_ERR_NOT_SIP) {
		r = DANECID_OK;
	}
out:
	if (addr != NULL) {
		osip_from_free(addr);
	}
	free(entry);
	return r;
}

/* The comma-separated entries of one History-Info or Diversion header value, their URIs
 * appended to uris[*n] while there is room (DANECID_SIP_MAX_RETARGET). libosip2 splits some
 * unknown headers on ',' itself (History-Info) and not others (Diversion, as of 5.3): the
 * entries are split here again, so both give the same result. */
static int add_retarget(const char *value, char **uris, size_t *n)
{
	int r = DANECID_ERR_INTERNAL;
	size_t len = value != NULL ? strlen(value) : 0;
	size_t i = 0;

	while (i < len && *n < DANECID_SIP_MAX_RETARGET) {
		size_t end = entry_end(value, len, i);
		char *uri = NULL;

		if ((r = retarget_uri(value + i, end - i, &uri)) != DANECID_OK) {
			goto out;
		}
		if (uri != NULL) {
			uris[(*n)++] = uri;
		}
		i = end + 1;
	}
	r = DANECID_OK;
out:
	return r;
}

/*
 * Privacy (RFC 3323): the priv-values of every Privacy header, in order, joined with ';' into
 * req->privacy; white space around them and empty ones are dropped. ',' separates too: whether
 * libosip2 splits the value on ',' into several headers depends on its version. Two passes (the
 * first bounds the length), with list iterators so that many headers stay linear.
 */
static int extract_privacy(const osip_message_t *msg, struct danecid_sip_req *req)
{
	int r = DANECID_ERR_INTERNAL;
	osip_list_iterator_t it;
	osip_header_t *h;
	bool present = false;
	size_t cap = 0;
	size_t n = 0;
	char *s = NULL;

	for (h = osip_list_get_first(&msg->headers, &it); osip_list_iterator_has_elem(it);
	     h = osip_list_get_next(&it)) {
		if (h != NULL && h->hname != NULL && strcasecmp(h->hname, "privacy") == 0) {
			present = true;
			cap += (h->hvalue != NULL ? strlen(h->hvalue) : 0) + 1;
		}
	}
	if (!present) {
		r = DANECID_OK;
		goto out;
	}
	s = malloc(cap + 1);
	if (s == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	for (h = osip_list_get_first(&msg->headers, &it); osip_list_iterator_has_elem(it);
	     h = osip_list_get_next(&it)) {
		const char *v;
		size_t vlen;
		size_t start = 0;

		if (h == NULL || h->hname == NULL || strcasecmp(h->hname, "privacy") != 0 ||
		    h->hvalue == NULL) {
			continue;
		}
		v = h->hvalue;
		vlen = strlen(v);
		for (size_t i = 0; i <= vlen; i++) {
			const char *tok = v + start;
			size_t tlen = i - start;

			if (i < vlen && v[i] != ';' && v[i] != ',') {
				continue;
			}
			start = i + 1;
			trim(&tok, &tlen);
			if (tlen == 0) {
				continue;
			}
			if (n > 0) {
				s[n++] = ';';
			}
			memcpy(s + n, tok, tlen);
			n += tlen;
		}
	}
	s[n] = '\0';
	req->privacy = s;
	s = NULL;
	r = DANECID_OK;
out:
	free(s);
	return r;
}

/* The generic headers: Date (first), P-Asserted-Identity, Identity (compact "y"), History-Info
 * and Diversion, in order; then Privacy. */
static int extract_generic(osip_message_t *msg, struct danecid_sip_req *req, char *errbuf,
                           size_t errlen)
{
	int r = DANECID_ERR_INTERNAL;
	osip_header_t *h;

	for (int pos = 0; !osip_list_eol(&msg->headers, pos); pos++) {
		h = osip_list_get(&msg->headers, pos);
		if (h == NULL || h->hname == NULL) {
			continue;
		}
		if (strcasecmp(h->hname, "p-asserted-identity") == 0) {
			if (req->n_pai == DANECID_SIP_MAX_PAI) {
				continue;
			}
			r = pai_uri(h->hvalue, &req->pai[req->n_pai], errbuf, errlen);
			if (r != DANECID_OK) {
				goto out;
			}
			req->n_pai++;
		} else if (strcasecmp(h->hname, "identity") == 0 ||
		           strcasecmp(h->hname, "y") == 0) {
			if (req->n_identity == DANECID_SIP_MAX_IDENTITY) {
				continue;
			}
			r = add_identity(req, h->hvalue != NULL ? h->hvalue : "");
			if (r != DANECID_OK) {
				goto out;
			}
		} else if (strcasecmp(h->hname, "date") == 0 && req->date == NULL) {
			req->date = strdup(h->hvalue != NULL ? h->hvalue : "");
			if (req->date == NULL) {
				r = DANECID_ERR_NOMEM;
				goto out;
			}
		} else if (strcasecmp(h->hname, "history-info") == 0) {
			r = add_retarget(h->hvalue, req->hist_info, &req->n_hist_info);
			if (r != DANECID_OK) {
				goto out;
			}
		} else if (strcasecmp(h->hname, "diversion") == 0) {
			r = add_retarget(h->hvalue, req->diversion, &req->n_diversion);
			if (r != DANECID_OK) {
				goto out;
			}
		}
	}
	r = extract_privacy(msg, req);
out:
	return r;
}

/* Everything else from a message that passed the checks. */
static int extract(osip_message_t *msg, struct danecid_sip_req *req, char *errbuf, size_t errlen)
{
	int r = DANECID_ERR_INTERNAL;
	osip_generic_param_t *tag = NULL;
	char *s = NULL;

	req->method = strdup(msg->sip_method);
	if (req->method == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if ((r = uri_text(msg->req_uri, "Request-URI", &req->ruri, errbuf, errlen)) != DANECID_OK ||
	    (r = uri_text(msg->from->url, "From", &req->from_uri, errbuf, errlen)) != DANECID_OK ||
	    (r = uri_text(msg->to->url, "To", &req->to_uri, errbuf, errlen)) != DANECID_OK) {
		goto out;
	}
	if (osip_from_get_tag(msg->from, &tag) == 0 && tag != NULL && tag->gvalue != NULL) {
		req->from_tag = strdup(tag->gvalue);
		if (req->from_tag == NULL) {
			r = DANECID_ERR_NOMEM;
			goto out;
		}
	}
	if (osip_call_id_to_str(msg->call_id, &s) != 0 || s == NULL) {
		danecid_errf(errbuf, errlen, "Call-ID: unusable value");
		r = DANECID_ERR_NOT_SIP;
		goto out;
	}
	req->call_id = take_osip_str(s);
	if (req->call_id == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	r = extract_generic(msg, req, errbuf, errlen);
out:
	return r;
}

/* What libosip2 accepts but a request must not be. */
static int check_request(const osip_message_t *msg, char *errbuf, size_t errlen)
{
	if (msg->sip_method == NULL || msg->status_code != 0) {
		danecid_errf(errbuf, errlen, "a response, not a request");
		return DANECID_ERR_NOT_SIP;
	}
	if (msg->sip_version == NULL || strcasecmp(msg->sip_version, "SIP/2.0") != 0) {
		danecid_errf(errbuf, errlen, "unsupported SIP version \"%s\"",
		             msg->sip_version != NULL ? msg->sip_version : "");
		return DANECID_ERR_NOT_SIP;
	}
	if (msg->from == NULL || msg->to == NULL || msg->call_id == NULL || msg->cseq == NULL) {
		danecid_errf(errbuf, errlen, "missing %s header",
		             msg->from == NULL      ? "From"
		             : msg->to == NULL      ? "To"
		             : msg->call_id == NULL ? "Call-ID"
		                                    : "CSeq");
		return DANECID_ERR_MISSING_HEADER;
	}
	if (msg->cseq->method == NULL || strcmp(msg->cseq->method, msg->sip_method) != 0) {
		danecid_errf(errbuf, errlen, "CSeq method does not match the request method %s",
		             msg->sip_method);
		return DANECID_ERR_NOT_SIP;
	}
	return DANECID_OK;
}

int danecid_sip_parse(const char *p, size_t len, struct danecid_sip_req **out, char *errbuf,
                      size_t errlen)
{
	int r = DANECID_ERR_INTERNAL;
	struct danecid_sip_req *req = NULL;
	osip_message_t *msg = NULL;
	struct head_scan hs;
	char *buf = NULL;

	danecid_errf(errbuf, errlen, "%s", "");
	if (out == NULL || (p == NULL && len > 0)) {
		danecid_errf(errbuf, errlen, "invalid argument");
		r = DANECID_ERR_INVAL;
		goto out;
	}
	*out = NULL;
	if (len > SIP_MAX_LEN) {
		danecid_errf(errbuf, errlen, "message of %zu bytes exceeds %d", len, SIP_MAX_LEN);
		r = DANECID_ERR_TOO_LONG;
		goto out;
	}
	if (len == 0) {
		danecid_errf(errbuf, errlen, "empty message");
		r = DANECID_ERR_NOT_SIP;
		goto out;
	}
	scan_head(p, len, &hs);
	if (memchr(p, '\0', hs.head_len) != NULL) {
		danecid_errf(errbuf, errlen, "NUL byte in the message head");
		r = DANECID_ERR_NOT_SIP;
		goto out;
	}
	if (!hs.complete) {
		danecid_errf(errbuf, errlen,
		             "no blank line after the headers (truncated message?)");
		r = DANECID_ERR_NOT_SIP;
		goto out;
	}
	if (hs.response) {
		danecid_errf(errbuf, errlen, "a response, not a request");
		r = DANECID_ERR_NOT_SIP;
		goto out;
	}
	for (int k = HDR_FROM; k <= HDR_CSEQ; k++) {
		if (hs.count[k] > 1) {
			danecid_errf(errbuf, errlen, "%s header appears %u times", hdr_names[k],
			             hs.count[k]);
			r = DANECID_ERR_DUP_HEADER;
			goto out;
		}
	}
	if (hs.n_hide > HIDE_MAX) {
		danecid_errf(errbuf, errlen, "more than %d multipart Content-Type headers",
		             HIDE_MAX);
		r = DANECID_ERR_NOT_SIP;
		goto out;
	}
	if (hs.esc_nul != NULL) {
		danecid_errf(errbuf, errlen, "escaped NUL (%%00) in %s", hs.esc_nul);
		r = DANECID_ERR_NOT_SIP;
		goto out;
	}

	danecid_sip_init();
	buf = malloc(len + 1);
	if (buf == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	memcpy(buf, p, len);
	buf[len] = '\0';
	/* libosip2 5.3 splits a multipart body into its parts and leaks the first Content-Type of
	 * a part that has two (found by tests/fuzz/fuzz_sip): a few bytes lost per request, which
	 * a sender could repeat without end. No body is ever used here, so a multipart
	 * Content-Type becomes "Xontent-Type" (or "X"), an extension header of the same length. */
	for (unsigned k = 0; k < hs.n_hide; k++) {
		buf[hs.hide[k]] = 'X';
	}
	if (osip_message_init(&msg) != 0) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if (osip_message_parse(msg, buf, len) != 0) {
		danecid_errf(errbuf, errlen, "not a parseable SIP message");
		r = DANECID_ERR_NOT_SIP;
		goto out;
	}
	if ((r = check_request(msg, errbuf, errlen)) != DANECID_OK) {
		goto out;
	}

	req = calloc(1, sizeof(*req));
	if (req == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if ((r = extract(msg, req, errbuf, errlen)) != DANECID_OK) {
		goto out;
	}
	*out = req;
	req = NULL;
	danecid_errf(errbuf, errlen, "%s", "");
	r = DANECID_OK;
out:
	danecid_sip_req_free(req);
	if (msg != NULL) {
		osip_message_free(msg);
	}
	free(buf);
	return r;
}

void danecid_sip_req_free(struct danecid_sip_req *req)
{
	if (req == NULL) {
		return;
	}
	free(req->method);
	free(req->ruri);
	free(req->from_uri);
	free(req->to_uri);
	free(req->from_tag);
	free(req->call_id);
	free(req->date);
	for (size_t i = 0; i < DANECID_SIP_MAX_PAI; i++) {
		free(req->pai[i]);
	}
	for (size_t i = 0; i < DANECID_SIP_MAX_IDENTITY; i++) {
		danecid_identity_clear(&req->identity[i]);
	}
	free(req->privacy);
	for (size_t i = 0; i < DANECID_SIP_MAX_RETARGET; i++) {
		free(req->hist_info[i]);
		free(req->diversion[i]);
	}
	free(req);
}

/* A malloc'd copy of the quoted string [p, p+len) (quotes included) without its quotes and
 * with quoted-pairs resolved. NULL on NOMEM. */
static char *unquote(const char *p, size_t len)
{
	char *s = malloc(len);
	size_t n = 0;

	if (s == NULL) {
		return NULL;
	}
	for (size_t i = 1; i + 1 < len; i++) {
		if (p[i] == '\\' && i + 2 < len) {
			i++;
		}
		s[n++] = p[i];
	}
	s[n] = '\0';
	return s;
}

static bool is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-.!%*_+`'~", c) != NULL;
}

/*
 * One "name[=value]" parameter of an Identity header into id (info, alg, ppt; others are
 * ignored). A value is a token, a quoted string (quotes stripped) or, for info, <URI>
 * (brackets stripped).
 */
static int identity_param(struct danecid_identity *id, const char *p, size_t len)
{
	const char *eq;
	const char *name;
	const char *val;
	size_t nlen;
	size_t vlen;
	char **slot = NULL;

	trim(&p, &len);
	if (len == 0) {
		return DANECID_ERR_MALFORMED;
	}
	name = p;
	eq = memchr(p, '=', len);
	nlen = eq != NULL ? (size_t)(eq - p) : len;
	val = eq != NULL ? eq + 1 : p + len;
	vlen = eq != NULL ? len - nlen - 1 : 0;
	trim(&name, &nlen);
	trim(&val, &vlen);
	if (nlen == 0) {
		return DANECID_ERR_MALFORMED;
	}
	for (size_t i = 0; i < nlen; i++) {
		if (!is_token_char(name[i])) {
			return DANECID_ERR_MALFORMED;
		}
	}
	if (nlen == 4 && strncasecmp(name, "info", 4) == 0) {
		slot = &id->info;
	} else if (nlen == 3 && strncasecmp(name, "alg", 3) == 0) {
		slot = &id->alg;
	} else if (nlen == 3 && strncasecmp(name, "ppt", 3) == 0) {
		slot = &id->ppt;
	}
	if (eq != NULL && vlen == 0) {
		return DANECID_ERR_MALFORMED;
	}
	if (vlen > 0 && val[0] == '"') {
		if (skip_quoted(val, vlen, 0) != vlen - 1) {
			return DANECID_ERR_MALFORMED;
		}
	} else if (vlen > 0 && val[0] == '<') {
		if (slot != &id->info || val[vlen - 1] != '>' ||
		    memchr(val, '>', vlen) != val + vlen - 1) {
			return DANECID_ERR_MALFORMED;
		}
	} else {
		for (size_t i = 0; i < vlen; i++) {
			if (is_ws(val[i]) || val[i] == '"' || val[i] == '<' || val[i] == '>') {
				return DANECID_ERR_MALFORMED;
			}
		}
	}
	if (slot == NULL) {
		return DANECID_OK; /* an unknown parameter */
	}
	if (eq == NULL || *slot != NULL) {
		return DANECID_ERR_MALFORMED; /* a known parameter without value, or repeated */
	}
	if (val[0] == '"') {
		*slot = unquote(val, vlen);
	} else if (val[0] == '<') {
		*slot = strndup(val + 1, vlen - 2);
	} else {
		*slot = strndup(val, vlen);
	}
	return *slot != NULL ? DANECID_OK : DANECID_ERR_NOMEM;
}

int danecid_identity_parse(const char *p, size_t len, struct danecid_identity *out)
{
	int r = DANECID_ERR_INTERNAL;
	struct danecid_identity id = {0};
	size_t start = 0;
	bool first = true;

	if (out == NULL || (p == NULL && len > 0)) {
		return DANECID_ERR_INVAL;
	}
	trim(&p, &len);
	if (len > 0 && memchr(p, '\0', len) != NULL) {
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	id.raw = strndup(len > 0 ? p : "", len);
	if (id.raw == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	/* Split on ';' outside quoted strings and <...>; the first part is the JWS. */
	for (size_t i = 0; i <= len; i++) {
		if (i < len) {
			const char *gt;

			if (p[i] == '"') {
				i = skip_quoted(p, len, i);
				if (i == len) {
					r = DANECID_ERR_MALFORMED;
					goto out;
				}
				continue;
			}
			if (p[i] == '<') {
				gt = memchr(p + i + 1, '>', len - i - 1);
				if (gt == NULL) {
					r = DANECID_ERR_MALFORMED;
					goto out;
				}
				i = (size_t)(gt - p);
				continue;
			}
			if (p[i] == '>') {
				r = DANECID_ERR_MALFORMED;
				goto out;
			}
			if (p[i] != ';') {
				continue;
			}
		}
		if (first) {
			const char *jws = p;
			size_t jlen = i;

			trim(&jws, &jlen);
			id.jws = strndup(jlen > 0 ? jws : "", jlen);
			if (id.jws == NULL) {
				r = DANECID_ERR_NOMEM;
				goto out;
			}
			id.jws_len = jlen;
			first = false;
		} else if ((r = identity_param(&id, p + start, i - start)) != DANECID_OK) {
			goto out;
		}
		start = i + 1;
	}
	*out = id;
	memset(&id, 0, sizeof(id));
	r = DANECID_OK;
out:
	danecid_identity_clear(&id);
	return r;
}

void danecid_identity_clear(struct danecid_identity *id)
{
	if (id == NULL) {
		return;
	}
	free(id->raw);
	free(id->jws);
	free(id->info);
	free(id->alg);
	free(id->ppt);
	memset(id, 0, sizeof(*id));
}
