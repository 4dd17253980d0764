/* test_dnswire — reading DNS responses: decompression, canonical RDATA, every malformed input
 * refused without a read past the message; the wire-name helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <danecid/error.h>

#include "dnsmsg.h"
#include "dnswire.h"
#include "guard.h"

#define OK  DANECID_OK
#define BAD DANECID_ERR_MALFORMED

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define T_A     1
#define T_NS    2
#define T_CNAME 5
#define T_SOA   6
#define TC_FLAG 0x0200
#define QNAME   12 /* offset of the question name */

static struct danecid_wire_msg msg; /* ~40 KiB: not on the stack */
static struct guard g;              /* the messages parsed, each ending at a PROT_NONE page */

/* SOA counters: serial 1, refresh 2, retry 3, expire 4, minimum 300. */
static const uint8_t soa_tail[20] = {0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 1, 0x2c};
static const uint8_t tlsa_rd[] = {3, 1, 1, 0xde, 0xad, 0xbe, 0xef};

/* A record header with the owner given as raw bytes (labels and pointers). */
static void rr_head(struct dm_msg *m, int sec, const uint8_t *owner, size_t olen, uint16_t type,
                    uint16_t rdlen)
{
	dm_count(m, sec);
	dm_bytes(m, owner, olen);
	dm_u16(m, type);
	dm_u16(m, 1);
	dm_u32(m, 7200);
	dm_u16(m, rdlen);
}

#define RAW(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

/*
 * The reference response to "E164.Test. TLSA", compressed everywhere it may be:
 *   answer    E164.Test. (ptr)          TLSA  3 1 1 deadbeef
 *   answer    Www.<ptr E164.Test.>      CNAME Tgt.<ptr>
 *   authority <ptr>                     SOA   NS1.<ptr> Host.<ptr NS1...> 1 2 3 4 300
 *   authority <ptr>                     NS    <ptr NS1...>
 *   additional (when extra) a record the parser must not read: type A, RDATA past the end.
 * Returns the offset where the authority section ends.
 */
static size_t reference(struct dm_msg *m, bool extra)
{
	size_t ns1, end;

	dm_begin(m, 0x0400, 0, "E164.Test.", DM_T_TLSA);
	rr_head(m, DM_AN, RAW(0xc0, QNAME), DM_T_TLSA, sizeof(tlsa_rd));
	dm_bytes(m, tlsa_rd, sizeof(tlsa_rd));
	rr_head(m, DM_AN, RAW(3, 'W', 'w', 'w', 0xc0, QNAME), T_CNAME, 6);
	dm_bytes(m, RAW(3, 'T', 'g', 't', 0xc0, QNAME));
	rr_head(m, DM_NS, RAW(0xc0, QNAME), T_SOA, 6 + 7 + 20);
	ns1 = m->len;
	dm_bytes(m, RAW(3, 'N', 'S', '1', 0xc0, QNAME));
	dm_bytes(m, RAW(4, 'H', 'o', 's', 't', 0xc0, (uint8_t)ns1));
	dm_bytes(m, soa_tail, sizeof(soa_tail));
	rr_head(m, DM_NS, RAW(0xc0, QNAME), T_NS, 2);
	dm_bytes(m, RAW(0xc0, (uint8_t)ns1));
	end = m->len;
	if (extra) {
		rr_head(m, DM_AR, RAW(0), T_A, 200);
	}
	return end;
}

/* Parse into msg a copy of [p, p + len) that ends at the PROT_NONE page; msg points into
 * it until the next parse. */
static int parse_guarded(const uint8_t *p, size_t len)
{
	return danecid_wire_parse(guard_place(&g, p, len), len, &msg);
}

static void assert_name(const uint8_t *got, size_t len, const char *want)
{
	uint8_t w[DM_NAME_MAX];
	size_t wl = dm_name(want, w);

	assert_int_equal(len, wl);
	assert_memory_equal(got, w, wl);
}

