/*
 * log.c - mauthd's logging: syslog(3) or standard error
 *
 * The destination is chosen once at start-up (log_setup) before any thread
 * starts; after that these variables are only read, except the level and
 * the syslog facility, which a reload may change (log_reconfigure).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

_Atomic int log_max_level = LOG_INFO;
static bool log_syslog;
static bool log_foreground = true;	/* everything to standard error */
static bool log_detached;	/* standard error no longer reaches the operator */

void
log_setup(bool foreground, bool to_syslog, int facility, int level)
{
	log_max_level = level;
	log_foreground = foreground;
	log_syslog = to_syslog;
	if (to_syslog)
		openlog("mauthd", LOG_PID | LOG_NDELAY, facility);
}

void
log_reconfigure(int facility, int level)
{
	log_max_level = level;
	if (log_syslog)
		openlog("mauthd", LOG_PID | LOG_NDELAY, facility);
}

void
log_detach(void)
{
	log_detached = true;
}

static const char *
log_level_name(int level)
{
	switch (level) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
		return "fatal";
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void
log_vat(int level, const char *fmt, va_list ap)
{
	char line[2048], out[2200];
	int n;

	vsnprintf(line, sizeof(line), fmt, ap);
	/* text from the network (HELO, addresses, DNS) must not forge lines */
	for (char *p = line; *p != '\0'; p++) {
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	}
	if (log_syslog)
		syslog(level, "%s", line);
	/*
	 * In the foreground everything goes to standard error; a daemon copies
	 * its start-up warnings and errors there for whoever started it.
	 */
	if (!log_foreground && (log_detached || level > LOG_WARNING))
		return;
	n = snprintf(out, sizeof(out), "mauthd[%ld]: %s: %s\n", (long)getpid(),
	    log_level_name(level), line);
	if (n > 0)
		(void)!write(STDERR_FILENO, out, (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1);
}

void
log_at(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vat(level, fmt, ap);
	va_end(ap);
}

void
fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vat(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(status);
}

void
panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vat(LOG_CRIT, fmt, ap);
	va_end(ap);
	abort();
}
