/* test_x509 — x5u documents, their leaf key and TNAuthList, STI-CA stores, chain validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <danecid/error.h>

#include "guard.h"
#include "x509.h"

/* The pinned clock: every certificate and CRL is dated from it, nothing reads the wall clock. */
#define T   ((time_t)1790000000)
#define DAY 86400L

#define TNAUTH_OID "1.3.6.1.5.5.7.1.26"
#define CA_BC      "critical,CA:TRUE"
#define CA_KU      "critical,keyCertSign,cRLSign"
#define EE_BC      "critical,CA:FALSE"
#define EE_KU      "critical,digitalSignature"

/* TNAuthList values (the DER inside the extension's OCTET STRING). */
static const uint8_t tn_one[] = {0x30, 0x0f, 0xa2, 0x0d, 0x16, 0x0b, '1', '2', '0',
                                 '2',  '5',  '5',  '5',  '0',  '1',  '0', '0'};
static const uint8_t tn_spc[] = {0x30, 0x08, 0xa0, 0x06, 0x16, 0x04, '7', '0', '9', 'J'};

/** What one certificate is made of; times are offsets from T. */
struct spec {
	const char *cn;
	EVP_PKEY *key;      /* the subject's key */
	X509 *issuer;       /* NULL: self-signed with key */
	EVP_PKEY *sign_key; /* the key that signs (issuer's, or another one to break it) */
	long serial;
	long from, to;
	const char *bc, *ku; /* basicConstraints and keyUsage, NULL: absent */
	const uint8_t *tnauth;
	size_t tnauth_len;
	int tnauth_crit;
	int tnauth_times;      /* how many copies of the TNAuthList extension */
	const char *extra_oid; /* another extension (an empty SEQUENCE), or NULL */
	int extra_crit;
};

/* The test PKI: Test Root -> Test Intermediate -> leaves, made once per run. */
static struct {
	EVP_PKEY *root_key, *inter_key, *short_key, *leaf_key, *other_key;
	X509 *root, *inter, *short_inter, *leaf, *revoked, *short_leaf, *other_root;
	char root_file[32];    /* PEM: Test Root */
	char other_file[32];   /* PEM: Other Root */
	char crl_file[32];     /* PEM: the intermediate's CRL, revoking serial 101, T-1d..T+7d */
	char old_crl_file[32]; /* PEM: the same CRL dated T-3d..T-1d */
} pki;

static X509_EXTENSION *raw_ext(const char *oid, int crit, const uint8_t *der, size_t len)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *val = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e = NULL;

	if (obj != NULL && val != NULL && ASN1_OCTET_STRING_set(val, der, (int)len) == 1) {
		e = X509_EXTENSION_create_by_OBJ(NULL, obj, crit, val);
	}
	ASN1_OBJECT_free(obj);
	ASN1_OCTET_STRING_free(val);
	return e;
}

static bool add_ext(X509 *x, X509_EXTENSION *e)
{
	bool ok = e != NULL && X509_add_ext(x, e, -1) == 1;

	X509_EXTENSION_free(e);
	return ok;
}

static bool add_conf_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;

	if (value == NULL) {
		return true;
	}
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	return add_ext(x, X509V3_EXT_conf_nid(NULL, &ctx, nid, value));
}

/* A signed certificate as s says, or NULL. */
static X509 *make_cert(const struct spec *s)
{
	static const uint8_t empty_seq[] = {0x30, 0x00};
	X509 *x = X509_new();
	X509 *issuer = s->issuer != NULL ? s->issuer : x;
	EVP_PKEY *sign_key = s->sign_key != NULL ? s->sign_key : s->key;
	bool ok;

	if (x == NULL) {
		return NULL;
	}
	ok = X509_set_version(x, X509_VERSION_3) == 1 &&
	     ASN1_INTEGER_set(X509_get_serialNumber(x), s->serial) == 1 &&
	     ASN1_TIME_set(X509_getm_notBefore(x), T + s->from) != NULL &&
	     ASN1_TIME_set(X509_getm_notAfter(x), T + s->to) != NULL &&
	     X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	                                (const unsigned char *)s->cn, -1, -1, 0) == 1 &&
	     X509_set_issuer_name(x, X509_get_subject_name(issuer)) == 1 &&
	     X509_set_pubkey(x, s->key) == 1 &&
	     add_conf_ext(x, issuer, NID_basic_constraints, s->bc) &&
	     add_conf_ext(x, issuer, NID_key_usage, s->ku);
	for (int i = 0; ok && i < s->tnauth_times; i++) {
		ok = add_ext(x, raw_ext(TNAUTH_OID, s->tnauth_crit, s->tnauth, s->tnauth_len));
	}
	if (ok && s->extra_oid != NULL) {
		ok = add_ext(x, raw_ext(s->extra_oid, s->extra_crit, empty_seq, sizeof(empty_seq)));
	}
	if (!ok || X509_sign(x, sign_key, EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* An end-entity certificate issued by the intermediate (serial, key and TNAuthList given). */
static struct spec leaf_spec(const char *cn, EVP_PKEY *key, long serial)
{
	struct spec s = {
	    .cn = cn,
	    .key = key,
	    .issuer = pki.inter,
	    .sign_key = pki.inter_key,
	    .serial = serial,
	    .from = -DAY,
	    .to = 30 * DAY,
	    .bc = EE_BC,
	    .ku = EE_KU,
	    .tnauth = tn_one,
	    .tnauth_len = sizeof(tn_one),
	    .tnauth_times = 1,
	};

	return s;
}

/* The contents of a memory BIO in a malloc'd buffer of exactly its length; the BIO is freed. */
static char *bio_take(BIO *b, size_t *len)
{
	char *data = NULL;
	long n = BIO_get_mem_data(b, &data);
	char *out = n >= 0 ? malloc((size_t)n + 1) : NULL;

	if (out != NULL) {
		memcpy(out, data, (size_t)n);
		out[n] = '\0'; /* for the tests' own string use; never passed as part of len */
		*len = (size_t)n;
	}
	BIO_free(b);
	return out;
}

/* The PEM document of the certificates given (NULL-terminated), or NULL. Free with free(). */
static char *pem_of(size_t *len, ...)
{
	BIO *b = BIO_new(BIO_s_mem());
	va_list ap;
	X509 *x;
	bool ok = b != NULL;

	va_start(ap, len);
	while (ok && (x = va_arg(ap, X509 *)) != NULL) {
		ok = PEM_write_bio_X509(b, x) == 1;
	}
	va_end(ap);
	if (!ok) {
		BIO_free(b);
		return NULL;
	}
	return bio_take(b, len);
}

static char *pem_of_key(EVP_PKEY *key, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());

	if (b == NULL || PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) != 1) {
		BIO_free(b);
		return NULL;
	}
	return bio_take(b, len);
}

