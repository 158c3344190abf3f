/*
 * fuzz-inbound.c - one SMTP connection's transactions driven through the
 * entry points mauthd's milter callbacks call (lib/inbound.c), on random
 * envelopes, header fields and body chunks, with SPF answered by an
 * in-memory zone (pass, fail, include, macros, a timeout, a syntax error)
 *
 * The input is a list of events, each one op byte followed by its argument
 * up to the next NUL byte:
 *   op % 6 == 0  new transaction: arg[0] picks the client address (or
 *                none), the rest is the HELO name; the next event's
 *                argument is MAIL FROM (as mauthd does at envfrom)
 *   1 RCPT TO   2 header "name:value"   3 end of header   4 body chunk
 *   5 end of message (the transaction is then freed, as mauthd does)
 * The input's first byte chooses On-TempError.  DKIM verification is on
 * (the zone has no keys but one that times out: DKIM-Signature fields end
 * in permerror, temperror or the like, never in a crash), and so is DMARC
 * with the defaults of mauthd.conf (p=reject, p=quarantine and a timing-
 * out policy are published).  Properties at end of message: the
 * Authentication-Results body starts with our authserv-id, has a dkim=
 * resinfo, holds no CR and no control character other than a "\n\t"
 * fold; the forged-field positions ascend and are exactly the fields that
 * claim our id; a reject is a 550 with a text, a tempfail a 451 with a
 * text and only under On-TempError tempfail (for SPF: 4.7.24, before any
 * DKIM or DMARC tempfail), a quarantine has its reason.
 */
#include "config.h"

#include <stdbool.h>
#include <strings.h>

#include "authres.h"
#include "dkim.h"
#include "dns_mem.h"
#include "fuzz.h"
#include "inbound.h"
#include "inbound_dmarc.h"

#define AUTHSERV_ID "mx.fuzz.example"

static struct mauth_dns *fuzz_dns;
static struct mauth_dkim *fuzz_dkim;
static struct mauth_conf *fuzz_conf;
static struct mauth_inbound_dmarc_conf fuzz_dmarc[2];	/* by On-TempError */

/* pct= sampling must not depend on a random number: fuzzing replays */
static unsigned
fixed_sample(void *arg)
{
	(void)arg;
	return 42;
}

