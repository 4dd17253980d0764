/* main — danecid: verify a SIP request, sign a PASSporT, or print a TLSA record. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: danecid verify [options] [FILE...]   verify SIP requests (stdin if no FILE)\n"
	      "       danecid sign --key PEM --orig TN --dest TN[,TN...] [options]\n"
	      "                                              print a signed Identity header value\n"
	      "       danecid tlsa --key PEM [--matching 0|1|2]\n"
	      "                                              print the TLSA RDATA pinning a key\n"
	      "       danecid VERB --help                    options of a verb\n"
	      "       danecid --version\n",
	      f);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("danecid: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_parse_seconds(const char *s, int64_t *out)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0) {
		return -1;
	}
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		puts("danecid " PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "verify") == 0) {
		return cli_verify(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "sign") == 0) {
		return cli_sign(argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "tlsa") == 0) {
		return cli_tlsa(argc - 1, argv + 1);
	}
	cli_error("unknown verb \"%s\"", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
