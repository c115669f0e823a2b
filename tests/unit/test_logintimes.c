/* test_logintimes.c - logintimes: every refusal and its reason, evaluation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "logintimes.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

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

#define MAXITEMS (LT_MAX_ENTRIES + 8)

/* Split at every comma, keeping empty items: "" is one empty item. */
static size_t
split(const char *list, char *buf, size_t bufsz, char **items)
{
	size_t n = 0;
	char *p;

	assert_true(strlen(list) < bufsz);
	strcpy(buf, list);
	items[n++] = buf;
	for (p = buf; *p; p++) {
		if (*p != ',')
			continue;
		*p = '\0';
		assert_true(n < MAXITEMS);
		items[n++] = p + 1;
	}
	return n;
}

static int
parse(const char *list, struct lt_list *l, const char **why, size_t *bad)
{
	char buf[1024], *items[MAXITEMS];
	size_t n = split(list, buf, sizeof(buf), items);

	return lt_parse(items, n, l, why, bad);
}

/* ------------------------------------------------------------------ */
/* Parsing */

static void
test_good_items(void **state)
{
	static const struct {
		const char *in;
		bool deny;
		enum lt_kind kind;
		int from, to;
		bool has_time;
		int tfrom, tto;
	} t[] = {
		{ "0", false, LT_WEEKDAY, 0, 0, false, 0, 0 },
		{ "6", false, LT_WEEKDAY, 6, 6, false, 0, 0 },
		{ "1-5", false, LT_WEEKDAY, 1, 5, false, 0, 0 },
		{ "5-1", false, LT_WEEKDAY, 5, 1, false, 0, 0 },
		{ "3-3", false, LT_WEEKDAY, 3, 3, false, 0, 0 },
		{ "!0", true, LT_WEEKDAY, 0, 0, false, 0, 0 },
		{ ":0800-1700", false, LT_ANYDAY, 0, 0, true, 480, 1020 },
		{ "!:2200-0600", true, LT_ANYDAY, 0, 0, true, 1320, 360 },
		{ ":0000-2359", false, LT_ANYDAY, 0, 0, true, 0, 1439 },
		{ ":0800-0800", false, LT_ANYDAY, 0, 0, true, 480, 480 },
		{ "1-5:0800-1700", false, LT_WEEKDAY, 1, 5, true, 480, 1020 },
		{ "0000", false, LT_DATE, 1, 31, false, 0, 0 },
		{ "0100", false, LT_DATE, 101, 129, false, 0, 0 },
		{ "0300", false, LT_DATE, 301, 330, false, 0, 0 },
		{ "0311-0500", false, LT_DATE, 311, 530, false, 0, 0 },
		{ "1115-0115", false, LT_DATE, 1115, 115, false, 0, 0 },
		{ "0129", false, LT_DATE, 129, 129, false, 0, 0 },
		{ "1131", false, LT_DATE, 1131, 1131, false, 0, 0 },
		{ "0000-1100", false, LT_DATE, 1, 1131, false, 0, 0 },
		{ "1100-0000", false, LT_DATE, 1101, 31, false, 0, 0 },
		{ "0100-0100", false, LT_DATE, 101, 129, false, 0, 0 },
		{ "!1124-1126:0000-2359", true, LT_DATE, 1124, 1126, true, 0,
		  1439 },
		{ "0704:2359-0000", false, LT_DATE, 704, 704, true, 1439, 0 },
	};
	struct lt_list l;
	const char *why;
	size_t bad;

	(void)state;
	for (size_t i = 0; i < NELEM(t); i++) {
		why = NULL;
		if (parse(t[i].in, &l, &why, &bad) != 0)
			fail_msg("\"%s\": %s", t[i].in, why);
		assert_int_equal(l.n, 1);
		assert_int_equal(l.e[0].deny, t[i].deny);
		assert_int_equal(l.e[0].kind, t[i].kind);
		assert_int_equal(l.e[0].has_time, t[i].has_time);
		if (t[i].kind != LT_ANYDAY) {
			assert_int_equal(l.e[0].from, t[i].from);
			assert_int_equal(l.e[0].to, t[i].to);
		}
		if (t[i].has_time) {
			assert_int_equal(l.e[0].tfrom, t[i].tfrom);
			assert_int_equal(l.e[0].tto, t[i].tto);
		}
	}
}

