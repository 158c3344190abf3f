/*
 * spf_eval.c - check_host() of RFC 7208 section 4 on lib/dns
 *
 * One evaluation walks the record of <domain> (section 4.4, 4.5), every
 * mechanism in order (section 5), then redirect= (section 6.1); include:
 * and redirect= recurse with the same counters, so the limits of section
 * 4.6.4 hold for the whole check: 10 DNS-querying terms, 10 MX names per
 * mx, 10 PTR names per ptr or %{p}, 2 void lookups, and a wall-clock
 * budget.  DNS statuses decide the verdict as the RFC says: TIMEOUT,
 * SERVFAIL and ERROR are temperror; NXDOMAIN and NODATA are "nothing
 * there" (void lookups); a name that cannot be queried (INVALID: an empty
 * or over-long label after macro expansion) simply does not match.
 *
 * What counts as a void lookup: the one query that a/mx/ptr/exists makes
 * for its target-name (section 4.6.4).  The address lookups of MX and PTR
 * names are not counted: an IPv6 client checked against IPv4-only MX
 * hosts would otherwise hit the limit with a correct record.
 *
 * The explanation (section 6.2) is fetched only for a fail, only from the
 * record whose mechanism failed (never an include:d one), and any problem
 * with it means "use the default explanation".
 *
 * Ownership: the outcome's strings are malloc'd; mauth_spf_outcome_clear()
 * frees them.  No state survives a call.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "spf.h"
#include "spf_ctx.h"
#include "spf_macro.h"
#include "spf_record.h"
#include "xmalloc.h"

#define SPF_MAX_TERMS 10	/* DNS-querying terms, section 4.6.4 */
#define SPF_MAX_NAMES 10	/* MX / PTR names per term, section 4.6.4 */
#define SPF_MAX_VOID 2		/* void lookups, section 4.6.4 */

/* What a mechanism did: matched, did not, or ended the check (ev->err) */
enum spf_match {
	SPF_NOMATCH = 0,
	SPF_MATCH,
	SPF_STOP,
};

struct spf_verdict {
	enum mauth_spf_result result;
	char *mechanism;	/* matching term, or NULL */
	char *explanation;	/* fail only */
	char *none_why;		/* none only: why there is no record */
};

static void
spf_verdict_clear(struct spf_verdict *v)
{
	free(v->mechanism);
	free(v->explanation);
	free(v->none_why);
	memset(v, 0, sizeof(*v));
}

