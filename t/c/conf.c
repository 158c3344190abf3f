/*
 * conf.c - mauthd.conf: defaults, every value type good and bad (with the
 * error text), file:line numbering, unknown and repeated keys, dump, and
 * the sample conf/mauthd.conf against the table.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "tap.h"
#include "xmalloc.h"

/* show - text on one line for a TAP description (\n, \r, \t visible) */
static const char *
show(const char *text)
{
	static char out[512];
	size_t o = 0;

	for (const char *p = text; *p != '\0' && o + 3 < sizeof(out); p++) {
		const char *esc = *p == '\n' ? "\\n" : *p == '\r' ? "\\r" :
		    *p == '\t' ? "\\t" : NULL;

		if (esc != NULL) {
			memcpy(out + o, esc, 2);
			o += 2;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return out;
}

/* parse text; the conf, or NULL with *error_r */
static struct mauth_conf *
parse(const char *text, char **error_r)
{
	struct mauth_conf *conf = NULL;

	*error_r = NULL;
	if (mauth_conf_parse("t.conf", text, strlen(text), &conf, error_r) < 0)
		return NULL;
	return conf;
}

/* good - text parses; returns the conf for field checks (caller frees) */
static struct mauth_conf *
good(const char *text)
{
	char *error;
	struct mauth_conf *conf = parse(text, &error);

	ok(conf != NULL, "accepted: %s", show(text));
	if (conf == NULL)
		diag("error: %s", error);
	free(error);
	return conf;
}

/* bad - text is refused with exactly this error */
static void
bad(const char *text, const char *want)
{
	char *error;
	struct mauth_conf *conf = parse(text, &error);

	is_str(error, want, "refused: %s", show(text));
	mauth_conf_free(&conf);
	free(error);
}

static void
test_defaults(void)
{
	struct mauth_conf *conf = mauth_conf_defaults();
	char host[256] = "";
	struct mauth_ip ip;

	gethostname(host, sizeof(host) - 1);
	is_str(conf->socket, "inet:8891@127.0.0.1", "default Socket");
	is_str(conf->authserv_id, host[0] ? host : "localhost", "default AuthservID is the host name");
	ok(conf->nameservers == NULL, "default Nameservers: none (system resolver)");
	is_int(conf->dns_timeout_ms, 5000, "default DNSTimeout 5s");
	ok(conf->trust_anchor_file == NULL, "default TrustAnchorFile: none");
	is_int((long long)conf->internal_hosts.count, 2, "default InternalHosts: two networks");
	mauth_ip_parse("127.9.8.7", &ip);
	ok(mauth_cidr_list_match(&conf->internal_hosts, &ip), "  127.9.8.7 is internal");
	mauth_ip_parse("::1", &ip);
	ok(mauth_cidr_list_match(&conf->internal_hosts, &ip), "  ::1 is internal");
	mauth_ip_parse("192.0.2.1", &ip);
	ok(!mauth_cidr_list_match(&conf->internal_hosts, &ip), "  192.0.2.1 is not");
	ok(conf->user_id == NULL, "default UserID: none");
	ok(conf->pid_file == NULL, "default PidFile: none");
	ok(conf->syslog, "default Syslog yes");
	is_int(conf->syslog_facility, LOG_MAIL, "default SyslogFacility mail");
	is_int(conf->log_level, LOG_INFO, "default LogLevel info");
	is_int(conf->on_temperror, MAUTH_ON_TEMPERROR_ACCEPT, "default On-TempError accept");
	is_int(conf->on_internal_error, MAUTH_ON_ERROR_TEMPFAIL, "default On-InternalError tempfail");
	is_int(conf->socket_mode, 0660, "default SocketMode 0660");
	ok(conf->path == NULL, "defaults have no path");
	mauth_conf_free(&conf);
	ok(conf == NULL, "mauth_conf_free sets the pointer to NULL");
}

static void
test_socket(void)
{
	static const char *const goods[] = {
		"Socket inet:8891@127.0.0.1", "Socket inet6:8891@::1",
		"Socket local:/run/mauth/mauthd.sock", "Socket unix:/tmp/m.sock",
		"Socket inet:10025", "Socket inet:25@mail.example.org",
		"Socket INET:65535@localhost",
	};
	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		struct mauth_conf *conf = good(goods[i]);

		if (conf != NULL)
			is_str(conf->socket, goods[i] + 7, "  kept as written");
		mauth_conf_free(&conf);
	}
	bad("Socket inet:0@127.0.0.1",
	    "t.conf:1: Socket: bad value \"inet:0@127.0.0.1\": the port must be a number from 1 to 65535");
	bad("Socket inet:65536@127.0.0.1",
	    "t.conf:1: Socket: bad value \"inet:65536@127.0.0.1\": the port must be a number from 1 to 65535");
	bad("Socket inet:port@127.0.0.1",
	    "t.conf:1: Socket: bad value \"inet:port@127.0.0.1\": the port must be a number from 1 to 65535");
	bad("Socket inet:25@::1",
	    "t.conf:1: Socket: bad value \"inet:25@::1\": inet: needs an IPv4 address (use inet6: for IPv6)");
	bad("Socket inet6:25@127.0.0.1",
	    "t.conf:1: Socket: bad value \"inet6:25@127.0.0.1\": inet6: needs an IPv6 address (use inet: for IPv4)");
	bad("Socket inet:25@",
	    "t.conf:1: Socket: bad value \"inet:25@\": the address after @ is neither an IP address nor a host name");
	bad("Socket local:run/m.sock",
	    "t.conf:1: Socket: bad value \"local:run/m.sock\": the socket path must be absolute");
	bad("Socket tcp:25",
	    "t.conf:1: Socket: bad value \"tcp:25\": the socket type must be inet, inet6, local or unix");
	bad("Socket 8891",
	    "t.conf:1: Socket: bad value \"8891\": expected inet:PORT@ADDR, inet6:PORT@ADDR or local:PATH");

	struct mauth_conf_socket s;
	char *error = NULL;

	is_int(mauth_conf_socket_parse("inet6:9000@::1", &s, &error), 0, "socket_parse inet6:9000@::1");
	is_int(s.kind, MAUTH_CONF_SOCKET_INET6, "  inet6");
	is_int(s.port, 9000, "  port 9000");
	is_str(s.addr, "::1", "  address ::1");
	mauth_conf_socket_clear(&s);
	is_int(mauth_conf_socket_parse("unix:/a/b.sock", &s, &error), 0, "socket_parse unix:/a/b.sock");
	is_int(s.kind, MAUTH_CONF_SOCKET_LOCAL, "  local");
	is_str(s.path, "/a/b.sock", "  path /a/b.sock");
	mauth_conf_socket_clear(&s);
	is_int(mauth_conf_socket_parse("inet:8891", &s, &error), 0, "socket_parse inet:8891");
	ok(s.addr == NULL, "  no address: every local address");
	mauth_conf_socket_clear(&s);
}

static void
test_strings(void)
{
	struct mauth_conf *conf;

	conf = good("AuthservID mx.example.org");
	if (conf)
		is_str(conf->authserv_id, "mx.example.org", "  AuthservID mx.example.org");
	mauth_conf_free(&conf);
	bad("AuthservID mx example",
	    "t.conf:1: AuthservID: bad value \"mx example\": white space is not allowed in an authserv-id (RFC 8601 section 2.2: a token such as a host name)");
	bad("AuthservID mx;x",
	    "t.conf:1: AuthservID: bad value \"mx;x\": ';' is not allowed in an authserv-id (RFC 8601 section 2.2: a token such as a host name)");

	conf = good("PidFile /run/mauth/mauthd.pid");
	if (conf)
		is_str(conf->pid_file, "/run/mauth/mauthd.pid", "  PidFile");
	mauth_conf_free(&conf);
	bad("PidFile mauthd.pid",
	    "t.conf:1: PidFile: bad value \"mauthd.pid\": the path must be absolute");

	/* TrustAnchorFile must exist and be readable when the file is read */
	char tmpl[] = "/tmp/mauth-conf.XXXXXX";
	int fd = mkstemp(tmpl);
	char *text = xasprintf("TrustAnchorFile %s", tmpl);

	ok(fd >= 0, "temporary trust anchor file");
	conf = good(text);
	if (conf)
		is_str(conf->trust_anchor_file, tmpl, "  TrustAnchorFile kept");
	mauth_conf_free(&conf);
	free(text);
	close(fd);
	unlink(tmpl);
	bad("TrustAnchorFile /nonexistent/mauth/root.key",
	    "t.conf:1: TrustAnchorFile: bad value \"/nonexistent/mauth/root.key\": cannot read it: No such file or directory");
	bad("TrustAnchorFile /",
	    "t.conf:1: TrustAnchorFile: bad value \"/\": not a regular file");
}

static void
test_user(void)
{
	struct mauth_conf *conf;
	struct mauth_conf_user u;
	char *error = NULL;

	conf = good("UserID nobody");
	if (conf)
		is_str(conf->user_id, "nobody", "  UserID nobody");
	mauth_conf_free(&conf);
	conf = good("UserID root:root");
	mauth_conf_free(&conf);
	bad("UserID mauth-no-such-user",
	    "t.conf:1: UserID: bad value \"mauth-no-such-user\": no such user \"mauth-no-such-user\"");
	bad("UserID root:mauth-no-such-group",
	    "t.conf:1: UserID: bad value \"root:mauth-no-such-group\": no such group \"mauth-no-such-group\"");
	bad("UserID root:",
	    "t.conf:1: UserID: bad value \"root:\": expected user or user:group");
	bad("UserID :root",
	    "t.conf:1: UserID: bad value \":root\": expected user or user:group");

	is_int(mauth_conf_user_lookup("root:nogroup", &u, &error), 0, "user_lookup root:nogroup");
	is_int(u.uid, 0, "  uid 0");
	ok(u.gid != 0, "  gid of nogroup, not root's");
	is_str(u.name, "root", "  name root");
	mauth_conf_user_clear(&u);
}

static void
test_lists(void)
{
	struct mauth_conf *conf;

	conf = good("Nameservers 127.0.0.1, ::1@5353 192.0.2.1@53");
	if (conf) {
		ok(conf->nameservers && conf->nameservers[0] && conf->nameservers[1] &&
		    conf->nameservers[2] && !conf->nameservers[3], "  three nameservers");
		if (conf->nameservers && conf->nameservers[1])
			is_str(conf->nameservers[1], "::1@5353", "  the second is ::1@5353");
	}
	mauth_conf_free(&conf);
	bad("Nameservers 127.0.0.1@0",
	    "t.conf:1: Nameservers: bad value \"127.0.0.1@0\": the port after @ must be a number from 1 to 65535");
	bad("Nameservers 127.0.0.1, ns.example.com",
	    "t.conf:1: Nameservers: bad value \"ns.example.com\": expected an IP address, optionally followed by @PORT");
	bad("Nameservers 127.0.0.1@70000",
	    "t.conf:1: Nameservers: bad value \"127.0.0.1@70000\": the port after @ must be a number from 1 to 65535");
	bad("Nameservers ,",
	    "t.conf:1: Nameservers: bad value \",\": the list is empty");

	conf = good("InternalHosts 10.0.0.0/8 192.168.0.0/16,2001:db8::/32");
	if (conf)
		is_int((long long)conf->internal_hosts.count, 3, "  three networks");
	mauth_conf_free(&conf);
	bad("InternalHosts 10.0.0.1/8",
	    "t.conf:1: InternalHosts: bad network \"10.0.0.1/8\": host bits set beyond /8");
	bad("InternalHosts 10.0.0.0/33",
	    "t.conf:1: InternalHosts: bad network \"10.0.0.0/33\": prefix length must be 0..32");
	/* found by t/fuzz/fuzz-conf: accepted as "none", dumped as "not set" */
	bad("InternalHosts ,",
	    "t.conf:1: InternalHosts: bad value \",\": the list is empty");
}

static void
test_scalars(void)
{
	static const struct { const char *text; unsigned ms; } times[] = {
		{ "DNSTimeout 5s", 5000 }, { "DNSTimeout 100ms", 100 },
		{ "DNSTimeout 1m", 60000 }, { "DNSTimeout 7", 7000 },
		{ "dnstimeout 60s", 60000 },
	};
	struct mauth_conf *conf;

	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		conf = good(times[i].text);
		if (conf)
			is_int(conf->dns_timeout_ms, times[i].ms, "  %u ms", times[i].ms);
		mauth_conf_free(&conf);
	}
	bad("DNSTimeout 99ms", "t.conf:1: DNSTimeout: bad value \"99ms\": must be from 100ms to 1m");
	bad("DNSTimeout 61s", "t.conf:1: DNSTimeout: bad value \"61s\": must be from 100ms to 1m");
	bad("DNSTimeout 5h", "t.conf:1: DNSTimeout: bad value \"5h\": the unit must be ms, s or m");
	bad("DNSTimeout 1.5s", "t.conf:1: DNSTimeout: bad value \"1.5s\": the unit must be ms, s or m");
	bad("DNSTimeout -1", "t.conf:1: DNSTimeout: bad value \"-1\": expected a whole number with unit ms, s or m");
	bad("DNSTimeout 99999999999s", "t.conf:1: DNSTimeout: bad value \"99999999999s\": expected a whole number with unit ms, s or m");

	conf = good("Syslog no");
	if (conf)
		ok(!conf->syslog, "  Syslog no");
	mauth_conf_free(&conf);
	conf = good("Syslog TRUE");
	if (conf)
		ok(conf->syslog, "  Syslog TRUE");
	mauth_conf_free(&conf);
	conf = good("Syslog 0");
	if (conf)
		ok(!conf->syslog, "  Syslog 0");
	mauth_conf_free(&conf);
	bad("Syslog maybe", "t.conf:1: Syslog: bad value \"maybe\": expected yes or no (or true/false, 1/0)");

	conf = good("SyslogFacility local3\nLogLevel WARN\nOn-TempError tempfail\nOn-InternalError reject");
	if (conf) {
		is_int(conf->syslog_facility, LOG_LOCAL3, "  facility local3");
		is_int(conf->log_level, LOG_WARNING, "  level warning");
		is_int(conf->on_temperror, MAUTH_ON_TEMPERROR_TEMPFAIL, "  On-TempError tempfail");
		is_int(conf->on_internal_error, MAUTH_ON_ERROR_REJECT, "  On-InternalError reject");
	}
	mauth_conf_free(&conf);
	bad("SyslogFacility kern", "t.conf:1: SyslogFacility: bad value \"kern\": expected one of mail, daemon, user, local0, local1, local2, local3, local4, local5, local6, local7");
	bad("LogLevel verbose", "t.conf:1: LogLevel: bad value \"verbose\": expected one of err, error, warning, warn, notice, info, debug");
	bad("On-TempError reject", "t.conf:1: On-TempError: bad value \"reject\": expected one of accept, tempfail");
	bad("On-InternalError discard", "t.conf:1: On-InternalError: bad value \"discard\": expected one of tempfail, accept, reject");

	conf = good("SocketMode 0600");
	if (conf)
		is_int(conf->socket_mode, 0600, "  mode 0600");
	mauth_conf_free(&conf);
	conf = good("SocketMode 660");
	if (conf)
		is_int(conf->socket_mode, 0660, "  mode 660 is octal");
	mauth_conf_free(&conf);
	bad("SocketMode 0689", "t.conf:1: SocketMode: bad value \"0689\": expected an octal mode such as 0660");
	bad("SocketMode rw", "t.conf:1: SocketMode: bad value \"rw\": expected an octal mode such as 0660");
	bad("SocketMode 01777", "t.conf:1: SocketMode: bad value \"01777\": must be from 0000 to 0777");
}

