/* rcd — the Rich Call Data claims of a PASSporT (RFC 9795): rcd, rcdi, crn. */

/*
 * Outline of danecid_rcd_check():
 *   1. bound the length, load the claims as a JSON object without duplicate keys;
 *      none of "rcd", "rcdi", "crn": NONE;
 *   2. "crn" (RFC 9795 §5.3): a bounded string without control characters;
 *   3. "rcd" (§5.1): an object; "nam" a required string without control
 *      characters; "apn" a string; "icn" and "jcl" content URIs (https: or data:);
 *      "jcd" a jCard (RFC 7095) whose "uri" values are content URIs or
 *      identifiers (tel: ...); not both jcd and jcl; every content URI is
 *      recorded with its JSON pointer;
 *   4. "rcdi" (§5.2): an object mapping JSON pointers (RFC 6901) into rcd to
 *      "sha256-"/"sha384-"/"sha512-" digests in base64 (padding optional) of the exact
 *      length; each pointer resolves to a content URI (or, "/jcl/...", into the
 *      jCard jcl references, which is not here); a data: URI's decoded content
 *      is hashed and compared; every recorded content URI has an entry;
 *   5. output: the known members in a fixed order, rcdi as received, and
 *      "integrity"; longer than DANECID_RCD_JSON_MAX is INVALID.
 * Every malformation is DANECID_ERR_MALFORMED inside this file, turned into
 * INVALID (with its reason) by danecid_rcd_check(); only allocation and hash
 * library failures are errors.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <danecid/error.h>

#include "rcd.h"
#include "util.h"

/** Room for a JSON pointer written by this file: "/jcd/1/" and two size_t. */
#define WHERE_MAX 56

/** What a URI is, as far as RCD cares. */
enum uri_kind {
	URI_BAD = 0, /**< not allowed */
	URI_HTTPS,   /**< content to fetch; its digest is carried out */
	URI_DATA,    /**< content inline (RFC 2397); its digest is checked here */
	URI_IDENT,   /**< an identifier that references no content (tel:, sip:, ...) */
};

/** A content URI inside rcd and whether an rcdi entry covers it. */
struct uri_ref {
	const json_t *v;       /**< the JSON string inside the rcd object */
	char where[WHERE_MAX]; /**< its JSON pointer, for messages */
	bool covered;
};

/** Working state of one check. */
struct rcd_state {
	struct uri_ref uris[DANECID_RCD_URI_MAX];
	size_t n_uris;
	char *errbuf;
	size_t errlen;
};

/* Whether UTF-8 text is free of C0 controls, DEL and C1 controls (U+0080..U+009F). */
static bool text_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			return false;
		}
		if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f) {
			return false;
		}
	}
	return true;
}

/*
 * A display string: a JSON string of at most max bytes, without control characters.
 * @param what the claim or member name, for messages.
 * @return DANECID_OK or DANECID_ERR_MALFORMED (reason in rs->errbuf).
 */
static int check_text(const json_t *v, const char *what, size_t max, struct rcd_state *rs)
{
	int r = DANECID_ERR_MALFORMED;

	if (!json_is_string(v)) {
		danecid_errf(rs->errbuf, rs->errlen, "%s is not a string", what);
		goto out;
	}
	if (json_string_length(v) > max) {
		danecid_errf(rs->errbuf, rs->errlen, "%s is %zu bytes, more than %zu", what,
		             json_string_length(v), max);
		goto out;
	}
	if (!text_ok(json_string_value(v), json_string_length(v))) {
		danecid_errf(rs->errbuf, rs->errlen, "%s contains a control character", what);
		goto out;
	}
	r = DANECID_OK;
out:
	return r;
}

/* Whether [s, s + len) begins with scheme (lower case, ':' included), ignoring case. */
static bool has_scheme(const char *s, size_t len, const char *scheme)
{
	size_t n = strlen(scheme);

	if (len < n) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
		}
		if (c != scheme[i]) {
			return false;
		}
	}
	return true;
}

