/*
 * dmarc_eval.h - DMARC evaluation of one message (RFC 9989 sections 4.4,
 * 4.10, 5.3; RFC 7489 6.6 in the legacy mode)
 *
 * Inputs are plain values - the author domain, the SPF result of the MAIL
 * FROM identity, one entry per DKIM signature - so that this module knows
 * nothing of how SPF or DKIM were evaluated.  The outcome holds the DMARC
 * result (RFC 9989 9.2: none, pass, fail, temperror, permerror), the
 * policy that applies and the disposition after t=y (and pct in RFC 7489
 * mode), and every field an aggregate report row needs (RFC 9990: the
 * published policy, identifiers, SPF and DKIM results, alignment, the
 * override reason, the discovery method).
 *
 * Identifiers that align: SPF's domain when SPF passed (for a null
 * reverse-path that is the HELO identity, RFC 9989 3.2.4 via RFC 7208
 * 2.4), and the d= of every DKIM signature that passed (4.4.1).  Strict
 * alignment compares names; relaxed alignment compares Organizational
 * Domains found by the same method as the policy (4.10.2).
 *
 * DNS failures never become pass or fail: a lookup that the result
 * depends on and that failed temporarily makes the result temperror, and
 * so does an SPF or DKIM temperror for an identifier that would align
 * when nothing else aligns (it might have passed).
 *
 * Ownership: the input is only read during the call.  The outcome owns
 * every string and the record copy in it; mauth_dmarc_outcome_clear()
 * releases them.  Reentrant: one call per message, on any thread.
 */
#ifndef MAUTH_DMARC_EVAL_H
#define MAUTH_DMARC_EVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "dmarc_discover.h"
#include "dmarc_record.h"
#include "dns.h"
#include "ip.h"
#include "spf.h"

enum mauth_dmarc_result {
	MAUTH_DMARC_RESULT_NONE = 0,
	MAUTH_DMARC_RESULT_PASS,
	MAUTH_DMARC_RESULT_FAIL,
	MAUTH_DMARC_RESULT_TEMPERROR,
	MAUTH_DMARC_RESULT_PERMERROR,
};

/* DKIM results as RFC 8601 2.7.1 names them */
enum mauth_dmarc_dkim_result {
	MAUTH_DMARC_DKIM_NONE = 0,
	MAUTH_DMARC_DKIM_PASS,
	MAUTH_DMARC_DKIM_FAIL,
	MAUTH_DMARC_DKIM_POLICY,
	MAUTH_DMARC_DKIM_NEUTRAL,
	MAUTH_DMARC_DKIM_TEMPERROR,
	MAUTH_DMARC_DKIM_PERMERROR,
};

/* Why the disposition differs from the policy (RFC 9990 and RFC 7489 C) */
enum mauth_dmarc_override {
	MAUTH_DMARC_OVERRIDE_NONE = 0,
	MAUTH_DMARC_OVERRIDE_POLICY_TEST_MODE,	/* t=y (RFC 9990) */
	MAUTH_DMARC_OVERRIDE_SAMPLED_OUT,	/* pct (RFC 7489) */
	MAUTH_DMARC_OVERRIDE_FORWARDED,
	MAUTH_DMARC_OVERRIDE_TRUSTED_FORWARDER,
	MAUTH_DMARC_OVERRIDE_MAILING_LIST,
	MAUTH_DMARC_OVERRIDE_LOCAL_POLICY,
	MAUTH_DMARC_OVERRIDE_OTHER,
};

struct mauth_dmarc_spf_input {
	enum mauth_spf_result result;	/* of the MAIL FROM identity check */
	const char *domain;		/* its domain (HELO's for a null path); may be NULL */
	enum mauth_spf_scope scope;	/* HELO when the reverse-path was null */
};

struct mauth_dmarc_dkim_input {
	const char *domain;		/* d= */
	const char *selector;		/* s= */
	enum mauth_dmarc_dkim_result result;
	const char *human_result;	/* optional text for reports; may be NULL */
};

