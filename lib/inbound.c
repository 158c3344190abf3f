/*
 * inbound.c - evaluation of one inbound SMTP transaction
 *
 * One object per transaction, fed by mauthd's milter callbacks or by
 * `mauth check` through lib/message.c, so both produce the same
 * Authentication-Results field.  It evaluates SPF (RFC 7208) at MAIL FROM,
 * verifies every DKIM-Signature as the header and body stream past (RFC
 * 6376, lib/dkim.h), and spots forged Authentication-Results fields (RFC
 * 8601 section 5).  Each authentication method contributes its resinfos
 * through its own small function (authres_methods[] below); DMARC adds
 * its own there, and its say in the action in decide().
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
/* RFC 3463 section 3.8: X.7.5 "Cryptographic failure" (DKIM temperror) */
#define INBOUND_DKIM_ERROR_XCODE "4.7.5"

struct mauth_inbound {
	const struct mauth_inbound_ctx *ctx;
	struct mauth_ip client;
	bool have_client;
	char *helo;			/* NULL when the client gave none */

	bool have_mailfrom;
	char *mailfrom;			/* reverse-path without <>; "" is null */

	bool spf_done;			/* SPF was evaluated: spf is filled */
	struct mauth_spf_outcome spf;

	struct mauth_dkim_verify *dkim;	/* NULL when DKIM is off */

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
	if (ctx->dkim != NULL)
		in->dkim = mauth_dkim_verify_new(ctx->dkim, NULL);
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
	mauth_dkim_verify_free(&in->dkim);
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
	if (in->dkim != NULL)
		mauth_dkim_verify_header(in->dkim, name, value);
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
	if (in->dkim != NULL)
		mauth_dkim_verify_eoh(in->dkim);	/* key lookups happen here */
}

void
mauth_inbound_body(struct mauth_inbound *in, const unsigned char *data,
    size_t len)
{
	if (in->dkim != NULL)
		mauth_dkim_verify_body(in->dkim, data, len);
}

size_t
mauth_inbound_dkim(const struct mauth_inbound *in,
    const struct mauth_dkim_sig **sigs_r, size_t *skipped_r)
{
	*sigs_r = NULL;
	if (skipped_r != NULL)
		*skipped_r = in->dkim ? mauth_dkim_verify_skipped(in->dkim) : 0;
	return in->dkim != NULL ? mauth_dkim_verify_results(in->dkim, sigs_r) : 0;
}

/*
 * dkim_temperror - the signing domain of a DKIM temperror when no
 * signature passed (a passing one makes the others' failures moot for
 * the decision), else NULL
 */
static const char *
dkim_temperror(const struct mauth_inbound *in)
{
	const struct mauth_dkim_sig *sigs;
	size_t n = mauth_inbound_dkim(in, &sigs, NULL);
	const char *domain = NULL;

	for (size_t i = 0; i < n; i++) {
		if (sigs[i].result == MAUTH_DKIM_PASS)
			return NULL;
		if (sigs[i].result == MAUTH_DKIM_TEMPERROR && domain == NULL)
			domain = sigs[i].domain != NULL ? sigs[i].domain : "the signer";
	}
	return domain;
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
	const char *dtext = NULL, *dkim_temp = dkim_temperror(in);
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
	} else if (dkim_temp != NULL &&
	    in->ctx->on_temperror == MAUTH_ON_TEMPERROR_TEMPFAIL) {
		set_action(in, MAUTH_ACTION_TEMPFAIL, "451",
		    INBOUND_DKIM_ERROR_XCODE, xasprintf("DKIM key of %s could not "
		    "be fetched (temporary DNS error), try again later", dkim_temp));
	} else if (dv == MAUTH_INBOUND_DMARC_TEMPFAIL) {
		set_action(in, MAUTH_ACTION_TEMPFAIL, "451",
		    INBOUND_DMARC_TEMP_XCODE, xstrdup(dtext));
	} else if (dv == MAUTH_INBOUND_DMARC_QUARANTINE) {
		set_action(in, MAUTH_ACTION_QUARANTINE, NULL, NULL, xstrdup(dtext));
	} else if (dv == MAUTH_INBOUND_DMARC_HEADER) {
		dmarc_header(in);
	}
}

