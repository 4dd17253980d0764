/* test_sip — SIP request extraction, Identity header splitting, RFC 4475/5118 torture corpora. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <danecid/error.h>

#include "corpus.h"
#include "guard.h"
#include "sip.h"
#include "tn.h"

#define CRLF "\r\n"

#define JWS1_HDR                                                                                   \
	"eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1IjoiaHR0cHM6Ly9jZXJ0" \
	"Lm"                                                                                       \
	"V4YW1wbGUub3JnL3Bhc3Nwb3J0LmNlciJ9"
#define JWS_PAYLOAD                                                                                \
	"eyJhdHRlc3QiOiJBIiwiZGVzdCI6eyJ0biI6WyIxMjAyNTU1MDEwMCJdfSwiaWF0IjoxNzk2MTI2NDAwLCJvcmln" \
	"Ij"                                                                                       \
	"p7InRuIjoiMTIwMjU1NTAxMDEifSwib3JpZ2lkIjoiMTIzZTQ1NjctZTg5Yi0xMmQzLWE0NTYtNDI2NjU1NDQwMD" \
	"Aw"                                                                                       \
	"In0"
#define JWS1                                                                                       \
	JWS1_HDR                                                                                   \
	"." JWS_PAYLOAD                                                                            \
	".AHPsJm1PtK2_PRBKpxT58RAy_Yq22IKfxAtSyG9khdeSjMLr1GRvP-PzdL4R2QW_S-J1-obziJ2CqffcX"       \
	"kHdMg"
#define JWS2_HDR                                                                                   \
	"eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1IjoiZG5zOl9zdGlyLjEu" \
	"MC"                                                                                       \
	"4xLjAuNS41LjUuMi4wLjIuMS5lMTY0LnRlc3QifQ"
#define JWS2                                                                                       \
	JWS2_HDR                                                                                   \
	"." JWS_PAYLOAD                                                                            \
	".Ruwuz0MFQWcfKTFN6uR7ixvNeiptEgBFt1hhW_BG-wbr_u_z-t1runnQtql1pNgDr7eJB6V7MesHtlM-h"       \
	"mFBmg"

#define SDP                                                                                        \
	"v=0" CRLF "o=alice 2890844526 2890844526 IN IP4 192.0.2.10" CRLF "s=-" CRLF               \
	"c=IN IP4 192.0.2.10" CRLF "t=0 0" CRLF "m=audio 49170 RTP/AVP 0" CRLF                     \
	"a=rtpmap:0 PCMU/8000" CRLF
#define SDP_LEN 134

/* A STIR INVITE as an originating SBC sends it: two PAI headers (one with two values), two
 * Identity headers (the second with odd spacing, upper-case parameter names and a ';' inside
 * the info URI). */
static const char invite_full[] =
    "INVITE sip:+12025550100@ims.example.net;user=phone SIP/2.0" CRLF
    "Via: SIP/2.0/UDP pcscf.example.com:5060;branch=z9hG4bK776asdhds" CRLF "Max-Forwards: 70" CRLF
    "From: \"Alice\" <sip:+12025550101@example.com;user=phone>;tag=1928301774" CRLF
    "To: <tel:+1-202-555-0100>" CRLF "Call-ID: a84b4c76e66710@pc33.example.com" CRLF
    "CSeq: 314159 INVITE" CRLF "Date: Tue, 01 Dec 2026 12:00:00 GMT" CRLF
    "P-Asserted-Identity: <sip:+12025550101@example.com;user=phone>, <tel:+12025550101>" CRLF
    "P-Asserted-Identity: \"Alice, A.\" <sip:alice@example.com>" CRLF "Identity: " JWS1
    ";info=<https://cert.example.org/passport.cer>;alg=ES256;ppt=\"shaken\"" CRLF "Identity: " JWS2
    " ;INFO=<dns:_stir.1.0.1.0.5.5.5.2.0.2.1.e164.test;x=y> ; Alg = ES256 "
    ";PPT=shaken" CRLF "Contact: <sip:alice@pc33.example.com>" CRLF
    "Content-Type: application/sdp" CRLF "Content-Length: 134" CRLF CRLF SDP;

/* The same call with compact header names (RFC 3261 §7.3.3; "y" is Identity's, RFC 8224). */
static const char invite_compact[] =
    "INVITE sip:+12025550100@example.net SIP/2.0" CRLF
    "v: SIP/2.0/TCP h.example.com;branch=z9hG4bK1" CRLF
    "f: <sip:+12025550101@example.com;user=phone>;tag=77" CRLF
    "t: sip:+12025550100@example.net" CRLF "i: compact-1@h.example.com" CRLF "CSeq: 1 INVITE" CRLF
    "y: " JWS1 ";info=<https://cert.example.org/passport.cer>;alg=ES256;ppt=shaken" CRLF
    "p-asserted-identity: <tel:+12025550101>" CRLF "l: 0" CRLF CRLF;

/* A call retargeted twice on its way (RFC 7044 History-Info, RFC 5806 Diversion) from a caller
 * who asked for privacy (RFC 3323). */
static const char invite_retarget[] =
    "INVITE sip:+12025550199@vm.example.net;user=phone SIP/2.0" CRLF
    "Via: SIP/2.0/UDP pcscf.example.com:5060;branch=z9hG4bK77rt" CRLF
    "From: \"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=rt1" CRLF
    "To: <sip:+12025550100@example.net;user=phone>" CRLF "Call-ID: retarget-1@pc33" CRLF
    "CSeq: 7 INVITE" CRLF "Privacy: id" CRLF
    "P-Asserted-Identity: <sip:+12025550101@example.com;user=phone>" CRLF
    "History-Info: <sip:+12025550100@example.net;user=phone?Reason=SIP%3Bcause%3D302%3Btext%3D%22"
    "Moved%22>;index=1, <sip:+12025550188@b.example.net;user=phone?Reason=SIP%3Bcause%3D480&"
    "Privacy=none>;index=1.1;rc=1" CRLF
    "History-Info: \"Voice, Mail\" <tel:+12025550199>;index=1.1.1;mp=1.1" CRLF
    "Diversion: <sip:+12025550100@example.net;user=phone>;reason=unconditional;counter=1, "
    "\"Bob\" <tel:+1-202-555-0188>;reason=\"user-busy\";privacy=full" CRLF
    "History-Info: <sip:vm@vm.example.net?Reason=SIP;cause=486;text=\"Busy, Here\">;index=1.2" CRLF
    "Diversion: sip:+12025550177@h.example.net;reason=no-answer" CRLF "Privacy: header ; user" CRLF
    "Content-Length: 0" CRLF CRLF;

/* Parse a NUL-terminated message; on success *out holds the request. */
static int parse(const char *msg, struct danecid_sip_req **out, char *err, size_t errlen)
{
	return danecid_sip_parse(msg, strlen(msg), out, err, errlen);
}

static void check_full_invite(const struct danecid_sip_req *req)
{
	assert_string_equal(req->method, "INVITE");
	assert_string_equal(req->ruri, "sip:+12025550100@ims.example.net;user=phone");
	assert_string_equal(req->from_uri, "sip:+12025550101@example.com;user=phone");
	assert_string_equal(req->from_tag, "1928301774");
	assert_string_equal(req->to_uri, "tel:+1-202-555-0100");
	assert_string_equal(req->call_id, "a84b4c76e66710@pc33.example.com");
	assert_string_equal(req->date, "Tue, 01 Dec 2026 12:00:00 GMT");
	assert_int_equal(req->n_pai, 3);
	assert_string_equal(req->pai[0], "sip:+12025550101@example.com;user=phone");
	assert_string_equal(req->pai[1], "tel:+12025550101");
	assert_string_equal(req->pai[2], "sip:alice@example.com");
	assert_null(req->pai[3]);
	assert_int_equal(req->n_identity, 2);

	assert_string_equal(req->identity[0].raw,
	                    JWS1 ";info=<https://cert.example.org/passport.cer>;alg=ES256;"
	                         "ppt=\"shaken\"");
	assert_string_equal(req->identity[0].jws, JWS1);
	assert_int_equal(req->identity[0].jws_len, strlen(JWS1));
	assert_string_equal(req->identity[0].info, "https://cert.example.org/passport.cer");
	assert_string_equal(req->identity[0].alg, "ES256");
	assert_string_equal(req->identity[0].ppt, "shaken");

	assert_string_equal(req->identity[1].jws, JWS2);
	assert_int_equal(req->identity[1].jws_len, strlen(JWS2));
	assert_string_equal(req->identity[1].info, "dns:_stir.1.0.1.0.5.5.5.2.0.2.1.e164.test;x=y");
	assert_string_equal(req->identity[1].alg, "ES256");
	assert_string_equal(req->identity[1].ppt, "shaken");
	assert_null(req->identity[2].raw);
}

