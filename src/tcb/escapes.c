/*
 * escapes.c - the programs that run other programs; see escapes.h.
 */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "escapes.h"
#include "stanza.h"

static const char *const known[] = { "reason", NULL };

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
		const char *why;
		struct stz_attr *a = stz_attr(st, "reason");

		if (stz_check_known(x->doc, st, known, err) == -1)
			goto bad;
		if (a == NULL) {
			stz_lerr(x->doc, st->lineno, err, "%s: no reason given",
				 st->name);
			goto bad;
		}
		if (stz_get_string(x->doc, a, &why, err) == -1)
			goto bad;
		st->data = (void *)why;
	}
	return 0;
bad:
	tcb_escapes_free(x);
	return -1;
}

const char *
tcb_escape_reason(const struct tcb_escapes *x, const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (struct stz_stanza *st = x->doc ? stz_first(x->doc) : NULL; st;
	     st = stz_next(st)) {
		if (strchr(st->name, '/') ?
		    fnmatch(st->name, path, FNM_PATHNAME) == 0 :
		    fnmatch(st->name, base, 0) == 0)
			return st->data;
	}
	return NULL;
}

void
tcb_escapes_free(struct tcb_escapes *x)
{
	stz_free(x->doc);
	x->doc = NULL;
}
