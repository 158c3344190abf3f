/*
 * fuzz-dkim.c - the DKIM parsers mauth owns (lib/dkim_tags.c, dkim_sig.c,
 * dkim_keyrec.c, dkim_select.c, dkim_key.c): tag-lists (RFC 6376 section
 * 3.2), DKIM-Signature values (3.5), key records (3.6.1, RFC 8463), the
 * From address that picks signing keys, private keys, base64
 *
 * The input is split at NUL bytes: the first piece is parsed as a tag-list
 * and as a DKIM-Signature value, the second as a key record (for RSA and
 * for Ed25519 signatures), as base64 and as a private key, the third as a
 * From field value.  Properties: a tag-list that parses has no repeated
 * name and gives back what it holds; a signature is either verifiable
 * (NONE, no reason) or has a verdict and a reason; key records and From
 * addresses parse or say why; a From address has a non-empty local part
 * and a lower-case domain.
 */
#include "config.h"

#include <ctype.h>

#include "dkim_int.h"
#include "fuzz.h"

/*
 * exact - a copy of len octets with nothing after them: the parsers take a
 * length, so reading past it (a NUL the caller happened to leave there)
 * is a bug ASan reports
 */
static char *
exact(const char *s, size_t len)
{
	char *p = malloc(len > 0 ? len : 1);

	if (p == NULL)
		abort();
	memcpy(p, s, len);
	return p;
}

static void
try_taglist(const char *s, size_t len)
{
	struct dkim_taglist tl;
	char *error = NULL;

	if (dkim_taglist_parse(s, len, &tl, &error) < 0) {
		FUZZ_CHECK(error != NULL);
		free(error);
		return;
	}
	for (size_t i = 0; i < tl.n; i++) {
		FUZZ_CHECK(tl.tags[i].name[0] != '\0');
		/* names are unique, so get() finds this very tag */
		FUZZ_CHECK(dkim_taglist_get(&tl, tl.tags[i].name) == tl.tags[i].value);
	}
	dkim_taglist_clear(&tl);
}

static void
try_signature(const char *s, size_t len)
{
	struct dkim_sigtags st;
	char *reason = NULL;
	enum mauth_dkim_result r = dkim_sig_parse(s, len, 1800000000, &st, &reason);

	FUZZ_CHECK(r >= MAUTH_DKIM_NONE && r <= MAUTH_DKIM_PERMERROR);
	FUZZ_CHECK((r == MAUTH_DKIM_NONE) == (reason == NULL));
	if (r == MAUTH_DKIM_NONE)
		FUZZ_CHECK(st.d != NULL && st.s != NULL && st.b != NULL &&
		    st.alg != MAUTH_DKIM_ALG_UNKNOWN);
	free(reason);
	dkim_sig_clear(&st);
}

static void
try_keyrec(const char *s, size_t len)
{
	static const enum mauth_dkim_alg algs[] = {
		MAUTH_DKIM_RSA_SHA256, MAUTH_DKIM_ED25519_SHA256,
	};

	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		struct dkim_keyrec kr;
		char *reason = NULL;

		memset(&kr, 0, sizeof(kr));
		if (dkim_keyrec_parse(s, len, algs[i], &kr, &reason) == 0) {
			FUZZ_CHECK(reason == NULL && kr.record != NULL && kr.bits > 0);
		} else {
			FUZZ_CHECK(reason != NULL);
			free(reason);
		}
		dkim_keyrec_clear(&kr);
	}
}

static void
try_key(const char *s, size_t len)
{
	struct mauth_dkim_key *key = NULL;
	char *error = NULL;
	size_t n = 0;
	char *z = fuzz_cstr((const uint8_t *)s, len);
	unsigned char *raw = dkim_b64_decode(z, &n);	/* takes a C string */

	free(raw);
	free(z);
	if (mauth_dkim_key_parse(s, len, "fuzz", &key, &error) == 0) {
		FUZZ_CHECK(key != NULL);
		mauth_dkim_key_free(&key);
	} else {
		FUZZ_CHECK(key == NULL && error != NULL);
		free(error);
	}
}

static void
try_from(const char *s)
{
	char *error = NULL;
	char *addr = mauth_dkim_from_address(s, &error);
	char *at;

	if (addr == NULL) {
		FUZZ_CHECK(error != NULL);
		free(error);
		return;
	}
	at = strrchr(addr, '@');
	FUZZ_CHECK(at != NULL && at != addr);
	for (const char *d = at + 1; *d; d++)
		FUZZ_CHECK(!isupper((unsigned char)*d));
	free(addr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sig = fuzz_take(&data, &size, 0);
	char *rec = fuzz_take(&data, &size, 0);
	char *from = fuzz_take(&data, &size, 0);

	if (sig != NULL) {
		char *e = exact(sig, strlen(sig));

		try_taglist(e, strlen(sig));
		try_signature(e, strlen(sig));
		free(e);
	}
	if (rec != NULL) {
		char *e = exact(rec, strlen(rec));

		try_keyrec(e, strlen(rec));
		try_key(e, strlen(rec));
		free(e);
	}
	if (from != NULL)
		try_from(from);
	free(sig);
	free(rec);
	free(from);
	return 0;
}
