/*
 * report_send.c - SMTP client (RFC 5321, STARTTLS RFC 3207, AUTH PLAIN
 * RFC 4954/4616) and sendmail pipe for report e-mails
 *
 * The socket is blocking with SO_RCVTIMEO/SO_SNDTIMEO, so every read and
 * write (TLS records included) gives up after timeout_ms; connect() is
 * bounded the same way with poll().
 *
 * Ownership: see report_send.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "report_send.h"
#include "xmalloc.h"

struct smtp {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char *host;
	char in[4096];
	size_t have, off;
	bool starttls, auth_plain;	/* EHLO keywords */
	char *error;
};

/* ------------------------------------------------------------ I/O */

static int
smtp_fail(struct smtp *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
smtp_fail(struct smtp *s, const char *fmt, ...)
{
	va_list ap;

	if (s->error == NULL) {
		struct mauth_buf b = MAUTH_BUF_INIT;
		va_start(ap, fmt);
		mauth_buf_vprintf(&b, fmt, ap);
		va_end(ap);
		s->error = mauth_buf_steal(&b);
	}
	return -1;
}

static ssize_t
smtp_read_some(struct smtp *s, void *buf, size_t len)
{
	if (s->ssl != NULL) {
		int n = SSL_read(s->ssl, buf, (int)len);
		return n > 0 ? n : -1;
	}
	ssize_t n;
	do
		n = read(s->fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n > 0 ? n : -1;
}

static int
smtp_write(struct smtp *s, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n;
		if (s->ssl != NULL) {
			int k = SSL_write(s->ssl, buf, (int)(len > 65536 ? 65536 : len));
			n = k > 0 ? k : -1;
		} else {
			n = write(s->fd, buf, len);
			if (n < 0 && errno == EINTR)
				continue;
		}
		if (n <= 0)
			return smtp_fail(s, "%s: write failed or timed out", s->host);
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* smtp_line - the next line without CRLF into b; 0 or -1 */
static int
smtp_line(struct smtp *s, struct mauth_buf *b)
{
	mauth_buf_truncate(b, 0);
	mauth_buf_puts(b, "");
	for (;;) {
		while (s->off < s->have) {
			char c = s->in[s->off++];
			if (c == '\n') {
				if (b->len > 0 && b->data[b->len - 1] == '\r')
					mauth_buf_truncate(b, b->len - 1);
				return 0;
			}
			if (b->len > 2000)
				return smtp_fail(s, "%s: reply line too long", s->host);
			mauth_buf_putc(b, c);
		}
		ssize_t n = smtp_read_some(s, s->in, sizeof(s->in));
		if (n <= 0)
			return smtp_fail(s, "%s: connection closed or timed out",
			    s->host);
		s->have = (size_t)n;
		s->off = 0;
	}
}

/*
 * smtp_reply - read a (multi-line) reply; its code, and its text joined
 * in *text_r (caller frees).  EHLO keywords are noted on the way.
 */
static int
smtp_reply(struct smtp *s, char **text_r)
{
	struct mauth_buf line = MAUTH_BUF_INIT, all = MAUTH_BUF_INIT;
	int code = -1;

	mauth_buf_puts(&all, "");
	for (;;) {
		if (smtp_line(s, &line) < 0)
			break;
		const char *l = mauth_buf_cstr(&line);
		if (line.len < 3 || l[0] < '2' || l[0] > '5') {
			smtp_fail(s, "%s: not an SMTP reply: \"%.80s\"", s->host, l);
			break;
		}
		mauth_buf_printf(&all, "%s%s", all.len ? " / " : "", l);
		if (line.len > 4 && strncasecmp(l + 4, "STARTTLS", 8) == 0)
			s->starttls = true;
		if (line.len > 9 && strncasecmp(l + 4, "AUTH ", 5) == 0 &&
		    strcasestr(l + 9, "PLAIN") != NULL)
			s->auth_plain = true;
		if (line.len == 3 || l[3] == ' ') {
			code = atoi(l);
			break;
		}
	}
	mauth_buf_free(&line);
	*text_r = mauth_buf_steal(&all);
	return code;
}

/* smtp_cmd - send cmd (NULL: only read), expect a reply of class want */
static int
smtp_cmd(struct smtp *s, const char *cmd, const char *shown, int want)
{
	char *text = NULL;
	int code;

	if (cmd != NULL && (smtp_write(s, cmd, strlen(cmd)) < 0 ||
	    smtp_write(s, "\r\n", 2) < 0))
		return -1;
	code = smtp_reply(s, &text);
	if (code < 0) {
		free(text);
		return -1;
	}
	if (code / 100 != want) {
		smtp_fail(s, "%s: %s: %s", s->host, shown ? shown :
		    cmd ? cmd : "greeting", text);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

/* ------------------------------------------------------------ setup */

/* split_server - HOST[:PORT], [V6]:PORT; port "25" by default */
static void
split_server(const char *server, char **host_r, char **port_r)
{
	const char *colon;

	if (server[0] == '[' && (colon = strchr(server, ']')) != NULL) {
		*host_r = xstrndup(server + 1, (size_t)(colon - server - 1));
		*port_r = xstrdup(colon[1] == ':' ? colon + 2 : "25");
		return;
	}
	colon = strrchr(server, ':');
	if (colon != NULL && strchr(server, ':') == colon) {
		*host_r = xstrndup(server, (size_t)(colon - server));
		*port_r = xstrdup(colon + 1);
	} else {
		*host_r = xstrdup(server);
		*port_r = xstrdup("25");
	}
}

static int
connect_timeout(int fd, const struct sockaddr *sa, socklen_t len, unsigned ms)
{
	int fl = fcntl(fd, F_GETFL), err = 0;
	socklen_t elen = sizeof(err);
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	if (connect(fd, sa, len) < 0 && errno != EINPROGRESS)
		return -1;
	if (poll(&p, 1, (int)ms) != 1) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0) {
		errno = err ? err : errno;
		return -1;
	}
	fcntl(fd, F_SETFL, fl);
	return 0;
}

static int
smtp_connect(struct smtp *s, const char *port, unsigned ms)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	int rc = getaddrinfo(s->host, port, &hints, &res), saved = 0;

	if (rc != 0)
		return smtp_fail(s, "%s: %s", s->host, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		s->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (s->fd >= 0 && connect_timeout(s->fd, ai->ai_addr,
		    ai->ai_addrlen, ms) == 0)
			break;
		saved = errno;
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
	}
	freeaddrinfo(res);
	if (s->fd < 0)
		return smtp_fail(s, "%s port %s: cannot connect: %s", s->host,
		    port, strerror(saved));
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

static bool
is_ip_literal(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static const char *
ssl_error(void)
{
	unsigned long e = ERR_get_error();

	return e != 0 ? ERR_reason_error_string(e) : "handshake failed";
}

/* smtp_starttls - RFC 3207; verified against ca_file when required */
static int
smtp_starttls(struct smtp *s, const struct mauth_report_smtp *cfg)
{
	bool verify = cfg->tls == MAUTH_REPORT_TLS_REQUIRED;

	if (smtp_cmd(s, "STARTTLS", NULL, 2) < 0)
		return -1;
	s->ctx = SSL_CTX_new(TLS_client_method());
	if (s->ctx == NULL)
		return smtp_fail(s, "TLS: %s", ssl_error());
	SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
	if (verify) {
		SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
		if ((cfg->ca_file != NULL ? SSL_CTX_load_verify_locations(s->ctx,
		    cfg->ca_file, NULL) : SSL_CTX_set_default_verify_paths(s->ctx)) != 1)
			return smtp_fail(s, "TLS: CA certificates %s: %s",
			    cfg->ca_file ? cfg->ca_file : "(system)", ssl_error());
	}
	s->ssl = SSL_new(s->ctx);
	SSL_set_fd(s->ssl, s->fd);
	if (is_ip_literal(s->host)) {
		/* an address: checked against the certificate's IP names */
		if (verify)
			X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl), s->host);
	} else {
		SSL_set_tlsext_host_name(s->ssl, s->host);
		if (verify)
			SSL_set1_host(s->ssl, s->host);
	}
	if (SSL_connect(s->ssl) != 1) {
		long v = SSL_get_verify_result(s->ssl);
		return smtp_fail(s, "%s: TLS: %s", s->host, v != X509_V_OK ?
		    X509_verify_cert_error_string(v) : ssl_error());
	}
	/* RFC 3207 4.2: forget what was learnt before TLS */
	s->starttls = s->auth_plain = false;
	return 0;
}

/* smtp_auth - AUTH PLAIN (RFC 4616): "\0user\0password" in base64 */
static int
smtp_auth(struct smtp *s, const struct mauth_report_smtp *cfg)
{
	size_t ul = strlen(cfg->user), pl = strlen(cfg->password);
	size_t rawlen = ul + pl + 2;
	unsigned char *raw;
	char *b64, *cmd;
	int rc;

	if (s->ssl == NULL)
		return smtp_fail(s, "%s: refusing to send the password without "
		    "TLS (ReportSMTPTLS)", s->host);
	if (!s->auth_plain)
		return smtp_fail(s, "%s: the server offers no AUTH PLAIN", s->host);
	raw = xmalloc(rawlen);
	b64 = xmalloc(4 * ((rawlen + 2) / 3) + 1);
	raw[0] = '\0';
	memcpy(raw + 1, cfg->user, ul);
	raw[ul + 1] = '\0';
	memcpy(raw + ul + 2, cfg->password, pl);
	EVP_EncodeBlock((unsigned char *)b64, raw, (int)rawlen);
	cmd = xasprintf("AUTH PLAIN %s", b64);
	rc = smtp_cmd(s, cmd, "AUTH PLAIN", 2);
	OPENSSL_cleanse(raw, rawlen);
	OPENSSL_cleanse(cmd, strlen(cmd));
	free(raw);
	free(b64);
	free(cmd);
	return rc;
}

static int
smtp_hello(struct smtp *s, const struct mauth_report_smtp *cfg)
{
	char *ehlo = xasprintf("EHLO %s", cfg->helo);
	int rc = smtp_cmd(s, ehlo, NULL, 2);

	free(ehlo);
	return rc;
}

/* smtp_data - the message, dot-stuffed (RFC 5321 4.5.2), then "." */
static int
smtp_data(struct smtp *s, const char *message)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	bool bol = true;
	int rc;

	if (smtp_cmd(s, "DATA", NULL, 3) < 0)
		return -1;
	for (const char *p = message; *p != '\0'; p++) {
		if (bol && *p == '.')
			mauth_buf_putc(&b, '.');
		mauth_buf_putc(&b, *p);
		bol = *p == '\n';
	}
	if (!bol)
		mauth_buf_puts(&b, "\r\n");
	mauth_buf_puts(&b, ".");
	rc = smtp_cmd(s, mauth_buf_cstr(&b), "end of DATA", 2);
	mauth_buf_free(&b);
	return rc;
}

static int
smtp_session(struct smtp *s, const struct mauth_report_smtp *cfg,
    const char *from, const char *to, const char *message)
{
	char *cmd;
	int rc;

	if (smtp_cmd(s, NULL, NULL, 2) < 0 || smtp_hello(s, cfg) < 0)
		return -1;
	if (cfg->tls == MAUTH_REPORT_TLS_REQUIRED && !s->starttls)
		return smtp_fail(s, "%s: STARTTLS not offered (ReportSMTPTLS "
		    "required)", s->host);
	if (cfg->tls != MAUTH_REPORT_TLS_NONE && s->starttls &&
	    (smtp_starttls(s, cfg) < 0 || smtp_hello(s, cfg) < 0))
		return -1;
	if (cfg->user != NULL && smtp_auth(s, cfg) < 0)
		return -1;
	cmd = xasprintf("MAIL FROM:<%s>", from);
	rc = smtp_cmd(s, cmd, NULL, 2);
	free(cmd);
	if (rc < 0)
		return -1;
	cmd = xasprintf("RCPT TO:<%s>", to);
	rc = smtp_cmd(s, cmd, NULL, 2);
	free(cmd);
	if (rc < 0 || smtp_data(s, message) < 0)
		return -1;
	smtp_cmd(s, "QUIT", NULL, 2);	/* delivered already: its answer does not matter */
	return 0;
}

int
mauth_report_smtp_send(const struct mauth_report_smtp *cfg, const char *from,
    const char *to, const char *message, char **error_r)
{
	struct smtp s = { .fd = -1 };
	char *port;
	int rc;

	split_server(cfg->server, &s.host, &port);
	rc = smtp_connect(&s, port, cfg->timeout_ms) < 0 ? -1 :
	    smtp_session(&s, cfg, from, to, message);
	if (rc < 0)
		*error_r = s.error != NULL ? s.error : xstrdup("SMTP failed");
	else
		free(s.error);
	if (s.ssl != NULL) {
		SSL_shutdown(s.ssl);
		SSL_free(s.ssl);
	}
	SSL_CTX_free(s.ctx);
	if (s.fd >= 0)
		close(s.fd);
	free(s.host);
	free(port);
	return rc;
}

/* ------------------------------------------------------------ sendmail */

/* feed - message without CRs into fd; 0 or -1 */
static int
feed(int fd, const char *message)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	size_t off = 0;
	int rc = 0;

	for (const char *p = message; *p != '\0'; p++)
		if (*p != '\r')
			mauth_buf_putc(&b, *p);
	while (off < b.len) {
		ssize_t n = write(fd, b.data + off, b.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = -1;
			break;
		}
		off += (size_t)n;
	}
	mauth_buf_free(&b);
	return rc;
}

int
mauth_report_sendmail(const char *program, const char *from,
    const char *message, char **error_r)
{
	int pfd[2], status, wrc;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		*error_r = xasprintf("pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		*error_r = xasprintf("fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[0], 0);
		execl(program, program, "-t", "-oi", "-f", from, (char *)NULL);
		_exit(127);
	}
	close(pfd[0]);
	wrc = feed(pfd[1], message);
	close(pfd[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && wrc == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		*error_r = xasprintf("%s: cannot run it", program);
	else if (WIFEXITED(status))
		*error_r = xasprintf("%s exited with status %d", program,
		    WEXITSTATUS(status));
	else
		*error_r = xasprintf("%s was killed by signal %d", program,
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}
