/*
 * dmarc-eval.c - DMARC evaluation (lib/dmarc_eval) on the in-memory DNS
 *
 * OpenDMARC's alignment table in both discovery modes; the alignment and
 * tree-walk examples of RFC 9989 (B.1, B.3.1, B.4.1-B.4.3, 11.8); policy
 * selection p / sp / np with the existence test of 3.2.13; t=y and pct;
 * the null reverse-path; DNS failures; the report fields of the outcome;
 * several author domains (CVE-2019-16378) through outcome_worst.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dmarc_eval.h"
#include "dmarc_vectors.h"
#include "dns_mem.h"
#include "dns_zone.h"
#include "tap.h"

#define PASS	MAUTH_DMARC_RESULT_PASS
#define FAIL	MAUTH_DMARC_RESULT_FAIL
#define NONE	MAUTH_DMARC_RESULT_NONE
#define TEMP	MAUTH_DMARC_RESULT_TEMPERROR
#define PERM	MAUTH_DMARC_RESULT_PERMERROR
#define P_NONE	MAUTH_DMARC_P_NONE
#define P_QUAR	MAUTH_DMARC_P_QUARANTINE
#define P_REJ	MAUTH_DMARC_P_REJECT

static struct mauth_dmarc_psl *psl;

static struct mauth_dns_mem *
zone(const char *text)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	char *error = NULL;

	mauth_buf_printf(&b, "$TTL 300\n%s", text);
	if (mauth_dns_zone_parse(mem, b.data, b.len, "fixture", NULL,
	    &error) < 0) {
		printf("Bail out! fixture zone: %s\n", error);
		exit(1);
	}
	mauth_buf_free(&b);
	return mem;
}

static void
inject(struct mauth_dns_mem *mem, const char *owner, enum mauth_dns_status st)
{
	char *error = NULL;

	if (mauth_dns_mem_set_status(mem, owner, 0, st, &error) < 0) {
		printf("Bail out! %s\n", error);
		exit(1);
	}
}

/* one message: author, SPF (domain, result), DKIM d= list (all pass) */
struct msg {
	const char *from;
	const char *spf_domain;
	enum mauth_spf_result spf;
	const char *dkim[4];		/* passing signatures */
	const char *dkim_fail;		/* one failing signature, may be NULL */
	const char *dkim_temp;		/* one temperror signature, may be NULL */
	enum mauth_spf_scope scope;
};

static unsigned sample_value;

static unsigned
sample(void *arg)
{
	(void)arg;
	return sample_value;
}

static enum mauth_dmarc_result
run(struct mauth_dns *dns, enum mauth_dmarc_mode mode, const struct msg *m,
    struct mauth_dmarc_outcome *out)
{
	struct mauth_dmarc_dkim_input k[6];
	size_t nk = 0;
	struct mauth_dmarc_options opt = { .mode = mode, .psl = psl,
	    .sample = sample };
	struct mauth_dmarc_input in = {
		.header_from = m->from,
		.spf = { m->spf, m->spf_domain, m->scope },
		.dkim = k,
	};

	for (size_t i = 0; i < 4 && m->dkim[i] != NULL; i++)
		k[nk++] = (struct mauth_dmarc_dkim_input){ m->dkim[i], "sel",
		    MAUTH_DMARC_DKIM_PASS, NULL };
	if (m->dkim_fail != NULL)
		k[nk++] = (struct mauth_dmarc_dkim_input){ m->dkim_fail, "bad",
		    MAUTH_DMARC_DKIM_FAIL, "body hash mismatch" };
	if (m->dkim_temp != NULL)
		k[nk++] = (struct mauth_dmarc_dkim_input){ m->dkim_temp, "tmp",
		    MAUTH_DMARC_DKIM_TEMPERROR, "key lookup timed out" };
	in.ndkim = nk;
	return mauth_dmarc_evaluate(dns, &opt, &in, out);
}

static const char *const rname[] = { "none", "pass", "fail", "temperror",
    "permerror" };

