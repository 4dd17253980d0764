/* dns — DNSSEC-validated TLSA/TXT lookups through getdns in stub mode.
 *
 * Outline of operations:
 *  1. danecid_dns_new() builds a stub-mode getdns context pointed at one
 *     upstream, loads the private trust anchors from a file and switches off
 *     getdns's zero-config root anchor fetch (it would go to the internet).
 *  2. danecid_dns_query() asks one question with dnssec_return_all_statuses
 *     (without it getdns silently drops BOGUS replies) and reads the reply's own
 *     dnssec_status, never the top-level status.
 *  3. The reply is distrusted: only records whose owner is the question name
 *     and whose type is the question type are kept; RRSIG labels tell a
 *     wildcard-synthesized answer; TTL and the earliest RRSIG expiration are
 *     kept for a cache.
 *  4. getdns 1.6 now and then calls a valid NSEC3 denial BOGUS (and keeps doing
 *     so in that context): a BOGUS answer is asked again, up to twice, each time
 *     in a fresh context. A forged answer stays BOGUS every time.
 *  5. getdns 1.6 also calls answers below an unsigned delegation BOGUS. A BOGUS
 *     answer is therefore re-examined: DS questions from the anchor down to the
 *     name look for a validated NSEC/NSEC3 proof of a delegation without DS; only
 *     such a proof turns the answer INSECURE. Anything else stays BOGUS, but a DS
 *     question left unanswered leaves the lookup undecided (FAIL). Those DS
 *     questions are asked with the DO bit: the anchor zone's keys validate most
 *     answers, a child zone's answer is validated from a bundle (step 9), getdns
 *     validates the rest.
 *  6. Each lookup is a small state machine (struct lookup). Without an event
 *     base it runs to the end inside danecid_dns_lookup() (step 12);
 *     attached to a libevent base, getdns runs asynchronously in that loop and
 *     many lookups are in flight at once.
 *  7. Caching (getdns 1.6 stub mode caches nothing and fetches the DNSKEY/DS chain
 *     again for every question): a SECURE answer is kept in the shared cache
 *     (dnscache.c) for its TTL, never past its signatures' expiration. The trust
 *     anchor zone's DNSKEY set is validated once (dnsval.c); then a question is
 *     asked with the DO bit but without getdns validation, and its response
 *     validated with those keys: one signature check. Whatever that validator is
 *     unsure of (other algorithms, NSEC, wildcards, child zones, forged or broken
 *     answers) is asked again of getdns with full validation, which decides as
 *     before: the fast path can only find answers SECURE that a zone key signed.
 *  8. A lookup for a name and type already under way in the client joins it.
 *  9. A response the fast validator is unsure of and that is signed by a zone below the
 *     anchor zone (a delegated, signed child) is not asked again of getdns: its DS and
 *     DNSKEY sets (and the anchor zone's DNSKEY set) are asked with the DO bit and the
 *     response is validated from that bundle with getdns_validate_dnssec2(). Asked live,
 *     getdns 1.6 also asks the DS set of the anchor itself; an upstream that is
 *     authoritative for the anchor zone but not its parent answers with the apex's own
 *     NSEC3, which getdns takes for an insecure delegation, cancelling every question below
 *     it: every signed child zone came out BOGUS.
 * 10. KeyTrap (CVE-2023-50387): getdns tries every key whose tag matches a signature's, for
 *     every signature. Before any getdns validation of a response asked here with the DO bit,
 *     a response with more than SIGS_MAX signatures is refused (BOGUS); a bundle is refused
 *     when its signatures and the keys sharing their tags would need more than
 *     SIG_CHECKS_MAX checks. The bundle is what getdns validates, so what was counted is
 *     what it works on.
 * 11. Transports: getdns 1.6's own retry over TCP of a truncated UDP answer hands the
 *     question the upstream's shared TCP socket; when the question then times out or is
 *     cancelled, getdns closes that socket under the connection (and later a descriptor
 *     number reused by another socket): "double free or corruption" seen with NSD's
 *     response-rate-limiting (answers dropped or truncated) and with junk answers. So no
 *     context here has a fallback: the client's context speaks UDP only, and a truncated
 *     answer to a question asked over UDP is asked again in a second context that speaks TCP
 *     only. While the upstream truncates answers (one seen in the last TC_MEMORY_S seconds),
 *     the questions getdns validates itself go over TCP as well, fresh contexts included:
 *     getdns's own questions for the chain of trust would be truncated too. (Over TCP every
 *     question costs more: NSD holds each pipelined answer after the first for the client's
 *     delayed ACK, 40 ms.)
 * 12. Timeouts: when getdns's own timeout strikes while it still fetches the chain of trust
 *     for an answer, getdns 1.6 cancels the chain's questions twice ("double free or
 *     corruption" in _getdns_validation_chain_timeout, seen with an upstream that leaves DS
 *     questions or junk unanswered). So getdns's timeout is set to twice the configured one
 *     and every question has a timer of its own at the configured timeout that cancels it
 *     (getdns_cancel_callback, the path a context's destruction takes too). Without an event
 *     base a question runs on a private base until its answer or its timer.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <getdns/getdns.h>
#include <getdns/getdns_extra.h>
#include <event2/event.h>
#include <getdns/getdns_ext_libevent.h>
#include <ldns/ldns.h>

#include "dns.h"
#include "dnscache.h"
#include "dnsval.h"
#include "dnswire.h"
#include "util.h"

#define ANCHORS_MAX   8
#define NAME_MAX_LEN  256
#define BOGUS_RETRIES 2
/* Seconds before a zone key set that could not be validated is tried again. */
#define KEYS_RETRY_S 5
/* Seconds after a truncated answer during which getdns validates over TCP (outline 11). */
#define TC_MEMORY_S 60
/* KeyTrap bounds: signatures in one response; signature checks a bundle may need (each RRSIG
 * times the DNSKEYs of its signer with its tag and algorithm); DNSKEY records in a bundle;
 * zone cuts between the anchor and a signer whose keys are gathered. A sane zone needs a few
 * of each. */
#define SIGS_MAX        16
#define SIG_CHECKS_MAX  32
#define BUNDLE_KEYS_MAX 64
#define CUTS_MAX        4

struct lookup;
static void keywait_fail(danecid_dns *dns);

struct danecid_dns {
	getdns_context *ctx;         /* UDP only */
	getdns_context *tcp;         /* TCP only; NULL until first needed */
	struct event_base *own_base; /* no base attached: getdns runs here, a question at a time */
	int64_t tc_until;            /* validation over TCP until then (outline 11) */
	struct lookup *sending;      /* in getdns_general: whose question, and whether getdns */
	bool sent_answered;          /* answered it before returning (then it may be gone) */
	getdns_dict *ext;
	getdns_list *upstreams; /* kept to build fresh contexts for re-asking */
	getdns_list *anchor_rrs;
	unsigned timeout_ms;
	struct event_base *base;                 /* NULL: synchronous */
	bool closing;                            /* being freed: no new questions */
	char anchors[ANCHORS_MAX][NAME_MAX_LEN]; /* owner names, lower case, final dot */
	size_t n_anchors;
	uint64_t questions;
	/* caching and the fast validator */
	danecid_dnscache *cache;
	getdns_dict *ext_do; /* the DO bit, no getdns validation */
	struct danecid_anchor anchor_recs[ANCHORS_MAX];
	size_t n_anchor_recs;
	struct {
		uint8_t wire[DANECID_WNAME_MAX];
		size_t len;
		bool loading;       /* a DNSKEY question is under way */
		int64_t fail_until; /* the last try failed: full validation until then */
	} zone[ANCHORS_MAX];        /* one per entry of anchors[] */
	struct lookup *pending;     /* lookups under way (joined by equal ones) */
};

/* Lower-case copy with exactly one final dot. */
static int name_normalize(const char *in, char *out, size_t outlen)
{
	size_t len = strlen(in);

	while (len > 1 && in[len - 1] == '.') {
		len--;
	}
	if (len == 0 || len + 2 > outlen) {
		return DANECID_ERR_INVAL;
	}
	for (size_t i = 0; i < len; i++) {
		out[i] = (char)tolower((unsigned char)in[i]);
	}
	if (len == 1 && in[0] == '.') {
		out[1] = '\0';
		return DANECID_OK;
	}
	out[len] = '.';
	out[len + 1] = '\0';
	return DANECID_OK;
}

static size_t name_labels(const char *name)
{
	size_t n = 0;

	if (strcmp(name, ".") == 0) {
		return 0;
	}
	for (const char *c = name; *c != '\0'; c++) {
		if (*c == '.') {
			n++;
		}
	}
	if (name[0] == '*' && name[1] == '.') {
		n--;
	}
	return n;
}

/* Whether name equals anc or lies below it (both normalized). */
static int name_under(const char *name, const char *anc)
{
	size_t nl = strlen(name), al = strlen(anc);

	if (strcmp(anc, ".") == 0) {
		return 1;
	}
	if (nl < al) {
		return 0;
	}
	if (strcmp(name + nl - al, anc) != 0) {
		return 0;
	}
	return nl == al || name[nl - al - 1] == '.';
}

