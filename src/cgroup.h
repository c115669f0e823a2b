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
/* In the session's first process, before it drops privileges. */
int cgroup_enter(const char *path);
/* Write text to the cgroup's file name (cgroup.freeze, ...). */
int cgroup_write(const char *dir, const char *name, const char *text);
/* Kill everything in it, wait until it is empty, remove it. */
int cgroup_end(const char *path);

#endif
