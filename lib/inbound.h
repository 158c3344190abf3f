/*
 * inbound.h - evaluation of one inbound SMTP transaction
 *
 * mauthd's milter callbacks and `mauth check` drive the same object with
 * the same calls, so the Authentication-Results header that `mauth check`
 * prints is the one mauthd adds.  Order of calls:
 *
 *   mauth_inbound_new(ctx, client ip, helo)
 *   mauth_inbound_mailfrom()        SPF runs here, once per transaction
 *   mauth_inbound_rcpt()*
 *   mauth_inbound_header()*  mauth_inbound_eoh()  mauth_inbound_body()*
 *   mauth_inbound_eom()             results final; A-R, action, forged list
 *   mauth_inbound_free()
 *
 * Ownership: ctx and what it points to must outlive the transaction (the
 * daemon keeps them for the life of a config snapshot).  Strings passed in
 * are copied.  Everything returned through const pointers belongs to the
 * transaction object.
 */
#ifndef MAUTH_INBOUND_H
#define MAUTH_INBOUND_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "dkim.h"
#include "dns.h"
#include "inbound_dmarc.h"
#include "ip.h"
#include "spf.h"

struct mauth_inbound_ctx {
	struct mauth_dns *dns;			/* shared resolver (not owned) */
	const char *authserv_id;		/* ours; incoming A-R claiming it are forged */
	struct mauth_spf_options spf;
	const struct mauth_dkim *dkim;		/* DKIM verification; NULL: none */
	enum mauth_conf_on_temperror on_temperror;
	/* DMARC (inbound_dmarc.h); zeroed: no DMARC evaluation */
	struct mauth_inbound_dmarc_conf dmarc;
};

/* What the MTA should do with the message (filter maps it to SMFIS_*). */
enum mauth_action_kind {
	MAUTH_ACTION_ACCEPT = 0,
	MAUTH_ACTION_TEMPFAIL,
	MAUTH_ACTION_REJECT,
	MAUTH_ACTION_QUARANTINE,
};

struct mauth_action {
	enum mauth_action_kind kind;
	const char *rcode;	/* "451", "550"; NULL for accept */
	const char *xcode;	/* "4.7.5", ... */
	const char *text;	/* reply text / quarantine reason; owned by the transaction */
	/* accept: a header field to add (DMARCQuarantine header); else NULL */
	const char *header_name;
	const char *header_value;
};

struct mauth_inbound;

/*
 * mauth_inbound_new - client NULL: its address is unknown and SPF is not
 * evaluated (no spf= resinfo); helo NULL: the client gave no HELO/EHLO.
 */
struct mauth_inbound *mauth_inbound_new(const struct mauth_inbound_ctx *ctx,
    const struct mauth_ip *client, const char *helo);
void mauth_inbound_free(struct mauth_inbound **in);

/*
 * mauth_inbound_mailfrom - reverse_path as in MAIL FROM, with or without
 * <> (a source route is dropped); "" or "<>" is null, and SPF then checks
 * the HELO identity (RFC 7208 section 2.4).  Runs SPF and returns its
 * result; MAUTH_SPF_NONE without evaluating when the client is unknown.
 * Calling it again starts the evaluation over.
 */
enum mauth_spf_result mauth_inbound_mailfrom(struct mauth_inbound *in,
    const char *reverse_path);
void mauth_inbound_rcpt(struct mauth_inbound *in, const char *forward_path);
/*
 * mauth_inbound_header - name without colon; value as the MTA sends it
 * (message.h describes it).  Counts every Authentication-Results field and
 * notes those whose authserv-id is ours (mauth_inbound_forged()).
 */
void mauth_inbound_header(struct mauth_inbound *in, const char *name,
    const char *value);
void mauth_inbound_eoh(struct mauth_inbound *in);
void mauth_inbound_body(struct mauth_inbound *in, const unsigned char *data,
    size_t len);
void mauth_inbound_eom(struct mauth_inbound *in);

/* After eom: */
/* mauth_inbound_spf - the SPF outcome, or NULL when SPF was not evaluated */
const struct mauth_spf_outcome *mauth_inbound_spf(const struct mauth_inbound *in);
/*
 * mauth_inbound_authres - the Authentication-Results field body (authres.h
 * says how it is written and folded); the caller frees it:
 *   ID; spf=RESULT smtp.mailfrom=ADDR     (ADDR as given in MAIL FROM)
 *   ID; spf=RESULT smtp.helo=HELO         (null reverse-path)
 *   ID; spf=permerror reason="..." smtp.mailfrom=ADDR   (temperror too)
 *   ID; ...; dkim=RESULT [reason="..."] header.d=D header.i=I header.s=S
 *       header.a=A header.b=B            (one per DKIM-Signature, top
 *                                         first; reason= unless pass;
 *                                         a property the signature lacks
 *                                         is left out)
 *   ID; ...; dkim=none                    (DKIM on, message unsigned)
 *   ID; ...; dkim=policy reason="N more signatures not verified ..."
 *                                         (beyond MaximumSignaturesToVerify)
 *   ID; none                              (nothing was evaluated)
 */
char *mauth_inbound_authres(const struct mauth_inbound *in, bool fold);
/*
 * mauth_inbound_forged - 1-based positions, among the message's
 * Authentication-Results fields, of those claiming our authserv-id, in
 * ascending order (remove them from the last one down, RFC 8601 section 5).
 */
size_t mauth_inbound_forged(const struct mauth_inbound *in, const size_t **pos_r);
/*
 * mauth_inbound_message_id - the value of the first Message-ID field
 * without surrounding white space (folding kept), or NULL when the
 * message has none; report rows carry it.
 */
const char *mauth_inbound_message_id(const struct mauth_inbound *in);
/*
 * mauth_inbound_get_dmarc - the DMARC part of the transaction (outcomes
 * for reports, the log summary); NULL when DMARC is not configured.
 */
const struct mauth_inbound_dmarc *mauth_inbound_get_dmarc(
    const struct mauth_inbound *in);
/*
 * mauth_inbound_dkim - the DKIM results (dkim.h) in header order, for
 * DMARC and the log; 0 when the message is unsigned or DKIM is off.
 * *skipped_r (may be NULL) counts signatures beyond the verification limit.
 */
size_t mauth_inbound_dkim(const struct mauth_inbound *in,
    const struct mauth_dkim_sig **sigs_r, size_t *skipped_r);
/*
 * mauth_inbound_action - accept, except:
 *   REJECT "550" "5.7.1" (RFC 9989 7.2) for a DMARC failure under p=reject
 *   or a From field refused by configuration (inbound_dmarc.h); else, with
 *   On-TempError tempfail, TEMPFAIL "451" "4.7.24" (RFC 7372 section 3.2,
 *   SPF validation error) for an SPF temperror, "451" "4.7.5" (RFC 3463,
 *   cryptographic failure) for a DKIM temperror with no DKIM signature
 *   passing, "451" "4.7.0" for a DMARC temperror, each naming the domain;
 *   else QUARANTINE for a DMARC failure under p=quarantine, or accept with
 *   header_name/header_value set (DMARCQuarantine header).  Accept before
 *   eom.
 */
void mauth_inbound_action(const struct mauth_inbound *in, struct mauth_action *action_r);

#endif
