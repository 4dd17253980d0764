/* test_passport — PASSporT parsing, checks and signing; Wycheproof JWS vectors. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bn.h>

#include <danecid/danecid.h>
#include <danecid/error.h>

#include "es256.h"
#include "guard.h"
#include "passport.h"
#include "tn.h"
#include "wycheproof.h"

/* The fixed test key pair of test_es256.c. */
static const char key_sec1_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIPl2ujIdt40yA55bTA64G7O6r3AfDwQJ3MT7vvWKhIoyoAoGCCqGSM49\n"
    "AwEHoUQDQgAEe4jffEJnCjhpxoMjkV5ws4W2AvpKxntE4Ez5DqrHs5lKfDHWeF6c\n"
    "cBGmCPV5MGSHqsjR2BOS/NYjn64OGgYy+w==\n"
    "-----END EC PRIVATE KEY-----\n";

static const char other_pub_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEDa/aHai7XTub3qycarXrcyAZnkXo\n"
    "EyN5OtKkS2mSjW3h2Z5JN/n8aL06lRVI0+4dDp1FoDe/s5O/YKdOJKST2g==\n"
    "-----END PUBLIC KEY-----\n";

#define ORIGID "123e4567-e89b-12d3-a456-426655440000"
#define X5U    "https://cert.example.org/passport.cer"
#define IAT    1700000000

/* base64url(header) "." base64url(claims) of the reference token, computed independently. */
static const char ref_signing_input[] =
    "eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1IjoiaHR0cHM6Ly9jZXJ0"
    "LmV4YW1wbGUub3JnL3Bhc3Nwb3J0LmNlciJ9.eyJhdHRlc3QiOiJBIiwiZGVzdCI6eyJ0biI6WyIxMjAyNTU1MDE5"
    "OSJdfSwiaWF0IjoxNzAwMDAwMDAwLCJvcmlnIjp7InRuIjoiMTIwMjU1NTAxMDAifSwib3JpZ2lkIjoiMTIzZTQ1"
    "NjctZTg5Yi0xMmQzLWE0NTYtNDI2NjU1NDQwMDAwIn0";

static const char ref_header[] = "{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\","
                                 "\"x5u\":\"" X5U "\"}";
static const char ref_claims[] = "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"]},"
                                 "\"iat\":1700000000,\"orig\":{\"tn\":\"12025550100\"},"
                                 "\"origid\":\"" ORIGID "\"}";

/* A header and claims that parse; the malformed cases change one thing. */
#define GOOD_HDR "{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\"}"
#define GOOD_CLAIMS                                                                                \
	"{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000,"                \
	"\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}"

static const char order_hex[] = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

static danecid_es256_key *test_key;
static danecid_es256_key *other_key;

static int setup(void **state)
{
	if (danecid_es256_key_from_pem(key_sec1_pem, strlen(key_sec1_pem), &test_key) !=
	        DANECID_OK ||
	    danecid_es256_key_from_pem(other_pub_pem, strlen(other_pub_pem), &other_key) !=
	        DANECID_OK) {
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	danecid_es256_key_free(test_key);
	danecid_es256_key_free(other_key);
	return 0;
}

static struct danecid_tn tn(const char *digits)
{
	struct danecid_tn t;

	assert_int_equal(danecid_tn_canon(digits, strlen(digits), true, &t), DANECID_OK);
	return t;
}

static char *b64(const void *p, size_t len)
{
	char *out = malloc((len * 4 + 2) / 3 + 1);

	assert_non_null(out);
	danecid_b64url_encode(p, len, out);
	return out;
}

/* Decode a base64url part (must be canonical) into a NUL-terminated malloc'd string. */
static char *unb64(const char *p, size_t len, size_t *outlen)
{
	uint8_t *out = malloc((len * 3) / 4 + 2);
	size_t n = 0;

	assert_non_null(out);
	assert_int_equal(danecid_b64url_decode(p, len, out, &n), DANECID_OK);
	out[n] = '\0';
	if (outlen != NULL) {
		*outlen = n;
	}
	return (char *)out;
}

/* "b64(hdr).b64(claims).b64(sig)"; sig NULL = a real signature by test_key. */
static char *make_jws(const char *hdr, const char *claims, const uint8_t *sig, size_t siglen)
{
	char *h = b64(hdr, strlen(hdr)), *c = b64(claims, strlen(claims)), *s, *out;
	uint8_t real[64];
	size_t n;

	n = strlen(h) + strlen(c) + 2 + (siglen * 4 + 2) / 3 + 90;
	out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "%s.%s", h, c);
	if (sig == NULL) {
		assert_int_equal(
		    danecid_es256_sign(test_key, (const uint8_t *)out, strlen(out), real),
		    DANECID_OK);
		sig = real;
		siglen = sizeof(real);
	}
	s = b64(sig, siglen);
	strcat(out, ".");
	strcat(out, s);
	free(h);
	free(c);
	free(s);
	return out;
}

static void expect_fail_len(const char *jws, size_t len, int code, enum danecid_reason why,
                            const char *msg)
{
	struct danecid_passport *pp = (struct danecid_passport *)(uintptr_t)1;
	enum danecid_reason got = DANECID_R_OK;
	char err[256];

	memset(err, 'x', sizeof(err));
	assert_int_equal(danecid_passport_parse(jws, len, &pp, &got, err, sizeof(err)), code);
	assert_null(pp);
	assert_int_equal(got, why);
	if (msg != NULL) {
		assert_string_equal(err, msg);
	}
}

static void expect_fail(const char *jws, int code, enum danecid_reason why, const char *msg)
{
	expect_fail_len(jws, strlen(jws), code, why, msg);
}

static struct danecid_passport *parse_ok(const char *jws)
{
	struct danecid_passport *pp = NULL;
	enum danecid_reason why = DANECID_R_COUNT;
	char err[256] = "";

	if (danecid_passport_parse(jws, strlen(jws), &pp, &why, err, sizeof(err)) != DANECID_OK) {
		fail_msg("parse failed: %s", err);
	}
	assert_non_null(pp);
	assert_int_equal(why, DANECID_R_OK);
	return pp;
}

static char *sign_ref(void)
{
	const char *dest[] = {"12025550199"};
	struct danecid_sign_params p = {
	    .orig = "12025550100",
	    .dest = dest,
	    .n_dest = 1,
	    .attest = 'A',
	    .origid = ORIGID,
	    .iat = IAT,
	    .x5u = X5U,
	    .ppt = DANECID_PPT_SHAKEN,
	};
	char *jws = NULL;

	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_OK);
	assert_non_null(jws);
	return jws;
}

