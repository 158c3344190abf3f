/*
 * dmarc_eval.c - DMARC evaluation of one message (RFC 9989 4.4, 4.7,
 * 4.10.1, 5.3.3 - 5.3.6; RFC 7489 6.6.4 for pct)
 *
 * Order of work, chosen so that DNS is asked only what the result needs:
 * discover the policy (no record: result none, nothing else asked); then
 * alignment for each passing identifier, Organizational Domains only when
 * relaxed mode and the names differ; then, for a failing message whose
 * record came from a parent domain and says np=, whether the author
 * domain exists.
 *
 * Ownership: see dmarc_eval.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dmarc_eval.h"
#include "xmalloc.h"

struct eval {
	struct mauth_dmarc_discover *d;
	const char *author;
	char *author_org;	/* lazily */
	bool temperror;
	char *problem;
};

static void
problem(struct eval *ev, char *text)
{
	if (ev->problem == NULL)
		ev->problem = text;
	else
		free(text);
}

/* RFC 9989 3.2.10: are id and the author domain aligned in mode? */
static bool
aligned(struct eval *ev, const char *id, enum mauth_dmarc_align mode)
{
	char *org = NULL, *why = NULL;

	if (id == NULL || *id == '\0')
		return false;
	if (strcasecmp(id, ev->author) == 0)
		return true;
	if (mode == MAUTH_DMARC_ALIGN_STRICT)
		return false;
	if (ev->author_org == NULL &&
	    mauth_dmarc_discover_org_domain(ev->d, ev->author,
	    &ev->author_org, &why) < 0) {
		ev->temperror = true;
		problem(ev, why);
		return false;
	}
	char *lid = mauth_dns_name_normalise(id, &why);
	if (lid == NULL) {
		/* not a domain name: it aligns with nothing */
		free(why);
		return false;
	}
	bool same = false;
	if (mauth_dmarc_discover_org_domain(ev->d, lid, &org, &why) < 0) {
		ev->temperror = true;
		problem(ev, why);
	} else {
		same = strcmp(org, ev->author_org) == 0;
	}
	free(org);
	free(lid);
	return same;
}

/*
 * An identifier whose check ended in temperror might have passed: if it
 * would align, the DMARC result cannot be fail (DESIGN.md: a DNS timeout
 * never turns into a reject of mail that would pass), only temperror.
 */
static void
unknown_identifier(struct eval *ev, const char *what, const char *id,
    enum mauth_dmarc_align mode)
{
	if (id == NULL || !aligned(ev, id, mode))
		return;
	ev->temperror = true;
	problem(ev, xasprintf("%s temperror for %s, which would align", what, id));
}

static void
alignment(struct eval *ev, const struct mauth_dmarc_record *rec,
    struct mauth_dmarc_outcome *out)
{
	if (out->spf_result == MAUTH_SPF_PASS)
		out->spf_aligned = aligned(ev, out->spf_domain, rec->aspf);
	for (size_t i = 0; i < out->ndkim; i++) {
		struct mauth_dmarc_dkim_row *k = &out->dkim[i];
		if (k->result != MAUTH_DMARC_DKIM_PASS)
			continue;
		k->aligned = aligned(ev, k->domain, rec->adkim);
		out->dkim_aligned |= k->aligned;
	}
	if (out->spf_aligned || out->dkim_aligned)
		return;
	if (out->spf_result == MAUTH_SPF_TEMPERROR)
		unknown_identifier(ev, "SPF", out->spf_domain, rec->aspf);
	for (size_t i = 0; i < out->ndkim; i++) {
		if (out->dkim[i].result == MAUTH_DMARC_DKIM_TEMPERROR)
			unknown_identifier(ev, "DKIM", out->dkim[i].domain,
			    rec->adkim);
	}
}

static enum mauth_dmarc_policy
one_lower(enum mauth_dmarc_policy p)
{
	return p == MAUTH_DMARC_P_REJECT ? MAUTH_DMARC_P_QUARANTINE :
	    MAUTH_DMARC_P_NONE;
}

/*
 * RFC 9989 4.10.1: p for the author domain's own record; for a parent's
 * record sp if the author domain exists, np if it does not.  Returns -1
 * when existence could not be told and it matters.
 */
static int
select_policy(struct eval *ev, const struct mauth_dmarc_record *rec,
    struct mauth_dmarc_outcome *out)
{
	char *why = NULL;

	if (strcmp(out->policy_domain, ev->author) == 0) {
		out->policy = rec->p;
		out->policy_tag = "p";
		return 0;
	}
	out->policy = rec->sp;
	out->policy_tag = "sp";
	if (!rec->has_np || rec->np == rec->sp)
		return 0;	/* np absent falls back to sp: no need to ask */
	int exists = mauth_dmarc_discover_exists(ev->d, ev->author, &why);
	if (exists < 0) {
		problem(ev, why);
		return -1;
	}
	if (exists == 0) {
		out->policy = rec->np;
		out->policy_tag = "np";
	}
	return 0;
}

