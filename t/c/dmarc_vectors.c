/*
 * dmarc_vectors.c - read the DMARC test vectors (see dmarc_vectors.h)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmarc_vectors.h"
#include "tap.h"

struct vec {
	yaml_document_t doc;
};

struct vec *
vec_load(const char *rel)
{
	const char *path = tap_path(rel);
	FILE *f = fopen(path, "rb");
	yaml_parser_t parser;
	struct vec *v = calloc(1, sizeof(*v));

	if (f == NULL || v == NULL) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &v->doc) ||
	    yaml_document_get_root_node(&v->doc) == NULL) {
		printf("Bail out! %s: YAML error: %s (line %zu)\n", path,
		    parser.problem ? parser.problem : "empty document",
		    parser.problem_mark.line + 1);
		exit(1);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return v;
}

void
vec_free(struct vec **v)
{
	if (*v == NULL)
		return;
	yaml_document_delete(&(*v)->doc);
	free(*v);
	*v = NULL;
}

yaml_node_t *
vec_get(struct vec *v, yaml_node_t *map, const char *key)
{
	if (map == NULL)
		map = yaml_document_get_root_node(&v->doc);
	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&v->doc, p->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(&v->doc, p->value);
	}
	return NULL;
}

yaml_node_t *
vec_cases(struct vec *v, const char *section)
{
	yaml_node_t *s = vec_get(v, NULL, section);
	yaml_node_t *c = s != NULL ? vec_get(v, s, "cases") : NULL;

	if (c == NULL || c->type != YAML_SEQUENCE_NODE) {
		printf("Bail out! vectors: no %s.cases sequence\n", section);
		exit(1);
	}
	return c;
}

size_t
vec_len(const yaml_node_t *seq)
{
	return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *
vec_item(struct vec *v, const yaml_node_t *seq, size_t i)
{
	return yaml_document_get_node(&v->doc, seq->data.sequence.items.start[i]);
}

const char *
vec_str(struct vec *v, yaml_node_t *map, const char *key)
{
	yaml_node_t *n = vec_get(v, map, key);

	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}
