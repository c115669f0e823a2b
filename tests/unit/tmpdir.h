/* tmpdir.h - a root-owned scratch directory for one group of unit tests. */
#ifndef TPATH_TEST_TMPDIR_H
#define TPATH_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* /tmp/PREFIX.XXXXXX, mode 0755 (configuration directories need it). */
static inline int
tmpdir_make(char *dir, size_t len, const char *prefix)
{
	snprintf(dir, len, "/tmp/%s.XXXXXX", prefix);
	return mkdtemp(dir) ? chmod(dir, 0755) : -1;
}

static inline int
tmpdir_remove(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	return system(cmd);
}

#endif
