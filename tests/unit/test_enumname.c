/* test_enumname — apex normalization and "_stir.<reversed digits>.<apex>" owner names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <danecid/error.h>

#include "enumname.h"
#include "guard.h"

/* A string of n copies of c (n < 300); the last 16 results stay valid. */
static const char *rep(char c, size_t n)
{
	static char buf[16][300];
	static int which;
	char *b = buf[which++ % 16];

	memset(b, c, n);
	b[n] = '\0';
	return b;
}

struct apex_row {
	const char *in;
	int err;
	const char *out;
};

static void test_apex_table(void **state)
{
	char name253[300];
	char name254[300];
	const struct apex_row rows[] = {
	    {"e164.test.", DANECID_OK, "e164.test."},
	    {"e164.test", DANECID_OK, "e164.test."},
	    {"E164.TeSt", DANECID_OK, "e164.test."},
	    {"E164.TEST.", DANECID_OK, "e164.test."},
	    {"test", DANECID_OK, "test."},
	    {"_x-1.a_b.c", DANECID_OK, "_x-1.a_b.c."},
	    {"a..b", DANECID_ERR_INVAL, NULL},
	    {".a", DANECID_ERR_INVAL, NULL},
	    {"a..", DANECID_ERR_INVAL, NULL},
	    {".", DANECID_ERR_INVAL, NULL},
	    {"", DANECID_ERR_INVAL, NULL},
	    {"a b.test", DANECID_ERR_INVAL, NULL},
	    {"a*.test", DANECID_ERR_INVAL, NULL},
	    {"a\\.test", DANECID_ERR_INVAL, NULL},
	    {"ex\xc3\xa4mple.test", DANECID_ERR_INVAL, NULL},
	    {"e164.test/", DANECID_ERR_INVAL, NULL},
	    {rep('a', 63), DANECID_OK, NULL},
	    {rep('b', 64), DANECID_ERR_INVAL, NULL},
	    {name253, DANECID_OK, NULL},
	    {name254, DANECID_ERR_TOO_LONG, NULL},
	};

	(void)state;
	/* 63.63.63.61 = 253 characters; one more is too long. */
	snprintf(name253, sizeof(name253), "%s.%s.%s.", rep('a', 63), rep('b', 63), rep('c', 63));
	strcat(name253, rep('d', 61));
	memcpy(name254, name253, 253);
	name254[253] = 'd';
	name254[254] = '\0';
	assert_int_equal(strlen(name253), 253);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char out[DANECID_ENUM_NAME_MAX];
		size_t len = strlen(rows[i].in);
		int r;

		memset(out, 'Z', sizeof(out));
		r = danecid_apex_normalize(rows[i].in, len, out, sizeof(out));
		if (r != rows[i].err) {
			print_error("row %zu \"%s\": got %d, want %d\n", i, rows[i].in, r,
			            rows[i].err);
		}
		assert_int_equal(r, rows[i].err);
		if (r != DANECID_OK) {
			assert_int_equal(out[0], 'Z'); /* untouched */
			continue;
		}
		if (rows[i].out != NULL) {
			assert_string_equal(out, rows[i].out);
		} else {
			/* the lower-cased input with one final dot */
			assert_int_equal(strlen(out), len + 1);
			assert_memory_equal(out, rows[i].in, len);
			assert_int_equal(out[len], '.');
		}
	}
}

static void test_apex_253_with_dot(void **state)
{
	char in[300];
	char out[DANECID_ENUM_NAME_MAX];

	(void)state;
	/* 253 characters plus the final dot is still fine. */
	snprintf(in, sizeof(in), "%s.%s.%s.%s.", rep('a', 63), rep('b', 63), rep('c', 63),
	         rep('d', 61));
	assert_int_equal(strlen(in), 254);
	assert_int_equal(danecid_apex_normalize(in, strlen(in), out, sizeof(out)), DANECID_OK);
	assert_string_equal(out, in);
}

static void test_apex_buffer(void **state)
{
	char out[16];

	(void)state;
	memset(out, 'Z', sizeof(out));
	/* "e164.test." needs 11 bytes with its NUL. */
	assert_int_equal(danecid_apex_normalize("E164.test", 9, out, 10), DANECID_ERR_TOO_LONG);
	assert_int_equal(out[0], 'Z');
	assert_int_equal(danecid_apex_normalize("E164.test", 9, out, 11), DANECID_OK);
	assert_string_equal(out, "e164.test.");
	/* Length, not NUL, ends the input. */
	assert_int_equal(danecid_apex_normalize("e164.testXYZ", 9, out, sizeof(out)), DANECID_OK);
	assert_string_equal(out, "e164.test.");
	assert_int_equal(danecid_apex_normalize("e164\0test", 9, out, sizeof(out)),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_apex_normalize(NULL, 0, out, sizeof(out)), DANECID_ERR_INVAL);
	assert_int_equal(danecid_apex_normalize("a", 1, NULL, 0), DANECID_ERR_INVAL);
}

static void test_enum_name_spec_example(void **state)
{
	char out[DANECID_ENUM_NAME_MAX];

	(void)state;
	assert_int_equal(danecid_enum_name("12025550100", 11, "e164.test.", out, sizeof(out)),
	                 DANECID_OK);
	assert_string_equal(out, "_stir.0.0.1.0.5.5.5.2.0.2.1.e164.test.");
}

