/*
 * smtp-load.c - SMTP load client for bench/run: N sessions, M messages
 *
 * Each of N threads opens an SMTP session to the server, optionally
 * starting with a PROXY protocol v1 line (haproxy's text header) so that
 * Postfix (smtpd_upstream_proxy_protocol = haproxy) and its milters see a
 * client address that is not loopback: SPF and DMARC then do real work.
 * Then EHLO and several transactions (MAIL, RCPT, DATA, the message, ".")
 * and QUIT, until M messages were sent in all.  No pipelining, as
 * smtp-source does by default.  Latency of a message runs from MAIL to the
 * reply to ".".  A session's setup runs from connect() to the reply to
 * EHLO, its end from QUIT to the reply to it.
 *
 * Output: one "key=value ..." summary line on stdout, the same keys as
 * milter-load (accept counts 2xx replies, tempfail 4xx, reject 5xx), then
 * setup_p50_ms, setup_p99_ms and quit_p50_ms, quit_p99_ms per session.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"
#include "load_msg.h"
#include "load_stats.h"
#include "xmalloc.h"

#define MAX_ERRORS_SHOWN	5

struct wire_msg {
	char *data;		/* dot-stuffed, ending in CRLF.CRLF */
	size_t len;
};

static struct {
	const char *host, *port;
	unsigned conns, total, per_conn;
	int timeout_s;
	bool proxy;
	const char **addrs;
	size_t naddrs;
	const char *helo, *mail_from, *rcpt_to;
	struct wire_msg *msgs;
	size_t nmsgs;
} opts;

static struct {
	atomic_uint next_msg, next_conn;
	atomic_uint accept, tempfail, reject, errors;
	double *latency_ms;
	atomic_uint sessions;		/* setup_ms and quit_ms entries used */
	unsigned max_sessions;
	double *setup_ms, *quit_ms;
} stats;

struct session {
	int fd;
	char buf[8192];
	size_t len;		/* bytes in buf */
	const char *addr;
	unsigned slot;		/* its entry in stats.setup_ms, quit_ms */
};

static void
report_error(const char *fmt, const char *arg)
{
	unsigned n = atomic_fetch_add(&stats.errors, 1);

	if (n < MAX_ERRORS_SHOWN) {
		fprintf(stderr, "smtp-load: ");
		fprintf(stderr, fmt, arg);
		fputc('\n', stderr);
	}
}

/* The message as sent after DATA (RFC 5321 section 4.5.2 dot-stuffing). */
static struct wire_msg
to_wire(const struct load_msg *m)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	for (size_t i = 0; i < m->nhdr; i++) {
		mauth_buf_printf(&b, "%s:", m->hdr[i].name);
		for (const char *v = m->hdr[i].value; *v; v++) {
			if (*v == '\n')
				mauth_buf_putc(&b, '\r');
			mauth_buf_putc(&b, *v);
		}
		mauth_buf_puts(&b, "\r\n");
	}
	mauth_buf_puts(&b, "\r\n");
	for (size_t off = 0; off < m->body_len;) {
		const char *line = m->body + off;
		const char *lf = memchr(line, '\n', m->body_len - off);
		size_t l = lf ? (size_t)(lf - line) + 1 : m->body_len - off;
		if (*line == '.')
			mauth_buf_putc(&b, '.');
		mauth_buf_append(&b, line, l);
		off += l;
	}
	mauth_buf_puts(&b, ".\r\n");
	struct wire_msg w = { .len = b.len };
	w.data = mauth_buf_steal(&b);
	return w;
}

static int
send_all(struct session *s, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(s->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read one (possibly multi-line) reply; returns its code, or -1 on EOF,
 * timeout or a line that is not a reply.
 */
static int
get_reply(struct session *s)
{
	for (;;) {
		char *lf = memchr(s->buf, '\n', s->len);
		if (lf != NULL) {
			size_t l = (size_t)(lf - s->buf) + 1;
			int code = -1;
			bool last = l >= 4 && s->buf[3] != '-';
			if (l >= 4 && s->buf[0] >= '2' && s->buf[0] <= '5')
				code = atoi(s->buf);
			memmove(s->buf, s->buf + l, s->len - l);
			s->len -= l;
			if (code < 0 || last)
				return code;
			continue;
		}
		if (s->len == sizeof(s->buf))
			return -1;	/* a line longer than any SMTP reply */
		ssize_t n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s->len += (size_t)n;
	}
}

/* Send a command line and read the reply code (-1: connection failed). */
static int
command(struct session *s, const char *fmt, const char *arg)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), fmt, arg);

	if (n < 0 || (size_t)n >= sizeof(line) || send_all(s, line, (size_t)n) < 0)
		return -1;
	return get_reply(s);
}

