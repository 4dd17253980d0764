/* test_es256 — ES256 keys, verification (all Wycheproof P-256 vectors), signing and hashes. */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>

#include <danecid/error.h>

#include "es256.h"
#include "wycheproof.h"

/* A fixed P-256 key pair (generated with openssl ecparam for these tests only). */
static const char key_sec1_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIPl2ujIdt40yA55bTA64G7O6r3AfDwQJ3MT7vvWKhIoyoAoGCCqGSM49\n"
    "AwEHoUQDQgAEe4jffEJnCjhpxoMjkV5ws4W2AvpKxntE4Ez5DqrHs5lKfDHWeF6c\n"
    "cBGmCPV5MGSHqsjR2BOS/NYjn64OGgYy+w==\n"
    "-----END EC PRIVATE KEY-----\n";

static const char key_pkcs8_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+Xa6Mh23jTIDnltM\n"
    "Drgbs7qvcB8PBAncxPu+9YqEijKhRANCAAR7iN98QmcKOGnGgyORXnCzhbYC+krG\n"
    "e0TgTPkOqsezmUp8MdZ4XpxwEaYI9XkwZIeqyNHYE5L81iOfrg4aBjL7\n"
    "-----END PRIVATE KEY-----\n";

static const char key_pub_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEe4jffEJnCjhpxoMjkV5ws4W2AvpK\n"
    "xntE4Ez5DqrHs5lKfDHWeF6ccBGmCPV5MGSHqsjR2BOS/NYjn64OGgYy+w==\n"
    "-----END PUBLIC KEY-----\n";

/* Another P-256 public key. */
static const char other_pub_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEDa/aHai7XTub3qycarXrcyAZnkXo\n"
    "EyN5OtKkS2mSjW3h2Z5JN/n8aL06lRVI0+4dDp1FoDe/s5O/YKdOJKST2g==\n"
    "-----END PUBLIC KEY-----\n";

/* What `openssl ecparam -genkey` writes: a parameters block before the key. */
static const char key_with_params_pem[] =
    "-----BEGIN EC PARAMETERS-----\n"
    "BggqhkjOPQMBBw==\n"
    "-----END EC PARAMETERS-----\n"
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIDMNzMkPpyvyu5vLAlEGJAJlpIMziokmaGZ8SDqTT1sEoAoGCCqGSM49\n"
    "AwEHoUQDQgAEG19k6oo4mPpNuNbprQuT8rWc8f8Y9VNv5/cJ+uU2QfZ7m1bVVBHB\n"
    "k/tAVyK4wUWhhN8cJWppNkX8Blhe1sm1Qg==\n"
    "-----END EC PRIVATE KEY-----\n";

static const char key_encrypted_pem[] =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiGWd3dE6Xv7wICCAAw\n"
    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEB2bZ0aimkKcFS7wj2U2TgoEgZBo\n"
    "gXP5GRjBz9kwTaKwP/yWupikp4vhjuY+yKibmXkvGGwWWJvnwz+S++98enKDfvOE\n"
    "Ym2yO2H87ktub+7lsHQr4OKf6zQbR42mqxVcu/msry67pl/+9mauIvYqdcxHV+Rd\n"
    "jHMV0eqAtb5YjZSoCcbGUI3kPsB7+jwhB0pnJuG4MrqY3nnhH1tP7MwHEk8IeAs=\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n";

