/*
 * keys_gen.c - mauth keys gen and rotate: a new private key on disk, its
 * KeyTable entry, and the record to publish
 *
 * The key file is written once, complete, with mode 0600 and its owner set
 * before any key material is in it (lib/file.c); an existing file is an
 * error unless --force, which replaces it atomically.  Everything that can
 * be refused (bad names, sizes, users, directories, clashes in the tables)
 * is checked before the key is made, so a refusal leaves nothing behind.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "keys.h"
#include "mauth.h"
#include "xmalloc.h"

/* What to make, where, for whom. */
struct newkey {
	char *domain, *selector;
	enum mauth_dkim_alg alg;
	unsigned bits;			/* 0: the default */
	char *dir;
	uid_t uid;
	gid_t gid;
	char *owner;			/* for messages; NULL: as created */
	bool force;
	char *path;			/* DIR/D.S.pem, absolute */
	bool created;			/* the file did not exist before */
	struct mauth_dkim_key *key;	/* after make_key() */
};

static void
newkey_clear(struct newkey *nk)
{
	free(nk->domain);
	free(nk->selector);
	free(nk->dir);
	free(nk->owner);
	free(nk->path);
	mauth_dkim_key_free(&nk->key);
}

static int
check_dir(const struct keys_opts *o, const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) < 0)
		return keys_err(o, "%s: %s (the key directory must exist)", dir,
		    strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return keys_err(o, "%s: not a directory", dir);
	if (access(dir, W_OK | X_OK) < 0)
		return keys_err(o, "%s: cannot create the key there: %s", dir,
		    strerror(errno));
	return 0;
}

/* the key file; refuses an existing one without --force (nothing made yet) */
static int
plan_file(const struct keys_opts *o, struct newkey *nk)
{
	char *error = NULL;

	if (mauth_dkim_keygen_check(nk->alg, nk->bits, &error) < 0) {
		keys_err(o, "%s", error);
		free(error);
		return MAUTH_EXIT_ERROR;
	}
	if (check_dir(o, nk->dir) != 0)
		return MAUTH_EXIT_ERROR;
	nk->path = keys_keyfile(nk->dir, nk->domain, nk->selector);
	nk->created = access(nk->path, F_OK) != 0;
	if (!nk->created && !nk->force)
		return keys_err(o, "%s: already exists; not overwritten (--force replaces it)",
		    nk->path);
	return 0;
}

/*
 * reachable - can uid:gid reach files in dir (search permission on dir and
 * every directory above it)?  When not, *where_r names the first that
 * stops it (caller frees).  Supplementary groups are not looked at.
 */
static bool
searchable(const char *dir, uid_t uid, gid_t gid, char **where_r)
{
	struct stat sb;

	if (uid == 0 || stat(dir, &sb) < 0 ||
	    (sb.st_uid == uid ? sb.st_mode & S_IXUSR : sb.st_gid == gid
	    ? sb.st_mode & S_IXGRP : sb.st_mode & S_IXOTH))
		return true;
	*where_r = xasprintf("%s (mode %04o)", dir, (unsigned)(sb.st_mode & 07777));
	return false;
}

static bool
reachable(const char *dir, uid_t uid, gid_t gid, char **where_r)
{
	char *path = realpath(dir, NULL);
	bool ok = path != NULL && searchable("/", uid, gid, where_r);

	for (char *p = path ? strchr(path + 1, '/') : NULL; ok && p != NULL;
	    p = strchr(p + 1, '/')) {
		*p = '\0';
		ok = searchable(path, uid, gid, where_r);
		*p = '/';
	}
	if (path == NULL)
		return true;		/* checked by plan_file() already */
	ok = ok && searchable(path, uid, gid, where_r);
	free(path);
	return ok;
}

/* make the key and write it; says what was done */
static int
make_key(const struct keys_opts *o, struct newkey *nk)
{
	char *pem = NULL, *error = NULL;
	int rc;

	if (mauth_dkim_keygen(nk->alg, nk->bits, &pem, &nk->key, &error) < 0) {
		keys_err(o, "%s", error);
		free(error);
		return MAUTH_EXIT_ERROR;
	}
	if (nk->created)
		rc = mauth_file_create(nk->path, pem, strlen(pem), 0600, nk->uid,
		    nk->gid, NULL, &error);
	else
		rc = mauth_file_replace(nk->path, pem, strlen(pem), 0600, nk->uid,
		    nk->gid, &error);
	mauth_dkim_keygen_pem_free(&pem);
	if (rc < 0) {
		keys_err(o, "%s", error);
		free(error);
		return MAUTH_EXIT_ERROR;
	}
	keys_note(o, "%s %s (%s, %u bits, mode 0600%s%s)",
	    nk->created ? "wrote" : "replaced", nk->path,
	    mauth_dkim_keygen_type(nk->alg), mauth_dkim_key_bits(nk->key),
	    nk->owner ? ", owner " : "", nk->owner ? nk->owner : "");
	char *where = NULL;
	if (nk->uid != MAUTH_FILE_SAME_ID && !reachable(nk->dir, nk->uid, nk->gid, &where)) {
		keys_note(o, "warning: %s cannot reach the key: %s is in the way (mauthd reloading as that user would not read it)",
		    nk->owner, where);
		free(where);
	}
	return 0;
}

