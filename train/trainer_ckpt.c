/* Checkpoints: everything that decides the rest of a run, in the chunk
 * framing of the scene files (8-byte header, then {tag, flags, length,
 * payload padded to 8}), all little-endian.  Layout in sgs-train(1). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_le.h"
#include "sgs_output.h"
#include "sgs_scene.h"
#include "trainer_internal.h"

#define CKPT_MAGIC "SGSK"
#define CKPT_VERSION 2
#define TOPT_BYTES 64
#define TSTA_BYTES 64
#define FSTA_BYTES 32

struct writer {
	FILE *f;
	int err;
};

static void put(struct writer *w, const void *p, size_t n)
{
	if (!w->err && n && fwrite(p, 1, n, w->f) != n)
		w->err = errno ? errno : EIO;
}

static void chunk_begin(struct writer *w, const char *tag, uint64_t len)
{
	uint8_t h[16];
	memcpy(h, tag, 4);
	sgs_put_u32(h + 4, 0);
	sgs_put_u64(h + 8, len);
	put(w, h, sizeof h);
}

static void chunk_end(struct writer *w, uint64_t len)
{
	static const uint8_t zero[8];
	put(w, zero, (size_t)((8 - len % 8) % 8));
}

/* Backend floats, downloaded and written little-endian in blocks. */
static int put_floats(struct writer *w, const struct sgs_backend *be, const float *buf, size_t n,
		      float *host, uint8_t *bytes, size_t block)
{
	for (size_t off = 0; off < n; off += block) {
		size_t k = n - off < block ? n - off : block;
		if (be->download(host, buf + off, k * sizeof(float)) != 0)
			return -1;
		for (size_t i = 0; i < k; i++)
			sgs_put_f32(bytes + 4 * i, host[i]);
		put(w, bytes, 4 * k);
	}
	return 0;
}

static int put_gaussians(struct writer *w, const char *tag, const struct sgs_trainer *t,
			 const struct sgs_gaussians *g, float *host, uint8_t *bytes, size_t block)
{
	float *p[NGROUPS];
	size_t len[NGROUPS], total = 0;
	field_arrays(g, p, len);
	for (int i = 0; i < 5; i++)
		total += len[i];
	chunk_begin(w, tag, 4 * (uint64_t)total);
	for (int i = 0; i < 5; i++)
		if (put_floats(w, t->be, p[i], len[i], host, bytes, block) != 0)
			return -1;
	chunk_end(w, 4 * (uint64_t)total);
	return 0;
}

static void encode_opts(const struct sgs_trainer *t, uint8_t *b)
{
	const struct sgs_trainer_opts *o = &t->o;
	memset(b, 0, TOPT_BYTES);
	sgs_put_u32(b, o->iterations);
	sgs_put_u32(b + 4, o->mcmc ? 1u : 0u); /* flags; bit 0: MCMC */
	sgs_put_u64(b + 8, o->seed);
	sgs_put_u32(b + 16, (uint32_t)o->sh_degree);
	sgs_put_u32(b + 20, (uint32_t)o->init);
	sgs_put_u32(b + 24, o->init_count);
	sgs_put_u32(b + 28, (uint32_t)o->random_bg);
	sgs_put_u32(b + 32, o->max_gaussians);
	sgs_put_f32(b + 36, o->lambda_dssim);
	sgs_put_u32(b + 40, o->fields);
	sgs_put_u32(b + 44, o->densify_from);
	sgs_put_u32(b + 48, o->densify_until);
	sgs_put_u32(b + 52, o->densify_every);
	sgs_put_u32(b + 56, o->reset_every);
}

static void encode_state(const struct sgs_trainer *t, uint8_t *b)
{
	memset(b, 0, TSTA_BYTES);
	sgs_put_u32(b, t->iteration);
	sgs_put_u32(b + 4, t->nfields);
	sgs_put_u64(b + 8, t->rng_counter);
	sgs_put_u32(b + 16, t->ntrain);
	sgs_put_u32(b + 20, t->stack_len);
	sgs_put_u64(b + 24, t->fingerprint);
	sgs_put_f64(b + 32, t->seconds);
	sgs_put_f32(b + 40, t->extent);
}

static void encode_field(const struct sgs_field *f, uint8_t *b)
{
	memset(b, 0, FSTA_BYTES);
	sgs_put_u32(b, f->st.params.n);
	sgs_put_u32(b + 4, (uint32_t)f->sh_active);
	for (int i = 0; i < NGROUPS; i++)
		sgs_put_u32(b + 8 + 4 * i, f->adam_step[i]);
}

