/* test_sipdate — the SIP Date header (RFC 3261 §20.17 rfc1123-date) to time_t, table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <danecid/error.h>

#include "guard.h"
#include "sipdate.h"

#define OK        DANECID_OK
#define MALFORMED DANECID_ERR_MALFORMED

struct row {
	const char *in;
	size_t len; /* 0: strlen(in) */
	int err;
	int64_t want; /* when err == OK */
};

static const struct row rows[] = {
    /* valid */
    {"Thu, 01 Jan 1970 00:00:00 GMT", 0, OK, 0},
    {"Sat, 13 Nov 2010 23:29:00 GMT", 0, OK, 1289690940},
    {"Sat, 15 Oct 2005 04:44:56 GMT", 0, OK, 1129351496}, /* RFC 4475 mpart01 */
    {"Tue, 01 Dec 2026 12:00:00 GMT", 0, OK, 1796126400},
    {"Thu, 31 Dec 1970 23:59:59 GMT", 0, OK, 31535999},
    {"Sun, 31 Dec 2023 23:59:59 GMT", 0, OK, 1704067199},
    {"Tue, 29 Feb 2000 12:34:56 GMT", 0, OK, 951827696}, /* leap: divisible by 400 */
    {"Thu, 29 Feb 2024 00:00:01 GMT", 0, OK, 1709164801},
    {"Wed, 29 Feb 2096 06:07:08 GMT", 0, OK, 3981334028},
    {"Mon, 01 Mar 2100 00:00:00 GMT", 0, OK, 4107542400},
    {"Tue, 19 Jan 2038 03:14:07 GMT", 0, OK, 2147483647},
    {"Tue, 19 Jan 2038 03:14:08 GMT", 0, OK, 2147483648},
    {"Sun, 07 Feb 2106 06:28:16 GMT", 0, OK, 4294967296},
    {"Fri, 31 Dec 9999 23:59:59 GMT", 0, OK, 253402300799},
    /* white space around the value: SP and HTAB only */
    {"  Sat, 13 Nov 2010 23:29:00 GMT", 0, OK, 1289690940},
    {"Sat, 13 Nov 2010 23:29:00 GMT \t ", 0, OK, 1289690940},
    {"\t Sat, 13 Nov 2010 23:29:00 GMT\t", 0, OK, 1289690940},
    {"\r\nSat, 13 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:00 GMT\r\n", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:00 GMT\n", 0, MALFORMED, 0},
    {"\vSat, 13 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    /* weekday */
    {"Fri, 13 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sun, 13 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Wed, 01 Jan 1970 00:00:00 GMT", 0, MALFORMED, 0},
    {"sat, 13 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"SAT, 13 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sa, 13 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Saturday, 13 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Xyz, 13 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    /* zone */
    {"Sat, 13 Nov 2010 23:29:00 UTC", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:00 +0000", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:00 gmt", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:00 GM", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:00 GMTX", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:00", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:00 Z", 0, MALFORMED, 0},
    {"Fri, 01 Jan 2010 16:00:00 EST", 0, MALFORMED, 0}, /* RFC 4475 baddate */
    /* field widths and separators */
    {"Wed, 3 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Wed,  3 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Nov 10 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Nov 02010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 3:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:0 GMT", 0, MALFORMED, 0},
    {"Sat 13 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat,13 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat,  13 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13  Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010  23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:00  GMT", 0, MALFORMED, 0},
    {"Sat, 13\tNov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13-Nov-2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23.29.00 GMT", 0, MALFORMED, 0},
    {"Sat; 13 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, +3 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:-0 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Nov 201O 23:29:00 GMT", 0, MALFORMED, 0},
    {"Saturday, 13-Nov-10 23:29:00 GMT", 0, MALFORMED, 0}, /* RFC 850 */
    {"Sat Nov 13 23:29:00 2010", 0, MALFORMED, 0},         /* asctime */
    {"2010-11-13T23:29:00Z", 0, MALFORMED, 0},             /* RFC 3339 */
    /* month */
    {"Sat, 13 nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 NOV 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Nov. 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 November 2010 23:29:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Foo 2010 23:29:00 GMT", 0, MALFORMED, 0},
    /* ranges; the weekday given is the one the rolled-over date would have */
    {"Tue, 30 Feb 2010 00:00:00 GMT", 0, MALFORMED, 0},
    {"Wed, 29 Feb 2023 00:00:00 GMT", 0, MALFORMED, 0},
    {"Mon, 29 Feb 2100 00:00:00 GMT", 0, MALFORMED, 0}, /* not leap: divisible by 100 */
    {"Sat, 31 Apr 2010 00:00:00 GMT", 0, MALFORMED, 0},
    {"Sat, 32 Jan 2010 00:00:00 GMT", 0, MALFORMED, 0},
    {"Thu, 00 Jan 1970 00:00:00 GMT", 0, MALFORMED, 0},
    {"Wed, 31 Dec 1969 23:59:59 GMT", 0, MALFORMED, 0},
    {"Sat, 01 Jan 0000 00:00:00 GMT", 0, MALFORMED, 0},
    {"Sun, 14 Nov 2010 24:00:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:60:00 GMT", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:60 GMT", 0, MALFORMED, 0},
    {"Sat, 31 Dec 2016 23:59:60 GMT", 0, MALFORMED, 0}, /* a real leap second: refused */
    {"Sat, 13 Nov 2010 99:99:99 GMT", 0, MALFORMED, 0},
    /* NUL, empty, length */
    {"", 0, MALFORMED, 0},
    {" \t ", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:00 GMT\0", 30, MALFORMED, 0},
    {"\0Sat, 13 Nov 2010 23:29:00 GMT", 30, MALFORMED, 0},
    {"Sat, 13 Nov 2010\0"
     "23:29:00 GMT",
     29, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:00 GM\0", 29, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:00 GMTxyz", 29, OK, 1289690940}, /* length, not NUL, ends */
    {"Sat, 13 Nov 2010 23:29:00 GMT", 28, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:00 GMT, x", 0, MALFORMED, 0},
    {"Sat, 13 Nov 2010 23:29:00 GMT x", 0, MALFORMED, 0},
    {"x Sat, 13 Nov 2010 23:29:00 GMT", 0, MALFORMED, 0},
};

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

static size_t row_len(const struct row *t)
{
	return t->len != 0 ? t->len : strlen(t->in);
}

/* Run one row on p; on error the output must be left untouched. */
static bool run_row(size_t idx, const struct row *t, const char *p)
{
	const time_t sentinel = (time_t)0x5a5a5a5a;
	time_t got = sentinel;
	int r = danecid_sip_date_parse(p, row_len(t), &got);

	if (r != t->err) {
		print_error("row %zu \"%s\": got %d (%s), want %d (%s)\n", idx, t->in, r,
		            danecid_strerror(r), t->err, danecid_strerror(t->err));
		return false;
	}
	if (r == DANECID_OK && (int64_t)got != t->want) {
		print_error("row %zu \"%s\": got %lld, want %lld\n", idx, t->in, (long long)got,
		            (long long)t->want);
		return false;
	}
	if (r != DANECID_OK && got != sentinel) {
		print_error("row %zu \"%s\": output written on error\n", idx, t->in);
		return false;
	}
	return true;
}

static void test_table(void **state)
{
	size_t bad = 0;

	(void)state;
	assert_true(sizeof(time_t) >= 8);
	for (size_t i = 0; i < N_ROWS; i++) {
		bad += !run_row(i, &rows[i], rows[i].in);
	}
	assert_int_equal(bad, 0);
}

/* Every row again, placed against the guard page: any read past len crashes. */
static void test_guard_page(void **state)
{
	struct guard g;
	size_t bad = 0;

	(void)state;
	guard_open(&g);
	for (size_t i = 0; i < N_ROWS; i++) {
		const char *p = guard_place(&g, rows[i].in, row_len(&rows[i]));

		bad += !run_row(i, &rows[i], p);
	}
	guard_close(&g);
	assert_int_equal(bad, 0);
}

/* Every prefix of every valid row, against the guard page: malformed until the whole date is
 * there; from there on (trailing white space) the same time. */
static void test_truncated(void **state)
{
	struct guard g;

	(void)state;
	guard_open(&g);
	for (size_t i = 0; i < N_ROWS; i++) {
		const struct row *t = &rows[i];
		size_t len = row_len(t);
		size_t full = len;

		if (t->err != DANECID_OK) {
			continue;
		}
		while (full > 0 && (t->in[full - 1] == ' ' || t->in[full - 1] == '\t')) {
			full--;
		}
		for (size_t k = 0; k <= len; k++) {
			const char *p = guard_place(&g, t->in, k);
			time_t got = (time_t)-7;
			int r = danecid_sip_date_parse(p, k, &got);

			if (k < full) {
				if (r != DANECID_ERR_MALFORMED || got != (time_t)-7) {
					print_error("row %zu cut at %zu: got %d\n", i, k, r);
				}
				assert_int_equal(r, DANECID_ERR_MALFORMED);
				assert_true(got == (time_t)-7);
			} else {
				assert_int_equal(r, DANECID_OK);
				assert_true((int64_t)got == t->want);
			}
		}
	}
	guard_close(&g);
}

/* Every day from 1970 to 9999 at a time of day that moves through the day, formatted by the C
 * library (C locale: English names), parses to the time it was formatted from; the same date
 * under the six other weekday names does not parse. */
static void test_every_day(void **state)
{
	static const char *const wk[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	const int64_t last = 253402300799; /* Fri, 31 Dec 9999 23:59:59 GMT */
	size_t bad = 0;

	(void)state;
	for (int64_t day = 0; day * 86400 <= last; day++) {
		time_t t = (time_t)(day * 86400 + (day * 7919) % 86400);
		struct tm tm;
		char buf[64];
		time_t got = 0;

		assert_non_null(gmtime_r(&t, &tm));
		assert_int_equal(strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm), 29);
		if (danecid_sip_date_parse(buf, 29, &got) != DANECID_OK || got != t) {
			if (bad++ < 5) {
				print_error("\"%s\": got %lld, want %lld\n", buf, (long long)got,
				            (long long)t);
			}
			continue;
		}
		if (day % 97 != 0) {
			continue; /* the wrong weekdays on a sample of days */
		}
		for (int w = 0; w < 7; w++) {
			if (w == tm.tm_wday) {
				continue;
			}
			memcpy(buf, wk[w], 3);
			if (danecid_sip_date_parse(buf, 29, &got) != DANECID_ERR_MALFORMED) {
				print_error("\"%s\" parsed\n", buf);
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
}

static void test_bad_args(void **state)
{
	time_t t = 42;

	(void)state;
	assert_int_equal(danecid_sip_date_parse(NULL, 1, &t), DANECID_ERR_INVAL);
	assert_int_equal(danecid_sip_date_parse("Thu, 01 Jan 1970 00:00:00 GMT", 29, NULL),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_sip_date_parse(NULL, 0, &t), DANECID_ERR_MALFORMED);
	assert_true(t == 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),     cmocka_unit_test(test_guard_page),
	    cmocka_unit_test(test_truncated), cmocka_unit_test(test_every_day),
	    cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests_name("sipdate", tests, NULL, NULL);
}
