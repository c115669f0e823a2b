/*
 * safeopen.c - open configuration files only root can have written.
 *
 * Threat: a configuration file or database that a non-root user could have
 * written, replaced or redirected (symlink, writable directory, writable
 * ancestor).  The path is resolved once with realpath(3) and then walked from
 * "/" with openat(O_NOFOLLOW), checking each directory that was opened; a
 * component swapped for a symlink after realpath() makes the walk fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "safeopen.h"

/* An ancestor may be writable by others only if it is sticky (like /tmp). */
static int
check_dir(int fd, const char *dir, const char *subject, bool last,
	  struct tp_err *err)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return tp_err_set(err, "%s: %s", dir, strerror(errno));
	if (st.st_uid != 0)
		return tp_err_set(err, "refusing %s: directory %s is owned by "
				  "uid %u, not root", subject, dir,
				  (unsigned)st.st_uid);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
	    (last || !(st.st_mode & S_ISVTX)))
		return tp_err_set(err, "refusing %s: directory %s is writable "
				  "by group or others (mode %04o)", subject,
				  dir, (unsigned)(st.st_mode & 07777));
	return 0;
}

static int
open_dir_safe(const char *path, const char *subject, struct tp_err *err)
{
	char *real, *p;
	int fd, next;

	if ((real = realpath(path, NULL)) == NULL)
		return tp_err_set(err, "%s: %s", path, strerror(errno));
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		tp_err_set(err, "/: %s", strerror(errno));
		goto out;
	}
	/*
	 * real is "/" or "/a/b".  Check each directory as an ancestor before
	 * descending into the next component; the last one strictly.  While a
	 * directory is checked, real is cut to its name for the message.
	 */
	for (p = real + 1; *p != '\0';) {
		char *end = strchrnul(p, '/');
		char after = *end;
		int bad;

		if (p - 1 == real) {
			bad = check_dir(fd, "/", subject, false, err);
		} else {
			p[-1] = '\0';
			bad = check_dir(fd, real, subject, false, err);
			p[-1] = '/';
		}
		if (bad == -1)
			goto fail;
		*end = '\0';
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			      O_CLOEXEC);
		close(fd);
		fd = next;
		if (fd == -1) {
			tp_err_set(err, "refusing %s: %s: %s", subject, real,
				   errno == ELOOP || errno == ENOTDIR ?
				   "changed while it was checked" :
				   strerror(errno));
			goto out;
		}
		*end = after;
		p = after ? end + 1 : end;
	}
	if (check_dir(fd, real, subject, true, err) == 0)
		goto out;
fail:
	close(fd);
	fd = -1;
out:
	free(real);
	return fd;
}

int
tp_open_dir_safe(const char *path, const char *subject, struct tp_err *err)
{
	return open_dir_safe(path, subject, err);
}

static int
open_parent(const char *path, bool safe, char **basep, struct tp_err *err)
{
	const char *base;
	char *dir;
	int fd;

	*basep = NULL;
	if (tp_path_split(path, &dir, &base) == -1 && errno == EINVAL)
		return tp_err_set(err, "%s: not a file name", path);
	if (dir == NULL || (*basep = strdup(base)) == NULL) {
		free(dir);
		return tp_err_set(err, "%s: out of memory", path);
	}
	if (safe) {
		fd = open_dir_safe(dir, path, err);
	} else {
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd == -1)
			tp_err_set(err, "%s: %s", dir, strerror(errno));
	}
	free(dir);
	if (fd == -1) {
		free(*basep);
		*basep = NULL;
	}
	return fd;
}

int
tp_open_parent(const char *path, char **basep, struct tp_err *err)
{
	return open_parent(path, false, basep, err);
}

int
tp_open_parent_safe(const char *path, char **basep, struct tp_err *err)
{
	return open_parent(path, true, basep, err);
}

int
tp_check_fd(int fd, const char *path, struct tp_err *err)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return tp_err_set(err, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return tp_err_set(err, "refusing %s: not a regular file", path);
	if (st.st_uid != 0)
		return tp_err_set(err, "refusing %s: owned by uid %u, not root",
				  path, (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return tp_err_set(err, "refusing %s: writable by group or "
				  "others (mode %04o)", path,
				  (unsigned)(st.st_mode & 07777));
	return 0;
}

int
tp_open_safe(const char *path, int *dirfd_out, struct tp_err *err)
{
	char *base;
	int dfd, fd, saved;

	if ((dfd = tp_open_parent_safe(path, &base, err)) == -1)
		return -1;
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
		    O_CLOEXEC);
	free(base);
	if (fd == -1) {
		saved = errno;
		if (saved == ELOOP)
			tp_err_set(err, "refusing %s: is a symbolic link", path);
		else
			tp_err_set(err, "%s: %s", path, strerror(saved));
		goto fail;
	}
	if (tp_check_fd(fd, path, err) == -1) {
		saved = EPERM;
		close(fd);
		goto fail;
	}
	if (dirfd_out)
		*dirfd_out = dfd;
	else
		close(dfd);
	return fd;
fail:
	close(dfd);
	errno = saved;
	return -1;
}

int
tp_make_state_dir(const char *path, struct tp_err *err)
{
	int fd;

	if (mkdir(path, 0700) == -1)
		return errno == EEXIST ? 0 :
		       tp_err_set(err, "%s: %s", path, strerror(errno));
	/* made now, by us: the descriptor's checks are ours to make */
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		       O_CLOEXEC)) == -1 ||
	    fchown(fd, 0, 0) == -1 || fchmod(fd, 0755) == -1) {
		tp_err_set(err, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
