/* http — the HTTP front-end: POST /stir/v1/verification (ATIS-1000082 shape), GET /healthz,
 * GET /metrics. */
#ifndef DANECIDD_HTTP_H
#define DANECIDD_HTTP_H

#include <stddef.h>

struct dd;
struct dd_http;

/**
 * Listen at "IP@PORT" (IPv4 or IPv6, e.g. 127.0.0.1@8080).
 * @return 0, or -1 with a message in errbuf.
 */
int dd_http_start(struct dd *d, const char *listen, struct dd_http **out, char *errbuf,
                  size_t errlen);

/** Stop listening, cancel pending verifications, free. NULL is allowed. */
void dd_http_stop(struct dd_http *h);

#endif
