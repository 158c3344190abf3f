/*
 * spf.h - Sender Policy Framework, RFC 7208, evaluated on lib/dns
 *
 * check_host() (RFC 7208 section 4) with every mechanism and modifier,
 * macro expansion (section 7) including exp= explanations (section 6.2),
 * the processing limits of section 4.6.4 counted across include: and
 * redirect= (10 DNS-querying terms, 10 MX / PTR names per term, 2 void
 * lookups), and IPv4-mapped IPv6 clients evaluated as IPv4 (section 5).
 *
 * Results are values, not errors: a DNS timeout is MAUTH_SPF_TEMPERROR, a
 * malformed record MAUTH_SPF_PERMERROR, with outcome.problem saying why.
 * The functions are reentrant; they keep no state between calls.
 */
#ifndef MAUTH_SPF_H
#define MAUTH_SPF_H

#include <stdbool.h>
#include <time.h>

#include "dns.h"
#include "ip.h"

enum mauth_spf_result {
	MAUTH_SPF_NONE = 0,
	MAUTH_SPF_NEUTRAL,
	MAUTH_SPF_PASS,
	MAUTH_SPF_FAIL,
	MAUTH_SPF_SOFTFAIL,
	MAUTH_SPF_TEMPERROR,
	MAUTH_SPF_PERMERROR,
};

/* Which identity was checked (RFC 7208 section 2.3, 2.4; RFC 9990 "scope") */
enum mauth_spf_scope {
	MAUTH_SPF_SCOPE_MFROM = 0,
	MAUTH_SPF_SCOPE_HELO,
};

struct mauth_spf_options {
	/* %{r}: the receiving host's name (RFC 7208 section 7.3); NULL: "unknown" */
	const char *receiver;
	/*
	 * Macro-string used when a fail has no usable exp= (section 6.2).
	 * NULL: a built-in text naming %{d}, %{i} and %{s}.
	 */
	const char *default_explanation;
	/* Wall-clock budget for one check_host() in ms (section 4.6.4 suggests
	 * at least 20 s); running past it gives temperror.  0: 20000. */
	unsigned time_limit_ms;
	/* %{t} (section 7.3); 0: time(NULL) at the start of the check */
	time_t now;
};

struct mauth_spf_outcome {
	enum mauth_spf_result result;
	enum mauth_spf_scope scope;
	char *sender;		/* identity checked, "local@domain" (postmaster@ for HELO/empty local-part) */
	char *domain;		/* the <domain> argument of the first check_host() */
	char *mechanism;	/* term that matched, e.g. "-all", "ip4:192.0.2.0/24"; NULL if none did */
	char *explanation;	/* fail only: expanded exp= text, or the default explanation */
	char *problem;		/* temperror/permerror/none: what happened, naming the domain and term */
	unsigned dns_terms;	/* DNS-querying terms counted against the limit of 10 */
	unsigned void_lookups;	/* NXDOMAIN/NODATA answers counted against the limit of 2 */
};

/*
 * mauth_spf_check_host - check_host(ip, domain, sender) of RFC 7208 section
 * 4; helo feeds %{h}.  Fills *out (which the caller clears with
 * mauth_spf_outcome_clear) and returns out->result.  opt may be NULL (all
 * defaults); helo may be NULL (%{h} is then "unknown").
 */
enum mauth_spf_result mauth_spf_check_host(struct mauth_dns *dns,
    const struct mauth_spf_options *opt, const struct mauth_ip *ip,
    const char *domain, const char *sender, const char *helo,
    struct mauth_spf_outcome *out);

/*
 * mauth_spf_check_mailfrom - the MAIL FROM identity (section 2.4): sender is
 * the reverse-path without angle brackets; "" (null reverse-path) checks
 * postmaster@<helo> with scope HELO, a missing local-part becomes
 * "postmaster".  A domain that is not a usable FQDN gives none (section 4.3).
 */
enum mauth_spf_result mauth_spf_check_mailfrom(struct mauth_dns *dns,
    const struct mauth_spf_options *opt, const struct mauth_ip *ip,
    const char *sender, const char *helo, struct mauth_spf_outcome *out);

/* mauth_spf_check_helo - the HELO identity (section 2.3) */
enum mauth_spf_result mauth_spf_check_helo(struct mauth_dns *dns,
    const struct mauth_spf_options *opt, const struct mauth_ip *ip,
    const char *helo, struct mauth_spf_outcome *out);

void mauth_spf_outcome_clear(struct mauth_spf_outcome *out);

/* mauth_spf_result_name - "pass", "fail", ... as RFC 8601 spells them */
const char *mauth_spf_result_name(enum mauth_spf_result result);

#endif
