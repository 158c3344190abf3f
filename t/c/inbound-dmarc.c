/*
 * inbound-dmarc.c - DMARC in a transaction (lib/inbound.c with
 * lib/inbound_dmarc.c): the dmarc= resinfo, the action for the MTA and
 * the outcome kept for reports, under each configuration key; DNS from an
 * in-memory zone with injected failures.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "dns_mem.h"
#include "dns_zone.h"
#include "inbound.h"
#include "tap.h"

#define ID "mx.test.example"
#define GOOD "192.0.2.10"
#define FORWARDER "198.51.100.7"

static const char zone[] =
    "$TTL 300\n"
    "reject.example. IN TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc.reject.example. IN TXT \"v=DMARC1; p=reject; rua=mailto:agg@reject.example\"\n"
    "quar.example. IN TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc.quar.example. IN TXT \"v=DMARC1; p=quarantine\"\n"
    "none.example. IN TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc.none.example. IN TXT \"v=DMARC1; p=none\"\n"
    "_dmarc.testing.example. IN TXT \"v=DMARC1; p=reject; t=y\"\n"
    "_dmarc.tempspf.example. IN TXT \"v=DMARC1; p=reject\"\n"
    "evil.example. IN TXT \"v=spf1 +all\"\n";

static struct mauth_dns *
resolver(void)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	char *error = NULL;

	if (mauth_dns_zone_parse(mem, zone, sizeof(zone) - 1, "zone", NULL, &error) < 0 ||
	    mauth_dns_mem_set_status(mem, "_dmarc.slow.example", 0,
	    MAUTH_DNS_TIMEOUT, &error) < 0 ||
	    mauth_dns_mem_set_status(mem, "tempspf.example", MAUTH_DNS_T_TXT,
	    MAUTH_DNS_TIMEOUT, &error) < 0) {
		printf("Bail out! %s\n", error);
		exit(1);
	}
	return mauth_dns_mem_resolver(mem, true);
}

struct setup {
	struct mauth_conf *conf;
	struct mauth_inbound_ctx ctx;
};

/* a context from mauthd.conf text */
static void
setup(struct setup *s, struct mauth_dns *dns, const char *conf_text)
{
	char *error = NULL;

	if (mauth_conf_parse("t.conf", conf_text, strlen(conf_text), &s->conf,
	    &error) < 0) {
		printf("Bail out! %s\n", error);
		exit(1);
	}
	memset(&s->ctx, 0, sizeof(s->ctx));
	s->ctx.dns = dns;
	s->ctx.authserv_id = ID;
	s->ctx.on_temperror = s->conf->on_temperror;
	mauth_inbound_dmarc_conf_init(&s->ctx.dmarc, s->conf, NULL);
}

/* one transaction: client ip, MAIL FROM, From fields (NULL-terminated) */
static struct mauth_inbound *
run(const struct setup *s, const char *ip, const char *mailfrom,
    const char *const *from)
{
	struct mauth_ip addr;
	struct mauth_inbound *in;

	mauth_ip_parse(ip, &addr);
	in = mauth_inbound_new(&s->ctx, &addr, "mx.client.example");
	mauth_inbound_mailfrom(in, mailfrom);
	mauth_inbound_rcpt(in, "<a@rcpt.example>");
	mauth_inbound_rcpt(in, "<b@RCPT.example>");
	mauth_inbound_rcpt(in, "<c@other.example>");
	for (size_t i = 0; from != NULL && from[i] != NULL; i++)
		mauth_inbound_header(in, "From", from[i]);
	mauth_inbound_header(in, "Subject", " test");
	mauth_inbound_eoh(in);
	mauth_inbound_eom(in);
	return in;
}

#define FROM(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char *const kinds[] = { "accept", "tempfail", "reject", "quarantine" };

/* expect - A-R field (unfolded; "~text": contains text), action, reply */
static void
expect(const struct setup *s, const char *what, const char *ip,
    const char *mailfrom, const char *const *from, const char *authres,
    enum mauth_action_kind kind, const char *reply)
{
	struct mauth_inbound *in = run(s, ip, mailfrom, from);
	struct mauth_action act;
	char *ar = mauth_inbound_authres(in, false);

