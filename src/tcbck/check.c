/*
 * check.c - each registered entry against its file, in parallel: verify,
 * fix what may be fixed (fix.c), verify again, then its links and its
 * checking program.
 *
 * Defends against a file replaced while tcbck works (TOCTOU): each file is
 * opened once with O_PATH|O_NOFOLLOW, verified and fixed through that
 * descriptor (fchownat AT_EMPTY_PATH, chmod and acl_set_fd through
 * /proc/self/fd, linkat AT_EMPTY_PATH), so a symlink planted in its place is
 * reported as the wrong type and never followed.  A wrong content hash is
 * never "fixed" by changing the database: only a copy from `source` may
 * restore the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "exec.h"
#include "parallel.h"
#include "tcbck.h"

/* Hard links and symbolic links the entry lists. */
static void
check_links(struct tcbck *t, const struct tcb_entry *e, int fd,
	    struct findings *out)
{
	struct stat sb, ls, ts;
	unsigned found = 0;
	struct finding *x;

	if (fstat(fd, &sb) == -1)
		return;
	for (unsigned i = 0; i < e->nlinks; i++) {
		const char *l = e->links[i];

		bool missing = lstat(l, &ls) == -1;

		if (!missing && ls.st_dev == sb.st_dev &&
		    ls.st_ino == sb.st_ino) {
			found++;
			continue;
		}
		x = finding_add(out, e->path, "links", true, missing ?
				"link %s is missing" : "link %s is another "
				"file", l);
		fix_link(t, e, fd, out, x, l, LINK_HARD);
		if (x && x->fixed)
			found++;
	}
	/* Names of the inode: this one, its links, and other entries. */
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_nlink > 1) {
		const struct inode *in = inode_find(t, &sb);
		unsigned long known = 1 + found;

		if (in)
			known += in->count - 1;
		for (unsigned i = 0; in && i < e->nlinks; i++)
			if (tcb_db_find_exact(&t->db, e->links[i]))
				known--;	/* counted as an entry too */
		if (sb.st_nlink > known)
			finding_add(out, e->path, "links", true, "%lu hard "
				    "link%s not recorded (tcbck -n tree names "
				    "%s)", (unsigned long)sb.st_nlink - known,
				    sb.st_nlink - known > 1 ? "s" : "",
				    sb.st_nlink - known > 1 ? "them" : "it");
	}
	for (unsigned i = 0; i < e->nsymlinks; i++) {
		const char *s = e->symlinks[i];

		if (lstat(s, &ls) == 0 && S_ISLNK(ls.st_mode) &&
		    stat(s, &ts) == 0 && ts.st_dev == sb.st_dev &&
		    ts.st_ino == sb.st_ino)
			continue;
		x = finding_add(out, e->path, "symlinks", true,
				lstat(s, &ls) == -1 ? "symlink %s is missing" :
				"symlink %s does not point to the file", s);
		fix_link(t, e, fd, out, x, s, LINK_SYMBOLIC);
	}
}

/*
 * The entry's checking program: PROGRAM -n|-y|-p|-t ARGS...  It runs as
 * root, so it must itself be a trusted program that verifies, executed
 * through the descriptor verified (exec.c).  Its output goes to stderr:
 * stdout may be tcbck's JSON.
 */
