/*
 * reply.h - SMTP replies mauthd asks the MTA to give, and the answer to
 * internal errors
 *
 * Reply texts can carry words from the network (an SPF explanation comes
 * from the sender's DNS), and libmilter passes them on to the MTA, which
 * treats '%' specially and refuses CR or LF: reply_set() makes them safe.
 * An internal error (a libmilter call that fails, a callback in a state
 * that cannot happen) is never a silent accept: reply_internal_error()
 * logs it with the queue id and answers as On-InternalError says.
 */
#ifndef MAUTHD_REPLY_H
#define MAUTHD_REPLY_H

#include <libmilter/mfapi.h>

#include "conf.h"

struct msg;

/* reply_setup - remember On-InternalError (before smfi_main, and on reload) */
void reply_setup(enum mauth_conf_on_error on_error);

/*
 * reply_set - smfi_setreply(rcode, xcode, text) with text reduced to
 * printable ASCII, '%' doubled and at most 400 bytes.  Returns 0, or -1
 * (logged) when libmilter refuses; the caller's SMFIS_ code then still
 * stands with the MTA's default text.
 */
int reply_set(SMFICTX *ctx, const struct msg *m, const char *rcode,
    const char *xcode, const char *text);

/*
 * reply_internal_error - log "QID: internal error: ..." and answer per
 * On-InternalError: tempfail (451 4.3.0), reject (554 5.3.0) or accept.
 */
sfsistat reply_internal_error(SMFICTX *ctx, const struct msg *m,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* reply_internal_action - "tempfail", "reject" or "accept", for log lines */
const char *reply_internal_action(void);

#endif
