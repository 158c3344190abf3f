/*
 * log.h - mauthd's logging: syslog(3) or standard error
 *
 * The level check lives inside the macros (as in Redis' serverLog), so call
 * sites never test a "do I log" flag.  Per-message lines go through
 * msg_log(m, level, ...) and start with the MTA's queue id (Postfix
 * convention: "NOQUEUE" until the MTA has one), then key=value pairs.
 * Every line is checked by the compiler as a printf format and has its
 * control characters replaced before it is written, so text from the
 * network cannot forge log lines.  Safe from any thread: each line is one
 * write(2) or one syslog(3) call.
 */
#ifndef MAUTHD_LOG_H
#define MAUTHD_LOG_H

#include <stdbool.h>
#include <syslog.h>

/*
 * Lines less important than this (a LOG_* level) are dropped.  Atomic:
 * a reload changes it while sessions log.
 */
extern _Atomic int log_max_level;

/*
 * log_setup - choose the destinations and the level.  foreground: every
 * line to standard error (mauthd -f).  Otherwise lines go to syslog with
 * facility when to_syslog, and warnings and errors also to standard error
 * until log_detach().  Until it is called, everything from LOG_INFO up
 * goes to standard error.
 */
void log_setup(bool foreground, bool to_syslog, int facility, int level);

/*
 * log_reconfigure - a reload's LogLevel and SyslogFacility (safe while
 * other threads log: glibc's openlog() and syslog() share a lock).
 */
void log_reconfigure(int facility, int level);

/*
 * log_detach - standard error is about to go away (daemon mode): until
 * then, warnings and errors logged to syslog are copied to standard error
 * so that whoever starts mauthd sees why it did not start.
 */
void log_detach(void);

/* log_at - write one line at level, unconditionally (use the macros) */
void log_at(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_lvl(level, ...) do { \
	if ((level) <= log_max_level) \
		log_at((level), __VA_ARGS__); \
} while (0)

#define log_err(...)	log_lvl(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_lvl(LOG_WARNING, __VA_ARGS__)
#define log_info(...)	log_lvl(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_lvl(LOG_DEBUG, __VA_ARGS__)

/* msg_qid - the message's queue id, or "NOQUEUE" (m may be NULL); session.c */
struct msg;
const char *msg_qid(const struct msg *m);

#define msg_log(m, level, fmt, ...) do { \
	if ((level) <= log_max_level) \
		log_at((level), "%s: " fmt, msg_qid(m), ##__VA_ARGS__); \
} while (0)

/*
 * LOG_CLIP(s) - the two arguments of a "%.*s%s" conversion: at most
 * LOG_CLIP_MAX octets of s, then "..." when s was longer.  Per-message
 * lines pass every value the SMTP client chooses (HELO, MAIL FROM) through
 * it: log_at() cuts a line at 2 KB, and a 2 KB MAIL FROM (Postfix accepts
 * one) would otherwise push the verdict (spf=, action=) off the end of the
 * one line that records it.  The caller includes <string.h>.
 */
#define LOG_CLIP_MAX	256
#define LOG_CLIP(s)	LOG_CLIP_MAX, (s), strlen(s) > LOG_CLIP_MAX ? "..." : ""

/* fatal - bad configuration or environment at start-up: log, exit(status) */
void fatal(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/* panic - a bug: log and abort (core dump) */
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
