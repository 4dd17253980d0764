/* cli — the danecid command: shared helpers of its verbs. */
#ifndef DANECID_CLI_H
#define DANECID_CLI_H

#include <stdint.h>

/* Exit statuses (SPEC §7 for verify; sysexits.h values for the rest). */
#define EXIT_PASSED        0
#define EXIT_FAILED        1
#define EXIT_NO_VALIDATION 2
#define EXIT_USAGE         64
#define EXIT_NOT_SIP       65
#define EXIT_NOINPUT       66
#define EXIT_SOFTWARE      70

/** danecid verify: returns the exit status. */
int cli_verify(int argc, char **argv);

/** danecid sign: returns the exit status. */
int cli_sign(int argc, char **argv);

/** danecid tlsa: returns the exit status. */
int cli_tlsa(int argc, char **argv);

/** Print "danecid: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * Parse a non-negative decimal integer such as a count of seconds since the epoch.
 * @param s NUL-terminated text as strtoll(3) reads it in base 10 (leading blanks and
 *          a "+" pass); nothing may follow the digits.
 * @param out set to the value on success, left alone on failure.
 * @return 0, or -1 if s is empty, not a number, negative or out of range.
 */
int cli_parse_seconds(const char *s, int64_t *out);

#endif
