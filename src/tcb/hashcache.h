/*
 * hashcache.h - content hashes of files, hashed once per process.
 */
#ifndef TPATH_HASHCACHE_H
#define TPATH_HASHCACHE_H

#include <stdbool.h>
#include <sys/stat.h>

#include "hash.h"
#include "tperr.h"

/*
 * The file's content hash, from a cache keyed on (device, inode, size,
 * mtime, ctime): a file unchanged since it was last hashed in this process
 * is not read again.  Thread-safe.
 */
int tcb_hash_cached(int fd, const struct stat *st, enum tp_hash_alg alg,
		    struct tp_digest *out, const char *path,
		    struct tp_err *err);
/* Has a file of st's identity been hashed (with alg) by this process?
 * Its digest then into out. */
bool tcb_hash_known(const struct stat *st, enum tp_hash_alg alg,
		    struct tp_digest *out);
/* The same, and the MD5 of the same bytes (tp_hash_fd_md5), cached
 * together: what a package's file is checked with (dpkg.h). */
int tcb_hash_cached_md5(int fd, const struct stat *st, enum tp_hash_alg alg,
			struct tp_digest *out, unsigned char md5[TP_MD5_LEN],
			const char *path, struct tp_err *err);

#endif
