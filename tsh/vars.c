/*
 * vars.c - shell variables and the environment children get.
 *
 * Defends against loader and interpreter hooks reaching a trusted program:
 * the environment tsh inherits is read through an allow-list, and a child's
 * environment holds only variables exported in tsh.  PATH and IFS are
 * read-only once the profile has set them, and IFS is never exported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

static const char *const allowed[] = {
	"HOME", "USER", "LOGNAME", "SHELL", "TERM", "TZ", "LANG", NULL,
};

/*
 * Loader and interpreter hooks: never in a child's environment, whoever
 * sets them (prefixes end in '*').
 */
static const char *const hooks[] = {
	"LD_*", "GCONV_PATH", "GLIBC_TUNABLES", "MALLOC_*", "LOCPATH",
	"NLSPATH", "HOSTALIASES", "RES_OPTIONS", "LOCALDOMAIN",
	"IFS", "ENV", "BASH_ENV", "BASHOPTS", "SHELLOPTS", "PS4", "CDPATH",
	"PYTHON*", "PERL5LIB", "PERL5OPT", "PERLLIB", "PERL5DB", "RUBYLIB",
	"RUBYOPT", "NODE_OPTIONS", "NODE_PATH", "LUA_*", "TCLLIBPATH",
	"JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", NULL,
};

bool
sh_is_hook(const char *name)
{
	for (const char *const *h = hooks; *h; h++) {
		size_t len = strlen(*h);

		if ((*h)[len - 1] == '*' ? strncmp(name, *h, len - 1) == 0 :
		    strcmp(name, *h) == 0)
			return true;
	}
	return false;
}

static struct var *
lookup(const struct shell *sh, const char *name)
{
	for (struct var *v = sh->vars; v; v = v->next)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

const char *
sh_getvar(const struct shell *sh, const char *name)
{
	struct var *v = lookup(sh, name);

	return v ? v->value : NULL;
}

/* -1 (and a message) for a read-only variable or a bad name. */
int
sh_setvar(struct shell *sh, const char *name, const char *value, bool export)
{
	struct var *v = lookup(sh, name);
	char *copy;

	if (!stz_valid_name(name)) {
		fprintf(stderr, "tsh: %s: not a valid variable name\n", name);
		return -1;
	}
	if (v && v->readonly) {
		fprintf(stderr, "tsh: %s: read-only variable\n", name);
		return -1;
	}
	if (export && sh_is_hook(name)) {
		fprintf(stderr, "tsh: %s: never passed to trusted programs\n",
			name);
		return -1;
	}
	if (v == NULL) {
		if ((v = calloc(1, sizeof(*v))) == NULL ||
		    (v->name = strdup(name)) == NULL) {
			free(v);
			return -1;
		}
		v->next = sh->vars;
		sh->vars = v;
	}
	if (value) {
		if ((copy = strdup(value)) == NULL)
			return -1;
		free(v->value);
		v->value = copy;
	}
	if (export && !sh_is_hook(name))
		v->exported = true;
	return 0;
}

int
sh_unsetvar(struct shell *sh, const char *name)
{
	struct var **pp, *v;

	if (!stz_valid_name(name)) {
		fprintf(stderr, "tsh: %s: not a valid variable name\n", name);
		return -1;
	}
	for (pp = &sh->vars; (v = *pp) != NULL; pp = &v->next) {
		if (strcmp(v->name, name) != 0)
			continue;
		if (v->readonly) {
			fprintf(stderr, "tsh: %s: read-only variable\n", name);
			return -1;
		}
		*pp = v->next;
		free(v->name);
		free(v->value);
		free(v);
		return 0;
	}
	return 0;
}

void
sh_readonly(struct shell *sh, const char *name)
{
	struct var *v = lookup(sh, name);

	if (v)
		v->readonly = true;
}

/* Only HOME, USER, LOGNAME, SHELL, TERM, TZ, LANG and LC_* come in. */
void
sh_import_env(struct shell *sh, char **env)
{
	for (; env && *env; env++) {
		const char *eq = strchr(*env, '=');
		char name[64];
		bool ok = false;

		if (eq == NULL || (size_t)(eq - *env) >= sizeof(name))
			continue;
		memcpy(name, *env, (size_t)(eq - *env));
		name[eq - *env] = '\0';
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(name, *a) == 0;
		ok = ok || strncmp(name, "LC_", 3) == 0;
		if (ok && stz_valid_name(name))
			sh_setvar(sh, name, eq + 1, true);
	}
}

/* "NAME=value" of every exported variable with a value; NULL-terminated. */
char **
sh_environ(const struct shell *sh)
{
	size_t n = 0, i = 0;
	char **env;

	for (struct var *v = sh->vars; v; v = v->next)
		n++;
	if ((env = calloc(n + 1, sizeof(*env))) == NULL)
		return NULL;
	for (struct var *v = sh->vars; v; v = v->next) {
		if (!v->exported || v->value == NULL || sh_is_hook(v->name))
			continue;
		if (asprintf(&env[i], "%s=%s", v->name, v->value) == -1) {
			env[i] = NULL;
			sh_free_argv(env);
			return NULL;
		}
		i++;
	}
	return env;
}

void
sh_free_vars(struct shell *sh)
{
	struct var *v, *next;

	for (v = sh->vars; v; v = next) {
		next = v->next;
		free(v->name);
		free(v->value);
		free(v);
	}
	sh->vars = NULL;
}