static void
test_syntax(void)
{
	struct mauth_conf *conf;

	conf = good("# comment\n\n   \n\tSocket\t inet:9@127.0.0.1   # trailing comment\r\n"
	    "AuthservID mx#1\n");
	if (conf) {
		is_str(conf->socket, "inet:9@127.0.0.1", "  comment and CR stripped, tabs as blanks");
		is_str(conf->authserv_id, "mx#1", "  '#' inside a word is not a comment");
		is_str(conf->path, "t.conf", "  conf->path is the name");
	}
	mauth_conf_free(&conf);
	conf = good("LogLevel debug");	/* no newline at the end */
	mauth_conf_free(&conf);
	conf = good("");
	if (conf)
		is_int(conf->dns_timeout_ms, 5000, "  empty file: defaults");
	mauth_conf_free(&conf);

	bad("# one\n\nSocket inet:1@127.0.0.1\n# four\nNoSuchKey 1\n",
	    "t.conf:5: unknown key \"NoSuchKey\"");
	bad("Socket inet:1@127.0.0.1\nLogLevel info\nSOCKET inet:2@127.0.0.1\n",
	    "t.conf:3: Socket: repeated (first set on line 1)");
	/* CRLF line ends are fine; a control character inside a value is not */
	conf = good("AuthservID mx.example\r\nLogLevel debug\r\n");
	if (conf)
		is_str(conf->authserv_id, "mx.example", "  CRLF: the CR is not part of the value");
	mauth_conf_free(&conf);
	bad("ReportIgnoreDomains a.example\r\rb.example\n",
	    "t.conf:1: ReportIgnoreDomains: control character 0x0d in the value");
	bad("LogLevel info\nAuthservID mx\001x\n",
	    "t.conf:2: AuthservID: control character 0x01 in the value");
	bad("\n\nDNSTimeout\n", "t.conf:3: DNSTimeout: value missing");
	bad("\n\nDNSTimeout   # five seconds\n", "t.conf:3: DNSTimeout: value missing");
	bad("LogLevel info\n\nDNSTimeout 2h\n",
	    "t.conf:3: DNSTimeout: bad value \"2h\": the unit must be ms, s or m");

	char *error = NULL;
	static const char nul[] = "LogLevel info\nSocket inet:1@1.2.3.4\0x\n";

	ok(mauth_conf_parse("t.conf", nul, sizeof(nul) - 1, &conf, &error) < 0, "NUL byte refused");
	is_str(error, "t.conf:2: NUL byte in line", "  with its line");
	free(error);
}

