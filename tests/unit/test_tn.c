/* test_tn — canonical TNs from number strings and URIs (RFC 8224 §8.3), table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <danecid/error.h>

#include "guard.h"
#include "tn.h"

#define OK       DANECID_OK
#define NOT_TN   DANECID_ERR_NOT_TN
#define TOO_LONG DANECID_ERR_TOO_LONG

struct row {
	const char *in;
	size_t len; /* 0: strlen(in) */
	bool assume_global;
	int err;
	const char *digits; /* when err == OK */
};

static const struct row canon_rows[] = {
    {"+1 202-555-0100", 0, false, OK, "12025550100"},
    {"+1 (202) 555-0100", 0, false, OK, "12025550100"},
    {"+1.202.555.0100", 0, false, OK, "12025550100"},
    {"+1-(202)-555.01 00", 0, false, OK, "12025550100"},
    {"+12025550100", 0, false, OK, "12025550100"},
    {"12025550100", 0, true, OK, "12025550100"},
    {"12025550100", 0, false, NOT_TN, NULL},
    {"202-555-0100", 0, true, OK, "2025550100"},
    {"0", 0, true, OK, "0"},
    {"+4", 0, false, OK, "4"},
    {"123456789012345", 0, true, OK, "123456789012345"},
    {"+1-234-567-890-123-45", 0, false, OK, "123456789012345"},
    {"1234567890123456", 0, true, TOO_LONG, NULL},
    {"+1-234-567-890-123-456", 0, false, TOO_LONG, NULL},
    {"12345678901234567890123456789012345", 0, true, TOO_LONG, NULL},
    {"", 0, true, NOT_TN, NULL},
    {"+", 0, true, NOT_TN, NULL},
    {"+-().", 0, true, NOT_TN, NULL},
    {"   ", 0, true, NOT_TN, NULL},
    {"*67", 0, true, NOT_TN, NULL},
    {"#31#", 0, true, NOT_TN, NULL},
    {"+1202555010#", 0, false, NOT_TN, NULL},
    {"+1202555010A", 0, false, NOT_TN, NULL},
    {"1-800-FLOWERS", 0, true, NOT_TN, NULL},
    {"1+2025550100", 0, true, NOT_TN, NULL},
    {"++12025550100", 0, true, NOT_TN, NULL},
    {" +12025550100", 0, false, NOT_TN, NULL}, /* '+' only as the very first character */
    {"+1\t2025550100", 0, false, NOT_TN, NULL},
    {"+1/2025550100", 0, false, NOT_TN, NULL},
    {"+1202555010\xd9\xa0", 0, false, NOT_TN, NULL}, /* ARABIC-INDIC DIGIT ZERO */
    /* Length, not NUL, ends the input. */
    {"+12025550100\0"
     "99",
     14, false, NOT_TN, NULL},
    {"+12025550100999", 12, false, OK, "12025550100"},
};

