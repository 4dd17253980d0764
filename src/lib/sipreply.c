/* sipreply — SIP responses and transaction facts from the raw text of a request.
 *
 * Outline:
 *   1. Lines end at LF (a CR before it is dropped); a line that starts with SP or HT continues
 *      the header above it; the head ends at the first empty line.
 *   2. danecid_sip_head_scan() walks the head once: the start line (request or status line),
 *      then every header, matched by name case-insensitively (compact forms too), counting
 *      the ones a transaction needs and describing the first of each as spans into the input.
 *   3. danecid_sip_reply() scans again and writes the response twice with one writer: a first
 *      pass that only counts bytes, a second that fills the buffer it allocated.
 *   4. danecid_sip_frame() finds where a message ends in a byte stream (TCP).
 * Nothing here reads past len or needs a terminating NUL.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <danecid/error.h>

#include "sipreply.h"
#include "util.h"

/* Headers the scan tracks. */
enum hkind { H_OTHER = 0, H_VIA, H_FROM, H_TO, H_CALL_ID, H_CSEQ, H_CONTENT_LENGTH, H_COUNT };

static const struct {
	const char *name;
	enum hkind kind;
} hnames[] = {
    {"via", H_VIA},
    {"v", H_VIA},
    {"from", H_FROM},
    {"f", H_FROM},
    {"to", H_TO},
    {"t", H_TO},
    {"call-id", H_CALL_ID},
    {"i", H_CALL_ID},
    {"cseq", H_CSEQ},
    {"content-length", H_CONTENT_LENGTH},
    {"l", H_CONTENT_LENGTH},
};

static const char *const hdisplay[H_COUNT] = {
    [H_VIA] = "Via",         [H_FROM] = "From", [H_TO] = "To",
    [H_CALL_ID] = "Call-ID", [H_CSEQ] = "CSeq", [H_CONTENT_LENGTH] = "Content-Length",
};

static const struct {
	int code;
	const char *phrase;
} phrases[] = {
    {100, "Trying"},
    {200, "OK"},
    {302, "Moved Temporarily"},
    {400, "Bad Request"},
    {403, "Stale Date"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {428, "Use Identity Header"},
    {436, "Bad Identity Info"},
    {437, "Unsupported Credential"},
    {438, "Invalid Identity Header"},
    {481, "Call/Transaction Does Not Exist"},
    {487, "Request Terminated"},
    {500, "Server Internal Error"},
    {503, "Service Unavailable"},
    {513, "Message Too Large"},
};

/* One header: its lines [line, line + raw_len) (continuations included, final line end
 * excluded), its name and its value (from after the colon to the end of the raw span). */
struct hdr {
	const char *line;
	size_t raw_len;
	bool ok; /* "token *WSP :" on its first line */
	enum hkind kind;
	const char *val;
	size_t vlen;
};

/* Walks the header lines of a head. */
struct hdr_it {
	const char *p;
	size_t len;
	size_t pos;
	bool done;
	bool complete; /* stopped at the blank line */
	size_t head_len;
};

const char *danecid_sip_phrase(int code)
{
	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
		if (phrases[i].code == code) {
			return phrases[i].phrase;
		}
	}
	return NULL;
}

static bool is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("-.!%*_+`'~", c) != NULL);
}

static bool is_token(const char *p, size_t n)
{
	if (n == 0) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!is_token_char(p[i])) {
			return false;
		}
	}
	return true;
}

static bool is_digits(const char *p, size_t n)
{
	if (n == 0) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			return false;
		}
	}
	return true;
}

/* Trim linear white space (SP, HT, CR, LF) on both ends of a span. */
static struct danecid_span trim(const char *p, size_t n)
{
	while (n > 0 && is_lws(*p)) {
		p++;
		n--;
	}
	while (n > 0 && is_lws(p[n - 1])) {
		n--;
	}
	return (struct danecid_span){p, n};
}

