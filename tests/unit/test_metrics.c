/* test_metrics — danecidd's metrics as Prometheus text 0.0.4: exact output, histogram buckets,
 * label format. The file under test is included so its static helpers can be tested too. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <regex.h>

#include "metrics.c"

/* The fixed part of every rendering: headers and the series that are always present. */
#define HEAD_REQUESTS                                                                              \
	"# HELP danecid_requests_total Requests that arrived at a front-end.\n"                    \
	"# TYPE danecid_requests_total counter\n"
#define HEAD_REJECTED                                                                              \
	"# HELP danecid_rejected_total Requests refused before verification (malformed, "          \
	"unsupported, overload).\n"                                                                \
	"# TYPE danecid_rejected_total counter\n"
#define HEAD_VERDICTS                                                                              \
	"# HELP danecid_verdicts_total Verdicts given, by front-end, verstat and reason "          \
	"(combinations seen).\n"                                                                   \
	"# TYPE danecid_verdicts_total counter\n"
#define HEAD_DEADLINE                                                                              \
	"# HELP danecid_deadline_total Verifications answered by the deadline before the "         \
	"verifier finished.\n"                                                                     \
	"# TYPE danecid_deadline_total counter\n"
#define HEAD_DNS                                                                                   \
	"# HELP danecid_dns_questions_total DNS questions asked.\n"                                \
	"# TYPE danecid_dns_questions_total counter\n"
#define HEAD_INFLIGHT                                                                              \
	"# HELP danecid_inflight Verifications submitted and not yet answered.\n"                  \
	"# TYPE danecid_inflight gauge\n"
#define HEAD_REPLAY                                                                                \
	"# HELP danecid_replay_entries PASSporTs held by the replay cache.\n"                      \
	"# TYPE danecid_replay_entries gauge\n"
/* Verdicts by the deciding method (none, dane, x509), each by verstat (No, Passed, Failed). */
#define METHOD_TEXT(n0, n1, n2, d0, d1, d2, x0, x1, x2)                                            \
	"# HELP danecid_method_verdicts_total Verdicts given, by the method that decided (none: "  \
	"no method did) and verstat.\n"                                                            \
	"# TYPE danecid_method_verdicts_total counter\n"                                           \
	"danecid_method_verdicts_total{method=\"none\",verstat=\"No-TN-Validation\"} " #n0 "\n"    \
	"danecid_method_verdicts_total{method=\"none\",verstat=\"TN-Validation-Passed\"} " #n1     \
	"\n"                                                                                       \
	"danecid_method_verdicts_total{method=\"none\",verstat=\"TN-Validation-Failed\"} " #n2     \
	"\n"                                                                                       \
	"danecid_method_verdicts_total{method=\"dane\",verstat=\"No-TN-Validation\"} " #d0 "\n"    \
	"danecid_method_verdicts_total{method=\"dane\",verstat=\"TN-Validation-Passed\"} " #d1     \
	"\n"                                                                                       \
	"danecid_method_verdicts_total{method=\"dane\",verstat=\"TN-Validation-Failed\"} " #d2     \
	"\n"                                                                                       \
	"danecid_method_verdicts_total{method=\"x509\",verstat=\"No-TN-Validation\"} " #x0 "\n"    \
	"danecid_method_verdicts_total{method=\"x509\",verstat=\"TN-Validation-Passed\"} " #x1     \
	"\n"                                                                                       \
	"danecid_method_verdicts_total{method=\"x509\",verstat=\"TN-Validation-Failed\"} " #x2     \
	"\n"
