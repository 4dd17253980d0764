/* replay — a hash table of recently seen PASSporTs with expiry, swept as it fills. */
#include <stdlib.h>
#include <string.h>

#include <danecid/error.h>

#include "es256.h"
#include "replay.h"

#define BUCKETS_MIN 1024

struct entry {
	struct entry *next;
	uint8_t key[32];
	uint8_t dialog[32]; /* SHA-256 of the Call-ID */
	time_t expires;
};

struct danecid_replay {
	struct entry **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
	size_t max;
};

int danecid_replay_new(size_t max_entries, danecid_replay **out)
{
	danecid_replay *rp = NULL;

	*out = NULL;
	rp = calloc(1, sizeof(*rp));
	if (rp == NULL) {
		return DANECID_ERR_NOMEM;
	}
	rp->nbuckets = BUCKETS_MIN;
	rp->buckets = calloc(rp->nbuckets, sizeof(*rp->buckets));
	if (rp->buckets == NULL) {
		free(rp);
		return DANECID_ERR_NOMEM;
	}
	rp->max = max_entries > 0 ? max_entries : (size_t)1 << 20;
	*out = rp;
	return DANECID_OK;
}

void danecid_replay_free(danecid_replay *rp)
{
	if (rp == NULL) {
		return;
	}
	for (size_t i = 0; i < rp->nbuckets; i++) {
		struct entry *e = rp->buckets[i];

		while (e != NULL) {
			struct entry *next = e->next;

			free(e);
			e = next;
		}
	}
	free(rp->buckets);
	free(rp);
}

size_t danecid_replay_count(const danecid_replay *rp)
{
	return rp->count;
}

static size_t bucket_of(const danecid_replay *rp, const uint8_t key[32])
{
	uint64_t h;

	memcpy(&h, key, sizeof(h)); /* the key is a digest: its bytes are uniform */
	return (size_t)(h & (rp->nbuckets - 1));
}

static void sweep(danecid_replay *rp, time_t now)
{
	for (size_t i = 0; i < rp->nbuckets; i++) {
		struct entry **pp = &rp->buckets[i];

		while (*pp != NULL) {
			if ((*pp)->expires < now) {
				struct entry *dead = *pp;

				*pp = dead->next;
				free(dead);
				rp->count--;
			} else {
				pp = &(*pp)->next;
			}
		}
	}
}

static void grow(danecid_replay *rp)
{
	size_t n = rp->nbuckets * 2;
	struct entry **nb = calloc(n, sizeof(*nb));

	if (nb == NULL) {
		return; /* longer chains, still correct */
	}
	for (size_t i = 0; i < rp->nbuckets; i++) {
		struct entry *e = rp->buckets[i];

		while (e != NULL) {
			struct entry *next = e->next;
			uint64_t h;

			memcpy(&h, e->key, sizeof(h));
			e->next = nb[h & (n - 1)];
			nb[h & (n - 1)] = e;
			e = next;
		}
	}
	free(rp->buckets);
	rp->buckets = nb;
	rp->nbuckets = n;
}

int danecid_replay_check(danecid_replay *rp, const uint8_t key[32], const char *dialog,
                         size_t dialog_len, time_t now, time_t expires)
{
	uint8_t dh[32];
	struct entry *e;

	danecid_sha256((const uint8_t *)dialog, dialog_len, dh);
	for (e = rp->buckets[bucket_of(rp, key)]; e != NULL; e = e->next) {
		if (memcmp(e->key, key, 32) == 0 && e->expires >= now) {
			return memcmp(e->dialog, dh, 32) == 0 ? 0 : 1;
		}
	}
	if (rp->count >= rp->nbuckets) {
		sweep(rp, now);
		if (rp->count >= rp->nbuckets && rp->nbuckets < rp->max) {
			grow(rp);
		}
	}
	if (rp->count >= rp->max) {
		return 1; /* full of live entries: refuse rather than forget */
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		return DANECID_ERR_NOMEM;
	}
	memcpy(e->key, key, 32);
	memcpy(e->dialog, dh, 32);
	e->expires = expires;
	e->next = rp->buckets[bucket_of(rp, key)];
	rp->buckets[bucket_of(rp, key)] = e;
	rp->count++;
	return 0;
}
