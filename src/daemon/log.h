/* log — danecidd's log lines on stderr (systemd style: the journal reads the <N> prefix). */
#ifndef DANECIDD_LOG_H
#define DANECIDD_LOG_H

/** syslog priorities. */
enum dd_level {
	DD_ERR = 3,
	DD_WARN = 4,
	DD_NOTICE = 5,
	DD_INFO = 6,
	DD_DEBUG = 7,
};

/** Log lines above this priority are dropped (default DD_INFO). */
void dd_log_set_level(enum dd_level max);

/**
 * Write one line to stderr: "<N>message" under systemd (JOURNAL_STREAM set),
 * else "danecidd: level: message". Thread-safe; never fails the caller.
 */
void dd_log(enum dd_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
