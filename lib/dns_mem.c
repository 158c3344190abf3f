/*
 * dns_mem.c - in-memory DNS backend: a hash of owner names
 *
 * Each node is one normalised owner name with its records and injected
 * statuses.  A node "exists" in the DNS sense when it has records (or an
 * SOA) or when a name below it does: adding an owner also creates its
 * ancestors as empty non-terminals, which answer NODATA, not NXDOMAIN
 * (RFC 8020).  Wildcards are synthesised at the closest encloser as
 * RFC 4592 section 3.3.1 describes; CNAMEs are followed as RFC 1034
 * section 4.3.2 step 3a does, up to MEM_CNAME_MAX links.
 *
 * Nodes made only to carry an injected status do not exist in that sense:
 * injected statuses stand for a server's behaviour, not for data.
 *
 * Ownership: the table owns its nodes; lookups copy records into the
 * answer.  The table is written by one thread, then only read.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns_mem.h"
#include "dns_rdata.h"
#include "xmalloc.h"

#define MEM_CNAME_MAX 16	/* links followed before answering SERVFAIL */
#define MEM_TXT_TTL 300		/* TTL of records added by mauth_dns_mem_add_txt */

struct mem_status {
	uint16_t type;		/* 0: any type the node has no record of */
	enum mauth_dns_status status;
};

struct mem_node {
	char *name;		/* normalised: lower case, no trailing dot */
	struct mauth_dns_rr *rr;
	size_t nrr;
	struct mem_status *st;
	size_t nst;
	bool exists;		/* has data, or a descendant has */
	struct mem_node *next;	/* hash chain */
};

struct mauth_dns_mem {
	struct mem_node **bucket;
	size_t nbucket;		/* a power of two */
	size_t nnode;
};