/* spf_stop - end the check with result (temperror / permerror) and why */
static enum spf_match
spf_stop(struct mauth_spf_ctx *ev, enum mauth_spf_result result, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum spf_match
spf_stop(struct mauth_spf_ctx *ev, enum mauth_spf_result result, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mauth_spf_ctx_vfail(ev, result, fmt, ap);
	va_end(ap);
	return SPF_STOP;
}

static bool
spf_dns_failed(enum mauth_dns_status st)
{
	return st == MAUTH_DNS_TIMEOUT || st == MAUTH_DNS_SERVFAIL ||
	    st == MAUTH_DNS_ERROR;
}

static enum spf_match
spf_dns_stop(struct mauth_spf_ctx *ev, const char *domain, const char *term,
    const char *name, uint16_t type, enum mauth_dns_status st)
{
	if (ev->expired)
		return spf_stop(ev, MAUTH_SPF_TEMPERROR, "%s: %s: time limit of "
		    "%u ms exceeded (RFC 7208 section 4.6.4)", domain, term,
		    ev->time_limit_ms);
	return spf_stop(ev, MAUTH_SPF_TEMPERROR, "%s: %s: %s lookup of %s: %s",
	    domain, term, mauth_dns_type_name(type), name,
	    mauth_dns_status_name(st));
}

/* spf_count_term - one more DNS-querying term (section 4.6.4) */
static enum spf_match
spf_count_term(struct mauth_spf_ctx *ev, const char *domain, const char *term)
{
	if (++ev->terms > SPF_MAX_TERMS)
		return spf_stop(ev, MAUTH_SPF_PERMERROR, "%s: %s: more than %d "
		    "DNS-querying terms (RFC 7208 section 4.6.4)", domain, term,
		    SPF_MAX_TERMS);
	return SPF_NOMATCH;
}

/* spf_count_void - NXDOMAIN / NODATA for a term's query (section 4.6.4) */
static enum spf_match
spf_count_void(struct mauth_spf_ctx *ev, const char *domain, const char *term,
    enum mauth_dns_status st)
{
	if (st != MAUTH_DNS_NXDOMAIN && st != MAUTH_DNS_NODATA)
		return SPF_NOMATCH;
	if (++ev->voids > SPF_MAX_VOID)
		return spf_stop(ev, MAUTH_SPF_PERMERROR, "%s: %s: more than %d "
		    "void lookups (RFC 7208 section 4.6.4)", domain, term,
		    SPF_MAX_VOID);
	return SPF_NOMATCH;
}

/* spf_target - the term's target-name: its domain-spec expanded, or <domain> */
static enum spf_match
spf_target(struct mauth_spf_ctx *ev, const char *domain, const char *term,
    const char *spec, char **name_r)
{
	char *error = NULL;

	if (spec == NULL) {
		*name_r = xstrdup(domain);
		return SPF_NOMATCH;
	}
	if (mauth_spf_ctx_expand(ev, domain, spec, MAUTH_SPF_MACRO_DOMAIN, name_r,
	    &error) < 0) {
		spf_stop(ev, MAUTH_SPF_PERMERROR, "%s: %s: %s", domain, term, error);
		free(error);
		return SPF_STOP;
	}
	return SPF_NOMATCH;
}

/* spf_addr_match - does any address in ans lie in ip/bits? */
static bool
spf_addr_match(const struct mauth_spf_ctx *ev, const struct mauth_dns_answer *ans,
    unsigned bits)
{
	for (size_t i = 0; ans != NULL && i < ans->count; i++) {
		const struct mauth_dns_rr *rr = &ans->rr[i];
		struct mauth_ip net;

		memset(&net, 0, sizeof(net));
		if (rr->type == MAUTH_DNS_T_A) {
			net.family = AF_INET;
			memcpy(net.addr, &rr->u.a, 4);
		} else if (rr->type == MAUTH_DNS_T_AAAA) {
			net.family = AF_INET6;
			memcpy(net.addr, &rr->u.aaaa, 16);
		} else {
			continue;
		}
		if (mauth_ip_prefix_match(&ev->ip, &net, bits))
			return true;
	}
	return false;
}

/* mech_a - section 5.3; also the address step of mx (section 5.4) */
static enum spf_match
mech_a(struct mauth_spf_ctx *ev, const char *domain, const struct mauth_spf_term *t)
{
	bool v6 = ev->ip.family == AF_INET6;
	uint16_t type = v6 ? MAUTH_DNS_T_AAAA : MAUTH_DNS_T_A;
	struct mauth_dns_answer *ans = NULL;
	char *name = NULL;
	enum spf_match m;

	if ((m = spf_target(ev, domain, t->text, t->domain_spec, &name)) != SPF_NOMATCH)
		return m;
	enum mauth_dns_status st = mauth_spf_ctx_lookup(ev, name, type, &ans);
	if (spf_dns_failed(st))
		m = spf_dns_stop(ev, domain, t->text, name, type, st);
	else if (st == MAUTH_DNS_OK)
		m = spf_addr_match(ev, ans, v6 ? t->cidr6 : t->cidr4) ?
		    SPF_MATCH : SPF_NOMATCH;
	else
		m = spf_count_void(ev, domain, t->text, st);
	mauth_dns_answer_free(&ans);
	free(name);
	return m;
}

/* mx_host - the addresses of one exchange; errors end the check */
static enum spf_match
mx_host(struct mauth_spf_ctx *ev, const char *domain, const struct mauth_spf_term *t,
    const char *host)
{
	bool v6 = ev->ip.family == AF_INET6;
	uint16_t type = v6 ? MAUTH_DNS_T_AAAA : MAUTH_DNS_T_A;
	struct mauth_dns_answer *ans = NULL;
	enum spf_match m = SPF_NOMATCH;

	/* RFC 7505 null MX ("."): no host to look up. */
	if (*host == '\0')
		return SPF_NOMATCH;
	enum mauth_dns_status st = mauth_spf_ctx_lookup(ev, host, type, &ans);
	if (spf_dns_failed(st))
		m = spf_dns_stop(ev, domain, t->text, host, type, st);
	else if (st == MAUTH_DNS_OK && spf_addr_match(ev, ans, v6 ? t->cidr6 : t->cidr4))
		m = SPF_MATCH;
	mauth_dns_answer_free(&ans);
	return m;
}

/* mech_mx - section 5.4: more than 10 MX names is a permerror (4.6.4) */
static enum spf_match
mech_mx(struct mauth_spf_ctx *ev, const char *domain, const struct mauth_spf_term *t)
{
	struct mauth_dns_answer *ans = NULL;
	char *name = NULL;
	enum spf_match m;

	if ((m = spf_target(ev, domain, t->text, t->domain_spec, &name)) != SPF_NOMATCH)
		return m;
	enum mauth_dns_status st = mauth_spf_ctx_lookup(ev, name, MAUTH_DNS_T_MX, &ans);
	if (spf_dns_failed(st)) {
		m = spf_dns_stop(ev, domain, t->text, name, MAUTH_DNS_T_MX, st);
	} else if (st != MAUTH_DNS_OK) {
		m = spf_count_void(ev, domain, t->text, st);
	} else if (ans->count > SPF_MAX_NAMES) {
		m = spf_stop(ev, MAUTH_SPF_PERMERROR, "%s: %s: %s has %zu MX "
		    "records, more than %d (RFC 7208 section 4.6.4)", domain,
		    t->text, name, ans->count, SPF_MAX_NAMES);
	} else {
		for (size_t i = 0; m == SPF_NOMATCH && i < ans->count; i++)
			if (ans->rr[i].type == MAUTH_DNS_T_MX)
				m = mx_host(ev, domain, t, ans->rr[i].u.mx.exchange);
	}
	mauth_dns_answer_free(&ans);
	free(name);
	return m;
}

/* spf_name_under - is name equal to or a subdomain of target (any case)? */
static bool
spf_name_under(const char *name, const char *target)
{
	size_t n = strlen(name), t = strlen(target);

	if (t > 0 && target[t - 1] == '.')
		t--;
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n < t || strncasecmp(name + n - t, target, t) != 0)
		return false;
	return n == t || name[n - t - 1] == '.';
}