static void
test_load_and_dump(void)
{
	struct mauth_conf *conf = mauth_conf_defaults(), *again = NULL;
	struct mauth_buf dump = MAUTH_BUF_INIT, dump2 = MAUTH_BUF_INIT;
	char *error = NULL;

	mauth_conf_dump(conf, &dump);
	for (size_t i = 0; mauth_conf_key_name(i) != NULL; i++)
		like_str(mauth_buf_cstr(&dump), mauth_conf_key_name(i), "dump names %s",
		    mauth_conf_key_name(i));
	like_str(mauth_buf_cstr(&dump), "\nDNSTimeout        5s\n", "dump: DNSTimeout 5s");
	like_str(mauth_buf_cstr(&dump), "\nInternalHosts     127.0.0.0/8, ::1/128\n", "dump: InternalHosts");
	like_str(mauth_buf_cstr(&dump), "\nSocketMode        0660\n", "dump: SocketMode 0660");
	like_str(mauth_buf_cstr(&dump), "\n# UserID (not set)\n", "dump: unset key as a comment");
	like_str(mauth_buf_cstr(&dump), "\nLogLevel          info\n", "dump: LogLevel info");

	ok(mauth_conf_parse("dump", dump.data, dump.len, &again, &error) == 0, "the dump parses back");
	if (again != NULL) {
		mauth_conf_dump(again, &dump2);
		is_str(mauth_buf_cstr(&dump2), mauth_buf_cstr(&dump), "  to the same configuration");
	} else {
		diag("%s", error);
	}
	mauth_conf_free(&again);
	mauth_buf_free(&dump2);
	mauth_conf_free(&conf);
	free(error);

	/* non-default values round-trip as well */
	conf = good("Nameservers 127.0.0.1@5353, ::1\nDNSTimeout 1500ms\nLogLevel error\n"
	    "SocketMode 600\nSyslog 0\nOn-TempError TempFail\n");
	if (conf != NULL) {
		mauth_buf_truncate(&dump, 0);
		mauth_conf_dump(conf, &dump);
		like_str(mauth_buf_cstr(&dump), "\nNameservers       127.0.0.1@5353, ::1\n", "dump: Nameservers");
		like_str(mauth_buf_cstr(&dump), "\nDNSTimeout        1500ms\n", "dump: 1500ms");
		like_str(mauth_buf_cstr(&dump), "\nLogLevel          err\n", "dump: canonical level name");
		like_str(mauth_buf_cstr(&dump), "\nSocketMode        0600\n", "dump: SocketMode 0600");
		like_str(mauth_buf_cstr(&dump), "\nSyslog            no\n", "dump: Syslog no");
		like_str(mauth_buf_cstr(&dump), "\nOn-TempError      tempfail\n", "dump: On-TempError tempfail");
	}
	mauth_conf_free(&conf);
	mauth_buf_free(&dump);

	ok(mauth_conf_load("/nonexistent/mauthd.conf", &conf, &error) < 0, "missing file refused");
	is_str(error, "/nonexistent/mauthd.conf: cannot open: No such file or directory", "  with the reason");
	free(error);
}

