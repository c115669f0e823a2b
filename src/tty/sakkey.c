/*
 * sakkey.c - recognising the secure attention key in what is typed.
 */
#include "sakkey.h"

ssize_t
tp_sak_find(struct tp_sak *s, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s->first_seen && buf[i] == TP_SAK_SECOND) {
			s->first_seen = false;
			return (ssize_t)i;
		}
		s->first_seen = buf[i] == TP_SAK_FIRST;
	}
	return -1;
}
