/* tn — canonical telephone numbers (RFC 8224 §8.3) from number strings and sip/sips/tel URIs. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <danecid/error.h>

#include "tn.h"
#include "util.h"

/* Canonicalization state: characters are fed one by one (already percent-decoded), so a URI
 * user part never needs a scratch buffer. */
struct canon {
	char digits[DANECID_TN_MAX + 1];
	size_t n;   /* digits seen (may exceed DANECID_TN_MAX; only the first ones are kept) */
	size_t fed; /* characters seen */
	bool plus;  /* the first character was '+' */
	bool bad;   /* a character that is neither digit, separator nor a leading '+' */
};

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static void canon_feed(struct canon *c, char ch)
{
	bool first = c->fed == 0;

	c->fed++;
	if (is_digit(ch)) {
		if (c->n < DANECID_TN_MAX) {
			c->digits[c->n] = ch;
		}
		c->n++;
	} else if (ch == '+' && first) {
		c->plus = true;
	} else if (ch != '-' && ch != '.' && ch != '(' && ch != ')' && ch != ' ') {
		c->bad = true;
	}
}

/* global: the caller's context makes the number global even without '+'. */
static int canon_finish(const struct canon *c, bool global, struct danecid_tn *out)
{
	if (c->bad || c->n == 0) {
		return DANECID_ERR_NOT_TN;
	}
	if (c->n > DANECID_TN_MAX) {
		return DANECID_ERR_TOO_LONG;
	}
	if (!c->plus && !global) {
		return DANECID_ERR_NOT_TN;
	}
	memcpy(out->digits, c->digits, c->n);
	out->digits[c->n] = '\0';
	out->len = c->n;
	return DANECID_OK;
}

int danecid_tn_canon(const char *p, size_t len, bool assume_global, struct danecid_tn *out)
{
	struct canon c = {0};

	if ((p == NULL && len > 0) || out == NULL) {
		return DANECID_ERR_INVAL;
	}
	for (size_t i = 0; i < len; i++) {
		canon_feed(&c, p[i]);
	}
	return canon_finish(&c, assume_global, out);
}

/* Every '%' in [p, p+len) starts "%XY" with hex digits, and none encodes NUL. */
static bool escapes_ok(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != '%') {
			continue;
		}
		if (i + 2 >= len || danecid_hex_value((unsigned char)p[i + 1]) < 0 ||
		    danecid_hex_value((unsigned char)p[i + 2]) < 0) {
			return false;
		}
		if (danecid_hex_value((unsigned char)p[i + 1]) == 0 &&
		    danecid_hex_value((unsigned char)p[i + 2]) == 0) {
			return false;
		}
		i += 2;
	}
	return true;
}

/* Decode the character at p[*i] (escapes already validated) and advance *i past it. */
static char decode_at(const char *p, size_t *i)
{
	char c = p[*i];

	if (c == '%') {
		c = (char)(danecid_hex_value((unsigned char)p[*i + 1]) * 16 +
		           danecid_hex_value((unsigned char)p[*i + 2]));
		*i += 3;
	} else {
		*i += 1;
	}
	return c;
}

/* Does the percent-encoded text [p, p+len) decode to lit, ignoring case? A bad escape never
 * matches. */
static bool pct_equal(const char *p, size_t len, const char *lit)
{
	size_t i = 0;
	size_t k = 0;

	if (!escapes_ok(p, len)) {
		return false;
	}
	while (i < len) {
		char c = decode_at(p, &i);

		if (lit[k] == '\0' || lower(c) != lower(lit[k])) {
			return false;
		}
		k++;
	}
	return lit[k] == '\0';
}

/* Split "name[=value]" (not NUL-terminated) at the first '='; both halves trimmed. */
static void split_param(const char *p, size_t len, const char **name, size_t *nlen,
                        const char **val, size_t *vlen)
{
	const char *eq = memchr(p, '=', len);
	size_t n = eq != NULL ? (size_t)(eq - p) : len;

	*val = eq != NULL ? eq + 1 : p + len;
	*vlen = eq != NULL ? len - n - 1 : 0;
	while (n > 0 && is_ws(p[n - 1])) {
		n--;
	}
	while (n > 0 && is_ws(*p)) {
		p++;
		n--;
	}
	while (*vlen > 0 && is_ws(**val)) {
		(*val)++;
		(*vlen)--;
	}
	while (*vlen > 0 && is_ws((*val)[*vlen - 1])) {
		(*vlen)--;
	}
	*name = p;
	*nlen = n;
}

/*
 * Walk the ';'-separated parameters in [p, p+len). Sets *phone_context when one is named
 * "phone-context" and *user_phone when "user=phone" is present (names and values are
 * compared percent-decoded and case-insensitively).
 */
