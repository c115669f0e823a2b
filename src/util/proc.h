/*
 * proc.h - what /proc says of a process: bounded parsers of
 * /proc/PID/stat and of /proc/PID/status, and a process identity that a later process with the
 * same PID cannot have.
 */
#ifndef TPATH_PROC_H
#define TPATH_PROC_H

#include <stdbool.h>
#include <sys/types.h>

struct tp_proc {
	char state;		/* R, S, D, T, Z, ... */
	pid_t ppid, pgrp, sid;
	unsigned tty_nr;	/* the controlling terminal, as the kernel
				   encodes it; 0 for none */
	unsigned long long start;	/* clock ticks after boot */
};

/* /proc/PID/stat of pid (0: the calling process); -1 with errno. */
int tp_proc_read(pid_t pid, struct tp_proc *p);

/* From /proc/PID/status: what /proc/PID/stat does not say. */
struct tp_proc_status {
	pid_t tgid;		/* the process (thread group) of the thread */
	pid_t tracer;		/* the thread that ptraces it, or 0 */
};

/*
 * /proc/PID/status of pid, a process or any of its threads (a TID); -1
 * with errno.  The name (the first line) is escaped by the kernel, so no
 * line can be faked by it.
 */
int tp_proc_status(pid_t pid, struct tp_proc_status *st);

/*
 * How many PID namespaces pid (0: the calling process) is in, from the
 * NSpid line of its status: 1 in the initial one.  -1 with errno.
 */
int tp_proc_ns_levels(pid_t pid, unsigned *levels);

/*
 * A PID as /proc names it (a directory of /proc or of /proc/PID/task, a
 * line of cgroup.procs): decimal digits only, 1 to INT_MAX.  -1 with
 * EINVAL for anything else ("self", "-1", "", "12x", an overflow).
 */
int tp_proc_pid(const char *s, pid_t *pid);

/* The controlling terminal's device number in tty_nr (0: none). */
dev_t tp_proc_tty(const struct tp_proc *p);

/* This boot's ID (/proc/sys/kernel/random/boot_id): 36 characters. */
#define TP_BOOT_ID_LEN 36
int tp_boot_id(char id[TP_BOOT_ID_LEN + 1]);

/*
 * Is pid alive (not a zombie) and started at start, in this boot?  A PID
 * is reused only after its process is gone; the new one started later.
 */
bool tp_proc_is(pid_t pid, unsigned long long start);

#endif
