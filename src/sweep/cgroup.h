/*
 * cgroup.h - a cgroup v2 per session, so that ending a session ends all of
 * it, detached daemons included (cgroup.kill).  Where no writable cgroup v2
 * hierarchy exists, sessions run without one (said in syslog).
 */
#ifndef TPATH_CGROUP_H
#define TPATH_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

/* Make <tgetty's cgroup>/tpath-session-PID; path "" when there is none. */
int cgroup_create(pid_t pid, char *path, size_t len);
/* The directory of our own cgroup in the v2 hierarchy; path "" if none. */
int cgroup_self(char *path, size_t len);
/*
 * A cgroup for one shell of the session: <session>/shell-N (path "" when
 * session is "").  The session's processes live only in these, so that
 * the secure attention key can freeze the old shells' while the new one
 * (the trusted shell) runs.
 */
int cgroup_leaf(const char *session, unsigned n, char *path, size_t len);
/* Remove the shells' cgroups that are empty (a busy one stays). */
void cgroup_prune(const char *session);
/* In the session's first process, before it drops privileges. */
int cgroup_enter(const char *path);
/* Write text to the cgroup's file name (cgroup.freeze, ...). */
int cgroup_write(const char *dir, const char *name, const char *text);
/*
 * Wait until the cgroup's cgroup.events has the line want ("frozen 1",
 * "populated 0"), reading it again every poll_us microseconds for at most
 * limit_ms: it is read, not polled, because the kernel delays its change
 * notifications by up to 10 ms.  -1 with errno (ETIMEDOUT: not in time).
 */
int cgroup_wait(const char *dir, const char *want, unsigned limit_ms,
		unsigned poll_us);
/* Kill everything in it and below, wait until it is empty, remove it. */
int cgroup_end(const char *path);

#endif