static void sign_parse_shaken(void **state)
{
	char *jws = sign_ref();
	struct danecid_passport *pp = parse_ok(jws);
	const char *dot1 = strchr(jws, '.'), *dot2 = strrchr(jws, '.');
	char *hdr, *claims;
	uint8_t sig[64], digest[32];
	size_t n;

	/* exact bytes of header and claims, and their encoding */
	assert_int_equal(dot2 - jws, strlen(ref_signing_input));
	assert_memory_equal(jws, ref_signing_input, strlen(ref_signing_input));
	hdr = unb64(jws, (size_t)(dot1 - jws), NULL);
	claims = unb64(dot1 + 1, (size_t)(dot2 - dot1 - 1), NULL);
	assert_string_equal(hdr, ref_header);
	assert_string_equal(claims, ref_claims);
	assert_int_equal(strlen(dot2 + 1), 86);

	assert_int_equal(pp->ppt, DANECID_PPT_SHAKEN);
	assert_string_equal(pp->x5u, X5U);
	assert_int_equal(pp->iat, IAT);
	assert_string_equal(pp->orig.digits, "12025550100");
	assert_int_equal(pp->orig.len, 11);
	assert_int_equal(pp->n_dest, 1);
	assert_string_equal(pp->dest[0].digits, "12025550199");
	assert_int_equal(pp->attest, 'A');
	assert_string_equal(pp->origid, ORIGID);
	assert_int_equal(pp->signing_input_len, strlen(ref_signing_input));
	assert_string_equal(pp->signing_input, ref_signing_input);
	assert_int_equal(danecid_b64url_decode(dot2 + 1, strlen(dot2 + 1), sig, &n), DANECID_OK);
	assert_int_equal(n, 64);
	assert_memory_equal(pp->sig, sig, 64);
	danecid_sha256((const uint8_t *)ref_signing_input, strlen(ref_signing_input), digest);
	assert_memory_equal(pp->replay_key, digest, 32);
	assert_int_equal(danecid_passport_verify_sig(pp, test_key), 1);
	assert_int_equal(danecid_passport_verify_sig(pp, other_key), 0);
	assert_string_equal(danecid_ppt_name(pp->ppt), "shaken");

	danecid_passport_free(pp);
	free(hdr);
	free(claims);
	free(jws);
}

static void sign_parse_base_and_div(void **state)
{
	const char *dest[] = {"+1 (202) 555-0199", "12025550198"};
	struct danecid_sign_params p = {
	    .orig = "+1-202-555-0100",
	    .dest = dest,
	    .n_dest = 2,
	    .iat = -5,
	    .ppt = DANECID_PPT_BASE,
	};
	char *jws = NULL, *hdr, *claims;
	const char *dot1, *dot2;
	struct danecid_passport *pp;

	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_OK);
	dot1 = strchr(jws, '.');
	dot2 = strrchr(jws, '.');
	hdr = unb64(jws, (size_t)(dot1 - jws), NULL);
	claims = unb64(dot1 + 1, (size_t)(dot2 - dot1 - 1), NULL);
	assert_string_equal(hdr, "{\"alg\":\"ES256\",\"typ\":\"passport\"}");
	assert_string_equal(claims, "{\"dest\":{\"tn\":[\"12025550199\",\"12025550198\"]},"
	                            "\"iat\":-5,\"orig\":{\"tn\":\"12025550100\"}}");
	pp = parse_ok(jws);
	assert_int_equal(pp->ppt, DANECID_PPT_BASE);
	assert_null(pp->x5u);
	assert_int_equal(pp->iat, -5);
	assert_int_equal(pp->attest, 0);
	assert_null(pp->origid);
	assert_int_equal(pp->n_dest, 2);
	assert_string_equal(pp->dest[0].digits, "12025550199");
	assert_string_equal(pp->dest[1].digits, "12025550198");
	assert_int_equal(danecid_passport_verify_sig(pp, test_key), 1);
	assert_null(danecid_ppt_name(pp->ppt));
	danecid_passport_free(pp);
	free(hdr);
	free(claims);
	free(jws);

	/* div, with an attestation and an origid given */
	p.ppt = DANECID_PPT_DIV;
	p.attest = 'C';
	p.origid = "o/1";
	p.x5u = "https://a.example/x/y.pem";
	p.div = "+1 202 555 0188";
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_OK);
	dot1 = strchr(jws, '.');
	dot2 = strrchr(jws, '.');
	hdr = unb64(jws, (size_t)(dot1 - jws), NULL);
	claims = unb64(dot1 + 1, (size_t)(dot2 - dot1 - 1), NULL);
	/* '/' is not escaped */
	assert_string_equal(hdr, "{\"alg\":\"ES256\",\"ppt\":\"div\",\"typ\":\"passport\","
	                         "\"x5u\":\"https://a.example/x/y.pem\"}");
	assert_string_equal(claims, "{\"attest\":\"C\",\"dest\":{\"tn\":[\"12025550199\","
	                            "\"12025550198\"]},\"div\":{\"tn\":\"12025550188\"},"
	                            "\"iat\":-5,\"orig\":{\"tn\":\"12025550100\"},"
	                            "\"origid\":\"o/1\"}");
	pp = parse_ok(jws);
	assert_int_equal(pp->ppt, DANECID_PPT_DIV);
	assert_int_equal(pp->attest, 'C');
	assert_string_equal(pp->origid, "o/1");
	assert_string_equal(danecid_ppt_name(pp->ppt), "div");
	assert_string_equal(pp->div.digits, "12025550188");
	danecid_passport_free(pp);
	free(hdr);
	free(claims);
	free(jws);
}

static bool is_hex_lower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void sign_random_origid(void **state)
{
	const char *dest[] = {"12025550199"};
	struct danecid_sign_params p = {
	    .orig = "12025550100",
	    .dest = dest,
	    .n_dest = 1,
	    .attest = 'B',
	    .iat = IAT,
	    .ppt = DANECID_PPT_SHAKEN,
	};
	char *jws1 = NULL, *jws2 = NULL;
	struct danecid_passport *pp1, *pp2;

	assert_int_equal(danecid_passport_sign(&p, test_key, &jws1), DANECID_OK);
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws2), DANECID_OK);
	pp1 = parse_ok(jws1);
	pp2 = parse_ok(jws2);
	assert_int_equal(pp1->attest, 'B');
	assert_non_null(pp1->origid);
	assert_int_equal(strlen(pp1->origid), 36);
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			assert_int_equal(pp1->origid[i], '-');
		} else {
			assert_true(is_hex_lower(pp1->origid[i]));
		}
	}
	assert_int_equal(pp1->origid[14], '4');
	assert_non_null(strchr("89ab", pp1->origid[19]));
	assert_string_not_equal(pp1->origid, pp2->origid);
	danecid_passport_free(pp1);
	danecid_passport_free(pp2);
	free(jws1);
	free(jws2);
}

