/*
 * check.c - mauth check: evaluate one message the way mauthd would
 *
 * The message goes through lib/message.c into lib/inbound.c, the objects
 * mauthd's milter callbacks drive, and the one line printed is the
 * Authentication-Results field mauthd would add (unfolded): SPF, one
 * dkim= per DKIM-Signature (MinimumKeyBits and MaximumSignaturesToVerify
 * from the configuration) and DMARC.  DNS comes from zone files (--zone,
 * offline and deterministic), a given forwarder (--nameserver, through
 * libunbound), or mauthd's own settings.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "dmarc_discover.h"
#include "dkim.h"
#include "dns_mem.h"
#include "dns_unbound.h"
#include "dns_zone.h"
#include "inbound.h"
#include "mauth.h"
#include "message.h"
#include "xmalloc.h"

struct check_opts {
	const char *config;
	const char **zones;
	size_t nzones;
	const char **nameservers;	/* NULL-terminated when nnameservers > 0 */
	size_t nnameservers;
	const char *ip;
	const char *helo;
	const char *mail_from;
	const char *authserv_id;
	const char *message;		/* NULL or "-": stdin */
};

static void
check_usage(FILE *f)
{
	fprintf(f,
"usage: mauth check [-c FILE] [--zone FILE]... | [--nameserver ADDR[@PORT]]...\n"
"                   [--ip IP] [--helo NAME] [--mail-from ADDR]\n"
"                   [--authserv-id ID] [MESSAGE|-]\n"
"\n"
"Evaluate MESSAGE (a file in RFC 5322 form; stdin when absent or -) as\n"
"mauthd would for an SMTP client at IP and print the one header field it\n"
"would add, unfolded:\n"
"  Authentication-Results: ID; spf=pass smtp.mailfrom=user@example.org;\n"
"      dkim=pass header.d=example.org header.i=@example.org header.s=sel\n"
"      header.a=rsa-sha256 header.b=AbCdEfGh;\n"
"      dmarc=pass (p=reject sp=reject dis=none) header.from=example.org\n"
"\n"
"options:\n"
"  -c, --config FILE     mauthd's configuration (AuthservID, Nameservers,\n"
"                        DNSTimeout, On-TempError, MinimumKeyBits,\n"
"                        MaximumSignaturesToVerify, the DMARC keys);\n"
"                        default %s\n"
"                        when it exists, else built-in defaults\n"
"  --zone FILE           answer DNS from this RFC 1035 zone file instead of\n"
"                        the network (repeatable; the file needs $ORIGIN or\n"
"                        absolute names)\n"
"  --nameserver ADDR[@PORT]\n"
"                        ask this recursive resolver (repeatable; overrides\n"
"                        the config's Nameservers; not with --zone)\n"
"  --ip IP               the SMTP client's address; without it SPF is not\n"
"                        evaluated (DMARC then has only DKIM to align)\n"
"  --helo NAME           the client's HELO/EHLO name\n"
"  --mail-from ADDR      the MAIL FROM reverse-path (\"\" or \"<>\" for the\n"
"                        null sender, whose HELO identity is checked);\n"
"                        default: the message's Return-Path, else null\n"
"  --authserv-id ID      the authserv-id to write (default: the config's\n"
"                        AuthservID)\n"
"  -h, --help            this text\n"
"\n"
"exit status: 0 evaluated (whatever the verdict), 1 could not evaluate\n"
"(unreadable message or zone, bad configuration, resolver failure),\n"
"2 usage error.\n"
"\n"
"examples:\n"
"  mauth check --zone t/data/zones/check.zone --ip 192.0.2.10 \\\n"
"      --helo mx.check.example --mail-from user@pass.check.example msg.eml\n"
"  mauth check --nameserver 127.0.0.1@5353 --ip 2001:db8::25 < msg.eml\n"
"  mauth check -c /etc/mauth/mauthd.conf --ip 198.51.100.7 --mail-from '<>' \\\n"
"      --helo mail.example.org msg.eml\n",
	    MAUTH_DEFAULT_CONF);
}

static int
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "mauth check: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	check_usage(stderr);
	return MAUTH_EXIT_USAGE;
}

static void
push(const char ***list, size_t *n, const char *item)
{
	*list = xreallocarray(*list, *n + 2, sizeof(**list));
	(*list)[(*n)++] = item;
	(*list)[*n] = NULL;
}

enum { OPT_ZONE = 256, OPT_NAMESERVER, OPT_IP, OPT_HELO, OPT_MAIL_FROM,
	OPT_AUTHSERV_ID };

