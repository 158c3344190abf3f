/*
 * dkim_keygen.c - new DKIM signing keys through OpenSSL's EVP API
 *
 * RSA keys of 1024 to 8192 bits (RFC 8301 section 3.2: signers MUST use
 * at least 1024 bits and SHOULD use 2048), public exponent 65537, and
 * Ed25519 keys (RFC 8463).  The key comes back twice: as PKCS#8 PEM, the
 * file mauthd, OpenDKIM and `openssl pkey` all read, and parsed by
 * mauth_dkim_key_parse() from that very text, so the file written is known
 * to load before anyone relies on it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim_admin.h"
#include "xmalloc.h"

enum mauth_dkim_alg
mauth_dkim_keygen_alg(const char *name)
{
	if (strcasecmp(name, "rsa") == 0)
		return MAUTH_DKIM_RSA_SHA256;
	if (strcasecmp(name, "ed25519") == 0)
		return MAUTH_DKIM_ED25519_SHA256;
	return MAUTH_DKIM_ALG_UNKNOWN;
}

const char *
mauth_dkim_keygen_type(enum mauth_dkim_alg alg)
{
	return alg == MAUTH_DKIM_ED25519_SHA256 ? "ed25519" : "rsa";
}

/* the PEM text of pkey (PKCS#8, unencrypted), or NULL */
static char *
pem_text(EVP_PKEY *pkey)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *pem = NULL;
	long n;

	if (bio == NULL)
		return NULL;
	if (PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1 &&
	    (n = BIO_get_mem_data(bio, &data)) > 0)
		pem = xmemdup(data, (size_t)n);
	BIO_free_all(bio);	/* BUF_MEM_free() clears the buffer it frees */
	return pem;
}

static int
check_size(enum mauth_dkim_alg alg, unsigned *bits, char **error_r)
{
	if (alg == MAUTH_DKIM_ED25519_SHA256) {
		if (*bits != 0 && *bits != 256) {
			*error_r = xasprintf("Ed25519 keys have 256 bits, not %u (leave out the size)",
			    *bits);
			return -1;
		}
		return 0;
	}
	if (alg != MAUTH_DKIM_RSA_SHA256) {
		*error_r = xstrdup("unknown key algorithm (rsa or ed25519)");
		return -1;
	}
	if (*bits == 0)
		*bits = MAUTH_DKIM_KEYGEN_DEFAULT_BITS;
	if (*bits < MAUTH_DKIM_KEYGEN_MIN_BITS) {
		*error_r = xasprintf("%u-bit RSA keys are too short: verifiers ignore signatures made with fewer than %u bits (RFC 8301 section 3.2); use 2048",
		    *bits, MAUTH_DKIM_KEYGEN_MIN_BITS);
		return -1;
	}
	if (*bits > MAUTH_DKIM_KEYGEN_MAX_BITS) {
		*error_r = xasprintf("%u-bit RSA keys are more than mauth makes (at most %u; 2048 is the usual size)",
		    *bits, MAUTH_DKIM_KEYGEN_MAX_BITS);
		return -1;
	}
	return 0;
}

int
mauth_dkim_keygen_check(enum mauth_dkim_alg alg, unsigned bits, char **error_r)
{
	return check_size(alg, &bits, error_r);
}

int
mauth_dkim_keygen(enum mauth_dkim_alg alg, unsigned bits, char **pem_r,
    struct mauth_dkim_key **key_r, char **error_r)
{
	EVP_PKEY *pkey;
	char *pem;

	*pem_r = NULL;
	*key_r = NULL;
	if (check_size(alg, &bits, error_r) < 0)
		return -1;
	if (alg == MAUTH_DKIM_RSA_SHA256)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	else
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (pkey == NULL) {
		unsigned long e = ERR_get_error();
		*error_r = xasprintf("OpenSSL could not make the key: %s",
		    e != 0 ? ERR_reason_error_string(e) : "no reason given");
		ERR_clear_error();
		return -1;
	}
	pem = pem_text(pkey);
	EVP_PKEY_free(pkey);
	if (pem == NULL) {
		*error_r = xstrdup("OpenSSL could not write the key as PEM");
		ERR_clear_error();
		return -1;
	}
	if (mauth_dkim_key_parse(pem, strlen(pem), "new key", key_r, error_r) < 0) {
		mauth_dkim_keygen_pem_free(&pem);
		return -1;
	}
	*pem_r = pem;
	return 0;
}

void
mauth_dkim_keygen_pem_free(char **pem)
{
	if (*pem == NULL)
		return;
	OPENSSL_cleanse(*pem, strlen(*pem));
	free(*pem);
	*pem = NULL;
}
