#include "sgs_output.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgs_error.h"

int sgs_output_open(struct sgs_output *o, const char *path)
{
	memset(o, 0, sizeof *o);
	if (path == NULL || strcmp(path, "-") == 0) {
		o->f = stdout;
		return 0;
	}
	/* A device or a FIFO (/dev/null, a named pipe) is written in place:
	 * renaming a temporary file over it would replace it. */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		if (!(o->f = fopen(path, "wb")))
			return sgs_error_set("%s: cannot open: %s", path, strerror(errno));
		if (!(o->path = strdup(path))) {
			fclose(o->f);
			o->f = NULL;
			return sgs_error_set("out of memory");
		}
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
	if (rc == 0 && o->tmppath && rename(o->tmppath, o->path) != 0)
		rc = sgs_error_set("%s: cannot rename into place: %s", o->path, strerror(errno));
	if (rc != 0 && o->tmppath)
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
		if (o->tmppath)
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

int sgs_stem_check(const char *stem)
{
	if (stem[0] == '\0')
		return sgs_error_set("empty view name cannot name a file");
	if (!strcmp(stem, ".") || !strcmp(stem, ".."))
		return sgs_error_set("view name '%s' cannot name a file", stem);
	for (const char *p = stem; *p; p++) {
		/* A '/' would leave the folder; control bytes make unreadable names. */
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return sgs_error_set("view name '%s' cannot name a file inside a folder", stem);
	}
	return 0;
}

char *sgs_stem_path(const char *dir, const char *stem, const char *suffix)
{
	if (sgs_stem_check(stem) != 0)
		return NULL;
	size_t n = strlen(dir) + strlen(stem) + strlen(suffix) + 2;
	char *p = malloc(n);
	if (!p) {
		sgs_error_set("out of memory");
		return NULL;
	}
	snprintf(p, n, "%s/%s%s", dir, stem, suffix);
	return p;
}
