/*
 * load_msg.c - the messages milter-load sends: read from files or made up
 *
 * A message is split the way Postfix hands it to a milter: header fields
 * (name without the colon; value after the colon with its continuation
 * lines joined by "\n") and a body with CRLF line endings.  Messages are
 * built once before the run and shared read-only by every thread.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "load_msg.h"
#include "xmalloc.h"

static void
add_header(struct load_msg *m, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	m->hdr = xreallocarray(m->hdr, m->nhdr + 1, sizeof(*m->hdr));
	m->hdr[m->nhdr].name = xstrndup(name, nlen);
	m->hdr[m->nhdr].value = xstrndup(value, vlen);
	m->nhdr++;
}

/* Length of the line at p (without its LF or CRLF) and of its ending. */
static size_t
line_len(const char *p, const char *end, size_t *eol_r)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));
	size_t len = lf ? (size_t)(lf - p) : (size_t)(end - p);

	*eol_r = lf ? 1 : 0;
	if (len > 0 && p[len - 1] == '\r') {
		len--;
		(*eol_r)++;
	}
	return len;
}

int
load_msg_parse(const char *data, size_t len, struct load_msg **msg_r,
    char **error_r)
{
	struct load_msg *m = xcalloc(1, sizeof(*m));
	const char *p = data, *end = data + len;
	struct mauth_buf value = MAUTH_BUF_INIT, body = MAUTH_BUF_INIT;
	const char *name = NULL;
	size_t nlen = 0, eol;

	while (p < end) {
		size_t l = line_len(p, end, &eol);
		if (l == 0) {		/* the empty line ends the header */
			p += eol;
			break;
		}
		if ((*p == ' ' || *p == '\t') && name != NULL) {
			mauth_buf_putc(&value, '\n');
			mauth_buf_append(&value, p, l);
		} else {
			const char *colon = memchr(p, ':', l);
			if (colon == NULL || colon == p)
				break;	/* not a header: the body starts here */
			if (name != NULL)
				add_header(m, name, nlen, mauth_buf_cstr(&value),
				    value.len);
			name = p;
			nlen = (size_t)(colon - p);
			while (nlen > 0 && (p[nlen - 1] == ' ' || p[nlen - 1] == '\t'))
				nlen--;
			mauth_buf_truncate(&value, 0);
			mauth_buf_append(&value, colon + 1, l - (size_t)(colon + 1 - p));
		}
		p += l + eol;
	}
	if (name != NULL)
		add_header(m, name, nlen, mauth_buf_cstr(&value), value.len);
	mauth_buf_free(&value);
	if (m->nhdr == 0) {
		*error_r = xstrdup("no header fields");
		load_msg_free(&m);
		return -1;
	}
	while (p < end) {
		size_t l = line_len(p, end, &eol);
		mauth_buf_append(&body, p, l);
		mauth_buf_append(&body, "\r\n", 2);
		p += l + eol;
	}
	m->body_len = body.len;
	m->body = mauth_buf_steal(&body);
	return *msg_r = m, 0;
}

int
load_msg_read(const char *path, struct load_msg **msg_r, char **error_r)
{
	FILE *fp = fopen(path, "rb");
	struct mauth_buf b = MAUTH_BUF_INIT;
	char chunk[8192];
	size_t n;
	char *why = NULL;

	if (fp == NULL) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		mauth_buf_append(&b, chunk, n);
	int failed = ferror(fp);
	fclose(fp);
	if (failed) {
		*error_r = xasprintf("%s: read error", path);
		mauth_buf_free(&b);
		return -1;
	}
	int rc = load_msg_parse(mauth_buf_cstr(&b), b.len, msg_r, &why);
	if (rc < 0) {
		*error_r = xasprintf("%s: %s", path, why);
		free(why);
	}
	mauth_buf_free(&b);
	return rc;
}

struct load_msg *
load_msg_generate(size_t size, const char *from, const char *to,
    unsigned seq)
{
	static const char words[] = "The quick brown fox jumps over the lazy"
	    " dog while the mail filter counts every byte of this line ";
	struct mauth_buf b = MAUTH_BUF_INIT;
	const char *domain = strchr(from, '@');
	char *err = NULL;
	struct load_msg *m = NULL;

	mauth_buf_printf(&b, "From: Bench Sender <%s>\r\n", from);
	mauth_buf_printf(&b, "To: <%s>\r\n", to);
	mauth_buf_printf(&b, "Subject: milter-load message %u of %zu bytes\r\n",
	    seq, size);
	mauth_buf_puts(&b, "Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n");
	mauth_buf_printf(&b, "Message-ID: <load.%u.%zu@%s>\r\n", seq, size,
	    domain ? domain + 1 : "bench.test");
	mauth_buf_puts(&b, "MIME-Version: 1.0\r\n");
	mauth_buf_puts(&b, "Content-Type: text/plain; charset=us-ascii\r\n\r\n");
	for (unsigned line = 0; b.len + 2 < size; line++) {
		size_t want = size - b.len - 2;
		size_t l = want < 72 ? want : 72;
		size_t off = (line * 7) % (sizeof(words) - 73);
		mauth_buf_append(&b, words + off, l);
		mauth_buf_puts(&b, "\r\n");
	}
	if (load_msg_parse(b.data, b.len, &m, &err) < 0)
		abort();	/* our own text: cannot happen */
	mauth_buf_free(&b);
	return m;
}

void
load_msg_free(struct load_msg **msg)
{
	struct load_msg *m = *msg;

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nhdr; i++) {
		free(m->hdr[i].name);
		free(m->hdr[i].value);
	}
	free(m->hdr);
	free(m->body);
	free(m);
	*msg = NULL;
}

size_t
load_msg_size(const struct load_msg *m)
{
	size_t n = m->body_len + 2;

	for (size_t i = 0; i < m->nhdr; i++)
		n += strlen(m->hdr[i].name) + strlen(m->hdr[i].value) + 3;
	return n;
}
