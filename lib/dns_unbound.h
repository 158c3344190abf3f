/*
 * dns_unbound.h - libunbound backend: one context and cache for all threads
 *
 * One ub_ctx serves every milter thread, so the cache is shared: a sender
 * seen once costs no further queries while its records live.  Queries are
 * asynchronous underneath so that each lookup can be bounded by the
 * configured timeout (libunbound's synchronous call has no time limit); a
 * lookup that runs out of time is cancelled and answers MAUTH_DNS_TIMEOUT.
 *
 * libunbound always forwards here (to the configured nameservers or those
 * of resolv.conf), so it does not answer private (RFC 1918, RFC 6303) or
 * documentation (RFC 5737, RFC 3849) reverse zones itself with NXDOMAIN as
 * a recursive unbound would: the forwarder answers them.
 *
 * The backend runs a thread of its own: create it after any fork().
 * A forwarder that is down is found by libunbound's own retries: once it
 * has been reached before, lookups answer SERVFAIL after about 3 s; a
 * forwarder never reached takes libunbound some 17 s to give up on, so
 * lookups to it answer TIMEOUT when the time limit is shorter.
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

/*
 * mauth_dns_unbound_new - a resolver; NULL with *error_r when libunbound
 * refuses a setting: a forwarder that is not "ADDR" or "ADDR@PORT", an
 * unreadable resolv.conf or trust anchor file, or a trust anchor it cannot
 * parse (checked here, not at the first lookup).  Nothing is sent yet.
 */
struct mauth_dns *mauth_dns_unbound_new(const struct mauth_dns_unbound_config *cfg,
    char **error_r);

#endif
