/*
 * spf_suite.c - open-spf.org YAML suites to lib/dns in-memory zones
 *
 * See spf_suite.h.  The zonedata rules are those of t/vectors/spf/FORMAT.md
 * (the reference driver's behaviour); where the in-memory table cannot
 * say it (the "error." names), a small backend wraps the table's own.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "dns_mem.h"
#include "spf_suite.h"
#include "xmalloc.h"

/* The backend: the table's resolver plus the owner names zonedata lists */
struct suite_dns {
	struct mauth_dns *mem;
	char **owners;
	size_t nowners;
};

static enum mauth_dns_status
suite_lookup(void *backend, const char *name, uint16_t type,
    struct mauth_dns_answer *ans)
{
	struct suite_dns *sd = backend;

	/* FORMAT.md rule 4: unlisted names under "error." time out. */
	if (strncmp(name, "error.", 6) == 0) {
		bool listed = false;

		for (size_t i = 0; !listed && i < sd->nowners; i++)
			listed = strcmp(sd->owners[i], name) == 0;
		if (!listed)
			return MAUTH_DNS_TIMEOUT;
	}
	return sd->mem->ops->lookup(sd->mem->backend, name, type, ans);
}

static void
suite_free(void *backend)
{
	struct suite_dns *sd = backend;

	mauth_dns_free(&sd->mem);
	for (size_t i = 0; i < sd->nowners; i++)
		free(sd->owners[i]);
	free(sd->owners);
	free(sd);
}

static const struct mauth_dns_ops suite_ops = {
	"spf-suite", suite_lookup, suite_free,
};

static yaml_node_t *
node(yaml_document_t *doc, int i)
{
	return yaml_document_get_node(doc, i);
}

static bool
is_scalar(const yaml_node_t *n, const char *s)
{
	return n != NULL && n->type == YAML_SCALAR_NODE &&
	    strcmp((const char *)n->data.scalar.value, s) == 0;
}

static const char *
scalar(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

/* map_get - the value of key in a mapping node, or NULL */
static yaml_node_t *
map_get(yaml_document_t *doc, const yaml_node_t *map, const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++)
		if (is_scalar(node(doc, p->key), key))
			return node(doc, p->value);
	return NULL;
}

/* add_txt - one TXT record from a scalar or a list of scalars (joined) */
static int
add_txt(struct mauth_dns_mem *mem, const char *owner, yaml_document_t *doc,
    yaml_node_t *v, char **error_r)
{
	struct mauth_dns_rr rr;
	size_t len = 0;

	memset(&rr, 0, sizeof(rr));
	rr.type = MAUTH_DNS_T_TXT;
	rr.ttl = 300;
	rr.u.txt.data = xstrdup("");
	if (v->type == YAML_SCALAR_NODE) {
		free(rr.u.txt.data);
		len = v->data.scalar.length;
		rr.u.txt.data = xmemdup(v->data.scalar.value, len);
	} else if (v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		    it < v->data.sequence.items.top; it++) {
			yaml_node_t *s = node(doc, *it);

			if (s == NULL || s->type != YAML_SCALAR_NODE)
				continue;
			rr.u.txt.data = xrealloc(rr.u.txt.data, len + s->data.scalar.length + 1);
			memcpy(rr.u.txt.data + len, s->data.scalar.value, s->data.scalar.length);
			len += s->data.scalar.length;
			rr.u.txt.data[len] = '\0';
		}
	}
	rr.u.txt.len = len;
	int rc = mauth_dns_mem_add(mem, owner, &rr, error_r);
	mauth_dns_rr_clear(&rr);
	return rc;
}

/* name_value - a domain name from zonedata, without its trailing dot */
static char *
name_value(const char *s)
{
	size_t n = strlen(s);

	return xstrndup(s, n > 0 && s[n - 1] == '.' ? n - 1 : n);
}

