/* fuzz — what the fuzz targets (tests/fuzz/fuzz_*.c) and the corpus replayer share. */
#ifndef DANECID_FUZZ_H
#define DANECID_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/** The entry point each target defines (libFuzzer's, and the replayer's). Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** The pinned clock of the targets: the integration tests' NOW (lib.sh). */
#define FUZZ_NOW ((time_t)1790000000)

/** An invariant of the API broken: say which, then abort so that the fuzzer (or the
 *  replayer under make check) reports the input as a crash. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__,       \
			        #cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