/* The x5u cache's counters: hits, negative hits, fetches, failures, joined, entries. */
#define X5U_TEXT(h, nh, f, fl, j, e)                                                               \
	"# HELP danecid_x5u_cache_hits_total x5u certificates answered from the cache.\n"          \
	"# TYPE danecid_x5u_cache_hits_total counter\n"                                            \
	"danecid_x5u_cache_hits_total " #h "\n"                                                    \
	"# HELP danecid_x5u_cache_negative_hits_total x5u requests answered from a remembered "    \
	"failure.\n"                                                                               \
	"# TYPE danecid_x5u_cache_negative_hits_total counter\n"                                   \
	"danecid_x5u_cache_negative_hits_total " #nh "\n"                                          \
	"# HELP danecid_x5u_fetches_total x5u fetches started.\n"                                  \
	"# TYPE danecid_x5u_fetches_total counter\n"                                               \
	"danecid_x5u_fetches_total " #f "\n"                                                       \
	"# HELP danecid_x5u_fetch_failures_total x5u fetches that brought no usable certificate "  \
	"chain.\n"                                                                                 \
	"# TYPE danecid_x5u_fetch_failures_total counter\n"                                        \
	"danecid_x5u_fetch_failures_total " #fl "\n"                                               \
	"# HELP danecid_x5u_fetch_joined_total x5u requests that joined a fetch already under "    \
	"way.\n"                                                                                   \
	"# TYPE danecid_x5u_fetch_joined_total counter\n"                                          \
	"danecid_x5u_fetch_joined_total " #j "\n"                                                  \
	"# HELP danecid_x5u_cache_entries x5u certificate chains and failures held by the "        \
	"cache.\n"                                                                                 \
	"# TYPE danecid_x5u_cache_entries gauge\n"                                                 \
	"danecid_x5u_cache_entries " #e "\n"
/* The DNS and key caches' counters, in the order of struct danecid_dns_cache_stats's print. */
#define DNS_TEXT(v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15)             \
	"# HELP danecid_dns_cache_hits_total DNS lookups answered from a cached validated "        \
	"answer.\n"                                                                                \
	"# TYPE danecid_dns_cache_hits_total counter\n"                                            \
	"danecid_dns_cache_hits_total " #v0 "\n"                                                   \
	"# HELP danecid_dns_cache_misses_total DNS lookups that went to DNS.\n"                    \
	"# TYPE danecid_dns_cache_misses_total counter\n"                                          \
	"danecid_dns_cache_misses_total " #v1 "\n"                                                 \
	"# HELP danecid_dns_lookups_joined_total DNS lookups that joined one already under way "   \
	"for the same name and type.\n"                                                            \
	"# TYPE danecid_dns_lookups_joined_total counter\n"                                        \
	"danecid_dns_lookups_joined_total " #v2 "\n"                                               \
	"# HELP danecid_dns_validated_fast_total DNS answers validated with the cached zone keys " \
	"(one signature check).\n"                                                                 \
	"# TYPE danecid_dns_validated_fast_total counter\n"                                        \
	"danecid_dns_validated_fast_total " #v3 "\n"                                               \
	"# HELP danecid_dns_validated_full_total DNS answers validated by getdns along the whole " \
	"chain.\n"                                                                                 \
	"# TYPE danecid_dns_validated_full_total counter\n"                                        \
	"danecid_dns_validated_full_total " #v4 "\n"                                               \
	"# HELP danecid_dns_zone_key_loads_total Zone DNSKEY sets validated against the trust "    \
	"anchor.\n"                                                                                \
	"# TYPE danecid_dns_zone_key_loads_total counter\n"                                        \
	"danecid_dns_zone_key_loads_total " #v5 "\n"                                               \
	"# HELP danecid_dns_cache_inserts_total Validated DNS answers kept.\n"                     \
	"# TYPE danecid_dns_cache_inserts_total counter\n"                                         \
	"danecid_dns_cache_inserts_total " #v6 "\n"                                                \
	"# HELP danecid_dns_cache_evictions_total Cached DNS answers dropped to make room.\n"      \
	"# TYPE danecid_dns_cache_evictions_total counter\n"                                       \
	"danecid_dns_cache_evictions_total " #v7 "\n"                                              \
	"# HELP danecid_dns_cache_expired_total Cached DNS answers dropped at the end of their "   \
	"TTL or signature.\n"                                                                      \
	"# TYPE danecid_dns_cache_expired_total counter\n"                                         \
	"danecid_dns_cache_expired_total " #v8 "\n"                                                \
	"# HELP danecid_dns_signature_checks_total DNSSEC signatures checked by the zone-key "     \
	"validator.\n"                                                                             \
	"# TYPE danecid_dns_signature_checks_total counter\n"                                      \
	"danecid_dns_signature_checks_total " #v9 "\n"                                             \
	"# HELP danecid_dns_signature_memo_hits_total DNSSEC signatures found already checked.\n"  \
	"# TYPE danecid_dns_signature_memo_hits_total counter\n"                                   \
	"danecid_dns_signature_memo_hits_total " #v10 "\n"                                         \
	"# HELP danecid_key_cache_hits_total PASSporT keys found parsed.\n"                        \
	"# TYPE danecid_key_cache_hits_total counter\n"                                            \
	"danecid_key_cache_hits_total " #v11 "\n"                                                  \
	"# HELP danecid_key_cache_misses_total PASSporT keys parsed from a TLSA record.\n"         \
	"# TYPE danecid_key_cache_misses_total counter\n"                                          \
	"danecid_key_cache_misses_total " #v12 "\n"                                                \
	"# HELP danecid_dns_cache_entries Validated DNS answers held.\n"                           \
	"# TYPE danecid_dns_cache_entries gauge\n"                                                 \
	"danecid_dns_cache_entries " #v13 "\n"                                                     \
	"# HELP danecid_dns_cache_bytes Memory of the DNS answers held, bookkeeping included.\n"   \
	"# TYPE danecid_dns_cache_bytes gauge\n"                                                   \
	"danecid_dns_cache_bytes " #v14 "\n"                                                       \
	"# HELP danecid_dns_cache_max_entries The bound on DNS answers held "                      \
	"(dns-cache-entries).\n"                                                                   \
	"# TYPE danecid_dns_cache_max_entries gauge\n"                                             \
	"danecid_dns_cache_max_entries " #v15 "\n"