static void test_full_invite(void **state)
{
	struct danecid_sip_req *req = NULL;
	char err[128] = "stale";

	(void)state;
	assert_int_equal(sizeof(SDP) - 1, SDP_LEN);
	assert_int_equal(parse(invite_full, &req, err, sizeof(err)), DANECID_OK);
	assert_string_equal(err, "");
	check_full_invite(req);
	danecid_sip_req_free(req);
}

/* The extracted URIs give the TNs the verifier binds to. */
static void test_full_invite_tns(void **state)
{
	struct danecid_sip_req *req = NULL;
	struct danecid_tn tn;

	(void)state;
	assert_int_equal(parse(invite_full, &req, NULL, 0), DANECID_OK);
	assert_int_equal(danecid_tn_from_uri(req->pai[0], strlen(req->pai[0]), false, &tn),
	                 DANECID_OK);
	assert_string_equal(tn.digits, "12025550101");
	assert_int_equal(danecid_tn_from_uri(req->from_uri, strlen(req->from_uri), false, &tn),
	                 DANECID_OK);
	assert_string_equal(tn.digits, "12025550101");
	assert_int_equal(danecid_tn_from_uri(req->to_uri, strlen(req->to_uri), false, &tn),
	                 DANECID_OK);
	assert_string_equal(tn.digits, "12025550100");
	assert_int_equal(danecid_tn_from_uri(req->ruri, strlen(req->ruri), false, &tn), DANECID_OK);
	assert_string_equal(tn.digits, "12025550100");
	assert_int_equal(danecid_tn_from_uri(req->pai[2], strlen(req->pai[2]), true, &tn),
	                 DANECID_ERR_NOT_TN);
	danecid_sip_req_free(req);
}

static void test_compact_forms(void **state)
{
	struct danecid_sip_req *req = NULL;

	(void)state;
	assert_int_equal(parse(invite_compact, &req, NULL, 0), DANECID_OK);
	assert_string_equal(req->method, "INVITE");
	assert_string_equal(req->ruri, "sip:+12025550100@example.net");
	assert_string_equal(req->from_uri, "sip:+12025550101@example.com;user=phone");
	assert_string_equal(req->from_tag, "77");
	/* addr-spec form: nothing after the URI belongs to it */
	assert_string_equal(req->to_uri, "sip:+12025550100@example.net");
	assert_string_equal(req->call_id, "compact-1@h.example.com");
	assert_null(req->date);
	assert_int_equal(req->n_pai, 1);
	assert_string_equal(req->pai[0], "tel:+12025550101");
	assert_int_equal(req->n_identity, 1);
	assert_string_equal(req->identity[0].jws, JWS1);
	assert_string_equal(req->identity[0].info, "https://cert.example.org/passport.cer");
	assert_string_equal(req->identity[0].alg, "ES256");
	assert_string_equal(req->identity[0].ppt, "shaken");
	danecid_sip_req_free(req);
}

/* Bare LF line ends are accepted (libosip2 accepts them; so does the raw head scan). */
static void test_lf_only(void **state)
{
	struct danecid_sip_req *req = NULL;
	char *lf = malloc(sizeof(invite_full));
	size_t n = 0;

	(void)state;
	assert_non_null(lf);
	for (size_t i = 0; invite_full[i] != '\0'; i++) {
		if (invite_full[i] != '\r') {
			lf[n++] = invite_full[i];
		}
	}
	/* The body lost its CRs too: 7 lines, 7 bytes fewer than Content-Length says. */
	memcpy(strstr(lf, "Content-Length: 134"), "Content-Length: 127", 19);
	assert_int_equal(danecid_sip_parse(lf, n, &req, NULL, 0), DANECID_OK);
	check_full_invite(req);
	danecid_sip_req_free(req);
	free(lf);
}

/* Header values folded over several lines (RFC 3261 LWS). */
static void test_folded(void **state)
{
	static const char msg[] =
	    "INVITE sip:+12025550100@example.net SIP/2.0" CRLF
	    "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK2" CRLF "From:" CRLF
	    "  <sip:+12025550101@example.com>" CRLF "   ;tag=fold" CRLF
	    "To: <sip:+12025550100@example.net>" CRLF "Call-ID: fold@h" CRLF "CSeq: 2 INVITE" CRLF
	    "Identity: " JWS1 CRLF " ;info=<https://x.example/c.pem>" CRLF
	    "\t;alg=ES256;ppt=shaken" CRLF "Content-Length: 0" CRLF CRLF;
	struct danecid_sip_req *req = NULL;

	(void)state;
	assert_int_equal(parse(msg, &req, NULL, 0), DANECID_OK);
	assert_string_equal(req->from_uri, "sip:+12025550101@example.com");
	assert_string_equal(req->from_tag, "fold");
	assert_int_equal(req->n_identity, 1);
	assert_string_equal(req->identity[0].jws, JWS1);
	assert_string_equal(req->identity[0].info, "https://x.example/c.pem");
	assert_string_equal(req->identity[0].alg, "ES256");
	assert_string_equal(req->identity[0].ppt, "shaken");
	danecid_sip_req_free(req);
}

/* Comma-separated P-Asserted-Identity values (libosip2 splits them outside <> and quotes). */
static void test_pai_split(void **state)
{
	static const char msg[] =
	    "INVITE sip:+12025550100@example.net SIP/2.0" CRLF
	    "Via: SIP/2.0/UDP h;branch=z9hG4bK4" CRLF
	    "From: <sip:+12025550101@example.com>;tag=1" CRLF
	    "To: <sip:+12025550100@example.net>" CRLF "Call-ID: pai@h" CRLF "CSeq: 4 INVITE" CRLF
	    "P-Asserted-Identity: <sip:+1@a;x=1,2>, tel:+2, \"a,\\\"b\" <sip:c@d>" CRLF
	    "P-Asserted-Identity: sip:+3@a;user=phone, <tel:+4>" CRLF "Content-Length: 0" CRLF CRLF;
	struct danecid_sip_req *req = NULL;

	(void)state;
	assert_int_equal(danecid_sip_parse(msg, strlen(msg), &req, NULL, 0), DANECID_OK);
	assert_int_equal(req->n_pai, 5);
	/* URIs are libosip2's re-serialization: the ',' in the parameter value comes back escaped
	 */
	assert_string_equal(req->pai[0], "sip:+1@a;x=1%2C2");
	assert_string_equal(req->pai[1], "tel:+2");
	assert_string_equal(req->pai[2], "sip:c@d");
	/* addr-spec form: ";user=phone" is a header parameter, not part of the URI (RFC 3261) */
	assert_string_equal(req->pai[3], "sip:+3@a");
	assert_string_equal(req->pai[4], "tel:+4");
	danecid_sip_req_free(req);
}

#define MSG_HEAD                                                                                   \
	"INVITE sip:+12025550100@example.net SIP/2.0" CRLF "Via: SIP/2.0/UDP "                     \
	"h;branch=z9hG4bK3" CRLF
#define MSG_FROM   "From: <sip:+12025550101@example.com>;tag=1" CRLF
#define MSG_TO     "To: <sip:+12025550100@example.net>" CRLF
#define MSG_CALLID "Call-ID: c3@h" CRLF
#define MSG_CSEQ   "CSeq: 3 INVITE" CRLF
#define MSG_END    "Content-Length: 0" CRLF CRLF

/* History-Info: every entry of every header, in order, the URI without "?headers" (escaped as
 * RFC 7044 writes them, or with the ';' unescaped as some servers send them). */
static void test_history_info(void **state)
{
	struct danecid_sip_req *req = NULL;
	struct danecid_tn tn;

	(void)state;
	assert_int_equal(parse(invite_retarget, &req, NULL, 0), DANECID_OK);
	assert_int_equal(req->n_hist_info, 4);
	assert_string_equal(req->hist_info[0], "sip:+12025550100@example.net;user=phone");
	assert_string_equal(req->hist_info[1], "sip:+12025550188@b.example.net;user=phone");
	assert_string_equal(req->hist_info[2], "tel:+12025550199");
	assert_string_equal(req->hist_info[3], "sip:vm@vm.example.net");
	assert_null(req->hist_info[4]);
	assert_int_equal(
	    danecid_tn_from_uri(req->hist_info[1], strlen(req->hist_info[1]), false, &tn),
	    DANECID_OK);
	assert_string_equal(tn.digits, "12025550188");
	/* the rest of the request is as before */
	assert_string_equal(req->from_uri, "sip:anonymous@anonymous.invalid");
	assert_int_equal(req->n_pai, 1);
	assert_string_equal(req->pai[0], "sip:+12025550101@example.com;user=phone");
	danecid_sip_req_free(req);

	/* none: zero entries, no Diversion, no Privacy */
	assert_int_equal(parse(invite_full, &req, NULL, 0), DANECID_OK);
	assert_int_equal(req->n_hist_info, 0);
	assert_null(req->hist_info[0]);
	assert_int_equal(req->n_diversion, 0);
	assert_null(req->diversion[0]);
	assert_null(req->privacy);
	danecid_sip_req_free(req);
}

