/* util — small helpers shared by the library files. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <danecid/error.h>

#include "util.h"

void danecid_errf(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0) {
		return;
	}
	va_start(ap, fmt);
	if (vsnprintf(errbuf, errlen, fmt, ap) < 0) {
		errbuf[0] = '\0'; /* an encoding error may leave the buffer unterminated */
	}
	va_end(ap);
}

int danecid_addr_parse(const char *s, int default_port, struct sockaddr_storage *ss,
                       socklen_t *sslen)
{
	const char *at = s != NULL ? strrchr(s, '@') : NULL;
	size_t hlen = at != NULL ? (size_t)(at - s) : (s != NULL ? strlen(s) : 0);
	char host[INET6_ADDRSTRLEN + 2];
	const char *h = host;
	long port = default_port;

	memset(ss, 0, sizeof(*ss));
	if (s == NULL || hlen == 0 || hlen >= sizeof(host)) {
		return DANECID_ERR_CONFIG;
	}
	if (at != NULL) {
		char *end = NULL;

		if (at[1] < '0' || at[1] > '9') {
			return DANECID_ERR_CONFIG;
		}
		errno = 0;
		port = strtol(at + 1, &end, 10);
		if (errno != 0 || *end != '\0' || port > 65535) {
			return DANECID_ERR_CONFIG;
		}
	}
	if (port < 0) {
		return DANECID_ERR_CONFIG; /* required and absent */
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		h = host + 1;
	}
	if (inet_pton(AF_INET, h, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*sslen = sizeof(struct sockaddr_in);
		return DANECID_OK;
	}
	if (inet_pton(AF_INET6, h, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(struct sockaddr_in6);
		return DANECID_OK;
	}
	return DANECID_ERR_CONFIG;
}

int danecid_hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

int danecid_b64_value(unsigned char c, bool url)
{
	if (c >= 'A' && c <= 'Z') {
		return c - 'A';
	}
	if (c >= 'a' && c <= 'z') {
		return c - 'a' + 26;
	}
	if (c >= '0' && c <= '9') {
		return c - '0' + 52;
	}
	if (c == (url ? '-' : '+')) {
		return 62;
	}
	if (c == (url ? '_' : '/')) {
		return 63;
	}
	return -1;
}

void danecid_quote(const char *s, size_t len, char buf[DANECID_QUOTE_SIZE])
{
	size_t i, n = len < DANECID_QUOTE_MAX ? len : DANECID_QUOTE_MAX;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
	}
	if (len > n) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
}
