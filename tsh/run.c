/*
 * run.c - run parsed lines: lists, pipelines, redirections, programs.
 *
 * Defends against running anything the database does not vouch for, even
 * in part: every program of a pipeline is found and verified (exec.c)
 * before any of them starts, and if one fails none runs.  Children get the
 * environment built in vars.c and default signal handling; the terminal's
 * modes are put back after each command.  Records: every program run and
 * every one refused (AUDIT_USER_CMD).  A refused name that matched no file
 * is not recorded: it may be a password typed at the wrong prompt.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "exec.h"
#include "shell.h"

/* A redirection made ready: in the child, dup2(from, to). */
struct redir_op {
	int from, to;
	bool own;		/* from is a file tsh opened (cloexec) */
};

struct job {
	char **argv;
	size_t argc;
	char **files;		/* one per redirection (NULL for 2>&1) */
	struct redir_op *ops;
	sh_builtin_fn builtin;
	struct tp_prog prog;
	bool have_prog;
	char **xargv;		/* what the kernel gets (tp_prog_argv) */
	volatile int exec_errno; /* set by a vfork child that failed */
};

static void
close_ops(struct job *j, size_t n)
{
	for (size_t i = 0; j->ops && i < n; i++) {
		if (j->ops[i].own && j->ops[i].from != -1)
			close(j->ops[i].from);
		j->ops[i].from = -1;
	}
}

static void
job_free(struct job *j, const struct tsh_cmd *c)
{
	close_ops(j, c->nredirs);
	free(j->ops);
	if (j->xargv != j->argv)
		free(j->xargv);
	sh_free_argv(j->argv);
	for (size_t i = 0; j->files && i < c->nredirs; i++)
		free(j->files[i]);
	free(j->files);
	if (j->have_prog)
		tp_prog_close(&j->prog);
}

/*
 * Open the redirections' files, left to right, in the shell: a child then
 * only has to dup2 them (a vfork child may do no more than system calls).
 */
static int
prepare_redirs(const struct tsh_cmd *c, struct job *j)
{
	if ((j->ops = calloc(c->nredirs + 1, sizeof(*j->ops))) == NULL)
		return -1;
	for (size_t i = 0; i < c->nredirs; i++) {
		const struct tsh_redir *r = &c->redirs[i];
		struct redir_op *op = &j->ops[i];
		int flags;

		switch (r->kind) {
		case TSH_R_ERR_TO_OUT:
			*op = (struct redir_op){ STDOUT_FILENO, STDERR_FILENO,
						 false };
			continue;
		case TSH_R_IN: flags = O_RDONLY; op->to = 0; break;
		case TSH_R_APPEND: flags = O_WRONLY | O_CREAT | O_APPEND;
			op->to = 1; break;
		case TSH_R_ERR: flags = O_WRONLY | O_CREAT | O_TRUNC; op->to = 2;
			break;
		default: flags = O_WRONLY | O_CREAT | O_TRUNC; op->to = 1; break;
		}
		op->own = true;
		op->from = open(j->files[i], flags | O_NOCTTY | O_CLOEXEC, 0666);
		if (op->from == -1) {
			fprintf(stderr, "tsh: %s: %s\n", j->files[i],
				strerror(errno));
			close_ops(j, i);
			return -1;
		}
	}
	return 0;
}

/* In the process that runs the command: system calls only. */
static int
apply_redirs(const struct job *j, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (dup2(j->ops[i].from, j->ops[i].to) == -1)
			return -1;
	return 0;
}

/*
 * The command's words, with an alias for the first one: only a single
 * unquoted word can be an alias, and its value is simple words.
 */
