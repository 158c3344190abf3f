/*
 * keys_state.c - mauth keys activate and retire: the SigningTable switch
 * to a new key, and the end of an old one
 *
 * activate refuses unless DNS already answers with the key's own record
 * (what `mauth keys test` checks): a signature whose key cannot be found
 * is a permerror at every verifier (RFC 6376 section 6.1.2), so signing
 * with an unpublished key would fail all mail of the domain.
 *
 * retire is the other end: a key that no longer signs gets its revocation
 * record (empty p=, RFC 6376 section 3.6.1) and, after a grace period the
 * operator chooses, leaves the KeyTable.  The retire time and the end of
 * the grace period are kept in mauth's note on the key's KeyTable line
 * (dkim_admin.h), so the table itself says what state each key is in and
 * the next run, or `retire --expired` from cron, finishes the job.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keys.h"
#include "mauth.h"
#include "xmalloc.h"

#define DEFAULT_GRACE_DAYS 7

/* is KeyTable entry i a key of domain with algorithm alg? */
static bool
same_kind(const struct mauth_dkim_tables *t, size_t i, const char *domain,
    enum mauth_dkim_alg alg)
{
	struct mauth_dkim_key *key = NULL;
	char *error = NULL;
	bool same;

	if (strcasecmp(t->kt[i].domain, domain) != 0)
		return false;
	if (mauth_dkim_tables_key(t, i, &key, &error) < 0) {
		free(error);
		return false;
	}
	same = mauth_dkim_key_alg(key) == alg;
	mauth_dkim_key_free(&key);
	return same;
}

/*
 * switch_entries - in every SigningTable entry, put name in place of the
 * keys of the same domain and algorithm; returns how many entries changed
 */
static size_t
switch_entries(const struct keys_opts *o, struct mauth_dkim_tables *t,
    const char *name, enum mauth_dkim_alg alg)
{
	size_t changed = 0;

	for (size_t s = 0; s < t->nst; s++) {
		struct mauth_dkim_stent *e = &t->st[s];
		const char **keys = xcalloc(e->nkeys + 1, sizeof(*keys));
		size_t n = 0;
		bool hit = false, placed = false;

		for (size_t k = 0; k < e->nkeys; k++) {
			long i = mauth_dkim_tables_find_name(t, e->keys[k]);
			bool is_new = strcmp(e->keys[k], name) == 0;
			bool old = !is_new && i >= 0 &&
			    same_kind(t, (size_t)i, o->domain, alg);

			if (old) {
				keys_note(o, "%s:%u: %s: %s replaces %s", t->st_path,
				    e->line, e->pattern, name, e->keys[k]);
				hit = true;
			}
			if (!is_new && !old)
				keys[n++] = e->keys[k];
			else if (!placed) {
				keys[n++] = name;
				placed = true;
			}
		}
		if (hit) {
			mauth_dkim_tables_st_set(t, s, keys, n);
			changed++;
		}
		free(keys);
	}
	return changed;
}

/* put key entry idx into the SigningTable; false when it already was */
static bool
enter(const struct keys_opts *o, struct mauth_dkim_tables *t, size_t idx,
    enum mauth_dkim_alg alg)
{
	const char *name = t->kt[idx].name;
	char *pattern;

	if (switch_entries(o, t, name, alg) > 0)
		return true;
	if (mauth_dkim_tables_in_use(t, idx) >= 0)
		return false;
	pattern = mauth_dkim_tables_pattern(t, t->kt[idx].domain);
	for (size_t s = 0; s < t->nst; s++) {
		struct mauth_dkim_stent *e = &t->st[s];
		if (strcasecmp(e->pattern, pattern) != 0)
			continue;
		/* the domain's entry signs with another algorithm: sign with both */
		const char **keys = xcalloc(e->nkeys + 1, sizeof(*keys));
		for (size_t k = 0; k < e->nkeys; k++)
			keys[k] = e->keys[k];
		keys[e->nkeys] = name;
		keys_note(o, "%s:%u: %s: %s added", t->st_path, e->line, pattern, name);
		mauth_dkim_tables_st_set(t, s, keys, e->nkeys + 1);
		free(keys);
		free(pattern);
		return true;
	}
	keys_note(o, "%s: %s signs with %s (new entry)", t->st_path, pattern, name);
	mauth_dkim_tables_st_add(t, pattern, name);
	free(pattern);
	return true;
}

