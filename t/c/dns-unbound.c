/*
 * dns-unbound.c - the libunbound backend against a real unbound server
 *
 * Run by t/dns-unbound.t, which starts unbound on loopback serving the
 * zone files given as arguments (DNS_ADDR, DNS_PORT, DNS_LOG, DNS_PID) and
 * a black hole that never answers (BLACKHOLE_ADDR, BLACKHOLE_PORT).  Run
 * alone, without DNS_PORT, it skips.
 *
 * Every answer is checked against the zone backend loaded from the same
 * files, so the two backends are held to one behaviour; then the parts only
 * a network resolver has: EDNS/TCP for long answers, the cache, time-outs,
 * a server that goes away, DNSSEC status, and many threads at once.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns_unbound.h"
#include "dns_zone.h"
#include "tap.h"
#include "xmalloc.h"

static char server[64], blackhole[64];
static const char *dns_log;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static struct mauth_dns *
resolver(const char *ns, unsigned timeout_ms, const char *ta)
{
	const char *servers[] = { ns, NULL };
	struct mauth_dns_unbound_config cfg = {
		.nameservers = servers, .timeout_ms = timeout_ms,
		.trust_anchor_file = ta,
	};
	char *error = NULL;
	struct mauth_dns *dns = mauth_dns_unbound_new(&cfg, &error);

	if (dns == NULL) {
		printf("Bail out! resolver for %s: %s\n", ns, error);
		exit(1);
	}
	return dns;
}

/* rr_text - one record in a canonical text form, to compare backends */
static char *
rr_text(const struct mauth_dns_rr *rr)
{
	char buf[INET6_ADDRSTRLEN];

	switch (rr->type) {
	case MAUTH_DNS_T_A:
		return xstrdup(inet_ntop(AF_INET, &rr->u.a, buf, sizeof(buf)));
	case MAUTH_DNS_T_AAAA:
		return xstrdup(inet_ntop(AF_INET6, &rr->u.aaaa, buf, sizeof(buf)));
	case MAUTH_DNS_T_MX:
		return xasprintf("%u %s", rr->u.mx.preference, rr->u.mx.exchange);
	case MAUTH_DNS_T_TXT: {
		char *s = xmalloc(rr->u.txt.len * 4 + 16), *p = s;

		p += sprintf(p, "[%zu]", rr->u.txt.len);
		for (size_t i = 0; i < rr->u.txt.len; i++) {
			unsigned char c = (unsigned char)rr->u.txt.data[i];

			p += c >= ' ' && c < 0x7f ? sprintf(p, "%c", c) :
			    sprintf(p, "\\%03u", c);
		}
		return s;
	}
	default:
		return xstrdup(rr->u.name);
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* answer_text - status, canonname and sorted records as one string */
static char *
answer_text(const struct mauth_dns_answer *ans)
{
	char **t = xcalloc(ans->count + 1, sizeof(*t));
	size_t total = 256;

	for (size_t i = 0; i < ans->count; i++) {
		t[i] = rr_text(&ans->rr[i]);
		total += strlen(t[i]) + 3;
	}
	/* unbound may rotate an RRset (rrset-roundrobin): compare sorted */
	qsort(t, ans->count, sizeof(*t), cmp_str);
	char *s = xmalloc(total), *p = s;
	p += sprintf(p, "%s %s", mauth_dns_status_name(ans->status), ans->canonname);
	for (size_t i = 0; i < ans->count; i++) {
		p += sprintf(p, " | %s", t[i]);
		free(t[i]);
	}
	free(t);
	return s;
}

static const struct {
	const char *name, *type;
	enum mauth_dns_status status;
} same[] = {
	{ "example.org", "TXT", MAUTH_DNS_OK },
	{ "example.org", "MX", MAUTH_DNS_OK },
	{ "example.org", "NS", MAUTH_DNS_OK },
	{ "EXAMPLE.org.", "A", MAUTH_DNS_OK },
	{ "example.org", "AAAA", MAUTH_DNS_OK },
	{ "mx1.example.org", "AAAA", MAUTH_DNS_OK },
	{ "www.example.org", "A", MAUTH_DNS_OK },
	{ "www.example.org", "CNAME", MAUTH_DNS_OK },
	{ "split.example.org", "TXT", MAUTH_DNS_OK },
	{ "two-records.example.org", "TXT", MAUTH_DNS_OK },
	{ "none.example.org", "TXT", MAUTH_DNS_OK },
	{ "none.example.org", "MX", MAUTH_DNS_NODATA },
	{ "nx.example.org", "TXT", MAUTH_DNS_NXDOMAIN },
	{ "example.net", "TXT", MAUTH_DNS_OK },
	{ "too-many.example.net", "TXT", MAUTH_DNS_OK },
	{ "example.com", "MX", MAUTH_DNS_OK },
	{ "host.example.com", "A", MAUTH_DNS_OK },
	{ "host.example.com", "AAAA", MAUTH_DNS_OK },
	{ "mx.example.com", "MX", MAUTH_DNS_OK },
	{ "alias2.example.com", "A", MAUTH_DNS_OK },
	{ "alias.example.com", "CNAME", MAUTH_DNS_OK },
	{ "alias2.example.com", "TXT", MAUTH_DNS_NODATA },
	{ "dangling.example.com", "A", MAUTH_DNS_NXDOMAIN },
	{ "outside.example.com", "AAAA", MAUTH_DNS_OK },
	{ "escaped.example.com", "TXT", MAUTH_DNS_OK },
	{ "empty.example.com", "TXT", MAUTH_DNS_OK },
	{ "long.example.com", "TXT", MAUTH_DNS_OK },
	{ "multi.example.com", "TXT", MAUTH_DNS_OK },
	{ "huge.example.com", "TXT", MAUTH_DNS_OK },
	{ "odd.example.com", "PTR", MAUTH_DNS_OK },
	{ "b.ent.example.com", "TXT", MAUTH_DNS_NODATA },
	{ "c.ent.example.com", "TXT", MAUTH_DNS_NXDOMAIN },
	{ "anything.wild.example.com", "TXT", MAUTH_DNS_OK },
	{ "anything.wild.example.com", "MX", MAUTH_DNS_NODATA },
	{ "1.2.0.192.in-addr.arpa", "PTR", MAUTH_DNS_OK },
	{ "77.2.0.192.in-addr.arpa", "PTR", MAUTH_DNS_OK },
	{ "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
	    "PTR", MAUTH_DNS_OK },
	{ "99.2.0.192.in-addr.arpa", "PTR", MAUTH_DNS_NXDOMAIN },
};

/* test_same - every answer equals the zone backend's for the same files */
static void
test_same(struct mauth_dns *dns, struct mauth_dns *zone)
{
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		struct mauth_dns_answer *a = NULL, *b = NULL;
		uint16_t type = mauth_dns_type_parse(same[i].type);

		mauth_dns_lookup(dns, same[i].name, type, &a);
		mauth_dns_lookup(zone, same[i].name, type, &b);
		char *ta = answer_text(a), *tb = answer_text(b);
		is_int(a->status, same[i].status, "%s %s: %s", same[i].name,
		    same[i].type, mauth_dns_status_name(same[i].status));
		is_str(ta, tb, "  same answer as the zone backend");
		free(ta);
		free(tb);
		mauth_dns_answer_free(&a);
		mauth_dns_answer_free(&b);
	}
}

static int log_count(const char *name, const char *type);

static void
test_decode(struct mauth_dns *dns)
{
	struct mauth_dns_answer *ans = NULL;
	char buf[INET6_ADDRSTRLEN];

	is_int(mauth_dns_lookup(dns, "mx2.example.org", MAUTH_DNS_T_A, &ans),
	    MAUTH_DNS_OK, "mx2.example.org A");
	is_str(inet_ntop(AF_INET, &ans->rr[0].u.a, buf, sizeof(buf)), "198.51.100.25",
	    "  198.51.100.25");
	ok(ans->rr[0].ttl <= 600 && ans->rr[0].ttl >= 590, "  TTL 600 (got %u)",
	    ans->rr[0].ttl);
	is_int(ans->security, MAUTH_DNS_SEC_UNKNOWN, "  security unknown without a trust anchor");
	mauth_dns_answer_free(&ans);
	mauth_dns_lookup(dns, "mx1.example.org", MAUTH_DNS_T_AAAA, &ans);
	is_str(inet_ntop(AF_INET6, &ans->rr[0].u.aaaa, buf, sizeof(buf)), "2001:db8::25",
	    "AAAA 2001:db8::25");
	mauth_dns_answer_free(&ans);
	mauth_dns_lookup(dns, "example.org", MAUTH_DNS_T_MX, &ans);
	ok(ans->count == 2 && (ans->rr[0].u.mx.preference + ans->rr[1].u.mx.preference) == 30,
	    "MX preferences 10 and 20");
	mauth_dns_answer_free(&ans);
	mauth_dns_lookup(dns, "alias2.example.com", MAUTH_DNS_T_AAAA, &ans);
	is_str(ans->canonname, "host.example.com", "CNAME chain: canonname host.example.com");
	is_str(ans->qname, "alias2.example.com", "  qname kept");
	mauth_dns_answer_free(&ans);
	mauth_dns_lookup(dns, "escaped.example.com", MAUTH_DNS_T_TXT, &ans);
	ok(ans->count == 1 && ans->rr[0].u.txt.len == 38 &&
	    memcmp(ans->rr[0].u.txt.data, "semi;colonquote\"dback\\slashnul\0byteABC", 38) == 0,
	    "TXT with an embedded NUL: 38 octets, len authoritative");
	mauth_dns_answer_free(&ans);
	mauth_dns_lookup(dns, "long.example.com", MAUTH_DNS_T_TXT, &ans);
	ok(ans->count == 1 && ans->rr[0].u.txt.len == 600 &&
	    strncmp(ans->rr[0].u.txt.data + 250, "01234abcde", 10) == 0 &&
	    strncmp(ans->rr[0].u.txt.data + 505, "abcdeABCDE", 10) == 0,
	    "TXT of 600 octets in three strings (answer over 512 octets)");
	mauth_dns_answer_free(&ans);
	mauth_dns_lookup(dns, "huge.example.com", MAUTH_DNS_T_TXT, &ans);
	ok(ans->count == 1 && ans->rr[0].u.txt.len == 1600 &&
	    ans->rr[0].u.txt.data[0] == 'a' && ans->rr[0].u.txt.data[1599] == 'h',
	    "TXT of 1600 octets: over the EDNS size, fetched over TCP");
	is_int(log_count("huge.example.com", "TXT"), 2,
	    "  asked twice: over UDP (truncated), then over TCP");
	mauth_dns_answer_free(&ans);
	mauth_dns_lookup(dns, "odd.example.com", MAUTH_DNS_T_PTR, &ans);
	ok(ans->count == 1 && strcmp(ans->rr[0].u.name, "a\\046b\\032c\\092d.example.com") == 0,
	    "wire name with '.', ' ' and '\\' in a label: %s",
	    ans->count ? ans->rr[0].u.name : "(none)");
	mauth_dns_answer_free(&ans);
	mauth_dns_lookup(dns, "example.com", MAUTH_DNS_T_MX, &ans);
	ok(ans->count == 1 && ans->rr[0].u.mx.preference == 0 &&
	    strcmp(ans->rr[0].u.mx.exchange, "") == 0, "null MX: exchange \"\"");
	mauth_dns_answer_free(&ans);
	mauth_dns_lookup(dns, "loop1.example.com", MAUTH_DNS_T_A, &ans);
	ok(ans->status == MAUTH_DNS_SERVFAIL || ans->status == MAUTH_DNS_ERROR,
	    "CNAME loop: %s", mauth_dns_status_name(ans->status));
	mauth_dns_answer_free(&ans);
	mauth_dns_lookup(dns, "refused.example", MAUTH_DNS_T_A, &ans);
	/* libunbound turns a forwarder's REFUSED into SERVFAIL */
	ok(ans->status == MAUTH_DNS_SERVFAIL || ans->status == MAUTH_DNS_ERROR,
	    "a name the server refuses: %s", mauth_dns_status_name(ans->status));
	mauth_dns_answer_free(&ans);
	is_int(mauth_dns_lookup(dns, "a..b", MAUTH_DNS_T_A, &ans), MAUTH_DNS_INVALID,
	    "invalid name never reaches libunbound");
	mauth_dns_answer_free(&ans);
}

/* log_count - lines of the server's query log naming "name. TYPE IN" */
static int
log_count(const char *name, const char *type)
{
	char want[300], line[1024];
	int n = 0;
	FILE *fp = fopen(dns_log, "r");

	if (fp == NULL)
		return -1;
	snprintf(want, sizeof(want), " %s. %s IN\n", name, type);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, " info: ") != NULL && strcasestr(line, want) != NULL)
			n++;
	fclose(fp);
	return n;
}

