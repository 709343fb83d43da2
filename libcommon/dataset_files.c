/* Helpers shared by the importers (dataset_files.h). */
#include "dataset_files.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "sgs_error.h"
#include "sgs_image.h"

int sgs_path_join(char *buf, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a);
	int slash = la > 0 && a[la - 1] == '/';
	int n = snprintf(buf, size, "%s%s%s", a, slash ? "" : "/", b);
	if (n < 0 || (size_t)n >= size)
		return sgs_error_set("%s/%s: path too long", a, b);
	return 0;
}

int sgs_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int sgs_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_image_name(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name)
		return 0;
	return strcasecmp(dot, ".png") == 0 || strcasecmp(dot, ".jpg") == 0 ||
	       strcasecmp(dot, ".jpeg") == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sgs_list_images(const char *dir, char ***names, uint32_t *n)
{
	*names = NULL;
	*n = 0;
	DIR *dp = opendir(dir);
	if (!dp)
		return sgs_error_set("%s: %s", dir, strerror(errno));
	/* Two passes over one snapshot: collect names, then pack them into one
	 * block (pointer array followed by the strings) so one free() suffices. */
	size_t cap = 64, count = 0, bytes = 0;
	char **tmp = malloc(cap * sizeof *tmp);
	struct dirent *e;
	int fail = !tmp;
	while (!fail && (e = readdir(dp)) != NULL) {
		if (!is_image_name(e->d_name))
			continue;
		if (count == cap) {
			char **nt = realloc(tmp, 2 * cap * sizeof *tmp);
			if (!nt) {
				fail = 1;
				break;
			}
			tmp = nt;
			cap *= 2;
		}
		if (!(tmp[count] = strdup(e->d_name))) {
			fail = 1;
			break;
		}
		bytes += strlen(tmp[count]) + 1;
		count++;
	}
	closedir(dp);
	char **out = fail ? NULL : malloc(count * sizeof *out + bytes + 1);
	if (out) {
		qsort(tmp, count, sizeof *tmp, by_name);
		char *p = (char *)(out + count);
		for (size_t i = 0; i < count; i++) {
			size_t len = strlen(tmp[i]) + 1;
			memcpy(p, tmp[i], len);
			out[i] = p;
			p += len;
		}
	}
	for (size_t i = 0; tmp && i < count; i++)
		free(tmp[i]);
	free(tmp);
	if (!out)
		return sgs_error_set("%s: out of memory listing images", dir);
	if (count > UINT32_MAX) {
		free(out);
		return sgs_error_set("%s: too many images", dir);
	}
	*names = out;
	*n = (uint32_t)count;
	return 0;
}

void sgs_file_stem(const char *name, char *stem, size_t size)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	const char *dot = strrchr(base, '.');
	size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (len >= size)
		len = size - 1;
	memcpy(stem, base, len);
	stem[len] = '\0';
}

int sgs_image_size(const char *path, uint32_t *w, uint32_t *h)
{
	struct sgs_image img;
	if (sgs_image_read(path, &img) != 0)
		return -1;
	*w = img.w;
	*h = img.h;
	sgs_image_free(&img);
	return 0;
}

int sgs_view_name(const char *rel, char *name, size_t size, int *has_ext)
{
	const char *slash = strrchr(rel, '/'), *dot = strrchr(rel, '.');
	int ext = dot && (slash ? dot > slash + 1 : dot != rel); /* ".hidden" has none */
	size_t n = ext ? (size_t)(dot - rel) : strlen(rel);
	*has_ext = ext;
	if (n >= size)
		return -1;
	for (size_t i = 0; i < n; i++)
		name[i] = rel[i] == '/' ? '_' : rel[i];
	name[n] = '\0';
	return 0;
}
