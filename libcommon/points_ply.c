/* The PLY reader behind sgs_points_read(): any of the three PLY 1.0
 * formats, properties looked up by name, every element before `vertex`
 * skipped by its declared types, those after it not read at all.  The
 * input is hostile until proven otherwise: counts are checked against a
 * hard limit and, when the length is known, against the bytes that can
 * hold them, before anything is allocated; arrays grow with the data
 * actually read, so a pipe that lies about its count fails at its end. */
#include "sgs_points.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_le.h"

#define MAX_LINE 4096
#define MAX_HEADER_BYTES (1 << 20)
#define MAX_ELEMENTS 32
#define MAX_PROPS 256
#define MAX_TOKEN 64
#define FIRST_CAPACITY ((uint64_t)1 << 16)

enum ply_format { PLY_ASCII, PLY_LE, PLY_BE };

enum ply_type { T_NONE, T_INT8, T_UINT8, T_INT16, T_UINT16, T_INT32, T_UINT32, T_FLOAT32, T_FLOAT64 };

static const struct {
	const char *name;
	int type;
	unsigned size;
	double lo, hi; /* range of the integer types */
} ply_types[] = {
	{ "char", T_INT8, 1, -128, 127 },
	{ "int8", T_INT8, 1, -128, 127 },
	{ "uchar", T_UINT8, 1, 0, 255 },
	{ "uint8", T_UINT8, 1, 0, 255 },
	{ "short", T_INT16, 2, -32768, 32767 },
	{ "int16", T_INT16, 2, -32768, 32767 },
	{ "ushort", T_UINT16, 2, 0, 65535 },
	{ "uint16", T_UINT16, 2, 0, 65535 },
	{ "int", T_INT32, 4, -2147483648.0, 2147483647.0 },
	{ "int32", T_INT32, 4, -2147483648.0, 2147483647.0 },
	{ "uint", T_UINT32, 4, 0, 4294967295.0 },
	{ "uint32", T_UINT32, 4, 0, 4294967295.0 },
	{ "float", T_FLOAT32, 4, 0, 0 },
	{ "float32", T_FLOAT32, 4, 0, 0 },
	{ "double", T_FLOAT64, 8, 0, 0 },
	{ "float64", T_FLOAT64, 8, 0, 0 },
};
#define NTYPES (sizeof ply_types / sizeof ply_types[0])

struct ply_prop {
	char name[MAX_TOKEN];
	int type;        /* the item type of a list */
	int count_type;  /* T_NONE unless a list */
	size_t offset;   /* in a fixed-size binary row */
};

struct ply_elem {
	char name[MAX_TOKEN];
	uint64_t count;
	int nprops, has_list;
	size_t stride;   /* binary row bytes when !has_list */
	struct ply_prop props[MAX_PROPS];
};

struct ply {
	FILE *f;
	const char *name;
	int format;
	int64_t size;    /* stream length, -1 when unknown */
	uint64_t header_bytes;
	int nelems;
	struct ply_elem elems[MAX_ELEMENTS];
};

/* The vertex properties sgs uses, as indices into the element's list. */
enum { P_X, P_Y, P_Z, P_RED, P_GREEN, P_BLUE, NUSED };
static const char *used_names[NUSED] = { "x", "y", "z", "red", "green", "blue" };

static int ply_error(const struct ply *p, const char *fmt, ...) SGS_PRINTF(2, 3);
static int ply_error(const struct ply *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sgs_error_set("%s: %s", p->name, msg);
}

static int eof_error(const struct ply *p, const char *where)
{
	if (ferror(p->f))
		return ply_error(p, "read error: %s", strerror(errno));
	return ply_error(p, "truncated: the data ends in %s", where);
}

static int type_lookup(const char *name)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (strcmp(name, ply_types[i].name) == 0)
			return ply_types[i].type;
	return T_NONE;
}

