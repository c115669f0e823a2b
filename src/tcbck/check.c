/*
 * tcbck_check.c - check registered files against the database, fix what
 * may be fixed, and walk the tree for files that should be registered.
 *
 * Defends against a file replaced while tcbck works (TOCTOU): each file is
 * opened once with O_PATH|O_NOFOLLOW, verified and fixed through that
 * descriptor (fchownat AT_EMPTY_PATH, chmod and acl_set_fd through
 * /proc/self/fd, linkat AT_EMPTY_PATH), so a symlink planted in its place is
 * reported as the wrong type and never followed.  A wrong content hash is
 * never "fixed" by changing the database: only a copy from `source` may
 * restore the file.  Unregistered files found by the tree walk are changed
 * only after a yes on the terminal (-t).
 */
#include <acl/libacl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include "audit.h"
#include "exec.h"
#include "files.h"
#include "tcbck.h"
#include "verify.h"

void
findings_init(struct findings *f)
{
	f->head = NULL;
	f->tail = &f->head;
	f->n = f->unfixed = 0;
}

void
findings_free(struct findings *f)
{
	struct finding *x, *next;

	for (x = f->head; x; x = next) {
		next = x->next;
		free(x->path);
		free(x);
	}
	findings_init(f);
}

struct finding *
finding_add(struct findings *f, const char *path, const char *what,
	    bool registered, const char *fmt, ...)
{
	struct finding *x = calloc(1, sizeof(*x));
	va_list ap;

	if (x == NULL || (x->path = strdup(path)) == NULL) {
		free(x);
		return NULL;
	}
	x->what = what;
	x->registered = registered;
	va_start(ap, fmt);
	vsnprintf(x->text, sizeof(x->text), fmt, ap);
	va_end(ap);
	*f->tail = x;
	f->tail = &x->next;
	f->n++;
	f->unfixed++;
	return x;
}

static void
mark_fixed(struct findings *f, struct finding *x)
{
	if (x && !x->fixed) {
		x->fixed = true;
		f->unfixed--;
	}
}

/* -y and -p fix; -t fixes what the person at the terminal agrees to. */
static bool
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