/* add_rr - one {TYPE: value} item; *added says whether a record was made */
static int
add_rr(struct mauth_dns_mem *mem, const char *owner, yaml_document_t *doc,
    const char *type, yaml_node_t *v, bool has_txt, bool *added, char **error_r)
{
	struct mauth_dns_rr rr;
	const char *s = scalar(v);
	bool good = true;

	if (s != NULL && strcmp(s, "NONE") == 0)
		return 0;	/* FORMAT.md rule 2 */
	if (strcmp(type, "SPF") == 0 && has_txt)
		return 0;	/* FORMAT.md rule 1: only without TXT entries */
	*added = true;
	if (strcmp(type, "TXT") == 0 || strcmp(type, "SPF") == 0)
		return add_txt(mem, owner, doc, v, error_r);
	memset(&rr, 0, sizeof(rr));
	rr.ttl = 300;
	rr.type = mauth_dns_type_parse(type);
	switch (rr.type) {
	case MAUTH_DNS_T_A:
		good = s != NULL && inet_pton(AF_INET, s, &rr.u.a) == 1;
		break;
	case MAUTH_DNS_T_AAAA:
		good = s != NULL && inet_pton(AF_INET6, s, &rr.u.aaaa) == 1;
		break;
	case MAUTH_DNS_T_PTR:
	case MAUTH_DNS_T_CNAME:
		if ((good = s != NULL))
			rr.u.name = name_value(s);
		break;
	case MAUTH_DNS_T_MX:
		good = v->type == YAML_SEQUENCE_NODE &&
		    v->data.sequence.items.top - v->data.sequence.items.start == 2;
		if (good) {
			const char *pref = scalar(node(doc, v->data.sequence.items.start[0]));
			const char *ex = scalar(node(doc, v->data.sequence.items.start[1]));

			good = pref != NULL && ex != NULL;
			rr.u.mx.preference = (uint16_t)(good ? atoi(pref) : 0);
			rr.u.mx.exchange = name_value(good ? ex : "");
		}
		break;
	default:
		good = false;
		break;
	}
	int rc = -1;
	if (good)
		rc = mauth_dns_mem_add(mem, owner, &rr, error_r);
	else
		*error_r = xasprintf("%s: cannot read a %s record", owner, type);
	mauth_dns_rr_clear(&rr);
	return rc;
}

/* add_owner - every item of one owner's list */
static int
add_owner(struct mauth_dns_mem *mem, struct suite_dns *sd, const char *owner,
    yaml_document_t *doc, yaml_node_t *list, char **error_r)
{
	bool has_txt = false, added = false, timeout = false;
	char *norm = mauth_dns_name_normalise(owner, error_r);

	if (norm == NULL)
		return -1;
	sd->owners = xreallocarray(sd->owners, sd->nowners + 1, sizeof(*sd->owners));
	sd->owners[sd->nowners++] = norm;
	if (list == NULL || list->type != YAML_SEQUENCE_NODE)
		return 0;
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	    it < list->data.sequence.items.top; it++)
		if (map_get(doc, node(doc, *it), "TXT") != NULL)
			has_txt = true;
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	    it < list->data.sequence.items.top; it++) {
		yaml_node_t *item = node(doc, *it);

		if (is_scalar(item, "TIMEOUT")) {
			timeout = true;	/* FORMAT.md rule 3 */
			if (mauth_dns_mem_set_status(mem, owner, 0, MAUTH_DNS_TIMEOUT,
			    error_r) < 0)
				return -1;
			continue;
		}
		if (item == NULL || item->type != YAML_MAPPING_NODE)
			continue;
		for (yaml_node_pair_t *p = item->data.mapping.pairs.start;
		    p < item->data.mapping.pairs.top; p++)
			if (add_rr(mem, owner, doc, scalar(node(doc, p->key)),
			    node(doc, p->value), has_txt, &added, error_r) < 0)
				return -1;
	}
	/* A listed owner exists even when it serves no record (NODATA). */
	if (!added && !timeout)
		return mauth_dns_mem_add_text(mem, owner, MAUTH_DNS_T_SOA, 300,
		    "ns.invalid. hostmaster.invalid. 1 3600 600 86400 300", NULL,
		    error_r);
	return 0;
}

