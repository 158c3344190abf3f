/*
 * dmarc_vectors.h - read ../vectors/dmarc/opendmarc/cases.yml (libyaml)
 *
 * The file is a mapping of sections, each with a "cases" sequence of
 * mappings of scalars.  These helpers walk it with libyaml's document
 * API; a missing file or key ends the test with a failure, not a skip,
 * because the vectors are part of the tree.
 */
#ifndef MAUTH_T_DMARC_VECTORS_H
#define MAUTH_T_DMARC_VECTORS_H

#include <stddef.h>
#include <yaml.h>

struct vec;

/* vec_load - the vectors file (srcdir-relative path); exits on error */
struct vec *vec_load(const char *rel);
void vec_free(struct vec **v);

/* vec_section - the "cases" sequence of a top-level section */
yaml_node_t *vec_cases(struct vec *v, const char *section);
/* vec_node - a top-level section or a key of a mapping node; NULL if absent */
yaml_node_t *vec_get(struct vec *v, yaml_node_t *map, const char *key);
size_t vec_len(const yaml_node_t *seq);
yaml_node_t *vec_item(struct vec *v, const yaml_node_t *seq, size_t i);
/* vec_str - a scalar value of map (NULL when absent or not a scalar) */
const char *vec_str(struct vec *v, yaml_node_t *map, const char *key);

#endif
