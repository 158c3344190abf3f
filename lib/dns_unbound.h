/*
 * dns_unbound.h - libunbound backend: one context and cache for all threads
 *
 * One ub_ctx serves every milter thread, so the cache is shared: a sender
 * seen once costs no further queries while its records live.  Queries are
 * asynchronous underneath so that each lookup can be bounded by the
 * configured timeout (libunbound's synchronous call has no time limit); a
 * lookup that runs out of time is cancelled and answers MAUTH_DNS_TIMEOUT.
 */
#ifndef MAUTH_DNS_UNBOUND_H
#define MAUTH_DNS_UNBOUND_H

#include "dns.h"

struct mauth_dns_unbound_config {
	/*
	 * Forwarders "ADDR" or "ADDR@PORT" (IPv4 or IPv6), NULL-terminated.
	 * NULL or empty: the system resolver (resolv_conf).  Loopback
	 * forwarders are allowed (unbound refuses them by default).
	 */
	const char *const *nameservers;
	const char *resolv_conf;	/* NULL: /etc/resolv.conf */
	unsigned timeout_ms;		/* per lookup; 0: 5000 */
	const char *trust_anchor_file;	/* NULL: no DNSSEC validation status */
};

/* mauth_dns_unbound_new - NULL with *error_r when libunbound refuses a setting */
struct mauth_dns *mauth_dns_unbound_new(const struct mauth_dns_unbound_config *cfg,
    char **error_r);

#endif
