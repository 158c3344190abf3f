/*
 * dns-faults.c - every DNS failure at every place a verdict asks DNS
 *
 * The lib-level half of the DNS fault matrix (t/dns-faults.t is the half
 * through mauthd and a real DNS server).  For SPF (RFC 7208), each lookup
 * check_host() makes - the domain's record, an include: or redirect=
 * target's record, the a:, mx: (and the exchanges' addresses), ptr: (and
 * the validating address lookups), exists: and exp= lookups - is made to
 * answer NODATA, NXDOMAIN, SERVFAIL, TIMEOUT and ERROR in turn, on the
 * in-memory backend, and the result is held to the RFC:
 *   - the domain's own record: none for a missing name or record (4.3,
 *     4.5), temperror for a failure (4.4);
 *   - include/redirect target: permerror when there is no record (5.2,
 *     6.1), temperror for a failure;
 *   - a, mx, exists: a missing answer does not match (and is a void
 *     lookup, 4.6.4, except for an MX exchange's address), a failure is
 *     temperror (5, 2.6.6);
 *   - ptr: any DNS error just does not match (5.5), for the PTR lookup and
 *     for the address lookups that validate its names;
 *   - exp=: any failure falls back to the default explanation (6.2), the
 *     result stays fail.
 * Each case also checks that a failure's outcome names the looked-up name.
 *
 * DKIM (RFC 6376 section 6.1.2) and DMARC (RFC 9989 section 4.10) go
 * through a whole transaction (lib/inbound.c) so that the action is
 * checked with the verdict, for On-TempError accept and tempfail:
 *   - the key record answers NODATA or NXDOMAIN: permerror; SERVFAIL,
 *     TIMEOUT or ERROR: temperror, which is a 451 under tempfail and a
 *     delivery under accept; a key record of garbage (a bad p=, a record
 *     that is not one, a key of the wrong type) or a revoked key (empty
 *     p=) is a permerror whatever the setting;
 *   - the policy record (_dmarc, p=reject, SPF failing, unsigned) answers
 *     NODATA or NXDOMAIN: none, delivered; a failure: temperror, never a
 *     reject: delivered under accept, 451 under tempfail.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim-util.h"
#include "dns_mem.h"
#include "inbound.h"
#include "spf.h"
#include "tap.h"
#include "xmalloc.h"

#define CLIENT "192.0.2.10"

static void
rr(struct mauth_dns_mem *mem, const char *owner, const char *type,
    const char *rdata)
{
	char *error = NULL;

	if (mauth_dns_mem_add_text(mem, owner, mauth_dns_type_parse(type), 300,
	    rdata, NULL, &error) < 0)
		diag("cannot add %s %s %s: %s", owner, type, rdata, error);
	free(error);
}

static void
txt(struct mauth_dns_mem *mem, const char *owner, const char *text)
{
	char *error = NULL;

	if (mauth_dns_mem_add_txt(mem, owner, &text, 1, &error) < 0)
		diag("cannot add TXT %s: %s", owner, error);
	free(error);
}

/*
 * One place check_host() asks DNS.  The sender's domain is "d.example";
 * the (name, type) lookup is the one made to fail.  want_missing is the
 * result when it answers NODATA or NXDOMAIN, want_failed when it answers
 * SERVFAIL, TIMEOUT or ERROR.
 */
struct place {
	const char *what;
	const char *record;		/* d.example's SPF record */
	const char *name;		/* the lookup that fails */
	uint16_t type;
	enum mauth_spf_result want_missing;
	enum mauth_spf_result want_failed;
};

