/*
 * migrate.c - mauth migrate: an opendkim.conf (and opendmarc.conf) as a
 * mauthd.conf
 *
 * Both peers read "Option value" lines with '#' comments, the format
 * mauthd.conf kept.  Each option is looked up in migrate_table.c; what
 * maps is written in mauthd.conf's key order, each key under a comment
 * naming the line it came from; everything else is reported on standard
 * error, one line per option, saying why.  When both files set the same
 * key (Socket, UserID, PidFile: mauthd is one daemon where there were
 * two), OpenDKIM's value is kept and the other reported; InternalHosts
 * (OpenDKIM) and IgnoreHosts (OpenDMARC) are merged.  The result is
 * loaded with mauth_conf_parse() before it is written, so a conversion
 * bug cannot slip through; a key that only fails on this host (UserID of
 * a user that does not exist here) is a warning.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "conf.h"
#include "mauth.h"
#include "migrate.h"
#include "xmalloc.h"

/* One mauthd.conf key as the migration sets it. */
struct migrate_key {
	char *value;
	char *origin;		/* "FILE:LINE: Option value" */
};

struct migrate {
	struct migrate_key *keys;	/* indexed like mauth_conf_key_name() */
	size_t nkeys;
	unsigned mapped, unmapped, unused;
};

static void
migrate_usage(FILE *f)
{
	fprintf(f,
"usage: mauth migrate --opendkim FILE [--opendmarc FILE] [-o OUT]\n"
"       mauth migrate --opendmarc FILE [-o OUT]\n"
"       mauth migrate --table\n"
"\n"
"Write a mauthd.conf equivalent to an OpenDKIM (and OpenDMARC)\n"
"configuration to standard output (or OUT), and report on standard error\n"
"every option that could not be mapped, and why.\n"
"\n"
"options:\n"
"  --opendkim FILE    an opendkim.conf\n"
"  --opendmarc FILE   an opendmarc.conf\n"
"  -o, --output OUT   write the result to OUT instead of standard output\n"
"  --table            print the table of options and their mauthd.conf keys\n"
"                     (Markdown, as in the README) and exit\n"
"  -h, --help         this text\n"
"\n"
"exit status: 0 written (options not mapped are reported, not errors),\n"
"1 a file could not be read or written, 2 usage error.\n"
"\n"
"example:\n"
"  mauth migrate --opendkim /etc/opendkim.conf --opendmarc /etc/opendmarc.conf \\\n"
"      -o /etc/mauth/mauthd.conf\n");
}

/* key_index - the position of key in mauthd.conf's table */
static size_t
key_index(const char *key)
{
	const char *name;
	size_t i;

	for (i = 0; (name = mauth_conf_key_name(i)) != NULL; i++)
		if (strcasecmp(name, key) == 0)
			return i;
	fprintf(stderr, "mauth migrate: bug: no mauthd.conf key %s\n", key);
	abort();
}

/* hosts_merge - add the networks of add not yet in *list (InternalHosts) */
static void
hosts_merge(char **list, const char *add)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	char *copy = xstrdup(add), *save = NULL;

	mauth_buf_puts(&b, *list);
	for (char *t = strtok_r(copy, ", ", &save); t != NULL; t = strtok_r(NULL, ", ", &save)) {
		char *old = xstrdup(*list), *s2 = NULL;
		bool seen = false;

		for (char *u = strtok_r(old, ", ", &s2); u != NULL && !seen; u = strtok_r(NULL, ", ", &s2))
			seen = strcmp(t, u) == 0;
		free(old);
		if (!seen)
			mauth_buf_printf(&b, ", %s", t);
	}
	free(copy);
	free(*list);
	*list = mauth_buf_steal(&b);
}

/*
 * migrate_set - give a key its value, or report why the value is not
 * used; given is the option's value as the peer's file spelt it
 */