/* Diversion: name-addr with parameters (a quoted ',' among them), addr-spec, two entries in one
 * header and a second header. */
static void test_diversion(void **state)
{
	struct danecid_sip_req *req = NULL;
	struct danecid_tn tn;

	(void)state;
	assert_int_equal(parse(invite_retarget, &req, NULL, 0), DANECID_OK);
	assert_int_equal(req->n_diversion, 3);
	assert_string_equal(req->diversion[0], "sip:+12025550100@example.net;user=phone");
	assert_string_equal(req->diversion[1], "tel:+1-202-555-0188");
	/* addr-spec form: ";reason=" is a header parameter, not part of the URI */
	assert_string_equal(req->diversion[2], "sip:+12025550177@h.example.net");
	assert_null(req->diversion[3]);
	assert_int_equal(
	    danecid_tn_from_uri(req->diversion[1], strlen(req->diversion[1]), false, &tn),
	    DANECID_OK);
	assert_string_equal(tn.digits, "12025550188");
	danecid_sip_req_free(req);
}

/* Privacy: the values of all headers joined with ';', white space and empty values dropped,
 * ',' a separator as well. Present but empty is "", absent is NULL. */
static void test_privacy(void **state)
{
	static const struct {
		const char *hdrs;
		const char *want;
	} cases[] = {
	    {"Privacy: id" CRLF, "id"},
	    {"Privacy: id;critical" CRLF, "id;critical"},
	    {"Privacy:   header ; user ;id  " CRLF, "header;user;id"},
	    {"Privacy: header" CRLF "privacy: id" CRLF, "header;id"},
	    {"Privacy: id, critical" CRLF, "id;critical"},
	    {"PRIVACY: none" CRLF, "none"},
	    {"Privacy: ;; , ;id;;" CRLF, "id"},
	    {"Privacy:" CRLF, ""},
	    {"Privacy: ; , ;" CRLF, ""},
	    {"Privacy:" CRLF "Privacy: user" CRLF, "user"},
	    {"Privacy: header" CRLF "X-Privacy: id" CRLF, "header"},
	    {"X-Privacy: id" CRLF, NULL},
	    {"", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char msg[1024];
		struct danecid_sip_req *req = NULL;
		int n =
		    snprintf(msg, sizeof(msg), "%s%s%s",
		             MSG_HEAD MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ, cases[i].hdrs, MSG_END);

		assert_true(n > 0 && (size_t)n < sizeof(msg));
		assert_int_equal(danecid_sip_parse(msg, (size_t)n, &req, NULL, 0), DANECID_OK);
		if (cases[i].want == NULL) {
			if (req->privacy != NULL) {
				print_error("case %zu: got \"%s\", want NULL\n", i, req->privacy);
			}
			assert_null(req->privacy);
		} else {
			if (req->privacy == NULL || strcmp(req->privacy, cases[i].want) != 0) {
				print_error("case %zu: got \"%s\", want \"%s\"\n", i,
				            req->privacy != NULL ? req->privacy : "(NULL)",
				            cases[i].want);
			}
			assert_non_null(req->privacy);
			assert_string_equal(req->privacy, cases[i].want);
		}
		danecid_sip_req_free(req);
	}
	/* the request with other headers in between */
	{
		struct danecid_sip_req *req = NULL;

		assert_int_equal(parse(invite_retarget, &req, NULL, 0), DANECID_OK);
		assert_string_equal(req->privacy, "id;header;user");
		danecid_sip_req_free(req);
	}
}

/* Entries that cannot be parsed are skipped, the good ones next to them are kept, and the
 * request is never refused for them. */
static void test_retarget_garbage(void **state)
{
	static const struct {
		const char *hdrs;
		const char *want[4]; /* History-Info, then Diversion URIs; NULL-terminated */
	} cases[] = {
	    {"History-Info: <<>, <sip:a@h>;index=1" CRLF, {"sip:a@h"}},
	    {"History-Info: garbage;index=1, <sip:b@h>;index=2" CRLF, {"sip:b@h"}},
	    {"History-Info: ,,, ; , <>" CRLF, {NULL}},
	    {"History-Info:" CRLF "Diversion:" CRLF, {NULL}},
	    {"History-Info: <sip:>;index=1, <sip:@>, sip:, <abc>" CRLF, {NULL}},
	    /* %00 would be decoded by libosip2 into a NUL that cuts the URI: skipped */
	    {"Diversion: <sip:%00@h>;reason=a, <sip:d@h>" CRLF, {"sip:d@h"}},
	    {"Diversion: <sip:+1202555%000188@h>" CRLF, {NULL}},
	    /* ... but in the dropped "?headers" part it is harmless */
	    {"Diversion: <sip:l@h?x=%00>" CRLF, {"sip:l@h"}},
	    {"Diversion: \"unterminated <sip:e@h>" CRLF, {NULL}},
	    {"Diversion: <sip:f@h" CRLF, {NULL}},
	    {"Diversion: \x01\x7f<>>>\"" CRLF, {NULL}},
	    {"Diversion: >, <sip:m@h>" CRLF, {"sip:m@h"}},
	    {"Diversion: \"a\" \"b\" <sip:n@h>" CRLF, {NULL}},
	    {"Diversion: <sip:g@h>;reason=\"a,b\", <sip:i@h>" CRLF, {"sip:g@h", "sip:i@h"}},
	    {"Diversion: \"a\\\"<sip:z@z>, b\" <sip:k@h>" CRLF, {"sip:k@h"}},
	    /* a '?' in the user part is not the start of the headers */
	    {"Diversion: <sip:a?b@h?x=y>" CRLF, {"sip:a?b@h"}},
	    {"Diversion: <tel:+12025550188?x=y>" CRLF, {"tel:+12025550188"}},
	    {"History-Info: <sip:c@d;x=1,2>;index=1" CRLF, {"sip:c@d;x=1%2C2"}},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char msg[1024];
		struct danecid_sip_req *req = NULL;
		size_t k = 0;
		int n =
		    snprintf(msg, sizeof(msg), "%s%s%s",
		             MSG_HEAD MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ, cases[i].hdrs, MSG_END);

		assert_true(n > 0 && (size_t)n < sizeof(msg));
		assert_int_equal(danecid_sip_parse(msg, (size_t)n, &req, NULL, 0), DANECID_OK);
		for (size_t j = 0; j < req->n_hist_info + req->n_diversion; j++, k++) {
			const char *got = j < req->n_hist_info
			                      ? req->hist_info[j]
			                      : req->diversion[j - req->n_hist_info];

			if (k >= 4 || cases[i].want[k] == NULL ||
			    strcmp(got, cases[i].want[k]) != 0) {
				print_error("case %zu: entry %zu is \"%s\", want \"%s\"\n", i, k,
				            got,
				            k < 4 && cases[i].want[k] != NULL ? cases[i].want[k]
				                                              : "(none)");
			}
			assert_true(k < 4);
			assert_non_null(cases[i].want[k]);
			assert_string_equal(got, cases[i].want[k]);
		}
		if (k < 4 && cases[i].want[k] != NULL) {
			print_error("case %zu: %zu entries, more wanted\n", i, k);
		}
		assert_true(k == 4 || cases[i].want[k] == NULL);
		danecid_sip_req_free(req);
	}
}

/* Deterministic random values built from the characters the entry splitter and the header
 * cut look at: the request still parses, every kept entry is a non-empty string, and the
 * counts stay within bounds. */
static void test_retarget_random(void **state)
{
	static const char alphabet[] = "<>\",;?@%0 \\=sip:tel+1aH";
	uint32_t x = 0x9e3779b9;

	(void)state;
	for (int iter = 0; iter < 3000; iter++) {
		char msg[2048];
		size_t n = (size_t)snprintf(msg, sizeof(msg), "%s",
		                            MSG_HEAD MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ);
		struct danecid_sip_req *req = NULL;

		for (int h = 0; h < 3; h++) {
			static const char *const names[] = {
			    "History-Info: ", "Diversion: ", "Privacy: "};
			size_t vlen = 1 + (size_t)(iter * 7 + h) % 120;

			n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s", names[h]);
			for (size_t i = 0; i < vlen; i++) {
				x ^= x << 13;
				x ^= x >> 17;
				x ^= x << 5;
				msg[n++] = alphabet[x % (sizeof(alphabet) - 1)];
			}
			n += (size_t)snprintf(msg + n, sizeof(msg) - n, CRLF);
		}
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s", MSG_END);
		assert_true(n < sizeof(msg));
		assert_int_equal(danecid_sip_parse(msg, n, &req, NULL, 0), DANECID_OK);
		assert_true(req->n_hist_info <= DANECID_SIP_MAX_RETARGET);
		assert_true(req->n_diversion <= DANECID_SIP_MAX_RETARGET);
		for (size_t i = 0; i < DANECID_SIP_MAX_RETARGET; i++) {
			assert_true((req->hist_info[i] != NULL) == (i < req->n_hist_info));
			assert_true((req->diversion[i] != NULL) == (i < req->n_diversion));
			assert_true(req->hist_info[i] == NULL || req->hist_info[i][0] != '\0');
			assert_true(req->diversion[i] == NULL || req->diversion[i][0] != '\0');
		}
		assert_non_null(req->privacy);
		danecid_sip_req_free(req);
	}
}

/* Beyond DANECID_SIP_MAX_RETARGET entries (counted over all headers), the first are kept. */
static void test_retarget_limits(void **state)
{
	char msg[8192];
	struct danecid_sip_req *req = NULL;
	size_t n;

	(void)state;
	assert_int_equal(DANECID_SIP_MAX_RETARGET, 16);
	n = (size_t)snprintf(msg, sizeof(msg), "%s", MSG_HEAD MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ);
	/* History-Info: 20 entries, five per header */
	for (int i = 0; i < 20; i++) {
		n += (size_t)snprintf(
		    msg + n, sizeof(msg) - n, "%s<sip:+1%03d@h?Reason=x>;index=%d%s",
		    i % 5 == 0 ? "History-Info: " : "", i, i + 1, i % 5 == 4 ? CRLF : ", ");
	}
	/* Diversion: 18 entries in one header, a broken one first (it takes no slot) */
	n += (size_t)snprintf(msg + n, sizeof(msg) - n, "Diversion: <<>");
	for (int i = 0; i < 18; i++) {
		n += (size_t)snprintf(msg + n, sizeof(msg) - n, ", <tel:+2%03d>;counter=1", i);
	}
	n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s", CRLF MSG_END);
	assert_true(n < sizeof(msg));
	assert_int_equal(danecid_sip_parse(msg, n, &req, NULL, 0), DANECID_OK);
	assert_int_equal(req->n_hist_info, 16);
	assert_int_equal(req->n_diversion, 16);
	for (int i = 0; i < 16; i++) {
		char want[32];

		snprintf(want, sizeof(want), "sip:+1%03d@h", i);
		assert_string_equal(req->hist_info[i], want);
		snprintf(want, sizeof(want), "tel:+2%03d", i);
		assert_string_equal(req->diversion[i], want);
	}
	danecid_sip_req_free(req);
}

struct bad_case {
	const char *msg;
	int err;
	const char *errmsg;
};

static void run_bad_cases(const struct bad_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct danecid_sip_req *req = (struct danecid_sip_req *)&req;
		char err[128];
		int r = parse(cases[i].msg, &req, err, sizeof(err));

		if (r != cases[i].err || strcmp(err, cases[i].errmsg) != 0) {
			print_error("case %zu: got %d \"%s\", want %d \"%s\"\n", i, r, err,
			            cases[i].err, cases[i].errmsg);
		}
		assert_int_equal(r, cases[i].err);
		assert_string_equal(err, cases[i].errmsg);
		assert_null(req);
	}
}

