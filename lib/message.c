/*
 * message.c - split an RFC 5322 message into milter-style pieces
 *
 * The header section (RFC 5322 section 2.2) runs up to the first empty
 * line.  Like Postfix's cleanup(8), a line that is neither a header field
 * ("name:" with name made of printable US-ASCII other than ':', optionally
 * followed by white space before the colon, section 3.6.8 and obsolete
 * section 4.5) nor the continuation of one (a line starting with SP or TAB,
 * section 2.2.3) also ends the header section: it becomes the first body
 * line.  The empty line that ends the header section belongs to neither.
 *
 * The input is a complete message in memory, so there are no fixed line
 * buffers: a line of any length is handled, and a NUL byte is data.  Header
 * names and values reach the sink as C strings, so a value holding a NUL
 * byte is seen up to it, which is also what a milter behind Postfix sees
 * (the milter protocol carries NUL-terminated strings).  Body bytes, NULs
 * included, pass unchanged apart from line endings.
 *
 * Ownership: strings handed to the sink live only during the callback.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "buf.h"
#include "message.h"
#include "xmalloc.h"

struct message_state {
	const struct mauth_message_sink *sink;
	struct mauth_buf name;		/* pending header field, if have_header */
	struct mauth_buf value;
	bool have_header;
	size_t header_line;		/* where the pending field starts */
	size_t line;			/* 1-based line number of the input */
	char **error_r;
};

/* one line of input: [start, end) without its line ending */
struct message_line {
	const char *start;
	const char *end;
	const char *next;		/* first byte after the line ending */
};

static void
next_line(const char *p, const char *data_end, struct message_line *l)
{
	const char *nl = memchr(p, '\n', (size_t)(data_end - p));

	l->start = p;
	if (nl == NULL) {
		/* last line without LF; a lone CR there still ends it */
		l->next = data_end;
		l->end = (data_end > p && data_end[-1] == '\r') ? data_end - 1 : data_end;
		return;
	}
	l->next = nl + 1;
	l->end = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;
}

static int
stopped(struct message_state *st, size_t line, const char *what)
{
	*st->error_r = xasprintf("line %zu: %s callback stopped", line, what);
	return -1;
}

/* flush_header - hand the pending header field to the sink */
static int
flush_header(struct message_state *st)
{
	if (!st->have_header)
		return 0;
	st->have_header = false;
	if (st->sink->header == NULL)
		return 0;
	if (st->sink->header(st->sink->ctx, mauth_buf_cstr(&st->name),
	    mauth_buf_cstr(&st->value)) < 0)
		return stopped(st, st->header_line, "header");
	return 0;
}

/*
 * header_name_end - if the line is a header field, the end of its name
 * (the colon follows after optional white space); else NULL.
 */
static const char *
header_name_end(const struct message_line *l, const char **colon_r)
{
	const char *p = l->start;

	while (p < l->end && (unsigned char)*p > ' ' &&
	    (unsigned char)*p < 0x7f && *p != ':')
		p++;
	if (p == l->start)
		return NULL;
	const char *name_end = p;
	while (p < l->end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == l->end || *p != ':')
		return NULL;
	*colon_r = p;
	return name_end;
}

/*
 * feed_headers - the header section; returns the start of the body, or
 * NULL when the message has none, or sets *failed.
 */
static const char *
feed_headers(struct message_state *st, const char *data, const char *end,
    bool *failed)
{
	struct message_line l;
	const char *p = data;
	const char *body = NULL;

	*failed = false;
	for (; p < end; p = l.next) {
		const char *name_end, *colon;

		st->line++;
		next_line(p, end, &l);
		if (l.start == l.end) {
			body = l.next;		/* the empty line: end of headers */
			break;
		}
		if (st->have_header && (*l.start == ' ' || *l.start == '\t')) {
			mauth_buf_putc(&st->value, '\n');
			mauth_buf_append(&st->value, l.start,
			    (size_t)(l.end - l.start));
			continue;
		}
		if ((name_end = header_name_end(&l, &colon)) == NULL) {
			body = l.start;		/* not a header: first body line */
			st->line--;
			break;
		}
		if (flush_header(st) < 0)
			goto fail;
		mauth_buf_truncate(&st->name, 0);
		mauth_buf_append(&st->name, l.start, (size_t)(name_end - l.start));
		mauth_buf_truncate(&st->value, 0);
		mauth_buf_append(&st->value, colon + 1, (size_t)(l.end - colon - 1));
		st->have_header = true;
		st->header_line = st->line;
	}
	if (flush_header(st) < 0)
		goto fail;
	if (st->sink->eoh != NULL && st->sink->eoh(st->sink->ctx) < 0) {
		stopped(st, st->line, "end-of-header");
		goto fail;
	}
	return body;
fail:
	*failed = true;
	return NULL;
}

/* body_put - queue bytes of the body, handing full chunks to the sink */
static int
body_put(struct message_state *st, struct mauth_buf *chunk, const char *p,
    size_t n)
{
	while (n > 0) {
		size_t room = MAUTH_MESSAGE_CHUNK - chunk->len;
		size_t take = n < room ? n : room;

		mauth_buf_append(chunk, p, take);
		p += take;
		n -= take;
		if (chunk->len == MAUTH_MESSAGE_CHUNK) {
			if (st->sink->body(st->sink->ctx,
			    (const unsigned char *)chunk->data, chunk->len) < 0)
				return stopped(st, st->line, "body");
			mauth_buf_truncate(chunk, 0);
		}
	}
	return 0;
}

/*
 * feed_body - every line ending becomes CRLF, as SMTP delivers it; a last
 * line without one gets one, since SMTP DATA cannot end mid-line.
 */
static int
feed_body(struct message_state *st, const char *p, const char *end)
{
	struct mauth_buf chunk = MAUTH_BUF_INIT;
	struct message_line l;
	int rc = 0;

	if (st->sink->body == NULL)
		return 0;
	mauth_buf_reserve(&chunk, MAUTH_MESSAGE_CHUNK);
	for (; p < end && rc == 0; p = l.next) {
		st->line++;
		next_line(p, end, &l);
		rc = body_put(st, &chunk, l.start, (size_t)(l.end - l.start));
		if (rc == 0)
			rc = body_put(st, &chunk, "\r\n", 2);
	}
	if (rc == 0 && chunk.len > 0 && st->sink->body(st->sink->ctx,
	    (const unsigned char *)chunk.data, chunk.len) < 0)
		rc = stopped(st, st->line, "body");
	mauth_buf_free(&chunk);
	return rc;
}

int
mauth_message_feed(const char *data, size_t len,
    const struct mauth_message_sink *sink, char **error_r)
{
	struct message_state st = {
		.sink = sink, .name = MAUTH_BUF_INIT, .value = MAUTH_BUF_INIT,
		.error_r = error_r,
	};
	const char *end = data + len;
	const char *body;
	bool failed;
	int rc = 0;

	body = feed_headers(&st, data, end, &failed);
	if (failed)
		rc = -1;
	else if (body != NULL)
		rc = feed_body(&st, body, end);
	mauth_buf_free(&st.name);
	mauth_buf_free(&st.value);
	return rc;
}
