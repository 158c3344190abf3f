/*
 * milter.c - mauthd's libmilter callbacks: short, dispatching, no RFC logic
 *
 * Every callback is registered, and negotiation asks the MTA to skip no
 * stage: for a callback left NULL libmilter negotiates "don't send this
 * stage", yet Postfix still sends that stage's macros and waits; with
 * Nagle's algorithm and delayed ACKs that costs ~40 ms per stall (a null
 * filter measured 88 ms per message over TCP, 4 ms with every callback
 * registered plus TCP_NODELAY, see listen.c).
 *
 * State: struct conn per connection (smfi_setpriv), holding the
 * configuration snapshot it started with; struct msg per transaction
 * (session.h).  The log line and metrics of a message: outcome.c.
 * Clients in InternalHosts, mail with no client address (submitted on the
 * MTA host) and clients authenticated with SMTP AUTH ({auth_authen}) send
 * outbound mail: it is not verified, gets no Authentication-Results, and
 * is DKIM-signed when its From address matches the SigningTable (sign.c).
 * Inbound mail is verified: SPF, every DKIM-Signature (verify.c).  Header
 * values reach lib/ with their leading white space (SMFIP_HDR_LEADSPC),
 * which DKIM's simple canonicalization needs; an MTA that cannot send it
 * gets one space put back, the common case.  Anything unexpected is an
 * internal error (reply.h), never a silent accept.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "log.h"
#include "milter.h"
#include "outcome.h"
#include "reply.h"
#include "report.h"
#include "session.h"
#include "sign.h"
#include "verify.h"
#include "xmalloc.h"

#define CONN(ctx)	((struct conn *)smfi_getpriv(ctx))

/* milter_qid - pick up the queue id once the MTA has one ({i} macro) */
static void
milter_qid(SMFICTX *ctx, struct msg *m)
{
	if (m != NULL && m->qid == NULL)
		msg_set_qid(m, smfi_getsymval(ctx, (char *)"i"));
}

/*
 * milter_conn - the connection, created on first use (negotiate or
 * connect); it takes the configuration snapshot in force now for its life.
 */
static struct conn *
milter_conn(SMFICTX *ctx)
{
	struct conn *c = CONN(ctx);

	if (c == NULL) {
		c = conn_new(snapshot_get());
		if (smfi_setpriv(ctx, c) != MI_SUCCESS)
			conn_free(&c);
		else
			outcome_connect(c);
	}
	return c;
}

static sfsistat
mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long need = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
	struct conn *c = milter_conn(ctx);

	if (c == NULL || (f0 & need) != need) {
		/* the MTA then applies its milter_default_action */
		log_err("milter negotiation: %s", c == NULL ? "smfi_setpriv failed" :
		    "the MTA does not let filters add and change header fields");
		return SMFIS_REJECT;
	}
	*pf0 = f0 & (need | SMFIF_QUARANTINE);
	/* no SMFIP_NO* and no SMFIP_NR_*: skip nothing, answer everything */
	*pf1 = f1 & SMFIP_HDR_LEADSPC;
	*pf2 = 0;
	*pf3 = 0;
	c->can_quarantine = (f0 & SMFIF_QUARANTINE) != 0;
	c->leadspc = (f1 & SMFIP_HDR_LEADSPC) != 0;
	if (!c->leadspc)
		log_debug("the MTA does not offer header values with leading space");
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct conn *c = milter_conn(ctx);

	if (c == NULL)
		return reply_internal_error(ctx, NULL, "connect: smfi_setpriv failed");
	free(c->hostname);
	c->hostname = xstrdup(hostname ? hostname : "unknown");
	c->have_ip = hostaddr != NULL && mauth_ip_from_sockaddr(hostaddr, &c->ip) == 0;
	if (c->have_ip) {
		mauth_ip_format(&c->ip, c->addr, sizeof(c->addr));
		c->internal = mauth_cidr_list_match(&c->snap->conf->internal_hosts, &c->ip);
	} else {
		strcpy(c->addr, "local");
		c->internal = true;	/* submitted on the MTA host itself */
	}
	log_debug("connect from %.*s%s[%s]%s", LOG_CLIP(c->hostname), c->addr,
	    c->internal ? " (internal)" : "");
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_helo(SMFICTX *ctx, char *helohost)
{
	struct conn *c = CONN(ctx);

	if (c == NULL)
		return reply_internal_error(ctx, NULL, "HELO before connect");
	free(c->helo);
	c->helo = xstrdup(helohost ? helohost : "");
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = CONN(ctx);
	struct msg *m;

	if (c == NULL)
		return reply_internal_error(ctx, NULL, "MAIL FROM before connect");
	m = msg_begin(c);
	milter_qid(ctx, m);
	m->mailfrom = xstrdup(argv && argv[0] ? argv[0] : "<>");
	const char *auth = smfi_getsymval(ctx, (char *)"{auth_authen}");
	if (auth != NULL && *auth != '\0')
		m->auth = xstrdup(auth);
	if (c->internal || m->auth != NULL) {
		m->sign = sign_begin(&c->snap->sctx);
		return SMFIS_CONTINUE;
	}
	m->in = mauth_inbound_new(&c->snap->ictx, &c->ip, c->helo);
	uint64_t t0 = metrics_now();
	m->spf = mauth_inbound_mailfrom(m->in, m->mailfrom);
	outcome_spf(metrics_now() - t0);
	const struct mauth_spf_outcome *o = mauth_inbound_spf(m->in);

	msg_log(m, LOG_DEBUG, "mailfrom=%.*s%s spf=%s%s%s%s%s", LOG_CLIP(m->mailfrom),
	    mauth_spf_result_name(m->spf),
	    o && o->mechanism ? " mechanism=" : "", o && o->mechanism ? o->mechanism : "",
	    o && o->problem ? " problem=" : "", o && o->problem ? o->problem : "");
	return SMFIS_CONTINUE;
}

