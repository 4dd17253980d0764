/* dnscache — validated answers by (name, type), and validated zone keys.
 *
 * Outline: one mutex guards a chained hash table (seeded FNV-1a over name and type; the
 * table doubles while it holds more entries than buckets, up to the entry bound). An entry is
 * one allocation: a 15-byte header, the name in a compact key (the walk's names are digits
 * under an apex: two digits a byte, the apex kept once), the records' RDATA. A denial costs
 * about 40 bytes with its share of the bucket array, a number with a key of its own (TLSA
 * with the key, the TXT denial) about 180. Expired entries are dropped when met; when the
 * cache is full an entry is made room for by looking at a few entries from a moving cursor:
 * the expired ones go, else the one that expires soonest (no per-entry list to keep).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include <danecid/error.h>

#include "dnscache.h"

#define ZONES_MAX       8
#define BUCKETS_MIN     1024
#define EVICT_SAMPLE    8
#define DEFAULT_ENTRIES (1024 * 1024)
#define DEFAULT_MAX_TTL 3600
#define TYPE_ANY        0 /* an NXDOMAIN answers every type */

struct entry {
	struct entry *next;
	uint32_t expire; /* seconds since the epoch */
	uint8_t flags;   /* type code (2 bits), kind (2 bits), wildcard */
	uint8_t n;
	uint8_t keylen;
	uint8_t data[]; /* key (keylen bytes), then n times: 16-bit length, RDATA */
};

#define ENTRY_HDR offsetof(struct entry, data) /* 15: no padding before the data */

/* Type codes: only what the walk asks is kept. */
#define TC_ANY  0
#define TC_TLSA 1
#define TC_TXT  2

#define F_TYPE(f)     ((f)&3u)
#define F_KIND(f)     (((f) >> 2) & 3u)
#define F_WILDCARD(f) (((f) >> 4) & 1u)

#define SUFFIXES_MAX 8
#define KEY_MAX      UINT8_MAX
#define KEY_RAW      0xff

struct danecid_dnscache {
	atomic_uint refs;
	pthread_mutex_t lock;
	struct danecid_dnscache_opts o;
	uint64_t seed;
	struct entry **b;
	size_t nb, count, bytes, cursor;
	char *suffix[SUFFIXES_MAX]; /* the names after "_stir.<digits>." seen so far */
	danecid_zonekeys *zones[ZONES_MAX];
	danecid_sigmemo *memo;
	struct danecid_dns_cache_stats st;
};

static int type_code(uint16_t type)
{
	switch (type) {
	case TYPE_ANY:
		return TC_ANY;
	case DANECID_RR_TLSA:
		return TC_TLSA;
	case DANECID_RR_TXT:
		return TC_TXT;
	default:
		return -1;
	}
}

/*
 * The key of a name, compact for the walk's names: "_stir." and single-digit labels, then a
 * suffix (the apex) kept once in the cache: [suffix index][digit count][digits, two per
 * byte]. Any other name: [0xff][the name]. Locked (a new suffix may be added when add).
 */
static size_t make_key(danecid_dnscache *c, const char *name, bool add, uint8_t *key)
{
	const char *p = name;
	size_t k = 0, len = strlen(name);
	int idx = -1;

	if (strncmp(p, "_stir.", 6) == 0) {
		p += 6;
		while (p[0] >= '0' && p[0] <= '9' && p[1] == '.' && k < 64) {
			p += 2;
			k++;
		}
	}
	if (k > 0) {
		for (int i = 0; i < SUFFIXES_MAX && idx < 0; i++) {
			if (c->suffix[i] == NULL) {
				if (add && (c->suffix[i] = strdup(p)) != NULL) {
					idx = i;
				}
				break;
			}
			if (strcmp(c->suffix[i], p) == 0) {
				idx = i;
			}
		}
	}
	if (idx < 0) {
		if (len + 1 > KEY_MAX) {
			return 0; /* the key's length must fit its byte */
		}
		key[0] = KEY_RAW;
		memcpy(key + 1, name, len);
		return len + 1;
	}
	key[0] = (uint8_t)idx;
	key[1] = (uint8_t)k;
	memset(key + 2, 0, (k + 1) / 2);
	for (size_t i = 0; i < k; i++) {
		uint8_t d = (uint8_t)(name[6 + 2 * i] - '0');

		key[2 + i / 2] |= (uint8_t)(i % 2 == 0 ? d << 4 : d);
	}
	return 2 + (k + 1) / 2;
}

