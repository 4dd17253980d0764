/* verify — the verification context and the pipeline from a SIP request to a verdict.
 *
 * Outline of operations for one request (SPEC §1–6; the rules with their RFC sections are in
 * docs/verification.md, in this order):
 *  1. Parse the request (sip.c). Not SIP → an error (the CLI exits 65).
 *  2. The calling TN: the first P-Asserted-Identity if present, else From
 *     (tn.c). Not a TN → No-TN-Validation / not-a-tn. The called TN: To,
 *     else the Request-URI. The Date, and the History-Info/Diversion numbers.
 *  3. Each Identity header on its own, without DNS (pre_identity): unknown ppt
 *     ignored, parameters, strict PASSporT parse (compact form rebuilt), iat and
 *     Date freshness, orig binding.
 *  4. One prefix walk per signer number (the caller; the diverting number of a
 *     div PASSporT), DNSSEC-validated TLSA/TXT judged by policy.c; then for
 *     each PASSporT (post_identity) revocation, the signature under the node's
 *     pinned keys, the node's attest/ppt policy, and its RCD claims.
 *  5. The chain of each genuine PASSporT to the called number, directly or
 *     through div PASSporTs (chain_reaches); last the replay check of each
 *     bound chain, so that only genuine PASSporTs enter the replay cache.
 *  6. The call passes if one chain passes, else the first failure (or, without
 *     one, the first could-not-decide) is its verdict. Without an evaluated
 *     Identity header the caller's walk still runs, so that a revoked number
 *     fails and a `require` number gets 428; else no-identity.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <danecid/danecid.h>

#include "certcache.h"
#include "dane.h"
#include "dns.h"
#include "dnscache.h"
#include "enumname.h"
#include "es256.h"
#include "keycache.h"
#include "passport.h"
#include "policy.h"
#include "rcd.h"
#include "replay.h"
#include "sip.h"
#include "sipdate.h"
#include "tn.h"
#include "tnauth.h"
#include "x509.h"

#define DEFAULT_UPSTREAM "127.0.0.1@53"

struct danecid_ctx {
	char apex[DANECID_ENUM_NAME_MAX];
	char methods[8];
	bool assume_global;
	unsigned min_prefix;
	unsigned freshness;
	unsigned future_skew;
	danecid_dns *dns;
	danecid_keycache *keys; /* PASSporT keys of TLSA records, parsed once (shared) */
	danecid_replay *replay;
	bool attached; /* to an event base: only the asynchronous calls */
	/* the x509 method (NULL/empty unless configured) */
	danecid_castore *cas;
	danecid_certcache *certs;
	danecid_certmbox *mbox; /* when attached */
	struct danecid_spc_map spc;
};

static bool has_method(const danecid_ctx *ctx, char m)
{
	return memchr(ctx->methods, m, sizeof(ctx->methods)) != NULL;
}

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
	char warning[192]; /* a malformed policy record met on the way */
};

/* The x5u cache, for the x509 method and for DANE digest records (TLSA 3 1 1, 3 1 2): shared
 * with the context a reloaded configuration replaces, when its fetch settings are the same.
 * It starts no thread and fetches nothing until a verification needs an x5u. */
static int x5u_setup(danecid_ctx *ctx, const struct danecid_config *cfg, danecid_ctx *share,
                     char *errbuf, size_t errlen)
{
	struct danecid_certcache_opts o;
	int r;

	if ((r = danecid_fetch_global_init()) != DANECID_OK) {
		snprintf(errbuf, errlen, "libcurl could not be initialised");
		return r;
	}
	memset(&o, 0, sizeof(o));
	o.fetch.tls_ca_file = cfg->x5u_tls_ca_file;
	o.fetch.allow_private = cfg->x5u_allow_private;
	o.fetch.timeout_ms = cfg->x5u_timeout_ms;
	o.fetch.max_bytes = cfg->x5u_max_bytes;
	o.fetch.max_redirs = DANECID_FETCH_MAX_REDIRS;
	o.max_entries = cfg->x5u_cache_entries;
	o.default_ttl = cfg->x5u_cache_ttl;
	o.max_ttl = cfg->x5u_cache_max_ttl;
	o.negative_ttl = cfg->x5u_negative_ttl;
	if (share != NULL && share->certs != NULL && danecid_certcache_same(share->certs, &o)) {
		ctx->certs = danecid_certcache_ref(share->certs);
		return DANECID_OK;
	}
	return danecid_certcache_new(&o, &ctx->certs);
}

/* The x509 method's own parts: the STI-CA store and the SPC map. */
static int x509_setup(danecid_ctx *ctx, const struct danecid_config *cfg, char *errbuf,
                      size_t errlen)
{
	int r;

	r = danecid_castore_new(cfg->ca_file, cfg->ca_path, cfg->crl_file, &ctx->cas, errbuf,
	                        errlen);
	if (r != DANECID_OK) {
		return r;
	}
	if (cfg->spc_map != NULL) {
		char err[160] = "";

		if (danecid_spc_map_parse(cfg->spc_map, strlen(cfg->spc_map), &ctx->spc, err,
		                          sizeof(err)) != DANECID_OK) {
			snprintf(errbuf, errlen, "spc-map: %s", err);
			return DANECID_ERR_CONFIG;
		}
	}
	return DANECID_OK;
}

/* The DNS answer cache: the one of the context a reloaded configuration replaces when its
 * limits are the same (a reference for the caller), else a new one. */
static int dns_cache_setup(const struct danecid_config *cfg, danecid_ctx *share,
                           danecid_dnscache **out)
{
	struct danecid_dnscache_opts o;

	o.max_entries = cfg->dns_cache_entries;
	o.max_ttl = cfg->dns_cache_max_ttl;
	if (share != NULL && share->dns != NULL &&
	    danecid_dnscache_same(danecid_dns_cache(share->dns), &o)) {
		*out = danecid_dnscache_ref(danecid_dns_cache(share->dns));
		return DANECID_OK;
	}
	return danecid_dnscache_new(&o, out);
}

