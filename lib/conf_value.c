/*
 * conf_value.c - parse, print and release the value types of mauthd.conf
 *
 * Also the checks that single keys attach to their rows (host:port
 * lists, user names, readable files, RFC 8601 authserv-id) and the two
 * public helpers that the daemon needs again at start-up: the Socket
 * form and the UserID lookup.  Nothing here keeps state between calls;
 * the password and group look-ups use the reentrant _r functions because
 * `mauth` and the tests may load configurations from several threads.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "conf_value.h"
#include "ip.h"
#include "xmalloc.h"

/* Fields by type: the table's offset says where, the type says what. */
#define FIELD(type, p)	((type *)(p))

/* ---------------------------------------------------------------- helpers */

/* conf_uint - whole decimal number of at most 9 digits; the end in *end_r */
static int
conf_uint(const char *s, unsigned long *n_r, const char **end_r)
{
	unsigned long n = 0;
	const char *p = s;

	while (isdigit((unsigned char)*p) && p - s < 9)
		n = n * 10 + (unsigned long)(*p++ - '0');
	if (p == s || isdigit((unsigned char)*p))
		return -1;
	*n_r = n;
	*end_r = p;
	return 0;
}

/* conf_port - "1".."65535" and nothing else */
static int
conf_port(const char *s, unsigned *port_r)
{
	unsigned long n;
	const char *end;

	if (conf_uint(s, &n, &end) < 0 || *end != '\0' || n < 1 || n > 65535)
		return -1;
	*port_r = (unsigned)n;
	return 0;
}

/* conf_hostname_ok - LDH labels of 1..63 octets, at most 253 in all */
static bool
conf_hostname_ok(const char *s)
{
	size_t label = 0, len = strlen(s);

	if (len == 0 || len > 253)
		return false;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-' || *p == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

static char *
conf_bad(const char *value, const char *why)
{
	return xasprintf("bad value \"%s\": %s", value, why);
}

/* ---------------------------------------------------------------- Socket */

static int
conf_socket_inet(const char *spec, const char *rest, bool v6,
    struct mauth_conf_socket *sock_r, char **error_r)
{
	const char *at = strchr(rest, '@');
	char *port = at ? xstrndup(rest, (size_t)(at - rest)) : xstrdup(rest);
	int rc = conf_port(port, &sock_r->port);

	free(port);
	if (rc < 0) {
		*error_r = conf_bad(spec, "the port must be a number from 1 to 65535");
		return -1;
	}
	if (at == NULL)
		return 0;	/* libmilter: every local address */

	struct mauth_ip ip;
	const char *addr = at + 1;

	if (mauth_ip_parse(addr, &ip) == 0) {
		if (ip.family != (v6 ? AF_INET6 : AF_INET)) {
			*error_r = conf_bad(spec, v6 ?
			    "inet6: needs an IPv6 address (use inet: for IPv4)" :
			    "inet: needs an IPv4 address (use inet6: for IPv6)");
			return -1;
		}
	} else if (!conf_hostname_ok(addr)) {
		*error_r = conf_bad(spec, "the address after @ is neither an IP address nor a host name");
		return -1;
	}
	sock_r->addr = xstrdup(addr);
	return 0;
}

int
mauth_conf_socket_parse(const char *spec, struct mauth_conf_socket *sock_r,
    char **error_r)
{
	const char *colon = strchr(spec, ':');
	size_t plen = colon ? (size_t)(colon - spec) : 0;

	memset(sock_r, 0, sizeof(*sock_r));
	if (colon == NULL) {
		*error_r = conf_bad(spec, "expected inet:PORT@ADDR, inet6:PORT@ADDR or local:PATH");
		return -1;
	}
	if ((plen == 5 && strncasecmp(spec, "local", 5) == 0) ||
	    (plen == 4 && strncasecmp(spec, "unix", 4) == 0)) {
		const char *path = colon + 1;

		sock_r->kind = MAUTH_CONF_SOCKET_LOCAL;
		if (path[0] != '/') {
			*error_r = conf_bad(spec, "the socket path must be absolute");
			return -1;
		}
		if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			*error_r = conf_bad(spec, "the socket path is too long for a unix socket");
			return -1;
		}
		sock_r->path = xstrdup(path);
		return 0;
	}
	if (plen == 4 && strncasecmp(spec, "inet", 4) == 0) {
		sock_r->kind = MAUTH_CONF_SOCKET_INET;
		return conf_socket_inet(spec, colon + 1, false, sock_r, error_r);
	}
	if (plen == 5 && strncasecmp(spec, "inet6", 5) == 0) {
		sock_r->kind = MAUTH_CONF_SOCKET_INET6;
		return conf_socket_inet(spec, colon + 1, true, sock_r, error_r);
	}
	*error_r = conf_bad(spec, "the socket type must be inet, inet6, local or unix");
	return -1;
}

