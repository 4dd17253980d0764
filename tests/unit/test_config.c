/* test_config — defaults, every SPEC §7 key accepted and rejected, and the "key: value" file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <danecid/danecid.h>

#define ERRLEN 512

/* A scratch directory for configuration files, made by the group setup. */
static char tmpdir[256];
static unsigned file_seq;

static int group_setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_config.XXXXXX",
	         base != NULL && base[0] != '\0' ? base : "/tmp");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

/* Write text to a new file in tmpdir; its name goes to path. */
static void write_file(const char *text, size_t len, char *path, size_t pathlen)
{
	FILE *f;

	snprintf(path, pathlen, "%s/conf%u", tmpdir, file_seq++);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Load text as a configuration file into cfg (already initialized); the file is removed. */
static int load_text(struct danecid_config *cfg, const char *text, char *path, size_t pathlen,
                     char *errbuf)
{
	int r;

	write_file(text, strlen(text), path, pathlen);
	errbuf[0] = '\0';
	r = danecid_config_load(cfg, path, errbuf, ERRLEN);
	assert_int_equal(unlink(path), 0);
	return r;
}

static void assert_defaults(const struct danecid_config *cfg)
{
	assert_null(cfg->apex);
	assert_null(cfg->trust_anchor);
	assert_null(cfg->upstream);
	assert_null(cfg->ca_file);
	assert_null(cfg->crl_file);
	assert_null(cfg->x5u_tls_ca_file);
	assert_null(cfg->spc_map);
	assert_null(cfg->sip_listen);
	assert_null(cfg->http_listen);
	assert_int_equal(cfg->methods[0], DANECID_METHODS_DANE);
	for (size_t i = 1; i < sizeof(cfg->methods); i++) {
		assert_int_equal(cfg->methods[i], 0);
	}
	assert_false(cfg->x5u_allow_private);
	assert_false(cfg->reject_on_fail);
	assert_true(cfg->assume_global);
	assert_int_equal(cfg->min_prefix, 1);
	assert_int_equal(cfg->freshness, 60);
	assert_int_equal(cfg->future_skew, 5);
	assert_int_equal(cfg->timeout_ms, 1500);
}

static void test_defaults(void **state)
{
	struct danecid_config cfg;

	(void)state;
	memset(&cfg, 0xa5, sizeof(cfg)); /* init must not depend on the previous contents */
	danecid_config_init(&cfg);
	assert_defaults(&cfg);
}

/* Every configuration key of SPEC §5 and §7 (and the walk/clock keys) is accepted. */
static void test_every_key_accepted(void **state)
{
	static const char *const keys[][2] = {
	    {"apex", "e164.test"},
	    {"trust-anchor", "/etc/danecid/e164.test.ds"},
	    {"upstream", "127.0.0.1@53530"},
	    {"methods", "dane,x509"},
	    {"ca-file", "/etc/danecid/sti-ca.pem"},
	    {"crl-file", "/etc/danecid/sti.crl"},
	    {"x5u-tls-ca-file", "/etc/ssl/certs/ca-certificates.crt"},
	    {"x5u-allow-private", "yes"},
	    {"spc-map", "1234=1202555,5678=1303"},
	    {"sip-listen", "127.0.0.1@5070"},
	    {"http-listen", "127.0.0.1@8080"},
	    {"reject-on-fail", "yes"},
	    {"assume-global", "no"},
	    {"min-prefix", "4"},
	    {"freshness", "30"},
	    {"future-skew", "2"},
	    {"timeout", "2500"},
	    {"ca-path", "/etc/danecid/sti-ca.d"},
	    {"x5u-timeout", "800"},
	    {"x5u-max-bytes", "32768"},
	    {"x5u-cache-ttl", "600"},
	    {"x5u-cache-max-ttl", "3600"},
	    {"x5u-negative-ttl", "10"},
	    {"x5u-cache-entries", "4096"},
	};
	struct danecid_config cfg;
	char err[ERRLEN];

	(void)state;
	danecid_config_init(&cfg);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		strcpy(err, "untouched");
		if (danecid_config_set(&cfg, keys[i][0], keys[i][1], err, sizeof(err)) !=
		    DANECID_OK) {
			fail_msg("key %s: value \"%s\" rejected: %s", keys[i][0], keys[i][1], err);
		}
		assert_string_equal(err, "untouched");
	}
	assert_string_equal(cfg.apex, "e164.test.");
	assert_string_equal(cfg.trust_anchor, "/etc/danecid/e164.test.ds");
	assert_string_equal(cfg.upstream, "127.0.0.1@53530");
	assert_int_equal(cfg.methods[0], DANECID_METHODS_DANE);
	assert_int_equal(cfg.methods[1], DANECID_METHODS_X509);
	assert_int_equal(cfg.methods[2], 0);
	assert_string_equal(cfg.ca_file, "/etc/danecid/sti-ca.pem");
	assert_string_equal(cfg.crl_file, "/etc/danecid/sti.crl");
	assert_string_equal(cfg.x5u_tls_ca_file, "/etc/ssl/certs/ca-certificates.crt");
	assert_true(cfg.x5u_allow_private);
	assert_string_equal(cfg.spc_map, "1234=1202555,5678=1303");
	assert_string_equal(cfg.sip_listen, "127.0.0.1@5070");
	assert_string_equal(cfg.http_listen, "127.0.0.1@8080");
	assert_true(cfg.reject_on_fail);
	assert_false(cfg.assume_global);
	assert_int_equal(cfg.min_prefix, 4);
	assert_int_equal(cfg.freshness, 30);
	assert_int_equal(cfg.future_skew, 2);
	assert_int_equal(cfg.timeout_ms, 2500);
	danecid_config_clear(&cfg);
}