static uint64_t hash_key(uint64_t seed, const uint8_t *key, size_t len, int tc)
{
	uint64_t h = seed ^ 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h = (h ^ key[i]) * 0x100000001b3ULL;
	}
	h = (h ^ (uint64_t)tc) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static uint64_t entry_hash(const danecid_dnscache *c, const struct entry *e)
{
	return hash_key(c->seed, e->data, e->keylen, (int)F_TYPE(e->flags));
}

static size_t entry_size(const struct entry *e)
{
	size_t s = ENTRY_HDR + e->keylen;
	const uint8_t *p = e->data + e->keylen;

	for (unsigned i = 0; i < e->n; i++) {
		size_t l = ((size_t)p[0] << 8) | p[1];

		s += 2 + l;
		p += 2 + l;
	}
	return s;
}

int danecid_dnscache_new(const struct danecid_dnscache_opts *o, danecid_dnscache **out)
{
	danecid_dnscache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL) {
		return DANECID_ERR_NOMEM;
	}
	c->o.max_entries = o != NULL ? o->max_entries : DEFAULT_ENTRIES;
	c->o.max_ttl = o != NULL ? o->max_ttl : DEFAULT_MAX_TTL;
	c->nb = BUCKETS_MIN;
	c->b = calloc(c->nb, sizeof(*c->b));
	if (c->b == NULL || danecid_sigmemo_new(&c->memo) != DANECID_OK) {
		free(c->b);
		free(c);
		return DANECID_ERR_NOMEM;
	}
	if (RAND_bytes((unsigned char *)&c->seed, sizeof(c->seed)) != 1) {
		c->seed = (uint64_t)(uintptr_t)c;
	}
	atomic_init(&c->refs, 1);
	pthread_mutex_init(&c->lock, NULL);
	c->st.max_entries = c->o.max_entries;
	*out = c;
	return DANECID_OK;
}

danecid_dnscache *danecid_dnscache_ref(danecid_dnscache *c)
{
	if (c != NULL) {
		atomic_fetch_add(&c->refs, 1);
	}
	return c;
}

