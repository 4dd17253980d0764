/* config — the configuration keys shared by the CLI long options and the daemon's file. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <danecid/danecid.h>

#include "enumname.h"
#include "util.h"

#define LINE_MAX_LEN 4096

void danecid_config_init(struct danecid_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->methods[0] = DANECID_METHODS_DANE;
	cfg->assume_global = true;
	cfg->min_prefix = 1;
	cfg->freshness = 60;
	cfg->future_skew = 5;
	cfg->timeout_ms = 1500;
	cfg->deadline_ms = 1500;
	cfg->workers = 8;
	cfg->log_level = 6;
	cfg->x5u_timeout_ms = 1000;
	cfg->x5u_max_bytes = 65536;
	cfg->x5u_cache_ttl = 3600;
	cfg->x5u_cache_max_ttl = 86400;
	cfg->x5u_negative_ttl = 30;
	cfg->x5u_cache_entries = 1024;
	cfg->dns_cache_entries = 1048576;
	cfg->dns_cache_max_ttl = 3600;
}

void danecid_config_clear(struct danecid_config *cfg)
{
	free(cfg->apex);
	free(cfg->trust_anchor);
	free(cfg->upstream);
	free(cfg->ca_file);
	free(cfg->ca_path);
	free(cfg->crl_file);
	free(cfg->x5u_tls_ca_file);
	free(cfg->spc_map);
	free(cfg->sip_listen);
	free(cfg->http_listen);
	danecid_config_init(cfg);
}

int danecid_config_copy(struct danecid_config *to, const struct danecid_config *from)
{
	char *const *src[] = {&from->apex,    &from->trust_anchor, &from->upstream,
	                      &from->ca_file, &from->crl_file,     &from->x5u_tls_ca_file,
	                      &from->spc_map, &from->sip_listen,   &from->http_listen,
	                      &from->ca_path};
	char **dst[] = {&to->apex,        &to->trust_anchor,    &to->upstream, &to->ca_file,
	                &to->crl_file,    &to->x5u_tls_ca_file, &to->spc_map,  &to->sip_listen,
	                &to->http_listen, &to->ca_path};

	*to = *from;
	for (size_t i = 0; i < sizeof(dst) / sizeof(dst[0]); i++) {
		*dst[i] = NULL;
	}
	for (size_t i = 0; i < sizeof(dst) / sizeof(dst[0]); i++) {
		if (*src[i] != NULL && (*dst[i] = strdup(*src[i])) == NULL) {
			danecid_config_clear(to);
			return DANECID_ERR_NOMEM;
		}
	}
	return DANECID_OK;
}

static int set_str(char **slot, const char *value)
{
	char *s = strdup(value);

	if (s == NULL) {
		return DANECID_ERR_NOMEM;
	}
	free(*slot);
	*slot = s;
	return DANECID_OK;
}

static int parse_bool(const char *v, bool *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strcasecmp(v, "on") == 0) {
		*out = true;
		return DANECID_OK;
	}
	if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0 ||
	    strcasecmp(v, "off") == 0) {
		*out = false;
		return DANECID_OK;
	}
	return DANECID_ERR_CONFIG;
}

static int parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	char *end = NULL;
	unsigned long n;

	if (!isdigit((unsigned char)v[0])) {
		return DANECID_ERR_CONFIG;
	}
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max) {
		return DANECID_ERR_CONFIG;
	}
	*out = (unsigned)n;
	return DANECID_OK;
}

static int parse_level(const char *v, int *out)
{
	static const char *const names[] = {"err", "warning", "notice", "info", "debug"};

	for (int i = 0; i < 5; i++) {
		if (strcasecmp(v, names[i]) == 0) {
			*out = 3 + i;
			return DANECID_OK;
		}
	}
	return DANECID_ERR_CONFIG;
}

static int parse_methods(const char *v, char *methods, size_t cap)
{
	size_t n = 0;
	const char *p = v;

	memset(methods, 0, cap);
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		char m;

		while (len > 0 && p[0] == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ') {
			len--;
		}
		if (len == 4 && strncasecmp(p, "dane", 4) == 0) {
			m = DANECID_METHODS_DANE;
		} else if (len == 4 && strncasecmp(p, "x509", 4) == 0) {
			m = DANECID_METHODS_X509;
		} else {
			return DANECID_ERR_CONFIG;
		}
		for (size_t i = 0; i < n; i++) {
			if (methods[i] == m) {
				return DANECID_ERR_CONFIG;
			}
		}
		if (n + 1 >= cap) {
			return DANECID_ERR_CONFIG;
		}
		methods[n++] = m;
		p += strcspn(p, ",");
		if (*p == ',') {
			p++;
			if (*p == '\0') {
				return DANECID_ERR_CONFIG; /* "dane," */
			}
		}
	}
	return n > 0 ? DANECID_OK : DANECID_ERR_CONFIG;
}

