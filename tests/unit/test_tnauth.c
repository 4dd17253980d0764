/* test_tnauth — the TNAuthList extension (RFC 8226): strict DER, the SPC map, coverage, texts. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <danecid/error.h>

#include "guard.h"
#include "tnauth.h"

#define OK  DANECID_OK
#define BAD DANECID_ERR_MALFORMED
#define CFG DANECID_ERR_CONFIG

#define SPC   DANECID_TNAUTH_SPC
#define RANGE DANECID_TNAUTH_RANGE
#define ONE   DANECID_TNAUTH_ONE

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Hand-written DER: the bytes and their count, for a row's (der, len). */
#define DER(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

#define TN_0100 '1', '2', '0', '2', '5', '5', '5', '0', '1', '0', '0'
#define TN_0200 '1', '2', '0', '2', '5', '5', '5', '0', '2', '0', '0'
#define TN_15   '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '1', '2', '3', '4', '5'
#define TN_16   TN_15, '6'
#define S_32                                                                                       \
	'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R',  \
	    'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', '0', '1', '2', '3', '4', '5'
#define S_33 S_32, '6'

/* Entries: one 12025550100 (15 bytes), spc 709J (8 bytes), range 12025550200+100 (20 bytes). */
#define ONE_0100       0xa2, 0x0d, 0x16, 0x0b, TN_0100
#define SPC_709J       0xa0, 0x06, 0x16, 0x04, '7', '0', '9', 'J'
#define RANGE_0200_100 0xa1, 0x12, 0x30, 0x10, 0x16, 0x0b, TN_0200, 0x02, 0x01, 0x64
/* A range 12025550200 with the INTEGER bytes given: [1] and SEQUENCE lengths as arguments. */
#define RANGE_0200(l1, l2, ...) 0xa1, l1, 0x30, l2, 0x16, 0x0b, TN_0200, __VA_ARGS__

/*
 * Made with OpenSSL 3.0 (openssl asn1parse -genconf tnauth.cnf -out tnauth.der), tnauth.cnf:
 *   asn1=SEQUENCE:tn
 *   [tn]
 *   e1=EXP:2,IA5:12025550100
 *   e2=EXP:0,IA5:709J
 *   e3=EXP:1,SEQUENCE:r
 *   [r]
 *   s=IA5:12025550200
 *   c=INT:100
 */
static const uint8_t openssl_vec[] = {
    0x30, 0x2b, 0xa2, 0x0d, 0x16, 0x0b, 0x31, 0x32, 0x30, 0x32, 0x35, 0x35, 0x35, 0x30, 0x31,
    0x30, 0x30, 0xa0, 0x06, 0x16, 0x04, 0x37, 0x30, 0x39, 0x4a, 0xa1, 0x12, 0x30, 0x10, 0x16,
    0x0b, 0x31, 0x32, 0x30, 0x32, 0x35, 0x35, 0x35, 0x30, 0x32, 0x30, 0x30, 0x02, 0x01, 0x64};

/*
 * Made the same way: two ranges, the count 2^63 (nine INTEGER bytes) and 128 (two):
 *   asn1=SEQUENCE:tn
 *   [tn]
 *   e1=EXP:1,SEQUENCE:r
 *   e2=EXP:1,SEQUENCE:s
 *   [r]
 *   s=IA5:1
 *   c=INT:9223372036854775808
 *   [s]
 *   s=IA5:999999999999990
 *   c=INT:128
 */
static const uint8_t openssl_vec2[] = {
    0x30, 0x2b, 0xa1, 0x10, 0x30, 0x0e, 0x16, 0x01, 0x31, 0x02, 0x09, 0x00, 0x80, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xa1, 0x17, 0x30, 0x15, 0x16, 0x0f, 0x39, 0x39, 0x39, 0x39,
    0x39, 0x39, 0x39, 0x39, 0x39, 0x39, 0x39, 0x39, 0x39, 0x39, 0x30, 0x02, 0x02, 0x00, 0x80};

#define P63 (UINT64_C(1) << 63)

/* A parse case: OK with the entries as text ("one X, spc Y, range Z+N"; "" for none), or an
 * error with a substring of the message. */
struct prow {
	const char *name;
	int err;
	const char *want;
	const uint8_t *der;
	size_t len;
};

