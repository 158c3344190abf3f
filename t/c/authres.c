/*
 * authres.c - Authentication-Results building and authserv-id parsing
 * (RFC 8601 section 2.2, section 5)
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "tap.h"

static void __attribute__((format(printf, 4, 5)))
check_format(struct mauth_authres *ar, bool fold, const char *want,
    const char *fmt, ...)
{
	char *got = mauth_authres_format(ar, fold);
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	is_str(got, want, "%s", what);
	free(got);
}

static void
test_format(void)
{
	struct mauth_authres *ar = mauth_authres_new("mx.example.net");

	check_format(ar, false, "mx.example.net; none", "nothing evaluated: none");
	check_format(ar, true, "mx.example.net; none", "  not folded either");

	mauth_authres_add(ar, "spf", "pass", NULL,
	    "smtp.mailfrom", "user@example.org", NULL);
	check_format(ar, false, "mx.example.net; spf=pass smtp.mailfrom=user@example.org",
	    "spf=pass with an address as pvalue");
	check_format(ar, true, "mx.example.net;\n\tspf=pass smtp.mailfrom=user@example.org",
	    "  folded: LF TAB before the resinfo");

	mauth_authres_add(ar, "dkim", "fail", "signature did not verify",
	    "header.d", "example.org", "header.s", "sel1", NULL);
	check_format(ar, false,
	    "mx.example.net; spf=pass smtp.mailfrom=user@example.org; "
	    "dkim=fail reason=\"signature did not verify\" header.d=example.org header.s=sel1",
	    "two resinfo, reason quoted, on one line");
	check_format(ar, true,
	    "mx.example.net;\n\tspf=pass smtp.mailfrom=user@example.org;\n\t"
	    "dkim=fail reason=\"signature did not verify\" header.d=example.org\n\theader.s=sel1",
	    "  folded before each resinfo, and before a word past 78 octets");
	mauth_authres_free(&ar);
	ok(ar == NULL, "free sets the pointer to NULL");
	mauth_authres_free(&ar);	/* no-op */
}

static void
test_quoting(void)
{
	static const struct {
		const char *value;
		const char *want;
	} cases[] = {
		{ "mx.example.org", "mx.example.org" },		/* token */
		{ "user@example.org", "user@example.org" },	/* local-part@domain */
		{ "first.last+tag@sub.example.org", "first.last+tag@sub.example.org" },
		{ "@example.org", "@example.org" },		/* domain only */
		{ "user@localhost", "\"user@localhost\"" },	/* one label: no domain-name */
		{ "user.@example.org", "\"user.@example.org\"" },
		{ "us er@example.org", "\"us er@example.org\"" },
		{ "user@-bad.example.org", "\"user@-bad.example.org\"" },
		{ "a\"b\\c@example.org", "\"a\\\"b\\\\c@example.org\"" },
		{ "evil\r\nX-Injected: yes", "\"evil??X-Injected: yes\"" },
		{ "", "\"\"" },
		{ "[192.0.2.1]", "\"[192.0.2.1]\"" },
		{ "caf\xc3\xa9@example.org", "\"caf\xc3\xa9@example.org\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mauth_authres *ar = mauth_authres_new("mx");
		char want[256];

		mauth_authres_add(ar, "spf", "none", NULL, "smtp.mailfrom",
		    cases[i].value, NULL);
		snprintf(want, sizeof(want), "mx; spf=none smtp.mailfrom=%s",
		    cases[i].want);
		check_format(ar, false, want, "pvalue %s", cases[i].want);
		mauth_authres_free(&ar);
	}

	struct mauth_authres *ar = mauth_authres_new("mx example");
	mauth_authres_add(ar, "spf", "temperror", "DNS timeout for example.org",
	    "smtp.helo", "mx.example.org", NULL);
	check_format(ar, false,
	    "\"mx example\"; spf=temperror reason=\"DNS timeout for example.org\" "
	    "smtp.helo=mx.example.org",
	    "authserv-id that is no token is quoted");
	mauth_authres_free(&ar);

	ar = mauth_authres_new("mx");
	mauth_authres_add(ar, "spf", "permerror", "bad", NULL);
	check_format(ar, false, "mx; spf=permerror reason=bad",
	    "reason that is a token stays bare");
	mauth_authres_free(&ar);
}

static void
test_long_fold(void)
{
	struct mauth_authres *ar = mauth_authres_new("mx.example.net");
	const char *addr = "a-rather-long-local-part-for-testing@subdomain.example.org";
	char *got;

	mauth_authres_add(ar, "spf", "permerror",
	    "too many DNS lookups (limit 10) at include:_spf.example.org",
	    "smtp.mailfrom", addr, NULL);
	got = mauth_authres_format(ar, true);
	is_str(got,
	    "mx.example.net;\n\tspf=permerror\n\t"
	    "reason=\"too many DNS lookups (limit 10) at include:_spf.example.org\"\n\t"
	    "smtp.mailfrom=a-rather-long-local-part-for-testing@subdomain.example.org",
	    "long words fold before reason= and the property");
	bool short_lines = true;
	for (char *line = got, *nl; line != NULL; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > 78)
			short_lines = false;
	}
	ok(short_lines, "  every line within 78 octets");
	free(got);
	got = mauth_authres_format(ar, false);
	ok(strchr(got, '\n') == NULL, "  unfolded form is one line");
	free(got);
	mauth_authres_free(&ar);
}