static void test_parse_reference(void **state)
{
	struct dm_msg m;
	uint8_t canon[DM_NAME_MAX * 2 + 20];
	size_t cl;

	(void)state;
	reference(&m, true);
	assert_int_equal(parse_guarded(m.b, m.len), OK);
	assert_int_equal(msg.id, 0x1234);
	assert_int_equal(msg.flags, 0x8400);
	assert_int_equal(msg.rcode, 0);
	assert_name(msg.qname, msg.qname_len, "e164.test.");
	assert_int_equal(msg.qtype, DM_T_TLSA);
	assert_int_equal(msg.qclass, 1);
	assert_int_equal(msg.n, 4);

	assert_name(msg.rr[0].owner, msg.rr[0].owner_len, "e164.test.");
	assert_int_equal(msg.rr[0].type, DM_T_TLSA);
	assert_int_equal(msg.rr[0].rclass, 1);
	assert_int_equal(msg.rr[0].ttl, 7200);
	assert_int_equal(msg.rr[0].section, DANECID_WIRE_ANSWER);
	assert_int_equal(msg.rr[0].rdlen, sizeof(tlsa_rd));
	assert_memory_equal(msg.rr[0].rdata, tlsa_rd, sizeof(tlsa_rd));

	assert_name(msg.rr[1].owner, msg.rr[1].owner_len, "www.e164.test.");
	assert_int_equal(msg.rr[1].type, T_CNAME);
	assert_name(msg.rr[1].rdata, msg.rr[1].rdlen, "tgt.e164.test.");

	assert_int_equal(msg.rr[2].section, DANECID_WIRE_AUTHORITY);
	assert_int_equal(msg.rr[2].type, T_SOA);
	cl = dm_name("ns1.e164.test.", canon);
	cl += dm_name("host.ns1.e164.test.", canon + cl);
	memcpy(canon + cl, soa_tail, sizeof(soa_tail));
	cl += sizeof(soa_tail);
	assert_int_equal(msg.rr[2].rdlen, cl);
	assert_memory_equal(msg.rr[2].rdata, canon, cl);

	assert_int_equal(msg.rr[3].section, DANECID_WIRE_AUTHORITY);
	assert_name(msg.rr[3].rdata, msg.rr[3].rdlen, "ns1.e164.test.");
}

/* Every prefix of the message: refused, or (prefixes holding the whole authority section,
 * when an additional section follows) read; never a read past the prefix. */
static void test_parse_truncations(void **state)
{
	struct dm_msg m;

	(void)state;
	for (int extra = 0; extra < 2; extra++) {
		size_t end = reference(&m, extra);

		for (size_t len = 0; len <= m.len; len++) {
			int want = len >= end ? OK : BAD;

			if (parse_guarded(m.b, len) != want) {
				fail_msg("extra %d: prefix of %zu bytes (authority ends at %zu): "
				         "want %d",
				         extra, len, end, want);
			}
		}
	}
}

/* Each byte of the message set to a few values: read or refused, and what is read lies
 * inside the message or the record's canon buffer. */
static void test_parse_mutations(void **state)
{
	static const uint8_t vals[] = {0x00, 0x01, 0x3f, 0x40, 0x80, 0xc0, 0xff};
	struct dm_msg m;

	(void)state;
	reference(&m, false);
	for (size_t i = 0; i < m.len; i++) {
		for (size_t v = 0; v < NELEM(vals); v++) {
			uint8_t save = m.b[i];
			const uint8_t *p;
			int r;

			m.b[i] = vals[v];
			p = guard_place(&g, m.b, m.len);
			r = danecid_wire_parse(p, m.len, &msg);
			m.b[i] = save;
			if (r != OK && r != BAD) {
				fail_msg("byte %zu = 0x%02x: %d", i, vals[v], r);
			}
			for (size_t k = 0; r == OK && k < msg.n; k++) {
				const struct danecid_wire_rr *rr = &msg.rr[k];
				bool in_msg = rr->rdata >= p && rr->rdata + rr->rdlen <= p + m.len;
				bool in_canon =
				    rr->rdata == rr->canon && rr->rdlen <= sizeof(rr->canon);

				assert_true(in_msg || in_canon);
				assert_true(rr->owner_len <= DANECID_WNAME_MAX);
			}
		}
	}
}

