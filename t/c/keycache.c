/*
 * keycache.c - mauthd's d2i_PUBKEY_bio() (filter/keycache.c): the same
 * octets give the same decoded key, from the cache after the first time,
 * with the BIO consumed as decoding would; what is not a key, or not the
 * call the cache is for, goes to libcrypto and is never kept; a bounded
 * number of keys; many threads at once.  This program links
 * filter/keycache.c, so its own calls come there as libopendkim's do in
 * mauthd (t/mauthd-keycache.t checks that binding).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "../../filter/keycache.h"
#include "tap.h"
#include "xmalloc.h"

struct der {
	unsigned char *p;
	int len;
	EVP_PKEY *ref;		/* the key, decoded without the cache */
};

static struct der
make_key(const char *type, size_t bits)
{
	struct der d = { 0 };

	d.ref = bits ? EVP_PKEY_Q_keygen(NULL, NULL, type, bits) :
	    EVP_PKEY_Q_keygen(NULL, NULL, type);
	if (d.ref != NULL)
		d.len = i2d_PUBKEY(d.ref, &d.p);
	return d;
}

static void
der_free(struct der *d)
{
	OPENSSL_free(d->p);
	EVP_PKEY_free(d->ref);
}

/* decode - d2i_PUBKEY_bio() on a memory BIO holding len octets of p */
static EVP_PKEY *
decode(const unsigned char *p, int len, size_t *left_r)
{
	BIO *b = BIO_new_mem_buf(p, len);
	EVP_PKEY *k = d2i_PUBKEY_bio(b, NULL);

	if (left_r != NULL)
		*left_r = BIO_ctrl_pending(b);
	BIO_free(b);
	return k;
}

static void
test_hits(void)
{
	struct der a = make_key("RSA", 1024), b = make_key("ED25519", 0);
	unsigned long h0, m0, h1, m1;
	size_t left;

	keycache_clear();
	keycache_stats(&h0, &m0);
	EVP_PKEY *k1 = decode(a.p, a.len, &left);
	ok(k1 != NULL && EVP_PKEY_eq(k1, a.ref) == 1, "RSA key decoded");
	EVP_PKEY *k2 = decode(a.p, a.len, &left);
	ok(k2 == k1, "the same octets again: the same key, from the cache");
	is_int(left, 0, "  the BIO consumed");
	keycache_stats(&h1, &m1);
	ok(h1 - h0 == 1 && m1 - m0 == 1, "  one hit, one miss (%lu, %lu)", h1 - h0, m1 - m0);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	k2 = decode(a.p, a.len, NULL);
	ok(k2 != NULL && EVP_PKEY_eq(k2, a.ref) == 1,
	    "  still usable after the callers freed theirs");
	EVP_PKEY_free(k2);

	EVP_PKEY *kb = decode(b.p, b.len, NULL);
	ok(kb != NULL && kb != k1 && EVP_PKEY_eq(kb, b.ref) == 1,
	    "another key: its own decoded key");
	EVP_PKEY_free(kb);
	der_free(&a);
	der_free(&b);
}

static void
test_passthrough(void)
{
	static const unsigned char notkey[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	struct der a = make_key("ED25519", 0);
	unsigned long h0, m0, h1, m1;

	keycache_clear();
	ok(decode(notkey, sizeof(notkey), NULL) == NULL, "not a key: NULL");
	keycache_stats(&h0, &m0);
	ok(decode(notkey, sizeof(notkey), NULL) == NULL, "  again: NULL");
	keycache_stats(&h1, &m1);
	ok(h1 == h0 && m1 - m0 == 1, "  a failure is never kept");

	/* two objects in the BIO: not the call cached; libcrypto reads one */
	unsigned char *two = xmalloc((size_t)a.len * 2);
	memcpy(two, a.p, (size_t)a.len);
	memcpy(two + a.len, a.p, (size_t)a.len);
	size_t left;
	keycache_stats(&h0, &m0);
	EVP_PKEY *k = decode(two, a.len * 2, &left);
	keycache_stats(&h1, &m1);
	ok(k != NULL && EVP_PKEY_eq(k, a.ref) == 1, "two keys in one BIO: the first decoded");
	ok(h1 == h0 && m1 == m0, "  by libcrypto, not the cache");
	EVP_PKEY_free(k);
	free(two);

	/* an object passed in: libcrypto fills it */
	BIO *b = BIO_new_mem_buf(a.p, a.len);
	EVP_PKEY *into = NULL;
	k = d2i_PUBKEY_bio(b, &into);
	ok(k != NULL && k == into && EVP_PKEY_eq(k, a.ref) == 1,
	    "an EVP_PKEY ** passed in: filled by libcrypto");
	EVP_PKEY_free(k);
	BIO_free(b);
	der_free(&a);
}

/* 40 keys through a cache of fewer: the first ones are decoded again */
static void
test_bounded(void)
{
	struct der d[40];
	unsigned long h0, m0, h1, m1;
	int wrong = 0;

	keycache_clear();
	for (int i = 0; i < 40; i++) {
		d[i] = make_key("ED25519", 0);
		EVP_PKEY_free(decode(d[i].p, d[i].len, NULL));
	}
	keycache_stats(&h0, &m0);
	EVP_PKEY *k = decode(d[0].p, d[0].len, NULL);
	wrong += EVP_PKEY_eq(k, d[0].ref) != 1;
	EVP_PKEY_free(k);
	k = decode(d[39].p, d[39].len, NULL);
	wrong += EVP_PKEY_eq(k, d[39].ref) != 1;
	EVP_PKEY_free(k);
	keycache_stats(&h1, &m1);
	ok(m1 - m0 == 1 && h1 - h0 == 1,
	    "the oldest key was replaced, the newest is kept (%lu hit, %lu miss)",
	    h1 - h0, m1 - m0);
	is_int(wrong, 0, "  each decoded to its own key");
	for (int i = 0; i < 40; i++)
		der_free(&d[i]);
}

static struct der shared[3];

static void *
worker(void *arg)
{
	long bad = 0;

	for (int i = 0; i < 3000; i++) {
		struct der *d = &shared[(i + (long)arg) % 3];
		EVP_PKEY *k = decode(d->p, d->len, NULL);
		bad += k == NULL || EVP_PKEY_eq(k, d->ref) != 1;
		EVP_PKEY_free(k);
	}
	return (void *)bad;
}

static void
test_threads(void)
{
	pthread_t t[8];
	long bad = 0;

	keycache_clear();
	shared[0] = make_key("RSA", 1024);
	shared[1] = make_key("ED25519", 0);
	shared[2] = make_key("RSA", 1024);
	for (long i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad += (long)r;
	}
	is_int(bad, 0, "8 threads, 3 keys: every call gets the right key");
	for (int i = 0; i < 3; i++)
		der_free(&shared[i]);
	keycache_clear();
}

int
main(void)
{
	test_hits();
	test_passthrough();
	test_bounded();
	test_threads();
	return done_testing();
}