/* A CRL of issuer signed with key, dated T+last..T+next, revoking the serials given. */
static X509_CRL *make_crl(X509 *issuer, EVP_PKEY *key, long last, long next, const long *serials,
                          size_t n)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	bool ok = crl != NULL && t != NULL &&
	          X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) == 1 &&
	          ASN1_TIME_set(t, T + last) != NULL && X509_CRL_set1_lastUpdate(crl, t) == 1 &&
	          ASN1_TIME_set(t, T + next) != NULL && X509_CRL_set1_nextUpdate(crl, t) == 1;

	for (size_t i = 0; ok && i < n; i++) {
		X509_REVOKED *rv = X509_REVOKED_new();
		ASN1_INTEGER *sn = ASN1_INTEGER_new();

		ok = rv != NULL && sn != NULL && ASN1_INTEGER_set(sn, serials[i]) == 1 &&
		     X509_REVOKED_set_serialNumber(rv, sn) == 1 && ASN1_TIME_set(t, T + last) &&
		     X509_REVOKED_set_revocationDate(rv, t) == 1 && X509_CRL_add0_revoked(crl, rv);
		if (ok) {
			rv = NULL;
		}
		X509_REVOKED_free(rv);
		ASN1_INTEGER_free(sn);
	}
	ASN1_TIME_free(t);
	if (!ok || X509_CRL_sort(crl) != 1 || X509_CRL_sign(crl, key, EVP_sha256()) <= 0) {
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

/* Write len bytes to a new file /tmp/test_x509.XXXXXX; its name goes to path. */
static bool temp_file(char path[32], const void *p, size_t len)
{
	int fd;
	bool ok;

	snprintf(path, 32, "/tmp/test_x509.XXXXXX");
	if ((fd = mkstemp(path)) < 0) {
		path[0] = '\0';
		return false;
	}
	ok = write(fd, p, len) == (ssize_t)len;
	return close(fd) == 0 && ok;
}

static bool temp_certs(char path[32], X509 *x)
{
	size_t len = 0;
	char *pem = pem_of(&len, x, (X509 *)NULL);
	bool ok = pem != NULL && temp_file(path, pem, len);

	free(pem);
	return ok;
}

static bool temp_crl(char path[32], X509_CRL *crl)
{
	BIO *b = BIO_new(BIO_s_mem());
	size_t len = 0;
	char *pem;
	bool ok;

	if (b == NULL || crl == NULL || PEM_write_bio_X509_CRL(b, crl) != 1) {
		BIO_free(b);
		X509_CRL_free(crl);
		return false;
	}
	X509_CRL_free(crl);
	pem = bio_take(b, &len);
	ok = pem != NULL && temp_file(path, pem, len);
	free(pem);
	return ok;
}

static void remove_temp(char path[32])
{
	if (path[0] != '\0') {
		unlink(path);
		path[0] = '\0';
	}
}

static int group_setup(void **state)
{
	static const long revoked[] = {101};
	struct spec s;

	(void)state;
	if ((pki.root_key = EVP_EC_gen("P-256")) == NULL ||
	    (pki.inter_key = EVP_EC_gen("P-256")) == NULL ||
	    (pki.short_key = EVP_EC_gen("P-256")) == NULL ||
	    (pki.leaf_key = EVP_EC_gen("P-256")) == NULL ||
	    (pki.other_key = EVP_EC_gen("P-256")) == NULL) {
		return -1;
	}
	s = (struct spec){.cn = "Test Root",
	                  .key = pki.root_key,
	                  .serial = 1,
	                  .from = -100 * DAY,
	                  .to = 3650 * DAY,
	                  .bc = CA_BC,
	                  .ku = CA_KU};
	if ((pki.root = make_cert(&s)) == NULL) {
		return -1;
	}
	s.cn = "Other Root";
	s.key = pki.other_key;
	if ((pki.other_root = make_cert(&s)) == NULL) {
		return -1;
	}
	s = (struct spec){.cn = "Test Intermediate",
	                  .key = pki.inter_key,
	                  .issuer = pki.root,
	                  .sign_key = pki.root_key,
	                  .serial = 2,
	                  .from = -10 * DAY,
	                  .to = 60 * DAY,
	                  .bc = CA_BC,
	                  .ku = CA_KU};
	if ((pki.inter = make_cert(&s)) == NULL) {
		return -1;
	}
	/* an intermediate that ends before the leaves it signs */
	s.cn = "Short Intermediate";
	s.key = pki.short_key;
	s.serial = 3;
	s.to = 20 * DAY;
	if ((pki.short_inter = make_cert(&s)) == NULL) {
		return -1;
	}
	s = leaf_spec("Test Leaf", pki.leaf_key, 100);
	if ((pki.leaf = make_cert(&s)) == NULL) {
		return -1;
	}
	s.cn = "Revoked Leaf";
	s.serial = 101;
	if ((pki.revoked = make_cert(&s)) == NULL) {
		return -1;
	}
	s.cn = "Short Leaf";
	s.serial = 102;
	s.issuer = pki.short_inter;
	s.sign_key = pki.short_key;
	if ((pki.short_leaf = make_cert(&s)) == NULL) {
		return -1;
	}
	if (!temp_certs(pki.root_file, pki.root) || !temp_certs(pki.other_file, pki.other_root) ||
	    !temp_crl(pki.crl_file,
	              make_crl(pki.inter, pki.inter_key, -DAY, 7 * DAY, revoked, 1)) ||
	    !temp_crl(pki.old_crl_file,
	              make_crl(pki.inter, pki.inter_key, -3 * DAY, -DAY, revoked, 1))) {
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	remove_temp(pki.root_file);
	remove_temp(pki.other_file);
	remove_temp(pki.crl_file);
	remove_temp(pki.old_crl_file);
	X509_free(pki.root);
	X509_free(pki.inter);
	X509_free(pki.short_inter);
	X509_free(pki.leaf);
	X509_free(pki.revoked);
	X509_free(pki.short_leaf);
	X509_free(pki.other_root);
	EVP_PKEY_free(pki.root_key);
	EVP_PKEY_free(pki.inter_key);
	EVP_PKEY_free(pki.short_key);
	EVP_PKEY_free(pki.leaf_key);
	EVP_PKEY_free(pki.other_key);
	return 0;
}

/* Parse a copy of [p, p + len) that ends at a PROT_NONE page (or, when longer than a page,
 * in a heap block of exactly len bytes), so any read past len crashes. */
static int parse(const void *p, size_t len, danecid_certchain **out, char *err, size_t errlen)
{
	struct guard g;
	int r;

	guard_open(&g);
	if (len <= g.page) {
		r = danecid_certchain_parse(guard_place(&g, p, len), len, out, err, errlen);
	} else {
		uint8_t *copy = malloc(len);

		assert_non_null(copy);
		memcpy(copy, p, len);
		r = danecid_certchain_parse(copy, len, out, err, errlen);
		free(copy);
	}
	guard_close(&g);
	return r;
}

/* The document must be refused as malformed with exactly the reason want (NULL: any). */
static void refused(const char *what, const void *p, size_t len, const char *want)
{
	danecid_certchain *ch = (danecid_certchain *)(uintptr_t)1;
	char err[200] = "";
	int r = parse(p, len, &ch, err, sizeof(err));

	if (r != DANECID_ERR_MALFORMED || ch != NULL || err[0] == '\0' ||
	    (want != NULL && strcmp(err, want) != 0)) {
		danecid_certchain_free(r == DANECID_OK ? ch : NULL);
		fail_msg("%s: got %d (%s), \"%s\"; want DANECID_ERR_MALFORMED, \"%s\"", what, r,
		         ch == NULL ? "no chain" : "a chain", err,
		         want == NULL ? "(any reason)" : want);
	}
}

/* Parse a document that must be accepted. */
static danecid_certchain *accepted(const char *what, const void *p, size_t len)
{
	danecid_certchain *ch = NULL;
	char err[200] = "";
	int r = parse(p, len, &ch, err, sizeof(err));

	if (r != DANECID_OK || ch == NULL) {
		fail_msg("%s: got %d, \"%s\"; want DANECID_OK", what, r, err);
	}
	return ch;
}

static danecid_certchain *chain_of(X509 *leaf, X509 *inter)
{
	size_t len = 0;
	char *pem = pem_of(&len, leaf, inter, (X509 *)NULL);
	danecid_certchain *ch;

	assert_non_null(pem);
	ch = accepted("chain", pem, len);
	free(pem);
	return ch;
}

static danecid_certchain *chain_of_spec(const struct spec *s, X509 *inter)
{
	X509 *x = make_cert(s);
	danecid_certchain *ch;

	assert_non_null(x);
	ch = chain_of(x, inter);
	X509_free(x);
	return ch;
}

/* The key's DER SubjectPublicKeyInfo equals that of pk. */
static void assert_key_is(const danecid_es256_key *key, EVP_PKEY *pk)
{
	unsigned char *want = NULL;
	int wlen = i2d_PUBKEY(pk, &want);
	uint8_t *got = NULL;
	size_t glen = 0;

	assert_non_null(key);
	assert_true(wlen > 0);
	assert_int_equal(danecid_es256_key_spki(key, &got, &glen), DANECID_OK);
	assert_int_equal(glen, (size_t)wlen);
	assert_memory_equal(got, want, glen);
	free(got);
	OPENSSL_free(want);
}

static void assert_tn_one(const danecid_certchain *ch)
{
	const char *why = "untouched";
	const struct danecid_tnauth *ta = danecid_certchain_tnauth(ch, &why);

	assert_non_null(ta);
	assert_string_equal(why, "untouched");
	assert_int_equal(ta->n, 1);
	assert_int_equal(ta->e[0].kind, DANECID_TNAUTH_ONE);
	assert_string_equal(ta->e[0].value, "12025550100");
	assert_int_equal(ta->e[0].count, 0);
}

/* ---- parsing ---- */

static void test_parse_leaf_only(void **state)
{
	danecid_certchain *ch;

	(void)state;
	ch = chain_of(pki.leaf, NULL);
	assert_int_equal(danecid_certchain_not_after(ch), T + 30 * DAY);
	assert_key_is(danecid_certchain_key(ch), pki.leaf_key);
	assert_tn_one(ch);
	assert_non_null(danecid_certchain_tnauth(ch, NULL));
	danecid_certchain_free(ch);
}

static void test_parse_leaf_and_intermediate(void **state)
{
	size_t len = 0, n = 0;
	char *pem = pem_of(&len, pki.leaf, pki.inter, (X509 *)NULL);
	char *crlf;
	danecid_certchain *ch;

	(void)state;
	assert_non_null(pem);
	ch = accepted("leaf+intermediate", pem, len);
	/* the intermediate ends at T+60d, after the leaf */
	assert_int_equal(danecid_certchain_not_after(ch), T + 30 * DAY);
	/* the key and TNAuthList are the leaf's (the first certificate) */
	assert_key_is(danecid_certchain_key(ch), pki.leaf_key);
	assert_tn_one(ch);
	danecid_certchain_free(ch);

	/* the same with CRLF line ends, and with blank lines after the end */
	crlf = malloc(2 * len + 8);
	assert_non_null(crlf);
	for (size_t i = 0; i < len; i++) {
		if (pem[i] == '\n') {
			crlf[n++] = '\r';
		}
		crlf[n++] = pem[i];
	}
	ch = accepted("CRLF", crlf, n);
	assert_int_equal(danecid_certchain_not_after(ch), T + 30 * DAY);
	danecid_certchain_free(ch);
	memcpy(crlf + n, "\r\n \n\t\n", 6);
	ch = accepted("trailing blank lines", crlf, n + 6);
	danecid_certchain_free(ch);
	free(crlf);
	free(pem);
}

/* not_after is the earliest notAfter of all the certificates in the document. */
static void test_parse_not_after_earliest(void **state)
{
	danecid_certchain *ch;

	(void)state;
	ch = chain_of(pki.short_leaf, pki.short_inter);
	assert_int_equal(danecid_certchain_not_after(ch), T + 20 * DAY);
	assert_tn_one(ch);
	danecid_certchain_free(ch);
	/* the order of the intermediates does not matter: the root (T+3650d) comes last */
	{
		size_t len = 0;
		char *pem =
		    pem_of(&len, pki.short_leaf, pki.root, pki.short_inter, pki.root, (X509 *)NULL);

		assert_non_null(pem);
		ch = accepted("leaf, root, intermediate, root", pem, len);
		assert_int_equal(danecid_certchain_not_after(ch), T + 20 * DAY);
		danecid_certchain_free(ch);
		free(pem);
	}
	/* a leaf alone has its own notAfter, whatever the issuer's */
	ch = chain_of(pki.short_leaf, NULL);
	assert_int_equal(danecid_certchain_not_after(ch), T + 30 * DAY);
	danecid_certchain_free(ch);
}

/* Only a P-256 leaf yields a key; another kind of key parses, with no key. */
static void test_parse_key_kinds(void **state)
{
	EVP_PKEY *p384 = EVP_EC_gen("P-384");
	EVP_PKEY *rsa = EVP_RSA_gen(2048);
	struct spec s = leaf_spec("P-384 Leaf", p384, 200);
	danecid_certchain *ch;

	(void)state;
	assert_non_null(p384);
	assert_non_null(rsa);
	ch = chain_of_spec(&s, pki.inter);
	assert_null(danecid_certchain_key(ch));
	assert_tn_one(ch); /* the rest of the leaf is still read */
	assert_int_equal(danecid_certchain_not_after(ch), T + 30 * DAY);
	danecid_certchain_free(ch);

	s = leaf_spec("RSA Leaf", rsa, 201);
	ch = chain_of_spec(&s, pki.inter);
	assert_null(danecid_certchain_key(ch));
	assert_tn_one(ch);
	danecid_certchain_free(ch);

	/* a P-384 intermediate does not matter: the key is the leaf's */
	{
		struct spec is = {.cn = "P-384 Intermediate",
		                  .key = p384,
		                  .issuer = pki.root,
		                  .sign_key = pki.root_key,
		                  .serial = 202,
		                  .from = -10 * DAY,
		                  .to = 60 * DAY,
		                  .bc = CA_BC,
		                  .ku = CA_KU};
		X509 *inter = make_cert(&is);

		assert_non_null(inter);
		s = leaf_spec("Leaf Of P-384", pki.leaf_key, 203);
		s.issuer = inter;
		s.sign_key = p384;
		ch = chain_of_spec(&s, inter);
		assert_key_is(danecid_certchain_key(ch), pki.leaf_key);
		danecid_certchain_free(ch);
		X509_free(inter);
	}
	EVP_PKEY_free(p384);
	EVP_PKEY_free(rsa);
}

static void test_parse_tnauth(void **state)
{
	struct spec s = leaf_spec("SPC Leaf", pki.leaf_key, 300);
	const char *why = "untouched";
	const struct danecid_tnauth *ta;
	danecid_certchain *ch;

	(void)state;
	/* critical or not, the TNAuthList reads the same */
	s.tnauth_crit = 1;
	ch = chain_of_spec(&s, pki.inter);
	assert_tn_one(ch);
	danecid_certchain_free(ch);

	s.tnauth = tn_spc;
	s.tnauth_len = sizeof(tn_spc);
	ch = chain_of_spec(&s, pki.inter);
	ta = danecid_certchain_tnauth(ch, &why);
	assert_non_null(ta);
	assert_string_equal(why, "untouched");
	assert_int_equal(ta->n, 1);
	assert_int_equal(ta->e[0].kind, DANECID_TNAUTH_SPC);
	assert_string_equal(ta->e[0].value, "709J");
	danecid_certchain_free(ch);
}

static void test_parse_tnauth_absent(void **state)
{
	struct spec s = leaf_spec("Plain Leaf", pki.leaf_key, 301);
	const char *why = NULL;
	danecid_certchain *ch;

	(void)state;
	s.tnauth_times = 0;
	ch = chain_of_spec(&s, pki.inter);
	assert_null(danecid_certchain_tnauth(ch, &why));
	assert_non_null(why);
	assert_string_equal(why, "the certificate has no TNAuthList extension");
	assert_null(danecid_certchain_tnauth(ch, NULL));
	/* the rest of the leaf is still usable */
	assert_key_is(danecid_certchain_key(ch), pki.leaf_key);
	danecid_certchain_free(ch);

	/* the intermediate's TNAuthList is not the leaf's */
	ch = chain_of_spec(&s, pki.leaf);
	assert_null(danecid_certchain_tnauth(ch, &why));
	assert_string_equal(why, "the certificate has no TNAuthList extension");
	danecid_certchain_free(ch);
}

static void test_parse_tnauth_twice(void **state)
{
	struct spec s = leaf_spec("Twice Leaf", pki.leaf_key, 302);
	const char *why = NULL;
	danecid_certchain *ch;

	(void)state;
	s.tnauth_times = 2;
	ch = chain_of_spec(&s, pki.inter);
	assert_null(danecid_certchain_tnauth(ch, &why));
	assert_non_null(why);
	assert_string_equal(why, "the certificate has two TNAuthList extensions");
	danecid_certchain_free(ch);
}

static void test_parse_tnauth_malformed(void **state)
{
	static const struct {
		const char *what;
		uint8_t der[24];
		size_t len;
	} rows[] = {
	    {"empty value", {0}, 0},
	    {"empty list", {0x30, 0x00}, 2},
	    {"not a SEQUENCE", {0x04, 0x02, 0x30, 0x00}, 4},
	    {"truncated", {0x30, 0x0f, 0xa2, 0x0d, 0x16, 0x0b, '1', '2'}, 8},
	    {"trailing byte",
	     {0x30, 0x0f, 0xa2, 0x0d, 0x16, 0x0b, '1', '2', '0', '2', '5', '5', '5', '0', '1', '0',
	      '0', 0x00},
	     18},
	    {"letters in a TN", {0x30, 0x07, 0xa2, 0x05, 0x16, 0x03, '1', 'a', '2'}, 9},
	};
	static const char prefix[] = "unreadable TNAuthList: ";

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct spec s = leaf_spec("Bad TNAuthList Leaf", pki.leaf_key, 303);
		const char *why = NULL;
		danecid_certchain *ch;

		s.tnauth = rows[i].der;
		s.tnauth_len = rows[i].len;
		ch = chain_of_spec(&s, pki.inter);
		if (danecid_certchain_tnauth(ch, &why) != NULL || why == NULL ||
		    strncmp(why, prefix, strlen(prefix)) != 0 || strlen(why) <= strlen(prefix)) {
			fail_msg("%s: why \"%s\"", rows[i].what, why == NULL ? "(null)" : why);
		}
		/* an unreadable TNAuthList does not make the document unreadable */
		assert_key_is(danecid_certchain_key(ch), pki.leaf_key);
		danecid_certchain_free(ch);
	}
}

/* Documents that are not a certificate chain are refused, with what is wrong. */
static void test_parse_refused(void **state)
{
	static const char garbage[] = "\x00\x01\xff\x80 not PEM at all\n\x1b[0m";
	static const char bad_b64[] = "-----BEGIN CERTIFICATE-----\n"
	                              "aGVsbG8gd29ybGQ=\n" /* "hello world" */
	                              "-----END CERTIFICATE-----\n";
	static const char bad_chars[] = "-----BEGIN CERTIFICATE-----\n"
	                                "MII!!!!not base64~~~\n"
	                                "-----END CERTIFICATE-----\n";
	size_t leaf_len = 0, key_len = 0;
	char *leaf = pem_of(&leaf_len, pki.leaf, (X509 *)NULL);
	char *key = pem_of_key(pki.leaf_key, &key_len);
	char *buf = malloc(2 * (leaf_len + key_len) + 1024);
	unsigned char *der = NULL;
	int der_len;
	size_t n;

	(void)state;
	assert_non_null(leaf);
	assert_non_null(key);
	assert_non_null(buf);
	assert_non_null(strstr(key, "-----BEGIN PRIVATE KEY-----"));

	refused("empty", leaf, 0, "it is empty");
	refused("garbage", garbage, sizeof(garbage) - 1,
	        "it holds something other than PEM certificates");
	refused("a private key", key, key_len, "it holds something other than PEM certificates");
	refused("base64 of text", bad_b64, sizeof(bad_b64) - 1,
	        "its certificate 1 is not DER X.509");
	refused("not base64", bad_chars, sizeof(bad_chars) - 1, "it holds no PEM certificate");

	/* a certificate, then a private key */
	memcpy(buf, leaf, leaf_len);
	memcpy(buf + leaf_len, key, key_len);
	refused("certificate + private key", buf, leaf_len + key_len,
	        "it holds something other than PEM certificates");
	/* a private key, then a certificate */
	memcpy(buf, key, key_len);
	memcpy(buf + key_len, leaf, leaf_len);
	refused("private key + certificate", buf, leaf_len + key_len,
	        "it holds something other than PEM certificates");
	/* a certificate, then one whose base64 is not X.509 */
	memcpy(buf, leaf, leaf_len);
	memcpy(buf + leaf_len, bad_b64, sizeof(bad_b64) - 1);
	refused("certificate + text", buf, leaf_len + sizeof(bad_b64) - 1,
	        "its certificate 2 is not DER X.509");
	/* a certificate, then a block that is not base64 */
	memcpy(buf + leaf_len, bad_chars, sizeof(bad_chars) - 1);
	refused("certificate + broken block", buf, leaf_len + sizeof(bad_chars) - 1,
	        "it has a broken PEM block");
	/* DER X.509 with one byte more inside the block */
	der_len = i2d_X509(pki.leaf, &der);
	assert_true(der_len > 0);
	{
		BIO *b = BIO_new(BIO_s_mem());
		unsigned char *longer = malloc((size_t)der_len + 1);
		char *pem;

		assert_non_null(b);
		assert_non_null(longer);
		memcpy(longer, der, (size_t)der_len);
		longer[der_len] = 0x00;
		assert_true(PEM_write_bio(b, "CERTIFICATE", "", longer, der_len + 1) > 0);
		pem = bio_take(b, &n);
		assert_non_null(pem);
		refused("DER + 1 byte", pem, n, "its certificate 1 is not DER X.509");
		free(pem);
		/* and with one byte less */
		b = BIO_new(BIO_s_mem());
		assert_non_null(b);
		assert_true(PEM_write_bio(b, "CERTIFICATE", "", der, der_len - 1) > 0);
		pem = bio_take(b, &n);
		assert_non_null(pem);
		refused("DER - 1 byte", pem, n, "its certificate 1 is not DER X.509");
		free(pem);
		/* the right DER under another label */
		b = BIO_new(BIO_s_mem());
		assert_non_null(b);
		assert_true(PEM_write_bio(b, "TRUSTED CERTIFICATE", "", der, der_len) > 0);
		pem = bio_take(b, &n);
		assert_non_null(pem);
		refused("TRUSTED CERTIFICATE", pem, n,
		        "it holds something other than PEM certificates");
		free(pem);
		free(longer);
	}
	OPENSSL_free(der);
	free(buf);
	free(key);
	free(leaf);
}

/* Up to 8 certificates. */
static void test_parse_limit(void **state)
{
	size_t one = 0, len;
	char *inter = pem_of(&one, pki.inter, (X509 *)NULL);
	size_t leaf_len = 0;
	char *leaf = pem_of(&leaf_len, pki.leaf, (X509 *)NULL);
	char *doc = malloc(leaf_len + 8 * one);
	danecid_certchain *ch;

	(void)state;
	assert_non_null(inter);
	assert_non_null(leaf);
	assert_non_null(doc);
	memcpy(doc, leaf, leaf_len);
	len = leaf_len;
	for (int i = 0; i < 7; i++) {
		memcpy(doc + len, inter, one);
		len += one;
	}
	ch = accepted("8 certificates", doc, len);
	assert_key_is(danecid_certchain_key(ch), pki.leaf_key);
	danecid_certchain_free(ch);
	memcpy(doc + len, inter, one);
	refused("9 certificates", doc, len + one, "it holds more than 8 certificates");
	free(doc);
	free(leaf);
	free(inter);
}

/* Every prefix of a two-certificate document, against the guard page: each parses (as one or
 * two certificates) or is refused as malformed; the cut decides which. */
static void test_parse_prefixes(void **state)
{
	size_t len = 0;
	char *doc = pem_of(&len, pki.short_leaf, pki.short_inter, (X509 *)NULL);
	static const char end_line[] = "-----END CERTIFICATE-----";
	static const char begin_line[] = "-----BEGIN CERTIFICATE-----";
	size_t end1, begin2, end2;
	struct guard g;

	(void)state;
	assert_non_null(doc);
	/* end1: just after the first END line's dashes; begin2: after the second BEGIN line's
	 * dashes; end2: after the second END line's dashes */
	end1 = (size_t)(strstr(doc, end_line) - doc) + strlen(end_line);
	begin2 = (size_t)(strstr(doc + end1, begin_line) - doc) + strlen(begin_line);
	end2 = (size_t)(strstr(doc + begin2, end_line) - doc) + strlen(end_line);
	assert_int_equal(end2 + 1, len);
	guard_open(&g);
	for (size_t n = 0; n <= len; n++) {
		danecid_certchain *ch = (danecid_certchain *)(uintptr_t)1;
		char err[200] = "";
		int r = danecid_certchain_parse(guard_place(&g, doc, n), n, &ch, err, sizeof(err));
		/* after the first END line only its line end may follow: a cut inside the second
		 * BEGIN line is text outside the blocks */
		time_t want = n < end1        ? 0
		              : n <= end1 + 1 ? T + 30 * DAY
		              : n < end2      ? 0
		                              : T + 20 * DAY;

		if (want == 0) {
			if (r != DANECID_ERR_MALFORMED || ch != NULL || err[0] == '\0') {
				fail_msg("prefix %zu of %zu: got %d, \"%s\"; want malformed", n,
				         len, r, err);
			}
			continue;
		}
		if (r != DANECID_OK || ch == NULL) {
			fail_msg("prefix %zu of %zu: got %d, \"%s\"; want %s", n, len, r, err,
			         want == T + 30 * DAY ? "the leaf" : "both certificates");
		}
		assert_int_equal(danecid_certchain_not_after(ch), want);
		assert_key_is(danecid_certchain_key(ch), pki.leaf_key);
		danecid_certchain_free(ch);
	}
	guard_close(&g);
	free(doc);
}

/* Parse, free, and say whether it was refused as malformed (with a reason). */
static bool is_refused(const void *p, size_t len, int *r)
{
	danecid_certchain *ch = NULL;
	char err[200] = "";

	*r = parse(p, len, &ch, err, sizeof(err));
	danecid_certchain_free(ch);
	return *r == DANECID_ERR_MALFORMED && ch == NULL && err[0] != '\0';
}

/* x509.h: "anything between or after them that is not a certificate is refused". */
static void test_parse_text_around(void **state)
{
	static const char text[] = "this is not a certificate\n";
	size_t leaf_len = 0, inter_len = 0;
	char *leaf = pem_of(&leaf_len, pki.leaf, (X509 *)NULL);
	char *inter = pem_of(&inter_len, pki.inter, (X509 *)NULL);
	char *buf = malloc(leaf_len + inter_len + sizeof(text));
	size_t tl = sizeof(text) - 1;
	bool after, between;
	int r_after = 0, r_between = 0;

	(void)state;
	assert_non_null(leaf);
	assert_non_null(inter);
	assert_non_null(buf);
	/* after the last certificate */
	memcpy(buf, leaf, leaf_len);
	memcpy(buf + leaf_len, text, tl);
	after = is_refused(buf, leaf_len + tl, &r_after);
	/* between two certificates */
	memcpy(buf + leaf_len + tl, inter, inter_len);
	between = is_refused(buf, leaf_len + tl + inter_len, &r_between);
	free(buf);
	free(inter);
	free(leaf);
	if (!after || !between) {
		fail_msg("text after the certificate: %d, text between certificates: %d; want "
		         "DANECID_ERR_MALFORMED (%d) for both",
		         r_after, r_between, DANECID_ERR_MALFORMED);
	}
}

static void test_chain_ref_free(void **state)
{
	danecid_certchain *ch;

	(void)state;
	ch = chain_of(pki.leaf, pki.inter);
	assert_ptr_equal(danecid_certchain_ref(ch), ch);
	assert_ptr_equal(danecid_certchain_ref(ch), ch);
	danecid_certchain_free(ch);
	danecid_certchain_free(ch);
	/* still alive with one reference */
	assert_int_equal(danecid_certchain_not_after(ch), T + 30 * DAY);
	assert_key_is(danecid_certchain_key(ch), pki.leaf_key);
	danecid_certchain_free(ch); /* the last one: freed (LeakSanitizer would see otherwise) */
	danecid_certchain_free(NULL);
}

/* ---- the STI-CA store ---- */

static danecid_castore *store(const char *ca_file, const char *ca_path, const char *crl_file)
{
	danecid_castore *cs = NULL;
	char err[300] = "";
	int r = danecid_castore_new(ca_file, ca_path, crl_file, &cs, err, sizeof(err));

	if (r != DANECID_OK || cs == NULL) {
		fail_msg("castore_new: %d, \"%s\"", r, err);
	}
	return cs;
}

static void store_refused(const char *ca_file, const char *ca_path, const char *crl_file,
                          int want_r, const char *want)
{
	danecid_castore *cs = (danecid_castore *)(uintptr_t)1;
	char err[300] = "";
	int r = danecid_castore_new(ca_file, ca_path, crl_file, &cs, err, sizeof(err));

	if (r != want_r || cs != NULL || strcmp(err, want) != 0) {
		fail_msg("castore_new(%s, %s, %s): %d, \"%s\"; want %d, \"%s\"", ca_file, ca_path,
		         crl_file, r, err, want_r, want);
	}
}

static void test_castore_needs_roots(void **state)
{
	(void)state;
	store_refused(NULL, NULL, NULL, DANECID_ERR_CONFIG,
	              "the x509 method needs STI-CA roots (ca-file: FILE or ca-path: DIR)");
	store_refused(NULL, NULL, pki.crl_file, DANECID_ERR_CONFIG,
	              "the x509 method needs STI-CA roots (ca-file: FILE or ca-path: DIR)");
}

static void test_castore_missing_files(void **state)
{
	char missing[32];
	char want[128];

	(void)state;
	/* a name that surely does not exist: made, then removed */
	assert_true(temp_file(missing, "", 0));
	assert_int_equal(unlink(missing), 0);
	snprintf(want, sizeof(want), "ca-file %s: No such file or directory", missing);
	store_refused(missing, NULL, NULL, DANECID_ERR_CONFIG, want);
	store_refused(missing, NULL, pki.crl_file, DANECID_ERR_CONFIG, want);
	snprintf(want, sizeof(want), "crl-file %s: No such file or directory", missing);
	store_refused(pki.root_file, NULL, missing, DANECID_ERR_CONFIG, want);
}

static void test_castore_nothing_to_read(void **state)
{
	char empty[32], want[128];

	(void)state;
	assert_true(temp_file(empty, "", 0));
	snprintf(want, sizeof(want), "ca-file %s: no PEM certificate could be read", empty);
	store_refused(empty, NULL, NULL, DANECID_ERR_CONFIG, want);
	/* a CRL is not a root */
	snprintf(want, sizeof(want), "ca-file %s: no PEM certificate could be read", pki.crl_file);
	store_refused(pki.crl_file, NULL, NULL, DANECID_ERR_CONFIG, want);
	/* a crl-file without any CRL: empty, or a certificate */
	snprintf(want, sizeof(want), "crl-file %s: no PEM CRL could be read", empty);
	store_refused(pki.root_file, NULL, empty, DANECID_ERR_CONFIG, want);
	snprintf(want, sizeof(want), "crl-file %s: no PEM CRL could be read", pki.other_file);
	store_refused(pki.root_file, NULL, pki.other_file, DANECID_ERR_CONFIG, want);
	remove_temp(empty);
}

static void test_castore_ref_free(void **state)
{
	danecid_castore *cs;
	danecid_certchain *ch = chain_of(pki.leaf, pki.inter);
	char detail[200] = "";

	(void)state;
	cs = store(pki.root_file, NULL, pki.crl_file);
	assert_ptr_equal(danecid_castore_ref(cs), cs);
	assert_ptr_equal(danecid_castore_ref(cs), cs);
	danecid_castore_free(cs);
	danecid_castore_free(cs);
	assert_int_equal(danecid_certchain_validate(cs, ch, T, detail, sizeof(detail)),
	                 DANECID_R_OK);
	danecid_castore_free(cs);
	danecid_castore_free(NULL);
	danecid_certchain_free(ch);
}

/* A hashed directory of roots works as a ca-file does. */
static void test_castore_ca_path(void **state)
{
	char dir[32] = "/tmp/test_x509.XXXXXX";
	char path[64], detail[200] = "";
	size_t len = 0;
	char *pem = pem_of(&len, pki.root, (X509 *)NULL);
	danecid_certchain *ch = chain_of(pki.leaf, pki.inter);
	danecid_castore *cs;
	FILE *f;

	(void)state;
	assert_non_null(pem);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%08lx.0", dir, X509_subject_name_hash(pki.root));
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(pem, 1, len, f), len);
	assert_int_equal(fclose(f), 0);

	cs = store(NULL, dir, NULL);
	assert_int_equal(danecid_certchain_validate(cs, ch, T, detail, sizeof(detail)),
	                 DANECID_R_OK);
	danecid_castore_free(cs);
	/* with the other root in a file too */
	cs = store(pki.other_file, dir, pki.crl_file);
	assert_int_equal(danecid_certchain_validate(cs, ch, T, detail, sizeof(detail)),
	                 DANECID_R_OK);
	danecid_castore_free(cs);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	danecid_certchain_free(ch);
	free(pem);
}