/* A malformed-input row: the message is built by a function of the row's variant. */
enum variant {
	V_FORWARD_PTR,
	V_SELF_PTR,
	V_LOOP_THROUGH_LABEL,
	V_NAME_256,
	V_NAME_256_VIA_PTR,
	V_TC,
	V_QD0,
	V_QD2,
	V_RR49,
	V_LABEL_40,
	V_LABEL_80,
	V_RDLEN_PAST_END,
	V_SOA_19,
	V_SOA_21,
	V_CNAME_TRAILING,
	V_CNAME_FORWARD_PTR,
	V_RR_HEADER_CUT,
	V_HEADER_11,
	V_NAME_255,
	V_PTR_CHAIN,
	V_RR48,
};

struct wrow {
	const char *name;
	enum variant v;
	int want;
};

static const struct wrow wire_rows[] = {
    {"question name: pointer forward", V_FORWARD_PTR, BAD},
    {"question name: pointer to itself", V_SELF_PTR, BAD},
    {"owner: a label holding a pointer back to the label (loop)", V_LOOP_THROUGH_LABEL, BAD},
    {"owner of 256 bytes", V_NAME_256, BAD},
    {"owner of 256 bytes through a pointer", V_NAME_256_VIA_PTR, BAD},
    {"TC bit", V_TC, BAD},
    {"no question", V_QD0, BAD},
    {"two questions", V_QD2, BAD},
    {"49 records (above DANECID_WIRE_RR_MAX)", V_RR49, BAD},
    {"label type 0x40", V_LABEL_40, BAD},
    {"label type 0x80", V_LABEL_80, BAD},
    {"RDLENGTH past the end", V_RDLEN_PAST_END, BAD},
    {"SOA with 19 counter bytes", V_SOA_19, BAD},
    {"SOA with 21 counter bytes", V_SOA_21, BAD},
    {"CNAME with a byte after the name", V_CNAME_TRAILING, BAD},
    {"CNAME RDATA: pointer forward", V_CNAME_FORWARD_PTR, BAD},
    {"record header cut short", V_RR_HEADER_CUT, BAD},
    {"header of 11 bytes", V_HEADER_11, BAD},
    {"owner of 255 bytes", V_NAME_255, OK},
    {"pointer to a name ending in a pointer", V_PTR_CHAIN, OK},
    {"48 records", V_RR48, OK},
};

/* A name of four labels (63, 63, 63, last) written raw: 4 + 189 + last + 1 bytes. */
static void long_name(struct dm_msg *m, uint8_t last, bool root)
{
	uint8_t l[64];

	memset(l, 'x', sizeof(l));
	for (int i = 0; i < 4; i++) {
		l[0] = i < 3 ? 63 : last;
		dm_bytes(m, l, 1 + (size_t)l[0]);
	}
	if (root) {
		dm_bytes(m, RAW(0));
	}
}

static void set16(struct dm_msg *m, size_t off, uint16_t v)
{
	m->b[off] = (uint8_t)(v >> 8);
	m->b[off + 1] = (uint8_t)v;
}

