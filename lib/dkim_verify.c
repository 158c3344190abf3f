/*
 * dkim_verify.c - verify every DKIM-Signature of one message
 *
 * RFC 6376 section 6 on libopendkim, fed as a milter is fed.  What mauth
 * does around libopendkim, and why (each measured on Debian's
 * libopendkim 2.11.0~beta2):
 *   - fields go in one at a time through dkim_header(), never dkim_chunk():
 *     dkim_chunk() turns one malformed DKIM-Signature into a SYNTAX result
 *     for the whole message, and gives a false BADSIG for a header-only
 *     message under simple header canonicalization;
 *   - every DKIM-Signature is checked by dkim_sig_parse() first; the
 *     prescreen callback tells libopendkim to ignore the ones that failed
 *     (and those beyond MaximumSignaturesToVerify), so a d= like
 *     "legitimate.com(.attacker.com", which DKIM_LIBFLAGS_BADSIGHANDLES
 *     would otherwise verify, never reaches DNS;
 *   - a DKIM-Signature whose tag-list does not parse, or whose i= or z=
 *     ends in a broken "=" escape, is not given to libopendkim at all: its
 *     quoted-printable decoder reads past the end of such a value (a crash
 *     found by fuzzing); such a field is a permerror, and a signature
 *     whose h= covers it fails;
 *   - the key lookup callback asks lib/dns and keeps the DNS status per
 *     signature: libopendkim only knows "found" or "not found" per
 *     signature (its TRYAGAIN stops the whole message), so temperror and
 *     permerror are decided here, never by libopendkim;
 *   - a body that does not end in CRLF gets one at end of message
 *     (RFC 6376 section 3.4.3 / 3.4.4): libopendkim's relaxed body
 *     canonicalization answers SYNTAX for the whole message instead;
 *   - an unsigned message is "none" without asking libopendkim, which
 *     refuses messages without a parsable From even when unsigned.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim_int.h"
#include "xmalloc.h"

/* One DKIM-Signature field, as mauth saw it. */
struct vsig {
	struct dkim_sigtags st;
	DKIM_SIGINFO *sig;		/* libopendkim's; NULL if it never saw the field */
	enum mauth_dkim_result early;	/* verdict before any lookup; NONE: verify it */
	char *reason;
	enum mauth_dkim_result key_result;	/* from the key lookup; NONE: key usable */
	struct dkim_keyrec kr;
	enum mauth_dns_security sec;
};

struct mauth_dkim_verify {
	const struct mauth_dkim *dkim;
	DKIM *h;
	char *id;
	time_t now;
	struct vsig *sigs;
	size_t nsigs;
	DKIM_SIGINFO **siglist;		/* libopendkim's, one per field it was given */
	char *internal;			/* internal error: every result is temperror */
	bool eoh, eom, active;		/* active: libopendkim gets the body */
	char tail[2];			/* last two body octets */
	unsigned long long body_octets;
	struct mauth_dkim_sig *results;
	size_t nresults, skipped;
};

static void
internal_error(struct mauth_dkim_verify *v, const char *what, DKIM_STAT st)
{
	if (v->internal != NULL)
		return;
	const char *detail = v->h != NULL ? dkim_geterror(v->h) : NULL;
	v->internal = xasprintf("internal error: %s: %s%s%s", what,
	    dkim_getresultstr(st), detail ? ": " : "", detail ? detail : "");
}

struct mauth_dkim_verify *
mauth_dkim_verify_new(const struct mauth_dkim *dkim, const char *id)
{
	struct mauth_dkim_verify *v = xcalloc(1, sizeof(*v));
	DKIM_STAT st;

	v->dkim = dkim;
	v->id = xstrdup(id != NULL ? id : "-");
	v->now = time(NULL);
	v->h = dkim_verify(dkim->vlib, (const unsigned char *)v->id, NULL, &st);
	if (v->h == NULL)
		internal_error(v, "dkim_verify()", st);
	else
		dkim_set_user_context(v->h, v);
	return v;
}

static bool
is_signature_field(const char *name)
{
	size_t n = strlen(name);

	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	return n == 14 && strncasecmp(name, "DKIM-Signature", 14) == 0;
}

