/*
 * report_mail.c - the report e-mail: file name, Subject, MIME structure
 * (RFC 9990 "Email"; RFC 5322 header fields, RFC 2045/2046 MIME, RFC 6713
 * application/gzip)
 *
 * Ownership: see report_mail.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "report_mail.h"
#include "report_row.h"
#include "xmalloc.h"

char *
mauth_report_new_id(void)
{
	char id[33];

	mauth_report_row_id(id);
	return xstrdup(id);
}

char *
mauth_report_filename(const char *receiver, const char *policy_domain,
    const struct mauth_report_period *period, const char *report_id)
{
	return xasprintf("%s!%s!%lld!%lld!%s.xml.gz", receiver, policy_domain,
	    (long long)period->begin, (long long)period->end, report_id);
}

char *
mauth_report_subject(const char *policy_domain, const char *receiver,
    const char *report_id)
{
	return xasprintf("Report Domain: %s Submitter: %s Report-ID: <%s>",
	    policy_domain, receiver, report_id);
}

/* mail_date - RFC 5322 3.3 date-time, in UTC */
static void
mail_date(struct mauth_buf *b, time_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	mauth_buf_printf(b, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* mail_base64 - data in lines of 76 characters (RFC 2045 6.8) */
static void
mail_base64(struct mauth_buf *b, const unsigned char *data, size_t len)
{
	unsigned char line[80];

	for (size_t off = 0; off < len; off += 57) {
		size_t k = len - off < 57 ? len - off : 57;
		int n = EVP_EncodeBlock(line, data + off, (int)k);
		mauth_buf_append(b, line, (size_t)n);
		mauth_buf_puts(b, "\r\n");
	}
}

/* mail_subject - folded before Submitter: and Report-ID: (FWS, RFC 5322 3.2.2) */
static void
mail_subject(struct mauth_buf *b, const struct mauth_report_mail *m)
{
	mauth_buf_printf(b, "Subject: Report Domain: %s\r\n Submitter: %s\r\n"
	    " Report-ID: <%s>\r\n", m->policy_domain, m->receiver, m->report_id);
}

char *
mauth_report_mail_compose(const struct mauth_report_mail *m)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	char *name = mauth_report_filename(m->receiver, m->policy_domain,
	    m->period, m->report_id);
	char boundary[48];

	snprintf(boundary, sizeof(boundary), "=_mauth_%s", m->report_id);
	mauth_buf_printf(&b, "From: <%s>\r\nTo: <%s>\r\n", m->from, m->to);
	mail_subject(&b, m);
	mauth_buf_puts(&b, "Date: ");
	mail_date(&b, m->date);
	mauth_buf_printf(&b, "\r\nMessage-ID: <%s@%s>\r\n", m->report_id,
	    m->receiver);
	mauth_buf_printf(&b, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed;"
	    "\r\n boundary=\"%s\"\r\n\r\n", boundary);
	mauth_buf_printf(&b, "This is a DMARC aggregate report (RFC 9990) in "
	    "MIME format.\r\n\r\n--%s\r\nContent-Type: text/plain; "
	    "charset=us-ascii\r\n\r\nDMARC aggregate report for %s from %s,\r\n"
	    "messages received from %lld to %lld (seconds since 1970, UTC).\r\n"
	    "Report-ID: %s\r\n\r\n", boundary, m->policy_domain, m->receiver,
	    (long long)m->period->begin, (long long)m->period->end, m->report_id);
	mauth_buf_printf(&b, "--%s\r\nContent-Type: application/gzip;\r\n"
	    " name=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment;\r\n filename=\"%s\"\r\n\r\n",
	    boundary, name, name);
	mail_base64(&b, m->gz, m->gzlen);
	mauth_buf_printf(&b, "\r\n--%s--\r\n", boundary);
	free(name);
	return mauth_buf_steal(&b);
}