static const struct row uri_rows[] = {
    /* withheld callers (RFC 3323 §4.1.1.3): never a TN; the caller is then the PAI */
    {"sip:anonymous@anonymous.invalid", 0, true, NOT_TN, NULL},
    {"\"Anonymous\" <sip:anonymous@anonymous.invalid>", 0, true, NOT_TN, NULL},
    {"sip:+1(202)555-0100@example.net;user=phone", 0, false, OK, "12025550100"},
    {"sip:+1202555010012345@example.net;user=phone", 0, false, TOO_LONG, NULL},
    /* tel: */
    {"tel:+1-202-555-0100", 0, false, OK, "12025550100"},
    {"tel:+1.202.555.0100", 0, false, OK, "12025550100"},
    {"tel:+1(202)555-0100", 0, false, OK, "12025550100"},
    {"TEL:+12025550100", 0, false, OK, "12025550100"},
    {"tel:+1-202-555-0100;ext=1234", 0, false, OK, "12025550100"},
    {"tel:+1-202-555-0100;isub=77;ext=1", 0, false, OK, "12025550100"},
    {"tel:+1-202-555-0100;phone-context=example.com", 0, true, NOT_TN, NULL},
    {"tel:5550100;phone-context=+1-202", 0, true, NOT_TN, NULL},
    {"tel:+1-202-555-0100;ext=1;Phone-Context=+1", 0, true, NOT_TN, NULL},
    {"tel:+1-202-555-0100 ; phone-context = x", 0, true, NOT_TN, NULL},
    {"tel:12025550100", 0, false, NOT_TN, NULL},
    {"tel:12025550100", 0, true, OK, "12025550100"},
    {"tel:*67", 0, true, NOT_TN, NULL},
    {"tel:#31#", 0, true, NOT_TN, NULL},
    {"tel:+1234567890123456", 0, false, TOO_LONG, NULL},
    {"tel:+123456789012345", 0, false, OK, "123456789012345"},
    {"tel:+", 0, true, NOT_TN, NULL},
    {"tel:", 0, true, NOT_TN, NULL},
    {"tel", 0, true, NOT_TN, NULL},
    /* sip: with and without user=phone */
    {"sip:+12025550100@example.com;user=phone", 0, false, OK, "12025550100"},
    {"sip:+1-202-555-0100@example.com;user=phone", 0, false, OK, "12025550100"},
    {"sip:12025550100@example.com;user=phone", 0, false, OK, "12025550100"},
    {"sip:12025550100@example.com;USER=PHONE", 0, false, OK, "12025550100"},
    {"sip:12025550100@example.com;lr;user=phone;transport=udp", 0, false, OK, "12025550100"},
    {"sip:12025550100@example.com;user=%70hone", 0, false, OK, "12025550100"},
    {"sip:12025550100@example.com:5060;user=phone", 0, false, OK, "12025550100"},
    {"sip:12025550100@[2001:db8::1];user=phone", 0, false, OK, "12025550100"},
    {"sip:12025550100@example.com", 0, false, NOT_TN, NULL},
    {"sip:12025550100@example.com", 0, true, OK, "12025550100"},
    {"sip:12025550100@example.com;user=ip", 0, false, NOT_TN, NULL},
    {"sip:12025550100@example.com;user=phonex", 0, false, NOT_TN, NULL},
    {"sip:12025550100@example.com?user=phone", 0, false, NOT_TN, NULL},
    {"sip:12025550100@example.com?x=1;user=phone", 0, false, NOT_TN, NULL},
    {"sip:+12025550100@example.com", 0, false, OK, "12025550100"},
    {"sips:+12025550100@example.com", 0, false, OK, "12025550100"},
    {"sips:12025550100@example.com;user=phone", 0, false, OK, "12025550100"},
    {"SIP:+12025550100@EXAMPLE.COM;USER=PHONE", 0, false, OK, "12025550100"},
    {"Sips:+12025550100@example.com", 0, false, OK, "12025550100"},
    /* display names and angle brackets */
    {"\"Alice\" <sip:+12025550100@example.com;user=phone>;tag=abc", 0, false, OK, "12025550100"},
    {"Alice Smith <sip:+12025550100@example.com>", 0, false, OK, "12025550100"},
    {"<tel:+1-202-555-0100>", 0, false, OK, "12025550100"},
    {"  <sip:+12025550100@example.com>  ", 0, false, OK, "12025550100"},
    {"\"Bob <sip:+19995550100@x>\" <sip:+12025550100@a>", 0, false, OK, "12025550100"},
    {"\"Bob \\\"B\\\"\" <sip:+12025550100@a>", 0, false, OK, "12025550100"},
    {"<sip:12025550100@a>;user=phone", 0, false, NOT_TN, NULL}, /* header param */
    {"<sip:12025550100@a;user=phone>", 0, false, OK, "12025550100"},
    {"\"Alice <sip:+12025550100@a>", 0, false, NOT_TN, NULL},
    {"<sip:+12025550100@a", 0, false, NOT_TN, NULL},
    {"\"Alice\" sip:+12025550100@a", 0, false, NOT_TN, NULL},
    {"\"Alice\"", 0, false, NOT_TN, NULL},
    /* percent-encoded user parts */
    {"sip:%2B12025550100@example.com", 0, false, OK, "12025550100"},
    {"sip:%2b1%32025550100@example.com", 0, false, OK, "12025550100"},
    {"sip:+1%20202%20555%200100@example.com", 0, false, OK, "12025550100"},
    {"sip:+1202555%000100@example.com", 0, true, NOT_TN, NULL},
    {"sip:+12025550100%00@example.com", 0, true, NOT_TN, NULL},
    {"sip:+1202555010%0@example.com", 0, true, NOT_TN, NULL},
    {"sip:+1202555010%@example.com", 0, true, NOT_TN, NULL},
    {"sip:+1202555010%G0@example.com", 0, true, NOT_TN, NULL},
    {"sip:+1202555010%2Aexample.com", 0, true, NOT_TN, NULL}, /* no '@' */
    {"sip:%2A67@example.com", 0, true, NOT_TN, NULL},
    {"sip:%2331%23@example.com", 0, true, NOT_TN, NULL},
    /* telephone-subscriber parameters inside the user part */
    {"sip:+1-202-555-0100;isub=1234@example.com;user=phone", 0, false, OK, "12025550100"},
    {"sip:+1-202-555-0100;phone-context=example.com@example.com;user=phone", 0, true, NOT_TN, NULL},
    {"sip:5550100;phone-context=+1-202@example.com;user=phone", 0, true, NOT_TN, NULL},
    {"sip:+12025550100;phone%2Dcontext=x@example.com", 0, true, NOT_TN, NULL},
    {"sip:+12025550100%3Bext=1@example.com", 0, true, NOT_TN, NULL},
    /* not numbers */
    {"sip:*67@example.com", 0, true, NOT_TN, NULL},
    {"sip:#31#@example.com", 0, true, NOT_TN, NULL},
    {"sip:+1-800-FLOWERS@example.com;user=phone", 0, true, NOT_TN, NULL},
    {"sip:alice@example.com", 0, true, NOT_TN, NULL},
    {"sip:+12025550100:secret@example.com", 0, true, NOT_TN, NULL},
    {"sip:+12025550100", 0, true, NOT_TN, NULL},
    {"sip:example.com;user=phone", 0, true, NOT_TN, NULL},
    {"sip:@example.com", 0, true, NOT_TN, NULL},
    {"sip:+@example.com", 0, true, NOT_TN, NULL},
    {"sip:+123456789012345@example.com", 0, false, OK, "123456789012345"},
    {"sip:+1234567890123456@example.com", 0, false, TOO_LONG, NULL},
    /* other schemes and garbage */
    {"", 0, true, NOT_TN, NULL},
    {"+12025550100", 0, true, NOT_TN, NULL},
    {"12025550100", 0, true, NOT_TN, NULL},
    {"http://+12025550100@example.com", 0, true, NOT_TN, NULL},
    {"http:+12025550100", 0, true, NOT_TN, NULL},
    {"mailto:+12025550100@example.com", 0, true, NOT_TN, NULL},
    {"sipx:+12025550100@example.com", 0, true, NOT_TN, NULL},
    {"si:+12025550100@example.com", 0, true, NOT_TN, NULL},
    {"<>", 0, true, NOT_TN, NULL},
    {"\x01\xff<", 0, true, NOT_TN, NULL},
    /* Length, not NUL, ends the input. */
    {"tel:+12025550100\0"
     "99",
     18, false, NOT_TN, NULL},
    {"tel:+12025550100;phone-context=x", 16, false, OK, "12025550100"},
};