static void test_duplicate_headers(void **state)
{
	const struct bad_case cases[] = {
	    {MSG_HEAD MSG_FROM
	     "f: <sip:+19995550100@evil.example>;tag=2" CRLF MSG_TO MSG_CALLID MSG_CSEQ MSG_END,
	     DANECID_ERR_DUP_HEADER, "From header appears 2 times"},
	    {MSG_HEAD MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ
	     "FROM : <sip:+19995550100@evil.example>;tag=2" CRLF MSG_END,
	     DANECID_ERR_DUP_HEADER, "From header appears 2 times"},
	    {MSG_HEAD MSG_FROM MSG_TO "t: <sip:other@example.net>" CRLF MSG_CALLID MSG_CSEQ MSG_END,
	     DANECID_ERR_DUP_HEADER, "To header appears 2 times"},
	    {MSG_HEAD MSG_FROM MSG_TO MSG_CALLID "i: c4@h" CRLF MSG_CSEQ MSG_END,
	     DANECID_ERR_DUP_HEADER, "Call-ID header appears 2 times"},
	    {MSG_HEAD MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ "cseq: 4 INVITE" CRLF
	                                                  "CSeq: 5 INVITE" CRLF MSG_END,
	     DANECID_ERR_DUP_HEADER, "CSeq header appears 3 times"},
	};

	(void)state;
	run_bad_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_missing_headers(void **state)
{
	const struct bad_case cases[] = {
	    {MSG_HEAD MSG_FROM MSG_TO MSG_CSEQ MSG_END, DANECID_ERR_MISSING_HEADER,
	     "missing Call-ID header"},
	    {MSG_HEAD MSG_TO MSG_CALLID MSG_CSEQ MSG_END, DANECID_ERR_MISSING_HEADER,
	     "missing From header"},
	    {MSG_HEAD MSG_FROM MSG_CALLID MSG_CSEQ MSG_END, DANECID_ERR_MISSING_HEADER,
	     "missing To header"},
	    {MSG_HEAD MSG_FROM MSG_TO MSG_CALLID MSG_END, DANECID_ERR_MISSING_HEADER,
	     "missing CSeq header"},
	};

	(void)state;
	run_bad_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_not_requests(void **state)
{
	const struct bad_case cases[] = {
	    {"SIP/2.0 200 OK" CRLF
	     "Via: SIP/2.0/UDP h;branch=z9hG4bK3" CRLF MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ MSG_END,
	     DANECID_ERR_NOT_SIP, "a response, not a request"},
	    /* A response with repeated headers is still first of all a response. */
	    {"SIP/2.0 180 Ringing" CRLF MSG_FROM MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ MSG_END,
	     DANECID_ERR_NOT_SIP, "a response, not a request"},
	    {"INVITE sip:+12025550100@example.net SIP/3.0" CRLF MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ
	         MSG_END,
	     DANECID_ERR_NOT_SIP, "unsupported SIP version \"SIP/3.0\""},
	    {MSG_HEAD MSG_FROM MSG_TO MSG_CALLID "CSeq: 3 BYE" CRLF MSG_END, DANECID_ERR_NOT_SIP,
	     "CSeq method does not match the request method INVITE"},
	    {"hello world" CRLF CRLF, DANECID_ERR_NOT_SIP, "not a parseable SIP message"},
	    {"INVITE" CRLF CRLF, DANECID_ERR_NOT_SIP, "not a parseable SIP message"},
	    {CRLF CRLF, DANECID_ERR_NOT_SIP, "not a parseable SIP message"},
	    {"GET / HTTP/1.1" CRLF "Host: example.com" CRLF CRLF, DANECID_ERR_NOT_SIP,
	     "not a parseable SIP message"},
	    /* no blank line after the head: libosip2 would accept this truncated message */
	    {MSG_HEAD MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ, DANECID_ERR_NOT_SIP,
	     "no blank line after the headers (truncated message?)"},
	    {MSG_HEAD MSG_FROM MSG_TO MSG_CALLID "CSeq: 3 INVITE", DANECID_ERR_NOT_SIP,
	     "no blank line after the headers (truncated message?)"},
	    {"", DANECID_ERR_NOT_SIP, "empty message"},
	    /* %00 would be silently truncated by libosip2: never hand out such a URI. */
	    {MSG_HEAD "From: <sip:+12025550101%00evil@example.com>;tag=1" CRLF MSG_TO MSG_CALLID
	         MSG_CSEQ MSG_END,
	     DANECID_ERR_NOT_SIP, "escaped NUL (%00) in the From header"},
	    {MSG_HEAD MSG_FROM
	     "To: <sip:+12025550100@example.net;x=%00>" CRLF MSG_CALLID MSG_CSEQ MSG_END,
	     DANECID_ERR_NOT_SIP, "escaped NUL (%00) in the To header"},
	    {MSG_HEAD MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ
	     "P-Asserted-Identity: <tel:+12025550100>," CRLF " <sip:%00@example.com>" CRLF MSG_END,
	     DANECID_ERR_NOT_SIP, "escaped NUL (%00) in the P-Asserted-Identity header"},
	    {"INVITE sip:+1202%005550100@example.net SIP/2.0" CRLF MSG_FROM MSG_TO MSG_CALLID
	         MSG_CSEQ MSG_END,
	     DANECID_ERR_NOT_SIP, "escaped NUL (%00) in the Request-URI"},
	    {MSG_HEAD MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ "P-Asserted-Identity: <<>" CRLF MSG_END,
	     DANECID_ERR_NOT_SIP, "P-Asserted-Identity: cannot parse \"<<>\""},
	};

	(void)state;
	run_bad_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* %00 in a header we do not extract is none of our business. */
static void test_esc_nul_elsewhere(void **state)
{
	static const char msg[] = MSG_HEAD MSG_FROM MSG_TO "Call-ID: a%00b@h" CRLF MSG_CSEQ
	                                                   "Contact: <sip:%00@h>" CRLF MSG_END;
	struct danecid_sip_req *req = NULL;

	(void)state;
	assert_int_equal(parse(msg, &req, NULL, 0), DANECID_OK);
	assert_string_equal(req->call_id, "a%00b@h");
	danecid_sip_req_free(req);
}

/* Deterministic random garbage is never a request. */
static void test_garbage(void **state)
{
	uint32_t x = 0x2545f491;
	char buf[512];

	(void)state;
	for (int iter = 0; iter < 2000; iter++) {
		size_t n = 1 + (size_t)iter % sizeof(buf);
		struct danecid_sip_req *req = NULL;

		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (char)(x & 0xff);
		}
		assert_int_equal(danecid_sip_parse(buf, n, &req, NULL, 0), DANECID_ERR_NOT_SIP);
		assert_null(req);
	}
}

static void test_nul_bytes(void **state)
{
	static const char head_nul[] =
	    MSG_HEAD "From: \"A\0B\" <sip:+12025550101@example.com>;tag=1" CRLF MSG_TO MSG_CALLID
	        MSG_CSEQ MSG_END;
	static const char body_nul[] = MSG_HEAD MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ
	    "Content-Type: application/octet-stream" CRLF "Content-Length: 4" CRLF CRLF "a\0b\0";
	struct danecid_sip_req *req = NULL;
	char err[128];

	(void)state;
	assert_int_equal(danecid_sip_parse(head_nul, sizeof(head_nul) - 1, &req, err, sizeof(err)),
	                 DANECID_ERR_NOT_SIP);
	assert_string_equal(err, "NUL byte in the message head");
	assert_null(req);
	/* The body may carry anything. */
	assert_int_equal(danecid_sip_parse(body_nul, sizeof(body_nul) - 1, &req, err, sizeof(err)),
	                 DANECID_OK);
	assert_string_equal(req->call_id, "c3@h");
	danecid_sip_req_free(req);
}

/* 64 KiB is accepted, one byte more is not. */
static void test_size_limit(void **state)
{
	const size_t max = 65536;
	const char *head = MSG_HEAD MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ "X-Pad: ";
	const char *tail = CRLF MSG_END;
	char *buf = malloc(max + 1);
	struct danecid_sip_req *req = NULL;
	char err[128];
	size_t pad = max - strlen(head) - strlen(tail);

	(void)state;
	assert_non_null(buf);
	memcpy(buf, head, strlen(head));
	memset(buf + strlen(head), 'p', pad);
	memcpy(buf + strlen(head) + pad, tail, strlen(tail));
	assert_int_equal(danecid_sip_parse(buf, max, &req, err, sizeof(err)), DANECID_OK);
	assert_string_equal(req->call_id, "c3@h");
	danecid_sip_req_free(req);
	req = NULL;

	memmove(buf + strlen(head) + 1, buf + strlen(head), pad + strlen(tail));
	buf[strlen(head)] = 'p';
	assert_int_equal(danecid_sip_parse(buf, max + 1, &req, err, sizeof(err)),
	                 DANECID_ERR_TOO_LONG);
	assert_string_equal(err, "message of 65537 bytes exceeds 65536");
	assert_null(req);
	free(buf);
}

/* Beyond DANECID_SIP_MAX_PAI / _IDENTITY, the first ones are kept in order. */
static void test_limits(void **state)
{
	char msg[8192];
	struct danecid_sip_req *req = NULL;
	size_t n;

	(void)state;
	n = (size_t)snprintf(msg, sizeof(msg), "%s", MSG_HEAD MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ);
	n += (size_t)snprintf(msg + n, sizeof(msg) - n,
	                      "P-Asserted-Identity: <tel:+1000>, <tel:+1001>, <tel:+1002>" CRLF);
	for (int i = 3; i < 11; i++) {
		n += (size_t)snprintf(msg + n, sizeof(msg) - n,
		                      "P-Asserted-Identity: <tel:+10%02d>" CRLF, i);
	}
	for (int i = 0; i < 10; i++) {
		n += (size_t)snprintf(msg + n, sizeof(msg) - n,
		                      "Identity: jws%d;info=<https://x/%d>" CRLF, i, i);
	}
	n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s", MSG_END);
	assert_true(n < sizeof(msg));
	assert_int_equal(danecid_sip_parse(msg, n, &req, NULL, 0), DANECID_OK);
	assert_int_equal(req->n_pai, DANECID_SIP_MAX_PAI);
	assert_int_equal(DANECID_SIP_MAX_PAI, 8);
	for (int i = 0; i < 8; i++) {
		char want[32];

		snprintf(want, sizeof(want), "tel:+10%02d", i);
		assert_string_equal(req->pai[i], want);
	}
	assert_int_equal(req->n_identity, DANECID_SIP_MAX_IDENTITY);
	assert_int_equal(DANECID_SIP_MAX_IDENTITY, 8);
	for (int i = 0; i < 8; i++) {
		char want[32];

		snprintf(want, sizeof(want), "jws%d", i);
		assert_string_equal(req->identity[i].jws, want);
		snprintf(want, sizeof(want), "https://x/%d", i);
		assert_string_equal(req->identity[i].info, want);
	}
	danecid_sip_req_free(req);
}

/* A malformed Identity header does not fail the request: it is kept with an empty JWS, and a
 * well-formed one next to it is intact. */
static void test_malformed_identity_kept(void **state)
{
	static const char msg[] = MSG_HEAD MSG_FROM MSG_TO MSG_CALLID MSG_CSEQ
	    "Identity:   abc.def.ghi;info=<https://x.example/c.pem  " CRLF "Identity: " JWS1
	    ";info=<https://x.example/c.pem>;alg=ES256;ppt=shaken" CRLF MSG_END;
	struct danecid_sip_req *req = NULL;

	(void)state;
	assert_int_equal(parse(msg, &req, NULL, 0), DANECID_OK);
	assert_int_equal(req->n_identity, 2);
	assert_string_equal(req->identity[0].raw, "abc.def.ghi;info=<https://x.example/c.pem");
	assert_string_equal(req->identity[0].jws, "");
	assert_int_equal(req->identity[0].jws_len, 0);
	assert_null(req->identity[0].info);
	assert_null(req->identity[0].alg);
	assert_null(req->identity[0].ppt);
	assert_string_equal(req->identity[1].jws, JWS1);
	assert_string_equal(req->identity[1].ppt, "shaken");
	danecid_sip_req_free(req);
}

static void test_args(void **state)
{
	struct danecid_sip_req *req = NULL;
	char err[8];

	(void)state;
	assert_int_equal(danecid_sip_parse(invite_full, strlen(invite_full), NULL, NULL, 0),
	                 DANECID_ERR_INVAL);
	assert_int_equal(danecid_sip_parse(NULL, 5, &req, NULL, 0), DANECID_ERR_INVAL);
	assert_int_equal(danecid_sip_parse(NULL, 0, &req, NULL, 0), DANECID_ERR_NOT_SIP);
	/* A short errbuf is truncated, NUL-terminated. */
	assert_int_equal(danecid_sip_parse("x", 1, &req, err, sizeof(err)), DANECID_ERR_NOT_SIP);
	assert_string_equal(err, "no blan");
	assert_null(req);
	danecid_sip_init();
	danecid_sip_init();
	danecid_sip_req_free(NULL);
}

/* --- danecid_identity_parse --- */

struct id_case {
	const char *in;
	int err;
	const char *raw, *jws, *info, *alg, *ppt;
};

static void test_identity_parse(void **state)
{
	const struct id_case cases[] = {
	    {"abc.def.ghi;info=<https://a.example/b.pem>;alg=ES256;ppt=shaken", DANECID_OK,
	     "abc.def.ghi;info=<https://a.example/b.pem>;alg=ES256;ppt=shaken", "abc.def.ghi",
	     "https://a.example/b.pem", "ES256", "shaken"},
	    {"  abc.def.ghi  ;  info = <https://a/b;c=d> ; alg=ES256 ; ppt = \"shaken\"  ",
	     DANECID_OK, "abc.def.ghi  ;  info = <https://a/b;c=d> ; alg=ES256 ; ppt = \"shaken\"",
	     "abc.def.ghi", "https://a/b;c=d", "ES256", "shaken"},
	    {"abc;INFO=<x:y>;ALG=ES256;Ppt=div", DANECID_OK, "abc;INFO=<x:y>;ALG=ES256;Ppt=div",
	     "abc", "x:y", "ES256", "div"},
	    {"abc;info=https://a/b", DANECID_OK, "abc;info=https://a/b", "abc", "https://a/b", NULL,
	     NULL},
	    {"abc;info=\"https://a/b\"", DANECID_OK, "abc;info=\"https://a/b\"", "abc",
	     "https://a/b", NULL, NULL},
	    {"abc;ppt=\"sha\\\"ken\"", DANECID_OK, "abc;ppt=\"sha\\\"ken\"", "abc", NULL, NULL,
	     "sha\"ken"},
	    {"abc;ppt=\"a;b\"", DANECID_OK, "abc;ppt=\"a;b\"", "abc", NULL, NULL, "a;b"},
	    {"abc;foo=bar;info=<x>;flag", DANECID_OK, "abc;foo=bar;info=<x>;flag", "abc", "x", NULL,
	     NULL},
	    {"abc;foo=\"q;\";bar=baz", DANECID_OK, "abc;foo=\"q;\";bar=baz", "abc", NULL, NULL,
	     NULL},
	    {";info=<x>", DANECID_OK, ";info=<x>", "", "x", NULL, NULL},
	    {"", DANECID_OK, "", "", NULL, NULL, NULL},
	    {"   ", DANECID_OK, "", "", NULL, NULL, NULL},
	    {"abc", DANECID_OK, "abc", "abc", NULL, NULL, NULL},
	    {"abc\r\n ;alg=ES256", DANECID_OK, "abc\r\n ;alg=ES256", "abc", NULL, "ES256", NULL},
	    /* malformed */
	    {.in = "abc;info=<x", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;info=<x;alg=ES256", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;ppt=\"shaken", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;ppt=\"shaken\\\"", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;info=x>", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc>;info=<x>", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;;info=<x>", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;info=<x>;", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc; ;info=<x>", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;ppt=shaken;PPT=div", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;info=<a>;info=<a>", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;alg=", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;alg", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;=ES256", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;a lg=ES256", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;alg=ES 256", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;ppt=\"shaken\"x", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;ppt=<shaken>", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;bar=<u;v>", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;info=<a>b", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;info=<a><b>", .err = DANECID_ERR_MALFORMED},
	    {.in = "abc;<x>=y", .err = DANECID_ERR_MALFORMED},
	    {.in = "\"abc", .err = DANECID_ERR_MALFORMED},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct id_case *c = &cases[i];
		struct danecid_identity id;
		struct danecid_identity before;
		int r;

		memset(&id, 0x5a, sizeof(id));
		before = id;
		r = danecid_identity_parse(c->in, strlen(c->in), &id);
		if (r != c->err) {
			print_error("case %zu \"%s\": got %d, want %d\n", i, c->in, r, c->err);
		}
		assert_int_equal(r, c->err);
		if (r != DANECID_OK) {
			assert_memory_equal(&id, &before, sizeof(id)); /* untouched */
			continue;
		}
		assert_string_equal(id.raw, c->raw);
		assert_string_equal(id.jws, c->jws);
		assert_int_equal(id.jws_len, strlen(c->jws));
		if (c->info == NULL) {
			assert_null(id.info);
		} else {
			assert_string_equal(id.info, c->info);
		}
		if (c->alg == NULL) {
			assert_null(id.alg);
		} else {
			assert_string_equal(id.alg, c->alg);
		}
		if (c->ppt == NULL) {
			assert_null(id.ppt);
		} else {
			assert_string_equal(id.ppt, c->ppt);
		}
		danecid_identity_clear(&id);
		assert_null(id.raw);
		assert_null(id.jws);
		assert_int_equal(id.jws_len, 0);
	}
}

static void test_identity_parse_len(void **state)
{
	struct danecid_identity id;

	(void)state;
	/* Length, not NUL, ends the input; a NUL inside is malformed. */
	assert_int_equal(danecid_identity_parse("abc;alg=ES256;ppt=x", 13, &id), DANECID_OK);
	assert_string_equal(id.alg, "ES256");
	assert_null(id.ppt);
	danecid_identity_clear(&id);
	assert_int_equal(danecid_identity_parse("abc\0;alg=ES256", 14, &id), DANECID_ERR_MALFORMED);
	assert_int_equal(danecid_identity_parse(NULL, 0, &id), DANECID_OK);
	assert_string_equal(id.jws, "");
	danecid_identity_clear(&id);
	assert_int_equal(danecid_identity_parse(NULL, 1, &id), DANECID_ERR_INVAL);
	assert_int_equal(danecid_identity_parse("abc", 3, NULL), DANECID_ERR_INVAL);
	danecid_identity_clear(NULL);
}

/* --- guard page: inputs that end where a PROT_NONE page begins --- */

static void test_guard_identity(void **state)
{
	struct guard g;
	const char *inputs[] = {
	    JWS1 ";info=<https://cert.example.org/passport.cer>;alg=ES256;ppt=\"shaken\"",
	    "a ; INFO = \"x\\\"y\" ; alg = ES256 ; ppt = <z> ",
	    "abc;info=<x;alg=\"y",
	};

	(void)state;
	guard_open(&g);
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		size_t len = strlen(inputs[i]);

		for (size_t k = 0; k <= len; k++) {
			struct danecid_identity a;
			struct danecid_identity b;
			int r1 = danecid_identity_parse(guard_place(&g, inputs[i], k), k, &a);
			int r2 = danecid_identity_parse(inputs[i], k, &b);

			assert_int_equal(r1, r2);
			if (r1 == DANECID_OK) {
				assert_string_equal(a.jws, b.jws);
				danecid_identity_clear(&a);
				danecid_identity_clear(&b);
			}
		}
	}
	guard_close(&g);
}

static void test_guard_sip(void **state)
{
	struct guard g;
	const char *msgs[] = {invite_full, invite_compact, invite_retarget};
	struct danecid_sip_req *req = NULL;

	(void)state;
	guard_open(&g);
	/* the whole message, then every prefix (the truncations hit every scanner state) */
	assert_int_equal(danecid_sip_parse(guard_place(&g, invite_full, strlen(invite_full)),
	                                   strlen(invite_full), &req, NULL, 0),
	                 DANECID_OK);
	check_full_invite(req);
	danecid_sip_req_free(req);
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		size_t len = strlen(msgs[i]);

		for (size_t k = 0; k < len; k++) {
			struct danecid_sip_req *a = NULL;
			struct danecid_sip_req *b = NULL;
			int r1 = danecid_sip_parse(guard_place(&g, msgs[i], k), k, &a, NULL, 0);
			int r2 = danecid_sip_parse(msgs[i], k, &b, NULL, 0);

			assert_int_equal(r1, r2);
			danecid_sip_req_free(a);
			danecid_sip_req_free(b);
		}
	}
	guard_close(&g);
}