static void scan_params(const char *p, size_t len, bool *phone_context, bool *user_phone)
{
	size_t i = 0;

	while (i < len) {
		const char *semi = memchr(p + i, ';', len - i);
		size_t end = semi != NULL ? (size_t)(semi - p) : len;
		const char *name;
		const char *val;
		size_t nlen;
		size_t vlen;

		split_param(p + i, end - i, &name, &nlen, &val, &vlen);
		if (pct_equal(name, nlen, "phone-context")) {
			*phone_context = true;
		}
		if (pct_equal(name, nlen, "user") && pct_equal(val, vlen, "phone")) {
			*user_phone = true;
		}
		i = end + 1;
	}
}

/* The URI inside an optional name-addr: `"Display" <uri>;params`, `Display <uri>`, `<uri>`,
 * or a bare URI. Returns false when a quote or '<' is not closed. */
static bool strip_name_addr(const char **p, size_t *len)
{
	const char *s = *p;
	const char *gt;
	size_t n = *len;
	bool quoted = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (quoted) {
			if (s[i] == '\\') {
				i++;
			} else if (s[i] == '"') {
				quoted = false;
			}
		} else if (s[i] == '"') {
			quoted = true;
		} else if (s[i] == '<') {
			break;
		}
	}
	if (quoted) {
		return false;
	}
	if (i == n) {
		/* No '<': a bare URI, unless there was a display name without one. */
		return memchr(s, '"', n) == NULL;
	}
	gt = memchr(s + i + 1, '>', n - i - 1);
	if (gt == NULL) {
		return false;
	}
	*p = s + i + 1;
	*len = (size_t)(gt - (s + i + 1));
	return true;
}

/* Canonical TN of the number in a tel: URI body (after "tel:"). */
static int tn_from_tel(const char *p, size_t len, bool assume_global, struct danecid_tn *out)
{
	const char *semi = memchr(p, ';', len);
	size_t nlen = semi != NULL ? (size_t)(semi - p) : len;
	bool phone_context = false;
	bool user_phone = false;

	if (semi != NULL) {
		scan_params(semi + 1, len - nlen - 1, &phone_context, &user_phone);
	}
	if (phone_context) {
		return DANECID_ERR_NOT_TN;
	}
	return danecid_tn_canon(p, nlen, assume_global, out);
}

/* Canonical TN of the user part of a sip:/sips: URI body (after the scheme's ':'). */
static int tn_from_sip(const char *p, size_t len, bool assume_global, struct danecid_tn *out)
{
	const char *at = memchr(p, '@', len);
	const char *semi;
	const char *host;
	const char *end;
	struct canon c = {0};
	bool phone_context = false;
	bool user_phone = false;
	bool unused = false;
	size_t ulen;
	size_t nlen;
	size_t hlen;
	size_t i = 0;

	if (at == NULL) {
		return DANECID_ERR_NOT_TN;
	}
	ulen = (size_t)(at - p);
	if (!escapes_ok(p, ulen)) {
		return DANECID_ERR_NOT_TN;
	}
	/* The user part: the number, then telephone-subscriber parameters after ';'. */
	semi = memchr(p, ';', ulen);
	nlen = semi != NULL ? (size_t)(semi - p) : ulen;
	if (semi != NULL) {
		scan_params(semi + 1, ulen - nlen - 1, &phone_context, &unused);
	}
	if (phone_context) {
		return DANECID_ERR_NOT_TN;
	}
	while (i < nlen) {
		canon_feed(&c, decode_at(p, &i));
	}
	/* URI parameters follow the host, up to the headers ('?'). */
	host = at + 1;
	hlen = len - ulen - 1;
	end = memchr(host, '?', hlen);
	if (end != NULL) {
		hlen = (size_t)(end - host);
	}
	semi = memchr(host, ';', hlen);
	if (semi != NULL) {
		scan_params(semi + 1, hlen - (size_t)(semi - host) - 1, &unused, &user_phone);
	}
	return canon_finish(&c, user_phone || assume_global, out);
}

/* Does [p, p+len) start with scheme followed by ':', ignoring case? */
static bool has_scheme(const char *p, size_t len, const char *scheme)
{
	size_t n = strlen(scheme);

	if (len <= n || p[n] != ':') {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (lower(p[i]) != scheme[i]) {
			return false;
		}
	}
	return true;
}

int danecid_tn_from_uri(const char *p, size_t len, bool assume_global, struct danecid_tn *out)
{
	if ((p == NULL && len > 0) || out == NULL) {
		return DANECID_ERR_INVAL;
	}
	while (len > 0 && is_ws(*p)) {
		p++;
		len--;
	}
	while (len > 0 && is_ws(p[len - 1])) {
		len--;
	}
	if (len == 0 || !strip_name_addr(&p, &len)) {
		return DANECID_ERR_NOT_TN;
	}
	if (has_scheme(p, len, "tel")) {
		return tn_from_tel(p + 4, len - 4, assume_global, out);
	}
	if (has_scheme(p, len, "sip")) {
		return tn_from_sip(p + 4, len - 4, assume_global, out);
	}
	if (has_scheme(p, len, "sips")) {
		return tn_from_sip(p + 5, len - 5, assume_global, out);
	}
	return DANECID_ERR_NOT_TN;
}
