/*
 * escapes.c - the programs that run other programs; see escapes.h.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "escapes.h"
#include "stanza.h"

static const char *const known[] = { "reason", "kind", NULL };
static const char *const kinds[] = { "shell", "interpreter", "runner",
	"editor", "hooks", "compiler", NULL };

struct escape {
	const char *reason, *kind;
};

static bool
known_kind(const char *k)
{
	for (const char *const *p = kinds; *p; p++)
		if (strcmp(*p, k) == 0)
			return true;
	return false;
}

int
tcb_escapes_load(struct tcb_escapes *x, const char *confdir,
		 struct tp_err *err)
{
	x->doc = stz_load_at(confdir, TCB_ESCAPES_FILE, STZ_SAFE | STZ_CREATE,
			     err);
	if (x->doc == NULL)
		return -1;
	for (struct stz_stanza *st = stz_first(x->doc); st;
	     st = stz_next(st)) {
		struct stz_attr *a = stz_attr(st, "reason"),
				*k = stz_attr(st, "kind");
		struct escape *esc = calloc(1, sizeof(*esc));

		if ((st->data = esc) == NULL) {
			tp_err_set(err, "out of memory");
			goto bad;
		}
		if (stz_check_known(x->doc, st, known, err) == -1)
			goto bad;
		if (a == NULL) {
			stz_lerr(x->doc, st->lineno, err, "%s: no reason given",
				 st->name);
			goto bad;
		}
		if (stz_get_string(x->doc, a, &esc->reason, err) == -1 ||
		    (k && stz_get_string(x->doc, k, &esc->kind, err) == -1))
			goto bad;
		if (k && !known_kind(esc->kind)) {
			stz_lerr_attr(x->doc, k, err, "expected shell, "
				      "interpreter, runner, editor, hooks or "
				      "compiler");
			goto bad;
		}
	}
	return 0;
bad:
	tcb_escapes_free(x);
	return -1;
}

const char *
tcb_escape_reason(const struct tcb_escapes *x, const char *path)
{
	return tcb_escape_kind(x, path, NULL);
}

const char *
tcb_escape_kind(const struct tcb_escapes *x, const char *path,
		const char **kind)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (struct stz_stanza *st = x->doc ? stz_first(x->doc) : NULL; st;
	     st = stz_next(st)) {
		const struct escape *esc = st->data;

		if (strchr(st->name, '/') ?
		    fnmatch(st->name, path, FNM_PATHNAME) == 0 :
		    fnmatch(st->name, base, 0) == 0) {
			if (kind)
				*kind = esc->kind;
			return esc->reason;
		}
	}
	return NULL;
}

void
tcb_escapes_free(struct tcb_escapes *x)
{
	for (struct stz_stanza *st = x->doc ? stz_first(x->doc) : NULL; st;
	     st = stz_next(st))
		free(st->data);
	stz_free(x->doc);
	x->doc = NULL;
}
