/*
 * config.c - what tsh reads before it runs anything: the trusted-file
 * database and tsh_profile, both from the configuration directory.
 *
 * Fail closed: if either is missing, unsafe (safeopen.c: root's, not
 * writable by group or others, nor its directories) or wrong in any way,
 * tsh says why and runs no program at all; only built-ins work.
 * tsh_profile holds tsh commands, one a line, and only export, alias and
 * umask: it sets PATH, which is read-only afterwards, and IFS never changes.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "safeopen.h"
#include "shell.h"

static int
read_profile(const char *path, char **text, size_t *len, struct tp_err *err)
{
	int fd = tp_open_safe(path, NULL, err);
	size_t cap = TSH_MAX_INPUT + 1, n = 0;
	ssize_t r;

	if (fd == -1)
		return -1;
	if ((*text = malloc(cap)) == NULL) {
		close(fd);
		return tp_err_set(err, "out of memory");
	}
	while ((r = read(fd, *text + n, cap - n)) > 0 ||
	       (r == -1 && errno == EINTR))
		n += r > 0 ? (size_t)r : 0;
	close(fd);
	if (r == -1 || n == cap) {
		free(*text);
		return tp_err_set(err, "%s: %s", path, r == -1 ?
				  strerror(errno) : "too large");
	}
	*len = n;
	return 0;
}

/* One line of the profile: export, alias or umask, and nothing else. */
static int
profile_line(struct shell *sh, const char *path, unsigned lineno,
	     const char *line, size_t len)
{
	struct tsh_list *l = NULL;
	struct tsh_perr perr;
	char **argv = NULL;
	size_t argc;
	int rc = -1;

	switch (tsh_parse(line, len, &l, &perr)) {
	case TSH_PARSE_OK:
		break;
	case TSH_PARSE_MORE:
		snprintf(sh->why, sizeof(sh->why), "%s:%u: incomplete line",
			 path, lineno);
		return -1;
	default:
		snprintf(sh->why, sizeof(sh->why), "%s:%u: syntax error: %s",
			 path, lineno, perr.msg);
		return -1;
	}
	for (size_t i = 0; i < l->npipes; i++) {
		const struct tsh_pipeline *pl = &l->pipes[i];

		if (pl->ncmds != 1 || pl->cmds[0].nredirs ||
		    (i > 0 && l->ops[i - 1] != TSH_SEQ) ||
		    sh_expand(sh, pl->cmds[0].words, pl->cmds[0].nwords, &argv,
			      &argc) == -1 || argc == 0 ||
		    !(strcmp(argv[0], "export") == 0 ||
		      strcmp(argv[0], "alias") == 0 ||
		      strcmp(argv[0], "umask") == 0)) {
			snprintf(sh->why, sizeof(sh->why), "%s:%u: only export, "
				 "alias and umask belong here", path, lineno);
			goto out;
		}
		for (size_t a = 1; a < argc; a++) {
			if (strncmp(argv[a], "IFS=", 4) == 0 ||
			    strcmp(argv[a], "IFS") == 0) {
				snprintf(sh->why, sizeof(sh->why), "%s:%u: IFS "
					 "cannot be changed", path, lineno);
				goto out;
			}
		}
		if (sh_builtin(argv[0])(sh, (int)argc, argv) != 0) {
			snprintf(sh->why, sizeof(sh->why), "%s:%u: %s failed",
				 path, lineno, argv[0]);
			goto out;
		}
		sh_free_argv(argv);
		argv = NULL;
	}
	rc = 0;
out:
	sh_free_argv(argv);
	tsh_list_free(l);
	return rc;
}

void
sh_load_config(struct shell *sh)
{
	char path[PATH_MAX], *text = NULL;
	const char *p, *end, *nl;
	unsigned lineno = 0;
	struct tp_err err;
	size_t len = 0;

	sh->trusted_ok = false;
	sh_setvar(sh, "PATH", TSH_DEFAULT_PATH, true);
	sh_setvar(sh, "IFS", TSH_IFS, false);
	if (tcb_db_load(&sh->db, sh->confdir, TCB_DB_LOOKUP, &err) == -1) {
		snprintf(sh->why, sizeof(sh->why), "%s", err.msg);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", sh->confdir, TSH_PROFILE);
	if (read_profile(path, &text, &len, &err) == -1) {
		snprintf(sh->why, sizeof(sh->why), "%s", err.msg);
		goto out;
	}
	sh->in_profile = true;
	for (p = text, end = text + len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (profile_line(sh, path, ++lineno, p, (size_t)(nl - p)) == -1)
			goto out;
	}
	sh->trusted_ok = true;
out:
	sh->in_profile = false;
	free(text);
	sh_readonly(sh, "PATH");
	sh_readonly(sh, "IFS");
}
