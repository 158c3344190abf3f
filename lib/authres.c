/*
 * authres.c - Authentication-Results header fields (RFC 8601)
 *
 * Building (section 2.2): the field body is the authserv-id followed by one
 * resinfo per method result, or by "none" when there is none.  Every value
 * we write is checked against the grammar it lands in: a property value that
 * is neither an RFC 2045 token nor [local-part "@"] domain-name is written
 * as a quoted-string, so no sender-controlled text (an SMTP MAIL FROM, a
 * HELO name) can break the field's syntax or start a new header line.
 *
 * Parsing (section 2.2, section 5): only the authserv-id at the start of a
 * field, which is all mauth needs to find fields that claim to be ours.
 *
 * Ownership: a struct mauth_authres owns copies of everything added to it;
 * strings returned by mauth_authres_format() and through id_r belong to the
 * caller.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "buf.h"
#include "xmalloc.h"

/* Lines of a folded field aim to stay within this (RFC 5322 section 2.1.1) */
#define AUTHRES_LINE_MAX 78
/* Comments nest (RFC 5322 section 3.2.2); deeper than this is garbage */
#define AUTHRES_COMMENT_DEPTH_MAX 64

struct authres_prop {
	char *name;		/* ptype.property, e.g. "smtp.mailfrom" */
	char *value;
};

struct authres_resinfo {
	char *method;
	char *result;
	char *reason;		/* NULL: no reason= */
	char *comment;		/* NULL: none; written as "(comment)" */
	struct authres_prop *props;
	size_t nprops;
};

struct mauth_authres {
	char *authserv_id;
	struct authres_resinfo *res;
	size_t nres;
};

struct mauth_authres *
mauth_authres_new(const char *authserv_id)
{
	struct mauth_authres *ar = xcalloc(1, sizeof(*ar));

	ar->authserv_id = xstrdup(authserv_id != NULL ? authserv_id : "");
	return ar;
}

void
mauth_authres_free(struct mauth_authres **arp)
{
	struct mauth_authres *ar = *arp;

	if (ar == NULL)
		return;
	for (size_t i = 0; i < ar->nres; i++) {
		struct authres_resinfo *r = &ar->res[i];

		for (size_t j = 0; j < r->nprops; j++) {
			free(r->props[j].name);
			free(r->props[j].value);
		}
		free(r->props);
		free(r->method);
		free(r->result);
		free(r->reason);
		free(r->comment);
	}
	free(ar->res);
	free(ar->authserv_id);
	free(ar);
	*arp = NULL;
}

void
mauth_authres_add(struct mauth_authres *ar, const char *method,
    const char *result, const char *reason, ...)
{
	struct authres_resinfo *r;
	va_list ap;
	const char *name;

	ar->res = xreallocarray(ar->res, ar->nres + 1, sizeof(*ar->res));
	r = &ar->res[ar->nres++];
	memset(r, 0, sizeof(*r));
	r->method = xstrdup(method);
	r->result = xstrdup(result);
	r->reason = reason != NULL ? xstrdup(reason) : NULL;

	va_start(ap, reason);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);

		r->props = xreallocarray(r->props, r->nprops + 1,
		    sizeof(*r->props));
		r->props[r->nprops].name = xstrdup(name);
		r->props[r->nprops].value = xstrdup(value != NULL ? value : "");
		r->nprops++;
	}
	va_end(ap);
}

void
mauth_authres_comment(struct mauth_authres *ar, const char *text)
{
	struct authres_resinfo *r;

	if (ar->nres == 0)
		return;
	r = &ar->res[ar->nres - 1];
	free(r->comment);
	r->comment = text != NULL ? xstrdup(text) : NULL;
}

/* ---------------------------------------------------------------- values */

/* RFC 2045 section 5.1 tspecials */
static bool
is_tspecial(unsigned char c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL && c != '\0';
}

/* RFC 2045 token: printable US-ASCII except SPACE and tspecials */
static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || is_tspecial(*p))
			return false;
	return true;
}

/* RFC 5322 section 3.2.3 atext */
static bool
is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* RFC 5322 dot-atom-text in [s, e): atext runs separated by single dots */
static bool
is_dot_atom(const char *s, const char *e)
{
	bool need_atext = true;

	if (s == e)
		return false;
	for (const char *p = s; p < e; p++) {
		if (*p == '.') {
			if (need_atext)
				return false;
			need_atext = true;
		} else if (is_atext((unsigned char)*p)) {
			need_atext = false;
		} else {
			return false;
		}
	}
	return !need_atext;
}

