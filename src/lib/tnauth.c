/* tnauth — the TNAuthList certificate extension (RFC 8226 §9): strict DER, coverage of a TN.
 *
 * Outline of operations:
 *  1. A DER reader takes one TLV at a time from a window [pos, end) of the input: the tag
 *     (class, constructed bit, number in low form or minimal high form) and a definite,
 *     minimal length that fits the window. Messages give offsets from the start of the input.
 *  2. The list is one SEQUENCE that fills the input. Each element is a context tag: [0], [1],
 *     [2] constructed (the module uses EXPLICIT tags), each holding exactly one IA5String
 *     (SPC), SEQUENCE (range) or IA5String (TN); [3] and up are checked to be well-formed all
 *     the way down, then skipped. Entries collect in a local list, copied out on success only.
 *  3. The SPC map is configuration: comma-separated "SPC=PREFIX" items.
 *  4. Coverage: the first entry that covers the TN wins; otherwise a summary of the list.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <danecid/error.h>

#include "tnauth.h"
#include "util.h"

#define CLS_UNIVERSAL 0x00
#define CLS_CONTEXT   0x80
#define TAG_INTEGER   2
#define TAG_SEQUENCE  16
#define TAG_IA5STRING 22

/* Deepest nesting checked inside a skipped element; deeper is an error (fail closed). */
#define DER_DEPTH_MAX 16

/* A window [pos, end) of the input base. */
struct der {
	const uint8_t *base;
	size_t pos;
	size_t end;
};

/* One element: its tag and its contents as a window. */
struct tlv {
	size_t off; /* offset of the tag byte */
	uint8_t cls;
	bool cons;
	uint32_t num;
	struct der in;
};

static int bad(char *err, size_t errlen, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Report "TNAuthList: byte OFF: ..." and return DANECID_ERR_MALFORMED. */
static int bad(char *err, size_t errlen, size_t off, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0) {
		msg[0] = '\0';
	}
	va_end(ap);
	danecid_errf(err, errlen, "TNAuthList: byte %zu: %s", off, msg);
	return DANECID_ERR_MALFORMED;
}

/* The tag number in the high form (after a first byte with number 31) at p[*i]. */
static int tag_number(const struct der *d, size_t *i, size_t off, uint32_t *num, char *err,
                      size_t errlen)
{
	uint8_t b;
	uint32_t v = 0;

	for (size_t k = 0;; k++) {
		if (*i >= d->end) {
			return bad(err, errlen, off, "tag truncated");
		}
		if (k == 4) {
			return bad(err, errlen, off, "tag number too large");
		}
		b = d->base[(*i)++];
		if (k == 0 && b == 0x80) {
			return bad(err, errlen, off, "tag number not minimally encoded");
		}
		v = (v << 7) | (b & 0x7f);
		if ((b & 0x80) == 0) {
			break;
		}
	}
	if (v < 0x1f) {
		return bad(err, errlen, off, "tag number %" PRIu32 " in the high form", v);
	}
	*num = v;
	return DANECID_OK;
}

/* A definite, minimal length at p[*i]. */
static int length(const struct der *d, size_t *i, size_t *n, char *err, size_t errlen)
{
	size_t off = *i;
	size_t k;
	size_t v = 0;
	uint8_t b;

	if (*i >= d->end) {
		return bad(err, errlen, off, "length missing");
	}
	b = d->base[(*i)++];
	if (b < 0x80) {
		*n = b;
		return DANECID_OK;
	}
	if (b == 0x80) {
		return bad(err, errlen, off, "indefinite length (0x80) is not DER");
	}
	k = b & 0x7f;
	if (k > 4) {
		return bad(err, errlen, off, "length of %zu bytes too large", k);
	}
	if (d->end - *i < k) {
		return bad(err, errlen, off, "length truncated");
	}
	if (d->base[*i] == 0) {
		return bad(err, errlen, off, "length not minimal (leading zero byte)");
	}
	for (; k > 0; k--) {
		v = (v << 8) | d->base[(*i)++];
	}
	if (v < 0x80) {
		return bad(err, errlen, off, "length %zu not minimal (one byte suffices)", v);
	}
	*n = v;
	return DANECID_OK;
}

