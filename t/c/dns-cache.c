/*
 * dns-cache.c - the answer cache in front of libunbound (dns_cache.h):
 * what is kept and for how long (TTL, RFC 2181 section 5.2; negative
 * answers, RFC 2308 section 5), TTLs counted down, failures never kept,
 * slots shared by colliding names never mixed up, many threads at once.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_cache.h"
#include "tap.h"
#include "xmalloc.h"

/* txt_answer - an answer of status with one TXT record text (or none) */
static struct mauth_dns_answer *
txt_answer(enum mauth_dns_status status, const char *text, uint32_t ttl)
{
	struct mauth_dns_answer *a = xcalloc(1, sizeof(*a));

	a->status = status;
	a->qname = xstrdup("example.org");
	if (text != NULL) {
		struct mauth_dns_rr *rr = mauth_dns_answer_add(a, MAUTH_DNS_T_TXT);
		rr->ttl = ttl;
		rr->u.txt.data = xstrdup(text);
		rr->u.txt.len = strlen(text);
	}
	return a;
}

/* get - a cache lookup into a fresh answer; NULL on a miss */
static struct mauth_dns_answer *
get(struct mauth_dns_cache *c, const char *name, uint16_t type, uint64_t now)
{
	struct mauth_dns_answer *a = xcalloc(1, sizeof(*a));

	a->qname = xstrdup(name);
	if (!mauth_dns_cache_get(c, name, type, now, a))
		mauth_dns_answer_free(&a);
	return a;
}

static void
test_ttl(void)
{
	struct mauth_dns_cache *c = mauth_dns_cache_new(64);
	struct mauth_dns_answer *a = txt_answer(MAUTH_DNS_OK, "v=spf1 -all", 300), *g;

	a->security = MAUTH_DNS_SEC_SECURE;
	a->canonname = xstrdup("target.example.org");
	ok(get(c, "example.org", MAUTH_DNS_T_TXT, 1000) == NULL, "empty cache: miss");
	mauth_dns_cache_put(c, "example.org", MAUTH_DNS_T_TXT, 1000, 300, a);
	g = get(c, "example.org", MAUTH_DNS_T_TXT, 1000);
	ok(g != NULL, "kept: hit");
	if (g != NULL) {
		is_int(g->status, MAUTH_DNS_OK, "  status");
		is_int(g->count, 1, "  one record");
		is_str(g->rr[0].u.txt.data, "v=spf1 -all", "  its text");
		is_int(g->rr[0].ttl, 300, "  TTL 300");
		is_int(g->security, MAUTH_DNS_SEC_SECURE, "  DNSSEC status kept");
		is_str(g->canonname, "target.example.org", "  canonical name kept");
		is_str(g->qname, "example.org", "  the asker's qname");
	}
	mauth_dns_answer_free(&g);
	mauth_dns_answer_free(&a);	/* the cache holds its own copy */
	g = get(c, "example.org", MAUTH_DNS_T_TXT, 1299);
	ok(g != NULL && g->rr[0].ttl == 1, "299 s later: hit, TTL 1 left");
	mauth_dns_answer_free(&g);
	ok(get(c, "example.org", MAUTH_DNS_T_TXT, 1300) == NULL, "300 s later: expired");
	ok(get(c, "example.org", MAUTH_DNS_T_A, 1000) == NULL, "other type: miss");
	ok(get(c, "www.example.org", MAUTH_DNS_T_TXT, 1000) == NULL, "other name: miss");

	a = txt_answer(MAUTH_DNS_OK, "zero", 0);
	mauth_dns_cache_put(c, "zero.example", MAUTH_DNS_T_TXT, 1000, 0, a);
	ok(get(c, "zero.example", MAUTH_DNS_T_TXT, 1000) == NULL, "TTL 0: not kept");
	mauth_dns_answer_free(&a);
	mauth_dns_cache_free(&c);
	ok(c == NULL, "free sets the pointer to NULL");
}

