/*
 * inbound_dmarc.c - DMARC for one inbound transaction (RFC 9989 5.3)
 *
 * The author domain comes from lib/rfc5322_addr.c; no author domain, or
 * more than one, is settled by configuration before anything is looked
 * up (RFC 9989 5.3.1, 11.5).  Each author domain evaluated gets its own
 * struct mauth_dmarc_outcome (lib/dmarc_eval.c); the receiver's own
 * overrides are written into it, so that the Authentication-Results
 * comment "dis=", the log line and the aggregate report agree on what was
 * done (RFC 9989 5.4: deviations are reported as PolicyOverride).
 *
 * Ownership: see inbound_dmarc.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "buf.h"
#include "inbound_dmarc.h"
#include "rfc5322_addr.h"
#include "xmalloc.h"

/* Recipient domains kept for reports; more are not worth the memory. */
#define INBOUND_DMARC_MAX_RCPT_DOMAINS 100

struct mauth_inbound_dmarc {
	const struct mauth_inbound_dmarc_conf *dc;
	char **from;			/* From field values, in order */
	size_t nfrom;
	char **rcpt;			/* distinct recipient domains */
	size_t nrcpt;
	bool done;
	char *from_problem;		/* no single author domain: why */
	bool from_resinfo;		/* write dmarc=permerror for it */
	struct mauth_dmarc_outcome *out;
	size_t nout, acting;
	enum mauth_inbound_dmarc_verdict verdict;
	char *text;
	char *summary;
};

void
mauth_inbound_dmarc_conf_init(struct mauth_inbound_dmarc_conf *dc,
    const struct mauth_conf *conf, const struct mauth_dmarc_psl *psl)
{
	memset(dc, 0, sizeof(*dc));
	dc->enabled = true;
	dc->opt.mode = conf->dmarc_discovery == MAUTH_DMARC_DISCOVERY_PSL ?
	    MAUTH_DMARC_MODE_RFC7489 : MAUTH_DMARC_MODE_RFC9989;
	dc->opt.psl = psl;
	dc->reject_failures = conf->reject_failures;
	dc->quarantine = conf->dmarc_quarantine;
	dc->quarantine_header = conf->dmarc_quarantine_header;
	dc->multiple_from = conf->dmarc_multiple_from;
	dc->malformed_from = conf->dmarc_malformed_from;
	dc->missing_from = conf->dmarc_missing_from;
	dc->ignore_domains = (const char *const *)conf->dmarc_ignore_domains;
	dc->trusted_sources = &conf->dmarc_trusted_sources;
	dc->on_temperror = conf->on_temperror;
}

struct mauth_inbound_dmarc *
mauth_inbound_dmarc_new(const struct mauth_inbound_dmarc_conf *dc)
{
	struct mauth_inbound_dmarc *d = xcalloc(1, sizeof(*d));

	d->dc = dc;
	return d;
}

static void
strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
mauth_inbound_dmarc_free(struct mauth_inbound_dmarc **dp)
{
	struct mauth_inbound_dmarc *d = *dp;

	if (d == NULL)
		return;
	strings_free(d->from, d->nfrom);
	strings_free(d->rcpt, d->nrcpt);
	free(d->from_problem);
	for (size_t i = 0; i < d->nout; i++)
		mauth_dmarc_outcome_clear(&d->out[i]);
	free(d->out);
	free(d->text);
	free(d->summary);
	free(d);
	*dp = NULL;
}

void
mauth_inbound_dmarc_header(struct mauth_inbound_dmarc *d, const char *name,
    const char *value)
{
	if (strcasecmp(name, "From") != 0)
		return;
	d->from = xreallocarray(d->from, d->nfrom + 1, sizeof(*d->from));
	d->from[d->nfrom++] = xstrdup(value);
}

void
mauth_inbound_dmarc_rcpt(struct mauth_inbound_dmarc *d, const char *path)
{
	const char *at = strrchr(path, '@');
	char *dom, *err = NULL;

	if (at == NULL || d->nrcpt == INBOUND_DMARC_MAX_RCPT_DOMAINS)
		return;
	dom = xstrndup(at + 1, strcspn(at + 1, "> \t"));
	char *norm = mauth_dns_name_normalise(dom, &err);
	free(dom);
	free(err);
	if (norm == NULL)
		return;
	for (size_t i = 0; i < d->nrcpt; i++) {
		if (strcmp(d->rcpt[i], norm) == 0) {
			free(norm);
			return;
		}
	}
	d->rcpt = xreallocarray(d->rcpt, d->nrcpt + 1, sizeof(*d->rcpt));
	d->rcpt[d->nrcpt++] = norm;
}

