/*
 * dkim-tool.c - verify a message file with mauth's DKIM verifier, for the
 * shell interop tests: "dkim-tool DNSFILE MESSAGE" prints one line per
 * signature, "RESULT d=D s=S a=A bits=N [l=L] (reason)", or "none".
 * DNSFILE holds "name TXT-value" lines.  Exit status 0, or 2 on bad use.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "dkim-util.h"
#include "tap.h"

int
main(int argc, char **argv)
{
	struct mauth_dkim_options opt;
	struct mauth_dkim *dkim;
	char *error = NULL;
	size_t len;

	if (argc != 3) {
		fprintf(stderr, "usage: dkim-tool DNSFILE MESSAGE\n");
		return 2;
	}
	struct mauth_dns *dns = tdns_new();
	char *msg = slurp(argv[2], &len);
	if (msg == NULL || tdns_load(dns, argv[1], NULL, NULL) < 0)
		return 2;
	mauth_dkim_options_init(&opt);
	opt.dns = dns;
	if (mauth_dkim_new(&opt, &dkim, &error) < 0) {
		fprintf(stderr, "%s\n", error);
		return 2;
	}
	struct mauth_dkim_verify *v = verify_message(dkim, msg, len, 4096);
	const struct mauth_dkim_sig *r;
	size_t n = mauth_dkim_verify_results(v, &r);
	if (n == 0)
		printf("none\n");
	for (size_t i = 0; i < n; i++) {
		printf("%s d=%s s=%s a=%s bits=%u", mauth_dkim_result_name(r[i].result),
		    r[i].domain ? r[i].domain : "-", r[i].selector ? r[i].selector : "-",
		    r[i].algorithm ? r[i].algorithm : "-", r[i].key_bits);
		if (r[i].has_length)
			printf(" l=%llu", r[i].length);
		printf(" (%s)\n", r[i].reason ? r[i].reason : "");
	}
	mauth_dkim_verify_free(&v);
	mauth_dkim_free(&dkim);
	mauth_dns_free(&dns);
	free(msg);
	return 0;
}
