/* verify — the verification context and the pipeline from a SIP request to a verdict.
 *
 * Outline of operations for one request (SPEC §1–6):
 *  1. Parse the request (sip.c). Not SIP → an error (the CLI exits 65).
 *  2. The calling TN: the first P-Asserted-Identity if present, else From
 *     (tn.c). Not a TN → No-TN-Validation / not-a-tn. The called TN: To,
 *     else the Request-URI.
 *  3. No Identity header: walk the tree for the caller's node anyway, so that a
 *     revoked number fails and a `require` number gets 428; else no-identity.
 *  4. Each Identity header is evaluated on its own; the call passes if one
 *     passes, else the first failure (or, without one, the first could-not-
 *     decide) is reported. For one header, in order: Identity parameters,
 *     strict PASSporT parse, freshness, orig/dest binding, the prefix walk
 *     (DNSSEC-validated TLSA/TXT, judged by policy.c), revocation, the
 *     signature under the node's pinned keys, the node's attest/ppt policy,
 *     and last the replay check, so that only genuine PASSporTs enter the
 *     replay cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <danecid/danecid.h>

#include "dane.h"
#include "dns.h"
#include "enumname.h"
#include "es256.h"
#include "passport.h"
#include "policy.h"
#include "replay.h"
#include "sip.h"
#include "tn.h"

#define DEFAULT_UPSTREAM "127.0.0.1@53"

struct danecid_ctx {
	char apex[DANECID_ENUM_NAME_MAX];
	char methods[8];
	bool assume_global;
	unsigned min_prefix;
	unsigned freshness;
	unsigned future_skew;
	danecid_dns *dns;
	danecid_replay *replay;
	bool attached; /* to an event base: only the asynchronous calls */
};

/* What the walk found for a calling TN. */
struct walk {
	enum danecid_step step;     /* DECIDE, STOP, or NEXT (= nothing registered) */
	enum danecid_reason reason; /* for STOP */
	enum danecid_dnssec dnssec;
	size_t prefix_len;
	struct danecid_rrset tlsa; /* of the deciding node */
	struct danecid_node_policy pol;
	bool require; /* a `require` on the deciding node or any longer prefix */
	char detail[DANECID_ENUM_NAME_MAX + 48];
};

static int ctx_create(const struct danecid_config *cfg, danecid_ctx *share, danecid_ctx **out,
                      char *errbuf, size_t errlen)
{
	danecid_ctx *ctx = NULL;
	struct danecid_dns_opts opts;
	int r = DANECID_ERR_INTERNAL;

	*out = NULL;
	if (cfg->apex == NULL) {
		snprintf(errbuf, errlen, "no apex configured (--apex NAME or \"apex:\")");
		return DANECID_ERR_CONFIG;
	}
	if (cfg->trust_anchor == NULL) {
		snprintf(errbuf, errlen,
		         "no trust anchor configured (--trust-anchor FILE or \"trust-anchor:\")");
		return DANECID_ERR_CONFIG;
	}
	for (size_t i = 0; i < sizeof(cfg->methods) && cfg->methods[i] != 0; i++) {
		if (cfg->methods[i] != DANECID_METHODS_DANE) {
			snprintf(errbuf, errlen,
			         "method x509 is not available in this version; use methods: dane");
			return DANECID_ERR_CONFIG;
		}
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		return DANECID_ERR_NOMEM;
	}
	r = danecid_apex_normalize(cfg->apex, strlen(cfg->apex), ctx->apex, sizeof(ctx->apex));
	if (r != DANECID_OK) {
		snprintf(errbuf, errlen, "bad apex \"%s\"", cfg->apex);
		r = DANECID_ERR_CONFIG;
		goto out;
	}
	memcpy(ctx->methods, cfg->methods, sizeof(ctx->methods));
	ctx->assume_global = cfg->assume_global;
	ctx->min_prefix = cfg->min_prefix > 0 ? cfg->min_prefix : 1;
	ctx->freshness = cfg->freshness;
	ctx->future_skew = cfg->future_skew;
	opts.upstream = cfg->upstream != NULL ? cfg->upstream : DEFAULT_UPSTREAM;
	opts.anchor_file = cfg->trust_anchor;
	opts.timeout_ms = cfg->timeout_ms;
	r = danecid_dns_new(&opts, &ctx->dns, errbuf, errlen);
	if (r != DANECID_OK) {
		goto out;
	}
	if (share != NULL) {
		ctx->replay = danecid_replay_ref(share->replay);
	} else {
		r = danecid_replay_new(0, &ctx->replay);
		if (r != DANECID_OK) {
			goto out;
		}
	}
	danecid_sip_init();
	*out = ctx;
	ctx = NULL;
	r = DANECID_OK;
out:
	danecid_ctx_free(ctx);
	return r;
}

