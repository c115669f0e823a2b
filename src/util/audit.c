/*
 * audit.c - one record per security event, to the audit trail or syslog.
 *
 * Threats: a value chosen by an attacker (a file name, a terminal name) that
 * forges fields of the record it is written in ("x res=success"), and an
 * event that is silently lost.  Every value is quoted or hex-encoded the way
 * libaudit encodes untrusted strings, so it can never end its own field;
 * where the kernel has no audit, audit is off or the send fails, the same
 * record goes to syslog(LOG_AUTHPRIV) instead, field for field as the audit
 * record has it (send_syslog).
 *
 * The netlink socket is opened on first use, close-on-exec, and reopened in
 * a forked child (a shared socket would mix up the kernel's replies).  One
 * mutex serialises the socket, so several threads may audit at once.
 *
 * Syslog: tp_audit_set_program() calls openlog(name, LOG_PID, 0), keeping the
 * program's default facility; every fallback message names LOG_AUTHPRIV
 * itself.  Without it, syslog's default ident is the program's short name.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libaudit.h>

#include "audit.h"
#include "audit_int.h"

static const char truncated[] = " truncated=yes";

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int audit_fd = -1;		/* the socket, when open */
static pid_t audit_pid;			/* the process that opened it */
static bool no_audit;			/* the kernel has no audit at all */
static char program[64];		/* openlog() keeps this pointer */
static char terminal[64];		/* the records' terminal, or "" */

/* The text being built; size excludes the room kept for "truncated". */
struct text {
	char *buf;
	size_t size, len;
	bool cut;
};

static bool
is_word(const char *s, const char *extra)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && *s != '_' && *s != '-' &&
		    strchr(extra, *s) == NULL)
			return false;
	return true;
}

/*
 * libaudit's test (blanks, '"', control and non-ASCII bytes), plus '=' and
 * the "'" that closes the kernel's msg='...'.
 */
static bool
needs_hex(const char *v, size_t n)
{
	return audit_value_needs_encoding(v, (unsigned)n) ||
	    memchr(v, '=', n) != NULL || memchr(v, '\'', n) != NULL;
}

/* Append the encoded value, cut to what fits (put_pair left 2 bytes). */
static void
put_value(struct text *t, const char *v)
{
	size_t n, room;

	if (v == NULL) {
		t->buf[t->len++] = '?';
		t->buf[t->len] = '\0';
		return;
	}
	room = t->size - t->len - 1;
	/* only what can fit is looked at (and a cut prefix decides) */
	n = strnlen(v, room + 1);
	if (needs_hex(v, n)) {
		if (n > room / 2) {
			n = room / 2;
			t->cut = true;
		}
		audit_encode_value(t->buf + t->len, v, (unsigned)n);
		t->len += 2 * n;
		return;
	}
	if (n > room - 2) {
		n = room - 2;
		t->cut = true;
	}
	t->buf[t->len++] = '"';
	memcpy(t->buf + t->len, v, n);
	t->len += n;
	t->buf[t->len++] = '"';
	t->buf[t->len] = '\0';
}

/* Append " key=value", cutting only the value; a key is never cut. */
static void
put_pair(struct text *t, const char *key, const char *value)
{
	size_t k = strlen(key);

	/* ' ', key, '=', two bytes of value (at least) and the NUL */
	if (t->cut || k + 5 > t->size - t->len) {
		t->cut = true;
		return;
	}
	t->buf[t->len++] = ' ';
	memcpy(t->buf + t->len, key, k);
	t->len += k;
	t->buf[t->len++] = '=';
	t->buf[t->len] = '\0';
	put_value(t, value);
}

int
tp_audit_vformat(char *buf, size_t size, const char *op, va_list ap)
{
	struct text t = { buf, 0, 0, false };
	const char *key, *value;
	va_list aq;

	if (size < 64)
		return -1;
	t.size = size - sizeof(truncated) + 1;
	buf[0] = '\0';
	/* check every key first: a bad one means a bug, not a record */
	va_copy(aq, ap);
	while ((key = va_arg(aq, const char *)) != NULL) {
		(void)va_arg(aq, const char *);
		if (!is_word(key, ""))
			break;
	}
	va_end(aq);
	/* op is a caller's fixed word: it must fit whole */
	if (key != NULL || !is_word(op, ":.") || strlen(op) + 3 >= t.size)
		return -1;
	t.len = (size_t)snprintf(buf, t.size, "op=%s", op);
	while ((key = va_arg(ap, const char *)) != NULL) {
		value = va_arg(ap, const char *);
		put_pair(&t, key, value);
	}
	if (t.cut) {
		memcpy(buf + t.len, truncated, sizeof(truncated));
		t.len += sizeof(truncated) - 1;
	}
	return (int)t.len;
}