static void test_apex(void **state)
{
	static const char *const good[] = {"e164.test.", "e164.test", "E164.Test", "E164.TEST."};
	static const char *const bad[] = {"",          ".",           "e164..test",  ".e164.test",
	                                  "e164 test", "e164.test..", "*.e164.test", "e164.test/"};
	struct danecid_config cfg;
	char err[ERRLEN];
	char want[ERRLEN];

	(void)state;
	danecid_config_init(&cfg);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(danecid_config_set(&cfg, "apex", good[i], err, sizeof(err)),
		                 DANECID_OK);
		assert_string_equal(cfg.apex, "e164.test.");
	}
	assert_int_equal(danecid_config_set(&cfg, "apex", "other.test", err, sizeof(err)),
	                 DANECID_OK);
	assert_string_equal(cfg.apex, "other.test.");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(danecid_config_set(&cfg, "apex", bad[i], err, sizeof(err)),
		                 DANECID_ERR_CONFIG);
		snprintf(want, sizeof(want), "bad value \"%s\" for apex", bad[i]);
		assert_string_equal(err, want);
		/* a rejected value leaves the previous one in place */
		assert_string_equal(cfg.apex, "other.test.");
	}
	danecid_config_clear(&cfg);
}

/* String keys keep the value byte for byte; setting one again replaces it (no leak). */
static void test_string_keys(void **state)
{
	struct danecid_config cfg;
	char err[ERRLEN];
	struct {
		const char *key;
		char **slot;
	} rows[] = {
	    {"trust-anchor", &cfg.trust_anchor}, {"upstream", &cfg.upstream},
	    {"ca-file", &cfg.ca_file},           {"crl-file", &cfg.crl_file},
	    {"ca-path", &cfg.ca_path},           {"x5u-tls-ca-file", &cfg.x5u_tls_ca_file},
	    {"spc-map", &cfg.spc_map},           {"sip-listen", &cfg.sip_listen},
	    {"http-listen", &cfg.http_listen},
	};

	(void)state;
	danecid_config_init(&cfg);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(
		    danecid_config_set(&cfg, rows[i].key, "first value", err, sizeof(err)),
		    DANECID_OK);
		assert_string_equal(*rows[i].slot, "first value");
		assert_int_equal(danecid_config_set(&cfg, rows[i].key, "/path with spaces/x#y", err,
		                                    sizeof(err)),
		                 DANECID_OK);
		assert_string_equal(*rows[i].slot, "/path with spaces/x#y");
	}
	assert_int_equal(danecid_config_set(&cfg, "upstream", "::1@53530", err, sizeof(err)),
	                 DANECID_OK);
	assert_string_equal(cfg.upstream, "::1@53530");
	danecid_config_clear(&cfg);
}