typedef int (*tn_fn)(const char *, size_t, bool, struct danecid_tn *);

/* Run one row; on error the output must be left untouched. */
static bool run_row(tn_fn fn, const char *what, size_t idx, const struct row *t)
{
	struct danecid_tn tn;
	struct danecid_tn before;
	size_t len = t->len != 0 ? t->len : strlen(t->in);
	int r;

	memset(&tn, 0x5a, sizeof(tn));
	before = tn;
	r = fn(t->in, len, t->assume_global, &tn);
	if (r != t->err) {
		print_error("%s row %zu \"%s\" (global=%d): got %d (%s), want %d (%s)\n", what, idx,
		            t->in, t->assume_global, r, danecid_strerror(r), t->err,
		            danecid_strerror(t->err));
		return false;
	}
	if (r == DANECID_OK && (strcmp(tn.digits, t->digits) != 0 || tn.len != strlen(t->digits))) {
		print_error("%s row %zu \"%s\": got digits \"%s\" (len %zu), want \"%s\"\n", what,
		            idx, t->in, tn.digits, tn.len, t->digits);
		return false;
	}
	if (r != DANECID_OK && memcmp(&tn, &before, sizeof(tn)) != 0) {
		print_error("%s row %zu \"%s\": output written on error\n", what, idx, t->in);
		return false;
	}
	return true;
}