static void
zone_txt(struct mauth_dns_mem *mem, const char *owner, const char *text)
{
	char *error = NULL;

	if (mauth_dns_mem_add_txt(mem, owner, &text, 1, &error) < 0) {
		fprintf(stderr, "fuzz-inbound: %s: %s\n", owner, error);
		abort();
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	char *error = NULL;

	zone_txt(mem, "pass.example", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all");
	zone_txt(mem, "fail.example", "v=spf1 -all exp=why.fail.example");
	zone_txt(mem, "why.fail.example", "%{i} is not allowed to send as %{s}");
	zone_txt(mem, "soft.example", "v=spf1 include:pass.example ~all");
	zone_txt(mem, "mac.example", "v=spf1 exists:%{l1r+-}.%{d} ?all");
	zone_txt(mem, "perm.example", "v=spf1 ip4:192.0.2.300 -all");
	zone_txt(mem, "temp.example", "v=spf1 a:slow.example -all");
	zone_txt(mem, "client.example", "v=spf1 a -all");
	zone_txt(mem, "_dmarc.pass.example", "v=DMARC1; p=reject; rua=mailto:r@pass.example");
	zone_txt(mem, "_dmarc.fail.example", "v=DMARC1; p=quarantine; adkim=s; aspf=s");
	zone_txt(mem, "_dmarc.soft.example", "v=DMARC1; p=none; sp=reject; np=reject");
	zone_txt(mem, "_dmarc.mac.example", "v=DMARC1; p=reject; pct=50; t=y");
	if (mauth_dns_mem_set_status(mem, "slow.example", 0, MAUTH_DNS_TIMEOUT,
	    &error) < 0 || mauth_dns_mem_add_text(mem, "client.example",
	    MAUTH_DNS_T_A, 300, "198.51.100.7", NULL, &error) < 0 ||
	    mauth_dns_mem_set_status(mem, "slow._domainkey.pass.example", 0,
	    MAUTH_DNS_TIMEOUT, &error) < 0 ||
	    mauth_dns_mem_set_status(mem, "_dmarc.temp.example", 0,
	    MAUTH_DNS_TIMEOUT, &error) < 0) {
		fprintf(stderr, "fuzz-inbound: %s\n", error);
		abort();
	}
	fuzz_dns = mauth_dns_mem_resolver(mem, true);

	struct mauth_dkim_options opt;
	mauth_dkim_options_init(&opt);
	opt.dns = fuzz_dns;
	if (mauth_dkim_new(&opt, &fuzz_dkim, &error) < 0) {
		fprintf(stderr, "fuzz-inbound: %s\n", error);
		abort();
	}
	/* DMARC as mauthd.conf's defaults say, for each On-TempError */
	fuzz_conf = mauth_conf_defaults();
	for (int i = 0; i < 2; i++) {
		mauth_inbound_dmarc_conf_init(&fuzz_dmarc[i], fuzz_conf, NULL);
		fuzz_dmarc[i].on_temperror = i ? MAUTH_ON_TEMPERROR_TEMPFAIL :
		    MAUTH_ON_TEMPERROR_ACCEPT;
		fuzz_dmarc[i].opt.sample = fixed_sample;
	}
	return 0;
}

struct fuzz_tx {
	struct mauth_inbound *in;
	bool evaluated;		/* MAIL FROM with a known client */
	size_t ar_fields;
	size_t claims;		/* of those, claiming AUTHSERV_ID */
};

static void
check_authres(const char *body)
{
	FUZZ_CHECK(strncmp(body, AUTHSERV_ID ";", strlen(AUTHSERV_ID) + 1) == 0);
	FUZZ_CHECK(strstr(body, "dkim=") != NULL);
	for (const char *p = body; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\n')
			FUZZ_CHECK(p[1] == '\t');
		else if (c == '\t')
			FUZZ_CHECK(p[-1] == '\n');
		else
			FUZZ_CHECK(c >= ' ' && c != 0x7f);
	}
}

static void
end_of_message(const struct mauth_inbound_ctx *ctx, struct fuzz_tx *tx)
{
	const struct mauth_spf_outcome *spf;
	const size_t *pos;
	struct mauth_action act;
	size_t n;

	mauth_inbound_eom(tx->in);
	for (int fold = 0; fold <= 1; fold++) {
		char *body = mauth_inbound_authres(tx->in, fold);

		check_authres(body);
		free(body);
	}
	n = mauth_inbound_forged(tx->in, &pos);
	FUZZ_CHECK(n == tx->claims);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(pos[i] >= 1 && pos[i] <= tx->ar_fields &&
		    (i == 0 || pos[i] > pos[i - 1]));
	spf = mauth_inbound_spf(tx->in);
	FUZZ_CHECK((spf != NULL) == tx->evaluated);
	const struct mauth_dkim_sig *sigs;
	size_t nsig = mauth_inbound_dkim(tx->in, &sigs, NULL);
	bool dkim_temp = false;
	for (size_t i = 0; i < nsig; i++)
		dkim_temp |= sigs[i].result == MAUTH_DKIM_TEMPERROR;
	bool spf_temp = spf != NULL && spf->result == MAUTH_SPF_TEMPERROR;
	bool tempfail = ctx->on_temperror == MAUTH_ON_TEMPERROR_TEMPFAIL;
	mauth_inbound_action(tx->in, &act);
	switch (act.kind) {
	case MAUTH_ACTION_ACCEPT:
		FUZZ_CHECK(act.rcode == NULL);
		/* an SPF or DKIM temperror under tempfail is never accepted */
		FUZZ_CHECK(!(tempfail && (spf_temp || dkim_temp)));
		break;
	case MAUTH_ACTION_TEMPFAIL:
		FUZZ_CHECK(tempfail);
		FUZZ_CHECK(strcmp(act.rcode, "451") == 0 && act.text != NULL);
		if (spf_temp)
			FUZZ_CHECK(strcmp(act.xcode, "4.7.24") == 0);
		break;
	case MAUTH_ACTION_REJECT:
		FUZZ_CHECK(strcmp(act.rcode, "550") == 0 && act.text != NULL);
		break;
	case MAUTH_ACTION_QUARANTINE:
		FUZZ_CHECK(act.text != NULL);
		break;
	default:
		FUZZ_CHECK(!"a defined action");
	}
}

static void
begin(const struct mauth_inbound_ctx *ctx, struct fuzz_tx *tx,
    const char *arg, const char *mailfrom)
{
	static const char *const clients[] = {
		NULL, "192.0.2.10", "198.51.100.7", "2001:db8::10",
		"::ffff:192.0.2.10", "203.0.113.9",
	};
	const char *c = clients[(unsigned char)arg[0] % 6];
	struct mauth_ip ip;

	if (c != NULL)
		mauth_ip_parse(c, &ip);
	*tx = (struct fuzz_tx){ 0 };
	tx->in = mauth_inbound_new(ctx, c != NULL ? &ip : NULL,
	    arg[0] != '\0' ? arg + 1 : NULL);
	mauth_inbound_mailfrom(tx->in, mailfrom);
	tx->evaluated = c != NULL;
}

static void
header(struct fuzz_tx *tx, char *arg)
{
	char *colon = strchr(arg, ':');
	const char *value = "";

	if (colon != NULL) {
		*colon = '\0';
		value = colon + 1;
	}
	mauth_inbound_header(tx->in, arg, value);
	if (strcasecmp(arg, "Authentication-Results") == 0) {
		tx->ar_fields++;
		if (mauth_authres_claims_id(value, strlen(value), AUTHSERV_ID))
			tx->claims++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mauth_inbound_ctx ctx = {
		.dns = fuzz_dns, .authserv_id = AUTHSERV_ID,
		.spf = { .receiver = "mx.fuzz.example", .now = 1700000000 },
		.dkim = fuzz_dkim,
		.on_temperror = size > 0 && data[0] & 1 ?
		    MAUTH_ON_TEMPERROR_TEMPFAIL : MAUTH_ON_TEMPERROR_ACCEPT,
	};
	struct fuzz_tx tx = { 0 };
	char *arg;

	ctx.dmarc = fuzz_dmarc[ctx.on_temperror == MAUTH_ON_TEMPERROR_TEMPFAIL];
	while (size > 0) {
		unsigned op = *data++ % 6;

		size--;
		if ((arg = fuzz_take(&data, &size, 0)) == NULL)
			arg = fuzz_cstr(NULL, 0);
		if (op == 0 || tx.in == NULL) {
			char *from = fuzz_take(&data, &size, 0);

			mauth_inbound_free(&tx.in);
			begin(&ctx, &tx, op == 0 ? arg : "\1", from ? from : "");
			free(from);
		}
		switch (op) {
		case 1: mauth_inbound_rcpt(tx.in, arg); break;
		case 2: header(&tx, arg); break;
		case 3: mauth_inbound_eoh(tx.in); break;
		case 4: mauth_inbound_body(tx.in, (const unsigned char *)arg,
			    strlen(arg)); break;
		case 5: end_of_message(&ctx, &tx);
			mauth_inbound_free(&tx.in);
			break;
		}
		free(arg);
	}
	mauth_inbound_free(&tx.in);
	return 0;
}
