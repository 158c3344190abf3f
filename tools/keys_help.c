/*
 * keys_help.c - the text of `mauth keys --help` and `mauth keys SUB --help`
 *
 * One entry per subcommand: its synopsis, what it does, its options and an
 * example.  `mauth keys --help` prints them all, so the whole manual of the
 * key tools is one command away (t/keys-cli.t checks every subcommand has
 * an example).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "keys_help.h"
#include "mauth.h"

static const char overview[] =
"usage: mauth keys COMMAND [OPTIONS]\n"
"\n"
"Make, publish-check, rotate and retire DKIM signing keys (RFC 6376,\n"
"RFC 8463, RFC 8301) and keep mauthd's KeyTable and SigningTable in step.\n"
"Records to publish go to standard output in zone-file form; what was done\n"
"goes to standard error.  Tables are rewritten atomically (temporary file,\n"
"rename), other lines and comments kept, and only after the result loads\n"
"the way mauthd loads it.  mauthd reads the tables at start-up and on\n"
"reload (SIGHUP).\n"
"\n"
"Tables and resolver: -c FILE (mauthd.conf: KeyTable, SigningTable,\n"
"MultipleSignatures, Nameservers, DNSTimeout, TrustAnchorFile; default\n"
"%s when it exists) or --keytable FILE and\n"
"--signingtable [refile:]FILE; --nameserver ADDR[@PORT] (repeatable)\n"
"overrides Nameservers.\n"
"\n"
"A key's life: gen (or rotate) -> publish the record -> test -> activate\n"
"-> ... -> rotate to its successor, activate that -> retire.  mauth notes\n"
"created=, retired= and remove-after= times in a comment on the key's\n"
"KeyTable line (\"# mauth: ...\"); mauthd and OpenDKIM ignore it.\n"
"\n"
"Exit status: 0 done (test: every key passed), 1 failed or refused (the\n"
"message says why), 2 usage error.\n";

static const struct keys_help help[] = {
	{ "gen",
"mauth keys gen --domain D --selector S [--algorithm rsa|ed25519]\n"
"               [--bits N] [--dir DIR] [--user USER[:GROUP]] [--force]\n"
"               [--keytable FILE --signingtable [refile:]FILE]\n",
"Make a new private key with OpenSSL and write it as DIR/D.S.pem (PKCS#8\n"
"PEM, mode 0600, owned by USER when given: mauthd's UserID must be able to\n"
"read it to reload).  An existing file is never overwritten without\n"
"--force (which replaces it atomically).  Prints the DNS record to publish.\n"
"With the tables, adds \"S._domainkey.D D:S:PATH\" to the KeyTable and,\n"
"when the SigningTable has no entry for D yet, \"D\" (\"*@D\" in a\n"
"refile: table) naming the key.\n"
"\n"
"  --algorithm rsa|ed25519   default rsa (RFC 8463 Ed25519 keys are\n"
"                            not yet verified everywhere: sign with both)\n"
"  --bits N                  RSA size, 1024..8192, default 2048\n"
"  --dir DIR                 where the key goes (must exist), default .\n"
"  --user USER[:GROUP]       owner of the key file (mauthd's UserID)\n"
"  --force                   replace an existing key file or KeyTable entry\n",
"mauth keys gen --domain example.com --selector 202611 --dir /etc/mauth/keys \\\n"
"    --user mauth --keytable /etc/mauth/keytable \\\n"
"    --signingtable /etc/mauth/signingtable >> /etc/bind/db.example.com\n" },
	{ "test",
"mauth keys test [-c FILE] [--nameserver ADDR[@PORT]]...\n"
"                [--keytable FILE [--domain D] [--selector S]\n"
"                 | --domain D --selector S --key FILE]\n",
"For every key of the KeyTable (or the one key given), look the record up\n"
"in DNS and report: found or not (NXDOMAIN, NODATA, and TIMEOUT or\n"
"SERVFAIL, which only mean \"cannot tell\", are told apart), whether it\n"
"parses as a key record, whether it holds the public half of the private\n"
"key, key type and size, the t=y testing flag and the DNSSEC status.\n"
"A retired key passes when its record is revoked (empty p=) or gone.\n"
"Exit status 1 if any key fails.\n",
"mauth keys test -c /etc/mauth/mauthd.conf --nameserver 127.0.0.1@53\n"
"mauth keys test --domain example.com --selector 202611 --key 202611.pem\n" },
	{ "rotate",
"mauth keys rotate --domain D [--algorithm rsa|ed25519] [--bits N]\n"
"                  [--selector S] [--dir DIR] [--user USER[:GROUP]]\n"
"                  [-c FILE | --keytable FILE --signingtable FILE]\n"
"                  [--nameserver ADDR[@PORT]]...\n",
"Make the successor of D's key in use (same algorithm, same size or 2048\n"
"bits, same directory and owner unless told otherwise) under a new\n"
"selector: YYYYMM of today (UTC), with a, b, ... appended when that is\n"
"taken (in the KeyTable, on disk, or already in DNS).  Adds it to the\n"
"KeyTable only: mail is still signed with the old key.  Prints the record\n"
"to publish; then run activate.\n",
"mauth keys rotate -c /etc/mauth/mauthd.conf --domain example.com\n" },
	{ "activate",
"mauth keys activate --domain D --selector S\n"
"                    [-c FILE | --keytable FILE --signingtable FILE]\n"
"                    [--nameserver ADDR[@PORT]]...\n",
"Switch D's signing to key S, but only once its record is in DNS and\n"
"matches the key (the checks of test); otherwise refuse and say why.  In\n"
"the SigningTable the key of D with the same algorithm is replaced by S\n"
"(a second algorithm in the same entry stays); when there is none, S is\n"
"added.  Reload mauthd afterwards (SIGHUP, or systemctl reload mauthd).\n",
"mauth keys activate -c /etc/mauth/mauthd.conf --domain example.com \\\n"
"    --selector 202611\n" },
	{ "retire",
"mauth keys retire --domain D --selector S [--grace DAYS]\n"
"                  [-c FILE | --keytable FILE --signingtable FILE]\n"
"mauth keys retire --expired [--domain D] [-c FILE | --keytable FILE ...]\n",
"Retire key S of D, which must no longer be in the SigningTable (activate\n"
"its successor first, and wait until mail signed with it has been\n"
"delivered).  Prints the revocation record (empty p=, RFC 6376 section\n"
"3.6.1) to publish in its place and notes retired= and remove-after= on\n"
"its KeyTable line; the entry is removed once the grace period (default\n"
"7 days; 0 removes it at once) has passed, by running retire again or\n"
"retire --expired (e.g. daily from cron).  The key file itself is left\n"
"for the operator to delete.\n",
"mauth keys retire -c /etc/mauth/mauthd.conf --domain example.com \\\n"
"    --selector 202605 --grace 14\n"
"mauth keys retire -c /etc/mauth/mauthd.conf --expired\n" },
	{ "list",
"mauth keys list [--domain D] [--no-dns] [-c FILE | --keytable FILE\n"
"                --signingtable FILE] [--nameserver ADDR[@PORT]]...\n",
"One line per KeyTable key: domain, selector, algorithm, bits, created,\n"
"in use (named by the SigningTable), and DNS status (published, NXDOMAIN,\n"
"NODATA, other-key, malformed, revoked, TIMEOUT, ...; \"-\" with\n"
"--no-dns).\n",
"mauth keys list -c /etc/mauth/mauthd.conf\n" },
	{ "zone",
"mauth keys zone [--domain D] [-c FILE | --keytable FILE]\n",
"The zone-file fragment for every key of the KeyTable: its record, or the\n"
"revocation record for a retired key, each preceded by a comment.\n",
"mauth keys zone -c /etc/mauth/mauthd.conf --domain example.com\n" },
};

#define NHELP (sizeof(help) / sizeof(help[0]))

const struct keys_help *
keys_help_find(const char *name)
{
	for (size_t i = 0; i < NHELP; i++)
		if (strcmp(help[i].name, name) == 0)
			return &help[i];
	return NULL;
}

void
keys_help_one(FILE *f, const struct keys_help *h)
{
	fprintf(f, "usage: %s\n%s\nexample:\n  ", h->synopsis, h->text);
	for (const char *p = h->example; *p != '\0'; p++) {
		fputc(*p, f);
		if (*p == '\n' && p[1] != '\0')
			fputs("  ", f);
	}
}

void
keys_help_all(FILE *f)
{
	fprintf(f, overview, MAUTH_DEFAULT_CONF);
	fputs("\ncommands:\n", f);
	for (size_t i = 0; i < NHELP; i++) {
		fprintf(f, "\n");
		keys_help_one(f, &help[i]);
	}
}

void
keys_help_usage(FILE *f)
{
	fputs("usage: mauth keys COMMAND [OPTIONS]   (COMMAND:", f);
	for (size_t i = 0; i < NHELP; i++)
		fprintf(f, " %s", help[i].name);
	fputs(")\n       mauth keys [COMMAND] --help\n", f);
}