static const char key_legacy_encrypted_pem[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "Proc-Type: 4,ENCRYPTED\n"
    "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n"
    "\n"
    "MHcCAQEEIPl2ujIdt40yA55bTA64G7O6r3AfDwQJ3MT7vvWKhIoyoAoGCCqGSM49\n"
    "-----END EC PRIVATE KEY-----\n";

static const char key_p384_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEx9aV9TtWulTOV+e6qu5UP/o6ck2Hdo+M\n"
    "qTNJVh+xCsHrOpoA5whQV2oc5/Khx4D1Fr6GLv8V1JM9+oDLs5w5qoSaRJPexIx/\n"
    "dySv4LK90NLWWrkaA0mG5KtLbHSo8R2j\n"
    "-----END PUBLIC KEY-----\n";

/* DER SubjectPublicKeyInfo of the fixed key (key_pub_pem). */
static const char spki_hex[] =
    "3059301306072a8648ce3d020106082a8648ce3d030107034200047b88df7c42670a"
    "3869c68323915e70b385b602fa4ac67b44e04cf90eaac7b3994a7c31d6785e9c70"
    "11a608f579306487aac8d1d81392fcd6239fae0e1a0632fb";

/* The same point, compressed. */
static const char spki_compressed_hex[] = "3039301306072a8648ce3d020106082a8648ce3d030107032200037b"
                                          "88df7c42670a3869c68323915e70b385b602fa4ac67b44e04cf90eaa"
                                          "c7b399";

/* The same key with explicit curve parameters (equal to P-256) instead of the named curve. */
static const char spki_explicit_hex[] =
    "3082014b3082010306072a8648ce3d02013081f7020101302c06072a8648ce3d0101022100ffffffff0000"
    "0001000000000000000000000000ffffffffffffffffffffffff305b0420ffffffff0000000100000000000000"
    "0000000000fffffffffffffffffffffffc04205ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce"
    "3c3e27d2604b031500c49d360886e704936a6678e1139d26b7819f7e900441046b17d1f2e12c4247f8bce6e563"
    "a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6"
    "406837bf51f5022100ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63255102010103"
    "4200047b88df7c42670a3869c68323915e70b385b602fa4ac67b44e04cf90eaac7b3994a7c31d6785e9c7011a6"
    "08f579306487aac8d1d81392fcd6239fae0e1a0632fb";

static const char spki_p384_hex[] =
    "3076301006072a8648ce3d020106052b8104002203620004c7d695f53b56ba54ce57e7baaaee543ffa3a724d8776"
    "8f8ca93349561fb10ac1eb3a9a00e70850576a1ce7f2a1c780f516be862eff15d4933dfa80cbb39c39aa849a4493"
    "dec48c7f7724afe0b2bdd0d2d65ab91a034986e4ab4b6c74a8f11da3";

static const char spki_rsa_hex[] =
    "30819f300d06092a864886f70d010101050003818d0030818902818100b4b97246b9ff88e22e9ce9fbd9b7fb21d4"
    "fd1ceab39ba8c01912bbcaf02d4f4a9e7dc4aad7c704f88e0f53f672ea956ee6f8d872fd8cdab6d251cd511bb225"
    "5c44f6677f2759858adb0bd8538ce92b3a60d03d06f49d8a936dc05b9e4097def3ee246a8366d70f9c78883ec8f2"
    "22cee24f269094d29f6c7bef5e055face786490203010001";

static const char spki_ed25519_hex[] =
    "302a300506032b657003210042d1d1d80484361de18025ea4d515e1d60280b6c6e8a9748507f823c56278c7f";

/* P-256 SPKI whose BIT STRING holds the point at infinity (a single 0x00). */
static const char spki_infinity_hex[] = "3019301306072a8648ce3d020106082a8648ce3d030107030200"
                                        "00";

/* The P-256 group order n. */
static const char order_hex[] = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

static const uint8_t msg[] = "2025-01-01 call from 12025550100";

/* Decode hex into a malloc'd buffer; fails the test on bad input. */
static uint8_t *unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	uint8_t *buf;

	assert_int_equal(n % 2, 0);
	buf = malloc(n / 2 + 1);
	assert_non_null(buf);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		buf[i] = (uint8_t)v;
	}
	*len = n / 2;
	return buf;
}

static danecid_es256_key *key_hex(const char *hex, int expect)
{
	danecid_es256_key *key = (danecid_es256_key *)(uintptr_t)1;
	size_t len;
	uint8_t *der = unhex(hex, &len);

	assert_int_equal(danecid_es256_key_from_spki(der, len, &key), expect);
	if (expect != DANECID_OK) {
		assert_null(key);
	} else {
		assert_non_null(key);
	}
	free(der);
	return key;
}

