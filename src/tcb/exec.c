/*
 * exec.c - run only trusted programs.
 *
 * Defends against a program swapped or changed between check and use, and
 * against running anything the database does not vouch for:
 *  - the program is opened once (O_PATH, then reopened readable through
 *    /proc/self/fd, the same inode; a device or FIFO is never opened);
 *  - its entry is found by the canonical path of the file that was opened,
 *    not of the name typed, so a symlinked directory cannot alias it;
 *  - it must carry the TCB flag and a recorded hash, and verify;
 *  - the verified descriptor itself is executed (execveat AT_EMPTY_PATH);
 *  - a script's #! interpreter must be trusted and verify too, and the
 *    script reaches it as /dev/fd/N, the verified descriptor.
 * Relative and empty PATH elements are skipped: a command is never found
 * in the current directory by accident.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "exec.h"
#include "files.h"
#include "verify.h"

static void
prog_init(struct tp_prog *p)
{
	memset(p, 0, sizeof(*p));
	p->fd = p->interp_fd = -1;
}

void
tp_prog_close(struct tp_prog *p)
{
	if (p->fd != -1)
		close(p->fd);
	if (p->interp_fd != -1)
		close(p->interp_fd);
	free(p->interp_arg);
	prog_init(p);
}

/* A readable descriptor of the regular file at path, or -1 with errno. */
static int
open_regular(const char *path)
{
	struct stat sb;
	int pfd, fd;

	if ((pfd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(pfd, &sb) == -1) {
		close(pfd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(pfd);
		errno = S_ISDIR(sb.st_mode) ? EISDIR : EACCES;
		return -1;
	}
	fd = tp_fd_reopen(pfd, O_RDONLY);
	close(pfd);
	return fd;
}

/* Is fd, found by the name of what it is, a trusted program that verifies? */
static enum tp_prog_status
check(const struct tcb_db *db, int fd, char *path, struct tp_err *why)
{
	const struct tcb_entry *e;
	const char *no;
	struct tcb_report rep;
	struct tp_err err;

	if (tp_fd_path(fd, path, PATH_MAX) == -1) {
		tp_err_set(why, "%s", strerror(errno));
		return TP_PROG_ERROR;
	}
	/* the name of what was opened, exactly: no second lookup */
	e = tcb_db_find_exact(db, path);
	if (!tcb_entry_trusted(e, &no)) {
		tp_err_set(why, "%s", no);
		return TP_PROG_UNTRUSTED;
	}
	if (tcb_verify_fd(e, fd, &rep, &err) == -1) {
		tp_err_set(why, "%s", err.msg);
		return TP_PROG_ERROR;
	}
	if (rep.n) {
		tcb_mismatch_text(&rep.m[0], why->msg, sizeof(why->msg));
		return TP_PROG_MISMATCH;
	}
	return TP_PROG_OK;
}

/*
 * What the kernel would do with fd: 1 an ELF program, 0 a #! script, -1
 * anything else (binfmt_misc could hand it to an interpreter nobody
 * verified: refused).
 */
static int
kind(int fd)
{
	unsigned char m[4];

	if (pread(fd, m, sizeof(m), 0) != (ssize_t)sizeof(m))
		return -1;
	if (memcmp(m, "\177ELF", 4) == 0)
		return 1;
	return m[0] == '#' && m[1] == '!' ? 0 : -1;
}

/*
 * A script is read, not executed, by the kernel: check what execve would
 * have checked of it, execute permission and a mount that allows it.
 */
static bool
may_execute(int fd)
{
	struct statvfs vfs;

	return faccessat(fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS) == 0 &&
	       fstatvfs(fd, &vfs) == 0 && !(vfs.f_flag & ST_NOEXEC);
}

/*
 * "#!/path/interp [arg]\n" at the start of fd: the interpreter and its one
 * argument, as the kernel reads them.  0: not a script; -1: a bad #! line.
 */
static int
shebang(int fd, char *interp, char **arg)
{
	char head[PATH_MAX + 64], *p, *end, *nl;
	ssize_t n = pread(fd, head, sizeof(head) - 1, 0);

	if (n < 2 || head[0] != '#' || head[1] != '!')
		return 0;
	head[n] = '\0';
	if ((nl = memchr(head, '\n', (size_t)n)) == NULL)
		return -1;
	*nl = '\0';
	for (p = head + 2; *p == ' ' || *p == '\t'; p++)
		;
	for (end = p; *end && *end != ' ' && *end != '\t'; end++)
		;
	if (*p != '/' || (size_t)(end - p) >= PATH_MAX)
		return -1;
	memcpy(interp, p, (size_t)(end - p));
	interp[end - p] = '\0';
	for (p = end; *p == ' ' || *p == '\t'; p++)
		;
	for (end = p + strlen(p); end > p && (end[-1] == ' ' ||
					      end[-1] == '\t'); end--)
		;
	*arg = NULL;
	if (end > p && (*arg = strndup(p, (size_t)(end - p))) == NULL)
		return -1;
	return 1;
}

/* The file for name: as given with a slash, else on pathlist. */
static int
find(const char *name, const char *pathlist)
{
	const char *list = pathlist ? pathlist : "";
	char dir[PATH_MAX], buf[PATH_MAX];
	int fd, saved = ENOENT;

	if (strchr(name, '/'))
		return open_regular(name);
	while (tp_path_next(&list, dir, sizeof(dir))) {
		if ((size_t)snprintf(buf, sizeof(buf), "%s/%s", dir, name) >=
		    sizeof(buf))
			continue;
		if ((fd = open_regular(buf)) != -1)
			return fd;
		if (errno != ENOENT && errno != ENOTDIR && errno != EISDIR)
			saved = errno;
	}
	errno = saved;
	return -1;
}

bool
tp_path_next(const char **list, char *dir, size_t len)
{
	while (**list) {
		const char *d = *list, *colon = strchrnul(d, ':');
		size_t n = (size_t)(colon - d);

		*list = *colon ? colon + 1 : colon;
		if (n && *d == '/' && n < len) {
			memcpy(dir, d, n);
			dir[n] = '\0';
			return true;
		}
	}
	return false;
}

enum tp_prog_status
tp_prog_open(const struct tcb_db *db, const char *name, const char *pathlist,
	     struct tp_prog *p, struct tp_err *why)
{
	enum tp_prog_status st;
	struct tp_err iwhy;
	char ibuf[PATH_MAX];
	int script, ifd;

	prog_init(p);
	if (access("/proc/self/fd", X_OK) == -1) {
		/* every program is reopened and named through it */
		tp_err_set(why, "/proc is not mounted: nothing can be "
			 "verified");
		return TP_PROG_ERROR;
	}
	if (*name == '\0' || (p->fd = find(name, pathlist)) == -1) {
		bool missing = *name == '\0' || errno == ENOENT ||
			       errno == ENOTDIR;

		tp_err_set(why, "%s", missing ? "not found" :
			 strerror(errno));
		return missing ? TP_PROG_NOT_FOUND : TP_PROG_ERROR;
	}
	if ((st = check(db, p->fd, p->path, why)) != TP_PROG_OK)
		goto fail;
	if (kind(p->fd) == -1) {
		tp_err_set(why, "neither an ELF program nor a #! script");
		st = TP_PROG_ERROR;
		goto fail;
	}
	script = shebang(p->fd, p->interp, &p->interp_arg);
	if (script == 1 && !may_execute(p->fd)) {
		tp_err_set(why, "%s", strerror(EACCES));
		st = TP_PROG_ERROR;
		goto fail;
	}
	if (script == -1) {
		tp_err_set(why, "a #! line that cannot be read (it must "
			 "name an absolute path, on one line)");
		st = TP_PROG_ERROR;
		goto fail;
	}
	if (script == 0)
		return TP_PROG_OK;
	/* a script: its interpreter is a program like any other */
	if ((ifd = open_regular(p->interp)) == -1) {
		tp_err_set(why, "interpreter %s: %s", p->interp,
			 strerror(errno));
		st = TP_PROG_ERROR;	/* the script was found: say why not */
		goto fail;
	}
	p->interp_fd = ifd;
	st = check(db, ifd, ibuf, &iwhy);
	if (st == TP_PROG_OK && kind(ifd) != 1) {
		tp_err_set(&iwhy, "not an ELF program (a script, "
			 "or something else)");
		st = TP_PROG_UNTRUSTED;
	}
	if (st != TP_PROG_OK) {
		tp_err_set(why, "interpreter %s: %s", p->interp, iwhy.msg);
		goto fail;
	}
	return TP_PROG_OK;
fail:
	/* the path stays: what was refused is worth recording */
	memcpy(ibuf, p->path, sizeof(ibuf));
	tp_prog_close(p);
	memcpy(p->path, ibuf, sizeof(p->path));
	return st;
}

char **
tp_prog_argv(struct tp_prog *p, char *const argv[])
{
	size_t argc = 0, i = 0;
	char **nargv;

	if (p->interp_fd == -1)
		return (char **)argv;
	snprintf(p->devfd, sizeof(p->devfd), "/dev/fd/%d", p->fd);
	while (argv[argc])
		argc++;
	if ((nargv = calloc(argc + 4, sizeof(*nargv))) == NULL)
		return NULL;
	nargv[i++] = p->interp;
	if (p->interp_arg)
		nargv[i++] = p->interp_arg;
	nargv[i++] = p->devfd;
	for (size_t a = 1; a < argc; a++)
		nargv[i++] = argv[a];
	return nargv;
}

int
tp_prog_execv(struct tp_prog *p, char *const xargv[], char *const envp[])
{
	if (p->interp_fd == -1)
		return execveat(p->fd, "", xargv, envp, AT_EMPTY_PATH);
	/* the script stays open across exec for the interpreter to read */
	if (fcntl(p->fd, F_SETFD, 0) == -1)
		return -1;
	return execveat(p->interp_fd, "", xargv, envp, AT_EMPTY_PATH);
}

int
tp_prog_exec(struct tp_prog *p, char *const argv[], char *const envp[])
{
	char **xargv = tp_prog_argv(p, argv);
	int saved;

	if (xargv == NULL)
		return -1;
	tp_prog_execv(p, xargv, envp);
	saved = errno;
	if (xargv != argv)
		free(xargv);
	errno = saved;
	return -1;
}