static void
audit_fix(const char *path, const char *what, bool ok)
{
	tp_audit(TP_AUDIT_TRUSTED_APP, ok, "tcbck-fix", "path", path, "fix",
		 what, NULL);
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
static int
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
static int
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

/* The inode map: every registered regular file with more than one link. */
static struct inode *
inode_slot(struct inode *tab, size_t n, dev_t dev, ino_t ino)
{
	size_t i = ((size_t)ino * 0x9e3779b97f4a7c15ULL ^ (size_t)dev) & (n - 1);

	while (tab[i].e && !(tab[i].dev == dev && tab[i].ino == ino))
		i = (i + 1) & (n - 1);
	return &tab[i];
}

static int
inodes_build(struct tcbck *t)
{
	const struct tcb_entry *e;
	struct stat sb;
	size_t n = 0;

	for (e = tcb_db_next(&t->db, NULL); e; e = tcb_db_next(&t->db, e))
		n++;
	for (t->ninodes = 64; t->ninodes < n * 2; t->ninodes *= 2)
		;
	if ((t->inodes = calloc(t->ninodes, sizeof(*t->inodes))) == NULL)
		return -1;
	for (e = tcb_db_next(&t->db, NULL); e; e = tcb_db_next(&t->db, e)) {
		struct inode *in;

		if (lstat(e->path, &sb) == -1 || !S_ISREG(sb.st_mode) ||
		    sb.st_nlink < 2)
			continue;
		in = inode_slot(t->inodes, t->ninodes, sb.st_dev, sb.st_ino);
		if (in->e == NULL)
			*in = (struct inode){ sb.st_dev, sb.st_ino, e, 0 };
		in->count++;
	}
	return 0;
}

static const struct inode *
inode_find(const struct tcbck *t, const struct stat *sb)
{
	const struct inode *in;

	if (t->inodes == NULL)
		return NULL;
	in = inode_slot(t->inodes, t->ninodes, sb->st_dev, sb->st_ino);
	return in->e ? in : NULL;
}

static const struct tcb_entry *
inode_entry(const struct tcbck *t, const struct stat *sb)
{
	const struct inode *in = inode_find(t, sb);

	return in ? in->e : NULL;
}

/*
 * Make `at` a hard link to the open file (or, with symlink, a symbolic link
 * to its path), replacing what is there: a temporary name in the same
 * directory, renamed over it, so `at` is never missing on the way.
 */
static int
relink(const struct tcb_entry *e, int fd, const char *at, bool sym)
{
	const char *base;
	char tmp[96];
	int dfd = open_parent(at, &base), rc;

	if (dfd == -1)
		return -1;
	tmp_name(tmp, sizeof(tmp), "link");
	unlinkat(dfd, tmp, 0);
	rc = sym ? symlinkat(e->path, dfd, tmp) :
		   linkat(fd, "", dfd, tmp, AT_EMPTY_PATH);
	if (rc == 0)
		rc = tp_replace(dfd, tmp, base, -1, NULL);
	close(dfd);
	return rc;
}

static void
fix_link(struct tcbck *t, const struct tcb_entry *e, int fd,
	 struct findings *out, struct finding *x, const char *at, bool sym)
{
	bool ok;

	if (x == NULL || !may_fix(t, e->path, x->text))
		return;
	ok = relink(e, fd, at, sym) == 0;
	audit_fix(e->path, sym ? "symlinks" : "links", ok);
	if (ok)
		mark_fixed(out, x);
}

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
		fix_link(t, e, fd, out, x, l, false);
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
			if (stz_find(t->db.doc, e->links[i]))
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
		fix_link(t, e, fd, out, x, s, true);
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

static struct finding *
report(struct findings *out, const struct tcb_entry *e,
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
		tp_audit(TP_AUDIT_TRUSTED_APP, false, "tcbck-hash-mismatch",
			 "path", e->path, NULL);
	return x;
}

static struct finding *
found(struct finding *const *xs, unsigned n, enum tcb_what w)
{
	for (unsigned i = 0; i < n; i++)
		if (xs[i] && strcmp(xs[i]->what, tcb_what_name(w)) == 0)
			return xs[i];
	return NULL;
}

/*
 * Fix owner, group, mode and ACL from the file's state now.  chown(2)
 * clears the set-ID bits, so the mode is set after any change of owner or
 * group: the recorded mode if that fix was wanted, else the mode it had.
 */
static void
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
		struct finding *x = found(xs, nx, w);
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

static void
check_one(struct tcbck *t, const struct tcb_entry *e, struct findings *out)
{
	struct tcb_report rep, now;
	struct tp_err err;
	struct finding *x, *xs[TCB_MAX_MISMATCH];
	bool restore = false;
	unsigned nx;
	int fd;

	fd = open(e->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		x = finding_add(out, e->path, "missing", true, "not found");
		if (x == NULL || !(e->have & TCB_HAS_SOURCE) ||
		    !may_fix(t, e->path, x->text))
			return;
		if ((*e->source ? restore_from_source(e) : create_empty(e)) == -1) {
			audit_fix(e->path, "missing", false);
			return;
		}
		audit_fix(e->path, "missing", true);
		mark_fixed(out, x);
		fd = open(e->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd == -1) {
		finding_add(out, e->path, "error", true, "%s", strerror(errno));
		return;
	}
	if (tcb_verify_fd(e, fd, &rep, &err) == -1) {
		finding_add(out, e->path, "error", true, "%s", err.msg);
		goto done;
	}
	nx = rep.n;
	for (unsigned i = 0; i < nx; i++) {
		xs[i] = report(out, e, &rep.m[i]);
		if ((rep.m[i].what == TCB_W_HASH || rep.m[i].what == TCB_W_SIZE) &&
		    (e->have & TCB_HAS_SOURCE) && *e->source)
			restore = true;
	}
	if (t->mode != FIX_NONE && nx > 0) {
		if (restore && may_fix(t, e->path, "content differs from the "
				       "record; restore it from source")) {
			bool ok = restore_from_source(e) == 0;

			audit_fix(e->path, "source", ok);
			if (ok) {
				close(fd);
				fd = open(e->path, O_PATH | O_NOFOLLOW |
					  O_CLOEXEC);
				if (fd == -1) {
					finding_add(out, e->path, "error", true,
						    "%s", strerror(errno));
					return;
				}
			}
		}
		/* after a restore this is another file: fix what it has */
		if (tcb_verify_fd(e, fd, &now, &err) == 0)
			fix_attributes(t, e, fd, &now, xs, nx);
		/* The state now decides what was fixed, and what is new. */
		if (tcb_verify_fd(e, fd, &now, &err) == 0) {
			for (unsigned i = 0; i < nx; i++) {
				bool still = false;

				for (unsigned j = 0; xs[i] && j < now.n; j++)
					still = still || strcmp(xs[i]->what,
						tcb_what_name(now.m[j].what)) == 0;
				if (xs[i] && !still)
					mark_fixed(out, xs[i]);
			}
			for (unsigned j = 0; j < now.n; j++)
				if (!found(xs, nx, now.m[j].what))
					report(out, e, &now.m[j]);
		}
	}
	check_links(t, e, fd, out);
	if (e->nprogram)
		run_program(t, e, out);
done:
	close(fd);
}

/* Entries in parallel: workers take the next index until none is left. */
struct pool {
	struct tcbck *t;
	struct tcb_entry **e;
	struct findings *out;
	size_t n, next;
	pthread_mutex_t lock;
};

static void *
worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			return NULL;
		check_one(p->t, p->e[i], &p->out[i]);
		pthread_mutex_lock(&p->t->lock);
		p->t->done++;
		pthread_mutex_unlock(&p->t->lock);
	}
}

