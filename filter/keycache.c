/*
 * keycache.c - libopendkim's public key decoding, answered from a cache
 *
 * libopendkim decodes the public key of every signature it verifies with
 * d2i_PUBKEY_bio(), from the p= mauth hands it (lib/dkim_verify.c).  On
 * OpenSSL 3.0 that looks its decoders up afresh on each call, under global
 * locks, and libopendkim then asks the key for a legacy RSA copy, which is
 * built afresh too: together a quarter of mauthd's CPU time per verified
 * message (0.39 -> 0.29 ms under milter-load, 20 connections; bench/).
 *
 * Decoding is a pure function of the octets, so this file keeps the keys
 * it decoded and hands the same EVP_PKEY (one more reference) to the next
 * call with the same octets; OpenSSL keeps an EVP_PKEY safe for concurrent
 * read-only use, and builds its legacy copy once, under the key's lock.
 * Nothing expires: the DNS cache decides how long a record is believed,
 * this one only saves decoding the octets again.  At most CACHE_KEYS keys
 * are kept; a new one replaces the oldest.
 *
 * How it is reached: this definition lives in the executable, which the
 * dynamic linker searches before libcrypto, so libopendkim's calls come
 * here (ELF symbol interposition; t/mauthd-keycache.t checks the binding);
 * the real function is found with dlsym(RTLD_NEXT).  Only the calls this
 * is for are cached: a memory BIO holding exactly one DER object of at most
 * CACHE_DER_MAX octets, with no object passed in.  Everything else, and
 * any failure, goes to libcrypto unchanged.  Process-wide state, hence in
 * filter/ and not lib/.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "keycache.h"

#define CACHE_KEYS	32
#define CACHE_DER_MAX	4096	/* an RSA-16384 SubjectPublicKeyInfo is ~2.1 KB */

struct cached_key {
	unsigned char der[CACHE_DER_MAX];
	size_t len;			/* 0: empty */
	EVP_PKEY *pkey;			/* one reference held here */
};

typedef EVP_PKEY *(*d2i_bio_fn)(BIO *, EVP_PKEY **);

static pthread_mutex_t kc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached_key kc_keys[CACHE_KEYS];
static size_t kc_next;			/* the slot replaced next */
static unsigned long kc_hits, kc_misses;
static pthread_once_t kc_once = PTHREAD_ONCE_INIT;
static d2i_bio_fn kc_real;

static void
kc_find_real(void)
{
	kc_real = (d2i_bio_fn)dlsym(RTLD_NEXT, "d2i_PUBKEY_bio");
}

/* der_whole - len octets are exactly one DER element (tag, length, content) */
static bool
der_whole(const unsigned char *p, size_t len)
{
	size_t n, hdr = 2;

	if (len < 2)
		return false;
	if (p[1] < 0x80) {
		n = p[1];
	} else {
		size_t nb = p[1] & 0x7f;
		if (nb == 0 || nb > 2 || len < 2 + nb)
			return false;
		n = 0;
		for (size_t i = 0; i < nb; i++)
			n = n << 8 | p[2 + i];
		hdr += nb;
	}
	return hdr + n == len;
}

/* kc_get - the cached key for der (one more reference), or NULL */
static EVP_PKEY *
kc_get(const unsigned char *der, size_t len)
{
	EVP_PKEY *pkey = NULL;

	pthread_mutex_lock(&kc_lock);
	for (size_t i = 0; i < CACHE_KEYS && pkey == NULL; i++)
		if (kc_keys[i].len == len && memcmp(kc_keys[i].der, der, len) == 0 &&
		    EVP_PKEY_up_ref(kc_keys[i].pkey) == 1)
			pkey = kc_keys[i].pkey;
	if (pkey != NULL)
		kc_hits++;
	else
		kc_misses++;
	pthread_mutex_unlock(&kc_lock);
	return pkey;
}

/* kc_put - keep pkey (a reference of our own) for der */
static void
kc_put(const unsigned char *der, size_t len, EVP_PKEY *pkey)
{
	EVP_PKEY *old;

	if (EVP_PKEY_up_ref(pkey) != 1)
		return;
	pthread_mutex_lock(&kc_lock);
	struct cached_key *k = &kc_keys[kc_next];
	kc_next = (kc_next + 1) % CACHE_KEYS;
	old = k->pkey;
	memcpy(k->der, der, len);
	k->len = len;
	k->pkey = pkey;
	pthread_mutex_unlock(&kc_lock);
	EVP_PKEY_free(old);
}

EVP_PKEY *
d2i_PUBKEY_bio(BIO *bp, EVP_PKEY **a)
{
	char *data = NULL;
	long avail;
	EVP_PKEY *pkey;

	pthread_once(&kc_once, kc_find_real);
	if (kc_real == NULL)
		return NULL;	/* cannot happen while libcrypto is linked */
	if (a != NULL || bp == NULL || BIO_method_type(bp) != BIO_TYPE_MEM ||
	    (avail = BIO_get_mem_data(bp, &data)) <= 0 ||
	    avail > CACHE_DER_MAX || !der_whole((unsigned char *)data, (size_t)avail))
		return kc_real(bp, a);

	size_t len = (size_t)avail;
	unsigned char der[CACHE_DER_MAX];

	memcpy(der, data, len);
	if ((pkey = kc_get(der, len)) != NULL) {
		/* consume the octets, as decoding them would have */
		(void)BIO_read(bp, der, (int)len);
		return pkey;
	}
	if ((pkey = kc_real(bp, NULL)) != NULL)
		kc_put(der, len, pkey);
	return pkey;
}

void
keycache_stats(unsigned long *hits_r, unsigned long *misses_r)
{
	pthread_mutex_lock(&kc_lock);
	*hits_r = kc_hits;
	*misses_r = kc_misses;
	pthread_mutex_unlock(&kc_lock);
}

void
keycache_clear(void)
{
	pthread_mutex_lock(&kc_lock);
	for (size_t i = 0; i < CACHE_KEYS; i++) {
		EVP_PKEY_free(kc_keys[i].pkey);
		kc_keys[i].pkey = NULL;
		kc_keys[i].len = 0;
	}
	kc_next = 0;
	pthread_mutex_unlock(&kc_lock);
}
