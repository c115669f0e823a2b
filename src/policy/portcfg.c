/*
 * portcfg.c - a port's login policy from login.cfg.
 *
 * Every value a port could get is checked: the port's own stanza and all
 * of default:, so that a bad default: is refused even while every port
 * overrides it.  Bounds keep values sane (no logindelay of a year); texts
 * come through the stanza reader, which refuses control characters, so a
 * herald cannot carry terminal escapes.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "portcfg.h"

static const char *const known[] = {
	"sak_enabled", "herald", "herald2", "logindelay", "logindisable",
	"logininterval", "loginreenable", "logintimes", "synonym",
	"usernameecho", "pwdprompt", "term", "tsh", NULL,
};

static void
defaults(struct port_cfg *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->herald = TP_DEFAULT_HERALD;
	pc->logindelay = 2;	/* RFC 2196 4.5.4.2: slow guessing down */
	pc->usernameecho = true;
	pc->pwdprompt = "Password: ";
	pc->tsh = BINDIR "/tsh";
}

static int
number(const struct stz_doc *doc, const struct stz_attr *a,
       unsigned long long max, unsigned *out, struct tp_err *err)
{
	unsigned long long v;

	if (stz_get_uint(doc, a, 0, max, &v, err) == -1)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
text(const struct stz_doc *doc, const struct stz_attr *a, const char **out,
     struct tp_err *err)
{
	return stz_get_string(doc, a, out, err);
}

/* One attribute of st (or of default:, st NULL) into pc. */
static int
attr(const struct stz_doc *doc, const struct stz_attr *a,
     struct port_cfg *pc, struct tp_err *err)
{
	const char *s, *why;
	size_t bad;

	if (strcmp(a->name, "sak_enabled") == 0)
		return stz_get_bool(doc, a, &pc->sak_enabled, err);
	if (strcmp(a->name, "usernameecho") == 0)
		return stz_get_bool(doc, a, &pc->usernameecho, err);
	if (strcmp(a->name, "logindelay") == 0)
		return number(doc, a, 60, &pc->logindelay, err);
	if (strcmp(a->name, "logindisable") == 0)
		return number(doc, a, 1000, &pc->logindisable, err);
	if (strcmp(a->name, "logininterval") == 0)
		return number(doc, a, 7 * 86400, &pc->logininterval, err);
	if (strcmp(a->name, "loginreenable") == 0)
		return number(doc, a, 366 * 1440, &pc->loginreenable, err);
	if (strcmp(a->name, "herald") == 0)
		return text(doc, a, &pc->herald, err);
	if (strcmp(a->name, "herald2") == 0)
		return text(doc, a, &pc->herald2, err);
	if (strcmp(a->name, "pwdprompt") == 0)
		return text(doc, a, &pc->pwdprompt, err);
	if (strcmp(a->name, "synonym") == 0) {
		for (unsigned i = 0; i < a->nitems; i++)
			if (a->items[i][0] != '/')
				return stz_lerr_attr(doc, a, err, "expected "
						     "device paths, not \"%s\"",
						     a->items[i]);
		pc->synonyms = a->items;
		pc->nsynonyms = a->nitems;
		return 0;
	}
	if (strcmp(a->name, "logintimes") == 0) {
		if (lt_parse(a->items, a->nitems, &pc->logintimes, &why,
			     &bad) == -1)
			return stz_lerr_attr(doc, a, err, "\"%s\": %s",
					     bad < a->nitems ? a->items[bad] :
					     "", why);
		return 0;
	}
	if (text(doc, a, &s, err) == -1)
		return -1;
	if (strcmp(a->name, "term") == 0) {
		if (*s == '\0' || strspn(s, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+-_") != strlen(s))
			return stz_lerr_attr(doc, a, err, "expected a terminfo "
					     "name, like linux or vt100");
		pc->term = s;
	} else {	/* tsh */
		if (*s != '/')
			return stz_lerr_attr(doc, a, err, "expected an absolute "
					     "path");
		pc->tsh = s;
	}
	return 0;
}

static int
fill(const struct stz_doc *doc, const struct stz_stanza *st,
     struct port_cfg *pc, struct tp_err *err)
{
	if (stz_check_known(doc, st, known, err) == -1)
		return -1;
	for (const struct stz_attr *a = st->attrs; a; a = a->next)
		if (attr(doc, a, pc, err) == -1)
			return -1;
	return 0;
}

int
port_cfg_load(const char *confdir, const char *port, struct port_cfg *pc,
	      struct stz_doc **docp, struct tp_err *err)
{
	const struct stz_stanza *def, *st;
	struct stz_doc *doc;

	defaults(pc);
	*docp = NULL;
	/* no login.cfg: the defaults, and no secure attention key */
	if ((doc = stz_load_at(confdir, TP_LOGIN_CFG, STZ_SAFE | STZ_CREATE, err)) == NULL)
		return -1;
	def = stz_find(doc, STZ_DEFAULT);
	st = stz_find(doc, port);
	if ((def && fill(doc, def, pc, err) == -1) ||
	    (st && st != def && fill(doc, st, pc, err) == -1)) {
		stz_free(doc);
		defaults(pc);
		return -1;
	}
	*docp = doc;
	return 0;
}