static int write_field(struct writer *w, const struct sgs_trainer *t, const struct sgs_field *f,
		       float *host, uint8_t *bytes, size_t block)
{
	const struct sgs_train_state *st = &f->st;
	uint8_t head[FSTA_BYTES];
	chunk_begin(w, "FSTA", FSTA_BYTES);
	encode_field(f, head);
	put(w, head, FSTA_BYTES);
	if (put_gaussians(w, "GPAR", t, &st->params, host, bytes, block) != 0 ||
	    put_gaussians(w, "GAM1", t, &st->m, host, bytes, block) != 0 ||
	    put_gaussians(w, "GAM2", t, &st->v, host, bytes, block) != 0)
		return -1;
	uint64_t n = st->params.n;
	chunk_begin(w, "GACC", 12 * n);
	if (put_floats(w, t->be, st->grad2d_accum, n, host, bytes, block) != 0 ||
	    put_floats(w, t->be, st->grad2d_count, n, host, bytes, block) != 0 ||
	    put_floats(w, t->be, st->max_radii, n, host, bytes, block) != 0)
		return -1;
	chunk_end(w, 12 * n);
	return 0;
}

static int write_all(struct writer *w, const struct sgs_trainer *t)
{
	const size_t block = 1 << 16;
	uint8_t head[TSTA_BYTES > TOPT_BYTES ? TSTA_BYTES : TOPT_BYTES];
	float *host = malloc(block * sizeof *host);
	uint8_t *bytes = malloc(4 * block);
	int rc = -1;
	if (!host || !bytes) {
		sgs_error_set("out of memory");
		goto done;
	}
	memcpy(head, CKPT_MAGIC, 4);
	sgs_put_u32(head + 4, CKPT_VERSION);
	put(w, head, 8);
	chunk_begin(w, "TOPT", TOPT_BYTES);
	encode_opts(t, head);
	put(w, head, TOPT_BYTES);
	chunk_begin(w, "TSTA", TSTA_BYTES);
	encode_state(t, head);
	put(w, head, TSTA_BYTES);
	chunk_begin(w, "VSTK", 4 * (uint64_t)t->stack_len);
	for (uint32_t i = 0; i < t->stack_len; i++) {
		sgs_put_u32(head, t->stack[i]);
		put(w, head, 4);
	}
	chunk_end(w, 4 * (uint64_t)t->stack_len);
	for (uint32_t k = 0; k < t->nfields; k++)
		if (write_field(w, t, &t->fields[k], host, bytes, block) != 0)
			goto done;
	chunk_begin(w, "END ", 0);
	rc = w->err ? sgs_error_set("write error: %s", strerror(w->err)) : 0;
done:
	free(host);
	free(bytes);
	return rc;
}

int sgs_trainer_checkpoint(const struct sgs_trainer *t, const char *path)
{
	struct sgs_output o;
	if (sgs_output_open(&o, path) != 0)
		return -1;
	struct writer w = {o.f, 0};
	if (write_all(&w, t) != 0) {
		sgs_error_prefix("%s", path);
		sgs_output_abort(&o);
		return -1;
	}
	return sgs_output_commit(&o);
}

/* ---- reading ---- */

struct reader {
	FILE *f;
	const char *name;
};

static int get(struct reader *r, void *p, size_t n)
{
	if (n && fread(p, 1, n, r->f) != n)
		return sgs_error_set("%s: %s", r->name,
				     ferror(r->f) ? strerror(errno) : "truncated checkpoint");
	return 0;
}

static int skip_bytes(struct reader *r, uint64_t n)
{
	uint8_t buf[4096];
	while (n) {
		size_t k = n < sizeof buf ? (size_t)n : sizeof buf;
		if (get(r, buf, k) != 0)
			return -1;
		n -= k;
	}
	return 0;
}

static int get_floats(struct reader *r, const struct sgs_backend *be, float *buf, size_t n,
		      float *host, uint8_t *bytes, size_t block)
{
	for (size_t off = 0; off < n; off += block) {
		size_t k = n - off < block ? n - off : block;
		if (get(r, bytes, 4 * k) != 0)
			return -1;
		for (size_t i = 0; i < k; i++)
			host[i] = sgs_get_f32(bytes + 4 * i);
		if (be->upload(buf + off, host, k * sizeof(float)) != 0)
			return -1;
	}
	return 0;
}