struct mauth_dmarc_input {
	const char *header_from;	/* the author domain (rfc5322_addr.h form) */
	struct mauth_dmarc_spf_input spf;
	const struct mauth_dmarc_dkim_input *dkim;
	size_t ndkim;
	/* only copied into the outcome, for aggregate reports: */
	const struct mauth_ip *source_ip;	/* may be NULL */
	const char *envelope_from;	/* RFC5321.MailFrom domain; NULL or "" if null */
	const char *const *envelope_to;	/* RFC5321.RcptTo domains */
	size_t nenvelope_to;
};

struct mauth_dmarc_options {
	enum mauth_dmarc_mode mode;
	const struct mauth_dmarc_psl *psl;	/* required in RFC 7489 mode */
	/*
	 * pct sampling (RFC 7489 6.6.4): a number 0..99 per failing message;
	 * the policy applies when it is below pct.  NULL: arc4random.
	 */
	unsigned (*sample)(void *arg);
	void *sample_arg;
};

struct mauth_dmarc_dkim_row {
	char *domain, *selector, *human_result;
	enum mauth_dmarc_dkim_result result;
	bool aligned;
};

struct mauth_dmarc_outcome {
	enum mauth_dmarc_result result;
	enum mauth_dmarc_mode method;		/* discovery method used */
	char *header_from;
	char *policy_domain;			/* where the record was found */
	char *org_domain;			/* the author's, when determined */
	struct mauth_dmarc_record *record;	/* published policy; NULL if none */
	enum mauth_dmarc_policy policy;		/* p, sp or np as it applies */
	const char *policy_tag;			/* "p", "sp", "np"; NULL unless fail */
	enum mauth_dmarc_policy disposition;	/* what to do with the message */
	enum mauth_dmarc_override override;
	char *override_comment;
	bool spf_aligned, dkim_aligned;
	char *problem;				/* why none/temperror/permerror */
	unsigned dns_queries;
	/* report inputs */
	bool has_source_ip;
	struct mauth_ip source_ip;
	char *envelope_from;
	char **envelope_to;
	size_t nenvelope_to;
	enum mauth_spf_result spf_result;
	char *spf_domain;
	enum mauth_spf_scope spf_scope;
	size_t ndkim;
	struct mauth_dmarc_dkim_row *dkim;
};

/*
 * mauth_dmarc_evaluate - evaluate in against the DNS.  Fills *out (clear
 * it with mauth_dmarc_outcome_clear) and returns out->result.  A NULL or
 * empty header_from gives permerror: there is no author domain.
 */
enum mauth_dmarc_result mauth_dmarc_evaluate(struct mauth_dns *dns,
    const struct mauth_dmarc_options *opt, const struct mauth_dmarc_input *in,
    struct mauth_dmarc_outcome *out);

void mauth_dmarc_outcome_clear(struct mauth_dmarc_outcome *out);

/*
 * mauth_dmarc_outcome_override - the receiver's own decision (trusted
 * forwarder, local policy, ...): disposition becomes dis, and the reason
 * is kept for the report.  comment may be NULL.
 */
void mauth_dmarc_outcome_override(struct mauth_dmarc_outcome *out,
    enum mauth_dmarc_policy dis, enum mauth_dmarc_override reason,
    const char *comment);

/*
 * mauth_dmarc_outcome_comment - "p=reject sp=quarantine dis=reject", the
 * Authentication-Results comment; NULL when no record applied.  The
 * caller frees it.
 */
char *mauth_dmarc_outcome_comment(const struct mauth_dmarc_outcome *out);

/*
 * mauth_dmarc_outcome_worst - of several outcomes (one per author domain
 * of a multi-mailbox From, RFC 9989 11.5), the index of the one to act
 * on: the strictest disposition, then temperror, permerror, fail, none,
 * pass.
 */
size_t mauth_dmarc_outcome_worst(const struct mauth_dmarc_outcome *out, size_t n);

const char *mauth_dmarc_result_name(enum mauth_dmarc_result r);
const char *mauth_dmarc_dkim_result_name(enum mauth_dmarc_dkim_result r);
const char *mauth_dmarc_override_name(enum mauth_dmarc_override o);

#endif
