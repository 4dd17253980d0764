/* common — see common.h. */
#include <string.h>

#include <danecid/danecid.h>

#include "common.h"
#include "fuzz.h"
#include "fuzz_key.h"
#include "passport.h"
#include "rcd.h"

const danecid_es256_key *fuzz_key(void)
{
	static danecid_es256_key *key;

	if (key == NULL) {
		FUZZ_CHECK(danecid_es256_key_from_pem(fuzz_key_pem, strlen(fuzz_key_pem), &key) ==
		           DANECID_OK);
	}
	return key;
}

void fuzz_check_tn(const struct danecid_tn *tn)
{
	FUZZ_CHECK(tn->len >= 1 && tn->len <= DANECID_TN_MAX);
	FUZZ_CHECK(tn->digits[tn->len] == '\0');
	for (size_t i = 0; i < tn->len; i++) {
		FUZZ_CHECK(tn->digits[i] >= '0' && tn->digits[i] <= '9');
	}
}

static bool tn_equal(const struct danecid_tn *a, const struct danecid_tn *b)
{
	return a->len == b->len && memcmp(a->digits, b->digits, a->len) == 0;
}

/* What a parsed PASSporT promises (passport.h). */
static void check_passport(const struct danecid_passport *pp, bool compact)
{
	enum danecid_ppt back;
	const char *name = danecid_ppt_name(pp->ppt);

	FUZZ_CHECK(pp->ppt == DANECID_PPT_BASE || pp->ppt == DANECID_PPT_SHAKEN ||
	           pp->ppt == DANECID_PPT_DIV || pp->ppt == DANECID_PPT_RCD);
	FUZZ_CHECK((name == NULL) == (pp->ppt == DANECID_PPT_BASE));
	if (name != NULL) {
		FUZZ_CHECK(danecid_ppt_from_name(name, strlen(name), &back) == DANECID_OK &&
		           back == pp->ppt);
	}
	fuzz_check_tn(&pp->orig);
	FUZZ_CHECK(pp->n_dest >= 1 && pp->n_dest <= DANECID_DEST_MAX);
	for (size_t i = 0; i < pp->n_dest; i++) {
		fuzz_check_tn(&pp->dest[i]);
	}
	FUZZ_CHECK(pp->attest == 0 || pp->attest == 'A' || pp->attest == 'B' || pp->attest == 'C');
	if (pp->ppt == DANECID_PPT_SHAKEN) {
		FUZZ_CHECK(pp->attest != 0 && pp->origid != NULL);
	}
	if (pp->ppt == DANECID_PPT_DIV) {
		fuzz_check_tn(&pp->div);
	} else {
		FUZZ_CHECK(pp->div.len == 0);
	}
	FUZZ_CHECK(pp->compact == compact);
	FUZZ_CHECK(pp->claims != NULL && pp->claims[pp->claims_len] == '\0');
	FUZZ_CHECK(pp->signing_input != NULL && pp->signing_input_len > 0 &&
	           memchr(pp->signing_input, '.', pp->signing_input_len) != NULL);
}

void fuzz_identity(const struct danecid_identity *id, const struct fuzz_call *c)
{
	struct danecid_passport *pp = NULL;
	struct danecid_compact_claims cc;
	enum danecid_reason why = DANECID_R_OK, rt, rb;
	enum danecid_rcd_status st = DANECID_RCD_NONE;
	char err[200], *rcd = NULL;
	bool compact;
	int r;

	FUZZ_CHECK(id->jws != NULL && strlen(id->jws) == id->jws_len);
	compact = danecid_jws_is_compact(id->jws, id->jws_len);
	if (compact && (c->orig == NULL || c->dest == NULL || !c->has_date || c->date_bad)) {
		return; /* verification stops before parsing: the claims cannot be rebuilt */
	}
	cc.orig = c->orig;
	cc.dest = c->dest;
	cc.iat = c->date;
	r = danecid_passport_parse_compact(id->jws, id->jws_len, &cc, &pp, &why, err, sizeof(err));
	if (r != DANECID_OK) {
		FUZZ_CHECK(pp == NULL);
		FUZZ_CHECK(r == DANECID_ERR_MALFORMED || r == DANECID_ERR_UNSUPPORTED ||
		           r == DANECID_ERR_TOO_LONG);
		FUZZ_CHECK(why == DANECID_R_IDENTITY_MALFORMED || why == DANECID_R_ALG_UNSUPPORTED);
		return;
	}
	check_passport(pp, compact);
	rt = danecid_passport_check_time(pp, FUZZ_NOW, 60, 5);
	FUZZ_CHECK(rt == DANECID_R_OK || rt == DANECID_R_STALE);
	FUZZ_CHECK((rt == DANECID_R_OK) ==
	           (pp->iat >= (int64_t)FUZZ_NOW - 60 && pp->iat <= (int64_t)FUZZ_NOW + 5));
	if (c->orig != NULL && c->dest != NULL) {
		bool in_dest = false;

		for (size_t i = 0; i < pp->n_dest; i++) {
			in_dest |= tn_equal(&pp->dest[i], c->dest);
		}
		rb = danecid_passport_check_binding(pp, c->orig, c->dest);
		FUZZ_CHECK(rb == (!tn_equal(&pp->orig, c->orig) ? DANECID_R_ORIG_MISMATCH
		                  : !in_dest                    ? DANECID_R_DEST_MISMATCH
		                                                : DANECID_R_OK));
	}
	r = danecid_passport_verify_sig(pp, fuzz_key());
	FUZZ_CHECK(r == 0 || r == 1);
	if (pp->has_rcd) {
		r = danecid_rcd_check(pp->claims, pp->claims_len, &st, &rcd, err, sizeof(err));
		FUZZ_CHECK(r == DANECID_OK);
		FUZZ_CHECK((rcd != NULL) == (st == DANECID_RCD_VERIFIED));
		FUZZ_CHECK(rcd == NULL || strlen(rcd) <= DANECID_RCD_JSON_MAX);
		free(rcd);
	}
	danecid_passport_free(pp);
}

void fuzz_identity_value(const char *v, size_t len, const struct fuzz_call *c)
{
	struct danecid_identity id;
	int r;

	memset(&id, 0, sizeof(id));
	r = danecid_identity_parse(v, len, &id);
	FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_MALFORMED);
	if (r == DANECID_OK) {
		fuzz_identity(&id, c);
	}
	danecid_identity_clear(&id);
}
