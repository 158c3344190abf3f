/*
 * snapshot.c - the configuration mauthd works with, swapped whole on reload
 *
 * One mutex guards the pointer to the current snapshot, every reference
 * count, the list of live resolvers and the counters of retired ones.  It
 * is held only for pointer and counter updates: loading a file, building
 * a resolver (libunbound starts a thread) and freeing one (it joins that
 * thread) all happen outside it, so a reload never stalls a session that
 * is connecting or closing.
 *
 * DNS counters must only ever grow (Prometheus counters), yet a resolver
 * goes away when the last snapshot using it does: its counts are then
 * added to the retired totals, and snapshot_dns_totals() adds the live
 * resolvers to those.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "dns_unbound.h"
#include "snapshot.h"
#include "xmalloc.h"

struct snapshot_resolver {
	unsigned refs;			/* snapshots using it */
	char *key;			/* the settings it was built from */
	struct mauth_dns *dns;
	struct snapshot_resolver *next;	/* live list */
};

static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *snap_current;
static struct snapshot_resolver *snap_resolvers;
static struct snapshot_dns_totals snap_retired;

/* ---------------------------------------------------------------- resolver */

/*
 * resolver_key - the DNS settings as one string: equal keys may share a
 * resolver.  The trust anchor file's identity and time stamp are part of
 * it, so a changed anchor under the same name gets a new resolver.
 */
static char *
resolver_key(const struct mauth_conf *conf)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	struct stat st;

	for (char **ns = conf->nameservers; ns != NULL && *ns != NULL; ns++)
		mauth_buf_printf(&b, "%s,", *ns);
	mauth_buf_printf(&b, "|%u|", conf->dns_timeout_ms);
	if (conf->trust_anchor_file != NULL) {
		mauth_buf_puts(&b, conf->trust_anchor_file);
		if (stat(conf->trust_anchor_file, &st) == 0)
			mauth_buf_printf(&b, "|%lu:%lu:%lld:%ld.%09ld",
			    (unsigned long)st.st_dev, (unsigned long)st.st_ino,
			    (long long)st.st_size, (long)st.st_mtim.tv_sec,
			    st.st_mtim.tv_nsec);
	}
	return mauth_buf_steal(&b);
}

static struct mauth_dns *
resolver_build(const struct mauth_conf *conf, char **error_r)
{
	struct mauth_dns_unbound_config cfg = {
		.nameservers = (const char *const *)conf->nameservers,
		.timeout_ms = conf->dns_timeout_ms,
		.trust_anchor_file = conf->trust_anchor_file,
	};

	return mauth_dns_unbound_new(&cfg, error_r);
}

int
snapshot_resolver_check(const struct mauth_conf *conf, char **error_r)
{
	struct mauth_dns *dns = resolver_build(conf, error_r);

	if (dns == NULL)
		return -1;
	mauth_dns_free(&dns);
	return 0;
}

/* resolver_find - a live resolver built from key, with a new reference */
static struct snapshot_resolver *
resolver_find(const char *key)
{
	struct snapshot_resolver *r;

	pthread_mutex_lock(&snap_lock);
	for (r = snap_resolvers; r != NULL; r = r->next) {
		if (strcmp(r->key, key) == 0) {
			r->refs++;
			break;
		}
	}
	pthread_mutex_unlock(&snap_lock);
	return r;
}