static bool span_eq(struct danecid_span a, struct danecid_span b)
{
	return a.p != NULL && b.p != NULL && a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

/* One physical line at *pos: [*s, *s + *n) without its line end; *pos moves past it. */
static bool next_line(const char *p, size_t len, size_t *pos, const char **s, size_t *n)
{
	const char *nl;
	size_t end;

	if (*pos >= len) {
		return false;
	}
	nl = memchr(p + *pos, '\n', len - *pos);
	end = nl != NULL ? (size_t)(nl - p) : len;
	*s = p + *pos;
	*n = end - *pos;
	if (*n > 0 && (*s)[*n - 1] == '\r') {
		(*n)--;
	}
	*pos = nl != NULL ? end + 1 : len;
	return true;
}

static enum hkind classify(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(hnames) / sizeof(hnames[0]); i++) {
		if (strlen(hnames[i].name) == n && strncasecmp(hnames[i].name, name, n) == 0) {
			return hnames[i].kind;
		}
	}
	return H_OTHER;
}

/* Start walking the headers of [p, p + len) at pos (just after the start line). */
static void hdr_it_init(struct hdr_it *it, const char *p, size_t len, size_t pos)
{
	memset(it, 0, sizeof(*it));
	it->p = p;
	it->len = len;
	it->pos = pos;
	it->head_len = len;
}

/* The next header, with its continuation lines. False at the blank line or the end. */
static bool hdr_next(struct hdr_it *it, struct hdr *h)
{
	const char *s;
	const char *end;
	size_t n;
	size_t nlen = 0;

	if (it->done || !next_line(it->p, it->len, &it->pos, &s, &n)) {
		it->done = true;
		return false;
	}
	if (n == 0) {
		it->done = true;
		it->complete = true;
		it->head_len = it->pos;
		return false;
	}
	memset(h, 0, sizeof(*h));
	h->line = s;
	end = s + n;
	for (;;) {
		size_t save = it->pos;
		const char *s2;
		size_t n2;

		if (!next_line(it->p, it->len, &it->pos, &s2, &n2)) {
			break;
		}
		if (n2 == 0 || (s2[0] != ' ' && s2[0] != '\t')) {
			it->pos = save;
			break;
		}
		end = s2 + n2;
	}
	h->raw_len = (size_t)(end - s);
	/* name *WSP ":" on the first line; a line that starts with SP/HT here has no header
	 * above it to continue */
	while (nlen < n && is_token_char(s[nlen])) {
		nlen++;
	}
	if (nlen > 0) {
		size_t i = nlen;

		while (i < n && (s[i] == ' ' || s[i] == '\t')) {
			i++;
		}
		if (i < n && s[i] == ':') {
			h->ok = true;
			h->kind = classify(s, nlen);
			h->val = s + i + 1;
			h->vlen = h->raw_len - i - 1;
		}
	}
	return true;
}

/* Index of the quote closing the quoted string opened at p[i], or n when unterminated. */
static size_t skip_quoted(const char *p, size_t n, size_t i)
{
	for (size_t j = i + 1; j < n; j++) {
		if (p[j] == '\\') {
			j++;
		} else if (p[j] == '"') {
			return j;
		}
	}
	return n;
}

/*
 * Find parameter "name" in ";a=b;name=value..." [p, p + n): split on ';' outside quoted
 * strings, stop at ',' outside quotes (the next value of a list header). A parameter
 * without '=' gives an empty value.
 */
static bool find_param(const char *p, size_t n, const char *name, struct danecid_span *out)
{
	size_t i = 0;
	size_t name_len = strlen(name);

	/* skip to the first ';' */
	while (i < n && p[i] != ';' && p[i] != ',') {
		if (p[i] == '"') {
			i = skip_quoted(p, n, i);
		}
		if (i < n) {
			i++;
		}
	}
	while (i < n && p[i] == ';') {
		size_t start = ++i;
		const char *eq = NULL;
		struct danecid_span nm;
		struct danecid_span val = {NULL, 0};

		while (i < n && p[i] != ';' && p[i] != ',') {
			if (p[i] == '=' && eq == NULL) {
				eq = p + i;
			}
			if (p[i] == '"') {
				i = skip_quoted(p, n, i);
			}
			if (i < n) {
				i++;
			}
		}
		nm = trim(p + start, eq != NULL ? (size_t)(eq - (p + start)) : i - start);
		if (eq != NULL) {
			val = trim(eq + 1, (size_t)((p + i) - (eq + 1)));
		} else {
			val = (struct danecid_span){p + i, 0};
		}
		if (nm.len == name_len && strncasecmp(nm.p, name, name_len) == 0) {
			*out = val;
			return true;
		}
	}
	return false;
}