/* mem_hash - FNV-1a over the normalised name */
static size_t
mem_hash(const char *name)
{
	uint64_t h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

struct mauth_dns_mem *
mauth_dns_mem_new(void)
{
	struct mauth_dns_mem *mem = xcalloc(1, sizeof(*mem));

	mem->nbucket = 64;
	mem->bucket = xcalloc(mem->nbucket, sizeof(*mem->bucket));
	return mem;
}

void
mauth_dns_mem_free(struct mauth_dns_mem **memp)
{
	struct mauth_dns_mem *mem = *memp;

	if (mem == NULL)
		return;
	for (size_t i = 0; i < mem->nbucket; i++) {
		struct mem_node *n, *next;

		for (n = mem->bucket[i]; n != NULL; n = next) {
			next = n->next;
			for (size_t j = 0; j < n->nrr; j++)
				mauth_dns_rr_clear(&n->rr[j]);
			free(n->rr);
			free(n->st);
			free(n->name);
			free(n);
		}
	}
	free(mem->bucket);
	free(mem);
	*memp = NULL;
}

static struct mem_node *
mem_find(const struct mauth_dns_mem *mem, const char *name)
{
	struct mem_node *n = mem->bucket[mem_hash(name) & (mem->nbucket - 1)];

	while (n != NULL && strcmp(n->name, name) != 0)
		n = n->next;
	return n;
}

static void
mem_grow(struct mauth_dns_mem *mem)
{
	size_t nbucket = mem->nbucket * 2;
	struct mem_node **bucket = xcalloc(nbucket, sizeof(*bucket));

	for (size_t i = 0; i < mem->nbucket; i++) {
		struct mem_node *n, *next;

		for (n = mem->bucket[i]; n != NULL; n = next) {
			size_t h = mem_hash(n->name) & (nbucket - 1);

			next = n->next;
			n->next = bucket[h];
			bucket[h] = n;
		}
	}
	free(mem->bucket);
	mem->bucket = bucket;
	mem->nbucket = nbucket;
}

/* mem_get - the node of a normalised name, created when missing */
static struct mem_node *
mem_get(struct mauth_dns_mem *mem, const char *name)
{
	struct mem_node *n = mem_find(mem, name);

	if (n != NULL)
		return n;
	if (mem->nnode >= mem->nbucket)
		mem_grow(mem);
	size_t h = mem_hash(name) & (mem->nbucket - 1);
	n = xcalloc(1, sizeof(*n));
	n->name = xstrdup(name);
	n->next = mem->bucket[h];
	mem->bucket[h] = n;
	mem->nnode++;
	return n;
}

/*
 * mem_touch - make a normalised name and all its ancestors exist: the
 * ancestors as empty non-terminals (RFC 8020), up to and with the root's
 * children (the table is authoritative for everything it holds).
 */
static struct mem_node *
mem_touch(struct mauth_dns_mem *mem, const char *name)
{
	struct mem_node *node = mem_get(mem, name);

	node->exists = true;
	for (const char *p = strchr(name, '.'); p != NULL; p = strchr(p + 1, '.')) {
		struct mem_node *up = mem_get(mem, p + 1);

		if (up->exists)
			break;
		up->exists = true;
	}
	return node;
}

static bool
mem_has_type(const struct mem_node *n, uint16_t type)
{
	for (size_t i = 0; i < n->nrr; i++)
		if (n->rr[i].type == type)
			return true;
	return false;
}

int
mauth_dns_mem_add(struct mauth_dns_mem *mem, const char *owner,
    const struct mauth_dns_rr *rr, char **error_r)
{
	char *name = mauth_dns_name_normalise(owner, error_r);

	if (name == NULL)
		return -1;
	if (mauth_dns_type_name(rr->type) == NULL || rr->type == MAUTH_DNS_T_SOA) {
		*error_r = xasprintf("%s: record type %u cannot be added", name,
		    rr->type);
		free(name);
		return -1;
	}
	struct mem_node *n = mem_find(mem, name);
	/* RFC 2181 section 10.1: a CNAME owner has no other data. */
	if (n != NULL && (mem_has_type(n, MAUTH_DNS_T_CNAME) ||
	    (rr->type == MAUTH_DNS_T_CNAME && n->nrr > 0))) {
		*error_r = xasprintf("%s: a CNAME and other data at one owner", name);
		free(name);
		return -1;
	}
	n = mem_touch(mem, name);
	free(name);
	n->rr = xreallocarray(n->rr, n->nrr + 1, sizeof(*n->rr));
	mauth_dns_rr_copy(&n->rr[n->nrr++], rr);
	return 0;
}

int
mauth_dns_mem_add_text(struct mauth_dns_mem *mem, const char *owner,
    uint16_t type, uint32_t ttl, const char *rdata, const char *origin,
    char **error_r)
{
	struct mauth_dns_rr rr;
	char *norigin = NULL;
	int rc = -1;

	memset(&rr, 0, sizeof(rr));
	rr.type = type;
	rr.ttl = ttl;
	if (origin != NULL && strcmp(origin, ".") != 0 && *origin != '\0') {
		norigin = mauth_dns_name_normalise(origin, error_r);
		if (norigin == NULL)
			return -1;
	} else {
		norigin = xstrdup("");	/* NULL: names are absolute */
	}
	if (mauth_dns_rdata_parse(&rr, rdata, norigin, error_r) < 0)
		goto out;
	/* SOA is kept out of answers; the owner exists all the same. */
	if (type == MAUTH_DNS_T_SOA)
		rc = mauth_dns_mem_add_name(mem, owner, error_r);
	else
		rc = mauth_dns_mem_add(mem, owner, &rr, error_r);
out:
	mauth_dns_rr_clear(&rr);
	free(norigin);
	return rc;
}

int
mauth_dns_mem_add_name(struct mauth_dns_mem *mem, const char *owner,
    char **error_r)
{
	char *name = mauth_dns_name_normalise(owner, error_r);

	if (name == NULL)
		return -1;
	mem_touch(mem, name);
	free(name);
	return 0;
}

int
mauth_dns_mem_add_txt(struct mauth_dns_mem *mem, const char *owner,
    const char *const *strings, size_t n, char **error_r)
{
	struct mauth_dns_rr rr;
	size_t len = 0;

	if (n == 0) {
		*error_r = xasprintf("%s: TXT needs at least one string", owner);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(strings[i]);

		if (l > 255) {
			*error_r = xasprintf("%s: TXT character-string of %zu octets "
			    "(limit 255)", owner, l);
			return -1;
		}
		len += l;
	}
	memset(&rr, 0, sizeof(rr));
	rr.type = MAUTH_DNS_T_TXT;
	rr.ttl = MEM_TXT_TTL;
	rr.u.txt.len = len;
	rr.u.txt.data = xmalloc(len + 1);
	len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(strings[i]);

		memcpy(rr.u.txt.data + len, strings[i], l);
		len += l;
	}
	rr.u.txt.data[len] = '\0';
	int rc = mauth_dns_mem_add(mem, owner, &rr, error_r);
	mauth_dns_rr_clear(&rr);
	return rc;
}

