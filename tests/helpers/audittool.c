/*
 * audittool - write one audit event from end-to-end tests (not installed).
 *
 *   audittool OP KEY VALUE [KEY VALUE...]
 *
 * Calls tp_audit(TP_AUDIT_TRUSTED_APP, true, OP, KEY, VALUE, ..., NULL) and
 * prints what it returned: 0 (audit trail), 1 (syslog) or -1 (neither).
 */
#include <err.h>
#include <stdio.h>

#include "audit.h"

#define MAXPAIRS	8

int
main(int argc, char *argv[])
{
	/* unused slots stay NULL: the first NULL key ends the list */
	const char *kv[2 * MAXPAIRS + 1] = { NULL };
	int rv;

	if (argc < 4 || argc % 2 != 0 || argc - 2 > 2 * MAXPAIRS)
		errx(2, "usage: audittool OP KEY VALUE [KEY VALUE...] "
		     "(at most %d pairs)", MAXPAIRS);
	for (int i = 2; i < argc; i++)
		kv[i - 2] = argv[i];
	tp_audit_set_program("audittool");
	rv = tp_audit(TP_AUDIT_TRUSTED_APP, true, argv[1],
		      kv[0], kv[1], kv[2], kv[3], kv[4], kv[5], kv[6], kv[7],
		      kv[8], kv[9], kv[10], kv[11], kv[12], kv[13], kv[14],
		      kv[15], kv[16], (const char *)NULL);
	printf("%d\n", rv);
	return rv == -1;
}