/* t=y (RFC 9989 4.7) and pct (RFC 7489 6.6.4) lower the policy one step */
static void
disposition(const struct mauth_dmarc_options *opt,
    const struct mauth_dmarc_record *rec, struct mauth_dmarc_outcome *out)
{
	out->disposition = out->policy;
	if (out->policy == MAUTH_DMARC_P_NONE)
		return;
	if (rec->testing) {
		out->disposition = one_lower(out->policy);
		out->override = MAUTH_DMARC_OVERRIDE_POLICY_TEST_MODE;
		return;
	}
	if (opt->mode != MAUTH_DMARC_MODE_RFC7489 || rec->pct >= 100)
		return;
	unsigned roll = opt->sample != NULL ?
	    opt->sample(opt->sample_arg) % 100 : arc4random_uniform(100);
	if (roll >= rec->pct) {
		out->disposition = one_lower(out->policy);
		out->override = MAUTH_DMARC_OVERRIDE_SAMPLED_OUT;
		out->override_comment = xasprintf("pct=%u", rec->pct);
	}
}

static void
copy_inputs(const struct mauth_dmarc_input *in, struct mauth_dmarc_outcome *out)
{
	out->header_from = in->header_from ? xstrdup(in->header_from) : NULL;
	if (in->source_ip != NULL) {
		out->has_source_ip = true;
		out->source_ip = *in->source_ip;
	}
	if (in->envelope_from != NULL && *in->envelope_from != '\0')
		out->envelope_from = xstrdup(in->envelope_from);
	out->nenvelope_to = in->nenvelope_to;
	out->envelope_to = xcalloc(in->nenvelope_to + 1, sizeof(char *));
	for (size_t i = 0; i < in->nenvelope_to; i++)
		out->envelope_to[i] = xstrdup(in->envelope_to[i]);
	out->spf_result = in->spf.result;
	out->spf_scope = in->spf.scope;
	out->spf_domain = in->spf.domain ? xstrdup(in->spf.domain) : NULL;
	out->ndkim = in->ndkim;
	out->dkim = xcalloc(in->ndkim + 1, sizeof(*out->dkim));
	for (size_t i = 0; i < in->ndkim; i++) {
		const struct mauth_dmarc_dkim_input *k = &in->dkim[i];
		out->dkim[i].domain = xstrdup(k->domain ? k->domain : "");
		out->dkim[i].selector = xstrdup(k->selector ? k->selector : "");
		out->dkim[i].human_result = k->human_result ?
		    xstrdup(k->human_result) : NULL;
		out->dkim[i].result = k->result;
	}
}

static enum mauth_dmarc_result
from_discovery(enum mauth_dmarc_found st)
{
	switch (st) {
	case MAUTH_DMARC_FOUND_TEMPERROR:
		return MAUTH_DMARC_RESULT_TEMPERROR;
	case MAUTH_DMARC_FOUND_PERMERROR:
		return MAUTH_DMARC_RESULT_PERMERROR;
	case MAUTH_DMARC_FOUND_NONE:
	case MAUTH_DMARC_FOUND:
		break;
	}
	return MAUTH_DMARC_RESULT_NONE;
}

/* with a record in hand: alignment, result, policy, disposition */
static void
apply(struct eval *ev, const struct mauth_dmarc_options *opt,
    struct mauth_dmarc_outcome *out)
{
	const struct mauth_dmarc_record *rec = out->record;

	alignment(ev, rec, out);
	if (out->spf_aligned || out->dkim_aligned) {
		out->result = MAUTH_DMARC_RESULT_PASS;	/* 5.3.5 */
		return;
	}
	if (ev->temperror) {
		out->result = MAUTH_DMARC_RESULT_TEMPERROR;	/* 5.3.6 */
		return;
	}
	out->result = MAUTH_DMARC_RESULT_FAIL;
	if (select_policy(ev, rec, out) < 0) {
		out->result = MAUTH_DMARC_RESULT_TEMPERROR;
		out->policy_tag = NULL;
		return;
	}
	disposition(opt, rec, out);
}

