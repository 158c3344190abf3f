/*
 * dkim_select.c - which keys sign a message: the From address against the
 * SigningTable (opendkim.conf(5) lookup order), and the From address itself
 * (RFC 5322 section 3.4: the addr-spec of the first mailbox)
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dkim_int.h"
#include "xmalloc.h"

/* skip a quoted-string or a (nested) comment starting at *p */
static const char *
skip_special(const char *p)
{
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++)
			if (*p == '\\' && p[1] != '\0')
				p++;
		return *p ? p + 1 : p;
	}
	int depth = 0;
	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return p;
}

/* the addr-spec text: inside <...>, or the first mailbox of the list */
static char *
addr_text(const char *from)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	const char *p = from, *lt = NULL;

	for (; *p != '\0' && *p != ','; ) {
		if (*p == '"' || *p == '(') {
			p = skip_special(p);
			continue;
		}
		if (*p == '<') {
			lt = p + 1;
			break;
		}
		p++;
	}
	p = lt ? lt : from;
	mauth_buf_puts(&b, "");
	while (*p != '\0' && *p != (lt ? '>' : ',')) {
		if (*p == '(') {
			p = skip_special(p);
			continue;
		}
		if (*p == '"') {
			const char *e = skip_special(p);
			mauth_buf_append(&b, p, (size_t)(e - p));
			p = e;
			continue;
		}
		if (!isspace((unsigned char)*p))
			mauth_buf_putc(&b, *p);
		p++;
	}
	return mauth_buf_steal(&b);
}

char *
mauth_dkim_from_address(const char *from, char **error_r)
{
	char *text = addr_text(from), *addr = text, *at;
	const char *why;

	/* obsolete route "@a,@b:user@domain" (RFC 5322 section 4.4) */
	if (*addr == '@' && strchr(addr, ':') != NULL)
		addr = strchr(addr, ':') + 1;
	at = strrchr(addr, '@');
	if (at == NULL || at == addr) {
		*error_r = xasprintf("no address in From \"%s\"", from);
		free(text);
		return NULL;
	}
	size_t dl = strlen(at + 1);
	if (dl > 0 && at[dl] == '.')
		at[dl] = '\0';
	for (char *d = at + 1; *d != '\0'; d++)
		*d = (char)tolower((unsigned char)*d);
	if ((why = dkim_name_check(at + 1, false)) != NULL) {
		*error_r = xasprintf("From domain \"%s\" %s", at + 1, why);
		free(text);
		return NULL;
	}
	char *out = xstrdup(addr);
	free(text);
	return out;
}

/* "*" matches any run of characters; the rest case-insensitively */
static bool
glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (tolower((unsigned char)*pat) == tolower((unsigned char)*s)) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++resume;
		} else
			return false;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* OpenDKIM's lookup keys for user@domain, most specific first */
static char **
candidates(const char *user, const char *domain, size_t *n_r)
{
	size_t n = 0, cap = 8;
	char **c = xcalloc(cap, sizeof(*c));
	const char *p;

#define ADD(...) do { \
	if (n + 1 >= cap) \
		c = xreallocarray(c, cap *= 2, sizeof(*c)); \
	c[n++] = xasprintf(__VA_ARGS__); \
} while (0)
	ADD("%s@%s", user, domain);
	ADD("%s", domain);
	for (p = strchr(domain, '.'); p != NULL; p = strchr(p + 1, '.'))
		ADD("%s@%s", user, p);
	for (p = strchr(domain, '.'); p != NULL; p = strchr(p + 1, '.'))
		ADD("%s", p);
	ADD("%s@*", user);
	ADD("*");
#undef ADD
	*n_r = n;
	return c;
}

/* i= from the entry's signer; dropped when outside d= (OpenDKIM does so) */
static char *
signer_for(const char *signer, const char *domain, const char *d)
{
	if (signer == NULL || *signer == '\0')
		return NULL;
	struct mauth_buf b = MAUTH_BUF_INIT;
	for (const char *p = signer; *p != '\0'; p++) {
		if (*p == '%')
			mauth_buf_puts(&b, domain);
		else
			mauth_buf_putc(&b, *p);
	}
	char *i = mauth_buf_steal(&b), *at = strrchr(i, '@');
	size_t il = at ? strlen(at + 1) : 0, dl = strlen(d);
	if (at != NULL && (strcasecmp(at + 1, d) == 0 ||
	    (il > dl && at[il - dl] == '.' && strcasecmp(at + 1 + il - dl, d) == 0)))
		return i;
	free(i);
	return NULL;
}

struct selection {
	struct mauth_dkim_signing *sel;
	size_t n;
	char *problem;
};

/* the signings of one matching entry */
static void
apply_entry(const struct mauth_dkim_keys *keys, const struct st_entry *e,
    const char *domain, struct selection *out)
{
	for (size_t k = 0; k < e->nkeys; k++) {
		const char *name = strcmp(e->keys[k], "%") == 0 ? domain : e->keys[k];
		const struct kt_entry *kt = dkim_kt_find(keys, name);
		bool dup = false;
		if (kt == NULL) {
			if (out->problem == NULL)
				out->problem = xasprintf("SigningTable line %u: no KeyTable entry \"%s\"",
				    e->line, name);
			continue;
		}
		for (size_t i = 0; i < out->n && !dup; i++)
			dup = strcmp(out->sel[i].key_name, kt->name) == 0;
		if (dup)
			continue;
		out->sel = xreallocarray(out->sel, out->n + 1, sizeof(*out->sel));
		struct mauth_dkim_signing *s = &out->sel[out->n++];
		s->key = kt->key;
		s->domain = xstrdup(strcmp(kt->domain, "%") == 0 ? domain : kt->domain);
		s->selector = xstrdup(kt->selector);
		s->identity = signer_for(e->signer, domain, s->domain);
		s->key_name = xstrdup(kt->name);
	}
}

size_t
mauth_dkim_keys_select(const struct mauth_dkim_keys *keys, const char *from,
    struct mauth_dkim_signing **sel_r, char **problem_r)
{
	struct selection out = { NULL, 0, NULL };
	char *addr = mauth_dkim_from_address(from, &out.problem);

	*sel_r = NULL;
	*problem_r = NULL;
	if (addr == NULL) {
		*problem_r = out.problem;
		return 0;
	}
	char *at = strrchr(addr, '@'), *domain = at + 1;
	*at = '\0';
	bool matched = false;
	if (keys->refile) {
		for (size_t i = 0; i < keys->nst && (!matched || keys->multiple); i++) {
			char *full = xasprintf("%s@%s", addr, domain);
			if (glob_match(keys->st[i].pattern, full)) {
				apply_entry(keys, &keys->st[i], domain, &out);
				matched = true;
			}
			free(full);
		}
	} else {
		size_t nc;
		char **c = candidates(addr, domain, &nc);
		for (size_t j = 0; j < nc; j++) {
			for (size_t i = 0; i < keys->nst && (!matched || keys->multiple); i++)
				if (strcasecmp(keys->st[i].pattern, c[j]) == 0) {
					apply_entry(keys, &keys->st[i], domain, &out);
					matched = true;
				}
			free(c[j]);
		}
		free(c);
	}
	free(addr);
	*sel_r = out.sel;
	*problem_r = out.problem;
	return out.n;
}
