/* test_rcd — Rich Call Data claims (RFC 9795): statuses, reasons, exact verdict JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <danecid/error.h>

#include "guard.h"
#include "rcd.h"

#define NONE     DANECID_RCD_NONE
#define VERIFIED DANECID_RCD_VERIFIED
#define INVALID  DANECID_RCD_INVALID

/* The 8-byte PNG signature, as a data: URI and its digests; the digests were computed with
 * printf '\x89PNG\r\n\x1a\n' | openssl dgst -sha256 -binary | base64 (and -sha384, -sha512). */
#define PNG_BYTES  "\x89PNG\r\n\x1a\n"
#define PNG_DATA   "data:image/png;base64,iVBORw0KGgo="
#define PNG_SHA256 "sha256-TEtqO+ExSrhhOL70MU3eAi5gCWDYaJosj4YxgC0g2rY="
#define PNG_SHA384 "sha384-NWEhafvtpWwh8GQaE1emiuvvCQ76UsX+wZ2sxQ2Ou7QJ5gGftt/+ZDuPAbo1l7FM"
#define PNG_SHA512                                                                                 \
	"sha512-64tUiR/WcurEhWK5HkS5QgTAEiWAum9I/"                                                 \
	"amqetjZaWGLNMXhYprt2vlZ9704KXIhjQd9M6+5iPNaFEfEx4N"                                       \
	"94Q=="
/* printf 'Hello, World' | openssl dgst -sha256 -binary | base64 */
#define HELLO_SHA256 "sha256-A2daxT/5zRU1zMffzfosRYxSGDcfQY3BNvLRmsH76KU="

#define ICON  "https://example.com/q.png"
#define PHOTO "https://example.com/photos/q-256x256.png"
#define CARD  "https://example.com/q.json"

/* A jCard with one photo; its URI is at /jcd/1/2/3. */
#define JCARD(uri)                                                                                 \
	"[\"vcard\",[[\"version\",{},\"text\",\"4.0\"],[\"fn\",{},\"text\",\"Q Branch\"],"         \
	"[\"photo\",{},\"uri\",\"" uri "\"]]]"

struct row {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen(in) */
	enum danecid_rcd_status st;
	const char *want; /* VERIFIED: the exact JSON; INVALID: a substring of the reason */
};

