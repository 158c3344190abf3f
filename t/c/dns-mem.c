/*
 * dns-mem.c - the in-memory DNS backend and RFC 1035 presentation rdata
 *
 * Every lookup branch of dns_mem.h: injected statuses, CNAME chains and
 * loops, OK / NODATA / empty non-terminal / RFC 4592 wildcard / NXDOMAIN,
 * plus the presentation parser shared with the zone files.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_mem.h"
#include "dns_rdata.h"
#include "tap.h"

/* add - add one record from text or fail the test */
static void
add(struct mauth_dns_mem *mem, const char *owner, const char *type,
    const char *rdata, const char *origin)
{
	char *error = NULL;
	int rc = mauth_dns_mem_add_text(mem, owner, mauth_dns_type_parse(type),
	    3600, rdata, origin, &error);

	if (rc < 0)
		diag("cannot add %s %s %s: %s", owner, type, rdata, error);
	free(error);
}

/* bad_text - add_text refuses rdata and says why */
static void
bad_text(const char *type, const char *rdata, const char *want)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	char *error = NULL;
	int rc = mauth_dns_mem_add_text(mem, "x.example.org", mauth_dns_type_parse(type),
	    60, rdata, "example.org", &error);

	ok(rc < 0, "%s '%.40s' refused", type, rdata);
	like_str(error, want, "  error names the fault");
	free(error);
	mauth_dns_mem_free(&mem);
}

static enum mauth_dns_status
q(struct mauth_dns *dns, const char *name, const char *type,
    struct mauth_dns_answer **ans)
{
	mauth_dns_answer_free(ans);
	return mauth_dns_lookup(dns, name, mauth_dns_type_parse(type), ans);
}

static const char *
addr4(const struct mauth_dns_rr *rr, char *buf)
{
	return inet_ntop(AF_INET, &rr->u.a, buf, INET6_ADDRSTRLEN);
}