static void sign_rejects(void **state)
{
	const char *dest[9] = {"1", "2", "3", "4", "5", "6", "7", "8", "9"};
	const char *bad_dest[] = {"12025550199x"};
	struct danecid_sign_params p = {
	    .orig = "12025550100",
	    .dest = dest,
	    .n_dest = 1,
	    .attest = 'A',
	    .iat = IAT,
	    .ppt = DANECID_PPT_SHAKEN,
	};
	danecid_es256_key *pub = NULL;
	uint8_t *spki;
	size_t spki_len;
	char *jws = (char *)(uintptr_t)1, *x5u;

	p.attest = 'D';
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_ERR_INVAL);
	assert_null(jws);
	p.attest = 0; /* shaken needs one */
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_ERR_INVAL);
	p.attest = 'A';
	p.n_dest = 0;
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_ERR_INVAL);
	p.n_dest = 9;
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_ERR_INVAL);
	p.n_dest = 8;
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_OK);
	free(jws);
	p.n_dest = 1;
	p.orig = "abc";
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_ERR_INVAL);
	assert_null(jws);
	p.orig = "12025550100";
	p.dest = bad_dest;
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_ERR_INVAL);
	p.dest = dest;
	p.ppt = (enum danecid_ppt)7;
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_ERR_INVAL);
	p.ppt = DANECID_PPT_SHAKEN;
	p.x5u = "\xff\xfe"; /* not UTF-8 */
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_ERR_INVAL);

	/* a token that would exceed DANECID_JWS_MAX is never produced: the header
	 * alone (6200 characters of x5u) fits, its base64url with the rest does not */
	x5u = malloc(DANECID_JWS_MAX);
	assert_non_null(x5u);
	memset(x5u, 'a', 6200);
	x5u[6200] = '\0';
	p.x5u = x5u;
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_ERR_TOO_LONG);
	assert_null(jws);
	memset(x5u, 'a', DANECID_JWS_MAX - 1);
	x5u[DANECID_JWS_MAX - 1] = '\0';
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_ERR_TOO_LONG);
	assert_null(jws);
	free(x5u);
	p.x5u = NULL;

	/* a public key cannot sign */
	assert_int_equal(danecid_es256_key_spki(test_key, &spki, &spki_len), DANECID_OK);
	assert_int_equal(danecid_es256_key_from_spki(spki, spki_len, &pub), DANECID_OK);
	assert_int_equal(danecid_passport_sign(&p, pub, &jws), DANECID_ERR_INVAL);
	assert_null(jws);
	assert_int_equal(danecid_passport_sign(NULL, test_key, &jws), DANECID_ERR_INVAL);
	assert_int_equal(danecid_passport_sign(&p, test_key, NULL), DANECID_ERR_INVAL);
	danecid_es256_key_free(pub);
	free(spki);
}

struct bad_json {
	const char *hdr;
	const char *claims;
	int code;
	enum danecid_reason why;
	const char *msg;
};

#define MAL DANECID_ERR_MALFORMED, DANECID_R_IDENTITY_MALFORMED
#define ALG DANECID_ERR_UNSUPPORTED, DANECID_R_ALG_UNSUPPORTED

static const struct bad_json bad_json[] = {
    /* header */
    {"{\"alg\":\"ES256\",\"alg\":\"ES256\",\"typ\":\"passport\"}", GOOD_CLAIMS, MAL,
     "duplicate key in header"},
    {"{\"alg\":\"RS256\",\"typ\":\"passport\"}", GOOD_CLAIMS, ALG,
     "header alg is \"RS256\", only ES256 is supported"},
    {"{\"alg\":\"none\",\"typ\":\"passport\"}", GOOD_CLAIMS, ALG,
     "header alg is \"none\", only ES256 is supported"},
    {"{\"alg\":\"es256\",\"typ\":\"passport\"}", GOOD_CLAIMS, ALG,
     "header alg is \"es256\", only ES256 is supported"},
    {"{\"alg\":\"ES256 \",\"typ\":\"passport\"}", GOOD_CLAIMS, ALG,
     "header alg is \"ES256 \", only ES256 is supported"},
    {"{\"alg\":\"\\u0001\\\"x\",\"typ\":\"passport\"}", GOOD_CLAIMS, ALG,
     "header alg is \"??x\", only ES256 is supported"},
    {"{\"alg\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", GOOD_CLAIMS, ALG,
     "header alg is \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...\", only ES256 is supported"},
    {"{\"typ\":\"passport\"}", GOOD_CLAIMS, MAL, "header has no alg"},
    {"{\"alg\":256,\"typ\":\"passport\"}", GOOD_CLAIMS, MAL, "header alg is not a string"},
    {"{\"alg\":\"ES256\",\"typ\":\"JWT\"}", GOOD_CLAIMS, MAL,
     "header typ is \"JWT\", expected \"passport\""},
    {"{\"alg\":\"ES256\",\"typ\":\"PASSporT\",\"ppt\":\"shaken\"}", GOOD_CLAIMS, MAL,
     "header typ is \"PASSporT\", expected \"passport\""},
    {"{\"alg\":\"ES256\",\"ppt\":\"shaken\"}", GOOD_CLAIMS, MAL, "header has no typ"},
    {"{\"alg\":\"ES256\",\"typ\":[]}", GOOD_CLAIMS, MAL, "header typ is not a string"},
    {"{\"alg\":\"ES256\",\"typ\":\"passport\",\"ppt\":\"foo\"}", GOOD_CLAIMS, MAL,
     "header ppt \"foo\" is not supported"},
    {"{\"alg\":\"ES256\",\"typ\":\"passport\",\"ppt\":null}", GOOD_CLAIMS, MAL,
     "header ppt is not a string"},
    {"{\"alg\":\"ES256\",\"typ\":\"passport\",\"ppt\":\"shaken\",\"x5u\":5}", GOOD_CLAIMS, MAL,
     "header x5u is not a string"},
    {"{\"alg\":\"ES256\",\"typ\":\"passport\",\"ppt\":\"shaken\",\"crit\":[\"foo\"]}", GOOD_CLAIMS,
     MAL, "header crit lists \"foo\", not understood"},
    {"{\"alg\":\"ES256\",\"typ\":\"passport\",\"ppt\":\"shaken\",\"crit\":[]}", GOOD_CLAIMS, MAL,
     "header crit is not a non-empty array"},
    {"[\"alg\",\"ES256\"]", GOOD_CLAIMS, MAL, "header is not a JSON object"},
    {"\"ES256\"", GOOD_CLAIMS, MAL, "header is not a JSON object"},
    /* claims */
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000,"
     "\"iat\":1700000000,\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "duplicate key in claims"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"],\"tn\":[]},\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "duplicate key in claims"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":\"1700000000\","
     "\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "claims iat is not an integer"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000.0,"
     "\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "claims iat is not an integer"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"]},"
     "\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "claims have no iat"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000,"
     "\"orig\":{\"uri\":\"sip:a@b\"},\"origid\":\"x\"}",
     MAL, "claims orig.tn is missing or not a string"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000,"
     "\"origid\":\"x\"}",
     MAL, "claims orig is missing or not an object"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"1202555010*\"},\"origid\":\"x\"}",
     MAL, "claims orig.tn \"1202555010*\" is not a telephone number"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"1234567890123456\"},\"origid\":\"x\"}",
     MAL, "claims orig.tn \"1234567890123456\" is not a telephone number"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":\"12025550199\"},\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "claims dest.tn is missing or not an array"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":[\"12025550199\"],\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "claims dest is missing or not an object"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[]},\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "claims dest.tn is empty"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\","
     "\"9\"]},\"iat\":1700000000,\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "claims dest.tn has 9 entries, at most 8 are supported"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\",5]},\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "claims dest.tn[1] is missing or not a string"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[\"1\",\"2#\"]},\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "claims dest.tn[1] \"2#\" is not a telephone number"},
    {GOOD_HDR,
     "{\"attest\":\"D\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "claims attest \"D\" is not A, B or C"},
    {GOOD_HDR,
     "{\"attest\":\"AB\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "claims attest \"AB\" is not A, B or C"},
    {GOOD_HDR,
     "{\"attest\":1,\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "claims attest is not a string"},
    {GOOD_HDR,
     "{\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"12025550100\"},\"origid\":\"x\"}",
     MAL, "claims attest is missing (required for ppt shaken)"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"12025550100\"}}",
     MAL, "claims origid is missing (required for ppt shaken)"},
    {GOOD_HDR,
     "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"12025550100\"},\"origid\":7}",
     MAL, "claims origid is not a string"},
    {"{\"alg\":\"ES256\",\"typ\":\"passport\"}",
     "{\"attest\":\"Z\",\"dest\":{\"tn\":[\"12025550199\"]},\"iat\":1700000000,"
     "\"orig\":{\"tn\":\"12025550100\"}}",
     MAL, "claims attest \"Z\" is not A, B or C"},
    {GOOD_HDR, "[]", MAL, "claims is not a JSON object"},
    {GOOD_HDR, "null", MAL, "claims is not a JSON object"},
};

