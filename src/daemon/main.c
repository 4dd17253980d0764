/* main — danecidd: the verification service SIP servers query during call admission. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <danecid/danecid.h>

#include "log.h"
#include "main.h"

static void usage(FILE *f)
{
	fputs("usage: danecidd -c FILE [-t]\n"
	      "       danecidd -h | -V\n"
	      "\n"
	      "Runs in the foreground and logs to stderr. SIGTERM stops it, SIGHUP reloads\n"
	      "the configuration and the trust anchors.\n"
	      "\n"
	      "  -c FILE   configuration (\"key: value\" lines; see danecid.conf(5))\n"
	      "  -t        check the configuration and the trust anchor, then exit\n"
	      "  -h        this help\n"
	      "  -V        version\n",
	      f);
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	struct dd *d = NULL;
	char err[512] = "";
	int test_only = 0;
	int c, status;

	while ((c = getopt(argc, argv, "c:thV")) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test_only = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			puts("danecidd " PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return 64;
	}
	if (test_only) {
		struct danecid_config cfg;
		danecid_ctx *ctx = NULL;

		danecid_config_init(&cfg);
		if (danecid_config_load(&cfg, path, err, sizeof(err)) != DANECID_OK ||
		    danecid_ctx_new(&cfg, &ctx, err, sizeof(err)) != DANECID_OK) {
			dd_log(DD_ERR, "%s", err);
			danecid_config_clear(&cfg);
			return 78;
		}
		danecid_ctx_free(ctx);
		danecid_config_clear(&cfg);
		printf("%s: configuration ok\n", path);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if (dd_new(path, &d, err, sizeof(err)) != 0) {
		dd_log(DD_ERR, "%s", err);
		return 78; /* EX_CONFIG */
	}
	status = dd_run(d);
	dd_free(d);
	return status;
}
