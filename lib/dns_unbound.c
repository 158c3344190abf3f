/*
 * dns_unbound.c - libunbound backend: one context and cache for all threads
 *
 * One ub_ctx, put in thread mode (ub_ctx_async(ctx, 1): its resolver runs
 * in a thread of this process, not a forked child, so the cache is the
 * process's own).  A lookup submits ub_resolve_async() and sleeps on its
 * own condition variable until the answer comes or the time runs out
 * (pthread_cond_timedwait on CLOCK_MONOTONIC, so a clock step does not
 * stretch or cut a lookup).  One event thread of ours polls ub_fd() and
 * calls ub_process(), which runs the callbacks.
 *
 * The cancel/callback race: when a lookup times out it calls ub_cancel().
 * If that succeeds libunbound never calls the callback for the query; if
 * the query was already past the point of cancelling (UB_NOID), the
 * callback will run, maybe right now on the event thread.  So a query is
 * held by two references, the waiter's and the callback's, counted under
 * the query's mutex; whoever drops the last one frees it.
 *
 * Answers: rcode 0 with data OK, without NODATA; 3 NXDOMAIN; 2 SERVFAIL
 * (a DNSSEC-bogus answer is SERVFAIL with security BOGUS and why set);
 * other rcodes and libunbound errors ERROR.  Rdata is decoded here from
 * wire form (RFC 1035 section 3.3, RFC 3596 section 2.2) and checked
 * against its length: a malformed record makes the answer ERROR.
 *
 * Answers libunbound gives are also kept in a cache of our own
 * (dns_cache.h) for their TTL: a repeated lookup is then answered in the
 * asking thread, without the trip through libunbound's threads.
 *
 * Ownership: the backend owns the context, the event thread and its pipe,
 * and the answer cache;
 * mauth_dns_free() stops the thread and deletes the context, and must not
 * be called while lookups are running.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "buf.h"
#include "dns_cache.h"
#include "dns_unbound.h"
#include "xmalloc.h"

#define UB_TIMEOUT_DEFAULT 5000	/* ms */
#define UB_CACHE_SLOTS	4096	/* answers kept (dns_cache.h) */

struct ub_backend {
	struct ub_ctx *ctx;
	pthread_t thread;
	int stop[2];		/* a byte on stop[1] ends the event thread */
	unsigned timeout_ms;
	bool validating;	/* a trust anchor was given */
	struct mauth_dns_cache *cache;
};

struct ub_query {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs;		/* the waiter and the callback */
	bool done;
	int err;		/* libunbound's error code for the callback */
	struct ub_result *result;
};

static void
ub_query_unref(struct ub_query *q)
{
	pthread_mutex_lock(&q->lock);
	bool last = --q->refs == 0;
	pthread_mutex_unlock(&q->lock);
	if (!last)
		return;
	if (q->result != NULL)
		ub_resolve_free(q->result);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

/* ub_query_cb - libunbound's callback, run by ub_process() on the event thread */
static void
ub_query_cb(void *arg, int err, struct ub_result *result)
{
	struct ub_query *q = arg;

	pthread_mutex_lock(&q->lock);
	q->err = err;
	q->result = result;
	q->done = true;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	ub_query_unref(q);
}

static struct ub_query *
ub_query_new(void)
{
	struct ub_query *q = xcalloc(1, sizeof(*q));
	pthread_condattr_t attr;

	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &attr);
	pthread_condattr_destroy(&attr);
	q->refs = 2;
	return q;
}

/* ub_event_loop - the event thread: answers arrive on ub_fd() */
static void *
ub_event_loop(void *arg)
{
	struct ub_backend *ub = arg;
	struct pollfd fds[2] = {
		{ .fd = ub_fd(ub->ctx), .events = POLLIN },
		{ .fd = ub->stop[0], .events = POLLIN },
	};

	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents != 0)
			break;
		if (fds[0].revents & POLLNVAL)
			break;
		if (fds[0].revents != 0)
			(void)ub_process(ub->ctx);
	}
	return NULL;
}

/*
 * ub_decode_name - a wire-form name (uncompressed, as libunbound hands
 * rdata) at data[*off..len) to dotted text without the trailing dot; '.'
 * and '\' inside a label and bytes outside printable ASCII become \DDD
 * (RFC 1035 section 5.1).  NULL when it runs past len.
 */
