/*
 * reply.c - SMTP replies and the answer to internal errors
 *
 * Reply codes (RFC 3463 enhanced status codes):
 *   internal error, tempfail   451 4.3.0  "other or undefined mail system status"
 *   internal error, reject     554 5.3.0
 * Policy replies (SPF fail, temperror with On-TempError tempfail) come
 * from lib/inbound.c (mauth_inbound_action) and only pass through here.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "reply.h"
#include "session.h"

/* Set before smfi_main starts the threads, and again by each reload. */
static _Atomic enum mauth_conf_on_error reply_on_error = MAUTH_ON_ERROR_TEMPFAIL;

#define REPLY_TEXT_MAX	400	/* an SMTP reply line is at most 512 octets */

void
reply_setup(enum mauth_conf_on_error on_error)
{
	reply_on_error = on_error;
}

const char *
reply_internal_action(void)
{
	switch (reply_on_error) {
	case MAUTH_ON_ERROR_ACCEPT:
		return "accept";
	case MAUTH_ON_ERROR_REJECT:
		return "reject";
	case MAUTH_ON_ERROR_TEMPFAIL:
		break;
	}
	return "tempfail";
}

int
reply_set(SMFICTX *ctx, const struct msg *m, const char *rcode,
    const char *xcode, const char *text)
{
	struct mauth_buf safe = MAUTH_BUF_INIT;
	int rc;

	for (const char *p = text ? text : ""; *p != '\0' && safe.len < REPLY_TEXT_MAX; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '%')
			mauth_buf_puts(&safe, "%%");	/* libmilter: printf-style text */
		else if (ch == '\r' || ch == '\n' || ch == '\t')
			mauth_buf_putc(&safe, ' ');
		else
			mauth_buf_putc(&safe, ch >= ' ' && ch < 0x7f ? (char)ch : '?');
	}
	rc = smfi_setreply(ctx, (char *)rcode, (char *)xcode,
	    safe.len > 0 ? safe.data : NULL);
	if (rc != MI_SUCCESS)
		msg_log(m, LOG_WARNING, "smfi_setreply %s %s \"%s\" failed: the MTA "
		    "gives its default text", rcode, xcode ? xcode : "-",
		    mauth_buf_cstr(&safe));
	mauth_buf_free(&safe);
	return rc == MI_SUCCESS ? 0 : -1;
}

sfsistat
reply_internal_error(SMFICTX *ctx, const struct msg *m, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	msg_log(m, LOG_ERR, "internal error: %s; action=%s", what,
	    reply_internal_action());
	switch (reply_on_error) {
	case MAUTH_ON_ERROR_ACCEPT:
		return SMFIS_ACCEPT;
	case MAUTH_ON_ERROR_REJECT:
		reply_set(ctx, m, "554", "5.3.0",
		    "Message refused: sender authentication failed internally");
		return SMFIS_REJECT;
	case MAUTH_ON_ERROR_TEMPFAIL:
		break;
	}
	reply_set(ctx, m, "451", "4.3.0",
	    "Temporary sender authentication failure, please try again later");
	return SMFIS_TEMPFAIL;
}
