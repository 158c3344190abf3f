/*
 * milter_reply.c - reading and checking what a milter answers
 *
 * The MTA side of the milter protocol (milter_proto.h): every reply packet
 * is checked for its length, command and data layout, and a modification
 * is only taken at end of message and only when its action was
 * negotiated, as Postfix's milter8.c does.  Strings put into a struct
 * milter_reply belong to it until milter_reply_clear().
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>	/* SMFIF_* action bits */
#include <libmilter/mfdef.h>

#include "milter_int.h"
#include "xmalloc.h"

/* A milter that sends this many replies to one event is looping. */
#define MAX_REPLIES	100000

int
milter_get_packet(struct milter_conn *c, int event, int *cmd_r,
    size_t *len_r, char **error_r)
{
	uint32_t nlen;
	unsigned char cmd;
	char what[64];

	snprintf(what, sizeof(what), "reading the reply to %s",
	    milter_cmd_name(event));
	if (milter_read_all(c, &nlen, 4, what, error_r) < 0)
		return -1;
	uint32_t len = ntohl(nlen);
	if (len < 1 || len > MILTER_MAX_REPLY) {
		*error_r = xasprintf("milter %s: bad reply length %lu to %s"
		    " (1..%d)", c->spec, (unsigned long)len,
		    milter_cmd_name(event), MILTER_MAX_REPLY);
		return -1;
	}
	if (milter_read_all(c, &cmd, 1, what, error_r) < 0)
		return -1;
	len--;
	if (len + 1 > c->in_size) {
		c->in_size = len + 1;
		c->in = xrealloc(c->in, c->in_size);
	}
	if (len > 0 && milter_read_all(c, c->in, len, what, error_r) < 0)
		return -1;
	c->in[len] = '\0';
	*cmd_r = cmd;
	*len_r = len;
	return 0;
}

bool
milter_get_u32(const unsigned char *p, size_t len, size_t *off, uint32_t *v)
{
	uint32_t n;

	if (*off > len || len - *off < 4)
		return false;
	memcpy(&n, p + *off, 4);
	*off += 4;
	*v = ntohl(n);
	return true;
}

bool
milter_get_str(const unsigned char *p, size_t len, size_t *off, char **s)
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
		ok = milter_get_str(c->in, len, &off, &m.name) &&
		    milter_get_str(c->in, len, &off, &m.value);
		break;
	case SMFIR_INSHEADER:
	case SMFIR_CHGHEADER:
		ok = milter_get_u32(c->in, len, &off, &m.index) &&
		    milter_get_str(c->in, len, &off, &m.name) &&
		    milter_get_str(c->in, len, &off, &m.value);
		break;
	case SMFIR_ADDRCPT:
	case SMFIR_DELRCPT:
		ok = milter_get_str(c->in, len, &off, &m.name);
		break;
	case SMFIR_CHGFROM:
	case SMFIR_ADDRCPT_PAR:
		ok = milter_get_str(c->in, len, &off, &m.name) &&
		    (off == len || milter_get_str(c->in, len, &off, &m.value));
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

int
milter_read_replies(struct milter_conn *c, int event, struct milter_reply *r,
    char **error_r)
{
	for (int n = 0; n < MAX_REPLIES; n++) {
		int cmd;
		size_t len;
		if (milter_get_packet(c, event, &cmd, &len, error_r) < 0)
			return -1;
		enum milter_verdict v = simple_verdict(cmd);
		if (v != MILTER_V_NONE || cmd == SMFIR_PROGRESS) {
			if (len != 0) {
				*error_r = xasprintf("milter %s: reply '%c' to %s"
				    " carries %zu unexpected data bytes",
				    c->spec, cmd, milter_cmd_name(event), len);
				return -1;
			}
			if (v == MILTER_V_SKIP && event != SMFIC_BODY) {
				*error_r = xasprintf("milter %s: SKIP in reply to"
				    " %s (only allowed for BODY)", c->spec,
				    milter_cmd_name(event));
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
				    (const char *)c->in, milter_cmd_name(event));
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
			    cmd, milter_cmd_name(event));
		else
			*error_r = xasprintf("milter %s: unknown reply command"
			    " 0x%02x to %s", c->spec, cmd, milter_cmd_name(event));
		return -1;
	}
	*error_r = xasprintf("milter %s: more than %d replies to %s", c->spec,
	    MAX_REPLIES, milter_cmd_name(event));
	return -1;
}