void
mauth_conf_socket_clear(struct mauth_conf_socket *sock)
{
	free(sock->addr);
	free(sock->path);
	memset(sock, 0, sizeof(*sock));
}

/* ---------------------------------------------------------------- UserID */

/* conf_getpw - getpwnam_r with a buffer that grows as asked; 0, or -1 */
static int
conf_getpw(const char *name, uid_t *uid_r, gid_t *gid_r)
{
	size_t size = 1024;
	int rc;

	for (;;) {
		char *buf = xmalloc(size);
		struct passwd pw, *res = NULL;

		rc = getpwnam_r(name, &pw, buf, size, &res);
		if (rc == 0 && res != NULL) {
			*uid_r = pw.pw_uid;
			*gid_r = pw.pw_gid;
		}
		free(buf);
		if (rc != ERANGE || size > (1u << 20))
			return rc == 0 && res != NULL ? 0 : -1;
		size *= 4;
	}
}

static int
conf_getgr(const char *name, gid_t *gid_r)
{
	size_t size = 1024;
	int rc;

	for (;;) {
		char *buf = xmalloc(size);
		struct group gr, *res = NULL;

		rc = getgrnam_r(name, &gr, buf, size, &res);
		if (rc == 0 && res != NULL)
			*gid_r = gr.gr_gid;
		free(buf);
		if (rc != ERANGE || size > (1u << 20))
			return rc == 0 && res != NULL ? 0 : -1;
		size *= 4;
	}
}

int
mauth_conf_user_lookup(const char *spec, struct mauth_conf_user *user_r,
    char **error_r)
{
	const char *colon = strchr(spec, ':');
	char *name = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);

	memset(user_r, 0, sizeof(*user_r));
	if (name[0] == '\0' || (colon != NULL && colon[1] == '\0')) {
		*error_r = xstrdup("expected user or user:group");
		goto fail;
	}
	if (conf_getpw(name, &user_r->uid, &user_r->gid) < 0) {
		*error_r = xasprintf("no such user \"%s\"", name);
		goto fail;
	}
	if (colon != NULL && conf_getgr(colon + 1, &user_r->gid) < 0) {
		*error_r = xasprintf("no such group \"%s\"", colon + 1);
		goto fail;
	}
	user_r->name = name;
	return 0;
fail:
	free(name);
	return -1;
}

void
mauth_conf_user_clear(struct mauth_conf_user *user)
{
	free(user->name);
	memset(user, 0, sizeof(*user));
}

/* ---------------------------------------------------------------- types */

static int
conf_parse_bool(const char *text, bool *b, char **why_r)
{
	static const char *const yes[] = { "yes", "true", "1" };
	static const char *const no[] = { "no", "false", "0" };

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(text, yes[i]) == 0 || strcasecmp(text, no[i]) == 0) {
			*b = strcasecmp(text, yes[i]) == 0;
			return 0;
		}
	}
	*why_r = conf_bad(text, "expected yes or no (or true/false, 1/0)");
	return -1;
}

static void
conf_format_time(struct mauth_buf *out, unsigned long long ms)
{
	if (ms != 0 && ms % 60000 == 0)
		mauth_buf_printf(out, "%llum", ms / 60000);
	else if (ms != 0 && ms % 1000 == 0)
		mauth_buf_printf(out, "%llus", ms / 1000);
	else
		mauth_buf_printf(out, "%llums", ms);
}

/* A bare number is seconds, as in the DNSTimeout of OpenDKIM. */
static int
conf_parse_time(const struct mauth_conf_def *def, const char *text,
    unsigned *ms_r, char **why_r)
{
	unsigned long n, mult;
	const char *unit;

	if (conf_uint(text, &n, &unit) < 0) {
		*why_r = conf_bad(text, "expected a whole number with unit ms, s or m");
		return -1;
	}
	if (strcmp(unit, "ms") == 0)
		mult = 1;
	else if (strcmp(unit, "s") == 0 || *unit == '\0')
		mult = 1000;
	else if (strcmp(unit, "m") == 0)
		mult = 60000;
	else {
		*why_r = conf_bad(text, "the unit must be ms, s or m");
		return -1;
	}
	unsigned long long ms = (unsigned long long)n * mult;

	if (ms < (unsigned long long)def->min || ms > (unsigned long long)def->max) {
		struct mauth_buf why = MAUTH_BUF_INIT;

		mauth_buf_puts(&why, "must be from ");
		conf_format_time(&why, (unsigned long long)def->min);
		mauth_buf_puts(&why, " to ");
		conf_format_time(&why, (unsigned long long)def->max);
		*why_r = conf_bad(text, mauth_buf_cstr(&why));
		mauth_buf_free(&why);
		return -1;
	}
	*ms_r = (unsigned)ms;
	return 0;
}

