/*
 * dmarc_discover.h - DMARC policy discovery and Organizational Domains
 *
 * Two methods, chosen per configuration and recorded in every result
 * (RFC 9990 "discovery_method"):
 *
 *   treewalk (RFC 9989 4.10, the default): _dmarc lookups from the domain
 *     towards the root, at most 8 (a name of 8 or more labels jumps from
 *     its own lookup straight to its last 7 labels), stopping at a record
 *     with psd=y or psd=n.  The same walk gives the policy record (4.10.1)
 *     and the Organizational Domain (4.10.2).
 *   psl (RFC 7489 3.2 and 6.6.3): the Organizational Domain is the
 *     registrable domain of the Public Suffix List (libpsl, Debian's
 *     publicsuffix data); policy from _dmarc.<author>, else
 *     _dmarc.<organizational domain>.
 *
 * DNS outcomes stay distinct: TIMEOUT, SERVFAIL and ERROR make the step
 * (and so the discovery) a temperror; NXDOMAIN and NODATA mean "no record
 * here, go on".  Several DMARC records at one name are discarded (RFC 9989
 * 4.10 step 2: as if none were there; in psl mode RFC 7489 6.6.3 step 5
 * ends discovery instead).  Non-existence (for np=) follows RFC 9989
 * 3.2.13 / A.4: NXDOMAIN for the name; any other answer means it exists.
 *
 * Ownership: a struct mauth_dmarc_discover lives for one evaluation (one
 * message); it caches every lookup it made, and the records and lookups it
 * hands out stay valid until mauth_dmarc_discover_free().  The PSL is
 * loaded once per process or configuration and shared read-only by every
 * thread; it must outlive each discover object that uses it.
 */
#ifndef MAUTH_DMARC_DISCOVER_H
#define MAUTH_DMARC_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "dmarc_record.h"
#include "dns.h"

/* RFC 9989 4.10: no walk makes more lookups than this */
#define MAUTH_DMARC_WALK_MAX 8

struct mauth_dmarc_psl;

/*
 * mauth_dmarc_psl_load - load the Public Suffix List: from file (a .dat or
 * DAFSA file) or, with file NULL, the newest of libpsl's built-in list and
 * Debian's /usr/share/publicsuffix data (psl_latest).  NULL with *error_r
 * when nothing could be loaded.
 */
struct mauth_dmarc_psl *mauth_dmarc_psl_load(const char *file, char **error_r);
void mauth_dmarc_psl_free(struct mauth_dmarc_psl **psl);

/*
 * mauth_dmarc_psl_org_domain - RFC 7489 3.2: the public suffix plus one
 * label; a name that is itself a public suffix is its own Organizational
 * Domain.  domain is lower-case ASCII.  The caller frees the result.
 */
char *mauth_dmarc_psl_org_domain(const struct mauth_dmarc_psl *psl,
    const char *domain);

/* One TXT lookup at _dmarc.<domain>. */
struct mauth_dmarc_lookup {
	char *domain;				/* the name under _dmarc */
	enum mauth_dns_status status;
	unsigned ndmarc;			/* TXT records that start v=DMARC1 */
	enum mauth_dmarc_record_status rstatus;	/* of the one DMARC record */
	struct mauth_dmarc_record *record;	/* that record if usable, else NULL */
	char *problem;				/* DNS failure, bad or several records */
};

/* mauth_dmarc_lookup_temperror - did the lookup fail in a way that may pass? */
bool mauth_dmarc_lookup_temperror(const struct mauth_dmarc_lookup *l);

struct mauth_dmarc_walk {
	size_t nsteps;
	const struct mauth_dmarc_lookup *step[MAUTH_DMARC_WALK_MAX];
	bool failed;		/* stopped by a temporary DNS failure (last step) */
	char *org_domain;	/* RFC 9989 4.10.2; NULL when failed */
};

enum mauth_dmarc_found {
	MAUTH_DMARC_FOUND = 0,		/* a record applies to the author domain */
	MAUTH_DMARC_FOUND_NONE,		/* none: DMARC does not apply */
	MAUTH_DMARC_FOUND_TEMPERROR,	/* a lookup failed; try again later */
	MAUTH_DMARC_FOUND_PERMERROR,	/* the author domain's record is invalid */
};

struct mauth_dmarc_discovery {
	enum mauth_dmarc_found status;
	const struct mauth_dmarc_record *record;	/* FOUND; owned by the discover object */
	char *policy_domain;	/* FOUND: where the record was found */
	char *org_domain;	/* of the author domain, when already known */
	char *problem;		/* why not FOUND, or warnings along the way */
};

struct mauth_dmarc_discover;

/* mauth_dmarc_discover_new - psl is required in RFC 7489 mode, else unused */
struct mauth_dmarc_discover *mauth_dmarc_discover_new(struct mauth_dns *dns,
    enum mauth_dmarc_mode mode, const struct mauth_dmarc_psl *psl);
void mauth_dmarc_discover_free(struct mauth_dmarc_discover **d);

/* mauth_dmarc_discover_lookup - _dmarc.<domain> (normalised), cached */
const struct mauth_dmarc_lookup *mauth_dmarc_discover_lookup(
    struct mauth_dmarc_discover *d, const char *domain);

/*
 * mauth_dmarc_discover_walk - the RFC 9989 4.10 DNS tree walk from domain,
 * with the Organizational Domain of 4.10.2.  Fills *walk (clear it with
 * mauth_dmarc_walk_clear); lookups come from the cache when already made.
 */
void mauth_dmarc_discover_walk(struct mauth_dmarc_discover *d,
    const char *domain, struct mauth_dmarc_walk *walk);
void mauth_dmarc_walk_clear(struct mauth_dmarc_walk *walk);

/*
 * mauth_dmarc_discover_policy - the record that applies to author (RFC
 * 9989 4.10.1, or RFC 7489 6.6.3 in psl mode).  Fills *out (clear it with
 * mauth_dmarc_discovery_clear) and returns out->status.
 */
enum mauth_dmarc_found mauth_dmarc_discover_policy(struct mauth_dmarc_discover *d,
    const char *author, struct mauth_dmarc_discovery *out);
void mauth_dmarc_discovery_clear(struct mauth_dmarc_discovery *out);

/*
 * mauth_dmarc_discover_org_domain - the Organizational Domain of domain by
 * the configured method.  0 with *org_r (caller frees), or -1 with
 * *problem_r (caller frees) when a lookup failed temporarily.
 */
int mauth_dmarc_discover_org_domain(struct mauth_dmarc_discover *d,
    const char *domain, char **org_r, char **problem_r);

/*
 * mauth_dmarc_discover_exists - does domain exist (RFC 9989 3.2.13)?
 * 1 yes, 0 no (NXDOMAIN), -1 temporary failure with *problem_r.
 */
int mauth_dmarc_discover_exists(struct mauth_dmarc_discover *d,
    const char *domain, char **problem_r);

/* DNS queries sent so far (cache hits not counted) */
unsigned mauth_dmarc_discover_queries(const struct mauth_dmarc_discover *d);

enum mauth_dmarc_mode mauth_dmarc_discover_mode(const struct mauth_dmarc_discover *d);

/* "treewalk" / "psl", as RFC 9990 discovery_method spells them */
const char *mauth_dmarc_method_name(enum mauth_dmarc_mode mode);

#endif