/* resolver_get - share a resolver with the same settings, or build one */
static struct snapshot_resolver *
resolver_get(const struct mauth_conf *conf, char **error_r)
{
	char *key = resolver_key(conf);
	struct snapshot_resolver *r = resolver_find(key);
	struct mauth_dns *dns;

	if (r != NULL) {
		free(key);
		return r;
	}
	if ((dns = resolver_build(conf, error_r)) == NULL) {
		free(key);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->refs = 1;
	r->key = key;
	r->dns = dns;
	pthread_mutex_lock(&snap_lock);
	r->next = snap_resolvers;
	snap_resolvers = r;
	pthread_mutex_unlock(&snap_lock);
	return r;
}

/* resolver_unlink - under the lock: the last reference went; retire r */
static void
resolver_unlink(struct snapshot_resolver *r)
{
	struct snapshot_resolver **pp;

	for (pp = &snap_resolvers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	snap_retired.queries += atomic_load(&r->dns->stats.queries);
	snap_retired.cache_hits += atomic_load(&r->dns->stats.cache_hits);
	snap_retired.timeouts += atomic_load(&r->dns->stats.timeouts);
	snap_retired.failures += atomic_load(&r->dns->stats.failures);
}

static void
resolver_free(struct snapshot_resolver *r)
{
	mauth_dns_free(&r->dns);
	free(r->key);
	free(r);
}

/* resolver_put - drop one snapshot's use of r; the last one retires it */
static void
resolver_put(struct snapshot_resolver *r)
{
	bool last;

	pthread_mutex_lock(&snap_lock);
	last = --r->refs == 0;
	if (last)
		resolver_unlink(r);
	pthread_mutex_unlock(&snap_lock);
	if (last)
		resolver_free(r);
}

/* ---------------------------------------------------------------- DKIM */

/*
 * dkim_build - libopendkim for conf with key lookups through dns, and the
 * signing keys: all read and checked here, none per message
 */
static int
dkim_build(const struct mauth_conf *conf, struct mauth_dns *dns,
    struct mauth_dkim **dkim_r, struct mauth_dkim_keys **keys_r, char **error_r)
{
	struct mauth_dkim_options opt;

	*keys_r = NULL;
	mauth_dkim_options_conf(&opt, conf, dns);
	if (mauth_dkim_new(&opt, dkim_r, error_r) < 0)
		return -1;
	if (conf->key_table != NULL &&
	    mauth_dkim_keys_load(conf->key_table, conf->signing_table,
	    conf->multiple_signatures, keys_r, error_r) < 0) {
		mauth_dkim_free(dkim_r);
		return -1;
	}
	return 0;
}

int
snapshot_dkim_check(const struct mauth_conf *conf, char **error_r)
{
	struct mauth_dkim *dkim;
	struct mauth_dkim_keys *keys;

	if (dkim_build(conf, NULL, &dkim, &keys, error_r) < 0)
		return -1;
	mauth_dkim_keys_free(&keys);
	mauth_dkim_free(&dkim);
	return 0;
}

/* ---------------------------------------------------------------- snapshot */

/* psl_load - the list DMARCDiscovery psl needs; NULL (and 0) otherwise */
static int
psl_load(const struct mauth_conf *conf, struct mauth_dmarc_psl **psl_r,
    char **error_r)
{
	*psl_r = NULL;
	if (conf->dmarc_discovery != MAUTH_DMARC_DISCOVERY_PSL)
		return 0;
	*psl_r = mauth_dmarc_psl_load(conf->public_suffix_list, error_r);
	return *psl_r != NULL ? 0 : -1;
}

int
snapshot_psl_check(const struct mauth_conf *conf, char **error_r)
{
	struct mauth_dmarc_psl *psl;

	if (psl_load(conf, &psl, error_r) < 0)
		return -1;
	mauth_dmarc_psl_free(&psl);
	return 0;
}

static struct snapshot *
snapshot_build(struct mauth_conf *conf, unsigned long generation, char **error_r)
{
	struct snapshot *s;
	struct mauth_dkim *dkim;
	struct mauth_dkim_keys *keys;
	struct mauth_dmarc_psl *psl;
	char *error = NULL;
	struct snapshot_resolver *r;

	if (psl_load(conf, &psl, &error) < 0) {
		*error_r = xasprintf("PublicSuffixList: %s", error);
		free(error);
		mauth_conf_free(&conf);
		return NULL;
	}
	if ((r = resolver_get(conf, &error)) == NULL) {
		*error_r = xasprintf("resolver: %s", error);
		free(error);
		mauth_dmarc_psl_free(&psl);
		mauth_conf_free(&conf);
		return NULL;
	}
	if (dkim_build(conf, r->dns, &dkim, &keys, &error) < 0) {
		*error_r = xasprintf("DKIM: %s", error);
		free(error);
		resolver_put(r);
		mauth_dmarc_psl_free(&psl);
		mauth_conf_free(&conf);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->dkim = dkim;
	s->keys = keys;
	s->ictx.dkim = dkim;
	s->sctx.dkim = dkim;
	s->sctx.keys = keys;
	s->refs = 1;
	s->generation = generation;
	s->conf = conf;
	s->resolver = r;
	s->dns = r->dns;
	s->psl = psl;
	s->ictx.dns = s->dns;
	s->ictx.authserv_id = conf->authserv_id;
	s->ictx.spf.receiver = conf->authserv_id;
	s->ictx.on_temperror = conf->on_temperror;
	mauth_inbound_dmarc_conf_init(&s->ictx.dmarc, conf, psl);
	return s;
}

int
snapshot_start(struct mauth_conf *conf, char **error_r)
{
	struct snapshot *s = snapshot_build(conf, 1, error_r);

	if (s == NULL)
		return -1;
	pthread_mutex_lock(&snap_lock);
	snap_current = s;
	pthread_mutex_unlock(&snap_lock);
	return 0;
}

static bool
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* restart_keys - the keys that changed but take effect only on restart */
static char *
restart_keys(const struct mauth_conf *old, const struct mauth_conf *new)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	if (str_differs(old->socket, new->socket))
		mauth_buf_puts(&b, ", Socket");
	if (old->socket_mode != new->socket_mode)
		mauth_buf_puts(&b, ", SocketMode");
	if (str_differs(old->user_id, new->user_id))
		mauth_buf_puts(&b, ", UserID");
	if (str_differs(old->pid_file, new->pid_file))
		mauth_buf_puts(&b, ", PidFile");
	if (old->syslog != new->syslog)
		mauth_buf_puts(&b, ", Syslog");
	if (str_differs(old->metrics_socket, new->metrics_socket))
		mauth_buf_puts(&b, ", MetricsSocket");
	/* the report writer (report.c) is started once, for the process */
	if (str_differs(old->report_store, new->report_store))
		mauth_buf_puts(&b, ", ReportStore");
	if (str_differs(old->report_spool, new->report_spool))
		mauth_buf_puts(&b, ", ReportSpool");
	if (old->report_wait_ms != new->report_wait_ms)
		mauth_buf_puts(&b, ", ReportWait");
	if (b.len == 0) {
		mauth_buf_free(&b);
		return NULL;
	}
	char *list = xstrdup(mauth_buf_cstr(&b) + 2);

	mauth_buf_free(&b);
	return list;
}

int
snapshot_reload(const char *path, char **restart_r, char **error_r)
{
	struct mauth_conf *conf = NULL;
	struct snapshot *old, *replaced, *s;

	*restart_r = NULL;
	if (mauth_conf_load(path, &conf, error_r) < 0)
		return -1;
	old = snapshot_get();
	if ((s = snapshot_build(conf, old->generation + 1, error_r)) == NULL) {
		snapshot_put(&old);
		return -1;
	}
	*restart_r = restart_keys(old->conf, s->conf);
	pthread_mutex_lock(&snap_lock);
	replaced = snap_current;
	snap_current = s;	/* takes over the build's reference */
	pthread_mutex_unlock(&snap_lock);
	snapshot_put(&replaced);	/* the one snap_current held */
	snapshot_put(&old);		/* ours from snapshot_get */
	return 0;
}

struct snapshot *
snapshot_get(void)
{
	struct snapshot *s;

	pthread_mutex_lock(&snap_lock);
	s = snap_current;
	if (s != NULL)
		s->refs++;
	pthread_mutex_unlock(&snap_lock);
	return s;
}

void
snapshot_put(struct snapshot **sp)
{
	struct snapshot *s = *sp;
	struct snapshot_resolver *r = NULL;
	bool last;

	if (s == NULL)
		return;
	*sp = NULL;
	pthread_mutex_lock(&snap_lock);
	last = --s->refs == 0;
	if (last && --s->resolver->refs == 0) {
		r = s->resolver;
		resolver_unlink(r);
	}
	pthread_mutex_unlock(&snap_lock);
	if (!last)
		return;
	/* DKIM looks keys up through the resolver: it goes first */
	mauth_dkim_keys_free(&s->keys);
	mauth_dkim_free(&s->dkim);
	if (r != NULL)
		resolver_free(r);
	mauth_dmarc_psl_free(&s->psl);
	mauth_conf_free(&s->conf);
	free(s);
}

void
snapshot_dns_totals(struct snapshot_dns_totals *t)
{
	pthread_mutex_lock(&snap_lock);
	*t = snap_retired;
	t->resolvers = 0;
	for (struct snapshot_resolver *r = snap_resolvers; r != NULL; r = r->next) {
		t->queries += atomic_load(&r->dns->stats.queries);
		t->cache_hits += atomic_load(&r->dns->stats.cache_hits);
		t->timeouts += atomic_load(&r->dns->stats.timeouts);
		t->failures += atomic_load(&r->dns->stats.failures);
		t->resolvers++;
	}
	pthread_mutex_unlock(&snap_lock);
}
