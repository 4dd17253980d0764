/* replay — a fuzz target run over its saved inputs, as a TAP test for make check.
 *
 * Every regular file of tests/fuzz/corpus/NAME/, tests/fuzz/crashers/NAME/ and of the
 * directories FUZZ_EXTRA names (':'-separated, relative to $top_srcdir) is given to
 * LLVMFuzzerTestOneInput once, in name order, in a buffer of exactly its size (so that a read
 * past the end is caught by ASan). Files whose name starts with "README" or "." are not
 * inputs. One TAP line per directory with the number of inputs; the corpus and the FUZZ_EXTRA
 * directories must hold inputs, the crashers directory may be empty or absent. A crash is a
 * crash: the program dies, the test fails, and the input being run is named first. In an
 * ASan build a leak check follows every input, so a leak fails the test the same way.
 *
 * With arguments, runs those files or directories instead (a crasher reproduced without
 * libFuzzer: tests/fuzz/replay_sip crash-1234...).
 *
 * Built once per target with -DFUZZ_NAME='"sip"' (and -DFUZZ_EXTRA='"dir:dir"').
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define REPLAY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REPLAY_ASAN 1
#endif
#endif
#ifdef REPLAY_ASAN
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif

#include "fuzz.h"

#ifndef FUZZ_NAME
#error FUZZ_NAME must name the target
#endif
#ifndef FUZZ_EXTRA
#define FUZZ_EXTRA ""
#endif

/* The input being run, for the message when it kills the process. */
static char current[4096];

static void say_current(void)
{
	static const char pre[] = "# crashed on input: ";
	ssize_t w;

	/* async-signal-safe: write(2) only */
	w = write(STDOUT_FILENO, pre, sizeof(pre) - 1);
	w = write(STDOUT_FILENO, current, strlen(current));
	w = write(STDOUT_FILENO, "\n", 1);
	(void)w;
}

static void on_fatal(int sig)
{
	say_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf = NULL;
	size_t size;
	int r = -1;

	if (f == NULL || fstat(fileno(f), &st) != 0 || st.st_size < 0) {
		goto out;
	}
	size = (size_t)st.st_size;
	/* exactly the input's size: a read one byte past it is an ASan report */
	buf = malloc(size > 0 ? size : 1);
	if (buf == NULL || fread(buf, 1, size, f) != size) {
		goto out;
	}
	snprintf(current, sizeof(current), "%s", path);
	(void)LLVMFuzzerTestOneInput(buf, size);
#ifdef REPLAY_ASAN
	/* a leak is a crash too, and this is the input that made it */
	if (__lsan_do_recoverable_leak_check() != 0) {
		printf("Bail out! memory leaked on input: %s\n", path);
		current[0] = '\0';
		exit(1);
	}
#endif
	current[0] = '\0';
	r = 0;
out:
	if (f != NULL) {
		fclose(f);
	}
	free(buf);
	return r;
}

static int is_input(const struct dirent *d)
{
	return d->d_name[0] != '.' && strncmp(d->d_name, "README", 6) != 0;
}

/* Run every input of dir; *n gets how many. 1 when dir does not exist, -1 on an error. */
static int run_dir(const char *dir, size_t *n, char *why, size_t whylen)
{
	struct dirent **names = NULL;
	int count = scandir(dir, &names, is_input, alphasort);
	int r = 0;

	*n = 0;
	if (count < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return errno == ENOENT ? 1 : -1;
	}
	for (int i = 0; i < count; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (r == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) != 0) {
				snprintf(why, whylen, "cannot read %.200s", path);
				r = -1;
			} else {
				(*n)++;
			}
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char dirs[16][1024];
	bool required[16];
	size_t ndirs = 0, total = 0;
	int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGSEGV, on_fatal);
	signal(SIGBUS, on_fatal);
	signal(SIGFPE, on_fatal);
	signal(SIGILL, on_fatal);
	signal(SIGABRT, on_fatal);
#ifdef REPLAY_ASAN
	__sanitizer_set_death_callback(say_current);
#endif
	if (top == NULL || top[0] == '\0') {
		top = ".";
	}
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			struct stat st;
			size_t n = 0;
			char why[256] = "";

			if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
				if (run_dir(argv[i], &n, why, sizeof(why)) != 0) {
					printf("not ok %d - %s: %s\n", i, argv[i], why);
					failed = 1;
					continue;
				}
			} else if (run_file(argv[i]) != 0) {
				printf("not ok %d - %s: cannot read it\n", i, argv[i]);
				failed = 1;
				continue;
			} else {
				n = 1;
			}
			printf("ok %d - %s: %zu inputs\n", i, argv[i], n);
		}
		printf("1..%d\n", argc - 1);
		return failed;
	}
	snprintf(dirs[ndirs], sizeof(dirs[0]), "tests/fuzz/corpus/%s", FUZZ_NAME);
	required[ndirs++] = true;
	snprintf(dirs[ndirs], sizeof(dirs[0]), "tests/fuzz/crashers/%s", FUZZ_NAME);
	required[ndirs++] = false;
	for (const char *p = FUZZ_EXTRA; *p != '\0' && ndirs < 16;) {
		size_t l = strcspn(p, ":");

		if (l > 0) {
			snprintf(dirs[ndirs], sizeof(dirs[0]), "%.*s", (int)l, p);
			required[ndirs++] = true;
		}
		p += l + (p[l] == ':');
	}
	printf("1..%zu\n", ndirs);
	for (size_t i = 0; i < ndirs; i++) {
		char path[2048], why[256] = "";
		size_t n = 0;
		int r;

		snprintf(path, sizeof(path), "%s/%s", top, dirs[i]);
		r = run_dir(path, &n, why, sizeof(why));
		if (r < 0 || (r > 0 && required[i])) {
			printf("not ok %zu - %s: %s\n", i + 1, dirs[i], why);
			failed = 1;
		} else if (required[i] && n == 0) {
			printf("not ok %zu - %s: no inputs\n", i + 1, dirs[i]);
			failed = 1;
		} else {
			printf("ok %zu - %s: %zu inputs%s\n", i + 1, dirs[i], n,
			       r > 0 ? " (absent)" : "");
		}
		total += n;
	}
	printf("# figure fuzz-replay-%s: %zu inputs\n", FUZZ_NAME, total);
	return failed;
}
