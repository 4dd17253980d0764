/* wycheproof — load a Project Wycheproof vector file from tests/vectors/wycheproof (tests only). */
#ifndef DANECID_TEST_WYCHEPROOF_H
#define DANECID_TEST_WYCHEPROOF_H

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <jansson.h>

/**
 * Parse "$top_srcdir/tests/vectors/wycheproof/NAME" (top_srcdir defaults to ".") with
 * duplicate keys rejected. Fails the running test when the file cannot be read or parsed.
 * @return the document; the caller frees it with json_decref().
 */
static json_t *wycheproof_load(const char *name)
{
	const char *top = getenv("top_srcdir");
	char path[PATH_MAX];
	json_error_t err;
	json_t *root;

	if (top == NULL || *top == '\0') {
		top = ".";
	}
	assert_true((size_t)snprintf(path, sizeof(path), "%s/tests/vectors/wycheproof/%s", top,
	                             name) < sizeof(path));
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		fail_msg("cannot load %s: %s (line %d)", path, err.text, err.line);
	}
	return root;
}

#endif
