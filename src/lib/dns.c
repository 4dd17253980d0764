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
 *  4. getdns 1.6 calls answers below an unsigned delegation BOGUS. A BOGUS
 *     answer is therefore re-examined: DS questions from the anchor down to the
 *     name look for a validated NSEC/NSEC3 proof of a delegation without DS; only
 *     such a proof turns the answer INSECURE. Anything else stays BOGUS.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <getdns/getdns.h>
#include <getdns/getdns_extra.h>
#include <ldns/ldns.h>

#include "dns.h"
#include "util.h"

#define ANCHORS_MAX   8
#define NAME_MAX_LEN  256
#define BOGUS_RETRIES 2

struct danecid_dns {
	getdns_context *ctx;
	getdns_dict *ext;
	getdns_list *upstreams; /* kept to build fresh contexts for re-asking */
	getdns_list *anchor_rrs;
	unsigned timeout_ms;
	char anchors[ANCHORS_MAX][NAME_MAX_LEN]; /* owner names, lower case, final dot */
	size_t n_anchors;
	uint64_t questions;
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
	char host[64];
	const char *at = strrchr(up, '@');
	size_t hlen = at != NULL ? (size_t)(at - up) : strlen(up);
	unsigned long port = 53;
	uint8_t addr[16];
	getdns_bindata type4 = {4, (uint8_t *)"IPv4"};
	getdns_bindata type6 = {4, (uint8_t *)"IPv6"};
	getdns_bindata data;
	getdns_dict *d = NULL;
	getdns_list *l = NULL;
	int r = DANECID_ERR_CONFIG;
	int fam;

	if (hlen == 0 || hlen >= sizeof(host)) {
		goto bad;
	}
	memcpy(host, up, hlen);
	host[hlen] = '\0';
	if (at != NULL) {
		char *end = NULL;

		errno = 0;
		port = strtoul(at + 1, &end, 10);
		if (errno != 0 || end == at + 1 || *end != '\0' || port == 0 || port > 65535) {
			goto bad;
		}
	}
	if (inet_pton(AF_INET, host, addr) == 1) {
		fam = 4;
	} else if (inet_pton(AF_INET6, host, addr) == 1) {
		fam = 6;
	} else {
		goto bad;
	}
	d = getdns_dict_create();
	l = getdns_list_create();
	if (d == NULL || l == NULL) {
		r = DANECID_ERR_NOMEM;
		goto out;
	}
	data.size = fam == 4 ? 4 : 16;
	data.data = addr;
	if (getdns_dict_set_bindata(d, "address_type", fam == 4 ? &type4 : &type6) ||
	    getdns_dict_set_bindata(d, "address_data", &data) ||
	    getdns_dict_set_int(d, "port", (uint32_t)port) || getdns_list_set_dict(l, 0, d)) {
		r = DANECID_ERR_DNS;
		goto out;
	}
	*out = l;
	l = NULL;
	r = DANECID_OK;
	goto out;
bad:
	danecid_errf(errbuf, errlen, "bad upstream \"%s\": want IP[@PORT], e.g. 127.0.0.1@53530",
	             up);
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
			memcpy(dns->anchors[dns->n_anchors++], norm, strlen(norm) + 1);
		}
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
 * anchor fetch. */
