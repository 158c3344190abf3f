/*
 * dkim-tags.c - DKIM-Signature and key record checks (RFC 6376 sections
 * 3.2, 3.5, 3.6.1; RFC 8463 section 4): the verdict and the reason for each
 * malformed or unusable input, before any DNS or libopendkim is involved
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkim_int.h"
#include "tap.h"
#include "xmalloc.h"

#define NOW 1800000000

#define GOOD_TAGS "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel;" \
	" h=from:to; bh=AAAA; b=AAAA"

static void
test_taglist(void)
{
	struct dkim_taglist tl;
	char *error = NULL;
	const char *s = " a = 1 ; b=two words\r\n\t ;; c= ;";

	is_int(dkim_taglist_parse(s, strlen(s), &tl, &error), 0, "tag-list with FWS, empty spec, empty value");
	is_int(tl.n, 3, "  three tags");
	is_str(dkim_taglist_get(&tl, "a"), "1", "  a=1 (FWS trimmed)");
	is_str(dkim_taglist_get(&tl, "b"), "two words", "  inner white space kept");
	is_str(dkim_taglist_get(&tl, "c"), "", "  c= empty");
	ok(dkim_taglist_get(&tl, "A") == NULL, "  tag names are case-sensitive");
	dkim_taglist_clear(&tl);

	static const struct {
		const char *in, *error;
	} bad[] = {
		{ "a=1; a=2", "appears twice" },
		{ "1a=1", "tag name expected" },
		{ "a 1", "\"=\" expected" },
		{ "a=\x80", "invalid character 0x80" },
		{ "a=x\x01y", "invalid character 0x01" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error = NULL;
		ok(dkim_taglist_parse(bad[i].in, strlen(bad[i].in), &tl, &error) < 0,
		    "tag-list \"%s\" refused", bad[i].in);
		like_str(error, bad[i].error, "  %s", bad[i].error);
		free(error);
	}
}

/* the tag list GOOD_TAGS with one tag replaced, removed (NULL) or added */
static char *
variant(const char *tag, const char *value)
{
	struct dkim_taglist tl;
	char *error = NULL, *out = xstrdup("");
	bool done = false;

	dkim_taglist_parse(GOOD_TAGS, strlen(GOOD_TAGS), &tl, &error);
	for (size_t i = 0; i < tl.n; i++) {
		const char *v = tl.tags[i].value;
		if (strcmp(tl.tags[i].name, tag) == 0) {
			done = true;
			if (value == NULL)
				continue;
			v = value;
		}
		char *next = xasprintf("%s%s=%s; ", out, tl.tags[i].name, v);
		free(out);
		out = next;
	}
	if (!done && value != NULL) {
		char *next = xasprintf("%s%s=%s", out, tag, value);
		free(out);
		out = next;
	}
	dkim_taglist_clear(&tl);
	return out;
}

