/*
 * cgroup.c - a cgroup v2 per session.
 *
 * Defends against a session outliving its logout: a process that detaches
 * (a new session, a double fork) is still in the session's cgroup, and
 * cgroup.kill ends it with the rest, atomically, so nothing forks its way
 * out while it is being killed.  The hierarchy is found where it is
 * mounted: /sys/fs/cgroup (unified) or /sys/fs/cgroup/unified (hybrid).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "clock.h"

static const char *const mounts[] = {
	"/sys/fs/cgroup", "/sys/fs/cgroup/unified", NULL,
};

int
cgroup_write(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	int fd, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	if (write(fd, text, strlen(text)) == (ssize_t)strlen(text))
		rc = 0;
	close(fd);
	return rc;
}

/* Our own cgroup in the v2 hierarchy ("0::/path" in /proc/self/cgroup). */
static int
own_cgroup(char *buf, size_t len)
{
	char line[PATH_MAX + 8];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int rc = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			if (strlen(line + 3) < len) {
				memcpy(buf, line + 3, strlen(line + 3) + 1);
				rc = 0;
			}
			break;
		}
	}
	fclose(f);
	return rc;
}

/* Our own cgroup's directory, with suffix after it ("" or "/name"). */
static int
own_dir(const char *suffix, char *path, size_t len)
{
	char own[PATH_MAX];
	struct statfs fs;

	path[0] = '\0';
	if (own_cgroup(own, sizeof(own)) == -1)
		return -1;
	for (const char *const *m = mounts; *m; m++) {
		if (statfs(*m, &fs) == -1 || fs.f_type != CGROUP2_SUPER_MAGIC)
			continue;
		if ((size_t)snprintf(path, len, "%s%s%s", *m,
				     strcmp(own, "/") ? own : "", suffix) < len)
			return 0;
		break;
	}
	path[0] = '\0';
	return -1;
}

int
cgroup_self(char *path, size_t len)
{
	return own_dir("", path, len);
}

int
cgroup_create(pid_t pid, char *path, size_t len)
{
	char name[64];

	snprintf(name, sizeof(name), "/tpath-session-%ld", (long)pid);
	if (own_dir(name, path, len) == -1)
		return -1;
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	path[0] = '\0';
	return -1;
}

int
cgroup_leaf(const char *session, unsigned n, char *path, size_t len)
{
	path[0] = '\0';
	if (*session == '\0')
		return 0;
	if ((size_t)snprintf(path, len, "%s/shell-%u", session, n) >= len ||
	    (mkdir(path, 0755) == -1 && errno != EEXIST)) {
		path[0] = '\0';
		return -1;
	}
	return 0;
}

int
cgroup_enter(const char *path)
{
	return *path ? cgroup_write(path, "cgroup.procs", "0") : 0;
}

/* Is want one of the lines of text? */
static bool
has_line(const char *text, const char *want)
{
	size_t len = strlen(want);

	for (const char *at = text; (at = strstr(at, want)) != NULL; at++)
		if ((at == text || at[-1] == '\n') &&
		    (at[len] == '\n' || at[len] == '\0'))
			return true;
	return false;
}

int
cgroup_wait(const char *dir, const char *want, unsigned limit_ms,
	    unsigned poll_us)
{
	char path[PATH_MAX], buf[256];
	struct timespec t0, step = { poll_us / 1000000,
				     (long)(poll_us % 1000000) * 1000 };
	int fd, rc = -1;

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	tp_clock_start(&t0);
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

		if (n <= 0) {
			errno = n == 0 ? EINVAL : errno;
			break;
		}
		buf[n] = '\0';
		if (has_line(buf, want)) {
			rc = 0;
			break;
		}
		if (tp_ms_since(&t0) >= (long)limit_ms) {
			errno = ETIMEDOUT;
			break;
		}
		nanosleep(&step, NULL);
	}
	close(fd);
	return rc;
}

int
cgroup_end(const char *path)
{
	if (*path == '\0')
		return 0;
	if (cgroup_write(path, "cgroup.kill", "1") == -1)
		return -1;
	cgroup_wait(path, "populated 0", 5000, 10000);	/* then it is empty */
	cgroup_prune(path);	/* a cgroup with children cannot go */
	return rmdir(path);
}

void
cgroup_prune(const char *session)
{
	struct dirent *e;
	DIR *dir;

	if (*session == '\0' || (dir = opendir(session)) == NULL)
		return;
	while ((e = readdir(dir)) != NULL)
		if (e->d_type == DT_DIR && strncmp(e->d_name, "shell-", 6) == 0)
			unlinkat(dirfd(dir), e->d_name, AT_REMOVEDIR);
	closedir(dir);
}