static int
conf_parse_enum(const struct mauth_conf_def *def, const char *text, int *v_r,
    char **why_r)
{
	struct mauth_buf why = MAUTH_BUF_INIT;

	for (const struct mauth_conf_name *n = def->names; n->name != NULL; n++) {
		if (strcasecmp(text, n->name) == 0) {
			*v_r = n->value;
			return 0;
		}
	}
	mauth_buf_puts(&why, "expected one of");
	for (const struct mauth_conf_name *n = def->names; n->name != NULL; n++)
		mauth_buf_printf(&why, "%s %s", n == def->names ? "" : ",", n->name);
	*why_r = conf_bad(text, mauth_buf_cstr(&why));
	mauth_buf_free(&why);
	return -1;
}

static int
conf_parse_mode(const struct mauth_conf_def *def, const char *text,
    unsigned *mode_r, char **why_r)
{
	size_t n = strspn(text, "01234567");
	unsigned long mode;

	if (n == 0 || text[n] != '\0' || n > 5) {
		*why_r = conf_bad(text, "expected an octal mode such as 0660");
		return -1;
	}
	mode = strtoul(text, NULL, 8);
	if ((long long)mode < def->min || (long long)mode > def->max) {
		char range[64];

		snprintf(range, sizeof(range), "must be from %04llo to %04llo",
		    def->min, def->max);
		*why_r = conf_bad(text, range);
		return -1;
	}
	*mode_r = (unsigned)mode;
	return 0;
}

/* conf_parse_uint - a whole number within the row's limits */
static int
conf_parse_uint(const struct mauth_conf_def *def, const char *text,
    unsigned *n_r, char **why_r)
{
	unsigned long n;
	const char *end;

	if (conf_uint(text, &n, &end) < 0 || *end != '\0') {
		*why_r = conf_bad(text, "expected a whole number");
		return -1;
	}
	if ((long long)n < def->min || (long long)n > def->max) {
		char range[64];

		snprintf(range, sizeof(range), "must be from %lld to %lld",
		    def->min, def->max);
		*why_r = conf_bad(text, range);
		return -1;
	}
	*n_r = (unsigned)n;
	return 0;
}

static int
conf_check(const struct mauth_conf_def *def, const char *text, char **why_r)
{
	char *why = NULL;

	if (def->check == NULL || def->check(text, &why) == 0)
		return 0;
	*why_r = conf_bad(text, why);
	free(why);
	return -1;
}

static void
conf_list_free(char ***list)
{
	if (*list == NULL)
		return;
	for (char **p = *list; *p != NULL; p++)
		free(*p);
	free(*list);
	*list = NULL;
}

static int
conf_parse_list(const struct mauth_conf_def *def, const char *text,
    char ***list_r, char **why_r)
{
	char **list = xcalloc(1, sizeof(*list));
	size_t count = 0;
	const char *p = text;

	for (;;) {
		p += strspn(p, ", \t");
		if (*p == '\0')
			break;
		size_t n = strcspn(p, ", \t");
		char *item = xstrndup(p, n);

		list = xreallocarray(list, count + 2, sizeof(*list));
		list[count++] = item;
		list[count] = NULL;
		/*
		 * "a,#b" would be written back as "a, #b", which reads as a
		 * comment: an item of its own never starts with '#'
		 */
		if (item[0] == '#') {
			*why_r = conf_bad(item, "a list item cannot start with '#' "
			    "(after a space it starts a comment)");
			conf_list_free(&list);
			return -1;
		}
		if (conf_check(def, item, why_r) < 0) {
			conf_list_free(&list);
			return -1;
		}
		p += n;
	}
	if (count == 0) {
		*why_r = conf_bad(text, "the list is empty");
		conf_list_free(&list);
		return -1;
	}
	*list_r = list;
	return 0;
}

