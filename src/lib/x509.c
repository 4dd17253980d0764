/* x509 — x5u documents, STI-CA trust and chain validation with OpenSSL (RFC 8226). */
#include <errno.h>
#include <sys/stat.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <danecid/error.h>

#include "util.h"
#include "x509.h"

#define CHAIN_MAX     8
#define TNAUTH_OID    "1.3.6.1.5.5.7.1.26"
#define PEM_CERT_HEAD "-----BEGIN CERTIFICATE-----"

struct danecid_certchain {
	atomic_uint refs;
	X509 *leaf;
	STACK_OF(X509) * inter;
	danecid_es256_key *key; /* NULL: not P-256 */
	uint8_t *spki;          /* the leaf's SubjectPublicKeyInfo, DER (OPENSSL_malloc'd) */
	size_t spki_len;
	time_t not_after;
	bool has_tnauth;
	struct danecid_tnauth tnauth;
	char tnauth_err[160]; /* why there is no usable TNAuthList */
};

struct danecid_castore {
	atomic_uint refs;
	X509_STORE *store;
	bool crls;
};

/* ---- the x5u document ---- */

static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		return 0;
	}
	return timegm(&tm);
}

/* Read the leaf's TNAuthList into ch (absent, unreadable, or twice: none usable). */
static void leaf_tnauth(danecid_certchain *ch)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(TNAUTH_OID, 1);
	int at, again;
	const ASN1_OCTET_STRING *val;
	char err[120] = "";

	if (oid == NULL) {
		snprintf(ch->tnauth_err, sizeof(ch->tnauth_err), "out of memory");
		return;
	}
	at = X509_get_ext_by_OBJ(ch->leaf, oid, -1);
	again = at >= 0 ? X509_get_ext_by_OBJ(ch->leaf, oid, at) : -1;
	ASN1_OBJECT_free(oid);
	if (at < 0) {
		snprintf(ch->tnauth_err, sizeof(ch->tnauth_err),
		         "the certificate has no TNAuthList extension");
		return;
	}
	if (again >= 0) {
		snprintf(ch->tnauth_err, sizeof(ch->tnauth_err),
		         "the certificate has two TNAuthList extensions");
		return;
	}
	val = X509_EXTENSION_get_data(X509_get_ext(ch->leaf, at));
	if (danecid_tnauth_parse(ASN1_STRING_get0_data(val), (size_t)ASN1_STRING_length(val),
	                         &ch->tnauth, err, sizeof(err)) != DANECID_OK) {
		snprintf(ch->tnauth_err, sizeof(ch->tnauth_err), "unreadable TNAuthList: %s", err);
		return;
	}
	ch->has_tnauth = true;
}

static int leaf_key(danecid_certchain *ch)
{
	EVP_PKEY *pk = X509_get0_pubkey(ch->leaf);
	unsigned char *der = NULL;
	int len;
	int r;

	if (pk == NULL) {
		return DANECID_ERR_MALFORMED;
	}
	if ((len = i2d_PUBKEY(pk, &der)) <= 0) {
		return DANECID_ERR_NOMEM;
	}
	ch->spki = der; /* kept: DANE digest records are matched against it */
	ch->spki_len = (size_t)len;
	r = danecid_es256_key_from_spki(der, (size_t)len, &ch->key);
	if (r == DANECID_ERR_NOMEM) {
		return r;
	}
	if (r != DANECID_OK) {
		ch->key = NULL; /* another kind of key: ES256 PASSporTs cannot verify under it */
	}
	return DANECID_OK;
}

/* Whether the document is only PEM CERTIFICATE blocks and white space (OpenSSL's reader
 * would skip any other text between the blocks). */
