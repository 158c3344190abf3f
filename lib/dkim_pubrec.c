/*
 * dkim_pubrec.c - the public key record of a signing key: its text, its
 * zone-file form, and what is published judged against the private key
 *
 * The record is "v=DKIM1; k=TYPE; p=BASE64" (RFC 6376 section 3.6.1; k=
 * ed25519 and the raw 32-octet p= from RFC 8463 section 4; RSA p= is the
 * SubjectPublicKeyInfo, as mauth_dkim_key_public() gives it).  A published
 * record is parsed by the same code the verifier uses (dkim_keyrec.c), so
 * "parses" here means "a verifier of mauth's would accept it"; "matches"
 * compares the public key in it with the private key's, both normalised
 * the same way (RSA keys in either DER form become SubjectPublicKeyInfo).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dkim_admin.h"
#include "dkim_int.h"
#include "xmalloc.h"

#define TXT_STRING_MAX 255	/* RFC 1035 section 3.3: <character-string> */

char *
mauth_dkim_pubrec_text(const struct mauth_dkim_key *key)
{
	char *p = mauth_dkim_key_public(key);
	char *txt;

	if (p == NULL)
		return NULL;
	txt = xasprintf("v=DKIM1; k=%s; p=%s",
	    mauth_dkim_keygen_type(mauth_dkim_key_alg(key)), p);
	free(p);
	return txt;
}

char *
mauth_dkim_pubrec_zone(const char *domain, const char *selector,
    enum mauth_dkim_alg alg, const struct mauth_dkim_key *key)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	char *p = key != NULL ? mauth_dkim_key_public(key) : xstrdup("");

	if (p == NULL)
		return NULL;
	if (key != NULL)
		alg = mauth_dkim_key_alg(key);
	mauth_buf_printf(&b, "%s._domainkey.%s. IN TXT ( \"v=DKIM1; k=%s; \"",
	    selector, domain, mauth_dkim_keygen_type(alg));
	/* "p=" and the base64 text (no quotes or backslashes to escape) */
	char *rest = xasprintf("p=%s", p);
	for (size_t off = 0, len = strlen(rest); off < len; off += TXT_STRING_MAX) {
		size_t n = len - off < TXT_STRING_MAX ? len - off : TXT_STRING_MAX;
		mauth_buf_printf(&b, "\n\t\"%.*s\"", (int)n, rest + off);
	}
	mauth_buf_puts(&b, " )\n");
	free(rest);
	free(p);
	return mauth_buf_steal(&b);
}

/* the k= of a record: the algorithm a signature would need; UNKNOWN when k= is odd */
static enum mauth_dkim_alg
record_alg(const struct dkim_taglist *tl)
{
	const char *k = dkim_taglist_get(tl, "k");

	if (k == NULL || strcasecmp(k, "rsa") == 0)
		return MAUTH_DKIM_RSA_SHA256;
	if (strcasecmp(k, "ed25519") == 0)
		return MAUTH_DKIM_ED25519_SHA256;
	return MAUTH_DKIM_ALG_UNKNOWN;
}

/* the p= value of a record rewritten by dkim_keyrec_parse() */
static const char *
record_key(const struct dkim_keyrec *kr)
{
	const char *p = strstr(kr->record, " p=");

	return p != NULL ? p + 3 : "";
}

/* compare the record's public key with key's; sets matches or problem */
static void
compare(const struct mauth_dkim_key *key, const struct dkim_keyrec *kr,
    struct mauth_dkim_published *pub)
{
	enum mauth_dkim_alg kalg = mauth_dkim_key_alg(key);
	char *mine;

	if (kalg != pub->alg) {
		pub->problem = xasprintf("the record holds an %s key, the private key is %s",
		    mauth_dkim_keygen_type(pub->alg), mauth_dkim_keygen_type(kalg));
		return;
	}
	if ((mine = mauth_dkim_key_public(key)) == NULL) {
		pub->problem = xstrdup("cannot compute the private key's public half");
		return;
	}
	pub->matches = strcmp(mine, record_key(kr)) == 0;
	if (!pub->matches)
		pub->problem = xasprintf("the record holds another %s key (%u bits; the private key has %u)",
		    mauth_dkim_keygen_type(kalg), pub->bits, mauth_dkim_key_bits(key));
	free(mine);
}