/* Whether a byte may appear in a URI (RFC 3986 unreserved, reserved, '%'). */
static bool uri_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
		return true;
	}
	return c != '\0' && strchr("-._~:/?#[]@!$&'()*+,;=%", c) != NULL;
}

/*
 * Decode canonical standard base64 with padding (RFC 4648 §4): a multiple of
 * four characters, '=' only as the last one or two, unused bits zero.
 * @param out room for (len / 4) * 3 bytes, or NULL to validate only.
 * @param outlen receives the decoded length on success.
 * @return DANECID_OK or DANECID_ERR_MALFORMED.
 */
static int b64_decode(const char *p, size_t len, uint8_t *out, size_t *outlen)
{
	size_t i, n = 0, pad = 0;
	uint32_t acc = 0;
	int v;

	if (len % 4 != 0) {
		return DANECID_ERR_MALFORMED;
	}
	if (len >= 1 && p[len - 1] == '=') {
		pad = (len >= 2 && p[len - 2] == '=') ? 2 : 1;
	}
	for (i = 0; i < len; i++) {
		if (i >= len - pad) {
			v = 0; /* a pad character; its bits are checked below */
		} else if ((v = danecid_b64_value((unsigned char)p[i], false)) < 0) {
			return DANECID_ERR_MALFORMED;
		}
		acc = (acc << 6) | (uint32_t)v;
		if (i % 4 != 3) {
			continue;
		}
		if (i + 1 == len && pad == 2) {
			if ((acc & 0xffff) != 0) {
				return DANECID_ERR_MALFORMED;
			}
			if (out != NULL) {
				out[n] = (uint8_t)(acc >> 16);
			}
			n += 1;
		} else if (i + 1 == len && pad == 1) {
			if ((acc & 0xff) != 0) {
				return DANECID_ERR_MALFORMED;
			}
			if (out != NULL) {
				out[n] = (uint8_t)(acc >> 16);
				out[n + 1] = (uint8_t)(acc >> 8);
			}
			n += 2;
		} else {
			if (out != NULL) {
				out[n] = (uint8_t)(acc >> 16);
				out[n + 1] = (uint8_t)(acc >> 8);
				out[n + 2] = (uint8_t)acc;
			}
			n += 3;
		}
		acc = 0;
	}
	*outlen = n;
	return DANECID_OK;
}

/*
 * Split a data: URI (RFC 2397: "data:" [mediatype] [";base64"] "," data) and
 * validate it: mediatype empty or type "/" subtype, parameters attribute "="
 * value; base64 data canonical; other data with well-formed %XX escapes.
 * The URI characters are already known to be RFC 3986 characters.
 * @param data,data_len receive the encoded data part.
 * @param is_b64 receives whether it is base64.
 * @return DANECID_OK or DANECID_ERR_MALFORMED.
 */
static int data_uri_split(const char *s, size_t len, const char **data, size_t *data_len,
                          bool *is_b64)
{
	const char *comma, *p, *end, *semi;
	bool b64 = false, first = true;
	size_t n;

	if (!has_scheme(s, len, "data:")) {
		return DANECID_ERR_MALFORMED;
	}
	p = s + 5;
	if ((comma = memchr(p, ',', len - 5)) == NULL) {
		return DANECID_ERR_MALFORMED;
	}
	end = comma;
	while (p <= end) {
		semi = memchr(p, ';', (size_t)(end - p));
		n = (size_t)((semi != NULL ? semi : end) - p);
		if (first) {
			if (n > 0 && memchr(p, '/', n) == NULL) {
				return DANECID_ERR_MALFORMED;
			}
		} else if (semi == NULL && has_scheme(p, n, "base64") && n == 6) {
			b64 = true;
		} else if (n == 0 || memchr(p, '=', n) == NULL) {
			return DANECID_ERR_MALFORMED;
		}
		first = false;
		p += n + 1;
	}
	p = comma + 1;
	n = len - (size_t)(p - s);
	if (b64) {
		size_t ignored;

		if (b64_decode(p, n, NULL, &ignored) != DANECID_OK) {
			return DANECID_ERR_MALFORMED;
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '%' &&
			    (i + 2 >= n || danecid_hex_value((unsigned char)p[i + 1]) < 0 ||
			     danecid_hex_value((unsigned char)p[i + 2]) < 0)) {
				return DANECID_ERR_MALFORMED;
			}
		}
	}
	*data = p;
	*data_len = n;
	*is_b64 = b64;
	return DANECID_OK;
}

