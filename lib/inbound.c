/*
 * inbound.c - evaluation of one inbound SMTP transaction
 *
 * One object per transaction, fed by mauthd's milter callbacks or by
 * `mauth check` through lib/message.c, so both produce the same
 * Authentication-Results field.  Today it evaluates SPF (RFC 7208) at MAIL
 * FROM and spots forged Authentication-Results fields (RFC 8601 section 5)
 * as the header streams past.  Each authentication method contributes one
 * resinfo through its own small function (authres_methods[] below); DKIM
 * and DMARC add theirs there, and their say in the action in decide().
 * DMARC lives in inbound_dmarc.c: this file feeds it the From fields,
 * recipients, SPF outcome and DKIM results, and maps its verdict.
 *
 * Ownership: see inbound.h.  The object keeps copies of every string it is
 * given and owns the SPF outcome and the action text.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "inbound.h"
#include "xmalloc.h"

/* RFC 7372 section 3.2: X.7.24 "SPF validation error" (a temperror) */
#define INBOUND_SPF_ERROR_XCODE "4.7.24"
/* RFC 9989 7.2: "550 5.7.1 Email rejected per DMARC policy for ..." */
#define INBOUND_DMARC_REJECT_XCODE "5.7.1"
/* RFC 3463 X.7.0: other security status (RFC 7372 has no DMARC code) */
#define INBOUND_DMARC_TEMP_XCODE "4.7.0"

struct mauth_inbound {
	const struct mauth_inbound_ctx *ctx;
	struct mauth_ip client;
	bool have_client;
	char *helo;			/* NULL when the client gave none */

	bool have_mailfrom;
	char *mailfrom;			/* reverse-path without <>; "" is null */

	bool spf_done;			/* SPF was evaluated: spf is filled */
	struct mauth_spf_outcome spf;

	size_t ar_fields;		/* Authentication-Results fields seen */
	size_t *forged;			/* positions of those claiming our id */
	size_t nforged;

	char *message_id;		/* first Message-ID field, trimmed; NULL none */

	struct mauth_inbound_dmarc *dmarc;	/* NULL: DMARC not configured */
	char *header_name, *header_value;	/* DMARCQuarantine header */

	struct mauth_action action;
	char *action_text;
};

struct mauth_inbound *
mauth_inbound_new(const struct mauth_inbound_ctx *ctx,
    const struct mauth_ip *client, const char *helo)
{
	struct mauth_inbound *in = xcalloc(1, sizeof(*in));

	in->ctx = ctx;
	if (client != NULL) {
		in->client = *client;
		in->have_client = true;
	}
	in->helo = helo != NULL && *helo != '\0' ? xstrdup(helo) : NULL;
	in->action.kind = MAUTH_ACTION_ACCEPT;
	if (ctx->dmarc.enabled)
		in->dmarc = mauth_inbound_dmarc_new(&ctx->dmarc);
	return in;
}

void
mauth_inbound_free(struct mauth_inbound **inp)
{
	struct mauth_inbound *in = *inp;

	if (in == NULL)
		return;
	mauth_spf_outcome_clear(&in->spf);
	free(in->helo);
	free(in->mailfrom);
	free(in->forged);
	free(in->message_id);
	mauth_inbound_dmarc_free(&in->dmarc);
	free(in->header_name);
	free(in->header_value);
	free(in->action_text);
	free(in);
	*inp = NULL;
}

/*
 * reverse_path_address - the mailbox of an RFC 5321 reverse-path: angle
 * brackets and an obsolete source route ("@a,@b:", section 4.1.2) removed.
 */
static char *
reverse_path_address(const char *path)
{
	size_t len = strlen(path);
	const char *p = path;

	while (*p == ' ' || *p == '\t')
		p++, len--;
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len >= 2 && p[0] == '<' && p[len - 1] == '>') {
		p++;
		len -= 2;
	}
	if (len > 0 && p[0] == '@') {
		const char *colon = memchr(p, ':', len);

		if (colon != NULL) {
			len -= (size_t)(colon + 1 - p);
			p = colon + 1;
		}
	}
	return xstrndup(p, len);
}

