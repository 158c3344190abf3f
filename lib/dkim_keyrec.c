/*
 * dkim_keyrec.c - DKIM public key records (RFC 6376 section 3.6.1)
 *
 * A key record found in DNS is checked here against the signature that
 * asked for it (h=, k=, s=, v=; RFC 8463 section 4 for k=ed25519) and
 * rewritten in the one form libopendkim reads: RSA keys published as a bare
 * RSAPublicKey (the form RFC 6376 section 3.6.1 literally names) become a
 * SubjectPublicKeyInfo (the form openssl and most signers publish), which
 * is all libopendkim understands.  Every problem is a permerror with a
 * reason; nothing here looks at the network.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "dkim_int.h"
#include "xmalloc.h"

/* does the colon-separated list (FWS allowed) hold word? */
static bool
list_has(const char *list, const char *word)
{
	char *copy = dkim_strip_fws(list), *save = NULL;
	bool found = false;

	for (char *w = strtok_r(copy, ":", &save); w != NULL && !found;
	    w = strtok_r(NULL, ":", &save))
		found = strcasecmp(w, word) == 0;
	free(copy);
	return found;
}

/*
 * der_tlv - take one DER element with tag from [*p, end): its content in
 * [*content_r, *content_r + *len_r), *p moved past it.  Only definite,
 * minimally encoded lengths (X.690 section 10.1); false for anything else.
 */
static bool
der_tlv(const unsigned char **p, const unsigned char *end, unsigned char tag,
    const unsigned char **content_r, size_t *len_r)
{
	const unsigned char *q = *p;
	size_t len;

	if (end - q < 2 || *q++ != tag)
		return false;
	if (*q < 0x80) {
		len = *q++;
	} else {
		size_t nb = *q++ & 0x7f;
		if (nb == 0 || nb > 3 || (size_t)(end - q) < nb || *q == 0)
			return false;
		for (len = 0; nb > 0; nb--)
			len = len << 8 | *q++;
		if (len < 0x80)
			return false;
	}
	if ((size_t)(end - q) < len)
		return false;
	*content_r = q;
	*len_r = len;
	*p = q + len;
	return true;
}

/* der_uint_bits - bits of a positive, minimally encoded INTEGER; 0 if not */
static unsigned
der_uint_bits(const unsigned char *v, size_t len)
{
	if (len == 0 || v[0] & 0x80 || (len > 1 && v[0] == 0 && !(v[1] & 0x80)))
		return 0;
	if (v[0] == 0) {
		v++;
		len--;
	}
	unsigned bits = (unsigned)(len - 1) * 8;
	for (unsigned char b = v[0]; b != 0; b >>= 1)
		bits++;
	return bits;
}

/*
 * spki_rsa_bits - the modulus size of a SubjectPublicKeyInfo (RFC 5280
 * section 4.1.2.7) holding an rsaEncryption key (RFC 3279 section 2.3.1),
 * read straight from the DER; 0 when der is anything else.  The form every
 * signer publishes costs no OpenSSL decoder this way: OpenSSL 3.0's
 * d2i_PUBKEY()/i2d_PUBKEY() look the decoders and encoders up afresh on
 * each call, under global locks, and were a fifth of mauthd's CPU time per
 * verified message.  Whatever this does not take goes to OpenSSL as before.
 */
static unsigned
spki_rsa_bits(const unsigned char *der, size_t n)
{
	/* AlgorithmIdentifier { rsaEncryption, NULL } */
	static const unsigned char rsa_alg[] = {
		0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
		0x01, 0x01, 0x01, 0x05, 0x00,
	};
	const unsigned char *p = der, *end = der + n, *c, *bs, *mod, *exp;
	size_t len, bslen, modlen, explen;

	if (!der_tlv(&p, end, 0x30, &c, &len) || p != end)
		return 0;
	p = c;
	end = c + len;
	if ((size_t)(end - p) < sizeof(rsa_alg) ||
	    memcmp(p, rsa_alg, sizeof(rsa_alg)) != 0)
		return 0;
	p += sizeof(rsa_alg);
	/* BIT STRING, no unused bits, holding RSAPublicKey { n, e } */
	if (!der_tlv(&p, end, 0x03, &bs, &bslen) || p != end || bslen < 1 ||
	    bs[0] != 0)
		return 0;
	p = bs + 1;
	end = bs + bslen;
	if (!der_tlv(&p, end, 0x30, &c, &len) || p != end)
		return 0;
	p = c;
	end = c + len;
	if (!der_tlv(&p, end, 0x02, &mod, &modlen) ||
	    !der_tlv(&p, end, 0x02, &exp, &explen) || p != end ||
	    der_uint_bits(exp, explen) == 0)
		return 0;
	return der_uint_bits(mod, modlen);
}

