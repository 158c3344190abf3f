/*
 * dkim-verify.c - verifier behaviour, above all where libopendkim on its own
 * gets it wrong (measured on Debian's libopendkim 2.11.0~beta2; each case
 * below names what libopendkim alone answers)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dkim-util.h"
#include "tap.h"
#include "xmalloc.h"

static struct mauth_dns *dns;
static struct mauth_dkim *dkim;
static struct mauth_dkim_key *rsa2048, *rsa1024, *ed;

static const char plain[] =
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.org\r\n"
    "Subject: quarterly figures\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <q1@example.com>\r\n"
    "\r\n"
    "Hello Bob,\r\n"
    "\r\n"
    "the figures are attached.\r\n";

static struct mauth_dkim_key *
key_file(const char *rel)
{
	size_t len;
	char *data = slurp(tap_path(rel), &len), *error = NULL;
	struct mauth_dkim_key *key = NULL;

	if (data == NULL || mauth_dkim_key_parse(data, len, rel, &key, &error) < 0) {
		diag("%s: %s", rel, error ? error : "unreadable");
		exit(1);
	}
	free(data);
	return key;
}

static void
publish(const char *name, const struct mauth_dkim_key *key)
{
	char *p = mauth_dkim_key_public(key), *txt;

	txt = xasprintf("v=DKIM1; k=%s; p=%s",
	    mauth_dkim_key_alg(key) == MAUTH_DKIM_ED25519_SHA256 ? "ed25519" : "rsa", p);
	tdns_txt(dns, name, txt);
	free(txt);
	free(p);
}

static char *
sign1(const struct mauth_dkim *with, const struct mauth_dkim_key *key,
    const char *domain, const char *selector, const char *msg, size_t *len_r)
{
	struct mauth_dkim_signing sel = { key, (char *)domain, (char *)selector, NULL, NULL };

	return sign_message(with, &sel, 1, msg, strlen(msg), len_r);
}

/* msg with field added as the last header field */
static char *
add_last_field(const char *msg, const char *field)
{
	const char *eoh = strstr(msg, "\r\n\r\n");
	size_t hl = eoh ? (size_t)(eoh - msg) + 2 : strlen(msg);

	return xasprintf("%.*s%s\r\n%s", (int)hl, msg, field, msg + hl);
}

/* verify msg; check the result count and each verdict against want */
static const struct mauth_dkim_sig *
check(const char *what, const char *msg, size_t len, size_t chunk,
    size_t want_n, const enum mauth_dkim_result *want,
    struct mauth_dkim_verify **v_r)
{
	struct mauth_dkim_verify *v = verify_message(dkim, msg, len, chunk);
	const struct mauth_dkim_sig *r;
	size_t n = mauth_dkim_verify_results(v, &r);

	is_int(n, want_n, "%s: %zu result(s)", what, want_n);
	for (size_t i = 0; i < n && i < want_n; i++)
		if (!is_str(mauth_dkim_result_name(r[i].result),
		    mauth_dkim_result_name(want[i]), "  signature %zu: %s", i + 1,
		    mauth_dkim_result_name(want[i])))
			diag("  %s", result_str(&r[i]));
	*v_r = v;
	return r;
}

static void
test_roundtrip(void)
{
	struct mauth_dkim_verify *v;
	size_t len;
	char *m = sign1(dkim, rsa2048, "example.com", "rsa", plain, &len);
	const enum mauth_dkim_result pass[] = { MAUTH_DKIM_PASS };
	const struct mauth_dkim_sig *r = check("rsa-sha256 2048 round trip", m, len, 0, 1, pass, &v);

	is_str(r->domain, "example.com", "  header.d");
	is_str(r->selector, "rsa", "  header.s");
	is_str(r->identity, "@example.com", "  header.i defaults to @d=");
	is_str(r->algorithm, "rsa-sha256", "  header.a");
	is_int(strlen(r->b), 8, "  header.b has 8 characters");
	ok(strstr(m, r->b) != NULL, "  header.b is the start of b=");
	is_int(r->key_bits, 2048, "  key bits");
	ok(r->verified && !r->has_length, "  verified, no l=");
	mauth_dkim_verify_free(&v);
	free(m);

	m = sign1(dkim, ed, "example.net", "ed", plain, &len);
	r = check("ed25519-sha256 round trip", m, len, 0, 1, pass, &v);
	is_int(r->key_bits, 256, "  key bits");
	is_str(r->algorithm, "ed25519-sha256", "  header.a");
	mauth_dkim_verify_free(&v);

	/* the body in 1- and 7-octet chunks: CRLF split across chunks */
	mauth_dkim_verify_free(&v);
	check("body fed 1 octet at a time", m, len, 1, 1, pass, &v);
	mauth_dkim_verify_free(&v);
	check("body fed 7 octets at a time", m, len, 7, 1, pass, &v);
	mauth_dkim_verify_free(&v);
	free(m);
}