int
check_entries(struct tcbck *t, struct tcb_entry **e, size_t n,
	      struct findings *out)
{
	struct pool p = { .t = t, .e = e, .out = out, .n = n,
			  .lock = PTHREAD_MUTEX_INITIALIZER };
	unsigned jobs = t->mode == FIX_ASK ? 1 : t->jobs;
	pthread_t *tid;
	unsigned started = 0;

	for (size_t i = 0; i < n; i++)
		findings_init(&out[i]);
	if (t->inodes == NULL && inodes_build(t) == -1)
		return -1;
	if (jobs > n)
		jobs = n ? (unsigned)n : 1;
	if ((tid = calloc(jobs, sizeof(*tid))) == NULL)
		return -1;
	for (unsigned i = 1; i < jobs; i++)
		if (pthread_create(&tid[i], NULL, worker, &p) == 0)
			started++;
	worker(&p);		/* the main thread works too */
	for (unsigned i = 1; i <= started; i++)
		pthread_join(tid[i], NULL);
	free(tid);
	return 0;
}

/*
 * The tree walk.  nftw(3) has no argument for its callback, so the walk's
 * state is one static struct; tcbck walks one tree at a time.
 */
static struct {
	struct tcbck *t;
	struct findings *out;
	dev_t last_dev;
	bool pseudo;
} walk;

static const char *const system_dirs[] = {
	"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/usr",
	"/etc", "/boot", "/opt", NULL,
};

static bool
listed(char **list, unsigned n, const char *path)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(list[i], path) == 0)
			return true;
	return false;
}

static bool
in_system_dir(const char *path)
{
	for (const char *const *d = system_dirs; *d; d++) {
		size_t l = strlen(*d);

		if (strncmp(path, *d, l) == 0 && (path[l] == '/' ||
						  path[l] == '\0'))
			return true;
	}
	return false;
}

/* Pseudo file systems hold no files to check (and /proc is huge). */
static bool
is_pseudo(const char *path)
{
	struct statfs fs;

	if (statfs(path, &fs) == -1)
		return false;
	switch (fs.f_type) {
	case PROC_SUPER_MAGIC: case SYSFS_MAGIC: case DEVPTS_SUPER_MAGIC:
	case CGROUP_SUPER_MAGIC: case CGROUP2_SUPER_MAGIC:
	case DEBUGFS_MAGIC: case SECURITYFS_MAGIC: case TRACEFS_MAGIC:
	case BPF_FS_MAGIC: case 0x62656570 /* configfs */:
	case 0x6e736673 /* nsfs */: case 0x19800202 /* mqueue */:
		return true;
	default:
		return false;
	}
}

/* -t only: clear bits of an unregistered file, on the inode walked. */
static void
offer_chmod(const char *path, const struct stat *sb, mode_t clear,
	    struct finding *x)
{
	char proc[TP_FD_PROC_LEN];
	struct stat now;
	int fd;