/* What kind of URI [s, s + len) is; URI_BAD when it is not one RCD allows. */
static enum uri_kind uri_classify(const char *s, size_t len)
{
	static const char *const ident[] = {"tel:", "sip:", "sips:", "mailto:", "geo:", "urn:"};
	const char *data;
	size_t data_len, n;
	bool b64;

	for (size_t i = 0; i < len; i++) {
		if (!uri_char((unsigned char)s[i])) {
			return URI_BAD;
		}
	}
	if (has_scheme(s, len, "https://")) {
		/* a non-empty authority */
		return (len > 8 && strchr("/?#", s[8]) == NULL) ? URI_HTTPS : URI_BAD;
	}
	if (has_scheme(s, len, "data:")) {
		return data_uri_split(s, len, &data, &data_len, &b64) == DANECID_OK ? URI_DATA
		                                                                    : URI_BAD;
	}
	for (size_t i = 0; i < sizeof(ident) / sizeof(ident[0]); i++) {
		n = strlen(ident[i]);
		if (has_scheme(s, len, ident[i]) && len > n) {
			return URI_IDENT;
		}
	}
	return URI_BAD;
}

/*
 * The decoded content of a valid data: URI.
 * @param out receives a buffer the caller frees with free() (never NULL on success).
 * @return DANECID_OK, DANECID_ERR_MALFORMED, DANECID_ERR_NOMEM.
 */
static int data_uri_content(const char *s, size_t len, uint8_t **out, size_t *outlen)
{
	int r = DANECID_ERR_INTERNAL;
	const char *data;
	size_t data_len, n = 0;
	uint8_t *buf = NULL;
	bool b64;

	if ((r = data_uri_split(s, len, &data, &data_len, &b64)) != DANECID_OK) {
		goto out;
	}
	if ((buf = malloc(data_len + 1)) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if (b64) {
		if ((r = b64_decode(data, data_len, buf, &n)) != DANECID_OK) {
			goto out;
		}
	} else {
		for (size_t i = 0; i < data_len; i++) {
			if (data[i] == '%') {
				buf[n++] =
				    (uint8_t)(danecid_hex_value((unsigned char)data[i + 1]) << 4 |
				              danecid_hex_value((unsigned char)data[i + 2]));
				i += 2;
			} else {
				buf[n++] = (uint8_t)data[i];
			}
		}
	}
	*out = buf;
	buf = NULL;
	*outlen = n;
	r = DANECID_OK;
out:
	free(buf);
	return r;
}

/*
 * Parse an rcdi digest string: "sha256-", "sha384-" or "sha512-" followed by
 * canonical base64 of exactly the digest length, with or without its padding.
 * @param md receives the hash; dig, diglen the digest (dig holds EVP_MAX_MD_SIZE).
 * @return DANECID_OK or DANECID_ERR_MALFORMED.
 */
static int digest_parse(const char *s, size_t len, const EVP_MD **md, uint8_t *dig, size_t *diglen)
{
	static const struct {
		const char *prefix;
		size_t size;
		const EVP_MD *(*md)(void);
	} algs[] = {
	    {"sha256-", 32, EVP_sha256},
	    {"sha384-", 48, EVP_sha384},
	    {"sha512-", 64, EVP_sha512},
	};
	uint8_t buf[(EVP_MAX_MD_SIZE + 2) / 3 * 3]; /* what b64_decode may write */
	size_t n;

	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		size_t plen = strlen(algs[i].prefix);

		if (len < plen || memcmp(s, algs[i].prefix, plen) != 0) {
			continue;
		}
		size_t padded = (algs[i].size + 2) / 3 * 4, bare = (algs[i].size * 4 + 2) / 3;
		char text[(EVP_MAX_MD_SIZE + 2) / 3 * 4];

		/* RFC 9795 §6's examples leave the padding out; RFC 4648 §4 puts it in: both */
		if (len - plen == bare && bare < padded) {
			memcpy(text, s + plen, bare);
			memset(text + bare, '=', padded - bare);
		} else if (len - plen == padded) {
			memcpy(text, s + plen, padded);
		} else {
			return DANECID_ERR_MALFORMED;
		}
		if (b64_decode(text, padded, buf, &n) != DANECID_OK || n != algs[i].size) {
			return DANECID_ERR_MALFORMED;
		}
		memcpy(dig, buf, n);
		*md = algs[i].md();
		*diglen = n;
		return DANECID_OK;
	}
	return DANECID_ERR_MALFORMED;
}