#define HEAD_RELOADS                                                                               \
	"# HELP danecid_reloads_total Configuration reloads, by result.\n"                         \
	"# TYPE danecid_reloads_total counter\n"
#define HEAD_SECONDS                                                                               \
	"# HELP danecid_verification_seconds Time from submission to verdict.\n"                   \
	"# TYPE danecid_verification_seconds histogram\n"

static const char empty_text[] = HEAD_REQUESTS
    "danecid_requests_total{frontend=\"sip\"} 0\n"
    "danecid_requests_total{frontend=\"http\"} 0\n" HEAD_REJECTED
    "danecid_rejected_total{frontend=\"sip\"} 0\n"
    "danecid_rejected_total{frontend=\"http\"} 0\n" HEAD_VERDICTS METHOD_TEXT(0, 0, 0, 0, 0, 0, 0,
                                                                              0, 0) HEAD_DEADLINE
    "danecid_deadline_total{frontend=\"sip\"} 0\n"
    "danecid_deadline_total{frontend=\"http\"} 0\n" HEAD_DNS
    "danecid_dns_questions_total 0\n" HEAD_INFLIGHT "danecid_inflight 0\n" HEAD_REPLAY
    "danecid_replay_entries 0\n" X5U_TEXT(0, 0, 0, 0, 0, 0)
        DNS_TEXT(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) HEAD_RELOADS
    "danecid_reloads_total{result=\"ok\"} 0\n"
    "danecid_reloads_total{result=\"failed\"} 0\n" HEAD_SECONDS
    "danecid_verification_seconds_bucket{le=\"0.0005\"} 0\n"
    "danecid_verification_seconds_bucket{le=\"0.001\"} 0\n"
    "danecid_verification_seconds_bucket{le=\"0.0025\"} 0\n"
    "danecid_verification_seconds_bucket{le=\"0.005\"} 0\n"
    "danecid_verification_seconds_bucket{le=\"0.01\"} 0\n"
    "danecid_verification_seconds_bucket{le=\"0.025\"} 0\n"
    "danecid_verification_seconds_bucket{le=\"0.05\"} 0\n"
    "danecid_verification_seconds_bucket{le=\"0.1\"} 0\n"
    "danecid_verification_seconds_bucket{le=\"0.25\"} 0\n"
    "danecid_verification_seconds_bucket{le=\"0.5\"} 0\n"
    "danecid_verification_seconds_bucket{le=\"1\"} 0\n"
    "danecid_verification_seconds_bucket{le=\"2.5\"} 0\n"
    "danecid_verification_seconds_bucket{le=\"+Inf\"} 0\n"
    "danecid_verification_seconds_sum 0\n"
    "danecid_verification_seconds_count 0\n";

