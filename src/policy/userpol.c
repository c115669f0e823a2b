/*
 * userpol.c - a user's trusted-path policy from the user file.
 *
 * Fails closed: the file must be root's and not writable by others (safe
 * open), and every value the user could get, from the user's stanza and
 * from default:, is checked, so a typo is an error, never a weaker policy.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "userpol.h"

static const char *const names[] = {
	[TP_TPATH_NOSAK] = "nosak", [TP_TPATH_ON] = "on",
	[TP_TPATH_NOTSH] = "notsh", [TP_TPATH_ALWAYS] = "always",
};

static const char *const known[] = { "tpath", "ttys", NULL };

bool
user_pol_tty_allowed(const struct user_pol *up, dev_t tty)
{
	bool allow = up->ttys == NULL;	/* no ttys: any terminal */

	for (unsigned i = 0; i < up->nttys; i++) {
		const char *s = up->ttys[i];
		bool deny = s[0] == '!', match;
		struct stat sb;

		s += deny;
		if (strcmp(s, "ALL") == 0 || strcmp(s, "*") == 0)
			match = true;
		else
			match = tty != 0 && stat(s, &sb) == 0 &&
				S_ISCHR(sb.st_mode) && sb.st_rdev == tty;
		if (match && deny)
			return false;
		if (match)
			allow = true;
	}
	return allow;
}

const char *
tp_tpath_name(enum tp_tpath t)
{
	return names[t];
}

/* ttys: ALL, *, or device paths, each maybe with "!" before it. */
static int
check_ttys(const struct stz_doc *doc, const struct stz_attr *a,
	   struct tp_err *err)
{
	if (a->nitems == 0)
		return stz_lerr_attr(doc, a, err, "expected ALL, * or device "
				     "paths");
	for (unsigned i = 0; i < a->nitems; i++) {
		const char *s = a->items[i] + (a->items[i][0] == '!');

		if (strcmp(s, "ALL") != 0 && strcmp(s, "*") != 0 && s[0] != '/')
			return stz_lerr_attr(doc, a, err, "\"%s\": expected "
					     "ALL, * or a device path, each "
					     "maybe after !", a->items[i]);
	}
	return 0;
}

static int
fill(const struct stz_doc *doc, const struct stz_stanza *st,
     struct user_pol *up, struct tp_err *err)
{
	const char *s;

	if (stz_check_known(doc, st, known, err) == -1)
		return -1;
	for (const struct stz_attr *a = st->attrs; a; a = a->next) {
		if (strcmp(a->name, "ttys") == 0) {
			if (check_ttys(doc, a, err) == -1)
				return -1;
			up->ttys = a->items;
			up->nttys = a->nitems;
			continue;
		}
		if (stz_get_string(doc, a, &s, err) == -1)
			return -1;
		for (size_t t = 0;; t++) {
			if (t == sizeof(names) / sizeof(names[0]))
				return stz_lerr_attr(doc, a, err, "expected "
						     "on, nosak, notsh or "
						     "always");
			if (strcmp(s, names[t]) == 0) {
				up->tpath = (enum tp_tpath)t;
				break;
			}
		}
	}
	return 0;
}

int
user_pol_load(const char *confdir, const char *user, struct user_pol *up,
	      struct stz_doc **docp, struct tp_err *err)
{
	const struct stz_stanza *def, *st;
	struct stz_doc *doc;

	memset(up, 0, sizeof(*up));
	*docp = NULL;
	if ((doc = stz_load_at(confdir, TP_USER_FILE, STZ_SAFE | STZ_CREATE, err)) == NULL)
		return -1;
	def = stz_find(doc, STZ_DEFAULT);
	st = strcmp(user, STZ_DEFAULT) ? stz_find(doc, user) : NULL;
	if ((def && fill(doc, def, up, err) == -1) ||
	    (st && fill(doc, st, up, err) == -1)) {
		stz_free(doc);
		memset(up, 0, sizeof(*up));
		return -1;
	}
	*docp = doc;
	return 0;
}