static void
test_rdata(void)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	struct mauth_dns *dns = mauth_dns_mem_resolver(mem, false);
	struct mauth_dns_answer *ans = NULL;
	char buf[INET6_ADDRSTRLEN];

	add(mem, "host.example.org", "A", "192.0.2.1", NULL);
	add(mem, "host.example.org", "A", " 192.0.2.2 ", NULL);
	add(mem, "host.example.org", "AAAA", "2001:DB8::1", NULL);
	is_int(q(dns, "host.example.org", "A", &ans), MAUTH_DNS_OK, "A lookup OK");
	is_int((long long)ans->count, 2, "  two A records");
	is_str(addr4(&ans->rr[0], buf), "192.0.2.1", "  first 192.0.2.1");
	is_str(addr4(&ans->rr[1], buf), "192.0.2.2", "  second 192.0.2.2");
	is_int(ans->rr[0].ttl, 3600, "  TTL kept");
	is_str(ans->canonname, "host.example.org", "  canonname is qname");
	is_int(q(dns, "host.example.org", "AAAA", &ans), MAUTH_DNS_OK, "AAAA lookup OK");
	is_str(inet_ntop(AF_INET6, &ans->rr[0].u.aaaa, buf, sizeof(buf)),
	    "2001:db8::1", "  2001:db8::1");

	add(mem, "example.org", "MX", "10 mx1", "example.org");
	add(mem, "example.org", "MX", "20 MX2.Example.NET.", "example.org");
	is_int(q(dns, "example.org", "MX", &ans), MAUTH_DNS_OK, "MX lookup OK");
	is_int(ans->rr[0].u.mx.preference, 10, "  preference 10");
	is_str(ans->rr[0].u.mx.exchange, "mx1.example.org", "  relative exchange completed");
	is_int(ans->rr[1].u.mx.preference, 20, "  preference 20");
	is_str(ans->rr[1].u.mx.exchange, "MX2.Example.NET", "  absolute exchange, case kept");
	add(mem, "nullmx.example.org", "MX", "0 .", NULL);
	is_int(q(dns, "nullmx.example.org", "MX", &ans), MAUTH_DNS_OK, "null MX (RFC 7505)");
	is_str(ans->rr[0].u.mx.exchange, "", "  exchange is the root \"\"");

	add(mem, "example.org", "TXT", "\"v=spf1 \" \"-all\"", NULL);
	add(mem, "u.example.org", "TXT", "unquoted two\\ words \"and quoted\"", NULL);
	add(mem, "e.example.org", "TXT", "\"a\\\"b\\\\c\\065\\000z\"", NULL);
	add(mem, "empty.example.org", "TXT", "\"\"", NULL);
	is_int(q(dns, "example.org", "TXT", &ans), MAUTH_DNS_OK, "TXT of two quoted strings");
	is_str(ans->rr[0].u.txt.data, "v=spf1 -all", "  concatenated");
	is_int((long long)ans->rr[0].u.txt.len, 11, "  len 11");
	q(dns, "u.example.org", "TXT", &ans);
	is_str(ans->rr[0].u.txt.data, "unquotedtwo wordsand quoted",
	    "unquoted strings and \\X of a space");
	q(dns, "e.example.org", "TXT", &ans);
	is_int((long long)ans->rr[0].u.txt.len, 8, "escapes: \\\" \\\\ \\065 \\000 give 8 octets");
	ok(ans->count == 1 && memcmp(ans->rr[0].u.txt.data, "a\"b\\cA\0z", 8) == 0,
	    "  embedded NUL kept, len authoritative");
	q(dns, "empty.example.org", "TXT", &ans);
	ok(ans->count == 1 && ans->rr[0].u.txt.len == 0, "TXT \"\" is one empty string");
	is_str(ans->count ? ans->rr[0].u.txt.data : NULL, "", "  data \"\"");

	char longtxt[600];
	snprintf(longtxt, sizeof(longtxt), "\"%0255d\" %0255d", 0, 0);
	add(mem, "long.example.org", "TXT", longtxt, NULL);
	q(dns, "long.example.org", "TXT", &ans);
	is_int((long long)ans->rr[0].u.txt.len, 510, "two strings of 255 octets");

	add(mem, "1.2.0.192.in-addr.arpa", "PTR", "host.example.org.", NULL);
	add(mem, "ns.example.org", "NS", "@", "example.org.");
	add(mem, "rel.example.org", "PTR", "a.b", NULL);
	q(dns, "1.2.0.192.in-addr.arpa", "PTR", &ans);
	is_str(ans->rr[0].u.name, "host.example.org", "PTR absolute, trailing dot gone");
	q(dns, "ns.example.org", "NS", &ans);
	is_str(ans->rr[0].u.name, "example.org", "NS \"@\" is the origin");
	add(mem, "esc.example.org", "PTR", "a\\.b\\032c\\\\d\\065.Example.org.", NULL);
	q(dns, "esc.example.org", "PTR", &ans);
	is_str(ans->rr[0].u.name, "a\\046b\\032c\\092dA.Example.org",
	    "name escapes in one form: \\. \\032 \\\\ as \\DDD, \\065 as A");
	q(dns, "rel.example.org", "PTR", &ans);
	is_str(ans->rr[0].u.name, "a.b", "without origin a relative name is taken as absolute");

	char *error = NULL;
	is_int(mauth_dns_mem_add_text(mem, "example.org", MAUTH_DNS_T_SOA, 60,
	    "ns.example.org. hostmaster 2024010101 1h 15m 1w 300", "example.org", &error),
	    0, "SOA accepted");
	free(error);
	is_int(q(dns, "example.org", "SOA", &ans), MAUTH_DNS_NODATA, "  but not served");
	mauth_dns_answer_free(&ans);
	mauth_dns_free(&dns);
	mauth_dns_mem_free(&mem);

	bad_text("A", "192.0.2.256", "bad IPv4 address \"192.0.2.256\"");
	bad_text("A", "192.0.2.1 192.0.2.2", "A takes 1 value, got 2");
	bad_text("A", "\"192.0.2.1\"", "may not be quoted");
	bad_text("AAAA", "2001:db8::g", "bad IPv6 address \"2001:db8::g\"");
	bad_text("MX", "65536 mx", "MX preference \"65536\"");
	bad_text("MX", "x mx", "MX preference \"x\"");
	bad_text("MX", "10", "MX takes 2 values, got 1");
	bad_text("MX", "10 a..b", "empty label");
	bad_text("TXT", "\"unterminated", "unterminated quoted string");
	bad_text("TXT", "\"a\\256\"", "bad \\DDD escape");
	bad_text("TXT", "\"a\\12\"", "bad \\DDD escape");
	bad_text("TXT", "ab\"c\"", "quote inside unquoted string");
	bad_text("TXT", "", "at least one character-string");
	bad_text("TXT", "abc\\", "backslash at the end");
	char big[300];
	snprintf(big, sizeof(big), "%0256d", 0);
	bad_text("TXT", big, "TXT character-string of 256 octets (limit 255)");
	bad_text("CNAME", "\"quoted.name\"", "may not be quoted");
	bad_text("PTR", "a b", "PTR takes 1 value, got 2");
	char lab[80];
	snprintf(lab, sizeof(lab), "%064d.org.", 0);
	bad_text("NS", lab, "label of 64 octets");
	bad_text("SOA", "ns hm x 1 1 1 1", "bad SOA serial \"x\"");
	bad_text("SOA", "ns hm 1 1 1 1 1x", "bad SOA time value \"1x\"");
	bad_text("SOA", "ns hm 1 1 1 1", "SOA takes 7 values, got 6");
}

