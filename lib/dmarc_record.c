/*
 * dmarc_record.c - DMARC policy record parser (RFC 9989 4.7, 4.8, 4.10.1;
 * RFC 7489 6.3, 6.4, 6.6.3 in the legacy mode)
 *
 * The record is "v=DMARC1" then ";"-separated tag=value pairs.  The
 * version must come first and be exact, or the TXT record is not a DMARC
 * record at all.  After that, RFC 9989 4.8 asks for leniency: a bad value
 * is replaced by the tag's default and noted in rec->warnings - except
 * p, sp and np, where 4.10.1 says a bad policy means p=none if rua= has a
 * usable URI and no DMARC at all otherwise (INVALID here).
 *
 * Ownership: see dmarc_record.h.  Reentrant; no state between calls.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dmarc_record.h"
#include "dmarc_uri.h"
#include "xmalloc.h"

struct rparse {
	struct mauth_dmarc_record *rec;
	enum mauth_dmarc_mode mode;
	struct mauth_buf warn;
	unsigned seen;			/* bit per known tag */
	const char *p_bad;		/* what was wrong with p/sp/np, or NULL */
	char *p_bad_buf;
	bool p_seen;
	char *dup;			/* first repeated tag */
};

static void
warn(struct rparse *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
warn(struct rparse *rp, const char *fmt, ...)
{
	va_list ap;

	if (rp->warn.len > 0)
		mauth_buf_puts(&rp->warn, "; ");
	va_start(ap, fmt);
	mauth_buf_vprintf(&rp->warn, fmt, ap);
	va_end(ap);
}

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* policy bad: remember the first problem for the INVALID message */
static void
policy_bad(struct rparse *rp, const char *tag, const char *value)
{
	if (rp->p_bad_buf == NULL) {
		rp->p_bad_buf = xasprintf("%s=%s is not none, quarantine or reject",
		    tag, value);
		rp->p_bad = rp->p_bad_buf;
	}
}

static int
keyword(const char *value, const char *const *words)
{
	for (int i = 0; words[i] != NULL; i++) {
		if (strcasecmp(value, words[i]) == 0)
			return i;
	}
	return -1;
}

static const char *const policy_words[] = { "none", "quarantine", "reject", NULL };

static void
tag_p(struct rparse *rp, const char *tag, const char *value)
{
	int k = keyword(value, policy_words);

	if (k < 0) {
		policy_bad(rp, tag, value);
		return;
	}
	if (strcasecmp(tag, "p") == 0) {
		rp->rec->p = (enum mauth_dmarc_policy)k;
		rp->p_seen = true;
	} else if (strcasecmp(tag, "sp") == 0) {
		rp->rec->sp = (enum mauth_dmarc_policy)k;
		rp->rec->has_sp = true;
	} else {
		rp->rec->np = (enum mauth_dmarc_policy)k;
		rp->rec->has_np = true;
	}
}

static void
tag_align(struct rparse *rp, const char *tag, const char *value)
{
	static const char *const words[] = { "r", "s", NULL };
	int k = keyword(value, words);

	if (k < 0) {
		warn(rp, "%s=%s ignored: not r or s", tag, value);
		return;
	}
	if (strcasecmp(tag, "adkim") == 0)
		rp->rec->adkim = (enum mauth_dmarc_align)k;
	else
		rp->rec->aspf = (enum mauth_dmarc_align)k;
}

static void
tag_t(struct rparse *rp, const char *tag, const char *value)
{
	static const char *const words[] = { "n", "y", NULL };
	int k = keyword(value, words);

	if (k < 0)
		warn(rp, "t=%s ignored: not y or n", value);
	else
		rp->rec->testing = k == 1;
}

static void
tag_psd(struct rparse *rp, const char *tag, const char *value)
{
	static const char *const words[] = { "u", "y", "n", NULL };
	int k = keyword(value, words);

	if (k < 0)
		warn(rp, "psd=%s ignored: not y, n or u", value);
	else
		rp->rec->psd = (enum mauth_dmarc_psd)k;
}

/* fo = 0 / 1 / d / s, colon-separated, each once, not both 0 and 1 */
static void
tag_fo(struct rparse *rp, const char *tag, const char *value)
{
	unsigned have = 0;
	const char *s = value;

	for (;;) {
		while (is_wsp(*s))
			s++;
		static const char opts[] = "01ds";
		const char *opt = strchr(opts, *s);
		if (*s == '\0' || opt == NULL)
			goto bad;
		unsigned bit = 1u << (opt - opts);
		if (have & bit)
			goto bad;
		have |= bit;
		s++;
		while (is_wsp(*s))
			s++;
		if (*s == '\0')
			break;
		if (*s++ != ':')
			goto bad;
	}
	if ((have & 3) == 3)
		goto bad;
	free(rp->rec->fo);
	rp->rec->fo = xstrdup(value);
	return;
bad:
	warn(rp, "fo=%s ignored: not a list of 0, 1, d, s", value);
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

/* pct, rf, ri: RFC 7489 only (historic in RFC 9989, section 9.3) */
static void
tag_legacy(struct rparse *rp, const char *tag, const char *value)
{
	bool legacy = rp->mode == MAUTH_DMARC_MODE_RFC7489;
	unsigned long long v;

	if (strcasecmp(tag, "pct") == 0) {
		if (parse_uint(value, 100, &v))
			rp->rec->pct = (unsigned)v;
		else if (legacy)
			warn(rp, "pct=%s ignored: not 0..100", value);
	} else if (strcasecmp(tag, "ri") == 0) {
		if (parse_uint(value, UINT32_MAX, &v))
			rp->rec->ri = (uint32_t)v;
		else if (legacy)
			warn(rp, "ri=%s ignored: not a number of seconds", value);
	} else {
		/* rf = Keyword *(":" Keyword); only "afrf" is defined */
		bool okay = isalpha((unsigned char)value[0]);
		for (const char *s = value; *s && okay; s++)
			okay = isalnum((unsigned char)*s) || *s == '-' || *s == ':';
		if (okay) {
			free(rp->rec->rf);
			rp->rec->rf = xstrdup(value);
		} else if (legacy) {
			warn(rp, "rf=%s ignored: not a list of report formats", value);
		}
	}
}

/* rua / ruf (dmarc_uri.c); size suffixes count in RFC 7489 mode only */
static void
tag_uris(struct rparse *rp, const char *tag, const char *value)
{
	bool rua = strcasecmp(tag, "rua") == 0;

	*(rua ? &rp->rec->nrua : &rp->rec->nruf) = mauth_dmarc_uri_list_parse(tag,
	    value, rp->mode == MAUTH_DMARC_MODE_RFC7489,
	    rua ? &rp->rec->rua : &rp->rec->ruf, &rp->warn);
}

struct tag_def {
	const char *name;
	void (*fn)(struct rparse *, const char *tag, const char *value);
};

static const struct tag_def tags[] = {
	{ "p", tag_p }, { "sp", tag_p }, { "np", tag_p },
	{ "adkim", tag_align }, { "aspf", tag_align },
	{ "t", tag_t }, { "psd", tag_psd }, { "fo", tag_fo },
	{ "rua", tag_uris }, { "ruf", tag_uris },
	{ "pct", tag_legacy }, { "rf", tag_legacy }, { "ri", tag_legacy },
	{ "v", NULL },		/* only valid first; again is a duplicate */
	{ NULL, NULL },
};

/* ------------------------------------------------------------- records */

/* "v" *WSP "=" *WSP "DMARC1" *WSP (end / ";"); returns the rest or NULL */
static const char *
version(const char *s)
{
	while (is_wsp(*s))
		s++;
	if (*s != 'v' && *s != 'V')
		return NULL;
	for (s++; is_wsp(*s); s++)
		;
	if (*s++ != '=')
		return NULL;
	while (is_wsp(*s))
		s++;
	if (strncmp(s, "DMARC1", 6) != 0)
		return NULL;
	for (s += 6; is_wsp(*s); s++)
		;
	if (*s != '\0' && *s != ';')
		return NULL;
	return s;
}

static void
one_tag(struct rparse *rp, char *item)
{
	char *eq = strchr(item, '='), *name = item, *value;
	size_t nlen = 0;

	while (isalpha((unsigned char)name[nlen]))
		nlen++;
	if (eq == NULL || nlen == 0 || eq != name + nlen + strspn(name + nlen, " \t")) {
		warn(rp, "\"%s\" ignored: not tag=value", item);
		return;
	}
	name[nlen] = '\0';
	for (value = eq + 1; is_wsp(*value); value++)
		;
	if (*value == '\0') {
		warn(rp, "%s= ignored: empty value", name);
		return;
	}
	for (unsigned i = 0; tags[i].name != NULL; i++) {
		if (strcasecmp(tags[i].name, name) != 0)
			continue;
		if ((rp->seen & (1u << i)) || tags[i].fn == NULL) {
			if (rp->dup == NULL)
				rp->dup = xstrdup(tags[i].name);
			return;
		}
		rp->seen |= 1u << i;
		tags[i].fn(rp, tags[i].name, value);
		return;
	}
	/* unknown tags MUST be ignored (RFC 9989 4.7) */
}

static void
tags_parse(struct rparse *rp, const char *rest)
{
	char *copy = xstrdup(rest), *item = copy, *next;

	for (; item != NULL; item = next) {
		next = strchr(item, ';');
		if (next != NULL)
			*next++ = '\0';
		while (is_wsp(*item))
			item++;
		for (size_t l = strlen(item); l > 0 && is_wsp(item[l - 1]); l--)
			item[l - 1] = '\0';
		if (*item != '\0')
			one_tag(rp, item);
	}
	free(copy);
}

static struct mauth_dmarc_record *
record_new(const char *txt, size_t len)
{
	struct mauth_dmarc_record *rec = xcalloc(1, sizeof(*rec));

	rec->pct = 100;
	rec->fo = xstrdup("0");
	rec->rf = xstrdup("afrf");
	rec->ri = 86400;
	rec->text = xmemdup(txt, len);
	return rec;
}

/* RFC 9989 4.10.1 / RFC 7489 6.6.3: a bad policy falls back on rua= */
static enum mauth_dmarc_record_status
policy_check(struct rparse *rp, char **error_r)
{
	struct mauth_dmarc_record *rec = rp->rec;
	const char *why = rp->p_bad;

	if (why == NULL && !rp->p_seen)
		why = "no p= tag";
	if (why == NULL) {
		if (!rec->has_sp)
			rec->sp = rec->p;
		if (!rec->has_np)
			rec->np = rec->sp;
		return MAUTH_DMARC_RECORD_OK;
	}
	if (rec->nrua == 0) {
		*error_r = xasprintf("%s, and no usable rua= to fall back on"
		    " p=none", why);
		return MAUTH_DMARC_RECORD_INVALID;
	}
	warn(rp, "%s: treated as p=none because rua= is usable", why);
	rec->p = rec->sp = rec->np = MAUTH_DMARC_P_NONE;
	rec->has_sp = rec->has_np = false;
	rec->p_fallback = true;
	return MAUTH_DMARC_RECORD_OK;
}

enum mauth_dmarc_record_status
mauth_dmarc_record_parse(const char *txt, size_t len, enum mauth_dmarc_mode mode,
    struct mauth_dmarc_record **rec_r, char **error_r)
{
	struct rparse rp = { .mode = mode };
	enum mauth_dmarc_record_status st;
	const char *rest;

	*rec_r = NULL;
	if (memchr(txt, '\0', len) != NULL) {
		*error_r = xstrdup("record holds a NUL byte");
		return MAUTH_DMARC_RECORD_NOT_DMARC;
	}
	char *s = xmemdup(txt, len);
	rest = version(s);
	if (rest == NULL) {
		*error_r = xstrdup("does not start with v=DMARC1");
		free(s);
		return MAUTH_DMARC_RECORD_NOT_DMARC;
	}
	rp.rec = record_new(txt, len);
	tags_parse(&rp, rest);
	free(s);
	if (rp.dup != NULL) {
		*error_r = xasprintf("tag %s= appears more than once", rp.dup);
		st = MAUTH_DMARC_RECORD_INVALID;
	} else {
		st = policy_check(&rp, error_r);
	}
	free(rp.dup);
	free(rp.p_bad_buf);
	if (st != MAUTH_DMARC_RECORD_OK) {
		mauth_buf_free(&rp.warn);
		mauth_dmarc_record_free(&rp.rec);
		return st;
	}
	rp.rec->warnings = rp.warn.len > 0 ? mauth_buf_steal(&rp.warn) : NULL;
	*rec_r = rp.rec;
	return MAUTH_DMARC_RECORD_OK;
}

struct mauth_dmarc_record *
mauth_dmarc_record_dup(const struct mauth_dmarc_record *rec)
{
	struct mauth_dmarc_record *d = xmalloc(sizeof(*d));

	*d = *rec;
	d->fo = xstrdup(rec->fo);
	d->rf = xstrdup(rec->rf);
	d->text = xstrdup(rec->text);
	d->warnings = rec->warnings ? xstrdup(rec->warnings) : NULL;
	d->rua = mauth_dmarc_uri_list_dup(rec->rua, rec->nrua);
	d->ruf = mauth_dmarc_uri_list_dup(rec->ruf, rec->nruf);
	return d;
}

void
mauth_dmarc_record_free(struct mauth_dmarc_record **recp)
{
	struct mauth_dmarc_record *rec = *recp;

	if (rec == NULL)
		return;
	mauth_dmarc_uri_list_free(rec->rua, rec->nrua);
	mauth_dmarc_uri_list_free(rec->ruf, rec->nruf);
	free(rec->fo);
	free(rec->rf);
	free(rec->warnings);
	free(rec->text);
	free(rec);
	*recp = NULL;
}

const char *
mauth_dmarc_policy_name(enum mauth_dmarc_policy p)
{
	switch (p) {
	case MAUTH_DMARC_P_QUARANTINE:
		return "quarantine";
	case MAUTH_DMARC_P_REJECT:
		return "reject";
	case MAUTH_DMARC_P_NONE:
		break;
	}
	return "none";
}
