/*
 * spf_macro.c - SPF macro-strings: syntax and expansion (RFC 7208 section 7)
 *
 *   macro-expand = ( "%{" macro-letter transformers *delimiter "}" )
 *                  / "%%" / "%_" / "%-"
 *   macro-letter = s l o d i p h c r t v   (c r t only in explain-strings)
 *   transformers = *DIGIT [ "r" ]
 *   delimiter    = "." / "-" / "+" / "," / "/" / "_" / "="
 *   macro-literal = %x21-24 / %x26-7E      (SP too in explain-strings)
 *
 * An upper-case macro letter expands like the lower-case one and is then
 * URL-escaped (section 7.3).  Everything here is pure string work; the one
 * DNS-backed value, %{p}, comes from the environment's callback.
 *
 * Ownership: results and error strings are malloc'd for the caller.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "spf_macro.h"
#include "xmalloc.h"

#define MACRO_MAX_PARTS 128	/* a larger DIGIT keeps every part anyway */
#define MACRO_NAME_MAX 253	/* RFC 1035 section 2.3.4, in text form */

struct macro {
	char letter;		/* as written; '%', '_' or '-' for the escapes */
	unsigned keep;		/* right-hand parts to keep; 0: all */
	bool reverse;
	char delims[8];		/* split characters; "" means "." */
	size_t len;		/* octets of text consumed, '%' included */
};

static bool
macro_literal_ok(unsigned char c, unsigned flags)
{
	if (c == ' ')
		return (flags & MAUTH_SPF_MACRO_EXP) != 0;
	return c >= 0x21 && c <= 0x7e && c != '%';
}

static bool
macro_letter_ok(char letter, unsigned flags)
{
	char c = (char)tolower((unsigned char)letter);

	if (strchr("slodiphv", c) != NULL)
		return true;
	/* Section 7.2: c, r and t are allowed only in "exp" text. */
	return strchr("crt", c) != NULL && (flags & MAUTH_SPF_MACRO_EXP);
}

/* macro_error - describe the macro at p (up to its '}' or 2 octets) */
static int
macro_error(const char *p, const char *why, char **error_r)
{
	size_t n = strcspn(p, "}");

	n = p[n] == '}' ? n + 1 : (p[1] != '\0' ? 2 : 1);
	if (n > 40)
		n = 40;
	*error_r = xasprintf("bad macro \"%.*s\": %s", (int)n, p, why);
	return -1;
}

/* macro_parse - one macro-expand at p (*p == '%') */
static int
macro_parse(const char *p, unsigned flags, struct macro *m, char **error_r)
{
	size_t i = 2, nd = 0;

	memset(m, 0, sizeof(*m));
	m->len = 2;
	if (p[1] == '%' || p[1] == '_' || p[1] == '-') {
		m->letter = p[1];
		return 0;
	}
	if (p[1] != '{')
		return macro_error(p, "'%' must be followed by '{', '%', '_' or '-'"
		    " (RFC 7208 section 7.1)", error_r);
	m->letter = p[2];
	if (m->letter == '\0' || !macro_letter_ok(m->letter, flags)) {
		bool exp_only = m->letter != '\0' &&
		    macro_letter_ok(m->letter, MAUTH_SPF_MACRO_EXP);

		return macro_error(p, exp_only ? "c, r and t are allowed only in "
		    "explanation text (RFC 7208 section 7.2)" :
		    "unknown macro letter", error_r);
	}
	i = 3;
	bool digits = false;
	unsigned keep = 0;
	while (isdigit((unsigned char)p[i])) {
		digits = true;
		keep = keep * 10 + (unsigned)(p[i++] - '0');
		if (keep > MACRO_MAX_PARTS)
			keep = MACRO_MAX_PARTS;
	}
	if (digits && keep == 0)
		return macro_error(p, "the number of parts must not be zero "
		    "(RFC 7208 section 7.3)", error_r);
	m->keep = keep;
	if (p[i] == 'r' || p[i] == 'R') {
		m->reverse = true;
		i++;
	}
	while (p[i] != '\0' && strchr(".-+,/_=", p[i]) != NULL) {
		if (nd < sizeof(m->delims) - 1 && strchr(m->delims, p[i]) == NULL)
			m->delims[nd++] = p[i];
		i++;
	}
	if (p[i] != '}')
		return macro_error(p, "expected transformers, delimiters or '}'",
		    error_r);
	m->len = i + 1;
	return 0;
}

int
mauth_spf_macro_check(const char *text, unsigned flags, size_t *tail_r,
    char **error_r)
{
	size_t tail = 0, i = 0;

	while (text[i] != '\0') {
		struct macro m;

		if (text[i] != '%') {
			if (!macro_literal_ok((unsigned char)text[i], flags)) {
				*error_r = xasprintf("character 0x%02x at offset %zu is "
				    "not allowed in a macro-string", (unsigned char)text[i], i);
				return -1;
			}
			i++;
			continue;
		}
		if (macro_parse(text + i, flags, &m, error_r) < 0)
			return -1;
		i += m.len;
		tail = i;
	}
	if (tail_r != NULL)
		*tail_r = tail;
	return 0;
}

/* macro_ip_dots - %{i}: dotted quad, or 32 dot-separated nibbles for IPv6 */
static char *
macro_ip_dots(const struct mauth_ip *ip)
{
	char buf[MAUTH_IP_STRLEN];

	if (ip->family != AF_INET6)
		return xstrdup(mauth_ip_format(ip, buf, sizeof(buf)));
	struct mauth_buf b = MAUTH_BUF_INIT;
	/*
	 * Upper-case nibbles: the RFC 7208 conformance suite (v-macro-ip6)
	 * expects them in explanations, and as DNS labels they are equal to
	 * the lower-case form of section 7.4 (RFC 4343: names compare
	 * case-insensitively).
	 */
	for (size_t i = 0; i < 16; i++)
		mauth_buf_printf(&b, "%s%X.%X", i ? "." : "", ip->addr[i] >> 4,
		    ip->addr[i] & 0xf);
	return mauth_buf_steal(&b);
}

