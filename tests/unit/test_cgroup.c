/*
 * test_cgroup.c - waiting on a real cgroup's events: frozen, and empty;
 * leaving a cgroup for our own again, as tgetty leaves the login's scope.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup.h"

static void
test_wait_for_frozen_and_for_empty(void **state)
{
	char path[PATH_MAX], pid_text[16];
	int status;
	pid_t pid;

	(void)state;
	if (cgroup_create(getpid(), path, sizeof(path)) == -1)
		skip();		/* no writable cgroup v2 hierarchy here */
	if ((pid = fork()) == 0) {
		pause();
		_exit(0);
	}
	assert_true(pid > 0);
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	assert_int_equal(cgroup_write(path, "cgroup.procs", pid_text), 0);
	/* not frozen: the wait runs to its limit */
	errno = 0;
	assert_int_equal(cgroup_wait(path, "frozen 1", 50, 1000), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(cgroup_wait(path, "populated 1", 50, 1000), 0);
	assert_int_equal(cgroup_write(path, "cgroup.freeze", "1"), 0);
	assert_int_equal(cgroup_wait(path, "frozen 1", 1000, 50), 0);
	/* a line is matched whole: "frozen" alone is no line of it */
	assert_int_equal(cgroup_wait(path, "frozen", 20, 1000), -1);
	assert_int_equal(cgroup_end(path), 0);	/* waits for populated 0 */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	errno = 0;
	assert_int_equal(cgroup_wait(path, "populated 0", 20, 1000), -1);
	assert_int_equal(errno, ENOENT);	/* removed */
}

/* Moved elsewhere (as pam_systemd moves tgetty), back with cgroup_self's
 * path and cgroup_enter. */
static void
test_back_to_our_own_cgroup(void **state)
{
	char own[PATH_MAX], other[PATH_MAX], now[PATH_MAX];

	(void)state;
	if (cgroup_self(own, sizeof(own)) == -1 ||
	    cgroup_create(getpid(), other, sizeof(other)) == -1)
		skip();		/* no writable cgroup v2 hierarchy here */
	assert_int_equal(cgroup_enter(other), 0);
	assert_int_equal(cgroup_self(now, sizeof(now)), 0);
	assert_string_equal(now, other);
	assert_int_equal(cgroup_enter(own), 0);
	assert_int_equal(cgroup_self(now, sizeof(now)), 0);
	assert_string_equal(now, own);
	assert_int_equal(rmdir(other), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wait_for_frozen_and_for_empty),
		cmocka_unit_test(test_back_to_our_own_cgroup),
	};

	return cmocka_run_group_tests_name("cgroup", tests, NULL, NULL);
}
