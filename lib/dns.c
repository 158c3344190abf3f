/*
 * dns.c - resolver front end: name checks, answers, counters
 *
 * The front end validates and normalises every query name before any
 * backend sees it, so a name with an empty or over-long label is reported
 * as MAUTH_DNS_INVALID the same way whichever backend is in use.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "xmalloc.h"

struct mauth_dns *
mauth_dns_new(const struct mauth_dns_ops *ops, void *backend)
{
	struct mauth_dns *dns = xcalloc(1, sizeof(*dns));

	dns->ops = ops;
	dns->backend = backend;
	atomic_init(&dns->stats.queries, 0);
	atomic_init(&dns->stats.timeouts, 0);
	atomic_init(&dns->stats.failures, 0);
	atomic_init(&dns->stats.cache_hits, 0);
	return dns;
}

void
mauth_dns_free(struct mauth_dns **dnsp)
{
	struct mauth_dns *dns = *dnsp;

	if (dns == NULL)
		return;
	if (dns->ops->free != NULL)
		dns->ops->free(dns->backend);
	free(dns);
	*dnsp = NULL;
}

char *
mauth_dns_name_normalise(const char *name, char **error_r)
{
	size_t len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0) {
		*error_r = xstrdup("empty domain name");
		return NULL;
	}
	if (len > 253) {
		*error_r = xasprintf("domain name of %zu octets (limit 253)", len);
		return NULL;
	}
	char *norm = xmemdup(name, len);
	size_t label = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || norm[i] == '.') {
			if (label == 0 || label > 63) {
				*error_r = label == 0 ?
				    xasprintf("empty label in domain name \"%s\"", norm) :
				    xasprintf("label of %zu octets (limit 63) in \"%s\"", label, norm);
				free(norm);
				return NULL;
			}
			label = 0;
			continue;
		}
		if (norm[i] >= 'A' && norm[i] <= 'Z')
			norm[i] = (char)(norm[i] - 'A' + 'a');
		label++;
	}
	return norm;
}

enum mauth_dns_status
mauth_dns_lookup(struct mauth_dns *dns, const char *name, uint16_t type,
    struct mauth_dns_answer **answer_r)
{
	struct mauth_dns_answer *ans = xcalloc(1, sizeof(*ans));
	char *error = NULL;

	*answer_r = ans;
	ans->qname = mauth_dns_name_normalise(name, &error);
	if (ans->qname == NULL) {
		ans->qname = xstrdup(name);
		ans->canonname = xstrdup(name);
		ans->status = MAUTH_DNS_INVALID;
		ans->why = error;
		return ans->status;
	}
	atomic_fetch_add(&dns->stats.queries, 1);
	ans->status = dns->ops->lookup(dns->backend, ans->qname, type, ans);
	if (ans->canonname == NULL)
		ans->canonname = xstrdup(ans->qname);
	/* A backend that says OK must have records, and records only with OK. */
	if (ans->status == MAUTH_DNS_OK && ans->count == 0)
		ans->status = MAUTH_DNS_NODATA;
	if (ans->cached)
		atomic_fetch_add(&dns->stats.cache_hits, 1);
	if (ans->status == MAUTH_DNS_TIMEOUT)
		atomic_fetch_add(&dns->stats.timeouts, 1);
	else if (ans->status == MAUTH_DNS_SERVFAIL || ans->status == MAUTH_DNS_ERROR)
		atomic_fetch_add(&dns->stats.failures, 1);
	return ans->status;
}

struct mauth_dns_rr *
mauth_dns_answer_add(struct mauth_dns_answer *ans, uint16_t type)
{
	ans->rr = xreallocarray(ans->rr, ans->count + 1, sizeof(*ans->rr));
	struct mauth_dns_rr *rr = &ans->rr[ans->count++];

	memset(rr, 0, sizeof(*rr));
	rr->type = type;
	return rr;
}

void
mauth_dns_rr_copy(struct mauth_dns_rr *dst, const struct mauth_dns_rr *src)
{
	*dst = *src;
	switch (src->type) {
	case MAUTH_DNS_T_MX:
		dst->u.mx.exchange = xstrdup(src->u.mx.exchange);
		break;
	case MAUTH_DNS_T_PTR:
	case MAUTH_DNS_T_CNAME:
	case MAUTH_DNS_T_NS:
		dst->u.name = xstrdup(src->u.name);
		break;
	case MAUTH_DNS_T_TXT:
		dst->u.txt.data = xmemdup(src->u.txt.data, src->u.txt.len);
		break;
	default:
		break;
	}
}

void
mauth_dns_rr_clear(struct mauth_dns_rr *rr)
{
	switch (rr->type) {
	case MAUTH_DNS_T_MX:
		free(rr->u.mx.exchange);
		break;
	case MAUTH_DNS_T_PTR:
	case MAUTH_DNS_T_CNAME:
	case MAUTH_DNS_T_NS:
		free(rr->u.name);
		break;
	case MAUTH_DNS_T_TXT:
		free(rr->u.txt.data);
		break;
	default:
		break;
	}
	memset(rr, 0, sizeof(*rr));
}

void
mauth_dns_answer_free(struct mauth_dns_answer **ansp)
{
	struct mauth_dns_answer *ans = *ansp;

	if (ans == NULL)
		return;
	for (size_t i = 0; i < ans->count; i++)
		mauth_dns_rr_clear(&ans->rr[i]);
	free(ans->rr);
	free(ans->qname);
	free(ans->canonname);
	free(ans->why);
	free(ans);
	*ansp = NULL;
}

static const struct {
	uint16_t type;
	const char *name;
} dns_types[] = {
	{ MAUTH_DNS_T_A, "A" },
	{ MAUTH_DNS_T_NS, "NS" },
	{ MAUTH_DNS_T_CNAME, "CNAME" },
	{ MAUTH_DNS_T_SOA, "SOA" },
	{ MAUTH_DNS_T_PTR, "PTR" },
	{ MAUTH_DNS_T_MX, "MX" },
	{ MAUTH_DNS_T_TXT, "TXT" },
	{ MAUTH_DNS_T_AAAA, "AAAA" },
};

const char *
mauth_dns_type_name(uint16_t type)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (dns_types[i].type == type)
			return dns_types[i].name;
	return NULL;
}

uint16_t
mauth_dns_type_parse(const char *text)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (strcasecmp(dns_types[i].name, text) == 0)
			return dns_types[i].type;
	return 0;
}

const char *
mauth_dns_status_name(enum mauth_dns_status status)
{
	switch (status) {
	case MAUTH_DNS_OK:
		return "NOERROR";
	case MAUTH_DNS_NODATA:
		return "NODATA";
	case MAUTH_DNS_NXDOMAIN:
		return "NXDOMAIN";
	case MAUTH_DNS_SERVFAIL:
		return "SERVFAIL";
	case MAUTH_DNS_TIMEOUT:
		return "TIMEOUT";
	case MAUTH_DNS_ERROR:
		return "ERROR";
	case MAUTH_DNS_INVALID:
		return "INVALID";
	}
	return "UNKNOWN";
}

const char *
mauth_dns_security_name(enum mauth_dns_security sec)
{
	switch (sec) {
	case MAUTH_DNS_SEC_UNKNOWN:
		return "unknown";
	case MAUTH_DNS_SEC_INSECURE:
		return "insecure";
	case MAUTH_DNS_SEC_SECURE:
		return "secure";
	case MAUTH_DNS_SEC_BOGUS:
		return "bogus";
	}
	return "unknown";
}
