/*
 * dkim_tables.c - KeyTable and SigningTable as files an operator's tool
 * edits (dkim_admin.h); mauthd reads them with dkim_table.c
 *
 * Every line is kept as it was read; only the lines of entries that are
 * changed are written anew, so comments, blank lines, ordering and entries
 * mauth does not touch stay exactly as the operator wrote them.  The line
 * syntax (comments, the KeyTable's DOMAIN:SELECTOR:KEY) is dkim_table.c's,
 * shared, not repeated.
 *
 * Writing back goes through mauth_dkim_tables_commit(): the new text is
 * loaded by mauth_dkim_keys_load() from a scratch copy next to the real
 * file first (so relative key paths resolve the same), and only a pair of
 * tables mauthd would accept replaces the old one (lib/file.c: temporary
 * file, rename).  mauth's own notes about a key live in a comment on its
 * KeyTable line ("# mauth: created=... retired=... remove-after=...").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "dkim_admin.h"
#include "dkim_int.h"
#include "file.h"
#include "xmalloc.h"

#define NOTE_TAG "mauth:"
#define TIME_FORMAT "%Y-%m-%dT%H:%M:%SZ"

enum { KT = 0, ST = 1 };

struct tabline {
	char *text;		/* as it will be written; NULL: removed */
	char *comment;		/* entry lines: the "#..." part that is not mauth's note */
};

struct tabfile {
	struct tabline *l;
	size_t n;
	bool dirty, exists;
	struct stat sb;		/* of the file as read, when it exists */
};

struct dkim_tables_lines {
	struct tabfile f[2];
};

char *
mauth_dkim_tables_time(time_t t)
{
	struct tm tm;
	char text[32];

	gmtime_r(&t, &tm);
	strftime(text, sizeof(text), TIME_FORMAT, &tm);
	return xstrdup(text);
}

static time_t
parse_time(const char *text)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(text, TIME_FORMAT, &tm);
	return end != NULL && *end == '\0' ? timegm(&tm) : 0;
}

/* split the comment of a line into mauth's note (parsed into e) and the rest */
static char *
take_note(const char *raw, struct mauth_dkim_ktent *e)
{
	const char *hash = strchr(raw, '#');
	char *comment, *note, *save = NULL;

	if (hash == NULL)
		return NULL;
	comment = xstrdup(hash);
	if ((note = strstr(comment, NOTE_TAG)) == NULL)
		return comment;
	for (char *w = strtok_r(note + strlen(NOTE_TAG), " \t\r", &save); w != NULL;
	    w = strtok_r(NULL, " \t\r", &save)) {
		if (strncmp(w, "created=", 8) == 0)
			e->created = parse_time(w + 8);
		else if (strncmp(w, "retired=", 8) == 0)
			e->retired = parse_time(w + 8);
		else if (strncmp(w, "remove-after=", 13) == 0)
			e->remove_after = parse_time(w + 13);
	}
	/* what is left of the comment without the note: "#" alone is nothing */
	while (note > comment && strchr(" \t;", note[-1]) != NULL)
		note--;
	*note = '\0';
	if (strspn(comment, "# \t") == strlen(comment)) {
		free(comment);
		return NULL;
	}
	return comment;
}

static void
append_line(struct tabfile *f, char *text)
{
	f->l = xreallocarray(f->l, f->n + 1, sizeof(*f->l));
	f->l[f->n].text = text;
	f->l[f->n].comment = NULL;
	f->n++;
}

/* the file as lines; 0, or -1 with *error_r */
static int
load_lines(struct tabfile *f, const char *spec, bool refile_ok, bool missing_ok,
    char **path_r, bool *refile_r, char **error_r)
{
	char *data;

	if (dkim_table_read(spec, refile_ok, missing_ok, path_r, refile_r, &data,
	    error_r) < 0)
		return -1;
	f->exists = stat(*path_r, &f->sb) == 0;
	for (char *p = data; *p != '\0';) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		append_line(f, xstrndup(p, len));
		p += len + (nl != NULL);
	}
	free(data);
	return 0;
}

