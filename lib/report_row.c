/*
 * report_row.c - aggregate-report rows: built from a DMARC outcome,
 * written to and read from spool lines, DKIM column encoding
 *
 * The column table below is the one list of what a row holds; the SQL
 * schema, INSERT statements and spool lines all walk it in order.
 *
 * Ownership: see report_row.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"
#include "report_row.h"
#include "xmalloc.h"

static const struct {
	const char *name;
	bool is_int;
} report_cols[MAUTH_REPORT_NCOLS] = {
	[MAUTH_REPORT_COL_ID] = { "id", false },
	[MAUTH_REPORT_COL_TIME] = { "t", true },
	[MAUTH_REPORT_COL_REPORTER] = { "reporter", false },
	[MAUTH_REPORT_COL_MESSAGE_ID] = { "message_id", false },
	[MAUTH_REPORT_COL_POLICY_DOMAIN] = { "policy_domain", false },
	[MAUTH_REPORT_COL_HEADER_FROM] = { "header_from", false },
	[MAUTH_REPORT_COL_SOURCE_IP] = { "source_ip", false },
	[MAUTH_REPORT_COL_ENVELOPE_FROM] = { "envelope_from", false },
	[MAUTH_REPORT_COL_ENVELOPE_TO] = { "envelope_to", false },
	[MAUTH_REPORT_COL_P] = { "p", false },
	[MAUTH_REPORT_COL_SP] = { "sp", false },
	[MAUTH_REPORT_COL_NP] = { "np", false },
	[MAUTH_REPORT_COL_ADKIM] = { "adkim", false },
	[MAUTH_REPORT_COL_ASPF] = { "aspf", false },
	[MAUTH_REPORT_COL_TESTING] = { "testing", false },
	[MAUTH_REPORT_COL_FO] = { "fo", false },
	[MAUTH_REPORT_COL_PCT] = { "pct", true },
	[MAUTH_REPORT_COL_RUA] = { "rua", false },
	[MAUTH_REPORT_COL_DISCOVERY] = { "discovery", false },
	[MAUTH_REPORT_COL_SPF_DOMAIN] = { "spf_domain", false },
	[MAUTH_REPORT_COL_SPF_SCOPE] = { "spf_scope", false },
	[MAUTH_REPORT_COL_SPF_RESULT] = { "spf_result", false },
	[MAUTH_REPORT_COL_DKIM] = { "dkim", false },
	[MAUTH_REPORT_COL_DMARC] = { "dmarc", false },
	[MAUTH_REPORT_COL_SPF_ALIGNED] = { "spf_aligned", true },
	[MAUTH_REPORT_COL_DKIM_ALIGNED] = { "dkim_aligned", true },
	[MAUTH_REPORT_COL_DISPOSITION] = { "disposition", false },
	[MAUTH_REPORT_COL_OVERRIDE] = { "override", false },
	[MAUTH_REPORT_COL_OVERRIDE_COMMENT] = { "override_comment", false },
};

const char *
mauth_report_col_name(enum mauth_report_col c)
{
	return (unsigned)c < MAUTH_REPORT_NCOLS ? report_cols[c].name : "?";
}

bool
mauth_report_col_is_int(enum mauth_report_col c)
{
	return (unsigned)c < MAUTH_REPORT_NCOLS && report_cols[c].is_int;
}

/* ---------------------------------------------------------------- rows */

struct mauth_report_row *
mauth_report_row_new(void)
{
	struct mauth_report_row *row = xcalloc(1, sizeof(*row));

	for (size_t i = 0; i < MAUTH_REPORT_NCOLS; i++)
		row->col[i] = xstrdup(mauth_report_col_is_int(i) ? "0" : "");
	return row;
}

void
mauth_report_row_set(struct mauth_report_row *row, enum mauth_report_col c,
    const char *value)
{
	free(row->col[c]);
	row->col[c] = xstrdup(value != NULL ? value : "");
}

/* row_take - like _set, taking ownership of value */
static void
row_take(struct mauth_report_row *row, enum mauth_report_col c, char *value)
{
	free(row->col[c]);
	row->col[c] = value;
}

struct mauth_report_row *
mauth_report_row_dup(const struct mauth_report_row *row)
{
	struct mauth_report_row *copy = xcalloc(1, sizeof(*copy));

	for (size_t i = 0; i < MAUTH_REPORT_NCOLS; i++)
		copy->col[i] = xstrdup(row->col[i]);
	return copy;
}

void
mauth_report_row_free(struct mauth_report_row **rowp)
{
	struct mauth_report_row *row = *rowp;

	if (row == NULL)
		return;
	for (size_t i = 0; i < MAUTH_REPORT_NCOLS; i++)
		free(row->col[i]);
	free(row);
	*rowp = NULL;
}

