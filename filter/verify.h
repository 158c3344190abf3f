/*
 * verify.h - the end-of-message phase for inbound mail
 *
 * Finishes the evaluation (lib/inbound.h) and turns its results into
 * milter edits and a verdict: forged Authentication-Results fields
 * removed, ours inserted at the top, the policy action applied.
 */
#ifndef MAUTHD_VERIFY_H
#define MAUTHD_VERIFY_H

#include <libmilter/mfapi.h>

#include "session.h"

/*
 * verify_eom - run eom on m->in (which must exist) and apply its results
 * to ctx.  Returns the SMFIS_ code for the MTA and sets *action_r to the
 * word the log line uses ("accept", "quarantine", "tempfail", "reject";
 * a message marked with DMARCQuarantineHeader is "accept").
 * A libmilter edit that fails is an internal error (reply.h).
 */
sfsistat verify_eom(SMFICTX *ctx, const struct conn *c, struct msg *m,
    const char **action_r);

#endif
