/* verdict — names of verstat values and reason tokens, and the JSON form of a verdict. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "verdict.h"

#include <danecid/danecid.h>

static const char *const reason_tokens[DANECID_R_COUNT] = {
    [DANECID_R_OK] = "ok",
    [DANECID_R_SIGNATURE_INVALID] = "signature-invalid",
    [DANECID_R_KEY_NOT_AUTHORIZED] = "key-not-authorized",
    [DANECID_R_ORIG_MISMATCH] = "orig-mismatch",
    [DANECID_R_DEST_MISMATCH] = "dest-mismatch",
    [DANECID_R_IDENTITY_MALFORMED] = "identity-malformed",
    [DANECID_R_DNSSEC_BOGUS] = "dnssec-bogus",
    [DANECID_R_NUMBER_REVOKED] = "number-revoked",
    [DANECID_R_REPLAY] = "replay",
    [DANECID_R_ATTEST_NOT_ALLOWED] = "attest-not-allowed",
    [DANECID_R_PPT_NOT_ALLOWED] = "ppt-not-allowed",
    [DANECID_R_TNAUTH_MISMATCH] = "tnauth-mismatch",
    [DANECID_R_CERT_INVALID] = "cert-invalid",
    [DANECID_R_STALE] = "stale",
    [DANECID_R_ALG_UNSUPPORTED] = "alg-unsupported",
    [DANECID_R_X5U_UNAVAILABLE] = "x5u-unavailable",
    [DANECID_R_IDENTITY_REQUIRED] = "identity-required",
    [DANECID_R_NO_IDENTITY] = "no-identity",
    [DANECID_R_NOT_A_TN] = "not-a-tn",
    [DANECID_R_NUMBER_NOT_REGISTERED] = "number-not-registered",
    [DANECID_R_DNSSEC_INSECURE] = "dnssec-insecure",
    [DANECID_R_DNS_UNAVAILABLE] = "dns-unavailable",
};

const char *danecid_reason_token(enum danecid_reason reason)
{
	if ((unsigned)reason >= DANECID_R_COUNT || reason_tokens[reason] == NULL) {
		return "internal-error";
	}
	return reason_tokens[reason];
}

const char *danecid_verstat_name(enum danecid_verstat verstat)
{
	switch (verstat) {
	case DANECID_VERSTAT_PASSED:
		return "TN-Validation-Passed";
	case DANECID_VERSTAT_FAILED:
		return "TN-Validation-Failed";
	case DANECID_VERSTAT_NO_VALIDATION:
	default:
		return "No-TN-Validation";
	}
}

static const char *method_name(enum danecid_method m)
{
	switch (m) {
	case DANECID_METHOD_DANE:
		return "dane";
	case DANECID_METHOD_X509:
		return "x509";
	default:
		return NULL;
	}
}

static const char *dnssec_name(enum danecid_dnssec d)
{
	switch (d) {
	case DANECID_DNSSEC_SECURE:
		return "secure";
	case DANECID_DNSSEC_BOGUS:
		return "bogus";
	case DANECID_DNSSEC_INSECURE:
		return "insecure";
	case DANECID_DNSSEC_INDETERMINATE:
		return "indeterminate";
	default:
		return NULL;
	}
}

/* A string or JSON null; NULL on allocation failure is caught by the caller's check. */
static json_t *str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

