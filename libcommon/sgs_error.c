#include "sgs_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char message[1024];

int sgs_error_set(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	return -1;
}

int sgs_error_prefix(const char *fmt, ...)
{
	char prefix[512], old[sizeof message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, message, sizeof old);
	/* Truncation is fine for a message; assemble by hand so the compiler
	 * need not prove the lengths. */
	size_t n = strlen(prefix), m = strlen(old);
	if (n > sizeof message - 3)
		n = sizeof message - 3;
	memcpy(message, prefix, n);
	memcpy(message + n, ": ", 2);
	if (m > sizeof message - n - 3)
		m = sizeof message - n - 3;
	memcpy(message + n + 2, old, m);
	message[n + 2 + m] = '\0';
	return -1;
}

const char *sgs_error_get(void) { return message; }
void sgs_error_clear(void) { message[0] = '\0'; }
