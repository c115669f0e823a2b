/*
 * fix.c - mending what tcbck found, through the descriptor it verified.
 *
 * Defends against a file replaced between the check and the fix: owner and
 * group are set with fchownat(AT_EMPTY_PATH), mode and ACL through
 * /proc/self/fd of the O_PATH descriptor, a hard link with linkat
 * (AT_EMPTY_PATH), so what is fixed is the inode checked, and a symlink
 * planted since is never followed.  A file is replaced only by a copy of
 * its recorded `source` that itself matches the record, written beside it
 * and renamed over it (tp_replace: fsync of file and directory), so its
 * name never points to a half-written file.
 */
#include <acl/libacl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "files.h"
#include "hash.h"
#include "tcbck.h"

bool
may_fix(struct tcbck *t, const char *path, const char *text)
{
	char line[16];
	bool yes;

	if (t->mode == FIX_YES || t->mode == FIX_SILENT)
		return true;
	if (t->mode != FIX_ASK)
		return false;
	pthread_mutex_lock(&t->lock);
	fprintf(t->tty, "%s: %s. Fix it? (y/n) ", path, text);
	fflush(t->tty);
	yes = fgets(line, sizeof(line), t->tty) != NULL &&
	      (line[0] == 'y' || line[0] == 'Y');
	pthread_mutex_unlock(&t->lock);
	return yes;
}

void
audit_fix(const char *path, const char *what, bool ok)
{
	tp_audit_event(TP_EV_DB_FIX, ok, "path", path, "fix", what, NULL);
}

/* Apply one attribute fix to the open file. */
static int
apply_fix(const struct tcb_entry *e, int fd, enum tcb_what w)
{
	char proc[TP_FD_PROC_LEN];
	int rc = -1;

	tp_fd_proc(fd, proc);
	switch (w) {
	case TCB_W_OWNER:
	case TCB_W_GROUP:
		/* keeps the other id; chown clears set-id bits, mode comes next */
		return fchownat(fd, "", w == TCB_W_OWNER ? e->owner : (uid_t)-1,
				w == TCB_W_GROUP ? e->group : (gid_t)-1,
				AT_EMPTY_PATH);
	case TCB_W_MODE:
		return chmod(proc, (mode_t)(e->mode & 07777));
	case TCB_W_ACL: {
		acl_t acl = acl_from_text(e->acl);
		int rfd = tp_fd_reopen(fd, O_RDONLY | O_NONBLOCK);

		if (acl && rfd != -1)
			rc = acl_set_fd(rfd, acl);
		if (rfd != -1)
			close(rfd);
		if (acl)
			acl_free(acl);
		return rc;
	}
	default:
		errno = EINVAL;	/* type, size, hash, target: not by fixing */
		return -1;
	}
}

/* Directory of path (opened without following its last component). */
static int
open_parent(const char *path, const char **base)
{
	char *dir;
	int fd;

	if (tp_path_split(path, &dir, base) == -1)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	return fd;
}

/* A temporary name in a directory, unique to this thread. */
static void
tmp_name(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, ".tcbck-%s.%ld.%ld", tag, (long)getpid(),
		 (long)gettid());
}

/*
 * Copy `source` over path: a temporary file in its directory, renamed, and
 * the directory synced.  A source that does not match the recorded size and
 * hash is refused before it replaces anything: restoring a tampered copy
 * would only move the damage.
 */
