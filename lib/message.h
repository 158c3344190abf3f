/*
 * message.h - split an RFC 5322 message into what an MTA hands a milter
 *
 * mauth check and the tests read whole messages from files; mauthd gets
 * the same pieces from the MTA.  Feeding both through one set of callbacks
 * means the evaluation code cannot tell them apart.  The pieces match what
 * Postfix sends over the milter protocol: header name without the colon,
 * value with leading white space kept and continuation lines joined by
 * "\n" (the line ending removed); the body in chunks with CRLF line
 * endings (bare LF in the input becomes CRLF, as an MTA's SMTP input does).
 */
#ifndef MAUTH_MESSAGE_H
#define MAUTH_MESSAGE_H

#include <stddef.h>

/*
 * Body chunks are at most this long (Postfix's MILTER_CHUNK_SIZE and the
 * milter protocol's limit); lines may be split across chunks.
 */
#define MAUTH_MESSAGE_CHUNK 65535

struct mauth_message_sink {
	/*
	 * Return 0 to go on, -1 to stop (the caller's error).  A NULL callback
	 * is skipped; with body NULL the body is not even scanned.  eoh is
	 * called once, also for a message without a body.  Strings and data
	 * are valid only during the call.
	 */
	int (*header)(void *ctx, const char *name, const char *value);
	int (*eoh)(void *ctx);
	int (*body)(void *ctx, const unsigned char *data, size_t len);
	void *ctx;
};

/*
 * mauth_message_feed - parse data and call the sink.  A header line without
 * a colon ends the header section the way Postfix treats it (the line
 * becomes the first body line).  No empty line at all: the message is all
 * header, eoh follows the last field and the body is empty (no body call).
 * A message that starts with an empty line has no header fields.  Lines
 * end with LF or CRLF; a last line without one is taken as ended (SMTP
 * DATA always ends lines), so its body bytes get a CRLF too.  A NUL byte in
 * a header value cuts the value there (the string the sink gets); body
 * bytes pass as they are.  Every input is usable: the function returns 0,
 * or -1 only when a callback stopped it, with *error_r naming the line and
 * the callback (the caller frees it).
 */
int mauth_message_feed(const char *data, size_t len,
    const struct mauth_message_sink *sink, char **error_r);

#endif