static void
test_cache(struct mauth_dns *dns)
{
	struct mauth_dns_answer *ans = NULL;
	int before = log_count("multi.example.com", "TXT");

	ok(before >= 0, "server query log readable");
	mauth_dns_lookup(dns, "ttl.example.com", MAUTH_DNS_T_TXT, &ans);
	mauth_dns_answer_free(&ans);
	int first = log_count("ttl.example.com", "TXT");
	is_int(first, 1, "first lookup of ttl.example.com TXT reached the server once");
	for (int i = 0; i < 3; i++) {
		mauth_dns_lookup(dns, "TTL.example.com", MAUTH_DNS_T_TXT, &ans);
		ok(ans->status == MAUTH_DNS_OK && ans->count == 1, "  repeat %d answered", i + 1);
		mauth_dns_answer_free(&ans);
	}
	is_int(log_count("ttl.example.com", "TXT"), first,
	    "  repeats came from the cache (server log unchanged)");
	mauth_dns_lookup(dns, "nx-cached.example.org", MAUTH_DNS_T_TXT, &ans);
	mauth_dns_answer_free(&ans);
	mauth_dns_lookup(dns, "nx-cached.example.org", MAUTH_DNS_T_TXT, &ans);
	is_int(ans->status, MAUTH_DNS_NXDOMAIN, "NXDOMAIN repeated");
	is_int(log_count("nx-cached.example.org", "TXT"), 1, "  asked the server once");
	mauth_dns_answer_free(&ans);
}