int danecid_config_set(struct danecid_config *cfg, const char *key, const char *value, char *errbuf,
                       size_t errlen)
{
	int r = DANECID_ERR_CONFIG;

	if (key == NULL || value == NULL) {
		danecid_errf(errbuf, errlen, "missing key or value");
		return DANECID_ERR_CONFIG;
	}
	if (strcmp(key, "apex") == 0) {
		char apex[DANECID_ENUM_NAME_MAX];

		r = danecid_apex_normalize(value, strlen(value), apex, sizeof(apex));
		if (r == DANECID_OK) {
			r = set_str(&cfg->apex, apex);
		}
	} else if (strcmp(key, "trust-anchor") == 0) {
		r = set_str(&cfg->trust_anchor, value);
	} else if (strcmp(key, "upstream") == 0) {
		r = set_str(&cfg->upstream, value);
	} else if (strcmp(key, "ca-file") == 0) {
		r = set_str(&cfg->ca_file, value);
	} else if (strcmp(key, "ca-path") == 0) {
		r = set_str(&cfg->ca_path, value);
	} else if (strcmp(key, "crl-file") == 0) {
		r = set_str(&cfg->crl_file, value);
	} else if (strcmp(key, "x5u-tls-ca-file") == 0) {
		r = set_str(&cfg->x5u_tls_ca_file, value);
	} else if (strcmp(key, "spc-map") == 0) {
		r = set_str(&cfg->spc_map, value);
	} else if (strcmp(key, "sip-listen") == 0) {
		r = set_str(&cfg->sip_listen, value);
	} else if (strcmp(key, "http-listen") == 0) {
		r = set_str(&cfg->http_listen, value);
	} else if (strcmp(key, "methods") == 0) {
		char m[sizeof(cfg->methods)];

		r = parse_methods(value, m, sizeof(m));
		if (r == DANECID_OK) {
			memcpy(cfg->methods, m, sizeof(m));
		}
	} else if (strcmp(key, "x5u-allow-private") == 0) {
		r = parse_bool(value, &cfg->x5u_allow_private);
	} else if (strcmp(key, "x5u-timeout") == 0) {
		r = parse_uint(value, 10, 60000, &cfg->x5u_timeout_ms);
	} else if (strcmp(key, "x5u-max-bytes") == 0) {
		r = parse_uint(value, 1024, 1048576, &cfg->x5u_max_bytes);
	} else if (strcmp(key, "x5u-cache-ttl") == 0) {
		r = parse_uint(value, 0, 604800, &cfg->x5u_cache_ttl);
	} else if (strcmp(key, "x5u-cache-max-ttl") == 0) {
		r = parse_uint(value, 0, 604800, &cfg->x5u_cache_max_ttl);
	} else if (strcmp(key, "x5u-negative-ttl") == 0) {
		r = parse_uint(value, 0, 3600, &cfg->x5u_negative_ttl);
	} else if (strcmp(key, "x5u-cache-entries") == 0) {
		r = parse_uint(value, 1, 1048576, &cfg->x5u_cache_entries);
	} else if (strcmp(key, "dns-cache-entries") == 0) {
		r = parse_uint(value, 0, 16777216, &cfg->dns_cache_entries);
	} else if (strcmp(key, "dns-cache-max-ttl") == 0) {
		r = parse_uint(value, 0, 86400, &cfg->dns_cache_max_ttl);
	} else if (strcmp(key, "reject-on-fail") == 0) {
		r = parse_bool(value, &cfg->reject_on_fail);
	} else if (strcmp(key, "assume-global") == 0) {
		r = parse_bool(value, &cfg->assume_global);
	} else if (strcmp(key, "min-prefix") == 0) {
		r = parse_uint(value, 1, DANECID_TN_MAX, &cfg->min_prefix);
	} else if (strcmp(key, "freshness") == 0) {
		r = parse_uint(value, 1, 86400, &cfg->freshness);
	} else if (strcmp(key, "future-skew") == 0) {
		r = parse_uint(value, 0, 3600, &cfg->future_skew);
	} else if (strcmp(key, "timeout") == 0) {
		r = parse_uint(value, 10, 60000, &cfg->timeout_ms);
	} else if (strcmp(key, "deadline") == 0) {
		r = parse_uint(value, 10, 60000, &cfg->deadline_ms);
	} else if (strcmp(key, "workers") == 0) {
		r = parse_uint(value, 1, 256, &cfg->workers);
	} else if (strcmp(key, "log-level") == 0) {
		r = parse_level(value, &cfg->log_level);
	} else {
		danecid_errf(errbuf, errlen, "unknown configuration key \"%s\"", key);
		return DANECID_ERR_CONFIG;
	}
	if (r == DANECID_ERR_NOMEM) {
		danecid_errf(errbuf, errlen, "out of memory");
		return r;
	}
	if (r != DANECID_OK) {
		danecid_errf(errbuf, errlen, "bad value \"%s\" for %s", value, key);
		return DANECID_ERR_CONFIG;
	}
	return DANECID_OK;
}