static const struct row rows[] = {
    /* NONE */
    {"no rcd claims", "{\"iat\":1,\"orig\":{\"tn\":\"12025550100\"}}", 0, NONE, NULL},
    {"empty claims object", "{}", 0, NONE, NULL},
    /* nam, crn, apn */
    {"nam only", "{\"rcd\":{\"nam\":\"Alice\"}}", 0, VERIFIED,
     "{\"nam\":\"Alice\",\"integrity\":\"signature-only\"}"},
    {"empty nam", "{\"rcd\":{\"nam\":\"\"}}", 0, VERIFIED,
     "{\"nam\":\"\",\"integrity\":\"signature-only\"}"},
    {"nam and crn", "{\"crn\":\"Rendezvous for Little Nellie\",\"rcd\":{\"nam\":\"Q Branch\"}}", 0,
     VERIFIED,
     "{\"nam\":\"Q Branch\",\"crn\":\"Rendezvous for Little Nellie\","
     "\"integrity\":\"signature-only\"}"},
    {"crn only", "{\"crn\":\"Lunch\"}", 0, VERIFIED,
     "{\"crn\":\"Lunch\",\"integrity\":\"signature-only\"}"},
    {"apn after nam", "{\"rcd\":{\"apn\":\"+12025550100\",\"nam\":\"Q\"}}", 0, VERIFIED,
     "{\"nam\":\"Q\",\"apn\":\"+12025550100\",\"integrity\":\"signature-only\"}"},
    {"UTF-8 nam, escaped and raw", "{\"rcd\":{\"nam\":\"Jos\\u00e9 \xe6\x9d\x8e\"}}", 0, VERIFIED,
     "{\"nam\":\"Jos\xc3\xa9 \xe6\x9d\x8e\",\"integrity\":\"signature-only\"}"},
    {"unknown rcd member not copied", "{\"rcd\":{\"nam\":\"Q\",\"xyz\":[1,2]}}", 0, VERIFIED,
     "{\"nam\":\"Q\",\"integrity\":\"signature-only\"}"},
    {"nam missing", "{\"rcd\":{\"apn\":\"+12025550100\"}}", 0, INVALID, "rcd has no nam"},
    {"nam not a string", "{\"rcd\":{\"nam\":7}}", 0, INVALID, "rcd nam is not a string"},
    {"nam with BEL", "{\"rcd\":{\"nam\":\"Al\\u0007ice\"}}", 0, INVALID,
     "rcd nam contains a control character"},
    {"nam with LF", "{\"rcd\":{\"nam\":\"Al\\nice\"}}", 0, INVALID,
     "rcd nam contains a control character"},
    {"nam with DEL", "{\"rcd\":{\"nam\":\"Al\\u007fice\"}}", 0, INVALID,
     "rcd nam contains a control character"},
    {"nam with C1 NEL", "{\"rcd\":{\"nam\":\"Al\\u0085ice\"}}", 0, INVALID,
     "rcd nam contains a control character"},
    {"nam with NUL", "{\"rcd\":{\"nam\":\"Al\\u0000ice\"}}", 0, INVALID,
     "claims are not valid JSON"},
    {"crn with CR", "{\"crn\":\"a\\rb\",\"rcd\":{\"nam\":\"Q\"}}", 0, INVALID,
     "crn contains a control character"},
    {"crn not a string", "{\"crn\":[\"a\"]}", 0, INVALID, "crn is not a string"},
    {"apn not a string", "{\"rcd\":{\"nam\":\"Q\",\"apn\":12025550100}}", 0, INVALID,
     "rcd apn is not a string"},
    {"rcd not an object", "{\"rcd\":\"Q\"}", 0, INVALID, "rcd is not an object"},
    /* icn */
    {"icn https without rcdi", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"}}", 0, VERIFIED,
     "{\"nam\":\"Q\",\"icn\":\"" ICON "\",\"integrity\":\"signature-only\"}"},
    {"icn https with rcdi",
     "{\"rcd\":{\"icn\":\"" ICON "\",\"nam\":\"Q\"},\"rcdi\":{\"/icn\":\"" PNG_SHA256 "\"}}", 0,
     VERIFIED,
     "{\"nam\":\"Q\",\"icn\":\"" ICON "\",\"rcdi\":{\"/icn\":\"" PNG_SHA256 "\"},"
     "\"integrity\":\"rcdi\"}"},
    {"icn https not covered by rcdi", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},\"rcdi\":{}}",
     0, INVALID, "rcd URI at /icn has no rcdi digest"},
    {"icn http", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"http://example.com/q.png\"}}", 0, INVALID,
     "rcd /icn \"http://example.com/q.png\" is not an https: or well-formed data: URI"},
    {"icn ftp", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"ftp://example.com/q.png\"}}", 0, INVALID,
     "is not an https: or well-formed data: URI"},
    {"icn javascript", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"javascript:alert(1)\"}}", 0, INVALID,
     "is not an https: or well-formed data: URI"},
    {"icn tel", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"tel:+12025550100\"}}", 0, INVALID,
     "is not an https: or well-formed data: URI"},
    {"icn https without authority", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"https:///q.png\"}}", 0,
     INVALID, "is not an https: or well-formed data: URI"},
    {"icn https with a space", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"https://example.com/a b\"}}", 0,
     INVALID, "is not an https: or well-formed data: URI"},
    {"icn HTTPS upper case", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"HTTPS://example.com/q.png\"}}", 0,
     VERIFIED,
     "{\"nam\":\"Q\",\"icn\":\"HTTPS://example.com/q.png\",\"integrity\":\"signature-only\"}"},
    {"icn not a string", "{\"rcd\":{\"nam\":\"Q\",\"icn\":{}}}", 0, INVALID,
     "rcd /icn is not a string"},
    /* data: URIs (RFC 2397) */
    {"data icn, right sha256",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" PNG_DATA "\"},\"rcdi\":{\"/icn\":\"" PNG_SHA256 "\"}}", 0,
     VERIFIED,
     "{\"nam\":\"Q\",\"icn\":\"" PNG_DATA "\",\"rcdi\":{\"/icn\":\"" PNG_SHA256 "\"},"
     "\"integrity\":\"rcdi\"}"},
    {"data icn, right sha384",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" PNG_DATA "\"},\"rcdi\":{\"/icn\":\"" PNG_SHA384 "\"}}", 0,
     VERIFIED,
     "{\"nam\":\"Q\",\"icn\":\"" PNG_DATA "\",\"rcdi\":{\"/icn\":\"" PNG_SHA384 "\"},"
     "\"integrity\":\"rcdi\"}"},
    {"data icn, right sha512",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" PNG_DATA "\"},\"rcdi\":{\"/icn\":\"" PNG_SHA512 "\"}}", 0,
     VERIFIED,
     "{\"nam\":\"Q\",\"icn\":\"" PNG_DATA "\",\"rcdi\":{\"/icn\":\"" PNG_SHA512 "\"},"
     "\"integrity\":\"rcdi\"}"},
    {"data icn, wrong digest",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" PNG_DATA "\"},\"rcdi\":{\"/icn\":\"" HELLO_SHA256 "\"}}",
     0, INVALID, "rcdi \"/icn\": digest does not match the data: URI content"},
    {"data icn percent-encoded, right digest",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"data:,Hello%2C%20World\"},"
     "\"rcdi\":{\"/icn\":\"" HELLO_SHA256 "\"}}",
     0, VERIFIED,
     "{\"nam\":\"Q\",\"icn\":\"data:,Hello%2C%20World\",\"rcdi\":{\"/icn\":\"" HELLO_SHA256
     "\"},\"integrity\":\"rcdi\"}"},
    {"data icn percent-encoded, wrong digest",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"data:,Hello%2C%20World!\"},"
     "\"rcdi\":{\"/icn\":\"" HELLO_SHA256 "\"}}",
     0, INVALID, "digest does not match"},
    {"data icn without rcdi", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" PNG_DATA "\"}}", 0, VERIFIED,
     "{\"nam\":\"Q\",\"icn\":\"" PNG_DATA "\",\"integrity\":\"signature-only\"}"},
    {"data icn with parameters",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"data:text/"
     "plain;charset=US-ASCII;base64,SGVsbG8sIFdvcmxk\"},"
     "\"rcdi\":{\"/icn\":\"" HELLO_SHA256 "\"}}",
     0, VERIFIED,
     "{\"nam\":\"Q\",\"icn\":\"data:text/plain;charset=US-ASCII;base64,SGVsbG8sIFdvcmxk\","
     "\"rcdi\":{\"/icn\":\"" HELLO_SHA256 "\"},\"integrity\":\"rcdi\"}"},
    {"data icn base64 unpadded",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"data:image/png;base64,iVBORw0KGgo\"}}", 0, INVALID,
     "is not an https: or well-formed data: URI"},
    {"data icn base64 non-canonical",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"data:image/png;base64,iVBORw0KGgp=\"}}", 0, INVALID,
     "is not an https: or well-formed data: URI"},
    {"data icn bad escape", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"data:,100%zz\"}}", 0, INVALID,
     "is not an https: or well-formed data: URI"},
    {"data icn truncated escape", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"data:,100%2\"}}", 0, INVALID,
     "is not an https: or well-formed data: URI"},
    {"data icn without comma", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"data:image/png\"}}", 0, INVALID,
     "is not an https: or well-formed data: URI"},
    {"data icn bad mediatype", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"data:png;base64,iVBORw0KGgo=\"}}",
     0, INVALID, "is not an https: or well-formed data: URI"},
    {"data icn base64 not last",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"data:image/png;base64;x=y,iVBORw0KGgo=\"}}", 0, INVALID,
     "is not an https: or well-formed data: URI"},
    /* jcd (jCard) and jcl */
    {"jcd photo covered by rcdi",
     "{\"rcd\":{\"nam\":\"Q Branch\",\"jcd\":" JCARD(PHOTO) "},"
                                                            "\"rcdi\":{\"/jcd/1/2/3\":\"" PNG_SHA256
                                                            "\"}}",
     0, VERIFIED,
     "{\"nam\":\"Q Branch\",\"jcd\":" JCARD(PHOTO) ",\"rcdi\":{\"/jcd/1/2/3\":\"" PNG_SHA256
                                                   "\"},\"integrity\":\"rcdi\"}"},
    {"jcd photo, rcdi without it",
     "{\"rcd\":{\"nam\":\"Q Branch\",\"icn\":\"" ICON
     "\",\"jcd\":" JCARD(PHOTO) "},"
                                "\"rcdi\":{\"/icn\":\"" PNG_SHA256 "\"}}",
     0, INVALID, "rcd URI at /jcd/1/2/3 has no rcdi digest"},
    {"jcd photo without rcdi", "{\"rcd\":{\"nam\":\"Q Branch\",\"jcd\":" JCARD(PHOTO) "}}", 0,
     VERIFIED, "{\"nam\":\"Q Branch\",\"jcd\":" JCARD(PHOTO) ",\"integrity\":\"signature-only\"}"},
    {"jcd data photo, right digest",
     "{\"rcd\":{\"nam\":\"Q\",\"jcd\":" JCARD(PNG_DATA) "},"
                                                        "\"rcdi\":{\"/jcd/1/2/3\":\"" PNG_SHA256
                                                        "\"}}",
     0, VERIFIED,
     "{\"nam\":\"Q\",\"jcd\":" JCARD(PNG_DATA) ",\"rcdi\":{\"/jcd/1/2/3\":\"" PNG_SHA256
                                               "\"},\"integrity\":\"rcdi\"}"},
    {"jcd data photo, wrong digest",
     "{\"rcd\":{\"nam\":\"Q\",\"jcd\":" JCARD(PNG_DATA) "},"
                                                        "\"rcdi\":{\"/jcd/1/2/3\":\"" HELLO_SHA256
                                                        "\"}}",
     0, INVALID, "rcdi \"/jcd/1/2/3\": digest does not match"},
    {"jcd http photo", "{\"rcd\":{\"nam\":\"Q\",\"jcd\":" JCARD("http://example.com/q.png") "}}", 0,
     INVALID, "rcd jcd /jcd/1/2/3 \"http://example.com/q.png\" is not an allowed URI"},
    {"jcd tel needs no rcdi entry",
     "{\"rcd\":{\"nam\":\"Q\",\"jcd\":[\"vcard\",[[\"tel\",{\"type\":[\"work\"]},\"uri\","
     "\"tel:+1-202-555-0100\"]]]},\"rcdi\":{}}",
     0, VERIFIED,
     "{\"nam\":\"Q\",\"jcd\":[\"vcard\",[[\"tel\",{\"type\":[\"work\"]},\"uri\","
     "\"tel:+1-202-555-0100\"]]],\"rcdi\":{},\"integrity\":\"rcdi\"}"},
    {"jcd two logos, second not covered",
     "{\"rcd\":{\"nam\":\"Q\",\"jcd\":[\"vcard\",[[\"logo\",{},\"uri\",\"" ICON "\"],"
     "[\"logo\",{},\"uri\",\"" PHOTO "\"]]]},\"rcdi\":{\"/jcd/1/0/3\":\"" PNG_SHA256 "\"}}",
     0, INVALID, "rcd URI at /jcd/1/1/3 has no rcdi digest"},
    {"jcd not a jCard", "{\"rcd\":{\"nam\":\"Q\",\"jcd\":{\"fn\":\"Q\"}}}", 0, INVALID,
     "rcd jcd is not a jCard"},
    {"jcd not vcard", "{\"rcd\":{\"nam\":\"Q\",\"jcd\":[\"vcal\",[]]}}", 0, INVALID,
     "rcd jcd is not a jCard"},
    {"jcd short property", "{\"rcd\":{\"nam\":\"Q\",\"jcd\":[\"vcard\",[[\"fn\",{},\"text\"]]]}}",
     0, INVALID, "rcd jcd property 0 is not [name, {params}, type, value...]"},
    {"jcd uri value not a string",
     "{\"rcd\":{\"nam\":\"Q\",\"jcd\":[\"vcard\",[[\"photo\",{},\"uri\",[\"" ICON "\"]]]]}}", 0,
     INVALID, "rcd jcd /jcd/1/0/3 is not a string"},
    {"jcd and jcl", "{\"rcd\":{\"nam\":\"Q\",\"jcd\":" JCARD(PHOTO) ",\"jcl\":\"" CARD "\"}}", 0,
     INVALID, "rcd has both jcd and jcl"},
    {"jcl with rcdi, also into the referenced jCard",
     "{\"rcd\":{\"nam\":\"Q\",\"jcl\":\"" CARD "\"},"
     "\"rcdi\":{\"/jcl\":\"" PNG_SHA256 "\",\"/jcl/1/2/3\":\"" HELLO_SHA256 "\"}}",
     0, VERIFIED,
     "{\"nam\":\"Q\",\"jcl\":\"" CARD "\",\"rcdi\":{\"/jcl\":\"" PNG_SHA256
     "\",\"/jcl/1/2/3\":\"" HELLO_SHA256 "\"},\"integrity\":\"rcdi\"}"},
    {"jcl not covered", "{\"rcd\":{\"nam\":\"Q\",\"jcl\":\"" CARD "\"},\"rcdi\":{}}", 0, INVALID,
     "rcd URI at /jcl has no rcdi digest"},
    {"jcl http", "{\"rcd\":{\"nam\":\"Q\",\"jcl\":\"http://example.com/q.json\"}}", 0, INVALID,
     "rcd /jcl \"http://example.com/q.json\" is not an https: or well-formed data: URI"},
    {"all members, output in fixed order",
     "{\"rcdi\":{\"/jcl\":\"" PNG_SHA256 "\",\"/icn\":\"" PNG_SHA256 "\"},\"crn\":\"Hi\","
     "\"rcd\":{\"jcl\":\"" CARD "\",\"icn\":\"" ICON "\",\"apn\":\"+1\",\"nam\":\"N\"}}",
     0, VERIFIED,
     "{\"nam\":\"N\",\"apn\":\"+1\",\"icn\":\"" ICON "\",\"jcl\":\"" CARD "\",\"crn\":\"Hi\","
     "\"rcdi\":{\"/jcl\":\"" PNG_SHA256 "\",\"/icn\":\"" PNG_SHA256 "\"},"
     "\"integrity\":\"rcdi\"}"},
    /* rcdi pointers (RFC 6901) */
    {"rcdi pointer to nothing",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},"
     "\"rcdi\":{\"/icn\":\"" PNG_SHA256 "\",\"/icon\":\"" PNG_SHA256 "\"}}",
     0, INVALID, "rcdi \"/icon\" resolves to nothing in rcd"},
    {"rcdi pointer past the end of an array",
     "{\"rcd\":{\"nam\":\"Q\",\"jcd\":" JCARD(PHOTO) "},"
                                                     "\"rcdi\":{\"/jcd/1/2/3\":\"" PNG_SHA256
                                                     "\",\"/jcd/1/3/3\":\"" PNG_SHA256 "\"}}",
     0, INVALID, "rcdi \"/jcd/1/3/3\" resolves to nothing in rcd"},
    {"rcdi pointer index with leading zero",
     "{\"rcd\":{\"nam\":\"Q\",\"jcd\":" JCARD(PHOTO) "},"
                                                     "\"rcdi\":{\"/jcd/1/02/3\":\"" PNG_SHA256
                                                     "\"}}",
     0, INVALID, "rcdi \"/jcd/1/02/3\" resolves to nothing in rcd"},
    {"rcdi pointer to a non-string",
     "{\"rcd\":{\"nam\":\"Q\",\"jcd\":" JCARD(PHOTO) "},"
                                                     "\"rcdi\":{\"/jcd/1/2/3\":\"" PNG_SHA256
                                                     "\",\"/jcd/1\":\"" PNG_SHA256 "\"}}",
     0, INVALID, "rcdi \"/jcd/1\" does not resolve to a string in rcd"},
    {"rcdi pointer to a string that is not a URI",
     "{\"rcd\":{\"nam\":\"Q\"},\"rcdi\":{\"/nam\":\"" PNG_SHA256 "\"}}", 0, INVALID,
     "rcdi \"/nam\" does not resolve to an https: or data: URI"},
    {"rcdi pointer to a tel: URI",
     "{\"rcd\":{\"nam\":\"Q\",\"jcd\":[\"vcard\",[[\"tel\",{},\"uri\",\"tel:+1\"]]]},"
     "\"rcdi\":{\"/jcd/1/0/3\":\"" PNG_SHA256 "\"}}",
     0, INVALID, "rcdi \"/jcd/1/0/3\" does not resolve to an https: or data: URI"},
    {"rcdi pointer without leading slash",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},\"rcdi\":{\"icn\":\"" PNG_SHA256 "\"}}", 0,
     INVALID, "rcdi \"icn\": not a JSON pointer"},
    {"rcdi pointer with a bad escape",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},\"rcdi\":{\"/ic~2n\":\"" PNG_SHA256 "\"}}", 0,
     INVALID, "rcdi \"/ic~2n\": not a JSON pointer"},
    {"rcdi empty pointer",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},\"rcdi\":{\"\":\"" PNG_SHA256 "\"}}", 0,
     INVALID, "rcdi \"\" does not resolve to a string in rcd"},
    {"rcdi pointer with ~0 ~1 escapes into an unknown member",
     "{\"rcd\":{\"nam\":\"Q\",\"x~y/z\":\"" ICON "\"},\"rcdi\":{\"/x~0y~1z\":\"" PNG_SHA256 "\"}}",
     0, VERIFIED,
     "{\"nam\":\"Q\",\"rcdi\":{\"/x~0y~1z\":\"" PNG_SHA256 "\"},\"integrity\":\"rcdi\"}"},
    {"rcdi pointer \"/\" names the empty key",
     "{\"rcd\":{\"nam\":\"Q\",\"\":\"" ICON "\"},\"rcdi\":{\"/\":\"" PNG_SHA256 "\"}}", 0, VERIFIED,
     "{\"nam\":\"Q\",\"rcdi\":{\"/\":\"" PNG_SHA256 "\"},\"integrity\":\"rcdi\"}"},
    {"rcdi /jcl/... without jcl",
     "{\"rcd\":{\"nam\":\"Q\"},\"rcdi\":{\"/jcl/1/2/3\":\"" PNG_SHA256 "\"}}", 0, INVALID,
     "rcdi \"/jcl/1/2/3\" resolves to nothing in rcd"},
    {"rcdi without rcd", "{\"rcdi\":{},\"crn\":\"x\"}", 0, INVALID, "rcdi without rcd"},
    {"rcdi not an object", "{\"rcd\":{\"nam\":\"Q\"},\"rcdi\":[]}", 0, INVALID,
     "rcdi is not an object"},
    /* rcdi digests */
    {"digest sha1",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},"
     "\"rcdi\":{\"/icn\":\"sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=\"}}",
     0, INVALID, "rcdi \"/icn\": not a sha256-/sha384-/sha512- base64 digest"},
    {"digest upper-case algorithm",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},"
     "\"rcdi\":{\"/icn\":\"SHA256-TEtqO+ExSrhhOL70MU3eAi5gCWDYaJosj4YxgC0g2rY=\"}}",
     0, INVALID, "not a sha256-/sha384-/sha512- base64 digest"},
    {"digest without a dash",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},"
     "\"rcdi\":{\"/icn\":\"sha256:TEtqO+ExSrhhOL70MU3eAi5gCWDYaJosj4YxgC0g2rY=\"}}",
     0, INVALID, "not a sha256-/sha384-/sha512- base64 digest"},
    /* RFC 9795 §6's examples write digests without padding */
    {"digest unpadded",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},"
     "\"rcdi\":{\"/icn\":\"sha256-TEtqO+ExSrhhOL70MU3eAi5gCWDYaJosj4YxgC0g2rY\"}}",
     0, VERIFIED,
     "{\"nam\":\"Q\",\"icn\":\"" ICON "\",\"rcdi\":{\"/icn\":\"sha256-"
     "TEtqO+ExSrhhOL70MU3eAi5gCWDYaJosj4YxgC0g2rY\"},\"integrity\":\"rcdi\"}"},
    {"digest unpadded, one character short",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},"
     "\"rcdi\":{\"/icn\":\"sha256-TEtqO+ExSrhhOL70MU3eAi5gCWDYaJosj4YxgC0g2r\"}}",
     0, INVALID, "not a sha256-/sha384-/sha512- base64 digest"},
    {"digest base64url",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},"
     "\"rcdi\":{\"/icn\":\"sha256-TEtqO-ExSrhhOL70MU3eAi5gCWDYaJosj4YxgC0g2rY=\"}}",
     0, INVALID, "not a sha256-/sha384-/sha512- base64 digest"},
    {"digest non-canonical last character",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},"
     "\"rcdi\":{\"/icn\":\"sha256-TEtqO+ExSrhhOL70MU3eAi5gCWDYaJosj4YxgC0g2rZ=\"}}",
     0, INVALID, "not a sha256-/sha384-/sha512- base64 digest"},
    {"digest of the wrong length for sha384",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},"
     "\"rcdi\":{\"/icn\":\"sha384-TEtqO+ExSrhhOL70MU3eAi5gCWDYaJosj4YxgC0g2rY=\"}}",
     0, INVALID, "not a sha256-/sha384-/sha512- base64 digest"},
    {"digest of the wrong length for sha256",
     "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},\"rcdi\":{\"/icn\":"
     "\"sha256-NWEhafvtpWwh8GQaE1emiuvvCQ76UsX+wZ2sxQ2Ou7QJ5gGftt/+ZDuPAbo1l7FM\"}}",
     0, INVALID, "not a sha256-/sha384-/sha512- base64 digest"},
    {"digest not a string", "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"" ICON "\"},\"rcdi\":{\"/icn\":32}}",
     0, INVALID, "not a sha256-/sha384-/sha512- base64 digest"},
    /* JSON */
    {"not JSON", "rcd=Q", 0, INVALID, "claims are not valid JSON"},
    {"truncated JSON", "{\"rcd\":{\"nam\":\"Q\"}", 0, INVALID, "claims are not valid JSON"},
    {"trailing garbage", "{\"rcd\":{\"nam\":\"Q\"}} x", 0, INVALID, "claims are not valid JSON"},
    {"claims an array", "[{\"rcd\":{\"nam\":\"Q\"}}]", 0, INVALID, "claims are not a JSON object"},
    {"duplicate claim", "{\"crn\":\"a\",\"crn\":\"b\"}", 0, INVALID, "duplicate key in claims"},
    {"duplicate rcd member", "{\"rcd\":{\"nam\":\"a\",\"nam\":\"b\"}}", 0, INVALID,
     "duplicate key in claims"},
    {"empty input", "", 0, INVALID, "claims are empty"},
    /* Length, not NUL, ends the input. */
    {"len stops before trailing bytes", "{\"rcd\":{\"nam\":\"Q\"}}{\"crn\":\"x\"}", 19, VERIFIED,
     "{\"nam\":\"Q\",\"integrity\":\"signature-only\"}"},
    {"NUL inside len", "{\"rcd\":{\"nam\":\"Q\"}}\0", 20, INVALID, "claims are not valid JSON"},
};

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

