/* test_dane — TLSA 3 1 0/1/2 parsing, usability, matching against an SPKI, and formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <danecid/error.h>

#include "dane.h"
#include "guard.h"

/* A fixed P-256 SPKI (the public key of test_es256) with digests from sha256sum/sha512sum. */
static const char fixed_spki_hex[] =
    "3059301306072a8648ce3d020106082a8648ce3d030107034200047b88df7c42670a3869c68323915e70b3"
    "85b602fa4ac67b44e04cf90eaac7b3994a7c31d6785e9c7011a608f579306487aac8d1d81392fcd6239fae"
    "0e1a0632fb";
static const char fixed_sha256_hex[] =
    "bd2bbf12c92d600e32c488009a95bbb6caf9056972b229cc2b24b42fd554232a";
static const char fixed_sha512_hex[] =
    "fce51c95f0e53455f5dd10cb97d8a49a61030b9f7c5095e3c8f05c2c89386ac790bb141078ba6da28bc7da9f"
    "d95b4774f0d6827e464b76548b58ac3c097b92cc";

/* Two keys generated for this run, as DER SubjectPublicKeyInfo. */
struct keys {
	uint8_t *spki;
	size_t len;
	uint8_t *other;
	size_t other_len;
};

static struct keys keys;

static int gen_spki(uint8_t **der, size_t *len)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	unsigned char *buf = NULL;
	int n;

	if (pkey == NULL) {
		return -1;
	}
	n = i2d_PUBKEY(pkey, &buf);
	EVP_PKEY_free(pkey);
	if (n <= 0) {
		return -1;
	}
	*der = malloc((size_t)n);
	if (*der == NULL) {
		OPENSSL_free(buf);
		return -1;
	}
	memcpy(*der, buf, (size_t)n);
	OPENSSL_free(buf);
	*len = (size_t)n;
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	if (gen_spki(&keys.spki, &keys.len) != 0 || gen_spki(&keys.other, &keys.other_len) != 0) {
		return -1;
	}
	/* a P-256 SPKI is 91 bytes: 30 59 30 13 ... 03 42 00 04 X Y */
	if (keys.len != 91 || keys.other_len != 91 || memcmp(keys.spki, keys.other, 91) == 0) {
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(keys.spki);
	free(keys.other);
	return 0;
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned b;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n;
}

static void tohex(const uint8_t *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
}

/* The digest of the SPKI computed here with OpenSSL directly, not through the code under test. */
static size_t digest(const EVP_MD *md, const uint8_t *p, size_t len, uint8_t *out)
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(p, len, out, &n, md, NULL), 1);
	return n;
}

/* RDATA = usage, selector, matching type, association data. */
static size_t rdata(uint8_t u, uint8_t s, uint8_t m, const uint8_t *data, size_t len, uint8_t *out)
{
	out[0] = u;
	out[1] = s;
	out[2] = m;
	if (len > 0) {
		memcpy(out + 3, data, len);
	}
	return len + 3;
}

/* The association data of a 3 1 m record for spki. */
static size_t assoc(int m, const uint8_t *spki, size_t len, uint8_t *out)
{
	if (m == 0) {
		memcpy(out, spki, len);
		return len;
	}
	return digest(m == 1 ? EVP_sha256() : EVP_sha512(), spki, len, out);
}

static void test_full_key_match(void **state)
{
	uint8_t rd[3 + 200];
	size_t n = rdata(3, 1, 0, keys.spki, keys.len, rd);
	struct danecid_tlsa t;

	(void)state;
	assert_int_equal(danecid_tlsa_parse(rd, n, &t), DANECID_OK);
	assert_int_equal(t.usage, 3);
	assert_int_equal(t.selector, 1);
	assert_int_equal(t.mtype, 0);
	assert_ptr_equal(t.data, rd + 3);
	assert_int_equal(t.len, keys.len);
	assert_true(danecid_tlsa_usable(&t));
	assert_true(danecid_tlsa_has_key(&t));
	assert_true(danecid_tlsa_match(&t, keys.spki, keys.len));
	assert_false(danecid_tlsa_match(&t, keys.other, keys.other_len));
	/* a prefix of the key, or the key with a byte more, is not the key */
	assert_false(danecid_tlsa_match(&t, keys.spki, keys.len - 1));
	assert_int_equal(danecid_tlsa_parse(rd, n - 1, &t), DANECID_OK);
	assert_false(danecid_tlsa_match(&t, keys.spki, keys.len));
	assert_false(danecid_tlsa_match(&t, NULL, 0));
}

