/*
 * milter_proto.h - the MTA side of the Sendmail milter protocol, version 6
 *
 * Used by bench/milter-load (the load driver) and by tests that talk to a
 * milter directly.  It behaves like Postfix's milter client (milter8.c in
 * the Postfix sources is the reference for what a real MTA sends):
 *
 *   - packets are a 4-byte big-endian length (command byte included), one
 *     command byte and the data;
 *   - the macros of a stage are sent before the stage's command even when
 *     the milter asked to skip that stage (the milter still receives them);
 *   - writes are buffered and flushed only when a reply is awaited (and
 *     after DATA, where Postfix hands the connection from smtpd to its
 *     cleanup server), so the macros and the command of one stage leave
 *     in one write, and headers the milter does not answer (SMFIP_NR_HDR)
 *     leave together;
 *   - header values lose one leading space unless SMFIP_HDR_LEADSPC was
 *     negotiated; folded headers are joined with "\n";
 *   - body chunks are at most MILTER_CHUNK_SIZE (65535) bytes.
 *
 * A connection is used by one thread at a time.  Every reply from the
 * milter is checked (length, command, data layout); anything unexpected
 * ends in an error string naming the milter and what was wrong, never in a
 * crash.  Errors are returned as a malloc'd *error_r the caller frees.
 */
#ifndef MAUTH_BENCH_MILTER_PROTO_H
#define MAUTH_BENCH_MILTER_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Largest reply packet accepted (a REPLBODY chunk is at most 1 MB). */
#define MILTER_MAX_REPLY	(1024 * 1024 + 16)

/* Macro stages of SMFIR_SETSYMLIST (libmilter's SMFIM_*) */
enum milter_stage {
	MILTER_ST_CONNECT = 0,
	MILTER_ST_HELO,
	MILTER_ST_ENVFROM,
	MILTER_ST_ENVRCPT,
	MILTER_ST_DATA,
	MILTER_ST_EOM,
	MILTER_ST_EOH,
	MILTER_ST_COUNT
};

struct milter_macro {
	const char *name;	/* "j", "{auth_authen}" */
	const char *value;
};

/* The decision that ended a stage. */
enum milter_verdict {
	MILTER_V_NONE = 0,	/* no reply expected (skipped stage or NR_*) */
	MILTER_V_CONTINUE,
	MILTER_V_ACCEPT,
	MILTER_V_REJECT,
	MILTER_V_TEMPFAIL,
	MILTER_V_DISCARD,
	MILTER_V_REPLYCODE,	/* reply_text holds "550 5.7.1 ..." */
	MILTER_V_SHUTDOWN,
	MILTER_V_SKIP,		/* SMFIR_SKIP: no more of this event */
	MILTER_V_CONN_FAIL,
	MILTER_V_COUNT
};

/* One message modification asked for at end of message. */
struct milter_mod {
	char op;		/* SMFIR_ADDHEADER, SMFIR_INSHEADER, ... */
	uint32_t index;		/* INSHEADER / CHGHEADER index */
	char *name;		/* header name, recipient, sender, reason */
	char *value;		/* header value, ESMTP args; may be NULL */
};

struct milter_reply {
	enum milter_verdict verdict;
	char *reply_text;	/* REPLYCODE text; NULL otherwise */
	bool quarantined;
	struct milter_mod *mods;
	size_t nmods;
};

/* What the milter answered to SMFIC_OPTNEG. */
struct milter_options {
	uint32_t version;
	uint32_t actions;	/* SMFIF_* it may use */
	uint32_t pflags;	/* SMFIP_*: stages to skip, replies not sent */
	char *symlist[MILTER_ST_COUNT];	/* macro names wanted; NULL = default */
};

struct milter_conn;

/*
 * milter_conn_open - connect to spec ("inet:PORT@ADDR", "inet6:PORT@ADDR",
 * "local:PATH" or "unix:PATH").  timeout_ms bounds every later read and
 * write.  nodelay sets TCP_NODELAY on our side (Postfix does not).
 */
int milter_conn_open(const char *spec, int timeout_ms, bool nodelay,
    struct milter_conn **conn_r, char **error_r);
void milter_conn_free(struct milter_conn **conn);

/* milter_negotiate - SMFIC_OPTNEG offering every v6 action and step */
int milter_negotiate(struct milter_conn *c, char **error_r);
const struct milter_options *milter_conn_options(const struct milter_conn *c);

/*
 * The events.  Each sends the stage's macros (those of macros[0..n) that
 * the milter's symbol list allows), then the command unless the milter
 * negotiated to skip it, then reads replies unless the milter negotiated
 * not to reply.  Returns 0 with *reply_r filled (free it with
 * milter_reply_clear), or -1 with *error_r: the connection is then unusable.
 */
int milter_connect(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, const char *hostname, const char *addr, uint16_t port,
    struct milter_reply *reply_r, char **error_r);
int milter_helo(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, const char *helo, struct milter_reply *reply_r, char **error_r);
/* args: "<addr>" then ESMTP parameters; NULL-terminated */
int milter_mail(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, const char *const *args, struct milter_reply *reply_r,
    char **error_r);
int milter_rcpt(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, const char *const *args, struct milter_reply *reply_r,
    char **error_r);
int milter_data(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, struct milter_reply *reply_r, char **error_r);
/* value as in the message after the colon, continuation lines joined by "\n" */
int milter_header(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, const char *name, const char *value,
    struct milter_reply *reply_r, char **error_r);
int milter_eoh(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, struct milter_reply *reply_r, char **error_r);
/* len <= MILTER_CHUNK_SIZE; the caller splits the body */
int milter_body(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, const void *data, size_t len, struct milter_reply *reply_r,
    char **error_r);
/* milter_eom - end of message: collects modifications until the verdict */
int milter_eom(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, struct milter_reply *reply_r, char **error_r);
/* milter_abort - end the message (no reply); milter_quit - end the session */
int milter_abort(struct milter_conn *c, char **error_r);
int milter_quit(struct milter_conn *c, char **error_r);

void milter_reply_clear(struct milter_reply *r);

/* milter_verdict_final - true when the verdict ends the message */
bool milter_verdict_final(enum milter_verdict v);
const char *milter_verdict_name(enum milter_verdict v);	/* "accept", ... */

#endif
