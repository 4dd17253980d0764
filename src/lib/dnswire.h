/* dnswire — a DNS message (RFC 1035 §4) read into flat views: owner names decompressed and
 * lower-cased, RDATA left in place except for the few types whose RDATA holds names. */
#ifndef DANECID_DNSWIRE_H
#define DANECID_DNSWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Largest wire name (RFC 1035 §3.1). */
#define DANECID_WNAME_MAX 255
/** Most answer + authority records read from one message; more: the message is refused. */
#define DANECID_WIRE_RR_MAX 48
/** Room for the canonical RDATA of a record holding names (SOA: two names and 20 bytes). */
#define DANECID_WIRE_CANON_MAX (2 * DANECID_WNAME_MAX + 20)

#define DANECID_T_NS           2
#define DANECID_T_CNAME        5
#define DANECID_T_SOA          6
#define DANECID_T_DNAME        39
#define DANECID_T_RRSIG        46
#define DANECID_T_NSEC         47
#define DANECID_T_DNSKEY       48
#define DANECID_T_NSEC3        50
#define DANECID_WIRE_ANSWER    1
#define DANECID_WIRE_AUTHORITY 2

/** One resource record of a message. */
struct danecid_wire_rr {
	uint8_t owner[DANECID_WNAME_MAX]; /**< wire form, lower case */
	size_t owner_len;
	uint16_t type, rclass;
	uint32_t ttl;
	const uint8_t *rdata; /**< canonical RDATA: into the message, or into canon */
	size_t rdlen;
	int section;                           /**< DANECID_WIRE_ANSWER or DANECID_WIRE_AUTHORITY */
	uint8_t canon[DANECID_WIRE_CANON_MAX]; /**< only for types whose RDATA holds names */
};

/** A message's header, question and records. Points into the buffer it was read from. */
struct danecid_wire_msg {
	uint16_t id, flags;
	unsigned rcode;
	uint8_t qname[DANECID_WNAME_MAX];
	size_t qname_len;
	uint16_t qtype, qclass;
	struct danecid_wire_rr rr[DANECID_WIRE_RR_MAX];
	size_t n;
};

/**
 * Read a response: one question, the answer and authority sections (the additional section
 * is not read). Names are decompressed (pointers only backwards, bounded), lower-cased.
 * RDATA of SOA, NS, CNAME and DNAME is decompressed and lower-cased (RFC 4034 §6.2); other
 * RDATA must not be compressed and is kept as sent.
 * @return DANECID_OK or DANECID_ERR_MALFORMED (anything short, long, looping or truncated:
 *         the TC bit set is malformed here).
 */
int danecid_wire_parse(const uint8_t *p, size_t len, struct danecid_wire_msg *m);

/** Read a presentation-format name ("a.b.c." or "a.b.c") into lower-case wire form. */
int danecid_wire_name_from_str(const char *s, uint8_t *out, size_t *outlen);

/** Number of labels of a wire name, the root counting 0 and a leading "*" not counted. */
unsigned danecid_wire_labels(const uint8_t *name, size_t len);

/** Whether wire name a equals b or lies below it. */
int danecid_wire_under(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/** Offset in name of its ancestor with the given number of labels (0 = root). */
size_t danecid_wire_suffix(const uint8_t *name, size_t len, unsigned labels);

/** Whether an NSEC/NSEC3 type bitmap (RFC 4034 §4.1.2) holds type t; a malformed map holds
 *  nothing. */
bool danecid_wire_bitmap_has(const uint8_t *p, size_t len, uint16_t t);

#endif
