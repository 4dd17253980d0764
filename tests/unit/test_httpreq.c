/* test_httpreq — the body of danecidd's POST /stir/v1/verification read from (pointer,
 * length): the status of each fault (415, 413, 400) in the order a client fixes them, the
 * message naming the field, and a good body read into a request whose strings point into it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <danecid/danecid.h>

#include "httpreq.h"

#define JSON "application/json"

struct fault {
	const char *ct;
	const char *body;
	int code;
	const char *msg; /* a part of the message */
};

static int read_text(const char *ct, const char *body, struct dd_http_body *b, char *err,
                     size_t errlen)
{
	return dd_http_body_read(ct, body, body != NULL ? strlen(body) : 0, b, err, errlen);
}

static void test_faults(void **state)
{
	static const struct fault f[] = {
	    {NULL, "{}", 415, "not none"},
	    {"text/plain", "{}", 415, "not text/plain"},
	    {"application/jsonx", "{}", 415, "application/jsonx"},
	    {JSON, "", 400, "the body is empty"},
	    {JSON, NULL, 400, "the body is empty"},
	    {JSON, "{\"a\":", 400, "invalid JSON at line 1"},
	    {JSON, "{\"a\":1,\"a\":2}", 400, "invalid JSON"},
	    {JSON, "[]", 400, "the body must be a JSON object"},
	    {JSON, "{}", 400, "verificationRequest: missing"},
	    {JSON, "{\"verificationRequest\":[]}", 400, "verificationRequest: not an object"},
	    {JSON, "{\"verificationRequest\":{}}", 400, "verificationRequest.from: missing"},
	    {JSON, "{\"verificationRequest\":{\"from\":{\"tn\":1}}}", 400,
	     "verificationRequest.from.tn: not a string"},
	    /* jansson refuses a NUL in a string itself (no JSON_ALLOW_NUL) */
	    {JSON, "{\"verificationRequest\":{\"from\":{\"tn\":\"1\\u0000\"}}}", 400,
	     "\\u0000 is not allowed"},
	    {JSON, "{\"verificationRequest\":{\"from\":{\"tn\":\"1\"}}}", 400,
	     "verificationRequest.to: missing"},
	    {JSON, "{\"verificationRequest\":{\"from\":{\"tn\":\"1\"},\"to\":{\"tn\":[]}}}", 400,
	     "verificationRequest.to.tn: must hold 1 to 8 numbers"},
	    {JSON,
	     "{\"verificationRequest\":{\"from\":{\"tn\":\"1\"},\"to\":{\"tn\":"
	     "[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]}}}",
	     400, "must hold 1 to 8 numbers"},
	    {JSON, "{\"verificationRequest\":{\"from\":{\"tn\":\"1\"},\"to\":{\"tn\":[\"1\",2]}}}",
	     400, "verificationRequest.to.tn[1]: not a string"},
	    {JSON,
	     "{\"verificationRequest\":{\"from\":{\"tn\":\"1\"},\"to\":{\"tn\":[\"1\"]},"
	     "\"identity\":[]}}",
	     400, "verificationRequest.identity: must hold 1 to 8 values"},
	    {JSON,
	     "{\"verificationRequest\":{\"from\":{\"tn\":\"1\"},\"to\":{\"tn\":[\"1\"]},"
	     "\"identity\":7}}",
	     400, "verificationRequest.identity: not a string or an array"},
	    {JSON,
	     "{\"verificationRequest\":{\"from\":{\"tn\":\"1\"},\"to\":{\"tn\":[\"1\"]},"
	     "\"time\":\"now\"}}",
	     400, "verificationRequest.time: not an integer"},
	};
	struct dd_http_body b;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		err[0] = '\0';
		memset(&b, 0x5a, sizeof(b));
		assert_int_equal(read_text(f[i].ct, f[i].body, &b, err, sizeof(err)), f[i].code);
		if (strstr(err, f[i].msg) == NULL) {
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err, f[i].msg);
		}
		assert_null(b.root); /* nothing kept on a fault */
		dd_http_body_clear(&b);
	}
}

