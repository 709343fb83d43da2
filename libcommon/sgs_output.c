#include "sgs_output.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgs_error.h"

/* Temporary files are named "<target>.tmp-<pid>@<host>-XXXXXX", next to
 * their target.  A run killed with SIGKILL cannot remove its own, so the
 * next output to the same target removes those whose process is gone:
 * made on this host by a pid that no longer runs.  (A pid reused since
 * keeps its file until that process ends; another host's are left to it.) */
#define TMP_TAG ".tmp-"
#define TMP_RANDOM 6 /* mkstemp's XXXXXX */

/* This host's name as it appears in temporary names ('/' and '@' would
 * confuse the path and the parsing). */
static void host_name(char *buf, size_t n)
{
	if (gethostname(buf, n) != 0)
		snprintf(buf, n, "localhost");
	buf[n - 1] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '/' || *p == '@' || (unsigned char)*p < 0x20)
			*p = '_';
}

/* ".tmp-<pid>@<host>-" for this process. */
static void tmp_prefix(char *buf, size_t n)
{
	char host[65];
	host_name(host, sizeof host);
	snprintf(buf, n, TMP_TAG "%ld@%s-", (long)getpid(), host);
}

/* Whether `tail`, what follows "<target>" in a directory entry, names a
 * temporary file left by a process of this host that has ended. */
static int is_stale(const char *tail, const char *host)
{
	if (strncmp(tail, TMP_TAG, strlen(TMP_TAG)) != 0)
		return 0;
	char *end;
	errno = 0;
	long pid = strtol(tail + strlen(TMP_TAG), &end, 10);
	if (errno || pid <= 0 || *end != '@' || pid == (long)getpid())
		return 0;
	const char *h = end + 1;
	size_t hl = strlen(host), len = strlen(h);
	if (len != hl + 1 + TMP_RANDOM || strncmp(h, host, hl) != 0 || h[hl] != '-')
		return 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

void sgs_remove_tree(const char *path)
{
	/* FTW_PHYS: a link inside is removed, not followed out of the tree. */
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Remove the temporary files of dead processes for the target `path`,
 * and the temporary folders (sgs_output_mkdtemp) with what they hold.
 * Best effort: a folder that cannot be read is simply not cleaned. */
static void remove_stale(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char dir[PATH_MAX], host[65];
	size_t dl = slash ? (size_t)(slash - path) : 0, bl = strlen(base);
	if (dl >= sizeof dir || bl == 0)
		return;
	memcpy(dir, path, dl);
	dir[dl] = '\0';
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (dl == 0)
		snprintf(dir, sizeof dir, "/");
	host_name(host, sizeof host);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, base, bl) == 0 && is_stale(e->d_name + bl, host) &&
		    unlinkat(dirfd(d), e->d_name, 0) != 0 && errno == EISDIR) {
			char tree[PATH_MAX];
			if (snprintf(tree, sizeof tree, "%s/%s", dir, e->d_name) < (int)sizeof tree)
				sgs_remove_tree(tree);
		}
	closedir(d);
}

int sgs_output_open(struct sgs_output *o, const char *path)
{
	memset(o, 0, sizeof *o);
	if (path == NULL || strcmp(path, "-") == 0) {
		o->f = stdout;
		return 0;
	}
	/* An empty name would fail only at the rename, after the work. */
	if (path[0] == '\0')
		return sgs_error_set("an empty name cannot name an output file");
	/* A device or a FIFO (/dev/null, a named pipe) is written in place:
	 * renaming a temporary file over it would replace it. */
	struct stat st;
	/* A folder cannot be renamed over: said now, before the work. */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return sgs_error_set("%s: is a folder", path);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (!(o->f = fopen(path, "wb")))
			return sgs_error_set("%s: cannot open: %s", path, strerror(errno));
		if (!(o->path = strdup(path))) {
			fclose(o->f);
			o->f = NULL;
			return sgs_error_set("out of memory");
		}
		return 0;
	}
	char prefix[160];
	tmp_prefix(prefix, sizeof prefix);
	size_t n = strlen(path) + strlen(prefix) + 8;
	o->path = strdup(path);
	o->tmppath = malloc(n);
	if (!o->path || !o->tmppath) {
		free(o->path);
		free(o->tmppath);
		return sgs_error_set("out of memory");
	}
	remove_stale(path);
	snprintf(o->tmppath, n, "%s%sXXXXXX", path, prefix);
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

int sgs_output_mkdtemp(const char *path, char *tmp, size_t n)
{
	char prefix[160];
	tmp_prefix(prefix, sizeof prefix);
	if (strlen(path) + strlen(prefix) + TMP_RANDOM >= n)
		return sgs_error_set("%s: path too long", path);
	remove_stale(path);
	snprintf(tmp, n, "%s%sXXXXXX", path, prefix);
	if (!mkdtemp(tmp))
		return sgs_error_set("%s: cannot create a folder beside it: %s", path, strerror(errno));
	/* mkdtemp makes 0700; give the folder the usual umask-governed mode. */
	mode_t um = umask(0);
	umask(um);
	if (chmod(tmp, 0777 & ~um) != 0) {
		int e = errno;
		rmdir(tmp);
		return sgs_error_set("%s: %s", tmp, strerror(e));
	}
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

int sgs_output_save(const char *path, int (*write)(FILE *f, const void *arg), const void *arg)
{
	struct sgs_output o;
	if (sgs_output_open(&o, path) < 0)
		return -1;
	if (write(o.f, arg) < 0) {
		sgs_error_prefix("%s", !path || strcmp(path, "-") == 0 ? "<stdout>" : path);
		sgs_output_abort(&o);
		return -1;
	}
	return sgs_output_commit(&o);
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
