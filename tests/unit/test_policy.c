/* test_policy — TXT "v=stir1" policies, one step of the prefix walk (SPEC §3), the verdict table
 * (SPEC §6) and danecid_verdict_set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <danecid/danecid.h>

#include "guard.h"
#include "policy.h"

#define A      DANECID_ATTEST_A
#define B      DANECID_ATTEST_B
#define C      DANECID_ATTEST_C
#define SHAKEN DANECID_PPTBIT_SHAKEN
#define DIV    DANECID_PPTBIT_DIV
#define BASE   DANECID_PPTBIT_BASE
#define OK     DANECID_OK
#define BAD    DANECID_ERR_MALFORMED

struct txt_row {
	const char *in;
	int err;
	bool present, deny, require, attest_set;
	unsigned attest;
	bool ppt_set;
	unsigned ppt;
};

static const struct txt_row txt_rows[] = {
    {"v=stir1", OK, true, false, false, false, 0, false, 0},
    {"v=stir1;", OK, true, false, false, false, 0, false, 0},
    {"v=stir1; deny", OK, true, true, false, false, 0, false, 0},
    {"v=stir1;deny", OK, true, true, false, false, 0, false, 0},
    {"v=stir1;require", OK, true, false, true, false, 0, false, 0},
    {"v=stir1; require; deny", OK, true, true, true, false, 0, false, 0},
    {" v=stir1 ; attest=A,B ; ppt=shaken,div", OK, true, false, false, true, A | B, true,
     SHAKEN | DIV},
    {"v=stir1\t;\tattest=C\t;\tppt=base\t", OK, true, false, false, true, C, true, BASE},
    {"v=stir1; attest = A , C ; ppt = div", OK, true, false, false, true, A | C, true, DIV},
    {"v=stir1; attest=A,B,C", OK, true, false, false, true, A | B | C, false, 0},
    {"v=stir1; ppt=shaken", OK, true, false, false, false, 0, true, SHAKEN},
    /* unknown tags, bare or with a value, are ignored */
    {"v=stir1; foo; bar=baz; deny", OK, true, true, false, false, 0, false, 0},
    {"v=stir1; x-future=1,2,3; require", OK, true, false, true, false, 0, false, 0},
    {"v=stir1;;; deny;;", OK, true, true, false, false, 0, false, 0},
    /* tag names are case-insensitive */
    {"V=STIR1; DENY", OK, true, true, false, false, 0, false, 0},
    {"v=Stir1; Require; ATTEST=A; PPT=SHAKEN", OK, true, false, true, true, A, true, SHAKEN},
    /* not ours: another TXT record at the node, ignored */
    {"v=spf1 -all", OK, false, false, false, false, 0, false, 0},
    {"", OK, false, false, false, false, 0, false, 0},
    {" ", OK, false, false, false, false, 0, false, 0},
    {"v=stir2; deny", OK, false, false, false, false, 0, false, 0},
    {"v=stir10; deny", OK, false, false, false, false, 0, false, 0},
    {"v=stir; deny", OK, false, false, false, false, 0, false, 0},
    {"deny; v=stir1", OK, false, false, false, false, 0, false, 0},
    {"v=stir1 deny", OK, false, false, false, false, 0, false, 0},
    {"stir1; deny", OK, false, false, false, false, 0, false, 0},
    /* a v=stir1 record with a bad attest= or ppt= value fails closed: it is reported, and the
     * lists keep only known values (an empty list allows nothing), deny/require still hold */
    {"v=stir1; attest=Z", BAD, true, false, false, true, 0, false, 0},
    {"v=stir1; attest=", BAD, true, false, false, true, 0, false, 0},
    {"v=stir1; attest=A,,B", BAD, true, false, false, true, A | B, false, 0},
    {"v=stir1; attest=A,", BAD, true, false, false, true, A, false, 0},
    {"v=stir1; attest=,A", BAD, true, false, false, true, A, false, 0},
    {"v=stir1; attest=AB", BAD, true, false, false, true, 0, false, 0},
    {"v=stir1; attest=A B", BAD, true, false, false, true, 0, false, 0},
    {"v=stir1; deny; attest=D", BAD, true, true, false, true, 0, false, 0},
    {"v=stir1; attest=D; deny", BAD, true, true, false, true, 0, false, 0},
    {"v=stir1; ppt=foo; require", BAD, true, false, true, false, 0, true, 0},
    {"v=stir1; ppt=", BAD, true, false, false, false, 0, true, 0},
    {"v=stir1; ppt=shaken,foo", BAD, true, false, false, false, 0, true, SHAKEN},
    {"v=stir1; ppt=shake", BAD, true, false, false, false, 0, true, 0},
};

