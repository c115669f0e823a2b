/*
 * audit.h - security events: one record per event, through libaudit, or,
 * where the kernel has no audit, audit is off or the kernel refuses it, the
 * same record as one syslog LOG_AUTHPRIV line (its fields, names, encoding).
 *
 * Callers pass key/value pairs; values are encoded for the audit trail, so
 * a file name with blanks or control characters cannot forge fields.  Never
 * pass a password or an unknown user name (it may be a mistyped password).
 */
#ifndef TPATH_AUDIT_H
#define TPATH_AUDIT_H

#include <stdbool.h>

/* The libaudit record types tpath writes (values from libaudit.h). */
#define TP_AUDIT_TRUSTED_APP	1121	/* AUDIT_TRUSTED_APP */
#define TP_AUDIT_USYS_CONFIG	1111	/* AUDIT_USYS_CONFIG */
#define TP_AUDIT_USER_CMD	1123	/* AUDIT_USER_CMD */
#define TP_AUDIT_USER_LOGIN	1112	/* AUDIT_USER_LOGIN */
#define TP_AUDIT_USER_LOGOUT	1113	/* AUDIT_USER_LOGOUT */

/*
 * Every event tpath records (DESIGN.md: every login, logout, failed login,
 * key, trusted command, refused command, port lock and database change),
 * each with its record type and op word, in one table (audit.c).  The
 * database's changes are USYS_CONFIG, not TRUSTED_APP: the audit tools
 * leave every field of a TRUSTED_APP record uninterpreted (its fields are
 * an application's own), so auditd's enriched log gives no name for its
 * uid and auid, and a collector elsewhere sees only the node's numbers.
 */
enum tp_event {
	TP_EV_LOGIN,		/* USER_LOGIN op=login: a login, or a failure */
	TP_EV_LOGOUT,		/* USER_LOGOUT op=logout */
	TP_EV_PORT_LOCK,	/* TRUSTED_APP op=port-lock: failures locked it */
	TP_EV_SAK,		/* TRUSTED_APP op=sak: the secure attention key */
	TP_EV_TSH,		/* TRUSTED_APP op=tsh: the trusted shell cannot
				   start (not verified, not protected) */
	TP_EV_TSH_CONTROL,	/* TRUSTED_APP op=tsh-control: tgetty refused
				   a message on tsh's control socket */
	TP_EV_CMD,		/* USER_CMD op=tsh-exec: tsh ran a program */
	TP_EV_CMD_REFUSED,	/* USER_CMD op=tsh-refuse: tsh refused one */
	TP_EV_DB_ADD,		/* USYS_CONFIG op=tcbck-add: an entry recorded */
	TP_EV_DB_DELETE,	/* USYS_CONFIG op=tcbck-delete */
	TP_EV_DB_FIX,		/* USYS_CONFIG op=tcbck-fix: a file mended */
	TP_EV_DB_MISMATCH,	/* USYS_CONFIG op=tcbck-hash-mismatch */
	TP_EV_TCB_ON,		/* USYS_CONFIG op=chtcb-on: marked trusted */
	TP_EV_TCB_OFF,		/* USYS_CONFIG op=chtcb-off */
};

/* Write one event of the table: as tp_audit() with its type and op.
 * success is an int: va_start after a bool (promoted) is undefined. */
int tp_audit_event(enum tp_event ev, int success, ...)
	__attribute__((sentinel));

/*
 * Write one event: type, whether the operation succeeded, op (a short
 * fixed word such as "tcbck-fix"), then NULL-terminated key, value pairs:
 *     tp_audit(TP_AUDIT_TRUSTED_APP, true, "tcbck-fix",
 *              "path", path, "fix", "owner", NULL);
 * Returns 0 when written to the audit trail, 1 when it went to syslog
 * instead (syslog itself reports nothing back), -1 when the record was
 * refused (op or a key not a plain word; a syslog line says so).
 */
int tp_audit(int type, bool success, const char *op, ...)
	__attribute__((sentinel));

/*
 * The terminal every record from now on names (terminal=, the field the
 * audit tools search with --terminal and report with aureport -l): a path,
 * written without its /dev/ as login(1) writes it (tty1, pts/3).  Without
 * it, libaudit names standard input's terminal, or '?'.  A name that would
 * need encoding is written as '?' (libaudit writes this field unencoded).
 */
void tp_audit_set_terminal(const char *path);

/* Program name for the records ("tcbck"); default: program_invocation_short_name. */
void tp_audit_set_program(const char *name);

#endif
