/*
 * dkim_sign.c - sign one message with one or more keys (RFC 6376 section 5,
 * RFC 8463 for Ed25519 next to RSA)
 *
 * libopendkim canonicalizes and hashes; mauth makes the DKIM-Signature
 * text and does the private-key operation with the key it loaded at
 * start-up.  libopendkim's own signing path is not used because, measured
 * on Debian's 2.11.0~beta2, it parses the PEM key again for every message
 * and leaks the parsed key (an EVP_PKEY, about 470 octets) and its output
 * buffer for every Ed25519 signature: dkim_free() only releases RSA keys.
 *
 * The text of the field and the key operation are in dkim_sigtext.c.
 *
 * How the hashes are obtained, with verification handles only:
 *   1. one handle reads the body, next to a placeholder DKIM-Signature
 *      carrying the c= in use; at end of message dkim_sig_gethashes()
 *      gives the body hash (bh=);
 *   2. a second handle reads the stored header fields plus, per signature
 *      to make, the complete DKIM-Signature text with b= still empty; its
 *      header hash is exactly what RFC 6376 section 3.7 says is signed,
 *      because the verifier removes the b= value the same way.
 * The text handed back is that same text with b= filled in, so simple
 * header canonicalization holds too.
 *
 * Which fields are signed (section 5.4): every field whose name is in the
 * sign list, in message order, then each oversigned name once more (an
 * instance a verifier will not find, so nobody can add one).  A body that
 * does not end in CRLF is given one (sections 3.4.3, 3.4.4): libopendkim's
 * relaxed canonicalization refuses such a body otherwise.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dkim_int.h"
#include "xmalloc.h"

#define SIG_NAME "DKIM-Signature"

struct one_sig {
	struct mauth_dkim_signing sel;
	char *text;			/* the field value up to and including "b=" */
	char *field;			/* the finished value (message.h form) */
};

struct wire_field {
	char *name;
	char *wire;			/* "Name:value" with CRLF */
	size_t len;
};

struct mauth_dkim_sign {
	const struct mauth_dkim *dkim;
	char *id;
	struct one_sig *sigs;
	size_t n;
	struct wire_field *fields_in;
	size_t nfields;
	DKIM *body;			/* hashes the body */
	char *error;
	bool eoh, eom;
	char tail[2];
	unsigned long long body_octets;
	const char **fields;
};

static void
sign_error(struct mauth_dkim_sign *s, const char *what, DKIM *h, DKIM_STAT st)
{
	if (s->error != NULL)
		return;
	const char *detail = h != NULL ? dkim_geterror(h) : NULL;
	s->error = xasprintf("%s: %s%s%s", what, dkim_getresultstr(st),
	    detail ? ": " : "", detail ? detail : "");
}

/* i= must be d= or below it (RFC 6376 section 3.5) */
static bool
identity_ok(const char *identity, const char *domain)
{
	const char *at = strrchr(identity, '@');

	if (at == NULL || dkim_name_check(at + 1, false) != NULL)
		return false;
	size_t il = strlen(at + 1), dl = strlen(domain);
	return strcasecmp(at + 1, domain) == 0 ||
	    (il > dl && at[il - dl] == '.' && strcasecmp(at + 1 + il - dl, domain) == 0);
}

static int
check_signing(const struct mauth_dkim_signing *sel, char **error_r)
{
	const char *why;

	if ((why = dkim_name_check(sel->domain, true)) != NULL ||
	    (why = dkim_name_check(sel->selector, false)) != NULL) {
		*error_r = xasprintf("cannot sign as d=%s s=%s: name %s",
		    sel->domain, sel->selector, why);
		return -1;
	}
	if (sel->identity != NULL && !identity_ok(sel->identity, sel->domain)) {
		*error_r = xasprintf("cannot sign as d=%s: i=%s is not within d=",
		    sel->domain, sel->identity);
		return -1;
	}
	return 0;
}

/* the body hasher: a placeholder signature carrying our c= */
static DKIM *
body_hasher(const struct mauth_dkim *dkim, const char *id, char **error_r)
{
	DKIM_STAT st;
	DKIM *h = dkim_verify(dkim->hlib, (const unsigned char *)id, NULL, &st);

	if (h == NULL) {
		*error_r = xasprintf("dkim_verify(): %s", dkim_getresultstr(st));
		return NULL;
	}
	char *f = xasprintf(SIG_NAME ": v=1; a=rsa-sha256; c=%s/%s; d=body.invalid;"
	    " s=body; h=from; bh=AAAA; b=AAAA", dkim_canon_name(dkim->opt.header_canon),
	    dkim_canon_name(dkim->opt.body_canon));
	st = dkim_header(h, (unsigned char *)f, strlen(f));
	free(f);
	if (st != DKIM_STAT_OK) {
		*error_r = xasprintf("dkim_header(): %s", dkim_getresultstr(st));
		dkim_free(h);
		return NULL;
	}
	return h;
}

