/*
 * migrate_table.c - OpenDKIM and OpenDMARC options and their mauth keys
 *
 * A table and the converters its rows use; why this file is mostly data:
 * every documented option has a row, so `mauth migrate` can say for each
 * one what became of it, and `mauth migrate --table` prints the README's
 * table from the same rows.  Option names and value forms are from the
 * opendkim.conf(5) and opendmarc.conf(5) manuals of Debian 12.
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "conf.h"
#include "ip.h"
#include "migrate.h"
#include "xmalloc.h"

/* ---------------------------------------------------------------- notes */

#define DKIM_NOT	"not supported: mauthd's DKIM options are KeyTable, SigningTable, " \
			"MultipleSignatures, Canonicalization, SignHeaders, OversignHeaders, " \
			"SignatureTTL, MinimumKeyBits and MaximumSignaturesToVerify"
#define DKIM_ACTION	"DKIM results go into Authentication-Results and DMARC; " \
			"DMARC's policy (RejectFailures) decides what happens to the message"
#define SINGLE_KEY	"mauthd signs from a KeyTable and a SigningTable: " \
			"`mauth keys gen --keytable FILE --signingtable FILE` writes the " \
			"entries (the SigningTable as refile:); or write " \
			"\"SELECTOR._domainkey.DOMAIN DOMAIN:SELECTOR:KEYFILE\" into the KeyTable " \
			"and \"*@DOMAIN SELECTOR._domainkey.DOMAIN\" into the SigningTable"
#define NO_TRUST	"mauthd evaluates SPF and DKIM itself and trusts no other Authentication-Results"
#define AGGREGATE	"mauthd records DMARC aggregate-report rows itself (ReportStore); " \
			"`mauth report send` builds and sends the reports (ReportSMTP*, ReportSendmail)"
#define NO_RUF		"DMARC failure reports (ruf=) are not sent"
#define NO_DKIM_REPORTS	"DKIM failure reports (RFC 6651) are not sent"
#define UNSUPPORTED	"not supported"
#define SYSTEMD		"use systemd (conf/mauthd.service: Restart=on-failure)"

/* ---------------------------------------------------------------- converters */

static enum migrate_status
conv_bool(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	static const char *const yes[] = { "yes", "true", "1", "y", "t" };
	static const char *const no[] = { "no", "false", "0", "n", "f" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
			mauth_buf_puts(out, strcasecmp(value, yes[i]) == 0 ? "yes" : "no");
			return MIGRATE_MAPPED;
		}
	}
	mauth_buf_printf(why, "\"%s\" is not a boolean", value);
	return MIGRATE_UNMAPPED;
}

/* a Boolean option into one of two words */
static enum migrate_status
conv_bool_words(const char *value, struct mauth_buf *out, struct mauth_buf *why,
    const char *yes, const char *no)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	enum migrate_status st = conv_bool(value, &b, why);

	if (st == MIGRATE_MAPPED)
		mauth_buf_puts(out, strcmp(mauth_buf_cstr(&b), "yes") == 0 ? yes : no);
	mauth_buf_free(&b);
	return st;
}

/* RejectMultiValueFrom: OpenDMARC lets such mail through unevaluated */
static enum migrate_status
conv_multivalue_from(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	return conv_bool_words(value, out, why, "reject", "accept");
}

/* HoldQuarantinedMessages: false only marks the message in its A-R */
static enum migrate_status
conv_hold_quarantined(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	return conv_bool_words(value, out, why, "quarantine", "accept");
}

/* Socket: the libmilter forms; OpenDKIM also takes a bare path */
static enum migrate_status
conv_socket(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	struct mauth_conf_socket sock;
	char *spec = value[0] == '/' ? xasprintf("local:%s", value) : xstrdup(value);
	char *error = NULL;

	if (mauth_conf_socket_parse(spec, &sock, &error) < 0) {
		mauth_buf_puts(why, error);
		free(error);
		free(spec);
		return MIGRATE_UNMAPPED;
	}
	mauth_conf_socket_clear(&sock);
	mauth_buf_puts(out, spec);
	free(spec);
	return MIGRATE_MAPPED;
}

