/*
 * report_dest.c - report destinations: rua= parsing, ReportIgnoreDomains,
 * and RFC 9990 section 3's check of external destinations
 *
 * Ownership: see report_dest.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_dest.h"
#include "xmalloc.h"

/* DNS names are at most 253 characters in text form (RFC 1035 2.3.4) */
#define DEST_NAME_MAX 253

struct dests {
	struct mauth_report_dest *v;
	size_t n;
};

static struct mauth_report_dest *
dest_add(struct dests *l, const char *address, uint64_t max_size)
{
	struct mauth_report_dest *d;
	const char *at = strrchr(address, '@');
	char *why = NULL;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	d = &l->v[l->n++];
	memset(d, 0, sizeof(*d));
	d->address = xstrdup(address);
	d->max_size = max_size;
	d->domain = at != NULL ? mauth_dns_name_normalise(at + 1, &why) : NULL;
	if (d->domain == NULL) {
		d->domain = xstrdup("");
		d->status = MAUTH_REPORT_DEST_UNAUTHORISED;
		d->why = xasprintf("%s: not an address with a domain%s%s", address,
		    why ? ": " : "", why ? why : "");
	}
	free(why);
	return d;
}

bool
mauth_report_domain_listed(const char *const *list, const char *domain)
{
	size_t dl = strlen(domain);

	for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
		size_t l = strlen(list[i]);
		if (l > 0 && list[i][l - 1] == '.')
			l--;
		if (l == 0 || l > dl)
			continue;
		if (strncasecmp(domain + dl - l, list[i], l) == 0 &&
		    (dl == l || domain[dl - l - 1] == '.'))
			return true;
	}
	return false;
}

/* parse_rua - the row's "mailto:ADDR[!SIZE] ..." list */
static void
parse_rua(struct dests *l, const char *rua)
{
	const char *p = rua;

	while (*p != '\0') {
		size_t len = strcspn(p, " ");
		if (len > 7 && strncasecmp(p, "mailto:", 7) == 0) {
			char *uri = xstrndup(p + 7, len - 7);
			char *bang = strchr(uri, '!');
			uint64_t size = 0;
			if (bang != NULL) {
				*bang = '\0';
				size = strtoull(bang + 1, NULL, 10);
			}
			dest_add(l, uri, size);
			free(uri);
		}
		p += len;
		p += strspn(p, " ");
	}
}

/* ------------------------------------------------- external destinations */

static char *
trim(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return xstrndup(p, (size_t)(end - p));
}

/*
 * auth_record - is txt a DMARC tag list starting with v=DMARC1?  Its
 * rua= value, if any, into *rua_r (caller frees).
 */
static bool
auth_record(const char *txt, size_t len, char **rua_r)
{
	const char *p = txt, *end = txt + len;
	bool first = true;

	*rua_r = NULL;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi != NULL ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		char *name = eq != NULL ? trim(p, eq) : trim(p, stop);
		char *value = eq != NULL ? trim(eq + 1, stop) : xstrdup("");
		if (first && (strcmp(name, "v") != 0 || strcmp(value, "DMARC1") != 0)) {
			free(name);
			free(value);
			return false;
		}
		if (!first && strcasecmp(name, "rua") == 0 && *rua_r == NULL)
			*rua_r = xstrdup(value);
		first = false;
		free(name);
		free(value);
		p = stop + (stop < end);
	}
	return !first;
}

/*
 * override - the confirming record's rua= (RFC 9990 3, step 9): it
 * replaces d when all its mailto: hosts are d's; else nothing is sent.
 */
static void
override(struct dests *l, size_t i, const char *rua)
{
	struct dests o = { NULL, 0 };
	char *list = xstrdup(rua);

	for (char *p = list; *p != '\0';) {
		size_t len = strcspn(p, ",");
		char *uri = trim(p, p + len);
		if (strncasecmp(uri, "mailto:", 7) == 0) {
			char *bang = strchr(uri, '!');
			if (bang != NULL)
				*bang = '\0';
			dest_add(&o, uri + 7, 0);
		}
		free(uri);
		p += len + (p[len] == ',');
	}
	free(list);
	for (size_t k = 0; k < o.n; k++) {
		if (strcmp(o.v[k].domain, l->v[i].domain) != 0) {
			l->v[i].status = MAUTH_REPORT_DEST_UNAUTHORISED;
			l->v[i].why = xasprintf("the authorising record's rua= "
			    "sends to %s, another host: not sent to either",
			    o.v[k].address);
			mauth_report_dests_free(&o.v, o.n);
			return;
		}
	}
	for (size_t k = 0; k < o.n; k++) {
		if (k == 0) {
			free(l->v[i].address);
			l->v[i].address = xstrdup(o.v[0].address);
		} else {
			dest_add(l, o.v[k].address, 0)->external = true;
		}
	}
	mauth_report_dests_free(&o.v, o.n);
}