enum mauth_spf_result
mauth_inbound_mailfrom(struct mauth_inbound *in, const char *reverse_path)
{
	free(in->mailfrom);
	in->mailfrom = reverse_path_address(reverse_path != NULL ? reverse_path : "");
	in->have_mailfrom = true;

	/* A repeated MAIL FROM starts the evaluation over (RFC 5321 3.3). */
	if (in->dmarc != NULL)
		mauth_inbound_dmarc_reset(in->dmarc);
	mauth_spf_outcome_clear(&in->spf);
	memset(&in->spf, 0, sizeof(in->spf));
	in->spf_done = false;
	/* Without the client's address there is nothing to check SPF for. */
	if (!in->have_client || in->ctx->dns == NULL)
		return MAUTH_SPF_NONE;
	mauth_spf_check_mailfrom(in->ctx->dns, &in->ctx->spf, &in->client,
	    in->mailfrom, in->helo, &in->spf);
	in->spf_done = true;
	return in->spf.result;
}

void
mauth_inbound_rcpt(struct mauth_inbound *in, const char *forward_path)
{
	/* aggregate reports carry the recipient domains (RFC 9990) */
	if (in->dmarc != NULL && forward_path != NULL)
		mauth_inbound_dmarc_rcpt(in->dmarc, forward_path);
}

void
mauth_inbound_header(struct mauth_inbound *in, const char *name,
    const char *value)
{
	if (in->dmarc != NULL)
		mauth_inbound_dmarc_header(in->dmarc, name, value);
	if (in->message_id == NULL && strcasecmp(name, "Message-ID") == 0) {
		/* kept for report rows: how an operator finds one message */
		size_t skip = strspn(value, " \t\r\n"), len = strlen(value + skip);
		while (len > 0 && strchr(" \t\r\n", value[skip + len - 1]) != NULL)
			len--;
		in->message_id = xstrndup(value + skip, len);
	}
	if (strcasecmp(name, "Authentication-Results") != 0)
		return;
	in->ar_fields++;
	if (mauth_authres_claims_id(value, strlen(value), in->ctx->authserv_id)) {
		in->forged = xreallocarray(in->forged, in->nforged + 1,
		    sizeof(*in->forged));
		in->forged[in->nforged++] = in->ar_fields;
	}
}

void
mauth_inbound_eoh(struct mauth_inbound *in)
{
	(void)in;
}

void
mauth_inbound_body(struct mauth_inbound *in, const unsigned char *data,
    size_t len)
{
	(void)in;
	(void)data;
	(void)len;
}

/* set_action - the action and its reply, the text copied */
static void
set_action(struct mauth_inbound *in, enum mauth_action_kind kind,
    const char *rcode, const char *xcode, char *text)
{
	free(in->action_text);
	in->action_text = text;
	in->action = (struct mauth_action){ .kind = kind, .rcode = rcode,
	    .xcode = xcode, .text = text };
}

/* dmarc_header - split DMARCQuarantineHeader "Name: value" for the MTA */
static void
dmarc_header(struct mauth_inbound *in)
{
	const char *field = in->ctx->dmarc.quarantine_header;
	const char *colon = field != NULL ? strchr(field, ':') : NULL;

	if (colon == NULL)
		return;
	free(in->header_name);
	free(in->header_value);
	in->header_name = xstrndup(field, (size_t)(colon - field));
	in->header_value = xstrdup(colon + 1 + strspn(colon + 1, " \t"));
	in->action.header_name = in->header_name;
	in->action.header_value = in->header_value;
}

/*
 * decide - the action from every verdict.  A temperror is a DNS problem
 * that may clear up: with On-TempError tempfail the client is told to come
 * back (RFC 7208 section 8.6 allows a 4xx), rather than having mail
 * delivered whose authentication could not be checked.  A DMARC reject is
 * final whatever else is pending; a quarantine only stands when nothing
 * asks for a retry.
 */
static void
decide(struct mauth_inbound *in)
{
	const char *dtext = NULL;
	enum mauth_inbound_dmarc_verdict dv = in->dmarc != NULL ?
	    mauth_inbound_dmarc_verdict(in->dmarc, &dtext) :
	    MAUTH_INBOUND_DMARC_ACCEPT;

	set_action(in, MAUTH_ACTION_ACCEPT, NULL, NULL, NULL);
	if (dv == MAUTH_INBOUND_DMARC_REJECT) {
		set_action(in, MAUTH_ACTION_REJECT, "550",
		    INBOUND_DMARC_REJECT_XCODE, xstrdup(dtext));
	} else if (in->spf_done && in->spf.result == MAUTH_SPF_TEMPERROR &&
	    in->ctx->on_temperror == MAUTH_ON_TEMPERROR_TEMPFAIL) {
		set_action(in, MAUTH_ACTION_TEMPFAIL, "451",
		    INBOUND_SPF_ERROR_XCODE, xasprintf("SPF check of %s could "
		    "not be completed (temporary DNS error), try again later",
		    in->spf.domain != NULL ? in->spf.domain :
		    "the sender's domain"));
	} else if (dv == MAUTH_INBOUND_DMARC_TEMPFAIL) {
		set_action(in, MAUTH_ACTION_TEMPFAIL, "451",
		    INBOUND_DMARC_TEMP_XCODE, xstrdup(dtext));
	} else if (dv == MAUTH_INBOUND_DMARC_QUARANTINE) {
		set_action(in, MAUTH_ACTION_QUARANTINE, NULL, NULL, xstrdup(dtext));
	} else if (dv == MAUTH_INBOUND_DMARC_HEADER) {
		dmarc_header(in);
	}
}