static const struct place places[] = {
	{ "the domain's own TXT record", "v=spf1 ip4:" CLIENT " -all",
	  "d.example", MAUTH_DNS_T_TXT, MAUTH_SPF_NONE, MAUTH_SPF_TEMPERROR },
	{ "include: target's TXT record", "v=spf1 include:inc.example -all",
	  "inc.example", MAUTH_DNS_T_TXT, MAUTH_SPF_PERMERROR, MAUTH_SPF_TEMPERROR },
	{ "redirect= target's TXT record", "v=spf1 redirect=red.example",
	  "red.example", MAUTH_DNS_T_TXT, MAUTH_SPF_PERMERROR, MAUTH_SPF_TEMPERROR },
	{ "a: target's A record", "v=spf1 a:host.example ?all",
	  "host.example", MAUTH_DNS_T_A, MAUTH_SPF_NEUTRAL, MAUTH_SPF_TEMPERROR },
	{ "mx: target's MX record", "v=spf1 mx:mxd.example ?all",
	  "mxd.example", MAUTH_DNS_T_MX, MAUTH_SPF_NEUTRAL, MAUTH_SPF_TEMPERROR },
	{ "an MX exchange's A record", "v=spf1 mx:mxd.example ?all",
	  "mx1.example", MAUTH_DNS_T_A, MAUTH_SPF_NEUTRAL, MAUTH_SPF_TEMPERROR },
	{ "exists: target's A record", "v=spf1 exists:%{l}.ex.example ?all",
	  "user.ex.example", MAUTH_DNS_T_A, MAUTH_SPF_NEUTRAL, MAUTH_SPF_TEMPERROR },
	{ "ptr: the client's PTR record", "v=spf1 ptr:ptr.example ?all",
	  "10.2.0.192.in-addr.arpa", MAUTH_DNS_T_PTR, MAUTH_SPF_NEUTRAL, MAUTH_SPF_NEUTRAL },
	{ "ptr: the PTR name's A record", "v=spf1 ptr:ptr.example ?all",
	  "h.ptr.example", MAUTH_DNS_T_A, MAUTH_SPF_NEUTRAL, MAUTH_SPF_NEUTRAL },
	{ "exp= target's TXT record", "v=spf1 -all exp=why.example",
	  "why.example", MAUTH_DNS_T_TXT, MAUTH_SPF_FAIL, MAUTH_SPF_FAIL },
};

static const enum mauth_dns_status statuses[] = {
	MAUTH_DNS_NODATA, MAUTH_DNS_NXDOMAIN, MAUTH_DNS_SERVFAIL,
	MAUTH_DNS_TIMEOUT, MAUTH_DNS_ERROR,
};

/*
 * zone - every name any place needs, answering so that with no fault each
 * record above would match (or, for exp=, explain): the fault alone
 * decides the result.
 */
static struct mauth_dns_mem *
zone(const char *record)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();

	txt(mem, "d.example", record);
	txt(mem, "inc.example", "v=spf1 ip4:" CLIENT " -all");
	txt(mem, "red.example", "v=spf1 ip4:" CLIENT " -all");
	rr(mem, "host.example", "A", CLIENT);
	rr(mem, "mxd.example", "MX", "10 mx1.example.");
	rr(mem, "mx1.example", "A", CLIENT);
	rr(mem, "user.ex.example", "A", "127.0.0.2");
	rr(mem, "10.2.0.192.in-addr.arpa", "PTR", "h.ptr.example.");
	rr(mem, "h.ptr.example", "A", CLIENT);
	txt(mem, "why.example", "custom explanation for %{i}");
	return mem;
}

static enum mauth_spf_result
check(struct mauth_dns *dns, struct mauth_spf_outcome *out)
{
	struct mauth_spf_options opt = { .receiver = "mx.example", .now = 1 };
	struct mauth_ip ip;

	mauth_ip_parse(CLIENT, &ip);
	memset(out, 0, sizeof(*out));
	return mauth_spf_check_mailfrom(dns, &opt, &ip, "user@d.example",
	    "helo.example", out);
}

