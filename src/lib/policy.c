/* policy — TXT policy parsing, one step of the prefix walk, and the verdict table (SPEC §6).
 *
 * Outline: everything here is a pure function of its inputs. The walk itself
 * (asking DNS, longest prefix first) lives in verify.c; each answer pair
 * (TLSA, TXT) is judged here by danecid_policy_step(), so every branch of
 * SPEC §3 is unit-testable without a DNS server.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dane.h"
#include "policy.h"

static const struct {
	enum danecid_verstat verstat;
	int sip_code;
} reason_table[DANECID_R_COUNT] = {
    [DANECID_R_OK] = {DANECID_VERSTAT_PASSED, 0},
    [DANECID_R_SIGNATURE_INVALID] = {DANECID_VERSTAT_FAILED, 438},
    [DANECID_R_KEY_NOT_AUTHORIZED] = {DANECID_VERSTAT_FAILED, 438},
    [DANECID_R_ORIG_MISMATCH] = {DANECID_VERSTAT_FAILED, 438},
    [DANECID_R_DEST_MISMATCH] = {DANECID_VERSTAT_FAILED, 438},
    [DANECID_R_IDENTITY_MALFORMED] = {DANECID_VERSTAT_FAILED, 438},
    [DANECID_R_DNSSEC_BOGUS] = {DANECID_VERSTAT_FAILED, 438},
    [DANECID_R_NUMBER_REVOKED] = {DANECID_VERSTAT_FAILED, 438},
    [DANECID_R_REPLAY] = {DANECID_VERSTAT_FAILED, 438},
    [DANECID_R_ATTEST_NOT_ALLOWED] = {DANECID_VERSTAT_FAILED, 438},
    [DANECID_R_PPT_NOT_ALLOWED] = {DANECID_VERSTAT_FAILED, 438},
    [DANECID_R_TNAUTH_MISMATCH] = {DANECID_VERSTAT_FAILED, 438},
    [DANECID_R_CERT_INVALID] = {DANECID_VERSTAT_FAILED, 438},
    [DANECID_R_STALE] = {DANECID_VERSTAT_FAILED, 403},
    [DANECID_R_ALG_UNSUPPORTED] = {DANECID_VERSTAT_FAILED, 437},
    [DANECID_R_X5U_UNAVAILABLE] = {DANECID_VERSTAT_FAILED, 436},
    [DANECID_R_IDENTITY_REQUIRED] = {DANECID_VERSTAT_FAILED, 428},
    [DANECID_R_NO_IDENTITY] = {DANECID_VERSTAT_NO_VALIDATION, 0},
    [DANECID_R_NOT_A_TN] = {DANECID_VERSTAT_NO_VALIDATION, 0},
    [DANECID_R_NUMBER_NOT_REGISTERED] = {DANECID_VERSTAT_NO_VALIDATION, 0},
    [DANECID_R_DNSSEC_INSECURE] = {DANECID_VERSTAT_NO_VALIDATION, 0},
    [DANECID_R_DNS_UNAVAILABLE] = {DANECID_VERSTAT_NO_VALIDATION, 0},
};

enum danecid_verstat danecid_reason_verstat(enum danecid_reason reason)
{
	if ((unsigned)reason >= DANECID_R_COUNT) {
		return DANECID_VERSTAT_FAILED;
	}
	return reason_table[reason].verstat;
}

int danecid_reason_sip_code(enum danecid_reason reason)
{
	if ((unsigned)reason >= DANECID_R_COUNT) {
		return 438;
	}
	return reason_table[reason].sip_code;
}

void danecid_verdict_set(struct danecid_verdict *v, enum danecid_reason reason, const char *fmt,
                         ...)
{
	va_list ap;

	if ((unsigned)reason >= DANECID_R_COUNT) {
		reason = DANECID_R_IDENTITY_MALFORMED; /* never happens; fail closed */
	}
	v->reason = reason;
	v->verstat = danecid_reason_verstat(reason);
	v->sip_code = danecid_reason_sip_code(reason);
	va_start(ap, fmt);
	vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
	va_end(ap);
	/* The detail may quote input: keep it printable ASCII so every consumer can show it. */
	for (char *c = v->detail; *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) {
			*c = '?';
		}
	}
}

static int tag_is(const char *p, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(p, name, len) == 0;
}

static void trim(const char **p, size_t *len)
{
	while (*len > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && ((*p)[*len - 1] == ' ' || (*p)[*len - 1] == '\t')) {
		(*len)--;
	}
}

/* A comma-separated list of names mapped to bits. Unknown names and empty items set *bad and
 * add nothing: an unreadable restriction allows less, never more. */
