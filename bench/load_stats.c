/*
 * load_stats.c - latency percentiles for the load drivers
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "load_stats.h"
#include "xmalloc.h"

double
load_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The value at rank ceil(p/100 * n) of the sorted v[0..n). */
static double
percentile(const double *v, size_t n, double p)
{
	size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);

	if (rank < 1)
		rank = 1;
	return v[(rank > n ? n : rank) - 1];
}

void
load_latency_sum(const double *lat, size_t n, struct load_latency *out)
{
	double *v = xcalloc(n ? n : 1, sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (lat[i] >= 0)
			v[k++] = lat[i];
	qsort(v, k, sizeof(*v), cmp_double);
	out->count = k;
	out->p50_ms = k ? percentile(v, k, 50) : 0;
	out->p99_ms = k ? percentile(v, k, 99) : 0;
	out->max_ms = k ? v[k - 1] : 0;
	free(v);
}