/* The URI and tag of a From/To value (name-addr or addr-spec, RFC 3261 §20.20). */
static void parse_nameaddr(const char *v, size_t n, struct danecid_span *uri,
                           struct danecid_span *tag)
{
	struct danecid_span t = trim(v, n);
	const char *lt = NULL;
	size_t i;

	uri->p = NULL;
	uri->len = 0;
	tag->p = NULL;
	tag->len = 0;
	for (i = 0; i < t.len; i++) {
		if (t.p[i] == '"') {
			i = skip_quoted(t.p, t.len, i);
		} else if (t.p[i] == '<') {
			lt = t.p + i;
			break;
		}
	}
	if (lt != NULL) {
		const char *gt = memchr(lt, '>', t.len - (size_t)(lt - t.p));

		if (gt == NULL) {
			return; /* unterminated: neither URI nor parameters */
		}
		*uri = trim(lt + 1, (size_t)(gt - lt - 1));
		/* parameters after '>' (find_param skips to their first ';') */
		find_param(gt + 1, t.len - (size_t)(gt + 1 - t.p), "tag", tag);
		return;
	}
	/* addr-spec: the first ';' starts the header parameters (RFC 3261 §20) */
	for (i = 0; i < t.len && t.p[i] != ';'; i++) {
	}
	*uri = trim(t.p, i);
	find_param(t.p + i, t.len - i, "tag", tag);
}

static size_t skip_lws(const char *p, size_t n, size_t i)
{
	while (i < n && is_lws(p[i])) {
		i++;
	}
	return i;
}

static size_t skip_token(const char *p, size_t n, size_t i)
{
	while (i < n && is_token_char(p[i])) {
		i++;
	}
	return i;
}

/*
 * One Via value (RFC 3261 §20.42): sent-protocol ("SIP/2.0/UDP", LWS allowed around the
 * slashes), LWS, sent-by, then ";name[=value]" parameters. Loose on the sent-by and on
 * parameter values (token, quoted string or IPv6 reference); strict on empty parts.
 */
static bool via_value_ok(const char *p, size_t n)
{
	size_t i = skip_lws(p, n, 0);
	size_t j;

	for (int k = 0; k < 3; k++) {
		if (k > 0) {
			i = skip_lws(p, n, i);
			if (i >= n || p[i] != '/') {
				return false;
			}
			i = skip_lws(p, n, i + 1);
		}
		j = skip_token(p, n, i);
		if (j == i) {
			return false;
		}
		i = j;
	}
	j = skip_lws(p, n, i);
	if (j == i) {
		return false;
	}
	for (i = j; j < n && !is_lws(p[j]) && p[j] != ';'; j++) {
	}
	if (j == i) {
		return false;
	}
	i = j;
	for (;;) {
		i = skip_lws(p, n, i);
		if (i == n) {
			return true;
		}
		if (p[i] != ';') {
			return false;
		}
		i = skip_lws(p, n, i + 1);
		j = skip_token(p, n, i);
		if (j == i) {
			return false;
		}
		i = skip_lws(p, n, j);
		if (i == n || p[i] != '=') {
			i = j;
			continue;
		}
		i = skip_lws(p, n, i + 1);
		if (i < n && p[i] == '"') {
			j = skip_quoted(p, n, i);
			if (j == n) {
				return false;
			}
			j++;
		} else {
			for (j = i; j < n && !is_lws(p[j]) && p[j] != ';'; j++) {
			}
		}
		if (j == i) {
			return false;
		}
		i = j;
	}
}