static void test_sha256_match(void **state)
{
	uint8_t h[64];
	uint8_t rd[3 + 64];
	size_t hl = digest(EVP_sha256(), keys.spki, keys.len, h);
	size_t n = rdata(3, 1, 1, h, hl, rd);
	struct danecid_tlsa t;

	(void)state;
	assert_int_equal(hl, 32);
	assert_int_equal(danecid_tlsa_parse(rd, n, &t), DANECID_OK);
	assert_int_equal(t.mtype, 1);
	assert_int_equal(t.len, 32);
	assert_true(danecid_tlsa_usable(&t));
	assert_false(danecid_tlsa_has_key(&t)); /* the key must come from the PASSporT */
	assert_true(danecid_tlsa_match(&t, keys.spki, keys.len));
	assert_false(danecid_tlsa_match(&t, keys.other, keys.other_len));
	assert_false(danecid_tlsa_match(&t, keys.spki, keys.len - 1));
}

static void test_sha512_match(void **state)
{
	uint8_t h[64];
	uint8_t rd[3 + 64];
	size_t hl = digest(EVP_sha512(), keys.spki, keys.len, h);
	size_t n = rdata(3, 1, 2, h, hl, rd);
	struct danecid_tlsa t;

	(void)state;
	assert_int_equal(hl, 64);
	assert_int_equal(danecid_tlsa_parse(rd, n, &t), DANECID_OK);
	assert_int_equal(t.mtype, 2);
	assert_int_equal(t.len, 64);
	assert_true(danecid_tlsa_usable(&t));
	assert_false(danecid_tlsa_has_key(&t));
	assert_true(danecid_tlsa_match(&t, keys.spki, keys.len));
	assert_false(danecid_tlsa_match(&t, keys.other, keys.other_len));
	assert_false(danecid_tlsa_match(&t, keys.spki, keys.len - 1));
}

/* One flipped bit anywhere, in the record or in the key, breaks the match. */
static void test_flipped_byte(void **state)
{
	(void)state;
	for (int m = 0; m <= 2; m++) {
		uint8_t a[200];
		uint8_t rd[3 + 200];
		uint8_t key[200];
		size_t alen = assoc(m, keys.spki, keys.len, a);
		size_t n = rdata(3, 1, (uint8_t)m, a, alen, rd);
		struct danecid_tlsa t;

		assert_int_equal(danecid_tlsa_parse(rd, n, &t), DANECID_OK);
		assert_true(danecid_tlsa_match(&t, keys.spki, keys.len));
		for (size_t i = 0; i < alen; i++) {
			rd[3 + i] ^= 0x01;
			if (danecid_tlsa_match(&t, keys.spki, keys.len)) {
				fail_msg("3 1 %d: record byte %zu flipped still matches", m, i);
			}
			rd[3 + i] ^= 0x01;
		}
		memcpy(key, keys.spki, keys.len);
		for (size_t i = 0; i < keys.len; i++) {
			key[i] ^= 0x80;
			if (danecid_tlsa_match(&t, key, keys.len)) {
				fail_msg("3 1 %d: key byte %zu flipped still matches", m, i);
			}
			key[i] ^= 0x80;
		}
		assert_true(danecid_tlsa_match(&t, keys.spki, keys.len));
	}
}

/* Fixed vector: digests from coreutils, not from OpenSSL. */
static void test_fixed_vector(void **state)
{
	uint8_t spki[100];
	uint8_t h[64];
	uint8_t rd[3 + 100];
	size_t len = unhex(fixed_spki_hex, spki, sizeof(spki));
	struct danecid_tlsa t;
	char *s = NULL;
	char want[300];

	(void)state;
	assert_int_equal(len, 91);
	assert_int_equal(
	    danecid_tlsa_parse(rd, rdata(3, 1, 1, h, unhex(fixed_sha256_hex, h, 64), rd), &t),
	    DANECID_OK);
	assert_true(danecid_tlsa_match(&t, spki, len));
	assert_int_equal(
	    danecid_tlsa_parse(rd, rdata(3, 1, 2, h, unhex(fixed_sha512_hex, h, 64), rd), &t),
	    DANECID_OK);
	assert_true(danecid_tlsa_match(&t, spki, len));

	assert_int_equal(danecid_tlsa_format(spki, len, 0, &s), DANECID_OK);
	snprintf(want, sizeof(want), "3 1 0 %s", fixed_spki_hex);
	assert_string_equal(s, want);
	free(s);
	assert_int_equal(danecid_tlsa_format(spki, len, 1, &s), DANECID_OK);
	snprintf(want, sizeof(want), "3 1 1 %s", fixed_sha256_hex);
	assert_string_equal(s, want);
	free(s);
	assert_int_equal(danecid_tlsa_format(spki, len, 2, &s), DANECID_OK);
	snprintf(want, sizeof(want), "3 1 2 %s", fixed_sha512_hex);
	assert_string_equal(s, want);
	free(s);
}

struct unusable_row {
	uint8_t u, s, m;
};

