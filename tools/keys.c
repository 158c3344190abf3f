/*
 * keys.c - mauth keys: dispatch, options, and what every subcommand opens
 * the same way (configuration, tables, resolver)
 *
 * One option table serves every subcommand; each says which options it
 * takes, and any other is a usage error naming the option, so a mistyped
 * command never half-runs.  The work is in keys_gen.c, keys_check.c and
 * keys_state.c, on top of lib/dkim_admin.h.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns_unbound.h"
#include "keys.h"
#include "keys_help.h"
#include "mauth.h"
#include "xmalloc.h"

enum {
	O_CONF = 1 << 0, O_KT = 1 << 1, O_ST = 1 << 2, O_NS = 1 << 3,
	O_DOMAIN = 1 << 4, O_SEL = 1 << 5, O_KEY = 1 << 6, O_ALG = 1 << 7,
	O_BITS = 1 << 8, O_DIR = 1 << 9, O_USER = 1 << 10, O_FORCE = 1 << 11,
	O_GRACE = 1 << 12, O_NODNS = 1 << 13, O_EXPIRED = 1 << 14,
};

static const struct sub {
	const char *name;
	int (*run)(const struct keys_opts *o);
	unsigned takes;
} subs[] = {
	{ "gen", keys_gen, O_DOMAIN | O_SEL | O_ALG | O_BITS | O_DIR | O_USER |
	    O_FORCE | O_KT | O_ST },
	{ "test", keys_test, O_CONF | O_KT | O_NS | O_DOMAIN | O_SEL | O_KEY },
	{ "rotate", keys_rotate, O_CONF | O_KT | O_ST | O_NS | O_DOMAIN | O_SEL |
	    O_ALG | O_BITS | O_DIR | O_USER },
	{ "activate", keys_activate, O_CONF | O_KT | O_ST | O_NS | O_DOMAIN | O_SEL },
	{ "retire", keys_retire, O_CONF | O_KT | O_ST | O_DOMAIN | O_SEL | O_GRACE |
	    O_EXPIRED },
	{ "list", keys_list, O_CONF | O_KT | O_ST | O_NS | O_DOMAIN | O_NODNS },
	{ "zone", keys_zone, O_CONF | O_KT | O_DOMAIN },
};

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "keytable", required_argument, NULL, 'K' },
	{ "signingtable", required_argument, NULL, 'S' },
	{ "nameserver", required_argument, NULL, 'n' },
	{ "domain", required_argument, NULL, 'd' },
	{ "selector", required_argument, NULL, 's' },
	{ "key", required_argument, NULL, 'k' },
	{ "algorithm", required_argument, NULL, 'a' },
	{ "bits", required_argument, NULL, 'b' },
	{ "dir", required_argument, NULL, 'D' },
	{ "user", required_argument, NULL, 'u' },
	{ "force", no_argument, NULL, 'f' },
	{ "grace", required_argument, NULL, 'g' },
	{ "no-dns", no_argument, NULL, 'N' },
	{ "expired", no_argument, NULL, 'E' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* which O_ bit an option character stands for */
static unsigned
opt_bit(int c)
{
	static const char chars[] = "cKSndskabDufgNE";
	const char *p = strchr(chars, c);

	return p != NULL && c != '\0' ? 1u << (p - chars) : 0;
}

/* keys_vsay - "mauth keys SUB: MESSAGE" on standard error */
static void
keys_vsay(const struct keys_opts *o, const char *fmt, va_list ap)
{
	fprintf(stderr, "mauth keys %s: ", o->sub);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
keys_err(const struct keys_opts *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	keys_vsay(o, fmt, ap);
	va_end(ap);
	return MAUTH_EXIT_ERROR;
}

int
keys_usage(const struct keys_opts *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	keys_vsay(o, fmt, ap);
	va_end(ap);
	fprintf(stderr, "usage: %s", keys_help_find(o->sub)->synopsis);
	return MAUTH_EXIT_USAGE;
}

void
keys_note(const struct keys_opts *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	keys_vsay(o, fmt, ap);
	va_end(ap);
}

static int
usage_error(const char *sub, const char *fmt, const char *arg)
{
	fprintf(stderr, "mauth keys%s%s: ", sub ? " " : "", sub ? sub : "");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	if (sub != NULL && keys_help_find(sub) != NULL)
		fprintf(stderr, "usage: %s", keys_help_find(sub)->synopsis);
	else
		keys_help_usage(stderr);
	return MAUTH_EXIT_USAGE;
}

/* a whole non-negative number no larger than max, or -1 */
static long
number(const char *text, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 0 || v > max)
		return -1;
	return v;
}

static int
take(struct keys_opts *o, int c, const char *arg)
{
	long v;

	switch (c) {
	case 'c': o->config = arg; break;
	case 'K': o->keytable = arg; break;
	case 'S': o->signingtable = arg; break;
	case 'd': o->domain = arg; break;
	case 's': o->selector = arg; break;
	case 'k': o->key = arg; break;
	case 'a': o->algorithm = arg; break;
	case 'D': o->dir = arg; break;
	case 'u': o->user = arg; break;
	case 'f': o->force = true; break;
	case 'N': o->no_dns = true; break;
	case 'E': o->expired = true; break;
	case 'n':
		if (!tool_valid_nameserver(arg))
			return usage_error(o->sub, "bad --nameserver '%s' (expected ADDR or ADDR@PORT)", arg);
		o->nameservers = xreallocarray(o->nameservers, o->nnameservers + 2,
		    sizeof(*o->nameservers));
		o->nameservers[o->nnameservers++] = arg;
		o->nameservers[o->nnameservers] = NULL;
		break;
	case 'b':
		if ((v = number(arg, 1 << 20)) <= 0)
			return usage_error(o->sub, "bad --bits '%s' (a number of bits, e.g. 2048)", arg);
		o->bits = (unsigned)v;
		break;
	case 'g':
		if ((v = number(arg, 36500)) < 0)
			return usage_error(o->sub, "bad --grace '%s' (a number of days)", arg);
		o->grace_days = (unsigned)v;
		o->grace_set = true;
		break;
	}
	return 0;
}