static unsigned parse_list(const char *p, size_t len, const char *const *names,
                           const unsigned *bits, size_t n, bool *bad)
{
	unsigned mask = 0;

	while (1) {
		const char *comma = memchr(p, ',', len);
		size_t ilen = comma != NULL ? (size_t)(comma - p) : len;
		const char *item = p;
		size_t k;

		trim(&item, &ilen);
		for (k = 0; k < n; k++) {
			if (tag_is(item, ilen, names[k])) {
				mask |= bits[k];
				break;
			}
		}
		if (k == n) {
			*bad = true;
		}
		if (comma == NULL) {
			return mask;
		}
		len -= (size_t)(comma - p) + 1;
		p = comma + 1;
	}
}

int danecid_policy_parse_txt(const char *p, size_t len, struct danecid_node_policy *out)
{
	static const char *const attest_names[] = {"A", "B", "C"};
	static const unsigned attest_bits[] = {DANECID_ATTEST_A, DANECID_ATTEST_B,
	                                       DANECID_ATTEST_C};
	static const char *const ppt_names[] = {"shaken", "div", "rcd", "base"};
	static const unsigned ppt_bits[] = {DANECID_PPTBIT_SHAKEN, DANECID_PPTBIT_DIV,
	                                    DANECID_PPTBIT_RCD, DANECID_PPTBIT_BASE};
	struct danecid_node_policy pol;
	bool bad = false;
	int first = 1;

	memset(out, 0, sizeof(*out));
	memset(&pol, 0, sizeof(pol));
	while (len > 0 || first) {
		const char *semi = memchr(p, ';', len);
		size_t tlen = semi != NULL ? (size_t)(semi - p) : len;
		const char *tag = p;
		const char *eq;

		trim(&tag, &tlen);
		if (first) {
			if (!tag_is(tag, tlen, "v=stir1")) {
				return DANECID_OK; /* not ours */
			}
			pol.present = true;
			first = 0;
		} else if (tag_is(tag, tlen, "deny")) {
			pol.deny = true;
		} else if (tag_is(tag, tlen, "require")) {
			pol.require = true;
		} else if ((eq = memchr(tag, '=', tlen)) != NULL) {
			size_t nlen = (size_t)(eq - tag), vlen = tlen - nlen - 1;
			const char *name = tag, *val = eq + 1;

			trim(&name, &nlen);
			if (tag_is(name, nlen, "attest")) {
				pol.attest =
				    parse_list(val, vlen, attest_names, attest_bits, 3, &bad);
				pol.attest_set = true;
			} else if (tag_is(name, nlen, "ppt")) {
				pol.ppt = parse_list(val, vlen, ppt_names, ppt_bits, 4, &bad);
				pol.ppt_set = true;
			}
			/* unknown tags with values are ignored */
		}
		/* unknown bare tags are ignored */
		if (semi == NULL) {
			break;
		}
		len -= (size_t)(semi - p) + 1;
		p = semi + 1;
	}
	*out = pol;
	return bad ? DANECID_ERR_MALFORMED : DANECID_OK;
}

enum danecid_step danecid_policy_step(const struct danecid_node_facts *f,
                                      enum danecid_reason *reason, enum danecid_dnssec *dnssec)
{
	const struct danecid_rrset *t = f->tlsa, *x = f->txt;

	/* BOGUS anywhere first: a forged answer must never let anything else count. */
	if (t->sec == DANECID_DNSSEC_BOGUS || x->sec == DANECID_DNSSEC_BOGUS) {
		*reason = DANECID_R_DNSSEC_BOGUS;
		*dnssec = DANECID_DNSSEC_BOGUS;
		return DANECID_STEP_STOP;
	}
	if (t->kind == DANECID_DNS_FAIL || x->kind == DANECID_DNS_FAIL ||
	    t->sec == DANECID_DNSSEC_INDETERMINATE || x->sec == DANECID_DNSSEC_INDETERMINATE) {
		*reason = DANECID_R_DNS_UNAVAILABLE;
		*dnssec = DANECID_DNSSEC_INDETERMINATE;
		return DANECID_STEP_STOP;
	}
	if (t->sec == DANECID_DNSSEC_INSECURE || x->sec == DANECID_DNSSEC_INSECURE) {
		*reason = DANECID_R_DNSSEC_INSECURE;
		*dnssec = DANECID_DNSSEC_INSECURE;
		return DANECID_STEP_STOP;
	}
	*dnssec = DANECID_DNSSEC_SECURE;
	*reason = DANECID_R_OK;
	if (f->pol.present && f->pol.deny) {
		return DANECID_STEP_DECIDE;
	}
	if (t->kind == DANECID_DNS_DATA && !t->wildcard) {
		/* Only records danecid uses make a TLSA set: others are ignored (SPEC §2). */
		for (size_t i = 0; i < t->n; i++) {
			struct danecid_tlsa rec;

			if (danecid_tlsa_parse(t->rr[i].data, t->rr[i].len, &rec) == DANECID_OK &&
			    danecid_tlsa_usable(&rec)) {
				return DANECID_STEP_DECIDE;
			}
		}
	}
	return DANECID_STEP_NEXT;
}