static danecid_es256_key *key_pem(const char *pem, int expect)
{
	danecid_es256_key *key = (danecid_es256_key *)(uintptr_t)1;

	assert_int_equal(danecid_es256_key_from_pem(pem, strlen(pem), &key), expect);
	if (expect != DANECID_OK) {
		assert_null(key);
	} else {
		assert_non_null(key);
	}
	return key;
}

static const char *obj_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	assert_non_null(s);
	return s;
}

struct tally {
	size_t run, valid, invalid, acceptable;
};

/*
 * Run one vector file. A signature converter turns the vector's "sig" into r‖s
 * (or reports that it cannot: then the signature is not even well-formed).
 */
typedef int (*sig_conv)(const uint8_t *in, size_t len, uint8_t raw[64]);

static void run_ecdsa_file(const char *name, sig_conv conv, struct tally *t)
{
	json_t *root = wycheproof_load(name);
	json_t *groups = json_object_get(root, "testGroups");
	size_t gi, ti;
	json_t *group, *test;

	assert_true(json_is_array(groups));
	memset(t, 0, sizeof(*t));
	json_array_foreach(groups, gi, group)
	{
		size_t keylen;
		uint8_t *der = unhex(obj_str(group, "publicKeyDer"), &keylen);
		danecid_es256_key *key = NULL;
		int kr = danecid_es256_key_from_spki(der, keylen, &key);

		assert_int_equal(json_string_value(json_object_get(group, "sha")) != NULL, 1);
		assert_string_equal(obj_str(group, "sha"), "SHA-256");
		json_array_foreach(json_object_get(group, "tests"), ti, test)
		{
			const char *result = obj_str(test, "result");
			int tc = (int)json_integer_value(json_object_get(test, "tcId"));
			size_t mlen, slen;
			uint8_t *m = unhex(obj_str(test, "msg"), &mlen);
			uint8_t *s = unhex(obj_str(test, "sig"), &slen);
			uint8_t raw[64];
			int v = 0;

			if (kr == DANECID_OK) {
				if (conv == NULL) {
					v = danecid_es256_verify(key, m, mlen, s, slen);
				} else if (conv(s, slen, raw) == 0) {
					v = danecid_es256_verify(key, m, mlen, raw, sizeof(raw));
				}
			}
			/* never a library error: 1 or 0 */
			if (v != 0 && v != 1) {
				fail_msg("%s tcId %d: verify returned %d", name, tc, v);
			}
			if (strcmp(result, "valid") == 0) {
				if (kr != DANECID_OK || v != 1) {
					fail_msg("%s tcId %d (valid): key %d, verify %d", name, tc,
					         kr, v);
				}
				t->valid++;
			} else if (strcmp(result, "invalid") == 0) {
				if (v != 0) {
					fail_msg("%s tcId %d (invalid) verified", name, tc);
				}
				t->invalid++;
			} else {
				assert_string_equal(result, "acceptable");
				t->acceptable++;
			}
			t->run++;
			free(m);
			free(s);
		}
		danecid_es256_key_free(key);
		free(der);
	}
	assert_int_equal(t->run, json_integer_value(json_object_get(root, "numberOfTests")));
	json_decref(root);
}

static void wycheproof_p1363(void **state)
{
	struct tally t;

	run_ecdsa_file("ecdsa_secp256r1_sha256_p1363_test.json", NULL, &t);
	assert_int_equal(t.run, 262);
	assert_int_equal(t.valid, 173);
	assert_int_equal(t.invalid, 89);
	/* Policy: none in this copy; a newer file with some must be reviewed first. */
	assert_int_equal(t.acceptable, 0);
	printf("# figure wycheproof-p1363: %zu vectors, %zu valid verified, %zu invalid rejected\n",
	       t.run, t.valid, t.invalid);
}