static int
open_session(struct session *s)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	unsigned n = atomic_fetch_add(&stats.next_conn, 1);
	struct timeval tv = { opts.timeout_s, 0 };
	double t0 = load_now_ms();

	s->len = 0;
	s->addr = opts.addrs[n % opts.naddrs];
	if (getaddrinfo(opts.host, opts.port, &hints, &res) != 0)
		return report_error("cannot resolve %s", opts.host), -1;
	s->fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || connect(s->fd, res->ai_addr, res->ai_addrlen) < 0) {
		freeaddrinfo(res);
		report_error("connect: %s", strerror(errno));
		if (s->fd >= 0)
			close(s->fd);
		return -1;
	}
	freeaddrinfo(res);
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (opts.proxy) {
		char line[256];
		int l = snprintf(line, sizeof(line), "PROXY %s %s %s %u %s\r\n",
		    strchr(s->addr, ':') ? "TCP6" : "TCP4", s->addr,
		    strchr(s->addr, ':') ? "::1" : "127.0.0.1",
		    40000 + n % 20000, opts.port);
		if (send_all(s, line, (size_t)l) < 0)
			goto fail;
	}
	if (get_reply(s) != 220 || command(s, "EHLO %s\r\n", opts.helo) != 250)
		goto fail;
	s->slot = atomic_fetch_add(&stats.sessions, 1);
	if (s->slot < stats.max_sessions)
		stats.setup_ms[s->slot] = load_now_ms() - t0;
	return 0;
fail:
	report_error("session setup failed (client %s)", s->addr);
	close(s->fd);
	return -1;
}

/* One transaction; returns the reply code to ".", or -1 (connection lost). */
static int
send_message(struct session *s, unsigned msgno)
{
	const struct wire_msg *w = &opts.msgs[msgno % opts.nmsgs];
	int code;

	if ((code = command(s, "MAIL FROM:<%s>\r\n", opts.mail_from)) != 250 ||
	    (code = command(s, "RCPT TO:<%s>\r\n", opts.rcpt_to)) != 250 ||
	    (code = command(s, "DATA\r\n", "")) != 354) {
		if (code > 0 && command(s, "RSET\r\n", "") != 250)
			return -1;
		return code;
	}
	if (send_all(s, w->data, w->len) < 0)
		return -1;
	return get_reply(s);
}

static void *
worker(void *arg)
{
	struct session s;

	(void)arg;
	while (atomic_load(&stats.next_msg) < opts.total) {
		bool ok = open_session(&s) == 0;
		for (unsigned sent = 0; sent < opts.per_conn; sent++) {
			unsigned msgno = atomic_fetch_add(&stats.next_msg, 1);
			if (msgno >= opts.total)
				break;
			if (!ok)
				continue;	/* counted once, for the session */
			double t0 = load_now_ms();
			int code = send_message(&s, msgno);
			if (code < 0) {
				report_error("connection lost (client %s)", s.addr);
				ok = false;
				close(s.fd);
				continue;
			}
			stats.latency_ms[msgno] = load_now_ms() - t0;
			atomic_fetch_add(code < 300 ? &stats.accept :
			    code < 500 ? &stats.tempfail : &stats.reject, 1);
		}
		if (ok) {
			double t0 = load_now_ms();
			(void)command(&s, "QUIT\r\n", "");
			if (s.slot < stats.max_sessions)
				stats.quit_ms[s.slot] = load_now_ms() - t0;
			close(s.fd);
		}
	}
	return NULL;
}

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: smtp-load -s HOST:PORT [-P] [-c sessions] [-n msgs]\n"
	    "         [-m msgs-per-session] [-f file]... [-S 4k|64k|mix|BYTES]\n"
	    "         [-a client-addr]... [-F mail-from] [-R rcpt-to] [-e helo]\n"
	    "         [-t timeout-s]\n"
	    "  -P  start each session with a PROXY v1 line naming -a's address\n");
	exit(status);
}

static unsigned
count_arg(const char *s, char opt, unsigned min)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > 100000000) {
		fprintf(stderr, "smtp-load: -%c %s: expected a number >= %u\n",
		    opt, s, min);
		exit(2);
	}
	return (unsigned)v;
}

static void
add_msg(struct load_msg *m)
{
	opts.msgs = xreallocarray(opts.msgs, opts.nmsgs + 1, sizeof(*opts.msgs));
	opts.msgs[opts.nmsgs++] = to_wire(m);
	load_msg_free(&m);
}

