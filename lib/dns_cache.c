/*
 * dns_cache.c - answers kept for their TTL in front of a resolver backend
 *
 * Why, and what is kept: dns_cache.h.  A slot owns its name and a deep
 * copy of the answer; the table and the locks belong to the cache.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dns_cache.h"
#include "xmalloc.h"

#define CACHE_STRIPES	16

struct cache_slot {
	char *name;			/* NULL: empty */
	uint16_t type;
	uint64_t stored, expires;	/* seconds, the caller's clock */
	struct mauth_dns_answer ans;	/* qname not kept (it is name) */
};

struct mauth_dns_cache {
	size_t nslots;
	struct cache_slot *slots;
	pthread_mutex_t lock[CACHE_STRIPES];
};

struct mauth_dns_cache *
mauth_dns_cache_new(size_t nslots)
{
	struct mauth_dns_cache *c = xcalloc(1, sizeof(*c));

	c->nslots = nslots < 16 ? 16 : nslots;
	c->slots = xcalloc(c->nslots, sizeof(*c->slots));
	for (size_t i = 0; i < CACHE_STRIPES; i++)
		pthread_mutex_init(&c->lock[i], NULL);
	return c;
}

/* slot_clear - free what a slot holds; it is empty afterwards */
static void
slot_clear(struct cache_slot *s)
{
	for (size_t i = 0; i < s->ans.count; i++)
		mauth_dns_rr_clear(&s->ans.rr[i]);
	free(s->ans.rr);
	free(s->ans.canonname);
	free(s->ans.why);
	free(s->name);
	memset(s, 0, sizeof(*s));
}

void
mauth_dns_cache_free(struct mauth_dns_cache **cp)
{
	struct mauth_dns_cache *c = *cp;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nslots; i++)
		slot_clear(&c->slots[i]);
	for (size_t i = 0; i < CACHE_STRIPES; i++)
		pthread_mutex_destroy(&c->lock[i]);
	free(c->slots);
	free(c);
	*cp = NULL;
}

/* slot_of - FNV-1a of the name and type picks the slot */
static size_t
slot_of(const struct mauth_dns_cache *c, const char *name, uint16_t type)
{
	uint64_t h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ (type & 0xff)) * 1099511628211ULL;
	h = (h ^ (type >> 8)) * 1099511628211ULL;
	return (size_t)(h % c->nslots);
}

/*
 * answer_copy - dst's status, security, canonical name, reason and records
 * from src, each record's TTL less age; dst->qname is left alone.
 */
static void
answer_copy(struct mauth_dns_answer *dst, const struct mauth_dns_answer *src,
    uint64_t age)
{
	dst->status = src->status;
	dst->security = src->security;
	dst->canonname = src->canonname ? xstrdup(src->canonname) : NULL;
	dst->why = src->why ? xstrdup(src->why) : NULL;
	dst->count = src->count;
	dst->rr = src->count ? xcalloc(src->count, sizeof(*dst->rr)) : NULL;
	for (size_t i = 0; i < src->count; i++) {
		mauth_dns_rr_copy(&dst->rr[i], &src->rr[i]);
		dst->rr[i].ttl = src->rr[i].ttl > age ?
		    src->rr[i].ttl - (uint32_t)age : 0;
	}
}

bool
mauth_dns_cache_get(struct mauth_dns_cache *c, const char *name,
    uint16_t type, uint64_t now, struct mauth_dns_answer *ans)
{
	size_t i = slot_of(c, name, type);
	struct cache_slot *s = &c->slots[i];
	pthread_mutex_t *lock = &c->lock[i % CACHE_STRIPES];
	bool hit;

	pthread_mutex_lock(lock);
	hit = s->name != NULL && s->type == type && now < s->expires &&
	    strcmp(s->name, name) == 0;
	if (hit)
		answer_copy(ans, &s->ans, now - s->stored);
	pthread_mutex_unlock(lock);
	return hit;
}

void
mauth_dns_cache_put(struct mauth_dns_cache *c, const char *name,
    uint16_t type, uint64_t now, uint32_t ttl,
    const struct mauth_dns_answer *ans)
{
	if (ttl == 0)
		return;
	switch (ans->status) {
	case MAUTH_DNS_OK:
		if (ans->count == 0)
			return;
		break;
	case MAUTH_DNS_NODATA:
	case MAUTH_DNS_NXDOMAIN:
		break;
	default:
		return;		/* failures are asked again */
	}

	size_t i = slot_of(c, name, type);
	struct cache_slot *s = &c->slots[i], fresh = {
		.name = xstrdup(name), .type = type, .stored = now,
		.expires = now + ttl,
	};
	pthread_mutex_t *lock = &c->lock[i % CACHE_STRIPES];

	/* copied outside the lock; only the swap is under it */
	answer_copy(&fresh.ans, ans, 0);
	pthread_mutex_lock(lock);
	struct cache_slot old = *s;
	*s = fresh;
	pthread_mutex_unlock(lock);
	slot_clear(&old);
}