static int
kt_parse(struct mauth_dkim_tables *t, size_t i, char **error_r)
{
	struct tabline *tl = &t->lines->f[KT].l[i];
	char *copy = xstrdup(tl->text), *name, *value, *d, *s, *k, *error = NULL;
	int rc = 0;

	switch (dkim_table_split(copy, &name, &value)) {
	case 0:
		goto out;
	case -1:
		*error_r = xasprintf("%s:%zu: \"%s\" has no value", t->kt_path, i + 1, name);
		rc = -1;
		goto out;
	}
	if (dkim_kt_split(value, &d, &s, &k, &error) < 0 ||
	    (mauth_dkim_tables_find_name(t, name) >= 0 &&
	    (error = xasprintf("key name \"%s\" used twice", name)) != NULL)) {
		*error_r = xasprintf("%s:%zu: %s", t->kt_path, i + 1, error);
		free(error);
		rc = -1;
		goto out;
	}
	t->kt = xreallocarray(t->kt, t->nkt + 1, sizeof(*t->kt));
	struct mauth_dkim_ktent *e = &t->kt[t->nkt++];
	memset(e, 0, sizeof(*e));
	e->line = (unsigned)(i + 1);
	e->name = xstrdup(name);
	e->domain = xstrdup(d);
	e->selector = xstrdup(s);
	e->key = xstrdup(k);
	if (k[0] == '/' || strncmp(k, "./", 2) == 0 || strncmp(k, "../", 3) == 0)
		e->path = dkim_kt_path(t->kt_path, k);
	tl->comment = take_note(tl->text, e);
out:
	free(copy);
	return rc;
}

static void
st_fill(struct mauth_dkim_stent *e, const char *value)
{
	char *copy = xstrdup(value), *colon = strchr(copy, ':'), *save = NULL;

	if (colon != NULL) {
		*colon = '\0';
		e->signer = xstrdup(colon + 1);
	}
	for (char *k = strtok_r(copy, ", \t", &save); k != NULL;
	    k = strtok_r(NULL, ", \t", &save)) {
		e->keys = xreallocarray(e->keys, e->nkeys + 1, sizeof(*e->keys));
		e->keys[e->nkeys++] = xstrdup(k);
	}
	free(copy);
}

static int
st_parse(struct mauth_dkim_tables *t, size_t i, char **error_r)
{
	struct tabline *tl = &t->lines->f[ST].l[i];
	char *copy = xstrdup(tl->text), *pattern, *value;
	int rc = dkim_table_split(copy, &pattern, &value);

	if (rc < 0)
		*error_r = xasprintf("%s:%zu: \"%s\" has no value", t->st_path, i + 1, pattern);
	if (rc == 1) {
		t->st = xreallocarray(t->st, t->nst + 1, sizeof(*t->st));
		struct mauth_dkim_stent *e = &t->st[t->nst++];
		memset(e, 0, sizeof(*e));
		e->line = (unsigned)(i + 1);
		e->pattern = xstrdup(pattern);
		st_fill(e, value);
		const char *hash = strchr(tl->text, '#');
		tl->comment = hash ? xstrdup(hash) : NULL;
	}
	free(copy);
	return rc < 0 ? -1 : 0;
}

int
mauth_dkim_tables_read(const char *kt_spec, const char *st_spec,
    bool missing_ok, struct mauth_dkim_tables **t_r, char **error_r)
{
	struct mauth_dkim_tables *t = xcalloc(1, sizeof(*t));
	bool refile;

	*t_r = NULL;
	t->lines = xcalloc(1, sizeof(*t->lines));
	if (load_lines(&t->lines->f[KT], kt_spec, false, missing_ok, &t->kt_path,
	    &refile, error_r) < 0)
		goto fail;
	for (size_t i = 0; i < t->lines->f[KT].n; i++)
		if (kt_parse(t, i, error_r) < 0)
			goto fail;
	if (st_spec != NULL) {
		if (load_lines(&t->lines->f[ST], st_spec, true, missing_ok, &t->st_path,
		    &t->refile, error_r) < 0)
			goto fail;
		for (size_t i = 0; i < t->lines->f[ST].n; i++)
			if (st_parse(t, i, error_r) < 0)
				goto fail;
	}
	*t_r = t;
	return 0;
fail:
	mauth_dkim_tables_free(&t);
	return -1;
}