static void drop_all(danecid_dnscache *c)
{
	for (size_t i = 0; i < c->nb; i++) {
		struct entry *e = c->b[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
		c->b[i] = NULL;
	}
	c->count = 0;
	c->bytes = 0;
	for (size_t i = 0; i < ZONES_MAX; i++) {
		danecid_zonekeys_free(c->zones[i]);
		c->zones[i] = NULL;
	}
}

void danecid_dnscache_free(danecid_dnscache *c)
{
	if (c == NULL || atomic_fetch_sub(&c->refs, 1) != 1) {
		return;
	}
	drop_all(c);
	for (size_t i = 0; i < SUFFIXES_MAX; i++) {
		free(c->suffix[i]);
	}
	free(c->b);
	danecid_sigmemo_free(c->memo);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int danecid_dnscache_same(const danecid_dnscache *c, const struct danecid_dnscache_opts *o)
{
	return c->o.max_entries == o->max_entries && c->o.max_ttl == o->max_ttl;
}

void danecid_dnscache_flush(danecid_dnscache *c)
{
	pthread_mutex_lock(&c->lock);
	drop_all(c);
	pthread_mutex_unlock(&c->lock);
	danecid_sigmemo_clear(c->memo);
}

/* Unlink *pp (locked). */
static void unlink_entry(danecid_dnscache *c, struct entry **pp)
{
	struct entry *e = *pp;

	*pp = e->next;
	c->count--;
	c->bytes -= entry_size(e);
	free(e);
}

static struct entry **find(danecid_dnscache *c, const uint8_t *key, size_t len, int tc, uint64_t h)
{
	struct entry **pp = &c->b[h & (c->nb - 1)];

	for (; *pp != NULL; pp = &(*pp)->next) {
		struct entry *e = *pp;

		if ((int)F_TYPE(e->flags) == tc && e->keylen == len &&
		    memcmp(e->data, key, len) == 0) {
			return pp;
		}
	}
	return NULL;
}

static int copy_out(const struct entry *e, struct danecid_rrset *out)
{
	const uint8_t *p = e->data + e->keylen;

	memset(out, 0, sizeof(*out));
	out->sec = DANECID_DNSSEC_SECURE;
	out->kind = (enum danecid_dns_kind)F_KIND(e->flags);
	out->wildcard = F_WILDCARD(e->flags) != 0;
	for (unsigned i = 0; i < e->n; i++) {
		size_t l = ((size_t)p[0] << 8) | p[1];

		out->rr[i].data = malloc(l > 0 ? l : 1);
		if (out->rr[i].data == NULL) {
			danecid_rrset_clear(out);
			return DANECID_ERR_NOMEM;
		}
		memcpy(out->rr[i].data, p + 2, l);
		out->rr[i].len = l;
		out->n++;
		p += 2 + l;
	}
	return DANECID_OK;
}

int danecid_dnscache_get(danecid_dnscache *c, const char *name, uint16_t type, int64_t now,
                         struct danecid_rrset *out)
{
	const int tcs[2] = {type_code(type), TC_ANY};
	uint8_t key[KEY_MAX];
	size_t len;
	int r = 0;

	if (tcs[0] < 0) {
		return 0;
	}
	pthread_mutex_lock(&c->lock);
	len = make_key(c, name, false, key);
	for (size_t t = 0; t < 2 && r == 0 && len > 0; t++) {
		uint64_t h = hash_key(c->seed, key, len, tcs[t]);
		struct entry **pp = find(c, key, len, tcs[t], h);

		if (pp == NULL) {
			continue;
		}
		if ((int64_t)(*pp)->expire <= now) {
			unlink_entry(c, pp);
			c->st.expired++;
			continue;
		}
		r = copy_out(*pp, out) == DANECID_OK ? 1 : DANECID_ERR_NOMEM;
	}
	if (r == 1) {
		c->st.hits++;
	} else {
		c->st.misses++;
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

/* Double the bucket array (locked); on failure the table just stays as it is. */
static void grow(danecid_dnscache *c)
{
	size_t nb = c->nb * 2;
	struct entry **b;

	if (c->nb >= c->o.max_entries || (b = calloc(nb, sizeof(*b))) == NULL) {
		return;
	}
	for (size_t i = 0; i < c->nb; i++) {
		struct entry *e = c->b[i], *next;

		for (; e != NULL; e = next) {
			uint64_t h = entry_hash(c, e);

			next = e->next;
			e->next = b[h & (nb - 1)];
			b[h & (nb - 1)] = e;
		}
	}
	free(c->b);
	c->b = b;
	c->nb = nb;
}

/* Make room for one entry (locked). */
static void evict(danecid_dnscache *c, int64_t now)
{
	struct entry **victim = NULL;
	size_t seen = 0;

	/* a full table is dense: a few buckets give the sample; a small bound in a sparse table
	 * may need them all */
	for (size_t k = 0; k < c->nb && seen < EVICT_SAMPLE; k++) {
		size_t i = (c->cursor + k) & (c->nb - 1);
		struct entry **pp = &c->b[i];

		while (*pp != NULL) {
			if ((int64_t)(*pp)->expire <= now) {
				unlink_entry(c, pp);
				c->st.expired++;
				continue;
			}
			if (victim == NULL || (*pp)->expire < (*victim)->expire) {
				victim = pp;
			}
			seen++;
			pp = &(*pp)->next;
		}
	}
	c->cursor = (c->cursor + EVICT_SAMPLE) & (c->nb - 1);
	if (c->count >= c->o.max_entries && victim != NULL) {
		unlink_entry(c, victim);
		c->st.evictions++;
	}
}

void danecid_dnscache_put(danecid_dnscache *c, const char *name, uint16_t type,
                          const struct danecid_rrset *rs, int64_t now)
{
	int tc = rs->kind == DANECID_DNS_NXDOMAIN ? TC_ANY : type_code(type);
	size_t size = 0, len;
	int64_t expire;
	struct entry *e = NULL, **pp;
	uint8_t key[KEY_MAX], *p;
	uint64_t h;

	if (c->o.max_entries == 0 || rs->sec != DANECID_DNSSEC_SECURE ||
	    rs->kind == DANECID_DNS_FAIL || tc < 0 || rs->sig_expire <= now ||
	    rs->n > DANECID_RRSET_MAX) {
		return;
	}
	expire = now + (rs->ttl < c->o.max_ttl ? rs->ttl : c->o.max_ttl);
	if (rs->sig_expire < expire) {
		expire = rs->sig_expire;
	}
	if (expire <= now || expire > UINT32_MAX) {
		return;
	}
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->rr[i].len > UINT16_MAX) {
			return;
		}
		size += 2 + rs->rr[i].len;
	}
	pthread_mutex_lock(&c->lock);
	len = make_key(c, name, true, key);
	if (len == 0 || (e = malloc(ENTRY_HDR + len + size)) == NULL) {
		goto out;
	}
	e->expire = (uint32_t)expire;
	e->flags = (uint8_t)(tc | ((unsigned)rs->kind << 2) | (rs->wildcard ? 16u : 0u));
	e->n = (uint8_t)rs->n;
	e->keylen = (uint8_t)len;
	memcpy(e->data, key, len);
	p = e->data + len;
	for (size_t i = 0; i < rs->n; i++) {
		p[0] = (uint8_t)(rs->rr[i].len >> 8);
		p[1] = (uint8_t)rs->rr[i].len;
		memcpy(p + 2, rs->rr[i].data, rs->rr[i].len);
		p += 2 + rs->rr[i].len;
	}
	h = hash_key(c->seed, key, len, tc);
	if ((pp = find(c, key, len, tc, h)) != NULL) {
		unlink_entry(c, pp);
	}
	if (c->count >= c->o.max_entries) {
		evict(c, now);
	}
	if (c->count >= c->o.max_entries) {
		goto out;
	}
	if (c->count >= c->nb) {
		grow(c);
	}
	e->next = c->b[h & (c->nb - 1)];
	c->b[h & (c->nb - 1)] = e;
	c->count++;
	c->bytes += ENTRY_HDR + len + size;
	c->st.inserts++;
	e = NULL;
out:
	pthread_mutex_unlock(&c->lock);
	free(e);
}

danecid_zonekeys *danecid_dnscache_zone_get(danecid_dnscache *c, const uint8_t *zone, size_t zlen,
                                            int64_t now)
{
	danecid_zonekeys *found = NULL;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < ZONES_MAX && found == NULL; i++) {
		size_t l;
		const uint8_t *z;

		if (c->zones[i] == NULL) {
			continue;
		}
		z = danecid_zonekeys_zone(c->zones[i], &l);
		if (l != zlen || memcmp(z, zone, zlen) != 0) {
			continue;
		}
		if (danecid_zonekeys_expire(c->zones[i]) <= now) {
			danecid_zonekeys_free(c->zones[i]);
			c->zones[i] = NULL;
			continue;
		}
		found = danecid_zonekeys_ref(c->zones[i]);
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void danecid_dnscache_zone_put(danecid_dnscache *c, danecid_zonekeys *zk)
{
	size_t zlen, slot = ZONES_MAX;
	const uint8_t *zone = danecid_zonekeys_zone(zk, &zlen);

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < ZONES_MAX; i++) {
		size_t l;
		const uint8_t *z;

		if (c->zones[i] == NULL) {
			slot = slot == ZONES_MAX ? i : slot;
			continue;
		}
		z = danecid_zonekeys_zone(c->zones[i], &l);
		if (l == zlen && memcmp(z, zone, zlen) == 0) {
			danecid_zonekeys_free(c->zones[i]);
			c->zones[i] = NULL;
			slot = i;
			break;
		}
	}
	if (slot == ZONES_MAX) {
		slot = 0; /* more zones than slots: the first makes way */
		danecid_zonekeys_free(c->zones[0]);
	}
	c->zones[slot] = danecid_zonekeys_ref(zk);
	c->st.zone_loads++;
	pthread_mutex_unlock(&c->lock);
}

danecid_sigmemo *danecid_dnscache_memo(danecid_dnscache *c)
{
	return c->memo;
}

void danecid_dnscache_count(danecid_dnscache *c, int fast, int coalesced)
{
	pthread_mutex_lock(&c->lock);
	if (coalesced) {
		c->st.coalesced++;
	} else if (fast) {
		c->st.fast++;
	} else {
		c->st.full++;
	}
	pthread_mutex_unlock(&c->lock);
}

void danecid_dnscache_stats(danecid_dnscache *c, struct danecid_dns_cache_stats *st)
{
	struct danecid_sigmemo_stats ms;

	pthread_mutex_lock(&c->lock);
	*st = c->st;
	st->entries = c->count;
	st->bytes = c->bytes + c->nb * sizeof(*c->b);
	pthread_mutex_unlock(&c->lock);
	danecid_sigmemo_stats(c->memo, &ms);
	st->sig_checks = ms.checks;
	st->sig_memo = ms.hits;
}
