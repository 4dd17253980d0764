/* passport — strict compact-JWS PASSporT parsing (RFC 8225/8588/8946), checks and signing. */

/*
 * Outline of danecid_passport_parse():
 *   1. bound the length, split at exactly two dots, no empty header or payload;
 *   2. header: canonical base64url → JSON object without duplicate keys →
 *      alg (ES256, else alg-unsupported: also "none"), typ, ppt, crit, x5u;
 *   3. payload: the same decoding → iat, orig.tn, dest.tn[], attest, origid,
 *      every TN canonicalized;
 *   4. signature: canonical base64url of exactly 64 bytes (r‖s);
 *   5. signing input = the first two parts as received; replay key = its
 *      SHA-256 (the signature bytes are malleable, the signed content is not).
 * The alg check comes before the signature part is looked at, so an unsigned
 * ("alg":"none", empty signature) token is reported as alg-unsupported.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/rand.h>

#include <danecid/error.h>

#include "es256.h"
#include "passport.h"
#include "tn.h"
#include "util.h"

/** Length of the base64url text of a 64-byte signature. */
#define SIG_B64_LEN 86

/* Whether a JSON value is the string lit exactly. */
static bool json_str_is(const json_t *v, const char *lit)
{
	size_t n = strlen(lit);

	return json_is_string(v) && json_string_length(v) == n &&
	       memcmp(json_string_value(v), lit, n) == 0;
}

int danecid_b64url_decode(const char *p, size_t len, uint8_t *out, size_t *outlen)
{
	uint32_t acc = 0;
	size_t i, n = 0;
	int v;

	if (len % 4 == 1) {
		return DANECID_ERR_MALFORMED;
	}
	for (i = 0; i < len; i++) {
		if ((v = danecid_b64_value((unsigned char)p[i], true)) < 0) {
			return DANECID_ERR_MALFORMED;
		}
		acc = (acc << 6) | (uint32_t)v;
		if (i % 4 == 3) {
			out[n++] = (uint8_t)(acc >> 16);
			out[n++] = (uint8_t)(acc >> 8);
			out[n++] = (uint8_t)acc;
			acc = 0;
		}
	}
	switch (len % 4) {
	case 2: /* 12 bits: one byte and 4 unused bits */
		if ((acc & 0x0f) != 0) {
			return DANECID_ERR_MALFORMED;
		}
		out[n++] = (uint8_t)(acc >> 4);
		break;
	case 3: /* 18 bits: two bytes and 2 unused bits */
		if ((acc & 0x03) != 0) {
			return DANECID_ERR_MALFORMED;
		}
		out[n++] = (uint8_t)(acc >> 10);
		out[n++] = (uint8_t)(acc >> 2);
		break;
	default:
		break;
	}
	*outlen = n;
	return DANECID_OK;
}

void danecid_b64url_encode(const uint8_t *p, size_t len, char *out)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i = 0, n = 0;

	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[n++] = alphabet[(v >> 18) & 63];
		out[n++] = alphabet[(v >> 12) & 63];
		out[n++] = alphabet[(v >> 6) & 63];
		out[n++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;

		out[n++] = alphabet[(v >> 18) & 63];
		out[n++] = alphabet[(v >> 12) & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

		out[n++] = alphabet[(v >> 18) & 63];
		out[n++] = alphabet[(v >> 12) & 63];
		out[n++] = alphabet[(v >> 6) & 63];
	}
	out[n] = '\0';
}

/*
 * Decode one JWS part (base64url of a JSON object) into *obj.
 * @param what "header" or "claims", for messages.
 * @param buf scratch space of at least (len * 3) / 4 + 1 bytes.
 */
