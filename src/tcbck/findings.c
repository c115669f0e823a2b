/*
 * findings.c - what tcbck found: a list per entry (each filled by the one
 * thread that checks it), and which of its items were fixed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcbck.h"

/* The attributes (verify.h), then what else check.c and tree.c find. */
const char *const finding_kinds[] = {
	"type", "owner", "group", "mode", "size", "hash", "acl", "target",
	"missing", "error", "links", "symlinks", "program", "escape",
	"setuid", "setgid", "device", "writable", NULL,
};
_Static_assert(sizeof(finding_kinds) / sizeof(finding_kinds[0]) ==
	       FINDING_KINDS + 1, "FINDING_KINDS counts finding_kinds");

void
findings_init(struct findings *f)
{
	f->head = NULL;
	f->tail = &f->head;
	f->n = f->unfixed = 0;
}

void
findings_free(struct findings *f)
{
	struct finding *x, *next;

	for (x = f->head; x; x = next) {
		next = x->next;
		free(x->path);
		free(x);
	}
	findings_init(f);
}

struct finding *
finding_add(struct findings *f, const char *path, const char *what,
	    bool registered, const char *fmt, ...)
{
	struct finding *x = calloc(1, sizeof(*x));
	va_list ap;

	if (x == NULL || (x->path = strdup(path)) == NULL) {
		free(x);
		return NULL;
	}
	x->what = what;
	x->registered = registered;
	va_start(ap, fmt);
	vsnprintf(x->text, sizeof(x->text), fmt, ap);
	va_end(ap);
	*f->tail = x;
	f->tail = &x->next;
	f->n++;
	f->unfixed++;
	return x;
}

struct finding *
finding_of(struct finding *const *xs, unsigned n, enum tcb_what w)
{
	for (unsigned i = 0; i < n; i++)
		if (xs[i] && strcmp(xs[i]->what, tcb_what_name(w)) == 0)
			return xs[i];
	return NULL;
}

struct ranked {
	struct finding *x;
	size_t rank;		/* in the order found */
};

static int
by_path(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int c = strcmp(x->x->path, y->x->path);

	return c ? c : (x->rank > y->rank) - (x->rank < y->rank);
}

void
findings_sort(struct findings *f)
{
	struct ranked *v;
	struct finding *x;
	size_t n = 0, all = 0;

	for (x = f->head; x; x = x->next)
		all++;
	if (all < 2 || (v = calloc(all, sizeof(*v))) == NULL)
		return;		/* out of memory: the order found, all there */
	for (x = f->head; x; x = x->next, n++)
		v[n] = (struct ranked){ x, n };
	qsort(v, n, sizeof(*v), by_path);
	f->tail = &f->head;
	for (size_t i = 0; i < n; i++) {
		*f->tail = v[i].x;
		f->tail = &v[i].x->next;
	}
	*f->tail = NULL;
	free(v);
}

void
finding_fixed(struct findings *f, struct finding *x)
{
	if (x && !x->fixed) {
		x->fixed = true;
		f->unfixed--;
	}
}