/* --- torture corpora --- */

/* Expected outcome for one corpus file. For DANECID_OK, the listed fields are asserted
 * (from_tag "" means: no tag). */
struct corpus_case {
	const char *name;
	int err;
	const char *why;
	const char *method, *ruri, *from_uri, *from_tag, *to_uri, *call_id;
};

#define OK      DANECID_OK
#define NOT_SIP DANECID_ERR_NOT_SIP
#define X4(s)   s s s s
#define X5(s)   s s s s s

static const struct corpus_case rfc4475_cases[] = {
    /* §3.1.1 valid messages */
    {"wsinv", OK, "3.1.1.1 valid: whitespace, folding, case, escaped quotes", "INVITE",
     "sip:vivekg@chair-dnrc.example.com;unknownparam", "sip:jdrosen@example.com", "98asjd8",
     "sip:vivekg@chair-dnrc.example.com", "wsinv.ndaksdj@192.0.2.1"},
    {.name = "intmeth",
     .err = NOT_SIP,
     .why = "3.1.1.2 valid, but its To display name holds a raw NUL byte: rejected by policy"},
    {"esc01", OK, "3.1.1.3 valid % escaping", "INVITE", "sip:sips%3Auser%40example.com@example.net",
     "sip:I%20have%20spaces@example.net", "938", "sip:user@example.com",
     "esc01.239409asdfakjkn23onasd0-3234"},
    {.name = "escnull",
     .err = NOT_SIP,
     .why = "3.1.1.4 valid, but libosip2 truncates user parts at %00: rejected by policy"},
    {"esc02", OK, "3.1.1.5 % that is not an escape", "RE%47IST%45R", "sip:registrar.example.com",
     "sip:resource@example.com", "f232jadfj23", "sip:resource@example.com",
     "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf"},
    {"lwsdisp", OK, "3.1.1.6 no LWS between display name and <", "OPTIONS", "sip:user@example.com",
     "sip:caller@example.com", "323", "sip:user@example.com", "lwsdisp.1234abcd@funky.example.com"},
    {"longreq", OK, "3.1.1.7 long values", "INVITE", "sip:user@example.com",
     "sip:" X5("amazinglylongcallername") "@example.net", "1" X5(X5("298298")) "2424",
     "sip:user@example.com:6000;unknownparam1=very" X4(X5("long")) "value;longparam" X5(
         X5("name")) "=shortvalue;very" X5(X5("long")) "ParameterNameWithNoValue",
     "longreq.one" X4(X5("really")) "longcallid"},
    {"dblreq", OK, "3.1.1.8 two requests in one datagram: the first one counts", "REGISTER",
     "sip:example.com", "sip:j.user@example.com", "43251j3j324", "sip:j.user@example.com",
     "dblreq.0ha0isndaksdj99sdfafnl3lk233412"},
    {"semiuri", OK, "3.1.1.9 ';' in the user part", "OPTIONS",
     "sip:user;par=u%40example.net@example.com", "sip:caller@example.org", "33242",
     "sip:j_user@example.com", "semiuri.0ha0isndaksdj"},
    {"transports", OK, "3.1.1.10 unknown transports", "OPTIONS", "sip:user@example.com",
     "sip:caller@example.com", "323", "sip:user@example.com", "transports.kijh4akdnaqjkwendsasfdj"},
    {"mpart01", OK, "3.1.1.11 multipart body (with an RFC 4474 Identity)", "MESSAGE",
     "sip:kumiko@example.org", "sip:fluffy@example.com", "2fb0dcc9", "sip:kumiko@example.org",
     "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA.."},
    {.name = "unreason", .err = NOT_SIP, .why = "3.1.1.12 valid response: not a request"},
    {.name = "noreason", .err = NOT_SIP, .why = "3.1.1.13 valid response: not a request"},
    /* §3.1.2 invalid messages */
    {.name = "badinv01", .err = NOT_SIP, .why = "3.1.2.1 extraneous separators: libosip2 rejects"},
    {.name = "clerr",
     .err = NOT_SIP,
     .why = "3.1.2.2 Content-Length larger than the message: libosip2 rejects"},
    {"ncl", OK, "3.1.2.3 negative Content-Length: libosip2 accepts; the body is unused", "INVITE",
     "sip:user@example.com", "sip:caller@example.net", "32394234", "sip:j.user@example.com",
     "ncl.0ha0isndaksdj2193423r542w35"},
    {"scalar02", OK, "3.1.2.4 overlarge CSeq/Expires: libosip2 accepts; neither is used",
     "REGISTER", "sip:example.com", "sip:user@example.com", "239232jh3", "sip:user@example.com",
     "scalar02.23o0pd9vanlq3wnrlnewofjas9ui32"},
    {.name = "scalarlg", .err = NOT_SIP, .why = "3.1.2.5 response: not a request"},
    {.name = "quotbal", .err = NOT_SIP, .why = "3.1.2.6 unterminated quote: libosip2 rejects"},
    {.name = "ltgtruri",
     .err = NOT_SIP,
     .why = "3.1.2.7 <> around the Request-URI: libosip2 rejects"},
    {.name = "lwsruri", .err = NOT_SIP, .why = "3.1.2.8 LWS in the Request-URI: libosip2 rejects"},
    {.name = "lwsstart",
     .err = NOT_SIP,
     .why = "3.1.2.9 several SP in the request line: libosip2 rejects"},
    {.name = "trws", .err = NOT_SIP, .why = "3.1.2.10 SP after SIP/2.0: libosip2 rejects"},
    {"escruri", OK, "3.1.2.11 escaped headers in the Request-URI: accepted, kept as sent", "INVITE",
     "sip:user@example.com?Route=%3Csip:example.com%3E", "sip:caller@example.net", "341518",
     "sip:user@example.com", "escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5"},
    {"baddate", OK, "3.1.2.12 non-GMT Date: accepted, passed on as sent (iat decides)", "INVITE",
     "sip:user@example.com", "sip:caller@example.net", "2234923", "sip:user@example.com",
     "baddate.239423mnsadf3j23lj42--sedfnm234"},
    {"regbadct", OK, "3.1.2.13 Contact URI with '?' not in <>: Contact is unused", "REGISTER",
     "sip:example.com", "sip:user@example.com", "998332", "sip:user@example.com",
     "regbadct.k345asrl3fdbv@10.0.0.1"},
    {.name = "badaspec",
     .err = NOT_SIP,
     .why = "3.1.2.14 spaces in an addr-spec: libosip2 rejects"},
    {.name = "baddn", .err = NOT_SIP, .why = "3.1.2.15 non-token display name: libosip2 rejects"},
    {.name = "badvers",
     .err = NOT_SIP,
     .why = "3.1.2.16 SIP/7.0: libosip2 accepts, danecid rejects"},
    {.name = "mismatch01",
     .err = NOT_SIP,
     .why = "3.1.2.17 CSeq method mismatch: libosip2 accepts, danecid rejects"},
    {.name = "mismatch02",
     .err = NOT_SIP,
     .why = "3.1.2.18 CSeq method mismatch: libosip2 accepts, danecid rejects"},
    {.name = "bigcode", .err = NOT_SIP, .why = "3.1.2.19 response: not a request"},
    /* §3.2, §3.3 transaction and application semantics, §3.4 RFC 2543 */
    {"badbranch", OK, "3.2.1 branch without magic cookie", "OPTIONS", "sip:user@example.com",
     "sip:caller@example.org", "33242", "sip:user@example.com",
     "badbranch.sadonfo23i420jv0as0derf3j3n"},
    {.name = "insuf",
     .err = DANECID_ERR_MISSING_HEADER,
     .why = "3.3.1 no From/To/Call-ID: libosip2 accepts"},
    {"unkscm", OK, "3.3.2 unknown Request-URI scheme", "OPTIONS",
     "nobodyKnowsThisScheme:totallyopaquecontent", "sip:caller@example.net", "384",
     "sip:user@example.com", "unkscm.nasdfasser0q239nwsdfasdkl34"},
    {.name = "novelsc",
     .err = NOT_SIP,
     .why = "3.3.3 soap.beep Request-URI: libosip2 cannot parse it"},
    {"unksm2", OK, "3.3.4 unknown schemes in From/To", "REGISTER", "sip:example.com",
     "http://www.example.com", "3234233", "isbn:2983792873",
     "unksm2.daksdj@hyphenated-host.example.com"},
    {"bext01", OK, "3.3.5 unknown Require", "OPTIONS", "sip:user@example.com",
     "sip:caller@example.net", "242etr", "sip:j_user@example.com", "bext01.0ha0isndaksdj"},
    {"invut", OK, "3.3.6 unknown Content-Type", "INVITE", "sip:user@example.com",
     "sip:caller@example.net", "8392034", "sip:j.user@example.com",
     "invut.0ha0isndaksdjadsfij34n23d"},
    {"regaut01", OK, "3.3.7 unknown auth scheme", "REGISTER", "sip:example.com",
     "sip:j.user@example.com", "87321hj23128", "sip:j.user@example.com", "regaut01.0ha0isndaksdj"},
    {.name = "multi01",
     .err = DANECID_ERR_DUP_HEADER,
     .why = "3.3.8 repeated From/To/Call-ID/CSeq"},
    {.name = "mcl01", .err = NOT_SIP, .why = "3.3.9 two Content-Length: libosip2 rejects"},
    {.name = "bcast", .err = NOT_SIP, .why = "3.3.10 response: not a request"},
    {"zeromf", OK, "3.3.11 Max-Forwards 0", "OPTIONS", "sip:user@example.com",
     "sip:caller@example.net", "3ghsd41", "sip:user@example.com",
     "zeromf.jfasdlfnm2o2l43r5u0asdfas"},
    {"cparam01", OK, "3.3.12 Contact parameter", "REGISTER", "sip:example.com",
     "sip:watson@example.com", "DkfVgjkrtMwaerKKpe", "sip:watson@example.com",
     "cparam01.70710@saturn.example.com"},
    {"cparam02", OK, "3.3.13 Contact url-parameter", "REGISTER", "sip:example.com",
     "sip:watson@example.com", "838293", "sip:watson@example.com",
     "cparam02.70710@saturn.example.com"},
    {"regescrt", OK, "3.3.14 escaped header in Contact", "REGISTER", "sip:example.com",
     "sip:user@example.com", "8", "sip:user@example.com", "regescrt.k345asrl3fdbv@192.0.2.1"},
    {"sdp01", OK, "3.3.15 unacceptable Accept", "INVITE", "sip:user@example.com",
     "sip:caller@example.net", "234", "sip:j_user@example.com", "sdp01.ndaksdj9342dasdd"},
    {"inv2543", OK,
     "3.4.1 RFC 2543 syntax: no From tag; ;user=phone after an addr-spec To "
     "is a header parameter",
     "INVITE", "sip:UserB@example.com", "sip:+13035551111@ift.client.example.net;user=phone", "",
     "sip:+16505552222@ss1.example.net", "inv2543.1717@ift.client.example.com"},
};

