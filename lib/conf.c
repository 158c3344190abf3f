/*
 * conf.c - mauthd.conf: the table of keys, the line parser, load and dump
 *
 * Every key is one row of conf_defs[] below: name, type, field, default,
 * limits and, where a type is not specific enough, a check function.  The
 * parser, the defaults, mauth_conf_dump() and mauth_conf_free() all walk
 * the table, so a new key is one row (and one field in struct mauth_conf,
 * and its documentation in conf/mauthd.conf, which t/c/conf.c enforces).
 *
 * Ownership: the returned struct mauth_conf owns all its strings and
 * lists; errors are malloc'd strings the caller frees.  No state is kept
 * between calls.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "conf_value.h"
#include "dns.h"
#include "report_store.h"
#include "xmalloc.h"

/* A configuration file larger than this is not a configuration file. */
#define CONF_MAX_SIZE	(1024 * 1024)

/* ENUM fields are written through an int *. */
_Static_assert(sizeof(enum mauth_conf_on_error) == sizeof(int), "enum size");
_Static_assert(sizeof(enum mauth_conf_on_temperror) == sizeof(int), "enum size");
_Static_assert(sizeof(enum mauth_conf_dmarc_discovery) == sizeof(int), "enum size");
_Static_assert(sizeof(enum mauth_conf_dmarc_quarantine) == sizeof(int), "enum size");
_Static_assert(sizeof(enum mauth_conf_from_action) == sizeof(int), "enum size");
_Static_assert(sizeof(enum mauth_conf_canon) == sizeof(int), "enum size");
_Static_assert(sizeof(enum mauth_conf_report_format) == sizeof(int), "enum size");
_Static_assert(sizeof(enum mauth_conf_report_tls) == sizeof(int), "enum size");

/* ---------------------------------------------------------------- checks */

/*
 * RFC 8601 section 2.2: authserv-id is a "value" (RFC 2045 token or
 * quoted-string); we write it unquoted, so it must be a token, which a
 * host name always is.
 */
static int
check_authserv_id(const char *value, char **why_r)
{
	for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
		const char *rule = "(RFC 8601 section 2.2: a token such as a host name)";

		if (*p == ' ' || *p == '\t') {
			*why_r = xasprintf("white space is not allowed in an authserv-id %s", rule);
			return -1;
		}
		if (*p < ' ' || *p >= 0x7f) {
			*why_r = xasprintf("byte 0x%02x is not allowed in an authserv-id %s", *p, rule);
			return -1;
		}
		if (strchr("()<>@,;:\\\"/[]?=", *p) != NULL) {
			*why_r = xasprintf("'%c' is not allowed in an authserv-id %s", *p, rule);
			return -1;
		}
	}
	return 0;
}

/* Nameservers item: an IP address, then optionally @PORT (libunbound's form) */
static int
check_nameserver(const char *value, char **why_r)
{
	const char *at = strrchr(value, '@');
	char *addr = at ? xstrndup(value, (size_t)(at - value)) : xstrdup(value);
	struct mauth_ip ip;
	int rc = mauth_ip_parse(addr, &ip);

	free(addr);
	if (rc < 0) {
		*why_r = xstrdup("expected an IP address, optionally followed by @PORT");
		return -1;
	}
	if (at != NULL) {
		char *end;
		long port;

		errno = 0;
		port = strtol(at + 1, &end, 10);
		if (!isdigit((unsigned char)at[1]) || *end != '\0' || errno != 0 ||
		    port < 1 || port > 65535) {
			*why_r = xstrdup("the port after @ must be a number from 1 to 65535");
			return -1;
		}
	}
	return 0;
}

static int
check_user(const char *value, char **why_r)
{
	struct mauth_conf_user user;

	if (mauth_conf_user_lookup(value, &user, why_r) < 0)
		return -1;
	mauth_conf_user_clear(&user);
	return 0;
}