static struct danecid_verdict verdict(enum danecid_verstat vs, enum danecid_reason r)
{
	struct danecid_verdict v;

	memset(&v, 0, sizeof(v));
	v.verstat = vs;
	v.reason = r;
	return v;
}

static void test_empty(void **state)
{
	struct dd_metrics *m = dd_metrics_new();
	char *text;

	assert_non_null(m);
	text = dd_metrics_render(m);
	assert_non_null(text);
	assert_string_equal(text, empty_text);
	free(text);
	dd_metrics_free(m);
	dd_metrics_free(NULL);
	assert_null(dd_metrics_render(NULL));
}

/* A few requests through both front-ends, and every other kind of event once or more. */
static void test_scenario(void **state)
{
	struct dd_metrics *m = dd_metrics_new();
	struct danecid_verdict pass = verdict(DANECID_VERSTAT_PASSED, DANECID_R_OK);
	struct danecid_verdict spoof =
	    verdict(DANECID_VERSTAT_FAILED, DANECID_R_KEY_NOT_AUTHORIZED);
	struct danecid_verdict late =
	    verdict(DANECID_VERSTAT_NO_VALIDATION, DANECID_R_DNS_UNAVAILABLE);
	char *text;

	assert_non_null(m);
	pass.method = DANECID_METHOD_X509;
	spoof.method = DANECID_METHOD_DANE; /* late: none */
	for (int i = 0; i < 3; i++) {
		dd_metrics_request(m, DD_FE_SIP);
	}
	dd_metrics_request(m, DD_FE_HTTP);
	dd_metrics_request(m, DD_FE_HTTP);
	dd_metrics_rejected(m, DD_FE_HTTP);
	dd_metrics_verdict(m, DD_FE_HTTP, &pass, 0.25, false);
	dd_metrics_verdict(m, DD_FE_SIP, &spoof, 0.00390625, false);
	dd_metrics_verdict(m, DD_FE_SIP, &spoof, 0.00390625, false);
	dd_metrics_verdict(m, DD_FE_SIP, &late, 2, true);
	dd_metrics_dns_questions(m, 6);
	dd_metrics_dns_questions(m, 4);
	dd_metrics_set_inflight(m, 5);
	dd_metrics_set_inflight(m, 2);
	dd_metrics_set_replay_entries(m, 7);
	{
		struct danecid_x5u_stats xs = {1, 1, 1, 1, 1, 1};

		dd_metrics_set_x5u(m, &xs); /* a snapshot: the last one counts */
		xs = (struct danecid_x5u_stats){11, 3, 5, 2, 4, 3};
		dd_metrics_set_x5u(m, &xs);
		struct danecid_dns_cache_stats ds = {
		    .hits = 1,
		    .misses = 2,
		    .coalesced = 3,
		    .fast = 4,
		    .full = 5,
		    .zone_loads = 6,
		    .inserts = 7,
		    .evictions = 8,
		    .expired = 9,
		    .sig_checks = 10,
		    .sig_memo = 11,
		    .key_hits = 12,
		    .key_misses = 13,
		    .entries = 14,
		    .bytes = 15,
		    .max_entries = 16,
		};

		dd_metrics_set_dns_cache(m, &ds);
	}
	dd_metrics_reload(m, true);
	dd_metrics_reload(m, false);
	dd_metrics_reload(m, false);

	text = dd_metrics_render(m);
	assert_non_null(text);
	assert_string_equal(
	    text, HEAD_REQUESTS
	    "danecid_requests_total{frontend=\"sip\"} 3\n"
	    "danecid_requests_total{frontend=\"http\"} 2\n" HEAD_REJECTED
	    "danecid_rejected_total{frontend=\"sip\"} 0\n"
	    "danecid_rejected_total{frontend=\"http\"} 1\n" HEAD_VERDICTS
	    "danecid_verdicts_total{frontend=\"sip\",verstat=\"No-TN-Validation\","
	    "reason=\"dns-unavailable\"} 1\n"
	    "danecid_verdicts_total{frontend=\"sip\",verstat=\"TN-Validation-Failed\","
	    "reason=\"key-not-authorized\"} 2\n"
	    "danecid_verdicts_total{frontend=\"http\",verstat=\"TN-Validation-Passed\","
	    "reason=\"ok\"} 1\n" METHOD_TEXT(1, 0, 0, 0, 0, 2, 0, 1, 0) HEAD_DEADLINE
	    "danecid_deadline_total{frontend=\"sip\"} 1\n"
	    "danecid_deadline_total{frontend=\"http\"} 0\n" HEAD_DNS
	    "danecid_dns_questions_total 10\n" HEAD_INFLIGHT "danecid_inflight 2\n" HEAD_REPLAY
	    "danecid_replay_entries 7\n" X5U_TEXT(11, 3, 5, 2, 4, 3)
	        DNS_TEXT(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16) HEAD_RELOADS
	    "danecid_reloads_total{result=\"ok\"} 1\n"
	    "danecid_reloads_total{result=\"failed\"} 2\n" HEAD_SECONDS
	    "danecid_verification_seconds_bucket{le=\"0.0005\"} 0\n"
	    "danecid_verification_seconds_bucket{le=\"0.001\"} 0\n"
	    "danecid_verification_seconds_bucket{le=\"0.0025\"} 0\n"
	    "danecid_verification_seconds_bucket{le=\"0.005\"} 2\n"
	    "danecid_verification_seconds_bucket{le=\"0.01\"} 2\n"
	    "danecid_verification_seconds_bucket{le=\"0.025\"} 2\n"
	    "danecid_verification_seconds_bucket{le=\"0.05\"} 2\n"
	    "danecid_verification_seconds_bucket{le=\"0.1\"} 2\n"
	    "danecid_verification_seconds_bucket{le=\"0.25\"} 3\n"
	    "danecid_verification_seconds_bucket{le=\"0.5\"} 3\n"
	    "danecid_verification_seconds_bucket{le=\"1\"} 3\n"
	    "danecid_verification_seconds_bucket{le=\"2.5\"} 4\n"
	    "danecid_verification_seconds_bucket{le=\"+Inf\"} 4\n"
	    "danecid_verification_seconds_sum 2.2578125\n"
	    "danecid_verification_seconds_count 4\n");
	free(text);
	dd_metrics_free(m);
}

