/* test_lineedit.c - the login prompt's line editor: editing, echo, the
 * secure attention key, and what is wiped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <termios.h>

#include <cmocka.h>

#include "lineedit.h"

#define SIZE 16

static unsigned char cc[NCCS];

struct run {
	char buf[SIZE];
	char shown[4096];	/* everything echoed */
	size_t nshown;
	enum tp_line_step step;
	size_t fed;		/* bytes taken before the line finished */
};

/* Feed text until the line finishes (or the text ends). */
static void
feed(struct run *r, bool echo, bool sak, const char *text, size_t len)
{
	char out[TP_LINE_ECHO_MAX(SIZE)];
	struct tp_line l;

	memset(r, 0, sizeof(*r));
	tp_line_init(&l, r->buf, SIZE, echo, sak, cc);
	r->step = TP_LINE_MORE;
	while (r->fed < len && r->step == TP_LINE_MORE) {
		size_t n;

		r->step = tp_line_feed(&l, (unsigned char)text[r->fed++], out,
				       &n);
		assert_true(n <= sizeof(out));
		memcpy(r->shown + r->nshown, out, n);
		r->nshown += n;
	}
}

#define FEED(r, echo, sak, s) feed(r, echo, sak, s, sizeof(s) - 1)

static void
assert_wiped(const struct run *r)
{
	for (size_t i = 0; i < SIZE; i++)
		assert_int_equal(r->buf[i], 0);
}

static void
setup_cc(void)
{
	memset(cc, 0, sizeof(cc));
	cc[VERASE] = 0177;
	cc[VKILL] = 'U' & 037;
	cc[VWERASE] = 'W' & 037;
	cc[VEOF] = 'D' & 037;
}

static void
test_a_line_is_echoed_and_ends_at_return(void **state)
{
	struct run r;

	(void)state;
	setup_cc();
	FEED(&r, true, true, "alice\rbob");
	assert_int_equal(r.step, TP_LINE_DONE);
	assert_int_equal(r.fed, 6);		/* "bob" stays for later */
	assert_string_equal(r.buf, "alice");
	assert_int_equal(r.nshown, 5);
	assert_memory_equal(r.shown, "alice", 5);
}

static void
test_a_password_is_never_echoed(void **state)
{
	struct run r;

	(void)state;
	setup_cc();
	FEED(&r, false, true, "se\177cr\025et\027pw\b\bass\n");
	assert_int_equal(r.step, TP_LINE_DONE);
	assert_string_equal(r.buf, "ass");
	assert_int_equal(r.nshown, 0);
}

static void
test_erase_kill_and_word_erase(void **state)
{
	struct run r;

	(void)state;
	setup_cc();
	FEED(&r, true, false, "abc\177d\r");
	assert_string_equal(r.buf, "abd");
	FEED(&r, true, false, "one two  \027three\r");
	assert_string_equal(r.buf, "one three");
	FEED(&r, true, false, "xyz\025ok\r");
	assert_string_equal(r.buf, "ok");
	assert_memory_equal(r.shown, "xyz\b \b\b \b\b \bok", 14);
}

static void
test_a_utf8_character_is_erased_whole(void **state)
{
	struct run r;

	(void)state;
	setup_cc();
	FEED(&r, true, false, "a\xc3\xa9\177\r");	/* a, e acute, erase */
	assert_string_equal(r.buf, "a");
	assert_int_equal(r.nshown, 3 + 3);	/* a, the two bytes, \b \b */
	assert_memory_equal(r.shown + 3, "\b \b", 3);
}

static void
test_control_characters_and_nul_are_not_taken(void **state)
{
	struct run r;

	(void)state;
	setup_cc();
	cc[VKILL] = 0;			/* disabled: NUL must not kill */
	feed(&r, true, false, "ab\0\033[1m\x01\r", 9);
	assert_int_equal(r.step, TP_LINE_DONE);
	assert_string_equal(r.buf, "ab[1m");
}

static void
test_the_key_ends_the_line_and_wipes_it(void **state)
{
	struct run r;

	(void)state;
	setup_cc();
	FEED(&r, false, true, "secret\030\022more");
	assert_int_equal(r.step, TP_LINE_SAK);
	assert_int_equal(r.fed, 8);
	assert_wiped(&r);
	FEED(&r, false, false, "x\030\022y\r");	/* not recognised */
	assert_int_equal(r.step, TP_LINE_DONE);
	assert_string_equal(r.buf, "xy");
}

static void
test_too_long_and_end_of_input(void **state)
{
	struct run r;

	(void)state;
	setup_cc();
	FEED(&r, false, false, "0123456789abcdefXYZ\r");
	assert_int_equal(r.step, TP_LINE_TOO_LONG);
	assert_int_equal(r.fed, SIZE);		/* the byte with no room */
	assert_wiped(&r);
	FEED(&r, true, false, "\004");
	assert_int_equal(r.step, TP_LINE_EOF);
	FEED(&r, true, false, "a\004\r");	/* not on an empty line */
	assert_int_equal(r.step, TP_LINE_DONE);
	assert_string_equal(r.buf, "a");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_line_is_echoed_and_ends_at_return),
		cmocka_unit_test(test_a_password_is_never_echoed),
		cmocka_unit_test(test_erase_kill_and_word_erase),
		cmocka_unit_test(test_a_utf8_character_is_erased_whole),
		cmocka_unit_test(test_control_characters_and_nul_are_not_taken),
		cmocka_unit_test(test_the_key_ends_the_line_and_wipes_it),
		cmocka_unit_test(test_too_long_and_end_of_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
