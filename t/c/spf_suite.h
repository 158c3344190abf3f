/*
 * spf_suite.h - read an open-spf.org YAML test suite (t/vectors/spf) and
 * answer its zonedata through lib/dns (tests only)
 *
 * Each scenario's zonedata becomes a fresh in-memory resolver, built as
 * t/vectors/spf/FORMAT.md describes the reference driver: SPF entries are
 * served as TXT when the owner lists no TXT, "NONE" serves nothing, a bare
 * TIMEOUT makes every type the owner has no record of time out, and names
 * starting with "error." that zonedata does not list time out.
 *
 * Ownership: the strings of a case belong to the parsed document and the
 * resolver to the scenario; both are valid only during the callback.
 */
#ifndef MAUTH_T_SPF_SUITE_H
#define MAUTH_T_SPF_SUITE_H

#include <stddef.h>

#include "dns.h"

#define SPF_SUITE_MAX_RESULTS 8

struct spf_suite_case {
	const char *scenario;		/* the scenario's description */
	const char *id;			/* test id, unique in the file */
	const char *helo;
	const char *host;
	const char *mailfrom;
	const char *results[SPF_SUITE_MAX_RESULTS];	/* any one is accepted */
	size_t nresults;
	const char *explanation;	/* NULL when the suite gives none */
};

typedef void spf_suite_fn(void *arg, const struct spf_suite_case *c,
    struct mauth_dns *dns);

/*
 * spf_suite_run - call fn for every test case of the YAML file at path;
 * 0, or -1 with *error_r (malloc'd) when the file cannot be read or a
 * scenario's zonedata cannot be loaded
 */
int spf_suite_run(const char *path, spf_suite_fn *fn, void *arg, char **error_r);

#endif
