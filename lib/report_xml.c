/*
 * report_xml.c - aggregate report XML (RFC 9990 section 2.1 and its
 * schema; RFC 7489 appendix C) and gzip (RFC 1952)
 *
 * The element order follows the schemas: xs:sequence parents (feedback,
 * policy_evaluated, auth_results, record; report_metadata in RFC 7489)
 * in their order, xs:all parents in the order the RFC tables list them.
 *
 * Ownership: see report_xml.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "buf.h"
#include "report_xml.h"
#include "xmalloc.h"

#define NS_RFC9990 "urn:ietf:params:xml:ns:dmarc-2.0"

struct xml {
	struct mauth_buf b;
	int depth;
	enum mauth_conf_report_format format;
};

static void
xml_text(struct mauth_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': mauth_buf_puts(b, "&amp;"); break;
		case '<': mauth_buf_puts(b, "&lt;"); break;
		case '>': mauth_buf_puts(b, "&gt;"); break;
		case '"': mauth_buf_puts(b, "&quot;"); break;
		default:
			mauth_buf_putc(b, c >= 0x20 && c < 0x7f ? (char)c : '?');
			break;
		}
	}
}

static void
xml_indent(struct xml *x)
{
	for (int i = 0; i < x->depth; i++)
		mauth_buf_puts(&x->b, "  ");
}

static void
xml_open(struct xml *x, const char *name)
{
	xml_indent(x);
	mauth_buf_printf(&x->b, "<%s>\n", name);
	x->depth++;
}

static void
xml_close(struct xml *x, const char *name)
{
	x->depth--;
	xml_indent(x);
	mauth_buf_printf(&x->b, "</%s>\n", name);
}

/* xml_elem - <name>text</name> on one line */
static void
xml_elem(struct xml *x, const char *name, const char *text)
{
	xml_indent(x);
	mauth_buf_printf(&x->b, "<%s>", name);
	xml_text(&x->b, text);
	mauth_buf_printf(&x->b, "</%s>\n", name);
}

static void
xml_elem_num(struct xml *x, const char *name, long long v)
{
	xml_indent(x);
	mauth_buf_printf(&x->b, "<%s>%lld</%s>\n", name, v, name);
}

static bool
rfc9990(const struct xml *x)
{
	return x->format == MAUTH_REPORT_FORMAT_RFC9990;
}

/* ------------------------------------------------------- header parts */

static void
xml_metadata(struct xml *x, const struct mauth_report_meta *m)
{
	xml_open(x, "report_metadata");
	xml_elem(x, "org_name", m->org_name);
	xml_elem(x, "email", m->email);
	if (m->extra_contact_info != NULL)
		xml_elem(x, "extra_contact_info", m->extra_contact_info);
	xml_elem(x, "report_id", m->report_id);
	xml_open(x, "date_range");
	xml_elem_num(x, "begin", m->period.begin);
	xml_elem_num(x, "end", m->period.end);
	xml_close(x, "date_range");
	if (rfc9990(x) && m->generator != NULL)
		xml_elem(x, "generator", m->generator);
	xml_close(x, "report_metadata");
}

static void
xml_policy(struct xml *x, const struct mauth_report_row *r)
{
	const char *const *c = (const char *const *)r->col;

	xml_open(x, "policy_published");
	xml_elem(x, "domain", c[MAUTH_REPORT_COL_POLICY_DOMAIN]);
	if (rfc9990(x))
		xml_elem(x, "discovery_method", c[MAUTH_REPORT_COL_DISCOVERY]);
	xml_elem(x, "p", c[MAUTH_REPORT_COL_P]);
	xml_elem(x, "sp", c[MAUTH_REPORT_COL_SP]);
	if (rfc9990(x))
		xml_elem(x, "np", c[MAUTH_REPORT_COL_NP]);
	xml_elem(x, "fo", c[MAUTH_REPORT_COL_FO]);
	xml_elem(x, "adkim", c[MAUTH_REPORT_COL_ADKIM]);
	xml_elem(x, "aspf", c[MAUTH_REPORT_COL_ASPF]);
	if (rfc9990(x))
		xml_elem(x, "testing", c[MAUTH_REPORT_COL_TESTING]);
	else
		xml_elem(x, "pct", c[MAUTH_REPORT_COL_PCT]);
	xml_close(x, "policy_published");
}

/* ------------------------------------------------------------ records */