static void
test_timeout(void)
{
	struct mauth_dns *dns = resolver(blackhole, 1500, NULL);
	struct mauth_dns_answer *ans = NULL;
	double t0 = now_ms();

	is_int(mauth_dns_lookup(dns, "example.org", MAUTH_DNS_T_TXT, &ans),
	    MAUTH_DNS_TIMEOUT, "black hole: TIMEOUT");
	double ms = now_ms() - t0;
	ok(ms >= 1450 && ms <= 1900, "  after %.0f ms (timeout 1500 ms)", ms);
	like_str(ans->why, "1500 ms", "  why: %s", ans->why ? ans->why : "");
	is_int((long long)atomic_load(&dns->stats.timeouts), 1, "  counted as a timeout");
	mauth_dns_answer_free(&ans);
	t0 = now_ms();
	is_int(mauth_dns_lookup(dns, "example.net", MAUTH_DNS_T_MX, &ans),
	    MAUTH_DNS_TIMEOUT, "second lookup: TIMEOUT again");
	ms = now_ms() - t0;
	ok(ms >= 1450 && ms <= 1900, "  after %.0f ms", ms);
	mauth_dns_answer_free(&ans);
	mauth_dns_free(&dns);
}

struct worker {
	struct mauth_dns *dns, *zone;
	int id, good, total;
	unsigned timeout_ms;	/* != 0: the cancel race run, answers not checked */
	int timeouts;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	size_t n = sizeof(same) / sizeof(same[0]);