/* may key idx sign? 0, or an exit status after saying why not */
static int
published(const struct keys_opts *o, const struct mauth_dkim_tables *t,
    size_t idx, struct mauth_dns *dns, struct mauth_dkim_key **key_r)
{
	struct mauth_dkim_published pub;
	char *error = NULL;
	int rc = 0;

	if (mauth_dkim_tables_key(t, idx, key_r, &error) < 0) {
		rc = keys_err(o, "%s", error);
		free(error);
		return rc;
	}
	mauth_dkim_pubrec_lookup(dns, o->domain, o->selector, *key_r, &pub);
	if (pub.status == MAUTH_DNS_NXDOMAIN || pub.status == MAUTH_DNS_NODATA)
		rc = keys_err(o, "refused: %s._domainkey.%s is not in DNS (%s); publish the record first ('mauth keys zone' prints it), then run this again",
		    o->selector, o->domain, mauth_dns_status_name(pub.status));
	else if (pub.status != MAUTH_DNS_OK)
		rc = keys_err(o, "refused: cannot tell whether %s._domainkey.%s is published: DNS %s",
		    o->selector, o->domain, mauth_dns_status_name(pub.status));
	else if (!mauth_dkim_pubrec_ok(&pub))
		rc = keys_err(o, "refused: the record at %s._domainkey.%s does not fit the key: %s",
		    o->selector, o->domain, pub.revoked ? "it is revoked (empty p=)"
		    : pub.problem ? pub.problem : "no match");
	else if (pub.testing)
		keys_note(o, "the record has t=y (testing): verifiers may treat failing signatures as unsigned");
	mauth_dkim_pubrec_clear(&pub);
	return rc;
}

static int
activate(const struct keys_opts *o, struct mauth_conf *conf,
    struct mauth_dkim_tables *t, struct mauth_dns *dns)
{
	long idx = mauth_dkim_tables_find(t, o->domain, o->selector);
	struct mauth_dkim_key *key = NULL;
	char *error = NULL;
	int rc;

	if (idx < 0)
		return keys_err(o, "%s has no key %s:%s ('mauth keys rotate' makes one)",
		    t->kt_path, o->domain, o->selector);
	if (t->kt[idx].retired != 0)
		return keys_err(o, "%s:%u: %s is retired; make a new key instead",
		    t->kt_path, t->kt[idx].line, t->kt[idx].name);
	if ((rc = published(o, t, (size_t)idx, dns, &key)) != 0)
		goto out;
	keys_note(o, "%s._domainkey.%s is published and matches the key",
	    o->selector, o->domain);
	if (!enter(o, t, (size_t)idx, mauth_dkim_key_alg(key))) {
		keys_note(o, "%s signs already; nothing to change", t->kt[idx].name);
		goto out;
	}
	if (mauth_dkim_tables_commit(t, conf->multiple_signatures, &error) < 0) {
		rc = keys_err(o, "tables not changed: %s", error);
		free(error);
		goto out;
	}
	keys_note(o, "%s written; reload mauthd (SIGHUP) to sign with %s",
	    t->st_path, o->selector);
out:
	mauth_dkim_key_free(&key);
	return rc;
}

int
keys_activate(const struct keys_opts *o)
{
	struct mauth_conf *conf = NULL;
	struct mauth_dkim_tables *t = NULL;
	struct mauth_dns *dns = NULL;
	int rc = MAUTH_EXIT_ERROR;

	if (o->domain == NULL || o->selector == NULL)
		return keys_usage(o, "--domain and --selector are required");
	if ((conf = keys_conf(o)) != NULL &&
	    (t = keys_tables(o, conf, true, false)) != NULL &&
	    (dns = keys_dns(o, conf)) != NULL)
		rc = activate(o, conf, t, dns);
	mauth_dns_free(&dns);
	mauth_dkim_tables_free(&t);
	mauth_conf_free(&conf);
	return rc;
}

/* ------------------------------------------------------------ retire */

