/*
 * keys_check.c - mauth keys test, list and zone: each key of the KeyTable
 * (or one given key) against what DNS publishes for it
 *
 * test's report, one block per key, a fixed label per line so that people
 * and scripts read it alike:
 *
 *   202611._domainkey.example.com (keytable line 3)
 *     record:  found (1 TXT record)
 *     parses:  yes
 *     matches: yes
 *     key:     rsa, 2048 bits (published: rsa, 2048 bits)
 *     testing: no
 *     dnssec:  unknown
 *     result:  pass
 *
 * A DNS failure (TIMEOUT, SERVFAIL, ERROR) is "cannot tell", never "not
 * published"; both fail the test, with different words.  A retired key is
 * expected to be revoked (empty p=) or gone, and passes then.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "buf.h"
#include "keys.h"
#include "mauth.h"
#include "xmalloc.h"

/* One key to look at. */
struct subject {
	const char *domain, *selector;
	const char *where;		/* "keytable line 3", or the key file */
	struct mauth_dkim_key *key;	/* NULL: could not be loaded */
	char *key_error;
	bool retired;
};

static const char *
record_line(const struct mauth_dkim_published *pub, struct mauth_buf *b)
{
	switch (pub->status) {
	case MAUTH_DNS_OK:
		mauth_buf_printf(b, "found (%zu TXT record%s)", pub->records,
		    pub->records == 1 ? "" : "s; verifiers use the first that parses");
		break;
	case MAUTH_DNS_NXDOMAIN:
		mauth_buf_puts(b, "not found (NXDOMAIN: no such name)");
		break;
	case MAUTH_DNS_NODATA:
		mauth_buf_puts(b, "not found (NODATA: the name has no TXT record)");
		break;
	default:
		mauth_buf_printf(b, "lookup failed (%s%s%s): cannot tell whether it is published",
		    mauth_dns_status_name(pub->status), pub->dns_why ? ": " : "",
		    pub->dns_why ? pub->dns_why : "");
	}
	return mauth_buf_cstr(b);
}

/* the verdict on one key: NULL for pass, else why it fails */
static const char *
verdict(const struct subject *s, const struct mauth_dkim_published *pub)
{
	bool missing = pub->status == MAUTH_DNS_NXDOMAIN || pub->status == MAUTH_DNS_NODATA;

	if (s->key == NULL)
		return "the private key cannot be loaded";
	if (s->retired)
		return missing || (pub->status == MAUTH_DNS_OK && pub->revoked) ? NULL
		    : pub->status == MAUTH_DNS_OK ? "retired, but the record is still published: publish the revocation record ('mauth keys zone')"
		    : "cannot tell (DNS failure)";
	if (missing)
		return "the record is not published";
	if (pub->status != MAUTH_DNS_OK)
		return "cannot tell (DNS failure)";
	if (!pub->parses)
		return "the published record is not a valid key record";
	if (pub->revoked)
		return "the published record is revoked (empty p=)";
	if (!pub->matches)
		return "the published record is for another key";
	return NULL;
}

static void
print_key_line(const struct subject *s, const struct mauth_dkim_published *pub)
{
	printf("  key:     ");
	if (s->key != NULL)
		printf("%s, %u bits", mauth_dkim_keygen_type(mauth_dkim_key_alg(s->key)),
		    mauth_dkim_key_bits(s->key));
	else
		printf("cannot be loaded: %s", s->key_error);
	if (pub->parses && !pub->revoked)
		printf(" (published: %s, %u bits)", mauth_dkim_keygen_type(pub->alg), pub->bits);
	printf("\n");
}

/* report - the block for one key; returns whether it passed */
static bool
report(const struct subject *s, const struct mauth_dkim_published *pub)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	bool found = pub->status == MAUTH_DNS_OK;
	const char *why = verdict(s, pub);

	printf("%s._domainkey.%s (%s%s)\n", s->selector, s->domain, s->where,
	    s->retired ? ", retired" : "");
	printf("  record:  %s\n", record_line(pub, &b));
	if (!found)
		printf("  parses:  -\n");
	else if (pub->parses)
		printf("  parses:  yes\n");
	else
		printf("  parses:  no: %s\n", pub->problem);
	if (!found || !pub->parses)
		printf("  matches: -\n");
	else if (pub->revoked)
		printf("  matches: %s\n", s->retired ? "- (revoked, as a retired key's record should be)"
		    : "no: revoked (empty p=)");
	else if (s->key == NULL)
		printf("  matches: -\n");
	else
		printf("  matches: %s%s%s\n", pub->matches ? "yes" : "no",
		    pub->matches ? "" : ": ", pub->matches ? "" : pub->problem);
	print_key_line(s, pub);
	printf("  testing: %s\n", !found || !pub->parses ? "-" : pub->testing
	    ? "yes (t=y: verifiers may treat failures as unsigned mail)" : "no");
	printf("  dnssec:  %s\n", mauth_dns_security_name(pub->security));
	printf("  result:  %s%s\n", why ? "FAIL: " : "pass", why ? why : "");
	mauth_buf_free(&b);
	return why == NULL;
}