/* ---- validation ---- */

/* Validate ch against cs at now; the reason must be want and, for a refusal, the detail must be
 * exactly want_detail. */
static void validates(const char *what, const danecid_castore *cs, const danecid_certchain *ch,
                      time_t now, enum danecid_reason want, const char *want_detail)
{
	char detail[200] = "";
	enum danecid_reason r = danecid_certchain_validate(cs, ch, now, detail, sizeof(detail));

	if (r != want || (want != DANECID_R_OK && strcmp(detail, want_detail) != 0)) {
		fail_msg("%s at T%+ld: reason %d, \"%s\"; want %d, \"%s\"", what, (long)(now - T),
		         (int)r, detail, (int)want, want_detail);
	}
}

static void test_validate_ok(void **state)
{
	danecid_castore *cs = store(pki.root_file, NULL, NULL);
	danecid_castore *both;
	danecid_certchain *ch = chain_of(pki.leaf, pki.inter);
	danecid_certchain *with_root;
	size_t len = 0;
	char *pem = pem_of(&len, pki.leaf, pki.inter, pki.root, (X509 *)NULL);

	(void)state;
	validates("leaf+inter", cs, ch, T, DANECID_R_OK, "");
	/* the first and the last second of the leaf */
	validates("leaf+inter", cs, ch, T - DAY, DANECID_R_OK, "");
	validates("leaf+inter", cs, ch, T + 30 * DAY - 1, DANECID_R_OK, "");
	/* a document that carries the root too */
	assert_non_null(pem);
	with_root = accepted("leaf+inter+root", pem, len);
	validates("leaf+inter+root", cs, with_root, T, DANECID_R_OK, "");
	danecid_certchain_free(with_root);
	/* a store of two roots */
	{
		char two[32];
		char *roots = pem_of(&len, pki.other_root, pki.root, (X509 *)NULL);

		assert_non_null(roots);
		assert_true(temp_file(two, roots, len));
		both = store(two, NULL, NULL);
		validates("two roots", both, ch, T, DANECID_R_OK, "");
		danecid_castore_free(both);
		remove_temp(two);
		free(roots);
	}
	free(pem);
	danecid_certchain_free(ch);
	danecid_castore_free(cs);
}

