/* dnswire — reading DNS responses for the validator (dnsval.c).
 *
 * Every read is bounded by the message length; a compression pointer must point before
 * itself and a name may not pass 255 bytes, so a loop (a pointer back into the labels it
 * follows) ends at that limit.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include <danecid/error.h>

#include "dnswire.h"

#define HDR_LEN 12
#define TC_BIT  0x0200

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Read the name at *off into out (lower case); *off moves past it in the record. */
static int read_name(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, size_t *outlen)
{
	size_t pos = *off, o = 0, end = 0;
	int jumped = 0;

	for (;;) {
		uint8_t l;

		if (pos >= len) {
			return DANECID_ERR_MALFORMED;
		}
		l = msg[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t to;

			if (pos + 1 >= len) {
				return DANECID_ERR_MALFORMED;
			}
			to = ((size_t)(l & 0x3f) << 8) | msg[pos + 1];
			if (to >= pos) {
				return DANECID_ERR_MALFORMED; /* only backwards: no loops */
			}
			if (!jumped) {
				end = pos + 2;
				jumped = 1;
			}
			pos = to;
			continue;
		}
		if ((l & 0xc0) != 0) {
			return DANECID_ERR_MALFORMED; /* extended label types */
		}
		if (o + 1 + l > DANECID_WNAME_MAX || pos + 1 + l > len) {
			return DANECID_ERR_MALFORMED;
		}
		out[o++] = l;
		if (l == 0) {
			break;
		}
		for (size_t i = 0; i < l; i++) {
			out[o++] = (uint8_t)tolower(msg[pos + 1 + i]);
		}
		pos += 1 + (size_t)l;
	}
	*outlen = o;
	*off = jumped ? end : pos + 1;
	return DANECID_OK;
}

/* SOA, NS, CNAME, DNAME: names in RDATA are decompressed and lower-cased. */
static int canon_rdata(const uint8_t *msg, size_t len, size_t off, size_t rdlen,
                       struct danecid_wire_rr *rr)
{
	size_t end = off + rdlen, o = 0, nl;
	int names = rr->type == DANECID_T_SOA ? 2 : 1;

	for (int i = 0; i < names; i++) {
		if (read_name(msg, end, &off, rr->canon + o, &nl) != DANECID_OK) {
			return DANECID_ERR_MALFORMED;
		}
		o += nl;
	}
	if (rr->type == DANECID_T_SOA) {
		if (end - off != 20) {
			return DANECID_ERR_MALFORMED;
		}
		memcpy(rr->canon + o, msg + off, 20);
		o += 20;
		off += 20;
	}
	if (off != end) {
		return DANECID_ERR_MALFORMED;
	}
	rr->rdata = rr->canon;
	rr->rdlen = o;
	(void)len;
	return DANECID_OK;
}

int danecid_wire_parse(const uint8_t *p, size_t len, struct danecid_wire_msg *m)
{
	size_t off = HDR_LEN;
	unsigned qd, an, ns;

	if (p == NULL || m == NULL || len < HDR_LEN) {
		return DANECID_ERR_MALFORMED;
	}
	m->id = rd16(p);
	m->flags = rd16(p + 2);
	m->rcode = m->flags & 0x0f;
	qd = rd16(p + 4);
	an = rd16(p + 6);
	ns = rd16(p + 8);
	m->n = 0;
	if (qd != 1 || (m->flags & TC_BIT) != 0 || an + ns > DANECID_WIRE_RR_MAX) {
		return DANECID_ERR_MALFORMED;
	}
	if (read_name(p, len, &off, m->qname, &m->qname_len) != DANECID_OK || off + 4 > len) {
		return DANECID_ERR_MALFORMED;
	}
	m->qtype = rd16(p + off);
	m->qclass = rd16(p + off + 2);
	off += 4;
	for (unsigned i = 0; i < an + ns; i++) {
		struct danecid_wire_rr *rr = &m->rr[m->n];
		size_t rdlen;

		if (read_name(p, len, &off, rr->owner, &rr->owner_len) != DANECID_OK ||
		    off + 10 > len) {
			return DANECID_ERR_MALFORMED;
		}
		rr->type = rd16(p + off);
		rr->rclass = rd16(p + off + 2);
		rr->ttl = rd32(p + off + 4);
		rdlen = rd16(p + off + 8);
		off += 10;
		if (rdlen > len - off) {
			return DANECID_ERR_MALFORMED;
		}
		rr->section = i < an ? DANECID_WIRE_ANSWER : DANECID_WIRE_AUTHORITY;
		if (rr->type == DANECID_T_SOA || rr->type == DANECID_T_NS ||
		    rr->type == DANECID_T_CNAME || rr->type == DANECID_T_DNAME) {
			if (canon_rdata(p, len, off, rdlen, rr) != DANECID_OK) {
				return DANECID_ERR_MALFORMED;
			}
		} else {
			rr->rdata = p + off;
			rr->rdlen = rdlen;
		}
		off += rdlen;
		m->n++;
	}
	return DANECID_OK;
}

int danecid_wire_name_from_str(const char *s, uint8_t *out, size_t *outlen)
{
	size_t o = 0, slen = strlen(s);

	if (slen > 0 && s[slen - 1] == '.') {
		slen--;
	}
	while (slen > 0) {
		const char *dot = memchr(s, '.', slen);
		size_t l = dot != NULL ? (size_t)(dot - s) : slen;

		if (l == 0 || l > 63 || o + 1 + l + 1 > DANECID_WNAME_MAX) {
			return DANECID_ERR_MALFORMED;
		}
		out[o++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++) {
			out[o++] = (uint8_t)tolower((unsigned char)s[i]);
		}
		s += l;
		slen -= l;
		if (slen > 0) {
			s++;
			slen--;
		}
	}
	out[o++] = 0;
	*outlen = o;
	return DANECID_OK;
}

unsigned danecid_wire_labels(const uint8_t *name, size_t len)
{
	unsigned n = 0;
	size_t i = 0;

	while (i < len && name[i] != 0) {
		if (!(n == 0 && name[i] == 1 && i + 1 < len && name[i + 1] == '*')) {
			n++;
		}
		i += 1 + (size_t)name[i];
	}
	return n;
}

size_t danecid_wire_suffix(const uint8_t *name, size_t len, unsigned labels)
{
	unsigned total = 0;
	size_t i = 0;

	while (i < len && name[i] != 0) {
		total++;
		i += 1 + (size_t)name[i];
	}
	i = 0;
	while (total > labels && i < len && name[i] != 0) {
		i += 1 + (size_t)name[i];
		total--;
	}
	return i;
}

int danecid_wire_under(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t i = 0;

	while (i < alen) {
		if (alen - i == blen && memcmp(a + i, b, blen) == 0) {
			return 1;
		}
		if (a[i] == 0) {
			break;
		}
		i += 1 + (size_t)a[i];
	}
	return 0;
}

bool danecid_wire_bitmap_has(const uint8_t *p, size_t len, uint16_t t)
{
	size_t i = 0;

	while (i + 2 <= len) {
		unsigned win = p[i], blen = p[i + 1];

		if (blen == 0 || blen > 32 || i + 2 + blen > len) {
			return false;
		}
		if (win == (unsigned)(t >> 8)) {
			unsigned bit = t & 0xff;

			return bit / 8 < blen && (p[i + 2 + bit / 8] & (0x80 >> (bit % 8))) != 0;
		}
		i += 2 + blen;
	}
	return false;
}
