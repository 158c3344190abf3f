/*
 * dkim_key.c - DKIM private keys, read and checked once at start-up
 *
 * Accepted forms: PEM (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY"),
 * base64 DER (what OpenDKIM's KeyTable allows inline), and the base64
 * 32-octet Ed25519 seed that RFC 8463 appendix A and dkimpy use.  The key
 * is kept parsed (an EVP_PKEY, used read-only by any number of threads),
 * so signing a message reads and parses nothing.
 *
 * A key file must not be readable or writable by group or others (the
 * daemon refuses to start otherwise), and RSA keys must have at least 1024
 * bits (RFC 8301 section 3.2: verifiers discard anything smaller).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buf.h"
#include "dkim_int.h"
#include "xmalloc.h"

#define KEY_FILE_MAX 65536	/* far above any RSA-16384 PEM */

struct mauth_dkim_key {
	enum mauth_dkim_alg alg;	/* RSA_SHA256 or ED25519_SHA256 */
	unsigned bits;
	EVP_PKEY *pkey;
};

static EVP_PKEY *
parse_pem(const char *data, size_t len)
{
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	return pkey;
}

/* base64: DER of any private key, or a raw 32-octet Ed25519 seed */
static EVP_PKEY *
parse_b64(const char *data, size_t len)
{
	char *copy = xmemdup(data, len);
	size_t n;
	unsigned char *raw = dkim_b64_decode(copy, &n);
	EVP_PKEY *pkey = NULL;

	free(copy);
	if (raw == NULL)
		return NULL;
	if (n == 32)
		pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw, n);
	else {
		const unsigned char *p = raw;
		pkey = d2i_AutoPrivateKey(NULL, &p, (long)n);
	}
	OPENSSL_cleanse(raw, n);
	free(raw);
	return pkey;
}

int
mauth_dkim_key_parse(const char *data, size_t len, const char *what,
    struct mauth_dkim_key **key_r, char **error_r)
{
	size_t skip = 0;
	EVP_PKEY *pkey;

	/* len is authoritative: data need not be NUL-terminated */
	while (skip < len && strchr(" \t\r\n", data[skip]) != NULL && data[skip] != '\0')
		skip++;

	*key_r = NULL;
	if (skip < len && memmem(data, len, "-----BEGIN", 10) != NULL)
		pkey = parse_pem(data, len);
	else
		pkey = parse_b64(data + skip, len - skip);
	ERR_clear_error();
	if (pkey == NULL) {
		*error_r = xasprintf("%s: not a private key (PEM, base64 DER or base64 Ed25519 seed; encrypted keys are not supported)",
		    what);
		return -1;
	}
	struct mauth_dkim_key *key = xcalloc(1, sizeof(*key));
	key->pkey = pkey;
	key->bits = (unsigned)EVP_PKEY_get_bits(pkey);
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		key->alg = MAUTH_DKIM_RSA_SHA256;
		if (key->bits < 1024) {
			*error_r = xasprintf("%s: %u-bit RSA key; at least 1024 bits are needed (RFC 8301 section 3.2)",
			    what, key->bits);
			goto bad;
		}
		break;
	case EVP_PKEY_ED25519:
		key->alg = MAUTH_DKIM_ED25519_SHA256;
		key->bits = 256;
		break;
	default:
		*error_r = xasprintf("%s: neither an RSA nor an Ed25519 key", what);
		goto bad;
	}
	*key_r = key;
	return 0;
bad:
	mauth_dkim_key_free(&key);
	return -1;
}

/* read a key file that only its owner can read */
static char *
read_private(const char *path, size_t *len_r, char **error_r)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	char *data = NULL;

	if (fd < 0) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) < 0)
		*error_r = xasprintf("%s: %s", path, strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		*error_r = xasprintf("%s: not a regular file", path);
	else if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		*error_r = xasprintf("%s: private key is accessible by group or others (mode %04o); chmod 600 it",
		    path, (unsigned)(sb.st_mode & 07777));
	else if (sb.st_size <= 0 || sb.st_size > KEY_FILE_MAX)
		*error_r = xasprintf("%s: %s", path, sb.st_size <= 0 ? "empty file" : "too large for a key");
	else {
		data = xmalloc((size_t)sb.st_size + 1);
		ssize_t n = read(fd, data, (size_t)sb.st_size);
		if (n != sb.st_size) {
			*error_r = xasprintf("%s: %s", path, n < 0 ? strerror(errno) : "short read");
			free(data);
			data = NULL;
		} else {
			data[n] = '\0';
			*len_r = (size_t)n;
		}
	}
	close(fd);
	return data;
}

int
mauth_dkim_key_load(const char *path, struct mauth_dkim_key **key_r,
    char **error_r)
{
	size_t len = 0;
	char *data = read_private(path, &len, error_r);

	*key_r = NULL;
	if (data == NULL)
		return -1;
	int rc = mauth_dkim_key_parse(data, len, path, key_r, error_r);
	OPENSSL_cleanse(data, len);
	free(data);
	return rc;
}

void
mauth_dkim_key_free(struct mauth_dkim_key **keyp)
{
	struct mauth_dkim_key *key = *keyp;

	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
	*keyp = NULL;
}

enum mauth_dkim_alg
mauth_dkim_key_alg(const struct mauth_dkim_key *key)
{
	return key->alg;
}

unsigned
mauth_dkim_key_bits(const struct mauth_dkim_key *key)
{
	return key->bits;
}

char *
mauth_dkim_key_public(const struct mauth_dkim_key *key)
{
	if (key->alg == MAUTH_DKIM_ED25519_SHA256) {
		unsigned char raw[32];
		size_t n = sizeof(raw);
		if (EVP_PKEY_get_raw_public_key(key->pkey, raw, &n) != 1)
			return NULL;
		return dkim_b64_encode(raw, n);
	}
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(key->pkey, &der);
	if (len <= 0)
		return NULL;
	char *b64 = dkim_b64_encode(der, (size_t)len);
	OPENSSL_free(der);
	return b64;
}

EVP_PKEY *
dkim_key_pkey(const struct mauth_dkim_key *key)
{
	return key->pkey;
}
