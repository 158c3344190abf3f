/*
 * spf-record.c - SPF record syntax (RFC 7208 sections 4.5, 4.6, 5, 6, 12)
 *
 * Records that parse, with the terms they parse into, and records that do
 * not, each error message checked to name the offending term.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "spf_record.h"
#include "tap.h"

static struct mauth_spf_record *
parse_ok(const char *text)
{
	struct mauth_spf_record *rec = NULL;
	char *error = NULL;
	int rc = mauth_spf_record_parse(text, strlen(text), &rec, &error);

	ok(rc == 0 && rec != NULL, "parses: %s", text);
	if (rc < 0)
		diag("  error: %s", error);
	free(error);
	return rec;
}

/* parse_bad - the record is refused and the message names term */
static void
parse_bad_len(const char *text, size_t len, const char *term, const char *why)
{
	struct mauth_spf_record *rec = NULL;
	char *error = NULL;
	int rc = mauth_spf_record_parse(text, len, &rec, &error);

	ok(rc < 0 && rec == NULL, "refused: %s", term);
	like_str(error, term, "  the message names the term");
	if (why != NULL)
		like_str(error, why, "  and says \"%s\"", why);
	free(error);
	mauth_spf_record_free(&rec);
}

static void
parse_bad(const char *text, const char *term, const char *why)
{
	parse_bad_len(text, strlen(text), term, why);
}