static const struct corpus_case rfc5118_cases[] = {
    {"RFC5118_4_1", OK, "4.1 IPv6 reference", "REGISTER", "sip:[2001:db8::10]",
     "sip:user@example.com", "81x2", "sip:user@example.com", "SSG9559905523997077@hlau_4100"},
    {"RFC5118_4_2", OK, "4.2 invalid (no brackets): libosip2 accepts, mangles the host", "REGISTER",
     "sip:[2001:db8:]:10", "sip:user@example.com", "81x2", "sip:user@example.com",
     "SSG9559905523997077@hlau_4100"},
    {"RFC5118_4_3", OK, "4.3 port ambiguous", "REGISTER", "sip:[2001:db8::10:5070]",
     "sip:user@example.com", "81x2", "sip:user@example.com", "SSG9559905523997077@hlau_4100"},
    {"RFC5118_4_4", OK, "4.4 port unambiguous", "REGISTER", "sip:[2001:db8::10]:5070",
     "sip:user@example.com", "81x2", "sip:user@example.com", "SSG9559905523997077@hlau_4100"},
    {"RFC5118_4_5_1", OK, "4.5.1 IPv6 in Via received", "BYE", "sip:[2001:db8::10]",
     "sip:user@example.com", "81x2", "sip:user@example.com", "SSG9559905523997077@hlau_4100"},
    {"RFC5118_4_5_2", OK, "4.5.2 invalid (spaces in addr-spec): libosip2 accepts", "OPTIONS",
     "sip:[2001:db8::10]", "sip:user%20@example.com", "81x2", "sip:user%20@example.com",
     "SSG95523997077@hlau_4100"},
    {.name = "RFC5118_4_6",
     .err = NOT_SIP,
     .why = "4.6 SDP body; this copy's Content-Length exceeds the body"},
    {"RFC5118_4_7", OK, "4.7 multiple IP versions in Via", "BYE", "sip:user@host.example.net",
     "sip:user@example.com", "81x2", "sip:user@example.net", "997077@lau_4100"},
    {"RFC5118_4_8", OK, "4.8 IPv4 and IPv6 in SDP", "INVITE", "sip:user@[2001:db8::10]",
     "sip:user@example.com", "81x2", "sip:user@[2001:db8::10]", "SSG9559905523997077@hlau_4100"},
    {"RFC5118_4_9", OK, "4.9 IPv4-mapped IPv6", "INVITE", "sip:user@example.com",
     "sip:user@east.example.com", "81x2", "sip:user@example.com", "SSG9559905523997077@hlau_4100"},
    {"RFC5118_4_10_1", OK, "4.10.1 invalid (':::'): libosip2 accepts", "OPTIONS",
     "sip:user@[2001:db8:::192.0.2.1]", "sip:user@example.com", "810x2",
     "sip:user@[2001:db8:::192.0.2.1]", "G9559905523997077@hlau_4100"},
    {"RFC5118_4_10_2", OK, "4.10.2 IPv4 in IPv6", "OPTIONS", "sip:user@[2001:db8::192.0.2.1]",
     "sip:user@example.com", "810x2", "sip:user@[2001:db8::192.0.2.1]",
     "G9559905523997077@hlau_4100"},
};

