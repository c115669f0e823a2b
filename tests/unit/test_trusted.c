/* test_trusted.c - /proc/PID/stat and status, and the trusted-path
 * record: what is believed, what is refused, and what a starting tgetty
 * removes. */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"
#include "tmpdir.h"
#include "trusted.h"

static char dir[64], run[128];

#define RDEV 34819

static void
test_proc_stat_of_self_and_a_child(void **state)
{
	struct tp_proc self, child, again;
	char boot[TP_BOOT_ID_LEN + 1];
	pid_t pid;

	(void)state;
	assert_int_equal(tp_proc_read(0, &self), 0);
	assert_int_equal(self.sid, getsid(0));
	assert_int_equal(self.pgrp, getpgrp());
	assert_int_equal(self.ppid, getppid());
	assert_true(self.start > 0);
	/* a name with spaces and parentheses does not shift the fields */
	assert_int_equal(prctl(PR_SET_NAME, "a) b ) (c"), 0);
	assert_int_equal(tp_proc_read(0, &again), 0);
	assert_int_equal(again.sid, self.sid);
	assert_true(again.start == self.start);
	assert_true(tp_proc_is(getpid(), self.start));
	assert_false(tp_proc_is(getpid(), self.start + 1));
	if ((pid = fork()) == 0) {
		pause();
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(tp_proc_read(pid, &child), 0);
	assert_int_equal(child.ppid, getpid());
	assert_true(child.start >= self.start);
	kill(pid, SIGKILL);
	/* a zombie is no longer the process it was */
	while (tp_proc_read(pid, &again) == 0 && again.state != 'Z')
		usleep(1000);
	assert_false(tp_proc_is(pid, child.start));
	waitpid(pid, NULL, 0);
	assert_int_equal(tp_proc_read(pid, &again), -1);
	assert_int_equal(tp_boot_id(boot), 0);
	assert_int_equal(strlen(boot), 36);
}

static void *
idle(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static void
test_proc_status_names_the_process_and_the_tracer(void **state)
{
	struct tp_proc_status self, child, thread;
	pid_t pid;
	int sync[2];
	char c;

	(void)state;
	/* a name that tries to fake a line does not: the kernel escapes it */
	assert_int_equal(prctl(PR_SET_NAME, "x\nTracerPid:\t1"), 0);
	assert_int_equal(tp_proc_status(getpid(), &self), 0);
	assert_int_equal(self.tgid, getpid());
	assert_int_equal(self.tracer, 0);
	assert_int_equal(tp_proc_status(0, &self), -1);
	assert_int_equal(pipe(sync), 0);
	if ((pid = fork()) == 0) {
		pthread_t t;

		pthread_create(&t, NULL, idle, NULL);
		(void)!write(sync[1], "x", 1);
		pause();
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(read(sync[0], &c, 1), 1);
	assert_int_equal(ptrace(PTRACE_SEIZE, pid, 0, 0), 0);
	assert_int_equal(tp_proc_status(pid, &child), 0);
	assert_int_equal(child.tgid, pid);
	assert_int_equal(child.tracer, getpid());
	/* a thread: its own tracer (none), its process's ID */
	{
		char path[64];
		DIR *d;
		struct dirent *e;
		pid_t tid = 0;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		assert_non_null(d = opendir(path));
		while ((e = readdir(d)) != NULL) {
			long n = strtol(e->d_name, NULL, 10);

			if (n > 0 && n != pid)
				tid = (pid_t)n;
		}
		closedir(d);
		assert_true(tid > 0);
		assert_int_equal(tp_proc_status(tid, &thread), 0);
		assert_int_equal(thread.tgid, pid);
		assert_int_equal(thread.tracer, 0);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, __WALL);
	assert_int_equal(tp_proc_status(pid, &child), -1);
	close(sync[0]);
	close(sync[1]);
}

/* Replace the value of attr in the record with value. */
static void
edit(const char *attr, const char *value)
{
	char path[160], text[4096], *at, *end, out[4200];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", run, TP_TRUSTED_FILE);
	assert_non_null(f = fopen(path, "r"));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	snprintf(out, sizeof(out), "\t%s = ", attr);
	assert_non_null(at = strstr(text, out));
	at += strlen(out);
	end = strchr(at, '\n');
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - text), text, value,
		 end);
	assert_non_null(f = fopen(path, "w"));
	fputs(out, f);
	fclose(f);
}

static bool
believed(pid_t sid, dev_t rdev, uid_t uid)
{
	struct tp_err err;
	bool on;

	assert_int_equal(tp_trusted_check(run, sid, rdev, uid, &on, &err), 0);
	return on;
}

static void
record(pid_t sid)
{
	struct tp_trusted t = { "/dev/tty8", "alice", 1000, sid, "/dev/pts/3",
				RDEV };
	struct tp_err err;

	assert_int_equal(tp_trusted_set(run, &t, &err), 0);
}

static void
test_a_record_is_believed_for_its_session_pty_and_user(void **state)
{
	struct tp_err err;
	char path[160];
	bool on;

	(void)state;
	/* no directory, no record: not on the trusted path, no error */
	assert_int_equal(tp_trusted_clear(run, "/dev/tty8", &err), 0);
	assert_int_equal(tp_trusted_prune(run, &err), 0);
	record(getpid());
	assert_true(believed(getpid(), RDEV, 1000));
	/* another session, terminal or real user: no */
	assert_false(believed(getpid() + 1, RDEV, 1000));
	assert_false(believed(getpid(), RDEV + 1, 1000));
	assert_false(believed(getpid(), RDEV, 1001));
	assert_false(believed(getpid(), RDEV, 0));
	/* a record others may write is not believed */
	snprintf(path, sizeof(path), "%s/%s", run, TP_TRUSTED_FILE);
	chmod(path, 0664);
	assert_int_equal(tp_trusted_check(run, getpid(), RDEV, 1000, &on,
					  &err), -1);
	assert_false(on);
	chmod(path, 0644);
	assert_int_equal(tp_trusted_clear(run, "/dev/tty8", &err), 0);
	assert_false(believed(getpid(), RDEV, 1000));
}

static void
test_a_record_outlives_nothing(void **state)
{
	pid_t shell;

	(void)state;
	/* the shell dies: the record is worth nothing, whoever has its
	   session ID next */
	if ((shell = fork()) == 0) {
		pause();
		_exit(0);
	}
	record(shell);
	assert_true(believed(shell, RDEV, 1000));
	kill(shell, SIGKILL);
	waitpid(shell, NULL, 0);
	assert_false(believed(shell, RDEV, 1000));

	/* a process with the shell's PID that started at another time (a
	   reused PID), or the tgetty's: no */
	record(getpid());
	edit("start", "1");
	assert_false(believed(getpid(), RDEV, 1000));
	record(getpid());
	edit("tgetty_start", "1");
	assert_false(believed(getpid(), RDEV, 1000));
	/* another boot: no */
	record(getpid());
	edit("boot", "00000000-0000-0000-0000-000000000000");
	assert_false(believed(getpid(), RDEV, 1000));
}

static bool
recorded(void)
{
	char path[160], text[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", run, TP_TRUSTED_FILE);
	assert_non_null(f = fopen(path, "r"));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return strstr(text, "/dev/tty8:") != NULL;
}

static void
test_a_starting_tgetty_removes_the_records_of_gone_ones(void **state)
{
	struct tp_err err;

	(void)state;
	record(getpid());			/* a living tgetty's: kept */
	assert_int_equal(tp_trusted_prune(run, &err), 0);
	assert_true(recorded());
	assert_true(believed(getpid(), RDEV, 1000));
	edit("tgetty_start", "1");		/* a gone one's */
	assert_int_equal(tp_trusted_prune(run, &err), 0);
	assert_false(recorded());
	record(getpid());			/* another boot's */
	edit("boot", "00000000-0000-0000-0000-000000000000");
	assert_int_equal(tp_trusted_prune(run, &err), 0);
	assert_false(recorded());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proc_stat_of_self_and_a_child),
		cmocka_unit_test(test_proc_status_names_the_process_and_the_tracer),
		cmocka_unit_test(test_a_record_is_believed_for_its_session_pty_and_user),
		cmocka_unit_test(test_a_record_outlives_nothing),
		cmocka_unit_test(test_a_starting_tgetty_removes_the_records_of_gone_ones),
	};

	if (tmpdir_make(dir, sizeof(dir), "tpath-trusted") == -1)
		return 1;
	snprintf(run, sizeof(run), "%s/run", dir);
	return cmocka_run_group_tests_name("the trusted-path record", tests,
					   NULL, NULL) | tmpdir_remove(dir);
}
