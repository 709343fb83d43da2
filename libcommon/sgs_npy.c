/* Reader for NumPy's .npy format (a magic string, a Python-literal header
 * dict, then raw elements) and for .npy members of .npz zip archives. */
#include "sgs_npy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "sgs_error.h"

/* Refuse arrays far larger than any camera file, so sizes never overflow. */
#define NPY_MAX_ELEMENTS ((uint64_t)1 << 36)

struct dtype {
	char kind;   /* 'f', 'i' or 'u' */
	int size;    /* bytes per element */
	int big;     /* big-endian elements */
};

struct header {
	char descr[32];
	int fortran;
	int ndim;
	uint64_t shape[SGS_NPY_MAXDIM];
};

/* ---- The header: a Python dict literal such as
 *      {'descr': '<f8', 'fortran_order': False, 'shape': (20, 17), } */

struct cursor {
	const char *p, *end;
};

static void skip_space(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int accept(struct cursor *c, char ch)
{
	skip_space(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 1;
	}
	return 0;
}

/* A quoted string ('...' or "..."), copied into buf (truncated to size). */
static int parse_string(struct cursor *c, char *buf, size_t size)
{
	skip_space(c);
	if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
		return -1;
	char q = *c->p++;
	size_t n = 0;
	while (c->p < c->end && *c->p != q) {
		if (n + 1 < size)
			buf[n++] = *c->p;
		c->p++;
	}
	if (c->p >= c->end)
		return -1;
	c->p++;
	buf[n] = '\0';
	return 0;
}

static int parse_word(struct cursor *c, char *buf, size_t size)
{
	size_t n = 0;
	skip_space(c);
	while (c->p < c->end && ((*c->p >= 'A' && *c->p <= 'Z') || (*c->p >= 'a' && *c->p <= 'z'))) {
		if (n + 1 < size)
			buf[n++] = *c->p;
		c->p++;
	}
	buf[n] = '\0';
	return n ? 0 : -1;
}

/* (a, b, ...) with an optional trailing comma; () is a scalar. */
static int parse_shape(struct cursor *c, const char *name, struct header *h)
{
	if (!accept(c, '('))
		return sgs_error_set("%s: header 'shape' is not a tuple", name);
	h->ndim = 0;
	while (!accept(c, ')')) {
		skip_space(c);
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return sgs_error_set("%s: bad 'shape' in header", name);
		uint64_t v = 0;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
			v = v * 10 + (uint64_t)(*c->p - '0');
			if (v > NPY_MAX_ELEMENTS)
				return sgs_error_set("%s: array too large", name);
			c->p++;
		}
		/* numpy writes "(5L,)" in files made by Python 2. */
		if (c->p < c->end && (*c->p == 'L' || *c->p == 'l'))
			c->p++;
		if (h->ndim == SGS_NPY_MAXDIM)
			return sgs_error_set("%s: more than %d dimensions", name, SGS_NPY_MAXDIM);
		h->shape[h->ndim++] = v;
		if (!accept(c, ',')) {
			if (!accept(c, ')'))
				return sgs_error_set("%s: bad 'shape' in header", name);
			break;
		}
	}
	return 0;
}

static int parse_header(const char *text, size_t len, const char *name, struct header *h)
{
	struct cursor c = {text, text + len};
	int seen_descr = 0, seen_order = 0, seen_shape = 0;
	char key[32], word[16];

	memset(h, 0, sizeof *h);
	if (!accept(&c, '{'))
		return sgs_error_set("%s: header is not a dict", name);
	while (!accept(&c, '}')) {
		if (parse_string(&c, key, sizeof key) != 0 || !accept(&c, ':'))
			return sgs_error_set("%s: malformed header", name);
		if (strcmp(key, "descr") == 0) {
			if (parse_string(&c, h->descr, sizeof h->descr) != 0)
				return sgs_error_set("%s: header 'descr' is not a simple type string "
						     "(structured arrays are not supported)", name);
			seen_descr = 1;
		} else if (strcmp(key, "fortran_order") == 0) {
			if (parse_word(&c, word, sizeof word) != 0 ||
			    (strcmp(word, "True") != 0 && strcmp(word, "False") != 0))
				return sgs_error_set("%s: header 'fortran_order' is not True/False", name);
			h->fortran = strcmp(word, "True") == 0;
			seen_order = 1;
		} else if (strcmp(key, "shape") == 0) {
			if (parse_shape(&c, name, h) != 0)
				return -1;
			seen_shape = 1;
		} else {
			return sgs_error_set("%s: unexpected header key '%s'", name, key);
		}
		if (!accept(&c, ',')) {
			if (!accept(&c, '}'))
				return sgs_error_set("%s: malformed header", name);
			break;
		}
	}
	if (!seen_descr || !seen_order || !seen_shape)
		return sgs_error_set("%s: header lacks '%s'", name,
				     !seen_descr ? "descr" : !seen_order ? "fortran_order" : "shape");
	return 0;
}

