/*
 * milter_proto.c - the MTA side of the Sendmail milter protocol, version 6
 *
 * What goes on the wire and why is in milter_proto.h.  This file owns the
 * socket, the output buffer and the input packet buffer of a connection;
 * strings in a struct milter_reply belong to the reply until
 * milter_reply_clear().
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <libmilter/mfapi.h>	/* SMFIF_* action bits */
#include <libmilter/mfdef.h>

#include "milter_proto.h"
#include "xmalloc.h"

/* Flushed early when this much is buffered (Postfix's stream buffer size). */
#define OUT_FLUSH_AT	4096
/* A milter that sends this many replies to one event is looping. */
#define MAX_REPLIES	100000

struct milter_conn {
	int fd;
	char *spec;
	struct mauth_buf out;		/* packets not yet written */
	unsigned char *in;		/* data of the last packet read */
	size_t in_size;
	struct milter_options opt;
	int skip_event;			/* command the milter told us to SKIP */
};

static const char *const verdict_names[MILTER_V_COUNT] = {
	"none", "continue", "accept", "reject", "tempfail", "discard",
	"replycode", "shutdown", "skip", "conn_fail",
};

const char *
milter_verdict_name(enum milter_verdict v)
{
	return (unsigned)v < MILTER_V_COUNT ? verdict_names[v] : "?";
}

bool
milter_verdict_final(enum milter_verdict v)
{
	return v == MILTER_V_ACCEPT || v == MILTER_V_REJECT ||
	    v == MILTER_V_TEMPFAIL || v == MILTER_V_DISCARD ||
	    v == MILTER_V_REPLYCODE || v == MILTER_V_SHUTDOWN ||
	    v == MILTER_V_CONN_FAIL;
}

static const char *
cmd_name(int cmd)
{
	switch (cmd) {
	case SMFIC_OPTNEG: return "OPTNEG";
	case SMFIC_CONNECT: return "CONNECT";
	case SMFIC_HELO: return "HELO";
	case SMFIC_MAIL: return "MAIL";
	case SMFIC_RCPT: return "RCPT";
	case SMFIC_DATA: return "DATA";
	case SMFIC_HEADER: return "HEADER";
	case SMFIC_EOH: return "EOH";
	case SMFIC_BODY: return "BODY";
	case SMFIC_BODYEOB: return "BODYEOB";
	default: return "?";
	}
}