/* Name of entry i of a struct corpus_case table, for corpus_check_names(). */
static const char *case_name(const void *table, size_t i)
{
	return ((const struct corpus_case *)table)[i].name;
}

static void run_corpus(const char *sub, const struct corpus_case *cases, size_t n)
{
	corpus_check_names(sub, cases, n, case_name);

	for (size_t i = 0; i < n; i++) {
		const struct corpus_case *c = &cases[i];
		struct danecid_sip_req *req = NULL;
		char err[256];
		size_t len = 0;
		char *msg;
		int r;

		msg = corpus_read(sub, c->name, &len);
		r = danecid_sip_parse(msg, len, &req, err, sizeof(err));
		if (r != c->err) {
			print_error("%s (%s): got %d (%s: %s), want %d\n", c->name, c->why, r,
			            danecid_strerror(r), err, c->err);
		}
		assert_int_equal(r, c->err);
		if (r == DANECID_OK) {
			assert_string_equal(req->method, c->method);
			assert_string_equal(req->ruri, c->ruri);
			assert_string_equal(req->from_uri, c->from_uri);
			if (*c->from_tag == '\0') {
				assert_null(req->from_tag);
			} else {
				assert_string_equal(req->from_tag, c->from_tag);
			}
			assert_string_equal(req->to_uri, c->to_uri);
			assert_string_equal(req->call_id, c->call_id);
		} else {
			assert_null(req);
			assert_true(err[0] != '\0');
		}
		danecid_sip_req_free(req);
		free(msg);
	}
}