static void
migrate_set(struct migrate *mg, const struct migrate_option *opt,
    const char *where, const char *given, const char *value)
{
	struct migrate_key *k = &mg->keys[key_index(opt->key)];
	char *origin = xasprintf("%s: %s %s", where, opt->name, given);

	mg->mapped++;
	if (k->value == NULL) {
		k->value = xstrdup(value);
		k->origin = origin;
	} else if (strcmp(opt->key, "InternalHosts") == 0 || strcmp(k->value, value) == 0) {
		/* the same value twice, or networks that add up: both lines shown */
		if (strcmp(k->value, value) != 0)
			hosts_merge(&k->value, value);
		char *both = xasprintf("%s\n# %s", k->origin, origin);

		free(k->origin);
		free(origin);
		k->origin = both;
	} else {
		fprintf(stderr, "%s: %s: not used: mauthd has one %s, already \"%s\" from %s\n",
		    where, opt->name, opt->key, k->value, k->origin);
		mg->mapped--;
		mg->unused++;
		free(origin);
	}
}

/* migrate_option - one "Option value" line of a peer's file */
static void
migrate_option(struct migrate *mg, unsigned from, const char *where,
    const char *name, const char *value)
{
	const struct migrate_option *opt = migrate_option_find(name, from);
	struct mauth_buf out = MAUTH_BUF_INIT, why = MAUTH_BUF_INIT;
	enum migrate_status st;

	if (opt == NULL || opt->key == NULL) {
		fprintf(stderr, "%s: %s: not mapped: %s\n", where, name,
		    opt ? opt->note : "unknown option");
		mg->unmapped++;
		return;
	}
	if (opt->convert == NULL) {
		mauth_buf_puts(&out, value);
		st = MIGRATE_MAPPED;
	} else {
		st = opt->convert(value, &out, &why);
	}
	if (st == MIGRATE_UNMAPPED) {
		fprintf(stderr, "%s: %s: not mapped: %s\n", where, name, mauth_buf_cstr(&why));
		mg->unmapped++;
	} else if (st == MIGRATE_DEFAULT) {
		fprintf(stderr, "%s: %s: mapped: \"%s\" is mauthd's default for %s\n",
		    where, name, value, opt->key);
		mg->mapped++;
	} else {
		if (why.len > 0)
			fprintf(stderr, "%s: %s: mapped to %s, note: %s\n", where, name,
			    opt->key, mauth_buf_cstr(&why));
		migrate_set(mg, opt, where, value, mauth_buf_cstr(&out));
	}
	mauth_buf_free(&out);
	mauth_buf_free(&why);
}