/* What the header chunks say, before the trainer exists. */
struct ckpt_head {
	struct sgs_trainer_opts o;
	uint32_t iteration, nfields, ntrain, stack_len;
	uint64_t rng_counter, fingerprint;
	double seconds;
};

static int read_chunk_head(struct reader *r, char tag[5], uint64_t *len)
{
	uint8_t h[16];
	if (get(r, h, sizeof h) != 0)
		return -1;
	memcpy(tag, h, 4);
	tag[4] = '\0';
	*len = sgs_get_u64(h + 8);
	return 0;
}

static int expect_chunk(struct reader *r, const char *want, uint64_t len_want)
{
	char tag[5];
	uint64_t len;
	if (read_chunk_head(r, tag, &len) != 0)
		return -1;
	if (strcmp(tag, want) != 0 || len != len_want)
		return sgs_error_set("%s: expected chunk %s of %llu bytes, found %.4s of %llu", r->name, want,
				     (unsigned long long)len_want, tag, (unsigned long long)len);
	return 0;
}

static int read_head(struct reader *r, struct ckpt_head *h)
{
	uint8_t b[TSTA_BYTES > TOPT_BYTES ? TSTA_BYTES : TOPT_BYTES];
	if (get(r, b, 8) != 0)
		return -1;
	if (memcmp(b, CKPT_MAGIC, 4) != 0)
		return sgs_error_set("%s: not an sgs-train checkpoint", r->name);
	if (sgs_get_u32(b + 4) != CKPT_VERSION)
		return sgs_error_set("%s: checkpoint version %u, this sgs-train reads %d", r->name,
				     sgs_get_u32(b + 4), CKPT_VERSION);
	if (expect_chunk(r, "TOPT", TOPT_BYTES) != 0 || get(r, b, TOPT_BYTES) != 0)
		return -1;
	sgs_trainer_defaults(&h->o);
	h->o.iterations = sgs_get_u32(b);
	h->o.mcmc = (int)(sgs_get_u32(b + 4) & 1u);
	h->o.seed = sgs_get_u64(b + 8);
	h->o.sh_degree = (int)sgs_get_u32(b + 16);
	h->o.init = (int)sgs_get_u32(b + 20);
	h->o.init_count = sgs_get_u32(b + 24);
	h->o.random_bg = (int)sgs_get_u32(b + 28);
	h->o.max_gaussians = sgs_get_u32(b + 32);
	h->o.lambda_dssim = sgs_get_f32(b + 36);
	h->o.fields = sgs_get_u32(b + 40);
	h->o.densify_from = sgs_get_u32(b + 44);
	h->o.densify_until = sgs_get_u32(b + 48);
	h->o.densify_every = sgs_get_u32(b + 52);
	h->o.reset_every = sgs_get_u32(b + 56);
	if (expect_chunk(r, "TSTA", TSTA_BYTES) != 0 || get(r, b, TSTA_BYTES) != 0)
		return -1;
	h->iteration = sgs_get_u32(b);
	h->nfields = sgs_get_u32(b + 4);
	h->rng_counter = sgs_get_u64(b + 8);
	h->ntrain = sgs_get_u32(b + 16);
	h->stack_len = sgs_get_u32(b + 20);
	h->fingerprint = sgs_get_u64(b + 24);
	h->seconds = sgs_get_f64(b + 32);
	if (h->o.sh_degree < 0 || h->o.sh_degree > 3 || h->stack_len > h->ntrain ||
	    h->iteration > h->o.iterations || h->nfields != h->o.fields || h->nfields < 1 ||
	    h->nfields > SGS_MAX_FIELDS)
		return sgs_error_set("%s: inconsistent checkpoint header", r->name);
	return 0;
}

/* One field: its state chunk (allocating its n Gaussians), parameters,
 * moments and statistics. */