static const struct prow parse_rows[] = {
    /* accepted */
    {"one (the exact bytes of the brief)", OK, "one 12025550100",
     DER(0x30, 0x0f, 0xa2, 0x0d, 0x16, 0x0b, 0x31, 0x32, 0x30, 0x32, 0x35, 0x35, 0x35, 0x30, 0x31,
         0x30, 0x30)},
    {"spc", OK, "spc 709J", DER(0x30, 0x08, SPC_709J)},
    {"range", OK, "range 12025550200+100", DER(0x30, 0x14, RANGE_0200_100)},
    {"openssl: one, spc, range", OK, "one 12025550100, spc 709J, range 12025550200+100",
     openssl_vec, sizeof(openssl_vec)},
    {"openssl: counts 2^63 and 128", OK, "range 1+9223372036854775808, range 999999999999990+128",
     openssl_vec2, sizeof(openssl_vec2)},
    {"four entries in order", OK,
     "spc 709J, one 12025550100, range 12025550200+100, one 19995550100",
     DER(0x30, 0x3a, SPC_709J, ONE_0100, RANGE_0200_100, 0xa2, 0x0d, 0x16, 0x0b, '1', '9', '9', '9',
         '5', '5', '5', '0', '1', '0', '0')},
    {"count 2", OK, "range 12025550200+2",
     DER(0x30, 0x14, RANGE_0200(0x12, 0x10, 0x02, 0x01, 0x02))},
    {"count 127", OK, "range 12025550200+127",
     DER(0x30, 0x14, RANGE_0200(0x12, 0x10, 0x02, 0x01, 0x7f))},
    {"count 128 (leading zero byte)", OK, "range 12025550200+128",
     DER(0x30, 0x15, RANGE_0200(0x13, 0x11, 0x02, 0x02, 0x00, 0x80))},
    {"count 256", OK, "range 12025550200+256",
     DER(0x30, 0x15, RANGE_0200(0x13, 0x11, 0x02, 0x02, 0x01, 0x00))},
    {"count 2^63 - 1", OK, "range 12025550200+9223372036854775807",
     DER(0x30, 0x1b,
         RANGE_0200(0x19, 0x17, 0x02, 0x08, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))},
    {"count 2^63", OK, "range 12025550200+9223372036854775808",
     DER(0x30, 0x1c,
         RANGE_0200(0x1a, 0x18, 0x02, 0x09, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00))},
    {"range: elements after count (extension marker) are skipped", OK, "range 12025550200+100",
     DER(0x30, 0x1b,
         RANGE_0200(0x19, 0x17, 0x02, 0x01, 0x64, 0x05, 0x00, 0x30, 0x03, 0x02, 0x01, 0x05))},
    {"unknown [3] constructed is skipped", OK, "one 12025550100",
     DER(0x30, 0x14, 0xa3, 0x03, 0x16, 0x01, '1', ONE_0100)},
    {"unknown [3] primitive is skipped", OK, "one 12025550100",
     DER(0x30, 0x12, 0x83, 0x01, 0x00, ONE_0100)},
    {"unknown [30] empty is skipped", OK, "one 12025550100", DER(0x30, 0x11, ONE_0100, 0xbe, 0x00)},
    {"unknown [31] (high tag form) is skipped", OK, "one 12025550100",
     DER(0x30, 0x15, 0xbf, 0x1f, 0x03, 0x02, 0x01, 0x05, ONE_0100)},
    {"unknown [200] (two tag bytes) is skipped", OK, "one 12025550100",
     DER(0x30, 0x13, ONE_0100, 0xbf, 0x81, 0x48, 0x00)},
    {"only unknown entries: n = 0", OK, "", DER(0x30, 0x05, 0xa3, 0x03, 0x16, 0x01, '1')},
    {"TN with * and #", OK, "one *67#",
     DER(0x30, 0x08, 0xa2, 0x06, 0x16, 0x04, '*', '6', '7', '#')},
    {"TN of 15 digits", OK, "one 123456789012345", DER(0x30, 0x13, 0xa2, 0x11, 0x16, 0x0f, TN_15)},
    {"TN of 1 digit", OK, "one 5", DER(0x30, 0x05, 0xa2, 0x03, 0x16, 0x01, '5')},
    {"SPC of 32 characters", OK, "spc ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
     DER(0x30, 0x24, 0xa0, 0x22, 0x16, 0x20, S_32)},
    {"SPC with space and punctuation", OK, "spc 7 0-\"",
     DER(0x30, 0x09, 0xa0, 0x07, 0x16, 0x05, '7', ' ', '0', '-', 0x22)},
    /* the outer SEQUENCE */
    {"only a tag", BAD, "length missing", DER(0x30)},
    {"empty list", BAD, "empty list", DER(0x30, 0x00)},
    {"SET, not SEQUENCE", BAD, "SEQUENCE (TNAuthorizationList) expected, found tag 0x31",
     DER(0x31, 0x0f, ONE_0100)},
    {"primitive SEQUENCE", BAD, "SEQUENCE (TNAuthorizationList)", DER(0x10, 0x0f, ONE_0100)},
    {"a bare entry, no SEQUENCE", BAD, "SEQUENCE (TNAuthorizationList)", DER(ONE_0100)},
    {"one trailing byte", BAD, "byte 17: 1 trailing byte(s) after the list",
     DER(0x30, 0x0f, ONE_0100, 0x00)},
    {"two lists", BAD, "17 trailing byte(s)", DER(0x30, 0x0f, ONE_0100, 0x30, 0x0f, ONE_0100)},
    /* lengths */
    {"indefinite length", BAD, "byte 1: indefinite length (0x80) is not DER",
     DER(0x30, 0x80, ONE_0100, 0x00, 0x00)},
    {"indefinite length inside", BAD, "byte 3: indefinite length",
     DER(0x30, 0x11, 0xa2, 0x80, 0x16, 0x0b, TN_0100, 0x00, 0x00)},
    {"long form for 15 (81 0f)", BAD, "length 15 not minimal (one byte suffices)",
     DER(0x30, 0x81, 0x0f, ONE_0100)},
    {"long form with a zero byte (82 00 0f)", BAD, "length not minimal (leading zero byte)",
     DER(0x30, 0x82, 0x00, 0x0f, ONE_0100)},
    {"long form inside [2]", BAD, "byte 3: length 13 not minimal",
     DER(0x30, 0x10, 0xa2, 0x81, 0x0d, 0x16, 0x0b, TN_0100)},
    {"long form for the IA5String", BAD, "byte 5: length 11 not minimal",
     DER(0x30, 0x10, 0xa2, 0x0e, 0x16, 0x81, 0x0b, TN_0100)},
    {"length of 5 bytes", BAD, "length of 5 bytes too large",
     DER(0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x0f, ONE_0100)},
    {"length byte 0xff", BAD, "length of 127 bytes too large", DER(0x30, 0xff, ONE_0100)},
    {"long form length cut short", BAD, "length truncated", DER(0x30, 0x82, 0x01)},
    {"length beyond the buffer", BAD, "byte 0: length 16 runs past its container (15 bytes left)",
     DER(0x30, 0x10, ONE_0100)},
    {"huge length beyond the buffer", BAD, "runs past its container",
     DER(0x30, 0x84, 0xff, 0xff, 0xff, 0xff, ONE_0100)},
    {"[2] longer than the list", BAD, "byte 2: length 14 runs past its container (13 bytes left)",
     DER(0x30, 0x0f, 0xa2, 0x0e, 0x16, 0x0b, TN_0100)},
    {"IA5String longer than [2]", BAD, "byte 4: length 12 runs past",
     DER(0x30, 0x0f, 0xa2, 0x0d, 0x16, 0x0c, TN_0100)},
    /* tags of the entries */
    {"IMPLICIT one (82 0b)", BAD, "byte 2: primitive [2] (IMPLICIT tagging?)",
     DER(0x30, 0x0d, 0x82, 0x0b, TN_0100)},
    {"IMPLICIT spc (80 04)", BAD, "primitive [0]", DER(0x30, 0x06, 0x80, 0x04, '7', '0', '9', 'J')},
    {"IMPLICIT range (81 10)", BAD, "primitive [1]",
     DER(0x30, 0x12, 0x81, 0x10, 0x16, 0x0b, TN_0200, 0x02, 0x01, 0x64)},
    {"IMPLICIT range (a1 with the SEQUENCE's contents)", BAD,
     "SEQUENCE (TelephoneNumberRange) expected, found tag 0x16",
     DER(0x30, 0x12, 0xa1, 0x10, 0x16, 0x0b, TN_0200, 0x02, 0x01, 0x64)},
    {"universal IA5String as an entry", BAD, "byte 2: TNEntry with tag 0x16, not a context tag",
     DER(0x30, 0x0d, 0x16, 0x0b, TN_0100)},
    {"SEQUENCE as an entry", BAD, "TNEntry with tag 0x30", DER(0x30, 0x02, 0x30, 0x00)},
    {"application tag [2]", BAD, "TNEntry with tag 0x62",
     DER(0x30, 0x0f, 0x62, 0x0d, 0x16, 0x0b, TN_0100)},
    {"private tag [2]", BAD, "TNEntry with tag 0xe2",
     DER(0x30, 0x0f, 0xe2, 0x0d, 0x16, 0x0b, TN_0100)},
    {"high tag form for [2]", BAD, "tag number 2 in the high form",
     DER(0x30, 0x10, 0xbf, 0x02, 0x0d, 0x16, 0x0b, TN_0100)},
    {"high tag number not minimal", BAD, "tag number not minimally encoded",
     DER(0x30, 0x04, 0xbf, 0x80, 0x1f, 0x00)},
    {"high tag number too large", BAD, "tag number too large",
     DER(0x30, 0x07, 0xbf, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00)},
    {"high tag cut short", BAD, "tag truncated", DER(0x30, 0x02, 0xbf, 0x81)},
    /* inside the entries */
    {"UTF8String TN", BAD, "IA5String (one) expected, found tag 0x0c",
     DER(0x30, 0x0f, 0xa2, 0x0d, 0x0c, 0x0b, TN_0100)},
    {"PrintableString TN", BAD, "IA5String (one) expected, found tag 0x13",
     DER(0x30, 0x0f, 0xa2, 0x0d, 0x13, 0x0b, TN_0100)},
    {"constructed IA5String", BAD, "IA5String (one) expected, found tag 0x36",
     DER(0x30, 0x11, 0xa2, 0x0f, 0x36, 0x0d, 0x16, 0x0b, TN_0100)},
    {"empty [2]", BAD, "byte 4: IA5String (one) expected, nothing left",
     DER(0x30, 0x02, 0xa2, 0x00)},
    {"two TNs in [2]", BAD, "byte 17: more than one element inside [2]",
     DER(0x30, 0x12, 0xa2, 0x10, 0x16, 0x0b, TN_0100, 0x16, 0x01, '1')},
    {"INTEGER in [0]", BAD, "IA5String (spc) expected, found tag 0x02",
     DER(0x30, 0x05, 0xa0, 0x03, 0x02, 0x01, 0x05)},
    {"SEQUENCE in [0]", BAD, "IA5String (spc) expected",
     DER(0x30, 0x06, 0xa0, 0x04, 0x30, 0x02, 0x05, 0x00)},
    /* TelephoneNumber */
    {"TN with a letter", BAD,
     "byte 4: TelephoneNumber \"1202555010A\" (11 characters) is not 1..15 of 0-9#*",
     DER(0x30, 0x0f, 0xa2, 0x0d, 0x16, 0x0b, '1', '2', '0', '2', '5', '5', '5', '0', '1', '0',
         'A')},
    {"TN of 16 digits", BAD, "\"1234567890123456\" (16 characters)",
     DER(0x30, 0x14, 0xa2, 0x12, 0x16, 0x10, TN_16)},
    {"empty TN", BAD, "TelephoneNumber \"\" (0 characters)",
     DER(0x30, 0x04, 0xa2, 0x02, 0x16, 0x00)},
    {"TN with '+'", BAD, "\"+12025550100\"",
     DER(0x30, 0x10, 0xa2, 0x0e, 0x16, 0x0c, '+', '1', '2', '0', '2', '5', '5', '5', '0', '1', '0',
         '0')},
    {"TN with a space", BAD, "\"1202555 100\"",
     DER(0x30, 0x0f, 0xa2, 0x0d, 0x16, 0x0b, '1', '2', '0', '2', '5', '5', '5', ' ', '1', '0',
         '0')},
    {"TN with NUL (quoted as ?)", BAD, "\"1202555?100\"",
     DER(0x30, 0x0f, 0xa2, 0x0d, 0x16, 0x0b, '1', '2', '0', '2', '5', '5', '5', 0x00, '1', '0',
         '0')},
    {"TN with a byte above 0x7f", BAD, "\"1202555?100\"",
     DER(0x30, 0x0f, 0xa2, 0x0d, 0x16, 0x0b, '1', '2', '0', '2', '5', '5', '5', 0xb9, '1', '0',
         '0')},
    {"range start with a letter", BAD, "byte 6: TelephoneNumber \"1202555020x\"",
     DER(0x30, 0x14, 0xa1, 0x12, 0x30, 0x10, 0x16, 0x0b, '1', '2', '0', '2', '5', '5', '5', '0',
         '2', '0', 'x', 0x02, 0x01, 0x64)},
    {"range start of 16 digits", BAD, "(16 characters)",
     DER(0x30, 0x19, 0xa1, 0x17, 0x30, 0x15, 0x16, 0x10, TN_16, 0x02, 0x01, 0x64)},
    {"empty range start", BAD, "(0 characters)",
     DER(0x30, 0x09, 0xa1, 0x07, 0x30, 0x05, 0x16, 0x00, 0x02, 0x01, 0x64)},
    /* ServiceProviderCode */
    {"empty SPC", BAD, "ServiceProviderCode \"\" (0 bytes)",
     DER(0x30, 0x04, 0xa0, 0x02, 0x16, 0x00)},
    {"SPC of 33 characters", BAD, "(33 bytes)", DER(0x30, 0x25, 0xa0, 0x23, 0x16, 0x21, S_33)},
    {"SPC with a newline", BAD, "ServiceProviderCode \"709?\"",
     DER(0x30, 0x08, 0xa0, 0x06, 0x16, 0x04, '7', '0', '9', '\n')},
    {"SPC with NUL", BAD, "\"70?J\"", DER(0x30, 0x08, 0xa0, 0x06, 0x16, 0x04, '7', '0', 0x00, 'J')},
    {"SPC with DEL", BAD, "\"70?J\"", DER(0x30, 0x08, 0xa0, 0x06, 0x16, 0x04, '7', '0', 0x7f, 'J')},
    {"SPC with a byte above 0x7f", BAD, "\"70?J\"",
     DER(0x30, 0x08, 0xa0, 0x06, 0x16, 0x04, '7', '0', 0xc3, 'J')},
    /* TelephoneNumberRange */
    {"range without count", BAD, "byte 19: INTEGER (range count) expected, nothing left",
     DER(0x30, 0x11, 0xa1, 0x0f, 0x30, 0x0d, 0x16, 0x0b, TN_0200)},
    {"empty range SEQUENCE", BAD, "IA5String (range start) expected, nothing left",
     DER(0x30, 0x04, 0xa1, 0x02, 0x30, 0x00)},
    {"count before start", BAD, "IA5String (range start) expected, found tag 0x02",
     DER(0x30, 0x14, 0xa1, 0x12, 0x30, 0x10, 0x02, 0x01, 0x64, 0x16, 0x0b, TN_0200)},
    {"count as OCTET STRING", BAD, "INTEGER (range count) expected, found tag 0x04",
     DER(0x30, 0x14, RANGE_0200(0x12, 0x10, 0x04, 0x01, 0x64))},
    {"count as ENUMERATED", BAD, "found tag 0x0a",
     DER(0x30, 0x14, RANGE_0200(0x12, 0x10, 0x0a, 0x01, 0x64))},
    {"count as IA5String", BAD, "found tag 0x16",
     DER(0x30, 0x16, RANGE_0200(0x14, 0x12, 0x16, 0x03, '1', '0', '0'))},
    {"element after the SEQUENCE inside [1]", BAD, "byte 22: more than one element inside [1]",
     DER(0x30, 0x16, 0xa1, 0x14, 0x30, 0x10, 0x16, 0x0b, TN_0200, 0x02, 0x01, 0x64, 0x05, 0x00)},
    {"extension element runs past the range", BAD, "byte 22: length 5 runs past",
     DER(0x30, 0x16, RANGE_0200(0x14, 0x12, 0x02, 0x01, 0x64, 0x05, 0x05))},
    {"extension element with indefinite length", BAD, "indefinite length",
     DER(0x30, 0x18, RANGE_0200(0x16, 0x14, 0x02, 0x01, 0x64, 0x30, 0x80, 0x00, 0x00))},
    {"broken TLV inside an extension element", BAD,
     "byte 24: length 2 runs past its container (1 bytes left)",
     DER(0x30, 0x19, RANGE_0200(0x17, 0x15, 0x02, 0x01, 0x64, 0x30, 0x03, 0x02, 0x02, 0x01))},
    /* count */
    {"count 1", BAD, "byte 19: range count 1 outside 2..2^63",
     DER(0x30, 0x14, RANGE_0200(0x12, 0x10, 0x02, 0x01, 0x01))},
    {"count 0", BAD, "range count 0 outside",
     DER(0x30, 0x14, RANGE_0200(0x12, 0x10, 0x02, 0x01, 0x00))},
    {"count -1", BAD, "negative range count",
     DER(0x30, 0x14, RANGE_0200(0x12, 0x10, 0x02, 0x01, 0xff))},
    {"count -128", BAD, "negative range count",
     DER(0x30, 0x14, RANGE_0200(0x12, 0x10, 0x02, 0x01, 0x80))},
    {"count -100", BAD, "negative range count",
     DER(0x30, 0x14, RANGE_0200(0x12, 0x10, 0x02, 0x01, 0x9c))},
    {"count -129", BAD, "negative range count",
     DER(0x30, 0x15, RANGE_0200(0x13, 0x11, 0x02, 0x02, 0xff, 0x7f))},
    {"count 100 with a leading zero", BAD, "INTEGER not minimally encoded",
     DER(0x30, 0x15, RANGE_0200(0x13, 0x11, 0x02, 0x02, 0x00, 0x64))},
    {"count 2 with two leading zeros", BAD, "INTEGER not minimally encoded",
     DER(0x30, 0x16, RANGE_0200(0x14, 0x12, 0x02, 0x03, 0x00, 0x00, 0x02))},
    {"count -1 with a leading 0xff", BAD, "INTEGER not minimally encoded",
     DER(0x30, 0x15, RANGE_0200(0x13, 0x11, 0x02, 0x02, 0xff, 0xff))},
    {"empty INTEGER", BAD, "empty INTEGER", DER(0x30, 0x13, RANGE_0200(0x11, 0x0f, 0x02, 0x00))},
    {"count 2^63 + 1", BAD, "range count 9223372036854775809 outside 2..2^63",
     DER(0x30, 0x1c,
         RANGE_0200(0x1a, 0x18, 0x02, 0x09, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01))},
    {"count 2^64 - 1", BAD, "outside 2..2^63",
     DER(0x30, 0x1c,
         RANGE_0200(0x1a, 0x18, 0x02, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))},
    {"count 2^64", BAD, "range count above 2^63",
     DER(0x30, 0x1c,
         RANGE_0200(0x1a, 0x18, 0x02, 0x09, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00))},
    {"count of 16 bytes", BAD, "range count above 2^63",
     DER(0x30, 0x23,
         RANGE_0200(0x21, 0x1f, 0x02, 0x10, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))},
    /* unknown entries must still be well-formed */
    {"unknown [3] with a TLV running past it", BAD,
     "byte 4: length 5 runs past its container (1 bytes left)",
     DER(0x30, 0x05, 0xa3, 0x03, 0x16, 0x05, '1')},
    {"unknown [3] with an indefinite length inside", BAD, "indefinite length",
     DER(0x30, 0x06, 0xa3, 0x04, 0x30, 0x80, 0x00, 0x00)},
    {"unknown [3] with a lone byte inside", BAD, "length missing",
     DER(0x30, 0x03, 0xa3, 0x01, 0x05)},
    {"unknown [3] with a non-minimal length", BAD, "length 1 not minimal",
     DER(0x30, 0x06, 0xa3, 0x04, 0x04, 0x81, 0x01, 0x00)},
    {"unknown [3] running past the list", BAD, "byte 2: length 5 runs past",
     DER(0x30, 0x03, 0xa3, 0x05, 0x05)},
    {"a good entry, then a broken unknown one", BAD, "length missing",
     DER(0x30, 0x12, ONE_0100, 0xa4, 0x01, 0x05)},
};

