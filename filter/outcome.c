/*
 * outcome.c - the end of a message: its log line and its metrics
 *
 * One place builds the per-message line and counts the verdicts, so the
 * log and the metrics cannot disagree; a new method (DKIM, DMARC) adds
 * its key to outcome_verdicts() and its row to METRICS_METHODS.  The line
 * is built in a buffer and logged in one call, so it never interleaves
 * with another thread's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "outcome.h"
#include "xmalloc.h"

/* The daemon's counters; set once before smfi_main, read-only afterwards. */
static struct metrics *outcome_metrics;

void
outcome_setup(struct metrics *metrics)
{
	outcome_metrics = metrics;
}

/* kv - append " key=value", quoting the value when it needs it */
static void
kv(struct mauth_buf *line, const char *key, const char *value)
{
	mauth_buf_printf(line, "%s%s=", line->len ? " " : "", key);
	if (strpbrk(value, " \t\"\\") == NULL) {
		mauth_buf_puts(line, value);
		return;
	}
	mauth_buf_putc(line, '"');
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			mauth_buf_putc(line, '\\');
		mauth_buf_putc(line, *p);
	}
	mauth_buf_putc(line, '"');
}

/*
 * outcome_dkim - "pass:example.com:sel,fail:..." or "none"; one counter
 * per signature (or one "none"), and a debug line for each that did not
 * pass, with its reason
 */
static void
outcome_dkim(const struct msg *m, struct mauth_buf *line)
{
	const struct mauth_dkim_sig *sigs;
	size_t n = mauth_inbound_dkim(m->in, &sigs, NULL);
	struct mauth_buf v = MAUTH_BUF_INIT;

	mauth_buf_puts(&v, n == 0 ? "none" : "");
	if (n == 0)
		metrics_verdict(outcome_metrics, METRICS_M_DKIM, MAUTH_DKIM_NONE);
	for (size_t i = 0; i < n; i++) {
		const struct mauth_dkim_sig *s = &sigs[i];
		mauth_buf_printf(&v, "%s%s:%s:%s", i ? "," : "",
		    mauth_dkim_result_name(s->result), s->domain ? s->domain : "-",
		    s->selector ? s->selector : "-");
		metrics_verdict(outcome_metrics, METRICS_M_DKIM, (int)s->result);
		if (s->result != MAUTH_DKIM_PASS)
			msg_log(m, LOG_DEBUG, "dkim=%s d=%s s=%s reason=%s",
			    mauth_dkim_result_name(s->result), s->domain ? s->domain : "-",
			    s->selector ? s->selector : "-", s->reason ? s->reason : "");
	}
	kv(line, "dkim", mauth_buf_cstr(&v));
	mauth_buf_free(&v);
}

/*
 * outcome_dmarc - dmarc=RESULT, and for the author domain that decided:
 * header_from, the published policy and the disposition applied, and the
 * reason when the disposition is not the policy's (RFC 9990 PolicyOverride)
 */
static void
outcome_dmarc(const struct mauth_inbound_dmarc *d, struct mauth_buf *line)
{
	const struct mauth_dmarc_outcome *out, *o;
	size_t acting, n = mauth_inbound_dmarc_outcomes(d, &out, &acting);
	enum mauth_dmarc_result r = mauth_inbound_dmarc_result(d);

	kv(line, "dmarc", mauth_dmarc_result_name(r));
	metrics_verdict(outcome_metrics, METRICS_M_DMARC, (int)r);
	if (n == 0)
		return;
	o = &out[acting];
	kv(line, "header_from", o->header_from);
	if (o->record != NULL) {
		kv(line, "policy", mauth_dmarc_policy_name(o->record->p));
		kv(line, "dis", mauth_dmarc_policy_name(o->disposition));
	}
	if (o->override != MAUTH_DMARC_OVERRIDE_NONE)
		kv(line, "override", mauth_dmarc_override_name(o->override));
}

/* outcome_verdicts - one key and one counter per evaluated method */
static void
outcome_verdicts(const struct msg *m, struct mauth_buf *line)
{
	const struct mauth_inbound_dmarc *d = mauth_inbound_get_dmarc(m->in);

	kv(line, "spf", mauth_spf_result_name(m->spf));
	metrics_verdict(outcome_metrics, METRICS_M_SPF, (int)m->spf);
	outcome_dkim(m, line);
	if (d != NULL)
		outcome_dmarc(d, line);
}

void
outcome_connect(struct conn *c)
{
	c->t_mark = metrics_now();
	atomic_fetch_add(&outcome_metrics->connections, 1);
	atomic_fetch_add(&outcome_metrics->connections_open, 1);
}

void
outcome_close(struct conn *c)
{
	atomic_fetch_sub(&outcome_metrics->connections_open, 1);
}

void
outcome_spf(uint64_t ns)
{
	metrics_phase(outcome_metrics, METRICS_P_SPF, ns);
}

/*
 * kv_clip - kv() of a value the SMTP client chose (HELO, MAIL FROM), cut
 * to LOG_CLIP_MAX octets and marked "..." when longer: log_at() cuts a
 * line at 2 KB, and a long MAIL FROM (Postfix takes 2 KB) would otherwise
 * push the verdicts and action= that follow off the end of the line
 */
static void
kv_clip(struct mauth_buf *line, const char *key, const char *value)
{
	char *cut;

	if (strlen(value) <= LOG_CLIP_MAX) {
		kv(line, key, value);
		return;
	}
	cut = xasprintf("%.*s...", LOG_CLIP_MAX, value);
	kv(line, key, cut);
	free(cut);
}

void
outcome_message(struct conn *c, const struct msg *m, const char *action)
{
	struct mauth_buf line = MAUTH_BUF_INIT;
	uint64_t now = metrics_now();
	char count[32];

	kv(&line, "ip", c->addr);
	kv_clip(&line, "helo", c->helo ? c->helo : "");
	kv_clip(&line, "mailfrom", m->mailfrom ? m->mailfrom : "");
	if (m->in == NULL) {
		kv(&line, m->auth != NULL ? "auth" : "internal", "yes");
		kv(&line, "signed", m->signed_as != NULL ? m->signed_as : "no");
		atomic_fetch_add(&outcome_metrics->messages_internal, 1);
	} else {
		outcome_verdicts(m, &line);
		snprintf(count, sizeof(count), "%zu", m->forged_removed);
		kv(&line, "forged_ar_removed", count);
		atomic_fetch_add(&outcome_metrics->messages_inbound, 1);
		metrics_phase(outcome_metrics, METRICS_P_EOM, now - m->t_eom);
	}
	kv(&line, "action", action);
	msg_log(m, LOG_INFO, "%s", mauth_buf_cstr(&line));
	mauth_buf_free(&line);
	metrics_action(outcome_metrics, action);
	if (c->t_mark != 0)
		metrics_phase(outcome_metrics, METRICS_P_CONNECT_EOM, now - c->t_mark);
	c->t_mark = now;
}

void
outcome_abort(struct conn *c, const struct msg *m)
{
	msg_log(m, LOG_DEBUG, "transaction aborted");
	atomic_fetch_add(&outcome_metrics->aborted, 1);
	c->t_mark = metrics_now();
}
