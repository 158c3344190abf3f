/*
 * metrics.h - mauthd's counters and latency histograms (Prometheus)
 *
 * One struct metrics lives in the daemon object for the life of the
 * process; every milter thread updates it with atomic operations (no
 * lock on the message path).  metrics_render() writes the Prometheus text
 * exposition format (version 0.0.4) that metrics_http.c serves on
 * MetricsSocket.
 *
 * Adding a verification method (DKIM, DMARC, ARC, a DMARC disposition)
 * is one line of METRICS_METHODS below: its name, the number of results
 * and the function that names a result.  Adding a latency phase is one
 * line of METRICS_PHASES.
 */
#ifndef MAUTHD_METRICS_H
#define MAUTHD_METRICS_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "dmarc_eval.h"
#include "dkim.h"
#include "spf.h"

struct mauth_buf;

/*
 * X(CONST, "label", number of results, result naming function): the
 * results are 0 .. number-1, and the function (taking the result as an
 * int-compatible enum) gives each its RFC 8601 name.
 */
#define METRICS_METHODS(X) \
	X(SPF, "spf", MAUTH_SPF_PERMERROR + 1, mauth_spf_result_name) \
	X(DKIM, "dkim", MAUTH_DKIM_PERMERROR + 1, mauth_dkim_result_name) \
	X(DMARC, "dmarc", MAUTH_DMARC_RESULT_PERMERROR + 1, mauth_dmarc_result_name)

/* X(CONST, "label", "help text") */
#define METRICS_PHASES(X) \
	X(CONNECT_EOM, "connect_to_eom", \
	    "from the connection's start (or the previous message's end) " \
	    "to the end of end-of-message processing") \
	X(EOM, "eom", "end-of-message processing in mauthd") \
	X(SPF, "spf", "SPF evaluation at MAIL FROM (DNS included)")

/* METRICS_M_SPF, ... and METRICS_P_SPF, ... */
#define METRICS_M_ENUM(c, ...)	METRICS_M_##c,
#define METRICS_P_ENUM(c, ...)	METRICS_P_##c,
enum metrics_method { METRICS_METHODS(METRICS_M_ENUM) METRICS_NMETHODS };
enum metrics_phase_id { METRICS_PHASES(METRICS_P_ENUM) METRICS_NPHASES };
#undef METRICS_M_ENUM
#undef METRICS_P_ENUM

/* Actions mauthd tells the MTA, as the per-message log line spells them */
enum metrics_action {
	METRICS_ACCEPT = 0,
	METRICS_QUARANTINE,
	METRICS_TEMPFAIL,
	METRICS_REJECT,
	METRICS_NACTIONS
};

#define METRICS_MAX_RESULTS	16	/* per method */
#define METRICS_NBUCKETS	15	/* histogram upper bounds, +Inf excluded */

struct metrics_histogram {
	atomic_ulong bucket[METRICS_NBUCKETS + 1];	/* per bound; last: +Inf */
	atomic_ullong sum_ns;
};

struct metrics {
	time_t start_time;
	atomic_ulong connections;		/* sessions started */
	atomic_long connections_open;		/* sessions not yet closed */
	atomic_ulong messages_inbound;		/* evaluated (end of message) */
	atomic_ulong messages_internal;		/* InternalHosts / local: not evaluated */
	atomic_ulong aborted;			/* transactions the MTA aborted */
	atomic_ulong verdicts[METRICS_NMETHODS][METRICS_MAX_RESULTS];
	atomic_ulong actions[METRICS_NACTIONS];
	atomic_ulong reloads_ok, reloads_failed;
	atomic_ulong generation;		/* configuration in force */
	atomic_llong reload_time;		/* last successful (re)load, epoch s */
	struct metrics_histogram phases[METRICS_NPHASES];
};

/* metrics_init - zero everything; start time now; generation 1 */
void metrics_init(struct metrics *m);

/* metrics_now - a monotonic clock in nanoseconds, for phase timings */
uint64_t metrics_now(void);

/* metrics_verdict - one result of a method (out-of-range results ignored) */
void metrics_verdict(struct metrics *m, enum metrics_method method, int result);

/* metrics_action - one action by its log word ("accept", "reject", ...) */
void metrics_action(struct metrics *m, const char *action);

/* metrics_phase - one duration; ns is a difference of metrics_now() values */
void metrics_phase(struct metrics *m, enum metrics_phase_id phase, uint64_t ns);

/* metrics_reload - count a reload; ok: generation is the new one in force */
void metrics_reload(struct metrics *m, int ok, unsigned long generation);

/*
 * metrics_render - append the Prometheus text format of every metric to
 * out, DNS counters included (snapshot_dns_totals).
 */
void metrics_render(struct metrics *m, struct mauth_buf *out);

#endif