static void test_too_large(void **state)
{
	struct dd_http_body b;
	char err[256];
	char *big = malloc(DD_HTTP_BODY_MAX + 1);

	(void)state;
	assert_non_null(big);
	memset(big, ' ', DD_HTTP_BODY_MAX + 1);
	/* the size is checked before the content: 413 even though it is no JSON */
	assert_int_equal(dd_http_body_read(JSON, big, DD_HTTP_BODY_MAX + 1, &b, err, sizeof(err)),
	                 413);
	assert_string_equal(err, "the body has 65537 bytes, more than 65536");
	/* the media type before the size */
	assert_int_equal(
	    dd_http_body_read("text/plain", big, DD_HTTP_BODY_MAX + 1, &b, err, sizeof(err)), 415);
	/* at the limit it is read (and is no JSON) */
	assert_int_equal(dd_http_body_read(JSON, big, DD_HTTP_BODY_MAX, &b, err, sizeof(err)), 400);
	assert_non_null(strstr(err, "invalid JSON"));
	free(big);
}

static void test_good(void **state)
{
	/* not NUL-terminated: the length bounds the read */
	static const char body[] = "{\"verificationRequest\":{\"from\":{\"tn\":\"+12025550100\"},"
	                           "\"to\":{\"tn\":[\"+12025550101\",\"+12025550102\"]},"
	                           "\"time\":1790000000,\"identity\":[\"a.b.c\",\"d..e\"]}}XYZ";
	struct dd_http_body b;
	char err[256] = "";

	(void)state;
	assert_int_equal(dd_http_body_read(" Application/JSON ; charset=utf-8", body,
	                                   sizeof(body) - 1 - 3, &b, err, sizeof(err)),
	                 0);
	assert_string_equal(err, "");
	assert_non_null(b.root);
	assert_string_equal(b.rq.orig, "+12025550100");
	assert_int_equal(b.rq.n_dest, 2);
	assert_ptr_equal(b.rq.dest, b.dest);
	assert_string_equal(b.rq.dest[0], "+12025550101");
	assert_string_equal(b.rq.dest[1], "+12025550102");
	assert_int_equal(b.rq.n_identity, 2);
	assert_string_equal(b.rq.identity[0], "a.b.c");
	assert_string_equal(b.rq.identity[1], "d..e");
	assert_true(b.rq.has_time);
	assert_int_equal(b.rq.time, 1790000000);
	assert_null(b.rq.dialog);
	dd_http_body_clear(&b);
	assert_null(b.root);
	assert_int_equal(b.rq.n_dest, 0);

	/* one identity as a string; no time */
	assert_int_equal(read_text(JSON,
	                           "{\"verificationRequest\":{\"from\":{\"tn\":\"1\"},"
	                           "\"to\":{\"tn\":[\"2\"]},\"identity\":\"x\"}}",
	                           &b, err, sizeof(err)),
	                 0);
	assert_int_equal(b.rq.n_identity, 1);
	assert_string_equal(b.rq.identity[0], "x");
	assert_false(b.rq.has_time);
	dd_http_body_clear(&b);

	/* an unsigned call: no identity at all */
	assert_int_equal(read_text(JSON,
	                           "{\"verificationRequest\":{\"from\":{\"tn\":\"1\"},"
	                           "\"to\":{\"tn\":[\"2\"]}}}",
	                           &b, err, sizeof(err)),
	                 0);
	assert_int_equal(b.rq.n_identity, 0);
	assert_null(b.rq.identity);
	dd_http_body_clear(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_faults),
	    cmocka_unit_test(test_too_large),
	    cmocka_unit_test(test_good),
	};

	return cmocka_run_group_tests_name("httpreq", tests, NULL, NULL);
}