/* The result of one call, for comparisons. */
struct result {
	int r;
	enum danecid_rcd_status st;
	char *json;
	char err[256];
};

/* Call the checker on [p, p + len); errbuf starts as a sentinel so writes show. */
static void run(const char *p, size_t len, struct result *res)
{
	res->st = (enum danecid_rcd_status)77;
	res->json = (char *)"sentinel";
	memset(res->err, 'Z', sizeof(res->err) - 1);
	res->err[sizeof(res->err) - 1] = '\0';
	res->r = danecid_rcd_check(p, len, &res->st, &res->json, res->err, sizeof(res->err));
}

/* Whether the error buffer still holds the sentinel of run(). */
static bool err_untouched(const struct result *res)
{
	for (size_t i = 0; i + 1 < sizeof(res->err); i++) {
		if (res->err[i] != 'Z') {
			return false;
		}
	}
	return true;
}

/* Check one result against a row; print what differs. */
static bool row_ok(size_t idx, const struct row *t, const struct result *res)
{
	if (res->r != DANECID_OK) {
		print_error("row %zu (%s): returned %d (%s)\n", idx, t->name, res->r,
		            danecid_strerror(res->r));
		return false;
	}
	if (res->st != t->st) {
		print_error("row %zu (%s): status %d, want %d; reason \"%s\"\n", idx, t->name,
		            res->st, t->st, res->err);
		return false;
	}
	if (t->st == VERIFIED) {
		if (res->json == NULL || strcmp(res->json, t->want) != 0) {
			print_error("row %zu (%s):\n got  %s\n want %s\n", idx, t->name,
			            res->json != NULL ? res->json : "(null)", t->want);
			return false;
		}
		if (strlen(res->json) > DANECID_RCD_JSON_MAX) {
			print_error("row %zu (%s): output longer than the bound\n", idx, t->name);
			return false;
		}
	} else if (res->json != NULL) {
		print_error("row %zu (%s): JSON output on status %d\n", idx, t->name, res->st);
		return false;
	}
	if (t->st == INVALID && strstr(res->err, t->want) == NULL) {
		print_error("row %zu (%s): reason \"%s\", want it to contain \"%s\"\n", idx,
		            t->name, res->err, t->want);
		return false;
	}
	if (t->st != INVALID && !err_untouched(res)) {
		print_error("row %zu (%s): errbuf written on status %d\n", idx, t->name, res->st);
		return false;
	}
	return true;
}

