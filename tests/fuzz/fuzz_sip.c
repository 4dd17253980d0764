/* fuzz_sip — a SIP request as on the wire, through what danecid does with one.
 *
 * The daemon's SIP front-end path: the raw head scan (sipreply.c), the TCP framer, and for a
 * replyable request the response builder (302 with a header, 438) and the transaction key.
 * Checked: every span lies inside the input; a response starts "SIP/2.0 <code> ", ends with
 * the blank line, has no NUL, is byte-identical when built twice, and scans as a complete
 * response with the request's Call-ID (line ends aside); the framer and the scanner agree on the
 * length of a well-formed request. Then the verifier's path: danecid_sip_parse() (libosip2 and the
 * checks on top), the TNs of the Request-URI, From, To, P-Asserted-Identity, History-Info and
 * Diversion URIs, the Date, and every Identity header (split again from its raw value to the same
 * parts) through common.c: the PASSporT with the claims rebuilt for the compact form, freshness,
 * binding, the ES256 signature and the RCD claims. Clock pinned, nothing else outside.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <danecid/danecid.h>

#include "common.h"
#include "fuzz.h"
#include "sip.h"
#include "sipdate.h"
#include "sipreply.h"
#include "tn.h"

static const char *input_end;
static const char *input_start;

static void check_span(struct danecid_span s)
{
	if (s.p != NULL) {
		FUZZ_CHECK(s.p >= input_start && s.len <= (size_t)(input_end - s.p));
	}
}

/* Whether two header values are the same but for their line ends: a folded value keeps its
 * folding in a response, where a bare LF becomes CRLF. */
static bool same_value(struct danecid_span a, struct danecid_span b)
{
	size_t i = 0, k = 0;

	for (;;) {
		while (i < a.len && (a.p[i] == '\r' || a.p[i] == '\n')) {
			i++;
		}
		while (k < b.len && (b.p[k] == '\r' || b.p[k] == '\n')) {
			k++;
		}
		if (i == a.len || k == b.len) {
			return i == a.len && k == b.len;
		}
		if (a.p[i++] != b.p[k++]) {
			return false;
		}
	}
}

static void check_reply(const char *p, size_t len, const struct danecid_sip_head *h, int code,
                        const char *const *extra, size_t n_extra)
{
	char *out = NULL, *again = NULL, start[32];
	size_t out_len = 0, again_len = 0;
	struct danecid_sip_head rh;
	int r = danecid_sip_reply(p, len, code, extra, n_extra, &out, &out_len);

	FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_TOO_LONG);
	if (r != DANECID_OK) {
		FUZZ_CHECK(out == NULL);
		return;
	}
	snprintf(start, sizeof(start), "SIP/2.0 %d ", code);
	FUZZ_CHECK(out != NULL && out_len == strlen(out));
	FUZZ_CHECK(strncmp(out, start, strlen(start)) == 0);
	FUZZ_CHECK(out_len >= 4 && memcmp(out + out_len - 4, "\r\n\r\n", 4) == 0);
	FUZZ_CHECK(danecid_sip_reply(p, len, code, extra, n_extra, &again, &again_len) ==
	           DANECID_OK);
	FUZZ_CHECK(again_len == out_len && memcmp(again, out, out_len) == 0);
	free(again);
	(void)danecid_sip_head_scan(out, out_len, &rh, NULL, 0);
	FUZZ_CHECK(rh.response && rh.complete && rh.head_len == out_len);
	FUZZ_CHECK(same_value(rh.call_id, h->call_id));
	free(out);
}

/* The front-end's view: scan, frame, reply, transaction key. */
static void front_end(const char *p, size_t len)
{
	static const char *const contact[] = {"Contact: <sip:+12025550100@192.0.2.1;user=phone>",
	                                      "P-Asserted-Identity: <tel:+12025550100>"};
	struct danecid_sip_head h;
	char err[200];
	size_t msg_len = 0;
	int rs, rf;

	rs = danecid_sip_head_scan(p, len, &h, err, sizeof(err));
	FUZZ_CHECK(h.head_len <= len && h.start <= h.head_len);
	check_span(h.method);
	check_span(h.ruri);
	check_span(h.branch);
	check_span(h.from_uri);
	check_span(h.from_tag);
	check_span(h.to_tag);
	check_span(h.call_id);
	check_span(h.cseq_num);
	check_span(h.cseq_method);
	if (rs == DANECID_OK) {
		FUZZ_CHECK(h.complete && !h.response && h.replyable);
		FUZZ_CHECK(!h.has_content_length || h.content_length <= len - h.head_len);
	}
	rf = danecid_sip_frame(p, len, DANECID_SIP_MSG_MAX, &msg_len);
	FUZZ_CHECK(rf == DANECID_OK || rf == DANECID_ERR_TOO_LONG || rf == DANECID_ERR_MALFORMED);
	if (rs == DANECID_OK && rf == DANECID_OK) {
		FUZZ_CHECK(msg_len == h.head_len + (h.has_content_length ? h.content_length : 0));
	}
	if (h.replyable) {
		char *key = NULL;
		size_t key_len = 0;

		check_reply(p, len, &h, 302, contact, 2);
		check_reply(p, len, &h, 438, NULL, 0);
		FUZZ_CHECK(danecid_sip_txkey(&h, &key, &key_len) == DANECID_OK && key != NULL);
		free(key);
	}
}

