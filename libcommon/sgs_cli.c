#include "sgs_cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int sgs_output_open(struct sgs_output *o, const char *path)
{
	memset(o, 0, sizeof *o);
	if (path == NULL || strcmp(path, "-") == 0) {
		o->f = stdout;
		return 0;
	}
	size_t n = strlen(path) + 16;
	o->path = strdup(path);
	o->tmppath = malloc(n);
	if (!o->path || !o->tmppath) {
		free(o->path);
		free(o->tmppath);
		return sgs_error_set("out of memory");
	}
	snprintf(o->tmppath, n, "%s.tmpXXXXXX", path);
	int fd = mkstemp(o->tmppath);
	if (fd < 0 || !(o->f = fdopen(fd, "wb"))) {
		int e = errno;
		if (fd >= 0) {
			close(fd);
			unlink(o->tmppath);
		}
		sgs_error_set("%s: cannot create: %s", path, strerror(e));
		free(o->path);
		free(o->tmppath);
		o->path = o->tmppath = NULL;
		return -1;
	}
	/* mkstemp makes 0600; give the file the usual umask-governed mode. */
	mode_t um = umask(0);
	umask(um);
	fchmod(fd, 0666 & ~um);
	return 0;
}

int sgs_output_commit(struct sgs_output *o)
{
	int rc = 0;
	if (!o->f)
		return 0;
	if (o->path == NULL) {
		if (fflush(stdout) != 0 || ferror(stdout))
			rc = sgs_error_set("<stdout>: write error: %s", strerror(errno));
		o->f = NULL;
		return rc;
	}
	if (fflush(o->f) != 0 || ferror(o->f))
		rc = sgs_error_set("%s: write error: %s", o->path, strerror(errno));
	if (fclose(o->f) != 0 && rc == 0)
		rc = sgs_error_set("%s: write error: %s", o->path, strerror(errno));
	o->f = NULL;
	if (rc == 0 && rename(o->tmppath, o->path) != 0)
		rc = sgs_error_set("%s: cannot rename into place: %s", o->path, strerror(errno));
	if (rc != 0)
		unlink(o->tmppath);
	free(o->path);
	free(o->tmppath);
	o->path = o->tmppath = NULL;
	return rc;
}

void sgs_output_abort(struct sgs_output *o)
{
	if (o->f && o->path) {
		fclose(o->f);
		unlink(o->tmppath);
	}
	o->f = NULL;
	free(o->path);
	free(o->tmppath);
	o->path = o->tmppath = NULL;
}

int sgs_mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof buf)
		return sgs_error_set("%s: bad directory name", path);
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] == '/' || buf[i] == '\0') {
			char c = buf[i];
			buf[i] = '\0';
			if (mkdir(buf, 0777) != 0 && errno != EEXIST)
				return sgs_error_set("%s: cannot create directory: %s", buf, strerror(errno));
			buf[i] = c;
		}
	}
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return sgs_error_set("%s: not a directory", path);
	return 0;
}
