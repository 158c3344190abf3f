/*
 * dns-zone.c - RFC 1035 zone files into the in-memory backend
 *
 * Loads the shared test zones (the *.zone files of t/data/zones, which
 * t/dns-unbound.t
 * also serves with a real unbound), the parser's own syntax file, and one
 * malformed file per fault, each of which must fail with "file:line: why".
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_zone.h"
#include "tap.h"

static const char *shared_zones[] = {
	"example.org.zone", "example.net.zone", "example.com.zone",
	"2.0.192.in-addr.arpa.zone", "8.b.d.0.1.0.0.2.ip6.arpa.zone",
};

static struct mauth_dns_answer *ans;

static enum mauth_dns_status
q(struct mauth_dns *dns, const char *name, const char *type)
{
	mauth_dns_answer_free(&ans);
	return mauth_dns_lookup(dns, name, mauth_dns_type_parse(type), &ans);
}

static const char *
txt(void)
{
	return ans != NULL && ans->count > 0 && ans->rr[0].type == MAUTH_DNS_T_TXT ?
	    ans->rr[0].u.txt.data : NULL;
}

static void
load(struct mauth_dns_mem *mem, const char *rel, const char *origin)
{
	char *error = NULL;
	int rc = mauth_dns_zone_load(mem, tap_path(rel), origin, &error);

	ok(rc == 0, "load %s", rel);
	if (rc < 0)
		diag("%s", error);
	free(error);
}

static void
test_shared(void)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	struct mauth_dns *dns = mauth_dns_mem_resolver(mem, true);
	char rel[256], buf[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < sizeof(shared_zones) / sizeof(shared_zones[0]); i++) {
		snprintf(rel, sizeof(rel), "t/data/zones/%s", shared_zones[i]);
		load(mem, rel, NULL);
	}
	is_int(q(dns, "example.org", "SOA"), MAUTH_DNS_NODATA, "SOA accepted, not served");
	is_int(q(dns, "example.org", "NS"), MAUTH_DNS_OK, "apex NS (owner inherited from SOA)");
	is_str(ans->rr[0].u.name, "ns1.example.org", "  relative name completed");
	is_int(q(dns, "example.org", "MX"), MAUTH_DNS_OK, "apex MX");
	is_int((long long)ans->count, 2, "  two records");
	is_str(ans->rr[0].u.mx.exchange, "mx1.example.org", "  mx1 completed with origin");
	is_int(ans->rr[1].u.mx.preference, 20, "  second preference 20");
	is_int(q(dns, "example.org", "TXT"), MAUTH_DNS_OK, "apex SPF record");
	is_str(txt(), "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 mx -all", "  text");
	is_int(ans->rr[0].ttl, 300, "  TTL from $TTL");
	is_int(q(dns, "mx2.example.org", "A"), MAUTH_DNS_OK, "mx2 A");
	is_int(ans->rr[0].ttl, 600, "  its own TTL 600");
	is_int(q(dns, "www.example.org", "A"), MAUTH_DNS_OK, "www CNAME @ followed");
	is_str(ans->canonname, "example.org", "  to the apex");
	is_int(q(dns, "split.example.org", "TXT"), MAUTH_DNS_OK, "split SPF record");
	is_str(txt(), "v=spf1 ip4:192.0.2.0/24 -all", "  strings concatenated");
	is_int(q(dns, "two-records.example.org", "TXT"), MAUTH_DNS_OK, "two TXT records");
	is_int((long long)ans->count, 2, "  both kept");
	is_int(q(dns, "too-many.example.net", "TXT"), MAUTH_DNS_OK,
	    "TXT in parentheses over four lines");
	like_str(txt(), "a9.example.net a:a10.example.net a:a11", "  strings joined");
	is_int(q(dns, "example.com", "MX"), MAUTH_DNS_OK, "null MX");
	is_str(ans->rr[0].u.mx.exchange, "", "  exchange \".\" is \"\"");
	is_int(q(dns, "escaped.example.com", "TXT"), MAUTH_DNS_OK, "TXT with escapes");
	ok(ans->count == 1 && ans->rr[0].u.txt.len == 38 &&
	    memcmp(ans->rr[0].u.txt.data, "semi;colonquote\"dback\\slashnul\0byteABC", 38) == 0,
	    "  ; in quotes, \\\", \\\\, \\000 and \\065 decoded (len %zu)",
	    ans->count ? ans->rr[0].u.txt.len : 0);
	is_int(q(dns, "long.example.com", "TXT"), MAUTH_DNS_OK, "long TXT");
	is_int((long long)ans->rr[0].u.txt.len, 600, "  600 octets");
	is_int(q(dns, "huge.example.com", "TXT"), MAUTH_DNS_OK, "huge TXT");
	ok(ans->rr[0].u.txt.len == 1600 && ans->rr[0].u.txt.data[1599] == 'h',
	    "  1600 octets in eight strings");
	is_int(q(dns, "odd.example.com", "PTR"), MAUTH_DNS_OK, "PTR with escapes");
	is_str(ans->rr[0].u.name, "a\\046b\\032c\\092d.example.com", "  canonical form");
	is_int(q(dns, "ttl.example.com", "TXT"), MAUTH_DNS_OK, "ttl.example.com");
	is_int(ans->rr[0].ttl, 86400, "  TTL 86400");
	is_int(q(dns, "b.ent.example.com", "TXT"), MAUTH_DNS_NODATA, "empty non-terminal");
	is_int(q(dns, "c.ent.example.com", "TXT"), MAUTH_DNS_NXDOMAIN, "  sibling NXDOMAIN");
	is_int(q(dns, "foo.wild.example.com", "A"), MAUTH_DNS_OK, "wildcard A");
	is_str(inet_ntop(AF_INET, &ans->rr[0].u.a, buf, sizeof(buf)), "192.0.2.99", "  192.0.2.99");
	is_int(q(dns, "loop1.example.com", "A"), MAUTH_DNS_SERVFAIL, "CNAME loop");
	is_int(q(dns, "outside.example.com", "AAAA"), MAUTH_DNS_OK, "CNAME across zones");
	is_str(ans->canonname, "mail.example.net", "  canonname");
	is_int(q(dns, "77.2.0.192.in-addr.arpa", "PTR"), MAUTH_DNS_OK, "PTR");
	is_int((long long)ans->count, 2, "  two names");
	is_int(q(dns, "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	    "PTR"), MAUTH_DNS_OK, "IPv6 PTR");
	is_str(ans->rr[0].u.name, "mx1.example.org", "  mx1.example.org");
	is_int(q(dns, "nx.example.net", "TXT"), MAUTH_DNS_NXDOMAIN, "missing name");
	is_int(q(dns, "in-addr.arpa", "PTR"), MAUTH_DNS_NODATA, "parent of a zone exists");
	mauth_dns_free(&dns);
}

static void
test_syntax(void)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	struct mauth_dns *dns = mauth_dns_mem_resolver(mem, true);

	load(mem, "t/data/zones/parser/syntax.zone", "Syntax.Test.");
	load(mem, "t/data/zones/parser/crlf.zone", "syntax.test");
	is_int(q(dns, "syntax.test", "NS"), MAUTH_DNS_OK, "class before TTL");
	is_int(ans->rr[0].ttl, 3600, "  TTL 3600");
	is_int(q(dns, "ns.syntax.test", "A"), MAUTH_DNS_OK, "no TTL nor class");
	is_int(ans->rr[0].ttl, 3600, "  last stated TTL without $TTL");
	is_int(q(dns, "mixed.case.syntax.test", "A"), MAUTH_DNS_OK, "class and type in lower case");
	is_int(q(dns, "paren.syntax.test", "TXT"), MAUTH_DNS_OK, "parentheses over three lines");
	is_str(txt(), "onetwo;not a comment(three)four", "  comments dropped, quoted ; ( kept");
	is_int(q(dns, "paren.syntax.test", "MX"), MAUTH_DNS_OK, "owner inherited after them");
	is_int(ans->rr[0].ttl, 3600, "  TTL 3600");
	is_int(q(dns, "units.syntax.test", "TXT"), MAUTH_DNS_OK, "$TTL with units");
	is_int(ans->rr[0].ttl, 5400, "  1h30m is 5400");
	is_int(q(dns, "escaped.syntax.test", "TXT"), MAUTH_DNS_OK, "unquoted escapes");
	ok(ans->count == 1 && ans->rr[0].u.txt.len == 11 &&
	    memcmp(ans->rr[0].u.txt.data, "a;b(c)\"q\"\\\xff", 11) == 0,
	    "  \\; \\( \\) \\\" \\\\ \\255 decoded");
	is_int(q(dns, "absolute.example", "TXT"), MAUTH_DNS_OK, "absolute owner outside the origin");
	is_int(q(dns, "www.sub.syntax.test", "CNAME"), MAUTH_DNS_OK, "$ORIGIN sub, CNAME @");
	is_str(ans->rr[0].u.name, "sub.syntax.test", "  @ is the new origin");
	is_int(q(dns, "x.deeper.sub.syntax.test", "TXT"), MAUTH_DNS_OK, "relative $ORIGIN");
	is_int((long long)ans->count, 2, "  owner inherited after $ORIGIN");
	is_int(ans->rr[0].ttl, 60, "  TTL 60");
	is_int(ans->rr[1].ttl, 5400, "  next record back to $TTL");
	is_int(q(dns, "crlf.syntax.test", "TXT"), MAUTH_DNS_OK, "CRLF file");
	is_str(txt(), "with CR", "  no CR in the data");
	mauth_dns_free(&dns);

	/* mauth_dns_zone_parse: text in memory, origin given */
	struct mauth_dns_mem *m2 = mauth_dns_mem_new();
	char *error = NULL;
	const char text[] = "$TTL 60\nhost A 192.0.2.5\n";
	is_int(mauth_dns_zone_parse(m2, text, sizeof(text) - 1, "inline", "mem.test",
	    &error), 0, "parse from memory");
	const char nul[] = "$TTL 60\nhost A 192.0.2.5\nx TXT \"a\0b\"\n";
	ok(mauth_dns_zone_parse(m2, nul, sizeof(nul) - 1, "inline", "mem.test", &error) < 0,
	    "NUL byte refused");
	is_str(error, "inline:3: NUL byte in zone file", "  inline:3");
	free(error);
	error = NULL;
	ok(mauth_dns_zone_parse(m2, text, sizeof(text) - 1, "inline", "a..b", &error) < 0,
	    "bad origin refused");
	like_str(error, "inline: origin: empty label", "  error names it");
	free(error);
	error = NULL;
	ok(mauth_dns_zone_load(m2, tap_path("t/data/zones/parser/missing.zone"), NULL,
	    &error) < 0, "missing file");
	like_str(error, "missing.zone: No such file or directory", "  error names the file");
	free(error);
	mauth_dns_mem_free(&m2);
}

