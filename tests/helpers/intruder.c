/*
 * intruder - a process of the same user outside the trusted shell's
 * tree, trying every way into another process; for the end-to-end tests
 * (not installed).
 *
 *   intruder SOCK
 *
 * Listens on the Unix socket SOCK (made writable for the test, which is
 * root) and prints "READY <pid>" on standard output.  Each connection
 * sends one request line and gets one answer line:
 *
 *   probe PID PTY   try each route into process PID and to the pty PTY;
 *                   the answer is "route=refused" or "route=open" for each
 *   stop PID, cont PID, kill PID
 *                   send that signal; the answer is "sent" or the error
 *
 * A route that opens is used as an attacker would: a descriptor taken
 * from the process gets a fake prompt written to it.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAKE "\r\nINTRUDER Password: "

static FILE *answer;

/* One route's result: refused only for a permission error. */
static void
result(const char *route, int rc, int e)
{
	fprintf(answer, "%s=%s ", route, rc == 0 ? "open" :
		(e == EPERM || e == EACCES) ? "refused" : "open");
}

/* The first mapping's start, if the maps can be read; else an address
 * that is never mapped (below mmap_min_addr). */
static uintptr_t
some_address(pid_t pid)
{
	char path[64];
	unsigned long long a = 0x1000;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if ((f = fopen(path, "re")) != NULL) {
		if (fscanf(f, "%llx", &a) != 1)
			a = 0x1000;
		fclose(f);
	}
	return (uintptr_t)a;
}

/* ptrace, from a child: when the child exits the kernel detaches it. */
static void
try_ptrace(pid_t pid)
{
	pid_t c = fork();
	int st = 0;

	if (c == 0)
		_exit(ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0 ? 0 :
		      errno == EPERM ? 1 : 2);
	if (c == -1 || waitpid(c, &st, 0) == -1)
		err(1, "fork");
	result("ptrace", WEXITSTATUS(st) == 1 ? -1 : 0, EPERM);
}

/* A memory route: permission granted shows as success or EFAULT. */
static void
try_vm(pid_t pid)
{
	char byte = 0;
	struct iovec local = { &byte, 1 };
	struct iovec remote = { (void *)some_address(pid), 1 };
	struct iovec unmapped = { (void *)0x1000, 1 };
	ssize_t n;

	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	result("vm_read", n == 1 || errno != EPERM ? 0 : -1, errno);
	n = process_vm_writev(pid, &local, 1, &unmapped, 1, 0);
	result("vm_write", n == 1 || errno != EPERM ? 0 : -1, errno);
}

static void
try_open(const char *route, const char *path, int flags)
{
	int fd = open(path, flags | O_NOCTTY | O_CLOEXEC);
	int e = errno;

	if (fd != -1) {
		if (flags & (O_WRONLY | O_RDWR))
			(void)!write(fd, FAKE, strlen(FAKE));
		close(fd);
	}
	result(route, fd == -1 ? -1 : 0, e);
}

static void
probe(pid_t pid, const char *pty)
{
	char path[64], link[256];
	struct rlimit rl;
	int pidfd, fd;

	try_ptrace(pid);
	try_vm(pid);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	try_open("mem", path, O_RDWR);
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	try_open("environ", path, O_RDONLY);
	if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) == -1)
		err(1, "pidfd_open %d", (int)pid);
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, 0, 0);
	result("getfd", fd == -1 ? -1 : 0, errno);
	if (fd != -1) {
		(void)!write(fd, FAKE, strlen(FAKE));
		close(fd);
	}
	close(pidfd);
	snprintf(path, sizeof(path), "/proc/%d/fd/0", (int)pid);
	result("fd_link", readlink(path, link, sizeof(link)) == -1 ? -1 : 0,
	       errno);
	try_open("fd_open", path, O_RDWR);
	try_open("pty", pty, O_RDWR);
	/* the core limit: raised, a fatal signal would dump the memory */
	result("prlimit", prlimit(pid, RLIMIT_CORE, NULL, &rl), errno);
}

static void
serve(int c)
{
	char line[512], what[16], pty[256];
	FILE *in = fdopen(dup(c), "r");
	int pid, sig;

	answer = fdopen(c, "w");
	if (in == NULL || answer == NULL)
		err(1, "fdopen");
	if (fgets(line, sizeof(line), in) == NULL)
		goto out;
	pty[0] = '\0';
	if (sscanf(line, "%15s %d %255s", what, &pid, pty) < 2)
		fprintf(answer, "bad request");
	else if (strcmp(what, "probe") == 0)
		probe(pid, pty);
	else {
		sig = strcmp(what, "stop") == 0 ? SIGSTOP :
		      strcmp(what, "cont") == 0 ? SIGCONT :
		      strcmp(what, "kill") == 0 ? SIGKILL : 0;
		if (sig == 0 || kill(pid, sig) == -1)
			fprintf(answer, "error %s", sig ? strerror(errno) :
				"bad signal");
		else
			fprintf(answer, "sent");
	}
	fprintf(answer, "\n");
out:
	fclose(in);
	fclose(answer);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, c;

	if (argc != 2)
		errx(2, "usage: intruder SOCK");
	signal(SIGHUP, SIG_IGN);	/* it outlives the session's hang-up */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	unlink(argv[1]);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    chmod(argv[1], 0777) == -1 || listen(s, 8) == -1)
		err(1, "%s", argv[1]);
	printf("READY %ld\n", (long)getpid());
	fflush(stdout);
	for (;;) {
		if ((c = accept4(s, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "accept");
		}
		serve(c);
	}
}