/* mech_ptr - section 5.5: a DNS error on the PTR lookup is "no match" */
static enum spf_match
mech_ptr(struct mauth_spf_ctx *ev, const char *domain, const struct mauth_spf_term *t)
{
	struct mauth_dns_answer *ans = NULL;
	char *target = NULL;
	enum spf_match m;

	if ((m = spf_target(ev, domain, t->text, t->domain_spec, &target)) != SPF_NOMATCH)
		return m;
	enum mauth_dns_status st = mauth_spf_ctx_ptr_lookup(ev, &ans);
	if (ev->expired)
		m = spf_dns_stop(ev, domain, t->text, "the client", MAUTH_DNS_T_PTR, st);
	else if (st == MAUTH_DNS_NXDOMAIN || st == MAUTH_DNS_NODATA)
		m = spf_count_void(ev, domain, t->text, st);
	for (size_t i = 0; st == MAUTH_DNS_OK && m == SPF_NOMATCH &&
	    i < ans->count && i < SPF_MAX_NAMES; i++) {
		const char *ptr = ans->rr[i].u.name;

		if (ans->rr[i].type != MAUTH_DNS_T_PTR)
			continue;
		if (spf_name_under(ptr, target) && mauth_spf_ctx_validates(ev, ptr))
			m = SPF_MATCH;
		if (ev->expired)
			m = spf_dns_stop(ev, domain, t->text, ptr,
			    ev->ip.family == AF_INET6 ? MAUTH_DNS_T_AAAA :
			    MAUTH_DNS_T_A, MAUTH_DNS_TIMEOUT);
	}
	mauth_dns_answer_free(&ans);
	free(target);
	return m;
}