static void
test_tampered(void)
{
	struct mauth_dkim_verify *v;
	size_t len;
	char *m = sign1(dkim, rsa2048, "example.com", "rsa", plain, &len);
	const enum mauth_dkim_result fail[] = { MAUTH_DKIM_FAIL };
	char *p = strstr(m, "attached");

	memcpy(p, "ATTACHED", 8);
	const struct mauth_dkim_sig *r = check("body changed", m, len, 0, 1, fail, &v);
	like_str(r->reason, "body hash", "  reason names the body hash");
	ok(!r->verified, "  not verified");
	mauth_dkim_verify_free(&v);
	memcpy(p, "attached", 8);
	p = strstr(m, "quarterly");
	memcpy(p, "QUARTERLY", 9);
	r = check("signed Subject changed", m, len, 0, 1, fail, &v);
	like_str(r->reason, "does not verify", "  reason: signature does not verify");
	mauth_dkim_verify_free(&v);
	free(m);
}

/*
 * libopendkim alone: dkim_chunk() gives SYNTAX for the whole message and
 * never checks the valid signature.
 */
static void
test_malformed_neighbour(void)
{
	struct mauth_dkim_verify *v;
	size_t len;
	char *m = sign1(dkim, rsa2048, "example.com", "rsa", plain, &len);
	const enum mauth_dkim_result want[] = { MAUTH_DKIM_PERMERROR, MAUTH_DKIM_PASS,
	    MAUTH_DKIM_PERMERROR };
	/* one malformed field above the valid signature, one at the end of the header */
	char *top = xasprintf("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa;"
	    " h=from; bh=AAAA; b=\xff\xfe\r\n%s", m);
	char *fixed = add_last_field(top,
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; b=AAAA");

	const struct mauth_dkim_sig *r = check("malformed signatures around a valid one",
	    fixed, strlen(fixed), 0, 3, want, &v);
	like_str(r[0].reason, "invalid character 0xff", "  first: the octet is named");
	like_str(r[2].reason, "required tag bh= missing", "  last: the missing tag is named");
	mauth_dkim_verify_free(&v);
	free(fixed);
	free(top);
	free(m);
}

/*
 * i= and z= ending in a broken "=" escape: libopendkim's quoted-printable
 * decoder read past the end of the value and crashed (found by
 * t/fuzz/fuzz-dkim-verify); such fields are now judged by mauth alone and
 * never reach libopendkim, and the signatures around them still line up
 * with libopendkim's list
 */
static void
test_broken_qp_neighbours(void)
{
	struct mauth_dkim_verify *v;
	size_t len;
	char *m = sign1(dkim, rsa2048, "example.com", "rsa", plain, &len);
	const enum mauth_dkim_result want[] = { MAUTH_DKIM_PERMERROR, MAUTH_DKIM_PASS,
	    MAUTH_DKIM_PERMERROR, MAUTH_DKIM_PERMERROR };
	char *top = xasprintf("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa;"
	    " h=from; bh=AAAA; b=AAAA; i=@=\r\n%s", m);
	char *mid = add_last_field(top, "DKIM-Signature: v=1; a=rsa-sha256; "
	    "d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA; z=From:x=4");
	char *fixed = add_last_field(mid, "DKIM-Signature: v=1; a=rsa-sha256; "
	    "d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA; i=@example.com=");

	const struct mauth_dkim_sig *r = check("broken i=/z= escapes around a valid signature",
	    fixed, strlen(fixed), 0, 4, want, &v);
	like_str(r[0].reason, "i= \"@=\" is not dkim-quoted-printable", "  first: i= named");
	like_str(r[2].reason, "z= \"From:x=4\"", "  third: z= named");
	like_str(r[3].reason, "needs two hex digits", "  fourth: why");
	mauth_dkim_verify_free(&v);
	free(fixed);
	free(mid);
	free(top);
	free(m);
}

/*
 * libopendkim alone: a body without a final CRLF under relaxed body
 * canonicalization gives SYNTAX ("CRLF at end of body missing"), both
 * signing and verifying.
 */
static void
test_no_final_crlf(void)
{
	static const char msg[] = "From: alice@example.com\r\nTo: bob@example.org\r\n"
	    "Subject: no newline\r\n\r\nlast line without CRLF";
	const enum mauth_dkim_result pass[] = { MAUTH_DKIM_PASS };
	struct mauth_dkim_verify *v;
	size_t len;
	char *m = sign1(dkim, rsa2048, "example.com", "rsa", msg, &len);

	ok(m != NULL, "relaxed signer accepts a body without final CRLF");
	if (m == NULL)
		return;
	check("body without final CRLF, relaxed/relaxed", m, len, 0, 1, pass, &v);
	mauth_dkim_verify_free(&v);
	/* the canonical body is the same with the CRLF added (section 3.4.4) */
	m = xrealloc(m, len + 3);
	memcpy(m + len, "\r\n", 3);
	check("  the same with the CRLF added verifies too", m, len + 2, 0, 1, pass, &v);
	mauth_dkim_verify_free(&v);
	free(m);
}

/*
 * libopendkim alone, fed by dkim_chunk(): a header-only message signed
 * with simple header canonicalization gives BADSIG.
 */
static void
test_header_only(void)
{
	static const char msg[] = "From: alice@example.com\r\nTo: bob@example.org\r\n"
	    "Subject: nothing to say\r\n";
	const enum mauth_dkim_result pass[] = { MAUTH_DKIM_PASS };
	struct mauth_dkim_options opt;
	struct mauth_dkim *simple;
	struct mauth_dkim_verify *v;
	char *error = NULL;
	size_t len;

	mauth_dkim_options_init(&opt);
	opt.dns = dns;
	opt.header_canon = opt.body_canon = MAUTH_DKIM_SIMPLE;
	if (mauth_dkim_new(&opt, &simple, &error) < 0) {
		diag("%s", error);
		exit(1);
	}
	char *m = sign1(simple, rsa2048, "example.com", "rsa", msg, &len);
	ok(strstr(m, "c=simple/simple") != NULL, "header-only message signed simple/simple");
	check("header-only message, simple/simple", m, len, 0, 1, pass, &v);
	mauth_dkim_verify_free(&v);
	free(m);
	m = sign1(dkim, rsa2048, "example.com", "rsa", msg, &len);
	check("header-only message, relaxed/relaxed", m, len, 0, 1, pass, &v);
	mauth_dkim_verify_free(&v);
	free(m);
	mauth_dkim_free(&simple);
}

/* libopendkim alone: dkim_eoh() answers SYNTAX ("no from header field") */
static void
test_unsigned_without_from(void)
{
	static const char *const msgs[] = {
		"To: bob@example.org\r\nSubject: no From\r\n\r\nbody\r\n",
		"From: undisclosed-recipients:;\r\nTo: bob@example.org\r\n\r\nbody\r\n",
		"From: alice@example.com\r\nTo: bob@example.org\r\n\r\nbody\r\n",
	};
	static const char *const what[] = { "no From", "From with a group and no address",
	    "plain" };

	for (size_t i = 0; i < 3; i++) {
		struct mauth_dkim_verify *v = verify_message(dkim, msgs[i], strlen(msgs[i]), 0);
		const struct mauth_dkim_sig *r;
		is_int(mauth_dkim_verify_results(v, &r), 0, "unsigned, %s: no result (dkim=none)",
		    what[i]);
		mauth_dkim_verify_free(&v);
	}
}

/*
 * libopendkim alone, with DKIM_LIBFLAGS_BADSIGHANDLES: this signature
 * verifies (CVE-2020-12272 shape); without the flag, the whole message
 * is SYNTAX.
 */
static void
test_cve_2020_12272(void)
{
	size_t len;
	char *m = slurp(tap_path("t/vectors/dkim/dkimpy/data/test.message.baddomain"), &len);
	char *key = slurp(tap_path("t/vectors/dkim/dkimpy/data/test.txt"), &len);
	const enum mauth_dkim_result perm[] = { MAUTH_DKIM_PERMERROR };
	struct mauth_dkim_verify *v;

	key[strcspn(key, "\n")] = '\0';
	tdns_txt(dns, "test._domainkey.legitimate.com(.attacker.com", key);
	unsigned long before = tdns_queries(dns);
	const struct mauth_dkim_sig *r = check("d=legitimate.com(.attacker.com",
	    m, strlen(m), 0, 1, perm, &v);
	like_str(r->reason, "d= \"legitimate.com(.attacker.com\"", "  reason names d=");
	is_int(tdns_queries(dns) - before, 0, "  no DNS query made");
	mauth_dkim_verify_free(&v);
	free(m);
	free(key);
}

/* libopendkim alone accepts rsa-sha1, and its MINKEYBITS hides the verdict */
static void
test_rfc8301(void)
{
	struct mauth_dkim_options opt;
	struct mauth_dkim *strict;
	struct mauth_dkim_verify *v;
	char *error = NULL;
	size_t len;
	const enum mauth_dkim_result policy[] = { MAUTH_DKIM_POLICY };

	char *m = slurp(tap_path("t/vectors/dkim/opendkim/messages/t-test04.eml"), &len);
	tdns_load(dns, tap_path("t/vectors/dkim/opendkim/testkeys.txt"), NULL, NULL);
	const struct mauth_dkim_sig *r = check("rsa-sha1 (OpenDKIM t-test04)", m, len, 0, 1,
	    policy, &v);
	ok(r->verified, "  would verify");
	like_str(r->reason, "rsa-sha1 is not acceptable", "  reason: rsa-sha1 refused");
	mauth_dkim_verify_free(&v);
	free(m);

	mauth_dkim_options_init(&opt);
	opt.dns = dns;
	opt.min_key_bits = 2048;
	mauth_dkim_new(&opt, &strict, &error);
	m = sign1(dkim, rsa1024, "example.com", "rsa1024", plain, &len);
	v = verify_message(strict, m, len, 0);
	mauth_dkim_verify_results(v, &r);
	is_str(mauth_dkim_result_name(r->result), "policy", "1024-bit key with MinimumKeyBits 2048: policy");
	like_str(r->reason, "below MinimumKeyBits 2048", "  reason names the limit");
	is_int(r->key_bits, 1024, "  key bits reported");
	mauth_dkim_verify_free(&v);
	v = verify_message(dkim, m, len, 0);
	mauth_dkim_verify_results(v, &r);
	is_str(mauth_dkim_result_name(r->result), "pass", "  the same with the default 1024: pass");
	mauth_dkim_verify_free(&v);
	mauth_dkim_free(&strict);
	free(m);
}

/* DNS failures stay per signature, temperror and permerror never mixed */
static void
test_dns(void)
{
	static const struct {
		const char *sel;
		enum mauth_dns_status st;	/* OK: a garbage record */
		enum mauth_dkim_result want;
		const char *reason;
	} cases[] = {
		{ "timeout", MAUTH_DNS_TIMEOUT, MAUTH_DKIM_TEMPERROR, "DNS TIMEOUT" },
		{ "servfail", MAUTH_DNS_SERVFAIL, MAUTH_DKIM_TEMPERROR, "DNS SERVFAIL" },
		{ "refused", MAUTH_DNS_ERROR, MAUTH_DKIM_TEMPERROR, "DNS ERROR" },
		{ "absent", MAUTH_DNS_NXDOMAIN, MAUTH_DKIM_PERMERROR, "NXDOMAIN" },
		{ "nodata", MAUTH_DNS_NODATA, MAUTH_DKIM_PERMERROR, "NODATA" },
		{ "garbage", MAUTH_DNS_OK, MAUTH_DKIM_PERMERROR, "not an RSA public key" },
	};
	size_t len;

	tdns_status(dns, "timeout._domainkey.example.com", MAUTH_DNS_TIMEOUT);
	tdns_status(dns, "servfail._domainkey.example.com", MAUTH_DNS_SERVFAIL);
	tdns_status(dns, "refused._domainkey.example.com", MAUTH_DNS_ERROR);
	tdns_status(dns, "nodata._domainkey.example.com", MAUTH_DNS_NODATA);
	tdns_txt(dns, "garbage._domainkey.example.com", "v=DKIM1; k=rsa; p=Zm9vYmFy");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *bad = sign1(dkim, rsa2048, "example.com", cases[i].sel, plain, &len);
		/* a good signature below the one whose key fails */
		char *both = sign1(dkim, rsa2048, "example.com", "rsa", bad, &len);
		const enum mauth_dkim_result want[] = { MAUTH_DKIM_PASS, cases[i].want };
		struct mauth_dkim_verify *v;
		char *what = xasprintf("key lookup %s", cases[i].sel);
		const struct mauth_dkim_sig *r = check(what, both, len, 0, 2, want, &v);
		like_str(r[1].reason, cases[i].reason, "  reason: %s", cases[i].reason);
		mauth_dkim_verify_free(&v);
		free(what);
		free(bad);
		free(both);
	}
}