/* RSA public key in either DER form -> base64 SubjectPublicKeyInfo */
static char *
rsa_spki(const unsigned char *der, size_t n, unsigned *bits_r, char **reason_r)
{
	unsigned bits = spki_rsa_bits(der, n);

	if (bits > 0) {
		*bits_r = bits;
		return dkim_b64_encode(der, n);	/* already the form wanted */
	}

	const unsigned char *p = der;
	EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)n);

	if (pkey != NULL && (p != der + n || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA)) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	if (pkey == NULL) {
		p = der;
		pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)n);
		if (pkey != NULL && p != der + n) {
			EVP_PKEY_free(pkey);
			pkey = NULL;
		}
	}
	if (pkey == NULL) {
		*reason_r = xstrdup("p= is not an RSA public key (neither SubjectPublicKeyInfo nor RSAPublicKey)");
		return NULL;
	}
	*bits_r = (unsigned)EVP_PKEY_get_bits(pkey);
	unsigned char *out = NULL;
	int len = i2d_PUBKEY(pkey, &out);
	EVP_PKEY_free(pkey);
	if (len <= 0) {
		*reason_r = xstrdup("cannot re-encode the RSA public key");
		return NULL;
	}
	char *b64 = dkim_b64_encode(out, (size_t)len);
	OPENSSL_free(out);
	return b64;
}

/* p=: present, not revoked, a key of the type k= names */
static char *
key_data(const char *p, bool ed25519, unsigned *bits_r, char **reason_r)
{
	size_t n;
	unsigned char *raw;
	char *b64 = NULL;

	if (p == NULL) {
		*reason_r = xstrdup("key record has no p=");
		return NULL;
	}
	if (*p == '\0') {
		*reason_r = xstrdup("key revoked (empty p=)");
		return NULL;
	}
	if ((raw = dkim_b64_decode(p, &n)) == NULL) {
		*reason_r = xstrdup("p= is not base64");
		return NULL;
	}
	if (!ed25519)
		b64 = rsa_spki(raw, n, bits_r, reason_r);
	else if (n != 32)
		*reason_r = xasprintf("Ed25519 p= holds %zu octets, not 32 (RFC 8463 section 4)", n);
	else {
		*bits_r = 256;
		b64 = dkim_b64_encode(raw, n);
	}
	free(raw);
	return b64;
}

/* v=, h=, k=, s=: does this record fit a signature made with alg? */
static char *
check_tags(const struct dkim_taglist *tl, enum mauth_dkim_alg alg, bool *ed_r)
{
	const char *v = dkim_taglist_get(tl, "v"), *h = dkim_taglist_get(tl, "h");
	const char *k = dkim_taglist_get(tl, "k"), *s = dkim_taglist_get(tl, "s");
	const char *hash = alg == MAUTH_DKIM_RSA_SHA1 ? "sha1" : "sha256";
	bool ed_sig = alg == MAUTH_DKIM_ED25519_SHA256;

	if (v != NULL && strcmp(tl->tags[0].name, "v") != 0)
		return xstrdup("key record v= is not the first tag");
	if (v != NULL && strcmp(v, "DKIM1") != 0)
		return xasprintf("key record v=%s is not DKIM1", v);
	if (h != NULL && !list_has(h, hash))
		return xasprintf("key record h=%s does not allow %s", h, hash);
	if (k == NULL || strcasecmp(k, "rsa") == 0)
		*ed_r = false;
	else if (strcasecmp(k, "ed25519") == 0)
		*ed_r = true;
	else
		return xasprintf("unknown key type k=%s", k);
	if (*ed_r != ed_sig)
		return xasprintf("k=%s key cannot verify an %s signature",
		    *ed_r ? "ed25519" : "rsa", mauth_dkim_alg_name(alg));
	if (s != NULL && !list_has(s, "*") && !list_has(s, "email"))
		return xasprintf("key is not for email (s=%s)", s);
	return NULL;
}

int
dkim_keyrec_parse(const char *txt, size_t len, enum mauth_dkim_alg alg,
    struct dkim_keyrec *kr, char **reason_r)
{
	struct dkim_taglist tl;
	char *error = NULL, *p64 = NULL;
	bool ed = false;
	int rc = -1;

	memset(kr, 0, sizeof(*kr));
	if (memchr(txt, '\0', len) != NULL) {
		*reason_r = xstrdup("key record holds a NUL octet");
		return -1;
	}
	if (dkim_taglist_parse(txt, len, &tl, &error) < 0) {
		*reason_r = xasprintf("malformed key record: %s", error);
		free(error);
		return -1;
	}
	if ((*reason_r = check_tags(&tl, alg, &ed)) != NULL)
		goto out;
	p64 = key_data(dkim_taglist_get(&tl, "p"), ed, &kr->bits, reason_r);
	if (p64 == NULL)
		goto out;
	const char *t = dkim_taglist_get(&tl, "t");
	kr->testing = t != NULL && list_has(t, "y");
	kr->strict = t != NULL && list_has(t, "s");
	kr->record = xasprintf("v=DKIM1; k=%s;%s%s p=%s", ed ? "ed25519" : "rsa",
	    kr->strict ? " t=s" : "", kr->strict ? ";" : "", p64);
	rc = 0;
out:
	free(p64);
	dkim_taglist_clear(&tl);
	return rc;
}

void
dkim_keyrec_clear(struct dkim_keyrec *kr)
{
	free(kr->record);
	memset(kr, 0, sizeof(*kr));
}