static const struct {
	const char *file;
	const char *origin;
	const char *error;	/* after "path:" */
} bad[] = {
	{ "unknown-type.zone", NULL, "5: unsupported record type \"SRV\"" },
	{ "include.zone", NULL, "3: $INCLUDE is not supported" },
	{ "generate.zone", NULL, "2: unknown directive \"$GENERATE\"" },
	{ "unclosed-paren.zone", NULL, "4: '(' not closed at the end of the file" },
	{ "close-paren.zone", NULL, "5: ')' without '('" },
	{ "unclosed-quote.zone", NULL, "3: quoted string not closed at the end of the line" },
	{ "bad-a.zone", NULL, "5: host.bad.test A: bad IPv4 address \"192.0.2.999\"" },
	{ "no-owner.zone", NULL, "3: record without an owner name" },
	{ "no-origin.zone", NULL, "2: relative name \"host\" without an origin" },
	{ "no-ttl.zone", NULL, "2: no TTL on the record and no $TTL before it" },
	{ "bad-ttl.zone", NULL, "2: bad $TTL \"1x\"" },
	{ "class-ch.zone", NULL, "3: class \"CH\" is not supported (only IN)" },
	{ "long-string.zone", NULL, "3: long.bad.test TXT: TXT character-string of 256 octets" },
	{ "cname-and-data.zone", NULL, "4: alias.bad.test A: alias.bad.test: a CNAME and other data" },
	{ "bad-mx.zone", NULL, "3: mx.bad.test MX: MX preference \"ten\"" },
	{ "empty-label.zone", NULL, "3: empty label in domain name \"a..b.bad.test\"" },
	{ "no-type.zone", NULL, "3: record without a type" },
	{ "short-soa.zone", NULL, "3: soa.bad.test SOA: SOA takes 7 values, got 6" },
};

static void
test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mauth_dns_mem *mem = mauth_dns_mem_new();
		char rel[256], want[512], *error = NULL;

		snprintf(rel, sizeof(rel), "t/data/zones/bad/%s", bad[i].file);
		snprintf(want, sizeof(want), "%s:%s", tap_path(rel), bad[i].error);
		int rc = mauth_dns_zone_load(mem, tap_path(rel), bad[i].origin, &error);
		ok(rc < 0, "%s refused", bad[i].file);
		ok(error != NULL && strncmp(error, want, strlen(want)) == 0,
		    "  %s", error ? error : "(no error)");
		if (error == NULL || strncmp(error, want, strlen(want)) != 0)
			diag("expected to start with: %s", want);
		free(error);
		mauth_dns_mem_free(&mem);
	}
}

int
main(void)
{
	test_shared();
	test_syntax();
	test_bad();
	mauth_dns_answer_free(&ans);
	return done_testing();
}
