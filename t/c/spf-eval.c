/*
 * spf-eval.c - check_host() behaviour beyond the conformance suite
 *
 * The outcome's fields (mechanism, problem, counters, scope, sender), DNS
 * statuses that must become temperror, the time budget, identities (HELO,
 * null reverse-path, unusable domains), the MX / PTR name limits, %{p}
 * preference, and when exp= is fetched.  DNS is an in-memory zone; the
 * time budget uses a backend that answers slowly.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns_mem.h"
#include "spf.h"
#include "tap.h"
#include "xmalloc.h"

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

static void
status(struct mauth_dns_mem *mem, const char *owner, uint16_t type,
    enum mauth_dns_status st)
{
	char *error = NULL;

	if (mauth_dns_mem_set_status(mem, owner, type, st, &error) < 0)
		diag("cannot set status of %s: %s", owner, error);
	free(error);
}

static struct mauth_dns_mem *
zone(void)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();

	txt(mem, "example.org", "v=spf1 ip4:192.0.2.0/24 include:inc.example.org "
	    "-all exp=why.%{d}");
	txt(mem, "example.org", "some other TXT record");
	txt(mem, "why.example.org", "%{i} may not send for %{d} as %{s} "
	    "(%{v}, %{c}, %{r}, %{t})");
	txt(mem, "inc.example.org", "v=spf1 ip6:2001:db8:1::/48 -all");
	txt(mem, "noexp.example.org", "v=spf1 -all");
	txt(mem, "badexp.example.org", "v=spf1 -all exp=badwhy.example.org");
	txt(mem, "badwhy.example.org", "The %{x}-files.");
	txt(mem, "mail.example.org", "v=spf1 a -all");
	rr(mem, "mail.example.org", "A", "192.0.2.20");
	rr(mem, "mail.example.org", "AAAA", "2001:db8::1");
	txt(mem, "dual.example.org", "v=spf1 a:mail.example.org//64 -all");
	txt(mem, "servfail.example.org", "v=spf1 a:broken.example.org -all");
	status(mem, "broken.example.org", MAUTH_DNS_T_A, MAUTH_DNS_SERVFAIL);
	txt(mem, "error.example.org", "v=spf1 mx:refused.example.org -all");
	status(mem, "refused.example.org", 0, MAUTH_DNS_ERROR);
	txt(mem, "inctimeout.example.org", "v=spf1 include:slow.example.org -all");
	status(mem, "slow.example.org", MAUTH_DNS_T_TXT, MAUTH_DNS_TIMEOUT);
	txt(mem, "syntax.example.org", "v=spf1 a:foo-bar -all");
	txt(mem, "two.example.org", "v=spf1 -all");
	txt(mem, "two.example.org", "v=spf1 +all");
	txt(mem, "incnone.example.org", "v=spf1 include:nospf.example.org -all");
	rr(mem, "nospf.example.org", "A", "192.0.2.99");
	txt(mem, "rednone.example.org", "v=spf1 redirect=nospf.example.org");
	txt(mem, "void.example.org", "v=spf1 a:n1.example.org a:n2.example.org "
	    "a:n3.example.org -all");
	txt(mem, "loop.example.org", "v=spf1 include:loop.example.org -all");
	txt(mem, "cname.example.org", "v=spf1 include:alias.example.org -all");
	rr(mem, "alias.example.org", "CNAME", "inc.example.org.");
	return mem;
}

struct slow {
	struct mauth_dns *inner;
};

static enum mauth_dns_status
slow_lookup(void *backend, const char *name, uint16_t type,
    struct mauth_dns_answer *ans)
{
	struct slow *s = backend;
	struct timespec ts = { 0, 30 * 1000000L };

	nanosleep(&ts, NULL);
	return s->inner->ops->lookup(s->inner->backend, name, type, ans);
}

static void
slow_free(void *backend)
{
	struct slow *s = backend;

	mauth_dns_free(&s->inner);
	free(s);
}

static const struct mauth_dns_ops slow_ops = { "slow", slow_lookup, slow_free };

static enum mauth_spf_result
check(struct mauth_dns *dns, const char *ip, const char *sender,
    struct mauth_spf_outcome *out)
{
	struct mauth_spf_options opt;
	struct mauth_ip addr;

	memset(&opt, 0, sizeof(opt));
	opt.receiver = "mx.receiver.example";
	opt.now = 1234567890;
	if (mauth_ip_parse(ip, &addr) < 0)
		diag("bad address %s", ip);
	return mauth_spf_check_mailfrom(dns, &opt, &addr, sender, "helo.example.net", out);
}

static void
test_outcome(struct mauth_dns *dns)
{
	struct mauth_spf_outcome out;

	is_int(check(dns, "192.0.2.7", "user@example.org", &out), MAUTH_SPF_PASS,
	    "ip4 match passes");
	is_str(out.mechanism, "ip4:192.0.2.0/24", "  the matching term");
	is_str(out.sender, "user@example.org", "  sender");
	is_str(out.domain, "example.org", "  domain");
	is_int(out.scope, MAUTH_SPF_SCOPE_MFROM, "  scope mfrom");
	is_int(out.dns_terms, 0, "  no DNS-querying term evaluated");
	ok(out.explanation == NULL && out.problem == NULL, "  no explanation, no problem");
	mauth_spf_outcome_clear(&out);
	ok(out.sender == NULL, "outcome_clear empties the outcome");

	is_int(check(dns, "2001:db8:1::5", "user@example.org", &out), MAUTH_SPF_PASS,
	    "include match passes");
	is_str(out.mechanism, "include:inc.example.org", "  the include is the matching term");
	is_int(out.dns_terms, 1, "  one DNS-querying term");
	mauth_spf_outcome_clear(&out);

	is_int(check(dns, "2001:db8:1::5", "user@cname.example.org", &out),
	    MAUTH_SPF_PASS, "include of a CNAME to a record passes");
	mauth_spf_outcome_clear(&out);

	is_int(check(dns, "198.51.100.1", "user@example.org", &out), MAUTH_SPF_FAIL,
	    "-all fails");
	is_str(out.mechanism, "-all", "  the matching term");
	is_str(out.explanation, "198.51.100.1 may not send for example.org as "
	    "user@example.org (in-addr, 198.51.100.1, mx.receiver.example, "
	    "1234567890)", "  exp= text expanded with c, r, t");
	mauth_spf_outcome_clear(&out);

	is_int(check(dns, "::ffff:198.51.100.1", "user@example.org", &out),
	    MAUTH_SPF_FAIL, "IPv4-mapped client fails like IPv4");
	like_str(out.explanation, "(in-addr, 198.51.100.1,", "  and is shown as IPv4");
	mauth_spf_outcome_clear(&out);
	is_int(check(dns, "::ffff:192.0.2.7", "user@example.org", &out),
	    MAUTH_SPF_PASS, "IPv4-mapped client matches ip4:");
	mauth_spf_outcome_clear(&out);

	is_int(check(dns, "198.51.100.1", "user@noexp.example.org", &out),
	    MAUTH_SPF_FAIL, "fail without exp=");
	is_str(out.explanation, "noexp.example.org does not designate 198.51.100.1 "
	    "as a permitted sender of user@noexp.example.org",
	    "  built-in default explanation");
	mauth_spf_outcome_clear(&out);
	is_int(check(dns, "198.51.100.1", "user@badexp.example.org", &out),
	    MAUTH_SPF_FAIL, "fail with a bad explain-string");
	like_str(out.explanation, "does not designate", "  falls back to the default");
	mauth_spf_outcome_clear(&out);
}

static void
test_exp_lookups(struct mauth_dns *dns)
{
	struct mauth_spf_outcome out;
	unsigned long before = atomic_load(&dns->stats.queries);

	check(dns, "192.0.2.7", "user@example.org", &out);
	is_int((long long)(atomic_load(&dns->stats.queries) - before), 1,
	    "a pass does not fetch exp= (one query: the record)");
	mauth_spf_outcome_clear(&out);
	before = atomic_load(&dns->stats.queries);
	check(dns, "198.51.100.1", "user@example.org", &out);
	/* record, include's record, exp TXT */
	is_int((long long)(atomic_load(&dns->stats.queries) - before), 3,
	    "a fail fetches exp= once");
	mauth_spf_outcome_clear(&out);
}

