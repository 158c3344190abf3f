/*
 * keys.h - what the files of `mauth keys` share
 *
 *   keys.c         dispatch, options; the configuration, tables and
 *                  resolver every subcommand opens the same way
 *   keys_help.c    the --help texts (every subcommand, with an example)
 *   keys_gen.c     gen, rotate (a new key on disk, in the KeyTable)
 *   keys_check.c   test, list, zone (what is published, per key)
 *   keys_state.c   activate, retire (the SigningTable and the end of a key)
 *
 * Each subcommand is int keys_NAME(const struct keys_opts *o) returning the
 * exit status (mauth.h); it prints what to publish on stdout and what it
 * did, or why not, on stderr ("mauth keys NAME: ...").
 */
#ifndef MAUTH_TOOLS_KEYS_H
#define MAUTH_TOOLS_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "dkim.h"
#include "dkim_admin.h"
#include "dns.h"

struct keys_opts {
	const char *sub;		/* subcommand name, for messages */
	const char *config;		/* -c; NULL: the default file when it exists */
	const char *keytable, *signingtable;
	const char **nameservers;	/* NULL-terminated when nnameservers > 0 */
	size_t nnameservers;
	const char *domain, *selector, *key;
	const char *algorithm;
	unsigned bits;			/* 0: default */
	const char *dir, *user;
	bool force, no_dns, expired;
	unsigned grace_days;
	bool grace_set;
	time_t now;			/* one clock reading per run */
};

/* keys_err - "mauth keys SUB: ..." on stderr; returns MAUTH_EXIT_ERROR */
int keys_err(const struct keys_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* keys_usage - the same for a usage error; returns MAUTH_EXIT_USAGE */
int keys_usage(const struct keys_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* keys_note - "mauth keys SUB: ..." on stderr (what was done) */
void keys_note(const struct keys_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * keys_conf - mauthd's configuration: -c FILE, else the default file when
 * it exists, else the built-in defaults.  NULL after printing the error.
 */
struct mauth_conf *keys_conf(const struct keys_opts *o);

/*
 * keys_tables - the tables named by --keytable/--signingtable, else by the
 * configuration's KeyTable/SigningTable (need_st: both are needed).  NULL
 * after printing the error.
 */
struct mauth_dkim_tables *keys_tables(const struct keys_opts *o,
    const struct mauth_conf *conf, bool need_st, bool missing_ok);

/* keys_dns - the resolver: --nameserver, else the configuration's. NULL after printing the error */
struct mauth_dns *keys_dns(const struct keys_opts *o, const struct mauth_conf *conf);

/* keys_keyfile - "DIR/DOMAIN.SELECTOR.pem", DIR made absolute; caller frees */
char *keys_keyfile(const char *dir, const char *domain, const char *selector);

/* keys_dns_state - one word for pub: "published", "NXDOMAIN", "other-key", ... */
const char *keys_dns_state(const struct mauth_dkim_published *pub);

int keys_gen(const struct keys_opts *o);
int keys_rotate(const struct keys_opts *o);
int keys_test(const struct keys_opts *o);
int keys_list(const struct keys_opts *o);
int keys_zone(const struct keys_opts *o);
int keys_activate(const struct keys_opts *o);
int keys_retire(const struct keys_opts *o);

#endif