/* A URI the verifier may take a TN from. */
static bool uri_tn(const char *uri, struct danecid_tn *tn)
{
	int r;

	FUZZ_CHECK(uri != NULL);
	r = danecid_tn_from_uri(uri, strlen(uri), true, tn);
	if (r == DANECID_OK) {
		fuzz_check_tn(tn);
	}
	return r == DANECID_OK;
}

static bool str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The verifier's view: the parsed request and its Identity headers. */
static void verifier(const char *p, size_t len)
{
	struct danecid_sip_req *req = NULL;
	struct danecid_tn orig, dest, other;
	struct fuzz_call c;
	char err[200];
	int r = danecid_sip_parse(p, len, &req, err, sizeof(err));

	FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_NOT_SIP || r == DANECID_ERR_MISSING_HEADER ||
	           r == DANECID_ERR_DUP_HEADER || r == DANECID_ERR_TOO_LONG);
	if (r != DANECID_OK) {
		FUZZ_CHECK(req == NULL);
		return;
	}
	FUZZ_CHECK(req->method != NULL && req->call_id != NULL);
	FUZZ_CHECK(req->n_pai <= DANECID_SIP_MAX_PAI &&
	           req->n_identity <= DANECID_SIP_MAX_IDENTITY);
	FUZZ_CHECK(req->n_hist_info <= DANECID_SIP_MAX_RETARGET &&
	           req->n_diversion <= DANECID_SIP_MAX_RETARGET);
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < req->n_pai; i++) {
		(void)uri_tn(req->pai[i], &other);
	}
	if (uri_tn(req->n_pai > 0 ? req->pai[0] : req->from_uri, &orig)) {
		c.orig = &orig;
	}
	/* the called party: To, or else the Request-URI */
	if (uri_tn(req->to_uri, &dest) || uri_tn(req->ruri, &dest)) {
		c.dest = &dest;
	}
	(void)uri_tn(req->ruri, &other);
	for (size_t i = 0; i < req->n_hist_info; i++) {
		(void)uri_tn(req->hist_info[i], &other);
	}
	for (size_t i = 0; i < req->n_diversion; i++) {
		(void)uri_tn(req->diversion[i], &other);
	}
	if (req->date != NULL) {
		time_t t = 0;

		c.has_date = true;
		r = danecid_sip_date_parse(req->date, strlen(req->date), &t);
		FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_MALFORMED);
		c.date_bad = r != DANECID_OK;
		if (r == DANECID_OK) {
			/* 1970-01-01 .. 9999-12-31 23:59:59 */
			FUZZ_CHECK(t >= 0 && t <= (time_t)253402300799);
			c.date = (int64_t)t;
		}
	}
	for (size_t i = 0; i < req->n_identity; i++) {
		const struct danecid_identity *id = &req->identity[i];
		struct danecid_identity again;

		FUZZ_CHECK(id->raw != NULL && id->jws != NULL && strlen(id->jws) == id->jws_len);
		memset(&again, 0, sizeof(again));
		if (danecid_identity_parse(id->raw, strlen(id->raw), &again) == DANECID_OK) {
			FUZZ_CHECK(strcmp(again.jws, id->jws) == 0 &&
			           str_eq(again.info, id->info) && str_eq(again.alg, id->alg) &&
			           str_eq(again.ppt, id->ppt));
		} else {
			FUZZ_CHECK(id->jws_len == 0);
		}
		danecid_identity_clear(&again);
		fuzz_identity(id, &c);
	}
	danecid_sip_req_free(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;

	danecid_sip_init();
	input_start = p;
	input_end = p + size;
	front_end(p, size);
	verifier(p, size);
	return 0;
}