static void
test_bad_items(void **state)
{
	static const struct {
		const char *in;
		size_t bad;
		const char *why;
	} t[] = {
		{ "", 0, R_EMPTY },
		{ "1,,2", 1, R_EMPTY },
		{ "1,", 1, R_EMPTY },
		{ "!", 0, R_WHAT },
		{ "7", 0, R_WDAY },
		{ "9-1", 0, R_WDAY },
		{ "1-7", 0, R_WDAY },
		{ "12", 0, R_WHAT },
		{ "10000", 0, R_WHAT },
		{ "1-12", 0, R_WDAY },
		{ "1-", 0, R_WDAY },
		{ "0101-", 0, R_DATEF },
		{ "0101-011", 0, R_DATEF },
		{ "0101-01011", 0, R_DATEF },
		{ "1200", 0, R_MONTH },
		{ "9901", 0, R_MONTH },
		{ "0001-1201", 0, R_MONTH },
		{ "0032", 0, R_DATE },
		{ "0099", 0, R_DATE },
		{ "0131", 0, R_DATE },		/* February 31 */
		{ "0130", 0, R_DATE },		/* February 30 */
		{ "0331", 0, R_DATE },		/* April 31 */
		{ "1031", 0, R_DATE },		/* November 31 */
		{ "0101-0131", 0, R_DATE },
		{ "1-0101", 0, R_MIXED },
		{ "1-0199", 0, R_MIXED },	/* the kinds first */
		{ "0101-1", 0, R_MIXED },
		{ ":", 0, R_TRANGE },
		{ "1:", 0, R_TRANGE },
		{ "0101:", 0, R_TRANGE },
		{ "!:", 0, R_TRANGE },
		{ "1:0800", 0, R_TRANGE },
		{ ":0800", 0, R_TRANGE },
		{ "1:-0800", 0, R_TRANGE },
		{ "0101:0800_1700", 0, R_TRANGE },
		{ ":2400-0100", 0, R_TIME },
		{ ":0100-2400", 0, R_TIME },
		{ ":0860-0900", 0, R_TIME },
		{ ":800-1700", 0, R_TIME },
		{ ":0800-170", 0, R_TIME },
		{ ":0800-17000", 0, R_TIME },
		{ ":0800-", 0, R_TIME },
		{ ":0800-x", 0, R_TIME },
		{ "1-5x", 0, R_TRAIL },
		{ "0-1-2", 0, R_TRAIL },
		{ "1:0800-1700x", 0, R_TRAIL },
		{ "1:0800-1700-1800", 0, R_TRAIL },
		{ "1:0800-1700:0900-1000", 0, R_TRAIL },
		{ "1 ", 0, R_TRAIL },
		{ "1\n", 0, R_TRAIL },
		{ " 1", 0, R_WHAT },
		{ "!!1", 0, R_WHAT },
		{ "-1", 0, R_WHAT },
		{ "x", 0, R_WHAT },
		{ "\xef\xbc\x91", 0, R_WHAT },	/* fullwidth digit one */
		{ "1-5,x", 1, R_WHAT },
		{ "0,1,2,1200", 3, R_MONTH },
		{ "0,:0800-1700,!1-5,0000,1:", 4, R_TRANGE },
	};
	struct lt_list l;
	const char *why;
	size_t bad;

	(void)state;
	for (size_t i = 0; i < NELEM(t); i++) {
		why = NULL;
		bad = 999;
		l.n = 42;
		if (parse(t[i].in, &l, &why, &bad) != -1)
			fail_msg("\"%s\" was accepted", t[i].in);
		if (why == NULL || strcmp(why, t[i].why) != 0)
			fail_msg("\"%s\": reason \"%s\", expected \"%s\"",
				 t[i].in, why ? why : "(null)", t[i].why);
		if (bad != t[i].bad)
			fail_msg("\"%s\": item %zu, expected %zu", t[i].in,
				 bad, t[i].bad);
		assert_int_equal(l.n, 0);
	}
}

