/* The 3DGS splat PLY: written exactly as Inria's 3DGS writes it; read
 * leniently (properties by name, any order, float or double, extra
 * properties and elements skipped) so files from other tools open too.
 * Streams are read front to back, so pipes work. */
#include "sgs_splat.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_output.h"
#include "sgs_error.h"
#include "sgs_le.h"
#include "sgs_stream.h"

/* Guards against absurd headers; far above any real model. */
#define MAX_SPLATS ((uint64_t)1 << 31)
#define MAX_LINE 4096
#define MAX_HEADER_BYTES (1 << 20)
#define MAX_ELEMENTS 64
#define MAX_PROPS 512

/* ---- memory ------------------------------------------------------------- */

void sgs_splats_init(struct sgs_splats *s) { memset(s, 0, sizeof *s); }

void sgs_splats_free(struct sgs_splats *s)
{
	free(s->means);
	free(s->log_scales);
	free(s->quats);
	free(s->logit_opacity);
	free(s->sh);
	sgs_splats_init(s);
}

int sgs_splats_alloc(struct sgs_splats *s, uint64_t n, uint32_t sh_degree)
{
	sgs_splats_init(s);
	if (sh_degree > SGS_SH_DEGREE_MAX)
		return sgs_error_set("SH degree %u is over the maximum %d", sh_degree, SGS_SH_DEGREE_MAX);
	if (n > MAX_SPLATS)
		return sgs_error_set("%llu Gaussians is more than the limit of %llu",
				     (unsigned long long)n, (unsigned long long)MAX_SPLATS);
	s->n = n;
	s->sh_degree = sh_degree;
	if (n == 0)
		return 0;
	size_t k = SGS_SH_COEFFS(sh_degree), m = (size_t)n;
	s->means = calloc(3 * m, sizeof(float));
	s->log_scales = calloc(3 * m, sizeof(float));
	s->quats = calloc(4 * m, sizeof(float));
	s->logit_opacity = calloc(m, sizeof(float));
	s->sh = calloc(3 * k * m, sizeof(float));
	if (!s->means || !s->log_scales || !s->quats || !s->logit_opacity || !s->sh) {
		sgs_splats_free(s);
		return sgs_error_set("out of memory for %llu Gaussians", (unsigned long long)n);
	}
	return 0;
}

/* ---- header parsing ----------------------------------------------------- */

enum ply_type { T_NONE, T_INT8, T_UINT8, T_INT16, T_UINT16, T_INT32, T_UINT32, T_FLOAT32, T_FLOAT64 };

static const struct {
	const char *name;
	int type;
	size_t size;
} ply_types[] = {
	{ "char", T_INT8, 1 },     { "int8", T_INT8, 1 },       { "uchar", T_UINT8, 1 },
	{ "uint8", T_UINT8, 1 },   { "short", T_INT16, 2 },     { "int16", T_INT16, 2 },
	{ "ushort", T_UINT16, 2 }, { "uint16", T_UINT16, 2 },   { "int", T_INT32, 4 },
	{ "int32", T_INT32, 4 },   { "uint", T_UINT32, 4 },     { "uint32", T_UINT32, 4 },
	{ "float", T_FLOAT32, 4 }, { "float32", T_FLOAT32, 4 }, { "double", T_FLOAT64, 8 },
	{ "float64", T_FLOAT64, 8 },
};

static int type_lookup(const char *name, size_t *size)
{
	for (size_t i = 0; i < sizeof ply_types / sizeof ply_types[0]; i++)
		if (strcmp(name, ply_types[i].name) == 0) {
			*size = ply_types[i].size;
			return ply_types[i].type;
		}
	return T_NONE;
}

static size_t type_size(int type)
{
	for (size_t i = 0; i < sizeof ply_types / sizeof ply_types[0]; i++)
		if (ply_types[i].type == type)
			return ply_types[i].size;
	return 0;
}

struct ply_prop {
	char name[64];
	int type;        /* item type for lists */
	int count_type;  /* T_NONE unless a list */
	size_t offset;   /* in the row, for fixed-size elements */
};