static void malformed_json(void **state)
{
	for (size_t i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		char *jws = make_jws(bad_json[i].hdr, bad_json[i].claims, NULL, 0);

		expect_fail(jws, bad_json[i].code, bad_json[i].why, bad_json[i].msg);
		free(jws);
	}
}

/* JSON syntax errors carry jansson's text after a fixed prefix. */
static void invalid_json(void **state)
{
	static const struct {
		const char *hdr, *claims, *prefix;
	} cases[] = {
	    {"{\"alg\":\"ES256\",\"typ\":\"passport\"} x", GOOD_CLAIMS,
	     "header is not valid JSON: "},
	    {"{\"alg\":\"ES256\",\"typ\":\"passport\"", GOOD_CLAIMS, "header is not valid JSON: "},
	    {"{\"alg\":\"ES\xff\",\"typ\":\"passport\"}", GOOD_CLAIMS,
	     "header is not valid JSON: "},
	    {"{\"alg\":\"ES256\",\"typ\":\"pass\\u0000port\"}", GOOD_CLAIMS,
	     "header is not valid JSON: "},
	    {GOOD_HDR, GOOD_CLAIMS "\n{}", "claims is not valid JSON: "},
	    {GOOD_HDR, "{\"iat\":99999999999999999999}", "claims is not valid JSON: "},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *jws = make_jws(cases[i].hdr, cases[i].claims, NULL, 0);
		struct danecid_passport *pp = NULL;
		enum danecid_reason why = DANECID_R_OK;
		char err[256];

		assert_int_equal(
		    danecid_passport_parse(jws, strlen(jws), &pp, &why, err, sizeof(err)),
		    DANECID_ERR_MALFORMED);
		assert_null(pp);
		assert_int_equal(why, DANECID_R_IDENTITY_MALFORMED);
		assert_int_equal(strncmp(err, cases[i].prefix, strlen(cases[i].prefix)), 0);
		assert_true(strlen(err) > strlen(cases[i].prefix));
		free(jws);
	}
}

/* Accepted variants: base without attest/origid, base with attest, 8 dests, extra claims. */
static void accepted_variants(void **state)
{
	char *jws;
	struct danecid_passport *pp;

	jws = make_jws("{\"alg\":\"ES256\",\"typ\":\"passport\"}",
	               "{\"dest\":{\"tn\":[\"+1-202-555-0199\"]},\"iat\":0,"
	               "\"orig\":{\"tn\":\"+1 (202) 555.0100\"}}",
	               NULL, 0);
	pp = parse_ok(jws);
	assert_int_equal(pp->ppt, DANECID_PPT_BASE);
	assert_int_equal(pp->attest, 0);
	assert_null(pp->origid);
	assert_null(pp->x5u);
	assert_int_equal(pp->iat, 0);
	assert_string_equal(pp->orig.digits, "12025550100");
	assert_string_equal(pp->dest[0].digits, "12025550199");
	danecid_passport_free(pp);
	free(jws);

	jws = make_jws("{\"alg\":\"ES256\",\"typ\":\"passport\",\"kid\":\"k\"}",
	               "{\"attest\":\"B\",\"dest\":{\"tn\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\","
	               "\"7\",\"8\"],\"uri\":[\"sip:x@y\"]},\"iat\":-9223372036854775808,"
	               "\"orig\":{\"tn\":\"12025550100\"},\"rcd\":{\"nam\":\"x\"}}",
	               NULL, 0);
	pp = parse_ok(jws);
	assert_int_equal(pp->attest, 'B');
	assert_int_equal(pp->n_dest, 8);
	assert_string_equal(pp->dest[7].digits, "8");
	assert_int_equal(pp->iat, INT64_MIN);
	danecid_passport_free(pp);
	free(jws);

	jws = make_jws("{\"alg\":\"ES256\",\"typ\":\"passport\",\"ppt\":\"shaken\","
	               "\"crit\":[\"ppt\"]}",
	               GOOD_CLAIMS, NULL, 0);
	pp = parse_ok(jws);
	assert_int_equal(pp->ppt, DANECID_PPT_SHAKEN);
	assert_string_equal(pp->origid, "x");
	danecid_passport_free(pp);
	free(jws);
}

/* The reference token with one change at byte offset off (or appended). */
static char *edit(const char *jws, size_t off, size_t del, const char *ins)
{
	size_t len = strlen(jws), n = len - del + strlen(ins);
	char *out = malloc(n + 1);

	assert_non_null(out);
	memcpy(out, jws, off);
	memcpy(out + off, ins, strlen(ins));
	memcpy(out + off + strlen(ins), jws + off + del, len - off - del);
	out[n] = '\0';
	return out;
}

static void malformed_structure(void **state)
{
	char *jws = sign_ref(), *t;
	size_t len = strlen(jws), d1 = (size_t)(strchr(jws, '.') - jws),
	       d2 = (size_t)(strrchr(jws, '.') - jws);
	uint8_t sig[65] = {0};
	char *s63, *s65, c;

	/* parts */
	t = edit(jws, d2, len - d2, "");
	expect_fail(t, MAL, "JWS has 2 parts, expected 3");
	free(t);
	t = edit(jws, len, 0, ".AAAA");
	expect_fail(t, MAL, "JWS has 4 parts, expected 3");
	free(t);
	expect_fail("", MAL, "JWS has 1 part, expected 3");
	expect_fail("..", MAL, "JWS header part is empty");
	t = edit(jws, 0, d1, "");
	expect_fail(t, MAL, "JWS header part is empty");
	free(t);
	t = edit(jws, d1 + 1, d2 - d1 - 1, "");
	expect_fail(t, MAL, "JWS payload part is empty");
	free(t);
	t = edit(jws, d2 + 1, len - d2 - 1, "");
	expect_fail(t, MAL, "JWS signature part is empty");
	free(t);

	/* base64url strictness */
	t = edit(jws, len, 0, "==");
	expect_fail(t, MAL, "JWS signature is not canonical base64url");
	free(t);
	t = edit(jws, d1, 0, "=");
	expect_fail(t, MAL, "JWS header is not canonical base64url");
	free(t);
	t = edit(jws, d2 + 1, 1, "+");
	expect_fail(t, MAL, "JWS signature is not canonical base64url");
	free(t);
	t = edit(jws, d2 + 1, 1, "/");
	expect_fail(t, MAL, "JWS signature is not canonical base64url");
	free(t);
	t = edit(jws, 0, 1, "+");
	expect_fail(t, MAL, "JWS header is not canonical base64url");
	free(t);
	t = edit(jws, d1 + 1, 1, "/");
	expect_fail(t, MAL, "JWS claims is not canonical base64url");
	free(t);
	/* 86 characters = 64 bytes + 4 unused bits: set one of them */
	c = jws[len - 1];
	assert_true(c == 'A' || c == 'Q' || c == 'g' || c == 'w');
	t = edit(jws, len - 1, 1, c == 'A' ? "B" : c == 'Q' ? "R" : c == 'g' ? "h" : "x");
	expect_fail(t, MAL, "JWS signature is not canonical base64url");
	free(t);
	/* a length of 1 mod 4 */
	t = edit(jws, len, 0, "AAA");
	expect_fail(t, MAL, "JWS signature is not canonical base64url");
	free(t);
	/* trailing garbage and white space */
	t = edit(jws, len, 0, "\r\n");
	expect_fail(t, MAL, "JWS signature is not canonical base64url");
	free(t);
	t = edit(jws, len, 0, ";info=<https://x/y>");
	expect_fail(t, MAL, "JWS signature is not canonical base64url");
	free(t);
	t = edit(jws, d1, 0, " ");
	expect_fail(t, MAL, "JWS header is not canonical base64url");
	free(t);
	/* an embedded NUL: the length, not the terminator, counts */
	t = edit(jws, d2 + 1, 1, "A");
	t[d2 + 1] = '\0';
	expect_fail_len(t, len, MAL, "JWS signature is not canonical base64url");
	free(t);

	/* signature sizes */
	s63 = make_jws(GOOD_HDR, GOOD_CLAIMS, sig, 63);
	expect_fail(s63, MAL, "signature is 63 bytes, ES256 needs 64");
	s65 = make_jws(GOOD_HDR, GOOD_CLAIMS, sig, 65);
	expect_fail(s65, MAL, "signature is 65 bytes, ES256 needs 64");
	free(s63);
	free(s65);

	/* an unsigned token: alg none and an empty signature part is alg-unsupported */
	t = malloc(256);
	assert_non_null(t);
	{
		char *h = b64("{\"alg\":\"none\"}", 14);
		char *c2 = b64(GOOD_CLAIMS, strlen(GOOD_CLAIMS));

		snprintf(t, 256, "%s.%s.", h, c2);
		free(h);
		free(c2);
	}
	expect_fail(t, ALG, "header alg is \"none\", only ES256 is supported");
	free(t);
	free(jws);
}