/* One Identity header's outcome as a JSON object, or NULL when out of memory. */
static json_t *identity_json(const struct danecid_identity_verdict *iv, size_t index)
{
	char attest[2] = {iv->attest, '\0'};
	json_t *o = json_object();

	if (o == NULL || json_object_set_new(o, "index", json_integer((json_int_t)index)) ||
	    json_object_set_new(
	        o, "ppt", iv->ppt[0] != '\0' || iv->ignored ? json_string(iv->ppt) : json_null()) ||
	    json_object_set_new(o, "form", json_string(iv->compact ? "compact" : "full")) ||
	    json_object_set_new(o, "ignored", json_boolean(iv->ignored)) ||
	    json_object_set_new(o, "verstat", json_string(danecid_verstat_name(iv->verstat))) ||
	    json_object_set_new(o, "sip_code", json_integer(iv->sip_code)) ||
	    json_object_set_new(o, "reason", json_string(danecid_reason_token(iv->reason))) ||
	    json_object_set_new(o, "detail", json_string(iv->detail)) ||
	    json_object_set_new(o, "signer", str_or_null(iv->signer)) ||
	    json_object_set_new(o, "div", str_or_null(iv->div)) ||
	    json_object_set_new(o, "attest", str_or_null(attest)) ||
	    json_object_set_new(o, "method", str_or_null(method_name(iv->method))) ||
	    json_object_set_new(o, "dnssec", str_or_null(dnssec_name(iv->dnssec))) ||
	    json_object_set_new(o, "prefix", str_or_null(iv->prefix)) ||
	    json_object_set_new(o, "rcd", str_or_null(iv->rcd))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The extra fields: identities, verified, rcd, warnings. */
static int detail_json(const struct danecid_verdict *v, json_t *o)
{
	json_t *ids = json_array(), *verified = json_array(), *warnings = json_array();
	json_t *rcd = NULL;
	int r = DANECID_ERR_NOMEM;

	if (ids == NULL || verified == NULL || warnings == NULL) {
		goto out;
	}
	for (size_t i = 0; i < v->n_identities && i < DANECID_IDENTITY_MAX; i++) {
		if (json_array_append_new(ids, identity_json(&v->identities[i], i)) != 0) {
			goto out;
		}
	}
	for (size_t i = 0; i < v->n_verified && i < DANECID_IDENTITY_MAX; i++) {
		if (json_array_append_new(verified, json_string(v->verified[i])) != 0) {
			goto out;
		}
	}
	if (v->warning[0] != '\0' && json_array_append_new(warnings, json_string(v->warning))) {
		goto out;
	}
	/* the RCD text was built by rcd.c; anything unreadable is left out, not passed on */
	rcd =
	    v->rcd[0] != '\0' ? json_loadb(v->rcd, strnlen(v->rcd, sizeof(v->rcd)), 0, NULL) : NULL;
	if (!json_is_object(rcd)) {
		json_decref(rcd);
		rcd = json_null();
	}
	if (json_object_set(o, "identities", ids) || json_object_set(o, "verified", verified) ||
	    json_object_set(o, "rcd", rcd) || json_object_set(o, "warnings", warnings)) {
		goto out;
	}
	r = DANECID_OK;
out:
	json_decref(ids);
	json_decref(verified);
	json_decref(warnings);
	json_decref(rcd);
	return r;
}

json_t *danecid_verdict_object(const struct danecid_verdict *v)
{
	json_t *o = NULL, *dest = NULL;
	char attest[2] = {v->attest, '\0'};

	o = json_object();
	dest = json_array();
	if (o == NULL || dest == NULL) {
		goto fail;
	}
	for (size_t i = 0; i < v->n_dest && i < DANECID_DEST_MAX; i++) {
		if (json_array_append_new(dest, json_string(v->dest[i])) != 0) {
			goto fail;
		}
	}
	if (json_object_set_new(o, "verstat", json_string(danecid_verstat_name(v->verstat))) ||
	    json_object_set_new(o, "sip_code", json_integer(v->sip_code)) ||
	    json_object_set_new(o, "reason", json_string(danecid_reason_token(v->reason))) ||
	    json_object_set_new(o, "detail", json_string(v->detail)) ||
	    json_object_set_new(o, "orig", str_or_null(v->orig)) ||
	    json_object_set(o, "dest", dest) ||
	    json_object_set_new(o, "attest", str_or_null(attest)) ||
	    json_object_set_new(o, "method", str_or_null(method_name(v->method))) ||
	    json_object_set_new(o, "dnssec", str_or_null(dnssec_name(v->dnssec))) ||
	    json_object_set_new(o, "prefix", str_or_null(v->prefix)) ||
	    detail_json(v, o) != DANECID_OK) {
		goto fail;
	}
	json_decref(dest);
	return o;
fail:
	json_decref(dest);
	json_decref(o);
	return NULL;
}

int danecid_verdict_json(const struct danecid_verdict *v, char **out)
{
	json_t *o = danecid_verdict_object(v);
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	*out = s;
	return s != NULL ? DANECID_OK : DANECID_ERR_NOMEM;
}