static size_t type_index(int type)
{
	size_t i = 0;
	while (i + 1 < NTYPES && ply_types[i].type != type)
		i++;
	return i;
}

static size_t type_size(int type) { return ply_types[type_index(type)].size; }
static int is_float(int type) { return type == T_FLOAT32 || type == T_FLOAT64; }

/* ---- header ------------------------------------------------------------- */

/* One header line without its "\n" (or "\r\n"). */
static int read_line(struct ply *p, char *buf)
{
	size_t n = 0;
	for (;;) {
		int c = getc(p->f);
		if (c == EOF)
			return ferror(p->f) ? ply_error(p, "read error: %s", strerror(errno))
					    : ply_error(p, "truncated: the header ends before end_header");
		if (++p->header_bytes > MAX_HEADER_BYTES)
			return ply_error(p, "header is longer than %d bytes", MAX_HEADER_BYTES);
		if (c == '\n')
			break;
		if (n + 1 >= MAX_LINE)
			return ply_error(p, "header line longer than %d bytes", MAX_LINE);
		buf[n++] = (char)c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

static int read_magic(struct ply *p)
{
	uint8_t m[4];
	size_t got = fread(m, 1, 4, p->f);
	p->header_bytes = got;
	if (ferror(p->f))
		return ply_error(p, "read error: %s", strerror(errno));
	if (got == 0)
		return ply_error(p, "empty file, not a PLY file");
	if (got < 4 || memcmp(m, "ply", 3) != 0 || (m[3] != '\n' && m[3] != '\r')) {
		char esc[17];
		sgs_escape_bytes(m, got, esc);
		return ply_error(p, "not a PLY file (starts with '%s')", esc);
	}
	if (m[3] == '\r') {
		if (getc(p->f) != '\n')
			return ply_error(p, "not a PLY file (bad line ending after 'ply')");
		p->header_bytes++;
	}
	return 0;
}

/* Splits a header line into at most max words; -1 when there are more. */
static int split_words(char *line, char **w, int max)
{
	int n = 0;
	char *save;
	for (char *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -1;
		w[n++] = t;
	}
	return n;
}

static int parse_format(struct ply *p, char **w, int n)
{
	static const char *names[] = { "ascii", "binary_little_endian", "binary_big_endian" };
	if (n != 3)
		return ply_error(p, "malformed format line (expected 'format <type> 1.0')");
	for (int i = 0; i < 3; i++)
		if (strcmp(w[1], names[i]) == 0) {
			if (strcmp(w[2], "1.0") != 0)
				return ply_error(p, "unsupported PLY version '%.20s' (expected 1.0)", w[2]);
			p->format = i;
			return 0;
		}
	return ply_error(p, "unknown PLY format '%.40s' (expected ascii, binary_little_endian "
			    "or binary_big_endian)", w[1]);
}

static int parse_element(struct ply *p, char **w, int n)
{
	if (n != 3)
		return ply_error(p, "malformed element line (expected 'element <name> <count>')");
	if (p->nelems == MAX_ELEMENTS)
		return ply_error(p, "more than %d elements", MAX_ELEMENTS);
	if (strlen(w[1]) >= MAX_TOKEN)
		return ply_error(p, "element name '%.20s...' is too long", w[1]);
	for (int i = 0; i < p->nelems; i++)
		if (strcmp(p->elems[i].name, w[1]) == 0)
			return ply_error(p, "element %s declared twice", w[1]);
	char *end;
	errno = 0;
	unsigned long long count = strtoull(w[2], &end, 10);
	if (*end != '\0' || w[2][0] < '0' || w[2][0] > '9' || errno == ERANGE)
		return ply_error(p, "element %s: bad count '%.40s'", w[1], w[2]);
	struct ply_elem *e = &p->elems[p->nelems++];
	strcpy(e->name, w[1]);
	e->count = count;
	return 0;
}

static int parse_property(struct ply *p, char **w, int n)
{
	if (p->nelems == 0)
		return ply_error(p, "property before any element");
	struct ply_elem *e = &p->elems[p->nelems - 1];
	struct ply_prop q = { "", T_NONE, T_NONE, e->stride };
	const char *name = w[n - 1];
	if (n == 3) {
		if ((q.type = type_lookup(w[1])) == T_NONE)
			return ply_error(p, "property %.40s: unknown type '%.40s'", name, w[1]);
	} else if (n == 5 && strcmp(w[1], "list") == 0) {
		q.count_type = type_lookup(w[2]);
		q.type = type_lookup(w[3]);
		if (q.count_type == T_NONE || is_float(q.count_type) || q.type == T_NONE)
			return ply_error(p, "property %.40s: bad list types '%.20s %.20s'", name, w[2],
					 w[3]);
		e->has_list = 1;
	} else {
		return ply_error(p, "malformed property line");
	}
	if (strlen(name) >= MAX_TOKEN)
		return ply_error(p, "property name '%.20s...' is too long", name);
	for (int i = 0; i < e->nprops; i++)
		if (strcmp(e->props[i].name, name) == 0)
			return ply_error(p, "element %s: property %s declared twice", e->name, name);
	if (e->nprops == MAX_PROPS)
		return ply_error(p, "element %s: more than %d properties", e->name, MAX_PROPS);
	strcpy(q.name, name);
	if (!q.count_type)
		e->stride += type_size(q.type);
	e->props[e->nprops++] = q;
	return 0;
}

static int parse_header_line(struct ply *p, char *line, int *have_format)
{
	char *w[5];
	int n = split_words(line, w, 5);
	if (n == 0)
		return 0;
	/* comments may hold any number of words: only the first one counts */
	if (strcmp(w[0], "comment") == 0 || strcmp(w[0], "obj_info") == 0)
		return 0;
	if (n < 0)
		return ply_error(p, "malformed header line '%.40s'", line);
	if (strcmp(w[0], "format") == 0) {
		if (*have_format)
			return ply_error(p, "two format lines");
		*have_format = 1;
		return parse_format(p, w, n);
	}
	if (!*have_format)
		return ply_error(p, "expected a format line after 'ply', got '%.40s'", w[0]);
	if (strcmp(w[0], "element") == 0)
		return parse_element(p, w, n);
	if (strcmp(w[0], "property") == 0)
		return parse_property(p, w, n);
	return ply_error(p, "unknown header keyword '%.40s'", w[0]);
}

static int read_header(struct ply *p)
{
	char line[MAX_LINE];
	int have_format = 0;
	if (read_magic(p) < 0)
		return -1;
	for (;;) {
		if (read_line(p, line) < 0)
			return -1;
		if (strcmp(line, "end_header") == 0)
			break;
		if (parse_header_line(p, line, &have_format) < 0)
			return -1;
	}
	if (!have_format)
		return ply_error(p, "no format line");
	return 0;
}

/* ---- values ------------------------------------------------------------- */

static double decode(const uint8_t *b, int type, int big_endian)
{
	uint8_t le[8];
	size_t n = type_size(type);
	for (size_t i = 0; i < n; i++)
		le[i] = big_endian ? b[n - 1 - i] : b[i];
	switch (type) {
	case T_INT8: return (int8_t)le[0];
	case T_UINT8: return le[0];
	case T_INT16: return (int16_t)(uint16_t)(le[0] | le[1] << 8);
	case T_UINT16: return (uint16_t)(le[0] | le[1] << 8);
	case T_INT32: return (int32_t)sgs_get_u32(le);
	case T_UINT32: return sgs_get_u32(le);
	case T_FLOAT32: return sgs_get_f32(le);
	default: return sgs_get_f64(le);
	}
}

/* The next whitespace-separated word of an ASCII body. */
static int read_token(struct ply *p, char *buf, const char *where)
{
	int c;
	size_t n = 0;
	while ((c = getc(p->f)) == ' ' || c == '\t' || c == '\r' || c == '\n')
		;
	if (c == EOF)
		return eof_error(p, where);
	while (c != EOF && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
		if (n + 1 >= MAX_TOKEN)
			return ply_error(p, "%s: a value longer than %d characters", where, MAX_TOKEN - 1);
		buf[n++] = (char)c;
		c = getc(p->f);
	}
	buf[n] = '\0';
	return 0;
}

/* One ASCII value of the given type: a whole number within the type's
 * range for the integer types (list lengths among them). */
static int read_ascii(struct ply *p, int type, const char *where, double *v)
{
	char tok[MAX_TOKEN], *end;
	if (read_token(p, tok, where) < 0)
		return -1;
	*v = strtod(tok, &end);
	if (end == tok || *end != '\0')
		return ply_error(p, "%s: '%s' is not a number", where, tok);
	const double lo = ply_types[type_index(type)].lo, hi = ply_types[type_index(type)].hi;
	if (!is_float(type) && !(*v >= lo && *v <= hi && *v == floor(*v)))
		return ply_error(p, "%s: '%s' is not a %s", where, tok, ply_types[type_index(type)].name);
	return 0;
}

static int read_binary(struct ply *p, int type, const char *where, double *v)
{
	uint8_t b[8];
	size_t n = type_size(type);
	if (fread(b, 1, n, p->f) != n)
		return eof_error(p, where);
	*v = decode(b, type, p->format == PLY_BE);
	return 0;
}

static int read_value(struct ply *p, int type, const char *where, double *v)
{
	return p->format == PLY_ASCII ? read_ascii(p, type, where, v) : read_binary(p, type, where, v);
}

static int skip_bytes(struct ply *p, uint64_t n, const char *where)
{
	uint8_t buf[4096];
	while (n > 0) {
		size_t k = n < sizeof buf ? (size_t)n : sizeof buf;
		if (fread(buf, 1, k, p->f) != k)
			return eof_error(p, where);
		n -= k;
	}
	return 0;
}

/* One property of one row, value by value; a list is read past.  *v gets
 * the scalar's value (lists leave it alone). */
static int read_prop(struct ply *p, const struct ply_prop *q, const char *where, double *v)
{
	if (!q->count_type)
		return read_value(p, q->type, where, v);
	double len, item;
	if (read_value(p, q->count_type, where, &len) < 0)
		return -1;
	if (len < 0)
		return ply_error(p, "%s: negative list length %.0f", where, len);
	if (p->format != PLY_ASCII)
		return skip_bytes(p, (uint64_t)len * type_size(q->type), where);
	for (double k = 0; k < len; k++)
		if (read_value(p, q->type, where, &item) < 0)
			return -1;
	return 0;
}

/* ---- sizes -------------------------------------------------------------- */

/* The fewest bytes a row of e can take: a binary list is at least its
 * length field; an ASCII value is at least one character and a separator. */
static uint64_t min_row_bytes(const struct ply *p, const struct ply_elem *e)
{
	uint64_t n = 0;
	for (int i = 0; i < e->nprops; i++)
		n += p->format == PLY_ASCII ? 2
		     : e->props[i].count_type ? type_size(e->props[i].count_type)
					       : type_size(e->props[i].type);
	return n;
}

/* Whether the elements up to the vertices, included, can fit in what
 * follows the header (when the stream's length is known). */
static int check_sizes(const struct ply *p, int v)
{
	if (p->size < 0)
		return 0;
	uint64_t have = (uint64_t)p->size > p->header_bytes ? (uint64_t)p->size - p->header_bytes : 0;
	/* the last ASCII value needs no separator */
	have += p->format == PLY_ASCII;
	uint64_t need = 0;
	for (int i = 0; i <= v; i++) {
		const struct ply_elem *e = &p->elems[i];
		uint64_t row = min_row_bytes(p, e);
		if (row && e->count > (have - need) / row)
			return ply_error(p, "the header declares %llu %s rows of at least %llu bytes, "
					    "more than the %llu bytes after the header hold",
					 (unsigned long long)e->count, e->name, (unsigned long long)row,
					 (unsigned long long)(have - (p->format == PLY_ASCII)));
		need += e->count * row;
	}
	return 0;
}

/* ---- skipping ----------------------------------------------------------- */

static int skip_element(struct ply *p, const struct ply_elem *e)
{
	char where[MAX_TOKEN + 16];
	snprintf(where, sizeof where, "element %s", e->name);
	if (p->format != PLY_ASCII && !e->has_list) {
		if (e->stride && e->count > UINT64_MAX / e->stride)
			return ply_error(p, "element %s is too large", e->name);
		return skip_bytes(p, e->count * e->stride, where);
	}
	/* Each row holds at least one value, so a lying count meets the end
	 * of the file; a row of no properties takes no bytes at all. */
	if (e->nprops == 0)
		return 0;
	for (uint64_t i = 0; i < e->count; i++)
		for (int j = 0; j < e->nprops; j++) {
			double ignored;
			if (read_prop(p, &e->props[j], where, &ignored) < 0)
				return -1;
		}
	return 0;
}

/* ---- the vertices ------------------------------------------------------- */

static int find_prop(const struct ply_elem *e, const char *name)
{
	for (int i = 0; i < e->nprops; i++)
		if (strcmp(e->props[i].name, name) == 0)
			return i;
	return -1;
}

/* used[k]: index of used_names[k] in e, or -1; colour all or nothing. */
static int plan_vertex(struct ply *p, const struct ply_elem *e, int used[NUSED])
{
	for (int k = 0; k < NUSED; k++) {
		used[k] = find_prop(e, used_names[k]);
		if (used[k] >= 0 && e->props[used[k]].count_type)
			return ply_error(p, "vertex property %s is a list", used_names[k]);
	}
	for (int k = P_X; k <= P_Z; k++)
		if (used[k] < 0)
			return ply_error(p, "the vertex element has no property %s", used_names[k]);
	int ncolour = (used[P_RED] >= 0) + (used[P_GREEN] >= 0) + (used[P_BLUE] >= 0);
	if (ncolour != 0 && ncolour != 3)
		return ply_error(p, "the vertex element has only some of red, green and blue");
	return 0;
}

/* Arrays for n points; they grow as vertices arrive, up to the count. */
static int reserve(struct ply *p, struct sgs_points *pts, uint64_t *cap, uint64_t need,
		   uint64_t count)
{
	if (need <= *cap)
		return 0;
	uint64_t c = *cap ? 2 * *cap : FIRST_CAPACITY;
	c = c < need ? need : c > count ? count : c;
	float *xyz = realloc(pts->xyz, (size_t)c * 3 * sizeof *xyz);
	if (xyz)
		pts->xyz = xyz;
	uint8_t *rgb = xyz ? realloc(pts->rgb, (size_t)c * 3) : NULL;
	if (!rgb)
		return ply_error(p, "out of memory for %llu points", (unsigned long long)c);
	pts->rgb = rgb;
	*cap = c;
	return 0;
}

static int colour_byte(struct ply *p, double v, int type, uint64_t i, const char *what,
		       uint8_t *out)
{
	if (is_float(type)) {
		if (!isfinite(v))
			return ply_error(p, "vertex %llu: %s is %g", (unsigned long long)i, what, v);
		v *= 255.0;
	}
	v = v < 0 ? 0 : v > 255 ? 255 : v;
	*out = (uint8_t)lround(v);
	return 0;
}

/* Values of one vertex: a whole binary row at once when it has no list,
 * property by property otherwise. */
static int read_vertex(struct ply *p, const struct ply_elem *e, uint8_t *row, double *vals)
{
	if (p->format != PLY_ASCII && !e->has_list) {
		if (fread(row, 1, e->stride, p->f) != e->stride)
			return eof_error(p, "the vertex element");
		for (int j = 0; j < e->nprops; j++)
			vals[j] = decode(row + e->props[j].offset, e->props[j].type, p->format == PLY_BE);
		return 0;
	}
	for (int j = 0; j < e->nprops; j++)
		if (read_prop(p, &e->props[j], "the vertex element", &vals[j]) < 0)
			return -1;
	return 0;
}

/* Stores vertex i unless a coordinate is not finite. */
static int keep_vertex(struct ply *p, const struct ply_elem *e, const int used[NUSED],
		       const double *vals, uint64_t i, struct sgs_points *pts)
{
	float x[3];
	for (int k = 0; k < 3; k++)
		x[k] = (float)vals[used[P_X + k]];
	if (!isfinite(x[0]) || !isfinite(x[1]) || !isfinite(x[2])) {
		pts->nonfinite++;
		return 0;
	}
	uint8_t *rgb = pts->rgb + 3 * pts->n;
	for (int k = 0; k < 3; k++) {
		int j = used[P_RED + k];
		if (j < 0)
			rgb[k] = 128;
		else if (colour_byte(p, vals[j], e->props[j].type, i, used_names[P_RED + k], &rgb[k]) < 0)
			return -1;
	}
	memcpy(pts->xyz + 3 * pts->n, x, sizeof x);
	pts->n++;
	return 0;
}

static int read_vertices(struct ply *p, const struct ply_elem *e, const int used[NUSED],
			 struct sgs_points *pts)
{
	double vals[MAX_PROPS];
	uint8_t *row = malloc(e->stride + 1);
	uint64_t cap = 0;
	int rc = row ? 0 : ply_error(p, "out of memory");
	for (uint64_t i = 0; i < e->count && rc == 0; i++) {
		rc = reserve(p, pts, &cap, pts->n + 1, e->count);
		if (rc == 0)
			rc = read_vertex(p, e, row, vals);
		if (rc == 0)
			rc = keep_vertex(p, e, used, vals, i, pts);
	}
	free(row);
	return rc;
}

static int find_vertex(struct ply *p)
{
	for (int i = 0; i < p->nelems; i++)
		if (strcmp(p->elems[i].name, "vertex") == 0)
			return i;
	return ply_error(p, "no vertex element");
}

static int read_points(struct ply *p, struct sgs_points *pts)
{
	int used[NUSED], v;
	if (read_header(p) < 0 || (v = find_vertex(p)) < 0)
		return -1;
	const struct ply_elem *e = &p->elems[v];
	if (plan_vertex(p, e, used) < 0)
		return -1;
	if (e->count == 0)
		return ply_error(p, "the vertex element is empty");
	if (e->count > SGS_POINTS_MAX)
		return ply_error(p, "%llu vertices is more than the limit of %llu points",
				 (unsigned long long)e->count, SGS_POINTS_MAX);
	if (check_sizes(p, v) < 0)
		return -1;
	for (int i = 0; i < v; i++)
		if (skip_element(p, &p->elems[i]) < 0)
			return -1;
	pts->has_colour = used[P_RED] >= 0;
	if (read_vertices(p, e, used, pts) < 0)
		return -1;
	if (pts->n == 0)
		return ply_error(p, "all %llu vertices have a non-finite coordinate",
				 (unsigned long long)e->count);
	return 0;
}

int sgs_points_read(FILE *f, const char *name, int64_t size, struct sgs_points *pts)
{
	struct ply *p = calloc(1, sizeof *p);
	sgs_points_init(pts);
	if (!p)
		return sgs_error_set("%s: out of memory", name);
	p->f = f;
	p->name = name;
	p->size = size;
	int rc = read_points(p, pts);
	free(p);
	if (rc < 0)
		sgs_points_free(pts);
	return rc;
}