static void
test_errors(struct mauth_dns *dns)
{
	struct mauth_spf_outcome out;

	is_int(check(dns, "192.0.2.1", "u@servfail.example.org", &out),
	    MAUTH_SPF_TEMPERROR, "SERVFAIL on a: target is temperror");
	like_str(out.problem, "a:broken.example.org", "  problem names the term");
	like_str(out.problem, "SERVFAIL", "  and the status");
	mauth_spf_outcome_clear(&out);
	is_int(check(dns, "192.0.2.1", "u@error.example.org", &out),
	    MAUTH_SPF_TEMPERROR, "ERROR (REFUSED etc.) on mx: target is temperror");
	like_str(out.problem, "ERROR", "  problem names the status");
	mauth_spf_outcome_clear(&out);
	is_int(check(dns, "192.0.2.1", "u@inctimeout.example.org", &out),
	    MAUTH_SPF_TEMPERROR, "TIMEOUT on an include's record is temperror");
	like_str(out.problem, "slow.example.org: TXT lookup: TIMEOUT", "  problem");
	mauth_spf_outcome_clear(&out);
	is_int(check(dns, "192.0.2.1", "u@syntax.example.org", &out),
	    MAUTH_SPF_PERMERROR, "syntax error is permerror");
	like_str(out.problem, "syntax.example.org: term \"a:foo-bar\"",
	    "  problem names the domain and the term");
	mauth_spf_outcome_clear(&out);
	is_int(check(dns, "192.0.2.1", "u@two.example.org", &out),
	    MAUTH_SPF_PERMERROR, "two v=spf1 records are permerror");
	like_str(out.problem, "2 TXT records start with v=spf1", "  problem");
	mauth_spf_outcome_clear(&out);
	is_int(check(dns, "192.0.2.1", "u@incnone.example.org", &out),
	    MAUTH_SPF_PERMERROR, "include of a domain without record is permerror");
	like_str(out.problem, "include:nospf.example.org", "  problem names the include");
	mauth_spf_outcome_clear(&out);
	is_int(check(dns, "192.0.2.1", "u@rednone.example.org", &out),
	    MAUTH_SPF_PERMERROR, "redirect to a domain without record is permerror");
	like_str(out.problem, "redirect=nospf.example.org", "  problem names the redirect");
	mauth_spf_outcome_clear(&out);
	is_int(check(dns, "192.0.2.1", "u@void.example.org", &out),
	    MAUTH_SPF_PERMERROR, "a third void lookup is permerror");
	like_str(out.problem, "a:n3.example.org: more than 2 void lookups", "  problem");
	is_int(out.void_lookups, 3, "  void lookups counted");
	mauth_spf_outcome_clear(&out);
	is_int(check(dns, "192.0.2.1", "u@loop.example.org", &out),
	    MAUTH_SPF_PERMERROR, "include loop is permerror");
	like_str(out.problem, "more than 10 DNS-querying terms", "  problem");
	is_int(out.dns_terms, 11, "  stopped at the eleventh term");
	mauth_spf_outcome_clear(&out);
	is_int(check(dns, "192.0.2.1", "u@nothing.example.org", &out),
	    MAUTH_SPF_NONE, "no record is none");
	like_str(out.problem, "no SPF record at nothing.example.org (NXDOMAIN)", "  problem");
	mauth_spf_outcome_clear(&out);
}