/* verify - RFC 9990 3 steps 1-8 for destination i */
static void
verify(struct mauth_dns *dns, const char *policy_domain, struct dests *l,
    size_t i)
{
	struct mauth_report_dest *d = &l->v[i];
	char *name = xasprintf("%s._report._dmarc.%s", policy_domain, d->domain);
	struct mauth_dns_answer *ans = NULL;
	enum mauth_dns_status st;
	char *rua = NULL;
	bool ok = false;

	if (strlen(name) > DEST_NAME_MAX) {
		d->status = MAUTH_REPORT_DEST_UNAUTHORISED;
		d->why = xasprintf("%s is longer than a DNS name may be", name);
		free(name);
		return;
	}
	st = mauth_dns_lookup(dns, name, MAUTH_DNS_T_TXT, &ans);
	for (size_t k = 0; st == MAUTH_DNS_OK && k < ans->count && !ok; k++) {
		if (ans->rr[k].type == MAUTH_DNS_T_TXT)
			ok = auth_record(ans->rr[k].u.txt.data, ans->rr[k].u.txt.len, &rua);
	}
	if (ok && rua != NULL)
		override(l, i, rua);
	else if (!ok && (st == MAUTH_DNS_OK || st == MAUTH_DNS_NXDOMAIN ||
	    st == MAUTH_DNS_NODATA)) {
		l->v[i].status = MAUTH_REPORT_DEST_UNAUTHORISED;
		l->v[i].why = xasprintf("external destination not authorised: "
		    "no v=DMARC1 record at %s", name);
	} else if (!ok) {
		l->v[i].status = MAUTH_REPORT_DEST_TEMPERROR;
		l->v[i].why = xasprintf("%s: %s; try again later", name,
		    mauth_dns_status_name(st));
	}
	free(rua);
	mauth_dns_answer_free(&ans);
	free(name);
}

void
mauth_report_dests(struct mauth_dns *dns, enum mauth_dmarc_mode mode,
    const struct mauth_dmarc_psl *psl, const char *policy_domain,
    const char *rua, const char *const *ignore,
    struct mauth_report_dest **dests_r, size_t *n_r)
{
	struct mauth_dmarc_discover *disc = mauth_dmarc_discover_new(dns, mode, psl);
	struct dests l = { NULL, 0 };
	char *porg = NULL, *why = NULL;
	size_t n0;

	parse_rua(&l, rua);
	n0 = l.n;
	if (mauth_dmarc_discover_org_domain(disc, policy_domain, &porg, &why) < 0)
		porg = NULL;
	for (size_t i = 0; i < n0; i++) {
		struct mauth_report_dest *d = &l.v[i];
		char *org = NULL, *w = NULL;
		if (d->status != MAUTH_REPORT_DEST_OK)
			continue;
		if (mauth_report_domain_listed(ignore, d->domain)) {
			d->status = MAUTH_REPORT_DEST_IGNORED;
			d->why = xasprintf("ReportIgnoreDomains lists %s", d->domain);
		} else if (porg == NULL || mauth_dmarc_discover_org_domain(disc,
		    d->domain, &org, &w) < 0) {
			d->status = MAUTH_REPORT_DEST_TEMPERROR;
			d->why = xasprintf("Organizational Domain: %s; try again later",
			    w != NULL ? w : why);
		} else if (strcmp(org, porg) != 0) {
			d->external = true;
			verify(dns, policy_domain, &l, i);
		}
		free(org);
		free(w);
	}
	free(porg);
	free(why);
	mauth_dmarc_discover_free(&disc);
	*dests_r = l.v;
	*n_r = l.n;
}

void
mauth_report_dests_free(struct mauth_report_dest **dp, size_t n)
{
	struct mauth_report_dest *d = *dp;

	if (d == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(d[i].address);
		free(d[i].domain);
		free(d[i].why);
	}
	free(d);
	*dp = NULL;
}

const char *
mauth_report_dest_status_name(enum mauth_report_dest_status s)
{
	static const char *const names[] = {
		"ok", "unauthorised", "temperror", "ignored",
	};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}
