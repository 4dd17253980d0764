/* compare — measures the DANE and the x509 method on the same call, in one process (used by
 * tests/compare/compare.sh; not part of make check).
 *
 *   compare sign -k PEM -o ORIG -d DEST [-u URL] [-n N]
 *       N Identity header values (distinct origids, iat now), one per line.
 *   compare cold|warm -D CONF -K PEM -X CONF -C PEM -u URL -o ORIG -d DEST [-n N] [-w W]
 *                     [-j FILE]
 *       cold: N runs per method, each on a new context (nothing cached), the methods taking
 *             turns run by run, after W discarded runs per method (one-time library set-up).
 *       warm: one context per method; W verifications warm it, then N verifications per
 *             method, in blocks of 50 that take turns.
 *       Every verification carries its own PASSporT (own origid: no replay), signed before
 *       the clock starts, with iat = the pinned clock (the tool's start time). Each is
 *       danecid_verify_request() as danecidd's HTTP front-end calls it; all must pass.
 *       Prints "METHOD.KEY VALUE" lines; -j FILE gets the same numbers and the raw
 *       latencies as JSON.
 *
 * Counters read around the measured calls (outside the timed part): the library's own (DNS
 * questions asked by danecid, x5u fetches), the network namespace's /proc/net/snmp (UDP
 * datagrams sent: both ends of a loopback exchange count, so questions on the wire =
 * datagrams / 2; TCP connections opened) and /proc/net/dev (loopback bytes and packets,
 * each packet counted once), CPU time of the process (user + system, all threads).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <danecid/danecid.h>

#include "enumname.h"
#include "es256.h"
#include "passport.h"
#include "signing.h"

#define BLOCK 50

enum { M_DANE = 0, M_X509, M_COUNT };
static const char *const mname[M_COUNT] = {"dane", "x509"};

struct net {
	uint64_t lo_bytes, lo_packets, udp_out, tcp_opens;
};

struct series {
	double *lat_us; /* per verification, wall */
	double *ctx_us; /* cold: context creation */
	double cpu_us;  /* total */
	size_t n;
	uint64_t dns_q;   /* library counter */
	uint64_t fetches; /* library counter */
	struct net net;   /* summed deltas */
	size_t failed;
	char first_fail[320];
};