/* A filled output of a failed parse must be untouched: compare with this pattern. */
static void fill(struct danecid_tnauth *ta)
{
	memset(ta, 0x5a, sizeof(*ta));
}

static bool untouched(const struct danecid_tnauth *ta)
{
	struct danecid_tnauth pat;

	fill(&pat);
	return memcmp(ta, &pat, sizeof(pat)) == 0;
}

/* The entries of ta as text, the way the table writes them. */
static void entries_text(const struct danecid_tnauth *ta, char *buf, size_t size)
{
	static const char *const kinds[] = {"spc", "range", "one"};
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ta->n; i++) {
		const struct danecid_tnauth_entry *x = &ta->e[i];
		int k;

		assert_true(x->kind <= DANECID_TNAUTH_ONE);
		assert_true(x->kind == DANECID_TNAUTH_RANGE || x->count == 0);
		if (x->kind == DANECID_TNAUTH_RANGE) {
			k = snprintf(buf + off, size - off, "%srange %s+%" PRIu64,
			             i > 0 ? ", " : "", x->value, x->count);
		} else {
			k = snprintf(buf + off, size - off, "%s%s %s", i > 0 ? ", " : "",
			             kinds[x->kind], x->value);
		}
		assert_true(k > 0 && (size_t)k < size - off);
		off += (size_t)k;
	}
}

