/*
 * secure.h - what tgetty does when the secure attention key is pressed:
 * clear the terminal of everything untrusted and put it back in a state
 * nothing untrusted chose.
 */
#ifndef TGETTY_SECURE_H
#define TGETTY_SECURE_H

#include <sys/types.h>

#include "portcfg.h"
#include "sweep.h"
#include "tperr.h"

struct key_response {
	const char *path;		/* the terminal tgetty owns */
	int *tty;			/* its descriptor: replaced */
	const char *term;		/* terminfo name */
	const struct port_cfg *pc;	/* synonym */
	/* the session, when one runs (else -1, 0, "", 0) */
	int master;			/* its pty master: hung up */
	dev_t pty;			/* the pty slave */
	const char *cgroup;
	pid_t sid;
	const char *user;		/* for the audit record, or NULL */
	struct tp_sweep sw;		/* the sweep, until secure_finish */
};

/*
 * Discard type-ahead; kill every process but this one that holds the
 * terminal, an alias of it (synonym ports, /dev/console when the console
 * is this terminal) or the session's pty (tp_sweep_run); hang up the pty
 * and the terminal, which revokes descriptors no scan can see; reset the
 * terminal (owner, mode, line settings, VT and terminfo state); write the
 * audit record.  Returns how many processes were killed, or -1 when the
 * terminal could not be taken back (then tgetty must exit).  The session's
 * frozen holders are killed, and its cgroups thawed, by secure_finish():
 * call it once the next shell has started (or at once), always.
 */
int secure_terminal(struct key_response *s, struct tp_err *err);
void secure_finish(struct key_response *s);

#endif