/* Length bounds: exactly DANECID_JWS_MAX parses, one more byte is too long. */
static void length_limit(void **state)
{
	const char *dest[] = {"12025550199"};
	struct danecid_sign_params p = {
	    .orig = "12025550100",
	    .dest = dest,
	    .n_dest = 1,
	    .attest = 'A',
	    .iat = IAT,
	    .ppt = DANECID_PPT_SHAKEN,
	};
	char x5u[DANECID_JWS_MAX], origid[4] = "";
	char *jws = NULL, *t;
	struct danecid_passport *pp;
	size_t found = 0;

	/* find an x5u and origid length that make the token exactly the limit */
	for (size_t o = 1; o <= 3 && found == 0; o++) {
		memset(origid, 'o', o);
		origid[o] = '\0';
		p.origid = origid;
		for (size_t l = 5900; l < 6200 && found == 0; l++) {
			memset(x5u, 'u', l);
			x5u[l] = '\0';
			p.x5u = x5u;
			if (danecid_passport_sign(&p, test_key, &jws) != DANECID_OK) {
				continue;
			}
			if (strlen(jws) == DANECID_JWS_MAX) {
				found = l;
				break;
			}
			free(jws);
			jws = NULL;
		}
	}
	assert_true(found > 0);
	pp = parse_ok(jws);
	assert_int_equal(strlen(pp->x5u), found);
	danecid_passport_free(pp);
	t = edit(jws, DANECID_JWS_MAX, 0, "A");
	expect_fail(t, DANECID_ERR_TOO_LONG, DANECID_R_IDENTITY_MALFORMED,
	            "JWS is 8193 bytes, longer than the limit of 8192");
	free(t);
	free(jws);
}

/* Parse with the token ending at a page boundary: any read past len faults. */
static void guard_page(void **state)
{
	char *jws = sign_ref();
	size_t len = strlen(jws);
	struct danecid_passport *pp = NULL;
	enum danecid_reason why;
	struct guard g;

	guard_open(&g);
	assert_true(g.page > len);
	assert_int_equal(danecid_passport_parse(guard_place(&g, jws, len), len, &pp, &why, NULL, 0),
	                 DANECID_OK);
	assert_int_equal(danecid_passport_verify_sig(pp, test_key), 1);
	danecid_passport_free(pp);
	/* every proper prefix fails without reading further */
	for (size_t n = 0; n < len; n += 7) {
		pp = NULL;
		assert_true(danecid_passport_parse(guard_place(&g, jws, n), n, &pp, &why, NULL, 0) <
		            0);
		assert_null(pp);
	}
	guard_close(&g);
	free(jws);
}

static void check_time(void **state)
{
	char *jws = sign_ref();
	struct danecid_passport *pp = parse_ok(jws);

	assert_int_equal(danecid_passport_check_time(pp, IAT, 60, 5), DANECID_R_OK);
	assert_int_equal(danecid_passport_check_time(pp, IAT + 60, 60, 5), DANECID_R_OK);
	assert_int_equal(danecid_passport_check_time(pp, IAT + 61, 60, 5), DANECID_R_STALE);
	assert_int_equal(danecid_passport_check_time(pp, IAT - 5, 60, 5), DANECID_R_OK);
	assert_int_equal(danecid_passport_check_time(pp, IAT - 6, 60, 5), DANECID_R_STALE);
	assert_int_equal(danecid_passport_check_time(pp, IAT, 0, 0), DANECID_R_OK);
	assert_int_equal(danecid_passport_check_time(pp, IAT + 1, 0, 0), DANECID_R_STALE);
	assert_int_equal(danecid_passport_check_time(pp, IAT - 1, 0, 0), DANECID_R_STALE);
	/* extremes do not overflow */
	pp->iat = INT64_MIN;
	assert_int_equal(danecid_passport_check_time(pp, (time_t)INT64_MAX, UINT_MAX, UINT_MAX),
	                 DANECID_R_STALE);
	pp->iat = INT64_MAX;
	assert_int_equal(danecid_passport_check_time(pp, (time_t)INT64_MIN, UINT_MAX, UINT_MAX),
	                 DANECID_R_STALE);
	assert_int_equal(danecid_passport_check_time(pp, (time_t)INT64_MAX, 0, 0), DANECID_R_OK);
	danecid_passport_free(pp);
	free(jws);
}

static void check_binding(void **state)
{
	const char *dest[] = {"12025550199", "12025550198"};
	struct danecid_sign_params p = {
	    .orig = "12025550100",
	    .dest = dest,
	    .n_dest = 2,
	    .attest = 'A',
	    .origid = ORIGID,
	    .iat = IAT,
	    .ppt = DANECID_PPT_SHAKEN,
	};
	char *jws = NULL;
	struct danecid_passport *pp;
	struct danecid_tn orig = tn("12025550100"), d1 = tn("12025550199"), d2 = tn("12025550198"),
	                  other = tn("12025550197"), prefix = tn("1202555010"),
	                  longer = tn("120255501000");

	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_OK);
	pp = parse_ok(jws);
	assert_int_equal(danecid_passport_check_binding(pp, &orig, &d1), DANECID_R_OK);
	assert_int_equal(danecid_passport_check_binding(pp, &orig, &d2), DANECID_R_OK);
	assert_int_equal(danecid_passport_check_binding(pp, &orig, &other),
	                 DANECID_R_DEST_MISMATCH);
	assert_int_equal(danecid_passport_check_binding(pp, &other, &d1), DANECID_R_ORIG_MISMATCH);
	assert_int_equal(danecid_passport_check_binding(pp, &prefix, &d1), DANECID_R_ORIG_MISMATCH);
	assert_int_equal(danecid_passport_check_binding(pp, &longer, &d1), DANECID_R_ORIG_MISMATCH);
	/* orig is checked first */
	assert_int_equal(danecid_passport_check_binding(pp, &other, &other),
	                 DANECID_R_ORIG_MISMATCH);
	/* orig and dest are distinct roles */
	assert_int_equal(danecid_passport_check_binding(pp, &d1, &orig), DANECID_R_ORIG_MISMATCH);
	assert_int_equal(danecid_passport_check_binding(pp, &orig, &orig), DANECID_R_DEST_MISMATCH);
	danecid_passport_free(pp);
	free(jws);
}

