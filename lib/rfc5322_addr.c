/*
 * rfc5322_addr.c - the mailboxes of an RFC 5322 address field (From:)
 *
 * Two passes: a lexer turns the field into tokens (atoms, quoted strings,
 * domain literals, specials), dropping CFWS - white space, line folds and
 * nested comments (RFC 5322 section 3.2.2); then a recursive-descent
 * parser reads address-list / mailbox-list (sections 3.4, 4.4) and RFC
 * 6854 groups.  What is accepted, tolerated and refused, and why, is in
 * rfc5322_addr.h.  The rule that keeps DMARC safe: a domain is only ever
 * taken from the token after an "@" that is outside quotes, comments and
 * display names, and any input where that is not clear-cut is an error.
 *
 * Ownership: the lexer's tokens live for one call; every string put in
 * the caller's list is owned by the list.
 */
#include "config.h"

#include <idn2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dns.h"
#include "rfc5322_addr.h"
#include "xmalloc.h"

enum tok_kind {
	TOK_END = 0,
	TOK_ATOM,
	TOK_QSTRING,
	TOK_DLITERAL,
	TOK_SPECIAL,
};

struct tok {
	enum tok_kind kind;
	char c;			/* TOK_SPECIAL: the character */
	size_t off;		/* offset in the field, for error messages */
	char *text;		/* ATOM: the atom; QSTRING: unquoted content */
};

struct parser {
	const char *in;
	size_t len;
	struct tok *tok;
	size_t ntok, cap;
	size_t pos;
	char *error;
	struct mauth_rfc5322_addr_list *list;
};

static int
fail(struct parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct parser *p, size_t off, const char *fmt, ...)
{
	va_list ap;
	struct mauth_buf b = MAUTH_BUF_INIT;

	if (p->error != NULL)
		return -1;
	va_start(ap, fmt);
	mauth_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	mauth_buf_printf(&b, " at offset %zu", off);
	p->error = mauth_buf_steal(&b);
	return -1;
}

/* ---------------------------------------------------------------- lexer */