static int parse_upstream(const char *up, getdns_list **out, char *errbuf, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	getdns_bindata type4 = {4, (uint8_t *)"IPv4"};
	getdns_bindata type6 = {4, (uint8_t *)"IPv6"};
	getdns_bindata data;
	getdns_dict *d = NULL;
	getdns_list *l = NULL;
	uint16_t port;
	int r = DANECID_ERR_CONFIG;

	if (danecid_addr_parse(up, 53, &ss, &sslen) != DANECID_OK) {
		danecid_errf(errbuf, errlen,
		             "bad upstream \"%s\": want IP[@PORT], e.g. 127.0.0.1@53530", up);
		return DANECID_ERR_CONFIG;
	}
	if (ss.ss_family == AF_INET) {
		data.size = 4;
		data.data = (uint8_t *)&((struct sockaddr_in *)&ss)->sin_addr;
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else {
		data.size = 16;
		data.data = (uint8_t *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	if (port == 0) {
		danecid_errf(errbuf, errlen, "bad upstream \"%s\": port 0", up);
		return DANECID_ERR_CONFIG;
	}
	d = getdns_dict_create();
	l = getdns_list_create();
	if (d == NULL || l == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if (getdns_dict_set_bindata(d, "address_type", data.size == 4 ? &type4 : &type6) ||
	    getdns_dict_set_bindata(d, "address_data", &data) ||
	    getdns_dict_set_int(d, "port", port) || getdns_list_set_dict(l, 0, d)) {
		r = DANECID_ERR_DNS;
		goto out;
	}
	*out = l;
	l = NULL;
	r = DANECID_OK;
out:
	getdns_dict_destroy(d);
	getdns_list_destroy(l);
	return r;
}

/* The anchor file without ';' comments: ldns-keygen writes ";{id = ...}" after a DNSKEY,
 * which getdns cannot read. Records hold no quoted strings, so every ';' starts a comment. */
static FILE *anchors_uncommented(const char *path)
{
	FILE *in = NULL, *out = NULL;
	int c, comment = 0;

	in = fopen(path, "r");
	if (in == NULL) {
		return NULL;
	}
	out = tmpfile();
	if (out == NULL) {
		fclose(in);
		return NULL;
	}
	while ((c = getc(in)) != EOF) {
		if (c == ';') {
			comment = 1;
		} else if (c == '\n') {
			comment = 0;
		}
		if (!comment && putc(c, out) == EOF) {
			break;
		}
	}
	if (ferror(in) || ferror(out) || fflush(out) != 0) {
		fclose(in);
		fclose(out);
		return NULL;
	}
	fclose(in);
	rewind(out);
	return out;
}

/* Keep an anchor record for the fast validator (those that do not fit are only getdns's). */
static void anchor_keep(danecid_dns *dns, getdns_dict *rr, uint32_t type)
{
	struct danecid_anchor *a = &dns->anchor_recs[dns->n_anchor_recs];
	getdns_bindata *owner = NULL, *raw = NULL;
	getdns_dict *rdata = NULL;

	if (dns->n_anchor_recs == ANCHORS_MAX || getdns_dict_get_bindata(rr, "name", &owner) ||
	    getdns_dict_get_dict(rr, "rdata", &rdata) ||
	    getdns_dict_get_bindata(rdata, "rdata_raw", &raw) || owner->size > sizeof(a->owner) ||
	    raw->size > sizeof(a->rdata)) {
		return;
	}
	for (size_t i = 0; i < owner->size; i++) {
		a->owner[i] = (uint8_t)tolower(owner->data[i]);
	}
	a->owner_len = owner->size;
	a->type = (uint16_t)type;
	memcpy(a->rdata, raw->data, raw->size);
	a->rdlen = raw->size;
	dns->n_anchor_recs++;
}

static int load_anchors(danecid_dns *dns, const char *path, char *errbuf, size_t errlen)
{
	FILE *f = NULL;
	getdns_list *rrs = NULL;
	size_t n = 0;
	int r = DANECID_ERR_INTERNAL;

	f = anchors_uncommented(path);
	if (f == NULL) {
		danecid_errf(errbuf, errlen, "cannot read trust anchor file %s", path);
		r = DANECID_ERR_IO;
		goto out;
	}
	if (getdns_fp2rr_list(f, &rrs, NULL, 3600) != GETDNS_RETURN_GOOD ||
	    getdns_list_get_length(rrs, &n) != GETDNS_RETURN_GOOD) {
		danecid_errf(errbuf, errlen, "trust anchor file %s: not DS/DNSKEY records", path);
		r = DANECID_ERR_CONFIG;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		getdns_dict *rr = NULL;
		getdns_bindata *owner = NULL;
		char *fqdn = NULL;
		uint32_t type = 0;
		char norm[NAME_MAX_LEN];
		int dup = 0;

		if (getdns_list_get_dict(rrs, i, &rr) || getdns_dict_get_int(rr, "type", &type) ||
		    (type != GETDNS_RRTYPE_DS && type != GETDNS_RRTYPE_DNSKEY)) {
			danecid_errf(errbuf, errlen,
			             "trust anchor file %s: only DS and DNSKEY records", path);
			r = DANECID_ERR_CONFIG;
			goto out;
		}
		if (getdns_dict_get_bindata(rr, "name", &owner) ||
		    getdns_convert_dns_name_to_fqdn(owner, &fqdn)) {
			r = DANECID_ERR_CONFIG;
			goto out;
		}
		r = name_normalize(fqdn, norm, sizeof(norm));
		free(fqdn);
		if (r != DANECID_OK) {
			r = DANECID_ERR_CONFIG;
			goto out;
		}
		for (size_t j = 0; j < dns->n_anchors; j++) {
			dup |= strcmp(dns->anchors[j], norm) == 0;
		}
		if (!dup && dns->n_anchors < ANCHORS_MAX) {
			memcpy(dns->anchors[dns->n_anchors], norm, strlen(norm) + 1);
			if (danecid_wire_name_from_str(norm, dns->zone[dns->n_anchors].wire,
			                               &dns->zone[dns->n_anchors].len) !=
			    DANECID_OK) {
				r = DANECID_ERR_CONFIG;
				goto out;
			}
			dns->n_anchors++;
		}
		anchor_keep(dns, rr, type);
	}
	if (dns->n_anchors == 0) {
		danecid_errf(errbuf, errlen, "trust anchor file %s holds no DS or DNSKEY record",
		             path);
		r = DANECID_ERR_CONFIG;
		goto out;
	}
	dns->anchor_rrs = rrs;
	rrs = NULL;
	r = DANECID_OK;
out:
	if (f != NULL) {
		fclose(f);
	}
	getdns_list_destroy(rrs);
	return r;
}

/* A stub-mode validating context: the upstream, the private anchors, no zero-config root
 * anchor fetch, one transport (UDP or TCP: never getdns's fallback from one to the other,
 * outline 11). */
static int make_context(const danecid_dns *dns, getdns_transport_list_t transport,
                        getdns_context **out)
{
	getdns_context *ctx = NULL;

	if (getdns_context_create(&ctx, 0) != GETDNS_RETURN_GOOD) {
		return DANECID_ERR_DNS;
	}
	if (getdns_context_set_resolution_type(ctx, GETDNS_RESOLUTION_STUB) ||
	    getdns_context_set_dns_transport_list(ctx, 1, &transport) ||
	    getdns_context_set_upstream_recursive_servers(ctx, dns->upstreams) ||
	    getdns_context_set_trust_anchors_verify_CA(ctx, "") ||
	    getdns_context_set_dnssec_trust_anchors(ctx, dns->anchor_rrs) ||
	    getdns_context_set_timeout(ctx, 2 * (uint64_t)dns->timeout_ms) ||
	    getdns_extension_set_libevent_base(ctx,
	                                       dns->base != NULL ? dns->base : dns->own_base)) {
		getdns_context_destroy(ctx);
		return DANECID_ERR_DNS;
	}
	*out = ctx;
	return DANECID_OK;
}

/* Extensions of a question validated here: the DO bit, and no getdns validation. */
static int make_ext_do(getdns_dict **out)
{
	getdns_dict *ext = getdns_dict_create(), *opt = getdns_dict_create();
	int r = DANECID_ERR_DNS;

	if (ext == NULL || opt == NULL) {
		r = DANECID_ERR_NOMEM;
	} else if (getdns_dict_set_int(opt, "do_bit", 1) == GETDNS_RETURN_GOOD &&
	           getdns_dict_set_dict(ext, "add_opt_parameters", opt) == GETDNS_RETURN_GOOD) {
		*out = ext;
		ext = NULL;
		r = DANECID_OK;
	}
	getdns_dict_destroy(opt);
	getdns_dict_destroy(ext);
	return r;
}

int danecid_dns_new(const struct danecid_dns_opts *opts, danecid_dns **out, char *errbuf,
                    size_t errlen)
{
	danecid_dns *dns = NULL;
	int r = DANECID_ERR_INTERNAL;

	if (opts == NULL || out == NULL || opts->upstream == NULL || opts->anchor_file == NULL) {
		danecid_errf(errbuf, errlen, "%s",
		             "an upstream and a trust anchor file are needed");
		return DANECID_ERR_CONFIG;
	}
	*out = NULL;
	dns = calloc(1, sizeof(*dns));
	if (dns == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	dns->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 1500;
	r = parse_upstream(opts->upstream, &dns->upstreams, errbuf, errlen);
	if (r != DANECID_OK) {
		goto out;
	}
	r = load_anchors(dns, opts->anchor_file, errbuf, errlen);
	if (r != DANECID_OK) {
		goto out;
	}
	dns->own_base = event_base_new();
	if (dns->own_base == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	r = make_context(dns, GETDNS_TRANSPORT_UDP, &dns->ctx);
	if (r != DANECID_OK) {
		danecid_errf(errbuf, errlen, "%s",
		             "getdns refused the stub settings or the anchors");
		goto out;
	}
	dns->ext = getdns_dict_create();
	if (dns->ext == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	if (getdns_dict_set_int(dns->ext, "dnssec_return_all_statuses", GETDNS_EXTENSION_TRUE)) {
		r = DANECID_ERR_DNS;
		goto out;
	}
	r = make_ext_do(&dns->ext_do);
	if (r != DANECID_OK) {
		goto out;
	}
	if (opts->cache != NULL) {
		dns->cache = danecid_dnscache_ref(opts->cache);
	} else if ((r = danecid_dnscache_new(NULL, &dns->cache)) != DANECID_OK) {
		goto out;
	}
	*out = dns;
	dns = NULL;
	r = DANECID_OK;
out:
	danecid_dns_free(dns);
	return r;
}

void danecid_dns_free(danecid_dns *dns)
{
	if (dns == NULL) {
		return;
	}
	dns->closing = true; /* lookups cancelled by the destroy must not ask again */
	if (dns->ctx != NULL) {
		getdns_context_destroy(dns->ctx);
	}
	if (dns->tcp != NULL) {
		getdns_context_destroy(dns->tcp);
	}
	if (dns->own_base != NULL) {
		event_base_free(dns->own_base);
	}
	keywait_fail(dns);
	getdns_dict_destroy(dns->ext);
	getdns_dict_destroy(dns->ext_do);
	danecid_dnscache_free(dns->cache);
	getdns_list_destroy(dns->upstreams);
	getdns_list_destroy(dns->anchor_rrs);
	free(dns);
}

bool danecid_dns_same_anchors(const danecid_dns *a, const danecid_dns *b)
{
	if (a->n_anchor_recs != b->n_anchor_recs || a->n_anchors != b->n_anchors) {
		return false;
	}
	for (size_t i = 0; i < a->n_anchor_recs; i++) {
		const struct danecid_anchor *x = &a->anchor_recs[i], *y = &b->anchor_recs[i];

		if (x->type != y->type || x->owner_len != y->owner_len || x->rdlen != y->rdlen ||
		    memcmp(x->owner, y->owner, x->owner_len) != 0 ||
		    memcmp(x->rdata, y->rdata, x->rdlen) != 0) {
			return false;
		}
	}
	return true;
}

struct danecid_dnscache *danecid_dns_cache(danecid_dns *dns)
{
	return dns->cache;
}

uint64_t danecid_dns_questions(const danecid_dns *dns)
{
	return dns != NULL ? dns->questions : 0;
}

void danecid_rrset_clear(struct danecid_rrset *rs)
{
	if (rs == NULL) {
		return;
	}
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->rr[i].data);
	}
	memset(rs, 0, sizeof(*rs));
}

int danecid_txt_rdata(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	size_t o = 0, i = 0;

	if (outlen == 0) {
		return DANECID_ERR_TOO_LONG;
	}
	while (i < len) {
		size_t sl = p[i++];

		if (sl > len - i) {
			return DANECID_ERR_MALFORMED;
		}
		if (o + sl >= outlen) {
			return DANECID_ERR_TOO_LONG;
		}
		for (size_t k = 0; k < sl; k++) {
			if (p[i + k] == '\0') {
				return DANECID_ERR_MALFORMED;
			}
		}
		memcpy(out + o, p + i, sl);
		o += sl;
		i += sl;
	}
	out[o] = '\0';
	return DANECID_OK;
}

/* Owner name of an RR as a normalized string; 0 on success. */
static int rr_owner(getdns_dict *rr, char *out, size_t outlen)
{
	getdns_bindata *b = NULL;
	char *fqdn = NULL;
	int r;

	if (getdns_dict_get_bindata(rr, "name", &b) || getdns_convert_dns_name_to_fqdn(b, &fqdn)) {
		return DANECID_ERR_MALFORMED;
	}
	r = name_normalize(fqdn, out, outlen);
	free(fqdn);
	return r;
}

static int rr_raw(getdns_dict *rr, getdns_bindata **raw)
{
	getdns_dict *rdata = NULL;

	if (getdns_dict_get_dict(rr, "rdata", &rdata) ||
	    getdns_dict_get_bindata(rdata, "rdata_raw", raw)) {
		return DANECID_ERR_MALFORMED;
	}
	return DANECID_OK;
}

static enum danecid_dnssec map_status(uint32_t st)
{
	switch (st) {
	case GETDNS_DNSSEC_SECURE:
		return DANECID_DNSSEC_SECURE;
	case GETDNS_DNSSEC_BOGUS:
		return DANECID_DNSSEC_BOGUS;
	case GETDNS_DNSSEC_INSECURE:
		return DANECID_DNSSEC_INSECURE;
	default:
		return DANECID_DNSSEC_INDETERMINATE;
	}
}

/* How long a denial may be cached (RFC 2308 §5): the SOA's TTL and minimum, and the
 * earliest expiration of the signatures in the authority section. No SOA: ttl 0 (not kept). */
static void denial_bounds(getdns_dict *reply, struct danecid_rrset *out)
{
	getdns_list *auth = NULL;
	size_t n = 0;

	out->ttl = 0;
	out->sig_expire = 0;
	if (getdns_dict_get_list(reply, "authority", &auth) || getdns_list_get_length(auth, &n)) {
		return;
	}
	for (size_t i = 0; i < n; i++) {
		getdns_dict *rr = NULL, *rdata = NULL;
		uint32_t type = 0, ttl = 0, v = 0;

		if (getdns_list_get_dict(auth, i, &rr) || getdns_dict_get_int(rr, "type", &type) ||
		    getdns_dict_get_int(rr, "ttl", &ttl) ||
		    getdns_dict_get_dict(rr, "rdata", &rdata)) {
			continue;
		}
		if (type == GETDNS_RRTYPE_SOA && !getdns_dict_get_int(rdata, "minimum", &v)) {
			ttl = v < ttl ? v : ttl;
			out->ttl = out->ttl == 0 || ttl < out->ttl ? ttl : out->ttl;
		} else if (type == GETDNS_RRTYPE_RRSIG &&
		           !getdns_dict_get_int(rdata, "signature_expiration", &v) &&
		           (out->sig_expire == 0 || (int64_t)v < out->sig_expire)) {
			out->sig_expire = v;
		}
	}
}

/* A reply, checked and copied into out (kind FAIL when there is none or it is unusable). */
static int parse_response(getdns_dict *resp, const char *name, uint16_t type,
                          struct danecid_rrset *out)
{
	getdns_dict *reply = NULL, *header = NULL;
	getdns_list *replies = NULL, *answer = NULL;
	uint32_t st = 0, rcode = 0;
	size_t nrep = 0, nans = 0;
	int r = DANECID_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	out->kind = DANECID_DNS_FAIL;
	out->sec = DANECID_DNSSEC_INDETERMINATE;
	if (resp == NULL || getdns_dict_get_list(resp, "replies_tree", &replies) ||
	    getdns_list_get_length(replies, &nrep) || nrep == 0) {
		r = DANECID_OK; /* timeout, unreachable, nothing usable: kind FAIL */
		goto out;
	}
	/* Every reply's own status counts: a BOGUS one anywhere makes the answer BOGUS. */
	for (size_t i = 0; i < nrep; i++) {
		getdns_dict *rep = NULL;
		uint32_t s = 0;

		if (getdns_list_get_dict(replies, i, &rep) ||
		    getdns_dict_get_int(rep, "dnssec_status", &s)) {
			r = DANECID_OK;
			goto out;
		}
		if (i == 0 || s == GETDNS_DNSSEC_BOGUS) {
			st = s;
		}
	}
	if (getdns_list_get_dict(replies, 0, &reply) ||
	    getdns_dict_get_dict(reply, "header", &header) ||
	    getdns_dict_get_int(header, "rcode", &rcode) ||
	    getdns_dict_get_list(reply, "answer", &answer) ||
	    getdns_list_get_length(answer, &nans)) {
		r = DANECID_OK;
		goto out;
	}
	if (rcode == GETDNS_RCODE_NXDOMAIN) {
		out->kind = DANECID_DNS_NXDOMAIN;
	} else if (rcode != GETDNS_RCODE_NOERROR) {
		r = DANECID_OK; /* SERVFAIL, REFUSED, ...: kind FAIL */
		goto out;
	} else {
		out->kind = DANECID_DNS_NODATA;
	}
	out->sec = map_status(st);
	for (size_t i = 0; i < nans; i++) {
		getdns_dict *rr = NULL, *rdata = NULL;
		getdns_bindata *raw = NULL;
		uint32_t rtype = 0, ttl = 0, covered = 0, labels = 0, exp = 0;
		char owner[NAME_MAX_LEN];

		if (getdns_list_get_dict(answer, i, &rr) ||
		    getdns_dict_get_int(rr, "type", &rtype) ||
		    getdns_dict_get_int(rr, "ttl", &ttl) ||
		    rr_owner(rr, owner, sizeof(owner)) != DANECID_OK) {
			continue;
		}
		if (strcmp(owner, name) != 0) {
			continue; /* only records at the question name count */
		}
		if (rtype == GETDNS_RRTYPE_RRSIG) {
			if (getdns_dict_get_dict(rr, "rdata", &rdata) ||
			    getdns_dict_get_int(rdata, "type_covered", &covered) ||
			    covered != type) {
				continue;
			}
			if (!getdns_dict_get_int(rdata, "labels", &labels) &&
			    labels < name_labels(name)) {
				out->wildcard = true;
			}
			if (!getdns_dict_get_int(rdata, "signature_expiration", &exp) &&
			    (out->sig_expire == 0 || (int64_t)exp < out->sig_expire)) {
				out->sig_expire = exp;
			}
			continue;
		}
		if (rtype != type || rr_raw(rr, &raw) != DANECID_OK) {
			continue;
		}
		if (out->ttl == 0 || ttl < out->ttl) {
			out->ttl = ttl;
		}
		if (out->n >= DANECID_RRSET_MAX) {
			continue;
		}
		out->rr[out->n].data = malloc(raw->size > 0 ? raw->size : 1);
		if (out->rr[out->n].data == NULL) {
			r = DANECID_ERR_NOMEM;
			goto out;
		}
		memcpy(out->rr[out->n].data, raw->data, raw->size);
		out->rr[out->n].len = raw->size;
		out->n++;
	}
	if (out->n > 0) {
		out->kind = DANECID_DNS_DATA;
	} else {
		denial_bounds(reply, out);
	}
	r = DANECID_OK;
out:
	if (r != DANECID_OK) {
		danecid_rrset_clear(out);
	}
	return r;
}

static int delegation_bits(const uint8_t *map, size_t len)
{
	return danecid_wire_bitmap_has(map, len, GETDNS_RRTYPE_NS) &&
	       !danecid_wire_bitmap_has(map, len, GETDNS_RRTYPE_DS) &&
	       !danecid_wire_bitmap_has(map, len, GETDNS_RRTYPE_SOA);
}

/* NSEC3 owner's first label equals the hash of name under the record's parameters. */
static int nsec3_matches(const char *owner, const char *name, const uint8_t *rd, size_t len,
                         const uint8_t **map, size_t *maplen)
{
	ldns_rdf *dn = NULL, *h = NULL;
	char *hs = NULL;
	size_t saltlen, hashlen, off;
	int ok = 0;

	if (len < 5) {
		return 0;
	}
	saltlen = rd[4];
	if (5 + saltlen + 1 > len) {
		return 0;
	}
	hashlen = rd[5 + saltlen];
	off = 5 + saltlen + 1 + hashlen;
	if (rd[0] != 1 || off > len) {
		return 0;
	}
	dn = ldns_dname_new_frm_str(name);
	if (dn == NULL) {
		goto out;
	}
	h = ldns_nsec3_hash_name(dn, rd[0], (uint16_t)((rd[2] << 8) | rd[3]), (uint8_t)saltlen,
	                         rd + 5);
	if (h == NULL) {
		goto out;
	}
	hs = ldns_rdf2str(h);
	if (hs == NULL) {
		goto out;
	}
	{
		size_t hl = strcspn(hs, ".");
		size_t ol = strcspn(owner, ".");

		ok = hl == ol && hl > 0 && strncasecmp(hs, owner, hl) == 0;
	}
	if (ok) {
		*map = rd + off;
		*maplen = len - off;
	}
out:
	free(hs);
	ldns_rdf_deep_free(h);
	ldns_rdf_deep_free(dn);
	return ok;
}

/* Skip an uncompressed wire-format name; returns its length or 0. */
static size_t wire_name_len(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t l = p[i];

		if (l == 0) {
			return i + 1;
		}
		if (l > 63) {
			return 0;
		}
		i += l + 1;
	}
	return 0;
}

/* Whether the authority section of a validated DS reply proves that name is a delegation
 * without DS (an insecure delegation). */
static int proves_insecure_delegation(getdns_dict *resp, const char *name)
{
	getdns_list *replies = NULL, *auth = NULL;
	getdns_dict *reply = NULL;
	size_t n = 0;

	if (getdns_dict_get_list(resp, "replies_tree", &replies) ||
	    getdns_list_get_dict(replies, 0, &reply) ||
	    getdns_dict_get_list(reply, "authority", &auth) || getdns_list_get_length(auth, &n)) {
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		getdns_dict *rr = NULL;
		getdns_bindata *raw = NULL;
		uint32_t type = 0;
		char owner[NAME_MAX_LEN];
		const uint8_t *map = NULL;
		size_t maplen = 0;

		if (getdns_list_get_dict(auth, i, &rr) || getdns_dict_get_int(rr, "type", &type) ||
		    rr_owner(rr, owner, sizeof(owner)) || rr_raw(rr, &raw)) {
			continue;
		}
		if (type == GETDNS_RRTYPE_NSEC && strcmp(owner, name) == 0) {
			size_t skip = wire_name_len(raw->data, raw->size);

			if (skip > 0 && delegation_bits(raw->data + skip, raw->size - skip)) {
				return 1;
			}
		} else if (type == GETDNS_RRTYPE_NSEC3 &&
		           nsec3_matches(owner, name, raw->data, raw->size, &map, &maplen) &&
		           delegation_bits(map, maplen)) {
			return 1;
		}
	}
	return 0;
}

/* ---- one lookup: a small state machine, run synchronously or on an event base ---- */

enum lk_state {
	LK_KEYS,     /* the anchor zone's DNSKEY set, for the fast validator */
	LK_WAITKEYS, /* waiting for another lookup's LK_KEYS */
	LK_FAST,     /* the question with the DO bit, validated here with the zone keys */
	LK_MAIN,     /* the question, in the client's context, validated by getdns */
	LK_FRESH,    /* the same question again in a fresh context, after a BOGUS answer */
	LK_DS,       /* a DS question looking for an insecure delegation above the name */
	LK_CUT_DS,   /* bundle: the DS set of a zone below the anchor (DO bit, not validated) */
	LK_CUT_KEYS, /* bundle: that zone's DNSKEY set (DO bit, not validated) */
	LK_ANCHOR,   /* bundle: the anchor zone's DNSKEY set (DO bit, not validated) */
	LK_DS_DO,    /* LK_DS's question with the DO bit: a bundle if signed below the anchor */
};

struct lookup {
	danecid_dns *dns;
	char name[NAME_MAX_LEN];
	uint16_t type;
	danecid_dns_cb cb;
	void *arg;
	enum lk_state state;
	int retries;
	getdns_context *fresh;
	bool fresh_tcp;
	/* the question under way, asked again over TCP when its UDP answer is truncated */
	const char *q_name;
	uint16_t q_type;
	getdns_dict *q_ext;
	bool q_udp;
	getdns_context *q_ctx;
	getdns_transaction_t q_tid;
	struct event *timer;    /* cancels the question at the timeout (outline 12) */
	getdns_dict *sync_resp; /* without an event base: the answer, once sync_done */
	bool sync_done;
	struct danecid_rrset rs;
	size_t cut; /* LK_DS: names below name + cut are still to ask */
	const char *cand;
	struct lookup *next;     /* in dns->pending */
	struct waiter *waiters;  /* equal lookups that joined this one */
	int zone;                /* index in dns->zone[], -1: under no anchor */
	danecid_zonekeys *zk;    /* LK_FAST */
	getdns_dict *held;       /* bundle: the response validated from it */
	getdns_list *support;    /* bundle: the DS and DNSKEY records gathered for it */
	char zcut[NAME_MAX_LEN]; /* bundle: the zone whose DS and DNSKEY sets are asked */
	char up[NAME_MAX_LEN];   /* bundle: the signer of that zone's DS set */
	unsigned cuts;           /* bundle: zones asked so far */
	bool for_ds;             /* bundle: held answers the DS question of LK_DS_DO */
	bool reached;            /* bundle: its DS sets lead up to the anchor zone */
};

/* A lookup that joined an equal one under way. */
struct waiter {
	struct waiter *next;
	danecid_dns_cb cb;
	void *arg;
};

static void lk_on_response(struct lookup *lk, getdns_dict *resp);

/* The answer to the question under way (NULL: none): to lk_on_response, or kept for the loop
 * of lk_send_ext when there is no event base. */
static void deliver(struct lookup *lk, getdns_dict *resp)
{
	if (lk->timer != NULL) {
		evtimer_del(lk->timer);
	}
	if (lk->dns->sending == lk) {
		lk->dns->sent_answered = true;
	}
	if (lk->dns->base == NULL) {
		lk->sync_resp = resp;
		lk->sync_done = true;
		return;
	}
	lk_on_response(lk, resp);
}

static void on_getdns(getdns_context *ctx, getdns_callback_type_t what, getdns_dict *resp,
                      void *arg, getdns_transaction_t tid)
{
	(void)ctx;
	(void)tid;
	if (what != GETDNS_CALLBACK_COMPLETE) {
		getdns_dict_destroy(resp); /* timeout, cancel, error: no answer */
		resp = NULL;
	}
	deliver(arg, resp);
}

/* The question's own timeout (outline 12): getdns cancels it and calls back without an
 * answer. */
static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct lookup *lk = arg;

	(void)fd;
	(void)what;
	if (getdns_cancel_callback(lk->q_ctx, lk->q_tid) != GETDNS_RETURN_GOOD) {
		deliver(lk, NULL); /* not under way: nothing will call back */
	}
}

/* Ask one question; the answer comes to lk_on_response, now (no event base) or later, and no
 * later than the timeout (outline 12). */
static void lk_send_ext(struct lookup *lk, getdns_context *ctx, const char *name, uint16_t type,
                        getdns_dict *ext)
{
	danecid_dns *dns = lk->dns;
	getdns_dict *resp = NULL;
	getdns_transaction_t tid = 0;
	struct event_base *base;
	struct timeval tv;
	struct lookup *outer;
	bool outer_answered, answered;
	getdns_return_t gr;

	dns->questions++;
	lk->q_name = name;
	lk->q_type = type;
	lk->q_ext = ext;
	lk->q_udp = ctx == dns->ctx || (ctx == lk->fresh && !lk->fresh_tcp);
	if (dns->closing || ctx == NULL) {
		lk_on_response(lk, NULL);
		return;
	}
	base = dns->base != NULL ? dns->base : dns->own_base;
	if (lk->timer == NULL) {
		lk->timer = evtimer_new(base, on_timeout, lk);
	}
	lk->q_ctx = ctx;
	lk->sync_done = false;
	lk->sync_resp = NULL;
	tv.tv_sec = dns->timeout_ms / 1000;
	tv.tv_usec = (dns->timeout_ms % 1000) * 1000;
	if (lk->timer == NULL || evtimer_add(lk->timer, &tv) != 0) {
		lk_on_response(lk, NULL);
		return;
	}
	/* getdns may answer before it returns (and the lookup may then be over): note it */
	outer = dns->sending;
	outer_answered = dns->sent_answered;
	dns->sending = lk;
	dns->sent_answered = false;
	gr = getdns_general(ctx, name, type, ext, lk, &tid, on_getdns);
	answered = dns->sent_answered;
	dns->sending = outer;
	dns->sent_answered = outer_answered;
	if (answered && dns->base != NULL) {
		return; /* lk_on_response has had it */
	}
	if (gr != GETDNS_RETURN_GOOD && !answered) {
		evtimer_del(lk->timer);
		lk_on_response(lk, NULL);
		return;
	}
	lk->q_tid = tid;
	if (dns->base != NULL) {
		return; /* the answer comes to on_getdns */
	}
	/* no event base: run getdns on the private one until the answer or the timer (each
	 * question here finishes before the next is asked: never a loop inside the loop) */
	while (!lk->sync_done) {
		if (event_base_loop(base, EVLOOP_ONCE) != 0 && !lk->sync_done) {
			on_timeout(-1, 0, lk); /* the loop failed: give the question up */
		}
	}
	resp = lk->sync_resp;
	lk->sync_resp = NULL;
	lk_on_response(lk, resp);
}

static void lk_send(struct lookup *lk, getdns_context *ctx, const char *name, uint16_t type)
{
	lk_send_ext(lk, ctx, name, type, lk->dns->ext);
}

/* The client's TCP context, made when first needed; NULL when it cannot be. */
static getdns_context *tcp_context(danecid_dns *dns)
{
	if (dns->tcp == NULL && !dns->closing) {
		getdns_context *ctx = NULL;

		if (make_context(dns, GETDNS_TRANSPORT_TCP, &ctx) != DANECID_OK) {
			return NULL;
		}
		dns->tcp = ctx;
	}
	return dns->tcp;
}

/* The transport of a question getdns validates itself: UDP, or TCP while the upstream
 * truncates answers (outline 11). */
static getdns_transport_list_t validating_transport(const danecid_dns *dns)
{
	return dns->tc_until > time(NULL) ? GETDNS_TRANSPORT_TCP : GETDNS_TRANSPORT_UDP;
}

/* The client's context for a question getdns validates itself. */
static getdns_context *validating_context(danecid_dns *dns)
{
	return validating_transport(dns) == GETDNS_TRANSPORT_TCP ? tcp_context(dns) : dns->ctx;
}

/* Whether a getdns answer's first reply came truncated (TC). */
static bool truncated(getdns_dict *resp)
{
	getdns_list *full = NULL;
	getdns_bindata *wire = NULL;

	return resp != NULL && !getdns_dict_get_list(resp, "replies_full", &full) &&
	       !getdns_list_get_bindata(full, 0, &wire) && wire->size > 2 &&
	       (wire->data[2] & 0x02) != 0;
}

static int rrset_copy(const struct danecid_rrset *from, struct danecid_rrset *to)
{
	*to = *from;
	for (size_t i = 0; i < from->n; i++) {
		to->rr[i].data = malloc(from->rr[i].len > 0 ? from->rr[i].len : 1);
		if (to->rr[i].data == NULL) {
			to->n = i;
			danecid_rrset_clear(to);
			return DANECID_ERR_NOMEM;
		}
		memcpy(to->rr[i].data, from->rr[i].data, from->rr[i].len);
	}
	return DANECID_OK;
}

static void pending_remove(danecid_dns *dns, struct lookup *lk)
{
	for (struct lookup **pp = &dns->pending; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == lk) {
			*pp = lk->next;
			return;
		}
	}
}

static struct lookup *pending_find(danecid_dns *dns, const char *name, uint16_t type)
{
	for (struct lookup *lk = dns->pending; lk != NULL; lk = lk->next) {
		if (lk->type == type && strcmp(lk->name, name) == 0) {
			return lk;
		}
	}
	return NULL;
}

/* Deliver the answer to the lookup and to those that joined it; a SECURE one is cached. */
static void lk_finish(struct lookup *lk, int err)
{
	danecid_dns *dns = lk->dns;
	struct waiter *w, *next;

	pending_remove(dns, lk);
	if (err == DANECID_OK && lk->rs.sec == DANECID_DNSSEC_SECURE && !dns->closing) {
		danecid_dnscache_put(dns->cache, lk->name, lk->type, &lk->rs, time(NULL));
	}
	for (w = lk->waiters; w != NULL; w = next) {
		struct danecid_rrset copy;
		int e = err;

		next = w->next;
		memset(&copy, 0, sizeof(copy));
		if (e == DANECID_OK && rrset_copy(&lk->rs, &copy) != DANECID_OK) {
			e = DANECID_ERR_NOMEM;
		}
		w->cb(e, &copy, w->arg);
		free(w);
	}
	danecid_zonekeys_free(lk->zk);
	if (lk->timer != NULL) {
		event_free(lk->timer);
	}
	getdns_dict_destroy(lk->held);
	getdns_list_destroy(lk->support);
	lk->cb(err, &lk->rs, lk->arg); /* the callback owns lk->rs from here */
	free(lk);
}

/* The full validator: the question asked of getdns with validation. */
static void lk_main(struct lookup *lk)
{
	danecid_dnscache_count(lk->dns->cache, 0, 0);
	lk->state = LK_MAIN;
	lk_send(lk, validating_context(lk->dns), lk->name, lk->type);
}

static void lk_fast(struct lookup *lk)
{
	lk->state = LK_FAST;
	lk_send_ext(lk, lk->dns->ctx, lk->name, lk->type, lk->dns->ext_do);
}

/* The first wire response of a getdns answer, parsed; NULL when there is none. The message
 * points into resp: destroy resp only after the last use of the message. */
static struct danecid_wire_msg *response_wire(getdns_dict *resp)
{
	getdns_list *full = NULL;
	getdns_bindata *wire = NULL;
	struct danecid_wire_msg *m;

	if (resp == NULL || getdns_dict_get_list(resp, "replies_full", &full) ||
	    getdns_list_get_bindata(full, 0, &wire)) {
		return NULL;
	}
	m = malloc(sizeof(*m));
	if (m != NULL && danecid_wire_parse(wire->data, wire->size, m) != DANECID_OK) {
		free(m);
		m = NULL;
	}
	return m;
}

/* Whether a getdns answer holds a reply at all (a timeout in the synchronous mode comes back
 * as an answer without one). */
static bool has_reply(getdns_dict *resp)
{
	getdns_list *full = NULL;
	size_t n = 0;

	return !getdns_dict_get_list(resp, "replies_full", &full) &&
	       !getdns_list_get_length(full, &n) && n > 0;
}

/* The anchor zone holding name (the longest), or -1. */
static int zone_of(const danecid_dns *dns, const char *name)
{
	int best = -1;

	for (size_t i = 0; i < dns->n_anchors; i++) {
		if (name_under(name, dns->anchors[i]) &&
		    (best < 0 || strlen(dns->anchors[i]) > strlen(dns->anchors[best]))) {
			best = (int)i;
		}
	}
	return best;
}

/* Start a new lookup: with the cached zone keys if there are, after loading them if not. */
static void lk_begin(struct lookup *lk)
{
	danecid_dns *dns = lk->dns;
	int64_t now = time(NULL);
	int z = zone_of(dns, lk->name);

	lk->zone = z;
	if (z < 0 || dns->closing) {
		lk_main(lk);
		return;
	}
	lk->zk = danecid_dnscache_zone_get(dns->cache, dns->zone[z].wire, dns->zone[z].len, now);
	if (lk->zk != NULL) {
		lk_fast(lk);
	} else if (dns->zone[z].fail_until > now) {
		lk_main(lk);
	} else if (dns->zone[z].loading) {
		lk->state = LK_WAITKEYS;
	} else {
		dns->zone[z].loading = true;
		lk->state = LK_KEYS;
		lk_send_ext(lk, dns->ctx, dns->anchors[z], GETDNS_RRTYPE_DNSKEY, dns->ext_do);
	}
}

/* An answer that says no server answered. */
static void lk_fail(struct lookup *lk)
{
	memset(&lk->rs, 0, sizeof(lk->rs));
	lk->rs.kind = DANECID_DNS_FAIL;
	lk->rs.sec = DANECID_DNSSEC_INDETERMINATE;
	lk_finish(lk, DANECID_OK);
}

/* Go on after a key load: fast with the keys; without them, the full validator — unless no
 * server answered at all (asking again would only wait as long once more). */
static void lk_resume(struct lookup *lk, danecid_zonekeys *zk, bool silent)
{
	if (zk != NULL) {
		lk->zk = danecid_zonekeys_ref(zk);
		lk_fast(lk);
	} else if (silent) {
		lk_fail(lk);
	} else {
		lk_main(lk);
	}
}

/* The DNSKEY response of anchor zone z arrived (resp may be NULL). */
static void keys_loaded(struct lookup *lk, getdns_dict *resp)
{
	danecid_dns *dns = lk->dns;
	int z = lk->zone;
	int64_t now = time(NULL);
	danecid_zonekeys *zk = NULL;
	struct danecid_wire_msg *m = response_wire(resp);
	const char *why = NULL;
	struct lookup *w;
	bool silent = resp == NULL || !has_reply(resp);

	dns->zone[z].loading = false;
	if (m != NULL) {
		(void)danecid_zonekeys_validate(m, dns->zone[z].wire, dns->zone[z].len,
		                                dns->anchor_recs, dns->n_anchor_recs, now,
		                                danecid_dnscache_memo(dns->cache), &zk, &why);
		free(m);
	}
	getdns_dict_destroy(resp);
	if (zk != NULL) {
		danecid_dnscache_zone_put(dns->cache, zk);
	} else if (!dns->closing) {
		dns->zone[z].fail_until = now + KEYS_RETRY_S;
	}
	/* those that waited for these keys; a lookup started may end at once and leave the
	 * list, so look again from its head each time */
	for (;;) {
		for (w = dns->pending; w != NULL; w = w->next) {
			if (w->state == LK_WAITKEYS && w->zone == z) {
				break;
			}
		}
		if (w == NULL) {
			break;
		}
		lk_resume(w, zk, silent);
	}
	lk_resume(lk, zk, silent);
	danecid_zonekeys_free(zk);
}

/* Lookups still waiting for keys when the client goes away: no answer. */
static void keywait_fail(danecid_dns *dns)
{
	struct lookup *w;

	for (;;) {
		for (w = dns->pending; w != NULL; w = w->next) {
			if (w->state == LK_WAITKEYS) {
				break;
			}
		}
		if (w == NULL) {
			return;
		}
		lk_fail(w);
	}
}

/* ---- bundles: a response signed below the anchor zone is validated from the DS and DNSKEY
 * sets asked for it (steps 9 and 10 of the outline) ---- */

static void lk_recheck(struct lookup *lk);

/* The first reply of a getdns answer, and its answer and authority sections (NULL when
 * missing). */
static getdns_dict *first_reply(getdns_dict *resp, getdns_list **answer, getdns_list **authority)
{
	getdns_list *replies = NULL, *l = NULL;
	getdns_dict *reply = NULL;

	*answer = NULL;
	*authority = NULL;
	if (resp == NULL || getdns_dict_get_list(resp, "replies_tree", &replies) ||
	    getdns_list_get_dict(replies, 0, &reply)) {
		return NULL;
	}
	if (!getdns_dict_get_list(reply, "answer", &l)) {
		*answer = l;
	}
	if (!getdns_dict_get_list(reply, "authority", &l)) {
		*authority = l;
	}
	return reply;
}

/* Whether a record of a list is of the type. */
static bool rr_is(getdns_dict *rr, uint32_t type)
{
	uint32_t t = 0;

	return !getdns_dict_get_int(rr, "type", &t) && t == type;
}

/* Number of RRSIG records in the lists (NULL lists hold none). */
static size_t count_sigs(getdns_list *const *lists, size_t n)
{
	getdns_dict *rr = NULL;
	size_t sigs = 0;

	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; !getdns_list_get_dict(lists[k], i, &rr); i++) {
			sigs += rr_is(rr, GETDNS_RRTYPE_RRSIG);
		}
	}
	return sigs;
}