/* A Via header value: one or more Via values separated by commas (outside quotes). */
static bool via_ok(const char *p, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] == '"') {
			i = skip_quoted(p, n, i);
			if (i == n) {
				return false;
			}
			continue;
		}
		if (i == n || p[i] == ',') {
			if (!via_value_ok(p + start, i - start)) {
				return false;
			}
			start = i + 1;
		}
	}
	return true;
}

/* A URI as From/To carry it: a scheme, then no white space. */
static bool uri_ok(const char *p, size_t n)
{
	const char *colon = memchr(p, ':', n);

	if (n == 0 || colon == NULL || colon == p || !is_alpha(p[0])) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (is_lws(p[i])) {
			return false;
		}
	}
	return true;
}

/*
 * A From/To value (RFC 3261 §25.1): name-addr — display name (quoted string or tokens
 * separated by LWS), then "<URI>" with nothing else inside the brackets — or addr-spec (a URI
 * up to the first ';'), then parameters (checked loosely: find_param reads them).
 */
static bool nameaddr_ok(const char *v, size_t n)
{
	struct danecid_span t = trim(v, n);
	size_t i = 0;
	const char *gt;

	if (t.len == 0) {
		return false;
	}
	if (t.p[0] == '"') {
		i = skip_quoted(t.p, t.len, 0);
		if (i == t.len) {
			return false; /* unterminated quoted string */
		}
		i = skip_lws(t.p, t.len, i + 1);
		if (i == t.len || t.p[i] != '<') {
			return false;
		}
	} else {
		/* tokens and LWS up to '<'; without '<' the whole value is an addr-spec */
		size_t j = 0;

		while (j < t.len && (is_token_char(t.p[j]) || is_lws(t.p[j]))) {
			j++;
		}
		if (j < t.len && t.p[j] == '<') {
			i = j;
		} else {
			struct danecid_span u;

			for (j = 0; j < t.len && t.p[j] != ';'; j++) {
			}
			u = trim(t.p, j);
			return uri_ok(u.p, u.len) && memchr(t.p, '"', t.len) == NULL &&
			       memchr(t.p, '<', t.len) == NULL && memchr(t.p, '>', t.len) == NULL;
		}
	}
	gt = memchr(t.p + i, '>', t.len - i);
	return gt != NULL && uri_ok(t.p + i + 1, (size_t)(gt - (t.p + i + 1)));
}

/* Does the start line [s, s + n) read "METHOD SP URI SP SIP/2.0"? */
static bool request_line(const char *s, size_t n, struct danecid_span *method,
                         struct danecid_span *ruri)
{
	const char *sp1 = memchr(s, ' ', n);
	const char *sp2;
	const char *u;
	size_t ulen;
	size_t i = 0;

	if (sp1 == NULL || !is_token(s, (size_t)(sp1 - s))) {
		return false;
	}
	u = sp1 + 1;
	sp2 = memchr(u, ' ', n - (size_t)(u - s));
	if (sp2 == NULL) {
		return false;
	}
	ulen = (size_t)(sp2 - u);
	/* version: exactly "SIP/2.0" (nothing after it) */
	if (n - (size_t)(sp2 + 1 - s) != 7 || strncasecmp(sp2 + 1, "SIP/2.0", 7) != 0) {
		return false;
	}
	/* URI: scheme ":" (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )), then no white
	 * space or control characters */
	if (ulen == 0 || !is_alpha(u[0])) {
		return false;
	}
	while (i < ulen && (is_alpha(u[i]) || (u[i] >= '0' && u[i] <= '9') || u[i] == '+' ||
	                    u[i] == '-' || u[i] == '.')) {
		i++;
	}
	if (i == ulen || u[i] != ':') {
		return false;
	}
	for (i = 0; i < ulen; i++) {
		if ((unsigned char)u[i] <= ' ' || u[i] == 0x7f) {
			return false;
		}
	}
	method->p = s;
	method->len = (size_t)(sp1 - s);
	ruri->p = u;
	ruri->len = ulen;
	return true;
}

