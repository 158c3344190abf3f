/*
 * spf_ctx.c - the state of one SPF check and what its terms share
 *
 * RFC 7208 sections 4.3 - 4.5 (initial processing, record lookup and
 * selection), 4.6.4 (the time budget; the PTR name limit for %{p}), 5.5
 * (validated PTR names, shared by ptr and %{p}), 6.2 (exp=) and 7 (the
 * macro environment).  Everything DNS goes through mauth_spf_ctx_lookup()
 * so that the time budget holds for every query.
 *
 * Ownership: see spf_ctx.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "spf_ctx.h"
#include "spf_macro.h"
#include "xmalloc.h"

#define CTX_DEFAULT_TIME_MS 20000	/* section 4.6.4: "at least 20 seconds" */
#define CTX_MAX_PTR_NAMES 10		/* section 4.6.4 */
/* Used when the caller gives no default explanation (section 6.2) */
#define CTX_DEFAULT_EXPLANATION \
	"%{d} does not designate %{i} as a permitted sender of %{s}"

void
mauth_spf_ctx_init(struct mauth_spf_ctx *ctx, struct mauth_dns *dns,
    const struct mauth_spf_options *opt, const struct mauth_ip *ip,
    const char *domain, const char *sender, const char *helo)
{
	const char *at = sender != NULL ? strrchr(sender, '@') : NULL;

	memset(ctx, 0, sizeof(*ctx));
	ctx->dns = dns;
	ctx->opt = opt;
	ctx->ip = mauth_ip_unmap(ip);
	/* Section 4.3: a sender without local-part is postmaster@<domain>. */
	if (sender == NULL || *sender == '\0' || at == NULL) {
		ctx->local = xstrdup("postmaster");
		ctx->sender_domain = xstrdup(sender != NULL && *sender != '\0' ?
		    sender : domain);
	} else {
		ctx->local = at == sender ? xstrdup("postmaster") :
		    xstrndup(sender, (size_t)(at - sender));
		ctx->sender_domain = xstrdup(at + 1);
	}
	ctx->sender = xasprintf("%s@%s", ctx->local, ctx->sender_domain);
	ctx->helo = helo;
	ctx->now = opt != NULL && opt->now != 0 ? opt->now : time(NULL);
	ctx->time_limit_ms = opt != NULL && opt->time_limit_ms != 0 ?
	    opt->time_limit_ms : CTX_DEFAULT_TIME_MS;
	clock_gettime(CLOCK_MONOTONIC, &ctx->deadline);
	ctx->deadline.tv_sec += ctx->time_limit_ms / 1000;
	ctx->deadline.tv_nsec += (long)(ctx->time_limit_ms % 1000) * 1000000L;
	if (ctx->deadline.tv_nsec >= 1000000000L) {
		ctx->deadline.tv_sec++;
		ctx->deadline.tv_nsec -= 1000000000L;
	}
}

void
mauth_spf_ctx_clear(struct mauth_spf_ctx *ctx)
{
	free(ctx->sender);
	free(ctx->local);
	free(ctx->sender_domain);
	free(ctx->problem);
	memset(ctx, 0, sizeof(*ctx));
}

void
mauth_spf_ctx_vfail(struct mauth_spf_ctx *ctx, enum mauth_spf_result result,
    const char *fmt, va_list ap)
{
	ctx->err = result;
	if (ctx->problem == NULL) {
		struct mauth_buf b = MAUTH_BUF_INIT;

		mauth_buf_vprintf(&b, fmt, ap);
		ctx->problem = mauth_buf_steal(&b);
	}
}

static void
ctx_fail(struct mauth_spf_ctx *ctx, enum mauth_spf_result result,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
ctx_fail(struct mauth_spf_ctx *ctx, enum mauth_spf_result result,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mauth_spf_ctx_vfail(ctx, result, fmt, ap);
	va_end(ap);
}

enum mauth_dns_status
mauth_spf_ctx_lookup(struct mauth_spf_ctx *ctx, const char *name,
    uint16_t type, struct mauth_dns_answer **ans_r)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > ctx->deadline.tv_sec ||
	    (now.tv_sec == ctx->deadline.tv_sec &&
	    now.tv_nsec >= ctx->deadline.tv_nsec)) {
		ctx->expired = true;
		*ans_r = NULL;
		return MAUTH_DNS_TIMEOUT;
	}
	return mauth_dns_lookup(ctx->dns, name, type, ans_r);
}

