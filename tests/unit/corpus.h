/* corpus — the SIP torture corpora in tests/vectors/<sub>: where they are, which files, contents.
 */
#ifndef DANECID_TEST_CORPUS_H
#define DANECID_TEST_CORPUS_H

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/**
 * The name (without ".dat") of entry i of a test's table; table is the test's own array.
 * Lets corpus_check_names() read tables of any struct type.
 */
typedef const char *corpus_name_fn(const void *table, size_t i);

/**
 * Write the path of tests/vectors/<sub> to out (at most outlen bytes, NUL-terminated),
 * rooted at the environment variable top_srcdir, or at "." when that is unset or empty.
 */
static void corpus_dir(const char *sub, char *out, size_t outlen)
{
	const char *top = getenv("top_srcdir");

	snprintf(out, outlen, "%s/tests/vectors/%s", top != NULL && *top != '\0' ? top : ".", sub);
}

/**
 * Check that every *.dat file in tests/vectors/<sub> has an entry in table (n entries, names
 * given by name_at) and that there are exactly n such files. Fails the running test, naming
 * the folder or the file, when the folder cannot be opened, a file has no entry, or the
 * counts differ.
 */
static void corpus_check_names(const char *sub, const void *table, size_t n,
                               corpus_name_fn *name_at)
{
	char dir[4096];
	DIR *d;
	struct dirent *e;
	size_t files = 0;

	corpus_dir(sub, dir, sizeof(dir));
	d = opendir(dir);
	if (d == NULL) {
		print_error("cannot open %s (set top_srcdir)\n", dir);
	}
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		bool found = false;

		if (l < 5 || strcmp(e->d_name + l - 4, ".dat") != 0) {
			continue;
		}
		files++;
		for (size_t i = 0; i < n; i++) {
			const char *name = name_at(table, i);

			found |= strlen(name) == l - 4 && strncmp(name, e->d_name, l - 4) == 0;
		}
		if (!found) {
			print_error("%s/%s has no entry in the table\n", sub, e->d_name);
		}
		assert_true(found);
	}
	closedir(d);
	assert_int_equal(files, n);
}

/**
 * Read tests/vectors/<sub>/<name>.dat whole; *len gets its size. Fails the running test,
 * naming the path, when the file cannot be read.
 * @return the bytes, not NUL-terminated (one spare byte is allocated, left unset);
 *         the caller must free() them.
 */
static char *corpus_read(const char *sub, const char *name, size_t *len)
{
	char dir[4096];
	char path[4200];
	FILE *f;
	char *buf = NULL;
	long n;

	corpus_dir(sub, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	f = fopen(path, "rb");
	if (f != NULL) {
		if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
		    fseek(f, 0, SEEK_SET) == 0) {
			buf = malloc((size_t)n + 1);
			if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
				free(buf);
				buf = NULL;
			}
			*len = (size_t)n;
		}
		fclose(f);
	}
	if (buf == NULL) {
		print_error("cannot read %s\n", path);
	}
	assert_non_null(buf);
	return buf;
}

#endif
