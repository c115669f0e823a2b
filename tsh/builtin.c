/*
 * builtin.c - commands tsh runs itself: cd, pwd, export, unset, umask,
 * exit, logout, shell, su, trusted, help, and alias (in tsh_profile only).
 *
 * su is the trusted su program, verified like any other, asked to start
 * tsh again; shell asks tgetty (over the control descriptor tsh inherited
 * from it) to leave the trusted path, and does nothing off it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "escapes.h"
#include "exec.h"
#include "shell.h"
#include "trusted.h"

static int
b_cd(struct shell *sh, int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : sh_getvar(sh, "HOME");
	char cwd[PATH_MAX], old[PATH_MAX];

	if (argc > 2) {
		fprintf(stderr, "tsh: cd: too many arguments\n");
		return 2;
	}
	if (dir && strcmp(dir, "-") == 0)
		dir = sh_getvar(sh, "OLDPWD");
	if (dir == NULL || *dir == '\0') {
		fprintf(stderr, "tsh: cd: no directory\n");
		return 1;
	}
	if (getcwd(old, sizeof(old)) == NULL)
		old[0] = '\0';
	if (chdir(dir) == -1) {
		fprintf(stderr, "tsh: cd: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (*old)
		sh_setvar(sh, "OLDPWD", old, false);
	if (getcwd(cwd, sizeof(cwd)))
		sh_setvar(sh, "PWD", cwd, true);
	if (argc > 1 && strcmp(argv[1], "-") == 0)	/* POSIX: says where */
		printf("%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : dir);
	return 0;
}

/* value in single quotes, as a shell reads it back ('\'' for a quote). */
static void
print_quoted(const char *value)
{
	putchar('\'');
	for (const char *p = value; *p; p++)
		if (*p == '\'')
			fputs("'\"'\"'", stdout);
		else
			putchar(*p);
	putchar('\'');
}

static int
b_pwd(struct shell *sh, int argc, char **argv)
{
	char cwd[PATH_MAX];

	(void)sh, (void)argc, (void)argv;
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		fprintf(stderr, "tsh: pwd: %s\n", strerror(errno));
		return 1;
	}
	printf("%s\n", cwd);
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp((*(struct var *const *)a)->name,
		      (*(struct var *const *)b)->name);
}

/* The exported variables, sorted, in a form tsh and sh read back. */
static int
list_exported(const struct shell *sh)
{
	struct var **all;
	size_t n = 0, i = 0;

	for (struct var *v = sh->vars; v; v = v->next)
		n += v->exported;
	if ((all = calloc(n + 1, sizeof(*all))) == NULL) {
		fprintf(stderr, "tsh: out of memory\n");
		return 1;
	}
	for (struct var *v = sh->vars; v; v = v->next)
		if (v->exported)
			all[i++] = v;
	qsort(all, n, sizeof(*all), by_name);
	for (i = 0; i < n; i++) {
		printf("export %s", all[i]->name);
		if (all[i]->value) {
			putchar('=');
			print_quoted(all[i]->value);
		}
		putchar('\n');
	}
	free(all);
	return 0;
}

/* export NAME=value... | export NAME... | export (list) */
static int
b_export(struct shell *sh, int argc, char **argv)
{
	int rc = 0;

	if (argc == 1)
		return list_exported(sh);
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (eq)
			*eq = '\0';
		if (sh_setvar(sh, argv[i], eq ? eq + 1 : NULL, true) == -1)
			rc = 2;		/* a bad operand */
		if (eq)
			*eq = '=';
	}
	return rc;
}

static int
b_unset(struct shell *sh, int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++)
		if (sh_unsetvar(sh, argv[i]) == -1)
			rc = 2;		/* a bad operand */
	return rc;
}

static int
b_umask(struct shell *sh, int argc, char **argv)
{
	unsigned long m;
	char *end;

	(void)sh;
	if (argc == 1) {
		mode_t cur = umask(0);

		umask(cur);
		printf("%04o\n", (unsigned)cur);
		return 0;
	}
	errno = 0;
	m = strtoul(argv[1], &end, 8);
	if (argc > 2 || *argv[1] == '\0' || *end || errno || m > 0777) {
		fprintf(stderr, "tsh: umask: expected an octal mask, like 022\n");
		return 2;
	}
	umask((mode_t)m);
	return 0;
}

