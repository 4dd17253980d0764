/* util — small helpers shared by the library files. */
#include <stdarg.h>
#include <stdio.h>

#include "util.h"

void danecid_errf(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0) {
		return;
	}
	va_start(ap, fmt);
	if (vsnprintf(errbuf, errlen, fmt, ap) < 0) {
		errbuf[0] = '\0'; /* an encoding error may leave the buffer unterminated */
	}
	va_end(ap);
}