void
mauth_dkim_pubrec_judge(const struct mauth_dkim_key *key, const char *txt,
    size_t len, struct mauth_dkim_published *pub)
{
	struct dkim_taglist tl;
	struct dkim_keyrec kr;
	char *error = NULL;

	pub->parses = pub->revoked = pub->matches = pub->testing = false;
	pub->alg = MAUTH_DKIM_ALG_UNKNOWN;
	pub->bits = 0;
	free(pub->problem);
	pub->problem = NULL;
	if (memchr(txt, '\0', len) != NULL ||
	    dkim_taglist_parse(txt, len, &tl, &error) < 0) {
		pub->problem = error != NULL ? xasprintf("malformed key record: %s", error)
		    : xstrdup("key record holds a NUL octet");
		free(error);
		return;
	}
	const char *p = dkim_taglist_get(&tl, "p");
	pub->alg = record_alg(&tl);
	pub->revoked = p != NULL && *p == '\0';
	dkim_taglist_clear(&tl);
	if (pub->revoked) {
		/* RFC 6376 section 3.6.1: an empty p= is a revoked key, still a valid record */
		pub->parses = true;
		return;
	}
	if (dkim_keyrec_parse(txt, len, pub->alg != MAUTH_DKIM_ALG_UNKNOWN ? pub->alg
	    : MAUTH_DKIM_RSA_SHA256, &kr, &pub->problem) < 0)
		return;
	pub->parses = true;
	pub->bits = kr.bits;
	pub->testing = kr.testing;
	if (key != NULL)
		compare(key, &kr, pub);
	dkim_keyrec_clear(&kr);
}

/* would a verifier use this record for key's signatures? */
static bool
usable(const struct mauth_dkim_key *key, const struct mauth_dkim_published *pub)
{
	return pub->parses && !pub->revoked &&
	    (key == NULL || pub->alg == mauth_dkim_key_alg(key));
}

enum mauth_dns_status
mauth_dkim_pubrec_lookup(struct mauth_dns *dns, const char *domain,
    const char *selector, const struct mauth_dkim_key *key,
    struct mauth_dkim_published *pub)
{
	char *qname = xasprintf("%s._domainkey.%s", selector, domain);
	struct mauth_dns_answer *ans = NULL;
	struct mauth_dkim_published each;

	memset(pub, 0, sizeof(*pub));
	pub->status = mauth_dns_lookup(dns, qname, MAUTH_DNS_T_TXT, &ans);
	pub->security = ans->security;
	if (ans->why != NULL)
		pub->dns_why = xstrdup(ans->why);
	for (size_t i = 0; pub->status == MAUTH_DNS_OK && i < ans->count; i++) {
		const struct mauth_dns_rr *rr = &ans->rr[i];
		if (rr->type != MAUTH_DNS_T_TXT)
			continue;
		memset(&each, 0, sizeof(each));
		mauth_dkim_pubrec_judge(key, rr->u.txt.data, rr->u.txt.len, &each);
		/* keep the first record, unless a later one is the one verifiers use */
		if (pub->records++ == 0 || (usable(key, &each) && !usable(key, pub))) {
			free(pub->problem);
			pub->parses = each.parses;
			pub->revoked = each.revoked;
			pub->matches = each.matches;
			pub->alg = each.alg;
			pub->bits = each.bits;
			pub->testing = each.testing;
			pub->problem = each.problem;
		} else
			free(each.problem);
	}
	mauth_dns_answer_free(&ans);
	free(qname);
	return pub->status;
}

bool
mauth_dkim_pubrec_ok(const struct mauth_dkim_published *pub)
{
	return pub->status == MAUTH_DNS_OK && pub->parses && !pub->revoked &&
	    pub->matches;
}

void
mauth_dkim_pubrec_clear(struct mauth_dkim_published *pub)
{
	free(pub->dns_why);
	free(pub->problem);
	memset(pub, 0, sizeof(*pub));
}