void
mauth_dkim_verify_header(struct mauth_dkim_verify *v, const char *name,
    const char *value)
{
	size_t len;
	char *wire;
	DKIM_STAT st = DKIM_STAT_OK;
	bool sig = is_signature_field(name);

	if (v->eoh)
		return;
	wire = dkim_wire_header(name, value, &len);
	if (sig) {
		size_t off = strlen(name) + 1;
		v->sigs = xreallocarray(v->sigs, v->nsigs + 1, sizeof(*v->sigs));
		struct vsig *vs = &v->sigs[v->nsigs++];
		memset(vs, 0, sizeof(*vs));
		vs->early = dkim_sig_parse(wire + off, len - off, v->now, &vs->st,
		    &vs->reason);
		if (vs->st.unsafe) {
			free(wire);
			return;		/* kept from libopendkim's parser */
		}
	}
	if (v->h != NULL)
		st = dkim_header(v->h, (unsigned char *)wire, len);
	/*
	 * SYNTAX is libopendkim's word for a malformed signature (mauth
	 * judges those itself) or a field name with odd octets (that field is
	 * then left out, as it cannot be hashed); anything else is a failure.
	 */
	if (st != DKIM_STAT_OK && st != DKIM_STAT_SYNTAX)
		internal_error(v, "dkim_header()", st);
	free(wire);
}

/* verify_fed - signature fields libopendkim was given */
static size_t
verify_fed(const struct mauth_dkim_verify *v)
{
	size_t n = 0;

	for (size_t k = 0; k < v->nsigs; k++)
		n += !v->sigs[k].st.unsafe;
	return n;
}

void
mauth_dkim_verify_eoh(struct mauth_dkim_verify *v)
{
	if (v->eoh)
		return;
	v->eoh = true;
	if (verify_fed(v) == 0 || v->h == NULL)
		return;
	DKIM_STAT st = dkim_eoh(v->h);
	/* NOSIG: every signature was ignored by the prescreen */
	if (st == DKIM_STAT_OK)
		v->active = true;
	else if (st != DKIM_STAT_NOSIG)
		internal_error(v, "dkim_eoh()", st);
}

void
mauth_dkim_verify_body(struct mauth_dkim_verify *v, const unsigned char *data,
    size_t len)
{
	if (!v->eoh || v->eom || len == 0)
		return;
	v->body_octets += len;
	if (len >= 2)
		memcpy(v->tail, data + len - 2, 2);
	else {
		v->tail[0] = v->tail[1];
		v->tail[1] = (char)data[0];
	}
	if (!v->active)
		return;
	DKIM_STAT st = dkim_body(v->h, (unsigned char *)data, len);
	if (st != DKIM_STAT_OK) {
		internal_error(v, "dkim_body()", st);
		v->active = false;
	}
}

/* ------------------------------------------------------------ callbacks */

static DKIM_CBSTAT
prescreen(DKIM *h, DKIM_SIGINFO **sigs, int n)
{
	struct mauth_dkim_verify *v = (struct mauth_dkim_verify *)dkim_get_user_context(h);

	if (v == NULL)
		return DKIM_CBSTAT_CONTINUE;
	if (n < 0 || (size_t)n != verify_fed(v)) {
		v->internal = xasprintf("internal error: libopendkim found %d signatures, mauth %zu",
		    n, verify_fed(v));
		for (int k = 0; k < n; k++)
			dkim_sig_ignore(sigs[k]);
		return DKIM_CBSTAT_CONTINUE;
	}
	v->siglist = sigs;
	/* libopendkim's list holds the fields it was given, in order */
	for (size_t k = 0, j = 0; k < v->nsigs; k++) {
		struct vsig *vs = &v->sigs[k];
		if (vs->st.unsafe)
			continue;
		vs->sig = sigs[j++];
		const char *d = (const char *)dkim_sig_getdomain(vs->sig);
		if (vs->early != MAUTH_DKIM_NONE || k >= v->dkim->opt.max_signatures) {
			dkim_sig_ignore(vs->sig);
			continue;
		}
		/* both parsers must agree on which field is which */
		if (d == NULL || strcmp(d, vs->st.d) != 0) {
			internal_error(v, "signature order", DKIM_STAT_INTERNAL);
			dkim_sig_ignore(vs->sig);
		}
	}
	return DKIM_CBSTAT_CONTINUE;
}