void
mauth_inbound_dmarc_reset(struct mauth_inbound_dmarc *d)
{
	strings_free(d->rcpt, d->nrcpt);
	d->rcpt = NULL;
	d->nrcpt = 0;
}

/* ------------------------------------------------------- author domains */

static void
from_verdict(struct mauth_inbound_dmarc *d, enum mauth_conf_from_action act,
    char *problem)
{
	d->from_problem = problem;
	d->from_resinfo = true;
	if (act == MAUTH_FROM_REJECT) {
		d->verdict = MAUTH_INBOUND_DMARC_REJECT;
		d->text = xasprintf("Message refused: %s", problem);
	}
}

/*
 * authors - the distinct author domains of every From field into *list;
 * 0 when there is exactly one domain (or evaluation of several was
 * configured), -1 when the From fields settled the matter (verdict set).
 */
static int
authors(struct mauth_inbound_dmarc *d, struct mauth_rfc5322_addr_list *all)
{
	const struct mauth_inbound_dmarc_conf *dc = d->dc;
	size_t mailboxes = 0;

	for (size_t i = 0; i < d->nfrom; i++) {
		struct mauth_rfc5322_addr_list l;
		char *err = NULL;
		if (mauth_rfc5322_addr_parse(d->from[i], strlen(d->from[i]), &l, &err) < 0) {
			from_verdict(d, dc->malformed_from,
			    xasprintf("malformed From field: %s", err));
			free(err);
			return -1;
		}
		mailboxes += l.count;
		for (size_t k = 0; k < l.ndomains; k++) {
			size_t j;
			for (j = 0; j < all->ndomains &&
			    strcmp(all->domains[j], l.domains[k]) != 0; j++)
				;
			if (j < all->ndomains)
				continue;
			all->domains = xreallocarray(all->domains, all->ndomains + 1,
			    sizeof(char *));
			all->domains[all->ndomains++] = xstrdup(l.domains[k]);
		}
		mauth_rfc5322_addr_list_clear(&l);
	}
	if (mailboxes == 0) {
		from_verdict(d, dc->malformed_from,
		    xstrdup("the From field names no mailbox"));
		return -1;
	}
	if (d->nfrom == 1 && all->ndomains == 1)
		return 0;
	struct mauth_buf b = MAUTH_BUF_INIT;
	if (d->nfrom > 1)
		mauth_buf_printf(&b, "%zu From fields", d->nfrom);
	else
		mauth_buf_puts(&b, "several From domains");
	for (size_t j = 0; j < all->ndomains && j < 4; j++)
		mauth_buf_printf(&b, "%s%s", j ? ", " : ": ", all->domains[j]);
	if (all->ndomains > 4)
		mauth_buf_puts(&b, ", ...");
	if (dc->multiple_from == MAUTH_FROM_EVALUATE &&
	    all->ndomains <= MAUTH_INBOUND_DMARC_MAX_AUTHORS) {
		mauth_buf_free(&b);
		return 0;
	}
	if (dc->multiple_from == MAUTH_FROM_EVALUATE)
		mauth_buf_printf(&b, " (more than %d to evaluate)",
		    MAUTH_INBOUND_DMARC_MAX_AUTHORS);
	from_verdict(d, dc->multiple_from == MAUTH_FROM_ACCEPT ?
	    MAUTH_FROM_ACCEPT : MAUTH_FROM_REJECT, mauth_buf_steal(&b));
	return -1;
}

/* ---------------------------------------------------------- evaluation */

static bool
ignored(const char *const *list, const char *domain)
{
	size_t dl = strlen(domain);

	for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
		size_t l = strlen(list[i]);
		if (l > 0 && list[i][l - 1] == '.')
			l--;
		if (dl == l && strncasecmp(domain, list[i], l) == 0)
			return true;
		if (dl > l && domain[dl - l - 1] == '.' &&
		    strncasecmp(domain + dl - l, list[i], l) == 0)
			return true;
	}
	return false;
}

