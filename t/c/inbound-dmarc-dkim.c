/*
 * inbound-dmarc-dkim.c - DMARC on the DKIM results of the transaction: a
 * signature aligned with the From domain passes where SPF does not; a
 * broken, unaligned or missing one fails under p=reject; a key lookup that
 * timed out for an aligned d= is temperror, never a reject (DESIGN.md);
 * the report row carries each signature's d=, s= and result.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dkim-util.h"
#include "inbound.h"
#include "tap.h"
#include "xmalloc.h"

#define ID "mx.test.example"
#define CLIENT "203.0.113.9"	/* evil.example's server: SPF passes, unaligned */

static struct mauth_dkim *dkim;
static struct mauth_dkim_key *key;

static const char msg[] =
    "From: CEO <ceo@reject.example>\r\nTo: bob@example.org\r\n"
    "Subject: DMARC through DKIM\r\n\r\nbody\r\n";

static void
i_header(void *ctx, const char *name, const char *value)
{
	mauth_inbound_header(ctx, name, value);
}

static void
i_eoh(void *ctx)
{
	mauth_inbound_eoh(ctx);
}

static void
i_body(void *ctx, const unsigned char *data, size_t len)
{
	mauth_inbound_body(ctx, data, len);
}

static char *
signed_by(const char *domain, const char *selector)
{
	struct mauth_dkim_signing sel = { key, (char *)domain, (char *)selector,
	    NULL, NULL };
	size_t len;

	return sign_message(dkim, &sel, 1, msg, strlen(msg), &len);
}

/* one transaction from CLIENT, MAIL FROM x@evil.example, over m */
static void
expect(const struct mauth_inbound_ctx *ctx, const char *m, const char *what,
    enum mauth_dmarc_result want, enum mauth_action_kind kind)
{
	struct mauth_ip ip;
	struct mauth_inbound *in;
	struct feed_ops ops;
	struct mauth_action act;
	const struct mauth_dmarc_outcome *o;
	size_t acting;
	char *ar;

	mauth_ip_parse(CLIENT, &ip);
	in = mauth_inbound_new(ctx, &ip, "mx.evil.example");
	ops = (struct feed_ops){ i_header, i_eoh, i_body, in };
	mauth_inbound_mailfrom(in, "<x@evil.example>");
	feed_message(m, strlen(m), 7, &ops);
	mauth_inbound_eom(in);
	mauth_inbound_action(in, &act);
	ar = mauth_inbound_authres(in, false);
	ok(mauth_inbound_dmarc_outcomes(mauth_inbound_get_dmarc(in), &o, &acting) == 1 &&
	    o->result == want && act.kind == kind, "%s: dmarc=%s, action %d", what,
	    mauth_dmarc_result_name(want), (int)kind);
	diag("%s", ar);
	free(ar);
	mauth_inbound_free(&in);
}

int
main(void)
{
	struct mauth_dkim_options opt;
	struct mauth_dns *dns = tdns_new();
	char *error = NULL, *pub, *txt, *m;
	size_t len;
	char *data = slurp(tap_path("t/vectors/dkim/dkimpy/data/2048_testkey.key"), &len);

	if (data == NULL || mauth_dkim_key_parse(data, len, "key", &key, &error) < 0)
		return 1;
	free(data);
	pub = mauth_dkim_key_public(key);
	txt = xasprintf("v=DKIM1; p=%s", pub);
	tdns_txt(dns, "sel._domainkey.reject.example", txt);
	tdns_txt(dns, "sel._domainkey.mail.reject.example", txt);
	tdns_txt(dns, "sel._domainkey.evil.example", txt);
	tdns_status(dns, "slow._domainkey.reject.example", MAUTH_DNS_TIMEOUT);
	free(txt);
	free(pub);
	tdns_txt(dns, "_dmarc.reject.example", "v=DMARC1; p=reject");
	tdns_txt(dns, "evil.example", "v=spf1 ip4:203.0.113.0/24 -all");

	mauth_dkim_options_init(&opt);
	opt.dns = dns;
	if (mauth_dkim_new(&opt, &dkim, &error) < 0)
		return 1;
	struct mauth_inbound_ctx ctx = {
		.dns = dns, .authserv_id = ID, .dkim = dkim,
		.dmarc = { .enabled = true, .reject_failures = true },
	};

	m = signed_by("reject.example", "sel");
	expect(&ctx, m, "signed by the From domain, sent from elsewhere",
	    MAUTH_DMARC_RESULT_PASS, MAUTH_ACTION_ACCEPT);
	char *broken = xasprintf("%.*sBODY\r\n", (int)(strlen(m) - 6), m);
	expect(&ctx, broken, "the same, body changed after signing",
	    MAUTH_DMARC_RESULT_FAIL, MAUTH_ACTION_REJECT);
	free(broken);
	free(m);
	m = signed_by("mail.reject.example", "sel");
	expect(&ctx, m, "signed by a subdomain: relaxed alignment",
	    MAUTH_DMARC_RESULT_PASS, MAUTH_ACTION_ACCEPT);
	free(m);
	m = signed_by("evil.example", "sel");
	expect(&ctx, m, "signed by another domain: no alignment",
	    MAUTH_DMARC_RESULT_FAIL, MAUTH_ACTION_REJECT);
	free(m);
	expect(&ctx, msg, "unsigned, SPF unaligned", MAUTH_DMARC_RESULT_FAIL,
	    MAUTH_ACTION_REJECT);
	m = signed_by("reject.example", "slow");
	expect(&ctx, m, "aligned d= whose key timed out: temperror, not a reject",
	    MAUTH_DMARC_RESULT_TEMPERROR, MAUTH_ACTION_ACCEPT);
	ctx.on_temperror = MAUTH_ON_TEMPERROR_TEMPFAIL;
	ctx.dmarc.on_temperror = MAUTH_ON_TEMPERROR_TEMPFAIL;
	expect(&ctx, m, "  with On-TempError tempfail: the client retries",
	    MAUTH_DMARC_RESULT_TEMPERROR, MAUTH_ACTION_TEMPFAIL);
	free(m);

	/* the report row: each signature as the verifier saw it */
	struct mauth_ip ip;
	mauth_ip_parse(CLIENT, &ip);
	m = signed_by("evil.example", "sel");
	struct mauth_inbound *in = mauth_inbound_new(&ctx, &ip, NULL);
	struct feed_ops ops = { i_header, i_eoh, i_body, in };
	const struct mauth_dmarc_outcome *o;
	size_t acting;
	mauth_inbound_mailfrom(in, "<x@evil.example>");
	feed_message(m, strlen(m), 0, &ops);
	mauth_inbound_eom(in);
	mauth_inbound_dmarc_outcomes(mauth_inbound_get_dmarc(in), &o, &acting);
	ok(o->ndkim == 1 && strcmp(o->dkim[0].domain, "evil.example") == 0 &&
	    strcmp(o->dkim[0].selector, "sel") == 0 &&
	    o->dkim[0].result == MAUTH_DMARC_DKIM_PASS && !o->dkim[0].aligned &&
	    o->spf_result == MAUTH_SPF_PASS && !o->spf_aligned,
	    "report row: d=evil.example s=sel pass, unaligned; SPF pass, unaligned");
	mauth_inbound_free(&in);
	free(m);

	mauth_dkim_free(&dkim);
	mauth_dkim_key_free(&key);
	mauth_dns_free(&dns);
	return done_testing();
}
