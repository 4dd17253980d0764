/* fuzz_identity — an Identity header value, through what verification does with it before
 * DNS.
 *
 * The value is split (danecid_identity_parse: JWS, info, alg, ppt), the PASSporT parsed
 * strictly (JWS split, base64url, the JSON header and claims; the compact form with claims
 * rebuilt from a fixed call), checked for freshness at FUZZ_NOW and binding to the call
 * +12025550100 → +12025550101 dated FUZZ_NOW, its ES256 signature verified with the seeds'
 * key, its RCD claims checked (common.c). The whole input is also parsed as a bare JWS, and
 * decoded as base64url: what decodes must encode back to the same text (canonical only).
 */
#include <stdlib.h>
#include <string.h>

#include <danecid/danecid.h>

#include "common.h"
#include "fuzz.h"
#include "passport.h"

static void b64url_roundtrip(const char *p, size_t len)
{
	uint8_t *bin = malloc(len * 3 / 4 + 1);
	char *text = NULL;
	size_t n = 0;

	FUZZ_CHECK(bin != NULL);
	if (danecid_b64url_decode(p, len, bin, &n) == DANECID_OK) {
		FUZZ_CHECK(n <= len * 3 / 4);
		text = malloc((n * 4 + 2) / 3 + 1);
		FUZZ_CHECK(text != NULL);
		danecid_b64url_encode(bin, n, text);
		FUZZ_CHECK(strlen(text) == len && memcmp(text, p, len) == 0);
		free(text);
	}
	free(bin);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct danecid_tn orig = {"12025550100", 11}, dest = {"12025550101", 11};
	const struct fuzz_call c = {&orig, &dest, true, false, (int64_t)FUZZ_NOW};
	const char *p = (const char *)data;
	struct danecid_passport *pp = NULL;
	enum danecid_reason why = DANECID_R_OK;
	char err[200];
	int r;

	fuzz_identity_value(p, size, &c);
	r = danecid_passport_parse(p, size, &pp, &why, err, sizeof(err));
	FUZZ_CHECK((r == DANECID_OK) == (pp != NULL));
	if (r == DANECID_OK) {
		FUZZ_CHECK(danecid_passport_verify_sig(pp, fuzz_key()) >= 0);
	}
	danecid_passport_free(pp);
	b64url_roundtrip(p, size);
	return 0;
}