struct methods_row {
	const char *in;
	int err;
	char want[4];
};

/* A copy owns its strings: clearing the original leaves it whole. */
static void test_copy(void **state)
{
	struct danecid_config a, b;
	char err[ERRLEN];

	(void)state;
	danecid_config_init(&a);
	assert_int_equal(danecid_config_set(&a, "apex", "e164.test", err, sizeof(err)), DANECID_OK);
	assert_int_equal(danecid_config_set(&a, "http-listen", "127.0.0.1@8081", err, sizeof(err)),
	                 DANECID_OK);
	assert_int_equal(danecid_config_set(&a, "freshness", "30", err, sizeof(err)), DANECID_OK);
	assert_int_equal(danecid_config_copy(&b, &a), DANECID_OK);
	assert_ptr_not_equal(a.apex, b.apex);
	danecid_config_clear(&a);
	assert_string_equal(b.apex, "e164.test.");
	assert_string_equal(b.http_listen, "127.0.0.1@8081");
	assert_null(b.upstream);
	assert_int_equal(b.freshness, 30);
	danecid_config_clear(&b);
}

/* A rejected methods value leaves the previous one in place, as every other key does. */
static void test_methods_rejected_keeps_old(void **state)
{
	struct danecid_config cfg;
	char err[ERRLEN];

	(void)state;
	danecid_config_init(&cfg);
	assert_int_equal(danecid_config_set(&cfg, "methods", "dane,x509", err, sizeof(err)),
	                 DANECID_OK);
	assert_int_equal(danecid_config_set(&cfg, "methods", "bogus", err, sizeof(err)),
	                 DANECID_ERR_CONFIG);
	assert_int_equal(cfg.methods[0], DANECID_METHODS_DANE);
	assert_int_equal(cfg.methods[1], DANECID_METHODS_X509);
	assert_int_equal(cfg.methods[2], 0);
	assert_int_equal(danecid_config_set(&cfg, "methods", "x509,x509", err, sizeof(err)),
	                 DANECID_ERR_CONFIG);
	assert_int_equal(cfg.methods[0], DANECID_METHODS_DANE);
	assert_int_equal(cfg.methods[1], DANECID_METHODS_X509);
	danecid_config_clear(&cfg);
}

static void test_methods(void **state)
{
	static const struct methods_row rows[] = {
	    {"dane", DANECID_OK, {DANECID_METHODS_DANE, 0}},
	    {"x509", DANECID_OK, {DANECID_METHODS_X509, 0}},
	    {"dane,x509", DANECID_OK, {DANECID_METHODS_DANE, DANECID_METHODS_X509, 0}},
	    {"x509,dane", DANECID_OK, {DANECID_METHODS_X509, DANECID_METHODS_DANE, 0}},
	    {"dane, x509", DANECID_OK, {DANECID_METHODS_DANE, DANECID_METHODS_X509, 0}},
	    {"dane,dane", DANECID_ERR_CONFIG, {0}},
	    {"x509,x509", DANECID_ERR_CONFIG, {0}},
	    {"dane,x509,dane", DANECID_ERR_CONFIG, {0}},
	    {"", DANECID_ERR_CONFIG, {0}},
	    {",", DANECID_ERR_CONFIG, {0}},
	    {",dane", DANECID_ERR_CONFIG, {0}},
	    {"dane,,x509", DANECID_ERR_CONFIG, {0}},
	    {"dane;x509", DANECID_ERR_CONFIG, {0}},
	    {"dane x509", DANECID_ERR_CONFIG, {0}},
	    {"danex509", DANECID_ERR_CONFIG, {0}},
	    {"dan", DANECID_ERR_CONFIG, {0}},
	    {"x.509", DANECID_ERR_CONFIG, {0}},
	    {"none", DANECID_ERR_CONFIG, {0}},
	    {"dane,", DANECID_ERR_CONFIG, {0}},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct danecid_config cfg;
		char err[ERRLEN];
		char want[ERRLEN];
		int r;

		danecid_config_init(&cfg);
		err[0] = '\0';
		r = danecid_config_set(&cfg, "methods", rows[i].in, err, sizeof(err));
		if (r != rows[i].err) {
			fail_msg("methods \"%s\": got %d, want %d (%s)", rows[i].in, r, rows[i].err,
			         err);
		}
		if (r == DANECID_OK) {
			for (size_t k = 0; k < sizeof(cfg.methods); k++) {
				char w = k < sizeof(rows[i].want) ? rows[i].want[k] : 0;

				assert_int_equal(cfg.methods[k], w);
			}
		} else {
			snprintf(want, sizeof(want), "bad value \"%s\" for methods", rows[i].in);
			assert_string_equal(err, want);
		}
		danecid_config_clear(&cfg);
	}
}