static void
test_is_spf(void)
{
	static const struct {
		const char *text;
		bool spf;
	} cases[] = {
		{ "v=spf1", true },
		{ "v=spf1 -all", true },
		{ "V=SpF1 ~all", true },
		{ "v=spf1 ", true },
		{ "v=spf10", false },
		{ "v=spf1mx", false },
		{ "v=spf1\t-all", false },
		{ "spf1 -all", false },
		{ "", false },
		{ "v=DMARC1; p=none", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(mauth_spf_record_is_spf(cases[i].text, strlen(cases[i].text)),
		    cases[i].spf, "is_spf \"%s\"", cases[i].text);
}

static void
test_terms(void)
{
	struct mauth_spf_record *rec;
	char buf[INET6_ADDRSTRLEN];

	rec = parse_ok("v=spf1");
	is_int(rec ? (long long)rec->nterms : -1, 0, "  no terms");
	mauth_spf_record_free(&rec);
	ok(rec == NULL, "  free sets the pointer to NULL");

	rec = parse_ok("v=spf1  +a -mx ~ptr ?exists:%{i}.x.example.com all ");
	if (rec != NULL && rec->nterms == 5) {
		is_int(rec->terms[0].mech, MAUTH_SPF_MECH_A, "  a");
		is_int(rec->terms[0].qualifier, MAUTH_SPF_PASS, "  + is pass");
		is_int(rec->terms[1].qualifier, MAUTH_SPF_FAIL, "  - is fail");
		is_int(rec->terms[2].qualifier, MAUTH_SPF_SOFTFAIL, "  ~ is softfail");
		is_int(rec->terms[3].qualifier, MAUTH_SPF_NEUTRAL, "  ? is neutral");
		is_str(rec->terms[3].domain_spec, "%{i}.x.example.com", "  exists target kept unexpanded");
		is_int(rec->terms[4].qualifier, MAUTH_SPF_PASS, "  no qualifier is pass");
		is_str(rec->terms[1].text, "-mx", "  term text as written");
		ok(rec->terms[0].domain_spec == NULL, "  a without target");
		is_int(rec->terms[0].cidr4, 32, "  default ip4 CIDR 32");
		is_int(rec->terms[0].cidr6, 128, "  default ip6 CIDR 128");
	} else {
		ok(false, "  five terms");
	}
	mauth_spf_record_free(&rec);

	rec = parse_ok("v=spf1 a:foo.example.com/24//64 mx//0 a/0 mx:foo:bar/baz.example.com");
	if (rec != NULL && rec->nterms == 4) {
		is_str(rec->terms[0].domain_spec, "foo.example.com", "  dual CIDR split from the target");
		is_int(rec->terms[0].cidr4, 24, "  ip4 length 24");
		is_int(rec->terms[0].cidr6, 64, "  ip6 length 64");
		is_int(rec->terms[1].cidr4, 32, "  //0 leaves ip4 at 32");
		is_int(rec->terms[1].cidr6, 0, "  //0 sets ip6 to 0");
		is_int(rec->terms[2].cidr4, 0, "  /0 sets ip4 to 0");
		is_str(rec->terms[3].domain_spec, "foo:bar/baz.example.com",
		    "  '/' not followed by a length stays in the target");
	} else {
		ok(false, "  four terms");
	}
	mauth_spf_record_free(&rec);

	rec = parse_ok("V=SPF1 IP4:192.0.2.0/24 Ip6:2001:DB8::/32 Include:_spf.Example.COM. -ALL");
	if (rec != NULL && rec->nterms == 4) {
		is_int(rec->terms[0].mech, MAUTH_SPF_MECH_IP4, "  names are case-insensitive");
		is_str(inet_ntop(AF_INET, rec->terms[0].net.addr, buf, sizeof(buf)),
		    "192.0.2.0", "  ip4 network");
		is_int(rec->terms[0].cidr4, 24, "  ip4 length");
		is_str(inet_ntop(AF_INET6, rec->terms[1].net.addr, buf, sizeof(buf)),
		    "2001:db8::", "  ip6 network");
		is_int(rec->terms[1].cidr6, 32, "  ip6 length");
		is_str(rec->terms[2].domain_spec, "_spf.Example.COM.", "  include target with trailing dot");
		is_int(rec->terms[3].qualifier, MAUTH_SPF_FAIL, "  -ALL");
	} else {
		ok(false, "  four terms");
	}
	mauth_spf_record_free(&rec);

	rec = parse_ok("v=spf1 ip4:1.1.1.1/0 ip6:::1.1.1.1/0 a:foo.example.xn--zckzah "
	    "moo.cow-far_out=man:dog/cat default=+ x=%{c}%{r}%{t}");
	is_int(rec ? (long long)rec->nterms : -1, 3, "  unknown modifiers are not terms");
	mauth_spf_record_free(&rec);

	rec = parse_ok("v=spf1 exp=explain.%{d} redirect=%{d1r}.x.example.com");
	if (rec != NULL) {
		is_str(rec->exp, "explain.%{d}", "  exp= kept");
		is_str(rec->redirect, "%{d1r}.x.example.com", "  redirect= kept");
	}
	mauth_spf_record_free(&rec);

	rec = parse_ok("v=spf1 exists:%{ir}.%{v}._spf.%{d2} a:%{d} mx:%%.example.com");
	is_int(rec ? (long long)rec->nterms : -1, 3, "  domain-specs ending in a macro");
	mauth_spf_record_free(&rec);
}

static void
test_errors(void)
{
	parse_bad("v=spf1 ip4:1.2.3.4 -all moo", "\"moo\"", "unknown mechanism");
	parse_bad("v=spf1 moo.cow/far_out=man:dog/cat", "moo.cow/far_out=man:dog/cat", NULL);
	parse_bad("v=spf1 moo.cow:far_out=man:dog/cat", "moo.cow:far_out=man:dog/cat", NULL);
	parse_bad("v=spf1 redirect:t2.example.com", "redirect:t2.example.com", "unknown mechanism");
	parse_bad("v=spf1 +redirect=a.example.com", "+redirect=a.example.com", NULL);
	parse_bad("v=spf1 1up=foo", "1up=foo", NULL);
	parse_bad("v=spf1 =all", "=all", NULL);
	parse_bad("v=spf1 -all foo=%abc", "foo=%abc", "bad macro");
	parse_bad("v=spf1 -all.", "-all.", "no argument");
	parse_bad("v=spf1 -all:foobar", "-all:foobar", "no argument");
	parse_bad("v=spf1 -all/8", "-all/8", "no argument");
	parse_bad("v=spf1 a:foo-bar -all", "a:foo-bar", "top-level label");
	parse_bad("v=spf1 a:abc.123", "a:abc.123", "\"123\" is not a valid top-level label");
	parse_bad("v=spf1 a:111.222.33.44", "a:111.222.33.44", "top-level label");
	parse_bad("v=spf1 a:museum", "a:museum", NULL);
	parse_bad("v=spf1 a:museum.", "a:museum.", NULL);
	parse_bad("v=spf1 a:example.-com", "a:example.-com", "top-level label");
	parse_bad("v=spf1 mx:example.com:8080", "mx:example.com:8080", "top-level label");
	parse_bad("v=spf1 a:", "a:", "empty domain-spec");
	parse_bad("v=spf1 mx: -all", "mx:", "empty domain-spec");
	parse_bad("v=spf1 a/33 -all", "a/33", "CIDR");
	parse_bad("v=spf1 a//129 -all", "a//129", "CIDR");
	parse_bad("v=spf1 a/24/64 -all", "a/24/64", "CIDR");
	parse_bad("v=spf1 mx/032", "mx/032", "CIDR");
	parse_bad("v=spf1 a:foo.example.com/33", "a:foo.example.com/33", "CIDR");
	parse_bad("v=spf1 ptr/0 -all", "ptr/0", NULL);
	parse_bad("v=spf1 ptr:", "ptr:", "empty domain-spec");
	parse_bad("v=spf1 include +all", "include", "needs \":\"");
	parse_bad("v=spf1 include: -all", "include:", "empty domain-spec");
	parse_bad("v=spf1 include:ip5.example.com/24 -all", "include:ip5.example.com/24", NULL);
	parse_bad("v=spf1 exists", "exists", "needs \":\"");
	parse_bad("v=spf1 exists:mail.example.com/24", "exists:mail.example.com/24", NULL);
	parse_bad("v=spf1 ip4", "ip4", "needs \":\"");
	parse_bad("v=spf1 ip4:1.2.3.4/33 -all", "ip4:1.2.3.4/33", "CIDR");
	parse_bad("v=spf1 ip4:1.2.3.4/032 -all", "ip4:1.2.3.4/032", "leading zeros");
	parse_bad("v=spf1 ip4:1.2.3.4//32", "ip4:1.2.3.4//32", "CIDR");
	parse_bad("v=spf1 ip4:1.2.3", "ip4:1.2.3", "not an IPv4 address");
	parse_bad("v=spf1 ip4:1.2.3.4:8080", "ip4:1.2.3.4:8080", "not an IPv4 address");
	parse_bad("v=spf1 ip4:192.0.2.010", "ip4:192.0.2.010", "not an IPv4 address");
	parse_bad("v=spf1 ip4:192.0.2.256", "ip4:192.0.2.256", "not an IPv4 address");
	parse_bad("v=spf1 -all ip6", "ip6", "needs \":\"");
	parse_bad("v=spf1 ip6::CAFE::BABE", "ip6::CAFE::BABE", "not an IPv6 address");
	parse_bad("v=spf1 ip6:::1.1.1.1/129", "ip6:::1.1.1.1/129", "CIDR");
	parse_bad("v=spf1 ip6:::1.1.1.1//33", "ip6:::1.1.1.1//33", "CIDR");
	parse_bad("v=spf1 redirect=a.example.com -all redirect=b.example.com",
	    "redirect=b.example.com", "more than once");
	parse_bad("v=spf1 exp=a.example.com -all EXP=b.example.com",
	    "EXP=b.example.com", "more than once");
	parse_bad("v=spf1 exp= -all", "exp=", "empty domain-spec");
	parse_bad("v=spf1 exp=-all", "exp=-all", NULL);
	parse_bad("v=spf1 ?all redirect=", "redirect=", "empty domain-spec");
	parse_bad("v=spf1 -exists:%(ir).sbl.example.com ?all",
	    "-exists:%(ir).sbl.example.com", "bad macro \"%(\"");
	parse_bad("v=spf1 exists:foo%.sbl.example.com", "exists:foo%.sbl.example.com", "bad macro");
	parse_bad("v=spf1 -all exp=%{r}.example.com", "exp=%{r}.example.com",
	    "only in explanation text");
	parse_bad("v=spf1 a:%{a}.example.com -all", "a:%{a}.example.com", "unknown macro letter");
	parse_bad("v=spf1 exists:%{d0}.example.com", "exists:%{d0}.example.com", "zero");
	parse_bad("v=spf1 a:ctrl.example.com\rptr -all", "a:ctrl.example.com\\x0dptr", "0x0d");
	parse_bad("v=spf1 ip4:192.0.2.5\n include:spf.example.com ~all", "ip4:192.0.2.5\\x0a", "0x0a");
	parse_bad("v=spf1 \x80" "a:example.net -all", "\\x80a:example.net", "7-bit ASCII");
	parse_bad("v=spf1 a:example.net \x96" "all", "\\x96all", "7-bit ASCII");
	parse_bad_len("v=spf1 a:foo.example.com\0", 25, "a:foo.example.com\\x00", "0x00");
	parse_bad("v=spf10 -all", "v=spf1", "not an SPF record");
}

int
main(void)
{
	test_is_spf();
	test_terms();
	test_errors();
	return done_testing();
}
