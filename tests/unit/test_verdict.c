/* test_verdict — reason tokens and verstat names (SPEC §6) and the JSON line (SPEC §7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include <danecid/danecid.h>

static const struct {
	enum danecid_reason reason;
	const char *token;
} tokens[] = {
    {DANECID_R_OK, "ok"},
    {DANECID_R_SIGNATURE_INVALID, "signature-invalid"},
    {DANECID_R_KEY_NOT_AUTHORIZED, "key-not-authorized"},
    {DANECID_R_ORIG_MISMATCH, "orig-mismatch"},
    {DANECID_R_DEST_MISMATCH, "dest-mismatch"},
    {DANECID_R_IDENTITY_MALFORMED, "identity-malformed"},
    {DANECID_R_DNSSEC_BOGUS, "dnssec-bogus"},
    {DANECID_R_NUMBER_REVOKED, "number-revoked"},
    {DANECID_R_REPLAY, "replay"},
    {DANECID_R_ATTEST_NOT_ALLOWED, "attest-not-allowed"},
    {DANECID_R_PPT_NOT_ALLOWED, "ppt-not-allowed"},
    {DANECID_R_TNAUTH_MISMATCH, "tnauth-mismatch"},
    {DANECID_R_CERT_INVALID, "cert-invalid"},
    {DANECID_R_STALE, "stale"},
    {DANECID_R_ALG_UNSUPPORTED, "alg-unsupported"},
    {DANECID_R_X5U_UNAVAILABLE, "x5u-unavailable"},
    {DANECID_R_IDENTITY_REQUIRED, "identity-required"},
    {DANECID_R_NO_IDENTITY, "no-identity"},
    {DANECID_R_NOT_A_TN, "not-a-tn"},
    {DANECID_R_NUMBER_NOT_REGISTERED, "number-not-registered"},
    {DANECID_R_DNSSEC_INSECURE, "dnssec-insecure"},
    {DANECID_R_DNS_UNAVAILABLE, "dns-unavailable"},
};

#define N_TOKENS (sizeof(tokens) / sizeof(tokens[0]))

static void test_reason_tokens(void **state)
{
	bool seen[DANECID_R_COUNT] = {false};

	(void)state;
	assert_int_equal(N_TOKENS, 22);
	assert_int_equal(DANECID_R_COUNT, 22);
	for (size_t i = 0; i < N_TOKENS; i++) {
		assert_false(seen[tokens[i].reason]);
		seen[tokens[i].reason] = true;
		assert_string_equal(danecid_reason_token(tokens[i].reason), tokens[i].token);
	}
	/* distinct tokens: a consumer can map each back to one reason */
	for (enum danecid_reason a = 0; a < DANECID_R_COUNT; a++) {
		for (enum danecid_reason b = a + 1; b < DANECID_R_COUNT; b++) {
			assert_string_not_equal(danecid_reason_token(a), danecid_reason_token(b));
		}
	}
	/* never NULL, even for a value that is not a reason */
	assert_string_equal(danecid_reason_token(DANECID_R_COUNT), "internal-error");
	assert_string_equal(danecid_reason_token((enum danecid_reason) - 1), "internal-error");
	assert_string_equal(danecid_reason_token((enum danecid_reason)1000), "internal-error");
}

static void test_verstat_names(void **state)
{
	(void)state;
	assert_string_equal(danecid_verstat_name(DANECID_VERSTAT_PASSED), "TN-Validation-Passed");
	assert_string_equal(danecid_verstat_name(DANECID_VERSTAT_FAILED), "TN-Validation-Failed");
	assert_string_equal(danecid_verstat_name(DANECID_VERSTAT_NO_VALIDATION),
	                    "No-TN-Validation");
	assert_non_null(danecid_verstat_name((enum danecid_verstat)42));
}

/* The fields after prefix of a verdict without per-Identity detail. */
#define NO_DETAIL ",\"identities\":[],\"verified\":[],\"rcd\":null,\"warnings\":[]}"

static void base_verdict(struct danecid_verdict *v)
{
	memset(v, 0, sizeof(*v));
}