/* Read the next element of d into t and move d past it. */
static int der_next(struct der *d, struct tlv *t, char *err, size_t errlen)
{
	size_t i = d->pos;
	size_t n = 0;
	uint8_t b;
	int r;

	t->off = i;
	if (i >= d->end) {
		return bad(err, errlen, i, "element expected, nothing left");
	}
	b = d->base[i++];
	t->cls = b & 0xc0;
	t->cons = (b & 0x20) != 0;
	t->num = b & 0x1f;
	if (t->num == 0x1f) {
		r = tag_number(d, &i, t->off, &t->num, err, errlen);
		if (r != DANECID_OK) {
			return r;
		}
	}
	r = length(d, &i, &n, err, errlen);
	if (r != DANECID_OK) {
		return r;
	}
	if (n > d->end - i) {
		return bad(err, errlen, t->off,
		           "length %zu runs past its container (%zu bytes left)", n, d->end - i);
	}
	t->in.base = d->base;
	t->in.pos = i;
	t->in.end = i + n;
	d->pos = i + n;
	return DANECID_OK;
}

/* Read the next element and require the tag (cls, cons, num); what names it in messages. */
static int der_expect(struct der *d, uint8_t cls, bool cons, uint32_t num, const char *what,
                      struct tlv *t, char *err, size_t errlen)
{
	int r;

	if (d->pos >= d->end) {
		return bad(err, errlen, d->pos, "%s expected, nothing left", what);
	}
	r = der_next(d, t, err, errlen);
	if (r != DANECID_OK) {
		return r;
	}
	if (t->cls != cls || t->cons != cons || t->num != num) {
		return bad(err, errlen, t->off, "%s expected, found tag 0x%02x", what,
		           d->base[t->off]);
	}
	return DANECID_OK;
}

/* Every element left in d is well-formed, and so is everything inside the constructed ones. */
static int der_check(struct der d, int depth, char *err, size_t errlen)
{
	struct tlv t;
	int r;

	while (d.pos < d.end) {
		r = der_next(&d, &t, err, errlen);
		if (r != DANECID_OK) {
			return r;
		}
		if (!t.cons) {
			continue;
		}
		if (depth >= DER_DEPTH_MAX) {
			return bad(err, errlen, t.off, "nested more than %d deep", DER_DEPTH_MAX);
		}
		r = der_check(t.in, depth + 1, err, errlen);
		if (r != DANECID_OK) {
			return r;
		}
	}
	return DANECID_OK;
}