static void
run_program(struct tcbck *t, const struct tcb_entry *e, struct findings *out)
{
	char flag[3] = { '-', (char)t->mode, '\0' };
	char **argv = calloc(e->nprogram + 2, sizeof(char *));
	struct tp_prog prog;
	struct tp_err why;
	int pipefd[2] = { -1, -1 }, status, child_errno = 0;
	pid_t pid;

	if (argv == NULL)
		return;
	if (tp_prog_open(&t->db, e->program[0], NULL, &prog, &why) !=
	    TP_PROG_OK) {
		finding_add(out, e->path, "program", true, "checking program %s: "
			    "%s", e->program[0], why.msg);
		free(argv);
		return;
	}
	argv[0] = e->program[0];
	argv[1] = flag;
	for (unsigned i = 1; i < e->nprogram; i++)
		argv[i + 1] = e->program[i];
	if (pipe2(pipefd, O_CLOEXEC) == -1)
		goto out;
	fflush(NULL);
	if ((pid = fork()) == 0) {
		if (dup2(STDERR_FILENO, STDOUT_FILENO) != -1)
			tp_prog_exec(&prog, argv, environ);
		child_errno = errno;
		(void)!write(pipefd[1], &child_errno, sizeof(child_errno));
		_exit(127);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	if (pid == -1 || read(pipefd[0], &child_errno, sizeof(child_errno)) > 0)
		finding_add(out, e->path, "program", true, "cannot run checking "
			    "program %s: %s", argv[0], strerror(pid == -1 ?
			    errno : child_errno));
	if (pid != -1 && waitpid(pid, &status, 0) == pid && !child_errno &&
	    (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		finding_add(out, e->path, "program", true, "checking program "
			    "%s failed (status %d)", argv[0],
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
out:
	for (int i = 0; i < 2; i++)
		if (pipefd[i] != -1)
			close(pipefd[i]);
	tp_prog_close(&prog);
	free(argv);
}

/* A mismatch the check found, as a finding (a wrong hash is audited). */
static struct finding *
note_mismatch(struct findings *out, const struct tcb_entry *e,
	      const struct tcb_mismatch *m)
{
	struct finding *x = finding_add(out, e->path, tcb_what_name(m->what),
					true, "%s is %s, should be %s",
					tcb_what_name(m->what), m->is,
					m->should);

	if (x) {
		snprintf(x->is, sizeof(x->is), "%s", m->is);
		snprintf(x->should, sizeof(x->should), "%s", m->should);
	}
	if (m->what == TCB_W_HASH)
		tp_audit_event(TP_EV_DB_MISMATCH, false, "path", e->path,
			       NULL);
	return x;
}

/* Open the entry's file; a missing one is first restored, where it may be. */
static int
open_entry(struct tcbck *t, const struct tcb_entry *e, struct findings *out)
{
	struct finding *x;
	int fd = open(e->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd == -1 && errno == ENOENT) {
		x = finding_add(out, e->path, "missing", true, "not found");
		if (x == NULL || !(e->have & TCB_HAS_SOURCE) ||
		    !may_fix(t, e->path, x->text))
			return -1;
		if ((*e->source ? restore_from_source(e) : create_empty(e)) == -1) {
			audit_fix(e->path, "missing", false);
			return -1;
		}
		audit_fix(e->path, "missing", true);
		finding_fixed(out, x);
		fd = open(e->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd == -1)
		finding_add(out, e->path, "error", true, "%s", strerror(errno));
	return fd;
}

/* Content that differs, and a source to copy it from. */
static bool
needs_restore(const struct tcb_entry *e, const struct tcb_report *rep)
{
	if (!(e->have & TCB_HAS_SOURCE) || !*e->source)
		return false;
	for (unsigned i = 0; i < rep->n; i++)
		if (rep->m[i].what == TCB_W_HASH || rep->m[i].what == TCB_W_SIZE)
			return true;
	return false;
}

/* Copy the source over the file: the descriptor of the new file, the old
   one when nothing was copied, or -1 when the new one cannot be opened. */
static int
restore(struct tcbck *t, const struct tcb_entry *e, int fd,
	struct findings *out)
{
	bool ok;

	if (!may_fix(t, e->path, "content differs from the record; restore "
		     "it from source"))
		return fd;
	ok = restore_from_source(e) == 0;
	audit_fix(e->path, "source", ok);
	if (!ok)
		return fd;
	close(fd);
	if ((fd = open(e->path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		finding_add(out, e->path, "error", true, "%s", strerror(errno));
	return fd;
}

static bool
still_found(const struct tcb_report *now, const char *what)
{
	for (unsigned j = 0; j < now->n; j++)
		if (strcmp(what, tcb_what_name(now->m[j].what)) == 0)
			return true;
	return false;
}

/* The state now decides what was fixed, and what is new. */
static void
reconcile(const struct tcb_entry *e, const struct tcb_report *now,
	  struct finding *const *xs, unsigned nx, struct findings *out)
{
	for (unsigned i = 0; i < nx; i++)
		if (xs[i] && !still_found(now, xs[i]->what))
			finding_fixed(out, xs[i]);
	for (unsigned j = 0; j < now->n; j++)
		if (!finding_of(xs, nx, now->m[j].what))
			note_mismatch(out, e, &now->m[j]);
}

/*
 * -y, -p, -t: mend what the check found (xs, from rep), then check again.
 * After a restore the file is another one: what it has is fixed.  Returns
 * the descriptor of the file now, or -1 when it is gone.
 */
static int
fix_entry(struct tcbck *t, const struct tcb_entry *e, int fd,
	  const struct tcb_report *rep, struct finding *const *xs,
	  struct findings *out)
{
	struct tcb_report now;
	struct tp_err err;

	if (needs_restore(e, rep) && (fd = restore(t, e, fd, out)) == -1)
		return -1;
	if (tcb_verify_fd(e, fd, &now, &err) == 0)
		fix_attributes(t, e, fd, &now, xs, rep->n);
	if (tcb_verify_fd(e, fd, &now, &err) == 0)
		reconcile(e, &now, xs, rep->n, out);
	return fd;
}

static void
check_one(struct tcbck *t, const struct tcb_entry *e, struct findings *out)
{
	struct finding *xs[TCB_MAX_MISMATCH];
	struct tcb_report rep;
	struct tp_err err;
	const char *why;
	int fd;

	if ((fd = open_entry(t, e, out)) == -1)
		return;
	if (tcb_verify_fd(e, fd, &rep, &err) == -1) {
		finding_add(out, e->path, "error", true, "%s", err.msg);
		close(fd);
		return;
	}
	for (unsigned i = 0; i < rep.n; i++)
		xs[i] = note_mismatch(out, e, &rep.m[i]);
	if (t->mode != FIX_NONE && rep.n > 0 &&
	    (fd = fix_entry(t, e, fd, &rep, xs, out)) == -1)
		return;
	check_links(t, e, fd, out);
	if (e->nprogram)
		run_program(t, e, out);
	close(fd);
	if ((e->mode & STZ_MODE_TCB) &&
	    (why = tcb_escape_reason(&t->esc, e->path)) != NULL)
		finding_add(out, e->path, "escape", true, "flagged TCB, and "
			    "runs other programs (%s): tsh runs anything "
			    "through it (chtcb off %s)", why, e->path);
}

/* Entries in parallel: each checked by one thread. */
struct job {
	struct tcbck *t;
	struct tcb_entry **e;
	struct findings *out;
};

static void
check_index(void *ctx, size_t i)
{
	struct job *j = ctx;

	check_one(j->t, j->e[i], &j->out[i]);
	pthread_mutex_lock(&j->t->lock);
	j->t->done++;
	pthread_mutex_unlock(&j->t->lock);
}

int
check_entries(struct tcbck *t, struct tcb_entry **e, size_t n,
	      struct findings *out)
{
	struct job j = { .t = t, .e = e, .out = out };

	for (size_t i = 0; i < n; i++)
		findings_init(&out[i]);
	if (t->inodes == NULL && inodes_build(t) == -1)
		return -1;
	tp_parallel(n, t->mode == FIX_ASK ? 1 : t->jobs, check_index, &j);
	return 0;
}
