/*
 * logintimes.c - the AIX `logintimes` attribute: parser and evaluator.
 *
 * Defends against a login allowed at a moment the administrator meant to
 * forbid.  A value that is not exactly the grammar of logintimes.h is
 * refused (fail closed), never read as something wider; numbers are read
 * digit by digit with fixed widths (no atoi, no strtol, no locale), and the
 * evaluator refuses a struct tm it cannot trust.
 *
 * Decisions (each one belongs in the man page, and each has a test):
 *  - One item is one entry; the stanza reader has split the value at commas.
 *    An empty item, a bare "!", blanks anywhere, and more than
 *    LT_MAX_ENTRIES items are errors.  An empty list allows every moment.
 *  - A weekday is exactly one digit, 0 (Sunday) to 6; a date exactly four,
 *    MMDD with MM 00 (January) to 11 (December) as on AIX; a time exactly
 *    four, HHMM from 0000 to 2359.  A date must exist in a leap year:
 *    0131 (February 31) is an error, 0129 (February 29) is not, and simply
 *    never matches in other years.
 *  - Both ends of a range are of one kind: 1-0101 is an error.
 *  - DD 00: alone, the whole month (0000 is all of January); as the first
 *    end of a range the month's first day, as the second end its last day
 *    (0311-0500 is April 11 through June 30; an end of 0100 is February 29).
 *    lt_parse resolves 00 to real days, so from and to hold days 01-31.
 *  - Day and date ranges are inclusive and may wrap: 5-1 is Friday through
 *    Monday, 1115-0115 December 15 through February 15.  Equal ends
 *    (3-3, 0704-0704) are that one day.
 *  - Time ranges are inclusive at minute resolution: 0800-1700 allows 08:00
 *    through 17:00:59.  ":" must be followed by a whole range; nothing may
 *    follow the range.
 *  - A time range whose end is before its start crosses midnight: 2200-0600
 *    is 22:00 to 06:00:59 the next morning, and the part after midnight
 *    belongs to the day the range started on: 5:2200-0600 is Friday 22:00
 *    to Saturday 06:00, and does not take in Friday 03:00.  The same for
 *    dates: 1131:2200-0600 (December 31) runs into January 1.
 *  - A time range whose ends are equal (0800-0800) is the whole day, as if
 *    no time were given.
 *  - lt_allows: a moment that a deny (!) entry matches is refused; else, if
 *    there are allow entries, one of them must match; else it is allowed.
 *  - lt_allows refuses (returns false, even for an empty list) a struct tm
 *    with a field out of range: weekday, month, day of the month (checked
 *    against the month's length in tm_year), hour or minute.  Seconds are
 *    ignored; tm_wday is trusted, not recomputed from the date.
 *  - On error lt_parse sets out->n to 0.  The caller must refuse the login
 *    on -1: an unparsable value is not the empty list, which allows all.
 */
#include <string.h>

#include "logintimes.h"

#define R_EMPTY	 "empty entry"
#define R_MANY	 "too many entries"
#define R_WHAT	 "expected a weekday (0 to 6), a date (MMDD) or a time " \
		 "range (:HHMM-HHMM)"
#define R_WDAY	 "expected a weekday from 0 to 6"
#define R_DATEF	 "expected a date like 0115 (MMDD, month 00 to 11)"
#define R_MONTH	 "expected a month from 00 (January) to 11 (December)"
#define R_DATE	 "no such date"
#define R_MIXED	 "expected two weekdays or two dates in a range"
#define R_TIME	 "expected a time like 0800 (0000 to 2359)"
#define R_TRANGE "expected a time range like 0800-1700 after :"
#define R_TRAIL	 "unexpected text after the entry"

#define NONE	 (-1)	/* no kind yet: the first end of a range */

/* Days in each month of a leap year: what a date may name. */
static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
			       31 };