static void build(enum variant v, struct dm_msg *m)
{
	size_t at;

	dm_begin(m, 0, 0, "a.", DM_T_TLSA); /* question name at 12..14 */
	switch (v) {
	case V_FORWARD_PTR:
	case V_SELF_PTR:
		m->len = QNAME;
		dm_bytes(m, RAW(0xc0, v == V_SELF_PTR ? QNAME : QNAME + 2, 0, 52, 0, 1));
		break;
	case V_LOOP_THROUGH_LABEL:
		at = m->len;
		rr_head(m, DM_AN, RAW(2, 0xc0, (uint8_t)at, 0xc0, (uint8_t)at), DM_T_TLSA, 0);
		break;
	case V_NAME_256:
	case V_NAME_255:
		dm_count(m, DM_AN);
		long_name(m, v == V_NAME_255 ? 61 : 62, true);
		dm_bytes(m, RAW(0, 52, 0, 1, 0, 0, 0, 1, 0, 0));
		break;
	case V_NAME_256_VIA_PTR:
		/* the owner of record 1 is 250 bytes; record 2: a 5-byte label + pointer */
		dm_count(m, DM_AN);
		at = m->len;
		long_name(m, 56, true);
		dm_bytes(m, RAW(0, 52, 0, 1, 0, 0, 0, 1, 0, 0));
		rr_head(m, DM_AN, RAW(5, 'a', 'b', 'c', 'd', 'e', 0xc0, (uint8_t)at), DM_T_TLSA, 0);
		break;
	case V_TC:
		set16(m, 2, 0x8000 | TC_FLAG);
		break;
	case V_QD0:
	case V_QD2:
		set16(m, 4, v == V_QD0 ? 0 : 2);
		break;
	case V_RR49:
	case V_RR48:
		for (int i = 0; i < (v == V_RR49 ? 49 : 48); i++) {
			rr_head(m, i < 30 ? DM_AN : DM_NS, RAW(0xc0, QNAME), DM_T_TLSA, 1);
			dm_bytes(m, RAW((uint8_t)i));
		}
		break;
	case V_LABEL_40:
	case V_LABEL_80:
		rr_head(m, DM_AN, RAW(v == V_LABEL_40 ? 0x41 : 0x81, 'a', 0), DM_T_TLSA, 0);
		break;
	case V_RDLEN_PAST_END:
		rr_head(m, DM_AN, RAW(0), DM_T_TLSA, 4);
		dm_bytes(m, RAW(1, 2, 3));
		break;
	case V_SOA_19:
	case V_SOA_21:
		rr_head(m, DM_NS, RAW(0), T_SOA, v == V_SOA_19 ? 2 + 19 : 2 + 21);
		dm_bytes(m, RAW(0, 0));
		dm_bytes(m, soa_tail, v == V_SOA_19 ? 19 : 20);
		if (v == V_SOA_21) {
			dm_bytes(m, RAW(0));
		}
		break;
	case V_CNAME_TRAILING:
		rr_head(m, DM_AN, RAW(0xc0, QNAME), T_CNAME, 3);
		dm_bytes(m, RAW(0xc0, QNAME, 0));
		break;
	case V_CNAME_FORWARD_PTR:
		rr_head(m, DM_AN, RAW(0xc0, QNAME), T_CNAME, 2);
		dm_bytes(m, RAW(0xc0, (uint8_t)(m->len + 2)));
		dm_bytes(m, RAW(0));
		break;
	case V_RR_HEADER_CUT:
		rr_head(m, DM_AN, RAW(0xc0, QNAME), DM_T_TLSA, 0);
		m->len -= 3;
		break;
	case V_HEADER_11:
		m->len = 11;
		break;
	case V_PTR_CHAIN:
		/* record 1 owner "b.<ptr qname>", record 2 owner "c.<ptr record 1 owner>" */
		at = m->len;
		rr_head(m, DM_AN, RAW(1, 'b', 0xc0, QNAME), DM_T_TLSA, 0);
		rr_head(m, DM_AN, RAW(1, 'c', 0xc0, (uint8_t)at), DM_T_TLSA, 0);
		break;
	}
}

static void test_parse_rows(void **state)
{
	struct dm_msg m;

	(void)state;
	for (size_t i = 0; i < NELEM(wire_rows); i++) {
		const struct wrow *w = &wire_rows[i];
		int r;

		build(w->v, &m);
		r = parse_guarded(m.b, m.len);
		if (r != w->want) {
			fail_msg("%s: got %d, want %d", w->name, r, w->want);
		}
	}
	build(V_PTR_CHAIN, &m);
	assert_int_equal(parse_guarded(m.b, m.len), OK);
	assert_int_equal(msg.n, 2);
	assert_name(msg.rr[1].owner, msg.rr[1].owner_len, "c.b.a.");
	build(V_NAME_255, &m);
	assert_int_equal(parse_guarded(m.b, m.len), OK);
	assert_int_equal(msg.rr[0].owner_len, 255);
	build(V_RR48, &m);
	assert_int_equal(parse_guarded(m.b, m.len), OK);
	assert_int_equal(msg.n, 48);
	assert_int_equal(msg.rr[47].section, DANECID_WIRE_AUTHORITY);
	assert_int_equal(msg.rr[47].rdata[0], 47);
}