static void test_canon_table(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(canon_rows) / sizeof(canon_rows[0]); i++) {
		bad += !run_row(danecid_tn_canon, "canon", i, &canon_rows[i]);
	}
	assert_int_equal(bad, 0);
}

static void test_uri_table(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(uri_rows) / sizeof(uri_rows[0]); i++) {
		bad += !run_row(danecid_tn_from_uri, "uri", i, &uri_rows[i]);
	}
	assert_int_equal(bad, 0);
}

static void test_bad_args(void **state)
{
	struct danecid_tn tn;

	(void)state;
	assert_int_equal(danecid_tn_canon(NULL, 1, true, &tn), DANECID_ERR_INVAL);
	assert_int_equal(danecid_tn_canon("1", 1, true, NULL), DANECID_ERR_INVAL);
	assert_int_equal(danecid_tn_from_uri(NULL, 1, true, &tn), DANECID_ERR_INVAL);
	assert_int_equal(danecid_tn_from_uri("tel:+1", 6, true, NULL), DANECID_ERR_INVAL);
	assert_int_equal(danecid_tn_canon(NULL, 0, true, &tn), DANECID_ERR_NOT_TN);
	assert_int_equal(danecid_tn_from_uri(NULL, 0, true, &tn), DANECID_ERR_NOT_TN);
}

/* Every prefix of every row, placed against the guard page, gives the same result as a
 * normal copy; the full rows give the table's result. */
static void test_guard_page(void **state)
{
	struct guard g;
	struct danecid_tn a;
	struct danecid_tn b;

	(void)state;
	guard_open(&g);
	for (size_t i = 0; i < sizeof(uri_rows) / sizeof(uri_rows[0]); i++) {
		const struct row *t = &uri_rows[i];
		size_t len = t->len != 0 ? t->len : strlen(t->in);

		for (size_t k = 0; k <= len; k++) {
			const char *p = guard_place(&g, t->in, k);
			int r1 = danecid_tn_from_uri(p, k, t->assume_global, &a);
			int r2 = danecid_tn_from_uri(t->in, k, t->assume_global, &b);
			int r3 = danecid_tn_canon(p, k, t->assume_global, &a);
			int r4 = danecid_tn_canon(t->in, k, t->assume_global, &b);

			assert_int_equal(r1, r2);
			assert_int_equal(r3, r4);
			if (k == len) {
				assert_int_equal(r1, t->err);
			}
		}
	}
	for (size_t i = 0; i < sizeof(canon_rows) / sizeof(canon_rows[0]); i++) {
		const struct row *t = &canon_rows[i];
		size_t len = t->len != 0 ? t->len : strlen(t->in);
		const char *p = guard_place(&g, t->in, len);

		assert_int_equal(danecid_tn_canon(p, len, t->assume_global, &a), t->err);
	}
	guard_close(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_canon_table),
	    cmocka_unit_test(test_uri_table),
	    cmocka_unit_test(test_bad_args),
	    cmocka_unit_test(test_guard_page),
	};

	return cmocka_run_group_tests_name("tn", tests, NULL, NULL);
}