/* Records danecid does not use are ignored: parsed, never usable, never a match. */
static void test_not_usable(void **state)
{
	static const struct unusable_row rows[] = {
	    {3, 0, 0}, {3, 0, 1}, {3, 0, 2},   {2, 1, 0}, {2, 1, 1},   {1, 1, 0},
	    {0, 1, 0}, {3, 1, 3}, {3, 1, 255}, {4, 1, 0}, {255, 1, 0}, {3, 2, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t a[200];
		uint8_t rd[3 + 200];
		/* association data that would match if the record were usable */
		size_t alen =
		    assoc(rows[i].m == 1 || rows[i].m == 2 ? rows[i].m : 0, keys.spki, keys.len, a);
		size_t n = rdata(rows[i].u, rows[i].s, rows[i].m, a, alen, rd);
		struct danecid_tlsa t;

		if (danecid_tlsa_parse(rd, n, &t) != DANECID_OK) {
			fail_msg("%u %u %u: parse failed", rows[i].u, rows[i].s, rows[i].m);
		}
		assert_int_equal(t.usage, rows[i].u);
		assert_int_equal(t.selector, rows[i].s);
		assert_int_equal(t.mtype, rows[i].m);
		if (danecid_tlsa_usable(&t) || danecid_tlsa_has_key(&t) ||
		    danecid_tlsa_match(&t, keys.spki, keys.len)) {
			fail_msg("%u %u %u: must be ignored", rows[i].u, rows[i].s, rows[i].m);
		}
	}
}

static void test_malformed(void **state)
{
	uint8_t buf[200];
	struct danecid_tlsa t;

	(void)state;
	memset(buf, 0, sizeof(buf));
	buf[0] = 3;
	buf[1] = 1;
	/* shorter than usage + selector + matching type + one byte of data */
	for (size_t len = 0; len < 4; len++) {
		buf[2] = 0;
		assert_int_equal(danecid_tlsa_parse(buf, len, &t), DANECID_ERR_MALFORMED);
		buf[2] = 1;
		assert_int_equal(danecid_tlsa_parse(buf, len, &t), DANECID_ERR_MALFORMED);
	}
	assert_int_equal(danecid_tlsa_parse(NULL, 10, &t), DANECID_ERR_MALFORMED);
	assert_int_equal(danecid_tlsa_parse(buf, 10, NULL), DANECID_ERR_MALFORMED);
	/* a digest of the wrong length for its matching type */
	buf[2] = 1;
	assert_int_equal(danecid_tlsa_parse(buf, 3 + 31, &t), DANECID_ERR_MALFORMED);
	assert_int_equal(danecid_tlsa_parse(buf, 3 + 33, &t), DANECID_ERR_MALFORMED);
	assert_int_equal(danecid_tlsa_parse(buf, 3 + 64, &t), DANECID_ERR_MALFORMED);
	assert_int_equal(danecid_tlsa_parse(buf, 3 + 32, &t), DANECID_OK);
	buf[2] = 2;
	assert_int_equal(danecid_tlsa_parse(buf, 3 + 63, &t), DANECID_ERR_MALFORMED);
	assert_int_equal(danecid_tlsa_parse(buf, 3 + 65, &t), DANECID_ERR_MALFORMED);
	assert_int_equal(danecid_tlsa_parse(buf, 3 + 32, &t), DANECID_ERR_MALFORMED);
	assert_int_equal(danecid_tlsa_parse(buf, 3 + 64, &t), DANECID_OK);
	/* a truncated SHA-256 of the real key is malformed, not a partial match */
	buf[2] = 1;
	digest(EVP_sha256(), keys.spki, keys.len, buf + 3);
	assert_int_equal(danecid_tlsa_parse(buf, 3 + 31, &t), DANECID_ERR_MALFORMED);
}

/* A record built by hand with a short digest never matches, even if parse was skipped. */
static void test_match_guards_length(void **state)
{
	uint8_t h[64];
	struct danecid_tlsa t = {3, 1, 1, h, 31};

	(void)state;
	digest(EVP_sha256(), keys.spki, keys.len, h);
	assert_false(danecid_tlsa_match(&t, keys.spki, keys.len));
	t.len = 32;
	assert_true(danecid_tlsa_match(&t, keys.spki, keys.len));
	t.mtype = 2;
	t.len = 32;
	assert_false(danecid_tlsa_match(&t, keys.spki, keys.len));
}

static void test_format(void **state)
{
	char want[8 + 2 * 200];
	char *s = (char *)1;

	(void)state;
	/* 3 1 0: the whole SPKI in lower-case hex */
	assert_int_equal(danecid_tlsa_format(keys.spki, keys.len, 0, &s), DANECID_OK);
	memcpy(want, "3 1 0 ", 6);
	tohex(keys.spki, keys.len, want + 6);
	assert_string_equal(s, want);
	assert_int_equal(strlen(s), 6 + 2 * 91);
	assert_true(strncmp(s, "3 1 0 3059301306072a8648ce3d0201", 32) == 0);
	free(s);
	for (int m = 1; m <= 2; m++) {
		uint8_t h[64];
		size_t hl = assoc(m, keys.spki, keys.len, h);

		assert_int_equal(danecid_tlsa_format(keys.spki, keys.len, m, &s), DANECID_OK);
		snprintf(want, sizeof(want), "3 1 %d ", m);
		tohex(h, hl, want + 6);
		assert_string_equal(s, want);
		assert_int_equal(strlen(s), 6 + (m == 1 ? 64 : 128));
		free(s);
	}
	/* another key, another string */
	for (int m = 0; m <= 2; m++) {
		char *mine = NULL;

		assert_int_equal(danecid_tlsa_format(keys.spki, keys.len, m, &mine), DANECID_OK);
		assert_int_equal(danecid_tlsa_format(keys.other, keys.other_len, m, &s),
		                 DANECID_OK);
		assert_int_equal(strlen(s), strlen(mine));
		assert_string_not_equal(s, mine);
		free(mine);
		free(s);
	}
	/* no other matching type is produced */
	s = (char *)1;
	assert_int_equal(danecid_tlsa_format(keys.spki, keys.len, 3, &s), DANECID_ERR_INVAL);
	assert_null(s);
	s = (char *)1;
	assert_int_equal(danecid_tlsa_format(keys.spki, keys.len, -1, &s), DANECID_ERR_INVAL);
	assert_null(s);
	s = (char *)1;
	assert_int_equal(danecid_tlsa_format(keys.spki, keys.len, 256, &s), DANECID_ERR_INVAL);
	assert_null(s);
}

/* What `danecid tlsa` prints, put back into wire form, matches the key it came from. */
static void test_format_round_trip(void **state)
{
	(void)state;
	for (int m = 0; m <= 2; m++) {
		char *s = NULL;
		uint8_t rd[3 + 200];
		unsigned u, sel, mt;
		int off = 0;
		struct danecid_tlsa t;
		size_t n;

		assert_int_equal(danecid_tlsa_format(keys.spki, keys.len, m, &s), DANECID_OK);
		assert_int_equal(sscanf(s, "%u %u %u %n", &u, &sel, &mt, &off), 3);
		assert_int_equal(off, 6);
		n = unhex(s + off, rd + 3, sizeof(rd) - 3);
		rd[0] = (uint8_t)u;
		rd[1] = (uint8_t)sel;
		rd[2] = (uint8_t)mt;
		assert_int_equal(danecid_tlsa_parse(rd, n + 3, &t), DANECID_OK);
		assert_true(danecid_tlsa_match(&t, keys.spki, keys.len));
		assert_false(danecid_tlsa_match(&t, keys.other, keys.other_len));
		free(s);
	}
}

/* RDATA against a PROT_NONE page: parsing and matching never read past its length. */
static void test_guard_page(void **state)
{
	static const uint8_t threes[3] = {3, 3, 3};
	struct guard g;

	(void)state;
	guard_open(&g);
	for (int m = 0; m <= 2; m++) {
		uint8_t a[200];
		uint8_t buf[3 + sizeof(a)];
		size_t alen = assoc(m, keys.spki, keys.len, a);
		size_t n = rdata(3, 1, (uint8_t)m, a, alen, buf);
		const uint8_t *rd = guard_place(&g, buf, n);
		struct danecid_tlsa t;

		assert_int_equal(danecid_tlsa_parse(rd, 3 + alen, &t), DANECID_OK);
		assert_true(danecid_tlsa_match(&t, keys.spki, keys.len));
		assert_false(danecid_tlsa_match(&t, keys.other, keys.other_len));
	}
	for (size_t len = 0; len < 4; len++) {
		struct danecid_tlsa t;

		assert_int_equal(danecid_tlsa_parse(guard_place(&g, threes, len), len, &t),
		                 DANECID_ERR_MALFORMED);
	}
	guard_close(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_key_match), cmocka_unit_test(test_sha256_match),
	    cmocka_unit_test(test_sha512_match),   cmocka_unit_test(test_flipped_byte),
	    cmocka_unit_test(test_fixed_vector),   cmocka_unit_test(test_not_usable),
	    cmocka_unit_test(test_malformed),      cmocka_unit_test(test_match_guards_length),
	    cmocka_unit_test(test_format),         cmocka_unit_test(test_format_round_trip),
	    cmocka_unit_test(test_guard_page),
	};

	return cmocka_run_group_tests_name("dane", tests, group_setup, group_teardown);
}