/* the receiver's own say over a failing message (RFC 9989 5.4) */
static void
local_policy(const struct mauth_inbound_dmarc_conf *dc,
    const struct mauth_inbound_dmarc_facts *f, struct mauth_dmarc_outcome *o)
{
	if (o->result != MAUTH_DMARC_RESULT_FAIL || o->disposition == MAUTH_DMARC_P_NONE)
		return;
	if (ignored(dc->ignore_domains, o->header_from))
		mauth_dmarc_outcome_override(o, MAUTH_DMARC_P_NONE,
		    MAUTH_DMARC_OVERRIDE_LOCAL_POLICY, "DMARCIgnoreDomains");
	else if (f->client != NULL && dc->trusted_sources != NULL &&
	    mauth_cidr_list_match(dc->trusted_sources, f->client))
		mauth_dmarc_outcome_override(o, MAUTH_DMARC_P_NONE,
		    MAUTH_DMARC_OVERRIDE_TRUSTED_FORWARDER, "DMARCTrustedSources");
	else if (o->disposition == MAUTH_DMARC_P_REJECT && !dc->reject_failures)
		mauth_dmarc_outcome_override(o, MAUTH_DMARC_P_NONE,
		    MAUTH_DMARC_OVERRIDE_LOCAL_POLICY, "RejectFailures no");
	else if (o->disposition == MAUTH_DMARC_P_QUARANTINE &&
	    dc->quarantine == MAUTH_DMARC_QUARANTINE_ACCEPT)
		mauth_dmarc_outcome_override(o, MAUTH_DMARC_P_NONE,
		    MAUTH_DMARC_OVERRIDE_LOCAL_POLICY, "DMARCQuarantine accept");
}

static void
evaluate(struct mauth_inbound_dmarc *d, const struct mauth_inbound_dmarc_facts *f,
    const struct mauth_rfc5322_addr_list *authors_list)
{
	const char *at = f->mailfrom != NULL ? strrchr(f->mailfrom, '@') : NULL;
	struct mauth_dmarc_input in = {
		.dkim = f->dkim,
		.ndkim = f->ndkim,
		.source_ip = f->client,
		.envelope_from = at != NULL ? at + 1 : NULL,
		.envelope_to = (const char *const *)d->rcpt,
		.nenvelope_to = d->nrcpt,
	};

	if (f->spf != NULL) {
		in.spf.result = f->spf->result;
		in.spf.domain = f->spf->domain;
		in.spf.scope = f->spf->scope;
	}
	d->nout = authors_list->ndomains;
	d->out = xcalloc(d->nout, sizeof(*d->out));
	for (size_t i = 0; i < d->nout; i++) {
		in.header_from = authors_list->domains[i];
		mauth_dmarc_evaluate(f->dns, &d->dc->opt, &in, &d->out[i]);
		local_policy(d->dc, f, &d->out[i]);
	}
	d->acting = mauth_dmarc_outcome_worst(d->out, d->nout);
}

static void
decide(struct mauth_inbound_dmarc *d)
{
	const struct mauth_dmarc_outcome *o = &d->out[d->acting];
	const char *dom = o->header_from;

	if (o->result == MAUTH_DMARC_RESULT_TEMPERROR &&
	    d->dc->on_temperror == MAUTH_ON_TEMPERROR_TEMPFAIL) {
		d->verdict = MAUTH_INBOUND_DMARC_TEMPFAIL;
		d->text = xasprintf("DMARC policy of %s could not be checked "
		    "(temporary DNS error), try again later", dom);
		return;
	}
	if (o->result != MAUTH_DMARC_RESULT_FAIL)
		return;
	if (o->disposition == MAUTH_DMARC_P_REJECT) {
		/* RFC 9989 7.2's wording, so that clients can tell why */
		d->verdict = MAUTH_INBOUND_DMARC_REJECT;
		d->text = xasprintf("Email rejected per DMARC policy for %s", dom);
	} else if (o->disposition == MAUTH_DMARC_P_QUARANTINE) {
		d->verdict = d->dc->quarantine == MAUTH_DMARC_QUARANTINE_HEADER ?
		    MAUTH_INBOUND_DMARC_HEADER : MAUTH_INBOUND_DMARC_QUARANTINE;
		if (d->verdict == MAUTH_INBOUND_DMARC_QUARANTINE)
			d->text = xasprintf("DMARC policy of %s: quarantine", dom);
	}
}