static int make_context(const danecid_dns *dns, getdns_context **out)
{
	getdns_context *ctx = NULL;

	if (getdns_context_create(&ctx, 0) != GETDNS_RETURN_GOOD) {
		return DANECID_ERR_DNS;
	}
	if (getdns_context_set_resolution_type(ctx, GETDNS_RESOLUTION_STUB) ||
	    getdns_context_set_upstream_recursive_servers(ctx, dns->upstreams) ||
	    getdns_context_set_trust_anchors_verify_CA(ctx, "") ||
	    getdns_context_set_dnssec_trust_anchors(ctx, dns->anchor_rrs) ||
	    getdns_context_set_timeout(ctx, dns->timeout_ms)) {
		getdns_context_destroy(ctx);
		return DANECID_ERR_DNS;
	}
	*out = ctx;
	return DANECID_OK;
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
	r = make_context(dns, &dns->ctx);
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
	getdns_dict_destroy(dns->ext);
	if (dns->ctx != NULL) {
		getdns_context_destroy(dns->ctx);
	}
	getdns_list_destroy(dns->upstreams);
	getdns_list_destroy(dns->anchor_rrs);
	free(dns);
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

/* One question; the reply is checked and copied into out. The reply dict is handed back
 * (for the authority section) when keep is not NULL. */
static int ask(danecid_dns *dns, getdns_context *ctx, const char *name, uint16_t type,
               struct danecid_rrset *out, getdns_dict **keep)
{
	getdns_dict *resp = NULL, *reply = NULL, *header = NULL;
	getdns_list *replies = NULL, *answer = NULL;
	uint32_t st = 0, rcode = 0;
	size_t nrep = 0, nans = 0;
	int r = DANECID_ERR_INTERNAL;

	memset(out, 0, sizeof(*out));
	out->kind = DANECID_DNS_FAIL;
	out->sec = DANECID_DNSSEC_INDETERMINATE;
	dns->questions++;
	if (getdns_general_sync(ctx, name, type, dns->ext, &resp) != GETDNS_RETURN_GOOD ||
	    getdns_dict_get_list(resp, "replies_tree", &replies) ||
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
	}
	if (keep != NULL) {
		*keep = resp;
		resp = NULL;
	}
	r = DANECID_OK;
out:
	if (r != DANECID_OK) {
		danecid_rrset_clear(out);
	}
	getdns_dict_destroy(resp);
	return r;
}

/* Whether a type bitmap (RFC 4034 §4.1.2) has type t. Malformed maps have nothing. */
static int bitmap_has(const uint8_t *p, size_t len, uint16_t t)
{
	size_t i = 0;

	while (i + 2 <= len) {
		unsigned win = p[i], blen = p[i + 1];

		if (blen == 0 || blen > 32 || i + 2 + blen > len) {
			return 0;
		}
		if (win == (unsigned)(t >> 8)) {
			unsigned bit = t & 0xff;

			return bit / 8 < blen && (p[i + 2 + bit / 8] & (0x80 >> (bit % 8))) != 0;
		}
		i += 2 + blen;
	}
	return 0;
}

static int delegation_bits(const uint8_t *map, size_t len)
{
	return bitmap_has(map, len, GETDNS_RRTYPE_NS) && !bitmap_has(map, len, GETDNS_RRTYPE_DS) &&
	       !bitmap_has(map, len, GETDNS_RRTYPE_SOA);
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

/* Re-examine a BOGUS answer for an insecure delegation between the anchor and name. */
static int recheck_bogus(danecid_dns *dns, const char *name, struct danecid_rrset *out)
{
	const char *anchor = NULL;
	size_t cut;
	int r = DANECID_OK;

	for (size_t i = 0; i < dns->n_anchors; i++) {
		if (name_under(name, dns->anchors[i]) &&
		    (anchor == NULL || strlen(dns->anchors[i]) > strlen(anchor))) {
			anchor = dns->anchors[i];
		}
	}
	if (anchor == NULL || strcmp(anchor, name) == 0) {
		return DANECID_OK;
	}
	/* Candidates from the one just below the anchor down to name itself. */
	cut = strlen(name) - strlen(anchor);
	if (strcmp(anchor, ".") == 0) {
		cut = strlen(name) - 1;
	}
	while (cut > 0) {
		size_t start = cut - 1; /* the dot before the anchor part (or before the suffix) */
		struct danecid_rrset ds;
		getdns_dict *resp = NULL;
		const char *cand;

		while (start > 0 && name[start - 1] != '.') {
			start--;
		}
		cand = name + start;
		r = ask(dns, dns->ctx, cand, DANECID_RR_DS, &ds, &resp);
		if (r != DANECID_OK) {
			return r;
		}
		if (ds.kind == DANECID_DNS_NODATA &&
		    (ds.sec == DANECID_DNSSEC_SECURE || ds.sec == DANECID_DNSSEC_INSECURE) &&
		    proves_insecure_delegation(resp, cand)) {
			enum danecid_dns_kind kind = out->kind;

			danecid_rrset_clear(out); /* unsigned data: nothing in it is trusted */
			out->kind = kind;
			out->sec = DANECID_DNSSEC_INSECURE;
			danecid_rrset_clear(&ds);
			getdns_dict_destroy(resp);
			return DANECID_OK;
		}
		getdns_dict_destroy(resp);
		if (ds.kind != DANECID_DNS_DATA && ds.kind != DANECID_DNS_NODATA) {
			danecid_rrset_clear(&ds);
			return DANECID_OK; /* no such name or no answer: the BOGUS verdict stands */
		}
		danecid_rrset_clear(&ds);
		cut = start;
	}
	return DANECID_OK;
}

int danecid_dns_query(danecid_dns *dns, const char *name, uint16_t type, struct danecid_rrset *out)
{
	char norm[NAME_MAX_LEN];
	int r;

	if (dns == NULL || name == NULL || out == NULL ||
	    name_normalize(name, norm, sizeof(norm)) != DANECID_OK) {
		return DANECID_ERR_INVAL;
	}
	r = ask(dns, dns->ctx, norm, type, out, NULL);
	if (r != DANECID_OK) {
		return r;
	}
	/* getdns 1.6 now and then calls a valid NSEC3 denial BOGUS, and then keeps doing so in
	 * the same context: re-ask in fresh contexts. A forged answer stays BOGUS every time. */
	for (int i = 0; i < BOGUS_RETRIES && out->sec == DANECID_DNSSEC_BOGUS; i++) {
		getdns_context *fresh = NULL;
		struct danecid_rrset again;

		if (make_context(dns, &fresh) != DANECID_OK) {
			break;
		}
		r = ask(dns, fresh, norm, type, &again, NULL);
		getdns_context_destroy(fresh);
		if (r != DANECID_OK) {
			danecid_rrset_clear(out);
			return r;
		}
		if (again.sec == DANECID_DNSSEC_BOGUS || again.kind == DANECID_DNS_FAIL) {
			danecid_rrset_clear(&again);
			continue;
		}
		danecid_rrset_clear(out);
		*out = again;
	}
	if (out->sec == DANECID_DNSSEC_BOGUS) {
		r = recheck_bogus(dns, norm, out);
		if (r != DANECID_OK) {
			danecid_rrset_clear(out);
		}
	}
	return r;
}
