/*
 * dkim_sig.c - checks on a DKIM-Signature field and on a key record
 *
 * RFC 6376 section 3.5 (signature tags), 6.1.1 (validation a verifier
 * makes before any DNS query), 3.6.1 (key record tags), RFC 8463 section 4
 * (Ed25519 keys), RFC 8301 (sha256 required of key records' h=).
 *
 * mauth checks every signature here before libopendkim processes it, so
 * that each gets its own verdict and a reason naming the offending tag;
 * libopendkim only ever verifies signatures that passed these checks, and
 * only ever reads key records rewritten by dkim_keyrec_parse().
 *
 * Verdicts: a malformed signature is permerror; a well-formed one using a
 * version, algorithm, canonicalization or query method that mauth does not
 * implement is neutral (RFC 8601 section 2.7.1: "not otherwise able to be
 * processed").
 */
#include "config.h"

#include <ctype.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "dkim_int.h"
#include "xmalloc.h"

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* a run of digits as a number; -1 when empty, not digits, or too big */
static int
parse_uint(const char *s, unsigned long long *v_r)
{
	unsigned long long v = 0;

	if (!all_digits(s))
		return -1;
	for (; *s != '\0'; s++) {
		if (v > (~0ULL - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*s - '0');
	}
	*v_r = v;
	return 0;
}

/* dkim-quoted-printable (section 2.11): "=XX" escapes, FWS ignored */
static char *
qp_decode(const char *s)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	mauth_buf_puts(&b, "");
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			continue;
		unsigned v;
		if (*s == '=' && sscanf(s + 1, "%2x", &v) == 1 &&
		    s[1] != '\0' && s[2] != '\0') {
			mauth_buf_putc(&b, (char)v);
			s += 2;
			continue;
		}
		mauth_buf_putc(&b, *s);
	}
	return mauth_buf_steal(&b);
}

/*
 * qp_hex_ok - every "=" of a dkim-quoted-printable value (RFC 6376 section
 * 2.11, the i= and z= tags) starts a hex-octet: two hex digits follow
 */
static bool
qp_hex_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '=' && (!isxdigit((unsigned char)s[1]) ||
		    !isxdigit((unsigned char)s[2])))
			return false;
	return true;
}

/* h= must name From (section 5.4, 6.1.1) and hold only field names */
static char *
check_h(const char *h)
{
	bool from = false;
	char *list = dkim_strip_fws(h), *save = NULL, *reason = NULL;

	if (*list == '\0' || list[strlen(list) - 1] == ':' || *list == ':' ||
	    strstr(list, "::") != NULL) {
		reason = xasprintf("h= \"%s\" has an empty header field name", h);
		goto out;
	}
	for (char *n = strtok_r(list, ":", &save); n != NULL;
	    n = strtok_r(NULL, ":", &save)) {
		for (char *p = n; *p != '\0'; p++)
			if ((unsigned char)*p < 33 || (unsigned char)*p > 126) {
				reason = xasprintf("h= names an invalid header field \"%s\"", n);
				goto out;
			}
		if (strcasecmp(n, "from") == 0)
			from = true;
	}
	if (!from)
		reason = xstrdup("From header field not signed (h= lacks from, RFC 6376 section 6.1.1)");
out:
	free(list);
	return reason;
}

/* i= (decoded already); its domain must be d= or below it (section 3.5) */
static char *
check_i(struct dkim_sigtags *st, const char *i)
{
	const char *at = strrchr(st->identity, '@');
	const char *why;

	if (at == NULL)
		return xasprintf("i= \"%s\" has no \"@\"", i);
	if ((why = dkim_name_check(at + 1, false)) != NULL)
		return xasprintf("i= domain \"%s\" %s", at + 1, why);
	size_t il = strlen(at + 1), dl = strlen(st->d);
	if (strcasecmp(at + 1, st->d) == 0 ||
	    (il > dl && at[il - dl] == '.' && strcasecmp(at + 1 + il - dl, st->d) == 0))
		return NULL;
	return xasprintf("i= domain \"%s\" is not d= \"%s\" nor below it", at + 1, st->d);
}

