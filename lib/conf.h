/*
 * conf.h - mauthd.conf: one file read by mauthd and by every mauth command
 *
 * Format (OpenDKIM style): one "Key value" per line, '#' starts a comment,
 * keys are case-insensitive, the value is the rest of the line with outer
 * white space removed.  The keys, their types, defaults and limits are one
 * table in conf.c; conf/mauthd.conf documents every key and a test checks
 * the two agree.  Unknown keys, repeated keys and bad values are errors
 * reported as "file:line: ...".
 *
 * A loaded struct mauth_conf is immutable; SIGHUP builds a new one.
 */
#ifndef MAUTH_CONF_H
#define MAUTH_CONF_H

#include <stdbool.h>

#include "ip.h"

enum mauth_conf_on_temperror {
	MAUTH_ON_TEMPERROR_ACCEPT = 0,	/* deliver, A-R says temperror */
	MAUTH_ON_TEMPERROR_TEMPFAIL,	/* 451 4.7.5 (RFC 7372), the client retries */
};

enum mauth_conf_on_error {
	MAUTH_ON_ERROR_TEMPFAIL = 0,	/* 451 4.3.0: never lose nor wave through mail */
	MAUTH_ON_ERROR_ACCEPT,
	MAUTH_ON_ERROR_REJECT,
};

struct mauth_conf {
	char *path;			/* file it was read from; NULL for defaults */

	char *socket;			/* Socket: inet:PORT@ADDR, inet6:PORT@ADDR, local:PATH */
	char *authserv_id;		/* AuthservID: default the host name */
	char **nameservers;		/* Nameservers: NULL-terminated; NULL = system resolver */
	unsigned dns_timeout_ms;	/* DNSTimeout */
	char *trust_anchor_file;	/* TrustAnchorFile: DNSSEC; NULL = none */
	struct mauth_cidr_list internal_hosts;	/* InternalHosts */
	char *user_id;			/* UserID: user[:group]; NULL = stay as started */
	char *pid_file;			/* PidFile */
	bool syslog;			/* Syslog */
	int syslog_facility;		/* SyslogFacility: LOG_MAIL, ... */
	unsigned log_level;		/* LogLevel: LOG_ERR .. LOG_DEBUG */
	enum mauth_conf_on_temperror on_temperror;	/* On-TempError */
	enum mauth_conf_on_error on_internal_error;	/* On-InternalError */
	unsigned socket_mode;		/* SocketMode: for local: sockets */
};

/*
 * mauth_conf_load - read and check path.  Returns 0 and a new conf, or -1
 * with *error_r "path:line: what was wrong" (the caller frees it).
 */
int mauth_conf_load(const char *path, struct mauth_conf **conf_r, char **error_r);

/* mauth_conf_defaults - every key at its default (as if from an empty file) */
struct mauth_conf *mauth_conf_defaults(void);

void mauth_conf_free(struct mauth_conf **conf);

/* mauth_conf_dump - write every key and its effective value, one per line */
struct mauth_buf;
void mauth_conf_dump(const struct mauth_conf *conf, struct mauth_buf *out);

#endif