/* the revocation record of entry i on stdout */
static void
print_revocation(const struct keys_opts *o, const struct mauth_dkim_tables *t,
    size_t i)
{
	struct mauth_dkim_key *key = NULL;
	char *error = NULL, *zone;
	enum mauth_dkim_alg alg = MAUTH_DKIM_RSA_SHA256;

	if (mauth_dkim_tables_key(t, i, &key, &error) == 0)
		alg = mauth_dkim_key_alg(key);
	else {
		keys_note(o, "%s; the revocation record says k=rsa", error);
		free(error);
	}
	zone = mauth_dkim_pubrec_zone(t->kt[i].domain, t->kt[i].selector, alg, NULL);
	fputs(zone, stdout);
	fflush(stdout);
	free(zone);
	mauth_dkim_key_free(&key);
}

static void
removed(const struct keys_opts *o, const struct mauth_dkim_ktent *e)
{
	keys_note(o, "removed %s from the KeyTable%s%s%s", e->name,
	    e->path ? "; its key file " : "", e->path ? e->path : "",
	    e->path ? " is no longer used (delete it when you like)" : "");
}

static int
expire(const struct keys_opts *o, struct mauth_conf *conf,
    struct mauth_dkim_tables *t)
{
	char *error = NULL;
	size_t n = 0;

	for (size_t i = t->nkt; i-- > 0;) {
		struct mauth_dkim_ktent *e = &t->kt[i];
		if (e->retired == 0 || e->remove_after > o->now ||
		    (o->domain != NULL && strcasecmp(o->domain, e->domain) != 0) ||
		    mauth_dkim_tables_in_use(t, i) >= 0)
			continue;
		removed(o, e);
		mauth_dkim_tables_kt_remove(t, i);
		n++;
	}
	if (n > 0 && mauth_dkim_tables_commit(t, conf->multiple_signatures, &error) < 0) {
		int rc = keys_err(o, "tables not changed: %s", error);
		free(error);
		return rc;
	}
	keys_note(o, "%zu retired key%s past the grace period", n, n == 1 ? "" : "s");
	return MAUTH_EXIT_OK;
}

static int
retire(const struct keys_opts *o, struct mauth_conf *conf,
    struct mauth_dkim_tables *t)
{
	long idx = mauth_dkim_tables_find(t, o->domain, o->selector), st;
	unsigned grace = o->grace_set ? o->grace_days : DEFAULT_GRACE_DAYS;
	char *error = NULL, *until;
	int rc = MAUTH_EXIT_OK;

	if (idx < 0)
		return keys_err(o, "%s has no key %s:%s", t->kt_path, o->domain, o->selector);
	struct mauth_dkim_ktent *e = &t->kt[idx];
	if ((st = mauth_dkim_tables_in_use(t, (size_t)idx)) >= 0)
		return keys_err(o, "refused: %s still signs (%s:%u); activate its successor first",
		    e->name, t->st_path, t->st[st].line);
	print_revocation(o, t, (size_t)idx);
	if (e->retired == 0) {
		mauth_dkim_tables_kt_retire(t, (size_t)idx, o->now,
		    o->now + (time_t)grace * 86400);
		e = &t->kt[idx];
	}
	until = mauth_dkim_tables_time(e->remove_after);
	if (e->remove_after <= o->now) {
		removed(o, e);
		mauth_dkim_tables_kt_remove(t, (size_t)idx);
	} else
		keys_note(o, "%s retired: publish the record above in place of its key; it leaves the KeyTable after %s ('mauth keys retire --expired')",
		    e->name, until);
	free(until);
	if (mauth_dkim_tables_commit(t, conf->multiple_signatures, &error) < 0) {
		rc = keys_err(o, "tables not changed: %s", error);
		free(error);
	}
	return rc;
}

int
keys_retire(const struct keys_opts *o)
{
	struct mauth_conf *conf = NULL;
	struct mauth_dkim_tables *t = NULL;
	int rc = MAUTH_EXIT_ERROR;

	if (!o->expired && (o->domain == NULL || o->selector == NULL))
		return keys_usage(o, "--domain and --selector are required (or --expired)");
	if (o->expired && (o->selector != NULL || o->grace_set))
		return keys_usage(o, "--expired takes no --selector or --grace");
	if ((conf = keys_conf(o)) != NULL &&
	    (t = keys_tables(o, conf, true, false)) != NULL)
		rc = o->expired ? expire(o, conf, t) : retire(o, conf, t);
	mauth_dkim_tables_free(&t);
	mauth_conf_free(&conf);
	return rc;
}