/* Files read at start-up must be readable now: -n should catch it. */
static int
check_readable(const char *value, char **why_r)
{
	struct stat st;

	if (stat(value, &st) < 0 || access(value, R_OK) < 0) {
		*why_r = xasprintf("cannot read it: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*why_r = xstrdup("not a regular file");
		return -1;
	}
	return 0;
}

/*
 * DMARCQuarantineHeader: "Name: value", an RFC 5322 field-name (printable
 * ASCII but ":", section 3.6.8) and an unstructured value on one line.
 */
static int
check_header_field(const char *value, char **why_r)
{
	const char *colon = strchr(value, ':');

	if (colon == NULL || colon == value) {
		*why_r = xstrdup("expected \"Name: value\" (a header field)");
		return -1;
	}
	for (const char *p = value; p < colon; p++) {
		if (*p <= ' ' || *p >= 0x7f) {
			*why_r = xasprintf("the field name \"%.*s\" may only hold "
			    "printable characters, no white space (RFC 5322 3.6.8)",
			    (int)(colon - value), value);
			return -1;
		}
	}
	for (const char *p = colon + 1; *p != '\0'; p++) {
		if ((unsigned char)*p < ' ' && *p != '\t') {
			*why_r = xstrdup("control character in the field value");
			return -1;
		}
	}
	return 0;
}

/*
 * DMARCIgnoreDomains, ReportIgnoreDomains item: a domain name as mail
 * uses them, host-name syntax (RFC 1123 2.1, '_' allowed for names like
 * _report._dmarc), an internationalised one in its A-label form
 */
static int
check_domain(const char *value, char **why_r)
{
	char *norm = mauth_dns_name_normalise(value, why_r);

	if (norm == NULL)
		return -1;
	for (const char *p = norm; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.') {
			*why_r = xstrdup("not a domain name: letters, digits, '-' and "
			    "'_' only (an internationalised name in its xn-- form)");
			free(norm);
			return -1;
		}
	}
	free(norm);
	return 0;
}

/* MetricsSocket: Prometheus scrapes over TCP, so no local: socket */
static int
check_metrics_socket(const char *value, char **why_r)
{
	if (strncasecmp(value, "inet:", 5) != 0 && strncasecmp(value, "inet6:", 6) != 0) {
		*why_r = xstrdup("expected inet:PORT@ADDR or inet6:PORT@ADDR "
		    "(Prometheus scrapes over TCP)");
		return -1;
	}
	return 0;
}

/* ReportStore: a store this build can open, or "none" */
static int
check_report_store(const char *value, char **why_r)
{
	if (strcasecmp(value, "none") == 0)
		return 0;
	return mauth_report_store_check_uri(value, why_r);
}

/* ReportEmail: a plain addr-spec, local@domain (RFC 5322 3.4.1) */
static int
check_email(const char *value, char **why_r)
{
	const char *at = strrchr(value, '@');

	if (at == NULL || at == value || strpbrk(value, " \t<>\"(),;:") != NULL) {
		*why_r = xstrdup("expected an address local@domain");
		return -1;
	}
	return check_domain(at + 1, why_r);
}

/* ReportSMTPServer: HOST or HOST:PORT ([IPv6]:PORT) */
static int
check_host_port(const char *value, char **why_r)
{
	const char *colon = strrchr(value, ':');
	const char *close = strrchr(value, ']');

	if (*value == '\0' || strpbrk(value, " \t") != NULL) {
		*why_r = xstrdup("expected HOST or HOST:PORT");
		return -1;
	}
	if (colon != NULL && (close == NULL || colon > close)) {
		char *end;
		unsigned long port = strtoul(colon + 1, &end, 10);
		if (*end != '\0' || port == 0 || port > 65535) {
			*why_r = xstrdup("the port after : must be a number from 1 to 65535");
			return -1;
		}
	}
	return 0;
}

/*
 * KeyTable, SigningTable: an OpenDKIM data set naming a file ("file:PATH",
 * "refile:PATH" or a PATH); the file must be readable now.  The keys in
 * it are loaded and checked by mauthd at start-up (and by mauthd -n).
 */
static int
check_table(const char *value, char **why_r)
{
	const char *path = value;

	if (strncmp(value, "file:", 5) == 0)
		path = value + 5;
	else if (strncmp(value, "refile:", 7) == 0)
		path = value + 7;
	if (*path != '/') {
		*why_r = xstrdup("expected file:PATH, refile:PATH or an absolute PATH");
		return -1;
	}
	return check_readable(path, why_r);
}

/* SignHeaders, OversignHeaders items: header field names */
static int
check_field_name(const char *value, char **why_r)
{
	if (strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
	    strlen(value)) {
		*why_r = xstrdup("not a header field name (letters, digits and -)");
		return -1;
	}
	if (strcasecmp(value, "DKIM-Signature") == 0) {
		*why_r = xstrdup("DKIM-Signature fields are added, never signed");
		return -1;
	}
	return 0;
}