int danecid_ctx_new(const struct danecid_config *cfg, danecid_ctx **out, char *errbuf,
                    size_t errlen)
{
	return ctx_create(cfg, NULL, out, errbuf, errlen);
}

int danecid_ctx_new_shared(const struct danecid_config *cfg, danecid_ctx *share, danecid_ctx **out,
                           char *errbuf, size_t errlen)
{
	if (share == NULL) {
		*out = NULL;
		return DANECID_ERR_INVAL;
	}
	return ctx_create(cfg, share, out, errbuf, errlen);
}

uint64_t danecid_ctx_dns_questions(const danecid_ctx *ctx)
{
	return danecid_dns_questions(ctx->dns);
}

size_t danecid_ctx_replay_entries(const danecid_ctx *ctx)
{
	return danecid_replay_count(ctx->replay);
}

void danecid_ctx_free(danecid_ctx *ctx)
{
	if (ctx == NULL) {
		return;
	}
	danecid_dns_free(ctx->dns);
	danecid_replay_free(ctx->replay);
	free(ctx);
}

/* Merge the v=stir1 TXT records of a SECURE, non-wildcard answer into one policy. */
static void txt_policy(const struct danecid_rrset *txt, struct danecid_node_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	if (txt->sec != DANECID_DNSSEC_SECURE || txt->kind != DANECID_DNS_DATA || txt->wildcard) {
		return;
	}
	for (size_t i = 0; i < txt->n; i++) {
		char s[1024];
		struct danecid_node_policy one;

		if (danecid_txt_rdata(txt->rr[i].data, txt->rr[i].len, s, sizeof(s)) !=
		    DANECID_OK) {
			continue; /* not a readable TXT string: absent */
		}
		/* A v=stir1 record with a bad value still counts, failing closed (policy.h). */
		(void)danecid_policy_parse_txt(s, strlen(s), &one);
		if (!one.present) {
			continue; /* another TXT record */
		}
		pol->present = true;
		pol->deny |= one.deny;
		pol->require |= one.require;
		if (one.attest_set) {
			pol->attest = pol->attest_set ? (pol->attest & one.attest) : one.attest;
			pol->attest_set = true;
		}
		if (one.ppt_set) {
			pol->ppt = pol->ppt_set ? (pol->ppt & one.ppt) : one.ppt;
			pol->ppt_set = true;
		}
	}
}

static void walk_clear(struct walk *w)
{
	danecid_rrset_clear(&w->tlsa);
}

/* One call: who calls whom, in which dialog, and the walk for the caller (done once). */
struct call {
	const struct danecid_tn *orig;
	const struct danecid_tn *dests; /* the called numbers; NULL when none is a TN */
	size_t n_dests;
	const char *dialog; /* replay dialog (Call-ID); NULL: every request is its own dialog */
	struct walk w;
	int walk_err; /* the walk could not be done (DANECID_OK when it was) */
};

