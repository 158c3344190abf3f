/*
 * session.c - mauthd's per-connection and per-message state
 *
 * Ownership: a struct conn owns its strings, its message and one
 * reference to its configuration snapshot; a struct msg
 * owns its strings, its struct mauth_inbound and its signing state.  Only msg_end() frees a
 * message, so end of message, abort and close cannot disagree on what a
 * message holds.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "session.h"
#include "sign.h"
#include "xmalloc.h"

struct conn *
conn_new(struct snapshot *snap)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	strcpy(c->addr, "local");
	c->snap = snap;
	return c;
}

void
conn_free(struct conn **cp)
{
	struct conn *c = *cp;

	if (c == NULL)
		return;
	*cp = NULL;
	msg_end(c);
	snapshot_put(&c->snap);
	free(c->hostname);
	free(c->helo);
	free(c);
}

struct msg *
msg_begin(struct conn *c)
{
	msg_end(c);
	c->msg = xcalloc(1, sizeof(*c->msg));
	return c->msg;
}

void
msg_end(struct conn *c)
{
	struct msg *m = c->msg;

	if (m == NULL)
		return;
	c->msg = NULL;
	mauth_inbound_free(&m->in);
	sign_free(&m->sign);
	free(m->auth);
	free(m->qid);
	free(m->mailfrom);
	free(m);
}

void
msg_set_qid(struct msg *m, const char *qid)
{
	if (m != NULL && m->qid == NULL && qid != NULL && *qid != '\0')
		m->qid = xstrdup(qid);
}

const char *
msg_qid(const struct msg *m)
{
	return m != NULL && m->qid != NULL ? m->qid : "NOQUEUE";
}
