/*
 * verify.h - check one open file against its database entry.
 *
 * The caller opens the file once and hands over the descriptor; everything
 * is checked on that descriptor (fstat, pread, acl_get_fd), so what was
 * verified is what the caller goes on to use or execute.
 */
#ifndef TPATH_VERIFY_H
#define TPATH_VERIFY_H

#include <sys/stat.h>

#include "tcbdb.h"

enum tcb_what {
	TCB_W_TYPE, TCB_W_OWNER, TCB_W_GROUP, TCB_W_MODE, TCB_W_SIZE,
	TCB_W_HASH, TCB_W_ACL, TCB_W_TARGET,
};

struct tcb_mismatch {
	enum tcb_what what;
	char is[96], should[96];
};

#define TCB_MAX_MISMATCH 8

struct tcb_report {
	unsigned n;
	struct tcb_mismatch m[TCB_MAX_MISMATCH];
};

/*
 * Compare the file open as fd (O_PATH will do for everything but the hash
 * and ACL of a regular file or directory, which need a readable fd) with e.
 * Every mismatch is added to r.  Returns 0 (even with mismatches), or -1 with
 * err when the file could not be examined.
 */
int tcb_verify_fd(const struct tcb_entry *e, int fd, struct tcb_report *r,
		  struct tp_err *err);

/* "owner is 1000, should be root" */
const char *tcb_what_name(enum tcb_what w);
void tcb_mismatch_text(const struct tcb_mismatch *m, char *buf, size_t len);

#endif