static void
summarise(struct mauth_inbound_dmarc *d)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	if (d->nout > 0) {
		const struct mauth_dmarc_outcome *o = &d->out[d->acting];
		mauth_buf_printf(&b, "dmarc=%s header_from=%s",
		    mauth_dmarc_result_name(o->result), o->header_from);
		if (d->nout > 1)
			mauth_buf_printf(&b, " authors=%zu", d->nout);
		if (o->record != NULL)
			mauth_buf_printf(&b, " policy=%s dis=%s",
			    mauth_dmarc_policy_name(o->record->p),
			    mauth_dmarc_policy_name(o->disposition));
		if (o->override != MAUTH_DMARC_OVERRIDE_NONE)
			mauth_buf_printf(&b, " override=%s",
			    mauth_dmarc_override_name(o->override));
	} else if (d->from_problem != NULL) {
		mauth_buf_puts(&b, "dmarc=permerror");
	} else {
		mauth_buf_puts(&b, "dmarc=none");
	}
	d->summary = mauth_buf_steal(&b);
}

void
mauth_inbound_dmarc_eom(struct mauth_inbound_dmarc *d,
    const struct mauth_inbound_dmarc_facts *facts)
{
	struct mauth_rfc5322_addr_list all = { 0 };

	if (!d->dc->enabled || d->done)
		return;
	d->done = true;
	if (d->nfrom == 0) {
		/* nothing to evaluate: say so only when refusing the mail */
		if (d->dc->missing_from == MAUTH_FROM_REJECT)
			from_verdict(d, MAUTH_FROM_REJECT, xstrdup("no From field"));
	} else if (authors(d, &all) == 0) {
		evaluate(d, facts, &all);
		decide(d);
	}
	strings_free(all.domains, all.ndomains);
	summarise(d);
}

/* ------------------------------------------------------------- results */

void
mauth_inbound_dmarc_authres(const struct mauth_inbound_dmarc *d,
    struct mauth_authres *ar)
{
	if (!d->done)
		return;
	if (d->from_resinfo) {
		mauth_authres_add(ar, "dmarc", "permerror", d->from_problem, NULL);
		return;
	}
	for (size_t i = 0; i < d->nout; i++) {
		const struct mauth_dmarc_outcome *o = &d->out[i];
		bool err = o->result == MAUTH_DMARC_RESULT_TEMPERROR ||
		    o->result == MAUTH_DMARC_RESULT_PERMERROR;
		char *comment = mauth_dmarc_outcome_comment(o);

		mauth_authres_add(ar, "dmarc", mauth_dmarc_result_name(o->result),
		    err ? o->problem : NULL, "header.from", o->header_from, NULL);
		if (comment != NULL)
			mauth_authres_comment(ar, comment);
		free(comment);
	}
}

enum mauth_inbound_dmarc_verdict
mauth_inbound_dmarc_verdict(const struct mauth_inbound_dmarc *d,
    const char **text_r)
{
	*text_r = d->text;
	return d->done ? d->verdict : MAUTH_INBOUND_DMARC_ACCEPT;
}

size_t
mauth_inbound_dmarc_outcomes(const struct mauth_inbound_dmarc *d,
    const struct mauth_dmarc_outcome **out_r, size_t *acting_r)
{
	*out_r = d->out;
	*acting_r = d->acting;
	return d->nout;
}

enum mauth_dmarc_result
mauth_inbound_dmarc_result(const struct mauth_inbound_dmarc *d)
{
	if (d->nout > 0)
		return d->out[d->acting].result;
	return d->from_problem != NULL ? MAUTH_DMARC_RESULT_PERMERROR :
	    MAUTH_DMARC_RESULT_NONE;
}

const char *
mauth_inbound_dmarc_summary(const struct mauth_inbound_dmarc *d)
{
	return d->summary != NULL ? d->summary : "dmarc=none";
}
