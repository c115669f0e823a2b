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

/* One relay's state, and what it changed, to be given back. */
struct relay {
	int tty, master, pidfd;
	const struct relay_hooks *hooks;
	struct buf *in, *out;	/* terminal to pty, pty to terminal */
	bool master_done;	/* nothing more comes from the pty */
	bool main_exited;	/* the session's shell exited */
	bool aside_done;	/* the aside descriptor no longer watched */
	enum relay_end end;
	int ttyfl, masterfl;	/* the descriptors' flags before */
	struct sigaction oldsa;
	sigset_t oldmask;
};

/*
 * Both descriptors non-blocking; SIGWINCH blocked but for ppoll (during:
 * the mask ppoll takes).  -1 with everything as it was.
 */
static int
begin(struct relay *r, sigset_t *during)
{
	struct sigaction sa;
	sigset_t block;

	if (nonblock(r->tty, &r->ttyfl) == -1)
		return -1;
	if (nonblock(r->master, &r->masterfl) == -1) {
		fcntl(r->tty, F_SETFL, r->ttyfl);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, &r->oldsa);
	sigemptyset(&block);
	sigaddset(&block, SIGWINCH);
	sigprocmask(SIG_BLOCK, &block, &r->oldmask);
	*during = r->oldmask;
	sigdelset(during, SIGWINCH);
	copy_winsize(r->tty, r->master);
	return 0;
}

static void
finish(const struct relay *r)
{
	sigprocmask(SIG_SETMASK, &r->oldmask, NULL);
	sigaction(SIGWINCH, &r->oldsa, NULL);
	fcntl(r->tty, F_SETFL, r->ttyfl);
	fcntl(r->master, F_SETFL, r->masterfl);
}

/* What to wait for: room to read into, bytes to write, the two ends. */
static void
poll_set(const struct relay *r, struct pollfd p[5])
{
	const struct relay_hooks *h = r->hooks;

	p[0] = (struct pollfd){ r->tty,
		(short)((waiting(r->in) < BUF ? POLLIN : 0) |
			(waiting(r->out) ? POLLOUT : 0)), 0 };
	p[1] = (struct pollfd){ r->master,
		(short)((!r->master_done && waiting(r->out) < BUF ? POLLIN : 0) |
			(waiting(r->in) ? POLLOUT : 0)), 0 };
	p[2] = (struct pollfd){ r->main_exited ? -1 : r->pidfd, POLLIN, 0 };
	p[3] = (struct pollfd){ h && h->quitting ? h->quit : -1, POLLIN, 0 };
	p[4] = (struct pollfd){ h && h->aside_ready && !r->aside_done ?
				h->aside : -1, POLLIN, 0 };
}

static bool
ended(struct relay *r, enum relay_end end)
{
	r->end = end;
	return true;
}

/*
 * What was typed: read, shown to the input hook, and kept for the pty as
 * far as the hook lets it through.  True when the relay ends.
 */
static bool
from_terminal(struct relay *r, short revents)
{
	const struct relay_hooks *h = r->hooks;
	size_t before;
	ssize_t n, keep;

	if (!(revents & POLLIN))
		return revents & (POLLHUP | POLLERR) ?
		       ended(r, RELAY_HANGUP) : false;
	if ((n = fill(r->tty, r->in)) == 0)
		return ended(r, RELAY_HANGUP);
	if (n == -1)
		return ended(r, RELAY_ERROR);
	if (n < 0 || h == NULL || h->input == NULL)
		return false;
	before = r->in->len - (size_t)n;
	if ((keep = h->input(h->arg, r->in->data + before, (size_t)n)) < 0)
		return ended(r, RELAY_STOPPED);
	/* pass on only what the hook let through */
	r->in->len = before + ((size_t)keep < (size_t)n ? (size_t)keep :
			       (size_t)n);
	return false;
}

/*
 * What the session wrote: read only into room (a read of 0 bytes would
 * look like EOF), passed on at once, and read again while both sides keep
 * up: one poll for many chunks of a fast session.
 */
static void
from_session(struct relay *r, const struct pollfd *p)
{
	if ((p->revents & (POLLIN | POLLHUP | POLLERR)) && !r->master_done &&
	    waiting(r->out) < BUF) {
		for (int i = 0; i < GREEDY && waiting(r->out) < BUF; i++) {
			ssize_t n = fill(r->master, r->out);

			if (n == 0 || n == -1)
				r->master_done = true;	/* closed */
			if (n <= 0 || drain(r->tty, r->out) == -1 ||
			    waiting(r->out))
				break;
		}
	} else if (r->main_exited && (p->events & POLLIN)) {
		r->master_done = true;	/* nothing more is waiting */
	}
}

enum relay_end
tp_relay(int tty, int master, int pidfd, const struct relay_hooks *hooks)
{
	static struct buf in, out;
	const struct timespec zero = { 0, 0 };
	struct relay r = { .tty = tty, .master = master, .pidfd = pidfd,
			   .hooks = hooks, .in = &in, .out = &out,
			   .end = RELAY_ERROR };
	sigset_t during;

	in.off = in.len = out.off = out.len = 0;
	if (begin(&r, &during) == -1)
		return RELAY_ERROR;
	for (;;) {
		struct pollfd p[5];

		if (r.master_done && waiting(&out) == 0) {
			r.end = RELAY_SESSION_ENDED;
			break;
		}
		poll_set(&r, p);
		/* once the shell is gone, look at the pty without waiting,
		   but only while there is room to read it: a stopped
		   terminal is waited for, not spun on */
		if (ppoll(p, 5, r.main_exited && (p[1].events & POLLIN) ?
			  &zero : NULL, &during) == -1 && errno != EINTR)
			break;
		if ((p[3].revents & POLLIN) && hooks->quitting(hooks->quit)) {
			r.end = RELAY_QUIT;
			break;
		}
		if ((p[4].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) &&
		    !hooks->aside_ready(hooks->aside_arg, hooks->aside))
			r.aside_done = true;
		if (p[2].revents & POLLIN)
			r.main_exited = true;	/* pass on what is there, then end */
		if (winched) {
			winched = 0;
			copy_winsize(tty, master);
		}
		if (from_terminal(&r, p[0].revents))
			break;
		from_session(&r, &p[1]);
		if (waiting(&out) && drain(tty, &out) == -1) {
			r.end = RELAY_HANGUP;
			break;
		}
		if ((p[1].revents & POLLOUT) && drain(master, &in) == -1)
			r.master_done = true;
	}
	finish(&r);
	return r.end;
}