/* The signer of the first RRSIG of the lists that is at or above name and, when anchor is not
 * NULL, strictly below anchor (normalized, into out); false when there is none. */
static bool find_signer(getdns_list *const *lists, size_t n, const char *anchor, const char *name,
                        char *out, size_t outlen)
{
	getdns_dict *rr = NULL, *rdata = NULL;
	getdns_bindata *b = NULL;

	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; !getdns_list_get_dict(lists[k], i, &rr); i++) {
			char *fqdn = NULL;
			int r;

			if (!rr_is(rr, GETDNS_RRTYPE_RRSIG) ||
			    getdns_dict_get_dict(rr, "rdata", &rdata) ||
			    getdns_dict_get_bindata(rdata, "signers_name", &b) ||
			    getdns_convert_dns_name_to_fqdn(b, &fqdn)) {
				continue;
			}
			r = name_normalize(fqdn, out, outlen);
			free(fqdn);
			if (r == DANECID_OK && name_under(name, out) &&
			    (anchor == NULL ||
			     (strcmp(out, anchor) != 0 && name_under(out, anchor)))) {
				return true;
			}
		}
	}
	return false;
}

static bool wire_name_eq(const getdns_bindata *a, const getdns_bindata *b)
{
	if (a->size != b->size) {
		return false;
	}
	for (size_t i = 0; i < a->size; i++) {
		if (tolower(a->data[i]) != tolower(b->data[i])) {
			return false;
		}
	}
	return true;
}