static int read_field(struct reader *r, struct sgs_trainer *t, struct sgs_field *f, float *host,
		      uint8_t *bytes, size_t block)
{
	uint8_t b[FSTA_BYTES];
	if (expect_chunk(r, "FSTA", FSTA_BYTES) != 0 || get(r, b, FSTA_BYTES) != 0)
		return -1;
	uint32_t n = sgs_get_u32(b), sh_active = sgs_get_u32(b + 4);
	if (sh_active > (uint32_t)t->o.sh_degree)
		return sgs_error_set("%s: active SH degree %u above the run's %d", r->name, sh_active,
				     t->o.sh_degree);
	if (field_alloc(f, t->be, n, t->o.sh_degree) != 0)
		return -1;
	f->sh_active = (int)sh_active;
	for (int i = 0; i < NGROUPS; i++)
		f->adam_step[i] = sgs_get_u32(b + 8 + 4 * i);
	struct sgs_train_state *st = &f->st;
	struct sgs_gaussians *sets[3] = {&st->params, &st->m, &st->v};
	const char *tags[3] = {"GPAR", "GAM1", "GAM2"};
	for (int s = 0; s < 3; s++) {
		float *p[NGROUPS];
		size_t len[NGROUPS], total = 0;
		field_arrays(sets[s], p, len);
		for (int i = 0; i < NGROUPS; i++)
			total += len[i];
		if (expect_chunk(r, tags[s], 4 * (uint64_t)total) != 0)
			return -1;
		for (int i = 0; i < NGROUPS; i++)
			if (get_floats(r, t->be, p[i], len[i], host, bytes, block) != 0)
				return -1;
		if (skip_bytes(r, (8 - 4 * (uint64_t)total % 8) % 8) != 0)
			return -1;
	}
	if (expect_chunk(r, "GACC", 12 * (uint64_t)n) != 0 ||
	    get_floats(r, t->be, st->grad2d_accum, n, host, bytes, block) != 0 ||
	    get_floats(r, t->be, st->grad2d_count, n, host, bytes, block) != 0 ||
	    get_floats(r, t->be, st->max_radii, n, host, bytes, block) != 0 ||
	    skip_bytes(r, (8 - 12 * (uint64_t)n % 8) % 8) != 0)
		return -1;
	field_sync_sh(f);
	return 0;
}

static int read_body(struct reader *r, struct sgs_trainer *t, const struct ckpt_head *h)
{
	const size_t block = 1 << 16;
	float *host = malloc(block * sizeof *host);
	uint8_t *bytes = malloc(4 * block);
	uint8_t b[4];
	int rc = -1;
	if (!host || !bytes) {
		sgs_error_set("out of memory");
		goto done;
	}
	if (expect_chunk(r, "VSTK", 4 * (uint64_t)h->stack_len) != 0)
		goto done;
	for (uint32_t i = 0; i < h->stack_len; i++) {
		if (get(r, b, 4) != 0)
			goto done;
		t->stack[i] = sgs_get_u32(b);
		if (t->stack[i] >= t->ntrain) {
			sgs_error_set("%s: view stack entry %u out of range", r->name, t->stack[i]);
			goto done;
		}
	}
	if (skip_bytes(r, (8 - 4 * (uint64_t)h->stack_len % 8) % 8) != 0)
		goto done;
	for (uint32_t k = 0; k < h->nfields; k++)
		if (read_field(r, t, &t->fields[k], host, bytes, block) != 0)
			goto done;
	if (expect_chunk(r, "END ", 0) != 0)
		goto done;
	rc = 0;
done:
	free(host);
	free(bytes);
	return rc;
}

int sgs_trainer_resume(const struct sgs_backend *be, const struct sgs_train_ops *ops,
		       const struct sgs_scene *s, const char *path, uint32_t iterations,
		       struct sgs_trainer **out)
{
	struct reader r = {NULL, path};
	struct ckpt_head h;
	struct sgs_trainer *t = NULL;
	int rc = -1;
	*out = NULL;
	if (!(r.f = fopen(path, "rb")))
		return sgs_error_set("%s: %s", path, strerror(errno));
	if (read_head(&r, &h) != 0)
		goto done;
	if (h.fingerprint != trainer_fingerprint(s) || h.ntrain != sgs_scene_count(s, SGS_SPLIT_TRAIN)) {
		sgs_error_set("%s: the checkpoint was made for another scene (train views differ)", path);
		goto done;
	}
	if (iterations) {
		if (iterations < h.iteration) {
			sgs_error_set("%s: the checkpoint is at iteration %u, past -n %u", path, h.iteration,
				      iterations);
			goto done;
		}
		h.o.iterations = iterations;
	}
	if (!(t = calloc(1, sizeof *t))) {
		sgs_error_set("out of memory");
		goto done;
	}
	if (trainer_setup(t, be, ops, s, &h.o) != 0 || read_body(&r, t, &h) != 0)
		goto done;
	t->iteration = h.iteration;
	t->rng_counter = h.rng_counter;
	t->stack_len = h.stack_len;
	t->seconds = h.seconds;
	rc = 0;
done:
	fclose(r.f);
	if (rc != 0) {
		sgs_trainer_free(t);
		return -1;
	}
	*out = t;
	return 0;
}