static size_t row_len(const struct row *t)
{
	return t->len != 0 ? t->len : strlen(t->in);
}

static void test_table(void **state)
{
	struct result res;
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		run(rows[i].in, row_len(&rows[i]), &res);
		bad += !row_ok(i, &rows[i], &res);
		if (res.r == DANECID_OK) {
			free(res.json);
		}
	}
	assert_int_equal(bad, 0);
}

/* Every row placed against the guard page gives the table's result; so does every prefix of
 * every row give the same result there as in a heap copy of exactly that size. */
static void test_guard_page(void **state)
{
	struct guard g;
	struct result a;
	struct result b;

	(void)state;
	guard_open(&g);
	for (size_t i = 0; i < N_ROWS; i++) {
		const struct row *t = &rows[i];
		size_t len = row_len(t);

		run(guard_place(&g, t->in, len), len, &a);
		assert_true(row_ok(i, t, &a));
		free(a.json);
		for (size_t k = 0; k < len; k++) {
			char *copy = malloc(k > 0 ? k : 1);

			assert_non_null(copy);
			memcpy(copy, t->in, k);
			run(guard_place(&g, t->in, k), k, &a);
			run(copy, k, &b);
			free(copy);
			assert_int_equal(a.r, DANECID_OK);
			assert_int_equal(a.r, b.r);
			assert_int_equal(a.st, b.st);
			assert_string_equal(a.err, b.err);
			if (a.st == VERIFIED) {
				assert_string_equal(a.json, b.json);
			}
			free(a.json);
			free(b.json);
		}
	}
	guard_close(&g);
}