/* The signature checks a validator may make over the records of the lists (KeyTrap): for
 * every RRSIG, each DNSKEY of its signer with its key tag and algorithm. SIZE_MAX when they
 * hold more than BUNDLE_KEYS_MAX keys. */
static size_t sig_checks(getdns_list *const *lists, size_t n)
{
	struct {
		getdns_bindata *owner;
		uint16_t tag;
		uint8_t alg;
	} keys[BUNDLE_KEYS_MAX];
	getdns_dict *rr = NULL, *rdata = NULL;
	getdns_bindata *owner = NULL, *raw = NULL;
	size_t nk = 0, checks = 0;

	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; !getdns_list_get_dict(lists[k], i, &rr); i++) {
			if (!rr_is(rr, GETDNS_RRTYPE_DNSKEY) ||
			    getdns_dict_get_bindata(rr, "name", &owner) ||
			    rr_raw(rr, &raw) != DANECID_OK || raw->size < 4) {
				continue;
			}
			if (nk == BUNDLE_KEYS_MAX) {
				return SIZE_MAX;
			}
			keys[nk].owner = owner;
			keys[nk].tag = danecid_dnskey_tag(raw->data, raw->size);
			keys[nk].alg = raw->data[3];
			nk++;
		}
	}
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; !getdns_list_get_dict(lists[k], i, &rr); i++) {
			uint32_t tag = 0, alg = 0;

			if (!rr_is(rr, GETDNS_RRTYPE_RRSIG) ||
			    getdns_dict_get_dict(rr, "rdata", &rdata) ||
			    getdns_dict_get_int(rdata, "key_tag", &tag) ||
			    getdns_dict_get_int(rdata, "algorithm", &alg) ||
			    getdns_dict_get_bindata(rdata, "signers_name", &owner)) {
				continue;
			}
			for (size_t j = 0; j < nk; j++) {
				checks += keys[j].tag == tag && keys[j].alg == alg &&
				          wire_name_eq(keys[j].owner, owner);
			}
		}
	}
	return checks;
}