static bool only_cert_blocks(const uint8_t *p, size_t len)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	bool inside = false;
	size_t i = 0;

	while (i < len) {
		size_t j = i, k;

		while (j < len && p[j] != '\n') {
			j++;
		}
		k = j; /* the line is [i, k) without its CR and trailing blanks */
		while (k > i && (p[k - 1] == '\r' || p[k - 1] == ' ' || p[k - 1] == '\t')) {
			k--;
		}
		if (!inside) {
			if (k - i == sizeof(begin) - 1 && memcmp(p + i, begin, k - i) == 0) {
				inside = true;
			} else if (k != i) {
				return false; /* text outside a block */
			}
		} else if (k - i == sizeof(end) - 1 && memcmp(p + i, end, k - i) == 0) {
			inside = false;
		}
		i = j + 1;
	}
	return !inside;
}

int danecid_certchain_parse(const uint8_t *pem, size_t len, danecid_certchain **out, char *err,
                            size_t errlen)
{
	danecid_certchain *ch = NULL;
	BIO *bio = NULL;
	size_t n = 0;
	int r = DANECID_ERR_NOMEM;

	*out = NULL;
	if (len == 0 || len > INT32_MAX) {
		danecid_errf(err, errlen, "it is empty");
		return DANECID_ERR_MALFORMED;
	}
	if (!only_cert_blocks(pem, len)) {
		danecid_errf(err, errlen, "it holds something other than PEM certificates");
		return DANECID_ERR_MALFORMED;
	}
	if ((ch = calloc(1, sizeof(*ch))) == NULL || (ch->inter = sk_X509_new_null()) == NULL ||
	    (bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		goto out;
	}
	atomic_init(&ch->refs, 1);
	for (;;) {
		X509 *x;
		char *name = NULL, *header = NULL;
		unsigned char *data = NULL;
		long dlen = 0;
		const unsigned char *p;

		ERR_clear_error();
		if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1) {
			unsigned long e = ERR_peek_last_error();

			ERR_clear_error();
			if (ERR_GET_REASON(e) == PEM_R_NO_START_LINE && n > 0) {
				break; /* the end of the document (only white space follows) */
			}
			danecid_errf(err, errlen, "%s",
			             n == 0 ? "it holds no PEM certificate"
			                    : "it has a broken PEM block");
			r = DANECID_ERR_MALFORMED;
			goto out;
		}
		p = data;
		/* only CERTIFICATE blocks get here (only_cert_blocks); the name is checked anyway
		 */
		x = strcmp(name, "CERTIFICATE") == 0 ? d2i_X509(NULL, &p, dlen) : NULL;
		if (x == NULL || p != data + dlen) {
			X509_free(x);
			x = NULL;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		if (x == NULL) {
			danecid_errf(err, errlen, "its certificate %zu is not DER X.509", n + 1);
			r = DANECID_ERR_MALFORMED;
			goto out;
		}
		if (n == CHAIN_MAX) {
			X509_free(x);
			danecid_errf(err, errlen, "it holds more than %d certificates", CHAIN_MAX);
			r = DANECID_ERR_MALFORMED;
			goto out;
		}
		if (n == 0) {
			ch->leaf = x;
		} else if (!sk_X509_push(ch->inter, x)) {
			X509_free(x);
			goto out;
		}
		n++;
	}
	ERR_clear_error();
	ch->not_after = asn1_time(X509_get0_notAfter(ch->leaf));
	for (int i = 0; i < sk_X509_num(ch->inter); i++) {
		time_t t = asn1_time(X509_get0_notAfter(sk_X509_value(ch->inter, i)));

		if (t < ch->not_after) {
			ch->not_after = t;
		}
	}
	if ((r = leaf_key(ch)) != DANECID_OK) {
		if (r == DANECID_ERR_MALFORMED) {
			danecid_errf(err, errlen, "the certificate's public key cannot be read");
		}
		goto out;
	}
	leaf_tnauth(ch);
	*out = ch;
	ch = NULL;
	r = DANECID_OK;
out:
	BIO_free(bio);
	danecid_certchain_free(ch);
	ERR_clear_error();
	return r;
}

danecid_certchain *danecid_certchain_ref(danecid_certchain *ch)
{
	atomic_fetch_add(&ch->refs, 1);
	return ch;
}

void danecid_certchain_free(danecid_certchain *ch)
{
	if (ch == NULL || atomic_fetch_sub(&ch->refs, 1) != 1) {
		return;
	}
	X509_free(ch->leaf);
	sk_X509_pop_free(ch->inter, X509_free);
	danecid_es256_key_free(ch->key);
	OPENSSL_free(ch->spki);
	free(ch);
}

time_t danecid_certchain_not_after(const danecid_certchain *ch)
{
	return ch->not_after;
}

const danecid_es256_key *danecid_certchain_key(const danecid_certchain *ch)
{
	return ch->key;
}

const uint8_t *danecid_certchain_spki(const danecid_certchain *ch, size_t *len)
{
	*len = ch->spki_len;
	return ch->spki;
}

const struct danecid_tnauth *danecid_certchain_tnauth(const danecid_certchain *ch, const char **why)
{
	if (!ch->has_tnauth) {
		if (why != NULL) {
			*why = ch->tnauth_err;
		}
		return NULL;
	}
	return &ch->tnauth;
}

/* ---- the STI-CA store ---- */

/* A file the store is to read: say clearly when it cannot be opened at all. */
static bool readable(const char *what, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		danecid_errf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return false;
	}
	fclose(f);
	return true;
}