static void
kt_clear(struct mauth_dkim_ktent *e)
{
	free(e->name);
	free(e->domain);
	free(e->selector);
	free(e->key);
	free(e->path);
}

static void
st_clear(struct mauth_dkim_stent *e)
{
	for (size_t k = 0; k < e->nkeys; k++)
		free(e->keys[k]);
	free(e->keys);
	free(e->pattern);
	free(e->signer);
}

void
mauth_dkim_tables_free(struct mauth_dkim_tables **tp)
{
	struct mauth_dkim_tables *t = *tp;

	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nkt; i++)
		kt_clear(&t->kt[i]);
	for (size_t i = 0; i < t->nst; i++)
		st_clear(&t->st[i]);
	for (int w = KT; w <= ST; w++) {
		for (size_t i = 0; i < t->lines->f[w].n; i++) {
			free(t->lines->f[w].l[i].text);
			free(t->lines->f[w].l[i].comment);
		}
		free(t->lines->f[w].l);
	}
	free(t->lines);
	free(t->kt);
	free(t->st);
	free(t->kt_path);
	free(t->st_path);
	free(t);
	*tp = NULL;
}

int
mauth_dkim_tables_names_check(const char *domain, const char *selector,
    char **error_r)
{
	const char *why;

	if ((why = dkim_name_check(domain, true)) != NULL) {
		*error_r = xasprintf("domain \"%s\" %s", domain, why);
		return -1;
	}
	if ((why = dkim_name_check(selector, false)) != NULL) {
		*error_r = xasprintf("selector \"%s\" %s", selector, why);
		return -1;
	}
	return 0;
}

int
mauth_dkim_tables_key(const struct mauth_dkim_tables *t, size_t i,
    struct mauth_dkim_key **key_r, char **error_r)
{
	bool inl;

	return dkim_kt_key(t->kt_path, t->kt[i].line, t->kt[i].key, &inl, key_r,
	    error_r);
}

long
mauth_dkim_tables_find(const struct mauth_dkim_tables *t, const char *domain,
    const char *selector)
{
	for (size_t i = 0; i < t->nkt; i++)
		if (strcasecmp(t->kt[i].domain, domain) == 0 &&
		    strcasecmp(t->kt[i].selector, selector) == 0)
			return (long)i;
	return -1;
}

long
mauth_dkim_tables_find_name(const struct mauth_dkim_tables *t, const char *name)
{
	for (size_t i = 0; i < t->nkt; i++)
		if (strcmp(t->kt[i].name, name) == 0)
			return (long)i;
	return -1;
}

long
mauth_dkim_tables_in_use(const struct mauth_dkim_tables *t, size_t i)
{
	for (size_t s = 0; s < t->nst; s++)
		for (size_t k = 0; k < t->st[s].nkeys; k++)
			if (strcmp(t->st[s].keys[k], t->kt[i].name) == 0)
				return (long)s;
	return -1;
}

char *
mauth_dkim_tables_pattern(const struct mauth_dkim_tables *t, const char *domain)
{
	return t->refile ? xasprintf("*@%s", domain) : xstrdup(domain);
}

/* ------------------------------------------------------------ edits */

/* the text of KeyTable entry i's line, from the entry and its other comment */
static void
kt_render(struct mauth_dkim_tables *t, size_t i)
{
	struct mauth_dkim_ktent *e = &t->kt[i];
	struct tabline *tl = &t->lines->f[KT].l[e->line - 1];
	struct mauth_buf b = MAUTH_BUF_INIT;
	const time_t times[] = { e->created, e->retired, e->remove_after };
	const char *names[] = { "created", "retired", "remove-after" };
	bool note = false;

	mauth_buf_printf(&b, "%s\t%s:%s:%s", e->name, e->domain, e->selector, e->key);
	if (tl->comment != NULL)
		mauth_buf_printf(&b, "\t%s", tl->comment);
	for (size_t k = 0; k < 3; k++) {
		if (times[k] == 0)
			continue;
		char *when = mauth_dkim_tables_time(times[k]);
		if (!note)
			mauth_buf_puts(&b, tl->comment != NULL ? "; " NOTE_TAG : "\t# " NOTE_TAG);
		mauth_buf_printf(&b, " %s=%s", names[k], when);
		note = true;
		free(when);
	}
	free(tl->text);
	tl->text = mauth_buf_steal(&b);
	t->lines->f[KT].dirty = true;
}

