/* metrics — counters, gauges and a latency histogram, rendered as Prometheus text (0.0.4).
 *
 * Every metric is always rendered with its # HELP and # TYPE lines. Counters keyed by a front-end
 * or a reload result show every label value, zero included. danecid_verdicts_total shows only
 * the (frontend, verstat, reason) combinations seen at least once: the full product would be
 * 132 series of which most can never occur (a "stale" verdict is never Passed). Series are
 * rendered in a fixed order (front-end, then verstat, then reason in enum order) so the text is
 * stable between scrapes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

/** Upper bounds of the latency histogram in seconds; +Inf is implicit. */
static const double bucket_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                       0.05,   0.1,   0.25,   0.5,   1,    2.5};
/** The same bounds as they appear in the le label (what a scraper parses back exactly). */
static const char *const bucket_labels[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
                                            "0.05",   "0.1",   "0.25",   "0.5",   "1",    "2.5"};
#define N_BUCKETS (sizeof(bucket_bounds) / sizeof(bucket_bounds[0]))

#define N_VERSTAT 3
#define N_METHODS 3 /* none, dane, x509 (enum danecid_method) */

static const char *const method_names[N_METHODS] = {"none", "dane", "x509"};

struct dd_metrics {
	uint64_t requests[DD_FE_COUNT];
	uint64_t rejected[DD_FE_COUNT];
	uint64_t deadline[DD_FE_COUNT];
	uint64_t verdicts[DD_FE_COUNT][N_VERSTAT][DANECID_R_COUNT];
	uint64_t by_method[N_METHODS][N_VERSTAT];
	uint64_t dns_questions;
	uint64_t inflight;
	uint64_t replay_entries;
	struct danecid_x5u_stats x5u;
	struct danecid_dns_cache_stats dns;
	uint64_t reloads[2];            /* [0] failed, [1] ok */
	uint64_t bucket[N_BUCKETS + 1]; /* not cumulative; the last is (2.5, +Inf] */
	uint64_t count;
	double sum;
};

static const char *const frontend_names[DD_FE_COUNT] = {
    [DD_FE_SIP] = "sip",
    [DD_FE_HTTP] = "http",
};

struct dd_metrics *dd_metrics_new(void)
{
	return calloc(1, sizeof(struct dd_metrics));
}

void dd_metrics_free(struct dd_metrics *m)
{
	free(m);
}

static bool fe_ok(enum dd_frontend fe)
{
	return (unsigned)fe < DD_FE_COUNT;
}

void dd_metrics_request(struct dd_metrics *m, enum dd_frontend fe)
{
	if (m != NULL && fe_ok(fe)) {
		m->requests[fe]++;
	}
}

void dd_metrics_rejected(struct dd_metrics *m, enum dd_frontend fe)
{
	if (m != NULL && fe_ok(fe)) {
		m->rejected[fe]++;
	}
}

void dd_metrics_verdict(struct dd_metrics *m, enum dd_frontend fe, const struct danecid_verdict *v,
                        double seconds, bool deadline)
{
	size_t b = 0;

	if (m == NULL || v == NULL || !fe_ok(fe)) {
		return;
	}
	if ((unsigned)v->verstat < N_VERSTAT && (unsigned)v->reason < DANECID_R_COUNT) {
		m->verdicts[fe][v->verstat][v->reason]++;
	}
	if ((unsigned)v->verstat < N_VERSTAT && (unsigned)v->method < N_METHODS) {
		m->by_method[v->method][v->verstat]++;
	}
	if (deadline) {
		m->deadline[fe]++;
	}
	/* A clock that stepped back, or NaN, must not poison the sum. */
	if (!(seconds >= 0) || isinf(seconds)) {
		seconds = 0;
	}
	while (b < N_BUCKETS && seconds > bucket_bounds[b]) {
		b++;
	}
	m->bucket[b]++;
	m->count++;
	m->sum += seconds;
}

void dd_metrics_dns_questions(struct dd_metrics *m, uint64_t n)
{
	if (m != NULL) {
		m->dns_questions += n;
	}
}

void dd_metrics_set_inflight(struct dd_metrics *m, uint64_t n)
{
	if (m != NULL) {
		m->inflight = n;
	}
}

void dd_metrics_set_replay_entries(struct dd_metrics *m, uint64_t n)
{
	if (m != NULL) {
		m->replay_entries = n;
	}
}

void dd_metrics_set_x5u(struct dd_metrics *m, const struct danecid_x5u_stats *s)
{
	if (m != NULL) {
		m->x5u = *s;
	}
}

void dd_metrics_set_dns_cache(struct dd_metrics *m, const struct danecid_dns_cache_stats *s)
{
	if (m != NULL) {
		m->dns = *s;
	}
}

