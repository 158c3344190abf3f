/*
 * rfc5322-addr.c - author domains from the From field (lib/rfc5322_addr)
 *
 * 1. OpenDMARC's From-extraction table (t/vectors/dmarc/opendmarc), every
 *    case, with mauth's answer per case; where OpenDMARC's answer is one
 *    of its quirks the reason is in the description.
 * 2. The shapes behind OpenDMARC CVE-2019-16378 (only the first of several
 *    From domains was checked) and CVE-2021-34555 (crash on empty list
 *    elements), the quoted-display-name and "user@example.net>" tricks,
 *    routes, comments, encoded words: each has one defined outcome and
 *    never yields a domain other than the one the address carries.
 * 3. Syntax coverage: groups, obsolete forms, folding, IDN, limits.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dmarc_vectors.h"
#include "rfc5322_addr.h"
#include "tap.h"

/* "a.example b.example" (distinct domains in order), or NULL for an error */
static char *
domains_of(const char *value, size_t len, char **error_r, bool *lenient_r)
{
	struct mauth_rfc5322_addr_list l;
	struct mauth_buf b = MAUTH_BUF_INIT;

	*error_r = NULL;
	if (mauth_rfc5322_addr_parse(value, len, &l, error_r) < 0)
		return NULL;
	for (size_t i = 0; i < l.ndomains; i++)
		mauth_buf_printf(&b, "%s%s", i ? " " : "", l.domains[i]);
	if (lenient_r != NULL)
		*lenient_r = l.lenient;
	mauth_rfc5322_addr_list_clear(&l);
	return mauth_buf_steal(&b);
}

/* the field for a TAP description: control characters as \r, \xNN */
static const char *
shown(const char *value)
{
	static char buf[512];
	size_t o = 0;

	for (const unsigned char *s = (const unsigned char *)value;
	    *s && o + 5 < sizeof(buf); s++) {
		if (*s == '\r' || *s == '\n' || *s == '\t')
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\%c",
			    *s == '\r' ? 'r' : *s == '\n' ? 'n' : 't');
		else if (*s < 0x20 || *s >= 0x7f || *s == '#')
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "\\x%02x", *s);
		else
			buf[o++] = (char)*s;
	}
	buf[o] = '\0';
	return buf;
}

static void
check(const char *value, const char *want, const char *why)
{
	char *error = NULL;
	char *got = domains_of(value, strlen(value), &error, NULL);

	value = shown(value);

	if (want == NULL) {
		ok(got == NULL && error != NULL, "From: %s -> error (%s)",
		    value, why);
		if (got != NULL)
			diag("got domains \"%s\"", got);
		else
			like_str(error, "offset", "  error says where: %s",
			    error);
	} else {
		is_str(got, want, "From: %s -> %s (%s)", value, want, why);
		if (error != NULL)
			diag("error: %s", error);
	}
	free(got);
	free(error);
}

/* mauth's answer for each OpenDMARC case id; NULL = error */
static const struct {
	int id;
	const char *want;
	const char *why;
} opendmarc[] = {
	{ 1, "joe.com", "display name and angle address" },
	{ 2, "joe.com", "quoted display name holding an address, then a bare"
	    " address: tolerated, the domain follows the only unquoted \"@\"" },
	{ 3, "joe.com", "quoted display name" },
	{ 4, "joe.com", "comment before a bare address" },
	{ 5, "joe.com", "bare address" },
	{ 6, NULL, "OpenDMARC quirk: it digs joe.com out of nested angle"
	    " brackets; RFC 5322 3.4 has no such form and RFC 9989 4.4 makes"
	    " a malformed From the operator's call, so it is an error" },
	{ 7, "joe.com ace.com", "two mailboxes: both domains (OpenDMARC's"
	    " first-only answer was CVE-2019-16378)" },
	{ 8, "joe.com ace.com", "two bare addresses: both domains" },
	{ 9, "joe.com", "a group named \"Mail From\" missing its \";\" at the"
	    " end: tolerated" },
	{ 10, "joe.com", "quoted display name with a comma" },
	{ 11, "joe.com", "comment holding a comma" },
	{ 12, "joe.com", "quoted display name holding an address in parentheses" },
	{ 13, "blah.com", "the field name pasted in: a group named \"From\";"
	    " apostrophe is atext" },
};

