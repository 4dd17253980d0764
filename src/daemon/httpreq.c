/* httpreq — see httpreq.h: the limits of danecidd's HTTP front-end and the reading of a
 * verification request body (moved out of http.c so that it takes (pointer, length)). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <jansson.h>

#include "httpreq.h"

void dd_http_limits(struct evhttp *http)
{
	evhttp_set_timeout(http, DD_HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(http, DD_HTTP_HEADERS_MAX);
	evhttp_set_max_body_size(http, DD_HTTP_READ_MAX);
	evhttp_set_allowed_methods(
	    http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	              EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_PATCH);
	evhttp_set_flags(http, EVHTTP_SERVER_LINGERING_CLOSE);
}

/* Content-Type is application/json, parameters (charset) ignored, case-insensitive. */
static bool is_json_type(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	if (ct == NULL) {
		return false;
	}
	ct += strspn(ct, " \t");
	if (strncasecmp(ct, want, n) != 0) {
		return false;
	}
	ct += n;
	ct += strspn(ct, " \t");
	return *ct == '\0' || *ct == ';';
}

/* A JSON string without embedded NUL, or NULL. */
static const char *plain_string(const json_t *s)
{
	const char *v = json_string_value(s);

	return v != NULL && strlen(v) == json_string_length(s) ? v : NULL;
}

/*
 * Check the parsed body and fill rq (strings point into root). On a fault, write the message
 * into err and return -1.
 */
static int read_request(json_t *root, struct danecid_request *rq,
                        const char *dest[DANECID_DEST_MAX],
                        const char *identity[DANECID_IDENTITY_MAX], char *err, size_t errlen)
{
	json_t *vr, *from, *to, *tns, *x;
	size_t n;

	memset(rq, 0, sizeof(*rq));
	if (!json_is_object(root)) {
		snprintf(err, errlen, "the body must be a JSON object");
		return -1;
	}
	vr = json_object_get(root, "verificationRequest");
	if (!json_is_object(vr)) {
		snprintf(err, errlen, "verificationRequest: %s", vr ? "not an object" : "missing");
		return -1;
	}
	from = json_object_get(vr, "from");
	if (!json_is_object(from)) {
		snprintf(err, errlen, "verificationRequest.from: %s",
		         from ? "not an object" : "missing");
		return -1;
	}
	x = json_object_get(from, "tn");
	rq->orig = plain_string(x);
	if (rq->orig == NULL) {
		snprintf(err, errlen, "verificationRequest.from.tn: %s",
		         x == NULL           ? "missing"
		         : json_is_string(x) ? "contains NUL"
		                             : "not a string");
		return -1;
	}
	to = json_object_get(vr, "to");
	if (!json_is_object(to)) {
		snprintf(err, errlen, "verificationRequest.to: %s",
		         to ? "not an object" : "missing");
		return -1;
	}
	tns = json_object_get(to, "tn");
	n = json_array_size(tns);
	if (!json_is_array(tns) || n < 1 || n > DANECID_DEST_MAX) {
		snprintf(err, errlen, "verificationRequest.to.tn: %s",
		         tns == NULL           ? "missing"
		         : !json_is_array(tns) ? "not an array"
		                               : "must hold 1 to 8 numbers");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		x = json_array_get(tns, i);
		dest[i] = plain_string(x);
		if (dest[i] == NULL) {
			snprintf(err, errlen, "verificationRequest.to.tn[%zu]: %s", i,
			         json_is_string(x) ? "contains NUL" : "not a string");
			return -1;
		}
	}
	rq->dest = dest;
	rq->n_dest = n;
	/* ATIS-1000082 carries one identity; an array of them (a SHAKEN PASSporT and the div
	 * PASSporTs of a diverted call) is accepted too. */
	x = json_object_get(vr, "identity");
	if (json_is_array(x)) {
		n = json_array_size(x);
		if (n < 1 || n > DANECID_IDENTITY_MAX) {
			snprintf(err, errlen,
			         "verificationRequest.identity: must hold 1 to %d values",
			         DANECID_IDENTITY_MAX);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			identity[i] = plain_string(json_array_get(x, i));
			if (identity[i] == NULL) {
				snprintf(err, errlen, "verificationRequest.identity[%zu]: %s", i,
				         json_is_string(json_array_get(x, i)) ? "contains NUL"
				                                              : "not a string");
				return -1;
			}
		}
		rq->identity = identity;
		rq->n_identity = n;
	} else if (x != NULL) {
		identity[0] = plain_string(x);
		if (identity[0] == NULL) {
			snprintf(err, errlen, "verificationRequest.identity: %s",
			         json_is_string(x) ? "contains NUL" : "not a string or an array");
			return -1;
		}
		rq->identity = identity;
		rq->n_identity = 1;
	}
	/* "time" is the request's Date (ATIS-1000082): checked as RFC 8224 checks Date */
	x = json_object_get(vr, "time");
	if (x != NULL && !json_is_integer(x)) {
		snprintf(err, errlen, "verificationRequest.time: not an integer");
		return -1;
	}
	if (x != NULL) {
		rq->has_time = true;
		rq->time = (int64_t)json_integer_value(x);
	}
	rq->dialog = NULL; /* every HTTP request is its own dialog */
	return 0;
}

int dd_http_body_read(const char *content_type, const char *body, size_t len,
                      struct dd_http_body *out, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;

	memset(out, 0, sizeof(*out));
	if (!is_json_type(content_type)) {
		snprintf(err, errlen, "Content-Type must be application/json, not %s",
		         content_type != NULL ? content_type : "none");
		return 415;
	}
	if (len > DD_HTTP_BODY_MAX) {
		snprintf(err, errlen, "the body has %zu bytes, more than %d", len,
		         DD_HTTP_BODY_MAX);
		return 413;
	}
	if (len == 0 || body == NULL) {
		snprintf(err, errlen, "the body is empty");
		return 400;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "invalid JSON at line %d column %d: %s", jerr.line,
		         jerr.column, jerr.text);
		return 400;
	}
	if (read_request(root, &out->rq, out->dest, out->identity, err, errlen) != 0) {
		json_decref(root);
		memset(out, 0, sizeof(*out));
		return 400;
	}
	out->root = root;
	return 0;
}

void dd_http_body_clear(struct dd_http_body *b)
{
	json_decref(b->root);
	memset(b, 0, sizeof(*b));
}