static void test_enum_name_lengths(void **state)
{
	char out[DANECID_ENUM_NAME_MAX];

	(void)state;
	assert_int_equal(danecid_enum_name("5", 1, "e164.test.", out, sizeof(out)), DANECID_OK);
	assert_string_equal(out, "_stir.5.e164.test.");
	assert_int_equal(danecid_enum_name("123456789012345", 15, "e164.test.", out, sizeof(out)),
	                 DANECID_OK);
	assert_string_equal(out, "_stir.5.4.3.2.1.0.9.8.7.6.5.4.3.2.1.e164.test.");
	/* A prefix of a longer string: only ndigits are read. */
	assert_int_equal(danecid_enum_name("1202x", 4, "e164.test.", out, sizeof(out)), DANECID_OK);
	assert_string_equal(out, "_stir.2.0.2.1.e164.test.");

	memset(out, 'Z', sizeof(out));
	assert_int_equal(danecid_enum_name("", 0, "e164.test.", out, sizeof(out)),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_enum_name("1234567890123456", 16, "e164.test.", out, sizeof(out)),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_enum_name("12a4", 4, "e164.test.", out, sizeof(out)),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_enum_name("+1202", 5, "e164.test.", out, sizeof(out)),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_enum_name("1 2", 3, "e164.test.", out, sizeof(out)),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_enum_name("12\0"
	                                   "4",
	                                   4, "e164.test.", out, sizeof(out)),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_enum_name(NULL, 1, "e164.test.", out, sizeof(out)),
	                 DANECID_ERR_INVAL);
	/* The apex must be normalized: with its final dot. */
	assert_int_equal(danecid_enum_name("1", 1, "e164.test", out, sizeof(out)),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_enum_name("1", 1, "", out, sizeof(out)), DANECID_ERR_INVAL);
	assert_int_equal(danecid_enum_name("1", 1, ".", out, sizeof(out)), DANECID_ERR_INVAL);
	assert_int_equal(danecid_enum_name("1", 1, NULL, out, sizeof(out)), DANECID_ERR_INVAL);
	assert_int_equal(danecid_enum_name("1", 1, "e164.test.", NULL, 0), DANECID_ERR_INVAL);
	assert_int_equal(out[0], 'Z');
}

static void test_enum_name_buffer(void **state)
{
	const char *want = "_stir.0.0.1.0.5.5.5.2.0.2.1.e164.test.";
	size_t need = strlen(want) + 1;
	char out[DANECID_ENUM_NAME_MAX];

	(void)state;
	memset(out, 'Z', sizeof(out));
	assert_int_equal(danecid_enum_name("12025550100", 11, "e164.test.", out, need - 1),
	                 DANECID_ERR_TOO_LONG);
	assert_int_equal(out[0], 'Z');
	assert_int_equal(danecid_enum_name("12025550100", 11, "e164.test.", out, 0),
	                 DANECID_ERR_TOO_LONG);
	assert_int_equal(danecid_enum_name("12025550100", 11, "e164.test.", out, need), DANECID_OK);
	assert_string_equal(out, want);
}

/* An apex of the largest size: the owner name would pass 253 characters. */
static void test_enum_name_too_long_for_dns(void **state)
{
	char in[300];
	char apex[DANECID_ENUM_NAME_MAX];
	char out[DANECID_ENUM_NAME_MAX];

	(void)state;
	snprintf(in, sizeof(in), "%s.%s.%s.%s", rep('a', 63), rep('b', 63), rep('c', 63),
	         rep('d', 61));
	assert_int_equal(danecid_apex_normalize(in, strlen(in), apex, sizeof(apex)), DANECID_OK);
	assert_int_equal(danecid_enum_name("1", 1, apex, out, sizeof(out)), DANECID_ERR_TOO_LONG);
	/* 253 - 6 ("_stir.") - 2 ("1.") = 245 characters of apex is the most for one digit. */
	snprintf(in, sizeof(in), "%s.%s.%s.%s", rep('a', 63), rep('b', 63), rep('c', 63),
	         rep('d', 53));
	assert_int_equal(danecid_apex_normalize(in, strlen(in), apex, sizeof(apex)), DANECID_OK);
	assert_int_equal(strlen(apex), 246);
	assert_int_equal(danecid_enum_name("1", 1, apex, out, sizeof(out)), DANECID_OK);
	assert_int_equal(strlen(out), 254);
	assert_int_equal(danecid_enum_name("12", 2, apex, out, sizeof(out)), DANECID_ERR_TOO_LONG);
}

/* The apex input against a PROT_NONE page: any read past len crashes. */
static void test_apex_guard_page(void **state)
{
	const char *inputs[] = {"E164.Test.", "e164.test", "a..b", "x", rep('q', 70)};
	char out[DANECID_ENUM_NAME_MAX];
	struct guard g;

	(void)state;
	guard_open(&g);
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		size_t len = strlen(inputs[i]);

		for (size_t k = 0; k <= len; k++) {
			const char *p = guard_place(&g, inputs[i], k);
			char ref[DANECID_ENUM_NAME_MAX];

			assert_int_equal(danecid_apex_normalize(p, k, out, sizeof(out)),
			                 danecid_apex_normalize(inputs[i], k, ref, sizeof(ref)));
		}
	}
	guard_close(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_apex_table),
	    cmocka_unit_test(test_apex_253_with_dot),
	    cmocka_unit_test(test_apex_buffer),
	    cmocka_unit_test(test_enum_name_spec_example),
	    cmocka_unit_test(test_enum_name_lengths),
	    cmocka_unit_test(test_enum_name_buffer),
	    cmocka_unit_test(test_enum_name_too_long_for_dns),
	    cmocka_unit_test(test_apex_guard_page),
	};

	return cmocka_run_group_tests_name("enumname", tests, NULL, NULL);
}
