/*
 * sign.h - DKIM signing of outbound mail (lib/dkim.h does the work)
 *
 * A message is outbound when its client is in InternalHosts (or has no
 * address: submitted on the MTA host) or authenticated with SMTP AUTH
 * (the {auth_authen} macro).  It is signed when its From address matches
 * the SigningTable.  Header fields are kept until the end of the header,
 * because the From field that picks the keys can come last; the body then
 * streams to the signer; at end of message the DKIM-Signature fields go
 * on top of the header.
 */
#ifndef MAUTHD_SIGN_H
#define MAUTHD_SIGN_H

#include <libmilter/mfapi.h>

#include "dkim.h"

struct conn;
struct msg;

/* What signing needs; NULL keys: no signing.  Read-only once set up. */
struct sign_ctx {
	const struct mauth_dkim *dkim;
	const struct mauth_dkim_keys *keys;
};

struct msg_sign;

/* sign_begin - signing state for an outbound message (NULL when no keys) */
struct msg_sign *sign_begin(const struct sign_ctx *sctx);
/* sign_free - release it; sets *s to NULL */
void sign_free(struct msg_sign **s);

/* value in message.h form, with its leading white space */
void sign_header(struct msg_sign *s, const char *name, const char *value);
/* sign_eoh - pick the keys from From and start the signer */
void sign_eoh(struct msg_sign *s, const struct msg *m);
void sign_body(struct msg_sign *s, const unsigned char *data, size_t len);

/*
 * sign_eom - finish and add the DKIM-Signature fields to ctx.  *what_r is
 * for the log line: "D/S,..." when signed (valid until sign_free), NULL
 * otherwise.  A message
 * that cannot be signed (no From, no matching entry) goes on unsigned
 * (logged); only a failing libmilter call is an internal error.
 */
sfsistat sign_eom(SMFICTX *ctx, const struct conn *c, struct msg *m,
    const char **what_r);

#endif