/* Run text built at run time, in a guard page too, and check status (and JSON / reason). */
static void check_built(const char *in, enum danecid_rcd_status st, const char *want)
{
	struct row t = {"built", in, 0, st, want};
	struct guard g;
	struct result res;

	run(in, strlen(in), &res);
	assert_true(row_ok(0, &t, &res));
	free(res.json);
	guard_open(&g);
	run(guard_place(&g, in, strlen(in)), strlen(in), &res);
	guard_close(&g);
	assert_true(row_ok(0, &t, &res));
	free(res.json);
}

/* nam of exactly DANECID_RCD_NAM_MAX bytes passes, one more does not; the same for crn. */
static void test_text_bounds(void **state)
{
	char in[1024];
	char want[1024];
	char text[DANECID_RCD_NAM_MAX + 2];

	(void)state;
	memset(text, 'n', sizeof(text) - 1);
	text[DANECID_RCD_NAM_MAX] = '\0';
	snprintf(in, sizeof(in), "{\"rcd\":{\"nam\":\"%s\"}}", text);
	snprintf(want, sizeof(want), "{\"nam\":\"%s\",\"integrity\":\"signature-only\"}", text);
	check_built(in, VERIFIED, want);
	text[DANECID_RCD_NAM_MAX] = 'n';
	text[DANECID_RCD_NAM_MAX + 1] = '\0';
	snprintf(in, sizeof(in), "{\"rcd\":{\"nam\":\"%s\"}}", text);
	check_built(in, INVALID, "rcd nam is 257 bytes, more than 256");

	text[DANECID_RCD_CRN_MAX] = '\0';
	snprintf(in, sizeof(in), "{\"crn\":\"%s\"}", text);
	snprintf(want, sizeof(want), "{\"crn\":\"%s\",\"integrity\":\"signature-only\"}", text);
	check_built(in, VERIFIED, want);
	text[DANECID_RCD_CRN_MAX] = 'n';
	snprintf(in, sizeof(in), "{\"crn\":\"%s\"}", text);
	check_built(in, INVALID, "crn is 257 bytes, more than 256");
}

