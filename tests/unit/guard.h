/* guard — inputs that end where a PROT_NONE page begins: any read past len crashes. */
#ifndef DANECID_TEST_GUARD_H
#define DANECID_TEST_GUARD_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

/** One readable page (base) followed by one PROT_NONE page (base + page). */
struct guard {
	char *base;
	size_t page;
};

/**
 * Map the two pages and protect the second. Fails the running test, with the
 * reason, when the page size is unknown or mmap/mprotect fail.
 * Release with guard_close().
 */
static void guard_open(struct guard *g)
{
	long page = sysconf(_SC_PAGESIZE);

	g->base = NULL;
	g->page = 0;
	if (page <= 0) {
		fail_msg("guard: sysconf(_SC_PAGESIZE) gave %ld", page);
	}
	g->page = (size_t)page;
	g->base =
	    mmap(NULL, 2 * g->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->base == MAP_FAILED) {
		g->base = NULL;
		fail_msg("guard: mmap of %zu bytes failed: %s", 2 * g->page, strerror(errno));
	}
	if (mprotect(g->base + g->page, g->page, PROT_NONE) != 0) {
		int e = errno;

		munmap(g->base, 2 * g->page);
		g->base = NULL;
		fail_msg("guard: mprotect(PROT_NONE) failed: %s", strerror(e));
	}
}

/** Unmap the pages of guard_open(); the test fails if munmap does. */
static void guard_close(struct guard *g)
{
	assert_int_equal(munmap(g->base, 2 * g->page), 0);
	g->base = NULL;
}

/**
 * Copy [p, p + len) so that it ends exactly at the guard page.
 * @return the copy, valid until the next guard_place() or guard_close().
 */
static const void *guard_place(const struct guard *g, const void *p, size_t len)
{
	char *dst;

	assert_true(len <= g->page);
	dst = g->base + g->page - len;
	if (len > 0) {
		memcpy(dst, p, len);
	}
	return dst;
}

#endif