/*
 * source_ip - as stored for RFC 9990 (RFC 3986 3.2.2 text); every IPv6
 * group written out for RFC 7489, whose schema pattern has no "::".
 */
static void
xml_source_ip(struct xml *x, const char *ip)
{
	struct in6_addr v6;
	char full[40];
	size_t len = 0;

	if (rfc9990(x) || strchr(ip, ':') == NULL ||
	    inet_pton(AF_INET6, ip, &v6) != 1) {
		xml_elem(x, "source_ip", ip);
		return;
	}
	for (int i = 0; i < 8; i++)
		len += (size_t)snprintf(full + len, sizeof(full) - len, "%s%x",
		    i ? ":" : "", (v6.s6_addr[2 * i] << 8) | v6.s6_addr[2 * i + 1]);
	xml_elem(x, "source_ip", full);
}

/* disposition - RFC 9990 says "pass" for passing mail under p != none */
static const char *
disposition(const struct xml *x, const struct mauth_report_row *policy,
    const struct mauth_report_row *g)
{
	const char *const *pc = (const char *const *)policy->col;
	const char *dis = g->col[MAUTH_REPORT_COL_DISPOSITION];

	if (!rfc9990(x) || strcmp(g->col[MAUTH_REPORT_COL_DMARC], "pass") != 0)
		return dis;
	/* the policy that would have applied: p for the domain, sp below it */
	const char *applies = strcmp(g->col[MAUTH_REPORT_COL_HEADER_FROM],
	    pc[MAUTH_REPORT_COL_POLICY_DOMAIN]) == 0 ? pc[MAUTH_REPORT_COL_P] :
	    pc[MAUTH_REPORT_COL_SP];
	return strcmp(applies, "none") != 0 ? "pass" : dis;
}

static void
xml_reason(struct xml *x, const char *type, const char *comment)
{
	static const char *const only9990[] = { "policy_test_mode", NULL };
	static const char *const only7489[] = { "sampled_out", "forwarded", NULL };
	const char *const *foreign = rfc9990(x) ? only7489 : only9990;
	char *note = NULL;

	for (size_t i = 0; foreign[i] != NULL; i++) {
		if (strcmp(type, foreign[i]) == 0) {
			note = *comment ? xasprintf("%s: %s", type, comment) :
			    xstrdup(type);
			type = "other";
			comment = note;
		}
	}
	xml_open(x, "reason");
	xml_elem(x, "type", type);
	if (*comment != '\0')
		xml_elem(x, "comment", comment);
	xml_close(x, "reason");
	free(note);
}

static void
xml_row(struct xml *x, const struct mauth_report_row *policy,
    const struct mauth_report_group *g)
{
	const char *const *c = (const char *const *)g->row->col;

	xml_open(x, "row");
	xml_source_ip(x, c[MAUTH_REPORT_COL_SOURCE_IP]);
	xml_elem_num(x, "count", (long long)g->count);
	xml_open(x, "policy_evaluated");
	xml_elem(x, "disposition", disposition(x, policy, g->row));
	xml_elem(x, "dkim", strcmp(c[MAUTH_REPORT_COL_DKIM_ALIGNED], "1") == 0 ?
	    "pass" : "fail");
	xml_elem(x, "spf", strcmp(c[MAUTH_REPORT_COL_SPF_ALIGNED], "1") == 0 ?
	    "pass" : "fail");
	if (*c[MAUTH_REPORT_COL_OVERRIDE] != '\0')
		xml_reason(x, c[MAUTH_REPORT_COL_OVERRIDE],
		    c[MAUTH_REPORT_COL_OVERRIDE_COMMENT]);
	xml_close(x, "policy_evaluated");
	xml_close(x, "row");
}

static void
xml_identifiers(struct xml *x, const struct mauth_report_row *r)
{
	const char *const *c = (const char *const *)r->col;

	xml_open(x, "identifiers");
	xml_elem(x, "header_from", c[MAUTH_REPORT_COL_HEADER_FROM]);
	/* RFC 9990: may be present but empty for a null reverse-path */
	xml_elem(x, "envelope_from", c[MAUTH_REPORT_COL_ENVELOPE_FROM]);
	if (*c[MAUTH_REPORT_COL_ENVELOPE_TO] != '\0')
		xml_elem(x, "envelope_to", c[MAUTH_REPORT_COL_ENVELOPE_TO]);
	xml_close(x, "identifiers");
}

