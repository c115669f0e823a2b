/*
 * relay.h - carry a session between the physical terminal and the pty it
 * runs on, so that nothing in the session ever holds the terminal itself.
 */
#ifndef TPATH_RELAY_H
#define TPATH_RELAY_H

#include <stdbool.h>
#include <sys/types.h>

struct relay_hooks {
	/*
	 * Each chunk read from the terminal, before it is passed on (the
	 * secure attention key watches here).  Returns how many bytes of it
	 * to pass on, or -1 to stop the relay (RELAY_STOPPED).  May be NULL.
	 */
	ssize_t (*input)(void *arg, const char *buf, size_t len);
	void *arg;
	/* A descriptor watched too (-1: none): when it is readable,
	   quitting(quit) says whether the relay ends (RELAY_QUIT). */
	int quit;
	bool (*quitting)(int quit);
	/* A descriptor read beside the session (-1: none; tgetty's end of
	   tsh's control socket): when it is readable or hung up, aside_ready
	   reads a bounded amount of it, without blocking, and says whether
	   to watch it still (false: it is done; the relay goes on). */
	int aside;
	bool (*aside_ready)(void *aside_arg, int aside);
	void *aside_arg;
};

enum relay_end {
	RELAY_SESSION_ENDED,	/* every holder of the pty closed it */
	RELAY_HANGUP,		/* the terminal hung up */
	RELAY_STOPPED,		/* the input hook said so */
	RELAY_QUIT,		/* the quit hook said so */
	RELAY_ERROR,
};

/*
 * Relay until one of the ends above: terminal input to the pty master,
 * pty output to the terminal, window size changes passed on.  The caller
 * makes the terminal raw first (tp_tty_raw): the pty does the line
 * editing, the echo and the signal keys.  Neither
 * direction blocks the other: a stopped terminal holds the session's
 * output back (it is not lost) while input still flows.  hooks may be
 * NULL.  The session must hold the pty's slave open before the relay
 * starts (open it before forking): a pty nobody holds reads as the end.
 * With pidfd (from pidfd_open; -1 for none), the session also ends when
 * that process (its shell) exits: what it wrote is passed on, and anything
 * it left behind holding the pty no longer keeps the session alive.
 */
enum relay_end tp_relay(int tty, int master, int pidfd,
			const struct relay_hooks *hooks);

#endif
