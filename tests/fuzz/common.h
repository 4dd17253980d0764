/* common — the checks several fuzz targets share: a TN's invariants, and one Identity header
 * taken through everything verification does with it before DNS. */
#ifndef DANECID_FUZZ_COMMON_H
#define DANECID_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "es256.h"
#include "sip.h"
#include "tn.h"

/** What a call says besides its Identity headers: the inputs of the PASSporT checks. */
struct fuzz_call {
	const struct danecid_tn *orig; /**< the caller's TN, or NULL (not a TN) */
	const struct danecid_tn *dest; /**< the called TN, or NULL */
	bool has_date;                 /**< a Date header (SIP) or "time" (HTTP) */
	bool date_bad;                 /**< ... that could not be read */
	int64_t date;
};

/** The key that signed the seeds' PASSporTs (fuzz_key.h), parsed once. */
const danecid_es256_key *fuzz_key(void);

/** A canonical TN: 1..15 ASCII digits, NUL-terminated (aborts otherwise). */
void fuzz_check_tn(const struct danecid_tn *tn);

/**
 * One Identity header, as split by danecid_identity_parse(): the PASSporT parsed as
 * verification parses it (the compact form rebuilt from c), its invariants checked, then
 * freshness at FUZZ_NOW, binding to c, the ES256 signature with fuzz_key() and the Rich Call
 * Data claims. Everything allocated is freed.
 */
void fuzz_identity(const struct danecid_identity *id, const struct fuzz_call *c);

/** The same for a raw header value (danecid_identity_parse() first). */
void fuzz_identity_value(const char *v, size_t len, const struct fuzz_call *c);

#endif
