/* test_sakkey.c - the secure attention key in what is typed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sakkey.h"

static void
test_the_key_across_chunks(void **state)
{
	struct tp_sak s = { false };

	(void)state;
	assert_int_equal(tp_sak_find(&s, "ab\x18\x12" "cd", 6), 3);
	assert_int_equal(tp_sak_find(&s, "\x12", 1), -1);	/* no ^X */
	assert_int_equal(tp_sak_find(&s, "x\x18", 2), -1);
	assert_int_equal(tp_sak_find(&s, "\x12", 1), 0);	/* completes */
	assert_int_equal(tp_sak_find(&s, "\x18" "a\x12", 3), -1);
	assert_int_equal(tp_sak_find(&s, "\x18\x18\x12", 3), 2);
	assert_int_equal(tp_sak_find(&s, "", 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_key_across_chunks),
	};

	return cmocka_run_group_tests_name("the key", tests, NULL, NULL);
}