	if (authres[0] == '~')	/* "~text": the field contains text */
		like_str(ar, authres + 1, "%s: A-R", what);
	else
		is_str(ar, authres, "%s: A-R", what);
	mauth_inbound_action(in, &act);
	is_int(act.kind, kind, "  action %s", kinds[kind]);
	if (reply != NULL) {
		struct mauth_buf b = MAUTH_BUF_INIT;
		mauth_buf_printf(&b, "%s %s %s", act.rcode ? act.rcode : "-",
		    act.xcode ? act.xcode : "-", act.text ? act.text : "-");
		is_str(b.data, reply, "  reply");
		mauth_buf_free(&b);
	}
	free(ar);
	mauth_inbound_free(&in);
}

static void
test_policies(struct mauth_dns *dns)
{
	struct setup s;

	setup(&s, dns, "");
	expect(&s, "aligned SPF pass", GOOD, "<user@reject.example>",
	    FROM(" Joe <joe@reject.example>"),
	    ID "; spf=pass smtp.mailfrom=user@reject.example;"
	    " dmarc=pass (p=reject sp=reject dis=none) header.from=reject.example",
	    MAUTH_ACTION_ACCEPT, NULL);
	expect(&s, "spoofed p=reject author", GOOD, "<x@evil.example>",
	    FROM(" <ceo@reject.example>"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example;"
	    " dmarc=fail (p=reject sp=reject dis=reject) header.from=reject.example",
	    MAUTH_ACTION_REJECT,
	    "550 5.7.1 Email rejected per DMARC policy for reject.example");
	expect(&s, "spoofed subdomain: sp (defaults to p)", GOOD, "<x@evil.example>",
	    FROM(" <ceo@mail.reject.example>"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example;"
	    " dmarc=fail (p=reject sp=reject dis=reject) header.from=mail.reject.example",
	    MAUTH_ACTION_REJECT,
	    "550 5.7.1 Email rejected per DMARC policy for mail.reject.example");
	expect(&s, "spoofed p=quarantine author", GOOD, "<x@evil.example>",
	    FROM(" <ceo@quar.example>"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example;"
	    " dmarc=fail (p=quarantine sp=quarantine dis=quarantine) header.from=quar.example",
	    MAUTH_ACTION_QUARANTINE, "- - DMARC policy of quar.example: quarantine");
	expect(&s, "spoofed p=none author", GOOD, "<x@evil.example>",
	    FROM(" <ceo@none.example>"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example;"
	    " dmarc=fail (p=none sp=none dis=none) header.from=none.example",
	    MAUTH_ACTION_ACCEPT, NULL);
	expect(&s, "t=y: reject applied as quarantine", GOOD, "<x@evil.example>",
	    FROM(" <ceo@testing.example>"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example;"
	    " dmarc=fail (p=reject sp=reject dis=quarantine) header.from=testing.example",
	    MAUTH_ACTION_QUARANTINE, NULL);
	expect(&s, "no record", GOOD, "<x@evil.example>", FROM(" <a@evil.example>"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example; dmarc=none header.from=evil.example",
	    MAUTH_ACTION_ACCEPT, NULL);
	expect(&s, "DNS timeout, On-TempError accept", GOOD, "<x@evil.example>",
	    FROM(" <a@slow.example>"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example; dmarc=temperror"
	    " reason=\"_dmarc.slow.example: DNS TIMEOUT: status injected for"
	    " _dmarc.slow.example\" header.from=slow.example",
	    MAUTH_ACTION_ACCEPT, NULL);
	expect(&s, "aligned SPF temperror under p=reject: not a reject", GOOD,
	    "<user@tempspf.example>", FROM(" <a@tempspf.example>"),
	    "~; dmarc=temperror (p=reject sp=reject dis=none)"
	    " reason=\"SPF temperror for tempspf.example, which"
	    " would align\" header.from=tempspf.example", MAUTH_ACTION_ACCEPT, NULL);
	mauth_conf_free(&s.conf);

	setup(&s, dns, "On-TempError tempfail\n");
	expect(&s, "DNS timeout, On-TempError tempfail", GOOD, "<x@evil.example>",
	    FROM(" <a@slow.example>"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example; dmarc=temperror"
	    " reason=\"_dmarc.slow.example: DNS TIMEOUT: status injected for"
	    " _dmarc.slow.example\" header.from=slow.example",
	    MAUTH_ACTION_TEMPFAIL, "451 4.7.0 DMARC policy of slow.example could not"
	    " be checked (temporary DNS error), try again later");
	mauth_conf_free(&s.conf);
}

static void
test_local_policy(struct mauth_dns *dns)
{
	struct setup s;
	struct mauth_inbound *in;
	const struct mauth_dmarc_outcome *o;
	size_t acting;
	struct mauth_action act;

	setup(&s, dns, "RejectFailures no\nDMARCQuarantine header\n"
	    "DMARCQuarantineHeader X-Spam-Flag: YES\n");
	expect(&s, "RejectFailures no", GOOD, "<x@evil.example>",
	    FROM(" <ceo@reject.example>"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example;"
	    " dmarc=fail (p=reject sp=reject dis=none) header.from=reject.example",
	    MAUTH_ACTION_ACCEPT, NULL);
	in = run(&s, GOOD, "<x@evil.example>", FROM(" <ceo@quar.example>"));
	mauth_inbound_action(in, &act);
	ok(act.kind == MAUTH_ACTION_ACCEPT && act.header_name != NULL &&
	    strcmp(act.header_name, "X-Spam-Flag") == 0 &&
	    strcmp(act.header_value, "YES") == 0,
	    "DMARCQuarantine header: accept with X-Spam-Flag: YES");
	mauth_inbound_free(&in);
	mauth_conf_free(&s.conf);

	setup(&s, dns, "DMARCQuarantine accept\nDMARCIgnoreDomains reject.example\n"
	    "DMARCTrustedSources 198.51.100.0/24\n");
	expect(&s, "DMARCQuarantine accept", GOOD, "<x@evil.example>",
	    FROM(" <ceo@quar.example>"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example;"
	    " dmarc=fail (p=quarantine sp=quarantine dis=none) header.from=quar.example",
	    MAUTH_ACTION_ACCEPT, NULL);
	in = run(&s, GOOD, "<x@evil.example>", FROM(" <ceo@mail.reject.example>"));
	mauth_inbound_action(in, &act);
	ok(mauth_inbound_dmarc_outcomes(mauth_inbound_get_dmarc(in), &o, &acting) == 1 &&
	    act.kind == MAUTH_ACTION_ACCEPT && o->result == MAUTH_DMARC_RESULT_FAIL &&
	    o->override == MAUTH_DMARC_OVERRIDE_LOCAL_POLICY &&
	    strcmp(o->override_comment, "DMARCIgnoreDomains") == 0,
	    "DMARCIgnoreDomains covers subdomains: delivered, local_policy");
	mauth_inbound_free(&in);
	in = run(&s, FORWARDER, "<list@evil.example>", FROM(" <ceo@testing.example>"));
	mauth_inbound_action(in, &act);
	mauth_inbound_dmarc_outcomes(mauth_inbound_get_dmarc(in), &o, &acting);
	ok(act.kind == MAUTH_ACTION_ACCEPT &&
	    o->override == MAUTH_DMARC_OVERRIDE_TRUSTED_FORWARDER &&
	    o->disposition == MAUTH_DMARC_P_NONE,
	    "DMARCTrustedSources: a failure from the forwarder is delivered");
	mauth_inbound_free(&in);
	mauth_conf_free(&s.conf);
}

static void
test_from_fields(struct mauth_dns *dns)
{
	struct setup s;
	struct mauth_inbound *in;
	const struct mauth_dmarc_outcome *o;
	size_t acting, n;

	setup(&s, dns, "");
	expect(&s, "no From field (DMARCMissingFrom accept)", GOOD,
	    "<user@reject.example>", NULL,
	    ID "; spf=pass smtp.mailfrom=user@reject.example", MAUTH_ACTION_ACCEPT, NULL);
	expect(&s, "malformed From: \"@\" in a display name", GOOD, "<x@evil.example>",
	    FROM(" ceo@reject.example <x@evil.example>"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example; dmarc=permerror"
	    " reason=\"malformed From field: \\\"@\\\" in a display name at offset 4\"",
	    MAUTH_ACTION_REJECT, "550 5.7.1 Message refused: malformed From field:"
	    " \"@\" in a display name at offset 4");
	expect(&s, "From names no mailbox", GOOD, "<x@evil.example>",
	    FROM(" undisclosed-recipients:;"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example; dmarc=permerror"
	    " reason=\"the From field names no mailbox\"",
	    MAUTH_ACTION_REJECT, "550 5.7.1 Message refused: the From field names no mailbox");
	expect(&s, "CVE-2019-16378 shape: two domains", GOOD, "<x@evil.example>",
	    FROM(" <x@evil.example>, <ceo@reject.example>"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example; dmarc=permerror"
	    " reason=\"several From domains: evil.example, reject.example\"",
	    MAUTH_ACTION_REJECT, "550 5.7.1 Message refused: several From domains:"
	    " evil.example, reject.example");
	expect(&s, "two From fields", GOOD, "<x@evil.example>",
	    FROM(" <x@evil.example>", " <ceo@reject.example>"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example; dmarc=permerror"
	    " reason=\"2 From fields: evil.example, reject.example\"",
	    MAUTH_ACTION_REJECT, NULL);
	expect(&s, "two mailboxes, one domain: one author domain", GOOD,
	    "<user@reject.example>", FROM(" a@reject.example, b@Reject.Example"),
	    ID "; spf=pass smtp.mailfrom=user@reject.example;"
	    " dmarc=pass (p=reject sp=reject dis=none) header.from=reject.example",
	    MAUTH_ACTION_ACCEPT, NULL);
	mauth_conf_free(&s.conf);

	setup(&s, dns, "DMARCMissingFrom reject\nDMARCMalformedFrom accept\n"
	    "DMARCMultipleFrom accept\n");
	expect(&s, "no From field, DMARCMissingFrom reject", GOOD, "<user@reject.example>",
	    NULL, ID "; spf=pass smtp.mailfrom=user@reject.example;"
	    " dmarc=permerror reason=\"no From field\"",
	    MAUTH_ACTION_REJECT, "550 5.7.1 Message refused: no From field");
	expect(&s, "malformed From, DMARCMalformedFrom accept", GOOD, "<x@evil.example>",
	    FROM(" <ceo@reject.example"), "~; dmarc=permerror reason=\"malformed From"
	    " field: end of field where \\\">\\\" should close the address",
	    MAUTH_ACTION_ACCEPT, NULL);
	expect(&s, "two domains, DMARCMultipleFrom accept", GOOD, "<x@evil.example>",
	    FROM(" <x@evil.example>, <ceo@reject.example>"),
	    "~; dmarc=permerror reason=\"several From domains", MAUTH_ACTION_ACCEPT, NULL);
	mauth_conf_free(&s.conf);

	setup(&s, dns, "DMARCMultipleFrom evaluate\n");
	expect(&s, "two domains evaluated: the strictest acts", GOOD, "<x@evil.example>",
	    FROM(" <x@evil.example>, <ceo@reject.example>"),
	    ID "; spf=pass smtp.mailfrom=x@evil.example;"
	    " dmarc=none header.from=evil.example;"
	    " dmarc=fail (p=reject sp=reject dis=reject) header.from=reject.example",
	    MAUTH_ACTION_REJECT,
	    "550 5.7.1 Email rejected per DMARC policy for reject.example");
	in = run(&s, GOOD, "<x@evil.example>",
	    FROM(" a@1.example, a@2.example, a@3.example, a@4.example, a@5.example,"
	    " a@6.example, a@7.example, a@8.example, a@9.example"));
	n = mauth_inbound_dmarc_outcomes(mauth_inbound_get_dmarc(in), &o, &acting);
	struct mauth_action act;
	mauth_inbound_action(in, &act);
	ok(n == 0 && act.kind == MAUTH_ACTION_REJECT && strstr(act.text, "more than 8"),
	    "nine domains are more than evaluate takes: refused, none evaluated");
	mauth_inbound_free(&in);
	mauth_conf_free(&s.conf);
}

static void
test_report_row(struct mauth_dns *dns)
{
	struct setup s;
	struct mauth_inbound *in;
	const struct mauth_dmarc_outcome *o;
	size_t acting;
	char buf[MAUTH_IP_STRLEN];

	setup(&s, dns, "");
	in = run(&s, GOOD, "<bounce@evil.example>", FROM(" <ceo@reject.example>"));
	ok(mauth_inbound_dmarc_outcomes(mauth_inbound_get_dmarc(in), &o, &acting) == 1 &&
	    acting == 0, "one outcome for the report");
	ok(o->nenvelope_to == 2 && strcmp(o->envelope_to[0], "rcpt.example") == 0 &&
	    strcmp(o->envelope_to[1], "other.example") == 0,
	    "  envelope_to: distinct recipient domains, lower case");
	is_str(o->envelope_from, "evil.example", "  envelope_from");
	is_str(mauth_ip_format(&o->source_ip, buf, sizeof(buf)), GOOD, "  source IP");
	ok(o->spf_result == MAUTH_SPF_PASS && strcmp(o->spf_domain, "evil.example") == 0 &&
	    o->spf_scope == MAUTH_SPF_SCOPE_MFROM, "  SPF result, domain, scope");
	ok(o->record != NULL && o->record->nrua == 1 &&
	    strcmp(o->record->rua[0].address, "agg@reject.example") == 0,
	    "  published policy with its rua");
	ok(o->method == MAUTH_DMARC_MODE_RFC9989, "  discovery method treewalk");
	is_str(mauth_inbound_dmarc_summary(mauth_inbound_get_dmarc(in)),
	    "dmarc=fail header_from=reject.example policy=reject dis=reject",
	    "  log summary");
	mauth_inbound_free(&in);

	/* a second MAIL FROM starts the recipients over */
	struct mauth_ip ip;
	mauth_ip_parse(GOOD, &ip);
	in = mauth_inbound_new(&s.ctx, &ip, "mx.client.example");
	mauth_inbound_mailfrom(in, "<a@evil.example>");
	mauth_inbound_rcpt(in, "<x@first.example>");
	mauth_inbound_mailfrom(in, "<a@evil.example>");
	mauth_inbound_rcpt(in, "<x@second.example>");
	mauth_inbound_header(in, "FROM", " a@evil.example");
	mauth_inbound_eom(in);
	mauth_inbound_dmarc_outcomes(mauth_inbound_get_dmarc(in), &o, &acting);
	ok(o->nenvelope_to == 1 && strcmp(o->envelope_to[0], "second.example") == 0,
	    "a new MAIL FROM forgets the old recipients; \"FROM\" is From");
	mauth_inbound_free(&in);

	/* DMARC not configured: nothing of it */
	struct mauth_inbound_ctx bare = { .dns = dns, .authserv_id = ID };
	in = mauth_inbound_new(&bare, &ip, NULL);
	mauth_inbound_mailfrom(in, "<user@reject.example>");
	mauth_inbound_header(in, "From", " <ceo@reject.example>");
	mauth_inbound_eom(in);
	char *ar = mauth_inbound_authres(in, false);
	ok(mauth_inbound_get_dmarc(in) == NULL &&
	    strcmp(ar, ID "; spf=pass smtp.mailfrom=user@reject.example") == 0,
	    "a context without DMARC: no dmarc= resinfo");
	free(ar);
	mauth_inbound_free(&in);
	mauth_conf_free(&s.conf);
}

int
main(void)
{
	struct mauth_dns *dns = resolver();

	test_policies(dns);
	test_local_policy(dns);
	test_from_fields(dns);
	test_report_row(dns);
	mauth_dns_free(&dns);
	return done_testing();
}
