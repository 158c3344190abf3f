/*
 * snapshot.h - the configuration mauthd works with, swapped whole on reload
 *
 * A snapshot is everything a milter session needs that comes from the
 * configuration: the loaded struct mauth_conf, the resolver built from its
 * DNS keys, DKIM (libopendkim set up, and every KeyTable key read, parsed
 * and checked against the SigningTable), the Public Suffix List when DMARC
 * uses it, and the per-transaction context (lib/inbound.h) and signing
 * context (sign.h) that point into them.  A
 * reload reads the keys again (as UserID: they must be readable by it);
 * a key that fails keeps the snapshot in force.  It is built
 * completely before anyone sees it and never changed afterwards, so
 * sessions read it without locks.
 *
 * Lifetime: reference counted.  snapshot_get() hands out the current one
 * with a reference; a session takes it when the MTA connects and drops it
 * (snapshot_put) when the connection closes, so a reload never changes
 * the rules under a message in flight.  SIGHUP builds a new snapshot
 * (snapshot_reload); only when that fully succeeds does it replace the
 * current one, under a lock, and the old one is freed by whoever drops its
 * last reference.  A snapshot whose DNS keys (Nameservers, DNSTimeout,
 * TrustAnchorFile and that file's contents) did not change shares the
 * previous resolver, so a reload keeps the DNS cache.
 */
#ifndef MAUTHD_SNAPSHOT_H
#define MAUTHD_SNAPSHOT_H

#include "conf.h"
#include "dmarc_discover.h"
#include "dkim.h"
#include "dns.h"
#include "inbound.h"
#include "sign.h"

struct snapshot_resolver;

struct snapshot {
	unsigned long generation;	/* 1 at start, +1 per successful reload */
	struct mauth_conf *conf;
	struct mauth_dns *dns;		/* == resolver's; shared, see above */
	struct mauth_dkim *dkim;	/* verifying and signing (points into conf) */
	struct mauth_dkim_keys *keys;	/* KeyTable + SigningTable; NULL: no signing */
	struct mauth_dmarc_psl *psl;	/* DMARCDiscovery psl: loaded once per snapshot */
	struct mauth_inbound_ctx ictx;	/* points into conf, dns, dkim and psl */
	struct sign_ctx sctx;		/* points to dkim and keys */

	/* private to snapshot.c */
	unsigned refs;
	struct snapshot_resolver *resolver;
};

/* DNS counters of every resolver mauthd has had (struct mauth_dns_stats) */
struct snapshot_dns_totals {
	unsigned long queries, timeouts, failures, cache_hits;
	unsigned resolvers;		/* alive now: 1, more while old sessions finish */
};

/*
 * snapshot_resolver_check - build and free a resolver for conf, so that
 * mauthd -n also asks libunbound what only it can judge (forwarders, the
 * trust anchor's contents).  0, or -1 with *error_r (caller frees).
 */
int snapshot_resolver_check(const struct mauth_conf *conf, char **error_r);

/*
 * snapshot_dkim_check - set up DKIM and load the KeyTable and SigningTable
 * of conf as a snapshot would, then free them: mauthd -n refuses what
 * start-up would refuse (a key file others can read, a SigningTable entry
 * naming no key), with the same message.  0, or -1 with *error_r.
 */
int snapshot_dkim_check(const struct mauth_conf *conf, char **error_r);

/*
 * snapshot_psl_check - with DMARCDiscovery psl, load and free the Public
 * Suffix List conf names (mauthd -n).  0, or -1 with *error_r.
 */
int snapshot_psl_check(const struct mauth_conf *conf, char **error_r);

/*
 * snapshot_start - the first snapshot from an already loaded conf (the
 * snapshot owns it from now on); builds the resolver.  Start the
 * resolver after any fork (its thread would not survive one).  0, or -1
 * with *error_r; on failure conf is freed.
 */
int snapshot_start(struct mauth_conf *conf, char **error_r);

/*
 * snapshot_reload - load path into a new snapshot and make it current.
 * On any failure the current snapshot stays and -1 comes back with
 * *error_r (caller frees).  Keys that only a restart can apply (Socket,
 * SocketMode, UserID, PidFile, Syslog, MetricsSocket, ReportStore,
 * ReportSpool, ReportWait) are listed in
 * *restart_r (a malloc'd ", "-separated list, or NULL when none changed);
 * their new values are in the snapshot but have no effect.
 */
int snapshot_reload(const char *path, char **restart_r, char **error_r);

/* snapshot_get - the current snapshot with one more reference (never NULL after start) */
struct snapshot *snapshot_get(void);

/* snapshot_put - drop a reference; the last one frees; sets *snap to NULL */
void snapshot_put(struct snapshot **snap);

/* snapshot_dns_totals - counters of every resolver, old ones included */
void snapshot_dns_totals(struct snapshot_dns_totals *totals_r);

#endif
