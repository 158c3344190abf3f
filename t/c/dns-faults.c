/*
 * dns-faults.c - every DNS failure at every place a verdict asks DNS
 *
 * The lib-level half of the DNS fault matrix (t/dns-faults.t is the half
 * through mauthd and a real DNS server).  For SPF (RFC 7208), each lookup
 * check_host() makes - the domain's record, an include: or redirect=
 * target's record, the a:, mx: (and the exchanges' addresses), ptr: (and
 * the validating address lookups), exists: and exp= lookups - is made to
 * answer NODATA, NXDOMAIN, SERVFAIL, TIMEOUT and ERROR in turn, on the
 * in-memory backend, and the result is held to the RFC:
 *   - the domain's own record: none for a missing name or record (4.3,
 *     4.5), temperror for a failure (4.4);
 *   - include/redirect target: permerror when there is no record (5.2,
 *     6.1), temperror for a failure;
 *   - a, mx, exists: a missing answer does not match (and is a void
 *     lookup, 4.6.4, except for an MX exchange's address), a failure is
 *     temperror (5, 2.6.6);
 *   - ptr: any DNS error just does not match (5.5), for the PTR lookup and
 *     for the address lookups that validate its names;
 *   - exp=: any failure falls back to the default explanation (6.2), the
 *     result stays fail.
 * Each case also checks that a failure's outcome names the looked-up name.
 * DKIM key records and DMARC records join this matrix when they land.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_mem.h"
#include "spf.h"
#include "tap.h"

#define CLIENT "192.0.2.10"

static void
rr(struct mauth_dns_mem *mem, const char *owner, const char *type,
    const char *rdata)
{
	char *error = NULL;

	if (mauth_dns_mem_add_text(mem, owner, mauth_dns_type_parse(type), 300,
	    rdata, NULL, &error) < 0)
		diag("cannot add %s %s %s: %s", owner, type, rdata, error);
	free(error);
}

static void
txt(struct mauth_dns_mem *mem, const char *owner, const char *text)
{
	char *error = NULL;

	if (mauth_dns_mem_add_txt(mem, owner, &text, 1, &error) < 0)
		diag("cannot add TXT %s: %s", owner, error);
	free(error);
}

/*
 * One place check_host() asks DNS.  The sender's domain is "d.example";
 * the (name, type) lookup is the one made to fail.  want_missing is the
 * result when it answers NODATA or NXDOMAIN, want_failed when it answers
 * SERVFAIL, TIMEOUT or ERROR.
 */
struct place {
	const char *what;
	const char *record;		/* d.example's SPF record */
	const char *name;		/* the lookup that fails */
	uint16_t type;
	enum mauth_spf_result want_missing;
	enum mauth_spf_result want_failed;
};

static const struct place places[] = {
	{ "the domain's own TXT record", "v=spf1 ip4:" CLIENT " -all",
	  "d.example", MAUTH_DNS_T_TXT, MAUTH_SPF_NONE, MAUTH_SPF_TEMPERROR },
	{ "include: target's TXT record", "v=spf1 include:inc.example -all",
	  "inc.example", MAUTH_DNS_T_TXT, MAUTH_SPF_PERMERROR, MAUTH_SPF_TEMPERROR },
	{ "redirect= target's TXT record", "v=spf1 redirect=red.example",
	  "red.example", MAUTH_DNS_T_TXT, MAUTH_SPF_PERMERROR, MAUTH_SPF_TEMPERROR },
	{ "a: target's A record", "v=spf1 a:host.example ?all",
	  "host.example", MAUTH_DNS_T_A, MAUTH_SPF_NEUTRAL, MAUTH_SPF_TEMPERROR },
	{ "mx: target's MX record", "v=spf1 mx:mxd.example ?all",
	  "mxd.example", MAUTH_DNS_T_MX, MAUTH_SPF_NEUTRAL, MAUTH_SPF_TEMPERROR },
	{ "an MX exchange's A record", "v=spf1 mx:mxd.example ?all",
	  "mx1.example", MAUTH_DNS_T_A, MAUTH_SPF_NEUTRAL, MAUTH_SPF_TEMPERROR },
	{ "exists: target's A record", "v=spf1 exists:%{l}.ex.example ?all",
	  "user.ex.example", MAUTH_DNS_T_A, MAUTH_SPF_NEUTRAL, MAUTH_SPF_TEMPERROR },
	{ "ptr: the client's PTR record", "v=spf1 ptr:ptr.example ?all",
	  "10.2.0.192.in-addr.arpa", MAUTH_DNS_T_PTR, MAUTH_SPF_NEUTRAL, MAUTH_SPF_NEUTRAL },
	{ "ptr: the PTR name's A record", "v=spf1 ptr:ptr.example ?all",
	  "h.ptr.example", MAUTH_DNS_T_A, MAUTH_SPF_NEUTRAL, MAUTH_SPF_NEUTRAL },
	{ "exp= target's TXT record", "v=spf1 -all exp=why.example",
	  "why.example", MAUTH_DNS_T_TXT, MAUTH_SPF_FAIL, MAUTH_SPF_FAIL },
};

