/* cli — the danecid command: shared helpers of its verbs. */
#ifndef DANECID_CLI_H
#define DANECID_CLI_H

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

#endif