/*
 * dmarc_eom - run DMARC with what the transaction knows.  DKIM results
 * come in as plain values (dmarc_eval.h); until the DKIM verifier is part
 * of the transaction there are none, and only SPF can align.
 */
static void
dmarc_eom(struct mauth_inbound *in)
{
	struct mauth_inbound_dmarc_facts f = {
		.dns = in->ctx->dns,
		.client = in->have_client ? &in->client : NULL,
		.mailfrom = in->have_mailfrom ? in->mailfrom : NULL,
		.spf = in->spf_done ? &in->spf : NULL,
	};

	if (in->dmarc == NULL || in->ctx->dns == NULL)
		return;
	mauth_inbound_dmarc_eom(in->dmarc, &f);
}

void
mauth_inbound_eom(struct mauth_inbound *in)
{
	dmarc_eom(in);
	decide(in);
}

const struct mauth_spf_outcome *
mauth_inbound_spf(const struct mauth_inbound *in)
{
	return in->spf_done ? &in->spf : NULL;
}

/*
 * authres_spf - "spf=RESULT smtp.mailfrom=ADDR" (RFC 8601 section 2.7.2,
 * the address as given), or smtp.helo when the reverse-path was null and
 * the HELO identity was checked; reason= says what went wrong for the two
 * error results.
 */
static void
authres_spf(const struct mauth_inbound *in, struct mauth_authres *ar)
{
	const struct mauth_spf_outcome *o = &in->spf;
	const char *reason = NULL;

	if (!in->spf_done)
		return;
	if (o->result == MAUTH_SPF_TEMPERROR || o->result == MAUTH_SPF_PERMERROR)
		reason = o->problem;
	const char *name = mauth_spf_result_name(o->result);
	if (in->mailfrom != NULL && *in->mailfrom != '\0')
		mauth_authres_add(ar, "spf", name, reason,
		    "smtp.mailfrom", in->mailfrom, NULL);
	else if (in->helo != NULL)
		mauth_authres_add(ar, "spf", name, reason,
		    "smtp.helo", in->helo, NULL);
	else
		mauth_authres_add(ar, "spf", name, reason, NULL);
}

/* authres_dmarc - "dmarc=RESULT (p=... sp=... dis=...) header.from=DOMAIN" */
static void
authres_dmarc(const struct mauth_inbound *in, struct mauth_authres *ar)
{
	if (in->dmarc != NULL)
		mauth_inbound_dmarc_authres(in->dmarc, ar);
}

/* One function per method, in the order RFC 8601 readers expect them. */
static void (*const authres_methods[])(const struct mauth_inbound *,
    struct mauth_authres *) = {
	authres_spf,
	authres_dmarc,
};

char *
mauth_inbound_authres(const struct mauth_inbound *in, bool fold)
{
	struct mauth_authres *ar = mauth_authres_new(in->ctx->authserv_id);
	char *body;

	for (size_t i = 0; i < sizeof(authres_methods) / sizeof(authres_methods[0]); i++)
		authres_methods[i](in, ar);
	body = mauth_authres_format(ar, fold);
	mauth_authres_free(&ar);
	return body;
}

size_t
mauth_inbound_forged(const struct mauth_inbound *in, const size_t **pos_r)
{
	*pos_r = in->forged;
	return in->nforged;
}

const char *
mauth_inbound_message_id(const struct mauth_inbound *in)
{
	return in->message_id;
}

const struct mauth_inbound_dmarc *
mauth_inbound_get_dmarc(const struct mauth_inbound *in)
{
	return in->dmarc;
}

void
mauth_inbound_action(const struct mauth_inbound *in,
    struct mauth_action *action_r)
{
	*action_r = in->action;
}
