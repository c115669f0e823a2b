/*
 * expand.c - words to fields: parameters, field splitting, globbing.
 *
 * Quoting decides everything here: a quoted character is never a glob
 * character and never splits a field (it is escaped in the pattern handed
 * to glob(3)).  An unquoted parameter is split on IFS, which is fixed to
 * blank, tab and newline.  A pattern that matches nothing stays as typed.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shell.h"

struct fields {
	char **v;
	size_t n, cap;
	/* the field being built, and its glob pattern */
	FILE *f, *pat;
	char *fbuf, *pbuf;
	size_t flen, plen;
	bool open, glob;
};

static int
start(struct fields *fs)
{
	fs->f = open_memstream(&fs->fbuf, &fs->flen);
	fs->pat = open_memstream(&fs->pbuf, &fs->plen);
	fs->glob = false;
	fs->open = false;
	return fs->f && fs->pat ? 0 : -1;
}

static int
push(struct fields *fs, char *s)
{
	if (s == NULL)
		return -1;
	if (fs->n + 1 >= fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 16;
		char **v = realloc(fs->v, cap * sizeof(*v));

		if (v == NULL) {
			free(s);
			return -1;
		}
		fs->v = v;
		fs->cap = cap;
	}
	fs->v[fs->n++] = s;
	fs->v[fs->n] = NULL;
	return 0;
}

/* Append text to the field, and to the pattern (escaped when quoted). */
static void
add(struct fields *fs, const char *s, size_t len, bool quoted)
{
	fwrite(s, 1, len, fs->f);
	for (size_t i = 0; i < len; i++) {
		bool meta = s[i] == '*' || s[i] == '?' || s[i] == '[';

		/* a backslash, or a quoted glob character, is escaped */
		if (s[i] == '\\' || (meta && quoted))
			fputc('\\', fs->pat);
		else if (meta)
			fs->glob = true;
		fputc(s[i], fs->pat);
	}
	fs->open = true;
}

/* End the field being built: globbed when it has an unquoted pattern. */
static int
finish(struct fields *fs)
{
	glob_t g;
	int rc = 0, gr = GLOB_NOMATCH;

	if (fclose(fs->f) != 0 || fclose(fs->pat) != 0) {
		fs->f = fs->pat = NULL;
		free(fs->fbuf);
		free(fs->pbuf);
		return -1;
	}
	fs->f = fs->pat = NULL;
	if (fs->open) {
		if (fs->glob)
			gr = glob(fs->pbuf, 0, NULL, &g);
		if (fs->glob && gr == 0) {
			for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
				rc = push(fs, strdup(g.gl_pathv[i]));
			globfree(&g);
		} else if (fs->glob && gr == GLOB_NOSPACE) {
			rc = -1;
		} else {
			rc = push(fs, strdup(fs->fbuf));
		}
	}
	free(fs->fbuf);
	free(fs->pbuf);
	fs->fbuf = fs->pbuf = NULL;
	return rc == 0 ? start(fs) : -1;
}

static const char *
param(struct shell *sh, const char *name, char *buf, size_t len)
{
	const char *v;

	if (strcmp(name, "?") == 0) {
		snprintf(buf, len, "%d", sh->status);
		return buf;
	}
	if (strcmp(name, "$") == 0) {
		snprintf(buf, len, "%ld", (long)getpid());
		return buf;
	}
	v = sh_getvar(sh, name);
	return v ? v : "";
}

/* An unquoted value: split on IFS, each piece after the first a new field. */
static int
split(struct fields *fs, const char *v)
{
	while (*v) {
		size_t word = strcspn(v, TSH_IFS);

		if (word) {
			add(fs, v, word, false);
			v += word;
		}
		if (*v) {
			v += strspn(v, TSH_IFS);
			if (fs->open && finish(fs) == -1)
				return -1;
		}
	}
	return 0;
}

/*
 * Expand a word into fields.  As an assignment (an operand NAME=value of
 * export, a declaration utility as POSIX has it), the value is neither
 * split nor globbed: all of it is one field, as if quoted.
 */
static int
expand_word(struct shell *sh, struct fields *fs, const struct tsh_word *w,
	    bool assignment)
{
	char num[32];

	for (size_t i = 0; i < w->nsegs; i++) {
		const struct tsh_seg *s = &w->segs[i];
		bool quoted = s->quoted || assignment;

		if (s->kind == TSH_LIT) {
			add(fs, s->text, strlen(s->text), quoted);
		} else {
			const char *v = param(sh, s->text, num, sizeof(num));

			if (quoted)
				add(fs, v, strlen(v), true);
			else if (split(fs, v) == -1)
				return -1;
		}
		if (s->quoted)
			fs->open = true;	/* "" is an argument */
	}
	return finish(fs);
}

/* Is w the unquoted word text? */
static bool
is_word(const struct tsh_word *w, const char *text)
{
	return w->nsegs == 1 && w->segs[0].kind == TSH_LIT &&
	       !w->segs[0].quoted && strcmp(w->segs[0].text, text) == 0;
}

/* Does w begin with an unquoted NAME=? */
static bool
is_assignment(const struct tsh_word *w)
{
	const struct tsh_seg *s = w->nsegs ? &w->segs[0] : NULL;
	size_t n;

	if (s == NULL || s->kind != TSH_LIT || s->quoted)
		return false;
	n = stz_name_len(s->text);
	return n > 0 && s->text[n] == '=';
}

/* Drop the field being built (the last one is always empty). */
static void
discard(struct fields *fs)
{
	if (fs->f)
		fclose(fs->f);
	if (fs->pat)
		fclose(fs->pat);
	free(fs->fbuf);
	free(fs->pbuf);
	fs->f = fs->pat = NULL;
	fs->fbuf = fs->pbuf = NULL;
}

int
sh_expand(struct shell *sh, const struct tsh_word *words, size_t n,
	  char ***argv, size_t *argc)
{
	struct fields fs;

	memset(&fs, 0, sizeof(fs));
	if (start(&fs) == -1 || push(&fs, strdup("")) == -1)
		goto fail;
	free(fs.v[0]);		/* the array exists, even when empty */
	fs.n = 0;
	fs.v[0] = NULL;
	for (size_t i = 0; i < n; i++)
		if (expand_word(sh, &fs, &words[i],
				i > 0 && is_word(&words[0], "export") &&
				is_assignment(&words[i])) == -1)
			goto fail;
	discard(&fs);
	*argv = fs.v;
	*argc = fs.n;
	return 0;
fail:
	fprintf(stderr, "tsh: out of memory\n");
	discard(&fs);
	sh_free_argv(fs.v);
	return -1;
}

/* A redirection's file: exactly one field. */
int
sh_expand_file(struct shell *sh, const struct tsh_word *w, char **out)
{
	char **v;
	size_t n;

	if (sh_expand(sh, w, 1, &v, &n) == -1)
		return -1;
	if (n != 1) {
		fprintf(stderr, "tsh: ambiguous redirection\n");
		sh_free_argv(v);
		return -1;
	}
	*out = v[0];
	free(v);
	return 0;
}

void
sh_free_argv(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}
