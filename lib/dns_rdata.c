/*
 * dns_rdata.c - RFC 1035 presentation format: names, TTLs and rdata
 *
 * RFC 1035 section 5.1 (master file syntax), RFC 3596 section 2.4 (AAAA),
 * RFC 2181 section 8 (TTL range), RFC 7505 (null MX "0 .").  The parser
 * never trusts its input: every token is checked and a fault is reported
 * with the value that caused it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dns_rdata.h"
#include "xmalloc.h"

#define RD_MAX_TOKENS 64	/* TXT strings per record; 64 * 255 is plenty */

struct rd_token {
	const char *start;	/* inside the quotes for a quoted string */
	size_t len;
	bool quoted;
};

static bool
rd_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
rd_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* rd_next - the next token of *pp: 1, 0 at the end, -1 with *error_r */
static int
rd_next(const char **pp, struct rd_token *tok, char **error_r)
{
	const char *p = *pp;

	while (rd_space(*p))
		p++;
	if (*p == '\0') {
		*pp = p;
		return 0;
	}
	tok->quoted = *p == '"';
	if (tok->quoted)
		p++;
	tok->start = p;
	for (;;) {
		if (*p == '\0') {
			if (tok->quoted) {
				*error_r = xasprintf("unterminated quoted string \"%s",
				    tok->start);
				return -1;
			}
			break;
		}
		if (*p == '\\') {
			if (p[1] == '\0') {
				*error_r = xasprintf("backslash at the end of \"%s\"",
				    tok->start);
				return -1;
			}
			p += 2;
			continue;
		}
		if (tok->quoted ? *p == '"' : rd_space(*p))
			break;
		if (*p == '"') {
			*error_r = xasprintf("quote inside unquoted string \"%s\"",
			    tok->start);
			return -1;
		}
		p++;
	}
	tok->len = (size_t)(p - tok->start);
	if (tok->quoted)
		p++;
	*pp = p;
	return 1;
}

/*
 * rd_unescape - append the octets a token stands for to out; \DDD is a
 * decimal octet (exactly three digits, at most 255), \X is X.
 */
static int
rd_unescape(const struct rd_token *tok, struct mauth_buf *out, char **error_r)
{
	const char *p = tok->start, *end = tok->start + tok->len;

	while (p < end) {
		if (*p != '\\') {
			mauth_buf_putc(out, *p++);
			continue;
		}
		p++;
		if (!rd_digit(*p)) {
			mauth_buf_putc(out, *p++);
			continue;
		}
		if (end - p < 3 || !rd_digit(p[1]) || !rd_digit(p[2]) ||
		    (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0') > 255) {
			*error_r = xasprintf("bad \\DDD escape in \"%.*s\"",
			    (int)tok->len, tok->start);
			return -1;
		}
		mauth_buf_putc(out, (char)((p[0] - '0') * 100 +
		    (p[1] - '0') * 10 + (p[2] - '0')));
		p += 3;
	}
	return 0;
}

/*
 * rd_name_check - labels of 1..63 octets and at most 253 octets of text
 * form (255 on the wire, RFC 1035 section 2.3.4); escapes count as the
 * octet they stand for.
 */
static int
rd_name_check(const char *name, char **error_r)
{
	size_t label = 0, total = 0;
	const char *p = name;

	if (*p == '\0')
		return 0;	/* the root */
	for (;;) {
		if (*p == '\0' || *p == '.') {
			if (label == 0 || label > 63) {
				*error_r = label == 0 ?
				    xasprintf("empty label in domain name \"%s\"", name) :
				    xasprintf("label of %zu octets (limit 63) in \"%s\"",
				    label, name);
				return -1;
			}
			if (*p == '\0')
				break;
			label = 0;
			total++;
			p++;
			continue;
		}
		if (p[0] == '\\' && rd_digit(p[1]) && rd_digit(p[2]) && rd_digit(p[3]))
			p += 4;
		else if (p[0] == '\\' && p[1] != '\0')
			p += 2;
		else
			p++;
		label++;
		total++;
	}
	if (total > 253) {
		*error_r = xasprintf("domain name of %zu octets (limit 253): \"%s\"",
		    total, name);
		return -1;
	}
	return 0;
}

/*
 * rd_name_canon - one text form for every way of writing a name: escapes
 * decoded, then '.' inside a label, '\\', and bytes outside printable
 * ASCII written as \DDD, everything else as itself (the form the
 * libunbound backend gives names it reads off the wire).
 */
static char *
rd_name_canon(const char *name)
{
	struct mauth_buf out = MAUTH_BUF_INIT;

	for (const char *p = name; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		bool escaped = c == '\\' && p[1] != '\0';

		if (escaped && rd_digit(p[1]) && rd_digit(p[2]) && rd_digit(p[3])) {
			c = (unsigned char)((p[1] - '0') * 100 + (p[2] - '0') * 10 +
			    (p[3] - '0'));
			p += 3;
		} else if (escaped) {
			c = (unsigned char)*++p;
		}
		if (c == '.' && !escaped)
			mauth_buf_putc(&out, '.');
		else if (c <= ' ' || c >= 0x7f || c == '.' || c == '\\')
			mauth_buf_printf(&out, "\\%03u", c);
		else
			mauth_buf_putc(&out, (char)c);
	}
	return mauth_buf_steal(&out);
}

char *
mauth_dns_rdata_name(const char *text, size_t len, const char *origin,
    char **error_r)
{
	bool absolute = false;
	char *name;

	if (len == 1 && text[0] == '@') {
		if (origin == NULL) {
			*error_r = xstrdup("\"@\" used without an origin");
			return NULL;
		}
		return xstrdup(origin);
	}
	if (len == 1 && text[0] == '.')
		return xstrdup("");
	/* A trailing dot makes the name absolute unless it is escaped. */
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\\')
			i++;
		else if (text[i] == '.' && i == len - 1)
			absolute = true;
	}
	if (len == 0) {
		*error_r = xstrdup("empty domain name");
		return NULL;
	}
	if (!absolute && origin == NULL) {
		*error_r = xasprintf("relative name \"%.*s\" without an origin",
		    (int)len, text);
		return NULL;
	}
	if (absolute)
		name = xstrndup(text, len - 1);
	else if (*origin == '\0')
		name = xstrndup(text, len);
	else
		name = xasprintf("%.*s.%s", (int)len, text, origin);
	if (rd_name_check(name, error_r) < 0) {
		free(name);
		return NULL;
	}
	char *canon = rd_name_canon(name);
	free(name);
	return canon;
}

