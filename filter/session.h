/*
 * session.h - mauthd's per-connection and per-message state
 *
 * libmilter gives each SMTP connection its own thread and context; the
 * struct conn hangs off that context (smfi_setpriv) from negotiation to
 * close, and holds at most one struct msg: the transaction between MAIL
 * FROM and end of message or abort.  msg_end() is the one place a message
 * is released: end of message, abort, a new MAIL FROM and close all go
 * through it (the libmilter sample's mlfi_cleanup shape).  A connection
 * holds a reference to the configuration snapshot it started with
 * (snapshot.h) until it closes, so a reload never changes the rules under
 * a session in flight.
 */
#ifndef MAUTHD_SESSION_H
#define MAUTHD_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "inbound.h"
#include "ip.h"
#include "snapshot.h"
#include "spf.h"

struct msg_sign;

struct msg {
	char *qid;			/* MTA queue id ({i}); NULL until known */
	char *mailfrom;			/* MAIL FROM argument as the MTA sent it */
	char *auth;			/* SMTP AUTH user ({auth_authen}); NULL: none */
	struct mauth_inbound *in;	/* evaluation; NULL for outbound mail */
	struct msg_sign *sign;		/* DKIM signing (sign.h); NULL: not signing */
	const char *signed_as;		/* "D/S,..." once signed (owned by sign), else NULL */
	enum mauth_spf_result spf;	/* from MAIL FROM (when in != NULL) */
	size_t forged_removed;		/* forged A-R fields removed at eom */
	uint64_t t_eom;			/* metrics_now() when eom began */
};

struct conn {
	bool have_ip;			/* false: no client address (local submission) */
	struct mauth_ip ip;
	char addr[MAUTH_IP_STRLEN];	/* ip as text, or "local" */
	char *hostname;			/* client host name as the MTA resolved it */
	char *helo;			/* last HELO/EHLO argument; NULL before */
	bool internal;			/* InternalHosts or local: outbound mail (so is SMTP AUTH) */
	bool leadspc;			/* SMFIP_HDR_LEADSPC negotiated */
	bool can_quarantine;		/* SMFIF_QUARANTINE offered */
	struct msg *msg;		/* current transaction, or NULL */
	struct snapshot *snap;		/* configuration the session started with */
	uint64_t t_mark;		/* metrics_now() at connect or the last eom */
};

/*
 * conn_new - an empty connection (no address, no message) working with
 * snap for its whole life; takes over the caller's reference to snap.
 */
struct conn *conn_new(struct snapshot *snap);
/* conn_free - end any message, drop the snapshot, free; sets *c to NULL */
void conn_free(struct conn **c);

/* msg_begin - end any message still open on c, start a new one */
struct msg *msg_begin(struct conn *c);
/* msg_end - release c's message, if any (the only release path) */
void msg_end(struct conn *c);
/* msg_set_qid - remember the queue id once the MTA tells it (qid may be NULL) */
void msg_set_qid(struct msg *m, const char *qid);

#endif