/* dkim_rank - RFC 9990 2.1.x: strictly aligned passes first, then relaxed, other passes, the rest */
static int
dkim_rank(const struct mauth_report_dkim *k, const char *header_from)
{
	if (strcmp(k->result, "pass") != 0)
		return 3;
	if (!k->aligned)
		return 2;
	return strcasecmp(k->domain, header_from) == 0 ? 0 : 1;
}

static void
xml_dkim(struct xml *x, const struct mauth_report_dkim *k)
{
	xml_open(x, "dkim");
	xml_elem(x, "domain", k->domain);
	xml_elem(x, "selector", k->selector);
	xml_elem(x, "result", k->result);
	if (k->human_result != NULL && *k->human_result != '\0')
		xml_elem(x, "human_result", k->human_result);
	xml_close(x, "dkim");
}

static void
xml_spf(struct xml *x, const char *const *c)
{
	bool mfrom = strcmp(c[MAUTH_REPORT_COL_SPF_SCOPE], "mfrom") == 0;

	if (rfc9990(x) && *c[MAUTH_REPORT_COL_SPF_DOMAIN] == '\0')
		return;		/* no SPF result: the element is optional */
	xml_open(x, "spf");
	xml_elem(x, "domain", c[MAUTH_REPORT_COL_SPF_DOMAIN]);
	/* RFC 9990 knows only "mfrom"; a HELO check is reported without scope */
	if (!rfc9990(x) || mfrom)
		xml_elem(x, "scope", c[MAUTH_REPORT_COL_SPF_SCOPE]);
	xml_elem(x, "result", c[MAUTH_REPORT_COL_SPF_RESULT]);
	xml_close(x, "spf");
}

static int
xml_auth_results(struct xml *x, const struct mauth_report_row *r, char **error_r)
{
	const char *const *c = (const char *const *)r->col;
	struct mauth_report_dkim *sigs = NULL;
	size_t n = 0, written = 0;

	if (mauth_report_dkim_decode(c[MAUTH_REPORT_COL_DKIM], &sigs, &n, error_r) < 0)
		return -1;
	xml_open(x, "auth_results");
	for (int rank = 0; rank <= 3; rank++)
		for (size_t i = 0; i < n && written < MAUTH_REPORT_MAX_DKIM; i++)
			if (dkim_rank(&sigs[i], c[MAUTH_REPORT_COL_HEADER_FROM]) == rank) {
				xml_dkim(x, &sigs[i]);
				written++;
			}
	xml_spf(x, c);
	xml_close(x, "auth_results");
	mauth_report_dkim_free(&sigs, n);
	return 0;
}

char *
mauth_report_xml(const struct mauth_report_meta *meta,
    const struct mauth_report_row *policy,
    const struct mauth_report_group *groups, size_t ngroups, char **error_r)
{
	struct xml x = { MAUTH_BUF_INIT, 0, meta->format };

	mauth_buf_puts(&x.b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	if (rfc9990(&x))
		mauth_buf_puts(&x.b, "<feedback xmlns=\"" NS_RFC9990 "\">\n");
	else
		mauth_buf_puts(&x.b, "<feedback>\n");
	x.depth = 1;
	xml_elem(&x, "version", "1.0");
	xml_metadata(&x, meta);
	xml_policy(&x, policy);
	for (size_t i = 0; i < ngroups; i++) {
		xml_open(&x, "record");
		xml_row(&x, policy, &groups[i]);
		xml_identifiers(&x, groups[i].row);
		if (xml_auth_results(&x, groups[i].row, error_r) < 0) {
			mauth_buf_free(&x.b);
			return NULL;
		}
		xml_close(&x, "record");
	}
	mauth_buf_puts(&x.b, "</feedback>\n");
	return mauth_buf_steal(&x.b);
}

int
mauth_report_gzip(const void *data, size_t len, unsigned char **out_r,
    size_t *outlen_r, char **error_r)
{
	z_stream z = { 0 };
	size_t cap;
	unsigned char *out;
	int rc;

	/* windowBits 15 + 16: a gzip header and trailer, not zlib's */
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		*error_r = xstrdup("gzip: deflateInit2 failed");
		return -1;
	}
	cap = deflateBound(&z, (uLong)len);
	out = xmalloc(cap);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(out);
		*error_r = xasprintf("gzip: deflate failed (%d)", rc);
		return -1;
	}
	*out_r = out;
	*outlen_r = cap - z.avail_out;
	return 0;
}