/* CSeq value: 1*DIGIT LWS method, with number < 2^31 (RFC 3261 §8.1.1.5). */
static bool parse_cseq(const char *v, size_t n, struct danecid_span *num,
                       struct danecid_span *method)
{
	struct danecid_span t = trim(v, n);
	size_t i = 0;
	size_t j;
	unsigned long long value = 0;

	while (i < t.len && t.p[i] >= '0' && t.p[i] <= '9') {
		value = value * 10 + (unsigned)(t.p[i] - '0');
		if (value > 0x7fffffffULL) {
			return false;
		}
		i++;
	}
	if (i == 0 || i == t.len || !is_lws(t.p[i])) {
		return false;
	}
	j = i;
	while (j < t.len && is_lws(t.p[j])) {
		j++;
	}
	if (!is_token(t.p + j, t.len - j)) {
		return false;
	}
	*num = (struct danecid_span){t.p, i};
	*method = (struct danecid_span){t.p + j, t.len - j};
	return true;
}

/* Content-Length value: digits, at most 9 of them. */
static bool parse_length(const char *v, size_t n, size_t *out)
{
	struct danecid_span t = trim(v, n);
	size_t value = 0;

	if (!is_digits(t.p, t.len) || t.len > 9) {
		return false;
	}
	for (size_t i = 0; i < t.len; i++) {
		value = value * 10 + (size_t)(t.p[i] - '0');
	}
	*out = value;
	return true;
}

/* Leading CR/LF bytes (RFC 3261 §7.5: ignored before a start line). */
static size_t leading_crlf(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && (p[i] == '\r' || p[i] == '\n')) {
		i++;
	}
	return i;
}

