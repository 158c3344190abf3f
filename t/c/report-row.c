/*
 * report-row.c - report rows: built from real DMARC outcomes (lib/inbound
 * over an in-memory zone), spool lines (round trip of awkward bytes, torn
 * and corrupt lines refused), the DKIM column encoding.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "dns_mem.h"
#include "dns_zone.h"
#include "inbound.h"
#include "report_row.h"
#include "tap.h"
#include "xmalloc.h"

static const char zone[] =
    "$TTL 300\n"
    "reject.example. IN TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc.reject.example. IN TXT \"v=DMARC1; p=reject; sp=quarantine; "
    "adkim=s; fo=1; rua=mailto:agg@reject.example,mailto:x@rua.example!10m\"\n"
    "_dmarc.test.example. IN TXT \"v=DMARC1; p=quarantine; t=y; rua=mailto:a@test.example\"\n";

static struct mauth_dns *
resolver(void)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	char *error = NULL;

	if (mauth_dns_zone_parse(mem, zone, sizeof(zone) - 1, "zone", NULL, &error) < 0) {
		printf("Bail out! %s\n", error);
		exit(1);
	}
	return mauth_dns_mem_resolver(mem, true);
}

/* rows of one transaction through lib/inbound */
static size_t
transaction(struct mauth_dns *dns, const char *ip, const char *mailfrom,
    const char *from, struct mauth_report_row **rows, size_t max)
{
	struct mauth_conf *conf = mauth_conf_defaults();
	struct mauth_inbound_ctx ctx = { .dns = dns, .authserv_id = "mx.test" };
	const struct mauth_dmarc_outcome *out;
	struct mauth_report_row_info info = {
		.reporter = "mx.test", .message_id = "<m1@test>", .time = 1700000000,
	};
	struct mauth_ip addr;
	size_t n, acting;

	mauth_inbound_dmarc_conf_init(&ctx.dmarc, conf, NULL);
	mauth_ip_parse(ip, &addr);
	struct mauth_inbound *in = mauth_inbound_new(&ctx, &addr, "client.example");
	mauth_inbound_mailfrom(in, mailfrom);
	mauth_inbound_rcpt(in, "<u@rcpt.example>");
	mauth_inbound_header(in, "From", from);
	mauth_inbound_header(in, "Message-ID", " <m1@test> ");
	mauth_inbound_eoh(in);
	mauth_inbound_eom(in);
	is_str(mauth_inbound_message_id(in), "<m1@test>", "Message-ID kept, trimmed");
	n = mauth_inbound_dmarc_outcomes(mauth_inbound_get_dmarc(in), &out, &acting);
	for (size_t i = 0; i < n && i < max; i++)
		rows[i] = mauth_report_row_from_outcome(&out[i], &info);
	mauth_inbound_free(&in);
	mauth_conf_free(&conf);
	return n;
}

static void
test_from_outcome(struct mauth_dns *dns)
{
	struct mauth_report_row *rows[2] = { NULL, NULL };
	static const struct { enum mauth_report_col c; const char *want; } pass[] = {
		{ MAUTH_REPORT_COL_TIME, "1700000000" },
		{ MAUTH_REPORT_COL_REPORTER, "mx.test" },
		{ MAUTH_REPORT_COL_MESSAGE_ID, "<m1@test>" },
		{ MAUTH_REPORT_COL_POLICY_DOMAIN, "reject.example" },
		{ MAUTH_REPORT_COL_HEADER_FROM, "reject.example" },
		{ MAUTH_REPORT_COL_SOURCE_IP, "192.0.2.10" },
		{ MAUTH_REPORT_COL_ENVELOPE_FROM, "reject.example" },
		{ MAUTH_REPORT_COL_ENVELOPE_TO, "rcpt.example" },
		{ MAUTH_REPORT_COL_P, "reject" },
		{ MAUTH_REPORT_COL_SP, "quarantine" },
		{ MAUTH_REPORT_COL_NP, "quarantine" },
		{ MAUTH_REPORT_COL_ADKIM, "s" },
		{ MAUTH_REPORT_COL_ASPF, "r" },
		{ MAUTH_REPORT_COL_TESTING, "n" },
		{ MAUTH_REPORT_COL_FO, "1" },
		{ MAUTH_REPORT_COL_PCT, "100" },
		{ MAUTH_REPORT_COL_RUA, "mailto:agg@reject.example mailto:x@rua.example" },
		{ MAUTH_REPORT_COL_DISCOVERY, "treewalk" },
		{ MAUTH_REPORT_COL_SPF_DOMAIN, "reject.example" },
		{ MAUTH_REPORT_COL_SPF_SCOPE, "mfrom" },
		{ MAUTH_REPORT_COL_SPF_RESULT, "pass" },
		{ MAUTH_REPORT_COL_DKIM, "" },
		{ MAUTH_REPORT_COL_DMARC, "pass" },
		{ MAUTH_REPORT_COL_SPF_ALIGNED, "1" },
		{ MAUTH_REPORT_COL_DKIM_ALIGNED, "0" },
		{ MAUTH_REPORT_COL_DISPOSITION, "none" },
		{ MAUTH_REPORT_COL_OVERRIDE, "" },
	};

	is_int(transaction(dns, "192.0.2.10", "<u@reject.example>",
	    " <a@reject.example>", rows, 1), 1, "aligned SPF pass: one outcome");
	for (size_t i = 0; rows[0] && i < sizeof(pass) / sizeof(pass[0]); i++)
		is_str(rows[0]->col[pass[i].c], pass[i].want, "  %s",
		    mauth_report_col_name(pass[i].c));
	ok(rows[0] && strlen(rows[0]->col[MAUTH_REPORT_COL_ID]) == 32 &&
	    strspn(rows[0]->col[MAUTH_REPORT_COL_ID], "0123456789abcdef") == 32,
	    "  id is 32 hex digits");
	mauth_report_row_free(&rows[0]);

	/* t=y on a failing message: quarantine lowered to none, reported */
	is_int(transaction(dns, "198.51.100.1", "<>", " <b@test.example>", rows, 1),
	    1, "t=y failure: one outcome");
	if (rows[0] != NULL) {
		is_str(rows[0]->col[MAUTH_REPORT_COL_DMARC], "fail", "  dmarc fail");
		is_str(rows[0]->col[MAUTH_REPORT_COL_DISPOSITION], "none", "  disposition none");
		is_str(rows[0]->col[MAUTH_REPORT_COL_OVERRIDE], "policy_test_mode",
		    "  override policy_test_mode");
		is_str(rows[0]->col[MAUTH_REPORT_COL_TESTING], "y", "  testing y");
		is_str(rows[0]->col[MAUTH_REPORT_COL_ENVELOPE_FROM], "",
		    "  null reverse-path: envelope_from empty");
		is_str(rows[0]->col[MAUTH_REPORT_COL_SPF_SCOPE], "helo",
		    "  SPF checked the HELO identity");
		is_str(rows[0]->col[MAUTH_REPORT_COL_SPF_DOMAIN], "client.example",
		    "  of the HELO name");
	}
	mauth_report_row_free(&rows[0]);
}