/* The count of bucket `le` in a rendering, or -1. */
static long bucket_count(const char *text, const char *le)
{
	char needle[96];
	const char *p;

	snprintf(needle, sizeof(needle), "danecid_verification_seconds_bucket{le=\"%s\"} ", le);
	p = strstr(text, needle);
	return p != NULL ? strtol(p + strlen(needle), NULL, 10) : -1;
}

/* One observation exactly at each bound lands in that bucket and no lower one; one just above
 * lands in the next. */
static void test_bucket_bounds(void **state)
{
	static const char *const les[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
	                                  "0.05",   "0.1",   "0.25",   "0.5",   "1",    "2.5"};
	const size_t n = sizeof(les) / sizeof(les[0]);
	struct danecid_verdict v = verdict(DANECID_VERSTAT_PASSED, DANECID_R_OK);

	assert_int_equal(n, N_BUCKETS);
	for (size_t i = 0; i < n; i++) {
		double bound = strtod(les[i], NULL);

		for (int above = 0; above <= 1; above++) {
			struct dd_metrics *m = dd_metrics_new();
			char *text;

			assert_non_null(m);
			dd_metrics_verdict(m, DD_FE_SIP, &v, above ? bound * (1 + 1e-12) : bound,
			                   false);
			text = dd_metrics_render(m);
			assert_non_null(text);
			for (size_t j = 0; j < n; j++) {
				long want = j > i || (j == i && !above) ? 1 : 0;

				assert_int_equal(bucket_count(text, les[j]), want);
			}
			assert_int_equal(bucket_count(text, "+Inf"), 1);
			free(text);
			dd_metrics_free(m);
		}
	}
}

