/* test_sipreply — responses built from raw requests (exact bytes), transaction keys, stream
 * framing, the RFC 4475 torture messages, and inputs against a guard page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <danecid/error.h>

#include "corpus.h"
#include "guard.h"
#include "sipreply.h"

#define CRLF "\r\n"

/* The tags below are FNV-1a-64 of Call-ID, From tag and branch, each followed by a zero byte,
 * computed independently (python3: h ^= b; h *= 0x100000001b3 from 0xcbf29ce484222325). */

static const char invite[] =
    "INVITE sip:+14155550100@example.org;user=phone SIP/2.0" CRLF
    "Via: SIP/2.0/UDP pcscf.example.com:5060;branch=z9hG4bK776asdhds" CRLF "Max-Forwards: 70" CRLF
    "From: \"Alice\" <sip:+12025550101@example.com;user=phone>;tag=1928301774" CRLF
    "To: <sip:+14155550100@example.org>" CRLF "Call-ID: a84b4c76e66710@pc33.example.com" CRLF
    "CSeq: 314159 INVITE" CRLF "Identity: abc.def.ghi;info=<dns:x>;alg=ES256;ppt=shaken" CRLF
    "Contact: <sip:alice@pc33.example.com>" CRLF "Content-Type: application/sdp" CRLF
    "Content-Length: 4" CRLF CRLF "v=0\n";

static const char invite_302[] =
    "SIP/2.0 302 Moved Temporarily" CRLF
    "Via: SIP/2.0/UDP pcscf.example.com:5060;branch=z9hG4bK776asdhds" CRLF
    "From: \"Alice\" <sip:+12025550101@example.com;user=phone>;tag=1928301774" CRLF
    "To: <sip:+14155550100@example.org>;tag=5f3633f05663e303" CRLF
    "Call-ID: a84b4c76e66710@pc33.example.com" CRLF "CSeq: 314159 INVITE" CRLF
    "Contact: <sip:+14155550100@example.org;user=phone>" CRLF
    "P-Asserted-Identity: <tel:+12025550101;verstat=TN-Validation-Passed>" CRLF
    "Content-Length: 0" CRLF CRLF;

/* Compact header names are kept as they came. */
static const char compact[] =
    "INVITE sip:+14155550100@example.net SIP/2.0" CRLF
    "v: SIP/2.0/TCP h.example.com;branch=z9hG4bK1" CRLF
    "f: <sip:+12025550101@example.com>;tag=77" CRLF "t: sip:+14155550100@example.net" CRLF
    "i: c1@h.example.com" CRLF "CSeq: 1 INVITE" CRLF "l: 0" CRLF CRLF;

static const char compact_438[] =
    "SIP/2.0 438 Invalid Identity Header" CRLF "v: SIP/2.0/TCP h.example.com;branch=z9hG4bK1" CRLF
    "f: <sip:+12025550101@example.com>;tag=77" CRLF
    "t: sip:+14155550100@example.net;tag=3a107370de95681a" CRLF "i: c1@h.example.com" CRLF
    "CSeq: 1 INVITE" CRLF "Reason: SIP ;cause=438 ;text=\"key-not-authorized\"" CRLF
    "Content-Length: 0" CRLF CRLF;

/* Two Via header lines (the second with two values), a To that has a tag, mixed case names,
 * and From/To after Call-ID: the response puts them in its own order. */
static const char two_via[] =
    "OPTIONS sip:verifier.example.net SIP/2.0" CRLF
    "VIA: SIP/2.0/UDP proxy2.example.net;branch=z9hG4bKtop;received=192.0.2.7" CRLF
    "Via: SIP/2.0/UDP proxy1.example.net;branch=z9hG4bKmid , SIP/2.0/UDP "
    "ua.example.com;branch=z9hG4bKlow" CRLF "call-id: two@example.com" CRLF "cseq: 7 OPTIONS" CRLF
    "from: <sip:ping@example.net>;tag=2" CRLF "TO: <sip:verifier.example.net>;Tag=xyz" CRLF
    "Accept: application/sdp" CRLF CRLF;

static const char two_via_200[] =
    "SIP/2.0 200 OK" CRLF
    "VIA: SIP/2.0/UDP proxy2.example.net;branch=z9hG4bKtop;received=192.0.2.7" CRLF
    "Via: SIP/2.0/UDP proxy1.example.net;branch=z9hG4bKmid , SIP/2.0/UDP "
    "ua.example.com;branch=z9hG4bKlow" CRLF "from: <sip:ping@example.net>;tag=2" CRLF
    "TO: <sip:verifier.example.net>;Tag=xyz" CRLF "call-id: two@example.com" CRLF
    "cseq: 7 OPTIONS" CRLF "Allow: INVITE, ACK, CANCEL, OPTIONS" CRLF "Content-Length: 0" CRLF CRLF;

/* Folded Via and To: the continuation lines travel with their header; the tag goes at the
 * end of the To's last line (its trailing white space dropped). */
static const char folded[] =
    "INVITE sip:+14155550100@example.org SIP/2.0" CRLF "Via: SIP/2.0/UDP a.example.com" CRLF
    "  ;branch=z9hG4bKfold" CRLF "From: <sip:+12025550101@example.com>;tag=9" CRLF "To:" CRLF
    "\t<sip:+14155550100@example.org> " CRLF "Call-ID: fold-1@example.com" CRLF
    "CSeq: 2 INVITE" CRLF "Subject: a" CRLF " b" CRLF "Content-Length: 0" CRLF CRLF;

