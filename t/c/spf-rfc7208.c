/*
 * spf-rfc7208.c - the open-spf.org RFC 7208 conformance suite
 * (t/vectors/spf/rfc7208-tests.yml) through mauth_spf_check_mailfrom()
 *
 * One TAP line per test case, "<scenario>: <id>": the result must be the
 * expected one (or any member of an expected list), and the explanation
 * must be the suite's where it gives one; the default explanation is the
 * literal "DEFAULT" as in the reference driver.  Explanations are compared
 * exactly.
 *
 * The older RFC 4408 suite is run as well, for information only: its
 * count is printed as a diagnostic (several of its expectations differ
 * from RFC 7208 on purpose).
 *
 * With "--print FILE" the program instead evaluates every case of FILE
 * (same YAML format) and prints "id<TAB>result<TAB>explanation<TAB>verdict"
 * lines for t/spf-interop.t, verdict being "expected" when the file's
 * result and explanation accept the outcome, else "unexpected".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf.h"
#include "spf_suite.h"
#include "tap.h"

#define SUITE_NOW 1400000000	/* %{t}: fixed, so runs are reproducible */

struct tally {
	const char *name;	/* suite name for diagnostics */
	bool tap;		/* print TAP lines (else diagnostics only) */
	unsigned total;
	unsigned accepted;
};

/* run_case - evaluate one case; the outcome is the caller's to clear */
static bool
run_case(const struct spf_suite_case *c, struct mauth_dns *dns,
    struct mauth_spf_outcome *out)
{
	struct mauth_spf_options opt;
	struct mauth_ip ip;

	memset(&opt, 0, sizeof(opt));
	memset(out, 0, sizeof(*out));
	opt.default_explanation = "DEFAULT";
	opt.receiver = "receiver.example.net";
	opt.now = SUITE_NOW;
	if (c->host == NULL || mauth_ip_parse(c->host, &ip) < 0)
		return false;
	mauth_spf_check_mailfrom(dns, &opt, &ip, c->mailfrom ? c->mailfrom : "",
	    c->helo, out);
	return true;
}

/* case_accepted - is the outcome one the suite accepts for c? */
static bool
case_accepted(const struct spf_suite_case *c, const struct mauth_spf_outcome *out)
{
	const char *got = mauth_spf_result_name(out->result);
	bool accepted = false;

	for (size_t i = 0; i < c->nresults; i++)
		accepted = accepted || strcmp(c->results[i], got) == 0;
	if (c->explanation != NULL) {
		const char *e = out->explanation ? out->explanation : "";

		if (strcmp(e, c->explanation) != 0)
			accepted = false;
	}
	return accepted;
}

static void
check_case(void *arg, const struct spf_suite_case *c, struct mauth_dns *dns)
{
	struct tally *t = arg;
	struct mauth_spf_outcome out;
	bool accepted = false;

	if (run_case(c, dns, &out))
		accepted = case_accepted(c, &out);
	else
		diag("%s: %s: cannot read host \"%s\"", c->scenario, c->id,
		    c->host ? c->host : "");
	t->total++;
	t->accepted += accepted;
	if (t->tap)
		ok(accepted, "%s: %s", c->scenario, c->id);
	if (!accepted) {
		char want[128] = "";

		for (size_t i = 0; i < c->nresults; i++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want),
			    "%s%s", i ? "|" : "", c->results[i]);
		diag("  %s %s: got %s, expected %s; explanation \"%s\"%s%s%s; "
		    "problem: %s", t->name, c->id, mauth_spf_result_name(out.result), want,
		    out.explanation ? out.explanation : "",
		    c->explanation ? " (expected \"" : "",
		    c->explanation ? c->explanation : "",
		    c->explanation ? "\")" : "",
		    out.problem ? out.problem : "-");
	}
	mauth_spf_outcome_clear(&out);
}

static void
print_case(void *arg, const struct spf_suite_case *c, struct mauth_dns *dns)
{
	struct mauth_spf_outcome out;

	if (run_case(c, dns, &out))
		printf("%s\t%s\t%s\t%s\n", c->id, mauth_spf_result_name(out.result),
		    out.explanation ? out.explanation : "",
		    case_accepted(c, &out) ? "expected" : "unexpected");
	else
		printf("%s\tbad-host\t\tunexpected\n", c->id);
	mauth_spf_outcome_clear(&out);
}

int
main(int argc, char **argv)
{
	struct tally t7208 = { "rfc7208", true, 0, 0 },
	    t4408 = { "rfc4408", false, 0, 0 };
	char *error = NULL;

	if (argc == 3 && strcmp(argv[1], "--print") == 0) {
		if (spf_suite_run(argv[2], print_case, NULL, &error) < 0) {
			fprintf(stderr, "%s\n", error);
			free(error);
			return 1;
		}
		return 0;
	}
	if (spf_suite_run(tap_path("t/vectors/spf/rfc7208-tests.yml"),
	    check_case, &t7208, &error) < 0) {
		ok(false, "read the RFC 7208 suite: %s", error);
		free(error);
		return done_testing();
	}
	/* The suite release in t/vectors has 203 cases (FORMAT.md). */
	is_int(t7208.total, 203, "every case of the suite was read");
	diag("rfc7208 suite: %u/%u accepted", t7208.accepted, t7208.total);
	if (spf_suite_run(tap_path("t/vectors/spf/rfc4408-tests.yml"),
	    check_case, &t4408, &error) < 0) {
		diag("rfc4408 suite not run: %s", error);
		free(error);
	} else {
		diag("rfc4408 suite (informational, not asserted): %u/%u accepted",
		    t4408.accepted, t4408.total);
	}
	return done_testing();
}
