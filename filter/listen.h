/*
 * listen.h - open the milter socket the MTA connects to
 */
#ifndef MAUTHD_LISTEN_H
#define MAUTHD_LISTEN_H

#include "conf.h"

/*
 * listen_open - smfi_setconn + smfi_opensocket on conf->socket; for inet
 * sockets TCP_NODELAY on the listening socket, for local: sockets mode
 * SocketMode and owner UserID.  Must run after milter_register() and
 * before privileges are dropped.  0, or -1 with *error_r (caller frees).
 */
int listen_open(const struct mauth_conf *conf, char **error_r);

/*
 * listen_wake - connect to socket_spec (our Socket) and hang up at once.  libmilter
 * polls its listening socket in 5-second rounds while holding the lock
 * smfi_stop() needs; a connection ends the round early.
 */
void listen_wake(const char *socket_spec);

#endif