static bool
check_one(struct mauth_dns *dns, struct subject *s)
{
	struct mauth_dkim_published pub;
	bool pass;

	mauth_dkim_pubrec_lookup(dns, s->domain, s->selector, s->key, &pub);
	pass = report(s, &pub);
	mauth_dkim_pubrec_clear(&pub);
	return pass;
}

/*
 * wanted - entry e is one to look at.  DOMAIN "%" (the From address's
 * domain, opendkim.conf(5)) has no one record to look up: such entries are
 * left out, with a note.
 */
static bool
wanted(const struct keys_opts *o, const struct mauth_dkim_ktent *e)
{
	if (strcmp(e->domain, "%") == 0) {
		keys_note(o, "%s: domain \"%%\" is the From address's; check one with --domain D --selector %s --key FILE",
		    e->name, e->selector);
		return false;
	}
	return (o->domain == NULL || strcasecmp(o->domain, e->domain) == 0) &&
	    (o->selector == NULL || strcasecmp(o->selector, e->selector) == 0);
}

/* subject_of - entry i of the table, key loaded (or its error kept) */
static void
subject_of(const struct mauth_dkim_tables *t, size_t i, struct subject *s,
    char *where)
{
	memset(s, 0, sizeof(*s));
	s->domain = t->kt[i].domain;
	s->selector = t->kt[i].selector;
	s->where = where;
	s->retired = t->kt[i].retired != 0;
	if (mauth_dkim_tables_key(t, i, &s->key, &s->key_error) < 0)
		s->key = NULL;
}

static void
subject_clear(struct subject *s)
{
	mauth_dkim_key_free(&s->key);
	free(s->key_error);
}

static int
test_table(const struct keys_opts *o, const struct mauth_dkim_tables *t,
    struct mauth_dns *dns)
{
	size_t tested = 0, failed = 0;

	for (size_t i = 0; i < t->nkt; i++) {
		struct subject s;
		char *where = xasprintf("%s line %u", t->kt_path, t->kt[i].line);

		if (!wanted(o, &t->kt[i])) {
			free(where);
			continue;
		}
		subject_of(t, i, &s, where);
		if (tested++ > 0)
			printf("\n");
		failed += !check_one(dns, &s);
		subject_clear(&s);
		free(where);
	}
	if (tested == 0)
		return keys_err(o, "%s: no key%s%s%s%s", t->kt_path,
		    o->domain ? " for " : "", o->domain ? o->domain : "",
		    o->selector ? " with selector " : "", o->selector ? o->selector : "");
	fflush(stdout);
	if (failed > 0)
		return keys_err(o, "%zu of %zu key%s failed", failed, tested,
		    tested == 1 ? "" : "s");
	keys_note(o, "%zu key%s passed", tested, tested == 1 ? "" : "s");
	return MAUTH_EXIT_OK;
}

static int
test_file(const struct keys_opts *o, struct mauth_dns *dns)
{
	struct subject s = { o->domain, o->selector, o->key, NULL, NULL, false };
	char *error = NULL;
	bool pass;

	if (mauth_dkim_tables_names_check(o->domain, o->selector, &error) < 0) {
		int rc = keys_usage(o, "%s", error);
		free(error);
		return rc;
	}
	if (mauth_dkim_key_load(o->key, &s.key, &s.key_error) < 0)
		s.key = NULL;
	pass = check_one(dns, &s);
	subject_clear(&s);
	fflush(stdout);
	return pass ? MAUTH_EXIT_OK : keys_err(o, "the key failed");
}

int
keys_test(const struct keys_opts *o)
{
	struct mauth_conf *conf = NULL;
	struct mauth_dkim_tables *t = NULL;
	struct mauth_dns *dns = NULL;
	int rc = MAUTH_EXIT_ERROR;

	if (o->key != NULL && (o->domain == NULL || o->selector == NULL ||
	    o->keytable != NULL))
		return keys_usage(o, "--key goes with --domain and --selector, not --keytable");
	if ((conf = keys_conf(o)) == NULL || (dns = keys_dns(o, conf)) == NULL)
		goto out;
	if (o->key != NULL)
		rc = test_file(o, dns);
	else if ((t = keys_tables(o, conf, false, false)) != NULL)
		rc = test_table(o, t, dns);
out:
	mauth_dns_free(&dns);
	mauth_dkim_tables_free(&t);
	mauth_conf_free(&conf);
	return rc;
}

/* ------------------------------------------------------------ list */

static char *
list_row(const struct keys_opts *o, const struct mauth_dkim_tables *t, size_t i,
    struct mauth_dns *dns)
{
	const struct mauth_dkim_ktent *e = &t->kt[i];
	struct mauth_dkim_key *key = NULL;
	struct mauth_dkim_published pub;
	char *error = NULL, *created, *bits, *row;
	time_t when = e->created;
	struct stat sb;