/* Output of exactly DANECID_RCD_JSON_MAX bytes passes, one more is INVALID. */
static void test_output_bound(void **state)
{
	static const char head[] = "{\"nam\":\"Q\",\"jcd\":[\"vcard\",[[\"note\",{},\"text\",\"";
	static const char tail[] = "\"]]],\"integrity\":\"signature-only\"}";
	size_t fixed = strlen(head) + strlen(tail);
	char note[DANECID_RCD_JSON_MAX + 2];
	char in[4096];
	char want[4096];
	size_t n = DANECID_RCD_JSON_MAX - fixed;

	(void)state;
	memset(note, 'x', n);
	note[n] = '\0';
	snprintf(in, sizeof(in),
	         "{\"rcd\":{\"nam\":\"Q\",\"jcd\":[\"vcard\",[[\"note\",{},\"text\",\"%s\"]]]}}",
	         note);
	snprintf(want, sizeof(want), "%s%s%s", head, note, tail);
	assert_int_equal(strlen(want), DANECID_RCD_JSON_MAX);
	check_built(in, VERIFIED, want);

	note[n] = 'x';
	note[n + 1] = '\0';
	snprintf(in, sizeof(in),
	         "{\"rcd\":{\"nam\":\"Q\",\"jcd\":[\"vcard\",[[\"note\",{},\"text\",\"%s\"]]]}}",
	         note);
	check_built(in, INVALID, "RCD is 1801 bytes as JSON, more than 1800");

	/* Escapes count as they are written out: 400 control characters become 2400 bytes. */
	in[0] = '\0';
	strcat(in, "{\"rcd\":{\"nam\":\"Q\",\"jcd\":[\"vcard\",[[\"note\",{},\"text\",\"");
	for (int i = 0; i < 400; i++) {
		strcat(in, "\\u0001");
	}
	strcat(in, "\"]]]}}");
	check_built(in, INVALID, "more than 1800");
}

