/*
 * inbound-dkim.c - DKIM inside the inbound evaluation: the dkim= resinfos
 * of Authentication-Results, the results DMARC will read, and the action
 * a DKIM temperror leads to under On-TempError
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dkim-util.h"
#include "inbound.h"
#include "tap.h"
#include "xmalloc.h"

static struct mauth_dns *dns;
static struct mauth_dkim *dkim;
static struct mauth_dkim_key *key;

static const char msg[] =
    "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: hi\r\n\r\nbody\r\n";

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

/* a transaction without SPF (no client address) over m */
static struct mauth_inbound *
evaluate(const struct mauth_inbound_ctx *ctx, const char *m, size_t len)
{
	struct mauth_inbound *in = mauth_inbound_new(ctx, NULL, NULL);
	struct feed_ops ops = { i_header, i_eoh, i_body, in };

	mauth_inbound_mailfrom(in, "<alice@example.com>");
	feed_message(m, len, 0, &ops);
	mauth_inbound_eom(in);
	return in;
}

static char *
signed_by(const char *selector, const char *m)
{
	struct mauth_dkim_signing sel = { key, "example.com", (char *)selector, NULL, NULL };
	size_t len;

	return sign_message(dkim, &sel, 1, m, strlen(m), &len);
}

int
main(void)
{
	struct mauth_dkim_options opt;
	char *error = NULL, *pub, *txt;
	size_t len;
	char *data = slurp(tap_path("t/vectors/dkim/dkimpy/data/2048_testkey.key"), &len);

	dns = tdns_new();
	if (data == NULL || mauth_dkim_key_parse(data, len, "key", &key, &error) < 0)
		return 1;
	free(data);
	pub = mauth_dkim_key_public(key);
	txt = xasprintf("v=DKIM1; p=%s", pub);
	tdns_txt(dns, "good._domainkey.example.com", txt);
	tdns_status(dns, "slow._domainkey.example.com", MAUTH_DNS_TIMEOUT);
	free(txt);
	free(pub);
	mauth_dkim_options_init(&opt);
	opt.dns = dns;
	if (mauth_dkim_new(&opt, &dkim, &error) < 0)
		return 1;

	struct mauth_inbound_ctx ctx = { .dns = dns, .authserv_id = "mx.test",
	    .dkim = dkim, .on_temperror = MAUTH_ON_TEMPERROR_ACCEPT };
	struct mauth_action action;
	const struct mauth_dkim_sig *sigs;
	size_t skipped;

	char *good = signed_by("good", msg);
	struct mauth_inbound *in = evaluate(&ctx, good, strlen(good));
	char *ar = mauth_inbound_authres(in, false);
	like_str(ar, "mx.test; dkim=pass header.d=example.com header.i=@example.com header.s=good header.a=rsa-sha256 header.b=",
	    "signed message: dkim=pass with its properties");
	is_int(mauth_inbound_dkim(in, &sigs, &skipped), 1, "  one result for DMARC");
	is_str(sigs[0].domain, "example.com", "  its domain");
	is_str(sigs[0].selector, "good", "  its selector");
	is_int(skipped, 0, "  none skipped");
	free(ar);
	ar = mauth_inbound_authres(in, true);
	like_str(ar, "mx.test;\n\tdkim=pass", "  folded: the resinfo on its own line");
	free(ar);
	mauth_inbound_free(&in);

	char *slow = signed_by("slow", msg);
	in = evaluate(&ctx, slow, strlen(slow));
	ar = mauth_inbound_authres(in, false);
	like_str(ar, "dkim=temperror reason=\"key lookup failed: DNS TIMEOUT for slow._domainkey.example.com\"",
	    "key lookup times out: dkim=temperror");
	mauth_inbound_action(in, &action);
	is_int(action.kind, MAUTH_ACTION_ACCEPT, "  On-TempError accept: accepted");
	free(ar);
	mauth_inbound_free(&in);

	ctx.on_temperror = MAUTH_ON_TEMPERROR_TEMPFAIL;
	in = evaluate(&ctx, slow, strlen(slow));
	mauth_inbound_action(in, &action);
	is_int(action.kind, MAUTH_ACTION_TEMPFAIL, "  On-TempError tempfail: tempfail");
	is_str(action.rcode, "451", "  451");
	is_str(action.xcode, "4.7.5", "  4.7.5");
	like_str(action.text, "DKIM key of example.com", "  text names the domain");
	mauth_inbound_free(&in);

	/* a passing signature next to the temperror: nothing to wait for */
	char *both = signed_by("good", slow);
	in = evaluate(&ctx, both, strlen(both));
	mauth_inbound_action(in, &action);
	is_int(action.kind, MAUTH_ACTION_ACCEPT, "temperror next to a pass, tempfail mode: accepted");
	ar = mauth_inbound_authres(in, false);
	like_str(ar, "dkim=pass header.d=example.com header.i=@example.com header.s=good", "  pass reported");
	like_str(ar, "dkim=temperror", "  and the temperror");
	free(ar);
	mauth_inbound_free(&in);

	in = evaluate(&ctx, msg, strlen(msg));
	ar = mauth_inbound_authres(in, false);
	is_str(ar, "mx.test; dkim=none", "unsigned: dkim=none");
	free(ar);
	mauth_inbound_free(&in);

	/* DKIM off (no context): no dkim= at all */
	ctx.dkim = NULL;
	in = evaluate(&ctx, good, strlen(good));
	ar = mauth_inbound_authres(in, false);
	is_str(ar, "mx.test; none", "DKIM off: no dkim= resinfo");
	free(ar);
	mauth_inbound_free(&in);

	free(good);
	free(slow);
	free(both);
	mauth_dkim_free(&dkim);
	mauth_dkim_key_free(&key);
	mauth_dns_free(&dns);
	return done_testing();
}
