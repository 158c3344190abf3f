/*
 * inbound.c - one transaction end to end: SPF at MAIL FROM, forged
 * Authentication-Results detection, the A-R field and the action, with DNS
 * answered from t/data/zones/check.zone plus injected failures.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_mem.h"
#include "dns_zone.h"
#include "inbound.h"
#include "message.h"
#include "tap.h"
#include "xmalloc.h"

#define ID "mx.test.example"
#define GOOD "192.0.2.10"
#define STRANGER "198.51.100.7"

static struct mauth_dns *
zone_resolver(void)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	char *error = NULL;

	if (mauth_dns_zone_load(mem, tap_path("t/data/zones/check.zone"), NULL,
	    &error) < 0 ||
	    mauth_dns_mem_set_status(mem, "timeout.check.example",
	    MAUTH_DNS_T_TXT, MAUTH_DNS_TIMEOUT, &error) < 0 ||
	    mauth_dns_mem_set_status(mem, "servfail.check.example", 0,
	    MAUTH_DNS_SERVFAIL, &error) < 0) {
		printf("Bail out! check.zone: %s\n", error);
		exit(1);
	}
	return mauth_dns_mem_resolver(mem, true);
}

/* run - one transaction without a message; ip NULL: client unknown */
static struct mauth_inbound *
run(const struct mauth_inbound_ctx *ctx, const char *ip, const char *helo,
    const char *mailfrom)
{
	struct mauth_ip addr;
	struct mauth_inbound *in;

	if (ip != NULL && mauth_ip_parse(ip, &addr) < 0)
		abort();
	in = mauth_inbound_new(ctx, ip != NULL ? &addr : NULL, helo);
	if (mailfrom != NULL)
		mauth_inbound_mailfrom(in, mailfrom);
	mauth_inbound_rcpt(in, "<rcpt@test.example>");
	mauth_inbound_header(in, "Subject", " test");
	mauth_inbound_eoh(in);
	mauth_inbound_body(in, (const unsigned char *)"hi\r\n", 4);
	mauth_inbound_eom(in);
	return in;
}

/* quoted - s as an RFC 2045 quoted-string ('"' and '\\' escaped) */
static char *
quoted(const char *s)
{
	char *q = xmalloc(2 * strlen(s) + 3), *p = q;

	*p++ = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p++ = '"';
	*p = '\0';
	return q;
}