static void ds_judged(struct lookup *lk, getdns_dict *resp, bool bundle);

/* Out of memory in a bundle: no answer (an error leaves the answer empty). Takes resp. */
static void bundle_nomem(struct lookup *lk, getdns_dict *resp)
{
	getdns_dict_destroy(resp);
	danecid_rrset_clear(&lk->rs);
	lk_finish(lk, DANECID_ERR_NOMEM);
}

/* A response asked with the DO bit, with the DNSSEC status decided here (the reply carries it
 * as a reply validated by getdns carries getdns's): the lookup's answer or, for the DS question
 * of LK_DS_DO, the recheck's next step. bundle: validated from a bundle (else refused without
 * a validation: too costly). Takes resp. */
static void finish_with_status(struct lookup *lk, getdns_dict *resp, uint32_t status, bool bundle)
{
	getdns_list *answer, *authority;
	getdns_dict *reply = first_reply(resp, &answer, &authority);
	int r;

	getdns_list_destroy(lk->support);
	lk->support = NULL;
	if (reply == NULL || getdns_dict_set_int(reply, "dnssec_status", status)) {
		bundle_nomem(lk, resp);
		return;
	}
	if (lk->for_ds) {
		lk->for_ds = false;
		if (bundle) {
			ds_judged(lk, resp, true);
		} else {
			getdns_dict_destroy(resp);
			lk_finish(lk, DANECID_OK); /* the BOGUS verdict stands */
		}
		return;
	}
	r = parse_response(resp, lk->name, lk->type, &lk->rs);
	getdns_dict_destroy(resp);
	if (r == DANECID_OK && lk->rs.sec == DANECID_DNSSEC_BOGUS && bundle && !lk->reached) {
		/* the DS sets did not lead to the anchor zone: an insecure delegation above may
		 * explain it (with them, getdns_validate_dnssec2 would have said INSECURE) */
		lk_recheck(lk);
		return;
	}
	lk_finish(lk, r);
}