static void test_bools(void **state)
{
	static const char *const keys[] = {"x5u-allow-private", "reject-on-fail", "assume-global"};
	static const char *const bad[] = {"",  "maybe",      "yess", "y",  "n",
	                                  "2", "yes please", " yes", "no "};
	struct danecid_config cfg;
	char err[ERRLEN];
	char want[ERRLEN];

	(void)state;
	danecid_config_init(&cfg);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		bool *slot = k == 0   ? &cfg.x5u_allow_private
		             : k == 1 ? &cfg.reject_on_fail
		                      : &cfg.assume_global;

		assert_int_equal(danecid_config_set(&cfg, keys[k], "yes", err, sizeof(err)),
		                 DANECID_OK);
		assert_true(*slot);
		assert_int_equal(danecid_config_set(&cfg, keys[k], "no", err, sizeof(err)),
		                 DANECID_OK);
		assert_false(*slot);
		assert_int_equal(danecid_config_set(&cfg, keys[k], "true", err, sizeof(err)),
		                 DANECID_OK);
		assert_true(*slot);
		assert_int_equal(danecid_config_set(&cfg, keys[k], "false", err, sizeof(err)),
		                 DANECID_OK);
		assert_false(*slot);
		assert_int_equal(danecid_config_set(&cfg, keys[k], "YES", err, sizeof(err)),
		                 DANECID_OK);
		assert_true(*slot);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			err[0] = '\0';
			assert_int_equal(
			    danecid_config_set(&cfg, keys[k], bad[i], err, sizeof(err)),
			    DANECID_ERR_CONFIG);
			snprintf(want, sizeof(want), "bad value \"%s\" for %s", bad[i], keys[k]);
			assert_string_equal(err, want);
			assert_true(*slot); /* unchanged */
		}
	}
	danecid_config_clear(&cfg);
}

struct number_row {
	const char *key;
	const char *in;
	int err;
	unsigned want;
};

static unsigned *number_slot(struct danecid_config *cfg, const char *key)
{
	if (strcmp(key, "min-prefix") == 0) {
		return &cfg->min_prefix;
	}
	if (strcmp(key, "freshness") == 0) {
		return &cfg->freshness;
	}
	if (strcmp(key, "future-skew") == 0) {
		return &cfg->future_skew;
	}
	if (strcmp(key, "x5u-timeout") == 0) {
		return &cfg->x5u_timeout_ms;
	}
	if (strcmp(key, "x5u-max-bytes") == 0) {
		return &cfg->x5u_max_bytes;
	}
	if (strcmp(key, "x5u-cache-ttl") == 0) {
		return &cfg->x5u_cache_ttl;
	}
	if (strcmp(key, "x5u-cache-max-ttl") == 0) {
		return &cfg->x5u_cache_max_ttl;
	}
	if (strcmp(key, "x5u-negative-ttl") == 0) {
		return &cfg->x5u_negative_ttl;
	}
	if (strcmp(key, "x5u-cache-entries") == 0) {
		return &cfg->x5u_cache_entries;
	}
	assert_string_equal(key, "timeout");
	return &cfg->timeout_ms;
}