/* Copy a TelephoneNumber: IA5String (SIZE (1..15)) (FROM ("0123456789#*")). */
static int tn_value(const struct tlv *t, char *dst, char *err, size_t errlen)
{
	const char *s = (const char *)t->in.base + t->in.pos;
	size_t n = t->in.end - t->in.pos;
	char q[DANECID_QUOTE_SIZE];
	bool ok = n >= 1 && n <= DANECID_TN_MAX;

	for (size_t i = 0; ok && i < n; i++) {
		ok = (s[i] >= '0' && s[i] <= '9') || s[i] == '#' || s[i] == '*';
	}
	if (!ok) {
		danecid_quote(s, n, q);
		return bad(err, errlen, t->off,
		           "TelephoneNumber \"%s\" (%zu characters) is not 1..%d of 0-9#*", q, n,
		           DANECID_TN_MAX);
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
	return DANECID_OK;
}

/* Copy a ServiceProviderCode: 1..DANECID_SPC_MAX printable ASCII characters. */
static int spc_value(const struct tlv *t, char *dst, char *err, size_t errlen)
{
	const char *s = (const char *)t->in.base + t->in.pos;
	size_t n = t->in.end - t->in.pos;
	char q[DANECID_QUOTE_SIZE];
	bool ok = n >= 1 && n <= DANECID_SPC_MAX;

	for (size_t i = 0; ok && i < n; i++) {
		ok = s[i] >= 0x20 && s[i] < 0x7f;
	}
	if (!ok) {
		danecid_quote(s, n, q);
		return bad(err, errlen, t->off,
		           "ServiceProviderCode \"%s\" (%zu bytes) is not 1..%d printable ASCII "
		           "characters",
		           q, n, DANECID_SPC_MAX);
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
	return DANECID_OK;
}

/* The count of a range: a minimally encoded INTEGER in 2..2^63. */
static int count_value(const struct tlv *t, uint64_t *out, char *err, size_t errlen)
{
	const uint8_t *v = t->in.base + t->in.pos;
	size_t n = t->in.end - t->in.pos;
	uint64_t c = 0;

	if (n == 0) {
		return bad(err, errlen, t->off, "empty INTEGER");
	}
	if (n >= 2 && ((v[0] == 0x00 && (v[1] & 0x80) == 0) || (v[0] == 0xff && (v[1] & 0x80)))) {
		return bad(err, errlen, t->off, "INTEGER not minimally encoded");
	}
	if ((v[0] & 0x80) != 0) {
		return bad(err, errlen, t->off, "negative range count");
	}
	if (v[0] == 0x00 && n > 1) {
		v++;
		n--;
	}
	if (n > 8) {
		return bad(err, errlen, t->off, "range count above 2^63");
	}
	for (size_t i = 0; i < n; i++) {
		c = (c << 8) | v[i];
	}
	if (c < 2 || c > (UINT64_C(1) << 63)) {
		return bad(err, errlen, t->off, "range count %" PRIu64 " outside 2..2^63", c);
	}
	*out = c;
	return DANECID_OK;
}

/* TelephoneNumberRange ::= SEQUENCE { start TelephoneNumber, count INTEGER (2..MAX), ... } */
static int range_value(struct der *d, struct danecid_tnauth_entry *x, char *err, size_t errlen)
{
	struct tlv seq;
	struct tlv t;
	int r;

	r = der_expect(d, CLS_UNIVERSAL, true, TAG_SEQUENCE, "SEQUENCE (TelephoneNumberRange)",
	               &seq, err, errlen);
	if (r != DANECID_OK) {
		return r;
	}
	r = der_expect(&seq.in, CLS_UNIVERSAL, false, TAG_IA5STRING, "IA5String (range start)", &t,
	               err, errlen);
	if (r != DANECID_OK) {
		return r;
	}
	r = tn_value(&t, x->value, err, errlen);
	if (r != DANECID_OK) {
		return r;
	}
	r = der_expect(&seq.in, CLS_UNIVERSAL, false, TAG_INTEGER, "INTEGER (range count)", &t, err,
	               errlen);
	if (r != DANECID_OK) {
		return r;
	}
	r = count_value(&t, &x->count, err, errlen);
	if (r != DANECID_OK) {
		return r;
	}
	/* After the extension marker: later versions may add elements; they grant nothing here. */
	return der_check(seq.in, 1, err, errlen);
}

/* One TNEntry; appended to ta unless it is an alternative of a later version ([3] and up). */
static int parse_entry(const struct tlv *e, struct danecid_tnauth *ta, char *err, size_t errlen)
{
	struct danecid_tnauth_entry x;
	struct der in = e->in;
	struct tlv t;
	int r;

	if (e->cls != CLS_CONTEXT) {
		return bad(err, errlen, e->off,
		           "TNEntry with tag 0x%02x, not a context tag [0], [1] or [2]",
		           e->in.base[e->off]);
	}
	if (e->num > 2) {
		return e->cons ? der_check(in, 1, err, errlen) : DANECID_OK;
	}
	if (!e->cons) {
		return bad(err, errlen, e->off,
		           "primitive [%" PRIu32
		           "] (IMPLICIT tagging?); RFC 8226 tags are EXPLICIT",
		           e->num);
	}
	if (ta->n >= DANECID_TNAUTH_MAX) {
		return bad(err, errlen, e->off, "more than %d entries", DANECID_TNAUTH_MAX);
	}
	memset(&x, 0, sizeof(x));
	if (e->num == 1) {
		x.kind = DANECID_TNAUTH_RANGE;
		r = range_value(&in, &x, err, errlen);
	} else {
		x.kind = e->num == 0 ? DANECID_TNAUTH_SPC : DANECID_TNAUTH_ONE;
		r = der_expect(&in, CLS_UNIVERSAL, false, TAG_IA5STRING,
		               e->num == 0 ? "IA5String (spc)" : "IA5String (one)", &t, err,
		               errlen);
		if (r == DANECID_OK) {
			r = e->num == 0 ? spc_value(&t, x.value, err, errlen)
			                : tn_value(&t, x.value, err, errlen);
		}
	}
	if (r != DANECID_OK) {
		return r;
	}
	if (in.pos != in.end) {
		return bad(err, errlen, in.pos, "more than one element inside [%" PRIu32 "]",
		           e->num);
	}
	ta->e[ta->n++] = x;
	return DANECID_OK;
}

int danecid_tnauth_parse(const uint8_t *der, size_t len, struct danecid_tnauth *out, char *err,
                         size_t errlen)
{
	struct danecid_tnauth ta;
	struct der d = {der, 0, len};
	struct tlv list;
	struct tlv e;
	int r;

	if (out == NULL || (der == NULL && len > 0)) {
		return DANECID_ERR_INVAL;
	}
	memset(&ta, 0, sizeof(ta));
	r = der_expect(&d, CLS_UNIVERSAL, true, TAG_SEQUENCE, "SEQUENCE (TNAuthorizationList)",
	               &list, err, errlen);
	if (r != DANECID_OK) {
		return r;
	}
	if (d.pos != d.end) {
		return bad(err, errlen, d.pos, "%zu trailing byte(s) after the list",
		           d.end - d.pos);
	}
	if (list.in.pos == list.in.end) {
		return bad(err, errlen, list.off, "empty list (SIZE (1..MAX))");
	}
	while (list.in.pos < list.in.end) {
		r = der_next(&list.in, &e, err, errlen);
		if (r != DANECID_OK) {
			return r;
		}
		r = parse_entry(&e, &ta, err, errlen);
		if (r != DANECID_OK) {
			return r;
		}
	}
	*out = ta;
	return DANECID_OK;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i])) {
			return false;
		}
	}
	return true;
}

