/*
 * dmarc_discover.c - DMARC policy discovery and Organizational Domains
 * (RFC 9989 3.2.13, 4.10, 4.10.1, 4.10.2; RFC 7489 3.2, 6.6.3)
 *
 * Every _dmarc lookup made for one message goes through a small cache in
 * the discover object, because the walks for the author domain and for
 * each authenticated identifier overlap (a.example.com and
 * mail.example.com both end in _dmarc.example.com and _dmarc.com).
 *
 * Ownership: see dmarc_discover.h.  A discover object is used by one
 * thread; the PSL it points to is read-only and shared.
 */
#include "config.h"

#include <libpsl.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dmarc_discover.h"
#include "xmalloc.h"

struct mauth_dmarc_psl {
	psl_ctx_t *ctx;
};

struct mauth_dmarc_discover {
	struct mauth_dns *dns;
	enum mauth_dmarc_mode mode;
	const struct mauth_dmarc_psl *psl;
	struct mauth_dmarc_lookup **cache;
	size_t ncache;
	unsigned queries;
};

/* ------------------------------------------------------------------ PSL */

struct mauth_dmarc_psl *
mauth_dmarc_psl_load(const char *file, char **error_r)
{
	psl_ctx_t *ctx = file != NULL ? psl_load_file(file) : psl_latest(NULL);

	if (ctx == NULL) {
		*error_r = file != NULL ?
		    xasprintf("cannot load the Public Suffix List from %s", file) :
		    xstrdup("cannot load a Public Suffix List (libpsl)");
		return NULL;
	}
	/* libpsl takes any text as rules: a list without "com" is not one */
	int rules = psl_suffix_count(ctx);	/* -1: unknown (DAFSA) */
	if (!psl_is_public_suffix2(ctx, "com", PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) ||
	    (rules >= 0 && rules < 100)) {
		psl_free(ctx);
		*error_r = xasprintf("%s does not look like a Public Suffix List"
		    " (it lacks \"com\" or has under 100 rules)",
		    file != NULL ? file : "libpsl's list");
		return NULL;
	}
	struct mauth_dmarc_psl *psl = xmalloc(sizeof(*psl));
	psl->ctx = ctx;
	return psl;
}

void
mauth_dmarc_psl_free(struct mauth_dmarc_psl **pslp)
{
	if (*pslp == NULL)
		return;
	psl_free((*pslp)->ctx);
	free(*pslp);
	*pslp = NULL;
}

char *
mauth_dmarc_psl_org_domain(const struct mauth_dmarc_psl *psl, const char *domain)
{
	if (psl == NULL)	/* misuse: no list loaded; every name stands alone */
		return xstrdup(domain);
	const char *reg = psl_registrable_domain(psl->ctx, domain);

	/* no registrable part: the name is a public suffix itself */
	return xstrdup(reg != NULL ? reg : domain);
}

/* -------------------------------------------------------------- lookups */

bool
mauth_dmarc_lookup_temperror(const struct mauth_dmarc_lookup *l)
{
	return l->status == MAUTH_DNS_TIMEOUT || l->status == MAUTH_DNS_SERVFAIL ||
	    l->status == MAUTH_DNS_ERROR;
}

static void
lookup_free(struct mauth_dmarc_lookup *l)
{
	free(l->domain);
	mauth_dmarc_record_free(&l->record);
	free(l->problem);
	free(l);
}

/* sort the TXT records of one answer (RFC 9989 4.10 steps 1-2) */
static void
lookup_records(struct mauth_dmarc_discover *d, struct mauth_dmarc_lookup *l,
    const struct mauth_dns_answer *ans)
{
	struct mauth_dmarc_record *rec = NULL;
	char *error = NULL;

	for (size_t i = 0; i < ans->count; i++) {
		struct mauth_dmarc_record *r = NULL;
		char *e = NULL;
		enum mauth_dmarc_record_status st = mauth_dmarc_record_parse(
		    ans->rr[i].u.txt.data, ans->rr[i].u.txt.len, d->mode, &r, &e);
		if (st == MAUTH_DMARC_RECORD_NOT_DMARC) {
			free(e);
			continue;
		}
		if (++l->ndmarc > 1) {
			mauth_dmarc_record_free(&r);
			free(e);
			continue;
		}
		l->rstatus = st;
		rec = r;
		error = e;
	}
	if (l->ndmarc > 1) {
		mauth_dmarc_record_free(&rec);
		free(error);
		l->problem = xasprintf("_dmarc.%s has %u DMARC records;"
		    " all discarded", l->domain, l->ndmarc);
	} else if (l->ndmarc == 1 && rec == NULL) {
		l->problem = xasprintf("_dmarc.%s: invalid DMARC record: %s",
		    l->domain, error);
		free(error);
	} else {
		l->record = rec;
	}
}

