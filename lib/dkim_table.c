/*
 * dkim_table.c - KeyTable and SigningTable, OpenDKIM style (opendkim.conf(5))
 *
 * KeyTable: "NAME DOMAIN:SELECTOR:KEY" per line, KEY a file ("/...",
 * "./...", "../...", relative ones taken from the KeyTable's directory) or
 * the key itself (base64 DER); DOMAIN "%" means the From domain.
 * SigningTable: "PATTERN KEYNAME[:SIGNER]" per line.  A "refile:" table
 * holds "*" wildcard patterns tried in file order; any other table holds
 * exact keys tried in OpenDKIM's order: user@host, host, user@.parent...,
 * .parent..., user@*, *.  KEYNAME "%" is the From domain; "%" in SIGNER
 * (i=) is replaced by it too; an i= outside d= is dropped, as OpenDKIM
 * does.  mauth extension: KEYNAME may be a comma-separated list, so one
 * entry signs with RSA and Ed25519 at once (RFC 8463); MultipleSignatures
 * applies every matching entry instead of the first.
 *
 * Everything is read and checked at load time (every key parsed, every
 * SigningTable key name found in the KeyTable), so a bad table stops
 * start-up with "file:line: ..." instead of failing mail later.  Keys in a
 * KEY value "%"-dependent path would have to be read per message, which
 * mauth never does, so such paths are refused.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "buf.h"
#include "dkim_int.h"
#include "xmalloc.h"

#define TABLE_MAX (16 * 1024 * 1024)

/* a table line: key and value; NULL at end of data */
struct table_reader {
	char *data, *next, *path;
	unsigned line;
};

int
dkim_table_read(const char *spec, bool refile_ok, bool missing_ok,
    char **path_r, bool *refile_r, char **data_r, char **error_r)
{
	const char *path = spec;
	struct mauth_buf b = MAUTH_BUF_INIT;

	*refile_r = false;
	if (strncmp(spec, "refile:", 7) == 0) {
		if (!refile_ok) {
			*error_r = xasprintf("%s: refile: tables are only for the SigningTable", spec);
			return -1;
		}
		*refile_r = true;
		path = spec + 7;
	} else if (strncmp(spec, "file:", 5) == 0)
		path = spec + 5;
	mauth_buf_puts(&b, "");
	FILE *f = fopen(path, "r");
	if (f == NULL && !(missing_ok && errno == ENOENT)) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		mauth_buf_free(&b);
		return -1;
	}
	char chunk[8192];
	size_t n;
	while (f != NULL && (n = fread(chunk, 1, sizeof(chunk), f)) > 0 &&
	    b.len <= TABLE_MAX)
		mauth_buf_append(&b, chunk, n);
	if (f != NULL)
		fclose(f);
	if (b.len > TABLE_MAX) {
		*error_r = xasprintf("%s: larger than %d octets", path, TABLE_MAX);
		mauth_buf_free(&b);
		return -1;
	}
	*data_r = mauth_buf_steal(&b);
	*path_r = xstrdup(path);
	return 0;
}

static int
table_open(const char *spec, bool refile_ok, struct table_reader *r,
    bool *refile_r, char **error_r)
{
	if (dkim_table_read(spec, refile_ok, false, &r->path, refile_r, &r->data,
	    error_r) < 0)
		return -1;
	r->next = r->data;
	r->line = 0;
	return 0;
}

static void
trim(char **s)
{
	char *p = *s + strspn(*s, " \t\r");
	size_t n = strlen(p);

	while (n > 0 && strchr(" \t\r", p[n - 1]) != NULL)
		p[--n] = '\0';
	*s = p;
}

int
dkim_table_split(char *line, char **key_r, char **value_r)
{
	line[strcspn(line, "#")] = '\0';	/* "#" starts a comment */
	trim(&line);
	if (*line == '\0')
		return 0;
	size_t k = strcspn(line, " \t");
	*key_r = line;
	if (line[k] == '\0')
		return -1;
	line[k] = '\0';
	*value_r = line + k + 1;
	trim(value_r);
	return 1;
}

