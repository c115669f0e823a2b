/*
 * test_proc.c - PIDs as /proc names them, and the PID namespaces of a
 * process, on the real /proc (a child in a new PID namespace is in two).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "proc.h"

static void
test_a_pid_is_digits_from_1_to_int_max(void **state)
{
	static const char *const bad[] = {
		"", "0", "-1", "+1", " 1", "1 ", "1\n", "12x", "self",
		"thread-self", "2147483648", "99999999999999999999", NULL,
	};
	pid_t pid = 7;

	(void)state;
	assert_int_equal(tp_proc_pid("1", &pid), 0);
	assert_int_equal(pid, 1);
	assert_int_equal(tp_proc_pid("2147483647", &pid), 0);
	assert_int_equal(pid, 2147483647);
	for (size_t i = 0; bad[i]; i++) {
		pid = 7;
		errno = 0;
		assert_int_equal(tp_proc_pid(bad[i], &pid), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(pid, 7);	/* untouched */
	}
}

/* In a new PID namespace, one level more (the child of one made here). */
static int
levels_in_a_new_namespace(unsigned mine)
{
	unsigned child;
	int status;
	pid_t pid;

	if (unshare(CLONE_NEWPID) == -1)
		return 77;	/* not root, or no PID namespaces */
	if ((pid = fork()) == 0)	/* PID 1 of the new namespace */
		_exit(tp_proc_ns_levels(0, &child) == 0 && child == mine + 1 ?
		      0 : 1);
	if (pid == -1 || waitpid(pid, &status, 0) != pid)
		return 2;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

static void
test_namespace_levels(void **state)
{
	unsigned mine, again;
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(tp_proc_ns_levels(0, &mine), 0);
	assert_true(mine >= 1);
	assert_int_equal(tp_proc_ns_levels(getpid(), &again), 0);
	assert_int_equal(again, mine);
	assert_int_equal(tp_proc_ns_levels(-5, &again), -1);
	/* unshared in a child: the test's own process makes no namespace,
	   which its sanitizer's exit (a clone) could not live in */
	if ((pid = fork()) == 0)
		_exit(levels_in_a_new_namespace(mine));
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_ms_since(void **state)
{
	struct timespec t0;

	(void)state;
	tp_clock_start(&t0);
	assert_true(tp_ms_since(&t0) < 1000);
	nanosleep(&(struct timespec){ 0, 30 * 1000000 }, NULL);
	assert_true(tp_ms_since(&t0) >= 30);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_pid_is_digits_from_1_to_int_max),
		cmocka_unit_test(test_ms_since),
		cmocka_unit_test(test_namespace_levels),
	};

	return cmocka_run_group_tests_name("/proc", tests, NULL, NULL);
}