static void trim(const char **p, size_t *n)
{
	while (*n > 0 && is_blank(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && is_blank((*p)[*n - 1])) {
		(*n)--;
	}
}

/* Report "SPC map: item ITEM "TEXT": WHY" and return DANECID_ERR_CONFIG. */
static int map_bad(char *err, size_t errlen, size_t item, const char *q, const char *why)
{
	danecid_errf(err, errlen, "SPC map: item %zu \"%s\": %s", item, q, why);
	return DANECID_ERR_CONFIG;
}

/* Add one item "SPC=PREFIX" (item counts from 1, for messages). */
static int map_item(struct danecid_spc_map *map, const char *p, size_t n, size_t item, char *err,
                    size_t errlen)
{
	const char *eq;
	const char *spc;
	const char *pre;
	size_t slen;
	size_t plen;
	char q[DANECID_QUOTE_SIZE];

	trim(&p, &n);
	danecid_quote(p, n, q);
	if (n == 0) {
		return map_bad(err, errlen, item, q, "empty item");
	}
	eq = memchr(p, '=', n);
	if (eq == NULL) {
		return map_bad(err, errlen, item, q, "not SPC=PREFIX");
	}
	spc = p;
	slen = (size_t)(eq - p);
	pre = eq + 1;
	plen = n - slen - 1;
	trim(&spc, &slen);
	trim(&pre, &plen);
	if (slen == 0) {
		return map_bad(err, errlen, item, q, "empty SPC");
	}
	if (slen > DANECID_SPC_MAX) {
		return map_bad(err, errlen, item, q, "SPC too long");
	}
	for (size_t i = 0; i < slen; i++) {
		/* '=' cannot occur: the first one ends the SPC. */
		if (spc[i] <= 0x20 || spc[i] >= 0x7f) {
			return map_bad(err, errlen, item, q,
			               "the SPC must be printable ASCII without space, ',' or '='");
		}
	}
	if (plen > 0 && pre[0] == '+') {
		pre++;
		plen--;
	}
	if (plen == 0 || plen > DANECID_TN_MAX || !all_digits(pre, plen)) {
		return map_bad(err, errlen, item, q,
		               "the prefix must be 1..15 digits, optionally after '+'");
	}
	for (size_t i = 0; i < map->n; i++) {
		if (strlen(map->m[i].spc) == slen && memcmp(map->m[i].spc, spc, slen) == 0 &&
		    strlen(map->m[i].prefix) == plen && memcmp(map->m[i].prefix, pre, plen) == 0) {
			return map_bad(err, errlen, item, q, "the same pair twice");
		}
	}
	if (map->n >= DANECID_SPC_MAP_MAX) {
		danecid_errf(err, errlen, "SPC map: more than %d items", DANECID_SPC_MAP_MAX);
		return DANECID_ERR_CONFIG;
	}
	memcpy(map->m[map->n].spc, spc, slen);
	map->m[map->n].spc[slen] = '\0';
	memcpy(map->m[map->n].prefix, pre, plen);
	map->m[map->n].prefix[plen] = '\0';
	map->n++;
	return DANECID_OK;
}

int danecid_spc_map_parse(const char *s, size_t len, struct danecid_spc_map *out, char *err,
                          size_t errlen)
{
	struct danecid_spc_map map;
	const char *all = s;
	size_t alen = len;
	size_t i = 0;
	size_t item = 0;
	int r;

	if (out == NULL || (s == NULL && len > 0)) {
		return DANECID_ERR_INVAL;
	}
	memset(&map, 0, sizeof(map));
	trim(&all, &alen);
	/* An empty or all-blank text is the empty map; otherwise every item counts. */
	for (bool more = alen > 0; more;) {
		const char *comma = memchr(s + i, ',', len - i);
		size_t end = comma != NULL ? (size_t)(comma - s) : len;

		r = map_item(&map, s + i, end - i, ++item, err, errlen);
		if (r != DANECID_OK) {
			return r;
		}
		more = comma != NULL;
		i = end + 1;
	}
	*out = map;
	return DANECID_OK;
}

/* A text being built in the caller's buffer: cut, and ended with "...", when it overflows. */
struct sbuf {
	char *p;
	size_t size;
	size_t len;
	bool cut;
};

static void sb_init(struct sbuf *b, char *p, size_t size)
{
	b->p = size > 0 ? p : NULL;
	b->size = b->p != NULL ? size : 0;
	b->len = 0;
	b->cut = false;
	if (b->p != NULL) {
		b->p[0] = '\0';
	}
}

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->p == NULL || b->cut) {
		return;
	}
	va_start(ap, fmt);
	k = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (k < 0) {
		b->p[b->len] = '\0';
		b->cut = true;
	} else if ((size_t)k >= b->size - b->len) {
		b->len = b->size - 1;
		b->cut = true;
	} else {
		b->len += (size_t)k;
	}
}

