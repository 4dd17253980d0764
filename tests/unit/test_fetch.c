/* test_fetch — which x5u URLs may be fetched at all, which addresses are refused, and a
 * fetch that is refused before any packet leaves (no network needed). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <danecid/error.h>

#include "fetch.h"

struct url_row {
	const char *url;
	int err;
	const char *why; /* a word the message must hold */
};

static void test_url_table(void **state)
{
	static const struct url_row rows[] = {
	    {"https://cert.example.net/sti/leaf.pem", DANECID_OK, NULL},
	    {"HTTPS://cert.example.net/a.pem", DANECID_OK, NULL},
	    {"https://127.0.0.1:8443/one.pem", DANECID_OK, NULL},
	    {"https://[::1]:8443/x", DANECID_OK, NULL},
	    {"https://h", DANECID_OK, NULL},
	    {"https://h?x=1", DANECID_OK, NULL},
	    {"http://cert.example.net/a.pem", DANECID_ERR_MALFORMED, "https"},
	    {"ftp://cert.example.net/a.pem", DANECID_ERR_MALFORMED, "https"},
	    {"file:///etc/passwd", DANECID_ERR_MALFORMED, "https"},
	    {"https:/x", DANECID_ERR_MALFORMED, "https"},
	    {"https://", DANECID_ERR_MALFORMED, "host"},
	    {"https:///a.pem", DANECID_ERR_MALFORMED, "host"},
	    {"https://:443/a.pem", DANECID_ERR_MALFORMED, "host"},
	    {"https://user:pw@cert.example.net/a.pem", DANECID_ERR_MALFORMED, "user"},
	    {"https://cert.example.net/a b.pem", DANECID_ERR_MALFORMED, "space"},
	    {"https://cert.example.net/a\r\nX: y", DANECID_ERR_MALFORMED, "control"},
	    {"", DANECID_ERR_MALFORMED, "https"},
	    {"dns:_stir.0.0.1.0.5.5.5.2.0.2.1.e164.test", DANECID_ERR_MALFORMED, "https"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char err[200] = "";
		int r = danecid_fetch_url_check(rows[i].url, strlen(rows[i].url), err, sizeof(err));

		if (r != rows[i].err || (rows[i].why != NULL && strstr(err, rows[i].why) == NULL)) {
			fail_msg("row %zu (%s): got %d \"%s\"", i, rows[i].url, r, err);
		}
	}
}

static void test_url_too_long(void **state)
{
	char *url = malloc(3000);
	char err[200] = "";

	(void)state;
	assert_non_null(url);
	memcpy(url, "https://h/", 10);
	memset(url + 10, 'a', 3000 - 11);
	url[2999] = '\0';
	assert_int_equal(danecid_fetch_url_check(url, strlen(url), err, sizeof(err)),
	                 DANECID_ERR_MALFORMED);
	assert_non_null(strstr(err, "longer"));
	/* exactly 2048 is allowed */
	url[2048] = '\0';
	assert_int_equal(danecid_fetch_url_check(url, 2048, err, sizeof(err)), DANECID_OK);
	free(url);
}

struct addr_row {
	const char *ip;
	bool private;
};

static void test_private_table(void **state)
{
	static const struct addr_row rows[] = {
	    {"127.0.0.1", true},
	    {"127.255.255.254", true},
	    {"10.1.2.3", true},
	    {"172.16.0.1", true},
	    {"172.31.255.255", true},
	    {"172.32.0.1", false},
	    {"172.15.255.255", false},
	    {"192.168.1.1", true},
	    {"169.254.169.254", true},
	    {"100.64.0.1", true},
	    {"100.127.255.255", true},
	    {"100.128.0.1", false},
	    {"0.0.0.0", true},
	    {"0.1.2.3", true},
	    {"224.0.0.1", true},
	    {"239.255.255.250", true},
	    {"240.0.0.1", true},
	    {"255.255.255.255", true},
	    {"192.0.2.5", true},
	    {"198.51.100.7", true},
	    {"203.0.113.9", true},
	    {"198.18.0.1", true},
	    {"198.19.255.255", true},
	    {"198.20.0.1", false},
	    {"192.0.0.8", true},
	    {"8.8.8.8", false},
	    {"1.1.1.1", false},
	    {"93.184.216.34", false},
	    {"192.169.0.1", false},
	    {"11.0.0.1", false},
	    {"::1", true},
	    {"::", true},
	    {"fe80::1", true},
	    {"febf::1", true},
	    {"fec0::1", true},
	    {"fc00::1", true},
	    {"fd12:3456::1", true},
	    {"ff02::1", true},
	    {"2001:db8::1", true},
	    {"::ffff:127.0.0.1", true},
	    {"::ffff:10.0.0.1", true},
	    {"::ffff:8.8.8.8", false},
	    {"64:ff9b:1::1", true},
	    {"64:ff9b::8.8.8.8", false},
	    {"2001:4860::8888", false},
	    {"2a00:1450::1", false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t a[16];
		bool v6 = strchr(rows[i].ip, ':') != NULL;

		assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, rows[i].ip, a), 1);
		if (danecid_addr_is_private(a, v6 ? 16 : 4) != rows[i].private) {
			fail_msg("row %zu: %s should%s be private", i, rows[i].ip,
			         rows[i].private ? "" : " not");
		}
	}
	/* an address of another length is never allowed */
	assert_true(danecid_addr_is_private((const uint8_t *)"\x08\x08\x08\x08", 3));
}

