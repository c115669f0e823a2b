/*
 * sak.h - the secure attention key: recognising Ctrl-X Ctrl-R in what is
 * typed, and the sweep that kills every process holding a terminal.
 */
#ifndef TPATH_SAK_H
#define TPATH_SAK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tperr.h"

#define TP_SAK_FIRST	('X' & 037)	/* Ctrl-X: passed on at once */
#define TP_SAK_SECOND	('R' & 037)	/* Ctrl-R: completes it, kept back */

/* Where the previous chunk of input left off. */
struct tp_sak {
	bool first_seen;	/* the last byte was Ctrl-X */
};

/*
 * Look for the key in the next len bytes typed.  Returns the offset of
 * the Ctrl-R that completes it (the bytes before it may be passed on),
 * or -1 when buf does not complete it.  A Ctrl-X at the end of one chunk
 * and a Ctrl-R at the start of the next is the key too.
 */
ssize_t tp_sak_find(struct tp_sak *s, const char *buf, size_t len);

/* The terminals a sweep clears: device numbers (st_rdev). */
#define TP_SWEEP_MAX_DEVS 16

struct tp_sweep {
	dev_t devs[TP_SWEEP_MAX_DEVS];
	size_t ndevs;
	/* the sessions whose controlling terminal is one of them */
	pid_t sids[TP_SWEEP_MAX_DEVS];
	size_t nsids;
	const char *cgroup;	/* the session's cgroup, or "" / NULL */
	pid_t session;		/* the session's leader, or 0 */
	/* results */
	unsigned killed;	/* processes killed */
	unsigned scans;		/* passes over /proc */
};

/* Add a terminal by its device number; duplicates are dropped. */
int tp_sweep_add(struct tp_sweep *sw, dev_t dev);
/* Add the session a terminal is the controlling terminal of (TIOCGSID). */
int tp_sweep_add_session(struct tp_sweep *sw, pid_t sid);

/*
 * Kill every process, except this one, that holds one of sw->devs: an open
 * descriptor for it (in any thread), or as its controlling terminal (it is
 * in one of sw->sids: a terminal's session is the only one it controls).
 * While it runs the session cannot fork its way out: its cgroup is frozen
 * (cgroup.freeze), or without one every process of the session (by session
 * ID) is stopped first with SIGSTOP, scan after scan until none is new.
 * Holders are killed with SIGKILL through a pidfd (never a recycled PID), scan after scan until a whole scan finds none.  Then the
 * cgroup is thawed, or the stopped processes continued: processes of the
 * session that hold none of the terminals survive.  Returns 0, or -1 when
 * holders still remained after the time limit (err says how many).
 */
int tp_sweep_run(struct tp_sweep *sw, struct tp_err *err);

#endif
