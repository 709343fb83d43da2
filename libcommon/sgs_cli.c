#include "sgs_cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *progname = "sgs";

void sgs_cli_init(const char *name)
{
	const char *slash = strrchr(name, '/');
	progname = slash ? slash + 1 : name;
}

const char *sgs_cli_name(void) { return progname; }

void sgs_warnx(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void sgs_warn_lib(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", sgs_error_get());
}

int sgs_parse_long(const char *s, long lo, long hi, const char *opt, long *out)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE) {
		sgs_warnx("%s: '%s' is not an integer", opt, s);
		return -1;
	}
	if (v < lo || v > hi) {
		sgs_warnx("%s: %ld is out of range [%ld, %ld]", opt, v, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int sgs_parse_double(const char *s, double lo, double hi, const char *opt, double *out)
{
	char *end;
	double v;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) {
		sgs_warnx("%s: '%s' is not a finite number", opt, s);
		return -1;
	}
	if (v < lo || v > hi) {
		sgs_warnx("%s: %g is out of range [%g, %g]", opt, v, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int sgs_parse_doubles(const char *s, int n, const char *opt, double *out)
{
	const char *p = s;
	for (int i = 0; i < n; i++) {
		char *end;
		errno = 0;
		out[i] = strtod(p, &end);
		if (end == p || errno == ERANGE || !isfinite(out[i]) ||
		    (i < n - 1 ? *end != ',' : *end != '\0')) {
			sgs_warnx("%s: '%s' is not a list of %d numbers", opt, s, n);
			return -1;
		}
		p = end + 1;
	}
	return 0;
}

int sgs_parse_longs(const char *s, long lo, long hi, int max, const char *opt, long *out, int *n)
{
	const char *p = s;
	*n = 0;
	for (;;) {
		char *end;
		long v;
		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno == ERANGE || (*end != ',' && *end != '\0')) {
			sgs_warnx("%s: '%s' is not a comma-separated list of integers", opt, s);
			return -1;
		}
		if (v < lo || v > hi) {
			sgs_warnx("%s: %ld is out of range [%ld, %ld]", opt, v, lo, hi);
			return -1;
		}
		if (*n == max) {
			sgs_warnx("%s: more than %d values", opt, max);
			return -1;
		}
		out[(*n)++] = v;
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}

