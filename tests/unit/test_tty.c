/* test_tty.c - which terminals take the standard (ECMA-48) resets: decided
 * by the entry's cursor addressing alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tty.h"

static void
test_ecma48_cursor_addressing(void **state)
{
	(void)state;
	/* vt100 (with padding), xterm, linux, screen */
	assert_true(tp_tty_ecma48("\033[%i%p1%d;%p2%dH$<5>"));
	assert_true(tp_tty_ecma48("\033[%i%p1%d;%p2%dH"));
	/* 8-bit CSI (vt220-8bit), HVP, %i elsewhere, arithmetic */
	assert_true(tp_tty_ecma48("\233%i%p1%d;%p2%dH"));
	assert_true(tp_tty_ecma48("\033[%i%p1%d;%p2%df"));
	assert_true(tp_tty_ecma48("%i\033[%p1%d;%p2%dH"));
	assert_true(tp_tty_ecma48("\033[%p1%{1}%+%d;%p2%{1}%+%dH"));
}

static void
test_not_ecma48(void **state)
{
	(void)state;
	assert_false(tp_tty_ecma48(NULL));		/* dumb: none */
	assert_false(tp_tty_ecma48((char *)-1));	/* not a string */
	/* vt52, adm3a, wyse50 */
	assert_false(tp_tty_ecma48("\033Y%p1%' '%+%c%p2%' '%+%c"));
	assert_false(tp_tty_ecma48("\033=%p1%' '%+%c%p2%' '%+%c"));
	assert_false(tp_tty_ecma48("\033=%p1%' '%+%c%p2%' '%+%c$<1>"));
	/* zero-based, row and column swapped, more after it */
	assert_false(tp_tty_ecma48("\033[%p1%d;%p2%dH"));
	assert_false(tp_tty_ecma48("\033[%i%p2%d;%p1%dH"));
	assert_false(tp_tty_ecma48("\033[%i%p1%d;%p2%dH\033[?25l"));
	assert_false(tp_tty_ecma48("\033[%i%p1%d;%p2%dHx"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecma48_cursor_addressing),
		cmocka_unit_test(test_not_ecma48),
	};

	return cmocka_run_group_tests_name("the standard resets: which terminals",
					   tests, NULL, NULL);
}