int danecid_sip_head_scan(const char *p, size_t len, struct danecid_sip_head *out, char *errbuf,
                          size_t errlen)
{
	struct hdr_it it;
	struct hdr h;
	struct hdr first[H_COUNT];
	unsigned count[H_COUNT] = {0};
	const char *bad_line = NULL;
	const char *bad_via = NULL;
	const char *s;
	size_t n;
	size_t pos;
	bool rl_ok = false;
	bool nul;
	bool cl_ok = true;

	danecid_errf(errbuf, errlen, "%s", "");
	if (out == NULL || (p == NULL && len > 0)) {
		danecid_errf(errbuf, errlen, "invalid argument");
		return DANECID_ERR_INVAL;
	}
	memset(out, 0, sizeof(*out));
	memset(first, 0, sizeof(first));
	if (len > DANECID_SIP_MSG_MAX) {
		danecid_errf(errbuf, errlen, "message of %zu bytes exceeds %d", len,
		             DANECID_SIP_MSG_MAX);
		return DANECID_ERR_TOO_LONG;
	}
	out->start = leading_crlf(p, len);
	out->head_len = len;
	pos = out->start;
	if (!next_line(p, len, &pos, &s, &n)) {
		danecid_errf(errbuf, errlen, "empty message");
		return DANECID_ERR_NOT_SIP;
	}
	out->response = n >= 4 && strncasecmp(s, "SIP/", 4) == 0;
	if (!out->response) {
		rl_ok = request_line(s, n, &out->method, &out->ruri);
	}
	hdr_it_init(&it, p, len, pos);
	while (hdr_next(&it, &h)) {
		if (!h.ok) {
			if (bad_line == NULL) {
				bad_line = h.line;
			}
			continue;
		}
		if (count[h.kind]++ == 0) {
			first[h.kind] = h;
		}
		if (h.kind == H_VIA && bad_via == NULL && !via_ok(h.val, h.vlen)) {
			bad_via = h.line;
		}
	}
	out->complete = it.complete;
	out->head_len = it.head_len;
	nul = memchr(p, '\0', out->head_len) != NULL;

	/* What the first of each header says. */
	if (count[H_VIA] > 0) {
		const char *v = first[H_VIA].val;
		size_t vn = first[H_VIA].vlen;

		if (find_param(v, vn, "branch", &out->branch) && out->branch.len == 0) {
			out->branch.p = NULL;
		}
	}
	if (count[H_FROM] > 0) {
		parse_nameaddr(first[H_FROM].val, first[H_FROM].vlen, &out->from_uri,
		               &out->from_tag);
	}
	if (count[H_TO] > 0) {
		struct danecid_span to_uri;

		parse_nameaddr(first[H_TO].val, first[H_TO].vlen, &to_uri, &out->to_tag);
	}
	if (count[H_CALL_ID] > 0) {
		out->call_id = trim(first[H_CALL_ID].val, first[H_CALL_ID].vlen);
	}
	if (count[H_CSEQ] > 0 &&
	    !parse_cseq(first[H_CSEQ].val, first[H_CSEQ].vlen, &out->cseq_num, &out->cseq_method)) {
		out->cseq_num = (struct danecid_span){NULL, 0};
		out->cseq_method = (struct danecid_span){NULL, 0};
	}
	if (count[H_CONTENT_LENGTH] > 0) {
		cl_ok = parse_length(first[H_CONTENT_LENGTH].val, first[H_CONTENT_LENGTH].vlen,
		                     &out->content_length);
		out->has_content_length = cl_ok;
	}
	out->replyable = !out->response && !nul && count[H_VIA] > 0 && count[H_FROM] > 0 &&
	                 count[H_TO] > 0 && count[H_CALL_ID] > 0 && count[H_CSEQ] > 0;

	/* The verdict on the whole, first problem first. */
	if (nul) {
		danecid_errf(errbuf, errlen, "NUL byte in the message head");
		return DANECID_ERR_NOT_SIP;
	}
	if (out->response) {
		danecid_errf(errbuf, errlen, "a response, not a request");
		return DANECID_ERR_NOT_SIP;
	}
	if (!rl_ok) {
		danecid_errf(errbuf, errlen, "malformed request line");
		return DANECID_ERR_NOT_SIP;
	}
	if (!out->complete) {
		danecid_errf(errbuf, errlen,
		             "no blank line after the headers (truncated message?)");
		return DANECID_ERR_NOT_SIP;
	}
	if (bad_line != NULL) {
		danecid_errf(errbuf, errlen, "malformed header line at byte %zu",
		             (size_t)(bad_line - p));
		return DANECID_ERR_NOT_SIP;
	}
	for (int k = H_FROM; k <= H_TO; k++) {
		if (count[k] > 0 && !nameaddr_ok(first[k].val, first[k].vlen)) {
			danecid_errf(errbuf, errlen, "malformed %s header", hdisplay[k]);
			return DANECID_ERR_NOT_SIP;
		}
	}
	if (bad_via != NULL) {
		danecid_errf(errbuf, errlen, "malformed Via header at byte %zu",
		             (size_t)(bad_via - p));
		return DANECID_ERR_NOT_SIP;
	}
	for (int k = H_VIA; k <= H_CSEQ; k++) {
		if (count[k] == 0) {
			danecid_errf(errbuf, errlen, "missing %s header", hdisplay[k]);
			return DANECID_ERR_MISSING_HEADER;
		}
	}
	for (int k = H_FROM; k <= H_CONTENT_LENGTH; k++) {
		if (count[k] > 1) {
			danecid_errf(errbuf, errlen, "%s header appears %u times", hdisplay[k],
			             count[k]);
			return DANECID_ERR_DUP_HEADER;
		}
	}
	if (out->call_id.len == 0) {
		danecid_errf(errbuf, errlen, "empty Call-ID");
		return DANECID_ERR_NOT_SIP;
	}
	if (out->cseq_num.p == NULL) {
		danecid_errf(errbuf, errlen, "malformed CSeq");
		return DANECID_ERR_NOT_SIP;
	}
	if (!span_eq(out->cseq_method, out->method)) {
		danecid_errf(errbuf, errlen, "CSeq method does not match the request method");
		return DANECID_ERR_NOT_SIP;
	}
	if (!cl_ok) {
		danecid_errf(errbuf, errlen, "malformed Content-Length");
		return DANECID_ERR_NOT_SIP;
	}
	if (out->has_content_length && out->content_length > len - out->head_len) {
		danecid_errf(errbuf, errlen, "Content-Length %zu exceeds the %zu bytes of body",
		             out->content_length, len - out->head_len);
		return DANECID_ERR_NOT_SIP;
	}
	return DANECID_OK;
}

