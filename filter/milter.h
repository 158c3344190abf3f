/*
 * milter.h - mauthd's libmilter callbacks
 */
#ifndef MAUTHD_MILTER_H
#define MAUTHD_MILTER_H

#include "conf.h"
#include "inbound.h"
#include "sign.h"

/*
 * milter_register - hand libmilter our callbacks (smfi_register).  conf,
 * ictx and sctx must stay valid until smfi_main returns.  0, or -1 when
 * libmilter refuses.
 */
int milter_register(const struct mauth_conf *conf, const struct mauth_inbound_ctx *ictx,
    const struct sign_ctx *sctx);

#endif
