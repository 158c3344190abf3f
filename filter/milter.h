/*
 * milter.h - mauthd's libmilter callbacks
 */
#ifndef MAUTHD_MILTER_H
#define MAUTHD_MILTER_H

#include "conf.h"
#include "metrics.h"

/*
 * milter_register - hand libmilter our callbacks (smfi_register).  Each
 * session works with the snapshot current when it connects (snapshot.h),
 * so snapshot_start() must have run; metrics must stay valid until
 * smfi_main returns.  0, or -1 when libmilter refuses.
 */
int milter_register(struct metrics *metrics, enum mauth_conf_on_error on_internal_error);

#endif
