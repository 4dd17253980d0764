/* fuzz_config — a configuration file (danecid.conf(5): "key: value" lines) read with
 * danecid_config_load(), as danecidd and "danecid verify --config" read it.
 *
 * The input is written to a memory file (memfd, never on disk) that is loaded through
 * /proc/self/fd. A file that loads gives a configuration within the documented bounds: a
 * normalized apex that normalizes to itself, methods a non-empty list without repeats, every
 * number inside its range; its spc-map, upstream and listen addresses are then read as the
 * context and the daemon read them (a clean error or a value), and it survives
 * danecid_config_copy(). A file that does not load says why, and leaves nothing allocated
 * once cleared.
 */
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <danecid/danecid.h>

#include "enumname.h"
#include "fuzz.h"
#include "tnauth.h"
#include "util.h"

static bool str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void check_loaded(const struct danecid_config *cfg)
{
	struct danecid_config copy;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct danecid_spc_map map;
	char err[256];
	size_t n = 0;

	if (cfg->apex != NULL) {
		char again[DANECID_ENUM_NAME_MAX];

		FUZZ_CHECK(danecid_apex_normalize(cfg->apex, strlen(cfg->apex), again,
		                                  sizeof(again)) == DANECID_OK);
		FUZZ_CHECK(strcmp(again, cfg->apex) == 0);
	}
	while (n < sizeof(cfg->methods) && cfg->methods[n] != 0) {
		FUZZ_CHECK(cfg->methods[n] == DANECID_METHODS_DANE ||
		           cfg->methods[n] == DANECID_METHODS_X509);
		for (size_t i = 0; i < n; i++) {
			FUZZ_CHECK(cfg->methods[i] != cfg->methods[n]);
		}
		n++;
	}
	FUZZ_CHECK(n >= 1 && n < sizeof(cfg->methods));
	FUZZ_CHECK(cfg->min_prefix >= 1 && cfg->min_prefix <= DANECID_TN_MAX);
	FUZZ_CHECK(cfg->freshness >= 1 && cfg->freshness <= 86400);
	FUZZ_CHECK(cfg->future_skew <= 3600);
	FUZZ_CHECK(cfg->timeout_ms >= 10 && cfg->timeout_ms <= 60000);
	FUZZ_CHECK(cfg->deadline_ms >= 10 && cfg->deadline_ms <= 60000);
	FUZZ_CHECK(cfg->workers >= 1 && cfg->workers <= 256);
	FUZZ_CHECK(cfg->log_level >= 3 && cfg->log_level <= 7);
	FUZZ_CHECK(cfg->x5u_timeout_ms >= 10 && cfg->x5u_timeout_ms <= 60000);
	FUZZ_CHECK(cfg->x5u_max_bytes >= 1024 && cfg->x5u_max_bytes <= 1048576);
	FUZZ_CHECK(cfg->x5u_cache_entries >= 1 && cfg->x5u_cache_entries <= 1048576);
	FUZZ_CHECK(cfg->dns_cache_entries <= 16777216 && cfg->dns_cache_max_ttl <= 86400);
	/* what the context and the daemon do with the strings */
	if (cfg->spc_map != NULL) {
		int r = danecid_spc_map_parse(cfg->spc_map, strlen(cfg->spc_map), &map, err,
		                              sizeof(err));

		FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_CONFIG);
		for (size_t i = 0; r == DANECID_OK && i < map.n; i++) {
			size_t pl = strlen(map.m[i].prefix);

			FUZZ_CHECK(pl >= 1 && pl <= DANECID_TN_MAX && map.m[i].spc[0] != '\0');
			FUZZ_CHECK(strspn(map.m[i].prefix, "0123456789") == pl);
		}
	}
	if (cfg->upstream != NULL) {
		sl = sizeof(ss);
		(void)danecid_addr_parse(cfg->upstream, 53, &ss, &sl);
	}
	if (cfg->sip_listen != NULL) {
		sl = sizeof(ss);
		(void)danecid_addr_parse(cfg->sip_listen, -1, &ss, &sl);
	}
	if (cfg->http_listen != NULL) {
		sl = sizeof(ss);
		(void)danecid_addr_parse(cfg->http_listen, -1, &ss, &sl);
	}
	FUZZ_CHECK(danecid_config_copy(&copy, cfg) == DANECID_OK);
	FUZZ_CHECK(str_eq(copy.apex, cfg->apex) && str_eq(copy.trust_anchor, cfg->trust_anchor) &&
	           str_eq(copy.upstream, cfg->upstream) && str_eq(copy.ca_file, cfg->ca_file) &&
	           str_eq(copy.ca_path, cfg->ca_path) && str_eq(copy.crl_file, cfg->crl_file) &&
	           str_eq(copy.x5u_tls_ca_file, cfg->x5u_tls_ca_file) &&
	           str_eq(copy.spc_map, cfg->spc_map) && str_eq(copy.sip_listen, cfg->sip_listen) &&
	           str_eq(copy.http_listen, cfg->http_listen));
	FUZZ_CHECK(memcmp(copy.methods, cfg->methods, sizeof(copy.methods)) == 0);
	danecid_config_clear(&copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct danecid_config cfg;
	char err[512];
	int r;

	if (fd < 0) {
		fd = memfd_create("danecid-fuzz.conf", MFD_CLOEXEC);
		FUZZ_CHECK(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	FUZZ_CHECK(ftruncate(fd, 0) == 0);
	FUZZ_CHECK(size == 0 || pwrite(fd, data, size, 0) == (ssize_t)size);
	danecid_config_init(&cfg);
	err[0] = '\0';
	r = danecid_config_load(&cfg, path, err, sizeof(err));
	if (r == DANECID_OK) {
		check_loaded(&cfg);
	} else {
		FUZZ_CHECK(r == DANECID_ERR_CONFIG);
		FUZZ_CHECK(err[0] != '\0' && strlen(err) < sizeof(err));
	}
	danecid_config_clear(&cfg);
	return 0;
}