int danecid_castore_new(const char *ca_file, const char *ca_path, const char *crl_file,
                        danecid_castore **out, char *err, size_t errlen)
{
	danecid_castore *cs;
	X509_LOOKUP *lk;
	int r = DANECID_ERR_CONFIG;

	*out = NULL;
	if (ca_file == NULL && ca_path == NULL) {
		danecid_errf(err, errlen,
		             "the x509 method needs STI-CA roots (ca-file: FILE or ca-path: DIR)");
		return DANECID_ERR_CONFIG;
	}
	if ((cs = calloc(1, sizeof(*cs))) == NULL || (cs->store = X509_STORE_new()) == NULL) {
		free(cs);
		return DANECID_ERR_NOMEM;
	}
	atomic_init(&cs->refs, 1);
	ERR_clear_error();
	if ((ca_file != NULL && !readable("ca-file", ca_file, err, errlen)) ||
	    (crl_file != NULL && !readable("crl-file", crl_file, err, errlen))) {
		goto fail;
	}
	if (ca_file != NULL) {
		lk = X509_STORE_add_lookup(cs->store, X509_LOOKUP_file());
		if (lk == NULL || X509_load_cert_file(lk, ca_file, X509_FILETYPE_PEM) <= 0) {
			danecid_errf(err, errlen, "ca-file %s: no PEM certificate could be read",
			             ca_file);
			goto fail;
		}
	}
	if (ca_path != NULL) {
		struct stat st;

		if (stat(ca_path, &st) != 0) {
			danecid_errf(err, errlen, "ca-path %s: %s", ca_path, strerror(errno));
			goto fail;
		}
		if (!S_ISDIR(st.st_mode)) {
			danecid_errf(err, errlen, "ca-path %s: not a directory", ca_path);
			goto fail;
		}
		lk = X509_STORE_add_lookup(cs->store, X509_LOOKUP_hash_dir());
		if (lk == NULL || X509_LOOKUP_add_dir(lk, ca_path, X509_FILETYPE_PEM) != 1) {
			danecid_errf(err, errlen, "ca-path %s cannot be used", ca_path);
			goto fail;
		}
	}
	if (crl_file != NULL) {
		lk = X509_STORE_add_lookup(cs->store, X509_LOOKUP_file());
		if (lk == NULL || X509_load_crl_file(lk, crl_file, X509_FILETYPE_PEM) <= 0) {
			danecid_errf(err, errlen, "crl-file %s: no PEM CRL could be read",
			             crl_file);
			goto fail;
		}
		cs->crls = true;
	}
	ERR_clear_error();
	*out = cs;
	return DANECID_OK;
fail:
	ERR_clear_error();
	danecid_castore_free(cs);
	return r;
}

