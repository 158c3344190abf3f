/*
 * metrics.c - mauthd's counters and latency histograms (Prometheus)
 *
 * Every update is one relaxed atomic add: a scrape may see one counter a
 * message ahead of another, which Prometheus tolerates; it never sees a
 * counter go down.  Histogram buckets are stored per bucket and summed
 * into Prometheus' cumulative "le" form when rendered, and _count is that
 * same sum, so the buckets and the count of one scrape always agree.
 *
 * Exposition format: Prometheus text format 0.0.4 (HELP and TYPE lines,
 * label values quoted; ours need no escaping: they come from fixed
 * tables).  Not exported: DNS cache hits (libunbound gives no statistics
 * for a ub_ctx), report-queue depth and spool size (no report store yet).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "metrics.h"
#include "report.h"
#include "report_writer.h"
#include "snapshot.h"

#define RELAXED	memory_order_relaxed

/* ---------------------------------------------------------------- tables */

/* one wrapper per method, so each naming function is called with its own type */
#define METRICS_NAMER(c, label, n, fn) \
	static const char *metrics_name_##c(int r) { return fn(r); }
METRICS_METHODS(METRICS_NAMER)
#undef METRICS_NAMER

static const struct {
	const char *label;
	int nresults;
	const char *(*name)(int);
} methods[METRICS_NMETHODS] = {
#define METRICS_ROW(c, label, n, fn)	[METRICS_M_##c] = { label, n, metrics_name_##c },
	METRICS_METHODS(METRICS_ROW)
#undef METRICS_ROW
};

/* every method fits the counter array */
#define METRICS_FITS(c, label, n, fn) \
	_Static_assert((n) <= METRICS_MAX_RESULTS, label ": too many results");
METRICS_METHODS(METRICS_FITS)
#undef METRICS_FITS

static const struct {
	const char *label;
	const char *help;
} phases[METRICS_NPHASES] = {
#define METRICS_ROW(c, label, help)	[METRICS_P_##c] = { label, help },
	METRICS_PHASES(METRICS_ROW)
#undef METRICS_ROW
};

static const char *const actions[METRICS_NACTIONS] = {
	[METRICS_ACCEPT] = "accept",
	[METRICS_QUARANTINE] = "quarantine",
	[METRICS_TEMPFAIL] = "tempfail",
	[METRICS_REJECT] = "reject",
};

/* Upper bounds in seconds (as printed) and in nanoseconds */
static const char *const bucket_le[METRICS_NBUCKETS] = {
	"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
	"0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30",
};
static const uint64_t bucket_ns[METRICS_NBUCKETS] = {
	500000, 1000000, 2500000, 5000000, 10000000, 25000000, 50000000,
	100000000, 250000000, 500000000, 1000000000, 2500000000,
	5000000000, 10000000000, 30000000000,
};

/* ---------------------------------------------------------------- updates */

void
metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));	/* all-zero is a valid atomic zero here */
	m->start_time = time(NULL);
	atomic_store(&m->generation, 1);
	atomic_store(&m->reload_time, (long long)m->start_time);
}

uint64_t
metrics_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
metrics_verdict(struct metrics *m, enum metrics_method method, int result)
{
	if (method < METRICS_NMETHODS && result >= 0 &&
	    result < methods[method].nresults)
		atomic_fetch_add_explicit(&m->verdicts[method][result], 1, RELAXED);
}

void
metrics_action(struct metrics *m, const char *action)
{
	for (int i = 0; i < METRICS_NACTIONS; i++) {
		if (strcmp(actions[i], action) == 0) {
			atomic_fetch_add_explicit(&m->actions[i], 1, RELAXED);
			return;
		}
	}
}

void
metrics_phase(struct metrics *m, enum metrics_phase_id phase, uint64_t ns)
{
	struct metrics_histogram *h;
	int i = 0;

	if (phase >= METRICS_NPHASES)
		return;
	h = &m->phases[phase];
	while (i < METRICS_NBUCKETS && ns > bucket_ns[i])
		i++;
	atomic_fetch_add_explicit(&h->bucket[i], 1, RELAXED);
	atomic_fetch_add_explicit(&h->sum_ns, ns, RELAXED);
}

