/* tlsa — danecid tlsa: print the TLSA RDATA that pins a key's SubjectPublicKeyInfo. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <danecid/danecid.h>

#include "cli.h"
#include "dane.h"
#include "es256.h"

static void tlsa_usage(FILE *f)
{
	fputs("usage: danecid tlsa --key PEM [--matching 0|1|2]\n"
	      "\n"
	      "Prints the TLSA RDATA for the key's SubjectPublicKeyInfo, to publish at\n"
	      "_stir.<node> (see docs/record-layout.md), e.g. \"3 1 0 3059...\".\n"
	      "\n"
	      "  --key PEM        P-256 key, private or public (PEM)\n"
	      "  --matching 0     the key itself (default; no fetch needed when verifying)\n"
	      "  --matching 1|2   its SHA-256 / SHA-512 digest (the key then comes from x5u)\n",
	      f);
}

int cli_tlsa(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"key", required_argument, NULL, 'k'},
	    {"matching", required_argument, NULL, 'm'},
	    {NULL, 0, NULL, 0},
	};
	const char *keyfile = NULL;
	danecid_es256_key *key = NULL;
	uint8_t *spki = NULL;
	size_t spki_len = 0;
	char *text = NULL;
	int mtype = 0;
	int status = EXIT_USAGE;
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			tlsa_usage(stdout);
			return 0;
		case 'k':
			keyfile = optarg;
			break;
		case 'm':
			if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '2') {
				cli_error("--matching wants 0, 1 or 2, not \"%s\"", optarg);
				return EXIT_USAGE;
			}
			mtype = optarg[0] - '0';
			break;
		default:
			cli_error("%s: unknown option or missing value", argv[optind - 1]);
			tlsa_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (keyfile == NULL || optind != argc) {
		cli_error("--key PEM is required, and nothing else");
		tlsa_usage(stderr);
		return EXIT_USAGE;
	}
	r = danecid_es256_key_load(keyfile, &key);
	if (r != DANECID_OK) {
		cli_error("%s: %s", keyfile, danecid_strerror(r));
		return r == DANECID_ERR_IO ? EXIT_NOINPUT : EXIT_NOT_SIP;
	}
	if (danecid_es256_key_spki(key, &spki, &spki_len) != DANECID_OK ||
	    danecid_tlsa_format(spki, spki_len, mtype, &text) != DANECID_OK) {
		cli_error("out of memory");
		status = EXIT_SOFTWARE;
		goto out;
	}
	puts(text);
	status = 0;
out:
	free(text);
	free(spki);
	danecid_es256_key_free(key);
	return status;
}