static void verify_sig_cases(void **state)
{
	char *jws = sign_ref(), *claims, *c64, *t;
	const char *dot1 = strchr(jws, '.'), *dot2 = strrchr(jws, '.');
	struct danecid_passport *pp = parse_ok(jws), *pp2;
	char *iat;

	assert_int_equal(danecid_passport_verify_sig(pp, test_key), 1);
	assert_int_equal(danecid_passport_verify_sig(pp, other_key), 0);
	assert_int_equal(danecid_passport_verify_sig(pp, NULL), DANECID_ERR_INVAL);

	/* flip one claim, keep the signature */
	claims = unb64(dot1 + 1, (size_t)(dot2 - dot1 - 1), NULL);
	iat = strstr(claims, "1700000000");
	assert_non_null(iat);
	iat[9] = '1';
	c64 = b64(claims, strlen(claims));
	t = malloc(strlen(jws) + 8);
	assert_non_null(t);
	snprintf(t, strlen(jws) + 8, "%.*s.%s%s", (int)(dot1 - jws), jws, c64, dot2);
	pp2 = parse_ok(t);
	assert_int_equal(pp2->iat, 1700000001);
	assert_memory_equal(pp2->sig, pp->sig, 64);
	assert_int_equal(danecid_passport_verify_sig(pp2, test_key), 0);
	assert_memory_not_equal(pp2->replay_key, pp->replay_key, 32);
	danecid_passport_free(pp2);
	free(t);
	free(c64);
	free(claims);
	danecid_passport_free(pp);
	free(jws);
}

/* s → n - s gives another valid signature of the same content: the same replay key. */
static void malleated_signature(void **state)
{
	char *jws = sign_ref(), *s64, *t;
	const char *dot2 = strrchr(jws, '.');
	struct danecid_passport *pp = parse_ok(jws), *pp2;
	BIGNUM *n = NULL, *s = BN_bin2bn(pp->sig + 32, 32, NULL), *ns = BN_new();
	uint8_t sig[64];

	assert_int_not_equal(BN_hex2bn(&n, order_hex), 0);
	assert_non_null(s);
	assert_non_null(ns);
	assert_int_equal(BN_sub(ns, n, s), 1);
	memcpy(sig, pp->sig, 32);
	assert_int_equal(BN_bn2binpad(ns, sig + 32, 32), 32);
	assert_memory_not_equal(sig, pp->sig, 64);
	s64 = b64(sig, 64);
	t = malloc(strlen(jws) + 1);
	assert_non_null(t);
	snprintf(t, strlen(jws) + 1, "%.*s.%s", (int)(dot2 - jws), jws, s64);
	assert_int_equal(strlen(t), strlen(jws));
	pp2 = parse_ok(t);
	assert_memory_equal(pp2->replay_key, pp->replay_key, 32);
	assert_memory_not_equal(pp2->sig, pp->sig, 64);
	assert_int_equal(danecid_passport_verify_sig(pp2, test_key), 1);
	danecid_passport_free(pp2);
	danecid_passport_free(pp);
	BN_free(n);
	BN_free(s);
	BN_free(ns);
	free(s64);
	free(t);
	free(jws);
}

static void b64url(void **state)
{
	static const struct {
		const char *in, *out;
	} good[] = {
	    {"", ""},           {"Zg", "f"},          {"Zm8", "fo"},          {"Zm9v", "foo"},
	    {"Zm9vYg", "foob"}, {"Zm9vYmE", "fooba"}, {"Zm9vYmFy", "foobar"},
	};
	static const char *const bad[] = {
	    "Z",    "Zh",   "Zm9",    "Zm9vY", "Zg==",   "Zg=",
	    "Zm+v", "Zm/v", "Zm9v\n", " Zm9",  "Zm9v Y", "Zm\x80v",
	};
	uint8_t out[16], raw[3] = {0xfb, 0xff, 0xbf};
	char enc[16];
	size_t n;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		n = 99;
		assert_int_equal(danecid_b64url_decode(good[i].in, strlen(good[i].in), out, &n),
		                 DANECID_OK);
		assert_int_equal(n, strlen(good[i].out));
		assert_memory_equal(out, good[i].out, n);
		danecid_b64url_encode((const uint8_t *)good[i].out, strlen(good[i].out), enc);
		assert_string_equal(enc, good[i].in);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(danecid_b64url_decode(bad[i], strlen(bad[i]), out, &n),
		                 DANECID_ERR_MALFORMED);
	}
	danecid_b64url_encode(raw, 3, enc);
	assert_string_equal(enc, "-_-_");
	assert_int_equal(danecid_b64url_decode("-_-_", 4, out, &n), DANECID_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(out, raw, 3);
	assert_int_equal(danecid_b64url_decode("-_8", 3, out, &n), DANECID_OK);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 0xfb);
	assert_int_equal(out[1], 0xff);
	assert_int_equal(danecid_b64url_decode("-_9", 3, out, &n), DANECID_ERR_MALFORMED);
}

static void api_edges(void **state)
{
	struct danecid_passport *pp = NULL;
	enum danecid_reason why = DANECID_R_OK;
	char err[8];

	assert_int_equal(danecid_passport_parse("a.b.c", 5, NULL, &why, NULL, 0),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_passport_parse(NULL, 3, &pp, &why, NULL, 0), DANECID_ERR_INVAL);
	/* errbuf is truncated, NUL-terminated */
	assert_int_equal(danecid_passport_parse("a.b", 3, &pp, NULL, err, sizeof(err)),
	                 DANECID_ERR_MALFORMED);
	assert_string_equal(err, "JWS has");
	danecid_passport_free(NULL);
}

/* ---- Wycheproof json_web_signature_test.json ---- */

/* SPKI of a P-256 JWK public key, or NULL if the group's key is not one. */
static danecid_es256_key *jwk_p256(const json_t *jwk)
{
	static const uint8_t prefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
	                                 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
	                                 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};
	const char *x = json_string_value(json_object_get(jwk, "x"));
	const char *y = json_string_value(json_object_get(jwk, "y"));
	const char *crv = json_string_value(json_object_get(jwk, "crv"));
	uint8_t spki[sizeof(prefix) + 64 + 2];
	size_t nx, ny;
	danecid_es256_key *key = NULL;

	if (crv == NULL || strcmp(crv, "P-256") != 0) {
		return NULL;
	}
	assert_non_null(x);
	assert_non_null(y);
	memcpy(spki, prefix, sizeof(prefix));
	assert_int_equal(danecid_b64url_decode(x, strlen(x), spki + sizeof(prefix), &nx),
	                 DANECID_OK);
	assert_int_equal(nx, 32);
	assert_int_equal(danecid_b64url_decode(y, strlen(y), spki + sizeof(prefix) + 32, &ny),
	                 DANECID_OK);
	assert_int_equal(ny, 32);
	assert_int_equal(danecid_es256_key_from_spki(spki, sizeof(prefix) + 64, &key), DANECID_OK);
	return key;
}