static void
test_reasons_are_short(void **state)
{
	static const char *const r[] = {
		R_EMPTY, R_MANY, R_WHAT, R_WDAY, R_DATEF, R_MONTH, R_DATE,
		R_MIXED, R_TIME, R_TRANGE, R_TRAIL,
	};

	(void)state;
	for (size_t i = 0; i < NELEM(r); i++) {
		size_t len = strlen(r[i]);

		assert_true(len > 0 && len < 80);
		assert_true(r[i][len - 1] != '.');
	}
}

static void
test_entry_count(void **state)
{
	char buf[1024], *p = buf;
	struct lt_list l;
	const char *why;
	size_t bad;

	(void)state;
	/* an empty list: nothing to refuse */
	assert_int_equal(lt_parse(NULL, 0, &l, &why, &bad), 0);
	assert_int_equal(l.n, 0);

	for (int i = 0; i < LT_MAX_ENTRIES; i++)
		p += sprintf(p, "%s%d", i ? "," : "", i % 7);
	assert_int_equal(parse(buf, &l, &why, &bad), 0);
	assert_int_equal(l.n, LT_MAX_ENTRIES);
	assert_int_equal(l.e[LT_MAX_ENTRIES - 1].from,
			 (LT_MAX_ENTRIES - 1) % 7);

	strcpy(p, ",0");
	assert_int_equal(parse(buf, &l, &why, &bad), -1);
	assert_string_equal(why, R_MANY);
	assert_int_equal(bad, LT_MAX_ENTRIES);
	assert_int_equal(l.n, 0);

	/* the first bad item is named, even in a list that is too long */
	buf[4] = '8';			/* "0,1,8,..." */
	assert_int_equal(parse(buf, &l, &why, &bad), -1);
	assert_string_equal(why, R_WDAY);
	assert_int_equal(bad, 2);
}

/* ------------------------------------------------------------------ */
/* Evaluation */

/* n digits at s (a test's own literal, checked all the same). */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		assert_true(s[i] >= '0' && s[i] <= '9');
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * "Fri 2024-06-07 22:00" (months 01-12, as people write them).  The weekday
 * is checked against the date, so that a test cannot lie about it.
 */
static struct tm
at(const char *when)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	struct tm tm;
	int y, mo, d, h, mi;

	assert_int_equal(strlen(when), 20);
	y = digits(when + 4, 4);
	mo = digits(when + 9, 2);
	d = digits(when + 12, 2);
	h = digits(when + 15, 2);
	mi = digits(when + 18, 2);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	assert_true(timegm(&tm) != (time_t)-1);
	if (tm.tm_mday != d || tm.tm_mon != mo - 1 || tm.tm_hour != h ||
	    tm.tm_min != mi)
		fail_msg("%s: no such moment", when);
	if (strncmp(days + 3 * tm.tm_wday, when, 3) != 0)
		fail_msg("%s: that day is a %.3s", when, days + 3 * tm.tm_wday);
	return tm;
}

struct when {
	const char *at;
	bool allowed;
};

static void
check_list(const char *list, const struct when *w, size_t n)
{
	struct lt_list l;
	const char *why = NULL;
	size_t bad;

	if (parse(list, &l, &why, &bad) != 0)
		fail_msg("\"%s\": %s", list, why);
	for (size_t i = 0; i < n; i++) {
		struct tm tm = at(w[i].at);

		if (lt_allows(&l, &tm) != w[i].allowed)
			fail_msg("\"%s\" at %s: %s, expected %s", list,
				 w[i].at, w[i].allowed ? "refused" : "allowed",
				 w[i].allowed ? "allowed" : "refused");
	}
}

#define CHECK(list, ...) do {						\
	static const struct when w_[] = { __VA_ARGS__ };		\
	check_list(list, w_, NELEM(w_));				\
} while (0)

