/*
 * conf.h - mauthd.conf: one file read by mauthd and by every mauth command
 *
 * Format (OpenDKIM style): one "Key value" per line; keys are
 * case-insensitive; the value is the rest of the line with outer white
 * space removed; '#' at the start of a line or after white space starts a
 * comment (so a value may hold '#' inside a word); blank lines are ignored.
 * The keys, their types, defaults and limits are one table in conf.c;
 * conf/mauthd.conf documents every key and a test checks the two agree.
 * Unknown keys, repeated keys, missing and bad values are errors reported
 * as "file:line: Key: ..." naming the key and the offending value.
 *
 * A loaded struct mauth_conf is immutable and owned by whoever loaded it
 * (mauth_conf_free); nothing in it points outside it.  Loading keeps no
 * state between calls, so it is safe from any thread.
 */
#ifndef MAUTH_CONF_H
#define MAUTH_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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

/* DMARCDiscovery: how DMARC records and Organizational Domains are found */
enum mauth_conf_dmarc_discovery {
	MAUTH_DMARC_DISCOVERY_RFC9989 = 0,	/* DNS tree walk */
	MAUTH_DMARC_DISCOVERY_PSL,		/* RFC 7489, Public Suffix List */
};

/* DMARCQuarantine: what a quarantine disposition does */
enum mauth_conf_dmarc_quarantine {
	MAUTH_DMARC_QUARANTINE_HOLD = 0,	/* smfi_quarantine: the MTA's hold queue */
	MAUTH_DMARC_QUARANTINE_HEADER,		/* deliver with DMARCQuarantineHeader */
	MAUTH_DMARC_QUARANTINE_ACCEPT,		/* deliver, A-R only */
};

/* DMARCMultipleFrom, DMARCMalformedFrom, DMARCMissingFrom */
enum mauth_conf_from_action {
	MAUTH_FROM_REJECT = 0,		/* 550 5.7.1 */
	MAUTH_FROM_ACCEPT,		/* deliver; dmarc=permerror (none if missing) */
	MAUTH_FROM_EVALUATE,		/* several domains: DMARC for each, the worst acts */
};

/* Canonicalization for signing: header/body (RFC 6376 section 3.4) */
enum mauth_conf_canon {
	MAUTH_CANON_RELAXED_RELAXED = 0,
	MAUTH_CANON_RELAXED_SIMPLE,
	MAUTH_CANON_SIMPLE_RELAXED,
	MAUTH_CANON_SIMPLE_SIMPLE,
};

/* ReportFormat: the aggregate report's XML */
enum mauth_conf_report_format {
	MAUTH_REPORT_FORMAT_RFC9990 = 0,	/* urn:ietf:params:xml:ns:dmarc-2.0 */
	MAUTH_REPORT_FORMAT_RFC7489,		/* RFC 7489 appendix C */
};

/* ReportSMTPTLS: STARTTLS towards ReportSMTPServer */
enum mauth_conf_report_tls {
	MAUTH_REPORT_TLS_OPPORTUNISTIC = 0,	/* when offered, certificate not checked */
	MAUTH_REPORT_TLS_REQUIRED,		/* always, certificate and name verified */
	MAUTH_REPORT_TLS_NONE,			/* never */
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
	char *pid_file;			/* PidFile; NULL = none */
	bool syslog;			/* Syslog */
	int syslog_facility;		/* SyslogFacility: LOG_MAIL, ... */
	unsigned log_level;		/* LogLevel: LOG_ERR .. LOG_DEBUG */
	enum mauth_conf_on_temperror on_temperror;	/* On-TempError */
	enum mauth_conf_on_error on_internal_error;	/* On-InternalError */
	unsigned socket_mode;		/* SocketMode: for local: sockets */

	enum mauth_conf_dmarc_discovery dmarc_discovery;	/* DMARCDiscovery */
	char *public_suffix_list;	/* PublicSuffixList; NULL = libpsl's newest */
	bool reject_failures;		/* RejectFailures */
	enum mauth_conf_dmarc_quarantine dmarc_quarantine;	/* DMARCQuarantine */
	char *dmarc_quarantine_header;	/* DMARCQuarantineHeader: "Name: value" */
	enum mauth_conf_from_action dmarc_multiple_from;	/* DMARCMultipleFrom */
	enum mauth_conf_from_action dmarc_malformed_from;	/* DMARCMalformedFrom */
	enum mauth_conf_from_action dmarc_missing_from;	/* DMARCMissingFrom */
	char **dmarc_ignore_domains;	/* DMARCIgnoreDomains: NULL-terminated */
	struct mauth_cidr_list dmarc_trusted_sources;	/* DMARCTrustedSources */
	char *metrics_socket;		/* MetricsSocket: inet:PORT@ADDR; NULL = none */

