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

struct mauth_message_sink {
	/* return 0 to go on, -1 to stop (the caller's error) */
	int (*header)(void *ctx, const char *name, const char *value);
	int (*eoh)(void *ctx);
	int (*body)(void *ctx, const unsigned char *data, size_t len);
	void *ctx;
};

/*
 * mauth_message_feed - parse data and call the sink.  A header line without
 * a colon ends the header section the way Postfix treats it (the line
 * becomes the first body line).  Returns 0, -1 when a callback stopped,
 * with *error_r naming what failed when the input was unusable.
 */
int mauth_message_feed(const char *data, size_t len,
    const struct mauth_message_sink *sink, char **error_r);

#endif