/* --- writing ----------------------------------------------------------------------------- */

/* Counts bytes when buf is NULL, else copies them (the caller sized buf with a first pass). */
struct writer {
	char *buf;
	size_t len;
};

static void put(struct writer *w, const char *p, size_t n)
{
	if (w->buf != NULL && n > 0) {
		memcpy(w->buf + w->len, p, n);
	}
	w->len += n;
}

static void puts_(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* The lines of a header, each ended with CRLF; the last one without trailing SP/HT and
 * followed by suffix when one is given. */
static void put_header(struct writer *w, const struct hdr *h, const char *suffix)
{
	size_t pos = 0;
	const char *s;
	size_t n;

	while (next_line(h->line, h->raw_len, &pos, &s, &n)) {
		if (pos >= h->raw_len && suffix != NULL) {
			while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
				n--;
			}
			put(w, s, n);
			puts_(w, suffix);
		} else {
			put(w, s, n);
		}
		put(w, "\r\n", 2);
	}
}

/* FNV-1a, 64 bits, continued from h. */
static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The To tag of our responses: a hash of Call-ID, From tag and branch (documented in .h). */
static void make_tag(const struct danecid_sip_head *hd, char out[24])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const struct danecid_span parts[] = {hd->call_id, hd->from_tag, hd->branch};

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (parts[i].p != NULL) {
			h = fnv1a(h, parts[i].p, parts[i].len);
		}
		h = fnv1a(h, "", 1);
	}
	snprintf(out, 24, ";tag=%016llx", (unsigned long long)h);
}

/* One pass of the response. */
static void write_reply(struct writer *w, const char *p, size_t len,
                        const struct danecid_sip_head *hd, const char *status,
                        const char *tag_suffix, const char *const *extra, size_t n_extra)
{
	struct hdr_it it;
	struct hdr h;
	struct hdr first[H_COUNT];
	bool seen[H_COUNT] = {false};
	size_t pos = hd->start;
	const char *s;
	size_t n;

	memset(first, 0, sizeof(first));
	puts_(w, status);
	next_line(p, len, &pos, &s, &n); /* the start line */
	hdr_it_init(&it, p, len, pos);
	while (hdr_next(&it, &h)) {
		if (!h.ok) {
			continue;
		}
		if (h.kind == H_VIA) {
			put_header(w, &h, NULL);
		} else if (!seen[h.kind]) {
			seen[h.kind] = true;
			first[h.kind] = h;
		}
	}
	put_header(w, &first[H_FROM], NULL);
	put_header(w, &first[H_TO], tag_suffix);
	put_header(w, &first[H_CALL_ID], NULL);
	put_header(w, &first[H_CSEQ], NULL);
	for (size_t i = 0; i < n_extra; i++) {
		puts_(w, extra[i]);
		put(w, "\r\n", 2);
	}
	puts_(w, "Content-Length: 0\r\n\r\n");
}

int danecid_sip_reply(const char *p, size_t len, int code, const char *const *extra, size_t n_extra,
                      char **out, size_t *out_len)
{
	int r = DANECID_ERR_INTERNAL;
	struct danecid_sip_head hd;
	struct writer w = {NULL, 0};
	const char *phrase = danecid_sip_phrase(code);
	char status[64];
	char tag[24];
	char *buf = NULL;

	if (out == NULL || out_len == NULL || (p == NULL && len > 0) ||
	    (extra == NULL && n_extra > 0)) {
		return DANECID_ERR_INVAL;
	}
	*out = NULL;
	*out_len = 0;
	if (phrase == NULL) {
		return DANECID_ERR_INVAL;
	}
	for (size_t i = 0; i < n_extra; i++) {
		if (extra[i] == NULL || extra[i][0] == '\0' || strpbrk(extra[i], "\r\n") != NULL) {
			return DANECID_ERR_INVAL;
		}
	}
	r = danecid_sip_head_scan(p, len, &hd, NULL, 0);
	if (r == DANECID_ERR_TOO_LONG || r == DANECID_ERR_INVAL) {
		return r;
	}
	if (!hd.replyable) {
		return DANECID_ERR_NOT_SIP;
	}
	snprintf(status, sizeof(status), "SIP/2.0 %d %s\r\n", code, phrase);
	tag[0] = '\0';
	if (hd.to_tag.p == NULL) {
		make_tag(&hd, tag);
	}
	write_reply(&w, p, len, &hd, status, tag[0] != '\0' ? tag : NULL, extra, n_extra);
	buf = malloc(w.len + 1);
	if (buf == NULL) {
		return DANECID_ERR_NOMEM;
	}
	w.buf = buf;
	w.len = 0;
	write_reply(&w, p, len, &hd, status, tag[0] != '\0' ? tag : NULL, extra, n_extra);
	buf[w.len] = '\0';
	*out = buf;
	*out_len = w.len;
	return DANECID_OK;
}