/* MaximumSignaturesToVerify bounds the lookups a hostile message causes */
static void
test_max_signatures(void)
{
	size_t len;
	char *m = xstrdup(plain);

	for (int i = 0; i < 12; i++) {
		char *next = sign1(dkim, ed, "example.net", "ed", m, &len);
		free(m);
		m = next;
	}
	unsigned long before = tdns_queries(dns);
	struct mauth_dkim_verify *v = verify_message(dkim, m, len, 0);
	const struct mauth_dkim_sig *r;
	size_t n = mauth_dkim_verify_results(v, &r);
	is_int(n, 10, "12 signatures: 10 results (MaximumSignaturesToVerify)");
	is_int(mauth_dkim_verify_skipped(v), 2, "  2 skipped");
	ok(tdns_queries(dns) - before <= 10, "  at most 10 key lookups (%lu)",
	    tdns_queries(dns) - before);
	size_t pass = 0;
	for (size_t i = 0; i < n; i++)
		pass += r[i].result == MAUTH_DKIM_PASS;
	is_int(pass, 10, "  all 10 pass");
	mauth_dkim_verify_free(&v);
	free(m);
}

int
main(void)
{
	char *error = NULL;
	struct mauth_dkim_options opt;

	dns = tdns_new();
	rsa2048 = key_file("t/vectors/dkim/dkimpy/data/2048_testkey.key");
	rsa1024 = key_file("t/vectors/dkim/dkimpy/data/test.private");
	ed = key_file("t/vectors/dkim/dkimpy/data/ed25519test.key");
	publish("rsa._domainkey.example.com", rsa2048);
	publish("rsa1024._domainkey.example.com", rsa1024);
	publish("ed._domainkey.example.net", ed);
	mauth_dkim_options_init(&opt);
	opt.dns = dns;
	if (mauth_dkim_new(&opt, &dkim, &error) < 0) {
		diag("%s", error);
		return 1;
	}
	test_roundtrip();
	test_tampered();
	test_malformed_neighbour();
	test_broken_qp_neighbours();
	test_no_final_crlf();
	test_header_only();
	test_unsigned_without_from();
	test_cve_2020_12272();
	test_rfc8301();
	test_dns();
	test_max_signatures();
	mauth_dkim_free(&dkim);
	mauth_dkim_key_free(&rsa2048);
	mauth_dkim_key_free(&rsa1024);
	mauth_dkim_key_free(&ed);
	mauth_dns_free(&dns);
	return done_testing();
}
