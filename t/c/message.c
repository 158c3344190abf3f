/*
 * message.c - splitting a message into milter-style headers and body chunks
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "message.h"
#include "tap.h"
#include "xmalloc.h"

struct record {
	struct mauth_buf log;	/* "H name|value\n" and "EOH\n" lines */
	struct mauth_buf body;
	size_t chunks;
	size_t max_chunk;
	int stop_at_header;	/* 1-based: return -1 for that header; 0 never */
	int headers;
	bool body_before_eoh;
	bool eoh_seen;
};

static int
rec_header(void *ctx, const char *name, const char *value)
{
	struct record *r = ctx;

	r->headers++;
	mauth_buf_printf(&r->log, "H %s|%s\n", name, value);
	return r->headers == r->stop_at_header ? -1 : 0;
}

static int
rec_eoh(void *ctx)
{
	struct record *r = ctx;

	r->eoh_seen = true;
	mauth_buf_puts(&r->log, "EOH\n");
	return 0;
}

static int
rec_body(void *ctx, const unsigned char *data, size_t len)
{
	struct record *r = ctx;

	if (!r->eoh_seen)
		r->body_before_eoh = true;
	r->chunks++;
	if (len > r->max_chunk)
		r->max_chunk = len;
	mauth_buf_append(&r->body, data, len);
	return 0;
}

static int
feed(struct record *r, const char *data, size_t len, char **error_r)
{
	struct mauth_message_sink sink = { rec_header, rec_eoh, rec_body, r };

	memset(r, 0, sizeof(*r));
	*error_r = NULL;
	return mauth_message_feed(data, len, &sink, error_r);
}

static void
done(struct record *r, char *error)
{
	mauth_buf_free(&r->log);
	mauth_buf_free(&r->body);
	free(error);
}

/* check - feed text (len given, may hold NULs) and compare events and body */
static void
check(const char *what, const char *text, size_t len, const char *want_log,
    const char *want_body, size_t want_body_len)
{
	struct record r;
	char *error;
	int rc = feed(&r, text, len, &error);

	is_int(rc, 0, "%s", what);
	is_str(mauth_buf_cstr(&r.log), want_log, "  headers and eoh");
	ok(r.body.len == want_body_len &&
	    (want_body_len == 0 || memcmp(r.body.data, want_body, want_body_len) == 0),
	    "  body (%zu bytes, want %zu)", r.body.len, want_body_len);
	if (want_body_len == 0)
		is_int((long long)r.chunks, 0, "  no body call");
	ok(!r.body_before_eoh, "  body only after eoh");
	done(&r, error);
}

#define CHECK(what, text, log, body) \
	check(what, text, sizeof(text) - 1, log, body, sizeof(body) - 1)

static void
test_shapes(void)
{
	CHECK("CRLF message",
	    "Subject: hi\r\nFrom: a@example.org\r\n\r\nline 1\r\nline 2\r\n",
	    "H Subject| hi\nH From| a@example.org\nEOH\n",
	    "line 1\r\nline 2\r\n");
	CHECK("bare LF becomes CRLF in the body",
	    "Subject: hi\nTo: b@example.org\n\nline 1\nline 2\n\n",
	    "H Subject| hi\nH To| b@example.org\nEOH\n",
	    "line 1\r\nline 2\r\n\r\n");
	CHECK("continuation lines joined with LF, leading white space kept",
	    "Subject: one\r\n two\r\n\tthree\r\nTo: x@example.org\r\n\r\nb\r\n",
	    "H Subject| one\n two\n\tthree\nH To| x@example.org\nEOH\n",
	    "b\r\n");
	CHECK("value without or with extra leading space",
	    "A:tight\nB:   loose\nC:\n\n",
	    "H A|tight\nH B|   loose\nH C|\nEOH\n", "");
	CHECK("white space between name and colon",
	    "Subject \t: spaced\n\nb\n", "H Subject| spaced\nEOH\n", "b\r\n");
	CHECK("line without colon ends the headers and starts the body",
	    "Subject: hi\nthis is not a header\nnext: line\n",
	    "H Subject| hi\nEOH\n", "this is not a header\r\nnext: line\r\n");
	CHECK("mbox From_ line is not a header",
	    "From someone@example.org Mon Jan  1 00:00:00 2024\nSubject: x\n",
	    "EOH\n",
	    "From someone@example.org Mon Jan  1 00:00:00 2024\r\nSubject: x\r\n");
	CHECK("no empty line: headers only",
	    "Subject: hi\nTo: x@example.org", "H Subject| hi\nH To| x@example.org\nEOH\n", "");
	CHECK("no empty line, last line with LF",
	    "Subject: hi\n", "H Subject| hi\nEOH\n", "");
	CHECK("starts with an empty line: no headers",
	    "\r\nSubject: body now\r\n", "EOH\n", "Subject: body now\r\n");
	CHECK("empty input", "", "EOH\n", "");
	CHECK("empty body after the separator", "A: b\n\n", "H A| b\nEOH\n", "");
	CHECK("last body line without line ending gets CRLF",
	    "A: b\n\nfirst\nlast", "H A| b\nEOH\n", "first\r\nlast\r\n");
	CHECK("bare CR inside a line stays",
	    "A: b\n\nx\ry\n", "H A| b\nEOH\n", "x\ry\r\n");
	CHECK("continuation before any header is body",
	    " indented\nA: b\n", "EOH\n", " indented\r\nA: b\r\n");
	CHECK("white-space-only line continues a header",
	    "A: b\n \nC: d\n\n", "H A| b\n \nH C| d\nEOH\n", "");
	CHECK("NUL in a header value cuts the value; NUL in the body is data",
	    "X: ab\0cd\nY: e\n\nbo\0dy\n",
	    "H X| ab\nH Y| e\nEOH\n", "bo\0dy\r\n");
	CHECK("NUL in a header name ends the headers",
	    "A: b\nX\0Y: v\n", "H A| b\nEOH\n", "X\0Y: v\r\n");
	CHECK("8-bit header value passes",
	    "Subject: caf\xc3\xa9\n\n", "H Subject| caf\xc3\xa9\nEOH\n", "");
}

