/*
 * sign.c - DKIM signing of outbound mail: glue between the milter stages
 * and lib/dkim (which holds every rule: key selection, header lists,
 * canonicalization)
 *
 * The DKIM-Signature text lib/dkim hands back is exactly what was signed;
 * with SMFIP_HDR_LEADSPC the MTA writes the value as given (Postfix
 * milter8.c), so the leading space stays; without it the MTA adds one
 * itself, so ours comes off.  Either way the field on the wire is the
 * signed text.  Fields go in at the top of the header (index 0), last
 * signature first, so they end up in the SigningTable's order.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "reply.h"
#include "session.h"
#include "sign.h"
#include "xmalloc.h"

struct field {
	char *name, *value;
};

struct msg_sign {
	const struct sign_ctx *sctx;
	struct field *fields;		/* kept until end of header */
	size_t nfields;
	struct mauth_dkim_sign *signer;	/* NULL: not signing this message */
	char *what;			/* for the log line */
	char *problem;			/* why it is not signed, when it matters */
};

struct msg_sign *
sign_begin(const struct sign_ctx *sctx)
{
	if (sctx == NULL || sctx->keys == NULL)
		return NULL;
	struct msg_sign *s = xcalloc(1, sizeof(*s));
	s->sctx = sctx;
	return s;
}

static void
free_fields(struct msg_sign *s)
{
	for (size_t i = 0; i < s->nfields; i++) {
		free(s->fields[i].name);
		free(s->fields[i].value);
	}
	free(s->fields);
	s->fields = NULL;
	s->nfields = 0;
}

void
sign_free(struct msg_sign **sp)
{
	struct msg_sign *s = *sp;

	if (s == NULL)
		return;
	free_fields(s);
	mauth_dkim_sign_free(&s->signer);
	free(s->what);
	free(s->problem);
	free(s);
	*sp = NULL;
}

void
sign_header(struct msg_sign *s, const char *name, const char *value)
{
	if (s == NULL || s->signer != NULL)
		return;
	s->fields = xreallocarray(s->fields, s->nfields + 1, sizeof(*s->fields));
	s->fields[s->nfields].name = xstrdup(name);
	s->fields[s->nfields].value = xstrdup(value);
	s->nfields++;
}

/* the value of the (first) From field; NULL when there is none */
static const char *
from_value(const struct msg_sign *s)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (strcasecmp(s->fields[i].name, "From") == 0)
			return s->fields[i].value;
	return NULL;
}

static char *
describe(const struct mauth_dkim_signing *sel, size_t n)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	for (size_t i = 0; i < n; i++)
		mauth_buf_printf(&b, "%s%s/%s", i ? "," : "", sel[i].domain, sel[i].selector);
	return mauth_buf_steal(&b);
}

void
sign_eoh(struct msg_sign *s, const struct msg *m)
{
	struct mauth_dkim_signing *sel = NULL;
	const char *from;
	char *error = NULL;
	size_t n = 0;

	if (s == NULL || s->signer != NULL)
		return;
	if ((from = from_value(s)) == NULL)
		s->problem = xstrdup("no From header field");
	else
		n = mauth_dkim_keys_select(s->sctx->keys, from, &sel, &s->problem);
	if (n > 0) {
		s->signer = mauth_dkim_sign_new(s->sctx->dkim, sel, n, msg_qid(m), &error);
		if (s->signer == NULL) {
			free(s->problem);
			s->problem = error;
		} else
			s->what = describe(sel, n);
	}
	for (size_t i = 0; s->signer != NULL && i < s->nfields; i++)
		mauth_dkim_sign_header(s->signer, s->fields[i].name, s->fields[i].value);
	if (s->signer != NULL)
		mauth_dkim_sign_eoh(s->signer);
	mauth_dkim_signings_free(&sel, n);
	free_fields(s);
}

void
sign_body(struct msg_sign *s, const unsigned char *data, size_t len)
{
	if (s != NULL && s->signer != NULL)
		mauth_dkim_sign_body(s->signer, data, len);
}

/* insert the fields, last first, each at the top */
static int
insert_fields(SMFICTX *ctx, const struct conn *c, const struct mauth_dkim_sign *signer)
{
	const char *const *values;
	size_t n = mauth_dkim_sign_fields(signer, &values);

	for (size_t i = n; i-- > 0;) {
		const char *v = values[i];
		if (!c->leadspc && *v == ' ')
			v++;
		if (smfi_insheader(ctx, 0, (char *)"DKIM-Signature", (char *)v) != MI_SUCCESS)
			return -1;
	}
	return 0;
}

sfsistat
sign_eom(SMFICTX *ctx, const struct conn *c, struct msg *m, const char **what_r)
{
	struct msg_sign *s = m->sign;
	char *error = NULL;

	*what_r = NULL;
	if (s == NULL)
		return SMFIS_CONTINUE;
	if (s->signer == NULL) {
		if (s->problem != NULL)
			msg_log(m, LOG_WARNING, "not signed: %s", s->problem);
		else
			msg_log(m, LOG_DEBUG, "not signed: no SigningTable entry for the From address");
		return SMFIS_CONTINUE;
	}
	if (mauth_dkim_sign_eom(s->signer, &error) < 0) {
		msg_log(m, LOG_WARNING, "not signed: %s", error);
		free(error);
		return SMFIS_CONTINUE;
	}
	if (insert_fields(ctx, c, s->signer) < 0)
		return reply_internal_error(ctx, m, "smfi_insheader: adding DKIM-Signature failed");
	*what_r = s->what;
	return SMFIS_CONTINUE;
}
