/*
 * load_msg.h - messages for the milter load driver, split as an MTA sends
 * them to a milter (see load_msg.c).  A struct load_msg owns its strings.
 */
#ifndef MAUTH_BENCH_LOAD_MSG_H
#define MAUTH_BENCH_LOAD_MSG_H

#include <stddef.h>

struct load_hdr {
	char *name;	/* without the colon */
	char *value;	/* after the colon, continuation lines joined by "\n" */
};

struct load_msg {
	struct load_hdr *hdr;
	size_t nhdr;
	char *body;	/* CRLF line endings */
	size_t body_len;
};

/* load_msg_parse - split an RFC 5322 message (LF or CRLF line endings) */
int load_msg_parse(const char *data, size_t len, struct load_msg **msg_r,
    char **error_r);
/* load_msg_read - load_msg_parse() of a file's contents */
int load_msg_read(const char *path, struct load_msg **msg_r, char **error_r);
/*
 * load_msg_generate - a plain-text message of about size bytes from `from`
 * to `to`; seq goes into the Subject and Message-ID.
 */
struct load_msg *load_msg_generate(size_t size, const char *from,
    const char *to, unsigned seq);
/* load_msg_size - size in bytes as sent over SMTP (CRLF line endings) */
size_t load_msg_size(const struct load_msg *m);
void load_msg_free(struct load_msg **msg);

#endif