int
main(int argc, char **argv)
{
	const char *size = "4k", *server = NULL;
	int ch;

	opts.conns = 1, opts.total = 100, opts.per_conn = 10, opts.timeout_s = 60;
	opts.helo = "mail.sender.example", opts.mail_from = "sender@sender.example";
	opts.rcpt_to = "rcpt@bench.test";
	while ((ch = getopt(argc, argv, "a:c:e:f:F:hm:n:PR:s:S:t:")) != -1) {
		switch (ch) {
		case 'a':
			opts.addrs = xreallocarray(opts.addrs, opts.naddrs + 1,
			    sizeof(*opts.addrs));
			opts.addrs[opts.naddrs++] = optarg;
			break;
		case 'c': opts.conns = count_arg(optarg, 'c', 1); break;
		case 'e': opts.helo = optarg; break;
		case 'f': {
			struct load_msg *m;
			char *error;
			if (load_msg_read(optarg, &m, &error) < 0) {
				fprintf(stderr, "smtp-load: %s\n", error);
				exit(2);
			}
			add_msg(m);
			break;
		}
		case 'F': opts.mail_from = optarg; break;
		case 'h': usage(0); break;
		case 'm': opts.per_conn = count_arg(optarg, 'm', 1); break;
		case 'n': opts.total = count_arg(optarg, 'n', 1); break;
		case 'P': opts.proxy = true; break;
		case 'R': opts.rcpt_to = optarg; break;
		case 's': server = optarg; break;
		case 'S': size = optarg; break;
		case 't': opts.timeout_s = (int)count_arg(optarg, 't', 1); break;
		default: usage(2);
		}
	}
	const char *colon = server ? strrchr(server, ':') : NULL;
	if (colon == NULL || optind != argc)
		usage(2);
	opts.host = xstrndup(server, (size_t)(colon - server));
	opts.port = colon + 1;
	if (opts.naddrs == 0) {
		static const char *def_addr[] = { "192.0.2.10" };
		opts.addrs = def_addr;
		opts.naddrs = 1;
	}
	if (opts.nmsgs == 0) {
		bool mix = strcmp(size, "mix") == 0;
		size_t n = strcmp(size, "64k") == 0 ? 65536 : strcmp(size, "4k") == 0 ||
		    mix ? 4096 : count_arg(size, 'S', 512);
		for (unsigned i = 0; i < (mix ? 5u : 1u); i++)
			add_msg(load_msg_generate(mix && i == 4 ? 65536 : n,
			    opts.mail_from, opts.rcpt_to, i));
	}

	stats.latency_ms = xcalloc(opts.total, sizeof(*stats.latency_ms));
	for (unsigned i = 0; i < opts.total; i++)
		stats.latency_ms[i] = -1;
	/* every session but the last of each thread sends per_conn messages */
	stats.max_sessions = opts.total / opts.per_conn + opts.conns + 1;
	stats.setup_ms = xcalloc(stats.max_sessions, sizeof(*stats.setup_ms));
	stats.quit_ms = xcalloc(stats.max_sessions, sizeof(*stats.quit_ms));
	for (unsigned i = 0; i < stats.max_sessions; i++)
		stats.setup_ms[i] = stats.quit_ms[i] = -1;
	pthread_t *tids = xcalloc(opts.conns, sizeof(*tids));
	double t0 = load_now_ms();
	for (unsigned i = 0; i < opts.conns; i++)
		if (pthread_create(&tids[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "smtp-load: cannot start thread %u\n", i);
			exit(1);
		}
	for (unsigned i = 0; i < opts.conns; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	double secs = (load_now_ms() - t0) / 1e3;
	struct load_latency l, su, qu;
	load_latency_sum(stats.latency_ms, opts.total, &l);
	load_latency_sum(stats.setup_ms, stats.max_sessions, &su);
	load_latency_sum(stats.quit_ms, stats.max_sessions, &qu);
	printf("msgs=%u done=%zu secs=%.3f rate=%.1f p50_ms=%.3f p99_ms=%.3f"
	    " max_ms=%.3f accept=%u reject=%u tempfail=%u errors=%u"
	    " setup_p50_ms=%.3f setup_p99_ms=%.3f quit_p50_ms=%.3f"
	    " quit_p99_ms=%.3f\n",
	    opts.total, l.count, secs, secs > 0 ? (double)stats.accept / secs : 0,
	    l.p50_ms, l.p99_ms, l.max_ms, stats.accept, stats.reject,
	    stats.tempfail, stats.errors, su.p50_ms, su.p99_ms, qu.p50_ms,
	    qu.p99_ms);
	return stats.errors > 0 ? 1 : 0;
}