/* Ask a question of a bundle: with the DO bit, not validated. */
static void bundle_ask(struct lookup *lk, enum lk_state state, const char *name, uint16_t type)
{
	lk->state = state;
	lk_send_ext(lk, lk->dns->ctx, name, type, lk->dns->ext_do);
}

/* Everything asked: count the checks validating the bundle may need, then validate it. */
static void bundle_validate(struct lookup *lk)
{
	getdns_list *lists[3], *to_val = NULL;
	getdns_dict *resp = lk->held, *reply;
	getdns_return_t st = GETDNS_DNSSEC_BOGUS;

	lk->held = NULL;
	reply = first_reply(resp, &lists[0], &lists[1]);
	lists[2] = lk->support;
	if (sig_checks(lists, 3) > SIG_CHECKS_MAX) {
		finish_with_status(lk, resp, GETDNS_DNSSEC_BOGUS, false);
		return;
	}
	to_val = getdns_list_create();
	if (reply == NULL || to_val == NULL || getdns_list_set_dict(to_val, 0, reply)) {
		getdns_list_destroy(to_val);
		bundle_nomem(lk, resp);
		return;
	}
	st = getdns_validate_dnssec2(to_val, lk->support, lk->dns->anchor_rrs, time(NULL), 0);
	getdns_list_destroy(to_val);
	if (st != GETDNS_DNSSEC_SECURE && st != GETDNS_DNSSEC_INSECURE) {
		st = GETDNS_DNSSEC_BOGUS;
	}
	finish_with_status(lk, resp, st, true);
}

