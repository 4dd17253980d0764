/* verdict — a verdict as a JSON object (the CLI's line, the base of danecidd's answers). */
#ifndef DANECID_VERDICT_H
#define DANECID_VERDICT_H

#include <jansson.h>

#include <danecid/danecid.h>

/**
 * The fields of danecid_verdict_json() as a jansson object, in the same order, for a caller
 * that adds its own fields around them without printing and parsing them again.
 * @return a new reference, or NULL when out of memory.
 */
json_t *danecid_verdict_object(const struct danecid_verdict *v);

#endif