static void sb_finish(struct sbuf *b)
{
	if (b->cut && b->size >= 4) {
		memcpy(b->p + b->size - 4, "...", 3);
	}
}

/* Length of the string in a fixed array of size bytes: up to its NUL, or size. */
static size_t arr_len(const char *s, size_t size)
{
	const char *nul = memchr(s, '\0', size);

	return nul != NULL ? (size_t)(nul - s) : size;
}

/* The value of [s, s+n), n <= DANECID_TN_MAX digits. */
static uint64_t digits_value(const char *s, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v;
}

/* Does the one or range entry x cover tn (1..15 digits)? */
static bool number_covers(const struct danecid_tnauth_entry *x, const char *tn, size_t len)
{
	size_t vlen = arr_len(x->value, sizeof(x->value));
	uint64_t start;
	uint64_t t;

	if (vlen != len) {
		return false;
	}
	if (x->kind == DANECID_TNAUTH_ONE) {
		return memcmp(x->value, tn, len) == 0;
	}
	if (!all_digits(x->value, vlen)) {
		return false;
	}
	start = digits_value(x->value, vlen);
	t = digits_value(tn, len);
	/* Both are below 10^15: no overflow, and start + count - 1 is never computed. */
	return t >= start && t - start < x->count;
}

/* Is map entry i for the SPC of x, and (tn != NULL) does its prefix start tn? */
static bool map_matches(const struct danecid_spc_map *map, size_t i,
                        const struct danecid_tnauth_entry *x, const char *tn, size_t len)
{
	size_t slen = arr_len(map->m[i].spc, sizeof(map->m[i].spc));
	size_t plen = arr_len(map->m[i].prefix, sizeof(map->m[i].prefix));

	if (slen != arr_len(x->value, sizeof(x->value)) ||
	    memcmp(map->m[i].spc, x->value, slen) != 0) {
		return false;
	}
	if (plen == 0 || plen > DANECID_TN_MAX) {
		return false; /* not from danecid_spc_map_parse(): never a match */
	}
	return tn == NULL || (plen <= len && memcmp(map->m[i].prefix, tn, plen) == 0);
}