/* dkim_result - lib/dkim's result as DMARC's input (RFC 8601 names both) */
static enum mauth_dmarc_dkim_result
dkim_result(enum mauth_dkim_result r)
{
	switch (r) {
	case MAUTH_DKIM_PASS: return MAUTH_DMARC_DKIM_PASS;
	case MAUTH_DKIM_FAIL: return MAUTH_DMARC_DKIM_FAIL;
	case MAUTH_DKIM_POLICY: return MAUTH_DMARC_DKIM_POLICY;
	case MAUTH_DKIM_NEUTRAL: return MAUTH_DMARC_DKIM_NEUTRAL;
	case MAUTH_DKIM_TEMPERROR: return MAUTH_DMARC_DKIM_TEMPERROR;
	case MAUTH_DKIM_PERMERROR: return MAUTH_DMARC_DKIM_PERMERROR;
	case MAUTH_DKIM_NONE: break;
	}
	return MAUTH_DMARC_DKIM_NONE;
}

/*
 * dmarc_eom - run DMARC with what the transaction knows: SPF's outcome
 * and each DKIM signature's d=, s= and result as plain values
 * (dmarc_eval.h); a signature without d= cannot align and is left out.
 */
static void
dmarc_eom(struct mauth_inbound *in)
{
	const struct mauth_dkim_sig *sigs;
	size_t n = mauth_inbound_dkim(in, &sigs, NULL), k = 0;
	struct mauth_dmarc_dkim_input *dkim = xcalloc(n + 1, sizeof(*dkim));
	struct mauth_inbound_dmarc_facts f = {
		.dns = in->ctx->dns,
		.client = in->have_client ? &in->client : NULL,
		.mailfrom = in->have_mailfrom ? in->mailfrom : NULL,
		.spf = in->spf_done ? &in->spf : NULL,
		.dkim = dkim,
	};

	for (size_t i = 0; i < n; i++) {
		if (sigs[i].domain == NULL)
			continue;
		dkim[k++] = (struct mauth_dmarc_dkim_input){
			.domain = sigs[i].domain,
			.selector = sigs[i].selector,
			.result = dkim_result(sigs[i].result),
			.human_result = sigs[i].result == MAUTH_DKIM_PASS ?
			    NULL : sigs[i].reason,
		};
	}
	f.ndkim = k;
	if (in->dmarc != NULL && in->ctx->dns != NULL)
		mauth_inbound_dmarc_eom(in->dmarc, &f);
	free(dkim);
}

void
mauth_inbound_eom(struct mauth_inbound *in)
{
	if (in->dkim != NULL)
		mauth_dkim_verify_eom(in->dkim);
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

/*
 * authres_dkim - one "dkim=RESULT" per signature with header.d, header.i,
 * header.s, header.a and header.b (RFC 8601 section 2.7.1, RFC 6008 for
 * the first 8 characters of b=); reason= says why unless it passed.
 * "dkim=none" for an unsigned message.
 */
static void
authres_dkim(const struct mauth_inbound *in, struct mauth_authres *ar)
{
	const struct mauth_dkim_sig *sigs;
	size_t skipped, n = mauth_inbound_dkim(in, &sigs, &skipped);

	if (in->dkim == NULL)
		return;
	if (n == 0)
		mauth_authres_add(ar, "dkim", "none", NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		const struct mauth_dkim_sig *s = &sigs[i];
		const char *prop[6] = { NULL }, *val[6] = { NULL };
		const char *names[] = { "header.d", "header.i", "header.s", "header.a",
		    "header.b" };
		const char *vals[] = { s->domain, s->identity, s->selector, s->algorithm,
		    s->b[0] ? s->b : NULL };
		size_t k = 0;
		/* the list ends at the first NULL name: pack the present ones */
		for (size_t j = 0; j < 5; j++)
			if (vals[j] != NULL) {
				prop[k] = names[j];
				val[k++] = vals[j];
			}
		mauth_authres_add(ar, "dkim", mauth_dkim_result_name(s->result),
		    s->result == MAUTH_DKIM_PASS ? NULL : s->reason,
		    prop[0], val[0], prop[1], val[1], prop[2], val[2], prop[3], val[3],
		    prop[4], val[4], NULL);
	}
	if (skipped > 0) {
		char *why = xasprintf("%zu more signatures not verified "
		    "(MaximumSignaturesToVerify %zu)", skipped, n);
		mauth_authres_add(ar, "dkim", "policy", why, NULL);
		free(why);
	}
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
	authres_dkim,
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