/* ctx_reverse_name - the in-addr.arpa / ip6.arpa name of the client */
static char *
ctx_reverse_name(const struct mauth_ip *ip)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	if (ip->family == AF_INET) {
		mauth_buf_printf(&b, "%u.%u.%u.%u.in-addr.arpa", ip->addr[3],
		    ip->addr[2], ip->addr[1], ip->addr[0]);
		return mauth_buf_steal(&b);
	}
	for (int i = 15; i >= 0; i--)
		mauth_buf_printf(&b, "%x.%x.", ip->addr[i] & 0xf, ip->addr[i] >> 4);
	mauth_buf_puts(&b, "ip6.arpa");
	return mauth_buf_steal(&b);
}

enum mauth_dns_status
mauth_spf_ctx_ptr_lookup(struct mauth_spf_ctx *ctx,
    struct mauth_dns_answer **ans_r)
{
	char *name = ctx_reverse_name(&ctx->ip);
	enum mauth_dns_status st = mauth_spf_ctx_lookup(ctx, name,
	    MAUTH_DNS_T_PTR, ans_r);

	free(name);
	return st;
}

bool
mauth_spf_ctx_validates(struct mauth_spf_ctx *ctx, const char *name)
{
	uint16_t type = ctx->ip.family == AF_INET6 ? MAUTH_DNS_T_AAAA :
	    MAUTH_DNS_T_A;
	struct mauth_dns_answer *ans = NULL;
	bool found = false;

	if (mauth_spf_ctx_lookup(ctx, name, type, &ans) == MAUTH_DNS_OK) {
		for (size_t i = 0; !found && i < ans->count; i++) {
			const struct mauth_dns_rr *rr = &ans->rr[i];

			if (rr->type == MAUTH_DNS_T_A && ctx->ip.family == AF_INET)
				found = memcmp(&rr->u.a, ctx->ip.addr, 4) == 0;
			else if (rr->type == MAUTH_DNS_T_AAAA &&
			    ctx->ip.family == AF_INET6)
				found = memcmp(&rr->u.aaaa, ctx->ip.addr, 16) == 0;
		}
	}
	mauth_dns_answer_free(&ans);
	return found;
}

/* ctx_name_rank - %{p} preference: 3 the domain, 2 below it, 1 elsewhere */
static int
ctx_name_rank(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (strcasecmp(name, domain) == 0)
		return 3;
	if (n > d && name[n - d - 1] == '.' && strcasecmp(name + n - d, domain) == 0)
		return 2;
	return 1;
}

/*
 * ctx_validated - %{p} (section 7.3): a validated name of the client,
 * preferring <domain> itself, then a name below it; NULL for "unknown"
 */
static char *
ctx_validated(void *arg, const char *domain)
{
	struct mauth_spf_ctx *ctx = arg;
	struct mauth_dns_answer *ans = NULL;
	const char *best = NULL;
	int rank = 0;

	if (mauth_spf_ctx_ptr_lookup(ctx, &ans) == MAUTH_DNS_OK) {
		for (size_t i = 0; rank < 3 && i < ans->count &&
		    i < CTX_MAX_PTR_NAMES; i++) {
			if (ans->rr[i].type != MAUTH_DNS_T_PTR)
				continue;
			const char *name = ans->rr[i].u.name;
			int r = ctx_name_rank(name, domain);

			if (r > rank && mauth_spf_ctx_validates(ctx, name)) {
				best = name;
				rank = r;
			}
		}
	}
	char *p = best != NULL ? xstrdup(best) : NULL;
	mauth_dns_answer_free(&ans);
	return p;
}

int
mauth_spf_ctx_expand(struct mauth_spf_ctx *ctx, const char *domain,
    const char *text, unsigned flags, char **result_r, char **error_r)
{
	struct mauth_spf_macro_env env;

	memset(&env, 0, sizeof(env));
	env.sender = ctx->sender;
	env.local = ctx->local;
	env.sender_domain = ctx->sender_domain;
	env.domain = domain;
	env.ip = ctx->ip;
	env.helo = ctx->helo;
	env.receiver = ctx->opt != NULL ? ctx->opt->receiver : NULL;
	env.now = ctx->now;
	env.validated = ctx_validated;
	env.arg = ctx;
	return mauth_spf_macro_expand(&env, text, flags, result_r, error_r);
}

