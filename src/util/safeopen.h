/*
 * safeopen.h - open configuration files that only root can have written.
 *
 * Defends against a configuration or database file that someone other than
 * root could have written or swapped: the file, its directory and every
 * directory above must be owned by root and not writable by group or others
 * (an ancestor may be world-writable only with the sticky bit, like /tmp).
 * The checks are made on the descriptors that were opened, never on a path
 * looked up a second time.
 */
#ifndef TPATH_SAFEOPEN_H
#define TPATH_SAFEOPEN_H

#include "tperr.h"

#include <stdbool.h>

/*
 * Open a directory after checking it and its ancestors; O_DIRECTORY fd.
 * Messages say "refusing SUBJECT: ..." (subject: what is being opened).
 */
int tp_open_dir_safe(const char *path, const char *subject,
		     struct tp_err *err);

/*
 * Open the directory that holds path and return the file's own name in
 * *basep (malloc'd; the caller frees it); tp_open_parent_safe checks the
 * directory and its ancestors as above.
 */
int tp_open_parent(const char *path, char **basep, struct tp_err *err);
int tp_open_parent_safe(const char *path, char **basep, struct tp_err *err);

/*
 * Open path read-only with O_NOFOLLOW|O_CLOEXEC, through its directory
 * (checked as above), and check the file.
 * Returns the fd, or -1 with errno set (ENOENT when the file is missing) and
 * err saying why.  With dirfd_out, the directory's descriptor is returned
 * too (it is closed otherwise).
 */
int tp_open_safe(const char *path, int *dirfd_out, struct tp_err *err);

/*
 * Make the state directory path (its parent must exist) when it is
 * missing: root's, mode 0755, whatever the umask.  One that exists is
 * left as it is, for the safe open to judge.
 */
int tp_make_state_dir(const char *path, struct tp_err *err);

/* Check an open regular file: owned by root, not group/other writable. */
int tp_check_fd(int fd, const char *path, struct tp_err *err);

#endif