void dd_metrics_reload(struct dd_metrics *m, bool ok)
{
	if (m != NULL) {
		m->reloads[ok ? 1 : 0]++;
	}
}

/*
 * A label value as the exposition format wants it: backslash, double quote and line feed
 * escaped. Every value we emit today is a fixed token, so this is a safety net.
 */
static void put_label_value(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\\':
			fputs("\\\\", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* "# HELP name text" and "# TYPE name type". The help texts are ours: no escaping needed. */
static void put_header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One counter or gauge of the DNS cache. */
static void put_one(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	put_header(f, name, type, help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static void put_dns_cache(FILE *f, const struct danecid_dns_cache_stats *d)
{
	put_one(f, "danecid_dns_cache_hits_total", "counter",
	        "DNS lookups answered from a cached validated answer.", d->hits);
	put_one(f, "danecid_dns_cache_misses_total", "counter", "DNS lookups that went to DNS.",
	        d->misses);
	put_one(f, "danecid_dns_lookups_joined_total", "counter",
	        "DNS lookups that joined one already under way for the same name and type.",
	        d->coalesced);
	put_one(f, "danecid_dns_validated_fast_total", "counter",
	        "DNS answers validated with the cached zone keys (one signature check).", d->fast);
	put_one(f, "danecid_dns_validated_full_total", "counter",
	        "DNS answers validated by getdns along the whole chain.", d->full);
	put_one(f, "danecid_dns_zone_key_loads_total", "counter",
	        "Zone DNSKEY sets validated against the trust anchor.", d->zone_loads);
	put_one(f, "danecid_dns_cache_inserts_total", "counter", "Validated DNS answers kept.",
	        d->inserts);
	put_one(f, "danecid_dns_cache_evictions_total", "counter",
	        "Cached DNS answers dropped to make room.", d->evictions);
	put_one(f, "danecid_dns_cache_expired_total", "counter",
	        "Cached DNS answers dropped at the end of their TTL or signature.", d->expired);
	put_one(f, "danecid_dns_signature_checks_total", "counter",
	        "DNSSEC signatures checked by the zone-key validator.", d->sig_checks);
	put_one(f, "danecid_dns_signature_memo_hits_total", "counter",
	        "DNSSEC signatures found already checked.", d->sig_memo);
	put_one(f, "danecid_key_cache_hits_total", "counter", "PASSporT keys found parsed.",
	        d->key_hits);
	put_one(f, "danecid_key_cache_misses_total", "counter",
	        "PASSporT keys parsed from a TLSA record.", d->key_misses);
	put_one(f, "danecid_dns_cache_entries", "gauge", "Validated DNS answers held.", d->entries);
	put_one(f, "danecid_dns_cache_bytes", "gauge",
	        "Memory of the DNS answers held, bookkeeping included.", d->bytes);
	put_one(f, "danecid_dns_cache_max_entries", "gauge",
	        "The bound on DNS answers held (dns-cache-entries).", d->max_entries);
}

/* name{label="value"} n */
static void put_labelled(FILE *f, const char *name, const char *label, const char *value,
                         uint64_t n)
{
	fprintf(f, "%s{%s=\"", name, label);
	put_label_value(f, value);
	fprintf(f, "\"} %llu\n", (unsigned long long)n);
}

/* The shortest decimal form that reads back as the same double. */
static void put_double(FILE *f, double x)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%.15g", x);
	if (strtod(buf, NULL) != x) {
		snprintf(buf, sizeof(buf), "%.17g", x);
	}
	fputs(buf, f);
}

char *dd_metrics_render(const struct dd_metrics *m)
{
	char *text = NULL;
	size_t len = 0;
	uint64_t cum = 0;
	FILE *f;

	if (m == NULL) {
		return NULL;
	}
	f = open_memstream(&text, &len);
	if (f == NULL) {
		return NULL;
	}

	put_header(f, "danecid_requests_total", "counter", "Requests that arrived at a front-end.");
	for (int fe = 0; fe < DD_FE_COUNT; fe++) {
		put_labelled(f, "danecid_requests_total", "frontend", frontend_names[fe],
		             m->requests[fe]);
	}

	put_header(f, "danecid_rejected_total", "counter",
	           "Requests refused before verification (malformed, unsupported, overload).");
	for (int fe = 0; fe < DD_FE_COUNT; fe++) {
		put_labelled(f, "danecid_rejected_total", "frontend", frontend_names[fe],
		             m->rejected[fe]);
	}

	put_header(f, "danecid_verdicts_total", "counter",
	           "Verdicts given, by front-end, verstat and reason (combinations seen).");
	for (int fe = 0; fe < DD_FE_COUNT; fe++) {
		for (int vs = 0; vs < N_VERSTAT; vs++) {
			for (int r = 0; r < DANECID_R_COUNT; r++) {
				if (m->verdicts[fe][vs][r] == 0) {
					continue;
				}
				fputs("danecid_verdicts_total{frontend=\"", f);
				put_label_value(f, frontend_names[fe]);
				fputs("\",verstat=\"", f);
				put_label_value(f, danecid_verstat_name((enum danecid_verstat)vs));
				fputs("\",reason=\"", f);
				put_label_value(f, danecid_reason_token((enum danecid_reason)r));
				fprintf(f, "\"} %llu\n",
				        (unsigned long long)m->verdicts[fe][vs][r]);
			}
		}
	}

	put_header(f, "danecid_method_verdicts_total", "counter",
	           "Verdicts given, by the method that decided (none: no method did) and verstat.");
	for (int me = 0; me < N_METHODS; me++) {
		for (int vs = 0; vs < N_VERSTAT; vs++) {
			fprintf(f, "danecid_method_verdicts_total{method=\"%s\",verstat=\"",
			        method_names[me]);
			put_label_value(f, danecid_verstat_name((enum danecid_verstat)vs));
			fprintf(f, "\"} %llu\n", (unsigned long long)m->by_method[me][vs]);
		}
	}

	put_header(f, "danecid_deadline_total", "counter",
	           "Verifications answered by the deadline before the verifier finished.");
	for (int fe = 0; fe < DD_FE_COUNT; fe++) {
		put_labelled(f, "danecid_deadline_total", "frontend", frontend_names[fe],
		             m->deadline[fe]);
	}

	put_header(f, "danecid_dns_questions_total", "counter", "DNS questions asked.");
	fprintf(f, "danecid_dns_questions_total %llu\n", (unsigned long long)m->dns_questions);

	put_header(f, "danecid_inflight", "gauge", "Verifications submitted and not yet answered.");
	fprintf(f, "danecid_inflight %llu\n", (unsigned long long)m->inflight);

	put_header(f, "danecid_replay_entries", "gauge", "PASSporTs held by the replay cache.");
	fprintf(f, "danecid_replay_entries %llu\n", (unsigned long long)m->replay_entries);

	put_header(f, "danecid_x5u_cache_hits_total", "counter",
	           "x5u certificates answered from the cache.");
	fprintf(f, "danecid_x5u_cache_hits_total %llu\n", (unsigned long long)m->x5u.hits);
	put_header(f, "danecid_x5u_cache_negative_hits_total", "counter",
	           "x5u requests answered from a remembered failure.");
	fprintf(f, "danecid_x5u_cache_negative_hits_total %llu\n",
	        (unsigned long long)m->x5u.negative_hits);
	put_header(f, "danecid_x5u_fetches_total", "counter", "x5u fetches started.");
	fprintf(f, "danecid_x5u_fetches_total %llu\n", (unsigned long long)m->x5u.fetches);
	put_header(f, "danecid_x5u_fetch_failures_total", "counter",
	           "x5u fetches that brought no usable certificate chain.");
	fprintf(f, "danecid_x5u_fetch_failures_total %llu\n", (unsigned long long)m->x5u.failures);
	put_header(f, "danecid_x5u_fetch_joined_total", "counter",
	           "x5u requests that joined a fetch already under way.");
	fprintf(f, "danecid_x5u_fetch_joined_total %llu\n", (unsigned long long)m->x5u.joined);
	put_header(f, "danecid_x5u_cache_entries", "gauge",
	           "x5u certificate chains and failures held by the cache.");
	fprintf(f, "danecid_x5u_cache_entries %llu\n", (unsigned long long)m->x5u.entries);
	put_dns_cache(f, &m->dns);

	put_header(f, "danecid_reloads_total", "counter", "Configuration reloads, by result.");
	put_labelled(f, "danecid_reloads_total", "result", "ok", m->reloads[1]);
	put_labelled(f, "danecid_reloads_total", "result", "failed", m->reloads[0]);

	put_header(f, "danecid_verification_seconds", "histogram",
	           "Time from submission to verdict.");
	for (size_t b = 0; b < N_BUCKETS; b++) {
		cum += m->bucket[b];
		fprintf(f, "danecid_verification_seconds_bucket{le=\"%s\"} %llu\n",
		        bucket_labels[b], (unsigned long long)cum);
	}
	fprintf(f, "danecid_verification_seconds_bucket{le=\"+Inf\"} %llu\n",
	        (unsigned long long)m->count);
	fputs("danecid_verification_seconds_sum ", f);
	put_double(f, m->sum);
	fprintf(f, "\ndanecid_verification_seconds_count %llu\n", (unsigned long long)m->count);

	if (ferror(f)) {
		fclose(f);
		free(text);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
