/* siptx — send SIP messages from files over UDP or TCP and print the responses (tests only).
 *
 *   siptx [-t SECONDS] [-o PREFIX] [-p] udp|tcp HOST PORT FILE [FILE...]
 *
 * Each FILE is sent as one message (UDP: one datagram each, from one socket; TCP: all on one
 * connection), one after the other: the next is sent when the previous one got its response
 * or the timeout (default 3 s) passed. With -p (TCP) all are sent at once, then the responses
 * are collected. Every response is printed raw on stdout as it arrives; with -o each is also
 * written to PREFIX.N (N = 1, 2, ... in order of arrival). Exit status: 0 when every request
 * got a response, 1 when one did not, 2 on a usage or I/O error.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_MAX 65536

static const char *out_prefix;
static unsigned n_out;

__attribute__((noreturn)) static void usage(void)
{
	fprintf(stderr, "usage: siptx [-t SECONDS] [-o PREFIX] [-p] udp|tcp HOST PORT FILE...\n");
	exit(2);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(MSG_MAX + 1);
	size_t n;

	if (f == NULL || buf == NULL) {
		fprintf(stderr, "siptx: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	n = fread(buf, 1, MSG_MAX + 1, f);
	if (ferror(f) || n > MSG_MAX) {
		fprintf(stderr, "siptx: %s: unreadable or larger than %d bytes\n", path, MSG_MAX);
		exit(2);
	}
	fclose(f);
	*len = n;
	return buf;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds left until deadline, at least 0. */
static int left_ms(double deadline)
{
	double left = deadline - now_s();

	return left > 0 ? (int)(left * 1000) + 1 : 0;
}

static void emit(const char *p, size_t n)
{
	fwrite(p, 1, n, stdout);
	fflush(stdout);
	if (out_prefix != NULL) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s.%u", out_prefix, ++n_out);
		f = fopen(path, "wb");
		if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
			fprintf(stderr, "siptx: cannot write %s\n", path);
			exit(2);
		}
	}
}

static int connect_to(const char *host, const char *port, int type)
{
	struct addrinfo hints;
	struct addrinfo *res = NULL;
	int fd = -1;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = type;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	r = getaddrinfo(host, port, &hints, &res);
	if (r != 0) {
		fprintf(stderr, "siptx: %s %s: %s\n", host, port, gai_strerror(r));
		exit(2);
	}
	fd = socket(res->ai_family, res->ai_socktype, 0);
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		fprintf(stderr, "siptx: connect %s %s: %s\n", host, port, strerror(errno));
		exit(2);
	}
	freeaddrinfo(res);
	return fd;
}

/* UDP: one datagram per file, wait for one response to each. @return requests unanswered. */
static int run_udp(int fd, char **files, int n, double timeout)
{
	static char buf[MSG_MAX + 1];
	int missed = 0;

	for (int i = 0; i < n; i++) {
		size_t len;
		char *msg = read_file(files[i], &len);
		double deadline = now_s() + timeout;
		bool got = false;

		if (send(fd, msg, len, 0) < 0) {
			fprintf(stderr, "siptx: send %s: %s\n", files[i], strerror(errno));
		}
		free(msg);
		while (!got) {
			struct pollfd pfd = {fd, POLLIN, 0};
			int r = poll(&pfd, 1, left_ms(deadline));
			ssize_t k;

			if (r <= 0) {
				break;
			}
			k = recv(fd, buf, sizeof(buf), 0);
			if (k < 0) {
				if (errno == EINTR || errno == ECONNREFUSED) {
					continue; /* ICMP from an earlier send: keep waiting */
				}
				break;
			}
			emit(buf, (size_t)k);
			got = true;
		}
		if (!got) {
			fprintf(stderr, "siptx: no response to %s\n", files[i]);
			missed++;
		}
	}
	return missed;
}

