/*
 * dmarc_uri.h - the rua= and ruf= URI lists of DMARC records (RFC 9989
 * 4.6, 4.8; RFC 7489 6.4 for the "!size" suffix)
 *
 * Ownership: a list returned by _parse or _dup belongs to the caller (in
 * practice a struct mauth_dmarc_record) and is released with
 * mauth_dmarc_uri_list_free(); every string in it is its own.
 */
#ifndef MAUTH_DMARC_URI_H
#define MAUTH_DMARC_URI_H

#include <stdbool.h>
#include <stddef.h>

#include "dmarc_record.h"

struct mauth_buf;

/*
 * mauth_dmarc_uri_list_parse - the ","-separated URIs of value (the tag
 * named tag, for warnings), at most MAUTH_DMARC_MAX_URIS; keep_size keeps
 * a "!size" suffix as max_size (RFC 7489 mode).  Unusable URIs are left
 * out and "; "-appended to warnings.  Returns how many are in *list_r
 * (always allocated).
 */
size_t mauth_dmarc_uri_list_parse(const char *tag, const char *value,
    bool keep_size, struct mauth_dmarc_uri **list_r, struct mauth_buf *warnings);

/* mauth_dmarc_uri_list_dup - a deep copy of n URIs */
struct mauth_dmarc_uri *mauth_dmarc_uri_list_dup(const struct mauth_dmarc_uri *src,
    size_t n);

/* mauth_dmarc_uri_list_free - free n URIs and the array (NULL is fine) */
void mauth_dmarc_uri_list_free(struct mauth_dmarc_uri *u, size_t n);

#endif
