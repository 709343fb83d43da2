#include "sgs_cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgs_scene.h"

static const char *progname = "sgs";

void sgs_cli_init(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	progname = slash ? slash + 1 : argv0;
	opterr = 0; /* getopt would print argv[0] and glibc's wording */
}

void sgs_cli_passive_threads(char **argv)
{
	if (getenv("OMP_WAIT_POLICY") || setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0)
		return;
	fflush(NULL);
	execv("/proc/self/exe", argv);
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

int sgs_cli_fail(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", progname);
	if (fmt) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputs(": ", stderr);
	}
	fprintf(stderr, "%s\n", sgs_error_get());
	return SGS_EXIT_FAIL;
}

/* More than one long option starts with the n bytes of name. */
static int ambiguous(const struct option *longopts, const char *name, size_t n)
{
	int matches = 0;
	for (const struct option *lo = longopts; lo && lo->name; lo++)
		matches += strncmp(lo->name, name, n) == 0;
	return matches > 1;
}

static void bad_option(int ch, char *const argv[], const char *optstring,
		       const struct option *longopts)
{
	/* glibc leaves optopt 0 for an unknown or ambiguous long option and
	 * the option's value for one missing its argument or given one it
	 * does not take; either way optind has moved past the word.  A letter
	 * is refused only as unknown, or missing its argument at the end of
	 * the word, which is then argv[optind - 1] too. */
	const char *word = argv[optind - 1];
	int islong = ch == ':' ? strncmp(word, "--", 2) == 0
			       : optopt == 0 || optopt >= 256 ||
					 (optopt != ':' && strchr(optstring, optopt) != NULL);
	if (!islong) {
		if (ch == ':')
			sgs_warnx("option requires an argument -- %c", optopt);
		else
			sgs_warnx("unknown option -- %c", optopt);
		return;
	}
	const char *name = word + 2;
	int n = (int)strcspn(name, "=");
	if (ch == ':')
		sgs_warnx("option requires an argument -- %.*s", n, name);
	else if (optopt != 0)
		sgs_warnx("option doesn't take an argument -- %.*s", n, name);
	else if (ambiguous(longopts, name, (size_t)n))
		sgs_warnx("ambiguous option -- %.*s", n, name);
	else
		sgs_warnx("unknown option -- %.*s", n, name);
}

int sgs_cli_getopt(int argc, char *const argv[], const char *optstring,
		   const struct option *longopts)
{
	/* The leading ':' tells a missing argument from an unknown option.
	 * The tools' option strings are a few dozen bytes. */
	char spec[128] = ":";
	strncat(spec, optstring, sizeof spec - 2);
	int ch = getopt_long(argc, argv, spec, longopts, NULL);
	if (ch != '?' && ch != ':')
		return ch;
	bad_option(ch, argv, optstring, longopts);
	return '?';
}

int sgs_cli_operands(int argc, char *const argv[], int min, int max)
{
	int n = argc - optind;
	if (n < min) {
		sgs_warnx("missing operand");
		return -1;
	}
	if (n > max) {
		sgs_warnx("extra operand '%s'", argv[optind + max]);
		return -1;
	}
	return 0;
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


/* path with its folder made absolute and canonical (links resolved), in
 * buf; the path itself when its folder cannot be resolved. */
static const char *canonical(const char *path, char *buf, size_t n)
{
	char dir[PATH_MAX], real[PATH_MAX], whole[PATH_MAX];
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/') /* "out/" is "out" */
		len--;
	if (len >= sizeof whole)
		return path;
	memcpy(whole, path, len);
	whole[len] = '\0';
	const char *slash = strrchr(whole, '/'), *base = slash ? slash + 1 : whole;
	size_t dl = slash ? (size_t)(slash - whole) : 0;
	memcpy(dir, whole, dl);
	dir[dl] = '\0';
	if (!realpath(!slash ? "." : dl ? dir : "/", real) ||
	    snprintf(buf, n, "%s/%s", real, base) >= (int)n)
		return path;
	return buf;
}

int sgs_cli_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	char ca[2 * PATH_MAX], cb[2 * PATH_MAX];
	if (!a || !b || !strcmp(a, "-") || !strcmp(b, "-"))
		return 0;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	return strcmp(canonical(a, ca, sizeof ca), canonical(b, cb, sizeof cb)) == 0;
}

const char *sgs_human_bytes(uint64_t bytes, char *buf, size_t n)
{
	static const char *unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024 && u < 6)
		v /= 1024, u++;
	snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return buf;
}

int sgs_cli_check_dir(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		sgs_warnx("%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		sgs_warnx("%s: not a directory", path);
		return -1;
	}
	return 0;
}

int sgs_cli_check_scene(const char *name, struct sgs_scene *scene)
{
	if (sgs_scene_validate(scene) == 0)
		return 0;
	sgs_scene_free(scene);
	return sgs_cli_fail("%s", name);
}

int sgs_cli_load_scene(const char *path, struct sgs_scene *scene)
{
	if (sgs_scene_load(path, scene) != 0)
		return sgs_cli_fail(NULL);
	return sgs_cli_check_scene(strcmp(path, "-") == 0 ? "<stdin>" : path, scene);
}

int sgs_cli_load_train_scene(const char *path, struct sgs_scene *scene)
{
	int rc = sgs_cli_load_scene(path, scene);
	if (rc == 0 && sgs_scene_count(scene, SGS_SPLIT_TRAIN) == 0) {
		sgs_warnx("%s: the scene has no train views", strcmp(path, "-") == 0 ? "<stdin>" : path);
		sgs_scene_free(scene);
		rc = SGS_EXIT_FAIL;
	}
	return rc;
}
