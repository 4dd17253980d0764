/* enumname — normalized apex names and "_stir.<reversed digits>.<apex>" owner names. */
#include <stddef.h>
#include <string.h>

#include <danecid/danecid.h>

#include "enumname.h"

/* Longest presentation name without its final dot (255 octets on the wire). */
#define NAME_MAX_CHARS 253
#define LABEL_MAX      63
#define STIR_LABEL     "_stir."

static char apex_char(char c)
{
	if (c >= 'A' && c <= 'Z') {
		return (char)(c - 'A' + 'a');
	}
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
		return c;
	}
	return '\0';
}

int danecid_apex_normalize(const char *p, size_t len, char *out, size_t outlen)
{
	char buf[NAME_MAX_CHARS + 2];
	size_t label = 0;

	if (p == NULL || out == NULL) {
		return DANECID_ERR_INVAL;
	}
	if (len > 0 && p[len - 1] == '.') {
		len--;
	}
	if (len == 0) {
		return DANECID_ERR_INVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '.') {
			if (label == 0) {
				return DANECID_ERR_INVAL;
			}
			label = 0;
		} else if (apex_char(p[i]) == '\0' || ++label > LABEL_MAX) {
			return DANECID_ERR_INVAL;
		}
	}
	if (label == 0) {
		return DANECID_ERR_INVAL;
	}
	if (len > NAME_MAX_CHARS || outlen < len + 2) {
		return DANECID_ERR_TOO_LONG;
	}
	for (size_t i = 0; i < len; i++) {
		buf[i] = p[i] == '.' ? '.' : apex_char(p[i]);
	}
	buf[len] = '.';
	buf[len + 1] = '\0';
	memcpy(out, buf, len + 2);
	return DANECID_OK;
}

int danecid_enum_name(const char *digits, size_t ndigits, const char *apex, char *out,
                      size_t outlen)
{
	size_t alen;
	size_t total;
	char *w;

	if (digits == NULL || apex == NULL || out == NULL || ndigits == 0 ||
	    ndigits > DANECID_TN_MAX) {
		return DANECID_ERR_INVAL;
	}
	for (size_t i = 0; i < ndigits; i++) {
		if (digits[i] < '0' || digits[i] > '9') {
			return DANECID_ERR_INVAL;
		}
	}
	alen = strnlen(apex, NAME_MAX_CHARS + 2);
	if (alen < 2 || alen > NAME_MAX_CHARS + 1 || apex[alen - 1] != '.') {
		return DANECID_ERR_INVAL;
	}
	/* "_stir." + "d." per digit + apex; the name without its final dot must stay a valid
	 * DNS name. */
	total = strlen(STIR_LABEL) + 2 * ndigits + alen;
	if (total - 1 > NAME_MAX_CHARS || outlen < total + 1) {
		return DANECID_ERR_TOO_LONG;
	}
	w = out;
	memcpy(w, STIR_LABEL, strlen(STIR_LABEL));
	w += strlen(STIR_LABEL);
	for (size_t i = ndigits; i > 0; i--) {
		*w++ = digits[i - 1];
		*w++ = '.';
	}
	memcpy(w, apex, alen + 1);
	return DANECID_OK;
}