/* Parse one row from p (a copy of its bytes somewhere); false with a message when wrong. */
static bool check_row(const struct prow *t, const uint8_t *p)
{
	struct danecid_tnauth ta;
	char err[256] = "untouched";
	char text[2048];
	int r;

	fill(&ta);
	r = danecid_tnauth_parse(p, t->len, &ta, err, sizeof(err));
	if (r != t->err) {
		print_error("\"%s\": got %d (%s), want %d\n", t->name, r, err, t->err);
		return false;
	}
	if (r != OK) {
		if (strstr(err, t->want) == NULL) {
			print_error("\"%s\": message \"%s\" lacks \"%s\"\n", t->name, err, t->want);
			return false;
		}
		if (!untouched(&ta)) {
			print_error("\"%s\": output written on error\n", t->name);
			return false;
		}
		return true;
	}
	if (strcmp(err, "untouched") != 0) {
		print_error("\"%s\": message written on success\n", t->name);
		return false;
	}
	entries_text(&ta, text, sizeof(text));
	if (strcmp(text, t->want) != 0) {
		print_error("\"%s\": got \"%s\", want \"%s\"\n", t->name, text, t->want);
		return false;
	}
	return true;
}

static void test_parse_table(void **state)
{
	struct guard g;
	size_t bad = 0;

	(void)state;
	guard_open(&g);
	for (size_t i = 0; i < NELEM(parse_rows); i++) {
		bad += !check_row(&parse_rows[i], parse_rows[i].der);
		bad += !check_row(&parse_rows[i],
		                  guard_place(&g, parse_rows[i].der, parse_rows[i].len));
	}
	guard_close(&g);
	assert_int_equal(bad, 0);
}

/* The brief's bytes, spelled out once more without the table's macros. */
static void test_parse_one_exact(void **state)
{
	static const uint8_t der[] = {0x30, 0x0f, 0xa2, 0x0d, 0x16, 0x0b, 0x31, 0x32, 0x30,
	                              0x32, 0x35, 0x35, 0x35, 0x30, 0x31, 0x30, 0x30};
	struct danecid_tnauth ta;

	(void)state;
	assert_int_equal(danecid_tnauth_parse(der, sizeof(der), &ta, NULL, 0), OK);
	assert_int_equal(ta.n, 1);
	assert_int_equal(ta.e[0].kind, DANECID_TNAUTH_ONE);
	assert_string_equal(ta.e[0].value, "12025550100");
	assert_true(ta.e[0].count == 0);
}

