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
 *   adversary traced [exit]
 *                        a child in a new session re-opens the terminal
 *                        and is held in a ptrace stop by another child,
 *                        in a session of its own, that holds nothing and
 *                        never lets it go; with "exit"
 *                        (PTRACE_O_TRACEEXIT) the tracer also stops it
 *                        in its exit, its descriptors still open.  Prints
 *                        "READY <holder> <tracer>"
 *   adversary vfork N    a chain of vfork children, each ignoring signals
 *                        and waiting for the next (uninterruptible, D),
 *                        one more every 5 ms up to N, all holding the
 *                        terminal
 *   adversary clonebomb N
 *                        as forkbomb, with clone() and no exit signal
 *                        (no SIGCHLD): children no wait() reaps
 *   adversary read FILE [LOG]
 *                        holds the terminal, then reads FILE (on a file
 *                        system that stalls: D); if the read ever
 *                        returns, writes what it read to the terminal and
 *                        "woke" to LOG
 *   adversary queue RESULT
 *                        queues the terminal in an SCM_RIGHTS message on
 *                        a socket pair and closes its own copies; a child
 *                        in a new session keeps the other end unread
 *                        until the login shell has died (after the key),
 *                        then receives it and writes to it; the outcome
 *                        ("wrote" or "refused ERRNO") goes to RESULT
 *   adversary uring RESULT [early]
 *                        a child in a new session registers the terminal
 *                        as a fixed file of an io_uring (with "early",
 *                        queues a read on it), keeps no descriptor for
 *                        it; once a write
 *                        through the ring fails (after the key), writes
 *                        and reads through it once more and puts the
 *                        results (as the kernel gives them: bytes, or
 *                        -errno) in RESULT: "pending R", "write W",
 *                        "read R" and what each read got
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <liburing.h>

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

/* Pass fd over the connected Unix socket s. */
static void
pass_fd(int s, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte = 'x';
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(s, &m, 0) != 1)
		err(1, "sendmsg");
}

static int
receive_fd(int s)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(s, &m, 0) != 1 || (c = CMSG_FIRSTHDR(&m)) == NULL ||
	    c->cmsg_type != SCM_RIGHTS)
		errx(1, "recvmsg: no descriptor");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static void
send_fd(const char *path, int fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (s == -1 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) == -1)
		err(1, "%s", path);
	pass_fd(s, fd);
	close(s);
}

/* Nothing of the terminal left here: 0, 1 and 2 on /dev/null. */
static void
let_go(void)
{
	int null = open("/dev/null", O_RDWR);

	if (null == -1)
		err(1, "/dev/null");
	for (int i = 0; i < 3; i++)
		dup2(null, i);
	if (null > 2)
		close(null);
}

static void
pause_ms(long ms)
{
	nanosleep(&(struct timespec){ ms / 1000, ms % 1000 * 1000000 }, NULL);
}

/*
 * A child in a new session on the terminal, held in a ptrace stop by
 * another child, in a session of its own, that holds nothing.
 */
static void __attribute__((noreturn))
traced(const char *tty, bool at_exit)
{
	int opened[2], stopped[2], st;
	pid_t holder, tracer;
	char c = 0;

	if (pipe(opened) == -1 || pipe(stopped) == -1 ||
	    (holder = fork()) == -1)
		err(1, "fork");
	if (holder == 0) {
		setsid();
		if (open(tty, O_RDWR | O_NOCTTY) == -1)
			err(1, "%s", tty);
		ignore_all();
		(void)!write(opened[1], &c, 1);
		hold();
	}
	if (read(opened[0], &c, 1) != 1)
		errx(1, "the holder did not start");
	if ((tracer = fork()) == -1)
		err(1, "fork");
	if (tracer == 0) {
		let_go();
		setsid();
		ignore_all();
		if (ptrace(PTRACE_SEIZE, holder, 0, at_exit ?
			   PTRACE_O_TRACEEXIT : 0) == -1 ||
		    ptrace(PTRACE_INTERRUPT, holder, 0, 0) == -1 ||
		    waitpid(holder, &st, __WALL) == -1)
			_exit(1);
		(void)!write(stopped[1], &c, 1);
		/* every stop it reports is kept: never resumed, never let go */
		while (waitpid(holder, &st, __WALL) != -1 || errno == EINTR)
			if (WIFEXITED(st) || WIFSIGNALED(st))
				break;
		_exit(0);
	}
	if (read(stopped[0], &c, 1) != 1)
		errx(1, "the tracer did not stop the holder");
	dprintf(1, "READY %ld %ld\n", (long)holder, (long)tracer);
	exit(0);
}