/* the DNS answer for one signature: a usable key, or a verdict */
static void
key_from_answer(struct vsig *vs, const char *qname,
    const struct mauth_dns_answer *ans)
{
	char *first = NULL;

	for (size_t i = 0; i < ans->count; i++) {
		const struct mauth_dns_rr *rr = &ans->rr[i];
		char *reason = NULL;
		if (rr->type != MAUTH_DNS_T_TXT)
			continue;
		if (dkim_keyrec_parse(rr->u.txt.data, rr->u.txt.len, vs->st.alg,
		    &vs->kr, &reason) == 0) {
			free(first);
			return;
		}
		/* RFC 6376 section 3.6.2.2: any record may be used; report the first */
		if (first == NULL)
			first = reason;
		else
			free(reason);
	}
	vs->key_result = MAUTH_DKIM_PERMERROR;
	vs->reason = xasprintf("%s: %s", qname, first ? first : "no TXT record");
	free(first);
}

static void
lookup_key(const struct mauth_dkim_verify *v, struct vsig *vs)
{
	char *qname = xasprintf("%s._domainkey.%s", vs->st.s, vs->st.d);
	struct mauth_dns_answer *ans = NULL;
	enum mauth_dns_status st;

	if (v->dkim->opt.dns == NULL) {
		vs->key_result = MAUTH_DKIM_TEMPERROR;
		vs->reason = xasprintf("%s: no resolver configured", qname);
		free(qname);
		return;
	}
	st = mauth_dns_lookup(v->dkim->opt.dns, qname, MAUTH_DNS_T_TXT, &ans);
	vs->sec = ans->security;
	switch (st) {
	case MAUTH_DNS_OK:
		key_from_answer(vs, qname, ans);
		break;
	case MAUTH_DNS_NXDOMAIN:
	case MAUTH_DNS_NODATA:
	case MAUTH_DNS_INVALID:
		vs->key_result = MAUTH_DKIM_PERMERROR;
		vs->reason = xasprintf("no key: %s for %s", mauth_dns_status_name(st), qname);
		break;
	case MAUTH_DNS_TIMEOUT:
	case MAUTH_DNS_SERVFAIL:
	case MAUTH_DNS_ERROR:
		vs->key_result = MAUTH_DKIM_TEMPERROR;
		vs->reason = xasprintf("key lookup failed: DNS %s for %s%s%s",
		    mauth_dns_status_name(st), qname, ans->why ? ": " : "",
		    ans->why ? ans->why : "");
		break;
	}
	mauth_dns_answer_free(&ans);
	free(qname);
}

static int
dnssec_code(enum mauth_dns_security sec)
{
	switch (sec) {
	case MAUTH_DNS_SEC_SECURE:
		return DKIM_DNSSEC_SECURE;
	case MAUTH_DNS_SEC_INSECURE:
		return DKIM_DNSSEC_INSECURE;
	case MAUTH_DNS_SEC_BOGUS:
		return DKIM_DNSSEC_BOGUS;
	case MAUTH_DNS_SEC_UNKNOWN:
		break;
	}
	return DKIM_DNSSEC_UNKNOWN;
}

/*
 * Never TRYAGAIN: libopendkim would stop every signature for one DNS
 * failure.  "Not found" keeps the failure to this signature, and the
 * verdict recorded in the vsig says which kind of failure it was.
 */
