/*
 * trusted.h - the record of trusted-path sessions in /run/tpath/trusted:
 * tgetty writes a port's stanza while a trusted shell runs there and
 * removes it when the shell ends; pam_tpath reads it.
 *
 *   /dev/tty8:
 *           user = alice
 *           uid = 1000            the user (what a caller's real UID must be)
 *           sid = 4242            the trusted shell: its PID and session ID
 *           start = 81723         its start time (clock ticks after boot)
 *           tty = /dev/pts/3      its pty (for people)
 *           rdev = 34819          the pty's device number (what counts)
 *           tgetty = 4100         the tgetty that keeps the record
 *           tgetty_start = 80012  its start time
 *           boot = 6f0e...        the boot both started in
 *
 * A record is believed only while the tgetty and the shell it names are
 * alive and are the very processes recorded: a process that later gets
 * one of their PIDs started later.
 */
#ifndef TPATH_TRUSTED_H
#define TPATH_TRUSTED_H

#include <stdbool.h>
#include <sys/types.h>

#include "tperr.h"

#define TP_RUNDIR	"/run/tpath"
#define TP_TRUSTED_FILE	"trusted"
#define TP_TRUSTED_GROUP "tpath"	/* the trusted shell's group */

/* The socket tgetty hands the tsh it starts, named in tsh's environment,
 * and the one request tsh makes on it: leave the trusted path for the
 * user's login shell (one datagram, this line). */
#define TP_CONTROL_ENV	"TPATH_CONTROL_FD"
#define TP_CONTROL_SHELL "shell\n"

struct tp_trusted {
	const char *port;	/* the terminal tgetty owns */
	const char *user;
	uid_t uid;
	pid_t sid;		/* the trusted shell, a session leader */
	const char *tty;
	dev_t rdev;
};

/* Record (replace) port's trusted session, kept by the calling process;
 * rundir is made if missing. */
int tp_trusted_set(const char *rundir, const struct tp_trusted *t,
		   struct tp_err *err);
/* Remove port's record, if there is one. */
int tp_trusted_clear(const char *rundir, const char *port,
		     struct tp_err *err);
/* Remove the records whose tgetty is gone (killed, or another boot). */
int tp_trusted_prune(const char *rundir, struct tp_err *err);
/*
 * Is there a record, in a safe file (root's, not writable by group or
 * others), of a session with ID sid on the pty with device number ctty,
 * of the user uid, whose shell and tgetty are alive as recorded?  -1
 * (and *on false) when the file cannot be trusted or read.
 */
int tp_trusted_check(const char *rundir, pid_t sid, dev_t ctty, uid_t uid,
		     bool *on, struct tp_err *err);

/*
 * Is the calling process on the trusted path: a record of its own session
 * on its own controlling terminal (both from /proc/self/stat, as the
 * kernel has them), for its real user?  Nothing the caller can set
 * (environment, PAM_TTY, file names) enters into it.  -1 (and *on false)
 * on an error.
 */
int tp_trusted_caller(const char *rundir, bool *on, struct tp_err *err);

/*
 * The group a trusted shell of user uid (primary group gid) runs with as
 * its real, effective and saved group ID, the user's own groups kept as
 * supplementary groups.  The kernel lets a process trace another, read
 * its memory or take its descriptors (ptrace, /proc/PID/mem, pidfd_getfd,
 * /proc/PID/fd, process_vm_readv) only when the caller's user and group
 * IDs match all of the target's real, effective and saved ones: a
 * process of the same user with any other real group matches none of the
 * trusted shell's tree.  So the group must be one nobody can take as a
 * real group: the system group TP_TRUSTED_GROUP, with no members (newgrp
 * and sg would give it) and not the user's own primary group.  Root's
 * trusted shell keeps root's group (no process but root's can trace
 * root's).  -1 with the reason when there is no such group.
 */
int tp_trusted_group(uid_t uid, gid_t gid, gid_t *group, struct tp_err *err);

#endif