/* The audit socket, opened once per process; -1 when there is none. */
static int
audit_socket(void)
{
	int fd;

	if (audit_fd != -1 && audit_pid == getpid())
		return audit_fd;
	if (audit_fd != -1) {
		/* inherited from the parent: leave the parent's replies alone */
		close(audit_fd);
		audit_fd = -1;
	}
	if (no_audit)
		return -1;
	if ((fd = audit_open()) == -1) {
		if (errno == EPROTONOSUPPORT || errno == EINVAL ||
		    errno == EAFNOSUPPORT)
			no_audit = true;
		return -1;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		audit_close(fd);
		return -1;
	}
	audit_fd = fd;
	audit_pid = getpid();
	return fd;
}

static void
drop_socket(void)
{
	if (audit_fd != -1)
		audit_close(audit_fd);
	audit_fd = -1;
}

/*
 * Is audit on?  Asking costs a netlink round trip (about 80 us), which a
 * shell running many commands should not pay for each one: the answer is
 * kept for a second.  Audit switched on meanwhile only means that records
 * go to syslog for up to a second longer; none is lost.
 */
static bool
audit_on(int fd)
{
	static struct timespec asked;
	static bool on;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (asked.tv_sec == 0 || now.tv_sec - asked.tv_sec >= 1 ||
	    now.tv_sec < asked.tv_sec) {
		on = audit_is_enabled(fd) != 0;
		asked = now;
	}
	return on;
}

/* 0 when the kernel took the record, -1 when it did not (or audit is off). */
static int
send_audit(int type, bool success, const char *text)
{
	int fd = audit_socket();

	if (fd == -1)
		return -1;
	/* the kernel accepts and drops user records while audit is off */
	if (!audit_on(fd))
		return -1;
	if (audit_log_user_message(fd, type, text, NULL, NULL,
	    terminal[0] ? terminal : NULL, success) <= 0) {
		drop_socket();		/* a fresh one next time */
		return -1;
	}
	return 0;
}

/*
 * The terminal as libaudit finds it when it is given none: the first of
 * standard input, output and error that is a terminal, a character device
 * (and, outside /dev, not one with several links), without its /dev/.
 */
static void
find_terminal(char *buf, size_t size)
{
	struct stat st;

	for (int fd = 0; fd < 3; fd++) {
		if (ttyname_r(fd, buf, size) != 0 || buf[0] == '\0')
			continue;
		if (lstat(buf, &st) == -1 || !S_ISCHR(st.st_mode) ||
		    (st.st_nlink > 1 && strncmp(buf, "/dev/", 5) != 0))
			break;
		if (strncmp(buf, "/dev/", 5) == 0)
			memmove(buf, buf + 5, strlen(buf + 5) + 1);
		return;
	}
	snprintf(buf, size, "?");
}

/* The program's path, encoded as libaudit encodes exe=. */
static void
find_exe(char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 0 || (size_t)n * 2 + 1 > size) {
		snprintf(buf, size, "\"?\"");
		return;
	}
	path[n] = '\0';
	if (audit_value_needs_encoding(path, (unsigned)n))
		audit_encode_value(buf, path, (unsigned)n);
	else
		snprintf(buf, size, "\"%s\"", path);
}

/*
 * Where the record cannot go to the trail: the same record, one syslog line,
 * field for field as the kernel and libaudit would have written it (the
 * kernel's pid, uid, auid and ses; libaudit's exe, hostname, addr, terminal
 * and res, found the way audit_log_user_message finds them), so that one
 * parser reads both and rsyslog or the journal forward it unchanged:
 *   type=USER_LOGIN pid=42 uid=0 auid=1000 ses=3 msg='op=login ... res=success'
 * Every value in the text is quoted or hex (no blank, quote or control byte
 * of its own), so the line is one line and msg='...' cannot be closed early.
 */