int
mauth_conf_value_parse(const struct mauth_conf_def *def, const char *text,
    void *field, char **why_r)
{
	switch (def->type) {
	case MAUTH_CONF_T_PATH:
		if (text[0] != '/') {
			*why_r = conf_bad(text, "the path must be absolute");
			return -1;
		}
		/* FALLTHROUGH */
	case MAUTH_CONF_T_STRING:
		if (conf_check(def, text, why_r) < 0)
			return -1;
		*FIELD(char *, field) = xstrdup(text);
		return 0;
	case MAUTH_CONF_T_SOCKET: {
		struct mauth_conf_socket sock;

		if (mauth_conf_socket_parse(text, &sock, why_r) < 0)
			return -1;
		mauth_conf_socket_clear(&sock);
		if (conf_check(def, text, why_r) < 0)
			return -1;
		*FIELD(char *, field) = xstrdup(text);
		return 0;
	}
	case MAUTH_CONF_T_BOOL:
		return conf_parse_bool(text, FIELD(bool, field), why_r);
	case MAUTH_CONF_T_TIME:
		return conf_parse_time(def, text, FIELD(unsigned, field), why_r);
	case MAUTH_CONF_T_ENUM:
		return conf_parse_enum(def, text, FIELD(int, field), why_r);
	case MAUTH_CONF_T_MODE:
		return conf_parse_mode(def, text, FIELD(unsigned, field), why_r);
	case MAUTH_CONF_T_UINT:
		return conf_parse_uint(def, text, FIELD(unsigned, field), why_r);
	case MAUTH_CONF_T_LIST:
		return conf_parse_list(def, text, FIELD(char **, field), why_r);
	case MAUTH_CONF_T_CIDRS:
		return mauth_cidr_list_parse(text, FIELD(struct mauth_cidr_list, field),
		    why_r);
	}
	*why_r = xasprintf("internal error: key of unknown type %d", (int)def->type);
	return -1;
}

static void
conf_format_cidrs(const struct mauth_cidr_list *list, struct mauth_buf *out)
{
	char addr[MAUTH_IP_STRLEN];

	for (size_t i = 0; i < list->count; i++) {
		const struct mauth_cidr *c = &list->items[i];

		mauth_buf_printf(out, "%s%s/%u", i ? ", " : "",
		    mauth_ip_format(&c->net, addr, sizeof(addr)), c->bits);
	}
}

bool
mauth_conf_value_format(const struct mauth_conf_def *def, const void *field,
    struct mauth_buf *out)
{
	switch (def->type) {
	case MAUTH_CONF_T_STRING:
	case MAUTH_CONF_T_PATH:
	case MAUTH_CONF_T_SOCKET:
		if (*FIELD(char *const, field) == NULL)
			return false;
		mauth_buf_puts(out, *FIELD(char *const, field));
		return true;
	case MAUTH_CONF_T_BOOL:
		mauth_buf_puts(out, *FIELD(const bool, field) ? "yes" : "no");
		return true;
	case MAUTH_CONF_T_TIME:
		conf_format_time(out, *FIELD(const unsigned, field));
		return true;
	case MAUTH_CONF_T_ENUM:
		for (const struct mauth_conf_name *n = def->names; n->name; n++) {
			if (n->value == *FIELD(const int, field)) {
				mauth_buf_puts(out, n->name);
				return true;
			}
		}
		mauth_buf_printf(out, "%d", *FIELD(const int, field));
		return true;
	case MAUTH_CONF_T_MODE:
		mauth_buf_printf(out, "%04o", *FIELD(const unsigned, field));
		return true;
	case MAUTH_CONF_T_UINT:
		mauth_buf_printf(out, "%u", *FIELD(const unsigned, field));
		return true;
	case MAUTH_CONF_T_LIST: {
		char *const *list = *FIELD(char **const, field);

		if (list == NULL)
			return false;
		for (size_t i = 0; list[i] != NULL; i++)
			mauth_buf_printf(out, "%s%s", i ? ", " : "", list[i]);
		return true;
	}
	case MAUTH_CONF_T_CIDRS:
		if (FIELD(const struct mauth_cidr_list, field)->count == 0)
			return false;
		conf_format_cidrs(FIELD(const struct mauth_cidr_list, field), out);
		return true;
	}
	return false;
}

void
mauth_conf_value_clear(const struct mauth_conf_def *def, void *field)
{
	switch (def->type) {
	case MAUTH_CONF_T_STRING:
	case MAUTH_CONF_T_PATH:
	case MAUTH_CONF_T_SOCKET:
		free(*FIELD(char *, field));
		*FIELD(char *, field) = NULL;
		break;
	case MAUTH_CONF_T_LIST:
		conf_list_free(FIELD(char **, field));
		break;
	case MAUTH_CONF_T_CIDRS:
		mauth_cidr_list_free(FIELD(struct mauth_cidr_list, field));
		break;
	case MAUTH_CONF_T_BOOL:
	case MAUTH_CONF_T_TIME:
	case MAUTH_CONF_T_ENUM:
	case MAUTH_CONF_T_MODE:
	case MAUTH_CONF_T_UINT:
		break;
	}
}