static void
test_weekdays(void **state)
{
	(void)state;
	CHECK("5-1",				/* Friday through Monday */
	      { "Fri 2024-06-07 00:00", true },
	      { "Sat 2024-06-08 12:00", true },
	      { "Sun 2024-06-09 12:00", true },
	      { "Mon 2024-06-10 23:59", true },
	      { "Tue 2024-06-11 00:00", false },
	      { "Thu 2024-06-06 23:59", false },
	      { "Wed 2024-06-05 12:00", false });
	CHECK("1-5:0800-1700",
	      { "Mon 2024-06-03 08:00", true },
	      { "Mon 2024-06-03 07:59", false },
	      { "Mon 2024-06-03 17:00", true },
	      { "Mon 2024-06-03 17:01", false },
	      { "Fri 2024-06-07 16:59", true },
	      { "Sat 2024-06-08 12:00", false },
	      { "Sun 2024-06-09 12:00", false });
	CHECK("3-3",
	      { "Wed 2024-06-05 00:00", true },
	      { "Thu 2024-06-06 00:00", false },
	      { "Tue 2024-06-04 23:59", false });
	CHECK("1,3",
	      { "Mon 2024-06-03 10:00", true },
	      { "Tue 2024-06-04 10:00", false },
	      { "Wed 2024-06-05 10:00", true });
}

static void
test_dates(void **state)
{
	(void)state;
	CHECK("1115-0115",	/* December 15 to February 15: months from 00 */
	      { "Sat 2024-12-14 23:59", false },
	      { "Sun 2024-12-15 00:00", true },
	      { "Tue 2024-12-31 23:59", true },
	      { "Wed 2025-01-01 00:00", true },
	      { "Sat 2025-02-15 23:59", true },
	      { "Sun 2025-02-16 00:00", false },
	      { "Fri 2024-11-15 12:00", false },
	      { "Sat 2025-06-14 12:00", false });
	CHECK("0311-0500",			/* April 11 to June 30 */
	      { "Wed 2024-04-10 23:59", false },
	      { "Thu 2024-04-11 00:00", true },
	      { "Wed 2024-05-15 12:00", true },
	      { "Sun 2024-06-30 23:59", true },
	      { "Mon 2024-07-01 00:00", false });
	CHECK("0000",				/* January */
	      { "Mon 2024-01-01 00:00", true },
	      { "Wed 2024-01-31 23:59", true },
	      { "Thu 2024-02-01 00:00", false },
	      { "Tue 2024-12-31 23:59", false });
	CHECK("0100",				/* February */
	      { "Thu 2024-02-29 12:00", true },
	      { "Tue 2023-02-28 23:59", true },
	      { "Wed 2023-03-01 00:00", false },
	      { "Wed 2024-01-31 23:59", false });
	CHECK("1100-0000",			/* December and January */
	      { "Sun 2024-12-01 00:00", true },
	      { "Fri 2025-01-31 23:59", true },
	      { "Sat 2024-11-30 23:59", false },
	      { "Sat 2025-02-01 00:00", false });
	CHECK("0129",				/* February 29 only */
	      { "Thu 2024-02-29 12:00", true },
	      { "Tue 2023-02-28 12:00", false },
	      { "Wed 2023-03-01 12:00", false });
}

