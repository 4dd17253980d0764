/* fuzz_dnswire — a DNS response as it comes from the network, through danecid's own reader
 * and fast-path validator, and the record handling behind them.
 *
 * 1. danecid_wire_parse(): a clean refusal, or views that stay inside the input (or the
 *    record's canonical copy): owner names well formed and lower case, at most
 *    DANECID_WIRE_RR_MAX records, sections answer/authority only.
 * 2. A response to a DNSKEY question is validated as a zone key set of its question name
 *    against the anchor of e164.test. (the DS of fuzz_dnswire_zone.h). Any other response is
 *    validated with the zone keys of e164.test. (validated once from the captured DNSKEY
 *    response) as the answer to its own question, at the capture time: without the
 *    signature memo, then twice with it (filled, then hit). The three outcomes must agree;
 *    an answer is SECURE with records only for DATA, "unsure" leaves the set empty and says
 *    why.
 * 3. The RDATA of every TLSA and TXT record of the answer section, validated or not, goes
 *    through what the walk does with it: TLSA split, use and match (dane.c), TXT strings
 *    joined and read as a v=stir1 policy (policy.c); a validated set then takes one step of
 *    the walk (danecid_policy_step).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <danecid/danecid.h>

#include "dane.h"
#include "dns.h"
#include "dnsval.h"
#include "dnswire.h"
#include "es256.h"
#include "fuzz.h"
#include "fuzz_dnswire_zone.h"
#include "fuzz_key.h"
#include "policy.h"

#define T_TXT  DANECID_RR_TXT
#define T_TLSA DANECID_RR_TLSA
#define T_DS   DANECID_RR_DS

static struct {
	struct danecid_anchor anchor;
	danecid_zonekeys *zk;
	danecid_sigmemo *memo;
	uint8_t spki[128];
	size_t spki_len;
} fx;

static struct danecid_wire_msg msg; /* ~40 KiB: not on the stack */

static void setup(void)
{
	static struct danecid_wire_msg keys;
	const char *why = NULL;
	danecid_es256_key *k = NULL;
	uint8_t *der = NULL;

	fx.anchor.owner_len = 0;
	FUZZ_CHECK(danecid_wire_name_from_str(ZONE_NAME, fx.anchor.owner, &fx.anchor.owner_len) ==
	           DANECID_OK);
	fx.anchor.type = T_DS;
	memcpy(fx.anchor.rdata, zone_ds, sizeof(zone_ds));
	fx.anchor.rdlen = sizeof(zone_ds);
	FUZZ_CHECK(danecid_wire_parse(zone_dnskey_response, sizeof(zone_dnskey_response), &keys) ==
	           DANECID_OK);
	FUZZ_CHECK(danecid_zonekeys_validate(&keys, fx.anchor.owner, fx.anchor.owner_len,
	                                     &fx.anchor, 1, ZONE_NOW, NULL, &fx.zk,
	                                     &why) == DANECID_OK);
	FUZZ_CHECK(danecid_sigmemo_new(&fx.memo) == DANECID_OK);
	/* a P-256 SPKI to match TLSA records against */
	FUZZ_CHECK(danecid_es256_key_from_pem(fuzz_key_pem, strlen(fuzz_key_pem), &k) ==
	           DANECID_OK);
	FUZZ_CHECK(danecid_es256_key_spki(k, &der, &fx.spki_len) == DANECID_OK &&
	           fx.spki_len <= sizeof(fx.spki));
	memcpy(fx.spki, der, fx.spki_len);
	free(der);
	danecid_es256_key_free(k);
}

static bool inside(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
	return p >= base && n <= len && (size_t)(p - base) <= len - n;
}

/* A wire name: labels of 1..63 octets, lower case, ending in the root, len bytes in all. */
static void check_name(const uint8_t *name, size_t len)
{
	size_t i = 0;

	FUZZ_CHECK(len >= 1 && len <= DANECID_WNAME_MAX);
	while (i < len && name[i] != 0) {
		FUZZ_CHECK(name[i] <= 63 && i + 1 + name[i] < len);
		for (size_t k = 1; k <= name[i]; k++) {
			FUZZ_CHECK(!(name[i + k] >= 'A' && name[i + k] <= 'Z'));
		}
		i += 1 + (size_t)name[i];
	}
	FUZZ_CHECK(i == len - 1 && name[i] == 0);
}

