/*
 * exec.h - run only trusted programs: find the program, open it once,
 * verify that descriptor against its database entry, execute that same
 * descriptor.
 *
 * Used by tsh for every command and by tcbck for checking programs.
 */
#ifndef TPATH_EXEC_H
#define TPATH_EXEC_H

#include <limits.h>

#include "tcbdb.h"

enum tp_prog_status {
	TP_PROG_OK = 0,
	TP_PROG_NOT_FOUND,	/* nothing of that name on the path */
	TP_PROG_UNTRUSTED,	/* not in the database, or no TCB flag */
	TP_PROG_MISMATCH,	/* in the database, but it does not verify */
	TP_PROG_ERROR,		/* could not be examined */
};

struct tp_prog {
	int fd;			/* the verified program, readable, cloexec */
	int interp_fd;		/* a script's verified interpreter, or -1 */
	char *interp_arg;	/* the one argument after "#!interp", or NULL */
	char devfd[32];		/* "/dev/fd/N": the script, for its interpreter */
	char path[PATH_MAX];	/* what was verified (or refused, when it
				   was found): the canonical path */
	char interp[PATH_MAX];
};

/*
 * Find name: as given when it contains a slash, else in each directory of
 * pathlist (colon-separated).  On anything but TP_PROG_OK, why says what
 * (the first mismatch, "not a trusted program", ...); for a script the
 * interpreter must be trusted and verify too.
 */
/*
 * The next absolute directory of the colon-separated list *list, into dir
 * (len bytes); false at its end.  Empty and relative entries, and ones
 * too long for dir, are skipped: the working directory is never searched.
 */
bool tp_path_next(const char **list, char *dir, size_t len);

enum tp_prog_status tp_prog_open(const struct tcb_db *db, const char *name,
				 const char *pathlist, struct tp_prog *p,
				 struct tp_err *why);
/*
 * Execute the verified program (in a child: it returns only on failure,
 * with errno set).  A script is handed to its interpreter as /dev/fd/N,
 * the verified descriptor, so its path is never looked up again.
 */
int tp_prog_exec(struct tp_prog *p, char *const argv[], char *const envp[]);
/*
 * The same in two steps, for a vfork(2) child, which may not allocate:
 * tp_prog_argv() (before vfork) gives the argument vector the kernel will
 * get (argv itself for a binary; malloc'd for a script, free it after),
 * tp_prog_execv() (in the child) only makes system calls.
 */
char **tp_prog_argv(struct tp_prog *p, char *const argv[]);
int tp_prog_execv(struct tp_prog *p, char *const xargv[], char *const envp[]);
void tp_prog_close(struct tp_prog *p);

#endif