bool
mauth_conf_report_capture(const struct mauth_conf *conf)
{
	return conf->report_store != NULL &&
	    strcasecmp(conf->report_store, "none") != 0;
}

/* AuthservID default: the host name, as the MTA would announce itself. */
static char *
default_hostname(void)
{
	char name[256];

	if (gethostname(name, sizeof(name) - 1) < 0 || name[0] == '\0')
		return xstrdup("localhost");
	name[sizeof(name) - 1] = '\0';
	return xstrdup(name);
}

/* ---------------------------------------------------------------- table */

static const struct mauth_conf_name names_on_temperror[] = {
	{ "accept", MAUTH_ON_TEMPERROR_ACCEPT },
	{ "tempfail", MAUTH_ON_TEMPERROR_TEMPFAIL },
	{ NULL, 0 }
};

static const struct mauth_conf_name names_on_error[] = {
	{ "tempfail", MAUTH_ON_ERROR_TEMPFAIL },
	{ "accept", MAUTH_ON_ERROR_ACCEPT },
	{ "reject", MAUTH_ON_ERROR_REJECT },
	{ NULL, 0 }
};

static const struct mauth_conf_name names_discovery[] = {
	{ "rfc9989", MAUTH_DMARC_DISCOVERY_RFC9989 },
	{ "treewalk", MAUTH_DMARC_DISCOVERY_RFC9989 },
	{ "psl", MAUTH_DMARC_DISCOVERY_PSL },
	{ "rfc7489", MAUTH_DMARC_DISCOVERY_PSL },
	{ NULL, 0 }
};

static const struct mauth_conf_name names_quarantine[] = {
	{ "quarantine", MAUTH_DMARC_QUARANTINE_HOLD },
	{ "header", MAUTH_DMARC_QUARANTINE_HEADER },
	{ "accept", MAUTH_DMARC_QUARANTINE_ACCEPT },
	{ NULL, 0 }
};

static const struct mauth_conf_name names_from_action[] = {
	{ "reject", MAUTH_FROM_REJECT },
	{ "accept", MAUTH_FROM_ACCEPT },
	{ NULL, 0 }
};

static const struct mauth_conf_name names_multiple_from[] = {
	{ "reject", MAUTH_FROM_REJECT },
	{ "accept", MAUTH_FROM_ACCEPT },
	{ "evaluate", MAUTH_FROM_EVALUATE },
	{ NULL, 0 }
};

static const struct mauth_conf_name names_report_format[] = {
	{ "rfc9990", MAUTH_REPORT_FORMAT_RFC9990 },
	{ "rfc7489", MAUTH_REPORT_FORMAT_RFC7489 },
	{ NULL, 0 }
};

static const struct mauth_conf_name names_report_tls[] = {
	{ "opportunistic", MAUTH_REPORT_TLS_OPPORTUNISTIC },
	{ "required", MAUTH_REPORT_TLS_REQUIRED },
	{ "none", MAUTH_REPORT_TLS_NONE },
	{ NULL, 0 }
};

static const struct mauth_conf_name names_canon[] = {
	{ "relaxed/relaxed", MAUTH_CANON_RELAXED_RELAXED },
	{ "relaxed/simple", MAUTH_CANON_RELAXED_SIMPLE },
	{ "simple/relaxed", MAUTH_CANON_SIMPLE_RELAXED },
	{ "simple/simple", MAUTH_CANON_SIMPLE_SIMPLE },
	/* one word: header and body alike (opendkim.conf(5) says "simple" means simple/simple) */
	{ "relaxed", MAUTH_CANON_RELAXED_RELAXED },
	{ "simple", MAUTH_CANON_SIMPLE_SIMPLE },
	{ NULL, 0 }
};

/* syslog(3) facilities a mail filter may sensibly use */
static const struct mauth_conf_name names_facility[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	{ NULL, 0 }
};

