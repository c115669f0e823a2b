/*
 * permit.c - whether an authenticated user may log in now (permit.h).
 * Every failure looks the same to the person typing; the reason is for
 * the audit record only.
 */
#include <stddef.h>

#include "permit.h"

const char *
login_refusal(const struct login_facts *f)
{
	if (f->locked)
		return "port-locked";
	if (!f->in_time)
		return "logintimes";
	if (!f->policy)
		return "user-policy";
	if (!f->tty_allowed)
		return "ttys";
	return NULL;
}