static int load_part(const char *p, size_t len, const char *what, uint8_t *buf, json_t **obj,
                     size_t *textlen, char *errbuf, size_t errlen)
{
	int r = DANECID_ERR_INTERNAL;
	json_t *v = NULL;
	json_error_t jerr;
	size_t n = 0;

	if (danecid_b64url_decode(p, len, buf, &n) != DANECID_OK) {
		danecid_errf(errbuf, errlen, "JWS %s is not canonical base64url", what);
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if ((v = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	                    &jerr)) == NULL) {
		if (json_error_code(&jerr) == json_error_out_of_memory) {
			r = DANECID_ERR_NOMEM;
		} else if (json_error_code(&jerr) == json_error_duplicate_key) {
			danecid_errf(errbuf, errlen, "duplicate key in %s", what);
			r = DANECID_ERR_MALFORMED;
		} else {
			danecid_errf(errbuf, errlen, "%s is not valid JSON: %s", what, jerr.text);
			r = DANECID_ERR_MALFORMED;
		}
		goto out;
	}
	if (!json_is_object(v)) {
		danecid_errf(errbuf, errlen, "%s is not a JSON object", what);
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	*obj = v;
	v = NULL;
	if (textlen != NULL) {
		*textlen = n;
	}
	r = DANECID_OK;
out:
	json_decref(v);
	return r;
}

/* Header checks; fills pp->ppt and pp->x5u. */
static int check_header(const json_t *hdr, struct danecid_passport *pp, enum danecid_reason *why,
                        char *errbuf, size_t errlen)
{
	int r = DANECID_ERR_INTERNAL;
	const json_t *v, *e;
	char q[DANECID_QUOTE_SIZE];
	size_t i;

	*why = DANECID_R_IDENTITY_MALFORMED;
	if ((v = json_object_get(hdr, "alg")) == NULL) {
		danecid_errf(errbuf, errlen, "header has no alg");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if (!json_is_string(v)) {
		danecid_errf(errbuf, errlen, "header alg is not a string");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if (!json_str_is(v, "ES256")) {
		danecid_quote(json_string_value(v), json_string_length(v), q);
		danecid_errf(errbuf, errlen, "header alg is \"%s\", only ES256 is supported", q);
		*why = DANECID_R_ALG_UNSUPPORTED;
		r = DANECID_ERR_UNSUPPORTED;
		goto out;
	}
	if ((v = json_object_get(hdr, "typ")) == NULL) {
		danecid_errf(errbuf, errlen, "header has no typ");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if (!json_is_string(v)) {
		danecid_errf(errbuf, errlen, "header typ is not a string");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if (!json_str_is(v, "passport")) {
		danecid_quote(json_string_value(v), json_string_length(v), q);
		danecid_errf(errbuf, errlen, "header typ is \"%s\", expected \"passport\"", q);
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if ((v = json_object_get(hdr, "ppt")) == NULL) {
		pp->ppt = DANECID_PPT_BASE;
	} else if (!json_is_string(v)) {
		danecid_errf(errbuf, errlen, "header ppt is not a string");
		r = DANECID_ERR_MALFORMED;
		goto out;
	} else if (json_str_is(v, "shaken")) {
		pp->ppt = DANECID_PPT_SHAKEN;
	} else if (json_str_is(v, "div")) {
		pp->ppt = DANECID_PPT_DIV;
	} else if (json_str_is(v, "rcd")) {
		pp->ppt = DANECID_PPT_RCD;
	} else {
		danecid_quote(json_string_value(v), json_string_length(v), q);
		danecid_errf(errbuf, errlen, "header ppt \"%s\" is not supported", q);
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	/* RFC 7515 §4.1.11: every extension named in crit must be understood: only ppt is. */
	if ((v = json_object_get(hdr, "crit")) != NULL) {
		if (!json_is_array(v) || json_array_size(v) == 0) {
			danecid_errf(errbuf, errlen, "header crit is not a non-empty array");
			r = DANECID_ERR_MALFORMED;
			goto out;
		}
		json_array_foreach(v, i, e)
		{
			if (!json_str_is(e, "ppt") || pp->ppt == DANECID_PPT_BASE) {
				if (json_is_string(e)) {
					danecid_quote(json_string_value(e), json_string_length(e),
					              q);
				} else {
					strcpy(q, "(not a string)");
				}
				danecid_errf(errbuf, errlen,
				             "header crit lists \"%s\", not understood", q);
				r = DANECID_ERR_MALFORMED;
				goto out;
			}
		}
	}
	if ((v = json_object_get(hdr, "x5u")) != NULL) {
		if (!json_is_string(v)) {
			danecid_errf(errbuf, errlen, "header x5u is not a string");
			r = DANECID_ERR_MALFORMED;
			goto out;
		}
		if ((pp->x5u = strdup(json_string_value(v))) == NULL) {
			r = DANECID_ERR_NOMEM;
			goto out;
		}
	}
	r = DANECID_OK;
out:
	return r;
}

/* Canonicalize the TN in a JSON string; @param what names it in messages. */
static int claim_tn(const json_t *v, const char *what, struct danecid_tn *tn, char *errbuf,
                    size_t errlen)
{
	char q[DANECID_QUOTE_SIZE];

	if (!json_is_string(v)) {
		danecid_errf(errbuf, errlen, "claims %s is missing or not a string", what);
		return DANECID_ERR_MALFORMED;
	}
	if (danecid_tn_canon(json_string_value(v), json_string_length(v), true, tn) != DANECID_OK) {
		danecid_quote(json_string_value(v), json_string_length(v), q);
		danecid_errf(errbuf, errlen, "claims %s \"%s\" is not a telephone number", what, q);
		return DANECID_ERR_MALFORMED;
	}
	return DANECID_OK;
}

/* Claims checks; fills iat, orig, dest, attest, origid. */
static int check_claims(const json_t *claims, struct danecid_passport *pp, char *errbuf,
                        size_t errlen)
{
	int r = DANECID_ERR_INTERNAL;
	const json_t *v, *tns, *e;
	const char *ppt = pp->ppt == DANECID_PPT_SHAKEN ? "shaken" : NULL;
	const json_t *div;
	char q[DANECID_QUOTE_SIZE], what[32];
	size_t i;

	if ((v = json_object_get(claims, "iat")) == NULL) {
		danecid_errf(errbuf, errlen, "claims have no iat");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if (!json_is_integer(v)) {
		danecid_errf(errbuf, errlen, "claims iat is not an integer");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	pp->iat = (int64_t)json_integer_value(v);

	if (!json_is_object(v = json_object_get(claims, "orig"))) {
		danecid_errf(errbuf, errlen, "claims orig is missing or not an object");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if ((r = claim_tn(json_object_get(v, "tn"), "orig.tn", &pp->orig, errbuf, errlen)) !=
	    DANECID_OK) {
		goto out;
	}

	if (!json_is_object(v = json_object_get(claims, "dest"))) {
		danecid_errf(errbuf, errlen, "claims dest is missing or not an object");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if (!json_is_array(tns = json_object_get(v, "tn"))) {
		danecid_errf(errbuf, errlen, "claims dest.tn is missing or not an array");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if (json_array_size(tns) == 0) {
		danecid_errf(errbuf, errlen, "claims dest.tn is empty");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if (json_array_size(tns) > DANECID_DEST_MAX) {
		danecid_errf(errbuf, errlen,
		             "claims dest.tn has %zu entries, at most %d are supported",
		             json_array_size(tns), DANECID_DEST_MAX);
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	json_array_foreach(tns, i, e)
	{
		snprintf(what, sizeof(what), "dest.tn[%zu]", i);
		if ((r = claim_tn(e, what, &pp->dest[i], errbuf, errlen)) != DANECID_OK) {
			goto out;
		}
	}
	pp->n_dest = json_array_size(tns);

	if ((v = json_object_get(claims, "attest")) == NULL) {
		if (ppt != NULL) {
			danecid_errf(errbuf, errlen,
			             "claims attest is missing (required for ppt %s)", ppt);
			r = DANECID_ERR_MALFORMED;
			goto out;
		}
	} else if (!json_is_string(v)) {
		danecid_errf(errbuf, errlen, "claims attest is not a string");
		r = DANECID_ERR_MALFORMED;
		goto out;
	} else if (json_str_is(v, "A") || json_str_is(v, "B") || json_str_is(v, "C")) {
		pp->attest = json_string_value(v)[0];
	} else {
		danecid_quote(json_string_value(v), json_string_length(v), q);
		danecid_errf(errbuf, errlen, "claims attest \"%s\" is not A, B or C", q);
		r = DANECID_ERR_MALFORMED;
		goto out;
	}

	if ((v = json_object_get(claims, "origid")) == NULL) {
		if (ppt != NULL) {
			danecid_errf(errbuf, errlen,
			             "claims origid is missing (required for ppt %s)", ppt);
			r = DANECID_ERR_MALFORMED;
			goto out;
		}
	} else if (!json_is_string(v)) {
		danecid_errf(errbuf, errlen, "claims origid is not a string");
		r = DANECID_ERR_MALFORMED;
		goto out;
	} else if ((pp->origid = strdup(json_string_value(v))) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}

	/* RFC 8946 §3: a div PASSporT names the diverting number in div.tn, and carries no opt */
	div = json_object_get(claims, "div");
	if (pp->ppt == DANECID_PPT_DIV) {
		if (!json_is_object(div)) {
			danecid_errf(
			    errbuf, errlen,
			    "claims div is missing or not an object (required for ppt div)");
			r = DANECID_ERR_MALFORMED;
			goto out;
		}
		if ((r = claim_tn(json_object_get(div, "tn"), "div.tn", &pp->div, errbuf,
		                  errlen)) != DANECID_OK) {
			goto out;
		}
		if (json_object_get(claims, "opt") != NULL) {
			danecid_errf(errbuf, errlen, "claims opt is not allowed with ppt div");
			r = DANECID_ERR_MALFORMED;
			goto out;
		}
	} else if (div != NULL) {
		danecid_errf(errbuf, errlen, "claims div is only allowed with ppt div");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	/* RFC 9795 §8: an rcd PASSporT carries Rich Call Data */
	pp->has_rcd = json_object_get(claims, "rcd") != NULL ||
	              json_object_get(claims, "rcdi") != NULL ||
	              json_object_get(claims, "crn") != NULL;
	if (pp->ppt == DANECID_PPT_RCD && json_object_get(claims, "rcd") == NULL &&
	    json_object_get(claims, "crn") == NULL) {
		danecid_errf(errbuf, errlen,
		             "claims have neither rcd nor crn (required for ppt rcd)");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	r = DANECID_OK;
out:
	return r;
}

int danecid_passport_parse(const char *jws, size_t len, struct danecid_passport **out,
                           enum danecid_reason *why, char *errbuf, size_t errlen)
{
	int r = DANECID_ERR_INTERNAL;
	enum danecid_reason reason = DANECID_R_IDENTITY_MALFORMED;
	struct danecid_passport *pp = NULL;
	json_t *hdr = NULL, *claims = NULL;
	uint8_t *buf = NULL;
	const char *dot[2] = {NULL, NULL};
	size_t i, ndots = 0, hlen, plen, slen, n = 0;

	if (errbuf != NULL && errlen > 0) {
		errbuf[0] = '\0';
	}
	if (out == NULL || (jws == NULL && len != 0)) {
		danecid_errf(errbuf, errlen, "invalid argument");
		r = DANECID_ERR_INVAL;
		goto out;
	}
	*out = NULL;
	if (len > DANECID_JWS_MAX) {
		danecid_errf(errbuf, errlen, "JWS is %zu bytes, longer than the limit of %d", len,
		             DANECID_JWS_MAX);
		r = DANECID_ERR_TOO_LONG;
		goto out;
	}
	for (i = 0; i < len; i++) {
		if (jws[i] == '.') {
			if (ndots < 2) {
				dot[ndots] = jws + i;
			}
			ndots++;
		}
	}
	if (ndots != 2) {
		danecid_errf(errbuf, errlen, "JWS has %zu part%s, expected 3", ndots + 1,
		             ndots == 0 ? "" : "s");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	hlen = (size_t)(dot[0] - jws);
	plen = (size_t)(dot[1] - dot[0] - 1);
	slen = len - hlen - plen - 2;
	if (hlen == 0 || plen == 0) {
		danecid_errf(errbuf, errlen, "JWS %s part is empty",
		             hlen == 0 ? "header" : "payload");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if ((buf = malloc((len * 3) / 4 + 1)) == NULL || (pp = calloc(1, sizeof(*pp))) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}

	if ((r = load_part(jws, hlen, "header", buf, &hdr, NULL, errbuf, errlen)) != DANECID_OK ||
	    (r = check_header(hdr, pp, &reason, errbuf, errlen)) != DANECID_OK) {
		goto out;
	}
	reason = DANECID_R_IDENTITY_MALFORMED;
	if ((r = load_part(dot[0] + 1, plen, "claims", buf, &claims, &n, errbuf, errlen)) !=
	        DANECID_OK ||
	    (r = check_claims(claims, pp, errbuf, errlen)) != DANECID_OK) {
		goto out;
	}

	if ((pp->claims = malloc(n + 1)) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	memcpy(pp->claims, buf, n);
	pp->claims[n] = '\0';
	pp->claims_len = n;

	if (slen == 0) {
		danecid_errf(errbuf, errlen, "JWS signature part is empty");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if (danecid_b64url_decode(dot[1] + 1, slen, buf, &n) != DANECID_OK) {
		danecid_errf(errbuf, errlen, "JWS signature is not canonical base64url");
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	if (n != sizeof(pp->sig)) {
		danecid_errf(errbuf, errlen, "signature is %zu bytes, ES256 needs 64", n);
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	memcpy(pp->sig, buf, sizeof(pp->sig));

	pp->signing_input_len = (size_t)(dot[1] - jws);
	if ((pp->signing_input = malloc(pp->signing_input_len + 1)) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	memcpy(pp->signing_input, jws, pp->signing_input_len);
	pp->signing_input[pp->signing_input_len] = '\0';
	danecid_sha256((const uint8_t *)pp->signing_input, pp->signing_input_len, pp->replay_key);

	*out = pp;
	pp = NULL;
	reason = DANECID_R_OK;
	r = DANECID_OK;
out:
	if (why != NULL) {
		*why = reason;
	}
	danecid_passport_free(pp);
	json_decref(hdr);
	json_decref(claims);
	free(buf);
	return r;
}

bool danecid_jws_is_compact(const char *jws, size_t len)
{
	const char *d1 = jws != NULL ? memchr(jws, '.', len) : NULL;
	size_t rest;

	if (d1 == NULL) {
		return false;
	}
	rest = len - (size_t)(d1 - jws) - 1;
	return rest > 0 && d1[1] == '.' && memchr(d1 + 2, '.', rest - 1) == NULL;
}

int danecid_passport_parse_compact(const char *jws, size_t len,
                                   const struct danecid_compact_claims *c,
                                   struct danecid_passport **out, enum danecid_reason *why,
                                   char *errbuf, size_t errlen)
{
	int r = DANECID_ERR_INTERNAL;
	struct danecid_passport *pp = NULL;
	char claims[128];
	char b64[sizeof(claims) * 4 / 3 + 4];
	char *full = NULL;
	const char *d1;
	size_t hlen, blen, slen;
	int n;

	if (!danecid_jws_is_compact(jws, len)) {
		return danecid_passport_parse(jws, len, out, why, errbuf, errlen);
	}
	if (why != NULL) {
		*why = DANECID_R_IDENTITY_MALFORMED;
	}
	if (out == NULL) {
		return DANECID_ERR_INVAL;
	}
	*out = NULL;
	if (c == NULL || c->orig == NULL || c->dest == NULL) {
		danecid_errf(errbuf, errlen,
		             "compact form: the claims cannot be rebuilt without the calling and "
		             "called numbers");
		return DANECID_ERR_MALFORMED;
	}
	if (len > DANECID_JWS_MAX) {
		danecid_errf(errbuf, errlen, "JWS is %zu bytes, longer than the limit of %d", len,
		             DANECID_JWS_MAX);
		return DANECID_ERR_TOO_LONG;
	}
	/* RFC 8225 §9: keys in lexicographic order, no white space; TNs are digits only. */
	n = snprintf(claims, sizeof(claims),
	             "{\"dest\":{\"tn\":[\"%s\"]},\"iat\":%lld,\"orig\":{\"tn\":\"%s\"}}",
	             c->dest->digits, (long long)c->iat, c->orig->digits);
	if (n < 0 || (size_t)n >= sizeof(claims)) {
		return DANECID_ERR_INTERNAL;
	}
	danecid_b64url_encode((const uint8_t *)claims, (size_t)n, b64);
	d1 = memchr(jws, '.', len);
	hlen = (size_t)(d1 - jws);
	slen = len - hlen - 2;
	blen = strlen(b64);
	if ((full = malloc(hlen + blen + slen + 3)) == NULL) {
		return DANECID_ERR_NOMEM;
	}
	memcpy(full, jws, hlen + 1);
	memcpy(full + hlen + 1, b64, blen);
	memcpy(full + hlen + 1 + blen, d1 + 1, slen + 1);
	r = danecid_passport_parse(full, hlen + blen + slen + 2, &pp, why, errbuf, errlen);
	if (r != DANECID_OK) {
		goto out;
	}
	if (pp->ppt != DANECID_PPT_BASE) {
		danecid_errf(
		    errbuf, errlen,
		    "compact form with ppt %s: its claims cannot be rebuilt from the request",
		    danecid_ppt_name(pp->ppt));
		if (why != NULL) {
			*why = DANECID_R_IDENTITY_MALFORMED;
		}
		r = DANECID_ERR_MALFORMED;
		goto out;
	}
	pp->compact = true;
	*out = pp;
	pp = NULL;
out:
	if (r != DANECID_OK && errbuf != NULL && errlen > 0 && strncmp(errbuf, "compact", 7) != 0) {
		char tmp[256];

		snprintf(tmp, sizeof(tmp), "compact form: %s", errbuf);
		danecid_errf(errbuf, errlen, "%s", tmp);
	}
	danecid_passport_free(pp);
	free(full);
	return r;
}

int danecid_ppt_from_name(const char *p, size_t len, enum danecid_ppt *out)
{
	static const struct {
		const char *name;
		enum danecid_ppt ppt;
	} names[] = {
	    {"shaken", DANECID_PPT_SHAKEN}, {"div", DANECID_PPT_DIV}, {"rcd", DANECID_PPT_RCD}};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) == len && memcmp(names[i].name, p, len) == 0) {
			*out = names[i].ppt;
			return DANECID_OK;
		}
	}
	return DANECID_ERR_UNSUPPORTED;
}

void danecid_passport_free(struct danecid_passport *pp)
{
	if (pp == NULL) {
		return;
	}
	free(pp->claims);
	free(pp->x5u);
	free(pp->origid);
	free(pp->signing_input);
	free(pp);
}

const char *danecid_ppt_name(enum danecid_ppt ppt)
{
	switch (ppt) {
	case DANECID_PPT_SHAKEN:
		return "shaken";
	case DANECID_PPT_DIV:
		return "div";
	case DANECID_PPT_RCD:
		return "rcd";
	case DANECID_PPT_BASE:
	default:
		return NULL;
	}
}

enum danecid_reason danecid_passport_check_time(const struct danecid_passport *pp, time_t now,
                                                unsigned freshness, unsigned future_skew)
{
	int64_t n = (int64_t)now;

	/* Differences in uint64_t: exact for any pair of int64_t, no overflow. */
	if (pp->iat <= n) {
		return (uint64_t)n - (uint64_t)pp->iat <= freshness ? DANECID_R_OK
		                                                    : DANECID_R_STALE;
	}
	return (uint64_t)pp->iat - (uint64_t)n <= future_skew ? DANECID_R_OK : DANECID_R_STALE;
}

static bool tn_equal(const struct danecid_tn *a, const struct danecid_tn *b)
{
	return a->len == b->len && memcmp(a->digits, b->digits, a->len) == 0;
}

enum danecid_reason danecid_passport_check_binding(const struct danecid_passport *pp,
                                                   const struct danecid_tn *orig,
                                                   const struct danecid_tn *dest)
{
	if (!tn_equal(&pp->orig, orig)) {
		return DANECID_R_ORIG_MISMATCH;
	}
	for (size_t i = 0; i < pp->n_dest && i < DANECID_DEST_MAX; i++) {
		if (tn_equal(&pp->dest[i], dest)) {
			return DANECID_R_OK;
		}
	}
	return DANECID_R_DEST_MISMATCH;
}

int danecid_passport_verify_sig(const struct danecid_passport *pp, const danecid_es256_key *key)
{
	if (pp == NULL || key == NULL || pp->signing_input == NULL) {
		return DANECID_ERR_INVAL;
	}
	return danecid_es256_verify(key, (const uint8_t *)pp->signing_input, pp->signing_input_len,
	                            pp->sig, sizeof(pp->sig));
}

/* A random (version 4) UUID, lower-case, into out[37]. */
static int uuid_v4(char out[37])
{
	uint8_t b[16];

	if (RAND_bytes(b, sizeof(b)) != 1) {
		return DANECID_ERR_CRYPTO;
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	         b[13], b[14], b[15]);
	return DANECID_OK;
}

/* Set obj[key] = a new JSON string; a NULL string means invalid UTF-8 or no memory. */
static int set_string(json_t *obj, const char *key, const char *s)
{
	json_t *v = json_string(s);

	if (v == NULL) {
		return DANECID_ERR_INVAL;
	}
	return json_object_set_new(obj, key, v) == 0 ? DANECID_OK : DANECID_ERR_NOMEM;
}

/* {"tn": <value>} */
static int set_tn_object(json_t *obj, const char *key, json_t *value)
{
	json_t *o = json_object();

	if (o == NULL || value == NULL || json_object_set_new(o, "tn", value) != 0) {
		if (o == NULL) {
			json_decref(value);
		}
		json_decref(o);
		return DANECID_ERR_NOMEM;
	}
	return json_object_set_new(obj, key, o) == 0 ? DANECID_OK : DANECID_ERR_NOMEM;
}

/* Add the members of a JSON object text to the claims; none may redefine a claim already set
 * or one this file sets itself. */
static int add_claims(json_t *claims, const char *text)
{
	static const char *const reserved[] = {"attest", "dest", "div", "iat", "orig", "origid"};
	json_t *extra;
	json_t *v;
	const char *k;
	int r = DANECID_ERR_INVAL;

	extra = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(extra)) {
		goto out;
	}
	json_object_foreach(extra, k, v)
	{
		for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
			if (strcmp(k, reserved[i]) == 0) {
				goto out;
			}
		}
		if (json_object_get(claims, k) != NULL || json_object_set(claims, k, v) != 0) {
			goto out;
		}
	}
	r = DANECID_OK;
out:
	json_decref(extra);
	return r;
}

int danecid_passport_sign(const struct danecid_sign_params *p, const danecid_es256_key *key,
                          char **out)
{
	int r = DANECID_ERR_INTERNAL;
	json_t *hdr = NULL, *claims = NULL, *dest = NULL;
	char *hjson = NULL, *cjson = NULL, *jws = NULL;
	struct danecid_tn tn;
	char uuid[37], attest[2] = {0, 0};
	const char *origid;
	size_t hl, cl, total, at;
	uint8_t sig[64];

	if (out == NULL) {
		return DANECID_ERR_INVAL;
	}
	*out = NULL;
	if (p == NULL || key == NULL || !danecid_es256_key_is_private(key) || p->orig == NULL ||
	    p->n_dest == 0 || p->n_dest > DANECID_DEST_MAX || p->dest == NULL) {
		r = DANECID_ERR_INVAL;
		goto out;
	}
	if (p->ppt != DANECID_PPT_BASE && p->ppt != DANECID_PPT_SHAKEN &&
	    p->ppt != DANECID_PPT_DIV && p->ppt != DANECID_PPT_RCD) {
		r = DANECID_ERR_INVAL;
		goto out;
	}
	/* a div PASSporT names the diverting number; only the base type can be compact */
	if ((p->ppt == DANECID_PPT_DIV) != (p->div != NULL) ||
	    (p->compact && (p->ppt != DANECID_PPT_BASE || p->extra_claims != NULL))) {
		r = DANECID_ERR_INVAL;
		goto out;
	}
	/* shaken needs A, B or C; the others may carry one */
	if (p->attest != 'A' && p->attest != 'B' && p->attest != 'C' &&
	    (p->attest != 0 || p->ppt == DANECID_PPT_SHAKEN)) {
		r = DANECID_ERR_INVAL;
		goto out;
	}
	if ((hdr = json_object()) == NULL || (claims = json_object()) == NULL ||
	    (dest = json_array()) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}

	/* header */
	if ((r = set_string(hdr, "alg", "ES256")) != DANECID_OK ||
	    (r = set_string(hdr, "typ", "passport")) != DANECID_OK) {
		goto out;
	}
	if (p->ppt != DANECID_PPT_BASE &&
	    (r = set_string(hdr, "ppt", danecid_ppt_name(p->ppt))) != DANECID_OK) {
		goto out;
	}
	if (p->x5u != NULL && (r = set_string(hdr, "x5u", p->x5u)) != DANECID_OK) {
		goto out;
	}

	/* claims */
	if (p->attest != 0) {
		attest[0] = p->attest;
		if ((r = set_string(claims, "attest", attest)) != DANECID_OK) {
			goto out;
		}
	}
	for (size_t i = 0; i < p->n_dest; i++) {
		if (p->dest[i] == NULL ||
		    danecid_tn_canon(p->dest[i], strlen(p->dest[i]), true, &tn) != DANECID_OK) {
			r = DANECID_ERR_INVAL;
			goto out;
		}
		if (json_array_append_new(dest, json_string(tn.digits)) != 0) {
			r = DANECID_ERR_NOMEM;
			goto out;
		}
	}
	if ((r = set_tn_object(claims, "dest", dest)) != DANECID_OK) {
		dest = NULL; /* consumed either way */
		goto out;
	}
	dest = NULL;
	if (json_object_set_new(claims, "iat", json_integer((json_int_t)p->iat)) != 0) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if (danecid_tn_canon(p->orig, strlen(p->orig), true, &tn) != DANECID_OK) {
		r = DANECID_ERR_INVAL;
		goto out;
	}
	if ((r = set_tn_object(claims, "orig", json_string(tn.digits))) != DANECID_OK) {
		goto out;
	}
	origid = p->origid;
	if (origid == NULL && p->ppt == DANECID_PPT_SHAKEN) {
		if ((r = uuid_v4(uuid)) != DANECID_OK) {
			goto out;
		}
		origid = uuid;
	}
	if (origid != NULL && (r = set_string(claims, "origid", origid)) != DANECID_OK) {
		goto out;
	}
	if (p->div != NULL) {
		if (danecid_tn_canon(p->div, strlen(p->div), true, &tn) != DANECID_OK) {
			r = DANECID_ERR_INVAL;
			goto out;
		}
		if ((r = set_tn_object(claims, "div", json_string(tn.digits))) != DANECID_OK) {
			goto out;
		}
	}
	if (p->extra_claims != NULL && (r = add_claims(claims, p->extra_claims)) != DANECID_OK) {
		goto out;
	}

	/* RFC 8225 §9: keys sorted, no white space; '/' is not escaped */
	if ((hjson = json_dumps(hdr, JSON_SORT_KEYS | JSON_COMPACT)) == NULL ||
	    (cjson = json_dumps(claims, JSON_SORT_KEYS | JSON_COMPACT)) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	hl = strlen(hjson);
	cl = strlen(cjson);
	if (hl > DANECID_JWS_MAX || cl > DANECID_JWS_MAX) {
		r = DANECID_ERR_TOO_LONG;
		goto out;
	}
	total = (hl * 4 + 2) / 3 + 1 + (cl * 4 + 2) / 3 + 1 + SIG_B64_LEN;
	if (total > DANECID_JWS_MAX) {
		r = DANECID_ERR_TOO_LONG;
		goto out;
	}
	if ((jws = malloc(total + 1)) == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	danecid_b64url_encode((const uint8_t *)hjson, hl, jws);
	at = strlen(jws);
	jws[at++] = '.';
	danecid_b64url_encode((const uint8_t *)cjson, cl, jws + at);
	at += strlen(jws + at);
	if ((r = danecid_es256_sign(key, (const uint8_t *)jws, at, sig)) != DANECID_OK) {
		goto out;
	}
	if (p->compact) {
		at = strcspn(jws, ".") + 1; /* RFC 8225 §7: the payload is left out */
	}
	jws[at++] = '.';
	danecid_b64url_encode(sig, sizeof(sig), jws + at);
	*out = jws;
	jws = NULL;
	r = DANECID_OK;
out:
	free(jws);
	free(hjson);
	free(cjson);
	json_decref(dest);
	json_decref(hdr);
	json_decref(claims);
	return r;
}