static struct mauth_dns *
suite_resolver(yaml_document_t *doc, yaml_node_t *zone, char **error_r)
{
	struct mauth_dns_mem *mem = mauth_dns_mem_new();
	struct suite_dns *sd = xcalloc(1, sizeof(*sd));

	sd->mem = mauth_dns_mem_resolver(mem, true);
	if (zone != NULL && zone->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = zone->data.mapping.pairs.start;
		    p < zone->data.mapping.pairs.top; p++) {
			const char *owner = scalar(node(doc, p->key));

			if (owner != NULL && add_owner(mem, sd, owner, doc,
			    node(doc, p->value), error_r) < 0) {
				suite_free(sd);
				return NULL;
			}
		}
	}
	return mauth_dns_new(&suite_ops, sd);
}

/* suite_case - fill c from one test mapping */
static void
suite_case(yaml_document_t *doc, const char *scenario, const char *id,
    yaml_node_t *t, struct spf_suite_case *c)
{
	yaml_node_t *r = map_get(doc, t, "result");

	memset(c, 0, sizeof(*c));
	c->scenario = scenario;
	c->id = id;
	c->helo = scalar(map_get(doc, t, "helo"));
	c->host = scalar(map_get(doc, t, "host"));
	c->mailfrom = scalar(map_get(doc, t, "mailfrom"));
	c->explanation = scalar(map_get(doc, t, "explanation"));
	if (r != NULL && r->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = r->data.sequence.items.start;
		    it < r->data.sequence.items.top &&
		    c->nresults < SPF_SUITE_MAX_RESULTS; it++)
			if (scalar(node(doc, *it)) != NULL)
				c->results[c->nresults++] = scalar(node(doc, *it));
	} else if (scalar(r) != NULL) {
		c->results[c->nresults++] = scalar(r);
	}
}

static int
suite_document(yaml_document_t *doc, spf_suite_fn *fn, void *arg, char **error_r)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	const char *scenario = scalar(map_get(doc, root, "description"));
	yaml_node_t *tests = map_get(doc, root, "tests");
	struct mauth_dns *dns = suite_resolver(doc, map_get(doc, root, "zonedata"),
	    error_r);

	if (dns == NULL)
		return -1;
	if (scenario == NULL)
		scenario = "(no description)";
	if (tests != NULL && tests->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = tests->data.mapping.pairs.start;
		    p < tests->data.mapping.pairs.top; p++) {
			struct spf_suite_case c;
			const char *id = scalar(node(doc, p->key));

			suite_case(doc, scenario, id ? id : "?", node(doc, p->value), &c);
			fn(arg, &c, dns);
		}
	}
	mauth_dns_free(&dns);
	return 0;
}

int
spf_suite_run(const char *path, spf_suite_fn *fn, void *arg, char **error_r)
{
	yaml_parser_t parser;
	FILE *fp = fopen(path, "rb");
	int rc = 0;

	if (fp == NULL) {
		*error_r = xasprintf("%s: cannot open", path);
		return -1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	for (;;) {
		yaml_document_t doc;

		if (!yaml_parser_load(&parser, &doc)) {
			*error_r = xasprintf("%s: YAML error at line %zu: %s", path,
			    parser.problem_mark.line + 1,
			    parser.problem ? parser.problem : "?");
			rc = -1;
			break;
		}
		if (yaml_document_get_root_node(&doc) == NULL) {
			yaml_document_delete(&doc);
			break;
		}
		rc = suite_document(&doc, fn, arg, error_r);
		yaml_document_delete(&doc);
		if (rc < 0)
			break;
	}
	yaml_parser_delete(&parser);
	fclose(fp);
	return rc;
}