/* baseline - with no fault, each record matches: pass (exp=: fail, explained) */
static enum mauth_spf_result
baseline(const struct place *p)
{
	return strstr(p->record, "exp=") != NULL ? MAUTH_SPF_FAIL : MAUTH_SPF_PASS;
}

static void
test_place(const struct place *p)
{
	struct mauth_spf_outcome out;
	struct mauth_dns *dns;

	/* without a fault the record matches: the fault alone decides */
	dns = mauth_dns_mem_resolver(zone(p->record), true);
	is_int(check(dns, &out), baseline(p), "%s: no fault: %s", p->what,
	    mauth_spf_result_name(baseline(p)));
	if (strcmp(p->name, "why.example") == 0)
		is_str(out.explanation, "custom explanation for " CLIENT,
		    "  the exp= text explains");
	mauth_spf_outcome_clear(&out);
	mauth_dns_free(&dns);

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		struct mauth_dns_mem *mem = zone(p->record);
		enum mauth_dns_status st = statuses[i];
		bool missing = st == MAUTH_DNS_NODATA || st == MAUTH_DNS_NXDOMAIN;
		enum mauth_spf_result want = missing ? p->want_missing : p->want_failed;
		char *error = NULL;

		if (mauth_dns_mem_set_status(mem, p->name, p->type, st, &error) < 0)
			diag("set_status %s: %s", p->name, error);
		free(error);
		dns = mauth_dns_mem_resolver(mem, true);
		is_int(check(dns, &out), want, "%s: %s -> %s", p->what,
		    mauth_dns_status_name(st), mauth_spf_result_name(want));
		if (want == MAUTH_SPF_TEMPERROR || want == MAUTH_SPF_PERMERROR)
			ok(out.problem != NULL && strstr(out.problem, p->name) != NULL,
			    "  the problem names %s: %s", p->name,
			    out.problem ? out.problem : "(none)");
		if (want == MAUTH_SPF_FAIL && strcmp(p->name, "why.example") == 0)
			ok(out.explanation != NULL &&
			    strstr(out.explanation, "custom") == NULL,
			    "  the default explanation: %s",
			    out.explanation ? out.explanation : "(none)");
		/* only a term's own query counts (lib/spf_eval.c says why) */
		if (missing && want == MAUTH_SPF_NEUTRAL) {
			bool counted = strncmp(p->what, "an MX exchange", 14) != 0 &&
			    strcmp(p->what, "ptr: the PTR name's A record") != 0;
			is_int(out.void_lookups, counted, "  %s as a void lookup",
			    counted ? "counted" : "not counted");
		}
		mauth_spf_outcome_clear(&out);
		mauth_dns_free(&dns);
	}
}

/* ---------------------------------------------------------------- DKIM, DMARC */

#define MSG "From: Alice <alice@d.example>\r\nTo: bob@example.org\r\n" \
	"Subject: faults\r\n\r\nbody\r\n"

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

/*
 * transaction - msg from client 203.0.113.9 (not in d.example's SPF
 * record), MAIL FROM alice@d.example; the DKIM result of its one
 * signature (NONE if unsigned), the DMARC result, the action
 */
static void
transaction(const struct mauth_inbound_ctx *ctx, const char *msg,
    enum mauth_dkim_result *dkim_r, enum mauth_dmarc_result *dmarc_r,
    struct mauth_action *act_r, char **ar_r)
{
	struct mauth_ip ip;
	struct mauth_inbound *in;
	const struct mauth_dkim_sig *sigs;
	const struct mauth_dmarc_outcome *o;
	size_t acting;

