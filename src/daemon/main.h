/* main — what danecidd's main() needs of the core. */
#ifndef DANECIDD_MAIN_H
#define DANECIDD_MAIN_H

#include <stddef.h>

/** Default listen addresses (SPEC §7). */
#define DD_SIP_LISTEN  "127.0.0.1@5070"
#define DD_HTTP_LISTEN "127.0.0.1@8080"

struct dd;

/**
 * Load the configuration file, build the contexts and worker threads, bind the
 * front-ends.
 * @return 0, or -1 with a message in errbuf.
 */
int dd_new(const char *config_path, struct dd **out, char *errbuf, size_t errlen);

/** Run the loop until SIGTERM or SIGINT. @return the exit status. */
int dd_run(struct dd *d);

/** Stop everything and free. NULL is allowed. */
void dd_free(struct dd *d);

#endif