static size_t map_len(const struct danecid_spc_map *map)
{
	if (map == NULL) {
		return 0;
	}
	return map->n < DANECID_SPC_MAP_MAX ? map->n : DANECID_SPC_MAP_MAX;
}

/* Describe entry x; for an SPC, with the prefix that covers tn, or (tn NULL) all of them. */
static void describe(struct sbuf *b, const struct danecid_tnauth_entry *x,
                     const struct danecid_spc_map *map, const char *tn, size_t len)
{
	char q[DANECID_QUOTE_SIZE];
	bool mapped = false;

	danecid_quote(x->value, arr_len(x->value, sizeof(x->value)), q);
	switch (x->kind) {
	case DANECID_TNAUTH_ONE:
		sb_add(b, "one %s", q);
		return;
	case DANECID_TNAUTH_RANGE:
		sb_add(b, "range %s+%" PRIu64, q, x->count);
		return;
	case DANECID_TNAUTH_SPC:
		break;
	default:
		sb_add(b, "unknown entry");
		return;
	}
	sb_add(b, "spc %s (", q);
	for (size_t i = 0; i < map_len(map); i++) {
		if (map_matches(map, i, x, tn, len)) {
			sb_add(b, "%s%s", mapped ? " or " : "mapped to ", map->m[i].prefix);
			mapped = true;
			if (tn != NULL) {
				break;
			}
		}
	}
	sb_add(b, "%s)", mapped ? "" : "not mapped");
}

bool danecid_tnauth_covers(const struct danecid_tnauth *ta, const struct danecid_spc_map *map,
                           const char *tn, size_t len, char *why, size_t whylen)
{
	struct sbuf b;
	char q[DANECID_QUOTE_SIZE];
	size_t n;

	sb_init(&b, why, whylen);
	if (tn == NULL || len == 0 || len > DANECID_TN_MAX || !all_digits(tn, len)) {
		danecid_quote(tn != NULL ? tn : "", tn != NULL ? len : 0, q);
		sb_add(&b, "\"%s\" is not a canonical TN (1..%d digits)", q, DANECID_TN_MAX);
		sb_finish(&b);
		return false;
	}
	if (ta == NULL) {
		sb_add(&b, "no TNAuthList");
		sb_finish(&b);
		return false;
	}
	n = ta->n < DANECID_TNAUTH_MAX ? ta->n : DANECID_TNAUTH_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct danecid_tnauth_entry *x = &ta->e[i];
		bool hit = false;

		if (x->kind == DANECID_TNAUTH_ONE || x->kind == DANECID_TNAUTH_RANGE) {
			hit = number_covers(x, tn, len);
		} else if (x->kind == DANECID_TNAUTH_SPC) {
			for (size_t k = 0; !hit && k < map_len(map); k++) {
				hit = map_matches(map, k, x, tn, len);
			}
		}
		if (hit) {
			describe(&b, x, map, tn, len);
			sb_finish(&b);
			return true;
		}
	}
	if (n == 0) {
		sb_add(&b, "the certificate covers nothing (no entry danecid understands)");
	} else {
		sb_add(&b, "the certificate covers ");
		for (size_t i = 0; i < n; i++) {
			if (i > 0) {
				sb_add(&b, ", ");
			}
			describe(&b, &ta->e[i], map, NULL, 0);
		}
	}
	sb_finish(&b);
	return false;
}