/* milter_msg - the open message, or NULL for a stage outside a transaction */
static struct msg *
milter_msg(SMFICTX *ctx)
{
	struct conn *c = CONN(ctx);

	if (c == NULL || c->msg == NULL)
		return NULL;
	milter_qid(ctx, c->msg);
	return c->msg;
}

static sfsistat
mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	struct msg *m = milter_msg(ctx);

	if (m == NULL)
		return reply_internal_error(ctx, NULL, "RCPT TO outside a transaction");
	if (m->in != NULL && argv != NULL && argv[0] != NULL)
		mauth_inbound_rcpt(m->in, argv[0]);
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_data(SMFICTX *ctx)
{
	if (milter_msg(ctx) == NULL)
		return reply_internal_error(ctx, NULL, "DATA outside a transaction");
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_unknown(SMFICTX *ctx, const char *cmd)
{
	return SMFIS_CONTINUE;	/* the MTA answers unknown commands itself */
}

static sfsistat
mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	struct msg *m = milter_msg(ctx);

	if (m == NULL)
		return reply_internal_error(ctx, NULL, "header outside a transaction");
	char *spaced = NULL;
	if (value == NULL)
		value = (char *)"";
	else if (!CONN(ctx)->leadspc)
		value = spaced = xasprintf(" %s", value);
	if (m->in != NULL)
		mauth_inbound_header(m->in, name, value);
	sign_header(m->sign, name, value);
	free(spaced);
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_eoh(SMFICTX *ctx)
{
	struct msg *m = milter_msg(ctx);

	if (m == NULL)
		return reply_internal_error(ctx, NULL, "end of header outside a transaction");
	if (m->in != NULL)
		mauth_inbound_eoh(m->in);
	sign_eoh(m->sign, m);
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	struct msg *m = milter_msg(ctx);

	if (m == NULL)
		return reply_internal_error(ctx, NULL, "body outside a transaction");
	if (m->in != NULL)
		mauth_inbound_body(m->in, data, len);
	sign_body(m->sign, data, len);
	return SMFIS_CONTINUE;
}

/*
 * milter_report - the message's report rows, durable before the MTA hears
 * the verdict; when they cannot be kept, the message is not accepted as
 * if nothing happened (true: *rc is the internal-error answer).
 */
static bool
milter_report(SMFICTX *ctx, const struct conn *c, const struct msg *m,
    sfsistat *rc)
{
	char *error = NULL;

	if (report_message(c->snap->conf, m, &error) == 0)
		return false;
	*rc = reply_internal_error(ctx, m, "%s", error);
	free(error);
	return true;
}

static sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct conn *c = CONN(ctx);
	struct msg *m = milter_msg(ctx);
	const char *action = "accept";
	sfsistat rc = SMFIS_CONTINUE;

	if (m == NULL)
		return reply_internal_error(ctx, NULL, "end of message outside a transaction");
	m->t_eom = metrics_now();
	if (m->in != NULL)
		rc = verify_eom(ctx, c, m, &action);
	else if ((rc = sign_eom(ctx, c, m, &m->signed_as)) != SMFIS_CONTINUE)
		action = reply_internal_action();
	if (m->in != NULL && milter_report(ctx, c, m, &rc))
		action = reply_internal_action();
	outcome_message(c, m, action);
	msg_end(c);
	return rc;
}

static sfsistat
mlfi_abort(SMFICTX *ctx)
{
	struct conn *c = CONN(ctx);

	if (c != NULL && c->msg != NULL) {
		outcome_abort(c, c->msg);
		msg_end(c);
	}
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_close(SMFICTX *ctx)
{
	struct conn *c = CONN(ctx);

	if (c != NULL) {
		smfi_setpriv(ctx, NULL);
		outcome_close(c);
		conn_free(&c);
	}
	/*
	 * libmilter ends this thread next; free its OpenSSL state now, not in
	 * a thread-exit handler that a stopping mauthd may already have
	 * torn down (LeakSanitizer saw the lost random generators)
	 */
	mauth_dkim_thread_end();
	return SMFIS_CONTINUE;
}

int
milter_register(struct metrics *metrics, enum mauth_conf_on_error on_internal_error)
{
	struct smfiDesc desc = {
		.xxfi_name = (char *)"mauthd",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
		.xxfi_connect = mlfi_connect,
		.xxfi_helo = mlfi_helo,
		.xxfi_envfrom = mlfi_envfrom,
		.xxfi_envrcpt = mlfi_envrcpt,
		.xxfi_header = mlfi_header,
		.xxfi_eoh = mlfi_eoh,
		.xxfi_body = mlfi_body,
		.xxfi_eom = mlfi_eom,
		.xxfi_abort = mlfi_abort,
		.xxfi_close = mlfi_close,
		.xxfi_unknown = mlfi_unknown,
		.xxfi_data = mlfi_data,
		.xxfi_negotiate = mlfi_negotiate,
	};

	outcome_setup(metrics);
	reply_setup(on_internal_error);
	return smfi_register(desc) == MI_SUCCESS ? 0 : -1;
}