static bool
is_let_dig(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/*
 * RFC 6376 section 3.5 domain-name, which RFC 8601 uses for pvalue:
 * sub-domain 1*("." sub-domain), sub-domain = Let-dig [Ldh-str].
 */
static bool
is_domain_name(const char *s)
{
	size_t labels = 0;

	for (;;) {
		const char *start = s;

		while (is_let_dig(*s) || *s == '-')
			s++;
		if (s == start || start[0] == '-' || s[-1] == '-')
			return false;
		labels++;
		if (*s == '\0')
			return labels >= 2;
		if (*s != '.')
			return false;
		s++;
	}
}

/* RFC 8601 pvalue without quoting: [ [ local-part ] "@" ] domain-name */
static bool
is_address(const char *s)
{
	const char *at = strrchr(s, '@');

	if (at == NULL)
		return false;
	if (at != s && !is_dot_atom(s, at))
		return false;
	return is_domain_name(at + 1);
}

/*
 * quote - RFC 2045 quoted-string.  '"' and '\' become quoted-pairs.  Control
 * characters (CR and LF included) have no safe place in a header field and
 * become '?': quoting a CR or LF would still let it end the header line.
 */
static void
quote(struct mauth_buf *out, const char *s)
{
	mauth_buf_putc(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			mauth_buf_putc(out, '\\');
		mauth_buf_putc(out, (*p < ' ' || *p == 0x7f) ? '?' : (char)*p);
	}
	mauth_buf_putc(out, '"');
}

/* RFC 2045 value: token, else quoted-string */
static void
put_value(struct mauth_buf *out, const char *s)
{
	if (is_token(s))
		mauth_buf_puts(out, s);
	else
		quote(out, s);
}

/* RFC 8601 pvalue: token, [local-part "@"] domain-name, else quoted-string */
static void
put_pvalue(struct mauth_buf *out, const char *s)
{
	if (is_token(s) || is_address(s))
		mauth_buf_puts(out, s);
	else
		quote(out, s);
}

/* ---------------------------------------------------------------- format */

/*
 * The field is built as a list of words; sep_before() writes what goes
 * before each.  Folding happens only where RFC 8601's grammar allows CFWS:
 * after the ";" that opens a resinfo, and before a reasonspec or propspec.
 */
struct authres_out {
	struct mauth_buf buf;
	size_t line_start;	/* offset of the current line in buf */
	bool fold;
};

static void
fold_line(struct authres_out *o)
{
	mauth_buf_puts(&o->buf, "\n\t");
	o->line_start = o->buf.len - 1;		/* the TAB counts, the LF does not */
}

/* put one word of a resinfo, folding before it when the line would be long */
static void
put_word(struct authres_out *o, const char *word, size_t len)
{
	size_t line_len = o->buf.len - o->line_start;

	if (o->fold && line_len + 1 + len > AUTHRES_LINE_MAX)
		fold_line(o);
	else
		mauth_buf_putc(&o->buf, ' ');
	mauth_buf_append(&o->buf, word, len);
}

static void
format_resinfo(struct authres_out *o, const struct authres_resinfo *r)
{
	struct mauth_buf word = MAUTH_BUF_INIT;

	mauth_buf_putc(&o->buf, ';');
	if (o->fold)
		fold_line(o);
	else
		mauth_buf_putc(&o->buf, ' ');
	mauth_buf_printf(&o->buf, "%s=%s", r->method, r->result);
	if (r->comment != NULL) {
		/* ctext with quoted-pairs (RFC 5322 3.2.2): nothing can end it */
		mauth_buf_putc(&word, '(');
		for (const unsigned char *c = (const unsigned char *)r->comment; *c; c++) {
			if (*c == '(' || *c == ')' || *c == '\\')
				mauth_buf_putc(&word, '\\');
			mauth_buf_putc(&word, *c < ' ' || *c == 0x7f ? '?' : (char)*c);
		}
		mauth_buf_putc(&word, ')');
		put_word(o, word.data, word.len);
		mauth_buf_truncate(&word, 0);
	}
	if (r->reason != NULL) {
		mauth_buf_puts(&word, "reason=");
		put_value(&word, r->reason);
		put_word(o, word.data, word.len);
	}
	for (size_t i = 0; i < r->nprops; i++) {
		mauth_buf_truncate(&word, 0);
		mauth_buf_printf(&word, "%s=", r->props[i].name);
		put_pvalue(&word, r->props[i].value);
		put_word(o, word.data, word.len);
	}
	mauth_buf_free(&word);
}

char *
mauth_authres_format(const struct mauth_authres *ar, bool fold)
{
	struct authres_out o = { MAUTH_BUF_INIT, 0, fold };

	put_value(&o.buf, ar->authserv_id);
	if (ar->nres == 0) {
		/* RFC 8601 section 2.2 no-result; short enough never to fold */
		mauth_buf_puts(&o.buf, "; none");
		return mauth_buf_steal(&o.buf);
	}
	for (size_t i = 0; i < ar->nres; i++)
		format_resinfo(&o, &ar->res[i]);
	return mauth_buf_steal(&o.buf);
}

/* ---------------------------------------------------------------- parse */

struct authres_scan {
	const char *start;
	const char *p;
	const char *end;
};

static bool
is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * skip_cfws - white space (folded or not) and comments, which nest and may
 * hold quoted-pairs (RFC 5322 section 3.2.2).  Returns 0, or -1 with
 * *error_r for an unterminated or absurdly deep comment.
 */
static int
skip_cfws(struct authres_scan *s, char **error_r)
{
	unsigned depth = 0;

	while (s->p < s->end) {
		char c = *s->p;

		if (depth == 0 && is_fws(c)) {
			s->p++;
		} else if (c == '(') {
			if (++depth > AUTHRES_COMMENT_DEPTH_MAX) {
				*error_r = xasprintf("comments nested deeper than %d",
				    AUTHRES_COMMENT_DEPTH_MAX);
				return -1;
			}
			s->p++;
		} else if (depth == 0) {
			return 0;
		} else if (c == ')') {
			depth--;
			s->p++;
		} else if (c == '\\') {
			s->p += (s->p + 1 < s->end) ? 2 : 1;
		} else {
			s->p++;
		}
	}
	if (depth > 0) {
		*error_r = xstrdup("unterminated comment");
		return -1;
	}
	return 0;
}

/* scan_quoted - quoted-string at s->p (after the opening '"'), unescaped */
static int
scan_quoted(struct authres_scan *s, char **value_r, char **error_r)
{
	struct mauth_buf v = MAUTH_BUF_INIT;

	while (s->p < s->end && *s->p != '"') {
		char c = *s->p++;

		if (c == '\\') {
			if (s->p == s->end)
				break;
			c = *s->p++;
		} else if (c == '\r' || c == '\n') {
			continue;	/* folding inside the string: unfold */
		} else if (c == '\0') {
			mauth_buf_free(&v);
			*error_r = xstrdup("NUL byte in quoted-string");
			return -1;
		}
		mauth_buf_putc(&v, c);
	}
	if (s->p == s->end) {
		mauth_buf_free(&v);
		*error_r = xstrdup("unterminated quoted-string");
		return -1;
	}
	s->p++;		/* closing '"' */
	*value_r = mauth_buf_steal(&v);
	return 0;
}

/* scan_value - RFC 2045 value (token / quoted-string) */
static int
scan_value(struct authres_scan *s, char **value_r, char **error_r)
{
	const char *start = s->p;

	if (s->p < s->end && *s->p == '"') {
		s->p++;
		return scan_quoted(s, value_r, error_r);
	}
	while (s->p < s->end) {
		unsigned char c = (unsigned char)*s->p;

		if (c <= ' ' || c >= 0x7f || is_tspecial(c))
			break;
		s->p++;
	}
	if (s->p == start) {
		if (s->p == s->end)
			*error_r = xstrdup("no authserv-id");
		else
			*error_r = xasprintf("authserv-id expected, found '%c' (0x%02x)",
			    (unsigned char)*s->p >= ' ' && (unsigned char)*s->p < 0x7f
				? *s->p : '?',
			    (unsigned char)*s->p);
		return -1;
	}
	*value_r = xstrndup(start, (size_t)(s->p - start));
	return 0;
}

/*
 * after_id - [CFWS authres-version] [CFWS] then ";" or the end: what may
 * follow the authserv-id (RFC 8601 section 2.2).  The rest of the field is
 * not examined.
 */
static int
after_id(struct authres_scan *s, char **error_r)
{
	const char *before = s->p;

	if (skip_cfws(s, error_r) < 0)
		return -1;
	if (s->p > before && s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
		if (skip_cfws(s, error_r) < 0)
			return -1;
	}
	if (s->p == s->end || *s->p == ';')
		return 0;
	*error_r = xasprintf("unexpected text after authserv-id at offset %zu",
	    (size_t)(s->p - s->start));
	return -1;
}

int
mauth_authres_parse_id(const char *body, size_t len, char **id_r,
    char **error_r)
{
	struct authres_scan s = { body, body, body + len };
	char *id = NULL;

	*id_r = NULL;
	if (skip_cfws(&s, error_r) < 0 || scan_value(&s, &id, error_r) < 0)
		return -1;
	if (*id == '\0') {
		free(id);
		*error_r = xstrdup("empty authserv-id");
		return -1;
	}
	if (after_id(&s, error_r) < 0) {
		free(id);
		return -1;
	}
	*id_r = id;
	return 0;
}

bool
mauth_authres_claims_id(const char *body, size_t len, const char *id)
{
	char *got = NULL, *error = NULL;
	bool claims;

	if (id == NULL || mauth_authres_parse_id(body, len, &got, &error) < 0) {
		free(error);
		return false;
	}
	claims = strcasecmp(got, id) == 0;
	free(got);
	return claims;
}