static void
expect(struct mauth_dns *dns, enum mauth_dmarc_mode mode, const struct msg *m,
    enum mauth_dmarc_result want, enum mauth_dmarc_policy dis, const char *why)
{
	struct mauth_dmarc_outcome out;

	is_int(run(dns, mode, m, &out), want, "%s: dmarc=%s (%s)",
	    m->from ? m->from : "(none)",
	    rname[want], why);
	if (want == FAIL)
		is_int(out.disposition, dis, "  disposition %s",
		    mauth_dmarc_policy_name(dis));
	if (out.problem != NULL)
		diag("  problem: %s", out.problem);
	mauth_dmarc_outcome_clear(&out);
}

/* ------------------------------------------------- OpenDMARC alignment */

static bool
valid_name(const char *s)
{
	char *e = NULL, *n = mauth_dns_name_normalise(s, &e);

	free(e);
	free(n);
	return n != NULL;
}

/* ids whose OpenDMARC answer is a quirk: leading/trailing dots ignored */
static const char *
quirk(int id)
{
	if (id == 5 || id == 6)
		return "OpenDMARC quirk: it strips dots, but a name with an empty"
		    " label is not a domain name (RFC 1035 2.3.1), so it aligns"
		    " with nothing";
	return NULL;
}

static void
test_opendmarc_alignment(void)
{
	struct vec *v = vec_load("t/vectors/dmarc/opendmarc/cases.yml");
	yaml_node_t *cases = vec_cases(v, "alignment");

	for (size_t i = 0; i < vec_len(cases); i++) {
		yaml_node_t *c = vec_item(v, cases, i);
		int id = atoi(vec_str(v, c, "id"));
		const char *a = vec_str(v, c, "domain_a"), *b = vec_str(v, c,
		    "domain_b");
		bool strict = strcmp(vec_str(v, c, "mode"), "strict") == 0;
		bool want = atoi(vec_str(v, c, "expected")) == 0;
		const char *why = quirk(id);
		/* the relation is symmetric: the valid name is the author */
		const char *author = valid_name(b) ? b : a,
		    *id_dom = author == b ? a : b;

		if (why != NULL)
			want = !want;
		for (int mode = 0; mode <= 1; mode++) {
			struct mauth_dmarc_outcome out;
			struct mauth_buf zt = MAUTH_BUF_INIT;
			if (valid_name(author)) {
				/* each domain publishes at its registrable domain */
				char *org = mauth_dmarc_psl_org_domain(psl,
				    author);
				mauth_buf_printf(&zt,
				    "_dmarc.%s. IN TXT \"v=DMARC1; p=reject;"
				    " adkim=%c\"\n", org, strict ? 's' : 'r');
				free(org);
			}
			struct mauth_dns *dns = mauth_dns_mem_resolver(zone(mauth_buf_cstr(&zt)), true);
			struct msg m = { .from = author, .dkim = { id_dom } };
			enum mauth_dmarc_result r = run(dns, mode, &m, &out);
			ok((r == PASS) == want,
			    "alignment case %d %s: %s vs %s %s: %s (%s)",
			    id, mode ? "psl" : "treewalk", a, b,
			    strict ? "strict" : "relaxed",
			    want ? "aligned" : "not aligned",
			    why ? why : "as OpenDMARC");
			if (!valid_name(author))
				is_int(r, PERM,
				    "  no valid author domain: permerror");
			mauth_dmarc_outcome_clear(&out);
			mauth_dns_free(&dns);
			mauth_buf_free(&zt);
		}
	}
	vec_free(&v);
}

/* ------------------------------------------------------ RFC examples */

