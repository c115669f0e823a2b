/*
 * audit.h - security events: one record per event, through libaudit, or a
 * syslog LOG_AUTHPRIV message where the kernel has no audit (or it is off).
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
#define TP_AUDIT_USER_CMD	1123	/* AUDIT_USER_CMD */
#define TP_AUDIT_USER_LOGIN	1112	/* AUDIT_USER_LOGIN */
#define TP_AUDIT_USER_LOGOUT	1113	/* AUDIT_USER_LOGOUT */

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

/* Program name for the records ("tcbck"); default: program_invocation_short_name. */
void tp_audit_set_program(const char *name);

#endif
