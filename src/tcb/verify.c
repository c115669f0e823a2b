/*
 * verify.c - check one open file against its database entry.
 *
 * Defends against a file swapped or changed between check and use: every
 * check is made on the caller's descriptor, never on a path.  Every
 * mismatch is reported, not just the first, so the administrator sees the
 * whole damage at once.
 */
#include <acl/libacl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <unistd.h>

#include "files.h"
#include "hashcache.h"
#include "ids.h"
#include "verify.h"

static const char *const what_names[] = {
	[TCB_W_TYPE] = "type", [TCB_W_OWNER] = "owner",
	[TCB_W_GROUP] = "group", [TCB_W_MODE] = "mode",
	[TCB_W_SIZE] = "size", [TCB_W_HASH] = "hash", [TCB_W_ACL] = "acl",
	[TCB_W_TARGET] = "target",
};

const char *
tcb_what_name(enum tcb_what w)
{
	return what_names[w];
}

void
tcb_mismatch_text(const struct tcb_mismatch *m, char *buf, size_t len)
{
	snprintf(buf, len, "%s is %s, should be %s", what_names[m->what],
		 m->is, m->should);
}

/* Copy src, ending in "..." when it does not fit (a long target or ACL). */
static void
copy_cut(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (len < size) {
		memcpy(dst, src, len + 1);
		return;
	}
	memcpy(dst, src, size - 4);
	memcpy(dst + size - 4, "...", 4);
}

static void
add(struct tcb_report *r, enum tcb_what w, const char *is, const char *should)
{
	struct tcb_mismatch *m;

	if (r->n == TCB_MAX_MISMATCH)
		return;
	m = &r->m[r->n++];
	m->what = w;
	copy_cut(m->is, sizeof(m->is), is);
	copy_cut(m->should, sizeof(m->should), should);
}

/* Digests shown in messages: the algorithm and the first 16 hex digits. */
static void
short_digest(const struct tp_digest *d, char *buf, size_t len)
{
	char full[TP_HASH_TEXT];

	tp_hash_format(d, full);
	snprintf(buf, len, "%.*s...", (int)(strlen(tp_hash_name(d->alg)) + 17),
		 full);
}

static int
check_acl(const struct tcb_entry *e, int fd, struct tcb_report *r,
	  struct tp_err *err)
{
	acl_t want = acl_from_text(e->acl), have = acl_get_fd(fd);
	char *text;
	int rc = 0;

	if (want == NULL || have == NULL) {
		rc = tp_err_set(err, "%s: acl: %s", e->path, strerror(errno));
	} else if (acl_cmp(want, have) != 0) {
		text = acl_to_any_text(have, NULL, ',', TEXT_ABBREVIATE);
		add(r, TCB_W_ACL, text ? text : "?", e->acl);
		acl_free(text);
	}
	if (want)
		acl_free(want);
	if (have)
		acl_free(have);
	return rc;
}

/*
 * A readable descriptor for the same inode: fd itself, or (for an O_PATH
 * fd) a reopening through /proc/self/fd, which names the inode, not a path
 * that could have been replaced.  Only regular files and directories are
 * ever opened for reading, so a device or FIFO is never opened.
 */
static int
readable(int fd, enum tcb_type type, const char *path, struct tp_err *err)
{
	int flags = fcntl(fd, F_GETFL), rfd;

	if (flags == -1)
		return tp_err_set(err, "%s: %s", path, strerror(errno));
	if (!(flags & O_PATH))
		return fd;
	if (type != TCB_FILE && type != TCB_DIRECTORY)
		return tp_err_set(err, "%s: not a file to read", path);
	if ((rfd = tp_fd_reopen(fd, O_RDONLY | O_NONBLOCK)) == -1)
		return tp_err_set(err, "%s: %s", path, strerror(errno));
	return rfd;
}

/* Owner, group, mode and size, from what fstat said. */
static void
check_inode(const struct tcb_entry *e, const struct stat *st,
	    enum tcb_type type, struct tcb_report *r)
{
	char is[96], should[96];