static void check_parsed(const struct danecid_wire_msg *m, const uint8_t *data, size_t size)
{
	FUZZ_CHECK(m->n <= DANECID_WIRE_RR_MAX);
	check_name(m->qname, m->qname_len);
	for (size_t i = 0; i < m->n; i++) {
		const struct danecid_wire_rr *rr = &m->rr[i];

		check_name(rr->owner, rr->owner_len);
		FUZZ_CHECK(rr->section == DANECID_WIRE_ANSWER ||
		           rr->section == DANECID_WIRE_AUTHORITY);
		FUZZ_CHECK(rr->rdata != NULL || rr->rdlen == 0);
		FUZZ_CHECK(rr->rdlen == 0 || inside(rr->rdata, rr->rdlen, data, size) ||
		           inside(rr->rdata, rr->rdlen, rr->canon, sizeof(rr->canon)));
		FUZZ_CHECK(danecid_wire_under(rr->owner, rr->owner_len, rr->owner, rr->owner_len));
	}
	if (m->n > 0) {
		/* the ancestors of a name are above it */
		const struct danecid_wire_rr *rr = &m->rr[0];
		unsigned labels = danecid_wire_labels(rr->owner, rr->owner_len);

		for (unsigned l = 0; l <= labels; l++) {
			size_t off = danecid_wire_suffix(rr->owner, rr->owner_len, l);

			FUZZ_CHECK(off < rr->owner_len);
			FUZZ_CHECK(danecid_wire_under(rr->owner, rr->owner_len, rr->owner + off,
			                              rr->owner_len - off));
		}
	}
}

/* What the walk does with the records of a TLSA answer. */
static void tlsa_rdata(const uint8_t *p, size_t len)
{
	struct danecid_tlsa t;
	danecid_es256_key *key = NULL;
	int r = danecid_tlsa_parse(p, len, &t);

	FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_MALFORMED);
	if (r != DANECID_OK) {
		return;
	}
	FUZZ_CHECK(len >= 3 && t.len == len - 3 && t.data == p + 3);
	FUZZ_CHECK(t.usage == p[0] && t.selector == p[1] && t.mtype == p[2]);
	if (!danecid_tlsa_usable(&t)) {
		FUZZ_CHECK(!danecid_tlsa_match(&t, fx.spki, fx.spki_len));
		return;
	}
	if (danecid_tlsa_has_key(&t)) {
		FUZZ_CHECK(danecid_tlsa_match(&t, t.data, t.len));
		r = danecid_es256_key_from_spki(t.data, t.len, &key);
		FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_UNSUPPORTED ||
		           r == DANECID_ERR_CRYPTO);
		danecid_es256_key_free(key);
	} else {
		FUZZ_CHECK(t.len == (t.mtype == DANECID_TLSA_MATCH_SHA256 ? 32u : 64u));
	}
	(void)danecid_tlsa_match(&t, fx.spki, fx.spki_len);
}

/* What the walk does with the records of a TXT answer (verify.c txt_policy). */
static void txt_rdata(const uint8_t *p, size_t len, struct danecid_node_policy *merged)
{
	struct danecid_node_policy pol;
	char s[1024];
	int r = danecid_txt_rdata(p, len, s, sizeof(s));

	FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_MALFORMED || r == DANECID_ERR_TOO_LONG);
	if (r != DANECID_OK) {
		return;
	}
	FUZZ_CHECK(strlen(s) <= len);
	memset(&pol, 0x5a, sizeof(pol));
	r = danecid_policy_parse_txt(s, strlen(s), &pol);
	FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_MALFORMED);
	if (r == DANECID_ERR_MALFORMED) {
		FUZZ_CHECK(pol.present); /* fails closed: still a v=stir1 record */
	}
	if (!pol.present) {
		FUZZ_CHECK(!pol.deny && !pol.require && !pol.attest_set && !pol.ppt_set);
		return;
	}
	FUZZ_CHECK((pol.attest & ~0x7u) == 0 && (pol.ppt & ~0xfu) == 0);
	merged->present = true;
	merged->deny |= pol.deny;
	merged->require |= pol.require;
}

static bool same_answer(const struct danecid_rrset *a, const struct danecid_rrset *b)
{
	if (a->kind != b->kind || a->sec != b->sec || a->n != b->n || a->ttl != b->ttl ||
	    a->sig_expire != b->sig_expire) {
		return false;
	}
	for (size_t i = 0; i < a->n; i++) {
		if (a->rr[i].len != b->rr[i].len ||
		    memcmp(a->rr[i].data, b->rr[i].data, a->rr[i].len) != 0) {
			return false;
		}
	}
	return true;
}

static void check_answer(int r, const struct danecid_rrset *out, const char *why)
{
	FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_UNSUPPORTED);
	if (r != DANECID_OK) {
		FUZZ_CHECK(why != NULL && out->n == 0 && out->sec == DANECID_DNSSEC_NONE);
		return;
	}
	FUZZ_CHECK(out->sec == DANECID_DNSSEC_SECURE && !out->wildcard);
	FUZZ_CHECK(out->sig_expire >= ZONE_NOW);
	if (out->kind == DANECID_DNS_DATA) {
		FUZZ_CHECK(out->n >= 1 && out->n <= DANECID_RRSET_MAX);
	} else {
		FUZZ_CHECK(out->kind == DANECID_DNS_NODATA || out->kind == DANECID_DNS_NXDOMAIN);
		FUZZ_CHECK(out->n == 0);
	}
}