/* parse_args - 0, 1 when --help was given, or an exit status for a usage error */
static int
parse_args(int argc, char **argv, struct check_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "zone", required_argument, NULL, OPT_ZONE },
		{ "nameserver", required_argument, NULL, OPT_NAMESERVER },
		{ "ip", required_argument, NULL, OPT_IP },
		{ "helo", required_argument, NULL, OPT_HELO },
		{ "mail-from", required_argument, NULL, OPT_MAIL_FROM },
		{ "authserv-id", required_argument, NULL, OPT_AUTHSERV_ID },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mauth_ip ip;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':		o->config = optarg; break;
		case OPT_ZONE:		push(&o->zones, &o->nzones, optarg); break;
		case OPT_IP:		o->ip = optarg; break;
		case OPT_HELO:		o->helo = optarg; break;
		case OPT_MAIL_FROM:	o->mail_from = optarg; break;
		case OPT_AUTHSERV_ID:	o->authserv_id = optarg; break;
		case 'h':		return 1;
		case OPT_NAMESERVER:
			if (!tool_valid_nameserver(optarg))
				return usage_error("bad --nameserver '%s' "
				    "(expected ADDR or ADDR@PORT)", optarg);
			push(&o->nameservers, &o->nnameservers, optarg);
			break;
		case ':':
			return usage_error("option '%s' needs an argument",
			    argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->message = argv[optind++];
	if (optind < argc)
		return usage_error("one message at a time ('%s' is extra)", argv[optind]);
	if (o->nzones > 0 && o->nnameservers > 0)
		return usage_error("%s", "--zone and --nameserver exclude each other");
	if (o->ip != NULL && mauth_ip_parse(o->ip, &ip) < 0)
		return usage_error("bad --ip '%s' (expected an IPv4 or IPv6 address)", o->ip);
	if (o->authserv_id != NULL && *o->authserv_id == '\0')
		return usage_error("%s", "empty --authserv-id");
	return 0;
}

/* read_message - the whole message from path (NULL or "-": stdin) */
static int
read_message(const char *path, struct mauth_buf *out, char **error_r)
{
	bool use_stdin = path == NULL || strcmp(path, "-") == 0;
	FILE *f = use_stdin ? stdin : fopen(path, "rb");
	char chunk[65536];
	size_t n;
	int rc = 0;

	if (f == NULL) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		mauth_buf_append(out, chunk, n);
	if (ferror(f)) {
		*error_r = xasprintf("%s: read error: %s",
		    use_stdin ? "standard input" : path, strerror(errno));
		rc = -1;
	}
	if (!use_stdin)
		fclose(f);
	return rc;
}

static int
load_conf(const char *path, struct mauth_conf **conf_r, char **error_r)
{
	if (path == NULL) {
		if (access(MAUTH_DEFAULT_CONF, F_OK) != 0) {
			*conf_r = mauth_conf_defaults();
			return 0;
		}
		path = MAUTH_DEFAULT_CONF;
	}
	return mauth_conf_load(path, conf_r, error_r);
}

/* open_dns - the resolver the options and the config ask for */
static struct mauth_dns *
open_dns(const struct check_opts *o, const struct mauth_conf *conf,
    char **error_r)
{
	if (o->nzones > 0) {
		struct mauth_dns_mem *mem = mauth_dns_mem_new();

		for (size_t i = 0; i < o->nzones; i++) {
			if (mauth_dns_zone_load(mem, o->zones[i], NULL, error_r) < 0) {
				mauth_dns_mem_free(&mem);
				return NULL;
			}
		}
		return mauth_dns_mem_resolver(mem, true);
	}

	struct mauth_dns_unbound_config cfg = {
		.nameservers = o->nnameservers > 0 ? o->nameservers
		    : (const char *const *)conf->nameservers,
		.timeout_ms = conf->dns_timeout_ms,
		.trust_anchor_file = conf->trust_anchor_file,
	};
	return mauth_dns_unbound_new(&cfg, error_r);
}

/* rp_header - keep the first Return-Path field's value, trimmed */
static int
rp_header(void *ctx, const char *name, const char *value)
{
	char **rp = ctx;

	if (*rp == NULL && strcasecmp(name, "Return-Path") == 0) {
		const char *s = value, *e = value + strlen(value);

		while (s < e && strchr(" \t\r\n", *s) != NULL)
			s++;
		while (e > s && strchr(" \t\r\n", e[-1]) != NULL)
			e--;
		*rp = xstrndup(s, (size_t)(e - s));
	}
	return 0;
}