static void
test_signature(void)
{
	static const struct {
		const char *tag, *value;
		enum mauth_dkim_result want;
		const char *reason;
	} cases[] = {
		{ "z", "x", MAUTH_DKIM_NONE, NULL },
		{ "v", NULL, MAUTH_DKIM_PERMERROR, "required tag v= missing" },
		{ "bh", NULL, MAUTH_DKIM_PERMERROR, "required tag bh= missing" },
		{ "v", "2", MAUTH_DKIM_NEUTRAL, "unsupported version v=2" },
		{ "v", "1.0", MAUTH_DKIM_PERMERROR, "v=1.0" },
		{ "a", "rsa-sha512", MAUTH_DKIM_NEUTRAL, "unsupported algorithm" },
		{ "a", "rsa_sha256", MAUTH_DKIM_PERMERROR, "malformed algorithm" },
		{ "a", "RSA-SHA256", MAUTH_DKIM_NONE, NULL },
		{ "c", "bogus", MAUTH_DKIM_NEUTRAL, "unsupported canonicalization" },
		{ "c", "simple", MAUTH_DKIM_NONE, NULL },
		{ "d", "legitimate.com(.attacker.com", MAUTH_DKIM_PERMERROR, "d= \"legitimate.com(.attacker.com\"" },
		{ "d", "com", MAUTH_DKIM_PERMERROR, "two or more labels" },
		{ "d", "example..com", MAUTH_DKIM_PERMERROR, "empty label" },
		{ "s", "a b", MAUTH_DKIM_PERMERROR, "s= \"a b\"" },
		{ "h", "to:subject", MAUTH_DKIM_PERMERROR, "From header field not signed" },
		{ "h", "From : To", MAUTH_DKIM_NONE, NULL },
		{ "h", "from::to", MAUTH_DKIM_PERMERROR, "empty header field name" },
		{ "i", "@example.com", MAUTH_DKIM_NONE, NULL },
		{ "i", "user@mail.example.com", MAUTH_DKIM_NONE, NULL },
		{ "i", "user=40x@example.com", MAUTH_DKIM_NONE, NULL },
		{ "i", "@badexample.com", MAUTH_DKIM_PERMERROR, "not d=" },
		{ "i", "user", MAUTH_DKIM_PERMERROR, "has no \"@\"" },
		/*
		 * a broken "=" escape: libopendkim's decoder reads past the end
		 * of the value (found by t/fuzz/fuzz-dkim-verify); mauth keeps
		 * such fields from it (lib/dkim_verify.c)
		 */
		{ "i", "@example.com=", MAUTH_DKIM_PERMERROR, "is not dkim-quoted-printable" },
		{ "i", "@example.com=4", MAUTH_DKIM_PERMERROR, "needs two hex digits" },
		{ "i", "u=4x@example.com", MAUTH_DKIM_PERMERROR, "is not dkim-quoted-printable" },
		{ "z", "From:a=", MAUTH_DKIM_PERMERROR, "z= \"From:a=\" is not dkim-quoted-printable" },
		{ "z", "From:a=20b|To:c", MAUTH_DKIM_NONE, NULL },
		{ "l", "123", MAUTH_DKIM_NONE, NULL },
		{ "l", "-1", MAUTH_DKIM_PERMERROR, "l= \"-1\"" },
		{ "l", "99999999999999999999999", MAUTH_DKIM_PERMERROR, "not a usable body length" },
		{ "t", "now", MAUTH_DKIM_PERMERROR, "t= \"now\" is not a decimal timestamp" },
		{ "t", "-1", MAUTH_DKIM_PERMERROR, "t= \"-1\"" },
		{ "t", "3199999999", MAUTH_DKIM_PERMERROR, "in the future" },
		{ "x", "1172620940", MAUTH_DKIM_PERMERROR, "expired" },
		{ "q", "dns/txt:other/x", MAUTH_DKIM_NONE, NULL },
		{ "q", "https/json", MAUTH_DKIM_NEUTRAL, "unsupported query method" },
		{ "b", "!!!!", MAUTH_DKIM_PERMERROR, "b= is not base64" },
		{ "bh", "", MAUTH_DKIM_PERMERROR, "bh= is empty" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *sig = variant(cases[i].tag, cases[i].value), *reason = NULL;
		struct dkim_sigtags st;
		enum mauth_dkim_result r = dkim_sig_parse(sig, strlen(sig), NOW, &st, &reason);
		is_str(mauth_dkim_result_name(r), mauth_dkim_result_name(cases[i].want),
		    "%s=%s -> %s", cases[i].tag, cases[i].value ? cases[i].value : "(absent)",
		    cases[i].want == MAUTH_DKIM_NONE ? "verifiable" :
		    mauth_dkim_result_name(cases[i].want));
		if (cases[i].reason != NULL)
			like_str(reason, cases[i].reason, "  reason: %s", cases[i].reason);
		free(reason);
		dkim_sig_clear(&st);
		free(sig);
	}

	/* x= before t= */
	char *sig = xasprintf("%s; t=%d; x=%d", GOOD_TAGS, NOW - 10, NOW - 20), *reason = NULL;
	struct dkim_sigtags st;
	is_int(dkim_sig_parse(sig, strlen(sig), NOW, &st, &reason), MAUTH_DKIM_PERMERROR,
	    "x= before t=: permerror");
	like_str(reason, "is not after t=", "  reason");
	free(reason);
	dkim_sig_clear(&st);
	free(sig);

	/* what is reported even from a broken signature */
	sig = xstrdup("v=1; a=ed25519-sha256; d=example.com; s=s1; i=a=40b@example.com; b=ABCDEFGHIJ KL; h=to");
	dkim_sig_parse(sig, strlen(sig), NOW, &st, &reason);
	is_str(st.d, "example.com", "broken signature still reports d=");
	is_str(st.identity, "a@b@example.com", "  i= decoded (dkim-quoted-printable)");
	is_str(st.b, "ABCDEFGHIJKL", "  b= without FWS");
	free(reason);
	dkim_sig_clear(&st);
	free(sig);
}

static const char rsa_spki[] =
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";

static void
test_keyrec(void)
{
	static const struct {
		const char *rec;
		enum mauth_dkim_alg alg;
		const char *reason;	/* NULL: usable */
	} cases[] = {
		{ "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", MAUTH_DKIM_ED25519_SHA256, NULL },
		{ "k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", MAUTH_DKIM_RSA_SHA256, "k=ed25519 key cannot verify an rsa-sha256" },
		{ "v=DKIM1; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", MAUTH_DKIM_ED25519_SHA256, "k=rsa key cannot verify" },
		{ "k=ed25519; p=AAAA", MAUTH_DKIM_ED25519_SHA256, "holds 3 octets, not 32" },
		{ "v=DKIM1: k=rsa; p=AAAA", MAUTH_DKIM_RSA_SHA256, "v=DKIM1: k=rsa is not DKIM1" },
		{ "k=rsa; v=DKIM1; p=AAAA", MAUTH_DKIM_RSA_SHA256, "v= is not the first tag" },
		{ "v=DKIM1; k=ed25519-sha256; p=AAAA", MAUTH_DKIM_RSA_SHA256, "unknown key type" },
		{ "v=DKIM1; p=", MAUTH_DKIM_RSA_SHA256, "key revoked" },
		{ "v=DKIM1; k=rsa", MAUTH_DKIM_RSA_SHA256, "no p=" },
		{ "v=DKIM1; p=!!", MAUTH_DKIM_RSA_SHA256, "not base64" },
		{ "v=DKIM1; p=Zm9vYmFy", MAUTH_DKIM_RSA_SHA256, "not an RSA public key" },
		{ "v=DKIM1; h=sha1; p=AAAA", MAUTH_DKIM_RSA_SHA256, "h=sha1 does not allow sha256" },
		{ "v=DKIM1; s=tlsrpt; p=AAAA", MAUTH_DKIM_RSA_SHA256, "not for email" },
		{ "garbage", MAUTH_DKIM_RSA_SHA256, "malformed key record" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dkim_keyrec kr;
		char *reason = NULL;
		int rc = dkim_keyrec_parse(cases[i].rec, strlen(cases[i].rec), cases[i].alg, &kr, &reason);
		if (cases[i].reason == NULL)
			is_int(rc, 0, "key \"%s\" usable", cases[i].rec);
		else {
			ok(rc < 0, "key \"%s\" unusable", cases[i].rec);
			like_str(reason, cases[i].reason, "  %s", cases[i].reason);
		}
		free(reason);
		dkim_keyrec_clear(&kr);
	}

	/* the same RSA key as SPKI and as a bare RSAPublicKey */
	struct dkim_keyrec a, b;
	char *reason = NULL, *rec;
	rec = xasprintf("v=DKIM1; t=y:s; p=%s", rsa_spki);
	is_int(dkim_keyrec_parse(rec, strlen(rec), MAUTH_DKIM_RSA_SHA256, &a, &reason), 0, "SPKI key usable");
	is_int(a.bits, 1024, "  1024 bits");
	ok(a.testing && a.strict, "  t=y:s read");
	free(rec);
	size_t n;
	unsigned char *der = dkim_b64_decode(rsa_spki, &n);
	/* SPKI for RSA 1024: 22-octet algorithm header, then the RSAPublicKey */
	char *bare = dkim_b64_encode(der + 22, n - 22);
	rec = xasprintf("p=%s", bare);
	is_int(dkim_keyrec_parse(rec, strlen(rec), MAUTH_DKIM_RSA_SHA256, &b, &reason), 0,
	    "bare RSAPublicKey usable (%s)", reason ? reason : "");
	ok(b.record != NULL && strstr(b.record, rsa_spki) != NULL, "  rewritten as the SPKI for libopendkim");
	dkim_keyrec_clear(&a);
	dkim_keyrec_clear(&b);
	free(rec);
	free(bare);
	free(der);

	const char nul[] = "v=DKIM1; p=AA\0AA";
	ok(dkim_keyrec_parse(nul, sizeof(nul) - 1, MAUTH_DKIM_RSA_SHA256, &a, &reason) < 0,
	    "key record with a NUL octet refused");
	free(reason);
}

/* keyrec_bits - dkim_keyrec_parse() of an RSA p= in DER: bits, or -1 */
static int
keyrec_bits(const unsigned char *der, size_t n, char **record_r)
{
	struct dkim_keyrec kr;
	char *b64 = dkim_b64_encode(der, n), *reason = NULL;
	char *rec = xasprintf("v=DKIM1; k=rsa; p=%s", b64);
	int bits = dkim_keyrec_parse(rec, strlen(rec), MAUTH_DKIM_RSA_SHA256,
	    &kr, &reason) == 0 ? (int)kr.bits : -1;

	if (record_r != NULL)
		*record_r = kr.record ? xstrdup(kr.record) : NULL;
	dkim_keyrec_clear(&kr);
	free(reason);
	free(rec);
	free(b64);
	return bits;
}

/*
 * SubjectPublicKeyInfo RSA keys are read without OpenSSL's decoder (a
 * speed-up): the size read must be OpenSSL's, the record the same key,
 * and anything not plainly well-formed must get OpenSSL's verdict.
 */
static void
test_keyrec_spki_direct(void)
{
	static const unsigned sizes[] = { 1024, 1031, 2048 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)sizes[i]);
		unsigned char *der = NULL;
		int n = pk ? i2d_PUBKEY(pk, &der) : -1;
		char *record = NULL, *b64;

		if (n <= 0) {
			ok(0, "RSA-%u key generated", sizes[i]);
			EVP_PKEY_free(pk);
			continue;
		}
		is_int(keyrec_bits(der, (size_t)n, &record), EVP_PKEY_get_bits(pk),
		    "RSA-%u SPKI: the size OpenSSL reads", sizes[i]);
		b64 = dkim_b64_encode(der, (size_t)n);
		ok(record != NULL && strstr(record, b64) != NULL,
		    "  the record carries the key unchanged");
		free(b64);
		free(record);

		/* every truncation, and one octet too many: OpenSSL's verdict */
		unsigned char *buf = xmalloc((size_t)n + 1);
		int agree = 0, tries = 0;
		for (int len = 0; len <= n + 1; len += len < 40 ? 1 : 37) {
			memcpy(buf, der, (size_t)(len > n ? n : len));
			if (len > n)
				buf[n] = 0;
			const unsigned char *p = buf;
			EVP_PKEY *ref = d2i_PUBKEY(NULL, &p, len);
			int want = ref != NULL && p == buf + len ?
			    EVP_PKEY_get_bits(ref) : -1;
			EVP_PKEY_free(ref);
			agree += keyrec_bits(buf, (size_t)len, NULL) == want;
			tries++;
		}
		is_int(agree, tries, "  truncated or padded SPKI: as OpenSSL says");

		memcpy(buf, der, (size_t)n);
		buf[n] = 0;
		ok(keyrec_bits(buf, (size_t)n + 1, NULL) < 0, "  trailing octet refused");
		free(buf);
		OPENSSL_free(der);
		EVP_PKEY_free(pk);
	}

	/* negative modulus, non-minimal INTEGER: not taken directly */
	static const unsigned char neg[] = {
		0x30, 0x1c, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
		0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x0b, 0x00,
		0x30, 0x08, 0x02, 0x03, 0x80, 0x00, 0x01, 0x02, 0x01, 0x03,
	};
	static const unsigned char pad[] = {
		0x30, 0x1d, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
		0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x0c, 0x00,
		0x30, 0x09, 0x02, 0x04, 0x00, 0x70, 0x00, 0x01, 0x02, 0x01,
		0x03,
	};
	const unsigned char *p = neg;
	EVP_PKEY *ref = d2i_PUBKEY(NULL, &p, sizeof(neg));
	is_int(keyrec_bits(neg, sizeof(neg), NULL),
	    ref ? EVP_PKEY_get_bits(ref) : -1, "negative modulus: as OpenSSL says");
	EVP_PKEY_free(ref);
	p = pad;
	ref = d2i_PUBKEY(NULL, &p, sizeof(pad));
	is_int(keyrec_bits(pad, sizeof(pad), NULL),
	    ref ? EVP_PKEY_get_bits(ref) : -1, "INTEGER with a needless 0: as OpenSSL says");
	EVP_PKEY_free(ref);
}