static const char *
macro_or_unknown(const char *s)
{
	return s != NULL ? s : "unknown";
}

/* macro_value - the raw value of a macro letter (section 7.2) */
static char *
macro_value(const struct mauth_spf_macro_env *env, char letter)
{
	char buf[MAUTH_IP_STRLEN];

	switch (tolower((unsigned char)letter)) {
	case 's':
		return xstrdup(macro_or_unknown(env->sender));
	case 'l':
		return xstrdup(macro_or_unknown(env->local));
	case 'o':
		return xstrdup(macro_or_unknown(env->sender_domain));
	case 'd':
		return xstrdup(macro_or_unknown(env->domain));
	case 'i':
		return macro_ip_dots(&env->ip);
	case 'c':
		return xstrdup(mauth_ip_format(&env->ip, buf, sizeof(buf)));
	case 'v':
		return xstrdup(env->ip.family == AF_INET6 ? "ip6" : "in-addr");
	case 'h':
		return xstrdup(macro_or_unknown(env->helo));
	case 'r':
		return xstrdup(macro_or_unknown(env->receiver));
	case 't':
		return xasprintf("%lld", (long long)env->now);
	case 'p': {
		char *p = env->validated != NULL ?
		    env->validated(env->arg, env->domain) : NULL;

		return p != NULL ? p : xstrdup("unknown");
	}
	}
	return xstrdup("");
}

/*
 * macro_transform - split value on the delimiters, reverse if asked, keep
 * the right-hand parts and join them with "." (section 7.3)
 */
static void
macro_transform(struct mauth_buf *out, const char *value, const struct macro *m)
{
	const char *delims = m->delims[0] != '\0' ? m->delims : ".";
	const char *part[MACRO_MAX_PARTS * 2];
	size_t plen[MACRO_MAX_PARTS * 2], n = 0;
	const char *p = value;

	for (;;) {
		size_t len = strcspn(p, delims);

		/* Out of slots: the rest of the value is the last part. */
		if (n == sizeof(part) / sizeof(part[0]) - 1)
			len = strlen(p);
		part[n] = p;
		plen[n++] = len;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	if (m->reverse) {
		for (size_t i = 0; i < n / 2; i++) {
			const char *tp = part[i];
			size_t tl = plen[i];

			part[i] = part[n - 1 - i];
			plen[i] = plen[n - 1 - i];
			part[n - 1 - i] = tp;
			plen[n - 1 - i] = tl;
		}
	}
	size_t first = m->keep != 0 && m->keep < n ? n - m->keep : 0;
	for (size_t i = first; i < n; i++) {
		if (i > first)
			mauth_buf_putc(out, '.');
		mauth_buf_append(out, part[i], plen[i]);
	}
}

/* macro_url_escape - section 7.3: all but the URI unreserved set as %XX */
static void
macro_url_escape(struct mauth_buf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || strchr("-._~", *p) != NULL)
			mauth_buf_putc(out, (char)*p);
		else
			mauth_buf_printf(out, "%%%02X", *p);
	}
}

static void
macro_expand_one(const struct mauth_spf_macro_env *env, const struct macro *m,
    struct mauth_buf *out)
{
	switch (m->letter) {
	case '%':
		mauth_buf_putc(out, '%');
		return;
	case '_':
		mauth_buf_putc(out, ' ');
		return;
	case '-':
		mauth_buf_puts(out, "%20");
		return;
	}
	char *value = macro_value(env, m->letter);
	struct mauth_buf t = MAUTH_BUF_INIT;

	macro_transform(&t, value, m);
	if (isupper((unsigned char)m->letter))
		macro_url_escape(out, mauth_buf_cstr(&t));
	else
		mauth_buf_puts(out, mauth_buf_cstr(&t));
	mauth_buf_free(&t);
	free(value);
}

/*
 * macro_fit_name - section 7.3: a name used in a query loses its trailing
 * dot, and labels are removed from the left until it is 253 octets or less
 */
static char *
macro_fit_name(struct mauth_buf *b)
{
	if (b->len > 0 && b->data[b->len - 1] == '.')
		mauth_buf_truncate(b, b->len - 1);
	const char *s = mauth_buf_cstr(b);
	while (strlen(s) > MACRO_NAME_MAX) {
		const char *dot = strchr(s, '.');

		if (dot == NULL)
			break;
		s = dot + 1;
	}
	char *name = xstrdup(s);
	mauth_buf_free(b);
	return name;
}

int
mauth_spf_macro_expand(const struct mauth_spf_macro_env *env,
    const char *text, unsigned flags, char **result_r, char **error_r)
{
	struct mauth_buf out = MAUTH_BUF_INIT;

	*result_r = NULL;
	if (mauth_spf_macro_check(text, flags, NULL, error_r) < 0)
		return -1;
	for (size_t i = 0; text[i] != '\0';) {
		struct macro m;

		if (text[i] != '%') {
			size_t n = strcspn(text + i, "%");

			mauth_buf_append(&out, text + i, n);
			i += n;
			continue;
		}
		/* Cannot fail: the whole text was checked above. */
		if (macro_parse(text + i, flags, &m, error_r) < 0) {
			mauth_buf_free(&out);
			return -1;
		}
		macro_expand_one(env, &m, &out);
		i += m.len;
	}
	if (flags & MAUTH_SPF_MACRO_DOMAIN)
		*result_r = macro_fit_name(&out);
	else
		*result_r = mauth_buf_steal(&out);
	return 0;
}