static char *
ub_decode_name(const unsigned char *data, size_t len, size_t *off)
{
	struct mauth_buf out = MAUTH_BUF_INIT;
	size_t p = *off;

	for (;;) {
		if (p >= len || (data[p] & 0xc0) != 0)
			goto bad;	/* truncated, or a pointer / extended label */
		size_t n = data[p++];
		if (n == 0)
			break;
		if (p + n > len)
			goto bad;
		if (out.len > 0)
			mauth_buf_putc(&out, '.');
		for (size_t i = 0; i < n; i++) {
			unsigned char c = data[p + i];

			if (c <= ' ' || c >= 0x7f || c == '.' || c == '\\')
				mauth_buf_printf(&out, "\\%03u", c);
			else
				mauth_buf_putc(&out, (char)c);
		}
		p += n;
	}
	*off = p;
	return mauth_buf_steal(&out);
bad:
	mauth_buf_free(&out);
	return NULL;
}

/* ub_decode_txt - RFC 1035 section 3.3.14: character-strings concatenated */
static int
ub_decode_txt(struct mauth_dns_rr *rr, const unsigned char *data, size_t len)
{
	struct mauth_buf out = MAUTH_BUF_INIT;

	for (size_t p = 0; p < len; ) {
		size_t n = data[p++];

		if (p + n > len) {
			mauth_buf_free(&out);
			return -1;
		}
		mauth_buf_append(&out, data + p, n);
		p += n;
	}
	rr->u.txt.len = out.len;
	rr->u.txt.data = mauth_buf_steal(&out);
	return 0;
}

/* ub_decode - one record of type from its wire rdata; -1 when malformed */
static int
ub_decode(struct mauth_dns_rr *rr, const unsigned char *data, size_t len)
{
	size_t off = 0;

	switch (rr->type) {
	case MAUTH_DNS_T_A:
		if (len != 4)
			return -1;
		memcpy(&rr->u.a, data, 4);
		return 0;
	case MAUTH_DNS_T_AAAA:
		if (len != 16)
			return -1;
		memcpy(&rr->u.aaaa, data, 16);
		return 0;
	case MAUTH_DNS_T_MX:
		if (len < 3)
			return -1;
		rr->u.mx.preference = (uint16_t)(data[0] << 8 | data[1]);
		off = 2;
		rr->u.mx.exchange = ub_decode_name(data, len, &off);
		return rr->u.mx.exchange == NULL || off != len ? -1 : 0;
	case MAUTH_DNS_T_TXT:
		return ub_decode_txt(rr, data, len);
	case MAUTH_DNS_T_PTR:
	case MAUTH_DNS_T_CNAME:
	case MAUTH_DNS_T_NS:
		rr->u.name = ub_decode_name(data, len, &off);
		return rr->u.name == NULL || off != len ? -1 : 0;
	default:
		return -1;	/* lib/dns asks for nothing else */
	}
}

/* ub_fill - turn a libunbound result into ans; returns the status */
static enum mauth_dns_status
ub_fill(struct ub_backend *ub, struct ub_result *res, uint16_t type,
    struct mauth_dns_answer *ans)
{
	char *error = NULL;

	if (res->secure)
		ans->security = MAUTH_DNS_SEC_SECURE;
	else if (res->bogus)
		ans->security = MAUTH_DNS_SEC_BOGUS;
	else if (ub->validating)
		ans->security = MAUTH_DNS_SEC_INSECURE;
	if (res->canonname != NULL)
		ans->canonname = mauth_dns_name_normalise(res->canonname, &error);
	free(error);
	if (res->bogus) {
		ans->why = xstrdup(res->why_bogus != NULL ? res->why_bogus :
		    "DNSSEC validation failed");
		return MAUTH_DNS_SERVFAIL;
	}
	switch (res->rcode) {
	case 0:
		break;
	case 2:
		return MAUTH_DNS_SERVFAIL;
	case 3:
		return MAUTH_DNS_NXDOMAIN;
	default:
		ans->why = xasprintf("DNS rcode %d", res->rcode);
		return MAUTH_DNS_ERROR;
	}
	if (!res->havedata || res->data == NULL)
		return MAUTH_DNS_NODATA;
	for (size_t i = 0; res->data[i] != NULL; i++) {
		struct mauth_dns_rr *rr = mauth_dns_answer_add(ans, type);

		rr->ttl = res->ttl < 0 ? 0 : (uint32_t)res->ttl;
		if (res->len[i] < 0 || ub_decode(rr, (const unsigned char *)res->data[i],
		    (size_t)res->len[i]) < 0) {
			ans->why = xasprintf("malformed %s record for %s",
			    mauth_dns_type_name(type), ans->qname);
			return MAUTH_DNS_ERROR;
		}
	}
	return MAUTH_DNS_OK;
}

