/*
 * fuzz_control.c - libFuzzer target for tgetty's parser of the trusted
 * shell's audit messages (control.h): the input is one packet.  For every
 * input that parses:
 *  1. the event is one of tsh's two, a refusal never a success;
 *  2. every key is one of tsh's (the parser's own strings, not the
 *     packet's), at most once, every value NUL-free and at most
 *     TP_CONTROL_VALUE bytes, and the pointers lie inside the packet;
 *  3. encoded again, it is the very packet: one text per event, nothing in
 *     the packet that the record would not say.
 */
#include <stdint.h>
#include <string.h>

#define FUZZ_TARGET "fuzz_control"
#include "fuzz.h"
#include "control.h"

static ssize_t
encode(char *buf, size_t size, enum tp_event ev, int ok, ...)
{
	va_list ap;
	ssize_t n;

	va_start(ap, ok);
	n = tp_control_audit_encode(buf, size, ev, ok, ap);
	va_end(ap);
	return n;
}

/* The parsed event, as tsh would send it (a NULL key ends the pairs). */
static ssize_t
again(char *buf, size_t size, const struct tp_control_audit *a)
{
	return encode(buf, size, a->ev, a->success, a->key[0], a->value[0],
		      a->key[1], a->value[1], a->key[2], a->value[2], NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "cmd", "reason", "what" };
	const char *p = (const char *)data;
	struct tp_control_audit a;
	char buf[TP_CONTROL_MAX];
	ssize_t n;

	if (tp_control_audit_parse(p, size, &a) == -1)
		return 0;
	if (a.ev != TP_EV_CMD && a.ev != TP_EV_CMD_REFUSED)
		fail("event %d", (int)a.ev);
	if (a.ev == TP_EV_CMD_REFUSED && a.success)
		fail("a refusal that succeeded");
	for (int i = 0; i < TP_CONTROL_FIELDS && a.key[i]; i++) {
		bool ours = false;

		for (int k = 0; k < 3; k++)
			ours |= strcmp(a.key[i], keys[k]) == 0;
		if (!ours || (a.key[i] >= p && a.key[i] < p + size))
			fail("key %d is not the parser's own", i);
		for (int j = 0; j < i; j++)
			if (strcmp(a.key[i], a.key[j]) == 0)
				fail("key %s twice", a.key[i]);
		if (a.value[i] < p || a.value[i] >= p + size ||
		    memchr(a.value[i], '\0', (size_t)(p + size - a.value[i]))
		    == NULL ||
		    strlen(a.value[i]) > TP_CONTROL_VALUE)
			fail("value %d outside the packet or too long", i);
	}
	n = again(buf, sizeof(buf), &a);
	if (n != (ssize_t)size || memcmp(buf, p, size) != 0)
		fail("encoded again: %zd bytes, not the packet's %zu", n, size);
	return 0;
}
