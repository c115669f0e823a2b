/*
 * fuzz_logintimes.c - libFuzzer target for the logintimes parser and
 * evaluator.
 *
 * The input, split at commas (into at most LT_MAX_ENTRIES + 2 items, the last
 * keeping any further commas), is one logintimes value.  For every input:
 *  1. lt_parse() it.  A refusal must name an item that exists, with a reason
 *     from the fixed list; the items before it must parse, and the item
 *     alone must be refused for the same reason.
 *  2. A parsed list holds only values in range: a known kind, weekdays 0-6,
 *     dates that exist in a leap year (DD 00 resolved), minutes 0-1439.
 *  3. Its fields are those the item's text gives when read by fixed
 *     positions (with DD 00 resolved); printed back and parsed again, it
 *     gives the same entries.
 *  4. lt_allows() agrees with a model at every hour of a spread of days (year
 *     ends, leap days, month ends, days picked by a hash of the input) and
 *     at the boundary minutes of the first entries.  The model works on
 *     absolute day numbers: an entry is a set of days, each opening a window
 *     of minutes that may run into the next day.
 *  5. Each entry alone allows exactly the moments its negation (the same
 *     entry with ! flipped) refuses.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FUZZ_TARGET "fuzz_logintimes"
#include "fuzz.h"
#include "logintimes.h"

#define MAXITEMS (LT_MAX_ENTRIES + 2)
#define MAXINPUT 4096
#define NBOUND	 8	/* entries whose boundary minutes are tried */

static const char *const reasons[] = {
	"empty entry",
	"too many entries",
	("expected a weekday (0 to 6), a date (MMDD) or a time range "
	 "(:HHMM-HHMM)"),
	"expected a weekday from 0 to 6",
	"expected a date like 0115 (MMDD, month 00 to 11)",
	"expected a month from 00 (January) to 11 (December)",
	"no such date",
	"expected two weekdays or two dates in a range",
	"expected a time like 0800 (0000 to 2359)",
	"expected a time range like 0800-1700 after :",
	"unexpected text after the entry",
};

static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
			       31 };

static uint64_t
fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	while (n--)
		h = (h ^ *p++) * 1099511628211ULL;
	return h;
}

/* ------------------------------------------------------------------ */
/* 1-3: parsing */

static void
check_refusal(char *const *items, size_t n, const char *why, size_t bad)
{
	struct lt_list l;
	const char *why2 = NULL;
	size_t i, bad2 = 0;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (why == reasons[i] || (why && strcmp(why, reasons[i]) == 0))
			break;
	if (why == NULL || i == sizeof(reasons) / sizeof(reasons[0]))
		fail("unknown reason \"%s\"", why ? why : "(null)");
	if (bad >= n)
		fail("item %zu of %zu refused", bad, n);
	if (strcmp(why, "too many entries") == 0) {
		if (bad != LT_MAX_ENTRIES)
			fail("too many entries at item %zu", bad);
	} else if (lt_parse(items + bad, 1, &l, &why2, &bad2) != -1 ||
		   strcmp(why, why2) != 0 || bad2 != 0) {
		fail("item %zu: \"%s\" in the list, \"%s\" alone", bad, why,
		     why2 ? why2 : "accepted");
	}
	if (lt_parse(items, bad, &l, &why2, &bad2) != 0)
		fail("the %zu items before item %zu are refused: %s", bad, bad,
		     why2);
}

static bool
valid_date(int v)
{
	int mm = v / 100, dd = v % 100;

	return v >= 0 && mm <= 11 && dd >= 1 && dd <= mdays[mm];
}

static bool
entry_ok(const struct lt_entry *e)
{
	if (e->has_time && (e->tfrom < 0 || e->tfrom > 1439 || e->tto < 0 ||
			    e->tto > 1439))
		return false;
	switch (e->kind) {
	case LT_WEEKDAY:
		return e->from >= 0 && e->from <= 6 && e->to >= 0 && e->to <= 6;
	case LT_DATE:
		return valid_date(e->from) && valid_date(e->to);
	case LT_ANYDAY:
		return e->has_time;	/* ":" needs a time range */
	}
	return false;
}

static void
check_ranges(const struct lt_list *l)
{
	if (l->n > LT_MAX_ENTRIES)
		fail("%zu entries", l->n);
	for (size_t i = 0; i < l->n; i++)
		if (!entry_ok(&l->e[i]))
			fail("entry %zu out of range: kind %d, %d-%d, time %d, "
			     "%d-%d", i, (int)l->e[i].kind, l->e[i].from,
			     l->e[i].to, l->e[i].has_time, l->e[i].tfrom,
			     l->e[i].tto);
}

static void
print_entry(const struct lt_entry *e, char *buf, size_t size)
{
	char days[16] = "", times[16] = "";

	if (e->kind == LT_WEEKDAY)
		snprintf(days, sizeof(days), "%d-%d", e->from, e->to);
	else if (e->kind == LT_DATE)
		snprintf(days, sizeof(days), "%04d-%04d", e->from, e->to);
	if (e->has_time)
		snprintf(times, sizeof(times), ":%02d%02d-%02d%02d",
			 e->tfrom / 60, e->tfrom % 60, e->tto / 60,
			 e->tto % 60);
	snprintf(buf, size, "%s%s%s", e->deny ? "!" : "", days, times);
}

