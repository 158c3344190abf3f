/*
 * dmarc_uri.c - the rua= and ruf= URI lists of DMARC records (RFC 9989
 * 4.6 and 4.8 dmarc-urilist; RFC 6068 mailto:; RFC 3986 characters; the
 * "!size" suffix of RFC 7489 6.4, obsolete in RFC 9989)
 *
 * A URI that is not usable (bad characters, a mailto: without an address,
 * a malformed size) is left out with a warning; other schemes are kept,
 * since RFC 9989 4.7 says to ignore them only when sending reports.
 *
 * Ownership: see dmarc_uri.h.  Reentrant.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dmarc_uri.h"
#include "dns.h"
#include "xmalloc.h"

static void
warn(struct mauth_buf *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
warn(struct mauth_buf *w, const char *fmt, ...)
{
	va_list ap;

	if (w->len > 0)
		mauth_buf_puts(w, "; ");
	va_start(ap, fmt);
	mauth_buf_vprintf(w, fmt, ap);
	va_end(ap);
}

static bool
parse_uint(const char *s, unsigned long long max, unsigned long long *v_r)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return false;
	}
	*v_r = v;
	return true;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* characters RFC 3986 allows in a URI, "%" checked separately */
static bool
uri_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("\"<>\\^`{|} ", c) == NULL;
}

/* the addr-spec of a mailto: URI (RFC 6068), %-decoded; NULL if unusable */
static char *
mailto_address(const char *rest)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	const char *end = strchr(rest, '?');
	size_t n = end != NULL ? (size_t)(end - rest) : strlen(rest);

	for (size_t i = 0; i < n; i++) {
		if (rest[i] == '%') {
			if (i + 2 >= n)
				goto bad;
			int hi = hexval(rest[i + 1]), lo = hexval(rest[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				goto bad;
			mauth_buf_putc(&b, (char)(hi * 16 + lo));
			i += 2;
		} else {
			mauth_buf_putc(&b, rest[i]);
		}
	}
	const char *addr = mauth_buf_cstr(&b);
	const char *at = strrchr(addr, '@');
	char *err = NULL, *dom;
	if (at == NULL || at == addr || strchr(addr, ',') != NULL)
		goto bad;
	dom = mauth_dns_name_normalise(at + 1, &err);
	if (dom == NULL) {
		free(err);
		goto bad;
	}
	for (const char *s = dom; *s; s++) {
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' && *s != '_') {
			free(dom);
			goto bad;
		}
	}
	free(dom);
	return mauth_buf_steal(&b);
bad:
	mauth_buf_free(&b);
	return NULL;
}

/* "!" 1*DIGIT [k/m/g/t] (RFC 7489 6.4, obsolete in RFC 9989 4.8) */
static bool
parse_size(const char *s, uint64_t *size_r)
{
	unsigned long long v;
	uint64_t unit = 1;
	char buf[32];
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n + 1);
	static const char units[] = "kmgt";
	const char *u = strchr(units, tolower((unsigned char)buf[n - 1]));
	if (n > 1 && u != NULL) {
		for (const char *x = units; x <= u; x++)
			unit *= 1024;
		buf[--n] = '\0';
	}
	if (!parse_uint(buf, UINT64_MAX / unit, &v))
		return false;
	*size_r = v * unit;
	return true;
}

/* one URI of a rua/ruf list; 0, or -1 when it is not a usable URI */
static int
parse_uri(char *text, bool keep_size, struct mauth_dmarc_uri *u)
{
	char *bang = strchr(text, '!');
	uint64_t size = 0;
	size_t i;

	memset(u, 0, sizeof(*u));
	if (bang != NULL) {
		if (!parse_size(bang + 1, &size))
			return -1;
		*bang = '\0';
	}
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	if (!isalpha((unsigned char)text[0]))
		return -1;
	for (i = 1; isalnum((unsigned char)text[i]) ||
	    (text[i] != '\0' && strchr("+-.", text[i]) != NULL); i++)
		;
	if (text[i] != ':' || text[i + 1] == '\0')
		return -1;
	for (const char *s = text; *s; s++) {
		if (!uri_char((unsigned char)*s))
			return -1;
		if (*s == '%' && (hexval(s[1]) < 0 || hexval(s[2]) < 0))
			return -1;
	}
	u->scheme = xstrndup(text, i);
	for (char *s = u->scheme; *s; s++)
		*s = (char)tolower((unsigned char)*s);
	if (strcmp(u->scheme, "mailto") == 0) {
		u->address = mailto_address(text + i + 1);
		if (u->address == NULL) {
			free(u->scheme);
			u->scheme = NULL;
			return -1;
		}
	}
	u->uri = xstrdup(text);
	if (keep_size)
		u->max_size = size;
	return 0;
}

size_t
mauth_dmarc_uri_list_parse(const char *tag, const char *value, bool keep_size,
    struct mauth_dmarc_uri **list_r, struct mauth_buf *warnings)
{
	char *copy = xstrdup(value), *item = copy, *next;
	size_t n = 0;

	*list_r = xcalloc(MAUTH_DMARC_MAX_URIS, sizeof(**list_r));
	for (; item != NULL; item = next) {
		next = strchr(item, ',');
		if (next != NULL)
			*next++ = '\0';
		while (*item == ' ' || *item == '\t')
			item++;
		for (size_t l = strlen(item); l > 0 &&
		    (item[l - 1] == ' ' || item[l - 1] == '\t'); l--)
			item[l - 1] = '\0';
		if (n == MAUTH_DMARC_MAX_URIS) {
			warn(warnings, "%s: URIs after the first %d ignored", tag,
			    MAUTH_DMARC_MAX_URIS);
			break;
		}
		if (parse_uri(item, keep_size, &(*list_r)[n]) == 0)
			n++;
		else
			warn(warnings, "%s: \"%s\" ignored: not a usable URI", tag, item);
	}
	free(copy);
	return n;
}

struct mauth_dmarc_uri *
mauth_dmarc_uri_list_dup(const struct mauth_dmarc_uri *src, size_t n)
{
	struct mauth_dmarc_uri *dst = xcalloc(n ? n : 1, sizeof(*dst));

	for (size_t i = 0; i < n; i++) {
		dst[i].uri = xstrdup(src[i].uri);
		dst[i].scheme = xstrdup(src[i].scheme);
		dst[i].address = src[i].address ? xstrdup(src[i].address) : NULL;
		dst[i].max_size = src[i].max_size;
	}
	return dst;
}

void
mauth_dmarc_uri_list_free(struct mauth_dmarc_uri *u, size_t n)
{
	if (u == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(u[i].uri);
		free(u[i].scheme);
		free(u[i].address);
	}
	free(u);
}
