/* replay — PASSporTs seen recently, to refuse the same one in another dialog (SPEC §4). */
#ifndef DANECID_REPLAY_H
#define DANECID_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/** A replay cache. Memory is bounded by the freshness window (entries expire) and by a hard
 *  cap on entries. Thread-safe; reference-counted so several contexts can share one. */
typedef struct danecid_replay danecid_replay;

/**
 * @param max_entries the hard cap (0: 1048576).
 * @param out receives the cache; free with danecid_replay_free().
 * @return DANECID_OK or DANECID_ERR_NOMEM.
 */
int danecid_replay_new(size_t max_entries, danecid_replay **out);

/** Take one more reference to a cache; returns rp. */
danecid_replay *danecid_replay_ref(danecid_replay *rp);

/** Drop one reference; the last frees the cache. NULL is allowed. */
void danecid_replay_free(danecid_replay *rp);

/**
 * Check a PASSporT and remember it.
 * @param key the PASSporT's replay key (a digest of its signed content).
 * @param dialog,dialog_len the dialog it arrived in (the Call-ID); NULL when the
 *        request has no dialog: then any earlier sighting is a replay.
 * @param now the clock.
 * @param expires when the PASSporT goes stale anyway; it is forgotten then.
 * @return 0 new or a retransmission in the same dialog; 1 a replay (seen in
 *         another dialog before it expired), or the cache is full (fail closed);
 *         DANECID_ERR_NOMEM.
 */
int danecid_replay_check(danecid_replay *rp, const uint8_t key[32], const char *dialog,
                         size_t dialog_len, time_t now, time_t expires);

/** Entries currently held (expired ones may linger until the next sweep). */
size_t danecid_replay_count(const danecid_replay *rp);

#endif
