/* dnsmsg — DNS responses built in wire form for the tests, RRsets signed in-process with
 * ECDSA P-256 (algorithm 13, RFC 4034 §3.1.8.1 and RFC 6605), DNSKEY, DS and NSEC3 helpers.
 * Independent of the library: every byte is made here. */
#ifndef DANECID_TEST_DNSMSG_H
#define DANECID_TEST_DNSMSG_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define DM_MAX      8192
#define DM_NAME_MAX 255

/* Header sections, in the order records must be appended. */
#define DM_AN 0
#define DM_NS 1
#define DM_AR 2

#define DM_T_TXT    16
#define DM_T_TLSA   52
#define DM_KSK      257
#define DM_ZSK      256
#define DM_REVOKE   0x0080
#define DM_NXDOMAIN 3

/** A message under construction. */
struct dm_msg {
	uint8_t b[DM_MAX];
	size_t len;
};

/** One record's RDATA. */
struct dm_rd {
	const uint8_t *p;
	size_t len;
};

/** A P-256 key and its DNSKEY RDATA (flags, protocol 3, algorithm 13, X||Y). */
struct dm_key {
	EVP_PKEY *pk;
	uint8_t rd[4 + 64];
	uint16_t tag;
};

/** How an RRSIG is made. dm_sig_of() gives a valid one; the tests then break a field. */
struct dm_sig {
	const struct dm_key *key; /* the key that signs */
	int tag;                  /* key tag written; -1: the key's */
	uint8_t signer[DM_NAME_MAX];
	size_t slen;
	uint16_t covered; /* 0: the set's type */
	uint8_t alg;
	int labels; /* -1: the owner's */
	uint32_t origttl;
	uint32_t inception, expiration;
};

/** Presentation name (no escapes, case kept) to wire form; returns the length. */
size_t dm_name(const char *s, uint8_t out[DM_NAME_MAX]);

/** Start a response: header (id 0x1234, QR, the given flags and rcode), one question. */
void dm_begin(struct dm_msg *m, uint16_t flags, unsigned rcode, const char *qname, uint16_t qtype);
/** Append raw bytes. */
void dm_bytes(struct dm_msg *m, const void *p, size_t n);
void dm_u16(struct dm_msg *m, uint16_t v);
void dm_u32(struct dm_msg *m, uint32_t v);
/** Count one more record in section sec (the bytes are appended by the caller). */
void dm_count(struct dm_msg *m, int sec);
/** Append one record (owner in wire form, class IN). */
void dm_rr(struct dm_msg *m, int sec, const uint8_t *owner, size_t olen, uint16_t type,
           uint32_t ttl, const uint8_t *rd, size_t rdlen);
/** Append the records of an RRset, then (sig not NULL) its RRSIG made as sig says. */
void dm_rrset(struct dm_msg *m, int sec, const char *owner, uint16_t type, uint32_t ttl,
              const struct dm_rd *rds, size_t n, const struct dm_sig *sig);

/** A new key with these DNSKEY flags; 0 or -1. */
int dm_key_new(struct dm_key *k, uint16_t flags);
void dm_key_free(struct dm_key *k);
/** DS RDATA of k at owner: digest type 2 (SHA-256) or 4 (SHA-384); returns the length. */
size_t dm_ds(const struct dm_key *k, const char *owner, int digest_type, uint8_t out[52]);
/** A valid RRSIG by key for signer, at now: inception now - 3600, expiration now + 86400. */
struct dm_sig dm_sig_of(const struct dm_key *key, const char *signer, int64_t now);
/** A response to (zone, DNSKEY) with the DNSKEY records of keys, signed as sig says. */
void dm_dnskey_answer(struct dm_msg *m, const char *zone, const struct dm_key *const *keys,
                      size_t n, uint32_t ttl, const struct dm_sig *sig);

/** NSEC3 hash (RFC 5155 §5, SHA-1) of a wire name. */
void dm_nsec3_hash(const uint8_t *name, size_t len, const uint8_t *salt, size_t saltlen,
                   unsigned iterations, uint8_t out[20]);
/** base32hex (RFC 4648 §7) of a 20-byte hash, lower case, NUL-terminated. */
void dm_b32hex(const uint8_t h[20], char out[33]);

#endif