static void
test_rfc_examples(void)
{
	struct mauth_dns *dns = mauth_dns_mem_resolver(zone(
	    "_dmarc.example.com. IN TXT \"v=DMARC1; p=reject; aspf=r;"
	    " rua=mailto:dmarc-feedback@example.com\"\n"
	    "_dmarc.signing.example.com. IN TXT \"v=DMARC1; p=none\"\n"
	    "_dmarc.strict.example. IN TXT \"v=DMARC1; p=reject; aspf=s; adkim=s\"\n"
	    "_dmarc.bank.example. IN TXT \"v=DMARC1; p=reject; psd=y\"\n"
	    "_dmarc.giant.bank.example. IN TXT \"v=DMARC1; p=quarantine\"\n"),
	    true);
	struct mauth_dmarc_outcome out;

	/* B.1.1 SPF */
	expect(dns, 0, &(struct msg){ .from = "example.com",
	    .spf_domain = "example.com", .spf = MAUTH_SPF_PASS },
	    PASS, 0, "B.1.1 example 1: strict SPF alignment");
	expect(dns, 0, &(struct msg){ .from = "example.com",
	    .spf_domain = "child.example.com", .spf = MAUTH_SPF_PASS },
	    PASS, 0, "B.1.1 example 2: relaxed SPF alignment");
	expect(dns, 0, &(struct msg){ .from = "child.example.com",
	    .spf_domain = "example.net", .spf = MAUTH_SPF_PASS },
	    FAIL, P_REJ, "B.1.1 example 3: no alignment; sp defaults to p");
	expect(dns, 0, &(struct msg){ .from = "example.com",
	    .spf_domain = "example.com", .spf = MAUTH_SPF_FAIL },
	    FAIL, P_REJ, "SPF fail cannot align");
	expect(dns, 0, &(struct msg){ .from = "example.com",
	    .spf_domain = "example.com", .spf = MAUTH_SPF_SOFTFAIL },
	    FAIL, P_REJ, "SPF softfail cannot align");
	/* B.1.2 DKIM */
	expect(dns, 0, &(struct msg){ .from = "example.com",
	    .dkim = { "example.com" } },
	    PASS, 0, "B.1.2 example 1: strict DKIM alignment");
	expect(dns, 0, &(struct msg){ .from = "example.com",
	    .dkim = { "child.example.com" } },
	    PASS, 0, "B.1.2 example 2: relaxed DKIM alignment");
	expect(dns, 0, &(struct msg){ .from = "example.com",
	    .dkim = { "example.net" }, .dkim_fail = "example.com" }, FAIL,
	    P_REJ,
	    "unaligned pass and an aligned failing signature");
	expect(dns, 0, &(struct msg){ .from = "strict.example",
	    .spf_domain = "mail.strict.example", .spf = MAUTH_SPF_PASS,
	    .dkim = { "mail.strict.example" } }, FAIL, P_REJ,
	    "aspf=s adkim=s: subdomains do not align");
	expect(dns, 0, &(struct msg){ .from = "STRICT.example",
	    .spf_domain = "strict.EXAMPLE", .spf = MAUTH_SPF_PASS },
	    PASS, 0, "strict alignment ignores case (RFC 4343)");

	/* B.3.1 SMTP session example */
	run(dns, 0, &(struct msg){ .from = "example.com",
	    .spf_domain = "mail.example.com", .spf = MAUTH_SPF_PASS,
	    .dkim = { "example.com" } }, &out);
	ok(out.result == PASS && out.spf_aligned && out.dkim_aligned,
	    "B.3.1: SPF and DKIM both align, pass");
	mauth_dmarc_outcome_clear(&out);

	/* B.4.1, B.4.2 */
	run(dns, 0, &(struct msg){ .from = "example.com",
	    .spf_domain = "example.com", .spf = MAUTH_SPF_PASS,
	    .dkim = { "signing.example.com" } }, &out);
	ok(out.result == PASS && out.spf_aligned && out.dkim_aligned &&
	    strcmp(out.policy_domain, "example.com") == 0,
	    "B.4.1: both aligned");
	mauth_dmarc_outcome_clear(&out);
	run(dns, 0, &(struct msg){ .from = "a.b.c.d.e.f.g.h.i.j.k.example.com",
	    .spf_domain = "example.com", .spf = MAUTH_SPF_PASS,
	    .dkim = { "signing.example.com" } }, &out);
	ok(out.result == PASS && out.spf_aligned && out.dkim_aligned &&
	    strcmp(out.policy_domain, "example.com") == 0 &&
	    strcmp(out.org_domain, "example.com") == 0,
	    "B.4.2: deep author, policy and org domain example.com");
	ok(out.dns_queries <= 10,
	    "  %u DNS queries for author, MAIL FROM and d=",
	    out.dns_queries);
	mauth_dmarc_outcome_clear(&out);

	/* B.4.3 */
	run(dns, 0, &(struct msg){ .from = "giant.bank.example",
	    .spf_domain = "mail.giant.bank.example", .spf = MAUTH_SPF_PASS,
	    .dkim = { "mail.mega.bank.example" } }, &out);
	ok(out.result == PASS && out.spf_aligned && !out.dkim_aligned &&
	    !out.dkim[0].aligned,
	    "B.4.3: SPF aligned (giant.bank.example), DKIM not (mega.bank.example)");
	is_str(out.policy_domain, "giant.bank.example", "  policy domain");
	mauth_dmarc_outcome_clear(&out);
	run(dns, 0, &(struct msg){ .from = "x.mega.bank.example",
	    .dkim = { "mega.bank.example" } },
	    &out);
	ok(out.result == PASS && strcmp(out.policy_domain, "bank.example") == 0,
	    "PSD policy; relaxed alignment within the PSD's child");
	mauth_dmarc_outcome_clear(&out);
	run(dns, 0, &(struct msg){ .from = "x.mega.bank.example",
	    .dkim = { "other.bank.example" } },
	    &out);
	ok(out.result == FAIL && out.disposition == P_REJ,
	    "a sibling under the PSD does not align: the PSD's policy");
	mauth_dmarc_outcome_clear(&out);
	mauth_dns_free(&dns);

	/* 11.8: relaxed alignment and the records an attacker relies on */
	const char *zt = "_dmarc.mail.example.com. IN TXT \"v=DMARC1; p=reject\"\n"
	    "_dmarc.example.com. IN TXT \"v=DMARC1; p=reject\"\n";
	dns = mauth_dns_mem_resolver(zone(zt), true);
	expect(dns, 0, &(struct msg){ .from = "evil.example.com",
	    .dkim = { "mail.example.com" } },
	    PASS, 0, "11.8: records at mail.example.com and example.com:"
	    " org is example.com");
	mauth_dns_free(&dns);
	dns = mauth_dns_mem_resolver(zone("_dmarc.mail.example.com. IN TXT"
	    " \"v=DMARC1; p=reject; psd=n\"\n"
	    "_dmarc.example.com. IN TXT \"v=DMARC1; p=reject\"\n"), true);
	expect(dns, 0, &(struct msg){ .from = "evil.example.com",
	    .dkim = { "mail.example.com" } },
	    FAIL, P_REJ, "11.8: psd=n at mail.example.com makes it its own org domain");
	mauth_dns_free(&dns);
}

