/* signing — the test tools' shared helpers: many distinct PASSporTs signed in one go, a
 * context from a configuration file. */
#ifndef DANECID_TOOLS_SIGNING_H
#define DANECID_TOOLS_SIGNING_H

#include <stddef.h>
#include <stdint.h>

#include <danecid/danecid.h>

/** Print "what: why" on stderr and exit 2. */
void tool_die(const char *what, const char *why) __attribute__((noreturn));

/**
 * N Identity header values of ORIG → DEST signed with the key in KEYFILE at IAT, each with
 * its own origid (so none is a replay of another): info is the x5u URL when url is given,
 * else the dns: URI of ORIG's node under e164.test. Exits on any error.
 */
char **tool_sign_many(const char *keyfile, const char *orig, const char *dest, const char *url,
                      size_t n, int64_t iat);

/** A context from the configuration file CONF. Exits on any error. */
danecid_ctx *tool_ctx_make(const char *conf);

#endif