static void test_numbers(void **state)
{
	static const struct number_row rows[] = {
	    {"min-prefix", "1", DANECID_OK, 1},
	    {"min-prefix", "15", DANECID_OK, 15},
	    {"min-prefix", "0", DANECID_ERR_CONFIG, 0},
	    {"min-prefix", "16", DANECID_ERR_CONFIG, 0},
	    {"freshness", "1", DANECID_OK, 1},
	    {"freshness", "60", DANECID_OK, 60},
	    {"freshness", "86400", DANECID_OK, 86400},
	    {"freshness", "0", DANECID_ERR_CONFIG, 0},
	    {"freshness", "86401", DANECID_ERR_CONFIG, 0},
	    {"future-skew", "0", DANECID_OK, 0},
	    {"future-skew", "3600", DANECID_OK, 3600},
	    {"future-skew", "3601", DANECID_ERR_CONFIG, 0},
	    {"timeout", "10", DANECID_OK, 10},
	    {"timeout", "60000", DANECID_OK, 60000},
	    {"timeout", "9", DANECID_ERR_CONFIG, 0},
	    {"timeout", "60001", DANECID_ERR_CONFIG, 0},
	    {"x5u-timeout", "10", DANECID_OK, 10},
	    {"x5u-timeout", "60000", DANECID_OK, 60000},
	    {"x5u-timeout", "9", DANECID_ERR_CONFIG, 0},
	    {"x5u-max-bytes", "1024", DANECID_OK, 1024},
	    {"x5u-max-bytes", "1048576", DANECID_OK, 1048576},
	    {"x5u-max-bytes", "1023", DANECID_ERR_CONFIG, 0},
	    {"x5u-max-bytes", "1048577", DANECID_ERR_CONFIG, 0},
	    {"x5u-cache-ttl", "0", DANECID_OK, 0},
	    {"x5u-cache-ttl", "604800", DANECID_OK, 604800},
	    {"x5u-cache-ttl", "604801", DANECID_ERR_CONFIG, 0},
	    {"x5u-cache-max-ttl", "0", DANECID_OK, 0},
	    {"x5u-cache-max-ttl", "604801", DANECID_ERR_CONFIG, 0},
	    {"x5u-negative-ttl", "0", DANECID_OK, 0},
	    {"x5u-negative-ttl", "3600", DANECID_OK, 3600},
	    {"x5u-negative-ttl", "3601", DANECID_ERR_CONFIG, 0},
	    {"x5u-cache-entries", "1", DANECID_OK, 1},
	    {"x5u-cache-entries", "0", DANECID_ERR_CONFIG, 0},
	    {"x5u-cache-entries", "1048577", DANECID_ERR_CONFIG, 0},
	    /* not a plain decimal number */
	    {"freshness", "-1", DANECID_ERR_CONFIG, 0},
	    {"freshness", "-0", DANECID_ERR_CONFIG, 0},
	    {"future-skew", "-5", DANECID_ERR_CONFIG, 0},
	    {"timeout", "-1500", DANECID_ERR_CONFIG, 0},
	    {"min-prefix", "-1", DANECID_ERR_CONFIG, 0},
	    {"freshness", "+30", DANECID_ERR_CONFIG, 0},
	    {"freshness", "", DANECID_ERR_CONFIG, 0},
	    {"freshness", "abc", DANECID_ERR_CONFIG, 0},
	    {"freshness", "30s", DANECID_ERR_CONFIG, 0},
	    {"freshness", "30 ", DANECID_ERR_CONFIG, 0},
	    {"freshness", " 30", DANECID_ERR_CONFIG, 0},
	    {"freshness", "3 0", DANECID_ERR_CONFIG, 0},
	    {"freshness", "0x1e", DANECID_ERR_CONFIG, 0},
	    {"freshness", "1e3", DANECID_ERR_CONFIG, 0},
	    {"freshness", "30.5", DANECID_ERR_CONFIG, 0},
	    {"freshness", "4294967356", DANECID_ERR_CONFIG, 0},           /* 2^32 + 60 */
	    {"freshness", "18446744073709551676", DANECID_ERR_CONFIG, 0}, /* 2^64 + 60 */
	    {"timeout", "99999999999999999999999999", DANECID_ERR_CONFIG, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct danecid_config cfg;
		char err[ERRLEN];
		char want[ERRLEN];
		unsigned before;
		int r;

		danecid_config_init(&cfg);
		before = *number_slot(&cfg, rows[i].key);
		err[0] = '\0';
		r = danecid_config_set(&cfg, rows[i].key, rows[i].in, err, sizeof(err));
		if (r != rows[i].err) {
			fail_msg("%s \"%s\": got %d, want %d (%s)", rows[i].key, rows[i].in, r,
			         rows[i].err, err);
		}
		if (r == DANECID_OK) {
			assert_int_equal(*number_slot(&cfg, rows[i].key), rows[i].want);
		} else {
			snprintf(want, sizeof(want), "bad value \"%s\" for %s", rows[i].in,
			         rows[i].key);
			assert_string_equal(err, want);
			assert_int_equal(*number_slot(&cfg, rows[i].key), before);
		}
		danecid_config_clear(&cfg);
	}
}

static void test_unknown_key(void **state)
{
	static const char *const keys[] = {"colour",       "Apex", "APEX", "apex:", " apex",
	                                   "trust_anchor", "",     "now",  "key"};
	struct danecid_config cfg;
	char err[ERRLEN];
	char want[ERRLEN];

	(void)state;
	danecid_config_init(&cfg);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		err[0] = '\0';
		assert_int_equal(danecid_config_set(&cfg, keys[i], "e164.test", err, sizeof(err)),
		                 DANECID_ERR_CONFIG);
		snprintf(want, sizeof(want), "unknown configuration key \"%s\"", keys[i]);
		assert_string_equal(err, want);
	}
	assert_defaults(&cfg);
	err[0] = '\0';
	assert_int_equal(danecid_config_set(&cfg, NULL, "x", err, sizeof(err)), DANECID_ERR_CONFIG);
	assert_string_equal(err, "missing key or value");
	err[0] = '\0';
	assert_int_equal(danecid_config_set(&cfg, "apex", NULL, err, sizeof(err)),
	                 DANECID_ERR_CONFIG);
	assert_string_equal(err, "missing key or value");
	/* no error buffer, or a short one: still an error, never an overflow */
	assert_int_equal(danecid_config_set(&cfg, "colour", "red", NULL, 0), DANECID_ERR_CONFIG);
	memset(err, 'Z', sizeof(err));
	assert_int_equal(danecid_config_set(&cfg, "colour", "red", err, 8), DANECID_ERR_CONFIG);
	assert_string_equal(err, "unknown");
	assert_int_equal(err[8], 'Z');
	assert_defaults(&cfg);
}