static void
test_statuses(void)
{
	static const struct {
		enum mauth_dns_status st;
		bool kept;
	} cases[] = {
		{ MAUTH_DNS_NXDOMAIN, true }, { MAUTH_DNS_NODATA, true },
		{ MAUTH_DNS_SERVFAIL, false }, { MAUTH_DNS_TIMEOUT, false },
		{ MAUTH_DNS_ERROR, false }, { MAUTH_DNS_INVALID, false },
	};
	struct mauth_dns_cache *c = mauth_dns_cache_new(64);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32];
		struct mauth_dns_answer *a = txt_answer(cases[i].st, NULL, 0), *g;

		snprintf(name, sizeof(name), "n%zu.example", i);
		mauth_dns_cache_put(c, name, MAUTH_DNS_T_TXT, 50, 60, a);
		g = get(c, name, MAUTH_DNS_T_TXT, 51);
		if (cases[i].kept)
			ok(g != NULL && g->status == cases[i].st && g->count == 0,
			    "%s kept for its negative TTL", mauth_dns_status_name(cases[i].st));
		else
			ok(g == NULL, "%s never kept", mauth_dns_status_name(cases[i].st));
		mauth_dns_answer_free(&g);
		mauth_dns_answer_free(&a);
	}
	struct mauth_dns_answer *empty = txt_answer(MAUTH_DNS_OK, NULL, 0);
	mauth_dns_cache_put(c, "empty.example", MAUTH_DNS_T_TXT, 50, 60, empty);
	ok(get(c, "empty.example", MAUTH_DNS_T_TXT, 51) == NULL,
	    "NOERROR without records: not kept");
	mauth_dns_answer_free(&empty);
	mauth_dns_cache_free(&c);
}

/* 16 slots, 200 names: whatever a lookup returns is that name's answer */
static void
test_collisions(void)
{
	struct mauth_dns_cache *c = mauth_dns_cache_new(16);
	int wrong = 0, hits = 0;

	for (int i = 0; i < 200; i++) {
		char name[32];
		snprintf(name, sizeof(name), "h%d.example", i);
		struct mauth_dns_answer *a = txt_answer(MAUTH_DNS_OK, name, 60);
		mauth_dns_cache_put(c, name, MAUTH_DNS_T_TXT, 0, 60, a);
		mauth_dns_answer_free(&a);
	}
	for (int i = 0; i < 200; i++) {
		char name[32];
		snprintf(name, sizeof(name), "h%d.example", i);
		struct mauth_dns_answer *g = get(c, name, MAUTH_DNS_T_TXT, 1);
		if (g != NULL) {
			hits++;
			wrong += strcmp(g->rr[0].u.txt.data, name) != 0;
		}
		mauth_dns_answer_free(&g);
	}
	is_int(wrong, 0, "colliding names never get each other's answer");
	ok(hits > 0 && hits <= 16, "at most one answer per slot (%d of 200 held)", hits);
	mauth_dns_cache_free(&c);
}

struct worker_arg {
	struct mauth_dns_cache *c;
	int id, bad;
};

static void *
worker(void *p)
{
	struct worker_arg *w = p;

	for (int i = 0; i < 20000; i++) {
		char name[32];
		snprintf(name, sizeof(name), "t%d.example", (i * 7 + w->id) % 40);
		struct mauth_dns_answer *g = get(w->c, name, MAUTH_DNS_T_TXT, 5);
		if (g == NULL) {
			struct mauth_dns_answer *a = txt_answer(MAUTH_DNS_OK, name, 60);
			mauth_dns_cache_put(w->c, name, MAUTH_DNS_T_TXT, 5, 60, a);
			mauth_dns_answer_free(&a);
		} else {
			w->bad += g->count != 1 || strcmp(g->rr[0].u.txt.data, name) != 0;
		}
		mauth_dns_answer_free(&g);
	}
	return NULL;
}

static void
test_threads(void)
{
	struct mauth_dns_cache *c = mauth_dns_cache_new(32);
	struct worker_arg args[8];
	pthread_t t[8];
	int bad = 0;

	for (int i = 0; i < 8; i++) {
		args[i] = (struct worker_arg){ .c = c, .id = i };
		pthread_create(&t[i], NULL, worker, &args[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		bad += args[i].bad;
	}
	is_int(bad, 0, "8 threads putting and getting: every hit is the right answer");
	mauth_dns_cache_free(&c);
}

int
main(void)
{
	test_ttl();
	test_statuses();
	test_collisions();
	test_threads();
	return done_testing();
}