static int
expand_cmd(struct shell *sh, const struct tsh_cmd *c, struct job *j)
{
	const struct tsh_word *w = c->words;
	struct tsh_list *al = NULL;
	struct tsh_word *all = NULL;
	struct tsh_perr perr;
	const char *value;
	size_t n = c->nwords;
	int rc;

	if (n && w[0].nsegs == 1 && w[0].segs[0].kind == TSH_LIT &&
	    !w[0].segs[0].quoted &&
	    (value = sh_alias_value(sh, w[0].segs[0].text)) != NULL) {
		if (tsh_parse(value, strlen(value), &al, &perr) != TSH_PARSE_OK ||
		    al->npipes != 1 || al->pipes[0].ncmds != 1 ||
		    al->pipes[0].cmds[0].nredirs != 0) {
			fprintf(stderr, "tsh: alias %s: not simple words\n",
				w[0].segs[0].text);
			tsh_list_free(al);
			return -1;
		}
		const struct tsh_cmd *ac = &al->pipes[0].cmds[0];

		if ((all = calloc(ac->nwords + n, sizeof(*all))) == NULL) {
			tsh_list_free(al);
			return -1;
		}
		memcpy(all, ac->words, ac->nwords * sizeof(*all));
		memcpy(all + ac->nwords, w + 1, (n - 1) * sizeof(*all));
		w = all;
		n = ac->nwords + n - 1;
	}
	rc = sh_expand(sh, w, n, &j->argv, &j->argc);
	free(all);
	tsh_list_free(al);
	if (rc == -1)
		return -1;
	if ((j->files = calloc(c->nredirs + 1, sizeof(char *))) == NULL)
		return -1;
	for (size_t i = 0; i < c->nredirs; i++)
		if (c->redirs[i].kind != TSH_R_ERR_TO_OUT &&
		    sh_expand_file(sh, &c->redirs[i].target, &j->files[i]) == -1)
			return -1;
	return 0;
}

/* Find and verify the program; print why not and return its status. */
static int
resolve(struct shell *sh, struct job *j)
{
	const char *name = j->argv[0];
	enum tp_prog_status st;
	struct tp_err why;

	if (!sh->trusted_ok) {
		fprintf(stderr, "tsh: %s: no program runs: %s\n", name, sh->why);
		return 126;
	}
	st = tp_prog_open(&sh->db, name, sh_getvar(sh, "PATH"), &j->prog,
			  &why);
	if (st == TP_PROG_OK) {
		j->have_prog = true;
		return 0;
	}
	switch (st) {
	case TP_PROG_NOT_FOUND:
		fprintf(stderr, "tsh: %s: not found\n", name);
		sh_audit(sh, TP_EV_CMD_REFUSED, false, "reason",
			       "not-found", NULL);
		return 127;
	case TP_PROG_MISMATCH:
		fprintf(stderr, "tsh: %s: integrity check failed: %s\n", name,
			why.msg);
		sh_audit(sh, TP_EV_CMD_REFUSED, false, "cmd", j->prog.path,
			       "reason", "integrity", "what", why.msg, NULL);
		return 126;
	default:
		fprintf(stderr, "tsh: %s: %s\n", name, why.msg);
		if (j->prog.path[0])	/* a file was found: name it */
			sh_audit(sh, TP_EV_CMD_REFUSED, false, "cmd",
				       j->prog.path, "reason",
				       st == TP_PROG_UNTRUSTED ? "untrusted" :
				       "error", "what", why.msg, NULL);
		else
			sh_audit(sh, TP_EV_CMD_REFUSED, false,
				       "reason", "error", "what", why.msg, NULL);
		return 126;
	}
}

/* A builtin or a bare redirection, in the shell itself. */
static int
run_here(struct shell *sh, const struct tsh_cmd *c, struct job *j)
{
	int saved[3], rc = 1;
	bool ok = true;

	fflush(NULL);
	for (int i = 0; i < 3; i++)
		if ((saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 10)) == -1 &&
		    c->nredirs)
			ok = false;	/* could not be put back: refuse */
	if (!ok)
		fprintf(stderr, "tsh: cannot save the shell's descriptors\n");
	else if (apply_redirs(j, c->nredirs) == 0)
		rc = j->builtin ? j->builtin(sh, (int)j->argc, j->argv) : 0;
	/* POSIX 2.8.1: a special built-in's error ends a shell that is not
	   interactive (a script must not go on without what it set) */
	if (rc == 2 && !sh->interactive && j->builtin &&
	    sh_special(j->argv[0])) {
		sh->exiting = true;
		sh->exit_status = 2;
	}
	fflush(NULL);
	for (int i = 0; i < 3; i++) {
		if (saved[i] != -1) {
			dup2(saved[i], i);
			close(saved[i]);
		}
	}
	return rc;
}