/* Every proper prefix of valid lists fails cleanly (against the guard page); the whole works. */
static void test_truncated(void **state)
{
	static const uint8_t four[] = {0x30, 0x30, SPC_709J, ONE_0100, RANGE_0200_100,
	                               0xa3, 0x03, 0x16,     0x01,     '1'};
	const struct {
		const uint8_t *der;
		size_t len;
	} vecs[] = {
	    {openssl_vec, sizeof(openssl_vec)},
	    {openssl_vec2, sizeof(openssl_vec2)},
	    {four, sizeof(four)},
	};
	struct guard g;
	struct danecid_tnauth ta;
	char err[256];

	(void)state;
	guard_open(&g);
	for (size_t v = 0; v < NELEM(vecs); v++) {
		for (size_t k = 0; k < vecs[v].len; k++) {
			const uint8_t *p = guard_place(&g, vecs[v].der, k);
			int r;

			fill(&ta);
			err[0] = '\0';
			r = danecid_tnauth_parse(p, k, &ta, err, sizeof(err));
			if (r != BAD || !untouched(&ta) || strncmp(err, "TNAuthList: ", 12) != 0) {
				fail_msg("vector %zu cut to %zu bytes: got %d \"%s\"", v, k, r,
				         err);
			}
		}
		assert_int_equal(danecid_tnauth_parse(guard_place(&g, vecs[v].der, vecs[v].len),
		                                      vecs[v].len, &ta, err, sizeof(err)),
		                 OK);
	}
	guard_close(&g);
}

/* Any single byte of a valid list set to any value: OK or MALFORMED, never a read past the
 * end, and what is accepted obeys the grammar. */
static void test_mutations(void **state)
{
	struct guard g;
	struct danecid_tnauth ta;
	uint8_t buf[sizeof(openssl_vec)];
	size_t accepted = 0;

	(void)state;
	guard_open(&g);
	for (size_t i = 0; i < sizeof(openssl_vec); i++) {
		for (unsigned v = 0; v < 256; v++) {
			int r;

			memcpy(buf, openssl_vec, sizeof(buf));
			buf[i] = (uint8_t)v;
			r = danecid_tnauth_parse(guard_place(&g, buf, sizeof(buf)), sizeof(buf),
			                         &ta, NULL, 0);
			assert_true(r == OK || r == BAD);
			if (r != OK) {
				continue;
			}
			accepted++;
			assert_true(ta.n <= 3);
			for (size_t k = 0; k < ta.n; k++) {
				const char *nul =
				    memchr(ta.e[k].value, '\0', sizeof(ta.e[k].value));
				size_t n;

				assert_non_null(nul);
				n = (size_t)(nul - ta.e[k].value);
				assert_true(n >= 1 && n <= DANECID_SPC_MAX);
				if (ta.e[k].kind != DANECID_TNAUTH_SPC) {
					assert_true(n <= DANECID_TN_MAX);
					assert_int_equal(strspn(ta.e[k].value, "0123456789#*"), n);
				}
				if (ta.e[k].kind == DANECID_TNAUTH_RANGE) {
					assert_true(ta.e[k].count >= 2 && ta.e[k].count <= P63);
				} else {
					assert_true(ta.e[k].count == 0);
				}
			}
		}
	}
	guard_close(&g);
	/* The unchanged byte at each position, and the characters of the TNs and the SPC. */
	assert_true(accepted >= sizeof(openssl_vec));
}

/* n one-entries 12025550100, as DER; returns the length. */
static size_t many_ones(uint8_t *buf, size_t size, size_t n)
{
	static const uint8_t one[] = {ONE_0100};
	size_t body = n * sizeof(one);
	size_t h;

	assert_true(body <= 0xffff && 4 + body <= size);
	buf[0] = 0x30;
	if (body < 0x80) {
		buf[1] = (uint8_t)body;
		h = 2;
	} else if (body < 0x100) {
		buf[1] = 0x81;
		buf[2] = (uint8_t)body;
		h = 3;
	} else {
		buf[1] = 0x82;
		buf[2] = (uint8_t)(body >> 8);
		buf[3] = (uint8_t)body;
		h = 4;
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + h + i * sizeof(one), one, sizeof(one));
	}
	return h + body;
}

static void test_many_entries(void **state)
{
	uint8_t buf[1024];
	struct danecid_tnauth ta;
	char err[256];
	size_t len;

	(void)state;
	/* 9 entries: 135 bytes, "30 81 87" */
	len = many_ones(buf, sizeof(buf), 9);
	assert_int_equal(buf[1], 0x81);
	assert_int_equal(danecid_tnauth_parse(buf, len, &ta, err, sizeof(err)), OK);
	assert_int_equal(ta.n, 9);
	/* 32 entries: 480 bytes, "30 82 01 e0" */
	len = many_ones(buf, sizeof(buf), DANECID_TNAUTH_MAX);
	assert_int_equal(buf[1], 0x82);
	assert_int_equal(danecid_tnauth_parse(buf, len, &ta, err, sizeof(err)), OK);
	assert_int_equal(ta.n, DANECID_TNAUTH_MAX);
	assert_string_equal(ta.e[DANECID_TNAUTH_MAX - 1].value, "12025550100");
	/* 33: fail closed, naming the 33rd entry */
	len = many_ones(buf, sizeof(buf), DANECID_TNAUTH_MAX + 1);
	fill(&ta);
	assert_int_equal(danecid_tnauth_parse(buf, len, &ta, err, sizeof(err)), BAD);
	assert_string_equal(err, "TNAuthList: byte 484: more than 32 entries");
	assert_true(untouched(&ta));
	/* Unknown entries are not kept, so they do not count. */
	len = many_ones(buf, sizeof(buf), DANECID_TNAUTH_MAX);
	memcpy(buf + len, (const uint8_t[]){0x83, 0x00, 0x83, 0x00}, 4);
	buf[3] = (uint8_t)(buf[3] + 4);
	assert_int_equal(danecid_tnauth_parse(buf, len + 4, &ta, err, sizeof(err)), OK);
	assert_int_equal(ta.n, DANECID_TNAUTH_MAX);
}

/* An unknown entry nested depth levels deep: [3] { SEQUENCE { SEQUENCE { ... } } }. */
static size_t nested(uint8_t *buf, size_t depth)
{
	size_t len = 2 * depth + 2; /* depth SEQUENCEs, the [3] */

	buf[0] = 0x30;
	buf[1] = (uint8_t)len;
	buf[2] = 0xa3;
	buf[3] = (uint8_t)(len - 2);
	for (size_t i = 0; i < depth; i++) {
		buf[4 + 2 * i] = 0x30;
		buf[5 + 2 * i] = (uint8_t)(2 * (depth - i - 1));
	}
	return len + 2;
}

static void test_nesting(void **state)
{
	uint8_t buf[128];
	struct danecid_tnauth ta;
	char err[256];
	size_t len;

	(void)state;
	len = nested(buf, 10);
	assert_int_equal(danecid_tnauth_parse(buf, len, &ta, err, sizeof(err)), OK);
	assert_int_equal(ta.n, 0);
	len = nested(buf, 40);
	assert_int_equal(danecid_tnauth_parse(buf, len, &ta, err, sizeof(err)), BAD);
	assert_non_null(strstr(err, "nested more than"));
}

static void test_parse_args(void **state)
{
	struct danecid_tnauth ta;
	char err[16];

	(void)state;
	assert_int_equal(danecid_tnauth_parse(NULL, 1, &ta, NULL, 0), DANECID_ERR_INVAL);
	assert_int_equal(danecid_tnauth_parse(openssl_vec, sizeof(openssl_vec), NULL, NULL, 0),
	                 DANECID_ERR_INVAL);
	err[0] = '\0';
	assert_int_equal(danecid_tnauth_parse(NULL, 0, &ta, err, sizeof(err)), BAD);
	/* A short buffer gets a cut, terminated message. */
	assert_string_equal(err, "TNAuthList: byt");
	assert_int_equal(danecid_tnauth_parse(openssl_vec, 2, &ta, err, 1), BAD);
	assert_string_equal(err, "");
}