static bool
is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80)
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool
is_fws(unsigned char c)
{
	/* Folds arrive as "\r\n" or "\n" (milter); bare CR/LF count as FWS. */
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct tok *
tok_add(struct parser *p, enum tok_kind kind, size_t off)
{
	if (p->ntok == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->tok = xreallocarray(p->tok, p->cap, sizeof(*p->tok));
	}
	struct tok *t = &p->tok[p->ntok++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->off = off;
	return t;
}

/* skip a comment (RFC 5322 3.2.2), nested; *ip is at "(" */
static int
lex_comment(struct parser *p, size_t *ip)
{
	size_t i = *ip, start = *ip;
	unsigned depth = 0;

	while (i < p->len) {
		unsigned char c = (unsigned char)p->in[i];
		if (c == '\0')
			return fail(p, i, "NUL byte in a comment");
		if (c == '\\') {
			i += 2;
			continue;
		}
		if (c == '(')
			depth++;
		else if (c == ')' && --depth == 0) {
			*ip = i + 1;
			return 0;
		}
		i++;
	}
	return fail(p, start, "unterminated comment");
}

/* a quoted-string or domain literal up to the closing delimiter */
static int
lex_quoted(struct parser *p, size_t *ip, char close, enum tok_kind kind)
{
	size_t i = *ip + 1, start = *ip;
	struct mauth_buf b = MAUTH_BUF_INIT;

	while (i < p->len) {
		unsigned char c = (unsigned char)p->in[i];
		if (c == '\0' || (c == '\\' && i + 1 < p->len &&
		    p->in[i + 1] == '\0')) {
			mauth_buf_free(&b);
			return fail(p, i, "NUL byte in a %s", kind == TOK_QSTRING ?
			    "quoted string" : "domain literal");
		}
		if (c == '\\' && i + 1 < p->len) {
			mauth_buf_putc(&b, p->in[i + 1]);
			i += 2;
			continue;
		}
		if (c == (unsigned char)close) {
			struct tok *t = tok_add(p, kind, start);
			t->text = mauth_buf_steal(&b);
			*ip = i + 1;
			return 0;
		}
		if (kind == TOK_DLITERAL && (c == '[' || c == ']'))
			break;
		if (c != '\r' && c != '\n')	/* unfold */
			mauth_buf_putc(&b, (char)c);
		i++;
	}
	mauth_buf_free(&b);
	return fail(p, start, kind == TOK_QSTRING ?
	    "unterminated quoted string" : "malformed domain literal");
}

static int
lex(struct parser *p)
{
	size_t i = 0;

	while (i < p->len) {
		unsigned char c = (unsigned char)p->in[i];
		if (is_fws(c)) {
			i++;
		} else if (c == '(') {
			if (lex_comment(p, &i) < 0)
				return -1;
		} else if (c == '"') {
			if (lex_quoted(p, &i, '"', TOK_QSTRING) < 0)
				return -1;
		} else if (c == '[') {
			if (lex_quoted(p, &i, ']', TOK_DLITERAL) < 0)
				return -1;
		} else if (is_atext(c)) {
			size_t start = i;
			while (i < p->len && is_atext((unsigned char)p->in[i]))
				i++;
			struct tok *t = tok_add(p, TOK_ATOM, start);
			t->text = xstrndup(p->in + start, i - start);
		} else if (strchr("<>@,;:.", c) != NULL && c != '\0') {
			tok_add(p, TOK_SPECIAL, i)->c = (char)c;
			i++;
		} else if (c == ')' || c == ']') {
			return fail(p, i, "unbalanced \"%c\"", c);
		} else if (c == '\\') {
			return fail(p, i, "quoted-pair outside a quoted string");
		} else {
			return fail(p, i, "control character 0x%02x", c);
		}
	}
	tok_add(p, TOK_END, p->len);
	return 0;
}

/* --------------------------------------------------------------- parser */

static const struct tok *
peek(const struct parser *p)
{
	return &p->tok[p->pos];
}

static bool
is_sp(const struct tok *t, char c)
{
	return t->kind == TOK_SPECIAL && t->c == c;
}

static bool
is_word(const struct tok *t)
{
	return t->kind == TOK_ATOM || t->kind == TOK_QSTRING;
}

/* a token ends a mailbox: end of field, "," or ";" (group end) */
static bool
ends_mailbox(const struct tok *t)
{
	return t->kind == TOK_END || is_sp(t, ',') || is_sp(t, ';');
}

static const char *
describe(const struct tok *t)
{
	switch (t->kind) {
	case TOK_END:
		return "end of field";
	case TOK_ATOM:
		return "word";
	case TOK_QSTRING:
		return "quoted string";
	case TOK_DLITERAL:
		return "domain literal";
	case TOK_SPECIAL:
		break;
	}
	switch (t->c) {
	case '<': return "\"<\"";
	case '>': return "\">\"";
	case '@': return "\"@\"";
	case ',': return "\",\"";
	case ';': return "\";\"";
	case ':': return "\":\"";
	default: return "\".\"";
	}
}

/*
 * check a domain taken from an addr-spec and bring it to the form DNS and
 * DMARC use: lower case, U-labels as A-labels (RFC 9989 section 5.3.1).
 */
static char *
domain_normalise(const char *text, char **error_r)
{
	bool utf8 = false;
	char *ace = NULL, *norm, *err = NULL;

	for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
		if (*s >= 0x80)
			utf8 = true;
		else if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.')) {
			*error_r = xasprintf("domain \"%s\" has the character \"%c\","
			    " which no DNS host name has", text, *s);
			return NULL;
		}
	}
	if (utf8) {
		int rc = idn2_to_ascii_8z(text, &ace,
		    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK) {
			*error_r = xasprintf("domain \"%s\" is not a valid"
			    " internationalized name: %s", text, idn2_strerror(rc));
			return NULL;
		}
	}
	norm = mauth_dns_name_normalise(ace != NULL ? ace : text, &err);
	idn2_free(ace);
	if (norm == NULL) {
		*error_r = xasprintf("domain \"%s\": %s", text, err);
		free(err);
	}
	return norm;
}

/* domain = dot-atom / obs-domain; domain literals have no DMARC domain */
static int
parse_domain(struct parser *p, char **domain_r)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	const struct tok *t = peek(p);
	size_t off = t->off;
	char *err = NULL;

	if (t->kind == TOK_DLITERAL)
		return fail(p, off, "address literal [%s] has no domain name",
		    t->text);
	for (;;) {
		t = peek(p);
		if (t->kind != TOK_ATOM) {
			mauth_buf_free(&b);
			return fail(p, t->off, "%s where a domain label should be",
			    describe(t));
		}
		mauth_buf_puts(&b, t->text);
		p->pos++;
		if (!is_sp(peek(p), '.'))
			break;
		mauth_buf_putc(&b, '.');
		p->pos++;
	}
	*domain_r = domain_normalise(mauth_buf_cstr(&b), &err);
	mauth_buf_free(&b);
	if (*domain_r == NULL) {
		fail(p, off, "%s", err);
		free(err);
		return -1;
	}
	return 0;
}