static void
print_record(const struct newkey *nk)
{
	char *zone = mauth_dkim_pubrec_zone(nk->domain, nk->selector, nk->alg,
	    nk->key);

	fputs(zone, stdout);
	fflush(stdout);
	free(zone);
}

/* --user: uid and gid for the key file; 0, or an exit status */
static int
owner(const struct keys_opts *o, struct newkey *nk)
{
	struct mauth_conf_user u;
	char *error = NULL;

	if (o->user == NULL)
		return 0;
	if (mauth_conf_user_lookup(o->user, &u, &error) < 0) {
		keys_err(o, "--user %s: %s", o->user, error);
		free(error);
		return MAUTH_EXIT_ERROR;
	}
	nk->uid = u.uid;
	nk->gid = u.gid;
	nk->owner = xstrdup(o->user);
	mauth_conf_user_clear(&u);
	return 0;
}

/* the KeyTable name OpenDKIM's documentation uses for a key */
static char *
key_name(const char *domain, const char *selector)
{
	return xasprintf("%s._domainkey.%s", selector, domain);
}

/* refuse clashes in the KeyTable before anything is made */
static int
plan_tables(const struct keys_opts *o, struct mauth_dkim_tables *t,
    const struct newkey *nk, long *slot_r)
{
	char *name = key_name(nk->domain, nk->selector);
	long byname = mauth_dkim_tables_find_name(t, name);
	long bysel = mauth_dkim_tables_find(t, nk->domain, nk->selector);
	int rc = 0;

	*slot_r = bysel >= 0 ? bysel : byname;
	if (byname >= 0 && bysel >= 0 && byname != bysel)
		rc = keys_err(o, "%s: key name %s (line %u) and %s:%s (line %u) are two entries; fix the table by hand",
		    t->kt_path, name, t->kt[byname].line, nk->domain, nk->selector,
		    t->kt[bysel].line);
	else if (*slot_r >= 0 && !nk->force)
		rc = keys_err(o, "%s:%u: the KeyTable already has %s (--force replaces it)",
		    t->kt_path, t->kt[*slot_r].line, t->kt[*slot_r].name);
	free(name);
	return rc;
}

/* the SigningTable entry that covers all of domain, or -1 */
static long
domain_entry(const struct mauth_dkim_tables *t, const char *pattern)
{
	for (size_t i = 0; i < t->nst; i++)
		if (strcasecmp(t->st[i].pattern, pattern) == 0)
			return (long)i;
	return -1;
}

/*
 * enter_tables - the key into the KeyTable (slot: replace that entry) and,
 * with signing, into the SigningTable when the domain has no entry yet;
 * then the tables are written.  0, or an exit status.
 */
static int
enter_tables(const struct keys_opts *o, struct mauth_dkim_tables *t,
    const struct newkey *nk, long slot, bool signing)
{
	char *name = key_name(nk->domain, nk->selector);
	char *pattern = mauth_dkim_tables_pattern(t, nk->domain), *error = NULL;
	long st = signing ? domain_entry(t, pattern) : -1;
	int rc = 0;

	if (slot >= 0)
		mauth_dkim_tables_kt_set(t, (size_t)slot, nk->domain, nk->selector,
		    nk->path, o->now);
	else
		mauth_dkim_tables_kt_add(t, name, nk->domain, nk->selector, nk->path,
		    o->now);
	if (signing && st < 0 && slot < 0)
		mauth_dkim_tables_st_add(t, pattern, name);
	if (mauth_dkim_tables_commit(t, false, &error) < 0) {
		rc = keys_err(o, "tables not changed: %s", error);
		free(error);
		goto out;
	}
	keys_note(o, "%s: %s %s", t->kt_path, slot >= 0 ? "replaced" : "added", name);
	if (signing && st < 0 && slot < 0)
		keys_note(o, "%s: %s now signs with %s", t->st_path, pattern, name);
	else if (signing && st >= 0)
		keys_note(o, "%s:%u: %s has an entry already, left as it is ('mauth keys activate' switches it once the record is published)",
		    t->st_path, t->st[st].line, pattern);
out:
	free(pattern);
	free(name);
	return rc;
}