	for (int i = 0; i < 40; i++) {
		struct mauth_dns_answer *a = NULL, *b = NULL;

		if (w->timeout_ms) {
			char name[64];

			/* fresh names (the wildcard answers them): never cached */
			snprintf(name, sizeof(name), "t%d-%d.wild.example.com", w->id, i);
			if (mauth_dns_lookup(w->dns, name, MAUTH_DNS_T_TXT, &a) ==
			    MAUTH_DNS_TIMEOUT)
				w->timeouts++;
			else if (a->status == MAUTH_DNS_OK && a->count == 1)
				w->good++;
			w->total++;
			mauth_dns_answer_free(&a);
			continue;
		}
		size_t k = (size_t)(w->id * 7 + i) % n;
		uint16_t type = mauth_dns_type_parse(same[k].type);
		mauth_dns_lookup(w->dns, same[k].name, type, &a);
		mauth_dns_lookup(w->zone, same[k].name, type, &b);
		char *ta = answer_text(a), *tb = answer_text(b);
		if (strcmp(ta, tb) == 0)
			w->good++;
		w->total++;
		free(ta);
		free(tb);
		mauth_dns_answer_free(&a);
		mauth_dns_answer_free(&b);
	}
	return NULL;
}

static void
run_threads(struct mauth_dns *dns, struct mauth_dns *zone, unsigned timeout_ms,
    struct worker *w)
{
	pthread_t t[16];