static void test_rfc4475(void **state)
{
	size_t n = sizeof(rfc4475_cases) / sizeof(rfc4475_cases[0]);

	(void)state;
	run_corpus("rfc4475", rfc4475_cases, n);
	printf("# figure torture-rfc4475-parse: %zu of %zu messages give their expected outcome\n",
	       n, n);
}

static void test_rfc5118(void **state)
{
	size_t n = sizeof(rfc5118_cases) / sizeof(rfc5118_cases[0]);

	(void)state;
	run_corpus("rfc5118", rfc5118_cases, n);
	printf("# figure torture-rfc5118-parse: %zu of %zu messages give their expected outcome\n",
	       n, n);
}

/* A few more facts from the corpus, beyond the table's columns. */
static void test_rfc4475_details(void **state)
{
	struct danecid_sip_req *req = NULL;
	size_t len;
	char *msg;

	(void)state;
	msg = corpus_read("rfc4475", "mpart01", &len);
	assert_int_equal(danecid_sip_parse(msg, len, &req, NULL, 0), DANECID_OK);
	assert_string_equal(req->date, "Sat, 15 Oct 2005 04:44:56 GMT");
	assert_int_equal(req->n_identity, 1);
	assert_string_equal(req->identity[0].jws,
	                    "r5mwreLuyDRYBi/0TiPwEsY3rEVsk/G2WxhgTV1PF7hHuLIK0YWVKZhKv9Mj8UeXqkMVb"
	                    "nVq37CD+813gvYjcBUaZngQmXc9WNZSDNGCzA+fWl9MEUHWIZo1CeJebdY/XlgKeTa0Olv"
	                    "q0rt70Q5jiSfbqMJmQFteeivUhkMWYUA=");
	assert_null(req->identity[0].info);
	danecid_sip_req_free(req);
	free(msg);

	/* baddate: the Date is passed on as sent */
	msg = corpus_read("rfc4475", "baddate", &len);
	assert_int_equal(danecid_sip_parse(msg, len, &req, NULL, 0), DANECID_OK);
	assert_string_equal(req->date, "Fri, 01 Jan 2010 16:00:00 EST");
	danecid_sip_req_free(req);
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_invite),
	    cmocka_unit_test(test_full_invite_tns),
	    cmocka_unit_test(test_compact_forms),
	    cmocka_unit_test(test_lf_only),
	    cmocka_unit_test(test_folded),
	    cmocka_unit_test(test_pai_split),
	    cmocka_unit_test(test_history_info),
	    cmocka_unit_test(test_diversion),
	    cmocka_unit_test(test_privacy),
	    cmocka_unit_test(test_retarget_garbage),
	    cmocka_unit_test(test_retarget_random),
	    cmocka_unit_test(test_retarget_limits),
	    cmocka_unit_test(test_duplicate_headers),
	    cmocka_unit_test(test_missing_headers),
	    cmocka_unit_test(test_not_requests),
	    cmocka_unit_test(test_esc_nul_elsewhere),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_nul_bytes),
	    cmocka_unit_test(test_size_limit),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_malformed_identity_kept),
	    cmocka_unit_test(test_args),
	    cmocka_unit_test(test_identity_parse),
	    cmocka_unit_test(test_identity_parse_len),
	    cmocka_unit_test(test_guard_identity),
	    cmocka_unit_test(test_guard_sip),
	    cmocka_unit_test(test_rfc4475),
	    cmocka_unit_test(test_rfc5118),
	    cmocka_unit_test(test_rfc4475_details),
	};

	danecid_sip_init();
	return cmocka_run_group_tests_name("sip", tests, NULL, NULL);
}