static const char folded_400[] =
    "SIP/2.0 400 Bad Request" CRLF "Via: SIP/2.0/UDP a.example.com" CRLF
    "  ;branch=z9hG4bKfold" CRLF "From: <sip:+12025550101@example.com>;tag=9" CRLF "To:" CRLF
    "\t<sip:+14155550100@example.org>;tag=e30553e68ed7e66a" CRLF "Call-ID: fold-1@example.com" CRLF
    "CSeq: 2 INVITE" CRLF "Content-Length: 0" CRLF CRLF;

/* Bare LF line ends, and CRLFs before the start line. */
static const char bare_lf[] = "\r\n\r\nBYE sip:x@example.org SIP/2.0\n"
                              "Via: SIP/2.0/UDP lf.example.com;branch=z9hG4bKlf\n"
                              "From: <sip:a@example.com>;tag=5\n"
                              "To: <sip:x@example.org>\n"
                              "Call-ID: lf-1@example.com\n"
                              "CSeq: 3 BYE\n\n";

static const char bare_lf_405[] =
    "SIP/2.0 405 Method Not Allowed" CRLF "Via: SIP/2.0/UDP lf.example.com;branch=z9hG4bKlf" CRLF
    "From: <sip:a@example.com>;tag=5" CRLF "To: <sip:x@example.org>;tag=0a117533da3f1c56" CRLF
    "Call-ID: lf-1@example.com" CRLF "CSeq: 3 BYE" CRLF "Allow: INVITE, ACK, CANCEL, OPTIONS" CRLF
    "Content-Length: 0" CRLF CRLF;

/* RFC 2543 style: no From tag, no branch. */
static const char no_tags[] =
    "INVITE sip:b@example.org SIP/2.0" CRLF "Via: SIP/2.0/UDP old.example.com" CRLF
    "From: sip:a@example.com" CRLF "To: sip:b@example.org" CRLF "Call-ID: norq@example.com" CRLF
    "CSeq: 1 INVITE" CRLF CRLF;

static const char no_tags_503[] =
    "SIP/2.0 503 Service Unavailable" CRLF "Via: SIP/2.0/UDP old.example.com" CRLF
    "From: sip:a@example.com" CRLF "To: sip:b@example.org;tag=e73ab3f4fa4c9776" CRLF
    "Call-ID: norq@example.com" CRLF "CSeq: 1 INVITE" CRLF "Content-Length: 0" CRLF CRLF;

/* Build a reply and compare it with the expected bytes. */
static void check_reply(const char *req, size_t len, int code, const char *const *extra,
                        size_t n_extra, const char *want)
{
	char *out = NULL;
	size_t out_len = 0;

	assert_int_equal(danecid_sip_reply(req, len, code, extra, n_extra, &out, &out_len),
	                 DANECID_OK);
	assert_non_null(out);
	assert_int_equal(out_len, strlen(out));
	if (strcmp(out, want) != 0) {
		print_error("got:\n%s\nwant:\n%s\n", out, want);
	}
	assert_string_equal(out, want);
	free(out);
}