struct ply_elem {
	char name[64];
	uint64_t count;
	int nprops;
	int has_list;
	size_t stride;   /* row bytes when !has_list */
	struct ply_prop *props;
};

struct ply {
	FILE *f;
	const char *name;
	size_t header_bytes;
	int nelems;
	struct ply_elem elems[MAX_ELEMENTS];
};

static int ply_error(struct ply *p, const char *fmt, ...) SGS_PRINTF(2, 3);
static int ply_error(struct ply *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sgs_error_set("%s: %s", p->name, msg);
}

static void ply_free(struct ply *p)
{
	for (int i = 0; i < p->nelems; i++)
		free(p->elems[i].props);
}

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
		return ply_error(p, "empty input, not a PLY file");
	int ok = got == 4 && memcmp(m, "ply", 3) == 0 && (m[3] == '\n' || m[3] == '\r');
	if (!ok) {
		char esc[17];
		sgs_escape_bytes(m, got, esc);
		return ply_error(p, "not a PLY file (starts with '%s')", esc);
	}
	if (m[3] == '\r' && getc(p->f) != '\n')
		return ply_error(p, "not a PLY file (bad line ending after 'ply')");
	return 0;
}

static int parse_format(struct ply *p, char *rest)
{
	char *save, *fmt = strtok_r(rest, " \t", &save), *ver = strtok_r(NULL, " \t", &save);
	if (!fmt)
		return ply_error(p, "format line names no format");
	if (strcmp(fmt, "ascii") == 0)
		return ply_error(p, "ASCII PLY is not supported; convert to binary_little_endian");
	if (strcmp(fmt, "binary_big_endian") == 0)
		return ply_error(p, "big-endian PLY is not supported; convert to binary_little_endian");
	if (strcmp(fmt, "binary_little_endian") != 0)
		return ply_error(p, "unknown PLY format '%s'", fmt);
	if (!ver || strcmp(ver, "1.0") != 0)
		return ply_error(p, "unsupported PLY version '%s' (expected 1.0)", ver ? ver : "");
	return 0;
}

static int parse_element(struct ply *p, char *rest)
{
	char *save, *name = strtok_r(rest, " \t", &save), *count = strtok_r(NULL, " \t", &save);
	if (!name || !count || strtok_r(NULL, " \t", &save))
		return ply_error(p, "malformed element line");
	if (p->nelems == MAX_ELEMENTS)
		return ply_error(p, "more than %d elements", MAX_ELEMENTS);
	if (strlen(name) >= sizeof p->elems[0].name)
		return ply_error(p, "element name '%.20s...' is too long", name);
	char *end;
	errno = 0;
	unsigned long long n = strtoull(count, &end, 10);
	if (*end != '\0' || count[0] == '-' || errno == ERANGE)
		return ply_error(p, "element %s: bad count '%s'", name, count);
	for (int i = 0; i < p->nelems; i++)
		if (strcmp(p->elems[i].name, name) == 0)
			return ply_error(p, "element %s declared twice", name);
	struct ply_elem *e = &p->elems[p->nelems++];
	memset(e, 0, sizeof *e);
	strcpy(e->name, name);
	e->count = n;
	return 0;
}