enum mauth_dmarc_result
mauth_dmarc_evaluate(struct mauth_dns *dns, const struct mauth_dmarc_options *opt,
    const struct mauth_dmarc_input *in, struct mauth_dmarc_outcome *out)
{
	struct mauth_dmarc_discovery disc;
	struct eval ev = { .author = NULL };
	char *author, *why = NULL;

	memset(out, 0, sizeof(*out));
	out->method = opt->mode;
	copy_inputs(in, out);
	if (in->header_from == NULL || *in->header_from == '\0') {
		out->result = MAUTH_DMARC_RESULT_PERMERROR;
		out->problem = xstrdup("no author domain in the From field");
		return out->result;
	}
	author = mauth_dns_name_normalise(in->header_from, &why);
	if (author == NULL) {
		out->result = MAUTH_DMARC_RESULT_PERMERROR;
		out->problem = xasprintf("author domain: %s", why);
		free(why);
		return out->result;
	}
	ev.author = author;
	ev.d = mauth_dmarc_discover_new(dns, opt->mode, opt->psl);
	enum mauth_dmarc_found st = mauth_dmarc_discover_policy(ev.d,
	    author, &disc);
	if (disc.org_domain != NULL) {
		out->org_domain = xstrdup(disc.org_domain);
		ev.author_org = xstrdup(disc.org_domain);
	}
	if (st == MAUTH_DMARC_FOUND) {
		out->record = mauth_dmarc_record_dup(disc.record);
		out->policy_domain = xstrdup(disc.policy_domain);
		apply(&ev, opt, out);
	} else {
		out->result = from_discovery(st);
	}
	if (out->org_domain == NULL && ev.author_org != NULL)
		out->org_domain = xstrdup(ev.author_org);
	if (disc.problem != NULL)
		problem(&ev, xstrdup(disc.problem));
	out->problem = ev.problem;
	out->dns_queries = mauth_dmarc_discover_queries(ev.d);
	mauth_dmarc_discovery_clear(&disc);
	mauth_dmarc_discover_free(&ev.d);
	free(ev.author_org);
	free(author);
	return out->result;
}

void
mauth_dmarc_outcome_clear(struct mauth_dmarc_outcome *out)
{
	free(out->header_from);
	free(out->policy_domain);
	free(out->org_domain);
	mauth_dmarc_record_free(&out->record);
	free(out->override_comment);
	free(out->problem);
	free(out->envelope_from);
	for (size_t i = 0; i < out->nenvelope_to; i++)
		free(out->envelope_to[i]);
	free(out->envelope_to);
	free(out->spf_domain);
	for (size_t i = 0; i < out->ndkim; i++) {
		free(out->dkim[i].domain);
		free(out->dkim[i].selector);
		free(out->dkim[i].human_result);
	}
	free(out->dkim);
	memset(out, 0, sizeof(*out));
}

void
mauth_dmarc_outcome_override(struct mauth_dmarc_outcome *out,
    enum mauth_dmarc_policy dis, enum mauth_dmarc_override reason,
    const char *comment)
{
	out->disposition = dis;
	out->override = reason;
	free(out->override_comment);
	out->override_comment = comment ? xstrdup(comment) : NULL;
}

char *
mauth_dmarc_outcome_comment(const struct mauth_dmarc_outcome *out)
{
	const struct mauth_dmarc_record *rec = out->record;

	if (rec == NULL)
		return NULL;
	return xasprintf("p=%s sp=%s dis=%s", mauth_dmarc_policy_name(rec->p),
	    mauth_dmarc_policy_name(rec->sp),
	    mauth_dmarc_policy_name(out->disposition));
}

static int
severity(const struct mauth_dmarc_outcome *o)
{
	static const int rank[] = {
		[MAUTH_DMARC_RESULT_PASS] = 0,
		[MAUTH_DMARC_RESULT_NONE] = 1,
		[MAUTH_DMARC_RESULT_FAIL] = 2,
		[MAUTH_DMARC_RESULT_PERMERROR] = 3,
		[MAUTH_DMARC_RESULT_TEMPERROR] = 4,
	};
	return (int)o->disposition * 10 + rank[o->result];
}

size_t
mauth_dmarc_outcome_worst(const struct mauth_dmarc_outcome *out, size_t n)
{
	size_t worst = 0;

	for (size_t i = 1; i < n; i++) {
		if (severity(&out[i]) > severity(&out[worst]))
			worst = i;
	}
	return worst;
}

const char *
mauth_dmarc_result_name(enum mauth_dmarc_result r)
{
	static const char *const names[] = {
		"none", "pass", "fail", "temperror", "permerror",
	};
	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "none";
}

const char *
mauth_dmarc_dkim_result_name(enum mauth_dmarc_dkim_result r)
{
	static const char *const names[] = {
		"none", "pass", "fail", "policy", "neutral", "temperror",
		"permerror",
	};
	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "none";
}

const char *
mauth_dmarc_override_name(enum mauth_dmarc_override o)
{
	static const char *const names[] = {
		"none", "policy_test_mode", "sampled_out", "forwarded",
		"trusted_forwarder", "mailing_list", "local_policy", "other",
	};
	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "other";
}