static void
test_spool_lines(void)
{
	struct mauth_report_row *row = mauth_report_row_new(), *back;
	char *line, *error = NULL;
	size_t len;

	mauth_report_row_set(row, MAUTH_REPORT_COL_ID, "00ff");
	mauth_report_row_set(row, MAUTH_REPORT_COL_MESSAGE_ID,
	    "<a\tb\\c\nd\re@x> \xc3\xa9");
	mauth_report_row_set(row, MAUTH_REPORT_COL_OVERRIDE_COMMENT, "");
	line = mauth_report_row_spool_line(row);
	len = strlen(line);
	ok(len > 0 && line[len - 1] == '\n' && strchr(line, '\n') == line + len - 1,
	    "spool line: one line, LF at the end only");
	back = mauth_report_row_parse_spool(line, len, &error);
	ok(back != NULL, "  parses back%s%s", error ? ": " : "", error ? error : "");
	for (size_t i = 0; back && i < MAUTH_REPORT_NCOLS; i++)
		if (strcmp(back->col[i], row->col[i]) != 0)
			ok(0, "  column %s differs", mauth_report_col_name(i));
	if (back != NULL)
		is_str(back->col[MAUTH_REPORT_COL_MESSAGE_ID], row->col[MAUTH_REPORT_COL_MESSAGE_ID],
		    "  tab, backslash, LF, CR and UTF-8 survive");
	mauth_report_row_free(&back);

	ok(mauth_report_row_parse_spool(line, len - 1, &error) == NULL,
	    "a line without its LF (torn) is refused");
	like_str(error, "torn", "  saying so");
	free(error);
	error = NULL;
	ok(mauth_report_row_parse_spool(line, len / 2, &error) == NULL,
	    "half a line is refused");
	free(error);
	error = NULL;
	line[5] ^= 1;
	ok(mauth_report_row_parse_spool(line, len, &error) == NULL,
	    "a flipped bit is refused");
	like_str(error, "checksum", "  by the checksum");
	free(error);
	error = NULL;
	line[5] ^= 1;
	line[1] = '9';
	ok(mauth_report_row_parse_spool(line, len, &error) == NULL,
	    "another line version is refused");
	free(error);
	free(line);
	mauth_report_row_free(&row);
}

static void
test_dkim_column(void)
{
	struct mauth_dmarc_dkim_row sigs[] = {
		{ (char *)"example.org", (char *)"s1", NULL, MAUTH_DMARC_DKIM_PASS, true },
		{ (char *)"b,ad;d%", (char *)"sel", (char *)"body hash; did not verify, 100%",
		  MAUTH_DMARC_DKIM_FAIL, false },
	};
	struct mauth_report_dkim *back = NULL;
	size_t n = 0;
	char *text = mauth_report_dkim_encode(sigs, 2), *error = NULL;

	like_str(text, "d=example.org;s=s1;r=pass;a=1,", "DKIM column: first signature");
	ok(strchr(strchr(text, ',') + 1, ',') == NULL, "  separators in values are escaped");
	ok(mauth_report_dkim_decode(text, &back, &n, &error) == 0, "  decodes");
	is_int((long long)n, 2, "  two signatures");
	if (n == 2) {
		is_str(back[1].domain, "b,ad;d%", "  domain back");
		is_str(back[1].human_result, "body hash; did not verify, 100%", "  human result back");
		is_str(back[1].result, "fail", "  result back");
		ok(back[0].aligned && !back[1].aligned, "  alignment back");
		ok(back[0].human_result == NULL, "  no human result stays none");
	}
	mauth_report_dkim_free(&back, n);
	free(text);
	ok(mauth_report_dkim_decode("d=x;s=y", &back, &n, &error) < 0,
	    "an entry without a result is refused");
	free(error);
	error = NULL;
	ok(mauth_report_dkim_decode("", &back, &n, &error) == 0 && n == 0,
	    "an empty column is no signature");
	mauth_report_dkim_free(&back, n);
}

int
main(void)
{
	struct mauth_dns *dns = resolver();

	test_from_outcome(dns);
	test_spool_lines();
	test_dkim_column();
	mauth_dns_free(&dns);
	return done_testing();
}