static void check_txt_row(size_t i, const char *p, size_t len)
{
	const struct txt_row *w = &txt_rows[i];
	struct danecid_node_policy pol;
	int r;

	memset(&pol, 0xa5, sizeof(pol));
	r = danecid_policy_parse_txt(p, len, &pol);
	if (r != w->err || pol.present != w->present || pol.deny != w->deny ||
	    pol.require != w->require || pol.attest_set != w->attest_set ||
	    pol.attest != w->attest || pol.ppt_set != w->ppt_set || pol.ppt != w->ppt) {
		fail_msg("row %zu \"%s\": got r=%d present=%d deny=%d require=%d attest=%d/%#x "
		         "ppt=%d/%#x",
		         i, w->in, r, pol.present, pol.deny, pol.require, pol.attest_set,
		         pol.attest, pol.ppt_set, pol.ppt);
	}
}

static void test_txt_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(txt_rows) / sizeof(txt_rows[0]); i++) {
		check_txt_row(i, txt_rows[i].in, strlen(txt_rows[i].in));
	}
}

/* Every row again against a PROT_NONE page: the parser never reads past len. */
static void test_txt_guard_page(void **state)
{
	struct guard g;

	(void)state;
	guard_open(&g);
	for (size_t i = 0; i < sizeof(txt_rows) / sizeof(txt_rows[0]); i++) {
		size_t len = strlen(txt_rows[i].in);

		check_txt_row(i, guard_place(&g, txt_rows[i].in, len), len);
	}
	guard_close(&g);
}

/* The length is the record: bytes after it do not count, and no NUL is needed. */
static void test_txt_length_bounded(void **state)
{
	static const char buf[] = "v=stir1; requireXXX; deny";
	struct danecid_node_policy pol;

	(void)state;
	assert_int_equal(danecid_policy_parse_txt(buf, strlen("v=stir1; require"), &pol), OK);
	assert_true(pol.present);
	assert_true(pol.require);
	assert_false(pol.deny);
	assert_int_equal(danecid_policy_parse_txt(buf, strlen("v=stir1"), &pol), OK);
	assert_true(pol.present);
	assert_false(pol.require);
	assert_int_equal(danecid_policy_parse_txt(buf, strlen("v=stir"), &pol), OK);
	assert_false(pol.present);
	assert_int_equal(
	    danecid_policy_parse_txt("v=stir1; attest=A,B", strlen("v=stir1; attest=A,"), &pol),
	    BAD);
	assert_true(pol.present); /* the cut list fails closed: A only */
	assert_true(pol.attest_set);
	assert_int_equal(pol.attest, A);
}

/* ---- one step of the walk ---- */

#define SEC  DANECID_DNSSEC_SECURE
#define BOG  DANECID_DNSSEC_BOGUS
#define INS  DANECID_DNSSEC_INSECURE
#define IND  DANECID_DNSSEC_INDETERMINATE
#define DATA DANECID_DNS_DATA
#define NOD  DANECID_DNS_NODATA
#define NXD  DANECID_DNS_NXDOMAIN
#define FAIL DANECID_DNS_FAIL

#define NEXT   DANECID_STEP_NEXT
#define DECIDE DANECID_STEP_DECIDE
#define STOP   DANECID_STEP_STOP

struct ans {
	enum danecid_dns_kind kind;
	enum danecid_dnssec sec;
	bool wildcard;
	size_t n;
};