static int
b_exit(struct shell *sh, int argc, char **argv)
{
	unsigned long long v = (unsigned long long)sh->status;

	if (argc > 2) {
		fprintf(stderr, "tsh: %s: too many arguments\n", argv[0]);
		return 2;
	}
	if (argc > 1 && stz_parse_uint(argv[1], 0, 255, &v) == -1) {
		fprintf(stderr, "tsh: %s: expected a number from 0 to 255\n",
			argv[0]);
		return 2;
	}
	sh->exiting = true;
	sh->exit_status = (int)v;
	return (int)v;
}

/* Ask tgetty to leave the trusted path; it ends this tsh and starts the
 * user's login shell.  The request is one line on the control socket. */
static int
b_shell(struct shell *sh, int argc, char **argv)
{
	static const char req[] = TP_CONTROL_SHELL;

	(void)argc, (void)argv;
	if (sh->control_fd == -1) {
		fprintf(stderr, "tsh: shell: not on the trusted path (this tsh "
			"was not started by tgetty)\n");
		return 1;
	}
	if (write(sh->control_fd, req, sizeof(req) - 1) !=
	    (ssize_t)(sizeof(req) - 1)) {
		fprintf(stderr, "tsh: shell: %s\n", strerror(errno));
		return 1;
	}
	sh->exiting = true;
	sh->exit_status = 0;
	return 0;
}

/* su [-] [USER]: the trusted su, starting tsh again. */
static int
b_su(struct shell *sh, int argc, char **argv)
{
	char **env, *args[6];
	struct tp_err why;
	struct tp_prog prog;
	int n = 0, st;
	pid_t pid;

	if (argc > 3 || (argc == 3 && strcmp(argv[1], "-") != 0) ||
	    (argc == 2 && argv[1][0] == '-' && argv[1][1] != '\0')) {
		fprintf(stderr, "usage: su [-] [user]\n");
		return 2;
	}
	if (!sh->trusted_ok) {
		fprintf(stderr, "tsh: su: no program runs: %s\n", sh->why);
		return 126;
	}
	if (sh->self[0] != '/') {
		fprintf(stderr, "tsh: su: cannot name this tsh for su\n");
		return 126;
	}
	if (tp_prog_open(&sh->db, "su", sh_getvar(sh, "PATH"), &prog,
			 &why) != TP_PROG_OK) {
		fprintf(stderr, "tsh: su: %s\n", why.msg);
		sh_audit(sh, TP_EV_CMD_REFUSED, false, "cmd",
			       prog.path[0] ? prog.path : "su", "what", why.msg,
			       NULL);
		return 126;
	}
	/* su -s TSH [-] [USER]: options come before "-" for util-linux su */
	args[n++] = "su";
	args[n++] = "-s";
	args[n++] = sh->self;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	sh_audit(sh, TP_EV_CMD, true, "cmd", prog.path, NULL);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		sh_child_signals();
		if ((env = sh_environ(sh)) != NULL)
			tp_prog_exec(&prog, args, env);
		_exit(126);
	}
	tp_prog_close(&prog);
	if (pid == -1 || waitpid(pid, &st, 0) != pid)
		return 1;
	if (sh->have_tio)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &sh->tio);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names on PATH whose files the database marks trusted, each that
 * runs other programs (confdir/escapes) marked with the reason. */
