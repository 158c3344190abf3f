/*
 * ip.c - IP addresses and CIDR lists
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ip.h"
#include "xmalloc.h"

int
mauth_ip_parse(const char *text, struct mauth_ip *ip_r)
{
	memset(ip_r, 0, sizeof(*ip_r));
	if (inet_pton(AF_INET, text, ip_r->addr) == 1) {
		ip_r->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, ip_r->addr) == 1) {
		ip_r->family = AF_INET6;
		return 0;
	}
	return -1;
}

int
mauth_ip_from_sockaddr(const struct sockaddr *sa, struct mauth_ip *ip_r)
{
	memset(ip_r, 0, sizeof(*ip_r));
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;

		ip_r->family = AF_INET;
		memcpy(ip_r->addr, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;

		ip_r->family = AF_INET6;
		memcpy(ip_r->addr, &sin6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

const char *
mauth_ip_format(const struct mauth_ip *ip, char *buf, size_t size)
{
	if (size == 0)
		return buf;
	if (inet_ntop(ip->family, ip->addr, buf, (socklen_t)size) == NULL)
		buf[0] = '\0';
	return buf;
}

struct mauth_ip
mauth_ip_unmap(const struct mauth_ip *ip)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct mauth_ip v4;

	if (ip->family != AF_INET6 || memcmp(ip->addr, mapped, 12) != 0)
		return *ip;
	memset(&v4, 0, sizeof(v4));
	v4.family = AF_INET;
	memcpy(v4.addr, ip->addr + 12, 4);
	return v4;
}

bool
mauth_ip_prefix_match(const struct mauth_ip *ip, const struct mauth_ip *net,
    unsigned bits)
{
	unsigned max = ip->family == AF_INET ? 32 : 128;

	if (ip->family != net->family)
		return false;
	if (bits > max)
		bits = max;
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(ip->addr, net->addr, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (ip->addr[whole] & mask) == (net->addr[whole] & mask);
}

bool
mauth_ip_equal(const struct mauth_ip *a, const struct mauth_ip *b)
{
	return a->family == b->family &&
	    memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}

/* host_bits_clear - true when no bit beyond the prefix is set */
static bool
host_bits_clear(const struct mauth_ip *ip, unsigned bits)
{
	unsigned max = ip->family == AF_INET ? 32 : 128;

	for (unsigned i = bits; i < max; i++)
		if (ip->addr[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int
mauth_cidr_parse(const char *text, struct mauth_cidr *cidr_r, char **error_r)
{
	char addr[MAUTH_IP_STRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);

	if (alen == 0 || alen >= sizeof(addr)) {
		*error_r = xasprintf("bad network \"%s\": address missing or too long", text);
		return -1;
	}
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (mauth_ip_parse(addr, &cidr_r->net) < 0) {
		*error_r = xasprintf("bad network \"%s\": \"%s\" is not an IP address", text, addr);
		return -1;
	}
	unsigned max = cidr_r->net.family == AF_INET ? 32 : 128;
	cidr_r->bits = max;
	if (slash != NULL) {
		const char *p = slash + 1;
		char *end;

		if (!isdigit((unsigned char)*p)) {
			*error_r = xasprintf("bad network \"%s\": prefix length missing", text);
			return -1;
		}
		errno = 0;
		unsigned long bits = strtoul(p, &end, 10);
		if (*end != '\0' || errno != 0 || bits > max) {
			*error_r = xasprintf("bad network \"%s\": prefix length must be 0..%u", text, max);
			return -1;
		}
		cidr_r->bits = (unsigned)bits;
	}
	if (!host_bits_clear(&cidr_r->net, cidr_r->bits)) {
		*error_r = xasprintf("bad network \"%s\": host bits set beyond /%u", text, cidr_r->bits);
		return -1;
	}
	return 0;
}

int
mauth_cidr_list_parse(const char *text, struct mauth_cidr_list *list_r, char **error_r)
{
	struct mauth_cidr_list list = { NULL, 0 };
	const char *p = text;

	while (*p != '\0') {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		size_t n = strcspn(p, ", \t\r\n");
		char *item = xstrndup(p, n);
		struct mauth_cidr cidr;
		int rc = mauth_cidr_parse(item, &cidr, error_r);

		free(item);
		if (rc < 0) {
			mauth_cidr_list_free(&list);
			return -1;
		}
		list.items = xreallocarray(list.items, list.count + 1, sizeof(*list.items));
		list.items[list.count++] = cidr;
		p += n;
	}
	/*
	 * Nothing but separators: refuse it, as the other list values are
	 * refused; an empty list here would silently replace the default
	 * with "no network" and dump as "not set".
	 */
	if (list.count == 0) {
		*error_r = xasprintf("bad value \"%s\": the list is empty", text);
		return -1;
	}
	*list_r = list;
	return 0;
}

bool
mauth_cidr_list_match(const struct mauth_cidr_list *list, const struct mauth_ip *ip)
{
	struct mauth_ip v4 = mauth_ip_unmap(ip);

	for (size_t i = 0; i < list->count; i++) {
		const struct mauth_cidr *c = &list->items[i];

		if (mauth_ip_prefix_match(ip, &c->net, c->bits) ||
		    mauth_ip_prefix_match(&v4, &c->net, c->bits))
			return true;
	}
	return false;
}

void
mauth_cidr_list_free(struct mauth_cidr_list *list)
{
	free(list->items);
	list->items = NULL;
	list->count = 0;
}