/* A link of the vfork chain: the next one, then hold. */
static long vfork_max;

static int
vfork_link(void *arg)
{
	long depth = (long)arg;
	size_t len = 64 * 1024;
	char *stack;

	pause_ms(5);
	/* the parent waits (D) until this child exits or execs: never */
	if (depth < vfork_max &&
	    (stack = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
			  MAP_ANONYMOUS | MAP_STACK, -1, 0)) != MAP_FAILED)
		clone(vfork_link, stack + len, CLONE_VM | CLONE_VFORK | SIGCHLD,
		      (void *)(depth + 1));
	hold();
}

static void __attribute__((noreturn))
read_stalled(const char *path, const char *log)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY);
	int out = log ? open(log, O_WRONLY | O_APPEND) : -1;

	if (fd == -1 || (log && out == -1))
		err(1, "%s", fd == -1 ? path : log);
	ignore_all();
	ready(1);
	n = read(fd, buf, sizeof(buf));
	dprintf(out, "woke\n");
	if (n > 0)
		dprintf(1, "PWNED-AFTER-SAK %.*s\r\n", (int)n, buf);
	hold();
}

/* The terminal only in a queued message, read after the login shell died. */
static int
queued(const char *result)
{
	int sv[2], out, pidfd, fd;
	pid_t child;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		err(1, "socketpair");
	if ((out = open(result, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		err(1, "%s", result);
	if ((pidfd = (int)syscall(SYS_pidfd_open, getppid(), 0)) == -1)
		err(1, "pidfd_open");
	pass_fd(sv[0], 0);
	close(sv[0]);
	if ((child = fork()) == -1)
		err(1, "fork");
	if (child == 0) {
		struct pollfd p = { pidfd, POLLIN, 0 };

		setsid();
		let_go();
		while (poll(&p, 1, -1) != 1)
			;
		fd = receive_fd(sv[1]);
		if (write(fd, "PWNED-QUEUED\r\n", 14) == -1)
			dprintf(out, "refused %d\n", errno);
		else
			dprintf(out, "wrote\n");
		exit(0);
	}
	close(sv[1]);
	ready(1);
	return 0;		/* its own copies close with it */
}

/* The read queued before the key: its result, once it completed. */
static int early_res;
static bool early_done;

/* One request on the ring, waited for at most ms; its result, or 1 when
   it is still pending (then *pending is set). */
static int
ring_op(struct io_uring *ring, bool write_it, void *buf, unsigned len,
	long ms, bool *pending)
{
	struct __kernel_timespec ts = { ms / 1000, ms % 1000 * 1000000 };
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int res;

	if (write_it)
		io_uring_prep_write(sqe, 0, buf, len, (uint64_t)-1);
	else
		io_uring_prep_read(sqe, 0, buf, len, (uint64_t)-1);
	sqe->flags |= IOSQE_FIXED_FILE;
	sqe->user_data = 2;
	io_uring_submit(ring);
	while (io_uring_wait_cqe_timeout(ring, &cqe, &ts) == 0) {
		uint64_t what = cqe->user_data;

		res = cqe->res;
		io_uring_cqe_seen(ring, cqe);
		if (what == 2)
			return res;
		early_res = res;
		early_done = true;
	}
	*pending = true;
	return 1;
}

/* The terminal as the fixed file 0 of an io_uring, and nowhere else. */
static int
uring(const char *result, bool early)
{
	static char early_buf[64];
	char buf[64];
	struct io_uring ring;
	int sync[2], out, zero = 0, res;
	bool pending = false;
	pid_t child;
	char c = 0;

	if ((out = open(result, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		err(1, "%s", result);
	if (pipe(sync) == -1 || (child = fork()) == -1)
		err(1, "fork");
	if (child != 0) {
		if (read(sync[0], &c, 1) != 1)
			errx(1, "the child did not start");
		return 0;
	}
	setsid();
	if ((res = io_uring_queue_init(8, &ring, 0)) < 0 ||
	    (res = io_uring_register_files(&ring, &zero, 1)) < 0) {
		errno = -res;
		err(1, "io_uring");
	}
	if (early) {		/* a read waiting for input, from before */
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		io_uring_prep_read(sqe, 0, early_buf, sizeof(early_buf),
				   (uint64_t)-1);
		sqe->flags |= IOSQE_FIXED_FILE;
		sqe->user_data = 1;
		io_uring_submit(&ring);
	}
	ready(1);
	let_go();
	(void)!write(sync[1], &c, 1);
	/* until the ring can no longer write to it: the key (a write cut
	   short while the key freezes the session, -EINTR, is no answer) */
	while (((res = ring_op(&ring, true, buf, 0, 1000, &pending)) >= 0 ||
		res == -EINTR) && !pending)
		pause_ms(5);
	dprintf(out, "revoked %d\n", res);
	res = ring_op(&ring, true, "PWNED-URING\r\n", 13, 1000, &pending);
	dprintf(out, "write %d\n", res);
	res = ring_op(&ring, false, buf, sizeof(buf), 500, &pending);
	dprintf(out, "read %d %.*s\n", res, res > 0 ? res : 0, buf);
	if (early && early_done)
		dprintf(out, "pending %d %.*s\n", early_res,
			early_res > 0 ? early_res : 0, early_buf);
	else if (early)
		dprintf(out, "pending none\n");
	dprintf(out, "done\n");
	exit(0);
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
	if (strcmp(mode, "traced") == 0)
		traced(tty, argc == 3 && strcmp(argv[2], "exit") == 0);
	if (strcmp(mode, "vfork") == 0 && argc == 3) {
		vfork_max = strtol(argv[2], NULL, 10);
		ignore_all();
		ready(1);
		vfork_link((void *)0L);
	}
	if (strcmp(mode, "clonebomb") == 0 && argc == 3) {
		struct rlimit rl;

		rl.rlim_cur = rl.rlim_max = strtoul(argv[2], NULL, 10);
		if (setrlimit(RLIMIT_NPROC, &rl) == -1)
			err(1, "setrlimit");
		ready(1);
		/* a fork that sends its parent no signal when it dies */
		for (;;)
			if (syscall(SYS_clone, 0UL, NULL, NULL, NULL, 0UL) == -1)
				usleep(1000);
	}
	if (strcmp(mode, "read") == 0 && (argc == 3 || argc == 4))
		read_stalled(argv[2], argc == 4 ? argv[3] : NULL);
	if (strcmp(mode, "queue") == 0 && argc == 3)
		return queued(argv[2]);
	if (strcmp(mode, "uring") == 0 && argc >= 3)
		return uring(argv[2], argc == 4 && strcmp(argv[3], "early") == 0);
	errx(2, "usage: adversary ignore|stopped|setsid|forkbomb N|hold N|"
	     "reopen|send SOCK|fakelogin|hidemodes ALT MOUSE|ctty|thread|"
	     "traced [exit]|vfork N|clonebomb N|read FILE [LOG]|"
	     "queue RESULT|uring RESULT [early]");
}