/*
 * What is asserted:
 *  - every one of the 401 vectors is rejected by danecid_passport_parse() (none
 *    is a PASSporT: the payloads are not PASSporT claims and no header has typ
 *    "passport"), with DANECID_ERR_UNSUPPORTED/alg-unsupported exactly for the
 *    333 vectors whose header is a well-formed JSON object with an alg other than
 *    ES256, and DANECID_ERR_MALFORMED/identity-malformed for the other 68
 *    (counts cross-checked with an independent script);
 *  - for the ES256 vectors under a P-256 key (groups es256, SpecialCaseEs256,
 *    ec_key_for_encryption): the parser says "header has no typ" when the JWS is
 *    structurally sound, and, split by hand, the signature verifies with
 *    danecid_es256_verify() for exactly tcIds 18, 354, 356 and 378. 18 and 378
 *    are the "valid" vectors; 354 (rejectWrongUse) and 356 (rejectWrongKeyOps)
 *    are invalid only because the JWK forbids signing ("use":"enc",
 *    "key_ops":["encrypt"]): danecid keys come from TLSA records, not JWKs, so
 *    there is no such attribute to honour. Every other ES256 signature (tampered
 *    header/payload/signature, r or s in {0, 1, n-1, n}, an embedded attacker
 *    JWK) does not verify.
 */
static void wycheproof_jws(void **state)
{
	json_t *root = wycheproof_load("json_web_signature_test.json");
	json_t *groups = json_object_get(root, "testGroups"), *group, *test;
	size_t gi, ti, run = 0, n_unsup = 0, n_mal = 0, n_es256 = 0, n_sigchecked = 0;
	int verified[8], n_verified = 0;

	json_array_foreach(groups, gi, group)
	{
		danecid_es256_key *key = jwk_p256(json_object_get(group, "public"));

		json_array_foreach(json_object_get(group, "tests"), ti, test)
		{
			const char *jws = json_string_value(json_object_get(test, "jws"));
			int tc = (int)json_integer_value(json_object_get(test, "tcId"));
			struct danecid_passport *pp = NULL;
			enum danecid_reason why = DANECID_R_OK;
			char err[256] = "";
			int r;

			assert_non_null(jws);
			r = danecid_passport_parse(jws, strlen(jws), &pp, &why, err, sizeof(err));
			if (r == DANECID_OK) {
				fail_msg("tcId %d accepted as a PASSporT", tc);
			}
			assert_null(pp);
			assert_true(strlen(err) > 0);
			if (r == DANECID_ERR_UNSUPPORTED) {
				assert_int_equal(why, DANECID_R_ALG_UNSUPPORTED);
				assert_int_equal(strncmp(err, "header alg is \"", 15), 0);
				n_unsup++;
			} else {
				assert_int_equal(r, DANECID_ERR_MALFORMED);
				assert_int_equal(why, DANECID_R_IDENTITY_MALFORMED);
				n_mal++;
			}
			run++;
			if (key == NULL) {
				continue;
			}

			/* an ES256 vector with a P-256 key: look at the signature too */
			n_es256++;
			{
				const char *d1 = strchr(jws, '.');
				const char *d2 = d1 != NULL ? strchr(d1 + 1, '.') : NULL;
				uint8_t sig[600];
				size_t slen = 0;
				int v;

				if (d1 == NULL || d2 == NULL || strchr(d2 + 1, '.') != NULL ||
				    d1 == jws || d2 == d1 + 1) {
					continue;
				}
				if (r == DANECID_ERR_MALFORMED) {
					assert_string_equal(err, "header has no typ");
				}
				if (strlen(d2 + 1) > 700 ||
				    danecid_b64url_decode(d2 + 1, strlen(d2 + 1), sig, &slen) !=
				        DANECID_OK ||
				    slen != 64) {
					continue;
				}
				v = danecid_es256_verify(key, (const uint8_t *)jws,
				                         (size_t)(d2 - jws), sig, slen);
				assert_true(v == 0 || v == 1);
				n_sigchecked++;
				if (v == 1) {
					assert_true(n_verified < 8);
					verified[n_verified++] = tc;
				}
			}
		}
		danecid_es256_key_free(key);
	}
	assert_int_equal(run, json_integer_value(json_object_get(root, "numberOfTests")));
	assert_int_equal(run, 401);
	assert_int_equal(n_unsup, 333);
	assert_int_equal(n_mal, 68);
	assert_int_equal(n_es256, 41);
	assert_int_equal(n_sigchecked, 24);
	assert_int_equal(n_verified, 4);
	assert_int_equal(verified[0], 18);
	assert_int_equal(verified[1], 354);
	assert_int_equal(verified[2], 356);
	assert_int_equal(verified[3], 378);
	printf("# figure wycheproof-jws: %zu vectors, none accepted as a PASSporT (%zu "
	       "alg-unsupported, %zu identity-malformed); %zu ES256 signatures checked\n",
	       run, n_unsup, n_mal, n_sigchecked);
	json_decref(root);
}

/* The compact form (RFC 8225 §7): signed over the full claims, sent without them, rebuilt from
 * the request. */