static int parse_property(struct ply *p, char *rest)
{
	char *save, *tok[4];
	int ntok = 0;
	for (char *t = strtok_r(rest, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
		if (ntok < 4)
			tok[ntok++] = t;
		else
			return ply_error(p, "malformed property line");
	if (p->nelems == 0)
		return ply_error(p, "property before any element");
	struct ply_elem *e = &p->elems[p->nelems - 1];
	struct ply_prop prop;
	size_t size, count_size;
	memset(&prop, 0, sizeof prop);
	const char *name;
	if (ntok == 2) {
		prop.type = type_lookup(tok[0], &size);
		name = tok[1];
		if (prop.type == T_NONE)
			return ply_error(p, "property %s: unknown type '%s'", name, tok[0]);
	} else if (ntok == 4 && strcmp(tok[0], "list") == 0) {
		prop.count_type = type_lookup(tok[1], &count_size);
		prop.type = type_lookup(tok[2], &size);
		name = tok[3];
		if (prop.count_type == T_NONE || prop.type == T_NONE ||
		    prop.count_type == T_FLOAT32 || prop.count_type == T_FLOAT64)
			return ply_error(p, "property %s: bad list types '%s %s'", name, tok[1], tok[2]);
		e->has_list = 1;
	} else {
		return ply_error(p, "malformed property line");
	}
	if (strlen(name) >= sizeof prop.name)
		return ply_error(p, "property name '%.20s...' is too long", name);
	strcpy(prop.name, name);
	for (int i = 0; i < e->nprops; i++)
		if (strcmp(e->props[i].name, name) == 0)
			return ply_error(p, "element %s: property %s declared twice", e->name, name);
	if (e->nprops == MAX_PROPS)
		return ply_error(p, "element %s: more than %d properties", e->name, MAX_PROPS);
	struct ply_prop *props = realloc(e->props, (size_t)(e->nprops + 1) * sizeof *props);
	if (!props)
		return ply_error(p, "out of memory");
	e->props = props;
	prop.offset = e->stride;
	if (!prop.count_type)
		e->stride += size;
	e->props[e->nprops++] = prop;
	return 0;
}

static int read_ply_header(struct ply *p)
{
	char line[MAX_LINE];
	int have_format = 0;
	if (read_magic(p) < 0)
		return -1;
	for (;;) {
		if (read_line(p, line) < 0)
			return -1;
		char *rest = line + strcspn(line, " \t");
		if (*rest)
			*rest++ = '\0';
		if (strcmp(line, "end_header") == 0)
			break;
		if (strcmp(line, "comment") == 0 || strcmp(line, "obj_info") == 0 || line[0] == '\0')
			continue;
		if (!have_format && strcmp(line, "format") != 0)
			return ply_error(p, "expected a format line after 'ply', got '%.40s'", line);
		int rc;
		if (strcmp(line, "format") == 0) {
			if (have_format)
				return ply_error(p, "two format lines");
			have_format = 1;
			rc = parse_format(p, rest);
		} else if (strcmp(line, "element") == 0) {
			rc = parse_element(p, rest);
		} else if (strcmp(line, "property") == 0) {
			rc = parse_property(p, rest);
		} else {
			rc = ply_error(p, "unknown header keyword '%.40s'", line);
		}
		if (rc < 0)
			return -1;
	}
	if (!have_format)
		return ply_error(p, "no format line");
	return 0;
}

/* ---- skipping elements before the vertices ------------------------------ */

static int skip_bytes(struct ply *p, uint64_t n, const char *elem)
{
	uint8_t buf[4096];
	while (n > 0) {
		size_t k = n < sizeof buf ? (size_t)n : sizeof buf;
		if (fread(buf, 1, k, p->f) != k)
			return ferror(p->f) ? ply_error(p, "read error: %s", strerror(errno))
					    : ply_error(p, "truncated in element %s", elem);
		n -= k;
	}
	return 0;
}

static int64_t decode_int(const uint8_t *b, int type)
{
	switch (type) {
	case T_INT8: return (int8_t)b[0];
	case T_UINT8: return b[0];
	case T_INT16: return (int16_t)(uint16_t)(b[0] | b[1] << 8);
	case T_UINT16: return (uint16_t)(b[0] | b[1] << 8);
	case T_INT32: return (int32_t)sgs_get_u32(b);
	default: return sgs_get_u32(b);
	}
}

static int skip_element(struct ply *p, const struct ply_elem *e)
{
	if (!e->has_list) {
		if (e->stride && e->count > UINT64_MAX / e->stride)
			return ply_error(p, "element %s is too large", e->name);
		return skip_bytes(p, e->count * e->stride, e->name);
	}
	for (uint64_t i = 0; i < e->count; i++)
		for (int j = 0; j < e->nprops; j++) {
			const struct ply_prop *q = &e->props[j];
			uint64_t n = 1;
			if (q->count_type) {
				uint8_t b[4];
				size_t cs = type_size(q->count_type);
				if (fread(b, 1, cs, p->f) != cs)
					return ply_error(p, "truncated in element %s", e->name);
				int64_t c = decode_int(b, q->count_type);
				if (c < 0)
					return ply_error(p, "element %s: negative list length", e->name);
				n = (uint64_t)c;
			}
			if (skip_bytes(p, n * type_size(q->type), e->name) < 0)
				return -1;
		}
	return 0;
}

/* ---- the vertex element ------------------------------------------------- */

/* Where one vertex property goes: array `dst` at i * stride + comp. */
struct slot {
	size_t offset;
	int type;
	int field;
	size_t comp;
};

enum { F_MEAN, F_SCALE, F_ROT, F_OPACITY, F_SH, F_REST, F_SKIP };

/* name == prefix followed by a canonical decimal number (no sign, no
 * leading zeros), which goes to *idx. */
static int indexed_name(const char *name, const char *prefix, unsigned long *idx)
{
	size_t n = strlen(prefix);
	if (strncmp(name, prefix, n) != 0)
		return 0;
	const char *d = name + n;
	if (d[0] < '0' || d[0] > '9' || (d[0] == '0' && d[1] != '\0') || strlen(d) > 6)
		return 0;
	for (const char *c = d; *c; c++)
		if (*c < '0' || *c > '9')
			return 0;
	*idx = strtoul(d, NULL, 10);
	return 1;
}

static void classify(const char *name, int *field, size_t *comp)
{
	unsigned long k;
	*field = F_SKIP;
	*comp = 0;
	if (name[0] >= 'x' && name[0] <= 'z' && name[1] == '\0') {
		*field = F_MEAN;
		*comp = (size_t)(name[0] - 'x');
	} else if (strcmp(name, "opacity") == 0) {
		*field = F_OPACITY;
	} else if (indexed_name(name, "scale_", &k) && k < 3) {
		*field = F_SCALE;
		*comp = k;
	} else if (indexed_name(name, "rot_", &k) && k < 4) {
		*field = F_ROT;
		*comp = k;
	} else if (indexed_name(name, "f_dc_", &k) && k < 3) {
		*field = F_SH;
		*comp = k;
	} else if (indexed_name(name, "f_rest_", &k)) {
		*field = F_REST;
		*comp = k;
	}
}

static const char *required[] = {
	"x", "y", "z", "f_dc_0", "f_dc_1", "f_dc_2", "opacity", "scale_0", "scale_1", "scale_2",
	"rot_0", "rot_1", "rot_2", "rot_3",
};

static int has_prop(const struct ply_elem *e, const char *name)
{
	for (int i = 0; i < e->nprops; i++)
		if (strcmp(e->props[i].name, name) == 0)
			return 1;
	return 0;
}

/* Builds the slot table and finds the SH degree from the f_rest count. */
static int plan_vertex(struct ply *p, const struct ply_elem *e, struct slot *slots, int *nslots,
		       uint32_t *degree)
{
	char missing[512] = "";
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (!has_prop(e, required[i])) {
			size_t m = strlen(missing);
			snprintf(missing + m, sizeof missing - m, "%s%s", m ? ", " : "", required[i]);
		}
	if (missing[0])
		return ply_error(p, "missing vertex properties: %s", missing);
	if (e->has_list)
		return ply_error(p, "vertex element has list properties; cannot read it");

	int nrest = 0;
	for (int i = 0; i < e->nprops; i++) {
		int field;
		size_t comp;
		classify(e->props[i].name, &field, &comp);
		nrest += field == F_REST;
	}
	switch (nrest) {
	case 0: *degree = 0; break;
	case 9: *degree = 1; break;
	case 24: *degree = 2; break;
	case 45: *degree = 3; break;
	default:
		return ply_error(p, "%d f_rest_* properties; expected 0, 9, 24 or 45 (SH degree 0 to 3)",
				 nrest);
	}
	size_t rest_per_channel = (size_t)nrest / 3;

	*nslots = 0;
	for (int i = 0; i < e->nprops; i++) {
		const struct ply_prop *q = &e->props[i];
		struct slot s = { q->offset, q->type, F_SKIP, 0 };
		classify(q->name, &s.field, &s.comp);
		if (s.field == F_SKIP)
			continue;
		if (q->type != T_FLOAT32 && q->type != T_FLOAT64)
			return ply_error(p, "vertex property %s is not float or double", q->name);
		if (s.field == F_REST) {
			/* Unique names, all below nrest: together they are 0..nrest-1. */
			if (s.comp >= (size_t)nrest)
				return ply_error(p, "%s with only %d f_rest_* properties", q->name, nrest);
			/* channel-major: f_rest_{c*(K-1) + (k-1)} is coefficient k of channel c */
			size_t c = s.comp / rest_per_channel, k = s.comp % rest_per_channel + 1;
			s.field = F_SH;
			s.comp = 3 * k + c;
		}
		slots[(*nslots)++] = s;
	}
	return 0;
}

static float *slot_array(const struct sgs_splats *s, int field, size_t *stride)
{
	switch (field) {
	case F_MEAN: *stride = 3; return s->means;
	case F_SCALE: *stride = 3; return s->log_scales;
	case F_ROT: *stride = 4; return s->quats;
	case F_OPACITY: *stride = 1; return s->logit_opacity;
	default: *stride = 3 * SGS_SH_COEFFS(s->sh_degree); return s->sh;
	}
}

/* Room for cap Gaussians, contents kept and the new part zeroed. */
static int reserve(struct ply *p, struct sgs_splats *s, uint64_t old, uint64_t cap)
{
	float **arr[5] = {&s->means, &s->log_scales, &s->quats, &s->logit_opacity, &s->sh};
	const size_t per[5] = {3, 3, 4, 1, 3 * (size_t)SGS_SH_COEFFS(s->sh_degree)};
	for (int i = 0; i < 5; i++) {
		float *a = realloc(*arr[i], (size_t)cap * per[i] * sizeof(float));
		if (!a)
			return ply_error(p, "out of memory for %llu Gaussians", (unsigned long long)cap);
		memset(a + old * per[i], 0, (size_t)(cap - old) * per[i] * sizeof(float));
		*arr[i] = a;
	}
	return 0;
}

/* `count` vertex rows into s, whose arrays grow with the data read (from
 * 64Ki Gaussians, doubling): a count the stream does not back costs no
 * more memory than the stream itself.  s->n counts the rows stored. */
static int read_vertices(struct ply *p, const struct ply_elem *e, const struct slot *slots,
			 int nslots, uint64_t count, struct sgs_splats *s)
{
	size_t rows = e->stride ? 65536 / e->stride + 1 : 1;
	uint8_t *buf = malloc(rows * e->stride + 1);
	size_t stride[MAX_PROPS];
	uint64_t cap = 0;
	if (!buf)
		return ply_error(p, "out of memory");
	while (s->n < count) {
		uint64_t i = s->n;
		size_t k = count - i < rows ? (size_t)(count - i) : rows;
		if (i + k > cap) {
			uint64_t c = cap ? 2 * cap : 65536;
			c = c < i + k ? i + k : c > count ? count : c;
			if (reserve(p, s, cap, c) < 0) {
				free(buf);
				return -1;
			}
			cap = c;
		}
		size_t got = fread(buf, 1, k * e->stride, p->f);
		if (got != k * e->stride) {
			int err = ferror(p->f);
			free(buf);
			if (err)
				return ply_error(p, "read error: %s", strerror(errno));
			return ply_error(p, "truncated: vertex data ends after %llu of %llu vertices",
					 (unsigned long long)(i + got / e->stride),
					 (unsigned long long)count);
		}
		for (int j = 0; j < nslots; j++) {
			float *dst = slot_array(s, slots[j].field, &stride[j]) + slots[j].comp;
			for (size_t r = 0; r < k; r++) {
				const uint8_t *b = buf + r * e->stride + slots[j].offset;
				dst[(i + r) * stride[j]] = slots[j].type == T_FLOAT32 ? sgs_get_f32(b)
										      : (float)sgs_get_f64(b);
			}
		}
		s->n = i + k;
	}
	free(buf);
	return 0;
}

int sgs_splat_read(FILE *f, const char *name, struct sgs_splats *s)
{
	struct ply p;
	struct slot slots[MAX_PROPS];
	int nslots = 0;
	uint32_t degree = 0;
	memset(&p, 0, sizeof p);
	p.f = f;
	p.name = name;
	sgs_splats_init(s);
	if (read_ply_header(&p) < 0)
		goto fail;
	int v = -1;
	for (int i = 0; i < p.nelems; i++)
		if (strcmp(p.elems[i].name, "vertex") == 0)
			v = i;
	if (v < 0) {
		ply_error(&p, "no vertex element");
		goto fail;
	}
	if (plan_vertex(&p, &p.elems[v], slots, &nslots, &degree) < 0)
		goto fail;
	for (int i = 0; i < v; i++)
		if (skip_element(&p, &p.elems[i]) < 0)
			goto fail;
	const uint64_t count = p.elems[v].count;
	if (count > MAX_SPLATS) {
		ply_error(&p, "%llu vertices is more than the limit of %llu", (unsigned long long)count,
			  (unsigned long long)MAX_SPLATS);
		goto fail;
	}
	/* A file's length bounds what its header may promise. */
	int64_t left = sgs_stream_left(f);
	if (left >= 0 && count > (uint64_t)left / p.elems[v].stride) {
		ply_error(&p, "truncated: the header declares %llu vertices of %zu bytes, more than "
			  "the %lld bytes left in the file", (unsigned long long)count,
			  p.elems[v].stride, (long long)left);
		goto fail;
	}
	s->sh_degree = degree;
	/* Elements after the vertices are left unread: nothing needs them. */
	if (read_vertices(&p, &p.elems[v], slots, nslots, count, s) < 0)
		goto fail;
	ply_free(&p);
	return 0;
fail:
	ply_free(&p);
	sgs_splats_free(s);
	return -1;
}

int sgs_splat_load(const char *path, struct sgs_splats *s)
{
	int is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (!f) {
		sgs_splats_init(s);
		return sgs_error_set("%s: cannot open: %s", path, strerror(errno));
	}
	int rc = sgs_splat_read(f, is_stdin ? "<stdin>" : path, s);
	if (!is_stdin)
		fclose(f);
	return rc;
}

int sgs_splat_load_valid(const char *path, struct sgs_splats *s)
{
	if (sgs_splat_load(path, s) != 0)
		return -1;
	if (sgs_splat_validate(s) == 0)
		return 0;
	sgs_error_prefix("%s", strcmp(path, "-") == 0 ? "<stdin>" : path);
	sgs_splats_free(s);
	return -1;
}

/* ---- writing ------------------------------------------------------------ */

static int write_header(FILE *f, const struct sgs_splats *s)
{
	static const char *pre[] = { "x", "y", "z", "nx", "ny", "nz", "f_dc_0", "f_dc_1", "f_dc_2" };
	static const char *post[] = { "opacity", "scale_0", "scale_1", "scale_2",
				      "rot_0",   "rot_1",   "rot_2",   "rot_3" };
	int nrest = 3 * (SGS_SH_COEFFS(s->sh_degree) - 1);
	fprintf(f, "ply\nformat binary_little_endian 1.0\nelement vertex %llu\n",
		(unsigned long long)s->n);
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
		fprintf(f, "property float %s\n", pre[i]);
	for (int i = 0; i < nrest; i++)
		fprintf(f, "property float f_rest_%d\n", i);
	for (size_t i = 0; i < sizeof post / sizeof post[0]; i++)
		fprintf(f, "property float %s\n", post[i]);
	return fputs("end_header\n", f) == EOF ? -1 : 0;
}

/* One vertex in file order; returns the number of floats. */
static size_t pack_row(const struct sgs_splats *s, uint64_t i, float *row)
{
	size_t K = SGS_SH_COEFFS(s->sh_degree), n = 0;
	const float *sh = s->sh + i * 3 * K;
	for (int a = 0; a < 3; a++)
		row[n++] = s->means[3 * i + a];
	for (int a = 0; a < 3; a++)
		row[n++] = 0.0f; /* normals: unused, written for viewers */
	for (int c = 0; c < 3; c++)
		row[n++] = sh[c];
	for (int c = 0; c < 3; c++)
		for (size_t k = 1; k < K; k++)
			row[n++] = sh[3 * k + c];
	row[n++] = s->logit_opacity[i];
	for (int a = 0; a < 3; a++)
		row[n++] = s->log_scales[3 * i + a];
	for (int a = 0; a < 4; a++)
		row[n++] = s->quats[4 * i + a];
	return n;
}

int sgs_splat_write(FILE *f, const struct sgs_splats *s)
{
	if (s->sh_degree > SGS_SH_DEGREE_MAX)
		return sgs_error_set("SH degree %u is over the maximum %d", s->sh_degree, SGS_SH_DEGREE_MAX);
	if (s->n && (!s->means || !s->log_scales || !s->quats || !s->logit_opacity || !s->sh))
		return sgs_error_set("splats have %llu Gaussians but missing arrays",
				     (unsigned long long)s->n);
	int bad = write_header(f, s) < 0;
	float row[64];
	uint8_t buf[64 * 4];
	for (uint64_t i = 0; i < s->n && !bad; i++) {
		size_t n = pack_row(s, i, row);
		for (size_t j = 0; j < n; j++)
			sgs_put_f32(buf + 4 * j, row[j]);
		bad = fwrite(buf, 4, n, f) != n;
	}
	if (bad || ferror(f))
		return sgs_error_set("write error: %s", strerror(errno ? errno : EIO));
	return 0;
}

static int write_any(FILE *f, const void *s) { return sgs_splat_write(f, s); }

int sgs_splat_save(const char *path, const struct sgs_splats *s)
{
	return sgs_output_save(path, write_any, s);
}

/* ---- validation --------------------------------------------------------- */

static int check_finite(const float *a, size_t per, uint64_t n, const char *what)
{
	for (uint64_t i = 0; i < n * per; i++)
		if (!isfinite(a[i]))
			return sgs_error_set("Gaussian %llu: %s is %g", (unsigned long long)(i / per), what,
					     a[i]);
	return 0;
}

int sgs_splat_validate(const struct sgs_splats *s)
{
	if (s->sh_degree > SGS_SH_DEGREE_MAX)
		return sgs_error_set("SH degree %u is over the maximum %d", s->sh_degree, SGS_SH_DEGREE_MAX);
	if (s->n == 0)
		return 0;
	if (!s->means || !s->log_scales || !s->quats || !s->logit_opacity || !s->sh)
		return sgs_error_set("splats have %llu Gaussians but missing arrays",
				     (unsigned long long)s->n);
	if (check_finite(s->means, 3, s->n, "a position coordinate") < 0 ||
	    check_finite(s->log_scales, 3, s->n, "a log-scale") < 0 ||
	    check_finite(s->quats, 4, s->n, "a rotation component") < 0 ||
	    check_finite(s->logit_opacity, 1, s->n, "the opacity logit") < 0 ||
	    check_finite(s->sh, 3 * SGS_SH_COEFFS(s->sh_degree), s->n, "an SH coefficient") < 0)
		return -1;
	for (uint64_t i = 0; i < s->n; i++) {
		const float *q = s->quats + 4 * i;
		if (q[0] == 0 && q[1] == 0 && q[2] == 0 && q[3] == 0)
			return sgs_error_set("Gaussian %llu: rotation quaternion is zero",
					     (unsigned long long)i);
	}
	return 0;
}