static void
test_identities(struct mauth_dns *dns)
{
	struct mauth_spf_options opt;
	struct mauth_spf_outcome out;
	struct mauth_ip ip;

	memset(&opt, 0, sizeof(opt));
	mauth_ip_parse("192.0.2.20", &ip);
	is_int(mauth_spf_check_helo(dns, &opt, &ip, "mail.example.org", &out),
	    MAUTH_SPF_PASS, "HELO identity");
	is_int(out.scope, MAUTH_SPF_SCOPE_HELO, "  scope helo");
	is_str(out.sender, "postmaster@mail.example.org", "  sender postmaster@helo");
	mauth_spf_outcome_clear(&out);
	is_int(mauth_spf_check_mailfrom(dns, &opt, &ip, "", "mail.example.org", &out),
	    MAUTH_SPF_PASS, "null reverse-path checks the HELO identity");
	is_int(out.scope, MAUTH_SPF_SCOPE_HELO, "  scope helo");
	mauth_spf_outcome_clear(&out);
	is_int(mauth_spf_check_mailfrom(dns, &opt, &ip, "@mail.example.org.", "x", &out),
	    MAUTH_SPF_PASS, "no local-part, trailing dot");
	is_str(out.sender, "postmaster@mail.example.org", "  sender postmaster@domain");
	is_str(out.domain, "mail.example.org", "  trailing dot dropped");
	is_int(out.scope, MAUTH_SPF_SCOPE_MFROM, "  scope mfrom");
	mauth_spf_outcome_clear(&out);

	static const char *unusable[] = {
		"u@[192.0.2.1]", "u@localhost", "u@192.0.2.1", "u@a..example.org",
		"u@bad_char!.example.org", "u@",
	};
	for (size_t i = 0; i < sizeof(unusable) / sizeof(unusable[0]); i++) {
		unsigned long before = atomic_load(&dns->stats.queries);

		is_int(mauth_spf_check_mailfrom(dns, &opt, &ip, unusable[i], "x", &out),
		    MAUTH_SPF_NONE, "%s gives none", unusable[i]);
		like_str(out.problem, "section 4.3", "  problem cites section 4.3");
		is_int((long long)(atomic_load(&dns->stats.queries) - before), 0,
		    "  without any DNS query");
		mauth_spf_outcome_clear(&out);
	}
	is_int(mauth_spf_check_helo(dns, &opt, &ip, "[192.0.2.1]", &out),
	    MAUTH_SPF_NONE, "HELO address literal gives none");
	mauth_spf_outcome_clear(&out);
	mauth_ip_parse("2001:db8::5", &ip);
	is_int(mauth_spf_check_mailfrom(dns, &opt, &ip, "u@dual.example.org", "x", &out),
	    MAUTH_SPF_PASS, "IPv6 client against a://64");
	mauth_spf_outcome_clear(&out);
}