static void
check_id(const char *body, const char *want, const char *what)
{
	char *id = NULL, *error = NULL;
	int rc = mauth_authres_parse_id(body, strlen(body), &id, &error);

	if (want != NULL) {
		is_int(rc, 0, "parse_id %s", what);
		is_str(id, want, "  id is %s", want);
		if (rc < 0)
			diag("error: %s", error);
	} else {
		is_int(rc, -1, "parse_id refuses %s", what);
		ok(error != NULL && *error != '\0' && id == NULL,
		    "  with an error (%s)", error ? error : "none");
	}
	free(id);
	free(error);
}

static void
test_parse_id(void)
{
	check_id(" mx.example.net; spf=pass smtp.mailfrom=a@example.org",
	    "mx.example.net", "plain token");
	check_id("mx.example.net;spf=pass", "mx.example.net", "no leading space");
	check_id(" mx.example.net 1; none", "mx.example.net", "with version");
	check_id(" mx.example.net (v1) 1 (x); none", "mx.example.net",
	    "version between comments");
	check_id(" (comment) mx.example.net; none", "mx.example.net",
	    "comment before the id");
	check_id(" (outer (nested \\) still) comment)\n\t mx.example.net; none",
	    "mx.example.net", "nested comment, quoted-pair, folding");
	check_id(" \"mx.example.net\"; none", "mx.example.net", "quoted-string");
	check_id(" \"mx\\\"odd id\"; none", "mx\"odd id", "quoted-string with escapes");
	check_id(" \"mx.exa\n\tmple.net\"; none", "mx.exa\tmple.net",
	    "folding inside quoted-string unfolds");
	check_id(" mx.example.net", "mx.example.net", "id alone");
	check_id(" mx.example.net(c);none", "mx.example.net", "comment right after id");

	check_id("", NULL, "empty body");
	check_id("   \n\t ", NULL, "only white space");
	check_id(" ; spf=pass", NULL, "missing id");
	check_id(" (unterminated comment mx.example.net; none", NULL,
	    "unterminated comment");
	check_id(" \"mx.example.net; none", NULL, "unterminated quote");
	check_id(" \"\"; none", NULL, "empty quoted id");
	check_id(" mx.example.net garbage; spf=pass", NULL, "garbage after id");
	check_id(" mx.example.net/x; none", NULL, "tspecial inside id");
	check_id(" @mx.example.net; none", NULL, "tspecial first");
	check_id(" \"mx\"1; none", NULL, "version without CFWS");

	char deep[400];
	size_t n = 0;
	for (int i = 0; i < 100; i++)
		deep[n++] = '(';
	for (int i = 0; i < 100; i++)
		deep[n++] = ')';
	strcpy(deep + n, " mx; none");
	check_id(deep, NULL, "comments nested 100 deep");

	/* a NUL byte inside the given length */
	static const char nul[] = " mx.exa\0mple.net; none";
	char *id = NULL, *error = NULL;
	is_int(mauth_authres_parse_id(nul, sizeof(nul) - 1, &id, &error), -1,
	    "NUL byte inside the id refused");
	free(id);
	free(error);
}

static void
test_claims(void)
{
	static const char *ours = "mx.example.net";

	ok(mauth_authres_claims_id(" mx.example.net; none", 20, ours),
	    "claims: same id");
	const char *b = " MX.Example.NET; spf=pass smtp.mailfrom=a@example.org";
	ok(mauth_authres_claims_id(b, strlen(b), ours), "claims: case differs");
	b = " (forged) \"mx.example.net\" 1; spf=pass";
	ok(mauth_authres_claims_id(b, strlen(b), ours),
	    "claims: comment, quoted, version");
	b = " mx.example.com; spf=pass";
	ok(!mauth_authres_claims_id(b, strlen(b), ours), "other id: no claim");
	b = " mx.example.net.evil.org; spf=pass";
	ok(!mauth_authres_claims_id(b, strlen(b), ours), "longer id: no claim");
	b = " (mx.example.net; spf=pass";
	ok(!mauth_authres_claims_id(b, strlen(b), ours),
	    "unparsable field claims nothing");
	b = " mx.example.net; none";
	ok(!mauth_authres_claims_id(b, strlen(b), NULL), "no id of ours: no claim");
	/* length is authoritative: a prefix of the same text */
	ok(!mauth_authres_claims_id(" mx.example.net; none", 6, ours),
	    "only len bytes are read");
}

/* comments after the result (DMARC's "(p=... dis=...)") */
static void
test_comment(void)
{
	struct mauth_authres *ar = mauth_authres_new("mx.example.net");

	mauth_authres_comment(ar, "ignored: no resinfo yet");
	check_format(ar, false, "mx.example.net; none", "comment before any resinfo: no-op");
	mauth_authres_add(ar, "dmarc", "fail", NULL, "header.from", "example.org", NULL);
	mauth_authres_comment(ar, "p=reject sp=quarantine dis=reject");
	check_format(ar, false,
	    "mx.example.net; dmarc=fail (p=reject sp=quarantine dis=reject)"
	    " header.from=example.org", "comment right after the result");
	mauth_authres_comment(ar, "a (nested) \\ c\r\nX-Injected: yes");
	check_format(ar, false,
	    "mx.example.net; dmarc=fail (a \\(nested\\) \\\\ c??X-Injected: yes)"
	    " header.from=example.org", "parentheses and backslash escaped, CR LF as ?");
	mauth_authres_add(ar, "dmarc", "pass", NULL, "header.from", "example.net", NULL);
	check_format(ar, false,
	    "mx.example.net; dmarc=fail (a \\(nested\\) \\\\ c??X-Injected: yes)"
	    " header.from=example.org; dmarc=pass header.from=example.net",
	    "the comment belongs to its own resinfo");
	mauth_authres_free(&ar);
}

int
main(void)
{
	test_comment();
	test_format();
	test_quoting();
	test_long_fold();
	test_parse_id();
	test_claims();
	return done_testing();
}