/* write key, tables, print the record; the common end of gen and rotate */
static int
create(const struct keys_opts *o, struct newkey *nk,
    struct mauth_dkim_tables *t, bool signing)
{
	long slot = -1;
	int rc;

	if ((rc = plan_file(o, nk)) != 0)
		return rc;
	if (t != NULL && (rc = plan_tables(o, t, nk, &slot)) != 0)
		return rc;
	if ((rc = make_key(o, nk)) != 0)
		return rc;
	if (t != NULL && (rc = enter_tables(o, t, nk, slot, signing)) != 0) {
		if (nk->created)
			unlink(nk->path);
		return rc;
	}
	print_record(nk);
	return 0;
}

int
keys_gen(const struct keys_opts *o)
{
	struct newkey nk = { .uid = MAUTH_FILE_SAME_ID, .gid = (gid_t)-1 };
	struct mauth_dkim_tables *t = NULL;
	char *error = NULL;
	int rc;

	if (o->domain == NULL || o->selector == NULL)
		return keys_usage(o, "--domain and --selector are required");
	if ((o->keytable == NULL) != (o->signingtable == NULL))
		return keys_usage(o, "--keytable and --signingtable go together");
	if (mauth_dkim_tables_names_check(o->domain, o->selector, &error) < 0) {
		rc = keys_usage(o, "%s", error);
		free(error);
		return rc;
	}
	nk.alg = mauth_dkim_keygen_alg(o->algorithm ? o->algorithm : "rsa");
	if (nk.alg == MAUTH_DKIM_ALG_UNKNOWN)
		return keys_usage(o, "unknown algorithm '%s' (rsa or ed25519)",
		    o->algorithm);
	nk.domain = xstrdup(o->domain);
	nk.selector = xstrdup(o->selector);
	nk.bits = o->bits;
	nk.dir = xstrdup(o->dir != NULL ? o->dir : ".");
	nk.force = o->force;
	if ((rc = owner(o, &nk)) != 0)
		goto out;
	if (o->keytable != NULL && (t = keys_tables(o, NULL, true, true)) == NULL) {
		rc = MAUTH_EXIT_ERROR;
		goto out;
	}
	rc = create(o, &nk, t, true);
out:
	mauth_dkim_tables_free(&t);
	newkey_clear(&nk);
	return rc;
}

/* ------------------------------------------------------------ rotate */

/*
 * current - the key of domain that signs now (in the SigningTable; of
 * --algorithm when given), else its newest KeyTable entry; -1 if it has none
 */
static long
current(const struct keys_opts *o, const struct mauth_dkim_tables *t,
    enum mauth_dkim_alg want, struct mauth_dkim_key **key_r)
{
	long best = -1;
	bool best_used = false;

	for (size_t i = 0; i < t->nkt; i++) {
		struct mauth_dkim_key *key = NULL;
		char *error = NULL;
		bool used = mauth_dkim_tables_in_use(t, i) >= 0;

		if (strcasecmp(t->kt[i].domain, o->domain) != 0 || t->kt[i].retired != 0 ||
		    (best_used && !used))
			continue;
		if (mauth_dkim_tables_key(t, i, &key, &error) < 0) {
			free(error);
			continue;
		}
		if (want == MAUTH_DKIM_ALG_UNKNOWN || mauth_dkim_key_alg(key) == want) {
			mauth_dkim_key_free(key_r);
			*key_r = key;
			best = (long)i;
			best_used = used;
		} else
			mauth_dkim_key_free(&key);
	}
	return best;
}

/* is selector sel of domain already spoken for? */
static bool
taken(const struct keys_opts *o, const struct mauth_dkim_tables *t,
    struct mauth_dns *dns, const struct newkey *nk, const char *sel)
{
	struct mauth_dkim_published pub;
	char *path = keys_keyfile(nk->dir, nk->domain, sel);
	bool used = mauth_dkim_tables_find(t, nk->domain, sel) >= 0 ||
	    access(path, F_OK) == 0;

	free(path);
	if (used)
		return true;
	mauth_dkim_pubrec_lookup(dns, nk->domain, sel, NULL, &pub);
	used = pub.status == MAUTH_DNS_OK;
	if (pub.status != MAUTH_DNS_OK && pub.status != MAUTH_DNS_NXDOMAIN &&
	    pub.status != MAUTH_DNS_NODATA)
		keys_note(o, "could not check DNS for %s._domainkey.%s (%s); taking it",
		    sel, nk->domain, mauth_dns_status_name(pub.status));
	mauth_dkim_pubrec_clear(&pub);
	return used;
}

/* YYYYMM of today (UTC), then YYYYMMa ... YYYYMMz */
static char *
next_selector(const struct keys_opts *o, const struct mauth_dkim_tables *t,
    struct mauth_dns *dns, const struct newkey *nk)
{
	struct tm tm;
	char base[16];