static int
num(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			fail("accepted item has '%c' for a digit", s[i]);
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * What an accepted item must have given, read by fixed positions: the
 * parser accepted it, so its shape is one of those of logintimes.h.
 */
static struct lt_entry
expected(const char *s)
{
	struct lt_entry e;
	size_t w;

	memset(&e, 0, sizeof(e));
	if ((e.deny = *s == '!'))
		s++;
	w = s[0] == ':' ? 0 : s[1] >= '0' && s[1] <= '9' ? 4 : 1;
	e.kind = w == 0 ? LT_ANYDAY : w == 1 ? LT_WEEKDAY : LT_DATE;
	if (w > 0) {
		e.from = e.to = num(s, (int)w);
		if (s[w] == '-')
			e.to = num(s + w + 1, (int)w);
		s += s[w] == '-' ? 2 * w + 1 : w;
	}
	if (w == 4 && e.from % 100 == 0)
		e.from += 1;
	if (w == 4 && e.to % 100 == 0)
		e.to += mdays[e.to / 100 % 12];
	if ((e.has_time = *s == ':')) {
		e.tfrom = num(s + 1, 2) * 60 + num(s + 3, 2);
		if (s[5] != '-')
			fail("accepted item has '%c' for '-'", s[5]);
		e.tto = num(s + 6, 2) * 60 + num(s + 8, 2);
		s += 10;
	}
	if (*s != '\0')
		fail("accepted item has \"%s\" left over", s);
	return e;
}

static bool
same_entry(const struct lt_entry *a, const struct lt_entry *b)
{
	return a->deny == b->deny && a->kind == b->kind &&
	       a->from == b->from && a->to == b->to &&
	       a->has_time == b->has_time && a->tfrom == b->tfrom &&
	       a->tto == b->tto;
}

static void
check_fields(char *const *items, const struct lt_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct lt_entry e = expected(items[i]);

		if (!same_entry(&e, &l->e[i]))
			fail("item \"%s\": kind %d, %d-%d, time %d %d-%d; "
			     "expected kind %d, %d-%d, time %d %d-%d",
			     items[i], (int)l->e[i].kind, l->e[i].from,
			     l->e[i].to, l->e[i].has_time, l->e[i].tfrom,
			     l->e[i].tto, (int)e.kind, e.from, e.to,
			     e.has_time, e.tfrom, e.tto);
	}
}

static void
check_reparse(const struct lt_list *l)
{
	static char text[LT_MAX_ENTRIES][32];
	char *items[LT_MAX_ENTRIES];
	struct lt_list again;
	const char *why = NULL;
	size_t bad = 0;

	for (size_t i = 0; i < l->n; i++) {
		print_entry(&l->e[i], text[i], sizeof(text[i]));
		items[i] = text[i];
	}
	if (lt_parse(items, l->n, &again, &why, &bad) != 0)
		fail("printed entry \"%s\" refused: %s", text[bad], why);
	if (again.n != l->n)
		fail("%zu entries printed, %zu parsed", l->n, again.n);
	for (size_t i = 0; i < l->n; i++)
		if (!same_entry(&l->e[i], &again.e[i]))
			fail("entry %zu changed when printed as \"%s\"", i,
			     text[i]);
}

/* ------------------------------------------------------------------ */
/* 4-5: evaluation against a model */

/* Days since 1970-01-01 and back (Howard Hinnant's algorithms). */
static long
days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(long z, long *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
weekday(long z)
{
	return (int)(((z % 7) + 7 + 4) % 7);	/* 1970-01-01: Thursday */
}

/* An entry as the set of days that open its window, by enumeration. */
struct model {
	bool wday[7];
	bool date[12][32];
};

static void
model_of(const struct lt_entry *e, struct model *m)
{
	int v, mm, dd;

	memset(m, 0, sizeof(*m));
	if (e->kind == LT_WEEKDAY) {
		for (v = e->from;; v = (v + 1) % 7) {
			m->wday[v] = true;
			if (v == e->to)
				break;
		}
	} else if (e->kind == LT_DATE) {
		mm = e->from / 100;
		dd = e->from % 100;
		for (int steps = 0; steps <= 366; steps++) {
			m->date[mm][dd] = true;
			if (mm * 100 + dd == e->to)
				return;
			if (++dd > mdays[mm]) {
				dd = 1;
				mm = (mm + 1) % 12;
			}
		}
		fail("date walk from %04d never reached %04d", e->from, e->to);
	}
}

static bool
model_day(const struct lt_entry *e, const struct model *m, long z)
{
	long y;
	int mo, d;

	if (e->kind == LT_WEEKDAY)
		return m->wday[weekday(z)];
	if (e->kind == LT_DATE) {
		civil_from_days(z, &y, &mo, &d);
		return m->date[mo - 1][d];
	}
	return true;
}

/* Is minute t (absolute) in the window that day z opens for e? */
static bool
in_window(const struct lt_entry *e, long z, long t)
{
	long start = z * 1440, end = z * 1440 + 1439;

	if (e->has_time && e->tfrom != e->tto) {
		start = z * 1440 + e->tfrom;
		end = z * 1440 + e->tto + (e->tto < e->tfrom ? 1440 : 0);
	}
	return t >= start && t <= end;
}

static bool
model_match(const struct lt_entry *e, const struct model *m, long z, int min)
{
	long t = z * 1440 + min;

	return (model_day(e, m, z) && in_window(e, z, t)) ||
	       (model_day(e, m, z - 1) && in_window(e, z - 1, t));
}

static struct tm
tm_of(long z, int min)
{
	struct tm tm;
	long y;
	int mo, d;

	civil_from_days(z, &y, &mo, &d);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)(y - 1900);
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_wday = weekday(z);
	tm.tm_hour = min / 60;
	tm.tm_min = min % 60;
	return tm;
}