/* 0 < r < n and 0 < s < n for the P-256 group order n. */
static bool sig_in_range(const uint8_t sig[64])
{
	static const uint8_t n[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	                              0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                              0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	                              0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
	static const uint8_t zero[32] = {0};

	for (int half = 0; half < 2; half++) {
		const uint8_t *v = sig + half * 32;

		if (memcmp(v, zero, 32) == 0 || memcmp(v, n, 32) >= 0) {
			return false;
		}
	}
	return true;
}

/* Whether the signature verifies under one of the node's pinned keys. */
static int authorized(const struct walk *w, const struct danecid_passport *pp, int *hash_only)
{
	*hash_only = 0;
	for (size_t i = 0; i < w->tlsa.n; i++) {
		struct danecid_tlsa t;
		danecid_es256_key *key = NULL;
		int ok;

		if (danecid_tlsa_parse(w->tlsa.rr[i].data, w->tlsa.rr[i].len, &t) != DANECID_OK ||
		    !danecid_tlsa_usable(&t)) {
			continue;
		}
		if (!danecid_tlsa_has_key(&t)) {
			(*hash_only)++;
			continue;
		}
		if (danecid_es256_key_from_spki(t.data, t.len, &key) != DANECID_OK) {
			continue; /* not a P-256 key: cannot have signed an ES256 PASSporT */
		}
		ok = danecid_passport_verify_sig(pp, key);
		danecid_es256_key_free(key);
		if (ok < 0) {
			return ok;
		}
		if (ok == 1) {
			return 1;
		}
	}
	return 0;
}

static void set_prefix(struct danecid_verdict *v, const struct danecid_tn *tn, size_t len)
{
	memcpy(v->prefix, tn->digits, len);
	v->prefix[len] = '\0';
}

/* A verdict from a walk that did not decide (STOP or nothing registered). */
static void walk_verdict(const struct walk *w, const struct danecid_tn *orig,
                         struct danecid_verdict *v)
{
	v->dnssec = w->dnssec;
	if (w->step == DANECID_STEP_STOP) {
		danecid_verdict_set(v, w->reason, "%s", w->detail);
	} else {
		danecid_verdict_set(v, DANECID_R_NUMBER_NOT_REGISTERED,
		                    "no node for +%s or any prefix of it is published",
		                    orig->digits);
	}
}

/* The checks of one Identity header that need no DNS. On DANECID_OK, either v holds the
 * verdict (*ppp stays NULL) or *ppp receives the parsed PASSporT that awaits the walk. */
static int pre_identity(danecid_ctx *ctx, const struct call *c, const struct danecid_identity *id,
                        time_t now, struct danecid_verdict *v, struct danecid_passport **ppp)
{
	const struct danecid_tn *orig = c->orig;
	struct danecid_passport *pp = NULL;
	enum danecid_reason why = DANECID_R_IDENTITY_MALFORMED;
	char err[200] = "";
	int r = DANECID_ERR_INTERNAL;

	if (id->alg != NULL && strcmp(id->alg, "ES256") != 0) {
		danecid_verdict_set(v, DANECID_R_ALG_UNSUPPORTED,
		                    "Identity alg=%.32s, only ES256 is supported", id->alg);
		r = DANECID_OK;
		goto out;
	}
	r = danecid_passport_parse(id->jws, id->jws_len, &pp, &why, err, sizeof(err));
	if (r == DANECID_ERR_NOMEM) {
		goto out;
	}
	if (r != DANECID_OK) {
		danecid_verdict_set(v, why, "PASSporT: %s", err);
		r = DANECID_OK;
		goto out;
	}
	{
		const char *want = danecid_ppt_name(pp->ppt);

		if ((want == NULL) != (id->ppt == NULL) ||
		    (want != NULL && strcmp(want, id->ppt) != 0)) {
			danecid_verdict_set(v, DANECID_R_IDENTITY_MALFORMED,
			                    "Identity ppt=%.16s does not match the PASSporT ppt %s",
			                    id->ppt != NULL ? id->ppt : "(absent)",
			                    want != NULL ? want : "(absent)");
			goto out;
		}
	}
	v->attest = pp->attest;
	v->n_dest = 0;
	for (size_t i = 0; i < pp->n_dest && i < DANECID_DEST_MAX; i++) {
		memcpy(v->dest[v->n_dest++], pp->dest[i].digits, pp->dest[i].len + 1);
	}
	if (danecid_passport_check_time(pp, now, ctx->freshness, ctx->future_skew) !=
	    DANECID_R_OK) {
		danecid_verdict_set(v, DANECID_R_STALE,
		                    "iat %lld is %lld s from now (allowed: %u s old, %u s ahead)",
		                    (long long)pp->iat, (long long)(pp->iat - (int64_t)now),
		                    ctx->freshness, ctx->future_skew);
		goto out;
	}
	if (c->n_dests == 0) {
		danecid_verdict_set(v, DANECID_R_DEST_MISMATCH,
		                    "the called party is not a telephone number");
		goto out;
	}
	for (size_t i = 0; i < c->n_dests; i++) {
		why = danecid_passport_check_binding(pp, orig, &c->dests[i]);
		if (why == DANECID_R_ORIG_MISMATCH) {
			danecid_verdict_set(v, why, "PASSporT orig %s, call from %s",
			                    pp->orig.digits, orig->digits);
			goto out;
		}
		if (why != DANECID_R_OK) {
			danecid_verdict_set(v, why,
			                    "call to %s is not among the PASSporT dest numbers",
			                    c->dests[i].digits);
			goto out;
		}
	}
	*ppp = pp; /* to the walk */
	pp = NULL;
	r = DANECID_OK;
out:
	danecid_passport_free(pp);
	return r;
}

/* The checks of one Identity header that use the walk's result. */
static int post_identity(danecid_ctx *ctx, const struct call *c, struct danecid_passport *pp,
                         time_t now, struct danecid_verdict *v)
{
	const struct danecid_tn *orig = c->orig;
	const struct walk *w = &c->w;
	int hash_only = 0;
	int r = DANECID_OK;
	int ok;

	v->method = DANECID_METHOD_DANE;
	if (c->walk_err != DANECID_OK) {
		r = c->walk_err;
		goto out;
	}
	v->dnssec = w->dnssec;
	if (w->step != DANECID_STEP_DECIDE) {
		walk_verdict(w, orig, v);
		goto out;
	}
	set_prefix(v, orig, w->prefix_len);
	if (w->pol.deny) {
		danecid_verdict_set(v, DANECID_R_NUMBER_REVOKED, "revoked by %s", w->detail);
		goto out;
	}
	if (!sig_in_range(pp->sig)) {
		danecid_verdict_set(v, DANECID_R_SIGNATURE_INVALID,
		                    "signature r or s is out of range (0 or >= n)");
		goto out;
	}
	ok = authorized(w, pp, &hash_only);
	if (ok < 0) {
		r = ok;
		goto out;
	}
	if (ok == 0) {
		danecid_verdict_set(
		    v, DANECID_R_KEY_NOT_AUTHORIZED,
		    "signature verifies under none of the %zu key(s) at %s%s", w->tlsa.n, w->detail,
		    hash_only > 0 ? " (digest-only records need the x5u certificate)" : "");
		goto out;
	}
	if (w->pol.attest_set) {
		unsigned bit = pp->attest == 'A'   ? DANECID_ATTEST_A
		               : pp->attest == 'B' ? DANECID_ATTEST_B
		               : pp->attest == 'C' ? DANECID_ATTEST_C
		                                   : 0;

		if ((w->pol.attest & bit) == 0) {
			danecid_verdict_set(v, DANECID_R_ATTEST_NOT_ALLOWED,
			                    "attestation %c is not allowed by %s",
			                    pp->attest != 0 ? pp->attest : '-', w->detail);
			goto out;
		}
	}
	if (w->pol.ppt_set) {
		unsigned bit = pp->ppt == DANECID_PPT_SHAKEN ? DANECID_PPTBIT_SHAKEN
		               : pp->ppt == DANECID_PPT_DIV  ? DANECID_PPTBIT_DIV
		                                             : DANECID_PPTBIT_BASE;

		if ((w->pol.ppt & bit) == 0) {
			danecid_verdict_set(
			    v, DANECID_R_PPT_NOT_ALLOWED, "PASSporT type %s is not allowed by %s",
			    danecid_ppt_name(pp->ppt) != NULL ? danecid_ppt_name(pp->ppt) : "base",
			    w->detail);
			goto out;
		}
	}
	ok = danecid_replay_check(ctx->replay, pp->replay_key, c->dialog,
	                          c->dialog != NULL ? strlen(c->dialog) : 0, now,
	                          (time_t)pp->iat + (time_t)ctx->freshness);
	if (ok < 0) {
		r = ok;
		goto out;
	}
	if (ok == 1) {
		danecid_verdict_set(v, DANECID_R_REPLAY,
		                    "this PASSporT was already seen in another dialog");
		goto out;
	}
	danecid_verdict_set(v, DANECID_R_OK, "signed by a key published at %s", w->detail);
	r = DANECID_OK;
out:
	if (r == DANECID_OK && v->reason != DANECID_R_OK && v->verstat == DANECID_VERSTAT_PASSED) {
		r = DANECID_ERR_INTERNAL; /* never let a failure read as a pass */
	}
	return r;
}

/* An unsigned call: revoked or `require` numbers fail, others cannot be decided. */
static int eval_unsigned(const struct call *c, struct danecid_verdict *v)
{
	const struct walk *w = &c->w;

	if (c->walk_err != DANECID_OK) {
		return c->walk_err;
	}
	v->dnssec = w->dnssec;
	v->method = DANECID_METHOD_DANE;
	if (w->step == DANECID_STEP_DECIDE) {
		set_prefix(v, c->orig, w->prefix_len);
	}
	if (w->step == DANECID_STEP_STOP && w->reason == DANECID_R_DNSSEC_BOGUS) {
		danecid_verdict_set(v, DANECID_R_DNSSEC_BOGUS, "unsigned call; %s", w->detail);
	} else if (w->step == DANECID_STEP_DECIDE && w->pol.deny) {
		danecid_verdict_set(v, DANECID_R_NUMBER_REVOKED, "unsigned call; revoked by %s",
		                    w->detail);
	} else if (w->require) {
		danecid_verdict_set(v, DANECID_R_IDENTITY_REQUIRED,
		                    "unsigned call from a number whose holder requires a PASSporT "
		                    "(%s)",
		                    w->detail);
	} else {
		danecid_verdict_set(v, DANECID_R_NO_IDENTITY, "the request has no Identity header");
	}
	return DANECID_OK;
}

/* Rank for picking the verdict of a call with several Identity headers. */
static int rank(const struct danecid_verdict *v)
{
	switch (v->verstat) {
	case DANECID_VERSTAT_PASSED:
		return 3;
	case DANECID_VERSTAT_FAILED:
		return 2;
	default:
		return 1;
	}
}

static void fail_closed(struct danecid_verdict *v, int err)
{
	v->method = DANECID_METHOD_NONE;
	danecid_verdict_set(v, DANECID_R_DNS_UNAVAILABLE, "could not decide: %s",
	                    danecid_strerror(err));
}

/* ---- one verification: prepare, walk (asynchronously when the context is attached to an
 * event base), finish ---- */

struct vjob {
	danecid_ctx *ctx;
	time_t now;
	danecid_verify_cb cb;
	void *arg;
	int err; /* what the callback is told: DANECID_OK or why the input is not a request */
	struct danecid_sip_req *req; /* SIP input (owns the identities then) */
	char *dialog;                /* parts input: a copy of the request's dialog */
	struct danecid_identity own_ids[DANECID_IDENTITY_MAX]; /* parts input */
	bool owned[DANECID_IDENTITY_MAX];
	const struct danecid_identity *ids;
	size_t n_ids;
	struct danecid_tn orig;
	struct danecid_tn dests[DANECID_DEST_MAX];
	struct call c;
	struct danecid_passport *pp[DANECID_IDENTITY_MAX]; /* awaiting the walk */
	struct danecid_verdict v[DANECID_IDENTITY_MAX];
	struct danecid_verdict out;
	size_t len;                       /* the walk's current prefix length */
	char name[DANECID_ENUM_NAME_MAX]; /* its owner name */
	struct danecid_rrset tlsa;        /* the walk's TLSA answer at that prefix */
};

static void vjob_free(struct vjob *vj)
{
	for (size_t i = 0; i < DANECID_IDENTITY_MAX; i++) {
		danecid_passport_free(vj->pp[i]);
		if (vj->owned[i]) {
			danecid_identity_clear(&vj->own_ids[i]);
		}
	}
	danecid_rrset_clear(&vj->tlsa);
	walk_clear(&vj->c.w);
	danecid_sip_req_free(vj->req);
	free(vj->dialog);
	free(vj);
}

static void verdict_init(struct danecid_verdict *out)
{
	memset(out, 0, sizeof(*out));
	danecid_verdict_set(out, DANECID_R_NO_IDENTITY, "not verified");
}

/* After the walk (or without one): the verdict of the call, then the callback. */
static void vjob_finish(struct vjob *vj)
{
	int r;

	if (vj->err == DANECID_OK && vj->c.orig != NULL) {
		if (vj->n_ids == 0) {
			r = eval_unsigned(&vj->c, &vj->out);
			if (r != DANECID_OK) {
				fail_closed(&vj->out, r);
			}
		}
		for (size_t i = 0; i < vj->n_ids; i++) {
			struct danecid_verdict *v = &vj->v[i];

			if (vj->pp[i] != NULL) {
				r = post_identity(vj->ctx, &vj->c, vj->pp[i], vj->now, v);
				if (r == DANECID_OK && v->reason != DANECID_R_OK &&
				    v->verstat == DANECID_VERSTAT_PASSED) {
					r = DANECID_ERR_INTERNAL; /* never let a failure read as a
					                             pass */
				}
				if (r != DANECID_OK) {
					fail_closed(v, r);
				}
			}
			if (i == 0 || rank(v) > rank(&vj->out)) {
				vj->out = *v;
			}
			if (vj->out.verstat == DANECID_VERSTAT_PASSED) {
				break; /* later headers are not looked at (nor entered as replays)
				        */
			}
		}
	}
	vj->cb(vj->err, &vj->out, vj->arg);
	vjob_free(vj);
}

static void walk_next(struct vjob *vj);

static void walk_done(struct vjob *vj, int err)
{
	danecid_rrset_clear(&vj->tlsa);
	vj->c.walk_err = err;
	vjob_finish(vj);
}

/* Both answers for one prefix are in: judge them (policy.c). */
static void walk_judge(struct vjob *vj, struct danecid_rrset *txt)
{
	struct walk *w = &vj->c.w;
	struct danecid_node_facts f;
	enum danecid_reason reason = DANECID_R_OK;
	enum danecid_dnssec sec = DANECID_DNSSEC_NONE;
	enum danecid_step step;

	f.tlsa = &vj->tlsa;
	f.txt = txt;
	txt_policy(txt, &f.pol);
	step = danecid_policy_step(&f, &reason, &sec);
	danecid_rrset_clear(txt);
	w->dnssec = sec;
	if (step == DANECID_STEP_NEXT) {
		w->require |= f.pol.require;
		danecid_rrset_clear(&vj->tlsa);
		vj->len--;
		walk_next(vj);
		return;
	}
	w->step = step;
	w->prefix_len = vj->len;
	if (step == DANECID_STEP_STOP) {
		w->reason = reason;
		snprintf(w->detail, sizeof(w->detail), "%s answer for %s",
		         sec == DANECID_DNSSEC_BOGUS      ? "bogus"
		         : sec == DANECID_DNSSEC_INSECURE ? "insecure (no chain of trust)"
		                                          : "no",
		         vj->name);
		walk_done(vj, DANECID_OK);
		return;
	}
	w->pol = f.pol;
	w->require |= f.pol.require;
	w->tlsa = vj->tlsa; /* ownership moves to the walk */
	memset(&vj->tlsa, 0, sizeof(vj->tlsa));
	snprintf(w->detail, sizeof(w->detail), "%s", vj->name);
	walk_done(vj, DANECID_OK);
}

static void on_txt(int err, struct danecid_rrset *rs, void *arg)
{
	struct vjob *vj = arg;

	if (err != DANECID_OK) {
		danecid_rrset_clear(rs);
		walk_done(vj, err);
		return;
	}
	walk_judge(vj, rs);
}

static void on_tlsa(int err, struct danecid_rrset *rs, void *arg)
{
	struct vjob *vj = arg;
	struct danecid_rrset txt;
	int r;

	if (err != DANECID_OK) {
		danecid_rrset_clear(rs);
		walk_done(vj, err);
		return;
	}
	vj->tlsa = *rs; /* moved */
	if ((vj->tlsa.kind == DANECID_DNS_NXDOMAIN && vj->tlsa.sec == DANECID_DNSSEC_SECURE) ||
	    vj->tlsa.kind == DANECID_DNS_FAIL) {
		/* The name does not exist, or the server does not answer: the TXT question would
		 * tell nothing more. */
		memset(&txt, 0, sizeof(txt));
		txt.kind = vj->tlsa.kind;
		txt.sec = vj->tlsa.sec;
		walk_judge(vj, &txt);
		return;
	}
	r = danecid_dns_lookup(vj->ctx->dns, vj->name, DANECID_RR_TXT, on_txt, vj);
	if (r != DANECID_OK) {
		walk_done(vj, r);
	}
}

/* SPEC §3: longest prefix first, one prefix at a time. */
static void walk_next(struct vjob *vj)
{
	int r;

	if (vj->len < vj->ctx->min_prefix || vj->len == 0) {
		walk_done(vj, DANECID_OK); /* every prefix securely denied: not registered */
		return;
	}
	r = danecid_enum_name(vj->orig.digits, vj->len, vj->ctx->apex, vj->name, sizeof(vj->name));
	if (r == DANECID_OK) {
		r = danecid_dns_lookup(vj->ctx->dns, vj->name, DANECID_RR_TLSA, on_tlsa, vj);
	}
	if (r != DANECID_OK) {
		walk_done(vj, r);
	}
}

/* The checks without DNS for every Identity header; then the walk if any needs it. */
static void vjob_run(struct vjob *vj)
{
	bool need_walk = vj->n_ids == 0;
	int r;

	vj->c.orig = &vj->orig;
	vj->c.w.step = DANECID_STEP_NEXT;
	vj->c.w.dnssec = DANECID_DNSSEC_SECURE;
	for (size_t i = 0; i < vj->n_ids; i++) {
		vj->v[i] = vj->out;
		r = pre_identity(vj->ctx, &vj->c, &vj->ids[i], vj->now, &vj->v[i], &vj->pp[i]);
		if (r != DANECID_OK) {
			fail_closed(&vj->v[i], r);
		}
		need_walk |= vj->pp[i] != NULL;
	}
	if (!need_walk) {
		vjob_finish(vj);
		return;
	}
	vj->len = vj->orig.len;
	walk_next(vj);
}

static struct vjob *vjob_new(danecid_ctx *ctx, time_t now, danecid_verify_cb cb, void *arg)
{
	struct vjob *vj = calloc(1, sizeof(*vj));

	if (vj == NULL) {
		return NULL;
	}
	vj->ctx = ctx;
	vj->now = now;
	vj->cb = cb;
	vj->arg = arg;
	verdict_init(&vj->out);
	return vj;
}

int danecid_verify_async(danecid_ctx *ctx, const char *msg, size_t len, time_t now,
                         danecid_verify_cb cb, void *arg)
{
	struct vjob *vj;
	struct danecid_sip_req *req;
	const char *caller;
	char err[200] = "";
	int r;

	if (ctx == NULL || msg == NULL || cb == NULL) {
		return DANECID_ERR_INVAL;
	}
	vj = vjob_new(ctx, now, cb, arg);
	if (vj == NULL) {
		return DANECID_ERR_NOMEM;
	}
	r = danecid_sip_parse(msg, len, &vj->req, err, sizeof(err));
	if (r == DANECID_ERR_NOMEM) {
		vjob_free(vj);
		return r;
	}
	if (r != DANECID_OK) {
		danecid_verdict_set(&vj->out, DANECID_R_NO_IDENTITY, "not a SIP request: %s",
		                    err[0] != '\0' ? err : danecid_strerror(r));
		vj->err = r;
		vjob_finish(vj);
		return DANECID_OK;
	}
	req = vj->req;
	caller = req->n_pai > 0 ? req->pai[0] : req->from_uri;
	if (danecid_tn_from_uri(caller, strlen(caller), ctx->assume_global, &vj->orig) !=
	    DANECID_OK) {
		danecid_verdict_set(&vj->out, DANECID_R_NOT_A_TN,
		                    "the caller (%s) is not a global telephone number",
		                    req->n_pai > 0 ? "P-Asserted-Identity" : "From");
		vjob_finish(vj);
		return DANECID_OK;
	}
	memcpy(vj->out.orig, vj->orig.digits, vj->orig.len + 1);
	vj->c.dialog = req->call_id;
	if (danecid_tn_from_uri(req->to_uri, strlen(req->to_uri), ctx->assume_global,
	                        &vj->dests[0]) == DANECID_OK ||
	    danecid_tn_from_uri(req->ruri, strlen(req->ruri), ctx->assume_global, &vj->dests[0]) ==
	        DANECID_OK) {
		vj->c.dests = vj->dests;
		vj->c.n_dests = 1;
		memcpy(vj->out.dest[0], vj->dests[0].digits, vj->dests[0].len + 1);
		vj->out.n_dest = 1;
	}
	vj->ids = req->identity;
	vj->n_ids = req->n_identity;
	vjob_run(vj);
	return DANECID_OK;
}

int danecid_verify_request_async(danecid_ctx *ctx, const struct danecid_request *rq, time_t now,
                                 danecid_verify_cb cb, void *arg)
{
	struct vjob *vj;
	size_t n_dests = 0;
	int r;

	if (ctx == NULL || cb == NULL) {
		return DANECID_ERR_INVAL;
	}
	vj = vjob_new(ctx, now, cb, arg);
	if (vj == NULL) {
		return DANECID_ERR_NOMEM;
	}
	if (rq == NULL || rq->orig == NULL || rq->n_dest > DANECID_DEST_MAX ||
	    rq->n_identity > DANECID_IDENTITY_MAX || (rq->n_dest > 0 && rq->dest == NULL) ||
	    (rq->n_identity > 0 && rq->identity == NULL)) {
		danecid_verdict_set(&vj->out, DANECID_R_NO_IDENTITY, "not a verification request");
		vj->err = DANECID_ERR_INVAL;
		vjob_finish(vj);
		return DANECID_OK;
	}
	if (danecid_tn_canon(rq->orig, strlen(rq->orig), ctx->assume_global, &vj->orig) !=
	    DANECID_OK) {
		danecid_verdict_set(&vj->out, DANECID_R_NOT_A_TN,
		                    "the caller is not a global telephone number");
		vjob_finish(vj);
		return DANECID_OK;
	}
	memcpy(vj->out.orig, vj->orig.digits, vj->orig.len + 1);
	for (size_t i = 0; i < rq->n_dest; i++) {
		if (rq->dest[i] == NULL ||
		    danecid_tn_canon(rq->dest[i], strlen(rq->dest[i]), ctx->assume_global,
		                     &vj->dests[n_dests]) != DANECID_OK) {
			continue; /* not a TN: it cannot be bound to a PASSporT */
		}
		memcpy(vj->out.dest[vj->out.n_dest++], vj->dests[n_dests].digits,
		       vj->dests[n_dests].len + 1);
		n_dests++;
	}
	/* a called party that is not a TN fails the binding */
	vj->c.n_dests = n_dests == rq->n_dest ? n_dests : 0;
	vj->c.dests = vj->c.n_dests > 0 ? vj->dests : NULL;
	if (rq->dialog != NULL) {
		vj->dialog =
		    strdup(rq->dialog); /* the caller's strings may go before the walk ends */
		if (vj->dialog == NULL) {
			vjob_free(vj);
			return DANECID_ERR_NOMEM;
		}
	}
	vj->c.dialog = vj->dialog;
	for (size_t i = 0; i < rq->n_identity; i++) {
		const char *v = rq->identity[i] != NULL ? rq->identity[i] : "";

		r = danecid_identity_parse(v, strlen(v), &vj->own_ids[i]);
		if (r == DANECID_ERR_NOMEM) {
			vjob_free(vj);
			return r;
		}
		if (r != DANECID_OK) {
			/* kept with an empty JWS: reported as identity-malformed */
			memset(&vj->own_ids[i], 0, sizeof(vj->own_ids[i]));
			vj->own_ids[i].jws = (char *)"";
			vj->own_ids[i].raw = (char *)"";
		} else {
			vj->owned[i] = true;
		}
	}
	vj->ids = vj->own_ids;
	vj->n_ids = rq->n_identity;
	vjob_run(vj);
	return DANECID_OK;
}

/* The synchronous calls: the same machine on a context without an event base runs to its
 * end before returning. */
struct sync_out {
	struct danecid_verdict *out;
	int err;
	bool done;
};

static void sync_done(int err, const struct danecid_verdict *v, void *arg)
{
	struct sync_out *so = arg;

	*so->out = *v;
	so->err = err;
	so->done = true;
}

static int sync_result(int r, struct sync_out *so)
{
	if (r != DANECID_OK) {
		fail_closed(so->out, r);
		return DANECID_OK;
	}
	if (!so->done) {
		fail_closed(so->out, DANECID_ERR_INTERNAL);
		return DANECID_ERR_INTERNAL;
	}
	return so->err;
}

int danecid_verify(danecid_ctx *ctx, const char *msg, size_t len, time_t now,
                   struct danecid_verdict *out)
{
	struct sync_out so = {out, DANECID_OK, false};

	verdict_init(out);
	if (ctx == NULL || ctx->attached) {
		return DANECID_ERR_INVAL;
	}
	return sync_result(danecid_verify_async(ctx, msg, len, now, sync_done, &so), &so);
}

int danecid_verify_request(danecid_ctx *ctx, const struct danecid_request *rq, time_t now,
                           struct danecid_verdict *out)
{
	struct sync_out so = {out, DANECID_OK, false};

	verdict_init(out);
	if (ctx == NULL || ctx->attached) {
		return DANECID_ERR_INVAL;
	}
	return sync_result(danecid_verify_request_async(ctx, rq, now, sync_done, &so), &so);
}

int danecid_ctx_attach(danecid_ctx *ctx, struct event_base *base)
{
	int r;

	if (ctx == NULL || ctx->attached) {
		return DANECID_ERR_INVAL;
	}
	r = danecid_dns_attach(ctx->dns, base);
	if (r == DANECID_OK) {
		ctx->attached = true;
	}
	return r;
}