/* SPC map: the pairs as "SPC=PREFIX;SPC=PREFIX" (OK), or a substring of the message. */
struct mrow {
	const char *in;
	size_t len; /* 0: strlen(in) */
	int err;
	const char *want;
};

static const struct mrow map_rows[] = {
    {"", 0, OK, ""},
    {"   \t ", 0, OK, ""},
    {"709J=1202555", 0, OK, "709J=1202555"},
    {" 709J = +1202555 , ABCD=44 ", 0, OK, "709J=1202555;ABCD=44"},
    {"\t709J=1202555\t,\tABCD=44", 0, OK, "709J=1202555;ABCD=44"},
    {"709J=1703,709J=1202", 0, OK, "709J=1703;709J=1202"},
    {"709J=+1", 0, OK, "709J=1"},
    {"709J=123456789012345", 0, OK, "709J=123456789012345"},
    {"709J=+123456789012345", 0, OK, "709J=123456789012345"},
    {"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345=1", 0, OK, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345=1"},
    {"a=1,A=1", 0, OK, "a=1;A=1"},
    {"!\"#~=1", 0, OK, "!\"#~=1"},
    {"709J=1202555,XYZ", 12, OK, "709J=1202555"}, /* the length ends the input */
    {"709J=1202555,709J=1202555", 0, CFG, "SPC map: item 2 \"709J=1202555\": the same pair twice"},
    {"709J=1202555,709J=+1202555", 0, CFG, "item 2 \"709J=+1202555\": the same pair twice"},
    {",", 0, CFG, "SPC map: item 1 \"\": empty item"},
    {"709J=1,", 0, CFG, "item 2 \"\": empty item"},
    {",709J=1", 0, CFG, "item 1 \"\": empty item"},
    {"709J=1,,A=2", 0, CFG, "item 2 \"\": empty item"},
    {"709J=1, \t,A=2", 0, CFG, "item 2 \"\": empty item"},
    {"709J", 0, CFG, "item 1 \"709J\": not SPC=PREFIX"},
    {"709J 1202555", 0, CFG, "not SPC=PREFIX"},
    {"=1202", 0, CFG, "empty SPC"},
    {" = 1202", 0, CFG, "empty SPC"},
    {"709J=", 0, CFG, "item 1 \"709J=\": the prefix must be 1..15 digits"},
    {"709J=+", 0, CFG, "the prefix must be"},
    {"709J=++1", 0, CFG, "the prefix must be"},
    {"709J=12a", 0, CFG, "the prefix must be"},
    {"709J=1 2", 0, CFG, "the prefix must be"},
    {"709J=1-202", 0, CFG, "the prefix must be"},
    {"709J=-1", 0, CFG, "the prefix must be"},
    {"709J=1234567890123456", 0, CFG, "the prefix must be"},
    {"709J=+1234567890123456", 0, CFG, "the prefix must be"},
    {"709J==1", 0, CFG, "the prefix must be"},
    {"a=b=c", 0, CFG, "the prefix must be"},
    {"7 09J=1", 0, CFG, "item 1 \"7 09J=1\": the SPC must be printable ASCII"},
    {"709\x01=1", 0, CFG, "item 1 \"709?=1\": the SPC must be printable ASCII"},
    {"\xc3\xa9=1", 0, CFG, "the SPC must be printable ASCII"},
    {"709J=1\0,A=2", 10, CFG, "item 1 \"709J=1?\": the prefix must be"},
    {"70\0J=1", 6, CFG, "the SPC must be printable ASCII"},
    {"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456=1", 0, CFG, "SPC too long"},
    {"ok=1,ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJ=1", 0, CFG,
     "item 2 \"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCD...\": SPC too long"},
};

/* The map as "SPC=PREFIX;..." */
static void map_text(const struct danecid_spc_map *m, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->n; i++) {
		int k = snprintf(buf + off, size - off, "%s%s=%s", i > 0 ? ";" : "", m->m[i].spc,
		                 m->m[i].prefix);

		assert_true(k > 0 && (size_t)k < size - off);
		off += (size_t)k;
	}
}

static void test_map_table(void **state)
{
	struct guard g;
	size_t bad = 0;

	(void)state;
	guard_open(&g);
	for (size_t i = 0; i < NELEM(map_rows); i++) {
		const struct mrow *t = &map_rows[i];
		size_t len = t->len != 0 ? t->len : strlen(t->in);
		struct danecid_spc_map m;
		struct danecid_spc_map pat;
		char err[256] = "untouched";
		char text[512];
		int r;

		memset(&m, 0x5a, sizeof(m));
		pat = m;
		r = danecid_spc_map_parse(guard_place(&g, t->in, len), len, &m, err, sizeof(err));
		if (r != t->err) {
			print_error("map row %zu \"%s\": got %d (%s), want %d\n", i, t->in, r, err,
			            t->err);
			bad++;
			continue;
		}
		if (r != OK) {
			if (strstr(err, t->want) == NULL) {
				print_error("map row %zu \"%s\": message \"%s\" lacks \"%s\"\n", i,
				            t->in, err, t->want);
				bad++;
			}
			if (memcmp(&m, &pat, sizeof(m)) != 0) {
				print_error("map row %zu: output written on error\n", i);
				bad++;
			}
			continue;
		}
		map_text(&m, text, sizeof(text));
		if (strcmp(text, t->want) != 0 || strcmp(err, "untouched") != 0) {
			print_error("map row %zu \"%s\": got \"%s\" (err \"%s\"), want \"%s\"\n", i,
			            t->in, text, err, t->want);
			bad++;
		}
	}
	guard_close(&g);
	assert_int_equal(bad, 0);
}

static void test_map_limits(void **state)
{
	char buf[2048];
	struct danecid_spc_map m;
	char err[256];
	size_t off = 0;

	(void)state;
	for (int i = 0; i < DANECID_SPC_MAP_MAX; i++) {
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%sS%d=%d", i > 0 ? "," : "",
		                        i, 1000 + i);
	}
	assert_int_equal(danecid_spc_map_parse(buf, off, &m, err, sizeof(err)), OK);
	assert_int_equal(m.n, DANECID_SPC_MAP_MAX);
	assert_string_equal(m.m[63].spc, "S63");
	assert_string_equal(m.m[63].prefix, "1063");
	off += (size_t)snprintf(buf + off, sizeof(buf) - off, ",S64=1064");
	assert_int_equal(danecid_spc_map_parse(buf, off, &m, err, sizeof(err)), CFG);
	assert_string_equal(err, "SPC map: more than 64 items");
	/* arguments */
	assert_int_equal(danecid_spc_map_parse(NULL, 0, &m, NULL, 0), OK);
	assert_int_equal(m.n, 0);
	assert_int_equal(danecid_spc_map_parse(NULL, 1, &m, NULL, 0), DANECID_ERR_INVAL);
	assert_int_equal(danecid_spc_map_parse("a=1", 3, NULL, NULL, 0), DANECID_ERR_INVAL);
	assert_int_equal(danecid_spc_map_parse("a", 1, &m, NULL, 0), CFG);
}

/* Lists for the coverage table. */
enum list_id {
	L_OPENSSL, /* one 12025550100, spc 709J, range 12025550200+100 (openssl_vec) */
	L_COUNT2,  /* range 12025550200+2 */
	L_HUGE1,   /* range 1+2^63 */
	L_HUGE0,   /* range 000000000000000+2^63 */
	L_HUGE9,   /* range 999999999999999+2^63, range 999999999999990+128 */
	L_HASH,    /* range 1202555020#+100, one 1202555010*, range *202555020+100 */
	L_EMPTY,   /* only unknown entries */
	L_NULL,    /* no list at all */
};

