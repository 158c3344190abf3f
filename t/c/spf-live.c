/*
 * spf-live.c - SPF over a real DNS server: libunbound against unbound on
 * loopback, and the zone backend on the same files
 *
 * Run by t/spf-live.t, which starts unbound serving the zone files given
 * as arguments (DNS_ADDR, DNS_PORT); alone, without DNS_PORT, it skips.
 * Each case is the SPF table of t/data/zones/README.md: both backends must
 * give the documented result, so what passes in memory also passes on the
 * wire (TXT split into strings, NXDOMAIN vs NODATA for void lookups, PTR
 * and MX answers, CNAME-free authoritative data).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_unbound.h"
#include "dns_zone.h"
#include "spf.h"
#include "tap.h"

static const struct {
	const char *ip;
	const char *sender;
	enum mauth_spf_result want;
	const char *explanation;	/* NULL: not checked */
} cases[] = {
	{ "192.0.2.5", "u@example.org", MAUTH_SPF_PASS, NULL },
	{ "2001:db8::5", "u@example.org", MAUTH_SPF_PASS, NULL },
	{ "::ffff:192.0.2.5", "u@example.org", MAUTH_SPF_PASS, NULL },
	{ "198.51.100.25", "u@example.org", MAUTH_SPF_PASS, NULL },
	{ "203.0.113.9", "u@example.org", MAUTH_SPF_FAIL, NULL },
	{ "192.0.2.10", "u@softfail.example.org", MAUTH_SPF_PASS, NULL },
	{ "192.0.2.11", "u@softfail.example.org", MAUTH_SPF_SOFTFAIL, NULL },
	{ "192.0.2.11", "u@neutral.example.org", MAUTH_SPF_NEUTRAL, NULL },
	{ "203.0.113.200", "u@pass-all.example.org", MAUTH_SPF_PASS, NULL },
	{ "192.0.2.5", "u@permerror.example.org", MAUTH_SPF_PERMERROR, NULL },
	{ "192.0.2.5", "u@two-records.example.org", MAUTH_SPF_PERMERROR, NULL },
	{ "192.0.2.5", "u@unknown-mech.example.org", MAUTH_SPF_PERMERROR, NULL },
	{ "192.0.2.5", "u@void.example.org", MAUTH_SPF_PERMERROR, NULL },
	{ "192.0.2.5", "u@none.example.org", MAUTH_SPF_NONE, NULL },
	{ "192.0.2.5", "u@nx.example.org", MAUTH_SPF_NONE, NULL },
	{ "203.0.113.5", "u@include.example.org", MAUTH_SPF_PASS, NULL },
	{ "2001:db8:3::1", "u@include.example.org", MAUTH_SPF_PASS, NULL },
	{ "192.0.2.5", "u@include.example.org", MAUTH_SPF_FAIL, NULL },
	{ "198.51.100.7", "u@redirect.example.org", MAUTH_SPF_PASS, NULL },
	{ "192.0.2.200", "u@redirect.example.org", MAUTH_SPF_SOFTFAIL, NULL },
	{ "192.0.2.25", "u@a-mech.example.org", MAUTH_SPF_PASS, NULL },
	{ "2001:db8::25", "u@a-mech.example.org", MAUTH_SPF_PASS, NULL },
	{ "192.0.2.26", "u@a-mech.example.org", MAUTH_SPF_FAIL, NULL },
	{ "192.0.2.1", "u@ptr-mech.example.org", MAUTH_SPF_PASS, NULL },
	{ "192.0.2.25", "u@ptr-mech.example.org", MAUTH_SPF_PASS, NULL },
	{ "192.0.2.77", "u@ptr-mech.example.org", MAUTH_SPF_FAIL, NULL },
	{ "192.0.2.9", "u@split.example.org", MAUTH_SPF_PASS, NULL },
	{ "192.0.2.99", "u@exp.example.org", MAUTH_SPF_FAIL,
	    "192.0.2.99 is not one of exp.example.org's designated mail servers." },
	{ "198.51.100.1", "u@include-none.example.net", MAUTH_SPF_PERMERROR, NULL },
	{ "203.0.113.111", "u@too-many.example.net", MAUTH_SPF_PERMERROR, NULL },
	{ "192.0.2.77", "u@example.com", MAUTH_SPF_PASS, NULL },
	{ "203.0.113.99", "u@example.com", MAUTH_SPF_NEUTRAL, NULL },
};

static enum mauth_spf_result
run(struct mauth_dns *dns, size_t i, struct mauth_spf_outcome *out)
{
	struct mauth_spf_options opt;
	struct mauth_ip ip;

	memset(&opt, 0, sizeof(opt));
	opt.time_limit_ms = 10000;
	if (mauth_ip_parse(cases[i].ip, &ip) < 0)
		diag("bad address %s", cases[i].ip);
	return mauth_spf_check_mailfrom(dns, &opt, &ip, cases[i].sender,
	    "helo.example.net", out);
}

int
main(int argc, char **argv)
{
	const char *addr = getenv("DNS_ADDR"), *port = getenv("DNS_PORT");
	char server[64], *error = NULL;

	if (addr == NULL || port == NULL || *port == '\0')
		skip_all("run by t/spf-live.t (needs a server: DNS_ADDR, DNS_PORT)");
	snprintf(server, sizeof(server), "%s@%s", addr, port);
	const char *servers[] = { server, NULL };
	struct mauth_dns_unbound_config cfg = {
		.nameservers = servers, .timeout_ms = 3000,
	};
	struct mauth_dns *wire = mauth_dns_unbound_new(&cfg, &error);
	if (wire == NULL) {
		printf("Bail out! resolver for %s: %s\n", server, error);
		return 1;
	}
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	for (int i = 1; i < argc; i++) {
		if (mauth_dns_zone_load(mem, argv[i], NULL, &error) < 0) {
			printf("Bail out! %s\n", error);
			return 1;
		}
	}
	struct mauth_dns *table = mauth_dns_mem_resolver(mem, true);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mauth_spf_outcome a, b;
		enum mauth_spf_result ra = run(table, i, &a), rb = run(wire, i, &b);

		ok(ra == cases[i].want && rb == cases[i].want,
		    "%s from %s: zone backend %s, unbound %s (want %s)",
		    cases[i].sender, cases[i].ip, mauth_spf_result_name(ra),
		    mauth_spf_result_name(rb), mauth_spf_result_name(cases[i].want));
		if (ra != cases[i].want || rb != cases[i].want)
			diag("  problems: \"%s\" / \"%s\"", a.problem ? a.problem : "",
			    b.problem ? b.problem : "");
		if (cases[i].explanation != NULL) {
			is_str(a.explanation, cases[i].explanation, "  explanation (zone backend)");
			is_str(b.explanation, cases[i].explanation, "  explanation (unbound)");
		}
		mauth_spf_outcome_clear(&a);
		mauth_spf_outcome_clear(&b);
	}
	mauth_dns_free(&table);
	mauth_dns_free(&wire);
	return done_testing();
}