/* An answer to a bundle's question (resp may be NULL): keep its records, ask the next. */
static void bundle_answered(struct lookup *lk, getdns_dict *resp)
{
	const char *anchor = lk->dns->anchors[lk->zone];
	getdns_list *sec[2];
	getdns_dict *rr = NULL;
	size_t len = 0;

	if (resp == NULL || lk->dns->closing || !has_reply(resp)) {
		getdns_dict_destroy(resp);
		/* no response at all (timeout, unreachable); for_ds: the recheck cannot decide,
		 * nor can the lookup */
		danecid_rrset_clear(&lk->rs);
		lk_fail(lk);
		return;
	}
	(void)first_reply(resp, &sec[0], &sec[1]);
	if (getdns_list_get_length(lk->support, &len)) {
		len = 0;
	}
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; !getdns_list_get_dict(sec[k], i, &rr); i++) {
			if (getdns_list_set_dict(lk->support, len++, rr)) {
				bundle_nomem(lk, resp);
				return;
			}
		}
	}
	switch (lk->state) {
	case LK_CUT_DS:
		/* the zone that signed the DS set (or its denial) is the next one up */
		if (!find_signer(sec, 2, NULL, lk->zcut, lk->up, sizeof(lk->up))) {
			lk->up[0] = '\0';
		}
		getdns_dict_destroy(resp);
		bundle_ask(lk, LK_CUT_KEYS, lk->zcut, GETDNS_RRTYPE_DNSKEY);
		return;
	case LK_CUT_KEYS:
		getdns_dict_destroy(resp);
		if (lk->up[0] != '\0' && strcmp(lk->up, anchor) != 0 &&
		    name_under(lk->up, anchor) && strcmp(lk->up, lk->zcut) != 0 &&
		    lk->cuts < CUTS_MAX) {
			memcpy(lk->zcut, lk->up, strlen(lk->up) + 1);
			lk->cuts++;
			bundle_ask(lk, LK_CUT_DS, lk->zcut, GETDNS_RRTYPE_DS);
		} else {
			lk->reached = strcmp(lk->up, anchor) == 0;
			bundle_ask(lk, LK_ANCHOR, anchor, GETDNS_RRTYPE_DNSKEY);
		}
		return;
	default: /* LK_ANCHOR */
		getdns_dict_destroy(resp);
		bundle_validate(lk);
		return;
	}
}

/* Validate resp, a response to a question about name asked with the DO bit, from a bundle
 * when a zone strictly below the anchor zone signed it; false (resp untouched) when none did. */
static bool bundle_start(struct lookup *lk, getdns_dict *resp, const char *name)
{
	getdns_list *sec[2];
	char cut[NAME_MAX_LEN];

	if (lk->zone < 0 || first_reply(resp, &sec[0], &sec[1]) == NULL ||
	    !find_signer(sec, 2, lk->dns->anchors[lk->zone], name, cut, sizeof(cut))) {
		return false;
	}
	lk->support = getdns_list_create();
	if (lk->support == NULL) {
		bundle_nomem(lk, resp);
		return true;
	}
	lk->held = resp;
	memcpy(lk->zcut, cut, strlen(cut) + 1);
	lk->cuts = 1;
	lk->reached = false;
	bundle_ask(lk, LK_CUT_DS, lk->zcut, GETDNS_RRTYPE_DS);
	return true;
}

/* Whether a response holds more signatures than any sane answer (KeyTrap): then it is refused
 * without a validation. */
static bool too_many_sigs(getdns_dict *resp)
{
	getdns_list *sec[2];

	return first_reply(resp, &sec[0], &sec[1]) != NULL && count_sigs(sec, 2) > SIGS_MAX;
}

/* The fast validator could not decide on resp, the response to the DO-bit question: refuse it
 * when it is too costly to check, validate it from a bundle when a zone below the anchor zone
 * signed it, else ask getdns. Takes resp. */
static void lk_unsure(struct lookup *lk, getdns_dict *resp)
{
	danecid_dnscache *cache = lk->dns->cache;

	if (too_many_sigs(resp)) {
		danecid_dnscache_count(cache, 0, 0);
		finish_with_status(lk, resp, GETDNS_DNSSEC_BOGUS, false);
		return;
	}
	if (bundle_start(lk, resp, lk->name)) {
		danecid_dnscache_count(cache, 0, 0); /* lk may be gone: counted by the cache kept */
		return;
	}
	getdns_dict_destroy(resp);
	lk_main(lk);
}

/* The response to the DO-bit question: validated with the zone keys, or left to getdns. */
static void fast_answered(struct lookup *lk, getdns_dict *resp)
{
	danecid_dns *dns = lk->dns;
	struct danecid_wire_msg *m = response_wire(resp);
	uint8_t qwire[DANECID_WNAME_MAX];
	size_t qlen = 0;
	const char *why = NULL;
	int r;

	if (m == NULL) {
		if (resp == NULL || dns->closing || !has_reply(resp)) {
			getdns_dict_destroy(resp);
			lk_fail(lk); /* no response at all: timeout, unreachable */
		} else {
			lk_unsure(lk, resp);
		}
		return;
	}
	r = danecid_wire_name_from_str(lk->name, qwire, &qlen);
	if (r == DANECID_OK) {
		r = danecid_dnsval_answer(m, qwire, qlen, lk->type, lk->zk,
		                          danecid_dnscache_memo(dns->cache), time(NULL), &lk->rs,
		                          &why);
	}
	free(m);
	if (r == DANECID_OK) {
		getdns_dict_destroy(resp);
		danecid_dnscache_count(dns->cache, 1, 0);
		lk_finish(lk, DANECID_OK);
	} else if (r == DANECID_ERR_NOMEM) {
		getdns_dict_destroy(resp);
		lk_finish(lk, r);
	} else {
		lk_unsure(lk, resp);
	}
}

static void destroy_later(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	getdns_context_destroy(arg);
}

/* A context may not be destroyed in its own callback: on an event base, after it returns. */
static void release_fresh(struct lookup *lk)
{
	static const struct timeval now = {0, 0};
	getdns_context *ctx = lk->fresh;

	lk->fresh = NULL;
	if (ctx == NULL) {
		return;
	}
	if (lk->dns->base == NULL ||
	    event_base_once(lk->dns->base, -1, EV_TIMEOUT, destroy_later, ctx, &now) != 0) {
		getdns_context_destroy(ctx);
	}
}

static void lk_ds_next(struct lookup *lk)
{
	size_t start;

	if (lk->cut == 0) {
		lk_finish(lk, DANECID_OK); /* no insecure delegation: the BOGUS verdict stands */
		return;
	}
	start = lk->cut - 1; /* the dot before the part already asked */
	while (start > 0 && lk->name[start - 1] != '.') {
		start--;
	}
	lk->cand = lk->name + start;
	lk->cut = start;
	if (lk->zk == NULL) {
		lk->state = LK_DS; /* no zone keys: getdns validates */
		lk_send(lk, validating_context(lk->dns), lk->cand, DANECID_RR_DS);
		return;
	}
	lk->state = LK_DS_DO;
	lk_send_ext(lk, lk->dns->ctx, lk->cand, DANECID_RR_DS, lk->dns->ext_do);
}

/* Look for an insecure delegation between the anchor and the name, top down. */
static void lk_recheck(struct lookup *lk)
{
	const char *anchor = NULL;
	danecid_dns *dns = lk->dns;

	for (size_t i = 0; i < dns->n_anchors; i++) {
		if (name_under(lk->name, dns->anchors[i]) &&
		    (anchor == NULL || strlen(dns->anchors[i]) > strlen(anchor))) {
			anchor = dns->anchors[i];
		}
	}
	if (anchor == NULL || strcmp(anchor, lk->name) == 0) {
		lk_finish(lk, DANECID_OK);
		return;
	}
	lk->cut =
	    strcmp(anchor, ".") == 0 ? strlen(lk->name) - 1 : strlen(lk->name) - strlen(anchor);
	lk_ds_next(lk);
}

/* getdns 1.6 now and then calls a valid NSEC3 denial BOGUS, and then keeps doing so in the
 * same context: ask again in fresh contexts. A forged answer stays BOGUS every time. */
static void lk_retry(struct lookup *lk)
{
	lk->fresh_tcp = validating_transport(lk->dns) == GETDNS_TRANSPORT_TCP;
	if (lk->retries >= BOGUS_RETRIES ||
	    make_context(lk->dns, lk->fresh_tcp ? GETDNS_TRANSPORT_TCP : GETDNS_TRANSPORT_UDP,
	                 &lk->fresh) != DANECID_OK) {
		release_fresh(lk);
		lk_recheck(lk);
		return;
	}
	lk->retries++;
	lk->state = LK_FRESH;
	lk_send(lk, lk->fresh, lk->name, lk->type);
}

