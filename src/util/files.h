/*
 * files.h - small jobs on files and descriptors that several parts of
 * tpath do: writing all of a buffer, reading a whole file within a bound,
 * naming and reopening an open descriptor through /proc/self/fd (which
 * names the inode, never a path looked up again), splitting a path, and
 * putting a new file in the place of another atomically.
 */
#ifndef TPATH_FILES_H
#define TPATH_FILES_H

#include <stdbool.h>
#include <stddef.h>

/* All len bytes of buf to fd, through EINTR and short writes; 0, or -1. */
int tp_write_all(int fd, const void *buf, size_t len);

/* Fault a large buffer (a MiB or more) in with one call, not one fault per
 * page; best effort. */
void tp_prefault(void *buf, size_t len);

/*
 * All of fd, at most max bytes (more: -1 with EFBIG), into *buf
 * (malloc'd, NUL-terminated) and *len; hint: the size expected (fstat's),
 * so that the usual read needs no reallocation.  -1 with errno.
 */
int tp_read_all(int fd, size_t hint, size_t max, char **buf, size_t *len);

/* "/proc/self/fd/N" for fd, in buf: a name of the open inode itself, for
 * calls that take a path (chmod on an O_PATH descriptor). */
#define TP_FD_PROC_LEN 32
const char *tp_fd_proc(int fd, char buf[TP_FD_PROC_LEN]);

/* The name of what open descriptor fd is, as the kernel has it. 0, or -1
 * with errno (ENAMETOOLONG when it does not fit in len). */
int tp_fd_path(int fd, char *buf, size_t len);

/* The inode fd refers to (O_PATH or not) opened again with flags
 * (O_CLOEXEC and O_NOCTTY added): a descriptor, or -1 with errno. */
int tp_fd_reopen(int fd, int flags);

/*
 * Open path for reading only if it is a regular file (a final symbolic
 * link not followed; a device or FIFO never opened for reading, which can
 * have effects): its descriptor, *sb its state; -1 with errno (EINVAL for
 * another type).
 */
struct stat;
int tp_open_regular(const char *path, struct stat *sb);

/*
 * path's directory (malloc'd: "/" for "/b", "." for "b") and its last
 * component (*base points into path).  -1 with EINVAL when the last
 * component is empty, "." or "..", ENOMEM when out of memory.
 */
int tp_path_split(const char *path, char **dir, const char **base);

/*
 * path as a file is recorded under it: its directory resolved (realpath),
 * its last component kept, so a final symbolic link stays itself; a path
 * ending in "/", "." or ".." is resolved whole.  malloc'd, or NULL with
 * errno.
 */
char *tp_path_canonical(const char *path);

/*
 * Every name under root, root first, symbolic links not followed (fts(3),
 * physical), each directory's names in byte order: appended to *names
 * (malloc'd, each malloc'd), *n counting them; a name gone while the walk
 * ran is left out.  A directory that cannot be read is an error: -1 with
 * the reason in err, the names so far kept.
 */
struct tp_err;
int tp_tree_names(const char *root, char ***names, size_t *n,
		  struct tp_err *err);
void tp_names_free(char **names, size_t n);

/*
 * Put the temporary file tmp, made in dirfd by the caller (its descriptor
 * fd, or -1 for a link), in the place of name: fd synced, tmp renamed
 * over name, the directory synced, so that name is the old file or the
 * new one, whole, whatever happens, and stays so.  On an error before the
 * rename tmp is removed.  0, or -1 with errno; *renamed (when not NULL)
 * says whether name is the new file.
 */
int tp_replace(int dirfd, const char *tmp, const char *name, int fd,
	       bool *renamed);

#endif
