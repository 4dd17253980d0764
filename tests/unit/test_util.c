/* test_util — the error-buffer helper and the "IP@PORT" address parser. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <danecid/error.h>

#include "util.h"

static void test_errf(void **state)
{
	char buf[8];

	(void)state;
	danecid_errf(NULL, 0, "%s", "nothing happens");
	memset(buf, 'x', sizeof(buf));
	danecid_errf(buf, 0, "%s", "nothing written");
	assert_int_equal(buf[0], 'x');
	danecid_errf(buf, sizeof(buf), "port %d", 5);
	assert_string_equal(buf, "port 5");
	danecid_errf(buf, sizeof(buf), "%s", "a message longer than the buffer");
	assert_string_equal(buf, "a messa"); /* truncated, NUL-terminated */
}

struct addr_row {
	const char *in;
	int default_port;
	int err;
	int family;
	const char *ip;
	unsigned port;
};

static void test_addr_table(void **state)
{
	static const struct addr_row rows[] = {
	    {"127.0.0.1@5070", -1, DANECID_OK, AF_INET, "127.0.0.1", 5070},
	    {"127.0.0.1@53530", 53, DANECID_OK, AF_INET, "127.0.0.1", 53530},
	    {"127.0.0.1", 53, DANECID_OK, AF_INET, "127.0.0.1", 53},
	    {"::1@8080", -1, DANECID_OK, AF_INET6, "::1", 8080},
	    {"[::1]@8080", -1, DANECID_OK, AF_INET6, "::1", 8080},
	    {"[2001:db8::5]", 53, DANECID_OK, AF_INET6, "2001:db8::5", 53},
	    {"0.0.0.0@0", -1, DANECID_OK, AF_INET, "0.0.0.0", 0},
	    {"127.0.0.1", -1, DANECID_ERR_CONFIG, 0, NULL, 0},       /* port required */
	    {"127.0.0.1@", 53, DANECID_ERR_CONFIG, 0, NULL, 0},      /* empty port */
	    {"127.0.0.1@65536", 53, DANECID_ERR_CONFIG, 0, NULL, 0}, /* too large */
	    {"127.0.0.1@-1", 53, DANECID_ERR_CONFIG, 0, NULL, 0},
	    {"127.0.0.1@+5", 53, DANECID_ERR_CONFIG, 0, NULL, 0},
	    {"127.0.0.1@ 5", 53, DANECID_ERR_CONFIG, 0, NULL, 0},
	    {"127.0.0.1@5x", 53, DANECID_ERR_CONFIG, 0, NULL, 0},
	    {"localhost@53", 53, DANECID_ERR_CONFIG, 0, NULL, 0}, /* no names */
	    {"@53", 53, DANECID_ERR_CONFIG, 0, NULL, 0},
	    {"", 53, DANECID_ERR_CONFIG, 0, NULL, 0},
	    {"[::1@53", 53, DANECID_ERR_CONFIG, 0, NULL, 0},
	    {"256.0.0.1@53", 53, DANECID_ERR_CONFIG, 0, NULL, 0},
	    {"1.2.3.4.5@53", 53, DANECID_ERR_CONFIG, 0, NULL, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct addr_row *w = &rows[i];
		struct sockaddr_storage ss;
		socklen_t len = 0;
		char ip[INET6_ADDRSTRLEN] = "";
		unsigned port = 0;
		int r = danecid_addr_parse(w->in, w->default_port, &ss, &len);

		if (r == DANECID_OK) {
			const void *a = ss.ss_family == AF_INET6
			                    ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
			                    : (const void *)&((struct sockaddr_in *)&ss)->sin_addr;

			inet_ntop(ss.ss_family, a, ip, sizeof(ip));
			port =
			    ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			                                   : ((struct sockaddr_in *)&ss)->sin_port);
		}
		if (r != w->err ||
		    (r == DANECID_OK &&
		     (ss.ss_family != w->family || strcmp(ip, w->ip) != 0 || port != w->port ||
		      len != (w->family == AF_INET6 ? sizeof(struct sockaddr_in6)
		                                    : sizeof(struct sockaddr_in))))) {
			fail_msg("\"%s\": got %d %d %s %u", w->in, r, ss.ss_family, ip, port);
		}
	}
	assert_int_equal(
	    danecid_addr_parse(NULL, 53, &(struct sockaddr_storage){0}, &(socklen_t){0}),
	    DANECID_ERR_CONFIG);
}

/* Every byte against the RFC 4648 alphabets and the hex digits. */
static void test_digit_values(void **state)
{
	static const char std[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char url[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	static const char hex[] = "0123456789abcdef";

	(void)state;
	for (int c = 0; c < 256; c++) {
		const char *s = c != 0 ? strchr(std, c) : NULL;
		const char *u = c != 0 ? strchr(url, c) : NULL;
		const char *h = c != 0 ? strchr(hex, c >= 'A' && c <= 'F' ? c + 32 : c) : NULL;

		assert_int_equal(danecid_b64_value((unsigned char)c, false),
		                 s ? (int)(s - std) : -1);
		assert_int_equal(danecid_b64_value((unsigned char)c, true),
		                 u ? (int)(u - url) : -1);
		assert_int_equal(danecid_hex_value((unsigned char)c), h ? (int)(h - hex) : -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_errf),
	    cmocka_unit_test(test_addr_table),
	    cmocka_unit_test(test_digit_values),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