static enum migrate_status
conv_facility(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	static const char *const ok[] = { "mail", "daemon", "user", "local0",
	    "local1", "local2", "local3", "local4", "local5", "local6", "local7" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (strcasecmp(value, ok[i]) == 0) {
			mauth_buf_puts(out, ok[i]);
			return MIGRATE_MAPPED;
		}
	}
	mauth_buf_printf(why, "facility \"%s\": mauthd takes mail, daemon, user, local0..local7",
	    value);
	return MIGRATE_UNMAPPED;
}

/* UMask: the peers create their socket with it; mauthd sets the mode itself */
static enum migrate_status
conv_umask(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	char *end;
	unsigned long mask = strtoul(value, &end, 8);

	if (*value == '\0' || *end != '\0' || mask > 0777) {
		mauth_buf_printf(why, "\"%s\" is not an octal umask", value);
		return MIGRATE_UNMAPPED;
	}
	mauth_buf_printf(out, "0%03lo", 0777 & ~mask);
	mauth_buf_puts(why, "the socket's mode (0777 less the umask); the pid file "
	    "is always 0644");
	return MIGRATE_MAPPED;
}

/* DNSTimeout: whole seconds in both peers; mauthd takes 100ms..60s */
static enum migrate_status
conv_seconds(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	char *end;
	unsigned long s = strtoul(value, &end, 10);

	if (!isdigit((unsigned char)*value) || *end != '\0' || s == 0 || s > 60) {
		mauth_buf_printf(why, "\"%s\": mauthd's DNSTimeout is 100ms to 60s", value);
		return MIGRATE_UNMAPPED;
	}
	mauth_buf_printf(out, "%lus", s);
	return MIGRATE_MAPPED;
}

static enum migrate_status
conv_authserv_id(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	if (strcmp(value, "HOSTNAME") == 0)
		return MIGRATE_DEFAULT;	/* OpenDKIM's word for the host name */
	mauth_buf_puts(out, value);
	return MIGRATE_MAPPED;
}

/*
 * conv_list - a comma or white-space separated list, kept as ", "-joined
 * items while item_ok accepts each (it says why in why when not)
 */
static enum migrate_status
conv_list(const char *value, struct mauth_buf *out, struct mauth_buf *why,
    bool (*item_ok)(const char *item, struct mauth_buf *why))
{
	char *copy = xstrdup(value), *save = NULL;
	enum migrate_status rc = MIGRATE_MAPPED;

	for (char *t = strtok_r(copy, ", \t", &save); t != NULL; t = strtok_r(NULL, ", \t", &save)) {
		if (!item_ok(t, why)) {
			rc = MIGRATE_UNMAPPED;
			break;
		}
		mauth_buf_printf(out, "%s%s", out->len ? ", " : "", t);
	}
	free(copy);
	if (rc == MIGRATE_MAPPED && out->len == 0) {
		mauth_buf_puts(why, "the list is empty");
		rc = MIGRATE_UNMAPPED;
	}
	return rc;
}

static bool
item_ip(const char *item, struct mauth_buf *why)
{
	struct mauth_ip ip;

	if (mauth_ip_parse(item, &ip) == 0)
		return true;
	mauth_buf_printf(why, "\"%s\" is not an IP address", item);
	return false;
}

/* Nameservers: comma-separated addresses in OpenDKIM */
static enum migrate_status
conv_nameservers(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	return conv_list(value, out, why, item_ip);
}

static enum migrate_status
conv_on_error(const char *value, struct mauth_buf *out, struct mauth_buf *why,
    bool allow_reject)
{
	if (strcasecmp(value, "accept") == 0 || strcasecmp(value, "tempfail") == 0 ||
	    (allow_reject && strcasecmp(value, "reject") == 0)) {
		for (const char *p = value; *p != '\0'; p++)
			mauth_buf_putc(out, (char)tolower((unsigned char)*p));
		return MIGRATE_MAPPED;
	}
	mauth_buf_printf(why, "\"%s\": mauthd can accept, tempfail%s", value,
	    allow_reject ? " or reject" : "");
	return MIGRATE_UNMAPPED;
}