static int parse_dtype(const char *descr, const char *name, struct dtype *t)
{
	const char *s = descr;
	t->big = 0;
	if (*s == '<' || *s == '=' || *s == '|')
		s++;
	else if (*s == '>')
		t->big = 1, s++;
	t->kind = s[0];
	t->size = s[0] && s[1] && !s[2] ? s[1] - '0' : 0;
	int ok = (t->kind == 'f' && (t->size == 4 || t->size == 8)) ||
		 ((t->kind == 'i' || t->kind == 'u') &&
		  (t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8));
	if (!ok)
		return sgs_error_set("%s: unsupported dtype '%s' (need float32/64 or integers)", name,
				     descr);
	return 0;
}

/* One element in the file's byte order, as a double. */
static double element(const unsigned char *p, const struct dtype *t)
{
	uint64_t u = 0;
	for (int i = 0; i < t->size; i++) {
		unsigned b = t->big ? p[i] : p[t->size - 1 - i];
		u = u << 8 | b;
	}
	if (t->kind == 'f') {
		if (t->size == 8) {
			double d;
			memcpy(&d, &u, sizeof d);
			return d;
		}
		uint32_t u32 = (uint32_t)u;
		float f;
		memcpy(&f, &u32, sizeof f);
		return f;
	}
	if (t->kind == 'u')
		return (double)u;
	int bits = 8 * t->size;
	if (bits < 64 && (u >> (bits - 1)) & 1)
		u |= ~(uint64_t)0 << bits; /* sign-extend */
	return (double)(int64_t)u;
}

uint64_t sgs_npy_count(const struct sgs_npy *a)
{
	uint64_t n = 1;
	for (int i = 0; i < a->ndim; i++)
		n *= a->shape[i];
	return n;
}

void sgs_npy_free(struct sgs_npy *a)
{
	free(a->data);
	memset(a, 0, sizeof *a);
}

/* Offset, in elements, of C-order element k in a Fortran-ordered array. */
static uint64_t fortran_offset(const struct sgs_npy *a, uint64_t k)
{
	uint64_t off = 0, stride = 1;
	uint64_t idx[SGS_NPY_MAXDIM];
	for (int d = a->ndim - 1; d >= 0; d--) {
		idx[d] = k % a->shape[d];
		k /= a->shape[d];
	}
	for (int d = 0; d < a->ndim; d++) {
		off += idx[d] * stride;
		stride *= a->shape[d];
	}
	return off;
}

int sgs_npy_parse(const void *buf, size_t len, const char *name, struct sgs_npy *out)
{
	const unsigned char *b = buf;
	size_t hoff, hlen;
	struct header h;
	struct dtype t;

	memset(out, 0, sizeof *out);
	if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
		return sgs_error_set("%s: not a .npy file (bad magic)", name);
	if (b[6] == 1) {
		hlen = b[8] | (size_t)b[9] << 8;
		hoff = 10;
	} else if (b[6] == 2 || b[6] == 3) {
		if (len < 12)
			return sgs_error_set("%s: truncated header", name);
		hlen = b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
		hoff = 12;
	} else {
		return sgs_error_set("%s: unsupported .npy format version %u.%u", name, b[6], b[7]);
	}
	if (hlen > len - hoff)
		return sgs_error_set("%s: truncated header (%zu bytes announced, %zu present)", name,
				     hlen, len - hoff);
	if (parse_header((const char *)b + hoff, hlen, name, &h) != 0 ||
	    parse_dtype(h.descr, name, &t) != 0)
		return -1;

	struct sgs_npy a = {0};
	a.kind = t.kind;
	a.ndim = h.ndim;
	memcpy(a.shape, h.shape, sizeof a.shape);
	uint64_t n = 1;
	for (int i = 0; i < a.ndim; i++) {
		n *= a.shape[i];
		if (n > NPY_MAX_ELEMENTS)
			return sgs_error_set("%s: array too large", name);
	}
	size_t need = (size_t)n * (size_t)t.size, have = len - hoff - hlen;
	if (have < need)
		return sgs_error_set("%s: truncated data (%zu bytes for %llu elements of '%s', "
				     "%zu present)", name, need, (unsigned long long)n, h.descr, have);
	a.data = malloc((n ? n : 1) * sizeof *a.data);
	if (!a.data)
		return sgs_error_set("%s: out of memory", name);
	const unsigned char *src = b + hoff + hlen;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t at = h.fortran && a.ndim > 1 ? fortran_offset(&a, k) : k;
		a.data[k] = element(src + at * (uint64_t)t.size, &t);
	}
	*out = a;
	return 0;
}