/* The answer to a DS question of the recheck (validated by getdns, or from a bundle): an
 * insecure delegation at lk->cand makes the lookup INSECURE; else the walk goes on down, or
 * stops with the BOGUS verdict. Takes resp. */
static void ds_judged(struct lookup *lk, getdns_dict *resp, bool bundle)
{
	struct danecid_rrset again;
	int r = parse_response(resp, lk->cand, DANECID_RR_DS, &again);

	if (r != DANECID_OK) {
		getdns_dict_destroy(resp);
		danecid_rrset_clear(&lk->rs);
		lk_finish(lk, r);
		return;
	}
	/* a bundle validated by getdns is INSECURE when the denial is an opt-out span or lies
	 * below an insecure delegation: either way the name is under one */
	if ((again.kind == DANECID_DNS_NODATA &&
	     (again.sec == DANECID_DNSSEC_SECURE || again.sec == DANECID_DNSSEC_INSECURE) &&
	     proves_insecure_delegation(resp, lk->cand)) ||
	    (bundle && again.sec == DANECID_DNSSEC_INSECURE &&
	     (again.kind == DANECID_DNS_NODATA || again.kind == DANECID_DNS_NXDOMAIN))) {
		enum danecid_dns_kind kind = lk->rs.kind;

		getdns_dict_destroy(resp);
		danecid_rrset_clear(&again);
		danecid_rrset_clear(&lk->rs); /* unsigned data: nothing in it is trusted */
		lk->rs.kind = kind;
		lk->rs.sec = DANECID_DNSSEC_INSECURE;
		lk_finish(lk, DANECID_OK);
		return;
	}
	getdns_dict_destroy(resp);
	if (again.kind == DANECID_DNS_FAIL) {
		/* no answer (timeout, SERVFAIL): the recheck cannot decide, nor can this lookup */
		danecid_rrset_clear(&again);
		danecid_rrset_clear(&lk->rs);
		lk_fail(lk);
		return;
	}
	if (again.kind != DANECID_DNS_DATA && again.kind != DANECID_DNS_NODATA) {
		danecid_rrset_clear(&again);
		lk_finish(lk, DANECID_OK); /* no such name: BOGUS stands */
		return;
	}
	danecid_rrset_clear(&again);
	lk_ds_next(lk);
}

/* The recheck's DS question asked with the DO bit: validated with the anchor zone's keys when
 * they suffice (a DS set, or an empty non-terminal: the walk goes on), from a bundle when a zone
 * below the anchor zone signed it, else asked again of getdns (LK_DS). Takes resp. */
static void ds_fast(struct lookup *lk, getdns_dict *resp)
{
	struct danecid_wire_msg *m;
	struct danecid_rrset again;
	uint8_t qwire[DANECID_WNAME_MAX];
	size_t qlen = 0;
	const char *why = NULL;

	if (resp == NULL || lk->dns->closing || !has_reply(resp)) {
		getdns_dict_destroy(resp);
		danecid_rrset_clear(&lk->rs);
		lk_fail(lk); /* no answer: the recheck cannot decide, nor can this lookup */
		return;
	}
	if (too_many_sigs(resp)) {
		getdns_dict_destroy(resp);
		lk_finish(lk, DANECID_OK); /* refused: the BOGUS verdict stands */
		return;
	}
	m = response_wire(resp);
	if (m != NULL && danecid_wire_name_from_str(lk->cand, qwire, &qlen) == DANECID_OK &&
	    danecid_dnsval_answer(m, qwire, qlen, DANECID_RR_DS, lk->zk,
	                          danecid_dnscache_memo(lk->dns->cache), time(NULL), &again,
	                          &why) == DANECID_OK) {
		/* proven with the anchor zone's keys; the fast validator leaves a denial at a zone
		 * cut to others, so this is no delegation without DS */
		enum danecid_dns_kind kind = again.kind;

		free(m);
		getdns_dict_destroy(resp);
		danecid_rrset_clear(&again);
		if (kind == DANECID_DNS_DATA || kind == DANECID_DNS_NODATA) {
			lk_ds_next(lk);
		} else {
			lk_finish(lk, DANECID_OK); /* no such name: the BOGUS verdict stands */
		}
		return;
	}
	free(m);
	lk->for_ds = true;
	if (bundle_start(lk, resp, lk->cand)) {
		return;
	}
	lk->for_ds = false;
	getdns_dict_destroy(resp);
	lk->state = LK_DS;
	lk_send(lk, validating_context(lk->dns), lk->cand, DANECID_RR_DS);
}

static void lk_on_response(struct lookup *lk, getdns_dict *resp)
{
	struct danecid_rrset again;
	int r;

	if (lk->q_udp && truncated(resp)) {
		/* the same question over TCP (outline 11): the state stays as it is */
		getdns_dict_destroy(resp);
		lk->dns->tc_until = time(NULL) + TC_MEMORY_S;
		lk_send_ext(lk, tcp_context(lk->dns), lk->q_name, lk->q_type, lk->q_ext);
		return;
	}
	switch (lk->state) {
	case LK_KEYS:
		keys_loaded(lk, resp);
		return;
	case LK_WAITKEYS:
		getdns_dict_destroy(resp); /* not asked: cannot happen */
		return;
	case LK_FAST:
		fast_answered(lk, resp);
		return;
	case LK_CUT_DS:
	case LK_CUT_KEYS:
	case LK_ANCHOR:
		bundle_answered(lk, resp);
		return;
	case LK_MAIN:
		r = parse_response(resp, lk->name, lk->type, &lk->rs);
		getdns_dict_destroy(resp);
		if (r != DANECID_OK) {
			lk_finish(lk, r);
		} else if (lk->rs.sec == DANECID_DNSSEC_BOGUS) {
			lk_retry(lk);
		} else {
			lk_finish(lk, DANECID_OK);
		}
		return;
	case LK_FRESH:
		r = parse_response(resp, lk->name, lk->type, &again);
		getdns_dict_destroy(resp);
		release_fresh(lk);
		if (r != DANECID_OK) {
			danecid_rrset_clear(&lk->rs);
			lk_finish(lk, r);
			return;
		}
		if (again.sec == DANECID_DNSSEC_BOGUS || again.kind == DANECID_DNS_FAIL) {
			danecid_rrset_clear(&again);
			lk_retry(lk);
			return;
		}
		danecid_rrset_clear(&lk->rs);
		lk->rs = again;
		lk_finish(lk, DANECID_OK);
		return;
	case LK_DS:
		ds_judged(lk, resp, false);
		return;
	case LK_DS_DO:
		ds_fast(lk, resp);
		return;
	}
}

int danecid_dns_lookup(danecid_dns *dns, const char *name, uint16_t type, danecid_dns_cb cb,
                       void *arg)
{
	struct lookup *lk;
	char norm[NAME_MAX_LEN];

	if (dns == NULL || name == NULL || cb == NULL) {
		return DANECID_ERR_INVAL;
	}
	if (name_normalize(name, norm, sizeof(norm)) != DANECID_OK) {
		return DANECID_ERR_INVAL;
	}
	if (!dns->closing) {
		struct danecid_rrset rs;

		if (danecid_dnscache_get(dns->cache, norm, type, time(NULL), &rs) == 1) {
			cb(DANECID_OK, &rs, arg);
			return DANECID_OK;
		}
		if ((lk = pending_find(dns, norm, type)) != NULL) {
			struct waiter *w = calloc(1, sizeof(*w));

			if (w == NULL) {
				return DANECID_ERR_NOMEM;
			}
			w->cb = cb;
			w->arg = arg;
			w->next = lk->waiters;
			lk->waiters = w;
			danecid_dnscache_count(dns->cache, 0, 1);
			return DANECID_OK;
		}
	}
	lk = calloc(1, sizeof(*lk));
	if (lk == NULL) {
		return DANECID_ERR_NOMEM;
	}
	memcpy(lk->name, norm, strlen(norm) + 1);
	lk->dns = dns;
	lk->type = type;
	lk->cb = cb;
	lk->arg = arg;
	lk->next = dns->pending;
	dns->pending = lk;
	lk_begin(lk);
	return DANECID_OK;
}

int danecid_dns_attach(danecid_dns *dns, struct event_base *base)
{
	if (dns == NULL || base == NULL || dns->base != NULL) {
		return DANECID_ERR_INVAL;
	}
	if (getdns_extension_set_libevent_base(dns->ctx, base) != GETDNS_RETURN_GOOD ||
	    (dns->tcp != NULL &&
	     getdns_extension_set_libevent_base(dns->tcp, base) != GETDNS_RETURN_GOOD)) {
		return DANECID_ERR_DNS;
	}
	dns->base = base;
	return DANECID_OK;
}

struct sync_result {
	int err;
	struct danecid_rrset *out;
	bool done;
};

static void sync_cb(int err, struct danecid_rrset *rs, void *arg)
{
	struct sync_result *res = arg;

	res->err = err;
	*res->out = *rs; /* moved */
	res->done = true;
}

int danecid_dns_query(danecid_dns *dns, const char *name, uint16_t type, struct danecid_rrset *out)
{
	struct sync_result res = {DANECID_ERR_INTERNAL, out, false};
	int r;

	if (dns == NULL || dns->base != NULL || out == NULL) {
		return DANECID_ERR_INVAL;
	}
	memset(out, 0, sizeof(*out));
	r = danecid_dns_lookup(dns, name, type, sync_cb, &res);
	if (r != DANECID_OK) {
		return r;
	}
	return res.done ? res.err : DANECID_ERR_INTERNAL;
}