static void
test_name_limits(void)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	struct mauth_spf_outcome out;
	char owner[64], host[64];

	txt(mem, "mx.example.com", "v=spf1 mx -all");
	txt(mem, "nullmx.example.com", "v=spf1 mx -all");
	rr(mem, "nullmx.example.com", "MX", "0 .");
	for (int i = 1; i <= 11; i++) {
		snprintf(host, sizeof(host), "%d mx%d.example.com.", i, i);
		rr(mem, "mx.example.com", "MX", host);
		snprintf(owner, sizeof(owner), "mx%d.example.com", i);
		rr(mem, owner, "A", "192.0.2.1");
	}
	/* 11 PTR names, all validating; only the 11th is under ptr10.example.com,
	 * the second is p.example.com itself */
	txt(mem, "ptr10.example.com", "v=spf1 ptr -all");
	txt(mem, "ptr1.example.com", "v=spf1 ptr -all");
	txt(mem, "p.example.com", "v=spf1 -all exp=pmsg.example.com");
	txt(mem, "pmsg.example.com", "p=%{p}");
	for (int i = 1; i <= 11; i++) {
		if (i == 1 || i == 11)
			snprintf(host, sizeof(host), "host.ptr%d.example.com.", i - 1 ? 10 : 1);
		else if (i == 2)
			strcpy(host, "p.example.com.");
		else
			snprintf(host, sizeof(host), "host.other%d.example.com.", i);
		rr(mem, "3.2.0.192.in-addr.arpa", "PTR", host);
		snprintf(owner, sizeof(owner), "%.*s", (int)strlen(host) - 1, host);
		rr(mem, owner, "A", "192.0.2.3");
	}
	struct mauth_dns *dns = mauth_dns_mem_resolver(mem, true);

	is_int(check(dns, "192.0.2.1", "u@mx.example.com", &out), MAUTH_SPF_PERMERROR,
	    "more than 10 MX names is permerror");
	like_str(out.problem, "11 MX records, more than 10", "  problem");
	mauth_spf_outcome_clear(&out);
	unsigned long before = atomic_load(&dns->stats.queries);
	is_int(check(dns, "192.0.2.1", "u@nullmx.example.com", &out), MAUTH_SPF_FAIL,
	    "null MX matches nothing");
	is_int((long long)(atomic_load(&dns->stats.queries) - before), 2,
	    "  and asks for no address");
	mauth_spf_outcome_clear(&out);
	is_int(check(dns, "192.0.2.3", "u@ptr10.example.com", &out), MAUTH_SPF_FAIL,
	    "a PTR name past the tenth is ignored");
	mauth_spf_outcome_clear(&out);
	is_int(check(dns, "192.0.2.3", "u@ptr1.example.com", &out), MAUTH_SPF_PASS,
	    "a validated PTR name among the first ten matches");
	mauth_spf_outcome_clear(&out);
	is_int(check(dns, "192.0.2.3", "u@p.example.com", &out), MAUTH_SPF_FAIL,
	    "%%{p} in exp=");
	is_str(out.explanation, "p=p.example.com", "  %%{p} prefers <domain> itself");
	mauth_spf_outcome_clear(&out);
	mauth_dns_free(&dns);
}