/* ctx_pick_record - section 4.5: the one TXT record that is SPF */
static enum mauth_spf_result
ctx_pick_record(struct mauth_spf_ctx *ctx, const char *domain,
    const struct mauth_dns_answer *ans, struct mauth_spf_record **rec_r,
    char **none_why)
{
	const struct mauth_dns_rr *found = NULL;
	size_t n = 0;
	char *error = NULL;

	for (size_t i = 0; i < ans->count; i++) {
		const struct mauth_dns_rr *rr = &ans->rr[i];

		if (rr->type == MAUTH_DNS_T_TXT &&
		    mauth_spf_record_is_spf(rr->u.txt.data, rr->u.txt.len)) {
			found = rr;
			n++;
		}
	}
	if (n == 0) {
		*none_why = xasprintf("no v=spf1 record among the %zu TXT records "
		    "of %s", ans->count, domain);
		return MAUTH_SPF_NONE;
	}
	if (n > 1) {
		ctx_fail(ctx, MAUTH_SPF_PERMERROR, "%s: %zu TXT records start with "
		    "v=spf1, one is allowed (RFC 7208 section 4.5)", domain, n);
		return MAUTH_SPF_PERMERROR;
	}
	if (mauth_spf_record_parse(found->u.txt.data, found->u.txt.len, rec_r,
	    &error) < 0) {
		ctx_fail(ctx, MAUTH_SPF_PERMERROR, "%s: %s", domain, error);
		free(error);
		return MAUTH_SPF_PERMERROR;
	}
	return MAUTH_SPF_NONE;
}

enum mauth_spf_result
mauth_spf_ctx_record(struct mauth_spf_ctx *ctx, const char *domain,
    struct mauth_spf_record **rec_r, char **none_why)
{
	struct mauth_dns_answer *ans = NULL;
	enum mauth_spf_result r = MAUTH_SPF_NONE;
	char *error = NULL;

	*rec_r = NULL;
	*none_why = NULL;
	/* Section 4.3: a malformed or single-label <domain> gives none. */
	char *norm = mauth_dns_name_normalise(domain, &error);
	if (norm == NULL || strchr(norm, '.') == NULL) {
		*none_why = xasprintf("\"%s\" is not a fully qualified domain "
		    "name: %s (RFC 7208 section 4.3)", domain,
		    error != NULL ? error : "a single label");
		free(error);
		free(norm);
		return MAUTH_SPF_NONE;
	}
	free(norm);
	enum mauth_dns_status st = mauth_spf_ctx_lookup(ctx, domain,
	    MAUTH_DNS_T_TXT, &ans);
	switch (st) {
	case MAUTH_DNS_OK:
		r = ctx_pick_record(ctx, domain, ans, rec_r, none_why);
		break;
	case MAUTH_DNS_NXDOMAIN:
	case MAUTH_DNS_NODATA:
	case MAUTH_DNS_INVALID:
		*none_why = xasprintf("no SPF record at %s (%s)", domain,
		    mauth_dns_status_name(st));
		break;
	default:
		r = MAUTH_SPF_TEMPERROR;
		if (ctx->expired)
			ctx_fail(ctx, r, "%s: time limit of %u ms exceeded (RFC "
			    "7208 section 4.6.4)", domain, ctx->time_limit_ms);
		else
			ctx_fail(ctx, r, "%s: TXT lookup: %s%s%s", domain,
			    mauth_dns_status_name(st), ans->why ? ": " : "",
			    ans->why ? ans->why : "");
		break;
	}
	mauth_dns_answer_free(&ans);
	return r;
}

/* ctx_exp_text - section 6.2: the expanded exp= text, or NULL */
static char *
ctx_exp_text(struct mauth_spf_ctx *ctx, const char *domain, const char *spec)
{
	struct mauth_dns_answer *ans = NULL;
	char *name = NULL, *text = NULL, *error = NULL;

	if (mauth_spf_ctx_expand(ctx, domain, spec, MAUTH_SPF_MACRO_DOMAIN,
	    &name, &error) < 0)
		goto out;
	/* One TXT record, as one string without NULs, or no explanation. */
	if (mauth_spf_ctx_lookup(ctx, name, MAUTH_DNS_T_TXT, &ans) != MAUTH_DNS_OK ||
	    ans->count != 1 || ans->rr[0].type != MAUTH_DNS_T_TXT ||
	    strlen(ans->rr[0].u.txt.data) != ans->rr[0].u.txt.len)
		goto out;
	if (mauth_spf_ctx_expand(ctx, domain, ans->rr[0].u.txt.data,
	    MAUTH_SPF_MACRO_EXP, &text, &error) < 0)
		text = NULL;
out:
	free(error);
	free(name);
	mauth_dns_answer_free(&ans);
	return text;
}

char *
mauth_spf_ctx_explain(struct mauth_spf_ctx *ctx, const char *domain,
    const char *spec)
{
	const char *def = ctx->opt != NULL && ctx->opt->default_explanation ?
	    ctx->opt->default_explanation : CTX_DEFAULT_EXPLANATION;
	char *text = spec != NULL ? ctx_exp_text(ctx, domain, spec) : NULL;
	char *error = NULL;

	if (text != NULL)
		return text;
	if (mauth_spf_ctx_expand(ctx, domain, def, MAUTH_SPF_MACRO_EXP, &text,
	    &error) < 0) {
		/* A default that is not a macro-string is shown as it is. */
		free(error);
		text = xstrdup(def);
	}
	return text;
}