int
restore_from_source(const struct tcb_entry *e)
{
	char tmp[96], buf[65536];
	bool renamed = false;
	const char *base;
	struct tp_digest d;
	struct tp_err err;
	struct stat sb;
	ssize_t n;
	int src, dfd, out = -1, rc = -1;

	if ((src = open(e->source, O_RDONLY | O_NOFOLLOW | O_NOCTTY |
			O_NONBLOCK | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(src, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    ((e->have & TCB_HAS_SIZE) && !e->size_volatile &&
	     (unsigned long long)sb.st_size != e->size) ||
	    ((e->have & TCB_HAS_HASH) && !e->size_volatile &&
	     (tp_hash_fd(src, e->hash.alg, &d, e->source, &err) == -1 ||
	      !tp_digest_equal(&d, &e->hash))) ||
	    (dfd = open_parent(e->path, &base)) == -1) {
		close(src);
		return -1;
	}
	tmp_name(tmp, sizeof(tmp), "restore");
	unlinkat(dfd, tmp, 0);
	out = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		     O_CLOEXEC, 0600);
	if (out == -1)
		goto done;
	while ((n = read(src, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			goto done;
	if (n == -1 ||
	    fchown(out, e->have & TCB_HAS_OWNER ? e->owner : sb.st_uid,
		   e->have & TCB_HAS_GROUP ? e->group : sb.st_gid) == -1 ||
	    fchmod(out, e->have & TCB_HAS_MODE ? (mode_t)(e->mode & 07777) :
		   sb.st_mode & 07777) == -1)
		goto done;
	rc = tp_replace(dfd, tmp, base, out, &renamed);
done:
	if (out != -1)
		close(out);
	if (rc == -1 && !renamed)
		unlinkat(dfd, tmp, 0);
	close(dfd);
	close(src);
	return rc;
}

/* A missing file with a blank source: a new empty one of its type. */
int
create_empty(const struct tcb_entry *e)
{
	const char *base;
	int dfd = open_parent(e->path, &base), fd, rc = -1;

	if (dfd == -1)
		return -1;
	if (e->type == TCB_DIRECTORY) {
		rc = mkdirat(dfd, base, 0700);
	} else if (e->type == TCB_FIFO) {
		rc = mkfifoat(dfd, base, 0600);
	} else if (!(e->have & TCB_HAS_TYPE) || e->type == TCB_FILE) {
		fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -1)
			rc = close(fd);
	} else {
		errno = EINVAL;	/* a device needs its numbers: not recorded */
	}
	close(dfd);
	return rc;
}

/*
 * Make `at` a link to the open file (LINK_HARD) or to its path
 * (LINK_SYMBOLIC), replacing what is there: a temporary name in the same
 * directory, renamed over it, so `at` is never missing on the way.
 */
static int
relink(const struct tcb_entry *e, int fd, const char *at,
       enum link_kind kind)
{
	const char *base;
	char tmp[96];
	int dfd = open_parent(at, &base), rc;

	if (dfd == -1)
		return -1;
	tmp_name(tmp, sizeof(tmp), "link");
	unlinkat(dfd, tmp, 0);
	rc = kind == LINK_SYMBOLIC ? symlinkat(e->path, dfd, tmp) :
		   linkat(fd, "", dfd, tmp, AT_EMPTY_PATH);
	if (rc == 0)
		rc = tp_replace(dfd, tmp, base, -1, NULL);
	close(dfd);
	return rc;
}

void
fix_link(struct tcbck *t, const struct tcb_entry *e, int fd,
	 struct findings *out, struct finding *x, const char *at,
	 enum link_kind kind)
{
	bool ok;

	if (x == NULL || !may_fix(t, e->path, x->text))
		return;
	ok = relink(e, fd, at, kind) == 0;
	audit_fix(e->path, kind == LINK_SYMBOLIC ? "symlinks" : "links", ok);
	if (ok)
		finding_fixed(out, x);
}

/*
 * Fix owner, group, mode and ACL from the file's state now.  chown(2)
 * clears the set-ID bits, so the mode is set after any change of owner or
 * group: the recorded mode if that fix was wanted, else the mode it had.
 */
void
fix_attributes(struct tcbck *t, const struct tcb_entry *e, int fd,
	       const struct tcb_report *now, struct finding *const *xs,
	       unsigned nx)
{
	bool chowned = false, want_mode = false;
	char proc[TP_FD_PROC_LEN];
	struct stat before;

	if (fstat(fd, &before) == -1)
		return;
	tp_fd_proc(fd, proc);
	for (unsigned i = 0; i < now->n; i++) {
		enum tcb_what w = now->m[i].what;
		struct finding *x = finding_of(xs, nx, w);
		char text[256];

		if (w != TCB_W_OWNER && w != TCB_W_GROUP && w != TCB_W_MODE &&
		    w != TCB_W_ACL)
			continue;
		tcb_mismatch_text(&now->m[i], text, sizeof(text));
		if (!may_fix(t, e->path, x ? x->text : text))
			continue;
		if (w == TCB_W_MODE) {
			want_mode = true;
			continue;
		}
		if (apply_fix(e, fd, w) == 0) {
			chowned = chowned || w != TCB_W_ACL;
			audit_fix(e->path, tcb_what_name(w), true);
		} else {
			audit_fix(e->path, tcb_what_name(w), false);
		}
	}
	if (want_mode)
		audit_fix(e->path, "mode", apply_fix(e, fd, TCB_W_MODE) == 0);
	else if (chowned && !S_ISLNK(before.st_mode))
		(void)chmod(proc, before.st_mode & 07777);
}