/* the first word of a line, after an optional '#': "Key" or "#Key" lines */
static bool
sample_mentions(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *p = line;

		p += strspn(p, " \t#");
		if (strncmp(p, key, klen) == 0 && (p[klen] == ' ' || p[klen] == '\t'))
			return true;
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return false;
}

static void
test_sample(void)
{
	const char *path = tap_path("conf/mauthd.conf");
	struct mauth_conf *conf = NULL;
	char *error = NULL;
	FILE *f;
	struct mauth_buf text = MAUTH_BUF_INIT;
	char chunk[4096];
	size_t n;

	is_int(mauth_conf_load(path, &conf, &error), 0, "the sample %s parses", path);
	if (error != NULL)
		diag("%s", error);
	if (conf != NULL) {
		is_str(conf->socket, "inet:8891@127.0.0.1", "  sample Socket inet:8891@127.0.0.1");
		ok(conf->nameservers == NULL, "  sample uses the system resolver");
	}
	mauth_conf_free(&conf);
	free(error);

	if ((f = fopen(path, "r")) == NULL) {
		ok(false, "open %s", path);
		return;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		mauth_buf_append(&text, chunk, n);
	fclose(f);
	for (size_t i = 0; mauth_conf_key_name(i) != NULL; i++)
		ok(sample_mentions(mauth_buf_cstr(&text), mauth_conf_key_name(i)),
		    "the sample documents %s", mauth_conf_key_name(i));
	mauth_buf_free(&text);
}

/* the DMARC keys: defaults, aliases, checks */
static void
test_dmarc(void)
{
	struct mauth_conf *conf = mauth_conf_defaults();
	struct mauth_ip ip;

	is_int(conf->dmarc_discovery, MAUTH_DMARC_DISCOVERY_RFC9989,
	    "default DMARCDiscovery rfc9989");
	ok(conf->public_suffix_list == NULL, "default PublicSuffixList: libpsl's");
	ok(conf->reject_failures, "default RejectFailures yes");
	is_int(conf->dmarc_quarantine, MAUTH_DMARC_QUARANTINE_HOLD,
	    "default DMARCQuarantine quarantine");
	is_str(conf->dmarc_quarantine_header, "X-Mauth-Quarantine: DMARC",
	    "default DMARCQuarantineHeader");
	is_int(conf->dmarc_multiple_from, MAUTH_FROM_REJECT,
	    "default DMARCMultipleFrom reject");
	is_int(conf->dmarc_malformed_from, MAUTH_FROM_REJECT,
	    "default DMARCMalformedFrom reject");
	is_int(conf->dmarc_missing_from, MAUTH_FROM_ACCEPT,
	    "default DMARCMissingFrom accept");
	ok(conf->dmarc_ignore_domains == NULL && conf->dmarc_trusted_sources.count == 0,
	    "default DMARCIgnoreDomains, DMARCTrustedSources: none");
	mauth_conf_free(&conf);

	conf = good("DMARCDiscovery treewalk\n");
	ok(conf && conf->dmarc_discovery == MAUTH_DMARC_DISCOVERY_RFC9989, "  treewalk");
	mauth_conf_free(&conf);
	conf = good("DMARCDiscovery RFC7489\nDMARCMultipleFrom evaluate\n"
	    "DMARCIgnoreDomains example.org, Example.NET\n"
	    "DMARCTrustedSources 192.0.2.0/24\nRejectFailures no\n"
	    "DMARCQuarantineHeader X-Spam-Flag: YES\n");
	ok(conf && conf->dmarc_discovery == MAUTH_DMARC_DISCOVERY_PSL &&
	    conf->dmarc_multiple_from == MAUTH_FROM_EVALUATE && !conf->reject_failures &&
	    strcmp(conf->dmarc_ignore_domains[1], "Example.NET") == 0 &&
	    strcmp(conf->dmarc_quarantine_header, "X-Spam-Flag: YES") == 0,
	    "  psl, evaluate, ignore list, header");
	mauth_ip_parse("192.0.2.7", &ip);
	ok(conf && mauth_cidr_list_match(&conf->dmarc_trusted_sources, &ip),
	    "  192.0.2.7 is a trusted source");
	mauth_conf_free(&conf);
	bad("DMARCMalformedFrom evaluate\n",
	    "t.conf:1: DMARCMalformedFrom: bad value \"evaluate\": expected one of reject, accept");
	bad("DMARCQuarantineHeader no colon\n",
	    "t.conf:1: DMARCQuarantineHeader: bad value \"no colon\": expected"
	    " \"Name: value\" (a header field)");
	bad("DMARCQuarantineHeader X Spam: yes\n",
	    "t.conf:1: DMARCQuarantineHeader: bad value \"X Spam: yes\": the field"
	    " name \"X Spam\" may only hold"
	    " printable characters, no white space (RFC 5322 3.6.8)");
	bad("DMARCIgnoreDomains ok.example, b\xc3\xa4d.example\n",
	    "t.conf:1: DMARCIgnoreDomains: bad value \"b\xc3\xa4d.example\": not a domain name: "
	    "letters, digits, '-' and '_' only (an internationalised name in its xn-- form)");
	bad("ReportIgnoreDomains a.example,#b.example\n",
	    "t.conf:1: ReportIgnoreDomains: bad value \"#b.example\": a list item cannot "
	    "start with '#' (after a space it starts a comment)");
	bad("SignHeaders From,#X\n",
	    "t.conf:1: SignHeaders: bad value \"#X\": a list item cannot "
	    "start with '#' (after a space it starts a comment)");
	bad("DMARCIgnoreDomains a..b\n",
	    "t.conf:1: DMARCIgnoreDomains: bad value \"a..b\": empty label in domain"
	    " name \"a..b\"");
	bad("PublicSuffixList /nonexistent/psl.dat\n",
	    "t.conf:1: PublicSuffixList: bad value \"/nonexistent/psl.dat\": cannot"
	    " read it: No such file or directory");
}

int
main(void)
{
	test_defaults();
	test_dmarc();
	test_socket();
	test_strings();
	test_user();
	test_lists();
	test_scalars();
	test_syntax();
	test_load_and_dump();
	test_sample();
	return done_testing();
}