/* migrate_file - every option of path; 0, or -1 when it cannot be read */
static int
migrate_file(struct migrate *mg, unsigned from, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t size = 0;
	unsigned lineno = 0;

	if (f == NULL) {
		fprintf(stderr, "mauth migrate: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &size, f) >= 0) {
		char *p = line, *name, *value, *end, *where;

		lineno++;
		for (char *c = line; *c != '\0'; c++)
			if (*c == '#' && (c == line || c[-1] == ' ' || c[-1] == '\t'))
				*c = '\0';
		p += strspn(p, " \t");
		end = p + strlen(p);
		while (end > p && strchr(" \t\r\n", end[-1]) != NULL)
			*--end = '\0';
		if (*p == '\0')
			continue;
		name = p;
		value = p + strcspn(p, " \t");
		if (*value != '\0')
			*value++ = '\0';
		value += strspn(value, " \t");
		where = xasprintf("%s:%u", path, lineno);
		if (*value == '\0') {
			fprintf(stderr, "%s: %s: not mapped: no value\n", where, name);
			mg->unmapped++;
		} else {
			migrate_option(mg, from, where, name, value);
		}
		free(where);
	}
	free(line);
	fclose(f);
	return 0;
}

/* migrate_render - the mauthd.conf text */
static void
migrate_render(const struct migrate *mg, const char *dkim, const char *dmarc,
    struct mauth_buf *out)
{
	mauth_buf_puts(out, "# mauthd.conf - written by mauth migrate from");
	if (dkim != NULL)
		mauth_buf_printf(out, " %s", dkim);
	if (dmarc != NULL)
		mauth_buf_printf(out, "%s %s", dkim ? " and" : "", dmarc);
	mauth_buf_puts(out, "\n#\n# Every key not set here is at its default: mauthd.conf(5) and\n"
	    "# \"mauthd -D -c FILE\" list them.  Check with: mauthd -n -c FILE\n");
	for (size_t i = 0; i < mg->nkeys; i++) {
		if (mg->keys[i].value == NULL)
			continue;
		mauth_buf_printf(out, "\n# %s\n%-17s %s\n", mg->keys[i].origin,
		    mauth_conf_key_name(i), mg->keys[i].value);
	}
}

static int
migrate_write(const char *path, const struct mauth_buf *text)
{
	FILE *f = path ? fopen(path, "w") : stdout;

	if (f == NULL || fwrite(text->data, 1, text->len, f) != text->len ||
	    (path ? fclose(f) : fflush(f)) != 0) {
		fprintf(stderr, "mauth migrate: %s: %s\n", path ? path : "standard output",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* migrate_table - the options as a Markdown table (README) */
static int
migrate_table(void)
{
	size_t n;
	const struct migrate_option *opts = migrate_options(&n);

	printf("| OpenDKIM / OpenDMARC option | in | mauthd.conf | notes |\n"
	    "| --- | --- | --- | --- |\n");
	for (size_t i = 0; i < n; i++) {
		const struct migrate_option *o = &opts[i];

		printf("| %s | %s | %s | %s |\n", o->name,
		    o->from == MIGRATE_BOTH ? "both" :
		    o->from == MIGRATE_OPENDKIM ? "OpenDKIM" : "OpenDMARC",
		    o->key ? o->key : "-", o->note ? o->note : "");
	}
	return fflush(stdout) == 0 ? MAUTH_EXIT_OK : MAUTH_EXIT_ERROR;
}

static int
migrate_run(const char *dkim, const char *dmarc, const char *output)
{
	struct migrate mg = { 0 };
	struct mauth_buf text = MAUTH_BUF_INIT;
	struct mauth_conf *conf = NULL;
	char *error = NULL;
	int rc = MAUTH_EXIT_ERROR;

	while (mauth_conf_key_name(mg.nkeys) != NULL)
		mg.nkeys++;
	mg.keys = xcalloc(mg.nkeys, sizeof(*mg.keys));
	if ((dkim && migrate_file(&mg, MIGRATE_OPENDKIM, dkim) < 0) ||
	    (dmarc && migrate_file(&mg, MIGRATE_OPENDMARC, dmarc) < 0))
		goto out;
	migrate_render(&mg, dkim, dmarc, &text);
	if (mauth_conf_parse(output ? output : "(result)", text.data, text.len,
	    &conf, &error) < 0) {
		fprintf(stderr, "mauth migrate: warning: the result does not load on this "
		    "host: %s\n", error);
		free(error);
	}
	mauth_conf_free(&conf);
	if (migrate_write(output, &text) < 0)
		goto out;
	fprintf(stderr, "mauth migrate: %u option%s mapped, %u not mapped, %u not used "
	    "(set in both files)\n", mg.mapped, mg.mapped == 1 ? "" : "s", mg.unmapped,
	    mg.unused);
	rc = MAUTH_EXIT_OK;
out:
	for (size_t i = 0; i < mg.nkeys; i++) {
		free(mg.keys[i].value);
		free(mg.keys[i].origin);
	}
	free(mg.keys);
	mauth_buf_free(&text);
	return rc;
}

int
cmd_migrate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "opendkim", required_argument, NULL, 'k' },
		{ "opendmarc", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "table", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dkim = NULL, *dmarc = NULL, *output = NULL;
	bool table = false;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k': dkim = optarg; break;
		case 'm': dmarc = optarg; break;
		case 'o': output = optarg; break;
		case 't': table = true; break;
		case 'h': migrate_usage(stdout); return MAUTH_EXIT_OK;
		default: migrate_usage(stderr); return MAUTH_EXIT_USAGE;
		}
	}
	if (table && optind == argc && !dkim && !dmarc && !output)
		return migrate_table();
	if (table || optind != argc || (dkim == NULL && dmarc == NULL)) {
		migrate_usage(stderr);
		return MAUTH_EXIT_USAGE;
	}
	return migrate_run(dkim, dmarc, output);
}
