/*
 * dkim.c - the DKIM context: libopendkim set up once per configuration
 *
 * Two libopendkim library handles: one for verifying (key lookups through
 * lib/dns, every signature handed to mauth's checks first) and one that
 * only canonicalizes and hashes for the signer (no key lookups).  The
 * header lists for signing are kept here too.  The context is read-only
 * once built and shared by all threads (libopendkim's library handle is
 * shared the same way by opendkim itself).
 */
#include "config.h"

#include <openssl/crypto.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "dkim_int.h"
#include "xmalloc.h"

const char *const mauth_dkim_default_sign_headers[] = {
	/* RFC 6376 section 5.4.1 */
	"From", "Reply-To", "Subject", "Date", "To", "Cc",
	"Resent-Date", "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc",
	"In-Reply-To", "References",
	"List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe",
	"List-Post", "List-Owner", "List-Archive",
	/* what decides how the body is read (RFC 6376 section 5.4) */
	"Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
	NULL
};

const char *const mauth_dkim_default_oversign_headers[] = {
	"From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID",
	"In-Reply-To", "References", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding",
	NULL
};

void
mauth_dkim_options_init(struct mauth_dkim_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->min_key_bits = MAUTH_DKIM_MIN_KEY_BITS;
	opt->max_signatures = MAUTH_DKIM_MAX_SIGNATURES;
	opt->header_canon = MAUTH_DKIM_RELAXED;
	opt->body_canon = MAUTH_DKIM_RELAXED;
}

void
mauth_dkim_options_conf(struct mauth_dkim_options *opt,
    const struct mauth_conf *conf, struct mauth_dns *dns)
{
	static const char *const none[] = { NULL };
	char **over = conf->oversign_headers;

	mauth_dkim_options_init(opt);
	opt->dns = dns;
	opt->min_key_bits = conf->min_key_bits;
	opt->max_signatures = conf->max_signatures;
	opt->signature_ttl = conf->signature_ttl;
	opt->header_canon = conf->canonicalization == MAUTH_CANON_SIMPLE_RELAXED ||
	    conf->canonicalization == MAUTH_CANON_SIMPLE_SIMPLE ?
	    MAUTH_DKIM_SIMPLE : MAUTH_DKIM_RELAXED;
	opt->body_canon = conf->canonicalization == MAUTH_CANON_RELAXED_SIMPLE ||
	    conf->canonicalization == MAUTH_CANON_SIMPLE_SIMPLE ?
	    MAUTH_DKIM_SIMPLE : MAUTH_DKIM_RELAXED;
	opt->sign_headers = (const char *const *)conf->sign_headers;
	if (over != NULL && over[0] != NULL && over[1] == NULL &&
	    strcasecmp(over[0], "none") == 0)
		opt->oversign_headers = none;
	else
		opt->oversign_headers = (const char *const *)over;
}

static size_t
list_len(const char *const *list)
{
	size_t n = 0;

	while (list != NULL && list[n] != NULL)
		n++;
	return n;
}

/*
 * Header field names for SignHeaders / OversignHeaders: letters, digits
 * and "-" (RFC 5322 allows more, but no header worth signing uses it).
 * DKIM-Signature itself is refused: signatures are added, not signed.
 */
static char *
check_names(const char *what, const char *const *list)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		if (list[i][0] == '\0' ||
		    strspn(list[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
		    strlen(list[i]))
			return xasprintf("%s: \"%s\" is not a header field name", what, list[i]);
		if (strcasecmp(list[i], "DKIM-Signature") == 0)
			return xasprintf("%s: DKIM-Signature cannot be signed", what);
	}
	return NULL;
}

/* sign list = SignHeaders + OversignHeaders (an oversigned field must be signed) */
static char **
sign_list(const char *const *sign, const char *const *over)
{
	size_t ns = list_len(sign), no = list_len(over), n = 0;
	char **out = xcalloc(ns + no + 1, sizeof(*out));

	for (size_t i = 0; i < ns + no; i++) {
		const char *h = i < ns ? sign[i] : over[i - ns];
		bool dup = false;
		for (size_t j = 0; j < n && !dup; j++)
			dup = strcasecmp(out[j], h) == 0;
		if (!dup)
			out[n++] = xstrdup(h);
	}
	return out;
}

