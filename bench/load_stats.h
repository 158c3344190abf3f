/*
 * load_stats.h - latency percentiles for the load drivers (milter-load,
 * smtp-load): each message's latency is stored at its message number; a
 * negative value means the message got no result (error) and is left out.
 */
#ifndef MAUTH_BENCH_LOAD_STATS_H
#define MAUTH_BENCH_LOAD_STATS_H

#include <stddef.h>

struct load_latency {
	size_t count;		/* messages with a result */
	double p50_ms, p99_ms, max_ms;
};

/* load_latency_sum - percentiles (nearest rank) of lat[0..n) that are >= 0 */
void load_latency_sum(const double *lat, size_t n, struct load_latency *out);
/* load_now_ms - a monotonic clock in milliseconds */
double load_now_ms(void);

#endif