struct nrow {
	const char *in;
	int want;
	const char *wire; /* expected, as a dm_name() input; NULL when refused */
};

static void test_name_from_str(void **state)
{
	static const struct nrow rows[] = {
	    {"A.b.C.", OK, "a.b.c."},
	    {"a.b.c", OK, "a.b.c."},
	    {".", OK, "."},
	    {"", OK, "."},
	    {"_stir.1.E164.Test", OK, "_stir.1.e164.test."},
	    {"a..b.", BAD, NULL},
	    {"..", BAD, NULL},
	    {".a.", BAD, NULL},
	};
	char big[300];
	uint8_t out[DANECID_WNAME_MAX], w[DM_NAME_MAX];
	size_t len;

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		int r = danecid_wire_name_from_str(rows[i].in, out, &len);

		if (r != rows[i].want) {
			fail_msg("\"%s\": got %d, want %d", rows[i].in, r, rows[i].want);
		}
		if (r == OK) {
			size_t wl = dm_name(rows[i].wire, w);

			assert_int_equal(len, wl);
			assert_memory_equal(out, w, wl);
		}
	}
	/* a 63-byte label is accepted, 64 is not */
	memset(big, 'x', 64);
	big[63] = '\0';
	assert_int_equal(danecid_wire_name_from_str(big, out, &len), OK);
	assert_int_equal(len, 65);
	big[63] = 'x';
	big[64] = '\0';
	assert_int_equal(danecid_wire_name_from_str(big, out, &len), BAD);
	/* 253 characters (wire 255) accepted, 255 (wire 257) not */
	for (size_t i = 0; i < sizeof(big); i++) {
		big[i] = i % 2 == 0 ? 'x' : '.';
	}
	big[253] = '\0';
	assert_int_equal(danecid_wire_name_from_str(big, out, &len), OK);
	assert_int_equal(len, 255);
	big[253] = '.';
	big[254] = 'x';
	big[255] = '\0';
	assert_int_equal(danecid_wire_name_from_str(big, out, &len), BAD);
}

static void test_labels_under_suffix(void **state)
{
	uint8_t a[DM_NAME_MAX], b[DM_NAME_MAX];
	size_t al, bl;

	(void)state;
	al = dm_name("*.a.b.", a);
	assert_int_equal(danecid_wire_labels(a, al), 2);
	al = dm_name("a.*.b.", a);
	assert_int_equal(danecid_wire_labels(a, al), 3);
	al = dm_name(".", a);
	assert_int_equal(danecid_wire_labels(a, al), 0);
	al = dm_name("_stir.1.2.e164.test.", a);
	assert_int_equal(danecid_wire_labels(a, al), 5);

	assert_int_equal(danecid_wire_suffix(a, al, 5), 0);
	assert_int_equal(danecid_wire_suffix(a, al, 2), 10); /* e164.test. */
	assert_int_equal(danecid_wire_suffix(a, al, 0), al - 1);

	bl = dm_name("e164.test.", b);
	assert_true(danecid_wire_under(a, al, b, bl));
	assert_true(danecid_wire_under(b, bl, b, bl));
	assert_false(danecid_wire_under(b, bl, a, al));
	bl = dm_name("4.test.", b);
	assert_false(danecid_wire_under(a, al, b, bl)); /* a suffix of bytes, not of labels */
	bl = dm_name("164.test.", b);
	assert_false(danecid_wire_under(a, al, b, bl));
	bl = dm_name(".", b);
	assert_true(danecid_wire_under(a, al, b, bl));
}

static int group_setup(void **state)
{
	(void)state;
	guard_open(&g);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	guard_close(&g);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_reference), cmocka_unit_test(test_parse_truncations),
	    cmocka_unit_test(test_parse_mutations), cmocka_unit_test(test_parse_rows),
	    cmocka_unit_test(test_name_from_str),   cmocka_unit_test(test_labels_under_suffix),
	};

	return cmocka_run_group_tests_name("dnswire", tests, group_setup, group_teardown);
}