/* ------------------------------------------------ policy, t, pct, np */

static void
test_policy(void)
{
	struct mauth_dns_mem *mem = zone(
	    "_dmarc.org.example. IN TXT \"v=DMARC1; p=reject; sp=quarantine; np=none\"\n"
	    "exists.org.example. IN A 192.0.2.1\n"
	    "_dmarc.np.example. IN TXT \"v=DMARC1; p=none; np=reject\"\n"
	    "mx.np.example. IN MX 10 mx.np.example.\n"
	    "_dmarc.nonp.example. IN TXT \"v=DMARC1; p=reject; sp=quarantine\"\n"
	    "_dmarc.test.example. IN TXT \"v=DMARC1; p=reject; t=y\"\n"
	    "_dmarc.q.test.example. IN TXT \"v=DMARC1; p=quarantine; t=y\"\n"
	    "_dmarc.n.test.example. IN TXT \"v=DMARC1; p=none; t=y\"\n"
	    "_dmarc.pct.example. IN TXT \"v=DMARC1; p=reject; pct=50\"\n"
	    "_dmarc.bad.example. IN TXT \"v=DMARC1; p=bogus\"\n"
	    "_dmarc.fallback.example. IN TXT \"v=DMARC1; p=bogus;"
	    " rua=mailto:r@fallback.example\"\n");
	inject(mem, "slow.np.example", MAUTH_DNS_TIMEOUT);
	struct mauth_dns *dns = mauth_dns_mem_resolver(mem, true);
	struct mauth_dmarc_outcome out;

	run(dns, 0, &(struct msg){ .from = "org.example" }, &out);
	ok(out.result == FAIL && out.policy == P_REJ && strcmp(out.policy_tag,
	    "p") == 0 &&
	    out.disposition == P_REJ && out.override == MAUTH_DMARC_OVERRIDE_NONE,
	    "author's own record: p=reject");
	char *comment = mauth_dmarc_outcome_comment(&out);
	is_str(comment, "p=reject sp=quarantine dis=reject", "  A-R comment");
	free(comment);
	mauth_dmarc_outcome_clear(&out);
	run(dns, 0, &(struct msg){ .from = "exists.org.example" }, &out);
	ok(out.result == FAIL && out.policy == P_QUAR && strcmp(out.policy_tag,
	    "sp") == 0,
	    "existing subdomain: sp=quarantine");
	mauth_dmarc_outcome_clear(&out);
	run(dns, 0, &(struct msg){ .from = "ghost.org.example" }, &out);
	ok(out.result == FAIL && out.policy == P_NONE && strcmp(out.policy_tag,
	    "np") == 0,
	    "NXDOMAIN subdomain: np=none (RFC 9989 3.2.13, 4.10.1)");
	mauth_dmarc_outcome_clear(&out);
	run(dns, 0, &(struct msg){ .from = "ghost.np.example" }, &out);
	ok(out.result == FAIL && out.disposition == P_REJ &&
	    strcmp(out.policy_tag, "np") == 0,
	    "np=reject for a made-up subdomain of a p=none domain");
	mauth_dmarc_outcome_clear(&out);
	run(dns, 0, &(struct msg){ .from = "mx.np.example" }, &out);
	ok(out.result == FAIL && out.disposition == P_NONE &&
	    strcmp(out.policy_tag, "sp") == 0,
	    "a subdomain with only MX exists: sp (= p=none)");
	mauth_dmarc_outcome_clear(&out);
	run(dns, 0, &(struct msg){ .from = "a.b.mx.np.example" }, &out);
	ok(out.result == FAIL && strcmp(out.policy_tag, "np") == 0,
	    "a name under an existing one can still be NXDOMAIN");
	mauth_dmarc_outcome_clear(&out);
	run(dns, 0, &(struct msg){ .from = "slow.np.example" }, &out);
	ok(out.result == TEMP && out.policy_tag == NULL,
	    "existence unknown (timeout) and np differs from sp: temperror");
	mauth_dmarc_outcome_clear(&out);
	run(dns, 0, &(struct msg){ .from = "ghost.nonp.example" }, &out);
	ok(out.result == FAIL && out.policy == P_QUAR && strcmp(out.policy_tag,
	    "sp") == 0,
	    "no np: sp applies to non-existent subdomains, no existence query");
	mauth_dmarc_outcome_clear(&out);

	run(dns, 0, &(struct msg){ .from = "test.example" }, &out);
	ok(out.policy == P_REJ && out.disposition == P_QUAR &&
	    out.override == MAUTH_DMARC_OVERRIDE_POLICY_TEST_MODE,
	    "t=y: reject is applied as quarantine (RFC 9989 4.7)");
	is_str(mauth_dmarc_override_name(out.override), "policy_test_mode",
	    "  override name");
	mauth_dmarc_outcome_clear(&out);
	run(dns, 0, &(struct msg){ .from = "q.test.example" }, &out);
	ok(out.disposition == P_NONE &&
	    out.override == MAUTH_DMARC_OVERRIDE_POLICY_TEST_MODE,
	    "t=y: quarantine is applied as none");
	mauth_dmarc_outcome_clear(&out);
	run(dns, 0, &(struct msg){ .from = "n.test.example" }, &out);
	ok(out.disposition == P_NONE && out.override == MAUTH_DMARC_OVERRIDE_NONE,
	    "t=y has no effect on p=none");
	mauth_dmarc_outcome_clear(&out);

	sample_value = 49;
	run(dns, MAUTH_DMARC_MODE_RFC7489,
	    &(struct msg){ .from = "pct.example" }, &out);
	ok(out.disposition == P_REJ && out.override == MAUTH_DMARC_OVERRIDE_NONE,
	    "pct=50, sample 49: policy applied (RFC 7489 6.6.4)");
	mauth_dmarc_outcome_clear(&out);
	sample_value = 50;
	run(dns, MAUTH_DMARC_MODE_RFC7489,
	    &(struct msg){ .from = "pct.example" }, &out);
	ok(out.disposition == P_QUAR &&
	    out.override == MAUTH_DMARC_OVERRIDE_SAMPLED_OUT,
	    "pct=50, sample 50: sampled out, one step lower");
	mauth_dmarc_outcome_clear(&out);
	run(dns, MAUTH_DMARC_MODE_RFC9989,
	    &(struct msg){ .from = "pct.example" }, &out);
	ok(out.disposition == P_REJ && out.override == MAUTH_DMARC_OVERRIDE_NONE,
	    "pct is not applied in RFC 9989 mode (historic, 9.3)");
	mauth_dmarc_outcome_clear(&out);

	expect(dns, 0, &(struct msg){ .from = "bad.example" }, PERM, 0,
	    "invalid record at the author domain");
	run(dns, 0, &(struct msg){ .from = "fallback.example" }, &out);
	ok(out.result == FAIL && out.disposition == P_NONE &&
	    out.record->p_fallback,
	    "bad p with rua: evaluated as p=none (4.10.1)");
	mauth_dmarc_outcome_clear(&out);
	expect(dns, 0, &(struct msg){ .from = "nothing.example" }, NONE, 0,
	    "no record: none");
	expect(dns, 0, &(struct msg){ .from = NULL }, PERM, 0,
	    "no author domain");
	expect(dns, 0, &(struct msg){ .from = "a..b" }, PERM, 0,
	    "author domain not a name");

	mauth_dns_free(&dns);
}

