/*
 * spf_ctx.h - the state of one SPF check (internal to lib/spf_*.c)
 *
 * One context lives for one mauth_spf_check_host() call: the inputs of
 * check_host() (RFC 7208 section 4.1), the counters of section 4.6.4 that
 * include: and redirect= share, the time budget, and the first problem
 * met.  The helpers here do what mechanisms, %{p} and exp= have in common:
 * time-limited DNS lookups, macro expansion, PTR validation (section 5.5),
 * record selection (section 4.5) and explanations (section 6.2).
 *
 * Ownership: the context owns the strings it makes; mauth_spf_ctx_clear()
 * frees them.  Strings returned are malloc'd for the caller.
 */
#ifndef MAUTH_SPF_CTX_H
#define MAUTH_SPF_CTX_H

#include <stdarg.h>
#include <stdbool.h>
#include <time.h>

#include "dns.h"
#include "ip.h"
#include "spf.h"
#include "spf_record.h"

struct mauth_spf_ctx {
	struct mauth_dns *dns;
	const struct mauth_spf_options *opt;
	struct mauth_ip ip;		/* IPv4-mapped already unmapped (section 5) */
	char *sender;			/* local@domain */
	char *local;
	char *sender_domain;
	const char *helo;
	time_t now;
	struct timespec deadline;	/* CLOCK_MONOTONIC */
	unsigned time_limit_ms;
	bool expired;			/* a lookup was refused: out of time */
	unsigned terms;			/* DNS-querying terms so far */
	unsigned voids;			/* void lookups so far */
	enum mauth_spf_result err;	/* temperror/permerror that ended the check */
	char *problem;			/* the first error met, or NULL */
};

/* mauth_spf_ctx_init - fill ctx for check_host(ip, domain, sender) */
void mauth_spf_ctx_init(struct mauth_spf_ctx *ctx, struct mauth_dns *dns,
    const struct mauth_spf_options *opt, const struct mauth_ip *ip,
    const char *domain, const char *sender, const char *helo);
void mauth_spf_ctx_clear(struct mauth_spf_ctx *ctx);

/*
 * mauth_spf_ctx_vfail - note that the check ends with result; the first
 * problem is kept, later ones are consequences of it
 */
void mauth_spf_ctx_vfail(struct mauth_spf_ctx *ctx, enum mauth_spf_result result,
    const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/*
 * mauth_spf_ctx_lookup - mauth_dns_lookup() within the time budget; past
 * it, nothing is asked, *ans_r is NULL, ctx->expired is set and the status
 * is TIMEOUT.  The caller frees *ans_r with mauth_dns_answer_free().
 */
enum mauth_dns_status mauth_spf_ctx_lookup(struct mauth_spf_ctx *ctx,
    const char *name, uint16_t type, struct mauth_dns_answer **ans_r);

/* mauth_spf_ctx_expand - expand a macro-string with <domain> = domain */
int mauth_spf_ctx_expand(struct mauth_spf_ctx *ctx, const char *domain,
    const char *text, unsigned flags, char **result_r, char **error_r);

/* mauth_spf_ctx_ptr_lookup - the PTR records of the client's reverse name */
enum mauth_dns_status mauth_spf_ctx_ptr_lookup(struct mauth_spf_ctx *ctx,
    struct mauth_dns_answer **ans_r);

/*
 * mauth_spf_ctx_validates - section 5.5: does name have an address
 * record (A or AAAA, as the client) equal to the client's address?  DNS
 * errors give false ("that domain name is skipped").
 */
bool mauth_spf_ctx_validates(struct mauth_spf_ctx *ctx, const char *name);

/*
 * mauth_spf_ctx_record - sections 4.3 - 4.5: the SPF record of domain.
 * Returns MAUTH_SPF_NONE with *rec_r set when there is one (the result
 * is then decided by the caller); NONE with *rec_r NULL and *none_why set
 * when there is none; TEMPERROR or PERMERROR with the problem noted.
 */
enum mauth_spf_result mauth_spf_ctx_record(struct mauth_spf_ctx *ctx,
    const char *domain, struct mauth_spf_record **rec_r, char **none_why);

/*
 * mauth_spf_ctx_explain - section 6.2: the explanation of a fail from
 * the record of domain with exp= spec (NULL: none); every problem with it
 * falls back to the default explanation.  Never NULL.
 */
char *mauth_spf_ctx_explain(struct mauth_spf_ctx *ctx, const char *domain,
    const char *spec);

#endif