/* next non-empty line split into key and value; 1, 0 at end, -1 error */
static int
table_next(struct table_reader *r, char **key_r, char **value_r, char **error_r)
{
	while (r->next != NULL && *r->next != '\0') {
		char *line = r->next, *nl = strchr(line, '\n');
		r->next = nl ? nl + 1 : NULL;
		if (nl != NULL)
			*nl = '\0';
		r->line++;
		switch (dkim_table_split(line, key_r, value_r)) {
		case 0:
			continue;
		case -1:
			*error_r = xasprintf("%s:%u: \"%s\" has no value", r->path,
			    r->line, *key_r);
			return -1;
		}
		return 1;
	}
	return 0;
}

static void
table_close(struct table_reader *r)
{
	free(r->data);
	free(r->path);
}

struct kt_entry *
dkim_kt_find(const struct mauth_dkim_keys *keys, const char *name)
{
	for (size_t i = 0; i < keys->nkt; i++)
		if (strcmp(keys->kt[i].name, name) == 0)
			return &keys->kt[i];
	return NULL;
}

int
dkim_kt_key(const char *table_path, unsigned line, const char *spec,
    bool *inline_r, struct mauth_dkim_key **key_r, char **error_r)
{
	char *error = NULL, *what = xasprintf("%s:%u", table_path, line);
	int rc;

	*inline_r = !(spec[0] == '/' || strncmp(spec, "./", 2) == 0 ||
	    strncmp(spec, "../", 3) == 0);
	if (strchr(spec, '%') != NULL) {
		error = xasprintf("key \"%s\" depends on the From domain; list one entry per domain instead (keys are loaded at start-up)",
		    spec);
		rc = -1;
	} else if (*inline_r)
		rc = mauth_dkim_key_parse(spec, strlen(spec), "inline key", key_r, &error);
	else {
		char *path = dkim_kt_path(table_path, spec);
		rc = mauth_dkim_key_load(path, key_r, &error);
		free(path);
	}
	if (rc < 0)
		*error_r = xasprintf("%s: %s", what, error);
	free(error);
	free(what);
	return rc;
}

char *
dkim_kt_path(const char *table_path, const char *spec)
{
	if (spec[0] == '/')
		return xstrdup(spec);
	char *dir = xstrdup(table_path);
	char *path = xasprintf("%s/%s", dirname(dir),
	    strncmp(spec, "./", 2) == 0 ? spec + 2 : spec);
	free(dir);
	return path;
}