	/* DKIM (lib/dkim.h; the tables are loaded by mauthd at start-up) */
	char *key_table;		/* KeyTable: file:PATH or PATH; NULL = no signing */
	char *signing_table;		/* SigningTable: file:PATH, refile:PATH or PATH */
	bool multiple_signatures;	/* MultipleSignatures */
	enum mauth_conf_canon canonicalization;	/* Canonicalization */
	char **sign_headers;		/* SignHeaders; NULL = RFC 6376 5.4.1 list */
	char **oversign_headers;	/* OversignHeaders; NULL = singletons; "none" */
	unsigned signature_ttl;		/* SignatureTTL, seconds; 0 = no x= */
	unsigned min_key_bits;		/* MinimumKeyBits */
	unsigned max_signatures;	/* MaximumSignaturesToVerify */

	/* DMARC aggregate reports (lib/report_*.h, mauth report) */
	char *report_store;		/* ReportStore: sqlite:/PATH, postgresql://..., none */
	char *report_spool;		/* ReportSpool: directory */
	unsigned report_wait_ms;	/* ReportWait */
	enum mauth_conf_report_format report_format;	/* ReportFormat */
	char *report_org_name;		/* ReportOrgName; NULL = ReportEmail's domain */
	char *report_email;		/* ReportEmail: sender and contact */
	char *report_contact_info;	/* ReportContactInfo; NULL = none */
	char **report_ignore_domains;	/* ReportIgnoreDomains: NULL-terminated */
	char *report_smtp_server;	/* ReportSMTPServer: HOST[:PORT]; NULL = sendmail */
	enum mauth_conf_report_tls report_smtp_tls;	/* ReportSMTPTLS */
	char *report_smtp_ca_file;	/* ReportSMTPCAFile; NULL = system store */
	char *report_smtp_user;		/* ReportSMTPUser; NULL = no AUTH */
	char *report_smtp_password_file;	/* ReportSMTPPasswordFile */
	char *report_sendmail;		/* ReportSendmail: program run with -t -oi */
};

/* mauth_conf_report_capture - does mauthd record report rows (ReportStore not none)? */
bool mauth_conf_report_capture(const struct mauth_conf *conf);

/*
 * mauth_conf_load - read and check path.  Returns 0 and a new conf, or -1
 * with *error_r "path:line: what was wrong" (the caller frees it).
 */
int mauth_conf_load(const char *path, struct mauth_conf **conf_r, char **error_r);

/*
 * mauth_conf_parse - the same from memory: name is what error messages
 * and conf->path call the text (e.g. a file name).  len bytes of text are
 * read; the text need not end with a newline.
 */
int mauth_conf_parse(const char *name, const char *text, size_t len,
    struct mauth_conf **conf_r, char **error_r);

/*
 * mauth_conf_defaults - every key at its default (as if from an empty
 * file).  The defaults are checked by the same parser as file values; a
 * default that fails is a bug in the table and aborts.
 */
struct mauth_conf *mauth_conf_defaults(void);

/* mauth_conf_free - release conf and everything in it; sets *conf to NULL */
void mauth_conf_free(struct mauth_conf **conf);

/*
 * mauth_conf_dump - append every key and its effective value to out, one
 * "Key value" line each in table order; keys without a value are written
 * as comments ("# Key (not set)").  The output parses back to the same
 * configuration.
 */
struct mauth_buf;
void mauth_conf_dump(const struct mauth_conf *conf, struct mauth_buf *out);

/*
 * mauth_conf_key_name - the i-th key of the table as spelt in the
 * documentation (i from 0), or NULL past the last one.  Lets tests and
 * tools walk the table without knowing it.
 */
const char *mauth_conf_key_name(size_t i);

/* ---------------------------------------------------------------- values */

enum mauth_conf_socket_kind {
	MAUTH_CONF_SOCKET_INET = 0,	/* inet:PORT[@ADDR] */
	MAUTH_CONF_SOCKET_INET6,	/* inet6:PORT[@ADDR] */
	MAUTH_CONF_SOCKET_LOCAL,	/* local:PATH or unix:PATH */
};

struct mauth_conf_socket {
	enum mauth_conf_socket_kind kind;
	unsigned port;		/* inet, inet6: 1..65535 */
	char *addr;		/* inet, inet6: address or host name; NULL = any */
	char *path;		/* local: absolute path */
};

/*
 * mauth_conf_socket_parse - split a Socket value (the form libmilter's
 * smfi_setconn() takes).  Returns 0 and fills *sock_r (release with
 * mauth_conf_socket_clear), or -1 with *error_r naming what is wrong.
 */
int mauth_conf_socket_parse(const char *spec, struct mauth_conf_socket *sock_r,
    char **error_r);
/* mauth_conf_socket_clear - free the strings of sock and zero it */
void mauth_conf_socket_clear(struct mauth_conf_socket *sock);

struct mauth_conf_user {
	char *name;		/* user name, for initgroups() */
	uid_t uid;
	gid_t gid;		/* the named group, else the user's primary group */
};

/*
 * mauth_conf_user_lookup - resolve a UserID value "user[:group]" through
 * the password and group databases.  Returns 0 and fills *user_r (release
 * with mauth_conf_user_clear), or -1 with *error_r naming the unknown user
 * or group.
 */
int mauth_conf_user_lookup(const char *spec, struct mauth_conf_user *user_r,
    char **error_r);
/* mauth_conf_user_clear - free user->name and zero user */
void mauth_conf_user_clear(struct mauth_conf_user *user);

#endif