static void
test_ttl(void)
{
	static const struct { const char *text; int rc; uint32_t ttl; } cases[] = {
		{ "3600", 0, 3600 }, { "1h30m", 0, 5400 }, { "1W", 0, 604800 },
		{ "2d3s", 0, 172803 }, { "2147483647", 0, 2147483647 },
		{ "2147483648", -1, 0 }, { "1h30", -1, 0 }, { "", -1, 0 },
		{ "h", -1, 0 }, { "-1", -1, 0 }, { "1y", -1, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t ttl = 0;
		int rc = mauth_dns_ttl_parse(cases[i].text, &ttl);

		if (cases[i].rc == 0)
			ok(rc == 0 && ttl == cases[i].ttl, "TTL \"%s\" is %u (got %u)",
			    cases[i].text, cases[i].ttl, ttl);
		else
			ok(rc < 0, "TTL \"%s\" refused", cases[i].text);
	}
}

static void
test_tree(void)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	struct mauth_dns *dns = mauth_dns_mem_resolver(mem, true);
	struct mauth_dns_answer *ans = NULL;
	char buf[INET6_ADDRSTRLEN];

	add(mem, "Mixed.Example.ORG.", "A", "192.0.2.7", NULL);
	is_int(q(dns, "mixed.example.org", "A", &ans), MAUTH_DNS_OK,
	    "owner added in mixed case found in lower case");
	is_int(q(dns, "MIXED.example.Org.", "A", &ans), MAUTH_DNS_OK,
	    "  and in other case with a trailing dot");
	is_str(ans->qname, "mixed.example.org", "  qname normalised");
	is_int(q(dns, "mixed.example.org", "TXT", &ans), MAUTH_DNS_NODATA,
	    "existing name, other type: NODATA");
	is_int(q(dns, "nope.example.org", "A", &ans), MAUTH_DNS_NXDOMAIN,
	    "missing name: NXDOMAIN");
	is_int(q(dns, "other.test", "A", &ans), MAUTH_DNS_NXDOMAIN,
	    "name under another TLD: NXDOMAIN");

	add(mem, "a.b.c.ent.example.org", "TXT", "x", NULL);
	is_int(q(dns, "c.ent.example.org", "TXT", &ans), MAUTH_DNS_NODATA,
	    "empty non-terminal: NODATA (RFC 8020)");
	is_int(q(dns, "ent.example.org", "A", &ans), MAUTH_DNS_NODATA,
	    "  and its parent");
	is_int(q(dns, "x.c.ent.example.org", "TXT", &ans), MAUTH_DNS_NXDOMAIN,
	    "  a sibling below it: NXDOMAIN");

	/* RFC 4592 section 2.2.1's example, reduced. */
	add(mem, "*.w.example.org", "TXT", "wild", NULL);
	add(mem, "*.w.example.org", "MX", "10 mx.w.example.org.", NULL);
	add(mem, "host1.w.example.org", "A", "192.0.2.9", NULL);
	add(mem, "sub.*.w.example.org", "TXT", "below the wildcard", NULL);
	add(mem, "_ssh._tcp.host1.w.example.org", "TXT", "srv", NULL);
	is_int(q(dns, "anything.w.example.org", "TXT", &ans), MAUTH_DNS_OK,
	    "wildcard answers a missing name");
	is_str(ans->rr[0].u.txt.data, "wild", "  with the wildcard's data");
	is_str(ans->canonname, "anything.w.example.org", "  owned by the qname");
	is_int(q(dns, "a.b.w.example.org", "MX", &ans), MAUTH_DNS_OK,
	    "wildcard answers two labels below the encloser");
	is_int(q(dns, "anything.w.example.org", "A", &ans), MAUTH_DNS_NODATA,
	    "wildcard without the type: NODATA");
	is_int(q(dns, "host1.w.example.org", "TXT", &ans), MAUTH_DNS_NODATA,
	    "existing name is not covered by the wildcard");
	is_int(q(dns, "_tcp.host1.w.example.org", "TXT", &ans), MAUTH_DNS_NODATA,
	    "empty non-terminal is not covered either");
	is_int(q(dns, "x.host1.w.example.org", "TXT", &ans), MAUTH_DNS_NXDOMAIN,
	    "closest encloser host1 has no wildcard: NXDOMAIN");
	is_int(q(dns, "x._tcp.host1.w.example.org", "TXT", &ans), MAUTH_DNS_NXDOMAIN,
	    "closest encloser _tcp (an ENT) has no wildcard: NXDOMAIN");
	is_int(q(dns, "*.w.example.org", "TXT", &ans), MAUTH_DNS_OK,
	    "the wildcard owner itself answers");
	is_int(q(dns, "x.*.w.example.org", "TXT", &ans), MAUTH_DNS_NXDOMAIN,
	    "below the wildcard owner: NXDOMAIN (encloser *.w has no wildcard)");

	/* CNAMEs (RFC 1034 section 3.6.2, 4.3.2) */
	add(mem, "alias.example.org", "CNAME", "Mixed.Example.org.", NULL);
	add(mem, "alias2.example.org", "CNAME", "alias.example.org.", NULL);
	add(mem, "dangling.example.org", "CNAME", "gone.example.org.", NULL);
	add(mem, "wc.example.org", "CNAME", "x.w.example.org.", NULL);
	is_int(q(dns, "alias2.example.org", "A", &ans), MAUTH_DNS_OK, "CNAME chain followed");
	is_str(addr4(&ans->rr[0], buf), "192.0.2.7", "  to the target's A");
	is_str(ans->canonname, "mixed.example.org", "  canonname is the normalised target");
	is_str(ans->qname, "alias2.example.org", "  qname stays");
	is_int(q(dns, "alias2.example.org", "CNAME", &ans), MAUTH_DNS_OK,
	    "asking for CNAME gives the CNAME");
	is_str(ans->rr[0].u.name, "alias.example.org", "  not followed");
	is_int(q(dns, "alias.example.org", "TXT", &ans), MAUTH_DNS_NODATA,
	    "CNAME to a name without the type: NODATA");
	is_int(q(dns, "dangling.example.org", "A", &ans), MAUTH_DNS_NXDOMAIN,
	    "CNAME to a missing name: NXDOMAIN");
	is_str(ans->canonname, "gone.example.org", "  canonname is the target");
	is_int(q(dns, "wc.example.org", "TXT", &ans), MAUTH_DNS_OK,
	    "CNAME into a wildcard");
	add(mem, "wildalias.example.org", "CNAME", "wildalias.example.org.", NULL);
	is_int(q(dns, "wildalias.example.org", "A", &ans), MAUTH_DNS_SERVFAIL,
	    "CNAME to itself: SERVFAIL");
	like_str(ans->why, "CNAME loop", "  why says loop");
	add(mem, "loop1.example.org", "CNAME", "loop2.example.org.", NULL);
	add(mem, "loop2.example.org", "CNAME", "LOOP1.example.org.", NULL);
	is_int(q(dns, "loop1.example.org", "TXT", &ans), MAUTH_DNS_SERVFAIL,
	    "two-name CNAME loop: SERVFAIL");

	/* A chain of exactly 16 links resolves; 17 do not. */
	for (int i = 0; i < 17; i++) {
		char owner[64], target[64];

		snprintf(owner, sizeof(owner), "c%d.chain.example.org", i);
		snprintf(target, sizeof(target), "c%d.chain.example.org.", i + 1);
		add(mem, owner, "CNAME", target, NULL);
	}
	add(mem, "c17.chain.example.org", "A", "192.0.2.17", NULL);
	is_int(q(dns, "c1.chain.example.org", "A", &ans), MAUTH_DNS_OK,
	    "CNAME chain of 16 links: OK");
	is_str(ans->canonname, "c17.chain.example.org", "  ends at c17");
	is_int(q(dns, "c0.chain.example.org", "A", &ans), MAUTH_DNS_SERVFAIL,
	    "CNAME chain of 17 links: SERVFAIL");
	like_str(ans->why, "longer than 16", "  why says too long");

	char *error = NULL;
	struct mauth_dns_rr rr = { .type = MAUTH_DNS_T_A };
	ok(mauth_dns_mem_add(mem, "alias.example.org", &rr, &error) < 0,
	    "A beside a CNAME refused");
	like_str(error, "CNAME and other data", "  error says why");
	free(error);
	error = NULL;
	rr.type = MAUTH_DNS_T_CNAME;
	rr.u.name = "x.example.org";
	ok(mauth_dns_mem_add(mem, "mixed.example.org", &rr, &error) < 0,
	    "CNAME beside an A refused");
	free(error);
	error = NULL;
	rr.type = 99;
	ok(mauth_dns_mem_add(mem, "x.example.org", &rr, &error) < 0,
	    "unknown type refused");
	free(error);
	error = NULL;
	rr.type = MAUTH_DNS_T_A;
	ok(mauth_dns_mem_add(mem, "a..example.org", &rr, &error) < 0,
	    "owner with an empty label refused");
	like_str(error, "empty label", "  error says why");
	free(error);

	mauth_dns_answer_free(&ans);
	mauth_dns_free(&dns);	/* owns mem: valgrind sees it freed */
}