/* The JSON of v, compared byte for byte. */
static void assert_json(const struct danecid_verdict *v, const char *want)
{
	char *s = NULL;

	assert_int_equal(danecid_verdict_json(v, &s), DANECID_OK);
	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void test_json_passed(void **state)
{
	struct danecid_verdict v;

	(void)state;
	base_verdict(&v);
	v.verstat = DANECID_VERSTAT_PASSED;
	v.sip_code = 0;
	v.reason = DANECID_R_OK;
	strcpy(v.detail, "signature verified under TLSA 3 1 0 at _stir.5.5.5.2.0.2.1.e164.test.");
	strcpy(v.orig, "12025550100");
	strcpy(v.dest[0], "12025550101");
	v.n_dest = 1;
	v.attest = 'A';
	v.method = DANECID_METHOD_DANE;
	v.dnssec = DANECID_DNSSEC_SECURE;
	strcpy(v.prefix, "1202555");
	assert_json(&v, "{\"verstat\":\"TN-Validation-Passed\",\"sip_code\":0,\"reason\":\"ok\","
	                "\"detail\":\"signature verified under TLSA 3 1 0 at "
	                "_stir.5.5.5.2.0.2.1.e164.test.\",\"orig\":\"12025550100\","
	                "\"dest\":[\"12025550101\"],\"attest\":\"A\",\"method\":\"dane\","
	                "\"dnssec\":\"secure\",\"prefix\":\"1202555\"" NO_DETAIL);
}

static void test_json_no_validation(void **state)
{
	struct danecid_verdict v;

	(void)state;
	base_verdict(&v);
	v.verstat = DANECID_VERSTAT_NO_VALIDATION;
	v.reason = DANECID_R_NO_IDENTITY;
	strcpy(v.detail, "no Identity header");
	assert_json(&v,
	            "{\"verstat\":\"No-TN-Validation\",\"sip_code\":0,\"reason\":\"no-identity\","
	            "\"detail\":\"no Identity header\",\"orig\":null,\"dest\":[],"
	            "\"attest\":null,\"method\":null,\"dnssec\":null,\"prefix\":null" NO_DETAIL);
	/* an empty detail is still a string */
	v.detail[0] = '\0';
	assert_json(&v,
	            "{\"verstat\":\"No-TN-Validation\",\"sip_code\":0,\"reason\":\"no-identity\","
	            "\"detail\":\"\",\"orig\":null,\"dest\":[],"
	            "\"attest\":null,\"method\":null,\"dnssec\":null,\"prefix\":null" NO_DETAIL);
}

static void test_json_failed(void **state)
{
	struct danecid_verdict v;

	(void)state;
	base_verdict(&v);
	v.verstat = DANECID_VERSTAT_FAILED;
	v.sip_code = 438;
	v.reason = DANECID_R_DNSSEC_BOGUS;
	strcpy(v.detail, "bogus answer for _stir.0.0.1.0.5.5.5.2.0.2.1.e164.test.");
	strcpy(v.orig, "12025550100");
	strcpy(v.dest[0], "12025550101");
	strcpy(v.dest[1], "442079460000");
	v.n_dest = 2;
	v.method = DANECID_METHOD_DANE;
	v.dnssec = DANECID_DNSSEC_BOGUS;
	assert_json(&v, "{\"verstat\":\"TN-Validation-Failed\",\"sip_code\":438,"
	                "\"reason\":\"dnssec-bogus\",\"detail\":\"bogus answer for "
	                "_stir.0.0.1.0.5.5.5.2.0.2.1.e164.test.\",\"orig\":\"12025550100\","
	                "\"dest\":[\"12025550101\",\"442079460000\"],\"attest\":null,"
	                "\"method\":\"dane\",\"dnssec\":\"bogus\",\"prefix\":null" NO_DETAIL);
	v.sip_code = 437;
	v.reason = DANECID_R_ALG_UNSUPPORTED;
	strcpy(v.detail, "alg RS256");
	v.n_dest = 0;
	v.attest = 'C';
	v.method = DANECID_METHOD_X509;
	v.dnssec = DANECID_DNSSEC_NONE;
	strcpy(v.prefix, "1");
	assert_json(&v, "{\"verstat\":\"TN-Validation-Failed\",\"sip_code\":437,"
	                "\"reason\":\"alg-unsupported\",\"detail\":\"alg RS256\","
	                "\"orig\":\"12025550100\",\"dest\":[],\"attest\":\"C\","
	                "\"method\":\"x509\",\"dnssec\":null,\"prefix\":\"1\"" NO_DETAIL);
}

/* Each method and DNSSEC outcome has its SPEC §7 name. */
static void test_json_names(void **state)
{
	static const struct {
		enum danecid_method m;
		const char *json;
	} methods[] = {
	    {DANECID_METHOD_NONE, "null"},
	    {DANECID_METHOD_DANE, "\"dane\""},
	    {DANECID_METHOD_X509, "\"x509\""},
	};
	static const struct {
		enum danecid_dnssec d;
		const char *json;
	} dnssecs[] = {
	    {DANECID_DNSSEC_NONE, "null"},
	    {DANECID_DNSSEC_SECURE, "\"secure\""},
	    {DANECID_DNSSEC_BOGUS, "\"bogus\""},
	    {DANECID_DNSSEC_INSECURE, "\"insecure\""},
	    {DANECID_DNSSEC_INDETERMINATE, "\"indeterminate\""},
	};
	static const struct {
		char attest;
		const char *json;
	} attests[] = {{0, "null"}, {'A', "\"A\""}, {'B', "\"B\""}, {'C', "\"C\""}};

	(void)state;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		for (size_t k = 0; k < sizeof(dnssecs) / sizeof(dnssecs[0]); k++) {
			for (size_t a = 0; a < sizeof(attests) / sizeof(attests[0]); a++) {
				struct danecid_verdict v;
				char want[512];

				base_verdict(&v);
				v.verstat = DANECID_VERSTAT_NO_VALIDATION;
				v.reason = DANECID_R_DNS_UNAVAILABLE;
				v.method = methods[i].m;
				v.dnssec = dnssecs[k].d;
				v.attest = attests[a].attest;
				snprintf(want, sizeof(want),
				         "{\"verstat\":\"No-TN-Validation\",\"sip_code\":0,"
				         "\"reason\":\"dns-unavailable\",\"detail\":\"\","
				         "\"orig\":null,\"dest\":[],\"attest\":%s,\"method\":%s,"
				         "\"dnssec\":%s,\"prefix\":null" NO_DETAIL,
				         attests[a].json, methods[i].json, dnssecs[k].json);
				assert_json(&v, want);
			}
		}
	}
}