/* What the caller parsed from a SECURE, non-wildcard TXT answer. */
enum pol_kind { POL_NONE, POL_PLAIN, POL_DENY, POL_REQUIRE };

struct step_row {
	const char *name;
	struct ans tlsa, txt;
	enum pol_kind pol;
	enum danecid_step step;
	enum danecid_reason reason;
	enum danecid_dnssec dnssec;
};

static const struct step_row step_rows[] = {
    /* a SECURE TLSA set decides */
    {"secure tlsa",
     {DATA, SEC, false, 1},
     {NOD, SEC, false, 0},
     POL_NONE,
     DECIDE,
     DANECID_R_OK,
     SEC},
    {"secure tlsa, two keys",
     {DATA, SEC, false, 2},
     {NOD, SEC, false, 0},
     POL_NONE,
     DECIDE,
     DANECID_R_OK,
     SEC},
    {"secure tlsa + policy",
     {DATA, SEC, false, 1},
     {DATA, SEC, false, 1},
     POL_PLAIN,
     DECIDE,
     DANECID_R_OK,
     SEC},
    {"secure tlsa + require",
     {DATA, SEC, false, 1},
     {DATA, SEC, false, 1},
     POL_REQUIRE,
     DECIDE,
     DANECID_R_OK,
     SEC},
    {"secure tlsa + deny",
     {DATA, SEC, false, 1},
     {DATA, SEC, false, 1},
     POL_DENY,
     DECIDE,
     DANECID_R_OK,
     SEC},
    /* securely nothing here: one digit shorter */
    {"secure nxdomain",
     {NXD, SEC, false, 0},
     {NXD, SEC, false, 0},
     POL_NONE,
     NEXT,
     DANECID_R_OK,
     SEC},
    {"secure nodata",
     {NOD, SEC, false, 0},
     {NOD, SEC, false, 0},
     POL_NONE,
     NEXT,
     DANECID_R_OK,
     SEC},
    {"secure empty data",
     {DATA, SEC, false, 0},
     {NOD, SEC, false, 0},
     POL_NONE,
     NEXT,
     DANECID_R_OK,
     SEC},
    {"secure nodata + policy without deny",
     {NOD, SEC, false, 0},
     {DATA, SEC, false, 1},
     POL_PLAIN,
     NEXT,
     DANECID_R_OK,
     SEC},
    {"secure nodata + require",
     {NOD, SEC, false, 0},
     {DATA, SEC, false, 1},
     POL_REQUIRE,
     NEXT,
     DANECID_R_OK,
     SEC},
    /* a SECURE deny decides (number-revoked) */
    {"secure nodata + deny",
     {NOD, SEC, false, 0},
     {DATA, SEC, false, 1},
     POL_DENY,
     DECIDE,
     DANECID_R_OK,
     SEC},
    {"secure nxdomain tlsa + deny",
     {NXD, SEC, false, 0},
     {DATA, SEC, false, 1},
     POL_DENY,
     DECIDE,
     DANECID_R_OK,
     SEC},
    /* a wildcard is never an authorization */
    {"secure wildcard tlsa",
     {DATA, SEC, true, 1},
     {NOD, SEC, true, 0},
     POL_NONE,
     NEXT,
     DANECID_R_OK,
     SEC},
    {"secure wildcard tlsa, nxdomain txt",
     {DATA, SEC, true, 1},
     {NXD, SEC, false, 0},
     POL_NONE,
     NEXT,
     DANECID_R_OK,
     SEC},
    {"secure wildcard tlsa + wildcard txt",
     {DATA, SEC, true, 2},
     {DATA, SEC, true, 1},
     POL_NONE,
     NEXT,
     DANECID_R_OK,
     SEC},
    /* BOGUS anywhere stops the walk, whatever else is SECURE */
    {"bogus tlsa data",
     {DATA, BOG, false, 1},
     {NOD, SEC, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    {"bogus tlsa nodata",
     {NOD, BOG, false, 0},
     {NOD, SEC, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    {"bogus tlsa nxdomain",
     {NXD, BOG, false, 0},
     {NXD, SEC, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    {"bogus tlsa fail",
     {FAIL, BOG, false, 0},
     {NOD, SEC, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    {"bogus tlsa wildcard",
     {DATA, BOG, true, 1},
     {NOD, SEC, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    {"bogus tlsa + secure deny",
     {NOD, BOG, false, 0},
     {DATA, SEC, false, 1},
     POL_DENY,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    {"bogus tlsa data + secure policy",
     {DATA, BOG, false, 1},
     {DATA, SEC, false, 1},
     POL_PLAIN,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    {"secure tlsa + bogus txt data",
     {DATA, SEC, false, 1},
     {DATA, BOG, false, 1},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    {"secure tlsa + bogus txt nodata",
     {DATA, SEC, false, 1},
     {NOD, BOG, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    {"secure tlsa + bogus txt nxdomain",
     {DATA, SEC, false, 1},
     {NXD, BOG, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    {"secure nxdomain + bogus txt",
     {NXD, SEC, false, 0},
     {NXD, BOG, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    {"both bogus",
     {DATA, BOG, false, 1},
     {DATA, BOG, false, 1},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    /* BOGUS beats an unanswered question and an insecure answer */
    {"bogus tlsa + failed txt",
     {DATA, BOG, false, 1},
     {FAIL, IND, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    {"failed tlsa + bogus txt",
     {FAIL, IND, false, 0},
     {NOD, BOG, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    {"bogus tlsa + insecure txt",
     {DATA, BOG, false, 1},
     {NOD, INS, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    {"insecure tlsa + bogus txt",
     {DATA, INS, false, 1},
     {DATA, BOG, false, 1},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_BOGUS,
     BOG},
    /* INSECURE: no chain of trust */
    {"insecure data",
     {DATA, INS, false, 1},
     {NOD, INS, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_INSECURE,
     INS},
    {"insecure nodata",
     {NOD, INS, false, 0},
     {NOD, INS, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_INSECURE,
     INS},
    {"insecure nxdomain",
     {NXD, INS, false, 0},
     {NXD, INS, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_INSECURE,
     INS},
    {"insecure tlsa + secure txt",
     {DATA, INS, false, 1},
     {NOD, SEC, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_INSECURE,
     INS},
    {"secure tlsa + insecure txt",
     {DATA, SEC, false, 1},
     {NOD, INS, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNSSEC_INSECURE,
     INS},
    /* unanswered: timeout, SERVFAIL, unreachable — never a pass */
    {"both failed",
     {FAIL, IND, false, 0},
     {FAIL, IND, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNS_UNAVAILABLE,
     IND},
    {"failed tlsa + secure deny",
     {FAIL, IND, false, 0},
     {DATA, SEC, false, 1},
     POL_DENY,
     STOP,
     DANECID_R_DNS_UNAVAILABLE,
     IND},
    {"secure tlsa + failed txt",
     {DATA, SEC, false, 1},
     {FAIL, IND, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNS_UNAVAILABLE,
     IND},
    {"indeterminate tlsa data",
     {DATA, IND, false, 1},
     {NOD, SEC, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNS_UNAVAILABLE,
     IND},
    {"secure tlsa + indeterminate txt",
     {DATA, SEC, false, 1},
     {NOD, IND, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNS_UNAVAILABLE,
     IND},
    {"secure nxdomain + failed txt",
     {NXD, SEC, false, 0},
     {FAIL, IND, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNS_UNAVAILABLE,
     IND},
    {"failed tlsa reported secure",
     {FAIL, SEC, false, 0},
     {NOD, SEC, false, 0},
     POL_NONE,
     STOP,
     DANECID_R_DNS_UNAVAILABLE,
     IND},
};

static void fill(struct danecid_rrset *rs, const struct ans *a, uint8_t *rdata)
{
	memset(rs, 0, sizeof(*rs));
	rs->kind = a->kind;
	rs->sec = a->sec;
	rs->wildcard = a->wildcard;
	rs->ttl = 300;
	rs->sig_expire = 2000000000;
	rs->n = a->n;
	for (size_t i = 0; i < a->n; i++) {
		rs->rr[i].data = rdata;
		rs->rr[i].len = 4;
	}
}

static const char *step_name(enum danecid_step s)
{
	return s == NEXT ? "NEXT" : s == DECIDE ? "DECIDE" : s == STOP ? "STOP" : "?";
}

static void test_step_table(void **state)
{
	uint8_t rdata[4] = {3, 1, 0, 0x30};

	(void)state;
	for (size_t i = 0; i < sizeof(step_rows) / sizeof(step_rows[0]); i++) {
		const struct step_row *w = &step_rows[i];
		struct danecid_rrset tlsa, txt;
		struct danecid_node_facts f;
		enum danecid_reason reason = (enum danecid_reason) - 1;
		enum danecid_dnssec dnssec = (enum danecid_dnssec) - 1;
		enum danecid_step step;

		fill(&tlsa, &w->tlsa, rdata);
		fill(&txt, &w->txt, rdata);
		memset(&f, 0, sizeof(f));
		f.tlsa = &tlsa;
		f.txt = &txt;
		f.pol.present = w->pol != POL_NONE;
		f.pol.deny = w->pol == POL_DENY;
		f.pol.require = w->pol == POL_REQUIRE;
		step = danecid_policy_step(&f, &reason, &dnssec);
		if (step != w->step || reason != w->reason || dnssec != w->dnssec) {
			fail_msg("%s: got %s %s dnssec=%d, want %s %s dnssec=%d", w->name,
			         step_name(step), danecid_reason_token(reason), (int)dnssec,
			         step_name(w->step), danecid_reason_token(w->reason),
			         (int)w->dnssec);
		}
	}
}

/* Only records danecid uses make a TLSA set (SPEC §2): a node publishing nothing but other
 * usages or selectors, or an unreadable digest record, does not decide; one usable record
 * among them does. */
static void test_step_unusable_tlsa(void **state)
{
	static const uint8_t pkix[4] = {1, 1, 0, 0x30};
	static const uint8_t cert[4] = {3, 0, 0, 0x30};
	static const uint8_t short_digest[5] = {3, 1, 1, 0xab, 0xcd};
	static const uint8_t full[4] = {3, 1, 0, 0x30};
	struct danecid_rrset tlsa, txt;
	struct danecid_node_facts f;
	enum danecid_reason reason;
	enum danecid_dnssec dnssec;

	(void)state;
	memset(&tlsa, 0, sizeof(tlsa));
	memset(&txt, 0, sizeof(txt));
	memset(&f, 0, sizeof(f));
	tlsa.kind = DATA;
	tlsa.sec = SEC;
	tlsa.rr[0].data = (uint8_t *)pkix;
	tlsa.rr[0].len = sizeof(pkix);
	tlsa.rr[1].data = (uint8_t *)cert;
	tlsa.rr[1].len = sizeof(cert);
	tlsa.rr[2].data = (uint8_t *)short_digest;
	tlsa.rr[2].len = sizeof(short_digest);
	tlsa.n = 3;
	txt.kind = NOD;
	txt.sec = SEC;
	f.tlsa = &tlsa;
	f.txt = &txt;
	assert_int_equal(danecid_policy_step(&f, &reason, &dnssec), NEXT);
	assert_int_equal(dnssec, SEC);
	tlsa.rr[3].data = (uint8_t *)full;
	tlsa.rr[3].len = sizeof(full);
	tlsa.n = 4;
	assert_int_equal(danecid_policy_step(&f, &reason, &dnssec), DECIDE);
	assert_int_equal(reason, DANECID_R_OK);
}

/* Every combination of kind, security and wildcard flag for both answers, with and without a
 * deny: BOGUS beats everything, then an unanswered question, then INSECURE; only an all-SECURE
 * step with a non-wildcard TLSA set or a deny decides. */
static void test_step_exhaustive(void **state)
{
	static const enum danecid_dns_kind kinds[] = {FAIL, DATA, NOD, NXD};
	static const enum danecid_dnssec secs[] = {SEC, BOG, INS, IND};
	uint8_t rdata[4] = {3, 1, 0, 0x30};

	(void)state;
	for (size_t a = 0; a < 4 * 4 * 2; a++) {
		for (size_t b = 0; b < 4 * 4 * 2; b++) {
			for (int deny = 0; deny <= 1; deny++) {
				struct ans ta = {kinds[a % 4], secs[(a / 4) % 4], a / 16 == 1,
				                 kinds[a % 4] == DATA ? 1 : 0};
				struct ans xa = {kinds[b % 4], secs[(b / 4) % 4], b / 16 == 1,
				                 kinds[b % 4] == DATA ? 1 : 0};
				/* a deny is only ever parsed from a TXT set that exists */
				bool has_deny = deny != 0 && xa.kind == DATA && !xa.wildcard;
				struct danecid_rrset tlsa, txt;
				struct danecid_node_facts f;
				enum danecid_reason reason = DANECID_R_COUNT;
				enum danecid_dnssec dnssec = (enum danecid_dnssec) - 1;
				enum danecid_step step, want;
				enum danecid_reason wreason = DANECID_R_OK;
				enum danecid_dnssec wsec = SEC;

				fill(&tlsa, &ta, rdata);
				fill(&txt, &xa, rdata);
				memset(&f, 0, sizeof(f));
				f.tlsa = &tlsa;
				f.txt = &txt;
				f.pol.present = has_deny;
				f.pol.deny = has_deny;
				if (ta.sec == BOG || xa.sec == BOG) {
					want = STOP;
					wreason = DANECID_R_DNSSEC_BOGUS;
					wsec = BOG;
				} else if (ta.kind == FAIL || xa.kind == FAIL || ta.sec == IND ||
				           xa.sec == IND) {
					want = STOP;
					wreason = DANECID_R_DNS_UNAVAILABLE;
					wsec = IND;
				} else if (ta.sec == INS || xa.sec == INS) {
					want = STOP;
					wreason = DANECID_R_DNSSEC_INSECURE;
					wsec = INS;
				} else if (has_deny || (ta.kind == DATA && !ta.wildcard)) {
					want = DECIDE;
				} else {
					want = NEXT;
				}
				step = danecid_policy_step(&f, &reason, &dnssec);
				/* One answer missing, the other INSECURE: SPEC §3 does not rank
				 * dns-unavailable against dnssec-insecure (both No-TN-Validation).
				 */
				if (wreason == DANECID_R_DNS_UNAVAILABLE &&
				    (ta.sec == INS || xa.sec == INS) &&
				    reason == DANECID_R_DNSSEC_INSECURE) {
					wreason = DANECID_R_DNSSEC_INSECURE;
					wsec = INS;
				}
				if (step != want || reason != wreason || dnssec != wsec) {
					fail_msg("tlsa %d/%d/%d txt %d/%d/%d deny %d: got %s %s %d",
					         ta.kind, ta.sec, ta.wildcard, xa.kind, xa.sec,
					         xa.wildcard, deny, step_name(step),
					         danecid_reason_token(reason), (int)dnssec);
				}
				/* nothing that is not SECURE ever lets a node decide */
				if (step == DECIDE) {
					assert_int_equal(ta.sec, SEC);
					assert_int_equal(xa.sec, SEC);
				}
			}
		}
	}
}

/* ---- the verdict table (SPEC §6) ---- */

struct reason_row {
	enum danecid_reason reason;
	enum danecid_verstat verstat;
	int sip_code;
};

#define PASSED DANECID_VERSTAT_PASSED
#define FAILED DANECID_VERSTAT_FAILED
#define NOVAL  DANECID_VERSTAT_NO_VALIDATION

static const struct reason_row reason_rows[] = {
    {DANECID_R_OK, PASSED, 0},
    {DANECID_R_SIGNATURE_INVALID, FAILED, 438},
    {DANECID_R_KEY_NOT_AUTHORIZED, FAILED, 438},
    {DANECID_R_ORIG_MISMATCH, FAILED, 438},
    {DANECID_R_DEST_MISMATCH, FAILED, 438},
    {DANECID_R_IDENTITY_MALFORMED, FAILED, 438},
    {DANECID_R_DNSSEC_BOGUS, FAILED, 438},
    {DANECID_R_NUMBER_REVOKED, FAILED, 438},
    {DANECID_R_REPLAY, FAILED, 438},
    {DANECID_R_ATTEST_NOT_ALLOWED, FAILED, 438},
    {DANECID_R_PPT_NOT_ALLOWED, FAILED, 438},
    {DANECID_R_TNAUTH_MISMATCH, FAILED, 438},
    {DANECID_R_CERT_INVALID, FAILED, 438},
    {DANECID_R_STALE, FAILED, 403},
    {DANECID_R_ALG_UNSUPPORTED, FAILED, 437},
    {DANECID_R_X5U_UNAVAILABLE, FAILED, 436},
    {DANECID_R_IDENTITY_REQUIRED, FAILED, 428},
    {DANECID_R_NO_IDENTITY, NOVAL, 0},
    {DANECID_R_NOT_A_TN, NOVAL, 0},
    {DANECID_R_NUMBER_NOT_REGISTERED, NOVAL, 0},
    {DANECID_R_DNSSEC_INSECURE, NOVAL, 0},
    {DANECID_R_DNS_UNAVAILABLE, NOVAL, 0},
};

static void test_reason_table(void **state)
{
	bool seen[DANECID_R_COUNT] = {false};

	(void)state;
	assert_int_equal(sizeof(reason_rows) / sizeof(reason_rows[0]), DANECID_R_COUNT);
	assert_int_equal(DANECID_R_COUNT, 22);
	for (size_t i = 0; i < sizeof(reason_rows) / sizeof(reason_rows[0]); i++) {
		const struct reason_row *w = &reason_rows[i];
		struct danecid_verdict v;

		assert_false(seen[w->reason]);
		seen[w->reason] = true;
		if (danecid_reason_verstat(w->reason) != w->verstat ||
		    danecid_reason_sip_code(w->reason) != w->sip_code) {
			fail_msg("%s: got %s %d, want %s %d", danecid_reason_token(w->reason),
			         danecid_verstat_name(danecid_reason_verstat(w->reason)),
			         danecid_reason_sip_code(w->reason),
			         danecid_verstat_name(w->verstat), w->sip_code);
		}
		/* danecid_verdict_set applies the same table */
		memset(&v, 0, sizeof(v));
		v.verstat = (enum danecid_verstat)99;
		v.sip_code = -1;
		danecid_verdict_set(&v, w->reason, "row %zu", i);
		assert_int_equal(v.reason, w->reason);
		assert_int_equal(v.verstat, w->verstat);
		assert_int_equal(v.sip_code, w->sip_code);
	}
	/* out of range: fail closed */
	assert_int_equal(danecid_reason_verstat(DANECID_R_COUNT), FAILED);
	assert_int_equal(danecid_reason_sip_code(DANECID_R_COUNT), 438);
	assert_int_equal(danecid_reason_verstat((enum danecid_reason) - 1), FAILED);
	assert_int_equal(danecid_reason_sip_code((enum danecid_reason) - 1), 438);
}

static void test_verdict_set_fields(void **state)
{
	struct danecid_verdict v;

	(void)state;
	memset(&v, 0, sizeof(v));
	strcpy(v.orig, "12025550100");
	strcpy(v.dest[0], "12025550101");
	v.n_dest = 1;
	v.attest = 'A';
	v.method = DANECID_METHOD_DANE;
	v.dnssec = DANECID_DNSSEC_SECURE;
	strcpy(v.prefix, "1202555");
	danecid_verdict_set(&v, DANECID_R_STALE, "iat %d s in the past (freshness %u)", 61, 60u);
	assert_int_equal(v.verstat, FAILED);
	assert_int_equal(v.sip_code, 403);
	assert_int_equal(v.reason, DANECID_R_STALE);
	assert_string_equal(v.detail, "iat 61 s in the past (freshness 60)");
	/* the other fields are left as they are */
	assert_string_equal(v.orig, "12025550100");
	assert_string_equal(v.dest[0], "12025550101");
	assert_int_equal(v.n_dest, 1);
	assert_int_equal(v.attest, 'A');
	assert_int_equal(v.method, DANECID_METHOD_DANE);
	assert_int_equal(v.dnssec, DANECID_DNSSEC_SECURE);
	assert_string_equal(v.prefix, "1202555");
	/* a later call replaces the outcome */
	danecid_verdict_set(&v, DANECID_R_OK, "%s", "");
	assert_int_equal(v.verstat, PASSED);
	assert_int_equal(v.sip_code, 0);
	assert_string_equal(v.detail, "");
	/* an impossible reason never passes */
	danecid_verdict_set(&v, DANECID_R_COUNT, "x");
	assert_int_equal(v.reason, DANECID_R_IDENTITY_MALFORMED);
	assert_int_equal(v.verstat, FAILED);
	assert_int_equal(v.sip_code, 438);
}

static void test_verdict_set_sanitizes(void **state)
{
	static const struct {
		const char *in, *out;
	} rows[] = {
	    {"plain ASCII text ~!@#$%^&*()", "plain ASCII text ~!@#$%^&*()"},
	    {"line\r\nbreak", "line??break"},
	    {"tab\there", "tab?here"},
	    {"esc\x1b[31mred", "esc?[31mred"},
	    {"del\x7f", "del?"},
	    {"\x01\x1f", "??"},
	    {"caf\xc3\xa9", "caf??"},
	    {"\xff\xfe", "??"},
	    {"quote \" and backslash \\", "quote \" and backslash \\"},
	};
	struct danecid_verdict v;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&v, 0, sizeof(v));
		danecid_verdict_set(&v, DANECID_R_IDENTITY_MALFORMED, "%s", rows[i].in);
		assert_string_equal(v.detail, rows[i].out);
	}
	/* in the format string itself as well */
	danecid_verdict_set(&v, DANECID_R_NOT_A_TN, "From \"%s\"\n", "Zo\xc3\xab");
	assert_string_equal(v.detail, "From \"Zo??\"?");
}

static void test_verdict_set_truncates(void **state)
{
	char big[1000];
	char want[sizeof(((struct danecid_verdict *)0)->detail)];
	struct danecid_verdict v;

	(void)state;
	assert_int_equal(sizeof(v.detail), 256);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(&v, 0, sizeof(v));
	strcpy(v.prefix, "1202");
	danecid_verdict_set(&v, DANECID_R_IDENTITY_MALFORMED, "%s", big);
	assert_int_equal(strlen(v.detail), 255);
	memset(want, 'x', 255);
	want[255] = '\0';
	assert_string_equal(v.detail, want);
	assert_string_equal(v.prefix, "1202"); /* nothing written past detail */
	/* exactly 255 characters fit; 256 lose the last one */
	big[255] = '\0';
	danecid_verdict_set(&v, DANECID_R_REPLAY, "%s", big);
	assert_string_equal(v.detail, want);
	big[255] = 'y';
	big[256] = '\0';
	danecid_verdict_set(&v, DANECID_R_REPLAY, "%s", big);
	assert_string_equal(v.detail, want);
	/* a multi-byte character cut at the end is sanitized too */
	memset(big, 'x', 254);
	memcpy(big + 254, "\xc3\xa9\xc3\xa9", 5);
	danecid_verdict_set(&v, DANECID_R_REPLAY, "%s", big);
	assert_int_equal(strlen(v.detail), 255);
	assert_int_equal(v.detail[253], 'x');
	assert_int_equal(v.detail[254], '?');
	assert_string_equal(v.prefix, "1202");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_txt_table),
	    cmocka_unit_test(test_txt_guard_page),
	    cmocka_unit_test(test_txt_length_bounded),
	    cmocka_unit_test(test_step_table),
	    cmocka_unit_test(test_step_unusable_tlsa),
	    cmocka_unit_test(test_step_exhaustive),
	    cmocka_unit_test(test_reason_table),
	    cmocka_unit_test(test_verdict_set_fields),
	    cmocka_unit_test(test_verdict_set_sanitizes),
	    cmocka_unit_test(test_verdict_set_truncates),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