static void
test_midnight(void **state)
{
	(void)state;
	CHECK("5:2200-0600",	/* Friday night, into Saturday morning */
	      { "Fri 2024-06-07 21:59", false },
	      { "Fri 2024-06-07 22:00", true },
	      { "Fri 2024-06-07 23:59", true },
	      { "Sat 2024-06-08 00:00", true },
	      { "Sat 2024-06-08 06:00", true },
	      { "Sat 2024-06-08 06:01", false },
	      { "Fri 2024-06-07 03:00", false },
	      { "Sat 2024-06-08 22:00", false },
	      { "Thu 2024-06-06 23:00", false });
	CHECK("6-0:2200-0600",	/* wrapping days and a wrapping time */
	      { "Sat 2024-06-08 03:00", false },
	      { "Sat 2024-06-08 23:00", true },
	      { "Sun 2024-06-09 03:00", true },
	      { "Sun 2024-06-09 23:00", true },
	      { "Mon 2024-06-10 03:00", true },
	      { "Mon 2024-06-10 23:00", false });
	CHECK(":2200-0600",
	      { "Mon 2024-06-03 23:00", true },
	      { "Mon 2024-06-03 05:00", true },
	      { "Mon 2024-06-03 12:00", false });
	CHECK("1131:2200-0600",	/* December 31, into the new year */
	      { "Tue 2024-12-31 23:00", true },
	      { "Wed 2025-01-01 05:59", true },
	      { "Wed 2025-01-01 06:01", false },
	      { "Tue 2024-12-31 05:00", false });
	CHECK("0129:2200-0600",	/* February 29, into March 1 */
	      { "Thu 2024-02-29 23:00", true },
	      { "Fri 2024-03-01 03:00", true },
	      { "Wed 2023-03-01 03:00", false });
	CHECK("0100:2300-0100",	/* the morning after February 28, 2023 */
	      { "Wed 2023-03-01 00:30", true },
	      { "Wed 2023-03-01 23:30", false },
	      { "Wed 2023-02-01 00:30", false });
	CHECK("0704:2359-0000",	/* August 4: two minutes */
	      { "Sun 2024-08-04 23:59", true },
	      { "Mon 2024-08-05 00:00", true },
	      { "Mon 2024-08-05 00:01", false },
	      { "Sun 2024-08-04 00:00", false },
	      { "Thu 2024-07-04 23:59", false });
	CHECK("1:0800-0800",	/* equal ends: the whole day */
	      { "Mon 2024-06-03 00:00", true },
	      { "Mon 2024-06-03 23:59", true },
	      { "Tue 2024-06-04 00:00", false },
	      { "Sun 2024-06-02 23:59", false });
}

static void
test_deny(void **state)
{
	(void)state;
	CHECK("1-5:0800-1700,!1124-1126",	/* deny wins */
	      { "Tue 2024-12-24 10:00", false },
	      { "Mon 2024-12-23 10:00", true },
	      { "Fri 2024-12-27 10:00", true },
	      { "Sat 2024-12-28 10:00", false });
	CHECK("!1124-1126,1-5:0800-1700",	/* in any order */
	      { "Tue 2024-12-24 10:00", false },
	      { "Mon 2024-12-23 10:00", true });
	CHECK("0-6,!0-6",
	      { "Mon 2024-06-03 10:00", false },
	      { "Sun 2024-06-09 10:00", false });
	CHECK("!:1200-1300,:0000-2359",
	      { "Mon 2024-06-03 12:30", false },
	      { "Mon 2024-06-03 12:00", false },
	      { "Mon 2024-06-03 13:00", false },
	      { "Mon 2024-06-03 11:59", true },
	      { "Mon 2024-06-03 13:01", true });
	CHECK("!0,!6",				/* deny only */
	      { "Sun 2024-06-09 10:00", false },
	      { "Sat 2024-06-08 10:00", false },
	      { "Wed 2024-06-05 10:00", true });
	CHECK("!5:2200-0600",
	      { "Sat 2024-06-08 03:00", false },
	      { "Sat 2024-06-08 07:00", true },
	      { "Fri 2024-06-07 03:00", true });
	CHECK("!:0800-0800",			/* denies every moment */
	      { "Mon 2024-06-03 08:00", false },
	      { "Mon 2024-06-03 03:00", false });
}

static void
test_empty_list(void **state)
{
	struct lt_list l = { .n = 0 };
	static const char *const w[] = {
		"Mon 2024-01-01 00:00", "Thu 2024-02-29 12:34",
		"Tue 2024-12-31 23:59", "Sun 1970-01-04 00:00",
	};

	(void)state;
	for (size_t i = 0; i < NELEM(w); i++) {
		struct tm tm = at(w[i]);

		assert_true(lt_allows(&l, &tm));
	}
}