/* The output is JSON with exactly the SPEC §7 fields, of the right types. */
static void check_parsed(const struct danecid_verdict *v)
{
	static const char *const fields[] = {
	    "verstat", "sip_code", "reason", "detail",     "orig",     "dest", "attest",
	    "method",  "dnssec",   "prefix", "identities", "verified", "rcd",  "warnings"};
	json_error_t jerr;
	json_t *o, *x;
	char *s = NULL;
	const char *key;
	size_t n = 0;

	assert_int_equal(danecid_verdict_json(v, &s), DANECID_OK);
	assert_null(strchr(s, '\n'));
	o = json_loads(s, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		fail_msg("not JSON (%s): %s", jerr.text, s);
	}
	assert_true(json_is_object(o));
	assert_int_equal(json_object_size(o), sizeof(fields) / sizeof(fields[0]));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		assert_non_null(json_object_get(o, fields[i]));
	}
	json_object_foreach(o, key, x)
	{
		(void)key;
		n++;
	}
	assert_int_equal(n, sizeof(fields) / sizeof(fields[0]));

	assert_string_equal(json_string_value(json_object_get(o, "verstat")),
	                    danecid_verstat_name(v->verstat));
	assert_true(json_is_integer(json_object_get(o, "sip_code")));
	assert_int_equal(json_integer_value(json_object_get(o, "sip_code")), v->sip_code);
	assert_string_equal(json_string_value(json_object_get(o, "reason")),
	                    danecid_reason_token(v->reason));
	assert_string_equal(json_string_value(json_object_get(o, "detail")), v->detail);
	x = json_object_get(o, "orig");
	if (v->orig[0] == '\0') {
		assert_true(json_is_null(x));
	} else {
		assert_string_equal(json_string_value(x), v->orig);
	}
	x = json_object_get(o, "dest");
	assert_true(json_is_array(x));
	assert_int_equal(json_array_size(x), v->n_dest);
	for (size_t i = 0; i < v->n_dest; i++) {
		assert_string_equal(json_string_value(json_array_get(x, i)), v->dest[i]);
	}
	x = json_object_get(o, "attest");
	assert_true(v->attest == 0 ? json_is_null(x) : json_is_string(x));
	x = json_object_get(o, "method");
	assert_true(v->method == DANECID_METHOD_NONE ? json_is_null(x) : json_is_string(x));
	x = json_object_get(o, "dnssec");
	assert_true(v->dnssec == DANECID_DNSSEC_NONE ? json_is_null(x) : json_is_string(x));
	x = json_object_get(o, "prefix");
	if (v->prefix[0] == '\0') {
		assert_true(json_is_null(x));
	} else {
		assert_string_equal(json_string_value(x), v->prefix);
	}
	json_decref(o);
	free(s);
}