/* Strict DER ECDSA-Sig-Value → r‖s: re-encoding must give the same bytes, 0 ≤ r, s < 2^256. */
static int der_to_raw(const uint8_t *in, size_t len, uint8_t raw[64])
{
	const unsigned char *p = in;
	unsigned char *re = NULL;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *s;
	int relen, rc = -1;

	if (sig == NULL) {
		return -1;
	}
	if (p != in + len) {
		goto out;
	}
	relen = i2d_ECDSA_SIG(sig, &re);
	if (relen < 0 || (size_t)relen != len || memcmp(re, in, len) != 0) {
		goto out;
	}
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_is_negative(r) || BN_is_negative(s) || BN_num_bytes(r) > 32 ||
	    BN_num_bytes(s) > 32) {
		goto out;
	}
	if (BN_bn2binpad(r, raw, 32) != 32 || BN_bn2binpad(s, raw + 32, 32) != 32) {
		goto out;
	}
	rc = 0;
out:
	OPENSSL_free(re);
	ECDSA_SIG_free(sig);
	return rc;
}

static void wycheproof_der(void **state)
{
	struct tally t;

	run_ecdsa_file("ecdsa_secp256r1_sha256_test.json", der_to_raw, &t);
	assert_int_equal(t.run, 484);
	assert_int_equal(t.valid, 174);
	assert_int_equal(t.invalid, 310);
	assert_int_equal(t.acceptable, 0);
	printf("# figure wycheproof-der: %zu vectors, %zu valid verified, %zu invalid rejected\n",
	       t.run, t.valid, t.invalid);
}

static void sign_verify_roundtrip(void **state)
{
	danecid_es256_key *priv = key_pem(key_sec1_pem, DANECID_OK);
	danecid_es256_key *pub = key_hex(spki_hex, DANECID_OK);
	danecid_es256_key *pubpem = key_pem(key_pub_pem, DANECID_OK);
	danecid_es256_key *other = key_pem(other_pub_pem, DANECID_OK);
	uint8_t sig[64], sig2[64];

	assert_int_equal(danecid_es256_sign(priv, msg, sizeof(msg) - 1, sig), DANECID_OK);
	assert_int_equal(danecid_es256_verify(pub, msg, sizeof(msg) - 1, sig, 64), 1);
	assert_int_equal(danecid_es256_verify(pubpem, msg, sizeof(msg) - 1, sig, 64), 1);
	/* the private key verifies with its public half */
	assert_int_equal(danecid_es256_verify(priv, msg, sizeof(msg) - 1, sig, 64), 1);
	/* another message, another key */
	assert_int_equal(danecid_es256_verify(pub, msg, sizeof(msg) - 2, sig, 64), 0);
	assert_int_equal(danecid_es256_verify(other, msg, sizeof(msg) - 1, sig, 64), 0);
	/* ECDSA is randomized: a second signature differs and verifies too */
	assert_int_equal(danecid_es256_sign(priv, msg, sizeof(msg) - 1, sig2), DANECID_OK);
	assert_memory_not_equal(sig, sig2, 64);
	assert_int_equal(danecid_es256_verify(pub, msg, sizeof(msg) - 1, sig2, 64), 1);
	/* empty message, also as NULL */
	assert_int_equal(danecid_es256_sign(priv, NULL, 0, sig), DANECID_OK);
	assert_int_equal(danecid_es256_verify(pub, (const uint8_t *)"", 0, sig, 64), 1);
	assert_int_equal(danecid_es256_verify(pub, NULL, 0, sig, 64), 1);
	danecid_es256_key_free(priv);
	danecid_es256_key_free(pub);
	danecid_es256_key_free(pubpem);
	danecid_es256_key_free(other);
}

/* sig := r‖s with s replaced by v (32 bytes). */
static void set_half(uint8_t sig[64], int half, const uint8_t v[32])
{
	memcpy(sig + 32 * half, v, 32);
}

