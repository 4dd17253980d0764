/* keycache — PASSporT keys parsed once: a TLSA record's SPKI is turned into an OpenSSL key
 * (d2i_PUBKEY and its point check cost more than the signature check) only the first time it
 * is met. Thread-safe, bounded, shared like the DNS cache. */
#ifndef DANECID_KEYCACHE_H
#define DANECID_KEYCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "es256.h"

typedef struct danecid_keycache danecid_keycache;

int danecid_keycache_new(danecid_keycache **out);
danecid_keycache *danecid_keycache_ref(danecid_keycache *kc);
/** Drop a reference; the last frees the cache and its keys' references. NULL is allowed. */
void danecid_keycache_free(danecid_keycache *kc);

/**
 * The key of an SPKI: a reference to release with danecid_es256_key_free().
 * @return as danecid_es256_key_from_spki(); failures are not remembered.
 */
int danecid_keycache_get(danecid_keycache *kc, const uint8_t *spki, size_t len,
                         danecid_es256_key **out);

void danecid_keycache_stats(danecid_keycache *kc, uint64_t *hits, uint64_t *misses);

#endif