static void build(enum list_id id, struct danecid_tnauth *ta)
{
	static const uint8_t empty[] = {0x30, 0x02, 0x83, 0x00};
	static const struct {
		const char *start;
		uint64_t count;
	} hash[] = {{"1202555020#", 100}, {"1202555010*", 0}, {"*202555020", 100}};

	memset(ta, 0, sizeof(*ta));
	switch (id) {
	case L_OPENSSL:
		assert_int_equal(
		    danecid_tnauth_parse(openssl_vec, sizeof(openssl_vec), ta, NULL, 0), OK);
		break;
	case L_COUNT2:
		ta->n = 1;
		ta->e[0].kind = DANECID_TNAUTH_RANGE;
		strcpy(ta->e[0].value, "12025550200");
		ta->e[0].count = 2;
		break;
	case L_HUGE1:
	case L_HUGE0:
		ta->n = 1;
		ta->e[0].kind = DANECID_TNAUTH_RANGE;
		strcpy(ta->e[0].value, id == L_HUGE1 ? "1" : "000000000000000");
		ta->e[0].count = P63;
		break;
	case L_HUGE9:
		ta->n = 2;
		ta->e[0].kind = DANECID_TNAUTH_RANGE;
		strcpy(ta->e[0].value, "999999999999999");
		ta->e[0].count = P63;
		ta->e[1].kind = DANECID_TNAUTH_RANGE;
		strcpy(ta->e[1].value, "999999999999990");
		ta->e[1].count = 128;
		break;
	case L_HASH:
		ta->n = NELEM(hash);
		for (size_t i = 0; i < NELEM(hash); i++) {
			ta->e[i].kind =
			    hash[i].count != 0 ? DANECID_TNAUTH_RANGE : DANECID_TNAUTH_ONE;
			strcpy(ta->e[i].value, hash[i].start);
			ta->e[i].count = hash[i].count;
		}
		break;
	case L_EMPTY:
		assert_int_equal(danecid_tnauth_parse(empty, sizeof(empty), ta, NULL, 0), OK);
		assert_int_equal(ta->n, 0);
		break;
	case L_NULL:
		break;
	}
}

#define A_SUMMARY                                                                                  \
	"the certificate covers one 12025550100, spc 709J (not mapped), range 12025550200+100"

struct crow {
	enum list_id list;
	const char *map; /* NULL: no map */
	const char *tn;
	size_t len; /* 0: strlen(tn) */
	bool covered;
	const char *why; /* exact */
};

static const struct crow cover_rows[] = {
    /* one */
    {L_OPENSSL, NULL, "12025550100", 0, true, "one 12025550100"},
    {L_OPENSSL, NULL, "12025550101", 0, false, A_SUMMARY},
    {L_OPENSSL, NULL, "1202555010", 0, false, A_SUMMARY},
    {L_OPENSSL, NULL, "120255501000", 0, false, A_SUMMARY},
    {L_OPENSSL, NULL, "12025550100999", 11, true, "one 12025550100"},
    /* range 12025550200+100: first, last, one before, one past, other lengths */
    {L_OPENSSL, NULL, "12025550200", 0, true, "range 12025550200+100"},
    {L_OPENSSL, NULL, "12025550250", 0, true, "range 12025550200+100"},
    {L_OPENSSL, NULL, "12025550299", 0, true, "range 12025550200+100"},
    {L_OPENSSL, NULL, "12025550199", 0, false, A_SUMMARY},
    {L_OPENSSL, NULL, "12025550300", 0, false, A_SUMMARY},
    {L_OPENSSL, NULL, "1202555020", 0, false, A_SUMMARY},
    {L_OPENSSL, NULL, "120255502000", 0, false, A_SUMMARY},
    {L_OPENSSL, NULL, "120255502", 0, false, A_SUMMARY},
    /* count 2 */
    {L_COUNT2, NULL, "12025550200", 0, true, "range 12025550200+2"},
    {L_COUNT2, NULL, "12025550201", 0, true, "range 12025550200+2"},
    {L_COUNT2, NULL, "12025550202", 0, false, "the certificate covers range 12025550200+2"},
    {L_COUNT2, NULL, "12025550199", 0, false, "the certificate covers range 12025550200+2"},
    /* counts near 2^63: start + count overflows nothing, the length still has to match */
    {L_HUGE1, NULL, "1", 0, true, "range 1+9223372036854775808"},
    {L_HUGE1, NULL, "9", 0, true, "range 1+9223372036854775808"},
    {L_HUGE1, NULL, "0", 0, false, "the certificate covers range 1+9223372036854775808"},
    {L_HUGE1, NULL, "10", 0, false, "the certificate covers range 1+9223372036854775808"},
    {L_HUGE0, NULL, "000000000000000", 0, true, "range 000000000000000+9223372036854775808"},
    {L_HUGE0, NULL, "999999999999999", 0, true, "range 000000000000000+9223372036854775808"},
    {L_HUGE0, NULL, "99999999999999", 0, false,
     "the certificate covers range 000000000000000+9223372036854775808"},
    {L_HUGE9, NULL, "999999999999999", 0, true, "range 999999999999999+9223372036854775808"},
    {L_HUGE9, NULL, "999999999999998", 0, true, "range 999999999999990+128"},
    {L_HUGE9, NULL, "999999999999990", 0, true, "range 999999999999990+128"},
    {L_HUGE9, NULL, "999999999999989", 0, false,
     "the certificate covers range 999999999999999+9223372036854775808, range "
     "999999999999990+128"},
    /* '#' and '*' never match */
    {L_HASH, NULL, "12025550200", 0, false,
     "the certificate covers range 1202555020#+100, one 1202555010*, range *202555020+100"},
    {L_HASH, NULL, "12025550100", 0, false,
     "the certificate covers range 1202555020#+100, one 1202555010*, range *202555020+100"},
    {L_HASH, NULL, "1202555020", 0, false,
     "the certificate covers range 1202555020#+100, one 1202555010*, range *202555020+100"},
    /* spc: mapped, the list's order decides which entry is named */
    {L_OPENSSL, "709J=1202555", "12025559999", 0, true, "spc 709J (mapped to 1202555)"},
    {L_OPENSSL, "709J=1202555", "12025550250", 0, true, "spc 709J (mapped to 1202555)"},
    {L_OPENSSL, "709J=1202555", "12025550100", 0, true, "one 12025550100"},
    {L_OPENSSL, "709J=1", "19995550100", 0, true, "spc 709J (mapped to 1)"},
    {L_OPENSSL, "709J=12025559999", "12025559999", 0, true, "spc 709J (mapped to 12025559999)"},
    {L_OPENSSL, "ABCD=1, 709J=1703, 709J=+1202", "12025559999", 0, true,
     "spc 709J (mapped to 1202)"},
    /* spc: prefix mismatch, unmapped, case */
    {L_OPENSSL, "709J=1202555", "19995550100", 0, false,
     "the certificate covers one 12025550100, spc 709J (mapped to 1202555), range "
     "12025550200+100"},
    {L_OPENSSL, "709J=1703,ABCD=1999,709J=1202", "19995550100", 0, false,
     "the certificate covers one 12025550100, spc 709J (mapped to 1703 or 1202), range "
     "12025550200+100"},
    {L_OPENSSL, "709J=120255599990", "12025559999", 0, false,
     "the certificate covers one 12025550100, spc 709J (mapped to 120255599990), range "
     "12025550200+100"},
    {L_OPENSSL, "709j=1202555", "12025559999", 0, false, A_SUMMARY},
    {L_OPENSSL, "709=1202555", "12025559999", 0, false, A_SUMMARY},
    {L_OPENSSL, "709JJ=1202555", "12025559999", 0, false, A_SUMMARY},
    {L_OPENSSL, "", "12025559999", 0, false, A_SUMMARY},
    /* nothing to cover with */
    {L_EMPTY, "709J=1", "12025550100", 0, false,
     "the certificate covers nothing (no entry danecid understands)"},
    {L_NULL, "709J=1", "12025550100", 0, false, "no TNAuthList"},
    /* not a canonical TN */
    {L_OPENSSL, "709J=1", "", 0, false, "\"\" is not a canonical TN (1..15 digits)"},
    {L_OPENSSL, "709J=1", "+12025550100", 0, false,
     "\"+12025550100\" is not a canonical TN (1..15 digits)"},
    {L_OPENSSL, "709J=1", "1234567890123456", 0, false,
     "\"1234567890123456\" is not a canonical TN (1..15 digits)"},
    {L_OPENSSL, "709J=1", "1202555010A", 0, false,
     "\"1202555010A\" is not a canonical TN (1..15 digits)"},
    {L_OPENSSL, "709J=1", "1202555010#", 0, false,
     "\"1202555010#\" is not a canonical TN (1..15 digits)"},
    {L_OPENSSL, "709J=1", "12025550100\0", 12, false,
     "\"12025550100?\" is not a canonical TN (1..15 digits)"},
};