static void
test_status(void)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	struct mauth_dns *dns = mauth_dns_mem_resolver(mem, false);
	struct mauth_dns_answer *ans = NULL;
	char *error = NULL;

	add(mem, "t.example.org", "TXT", "v=spf1 -all", NULL);
	add(mem, "t.example.org", "A", "192.0.2.1", NULL);
	add(mem, "alias.example.org", "CNAME", "t.example.org.", NULL);
	mauth_dns_mem_set_status(mem, "T.example.org", MAUTH_DNS_T_TXT,
	    MAUTH_DNS_TIMEOUT, &error);
	is_int(q(dns, "t.example.org", "TXT", &ans), MAUTH_DNS_TIMEOUT,
	    "injected status for (name, type) wins over records");
	ok(ans->count == 0, "  no records with it");
	is_int(q(dns, "t.example.org", "A", &ans), MAUTH_DNS_OK, "  other type unaffected");
	is_int(q(dns, "alias.example.org", "TXT", &ans), MAUTH_DNS_TIMEOUT,
	    "  and it applies at the end of a CNAME");
	mauth_dns_mem_set_status(mem, "alias.example.org", MAUTH_DNS_T_TXT,
	    MAUTH_DNS_SERVFAIL, &error);
	is_int(q(dns, "alias.example.org", "TXT", &ans), MAUTH_DNS_SERVFAIL,
	    "status at the CNAME owner wins over following it");
	mauth_dns_mem_set_status(mem, "t.example.org", MAUTH_DNS_T_TXT,
	    MAUTH_DNS_OK, &error);
	is_int(q(dns, "t.example.org", "TXT", &ans), MAUTH_DNS_OK,
	    "MAUTH_DNS_OK clears it");

	mauth_dns_mem_set_status(mem, "t.example.org", 0, MAUTH_DNS_ERROR, &error);
	is_int(q(dns, "t.example.org", "A", &ans), MAUTH_DNS_OK,
	    "type 0: types with records still answer");
	is_int(q(dns, "t.example.org", "MX", &ans), MAUTH_DNS_ERROR,
	    "type 0: a type without records gets the status");

	mauth_dns_mem_set_status(mem, "slow.example.org", MAUTH_DNS_T_TXT,
	    MAUTH_DNS_TIMEOUT, &error);
	is_int(q(dns, "slow.example.org", "TXT", &ans), MAUTH_DNS_TIMEOUT,
	    "status on a name without records");
	is_int(q(dns, "slow.example.org", "A", &ans), MAUTH_DNS_NXDOMAIN,
	    "  other types: the name does not exist");
	mauth_dns_mem_set_status(mem, "dead.example.org", 0, MAUTH_DNS_SERVFAIL, &error);
	is_int(q(dns, "dead.example.org", "A", &ans), MAUTH_DNS_SERVFAIL,
	    "type 0 status on a name without records: every type");
	is_int(q(dns, "dead.example.org", "CNAME", &ans), MAUTH_DNS_SERVFAIL,
	    "  even CNAME");
	is_int(q(dns, "x.dead.example.org", "A", &ans), MAUTH_DNS_NXDOMAIN,
	    "  but not names below it");
	ok(mauth_dns_mem_set_status(mem, "", 1, MAUTH_DNS_TIMEOUT, &error) < 0,
	    "status for an invalid owner refused");
	free(error);
	error = NULL;
	is_int(mauth_dns_mem_set_status(mem, "never.example.org", 1, MAUTH_DNS_OK,
	    &error), 0, "clearing a status never set is fine");

	unsigned long before = atomic_load(&dns->stats.failures);
	q(dns, "dead.example.org", "TXT", &ans);
	is_int((long long)(atomic_load(&dns->stats.failures) - before), 1,
	    "SERVFAIL counted as a failure");
	before = atomic_load(&dns->stats.timeouts);
	q(dns, "slow.example.org", "TXT", &ans);
	is_int((long long)(atomic_load(&dns->stats.timeouts) - before), 1,
	    "TIMEOUT counted");
	mauth_dns_answer_free(&ans);
	mauth_dns_free(&dns);
	ok(mem != NULL, "resolver that does not own the table leaves it");
	mauth_dns_mem_free(&mem);
	ok(mem == NULL, "mauth_dns_mem_free sets the pointer to NULL");
}