static void test_validate_times(void **state)
{
	danecid_castore *cs = store(pki.root_file, NULL, NULL);
	danecid_certchain *ch = chain_of(pki.leaf, pki.inter);
	danecid_certchain *sh = chain_of(pki.short_leaf, pki.short_inter);

	(void)state;
	validates("expired", cs, ch, T + 31 * DAY, DANECID_R_CERT_INVALID,
	          "certificate of the signer: certificate has expired");
	validates("expired", cs, ch, T + 30 * DAY + 1, DANECID_R_CERT_INVALID,
	          "certificate of the signer: certificate has expired");
	validates("not yet valid", cs, ch, T - 2 * DAY, DANECID_R_CERT_INVALID,
	          "certificate of the signer: certificate is not yet valid");
	validates("not yet valid", cs, ch, T - DAY - 1, DANECID_R_CERT_INVALID,
	          "certificate of the signer: certificate is not yet valid");
	/* the intermediate ends at T+20d, the leaf at T+30d */
	validates("short", cs, sh, T, DANECID_R_OK, "");
	validates("short intermediate expired", cs, sh, T + 25 * DAY, DANECID_R_CERT_INVALID,
	          "certificate chain: certificate has expired");
	/* the root itself has expired */
	validates("root expired", cs, ch, T + 3651 * DAY, DANECID_R_CERT_INVALID,
	          "certificate chain: certificate has expired");
	danecid_certchain_free(sh);
	danecid_certchain_free(ch);
	danecid_castore_free(cs);
}

