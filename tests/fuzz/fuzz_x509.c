/* fuzz_x509 — the certificate method's parsers: an x5u document (fetched from a URL the
 * PASSporT names, so from anyone) and a TNAuthList extension value.
 *
 * The input is read as an x5u document (danecid_certchain_parse: PEM certificates only, the
 * leaf first): a chain that parses has an SPKI, a notAfter, a TNAuthList or the reason why
 * not, and is validated at the pinned clock against the STI-CA root and CRLs of the seeds'
 * test PKI (fuzz_x509_pki.h, handed over as memory files). The same input is read as the
 * DER of a TNAuthList (danecid_tnauth_parse). Every TNAuthList (of a chain or read directly)
 * holds at most DANECID_TNAUTH_MAX entries of the documented shapes, covers each number of
 * its "one" entries and the first and last numbers of its ranges, and explains any answer of
 * danecid_tnauth_covers() in a NUL-terminated text.
 */
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <danecid/danecid.h>

#include "fuzz.h"
#include "fuzz_x509_pki.h"
#include "tnauth.h"
#include "x509.h"

static danecid_castore *store;
static struct danecid_spc_map spc_map;

/* A memory file holding text; its /proc path goes to path. The descriptor stays open. */
static void memfile(const char *name, const char *text, char *path, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	snprintf(path, len, "/proc/self/fd/%d", fd);
}

static void setup(void)
{
	char ca[64], crl[64], err[256];

	memfile("sti-ca.pem", pki_root_pem, ca, sizeof(ca));
	memfile("sti-ca.crl", pki_crl_pem, crl, sizeof(crl));
	FUZZ_CHECK(danecid_castore_new(ca, NULL, crl, &store, err, sizeof(err)) == DANECID_OK);
	FUZZ_CHECK(danecid_spc_map_parse("709J=1202555,709J=1415,AB=44", 28, &spc_map, err,
	                                 sizeof(err)) == DANECID_OK);
}

static bool covers(const struct danecid_tnauth *ta, const char *tn)
{
	char why[160];
	bool hit;

	memset(why, 0x5a, sizeof(why));
	hit = danecid_tnauth_covers(ta, &spc_map, tn, strlen(tn), why, sizeof(why));
	FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL && why[0] != '\0');
	return hit;
}

static bool digits_only(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
}

static void check_tnauth(const struct danecid_tnauth *ta)
{
	FUZZ_CHECK(ta->n <= DANECID_TNAUTH_MAX);
	for (size_t i = 0; i < ta->n; i++) {
		const struct danecid_tnauth_entry *e = &ta->e[i];
		size_t len = strlen(e->value);

		FUZZ_CHECK(len >= 1 && len <= DANECID_SPC_MAX);
		switch (e->kind) {
		case DANECID_TNAUTH_SPC:
			FUZZ_CHECK(e->count == 0);
			for (size_t k = 0; k < len; k++) {
				FUZZ_CHECK(e->value[k] >= 0x20 && e->value[k] < 0x7f);
			}
			break;
		case DANECID_TNAUTH_ONE:
			FUZZ_CHECK(e->count == 0 && len <= DANECID_TN_MAX);
			FUZZ_CHECK(strspn(e->value, "0123456789#*") == len);
			if (digits_only(e->value)) {
				FUZZ_CHECK(covers(ta, e->value));
			}
			break;
		case DANECID_TNAUTH_RANGE:
			FUZZ_CHECK(e->count >= 2 && len <= DANECID_TN_MAX);
			FUZZ_CHECK(strspn(e->value, "0123456789#*") == len);
			if (digits_only(e->value)) {
				unsigned long long start = strtoull(e->value, NULL, 10), last;
				char buf[32];

				FUZZ_CHECK(covers(ta, e->value));
				/* the last number of the range, when it has as many digits */
				if (e->count - 1 <= 999999999999999ULL - start) {
					last = start + (e->count - 1);
					snprintf(buf, sizeof(buf), "%0*llu", (int)len, last);
					if (strlen(buf) == len) {
						FUZZ_CHECK(covers(ta, buf));
					}
				}
			}
			break;
		default:
			FUZZ_CHECK(!"an unknown TNEntry kind");
		}
	}
	(void)covers(ta, "12025550100");
	(void)covers(ta, "4420794600");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	danecid_certchain *ch = NULL;
	struct danecid_tnauth ta;
	char err[256], detail[256];
	int r;

	if (store == NULL) {
		setup();
	}
	r = danecid_certchain_parse(data, size, &ch, err, sizeof(err));
	FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_MALFORMED);
	FUZZ_CHECK((r == DANECID_OK) == (ch != NULL));
	if (ch != NULL) {
		const struct danecid_tnauth *t;
		const char *why = NULL;
		size_t spki_len = 0;
		enum danecid_reason v;

		FUZZ_CHECK(danecid_certchain_spki(ch, &spki_len) != NULL && spki_len > 0);
		(void)danecid_certchain_not_after(ch);
		(void)danecid_certchain_key(ch);
		t = danecid_certchain_tnauth(ch, &why);
		if (t != NULL) {
			check_tnauth(t);
		} else {
			FUZZ_CHECK(why != NULL);
		}
		v = danecid_certchain_validate(store, ch, FUZZ_NOW, detail, sizeof(detail));
		FUZZ_CHECK(v == DANECID_R_OK || v == DANECID_R_CERT_INVALID);
		danecid_certchain_free(ch);
	}
	memset(&ta, 0, sizeof(ta));
	r = danecid_tnauth_parse(data, size, &ta, err, sizeof(err));
	FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_MALFORMED);
	if (r == DANECID_OK) {
		check_tnauth(&ta);
	}
	return 0;
}