	if ((e->have & TCB_HAS_OWNER) && st->st_uid != e->owner)
		add(r, TCB_W_OWNER, tcb_user_name(st->st_uid, is),
		    tcb_user_name(e->owner, should));
	if ((e->have & TCB_HAS_GROUP) && st->st_gid != e->group)
		add(r, TCB_W_GROUP, tcb_group_name(st->st_gid, is),
		    tcb_group_name(e->group, should));
	if ((e->have & TCB_HAS_MODE) && type != TCB_SYMLINK &&
	    (st->st_mode & 07777) != (e->mode & 07777)) {
		snprintf(is, sizeof(is), "%04o", (unsigned)(st->st_mode & 07777));
		snprintf(should, sizeof(should), "%04o",
			 (unsigned)(e->mode & 07777));
		add(r, TCB_W_MODE, is, should);
	}
	if ((e->have & TCB_HAS_SIZE) && !e->size_volatile &&
	    type == TCB_FILE && (unsigned long long)st->st_size != e->size) {
		snprintf(is, sizeof(is), "%lld", (long long)st->st_size);
		snprintf(should, sizeof(should), "%llu", e->size);
		add(r, TCB_W_SIZE, is, should);
	}
}

/* A symbolic link's target (fd: O_PATH on the link itself). */
static int
check_target(const struct tcb_entry *e, int fd, struct tcb_report *r,
	     struct tp_err *err)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);

	if (n == -1)
		return tp_err_set(err, "%s: %s", e->path, strerror(errno));
	target[n] = '\0';
	if (strcmp(target, e->target) != 0)
		add(r, TCB_W_TARGET, target, e->target);
	return 0;
}

/* The content (VOLATILE: it changes in use, so its hash means nothing). */
static int
check_hash(const struct tcb_entry *e, int rfd, const struct stat *st,
	   struct tcb_report *r, struct tp_err *err)
{
	char is[96], should[96];
	struct tp_digest d;

	if (e->proof && tcb_proof_holds(e->proof, rfd))
		return 0;	/* the content hashed when the proof was made */
	if (tcb_hash_cached(rfd, st, e->hash.alg, &d, e->path, err) == -1)
		return -1;
	if (!tp_digest_equal(&d, &e->hash)) {
		short_digest(&d, is, sizeof(is));
		short_digest(&e->hash, should, sizeof(should));
		add(r, TCB_W_HASH, is, should);
	}
	return 0;
}

int
tcb_verify_fd(const struct tcb_entry *e, int fd, struct tcb_report *r,
	      struct tp_err *err)
{
	struct stat st;
	enum tcb_type type, want;
	bool hash, acl;
	int rfd = -1, rc = -1;

	r->n = 0;
	if (fstat(fd, &st) == -1)
		return tp_err_set(err, "%s: %s", e->path, strerror(errno));
	type = tcb_type_of(st.st_mode);
	/* a hash or a size is of a regular file, type or no type */
	want = e->have & TCB_HAS_TYPE ? e->type :
	       e->have & (TCB_HAS_HASH | TCB_HAS_SIZE) ? TCB_FILE : type;
	if (type != want) {
		/* a different kind of file: its other attributes mean nothing */
		add(r, TCB_W_TYPE, tcb_type_name(type), tcb_type_name(want));
		return 0;
	}
	check_inode(e, &st, type, r);
	if ((e->have & TCB_HAS_TARGET) && type == TCB_SYMLINK &&
	    check_target(e, fd, r, err) == -1)
		return -1;
	hash = (e->have & TCB_HAS_HASH) && !e->size_volatile &&
	       type == TCB_FILE;
	acl = (e->have & TCB_HAS_ACL) &&
	      (type == TCB_FILE || type == TCB_DIRECTORY);
	if ((hash || acl) && (rfd = readable(fd, type, e->path, err)) == -1)
		return -1;
	if ((!hash || check_hash(e, rfd, &st, r, err) == 0) &&
	    (!acl || check_acl(e, rfd, r, err) == 0))
		rc = 0;
	if (rfd != -1 && rfd != fd)
		close(rfd);
	return rc;
}