void
mauth_report_row_id(char buf[33])
{
	unsigned char raw[16];

	arc4random_buf(raw, sizeof(raw));
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(buf + 2 * i, 3, "%02x", raw[i]);
}

/* rua_text - the mailto: URIs of rua, "mailto:ADDR[!SIZE]" space-separated */
static char *
rua_text(const struct mauth_dmarc_record *rec)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	mauth_buf_puts(&b, "");
	for (size_t i = 0; i < rec->nrua; i++) {
		const struct mauth_dmarc_uri *u = &rec->rua[i];
		if (u->address == NULL || strcmp(u->scheme, "mailto") != 0)
			continue;
		mauth_buf_printf(&b, "%smailto:%s", b.len ? " " : "", u->address);
		if (u->max_size > 0)
			mauth_buf_printf(&b, "!%llu", (unsigned long long)u->max_size);
	}
	return mauth_buf_steal(&b);
}

/* row_policy - the published policy columns (RFC 9990 policy_published) */
static void
row_policy(struct mauth_report_row *row, const struct mauth_dmarc_record *rec)
{
	mauth_report_row_set(row, MAUTH_REPORT_COL_P, mauth_dmarc_policy_name(rec->p));
	mauth_report_row_set(row, MAUTH_REPORT_COL_SP, mauth_dmarc_policy_name(rec->sp));
	mauth_report_row_set(row, MAUTH_REPORT_COL_NP, mauth_dmarc_policy_name(rec->np));
	mauth_report_row_set(row, MAUTH_REPORT_COL_ADKIM,
	    rec->adkim == MAUTH_DMARC_ALIGN_STRICT ? "s" : "r");
	mauth_report_row_set(row, MAUTH_REPORT_COL_ASPF,
	    rec->aspf == MAUTH_DMARC_ALIGN_STRICT ? "s" : "r");
	mauth_report_row_set(row, MAUTH_REPORT_COL_TESTING, rec->testing ? "y" : "n");
	mauth_report_row_set(row, MAUTH_REPORT_COL_FO, rec->fo ? rec->fo : "0");
	row_take(row, MAUTH_REPORT_COL_PCT, xasprintf("%u", rec->pct));
	row_take(row, MAUTH_REPORT_COL_RUA, rua_text(rec));
}

/* row_auth - SPF and DKIM results as evaluated, and their alignment */
static void
row_auth(struct mauth_report_row *row, const struct mauth_dmarc_outcome *o)
{
	mauth_report_row_set(row, MAUTH_REPORT_COL_SPF_DOMAIN, o->spf_domain);
	mauth_report_row_set(row, MAUTH_REPORT_COL_SPF_SCOPE,
	    o->spf_scope == MAUTH_SPF_SCOPE_HELO ? "helo" : "mfrom");
	mauth_report_row_set(row, MAUTH_REPORT_COL_SPF_RESULT,
	    mauth_spf_result_name(o->spf_result));
	row_take(row, MAUTH_REPORT_COL_DKIM, mauth_report_dkim_encode(o->dkim, o->ndkim));
	mauth_report_row_set(row, MAUTH_REPORT_COL_SPF_ALIGNED, o->spf_aligned ? "1" : "0");
	mauth_report_row_set(row, MAUTH_REPORT_COL_DKIM_ALIGNED, o->dkim_aligned ? "1" : "0");
}

struct mauth_report_row *
mauth_report_row_from_outcome(const struct mauth_dmarc_outcome *o,
    const struct mauth_report_row_info *info)
{
	struct mauth_report_row *row = mauth_report_row_new();
	char id[33], ip[MAUTH_IP_STRLEN] = "";

	mauth_report_row_id(id);
	mauth_report_row_set(row, MAUTH_REPORT_COL_ID, id);
	row_take(row, MAUTH_REPORT_COL_TIME, xasprintf("%lld", (long long)info->time));
	mauth_report_row_set(row, MAUTH_REPORT_COL_REPORTER, info->reporter);
	mauth_report_row_set(row, MAUTH_REPORT_COL_MESSAGE_ID, info->message_id);
	mauth_report_row_set(row, MAUTH_REPORT_COL_POLICY_DOMAIN, o->policy_domain);
	mauth_report_row_set(row, MAUTH_REPORT_COL_HEADER_FROM, o->header_from);
	if (o->has_source_ip)
		mauth_ip_format(&o->source_ip, ip, sizeof(ip));
	mauth_report_row_set(row, MAUTH_REPORT_COL_SOURCE_IP, ip);
	mauth_report_row_set(row, MAUTH_REPORT_COL_ENVELOPE_FROM, o->envelope_from);
	mauth_report_row_set(row, MAUTH_REPORT_COL_ENVELOPE_TO,
	    o->nenvelope_to > 0 ? o->envelope_to[0] : NULL);
	if (o->record != NULL)
		row_policy(row, o->record);
	mauth_report_row_set(row, MAUTH_REPORT_COL_DISCOVERY,
	    mauth_dmarc_method_name(o->method));
	row_auth(row, o);
	mauth_report_row_set(row, MAUTH_REPORT_COL_DMARC,
	    mauth_dmarc_result_name(o->result));
	mauth_report_row_set(row, MAUTH_REPORT_COL_DISPOSITION,
	    mauth_dmarc_policy_name(o->disposition));
	if (o->override != MAUTH_DMARC_OVERRIDE_NONE)
		mauth_report_row_set(row, MAUTH_REPORT_COL_OVERRIDE,
		    mauth_dmarc_override_name(o->override));
	mauth_report_row_set(row, MAUTH_REPORT_COL_OVERRIDE_COMMENT,
	    o->override_comment);
	return row;
}