static int
add_mailbox(struct parser *p, char *local, char *domain, size_t off)
{
	struct mauth_rfc5322_addr_list *l = p->list;

	if (l->count >= MAUTH_RFC5322_MAX_MAILBOXES) {
		free(local);
		free(domain);
		return fail(p, off, "more than %d mailboxes",
		    MAUTH_RFC5322_MAX_MAILBOXES);
	}
	l->mailbox = xreallocarray(l->mailbox, l->count + 1, sizeof(*l->mailbox));
	l->mailbox[l->count].local_part = local;
	l->mailbox[l->count].domain = domain;
	l->count++;
	return 0;
}

/*
 * addr-spec = local-part "@" domain.  The local-part is words joined by
 * dots; dots out of place ("a..b", "a.") are tolerated, since they cannot
 * move the "@" and so cannot change the domain.
 */
static int
parse_addr_spec(struct parser *p)
{
	struct mauth_buf local = MAUTH_BUF_INIT;
	const struct tok *t = peek(p);
	size_t off = t->off;
	bool last_word = false;
	char *domain;

	if (!is_word(t) && !is_sp(t, '.')) {
		return fail(p, off, "%s where an address should start",
		    describe(t));
	}
	for (t = peek(p); is_word(t) || is_sp(t, '.'); t = peek(p)) {
		if (is_word(t) && last_word)
			break;		/* two words in a row: not one local-part */
		if (is_sp(t, '.') && !last_word)
			p->list->lenient = true;	/* ".a", "a..b" */
		last_word = is_word(t);
		mauth_buf_puts(&local, is_word(t) ? t->text : ".");
		p->pos++;
	}
	if (!last_word)
		p->list->lenient = true;		/* "a.@b" */
	if (local.len == strspn(mauth_buf_cstr(&local), ".")) {
		mauth_buf_free(&local);
		return fail(p, off, "local-part without a word");
	}
	if (!is_sp(t, '@')) {
		mauth_buf_free(&local);
		return fail(p, t->off, "%s where \"@\" and the domain should be",
		    describe(t));
	}
	p->pos++;
	if (parse_domain(p, &domain) < 0) {
		mauth_buf_free(&local);
		return -1;
	}
	return add_mailbox(p, mauth_buf_steal(&local), domain, off);
}

/* obs-route = obs-domain-list ":" ; the route is ignored (RFC 5322 4.4) */
static int
parse_route(struct parser *p)
{
	char *domain;

	p->list->lenient = true;
	while (is_sp(peek(p), ','))
		p->pos++;
	for (;;) {
		if (!is_sp(peek(p), '@'))
			return fail(p, peek(p)->off, "%s in a route",
			    describe(peek(p)));
		p->pos++;
		if (parse_domain(p, &domain) < 0)
			return -1;
		free(domain);
		while (is_sp(peek(p), ','))
			p->pos++;
		if (is_sp(peek(p), ':')) {
			p->pos++;
			return 0;
		}
	}
}

/* name-addr = [display-name] "<" [obs-route] addr-spec ">" */
static int
parse_name_addr(struct parser *p)
{
	const struct tok *t;

	for (t = peek(p); !is_sp(t, '<'); t = peek(p)) {
		/* obs-phrase allows "." after the first word */
		if (!is_word(t) && !(is_sp(t, '.') && p->pos > 0 &&
		    is_word(&p->tok[p->pos - 1])))
			return fail(p, t->off, "%s in a display name", describe(t));
		p->pos++;
	}
	p->pos++;
	t = peek(p);
	if (is_sp(t, '>'))
		return fail(p, t->off, "empty address \"<>\"");
	if ((is_sp(t, '@') || is_sp(t, ',')) && parse_route(p) < 0)
		return -1;
	if (parse_addr_spec(p) < 0)
		return -1;
	t = peek(p);
	if (!is_sp(t, '>'))
		return fail(p, t->off, "%s where \">\" should close the address",
		    describe(t));
	p->pos++;
	t = peek(p);
	if (!ends_mailbox(t))
		return fail(p, t->off, "%s after \">\"", describe(t));
	return 0;
}

/*
 * An addr-spec without angle brackets.  Words before its local-part are
 * a display name written without "<>" - not RFC 5322, but common, and
 * the domain stays the one after the only "@"; tolerated and flagged.
 */
