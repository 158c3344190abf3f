/*
 * fuzz-zone.c - the RFC 1035 zone-file reader (lib/dns_zone.c) and the
 * in-memory backend it fills (lib/dns_mem.c)
 *
 * The input is a zone file.  When it loads, a few names are asked of the
 * table for every type, so CNAME chains, wildcards and empty non-terminals
 * built from arbitrary input are exercised too.  Properties: a failed load
 * says why ("name:line: ..."); every answer is a defined status, OK
 * exactly when it carries records, and every record is of the type asked.
 */
#include "config.h"

#include "dns_mem.h"
#include "dns_zone.h"
#include "fuzz.h"

static const char *const fuzz_names[] = {
	"example.org", "www.example.org", "a.b.example.org",
	"x.wild.example.org", "example.net", "1.2.0.192.in-addr.arpa",
};

static const uint16_t fuzz_types[] = {
	MAUTH_DNS_T_A, MAUTH_DNS_T_AAAA, MAUTH_DNS_T_MX, MAUTH_DNS_T_TXT,
	MAUTH_DNS_T_PTR, MAUTH_DNS_T_CNAME, MAUTH_DNS_T_NS, MAUTH_DNS_T_SOA,
};

static void
ask(struct mauth_dns *dns, const char *name, uint16_t type)
{
	struct mauth_dns_answer *ans = NULL;
	enum mauth_dns_status st = mauth_dns_lookup(dns, name, type, &ans);

	FUZZ_CHECK(ans != NULL && ans->status == st);
	FUZZ_CHECK(st >= MAUTH_DNS_OK && st <= MAUTH_DNS_INVALID);
	FUZZ_CHECK((st == MAUTH_DNS_OK) == (ans->count > 0));
	for (size_t i = 0; i < ans->count; i++) {
		FUZZ_CHECK(ans->rr[i].type == type);
		if (type == MAUTH_DNS_T_TXT)
			FUZZ_CHECK(ans->rr[i].u.txt.data != NULL &&
			    ans->rr[i].u.txt.data[ans->rr[i].u.txt.len] == '\0');
	}
	mauth_dns_answer_free(&ans);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	struct mauth_dns *dns;
	char *error = NULL;

	if (mauth_dns_zone_parse(mem, (const char *)data, size, "fuzz.zone",
	    "example.org.", &error) < 0) {
		FUZZ_CHECK(error != NULL && strncmp(error, "fuzz.zone:", 10) == 0);
		free(error);
		mauth_dns_mem_free(&mem);
		return 0;
	}
	FUZZ_CHECK(error == NULL);
	dns = mauth_dns_mem_resolver(mem, true);
	for (size_t i = 0; i < sizeof(fuzz_names) / sizeof(fuzz_names[0]); i++)
		for (size_t j = 0; j < sizeof(fuzz_types) / sizeof(fuzz_types[0]); j++)
			ask(dns, fuzz_names[i], fuzz_types[j]);
	mauth_dns_free(&dns);
	return 0;
}