/* the first name of each level is the one mauth_conf_dump() prints */
static const struct mauth_conf_name names_level[] = {
	{ "err", LOG_ERR }, { "error", LOG_ERR },
	{ "warning", LOG_WARNING }, { "warn", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
	{ NULL, 0 }
};

#define OFF(f)	offsetof(struct mauth_conf, f)
#define ROW(key, t, field, dflt, ...) \
	{ .name = key, .type = MAUTH_CONF_T_##t, .offset = OFF(field), \
	  .def = dflt, __VA_ARGS__ }

static const struct mauth_conf_def conf_defs[] = {
	ROW("Socket",		SOCKET,	socket,		"inet:8891@127.0.0.1"),
	ROW("AuthservID",	STRING,	authserv_id,	NULL,
	    .def_fn = default_hostname, .check = check_authserv_id),
	ROW("Nameservers",	LIST,	nameservers,	NULL,
	    .check = check_nameserver),
	ROW("DNSTimeout",	TIME,	dns_timeout_ms,	"5s", .min = 100, .max = 60000),
	ROW("TrustAnchorFile",	PATH,	trust_anchor_file, NULL,
	    .check = check_readable),
	ROW("InternalHosts",	CIDRS,	internal_hosts,	"127.0.0.0/8, ::1"),
	ROW("UserID",		STRING,	user_id,	NULL, .check = check_user),
	ROW("PidFile",		PATH,	pid_file,	NULL),
	ROW("Syslog",		BOOL,	syslog,		"yes"),
	ROW("SyslogFacility",	ENUM,	syslog_facility, "mail",
	    .names = names_facility),
	ROW("LogLevel",		ENUM,	log_level,	"info", .names = names_level),
	ROW("On-TempError",	ENUM,	on_temperror,	"accept",
	    .names = names_on_temperror),
	ROW("On-InternalError",	ENUM,	on_internal_error, "tempfail",
	    .names = names_on_error),
	ROW("SocketMode",	MODE,	socket_mode,	"0660", .min = 0, .max = 0777),
	ROW("MetricsSocket",	SOCKET,	metrics_socket,	NULL,
	    .check = check_metrics_socket),
	ROW("DMARCDiscovery",	ENUM,	dmarc_discovery, "rfc9989",
	    .names = names_discovery),
	ROW("PublicSuffixList",	PATH,	public_suffix_list, NULL,
	    .check = check_readable),
	ROW("RejectFailures",	BOOL,	reject_failures, "yes"),
	ROW("DMARCQuarantine",	ENUM,	dmarc_quarantine, "quarantine",
	    .names = names_quarantine),
	ROW("DMARCQuarantineHeader", STRING, dmarc_quarantine_header,
	    "X-Mauth-Quarantine: DMARC", .check = check_header_field),
	ROW("DMARCMultipleFrom", ENUM,	dmarc_multiple_from, "reject",
	    .names = names_multiple_from),
	ROW("DMARCMalformedFrom", ENUM,	dmarc_malformed_from, "reject",
	    .names = names_from_action),
	ROW("DMARCMissingFrom",	ENUM,	dmarc_missing_from, "accept",
	    .names = names_from_action),
	ROW("DMARCIgnoreDomains", LIST,	dmarc_ignore_domains, NULL,
	    .check = check_domain),
	ROW("DMARCTrustedSources", CIDRS, dmarc_trusted_sources, NULL),
	ROW("KeyTable",		STRING,	key_table,	NULL, .check = check_table),
	ROW("SigningTable",	STRING,	signing_table,	NULL, .check = check_table),
	ROW("MultipleSignatures", BOOL,	multiple_signatures, "no"),
	ROW("Canonicalization",	ENUM,	canonicalization, "relaxed/relaxed",
	    .names = names_canon),
	ROW("SignHeaders",	LIST,	sign_headers,	NULL, .check = check_field_name),
	ROW("OversignHeaders",	LIST,	oversign_headers, NULL, .check = check_field_name),
	ROW("SignatureTTL",	UINT,	signature_ttl,	"0", .min = 0, .max = 315360000),
	ROW("MinimumKeyBits",	UINT,	min_key_bits,	"1024", .min = 0, .max = 16384),
	ROW("MaximumSignaturesToVerify", UINT, max_signatures, "10", .min = 1, .max = 100),
	ROW("ReportStore",	STRING,	report_store,
	    "sqlite:/var/lib/mauth/reports.db", .check = check_report_store),
	ROW("ReportSpool",	PATH,	report_spool,	"/var/lib/mauth/spool"),
	ROW("ReportWait",	TIME,	report_wait_ms,	"2s", .min = 10, .max = 60000),
	ROW("ReportFormat",	ENUM,	report_format,	"rfc9990",
	    .names = names_report_format),
	ROW("ReportOrgName",	STRING,	report_org_name, NULL),
	ROW("ReportEmail",	STRING,	report_email,	NULL, .check = check_email),
	ROW("ReportContactInfo", STRING, report_contact_info, NULL),
	ROW("ReportIgnoreDomains", LIST, report_ignore_domains, NULL,
	    .check = check_domain),
	ROW("ReportSMTPServer",	STRING,	report_smtp_server, NULL,
	    .check = check_host_port),
	ROW("ReportSMTPTLS",	ENUM,	report_smtp_tls, "opportunistic",
	    .names = names_report_tls),
	ROW("ReportSMTPCAFile",	PATH,	report_smtp_ca_file, NULL,
	    .check = check_readable),
	ROW("ReportSMTPUser",	STRING,	report_smtp_user, NULL),
	ROW("ReportSMTPPasswordFile", PATH, report_smtp_password_file, NULL),
	ROW("ReportSendmail",	PATH,	report_sendmail, "/usr/sbin/sendmail"),
};

#define CONF_NDEFS	(sizeof(conf_defs) / sizeof(conf_defs[0]))

const char *
mauth_conf_key_name(size_t i)
{
	return i < CONF_NDEFS ? conf_defs[i].name : NULL;
}

/* ---------------------------------------------------------------- parser */

/* Per-parse state: where the text came from and where each key was set. */
struct conf_parse {
	struct mauth_conf *conf;
	const char *name;
	unsigned lineno;
	unsigned set_at[CONF_NDEFS];	/* line of the key; 0: not set */
};

static const struct mauth_conf_def *
conf_find(const char *key, size_t *index_r)
{
	for (size_t i = 0; i < CONF_NDEFS; i++) {
		if (strcasecmp(conf_defs[i].name, key) == 0) {
			*index_r = i;
			return &conf_defs[i];
		}
	}
	return NULL;
}

/* conf_strip - cut a comment and outer white space off line (in place) */
static char *
conf_strip(char *line)
{
	char *end;

	for (char *p = line; *p != '\0'; p++) {
		if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
	while (*line == ' ' || *line == '\t')
		line++;
	end = line + strlen(line);
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return line;
}

/* conf_line - one line: blank, comment, or "Key value" */
static int
conf_line(struct conf_parse *cp, char *line, char **error_r)
{
	const struct mauth_conf_def *def;
	char *key = conf_strip(line), *value, *why = NULL;
	size_t i;

	if (*key == '\0')
		return 0;
	value = key + strcspn(key, " \t");
	if (*value != '\0')
		*value++ = '\0';
	value += strspn(value, " \t");

	if ((def = conf_find(key, &i)) == NULL) {
		*error_r = xasprintf("%s:%u: unknown key \"%s\"", cp->name, cp->lineno, key);
		return -1;
	}
	if (cp->set_at[i] != 0) {
		*error_r = xasprintf("%s:%u: %s: repeated (first set on line %u)",
		    cp->name, cp->lineno, def->name, cp->set_at[i]);
		return -1;
	}
	if (*value == '\0') {
		*error_r = xasprintf("%s:%u: %s: value missing", cp->name, cp->lineno,
		    def->name);
		return -1;
	}
	/*
	 * A control character inside a value is a damaged file, not a name
	 * (a CR of a CRLF line end is outer white space, cut above); kept,
	 * it would reach logs and A-R fields, and a written-out value could
	 * not be read back the same.
	 */
	for (const char *p = value; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			*error_r = xasprintf("%s:%u: %s: control character 0x%02x in the value",
			    cp->name, cp->lineno, def->name, (unsigned char)*p);
			return -1;
		}
	}
	if (mauth_conf_value_parse(def, value, (char *)cp->conf + def->offset, &why) < 0) {
		*error_r = xasprintf("%s:%u: %s: %s", cp->name, cp->lineno, def->name, why);
		free(why);
		return -1;
	}
	cp->set_at[i] = cp->lineno;
	return 0;
}

/* conf_defaults - give every key the file did not set its default */
static int
conf_defaults(struct conf_parse *cp, char **error_r)
{
	for (size_t i = 0; i < CONF_NDEFS; i++) {
		const struct mauth_conf_def *def = &conf_defs[i];
		char *text, *why = NULL;
		int rc;

		if (cp->set_at[i] != 0 || (def->def == NULL && def->def_fn == NULL))
			continue;
		text = def->def ? xstrdup(def->def) : def->def_fn();
		rc = mauth_conf_value_parse(def, text, (char *)cp->conf + def->offset, &why);
		if (rc < 0) {
			*error_r = xasprintf("%s: %s: default: %s", cp->name, def->name, why);
			free(why);
		}
		free(text);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
mauth_conf_parse(const char *name, const char *text, size_t len,
    struct mauth_conf **conf_r, char **error_r)
{
	struct conf_parse *cp = xcalloc(1, sizeof(*cp));
	const char *p = text, *end = text + len;
	int ret = -1;

	cp->conf = xcalloc(1, sizeof(*cp->conf));
	cp->conf->path = xstrdup(name);
	cp->name = name;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char *line;
		int rc;

		cp->lineno++;
		if (memchr(p, '\0', n) != NULL) {
			*error_r = xasprintf("%s:%u: NUL byte in line", name, cp->lineno);
			goto out;
		}
		line = xstrndup(p, n);
		rc = conf_line(cp, line, error_r);
		free(line);
		if (rc < 0)
			goto out;
		p = nl ? nl + 1 : end;
	}
	if (conf_defaults(cp, error_r) < 0)
		goto out;
	/* signing needs both tables (opendkim.conf(5) pairs them the same way) */
	if ((cp->conf->key_table == NULL) != (cp->conf->signing_table == NULL)) {
		*error_r = xasprintf("%s: %s is set but %s is not: both or neither", name,
		    cp->conf->key_table ? "KeyTable" : "SigningTable",
		    cp->conf->key_table ? "SigningTable" : "KeyTable");
		goto out;
	}
	*conf_r = cp->conf;
	cp->conf = NULL;
	ret = 0;
out:
	mauth_conf_free(&cp->conf);
	free(cp);
	return ret;
}

/* conf_read - the whole file into *data_r; 0, or -1 with *error_r */
static int
conf_read(const char *path, char **data_r, size_t *len_r, char **error_r)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	char chunk[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*error_r = xasprintf("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b.len + (size_t)n > CONF_MAX_SIZE) {
			*error_r = n < 0 ?
			    xasprintf("%s: cannot read: %s", path, strerror(errno)) :
			    xasprintf("%s: larger than %d bytes", path, CONF_MAX_SIZE);
			close(fd);
			mauth_buf_free(&b);
			return -1;
		}
		mauth_buf_append(&b, chunk, (size_t)n);
	}
	close(fd);
	*len_r = b.len;
	*data_r = mauth_buf_steal(&b);
	return 0;
}

int
mauth_conf_load(const char *path, struct mauth_conf **conf_r, char **error_r)
{
	char *data;
	size_t len;
	int rc;

	if (conf_read(path, &data, &len, error_r) < 0)
		return -1;
	rc = mauth_conf_parse(path, data, len, conf_r, error_r);
	free(data);
	return rc;
}

struct mauth_conf *
mauth_conf_defaults(void)
{
	struct mauth_conf *conf;
	char *error = NULL;

	if (mauth_conf_parse("(defaults)", "", 0, &conf, &error) < 0) {
		/* a default the table's own parser refuses: a bug in the table */
		fprintf(stderr, "mauth: %s\n", error);
		abort();
	}
	free(conf->path);
	conf->path = NULL;
	return conf;
}

void
mauth_conf_free(struct mauth_conf **confp)
{
	struct mauth_conf *conf = *confp;

	if (conf == NULL)
		return;
	*confp = NULL;
	for (size_t i = 0; i < CONF_NDEFS; i++)
		mauth_conf_value_clear(&conf_defs[i], (char *)conf + conf_defs[i].offset);
	free(conf->path);
	free(conf);
}

void
mauth_conf_dump(const struct mauth_conf *conf, struct mauth_buf *out)
{
	for (size_t i = 0; i < CONF_NDEFS; i++) {
		const struct mauth_conf_def *def = &conf_defs[i];
		size_t mark = out->len;

		mauth_buf_printf(out, "%-17s ", def->name);
		if (!mauth_conf_value_format(def, (const char *)conf + def->offset, out)) {
			mauth_buf_truncate(out, mark);
			mauth_buf_printf(out, "# %s (not set)", def->name);
		}
		mauth_buf_putc(out, '\n');
	}
}
