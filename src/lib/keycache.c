/* keycache — a direct-mapped table of parsed keys, indexed by the SHA-256 of the SPKI and
 * checked against the whole digest: a slot holds the key last parsed for its index. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <danecid/error.h>

#include "keycache.h"

#define SLOTS 1024 /* a power of two */

struct slot {
	uint8_t digest[32];
	danecid_es256_key *key;
};

struct danecid_keycache {
	atomic_uint refs;
	pthread_mutex_t lock;
	struct slot s[SLOTS];
	uint64_t hits, misses;
};

int danecid_keycache_new(danecid_keycache **out)
{
	danecid_keycache *kc = calloc(1, sizeof(*kc));

	*out = NULL;
	if (kc == NULL) {
		return DANECID_ERR_NOMEM;
	}
	atomic_init(&kc->refs, 1);
	pthread_mutex_init(&kc->lock, NULL);
	*out = kc;
	return DANECID_OK;
}

danecid_keycache *danecid_keycache_ref(danecid_keycache *kc)
{
	if (kc != NULL) {
		atomic_fetch_add(&kc->refs, 1);
	}
	return kc;
}

void danecid_keycache_free(danecid_keycache *kc)
{
	if (kc == NULL || atomic_fetch_sub(&kc->refs, 1) != 1) {
		return;
	}
	for (size_t i = 0; i < SLOTS; i++) {
		danecid_es256_key_free(kc->s[i].key);
	}
	pthread_mutex_destroy(&kc->lock);
	free(kc);
}

int danecid_keycache_get(danecid_keycache *kc, const uint8_t *spki, size_t len,
                         danecid_es256_key **out)
{
	uint8_t d[32];
	struct slot *s;
	danecid_es256_key *key = NULL, *old;
	int r;

	*out = NULL;
	danecid_sha256(spki, len, d);
	s = &kc->s[(((size_t)d[0] << 8) | d[1]) & (SLOTS - 1)];
	pthread_mutex_lock(&kc->lock);
	if (s->key != NULL && memcmp(s->digest, d, 32) == 0) {
		*out = danecid_es256_key_ref(s->key);
		kc->hits++;
		pthread_mutex_unlock(&kc->lock);
		return DANECID_OK;
	}
	kc->misses++;
	pthread_mutex_unlock(&kc->lock);
	r = danecid_es256_key_from_spki(spki, len, &key); /* outside the lock: the slow part */
	if (r != DANECID_OK) {
		return r;
	}
	pthread_mutex_lock(&kc->lock);
	old = s->key;
	memcpy(s->digest, d, 32);
	s->key = danecid_es256_key_ref(key);
	pthread_mutex_unlock(&kc->lock);
	danecid_es256_key_free(old);
	*out = key;
	return DANECID_OK;
}

void danecid_keycache_stats(danecid_keycache *kc, uint64_t *hits, uint64_t *misses)
{
	pthread_mutex_lock(&kc->lock);
	*hits = kc->hits;
	*misses = kc->misses;
	pthread_mutex_unlock(&kc->lock);
}