const struct mauth_dmarc_lookup *
mauth_dmarc_discover_lookup(struct mauth_dmarc_discover *d, const char *domain)
{
	struct mauth_dns_answer *ans = NULL;

	for (size_t i = 0; i < d->ncache; i++) {
		if (strcmp(d->cache[i]->domain, domain) == 0)
			return d->cache[i];
	}
	struct mauth_dmarc_lookup *l = xcalloc(1, sizeof(*l));
	l->domain = xstrdup(domain);
	char *qname = xasprintf("_dmarc.%s", domain);
	l->status = mauth_dns_lookup(d->dns, qname, MAUTH_DNS_T_TXT, &ans);
	if (l->status != MAUTH_DNS_INVALID)	/* invalid names are not sent */
		d->queries++;
	if (l->status == MAUTH_DNS_OK)
		lookup_records(d, l, ans);
	else if (mauth_dmarc_lookup_temperror(l))
		l->problem = xasprintf("_dmarc.%s: DNS %s%s%s", domain,
		    mauth_dns_status_name(l->status), ans->why ? ": " : "",
		    ans->why ? ans->why : "");
	mauth_dns_answer_free(&ans);
	free(qname);
	d->cache = xreallocarray(d->cache, d->ncache + 1, sizeof(*d->cache));
	d->cache[d->ncache++] = l;
	return l;
}

/* ---------------------------------------------------------------- walks */

static size_t
count_labels(const char *name)
{
	size_t n = 1;

	for (; *name; name++)
		n += *name == '.';
	return n;
}

/* the last n labels of name (n <= its label count) */
static const char *
last_labels(const char *name, size_t n)
{
	size_t skip = count_labels(name) - n;

	while (skip-- > 0)
		name = strchr(name, '.') + 1;
	return name;
}

/*
 * RFC 9989 4.10.2: pick the Organizational Domain from the records the
 * walk found, longest name first: psd=n is it; psd=y (not at the start)
 * makes the name one label below it; else the record with the fewest
 * labels; with no record, the start itself.
 */
static char *
walk_org_domain(const char *start, const struct mauth_dmarc_walk *w)
{
	const struct mauth_dmarc_lookup *last = NULL;
	size_t last_i = 0;

	for (size_t i = 0; i < w->nsteps; i++) {
		if (w->step[i]->record != NULL) {
			last = w->step[i];
			last_i = i;
		}
	}
	if (last == NULL)
		return xstrdup(start);
	if (last->record->psd == MAUTH_DMARC_PSD_Y && last_i > 0) {
		return xstrdup(last_labels(start,
		    count_labels(last->domain) + 1));
	}
	/* psd=n, or the fewest labels (the walk goes upwards) */
	return xstrdup(last->domain);
}

void
mauth_dmarc_discover_walk(struct mauth_dmarc_discover *d, const char *domain,
    struct mauth_dmarc_walk *w)
{
	const char *target = domain;

	memset(w, 0, sizeof(*w));
	for (;;) {
		const struct mauth_dmarc_lookup *l =
		    mauth_dmarc_discover_lookup(d, target);
		w->step[w->nsteps++] = l;
		if (mauth_dmarc_lookup_temperror(l)) {
			w->failed = true;
			return;
		}
		if (l->record != NULL && l->record->psd != MAUTH_DMARC_PSD_U)
			break;
		size_t x = count_labels(target);
		if (x == 1 || w->nsteps == MAUTH_DMARC_WALK_MAX)
			break;
		/* step 4: from 8 or more labels straight to the last 7 */
		target = last_labels(target, x >= 8 ? 7 : x - 1);
	}
	w->org_domain = walk_org_domain(domain, w);
}