static enum migrate_status
conv_on_dns_error(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	return conv_on_error(value, out, why, false);
}

static enum migrate_status
conv_on_internal_error(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	return conv_on_error(value, out, why, true);
}

/* hosts_item - one data-set entry: an address or network is kept */
static void
hosts_item(const char *item, struct mauth_buf *out, struct mauth_buf *why)
{
	struct mauth_cidr cidr;
	char *error = NULL;

	if (mauth_cidr_parse(item, &cidr, &error) == 0) {
		mauth_buf_printf(out, "%s%s", out->len ? ", " : "", item);
		return;
	}
	free(error);
	mauth_buf_printf(why, "%s\"%s\"", why->len ? ", " : "entries left out "
	    "(mauthd takes addresses and networks only): ", item);
}

/*
 * InternalHosts (OpenDKIM), IgnoreHosts (OpenDMARC): a data set, either a
 * list or a file of one entry per line ("file:" prefix optional).
 */
static enum migrate_status
conv_hosts(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	/* OpenDKIM data sets mauthd cannot read (opendkim.conf(5), "DATA SETS") */
	static const char *const other[] = { "refile:", "db:", "dsn:", "ldap:",
	    "ldaps:", "ldapi:", "lua:", "memcache:", "mdb:", "redis:", "erlang:" };
	struct mauth_buf text = MAUTH_BUF_INIT;
	const char *path = value;
	char *copy, *save = NULL;

	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		if (strncasecmp(value, other[i], strlen(other[i])) == 0) {
			mauth_buf_printf(why, "data set \"%s\": mauthd takes a list of "
			    "networks; list them by hand", value);
			return MIGRATE_UNMAPPED;
		}
	}
	if (strncasecmp(value, "file:", 5) == 0 || strncasecmp(value, "csl:", 4) == 0)
		path = strchr(value, ':') + 1;
	if (path[0] == '/') {
		FILE *f = fopen(path, "r");
		char line[1024];

		if (f == NULL) {
			mauth_buf_printf(why, "cannot read the data set %s: list its networks "
			    "here by hand", path);
			return MIGRATE_UNMAPPED;
		}
		while (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "#\r\n")] = '\0';
			mauth_buf_printf(&text, "%s ", line);
		}
		fclose(f);
	} else {
		mauth_buf_puts(&text, path);
	}
	copy = mauth_buf_steal(&text);
	for (char *t = strtok_r(copy, ", \t", &save); t != NULL; t = strtok_r(NULL, ", \t", &save))
		hosts_item(t, out, why);
	free(copy);
	if (out->len == 0) {
		if (why->len == 0)
			mauth_buf_puts(why, "no entries");
		return MIGRATE_UNMAPPED;
	}
	return MIGRATE_MAPPED;
}

/* Canonicalization: header[/body], relaxed or simple (as mauthd reads it) */
static enum migrate_status
conv_canon(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	static const char *const ok[] = { "relaxed/relaxed", "relaxed/simple",
	    "simple/relaxed", "simple/simple", "relaxed", "simple" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (strcasecmp(value, ok[i]) == 0) {
			mauth_buf_puts(out, ok[i]);
			return MIGRATE_MAPPED;
		}
	}
	mauth_buf_printf(why, "\"%s\": expected relaxed or simple, or HEADER/BODY", value);
	return MIGRATE_UNMAPPED;
}

/* a header field name (RFC 5322 3.6.8: printable US-ASCII except ":") */
static bool
item_field_name(const char *item, struct mauth_buf *why)
{
	for (const char *p = item; *p != '\0'; p++) {
		/* OpenDKIM's "*" and "+" forms have no mauthd equivalent */
		if (*p < 33 || *p > 126 || *p == ':' || *p == '*' || *p == '+') {
			mauth_buf_printf(why, "\"%s\": mauthd takes a list of header "
			    "field names", item);
			return false;
		}
	}
	return true;
}