static void
test_time_limit(void)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	struct slow *s = xcalloc(1, sizeof(*s));
	struct mauth_spf_options opt;
	struct mauth_spf_outcome out;
	struct mauth_ip ip;

	txt(mem, "slow.example.com", "v=spf1 a:h.example.com a:h.example.com "
	    "a:h.example.com a:h.example.com a:h.example.com -all");
	rr(mem, "h.example.com", "A", "192.0.2.77");
	s->inner = mauth_dns_mem_resolver(mem, true);
	struct mauth_dns *dns = mauth_dns_new(&slow_ops, s);
	memset(&opt, 0, sizeof(opt));
	opt.time_limit_ms = 70;
	mauth_ip_parse("192.0.2.1", &ip);
	is_int(mauth_spf_check_mailfrom(dns, &opt, &ip, "u@slow.example.com", "x", &out),
	    MAUTH_SPF_TEMPERROR, "running past time_limit_ms is temperror");
	like_str(out.problem, "time limit of 70 ms exceeded", "  problem");
	mauth_spf_outcome_clear(&out);
	opt.time_limit_ms = 5000;
	is_int(mauth_spf_check_mailfrom(dns, &opt, &ip, "u@slow.example.com", "x", &out),
	    MAUTH_SPF_FAIL, "the same check within its budget completes");
	mauth_spf_outcome_clear(&out);
	mauth_dns_free(&dns);
}

struct worker {
	struct mauth_dns *dns;
	unsigned wrong;
};

/* worker_run - the same checks over and over; any other result is wrong */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct mauth_spf_outcome out;

	for (int i = 0; i < 200; i++) {
		w->wrong += check(w->dns, "192.0.2.7", "u@example.org", &out) != MAUTH_SPF_PASS;
		mauth_spf_outcome_clear(&out);
		w->wrong += check(w->dns, "198.51.100.1", "u@example.org", &out) != MAUTH_SPF_FAIL ||
		    out.explanation == NULL ||
		    strncmp(out.explanation, "198.51.100.1 may not", 20) != 0;
		mauth_spf_outcome_clear(&out);
		w->wrong += check(w->dns, "192.0.2.1", "u@loop.example.org", &out) != MAUTH_SPF_PERMERROR;
		mauth_spf_outcome_clear(&out);
	}
	return NULL;
}

/* test_threads - one resolver, several threads checking at once */
static void
test_threads(struct mauth_dns *dns)
{
	struct worker w[4];
	pthread_t th[4];
	unsigned wrong = 0;

	for (int i = 0; i < 4; i++) {
		w[i].dns = dns;
		w[i].wrong = 0;
		pthread_create(&th[i], NULL, worker_run, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		wrong += w[i].wrong;
	}
	is_int(wrong, 0, "4 threads x 600 checks on one resolver: every result right");
}

int
main(void)
{
	struct mauth_dns *dns = mauth_dns_mem_resolver(zone(), true);

	test_outcome(dns);
	test_exp_lookups(dns);
	test_errors(dns);
	test_identities(dns);
	test_threads(dns);
	mauth_dns_free(&dns);
	test_name_limits();
	test_time_limit();
	is_str(mauth_spf_result_name(MAUTH_SPF_SOFTFAIL), "softfail", "result names");
	return done_testing();
}