void
mauth_dmarc_walk_clear(struct mauth_dmarc_walk *w)
{
	free(w->org_domain);
	memset(w, 0, sizeof(*w));
}

/* ------------------------------------------------------------ discovery */

static enum mauth_dmarc_found
found(struct mauth_dmarc_discovery *out, const struct mauth_dmarc_lookup *l)
{
	out->status = MAUTH_DMARC_FOUND;
	out->record = l->record;
	out->policy_domain = xstrdup(l->domain);
	return out->status;
}

static enum mauth_dmarc_found
not_found(struct mauth_dmarc_discovery *out, enum mauth_dmarc_found st,
    const char *problem)
{
	out->status = st;
	if (problem != NULL && out->problem == NULL)
		out->problem = xstrdup(problem);
	return st;
}

/* RFC 9989 4.10.1 */
static enum mauth_dmarc_found
policy_treewalk(struct mauth_dmarc_discover *d, const char *author,
    struct mauth_dmarc_discovery *out)
{
	const struct mauth_dmarc_lookup *l0 = mauth_dmarc_discover_lookup(d, author);
	struct mauth_dmarc_walk w;

	if (mauth_dmarc_lookup_temperror(l0))
		return not_found(out, MAUTH_DMARC_FOUND_TEMPERROR, l0->problem);
	if (l0->record != NULL) {
		/* a psd tag stops the walk here: the author is its own org */
		if (l0->record->psd != MAUTH_DMARC_PSD_U)
			out->org_domain = xstrdup(author);
		return found(out, l0);
	}
	mauth_dmarc_discover_walk(d, author, &w);
	if (w.failed) {
		not_found(out, MAUTH_DMARC_FOUND_TEMPERROR,
		    w.step[w.nsteps - 1]->problem);
		mauth_dmarc_walk_clear(&w);
		return out->status;
	}
	out->org_domain = xstrdup(w.org_domain);
	const struct mauth_dmarc_lookup *org = NULL, *psd = NULL;
	for (size_t i = 0; i < w.nsteps; i++) {
		const struct mauth_dmarc_lookup *l = w.step[i];
		if (l->record != NULL && strcmp(l->domain, w.org_domain) == 0)
			org = l;
		if (l->record != NULL && l->record->psd == MAUTH_DMARC_PSD_Y)
			psd = l;
	}
	mauth_dmarc_walk_clear(&w);
	if (org != NULL)
		return found(out, org);
	if (psd != NULL)
		return found(out, psd);
	/* an unusable record at the author domain is an error; elsewhere
	 * it is just not a "valid DMARC Policy Record" (4.10.2) */
	if (l0->ndmarc == 1)
		return not_found(out, MAUTH_DMARC_FOUND_PERMERROR, l0->problem);
	return not_found(out, MAUTH_DMARC_FOUND_NONE, l0->problem);
}

/* RFC 7489 6.6.3 steps 1-5, one name */
static int
policy_psl_step(const struct mauth_dmarc_lookup *l,
    struct mauth_dmarc_discovery *out)
{
	if (mauth_dmarc_lookup_temperror(l))
		return not_found(out, MAUTH_DMARC_FOUND_TEMPERROR, l->problem);
	if (l->ndmarc > 1)
		return not_found(out, MAUTH_DMARC_FOUND_NONE, l->problem);
	if (l->ndmarc == 1 && l->record == NULL)
		return not_found(out, MAUTH_DMARC_FOUND_PERMERROR, l->problem);
	if (l->record != NULL)
		return found(out, l);
	return -1;	/* nothing here */
}

static enum mauth_dmarc_found
policy_psl(struct mauth_dmarc_discover *d, const char *author,
    struct mauth_dmarc_discovery *out)
{
	int st = policy_psl_step(mauth_dmarc_discover_lookup(d, author), out);