static DKIM_CBSTAT
key_lookup(DKIM *h, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	struct mauth_dkim_verify *v = (struct mauth_dkim_verify *)dkim_get_user_context(h);
	struct vsig *vs = NULL;

	for (size_t k = 0; v != NULL && k < v->nsigs; k++)
		if (v->sigs[k].sig != NULL && v->sigs[k].sig == sig)
			vs = &v->sigs[k];
	if (vs == NULL)
		return DKIM_CBSTAT_NOTFOUND;
	if (vs->kr.record == NULL && vs->key_result == MAUTH_DKIM_NONE)
		lookup_key(v, vs);
	dkim_sig_setdnssec(sig, dnssec_code(vs->sec));
	if (vs->key_result != MAUTH_DKIM_NONE)
		return DKIM_CBSTAT_NOTFOUND;
	if (strlen(vs->kr.record) >= buflen) {
		vs->key_result = MAUTH_DKIM_PERMERROR;
		vs->reason = xasprintf("%u-bit key is larger than libopendkim can read",
		    vs->kr.bits);
		return DKIM_CBSTAT_NOTFOUND;
	}
	memcpy(buf, vs->kr.record, strlen(vs->kr.record) + 1);
	return DKIM_CBSTAT_CONTINUE;
}

void
dkim_verify_hooks(DKIM_LIB *lib)
{
	(void)dkim_set_prescreen(lib, prescreen);
	(void)dkim_set_key_lookup(lib, key_lookup);
}

/* ------------------------------------------------------------ results */

/* the verdict of a signature libopendkim processed */
static enum mauth_dkim_result
judge(const struct mauth_dkim_verify *v, const struct vsig *vs,
    DKIM_SIGINFO *sig, char **reason_r)
{
	unsigned flags = dkim_sig_getflags(sig);
	int bh = dkim_sig_getbh(sig), err = dkim_sig_geterror(sig);
	const char *at = vs->st.identity ? strrchr(vs->st.identity, '@') : NULL;

	if ((flags & DKIM_SIGFLAG_PASSED) && bh == DKIM_SIGBH_MATCH) {
		if (vs->kr.strict && at != NULL && strcasecmp(at + 1, vs->st.d) != 0) {
			*reason_r = xasprintf("key has t=s but i= domain %s is not d=", at + 1);
			return MAUTH_DKIM_PERMERROR;
		}
		if (vs->st.alg == MAUTH_DKIM_RSA_SHA1) {
			*reason_r = xstrdup("signature verifies, but rsa-sha1 is not acceptable (RFC 8301 section 3.1)");
			return MAUTH_DKIM_POLICY;
		}
		if (vs->st.alg != MAUTH_DKIM_ED25519_SHA256 &&
		    vs->kr.bits < v->dkim->opt.min_key_bits) {
			*reason_r = xasprintf("signature verifies, but the %u-bit key is below MinimumKeyBits %u (RFC 8301 section 3.2)",
			    vs->kr.bits, v->dkim->opt.min_key_bits);
			return MAUTH_DKIM_POLICY;
		}
		*reason_r = xstrdup(vs->st.has_l ? "signature verified (l= limits the signed body)" :
		    "signature verified");
		return MAUTH_DKIM_PASS;
	}
	if ((flags & DKIM_SIGFLAG_PASSED) && bh == DKIM_SIGBH_MISMATCH) {
		*reason_r = xstrdup("body hash mismatch: the body was changed");
		return MAUTH_DKIM_FAIL;
	}
	if (err == DKIM_SIGERROR_TOOLARGE_L) {
		*reason_r = xasprintf("l=%llu is more than the %llu-octet body",
		    vs->st.l, v->body_octets);
		return MAUTH_DKIM_PERMERROR;
	}
	if (err == DKIM_SIGERROR_BADSIG) {
		*reason_r = xstrdup("signature does not verify: signed header fields changed or wrong key");
		return MAUTH_DKIM_FAIL;
	}
	if (!(flags & DKIM_SIGFLAG_PROCESSED) || err == DKIM_SIGERROR_UNKNOWN) {
		*reason_r = xstrdup("internal error: libopendkim did not process the signature");
		return MAUTH_DKIM_TEMPERROR;
	}
	const char *why = dkim_sig_geterrorstr(err);
	*reason_r = xasprintf("%s", why ? why : "libopendkim error");
	return MAUTH_DKIM_PERMERROR;
}