/* How many ASCII digits start s, counting no further than 5. */
static size_t
ndigits(const char *s)
{
	size_t n = 0;

	while (n < 5 && s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

/* The value of two digits (already checked). */
static int
two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* The reason for a malformed end of a range of kind want. */
static const char *
bad_end(int want)
{
	if (want == LT_WEEKDAY)
		return R_WDAY;
	if (want == LT_DATE)
		return R_DATEF;
	return R_WHAT;
}

/*
 * One end of a day range: D or MMDD, of kind want (NONE for the first end).
 * *v gets the weekday, or month * 100 + day with day 00 kept.
 */
static const char *
parse_day(const char **sp, int want, enum lt_kind *kind, int *v)
{
	const char *s = *sp;
	size_t n = ndigits(s);
	int mm, dd;

	if (n != 1 && n != 4)
		return bad_end(want);
	*kind = n == 1 ? LT_WEEKDAY : LT_DATE;
	if (want != NONE && (int)*kind != want)
		return R_MIXED;
	if (*kind == LT_WEEKDAY) {
		if ((*v = s[0] - '0') > 6)
			return R_WDAY;
	} else {
		mm = two(s);
		dd = two(s + 2);
		if (mm > 11)
			return R_MONTH;
		if (dd > mdays[mm])
			return R_DATE;
		*v = mm * 100 + dd;
	}
	*sp = s + n;
	return NULL;
}

/* D[-D] or MMDD[-MMDD]; a date's DD 00 becomes the first or last day. */
static const char *
parse_days(const char **sp, struct lt_entry *e)
{
	enum lt_kind k2;
	const char *why;
	int from, to;

	if ((why = parse_day(sp, NONE, &e->kind, &from)) != NULL)
		return why;
	to = from;
	if (**sp == '-') {
		(*sp)++;
		if ((why = parse_day(sp, (int)e->kind, &k2, &to)) != NULL)
			return why;
	}
	if (e->kind == LT_DATE) {
		if (from % 100 == 0)
			from += 1;
		if (to % 100 == 0)
			to += mdays[to / 100];
	}
	e->from = from;
	e->to = to;
	return NULL;
}

/* HHMM, 0000 to 2359, into minutes since midnight. */
static const char *
parse_time(const char **sp, int *min)
{
	const char *s = *sp;
	int hh, mm;

	if (ndigits(s) != 4)
		return R_TIME;
	hh = two(s);
	mm = two(s + 2);
	if (hh > 23 || mm > 59)
		return R_TIME;
	*min = hh * 60 + mm;
	*sp = s + 4;
	return NULL;
}

/* :HHMM-HHMM, with *sp at the colon. */
static const char *
parse_times(const char **sp, struct lt_entry *e)
{
	const char *why;

	(*sp)++;
	if (**sp < '0' || **sp > '9')
		return R_TRANGE;
	if ((why = parse_time(sp, &e->tfrom)) != NULL)
		return why;
	if (**sp != '-')
		return R_TRANGE;
	(*sp)++;
	if ((why = parse_time(sp, &e->tto)) != NULL)
		return why;
	e->has_time = true;
	return NULL;
}

static const char *
parse_entry(const char *s, struct lt_entry *e)
{
	const char *why;

	memset(e, 0, sizeof(*e));
	if (s == NULL || *s == '\0')
		return R_EMPTY;
	if (*s == '!') {
		e->deny = true;
		s++;
	}
	if (*s == ':')
		e->kind = LT_ANYDAY;
	else if ((why = parse_days(&s, e)) != NULL)
		return why;
	if (*s == ':' && (why = parse_times(&s, e)) != NULL)
		return why;
	if (*s != '\0')
		return R_TRAIL;
	return NULL;
}

int
lt_parse(char *const *items, size_t n, struct lt_list *out, const char **why,
	 size_t *bad)
{
	const char *reason = NULL;
	size_t i;

	out->n = 0;
	for (i = 0; i < n; i++) {
		if (i == LT_MAX_ENTRIES) {
			reason = R_MANY;
			break;
		}
		if ((reason = parse_entry(items[i], &out->e[i])) != NULL)
			break;
	}
	if (reason != NULL) {
		if (why != NULL)
			*why = reason;
		if (bad != NULL)
			*bad = i;
		return -1;
	}
	out->n = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Evaluation */

/* The moment to judge: its minute, and its day and the day before. */
struct moment {
	int min;
	int wday, date;		/* date: month * 100 + day */
	int ywday, ydate;	/* yesterday */
};

static int
month_len(int mon, int tm_year)
{
	long long y = (long long)tm_year + 1900;
	bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);

	return mon == 1 && !leap ? 28 : mdays[mon];
}

/* Fail closed on a struct tm that localtime_r() would not have made. */
static bool
moment_of(const struct tm *tm, struct moment *m)
{
	if (tm->tm_wday < 0 || tm->tm_wday > 6 || tm->tm_mon < 0 ||
	    tm->tm_mon > 11 || tm->tm_mday < 1 ||
	    tm->tm_mday > month_len(tm->tm_mon, tm->tm_year) ||
	    tm->tm_hour < 0 || tm->tm_hour > 23 || tm->tm_min < 0 ||
	    tm->tm_min > 59)
		return false;
	m->min = tm->tm_hour * 60 + tm->tm_min;
	m->wday = tm->tm_wday;
	m->date = tm->tm_mon * 100 + tm->tm_mday;
	m->ywday = (tm->tm_wday + 6) % 7;
	if (tm->tm_mday > 1)
		m->ydate = m->date - 1;
	else if (tm->tm_mon == 0)
		m->ydate = 1131;
	else
		m->ydate = (tm->tm_mon - 1) * 100 +
			   month_len(tm->tm_mon - 1, tm->tm_year);
	return true;
}

/* from-to, inclusive; wraps when from > to. */
static bool
in_range(int v, int from, int to)
{
	if (from <= to)
		return v >= from && v <= to;
	return v >= from || v <= to;
}

static bool
day_matches(const struct lt_entry *e, int wday, int date)
{
	if (e->kind == LT_WEEKDAY)
		return in_range(wday, e->from, e->to);
	if (e->kind == LT_DATE)
		return in_range(date, e->from, e->to);
	return true;
}

static bool
entry_matches(const struct lt_entry *e, const struct moment *m)
{
	if (!e->has_time || e->tfrom == e->tto)
		return day_matches(e, m->wday, m->date);
	if (e->tfrom < e->tto)
		return m->min >= e->tfrom && m->min <= e->tto &&
		       day_matches(e, m->wday, m->date);
	/* Across midnight: the morning belongs to the day before. */
	return (m->min >= e->tfrom && day_matches(e, m->wday, m->date)) ||
	       (m->min <= e->tto && day_matches(e, m->ywday, m->ydate));
}

bool
lt_allows(const struct lt_list *l, const struct tm *tm)
{
	struct moment m;
	bool any_allow = false, allowed = false;

	if (!moment_of(tm, &m))
		return false;
	for (size_t i = 0; i < l->n && i < LT_MAX_ENTRIES; i++) {
		bool match = entry_matches(&l->e[i], &m);

		if (l->e[i].deny && match)
			return false;
		if (!l->e[i].deny) {
			any_allow = true;
			allowed = allowed || match;
		}
	}
	return allowed || !any_allow;
}
