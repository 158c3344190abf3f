/*
 * dns_zone.c - RFC 1035 master (zone) files into an in-memory table
 *
 * RFC 1035 section 5.1 (format), RFC 2308 section 4 ($TTL).  The file is
 * read as logical records: a record ends at a newline outside parentheses
 * and quotes; ';' starts a comment outside quotes.  Each record is then
 * split into owner, optional TTL and class (either order), type and rdata,
 * and the rdata is handed to mauth_dns_rdata_parse(), the parser shared
 * with mauth_dns_mem_add_text().  TTL: the record's own, else $TTL, else
 * the last one stated (RFC 1035 section 5.1), else an error.
 *
 * Every fault is reported as "name:line: what", line being where the
 * record starts.  A file that fails half-way leaves the records before
 * the fault in the table; a caller that cannot use a partly loaded table
 * frees it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "dns_rdata.h"
#include "dns_zone.h"
#include "xmalloc.h"

struct zone_state {
	struct mauth_dns_mem *mem;
	const char *name;	/* file name for messages */
	const char *text, *end, *p;
	unsigned line;		/* line of p */
	char *origin;		/* NULL until $ORIGIN when none was given */
	char *owner;		/* last owner, for lines starting with blanks */
	uint32_t ttl_default;	/* $TTL */
	bool have_ttl_default;
	uint32_t ttl_last;	/* last TTL stated on a record */
	bool have_ttl_last;
};

static bool
zone_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * zone_record - gather the next logical record into rec: comments gone,
 * parentheses turned to spaces, continuation lines joined.  Returns 1, 0
 * at the end of the text, -1 with *error_r.  *line_r is its first line.
 */
static int
zone_record(struct zone_state *z, struct mauth_buf *rec, unsigned *line_r,
    char **error_r)
{
	int depth = 0;
	bool quoted = false, comment = false;

	mauth_buf_truncate(rec, 0);
	if (z->p >= z->end)
		return 0;
	*line_r = z->line;
	for (; z->p < z->end; z->p++) {
		char c = *z->p;

		if (c == '\0') {
			*error_r = xasprintf("%s:%u: NUL byte in zone file",
			    z->name, z->line);
			return -1;
		}
		if (c == '\n') {
			if (quoted) {
				*error_r = xasprintf("%s:%u: quoted string not closed "
				    "at the end of the line", z->name, z->line);
				return -1;
			}
			z->line++;
			comment = false;
			if (depth == 0) {
				z->p++;
				return 1;
			}
			mauth_buf_putc(rec, ' ');
			continue;
		}
		if (comment)
			continue;
		if (quoted || (c != ';' && c != '(' && c != ')')) {
			if (c == '\\' && z->p + 1 < z->end && z->p[1] != '\n') {
				mauth_buf_putc(rec, c);
				c = *++z->p;
			} else if (c == '"') {
				quoted = !quoted;
			}
			mauth_buf_putc(rec, c);
			continue;
		}
		if (c == ';') {
			comment = true;
		} else if (c == '(') {
			depth++;
			mauth_buf_putc(rec, ' ');
		} else if (--depth < 0) {
			*error_r = xasprintf("%s:%u: ')' without '('", z->name, z->line);
			return -1;
		} else {
			mauth_buf_putc(rec, ' ');
		}
	}
	if (quoted || depth > 0) {
		*error_r = xasprintf("%s:%u: %s not closed at the end of the file",
		    z->name, *line_r, quoted ? "quoted string" : "'('");
		return -1;
	}
	return 1;
}

/* zone_word - the next blank-separated word of *pp (escapes kept), or NULL */
static char *
zone_word(const char **pp)
{
	const char *p = *pp, *start;

	while (zone_blank(*p))
		p++;
	if (*p == '\0')
		return NULL;
	start = p;
	while (*p != '\0' && !zone_blank(*p)) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		p++;
	}
	*pp = p;
	return xstrndup(start, (size_t)(p - start));
}

/* zone_directive - $ORIGIN, $TTL; $INCLUDE and others are refused */
static int
zone_directive(struct zone_state *z, const char *rec, char **error_r)
{
	const char *p = rec;
	char *word = zone_word(&p), *arg = zone_word(&p), *extra = zone_word(&p);
	int rc = -1;

	bool known = strcasecmp(word, "$ORIGIN") == 0 ||
	    strcasecmp(word, "$TTL") == 0;

	if (strcasecmp(word, "$INCLUDE") == 0) {
		*error_r = xstrdup("$INCLUDE is not supported "
		    "(keep a test zone in one file)");
	} else if (!known) {
		*error_r = xasprintf("unknown directive \"%s\"", word);
	} else if (arg == NULL || extra != NULL) {
		*error_r = xasprintf("%s takes one value", word);
	} else if (strcasecmp(word, "$ORIGIN") == 0) {
		char *origin = mauth_dns_rdata_name(arg, strlen(arg), z->origin, error_r);
		char *norm = NULL;

		if (origin != NULL && *origin != '\0')
			norm = mauth_dns_name_normalise(origin, error_r);
		else if (origin != NULL)
			norm = xstrdup("");
		if (norm != NULL) {
			free(z->origin);
			z->origin = norm;
			rc = 0;
		}
		free(origin);
	} else if (mauth_dns_ttl_parse(arg, &z->ttl_default) < 0) {
		*error_r = xasprintf("bad $TTL \"%s\"", arg);
	} else {
		z->have_ttl_default = true;
		rc = 0;
	}
	free(word);
	free(arg);
	free(extra);
	return rc;
}

