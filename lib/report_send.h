/*
 * report_send.h - handing a report e-mail to the mail system: SMTP to a
 * relay (RFC 5321; STARTTLS RFC 3207; AUTH PLAIN RFC 4954 / RFC 4616) or
 * the local sendmail program
 *
 * SMTP: EHLO, STARTTLS as ReportSMTPTLS says (required: the certificate
 * is verified against ReportSMTPCAFile or the system store, and must name
 * the relay host), AUTH PLAIN only inside TLS, MAIL FROM, RCPT TO, DATA
 * with dot-stuffing, QUIT.  Every reply is checked; an error names the
 * command and quotes the server.  Each wait is bounded by timeout_ms.
 *
 * Ownership: inputs are only read.  Not thread-safe with respect to
 * SIGPIPE: the caller ignores it (the CLI does).
 */
#ifndef MAUTH_REPORT_SEND_H
#define MAUTH_REPORT_SEND_H

#include "conf.h"

struct mauth_report_smtp {
	const char *server;		/* HOST[:PORT] or [IPv6]:PORT; port 25 */
	enum mauth_conf_report_tls tls;
	const char *ca_file;		/* NULL: the system's store */
	const char *user;		/* NULL: no AUTH */
	const char *password;
	const char *helo;		/* our name for EHLO */
	unsigned timeout_ms;
};

/*
 * mauth_report_smtp_send - message (CRLF line ends, no dot-stuffing) from
 * from to to.  0, or -1 with *error_r (caller frees).
 */
int mauth_report_smtp_send(const struct mauth_report_smtp *cfg, const char *from,
    const char *to, const char *message, char **error_r);

/*
 * mauth_report_sendmail - run "program -t -oi -f from" with message (its
 * CRs removed) on standard input; 0 when it exits 0, else -1 with
 * *error_r.  Recipients come from the To: field (-t).
 */
int mauth_report_sendmail(const char *program, const char *from,
    const char *message, char **error_r);

#endif