static int
b_trusted(struct shell *sh, int argc, char **argv)
{
	const char *list = sh_getvar(sh, "PATH"), *why;
	char **names = NULL, full[PATH_MAX], dname[PATH_MAX], *real;
	size_t n = 0, cap = 0;
	struct tcb_escapes esc;
	struct tp_err err;

	(void)argc, (void)argv;
	if (!sh->trusted_ok) {
		fprintf(stderr, "tsh: trusted: no program runs: %s\n", sh->why);
		return 126;
	}
	if (tcb_escapes_load(&esc, sh->confdir, &err) == -1) {
		fprintf(stderr, "tsh: trusted: %s\n", err.msg);
		return 1;
	}
	if (list == NULL)
		list = "";
	while (tp_path_next(&list, dname, sizeof(dname))) {
		struct dirent *de;
		DIR *d;

		if ((d = opendir(dname)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			const struct tcb_entry *e;

			if (de->d_name[0] == '.' ||
			    (size_t)snprintf(full, sizeof(full), "%s/%s", dname,
					     de->d_name) >= sizeof(full) ||
			    (real = realpath(full, NULL)) == NULL)
				continue;
			e = tcb_db_find(&sh->db, real);
			free(real);
			if (!tcb_entry_trusted(e, NULL))	/* what tsh would run */
				continue;
			why = tcb_escape_reason(&esc, e->path);
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				char **nn = realloc(names, ncap * sizeof(*nn));

				if (nn == NULL)
					break;
				names = nn;
				cap = ncap;
			}
			if (why ? asprintf(&names[n], "%s\t(runs other "
					   "programs: %s)", de->d_name, why) != -1 :
			    (names[n] = strdup(de->d_name)) != NULL)
				n++;
		}
		closedir(d);
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
			printf("%s\n", names[i]);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	tcb_escapes_free(&esc);
	return 0;
}

static int
b_help(struct shell *sh, int argc, char **argv)
{
	(void)sh, (void)argc, (void)argv;
	printf("tsh runs only programs the trusted-file database marks trusted,\n"
	       "each verified as it starts.\n"
	       "Built-ins: cd pwd export unset umask exit logout shell su trusted "
	       "help\n"
	       "Syntax: words, '...', \"...\", \\, $VAR ${VAR} $? $$, globs, |, "
	       ";, &&, ||,\n"
	       "        < > >> 2> 2>&1, # comments.  See tsh(1).\n");
	return 0;
}

/* alias NAME=value: in tsh_profile only. */
int
sh_alias(struct shell *sh, int argc, char **argv)
{
	if (!sh->in_profile) {
		fprintf(stderr, "tsh: alias: aliases come from tsh_profile "
			"only\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		struct alias *a;

		if (eq == NULL || eq == argv[i]) {
			fprintf(stderr, "tsh: alias: expected NAME=value\n");
			return 2;
		}
		if ((a = calloc(1, sizeof(*a))) == NULL ||
		    (a->name = strndup(argv[i], (size_t)(eq - argv[i]))) == NULL ||
		    (a->value = strdup(eq + 1)) == NULL) {
			if (a)
				free(a->name);
			free(a);
			return 1;
		}
		a->next = sh->aliases;
		sh->aliases = a;
	}
	return 0;
}

void
sh_free_aliases(struct shell *sh)
{
	struct alias *a, *next;

	for (a = sh->aliases; a; a = next) {
		next = a->next;
		free(a->name);
		free(a->value);
		free(a);
	}
	sh->aliases = NULL;
}

const char *
sh_alias_value(const struct shell *sh, const char *name)
{
	for (const struct alias *a = sh->aliases; a; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a->value;
	return NULL;
}

sh_builtin_fn
sh_builtin(const char *name)
{
	static const struct {
		const char *name;
		sh_builtin_fn fn;
	} table[] = {
		{ "cd", b_cd }, { "pwd", b_pwd }, { "export", b_export },
		{ "unset", b_unset }, { "umask", b_umask }, { "exit", b_exit },
		{ "logout", b_exit }, { "shell", b_shell }, { "su", b_su },
		{ "trusted", b_trusted }, { "help", b_help },
		{ "alias", sh_alias },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(name, table[i].name) == 0)
			return table[i].fn;
	return NULL;
}

bool
sh_special(const char *name)
{
	return strcmp(name, "export") == 0 || strcmp(name, "unset") == 0 ||
	       strcmp(name, "exit") == 0 || strcmp(name, "logout") == 0;
}
