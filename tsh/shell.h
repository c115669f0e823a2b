/*
 * shell.h - what tsh's parts share: the shell's state and its operations.
 * The parser (parse.h) only builds trees; everything here runs them.
 */
#ifndef TSH_SHELL_H
#define TSH_SHELL_H

#include <limits.h>
#include <stdbool.h>
#include <termios.h>

#include "audit.h"
#include "parse.h"
#include "tcbdb.h"

#define TSH_DEFAULT_PATH "/usr/sbin:/usr/bin:/sbin:/bin"
#define TSH_PROFILE	 "tsh_profile"
#define TSH_IFS		 " \t\n"

struct var {
	struct var *next;
	char *name, *value;
	bool exported, readonly;
};

struct alias {
	struct alias *next;
	char *name, *value;
};

struct shell {
	const char *confdir;
	struct tcb_db db;
	bool trusted_ok;	/* database and profile read: programs may run */
	char why[PATH_MAX + 1200];	/* else why nothing runs */
	bool in_profile;	/* alias is allowed only there */
	struct var *vars;
	struct alias *aliases;
	int status;		/* $? */
	bool interactive;
	bool exiting;
	int exit_status;
	bool have_tio;		/* terminal modes to restore after commands */
	struct termios tio;
	int control_fd;		/* to tgetty, or -1 off the trusted path */
	char self[4096];	/* this tsh, for su */
};

/* audit.c: a command's audit event (TP_EV_CMD, TP_EV_CMD_REFUSED), to
 * tgetty on the trusted path, else tp_audit_event; at most three pairs. */
void sh_audit(const struct shell *sh, enum tp_event ev, int success, ...)
	__attribute__((sentinel));

/* vars.c */
const char *sh_getvar(const struct shell *sh, const char *name);
int sh_setvar(struct shell *sh, const char *name, const char *value,
	      bool export);
int sh_unsetvar(struct shell *sh, const char *name);
void sh_readonly(struct shell *sh, const char *name);
bool sh_is_hook(const char *name);
void sh_import_env(struct shell *sh, char **env);
char **sh_environ(const struct shell *sh);
void sh_free_vars(struct shell *sh);

/* expand.c: words to fields ($VAR, splitting, globbing); -1 on error. */
int sh_expand(struct shell *sh, const struct tsh_word *words, size_t n,
	      char ***argv, size_t *argc);
int sh_expand_file(struct shell *sh, const struct tsh_word *w, char **out);
void sh_free_argv(char **argv);

/* run.c */
int sh_run(struct shell *sh, const char *text, size_t len, const char *src);
int sh_run_list(struct shell *sh, const struct tsh_list *l);
void sh_child_signals(void);

/* builtin.c */
typedef int (*sh_builtin_fn)(struct shell *sh, int argc, char **argv);
sh_builtin_fn sh_builtin(const char *name);
/* Is name one of POSIX's special built-ins (export, unset, exit)? */
bool sh_special(const char *name);
int sh_alias(struct shell *sh, int argc, char **argv);
const char *sh_alias_value(const struct shell *sh, const char *name);
void sh_free_aliases(struct shell *sh);

/* config.c: the database and tsh_profile, or nothing runs. */
void sh_load_config(struct shell *sh);

#endif