struct ctx {
	const struct lt_list *l;
	struct model m[LT_MAX_ENTRIES];
	struct lt_list one, neg;	/* one entry, and it negated */
};

static void
check_moment(struct ctx *c, long z, int min)
{
	struct tm tm = tm_of(z, min);
	bool any_allow = false, allow = false, deny = false, got;

	for (size_t i = 0; i < c->l->n; i++) {
		const struct lt_entry *e = &c->l->e[i];
		bool match = model_match(e, &c->m[i], z, min);

		c->one.e[0] = *e;
		c->neg.e[0] = *e;
		c->neg.e[0].deny = !e->deny;
		got = lt_allows(&c->one, &tm);
		if (got != (e->deny ? !match : match) ||
		    got == lt_allows(&c->neg, &tm))
			fail("entry %zu alone, day %ld minute %d: %s, negated "
			     "%s, model %s", i, z, min, got ? "allowed" :
			     "refused", lt_allows(&c->neg, &tm) ? "allowed" :
			     "refused", match ? "matches" : "does not match");
		if (e->deny)
			deny = deny || match;
		else
			any_allow = true, allow = allow || match;
	}
	got = lt_allows(c->l, &tm);
	if (got != (!deny && (allow || !any_allow)))
		fail("day %ld (%04d-%02d-%02d) minute %d: %s, model %s", z,
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, min,
		     got ? "allowed" : "refused", got ? "refuses" : "allows");
}

static void
check_day(struct ctx *c, long z)
{
	for (int h = 0; h < 24; h++)
		check_moment(c, z, h * 60);
	check_moment(c, z, 1439);
	for (size_t i = 0; i < c->l->n && i < NBOUND; i++) {
		const struct lt_entry *e = &c->l->e[i];

		if (!e->has_time)
			continue;
		check_moment(c, z, e->tfrom);
		check_moment(c, z, e->tto);
		check_moment(c, z, (e->tfrom + 1439) % 1440);
		check_moment(c, z, (e->tto + 1) % 1440);
	}
}

static void
evaluate(const struct lt_list *l, uint64_t h)
{
	static const struct {
		short y;
		char m, d;
	} days[] = {
		{ 2024, 1, 1 }, { 2024, 1, 31 }, { 2024, 2, 1 },
		{ 2024, 2, 29 }, { 2024, 3, 1 }, { 2024, 6, 30 },
		{ 2024, 7, 1 }, { 2024, 12, 31 }, { 2025, 1, 1 },
		{ 2023, 2, 28 }, { 2023, 3, 1 }, { 2100, 2, 28 },
		{ 2100, 3, 1 }, { 2000, 2, 29 }, { 2000, 3, 1 },
		{ 1970, 1, 1 },
	};
	static struct ctx c;
	long base = days_from_civil(2024, 1, 1);

	c.l = l;
	c.one.n = c.neg.n = 1;
	for (size_t i = 0; i < l->n; i++)
		model_of(&l->e[i], &c.m[i]);
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		check_day(&c, days_from_civil(days[i].y, days[i].m,
					      days[i].d));
	for (int i = 0; i < 4; i++, h >>= 11)
		check_day(&c, base + (long)(h % 1500));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[MAXINPUT + 1];
	char *items[MAXITEMS];
	struct lt_list l;
	const char *why = NULL;
	size_t n = 0, bad = 0;

	if (size > MAXINPUT)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	items[n++] = buf;
	for (size_t i = 0; i < size && n < MAXITEMS; i++)
		if (buf[i] == ',') {
			buf[i] = '\0';
			items[n++] = buf + i + 1;
		}

	if (lt_parse(items, n, &l, &why, &bad) != 0) {
		if (l.n != 0)
			fail("refused, yet %zu entries", l.n);
		check_refusal(items, n, why, bad);
		return 0;
	}
	if (l.n != n)
		fail("%zu items, %zu entries", n, l.n);
	check_ranges(&l);
	check_fields(items, &l);
	check_reparse(&l);
	evaluate(&l, fnv1a(data, size));
	return 0;
}
