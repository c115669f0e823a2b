/*
 * tsh - the trusted shell: runs only programs the trusted-file database
 * marks trusted, each verified as it starts.  See tsh(1).
 *
 *   tsh [-C dir] [-c command | file]
 *
 * Exit: the last command's status; 2 for a syntax error or bad usage; 126
 * for a program refused; 127 for one not found.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>
#include <getopt.h>

#include "audit.h"
#include "files.h"
#include "shell.h"
#include "trusted.h"

/* To stderr with status 2, or (asked for: -h, --help) stdout and 0. */
static void __attribute__((noreturn))
usage(FILE *f, int status)
{
	fprintf(f, "usage: tsh [-C dir] [-c command | file]\n");
	exit(status);
}

/*
 * TPATH_CONTROL_FD names the socket tgetty hands a tsh it starts on the
 * trusted path.  It is kept close-on-exec, never passed on, and taken only
 * if it is a SOCK_SEQPACKET socket (one message a packet, control.h):
 * anything else means tsh is not on the trusted path.
 */
static int
control_fd(void)
{
	const char *s = getenv(TP_CONTROL_ENV);
	unsigned long long fd;
	socklen_t len = sizeof(int);
	struct stat sb;
	int type;

	unsetenv(TP_CONTROL_ENV);
	if (s == NULL || stz_parse_uint(s, 3, 1023, &fd) == -1 ||
	    fstat((int)fd, &sb) == -1 || !S_ISSOCK(sb.st_mode) ||
	    getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_SEQPACKET ||
	    fcntl((int)fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return (int)fd;
}

static int
read_file(const char *file, char **text, size_t *len)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC), rc, e;

	if (fd == -1)
		return -1;
	rc = tp_read_all(fd, 0, TSH_MAX_INPUT, text, len);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

/*
 * Read lines; a line that ends inside a quote or after | asks for more.
 * On a terminal, Ctrl-C drops the line being typed (tsh itself goes on;
 * a running program gets the signal, as handlers do not survive exec).
 */
static void
interactive(struct shell *sh)
{
	bool tty = sh->interactive = isatty(STDIN_FILENO);
	char *line = NULL, *buf = NULL;
	size_t cap = 0, blen = 0;
	struct tsh_perr perr = { 0, 0, "unexpected end of input" };
	ssize_t n;

	if (tty) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigint;	/* no SA_RESTART: stop getline */
		sigaction(SIGINT, &sa, NULL);
		signal(SIGQUIT, SIG_IGN);
		sh->have_tio = tcgetattr(STDIN_FILENO, &sh->tio) == 0;
	}
	for (;;) {
		struct tsh_list *l = NULL;
		char *nb;

		if (tty) {
			fputs(blen ? "> " : geteuid() == 0 ? "tsh# " : "tsh$ ",
			      stderr);
			fflush(stderr);
		}
		interrupted = 0;
		if ((n = getline(&line, &cap, stdin)) == -1) {
			if (interrupted) {	/* Ctrl-C: drop the line */
				clearerr(stdin);
				fputc('\n', stderr);
				blen = 0;
				continue;
			}
			break;
		}
		if (blen + (size_t)n > TSH_MAX_INPUT ||
		    (nb = realloc(buf, blen + (size_t)n + 1)) == NULL) {
			fprintf(stderr, "tsh: line too long\n");
			blen = 0;
			continue;
		}
		buf = nb;
		memcpy(buf + blen, line, (size_t)n);
		blen += (size_t)n;
		switch (tsh_parse(buf, blen, &l, &perr)) {
		case TSH_PARSE_MORE:
			continue;
		case TSH_PARSE_OK:
			sh_run_list(sh, l);
			tsh_list_free(l);
			break;
		default:
			fprintf(stderr, "tsh: %u:%u: %s%s\n", perr.line,
				perr.col, strncmp(perr.msg, "syntax error", 12) ?
				"syntax error: " : "", perr.msg);
			sh->status = 2;
		}
		blen = 0;
		if (sh->exiting)
			break;
	}
	if (blen && !sh->exiting) {	/* input ended with a line open */
		fprintf(stderr, "tsh: syntax error: %s\n", perr.msg);
		sh->status = 2;
	}
	free(line);
	free(buf);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	extern char **environ;
	struct shell sh;
	const char *cmd = NULL;
	char *text;
	size_t len;
	ssize_t n;
	int c;

	memset(&sh, 0, sizeof(sh));
	sh.confdir = SYSCONFDIR;
	while ((c = getopt_long(argc, argv, "+C:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout, 0);
		case 'V':
			return puts("tsh (tpath) " TPATH_VERSION) == EOF;
		case 'C':
			sh.confdir = optarg;
			break;
		case 'c':
			cmd = optarg;
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (argc - optind > (cmd ? 0 : 1))
		usage(stderr, 2);
	tp_audit_set_program("tsh");
	/* an inherited SIGCHLD ignore would reap children behind our back */
	signal(SIGCHLD, SIG_DFL);
	sh.control_fd = control_fd();
	if ((n = readlink("/proc/self/exe", sh.self, sizeof(sh.self) - 1)) > 0)
		sh.self[n] = '\0';
	sh_import_env(&sh, environ);
	sh_load_config(&sh);
	if (!sh.trusted_ok)
		fprintf(stderr, "tsh: %s\ntsh: no program will run; built-ins "
			"such as logout still work\n", sh.why);
	if (cmd) {
		sh_run(&sh, cmd, strlen(cmd), "-c");
	} else if (optind < argc) {
		if (read_file(argv[optind], &text, &len) == -1)
			err(127, "%s", argv[optind]);
		sh_run(&sh, text, len, argv[optind]);
		free(text);
	} else {
		interactive(&sh);
	}
	tcb_db_free(&sh.db);
	sh_free_vars(&sh);
	sh_free_aliases(&sh);
	return sh.exiting ? sh.exit_status : sh.status;
}
