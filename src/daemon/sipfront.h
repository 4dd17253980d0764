/* sipfront — SIP over UDP and TCP: INVITE → 302 with the verdict (or the RFC 8224 error with
 * reject-on-fail), OPTIONS → 200, transaction-correct responses and retransmissions. */
#ifndef DANECIDD_SIPFRONT_H
#define DANECIDD_SIPFRONT_H

#include <stddef.h>

struct dd;
struct dd_sip;

/**
 * Listen on UDP and TCP at "IP@PORT" (IPv4 or IPv6, e.g. 127.0.0.1@5070).
 * @param out receives the front-end; stop with dd_sip_stop().
 * @return 0, or -1 with a message in errbuf (bad address, bind failed).
 */
int dd_sip_start(struct dd *d, const char *listen, struct dd_sip **out, char *errbuf,
                 size_t errlen);

/** Close the sockets and free everything. Pending verifications are cancelled. NULL is
 *  allowed. */
void dd_sip_stop(struct dd_sip *s);

#endif