/* ---------------------------------------- identities, failures, report */

static void
test_spf_identity_and_failures(void)
{
	struct mauth_dns_mem *mem = zone(
	    "_dmarc.example.org. IN TXT \"v=DMARC1; p=reject\"\n"
	    "_dmarc.example.net. IN TXT \"v=DMARC1; p=reject\"\n");
	inject(mem, "_dmarc.mail.example.net", MAUTH_DNS_SERVFAIL);
	inject(mem, "_dmarc.slow.example", MAUTH_DNS_TIMEOUT);
	struct mauth_dns *dns = mauth_dns_mem_resolver(mem, true);
	struct mauth_dmarc_outcome out;

	run(dns, 0, &(struct msg){ .from = "example.org",
	    .spf_domain = "mx1.example.org", .spf = MAUTH_SPF_PASS,
	    .scope = MAUTH_SPF_SCOPE_HELO }, &out);
	ok(out.result == PASS && out.spf_aligned &&
	    out.spf_scope == MAUTH_SPF_SCOPE_HELO,
	    "null reverse-path: the HELO identity checked for MAIL FROM aligns"
	    " (RFC 9989 3.2.4, RFC 7208 2.4)");
	mauth_dmarc_outcome_clear(&out);

	expect(dns, 0, &(struct msg){ .from = "example.net",
	    .dkim = { "mail.example.net" } },
	    TEMP, 0, "the identifier's org walk hits SERVFAIL, nothing else aligns");
	expect(dns, 0, &(struct msg){ .from = "example.net",
	    .spf_domain = "example.net", .spf = MAUTH_SPF_PASS,
	    .dkim = { "mail.example.net" } }, PASS, 0,
	    "the same failure does not matter when SPF aligns exactly");
	expect(dns, 0, &(struct msg){ .from = "example.net",
	    .spf_domain = "other.example", .spf = MAUTH_SPF_PASS },
	    FAIL, P_REJ, "an unaligned identifier whose walk succeeds");
	/* DESIGN.md: a DNS failure never turns mail that would pass into fail */
	expect(dns, 0, &(struct msg){ .from = "example.org",
	    .spf_domain = "bounce.example.org", .spf = MAUTH_SPF_TEMPERROR },
	    TEMP, 0, "SPF temperror for a domain that would align: temperror");
	expect(dns, 0, &(struct msg){ .from = "example.org",
	    .spf_domain = "example.com", .spf = MAUTH_SPF_TEMPERROR },
	    FAIL, P_REJ, "SPF temperror for a domain that could not align: fail");
	expect(dns, 0, &(struct msg){ .from = "example.org",
	    .dkim_temp = "example.org" }, TEMP, 0,
	    "DKIM temperror for an aligned d=: temperror");
	expect(dns, 0, &(struct msg){ .from = "example.org",
	    .dkim = { "example.org" }, .dkim_temp = "example.org" }, PASS, 0,
	    "DKIM temperror beside an aligned pass: pass");
	expect(dns, 0, &(struct msg){ .from = "slow.example",
	    .spf_domain = "slow.example", .spf = MAUTH_SPF_PASS },
	    TEMP, 0, "timeout on the author's _dmarc: temperror, even with SPF pass");
	mauth_dns_free(&dns);
}