static void test_covers_table(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < NELEM(cover_rows); i++) {
		const struct crow *t = &cover_rows[i];
		size_t len = t->len != 0 ? t->len : strlen(t->tn);
		struct danecid_tnauth ta;
		struct danecid_spc_map m;
		char why[512];
		bool got;

		build(t->list, &ta);
		if (t->map != NULL) {
			assert_int_equal(danecid_spc_map_parse(t->map, strlen(t->map), &m, NULL, 0),
			                 OK);
		}
		memset(why, 'x', sizeof(why));
		got =
		    danecid_tnauth_covers(t->list == L_NULL ? NULL : &ta,
		                          t->map != NULL ? &m : NULL, t->tn, len, why, sizeof(why));
		if (got != t->covered || strcmp(why, t->why) != 0) {
			print_error("cover row %zu (%s): got %d \"%s\", want %d \"%s\"\n", i, t->tn,
			            got, why, t->covered, t->why);
			bad++;
		}
		/* The answer does not depend on the caller wanting the text. */
		if (danecid_tnauth_covers(t->list == L_NULL ? NULL : &ta,
		                          t->map != NULL ? &m : NULL, t->tn, len, NULL,
		                          0) != t->covered) {
			print_error("cover row %zu (%s): different without why\n", i, t->tn);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The why text is cut safely at any buffer size, "..." marking the cut. */
static void test_why_truncation(void **state)
{
	struct danecid_tnauth ta;
	char why[sizeof(A_SUMMARY) + 8];
	char big[256];
	uint8_t buf[1024];
	size_t full = strlen(A_SUMMARY);

	(void)state;
	build(L_OPENSSL, &ta);
	for (size_t size = 1; size <= sizeof(why); size++) {
		memset(why, 'x', sizeof(why));
		assert_false(danecid_tnauth_covers(&ta, NULL, "19995550100", 11, why, size));
		if (size > full) {
			assert_string_equal(why, A_SUMMARY);
		} else {
			size_t n = size - 1;

			assert_int_equal(strlen(why), n);
			if (size >= 4) {
				assert_memory_equal(why, A_SUMMARY, n - 3);
				assert_memory_equal(why + n - 3, "...", 3);
			} else {
				assert_memory_equal(why, A_SUMMARY, n);
			}
		}
		/* nothing written past size */
		for (size_t k = size; k < sizeof(why); k++) {
			assert_int_equal(why[k], 'x');
		}
	}
	/* size 0: the buffer is not touched */
	why[0] = 'x';
	assert_true(danecid_tnauth_covers(&ta, NULL, "12025550100", 11, why, 0));
	assert_int_equal(why[0], 'x');
	/* a covered text cut short */
	assert_true(danecid_tnauth_covers(&ta, NULL, "12025550250", 11, why, 10));
	assert_string_equal(why, "range ...");
	/* 32 entries: the summary is long and cut at the end */
	assert_int_equal(danecid_tnauth_parse(buf, many_ones(buf, sizeof(buf), DANECID_TNAUTH_MAX),
	                                      &ta, NULL, 0),
	                 OK);
	assert_false(danecid_tnauth_covers(&ta, NULL, "19995550100", 11, big, sizeof(big)));
	assert_int_equal(strlen(big), sizeof(big) - 1);
	assert_memory_equal(big, "the certificate covers one 12025550100, one 12025550100, ", 57);
	assert_memory_equal(big + sizeof(big) - 4, "...", 4);
}

/* Hand-built structs out of the parser's range do not make covers read out of bounds. */
static void test_covers_defensive(void **state)
{
	struct danecid_tnauth ta;
	struct danecid_spc_map m;
	char why[64];

	(void)state;
	memset(&ta, 'A', sizeof(ta)); /* no NUL in any value */
	ta.n = 1000;
	for (size_t i = 0; i < DANECID_TNAUTH_MAX; i++) {
		ta.e[i].kind = DANECID_TNAUTH_SPC;
	}
	memset(&m, 'A', sizeof(m));
	m.n = 1000;
	/* Unterminated values are read within their arrays; a 16-byte prefix is no prefix. */
	assert_false(danecid_tnauth_covers(&ta, &m, "12025550100", 11, why, sizeof(why)));
	/* a map entry with an empty prefix never covers everything */
	memset(&ta, 0, sizeof(ta));
	ta.n = 1;
	ta.e[0].kind = DANECID_TNAUTH_SPC;
	strcpy(ta.e[0].value, "709J");
	memset(&m, 0, sizeof(m));
	m.n = 1;
	strcpy(m.m[0].spc, "709J");
	assert_false(danecid_tnauth_covers(&ta, &m, "12025550100", 11, why, sizeof(why)));
	assert_string_equal(why, "the certificate covers spc 709J (not mapped)");
	/* a range with count 0 covers nothing */
	ta.e[0].kind = DANECID_TNAUTH_RANGE;
	strcpy(ta.e[0].value, "12025550100");
	ta.e[0].count = 0;
	assert_false(danecid_tnauth_covers(&ta, NULL, "12025550100", 11, NULL, 0));
	/* tn NULL */
	assert_false(danecid_tnauth_covers(&ta, NULL, NULL, 11, why, sizeof(why)));
	assert_string_equal(why, "\"\" is not a canonical TN (1..15 digits)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_one_exact), cmocka_unit_test(test_parse_table),
	    cmocka_unit_test(test_truncated),       cmocka_unit_test(test_mutations),
	    cmocka_unit_test(test_many_entries),    cmocka_unit_test(test_nesting),
	    cmocka_unit_test(test_parse_args),      cmocka_unit_test(test_map_table),
	    cmocka_unit_test(test_map_limits),      cmocka_unit_test(test_covers_table),
	    cmocka_unit_test(test_why_truncation),  cmocka_unit_test(test_covers_defensive),
	};

	return cmocka_run_group_tests_name("tnauth", tests, NULL, NULL);
}
