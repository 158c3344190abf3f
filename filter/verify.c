/*
 * verify.c - the end-of-message phase for inbound mail
 *
 * RFC 8601 section 5: an MTA must remove (or rename) Authentication-Results
 * fields that claim its own authserv-id before adding its own, or a sender
 * could hand the recipient a forged "pass".  lib/inbound.c finds them (their
 * 1-based positions among the message's A-R fields); we remove them from
 * the last one down, so the positions of the others do not shift, and only
 * then insert ours at the very top, above the Received: field the MTA
 * adds, where RFC 8601 section 5 wants it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reply.h"
#include "verify.h"
#include "xmalloc.h"

#define AR_FIELD	"Authentication-Results"

/* verify_remove_forged - delete forged A-R fields, last first; 0 or -1 */
static int
verify_remove_forged(SMFICTX *ctx, struct msg *m, size_t *failed_r)
{
	const size_t *pos;
	size_t n = mauth_inbound_forged(m->in, &pos);

	for (size_t i = n; i-- > 0;) {
		if (smfi_chgheader(ctx, (char *)AR_FIELD, (int)pos[i], NULL) != MI_SUCCESS) {
			*failed_r = pos[i];
			return -1;
		}
		msg_log(m, LOG_DEBUG, "removed forged Authentication-Results #%zu", pos[i]);
		m->forged_removed++;
	}
	return 0;
}

/* verify_insert_ar - our A-R field at the top; 0 or -1 */
static int
verify_insert_ar(SMFICTX *ctx, const struct conn *c, const struct msg *m)
{
	char *value = mauth_inbound_authres(m->in, true);
	char *field = value;
	int rc;

	/*
	 * With SMFIP_HDR_LEADSPC the MTA adds no space after the colon of
	 * fields we add (Postfix milter8.c), so the value carries its own.
	 */
	if (c->leadspc && value[0] != ' ' && value[0] != '\t')
		field = xasprintf(" %s", value);
	rc = smfi_insheader(ctx, 0, (char *)AR_FIELD, field);
	if (field != value)
		free(field);
	free(value);
	return rc == MI_SUCCESS ? 0 : -1;
}

/* verify_add_header - DMARCQuarantine header: deliver, marked */
static sfsistat
verify_add_header(SMFICTX *ctx, const struct conn *c, const struct msg *m,
    const struct mauth_action *act, const char **action_r)
{
	char *value = c->leadspc ? xasprintf(" %s", act->header_value) :
	    xstrdup(act->header_value);
	int rc = smfi_addheader(ctx, (char *)act->header_name, value);

	free(value);
	if (rc != MI_SUCCESS) {
		*action_r = reply_internal_action();
		return reply_internal_error(ctx, m, "smfi_addheader: adding %s failed",
		    act->header_name);
	}
	*action_r = "accept";	/* marked, but accepted: the log's dis= says why */
	return SMFIS_CONTINUE;
}

static sfsistat
verify_action(SMFICTX *ctx, const struct conn *c, const struct msg *m,
    const char **action_r)
{
	struct mauth_action act;

	mauth_inbound_action(m->in, &act);
	switch (act.kind) {
	case MAUTH_ACTION_ACCEPT:
		*action_r = "accept";
		if (act.header_name == NULL)
			return SMFIS_CONTINUE;
		return verify_add_header(ctx, c, m, &act, action_r);
	case MAUTH_ACTION_TEMPFAIL:
		*action_r = "tempfail";
		reply_set(ctx, m, act.rcode ? act.rcode : "451",
		    act.xcode ? act.xcode : "4.7.0", act.text);
		return SMFIS_TEMPFAIL;
	case MAUTH_ACTION_REJECT:
		*action_r = "reject";
		reply_set(ctx, m, act.rcode ? act.rcode : "550",
		    act.xcode ? act.xcode : "5.7.0", act.text);
		return SMFIS_REJECT;
	case MAUTH_ACTION_QUARANTINE:
		*action_r = "quarantine";
		if (!c->can_quarantine) {
			msg_log(m, LOG_WARNING, "the MTA cannot quarantine: delivering");
			*action_r = "accept";
			return SMFIS_CONTINUE;
		}
		if (smfi_quarantine(ctx, (char *)(act.text && *act.text ?
		    act.text : "mauth: sender authentication policy")) != MI_SUCCESS) {
			*action_r = reply_internal_action();
			return reply_internal_error(ctx, m, "smfi_quarantine failed");
		}
		return SMFIS_CONTINUE;
	}
	*action_r = reply_internal_action();
	return reply_internal_error(ctx, m, "unknown action %d", (int)act.kind);
}

sfsistat
verify_eom(SMFICTX *ctx, const struct conn *c, struct msg *m, const char **action_r)
{
	size_t failed = 0;

	mauth_inbound_eom(m->in);
	if (verify_remove_forged(ctx, m, &failed) < 0) {
		*action_r = reply_internal_action();
		return reply_internal_error(ctx, m,
		    "smfi_chgheader: removing forged Authentication-Results #%zu failed",
		    failed);
	}
	if (verify_insert_ar(ctx, c, m) < 0) {
		*action_r = reply_internal_action();
		return reply_internal_error(ctx, m,
		    "smfi_insheader: adding Authentication-Results failed");
	}
	return verify_action(ctx, c, m, action_r);
}
