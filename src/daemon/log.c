/* log — one line per message on stderr, with a syslog priority the journal understands. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static enum dd_level max_level = DD_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void dd_log_set_level(enum dd_level max)
{
	max_level = max;
}

void dd_log(enum dd_level level, const char *fmt, ...)
{
	static const char *const names[] = {"emerg",   "alert",  "crit", "error",
	                                    "warning", "notice", "info", "debug"};
	char line[1024];
	va_list ap;

	if (level > max_level) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	if (getenv("JOURNAL_STREAM") != NULL) {
		fprintf(stderr, "<%d>%s\n", (int)level, line);
	} else {
		fprintf(stderr, "danecidd: %s: %s\n", names[level & 7], line);
	}
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}