static void scalar_ranges(void **state)
{
	danecid_es256_key *priv = key_pem(key_pkcs8_pem, DANECID_OK);
	size_t nlen;
	uint8_t *n = unhex(order_hex, &nlen);
	uint8_t zero[32] = {0}, nm1[32], big[32], sig[64], bad[64];
	BIGNUM *bn_n = BN_bin2bn(n, 32, NULL), *bn_s = NULL;

	assert_int_equal(nlen, 32);
	memcpy(nm1, n, 32);
	nm1[31]--;
	memset(big, 0xff, sizeof(big));
	assert_int_equal(danecid_es256_sign(priv, msg, sizeof(msg) - 1, sig), DANECID_OK);
	assert_int_equal(danecid_es256_verify(priv, msg, sizeof(msg) - 1, sig, 64), 1);

	for (int half = 0; half < 2; half++) {
		memcpy(bad, sig, 64);
		set_half(bad, half, zero);
		assert_int_equal(danecid_es256_verify(priv, msg, sizeof(msg) - 1, bad, 64), 0);
		set_half(bad, half, n);
		assert_int_equal(danecid_es256_verify(priv, msg, sizeof(msg) - 1, bad, 64), 0);
		set_half(bad, half, big);
		assert_int_equal(danecid_es256_verify(priv, msg, sizeof(msg) - 1, bad, 64), 0);
		/* n-1 is in range: it reaches OpenSSL and is simply not this signature */
		set_half(bad, half, nm1);
		assert_int_equal(danecid_es256_verify(priv, msg, sizeof(msg) - 1, bad, 64), 0);
	}
	/* r + n does not fit in 32 bytes; r‖(s + n) is out of range if s + n < 2^256 */
	{
		BIGNUM *sum = BN_new();
		uint8_t sn[32];

		bn_s = BN_bin2bn(sig + 32, 32, NULL);
		assert_non_null(sum);
		assert_non_null(bn_s);
		assert_int_equal(BN_add(sum, bn_s, bn_n), 1);
		if (BN_num_bytes(sum) <= 32) {
			assert_int_equal(BN_bn2binpad(sum, sn, 32), 32);
			memcpy(bad, sig, 64);
			set_half(bad, 1, sn);
			assert_int_equal(danecid_es256_verify(priv, msg, sizeof(msg) - 1, bad, 64),
			                 0);
		}
		/* malleability: (r, n - s) is the other valid signature of the same message */
		assert_int_equal(BN_sub(sum, bn_n, bn_s), 1);
		assert_int_equal(BN_bn2binpad(sum, sn, 32), 32);
		memcpy(bad, sig, 64);
		set_half(bad, 1, sn);
		assert_int_equal(danecid_es256_verify(priv, msg, sizeof(msg) - 1, bad, 64), 1);
		BN_free(sum);
	}
	BN_free(bn_n);
	BN_free(bn_s);
	free(n);
	danecid_es256_key_free(priv);
}

static void signature_lengths(void **state)
{
	danecid_es256_key *priv = key_pem(key_sec1_pem, DANECID_OK);
	uint8_t sig[66];

	assert_int_equal(danecid_es256_sign(priv, msg, sizeof(msg) - 1, sig), DANECID_OK);
	sig[64] = 0;
	sig[65] = 0;
	assert_int_equal(danecid_es256_verify(priv, msg, sizeof(msg) - 1, sig, 64), 1);
	assert_int_equal(danecid_es256_verify(priv, msg, sizeof(msg) - 1, sig, 63), 0);
	assert_int_equal(danecid_es256_verify(priv, msg, sizeof(msg) - 1, sig, 65), 0);
	assert_int_equal(danecid_es256_verify(priv, msg, sizeof(msg) - 1, sig, 0), 0);
	assert_int_equal(danecid_es256_verify(priv, msg, sizeof(msg) - 1, NULL, 64), 0);
	assert_int_equal(danecid_es256_verify(NULL, msg, sizeof(msg) - 1, sig, 64),
	                 DANECID_ERR_INVAL);
	danecid_es256_key_free(priv);
}

