/*
 * logintimes.h - the AIX `logintimes` attribute of login.cfg: when a port
 * (or a user) may log in.
 *
 * A value is a list of entries, each one of
 *     [!]:HHMM-HHMM                 every day, between two times
 *     [!]D[-D][:HHMM-HHMM]          days of the week, 0 (Sunday) to 6
 *     [!]MMDD[-MMDD][:HHMM-HHMM]    dates; MM is 00 (January) to 11, as on
 *                                   AIX; DD 01-31, or 00: the whole month
 *                                   (the first or last day in a range)
 * An entry with ! denies, one without allows.  A moment is allowed when no
 * deny entry matches it and, if there are allow entries, one of them does.
 * An empty list allows every moment.  A time range may cross midnight
 * (2200-0600).  Times are HHMM, 0000 to 2359, leading zeros required.
 */
#ifndef TPATH_LOGINTIMES_H
#define TPATH_LOGINTIMES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define LT_MAX_ENTRIES 64

enum lt_kind { LT_ANYDAY, LT_WEEKDAY, LT_DATE };

struct lt_entry {
	bool deny;
	enum lt_kind kind;
	int from, to;		/* LT_WEEKDAY: 0-6; LT_DATE: month*100+day */
	bool has_time;
	int tfrom, tto;		/* minutes since midnight, 0-1439 */
};

struct lt_list {
	struct lt_entry e[LT_MAX_ENTRIES];
	size_t n;
};

/*
 * Parse the items of a logintimes value (the stanza reader has already
 * split it at commas).  -1 and a reason in *why (a static string) for the
 * first malformed item, whose index goes to *bad.
 */
int lt_parse(char *const *items, size_t n, struct lt_list *out,
	     const char **why, size_t *bad);
/* Is the local time tm allowed? */
bool lt_allows(const struct lt_list *l, const struct tm *tm);

#endif
