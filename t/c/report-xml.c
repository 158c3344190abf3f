/*
 * report-xml.c - aggregate report XML in both formats (content, escaping,
 * DKIM order, disposition "pass", override names one format lacks, full
 * IPv6 for RFC 7489), each validated with xmllint against the vendored
 * schema when xmllint is installed; gzip round trip; the e-mail around it
 * (Subject, file name, attachment).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "report_mail.h"
#include "report_xml.h"
#include "tap.h"
#include "xmalloc.h"

static char *dir;

static struct mauth_report_row *
policy_row(void)
{
	struct mauth_report_row *r = mauth_report_row_new();
	static const struct { enum mauth_report_col c; const char *v; } cols[] = {
		{ MAUTH_REPORT_COL_POLICY_DOMAIN, "example.org" },
		{ MAUTH_REPORT_COL_P, "reject" }, { MAUTH_REPORT_COL_SP, "none" },
		{ MAUTH_REPORT_COL_NP, "quarantine" }, { MAUTH_REPORT_COL_ADKIM, "r" },
		{ MAUTH_REPORT_COL_ASPF, "s" }, { MAUTH_REPORT_COL_TESTING, "n" },
		{ MAUTH_REPORT_COL_FO, "1" }, { MAUTH_REPORT_COL_PCT, "100" },
		{ MAUTH_REPORT_COL_DISCOVERY, "treewalk" },
	};
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		mauth_report_row_set(r, cols[i].c, cols[i].v);
	return r;
}

static struct mauth_report_row *
group_row(const char *ip, const char *from, const char *dmarc, const char *dis,
    const char *dkim, const char *override, const char *comment)
{
	struct mauth_report_row *r = mauth_report_row_new();

	mauth_report_row_set(r, MAUTH_REPORT_COL_SOURCE_IP, ip);
	mauth_report_row_set(r, MAUTH_REPORT_COL_HEADER_FROM, from);
	mauth_report_row_set(r, MAUTH_REPORT_COL_ENVELOPE_FROM, from);
	mauth_report_row_set(r, MAUTH_REPORT_COL_ENVELOPE_TO, "rcpt.example");
	mauth_report_row_set(r, MAUTH_REPORT_COL_SPF_DOMAIN, from);
	mauth_report_row_set(r, MAUTH_REPORT_COL_SPF_SCOPE, "mfrom");
	mauth_report_row_set(r, MAUTH_REPORT_COL_SPF_RESULT,
	    strcmp(dmarc, "pass") == 0 ? "pass" : "fail");
	mauth_report_row_set(r, MAUTH_REPORT_COL_SPF_ALIGNED,
	    strcmp(dmarc, "pass") == 0 ? "1" : "0");
	mauth_report_row_set(r, MAUTH_REPORT_COL_DKIM, dkim);
	mauth_report_row_set(r, MAUTH_REPORT_COL_DMARC, dmarc);
	mauth_report_row_set(r, MAUTH_REPORT_COL_DISPOSITION, dis);
	mauth_report_row_set(r, MAUTH_REPORT_COL_OVERRIDE, override);
	mauth_report_row_set(r, MAUTH_REPORT_COL_OVERRIDE_COMMENT, comment);
	return r;
}

static char *
write_file(const char *name, const void *data, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fwrite(data, 1, len, f);
		fclose(f);
	}
	return path;
}

/* validate - xmllint --schema; skipped (passing) without xmllint */
static void
validate(const char *xml, const char *schema, const char *what)
{
	char *path = write_file("report.xml", xml, strlen(xml));
	char *cmd = xasprintf("xmllint --noout --schema '%s' '%s' 2>&1 | "
	    "sed 's/^/# /' >&2; exit ${PIPESTATUS:-0}", schema, path);
	int rc;

	if (system("command -v xmllint >/dev/null 2>&1") != 0) {
		ok(1, "# SKIP %s: xmllint not installed", what);
	} else {
		free(cmd);
		cmd = xasprintf("xmllint --noout --schema '%s' '%s' >'%s.out' 2>&1",
		    schema, path, path);
		rc = system(cmd);
		ok(rc == 0, "%s validates against %s", what, strrchr(schema, '/') + 1);
		if (rc != 0) {
			free(cmd);
			cmd = xasprintf("sed 's/^/# /' '%s.out' >&2", path);
			if (system(cmd) != 0)
				diag("xmllint said nothing");
		}
	}
	free(cmd);
	free(path);
}

/* schema_7489 - the RFC 7489 schema without its targetNamespace */
static char *
schema_7489(void)
{
	char *src = xasprintf("%s", tap_path("t/vectors/dmarc/schemas/rfc7489-appendix-c.xsd"));
	char *dst = xasprintf("%s/rfc7489-nons.xsd", dir);
	char *cmd = xasprintf("sed 's| targetNamespace=\"http://dmarc.org/dmarc-xml/0.1\"||' "
	    "'%s' >'%s'", src, dst);

	if (system(cmd) != 0)
		diag("could not make %s", dst);
	free(cmd);
	free(src);
	return dst;
}

static struct mauth_report_meta
meta(enum mauth_conf_report_format f)
{
	struct mauth_report_meta m = {
		.format = f, .org_name = "Org & Co <x>", .email = "dmarc@mx.example",
		.extra_contact_info = "https://mx.example/dmarc", .report_id = "abc123",
		.generator = "mauth test", .period = { 1700000000, 1700086399 },
	};
	return m;
}