	mauth_ip_parse("203.0.113.9", &ip);
	in = mauth_inbound_new(ctx, &ip, "mx.d.example");
	struct feed_ops ops = { i_header, i_eoh, i_body, in };
	mauth_inbound_mailfrom(in, "<alice@d.example>");
	feed_message(msg, strlen(msg), 0, &ops);
	mauth_inbound_eom(in);
	*dkim_r = mauth_inbound_dkim(in, &sigs, NULL) > 0 ? sigs[0].result :
	    MAUTH_DKIM_NONE;
	*dmarc_r = mauth_inbound_dmarc_outcomes(mauth_inbound_get_dmarc(in),
	    &o, &acting) > 0 ? o->result : MAUTH_DMARC_RESULT_NONE;
	mauth_inbound_action(in, act_r);
	/* the text belongs to the transaction: keep none past it */
	act_r->text = NULL;
	*ar_r = mauth_inbound_authres(in, false);
	mauth_inbound_free(&in);
}

static const char *
action_name(enum mauth_action_kind k)
{
	static const char *const names[] = { "accept", "tempfail", "reject",
	    "quarantine" };
	return k <= MAUTH_ACTION_QUARANTINE ? names[k] : "?";
}

static struct mauth_dkim_key *key;
static char *key_record;

/* dkim_world - d.example's SPF and DMARC records, the key at sel (or a fault) */
static struct mauth_dns *
dkim_world(const char *keyrec, enum mauth_dns_status st)
{
	struct mauth_dns *dns = tdns_new();

	tdns_txt(dns, "d.example", "v=spf1 ip4:192.0.2.0/24 -all");
	tdns_txt(dns, "_dmarc.d.example", "v=DMARC1; p=none");
	if (keyrec != NULL)
		tdns_txt(dns, "sel._domainkey.d.example", keyrec);
	else
		tdns_status(dns, "sel._domainkey.d.example", st);
	return dns;
}

static void
dkim_case(const char *what, const char *keyrec, enum mauth_dns_status st,
    enum mauth_dkim_result want)
{
	for (int tf = 0; tf <= 1; tf++) {
		struct mauth_dns *dns = dkim_world(keyrec, st);
		struct mauth_dkim_options opt;
		struct mauth_dkim *dkim = NULL;
		struct mauth_dkim_signing sel = { key, (char *)"d.example",
		    (char *)"sel", NULL, NULL };
		char *error = NULL, *m, *ar;
		size_t len;
		enum mauth_dkim_result got;
		enum mauth_dmarc_result dmarc;
		struct mauth_action act;
		enum mauth_action_kind want_act = tf && want == MAUTH_DKIM_TEMPERROR ?
		    MAUTH_ACTION_TEMPFAIL : MAUTH_ACTION_ACCEPT;

		mauth_dkim_options_init(&opt);
		opt.dns = dns;
		if (mauth_dkim_new(&opt, &dkim, &error) < 0)
			diag("mauth_dkim_new: %s", error);
		struct mauth_inbound_ctx ctx = {
			.dns = dns, .authserv_id = "mx.test", .dkim = dkim,
			.on_temperror = tf ? MAUTH_ON_TEMPERROR_TEMPFAIL :
			    MAUTH_ON_TEMPERROR_ACCEPT,
			.dmarc = { .enabled = true, .reject_failures = true,
			    .on_temperror = tf ? MAUTH_ON_TEMPERROR_TEMPFAIL :
			    MAUTH_ON_TEMPERROR_ACCEPT },
		};
		m = sign_message(dkim, &sel, 1, MSG, strlen(MSG), &len);
		transaction(&ctx, m, &got, &dmarc, &act, &ar);
		is_int(got, want, "DKIM key %s (On-TempError %s): dkim=%s", what,
		    tf ? "tempfail" : "accept", mauth_dkim_result_name(want));
		is_int(act.kind, want_act, "  action %s", action_name(want_act));
		if (want_act == MAUTH_ACTION_TEMPFAIL)
			ok(act.rcode != NULL && strcmp(act.rcode, "451") == 0,
			    "  451 %s", act.xcode ? act.xcode : "");
		if (want != MAUTH_DKIM_PASS)
			like_str(ar, "reason=", "  A-R says why: %s", ar);
		free(ar);
		free(m);
		mauth_dkim_free(&dkim);
		mauth_dns_free(&dns);
	}
}

