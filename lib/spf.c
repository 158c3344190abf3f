/*
 * spf.c - SPF identities: MAIL FROM and HELO (RFC 7208 sections 2.3, 2.4,
 * 4.3) on top of check_host() (spf_eval.c)
 *
 * The identity's domain must be a usable host name before any DNS is
 * asked: labels of letters, digits, '-' and '_' of 1..63 octets, at least
 * two labels, 253 octets at most, and a last label that is not all digits
 * (so that an address literal or a bare IP in HELO gives none, section
 * 4.3, rather than a lookup).  The null reverse-path is checked as
 * postmaster@<HELO> with scope HELO (section 2.4).
 *
 * Ownership: the outcome's strings are malloc'd; mauth_spf_outcome_clear()
 * frees them.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "spf.h"
#include "xmalloc.h"

/* spf_identity_domain - NULL when domain is usable, else why it is not */
static char *
spf_identity_domain(const char *domain)
{
	size_t len = strlen(domain), label = 0, labels = 0;
	bool digits_only = true;

	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0)
		return xstrdup("empty domain");
	if (len > 253)
		return xasprintf("domain of %zu octets (limit 253)", len);
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)domain[i] : '.';

		if (c == '.') {
			if (label == 0)
				return xstrdup("empty label");
			if (label > 63)
				return xasprintf("label of %zu octets (limit 63)",
				    label);
			labels++;
			if (i < len)
				digits_only = true;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return xasprintf("character '%c' is not allowed in a host name",
			    isprint(c) ? c : '?');
		if (!isdigit(c))
			digits_only = false;
		label++;
	}
	if (labels < 2)
		return xstrdup("not a fully qualified domain name");
	if (digits_only)
		return xstrdup("the last label is all digits");
	return NULL;
}

/* spf_check_identity - check local@domain unless domain is unusable */
static enum mauth_spf_result
spf_check_identity(struct mauth_dns *dns, const struct mauth_spf_options *opt,
    const struct mauth_ip *ip, const char *local, const char *domain,
    const char *helo, enum mauth_spf_scope scope, struct mauth_spf_outcome *out)
{
	size_t len = strlen(domain);
	char *d = xstrndup(domain, len > 0 && domain[len - 1] == '.' ? len - 1 : len);
	char *sender = xasprintf("%s@%s", local, d);
	char *why = spf_identity_domain(domain);

	if (why == NULL) {
		mauth_spf_check_host(dns, opt, ip, d, sender, helo, out);
	} else {
		memset(out, 0, sizeof(*out));
		out->result = MAUTH_SPF_NONE;
		out->sender = xstrdup(sender);
		out->domain = xstrdup(d);
		out->problem = xasprintf("\"%s\": %s (RFC 7208 section 4.3)",
		    domain, why);
		free(why);
	}
	out->scope = scope;
	free(sender);
	free(d);
	return out->result;
}

enum mauth_spf_result
mauth_spf_check_mailfrom(struct mauth_dns *dns,
    const struct mauth_spf_options *opt, const struct mauth_ip *ip,
    const char *sender, const char *helo, struct mauth_spf_outcome *out)
{
	if (sender == NULL || *sender == '\0')
		return mauth_spf_check_helo(dns, opt, ip, helo, out);
	const char *at = strrchr(sender, '@');
	if (at == NULL)
		return spf_check_identity(dns, opt, ip, "postmaster", sender, helo,
		    MAUTH_SPF_SCOPE_MFROM, out);
	char *local = at == sender ? xstrdup("postmaster") :
	    xstrndup(sender, (size_t)(at - sender));
	enum mauth_spf_result r = spf_check_identity(dns, opt, ip, local, at + 1,
	    helo, MAUTH_SPF_SCOPE_MFROM, out);
	free(local);
	return r;
}

enum mauth_spf_result
mauth_spf_check_helo(struct mauth_dns *dns, const struct mauth_spf_options *opt,
    const struct mauth_ip *ip, const char *helo, struct mauth_spf_outcome *out)
{
	return spf_check_identity(dns, opt, ip, "postmaster",
	    helo != NULL ? helo : "", helo, MAUTH_SPF_SCOPE_HELO, out);
}

void
mauth_spf_outcome_clear(struct mauth_spf_outcome *out)
{
	free(out->sender);
	free(out->domain);
	free(out->mechanism);
	free(out->explanation);
	free(out->problem);
	memset(out, 0, sizeof(*out));
}

const char *
mauth_spf_result_name(enum mauth_spf_result result)
{
	switch (result) {
	case MAUTH_SPF_NONE:
		return "none";
	case MAUTH_SPF_NEUTRAL:
		return "neutral";
	case MAUTH_SPF_PASS:
		return "pass";
	case MAUTH_SPF_FAIL:
		return "fail";
	case MAUTH_SPF_SOFTFAIL:
		return "softfail";
	case MAUTH_SPF_TEMPERROR:
		return "temperror";
	case MAUTH_SPF_PERMERROR:
		return "permerror";
	}
	return "permerror";
}