/* DANECID_RCD_URI_MAX content URIs are accepted, one more is INVALID. */
static void test_uri_count(void **state)
{
	char in[4096];

	(void)state;
	for (int extra = 0; extra <= 1; extra++) {
		size_t n = DANECID_RCD_URI_MAX + (size_t)extra;

		strcpy(in, "{\"rcd\":{\"nam\":\"Q\",\"jcd\":[\"vcard\",[");
		for (size_t i = 0; i < n; i++) {
			snprintf(in + strlen(in), sizeof(in) - strlen(in),
			         "%s[\"logo\",{},\"uri\",\"https://a.example/%zu\"]", i ? "," : "",
			         i);
		}
		strcat(in, "]]}}");
		if (extra == 0) {
			struct result res;

			run(in, strlen(in), &res);
			assert_int_equal(res.r, DANECID_OK);
			assert_int_equal(res.st, VERIFIED);
			free(res.json);
		} else {
			check_built(in, INVALID, "rcd has more than 32 URIs");
		}
	}
}

/* A pointer token may be as long as a key: a 600-byte member name is found. */
static void test_long_pointer(void **state)
{
	char key[601];
	char in[2048];
	char want[2048];

	(void)state;
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	snprintf(in, sizeof(in),
	         "{\"rcd\":{\"nam\":\"Q\",\"%s\":\"" ICON "\"},\"rcdi\":{\"/%s\":\"" PNG_SHA256
	         "\"}}",
	         key, key);
	snprintf(want, sizeof(want),
	         "{\"nam\":\"Q\",\"rcdi\":{\"/%s\":\"" PNG_SHA256 "\"},\"integrity\":\"rcdi\"}",
	         key);
	check_built(in, VERIFIED, want);
	key[599] = 'x';
	snprintf(in, sizeof(in),
	         "{\"rcd\":{\"nam\":\"Q\",\"%s\":\"" ICON "\"},\"rcdi\":{\"/%sk\":\"" PNG_SHA256
	         "\"}}",
	         key, key);
	check_built(in, INVALID, "resolves to nothing in rcd");
}