static const enum mauth_dns_status statuses[] = {
	MAUTH_DNS_NODATA, MAUTH_DNS_NXDOMAIN, MAUTH_DNS_SERVFAIL,
	MAUTH_DNS_TIMEOUT, MAUTH_DNS_ERROR,
};

/*
 * zone - every name any place needs, answering so that with no fault each
 * record above would match (or, for exp=, explain): the fault alone
 * decides the result.
 */
static struct mauth_dns_mem *
zone(const char *record)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();

	txt(mem, "d.example", record);
	txt(mem, "inc.example", "v=spf1 ip4:" CLIENT " -all");
	txt(mem, "red.example", "v=spf1 ip4:" CLIENT " -all");
	rr(mem, "host.example", "A", CLIENT);
	rr(mem, "mxd.example", "MX", "10 mx1.example.");
	rr(mem, "mx1.example", "A", CLIENT);
	rr(mem, "user.ex.example", "A", "127.0.0.2");
	rr(mem, "10.2.0.192.in-addr.arpa", "PTR", "h.ptr.example.");
	rr(mem, "h.ptr.example", "A", CLIENT);
	txt(mem, "why.example", "custom explanation for %{i}");
	return mem;
}

static enum mauth_spf_result
check(struct mauth_dns *dns, struct mauth_spf_outcome *out)
{
	struct mauth_spf_options opt = { .receiver = "mx.example", .now = 1 };
	struct mauth_ip ip;

	mauth_ip_parse(CLIENT, &ip);
	memset(out, 0, sizeof(*out));
	return mauth_spf_check_mailfrom(dns, &opt, &ip, "user@d.example",
	    "helo.example", out);
}

/* baseline - with no fault, each record matches: pass (exp=: fail, explained) */
static enum mauth_spf_result
baseline(const struct place *p)
{
	return strstr(p->record, "exp=") != NULL ? MAUTH_SPF_FAIL : MAUTH_SPF_PASS;
}

static void
test_place(const struct place *p)
{
	struct mauth_spf_outcome out;
	struct mauth_dns *dns;

	/* without a fault the record matches: the fault alone decides */
	dns = mauth_dns_mem_resolver(zone(p->record), true);
	is_int(check(dns, &out), baseline(p), "%s: no fault: %s", p->what,
	    mauth_spf_result_name(baseline(p)));
	if (strcmp(p->name, "why.example") == 0)
		is_str(out.explanation, "custom explanation for " CLIENT,
		    "  the exp= text explains");
	mauth_spf_outcome_clear(&out);
	mauth_dns_free(&dns);

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		struct mauth_dns_mem *mem = zone(p->record);
		enum mauth_dns_status st = statuses[i];
		bool missing = st == MAUTH_DNS_NODATA || st == MAUTH_DNS_NXDOMAIN;
		enum mauth_spf_result want = missing ? p->want_missing : p->want_failed;
		char *error = NULL;

		if (mauth_dns_mem_set_status(mem, p->name, p->type, st, &error) < 0)
			diag("set_status %s: %s", p->name, error);
		free(error);
		dns = mauth_dns_mem_resolver(mem, true);
		is_int(check(dns, &out), want, "%s: %s -> %s", p->what,
		    mauth_dns_status_name(st), mauth_spf_result_name(want));
		if (want == MAUTH_SPF_TEMPERROR || want == MAUTH_SPF_PERMERROR)
			ok(out.problem != NULL && strstr(out.problem, p->name) != NULL,
			    "  the problem names %s: %s", p->name,
			    out.problem ? out.problem : "(none)");
		if (want == MAUTH_SPF_FAIL && strcmp(p->name, "why.example") == 0)
			ok(out.explanation != NULL &&
			    strstr(out.explanation, "custom") == NULL,
			    "  the default explanation: %s",
			    out.explanation ? out.explanation : "(none)");
		/* only a term's own query counts (lib/spf_eval.c says why) */
		if (missing && want == MAUTH_SPF_NEUTRAL) {
			bool counted = strncmp(p->what, "an MX exchange", 14) != 0 &&
			    strcmp(p->what, "ptr: the PTR name's A record") != 0;
			is_int(out.void_lookups, counted, "  %s as a void lookup",
			    counted ? "counted" : "not counted");
		}
		mauth_spf_outcome_clear(&out);
		mauth_dns_free(&dns);
	}
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++)
		test_place(&places[i]);
	return done_testing();
}