static void
test_spf(const struct mauth_inbound_ctx *ctx)
{
	static const struct {
		const char *ip, *helo, *mailfrom;
		enum mauth_spf_result result;
		const char *authres;	/* NULL: error result, checked apart */
	} cases[] = {
		{ GOOD, "mx.check.example", "<user@pass.check.example>", MAUTH_SPF_PASS,
		  ID "; spf=pass smtp.mailfrom=user@pass.check.example" },
		{ GOOD, "mx.check.example", "user@pass.check.example", MAUTH_SPF_PASS,
		  ID "; spf=pass smtp.mailfrom=user@pass.check.example" },
		{ GOOD, "mx.check.example", "<@relay.example:user@pass.check.example>",
		  MAUTH_SPF_PASS, ID "; spf=pass smtp.mailfrom=user@pass.check.example" },
		{ GOOD, "mx.check.example", "<user@fail.check.example>", MAUTH_SPF_FAIL,
		  ID "; spf=fail smtp.mailfrom=user@fail.check.example" },
		{ GOOD, "mx.check.example", "<user@softfail.check.example>",
		  MAUTH_SPF_SOFTFAIL,
		  ID "; spf=softfail smtp.mailfrom=user@softfail.check.example" },
		{ GOOD, "mx.check.example", "<user@neutral.check.example>",
		  MAUTH_SPF_NEUTRAL,
		  ID "; spf=neutral smtp.mailfrom=user@neutral.check.example" },
		{ GOOD, "mx.check.example", "<user@nospf.check.example>", MAUTH_SPF_NONE,
		  ID "; spf=none smtp.mailfrom=user@nospf.check.example" },
		{ GOOD, "mx.check.example", "<user@nowhere.check.example>", MAUTH_SPF_NONE,
		  ID "; spf=none smtp.mailfrom=user@nowhere.check.example" },
		{ GOOD, "mx.check.example", "<user@split.check.example>", MAUTH_SPF_PASS,
		  ID "; spf=pass smtp.mailfrom=user@split.check.example" },
		{ STRANGER, "mx.check.example", "<user@split.check.example>", MAUTH_SPF_FAIL,
		  ID "; spf=fail smtp.mailfrom=user@split.check.example" },
		{ GOOD, "mx.check.example", "<user@permerror.check.example>",
		  MAUTH_SPF_PERMERROR, NULL },
		{ GOOD, "mx.check.example", "<user@timeout.check.example>",
		  MAUTH_SPF_TEMPERROR, NULL },
		{ GOOD, "mx.check.example", "<user@servfail.check.example>",
		  MAUTH_SPF_TEMPERROR, NULL },
		{ GOOD, "mx.check.example", "<user@inc-timeout.check.example>",
		  MAUTH_SPF_TEMPERROR, NULL },
		/* null reverse-path: the HELO identity */
		{ GOOD, "mx.check.example", "<>", MAUTH_SPF_PASS,
		  ID "; spf=pass smtp.helo=mx.check.example" },
		{ STRANGER, "mx.check.example", "", MAUTH_SPF_FAIL,
		  ID "; spf=fail smtp.helo=mx.check.example" },
		/* null reverse-path and no HELO: nothing to name */
		{ GOOD, NULL, "<>", MAUTH_SPF_NONE, ID "; spf=none" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mauth_inbound *in = run(ctx, cases[i].ip, cases[i].helo,
		    cases[i].mailfrom);
		const struct mauth_spf_outcome *o = mauth_inbound_spf(in);
		char *ar = mauth_inbound_authres(in, false);

		ok(o != NULL, "%s from %s: SPF evaluated", cases[i].mailfrom,
		    cases[i].ip);
		if (o != NULL)
			is_str(mauth_spf_result_name(o->result),
			    mauth_spf_result_name(cases[i].result), "  result");
		if (cases[i].authres != NULL) {
			is_str(ar, cases[i].authres, "  A-R");
		} else if (o != NULL) {
			/* reason= is the outcome's problem text, quoted */
			char *reason = quoted(o->problem ? o->problem : "");
			char *want = xasprintf(ID "; spf=%s reason=%s "
			    "smtp.mailfrom=%.*s",
			    mauth_spf_result_name(cases[i].result), reason,
			    (int)strlen(cases[i].mailfrom) - 2, cases[i].mailfrom + 1);
			free(reason);
			ok(o->problem != NULL && *o->problem != '\0',
			    "  problem given: %s", o->problem ? o->problem : "(none)");
			is_str(ar, want, "  A-R with reason");
			free(want);
		}
		free(ar);
		mauth_inbound_free(&in);
	}
}

static void
test_no_spf(const struct mauth_inbound_ctx *ctx)
{
	struct mauth_inbound *in = run(ctx, NULL, "mx.check.example",
	    "<user@pass.check.example>");
	char *ar = mauth_inbound_authres(in, false);

	ok(mauth_inbound_spf(in) == NULL, "no client IP: SPF not evaluated");
	is_str(ar, ID "; none", "  A-R says none");
	free(ar);
	ar = mauth_inbound_authres(in, true);
	is_str(ar, ID "; none", "  folded too");
	free(ar);
	mauth_inbound_free(&in);
	ok(in == NULL, "free sets the pointer to NULL");

	in = run(ctx, GOOD, "mx.check.example", NULL);
	ok(mauth_inbound_spf(in) == NULL, "no MAIL FROM: SPF not evaluated");
	mauth_inbound_free(&in);
}

static void
test_folded(const struct mauth_inbound_ctx *ctx)
{
	struct mauth_inbound *in = run(ctx, GOOD, "mx.check.example",
	    "<user@pass.check.example>");
	char *ar = mauth_inbound_authres(in, true);

	is_str(ar, ID ";\n\tspf=pass smtp.mailfrom=user@pass.check.example",
	    "folded A-R for the milter");
	free(ar);
	mauth_inbound_free(&in);
}

static int
sink_header(void *in, const char *name, const char *value)
{
	mauth_inbound_header(in, name, value);
	return 0;
}

static void
test_forged(const struct mauth_inbound_ctx *ctx)
{
	static const char msg[] =
	    "Authentication-Results: mx.test.example; spf=pass smtp.mailfrom=a@b.example\n"
	    "Received: from x by y\n"
	    "Authentication-Results: other.example; spf=fail smtp.mailfrom=a@b.example\n"
	    "authentication-results: (forged)\n"
	    "   MX.Test.Example 1; dkim=pass header.d=b.example\n"
	    "Subject: Authentication-Results: mx.test.example; none\n"
	    "Authentication-Results: mx.test.example.evil.example; none\n"
	    "\n"
	    "Authentication-Results: mx.test.example; in the body\n";
	struct mauth_ip addr;
	struct mauth_inbound *in;
	const size_t *pos;
	size_t n;

	mauth_ip_parse(GOOD, &addr);
	in = mauth_inbound_new(ctx, &addr, "mx.check.example");
	mauth_inbound_mailfrom(in, "<user@pass.check.example>");

	struct mauth_message_sink sink = { .header = sink_header, .ctx = in };
	char *error = NULL;
	is_int(mauth_message_feed(msg, sizeof(msg) - 1, &sink, &error), 0,
	    "message with four A-R fields fed");
	mauth_inbound_eoh(in);
	mauth_inbound_eom(in);

	n = mauth_inbound_forged(in, &pos);
	is_int((long long)n, 2, "two claim our authserv-id");
	if (n == 2) {
		is_int((long long)pos[0], 1, "  the first A-R field (same case)");
		is_int((long long)pos[1], 3,
		    "  the third (other case, comment before the id, folded)");
	}
	char *ar = mauth_inbound_authres(in, false);
	is_str(ar, ID "; spf=pass smtp.mailfrom=user@pass.check.example",
	    "  our own A-R is unaffected by the forged ones");
	free(ar);
	mauth_inbound_free(&in);

	in = run(ctx, GOOD, "mx.check.example", "<>");
	n = mauth_inbound_forged(in, &pos);
	is_int((long long)n, 0, "no A-R fields: nothing forged");
	mauth_inbound_free(&in);
}

static void
test_action(struct mauth_inbound_ctx *ctx)
{
	struct mauth_action act;
	struct mauth_inbound *in;

	ctx->on_temperror = MAUTH_ON_TEMPERROR_ACCEPT;
	in = run(ctx, GOOD, "mx.check.example", "<user@timeout.check.example>");
	mauth_inbound_action(in, &act);
	is_int(act.kind, MAUTH_ACTION_ACCEPT, "temperror, On-TempError accept: accept");
	ok(act.rcode == NULL && act.xcode == NULL, "  no reply code");
	mauth_inbound_free(&in);

	ctx->on_temperror = MAUTH_ON_TEMPERROR_TEMPFAIL;
	in = run(ctx, GOOD, "mx.check.example", "<user@timeout.check.example>");
	mauth_inbound_action(in, &act);
	is_int(act.kind, MAUTH_ACTION_TEMPFAIL, "temperror, On-TempError tempfail: tempfail");
	is_str(act.rcode, "451", "  451");
	is_str(act.xcode, "4.7.24", "  4.7.24 (RFC 7372 SPF validation error)");
	like_str(act.text, "timeout.check.example", "  text names the domain: %s",
	    act.text ? act.text : "(null)");
	mauth_inbound_free(&in);

	in = run(ctx, GOOD, "mx.check.example", "<user@servfail.check.example>");
	mauth_inbound_action(in, &act);
	is_int(act.kind, MAUTH_ACTION_TEMPFAIL, "SERVFAIL, On-TempError tempfail: tempfail");
	mauth_inbound_free(&in);

	static const char *others[] = {
		"<user@pass.check.example>", "<user@fail.check.example>",
		"<user@permerror.check.example>", "<user@nospf.check.example>",
	};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		in = run(ctx, GOOD, "mx.check.example", others[i]);
		mauth_inbound_action(in, &act);
		is_int(act.kind, MAUTH_ACTION_ACCEPT,
		    "%s, On-TempError tempfail: accept", others[i]);
		mauth_inbound_free(&in);
	}

	/* no evaluation at all: nothing to tempfail on */
	in = run(ctx, NULL, "mx.check.example", "<user@timeout.check.example>");
	mauth_inbound_action(in, &act);
	is_int(act.kind, MAUTH_ACTION_ACCEPT, "no client IP: accept");
	mauth_inbound_free(&in);
	ctx->on_temperror = MAUTH_ON_TEMPERROR_ACCEPT;
}

int
main(void)
{
	struct mauth_inbound_ctx ctx = {
		.dns = zone_resolver(),
		.authserv_id = ID,
		.spf = { .receiver = ID },
		.on_temperror = MAUTH_ON_TEMPERROR_ACCEPT,
	};

	test_spf(&ctx);
	test_no_spf(&ctx);
	test_folded(&ctx);
	test_forged(&ctx);
	test_action(&ctx);
	mauth_dns_free(&ctx.dns);
	return done_testing();
}
