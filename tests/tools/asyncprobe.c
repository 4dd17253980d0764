/* asyncprobe — N verifications started at once on one context attached to a libevent base
 * (tests only): shows how many DNS questions were out before the first answer came back,
 * then the verdicts.
 *
 *   asyncprobe APEX ANCHOR UPSTREAM N IDENTITY
 *
 * Each verification is the call +12025550100 → +14155550100 with the Identity header value
 * IDENTITY, in its own dialog. Prints "in-flight-questions Q", then one line per verdict
 * ("verdict REASON"), then "done N". Exit status 0 when N verdicts came back.
 */
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include <danecid/danecid.h>

static int answered;

static void done(int err, const struct danecid_verdict *v, void *arg)
{
	(void)arg;
	printf("verdict %s%s\n", danecid_reason_token(v->reason),
	       err != DANECID_OK ? " (error)" : "");
	answered++;
}

int main(int argc, char **argv)
{
	struct danecid_config cfg;
	danecid_ctx *ctx = NULL;
	struct event_base *base = NULL;
	char err[512] = "";
	int n, status = 2;

	if (argc != 6 || (n = atoi(argv[4])) <= 0 || n > 10000) {
		fprintf(stderr, "usage: asyncprobe APEX ANCHOR UPSTREAM N IDENTITY\n");
		return 2;
	}
	danecid_config_init(&cfg);
	base = event_base_new();
	if (base == NULL || danecid_config_set(&cfg, "apex", argv[1], err, sizeof(err)) != 0 ||
	    danecid_config_set(&cfg, "trust-anchor", argv[2], err, sizeof(err)) != 0 ||
	    danecid_config_set(&cfg, "upstream", argv[3], err, sizeof(err)) != 0 ||
	    danecid_ctx_new(&cfg, &ctx, err, sizeof(err)) != DANECID_OK ||
	    danecid_ctx_attach(ctx, base) != DANECID_OK) {
		fprintf(stderr, "asyncprobe: set-up failed: %s\n", err);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const char *dest[] = {"+14155550100"};
		const char *ids[] = {argv[5]};
		char dialog[32];
		struct danecid_request rq = {"+12025550100", dest, 1, ids, 1, dialog, false, 0};

		snprintf(dialog, sizeof(dialog), "dialog-%d", i);
		if (danecid_verify_request_async(ctx, &rq, time(NULL), done, NULL) != DANECID_OK) {
			fprintf(stderr, "asyncprobe: verification %d not started\n", i);
			goto out;
		}
	}
	printf("in-flight-questions %llu answered-before-loop %d\n",
	       (unsigned long long)danecid_ctx_dns_questions(ctx), answered);
	event_base_dispatch(base);
	printf("done %d\n", answered);
	status = answered == n ? 0 : 1;
out:
	danecid_ctx_free(ctx);
	if (base != NULL) {
		event_base_free(base);
	}
	danecid_config_clear(&cfg);
	return status;
}
