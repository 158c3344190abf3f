/*
 * inbound_dmarc.h - DMARC for one inbound transaction (part of lib/inbound)
 *
 * lib/inbound.c hands this module the From fields and recipients as they
 * stream past, and at end of message the SPF outcome and the DKIM
 * results; it answers with the dmarc= resinfo(s) of the
 * Authentication-Results field, a verdict for the MTA, and the outcomes
 * an aggregate report records (one per author domain evaluated).
 *
 * What the author domain is, and what happens when there is no single one
 * (RFC 9989 5.3.1 and 11.5 leave it to the receiver), is decided here from
 * the configuration: no From field (DMARCMissingFrom), a From field that
 * does not parse or holds no mailbox (DMARCMalformedFrom), several From
 * fields or several domains (DMARCMultipleFrom: reject, accept, or
 * evaluate each domain, the strictest outcome acting).  Local overrides
 * (DMARCIgnoreDomains, DMARCTrustedSources, RejectFailures no,
 * DMARCQuarantine accept) are applied to the outcome and recorded as the
 * report's override reason, so A-R, log and report all say what was done.
 *
 * Ownership: the configuration struct points into a struct mauth_conf and
 * a PSL that must outlive every transaction using it.  A transaction
 * object copies what it is given; what it returns through const pointers
 * lives until mauth_inbound_dmarc_free().
 */
#ifndef MAUTH_INBOUND_DMARC_H
#define MAUTH_INBOUND_DMARC_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "dmarc_eval.h"
#include "dns.h"
#include "ip.h"
#include "spf.h"

struct mauth_authres;

/* Several author domains are evaluated up to this many (RFC 9989 11.5) */
#define MAUTH_INBOUND_DMARC_MAX_AUTHORS 8

struct mauth_inbound_dmarc_conf {
	bool enabled;			/* false: no DMARC (no resinfo, no verdict) */
	struct mauth_dmarc_options opt;
	bool reject_failures;
	enum mauth_conf_dmarc_quarantine quarantine;
	const char *quarantine_header;	/* "Name: value" */
	enum mauth_conf_from_action multiple_from, malformed_from, missing_from;
	const char *const *ignore_domains;	/* NULL-terminated; may be NULL */
	const struct mauth_cidr_list *trusted_sources;	/* may be NULL */
	enum mauth_conf_on_temperror on_temperror;
};

/*
 * mauth_inbound_dmarc_conf_init - DMARC enabled with conf's keys; psl is
 * the list loaded for DMARCDiscovery psl (may be NULL otherwise).
 */
void mauth_inbound_dmarc_conf_init(struct mauth_inbound_dmarc_conf *dc,
    const struct mauth_conf *conf, const struct mauth_dmarc_psl *psl);

/* What DMARC asks of the MTA. */
enum mauth_inbound_dmarc_verdict {
	MAUTH_INBOUND_DMARC_ACCEPT = 0,
	MAUTH_INBOUND_DMARC_HEADER,	/* accept, adding the quarantine header */
	MAUTH_INBOUND_DMARC_QUARANTINE,
	MAUTH_INBOUND_DMARC_TEMPFAIL,
	MAUTH_INBOUND_DMARC_REJECT,
};

/* Everything else the transaction knows at end of message. */
struct mauth_inbound_dmarc_facts {
	struct mauth_dns *dns;
	const struct mauth_ip *client;		/* NULL when unknown */
	const char *mailfrom;			/* reverse-path address; "" null; NULL unknown */
	const struct mauth_spf_outcome *spf;	/* NULL when SPF was not evaluated */
	const struct mauth_dmarc_dkim_input *dkim;
	size_t ndkim;
};

struct mauth_inbound_dmarc;

struct mauth_inbound_dmarc *mauth_inbound_dmarc_new(
    const struct mauth_inbound_dmarc_conf *dc);
void mauth_inbound_dmarc_free(struct mauth_inbound_dmarc **d);

/* mauth_inbound_dmarc_header - every header field; keeps the From ones */
void mauth_inbound_dmarc_header(struct mauth_inbound_dmarc *d,
    const char *name, const char *value);
/* mauth_inbound_dmarc_rcpt - a RCPT TO path; its domain goes to reports */
void mauth_inbound_dmarc_rcpt(struct mauth_inbound_dmarc *d, const char *path);
/* mauth_inbound_dmarc_reset - a new MAIL FROM: forget the recipients */
void mauth_inbound_dmarc_reset(struct mauth_inbound_dmarc *d);

/* mauth_inbound_dmarc_eom - evaluate; may be called once per message */
void mauth_inbound_dmarc_eom(struct mauth_inbound_dmarc *d,
    const struct mauth_inbound_dmarc_facts *facts);

/*
 * mauth_inbound_dmarc_authres - after eom: one "dmarc=" resinfo per author
 * domain evaluated, "dmarc=permerror reason=..." when the From field made
 * DMARC impossible, nothing when there was no From field (and it was
 * accepted) or DMARC is disabled.
 */
void mauth_inbound_dmarc_authres(const struct mauth_inbound_dmarc *d,
    struct mauth_authres *ar);

/*
 * mauth_inbound_dmarc_verdict - after eom: the verdict, with an SMTP
 * reply text or quarantine reason in *text_r (owned by d; NULL for accept
 * and header).
 */
enum mauth_inbound_dmarc_verdict mauth_inbound_dmarc_verdict(
    const struct mauth_inbound_dmarc *d, const char **text_r);

/*
 * mauth_inbound_dmarc_outcomes - after eom: the evaluations, one per
 * author domain (0 when none was evaluated); *acting_r is the index of
 * the one that decided the verdict.
 */
size_t mauth_inbound_dmarc_outcomes(const struct mauth_inbound_dmarc *d,
    const struct mauth_dmarc_outcome **out_r, size_t *acting_r);

/*
 * mauth_inbound_dmarc_result - after eom: the result that acts (the
 * acting outcome's; permerror when the From field made DMARC impossible;
 * none when there was nothing to evaluate)
 */
enum mauth_dmarc_result mauth_inbound_dmarc_result(const struct mauth_inbound_dmarc *d);

/* mauth_inbound_dmarc_summary - "dmarc=fail header_from=... dis=..." for logs */
const char *mauth_inbound_dmarc_summary(const struct mauth_inbound_dmarc *d);

#endif