int
mauth_dns_ttl_parse(const char *text, uint32_t *ttl_r)
{
	unsigned long long total = 0, n = 0;
	bool digits = false, units = false;

	if (*text == '\0')
		return -1;
	for (const char *p = text; *p != '\0'; p++) {
		unsigned long long mult;

		if (rd_digit(*p)) {
			n = n * 10 + (unsigned long long)(*p - '0');
			digits = true;
			if (n > 0x7fffffffULL)
				return -1;
			continue;
		}
		switch (*p) {
		case 's': case 'S': mult = 1; break;
		case 'm': case 'M': mult = 60; break;
		case 'h': case 'H': mult = 3600; break;
		case 'd': case 'D': mult = 86400; break;
		case 'w': case 'W': mult = 604800; break;
		default: return -1;
		}
		if (!digits)
			return -1;
		total += n * mult;
		if (total > 0x7fffffffULL)
			return -1;
		n = 0;
		digits = false;
		units = true;
	}
	if (digits && units)
		return -1;	/* "1h30": a number left without its unit */
	total += n;
	if (total > 0x7fffffffULL)
		return -1;
	*ttl_r = (uint32_t)total;
	return 0;
}

/* rd_tokens - split text into at most RD_MAX_TOKENS tokens */
static int
rd_tokens(const char *text, struct rd_token *tok, size_t *n_r, char **error_r)
{
	const char *p = text;
	size_t n = 0;
	int rc;

	while ((rc = rd_next(&p, &tok[n], error_r)) > 0) {
		if (++n == RD_MAX_TOKENS) {
			*error_r = xasprintf("more than %d values in \"%s\"",
			    RD_MAX_TOKENS - 1, text);
			return -1;
		}
	}
	*n_r = n;
	return rc;
}

static int
rd_want(const char *type, size_t n, size_t want, const char *text, char **error_r)
{
	if (n == want)
		return 0;
	*error_r = xasprintf("%s takes %zu value%s, got %zu in \"%s\"",
	    type, want, want == 1 ? "" : "s", n, text);
	return -1;
}

/* rd_plain - a token that must not be a quoted string (an address, a name) */
static char *
rd_plain(const struct rd_token *tok, const char *what, char **error_r)
{
	if (tok->quoted) {
		*error_r = xasprintf("%s may not be quoted: \"%.*s\"", what,
		    (int)tok->len, tok->start);
		return NULL;
	}
	return xstrndup(tok->start, tok->len);
}

