/*
 * tty.c - take a terminal and reset it.
 *
 * Defends against a program that got at the terminal before us: every
 * descriptor it holds is revoked (vhangup, then the terminal is opened
 * again), the terminal becomes root's with mode 0600 so nothing can open
 * it anew, typed-ahead input is discarded, and the line settings and the
 * terminal's own modes (VT text mode, keyboard mode, colours, character
 * sets) are set to known values, so nothing left behind can hide or fake
 * the next prompt.  The sequence follows util-linux agetty's.
 *
 * terminfo's reset strings do not reset every such mode on every terminal
 * of the type (vt100's and vt220's leave the alternate screen, mouse
 * reports and bracketed paste; a RIS leaves tmux on the alternate screen):
 * on a terminal whose entry is ECMA-48's, the standard and DEC private
 * resets of each follow them.  Leaving an alternate screen can restore
 * attributes saved with the cursor, so it comes before the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/kd.h>
#include <linux/vt.h>

#include <curses.h>
#include <term.h>

#include "clock.h"
#include "tty.h"
#include "files.h"

static int
open_check(const char *path, struct tp_err *err)
{
	struct stat sb;
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd == -1)
		return tp_err_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) == -1 || !S_ISCHR(sb.st_mode) || !isatty(fd)) {
		close(fd);
		return tp_err_set(err, "%s: not a terminal", path);
	}
	return fd;
}

int
tp_tty_open(const char *path, struct tp_err *err)
{
	int fd;

	if ((fd = open_check(path, err)) == -1)
		return -1;
	if (getsid(0) != getpid() && setsid() == -1) {
		tp_err_set(err, "%s: setsid: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (ioctl(fd, TIOCSCTTY, 1) == -1) {
		tp_err_set(err, "%s: cannot make it the controlling terminal: %s",
			   path, strerror(errno));
		close(fd);
		return -1;
	}
	return tp_tty_revoke(path, &fd, err) == -1 ? -1 : fd;
}

int
tp_tty_revoke(const char *path, int *fdp, struct tp_err *err)
{
	struct sigaction ign, old;
	struct stat before, sb;
	int fd, flags;

	if (fstat(*fdp, &before) == -1) {
		tp_err_set(err, "%s: %s", path, strerror(errno));
		goto fail;
	}
	/* revoke every descriptor open on it, ours included */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &ign, &old);
	if (vhangup() == -1) {
		tp_err_set(err, "%s: vhangup: %s", path, strerror(errno));
		sigaction(SIGHUP, &old, NULL);
		goto fail;
	}
	sigaction(SIGHUP, &old, NULL);
	close(*fdp);
	*fdp = -1;
	if ((fd = open_check(path, err)) == -1)
		return -1;
	/* the same terminal, whatever happened to the name meanwhile */
	if (fstat(fd, &sb) == -1 || sb.st_rdev != before.st_rdev) {
		tp_err_set(err, "%s: no longer names the same terminal", path);
		close(fd);
		return -1;
	}
	if (ioctl(fd, TIOCSCTTY, 1) == -1 ||
	    fchown(fd, 0, 0) == -1 || fchmod(fd, 0600) == -1 ||
	    (flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		tp_err_set(err, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	*fdp = fd;
	return 0;
fail:
	close(*fdp);
	*fdp = -1;
	return -1;
}

int
tp_tty_sane(int fd, struct tp_err *err)
{
	struct termios t;

	if (tcgetattr(fd, &t) == -1)
		return tp_err_set(err, "tcgetattr: %s", strerror(errno));
	t.c_iflag = BRKINT | ICRNL | IMAXBEL | IXON | IUTF8;
	t.c_oflag = OPOST | ONLCR;
	t.c_cflag = (t.c_cflag & (CBAUD | CBAUDEX | CLOCAL | CRTSCTS)) | CS8 |
		    CREAD | HUPCL;
	t.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE |
		    IEXTEN;
	memset(t.c_cc, 0, sizeof(t.c_cc));
	t.c_cc[VINTR] = 'C' & 037;
	t.c_cc[VQUIT] = '\\' & 037;
	t.c_cc[VERASE] = 0177;
	t.c_cc[VKILL] = 'U' & 037;
	t.c_cc[VEOF] = 'D' & 037;
	t.c_cc[VSTART] = 'Q' & 037;
	t.c_cc[VSTOP] = 'S' & 037;
	t.c_cc[VSUSP] = 'Z' & 037;
	t.c_cc[VREPRINT] = 'R' & 037;
	t.c_cc[VWERASE] = 'W' & 037;
	t.c_cc[VLNEXT] = 'V' & 037;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcflush(fd, TCIOFLUSH) == -1 || tcsetattr(fd, TCSAFLUSH, &t) == -1)
		return tp_err_set(err, "tcsetattr: %s", strerror(errno));
	return 0;
}

int
tp_tty_raw(int fd, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, &t) == -1)
		return -1;
	if (saved)
		*saved = t;
	cfmakeraw(&t);
	return tcsetattr(fd, TCSANOW, &t);
}