/* A literal loopback address is refused before a connection is made. */
static void test_fetch_refuses_private(void **state)
{
	struct danecid_fetch_opts o = {NULL, false, 500, 4096, 1};
	struct danecid_fetch_result res;

	(void)state;
	assert_int_equal(danecid_fetch(&o, "https://127.0.0.1:9/one.pem", &res), DANECID_OK);
	assert_false(res.ok);
	assert_null(res.body);
	assert_int_equal(res.connects, 0);
	assert_non_null(strstr(res.err, "127.0.0.1 is private"));
	assert_non_null(strstr(res.err, "x5u-allow-private: no"));
	danecid_fetch_result_clear(&res);
	assert_int_equal(danecid_fetch(&o, "https://[::1]:9/one.pem", &res), DANECID_OK);
	assert_false(res.ok);
	assert_non_null(strstr(res.err, "::1 is private"));
	danecid_fetch_result_clear(&res);
	/* a name that resolves to loopback is caught at the address too */
	assert_int_equal(danecid_fetch(&o, "https://localhost:9/one.pem", &res), DANECID_OK);
	assert_false(res.ok);
	assert_non_null(strstr(res.err, "is private"));
	danecid_fetch_result_clear(&res);
	/* not https: refused without a fetch */
	assert_int_equal(danecid_fetch(&o, "http://8.8.8.8/one.pem", &res), DANECID_OK);
	assert_false(res.ok);
	assert_int_equal(res.connects, 0);
	assert_non_null(strstr(res.err, "not an https URL"));
	danecid_fetch_result_clear(&res);
}

/* Allowed, a loopback port with nothing listening: a clean failure, no hang. */
static void test_fetch_refused_connection(void **state)
{
	struct danecid_fetch_opts o = {NULL, true, 500, 4096, 1};
	struct danecid_fetch_result res;

	(void)state;
	assert_int_equal(danecid_fetch(&o, "https://127.0.0.1:9/one.pem", &res), DANECID_OK);
	assert_false(res.ok);
	assert_int_equal(res.connects, 1);
	assert_null(strstr(res.err, "is private"));
	assert_non_null(strstr(res.err, "127.0.0.1:9"));
	danecid_fetch_result_clear(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_table),
	    cmocka_unit_test(test_url_too_long),
	    cmocka_unit_test(test_private_table),
	    cmocka_unit_test(test_fetch_refuses_private),
	    cmocka_unit_test(test_fetch_refused_connection),
	};

	assert_int_equal(danecid_fetch_global_init(), DANECID_OK);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