static char **
copy_list(const char *const *list)
{
	size_t n = list_len(list);
	char **out = xcalloc(n + 1, sizeof(*out));

	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(list[i]);
	return out;
}

static void
free_list(char **list)
{
	for (size_t i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

static int
setup_verify(struct mauth_dkim *dkim, char **error_r)
{
	/*
	 * BADSIGHANDLES: a malformed signature gets a handle of its own (mauth
	 * then ignores it in the prescreen) instead of stopping the others,
	 * and a message without a parsable From can still be verified.
	 * mauth's own checks (dkim_sig.c) stand in for what this flag lets
	 * through.  MINKEYBITS 0: mauth applies MinimumKeyBits itself so the
	 * result can say the signature would otherwise have verified.
	 */
	u_int flags = DKIM_LIBFLAGS_BADSIGHANDLES, bits = 0;

	if ((dkim->vlib = dkim_init(NULL, NULL)) == NULL) {
		*error_r = xstrdup("libopendkim: dkim_init() failed");
		return -1;
	}
	if (!dkim_libfeature(dkim->vlib, DKIM_FEATURE_ED25519) ||
	    !dkim_libfeature(dkim->vlib, DKIM_FEATURE_SHA256)) {
		*error_r = xstrdup("libopendkim was built without Ed25519 or SHA-256");
		return -1;
	}
	if (dkim_options(dkim->vlib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_options(dkim->vlib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &bits,
	    sizeof(bits)) != DKIM_STAT_OK) {
		*error_r = xstrdup("libopendkim: cannot set verification options");
		return -1;
	}
	dkim_verify_hooks(dkim->vlib);
	return 0;
}

static DKIM_CBSTAT
no_key(DKIM *h, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	return DKIM_CBSTAT_NOTFOUND;
}

/*
 * The hashing handle: verification handles that only canonicalize and
 * hash, for the signer (dkim_sign.c says why it does not use libopendkim's
 * own signing).  Keys are never looked up.
 */
static int
setup_hash(struct mauth_dkim *dkim, char **error_r)
{
	u_int flags = DKIM_LIBFLAGS_BADSIGHANDLES, bits = 0;

	if ((dkim->hlib = dkim_init(NULL, NULL)) == NULL) {
		*error_r = xstrdup("libopendkim: dkim_init() failed");
		return -1;
	}
	if (dkim_options(dkim->hlib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_options(dkim->hlib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &bits,
	    sizeof(bits)) != DKIM_STAT_OK) {
		*error_r = xstrdup("libopendkim: cannot set hashing options");
		return -1;
	}
	(void)dkim_set_key_lookup(dkim->hlib, no_key);
	return 0;
}

int
mauth_dkim_new(const struct mauth_dkim_options *opt, struct mauth_dkim **dkim_r,
    char **error_r)
{
	const char *const *sign = opt->sign_headers ? opt->sign_headers :
	    mauth_dkim_default_sign_headers;
	const char *const *over = opt->oversign_headers ? opt->oversign_headers :
	    mauth_dkim_default_oversign_headers;
	struct mauth_dkim *dkim;

	*dkim_r = NULL;
	if ((*error_r = check_names("SignHeaders", sign)) != NULL ||
	    (*error_r = check_names("OversignHeaders", over)) != NULL)
		return -1;
	dkim = xcalloc(1, sizeof(*dkim));
	dkim->opt = *opt;
	dkim->sign_headers = sign_list(sign, over);
	dkim->oversign_headers = copy_list(over);
	dkim->opt.sign_headers = (const char *const *)dkim->sign_headers;
	dkim->opt.oversign_headers = (const char *const *)dkim->oversign_headers;
	if (setup_verify(dkim, error_r) < 0 || setup_hash(dkim, error_r) < 0) {
		mauth_dkim_free(&dkim);
		return -1;
	}
	*dkim_r = dkim;
	return 0;
}

void
mauth_dkim_free(struct mauth_dkim **dkimp)
{
	struct mauth_dkim *dkim = *dkimp;

	if (dkim == NULL)
		return;
	if (dkim->vlib != NULL)
		dkim_close(dkim->vlib);
	if (dkim->hlib != NULL)
		dkim_close(dkim->hlib);
	free_list(dkim->sign_headers);
	free_list(dkim->oversign_headers);
	free(dkim);
	*dkimp = NULL;
}

void
mauth_dkim_thread_end(void)
{
	OPENSSL_thread_stop();
}