/* Cumulative counts over many observations, and values the histogram must not trust. */
static void test_bucket_cumulative(void **state)
{
	struct dd_metrics *m = dd_metrics_new();
	struct danecid_verdict v = verdict(DANECID_VERSTAT_PASSED, DANECID_R_OK);
	const char *p;
	char *text;

	assert_non_null(m);
	dd_metrics_verdict(m, DD_FE_HTTP, &v, 0, false);        /* first bucket */
	dd_metrics_verdict(m, DD_FE_HTTP, &v, -1, false);       /* clock stepped: counted as 0 */
	dd_metrics_verdict(m, DD_FE_HTTP, &v, NAN, false);      /* counted as 0 */
	dd_metrics_verdict(m, DD_FE_HTTP, &v, INFINITY, false); /* counted as 0 */
	dd_metrics_verdict(m, DD_FE_HTTP, &v, 0.0007, false);   /* (0.0005, 0.001] */
	dd_metrics_verdict(m, DD_FE_HTTP, &v, 0.07, false);     /* (0.05, 0.1] */
	dd_metrics_verdict(m, DD_FE_HTTP, &v, 0.07, false);
	dd_metrics_verdict(m, DD_FE_HTTP, &v, 3, false);      /* (2.5, +Inf] */
	dd_metrics_verdict(m, DD_FE_HTTP, &v, 1000, false);   /* (2.5, +Inf] */
	dd_metrics_verdict(m, DD_FE_HTTP, NULL, 0.1, false);  /* ignored */
	dd_metrics_verdict(NULL, DD_FE_HTTP, &v, 0.1, false); /* ignored */
	text = dd_metrics_render(m);
	assert_non_null(text);
	assert_int_equal(bucket_count(text, "0.0005"), 4);
	assert_int_equal(bucket_count(text, "0.001"), 5);
	assert_int_equal(bucket_count(text, "0.0025"), 5);
	assert_int_equal(bucket_count(text, "0.05"), 5);
	assert_int_equal(bucket_count(text, "0.1"), 7);
	assert_int_equal(bucket_count(text, "2.5"), 7);
	assert_int_equal(bucket_count(text, "+Inf"), 9);
	assert_non_null(strstr(text, "\ndanecid_verification_seconds_count 9\n"));
	p = strstr(text, "\ndanecid_verification_seconds_sum ");
	assert_non_null(p);
	assert_true(fabs(strtod(p + strlen("\ndanecid_verification_seconds_sum "), NULL) -
	                 1003.1407) < 1e-9);
	assert_non_null(strstr(text, "danecid_verdicts_total{frontend=\"http\","
	                             "verstat=\"TN-Validation-Passed\",reason=\"ok\"} 9\n"));
	free(text);
	dd_metrics_free(m);
}

static void assert_escaped(const char *in, const char *want)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	put_label_value(f, in);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(out, want);
	free(out);
}

/* Label values: the three characters the format escapes, everything else as is. */
static void test_label_escaping(void **state)
{
	assert_escaped("key-not-authorized", "key-not-authorized");
	assert_escaped("", "");
	assert_escaped("a\"b", "a\\\"b");
	assert_escaped("a\\b", "a\\\\b");
	assert_escaped("a\nb", "a\\nb");
	assert_escaped("\\\"\n", "\\\\\\\"\\n");
	assert_escaped("tab\there é", "tab\there é");
}

