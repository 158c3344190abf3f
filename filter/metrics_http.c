/*
 * metrics_http.c - serve the metrics over HTTP on MetricsSocket
 *
 * A Prometheus scrape is one short GET every few seconds, so one thread
 * answers one request per connection, in turn, and closes (HTTP/1.1 with
 * "Connection: close", RFC 9112 section 9.6).  Each connection gets 5
 * seconds to send its request and take the answer; a client that stalls
 * delays the next scrape by that much, never a mail session: the milter
 * threads only ever touch the atomic counters.
 *
 * Answers: GET or HEAD of /metrics: 200 with the text format (0.0.4);
 * GET of /: 200 with a pointer to /metrics; any other path 404; any other
 * method 405; a request line that is not HTTP 400.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "metrics_http.h"
#include "xmalloc.h"

#define HTTP_REQUEST_MAX	8192
#define HTTP_TIMEOUT_S		5

struct metrics_http {
	int fd;
	struct metrics *metrics;
};

int
metrics_http_open(const char *spec, char **error_r)
{
	struct mauth_conf_socket sock;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL;
	char port[16];
	int fd = -1, one = 1, rc;

	if (mauth_conf_socket_parse(spec, &sock, error_r) < 0)
		return -1;
	hints.ai_family = sock.kind == MAUTH_CONF_SOCKET_INET6 ? AF_INET6 : AF_INET;
	snprintf(port, sizeof(port), "%u", sock.port);
	if ((rc = getaddrinfo(sock.addr, port, &hints, &res)) != 0) {
		*error_r = xasprintf("MetricsSocket %s: %s", spec, gai_strerror(rc));
		goto out;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 16) < 0) {
		*error_r = xasprintf("cannot listen on MetricsSocket %s: %s", spec,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
		goto out;
	}
	log_info("metrics on %s (http://.../metrics)", spec);
out:
	if (res != NULL)
		freeaddrinfo(res);
	mauth_conf_socket_clear(&sock);
	return fd;
}

/* http_read_request - up to the end of the header section; its length or -1 */
static ssize_t
http_read_request(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL)
			return (ssize_t)len;
	}
	return -1;
}

static void
http_write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

static void
http_respond(int fd, const char *status, const char *type, const char *body,
    size_t len, int head)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	mauth_buf_printf(&b, "HTTP/1.1 %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, type, len);
	if (!head)
		mauth_buf_append(&b, body, len);
	http_write_all(fd, b.data, b.len);
	mauth_buf_free(&b);
}

/* http_serve - answer one connection */
static void
http_serve(struct metrics_http *h, int fd)
{
	static const char text[] = "text/plain; charset=utf-8";
	char req[HTTP_REQUEST_MAX], method[16], path[256], version[16];
	struct timeval tv = { .tv_sec = HTTP_TIMEOUT_S };
	struct mauth_buf body = MAUTH_BUF_INIT;
	int head;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (http_read_request(fd, req, sizeof(req)) < 0)
		return;
	if (sscanf(req, "%15s %255s %15s", method, path, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0) {
		http_respond(fd, "400 Bad Request", text, "bad request\n", 12, 0);
		return;
	}
	head = strcmp(method, "HEAD") == 0;
	if (strcmp(method, "GET") != 0 && !head) {
		http_respond(fd, "405 Method Not Allowed", text, "GET only\n", 9, 0);
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		metrics_render(h->metrics, &body);
		http_respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8",
		    body.data, body.len, head);
		mauth_buf_free(&body);
	} else if (strcmp(path, "/") == 0) {
		http_respond(fd, "200 OK", text, "mauthd: see /metrics\n", 21, head);
	} else {
		http_respond(fd, "404 Not Found", text, "not found: try /metrics\n", 24, head);
	}
}

static void *
http_thread(void *arg)
{
	struct metrics_http *h = arg;

	for (;;) {
		int fd = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN) {
				log_warn("metrics: accept: %s", strerror(errno));
				sleep(1);	/* e.g. EMFILE: do not spin */
			}
			continue;
		}
		http_serve(h, fd);
		close(fd);
	}
	return NULL;
}

int
metrics_http_start(int fd, struct metrics *m, char **error_r)
{
	struct metrics_http *h = xcalloc(1, sizeof(*h));
	pthread_t tid;
	int rc;

	h->fd = fd;
	h->metrics = m;
	if ((rc = pthread_create(&tid, NULL, http_thread, h)) != 0) {
		*error_r = xasprintf("cannot start the metrics thread: %s", strerror(rc));
		free(h);
		return -1;
	}
	pthread_detach(tid);
	return 0;
}