/*
 * zone_head - after the owner: [TTL] [class] type or [class] [TTL] type.
 * Sets *type_r, *ttl_r and *rdata_r (pointing into the record).
 */
static int
zone_head(struct zone_state *z, const char **pp, uint16_t *type_r,
    uint32_t *ttl_r, char **error_r)
{
	bool have_ttl = false, have_class = false;
	char *word;

	while ((word = zone_word(pp)) != NULL) {
		if (!have_ttl && word[0] >= '0' && word[0] <= '9') {
			if (mauth_dns_ttl_parse(word, ttl_r) < 0) {
				*error_r = xasprintf("bad TTL \"%s\"", word);
				goto fail;
			}
			have_ttl = true;
		} else if (!have_class && strcasecmp(word, "IN") == 0) {
			have_class = true;
		} else if (!have_class && (strcasecmp(word, "CH") == 0 ||
		    strcasecmp(word, "HS") == 0 || strcasecmp(word, "CS") == 0)) {
			*error_r = xasprintf("class \"%s\" is not supported "
			    "(only IN)", word);
			goto fail;
		} else if ((*type_r = mauth_dns_type_parse(word)) == 0) {
			*error_r = xasprintf("unsupported record type \"%s\"", word);
			goto fail;
		} else {
			break;
		}
		free(word);
	}
	if (word == NULL) {
		*error_r = xstrdup("record without a type");
		return -1;
	}
	free(word);
	if (have_ttl) {
		z->ttl_last = *ttl_r;
		z->have_ttl_last = true;
	} else if (z->have_ttl_default) {
		*ttl_r = z->ttl_default;
	} else if (z->have_ttl_last) {
		*ttl_r = z->ttl_last;
	} else {
		*error_r = xstrdup("no TTL on the record and no $TTL before it");
		return -1;
	}
	return 0;
fail:
	free(word);
	return -1;
}

/* zone_rr - one resource record line */
static int
zone_rr(struct zone_state *z, const char *rec, char **error_r)
{
	const char *p = rec;
	uint16_t type = 0;
	uint32_t ttl = 0;

	if (!zone_blank(*rec)) {
		char *word = zone_word(&p);
		char *owner = mauth_dns_rdata_name(word, strlen(word),
		    z->origin, error_r);

		free(word);
		if (owner == NULL)
			return -1;
		free(z->owner);
		z->owner = owner;
	} else if (z->owner == NULL) {
		*error_r = xstrdup("record without an owner name "
		    "(none before it to inherit)");
		return -1;
	}
	if (zone_head(z, &p, &type, &ttl, error_r) < 0)
		return -1;
	/* Names in rdata: relative ones need an origin, as owners do. */
	char *error = NULL;
	struct mauth_dns_rr rr = { .type = type, .ttl = ttl };
	int rc = mauth_dns_rdata_parse(&rr, p, z->origin, &error);
	if (rc == 0)
		rc = type == MAUTH_DNS_T_SOA ?
		    mauth_dns_mem_add_name(z->mem, z->owner, &error) :
		    mauth_dns_mem_add(z->mem, z->owner, &rr, &error);
	if (rc < 0)
		*error_r = xasprintf("%s %s: %s", z->owner,
		    mauth_dns_type_name(type), error);
	free(error);
	mauth_dns_rr_clear(&rr);
	return rc;
}

int
mauth_dns_zone_parse(struct mauth_dns_mem *mem, const char *text, size_t len,
    const char *name, const char *origin, char **error_r)
{
	struct zone_state z = {
		.mem = mem, .name = name, .text = text, .end = text + len,
		.p = text, .line = 1,
	};
	struct mauth_buf rec = MAUTH_BUF_INIT;
	unsigned line = 1;
	int rc;

	if (origin != NULL) {
		char *error = NULL;

		z.origin = strcmp(origin, ".") == 0 ? xstrdup("") :
		    mauth_dns_name_normalise(origin, &error);
		if (z.origin == NULL) {
			*error_r = xasprintf("%s: origin: %s", name, error);
			free(error);
			return -1;
		}
	}
	while ((rc = zone_record(&z, &rec, &line, error_r)) > 0) {
		const char *r = mauth_buf_cstr(&rec), *q = r;
		char *error = NULL;

		while (zone_blank(*q))
			q++;
		if (*q == '\0')
			continue;	/* blank or comment-only line */
		if (r[0] == '$')
			rc = zone_directive(&z, r, &error);
		else
			rc = zone_rr(&z, r, &error);
		if (rc < 0) {
			*error_r = xasprintf("%s:%u: %s", name, line, error);
			free(error);
			break;
		}
	}
	mauth_buf_free(&rec);
	free(z.origin);
	free(z.owner);
	return rc < 0 ? -1 : 0;
}

int
mauth_dns_zone_load(struct mauth_dns_mem *mem, const char *path,
    const char *origin, char **error_r)
{
	struct mauth_buf text = MAUTH_BUF_INIT;
	char chunk[8192];
	size_t n;
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		mauth_buf_append(&text, chunk, n);
	if (ferror(fp)) {
		*error_r = xasprintf("%s: read error: %s", path, strerror(errno));
		fclose(fp);
		mauth_buf_free(&text);
		return -1;
	}
	fclose(fp);
	int rc = mauth_dns_zone_parse(mem, mauth_buf_cstr(&text), text.len, path,
	    origin, error_r);
	mauth_buf_free(&text);
	return rc;
}