static void
test_base64_names(void)
{
	size_t n;
	unsigned char *p;

	p = dkim_b64_decode("Zm9v\r\n YmFy", &n);
	ok(p != NULL && n == 6 && memcmp(p, "foobar", 6) == 0, "base64 with FWS");
	free(p);
	p = dkim_b64_decode("Zm8=", &n);
	ok(p != NULL && n == 2, "base64 with padding");
	free(p);
	ok(dkim_b64_decode("Zm8=x", &n) == NULL, "data after padding refused");
	ok(dkim_b64_decode("Z", &n) == NULL, "one leftover sextet refused");
	char *e = dkim_b64_encode((const unsigned char *)"foob", 4);
	is_str(e, "Zm9vYg==", "encode");
	free(e);
	ok(dkim_name_check("mail._domainkey.example.com", true) == NULL, "name check: plain name");
	ok(dkim_name_check("a.b_c-d", true) == NULL, "name check: _ and - allowed");
	ok(dkim_name_check("exa mple.com", true) != NULL, "name check: space refused");
	ok(dkim_name_check("example.com.", true) != NULL, "name check: trailing dot refused");
}

int
main(void)
{
	test_taglist();
	test_signature();
	test_keyrec();
	test_keyrec_spki_direct();
	test_base64_names();
	return done_testing();
}