static void test_json_parses(void **state)
{
	struct danecid_verdict v;

	(void)state;
	base_verdict(&v);
	check_parsed(&v);
	for (size_t i = 0; i < N_TOKENS; i++) {
		base_verdict(&v);
		v.reason = tokens[i].reason;
		v.verstat = i == 0 ? DANECID_VERSTAT_PASSED : DANECID_VERSTAT_FAILED;
		v.sip_code = i == 0 ? 0 : 438;
		snprintf(v.detail, sizeof(v.detail), "case %zu: %s", i, tokens[i].token);
		if (i % 2 == 0) {
			strcpy(v.orig, "12025550100");
			strcpy(v.prefix, "120255501");
			v.attest = 'B';
			v.method = DANECID_METHOD_X509;
			v.dnssec = DANECID_DNSSEC_INSECURE;
		}
		v.n_dest = i % (DANECID_DEST_MAX + 1);
		for (size_t k = 0; k < v.n_dest; k++) {
			snprintf(v.dest[k], sizeof(v.dest[k]), "1202555%04u",
			         (unsigned)(k % 10000));
		}
		check_parsed(&v);
	}
}

/* All DANECID_DEST_MAX numbers are written, and an n_dest past the array is never read. */
static void test_json_dest_bounds(void **state)
{
	struct danecid_verdict v;
	char *s = NULL;
	json_t *o;

	(void)state;
	base_verdict(&v);
	for (size_t k = 0; k < DANECID_DEST_MAX; k++) {
		snprintf(v.dest[k], sizeof(v.dest[k]), "%015u", (unsigned)(k % 10));
	}
	v.n_dest = DANECID_DEST_MAX;
	check_parsed(&v);
	v.n_dest = 1000;
	assert_int_equal(danecid_verdict_json(&v, &s), DANECID_OK);
	o = json_loads(s, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_array_size(json_object_get(o, "dest")), DANECID_DEST_MAX);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "dest"), 7)),
	                    "000000000000007");
	json_decref(o);
	free(s);
}

static void test_json_escaping(void **state)
{
	struct danecid_verdict v;

	(void)state;
	base_verdict(&v);
	v.verstat = DANECID_VERSTAT_FAILED;
	v.sip_code = 438;
	v.reason = DANECID_R_IDENTITY_MALFORMED;
	strcpy(v.detail, "header \"Identity\" ends in \\ and \\\"; tab\there");
	assert_json(&v,
	            "{\"verstat\":\"TN-Validation-Failed\",\"sip_code\":438,"
	            "\"reason\":\"identity-malformed\","
	            "\"detail\":\"header \\\"Identity\\\" ends in \\\\ and \\\\\\\"; tab\\there\","
	            "\"orig\":null,\"dest\":[],\"attest\":null,\"method\":null,"
	            "\"dnssec\":null,\"prefix\":null" NO_DETAIL);
	check_parsed(&v);
	/* a detail that is only the characters needing escapes */
	strcpy(v.detail, "\"\\\"\\");
	check_parsed(&v);
	strcpy(v.detail, "\x01\x1f\n");
	check_parsed(&v);
}