static void
fill_result(const struct mauth_dkim_verify *v, size_t k, struct mauth_dkim_sig *r)
{
	const struct vsig *vs = &v->sigs[k];

	memset(r, 0, sizeof(*r));
	r->domain = vs->st.d ? xstrdup(vs->st.d) : NULL;
	r->selector = vs->st.s ? xstrdup(vs->st.s) : NULL;
	r->algorithm = vs->st.a ? xstrdup(vs->st.a) : NULL;
	r->identity = vs->st.identity ? xstrdup(vs->st.identity) : NULL;
	if (vs->st.b != NULL)
		strncpy(r->b, vs->st.b, 8);
	r->has_length = vs->st.has_l;
	r->length = vs->st.l;
	r->body_octets = v->body_octets;
	r->key_bits = vs->kr.bits;
	r->testing = vs->kr.testing;
	r->key_security = vs->sec;
	if (v->internal != NULL) {
		r->result = MAUTH_DKIM_TEMPERROR;
		r->reason = xstrdup(v->internal);
	} else if (vs->early != MAUTH_DKIM_NONE || vs->key_result != MAUTH_DKIM_NONE) {
		r->result = vs->early != MAUTH_DKIM_NONE ? vs->early : vs->key_result;
		r->reason = xstrdup(vs->reason);
	} else {
		r->result = judge(v, vs, vs->sig, &r->reason);
		r->verified = r->result == MAUTH_DKIM_PASS || r->result == MAUTH_DKIM_POLICY;
	}
}

void
mauth_dkim_verify_eom(struct mauth_dkim_verify *v)
{
	if (v->eom)
		return;
	mauth_dkim_verify_eoh(v);
	if (v->active && v->body_octets > 0 && memcmp(v->tail, "\r\n", 2) != 0) {
		/* a last line without CRLF (RFC 6376 sections 3.4.3, 3.4.4) */
		bool cr = v->tail[1] == '\r';
		DKIM_STAT st = dkim_body(v->h, (unsigned char *)(cr ? "\n" : "\r\n"),
		    cr ? 1 : 2);
		if (st != DKIM_STAT_OK)
			internal_error(v, "dkim_body()", st);
	}
	v->eom = true;
	if (v->active) {
		DKIM_STAT st = dkim_eom(v->h, NULL);
		/* the overall status is libopendkim's pick of one signature */
		if (st != DKIM_STAT_OK && st != DKIM_STAT_BADSIG &&
		    st != DKIM_STAT_NOKEY && st != DKIM_STAT_CANTVRFY &&
		    st != DKIM_STAT_REVOKED && st != DKIM_STAT_KEYFAIL &&
		    st != DKIM_STAT_NOSIG)
			internal_error(v, "dkim_eom()", st);
	}
	size_t max = v->dkim->opt.max_signatures;
	v->nresults = v->nsigs < max ? v->nsigs : max;
	v->skipped = v->nsigs - v->nresults;
	v->results = xcalloc(v->nresults + 1, sizeof(*v->results));
	if (v->siglist == NULL && v->active)
		internal_error(v, "no signature list", DKIM_STAT_INTERNAL);
	for (size_t k = 0; k < v->nresults; k++)
		fill_result(v, k, &v->results[k]);
}

size_t
mauth_dkim_verify_results(const struct mauth_dkim_verify *v,
    const struct mauth_dkim_sig **sigs_r)
{
	*sigs_r = v->results;
	return v->nresults;
}

size_t
mauth_dkim_verify_skipped(const struct mauth_dkim_verify *v)
{
	return v->skipped;
}

void
mauth_dkim_verify_free(struct mauth_dkim_verify **vp)
{
	struct mauth_dkim_verify *v = *vp;

	if (v == NULL)
		return;
	for (size_t k = 0; k < v->nresults; k++) {
		struct mauth_dkim_sig *r = &v->results[k];
		free(r->domain);
		free(r->selector);
		free(r->algorithm);
		free(r->identity);
		free(r->reason);
	}
	free(v->results);
	for (size_t k = 0; k < v->nsigs; k++) {
		dkim_sig_clear(&v->sigs[k].st);
		dkim_keyrec_clear(&v->sigs[k].kr);
		free(v->sigs[k].reason);
	}
	free(v->sigs);
	if (v->h != NULL)
		dkim_free(v->h);
	free(v->internal);
	free(v->id);
	free(v);
	*vp = NULL;
}