static void
send_syslog(int type, bool success, const char *text)
{
	char tty[64], host[HOST_NAME_MAX + 1] = "?", name[32];
	char exe[2 * PATH_MAX + 1];
	const char *known = audit_msg_type_to_name(type);
	uint32_t ses = audit_get_session();

	/* no /proc/self/sessionid (-2): the kernel's "unset" */
	if (ses == (uint32_t)-2)
		ses = (uint32_t)-1;

	/* auditd's name for a type it does not know */
	if (known != NULL)
		snprintf(name, sizeof(name), "%s", known);
	else
		snprintf(name, sizeof(name), "UNKNOWN[%d]", type);
	pthread_mutex_lock(&lock);
	snprintf(tty, sizeof(tty), "%s", terminal);
	pthread_mutex_unlock(&lock);
	if (tty[0] == '\0')
		find_terminal(tty, sizeof(tty));
	/* libaudit names the host only for a terminal (pts/N, ttyN) */
	if (strncmp(tty, "pts", 3) == 0 || strncmp(tty, "tty", 3) == 0) {
		if (gethostname(host, sizeof(host)) == -1)
			snprintf(host, sizeof(host), "?");
		host[sizeof(host) - 1] = '\0';
		/* libaudit would write it as it is: no field may be forged */
		if (needs_hex(host, strlen(host)))
			snprintf(host, sizeof(host), "?");
	}
	find_exe(exe, sizeof(exe));
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "type=%s pid=%d uid=%u auid=%u "
	       "ses=%u msg='%s exe=%s hostname=%s addr=? terminal=%s res=%s'",
	       name, (int)getpid(), (unsigned)getuid(),
	       (unsigned)audit_getloginuid(), (unsigned)ses,
	       text, exe, host, tty, success ? "success" : "failed");
}

/* The record, to the trail or (failing that) syslog; as tp_audit(). */
static int
write_record(int type, bool success, const char *op, va_list ap)
{
	char text[TP_AUDIT_TEXT];
	int rv;

	if (tp_audit_vformat(text, sizeof(text), op, ap) == -1) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "tp_audit: record refused: "
		       "op or a key is not a plain word");
		return -1;
	}
	pthread_mutex_lock(&lock);
	rv = send_audit(type, success, text);
	pthread_mutex_unlock(&lock);
	if (rv == 0)
		return 0;
	send_syslog(type, success, text);
	return 1;
}

int
tp_audit(int type, bool success, const char *op, ...)
{
	va_list ap;
	int rv;

	va_start(ap, op);
	rv = write_record(type, success, op, ap);
	va_end(ap);
	return rv;
}

static const struct {
	int type;
	const char *op;
} events[] = {
	[TP_EV_LOGIN] = { TP_AUDIT_USER_LOGIN, "login" },
	[TP_EV_LOGOUT] = { TP_AUDIT_USER_LOGOUT, "logout" },
	[TP_EV_PORT_LOCK] = { TP_AUDIT_TRUSTED_APP, "port-lock" },
	[TP_EV_SAK] = { TP_AUDIT_TRUSTED_APP, "sak" },
	[TP_EV_TSH] = { TP_AUDIT_TRUSTED_APP, "tsh" },
	[TP_EV_TSH_CONTROL] = { TP_AUDIT_TRUSTED_APP, "tsh-control" },
	[TP_EV_CMD] = { TP_AUDIT_USER_CMD, "tsh-exec" },
	[TP_EV_CMD_REFUSED] = { TP_AUDIT_USER_CMD, "tsh-refuse" },
	[TP_EV_DB_ADD] = { TP_AUDIT_USYS_CONFIG, "tcbck-add" },
	[TP_EV_DB_DELETE] = { TP_AUDIT_USYS_CONFIG, "tcbck-delete" },
	[TP_EV_DB_FIX] = { TP_AUDIT_USYS_CONFIG, "tcbck-fix" },
	[TP_EV_DB_MISMATCH] = { TP_AUDIT_USYS_CONFIG, "tcbck-hash-mismatch" },
	[TP_EV_TCB_ON] = { TP_AUDIT_USYS_CONFIG, "chtcb-on" },
	[TP_EV_TCB_OFF] = { TP_AUDIT_USYS_CONFIG, "chtcb-off" },
};

int
tp_audit_event(enum tp_event ev, int success, ...)
{
	va_list ap;
	int rv;

	if ((size_t)ev >= sizeof(events) / sizeof(events[0]))
		return -1;
	va_start(ap, success);
	rv = write_record(events[ev].type, success, events[ev].op, ap);
	va_end(ap);
	return rv;
}

void
tp_audit_set_terminal(const char *path)
{
	const char *name = path;
	size_t n;

	if (name != NULL && strncmp(name, "/dev/", 5) == 0)
		name += 5;
	n = name != NULL ? strlen(name) : 0;
	pthread_mutex_lock(&lock);
	if (n == 0 || n >= sizeof(terminal) || needs_hex(name, n))
		snprintf(terminal, sizeof(terminal), "?");
	else
		memcpy(terminal, name, n + 1);
	pthread_mutex_unlock(&lock);
}

void
tp_audit_set_program(const char *name)
{
	pthread_mutex_lock(&lock);
	snprintf(program, sizeof(program), "%s",
		 name != NULL ? name : program_invocation_short_name);
	/* facility 0 keeps the program's own default facility */
	openlog(program, LOG_PID, 0);
	pthread_mutex_unlock(&lock);
}
