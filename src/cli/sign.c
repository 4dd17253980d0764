/* sign — danecid sign: print a signed Identity header value (RFC 8224 full form). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <danecid/danecid.h>

#include "cli.h"
#include "enumname.h"
#include "es256.h"
#include "passport.h"
#include "tn.h"

static void sign_usage(FILE *f)
{
	fputs(
	    "usage: danecid sign --key PEM --orig TN --dest TN[,TN...] [--attest A|B|C]\n"
	    "                    [--origid UUID] [--iat UNIX_SECONDS]\n"
	    "                    [--ppt shaken|div|rcd|none] [--div TN] [--claims JSON]\n"
	    "                    [--compact] [--x5u URL] [--apex NAME]\n"
	    "\n"
	    "Prints the Identity header value: <PASSporT>;info=<URI>;alg=ES256;ppt=shaken\n"
	    "\n"
	    "  --key PEM        P-256 private key (PEM) that signs\n"
	    "  --orig TN        calling number (a leading '+' and separators are allowed)\n"
	    "  --dest TN,...    called number(s), at most 8\n"
	    "  --attest A|B|C   attestation level (default A with shaken; none otherwise)\n"
	    "  --origid UUID    origination identifier (default with shaken: a random UUID)\n"
	    "  --iat SECONDS    issued-at time (default: now)\n"
	    "  --ppt TYPE       PASSporT type: shaken (default, RFC 8588), div (RFC 8946,\n"
	    "                   needs --div), rcd (RFC 9795) or none (RFC 8225 base)\n"
	    "  --div TN         the diverting number of a div PASSporT (claim div.tn);\n"
	    "                   its keys sign it and info names its node\n"
	    "  --claims JSON    extra claims, a JSON object, e.g. '{\"rcd\":{\"nam\":\"Alice\"}}'\n"
	    "  --compact        compact form (header..signature, RFC 8225 §7; --ppt none):\n"
	    "                   the verifier rebuilds the claims from the request, so\n"
	    "                   --iat must equal the request's Date header\n"
	    "  --x5u URL        certificate URL: header x5u and Identity info\n"
	    "  --apex NAME      without --x5u, info is dns:_stir.<node of the signer>.<apex>\n"
	    "                   (default apex: e164.test.)\n",
	    f);
}

int cli_sign(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},         {"key", required_argument, NULL, 'k'},
	    {"orig", required_argument, NULL, 'o'},   {"dest", required_argument, NULL, 'd'},
	    {"attest", required_argument, NULL, 'a'}, {"origid", required_argument, NULL, 'u'},
	    {"iat", required_argument, NULL, 'i'},    {"ppt", required_argument, NULL, 'p'},
	    {"x5u", required_argument, NULL, 'x'},    {"apex", required_argument, NULL, 'z'},
	    {"div", required_argument, NULL, 'v'},    {"claims", required_argument, NULL, 'c'},
	    {"compact", no_argument, NULL, 'C'},      {NULL, 0, NULL, 0},
	};
	const char *keyfile = NULL, *orig_s = NULL, *dest_s = NULL, *origid = NULL, *x5u = NULL;
	const char *apex_s = "e164.test.";
	const char *div_s = NULL, *claims = NULL;
	struct danecid_tn div;
	enum danecid_ppt ppt = DANECID_PPT_SHAKEN;
	bool compact = false, attest_given = false;
	const char *ppt_name;
	struct danecid_sign_params sp;
	struct danecid_tn orig, dest[DANECID_DEST_MAX];
	const char *dest_ptrs[DANECID_DEST_MAX];
	char apex[DANECID_ENUM_NAME_MAX], node[DANECID_ENUM_NAME_MAX];
	danecid_es256_key *key = NULL;
	char *jws = NULL;
	char attest = 'A';
	int64_t iat = (int64_t)time(NULL);
	size_t n_dest = 0;
	int status = EXIT_USAGE;
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			sign_usage(stdout);
			return 0;
		case 'k':
			keyfile = optarg;
			break;
		case 'o':
			orig_s = optarg;
			break;
		case 'd':
			dest_s = optarg;
			break;
		case 'a':
			if (strlen(optarg) != 1 || optarg[0] < 'A' || optarg[0] > 'C') {
				cli_error("--attest wants A, B or C, not \"%s\"", optarg);
				return EXIT_USAGE;
			}
			attest = optarg[0];
			attest_given = true;
			break;
		case 'u':
			origid = optarg;
			break;
		case 'i':
			if (cli_parse_seconds(optarg, &iat) != 0) {
				cli_error("--iat wants seconds since the epoch, not \"%s\"",
				          optarg);
				return EXIT_USAGE;
			}
			break;
		case 'p':
			if (strcmp(optarg, "none") == 0) {
				ppt = DANECID_PPT_BASE;
			} else if (danecid_ppt_from_name(optarg, strlen(optarg), &ppt) !=
			           DANECID_OK) {
				cli_error("--ppt wants shaken, div, rcd or none, not \"%s\"",
				          optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			div_s = optarg;
			break;
		case 'c':
			claims = optarg;
			break;
		case 'C':
			compact = true;
			break;
		case 'x':
			x5u = optarg;
			break;
		case 'z':
			apex_s = optarg;
			break;
		default:
			cli_error("%s: unknown option or missing value", argv[optind - 1]);
			sign_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument \"%s\"", argv[optind]);
		return EXIT_USAGE;
	}
	if (keyfile == NULL || orig_s == NULL || dest_s == NULL) {
		cli_error("--key, --orig and --dest are required");
		sign_usage(stderr);
		return EXIT_USAGE;
	}
	if (danecid_tn_canon(orig_s, strlen(orig_s), true, &orig) != DANECID_OK) {
		cli_error("--orig \"%s\" is not a telephone number (1 to 15 digits)", orig_s);
		return EXIT_USAGE;
	}
	if ((ppt == DANECID_PPT_DIV) != (div_s != NULL)) {
		cli_error("--div goes with --ppt div, and --ppt div needs --div");
		return EXIT_USAGE;
	}
	if (div_s != NULL && danecid_tn_canon(div_s, strlen(div_s), true, &div) != DANECID_OK) {
		cli_error("--div \"%s\" is not a telephone number (1 to 15 digits)", div_s);
		return EXIT_USAGE;
	}
	if (compact && (ppt != DANECID_PPT_BASE || claims != NULL)) {
		cli_error("--compact needs --ppt none and no --claims: only orig, dest and iat "
		          "can be rebuilt from a request");
		return EXIT_USAGE;
	}
	if (ppt != DANECID_PPT_SHAKEN && !attest_given) {
		attest = 0; /* attest and origid belong to SHAKEN */
	}
	if (compact) {
		origid = NULL; /* the compact form carries orig, dest and iat only */
	}
	for (const char *p = dest_s;;) {
		size_t len = strcspn(p, ",");

		if (n_dest == DANECID_DEST_MAX) {
			cli_error("--dest: at most %d numbers", DANECID_DEST_MAX);
			return EXIT_USAGE;
		}
		if (danecid_tn_canon(p, len, true, &dest[n_dest]) != DANECID_OK) {
			cli_error("--dest \"%.*s\" is not a telephone number", (int)len, p);
			return EXIT_USAGE;
		}
		dest_ptrs[n_dest] = dest[n_dest].digits;
		n_dest++;
		if (p[len] == '\0') {
			break;
		}
		p += len + 1;
	}
	if (x5u == NULL &&
	    (danecid_apex_normalize(apex_s, strlen(apex_s), apex, sizeof(apex)) != DANECID_OK ||
	     danecid_enum_name(div_s != NULL ? div.digits : orig.digits,
	                       div_s != NULL ? div.len : orig.len, apex, node,
	                       sizeof(node)) != DANECID_OK)) {
		cli_error("--apex \"%s\" is not a domain name", apex_s);
		return EXIT_USAGE;
	}
	r = danecid_es256_key_load(keyfile, &key);
	if (r != DANECID_OK) {
		cli_error("%s: %s", keyfile, danecid_strerror(r));
		return r == DANECID_ERR_IO ? EXIT_NOINPUT : EXIT_NOT_SIP;
	}
	if (!danecid_es256_key_is_private(key)) {
		cli_error("%s: a private key is needed to sign", keyfile);
		status = EXIT_NOT_SIP;
		goto out;
	}
	memset(&sp, 0, sizeof(sp));
	sp.orig = orig.digits;
	sp.dest = dest_ptrs;
	sp.n_dest = n_dest;
	sp.attest = attest;
	sp.origid = origid;
	sp.iat = iat;
	sp.x5u = x5u;
	sp.ppt = ppt;
	sp.div = div_s != NULL ? div.digits : NULL;
	sp.extra_claims = claims;
	sp.compact = compact;
	r = danecid_passport_sign(&sp, key, &jws);
	if (r == DANECID_ERR_INVAL && claims != NULL) {
		cli_error("--claims must be a JSON object that does not redefine attest, dest, "
		          "div, iat, orig or origid");
		goto out;
	}
	if (r != DANECID_OK) {
		cli_error("signing failed: %s", danecid_strerror(r));
		status = EXIT_SOFTWARE;
		goto out;
	}
	ppt_name = danecid_ppt_name(ppt);
	if (x5u != NULL) {
		printf("%s;info=<%s>;alg=ES256", jws, x5u);
	} else {
		size_t nl = strlen(node);

		/* The info URI names the node without the root dot, as a dns: URI. */
		printf("%s;info=<dns:%.*s>;alg=ES256", jws, (int)(nl - 1), node);
	}
	if (ppt_name != NULL) {
		printf(";ppt=%s", ppt_name);
	}
	putchar('\n');
	status = 0;
out:
	free(jws);
	danecid_es256_key_free(key);
	return status;
}
