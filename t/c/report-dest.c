/*
 * report-dest.c - report destinations (RFC 9990 section 3): the policy's
 * own domain, external ones confirmed or not by
 * <policy-domain>._report._dmarc.<host> TXT, a confirming record's rua=
 * override (same host only), DNS failures left for later,
 * ReportIgnoreDomains, size limits kept; in both discovery modes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc_discover.h"
#include "dns_mem.h"
#include "dns_zone.h"
#include "report_dest.h"
#include "tap.h"

static const char zone[] =
    "$TTL 300\n"
    "_dmarc.example.org. IN TXT \"v=DMARC1; p=reject\"\n"
    "example.org._report._dmarc.vendor.example. IN TXT \"v=DMARC1\"\n"
    "example.org._report._dmarc.moving.example. IN TXT \"v=DMARC1; rua=mailto:new@moving.example\"\n"
    "example.org._report._dmarc.hijack.example. IN TXT \"v=DMARC1; rua=mailto:x@victim.example\"\n"
    "example.org._report._dmarc.notdmarc.example. IN TXT \"v=spf1 -all\"\n"
    "*._report._dmarc.anyone.example. IN TXT \"v=DMARC1;\"\n";

static struct mauth_dns *
resolver(void)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	char *error = NULL;

	if (mauth_dns_zone_parse(mem, zone, sizeof(zone) - 1, "zone", NULL, &error) < 0 ||
	    mauth_dns_mem_set_status(mem, "example.org._report._dmarc.slow.example",
	    MAUTH_DNS_T_TXT, MAUTH_DNS_TIMEOUT, &error) < 0) {
		printf("Bail out! %s\n", error);
		exit(1);
	}
	return mauth_dns_mem_resolver(mem, true);
}

static const struct {
	const char *rua;
	const char *address;	/* after any override */
	enum mauth_report_dest_status status;
	bool external;
	const char *why;	/* contained in why */
} cases[] = {
	{ "mailto:agg@example.org", "agg@example.org", MAUTH_REPORT_DEST_OK, false, NULL },
	{ "mailto:agg@reports.example.org", "agg@reports.example.org",
	  MAUTH_REPORT_DEST_OK, false, NULL },
	{ "mailto:d@vendor.example", "d@vendor.example", MAUTH_REPORT_DEST_OK, true, NULL },
	{ "mailto:d@anyone.example", "d@anyone.example", MAUTH_REPORT_DEST_OK, true, NULL },
	{ "mailto:d@stranger.example", "d@stranger.example",
	  MAUTH_REPORT_DEST_UNAUTHORISED, true,
	  "no v=DMARC1 record at example.org._report._dmarc.stranger.example" },
	{ "mailto:d@notdmarc.example", "d@notdmarc.example",
	  MAUTH_REPORT_DEST_UNAUTHORISED, true, "not authorised" },
	{ "mailto:old@moving.example", "new@moving.example", MAUTH_REPORT_DEST_OK, true, NULL },
	{ "mailto:d@hijack.example", "d@hijack.example",
	  MAUTH_REPORT_DEST_UNAUTHORISED, true, "x@victim.example, another host" },
	{ "mailto:d@slow.example", "d@slow.example", MAUTH_REPORT_DEST_TEMPERROR, true,
	  "TIMEOUT" },
	{ "mailto:d@ignored.example", "d@ignored.example", MAUTH_REPORT_DEST_IGNORED,
	  false, "ReportIgnoreDomains" },
	{ "mailto:d@sub.ignored.example", "d@sub.ignored.example",
	  MAUTH_REPORT_DEST_IGNORED, false, "ReportIgnoreDomains" },
};

static void
test_cases(struct mauth_dns *dns, enum mauth_dmarc_mode mode,
    const struct mauth_dmarc_psl *psl)
{
	static const char *const ignore[] = { "ignored.example", NULL };
	const char *mname = mauth_dmarc_method_name(mode);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mauth_report_dest *d;
		size_t n;

		mauth_report_dests(dns, mode, psl, "example.org", cases[i].rua,
		    ignore, &d, &n);
		if (!is_int((long long)n, 1, "%s: %s: one destination", mname,
		    cases[i].rua))
			continue;
		is_int(d[0].status, cases[i].status, "  %s",
		    mauth_report_dest_status_name(cases[i].status));
		is_str(d[0].address, cases[i].address, "  to %s", cases[i].address);
		if (cases[i].status != MAUTH_REPORT_DEST_IGNORED)
			ok(d[0].external == cases[i].external, "  %s",
			    cases[i].external ? "external" : "same organisation");
		if (cases[i].why != NULL)
			like_str(d[0].why, cases[i].why, "  why");
		mauth_report_dests_free(&d, n);
	}
}

int
main(void)
{
	struct mauth_dns *dns = resolver();
	struct mauth_report_dest *d;
	struct mauth_dmarc_psl *psl;
	char *error = NULL;
	size_t n;

	test_cases(dns, MAUTH_DMARC_MODE_RFC9989, NULL);
	psl = mauth_dmarc_psl_load(NULL, &error);
	if (psl != NULL)
		test_cases(dns, MAUTH_DMARC_MODE_RFC7489, psl);
	else
		diag("no PSL (%s): psl mode not tested", error);
	mauth_dmarc_psl_free(&psl);

	mauth_report_dests(dns, MAUTH_DMARC_MODE_RFC9989, NULL, "example.org",
	    "mailto:a@example.org!10000 mailto:b@example.org", NULL, &d, &n);
	is_int((long long)n, 2, "two URIs: two destinations");
	if (n == 2) {
		is_int((long long)d[0].max_size, 10000, "  the first with its size limit");
		is_int((long long)d[1].max_size, 0, "  the second without");
	}
	mauth_report_dests_free(&d, n);
	ok(mauth_report_domain_listed((const char *const[]){ "x.example", NULL },
	    "a.x.example") && !mauth_report_domain_listed((const char *const[]){
	    "x.example", NULL }, "ax.example"), "listed: subdomains, not suffixes");
	mauth_dns_free(&dns);
	return done_testing();
}
