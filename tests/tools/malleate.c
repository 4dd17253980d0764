/* malleate — the other valid signature of a PASSporT: (r, s) → (r, n − s) (tests only).
 *
 *   malleate IDENTITY-VALUE
 *
 * Prints the Identity header value with its JWS signature replaced by (r, n − s), which
 * verifies under the same key over the same signed content: a replay that changes the
 * signature bytes. Exit status: 0 printed, 1 the value holds no 64-byte ES256 signature.
 */
#include <openssl/bn.h>
#include <stdio.h>
#include <string.h>

#include "danecid/danecid.h"
#include "passport.h"

/* The order n of the P-256 group. */
static const char order_hex[] = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

int main(int argc, char **argv)
{
	const char *v, *end, *dot;
	uint8_t sig[64 + 3];
	char enc[(64 * 4 + 2) / 3 + 1];
	size_t len = 0;
	BIGNUM *n = NULL, *s = NULL;
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: malleate IDENTITY-VALUE\n");
		return 2;
	}
	v = argv[1];
	end = strchr(v, ';');
	if (end == NULL) {
		end = v + strlen(v);
	}
	for (dot = end; dot > v && dot[-1] != '.'; dot--) {
	}
	if (dot == v || (size_t)(end - dot) > 90 ||
	    danecid_b64url_decode(dot, (size_t)(end - dot), sig, &len) != DANECID_OK || len != 64) {
		fprintf(stderr, "malleate: no 64-byte signature in the value\n");
		return 1;
	}
	if (BN_hex2bn(&n, order_hex) == 0 || (s = BN_bin2bn(sig + 32, 32, NULL)) == NULL ||
	    BN_sub(s, n, s) == 0 || BN_is_negative(s) || BN_bn2binpad(s, sig + 32, 32) != 32) {
		fprintf(stderr, "malleate: s is not below the group order\n");
		goto out;
	}
	danecid_b64url_encode(sig, 64, enc);
	printf("%.*s%s%s\n", (int)(dot - v), v, enc, end);
	rc = 0;
out:
	BN_free(n);
	BN_free(s);
	return rc;
}