/* A child runs with every signal as a program expects it. */
void
sh_child_signals(void)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGTERM, SIGPIPE,
				    SIGTSTP, SIGTTIN, SIGTTOU, SIGCHLD };
	sigset_t none;

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);		/* spawn() blocked them all */
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* A built-in in a pipeline: a forked child, which may use stdio. */
static void __attribute__((noreturn))
child_builtin(struct shell *sh, const struct tsh_cmd *c, struct job *j,
	      int in, int out)
{
	int rc = 1;

	sh_child_signals();
	if ((in == -1 || dup2(in, STDIN_FILENO) != -1) &&
	    (out == -1 || dup2(out, STDOUT_FILENO) != -1) &&
	    apply_redirs(j, c->nredirs) == 0)
		rc = j->builtin ? j->builtin(sh, (int)j->argc, j->argv) : 0;
	fflush(NULL);
	_exit(rc);
}

/*
 * A program: a vfork child, sharing the shell's memory until it execs, so
 * it makes system calls only; why it failed goes back in j->exec_errno.
 */
static void __attribute__((noreturn))
child_exec(const struct tsh_cmd *c, struct job *j, int in, int out,
	   char **env)
{
	sh_child_signals();
	if ((in != -1 && dup2(in, STDIN_FILENO) == -1) ||
	    (out != -1 && dup2(out, STDOUT_FILENO) == -1) ||
	    apply_redirs(j, c->nredirs) == -1) {
		j->exec_errno = errno;
		_exit(126);
	}
	tp_prog_execv(&j->prog, j->xargv, env);
	j->exec_errno = errno;
	_exit(126);
}

/*
 * vfork in a frame of its own: nothing here is used after it returns.
 * Signals are blocked across it, so no handler of the shell's runs in the
 * child on memory it shares with the shell; the child unblocks them once
 * their dispositions are reset.
 */