static void test_validate_untrusted(void **state)
{
	danecid_castore *other = store(pki.other_file, NULL, NULL);
	danecid_castore *cs = store(pki.root_file, NULL, NULL);
	danecid_certchain *ch = chain_of(pki.leaf, pki.inter);
	danecid_certchain *alone = chain_of(pki.leaf, NULL);
	EVP_PKEY *k = EVP_EC_gen("P-256");
	struct spec s = {.cn = "Test Root",
	                 .key = k,
	                 .serial = 1,
	                 .from = -100 * DAY,
	                 .to = 3650 * DAY,
	                 .bc = CA_BC,
	                 .ku = CA_KU};
	X509 *twin = make_cert(&s);
	char twin_file[32];
	danecid_castore *tw;

	(void)state;
	/* a store of another root */
	validates("unknown root", other, ch, T, DANECID_R_CERT_INVALID,
	          "certificate chain: unable to get local issuer certificate");
	/* the leaf without its intermediate */
	validates("no intermediate", cs, alone, T, DANECID_R_CERT_INVALID,
	          "certificate of the signer: unable to get local issuer certificate");
	/* a root of the same name with another key */
	assert_non_null(twin);
	assert_true(temp_certs(twin_file, twin));
	tw = store(twin_file, NULL, NULL);
	validates("root with another key", tw, ch, T, DANECID_R_CERT_INVALID,
	          "certificate chain: certificate signature failure");
	/* an intermediate in the store is not a trust anchor by itself */
	{
		char inter_file[32];
		danecid_castore *is;

		assert_true(temp_certs(inter_file, pki.inter));
		is = store(inter_file, NULL, NULL);
		validates("intermediate as the only root", is, ch, T, DANECID_R_CERT_INVALID,
		          "certificate chain: unable to get issuer certificate");
		danecid_castore_free(is);
		remove_temp(inter_file);
	}
	danecid_castore_free(tw);
	remove_temp(twin_file);
	X509_free(twin);
	EVP_PKEY_free(k);
	danecid_certchain_free(alone);
	danecid_certchain_free(ch);
	danecid_castore_free(cs);
	danecid_castore_free(other);
}

