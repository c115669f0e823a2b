/*
 * adversary - programs that try to keep the terminal through the secure
 * attention key; for the end-to-end tests (not installed).  Each prints
 * "READY <pid>" on its terminal once it is in place, then holds on.
 *
 *   adversary ignore     ignores or blocks every catchable signal
 *   adversary stopped    stops itself (SIGSTOP)
 *   adversary setsid     a child in a new session re-opens the pty
 *   adversary forkbomb N forks without end, up to N processes of its user
 *                        (RLIMIT_NPROC: the test's bound)
 *   adversary hold N     N processes that hold the terminal, then pause
 *   adversary reopen     re-opens its terminal as fast as it can
 *   adversary send SOCK  passes its terminal over the Unix socket SOCK
 *   adversary fakelogin  fakes a login prompt, then leaves the terminal
 *                        with invisible text, the line-drawing character
 *                        set and a scroll region
 *   adversary hidemodes ALT MOUSE
 *                        once a line is read (the test saw READY), leaves
 *                        every mode that hides or spoils the next prompt:
 *                        the alternate screen ALT (1049, 1047 or 47), the
 *                        mouse mode MOUSE (1000, 1002, 1003), cursor
 *                        hidden, bracketed paste, focus reports, origin
 *                        and insert mode, no autowrap, application keys,
 *                        a scroll region, invisible line-drawing text
 *   adversary ctty       has the terminal as controlling terminal of a
 *                        session of its own, and no descriptor for it
 *   adversary thread     holds the terminal only in a thread with a
 *                        descriptor table of its own (unshare): the
 *                        process's own table has none
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void
ready(int fd)
{
	dprintf(fd, "READY %ld\n", (long)getpid());
}

static void __attribute__((noreturn))
hold(void)
{
	for (;;)
		pause();
}

static void
ignore_all(void)
{
	sigset_t all;

	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_IGN);	/* KILL and STOP refuse: fine */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
}

static void
send_fd(const char *path, int fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char cbuf[CMSG_SPACE(sizeof(int))], byte = 'x';
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (s == -1 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		err(1, "%s", path);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(s, &m, 0) != 1)
		err(1, "sendmsg");
	close(s);
}

static pthread_barrier_t unshared, closed;

/* Keep the terminal in a descriptor table of this thread's own; ready
 * once the process's own table has none. */
static void *
keeper(void *arg)
{
	(void)arg;
	if (unshare(CLONE_FILES) == -1)
		err(1, "unshare");
	pthread_barrier_wait(&unshared);
	pthread_barrier_wait(&closed);
	ready(1);
	hold();
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	char tty[64];
	pid_t pid;
	int fd;

	if (ttyname_r(0, tty, sizeof(tty)) != 0)
		errx(2, "stdin is not a terminal");
	if (strcmp(mode, "ignore") == 0) {
		ignore_all();
		ready(1);
		hold();
	}
	if (strcmp(mode, "stopped") == 0) {
		ready(1);
		raise(SIGSTOP);
		hold();
	}
	if (strcmp(mode, "setsid") == 0) {
		if ((pid = fork()) == 0) {
			setsid();
			if ((fd = open(tty, O_RDWR)) == -1)
				err(1, "%s", tty);
			for (int i = 0; i < 3; i++)
				close(i);
			ignore_all();
			ready(fd);
			hold();
		}
		sleep(1);		/* the child is in place */
		return 0;
	}
	if (strcmp(mode, "forkbomb") == 0 && argc == 3) {
		struct rlimit rl;

		rl.rlim_cur = rl.rlim_max = strtoul(argv[2], NULL, 10);
		if (setrlimit(RLIMIT_NPROC, &rl) == -1)
			err(1, "setrlimit");
		ready(1);
		for (;;)
			if (fork() == -1)
				usleep(1000);
	}
	if (strcmp(mode, "hold") == 0 && argc == 3) {
		long n = strtol(argv[2], NULL, 10);

		for (long i = 1; i < n; i++)
			if ((pid = fork()) == 0)
				hold();
			else if (pid == -1)
				err(1, "fork");
		ready(1);
		hold();
	}
	if (strcmp(mode, "reopen") == 0) {
		ready(1);
		for (;;)
			if ((fd = open(tty, O_RDWR | O_NOCTTY)) != -1)
				close(fd);
	}
	if (strcmp(mode, "send") == 0 && argc == 3) {
		send_fd(argv[2], 0);
		ready(1);
		return 0;		/* the descriptor is in flight */
	}
	if (strcmp(mode, "fakelogin") == 0) {
		/* a prompt of its own, then the terminal left so that the
		   next one is hidden: invisible text, line-drawing characters
		   (SO), only rows 5-10 scroll, no cursor */
		ready(1);
		printf("\033[H\033[Jlogin: \033[8m\033)0\016\033[5;10r\033[?25l");
		fflush(stdout);
		hold();
	}
	if (strcmp(mode, "hidemodes") == 0 && argc == 4) {
		char line[16];

		ready(1);
		if (read(0, line, sizeof(line)) <= 0)
			err(1, "read");
		/* hidden, reversed, blinking black on black in the line-drawing
		   set, saved with the cursor (DECSC): what leaving an
		   alternate screen by 1049 restores */
		printf("\033[8;7;5;30;40m\033(0\033)0\016\0337"
		       "\033[?%sh"			/* the alternate screen */
		       "\033[?25l"			/* cursor hidden */
		       "\033[?%sh\033[?1004;1005;1006;1015h" /* mouse, focus */
		       "\033[?2004h"			/* bracketed paste */
		       "\033[?1h\033="			/* application keys */
		       "\033[?6h\033[4h\033[?7l"	/* origin, insert, no wrap */
		       "\033[5;10r"			/* a scroll region */
		       "\033[8;7;5;30;40m\033(0\016login: ",
		       argv[2], argv[3]);
		fflush(stdout);
		hold();
	}
	if (strcmp(mode, "ctty") == 0) {
		if (setsid() == -1 && getsid(0) != getpid())
			err(1, "setsid");
		/* a session leader without one: this open makes it ours */
		if ((fd = open(tty, O_RDWR)) == -1)
			err(1, "%s", tty);
		ready(fd);
		for (int i = 0; i <= fd; i++)
			close(i);
		hold();
	}
	if (strcmp(mode, "thread") == 0) {
		pthread_t t;

		pthread_barrier_init(&unshared, NULL, 2);
		pthread_barrier_init(&closed, NULL, 2);
		if (pthread_create(&t, NULL, keeper, NULL) != 0)
			errx(1, "pthread_create");
		pthread_barrier_wait(&unshared);
		for (int i = 0; i < 3; i++)	/* the thread's copy stays */
			close(i);
		pthread_barrier_wait(&closed);
		hold();
	}
	errx(2, "usage: adversary ignore|stopped|setsid|forkbomb N|hold N|"
	     "reopen|send SOCK|fakelogin|hidemodes ALT MOUSE|ctty|thread");
}