void
metrics_reload(struct metrics *m, int ok, unsigned long generation)
{
	if (!ok) {
		atomic_fetch_add(&m->reloads_failed, 1);
		return;
	}
	atomic_fetch_add(&m->reloads_ok, 1);
	atomic_store(&m->generation, generation);
	atomic_store(&m->reload_time, (long long)time(NULL));
}

/* ---------------------------------------------------------------- render */

static void
family(struct mauth_buf *out, const char *name, const char *type, const char *help)
{
	mauth_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

#define LOAD(x)	atomic_load_explicit(&(x), RELAXED)

static void
render_daemon(struct metrics *m, struct mauth_buf *out)
{
	family(out, "mauth_build_info", "gauge", "mauthd's version, as a label.");
	mauth_buf_printf(out, "mauth_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	family(out, "mauth_start_time_seconds", "gauge",
	    "When mauthd started, seconds since the Unix epoch.");
	mauth_buf_printf(out, "mauth_start_time_seconds %lld\n", (long long)m->start_time);
	family(out, "mauth_config_generation", "gauge",
	    "Configuration in force: 1 at start, one more per successful reload.");
	mauth_buf_printf(out, "mauth_config_generation %lu\n", LOAD(m->generation));
	family(out, "mauth_config_reloads_total", "counter",
	    "Reloads (SIGHUP) by result; a failed one keeps the configuration in force.");
	mauth_buf_printf(out, "mauth_config_reloads_total{result=\"ok\"} %lu\n",
	    LOAD(m->reloads_ok));
	mauth_buf_printf(out, "mauth_config_reloads_total{result=\"failed\"} %lu\n",
	    LOAD(m->reloads_failed));
	family(out, "mauth_config_last_reload_success_timestamp_seconds", "gauge",
	    "When the configuration in force was loaded, seconds since the Unix epoch.");
	mauth_buf_printf(out, "mauth_config_last_reload_success_timestamp_seconds %lld\n",
	    (long long)LOAD(m->reload_time));
}

static void
render_mail(struct metrics *m, struct mauth_buf *out)
{
	family(out, "mauth_connections_total", "counter", "MTA connections (SMTP sessions).");
	mauth_buf_printf(out, "mauth_connections_total %lu\n", LOAD(m->connections));
	family(out, "mauth_connections_open", "gauge", "MTA connections not yet closed.");
	mauth_buf_printf(out, "mauth_connections_open %ld\n", LOAD(m->connections_open));
	family(out, "mauth_messages_total", "counter",
	    "Messages at end of data: inbound (evaluated) or internal (InternalHosts, local).");
	mauth_buf_printf(out, "mauth_messages_total{class=\"inbound\"} %lu\n",
	    LOAD(m->messages_inbound));
	mauth_buf_printf(out, "mauth_messages_total{class=\"internal\"} %lu\n",
	    LOAD(m->messages_internal));
	family(out, "mauth_messages_aborted_total", "counter",
	    "Transactions the MTA aborted before end of data.");
	mauth_buf_printf(out, "mauth_messages_aborted_total %lu\n", LOAD(m->aborted));
	family(out, "mauth_verdicts_total", "counter",
	    "Results of inbound messages by method (RFC 8601 names).");
	for (int i = 0; i < METRICS_NMETHODS; i++)
		for (int r = 0; r < methods[i].nresults; r++)
			mauth_buf_printf(out,
			    "mauth_verdicts_total{method=\"%s\",result=\"%s\"} %lu\n",
			    methods[i].label, methods[i].name(r), LOAD(m->verdicts[i][r]));
	family(out, "mauth_actions_total", "counter",
	    "What mauthd told the MTA to do with each message.");
	for (int i = 0; i < METRICS_NACTIONS; i++)
		mauth_buf_printf(out, "mauth_actions_total{action=\"%s\"} %lu\n",
		    actions[i], LOAD(m->actions[i]));
}

static void
render_dns(struct mauth_buf *out)
{
	struct snapshot_dns_totals t;

	snapshot_dns_totals(&t);
	family(out, "mauth_dns_queries_total", "counter", "DNS lookups asked of the resolver.");
	mauth_buf_printf(out, "mauth_dns_queries_total %lu\n", t.queries);
	family(out, "mauth_dns_cache_hits_total", "counter",
	    "DNS lookups answered from mauthd's own cache (part of mauth_dns_queries_total).");
	mauth_buf_printf(out, "mauth_dns_cache_hits_total %lu\n", t.cache_hits);
	family(out, "mauth_dns_timeouts_total", "counter",
	    "DNS lookups that ran out of DNSTimeout.");
	mauth_buf_printf(out, "mauth_dns_timeouts_total %lu\n", t.timeouts);
	family(out, "mauth_dns_failures_total", "counter",
	    "DNS lookups that failed (SERVFAIL, DNSSEC bogus, network or resolver error).");
	mauth_buf_printf(out, "mauth_dns_failures_total %lu\n", t.failures);
	family(out, "mauth_dns_resolvers", "gauge",
	    "Resolvers alive: 1, more while sessions of an older configuration finish.");
	mauth_buf_printf(out, "mauth_dns_resolvers %u\n", t.resolvers);
}

/* render_report - the report row writer (report.c), when rows are recorded */
static void
render_report(struct mauth_buf *out)
{
	struct mauth_report_writer_stats st;

	if (!report_stats(&st))
		return;
	family(out, "mauth_report_rows_total", "counter",
	    "DMARC report rows by where they went: stored (committed from the "
	    "queue), spooled (store down or slower than ReportWait), replayed "
	    "(from the spool into the store), lost (neither; the message was "
	    "not accepted).");
	mauth_buf_printf(out, "mauth_report_rows_total{result=\"stored\"} %lu\n",
	    st.committed);
	mauth_buf_printf(out, "mauth_report_rows_total{result=\"spooled\"} %lu\n",
	    st.spooled + st.spooled_waiting);
	mauth_buf_printf(out, "mauth_report_rows_total{result=\"replayed\"} %lu\n",
	    st.replayed);
	mauth_buf_printf(out, "mauth_report_rows_total{result=\"lost\"} %lu\n", st.lost);
	family(out, "mauth_report_commits_total", "counter",
	    "Store transactions of queued rows (rows of concurrent messages share one).");
	mauth_buf_printf(out, "mauth_report_commits_total %lu\n", st.batches);
	family(out, "mauth_report_queue_rows", "gauge", "Rows waiting for the writer.");
	mauth_buf_printf(out, "mauth_report_queue_rows %lu\n", st.queued);
	family(out, "mauth_report_store_up", "gauge",
	    "1 while the report store takes rows, 0 while they go to the spool.");
	mauth_buf_printf(out, "mauth_report_store_up %d\n", st.store_up ? 1 : 0);
}

static void
render_phases(struct metrics *m, struct mauth_buf *out)
{
	mauth_buf_puts(out, "# HELP mauth_phase_duration_seconds Time spent per message in a phase:");
	for (int i = 0; i < METRICS_NPHASES; i++)
		mauth_buf_printf(out, "%s %s: %s", i ? ";" : "", phases[i].label, phases[i].help);
	mauth_buf_puts(out, ".\n# TYPE mauth_phase_duration_seconds histogram\n");
	for (int i = 0; i < METRICS_NPHASES; i++) {
		struct metrics_histogram *h = &m->phases[i];
		unsigned long cum = 0;
		unsigned long long sum = LOAD(h->sum_ns);

		for (int b = 0; b <= METRICS_NBUCKETS; b++) {
			cum += LOAD(h->bucket[b]);
			mauth_buf_printf(out,
			    "mauth_phase_duration_seconds_bucket{phase=\"%s\",le=\"%s\"} %lu\n",
			    phases[i].label, b < METRICS_NBUCKETS ? bucket_le[b] : "+Inf", cum);
		}
		mauth_buf_printf(out, "mauth_phase_duration_seconds_sum{phase=\"%s\"} %llu.%09llu\n",
		    phases[i].label, sum / 1000000000u, sum % 1000000000u);
		mauth_buf_printf(out, "mauth_phase_duration_seconds_count{phase=\"%s\"} %lu\n",
		    phases[i].label, cum);
	}
}

void
metrics_render(struct metrics *m, struct mauth_buf *out)
{
	render_daemon(m, out);
	render_mail(m, out);
	render_dns(out);
	render_report(out);
	render_phases(m, out);
}