/* ub_deadline - now + ms on CLOCK_MONOTONIC */
static struct timespec
ub_deadline(unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* ub_now_s - seconds on CLOCK_MONOTONIC, the answer cache's clock */
static uint64_t
ub_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static enum mauth_dns_status
ub_lookup(void *backend, const char *name, uint16_t type,
    struct mauth_dns_answer *ans)
{
	struct ub_backend *ub = backend;
	uint64_t now = ub_now_s();

	if (mauth_dns_cache_get(ub->cache, name, type, now, ans)) {
		ans->cached = true;
		return ans->status;
	}

	struct ub_query *q = ub_query_new();
	struct timespec deadline = ub_deadline(ub->timeout_ms);
	enum mauth_dns_status st;
	int id, rc;

	rc = ub_resolve_async(ub->ctx, name, type, 1 /* IN */, q, ub_query_cb, &id);
	if (rc != 0) {
		ans->why = xasprintf("libunbound: %s", ub_strerror(rc));
		q->refs = 1;	/* the callback will never run */
		ub_query_unref(q);
		return MAUTH_DNS_ERROR;
	}
	pthread_mutex_lock(&q->lock);
	while (!q->done) {
		if (pthread_cond_timedwait(&q->cond, &q->lock, &deadline) == ETIMEDOUT)
			break;
	}
	bool done = q->done;
	struct ub_result *res = q->result;
	int err = q->err;
	q->result = NULL;
	pthread_mutex_unlock(&q->lock);

	if (!done) {
		/* Cancelled: libunbound drops the callback's reference for it. */
		if (ub_cancel(ub->ctx, id) == 0)
			ub_query_unref(q);
		ans->why = xasprintf("no answer within %u ms", ub->timeout_ms);
		st = MAUTH_DNS_TIMEOUT;
	} else if (err != 0 || res == NULL) {
		ans->why = xasprintf("libunbound: %s", ub_strerror(err));
		st = MAUTH_DNS_ERROR;
	} else {
		st = ub_fill(ub, res, type, ans);
		mauth_dns_cache_put(ub->cache, name, type, now,
		    res->ttl > 0 ? (uint32_t)res->ttl : 0, ans);
	}
	if (res != NULL)
		ub_resolve_free(res);
	ub_query_unref(q);
	return st;
}

static void
ub_backend_free(void *backend)
{
	struct ub_backend *ub = backend;

	if (ub == NULL)
		return;
	if (ub->stop[1] >= 0) {
		ssize_t w;

		do
			w = write(ub->stop[1], "", 1);
		while (w < 0 && errno == EINTR);
		pthread_join(ub->thread, NULL);
		close(ub->stop[0]);
		close(ub->stop[1]);
	}
	if (ub->ctx != NULL)
		ub_ctx_delete(ub->ctx);
	mauth_dns_cache_free(&ub->cache);
	free(ub);
}

static const struct mauth_dns_ops ub_ops = {
	.name = "unbound",
	.lookup = ub_lookup,
	.free = ub_backend_free,
};

static const struct {
	const char *opt, *val;
} ub_forwarded[] = {
	{ "unblock-lan-zones:", "yes" },	/* RFC 1918 and RFC 6303 reverse zones */
	{ "insecure-lan-zones:", "yes" },
	{ "local-zone:", "2.0.192.in-addr.arpa. nodefault" },
	{ "local-zone:", "100.51.198.in-addr.arpa. nodefault" },
	{ "local-zone:", "113.0.203.in-addr.arpa. nodefault" },
	{ "local-zone:", "8.b.d.0.1.0.0.2.ip6.arpa. nodefault" },
};

/*
 * ub_check - make libunbound read its configuration now (it would on the
 * first lookup, and fail every lookup): a local answer for "localhost"
 * finalises the context without sending anything.  libunbound's own log
 * is caught meanwhile, so its first error (a trust anchor's parse error,
 * say) goes into *error_r; afterwards the log is silenced, since lib/
 * never logs: statuses and why strings carry what went wrong.
 */
static int
ub_check(struct ub_backend *ub, char **error_r)
{
	struct ub_result *res = NULL;
	char *log = NULL;
	size_t loglen = 0;
	FILE *mem = open_memstream(&log, &loglen);

	ub_ctx_debugout(ub->ctx, mem);
	int rc = ub_resolve(ub->ctx, "localhost.", MAUTH_DNS_T_A, 1, &res);
	ub_ctx_debugout(ub->ctx, NULL);
	if (mem != NULL)
		fclose(mem);
	if (res != NULL)
		ub_resolve_free(res);
	if (rc != 0) {
		/* "[time] libunbound[pid:0] error: what" */
		const char *what = log != NULL ? strstr(log, "error: ") : NULL;
		size_t n = what != NULL ? strcspn(what + 7, "\n") : 0;

		*error_r = what != NULL ?
		    xasprintf("libunbound refuses the configuration: %s: %.*s",
		    ub_strerror(rc), (int)n, what + 7) :
		    xasprintf("libunbound refuses the configuration: %s",
		    ub_strerror(rc));
	}
	free(log);
	return rc != 0 ? -1 : 0;
}

/* ub_configure - apply cfg to a fresh context; -1 with *error_r */
static int
ub_configure(struct ub_backend *ub, const struct mauth_dns_unbound_config *cfg,
    char **error_r)
{
	int rc;

	if ((rc = ub_ctx_async(ub->ctx, 1)) != 0) {
		*error_r = xasprintf("libunbound: thread mode: %s", ub_strerror(rc));
		return -1;
	}
	/* Loopback forwarders (a local cache, a test server) must work. */
	if ((rc = ub_ctx_set_option(ub->ctx, "do-not-query-localhost:", "no")) != 0) {
		*error_r = xasprintf("libunbound: do-not-query-localhost: %s",
		    ub_strerror(rc));
		return -1;
	}
	/*
	 * libunbound answers some reverse zones itself (RFC 6303 and the
	 * documentation ranges of RFC 5737 / RFC 3849) with NXDOMAIN.  mauth
	 * always forwards, and the forwarder knows a site's private zones
	 * best; the documentation ranges are also what test zones use.
	 */
	for (size_t i = 0; i < sizeof(ub_forwarded) / sizeof(ub_forwarded[0]); i++) {
		if ((rc = ub_ctx_set_option(ub->ctx, ub_forwarded[i].opt,
		    ub_forwarded[i].val)) != 0) {
			*error_r = xasprintf("libunbound: %s %s: %s", ub_forwarded[i].opt,
			    ub_forwarded[i].val, ub_strerror(rc));
			return -1;
		}
	}
	bool fwd = false;
	for (size_t i = 0; cfg->nameservers != NULL && cfg->nameservers[i] != NULL; i++) {
		if ((rc = ub_ctx_set_fwd(ub->ctx, cfg->nameservers[i])) != 0) {
			*error_r = xasprintf("nameserver \"%s\": %s", cfg->nameservers[i],
			    rc == UB_SYNTAX ? "not an address or address@port" :
			    ub_strerror(rc));
			return -1;
		}
		fwd = true;
	}
	if (!fwd && (rc = ub_ctx_resolvconf(ub->ctx, cfg->resolv_conf)) != 0) {
		const char *path = cfg->resolv_conf != NULL ? cfg->resolv_conf :
		    "/etc/resolv.conf";

		*error_r = rc == UB_READFILE ?
		    xasprintf("%s: %s", path, strerror(errno)) :
		    xasprintf("%s: %s", path, ub_strerror(rc));
		return -1;
	}
	if (cfg->trust_anchor_file != NULL) {
		/* libunbound reads the file later: say now when it cannot. */
		FILE *fp = fopen(cfg->trust_anchor_file, "r");

		if (fp == NULL) {
			*error_r = xasprintf("trust anchor file %s: %s",
			    cfg->trust_anchor_file, strerror(errno));
			return -1;
		}
		fclose(fp);
		if ((rc = ub_ctx_add_ta_file(ub->ctx, cfg->trust_anchor_file)) != 0) {
			*error_r = xasprintf("trust anchor file %s: %s",
			    cfg->trust_anchor_file, ub_strerror(rc));
			return -1;
		}
		ub->validating = true;
	}
	return ub_check(ub, error_r);
}

struct mauth_dns *
mauth_dns_unbound_new(const struct mauth_dns_unbound_config *cfg, char **error_r)
{
	struct ub_backend *ub = xcalloc(1, sizeof(*ub));
	int rc;

	ub->stop[0] = ub->stop[1] = -1;
	ub->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : UB_TIMEOUT_DEFAULT;
	ub->cache = mauth_dns_cache_new(UB_CACHE_SLOTS);
	ub->ctx = ub_ctx_create();
	if (ub->ctx == NULL) {
		*error_r = xstrdup("libunbound: cannot create a context");
		goto fail;
	}
	if (ub_configure(ub, cfg, error_r) < 0)
		goto fail;
	if (pipe2(ub->stop, O_CLOEXEC) < 0) {
		*error_r = xasprintf("pipe: %s", strerror(errno));
		ub->stop[0] = ub->stop[1] = -1;
		goto fail;
	}
	if ((rc = pthread_create(&ub->thread, NULL, ub_event_loop, ub)) != 0) {
		*error_r = xasprintf("cannot start the DNS event thread: %s",
		    strerror(rc));
		close(ub->stop[0]);
		close(ub->stop[1]);
		ub->stop[0] = ub->stop[1] = -1;
		goto fail;
	}
	return mauth_dns_new(&ub_ops, ub);
fail:
	ub_backend_free(ub);
	return NULL;
}
