/* signing — the test tools' shared helpers: many distinct PASSporTs signed in one go, a
 * context from a configuration file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <danecid/danecid.h>

#include "enumname.h"
#include "es256.h"
#include "passport.h"
#include "signing.h"

void tool_die(const char *what, const char *why)
{
	fprintf(stderr, "%s%s%s\n", what, why != NULL ? ": " : "", why != NULL ? why : "");
	exit(2);
}

/* N Identity header values of ORIG → DEST signed with KEY at IAT (x5u URL or DANE info). */
char **tool_sign_many(const char *keyfile, const char *orig, const char *dest, const char *url,
                      size_t n, int64_t iat)
{
	danecid_es256_key *key = NULL;
	char apex[DANECID_ENUM_NAME_MAX], node[DANECID_ENUM_NAME_MAX],
	    info[DANECID_ENUM_NAME_MAX + 8];
	char **out = calloc(n, sizeof(*out));
	const char *dests[1] = {dest};
	int r;

	if (out == NULL) {
		tool_die("out of memory", NULL);
	}
	if ((r = danecid_es256_key_load(keyfile, &key)) != DANECID_OK) {
		tool_die(keyfile, danecid_strerror(r));
	}
	if (url != NULL) {
		snprintf(info, sizeof(info), "%s", url);
	} else {
		if (danecid_apex_normalize("e164.test", 9, apex, sizeof(apex)) != DANECID_OK ||
		    danecid_enum_name(orig, strlen(orig), apex, node, sizeof(node)) != DANECID_OK) {
			tool_die("bad ORIG", orig);
		}
		node[strlen(node) - 1] = '\0'; /* dns: URI without the root dot */
		snprintf(info, sizeof(info), "dns:%s", node);
	}
	for (size_t i = 0; i < n; i++) {
		struct danecid_sign_params sp;
		char origid[40], *jws = NULL;
		unsigned char rnd[16];
		FILE *u = fopen("/dev/urandom", "rb");

		if (u == NULL || fread(rnd, 1, sizeof(rnd), u) != sizeof(rnd)) {
			tool_die("/dev/urandom", strerror(errno));
		}
		fclose(u);
		rnd[6] = (unsigned char)((rnd[6] & 0x0f) | 0x40);
		rnd[8] = (unsigned char)((rnd[8] & 0x3f) | 0x80);
		snprintf(origid, sizeof(origid),
		         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		         rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], rnd[8],
		         rnd[9], rnd[10], rnd[11], rnd[12], rnd[13], rnd[14], rnd[15]);
		memset(&sp, 0, sizeof(sp));
		sp.orig = orig;
		sp.dest = dests;
		sp.n_dest = 1;
		sp.attest = 'A';
		sp.origid = origid;
		sp.iat = iat;
		sp.x5u = url;
		sp.ppt = DANECID_PPT_SHAKEN;
		if ((r = danecid_passport_sign(&sp, key, &jws)) != DANECID_OK) {
			tool_die("signing", danecid_strerror(r));
		}
		size_t len = strlen(jws) + strlen(info) + 48;
		if ((out[i] = malloc(len)) == NULL) {
			tool_die("out of memory", NULL);
		}
		snprintf(out[i], len, "%s;info=<%s>;alg=ES256;ppt=shaken", jws, info);
		free(jws);
	}
	danecid_es256_key_free(key);
	return out;
}

danecid_ctx *tool_ctx_make(const char *conf)
{
	struct danecid_config cfg;
	danecid_ctx *ctx = NULL;
	char err[512] = "";

	danecid_config_init(&cfg);
	if (danecid_config_load(&cfg, conf, err, sizeof(err)) != DANECID_OK ||
	    danecid_ctx_new(&cfg, &ctx, err, sizeof(err)) != DANECID_OK) {
		tool_die(conf, err);
	}
	danecid_config_clear(&cfg);
	return ctx;
}