static void spki_rejects(void **state)
{
	size_t len;
	uint8_t *der = unhex(spki_hex, &len);
	uint8_t *longer = malloc(len + 1);
	danecid_es256_key *key = (danecid_es256_key *)(uintptr_t)1;

	assert_null(key_hex(spki_p384_hex, DANECID_ERR_UNSUPPORTED));
	assert_null(key_hex(spki_rsa_hex, DANECID_ERR_UNSUPPORTED));
	assert_null(key_hex(spki_ed25519_hex, DANECID_ERR_UNSUPPORTED));
	assert_null(key_hex(spki_explicit_hex, DANECID_ERR_UNSUPPORTED));
	assert_null(key_hex(spki_infinity_hex, DANECID_ERR_CRYPTO));

	/* trailing byte after a valid SPKI */
	assert_non_null(longer);
	memcpy(longer, der, len);
	longer[len] = 0;
	assert_int_equal(danecid_es256_key_from_spki(longer, len + 1, &key), DANECID_ERR_CRYPTO);
	assert_null(key);
	/* truncated */
	key = (danecid_es256_key *)(uintptr_t)1;
	assert_int_equal(danecid_es256_key_from_spki(der, len - 1, &key), DANECID_ERR_CRYPTO);
	assert_null(key);
	key = (danecid_es256_key *)(uintptr_t)1;
	assert_int_equal(danecid_es256_key_from_spki(der, 0, &key), DANECID_ERR_CRYPTO);
	assert_null(key);
	assert_int_equal(danecid_es256_key_from_spki(der, len, NULL), DANECID_ERR_INVAL);

	/* a point off the curve (invalid-curve attack): change the last byte of y */
	der[len - 1] ^= 0x01;
	key = (danecid_es256_key *)(uintptr_t)1;
	assert_int_equal(danecid_es256_key_from_spki(der, len, &key), DANECID_ERR_CRYPTO);
	assert_null(key);
	free(longer);
	free(der);
}

/*
 * Invalid-curve keys: an uncompressed point must lie on P-256 with both coordinates below p,
 * whatever the SPKI says; a point of another curve (same encoding, other equation) would let
 * a small-subgroup signature verify. The negated generator is the control: a real point.
 */
static void invalid_curve_points(void **state)
{
	static const char prefix[] = "3059301306072a8648ce3d020106082a8648ce3d030107034200"
	                             "04";
	static const char gx[] = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296";
	static const char gy[] = "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
	static const char p_hex[] =
	    "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
	static const struct {
		const char *what, *x, *y;
		int expect;
	} rows[] = {
	    {"the generator", gx, gy, DANECID_OK},
	    {"the negated generator (p - y)", gx,
	     "b01cbd1c01e58065711814b583f061e9d431cca994cea1313449bf97c840ae0a", DANECID_OK},
	    {"(0, 0)", "0000000000000000000000000000000000000000000000000000000000000000",
	     "0000000000000000000000000000000000000000000000000000000000000000",
	     DANECID_ERR_CRYPTO},
	    {"secp256k1's generator",
	     "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
	     "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8",
	     DANECID_ERR_CRYPTO},
	    {"x = p", p_hex, gy, DANECID_ERR_CRYPTO},
	    {"y = p", gx, p_hex, DANECID_ERR_CRYPTO},
	    {"y off by one", gx, "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f6",
	     DANECID_ERR_CRYPTO},
	    {"x and y swapped", gy, gx, DANECID_ERR_CRYPTO},
	};
	size_t i, rejected = 0;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char hex[sizeof(prefix) + 128];
		danecid_es256_key *key;

		snprintf(hex, sizeof(hex), "%s%s%s", prefix, rows[i].x, rows[i].y);
		print_message("# %s\n", rows[i].what);
		key = key_hex(hex, rows[i].expect);
		rejected += key == NULL;
		danecid_es256_key_free(key);
	}
	printf("# figure invalid-curve-keys: %zu of %zu off-curve or out-of-range points rejected, "
	       "2 real points accepted\n",
	       rejected, sizeof(rows) / sizeof(rows[0]) - 2);
}