struct mauth_dkim_sign *
mauth_dkim_sign_new(const struct mauth_dkim *dkim,
    const struct mauth_dkim_signing *sel, size_t n, const char *id,
    char **error_r)
{
	struct mauth_dkim_sign *s;

	for (size_t i = 0; i < n; i++)
		if (check_signing(&sel[i], error_r) < 0)
			return NULL;
	s = xcalloc(1, sizeof(*s));
	s->dkim = dkim;
	s->id = xstrdup(id != NULL ? id : "-");
	s->sigs = xcalloc(n + 1, sizeof(*s->sigs));
	for (size_t i = 0; i < n; i++) {
		struct mauth_dkim_signing *o = &s->sigs[s->n++].sel;
		o->key = sel[i].key;
		o->domain = xstrdup(sel[i].domain);
		o->selector = xstrdup(sel[i].selector);
		o->identity = sel[i].identity ? xstrdup(sel[i].identity) : NULL;
		o->key_name = sel[i].key_name ? xstrdup(sel[i].key_name) : NULL;
	}
	if ((s->body = body_hasher(dkim, s->id, error_r)) == NULL) {
		mauth_dkim_sign_free(&s);
		return NULL;
	}
	return s;
}

void
mauth_dkim_sign_header(struct mauth_dkim_sign *s, const char *name,
    const char *value)
{
	if (s->eoh)
		return;
	s->fields_in = xreallocarray(s->fields_in, s->nfields + 1, sizeof(*s->fields_in));
	struct wire_field *f = &s->fields_in[s->nfields++];
	f->name = xstrdup(name);
	f->name[strcspn(f->name, " \t")] = '\0';
	f->wire = dkim_wire_header(name, value, &f->len);
}

void
mauth_dkim_sign_eoh(struct mauth_dkim_sign *s)
{
	if (s->eoh)
		return;
	s->eoh = true;
	DKIM_STAT st = dkim_eoh(s->body);
	if (st != DKIM_STAT_OK)
		sign_error(s, "end of header", s->body, st);
}

static void
feed_body(struct mauth_dkim_sign *s, const unsigned char *data, size_t len)
{
	DKIM_STAT st = dkim_body(s->body, (unsigned char *)data, len);

	if (st != DKIM_STAT_OK)
		sign_error(s, "dkim_body()", s->body, st);
}

void
mauth_dkim_sign_body(struct mauth_dkim_sign *s, const unsigned char *data,
    size_t len)
{
	mauth_dkim_sign_eoh(s);
	if (s->eom || len == 0 || s->error != NULL)
		return;
	s->body_octets += len;
	if (len >= 2)
		memcpy(s->tail, data + len - 2, 2);
	else {
		s->tail[0] = s->tail[1];
		s->tail[1] = (char)data[0];
	}
	feed_body(s, data, len);
}

/* ------------------------------------------------------------ end of message */

/* the body hash from the body handle, base64 */
static char *
body_hash(struct mauth_dkim_sign *s)
{
	DKIM_SIGINFO **sigs;
	int n = 0;
	void *hh, *bh;
	size_t hl, bl;

	DKIM_STAT st = dkim_eom(s->body, NULL);
	if (st != DKIM_STAT_OK && st != DKIM_STAT_NOKEY) {
		sign_error(s, "end of body", s->body, st);
		return NULL;
	}
	if (dkim_getsiglist(s->body, &sigs, &n) != DKIM_STAT_OK || n != 1 ||
	    dkim_sig_gethashes(sigs[0], &hh, &hl, &bh, &bl) != DKIM_STAT_OK) {
		sign_error(s, "body hash", s->body, DKIM_STAT_INTERNAL);
		return NULL;
	}
	return dkim_b64_encode(bh, bl);
}

/* header hashes: one handle fed the fields and every signature text */
static int
header_hashes(struct mauth_dkim_sign *s, unsigned char (*hash)[32])
{
	DKIM_STAT st;
	DKIM *h = dkim_verify(s->dkim->hlib, (const unsigned char *)s->id, NULL, &st);
	DKIM_SIGINFO **sigs;
	int n = 0, rc = -1;

	if (h == NULL) {
		sign_error(s, "dkim_verify()", NULL, st);
		return -1;
	}
	/*
	 * Signatures already on the message are never signed (dkim.c refuses
	 * DKIM-Signature in the sign lists), so they are left out here: the
	 * handle then holds exactly the signatures being made, in order.
	 */
	for (size_t i = 0; i < s->nfields; i++)
		if (strcasecmp(s->fields_in[i].name, SIG_NAME) != 0)
			(void)dkim_header(h, (unsigned char *)s->fields_in[i].wire,
			    s->fields_in[i].len);
	for (size_t i = 0; i < s->n; i++) {
		size_t len;
		char *value = xasprintf(" %sAAAA", s->sigs[i].text);
		char *wire = dkim_wire_header(SIG_NAME, value, &len);
		st = dkim_header(h, (unsigned char *)wire, len);
		free(wire);
		free(value);
		if (st != DKIM_STAT_OK)
			goto out;
	}
	if ((st = dkim_eoh(h)) != DKIM_STAT_OK)
		goto out;
	st = dkim_eom(h, NULL);
	if (dkim_getsiglist(h, &sigs, &n) != DKIM_STAT_OK || (size_t)n != s->n)
		goto out;
	for (size_t i = 0; i < s->n; i++) {
		void *hh, *bh;
		size_t hl, bl;
		if (dkim_sig_gethashes(sigs[i], &hh, &hl, &bh, &bl) != DKIM_STAT_OK ||
		    hl != 32)
			goto out;
		memcpy(hash[i], hh, 32);
	}
	rc = 0;
out:
	if (rc < 0)
		sign_error(s, "header hash", h, st != DKIM_STAT_OK ? st : DKIM_STAT_INTERNAL);
	dkim_free(h);
	return rc;
}