/*
 * With every front-end × verstat × reason seen, each line of the rendering is a comment of the
 * two kinds or a sample whose labels are name="token" pairs, every family is announced by its
 * HELP and TYPE before its samples, and every reason token appears as a label value.
 */
static void test_format(void **state)
{
	static const char sample_re[] =
	    "^[a-z_][a-z0-9_]*(\\{[a-z]+=\"[A-Za-z0-9.+-]+\"(,[a-z]+=\"[A-Za-z0-9.+-]+\")*\\})? "
	    "[0-9]+(\\.[0-9]+)?(e[+-]?[0-9]+)?$";
	static const char comment_re[] = "^# (HELP [a-z_][a-z0-9_]* [^\n]+|TYPE [a-z_][a-z0-9_]* "
	                                 "(counter|gauge|histogram))$";
	struct dd_metrics *m = dd_metrics_new();
	regex_t sample, comment;
	char *text, *line, *save = NULL;
	char family[64] = "";
	size_t n_samples = 0, n_verdicts = 0;

	assert_non_null(m);
	for (int fe = 0; fe < DD_FE_COUNT; fe++) {
		for (int vs = 0; vs < 3; vs++) {
			for (int r = 0; r < DANECID_R_COUNT; r++) {
				struct danecid_verdict v = verdict(vs, r);

				dd_metrics_verdict(m, fe, &v, 0.001 * r, false);
			}
		}
	}
	/* out of range: ignored, not rendered */
	dd_metrics_request(m, DD_FE_COUNT);
	dd_metrics_rejected(m, (enum dd_frontend) - 1);
	dd_metrics_request(NULL, DD_FE_SIP);

	assert_int_equal(regcomp(&sample, sample_re, REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regcomp(&comment, comment_re, REG_EXTENDED | REG_NOSUB), 0);
	text = dd_metrics_render(m);
	assert_non_null(text);
	assert_int_equal(text[strlen(text) - 1], '\n');
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			assert_int_equal(regexec(&comment, line, 0, NULL, 0), 0);
			if (strncmp(line, "# TYPE ", 7) == 0) {
				snprintf(family, sizeof(family), "%.*s",
				         (int)strcspn(line + 7, " "), line + 7);
			}
			continue;
		}
		if (regexec(&sample, line, 0, NULL, 0) != 0) {
			fail_msg("not a sample line: %s", line);
		}
		/* the sample belongs to the family announced last */
		assert_int_equal(strncmp(line, family, strlen(family)), 0);
		n_samples++;
		if (strncmp(line, "danecid_verdicts_total{", 23) == 0) {
			n_verdicts++;
		}
	}
	assert_int_equal(n_verdicts, DD_FE_COUNT * 3 * DANECID_R_COUNT);
	/* 2 requests, 2 rejected, 9 by method, 2 deadline, dns, inflight, replay, 6 x5u,
	 * 16 DNS and key cache, 2 reloads, 12+1 buckets, sum, count */
	assert_int_equal(n_samples, n_verdicts + 2 + 2 + 9 + 2 + 1 + 1 + 1 + 6 + 16 + 2 + 13 + 2);
	free(text);

	text = dd_metrics_render(m);
	assert_non_null(text);
	assert_non_null(strstr(text, "danecid_requests_total{frontend=\"sip\"} 0\n"));
	assert_non_null(strstr(text, "danecid_rejected_total{frontend=\"http\"} 0\n"));
	for (int r = 0; r < DANECID_R_COUNT; r++) {
		char needle[128];

		snprintf(needle, sizeof(needle),
		         "{frontend=\"http\",verstat=\"TN-Validation-Failed\",reason=\"%s\"} 1\n",
		         danecid_reason_token(r));
		assert_non_null(strstr(text, needle));
	}
	free(text);
	regfree(&sample);
	regfree(&comment);
	dd_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),          cmocka_unit_test(test_scenario),
	    cmocka_unit_test(test_bucket_bounds),  cmocka_unit_test(test_bucket_cumulative),
	    cmocka_unit_test(test_label_escaping), cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