static void
test_huge(void)
{
	size_t hlen = 1000000, blen = 200000;
	struct mauth_buf in = MAUTH_BUF_INIT;
	struct record r;
	char *error;

	mauth_buf_puts(&in, "X-Huge: ");
	for (size_t i = 0; i < hlen; i++)
		mauth_buf_putc(&in, 'h');
	mauth_buf_puts(&in, "\nSubject: after\n\n");
	for (size_t i = 0; i < blen; i++)
		mauth_buf_putc(&in, (char)('a' + i % 26));
	mauth_buf_puts(&in, "\nshort\n");

	is_int(feed(&r, in.data, in.len, &error), 0, "1 MB header line and 200 kB body line");
	ok(strncmp(r.log.data, "H X-Huge| hhh", 13) == 0 &&
	    r.log.len == strlen("H X-Huge| \nH Subject| after\nEOH\n") + hlen,
	    "  header value complete");
	is_int((long long)r.body.len, (long long)(blen + 2 + 7), "  body complete");
	ok(r.max_chunk <= MAUTH_MESSAGE_CHUNK, "  no chunk over %d bytes (largest %zu)",
	    MAUTH_MESSAGE_CHUNK, r.max_chunk);
	is_int((long long)r.chunks,
	    (long long)((blen + 9 + MAUTH_MESSAGE_CHUNK - 1) / MAUTH_MESSAGE_CHUNK),
	    "  body in full chunks");
	ok(memcmp(r.body.data + blen, "\r\nshort\r\n", 9) == 0, "  line endings converted");
	done(&r, error);
	mauth_buf_free(&in);
}

static void
test_stop(void)
{
	static const char msg[] = "A: 1\nB: 2\nC: 3\n\nbody\n";
	struct record r;
	char *error;
	int rc;

	memset(&r, 0, sizeof(r));
	struct mauth_message_sink sink = { rec_header, rec_eoh, rec_body, &r };
	r.stop_at_header = 2;
	error = NULL;
	rc = mauth_message_feed(msg, sizeof(msg) - 1, &sink, &error);
	is_int(rc, -1, "header callback stopping ends the feed");
	is_str(mauth_buf_cstr(&r.log), "H A| 1\nH B| 2\n", "  nothing after it");
	like_str(error, "line 2", "  error names the line where it stopped");
	like_str(error, "header", "  and the callback");
	done(&r, error);

	/* callbacks may be NULL */
	struct mauth_message_sink none = { NULL, NULL, NULL, NULL };
	error = NULL;
	is_int(mauth_message_feed(msg, sizeof(msg) - 1, &none, &error), 0,
	    "NULL callbacks are skipped");
	ok(error == NULL, "  no error");
}

int
main(void)
{
	test_shapes();
	test_huge();
	test_stop();
	return done_testing();
}