static int
make_signatures(struct mauth_dkim_sign *s)
{
	char *hlist, *bh;
	unsigned long long t = s->dkim->opt.fixed_time ?
	    (unsigned long long)s->dkim->opt.fixed_time : (unsigned long long)time(NULL);
	unsigned char (*hash)[32];
	int rc = -1;

	if ((bh = body_hash(s)) == NULL)
		return -1;
	const char **names = xcalloc(s->nfields + 1, sizeof(*names));
	for (size_t i = 0; i < s->nfields; i++)
		names[i] = s->fields_in[i].name;
	hlist = dkim_sign_hlist(&s->dkim->opt, names, s->nfields, &s->error);
	free(names);
	if (hlist == NULL) {
		free(bh);
		return -1;
	}
	for (size_t i = 0; i < s->n; i++)
		s->sigs[i].text = dkim_sign_text(&s->dkim->opt, &s->sigs[i].sel, hlist, bh, t);
	hash = xcalloc(s->n + 1, sizeof(*hash));
	if (header_hashes(s, hash) < 0)
		goto out;
	for (size_t i = 0; i < s->n; i++) {
		char *b64 = dkim_sign_key(s->sigs[i].sel.key, hash[i]);
		if (b64 == NULL) {
			s->error = xasprintf("signing as d=%s s=%s: the key operation failed",
			    s->sigs[i].sel.domain, s->sigs[i].sel.selector);
			goto out;
		}
		s->sigs[i].field = dkim_sign_field(s->sigs[i].text, b64);
		free(b64);
	}
	rc = 0;
out:
	free(hash);
	free(hlist);
	free(bh);
	return rc;
}

int
mauth_dkim_sign_eom(struct mauth_dkim_sign *s, char **error_r)
{
	mauth_dkim_sign_eoh(s);
	if (!s->eom && s->error == NULL && s->body_octets > 0 &&
	    memcmp(s->tail, "\r\n", 2) != 0) {
		bool cr = s->tail[1] == '\r';
		feed_body(s, (const unsigned char *)(cr ? "\n" : "\r\n"), cr ? 1 : 2);
	}
	if (!s->eom && s->error == NULL) {
		s->eom = true;
		if (make_signatures(s) == 0) {
			s->fields = xcalloc(s->n + 1, sizeof(*s->fields));
			for (size_t i = 0; i < s->n; i++)
				s->fields[i] = s->sigs[i].field;
		}
	}
	s->eom = true;
	if (s->error != NULL || s->fields == NULL) {
		*error_r = xstrdup(s->error ? s->error : "signing failed");
		return -1;
	}
	return 0;
}

size_t
mauth_dkim_sign_fields(const struct mauth_dkim_sign *s,
    const char *const **values_r)
{
	*values_r = s->fields;
	return s->fields != NULL ? s->n : 0;
}

void
mauth_dkim_signings_free(struct mauth_dkim_signing **selp, size_t n)
{
	struct mauth_dkim_signing *sel = *selp;

	if (sel == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(sel[i].domain);
		free(sel[i].selector);
		free(sel[i].identity);
		free(sel[i].key_name);
	}
	free(sel);
	*selp = NULL;
}

void
mauth_dkim_sign_free(struct mauth_dkim_sign **sp)
{
	struct mauth_dkim_sign *s = *sp;

	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		struct one_sig *o = &s->sigs[i];
		free(o->sel.domain);
		free(o->sel.selector);
		free(o->sel.identity);
		free(o->sel.key_name);
		free(o->text);
		free(o->field);
	}
	for (size_t i = 0; i < s->nfields; i++) {
		free(s->fields_in[i].name);
		free(s->fields_in[i].wire);
	}
	free(s->fields_in);
	if (s->body != NULL)
		dkim_free(s->body);
	free(s->sigs);
	free(s->fields);
	free(s->error);
	free(s->id);
	free(s);
	*sp = NULL;
}
