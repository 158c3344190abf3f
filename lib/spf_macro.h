/*
 * spf_macro.h - SPF macro-strings (RFC 7208 section 7)
 *
 * Syntax check and expansion of macro-strings: domain-specs of mechanisms
 * and modifiers, and explain-strings fetched by exp= (section 6.2).  The
 * module does no DNS itself; %{p} is asked of a callback so that the
 * evaluator keeps the PTR limits of section 4.6.4 in one place.
 *
 * Ownership: every string handed out is malloc'd and the caller frees it;
 * the environment is borrowed for the duration of one call.
 */
#ifndef MAUTH_SPF_MACRO_H
#define MAUTH_SPF_MACRO_H

#include <stddef.h>
#include <time.h>

#include "ip.h"

/* An explain-string: c, r and t allowed, and SP (sections 7.1, 7.2) */
#define MAUTH_SPF_MACRO_EXP	0x1
/*
 * The expansion is a name to query: drop one trailing dot and, past 253
 * octets, drop labels from the left (section 7.3).
 */
#define MAUTH_SPF_MACRO_DOMAIN	0x2

struct mauth_spf_macro_env {
	const char *sender;		/* s: local-part@domain */
	const char *local;		/* l */
	const char *sender_domain;	/* o */
	const char *domain;		/* d: the current <domain> */
	struct mauth_ip ip;		/* i, c, v: IPv4-mapped already unmapped */
	const char *helo;		/* h; NULL: "unknown" */
	const char *receiver;		/* r; NULL: "unknown" */
	time_t now;			/* t */
	/*
	 * p: the validated domain name of ip for domain (section 7.3), malloc'd,
	 * or NULL for "unknown".  Called only when a %{p} is expanded; may be
	 * NULL itself (then %{p} is "unknown").
	 */
	char *(*validated)(void *arg, const char *domain);
	void *arg;
};

/*
 * mauth_spf_macro_check - is text a macro-string (with flags, an
 * explain-string)?  Returns 0 and, when tail_r is not NULL, the offset at
 * which its trailing run of literal characters starts (strlen(text) when
 * it ends in a macro-expand); or -1 with *error_r naming the bad macro or
 * character.
 */
int mauth_spf_macro_check(const char *text, unsigned flags, size_t *tail_r,
    char **error_r);

/*
 * mauth_spf_macro_expand - expand text in env (section 7.3); 0 with
 * *result_r (caller frees), or -1 with *error_r for a syntax error.
 */
int mauth_spf_macro_expand(const struct mauth_spf_macro_env *env,
    const char *text, unsigned flags, char **result_r, char **error_r);

#endif
