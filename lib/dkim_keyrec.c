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

/* RSA public key in either DER form -> base64 SubjectPublicKeyInfo */
static char *
rsa_spki(const unsigned char *der, size_t n, unsigned *bits_r, char **reason_r)
{
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