static void test_clear(void **state)
{
	static const char *const keys[][2] = {
	    {"apex", "e164.test"},    {"trust-anchor", "/a"},       {"upstream", "::1"},
	    {"ca-file", "/b"},        {"crl-file", "/c"},           {"x5u-tls-ca-file", "/d"},
	    {"spc-map", "1=2"},       {"sip-listen", "[::1]@5070"}, {"http-listen", "[::1]@8080"},
	    {"methods", "x509,dane"}, {"x5u-allow-private", "yes"}, {"reject-on-fail", "yes"},
	    {"assume-global", "no"},  {"min-prefix", "3"},          {"freshness", "10"},
	    {"future-skew", "0"},     {"timeout", "100"},
	};
	struct danecid_config cfg;
	char err[ERRLEN];

	(void)state;
	danecid_config_init(&cfg);
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			assert_int_equal(
			    danecid_config_set(&cfg, keys[i][0], keys[i][1], err, sizeof(err)),
			    DANECID_OK);
		}
		assert_non_null(cfg.http_listen);
		assert_int_equal(cfg.methods[0], DANECID_METHODS_X509);
		/* every string freed (LeakSanitizer / valgrind check it) and defaults back */
		danecid_config_clear(&cfg);
		assert_defaults(&cfg);
	}
	/* clearing a cleared configuration is harmless */
	danecid_config_clear(&cfg);
	assert_defaults(&cfg);
}

