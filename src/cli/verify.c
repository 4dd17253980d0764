/* verify — danecid verify: read SIP requests, print one JSON verdict line each. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <danecid/danecid.h>

#include "cli.h"

#define MSG_MAX (256 * 1024)
#define OPT_MAX 64

static void verify_usage(FILE *f)
{
	fputs("usage: danecid verify [--config FILE] [--apex NAME] [--trust-anchor FILE]\n"
	      "                      [--upstream IP[@PORT]] [--methods LIST] [--ca-file FILE]\n"
	      "                      [--now UNIX_SECONDS] [--KEY VALUE ...] [FILE...]\n"
	      "\n"
	      "Reads a SIP request as on the wire from each FILE (or stdin) and prints one line\n"
	      "of JSON per request: verstat, sip_code, reason, detail, orig, dest, attest,\n"
	      "method, dnssec, prefix. Several FILEs share one context, so a PASSporT seen in\n"
	      "an earlier request is recognised as a replay in a later one.\n"
	      "\n"
	      "  --config FILE          \"key: value\" configuration (options below override it)\n"
	      "  --apex NAME            apex of the ENUM-style tree, e.g. e164.test.\n"
	      "  --trust-anchor FILE    DS or DNSKEY records (as ldns-key2ds prints them)\n"
	      "  --upstream IP[@PORT]   DNS server to ask (default 127.0.0.1@53)\n"
	      "  --methods LIST         dane (default), x509, dane,x509 or x509,dane\n"
	      "  --ca-file FILE         STI-CA roots for the x509 method (PEM)\n"
	      "  --crl-file FILE        CRLs for the x509 method (PEM; revocation is checked)\n"
	      "  --x5u-tls-ca-file FILE trust for the HTTPS fetch of x5u (default: system)\n"
	      "  --x5u-allow-private yes|no  fetch x5u from private/loopback addresses\n"
	      "  --spc-map SPC=PREFIX[,...]  numbers an SPC in a TNAuthList covers\n"
	      "  --x5u-timeout MS       time limit of one x5u fetch (default 1000)\n"
	      "  --now UNIX_SECONDS     the clock (default: the system clock)\n"
	      "  --freshness SECONDS    how old an iat may be (default 60)\n"
	      "  --future-skew SECONDS  how far ahead an iat may be (default 5)\n"
	      "  --min-prefix N         shortest prefix looked up (default 1)\n"
	      "  --assume-global yes|no digits without '+' are global numbers (default yes)\n"
	      "  --timeout MS           DNS time limit per question (default 1500)\n"
	      "  Every other configuration key is accepted as --KEY VALUE too.\n"
	      "\n"
	      "Exit status: 0 passed, 1 failed, 2 no validation, 64 usage or configuration\n"
	      "error, 65 input that is not a SIP request, 66 a FILE that cannot be read.\n"
	      "With several FILEs: 65 if any input\n"
	      "was not SIP, else 1 if any failed, else 2 if any was not validated, else 0.\n",
	      f);
}

struct kv {
	const char *key;
	const char *value;
};

static int read_all(FILE *f, char **out, size_t *outlen)
{
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);

	if (buf == NULL) {
		return -1;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *nb;

			if (cap >= MSG_MAX) {
				free(buf);
				return -2;
			}
			cap *= 2;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			break;
		}
	}
	if (ferror(f)) {
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

/* Verify one input; returns its exit status. */
static int verify_one(danecid_ctx *ctx, const char *path, time_t now)
{
	FILE *f = stdin;
	char *msg = NULL, *json = NULL;
	size_t len = 0;
	struct danecid_verdict v;
	int r, status;

	if (path != NULL && strcmp(path, "-") != 0) {
		f = fopen(path, "rb");
		if (f == NULL) {
			cli_error("%s: %s", path, strerror(errno));
			return EXIT_NOINPUT;
		}
	}
	r = read_all(f, &msg, &len);
	if (f != stdin) {
		fclose(f);
	}
	if (r == -2) {
		cli_error("%s: larger than %d bytes: not a SIP request", path ? path : "stdin",
		          MSG_MAX);
		return EXIT_NOT_SIP;
	}
	if (r != 0) {
		cli_error("%s: read error", path ? path : "stdin");
		return EXIT_NOINPUT;
	}
	r = danecid_verify(ctx, msg, len, now, &v);
	free(msg);
	if (danecid_verdict_json(&v, &json) != DANECID_OK) {
		cli_error("out of memory");
		return EXIT_SOFTWARE;
	}
	puts(json);
	fflush(stdout);
	free(json);
	if (v.warning[0] != '\0') {
		fprintf(stderr, "danecid: warning: %s\n", v.warning);
	}
	if (r != DANECID_OK) {
		cli_error("%s: %s", path ? path : "stdin", v.detail);
		return EXIT_NOT_SIP;
	}
	switch (v.verstat) {
	case DANECID_VERSTAT_PASSED:
		status = EXIT_PASSED;
		break;
	case DANECID_VERSTAT_FAILED:
		status = EXIT_FAILED;
		break;
	default:
		status = EXIT_NO_VALIDATION;
		break;
	}
	return status;
}