static void spki_compressed_and_export(void **state)
{
	danecid_es256_key *priv = key_pem(key_sec1_pem, DANECID_OK);
	danecid_es256_key *comp = key_hex(spki_compressed_hex, DANECID_OK);
	size_t len, outlen = 1;
	uint8_t *der = unhex(spki_hex, &len);
	uint8_t *out = NULL, sig[64];

	assert_int_equal(danecid_es256_sign(priv, msg, sizeof(msg) - 1, sig), DANECID_OK);
	assert_int_equal(danecid_es256_verify(comp, msg, sizeof(msg) - 1, sig, 64), 1);
	/* the SPKI of a private key is its public half, uncompressed */
	assert_int_equal(danecid_es256_key_spki(priv, &out, &outlen), DANECID_OK);
	assert_int_equal(outlen, len);
	assert_memory_equal(out, der, len);
	free(out);
	danecid_es256_key_free(comp);
	danecid_es256_key_free(priv);
	free(der);
}

static void pem_keys(void **state)
{
	danecid_es256_key *k;
	size_t len, outlen;
	uint8_t *der = unhex(spki_hex, &len), *out;

	k = key_pem(key_sec1_pem, DANECID_OK);
	assert_int_equal(danecid_es256_key_is_private(k), 1);
	danecid_es256_key_free(k);

	k = key_pem(key_pkcs8_pem, DANECID_OK);
	assert_int_equal(danecid_es256_key_is_private(k), 1);
	assert_int_equal(danecid_es256_key_spki(k, &out, &outlen), DANECID_OK);
	assert_int_equal(outlen, len);
	assert_memory_equal(out, der, len);
	free(out);
	danecid_es256_key_free(k);

	k = key_pem(key_pub_pem, DANECID_OK);
	assert_int_equal(danecid_es256_key_is_private(k), 0);
	assert_int_equal(danecid_es256_key_spki(k, &out, &outlen), DANECID_OK);
	assert_int_equal(outlen, len);
	assert_memory_equal(out, der, len);
	free(out);
	danecid_es256_key_free(k);

	k = key_pem(key_with_params_pem, DANECID_OK);
	assert_int_equal(danecid_es256_key_is_private(k), 1);
	danecid_es256_key_free(k);

	assert_null(key_pem(key_encrypted_pem, DANECID_ERR_UNSUPPORTED));
	assert_null(key_pem(key_legacy_encrypted_pem, DANECID_ERR_UNSUPPORTED));
	assert_null(key_pem(key_p384_pem, DANECID_ERR_UNSUPPORTED));
	assert_null(key_pem("not a key\n", DANECID_ERR_CRYPTO));
	assert_null(key_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
	                    DANECID_ERR_CRYPTO));
	assert_int_equal(danecid_es256_key_is_private(NULL), 0);
	danecid_es256_key_free(NULL);
	free(der);
}

static void public_key_cannot_sign(void **state)
{
	danecid_es256_key *pub = key_pem(key_pub_pem, DANECID_OK);
	uint8_t sig[64], before[64];

	memset(sig, 0xa5, sizeof(sig));
	memcpy(before, sig, sizeof(sig));
	assert_int_equal(danecid_es256_sign(pub, msg, sizeof(msg) - 1, sig), DANECID_ERR_INVAL);
	assert_memory_equal(sig, before, sizeof(sig));
	assert_int_equal(danecid_es256_sign(NULL, msg, sizeof(msg) - 1, sig), DANECID_ERR_INVAL);
	danecid_es256_key_free(pub);
}

