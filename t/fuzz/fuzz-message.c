/*
 * fuzz-message.c - the message splitter (lib/message.c) that turns a
 * message file into milter-style header fields and body chunks
 *
 * Properties (message.h): every header name is printable US-ASCII without
 * ':' or white space; a value's line breaks are "\n" followed by SP or TAB
 * (a continuation line); eoh comes once, after the last field and before
 * the body; body chunks hold 1..MAUTH_MESSAGE_CHUNK octets, every LF of
 * the body is preceded by CR and the body ends with CRLF.  A callback that
 * stops the splitter (chosen by the input's length) makes it return -1
 * with an error; otherwise it returns 0.
 */
#include "config.h"

#include <stdbool.h>

#include "fuzz.h"
#include "message.h"

struct fuzz_state {
	size_t headers;
	size_t stop_at;		/* header callback number that fails; 0: none */
	int eoh;
	size_t body_len;
	char last[2];		/* the body's last two octets */
	bool lf_ok;		/* every body LF so far had a CR before it */
	bool stopped;
};

static int
on_header(void *ctx, const char *name, const char *value)
{
	struct fuzz_state *st = ctx;

	FUZZ_CHECK(st->eoh == 0);
	FUZZ_CHECK(*name != '\0');
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		FUZZ_CHECK(*p > ' ' && *p < 0x7f && *p != ':');
	for (const char *p = value; *p; p++)
		if (*p == '\n')
			FUZZ_CHECK(p[1] == ' ' || p[1] == '\t');
	if (++st->headers == st->stop_at) {
		st->stopped = true;
		return -1;
	}
	return 0;
}

static int
on_eoh(void *ctx)
{
	struct fuzz_state *st = ctx;

	FUZZ_CHECK(st->eoh == 0 && st->body_len == 0);
	st->eoh++;
	return 0;
}

static int
on_body(void *ctx, const unsigned char *data, size_t len)
{
	struct fuzz_state *st = ctx;

	FUZZ_CHECK(st->eoh == 1);
	FUZZ_CHECK(len > 0 && len <= MAUTH_MESSAGE_CHUNK);
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n')
			st->lf_ok &= i > 0 ? data[i - 1] == '\r' : st->last[1] == '\r';
		st->last[0] = st->last[1];
		st->last[1] = (char)data[i];
	}
	st->body_len += len;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_state st = { .stop_at = size % 5 == 4 ? size % 3 + 1 : 0,
	    .lf_ok = true };
	struct mauth_message_sink sink = { on_header, on_eoh, on_body, &st };
	char *error = NULL;
	int rc = mauth_message_feed((const char *)data, size, &sink, &error);

	if (st.stopped) {
		FUZZ_CHECK(rc == -1 && error != NULL);
		free(error);
		return 0;
	}
	FUZZ_CHECK(rc == 0 && error == NULL);
	FUZZ_CHECK(st.eoh == 1);
	FUZZ_CHECK(st.lf_ok);
	if (st.body_len > 0)
		FUZZ_CHECK(st.last[0] == '\r' && st.last[1] == '\n');
	return 0;
}