static void test_validate_signatures_and_ca(void **state)
{
	danecid_castore *cs = store(pki.root_file, NULL, NULL);
	struct spec s = leaf_spec("Forged Leaf", pki.leaf_key, 400);
	danecid_certchain *ch;
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *not_ca;

	(void)state;
	assert_non_null(k);
	/* the intermediate's name, another key's signature */
	s.sign_key = k;
	ch = chain_of_spec(&s, pki.inter);
	validates("forged leaf", cs, ch, T, DANECID_R_CERT_INVALID,
	          "certificate of the signer: certificate signature failure");
	danecid_certchain_free(ch);

	/* an intermediate that is not a CA (CA:FALSE) */
	s = (struct spec){.cn = "Not A CA",
	                  .key = k,
	                  .issuer = pki.root,
	                  .sign_key = pki.root_key,
	                  .serial = 401,
	                  .from = -10 * DAY,
	                  .to = 60 * DAY,
	                  .bc = EE_BC,
	                  .ku = CA_KU};
	not_ca = make_cert(&s);
	assert_non_null(not_ca);
	s = leaf_spec("Leaf Of Not A CA", pki.leaf_key, 402);
	s.issuer = not_ca;
	s.sign_key = k;
	ch = chain_of_spec(&s, not_ca);
	validates("intermediate CA:FALSE", cs, ch, T, DANECID_R_CERT_INVALID,
	          "certificate chain: invalid CA certificate");
	danecid_certchain_free(ch);
	X509_free(not_ca);
	EVP_PKEY_free(k);
	danecid_castore_free(cs);
}

