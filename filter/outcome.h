/*
 * outcome.h - the end of a message: its log line and its metrics
 *
 * Every message that reaches end of data gives exactly one line at level
 * info, "QID: key=value ...", and one update of the counters; an aborted
 * transaction gives neither at info (a debug line, a counter).  The line's
 * keys, in order:
 *
 *   ip         client address ("local": no address)
 *   helo       HELO/EHLO argument
 *   mailfrom   MAIL FROM as the MTA sent it
 *   internal   "yes" for InternalHosts and local mail (nothing evaluated)
 *   auth       "yes" for mail from a client authenticated with SMTP AUTH
 *              (outbound like internal mail; "internal" is then left out)
 *   signed     outbound only: "DOMAIN/SELECTOR,..." of the DKIM signatures
 *              added, or "no"
 *   spf        SPF result (inbound only)
 *   dkim       inbound only: "RESULT:DOMAIN:SELECTOR" per DKIM-Signature,
 *              ","-separated, or "none" (unsigned)
 *   dmarc      DMARC result (inbound, DMARC configured); then, when an
 *              author domain was evaluated, for the one that decided:
 *     header_from   the author domain
 *     policy        its published p= (when a record applied)
 *     dis           the disposition applied (when a record applied)
 *     override      why dis differs from the policy (RFC 9990 names)
 *   forged_ar_removed   forged Authentication-Results fields removed
 *   action     accept, quarantine, tempfail or reject
 *
 * Values holding white space, '"' or '\' are written in double quotes
 * with '"' and '\' escaped, so a line splits unambiguously on spaces.
 */
#ifndef MAUTHD_OUTCOME_H
#define MAUTHD_OUTCOME_H

#include "metrics.h"
#include "session.h"

/* outcome_setup - where the counters are (the daemon's; before smfi_main) */
void outcome_setup(struct metrics *metrics);

/* outcome_connect - a session starts (c->t_mark set, counted) */
void outcome_connect(struct conn *c);
/* outcome_close - a session ends */
void outcome_close(struct conn *c);

/* outcome_spf - SPF at MAIL FROM took ns nanoseconds */
void outcome_spf(uint64_t ns);

/* outcome_message - the log line and metrics of m, ended with action */
void outcome_message(struct conn *c, const struct msg *m, const char *action);

/* outcome_abort - the MTA aborted m's transaction */
void outcome_abort(struct conn *c, const struct msg *m);

#endif
