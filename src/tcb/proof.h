/*
 * proof.h - what a root writer of the index saw of a trusted program whose
 * content it had hashed: the file's identity then and the digest, kept in
 * the index beside the program's stanza (sysck.cfg(5), The index).  A
 * reader whose descriptor has that very identity has that very content,
 * and need not hash it again: the content cannot change without a new
 * change time, which only the kernel sets.
 *
 * The identity: statx's unique mount ID (so a file system unmounted and
 * another mounted with the same device number is another file system, its
 * inodes' times being whatever its image says), device, inode, size,
 * modification and change times.  Unique mount IDs are unique in one boot
 * only: a proof holds in the boot that made it (the index names it).
 * Without unique mount IDs (kernels before 6.8) there are no proofs.
 */
#ifndef TPATH_PROOF_H
#define TPATH_PROOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "hash.h"

struct tcb_proof {
	uint64_t mnt;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	struct tp_digest digest;
};

#define TCB_BOOT_ID_LEN	36	/* /proc/sys/kernel/random/boot_id */

/*
 * The identity of the file at fd (path "") or of path relative to fd (a
 * final symbolic link not followed) into p, and its stat into sb: 0, or
 * -1 when it cannot be had, the kernel gives no unique mount ID, or it is
 * not a regular file.
 */
int tcb_proof_identity(int fd, const char *path, struct tcb_proof *p,
		       struct stat *sb);
/* Do a and b name the same file in the same state (not the digests)? */
bool tcb_proof_same(const struct tcb_proof *a, const struct tcb_proof *b);
/* Does the file at fd have p's identity? */
bool tcb_proof_holds(const struct tcb_proof *p, int fd);
/* The text form (buf of TCB_PROOF_MAX); parsed exactly, 0 or -1. */
#define TCB_PROOF_MAX	256
void tcb_proof_format(const struct tcb_proof *p, char *buf);
int tcb_proof_parse(const char *text, size_t len, struct tcb_proof *p);
/* This boot's ID, NUL-terminated: 0, or -1. */
int tcb_boot_id(char id[TCB_BOOT_ID_LEN + 1]);

#endif