static void test_validate_crl(void **state)
{
	danecid_castore *crl = store(pki.root_file, NULL, pki.crl_file);
	danecid_castore *plain = store(pki.root_file, NULL, NULL);
	danecid_castore *old = store(pki.root_file, NULL, pki.old_crl_file);
	danecid_certchain *good = chain_of(pki.leaf, pki.inter);
	danecid_certchain *revoked = chain_of(pki.revoked, pki.inter);
	danecid_certchain *sh = chain_of(pki.short_leaf, pki.short_inter);

	(void)state;
	validates("revoked", crl, revoked, T, DANECID_R_CERT_INVALID,
	          "certificate of the signer: certificate revoked");
	validates("not revoked", crl, good, T, DANECID_R_OK, "");
	/* no crl-file: revocation is not checked */
	validates("revoked, no crl-file", plain, revoked, T, DANECID_R_OK, "");
	/* the CRL's nextUpdate (T-1d) has passed */
	validates("old CRL", old, good, T, DANECID_R_CERT_INVALID,
	          "certificate of the signer: CRL has expired");
	validates("old CRL", old, revoked, T, DANECID_R_CERT_INVALID,
	          "certificate of the signer: CRL has expired");
	/* the CRL is dated T-1d..T+7d */
	validates("CRL not yet valid", crl, good, T - DAY - 60, DANECID_R_CERT_INVALID,
	          "certificate of the signer: CRL is not yet valid");
	validates("CRL expired", crl, good, T + 8 * DAY, DANECID_R_CERT_INVALID,
	          "certificate of the signer: CRL has expired");
	/* with CRLs, an issuer without one fails closed */
	validates("no CRL for the issuer", crl, sh, T, DANECID_R_CERT_INVALID,
	          "certificate of the signer: unable to get certificate CRL");
	validates("no CRL for the issuer, no crl-file", plain, sh, T, DANECID_R_OK, "");
	danecid_certchain_free(sh);
	danecid_certchain_free(revoked);
	danecid_certchain_free(good);
	danecid_castore_free(old);
	danecid_castore_free(plain);
	danecid_castore_free(crl);
}