static void
test_opendmarc_table(void)
{
	struct vec *v = vec_load("t/vectors/dmarc/opendmarc/cases.yml");
	yaml_node_t *cases = vec_cases(v, "from_domain_extraction");
	size_t n = vec_len(cases);

	is_int((long long)n, (long long)(sizeof(opendmarc) / sizeof(opendmarc[0])),
	    "OpenDMARC from_domain_extraction: every case has an answer here");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *c = vec_item(v, cases, i);
		int id = atoi(vec_str(v, c, "id"));
		const char *input = vec_str(v, c, "input");
		const char *expected = vec_str(v, c, "expected_domain");
		size_t k;

		for (k = 0; k < n && opendmarc[k].id != id; k++)
			;
		if (!ok(k < n && input != NULL && expected != NULL,
		    "case %d is known", id))
			continue;
		check(input, opendmarc[k].want, opendmarc[k].why);
		/* where mauth agrees, its first domain is OpenDMARC's answer */
		if (opendmarc[k].want != NULL) {
			size_t l = strlen(expected);
			ok(strncmp(opendmarc[k].want, expected, l) == 0 &&
			    (opendmarc[k].want[l] == '\0' || opendmarc[k].want[l] == ' '),
			    "  first domain is OpenDMARC's %s", expected);
		}
	}
	vec_free(&v);
}

static void
test_bypass_shapes(void)
{
	/* CVE-2019-16378: several author domains are all reported */
	check("attacker@evil.example, victim@bank.example",
	    "evil.example bank.example",
	    "CVE-2019-16378: every domain, not the first");
	check("victim@bank.example, attacker@evil.example",
	    "bank.example evil.example", "CVE-2019-16378, other order");
	check("\"Bank\" <victim@bank.example>, <attacker@evil.example>",
	    "bank.example evil.example", "CVE-2019-16378 with angle addresses");
	check("list: victim@bank.example, attacker@evil.example;",
	    "bank.example evil.example", "CVE-2019-16378 inside a group");

	/* CVE-2021-34555: empty elements, no domain at all */
	check("attacker@evil.example,", "evil.example",
	    "CVE-2021-34555: trailing comma is an empty element (RFC 5322 4.4)");
	check(", ,attacker@evil.example", "evil.example",
	    "CVE-2021-34555: leading empty elements");
	check(",", "", "CVE-2021-34555: only empty elements: no mailbox");
	check("", "", "empty field: no mailbox");
	check("undisclosed-recipients:;", "", "empty group: no mailbox");
	check("attacker@evil.example, <>", NULL,
	    "CVE-2021-34555: empty angle address");
	check("attacker@evil.example, victim", NULL,
	    "CVE-2021-34555: element without a domain");
	check("victim@", NULL, "no domain after \"@\"");
	check("@bank.example", NULL, "no local-part");

	/* "user@example.net>" and angle bracket games */
	check("victim@bank.example>", NULL,
	    "\"user@example.net>\": stray \">\"");
	check("<attacker@evil.example>victim@bank.example>", NULL,
	    "text and a stray \">\" after the address");
	check("<victim@bank.example", NULL, "\"<\" never closed");
	check("victim@bank.example <attacker@evil.example>", NULL,
	    "unquoted \"@\" in a display name");
	check("attacker@evil.example <victim@bank.example>", NULL,
	    "unquoted \"@\" in a display name, other way round");
	check("<attacker@evil.example> <victim@bank.example>", NULL,
	    "two angle addresses in one mailbox");

	/* quoted display names: display only, never the address */
	check("\"victim@bank.example\" <attacker@evil.example>", "evil.example",
	    "quoted display name with an address: the address is evil");
	check("\"<victim@bank.example>\" <attacker@evil.example>",
	    "evil.example",
	    "quoted display name with an angle address");
	check("\"victim@bank.example\"@evil.example", "evil.example",
	    "quoted local-part holding an address");
	check("\"victim@bank.example <\" <attacker@evil.example>",
	    "evil.example",
	    "quoted \"<\" does not open an address");
	check("\"\\\"victim@bank.example\\\"\" <attacker@evil.example>",
	    "evil.example", "escaped quotes inside the display name");
	check("\"unterminated <victim@bank.example>", NULL,
	    "unterminated quoted string");

	/* comments and routes */
	check("victim@bank.example(@evil.example)", "bank.example",
	    "comment after the address is ignored");
	check("attacker(@bank.example)@evil.example", "evil.example",
	    "comment inside the address is ignored");
	check("((nested (deep)) comment) joe@x.example", "x.example",
	    "nested comments");
	check("joe@x.example (unterminated", NULL, "unterminated comment");
	check("joe@x.example )", NULL, "unbalanced \")\"");
	check("<@evil.example:victim@bank.example>", "bank.example",
	    "route (RFC 5322 4.4 obs-route) is ignored, the mailbox counts");
	check("<@evil.example,@other.example:victim@bank.example>",
	    "bank.example", "route of two domains");
	check("victim@bank.example\\,attacker@evil.example", NULL,
	    "quoted-pair outside quotes");

	/* encoded words are display text, never decoded into addresses */
	check("=?utf-8?B?dmljdGltQGJhbmsuZXhhbXBsZQ==?= <attacker@evil.example>",
	    "evil.example", "B-encoded display name");
	check("=?utf-8?Q?victim@bank.example?= <attacker@evil.example>", NULL,
	    "Q-encoded word with a bare \"@\" (RFC 2047 5 forbids it)");
	check("joe@=?utf-8?B?YmFuay5leGFtcGxl?=", NULL,
	    "encoded word as a domain is not a DNS name");
	check("joe@[192.0.2.1]", NULL, "address literal has no domain");
}