/*
 * return_path - the message's Return-Path, or NULL: a first pass over the
 * header, since MAIL FROM (and SPF) come before the header in SMTP
 */
static char *
return_path(const struct mauth_buf *msg)
{
	char *rp = NULL, *error = NULL;
	struct mauth_message_sink sink = { .header = rp_header, .ctx = &rp };

	if (mauth_message_feed(msg->data, msg->len, &sink, &error) < 0)
		free(error);		/* cannot happen: rp_header never stops */
	return rp;
}

/* The sink that hands the message to the transaction, as mauthd's callbacks do */
static int
sink_header(void *in, const char *name, const char *value)
{
	mauth_inbound_header(in, name, value);
	return 0;
}

static int
sink_eoh(void *in)
{
	mauth_inbound_eoh(in);
	return 0;
}

static int
sink_body(void *in, const unsigned char *data, size_t len)
{
	mauth_inbound_body(in, data, len);
	return 0;
}

/* evaluate - one transaction over msg; prints the A-R line */
static int
evaluate(const struct check_opts *o, struct mauth_inbound_ctx *ctx,
    const struct mauth_buf *msg, char **error_r)
{
	struct mauth_ip ip;
	struct mauth_inbound *in;
	char *rp = NULL, *authres;
	int rc;

	if (o->ip != NULL)
		mauth_ip_parse(o->ip, &ip);	/* checked in parse_args */
	in = mauth_inbound_new(ctx, o->ip != NULL ? &ip : NULL, o->helo);
	if (o->mail_from == NULL)
		rp = return_path(msg);
	mauth_inbound_mailfrom(in, o->mail_from != NULL ? o->mail_from
	    : rp != NULL ? rp : "");
	free(rp);

	struct mauth_message_sink sink = {
		sink_header, sink_eoh, sink_body, in,
	};
	rc = mauth_message_feed(msg->data, msg->len, &sink, error_r);
	if (rc == 0) {
		mauth_inbound_eom(in);
		authres = mauth_inbound_authres(in, false);
		printf("Authentication-Results: %s\n", authres);
		free(authres);
		if (fflush(stdout) != 0) {
			*error_r = xasprintf("standard output: %s", strerror(errno));
			rc = -1;
		}
	}
	mauth_inbound_free(&in);
	return rc;
}

int
cmd_check(int argc, char **argv)
{
	struct check_opts o = { 0 };
	struct mauth_buf msg = MAUTH_BUF_INIT;
	struct mauth_conf *conf = NULL;
	struct mauth_dns *dns = NULL;
	struct mauth_dkim *dkim = NULL;
	struct mauth_dkim_options dopt;
	struct mauth_dmarc_psl *psl = NULL;
	char *error = NULL;
	int status = MAUTH_EXIT_ERROR;

	switch (parse_args(argc, argv, &o)) {
	case 0:
		break;
	case 1:
		check_usage(stdout);
		status = MAUTH_EXIT_OK;
		goto out;
	default:
		status = MAUTH_EXIT_USAGE;
		goto out;
	}
	if (read_message(o.message, &msg, &error) < 0 ||
	    load_conf(o.config, &conf, &error) < 0 ||
	    (dns = open_dns(&o, conf, &error)) == NULL)
		goto out;
	mauth_dkim_options_conf(&dopt, conf, dns);
	if (mauth_dkim_new(&dopt, &dkim, &error) < 0)
		goto out;
	if (conf->dmarc_discovery == MAUTH_DMARC_DISCOVERY_PSL &&
	    (psl = mauth_dmarc_psl_load(conf->public_suffix_list, &error)) == NULL)
		goto out;

	struct mauth_inbound_ctx ctx = {
		.dns = dns,
		.authserv_id = o.authserv_id != NULL ? o.authserv_id
		    : conf->authserv_id,
		.on_temperror = conf->on_temperror,
		.dkim = dkim,
	};
	ctx.spf.receiver = ctx.authserv_id;
	mauth_inbound_dmarc_conf_init(&ctx.dmarc, conf, psl);
	if (evaluate(&o, &ctx, &msg, &error) == 0)
		status = MAUTH_EXIT_OK;
out:
	if (error != NULL)
		fprintf(stderr, "mauth check: %s\n", error);
	free(error);
	mauth_dkim_free(&dkim);
	mauth_dns_free(&dns);
	mauth_dmarc_psl_free(&psl);
	mauth_conf_free(&conf);
	mauth_buf_free(&msg);
	free(o.zones);
	free(o.nameservers);
	return status;
}