/*
 * SignHeaders, OversignHeaders: a list of header field names; OpenDKIM's
 * data sets other than a plain list (files, "*", "+" forms) are left to
 * the operator.
 */
static enum migrate_status
conv_header_list(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	return conv_list(value, out, why, item_field_name);
}

/* a whole number as it is (mauthd -n checks the range) */
static enum migrate_status
conv_uint(const char *value, struct mauth_buf *out, struct mauth_buf *why)
{
	for (const char *p = value; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p)) {
			mauth_buf_printf(why, "\"%s\" is not a whole number", value);
			return MIGRATE_UNMAPPED;
		}
	}
	mauth_buf_puts(out, value);
	return MIGRATE_MAPPED;
}

/* ---------------------------------------------------------------- table */

#define K	MIGRATE_OPENDKIM
#define M	MIGRATE_OPENDMARC
#define B	MIGRATE_BOTH

static const struct migrate_option options[] = {
	{ "AllowSHA1Only", K, NULL, NULL, "rsa-sha1 never passes (RFC 8301)" },
	{ "AlwaysAddARHeader", K, NULL, NULL, "mauthd always adds its Authentication-Results field" },
	{ "AuthservID", B, "AuthservID", conv_authserv_id, NULL },
	{ "AuthservIDWithJobID", B, NULL, NULL, UNSUPPORTED },
	{ "AutoRestart", B, NULL, NULL, SYSTEMD },
	{ "AutoRestartCount", B, NULL, NULL, SYSTEMD },
	{ "AutoRestartRate", B, NULL, NULL, SYSTEMD },
	{ "Background", B, NULL, NULL, "mauthd detaches unless started with -f" },
	{ "BaseDirectory", B, NULL, NULL, "mauthd works in /; give absolute paths" },
	{ "BodyLengthDB", K, NULL, NULL, "mauthd never signs with l= (verifying, an l= body is reported)" },
	{ "BogusKey", K, NULL, NULL, "a key record that does not parse is dkim=permerror" },
	{ "Canonicalization", K, "Canonicalization", conv_canon, NULL },
	{ "CaptureUnknownErrors", K, NULL, NULL, UNSUPPORTED },
	{ "ChangeRootDirectory", B, NULL, NULL, "use systemd's sandboxing (conf/mauthd.service)" },
	{ "ClockDrift", K, NULL, NULL, DKIM_NOT },
	{ "CopyFailuresTo", M, NULL, NULL, UNSUPPORTED },
	{ "Diagnostics", K, NULL, NULL, UNSUPPORTED },
	{ "DiagnosticDirectory", K, NULL, NULL, UNSUPPORTED },
	{ "DisableCryptoInit", K, NULL, NULL, UNSUPPORTED },
	{ "DNSConnect", K, NULL, NULL, "libunbound picks UDP or TCP itself" },
	{ "DNSTimeout", B, "DNSTimeout", conv_seconds, NULL },
	{ "Domain", K, NULL, NULL, SINGLE_KEY },
	{ "DomainKeysCompat", K, NULL, NULL, UNSUPPORTED },
	{ "DomainWhitelist", M, NULL, NULL, UNSUPPORTED },
	{ "DomainWhitelistFile", M, NULL, NULL, UNSUPPORTED },
	{ "DomainWhitelistSize", M, NULL, NULL, UNSUPPORTED },
	{ "DontSignMailTo", K, NULL, NULL, DKIM_NOT },
	{ "EnableCoredumps", B, NULL, NULL, "use systemd's LimitCORE=" },
	{ "ExemptDomains", K, NULL, NULL, DKIM_NOT },
	{ "ExternalIgnoreList", K, NULL, NULL, DKIM_NOT },
	{ "FailureReports", M, NULL, NULL, NO_RUF },
	{ "FailureReportsBcc", M, NULL, NULL, NO_RUF },
	{ "FailureReportsOnNone", M, NULL, NULL, NO_RUF },
	{ "FailureReportsSentBy", M, NULL, NULL, NO_RUF },
	{ "FinalPolicyScript", K, NULL, NULL, UNSUPPORTED },
	{ "FixCRLF", K, NULL, NULL, "the MTA hands mauthd CRLF line ends already" },
	{ "HistoryFile", M, NULL, NULL, AGGREGATE },
	{ "HoldQuarantinedMessages", M, "DMARCQuarantine", conv_hold_quarantined,
	  "true: the MTA holds it (quarantine); false: delivered (accept)" },
	{ "IdentityHeader", K, NULL, NULL, DKIM_NOT },
	{ "IdentityHeaderRemove", K, NULL, NULL, DKIM_NOT },
	{ "IgnoreAuthenticatedClients", M, NULL, NULL, UNSUPPORTED },
	{ "IgnoreHosts", M, "InternalHosts", conv_hosts,
	  "not evaluated, as OpenDMARC ignores them, and signed when the SigningTable names the From domain" },
	{ "IgnoreMailFrom", M, "DMARCIgnoreDomains", NULL,
	  "their failures are delivered, but still evaluated and reported" },
	{ "IgnoreMailTo", M, NULL, NULL, UNSUPPORTED },
	{ "IgnoreMalformedMail", K, NULL, NULL, UNSUPPORTED },
	{ "Include", K, NULL, NULL, "copy the included file's options in" },
	{ "InternalHosts", K, "InternalHosts", conv_hosts, NULL },
	{ "KeepAuthResults", K, NULL, NULL,
	  "mauthd removes only fields that claim its own AuthservID (RFC 8601 section 5)" },
	{ "KeepTemporaryFiles", K, NULL, NULL, UNSUPPORTED },
	{ "KeyFile", K, NULL, NULL, SINGLE_KEY },
	{ "KeyTable", K, "KeyTable", NULL, "the same file format (file:, refile: or a path); keys readable by group or others are refused" },
	{ "LDAPAuthMechanism", K, NULL, NULL, UNSUPPORTED },
	{ "LDAPAuthName", K, NULL, NULL, UNSUPPORTED },
	{ "LDAPAuthRealm", K, NULL, NULL, UNSUPPORTED },
	{ "LDAPAuthUser", K, NULL, NULL, UNSUPPORTED },
	{ "LDAPBindPassword", K, NULL, NULL, UNSUPPORTED },
	{ "LDAPBindUser", K, NULL, NULL, UNSUPPORTED },
	{ "LDAPDisableCache", K, NULL, NULL, UNSUPPORTED },
	{ "LDAPKeepaliveIdle", K, NULL, NULL, UNSUPPORTED },
	{ "LDAPKeepaliveInterval", K, NULL, NULL, UNSUPPORTED },
	{ "LDAPKeepaliveProbes", K, NULL, NULL, UNSUPPORTED },
	{ "LDAPTimeout", K, NULL, NULL, UNSUPPORTED },
	{ "LDAPUseTLS", K, NULL, NULL, UNSUPPORTED },
	{ "LogResults", K, NULL, NULL, "LogLevel debug logs each step" },
	{ "LogWhy", K, NULL, NULL, "mauthd's per-message line gives each verdict; "
	  "LogLevel debug adds the reasons" },
	{ "MacroList", K, NULL, NULL, DKIM_NOT },
	{ "MaximumHeaders", K, NULL, NULL, UNSUPPORTED },
	{ "MaximumSignaturesToVerify", K, "MaximumSignaturesToVerify", conv_uint, NULL },
	{ "MaximumSignedBytes", K, NULL, NULL, DKIM_NOT },
	{ "MilterDebug", B, NULL, NULL, "LogLevel debug" },
	{ "Minimum", K, NULL, NULL, DKIM_NOT },
	{ "MinimumKeyBits", K, "MinimumKeyBits", conv_uint, NULL },
	{ "Mode", K, NULL, NULL, "mauthd verifies mail from other clients and signs mail from InternalHosts and authenticated clients" },
	{ "MTA", K, NULL, NULL, DKIM_NOT },
	{ "MTACommand", K, NULL, NULL, NO_DKIM_REPORTS },
	{ "MultipleSignatures", K, "MultipleSignatures", conv_bool, NULL },
	{ "MustBeSigned", K, NULL, NULL, DKIM_NOT },
	{ "Nameservers", K, "Nameservers", conv_nameservers, NULL },
	{ "NoHeaderB", K, NULL, NULL, UNSUPPORTED },
	{ "OmitHeaders", K, NULL, NULL, DKIM_NOT },
	{ "On-BadSignature", K, NULL, NULL, DKIM_ACTION },
	{ "On-Default", K, NULL, NULL, "set On-TempError and On-InternalError" },
	{ "On-DNSError", K, "On-TempError", conv_on_dns_error, NULL },
	{ "On-InternalError", K, "On-InternalError", conv_on_internal_error, NULL },
	{ "On-KeyNotFound", K, NULL, NULL, DKIM_ACTION },
	{ "On-NoSignature", K, NULL, NULL, DKIM_ACTION },
	{ "On-Security", K, NULL, NULL, DKIM_ACTION },
	{ "On-SignatureError", K, NULL, NULL, DKIM_ACTION },
	{ "OversignHeaders", K, "OversignHeaders", conv_header_list, NULL },
	{ "PeerList", K, NULL, NULL, UNSUPPORTED },
	{ "PidFile", B, "PidFile", NULL, NULL },
	{ "POPDBFile", K, NULL, NULL, UNSUPPORTED },
	{ "PublicSuffixList", M, "PublicSuffixList", NULL,
	  "used with DMARCDiscovery psl (RFC 7489); the default is RFC 9989's DNS tree walk" },
	{ "Quarantine", K, NULL, NULL, DKIM_NOT },
	{ "QueryCache", K, NULL, NULL, "mauthd always caches (libunbound)" },
	{ "RecordAllMessages", M, NULL, NULL, AGGREGATE },
	{ "RedirectFailuresTo", K, NULL, NULL, UNSUPPORTED },
	{ "RejectFailures", M, "RejectFailures", conv_bool,
	  "mauthd's default is yes (OpenDMARC's is false)" },
	{ "RejectMultiValueFrom", M, "DMARCMultipleFrom", conv_multivalue_from,
	  "false: delivered with dmarc=permerror (accept)" },
	{ "RejectString", M, NULL, NULL,
	  "mauthd answers \"550 5.7.1 Email rejected per DMARC policy for DOMAIN\" (RFC 9989 7.2)" },
	{ "RemoveARAll", K, NULL, NULL,
	  "mauthd removes only fields that claim its own AuthservID (RFC 8601 section 5)" },
	{ "RemoveARFrom", K, NULL, NULL,
	  "mauthd removes only fields that claim its own AuthservID (RFC 8601 section 5)" },
	{ "RemoveOldSignatures", K, NULL, NULL, DKIM_NOT },
	{ "ReplaceHeaders", K, NULL, NULL, UNSUPPORTED },
	{ "ReplaceRules", K, NULL, NULL, UNSUPPORTED },
	{ "ReportAddress", K, NULL, NULL, NO_DKIM_REPORTS },
	{ "ReportBccAddress", K, NULL, NULL, NO_DKIM_REPORTS },
	{ "ReportCommand", M, NULL, NULL, AGGREGATE },
	{ "RequestReports", K, NULL, NULL, NO_DKIM_REPORTS },
	{ "RequiredHeaders", B, NULL, NULL, UNSUPPORTED },
	{ "RequireSafeKeys", K, NULL, NULL, "always: a private key readable by group or others stops start-up" },
	{ "ResignAll", K, NULL, NULL, DKIM_NOT },
	{ "ResignMailTo", K, NULL, NULL, DKIM_NOT },
	{ "ResolverConfiguration", K, NULL, NULL,
	  "mauthd's resolver takes Nameservers, DNSTimeout and TrustAnchorFile" },
	{ "ResolverTracing", K, NULL, NULL, UNSUPPORTED },
	{ "ScreenPolicyScript", K, NULL, NULL, UNSUPPORTED },
	{ "SelectCanonicalizationHeader", K, NULL, NULL, UNSUPPORTED },
	{ "Selector", K, NULL, NULL, SINGLE_KEY },
	{ "SenderHeaders", K, NULL, NULL, DKIM_NOT },
	{ "SenderMacro", K, NULL, NULL, DKIM_NOT },
	{ "SendReports", K, NULL, NULL, NO_DKIM_REPORTS },
	{ "SetupPolicyScript", K, NULL, NULL, UNSUPPORTED },
	{ "SignatureAlgorithm", K, NULL, NULL, "the key decides: rsa-sha256 or ed25519-sha256" },
	{ "SignatureTTL", K, "SignatureTTL", conv_uint, NULL },
	{ "SignHeaders", K, "SignHeaders", conv_header_list, NULL },
	{ "SigningTable", K, "SigningTable", NULL, "the same file format, wildcards with refile:" },
	{ "SMTPURI", K, NULL, NULL, NO_DKIM_REPORTS },
	{ "Socket", B, "Socket", conv_socket,
	  "mauthd has one socket for both: OpenDKIM's is kept when both give one" },
	{ "SoftStart", K, NULL, NULL, UNSUPPORTED },
	{ "SoftwareHeader", B, NULL, NULL, UNSUPPORTED },
	{ "SPFIgnoreResults", M, NULL, NULL, "mauthd always evaluates SPF itself" },
	{ "SPFSelfValidate", M, NULL, NULL, "mauthd always evaluates SPF itself" },
	{ "Statistics", K, NULL, NULL, "MetricsSocket serves counters for Prometheus" },
	{ "StatisticsName", K, NULL, NULL, UNSUPPORTED },
	{ "StatisticsPolicyScript", K, NULL, NULL, UNSUPPORTED },
	{ "StatisticsPrefix", K, NULL, NULL, UNSUPPORTED },
	{ "StrictHeaders", K, NULL, NULL, DKIM_NOT },
	{ "StrictTestMode", K, NULL, NULL, UNSUPPORTED },
	{ "SubDomains", K, NULL, NULL, DKIM_NOT },
	{ "Syslog", B, "Syslog", conv_bool, NULL },
	{ "SyslogFacility", B, "SyslogFacility", conv_facility, NULL },
	{ "SyslogName", K, NULL, NULL, "mauthd logs as \"mauthd\"" },
	{ "SyslogSuccess", K, NULL, NULL, "mauthd always logs one line per message at info" },
	{ "TemporaryDirectory", K, NULL, NULL, UNSUPPORTED },
	{ "TestDNSData", K, NULL, NULL, "mauth check --zone answers from a zone file" },
	{ "TestPublicKeys", K, NULL, NULL, DKIM_NOT },
	{ "TrustAnchorFile", K, "TrustAnchorFile", NULL, NULL },
	{ "TrustedAuthservIDs", M, NULL, NULL, NO_TRUST },
	{ "TrustSignaturesFrom", K, NULL, NULL, DKIM_NOT },
	{ "UMask", B, "SocketMode", conv_umask, NULL },
	{ "UnprotectedKey", K, NULL, NULL, "key records without DNSSEC are used; with TrustAnchorFile a bogus answer is dkim=temperror" },
	{ "UserID", B, "UserID", NULL, NULL },
	{ "VBR-Certifiers", K, NULL, NULL, UNSUPPORTED },
	{ "VBR-PurgeFields", K, NULL, NULL, UNSUPPORTED },
	{ "VBR-TrustedCertifiers", K, NULL, NULL, UNSUPPORTED },
	{ "VBR-TrustedCertifiersOnly", K, NULL, NULL, UNSUPPORTED },
	{ "VBR-Type", K, NULL, NULL, UNSUPPORTED },
	{ "WeakSyntaxChecks", K, NULL, NULL, UNSUPPORTED },
};

const struct migrate_option *
migrate_options(size_t *n_r)
{
	*n_r = sizeof(options) / sizeof(options[0]);
	return options;
}

const struct migrate_option *
migrate_option_find(const char *name, unsigned from)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		if (strcasecmp(options[i].name, name) == 0 && (options[i].from & from) != 0)
			return &options[i];
	}
	return NULL;
}