static void
test_invalid(void)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	struct mauth_dns *dns = mauth_dns_mem_resolver(mem, true);
	struct mauth_dns_answer *ans = NULL;
	char label64[80], long254[300];

	snprintf(label64, sizeof(label64), "%064d.example.org", 0);
	memset(long254, 0, sizeof(long254));
	for (int i = 0; i < 127; i++)
		strcat(long254, i ? ".a" : "a");
	strcat(long254, "bc");	/* 127 * 2 - 1 + 2 = 255 octets */
	const char *bad[] = { "", ".", "a..example.org", ".example.org", label64, long254 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned long before = atomic_load(&dns->stats.queries);

		is_int(q(dns, bad[i], "A", &ans), MAUTH_DNS_INVALID,
		    "invalid name \"%.20s...\": INVALID", bad[i]);
		ok(ans->why != NULL, "  why: %s", ans->why ? ans->why : "(none)");
		is_int((long long)(atomic_load(&dns->stats.queries) - before), 0,
		    "  nothing asked of the backend");
	}
	const char *strs[] = { "v=spf1 ", "ip4:192.0.2.0/24 ", "-all" };
	char *error = NULL;
	is_int(mauth_dns_mem_add_txt(mem, "spf.example.org", strs, 3, &error), 0,
	    "add_txt of three strings");
	q(dns, "spf.example.org", "TXT", &ans);
	is_str(ans->rr[0].u.txt.data, "v=spf1 ip4:192.0.2.0/24 -all", "  concatenated");
	char big[300];
	memset(big, 'x', 256);
	big[256] = '\0';
	const char *bigs[] = { big };
	ok(mauth_dns_mem_add_txt(mem, "spf.example.org", bigs, 1, &error) < 0,
	    "add_txt refuses a string of 256 octets");
	free(error);

	/* Enough names to grow the hash table several times. */
	int found = 0;
	for (int i = 0; i < 2000; i++) {
		char name[64], rdata[32];

		snprintf(name, sizeof(name), "h%d.many.example.org", i);
		snprintf(rdata, sizeof(rdata), "10.0.%d.%d", i / 256, i % 256);
		add(mem, name, "A", rdata, NULL);
	}
	for (int i = 0; i < 2000; i++) {
		char name[64];
		struct in_addr want = { htonl(0x0a000000u | (unsigned)i) };

		snprintf(name, sizeof(name), "H%d.MANY.example.org", i);
		if (q(dns, name, "A", &ans) == MAUTH_DNS_OK && ans->count == 1 &&
		    ans->rr[0].u.a.s_addr == want.s_addr)
			found++;
	}
	is_int(found, 2000, "2000 names all found after the table grew");
	mauth_dns_answer_free(&ans);
	mauth_dns_free(&dns);
}

int
main(void)
{
	test_rdata();
	test_ttl();
	test_tree();
	test_status();
	test_invalid();
	return done_testing();
}
