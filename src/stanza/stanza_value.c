/*
 * stanza_value.c - typed values of stanza attributes.
 *
 * Bounded parsers only (no atoi, no sscanf): a value that is not exactly what
 * the attribute takes is refused with "file:line: attr: expected ...".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "stanza_int.h"

int
stz_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "always" };
	static const char *const no[] = { "false", "no", "never" };

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

int
stz_parse_uint(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')	/* no sign, no blank, not empty */
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "rwxr-sr-t": ls(1) notation, s/S/t/T included. */
static int
parse_symbolic(const char *s, unsigned long *out)
{
	static const unsigned long bits[9] = {
		S_IRUSR, S_IWUSR, S_IXUSR, S_IRGRP, S_IWGRP, S_IXGRP,
		S_IROTH, S_IWOTH, S_IXOTH,
	};
	static const unsigned long special[3] = { S_ISUID, S_ISGID, S_ISVTX };
	unsigned long m = 0;

	for (int i = 0; i < 9; i++) {
		char want = "rwx"[i % 3], c = s[i];
		char sp = i == 8 ? 't' : 's';

		if (c == '-')
			continue;
		if (c == want)
			m |= bits[i];
		else if (i % 3 == 2 && c == sp)
			m |= bits[i] | special[i / 3];
		else if (i % 3 == 2 && c == sp - ('a' - 'A'))
			m |= special[i / 3];
		else
			return -1;
	}
	*out = m;
	return 0;
}

int
stz_parse_mode(char *const *items, size_t n, unsigned long *out,
	       const char **why)
{
	static const struct {
		const char *name;
		unsigned long bit;
	} flags[] = {
		{ "TCB", STZ_MODE_TCB }, { "SUID", S_ISUID },
		{ "SGID", S_ISGID }, { "SVTX", S_ISVTX },
	};
	unsigned long m = 0, perm;
	const char *last;
	size_t i, f;

	if (n == 0)
		return *why = "expected flags and permissions, like TCB,755", -1;
	for (i = 0; i < n; i++) {
		for (f = 0; f < 4; f++)
			if (strcasecmp(items[i], flags[f].name) == 0)
				break;
		if (f == 4 && i < n - 1)
			return *why = "unknown flag (expected TCB, SUID, SGID "
				      "or SVTX before the permissions)", -1;
		if (f == 4)
			break;
		if (m & flags[f].bit)
			return *why = "flag given twice", -1;
		m |= flags[f].bit;
	}
	if (i == n)
		return *why = "permissions missing (they come last, like "
			      "TCB,755)", -1;
	last = items[n - 1];
	if (strlen(last) == 9 && strspn(last, "01234567") != 9) {
		if (parse_symbolic(last, &perm) == -1)
			return *why = "bad permissions (expected nine "
				      "characters like rwxr-xr-x)", -1;
	} else {
		size_t len = strlen(last);

		if (len < 1 || len > 4 || strspn(last, "01234567") != len)
			return *why = "bad permissions (expected octal like 755 "
				      "or nine characters like rwxr-xr-x)", -1;
		perm = strtoul(last, NULL, 8);
	}
	*out = m | perm;
	return 0;
}

int
stz_lerr_attr(const struct stz_doc *doc, const struct stz_attr *a,
	      struct tp_err *err, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return stz_lerr(doc, a->lineno, err, "%s: %s", a->name, what);
}

static int
single(const struct stz_doc *doc, const struct stz_attr *a, struct tp_err *err)
{
	if (a->nitems == 1)
		return 0;
	return stz_lerr(doc, a->lineno, err, "%s: expected %s", a->name,
			a->nitems ? "a single value, not a list" : "a value");
}

int
stz_get_string(const struct stz_doc *doc, const struct stz_attr *a,
	       const char **out, struct tp_err *err)
{
	if (single(doc, a, err) == -1)
		return -1;
	*out = a->items[0];
	return 0;
}

int
stz_get_bool(const struct stz_doc *doc, const struct stz_attr *a, bool *out,
	     struct tp_err *err)
{
	if (single(doc, a, err) == -1)
		return -1;
	if (stz_parse_bool(a->items[0], out) == -1)
		return stz_lerr(doc, a->lineno, err, "%s: expected true, false, "
				"yes, no, always or never", a->name);
	return 0;
}

int
stz_get_uint(const struct stz_doc *doc, const struct stz_attr *a,
	     unsigned long long min, unsigned long long max,
	     unsigned long long *out, struct tp_err *err)
{
	if (single(doc, a, err) == -1)
		return -1;
	if (stz_parse_uint(a->items[0], min, max, out) == -1)
		return stz_lerr(doc, a->lineno, err, "%s: expected a whole "
				"number from %llu to %llu", a->name, min, max);
	return 0;
}

int
stz_get_mode(const struct stz_doc *doc, const struct stz_attr *a,
	     unsigned long *out, struct tp_err *err)
{
	const char *why;

	if (stz_parse_mode(a->items, a->nitems, out, &why) == -1)
		return stz_lerr(doc, a->lineno, err, "%s: %s", a->name, why);
	return 0;
}

const char *
stz_join(struct stz_doc *doc, const struct stz_attr *a, char sep)
{
	size_t len = 1;
	char *out, *p;

	for (unsigned i = 0; i < a->nitems; i++)
		len += strlen(a->items[i]) + 1;
	if ((out = p = stz_alloc_bytes(doc, len)) == NULL)
		return NULL;
	for (unsigned i = 0; i < a->nitems; i++) {
		size_t l = strlen(a->items[i]);

		if (i)
			*p++ = sep;
		memcpy(p, a->items[i], l);
		p += l;
	}
	*p = '\0';
	return out;
}

int
stz_check_known(const struct stz_doc *doc, const struct stz_stanza *st,
		const char *const known[], struct tp_err *err)
{
	const struct stz_attr *a;
	size_t i;

	for (a = st->attrs; a; a = a->next) {
		for (i = 0; known[i]; i++)
			if (strcmp(a->name, known[i]) == 0)
				break;
		if (known[i] == NULL)
			return stz_lerr(doc, a->lineno, err, "unknown attribute "
					"\"%s\" in stanza \"%s\"", a->name,
					st->name);
	}
	return 0;
}