	if (x == NULL || walk.t->mode != FIX_ASK ||
	    !may_fix(walk.t, path, x->text))
		return;
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return;
	if (fstat(fd, &now) == 0 && now.st_dev == sb->st_dev &&
	    now.st_ino == sb->st_ino) {
		bool ok = chmod(tp_fd_proc(fd, proc), now.st_mode & 07777 &
				~clear) == 0;

		audit_fix(path, x->what, ok);
		if (ok)
			mark_fixed(walk.out, x);
	}
	close(fd);
}

static int
visit(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	const struct tcb_entry *e;
	struct finding *x;

	if (flag == FTW_D && sb->st_dev != walk.last_dev) {
		walk.last_dev = sb->st_dev;
		walk.pseudo = is_pseudo(path);
	}
	/* below the walk's root only: "tcbck -n tree /dev" walks /dev */
	if (flag == FTW_D && ftw->level > 0 &&
	    (walk.pseudo || strcmp(path, "/proc") == 0 ||
	     strcmp(path, "/sys") == 0 || strcmp(path, "/dev") == 0))
		return FTW_SKIP_SUBTREE;
	if (flag == FTW_DNR || flag == FTW_NS) {
		finding_add(walk.out, path, "error", false, "%s",
			    flag == FTW_DNR ? "cannot read the directory" :
			    "cannot examine the file");
		return FTW_CONTINUE;
	}
	if (stz_find(walk.t->db.doc, path))
		return FTW_CONTINUE;	/* registered: checked as an entry */
	if (S_ISREG(sb->st_mode) && sb->st_nlink > 1 &&
	    (e = inode_entry(walk.t, sb)) != NULL) {
		/* another name of a registered file: say that, once */
		if (!listed(e->links, e->nlinks, path))
			finding_add(walk.out, path, "links", false, "extra hard "
				    "link to %s", e->path);
		return FTW_CONTINUE;
	}
	if (S_ISREG(sb->st_mode) && (sb->st_mode & (S_ISUID | S_ISGID))) {
		const char *what = sb->st_mode & S_ISUID ? "setuid" : "setgid";

		x = finding_add(walk.out, path, what, false, "%s program not "
				"in the database", what);
		offer_chmod(path, sb, S_ISUID | S_ISGID, x);
	}
	if ((S_ISBLK(sb->st_mode) || S_ISCHR(sb->st_mode)))
		finding_add(walk.out, path, "device", false, "device file "
			    "outside /dev not in the database");
	if (flag == FTW_SL) {
		struct stat to;

		if (stat(path, &to) == 0 && (e = inode_entry(walk.t, &to)) &&
		    !listed(e->symlinks, e->nsymlinks, path))
			finding_add(walk.out, path, "symlinks", false, "extra "
				    "symbolic link to %s", e->path);
		return FTW_CONTINUE;
	}
	if ((sb->st_mode & S_IWOTH) && in_system_dir(path)) {
		if (S_ISDIR(sb->st_mode) && !(sb->st_mode & S_ISVTX)) {
			x = finding_add(walk.out, path, "writable", false,
					"directory writable by others, without "
					"the sticky bit");
			offer_chmod(path, sb, S_IWOTH, x);
		} else if (S_ISREG(sb->st_mode)) {
			x = finding_add(walk.out, path, "writable", false,
					"writable by others");
			offer_chmod(path, sb, S_IWOTH, x);
		}
	}
	return FTW_CONTINUE;
}

int
check_tree(struct tcbck *t, char **roots, size_t nroots, struct findings *out)
{
	static char *slash[] = { "/" };
	int rc = 0;

	memset(&walk, 0, sizeof(walk));
	walk.t = t;
	walk.out = out;
	walk.last_dev = (dev_t)-1;
	if (nroots == 0) {
		roots = slash;
		nroots = 1;
	}
	for (size_t i = 0; i < nroots; i++) {
		/* absolute and canonical, as the database's names are */
		char *root = realpath(roots[i], NULL);

		if (root == NULL ||
		    nftw(root, visit, 64, FTW_PHYS | FTW_ACTIONRETVAL) == -1) {
			finding_add(out, roots[i], "error", false, "%s",
				    strerror(errno));
			rc = -1;
		}
		free(root);
	}
	return rc;
}