int
mauth_dns_mem_set_status(struct mauth_dns_mem *mem, const char *owner,
    uint16_t type, enum mauth_dns_status status, char **error_r)
{
	char *name = mauth_dns_name_normalise(owner, error_r);

	if (name == NULL)
		return -1;
	struct mem_node *n = status == MAUTH_DNS_OK ? mem_find(mem, name) :
	    mem_get(mem, name);
	free(name);
	if (n == NULL)
		return 0;
	for (size_t i = 0; i < n->nst; i++) {
		if (n->st[i].type != type)
			continue;
		if (status == MAUTH_DNS_OK)
			n->st[i] = n->st[--n->nst];
		else
			n->st[i].status = status;
		return 0;
	}
	if (status == MAUTH_DNS_OK)
		return 0;
	n->st = xreallocarray(n->st, n->nst + 1, sizeof(*n->st));
	n->st[n->nst].type = type;
	n->st[n->nst].status = status;
	n->nst++;
	return 0;
}

/* mem_status - the status injected for exactly (node, type), or OK */
static enum mauth_dns_status
mem_status(const struct mem_node *n, uint16_t type)
{
	for (size_t i = 0; n != NULL && i < n->nst; i++)
		if (n->st[i].type == type)
			return n->st[i].status;
	return MAUTH_DNS_OK;
}

/*
 * mem_wildcard - RFC 4592 section 3.3.1: find the closest encloser of
 * name (its longest existing ancestor) and the wildcard "*.<encloser>";
 * NULL when that wildcard does not exist.
 */
static const struct mem_node *
mem_wildcard(const struct mauth_dns_mem *mem, const char *name)
{
	for (const char *p = strchr(name, '.'); ; p = strchr(p + 1, '.')) {
		const char *encloser = p == NULL ? "" : p + 1;
		const struct mem_node *n = *encloser ? mem_find(mem, encloser) : NULL;

		if (*encloser != '\0' && (n == NULL || !n->exists))
			continue;
		char *wild = *encloser ? xasprintf("*.%s", encloser) : xstrdup("*");
		const struct mem_node *w = mem_find(mem, wild);

		free(wild);
		return w != NULL && w->exists ? w : NULL;
	}
}

/* mem_answer - copy the node's records of type into ans */
static void
mem_answer(const struct mem_node *n, uint16_t type, struct mauth_dns_answer *ans)
{
	for (size_t i = 0; i < n->nrr; i++)
		if (n->rr[i].type == type)
			mauth_dns_rr_copy(mauth_dns_answer_add(ans, type), &n->rr[i]);
}

static const struct mauth_dns_rr *
mem_cname(const struct mem_node *n)
{
	for (size_t i = 0; i < n->nrr; i++)
		if (n->rr[i].type == MAUTH_DNS_T_CNAME)
			return &n->rr[i];
	return NULL;
}

