/* Minimal TAP producer for the C unit tests; tests/run.sh counts the
 * "ok", "not ok" and "# SKIP" lines of every program and Bats suite. */
#ifndef SGS_TAP_H
#define SGS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int tap_count, tap_failed;

static void tap_vresult(int ok, const char *file, int line, const char *fmt, va_list ap)
{
	printf("%s %d - ", ok ? "ok" : "not ok", ++tap_count);
	vprintf(fmt, ap);
	putchar('\n');
	if (!ok) {
		printf("#   failed at %s:%d\n", file, line);
		tap_failed++;
	}
	fflush(stdout);
}

__attribute__((unused)) static int tap_result(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tap_vresult(ok, file, line, fmt, ap);
	va_end(ap);
	return ok;
}

/* ok(cond, "description %d", args...) */
#define ok(cond, ...) tap_result((cond) != 0, __FILE__, __LINE__, __VA_ARGS__)

__attribute__((unused)) static void skip(const char *why, const char *fmt, ...)
{
	va_list ap;
	printf("ok %d - ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
	fflush(stdout);
}

/* Print a diagnostic line (TAP comment). */
__attribute__((unused)) static void diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

/* Where the real captures live: $SGS_DATA, else ../shared/data relative to
 * the project root (tests run from there).  NULL when absent, and under
 * SGS_TEST_QUICK (make check-asan), where training on them would take the
 * sanitized build most of an hour. */
__attribute__((unused)) static const char *test_data_dir(void)
{
	const char *d = getenv("SGS_DATA"), *quick = getenv("SGS_TEST_QUICK");
	struct stat st;
	if (quick && *quick && strcmp(quick, "0") != 0)
		return NULL;
	if (!d)
		d = "../shared/data";
	return stat(d, &st) == 0 && S_ISDIR(st.st_mode) ? d : NULL;
}

#endif