/* An intermediate CA under the root, with a key of its own (spec.key; freed by under_inter). */
static struct spec inter_spec(const char *cn, long serial)
{
	struct spec is = {
	    .cn = cn,
	    .key = EVP_EC_gen("P-256"),
	    .issuer = pki.root,
	    .sign_key = pki.root_key,
	    .serial = serial,
	    .from = -10 * DAY,
	    .to = 60 * DAY,
	    .bc = CA_BC,
	    .ku = CA_KU,
	};

	assert_non_null(is.key);
	return is;
}

/* Make the intermediate is, a leaf under it, and validate the two at T. */
static void under_inter(const char *what, danecid_castore *cs, struct spec *is, long serial,
                        enum danecid_reason want, const char *detail)
{
	X509 *inter = make_cert(is);
	struct spec s = leaf_spec("Leaf", pki.leaf_key, serial);
	danecid_certchain *ch;

	assert_non_null(inter);
	s.issuer = inter;
	s.sign_key = is->key;
	ch = chain_of_spec(&s, inter);
	validates(what, cs, ch, T, want, detail);
	danecid_certchain_free(ch);
	X509_free(inter);
	EVP_PKEY_free(is->key);
}

/* A critical TNAuthList is understood; any other unknown critical extension is not. */
static void test_validate_critical_extensions(void **state)
{
	danecid_castore *cs = store(pki.root_file, NULL, NULL);
	struct spec s = leaf_spec("Critical Leaf", pki.leaf_key, 500);
	danecid_certchain *ch;

	(void)state;
	s.tnauth_crit = 1;
	ch = chain_of_spec(&s, pki.inter);
	validates("critical TNAuthList", cs, ch, T, DANECID_R_OK, "");
	assert_tn_one(ch);
	danecid_certchain_free(ch);

	s.extra_oid = "1.2.3.4";
	s.extra_crit = 1;
	ch = chain_of_spec(&s, pki.inter);
	validates("critical TNAuthList and 1.2.3.4", cs, ch, T, DANECID_R_CERT_INVALID,
	          "certificate of the signer: unhandled critical extension");
	danecid_certchain_free(ch);

	s.tnauth_crit = 0;
	ch = chain_of_spec(&s, pki.inter);
	validates("critical 1.2.3.4", cs, ch, T, DANECID_R_CERT_INVALID,
	          "certificate of the signer: unhandled critical extension");
	danecid_certchain_free(ch);

	/* unknown but not critical: fine */
	s.extra_crit = 0;
	ch = chain_of_spec(&s, pki.inter);
	validates("non-critical 1.2.3.4", cs, ch, T, DANECID_R_OK, "");
	danecid_certchain_free(ch);

	/* a critical unknown extension on the intermediate is not excused either */
	{
		struct spec is = inter_spec("Odd Intermediate", 501);

		is.extra_oid = "1.2.3.4";
		is.extra_crit = 1;
		under_inter("critical 1.2.3.4 on the intermediate", cs, &is, 502,
		            DANECID_R_CERT_INVALID,
		            "certificate chain: unhandled critical extension");
	}
	danecid_castore_free(cs);
}

/* The STI profile of the signer's certificate: not a CA; a key usage must allow
 * digitalSignature. A critical TNAuthList on an intermediate (a delegate CA) is understood. */
static void test_validate_leaf_profile(void **state)
{
	danecid_castore *cs = store(pki.root_file, NULL, NULL);
	struct spec s = leaf_spec("Profile Leaf", pki.leaf_key, 600);
	danecid_certchain *ch;

	(void)state;
	s.bc = CA_BC;
	ch = chain_of_spec(&s, pki.inter);
	validates("a CA certificate as the signer's", cs, ch, T, DANECID_R_CERT_INVALID,
	          "certificate of the signer: it is a CA certificate");
	danecid_certchain_free(ch);

	s = leaf_spec("Profile Leaf", pki.leaf_key, 601);
	s.ku = "critical,keyEncipherment";
	ch = chain_of_spec(&s, pki.inter);
	validates("key usage without digitalSignature", cs, ch, T, DANECID_R_CERT_INVALID,
	          "certificate of the signer: its key usage excludes digitalSignature");
	danecid_certchain_free(ch);

	s = leaf_spec("Profile Leaf", pki.leaf_key, 602);
	s.ku = NULL;
	ch = chain_of_spec(&s, pki.inter);
	validates("no key usage at all", cs, ch, T, DANECID_R_OK, "");
	danecid_certchain_free(ch);

	{
		struct spec is = inter_spec("Delegate CA", 603);

		is.tnauth = tn_one;
		is.tnauth_len = sizeof(tn_one);
		is.tnauth_times = 1;
		is.tnauth_crit = 1;
		under_inter("critical TNAuthList on the intermediate", cs, &is, 604, DANECID_R_OK,
		            "");
	}
	danecid_castore_free(cs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_leaf_only),
	    cmocka_unit_test(test_parse_leaf_and_intermediate),
	    cmocka_unit_test(test_parse_not_after_earliest),
	    cmocka_unit_test(test_parse_key_kinds),
	    cmocka_unit_test(test_parse_tnauth),
	    cmocka_unit_test(test_parse_tnauth_absent),
	    cmocka_unit_test(test_parse_tnauth_twice),
	    cmocka_unit_test(test_parse_tnauth_malformed),
	    cmocka_unit_test(test_parse_refused),
	    cmocka_unit_test(test_parse_limit),
	    cmocka_unit_test(test_parse_prefixes),
	    cmocka_unit_test(test_parse_text_around),
	    cmocka_unit_test(test_chain_ref_free),
	    cmocka_unit_test(test_castore_needs_roots),
	    cmocka_unit_test(test_castore_missing_files),
	    cmocka_unit_test(test_castore_nothing_to_read),
	    cmocka_unit_test(test_castore_ref_free),
	    cmocka_unit_test(test_castore_ca_path),
	    cmocka_unit_test(test_validate_ok),
	    cmocka_unit_test(test_validate_times),
	    cmocka_unit_test(test_validate_untrusted),
	    cmocka_unit_test(test_validate_signatures_and_ca),
	    cmocka_unit_test(test_validate_crl),
	    cmocka_unit_test(test_validate_critical_extensions),
	    cmocka_unit_test(test_validate_leaf_profile),
	};

	return cmocka_run_group_tests_name("x509", tests, group_setup, group_teardown);
}