/* The hard-coded digest vectors are what OpenSSL computes here. */
static void test_vectors(void **state)
{
	static const struct {
		const char *want;
		const char *data;
		const EVP_MD *(*md)(void);
	} v[] = {
	    {PNG_SHA256, PNG_BYTES, EVP_sha256},
	    {PNG_SHA384, PNG_BYTES, EVP_sha384},
	    {PNG_SHA512, PNG_BYTES, EVP_sha512},
	    {HELLO_SHA256, "Hello, World", EVP_sha256},
	};
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned char b64[2 * EVP_MAX_MD_SIZE];
	unsigned int n;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(EVP_Digest(v[i].data, strlen(v[i].data), dig, &n, v[i].md(), NULL),
		                 1);
		EVP_EncodeBlock(b64, dig, (int)n);
		assert_string_equal(strchr(v[i].want, '-') + 1, (const char *)b64);
	}
}

static void test_bad_args(void **state)
{
	enum danecid_rcd_status st = (enum danecid_rcd_status)77;
	char *json = (char *)"sentinel";
	const char *in = "{\"rcd\":{\"nam\":\"Q\"}}";

	(void)state;
	assert_int_equal(danecid_rcd_check(NULL, 3, &st, &json, NULL, 0), DANECID_ERR_INVAL);
	assert_int_equal(st, 77);
	assert_null(json);
	assert_int_equal(danecid_rcd_check(in, strlen(in), NULL, &json, NULL, 0),
	                 DANECID_ERR_INVAL);
	/* No JSON wanted, no error buffer: still a status. */
	assert_int_equal(danecid_rcd_check(in, strlen(in), &st, NULL, NULL, 0), DANECID_OK);
	assert_int_equal(st, VERIFIED);
	assert_int_equal(danecid_rcd_check("{\"crn\":1}", 9, &st, NULL, NULL, 0), DANECID_OK);
	assert_int_equal(st, INVALID);
	/* NULL with length 0 is an empty input. */
	assert_int_equal(danecid_rcd_check(NULL, 0, &st, &json, NULL, 0), DANECID_OK);
	assert_int_equal(st, INVALID);
	assert_null(json);
}

/* A short error buffer is truncated and terminated, never overrun. */
static void test_short_errbuf(void **state)
{
	enum danecid_rcd_status st;
	char err[8];
	const char *in = "{\"rcd\":{\"nam\":\"Q\",\"icn\":\"http://example.com/q.png\"}}";

	(void)state;
	memset(err, 'Z', sizeof(err));
	assert_int_equal(danecid_rcd_check(in, strlen(in), &st, NULL, err, 5), DANECID_OK);
	assert_int_equal(st, INVALID);
	assert_string_equal(err, "rcd ");
	assert_int_equal(err[5], 'Z');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),        cmocka_unit_test(test_guard_page),
	    cmocka_unit_test(test_text_bounds),  cmocka_unit_test(test_output_bound),
	    cmocka_unit_test(test_uri_count),    cmocka_unit_test(test_long_pointer),
	    cmocka_unit_test(test_vectors),      cmocka_unit_test(test_bad_args),
	    cmocka_unit_test(test_short_errbuf),
	};

	return cmocka_run_group_tests_name("rcd", tests, NULL, NULL);
}
