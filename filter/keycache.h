/*
 * keycache.h - libopendkim's public key decoding, answered from a cache
 *
 * keycache.c defines d2i_PUBKEY_bio() in mauthd itself, so that
 * libopendkim's call for every verified signature gets an already decoded
 * key when it has seen the same octets before (why, and what is cached:
 * keycache.c).  Nothing needs calling to use it; these are for tests.
 */
#ifndef MAUTHD_KEYCACHE_H
#define MAUTHD_KEYCACHE_H

/* keycache_stats - calls answered from the cache, and calls that decoded */
void keycache_stats(unsigned long *hits_r, unsigned long *misses_r);
/* keycache_clear - drop every key kept */
void keycache_clear(void);

#endif