static void test_load_full_file(void **state)
{
	static const char text[] =
	    "# danecidd configuration\n"
	    "\n"
	    "apex: E164.Test\n"
	    "   \t\n"
	    "  # an indented comment\n"
	    "\ttrust-anchor:\t/etc/danecid/ta.ds   \n"
	    "upstream   :   127.0.0.1@53530\n"
	    "methods: \"dane,x509\"\n"
	    "ca-file: \"/etc/danecid/sti ca.pem\"  # quoted: keeps the space\n"
	    "crl-file: \"/etc/danecid/#1 sti.crl\" # a quoted '#' is not a comment\n"
	    "spc-map: 1234=1202555\t# after a tab too\n"
	    "x5u-tls-ca-file: /etc/ssl/ca.pem # trailing comment\n"
	    "sip-listen: 127.0.0.1@5070#not-a-comment\n"
	    "http-listen: 127.0.0.1@8080\r\n"
	    "x5u-allow-private: true\n"
	    "reject-on-fail: yes\r\n"
	    "assume-global: no\n"
	    "min-prefix: 2\n"
	    "freshness: 120\n"
	    "freshness: 90\n"
	    "future-skew: 1\n"
	    "timeout: 800"; /* no final newline */
	struct danecid_config cfg;
	char path[512];
	char err[ERRLEN];

	(void)state;
	danecid_config_init(&cfg);
	assert_int_equal(load_text(&cfg, text, path, sizeof(path), err), DANECID_OK);
	assert_string_equal(err, "");
	assert_string_equal(cfg.apex, "e164.test.");
	assert_string_equal(cfg.trust_anchor, "/etc/danecid/ta.ds");
	assert_string_equal(cfg.upstream, "127.0.0.1@53530");
	assert_int_equal(cfg.methods[0], DANECID_METHODS_DANE);
	assert_int_equal(cfg.methods[1], DANECID_METHODS_X509);
	assert_int_equal(cfg.methods[2], 0);
	assert_string_equal(cfg.ca_file, "/etc/danecid/sti ca.pem");
	assert_string_equal(cfg.crl_file, "/etc/danecid/#1 sti.crl");
	assert_string_equal(cfg.spc_map, "1234=1202555");
	assert_string_equal(cfg.x5u_tls_ca_file, "/etc/ssl/ca.pem");
	assert_string_equal(cfg.sip_listen, "127.0.0.1@5070#not-a-comment");
	assert_string_equal(cfg.http_listen, "127.0.0.1@8080");
	assert_true(cfg.x5u_allow_private);
	assert_true(cfg.reject_on_fail);
	assert_false(cfg.assume_global);
	assert_int_equal(cfg.min_prefix, 2);
	assert_int_equal(cfg.freshness, 90); /* the last line wins */
	assert_int_equal(cfg.future_skew, 1);
	assert_int_equal(cfg.timeout_ms, 800);
	danecid_config_clear(&cfg);
}

static void test_load_empty_and_comments_only(void **state)
{
	static const char *const texts[] = {"", "\n\n", "# nothing\n  # here\n\t\n",
	                                    "#apex: e164.test\n"};
	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct danecid_config cfg;
		char path[512];
		char err[ERRLEN];

		danecid_config_init(&cfg);
		assert_int_equal(load_text(&cfg, texts[i], path, sizeof(path), err), DANECID_OK);
		assert_defaults(&cfg);
		danecid_config_clear(&cfg);
	}
}

struct load_err_row {
	const char *text;
	const char *msg; /* after "<path>:" */
};