/* ---------------------------------------------------------- spool lines */

static void
spool_escape(struct mauth_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\\': mauth_buf_puts(b, "\\\\"); break;
		case '\t': mauth_buf_puts(b, "\\t"); break;
		case '\n': mauth_buf_puts(b, "\\n"); break;
		case '\r': mauth_buf_puts(b, "\\r"); break;
		default: mauth_buf_putc(b, *s); break;
		}
	}
}

static unsigned long
spool_crc(const char *p, size_t len)
{
	return crc32(crc32(0L, Z_NULL, 0), (const Bytef *)p, (uInt)len);
}

char *
mauth_report_row_spool_line(const struct mauth_report_row *row)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	mauth_buf_puts(&b, MAUTH_REPORT_SPOOL_TAG);
	for (size_t i = 0; i < MAUTH_REPORT_NCOLS; i++) {
		mauth_buf_putc(&b, '\t');
		spool_escape(&b, row->col[i]);
	}
	mauth_buf_printf(&b, "\t%08lx\n", spool_crc(b.data, b.len));
	return mauth_buf_steal(&b);
}

/* spool_unescape - field [p, end) into a new string; NULL for a bad escape */
static char *
spool_unescape(const char *p, const char *end)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	mauth_buf_puts(&b, "");
	for (; p < end; p++) {
		if (*p != '\\') {
			mauth_buf_putc(&b, *p);
			continue;
		}
		if (++p == end)
			goto bad;
		switch (*p) {
		case '\\': mauth_buf_putc(&b, '\\'); break;
		case 't': mauth_buf_putc(&b, '\t'); break;
		case 'n': mauth_buf_putc(&b, '\n'); break;
		case 'r': mauth_buf_putc(&b, '\r'); break;
		default: goto bad;
		}
	}
	return mauth_buf_steal(&b);
bad:
	mauth_buf_free(&b);
	return NULL;
}

/* spool_check - the line's frame: LF, CRC, tag; the end of the fields */
static const char *
spool_check(const char *line, size_t len, char **error_r)
{
	const char *tab;
	unsigned long want;
	char *endp;

	if (len == 0 || line[len - 1] != '\n') {
		*error_r = xstrdup("line not terminated (torn write)");
		return NULL;
	}
	tab = memrchr(line, '\t', len);
	if (tab == NULL || line + len - 1 - tab != 9) {
		*error_r = xstrdup("no checksum at the end of the line");
		return NULL;
	}
	want = strtoul(tab + 1, &endp, 16);
	if (endp != line + len - 1 || want != spool_crc(line, (size_t)(tab - line))) {
		*error_r = xstrdup("checksum mismatch (corrupt or torn line)");
		return NULL;
	}
	size_t taglen = strlen(MAUTH_REPORT_SPOOL_TAG);
	if ((size_t)(tab - line) < taglen + 1 ||
	    memcmp(line, MAUTH_REPORT_SPOOL_TAG "\t", taglen + 1) != 0) {
		*error_r = xasprintf("unknown line version \"%.*s\"",
		    (int)strcspn(line, "\t\n"), line);
		return NULL;
	}
	return tab;
}

struct mauth_report_row *
mauth_report_row_parse_spool(const char *line, size_t len, char **error_r)
{
	const char *end = spool_check(line, len, error_r), *p;
	struct mauth_report_row *row;
	size_t i = 0;

	if (end == NULL)
		return NULL;
	row = xcalloc(1, sizeof(*row));
	p = line + strlen(MAUTH_REPORT_SPOOL_TAG) + 1;
	for (; i < MAUTH_REPORT_NCOLS && p <= end; i++) {
		const char *q = memchr(p, '\t', (size_t)(end - p));
		if (q == NULL)
			q = end;
		if ((row->col[i] = spool_unescape(p, q)) == NULL) {
			*error_r = xasprintf("bad escape in column %s",
			    mauth_report_col_name(i));
			goto bad;
		}
		p = q + 1;
	}
	if (i != MAUTH_REPORT_NCOLS || p <= end) {
		*error_r = xasprintf("wrong number of columns (%d expected)",
		    MAUTH_REPORT_NCOLS);
		goto bad;
	}
	return row;
bad:
	for (size_t k = 0; k < MAUTH_REPORT_NCOLS; k++)
		free(row->col[k]);
	free(row);
	return NULL;
}