static void key_load_file(void **state)
{
	char path[] = "/tmp/test_es256_XXXXXX";
	int fd = mkstemp(path);
	danecid_es256_key *k = (danecid_es256_key *)(uintptr_t)1;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, key_pkcs8_pem, strlen(key_pkcs8_pem)),
	                 (ssize_t)strlen(key_pkcs8_pem));
	assert_int_equal(close(fd), 0);
	assert_int_equal(danecid_es256_key_load(path, &k), DANECID_OK);
	assert_int_equal(danecid_es256_key_is_private(k), 1);
	danecid_es256_key_free(k);
	assert_int_equal(unlink(path), 0);

	k = (danecid_es256_key *)(uintptr_t)1;
	assert_int_equal(danecid_es256_key_load(path, &k), DANECID_ERR_IO);
	assert_null(k);

	/* a file of 64 KiB or more is not a key */
	{
		char *big = malloc(65536);
		FILE *f;

		assert_non_null(big);
		memset(big, '\n', 65536);
		memcpy(big, key_pkcs8_pem, strlen(key_pkcs8_pem));
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(big, 1, 65536, f), 65536);
		assert_int_equal(fclose(f), 0);
		k = (danecid_es256_key *)(uintptr_t)1;
		assert_int_equal(danecid_es256_key_load(path, &k), DANECID_ERR_TOO_LONG);
		assert_null(k);
		/* one byte less is read and parsed */
		assert_int_equal(truncate(path, 65535), 0);
		assert_int_equal(danecid_es256_key_load(path, &k), DANECID_OK);
		danecid_es256_key_free(k);
		assert_int_equal(unlink(path), 0);
		free(big);
	}
}

static void hashes(void **state)
{
	uint8_t out256[32], out512[64];
	size_t len;
	uint8_t *want;

	danecid_sha256((const uint8_t *)"abc", 3, out256);
	want = unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", &len);
	assert_memory_equal(out256, want, 32);
	free(want);
	danecid_sha256(NULL, 0, out256);
	want = unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", &len);
	assert_memory_equal(out256, want, 32);
	free(want);
	danecid_sha512((const uint8_t *)"abc", 3, out512);
	want = unhex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	             "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
	             &len);
	assert_memory_equal(out512, want, 64);
	free(want);
}

struct thread_arg {
	const danecid_es256_key *key;
	const uint8_t *sig;
	int ok;
};

static void *verify_many(void *p)
{
	struct thread_arg *a = p;

	a->ok = 0;
	for (int i = 0; i < 50; i++) {
		a->ok += danecid_es256_verify(a->key, msg, sizeof(msg) - 1, a->sig, 64) == 1;
	}
	return NULL;
}

/* One key, read-only, from several threads at once. */
static void shared_key_threads(void **state)
{
	danecid_es256_key *priv = key_pem(key_sec1_pem, DANECID_OK);
	danecid_es256_key *pub = key_hex(spki_hex, DANECID_OK);
	uint8_t sig[64];
	pthread_t th[4];
	struct thread_arg args[4];

	assert_int_equal(danecid_es256_sign(priv, msg, sizeof(msg) - 1, sig), DANECID_OK);
	for (int i = 0; i < 4; i++) {
		args[i].key = pub;
		args[i].sig = sig;
		assert_int_equal(pthread_create(&th[i], NULL, verify_many, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(args[i].ok, 50);
	}
	danecid_es256_key_free(priv);
	danecid_es256_key_free(pub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(wycheproof_p1363),
	    cmocka_unit_test(wycheproof_der),
	    cmocka_unit_test(sign_verify_roundtrip),
	    cmocka_unit_test(scalar_ranges),
	    cmocka_unit_test(signature_lengths),
	    cmocka_unit_test(spki_rejects),
	    cmocka_unit_test(invalid_curve_points),
	    cmocka_unit_test(spki_compressed_and_export),
	    cmocka_unit_test(pem_keys),
	    cmocka_unit_test(public_key_cannot_sign),
	    cmocka_unit_test(key_load_file),
	    cmocka_unit_test(hashes),
	    cmocka_unit_test(shared_key_threads),
	};

	return cmocka_run_group_tests_name("es256", tests, NULL, NULL);
}