static int
rd_address(struct mauth_dns_rr *rr, const struct rd_token *tok, char **error_r)
{
	int af = rr->type == MAUTH_DNS_T_A ? AF_INET : AF_INET6;
	char *text = rd_plain(tok, "an address", error_r);

	if (text == NULL)
		return -1;
	if (inet_pton(af, text, af == AF_INET ? (void *)&rr->u.a :
	    (void *)&rr->u.aaaa) != 1) {
		*error_r = xasprintf("bad IPv%d address \"%s\"",
		    af == AF_INET ? 4 : 6, text);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

static char *
rd_tok_name(const struct rd_token *tok, const char *origin, char **error_r)
{
	if (tok->quoted) {
		*error_r = xasprintf("a domain name may not be quoted: \"%.*s\"",
		    (int)tok->len, tok->start);
		return NULL;
	}
	return mauth_dns_rdata_name(tok->start, tok->len, origin, error_r);
}

static int
rd_mx(struct mauth_dns_rr *rr, const struct rd_token *tok, const char *origin,
    char **error_r)
{
	char *pref = rd_plain(&tok[0], "an MX preference", error_r);
	char *end;

	if (pref == NULL)
		return -1;
	unsigned long v = strtoul(pref, &end, 10);
	if (!rd_digit(*pref) || *end != '\0' || v > 65535) {
		*error_r = xasprintf("MX preference \"%s\" is not a number 0..65535",
		    pref);
		free(pref);
		return -1;
	}
	free(pref);
	rr->u.mx.preference = (uint16_t)v;
	rr->u.mx.exchange = rd_tok_name(&tok[1], origin, error_r);
	return rr->u.mx.exchange == NULL ? -1 : 0;
}

/* rd_txt - RFC 1035 section 3.3.14: one or more <character-string>s */
static int
rd_txt(struct mauth_dns_rr *rr, const struct rd_token *tok, size_t n,
    char **error_r)
{
	struct mauth_buf out = MAUTH_BUF_INIT;

	if (n == 0) {
		*error_r = xstrdup("TXT needs at least one character-string");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t before = out.len;

		if (rd_unescape(&tok[i], &out, error_r) < 0)
			goto fail;
		if (out.len - before > 255) {
			*error_r = xasprintf("TXT character-string of %zu octets "
			    "(limit 255): \"%.*s\"", out.len - before,
			    (int)tok[i].len, tok[i].start);
			goto fail;
		}
	}
	rr->u.txt.len = out.len;
	rr->u.txt.data = mauth_buf_steal(&out);
	return 0;
fail:
	mauth_buf_free(&out);
	return -1;
}

/* rd_soa - MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM, checked only */
static int
rd_soa(const struct rd_token *tok, const char *origin, char **error_r)
{
	for (size_t i = 0; i < 2; i++) {
		char *name = rd_tok_name(&tok[i], origin, error_r);

		if (name == NULL)
			return -1;
		free(name);
	}
	for (size_t i = 2; i < 7; i++) {
		char *num = rd_plain(&tok[i], "an SOA number", error_r);
		uint32_t v;
		char *end;

		if (num == NULL)
			return -1;
		/* The serial is a plain 32-bit number; the rest are times. */
		bool good = i == 2 ?
		    rd_digit(*num) && strtoull(num, &end, 10) <= 0xffffffffULL &&
		    *end == '\0' && strlen(num) <= 10 :
		    mauth_dns_ttl_parse(num, &v) == 0;
		if (!good) {
			*error_r = xasprintf("bad SOA %s \"%s\"", i == 2 ? "serial" :
			    "time value", num);
			free(num);
			return -1;
		}
		free(num);
	}
	return 0;
}

int
mauth_dns_rdata_parse(struct mauth_dns_rr *rr, const char *text,
    const char *origin, char **error_r)
{
	struct rd_token tok[RD_MAX_TOKENS];
	size_t n;

	if (rd_tokens(text, tok, &n, error_r) < 0)
		return -1;
	switch (rr->type) {
	case MAUTH_DNS_T_A:
	case MAUTH_DNS_T_AAAA:
		if (rd_want(mauth_dns_type_name(rr->type), n, 1, text, error_r) < 0)
			return -1;
		return rd_address(rr, &tok[0], error_r);
	case MAUTH_DNS_T_MX:
		if (rd_want("MX", n, 2, text, error_r) < 0)
			return -1;
		if (rd_mx(rr, tok, origin, error_r) < 0) {
			mauth_dns_rr_clear(rr);
			return -1;
		}
		return 0;
	case MAUTH_DNS_T_TXT:
		return rd_txt(rr, tok, n, error_r);
	case MAUTH_DNS_T_PTR:
	case MAUTH_DNS_T_CNAME:
	case MAUTH_DNS_T_NS:
		if (rd_want(mauth_dns_type_name(rr->type), n, 1, text, error_r) < 0)
			return -1;
		rr->u.name = rd_tok_name(&tok[0], origin, error_r);
		return rr->u.name == NULL ? -1 : 0;
	case MAUTH_DNS_T_SOA:
		if (rd_want("SOA", n, 7, text, error_r) < 0)
			return -1;
		return rd_soa(tok, origin, error_r);
	default:
		*error_r = xasprintf("unsupported record type %u", rr->type);
		return -1;
	}
}