	out->org_domain = mauth_dmarc_psl_org_domain(d->psl, author);
	if (st >= 0)
		return out->status;
	if (strcmp(out->org_domain, author) != 0) {
		st = policy_psl_step(mauth_dmarc_discover_lookup(d,
		    out->org_domain), out);
		if (st >= 0)
			return out->status;
	}
	return not_found(out, MAUTH_DMARC_FOUND_NONE, NULL);
}

enum mauth_dmarc_found
mauth_dmarc_discover_policy(struct mauth_dmarc_discover *d, const char *author,
    struct mauth_dmarc_discovery *out)
{
	memset(out, 0, sizeof(*out));
	if (d->mode == MAUTH_DMARC_MODE_RFC7489)
		return policy_psl(d, author, out);
	return policy_treewalk(d, author, out);
}

void
mauth_dmarc_discovery_clear(struct mauth_dmarc_discovery *out)
{
	free(out->policy_domain);
	free(out->org_domain);
	free(out->problem);
	memset(out, 0, sizeof(*out));
}

int
mauth_dmarc_discover_org_domain(struct mauth_dmarc_discover *d,
    const char *domain, char **org_r, char **problem_r)
{
	struct mauth_dmarc_walk w;

	if (d->mode == MAUTH_DMARC_MODE_RFC7489) {
		*org_r = mauth_dmarc_psl_org_domain(d->psl, domain);
		return 0;
	}
	mauth_dmarc_discover_walk(d, domain, &w);
	if (w.failed) {
		*problem_r = xstrdup(w.step[w.nsteps - 1]->problem);
		mauth_dmarc_walk_clear(&w);
		return -1;
	}
	*org_r = w.org_domain;
	w.org_domain = NULL;
	mauth_dmarc_walk_clear(&w);
	return 0;
}

int
mauth_dmarc_discover_exists(struct mauth_dmarc_discover *d, const char *domain,
    char **problem_r)
{
	struct mauth_dns_answer *ans = NULL;

	/* _dmarc.<domain> answered (even NODATA): <domain> exists (RFC 8020) */
	for (size_t i = 0; i < d->ncache; i++) {
		const struct mauth_dmarc_lookup *l = d->cache[i];
		if (strcmp(l->domain, domain) == 0 &&
		    (l->status == MAUTH_DNS_OK || l->status == MAUTH_DNS_NODATA))
			return 1;
	}
	d->queries++;
	enum mauth_dns_status st = mauth_dns_lookup(d->dns, domain,
	    MAUTH_DNS_T_A, &ans);
	int rc = st == MAUTH_DNS_NXDOMAIN ? 0 : 1;
	if (st == MAUTH_DNS_TIMEOUT || st == MAUTH_DNS_SERVFAIL ||
	    st == MAUTH_DNS_ERROR) {
		*problem_r = xasprintf("%s: DNS %s", domain,
		    mauth_dns_status_name(st));
		rc = -1;
	}
	mauth_dns_answer_free(&ans);
	return rc;
}

/* ------------------------------------------------------------- objects */

struct mauth_dmarc_discover *
mauth_dmarc_discover_new(struct mauth_dns *dns, enum mauth_dmarc_mode mode,
    const struct mauth_dmarc_psl *psl)
{
	struct mauth_dmarc_discover *d = xcalloc(1, sizeof(*d));

	d->dns = dns;
	d->mode = mode;
	d->psl = psl;
	return d;
}

void
mauth_dmarc_discover_free(struct mauth_dmarc_discover **dp)
{
	struct mauth_dmarc_discover *d = *dp;

	if (d == NULL)
		return;
	for (size_t i = 0; i < d->ncache; i++)
		lookup_free(d->cache[i]);
	free(d->cache);
	free(d);
	*dp = NULL;
}

unsigned
mauth_dmarc_discover_queries(const struct mauth_dmarc_discover *d)
{
	return d->queries;
}

enum mauth_dmarc_mode
mauth_dmarc_discover_mode(const struct mauth_dmarc_discover *d)
{
	return d->mode;
}

const char *
mauth_dmarc_method_name(enum mauth_dmarc_mode mode)
{
	return mode == MAUTH_DMARC_MODE_RFC7489 ? "psl" : "treewalk";
}
