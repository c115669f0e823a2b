/*
 * relay.c - carry a session between the terminal and its pty.
 *
 * Defends the terminal from the session: the session only ever has the
 * pty; every byte it sends the terminal passes through here, and every byte
 * typed passes the input hook first (where the secure attention key is
 * caught).  Both directions are buffered and non-blocking, so a terminal
 * that stops reading (Ctrl-S, a slow line) holds output back without
 * losing it and without stopping input.  SIGWINCH is taken only inside
 * ppoll, so a window size change is never missed between two checks.
 * One relay a process: the buffers are static.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "relay.h"

#define BUF (64 * 1024)
#define GREEDY 16	/* chunks read in a row before polling again */

/* The bytes waiting are data[off, len): a partial write only moves off. */
struct buf {
	char data[BUF];
	size_t off, len;
};

static size_t
waiting(const struct buf *b)
{
	return b->len - b->off;
}

static volatile sig_atomic_t winched;

static void
on_winch(int sig)
{
	(void)sig;
	winched = 1;
}

static void
copy_winsize(int tty, int master)
{
	struct winsize ws;

	if (ioctl(tty, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

/* Write what fd takes of b now; -1 on an error other than "not now". */
static int
drain(int fd, struct buf *b)
{
	ssize_t n = write(fd, b->data + b->off, waiting(b));

	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	b->off += (size_t)n;
	if (b->off == b->len)
		b->off = b->len = 0;
	return 0;
}

/*
 * Read into b (its length grows by what was read); the count, 0 at the end
 * (EOF, or EIO: every other side closed), -2 for "not now", -1 an error.
 */
static ssize_t
fill(int fd, struct buf *b)
{
	ssize_t n;

	if (b->off && BUF - b->len < BUF / 4) {	/* make room, seldom */
		memmove(b->data, b->data + b->off, waiting(b));
		b->len -= b->off;
		b->off = 0;
	}
	n = read(fd, b->data + b->len, BUF - b->len);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return -2;
	if (n == -1 && errno == EIO)
		return 0;
	if (n > 0)
		b->len += (size_t)n;
	return n;
}

static int
nonblock(int fd, int *old)
{
	if ((*old = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, *old | O_NONBLOCK);
}

enum relay_end
tp_relay(int tty, int master, int pidfd, const struct relay_hooks *hooks)
{
	static struct buf in, out;	/* terminal to pty, pty to terminal */
	struct sigaction sa, oldsa;
	sigset_t block, during, oldmask;
	const struct timespec zero = { 0, 0 };
	enum relay_end end = RELAY_ERROR;
	int ttyfl, masterfl;
	bool master_done = false, main_exited = false;

	in.off = in.len = out.off = out.len = 0;
	if (nonblock(tty, &ttyfl) == -1)
		return RELAY_ERROR;
	if (nonblock(master, &masterfl) == -1) {
		fcntl(tty, F_SETFL, ttyfl);
		return RELAY_ERROR;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, &oldsa);
	sigemptyset(&block);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, &oldmask);
	during = oldmask;
	sigdelset(&during, SIGWINCH);
	copy_winsize(tty, master);

	for (;;) {
		struct pollfd p[4] = {
			{ tty, (short)((waiting(&in) < BUF ? POLLIN : 0) |
				       (waiting(&out) ? POLLOUT : 0)), 0 },
			{ master, (short)((!master_done && waiting(&out) < BUF ?
					   POLLIN : 0) |
					  (waiting(&in) ? POLLOUT : 0)), 0 },
			{ main_exited ? -1 : pidfd, POLLIN, 0 },
			{ hooks && hooks->quitting ? hooks->quit : -1, POLLIN, 0 },
		};
		ssize_t n;

		if (master_done && waiting(&out) == 0) {
			end = RELAY_SESSION_ENDED;
			break;
		}
		/* once the shell is gone, look at the pty without waiting,
		   but only while there is room to read it: a stopped
		   terminal is waited for, not spun on */
		if (ppoll(p, 4, main_exited && (p[1].events & POLLIN) ?
			  &zero : NULL, &during) == -1 && errno != EINTR)
			break;
		if ((p[3].revents & POLLIN) && hooks->quitting(hooks->quit)) {
			end = RELAY_QUIT;
			break;
		}
		if (p[2].revents & POLLIN)
			main_exited = true;	/* pass on what is there, then end */
		if (winched) {
			winched = 0;
			copy_winsize(tty, master);
		}
		if (p[0].revents & POLLIN) {
			if ((n = fill(tty, &in)) == 0) {
				end = RELAY_HANGUP;
				break;
			}
			if (n == -1)
				break;
			if (n > 0 && hooks && hooks->input) {
				size_t before = in.len - (size_t)n;
				ssize_t keep = hooks->input(hooks->arg,
							    in.data + before,
							    (size_t)n);

				if (keep < 0) {
					end = RELAY_STOPPED;
					break;
				}
				/* pass on only what the hook let through */
				in.len = before + ((size_t)keep < (size_t)n ?
						   (size_t)keep : (size_t)n);
			}
		} else if (p[0].revents & (POLLHUP | POLLERR)) {
			end = RELAY_HANGUP;
			break;
		}
		/* read only into room: a read of 0 bytes would look like EOF;
		   then pass it on at once, and read again while both sides
		   keep up: one poll for many chunks of a fast session */
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR) &&
		    !master_done && waiting(&out) < BUF) {
			for (int i = 0; i < GREEDY && waiting(&out) < BUF; i++) {
				n = fill(master, &out);
				if (n == 0 || n == -1)
					master_done = true;	/* closed */
				if (n <= 0 || drain(tty, &out) == -1 ||
				    waiting(&out))
					break;
			}
		} else if (main_exited && (p[1].events & POLLIN)) {
			master_done = true;	/* nothing more is waiting */
		}
		if (waiting(&out) && drain(tty, &out) == -1) {
			end = RELAY_HANGUP;
			break;
		}
		if ((p[1].revents & POLLOUT) && drain(master, &in) == -1)
			master_done = true;
	}
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	sigaction(SIGWINCH, &oldsa, NULL);
	fcntl(tty, F_SETFL, ttyfl);
	fcntl(master, F_SETFL, masterfl);
	return end;
}
