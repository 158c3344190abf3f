/*
 * spf-macro.c - SPF macro expansion (RFC 7208 section 7)
 *
 * The examples of section 7.4, every macro letter, the escapes, URL
 * escaping of upper-case macros, the 253-octet rule of section 7.3 for
 * query names, and syntax errors.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spf_macro.h"
#include "tap.h"

static char *
validated_mx(void *arg, const char *domain)
{
	(void)domain;
	return arg != NULL ? strdup(arg) : NULL;
}

/* section 7.4: strong-bad@email.example.com from 192.0.2.3 / 2001:db8::cb01 */
static void
env_init(struct mauth_spf_macro_env *env, const char *ip)
{
	memset(env, 0, sizeof(*env));
	env->sender = "strong-bad@email.example.com";
	env->local = "strong-bad";
	env->sender_domain = "email.example.com";
	env->domain = "email.example.com";
	env->helo = "mx.example.org";
	env->receiver = "mx.receiver.example.net";
	env->now = 1234567890;
	env->validated = validated_mx;
	env->arg = (void *)"mx.example.org";
	if (mauth_ip_parse(ip, &env->ip) < 0)
		diag("bad test address %s", ip);
}

static void
expands(const struct mauth_spf_macro_env *env, const char *text, unsigned flags,
    const char *want)
{
	char *got = NULL, *error = NULL;
	int rc = mauth_spf_macro_expand(env, text, flags, &got, &error);

	if (rc < 0)
		diag("  error: %s", error);
	is_str(got, want, "%s", text);
	free(got);
	free(error);
}

static void
refuses(const char *text, unsigned flags, const char *why)
{
	struct mauth_spf_macro_env env;
	char *got = NULL, *error = NULL;

	env_init(&env, "192.0.2.3");
	int rc = mauth_spf_macro_expand(&env, text, flags, &got, &error);
	ok(rc < 0 && got == NULL, "refused: %s", text);
	like_str(error, why, "  says \"%s\"", why);
	free(got);
	free(error);
}