static void
test_syntax(void)
{
	bool lenient = false;
	char *error = NULL, *got;

	check("Team: a@x.example, \"B\" <b@y.example>;, c@z.example",
	    "x.example y.example z.example", "group then a mailbox");
	check("a: b: c@x.example;;", NULL, "nested group");
	check("a@x.example, b@X.Example", "x.example", "one domain, any case");
	check("Joe\r\n <joe@x.example>", "x.example", "folded CRLF");
	check("Joe\n\t<joe@x.example>", "x.example",
	    "folded as the milter sends");
	check("Joe Q. Public <jqp@x.example>", "x.example",
	    "obs-phrase: \".\" in a display name");
	check("joe @ x (c) . example", "x.example",
	    "CFWS around \"@\" and \".\"");
	check("joe@x.example.", NULL, "trailing dot in a domain");
	check("joe@x..example", NULL, "empty label");
	check("joe@-x!.example", NULL, "\"!\" cannot be in a host name");
	check("joe@b\xc3\xbc" "cher.example", "xn--bcher-kva.example",
	    "U-label becomes an A-label (RFC 9989 5.3.1)");
	check("joe@\xff.example", NULL, "not UTF-8");
	check("joe@xn--bcher-kva.example", "xn--bcher-kva.example",
	    "A-label kept");
	check("j\xc3\xb6" "e@x.example", "x.example",
	    "UTF-8 local-part (RFC 6532)");
	check("joe@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
	    NULL, "label of 64 octets");
	check("joe@x.example\x01", NULL, "control character");

	got = domains_of("joe.@x.example", 14, &error, &lenient);
	is_str(got, "x.example", "joe.@x.example: the domain is plain");
	ok(lenient, "  and the form is flagged lenient");
	free(got);
	free(error);
	got = domains_of("Joe <joe@x.example>", 19, &error, &lenient);
	ok(got != NULL && !lenient, "Joe <joe@x.example> is not lenient");
	free(got);
	free(error);

	got = domains_of("a@x.example\0b@evil.example", 25, &error, NULL);
	ok(got == NULL, "NUL byte inside the field is an error");
	free(got);
	free(error);

	struct mauth_buf b = MAUTH_BUF_INIT;
	for (int i = 0; i <= MAUTH_RFC5322_MAX_MAILBOXES; i++)
		mauth_buf_printf(&b, "%sa@x%d.example", i ? "," : "", i);
	got = domains_of(b.data, b.len, &error, NULL);
	ok(got == NULL, "%d mailboxes refused",
	    MAUTH_RFC5322_MAX_MAILBOXES + 1);
	like_str(error, "more than", "  error says why");
	free(got);
	free(error);
	mauth_buf_free(&b);

	struct mauth_rfc5322_addr_list l;
	ok(mauth_rfc5322_addr_parse("\"J. \\\"Q\\\"\" <j.q@x.example>", 26,
	    &l, &error) == 0, "parse a quoted display name");
	is_int((long long)l.count, 1, "  one mailbox");
	is_str(l.mailbox[0].local_part, "j.q", "  local-part");
	is_str(l.mailbox[0].domain, "x.example", "  domain");
	mauth_rfc5322_addr_list_clear(&l);
}

int
main(void)
{
	test_opendmarc_table();
	test_bypass_shapes();
	test_syntax();
	return done_testing();
}