/* mech_exists - section 5.7: an A query, whatever the client's family */
static enum spf_match
mech_exists(struct mauth_spf_ctx *ev, const char *domain, const struct mauth_spf_term *t)
{
	struct mauth_dns_answer *ans = NULL;
	char *name = NULL;
	enum spf_match m;

	if ((m = spf_target(ev, domain, t->text, t->domain_spec, &name)) != SPF_NOMATCH)
		return m;
	enum mauth_dns_status st = mauth_spf_ctx_lookup(ev, name, MAUTH_DNS_T_A, &ans);
	if (spf_dns_failed(st))
		m = spf_dns_stop(ev, domain, t->text, name, MAUTH_DNS_T_A, st);
	else if (st == MAUTH_DNS_OK)
		m = SPF_MATCH;
	else
		m = spf_count_void(ev, domain, t->text, st);
	mauth_dns_answer_free(&ans);
	free(name);
	return m;
}

static void spf_check(struct mauth_spf_ctx *ev, const char *domain, bool want_exp,
    struct spf_verdict *v);

/* mech_include - section 5.2: pass matches; none is a permerror */
static enum spf_match
mech_include(struct mauth_spf_ctx *ev, const char *domain, const struct mauth_spf_term *t)
{
	struct spf_verdict sub;
	char *target = NULL;
	enum spf_match m;

	if ((m = spf_target(ev, domain, t->text, t->domain_spec, &target)) != SPF_NOMATCH)
		return m;
	memset(&sub, 0, sizeof(sub));
	spf_check(ev, target, false, &sub);
	switch (sub.result) {
	case MAUTH_SPF_PASS:
		m = SPF_MATCH;
		break;
	case MAUTH_SPF_FAIL:
	case MAUTH_SPF_SOFTFAIL:
	case MAUTH_SPF_NEUTRAL:
		m = SPF_NOMATCH;
		break;
	case MAUTH_SPF_NONE:
		m = spf_stop(ev, MAUTH_SPF_PERMERROR, "%s: %s: %s (an include "
		    "target without SPF record is a permerror, RFC 7208 section "
		    "5.2)", domain, t->text, sub.none_why);
		break;
	case MAUTH_SPF_TEMPERROR:
	case MAUTH_SPF_PERMERROR:
		ev->err = sub.result;
		m = SPF_STOP;
		break;
	}
	spf_verdict_clear(&sub);
	free(target);
	return m;
}

static enum spf_match
spf_mechanism(struct mauth_spf_ctx *ev, const char *domain, const struct mauth_spf_term *t)
{
	switch (t->mech) {
	case MAUTH_SPF_MECH_ALL:
		return SPF_MATCH;
	case MAUTH_SPF_MECH_IP4:
	case MAUTH_SPF_MECH_IP6:
		/* IPv4-mapped clients were unmapped: they match ip4 only. */
		return mauth_ip_prefix_match(&ev->ip, &t->net,
		    t->mech == MAUTH_SPF_MECH_IP4 ? t->cidr4 : t->cidr6) ?
		    SPF_MATCH : SPF_NOMATCH;
	default:
		break;
	}
	if (spf_count_term(ev, domain, t->text) == SPF_STOP)
		return SPF_STOP;
	switch (t->mech) {
	case MAUTH_SPF_MECH_INCLUDE:
		return mech_include(ev, domain, t);
	case MAUTH_SPF_MECH_A:
		return mech_a(ev, domain, t);
	case MAUTH_SPF_MECH_MX:
		return mech_mx(ev, domain, t);
	case MAUTH_SPF_MECH_PTR:
		return mech_ptr(ev, domain, t);
	case MAUTH_SPF_MECH_EXISTS:
		return mech_exists(ev, domain, t);
	default:
		return SPF_NOMATCH;
	}
}