	gmtime_r(&o->now, &tm);
	strftime(base, sizeof(base), "%Y%m", &tm);
	for (int suffix = 0; suffix <= 26; suffix++) {
		char *sel = suffix == 0 ? xstrdup(base)
		    : xasprintf("%s%c", base, 'a' + suffix - 1);
		if (!taken(o, t, dns, nk, sel))
			return sel;
		free(sel);
	}
	return NULL;
}

/* the defaults of the successor: those of the key it replaces */
static int
inherit(const struct keys_opts *o, const struct mauth_dkim_tables *t, long cur,
    const struct mauth_dkim_key *key, struct newkey *nk)
{
	struct stat sb;
	const char *path = t->kt[cur].path;

	nk->alg = mauth_dkim_key_alg(key);
	nk->bits = o->bits;
	if (nk->bits == 0 && nk->alg == MAUTH_DKIM_RSA_SHA256)
		nk->bits = mauth_dkim_key_bits(key) > MAUTH_DKIM_KEYGEN_DEFAULT_BITS
		    ? mauth_dkim_key_bits(key) : MAUTH_DKIM_KEYGEN_DEFAULT_BITS;
	if (o->dir != NULL)
		nk->dir = xstrdup(o->dir);
	else {
		char *copy = xstrdup(path != NULL ? path : t->kt_path);
		nk->dir = xstrdup(dirname(copy));
		free(copy);
	}
	if (o->user != NULL)
		return owner(o, nk);
	if (path != NULL && stat(path, &sb) == 0) {
		nk->uid = sb.st_uid;
		nk->gid = sb.st_gid;
		nk->owner = xasprintf("uid %u gid %u, as %s's key", (unsigned)sb.st_uid,
		    (unsigned)sb.st_gid, t->kt[cur].selector);
	}
	return 0;
}

static int
rotate(const struct keys_opts *o, struct mauth_dkim_tables *t,
    struct mauth_dns *dns)
{
	struct newkey nk = { .uid = MAUTH_FILE_SAME_ID, .gid = (gid_t)-1 };
	struct mauth_dkim_key *key = NULL;
	enum mauth_dkim_alg want = o->algorithm ? mauth_dkim_keygen_alg(o->algorithm)
	    : MAUTH_DKIM_ALG_UNKNOWN;
	long cur = current(o, t, want, &key);
	int rc;

	if (cur < 0) {
		rc = keys_err(o, "%s has no %s%skey in %s to rotate ('mauth keys gen' makes a first one)",
		    o->domain, o->algorithm ? o->algorithm : "",
		    o->algorithm ? " " : "", t->kt_path);
		goto out;
	}
	nk.domain = xstrdup(o->domain);
	if ((rc = inherit(o, t, cur, key, &nk)) != 0)
		goto out;
	nk.selector = o->selector ? xstrdup(o->selector) : next_selector(o, t, dns, &nk);
	if (nk.selector == NULL) {
		rc = keys_err(o, "every selector of this month is taken; give --selector");
		goto out;
	}
	keys_note(o, "successor of %s (%s line %u): selector %s", t->kt[cur].name,
	    t->kt_path, t->kt[cur].line, nk.selector);
	if ((rc = create(o, &nk, t, false)) != 0)
		goto out;
	keys_note(o, "publish the record above, then: mauth keys activate --domain %s --selector %s",
	    nk.domain, nk.selector);
out:
	mauth_dkim_key_free(&key);
	newkey_clear(&nk);
	return rc;
}

int
keys_rotate(const struct keys_opts *o)
{
	struct mauth_conf *conf = NULL;
	struct mauth_dkim_tables *t = NULL;
	struct mauth_dns *dns = NULL;
	char *error = NULL;
	int rc = MAUTH_EXIT_ERROR;

	if (o->domain == NULL)
		return keys_usage(o, "--domain is required");
	if (o->algorithm != NULL &&
	    mauth_dkim_keygen_alg(o->algorithm) == MAUTH_DKIM_ALG_UNKNOWN)
		return keys_usage(o, "unknown algorithm '%s' (rsa or ed25519)",
		    o->algorithm);
	if (o->selector != NULL &&
	    mauth_dkim_tables_names_check(o->domain, o->selector, &error) < 0) {
		rc = keys_usage(o, "%s", error);
		free(error);
		return rc;
	}
	if ((conf = keys_conf(o)) != NULL &&
	    (t = keys_tables(o, conf, true, false)) != NULL &&
	    (dns = keys_dns(o, conf)) != NULL)
		rc = rotate(o, t, dns);
	mauth_dns_free(&dns);
	mauth_dkim_tables_free(&t);
	mauth_conf_free(&conf);
	return rc;
}