/*
 * Resolve a JSON pointer (RFC 6901) against the rcd object.
 * @param found receives the value, or NULL when nothing is there.
 * @param in_jcl receives whether the pointer is "/jcl/..." (deeper than "/jcl")
 *        while rcd has a "jcl": it then points into the jCard jcl references,
 *        which is not here, and *found is NULL.
 * @return DANECID_OK, DANECID_ERR_MALFORMED when it is not a JSON pointer (not
 *         empty and no leading '/', '~' not followed by '0' or '1'), DANECID_ERR_NOMEM.
 */
static int jptr_resolve(const json_t *rcd, const char *p, size_t len, const json_t **found,
                        bool *in_jcl)
{
	int r = DANECID_ERR_INTERNAL;
	const json_t *cur = rcd, *jcl = json_object_get(rcd, "jcl");
	size_t i, depth = 0;
	bool into_jcl = false;
	char *tok = NULL;

	if (len > 0 && p[0] != '/') {
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	for (i = 0; i < len; i++) {
		if (p[i] == '~' && (i + 1 >= len || (p[i + 1] != '0' && p[i + 1] != '1'))) {
			r = DANECID_ERR_MALFORMED;
			goto out;
		}
	}
	if ((tok = malloc(len + 1)) == NULL) { /* a token is never longer than the pointer */
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	for (i = 1; i <= len; i++) { /* one reference token per turn, i past its '/' */
		size_t n = 0;

		while (i < len && p[i] != '/') {
			if (p[i] == '~') {
				tok[n++] = p[i + 1] == '0' ? '~' : '/';
				i += 2;
			} else {
				tok[n++] = p[i++];
			}
		}
		if (depth == 1 && jcl != NULL && cur == jcl) {
			into_jcl = true; /* a further token: into the referenced jCard */
			cur = NULL;
		} else if (json_is_object(cur)) {
			cur = json_object_getn(cur, tok, n);
		} else if (json_is_array(cur)) {
			size_t idx = 0;
			bool ok = n > 0 && n <= 9 && (n == 1 || tok[0] != '0');

			for (size_t k = 0; ok && k < n; k++) {
				ok = tok[k] >= '0' && tok[k] <= '9';
				idx = idx * 10 + (size_t)(tok[k] - '0');
			}
			cur = ok ? json_array_get(cur, idx) : NULL;
		} else {
			cur = NULL;
		}
		depth++;
	}
	*found = cur;
	*in_jcl = into_jcl;
	r = DANECID_OK;
out:
	free(tok);
	return r;
}

/* Record a content URI found in rcd at JSON pointer where. */
static int add_uri(struct rcd_state *rs, const json_t *v, const char *where)
{
	struct uri_ref *u;

	if (rs->n_uris == DANECID_RCD_URI_MAX) {
		danecid_errf(rs->errbuf, rs->errlen, "rcd has more than %d URIs",
		             DANECID_RCD_URI_MAX);
		return DANECID_ERR_MALFORMED;
	}
	u = &rs->uris[rs->n_uris++];
	u->v = v;
	u->covered = false;
	snprintf(u->where, sizeof(u->where), "%s", where);
	return DANECID_OK;
}

/*
 * A URI that must reference content (rcd icn, jcl): https: or data:.
 * @return DANECID_OK or DANECID_ERR_MALFORMED.
 */
static int check_content_uri(struct rcd_state *rs, const json_t *v, const char *where)
{
	char q[DANECID_QUOTE_SIZE];
	enum uri_kind k;

	if (!json_is_string(v)) {
		danecid_errf(rs->errbuf, rs->errlen, "rcd %s is not a string", where);
		return DANECID_ERR_MALFORMED;
	}
	k = uri_classify(json_string_value(v), json_string_length(v));
	if (k != URI_HTTPS && k != URI_DATA) {
		danecid_quote(json_string_value(v), json_string_length(v), q);
		danecid_errf(rs->errbuf, rs->errlen,
		             "rcd %s \"%s\" is not an https: or well-formed data: URI", where, q);
		return DANECID_ERR_MALFORMED;
	}
	return add_uri(rs, v, where);
}

/*
 * A jCard (RFC 7095 §3.2): ["vcard", [property...]], each property
 * [name, {params}, type, value...]; values of type "uri" are content URIs
 * (https:, data:) or identifiers (tel: ...), anything else is refused.
 * @return DANECID_OK or DANECID_ERR_MALFORMED.
 */
static int check_jcd(struct rcd_state *rs, const json_t *jcd)
{
	const json_t *props, *prop, *v;
	char where[WHERE_MAX], q[DANECID_QUOTE_SIZE];
	size_t i, j;
	int r;

	if (!json_is_array(jcd) || json_array_size(jcd) != 2 ||
	    !json_is_string(json_array_get(jcd, 0)) ||
	    strcmp(json_string_value(json_array_get(jcd, 0)), "vcard") != 0 ||
	    json_string_length(json_array_get(jcd, 0)) != 5 ||
	    !json_is_array(props = json_array_get(jcd, 1))) {
		danecid_errf(rs->errbuf, rs->errlen, "rcd jcd is not a jCard [\"vcard\", [...]]");
		return DANECID_ERR_MALFORMED;
	}
	json_array_foreach(props, i, prop)
	{
		if (!json_is_array(prop) || json_array_size(prop) < 4 ||
		    !json_is_string(json_array_get(prop, 0)) ||
		    !json_is_object(json_array_get(prop, 1)) ||
		    !json_is_string(json_array_get(prop, 2))) {
			danecid_errf(rs->errbuf, rs->errlen,
			             "rcd jcd property %zu is not [name, {params}, type, value...]",
			             i);
			return DANECID_ERR_MALFORMED;
		}
		if (strcmp(json_string_value(json_array_get(prop, 2)), "uri") != 0) {
			continue;
		}
		for (j = 3; j < json_array_size(prop); j++) {
			v = json_array_get(prop, j);
			snprintf(where, sizeof(where), "/jcd/1/%zu/%zu", i, j);
			if (!json_is_string(v)) {
				danecid_errf(rs->errbuf, rs->errlen, "rcd jcd %s is not a string",
				             where);
				return DANECID_ERR_MALFORMED;
			}
			switch (uri_classify(json_string_value(v), json_string_length(v))) {
			case URI_HTTPS:
			case URI_DATA:
				if ((r = add_uri(rs, v, where)) != DANECID_OK) {
					return r;
				}
				break;
			case URI_IDENT:
				break;
			default:
				danecid_quote(json_string_value(v), json_string_length(v), q);
				danecid_errf(rs->errbuf, rs->errlen,
				             "rcd jcd %s \"%s\" is not an allowed URI", where, q);
				return DANECID_ERR_MALFORMED;
			}
		}
	}
	return DANECID_OK;
}

/*
 * The "rcd" claim (RFC 9795 §5.1); records its content URIs in rs.
 * @return DANECID_OK or DANECID_ERR_MALFORMED.
 */
static int check_rcd(struct rcd_state *rs, const json_t *rcd)
{
	const json_t *v, *jcd, *jcl;
	int r;

	if (!json_is_object(rcd)) {
		danecid_errf(rs->errbuf, rs->errlen, "rcd is not an object");
		return DANECID_ERR_MALFORMED;
	}
	if ((v = json_object_get(rcd, "nam")) == NULL) {
		danecid_errf(rs->errbuf, rs->errlen, "rcd has no nam");
		return DANECID_ERR_MALFORMED;
	}
	if ((r = check_text(v, "rcd nam", DANECID_RCD_NAM_MAX, rs)) != DANECID_OK) {
		return r;
	}
	if ((v = json_object_get(rcd, "apn")) != NULL &&
	    (r = check_text(v, "rcd apn", DANECID_RCD_APN_MAX, rs)) != DANECID_OK) {
		return r;
	}
	if ((v = json_object_get(rcd, "icn")) != NULL &&
	    (r = check_content_uri(rs, v, "/icn")) != DANECID_OK) {
		return r;
	}
	jcd = json_object_get(rcd, "jcd");
	jcl = json_object_get(rcd, "jcl");
	if (jcd != NULL && jcl != NULL) {
		danecid_errf(rs->errbuf, rs->errlen, "rcd has both jcd and jcl");
		return DANECID_ERR_MALFORMED;
	}
	if (jcl != NULL && (r = check_content_uri(rs, jcl, "/jcl")) != DANECID_OK) {
		return r;
	}
	if (jcd != NULL && (r = check_jcd(rs, jcd)) != DANECID_OK) {
		return r;
	}
	return DANECID_OK;
}

/*
 * Compare the digest of a data: URI's content with an rcdi digest.
 * @return DANECID_OK (equal), DANECID_ERR_MALFORMED (differs; reason set),
 *         DANECID_ERR_NOMEM, DANECID_ERR_CRYPTO.
 */
static int check_data_digest(struct rcd_state *rs, const json_t *uri, const EVP_MD *md,
                             const uint8_t *want, size_t want_len, const char *qkey)
{
	int r = DANECID_ERR_INTERNAL;
	uint8_t *content = NULL;
	uint8_t got[EVP_MAX_MD_SIZE];
	unsigned int got_len = 0;
	size_t n = 0;

	if ((r = data_uri_content(json_string_value(uri), json_string_length(uri), &content, &n)) !=
	    DANECID_OK) {
		if (r == DANECID_ERR_MALFORMED) {
			danecid_errf(rs->errbuf, rs->errlen, "rcdi \"%s\": malformed data: URI",
			             qkey);
		}
		goto out;
	}
	if (EVP_Digest(content, n, got, &got_len, md, NULL) != 1) {
		r = DANECID_ERR_CRYPTO;
		goto out;
	}
	if (got_len != want_len || CRYPTO_memcmp(got, want, want_len) != 0) {
		danecid_errf(rs->errbuf, rs->errlen,
		             "rcdi \"%s\": digest does not match the data: URI content", qkey);
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	r = DANECID_OK;
out:
	free(content);
	return r;
}

/*
 * The "rcdi" claim (RFC 9795 §5.2) against rcd, after check_rcd() recorded
 * the content URIs.
 * @return DANECID_OK, DANECID_ERR_MALFORMED, DANECID_ERR_NOMEM, DANECID_ERR_CRYPTO.
 */
static int check_rcdi(struct rcd_state *rs, const json_t *rcd, const json_t *rcdi)
{
	const char *key;
	const json_t *v, *target;
	const EVP_MD *md;
	uint8_t dig[EVP_MAX_MD_SIZE];
	char q[DANECID_QUOTE_SIZE];
	size_t diglen, klen, i;
	bool in_jcl;
	enum uri_kind k;
	int r;

	if (rcd == NULL) {
		danecid_errf(rs->errbuf, rs->errlen, "rcdi without rcd");
		return DANECID_ERR_MALFORMED;
	}
	if (!json_is_object(rcdi)) {
		danecid_errf(rs->errbuf, rs->errlen, "rcdi is not an object");
		return DANECID_ERR_MALFORMED;
	}
	json_object_keylen_foreach((json_t *)rcdi, key, klen, v)
	{
		danecid_quote(key, klen, q);
		if (!json_is_string(v) || digest_parse(json_string_value(v), json_string_length(v),
		                                       &md, dig, &diglen) != DANECID_OK) {
			danecid_errf(rs->errbuf, rs->errlen,
			             "rcdi \"%s\": not a sha256-/sha384-/sha512- base64 digest", q);
			return DANECID_ERR_MALFORMED;
		}
		if ((r = jptr_resolve(rcd, key, klen, &target, &in_jcl)) != DANECID_OK) {
			if (r == DANECID_ERR_MALFORMED) {
				danecid_errf(rs->errbuf, rs->errlen,
				             "rcdi \"%s\": not a JSON pointer", q);
			}
			return r;
		}
		if (in_jcl) {
			continue; /* into the jCard jcl references: checked by who fetches it */
		}
		if (target == NULL) {
			danecid_errf(rs->errbuf, rs->errlen,
			             "rcdi \"%s\" resolves to nothing in rcd", q);
			return DANECID_ERR_MALFORMED;
		}
		if (!json_is_string(target)) {
			danecid_errf(rs->errbuf, rs->errlen,
			             "rcdi \"%s\" does not resolve to a string in rcd", q);
			return DANECID_ERR_MALFORMED;
		}
		k = uri_classify(json_string_value(target), json_string_length(target));
		if (k != URI_HTTPS && k != URI_DATA) {
			danecid_errf(rs->errbuf, rs->errlen,
			             "rcdi \"%s\" does not resolve to an https: or data: URI", q);
			return DANECID_ERR_MALFORMED;
		}
		/* A URI in an rcd member this file does not know is checked, not recorded. */
		for (i = 0; i < rs->n_uris; i++) {
			if (rs->uris[i].v == target) {
				rs->uris[i].covered = true;
			}
		}
		if (k == URI_DATA &&
		    (r = check_data_digest(rs, target, md, dig, diglen, q)) != DANECID_OK) {
			return r;
		}
	}
	for (i = 0; i < rs->n_uris; i++) {
		if (!rs->uris[i].covered) {
			danecid_errf(rs->errbuf, rs->errlen, "rcd URI at %s has no rcdi digest",
			             rs->uris[i].where);
			return DANECID_ERR_MALFORMED;
		}
	}
	return DANECID_OK;
}

/*
 * The verdict JSON: the known members in a fixed order and "integrity".
 * @param out receives the text; the caller frees it with free().
 * @return DANECID_OK, DANECID_ERR_MALFORMED (too long; reason set), DANECID_ERR_NOMEM.
 */
static int build_json(struct rcd_state *rs, const json_t *rcd, const json_t *rcdi,
                      const json_t *crn, char **out)
{
	static const char *const members[] = {"nam", "apn", "icn", "jcl", "jcd"};
	int r = DANECID_ERR_INTERNAL;
	json_t *o = NULL, *v;
	char *s = NULL;
	size_t n;

	if ((o = json_object()) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; rcd != NULL && i < sizeof(members) / sizeof(members[0]); i++) {
		if ((v = json_object_get(rcd, members[i])) != NULL &&
		    json_object_set(o, members[i], v) != 0) {
			r = DANECID_ERR_NOMEM;
			goto out;
		}
	}
	if ((crn != NULL && json_object_set(o, "crn", (json_t *)crn) != 0) ||
	    (rcdi != NULL && json_object_set(o, "rcdi", (json_t *)rcdi) != 0) ||
	    json_object_set_new(o, "integrity",
	                        json_string(rcdi != NULL ? "rcdi" : "signature-only")) != 0) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if ((s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if ((n = strlen(s)) > DANECID_RCD_JSON_MAX) {
		danecid_errf(rs->errbuf, rs->errlen, "RCD is %zu bytes as JSON, more than %d", n,
		             DANECID_RCD_JSON_MAX);
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	*out = s;
	s = NULL;
	r = DANECID_OK;
out:
	free(s);
	json_decref(o);
	return r;
}

/*
 * Everything but the argument checks and the mapping of MALFORMED to INVALID.
 * @param out receives the verdict JSON on VERIFIED (caller frees), else stays NULL.
 */
static int rcd_eval(struct rcd_state *rs, const char *claims, size_t len,
                    enum danecid_rcd_status *st, char **out)
{
	int r = DANECID_ERR_INTERNAL;
	json_t *root = NULL;
	const json_t *rcd, *rcdi, *crn;
	json_error_t jerr;
	char q[DANECID_QUOTE_SIZE];

	if (len == 0) {
		danecid_errf(rs->errbuf, rs->errlen, "claims are empty");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if (len > DANECID_RCD_CLAIMS_MAX) {
		danecid_errf(rs->errbuf, rs->errlen, "claims are %zu bytes, more than %d", len,
		             DANECID_RCD_CLAIMS_MAX);
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if ((root = json_loadb(claims, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		if (json_error_code(&jerr) == json_error_out_of_memory) {
			r = DANECID_ERR_NOMEM;
		} else if (json_error_code(&jerr) == json_error_duplicate_key) {
			danecid_errf(rs->errbuf, rs->errlen, "duplicate key in claims");
			r = DANECID_ERR_MALFORMED;
		} else {
			danecid_quote(jerr.text, strlen(jerr.text), q);
			danecid_errf(rs->errbuf, rs->errlen, "claims are not valid JSON: %s", q);
			r = DANECID_ERR_MALFORMED;
		}
		goto out;
	}
	if (!json_is_object(root)) {
		danecid_errf(rs->errbuf, rs->errlen, "claims are not a JSON object");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	rcd = json_object_get(root, "rcd");
	rcdi = json_object_get(root, "rcdi");
	crn = json_object_get(root, "crn");
	if (rcd == NULL && rcdi == NULL && crn == NULL) {
		*st = DANECID_RCD_NONE;
		r = DANECID_OK;
		goto out;
	}
	if (crn != NULL && (r = check_text(crn, "crn", DANECID_RCD_CRN_MAX, rs)) != DANECID_OK) {
		goto out;
	}
	if (rcd != NULL && (r = check_rcd(rs, rcd)) != DANECID_OK) {
		goto out;
	}
	if (rcdi != NULL && (r = check_rcdi(rs, rcd, rcdi)) != DANECID_OK) {
		goto out;
	}
	if ((r = build_json(rs, rcd, rcdi, crn, out)) != DANECID_OK) {
		goto out;
	}
	*st = DANECID_RCD_VERIFIED;
	r = DANECID_OK;
out:
	json_decref(root);
	return r;
}

int danecid_rcd_check(const char *claims, size_t len, enum danecid_rcd_status *st, char **json_out,
                      char *errbuf, size_t errlen)
{
	int r = DANECID_ERR_INTERNAL;
	enum danecid_rcd_status status = DANECID_RCD_INVALID;
	struct rcd_state rs;
	char *s = NULL;

	if (json_out != NULL) {
		*json_out = NULL;
	}
	if ((claims == NULL && len > 0) || st == NULL) {
		r = DANECID_ERR_INVAL;
		goto out;
	}
	memset(&rs, 0, sizeof(rs));
	rs.errbuf = errbuf;
	rs.errlen = errlen;
	r = rcd_eval(&rs, claims, len, &status, &s);
	if (r == DANECID_ERR_MALFORMED) {
		status = DANECID_RCD_INVALID; /* reason already in errbuf */
	} else if (r != DANECID_OK) {
		goto out;
	}
	*st = status;
	if (json_out != NULL) {
		*json_out = s;
		s = NULL;
	}
	r = DANECID_OK;
out:
	free(s);
	return r;
}
