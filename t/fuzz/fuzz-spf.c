/*
 * fuzz-spf.c - SPF records and macro-strings (RFC 7208 sections 4.6, 7, 12)
 *
 * One input is tried three ways:
 *   - as a TXT record: mauth_spf_record_is_spf() and _parse();
 *   - as a macro-string, as a domain-spec and as an explain-string:
 *     mauth_spf_macro_check() and _expand();
 *   - as the SPF record of the sender's domain, evaluated by check_host()
 *     against a small in-memory zone (includes, a/mx/ptr targets, an
 *     explanation, a name that times out), so the evaluator and the macro
 *     expansion of domain-specs and exp= run on whatever the parser lets
 *     through.
 * Properties: an accepted macro-string expands; what a domain-spec accepts
 * an explain-string accepts; check_host() gives a defined result, and a
 * problem text exactly for the error results.
 */
#include "config.h"

#include "dns_mem.h"
#include "fuzz.h"
#include "spf.h"
#include "spf_macro.h"
#include "spf_record.h"

static void
zone_rr(struct mauth_dns_mem *mem, const char *owner, const char *type,
    const char *rdata)
{
	char *error = NULL;

	if (mauth_dns_mem_add_text(mem, owner, mauth_dns_type_parse(type),
	    300, rdata, NULL, &error) < 0) {
		fprintf(stderr, "fuzz-spf: zone %s %s: %s\n", owner, type, error);
		abort();
	}
}

/* zone - the names the record under test can reach, built per input */
static struct mauth_dns_mem *
zone(void)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	char *error = NULL;

	zone_rr(mem, "inc.example.org", "TXT", "\"v=spf1 ip4:192.0.2.0/24 -all\"");
	zone_rr(mem, "rdr.example.org", "TXT", "\"v=spf1 a:%{d} mx ?all\"");
	zone_rr(mem, "rdr.example.org", "A", "192.0.2.10");
	zone_rr(mem, "rdr.example.org", "MX", "10 mx.example.org.");
	zone_rr(mem, "mx.example.org", "A", "198.51.100.7");
	zone_rr(mem, "mx.example.org", "AAAA", "2001:db8::7");
	zone_rr(mem, "why.example.org", "TXT", "\"%{i} is not %{d} (%{c} %{r} %{t} %{p})\"");
	zone_rr(mem, "7.100.51.198.in-addr.arpa", "PTR", "mx.example.org.");
	zone_rr(mem, "*.wild.example.org", "TXT", "\"v=spf1 exists:%{ir}.%{v}.x.%{d} -all\"");
	zone_rr(mem, "alias.example.org", "CNAME", "inc.example.org.");
	if (mauth_dns_mem_set_status(mem, "slow.example.org", 0,
	    MAUTH_DNS_TIMEOUT, &error) < 0 ||
	    mauth_dns_mem_set_status(mem, "broken.example.org", 0,
	    MAUTH_DNS_SERVFAIL, &error) < 0) {
		fprintf(stderr, "fuzz-spf: %s\n", error);
		abort();
	}
	return mem;
}

static void
try_record(const uint8_t *data, size_t size)
{
	struct mauth_spf_record *rec = NULL;
	char *error = NULL;

	if (!mauth_spf_record_is_spf((const char *)data, size))
		return;
	if (mauth_spf_record_parse((const char *)data, size, &rec, &error) == 0) {
		FUZZ_CHECK(rec != NULL && error == NULL);
		mauth_spf_record_free(&rec);
		FUZZ_CHECK(rec == NULL);
	} else {
		FUZZ_CHECK(rec == NULL && error != NULL);
		free(error);
	}
}

static void
try_macro(const char *text)
{
	static const unsigned flags[] = {
		0, MAUTH_SPF_MACRO_DOMAIN, MAUTH_SPF_MACRO_EXP,
	};
	struct mauth_spf_macro_env env = {
		.sender = "Strong.Bad@Email.Example.COM",
		.local = "Strong.Bad",
		.sender_domain = "Email.Example.COM",
		.domain = "email.example.com",
		.helo = NULL,
		.receiver = "mx.example.org",
		.now = 1700000000,
	};
	bool domain_ok = false;

	mauth_ip_parse("2001:db8::cb01", &env.ip);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		char *error = NULL, *out = NULL;
		size_t tail = 0;
		int ok = mauth_spf_macro_check(text, flags[i], &tail, &error) == 0;

		if (!ok) {
			FUZZ_CHECK(error != NULL);
			/* an explain-string allows all a domain-spec allows */
			FUZZ_CHECK(!(domain_ok && flags[i] == MAUTH_SPF_MACRO_EXP));
			free(error);
			continue;
		}
		FUZZ_CHECK(tail <= strlen(text));
		if (flags[i] == MAUTH_SPF_MACRO_DOMAIN)
			domain_ok = true;
		FUZZ_CHECK(mauth_spf_macro_expand(&env, text, flags[i], &out,
		    &error) == 0);
		FUZZ_CHECK(out != NULL);
		if (flags[i] == MAUTH_SPF_MACRO_DOMAIN)
			FUZZ_CHECK(strlen(out) <= 253 || strchr(out, '.') == NULL);
		free(out);
	}
}

static void
try_check_host(const uint8_t *data, size_t size)
{
	struct mauth_dns_mem *mem = zone();
	struct mauth_dns *dns;
	char *error = NULL;
	struct mauth_spf_options opt = {
		.receiver = "mx.example.org", .now = 1700000000,
		.time_limit_ms = 2000,
	};
	struct mauth_spf_outcome out = { 0 };
	struct mauth_ip ip;
	const char *const strings[] = { (const char *)data };
	enum mauth_spf_result r;

	/* one character-string: the record under test, at its own name */
	if (size > 255 || mauth_dns_mem_add_txt(mem, "fuzz.example.org",
	    strings, 1, &error) < 0) {
		free(error);
		mauth_dns_mem_free(&mem);
		return;
	}
	dns = mauth_dns_mem_resolver(mem, true);
	mauth_ip_parse(size % 2 ? "198.51.100.7" : "2001:db8::7", &ip);
	r = mauth_spf_check_host(dns, &opt, &ip, "fuzz.example.org",
	    "user@fuzz.example.org", "helo.example.org", &out);
	FUZZ_CHECK(r == out.result);
	FUZZ_CHECK(r >= MAUTH_SPF_NONE && r <= MAUTH_SPF_PERMERROR);
	if (r == MAUTH_SPF_TEMPERROR || r == MAUTH_SPF_PERMERROR)
		FUZZ_CHECK(out.problem != NULL);
	FUZZ_CHECK(r != MAUTH_SPF_FAIL || out.explanation != NULL);
	FUZZ_CHECK(out.dns_terms <= 10 || r == MAUTH_SPF_PERMERROR);
	mauth_spf_outcome_clear(&out);
	mauth_dns_free(&dns);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);

	try_record(data, size);
	try_macro(text);
	try_check_host((const uint8_t *)text, strlen(text));
	free(text);
	return 0;
}