	for (int i = 0; i < 16; i++) {
		w[i] = (struct worker){ .dns = dns, .zone = zone, .id = i,
		    .timeout_ms = timeout_ms };
		pthread_create(&t[i], NULL, worker_run, &w[i]);
	}
	for (int i = 0; i < 16; i++)
		pthread_join(t[i], NULL);
}

static void
test_threads(struct mauth_dns *zone)
{
	struct worker w[16];
	int good = 0, total = 0, timeouts = 0;
	/* A fresh resolver: the threads share one cold cache. */
	struct mauth_dns *dns = resolver(server, 5000, NULL);

	run_threads(dns, zone, 0, w);
	for (int i = 0; i < 16; i++) {
		good += w[i].good;
		total += w[i].total;
	}
	is_int(good, total, "16 threads, %d lookups: every answer right", total);
	mauth_dns_free(&dns);

	/*
	 * Time-outs close to the answer time, so that cancel and callback
	 * race; every lookup must still end in one piece (run under valgrind
	 * or ASan to see the races).
	 */
	dns = resolver(server, 1, NULL);
	run_threads(dns, zone, 1, w);
	good = total = 0;
	for (int i = 0; i < 16; i++) {
		good += w[i].good;
		total += w[i].total;
		timeouts += w[i].timeouts;
	}
	is_int(good + timeouts, total, "16 threads with a 1 ms limit: %d answered, "
	    "%d timed out, none lost", good, timeouts);
	mauth_dns_free(&dns);
}

