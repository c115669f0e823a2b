/*
 * portlog.h - failed logins and locked ports, AIX style: logindisable
 * failures within logininterval seconds lock a port; it unlocks after
 * loginreenable minutes, or (0) only when an administrator unlocks it.
 *
 * The state is STATEDIR/portlog (default /var/lib/tpath/portlog), one
 * stanza per port, written atomically through the stanza core.
 */
#ifndef TPATH_PORTLOG_H
#define TPATH_PORTLOG_H

#include <stdbool.h>
#include <time.h>

#include "portcfg.h"

#define TP_PORTLOG "portlog"

/* A failed login on port at now; *locked: this failure locked the port. */
int portlog_fail(const char *statedir, const char *port,
		 const struct port_cfg *pc, time_t now, bool *locked,
		 struct tp_err *err);
/* A successful login: the failures so far no longer count. */
int portlog_success(const char *statedir, const char *port,
		    struct tp_err *err);
/* Is port locked at now?  An expired lock is lifted (and written). */
int portlog_locked(const char *statedir, const char *port,
		   const struct port_cfg *pc, time_t now, bool *locked,
		   struct tp_err *err);
/* An administrator's unlock. */
int portlog_unlock(const char *statedir, const char *port,
		   struct tp_err *err);

#endif