/* One step of the walk with a validated answer at this node. */
static void walk_step(const struct danecid_wire_msg *m, const struct danecid_rrset *ans)
{
	struct danecid_rrset none;
	struct danecid_node_facts f;
	enum danecid_reason reason = DANECID_R_OK;
	enum danecid_dnssec dnssec = DANECID_DNSSEC_NONE;
	enum danecid_step step;

	memset(&none, 0, sizeof(none));
	none.sec = DANECID_DNSSEC_SECURE;
	none.kind = DANECID_DNS_NODATA;
	memset(&f, 0, sizeof(f));
	f.tlsa = m->qtype == T_TLSA ? ans : &none;
	f.txt = m->qtype == T_TXT ? ans : &none;
	if (m->qtype == T_TXT) {
		for (size_t i = 0; i < ans->n; i++) {
			txt_rdata(ans->rr[i].data, ans->rr[i].len, &f.pol);
		}
	}
	step = danecid_policy_step(&f, &reason, &dnssec);
	/* every set is SECURE here: the walk goes on or this node decides */
	FUZZ_CHECK(step == DANECID_STEP_NEXT || step == DANECID_STEP_DECIDE);
	FUZZ_CHECK(dnssec == DANECID_DNSSEC_SECURE && reason == DANECID_R_OK);
	if (f.pol.deny) {
		FUZZ_CHECK(step == DANECID_STEP_DECIDE);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct danecid_rrset plain, filled, hit;
	struct danecid_node_policy pol;
	const char *why = NULL;
	int r;

	if (fx.zk == NULL) {
		setup();
	}
	memset(&msg, 0, sizeof(msg));
	r = danecid_wire_parse(data, size, &msg);
	FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_MALFORMED);
	if (r != DANECID_OK) {
		return 0;
	}
	check_parsed(&msg, data, size);
	memset(&pol, 0, sizeof(pol));
	for (size_t i = 0; i < msg.n; i++) {
		if (msg.rr[i].section != DANECID_WIRE_ANSWER) {
			continue;
		}
		if (msg.rr[i].type == T_TLSA) {
			tlsa_rdata(msg.rr[i].rdata, msg.rr[i].rdlen);
		} else if (msg.rr[i].type == T_TXT) {
			txt_rdata(msg.rr[i].rdata, msg.rr[i].rdlen, &pol);
		}
	}
	if (msg.qtype == DANECID_T_DNSKEY) {
		danecid_zonekeys *zk = NULL;

		r = danecid_zonekeys_validate(&msg, msg.qname, msg.qname_len, &fx.anchor, 1,
		                              ZONE_NOW, NULL, &zk, &why);
		FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_UNSUPPORTED);
		FUZZ_CHECK((r == DANECID_OK) == (zk != NULL) && (r == DANECID_OK) == (why == NULL));
		if (zk != NULL) {
			FUZZ_CHECK(danecid_zonekeys_count(zk) >= 1);
			FUZZ_CHECK(danecid_zonekeys_expire(zk) >= ZONE_NOW);
		}
		danecid_zonekeys_free(zk);
		return 0;
	}
	/* without the memo, then with it twice: checked, then found */
	danecid_sigmemo_clear(fx.memo);
	r = danecid_dnsval_answer(&msg, msg.qname, msg.qname_len, msg.qtype, fx.zk, NULL, ZONE_NOW,
	                          &plain, &why);
	check_answer(r, &plain, why);
	FUZZ_CHECK(danecid_dnsval_answer(&msg, msg.qname, msg.qname_len, msg.qtype, fx.zk, fx.memo,
	                                 ZONE_NOW, &filled, &why) == r);
	FUZZ_CHECK(danecid_dnsval_answer(&msg, msg.qname, msg.qname_len, msg.qtype, fx.zk, fx.memo,
	                                 ZONE_NOW, &hit, &why) == r);
	FUZZ_CHECK(same_answer(&plain, &filled) && same_answer(&plain, &hit));
	if (r == DANECID_OK) {
		for (size_t i = 0; msg.qtype == T_TLSA && i < plain.n; i++) {
			tlsa_rdata(plain.rr[i].data, plain.rr[i].len);
		}
		walk_step(&msg, &plain);
	}
	danecid_rrset_clear(&plain);
	danecid_rrset_clear(&filled);
	danecid_rrset_clear(&hit);
	return 0;
}
