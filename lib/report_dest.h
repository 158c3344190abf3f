/*
 * report_dest.h - where an aggregate report may go: the rua= mailto:
 * destinations of a policy, each checked (RFC 9990 section 3, "Verifying
 * External Destinations") and against ReportIgnoreDomains
 *
 * A destination whose domain's Organizational Domain differs from the
 * policy domain's is external: it is used only if a TXT record at
 * <policy-domain>._report._dmarc.<destination-host> starts with
 * v=DMARC1.  Such a record may carry its own rua=, which then replaces
 * the destination, provided every URI in it stays on the same host;
 * otherwise neither is used.  A temporary DNS failure leaves the
 * destination for a later run.
 *
 * Ownership: results are the caller's (mauth_report_dests_free).
 */
#ifndef MAUTH_REPORT_DEST_H
#define MAUTH_REPORT_DEST_H

#include <stddef.h>
#include <stdint.h>

#include "dmarc_discover.h"
#include "dns.h"

enum mauth_report_dest_status {
	MAUTH_REPORT_DEST_OK = 0,
	MAUTH_REPORT_DEST_UNAUTHORISED,	/* external, not confirmed by its DNS */
	MAUTH_REPORT_DEST_TEMPERROR,	/* could not be checked now */
	MAUTH_REPORT_DEST_IGNORED,	/* ReportIgnoreDomains */
};

struct mauth_report_dest {
	char *address;			/* addr-spec to send to */
	char *domain;			/* its domain, lower case */
	uint64_t max_size;		/* "!size" of the URI; 0: none */
	bool external;
	enum mauth_report_dest_status status;
	char *why;			/* for anything but OK: the reason */
};

/*
 * mauth_report_dests - the destinations of rua (the row column: "mailto:
 * ADDR[!SIZE]" space-separated) for policy_domain, checked with dns by
 * the given discovery mode (psl required in RFC 7489 mode); ignore is a
 * NULL-terminated list or NULL.  Always succeeds; unusable destinations
 * carry their status and why.
 */
void mauth_report_dests(struct mauth_dns *dns, enum mauth_dmarc_mode mode,
    const struct mauth_dmarc_psl *psl, const char *policy_domain,
    const char *rua, const char *const *ignore,
    struct mauth_report_dest **dests_r, size_t *n_r);
void mauth_report_dests_free(struct mauth_report_dest **dests, size_t n);

/* mauth_report_domain_listed - domain is in list, or below one of its names */
bool mauth_report_domain_listed(const char *const *list, const char *domain);

const char *mauth_report_dest_status_name(enum mauth_report_dest_status s);

#endif
