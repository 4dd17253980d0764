/* replay — a hash table of recently seen PASSporTs with expiry, swept as it fills. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
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
	bool no_dialog;     /* seen without a dialog: every later sighting is a replay */
	time_t expires;
};

struct danecid_replay {
	struct entry **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
	size_t max;
	time_t sweep_after; /* the earliest expiry left by the last sweep: none is due before */
	pthread_mutex_t lock;
	atomic_uint refs;
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
	pthread_mutex_init(&rp->lock, NULL);
	atomic_init(&rp->refs, 1);
	*out = rp;
	return DANECID_OK;
}

danecid_replay *danecid_replay_ref(danecid_replay *rp)
{
	atomic_fetch_add(&rp->refs, 1);
	return rp;
}

void danecid_replay_free(danecid_replay *rp)
{
	if (rp == NULL || atomic_fetch_sub(&rp->refs, 1) != 1) {
		return;
	}
	pthread_mutex_destroy(&rp->lock);
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
	size_t n;

	pthread_mutex_lock((pthread_mutex_t *)&rp->lock);
	n = rp->count;
	pthread_mutex_unlock((pthread_mutex_t *)&rp->lock);
	return n;
}

static size_t bucket_of(const danecid_replay *rp, const uint8_t key[32])
{
	uint64_t h;

	memcpy(&h, key, sizeof(h)); /* the key is a digest: its bytes are uniform */
	return (size_t)(h & (rp->nbuckets - 1));
}

static void sweep(danecid_replay *rp, time_t now)
{
	time_t earliest = 0;

	for (size_t i = 0; i < rp->nbuckets; i++) {
		struct entry **pp = &rp->buckets[i];

		while (*pp != NULL) {
			if ((*pp)->expires < now) {
				struct entry *dead = *pp;

				*pp = dead->next;
				free(dead);
				rp->count--;
			} else {
				if (earliest == 0 || (*pp)->expires < earliest) {
					earliest = (*pp)->expires;
				}
				pp = &(*pp)->next;
			}
		}
	}
	rp->sweep_after = earliest;
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

static int check_locked(danecid_replay *rp, const uint8_t key[32], const uint8_t dh[32],
                        bool no_dialog, time_t now, time_t expires)
{
	struct entry *e;

	for (e = rp->buckets[bucket_of(rp, key)]; e != NULL; e = e->next) {
		if (memcmp(e->key, key, 32) == 0 && e->expires >= now) {
			if (no_dialog || e->no_dialog) {
				return 1;
			}
			return memcmp(e->dialog, dh, 32) == 0 ? 0 : 1;
		}
	}
	/* Sweep when the table fills, but not again before anything can have expired: a table
	 * full of live entries must not cost a full pass per call. */
	if ((rp->count >= rp->nbuckets || rp->count >= rp->max) && now > rp->sweep_after) {
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
	e->no_dialog = no_dialog;
	e->expires = expires;
	if (expires < rp->sweep_after) {
		rp->sweep_after = expires;
	}
	e->next = rp->buckets[bucket_of(rp, key)];
	rp->buckets[bucket_of(rp, key)] = e;
	rp->count++;
	return 0;
}

int danecid_replay_check(danecid_replay *rp, const uint8_t key[32], const char *dialog,
                         size_t dialog_len, time_t now, time_t expires)
{
	uint8_t dh[32] = {0};
	int r;

	if (dialog != NULL) {
		danecid_sha256((const uint8_t *)dialog, dialog_len, dh);
	}
	pthread_mutex_lock(&rp->lock);
	r = check_locked(rp, key, dh, dialog == NULL, now, expires);
	pthread_mutex_unlock(&rp->lock);
	return r;
}
