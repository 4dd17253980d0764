/* test_replay — the replay cache: dialogs, expiry, the cap, sharing across threads. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <danecid/error.h>

#include "replay.h"

static void key_of(unsigned i, uint8_t key[32])
{
	memset(key, 0, 32);
	/* spread the bits like a digest would, so buckets are used */
	for (int b = 0; b < 32; b++) {
		key[b] = (uint8_t)((i * 2654435761u) >> ((b % 4) * 8)) ^ (uint8_t)b;
	}
	memcpy(key + 28, &i, sizeof(i));
}

static void test_dialogs(void **state)
{
	danecid_replay *rp = NULL;
	uint8_t k[32];

	(void)state;
	assert_int_equal(danecid_replay_new(0, &rp), DANECID_OK);
	key_of(1, k);
	assert_int_equal(danecid_replay_check(rp, k, "call-1", 6, 1000, 1060), 0);
	/* a retransmission: same dialog */
	assert_int_equal(danecid_replay_check(rp, k, "call-1", 6, 1001, 1060), 0);
	/* another dialog: a replay */
	assert_int_equal(danecid_replay_check(rp, k, "call-2", 6, 1002, 1060), 1);
	/* the dialog is compared whole, not by prefix */
	assert_int_equal(danecid_replay_check(rp, k, "call-1x", 7, 1002, 1060), 1);
	assert_int_equal(danecid_replay_check(rp, k, "call-", 5, 1002, 1060), 1);
	/* another PASSporT in another dialog is fine */
	key_of(2, k);
	assert_int_equal(danecid_replay_check(rp, k, "call-2", 6, 1002, 1060), 0);
	assert_int_equal(danecid_replay_count(rp), 2);
	danecid_replay_free(rp);
}

static void test_no_dialog(void **state)
{
	danecid_replay *rp = NULL;
	uint8_t k[32];

	(void)state;
	assert_int_equal(danecid_replay_new(0, &rp), DANECID_OK);
	key_of(7, k);
	assert_int_equal(danecid_replay_check(rp, k, NULL, 0, 1000, 1060), 0);
	/* without a dialog, any second sighting is a replay */
	assert_int_equal(danecid_replay_check(rp, k, NULL, 0, 1000, 1060), 1);
	assert_int_equal(danecid_replay_check(rp, k, "call-1", 6, 1000, 1060), 1);
	/* first seen in a dialog, then without one: a replay too */
	key_of(8, k);
	assert_int_equal(danecid_replay_check(rp, k, "call-1", 6, 1000, 1060), 0);
	assert_int_equal(danecid_replay_check(rp, k, NULL, 0, 1000, 1060), 1);
	danecid_replay_free(rp);
}

static void test_expiry(void **state)
{
	danecid_replay *rp = NULL;
	uint8_t k[32];

	(void)state;
	assert_int_equal(danecid_replay_new(0, &rp), DANECID_OK);
	key_of(3, k);
	assert_int_equal(danecid_replay_check(rp, k, "a", 1, 1000, 1060), 0);
	assert_int_equal(danecid_replay_check(rp, k, "b", 1, 1060, 1060), 1); /* last second */
	assert_int_equal(danecid_replay_check(rp, k, "b", 1, 1061, 1121), 0); /* forgotten */
	danecid_replay_free(rp);
}

/* Memory is bounded by the window: expired entries are swept as the table fills. */
static void test_sweep_bounds_memory(void **state)
{
	danecid_replay *rp = NULL;
	uint8_t k[32];

	(void)state;
	assert_int_equal(danecid_replay_new(0, &rp), DANECID_OK);
	for (unsigned i = 0; i < 100000; i++) {
		time_t now = 1000 + i / 100; /* 100 calls a second, a 60 s window */

		key_of(i, k);
		assert_int_equal(danecid_replay_check(rp, k, "d", 1, now, now + 60), 0);
	}
	/* at most about two windows of entries are held (6000 live + what awaits a sweep) */
	assert_true(danecid_replay_count(rp) <= 16384);
	assert_true(danecid_replay_count(rp) >= 6000);
	danecid_replay_free(rp);
}

/* Full of live entries: refuse (fail closed) rather than forget one. */
static void test_cap(void **state)
{
	danecid_replay *rp = NULL;
	uint8_t k[32];

	(void)state;
	assert_int_equal(danecid_replay_new(3000, &rp), DANECID_OK);
	for (unsigned i = 0; i < 3000; i++) {
		key_of(i, k);
		assert_int_equal(danecid_replay_check(rp, k, "d", 1, 1000, 2000), 0);
	}
	key_of(99999, k);
	assert_int_equal(danecid_replay_check(rp, k, "d", 1, 1000, 2000), 1);
	/* once the window has passed, room again */
	assert_int_equal(danecid_replay_check(rp, k, "d", 1, 2001, 2100), 0);
	danecid_replay_free(rp);
}

struct thread_arg {
	danecid_replay *rp;
	unsigned base;
	int replays;
};

static void *hammer(void *p)
{
	struct thread_arg *a = p;
	uint8_t k[32];

	for (unsigned i = 0; i < 20000; i++) {
		key_of(i, k); /* every thread uses the same keys, each in its own dialog */
		if (danecid_replay_check(a->rp, k, (const char *)&a->base, sizeof(a->base), 1000,
		                         1060) == 1) {
			a->replays++;
		}
	}
	return NULL;
}

/* Shared by threads (ref-counted): each key is new to exactly one of them. */
static void test_threads(void **state)
{
	danecid_replay *rp = NULL;
	pthread_t t[4];
	struct thread_arg a[4];
	int total = 0;

	(void)state;
	assert_int_equal(danecid_replay_new(0, &rp), DANECID_OK);
	for (unsigned i = 0; i < 4; i++) {
		a[i].rp = danecid_replay_ref(rp);
		a[i].base = i;
		a[i].replays = 0;
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &a[i]), 0);
	}
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		total += a[i].replays;
		danecid_replay_free(a[i].rp);
	}
	assert_int_equal(total, 3 * 20000);
	assert_int_equal(danecid_replay_count(rp), 20000);
	danecid_replay_free(rp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dialogs), cmocka_unit_test(test_no_dialog),
	    cmocka_unit_test(test_expiry),  cmocka_unit_test(test_sweep_bounds_memory),
	    cmocka_unit_test(test_cap),     cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