/* ---------------------------------------------------------- DKIM column */

static void
dkim_escape(struct mauth_buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || c == '%' || c == ',' || c == ';')
			mauth_buf_printf(b, "%%%02X", c);
		else
			mauth_buf_putc(b, (char)c);
	}
}

char *
mauth_report_dkim_encode(const struct mauth_dmarc_dkim_row *sigs, size_t n)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	mauth_buf_puts(&b, "");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			mauth_buf_putc(&b, ',');
		mauth_buf_puts(&b, "d=");
		dkim_escape(&b, sigs[i].domain);
		mauth_buf_puts(&b, ";s=");
		dkim_escape(&b, sigs[i].selector);
		mauth_buf_printf(&b, ";r=%s;a=%d",
		    mauth_dmarc_dkim_result_name(sigs[i].result), sigs[i].aligned);
		if (sigs[i].human_result != NULL) {
			mauth_buf_puts(&b, ";h=");
			dkim_escape(&b, sigs[i].human_result);
		}
	}
	return mauth_buf_steal(&b);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* dkim_unescape - [p, end) with %XX decoded; NULL for a bad escape */
static char *
dkim_unescape(const char *p, const char *end)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	mauth_buf_puts(&b, "");
	for (; p < end; p++) {
		if (*p != '%') {
			mauth_buf_putc(&b, *p);
			continue;
		}
		if (end - p < 3 || hexval(p[1]) < 0 || hexval(p[2]) < 0) {
			mauth_buf_free(&b);
			return NULL;
		}
		mauth_buf_putc(&b, (char)(hexval(p[1]) * 16 + hexval(p[2])));
		p += 2;
	}
	return mauth_buf_steal(&b);
}

/* dkim_tag - one "x=value" of a signature into *sig; 0 or -1 */
static int
dkim_tag(struct mauth_report_dkim *sig, const char *p, const char *end)
{
	char **slot = NULL;

	if (end - p < 2 || p[1] != '=')
		return -1;
	switch (p[0]) {
	case 'd': slot = &sig->domain; break;
	case 's': slot = &sig->selector; break;
	case 'r': slot = &sig->result; break;
	case 'h': slot = &sig->human_result; break;
	case 'a':
		if (end - p != 3 || (p[2] != '0' && p[2] != '1'))
			return -1;
		sig->aligned = p[2] == '1';
		return 0;
	default:
		return -1;
	}
	free(*slot);
	*slot = dkim_unescape(p + 2, end);
	return *slot != NULL ? 0 : -1;
}

int
mauth_report_dkim_decode(const char *text, struct mauth_report_dkim **sigs_r,
    size_t *n_r, char **error_r)
{
	struct mauth_report_dkim *sigs = NULL;
	size_t n = 0;
	const char *p = text;

	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		const char *end = p + len, *q = p;

		sigs = xreallocarray(sigs, n + 1, sizeof(*sigs));
		memset(&sigs[n], 0, sizeof(sigs[n]));
		n++;
		while (q < end) {
			const char *semi = memchr(q, ';', (size_t)(end - q));
			if (semi == NULL)
				semi = end;
			if (dkim_tag(&sigs[n - 1], q, semi) < 0) {
				*error_r = xasprintf("bad DKIM entry \"%.*s\"",
				    (int)len, p);
				mauth_report_dkim_free(&sigs, n);
				return -1;
			}
			q = semi + 1;
		}
		if (sigs[n - 1].domain == NULL || sigs[n - 1].selector == NULL ||
		    sigs[n - 1].result == NULL) {
			*error_r = xasprintf("incomplete DKIM entry \"%.*s\"", (int)len, p);
			mauth_report_dkim_free(&sigs, n);
			return -1;
		}
		p = *end == ',' ? end + 1 : end;
	}
	*sigs_r = sigs;
	*n_r = n;
	return 0;
}

void
mauth_report_dkim_free(struct mauth_report_dkim **sigsp, size_t n)
{
	struct mauth_report_dkim *sigs = *sigsp;

	if (sigs == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(sigs[i].domain);
		free(sigs[i].selector);
		free(sigs[i].result);
		free(sigs[i].human_result);
	}
	free(sigs);
	*sigsp = NULL;
}