static int
parse_bare(struct parser *p)
{
	size_t at = p->pos, k;

	while (!ends_mailbox(&p->tok[at]) && !is_sp(&p->tok[at], '@'))
		at++;
	if (!is_sp(&p->tok[at], '@')) {
		const struct tok *t = &p->tok[at];
		return fail(p, p->tok[p->pos].off,
		    "mailbox without \"@\" and domain (ends at %s)", describe(t));
	}
	/* the local-part: the words and dots before "@", no two words in a row */
	bool word_after = false;
	for (k = at; k > p->pos; k--) {
		const struct tok *t = &p->tok[k - 1];
		if (is_word(t) && word_after)
			break;
		if (!is_word(t) && !is_sp(t, '.'))
			break;
		word_after = is_word(t);
	}
	for (size_t i = p->pos; i < k; i++) {
		if (!is_word(&p->tok[i]) && !is_sp(&p->tok[i], '.'))
			return fail(p, p->tok[i].off, "%s in a display name",
			    describe(&p->tok[i]));
	}
	if (k > p->pos)
		p->list->lenient = true;
	p->pos = k;
	if (parse_addr_spec(p) < 0)
		return -1;
	if (!ends_mailbox(peek(p)))
		return fail(p, peek(p)->off, "%s after the address",
		    describe(peek(p)));
	return 0;
}

static int
parse_mailbox(struct parser *p)
{
	for (size_t i = p->pos; !ends_mailbox(&p->tok[i]); i++) {
		if (is_sp(&p->tok[i], '<'))
			return parse_name_addr(p);
	}
	return parse_bare(p);
}

/* group = display-name ":" [group-list] ";" (RFC 5322 3.4, RFC 6854) */
static int
parse_group(struct parser *p)
{
	const struct tok *t;

	for (t = peek(p); !is_sp(t, ':'); t = peek(p)) {
		if (!is_word(t) && !is_sp(t, '.'))
			return fail(p, t->off, "%s in a group name", describe(t));
		p->pos++;
	}
	p->pos++;
	for (;;) {
		while (is_sp(peek(p), ','))
			p->pos++;
		t = peek(p);
		if (is_sp(t, ';')) {
			p->pos++;
			return 0;
		}
		if (t->kind == TOK_END) {
			/* "Name: a@b" with no ";": tolerated at the very end */
			p->list->lenient = true;
			return 0;
		}
		if (parse_mailbox(p) < 0)
			return -1;
	}
}

/* address = mailbox / group: a ":" before any "<" or "@" makes a group */
static int
parse_address(struct parser *p)
{
	for (size_t i = p->pos; ; i++) {
		const struct tok *t = &p->tok[i];
		if (is_sp(t, ':'))
			return parse_group(p);
		if (ends_mailbox(t) || is_sp(t, '<') || is_sp(t, '@'))
			return parse_mailbox(p);
	}
}

/* address-list, with the empty elements of obs-addr-list */
static int
parse_list(struct parser *p)
{
	for (;;) {
		while (is_sp(peek(p), ','))
			p->pos++;
		if (peek(p)->kind == TOK_END)
			return 0;
		if (parse_address(p) < 0)
			return -1;
		const struct tok *t = peek(p);
		if (t->kind == TOK_END)
			return 0;
		if (!is_sp(t, ','))
			return fail(p, t->off, "%s where \",\" or the end should be",
			    describe(t));
	}
}

static void
distinct_domains(struct mauth_rfc5322_addr_list *l)
{
	l->domains = xcalloc(l->count ? l->count : 1, sizeof(*l->domains));
	for (size_t i = 0; i < l->count; i++) {
		size_t j;
		for (j = 0; j < l->ndomains; j++) {
			if (strcmp(l->domains[j], l->mailbox[i].domain) == 0)
				break;
		}
		if (j == l->ndomains)
			l->domains[l->ndomains++] = l->mailbox[i].domain;
	}
}

int
mauth_rfc5322_addr_parse(const char *value, size_t len,
    struct mauth_rfc5322_addr_list *list, char **error_r)
{
	struct parser p = { .in = value, .len = len, .list = list };
	int rc;

	memset(list, 0, sizeof(*list));
	rc = lex(&p);
	if (rc == 0)
		rc = parse_list(&p);
	for (size_t i = 0; i < p.ntok; i++)
		free(p.tok[i].text);
	free(p.tok);
	if (rc < 0) {
		mauth_rfc5322_addr_list_clear(list);
		*error_r = p.error != NULL ? p.error :
		    xstrdup("unparseable address field");
		return -1;
	}
	distinct_domains(list);
	return 0;
}

void
mauth_rfc5322_addr_list_clear(struct mauth_rfc5322_addr_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->mailbox[i].local_part);
		free(list->mailbox[i].domain);
	}
	free(list->mailbox);
	free(list->domains);
	memset(list, 0, sizeof(*list));
}