int danecid_config_load(struct danecid_config *cfg, const char *path, char *errbuf, size_t errlen)
{
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	char msg[512];
	unsigned lineno = 0;
	int r = DANECID_ERR_INTERNAL;

	f = fopen(path, "r");
	if (f == NULL) {
		danecid_errf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return DANECID_ERR_IO;
	}
	while ((got = getline(&line, &cap, f)) != -1) {
		char *key, *val, *colon, *end;

		lineno++;
		if (got > LINE_MAX_LEN) {
			danecid_errf(errbuf, errlen, "%s:%u: line too long", path, lineno);
			r = DANECID_ERR_CONFIG;
			goto out;
		}
		if (strlen(line) != (size_t)got) {
			danecid_errf(errbuf, errlen, "%s:%u: NUL byte in the line", path, lineno);
			r = DANECID_ERR_CONFIG;
			goto out;
		}
		key = line;
		while (*key == ' ' || *key == '\t') {
			key++;
		}
		if (*key == '#' || *key == '\n' || *key == '\r' || *key == '\0') {
			continue;
		}
		colon = strchr(key, ':');
		if (colon == NULL) {
			danecid_errf(errbuf, errlen, "%s:%u: expected \"key: value\"", path,
			             lineno);
			r = DANECID_ERR_CONFIG;
			goto out;
		}
		end = colon;
		while (end > key && (end[-1] == ' ' || end[-1] == '\t')) {
			end--;
		}
		*end = '\0';
		val = colon + 1;
		while (*val == ' ' || *val == '\t') {
			val++;
		}
		if (*val == '"') {
			/* A quoted value: everything up to the closing quote, '#' included. */
			char *close = strchr(val + 1, '"');
			char *rest;

			if (close == NULL) {
				danecid_errf(errbuf, errlen, "%s:%u: unterminated quote", path,
				             lineno);
				r = DANECID_ERR_CONFIG;
				goto out;
			}
			*close = '\0';
			rest = close + 1;
			rest += strspn(rest, " \t\r\n");
			if (*rest != '\0' && *rest != '#') {
				danecid_errf(errbuf, errlen, "%s:%u: text after the closing quote",
				             path, lineno);
				r = DANECID_ERR_CONFIG;
				goto out;
			}
			val++;
		} else {
			/* A '#' after white space starts a comment. */
			for (char *c = val; *c != '\0'; c++) {
				if (*c == '#' && (c == val || c[-1] == ' ' || c[-1] == '\t')) {
					*c = '\0';
					break;
				}
			}
			end = val + strlen(val);
			while (end > val && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' ||
			                     end[-1] == '\t')) {
				end--;
			}
			*end = '\0';
		}
		r = danecid_config_set(cfg, key, val, msg, sizeof(msg));
		if (r != DANECID_OK) {
			danecid_errf(errbuf, errlen, "%s:%u: %s", path, lineno, msg);
			goto out;
		}
	}
	if (ferror(f)) {
		danecid_errf(errbuf, errlen, "%s: read error", path);
		r = DANECID_ERR_IO;
		goto out;
	}
	r = DANECID_OK;
out:
	free(line);
	fclose(f);
	return r;
}