static void
test_dnssec(const char *dir)
{
	char ta[512];
	FILE *fp;

	snprintf(ta, sizeof(ta), "%s/ta.txt", dir);
	fp = fopen(ta, "w");
	/* a DS no key in the (unsigned) zone matches: every answer is bogus */
	fprintf(fp, "example.com. IN DS 12345 13 2 "
	    "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n");
	fclose(fp);
	struct mauth_dns *dns = resolver(server, 5000, ta);
	struct mauth_dns_answer *ans = NULL;

	is_int(mauth_dns_lookup(dns, "host.example.com", MAUTH_DNS_T_A, &ans),
	    MAUTH_DNS_SERVFAIL, "trust anchor for an unsigned zone: SERVFAIL");
	is_int(ans->security, MAUTH_DNS_SEC_BOGUS, "  security bogus");
	ok(ans->why != NULL && *ans->why != '\0', "  why: %s", ans->why ? ans->why : "");
	ok(ans->count == 0, "  no records");
	mauth_dns_answer_free(&ans);
	is_int(mauth_dns_lookup(dns, "example.org", MAUTH_DNS_T_TXT, &ans),
	    MAUTH_DNS_OK, "zone outside the trust anchor: OK");
	is_int(ans->security, MAUTH_DNS_SEC_INSECURE, "  security insecure");
	mauth_dns_answer_free(&ans);
	mauth_dns_free(&dns);
	unlink(ta);
}

static void
test_config(const char *dir)
{
	const char *bad[] = { "not-an-address", NULL };
	struct mauth_dns_unbound_config cfg = { .nameservers = bad };
	char *error = NULL, path[512];
	struct mauth_dns *dns = mauth_dns_unbound_new(&cfg, &error);

	ok(dns == NULL, "forwarder \"not-an-address\" refused");
	like_str(error, "not-an-address", "  error names it: %s", error ? error : "");
	free(error);
	error = NULL;
	snprintf(path, sizeof(path), "%s/no-such-resolv.conf", dir);
	cfg = (struct mauth_dns_unbound_config){ .resolv_conf = path };
	dns = mauth_dns_unbound_new(&cfg, &error);
	ok(dns == NULL, "missing resolv.conf refused");
	like_str(error, "no-such-resolv.conf", "  error names it: %s", error ? error : "");
	free(error);
	error = NULL;
	/* resolv.conf pointing at the test server (port 53 cannot be changed
	 * there, so only that it loads is checked) */
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	FILE *fp = fopen(path, "w");
	fprintf(fp, "nameserver 127.0.0.1\n");
	fclose(fp);
	cfg.resolv_conf = path;
	dns = mauth_dns_unbound_new(&cfg, &error);
	ok(dns != NULL, "resolv.conf with a loopback nameserver accepted");
	mauth_dns_free(&dns);
	free(error);
	error = NULL;
	unlink(path);
	const char *good[] = { server, NULL };
	snprintf(path, sizeof(path), "%s/no-such-ta", dir);
	cfg = (struct mauth_dns_unbound_config){ .nameservers = good,
	    .trust_anchor_file = path };
	dns = mauth_dns_unbound_new(&cfg, &error);
	ok(dns == NULL, "missing trust anchor file refused");
	like_str(error, "no-such-ta", "  error names it: %s", error ? error : "");
	free(error);
	error = NULL;
	snprintf(path, sizeof(path), "%s/garbage-ta", dir);
	fp = fopen(path, "w");
	fprintf(fp, "example.com. IN DS not a digest\n");
	fclose(fp);
	dns = mauth_dns_unbound_new(&cfg, &error);
	ok(dns == NULL, "unparsable trust anchor refused at start-up");
	like_str(error, "refuses the configuration", "  error: %s", error ? error : "");
	free(error);
	unlink(path);
}

/* server_gone - SIGTERM the server and wait until its port refuses */
static bool
server_gone(const char *addr, int port, pid_t pid)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	inet_pton(AF_INET, addr, &sin.sin_addr);
	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		/* a query for "." NS: the server answers while it lives */
		static const unsigned char q[] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0,
		    0, 0, 0, 0, 2, 0, 1 };
		char buf[512];
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		connect(fd, (struct sockaddr *)&sin, sizeof(sin));
		send(fd, q, sizeof(q), 0);
		if (poll(&pfd, 1, 100) == 1 && recv(fd, buf, sizeof(buf), 0) < 0 &&
		    errno == ECONNREFUSED) {
			close(fd);
			return true;
		}
		close(fd);
		usleep(50000);
	}
	return false;
}

