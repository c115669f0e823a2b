/*
 * sweep.h - what the secure attention key does first: the sweep that
 * kills every process holding a terminal.  (Recognising the key in what
 * is typed is sakkey.h's.)
 */
#ifndef TPATH_SWEEP_H
#define TPATH_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tperr.h"

/*
 * A terminal a sweep clears: its device number and, for a pty, the devpts
 * instance it lives in.  Every devpts instance (a container's, any other
 * devpts mount) numbers its ptys from 0, so a pty elsewhere may have ours;
 * a pty is reachable only through a node of its own instance, so a holder
 * of ours has a file on that instance.  Any other character device is the
 * same device under every node (/dev/console, a node made with mknod).
 */
struct tp_sweep_dev {
	dev_t rdev;		/* st_rdev */
	dev_t fs;		/* a pty's devpts instance (st_dev), or 0: any
				   node of rdev */
};

#define TP_SWEEP_MAX_DEVS 16

struct tp_sweep {
	struct tp_sweep_dev devs[TP_SWEEP_MAX_DEVS];
	size_t ndevs;
	/* the sessions whose controlling terminal is one of them */
	pid_t sids[TP_SWEEP_MAX_DEVS];
	size_t nsids;
	const char *cgroup;	/* the session's cgroup, or "" / NULL */
	pid_t session;		/* the session's leader, or 0 */
	bool proc_only;		/* walk /proc even where the kernel walk
				   is loaded (the tests of both) */
	/* results */
	unsigned killed;	/* processes killed (or doomed, see below) */
	unsigned scans;		/* passes */
	bool kernel_walk;	/* a pass used the kernel walk */
	struct tp_sweep_state *state;	/* for tp_sweep_finish() */
};

/*
 * Load the kernel walk the sweep uses where it can (BPF iterators over the
 * tasks and their open files: one walk, no path lookups), once, before the
 * first sweep.  -1 with the reason when it cannot (not root, no BPF or BTF
 * in this kernel, not in the initial PID namespace): then every sweep
 * walks /proc, which finds the same holders, slower.  The kernel walk also
 * finds a process by its controlling terminal itself; /proc shows that
 * only by session, which is what both walks match first.
 */
int tp_sweep_prepare(struct tp_err *err);

/*
 * Add a terminal by its device number alone: every node of it, on any
 * file system (/dev/console, /dev/tty0; a pty whose instance is not
 * known).  Duplicates are dropped; -1 with ENOSPC when the sweep is full.
 */
int tp_sweep_add(struct tp_sweep *sw, dev_t rdev);
/*
 * Add the terminal fd is open on (O_PATH will do): its device number and,
 * when it lives on devpts, that instance.  -1 with errno: ENOTTY when it
 * is no character device, ENOSPC when the sweep is full.
 */
int tp_sweep_add_fd(struct tp_sweep *sw, int fd);
/*
 * Is an open file of device rdev, whose node is on the file system fs
 * (st_dev), one of sw's devices?  What both walks ask of every open file
 * (the kernel walk in its own copy, bpf/sweep.bpf.c).
 */
bool tp_sweep_has(const struct tp_sweep *sw, dev_t rdev, dev_t fs);
/* Add the session a terminal is the controlling terminal of (TIOCGSID). */
int tp_sweep_add_session(struct tp_sweep *sw, pid_t sid);

/*
 * Kill every process, except this one, that holds one of sw->devs: an open
 * descriptor for it (in any thread: a file with its number, on its devpts
 * instance for a pty), or as its controlling terminal (it is in one of
 * sw->sids: a terminal's session is the only one it controls).
 * While it runs the session cannot fork its way out: the cgroups of its
 * shells (sw->cgroup/shell-N, or sw->cgroup itself) are frozen, or without
 * a cgroup every process of the session (by session ID) is stopped first
 * with SIGSTOP, scan after scan until none is new.  Holders outside those
 * cgroups are killed with SIGKILL at once, through a pidfd (never a
 * recycled PID), and so are their tracers (any thread's, and theirs);
 * frozen holders are doomed: they cannot run, and are killed by
 * tp_sweep_finish(), so that their exits do not slow down what comes
 * first (the hang-up, the reset, the trusted shell).  Scans repeat until a
 * whole scan finds no new holder.  Returns 0, or -1 when holders
 * still came after the time limit; either way, call tp_sweep_finish().
 */
int tp_sweep_run(struct tp_sweep *sw, struct tp_err *err);

/*
 * Kill the doomed and then their tracers, thaw the frozen cgroups,
 * continue the stopped processes: processes of the session that hold none
 * of the terminals live on.
 */
void tp_sweep_finish(struct tp_sweep *sw);

#endif