static void
test_report_fields(void)
{
	struct mauth_dns *dns = mauth_dns_mem_resolver(zone(
	    "_dmarc.example.org. IN TXT \"v=DMARC1; p=quarantine; sp=reject; adkim=s;"
	    " rua=mailto:agg@example.org\"\n"), true);
	struct mauth_ip ip;
	const char *to[] = { "example.com", "example.net" };
	struct mauth_dmarc_dkim_input k[] = {
		{ "example.org", "s1", MAUTH_DMARC_DKIM_FAIL,
		    "signature did not verify" },
		{ "example.net", "s2", MAUTH_DMARC_DKIM_PASS, NULL },
	};
	struct mauth_dmarc_options opt = { .mode = MAUTH_DMARC_MODE_RFC9989 };
	struct mauth_dmarc_input in = {
		.header_from = "Example.ORG",
		.spf = { MAUTH_SPF_SOFTFAIL, "bounce.example.org",
		    MAUTH_SPF_SCOPE_MFROM },
		.dkim = k, .ndkim = 2, .source_ip = &ip,
		.envelope_from = "bounce.example.org", .envelope_to = to,
		    .nenvelope_to = 2,
	};
	struct mauth_dmarc_outcome out;
	char buf[MAUTH_IP_STRLEN];

	mauth_ip_parse("192.0.2.99", &ip);
	is_int(mauth_dmarc_evaluate(dns, &opt, &in, &out), FAIL,
	    "report row message fails");
	ok(out.record != NULL && out.record->p == P_QUAR &&
	    out.record->sp == P_REJ &&
	    out.record->adkim == MAUTH_DMARC_ALIGN_STRICT && out.record->nrua == 1,
	    "  published policy kept");
	is_str(out.policy_domain, "example.org", "  policy domain");
	is_str(out.header_from, "Example.ORG", "  header_from as given");
	ok(out.has_source_ip && strcmp(mauth_ip_format(&out.source_ip, buf,
	    sizeof(buf)),
	    "192.0.2.99") == 0, "  source IP");
	is_str(out.envelope_from, "bounce.example.org", "  envelope_from");
	ok(out.nenvelope_to == 2 && strcmp(out.envelope_to[1],
	    "example.net") == 0,
	    "  envelope_to");
	ok(out.spf_result == MAUTH_SPF_SOFTFAIL && strcmp(out.spf_domain,
	    "bounce.example.org") == 0 &&
	    out.spf_scope == MAUTH_SPF_SCOPE_MFROM && !out.spf_aligned,
	    "  SPF domain, scope, result");
	ok(out.ndkim == 2 && strcmp(out.dkim[0].selector, "s1") == 0 &&
	    out.dkim[0].result == MAUTH_DMARC_DKIM_FAIL &&
	    strcmp(out.dkim[0].human_result, "signature did not verify") == 0 &&
	    out.dkim[1].result == MAUTH_DMARC_DKIM_PASS && !out.dkim[1].aligned &&
	    !out.dkim_aligned, "  DKIM domain, selector, result, alignment");
	ok(out.method == MAUTH_DMARC_MODE_RFC9989 && out.dns_queries >= 1,
	    "  method and query count");
	ok(strcmp(out.policy_tag, "p") == 0 && out.disposition == P_QUAR,
	    "  p=quarantine applied");
	is_str(mauth_dmarc_dkim_result_name(out.dkim[0].result), "fail",
	    "  DKIM result name");
	is_str(mauth_dmarc_result_name(out.result), "fail", "  result name");

	mauth_dmarc_outcome_override(&out, P_NONE,
	    MAUTH_DMARC_OVERRIDE_TRUSTED_FORWARDER,
	    "forwarder.example");
	ok(out.disposition == P_NONE &&
	    out.override == MAUTH_DMARC_OVERRIDE_TRUSTED_FORWARDER &&
	    strcmp(out.override_comment, "forwarder.example") == 0,
	    "local override: trusted_forwarder, with comment");
	mauth_dmarc_outcome_clear(&out);
	ok(out.record == NULL && out.dkim == NULL, "outcome cleared");
	mauth_dns_free(&dns);
}