	if (mauth_dkim_tables_key(t, i, &key, &error) < 0)
		free(error);
	if (when == 0 && e->path != NULL && stat(e->path, &sb) == 0)
		when = sb.st_mtime;		/* no note: the key file's age */
	created = when != 0 ? mauth_dkim_tables_time(when) : xstrdup("-");
	created[strcspn(created, "T")] = '\0';	/* the day is enough here */
	bits = key != NULL ? xasprintf("%u", mauth_dkim_key_bits(key)) : xstrdup("-");
	memset(&pub, 0, sizeof(pub));
	if (!o->no_dns)
		mauth_dkim_pubrec_lookup(dns, e->domain, e->selector, key, &pub);
	row = xasprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s", e->domain, e->selector,
	    key ? mauth_dkim_keygen_type(mauth_dkim_key_alg(key)) : "unreadable",
	    bits, created,
	    e->retired ? "retired" : mauth_dkim_tables_in_use(t, i) >= 0 ? "yes" : "no",
	    o->no_dns ? "-" : keys_dns_state(&pub));
	mauth_dkim_pubrec_clear(&pub);
	mauth_dkim_key_free(&key);
	free(created);
	free(bits);
	return row;
}

#define NCOLUMNS 7

/* print rows of NCOLUMNS tab-separated fields as aligned columns */
static void
print_columns(char **rows, size_t n)
{
	size_t width[NCOLUMNS] = { 0 };

	for (size_t r = 0; r < n; r++) {
		const char *f = rows[r];
		for (size_t c = 0; c < NCOLUMNS; c++) {
			size_t len = strcspn(f, "\t");
			if (len > width[c])
				width[c] = len;
			f += len + (f[len] != '\0');
		}
	}
	for (size_t r = 0; r < n; r++) {
		const char *f = rows[r];
		for (size_t c = 0; c < NCOLUMNS; c++) {
			size_t len = strcspn(f, "\t");
			if (c + 1 < NCOLUMNS)
				printf("%.*s%*s", (int)len, f, (int)(width[c] - len + 2), "");
			else
				printf("%.*s\n", (int)len, f);
			f += len + (f[len] != '\0');
		}
	}
}

int
keys_list(const struct keys_opts *o)
{
	struct mauth_conf *conf = NULL;
	struct mauth_dkim_tables *t = NULL;
	struct mauth_dns *dns = NULL;
	char **rows = NULL;
	size_t n = 0;
	int rc = MAUTH_EXIT_ERROR;

	if ((conf = keys_conf(o)) == NULL ||
	    (t = keys_tables(o, conf, false, false)) == NULL ||
	    (!o->no_dns && (dns = keys_dns(o, conf)) == NULL))
		goto out;
	rows = xcalloc(t->nkt + 1, sizeof(*rows));
	rows[n++] = xstrdup("DOMAIN\tSELECTOR\tALGORITHM\tBITS\tCREATED\tIN-USE\tDNS");
	for (size_t i = 0; i < t->nkt; i++)
		if (wanted(o, &t->kt[i]))
			rows[n++] = list_row(o, t, i, dns);
	print_columns(rows, n);
	rc = fflush(stdout) == 0 ? MAUTH_EXIT_OK : MAUTH_EXIT_ERROR;
out:
	for (size_t i = 0; i < n; i++)
		free(rows[i]);
	free(rows);
	mauth_dns_free(&dns);
	mauth_dkim_tables_free(&t);
	mauth_conf_free(&conf);
	return rc;
}

/* ------------------------------------------------------------ zone */

int
keys_zone(const struct keys_opts *o)
{
	struct mauth_conf *conf = NULL;
	struct mauth_dkim_tables *t = NULL;
	int rc = MAUTH_EXIT_ERROR;
	size_t bad = 0;

	if ((conf = keys_conf(o)) == NULL ||
	    (t = keys_tables(o, conf, false, false)) == NULL)
		goto out;
	printf("; DKIM key records of %s (mauth keys zone)\n", t->kt_path);
	for (size_t i = 0; i < t->nkt; i++) {
		const struct mauth_dkim_ktent *e = &t->kt[i];
		struct mauth_dkim_key *key = NULL;
		char *error = NULL, *zone;

		if (!wanted(o, e))
			continue;
		if (mauth_dkim_tables_key(t, i, &key, &error) < 0) {
			printf("\n; %s: no record: %s\n", e->name, error);
			keys_err(o, "%s", error);
			free(error);
			bad++;
			continue;
		}
		printf("\n; %s (line %u)%s\n", e->name, e->line,
		    e->retired ? ", retired: revocation record" : "");
		zone = mauth_dkim_pubrec_zone(e->domain, e->selector,
		    mauth_dkim_key_alg(key), e->retired ? NULL : key);
		fputs(zone, stdout);
		free(zone);
		mauth_dkim_key_free(&key);
	}
	rc = fflush(stdout) == 0 && bad == 0 ? MAUTH_EXIT_OK : MAUTH_EXIT_ERROR;
out:
	mauth_dkim_tables_free(&t);
	mauth_conf_free(&conf);
	return rc;
}