int
dkim_kt_split(char *value, char **domain_r, char **selector_r, char **key_r,
    char **error_r)
{
	char *c1 = strchr(value, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *why;

	if (c2 == NULL) {
		*error_r = xasprintf("\"%s\" is not DOMAIN:SELECTOR:KEY", value);
		return -1;
	}
	*c1 = *c2 = '\0';
	if ((strcmp(value, "%") != 0 && (why = dkim_name_check(value, true)) != NULL) ||
	    (why = dkim_name_check(c1 + 1, false)) != NULL) {
		*error_r = xasprintf("domain \"%s\" or selector \"%s\" %s", value,
		    c1 + 1, why);
		return -1;
	}
	*domain_r = value;
	*selector_r = c1 + 1;
	*key_r = c2 + 1;
	return 0;
}

static int
kt_entry_parse(struct mauth_dkim_keys *keys, const struct table_reader *r,
    const char *name, char *value, bool *inline_r, char **error_r)
{
	char *domain, *selector, *spec, *error = NULL;

	if (dkim_kt_split(value, &domain, &selector, &spec, &error) < 0) {
		*error_r = xasprintf("%s:%u: %s", r->path, r->line, error);
		free(error);
		return -1;
	}
	if (dkim_kt_find(keys, name) != NULL) {
		*error_r = xasprintf("%s:%u: key name \"%s\" used twice", r->path, r->line, name);
		return -1;
	}
	struct mauth_dkim_key *key;
	if (dkim_kt_key(r->path, r->line, spec, inline_r, &key, error_r) < 0)
		return -1;
	keys->kt = xreallocarray(keys->kt, keys->nkt + 1, sizeof(*keys->kt));
	struct kt_entry *e = &keys->kt[keys->nkt++];
	e->name = xstrdup(name);
	e->domain = xstrdup(domain);
	e->selector = xstrdup(selector);
	e->key = key;
	return 0;
}

static int
load_keytable(struct mauth_dkim_keys *keys, const char *spec, char **error_r)
{
	struct table_reader r;
	char *name, *value;
	bool refile, any_inline = false, inl;
	int rc;

	if (table_open(spec, false, &r, &refile, error_r) < 0)
		return -1;
	while ((rc = table_next(&r, &name, &value, error_r)) == 1) {
		if (kt_entry_parse(keys, &r, name, value, &inl, error_r) < 0) {
			rc = -1;
			break;
		}
		any_inline = any_inline || inl;
	}
	struct stat sb;
	if (rc == 0 && any_inline && stat(r.path, &sb) == 0 &&
	    (sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		*error_r = xasprintf("%s: holds private keys but is accessible by group or others (mode %04o); chmod 600 it",
		    r.path, (unsigned)(sb.st_mode & 07777));
		rc = -1;
	}
	if (rc == 0 && keys->nkt == 0) {
		*error_r = xasprintf("%s: no keys", r.path);
		rc = -1;
	}
	table_close(&r);
	return rc;
}

static int
st_entry_parse(struct mauth_dkim_keys *keys, const struct table_reader *r,
    const char *pattern, char *value, char **error_r)
{
	char *colon = strchr(value, ':'), *save = NULL;
	struct st_entry e = { xstrdup(pattern), NULL, 0, NULL, r->line };

	if (colon != NULL) {
		*colon = '\0';
		e.signer = xstrdup(colon + 1);
	}
	for (char *k = strtok_r(value, ",", &save); k != NULL; k = strtok_r(NULL, ",", &save)) {
		trim(&k);
		if (*k == '\0')
			continue;
		if (strcmp(k, "%") != 0 && dkim_kt_find(keys, k) == NULL) {
			*error_r = xasprintf("%s:%u: key \"%s\" is not in the KeyTable",
			    r->path, r->line, k);
			for (size_t i = 0; i < e.nkeys; i++)
				free(e.keys[i]);
			free(e.keys);
			free(e.pattern);
			free(e.signer);
			return -1;
		}
		e.keys = xreallocarray(e.keys, e.nkeys + 1, sizeof(*e.keys));
		e.keys[e.nkeys++] = xstrdup(k);
	}
	if (e.nkeys == 0) {
		*error_r = xasprintf("%s:%u: no key name", r->path, r->line);
		free(e.pattern);
		free(e.signer);
		return -1;
	}
	keys->st = xreallocarray(keys->st, keys->nst + 1, sizeof(*keys->st));
	keys->st[keys->nst++] = e;
	return 0;
}

static int
load_signingtable(struct mauth_dkim_keys *keys, const char *spec, char **error_r)
{
	struct table_reader r;
	char *pattern, *value;
	int rc;

	if (table_open(spec, true, &r, &keys->refile, error_r) < 0)
		return -1;
	while ((rc = table_next(&r, &pattern, &value, error_r)) == 1)
		if (st_entry_parse(keys, &r, pattern, value, error_r) < 0) {
			rc = -1;
			break;
		}
	table_close(&r);
	return rc;
}

int
mauth_dkim_keys_load(const char *keytable, const char *signingtable,
    bool multiple, struct mauth_dkim_keys **keys_r, char **error_r)
{
	struct mauth_dkim_keys *keys = xcalloc(1, sizeof(*keys));

	*keys_r = NULL;
	keys->multiple = multiple;
	if (load_keytable(keys, keytable, error_r) < 0 ||
	    load_signingtable(keys, signingtable, error_r) < 0) {
		mauth_dkim_keys_free(&keys);
		return -1;
	}
	*keys_r = keys;
	return 0;
}

size_t
mauth_dkim_keys_count(const struct mauth_dkim_keys *keys)
{
	return keys->nkt;
}

void
mauth_dkim_keys_free(struct mauth_dkim_keys **keysp)
{
	struct mauth_dkim_keys *keys = *keysp;

	if (keys == NULL)
		return;
	for (size_t i = 0; i < keys->nkt; i++) {
		free(keys->kt[i].name);
		free(keys->kt[i].domain);
		free(keys->kt[i].selector);
		mauth_dkim_key_free(&keys->kt[i].key);
	}
	for (size_t i = 0; i < keys->nst; i++) {
		for (size_t k = 0; k < keys->st[i].nkeys; k++)
			free(keys->st[i].keys[k]);
		free(keys->st[i].keys);
		free(keys->st[i].pattern);
		free(keys->st[i].signer);
	}
	free(keys->kt);
	free(keys->st);
	free(keys);
	*keysp = NULL;
}