/* Length of the first complete message in [p, p + len) (head + Content-Length), 0 if none. */
static size_t frame(const char *p, size_t len)
{
	const char *end = NULL;
	size_t head = 0;
	size_t cl = 0;

	for (size_t i = 0; i + 1 < len; i++) {
		if (p[i] == '\n' && p[i + 1] == '\n') {
			head = i + 2;
			break;
		}
		if (p[i] == '\n' && i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n') {
			head = i + 3;
			break;
		}
	}
	if (head == 0) {
		return 0;
	}
	for (const char *l = p; l < p + head; l = end + 1) {
		end = memchr(l, '\n', (size_t)(p + head - l));
		if (end == NULL) {
			break;
		}
		if ((size_t)(end - l) > 15 && strncasecmp(l, "Content-Length:", 15) == 0) {
			cl = strtoul(l + 15, NULL, 10);
		} else if ((size_t)(end - l) > 2 && strncasecmp(l, "l:", 2) == 0) {
			cl = strtoul(l + 2, NULL, 10);
		}
	}
	return head + cl <= len ? head + cl : 0;
}

/* Read and print responses until `want` have come or the deadline passes. */
static int tcp_collect(int fd, char *buf, size_t *have, int want, double deadline)
{
	int got = 0;

	while (got < want) {
		size_t m;
		struct pollfd pfd = {fd, POLLIN, 0};
		ssize_t k;

		while (got < want && (m = frame(buf, *have)) > 0) {
			emit(buf, m);
			memmove(buf, buf + m, *have - m);
			*have -= m;
			got++;
		}
		if (got == want || poll(&pfd, 1, left_ms(deadline)) <= 0) {
			break;
		}
		k = recv(fd, buf + *have, 4 * MSG_MAX - *have, 0);
		if (k <= 0) {
			if (k < 0 && errno == EINTR) {
				continue;
			}
			break; /* closed by the server */
		}
		*have += (size_t)k;
	}
	return got;
}

static int run_tcp(int fd, char **files, int n, double timeout, bool pipeline)
{
	static char buf[4 * MSG_MAX];
	size_t have = 0;
	int answered = 0;

	for (int i = 0; i < n; i++) {
		size_t len;
		size_t off = 0;
		char *msg = read_file(files[i], &len);

		while (off < len) {
			ssize_t k = send(fd, msg + off, len - off, MSG_NOSIGNAL);

			if (k < 0) {
				if (errno == EINTR) {
					continue;
				}
				fprintf(stderr, "siptx: send %s: %s\n", files[i], strerror(errno));
				break;
			}
			off += (size_t)k;
		}
		free(msg);
		if (!pipeline) {
			if (tcp_collect(fd, buf, &have, 1, now_s() + timeout) == 1) {
				answered++;
			} else {
				fprintf(stderr, "siptx: no response to %s\n", files[i]);
			}
		}
	}
	if (pipeline) {
		answered = tcp_collect(fd, buf, &have, n, now_s() + timeout);
	}
	if (answered < n && pipeline) {
		fprintf(stderr, "siptx: %d of %d requests unanswered\n", n - answered, n);
	}
	return n - answered;
}

int main(int argc, char **argv)
{
	double timeout = 3;
	bool pipeline = false;
	bool tcp = false;
	int fd;
	int missed;
	int c;

	while ((c = getopt(argc, argv, "t:o:p")) != -1) {
		switch (c) {
		case 't':
			timeout = strtod(optarg, NULL);
			if (timeout <= 0) {
				usage();
			}
			break;
		case 'o':
			out_prefix = optarg;
			break;
		case 'p':
			pipeline = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 4) {
		usage();
	}
	if (strcmp(argv[optind], "udp") == 0) {
		tcp = false;
	} else if (strcmp(argv[optind], "tcp") == 0) {
		tcp = true;
	} else {
		usage();
	}
	fd = connect_to(argv[optind + 1], argv[optind + 2], tcp ? SOCK_STREAM : SOCK_DGRAM);
	if (tcp) {
		missed = run_tcp(fd, argv + optind + 3, argc - optind - 3, timeout, pipeline);
	} else {
		missed = run_udp(fd, argv + optind + 3, argc - optind - 3, timeout);
	}
	close(fd);
	return missed == 0 ? 0 : 1;
}