int sgs_npy_read_file(const char *path, struct sgs_npy *out)
{
	memset(out, 0, sizeof *out);
	FILE *f = fopen(path, "rb");
	if (!f)
		return sgs_error_set("%s: %s", path, strerror(errno));
	size_t cap = 1 << 16, len = 0;
	unsigned char *buf = malloc(cap);
	while (buf) {
		len += fread(buf + len, 1, cap - len, f);
		if (len < cap)
			break;
		unsigned char *nb = realloc(buf, cap * 2);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	int err = ferror(f);
	fclose(f);
	if (!buf)
		return sgs_error_set("%s: out of memory", path);
	if (err) {
		free(buf);
		return sgs_error_set("%s: read error", path);
	}
	int rc = sgs_npy_parse(buf, len, path, out);
	free(buf);
	return rc;
}

static void member_name(const char *member, char *buf, size_t size)
{
	size_t n = strlen(member);
	if (n >= 4 && strcmp(member + n - 4, ".npy") == 0)
		snprintf(buf, size, "%s", member);
	else
		snprintf(buf, size, "%s.npy", member);
}

static zip_t *open_archive(const char *path)
{
	int code = 0;
	zip_t *z = zip_open(path, ZIP_RDONLY, &code);
	if (!z) {
		zip_error_t ze;
		zip_error_init_with_code(&ze, code);
		sgs_error_set("%s: %s", path, zip_error_strerror(&ze));
		zip_error_fini(&ze);
	}
	return z;
}

int sgs_npz_has(const char *path, const char *member)
{
	char name[256];
	zip_t *z = open_archive(path);
	if (!z)
		return -1;
	member_name(member, name, sizeof name);
	int found = zip_name_locate(z, name, 0) >= 0;
	zip_discard(z);
	return found;
}

int sgs_npz_read(const char *path, const char *member, struct sgs_npy *out)
{
	char name[256], label[4352];
	memset(out, 0, sizeof *out);
	member_name(member, name, sizeof name);
	zip_t *z = open_archive(path);
	if (!z)
		return -1;
	zip_stat_t st;
	if (zip_stat(z, name, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
		zip_discard(z);
		return sgs_error_set("%s: no member '%s'", path, name);
	}
	/* The size in the directory is the archive's word: before allocating
	 * for it, it must fit what the member's compressed bytes can hold
	 * (stored: as many; deflated: at most 1032 times as many). */
	int stored = (st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method == ZIP_CM_STORE;
	int bounded = (st.valid & ZIP_STAT_COMP_SIZE) &&
		      st.size <= (stored ? st.comp_size : 1032 * st.comp_size + 1024);
	if (st.size > NPY_MAX_ELEMENTS || !bounded) {
		zip_discard(z);
		return sgs_error_set("%s: member '%s' is too large or its size is corrupt", path, name);
	}
	unsigned char *buf = malloc(st.size ? st.size : 1);
	zip_file_t *zf = buf ? zip_fopen(z, name, 0) : NULL;
	zip_int64_t got = zf ? zip_fread(zf, buf, st.size) : -1;
	if (!buf || !zf || got < 0 || (zip_uint64_t)got != st.size) {
		if (!buf)
			sgs_error_set("%s: out of memory", path);
		else
			sgs_error_set("%s: cannot read member '%s': %s", path, name,
				      zf ? zip_file_strerror(zf) : zip_strerror(z));
		if (zf)
			zip_fclose(zf);
		free(buf);
		zip_discard(z);
		return -1;
	}
	zip_fclose(zf);
	zip_discard(z);
	snprintf(label, sizeof label, "%s:%s", path, name);
	int rc = sgs_npy_parse(buf, st.size, label, out);
	free(buf);
	return rc;
}