/*
 * test_server_gone - the server stops.  A resolver that knew it (round-trip
 * times in libunbound's infrastructure cache) finds it dead after a few
 * short retries and answers SERVFAIL well within the limit; one that never
 * reached it backs off from libunbound's 376 ms guess for an unknown server
 * and needs about 17 s to conclude, so within a shorter limit it can only
 * say TIMEOUT.  Either way the answer is a failure, never "no such name".
 */
static void
test_server_gone(struct mauth_dns *dns, const char *addr, int port, pid_t pid)
{
	struct mauth_dns *fresh = resolver(server, 1000, NULL);
	struct mauth_dns_answer *ans = NULL;

	ok(server_gone(addr, port, pid), "server stopped (its port refuses)");
	is_int(mauth_dns_lookup(dns, "mx2.example.org", MAUTH_DNS_T_A, &ans),
	    MAUTH_DNS_OK, "a cached answer outlives the server");
	mauth_dns_answer_free(&ans);
	double t0 = now_ms();
	enum mauth_dns_status st = mauth_dns_lookup(dns, "uncached.example.org",
	    MAUTH_DNS_T_TXT, &ans);
	double ms = now_ms() - t0;
	ok(st == MAUTH_DNS_SERVFAIL || st == MAUTH_DNS_ERROR,
	    "uncached name, server gone: %s", mauth_dns_status_name(st));
	ok(ms < 4500, "  before the time limit (%.0f ms of 5000)", ms);
	mauth_dns_answer_free(&ans);
	t0 = now_ms();
	st = mauth_dns_lookup(fresh, "example.org", MAUTH_DNS_T_TXT, &ans);
	ms = now_ms() - t0;
	ok(st == MAUTH_DNS_TIMEOUT || st == MAUTH_DNS_SERVFAIL || st == MAUTH_DNS_ERROR,
	    "resolver that never reached it: %s (%s)", mauth_dns_status_name(st),
	    ans->why ? ans->why : "");
	ok(ms < 1500, "  within the limit (%.0f ms of 1000)", ms);
	mauth_dns_answer_free(&ans);
	mauth_dns_free(&fresh);
}

int
main(int argc, char **argv)
{
	const char *addr = getenv("DNS_ADDR"), *port = getenv("DNS_PORT");
	const char *bh_addr = getenv("BLACKHOLE_ADDR"), *bh_port = getenv("BLACKHOLE_PORT");
	const char *pid = getenv("DNS_PID");
	const char *tmp = getenv("TMPDIR");
	char dir[512];

	dns_log = getenv("DNS_LOG");
	if (addr == NULL || port == NULL || bh_port == NULL || dns_log == NULL ||
	    pid == NULL || argc < 2)
		skip_all("run by t/dns-unbound.t (needs a server: DNS_PORT etc.)");
	snprintf(server, sizeof(server), "%s@%s", addr, port);
	snprintf(blackhole, sizeof(blackhole), "%s@%s", bh_addr ? bh_addr : "127.0.0.1",
	    bh_port);
	snprintf(dir, sizeof(dir), "%s/mauth-dns-unbound.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}

	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	for (int i = 1; i < argc; i++) {
		char *error = NULL;

		if (mauth_dns_zone_load(mem, argv[i], NULL, &error) < 0) {
			printf("Bail out! %s\n", error);
			return 1;
		}
	}
	struct mauth_dns *zone = mauth_dns_mem_resolver(mem, true);
	struct mauth_dns *dns = resolver(server, 5000, NULL);

	test_same(dns, zone);
	test_decode(dns);
	test_cache(dns);
	test_config(dir);
	test_dnssec(dir);
	test_threads(zone);
	test_timeout();
	test_server_gone(dns, addr, atoi(port), (pid_t)atoi(pid));
	mauth_dns_free(&dns);
	mauth_dns_free(&zone);
	rmdir(dir);
	return done_testing();
}