/* Per-Identity outcomes, the verified chain, RCD and warnings, byte for byte. */
static void test_json_identities(void **state)
{
	struct danecid_verdict v;
	struct danecid_identity_verdict *a = &v.identities[0], *b = &v.identities[1];
	struct danecid_identity_verdict *c = &v.identities[2];

	(void)state;
	base_verdict(&v);
	v.verstat = DANECID_VERSTAT_PASSED;
	v.reason = DANECID_R_OK;
	strcpy(v.detail, "d");
	strcpy(v.orig, "12025550100");
	v.n_identities = 3;
	a->verstat = DANECID_VERSTAT_PASSED;
	a->reason = DANECID_R_OK;
	strcpy(a->ppt, "shaken");
	strcpy(a->detail, "a");
	strcpy(a->signer, "12025550100");
	strcpy(a->prefix, "12025550100");
	a->dnssec = DANECID_DNSSEC_SECURE;
	a->method = DANECID_METHOD_DANE;
	a->attest = 'A';
	strcpy(a->rcd, "verified");
	b->verstat = DANECID_VERSTAT_PASSED;
	b->reason = DANECID_R_OK;
	strcpy(b->ppt, "div");
	strcpy(b->detail, "b");
	strcpy(b->signer, "12025550188");
	strcpy(b->div, "12025550188");
	b->method = DANECID_METHOD_X509;
	b->compact = false;
	c->ignored = true;
	c->reason = DANECID_R_NO_IDENTITY;
	strcpy(c->ppt, "future");
	c->compact = true;
	v.n_verified = 2;
	strcpy(v.verified[0], "12025550100");
	strcpy(v.verified[1], "12025550188");
	strcpy(v.rcd, "{\"nam\":\"Alice\",\"integrity\":\"signature-only\"}");
	strcpy(v.warning, "w \"x\"");
	assert_json(&v,
	            "{\"verstat\":\"TN-Validation-Passed\",\"sip_code\":0,\"reason\":\"ok\","
	            "\"detail\":\"d\",\"orig\":\"12025550100\",\"dest\":[],\"attest\":null,"
	            "\"method\":null,\"dnssec\":null,\"prefix\":null,\"identities\":["
	            "{\"index\":0,\"ppt\":\"shaken\",\"form\":\"full\",\"ignored\":false,"
	            "\"verstat\":\"TN-Validation-Passed\",\"sip_code\":0,\"reason\":\"ok\","
	            "\"detail\":\"a\",\"signer\":\"12025550100\",\"div\":null,\"attest\":\"A\","
	            "\"method\":\"dane\",\"dnssec\":\"secure\",\"prefix\":\"12025550100\",\"rcd\":"
	            "\"verified\"},"
	            "{\"index\":1,\"ppt\":\"div\",\"form\":\"full\",\"ignored\":false,"
	            "\"verstat\":\"TN-Validation-Passed\",\"sip_code\":0,\"reason\":\"ok\","
	            "\"detail\":\"b\",\"signer\":\"12025550188\",\"div\":\"12025550188\","
	            "\"attest\":null,\"method\":\"x509\",\"dnssec\":null,\"prefix\":null,"
	            "\"rcd\":null},"
	            "{\"index\":2,\"ppt\":\"future\",\"form\":\"compact\",\"ignored\":true,"
	            "\"verstat\":\"No-TN-Validation\",\"sip_code\":0,\"reason\":\"no-identity\","
	            "\"detail\":\"\",\"signer\":null,\"div\":null,\"attest\":null,"
	            "\"method\":null,\"dnssec\":null,\"prefix\":null,\"rcd\":null}],"
	            "\"verified\":[\"12025550100\",\"12025550188\"],"
	            "\"rcd\":{\"nam\":\"Alice\",\"integrity\":\"signature-only\"},"
	            "\"warnings\":[\"w \\\"x\\\"\"]}");

	/* an RCD text that is not a JSON object is left out, never passed on */
	strcpy(v.rcd, "{\"nam\":");
	v.n_identities = 0;
	v.n_verified = 0;
	v.warning[0] = '\0';
	assert_json(&v, "{\"verstat\":\"TN-Validation-Passed\",\"sip_code\":0,\"reason\":\"ok\","
	                "\"detail\":\"d\",\"orig\":\"12025550100\",\"dest\":[],\"attest\":null,"
	                "\"method\":null,\"dnssec\":null,\"prefix\":null" NO_DETAIL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reason_tokens), cmocka_unit_test(test_verstat_names),
	    cmocka_unit_test(test_json_passed),   cmocka_unit_test(test_json_no_validation),
	    cmocka_unit_test(test_json_failed),   cmocka_unit_test(test_json_names),
	    cmocka_unit_test(test_json_parses),   cmocka_unit_test(test_json_dest_bounds),
	    cmocka_unit_test(test_json_escaping), cmocka_unit_test(test_json_identities),
	};

	return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}