void
mauth_dkim_tables_kt_add(struct mauth_dkim_tables *t, const char *name,
    const char *domain, const char *selector, const char *key, time_t created)
{
	struct tabfile *f = &t->lines->f[KT];

	append_line(f, NULL);
	t->kt = xreallocarray(t->kt, t->nkt + 1, sizeof(*t->kt));
	struct mauth_dkim_ktent *e = &t->kt[t->nkt];
	memset(e, 0, sizeof(*e));
	e->line = (unsigned)f->n;
	e->name = xstrdup(name);
	t->nkt++;
	mauth_dkim_tables_kt_set(t, t->nkt - 1, domain, selector, key, created);
}

void
mauth_dkim_tables_kt_set(struct mauth_dkim_tables *t, size_t i,
    const char *domain, const char *selector, const char *key, time_t created)
{
	struct mauth_dkim_ktent *e = &t->kt[i];
	char *d = xstrdup(domain), *s = xstrdup(selector), *k = xstrdup(key);
	char *name = e->name;

	e->name = NULL;
	kt_clear(e);
	e->name = name;
	e->domain = d;
	e->selector = s;
	e->key = k;
	e->path = k[0] == '/' || strncmp(k, "./", 2) == 0 || strncmp(k, "../", 3) == 0
	    ? dkim_kt_path(t->kt_path, k) : NULL;
	e->created = created;
	e->retired = e->remove_after = 0;
	kt_render(t, i);
}

void
mauth_dkim_tables_kt_retire(struct mauth_dkim_tables *t, size_t i,
    time_t retired, time_t remove_after)
{
	t->kt[i].retired = retired;
	t->kt[i].remove_after = remove_after;
	kt_render(t, i);
}

void
mauth_dkim_tables_kt_remove(struct mauth_dkim_tables *t, size_t i)
{
	struct tabline *tl = &t->lines->f[KT].l[t->kt[i].line - 1];

	free(tl->text);
	tl->text = NULL;
	t->lines->f[KT].dirty = true;
	kt_clear(&t->kt[i]);
	memmove(&t->kt[i], &t->kt[i + 1], (t->nkt - i - 1) * sizeof(*t->kt));
	t->nkt--;
}

static void
st_render(struct mauth_dkim_tables *t, size_t i)
{
	struct mauth_dkim_stent *e = &t->st[i];
	struct tabline *tl = &t->lines->f[ST].l[e->line - 1];
	struct mauth_buf b = MAUTH_BUF_INIT;

	mauth_buf_printf(&b, "%s\t", e->pattern);
	for (size_t k = 0; k < e->nkeys; k++)
		mauth_buf_printf(&b, "%s%s", k > 0 ? "," : "", e->keys[k]);
	if (e->signer != NULL)
		mauth_buf_printf(&b, ":%s", e->signer);
	if (tl->comment != NULL)
		mauth_buf_printf(&b, "\t%s", tl->comment);
	free(tl->text);
	tl->text = mauth_buf_steal(&b);
	t->lines->f[ST].dirty = true;
}

void
mauth_dkim_tables_st_set(struct mauth_dkim_tables *t, size_t i,
    const char *const *keys, size_t nkeys)
{
	struct mauth_dkim_stent *e = &t->st[i];
	char **copy = xcalloc(nkeys, sizeof(*copy));

	for (size_t k = 0; k < nkeys; k++)
		copy[k] = xstrdup(keys[k]);
	for (size_t k = 0; k < e->nkeys; k++)
		free(e->keys[k]);
	free(e->keys);
	e->keys = copy;
	e->nkeys = nkeys;
	st_render(t, i);
}

void
mauth_dkim_tables_st_add(struct mauth_dkim_tables *t, const char *pattern,
    const char *key)
{
	struct tabfile *f = &t->lines->f[ST];

	append_line(f, NULL);
	t->st = xreallocarray(t->st, t->nst + 1, sizeof(*t->st));
	struct mauth_dkim_stent *e = &t->st[t->nst++];
	memset(e, 0, sizeof(*e));
	e->line = (unsigned)f->n;
	e->pattern = xstrdup(pattern);
	mauth_dkim_tables_st_set(t, t->nst - 1, &key, 1);
}

