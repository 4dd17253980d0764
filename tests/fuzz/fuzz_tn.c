/* fuzz_tn — telephone numbers (tn.c) and ENUM owner names (enumname.c).
 *
 * The input is taken as a bare number (danecid_tn_canon), as a URI (danecid_tn_from_uri),
 * each with and without assume-global, and as an apex (danecid_apex_normalize). Whatever it
 * is, the answer is a clean error or a canonical TN: 1..15 ASCII digits, NUL-terminated,
 * found again from "+digits", "tel:+digits" and "sip:+digits@host"; a number found without
 * assume-global is found the same with it. Every TN's owner name "_stir.<reversed digits>.
 * <apex>" reads back to the same digits, is a valid wire name with one label per digit more
 * than the apex, and a normalized apex is lower case, ends in one dot and normalizes to
 * itself. */
#include <stdbool.h>
#include <string.h>

#include <danecid/danecid.h>

#include "dnswire.h"
#include "enumname.h"
#include "fuzz.h"
#include "tn.h"

#define APEX "e164.test."

static void check_tn(const struct danecid_tn *tn)
{
	FUZZ_CHECK(tn->len >= 1 && tn->len <= DANECID_TN_MAX);
	FUZZ_CHECK(tn->digits[tn->len] == '\0');
	for (size_t i = 0; i < tn->len; i++) {
		FUZZ_CHECK(tn->digits[i] >= '0' && tn->digits[i] <= '9');
	}
}

static bool tn_equal(const struct danecid_tn *a, const struct danecid_tn *b)
{
	return a->len == b->len && memcmp(a->digits, b->digits, a->len + 1) == 0;
}

/* The digits of an owner name made by danecid_enum_name() for apex, or false. */
static bool unname(const char *name, const char *apex, char *digits, size_t *n)
{
	size_t len = strlen(name), alen = strlen(apex), i = 6;

	*n = 0;
	if (len < 6 + alen || strncmp(name, "_stir.", 6) != 0 ||
	    strcmp(name + len - alen, apex) != 0) {
		return false;
	}
	while (i < len - alen) {
		if (name[i] < '0' || name[i] > '9' || name[i + 1] != '.' || *n >= DANECID_TN_MAX) {
			return false;
		}
		digits[*n] = name[i];
		(*n)++;
		i += 2;
	}
	/* reversed on the way in: reverse back */
	for (size_t a = 0, b = *n; a + 1 < b; a++, b--) {
		char t = digits[a];

		digits[a] = digits[b - 1];
		digits[b - 1] = t;
	}
	digits[*n] = '\0';
	return i == len - alen;
}

static void check_name(const struct danecid_tn *tn, const char *apex)
{
	char name[DANECID_ENUM_NAME_MAX], back[DANECID_TN_MAX + 1];
	uint8_t wire[DANECID_WNAME_MAX], awire[DANECID_WNAME_MAX];
	size_t n = 0, wlen = 0, alen = 0;
	int r = danecid_enum_name(tn->digits, tn->len, apex, name, sizeof(name));

	if (r == DANECID_ERR_TOO_LONG) {
		return; /* a long apex leaves no room for this many digits */
	}
	FUZZ_CHECK(r == DANECID_OK);
	FUZZ_CHECK(unname(name, apex, back, &n));
	FUZZ_CHECK(n == tn->len && memcmp(back, tn->digits, n) == 0);
	FUZZ_CHECK(danecid_wire_name_from_str(name, wire, &wlen) == DANECID_OK);
	FUZZ_CHECK(danecid_wire_name_from_str(apex, awire, &alen) == DANECID_OK);
	FUZZ_CHECK(danecid_wire_labels(wire, wlen) ==
	           1 + tn->len + danecid_wire_labels(awire, alen));
	FUZZ_CHECK(danecid_wire_under(wire, wlen, awire, alen));
}

/* A canonical TN is found again from its own spellings. */
static void check_roundtrip(const struct danecid_tn *tn)
{
	char buf[64];
	struct danecid_tn again;

	FUZZ_CHECK(danecid_tn_canon(tn->digits, tn->len, true, &again) == DANECID_OK);
	FUZZ_CHECK(tn_equal(&again, tn));
	snprintf(buf, sizeof(buf), "+%s", tn->digits);
	FUZZ_CHECK(danecid_tn_canon(buf, strlen(buf), false, &again) == DANECID_OK);
	FUZZ_CHECK(tn_equal(&again, tn));
	snprintf(buf, sizeof(buf), "tel:+%s", tn->digits);
	FUZZ_CHECK(danecid_tn_from_uri(buf, strlen(buf), false, &again) == DANECID_OK);
	FUZZ_CHECK(tn_equal(&again, tn));
	snprintf(buf, sizeof(buf), "<sip:+%s@example.test;user=phone>", tn->digits);
	FUZZ_CHECK(danecid_tn_from_uri(buf, strlen(buf), false, &again) == DANECID_OK);
	FUZZ_CHECK(tn_equal(&again, tn));
}

/* One reading of the input, with and without assume-global. */
static void one(int (*fn)(const char *, size_t, bool, struct danecid_tn *), const char *p,
                size_t len, const char *apex)
{
	struct danecid_tn strict, loose;
	int rs, rl;

	memset(&strict, 0x5a, sizeof(strict));
	memset(&loose, 0x5a, sizeof(loose));
	rs = fn(p, len, false, &strict);
	rl = fn(p, len, true, &loose);
	FUZZ_CHECK(rs == DANECID_OK || rs == DANECID_ERR_NOT_TN || rs == DANECID_ERR_TOO_LONG);
	FUZZ_CHECK(rl == DANECID_OK || rl == DANECID_ERR_NOT_TN || rl == DANECID_ERR_TOO_LONG);
	if (rs == DANECID_OK) {
		check_tn(&strict);
		FUZZ_CHECK(rl == DANECID_OK && tn_equal(&strict, &loose));
	}
	if (rl == DANECID_OK) {
		check_tn(&loose);
		check_roundtrip(&loose);
		check_name(&loose, APEX);
		if (apex != NULL) {
			check_name(&loose, apex);
		}
	}
}

static void check_apex(const char *apex)
{
	size_t len = strlen(apex);
	char again[DANECID_ENUM_NAME_MAX];

	FUZZ_CHECK(len >= 2 && len <= 254 && apex[len - 1] == '.' && apex[len - 2] != '.');
	for (size_t i = 0; i < len; i++) {
		FUZZ_CHECK(!(apex[i] >= 'A' && apex[i] <= 'Z'));
	}
	FUZZ_CHECK(danecid_apex_normalize(apex, len, again, sizeof(again)) == DANECID_OK);
	FUZZ_CHECK(strcmp(again, apex) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	char apex[DANECID_ENUM_NAME_MAX];
	int r = danecid_apex_normalize(p, size, apex, sizeof(apex));
	struct danecid_tn fixed = {"12025550100", 11};

	FUZZ_CHECK(r == DANECID_OK || r == DANECID_ERR_INVAL || r == DANECID_ERR_TOO_LONG);
	if (r == DANECID_OK) {
		check_apex(apex);
		check_name(&fixed, apex);
	}
	one(danecid_tn_canon, p, size, r == DANECID_OK ? apex : NULL);
	one(danecid_tn_from_uri, p, size, r == DANECID_OK ? apex : NULL);
	return 0;
}