/* parse - 0 to run, 1 for --help, else an exit status */
static int
parse(int argc, char **argv, const struct sub *sub, struct keys_opts *o)
{
	int c, rc, idx = -1;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:h", longopts, &idx)) != -1) {
		/* the option as written: optind may already be past its argument */
		char *text = c == ':' || (c == '?' && optopt == 0) ? xstrdup(argv[optind - 1])
		    : c == '?' ? xasprintf("-%c", optopt)
		    : idx >= 0 ? xasprintf("--%s", longopts[idx].name)
		    : xasprintf("-%c", c);

		idx = -1;
		if (c == 'h')
			rc = 1;
		else if (c == ':')
			rc = usage_error(sub->name, "option '%s' needs an argument", text);
		else if (c == '?' || (sub->takes & opt_bit(c)) == 0)
			rc = usage_error(sub->name, "option '%s' does not apply here", text);
		else
			rc = take(o, c, optarg);
		free(text);
		if (rc != 0)
			return rc;
	}
	if (optind < argc)
		return usage_error(sub->name, "unexpected argument '%s'", argv[optind]);
	return 0;
}

int
cmd_keys(int argc, char **argv)
{
	struct keys_opts o;
	const struct sub *sub = NULL;
	int rc;

	if (argc < 2) {
		keys_help_usage(stderr);
		return MAUTH_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		keys_help_all(stdout);
		return MAUTH_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(subs[i].name, argv[1]) == 0)
			sub = &subs[i];
	if (sub == NULL)
		return usage_error(NULL, "unknown command '%s'", argv[1]);
	memset(&o, 0, sizeof(o));
	o.sub = sub->name;
	o.now = time(NULL);
	rc = parse(argc - 1, argv + 1, sub, &o);
	if (rc == 1) {
		keys_help_one(stdout, keys_help_find(sub->name));
		rc = MAUTH_EXIT_OK;
	} else if (rc == 0)
		rc = sub->run(&o);
	free(o.nameservers);
	return rc;
}

/* ------------------------------------------------------------ shared */

struct mauth_conf *
keys_conf(const struct keys_opts *o)
{
	const char *path = o->config;
	struct mauth_conf *conf = NULL;
	char *error = NULL;

	if (path == NULL) {
		if (access(MAUTH_DEFAULT_CONF, F_OK) != 0)
			return mauth_conf_defaults();
		path = MAUTH_DEFAULT_CONF;
	}
	if (mauth_conf_load(path, &conf, &error) < 0) {
		keys_err(o, "%s", error);
		free(error);
		return NULL;
	}
	return conf;
}

struct mauth_dkim_tables *
keys_tables(const struct keys_opts *o, const struct mauth_conf *conf,
    bool need_st, bool missing_ok)
{
	const char *kt = o->keytable, *st = o->signingtable;
	struct mauth_dkim_tables *t = NULL;
	char *error = NULL;

	if (kt == NULL && st == NULL && conf != NULL) {
		kt = conf->key_table;
		st = conf->signing_table;
	}
	if (kt == NULL || (need_st && st == NULL)) {
		keys_err(o, "which tables? give --keytable FILE%s, or -c FILE with %s",
		    need_st ? " --signingtable FILE" : "",
		    need_st ? "KeyTable and SigningTable" : "KeyTable");
		return NULL;
	}
	if (mauth_dkim_tables_read(kt, st, missing_ok, &t, &error) < 0) {
		keys_err(o, "%s", error);
		free(error);
		return NULL;
	}
	return t;
}

struct mauth_dns *
keys_dns(const struct keys_opts *o, const struct mauth_conf *conf)
{
	struct mauth_dns_unbound_config cfg = {
		.nameservers = o->nnameservers > 0 ? o->nameservers
		    : (const char *const *)conf->nameservers,
		.timeout_ms = conf->dns_timeout_ms,
		.trust_anchor_file = conf->trust_anchor_file,
	};
	struct mauth_dns *dns;
	char *error = NULL;

	if ((dns = mauth_dns_unbound_new(&cfg, &error)) == NULL) {
		keys_err(o, "resolver: %s", error);
		free(error);
	}
	return dns;
}

char *
keys_keyfile(const char *dir, const char *domain, const char *selector)
{
	char *abs = realpath(dir, NULL);
	char *path = xasprintf("%s/%s.%s.pem", abs != NULL ? abs : dir, domain,
	    selector);

	free(abs);
	return path;
}

const char *
keys_dns_state(const struct mauth_dkim_published *pub)
{
	if (pub->status != MAUTH_DNS_OK)
		return mauth_dns_status_name(pub->status);
	if (!pub->parses)
		return "malformed";
	if (pub->revoked)
		return "revoked";
	return pub->matches ? "published" : "other-key";
}