static void
test_dkim_key(void)
{
	char *error = NULL;
	size_t len;
	char *data = slurp(tap_path("t/vectors/dkim/dkimpy/data/2048_testkey.key"), &len);

	if (data == NULL || mauth_dkim_key_parse(data, len, "key", &key, &error) < 0) {
		diag("no test key: %s", error ? error : "unreadable");
		return;
	}
	free(data);
	char *pub = mauth_dkim_key_public(key);
	key_record = xasprintf("v=DKIM1; k=rsa; p=%s", pub);
	free(pub);

	dkim_case("published", key_record, MAUTH_DNS_OK, MAUTH_DKIM_PASS);
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		enum mauth_dns_status st = statuses[i];
		bool missing = st == MAUTH_DNS_NODATA || st == MAUTH_DNS_NXDOMAIN;

		dkim_case(mauth_dns_status_name(st), NULL, st,
		    missing ? MAUTH_DKIM_PERMERROR : MAUTH_DKIM_TEMPERROR);
	}
	dkim_case("record of garbage", "v=DKIM1; k=rsa; p=!!not*base64!!",
	    MAUTH_DNS_OK, MAUTH_DKIM_PERMERROR);
	dkim_case("record that is not one", "\x01\xff garbage; ;;= =",
	    MAUTH_DNS_OK, MAUTH_DKIM_PERMERROR);
	dkim_case("of the wrong type (k=ed25519 for rsa-sha256)",
	    "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
	    MAUTH_DNS_OK, MAUTH_DKIM_PERMERROR);
	dkim_case("revoked (empty p=)", "v=DKIM1; k=rsa; p=",
	    MAUTH_DNS_OK, MAUTH_DKIM_PERMERROR);
	free(key_record);
	mauth_dkim_key_free(&key);
}

static void
test_dmarc_record(void)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		enum mauth_dns_status st = statuses[i];
		bool missing = st == MAUTH_DNS_NODATA || st == MAUTH_DNS_NXDOMAIN;

		for (int tf = 0; tf <= 1; tf++) {
			struct mauth_dns *dns = tdns_new();
			enum mauth_dkim_result dkim;
			enum mauth_dmarc_result got;
			struct mauth_action act;
			enum mauth_dmarc_result want = missing ?
			    MAUTH_DMARC_RESULT_NONE : MAUTH_DMARC_RESULT_TEMPERROR;
			enum mauth_action_kind want_act = !missing && tf ?
			    MAUTH_ACTION_TEMPFAIL : MAUTH_ACTION_ACCEPT;
			char *ar;

			tdns_txt(dns, "d.example", "v=spf1 ip4:192.0.2.0/24 -all");
			tdns_status(dns, "_dmarc.d.example", st);
			struct mauth_inbound_ctx ctx = {
				.dns = dns, .authserv_id = "mx.test",
				.on_temperror = tf ? MAUTH_ON_TEMPERROR_TEMPFAIL :
				    MAUTH_ON_TEMPERROR_ACCEPT,
				.dmarc = { .enabled = true, .reject_failures = true,
				    .on_temperror = tf ? MAUTH_ON_TEMPERROR_TEMPFAIL :
				    MAUTH_ON_TEMPERROR_ACCEPT },
			};
			transaction(&ctx, MSG, &dkim, &got, &act, &ar);
			is_int(got, want, "DMARC record %s (On-TempError %s): dmarc=%s",
			    mauth_dns_status_name(st), tf ? "tempfail" : "accept",
			    mauth_dmarc_result_name(want));
			is_int(act.kind, want_act, "  action %s, never reject",
			    action_name(want_act));
			free(ar);
			mauth_dns_free(&dns);
		}
	}
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++)
		test_place(&places[i]);
	test_dkim_key();
	test_dmarc_record();
	return done_testing();
}
