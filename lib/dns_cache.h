/*
 * dns_cache.h - answers kept for their TTL in front of a resolver backend
 *
 * libunbound caches too, but even a cached answer travels between three
 * threads (the asking one, libunbound's worker, the event thread that runs
 * the callback: see dns_unbound.c); for a repeated sender that was a tenth
 * of mauthd's CPU time per message and most of its context switches.  This
 * cache answers in the asking thread.
 *
 * What is kept: NOERROR answers with records (for the TTL libunbound gives,
 * RFC 2181 section 5.2: the least of the set), NODATA and NXDOMAIN (for
 * the negative TTL, RFC 2308 section 5), with their DNSSEC status and
 * canonical name.  Never SERVFAIL, TIMEOUT, ERROR, or a TTL of 0.  Records
 * come back with their TTLs reduced by the time spent here.
 *
 * Shape: a fixed table of slots, each (name, type) in one slot chosen by
 * hash; a new answer replaces whatever held its slot, so memory is bounded
 * by the slot count and nothing needs evicting.  Slots are guarded by a
 * few mutexes (one per stripe of slots); a lookup holds one while it
 * compares and copies.  Safe for any number of threads once made.
 *
 * Time is given by the caller (seconds on a monotonic clock), so tests
 * need no sleeping.  Ownership: answers passed in are copied; answers
 * filled are the caller's.
 */
#ifndef MAUTH_DNS_CACHE_H
#define MAUTH_DNS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns.h"

struct mauth_dns_cache;

/* mauth_dns_cache_new - an empty cache of about nslots answers (>= 16) */
struct mauth_dns_cache *mauth_dns_cache_new(size_t nslots);
/* mauth_dns_cache_free - free the cache and its answers; sets *c to NULL */
void mauth_dns_cache_free(struct mauth_dns_cache **c);

/*
 * mauth_dns_cache_get - fill ans (zeroed, qname set to the normalised
 * name) from the cache and return true when (name, type) is held and has
 * not expired at now; false and ans untouched otherwise.
 */
bool mauth_dns_cache_get(struct mauth_dns_cache *c, const char *name,
    uint16_t type, uint64_t now, struct mauth_dns_answer *ans);

/*
 * mauth_dns_cache_put - keep a copy of ans for (name, type) until now +
 * ttl, if its status is one that is kept and ttl > 0.
 */
void mauth_dns_cache_put(struct mauth_dns_cache *c, const char *name,
    uint16_t type, uint64_t now, uint32_t ttl,
    const struct mauth_dns_answer *ans);

#endif