static double now_us(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void net_read(struct net *n)
{
	char line[2048], head[2048];
	FILE *f;

	memset(n, 0, sizeof(*n));
	if ((f = fopen("/proc/net/dev", "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			char *c = strchr(line, ':');
			char *p = line;

			while (*p == ' ') {
				p++;
			}
			if (c != NULL && strncmp(p, "lo:", 3) == 0) {
				unsigned long long b = 0, pk = 0;

				if (sscanf(c + 1, "%llu %llu", &b, &pk) == 2) {
					n->lo_bytes = b;
					n->lo_packets = pk;
				}
			}
		}
		fclose(f);
	}
	/* /proc/net/snmp: a line of names, then a line of values, per protocol. */
	if ((f = fopen("/proc/net/snmp", "r")) != NULL) {
		while (fgets(head, sizeof(head), f) != NULL &&
		       fgets(line, sizeof(line), f) != NULL) {
			const char *want = NULL;
			char *hs = NULL, *vs = NULL, *h, *v;

			if (strncmp(head, "Udp: ", 5) == 0) {
				want = "OutDatagrams";
			} else if (strncmp(head, "Tcp: ", 5) == 0) {
				want = "ActiveOpens";
			} else {
				continue;
			}
			h = strtok_r(head, " \n", &hs);
			v = strtok_r(line, " \n", &vs);
			while (h != NULL && v != NULL) {
				if (strcmp(h, want) == 0) {
					uint64_t x = strtoull(v, NULL, 10);

					if (want[0] == 'O') {
						n->udp_out = x;
					} else {
						n->tcp_opens = x;
					}
				}
				h = strtok_r(NULL, " \n", &hs);
				v = strtok_r(NULL, " \n", &vs);
			}
		}
		fclose(f);
	}
}

static void net_add(struct net *sum, const struct net *a, const struct net *b)
{
	sum->lo_bytes += b->lo_bytes - a->lo_bytes;
	sum->lo_packets += b->lo_packets - a->lo_packets;
	sum->udp_out += b->udp_out - a->udp_out;
	sum->tcp_opens += b->tcp_opens - a->tcp_opens;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "compare: %s%s%s\n", what, why != NULL ? ": " : "", why != NULL ? why : "");
	exit(2);
}

/* One verification of IDENTITY on CTX at NOW, timed; counts a failure into s. */
static void verify_one(danecid_ctx *ctx, const char *orig, const char *dest, const char *identity,
                       time_t now, struct series *s, bool keep)
{
	const char *dests[1] = {dest};
	const char *ids[1] = {identity};
	struct danecid_request rq = {orig, dests, 1, ids, 1, NULL, false, 0};
	struct danecid_verdict v;
	double t0, t1, c0, c1;

	t0 = now_us(CLOCK_MONOTONIC); /* the CPU interval lies within the wall one */
	c0 = now_us(CLOCK_PROCESS_CPUTIME_ID);
	danecid_verify_request(ctx, &rq, now, &v);
	c1 = now_us(CLOCK_PROCESS_CPUTIME_ID);
	t1 = now_us(CLOCK_MONOTONIC);
	if (!keep) {
		return;
	}
	s->lat_us[s->n++] = t1 - t0;
	s->cpu_us += c1 - c0;
	if (v.verstat != DANECID_VERSTAT_PASSED) {
		if (s->failed++ == 0) {
			snprintf(s->first_fail, sizeof(s->first_fail), "%s: %s",
			         danecid_reason_token(v.reason), v.detail);
		}
	}
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stats {
	double median, p90, mean, min, max, sum;
};

static struct stats stats_of(const double *v, size_t n)
{
	struct stats st = {0, 0, 0, 0, 0, 0};
	double *s;

	if (n == 0) {
		return st;
	}
	if ((s = malloc(n * sizeof(*s))) == NULL) {
		die("out of memory", NULL);
	}
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_d);
	for (size_t i = 0; i < n; i++) {
		st.sum += s[i];
	}
	st.mean = st.sum / (double)n;
	st.median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	st.p90 = s[(9 * n + 9) / 10 - 1]; /* nearest rank: ceil(0.9 n) */
	st.min = s[0];
	st.max = s[n - 1];
	free(s);
	return st;
}

static void report(FILE *j, const char *mode, struct series *s, size_t warmup)
{
	fprintf(j, "{\"mode\":\"%s\",\"warmup\":%zu", mode, warmup);
	for (int m = 0; m < M_COUNT; m++) {
		struct stats st = stats_of(s[m].lat_us, s[m].n);
		struct stats cs = stats_of(s[m].ctx_us, s[m].ctx_us != NULL ? s[m].n : 0);
		double n = (double)s[m].n;
		const char *p = mname[m];

		printf("%s.n %zu\n", p, s[m].n);
		printf("%s.failed %zu\n", p, s[m].failed);
		printf("%s.lat_median_us %.1f\n%s.lat_p90_us %.1f\n%s.lat_mean_us %.1f\n", p,
		       st.median, p, st.p90, p, st.mean);
		printf("%s.lat_min_us %.1f\n%s.lat_max_us %.1f\n", p, st.min, p, st.max);
		printf("%s.rate_wall %.1f\n", p, st.sum > 0 ? n / (st.sum / 1e6) : 0);
		printf("%s.cpu_us %.1f\n", p, s[m].cpu_us / n);
		printf("%s.rate_cpu %.1f\n", p, s[m].cpu_us > 0 ? n / (s[m].cpu_us / 1e6) : 0);
		printf("%s.ctx_median_us %.1f\n", p, cs.median);
		printf("%s.dns_questions %.3f\n", p, (double)s[m].dns_q / n);
		printf("%s.udp_datagrams %.3f\n", p, (double)s[m].net.udp_out / n);
		printf("%s.tcp_connections %.3f\n", p, (double)s[m].net.tcp_opens / n);
		printf("%s.lo_bytes %.1f\n", p, (double)s[m].net.lo_bytes / n);
		printf("%s.lo_packets %.2f\n", p, (double)s[m].net.lo_packets / n);
		printf("%s.x5u_fetches %.3f\n", p, (double)s[m].fetches / n);
		if (s[m].failed > 0) {
			printf("%s.first_failure %s\n", p, s[m].first_fail);
		}
		fprintf(
		    j,
		    ",\"%s\":{\"n\":%zu,\"failed\":%zu,\"latency_us\":{\"median\":%.1f,"
		    "\"p90\":%.1f,\"mean\":%.1f,\"min\":%.1f,\"max\":%.1f},\"cpu_us_per_"
		    "verification\""
		    ":%.1f,\"context_new_us_median\":%.1f,\"per_verification\":{"
		    "\"dns_questions_danecid\":%.3f,\"udp_datagrams\":%.3f,\"tcp_connections\":"
		    "%.3f,\"lo_bytes\":%.1f,\"lo_packets\":%.2f,\"x5u_fetches\":%.3f},\"raw_us\":[",
		    p, s[m].n, s[m].failed, st.median, st.p90, st.mean, st.min, st.max,
		    s[m].cpu_us / n, cs.median, (double)s[m].dns_q / n,
		    (double)s[m].net.udp_out / n, (double)s[m].net.tcp_opens / n,
		    (double)s[m].net.lo_bytes / n, (double)s[m].net.lo_packets / n,
		    (double)s[m].fetches / n);
		for (size_t i = 0; i < s[m].n; i++) {
			fprintf(j, "%s%.1f", i ? "," : "", s[m].lat_us[i]);
		}
		fprintf(j, "]}");
	}
	fprintf(j, "}\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: compare sign -k PEM -o ORIG -d DEST [-u URL] [-n N]\n"
	                "       compare cold|warm -D CONF -K PEM -X CONF -C PEM -u URL -o ORIG "
	                "-d DEST [-n N] [-w W] [-j FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *conf[M_COUNT] = {NULL, NULL}, *key[M_COUNT] = {NULL, NULL};
	const char *url = NULL, *orig = NULL, *dest = NULL, *jfile = NULL, *mode;
	size_t n = 30, warm = 1;
	struct series s[M_COUNT];
	char **ids[M_COUNT];
	time_t now = time(NULL);
	FILE *j = NULL;
	int c;

	if (argc < 2) {
		usage();
	}
	mode = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "D:K:X:C:k:u:o:d:n:w:j:")) != -1) {
		switch (c) {
		case 'D':
			conf[M_DANE] = optarg;
			break;
		case 'K':
		case 'k':
			key[M_DANE] = optarg;
			break;
		case 'X':
			conf[M_X509] = optarg;
			break;
		case 'C':
			key[M_X509] = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		case 'o':
			orig = optarg;
			break;
		case 'd':
			dest = optarg;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'w':
			warm = strtoul(optarg, NULL, 10);
			break;
		case 'j':
			jfile = optarg;
			break;
		default:
			usage();
		}
	}
	if (orig == NULL || dest == NULL || key[M_DANE] == NULL || n == 0 || n > 100000) {
		usage();
	}
	if (strcmp(mode, "sign") == 0) {
		char **v = tool_sign_many(key[M_DANE], orig, dest, url, n, (int64_t)now);

		for (size_t i = 0; i < n; i++) {
			puts(v[i]);
			free(v[i]);
		}
		free(v);
		return 0;
	}
	if ((strcmp(mode, "cold") != 0 && strcmp(mode, "warm") != 0) || conf[M_DANE] == NULL ||
	    conf[M_X509] == NULL || key[M_X509] == NULL || url == NULL) {
		usage();
	}
	memset(s, 0, sizeof(s));
	for (int m = 0; m < M_COUNT; m++) {
		ids[m] = tool_sign_many(key[m], orig, dest, m == M_X509 ? url : NULL, n + warm,
		                        (int64_t)now);
		s[m].lat_us = calloc(n, sizeof(double));
		s[m].ctx_us = calloc(n, sizeof(double));
		if (s[m].lat_us == NULL || s[m].ctx_us == NULL) {
			die("out of memory", NULL);
		}
	}
	if (strcmp(mode, "cold") == 0) {
		/* run r of method m: a new context, one verification, the context freed. The
		 * counters are read after a short pause so that a closing connection's last
		 * packets are not put on the next run. */
		for (size_t r = 0; r < n + warm; r++) {
			for (int m = 0; m < M_COUNT; m++) {
				bool keep = r >= warm;
				struct net a, b;
				struct danecid_x5u_stats xs;
				danecid_ctx *ctx;
				double t0;

				net_read(&a);
				t0 = now_us(CLOCK_MONOTONIC);
				ctx = tool_ctx_make(conf[m]);
				if (keep) {
					s[m].ctx_us[s[m].n] = now_us(CLOCK_MONOTONIC) - t0;
				}
				verify_one(ctx, orig, dest, ids[m][r], now, &s[m], keep);
				danecid_ctx_x5u_stats(ctx, &xs);
				if (keep) {
					s[m].dns_q += danecid_ctx_dns_questions(ctx);
					s[m].fetches += xs.fetches;
				}
				danecid_ctx_free(ctx);
				usleep(3000);
				net_read(&b);
				if (keep) {
					net_add(&s[m].net, &a, &b);
				}
			}
		}
	} else {
		danecid_ctx *ctx[M_COUNT];
		uint64_t q0[M_COUNT], f0[M_COUNT];

		for (int m = 0; m < M_COUNT; m++) {
			struct danecid_x5u_stats xs;

			ctx[m] = tool_ctx_make(conf[m]);
			for (size_t i = 0; i < warm; i++) {
				verify_one(ctx[m], orig, dest, ids[m][i], now, &s[m], false);
			}
			danecid_ctx_x5u_stats(ctx[m], &xs);
			q0[m] = danecid_ctx_dns_questions(ctx[m]);
			f0[m] = xs.fetches;
		}
		usleep(3000);
		for (size_t b0 = 0; b0 < n; b0 += BLOCK) {
			for (int m = 0; m < M_COUNT; m++) {
				struct net a, b;

				net_read(&a);
				for (size_t i = b0; i < n && i < b0 + BLOCK; i++) {
					verify_one(ctx[m], orig, dest, ids[m][warm + i], now, &s[m],
					           true);
				}
				net_read(&b);
				net_add(&s[m].net, &a, &b);
			}
		}
		for (int m = 0; m < M_COUNT; m++) {
			struct danecid_x5u_stats xs;

			danecid_ctx_x5u_stats(ctx[m], &xs);
			s[m].dns_q = danecid_ctx_dns_questions(ctx[m]) - q0[m];
			s[m].fetches = xs.fetches - f0[m];
			danecid_ctx_free(ctx[m]);
			free(s[m].ctx_us);
			s[m].ctx_us = NULL;
		}
	}
	j = jfile != NULL ? fopen(jfile, "w") : fopen("/dev/null", "w");
	if (j == NULL) {
		die(jfile, strerror(errno));
	}
	report(j, mode, s, warm);
	fclose(j);
	for (int m = 0; m < M_COUNT; m++) {
		for (size_t i = 0; i < n + warm; i++) {
			free(ids[m][i]);
		}
		free(ids[m]);
		free(s[m].lat_us);
		free(s[m].ctx_us);
	}
	return s[M_DANE].failed + s[M_X509].failed > 0 ? 1 : 0;
}
