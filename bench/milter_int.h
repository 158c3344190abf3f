/*
 * milter_int.h - what milter_proto.c (writing, events) and milter_reply.c
 * (reading and checking replies) share, and nothing else sees: the
 * connection and the packet reader.  The public interface is
 * milter_proto.h.
 */
#ifndef MAUTH_BENCH_MILTER_INT_H
#define MAUTH_BENCH_MILTER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "milter_proto.h"

struct milter_conn {
	int fd;
	char *spec;
	struct mauth_buf out;		/* packets not yet written */
	unsigned char *in;		/* data of the last packet read */
	size_t in_size;
	struct milter_options opt;
	int skip_event;			/* command the milter told us to SKIP */
};

/* milter_cmd_name - "MAIL" for SMFIC_MAIL, for error messages */
const char *milter_cmd_name(int cmd);
/* milter_read_all - read exactly len bytes; what names the step in errors */
int milter_read_all(struct milter_conn *c, void *p, size_t len,
    const char *what, char **error_r);

/*
 * milter_get_packet - read one reply packet (to command event) into c->in,
 * NUL-terminated; *len_r is its data length.  0, or -1 with *error_r.
 */
int milter_get_packet(struct milter_conn *c, int event, int *cmd_r,
    size_t *len_r, char **error_r);
/* milter_get_u32, milter_get_str - take a field at *off of p[0..len) */
bool milter_get_u32(const unsigned char *p, size_t len, size_t *off,
    uint32_t *v);
bool milter_get_str(const unsigned char *p, size_t len, size_t *off,
    char **s);
/*
 * milter_read_replies - read replies to event until one decides it:
 * progress is skipped, quarantine and (at end of message) modifications
 * are collected into r.  0, or -1 with *error_r.
 */
int milter_read_replies(struct milter_conn *c, int event,
    struct milter_reply *r, char **error_r);

#endif