/* spf_redirect - section 6.1: the target's result, none being a permerror */
static void
spf_redirect(struct mauth_spf_ctx *ev, const char *domain,
    const struct mauth_spf_record *rec, bool want_exp, struct spf_verdict *v)
{
	char *term = xasprintf("redirect=%s", rec->redirect);
	char *target = NULL;

	if (spf_count_term(ev, domain, term) == SPF_STOP ||
	    spf_target(ev, domain, term, rec->redirect, &target) == SPF_STOP) {
		v->result = ev->err;
		free(term);
		return;
	}
	spf_check(ev, target, want_exp, v);
	if (v->result == MAUTH_SPF_NONE) {
		spf_stop(ev, MAUTH_SPF_PERMERROR, "%s: %s: %s (RFC 7208 section "
		    "6.1)", domain, term, v->none_why);
		spf_verdict_clear(v);
		v->result = MAUTH_SPF_PERMERROR;
	}
	free(target);
	free(term);
}

/*
 * spf_check - check_host() for one domain; include: asks without
 * explanation, redirect= passes its caller's wish on
 */
static void
spf_check(struct mauth_spf_ctx *ev, const char *domain, bool want_exp,
    struct spf_verdict *v)
{
	struct mauth_spf_record *rec = NULL;

	v->result = mauth_spf_ctx_record(ev, domain, &rec, &v->none_why);
	if (rec == NULL)
		return;
	for (size_t i = 0; i < rec->nterms; i++) {
		const struct mauth_spf_term *t = &rec->terms[i];
		enum spf_match m = spf_mechanism(ev, domain, t);

		if (m == SPF_STOP) {
			v->result = ev->err;
			goto out;
		}
		if (m == SPF_NOMATCH)
			continue;
		v->result = t->qualifier;
		v->mechanism = xstrdup(t->text);
		if (v->result == MAUTH_SPF_FAIL && want_exp)
			v->explanation = mauth_spf_ctx_explain(ev, domain, rec->exp);
		goto out;
	}
	if (rec->redirect != NULL)
		spf_redirect(ev, domain, rec, want_exp, v);
	else
		v->result = MAUTH_SPF_NEUTRAL;	/* section 4.7 */
out:
	mauth_spf_record_free(&rec);
}

enum mauth_spf_result
mauth_spf_check_host(struct mauth_dns *dns, const struct mauth_spf_options *opt,
    const struct mauth_ip *ip, const char *domain, const char *sender,
    const char *helo, struct mauth_spf_outcome *out)
{
	struct mauth_spf_ctx ev;
	struct spf_verdict v;

	memset(out, 0, sizeof(*out));
	memset(&v, 0, sizeof(v));
	mauth_spf_ctx_init(&ev, dns, opt, ip, domain, sender, helo);
	out->sender = xstrdup(ev.sender);
	out->domain = xstrdup(domain);
	spf_check(&ev, domain, true, &v);
	out->result = v.result;
	out->mechanism = v.mechanism;
	out->explanation = v.explanation;
	if (v.result == MAUTH_SPF_NONE) {
		out->problem = v.none_why;
		free(ev.problem);
	} else {
		out->problem = ev.problem;
		free(v.none_why);
	}
	ev.problem = NULL;
	out->dns_terms = ev.terms;
	out->void_lookups = ev.voids;
	mauth_spf_ctx_clear(&ev);
	return out->result;
}
