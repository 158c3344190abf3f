/*
 * fuzz-dkim-verify.c - DKIM verification end to end (lib/dkim_verify.c on
 * libopendkim): DKIM-Signature fields, key records and message bodies
 * together, as mauthd feeds them
 *
 * The input is "KEY-RECORD NUL MESSAGE": the record is published at
 * fuzz._domainkey.example.com (and ed._domainkey.example.com) in an
 * in-memory zone, the message is split by lib/message.c and fed to a
 * verifier header by header, then in body chunks.  Inputs whose length is
 * a multiple of 7 get a key lookup that times out instead.  Seeds are
 * messages really signed for that record (dkimpy), so the fuzzer starts
 * from signatures that pass.  Properties: at most MaximumSignaturesToVerify
 * results, each a defined verdict; every verdict but pass and none says
 * why; pass means the signature was verified with a key of known size.
 */
#include "config.h"

#include "dkim.h"
#include "dns_mem.h"
#include "fuzz.h"
#include "message.h"

static int
on_header(void *ctx, const char *name, const char *value)
{
	mauth_dkim_verify_header(ctx, name, value);
	return 0;
}

static int
on_eoh(void *ctx)
{
	mauth_dkim_verify_eoh(ctx);
	return 0;
}

static int
on_body(void *ctx, const unsigned char *data, size_t len)
{
	mauth_dkim_verify_body(ctx, data, len);
	return 0;
}

/* publish - the record as 255-octet character-strings at name */
static void
publish(struct mauth_dns_mem *mem, const char *name, const char *rec)
{
	const char *strings[64];
	char parts[64][256];
	size_t n = 0, len = strlen(rec);
	char *error = NULL;

	for (size_t off = 0; off < len && n < 64; off += 255, n++) {
		size_t k = len - off < 255 ? len - off : 255;

		memcpy(parts[n], rec + off, k);
		parts[n][k] = '\0';
		strings[n] = parts[n];
	}
	if (n == 0)
		strings[n++] = "";
	if (mauth_dns_mem_add_txt(mem, name, strings, n, &error) < 0)
		free(error);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool slow = size % 7 == 0;
	char *rec = fuzz_take(&data, &size, 0);
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	struct mauth_dkim_options opt;
	struct mauth_dkim *dkim = NULL;
	struct mauth_dkim_verify *v;
	const struct mauth_dkim_sig *sigs;
	struct mauth_dns *dns;
	char *error = NULL;
	size_t n;

	if (rec == NULL) {
		mauth_dns_mem_free(&mem);
		return 0;
	}
	publish(mem, "fuzz._domainkey.example.com", rec);
	publish(mem, "ed._domainkey.example.com", rec);
	if (slow && mauth_dns_mem_set_status(mem, "fuzz._domainkey.example.com",
	    0, MAUTH_DNS_TIMEOUT, &error) < 0)
		free(error);
	free(rec);
	dns = mauth_dns_mem_resolver(mem, true);
	mauth_dkim_options_init(&opt);
	opt.dns = dns;
	if (mauth_dkim_new(&opt, &dkim, &error) < 0) {
		fprintf(stderr, "mauth_dkim_new: %s\n", error);
		abort();
	}
	v = mauth_dkim_verify_new(dkim, "FUZZ");
	struct mauth_message_sink sink = { on_header, on_eoh, on_body, v };
	FUZZ_CHECK(mauth_message_feed((const char *)data, size, &sink, &error) == 0);
	mauth_dkim_verify_eom(v);
	n = mauth_dkim_verify_results(v, &sigs);
	FUZZ_CHECK(n <= MAUTH_DKIM_MAX_SIGNATURES);
	for (size_t i = 0; i < n; i++) {
		enum mauth_dkim_result r = sigs[i].result;

		FUZZ_CHECK(r >= MAUTH_DKIM_NONE && r <= MAUTH_DKIM_PERMERROR);
		if (r != MAUTH_DKIM_PASS && r != MAUTH_DKIM_NONE)
			FUZZ_CHECK(sigs[i].reason != NULL);
		if (r == MAUTH_DKIM_PASS)
			FUZZ_CHECK(sigs[i].verified && sigs[i].key_bits > 0);
	}
	mauth_dkim_verify_free(&v);
	mauth_dkim_free(&dkim);
	mauth_dns_free(&dns);
	return 0;
}