danecid_castore *danecid_castore_ref(danecid_castore *cs)
{
	atomic_fetch_add(&cs->refs, 1);
	return cs;
}

void danecid_castore_free(danecid_castore *cs)
{
	if (cs == NULL || atomic_fetch_sub(&cs->refs, 1) != 1) {
		return;
	}
	X509_STORE_free(cs->store);
	free(cs);
}

/* Whether every critical extension of x that OpenSSL does not handle is the TNAuthList. */
static bool only_tnauth_unhandled(X509 *x)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(TNAUTH_OID, 1);
	bool ok = oid != NULL;

	for (int i = 0; ok && i < X509_get_ext_count(x); i++) {
		X509_EXTENSION *e = X509_get_ext(x, i);

		if (X509_EXTENSION_get_critical(e) && !X509_supported_extension(e) &&
		    OBJ_cmp(X509_EXTENSION_get_object(e), oid) != 0) {
			ok = false;
		}
	}
	ASN1_OBJECT_free(oid);
	return ok;
}

static int verify_cb(int ok, X509_STORE_CTX *xc)
{
	/* a TNAuthList may be critical, on the signer's certificate or on a CA's (RFC 9060
	 * delegate certificates) */
	if (!ok && X509_STORE_CTX_get_error(xc) == X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION &&
	    only_tnauth_unhandled(X509_STORE_CTX_get_current_cert(xc))) {
		X509_STORE_CTX_set_error(xc, X509_V_OK);
		return 1;
	}
	return ok;
}

enum danecid_reason danecid_certchain_validate(const danecid_castore *cs,
                                               const danecid_certchain *ch, time_t now,
                                               char *detail, size_t dlen)
{
	X509_STORE_CTX *xc = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *vp;
	enum danecid_reason why = DANECID_R_CERT_INVALID;
	unsigned long flags = X509_V_FLAG_USE_CHECK_TIME;

	if (xc == NULL || X509_STORE_CTX_init(xc, cs->store, ch->leaf, ch->inter) != 1) {
		danecid_errf(detail, dlen, "certificate check could not be set up");
		goto out;
	}
	vp = X509_STORE_CTX_get0_param(xc);
	X509_VERIFY_PARAM_set_time(vp, now);
	if (cs->crls) {
		flags |= X509_V_FLAG_CRL_CHECK;
	}
	X509_VERIFY_PARAM_set_flags(vp, flags);
	X509_VERIFY_PARAM_set_depth(vp, CHAIN_MAX);
	X509_STORE_CTX_set_verify_cb(xc, verify_cb);
	if (X509_verify_cert(xc) == 1) {
		uint32_t ku = X509_get_key_usage(ch->leaf);

		why = DANECID_R_CERT_INVALID;
		if ((X509_get_extension_flags(ch->leaf) & EXFLAG_CA) != 0 ||
		    X509_check_ca(ch->leaf) != 0) {
			danecid_errf(detail, dlen,
			             "certificate of the signer: it is a CA certificate");
		} else if (ku != UINT32_MAX && (ku & KU_DIGITAL_SIGNATURE) == 0) {
			danecid_errf(detail, dlen,
			             "certificate of the signer: its key usage excludes "
			             "digitalSignature");
		} else {
			why = DANECID_R_OK;
		}
	} else {
		int e = X509_STORE_CTX_get_error(xc);
		int depth = X509_STORE_CTX_get_error_depth(xc);

		danecid_errf(detail, dlen, "certificate %s: %s",
		             depth <= 0 ? "of the signer" : "chain",
		             X509_verify_cert_error_string(e));
	}
out:
	X509_STORE_CTX_free(xc);
	ERR_clear_error();
	return why;
}
