/*
 * ip.h - IP addresses and CIDR lists (client addresses, SPF ip4/ip6,
 * InternalHosts)
 *
 * struct mauth_ip is a plain value: copy it freely.  An IPv4-mapped IPv6
 * address (::ffff:a.b.c.d) is kept as given by mauth_ip_parse(); callers
 * that must treat it as IPv4 (RFC 7208 section 5, SPF) call mauth_ip_unmap().
 */
#ifndef MAUTH_IP_H
#define MAUTH_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define MAUTH_IP_STRLEN 46	/* INET6_ADDRSTRLEN */

struct mauth_ip {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order; AF_INET uses addr[0..3] */
};

/* mauth_ip_parse - parse dotted-quad or RFC 4291 text; 0 or -1 */
int mauth_ip_parse(const char *text, struct mauth_ip *ip_r);
/* mauth_ip_from_sockaddr - 0, or -1 for a family that is not IP */
int mauth_ip_from_sockaddr(const struct sockaddr *sa, struct mauth_ip *ip_r);
/* mauth_ip_format - text form into buf (at least MAUTH_IP_STRLEN bytes) */
const char *mauth_ip_format(const struct mauth_ip *ip, char *buf, size_t size);
/* mauth_ip_unmap - IPv4-mapped IPv6 becomes IPv4; anything else unchanged */
struct mauth_ip mauth_ip_unmap(const struct mauth_ip *ip);
/* mauth_ip_prefix_match - are the first bits of ip and net equal? (same family) */
bool mauth_ip_prefix_match(const struct mauth_ip *ip, const struct mauth_ip *net,
    unsigned bits);
bool mauth_ip_equal(const struct mauth_ip *a, const struct mauth_ip *b);

struct mauth_cidr {
	struct mauth_ip net;
	unsigned bits;
};

/* A list of networks, e.g. InternalHosts.  Owned by the caller. */
struct mauth_cidr_list {
	struct mauth_cidr *items;
	size_t count;
};

/*
 * mauth_cidr_parse - "192.0.2.0/24", "2001:db8::/32", or a bare address
 * (a host route).  Host bits set beyond the prefix are an error, since they
 * usually mean a typo.  Returns 0, or -1 with *error_r set (static text or
 * text owned by nothing: it is built with xasprintf and must be freed).
 */
int mauth_cidr_parse(const char *text, struct mauth_cidr *cidr_r, char **error_r);
/*
 * mauth_cidr_list_parse - comma- or space-separated list of the above, at
 * least one
 */
int mauth_cidr_list_parse(const char *text, struct mauth_cidr_list *list_r,
    char **error_r);
/* mauth_cidr_list_match - IPv4-mapped clients match IPv4 entries too */
bool mauth_cidr_list_match(const struct mauth_cidr_list *list,
    const struct mauth_ip *ip);
void mauth_cidr_list_free(struct mauth_cidr_list *list);

#endif