static bool span_is(struct danecid_span s, const char *want)
{
	if (want == NULL) {
		return s.p == NULL;
	}
	return s.p != NULL && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

#define assert_span(s, want) assert_true(span_is((s), (want)))

static const char *const allow[] = {"Allow: INVITE, ACK, CANCEL, OPTIONS"};

static void test_reply_exact(void **state)
{
	const char *const extra_302[] = {
	    "Contact: <sip:+14155550100@example.org;user=phone>",
	    "P-Asserted-Identity: <tel:+12025550101;verstat=TN-Validation-Passed>",
	};
	const char *const extra_438[] = {"Reason: SIP ;cause=438 ;text=\"key-not-authorized\""};

	(void)state;
	check_reply(invite, strlen(invite), 302, extra_302, 2, invite_302);
	check_reply(compact, strlen(compact), 438, extra_438, 1, compact_438);
	check_reply(two_via, strlen(two_via), 200, allow, 1, two_via_200);
	check_reply(folded, strlen(folded), 400, NULL, 0, folded_400);
	check_reply(bare_lf, strlen(bare_lf), 405, allow, 1, bare_lf_405);
	check_reply(no_tags, strlen(no_tags), 503, NULL, 0, no_tags_503);
}

/* The same request gives the same bytes (a retransmission); another branch another tag. */
static void test_reply_stable_tag(void **state)
{
	char *a = NULL;
	char *b = NULL;
	char *c = NULL;
	size_t la;
	size_t lb;
	size_t lc;
	char other[sizeof(invite)];
	char *p;

	(void)state;
	memcpy(other, invite, sizeof(invite));
	p = strstr(other, "776asdhds");
	assert_non_null(p);
	p[0] = '8';
	assert_int_equal(danecid_sip_reply(invite, strlen(invite), 302, NULL, 0, &a, &la), 0);
	assert_int_equal(danecid_sip_reply(invite, strlen(invite), 302, NULL, 0, &b, &lb), 0);
	assert_int_equal(danecid_sip_reply(other, strlen(other), 302, NULL, 0, &c, &lc), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	assert_non_null(strstr(a, ";tag=5f3633f05663e303\r\n"));
	assert_null(strstr(c, ";tag=5f3633f05663e303\r\n"));
	assert_non_null(strstr(c, ";tag="));
	free(a);
	free(b);
	free(c);
}

static void test_phrases(void **state)
{
	static const struct {
		int code;
		const char *phrase;
	} want[] = {
	    {302, "Moved Temporarily"},
	    {200, "OK"},
	    {400, "Bad Request"},
	    {403, "Stale Date"},
	    {428, "Use Identity Header"},
	    {436, "Bad Identity Info"},
	    {437, "Unsupported Credential"},
	    {438, "Invalid Identity Header"},
	    {405, "Method Not Allowed"},
	    {503, "Service Unavailable"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(danecid_sip_phrase(want[i].code), want[i].phrase);
	}
	assert_null(danecid_sip_phrase(0));
	assert_null(danecid_sip_phrase(299));
	assert_null(danecid_sip_phrase(-1));
}

static void test_reply_args(void **state)
{
	const char *const bad_cr[] = {"X-A: 1\r\nX-B: 2"};
	const char *const bad_lf[] = {"X-A: 1\nX-B: 2"};
	const char *const empty[] = {""};
	const char *const null_line[] = {NULL};
	char *out = (char *)"x";
	size_t len = 7;

	(void)state;
	assert_int_equal(danecid_sip_reply(invite, strlen(invite), 299, NULL, 0, &out, &len),
	                 DANECID_ERR_INVAL);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_int_equal(danecid_sip_reply(invite, strlen(invite), 200, bad_cr, 1, &out, &len),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_sip_reply(invite, strlen(invite), 200, bad_lf, 1, &out, &len),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_sip_reply(invite, strlen(invite), 200, empty, 1, &out, &len),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_sip_reply(invite, strlen(invite), 200, null_line, 1, &out, &len),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_sip_reply(invite, strlen(invite), 200, NULL, 1, &out, &len),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_sip_reply(NULL, 5, 200, NULL, 0, &out, &len), DANECID_ERR_INVAL);
	assert_int_equal(danecid_sip_reply(invite, strlen(invite), 200, NULL, 0, NULL, &len),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_sip_reply(NULL, 0, 200, NULL, 0, &out, &len), DANECID_ERR_NOT_SIP);
	assert_int_equal(danecid_sip_head_scan(invite, 5, NULL, NULL, 0), DANECID_ERR_INVAL);
	assert_int_equal(danecid_sip_txkey(NULL, &out, &len), DANECID_ERR_INVAL);
	assert_int_equal(danecid_sip_frame(invite, 5, 100, NULL), DANECID_ERR_INVAL);
}

static void test_scan_fields(void **state)
{
	struct danecid_sip_head h;
	char err[128] = "stale";

	(void)state;
	assert_int_equal(danecid_sip_head_scan(invite, strlen(invite), &h, err, sizeof(err)),
	                 DANECID_OK);
	assert_string_equal(err, "");
	assert_true(h.complete);
	assert_true(h.replyable);
	assert_false(h.response);
	assert_int_equal(h.start, 0);
	assert_int_equal(h.head_len, strlen(invite) - 4);
	assert_span(h.method, "INVITE");
	assert_span(h.ruri, "sip:+14155550100@example.org;user=phone");
	assert_span(h.branch, "z9hG4bK776asdhds");
	assert_span(h.from_uri, "sip:+12025550101@example.com;user=phone");
	assert_span(h.from_tag, "1928301774");
	assert_span(h.to_tag, NULL);
	assert_span(h.call_id, "a84b4c76e66710@pc33.example.com");
	assert_span(h.cseq_num, "314159");
	assert_span(h.cseq_method, "INVITE");
	assert_true(h.has_content_length);
	assert_int_equal(h.content_length, 4);

	assert_int_equal(danecid_sip_head_scan(compact, strlen(compact), &h, NULL, 0), DANECID_OK);
	assert_span(h.branch, "z9hG4bK1");
	assert_span(h.from_uri, "sip:+12025550101@example.com");
	assert_span(h.from_tag, "77");
	assert_true(h.has_content_length);
	assert_int_equal(h.content_length, 0);

	/* the top Via value's branch, not a later one; a To tag in another case */
	assert_int_equal(danecid_sip_head_scan(two_via, strlen(two_via), &h, NULL, 0), DANECID_OK);
	assert_span(h.branch, "z9hG4bKtop");
	assert_span(h.to_tag, "xyz");
	assert_span(h.method, "OPTIONS");
	assert_false(h.has_content_length);

	assert_int_equal(danecid_sip_head_scan(folded, strlen(folded), &h, NULL, 0), DANECID_OK);
	assert_span(h.branch, "z9hG4bKfold");
	assert_span(h.to_tag, NULL);

	assert_int_equal(danecid_sip_head_scan(bare_lf, strlen(bare_lf), &h, NULL, 0), DANECID_OK);
	assert_int_equal(h.start, 4);
	assert_span(h.method, "BYE");
	assert_span(h.ruri, "sip:x@example.org");
	assert_int_equal(h.head_len, strlen(bare_lf));

	assert_int_equal(danecid_sip_head_scan(no_tags, strlen(no_tags), &h, NULL, 0), DANECID_OK);
	assert_span(h.branch, NULL);
	assert_span(h.from_tag, NULL);
	assert_span(h.from_uri, "sip:a@example.com");
}

/* Display names with '<', ';' and quotes do not fool the From/To parser. */
static void test_scan_nameaddr(void **state)
{
	static const char msg[] =
	    "INVITE sip:b@example.org SIP/2.0" CRLF "Via: SIP/2.0/UDP h;branch=\"q;x\";x=1" CRLF
	    "From: \"A <b>;tag=no \\\" x\" "
	    "<sip:+12025550101@example.com;tag=uri>;x=\"tag=\";tag=yes" CRLF
	    "To: Bob <sip:b@example.org> ; tag = t1 " CRLF "Call-ID:  spaced  " CRLF
	    "CSeq:\t9\t INVITE" CRLF CRLF;
	struct danecid_sip_head h;

	(void)state;
	assert_int_equal(danecid_sip_head_scan(msg, strlen(msg), &h, NULL, 0), DANECID_OK);
	assert_span(h.branch, "\"q;x\"");
	assert_span(h.from_uri, "sip:+12025550101@example.com;tag=uri");
	assert_span(h.from_tag, "yes");
	assert_span(h.to_tag, "t1");
	assert_span(h.call_id, "spaced");
	assert_span(h.cseq_num, "9");
	assert_span(h.cseq_method, "INVITE");
}

/* Scan results: what is refused, and whether a 400 can still be built. */
static void test_scan_errors(void **state)
{
	static const struct {
		const char *name;
		const char *msg;
		int err;
		bool replyable;
	} cases[] = {
	    {"response",
	     "SIP/2.0 200 OK" CRLF "Via: SIP/2.0/UDP h;branch=z9hG4bK1" CRLF
	     "From: <sip:a@b>;tag=1" CRLF "To: <sip:c@d>;tag=2" CRLF "Call-ID: x" CRLF
	     "CSeq: 1 INVITE" CRLF CRLF,
	     DANECID_ERR_NOT_SIP, false},
	    {"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", DANECID_ERR_NOT_SIP, false},
	    {"only CRLF", CRLF CRLF, DANECID_ERR_NOT_SIP, false},
	    {"no headers", "OPTIONS sip:a@b SIP/2.0" CRLF CRLF, DANECID_ERR_MISSING_HEADER, false},
	    {"no Via",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "From: <sip:a@b>;tag=1" CRLF "To: <sip:c@d>" CRLF
	     "Call-ID: x" CRLF "CSeq: 1 OPTIONS" CRLF CRLF,
	     DANECID_ERR_MISSING_HEADER, false},
	    {"no CSeq",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: x" CRLF CRLF,
	     DANECID_ERR_MISSING_HEADER, false},
	    {"bad request line",
	     "OPTIONS  sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 1 OPTIONS" CRLF CRLF,
	     DANECID_ERR_NOT_SIP, true},
	    {"SIP/3.0",
	     "OPTIONS sip:a@b SIP/3.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 1 OPTIONS" CRLF CRLF,
	     DANECID_ERR_NOT_SIP, true},
	    {"<URI>",
	     "OPTIONS <sip:a@b> SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 1 OPTIONS" CRLF CRLF,
	     DANECID_ERR_NOT_SIP, true},
	    {"CSeq mismatch",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 1 INVITE" CRLF CRLF,
	     DANECID_ERR_NOT_SIP, true},
	    {"CSeq 2^31",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 2147483648 OPTIONS" CRLF CRLF,
	     DANECID_ERR_NOT_SIP, true},
	    {"CSeq no method",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 1" CRLF CRLF,
	     DANECID_ERR_NOT_SIP, true},
	    {"two To",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "t: <sip:e@f>" CRLF "Call-ID: x" CRLF "CSeq: 1 OPTIONS" CRLF CRLF,
	     DANECID_ERR_DUP_HEADER, true},
	    {"two Content-Length",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 1 OPTIONS" CRLF "l: 0" CRLF
	     "Content-Length: 0" CRLF CRLF,
	     DANECID_ERR_DUP_HEADER, true},
	    {"negative Content-Length",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 1 OPTIONS" CRLF
	     "Content-Length: -1" CRLF CRLF,
	     DANECID_ERR_NOT_SIP, true},
	    {"short body",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 1 OPTIONS" CRLF
	     "Content-Length: 5" CRLF CRLF "abcd",
	     DANECID_ERR_NOT_SIP, true},
	    {"no blank line",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 1 OPTIONS" CRLF,
	     DANECID_ERR_NOT_SIP, true},
	    {"line without colon",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 1 OPTIONS" CRLF "garbage here" CRLF CRLF,
	     DANECID_ERR_NOT_SIP, true},
	    {"continuation first",
	     "OPTIONS sip:a@b SIP/2.0" CRLF " Via: SIP/2.0/UDP h" CRLF "Via: SIP/2.0/UDP h" CRLF
	     "From: <sip:a@b>;tag=1" CRLF "To: <sip:c@d>" CRLF "Call-ID: x" CRLF
	     "CSeq: 1 OPTIONS" CRLF CRLF,
	     DANECID_ERR_NOT_SIP, true},
	    {"empty Via parameter",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h;;branch=x" CRLF
	     "From: <sip:a@b>;tag=1" CRLF "To: <sip:c@d>" CRLF "Call-ID: x" CRLF
	     "CSeq: 1 OPTIONS" CRLF CRLF,
	     DANECID_ERR_NOT_SIP, true},
	    {"empty Via value",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF
	     "v: SIP/2.0/UDP a,,SIP/2.0/UDP b" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 1 OPTIONS" CRLF CRLF,
	     DANECID_ERR_NOT_SIP, true},
	    {"Via without sent-by",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 1 OPTIONS" CRLF CRLF,
	     DANECID_ERR_NOT_SIP, true},
	    {"empty Call-ID",
	     "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	     "To: <sip:c@d>" CRLF "Call-ID: " CRLF "CSeq: 1 OPTIONS" CRLF CRLF,
	     DANECID_ERR_NOT_SIP, true},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct danecid_sip_head h;
		char err[128] = "";
		char *out = NULL;
		size_t len = 0;
		int r =
		    danecid_sip_head_scan(cases[i].msg, strlen(cases[i].msg), &h, err, sizeof(err));
		int rr;

		if (r != cases[i].err || h.replyable != cases[i].replyable) {
			print_error("%s: got %d replyable %d (%s)\n", cases[i].name, r, h.replyable,
			            err);
		}
		assert_int_equal(r, cases[i].err);
		assert_true(err[0] != '\0');
		assert_int_equal(h.replyable, cases[i].replyable);
		rr =
		    danecid_sip_reply(cases[i].msg, strlen(cases[i].msg), 400, NULL, 0, &out, &len);
		if (cases[i].replyable) {
			assert_int_equal(rr, DANECID_OK);
			assert_memory_equal(out, "SIP/2.0 400 Bad Request\r\n", 25);
		} else {
			assert_int_equal(rr, DANECID_ERR_NOT_SIP);
			assert_null(out);
		}
		free(out);
	}
}

/* A NUL in the head: never answered (the copy would carry it); in the body it is fine. */
static void test_scan_nul(void **state)
{
	static const char head_nul[] =
	    "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1\0" CRLF
	    "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 1 OPTIONS" CRLF CRLF;
	static const char body_nul[] =
	    "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF
	    "To: <sip:c@d>" CRLF "Call-ID: x" CRLF "CSeq: 1 OPTIONS" CRLF "l: 2" CRLF CRLF "\0\0";
	struct danecid_sip_head h;
	char *out = NULL;
	size_t len;

	(void)state;
	assert_int_equal(danecid_sip_head_scan(head_nul, sizeof(head_nul) - 1, &h, NULL, 0),
	                 DANECID_ERR_NOT_SIP);
	assert_false(h.replyable);
	assert_int_equal(
	    danecid_sip_reply(head_nul, sizeof(head_nul) - 1, 400, NULL, 0, &out, &len),
	    DANECID_ERR_NOT_SIP);
	assert_int_equal(danecid_sip_head_scan(body_nul, sizeof(body_nul) - 1, &h, NULL, 0),
	                 DANECID_OK);
	assert_int_equal(
	    danecid_sip_reply(body_nul, sizeof(body_nul) - 1, 200, NULL, 0, &out, &len),
	    DANECID_OK);
	free(out);
}

/* A repeated From: the scan refuses the request, a 400 copies the first one. */
static void test_reply_duplicates(void **state)
{
	static const char msg[] =
	    "OPTIONS sip:a@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h;branch=z9hG4bKd" CRLF
	    "From: <sip:first@b>;tag=1" CRLF "To: <sip:c@d>;tag=2" CRLF
	    "From: <sip:second@b>;tag=3" CRLF "Call-ID: dup" CRLF "CSeq: 1 OPTIONS" CRLF CRLF;
	static const char want[] =
	    "SIP/2.0 400 Bad Request" CRLF "Via: SIP/2.0/UDP h;branch=z9hG4bKd" CRLF
	    "From: <sip:first@b>;tag=1" CRLF "To: <sip:c@d>;tag=2" CRLF "Call-ID: dup" CRLF
	    "CSeq: 1 OPTIONS" CRLF "Content-Length: 0" CRLF CRLF;

	(void)state;
	check_reply(msg, strlen(msg), 400, NULL, 0, want);
}

static void test_size_limit(void **state)
{
	size_t n = DANECID_SIP_MSG_MAX + 1;
	char *big = malloc(n);
	struct danecid_sip_head h;
	char *out = NULL;
	size_t len;
	size_t msg_len;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', n);
	memcpy(big, invite, strlen(invite));
	assert_int_equal(danecid_sip_head_scan(big, n, &h, NULL, 0), DANECID_ERR_TOO_LONG);
	assert_int_equal(danecid_sip_reply(big, n, 400, NULL, 0, &out, &len), DANECID_ERR_TOO_LONG);
	/* the framer: a head that never ends, a body announced too long */
	memset(big, 'a', n);
	memcpy(big, "OPTIONS sip:a@b SIP/2.0\r\n", 25);
	assert_int_equal(danecid_sip_frame(big, 1000, 1000, &msg_len), DANECID_ERR_TOO_LONG);
	assert_int_equal(danecid_sip_frame(big, 999, 1000, &msg_len), DANECID_OK);
	assert_int_equal(msg_len, 0);
	assert_int_equal(danecid_sip_frame(invite, strlen(invite), strlen(invite) - 1, &msg_len),
	                 DANECID_ERR_TOO_LONG);
	assert_int_equal(danecid_sip_frame(invite, strlen(invite), strlen(invite), &msg_len),
	                 DANECID_OK);
	assert_int_equal(msg_len, strlen(invite));
	free(big);
}

static void test_txkey(void **state)
{
	static const char ack[] =
	    "ACK sip:+14155550100@example.org;user=phone SIP/2.0" CRLF
	    "Via: SIP/2.0/UDP pcscf.example.com:5060;branch=z9hG4bK776asdhds" CRLF
	    "From: \"Alice\" <sip:+12025550101@example.com;user=phone>"
	    ";tag=1928301774" CRLF "To: <sip:+14155550100@example.org>;tag=5f" CRLF
	    "Call-ID: a84b4c76e66710@pc33.example.com" CRLF "CSeq: 314159 ACK" CRLF CRLF;
	static const char want[] = "16:z9hG4bK776asdhds31:a84b4c76e66710@pc33.example.com6:3141596:"
	                           "INVITE10:1928301774";
	struct danecid_sip_head h;
	char *k1 = NULL;
	char *k2 = NULL;
	size_t l1;
	size_t l2;

	(void)state;
	assert_int_equal(danecid_sip_head_scan(invite, strlen(invite), &h, NULL, 0), DANECID_OK);
	assert_int_equal(danecid_sip_txkey(&h, &k1, &l1), DANECID_OK);
	assert_int_equal(l1, strlen(want));
	assert_string_equal(k1, want);
	assert_int_equal(danecid_sip_head_scan(ack, strlen(ack), &h, NULL, 0), DANECID_OK);
	assert_int_equal(danecid_sip_txkey(&h, &k2, &l2), DANECID_OK);
	assert_false(l1 == l2 && memcmp(k1, k2, l1) == 0);
	free(k1);
	free(k2);
	/* absent parts are empty */
	assert_int_equal(danecid_sip_head_scan(no_tags, strlen(no_tags), &h, NULL, 0), DANECID_OK);
	assert_int_equal(danecid_sip_txkey(&h, &k1, &l1), DANECID_OK);
	assert_string_equal(k1, "0:16:norq@example.com1:16:INVITE0:");
	free(k1);
}

static void test_frame(void **state)
{
	char two[1024];
	size_t msg_len = 99;
	size_t n;

	(void)state;
	/* head incomplete, head complete with the body still coming, whole */
	assert_int_equal(danecid_sip_frame(invite, 30, 65536, &msg_len), DANECID_OK);
	assert_int_equal(msg_len, 0);
	assert_int_equal(danecid_sip_frame(invite, strlen(invite) - 2, 65536, &msg_len),
	                 DANECID_OK);
	assert_int_equal(msg_len, strlen(invite));
	assert_int_equal(danecid_sip_frame(invite, strlen(invite), 65536, &msg_len), DANECID_OK);
	assert_int_equal(msg_len, strlen(invite));
	/* compact "l", no Content-Length at all (no body), bare LF */
	assert_int_equal(danecid_sip_frame(compact, strlen(compact), 65536, &msg_len), DANECID_OK);
	assert_int_equal(msg_len, strlen(compact));
	assert_int_equal(danecid_sip_frame(two_via, strlen(two_via), 65536, &msg_len), DANECID_OK);
	assert_int_equal(msg_len, strlen(two_via));
	assert_int_equal(danecid_sip_frame(bare_lf, strlen(bare_lf), 65536, &msg_len), DANECID_OK);
	assert_int_equal(msg_len, strlen(bare_lf));
	/* two messages back to back: the first one */
	n = (size_t)snprintf(two, sizeof(two), "%s%s", invite, compact);
	assert_int_equal(danecid_sip_frame(two, n, 65536, &msg_len), DANECID_OK);
	assert_int_equal(msg_len, strlen(invite));
	assert_int_equal(danecid_sip_frame(two + msg_len, n - msg_len, 65536, &msg_len),
	                 DANECID_OK);
	assert_int_equal(msg_len, strlen(compact));
	/* garbage */
	assert_int_equal(
	    danecid_sip_frame("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27, 65536, &msg_len),
	    DANECID_ERR_MALFORMED);
	assert_int_equal(danecid_sip_frame("\x16\x03\x01\x00\n", 5, 65536, &msg_len),
	                 DANECID_ERR_MALFORMED);
	assert_int_equal(
	    danecid_sip_frame("OPTIONS sip:a@b SIP/2.0\r\nl: x\r\n\r\n", 34, 65536, &msg_len),
	    DANECID_ERR_MALFORMED);
	assert_int_equal(danecid_sip_frame("OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\nl: 0\r\n\r\n", 40,
	                                   65536, &msg_len),
	                 DANECID_ERR_MALFORMED);
	assert_int_equal(
	    danecid_sip_frame("OPTIONS sip:a@b SIP/2.0\r\nX: \0\r\n\r\n", 34, 65536, &msg_len),
	    DANECID_ERR_MALFORMED);
	/* the start line not finished yet: wait */
	assert_int_equal(danecid_sip_frame("\x16\x03\x01", 3, 65536, &msg_len), DANECID_OK);
	assert_int_equal(msg_len, 0);
	assert_int_equal(danecid_sip_frame("", 0, 65536, &msg_len), DANECID_OK);
	assert_int_equal(msg_len, 0);
}

/* Every prefix of every message, placed against a guard page: no read past len, and the same
 * outcome as from an ordinary buffer. */
static void test_guard(void **state)
{
	static const char *const msgs[] = {invite, compact, two_via, folded, bare_lf, no_tags};
	struct guard g;

	(void)state;
	guard_open(&g);
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		size_t len = strlen(msgs[i]);

		for (size_t k = 0; k <= len; k++) {
			const char *p = guard_place(&g, msgs[i], k);
			struct danecid_sip_head h1;
			struct danecid_sip_head h2;
			char *o1 = NULL;
			char *o2 = NULL;
			size_t l1 = 0;
			size_t l2 = 0;
			size_t f1 = 0;
			size_t f2 = 0;

			assert_int_equal(danecid_sip_head_scan(p, k, &h1, NULL, 0),
			                 danecid_sip_head_scan(msgs[i], k, &h2, NULL, 0));
			assert_int_equal(h1.replyable, h2.replyable);
			assert_int_equal(h1.head_len, h2.head_len);
			assert_int_equal(danecid_sip_reply(p, k, 400, allow, 1, &o1, &l1),
			                 danecid_sip_reply(msgs[i], k, 400, allow, 1, &o2, &l2));
			assert_int_equal(l1, l2);
			if (o1 != NULL) {
				assert_memory_equal(o1, o2, l1);
			}
			free(o1);
			free(o2);
			if (h1.replyable) {
				assert_int_equal(danecid_sip_txkey(&h1, &o1, &l1), DANECID_OK);
				free(o1);
			}
			assert_int_equal(danecid_sip_frame(p, k, 65536, &f1),
			                 danecid_sip_frame(msgs[i], k, 65536, &f2));
			assert_int_equal(f1, f2);
		}
	}
	guard_close(&g);
}

/* Random bytes, and random bytes after a plausible head: no crash, no answer to garbage. */
static void test_garbage(void **state)
{
	uint32_t x = 0x2545f491;
	char buf[512];

	(void)state;
	for (int iter = 0; iter < 4000; iter++) {
		size_t n = 1 + (size_t)iter % sizeof(buf);
		size_t off = iter % 2 == 0 ? 0 : strlen(two_via) - 2;
		struct danecid_sip_head h;
		char *out = NULL;
		size_t len;
		size_t ml;
		int r;

		if (off + n > sizeof(buf)) {
			n = sizeof(buf) - off;
		}
		memcpy(buf, two_via, off);
		for (size_t i = off; i < off + n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (char)(x & 0xff);
		}
		r = danecid_sip_head_scan(buf, off + n, &h, NULL, 0);
		if (off == 0) {
			assert_int_not_equal(r, DANECID_OK);
			assert_false(h.replyable);
		}
		r = danecid_sip_reply(buf, off + n, 400, NULL, 0, &out, &len);
		assert_true(r == DANECID_OK || r == DANECID_ERR_NOT_SIP);
		assert_true((r == DANECID_OK) == (out != NULL));
		free(out);
		r = danecid_sip_frame(buf, off + n, 65536, &ml);
		assert_true(r == DANECID_OK || r == DANECID_ERR_MALFORMED);
		assert_true(ml <= 65536);
	}
}

/* --- RFC 4475 --------------------------------------------------------------------------- */

/* What the scanner says about each torture message, and whether a 400 can be built. */
struct corpus_case {
	const char *name;
	int err;
	bool replyable;
	const char *why;
};

#define OK      DANECID_OK
#define NOT_SIP DANECID_ERR_NOT_SIP

static const struct corpus_case rfc4475_cases[] = {
    /* §3.1.1 valid */
    {"wsinv", OK, true, "folding, odd case and white space"},
    {"intmeth", NOT_SIP, false, "valid, but a raw NUL in the head: never copied into an answer"},
    {"esc01", OK, true, "% escaping"},
    {"escnull", OK, true, "%00 is text to the scanner"},
    {"esc02", OK, true, "a method with '%'"},
    {"lwsdisp", OK, true, "no LWS between display name and <"},
    {"longreq", OK, true, "long values"},
    {"dblreq", OK, true, "two requests in one datagram: the first is answered"},
    {"semiuri", OK, true, "';' in the Request-URI user part"},
    {"transports", OK, true, "unknown transports in Via"},
    {"mpart01", OK, true, "multipart body"},
    {"unreason", NOT_SIP, false, "a response"},
    {"noreason", NOT_SIP, false, "a response"},
    /* §3.1.2 invalid */
    {"badinv01", NOT_SIP, true, "extraneous separators: empty Via values and parameters"},
    {"clerr", NOT_SIP, true, "Content-Length beyond the datagram (RFC 3261 §18.3: 400)"},
    {"ncl", NOT_SIP, true, "negative Content-Length"},
    {"scalar02", NOT_SIP, true, "CSeq beyond 2^31"},
    {"scalarlg", NOT_SIP, false, "a response"},
    {"quotbal", NOT_SIP, true, "unterminated quoted display name in To"},
    {"ltgtruri", NOT_SIP, true, "<> around the Request-URI"},
    {"lwsruri", NOT_SIP, true, "LWS in the Request-URI"},
    {"lwsstart", NOT_SIP, true, "several SP in the request line"},
    {"trws", NOT_SIP, true, "SP after SIP/2.0"},
    {"escruri", OK, true, "escaped headers in the Request-URI"},
    {"baddate", OK, true, "non-GMT Date"},
    {"regbadct", OK, true, "Contact with '?' outside <>"},
    {"badaspec", NOT_SIP, true, "spaces inside the <> of To"},
    {"baddn", NOT_SIP, true, "non-token display name; this copy also lacks the final blank line"},
    {"badvers", NOT_SIP, true, "SIP/7.0"},
    {"mismatch01", NOT_SIP, true, "CSeq method mismatch"},
    {"mismatch02", NOT_SIP, true, "CSeq method mismatch"},
    {"bigcode", NOT_SIP, false, "a response"},
    /* §3.2 – §3.4 */
    {"badbranch", OK, true, "branch without magic cookie"},
    {"insuf", DANECID_ERR_MISSING_HEADER, false, "no From, To, Call-ID: nothing to answer with"},
    {"unkscm", OK, true, "unknown Request-URI scheme"},
    {"novelsc", OK, true, "soap.beep Request-URI scheme"},
    {"unksm2", OK, true, "unknown schemes in From/To"},
    {"bext01", OK, true, "unknown Require"},
    {"invut", OK, true, "unknown Content-Type"},
    {"regaut01", OK, true, "unknown auth scheme"},
    {"multi01", DANECID_ERR_DUP_HEADER, true, "repeated From/To/Call-ID/CSeq"},
    {"mcl01", DANECID_ERR_DUP_HEADER, true, "two Content-Length"},
    {"bcast", NOT_SIP, false, "a response"},
    {"zeromf", OK, true, "Max-Forwards 0"},
    {"cparam01", OK, true, "Contact parameter"},
    {"cparam02", OK, true, "Contact url-parameter"},
    {"regescrt", OK, true, "escaped header in Contact"},
    {"sdp01", OK, true, "unacceptable Accept"},
    {"inv2543", OK, true, "RFC 2543 syntax"},
};

/* Does the response hold exactly the request's Call-ID line? */
static void check_copied(const char *resp, size_t rlen, const struct danecid_sip_head *h)
{
	assert_memory_equal(resp, "SIP/2.0 400 Bad Request\r\n", 25);
	assert_true(rlen >= 23);
	assert_memory_equal(resp + rlen - 23, "\r\nContent-Length: 0\r\n\r\n", 23);
	if (h->call_id.p != NULL) {
		char *id = strndup(h->call_id.p, h->call_id.len);

		assert_non_null(id);
		assert_non_null(strstr(resp, id));
		free(id);
	}
}

/* Name of entry i of a struct corpus_case table, for corpus_check_names(). */
static const char *case_name(const void *table, size_t i)
{
	return ((const struct corpus_case *)table)[i].name;
}

/* Every file of tests/vectors/<sub> against its entry in cases (every file must have one). */
static void run_corpus(const char *sub, const struct corpus_case *cases, size_t n)
{
	struct guard g;

	corpus_check_names(sub, cases, n, case_name);

	guard_open(&g);
	for (size_t i = 0; i < n; i++) {
		const struct corpus_case *c = &cases[i];
		struct danecid_sip_head h;
		char err[256];
		char *out = NULL;
		char *key = NULL;
		size_t olen = 0;
		size_t klen = 0;
		size_t len = 0;
		size_t ml = 0;
		char *msg;
		int r;

		msg = corpus_read(sub, c->name, &len);
		r = danecid_sip_head_scan(msg, len, &h, err, sizeof(err));
		if (r != c->err || h.replyable != c->replyable) {
			print_error("%s (%s): got %d (%s) replyable %d, want %d replyable %d\n",
			            c->name, c->why, r, err, h.replyable, c->err, c->replyable);
		}
		assert_int_equal(r, c->err);
		assert_int_equal(h.replyable, c->replyable);
		assert_true(r == DANECID_OK || err[0] != '\0');
		r = danecid_sip_reply(msg, len, 400, NULL, 0, &out, &olen);
		if (c->replyable) {
			assert_int_equal(r, DANECID_OK);
			check_copied(out, olen, &h);
			assert_int_equal(danecid_sip_txkey(&h, &key, &klen), DANECID_OK);
			free(key);
		} else {
			assert_int_equal(r, DANECID_ERR_NOT_SIP);
		}
		free(out);
		r = danecid_sip_frame(msg, len, 65536, &ml);
		assert_true(r == DANECID_OK || r == DANECID_ERR_MALFORMED);
		/* the same against the guard page */
		if (len <= g.page) {
			const char *p = guard_place(&g, msg, len);
			struct danecid_sip_head h2;

			assert_int_equal(danecid_sip_head_scan(p, len, &h2, NULL, 0), c->err);
			assert_int_equal(danecid_sip_reply(p, len, 400, NULL, 0, &out, &olen),
			                 c->replyable ? DANECID_OK : DANECID_ERR_NOT_SIP);
			free(out);
		}
		free(msg);
	}
	guard_close(&g);
}

static void test_rfc4475(void **state)
{
	(void)state;
	run_corpus("rfc4475", rfc4475_cases, sizeof(rfc4475_cases) / sizeof(rfc4475_cases[0]));
}

static const struct corpus_case rfc5118_cases[] = {
    {"RFC5118_4_1", OK, true, "IPv6 reference"},
    {"RFC5118_4_2", OK, true, "IPv6 without brackets: not a transaction field"},
    {"RFC5118_4_3", OK, true, "port ambiguous"},
    {"RFC5118_4_4", OK, true, "port unambiguous"},
    {"RFC5118_4_5_1", OK, true, "IPv6 in Via received"},
    {"RFC5118_4_5_2", NOT_SIP, true, "spaces in the From addr-spec"},
    {"RFC5118_4_6", NOT_SIP, true, "this copy's Content-Length exceeds the body"},
    {"RFC5118_4_7", OK, true, "IPv4 and IPv6 in Via"},
    {"RFC5118_4_8", OK, true, "IPv4 and IPv6 in SDP"},
    {"RFC5118_4_9", OK, true, "IPv4-mapped IPv6"},
    {"RFC5118_4_10_1", OK, true, "':::' in a host: not a transaction field"},
    {"RFC5118_4_10_2", OK, true, "IPv4 in IPv6"},
};

static void test_rfc5118(void **state)
{
	(void)state;
	run_corpus("rfc5118", rfc5118_cases, sizeof(rfc5118_cases) / sizeof(rfc5118_cases[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reply_exact),
	    cmocka_unit_test(test_reply_stable_tag),
	    cmocka_unit_test(test_phrases),
	    cmocka_unit_test(test_reply_args),
	    cmocka_unit_test(test_scan_fields),
	    cmocka_unit_test(test_scan_nameaddr),
	    cmocka_unit_test(test_scan_errors),
	    cmocka_unit_test(test_scan_nul),
	    cmocka_unit_test(test_reply_duplicates),
	    cmocka_unit_test(test_size_limit),
	    cmocka_unit_test(test_txkey),
	    cmocka_unit_test(test_frame),
	    cmocka_unit_test(test_guard),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_rfc4475),
	    cmocka_unit_test(test_rfc5118),
	};

	return cmocka_run_group_tests_name("sipreply", tests, NULL, NULL);
}