/*
 * mem_step - answer (name, type) at one owner without following a CNAME;
 * MAUTH_DNS_OK with *cname_r set means "go on at that target".
 */
static enum mauth_dns_status
mem_step(const struct mauth_dns_mem *mem, const char *name, uint16_t type,
    struct mauth_dns_answer *ans, const struct mauth_dns_rr **cname_r)
{
	const struct mem_node *exact = mem_find(mem, name), *n = exact;
	enum mauth_dns_status st;

	*cname_r = NULL;
	if ((st = mem_status(exact, type)) != MAUTH_DNS_OK)
		return st;
	if (exact == NULL || !exact->exists) {
		if ((st = mem_status(exact, 0)) != MAUTH_DNS_OK)
			return st;
		if ((n = mem_wildcard(mem, name)) == NULL)
			return MAUTH_DNS_NXDOMAIN;
		if ((st = mem_status(n, type)) != MAUTH_DNS_OK)
			return st;
	}
	if (type != MAUTH_DNS_T_CNAME && (*cname_r = mem_cname(n)) != NULL)
		return MAUTH_DNS_OK;
	mem_answer(n, type, ans);
	if (ans->count > 0)
		return MAUTH_DNS_OK;
	if ((st = mem_status(n, 0)) != MAUTH_DNS_OK)
		return st;
	return MAUTH_DNS_NODATA;
}

static enum mauth_dns_status
mem_lookup(void *backend, const char *qname, uint16_t type,
    struct mauth_dns_answer *ans)
{
	const struct mauth_dns_mem *mem = backend;
	char *seen[MEM_CNAME_MAX + 1];
	size_t nseen = 0;
	const struct mauth_dns_rr *cname;
	enum mauth_dns_status st;
	char *error = NULL;

	seen[nseen++] = xstrdup(qname);
	for (;;) {
		const char *name = seen[nseen - 1];

		st = mem_step(mem, name, type, ans, &cname);
		if (cname == NULL)
			break;
		char *next = mauth_dns_name_normalise(cname->u.name, &error);
		if (next == NULL) {
			ans->why = xasprintf("CNAME at %s: %s", name, error);
			st = MAUTH_DNS_SERVFAIL;
			break;
		}
		bool loop = false;
		for (size_t i = 0; i < nseen; i++)
			loop = loop || strcmp(seen[i], next) == 0;
		if (loop || nseen > MEM_CNAME_MAX) {
			ans->why = loop ? xasprintf("CNAME loop at %s", name) :
			    xasprintf("CNAME chain longer than %d links at %s",
			    MEM_CNAME_MAX, name);
			free(next);
			st = MAUTH_DNS_SERVFAIL;
			break;
		}
		seen[nseen++] = next;
	}
	if (nseen > 1)
		ans->canonname = xstrdup(seen[nseen - 1]);
	if (st != MAUTH_DNS_OK && st != MAUTH_DNS_NODATA && ans->why == NULL &&
	    st != MAUTH_DNS_NXDOMAIN)
		ans->why = xasprintf("status injected for %s", seen[nseen - 1]);
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(error);
	return st;
}

static void
mem_backend_free(void *backend)
{
	struct mauth_dns_mem *mem = backend;

	mauth_dns_mem_free(&mem);
}

static const struct mauth_dns_ops mem_ops = {
	.name = "memory",
	.lookup = mem_lookup,
	.free = mem_backend_free,
};

static const struct mauth_dns_ops mem_ops_borrowed = {
	.name = "memory",
	.lookup = mem_lookup,
	.free = NULL,
};

struct mauth_dns *
mauth_dns_mem_resolver(struct mauth_dns_mem *mem, bool owns)
{
	return mauth_dns_new(owns ? &mem_ops : &mem_ops_borrowed, mem);
}