static void
test_rfc_examples(void)
{
	struct mauth_spf_macro_env env;

	env_init(&env, "192.0.2.3");
	expands(&env, "%{s}", 0, "strong-bad@email.example.com");
	expands(&env, "%{o}", 0, "email.example.com");
	expands(&env, "%{d}", 0, "email.example.com");
	expands(&env, "%{d4}", 0, "email.example.com");
	expands(&env, "%{d3}", 0, "email.example.com");
	expands(&env, "%{d2}", 0, "example.com");
	expands(&env, "%{d1}", 0, "com");
	expands(&env, "%{dr}", 0, "com.example.email");
	expands(&env, "%{d2r}", 0, "example.email");
	expands(&env, "%{l}", 0, "strong-bad");
	expands(&env, "%{l-}", 0, "strong.bad");
	expands(&env, "%{lr}", 0, "strong-bad");
	expands(&env, "%{lr-}", 0, "bad.strong");
	expands(&env, "%{l1r-}", 0, "strong");
	expands(&env, "%{ir}.%{v}._spf.%{d2}", 0, "3.2.0.192.in-addr._spf.example.com");
	expands(&env, "%{lr-}.lp._spf.%{d2}", 0, "bad.strong.lp._spf.example.com");
	expands(&env, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", 0,
	    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	expands(&env, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", 0,
	    "3.2.0.192.in-addr.strong.lp._spf.example.com");
	expands(&env, "%{d2}.trusted-domains.example.net", 0,
	    "example.com.trusted-domains.example.net");
	/* Section 7.4 prints the nibbles in lower case; mauth writes upper
	 * case (the suite's form), the same DNS name (RFC 4343). */
	env_init(&env, "2001:db8::cb01");
	expands(&env, "%{ir}.%{v}._spf.%{d2}", 0,
	    "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2"
	    ".ip6._spf.example.com");
}

static void
test_letters(void)
{
	struct mauth_spf_macro_env env;

	env_init(&env, "192.0.2.3");
	expands(&env, "%{i}", 0, "192.0.2.3");
	expands(&env, "%{h}", 0, "mx.example.org");
	expands(&env, "%{p}", 0, "mx.example.org");
	expands(&env, "%{c} %{r} %{t}", MAUTH_SPF_MACRO_EXP,
	    "192.0.2.3 mx.receiver.example.net 1234567890");
	expands(&env, "%%%_%-", 0, "% %20");
	expands(&env, "%{D2}", 0, "example.com");
	env.arg = NULL;
	expands(&env, "%{p}", 0, "unknown");
	env.receiver = NULL;
	env.helo = NULL;
	expands(&env, "%{r}/%{h}", MAUTH_SPF_MACRO_EXP, "unknown/unknown");

	env_init(&env, "2001:DB8::CB01");
	expands(&env, "%{c} %{v}", MAUTH_SPF_MACRO_EXP, "2001:db8::cb01 ip6");

	env_init(&env, "192.0.2.3");
	env.local = "~jack&jill=up-a_b3.c";
	expands(&env, "l=%{L}", 0, "l=~jack%26jill%3Dup-a_b3.c");
	env.local = "foo-bar+zip+quux";
	expands(&env, "%{l2r+-}.user", 0, "bar.foo.user");
	expands(&env, "%{l=,}", 0, "foo-bar+zip+quux");
	env.local = "Macro Error";
	expands(&env, "%{l} in implementation", MAUTH_SPF_MACRO_EXP,
	    "Macro Error in implementation");
	expands(&env, "%{L}", 0, "Macro%20Error");
	env.domain = "a.b.c";
	expands(&env, "%{d200}", 0, "a.b.c");
}

static void
test_names(void)
{
	struct mauth_spf_macro_env env;
	char long_o[64];

	env_init(&env, "192.0.2.40");
	expands(&env, "%{d}.d.spf.example.com.", MAUTH_SPF_MACRO_DOMAIN,
	    "email.example.com.d.spf.example.com");
	expands(&env, "This is a test.", MAUTH_SPF_MACRO_EXP, "This is a test.");
	/* 7 + 8 * 30 + 11 = 258 octets: "foobar." goes (section 7.3) */
	strcpy(long_o, "somewhat.long.exp.example.com");
	env.sender_domain = long_o;
	expands(&env, "foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com",
	    MAUTH_SPF_MACRO_DOMAIN,
	    "somewhat.long.exp.example.com.somewhat.long.exp.example.com."
	    "somewhat.long.exp.example.com.somewhat.long.exp.example.com."
	    "somewhat.long.exp.example.com.somewhat.long.exp.example.com."
	    "somewhat.long.exp.example.com.somewhat.long.exp.example.com.example.com");

	size_t tail = 99;
	char *error = NULL;
	ok(mauth_spf_macro_check("%{d}.example.com", 0, &tail, &error) == 0 &&
	    tail == 4, "check: literal tail starts after the last macro");
	ok(mauth_spf_macro_check("foo.%{d}", 0, &tail, &error) == 0 && tail == 8,
	    "check: a string ending in a macro has an empty tail");
	free(error);
}

static void
test_errors(void)
{
	refuses("%", 0, "bad macro");
	refuses("foo%", 0, "bad macro");
	refuses("%x", 0, "'%' must be followed by");
	refuses("%(ir)", 0, "bad macro \"%(\"");
	refuses("%{", 0, "bad macro");
	refuses("%{d", 0, "expected transformers");
	refuses("%{q}", 0, "unknown macro letter");
	refuses("%{d0}", 0, "must not be zero");
	refuses("%{d2rr}", 0, "expected transformers");
	refuses("%{d:}", 0, "expected transformers");
	refuses("%{c}", 0, "only in explanation text");
	refuses("%{r}", 0, "only in explanation text");
	refuses("%{T}", 0, "only in explanation text");
	refuses("a b", 0, "0x20");
	refuses("\xef\xbb\xbf" "Explanation", MAUTH_SPF_MACRO_EXP, "0xef");
	refuses("The %{x}-files.", MAUTH_SPF_MACRO_EXP, "unknown macro letter");
}

int
main(void)
{
	test_rfc_examples();
	test_letters();
	test_names();
	test_errors();
	return done_testing();
}