static void test_load_errors(void **state)
{
	static const struct load_err_row rows[] = {
	    {"apex: e164.test\n# fine\njust some words\n", "3: expected \"key: value\""},
	    {"apex e164.test\n", "1: expected \"key: value\""},
	    {"apex: e164.test\ncolour: blue\nfreshness: 30\n",
	     "2: unknown configuration key \"colour\""},
	    {"\n\nApex: e164.test\n", "3: unknown configuration key \"Apex\""},
	    {"freshness: often\n", "1: bad value \"often\" for freshness"},
	    {"methods: dane,dane\n", "1: bad value \"dane,dane\" for methods"},
	    {"methods:\n", "1: bad value \"\" for methods"},
	    {"apex: e164..test # typo\n", "1: bad value \"e164..test\" for apex"},
	    {"reject-on-fail: \"maybe\"\n", "1: bad value \"maybe\" for reject-on-fail"},
	    {"future-skew: -5\r\n", "1: bad value \"-5\" for future-skew"},
	    {"ca-file: \"/etc/ca.pem\n", "1: unterminated quote"},
	    {"ca-file: \"/etc/ca.pem\" extra\n", "1: text after the closing quote"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct danecid_config cfg;
		char path[512];
		char err[ERRLEN];
		char want[ERRLEN + 600];
		int r;

		danecid_config_init(&cfg);
		r = load_text(&cfg, rows[i].text, path, sizeof(path), err);
		snprintf(want, sizeof(want), "%s:%s", path, rows[i].msg);
		if (r != DANECID_ERR_CONFIG || strcmp(err, want) != 0) {
			fail_msg("row %zu: got %d \"%s\", want %d \"%s\"", i, r, err,
			         DANECID_ERR_CONFIG, want);
		}
		danecid_config_clear(&cfg);
	}
}

static void test_load_line_too_long(void **state)
{
	struct danecid_config cfg;
	char path[512];
	char err[ERRLEN];
	char want[ERRLEN + 600];
	char *text = malloc(10000);

	(void)state;
	assert_non_null(text);
	strcpy(text, "apex: e164.test\nspc-map: ");
	memset(text + strlen(text), '1', 5000);
	strcpy(text + strlen("apex: e164.test\nspc-map: ") + 5000, "\n");
	danecid_config_init(&cfg);
	assert_int_equal(load_text(&cfg, text, path, sizeof(path), err), DANECID_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s:2: line too long", path);
	assert_string_equal(err, want);
	assert_null(cfg.spc_map);
	danecid_config_clear(&cfg);
	free(text);
}

static void test_load_missing_file(void **state)
{
	struct danecid_config cfg;
	char path[512];
	char err[ERRLEN];
	char want[ERRLEN + 600];

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist.conf", tmpdir);
	danecid_config_init(&cfg);
	err[0] = '\0';
	assert_int_equal(danecid_config_load(&cfg, path, err, sizeof(err)), DANECID_ERR_IO);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	assert_string_equal(err, want);
	assert_defaults(&cfg);
	/* a directory is not a configuration file either */
	err[0] = '\0';
	assert_int_equal(danecid_config_load(&cfg, tmpdir, err, sizeof(err)), DANECID_ERR_IO);
	snprintf(want, sizeof(want), "%s: ", tmpdir);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	assert_defaults(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_every_key_accepted),
	    cmocka_unit_test(test_apex),
	    cmocka_unit_test(test_string_keys),
	    cmocka_unit_test(test_methods),
	    cmocka_unit_test(test_methods_rejected_keeps_old),
	    cmocka_unit_test(test_copy),
	    cmocka_unit_test(test_bools),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_unknown_key),
	    cmocka_unit_test(test_clear),
	    cmocka_unit_test(test_load_full_file),
	    cmocka_unit_test(test_load_empty_and_comments_only),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_load_line_too_long),
	    cmocka_unit_test(test_load_missing_file),
	};

	return cmocka_run_group_tests_name("config", tests, group_setup, group_teardown);
}