bool
tp_tty_is_vt(int fd)
{
	int mode;

	return ioctl(fd, KDGETMODE, &mode) == 0;
}

/* tputs() gives one character at a time: collected, then written once */
static struct {
	char buf[4096];
	size_t len;
} out;

static int
put(int c)
{
	if (out.len == sizeof(out.buf))
		return EOF;
	out.buf[out.len++] = (char)c;
	return c;
}

/* Write what was collected, all of it, or -1. */
static int
write_out(int fd)
{
	int rc = tp_write_all(fd, out.buf, out.len);

	out.len = 0;
	return rc;
}

static void
send_cap(const char *name)
{
	const char *s = tigetstr(name);

	if (s != NULL && s != (char *)-1)
		tputs(s, 1, put);
}

/*
 * The resets of an ECMA-48 terminal, for what its entry's strings may leave
 * (DEC private modes unknown to a terminal are ignored by it).  Each holds
 * at most 8 parameters, which every parser keeps.
 */
static const char ecma48_first[] =
	"\033<";			/* out of VT52 mode (?2l): ANSI */
static const char ecma48_screens[] =
	"\033[?1049;1047;47l";		/* the normal screen */
static const char ecma48_modes[] =
	"\033[?9;1000;1001;1002;1003;1005;1006;1015l" /* mouse reports */
	"\033[?1004;2004;2026l"		/* focus reports, bracketed paste,
					   synchronized output (no updates) */
	"\033[?1;5;6;69l"		/* cursor keys, reverse video, origin,
					   left and right margins */
	"\033[3;4;20l"			/* controls shown, insert, newline */
	"\033[?7;25h"			/* autowrap, the cursor shown */
	"\033>"				/* numeric keypad */
	"\033(B\017"			/* G0 ASCII, in use */
	"\033[m"			/* attributes, colours */
	"\033[r";			/* the whole screen scrolls */

static void
send_str(const char *s)
{
	while (*s)
		put((unsigned char)*s++);
}

bool
tp_tty_ecma48(const char *cup)
{
	/* cursor to row 3, column 5, as ECMA-48 writes it: CUP or HVP,
	   7-bit or 8-bit CSI, then nothing but padding */
	static const char *const forms[] = {
		"\033[3;5H", "\2333;5H", "\033[3;5f", "\2333;5f",
	};
	const char *s;

	if (cup == NULL || cup == (char *)-1 || (s = tiparm(cup, 2, 4)) == NULL)
		return false;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t n = strlen(forms[i]);

		if (strncmp(s, forms[i], n) == 0 &&
		    (s[n] == '\0' || strncmp(s + n, "$<", 2) == 0))
			return true;
	}
	return false;
}