/* A struct tm that localtime_r() would not make is refused. */
static void
test_bad_tm(void **state)
{
	struct lt_list l = { .n = 0 };
	struct tm good = at("Thu 2024-02-29 12:34"), tm;

	(void)state;
#define BAD(field, value) do {						\
	tm = good;							\
	tm.field = value;						\
	assert_false(lt_allows(&l, &tm));				\
} while (0)
	BAD(tm_wday, 7);
	BAD(tm_wday, -1);
	BAD(tm_mon, 12);
	BAD(tm_mon, -1);
	BAD(tm_mday, 0);
	BAD(tm_mday, 30);		/* February 30 */
	BAD(tm_hour, 24);
	BAD(tm_hour, -1);
	BAD(tm_min, 60);
	BAD(tm_min, -1);
#undef BAD
	tm = good;
	tm.tm_year = 2023 - 1900;	/* February 29, 2023 */
	assert_false(lt_allows(&l, &tm));
	tm.tm_year = 2000 - 1900;
	assert_true(lt_allows(&l, &tm));
	tm.tm_year = 1900 - 1900;
	assert_false(lt_allows(&l, &tm));
	tm.tm_year = 2147483647;	/* no overflow finding the leap year */
	assert_false(lt_allows(&l, &tm));
	tm = good;
	tm.tm_sec = 60;			/* a leap second */
	assert_true(lt_allows(&l, &tm));
}

/* Allowed minutes over a span, minute by minute. */
static long
minutes_allowed(const char *list, const char *from, long minutes)
{
	struct tm tm0 = at(from), tm;
	struct lt_list l;
	const char *why = NULL;
	size_t bad;
	time_t t = timegm(&tm0);
	long n = 0;

	if (parse(list, &l, &why, &bad) != 0)
		fail_msg("\"%s\": %s", list, why);
	for (long i = 0; i < minutes; i++, t += 60) {
		assert_non_null(gmtime_r(&t, &tm));
		n += lt_allows(&l, &tm);
	}
	return n;
}

static void
test_minute_counts(void **state)
{
	const long week = 7 * 1440;

	(void)state;
	assert_int_equal(minutes_allowed("5:2200-0600", "Mon 2024-06-03 00:00",
					 week), 8 * 60 + 1);
	assert_int_equal(minutes_allowed("1-5:0800-1700",
					 "Mon 2024-06-03 00:00", week),
			 5 * (9 * 60 + 1));
	assert_int_equal(minutes_allowed(":0800-0800", "Mon 2024-06-03 00:00",
					 week), week);
	assert_int_equal(minutes_allowed("!:0000-2359", "Mon 2024-06-03 00:00",
					 week), 0);
	assert_int_equal(minutes_allowed("0100", "Sun 2023-01-01 00:00",
					 365 * 1440), 28 * 1440);
	assert_int_equal(minutes_allowed("0100", "Mon 2024-01-01 00:00",
					 366 * 1440), 29 * 1440);
	assert_int_equal(minutes_allowed("!0100", "Mon 2024-01-01 00:00",
					 366 * 1440), (366 - 29) * 1440);
	assert_int_equal(minutes_allowed("1115-0115", "Mon 2024-01-01 00:00",
					 366 * 1440), (31 + 15 + 17) * 1440);
	/* 22:00 Dec 31, 2023 runs into the first morning of the span */
	assert_int_equal(minutes_allowed("1131:2200-0600",
					 "Mon 2024-01-01 00:00", 366 * 1440),
			 6 * 60 + 1 + 2 * 60);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_items),
		cmocka_unit_test(test_bad_items),
		cmocka_unit_test(test_reasons_are_short),
		cmocka_unit_test(test_entry_count),
		cmocka_unit_test(test_weekdays),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_midnight),
		cmocka_unit_test(test_deny),
		cmocka_unit_test(test_empty_list),
		cmocka_unit_test(test_bad_tm),
		cmocka_unit_test(test_minute_counts),
	};

	return cmocka_run_group_tests_name("logintimes", tests, NULL, NULL);
}
