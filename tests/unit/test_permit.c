/* test_permit.c - whether an authenticated user may log in: each reason,
 * and which comes first when several apply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "permit.h"

static const char *
why(bool locked, bool in_time, bool policy, bool tty_allowed)
{
	struct login_facts f = { locked, in_time, policy, tty_allowed };

	return login_refusal(&f);
}

static void
test_each_reason_and_its_order(void **state)
{
	(void)state;
	assert_null(why(false, true, true, true));
	assert_string_equal(why(true, true, true, true), "port-locked");
	assert_string_equal(why(false, false, true, true), "logintimes");
	assert_string_equal(why(false, true, false, true), "user-policy");
	assert_string_equal(why(false, true, true, false), "ttys");
	/* several: the port before the time, the time before the user */
	assert_string_equal(why(true, false, false, false), "port-locked");
	assert_string_equal(why(false, false, false, false), "logintimes");
	/* a policy that was not read allows no terminal either */
	assert_string_equal(why(false, true, false, false), "user-policy");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_reason_and_its_order),
	};

	return cmocka_run_group_tests_name("login permitted", tests, NULL,
					   NULL);
}