int
tp_tty_reset(int fd, const char *term, struct tp_err *err)
{
	/* the terminal's own resets, then each state a program can leave
	   that rs1-rs3 do not reset everywhere (vt100's leave attributes,
	   the character set and the cursor alone) */
	static const char *const resets[] = { "rs1", "rs2", "rs3", "rmcup" };
	static const char *const states[] = {
		"sgr0", "rmacs", "cnorm", "rmkx", "rmir",
	};
	struct vt_mode vm;
	struct winsize ws;
	const char *csr;
	bool ecma48;
	int e, rows;

	if (tp_tty_is_vt(fd)) {
		memset(&vm, 0, sizeof(vm));
		vm.mode = VT_AUTO;
		if (ioctl(fd, KDSETMODE, KD_TEXT) == -1 ||
		    ioctl(fd, KDSKBMODE, K_UNICODE) == -1 ||
		    ioctl(fd, VT_SETMODE, &vm) == -1)
			return tp_err_set(err, "virtual console: %s",
					  strerror(errno));
	}
	if (setupterm(term, fd, &e) != OK)
		return tp_err_set(err, "%s: no such terminal in terminfo", term);
	ecma48 = tp_tty_ecma48(tigetstr("cup"));
	out.len = 0;
	if (ecma48)
		send_str(ecma48_first);
	for (size_t i = 0; i < sizeof(resets) / sizeof(resets[0]); i++)
		send_cap(resets[i]);
	if (ecma48)
		send_str(ecma48_screens);
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		send_cap(states[i]);
	if (ecma48)
		send_str(ecma48_modes);
	/* the whole screen scrolls again */
	rows = ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row ? ws.ws_row :
		tigetnum("lines");
	csr = tigetstr("csr");
	if (rows > 0 && csr != NULL && csr != (char *)-1)
		tputs(tiparm(csr, 0, rows - 1), 1, put);
	send_cap("clear");
	del_curterm(cur_term);
	if (write_out(fd) == -1)
		return tp_err_set(err, "write: %s", strerror(errno));
	return 0;
}

/*
 * Read and drop input until want arrives or the time is up; true when it
 * came.  want may straddle two reads.
 */
static bool
discard_until(int fd, const char *want, unsigned timeout_ms)
{
	size_t wlen = strlen(want), have = 0;
	struct timespec t0;
	char buf[4096];

	tp_clock_start(&t0);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		long left;
		ssize_t n;

		left = (long)timeout_ms - tp_ms_since(&t0);
		if (left <= 0 || poll(&p, 1, (int)left) != 1)
			return false;
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return false;
		have += (size_t)n;
		buf[have] = '\0';
		if (memmem(buf, have, want, wlen))
			return true;
		/* keep only what could begin the answer */
		if (have >= wlen) {
			memmove(buf, buf + have - (wlen - 1), wlen - 1);
			have = wlen - 1;
		}
	}
}

int
tp_tty_settle(int fd, const char *term, unsigned timeout_ms)
{
	struct termios saved, t;
	struct winsize ws;
	const char *cup, *u7;
	char want[64];
	unsigned short rnd[2];
	int e, rows, cols, r, c;
	bool answered = false;

	if (setupterm(term, fd, &e) != OK)
		goto flush;
	cup = tigetstr("cup");
	u7 = tigetstr("u7");
	if (cup == NULL || cup == (char *)-1 || u7 == NULL || u7 == (char *)-1)
		goto done;
	rows = ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row ? ws.ws_row :
	       tigetnum("lines");
	cols = ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col :
	       tigetnum("cols");
	if (rows <= 0 || cols <= 0 ||
	    getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		goto done;
	/* a place nobody could have foreseen (0-based, as terminfo counts) */
	r = rnd[0] % (rows < 24 ? rows : 24);
	c = rnd[1] % (cols < 80 ? cols : 80);
	out.len = 0;
	tputs(tiparm(cup, r, c), 1, put);
	tputs(u7, 1, put);
	/* the report is ECMA-48's CPR (what u6 describes, as a scanf-like
	   pattern, not a string to expand: tiparm would swap its numbers) */
	snprintf(want, sizeof(want), "\033[%d;%dR", r + 1, c + 1);
	if (tcgetattr(fd, &saved) == -1)
		goto done;
	t = saved;		/* the answer is not a line, and not echoed */
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) == 0) {
		answered = write_out(fd) == 0 &&
			   discard_until(fd, want, timeout_ms);
		tcsetattr(fd, TCSANOW, &saved);
	}
done:
	del_curterm(cur_term);
flush:
	tcflush(fd, TCIFLUSH);
	return answered ? 0 : -1;
}