static void compact_form(void **state)
{
	const char *dest[] = {"14155550100"};
	struct danecid_sign_params p = {
	    .orig = "12025550100",
	    .dest = dest,
	    .n_dest = 1,
	    .iat = 1790000000,
	    .ppt = DANECID_PPT_BASE,
	    .compact = true,
	};
	struct danecid_tn o = tn("12025550100"), d = tn("14155550100"), other = tn("14155550101");
	struct danecid_compact_claims cc = {&o, &d, 1790000000};
	struct danecid_passport *pp = NULL;
	enum danecid_reason why = DANECID_R_OK;
	char err[256];
	char *jws = NULL, *full = NULL;

	(void)state;
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_OK);
	assert_non_null(strstr(jws, ".."));
	assert_true(danecid_jws_is_compact(jws, strlen(jws)));
	assert_int_equal(
	    danecid_passport_parse_compact(jws, strlen(jws), &cc, &pp, &why, err, sizeof(err)),
	    DANECID_OK);
	assert_true(pp->compact);
	assert_int_equal(pp->iat, 1790000000);
	assert_string_equal(pp->claims, "{\"dest\":{\"tn\":[\"14155550100\"]},\"iat\":1790000000,"
	                                "\"orig\":{\"tn\":\"12025550100\"}}");
	assert_int_equal(danecid_passport_verify_sig(pp, test_key), 1);
	danecid_passport_free(pp);
	pp = NULL;

	/* rebuilt for another Date or another called number: the signature does not verify */
	cc.iat = 1790000001;
	assert_int_equal(
	    danecid_passport_parse_compact(jws, strlen(jws), &cc, &pp, &why, err, sizeof(err)),
	    DANECID_OK);
	assert_int_equal(danecid_passport_verify_sig(pp, test_key), 0);
	danecid_passport_free(pp);
	pp = NULL;
	cc.iat = 1790000000;
	cc.dest = &other;
	assert_int_equal(
	    danecid_passport_parse_compact(jws, strlen(jws), &cc, &pp, &why, err, sizeof(err)),
	    DANECID_OK);
	assert_int_equal(danecid_passport_verify_sig(pp, test_key), 0);
	danecid_passport_free(pp);
	pp = NULL;

	/* without the request it cannot be rebuilt; the full parser refuses an empty payload */
	assert_int_equal(
	    danecid_passport_parse_compact(jws, strlen(jws), NULL, &pp, &why, err, sizeof(err)),
	    DANECID_ERR_MALFORMED);
	assert_int_equal(why, DANECID_R_IDENTITY_MALFORMED);
	assert_null(pp);
	assert_int_equal(danecid_passport_parse(jws, strlen(jws), &pp, &why, err, sizeof(err)),
	                 DANECID_ERR_MALFORMED);
	free(jws);
	jws = NULL;

	/* a full form through parse_compact is parsed as it is; a shaken one made compact fails */
	p.compact = false;
	p.ppt = DANECID_PPT_SHAKEN;
	p.attest = 'A';
	cc.dest = &d;
	assert_int_equal(danecid_passport_sign(&p, test_key, &full), DANECID_OK);
	assert_false(danecid_jws_is_compact(full, strlen(full)));
	assert_int_equal(
	    danecid_passport_parse_compact(full, strlen(full), &cc, &pp, &why, err, sizeof(err)),
	    DANECID_OK);
	assert_false(pp->compact);
	assert_int_equal(pp->ppt, DANECID_PPT_SHAKEN);
	danecid_passport_free(pp);
	pp = NULL;
	memmove(strchr(full, '.') + 1, strrchr(full, '.'), strlen(strrchr(full, '.')) + 1);
	assert_true(danecid_jws_is_compact(full, strlen(full)));
	assert_int_equal(
	    danecid_passport_parse_compact(full, strlen(full), &cc, &pp, &why, err, sizeof(err)),
	    DANECID_ERR_MALFORMED);
	assert_string_equal(err,
	                    "compact form: claims attest is missing (required for ppt shaken)");
	free(full);

	/* compact is for the base type only, without extra claims */
	p.compact = true;
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_ERR_INVAL);
	assert_false(danecid_jws_is_compact("a.b.c", 5));
	assert_true(danecid_jws_is_compact("a..", 3)); /* the empty signature fails later */
	assert_false(danecid_jws_is_compact("a...c", 5));
	assert_false(danecid_jws_is_compact("", 0));
}

/* div.tn (RFC 8946) belongs to ppt div, and only there; ppt names. */
static void div_claim_and_ppt_names(void **state)
{
	const char *dest[] = {"14155550100"};
	struct danecid_sign_params p = {
	    .orig = "12025550100",
	    .dest = dest,
	    .n_dest = 1,
	    .iat = 1,
	    .ppt = DANECID_PPT_DIV,
	};
	enum danecid_ppt ppt = DANECID_PPT_BASE;
	char *jws = NULL;

	(void)state;
	/* a div PASSporT without div, and a div claim on another type, cannot be signed */
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_ERR_INVAL);
	p.ppt = DANECID_PPT_BASE;
	p.div = "12025550188";
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_ERR_INVAL);
	/* nor parsed */
	expect_fail("eyJhbGciOiJFUzI1NiIsInBwdCI6ImRpdiIsInR5cCI6InBhc3Nwb3J0In0."
	            "eyJkZXN0Ijp7InRuIjpbIjEiXX0sImlhdCI6MSwib3JpZyI6eyJ0biI6IjIifX0."
	            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	            "AAAAAAAA",
	            DANECID_ERR_MALFORMED, DANECID_R_IDENTITY_MALFORMED,
	            "claims div is missing or not an object (required for ppt div)");
	expect_fail("eyJhbGciOiJFUzI1NiIsInR5cCI6InBhc3Nwb3J0In0."
	            "eyJkZXN0Ijp7InRuIjpbIjEiXX0sImRpdiI6eyJ0biI6IjMifSwiaWF0IjoxLCJvcmlnIjp7InRuIj"
	            "oiMiJ9fQ."
	            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	            "AAAAAAAA",
	            DANECID_ERR_MALFORMED, DANECID_R_IDENTITY_MALFORMED,
	            "claims div is only allowed with ppt div");
	/* RFC 9795 §8: an rcd PASSporT with neither rcd nor crn */
	p.div = NULL;
	p.ppt = DANECID_PPT_RCD;
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_OK);
	expect_fail(jws, DANECID_ERR_MALFORMED, DANECID_R_IDENTITY_MALFORMED,
	            "claims have neither rcd nor crn (required for ppt rcd)");
	free(jws);
	jws = NULL;
	p.extra_claims = "{\"crn\":\"Lunch\"}";
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_OK);
	danecid_passport_free(parse_ok(jws));
	free(jws);
	jws = NULL;
	/* a div PASSporT carries no opt (RFC 8946 §6) */
	p.ppt = DANECID_PPT_DIV;
	p.div = "12025550188";
	p.extra_claims = "{\"opt\":\"x\"}";
	assert_int_equal(danecid_passport_sign(&p, test_key, &jws), DANECID_OK);
	expect_fail(jws, DANECID_ERR_MALFORMED, DANECID_R_IDENTITY_MALFORMED,
	            "claims opt is not allowed with ppt div");
	free(jws);
	assert_int_equal(danecid_ppt_from_name("shaken", 6, &ppt), DANECID_OK);
	assert_int_equal(ppt, DANECID_PPT_SHAKEN);
	assert_int_equal(danecid_ppt_from_name("div", 3, &ppt), DANECID_OK);
	assert_int_equal(ppt, DANECID_PPT_DIV);
	assert_int_equal(danecid_ppt_from_name("rcd", 3, &ppt), DANECID_OK);
	assert_int_equal(ppt, DANECID_PPT_RCD);
	assert_string_equal(danecid_ppt_name(DANECID_PPT_RCD), "rcd");
	assert_int_equal(danecid_ppt_from_name("SHAKEN", 6, &ppt), DANECID_ERR_UNSUPPORTED);
	assert_int_equal(danecid_ppt_from_name("shake", 5, &ppt), DANECID_ERR_UNSUPPORTED);
	assert_int_equal(danecid_ppt_from_name("", 0, &ppt), DANECID_ERR_UNSUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(sign_parse_shaken),
	    cmocka_unit_test(sign_parse_base_and_div),
	    cmocka_unit_test(compact_form),
	    cmocka_unit_test(div_claim_and_ppt_names),
	    cmocka_unit_test(sign_random_origid),
	    cmocka_unit_test(sign_rejects),
	    cmocka_unit_test(malformed_json),
	    cmocka_unit_test(invalid_json),
	    cmocka_unit_test(accepted_variants),
	    cmocka_unit_test(malformed_structure),
	    cmocka_unit_test(length_limit),
	    cmocka_unit_test(guard_page),
	    cmocka_unit_test(check_time),
	    cmocka_unit_test(check_binding),
	    cmocka_unit_test(verify_sig_cases),
	    cmocka_unit_test(malleated_signature),
	    cmocka_unit_test(b64url),
	    cmocka_unit_test(api_edges),
	    cmocka_unit_test(wycheproof_jws),
	};

	return cmocka_run_group_tests_name("passport", tests, setup, teardown);
}