static int ctx_create(const struct danecid_config *cfg, danecid_ctx *share, danecid_ctx **out,
                      char *errbuf, size_t errlen)
{
	danecid_ctx *ctx = NULL;
	struct danecid_dns_opts opts;
	bool dane;
	int r = DANECID_ERR_INTERNAL;

	*out = NULL;
	dane = memchr(cfg->methods, DANECID_METHODS_DANE, sizeof(cfg->methods)) != NULL;
	if (dane && cfg->apex == NULL) {
		snprintf(errbuf, errlen, "no apex configured (--apex NAME or \"apex:\")");
		return DANECID_ERR_CONFIG;
	}
	if (dane && cfg->trust_anchor == NULL) {
		snprintf(errbuf, errlen,
		         "no trust anchor configured (--trust-anchor FILE or \"trust-anchor:\")");
		return DANECID_ERR_CONFIG;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		return DANECID_ERR_NOMEM;
	}
	memcpy(ctx->methods, cfg->methods, sizeof(ctx->methods));
	ctx->assume_global = cfg->assume_global;
	ctx->min_prefix = cfg->min_prefix > 0 ? cfg->min_prefix : 1;
	ctx->freshness = cfg->freshness;
	ctx->future_skew = cfg->future_skew;
	if (dane) {
		r = danecid_apex_normalize(cfg->apex, strlen(cfg->apex), ctx->apex,
		                           sizeof(ctx->apex));
		if (r != DANECID_OK) {
			snprintf(errbuf, errlen, "bad apex \"%s\"", cfg->apex);
			r = DANECID_ERR_CONFIG;
			goto out;
		}
		opts.upstream = cfg->upstream != NULL ? cfg->upstream : DEFAULT_UPSTREAM;
		opts.anchor_file = cfg->trust_anchor;
		opts.timeout_ms = cfg->timeout_ms;
		opts.cache = NULL;
		r = dns_cache_setup(cfg, share, &opts.cache);
		if (r == DANECID_OK) {
			r = danecid_dns_new(&opts, &ctx->dns, errbuf, errlen);
		}
		danecid_dnscache_free(opts.cache); /* the client holds its own reference */
		if (r != DANECID_OK) {
			goto out;
		}
		if (share != NULL && share->dns != NULL &&
		    danecid_dns_cache(share->dns) == danecid_dns_cache(ctx->dns) &&
		    !danecid_dns_same_anchors(share->dns, ctx->dns)) {
			/* the trust anchors changed: nothing validated under the old ones stays */
			danecid_dnscache_flush(danecid_dns_cache(ctx->dns));
		}
	}
	if (share != NULL && share->keys != NULL) {
		ctx->keys = danecid_keycache_ref(share->keys);
	} else if ((r = danecid_keycache_new(&ctx->keys)) != DANECID_OK) {
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
	if ((r = x5u_setup(ctx, cfg, share, errbuf, errlen)) != DANECID_OK ||
	    (has_method(ctx, DANECID_METHODS_X509) &&
	     (r = x509_setup(ctx, cfg, errbuf, errlen)) != DANECID_OK)) {
		goto out;
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
	if (ctx->dns == NULL) {
		return 0; /* x509 alone */
	}
	return danecid_dns_questions(ctx->dns);
}

void danecid_ctx_dns_cache_stats(danecid_ctx *ctx, struct danecid_dns_cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (ctx->dns != NULL) {
		danecid_dnscache_stats(danecid_dns_cache(ctx->dns), out);
	}
	if (ctx->keys != NULL) {
		danecid_keycache_stats(ctx->keys, &out->key_hits, &out->key_misses);
	}
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
	danecid_certmbox_free(ctx->mbox); /* waiting requests are answered first */
	danecid_dns_free(ctx->dns);
	danecid_keycache_free(ctx->keys);
	danecid_replay_free(ctx->replay);
	danecid_certcache_free(ctx->certs);
	danecid_castore_free(ctx->cas);
	free(ctx);
}

/* Merge the v=stir1 TXT records of a SECURE, non-wildcard answer into one policy; a record
 * with a malformed value still counts (failing closed) and leaves a warning. */
static void txt_policy(const struct danecid_rrset *txt, const char *name,
                       struct danecid_node_policy *pol, char *warning, size_t wlen)
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
		if (danecid_policy_parse_txt(s, strlen(s), &one) != DANECID_OK &&
		    warning[0] == '\0') {
			snprintf(warning, wlen,
			         "the v=stir1 record at %s has an unknown attest= or ppt= value; "
			         "its deny/require hold and the list keeps only known values",
			         name);
		}
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

/* One number whose node decides for some PASSporTs: the caller, or a diverting number. */
struct signer {
	struct danecid_tn tn;
	struct walk w;
	int err; /* the walk could not be done (DANECID_OK when it was) */
};

#define MAX_SIGNERS  (1 + DANECID_IDENTITY_MAX)
#define MAX_RETARGET (2 * DANECID_SIP_MAX_RETARGET)

/* One call: who calls whom, when, in which dialog, and what the request says of retargeting. */
struct call {
	const struct danecid_tn *orig;
	const struct danecid_tn *dests; /* the called numbers; NULL when none is a TN */
	size_t n_dests;
	const char *dialog; /* replay dialog (Call-ID); NULL: every request is its own dialog */
	bool has_date;      /* the request has a Date (SIP) or time (HTTP) */
	bool date_bad;      /* ... which cannot be read */
	int64_t date;
	bool sip; /* SIP input: History-Info / Diversion must show each diversion */
	struct danecid_tn retarget[MAX_RETARGET]; /* TNs of History-Info and Diversion entries */
	size_t n_retarget;
};

/* Where one Identity header stands. */
enum id_state {
	ID_DONE = 0, /* its verdict is final (a failure, or ignored) */
	ID_WALK,     /* parsed; awaits its signer's walk */
	ID_GENUINE,  /* signed by an authorized key and fresh; the chain to the call decides */
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

/* Whether the signature verifies under one of the node's pinned keys: the key of a 3 1 0
 * record, or the key of the x5u certificate when a 3 1 1 / 3 1 2 record pins its digest
 * (RFC 6698 §2.1.3; DANE-EE: the certificate's issuer and dates do not count, RFC 7671 §5.1).
 * *digests receives the number of usable digest records, *matched whether the certificate's
 * key matched one of them. */
static int authorized(danecid_keycache *keys, const struct walk *w,
                      const struct danecid_passport *pp, const struct danecid_cert_answer *cert,
                      int *digests, bool *matched)
{
	const danecid_es256_key *ckey =
	    cert != NULL && cert->chain != NULL ? danecid_certchain_key(cert->chain) : NULL;
	const uint8_t *spki = NULL;
	size_t spki_len = 0;
	int result = 0;

	if (ckey != NULL) {
		spki = danecid_certchain_spki(cert->chain, &spki_len);
	}
	*digests = 0;
	*matched = false;
	for (size_t i = 0; i < w->tlsa.n && result == 0; i++) {
		struct danecid_tlsa t;
		danecid_es256_key *key = NULL;

		if (danecid_tlsa_parse(w->tlsa.rr[i].data, w->tlsa.rr[i].len, &t) != DANECID_OK ||
		    !danecid_tlsa_usable(&t)) {
			continue;
		}
		if (!danecid_tlsa_has_key(&t)) {
			(*digests)++;
			if (ckey != NULL && !*matched) {
				*matched = danecid_tlsa_match(&t, spki, spki_len);
			}
			continue;
		}
		if (danecid_keycache_get(keys, t.data, t.len, &key) != DANECID_OK) {
			continue; /* not a P-256 key: cannot have signed an ES256 PASSporT */
		}
		result = danecid_passport_verify_sig(pp, key);
		danecid_es256_key_free(key);
	}
	if (result == 0 && *matched) {
		result = danecid_passport_verify_sig(pp, ckey);
	}
	return result;
}

static bool tn_eq(const struct danecid_tn *a, const struct danecid_tn *b)
{
	return a->len == b->len && memcmp(a->digits, b->digits, a->len) == 0;
}

static bool in_dest(const struct danecid_passport *pp, const struct danecid_tn *tn)
{
	for (size_t i = 0; i < pp->n_dest && i < DANECID_DEST_MAX; i++) {
		if (tn_eq(&pp->dest[i], tn)) {
			return true;
		}
	}
	return false;
}

static void set_prefix(struct danecid_verdict *v, const struct danecid_tn *tn, size_t len)
{
	memcpy(v->prefix, tn->digits, len);
	v->prefix[len] = '\0';
}

/* A verdict from a walk that did not decide (STOP or nothing registered). */
static void walk_verdict(const struct walk *w, const struct danecid_tn *who,
                         struct danecid_verdict *v)
{
	v->dnssec = w->dnssec;
	if (w->step == DANECID_STEP_STOP) {
		danecid_verdict_set(v, w->reason, "%s", w->detail);
	} else {
		danecid_verdict_set(v, DANECID_R_NUMBER_NOT_REGISTERED,
		                    "no node for +%s or any prefix of it is published",
		                    who->digits);
	}
}

/* The Date rules of RFC 8224 §4.1 and §6.2 (step 4) for one PASSporT: the Date must be fresh,
 * and a full-form iat must lie within the freshness window of it. The iat itself is checked
 * by the caller. */
static bool date_ok(const danecid_ctx *ctx, const struct call *c, const struct danecid_passport *pp,
                    time_t now, struct danecid_verdict *v)
{
	int64_t gap;

	if (!c->has_date || pp->ppt == DANECID_PPT_DIV) {
		return true; /* a div PASSporT is made at retargeting, later than the Date */
	}
	if (c->date_bad) {
		danecid_verdict_set(v, DANECID_R_STALE, "the Date header field cannot be read");
		return false;
	}
	if ((c->date <= (int64_t)now && (uint64_t)now - (uint64_t)c->date > ctx->freshness) ||
	    (c->date > (int64_t)now && (uint64_t)c->date - (uint64_t)now > ctx->future_skew)) {
		danecid_verdict_set(
		    v, DANECID_R_STALE, "Date is %lld s from now (allowed: %u s old, %u s ahead)",
		    (long long)(c->date - (int64_t)now), ctx->freshness, ctx->future_skew);
		return false;
	}
	gap = pp->iat > c->date ? pp->iat - c->date : c->date - pp->iat;
	if (gap > (int64_t)ctx->freshness) {
		danecid_verdict_set(
		    v, DANECID_R_STALE, "iat %lld and Date %lld are %lld s apart (allowed: %u s)",
		    (long long)pp->iat, (long long)c->date, (long long)gap, ctx->freshness);
		return false;
	}
	return true;
}

/* The checks of one Identity header that need no DNS. On DANECID_OK, *ppp receives the
 * PASSporT when it could be parsed (NULL otherwise), and *ready says whether it passed every
 * check here and awaits the walk; when not, v holds its verdict. A PASSporT that failed here
 * is kept all the same: a chain that would run through it names its failure (chain_reaches). */
static int pre_identity(danecid_ctx *ctx, const struct call *c, const struct danecid_identity *id,
                        time_t now, struct danecid_verdict *v, struct danecid_passport **ppp,
                        bool *ready)
{
	const struct danecid_tn *orig = c->orig;
	struct danecid_passport *pp = NULL;
	struct danecid_compact_claims cc;
	enum danecid_reason why = DANECID_R_IDENTITY_MALFORMED;
	char err[200] = "";
	int r = DANECID_ERR_INTERNAL;

	*ready = false;
	if (id->alg != NULL && strcmp(id->alg, "ES256") != 0) {
		danecid_verdict_set(v, DANECID_R_ALG_UNSUPPORTED,
		                    "Identity alg=%.32s, only ES256 is supported", id->alg);
		r = DANECID_OK;
		goto out;
	}
	if (danecid_jws_is_compact(id->jws, id->jws_len)) {
		if (c->n_dests != 1) {
			danecid_verdict_set(v, DANECID_R_IDENTITY_MALFORMED,
			                    "compact form: the called party is not one telephone "
			                    "number, so dest cannot be rebuilt");
			r = DANECID_OK;
			goto out;
		}
		if (!c->has_date || c->date_bad) {
			danecid_verdict_set(
			    v, DANECID_R_IDENTITY_MALFORMED,
			    "compact form: iat is rebuilt from the Date header field, "
			    "which is %s",
			    c->has_date ? "unreadable" : "absent");
			r = DANECID_OK;
			goto out;
		}
	}
	cc.orig = orig;
	cc.dest = c->n_dests > 0 ? &c->dests[0] : NULL;
	cc.iat = c->date;
	r = danecid_passport_parse_compact(id->jws, id->jws_len, &cc, &pp, &why, err, sizeof(err));
	if (r == DANECID_ERR_NOMEM) {
		goto out;
	}
	if (r != DANECID_OK) {
		danecid_verdict_set(v, why, "PASSporT: %s", err);
		r = DANECID_OK;
		goto out;
	}
	r = DANECID_OK;
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
	if (danecid_passport_check_time(pp, now, ctx->freshness, ctx->future_skew) !=
	    DANECID_R_OK) {
		danecid_verdict_set(v, DANECID_R_STALE,
		                    "iat %lld is %lld s from now (allowed: %u s old, %u s ahead)",
		                    (long long)pp->iat, (long long)(pp->iat - (int64_t)now),
		                    ctx->freshness, ctx->future_skew);
		goto out;
	}
	if (!date_ok(ctx, c, pp, now, v)) {
		goto out;
	}
	if (!tn_eq(&pp->orig, orig)) {
		danecid_verdict_set(v, DANECID_R_ORIG_MISMATCH, "PASSporT orig %s, call from %s",
		                    pp->orig.digits, orig->digits);
		goto out;
	}
	if (c->n_dests == 0) {
		danecid_verdict_set(v, DANECID_R_DEST_MISMATCH,
		                    "the called party is not a telephone number");
		goto out;
	}
	*ready = true; /* to the walk; dest is judged with the whole chain (chain_reaches) */
out:
	if (r == DANECID_OK) {
		*ppp = pp;
		pp = NULL;
	}
	danecid_passport_free(pp);
	return r;
}

/* The checks of one PASSporT that use its signer's walk (and, for a node that pins key
 * digests, the x5u certificate: cert, fetched when tried). DANECID_OK with v->reason ok means
 * genuine: what is left is the chain to the call and the replay check. */
static int post_identity(danecid_keycache *keys, const struct signer *s,
                         struct danecid_passport *pp, const struct danecid_cert_answer *cert,
                         bool tried, struct danecid_verdict *v)
{
	const struct walk *w = &s->w;
	int digests = 0;
	bool matched = false;
	int ok;

	v->method = DANECID_METHOD_DANE;
	if (s->err != DANECID_OK) {
		return s->err;
	}
	v->dnssec = w->dnssec;
	if (w->step != DANECID_STEP_DECIDE) {
		walk_verdict(w, &s->tn, v);
		return DANECID_OK;
	}
	set_prefix(v, &s->tn, w->prefix_len);
	if (w->pol.deny) {
		danecid_verdict_set(v, DANECID_R_NUMBER_REVOKED, "revoked by %s", w->detail);
		return DANECID_OK;
	}
	if (!sig_in_range(pp->sig)) {
		danecid_verdict_set(v, DANECID_R_SIGNATURE_INVALID,
		                    "signature r or s is out of range (0 or >= n)");
		return DANECID_OK;
	}
	ok = authorized(keys, w, pp, cert, &digests, &matched);
	if (ok < 0) {
		return ok;
	}
	if (ok == 0 && digests > 0 && tried && cert->chain == NULL) {
		danecid_verdict_set(v, DANECID_R_X5U_UNAVAILABLE,
		                    "%s pins %d key digest(s); the x5u certificate: %s", w->detail,
		                    digests, cert->err);
		return DANECID_OK;
	}
	if (ok == 0) {
		danecid_verdict_set(
		    v, DANECID_R_KEY_NOT_AUTHORIZED,
		    "signature verifies under none of the %zu key(s) at %s%s", w->tlsa.n, w->detail,
		    digests == 0 ? ""
		    : !tried     ? " (its digest records need the x5u certificate; the PASSporT "
		                   "names none)"
		    : matched    ? " (the x5u certificate's key matches a digest record)"
		              : " (the x5u certificate's key matches none of its digest records)");
		return DANECID_OK;
	}
	if (w->pol.attest_set && pp->attest != 0) {
		/* attest= limits the level a PASSporT claims; one that claims none (base, div)
		 * is limited by ppt= */
		unsigned bit = pp->attest == 'A'   ? DANECID_ATTEST_A
		               : pp->attest == 'B' ? DANECID_ATTEST_B
		               : pp->attest == 'C' ? DANECID_ATTEST_C
		                                   : 0;

		if ((w->pol.attest & bit) == 0) {
			danecid_verdict_set(v, DANECID_R_ATTEST_NOT_ALLOWED,
			                    "attestation %c is not allowed by %s",
			                    pp->attest != 0 ? pp->attest : '-', w->detail);
			return DANECID_OK;
		}
	}
	if (w->pol.ppt_set) {
		unsigned bit = pp->ppt == DANECID_PPT_SHAKEN ? DANECID_PPTBIT_SHAKEN
		               : pp->ppt == DANECID_PPT_DIV  ? DANECID_PPTBIT_DIV
		               : pp->ppt == DANECID_PPT_RCD  ? DANECID_PPTBIT_RCD
		                                             : DANECID_PPTBIT_BASE;

		if ((w->pol.ppt & bit) == 0) {
			danecid_verdict_set(
			    v, DANECID_R_PPT_NOT_ALLOWED, "PASSporT type %s is not allowed by %s",
			    danecid_ppt_name(pp->ppt) != NULL ? danecid_ppt_name(pp->ppt) : "base",
			    w->detail);
			return DANECID_OK;
		}
	}
	danecid_verdict_set(v, DANECID_R_OK, "signed by a key %s at %s",
	                    matched ? "of the x5u certificate, pinned by digest" : "published",
	                    w->detail);
	return DANECID_OK;
}

/* An unsigned call: revoked or `require` numbers fail, others cannot be decided. */
static int eval_unsigned(const danecid_ctx *ctx, const struct signer *s, struct danecid_verdict *v)
{
	const struct walk *w = &s->w;

	if (s->err != DANECID_OK) {
		return s->err;
	}
	v->dnssec = w->dnssec;
	v->method = DANECID_METHOD_DANE;
	if (!has_method(ctx, DANECID_METHODS_DANE)) {
		v->method = DANECID_METHOD_NONE; /* x509 alone: no walk was made */
	}
	if (w->step == DANECID_STEP_DECIDE) {
		set_prefix(v, &s->tn, w->prefix_len);
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

/* ---- one verification: prepare, walk each signer's number (asynchronously when the
 * context is attached to an event base), finish ---- */

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
	struct danecid_passport *pp[DANECID_IDENTITY_MAX]; /* parsed PASSporTs */
	enum id_state state[DANECID_IDENTITY_MAX];
	bool ignored[DANECID_IDENTITY_MAX];
	size_t signer_of[DANECID_IDENTITY_MAX];
	struct danecid_verdict v[DANECID_IDENTITY_MAX];
	char *rcd[DANECID_IDENTITY_MAX];         /* verified RCD JSON of a genuine PASSporT */
	char rcd_note[DANECID_IDENTITY_MAX][96]; /* "verified", "invalid: ..." or "" */
	struct signer signers[MAX_SIGNERS];
	size_t n_signers;
	struct danecid_verdict out;
	size_t cur;                       /* the signer being walked */
	size_t len;                       /* the walk's current prefix length */
	char name[DANECID_ENUM_NAME_MAX]; /* its owner name */
	struct danecid_rrset tlsa;        /* the walk's TLSA answer at that prefix */
	/* the x509 method: which PASSporTs it decides, and their x5u documents */
	bool x509[DANECID_IDENTITY_MAX];
	bool x5u_tried[DANECID_IDENTITY_MAX]; /* an https x5u was asked for (DANE digests) */
	struct danecid_cert_answer cert[DANECID_IDENTITY_MAX];
	struct certreq {
		struct vjob *vj;
		size_t i;
	} creq[DANECID_IDENTITY_MAX];
	unsigned cert_pending;
};

static void vjob_free(struct vjob *vj)
{
	for (size_t i = 0; i < DANECID_IDENTITY_MAX; i++) {
		danecid_passport_free(vj->pp[i]);
		danecid_cert_answer_clear(&vj->cert[i]);
		free(vj->rcd[i]);
		if (vj->owned[i]) {
			danecid_identity_clear(&vj->own_ids[i]);
		}
	}
	for (size_t i = 0; i < vj->n_signers; i++) {
		danecid_rrset_clear(&vj->signers[i].w.tlsa);
	}
	danecid_rrset_clear(&vj->tlsa);
	danecid_sip_req_free(vj->req);
	free(vj->dialog);
	free(vj);
}

static void verdict_init(struct danecid_verdict *out)
{
	memset(out, 0, sizeof(*out));
	danecid_verdict_set(out, DANECID_R_NO_IDENTITY, "not verified");
}

/* The index of the signer for a number, added when new; MAX_SIGNERS when full. */
static size_t signer_add(struct vjob *vj, const struct danecid_tn *tn)
{
	for (size_t i = 0; i < vj->n_signers; i++) {
		if (tn_eq(&vj->signers[i].tn, tn)) {
			return i;
		}
	}
	if (vj->n_signers == MAX_SIGNERS) {
		return MAX_SIGNERS;
	}
	vj->signers[vj->n_signers].tn = *tn;
	vj->signers[vj->n_signers].w.step = DANECID_STEP_NEXT;
	vj->signers[vj->n_signers].w.dnssec = DANECID_DNSSEC_SECURE;
	return vj->n_signers++;
}

/* Whether the request's History-Info or Diversion entries show a diversion from tn. */
static bool retarget_shows(const struct call *c, const struct danecid_tn *tn)
{
	if (!c->sip) {
		return true; /* parts input (HTTP): there are no such headers to compare */
	}
	for (size_t i = 0; i < c->n_retarget; i++) {
		if (tn_eq(&c->retarget[i], tn)) {
			return true;
		}
	}
	return false;
}

/*
 * RFC 8946 §6: does PASSporT i reach the called number t, directly (t is in its dest) or
 * through div PASSporTs? A div PASSporT j continues i's chain when it has the same orig, its
 * div.tn is one of i's dest numbers, the request's History-Info/Diversion shows that
 * diversion, and j itself reaches t. *chain gains the div PASSporTs used; *blame receives the
 * first div PASSporT that would have continued the chain but is not genuine (or SIZE_MAX).
 */
static bool chain_reaches(const struct vjob *vj, size_t i, const struct danecid_tn *t,
                          unsigned depth, unsigned *chain, size_t *blame, size_t *unshown)
{
	const struct danecid_passport *pi = vj->pp[i];

	if (in_dest(pi, t)) {
		return true;
	}
	if (depth == 0) {
		return false;
	}
	for (size_t j = 0; j < vj->n_ids; j++) {
		const struct danecid_passport *pj = vj->pp[j];

		if (j == i || pj == NULL || pj->ppt != DANECID_PPT_DIV || (*chain & (1u << j)) ||
		    !tn_eq(&pj->orig, &pi->orig) || !in_dest(pi, &pj->div)) {
			continue;
		}
		if (!retarget_shows(&vj->c, &pj->div)) {
			if (*unshown == SIZE_MAX) {
				*unshown = j;
			}
			continue;
		}
		if (vj->state[j] != ID_GENUINE) {
			if (*blame == SIZE_MAX) {
				*blame = j;
			}
			continue;
		}
		*chain |= 1u << j;
		if (chain_reaches(vj, j, t, depth - 1, chain, blame, unshown)) {
			return true;
		}
		*chain &= ~(1u << j);
	}
	return false;
}

/* Judge the chain of a genuine PASSporT i to every called number; on success *chain holds the
 * div PASSporTs it went through. */
static bool judge_chain(struct vjob *vj, size_t i, unsigned *chain)
{
	struct danecid_verdict *v = &vj->v[i];

	*chain = 0;
	for (size_t k = 0; k < vj->c.n_dests; k++) {
		const struct danecid_tn *t = &vj->c.dests[k];
		size_t blame = SIZE_MAX, unshown = SIZE_MAX;

		if (chain_reaches(vj, i, t, DANECID_IDENTITY_MAX, chain, &blame, &unshown)) {
			continue;
		}
		if (blame != SIZE_MAX) {
			const struct danecid_verdict *b = &vj->v[blame];

			danecid_verdict_set(v, b->reason, "call to %s diverted by %s: %s",
			                    t->digits, vj->pp[blame]->div.digits, b->detail);
		} else if (unshown != SIZE_MAX) {
			danecid_verdict_set(
			    v, DANECID_R_DEST_MISMATCH,
			    "call to %s: the div PASSporT names %s as diverting, but no "
			    "History-Info or Diversion entry of the request does",
			    t->digits, vj->pp[unshown]->div.digits);
		} else if (vj->pp[i]->ppt == DANECID_PPT_DIV) {
			danecid_verdict_set(v, DANECID_R_DEST_MISMATCH,
			                    "call to %s is not among the dest numbers of this div "
			                    "PASSporT, nor of one that continues it",
			                    t->digits);
		} else {
			danecid_verdict_set(v, DANECID_R_DEST_MISMATCH,
			                    "call to %s is not among the PASSporT dest numbers",
			                    t->digits);
		}
		return false;
	}
	return true;
}

/* RCD claims of a genuine PASSporT (RFC 9795): kept for the verdict when verified. */
static int check_rcd(struct vjob *vj, size_t i)
{
	char *note = vj->rcd_note[i];
	enum danecid_rcd_status st = DANECID_RCD_NONE;
	char err[160] = "";
	int r;

	r = danecid_rcd_check(vj->pp[i]->claims, vj->pp[i]->claims_len, &st, &vj->rcd[i], err,
	                      sizeof(err));
	if (r != DANECID_OK) {
		return r;
	}
	if (st == DANECID_RCD_VERIFIED) {
		snprintf(note, sizeof(vj->rcd_note[i]), "verified");
	} else if (st == DANECID_RCD_INVALID) {
		snprintf(note, sizeof(vj->rcd_note[i]), "invalid: %s", err);
	}
	return DANECID_OK;
}

/* The per-header outcome for the verdict's list. */
static void outcome(struct vjob *vj, size_t i)
{
	struct danecid_identity_verdict *iv = &vj->out.identities[i];
	const struct danecid_verdict *v = &vj->v[i];
	const struct danecid_passport *pp = vj->pp[i];

	iv->verstat = v->verstat;
	iv->sip_code = v->sip_code;
	iv->reason = v->reason;
	snprintf(iv->detail, sizeof(iv->detail), "%s", v->detail);
	iv->ignored = vj->ignored[i];
	memcpy(iv->rcd, vj->rcd_note[i], sizeof(iv->rcd));
	iv->dnssec = v->dnssec;
	iv->method = v->method;
	iv->attest = v->attest;
	memcpy(iv->prefix, v->prefix, sizeof(iv->prefix));
	if (vj->ids[i].ppt != NULL) {
		snprintf(iv->ppt, sizeof(iv->ppt), "%s", vj->ids[i].ppt);
	}
	if (pp != NULL) {
		const char *name = danecid_ppt_name(pp->ppt);
		const struct danecid_tn *s = pp->ppt == DANECID_PPT_DIV ? &pp->div : &pp->orig;

		snprintf(iv->ppt, sizeof(iv->ppt), "%s", name != NULL ? name : "");
		iv->compact = pp->compact;
		memcpy(iv->signer, s->digits, s->len + 1);
		if (pp->ppt == DANECID_PPT_DIV) {
			memcpy(iv->div, pp->div.digits, pp->div.len + 1);
		}
	} else if (!vj->ignored[i]) {
		iv->compact = danecid_jws_is_compact(vj->ids[i].jws, vj->ids[i].jws_len);
	}
}

/* Replay-check every PASSporT of a passing chain (i and its div PASSporTs), each once per
 * request: *seen and *hit carry what earlier chains of the same request found. */
static int chain_replay(struct vjob *vj, size_t i, unsigned chain, unsigned *seen, unsigned *hit,
                        bool *replayed)
{
	*replayed = false;
	for (size_t j = 0; j < vj->n_ids; j++) {
		const struct danecid_passport *pp = vj->pp[j];
		int ok;

		if (j != i && !(chain & (1u << j))) {
			continue;
		}
		if (*seen & (1u << j)) {
			*replayed |= (*hit & (1u << j)) != 0;
			continue;
		}
		*seen |= 1u << j;
		ok = danecid_replay_check(vj->ctx->replay, pp->replay_key, vj->c.dialog,
		                          vj->c.dialog != NULL ? strlen(vj->c.dialog) : 0, vj->now,
		                          (time_t)pp->iat + (time_t)vj->ctx->freshness);
		if (ok < 0) {
			return ok;
		}
		if (ok == 1) {
			*hit |= 1u << j;
			*replayed = true; /* keep going: every PASSporT of the chain is entered */
		}
	}
	return DANECID_OK;
}

/* The numbers a passing chain verified: the caller, then the diverting numbers in order. */
static void chain_numbers(struct vjob *vj, size_t i, unsigned chain)
{
	struct danecid_verdict *out = &vj->out;

	out->n_verified = 0;
	memcpy(out->verified[out->n_verified++], vj->pp[i]->orig.digits, vj->pp[i]->orig.len + 1);
	for (size_t j = 0; j < vj->n_ids && out->n_verified < DANECID_IDENTITY_MAX; j++) {
		if (chain & (1u << j)) {
			memcpy(out->verified[out->n_verified++], vj->pp[j]->div.digits,
			       vj->pp[j]->div.len + 1);
		}
	}
}

static int post_x509(struct vjob *vj, size_t i, struct danecid_verdict *v);

/* After the walks: each header's outcome, the chains, and the call's verdict. */
static int judge_signed(struct vjob *vj)
{
	unsigned chains[DANECID_IDENTITY_MAX] = {0};
	bool passing[DANECID_IDENTITY_MAX] = {false};
	unsigned seen = 0, hit = 0;
	size_t best = SIZE_MAX;
	int r;

	for (size_t i = 0; i < vj->n_ids; i++) {
		struct danecid_verdict *v = &vj->v[i];

		if (vj->state[i] != ID_WALK) {
			continue;
		}
		r = vj->x509[i] ? post_x509(vj, i, v)
		                : post_identity(vj->ctx->keys, &vj->signers[vj->signer_of[i]],
		                                vj->pp[i], &vj->cert[i], vj->x5u_tried[i], v);
		if (r == DANECID_OK && v->reason != DANECID_R_OK &&
		    v->verstat == DANECID_VERSTAT_PASSED) {
			r = DANECID_ERR_INTERNAL; /* never let a failure read as a pass */
		}
		if (r != DANECID_OK) {
			fail_closed(v, r);
		}
		vj->state[i] = v->reason == DANECID_R_OK ? ID_GENUINE : ID_DONE;
		if (vj->state[i] == ID_GENUINE && vj->pp[i]->has_rcd &&
		    (r = check_rcd(vj, i)) != DANECID_OK) {
			return r;
		}
	}
	/* Each genuine PASSporT must reach the called number(s); a div PASSporT only passes as
	 * a link of a chain that starts at a PASSporT of another type. */
	for (size_t i = 0; i < vj->n_ids; i++) {
		if (vj->state[i] != ID_GENUINE || vj->pp[i]->ppt == DANECID_PPT_DIV) {
			continue;
		}
		passing[i] = judge_chain(vj, i, &chains[i]);
	}
	for (size_t i = 0; i < vj->n_ids; i++) {
		bool replayed = false;

		if (!passing[i]) {
			continue;
		}
		if ((r = chain_replay(vj, i, chains[i], &seen, &hit, &replayed)) != DANECID_OK) {
			return r;
		}
		if (replayed) {
			danecid_verdict_set(&vj->v[i], DANECID_R_REPLAY,
			                    "this PASSporT%s was already seen in another dialog",
			                    chains[i] != 0 ? " (or one of its div PASSporTs)" : "");
			passing[i] = false;
		} else if (best == SIZE_MAX) {
			best = i;
		}
	}
	/* Div PASSporTs: passed as a link of a passing chain, else their own chain decides. */
	for (size_t j = 0; j < vj->n_ids; j++) {
		bool linked = false;
		unsigned mine = 0;

		if (vj->state[j] != ID_GENUINE || vj->pp[j]->ppt != DANECID_PPT_DIV) {
			continue;
		}
		for (size_t i = 0; i < vj->n_ids; i++) {
			if (passing[i] && (chains[i] & (1u << j))) {
				char was[sizeof(vj->v[j].detail)]; /* the format reads it */

				memcpy(was, vj->v[j].detail, sizeof(was));
				danecid_verdict_set(&vj->v[j], DANECID_R_OK,
				                    "diverted by %s, chained to Identity #%zu; %s",
				                    vj->pp[j]->div.digits, i + 1, was);
				linked = true;
				break;
			}
		}
		if (!linked && judge_chain(vj, j, &mine)) {
			danecid_verdict_set(
			    &vj->v[j], DANECID_R_DEST_MISMATCH,
			    "div PASSporT from %s: no verified PASSporT of the call "
			    "lists %s as dest (RFC 8946 needs the original)",
			    vj->pp[j]->div.digits, vj->pp[j]->div.digits);
		}
	}
	{
		size_t pick = best;

		for (size_t i = 0; i < vj->n_ids && best == SIZE_MAX; i++) {
			if (!vj->ignored[i] &&
			    (pick == SIZE_MAX || rank(&vj->v[i]) > rank(&vj->v[pick]))) {
				pick = i;
			}
		}
		if (pick != SIZE_MAX) {
			vj->out = vj->v[pick];
		}
	}
	if (best != SIZE_MAX) {
		chain_numbers(vj, best, chains[best]);
		for (size_t j = 0; j < vj->n_ids; j++) {
			if ((j == best || (chains[best] & (1u << j))) && vj->rcd[j] != NULL &&
			    vj->out.rcd[0] == '\0') {
				snprintf(vj->out.rcd, sizeof(vj->out.rcd), "%s", vj->rcd[j]);
			}
		}
		/* an rcd PASSporT of the same call, verified on its own */
		for (size_t j = 0; j < vj->n_ids && vj->out.rcd[0] == '\0'; j++) {
			if (passing[j] && vj->rcd[j] != NULL) {
				snprintf(vj->out.rcd, sizeof(vj->out.rcd), "%s", vj->rcd[j]);
			}
		}
	}
	return DANECID_OK;
}

/* After the walks (or without one): the verdict of the call, then the callback. */
static void vjob_finish(struct vjob *vj)
{
	bool any = false;
	int r;

	for (size_t i = 0; i < vj->n_ids; i++) {
		any |= !vj->ignored[i];
	}
	if (vj->err == DANECID_OK && vj->c.orig != NULL) {
		if (!any) {
			r = eval_unsigned(vj->ctx, &vj->signers[0], &vj->out);
			if (r != DANECID_OK) {
				fail_closed(&vj->out, r);
			}
			if (vj->n_ids > 0 && vj->out.reason == DANECID_R_NO_IDENTITY) {
				danecid_verdict_set(
				    &vj->out, DANECID_R_NO_IDENTITY,
				    "no Identity header danecid can evaluate (unknown ppt)");
			}
		} else {
			r = judge_signed(vj);
			if (r != DANECID_OK) {
				fail_closed(&vj->out, r);
			}
		}
		if (vj->out.verstat != DANECID_VERSTAT_PASSED) {
			vj->out.n_verified = 0;
			vj->out.rcd[0] = '\0';
		}
		for (size_t i = 0; i < vj->n_signers; i++) {
			if (vj->signers[i].w.warning[0] != '\0' && vj->out.warning[0] == '\0') {
				snprintf(vj->out.warning, sizeof(vj->out.warning), "%s",
				         vj->signers[i].w.warning);
			}
		}
		memcpy(vj->out.orig, vj->orig.digits, vj->orig.len + 1);
		vj->out.n_dest = 0;
		for (size_t k = 0; k < vj->c.n_dests && k < DANECID_DEST_MAX; k++) {
			memcpy(vj->out.dest[vj->out.n_dest++], vj->c.dests[k].digits,
			       vj->c.dests[k].len + 1);
		}
		vj->out.n_identities = vj->n_ids;
		for (size_t i = 0; i < vj->n_ids; i++) {
			outcome(vj, i);
		}
	}
	vj->cb(vj->err, &vj->out, vj->arg);
	vjob_free(vj);
}

/* ---- x5u certificates, after the walks: for the PASSporTs the x509 method (RFC 8226)
 * decides, and for those whose DANE node pins key digests; then the verdict ---- */

/* Whether the x509 method decides PASSporT i: alone; first, for a PASSporT that names a
 * certificate; or after DANE, when DANE could not decide (nothing registered, or no chain of
 * trust). */
/* Whether PASSporT i names an https certificate (JWS x5u, or an https Identity info). */
static bool names_https_cert(const struct vjob *vj, size_t i)
{
	const char *info = vj->ids[i].info;

	return vj->pp[i]->x5u != NULL || (info != NULL && strncasecmp(info, "https:", 6) == 0);
}

static bool decides_x509(const struct vjob *vj, size_t i)
{
	const danecid_ctx *ctx = vj->ctx;
	const struct signer *s = &vj->signers[vj->signer_of[i]];

	if (vj->state[i] != ID_WALK || !has_method(ctx, DANECID_METHODS_X509)) {
		return false;
	}
	if (!has_method(ctx, DANECID_METHODS_DANE)) {
		return true;
	}
	if (ctx->methods[0] == DANECID_METHODS_X509) {
		return names_https_cert(vj, i);
	}
	return s->err == DANECID_OK &&
	       (s->w.step == DANECID_STEP_NEXT ||
	        (s->w.step == DANECID_STEP_STOP && s->w.reason == DANECID_R_DNSSEC_INSECURE));
}

/* The certificate URL of PASSporT i: the JWS x5u, else the Identity info. NULL with why set
 * when there is none or the two disagree. */
static const char *x5u_of(const struct vjob *vj, size_t i, char *why, size_t wlen)
{
	const char *x5u = vj->pp[i]->x5u, *info = vj->ids[i].info;

	if (x5u != NULL && info != NULL && strcmp(x5u, info) != 0) {
		snprintf(why, wlen,
		         "the Identity info and the PASSporT x5u name different "
		         "certificates");
		return NULL;
	}
	if (x5u == NULL && info == NULL) {
		snprintf(why, wlen, "the PASSporT names no certificate (no x5u, no info)");
		return NULL;
	}
	return x5u != NULL ? x5u : info;
}

/* Whether PASSporT i, judged by DANE, needs its x5u certificate: the deciding node pins key
 * digests (TLSA 3 1 1, 3 1 2) and the PASSporT names an https certificate. */
static bool dane_digests(const struct vjob *vj, size_t i)
{
	const struct signer *s = &vj->signers[vj->signer_of[i]];

	if (vj->state[i] != ID_WALK || s->err != DANECID_OK || s->w.step != DANECID_STEP_DECIDE ||
	    s->w.pol.deny || !names_https_cert(vj, i)) {
		return false;
	}
	for (size_t k = 0; k < s->w.tlsa.n; k++) {
		struct danecid_tlsa t;

		if (danecid_tlsa_parse(s->w.tlsa.rr[k].data, s->w.tlsa.rr[k].len, &t) ==
		        DANECID_OK &&
		    danecid_tlsa_usable(&t) && !danecid_tlsa_has_key(&t)) {
			return true;
		}
	}
	return false;
}

static void on_cert(struct danecid_cert_answer *a, void *arg)
{
	struct certreq *cr = arg;
	struct vjob *vj = cr->vj;

	danecid_cert_answer_clear(&vj->cert[cr->i]);
	vj->cert[cr->i] = *a; /* moved */
	if (--vj->cert_pending == 0) {
		vjob_finish(vj);
	}
}

static void x509_phase(struct vjob *vj)
{
	danecid_ctx *ctx = vj->ctx;
	int r;

	vj->cert_pending = 1; /* held until every request is out */
	for (size_t i = 0; i < vj->n_ids; i++) {
		struct danecid_cert_answer *a = &vj->cert[i];
		const char *url;

		vj->x509[i] = decides_x509(vj, i);
		if (!vj->x509[i] && !(vj->x5u_tried[i] = dane_digests(vj, i))) {
			continue;
		}
		url = x5u_of(vj, i, a->err, sizeof(a->err));
		if (url == NULL) {
			continue;
		}
		if (danecid_fetch_url_check(url, strlen(url), a->err, sizeof(a->err)) !=
		    DANECID_OK) {
			continue;
		}
		if (!ctx->attached) {
			r = danecid_certcache_get(ctx->certs, url, vj->now, a);
		} else {
			vj->creq[i].vj = vj;
			vj->creq[i].i = i;
			r = danecid_certcache_get_async(ctx->mbox, url, vj->now, a, on_cert,
			                                &vj->creq[i]);
			if (r == 0) {
				vj->cert_pending++;
				continue;
			}
			r = r == 1 ? DANECID_OK : r;
		}
		if (r != DANECID_OK) {
			snprintf(a->err, sizeof(a->err), "x5u: %s", danecid_strerror(r));
		}
	}
	if (--vj->cert_pending == 0) {
		vjob_finish(vj);
	}
}

/* The x509 method's checks of PASSporT i: its certificate was fetched, chains to an STI-CA
 * root at the verification time (not revoked), covers the signer's number in its
 * TNAuthList, and its key verifies the signature. */
static int post_x509(struct vjob *vj, size_t i, struct danecid_verdict *v)
{
	const danecid_ctx *ctx = vj->ctx;
	const struct danecid_passport *pp = vj->pp[i];
	const struct danecid_cert_answer *a = &vj->cert[i];
	const struct danecid_tn *tn = pp->ppt == DANECID_PPT_DIV ? &pp->div : &pp->orig;
	const struct danecid_tnauth *ta;
	const danecid_es256_key *key;
	const char *why = NULL;
	char detail[200] = "", covers[160] = "";
	int ok;

	v->method = DANECID_METHOD_X509;
	v->prefix[0] = '\0';
	v->dnssec =
	    has_method(ctx, DANECID_METHODS_DANE) && vj->signers[vj->signer_of[i]].err == DANECID_OK
	        ? vj->signers[vj->signer_of[i]].w.dnssec
	        : DANECID_DNSSEC_NONE;
	if (a->chain == NULL) {
		danecid_verdict_set(v, DANECID_R_X5U_UNAVAILABLE, "%s",
		                    a->err[0] != '\0' ? a->err : "x5u not fetched");
		return DANECID_OK;
	}
	if (danecid_certchain_validate(ctx->cas, a->chain, vj->now, detail, sizeof(detail)) !=
	    DANECID_R_OK) {
		danecid_verdict_set(v, DANECID_R_CERT_INVALID, "%s", detail);
		return DANECID_OK;
	}
	if ((key = danecid_certchain_key(a->chain)) == NULL) {
		danecid_verdict_set(v, DANECID_R_ALG_UNSUPPORTED,
		                    "the certificate's key is not a P-256 (ES256) key");
		return DANECID_OK;
	}
	if ((ta = danecid_certchain_tnauth(a->chain, &why)) == NULL) {
		danecid_verdict_set(v, DANECID_R_TNAUTH_MISMATCH, "%s", why);
		return DANECID_OK;
	}
	if (!danecid_tnauth_covers(ta, &ctx->spc, tn->digits, tn->len, covers, sizeof(covers))) {
		danecid_verdict_set(v, DANECID_R_TNAUTH_MISMATCH,
		                    "the certificate does not cover +%s: %s", tn->digits, covers);
		return DANECID_OK;
	}
	if (!sig_in_range(pp->sig)) {
		danecid_verdict_set(v, DANECID_R_SIGNATURE_INVALID,
		                    "signature r or s is out of range (0 or >= n)");
		return DANECID_OK;
	}
	if ((ok = danecid_passport_verify_sig(pp, key)) < 0) {
		return ok;
	}
	if (ok == 0) {
		danecid_verdict_set(v, DANECID_R_SIGNATURE_INVALID,
		                    "the signature does not verify under the x5u certificate's "
		                    "key");
		return DANECID_OK;
	}
	danecid_verdict_set(v, DANECID_R_OK, "signed under a valid STI certificate (TNAuthList %s)",
	                    covers);
	return DANECID_OK;
}

static void walk_next(struct vjob *vj);

/* The current signer's walk is over: the next signer's, or the end. */
static void walk_done(struct vjob *vj, int err)
{
	danecid_rrset_clear(&vj->tlsa);
	vj->signers[vj->cur].err = err;
	if (++vj->cur < vj->n_signers) {
		vj->len = vj->signers[vj->cur].tn.len;
		walk_next(vj);
		return;
	}
	x509_phase(vj);
}

/* Both answers for one prefix are in: judge them (policy.c). */
static void walk_judge(struct vjob *vj, struct danecid_rrset *txt)
{
	struct walk *w = &vj->signers[vj->cur].w;
	struct danecid_node_facts f;
	enum danecid_reason reason = DANECID_R_OK;
	enum danecid_dnssec sec = DANECID_DNSSEC_NONE;
	enum danecid_step step;

	f.tlsa = &vj->tlsa;
	f.txt = txt;
	txt_policy(txt, vj->name, &f.pol, w->warning, sizeof(w->warning));
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
	const struct danecid_tn *tn = &vj->signers[vj->cur].tn;
	int r;

	if (vj->len < vj->ctx->min_prefix || vj->len == 0) {
		walk_done(vj, DANECID_OK); /* every prefix securely denied: not registered */
		return;
	}
	r = danecid_enum_name(tn->digits, vj->len, vj->ctx->apex, vj->name, sizeof(vj->name));
	if (r == DANECID_OK) {
		r = danecid_dns_lookup(vj->ctx->dns, vj->name, DANECID_RR_TLSA, on_tlsa, vj);
	}
	if (r != DANECID_OK) {
		walk_done(vj, r);
	}
}

/* Whether an Identity header is of a type danecid does not know: RFC 8224 §4 has the verifier
 * ignore it. */
static bool unknown_ppt(const struct danecid_identity *id)
{
	enum danecid_ppt ppt;

	return id->ppt != NULL &&
	       danecid_ppt_from_name(id->ppt, strlen(id->ppt), &ppt) != DANECID_OK;
}

/* The checks without DNS for every Identity header; then the walks that any needs. */
static void vjob_run(struct vjob *vj)
{
	size_t evaluated = 0;
	int r;

	vj->c.orig = &vj->orig;
	signer_add(vj, &vj->orig); /* signer 0: the caller (for unsigned calls too) */
	for (size_t i = 0; i < vj->n_ids; i++) {
		struct danecid_passport *pp = NULL;
		bool ready = false;

		vj->v[i] = vj->out;
		vj->state[i] = ID_DONE;
		if (unknown_ppt(&vj->ids[i])) {
			vj->ignored[i] = true;
			danecid_verdict_set(
			    &vj->v[i], DANECID_R_NO_IDENTITY,
			    "ppt=%.16s is not a PASSporT type danecid knows: ignored",
			    vj->ids[i].ppt);
			continue;
		}
		evaluated++;
		r = pre_identity(vj->ctx, &vj->c, &vj->ids[i], vj->now, &vj->v[i], &pp, &ready);
		if (r != DANECID_OK) {
			fail_closed(&vj->v[i], r);
			continue;
		}
		vj->pp[i] = pp;
		if (!ready) {
			continue;
		}
		vj->signer_of[i] =
		    signer_add(vj, pp->ppt == DANECID_PPT_DIV ? &pp->div : &pp->orig);
		vj->state[i] = ID_WALK;
	}
	if (evaluated > 0) {
		/* the caller's own walk is needed only by PASSporTs it signs */
		bool orig_needed = false;

		for (size_t i = 0; i < vj->n_ids; i++) {
			orig_needed |= vj->state[i] == ID_WALK && vj->signer_of[i] == 0;
		}
		if (!orig_needed) {
			vj->signers[0].err = DANECID_OK;
			vj->cur = 1;
		}
	}
	if (!has_method(vj->ctx, DANECID_METHODS_DANE)) {
		vj->cur = vj->n_signers; /* x509 alone: no walk */
	}
	if (vj->cur >= vj->n_signers) {
		x509_phase(vj);
		return;
	}
	vj->len = vj->signers[vj->cur].tn.len;
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

/* The TNs of the request's History-Info and Diversion entries, for RFC 8946 consistency. */
static void retarget_tns(danecid_ctx *ctx, const struct danecid_sip_req *req, struct call *c)
{
	const char *const *lists[2] = {(const char *const *)req->hist_info,
	                               (const char *const *)req->diversion};
	const size_t counts[2] = {req->n_hist_info, req->n_diversion};

	c->sip = true;
	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < counts[l] && c->n_retarget < MAX_RETARGET; i++) {
			if (danecid_tn_from_uri(lists[l][i], strlen(lists[l][i]),
			                        ctx->assume_global,
			                        &c->retarget[c->n_retarget]) == DANECID_OK) {
				c->n_retarget++;
			}
		}
	}
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
	}
	if (req->date != NULL) {
		time_t t;

		vj->c.has_date = true;
		if (danecid_sip_date_parse(req->date, strlen(req->date), &t) == DANECID_OK) {
			vj->c.date = (int64_t)t;
		} else {
			vj->c.date_bad = true;
		}
	}
	retarget_tns(ctx, req, &vj->c);
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
		n_dests++;
	}
	/* a called party that is not a TN fails the binding */
	vj->c.n_dests = n_dests == rq->n_dest ? n_dests : 0;
	vj->c.dests = vj->c.n_dests > 0 ? vj->dests : NULL;
	vj->c.has_date = rq->has_time;
	vj->c.date = rq->time;
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
	if (ctx->certs != NULL && ctx->mbox == NULL &&
	    (r = danecid_certmbox_new(ctx->certs, base, &ctx->mbox)) != DANECID_OK) {
		return r;
	}
	r = ctx->dns != NULL ? danecid_dns_attach(ctx->dns, base) : DANECID_OK;
	if (r == DANECID_OK) {
		ctx->attached = true;
	}
	return r;
}

void danecid_ctx_x5u_stats(danecid_ctx *ctx, struct danecid_x5u_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (ctx->certs != NULL) {
		danecid_certcache_stats(ctx->certs, out);
	}
}