/* CVE-2019-16378: every author domain is evaluated, the worst one acts */
static void
test_several_authors(void)
{
	struct mauth_dns *dns = mauth_dns_mem_resolver(zone(
	    "_dmarc.evil.example. IN TXT \"v=DMARC1; p=none\"\n"
	    "_dmarc.bank.example. IN TXT \"v=DMARC1; p=reject\"\n"), true);
	struct mauth_dmarc_outcome out[3];

	run(dns, 0, &(struct msg){ .from = "evil.example",
	    .spf_domain = "evil.example", .spf = MAUTH_SPF_PASS }, &out[0]);
	run(dns, 0, &(struct msg){ .from = "bank.example",
	    .spf_domain = "evil.example", .spf = MAUTH_SPF_PASS }, &out[1]);
	run(dns, 0, &(struct msg){ .from = "nothing.example",
	    .spf_domain = "evil.example", .spf = MAUTH_SPF_PASS }, &out[2]);
	ok(out[0].result == PASS && out[1].result == FAIL && out[2].result == NONE,
	    "From: attacker@evil.example, victim@bank.example: pass, fail, none");
	is_int((long long)mauth_dmarc_outcome_worst(out, 3), 1,
	    "  the failing p=reject domain is the one acted on");
	is_int((long long)mauth_dmarc_outcome_worst(out, 1), 0,
	    "  one outcome: itself");
	for (int i = 0; i < 3; i++)
		mauth_dmarc_outcome_clear(&out[i]);
	mauth_dns_free(&dns);
}

int
main(void)
{
	char *error = NULL;

	psl = mauth_dmarc_psl_load(NULL, &error);
	if (psl == NULL)
		skip_all("no Public Suffix List: %s", error);
	test_opendmarc_alignment();
	test_rfc_examples();
	test_policy();
	test_spf_identity_and_failures();
	test_report_fields();
	test_several_authors();
	mauth_dmarc_psl_free(&psl);
	return done_testing();
}