/* Open a stream socket to the address of an inet:/inet6: spec. */
static int
open_inet(const char *spec, const char *rest, char **error_r)
{
	const char *at = strchr(rest, '@');
	struct addrinfo hints, *res = NULL;
	int fd = -1;

	if (at == NULL || at == rest || at[1] == '\0') {
		*error_r = xasprintf("%s: expected inet:PORT@ADDRESS", spec);
		return -1;
	}
	char *port = xstrndup(rest, (size_t)(at - rest));
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	int rc = getaddrinfo(at + 1, port, &hints, &res);
	free(port);
	if (rc != 0) {
		*error_r = xasprintf("%s: %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
		*error_r = xasprintf("connect to %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int
open_local(const char *spec, const char *path, char **error_r)
{
	struct sockaddr_un sun;

	if (strlen(path) >= sizeof(sun.sun_path) || *path == '\0') {
		*error_r = xasprintf("%s: bad socket path", spec);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		*error_r = xasprintf("connect to %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int
milter_conn_open(const char *spec, int timeout_ms, bool nodelay,
    struct milter_conn **conn_r, char **error_r)
{
	int fd;
	bool inet = false;

	if (strncmp(spec, "inet:", 5) == 0) {
		fd = open_inet(spec, spec + 5, error_r);
		inet = true;
	} else if (strncmp(spec, "inet6:", 6) == 0) {
		fd = open_inet(spec, spec + 6, error_r);
		inet = true;
	} else if (strncmp(spec, "local:", 6) == 0 ||
	    strncmp(spec, "unix:", 5) == 0) {
		fd = open_local(spec, strchr(spec, ':') + 1, error_r);
	} else {
		*error_r = xasprintf("%s: expected inet:PORT@ADDR or local:PATH", spec);
		return -1;
	}
	if (fd < 0)
		return -1;

	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (inet && nodelay) {
		int one = 1;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	struct milter_conn *c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->spec = xstrdup(spec);
	*conn_r = c;
	return 0;
}

void
milter_conn_free(struct milter_conn **conn)
{
	struct milter_conn *c = *conn;

	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	for (int i = 0; i < MILTER_ST_COUNT; i++)
		free(c->opt.symlist[i]);
	mauth_buf_free(&c->out);
	free(c->in);
	free(c->spec);
	free(c);
	*conn = NULL;
}

const struct milter_options *
milter_conn_options(const struct milter_conn *c)
{
	return &c->opt;
}

static int
io_error(struct milter_conn *c, const char *what, ssize_t n, char **error_r)
{
	if (n == 0)
		*error_r = xasprintf("milter %s: connection closed while %s",
		    c->spec, what);
	else if (errno == EAGAIN || errno == EWOULDBLOCK)
		*error_r = xasprintf("milter %s: timeout while %s", c->spec, what);
	else
		*error_r = xasprintf("milter %s: %s while %s", c->spec,
		    strerror(errno), what);
	return -1;
}

static int
write_all(struct milter_conn *c, const void *p, size_t len, char **error_r)
{
	const char *cp = p;

	while (len > 0) {
		ssize_t n = write(c->fd, cp, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return io_error(c, "writing", n < 0 ? -1 : 0, error_r);
		cp += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
flush(struct milter_conn *c, char **error_r)
{
	if (c->out.len == 0)
		return 0;
	int rc = write_all(c, c->out.data, c->out.len, error_r);
	mauth_buf_truncate(&c->out, 0);
	return rc;
}

static int
read_all(struct milter_conn *c, void *p, size_t len, const char *what,
    char **error_r)
{
	char *cp = p;

	while (len > 0) {
		ssize_t n = read(c->fd, cp, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return io_error(c, what, n, error_r);
		cp += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Queue one packet: length, command, data (parts concatenated). */
static int
put_packet(struct milter_conn *c, int cmd, const void *data, size_t len,
    char **error_r)
{
	uint32_t nlen = htonl((uint32_t)(len + 1));
	char ch = (char)cmd;

	mauth_buf_append(&c->out, &nlen, 4);
	mauth_buf_append(&c->out, &ch, 1);
	if (len > 0)
		mauth_buf_append(&c->out, data, len);
	if (c->out.len >= OUT_FLUSH_AT)
		return flush(c, error_r);
	return 0;
}

/* Read one reply packet into c->in; *len_r is the data length. */
static int
get_packet(struct milter_conn *c, int event, int *cmd_r, size_t *len_r,
    char **error_r)
{
	uint32_t nlen;
	unsigned char cmd;
	char what[64];

	snprintf(what, sizeof(what), "reading the reply to %s", cmd_name(event));
	if (read_all(c, &nlen, 4, what, error_r) < 0)
		return -1;
	uint32_t len = ntohl(nlen);
	if (len < 1 || len > MILTER_MAX_REPLY) {
		*error_r = xasprintf("milter %s: bad reply length %lu to %s"
		    " (1..%d)", c->spec, (unsigned long)len, cmd_name(event),
		    MILTER_MAX_REPLY);
		return -1;
	}
	if (read_all(c, &cmd, 1, what, error_r) < 0)
		return -1;
	len--;
	if (len + 1 > c->in_size) {
		c->in_size = len + 1;
		c->in = xrealloc(c->in, c->in_size);
	}
	if (len > 0 && read_all(c, c->in, len, what, error_r) < 0)
		return -1;
	c->in[len] = '\0';
	*cmd_r = cmd;
	*len_r = len;
	return 0;
}

static bool
get_u32(const unsigned char *p, size_t len, size_t *off, uint32_t *v)
{
	uint32_t n;

	if (*off > len || len - *off < 4)
		return false;
	memcpy(&n, p + *off, 4);
	*off += 4;
	*v = ntohl(n);
	return true;
}

static bool
get_str(const unsigned char *p, size_t len, size_t *off, char **s)
{
	if (*off >= len)
		return false;
	const unsigned char *nul = memchr(p + *off, '\0', len - *off);
	if (nul == NULL)
		return false;
	*s = xstrdup((const char *)p + *off);
	*off = (size_t)(nul - p) + 1;
	return true;
}

int
milter_negotiate(struct milter_conn *c, char **error_r)
{
	uint32_t v[3] = { htonl(SMFI_PROT_VERSION), htonl(SMFI_CURR_ACTS),
		htonl(SMFI_CURR_PROT) };
	int cmd;
	size_t len, off = 0;

	if (put_packet(c, SMFIC_OPTNEG, v, sizeof(v), error_r) < 0 ||
	    flush(c, error_r) < 0 ||
	    get_packet(c, SMFIC_OPTNEG, &cmd, &len, error_r) < 0)
		return -1;
	if (cmd != SMFIC_OPTNEG || len < 12) {
		*error_r = xasprintf("milter %s: bad OPTNEG reply (command 0x%02x,"
		    " %zu data bytes)", c->spec, cmd, len);
		return -1;
	}
	get_u32(c->in, len, &off, &c->opt.version);
	get_u32(c->in, len, &off, &c->opt.actions);
	get_u32(c->in, len, &off, &c->opt.pflags);
	if (c->opt.version < 2 || c->opt.version > SMFI_PROT_VERSION) {
		*error_r = xasprintf("milter %s: protocol version %u (want 2..%d)",
		    c->spec, c->opt.version, SMFI_PROT_VERSION);
		return -1;
	}
	if ((c->opt.actions & ~(uint32_t)SMFI_CURR_ACTS) != 0 ||
	    (c->opt.pflags & ~(uint32_t)SMFI_CURR_PROT) != 0) {
		*error_r = xasprintf("milter %s: asked for actions 0x%x /"
		    " steps 0x%x beyond those offered", c->spec,
		    c->opt.actions, c->opt.pflags);
		return -1;
	}
	while (off < len) {
		uint32_t stage;
		char *list;
		if (!get_u32(c->in, len, &off, &stage) ||
		    !get_str(c->in, len, &off, &list)) {
			*error_r = xasprintf("milter %s: truncated macro list in"
			    " OPTNEG reply", c->spec);
			return -1;
		}
		if (stage < MILTER_ST_COUNT) {
			free(c->opt.symlist[stage]);
			c->opt.symlist[stage] = list;
		} else {
			free(list);	/* unknown stage: ignored, as Postfix does */
		}
	}
	return 0;
}

/* Macro name without braces, for comparing with a symbol list. */
static bool
symlist_has(const char *list, const char *name)
{
	size_t nlen = strlen(name);

	if (nlen > 2 && name[0] == '{' && name[nlen - 1] == '}') {
		name++;
		nlen -= 2;
	}
	for (const char *p = list; *p != '\0';) {
		p += strspn(p, " ,");
		size_t wlen = strcspn(p, " ,");
		const char *w = p;
		size_t l = wlen;
		if (l > 2 && w[0] == '{' && w[l - 1] == '}') {
			w++;
			l -= 2;
		}
		if (l == nlen && l > 0 && memcmp(w, name, l) == 0)
			return true;
		p += wlen;
	}
	return false;
}

static enum milter_stage
stage_of(int cmd)
{
	switch (cmd) {
	case SMFIC_CONNECT: return MILTER_ST_CONNECT;
	case SMFIC_HELO: return MILTER_ST_HELO;
	case SMFIC_MAIL: return MILTER_ST_ENVFROM;
	case SMFIC_RCPT: return MILTER_ST_ENVRCPT;
	case SMFIC_DATA: return MILTER_ST_DATA;
	case SMFIC_HEADER: case SMFIC_EOH: return MILTER_ST_EOH;
	default: return MILTER_ST_EOM;
	}
}

static int
put_macros(struct milter_conn *c, int cmd, const struct milter_macro *m,
    size_t n, char **error_r)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	const char *list = c->opt.symlist[stage_of(cmd)];

	mauth_buf_putc(&b, (char)cmd);
	for (size_t i = 0; i < n; i++) {
		if (m[i].value == NULL || (list && !symlist_has(list, m[i].name)))
			continue;
		mauth_buf_append(&b, m[i].name, strlen(m[i].name) + 1);
		mauth_buf_append(&b, m[i].value, strlen(m[i].value) + 1);
	}
	int rc = put_packet(c, SMFIC_MACRO, b.data, b.len, error_r);
	mauth_buf_free(&b);
	return rc;
}

void
milter_reply_clear(struct milter_reply *r)
{
	for (size_t i = 0; i < r->nmods; i++) {
		free(r->mods[i].name);
		free(r->mods[i].value);
	}
	free(r->mods);
	free(r->reply_text);
	memset(r, 0, sizeof(*r));
}

/* The action bit (libmilter's SMFIF_*) a modification needs. */
static uint32_t
mod_action(int cmd)
{
	switch (cmd) {
	/* libmilter's smfi_insheader() needs SMFIF_ADDHDRS, as adding does */
	case SMFIR_ADDHEADER: case SMFIR_INSHEADER: return SMFIF_ADDHDRS;
	case SMFIR_CHGHEADER: return SMFIF_CHGHDRS;
	case SMFIR_ADDRCPT: return SMFIF_ADDRCPT;
	case SMFIR_ADDRCPT_PAR: return SMFIF_ADDRCPT_PAR;
	case SMFIR_DELRCPT: return SMFIF_DELRCPT;
	case SMFIR_CHGFROM: return SMFIF_CHGFROM;
	case SMFIR_REPLBODY: return SMFIF_CHGBODY;
	default: return 0;
	}
}

/* Parse one modification request of a BODYEOB reply into r->mods. */
static int
add_mod(struct milter_conn *c, int cmd, size_t len, struct milter_reply *r,
    char **error_r)
{
	struct milter_mod m = { .op = (char)cmd };
	size_t off = 0;
	bool ok;

	if ((c->opt.actions & mod_action(cmd)) == 0) {
		*error_r = xasprintf("milter %s: modification '%c' without"
		    " negotiating action 0x%x", c->spec, cmd, mod_action(cmd));
		return -1;
	}
	switch (cmd) {
	case SMFIR_ADDHEADER:
		ok = get_str(c->in, len, &off, &m.name) &&
		    get_str(c->in, len, &off, &m.value);
		break;
	case SMFIR_INSHEADER:
	case SMFIR_CHGHEADER:
		ok = get_u32(c->in, len, &off, &m.index) &&
		    get_str(c->in, len, &off, &m.name) &&
		    get_str(c->in, len, &off, &m.value);
		break;
	case SMFIR_ADDRCPT:
	case SMFIR_DELRCPT:
		ok = get_str(c->in, len, &off, &m.name);
		break;
	case SMFIR_CHGFROM:
	case SMFIR_ADDRCPT_PAR:
		ok = get_str(c->in, len, &off, &m.name) &&
		    (off == len || get_str(c->in, len, &off, &m.value));
		break;
	default:	/* SMFIR_REPLBODY: raw bytes, kept as a count */
		m.value = xasprintf("%zu", len);
		off = len;
		ok = true;
		break;
	}
	if (!ok || off != len) {
		*error_r = xasprintf("milter %s: malformed '%c' request"
		    " (%zu data bytes)", c->spec, cmd, len);
		free(m.name);
		free(m.value);
		return -1;
	}
	r->mods = xreallocarray(r->mods, r->nmods + 1, sizeof(*r->mods));
	r->mods[r->nmods++] = m;
	return 0;
}

/* A reply code as Postfix accepts it: [45]dd[ -][same digit]... */
static bool
replycode_ok(const char *s, size_t len)
{
	return strlen(s) + 1 == len && len >= 6 &&
	    (s[0] == '4' || s[0] == '5') &&
	    s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' &&
	    (s[3] == ' ' || s[3] == '-') && s[4] == s[0];
}

static enum milter_verdict
simple_verdict(int cmd)
{
	switch (cmd) {
	case SMFIR_CONTINUE: return MILTER_V_CONTINUE;
	case SMFIR_ACCEPT: return MILTER_V_ACCEPT;
	case SMFIR_REJECT: return MILTER_V_REJECT;
	case SMFIR_TEMPFAIL: return MILTER_V_TEMPFAIL;
	case SMFIR_DISCARD: return MILTER_V_DISCARD;
	case SMFIR_SHUTDOWN: return MILTER_V_SHUTDOWN;
	case SMFIR_SKIP: return MILTER_V_SKIP;
	case SMFIR_CONN_FAIL: return MILTER_V_CONN_FAIL;
	default: return MILTER_V_NONE;
	}
}

/* Read replies to event until one decides it. */
static int
read_replies(struct milter_conn *c, int event, struct milter_reply *r,
    char **error_r)
{
	for (int n = 0; n < MAX_REPLIES; n++) {
		int cmd;
		size_t len;
		if (get_packet(c, event, &cmd, &len, error_r) < 0)
			return -1;
		enum milter_verdict v = simple_verdict(cmd);
		if (v != MILTER_V_NONE || cmd == SMFIR_PROGRESS) {
			if (len != 0) {
				*error_r = xasprintf("milter %s: reply '%c' to %s"
				    " carries %zu unexpected data bytes",
				    c->spec, cmd, cmd_name(event), len);
				return -1;
			}
			if (v == MILTER_V_SKIP && event != SMFIC_BODY) {
				*error_r = xasprintf("milter %s: SKIP in reply to"
				    " %s (only allowed for BODY)", c->spec,
				    cmd_name(event));
				return -1;
			}
			if (v == MILTER_V_NONE)
				continue;	/* progress: still working */
			r->verdict = v;
			return 0;
		}
		if (cmd == SMFIR_REPLYCODE) {
			if (!replycode_ok((const char *)c->in, len)) {
				*error_r = xasprintf("milter %s: malformed reply"
				    " code \"%.60s\" to %s", c->spec,
				    (const char *)c->in, cmd_name(event));
				return -1;
			}
			r->verdict = MILTER_V_REPLYCODE;
			r->reply_text = xstrdup((const char *)c->in);
			return 0;
		}
		if (cmd == SMFIR_QUARANTINE) {
			if (len == 0 || memchr(c->in, '\0', len) == NULL) {
				*error_r = xasprintf("milter %s: malformed"
				    " QUARANTINE reason", c->spec);
				return -1;
			}
			r->quarantined = true;
			continue;
		}
		if (mod_action(cmd) != 0 && event == SMFIC_BODYEOB) {
			if (add_mod(c, cmd, len, r, error_r) < 0)
				return -1;
			continue;
		}
		if (mod_action(cmd) != 0)
			*error_r = xasprintf("milter %s: modification '%c' in reply"
			    " to %s (only allowed at end of message)", c->spec,
			    cmd, cmd_name(event));
		else
			*error_r = xasprintf("milter %s: unknown reply command"
			    " 0x%02x to %s", c->spec, cmd, cmd_name(event));
		return -1;
	}
	*error_r = xasprintf("milter %s: more than %d replies to %s", c->spec,
	    MAX_REPLIES, cmd_name(event));
	return -1;
}

/*
 * One event: macros, then the command unless skipped (skip_flag), then the
 * replies unless the milter does not send one (nr_flag).
 */
static int
event(struct milter_conn *c, int cmd, const struct milter_macro *macros,
    size_t n, uint32_t skip_flag, uint32_t nr_flag, const void *data,
    size_t len, struct milter_reply *r, char **error_r)
{
	memset(r, 0, sizeof(*r));
	if (c->skip_event != 0) {
		if (c->skip_event == cmd)
			return 0;
		c->skip_event = 0;
	}
	if (macros != NULL && put_macros(c, cmd, macros, n, error_r) < 0)
		return -1;
	if ((c->opt.pflags & skip_flag) != 0)
		return 0;
	if (put_packet(c, cmd, data, len, error_r) < 0)
		return -1;
	if ((c->opt.pflags & nr_flag) != 0)
		return 0;
	if (flush(c, error_r) < 0 || read_replies(c, cmd, r, error_r) < 0)
		return -1;
	if (r->verdict == MILTER_V_SKIP)
		c->skip_event = cmd;
	return 0;
}

/* Strings one after the other, each with its NUL. */
static void
put_strings(struct mauth_buf *b, const char *const *s)
{
	for (; *s != NULL; s++)
		mauth_buf_append(b, *s, strlen(*s) + 1);
}

int
milter_connect(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, const char *hostname, const char *addr, uint16_t port,
    struct milter_reply *r, char **error_r)
{
	struct mauth_buf b = MAUTH_BUF_INIT;
	char family = strchr(addr, ':') ? SMFIA_INET6 : SMFIA_INET;
	uint16_t nport = htons(port);

	mauth_buf_append(&b, hostname, strlen(hostname) + 1);
	mauth_buf_putc(&b, family);
	mauth_buf_append(&b, &nport, 2);
	mauth_buf_append(&b, addr, strlen(addr) + 1);
	int rc = event(c, SMFIC_CONNECT, macros, n, SMFIP_NOCONNECT,
	    SMFIP_NR_CONN, b.data, b.len, r, error_r);
	mauth_buf_free(&b);
	return rc;
}

int
milter_helo(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, const char *helo, struct milter_reply *r, char **error_r)
{
	return event(c, SMFIC_HELO, macros, n, SMFIP_NOHELO, SMFIP_NR_HELO,
	    helo, strlen(helo) + 1, r, error_r);
}

int
milter_mail(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, const char *const *args, struct milter_reply *r,
    char **error_r)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	put_strings(&b, args);
	int rc = event(c, SMFIC_MAIL, macros, n, SMFIP_NOMAIL, SMFIP_NR_MAIL,
	    b.data, b.len, r, error_r);
	mauth_buf_free(&b);
	return rc;
}

int
milter_rcpt(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, const char *const *args, struct milter_reply *r,
    char **error_r)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	put_strings(&b, args);
	int rc = event(c, SMFIC_RCPT, macros, n, SMFIP_NORCPT, SMFIP_NR_RCPT,
	    b.data, b.len, r, error_r);
	mauth_buf_free(&b);
	return rc;
}

int
milter_data(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, struct milter_reply *r, char **error_r)
{
	/*
	 * Postfix's smtpd hands the milter socket to its cleanup server after
	 * DATA, so what is buffered leaves now, in a write of its own, even
	 * when the milter skips DATA (its macros still go out).
	 */
	if (event(c, SMFIC_DATA, macros, n, SMFIP_NODATA, SMFIP_NR_DATA,
	    NULL, 0, r, error_r) < 0)
		return -1;
	return flush(c, error_r);
}

int
milter_header(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, const char *name, const char *value, struct milter_reply *r,
    char **error_r)
{
	struct mauth_buf b = MAUTH_BUF_INIT;

	/* Sendmail compatibility: one leading space is eaten unless asked. */
	if ((c->opt.pflags & SMFIP_HDR_LEADSPC) == 0 && *value == ' ')
		value++;
	mauth_buf_append(&b, name, strlen(name) + 1);
	mauth_buf_append(&b, value, strlen(value) + 1);
	int rc = event(c, SMFIC_HEADER, macros, n, SMFIP_NOHDRS, SMFIP_NR_HDR,
	    b.data, b.len, r, error_r);
	mauth_buf_free(&b);
	return rc;
}

int
milter_eoh(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, struct milter_reply *r, char **error_r)
{
	return event(c, SMFIC_EOH, macros, n, SMFIP_NOEOH, SMFIP_NR_EOH,
	    NULL, 0, r, error_r);
}

int
milter_body(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, const void *data, size_t len, struct milter_reply *r,
    char **error_r)
{
	if (len > MILTER_CHUNK_SIZE) {
		*error_r = xasprintf("body chunk of %zu bytes (max %d)", len,
		    MILTER_CHUNK_SIZE);
		return -1;
	}
	return event(c, SMFIC_BODY, macros, n, SMFIP_NOBODY, SMFIP_NR_BODY,
	    data, len, r, error_r);
}

int
milter_eom(struct milter_conn *c, const struct milter_macro *macros,
    size_t n, struct milter_reply *r, char **error_r)
{
	c->skip_event = 0;
	return event(c, SMFIC_BODYEOB, macros, n, 0, 0, NULL, 0, r, error_r);
}

int
milter_abort(struct milter_conn *c, char **error_r)
{
	c->skip_event = 0;
	return put_packet(c, SMFIC_ABORT, NULL, 0, error_r);
}

int
milter_quit(struct milter_conn *c, char **error_r)
{
	if (put_packet(c, SMFIC_QUIT, NULL, 0, error_r) < 0)
		return -1;
	return flush(c, error_r);
}
