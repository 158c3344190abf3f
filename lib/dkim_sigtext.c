/*
 * dkim_sigtext.c - what the signer writes: the DKIM-Signature text (RFC
 * 6376 section 3.5) and the private-key operation over its hash
 *
 * h= lists the signed fields present, in message order, then each
 * oversigned name once more (section 5.4, 8.15).  The text is folded at
 * about 76 columns with FWS where the grammar allows it (between tags,
 * around the colons of h=, inside base64); whatever the folding, the
 * verifier hashes what was written, b= excepted.  Strings returned are
 * malloc'd and owned by the caller.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "buf.h"
#include "dkim_int.h"
#include "xmalloc.h"

#define SIG_NAME "DKIM-Signature"
#define FOLD_AT 76	/* fold the signature field before this column */

const char *
dkim_canon_name(enum mauth_dkim_canon c)
{
	return c == MAUTH_DKIM_SIMPLE ? "simple" : "relaxed";
}

static bool
in_list(const char *const *list, const char *name)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcasecmp(list[i], name) == 0)
			return true;
	return false;
}

char *
dkim_sign_hlist(const struct mauth_dkim_options *opt, const char *const *names,
    size_t n, char **error_r)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	bool from = false;

	for (size_t i = 0; i < n; i++) {
		const char *name = names[i];
		if (!in_list(opt->sign_headers, name))
			continue;
		from = from || strcasecmp(name, "From") == 0;
		mauth_buf_printf(&b, "%s%s", b.len ? ":" : "", name);
	}
	if (!from) {
		mauth_buf_free(&b);
		*error_r = xstrdup("no From header field to sign (RFC 6376 section 5.4)");
		return NULL;
	}
	for (size_t i = 0; opt->oversign_headers[i] != NULL; i++)
		mauth_buf_printf(&b, ":%s", opt->oversign_headers[i]);
	return mauth_buf_steal(&b);
}

/* dkim-quoted-printable (section 2.11) for i= */
static char *
qp_encode(const char *s)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	mauth_buf_puts(&b, "");
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p > 0x20 && *p < 0x7f && *p != ';' && *p != '=')
			mauth_buf_putc(&b, (char)*p);
		else
			mauth_buf_printf(&b, "=%02X", *p);
	}
	return mauth_buf_steal(&b);
}

/* folding writer: "\n\t" before an item that would pass FOLD_AT */
struct folder {
	struct mauth_buf b;
	size_t col;
};

static void
fold_put(struct folder *f, const char *item, bool space_before)
{
	size_t len = strlen(item);

	if (f->col + len + space_before > FOLD_AT && f->col > 1) {
		mauth_buf_puts(&f->b, "\n\t");
		f->col = 8;
	} else if (space_before) {
		mauth_buf_putc(&f->b, ' ');
		f->col++;
	}
	mauth_buf_puts(&f->b, item);
	f->col += len;
}

/* a long value (h= at ":", base64 anywhere) across lines */
static void
fold_value(struct folder *f, const char *tag, const char *value, bool colons)
{
	char *head = xasprintf("%s=", tag);

	fold_put(f, head, true);
	free(head);
	for (const char *p = value; *p != '\0';) {
		size_t n = colons ? strcspn(p + 1, ":") + 1 : strlen(p);
		if (!colons && n > 32)
			n = 32;
		char *piece = xstrndup(p, n);
		if (f->col + n > FOLD_AT) {
			mauth_buf_puts(&f->b, "\n\t ");
			f->col = 9;
		}
		mauth_buf_puts(&f->b, piece);
		f->col += n;
		free(piece);
		p += n;
	}
}

char *
dkim_sign_text(const struct mauth_dkim_options *opt,
    const struct mauth_dkim_signing *sel, const char *hlist, const char *bh,
    unsigned long long t)
{
	struct folder f = { MAUTH_BUF_INIT, strlen(SIG_NAME ": ") };
	char *item;

	item = xasprintf("v=1; a=%s; c=%s/%s;", mauth_dkim_alg_name(mauth_dkim_key_alg(sel->key)),
	    dkim_canon_name(opt->header_canon), dkim_canon_name(opt->body_canon));
	fold_put(&f, item, false);
	free(item);
	item = xasprintf("d=%s;", sel->domain);
	fold_put(&f, item, true);
	free(item);
	item = xasprintf("s=%s;", sel->selector);
	fold_put(&f, item, true);
	free(item);
	item = xasprintf("t=%llu;", t);
	fold_put(&f, item, true);
	free(item);
	if (opt->signature_ttl != 0) {
		item = xasprintf("x=%llu;", t + opt->signature_ttl);
		fold_put(&f, item, true);
		free(item);
	}
	if (sel->identity != NULL) {
		char *qp = qp_encode(sel->identity);
		item = xasprintf("i=%s;", qp);
		fold_put(&f, item, true);
		free(item);
		free(qp);
	}
	fold_value(&f, "h", hlist, true);
	mauth_buf_putc(&f.b, ';');
	f.col++;
	fold_value(&f, "bh", bh, false);
	mauth_buf_putc(&f.b, ';');
	f.col++;
	fold_put(&f, "b=", true);
	return mauth_buf_steal(&f.b);
}

/* RSASSA-PKCS1-v1_5 over the SHA-256 hash, or PureEdDSA over it (RFC 8463) */
char *
dkim_sign_key(const struct mauth_dkim_key *key, const unsigned char hash[32])
{
	EVP_PKEY *pkey = dkim_key_pkey(key);
	unsigned char sig[2048];
	size_t siglen = sizeof(sig);
	int ok = 0;

	if (mauth_dkim_key_alg(key) == MAUTH_DKIM_ED25519_SHA256) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		ok = md != NULL && EVP_DigestSignInit(md, NULL, NULL, NULL, pkey) == 1 &&
		    EVP_DigestSign(md, sig, &siglen, hash, 32) == 1;
		EVP_MD_CTX_free(md);
	} else {
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
		ok = ctx != NULL && EVP_PKEY_sign_init(ctx) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
		    EVP_PKEY_sign(ctx, sig, &siglen, hash, 32) == 1;
		EVP_PKEY_CTX_free(ctx);
	}
	return ok ? dkim_b64_encode(sig, siglen) : NULL;
}

/* " " text b64, the b= value folded: the field as message.h wants it */
char *
dkim_sign_field(const char *text, const char *b64)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	const char *nl = strrchr(text, '\n');
	size_t col = nl ? strlen(nl + 1) + 7 : strlen(SIG_NAME ": ") + strlen(text);

	mauth_buf_putc(&b, ' ');
	mauth_buf_puts(&b, text);
	for (const char *p = b64; *p != '\0';) {
		size_t n = strlen(p) < 64 ? strlen(p) : 64;
		if (col + n > FOLD_AT) {
			mauth_buf_puts(&b, "\n\t ");
			col = 9;
		}
		mauth_buf_append(&b, p, n);
		col += n;
		p += n;
	}
	return mauth_buf_steal(&b);
}