static void
test_formats(void)
{
	struct mauth_report_row *policy = policy_row();
	struct mauth_report_group g[3] = {
		{ group_row("192.0.2.1", "example.org", "pass", "none",
		    "d=other.example;s=o;r=pass;a=0,d=example.org;s=sel;r=pass;a=1,"
		    "d=example.org;s=bad;r=fail;a=0;h=bad %3B signature \xff", "", ""), 7 },
		{ group_row("2001:db8::1", "sub.example.org", "fail", "none", "",
		    "policy_test_mode", ""), 2 },
		{ group_row("198.51.100.2", "example.org", "fail", "reject", "",
		    "", ""), 1 },
	};
	struct mauth_report_meta m = meta(MAUTH_REPORT_FORMAT_RFC9990);
	char *error = NULL, *xml = mauth_report_xml(&m, policy, g, 3, &error);

	ok(xml != NULL, "RFC 9990 report built");
	like_str(xml, "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">", "  namespace");
	like_str(xml, "<generator>mauth test</generator>", "  generator");
	like_str(xml, "<discovery_method>treewalk</discovery_method>", "  discovery_method");
	like_str(xml, "<np>quarantine</np>", "  np");
	like_str(xml, "<org_name>Org &amp; Co &lt;x&gt;</org_name>", "  text escaped");
	like_str(xml, "<count>7</count>", "  counts");
	like_str(xml, "<disposition>pass</disposition>", "  a pass under p=reject: disposition pass");
	like_str(xml, "<source_ip>2001:db8::1</source_ip>", "  IPv6 as text");
	like_str(xml, "<type>policy_test_mode</type>", "  override policy_test_mode");
	like_str(xml, "<selector>sel</selector>", "  DKIM selectors");
	like_str(xml, "<human_result>bad ; signature ?</human_result>",
	    "  human result decoded, a non-ASCII byte replaced");
	const char *a = strstr(xml, "<selector>sel<"), *b = strstr(xml, "<selector>o<"),
	    *c = strstr(xml, "<selector>bad<");
	ok(a && b && c && a < b && b < c, "  DKIM: aligned pass, other pass, failure");
	validate(xml, tap_path("t/vectors/dmarc/schemas/dmarcbis-aggregate-dmarc-xml-0.2.xsd"),
	    "RFC 9990 report");

	unsigned char *gz;
	size_t gzlen;
	ok(mauth_report_gzip(xml, strlen(xml), &gz, &gzlen, &error) == 0, "gzip");
	ok(gzlen > 10 && gz[0] == 0x1f && gz[1] == 0x8b, "  gzip magic");
	unsigned char *back = xmalloc(strlen(xml) + 1);
	z_stream z = { .next_in = gz, .avail_in = (uInt)gzlen, .next_out = back,
	    .avail_out = (uInt)strlen(xml) + 1 };
	inflateInit2(&z, 15 + 16);
	ok(inflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out == strlen(xml) &&
	    memcmp(back, xml, strlen(xml)) == 0, "  inflates back to the XML");
	inflateEnd(&z);
	free(back);

	/* the e-mail */
	struct mauth_report_period p = { 1700000000, 1700086399 };
	struct mauth_report_mail mail = {
		.from = "dmarc@mx.example", .to = "agg@example.org",
		.receiver = "mx.example", .policy_domain = "example.org",
		.report_id = "abc123", .period = &p, .gz = gz, .gzlen = gzlen,
		.date = 1700090000,
	};
	char *msg = mauth_report_mail_compose(&mail);
	char *name = mauth_report_filename("mx.example", "example.org", &p, "abc123");
	is_str(name, "mx.example!example.org!1700000000!1700086399!abc123.xml.gz",
	    "file name (RFC 9990)");
	like_str(msg, "Subject: Report Domain: example.org\r\n Submitter: mx.example\r\n"
	    " Report-ID: <abc123>\r\n", "Subject (RFC 9990), folded");
	like_str(msg, "Content-Type: application/gzip;", "  application/gzip part");
	like_str(msg, "filename=\"mx.example!example.org!1700000000!1700086399!abc123.xml.gz\"",
	    "  named as the file");
	like_str(msg, "Message-ID: <abc123@mx.example>", "  Message-ID from the Report-ID");
	like_str(msg, "Date: Wed, 15 Nov 2023 23:13:20 +0000", "  Date");
	ok(strstr(msg, "\n") != NULL && strstr(msg, "\r\n") != NULL &&
	    strchr(msg, '\n') == strstr(msg, "\r\n") + 1, "  CRLF line ends");
	free(msg);
	free(name);
	free(gz);
	free(xml);

	m = meta(MAUTH_REPORT_FORMAT_RFC7489);
	xml = mauth_report_xml(&m, policy, g, 3, &error);
	ok(xml != NULL, "RFC 7489 report built");
	like_str(xml, "<feedback>\n", "  no namespace");
	ok(strstr(xml, "<generator>") == NULL && strstr(xml, "<np>") == NULL &&
	    strstr(xml, "<discovery_method>") == NULL, "  none of RFC 9990's additions");
	like_str(xml, "<pct>100</pct>", "  pct");
	like_str(xml, "<source_ip>2001:db8:0:0:0:0:0:1</source_ip>", "  IPv6 in full");
	like_str(xml, "<type>other</type>", "  policy_test_mode becomes other");
	like_str(xml, "<comment>policy_test_mode</comment>", "  named in the comment");
	ok(strstr(xml, "<disposition>pass</disposition>") == NULL, "  no disposition pass");
	char *s7489 = schema_7489();
	validate(xml, s7489, "RFC 7489 report");
	free(s7489);
	free(xml);

	for (int i = 0; i < 3; i++)
		mauth_report_row_free(&g[i].row);
	mauth_report_row_free(&policy);
}

int
main(void)
{
	char tmpl[] = "/tmp/mauth-report-xml.XXXXXX";
	char *cmd;

	if ((dir = mkdtemp(tmpl)) == NULL)
		skip_all("mkdtemp failed");
	test_formats();
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("could not remove %s", dir);
	free(cmd);
	return done_testing();
}
