/*
 * session.h - mauthd's per-connection and per-message state
 *
 * libmilter gives each SMTP connection its own thread and context; the
 * struct conn hangs off that context (smfi_setpriv) from negotiation to
 * close, and holds at most one struct msg: the transaction between MAIL
 * FROM and end of message or abort.  msg_end() is the one place a message
 * is released: end of message, abort, a new MAIL FROM and close all go
 * through it (the libmilter sample's mlfi_cleanup shape).
 */
#ifndef MAUTHD_SESSION_H
#define MAUTHD_SESSION_H

#include <stdbool.h>

#include "inbound.h"
#include "ip.h"
#include "spf.h"

struct msg_sign;

struct msg {
	char *qid;			/* MTA queue id ({i}); NULL until known */
	char *mailfrom;			/* MAIL FROM argument as the MTA sent it */
	bool outbound;			/* internal or authenticated client */
	char *auth;			/* SMTP AUTH user ({auth_authen}); NULL: none */
	struct mauth_inbound *in;	/* evaluation; NULL for outbound mail */
	struct msg_sign *sign;		/* DKIM signing (sign.h); NULL: not signing */
	enum mauth_spf_result spf;	/* from MAIL FROM (when in != NULL) */
	size_t forged_removed;		/* forged A-R fields removed at eom */
};

struct conn {
	bool have_ip;			/* false: no client address (local submission) */
	struct mauth_ip ip;
	char addr[MAUTH_IP_STRLEN];	/* ip as text, or "local" */
	char *hostname;			/* client host name as the MTA resolved it */
	char *helo;			/* last HELO/EHLO argument; NULL before */
	bool internal;			/* InternalHosts or local: outbound mail */
	bool leadspc;			/* SMFIP_HDR_LEADSPC negotiated */
	bool can_quarantine;		/* SMFIF_QUARANTINE offered */
	struct msg *msg;		/* current transaction, or NULL */
};

/* conn_new - an empty connection (no address, no message) */
struct conn *conn_new(void);
/* conn_free - end any message, free the connection; sets *c to NULL */
void conn_free(struct conn **c);

/* msg_begin - end any message still open on c, start a new one */
struct msg *msg_begin(struct conn *c);
/* msg_end - release c's message, if any (the only release path) */
void msg_end(struct conn *c);
/* msg_set_qid - remember the queue id once the MTA tells it (qid may be NULL) */
void msg_set_qid(struct msg *m, const char *qid);

#endif
