/*
 * metrics_http.h - serve the metrics over HTTP on MetricsSocket
 */
#ifndef MAUTHD_METRICS_HTTP_H
#define MAUTHD_METRICS_HTTP_H

#include "metrics.h"

/*
 * metrics_http_open - bind and listen on spec (inet:PORT@ADDR or
 * inet6:PORT@ADDR; no ADDR: every address).  Before the privilege drop,
 * so a port below 1024 works.  The listening descriptor, or -1 with
 * *error_r (caller frees).
 */
int metrics_http_open(const char *spec, char **error_r);

/*
 * metrics_http_start - a thread that answers "GET /metrics" on fd with
 * metrics_render(m) until the process ends.  0, or -1 with *error_r.
 */
int metrics_http_start(int fd, struct metrics *m, char **error_r);

#endif
