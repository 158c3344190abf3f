/*
 * report_mail.h - the e-mail that carries an aggregate report (RFC 9990
 * "Email": file name, Subject, media type; RFC 5322 and RFC 2045)
 *
 *   file name  receiver!policy-domain!begin!end!unique-id.xml.gz
 *   Subject    Report Domain: POLICY-DOMAIN Submitter: RECEIVER
 *              Report-ID: <ID>
 *   Message-ID <ID@RECEIVER>
 *
 * The Report-ID is the unique-id of the file name (RFC 9990: they MUST be
 * identical), so it is made of letters and digits only.  The message is
 * multipart/mixed: a short text part and the report as
 * application/gzip, base64.  Lines end in CRLF.
 *
 * Ownership: inputs are only read; results are the caller's to free.
 */
#ifndef MAUTH_REPORT_MAIL_H
#define MAUTH_REPORT_MAIL_H

#include <stddef.h>
#include <time.h>

#include "report_store.h"

/* mauth_report_new_id - a fresh Report-ID: 32 lower-case hex digits */
char *mauth_report_new_id(void);

/* mauth_report_filename - the attachment's name (gzip: ".xml.gz") */
char *mauth_report_filename(const char *receiver, const char *policy_domain,
    const struct mauth_report_period *period, const char *report_id);

struct mauth_report_mail {
	const char *from;		/* ReportEmail */
	const char *to;			/* the destination address */
	const char *receiver;		/* our domain: Submitter */
	const char *policy_domain;
	const char *report_id;
	const struct mauth_report_period *period;
	const unsigned char *gz;	/* the gzip'd report */
	size_t gzlen;
	time_t date;
};

/* mauth_report_mail_compose - the whole message, CRLF line ends */
char *mauth_report_mail_compose(const struct mauth_report_mail *m);

/* mauth_report_subject - the Subject value (unfolded) */
char *mauth_report_subject(const char *policy_domain, const char *receiver,
    const char *report_id);

#endif