/* ------------------------------------------------------------ commit */

static char *
render(const struct tabfile *f)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	mauth_buf_puts(&b, "");
	for (size_t i = 0; i < f->n; i++)
		if (f->l[i].text != NULL)
			mauth_buf_printf(&b, "%s\n", f->l[i].text);
	return mauth_buf_steal(&b);
}

/* a scratch copy of text next to path (same directory: same relative paths) */
static char *
scratch(const char *path, const char *text, char **error_r)
{
	char *tmp = xasprintf("%s.check.XXXXXX", path);
	int fd = mkstemp(tmp);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		*error_r = xasprintf("%s: cannot write a scratch copy next to it: %m", path);
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return NULL;
	}
	close(fd);
	return tmp;
}

/* error text with the scratch file's name put back to the real one */
static char *
unscratch(const char *error, const char *tmp, const char *path)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	const char *p = error, *hit;

	mauth_buf_puts(&b, "");
	while (tmp != NULL && (hit = strstr(p, tmp)) != NULL) {
		mauth_buf_append(&b, p, (size_t)(hit - p));
		mauth_buf_puts(&b, path);
		p = hit + strlen(tmp);
	}
	mauth_buf_puts(&b, p);
	return mauth_buf_steal(&b);
}

/* load the new texts as mauthd would: 0, or -1 with *error_r */
static int
check(const struct mauth_dkim_tables *t, char *const text[2], bool multiple,
    char **error_r)
{
	const char *path[2] = { t->kt_path, t->st_path };
	char *tmp[2] = { NULL, NULL }, *st_spec = NULL, *error = NULL;
	struct mauth_dkim_keys *keys = NULL;
	int rc = -1;

	for (int w = KT; w <= ST; w++)
		if ((t->lines->f[w].dirty || path[w] == NULL) &&
		    (tmp[w] = scratch(path[w] != NULL ? path[w] : t->kt_path,
		    path[w] != NULL ? text[w] : "", error_r)) == NULL)
			goto out;
	st_spec = xasprintf("%s%s", t->refile ? "refile:" : "",
	    tmp[ST] != NULL ? tmp[ST] : path[ST]);
	if (mauth_dkim_keys_load(tmp[KT] != NULL ? tmp[KT] : path[KT], st_spec,
	    multiple, &keys, &error) < 0) {
		char *e1 = unscratch(error, tmp[KT], path[KT]);
		*error_r = unscratch(e1, tmp[ST], path[ST] != NULL ? path[ST] : "SigningTable");
		free(e1);
		goto out;
	}
	rc = 0;
out:
	mauth_dkim_keys_free(&keys);
	for (int w = KT; w <= ST; w++)
		if (tmp[w] != NULL) {
			unlink(tmp[w]);
			free(tmp[w]);
		}
	free(st_spec);
	free(error);
	return rc;
}

int
mauth_dkim_tables_commit(struct mauth_dkim_tables *t, bool multiple,
    char **error_r)
{
	const char *path[2] = { t->kt_path, t->st_path };
	char *text[2] = { NULL, NULL };
	int rc = -1;

	if (!t->lines->f[KT].dirty && !t->lines->f[ST].dirty)
		return 0;
	for (int w = KT; w <= ST; w++)
		if (path[w] != NULL)
			text[w] = render(&t->lines->f[w]);
	if (check(t, text, multiple, error_r) < 0)
		goto out;
	/* the KeyTable first: a SigningTable naming a key it lacks is refused */
	for (int w = KT; w <= ST; w++) {
		struct tabfile *f = &t->lines->f[w];
		if (!f->dirty)
			continue;
		if (mauth_file_replace(path[w], text[w], strlen(text[w]),
		    f->exists ? f->sb.st_mode & 07777 : 0644,
		    f->exists ? f->sb.st_uid : MAUTH_FILE_SAME_ID,
		    f->exists ? f->sb.st_gid : (gid_t)-1, error_r) < 0)
			goto out;
		f->dirty = false;
		f->exists = stat(path[w], &f->sb) == 0;
	}
	rc = 0;
out:
	free(text[0]);
	free(text[1]);
	return rc;
}