static pid_t __attribute__((noinline))
spawn_program(const struct tsh_cmd *c, struct job *j, int in, int out,
	      char **env)
{
	sigset_t all, old;
	pid_t pid;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if ((pid = vfork()) == 0)
		child_exec(c, j, in, out, env);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/* The last command's status; one that never started, or was lost, failed. */
static int
wait_all(pid_t *pids, size_t n)
{
	int status = 126, st, rc;

	for (size_t i = 0; i < n; i++) {
		if (pids[i] <= 0)
			continue;
		while ((rc = waitpid(pids[i], &st, 0)) == -1 && errno == EINTR)
			;
		if (i == n - 1 && rc == pids[i])
			status = WIFEXITED(st) ? WEXITSTATUS(st) :
				 WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
	}
	return status;
}

/*
 * Every command of the pipeline expanded, found, verified, its files
 * opened and its arguments built, or none: 0, or the status to give (a
 * program refused or missing: 126, 127; anything else 1).  Nothing has
 * started yet either way.
 */
static int
prepare_all(struct shell *sh, const struct tsh_pipeline *pl,
	    struct job *jobs)
{
	size_t n = pl->ncmds;
	int status = 0;

	for (size_t i = 0; i < n && status == 0; i++) {
		if (expand_cmd(sh, &pl->cmds[i], &jobs[i]) == -1)
			status = 1;
		else if (jobs[i].argc &&
			 !(jobs[i].builtin = sh_builtin(jobs[i].argv[0])))
			status = resolve(sh, &jobs[i]);
	}
	for (size_t i = 0; i < n && status == 0; i++) {
		if (prepare_redirs(&pl->cmds[i], &jobs[i]) == -1)
			status = 1;
		else if (jobs[i].have_prog &&
			 (jobs[i].xargv = tp_prog_argv(&jobs[i].prog,
						       jobs[i].argv)) == NULL)
			status = 1;
	}
	return status;
}

/* Start job i, reading in and writing out (-1: the shell's own); audited.
 * Its PID, or -1. */
static pid_t
start_job(struct shell *sh, const struct tsh_cmd *c, struct job *j, int in,
	  int out, char **env)
{
	pid_t pid;

	/* vfork: the copy of the shell's memory that fork makes is what
	   most of a command's start-up costs */
	if (j->have_prog)
		pid = spawn_program(c, j, in, out, env);
	else if ((pid = fork()) == 0)
		child_builtin(sh, c, j, in, out);
	if (pid == -1)
		fprintf(stderr, "tsh: fork: %s\n", strerror(errno));
	else if (j->exec_errno)
		fprintf(stderr, "tsh: %s: cannot execute: %s\n", j->argv[0],
			strerror(j->exec_errno));
	if (pid != -1 && j->have_prog)
		sh_audit(sh, TP_EV_CMD, j->exec_errno == 0,
			       "cmd", j->prog.path, NULL);
	return pid;
}

/* Start every job, each reading the one before through a pipe; the last
 * one's status (1 when not all could start). */
static int
start_all(struct shell *sh, const struct tsh_pipeline *pl, struct job *jobs,
	  pid_t *pids)
{
	size_t n = pl->ncmds, i;
	char **env = sh_environ(sh);
	int in = -1, p[2], status;

	if (env == NULL)
		return 1;
	fflush(NULL);
	for (i = 0; i < n; i++) {
		p[0] = p[1] = -1;
		if (i + 1 < n && pipe2(p, O_CLOEXEC) == -1) {
			fprintf(stderr, "tsh: pipe: %s\n", strerror(errno));
			break;
		}
		pids[i] = start_job(sh, &pl->cmds[i], &jobs[i], in, p[1], env);
		close_ops(&jobs[i], pl->cmds[i].nredirs);
		if (in != -1)
			close(in);
		if (p[1] != -1)
			close(p[1]);
		in = p[0];
	}
	if (in != -1)
		close(in);
	status = wait_all(pids, n);
	sh_free_argv(env);
	return i < n ? 1 : status;
}

static int
run_pipeline(struct shell *sh, const struct tsh_pipeline *pl)
{
	size_t n = pl->ncmds;
	struct job *jobs = calloc(n, sizeof(*jobs));
	pid_t *pids = calloc(n, sizeof(*pids));
	int status = 1;

	/* all of it understood and verified, or none of it runs */
	if (jobs && pids && (status = prepare_all(sh, pl, jobs)) == 0)
		status = n == 1 && (jobs[0].builtin || jobs[0].argc == 0) ?
			 run_here(sh, &pl->cmds[0], &jobs[0]) :
			 start_all(sh, pl, jobs, pids);
	for (size_t i = 0; jobs && i < n; i++)
		job_free(&jobs[i], &pl->cmds[i]);
	free(jobs);
	free(pids);
	if (sh->have_tio)	/* whatever the program left, the shell's modes */
		tcsetattr(STDIN_FILENO, TCSADRAIN, &sh->tio);
	return status;
}

int
sh_run_list(struct shell *sh, const struct tsh_list *l)
{
	for (size_t i = 0; i < l->npipes && !sh->exiting; i++) {
		if (i > 0 && ((l->ops[i - 1] == TSH_AND && sh->status != 0) ||
			      (l->ops[i - 1] == TSH_OR && sh->status == 0)))
			continue;
		sh->status = run_pipeline(sh, &l->pipes[i]);
	}
	return sh->status;
}

/* Parse all of text, then run it: a syntax error anywhere runs nothing. */
int
sh_run(struct shell *sh, const char *text, size_t len, const char *src)
{
	struct tsh_list *l = NULL;
	struct tsh_perr err;

	switch (tsh_parse(text, len, &l, &err)) {
	case TSH_PARSE_OK:
		sh_run_list(sh, l);
		tsh_list_free(l);
		return sh->status;
	default:	/* MORE too: err says what was left open */
		fprintf(stderr, "tsh: %s:%u:%u: %s%s\n", src, err.line, err.col,
			strncmp(err.msg, "syntax error", 12) ? "syntax error: " :
			"", err.msg);
	}
	return sh->status = 2;
}
