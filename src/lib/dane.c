/* dane — TLSA 3 1 0/1/2 parsing and matching against a SubjectPublicKeyInfo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <danecid/error.h>

#include "dane.h"
#include "es256.h"

int danecid_tlsa_parse(const uint8_t *rdata, size_t len, struct danecid_tlsa *out)
{
	if (rdata == NULL || out == NULL || len < 4) {
		return DANECID_ERR_MALFORMED;
	}
	out->usage = rdata[0];
	out->selector = rdata[1];
	out->mtype = rdata[2];
	out->data = rdata + 3;
	out->len = len - 3;
	if ((out->mtype == DANECID_TLSA_MATCH_SHA256 && out->len != 32) ||
	    (out->mtype == DANECID_TLSA_MATCH_SHA512 && out->len != 64)) {
		return DANECID_ERR_MALFORMED;
	}
	return DANECID_OK;
}

bool danecid_tlsa_usable(const struct danecid_tlsa *t)
{
	return t->usage == DANECID_TLSA_USAGE_DANE_EE &&
	       t->selector == DANECID_TLSA_SELECTOR_SPKI && t->mtype <= DANECID_TLSA_MATCH_SHA512;
}

bool danecid_tlsa_has_key(const struct danecid_tlsa *t)
{
	return danecid_tlsa_usable(t) && t->mtype == DANECID_TLSA_MATCH_FULL;
}

bool danecid_tlsa_match(const struct danecid_tlsa *t, const uint8_t *spki, size_t len)
{
	uint8_t h[64];

	if (!danecid_tlsa_usable(t) || spki == NULL) {
		return false;
	}
	switch (t->mtype) {
	case DANECID_TLSA_MATCH_FULL:
		return t->len == len && memcmp(t->data, spki, len) == 0;
	case DANECID_TLSA_MATCH_SHA256:
		danecid_sha256(spki, len, h);
		return t->len == 32 && memcmp(t->data, h, 32) == 0;
	case DANECID_TLSA_MATCH_SHA512:
		danecid_sha512(spki, len, h);
		return t->len == 64 && memcmp(t->data, h, 64) == 0;
	default:
		return false;
	}
}

int danecid_tlsa_format(const uint8_t *spki, size_t len, int mtype, char **out)
{
	uint8_t h[64];
	const uint8_t *d = spki;
	size_t dlen = len;
	char *s = NULL;

	*out = NULL;
	if (mtype == DANECID_TLSA_MATCH_SHA256) {
		danecid_sha256(spki, len, h);
		d = h;
		dlen = 32;
	} else if (mtype == DANECID_TLSA_MATCH_SHA512) {
		danecid_sha512(spki, len, h);
		d = h;
		dlen = 64;
	} else if (mtype != DANECID_TLSA_MATCH_FULL) {
		return DANECID_ERR_INVAL;
	}
	s = malloc(7 + dlen * 2 + 1);
	if (s == NULL) {
		return DANECID_ERR_NOMEM;
	}
	snprintf(s, 8, "3 1 %d ", mtype);
	for (size_t i = 0; i < dlen; i++) {
		snprintf(s + 6 + i * 2, 3, "%02x", d[i]);
	}
	*out = s;
	return DANECID_OK;
}
