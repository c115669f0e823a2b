/*
 * files.c - small jobs on files and descriptors (files.h).
 *
 * Defends against a second look-up: a descriptor is named and reopened
 * through /proc/self/fd, which is the open inode itself, never by a path
 * that may have been swapped meanwhile; a replacement is a rename in one
 * directory, synced before and after, so a crash leaves the old file or
 * the new one, never a part of either.
 */
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "tperr.h"

int
tp_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void
tp_prefault(void *buf, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)buf & ~(page - 1);
	uintptr_t end = ((uintptr_t)buf + len + page - 1) & ~(page - 1);

	if (len >= 1024 * 1024)		/* best effort: older kernels say no */
		(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}

int
tp_read_all(int fd, size_t hint, size_t max, char **bufp, size_t *lenp)
{
	/* room for one byte past max: that is how "too big" shows */
	size_t len = 0, cap = (hint < max ? hint : max) + 2;
	char *buf = malloc(cap), *nbuf;
	ssize_t n;

	if (buf == NULL)
		return errno = ENOMEM, -1;
	tp_prefault(buf, cap);
	for (;;) {
		if (len == cap - 1) {	/* more than the hint said */
			if (len > max)
				break;
			cap = cap * 2 > max + 2 ? max + 2 : cap * 2;
			if ((nbuf = realloc(buf, cap)) == NULL) {
				free(buf);
				return errno = ENOMEM, -1;
			}
			buf = nbuf;
			continue;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			int e = errno;

			free(buf);
			return errno = e, -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		free(buf);
		return errno = EFBIG, -1;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

const char *
tp_fd_proc(int fd, char buf[TP_FD_PROC_LEN])
{
	snprintf(buf, TP_FD_PROC_LEN, "/proc/self/fd/%d", fd);
	return buf;
}

int
tp_fd_path(int fd, char *buf, size_t len)
{
	char proc[TP_FD_PROC_LEN];
	ssize_t n;

	if ((n = readlink(tp_fd_proc(fd, proc), buf, len)) == -1)
		return -1;
	if ((size_t)n >= len)
		return errno = ENAMETOOLONG, -1;
	buf[n] = '\0';
	return 0;
}

int
tp_fd_reopen(int fd, int flags)
{
	char proc[TP_FD_PROC_LEN];

	return open(tp_fd_proc(fd, proc), flags | O_CLOEXEC | O_NOCTTY);
}

int
tp_open_regular(const char *path, struct stat *sb)
{
	int pfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC), fd = -1;

	if (pfd == -1)
		return -1;
	if (fstat(pfd, sb) == 0) {
		if (S_ISREG(sb->st_mode))
			fd = tp_fd_reopen(pfd, O_RDONLY | O_NONBLOCK);
		else
			errno = EINVAL;
	}
	close(pfd);
	return fd;
}

int
tp_path_split(const char *path, char **dir, const char **base)
{
	const char *slash = strrchr(path, '/');

	*base = slash ? slash + 1 : path;
	*dir = NULL;
	if (**base == '\0' || strcmp(*base, ".") == 0 ||
	    strcmp(*base, "..") == 0)
		return errno = EINVAL, -1;
	*dir = slash == path ? strdup("/") :
	       slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	return *dir ? 0 : (errno = ENOMEM, -1);
}

char *
tp_path_canonical(const char *path)
{
	const char *base;
	char *dir, *real, *out = NULL;

	if (tp_path_split(path, &dir, &base) == -1)
		return errno == EINVAL ? realpath(path, NULL) : NULL;
	if ((real = realpath(dir, NULL)) != NULL &&
	    asprintf(&out, "%s/%s", strcmp(real, "/") ? real : "", base) == -1)
		out = (errno = ENOMEM, NULL);
	free(real);
	free(dir);
	return out;
}

int
tp_replace(int dirfd, const char *tmp, const char *name, int fd,
	   bool *renamed)
{
	int e;

	if (renamed)
		*renamed = false;
	if ((fd != -1 && fsync(fd) == -1) ||
	    renameat(dirfd, tmp, dirfd, name) == -1) {
		e = errno;
		unlinkat(dirfd, tmp, 0);
		return errno = e, -1;
	}
	if (renamed)
		*renamed = true;
	return fsync(dirfd);
}

/* Byte order of the names in a directory, not the order it lists them in
 * (a file system's hash, or the order the files were made): a tree is
 * recorded alike on every machine that has the same files. */
static int
by_name(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

int
tp_tree_names(const char *root, char ***names, size_t *n, struct tp_err *err)
{
	char *roots[] = { (char *)root, NULL }, **nn;
	size_t cap = *n;
	FTSENT *f;
	FTS *fts;
	int rc = 0;

	fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, by_name);
	if (fts == NULL)
		return tp_err_set(err, "%s: %s", root, strerror(errno));
	while ((f = fts_read(fts)) != NULL) {
		if (f->fts_info == FTS_DP)
			continue;	/* a directory, after its names */
		if (f->fts_info == FTS_NS && f->fts_errno == ENOENT)
			continue;	/* gone since its directory was read */
		if (f->fts_info == FTS_DNR || f->fts_info == FTS_ERR ||
		    f->fts_info == FTS_NS) {
			rc = tp_err_set(err, "%s: %s", f->fts_path,
					strerror(f->fts_errno));
			break;
		}
		if (*n == cap) {	/* the caller's array is full, or ours */
			cap = cap ? 2 * cap : 256;
			if ((nn = realloc(*names, cap * sizeof(*nn))) == NULL) {
				rc = tp_err_set(err, "out of memory");
				break;
			}
			*names = nn;
		}
		if (((*names)[*n] = strdup(f->fts_path)) == NULL) {
			rc = tp_err_set(err, "out of memory");
			break;
		}
		(*n)++;
	}
	if (rc == 0 && errno != 0 && f == NULL)
		rc = tp_err_set(err, "%s: %s", root, strerror(errno));
	fts_close(fts);
	return rc;
}

void
tp_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
