/*
 * dkim_tags.c - DKIM tag-lists and the small encodings around them
 *
 * RFC 6376 section 3.2 (tag=value lists, used by DKIM-Signature and key
 * records), base64 with folding white space (section 2.4), and the name
 * checks that keep a malformed d= or s= out of DNS queries (section 3.5,
 * "domain-name"; the d=legitimate.com(.attacker.com shape of
 * CVE-2020-12272).  Everything returned is malloc'd and owned by the caller
 * (or by the taglist, freed by dkim_taglist_clear()).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dkim_int.h"
#include "xmalloc.h"

static bool
is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* VALCHAR = %x21-3A / %x3C-7E: printable ASCII except ";" */
static bool
is_valchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != ';';
}

const char *
dkim_taglist_get(const struct dkim_taglist *tl, const char *name)
{
	for (size_t i = 0; i < tl->n; i++)
		if (strcmp(tl->tags[i].name, name) == 0)
			return tl->tags[i].value;
	return NULL;
}

void
dkim_taglist_clear(struct dkim_taglist *tl)
{
	for (size_t i = 0; i < tl->n; i++) {
		free(tl->tags[i].name);
		free(tl->tags[i].value);
	}
	free(tl->tags);
	tl->tags = NULL;
	tl->n = 0;
}

/* one tag-spec starting at s[*pos] (FWS already skipped); 0 or -1 */
static int
taglist_spec(const char *s, size_t len, size_t *pos, struct dkim_taglist *tl,
    char **error_r)
{
	size_t i = *pos, start = i;

	if (!is_alpha((unsigned char)s[i])) {
		*error_r = xasprintf("tag name expected at offset %zu, found 0x%02x",
		    i, (unsigned char)s[i]);
		return -1;
	}
	while (i < len && (is_alpha((unsigned char)s[i]) ||
	    is_digit((unsigned char)s[i]) || s[i] == '_'))
		i++;
	char *name = xstrndup(s + start, i - start);
	while (i < len && is_fws((unsigned char)s[i]))
		i++;
	if (i >= len || s[i] != '=') {
		*error_r = xasprintf("\"=\" expected after tag name \"%s\" at offset %zu",
		    name, i);
		free(name);
		return -1;
	}
	i++;
	while (i < len && is_fws((unsigned char)s[i]))
		i++;
	size_t vstart = i, vend = i;
	for (; i < len && s[i] != ';'; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_valchar(c))
			vend = i + 1;
		else if (!is_fws(c)) {
			*error_r = xasprintf("invalid character 0x%02x in %s= at offset %zu",
			    c, name, i);
			free(name);
			return -1;
		}
	}
	if (dkim_taglist_get(tl, name) != NULL) {
		*error_r = xasprintf("tag %s= appears twice (RFC 6376 section 3.2)", name);
		free(name);
		return -1;
	}
	tl->tags = xreallocarray(tl->tags, tl->n + 1, sizeof(*tl->tags));
	tl->tags[tl->n].name = name;
	tl->tags[tl->n].value = xstrndup(s + vstart, vend - vstart);
	tl->n++;
	*pos = i;
	return 0;
}

int
dkim_taglist_parse(const char *s, size_t len, struct dkim_taglist *tl,
    char **error_r)
{
	size_t i = 0;

	tl->tags = NULL;
	tl->n = 0;
	for (;;) {
		while (i < len && is_fws((unsigned char)s[i]))
			i++;
		if (i >= len)
			return 0;
		if (s[i] == ';') {	/* empty tag-spec */
			i++;
			continue;
		}
		if (taglist_spec(s, len, &i, tl, error_r) < 0) {
			dkim_taglist_clear(tl);
			return -1;
		}
		if (i < len)
			i++;	/* the ";" */
	}
}

char *
dkim_strip_fws(const char *s)
{
	size_t n = strlen(s), j = 0;
	char *out = xmalloc(n + 1);

	for (size_t i = 0; i < n; i++)
		if (!is_fws((unsigned char)s[i]))
			out[j++] = s[i];
	out[j] = '\0';
	return out;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

unsigned char *
dkim_b64_decode(const char *s, size_t *len_r)
{
	size_t n = strlen(s), o = 0, pad = 0, bits = 0;
	unsigned char *out = xmalloc(n / 4 * 3 + 3);
	unsigned acc = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_fws(c))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		int v = b64_value(c);
		if (v < 0 || pad > 0)
			goto bad;	/* not base64, or data after padding */
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* 6 leftover bits can never be valid; padding must complete a quantum */
	if (bits >= 6 || pad > 2 || (pad > 0 && (bits / 2) != pad))
		goto bad;
	*len_r = o;
	return out;
bad:
	free(out);
	return NULL;
}

char *
dkim_b64_encode(const unsigned char *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc((n + 2) / 3 * 4 + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

const char *
dkim_name_check(const char *s, bool two_labels)
{
	size_t label = 0, labels = 0, total = strlen(s);

	if (total == 0)
		return "empty";
	if (total > 253)
		return "longer than 253 octets";
	for (size_t i = 0; i <= total; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.' || c == '\0') {
			if (label == 0)
				return "has an empty label";
			labels++;
			label = 0;
			continue;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_')
			return "has a character that is not a letter, digit, \"-\" or \"_\"";
		if (++label > 63)
			return "has a label longer than 63 octets";
	}
	if (two_labels && labels < 2)
		return "is not a domain name of two or more labels";
	return NULL;
}

enum mauth_dkim_alg
dkim_alg_parse(const char *s)
{
	if (strcasecmp(s, "rsa-sha256") == 0)
		return MAUTH_DKIM_RSA_SHA256;
	if (strcasecmp(s, "ed25519-sha256") == 0)
		return MAUTH_DKIM_ED25519_SHA256;
	if (strcasecmp(s, "rsa-sha1") == 0)
		return MAUTH_DKIM_RSA_SHA1;
	return MAUTH_DKIM_ALG_UNKNOWN;
}

const char *
mauth_dkim_alg_name(enum mauth_dkim_alg alg)
{
	switch (alg) {
	case MAUTH_DKIM_RSA_SHA1:
		return "rsa-sha1";
	case MAUTH_DKIM_RSA_SHA256:
		return "rsa-sha256";
	case MAUTH_DKIM_ED25519_SHA256:
		return "ed25519-sha256";
	case MAUTH_DKIM_ALG_UNKNOWN:
		break;
	}
	return NULL;
}

const char *
mauth_dkim_result_name(enum mauth_dkim_result result)
{
	switch (result) {
	case MAUTH_DKIM_NONE:
		return "none";
	case MAUTH_DKIM_PASS:
		return "pass";
	case MAUTH_DKIM_FAIL:
		return "fail";
	case MAUTH_DKIM_POLICY:
		return "policy";
	case MAUTH_DKIM_NEUTRAL:
		return "neutral";
	case MAUTH_DKIM_TEMPERROR:
		return "temperror";
	case MAUTH_DKIM_PERMERROR:
		return "permerror";
	}
	return "temperror";
}

/*
 * The milter hands a header value with its line breaks as "\n" (message.h);
 * libopendkim hashes the field as it was on the wire, with CRLF.
 */
char *
dkim_wire_header(const char *name, const char *value, size_t *len_r)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	mauth_buf_puts(&b, name);
	mauth_buf_putc(&b, ':');
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			mauth_buf_putc(&b, '\r');
		mauth_buf_putc(&b, *p);
	}
	*len_r = b.len;
	return mauth_buf_steal(&b);
}