/* One key part as "<length>:<bytes>". */
static void put_part(struct writer *w, struct danecid_span s)
{
	char num[24];
	size_t n = s.p != NULL ? s.len : 0;

	snprintf(num, sizeof(num), "%zu:", n);
	puts_(w, num);
	put(w, s.p, n);
}

static void write_key(struct writer *w, const struct danecid_sip_head *h)
{
	put_part(w, h->branch);
	put_part(w, h->call_id);
	put_part(w, h->cseq_num);
	put_part(w, h->cseq_method);
	put_part(w, h->from_tag);
}

int danecid_sip_txkey(const struct danecid_sip_head *h, char **out, size_t *out_len)
{
	struct writer w = {NULL, 0};
	char *buf;

	if (h == NULL || out == NULL || out_len == NULL) {
		return DANECID_ERR_INVAL;
	}
	*out = NULL;
	*out_len = 0;
	write_key(&w, h);
	buf = malloc(w.len + 1);
	if (buf == NULL) {
		return DANECID_ERR_NOMEM;
	}
	w.buf = buf;
	w.len = 0;
	write_key(&w, h);
	buf[w.len] = '\0';
	*out = buf;
	*out_len = w.len;
	return DANECID_OK;
}

/* Does the line hold "SIP/" (any case), as a request or status line does? */
static bool has_sip_version(const char *s, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++) {
		if (strncasecmp(s + i, "SIP/", 4) == 0) {
			return true;
		}
	}
	return false;
}

int danecid_sip_frame(const char *p, size_t len, size_t max, size_t *msg_len)
{
	struct hdr_it it;
	struct hdr h;
	const char *s;
	size_t n;
	size_t pos;
	size_t cl = 0;
	unsigned n_cl = 0;

	if (msg_len == NULL || (p == NULL && len > 0)) {
		return DANECID_ERR_INVAL;
	}
	*msg_len = 0;
	pos = leading_crlf(p, len);
	if (!next_line(p, len, &pos, &s, &n)) {
		return len > max ? DANECID_ERR_TOO_LONG : DANECID_OK;
	}
	/* a whole start line that names no SIP version: garbage, no need to wait for more */
	if (p[pos - 1] == '\n' && !has_sip_version(s, n)) {
		return DANECID_ERR_MALFORMED;
	}
	hdr_it_init(&it, p, len, pos);
	while (hdr_next(&it, &h)) {
		if (h.ok && h.kind == H_CONTENT_LENGTH) {
			if (n_cl++ > 0 || !parse_length(h.val, h.vlen, &cl)) {
				return DANECID_ERR_MALFORMED;
			}
		}
	}
	if (!it.complete) {
		if (memchr(p, '\0', len) != NULL) {
			return DANECID_ERR_MALFORMED;
		}
		return len >= max ? DANECID_ERR_TOO_LONG : DANECID_OK;
	}
	if (memchr(p, '\0', it.head_len) != NULL) {
		return DANECID_ERR_MALFORMED;
	}
	if (it.head_len > max || cl > max - it.head_len) {
		return DANECID_ERR_TOO_LONG;
	}
	*msg_len = it.head_len + cl;
	return DANECID_OK;
}