static int worse(int a, int b)
{
	static const int order[] = {EXIT_PASSED, EXIT_NO_VALIDATION, EXIT_FAILED, EXIT_NOINPUT,
	                            EXIT_NOT_SIP};
	int ra = 0, rb = 0;

	for (int i = 0; i < 5; i++) {
		if (order[i] == a) {
			ra = i;
		}
		if (order[i] == b) {
			rb = i;
		}
	}
	return rb > ra ? b : a;
}

int cli_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"config", required_argument, NULL, 'c'},
	    {"now", required_argument, NULL, 'n'},
	    {"apex", required_argument, NULL, 'k'},
	    {"trust-anchor", required_argument, NULL, 'k'},
	    {"upstream", required_argument, NULL, 'k'},
	    {"methods", required_argument, NULL, 'k'},
	    {"ca-file", required_argument, NULL, 'k'},
	    {"ca-path", required_argument, NULL, 'k'},
	    {"crl-file", required_argument, NULL, 'k'},
	    {"x5u-timeout", required_argument, NULL, 'k'},
	    {"x5u-max-bytes", required_argument, NULL, 'k'},
	    {"x5u-cache-ttl", required_argument, NULL, 'k'},
	    {"x5u-cache-max-ttl", required_argument, NULL, 'k'},
	    {"x5u-negative-ttl", required_argument, NULL, 'k'},
	    {"x5u-cache-entries", required_argument, NULL, 'k'},
	    {"x5u-tls-ca-file", required_argument, NULL, 'k'},
	    {"x5u-allow-private", required_argument, NULL, 'k'},
	    {"spc-map", required_argument, NULL, 'k'},
	    {"sip-listen", required_argument, NULL, 'k'},
	    {"http-listen", required_argument, NULL, 'k'},
	    {"reject-on-fail", required_argument, NULL, 'k'},
	    {"freshness", required_argument, NULL, 'k'},
	    {"future-skew", required_argument, NULL, 'k'},
	    {"min-prefix", required_argument, NULL, 'k'},
	    {"assume-global", required_argument, NULL, 'k'},
	    {"timeout", required_argument, NULL, 'k'},
	    {"deadline", required_argument, NULL, 'k'},
	    {"workers", required_argument, NULL, 'k'},
	    {"log-level", required_argument, NULL, 'k'},
	    {NULL, 0, NULL, 0},
	};
	struct danecid_config cfg;
	struct kv kvs[OPT_MAX];
	size_t nkv = 0;
	const char *config_file = NULL;
	danecid_ctx *ctx = NULL;
	char err[512] = "";
	time_t now = time(NULL);
	int64_t now_s;
	int status = EXIT_USAGE;
	int c, idx = 0;

	danecid_config_init(&cfg);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, &idx)) != -1) {
		switch (c) {
		case 'h':
			verify_usage(stdout);
			status = 0;
			goto out;
		case 'c':
			config_file = optarg;
			break;
		case 'n':
			if (cli_parse_seconds(optarg, &now_s) != 0) {
				cli_error("--now wants seconds since the epoch, not \"%s\"",
				          optarg);
				goto out;
			}
			now = (time_t)now_s;
			break;
		case 'k':
			if (nkv == OPT_MAX) {
				cli_error("too many options");
				goto out;
			}
			kvs[nkv].key = opts[idx].name;
			kvs[nkv].value = optarg;
			nkv++;
			break;
		default:
			if (optopt != 0) {
				cli_error("option -%c is not known", optopt);
			} else {
				cli_error("%s: unknown option or missing value", argv[optind - 1]);
			}
			verify_usage(stderr);
			goto out;
		}
	}
	if (config_file != NULL && danecid_config_load(&cfg, config_file, err, sizeof(err)) != 0) {
		cli_error("%s", err);
		goto out;
	}
	for (size_t i = 0; i < nkv; i++) {
		if (danecid_config_set(&cfg, kvs[i].key, kvs[i].value, err, sizeof(err)) != 0) {
			cli_error("%s", err);
			goto out;
		}
	}
	if (danecid_ctx_new(&cfg, &ctx, err, sizeof(err)) != DANECID_OK) {
		cli_error("%s", err);
		goto out;
	}
	if (optind >= argc) {
		status = verify_one(ctx, NULL, now);
	} else {
		status = EXIT_PASSED;
		for (int i = optind; i < argc; i++) {
			status = worse(status, verify_one(ctx, argv[i], now));
		}
	}
out:
	danecid_ctx_free(ctx);
	danecid_config_clear(&cfg);
	return status;
}