/* c=: relaxed or simple, for the header and optionally the body */
static enum mauth_dkim_result
check_c(const char *c, char **reason_r)
{
	const char *slash = strchr(c, '/');
	size_t hl = slash ? (size_t)(slash - c) : strlen(c);
	const char *b = slash ? slash + 1 : "simple";

	bool hok = (hl == 6 && strncasecmp(c, "simple", 6) == 0) ||
	    (hl == 7 && strncasecmp(c, "relaxed", 7) == 0);
	bool bok = strcasecmp(b, "simple") == 0 || strcasecmp(b, "relaxed") == 0;
	if (hok && bok)
		return MAUTH_DKIM_NONE;
	*reason_r = xasprintf("unsupported canonicalization c=%s", c);
	return MAUTH_DKIM_NEUTRAL;
}

/* q=: a list of methods, one of them must be dns/txt (section 3.5, q=) */
static bool
query_ok(const char *q)
{
	char *list = dkim_strip_fws(q), *save = NULL;
	bool ok = false;

	for (char *m = strtok_r(list, ":", &save); m != NULL && !ok;
	    m = strtok_r(NULL, ":", &save))
		ok = strcasecmp(m, "dns/txt") == 0;
	free(list);
	return ok;
}

/* a=: known, or at least of the form k-h (else it is malformed) */
static enum mauth_dkim_result
check_a(struct dkim_sigtags *st, char **reason_r)
{
	st->alg = dkim_alg_parse(st->a);
	if (st->alg != MAUTH_DKIM_ALG_UNKNOWN)
		return MAUTH_DKIM_NONE;
	const char *dash = strchr(st->a, '-');
	if (dash != NULL && dash != st->a && dash[1] != '\0' &&
	    strspn(st->a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") ==
	    strlen(st->a)) {
		*reason_r = xasprintf("unsupported algorithm a=%s", st->a);
		return MAUTH_DKIM_NEUTRAL;
	}
	*reason_r = xasprintf("malformed algorithm a=%s", st->a);
	return MAUTH_DKIM_PERMERROR;
}

/* t= and x=: numbers, x after t, not expired, not from the future */
static char *
check_times(const struct dkim_taglist *tl, time_t now)
{
	const char *t = dkim_taglist_get(tl, "t"), *x = dkim_taglist_get(tl, "x");
	unsigned long long tv = 0, xv = 0, n = (unsigned long long)now;

	if (t != NULL && parse_uint(t, &tv) < 0)
		return xasprintf("t= \"%s\" is not a decimal timestamp", t);
	if (x != NULL && parse_uint(x, &xv) < 0)
		return xasprintf("x= \"%s\" is not a decimal timestamp", x);
	if (t != NULL && x != NULL && xv <= tv)
		return xasprintf("x=%s is not after t=%s", x, t);
	if (x != NULL && n >= xv + DKIM_CLOCK_DRIFT)
		return xasprintf("signature expired (x=%s)", x);
	if (t != NULL && tv > DKIM_CLOCK_DRIFT && n < tv - DKIM_CLOCK_DRIFT)
		return xasprintf("signature timestamp t=%s is in the future", t);
	return NULL;
}

/* the tags every signature has, in the order section 3.5 lists them */
static enum mauth_dkim_result
check_required(struct dkim_sigtags *st, char **reason_r)
{
	static const char *const required[] = { "v", "a", "b", "bh", "d", "h", "s" };
	const char *v, *why;

	for (size_t k = 0; k < sizeof(required) / sizeof(required[0]); k++)
		if (dkim_taglist_get(&st->tl, required[k]) == NULL) {
			*reason_r = xasprintf("required tag %s= missing", required[k]);
			return MAUTH_DKIM_PERMERROR;
		}
	if ((why = dkim_name_check(st->d, true)) != NULL) {
		*reason_r = xasprintf("d= \"%s\" %s", st->d, why);
		return MAUTH_DKIM_PERMERROR;
	}
	if ((why = dkim_name_check(st->s, false)) != NULL) {
		*reason_r = xasprintf("s= \"%s\" %s", st->s, why);
		return MAUTH_DKIM_PERMERROR;
	}
	v = dkim_taglist_get(&st->tl, "v");
	if (strcmp(v, "1") != 0) {
		*reason_r = xasprintf("unsupported version v=%s", v);
		return all_digits(v) ? MAUTH_DKIM_NEUTRAL : MAUTH_DKIM_PERMERROR;
	}
	return MAUTH_DKIM_NONE;
}

/* the base64 tags: b= and bh= must decode */
static char *
check_b64(const struct dkim_taglist *tl)
{
	static const char *const tags[] = { "b", "bh" };

	for (size_t k = 0; k < 2; k++) {
		size_t n;
		unsigned char *raw = dkim_b64_decode(dkim_taglist_get(tl, tags[k]), &n);
		free(raw);
		if (raw == NULL || n == 0)
			return xasprintf("%s= is %s", tags[k],
			    raw == NULL ? "not base64" : "empty");
	}
	return NULL;
}

static enum mauth_dkim_result
sig_checks(struct dkim_sigtags *st, time_t now, char **reason_r)
{
	enum mauth_dkim_result r;
	const char *i, *l, *q, *c;

	if ((r = check_required(st, reason_r)) != MAUTH_DKIM_NONE)
		return r;
	if ((r = check_a(st, reason_r)) != MAUTH_DKIM_NONE)
		return r;
	if ((*reason_r = check_b64(&st->tl)) != NULL)
		return MAUTH_DKIM_PERMERROR;
	if ((*reason_r = check_h(dkim_taglist_get(&st->tl, "h"))) != NULL)
		return MAUTH_DKIM_PERMERROR;
	if ((i = dkim_taglist_get(&st->tl, "i")) != NULL &&
	    (*reason_r = check_i(st, i)) != NULL)
		return MAUTH_DKIM_PERMERROR;
	if ((l = dkim_taglist_get(&st->tl, "l")) != NULL) {
		if (parse_uint(l, &st->l) < 0) {
			*reason_r = xasprintf("l= \"%s\" is not a usable body length", l);
			return MAUTH_DKIM_PERMERROR;
		}
		st->has_l = true;
	}
	if ((*reason_r = check_times(&st->tl, now)) != NULL)
		return MAUTH_DKIM_PERMERROR;
	if ((c = dkim_taglist_get(&st->tl, "c")) != NULL &&
	    (r = check_c(c, reason_r)) != MAUTH_DKIM_NONE)
		return r;
	if ((q = dkim_taglist_get(&st->tl, "q")) != NULL && !query_ok(q)) {
		*reason_r = xasprintf("unsupported query method q=%s", q);
		return MAUTH_DKIM_NEUTRAL;
	}
	return MAUTH_DKIM_NONE;
}

enum mauth_dkim_result
dkim_sig_parse(const char *value, size_t len, time_t now,
    struct dkim_sigtags *st, char **reason_r)
{
	char *error = NULL;

	memset(st, 0, sizeof(*st));
	*reason_r = NULL;
	if (dkim_taglist_parse(value, len, &st->tl, &error) < 0) {
		*reason_r = xasprintf("malformed DKIM-Signature: %s", error);
		free(error);
		st->unsafe = true;
		return MAUTH_DKIM_PERMERROR;
	}
	static const char *const qp_tags[] = { "i", "z" };
	for (size_t k = 0; k < 2; k++) {
		const char *q = dkim_taglist_get(&st->tl, qp_tags[k]);

		if (q != NULL && !qp_hex_ok(q)) {
			*reason_r = xasprintf("%s= \"%s\" is not dkim-quoted-printable: "
			    "\"=\" needs two hex digits after it (RFC 6376 section 2.11)",
			    qp_tags[k], q);
			st->unsafe = true;
			return MAUTH_DKIM_PERMERROR;
		}
	}
	st->d = dkim_taglist_get(&st->tl, "d");
	st->s = dkim_taglist_get(&st->tl, "s");
	st->a = dkim_taglist_get(&st->tl, "a");
	const char *b = dkim_taglist_get(&st->tl, "b");
	st->b = b != NULL ? dkim_strip_fws(b) : NULL;
	const char *i = dkim_taglist_get(&st->tl, "i");
	if (i != NULL)
		st->identity = qp_decode(i);
	else if (st->d != NULL)
		st->identity = xasprintf("@%s", st->d);
	return sig_checks(st, now, reason_r);
}

void
dkim_sig_clear(struct dkim_sigtags *st)
{
	dkim_taglist_clear(&st->tl);
	free(st->identity);
	free(st->b);
	memset(st, 0, sizeof(*st));
}
