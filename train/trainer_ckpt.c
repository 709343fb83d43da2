/* Checkpoints: everything that decides the rest of a run, in the chunk
 * framing of scene files (libcommon/sgs_chunk.h), all little-endian.
 * Layout in sgs-train(1).  Every count is checked against the chunk
 * lengths before anything is allocated, and every recipe field and
 * parameter is checked at load, so a damaged checkpoint is refused with
 * its name instead of failing later in training. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_chunk.h"
#include "sgs_error.h"
#include "sgs_le.h"
#include "sgs_scene.h"
#include "trainer_internal.h"

#define CKPT_MAGIC "SGSK"
#define CKPT_VERSION 2
#define TOPT_MIN 64    /* the first TOPT; fields past a TOPT's end read as 0 */
#define TOPT_DEPTH 64  /* the local depth terms' fields (24 bytes) */
#define TOPT_REG 128   /* the regularisers' fields (40 bytes) */
#define TOPT_COREG 192 /* co-regularisation and unpooling (40 bytes) */
#define TOPT_POSE 256  /* pose refinement and pseudo views (32 bytes) */
#define TOPT_WARP 320  /* warp consistency (16 bytes, then 16 zero) */
#define TOPT_MASKS 352 /* masks in training, the hull (16 bytes) */
#define TOPT_BYTES 368 /* as written */
#define TOPT_MAX 65536 /* longest accepted; bytes past TOPT_BYTES must be 0 */
#define TSTA_BYTES 64
#define FSTA_BYTES 32
#define POSE_BYTES 200 /* per train view */
#define BLOCK (1u << 16) /* floats moved between backend and file at once */

/* ---- writing ---- */

/* Backend floats, downloaded and written in blocks. */
static int put_floats(struct sgs_chunk_writer *w, const struct sgs_backend *be, const float *buf,
		      size_t n, float *host)
{
	for (size_t off = 0; off < n; off += BLOCK) {
		size_t k = n - off < BLOCK ? n - off : BLOCK;
		if (be->download(host, buf + off, k * sizeof(float)) != 0)
			return -1;
		sgs_chunk_write_f32(w, host, k);
	}
	return 0;
}

static uint64_t set_floats(const struct sgs_gaussians *g)
{
	float *p[NGROUPS];
	size_t len[NGROUPS];
	uint64_t total = 0;
	field_arrays(g, p, len);
	for (int i = 0; i < NGROUPS; i++)
		total += len[i];
	return total;
}

static int put_gaussians(struct sgs_chunk_writer *w, const char *tag, const struct sgs_backend *be,
			 const struct sgs_gaussians *g, float *host)
{
	float *p[NGROUPS];
	size_t len[NGROUPS];
	field_arrays(g, p, len);
	sgs_chunk_write_begin(w, tag, 0, 4 * set_floats(g));
	for (int i = 0; i < NGROUPS; i++)
		if (put_floats(w, be, p[i], len[i], host) != 0)
			return -1;
	sgs_chunk_write_close(w);
	return 0;
}

/* The regularisers' fields, at TOPT_REG (0 in older checkpoints: off). */
static void encode_reg(const struct sgs_trainer_opts *o, uint8_t *b)
{
	sgs_put_f32(b, o->dropout);
	sgs_put_f32(b + 4, o->opacity_decay);
	sgs_put_f32(b + 8, o->scale_ratio_weight);
	sgs_put_f32(b + 12, o->scale_ratio);
	sgs_put_f32(b + 16, o->scale_max_weight);
	sgs_put_f32(b + 20, o->scale_max);
	sgs_put_f32(b + 24, o->floater_std);
	sgs_put_u32(b + 28, o->floater_knn);
	sgs_put_f32(b + 32, o->floater_margin);
	sgs_put_f32(b + 36, o->floater_conf);
}

static void decode_reg(const uint8_t *b, struct sgs_trainer_opts *o)
{
	o->dropout = sgs_get_f32(b);
	o->opacity_decay = sgs_get_f32(b + 4);
	o->scale_ratio_weight = sgs_get_f32(b + 8);
	o->scale_ratio = sgs_get_f32(b + 12);
	o->scale_max_weight = sgs_get_f32(b + 16);
	o->scale_max = sgs_get_f32(b + 20);
	o->floater_std = sgs_get_f32(b + 24);
	o->floater_knn = sgs_get_u32(b + 28);
	o->floater_margin = sgs_get_f32(b + 32);
	o->floater_conf = sgs_get_f32(b + 36);
}

/* Co-regularisation and unpooling, at TOPT_COREG (0 in older checkpoints:
 * off). */
static void encode_coreg(const struct sgs_trainer_opts *o, uint8_t *b)
{
	sgs_put_u32(b, o->coreg ? 1u : 0u);
	sgs_put_f32(b + 4, o->coreg_weight);
	sgs_put_u32(b + 8, o->coreg_start);
	sgs_put_u32(b + 12, o->coprune_every);
	sgs_put_f32(b + 16, o->coprune_mult);
	sgs_put_f32(b + 20, o->coprune_dist);
	sgs_put_f32(b + 24, o->unpool);
	sgs_put_u32(b + 28, o->unpool_knn);
	sgs_put_u32(b + 32, o->unpool_until);
}

static void decode_coreg(const uint8_t *b, struct sgs_trainer_opts *o)
{
	o->coreg = (int)sgs_get_u32(b);
	o->coreg_weight = sgs_get_f32(b + 4);
	o->coreg_start = sgs_get_u32(b + 8);
	o->coprune_every = sgs_get_u32(b + 12);
	o->coprune_mult = sgs_get_f32(b + 16);
	o->coprune_dist = sgs_get_f32(b + 20);
	o->unpool = sgs_get_f32(b + 24);
	o->unpool_knn = sgs_get_u32(b + 28);
	o->unpool_until = sgs_get_u32(b + 32);
}

/* Pose refinement and pseudo views, at TOPT_POSE (0 in older
 * checkpoints: off); the pseudo scene's fingerprint is the trainer's. */
static void encode_pose(const struct sgs_trainer_opts *o, uint64_t pseudo_fp, uint8_t *b)
{
	sgs_put_u32(b, o->refine_poses ? 1u : 0u);
	sgs_put_f32(b + 4, o->pose_lr);
	sgs_put_u32(b + 8, o->pose_from);
	sgs_put_f32(b + 12, o->pseudo_weight);
	sgs_put_u32(b + 16, o->pseudo_every);
	sgs_put_u64(b + 24, pseudo_fp);
}

static void decode_pose(const uint8_t *b, struct sgs_trainer_opts *o, uint64_t *pseudo_fp)
{
	o->refine_poses = (int)sgs_get_u32(b);
	o->pose_lr = sgs_get_f32(b + 4);
	o->pose_from = sgs_get_u32(b + 8);
	o->pseudo_weight = sgs_get_f32(b + 12);
	o->pseudo_every = sgs_get_u32(b + 16);
	*pseudo_fp = sgs_get_u64(b + 24);
}

/* Warp consistency, at TOPT_WARP (0 in older checkpoints: off). */
static void encode_warp(const struct sgs_trainer_opts *o, uint8_t *b)
{
	sgs_put_u32(b, o->warp ? 1u : 0u);
	sgs_put_f32(b + 4, o->warp_weight);
	sgs_put_f32(b + 8, o->warp_baseline);
	sgs_put_u32(b + 12, o->warp_start);
}

static void decode_warp(const uint8_t *b, struct sgs_trainer_opts *o)
{
	o->warp = (int)sgs_get_u32(b);
	o->warp_weight = sgs_get_f32(b + 4);
	o->warp_baseline = sgs_get_f32(b + 8);
	o->warp_start = sgs_get_u32(b + 12);
}

/* ---- masks in training, at TOPT_MASKS (0 in older checkpoints: off) ---- */
static void encode_masks(const struct sgs_trainer_opts *o, uint8_t *b)
{
	sgs_put_u32(b, o->train_masks ? 1u : 0u); /* flags; bit 0: --train-masks */
	sgs_put_u32(b + 4, o->hull_res);
	sgs_put_u32(b + 8, o->hull_dilate);
}

static void decode_masks(const uint8_t *b, struct sgs_trainer_opts *o)
{
	o->train_masks = (int)sgs_get_u32(b);
	o->hull_res = sgs_get_u32(b + 4);
	o->hull_dilate = sgs_get_u32(b + 8);
	if (o->hull_res == 0) /* a checkpoint older than the hull */
		o->hull_res = SGS_HULL_RES, o->hull_dilate = SGS_HULL_DILATE;
}
/* ---- end of masks in training ---- */

static void encode_opts(const struct sgs_trainer_opts *o, uint8_t *b)
{
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
	sgs_put_f32(b + 60, o->depth_weight); /* 0 in checkpoints older than it */
	encode_reg(o, b + TOPT_REG);
	/* the local depth terms (0 in older checkpoints: off) */
	sgs_put_f32(b + TOPT_DEPTH, o->depth_patch_weight);
	sgs_put_u32(b + TOPT_DEPTH + 4, o->depth_patch_size);
	sgs_put_f32(b + TOPT_DEPTH + 8, o->depth_relative_weight);
	sgs_put_f32(b + TOPT_DEPTH + 12, o->depth_rank_weight);
	sgs_put_f32(b + TOPT_DEPTH + 16, o->depth_continuity_weight);
	sgs_put_f32(b + TOPT_DEPTH + 20, o->depth_smooth_weight);
	encode_coreg(o, b + TOPT_COREG);
	encode_warp(o, b + TOPT_WARP);
	encode_masks(o, b + TOPT_MASKS);
}

/* The bytes of TOPT this sgs-train reads; any other must be 0. */
static const uint32_t topt_known[][2] = {{0, 64}, {TOPT_DEPTH, TOPT_DEPTH + 24},
					 {TOPT_REG, TOPT_REG + 40}, {TOPT_COREG, TOPT_COREG + 40},
					 {TOPT_POSE, TOPT_POSE + 32}, {TOPT_WARP, TOPT_WARP + 16},
					 {TOPT_MASKS, TOPT_MASKS + 12}};

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

static int write_field(struct sgs_chunk_writer *w, const struct sgs_trainer *t,
		       const struct sgs_field *f, float *host)
{
	const struct sgs_train_state *st = &f->st;
	uint8_t b[FSTA_BYTES];
	encode_field(f, b);
	sgs_chunk_write(w, "FSTA", 0, b, FSTA_BYTES);
	if (put_gaussians(w, "GPAR", t->be, &st->params, host) != 0 ||
	    put_gaussians(w, "GAM1", t->be, &st->m, host) != 0 ||
	    put_gaussians(w, "GAM2", t->be, &st->v, host) != 0)
		return -1;
	uint64_t n = st->params.n;
	sgs_chunk_write_begin(w, "GACC", 0, 12 * n);
	if (put_floats(w, t->be, st->grad2d_accum, n, host) != 0 ||
	    put_floats(w, t->be, st->grad2d_count, n, host) != 0 ||
	    put_floats(w, t->be, st->max_radii, n, host) != 0)
		return -1;
	sgs_chunk_write_close(w);
	return 0;
}

static int write_all(struct sgs_chunk_writer *w, const struct sgs_trainer *t, float *host)
{
	uint8_t b[TOPT_BYTES > TSTA_BYTES ? TOPT_BYTES : TSTA_BYTES];
	sgs_chunk_write_header(w, CKPT_MAGIC, CKPT_VERSION);
	encode_opts(&t->o, b);
	encode_pose(&t->o, t->pseudo_fp, b + TOPT_POSE);
	sgs_chunk_write(w, "TOPT", 0, b, TOPT_BYTES);
	encode_state(t, b);
	sgs_chunk_write(w, "TSTA", 0, b, TSTA_BYTES);
	sgs_chunk_write_begin(w, "VSTK", 0, 4 * (uint64_t)t->stack_len);
	for (uint32_t i = 0; i < t->stack_len; i++) {
		sgs_put_u32(b, t->stack[i]);
		sgs_chunk_write_data(w, b, 4);
	}
	sgs_chunk_write_close(w);
	for (uint32_t k = 0; k < t->nfields; k++)
		if (write_field(w, t, &t->fields[k], host) != 0)
			return -1;
	if (t->poses) {
		sgs_chunk_write_begin(w, "POSE", 0, (uint64_t)POSE_BYTES * t->ntrain);
		for (uint32_t k = 0; k < t->ntrain; k++) {
			const struct train_pose *p = &t->poses[k];
			const double *d[4] = {p->R, p->t, p->m, p->v};
			const int n[4] = {9, 3, 6, 6};
			uint8_t *q = b;
			for (int a = 0; a < 4; a++)
				for (int i = 0; i < n[a]; i++, q += 8)
					sgs_put_f64(q, d[a][i]);
			sgs_put_u32(q, p->steps);
			sgs_put_u32(q + 4, 0);
			sgs_chunk_write_data(w, b, POSE_BYTES);
		}
		sgs_chunk_write_close(w);
	}
	return sgs_chunk_write_end(w, 0);
}

int sgs_trainer_checkpoint(const struct sgs_trainer *t, const char *path)
{
	struct sgs_chunk_writer w;
	float *host = malloc(BLOCK * sizeof *host);
	if (!host)
		return sgs_error_set("%s: out of memory", path);
	if (sgs_chunk_writer_open(&w, path) != 0) {
		free(host);
		return -1;
	}
	if (write_all(&w, t, host) != 0) {
		sgs_error_prefix("%s", path);
		sgs_chunk_writer_abort(&w);
		free(host);
		return -1;
	}
	free(host);
	return sgs_chunk_writer_commit(&w);
}

/* ---- reading ---- */

/* What the header chunks say, before the trainer exists. */
struct ckpt_head {
	struct sgs_trainer_opts o;
	uint32_t iteration, nfields, ntrain, stack_len;
	uint64_t rng_counter, fingerprint, pseudo_fp;
	double seconds;
};

/* Floats into a backend buffer; with `finite`, refuse NaN and infinity
 * (parameters and moments; statistics may not hold them either). */
static int get_floats(struct sgs_chunk_reader *r, const struct sgs_backend *be, float *buf,
		      size_t n, float *host, const char *what)
{
	for (size_t off = 0; off < n; off += BLOCK) {
		size_t k = n - off < BLOCK ? n - off : BLOCK;
		if (sgs_chunk_read_f32(r, host, k) != 0)
			return -1;
		for (size_t i = 0; i < k; i++)
			if (!isfinite(host[i]))
				return sgs_chunk_error(r, "%s %zu is %g", what, off + i, host[i]);
		if (be->upload(buf + off, host, k * sizeof(float)) != 0)
			return -1;
	}
	return 0;
}

static int check_opts(struct sgs_chunk_reader *r, const struct sgs_trainer_opts *o)
{
	if (o->iterations == 0)
		return sgs_chunk_error(r, "no iterations");
	if (o->sh_degree < 0 || o->sh_degree > 3)
		return sgs_chunk_error(r, "SH degree %d out of range 0..3", o->sh_degree);
	if (o->init != SGS_INIT_SEEDS && o->init != SGS_INIT_RANDOM && o->init != SGS_INIT_DEPTH &&
	    o->init != SGS_INIT_HULL)
		return sgs_chunk_error(r, "unknown initialisation kind %d", o->init);
	if (o->random_bg != 0 && o->random_bg != 1)
		return sgs_chunk_error(r, "random background flag %d", o->random_bg);
	if (o->max_gaussians == 0 || o->max_gaussians > SGS_MAX_GAUSSIANS)
		return sgs_chunk_error(r, "a cap of %u Gaussians (1 to %u)", o->max_gaussians,
				       SGS_MAX_GAUSSIANS);
	if (!(o->lambda_dssim >= 0.0f && o->lambda_dssim <= 1.0f))
		return sgs_chunk_error(r, "SSIM weight %g outside [0, 1]", o->lambda_dssim);
	if (sgs_trainer_check_depth(o) != 0)
		return sgs_chunk_error(r, "%s", sgs_error_get());
	if (o->fields < 1 || o->fields > SGS_MAX_FIELDS)
		return sgs_chunk_error(r, "%u Gaussian fields (1 to %d)", o->fields, SGS_MAX_FIELDS);
	/* the schedule divides by both */
	if (o->densify_every == 0 || o->reset_every == 0)
		return sgs_chunk_error(r, "%s interval of 0 iterations",
				       o->densify_every == 0 ? "densification" : "opacity reset");
	if (o->coreg != 0 && o->coreg != 1)
		return sgs_chunk_error(r, "co-regularisation flag %d", o->coreg);
	char why[192];
	if (trainer_check_reg(o, why, sizeof why) != 0 ||
	    sgs_trainer_check_masks(o, why, sizeof why) != 0)
		return sgs_chunk_error(r, "%s", why);
	return 0;
}

/* TOPT, of any length from TOPT_MIN, into b (TOPT_BYTES): what it lacks
 * reads as 0, and what this sgs-train does not know must be 0. */
static int read_topt(struct sgs_chunk_reader *r, uint8_t *b)
{
	int rc = sgs_chunk_read_next(r);
	if (rc < 0)
		return -1;
	if (rc == 0 || !sgs_chunk_is(r, "TOPT"))
		return sgs_error_set("%s: expected a 'TOPT' chunk at offset %llu, found '%s'", r->name,
				     (unsigned long long)r->offset, r->tagstr);
	if (r->length < TOPT_MIN || r->length > TOPT_MAX)
		return sgs_chunk_error(r, "length is %llu, expected %d to %d",
				       (unsigned long long)r->length, TOPT_MIN, TOPT_MAX);
	size_t k = r->length < TOPT_BYTES ? (size_t)r->length : TOPT_BYTES;
	memset(b, 0, TOPT_BYTES);
	if (sgs_chunk_read_payload(r, b, k) != 0)
		return -1;
	for (uint64_t i = 0; i < r->length; i++) {
		uint8_t x = 0;
		int known = 0;
		for (size_t j = 0; j < sizeof topt_known / sizeof topt_known[0]; j++)
			known |= i >= topt_known[j][0] && i < topt_known[j][1];
		if (i < k)
			x = b[i];
		else if (sgs_chunk_read_payload(r, &x, 1) != 0)
			return -1;
		if (x != 0 && !known)
			return sgs_chunk_error(r, "byte %llu is set: a recipe this sgs-train does not "
						  "know (made by a newer sgs?)", (unsigned long long)i);
	}
	return 0;
}

static int read_head(struct sgs_chunk_reader *r, struct ckpt_head *h)
{
	uint8_t b[TOPT_BYTES > TSTA_BYTES ? TOPT_BYTES : TSTA_BYTES];
	uint32_t version;
	if (sgs_chunk_read_header(r, CKPT_MAGIC, "checkpoint", CKPT_VERSION, &version) != 0)
		return -1;
	if (version != CKPT_VERSION)
		return sgs_error_set("%s: checkpoint version %u, this sgs-train reads %d", r->name,
				     version, CKPT_VERSION);
	if (read_topt(r, b) != 0)
		return -1;
	struct sgs_trainer_opts *o = &h->o;
	sgs_trainer_defaults(o);
	o->iterations = sgs_get_u32(b);
	o->mcmc = (int)(sgs_get_u32(b + 4) & 1u);
	o->seed = sgs_get_u64(b + 8);
	o->sh_degree = (int)sgs_get_u32(b + 16);
	o->init = (int)sgs_get_u32(b + 20);
	o->init_count = sgs_get_u32(b + 24);
	o->random_bg = (int)sgs_get_u32(b + 28);
	o->max_gaussians = sgs_get_u32(b + 32);
	o->lambda_dssim = sgs_get_f32(b + 36);
	o->fields = sgs_get_u32(b + 40);
	o->densify_from = sgs_get_u32(b + 44);
	o->densify_until = sgs_get_u32(b + 48);
	o->densify_every = sgs_get_u32(b + 52);
	o->reset_every = sgs_get_u32(b + 56);
	o->depth_weight = sgs_get_f32(b + 60);
	decode_reg(b + TOPT_REG, o);
	o->depth_patch_weight = sgs_get_f32(b + TOPT_DEPTH);
	o->depth_patch_size = sgs_get_u32(b + TOPT_DEPTH + 4);
	if (o->depth_patch_size == 0) /* a checkpoint older than the local terms */
		o->depth_patch_size = SGS_DEPTH_PATCH_SIZE;
	o->depth_relative_weight = sgs_get_f32(b + TOPT_DEPTH + 8);
	o->depth_rank_weight = sgs_get_f32(b + TOPT_DEPTH + 12);
	o->depth_continuity_weight = sgs_get_f32(b + TOPT_DEPTH + 16);
	o->depth_smooth_weight = sgs_get_f32(b + TOPT_DEPTH + 20);
	decode_coreg(b + TOPT_COREG, o);
	decode_pose(b + TOPT_POSE, o, &h->pseudo_fp);
	decode_warp(b + TOPT_WARP, o);
	decode_masks(b + TOPT_MASKS, o);
	if (check_opts(r, o) != 0)
		return -1;
	if (sgs_chunk_read_expect(r, "TSTA", TSTA_BYTES) != 0 ||
	    sgs_chunk_read_payload(r, b, TSTA_BYTES) != 0)
		return -1;
	h->iteration = sgs_get_u32(b);
	h->nfields = sgs_get_u32(b + 4);
	h->rng_counter = sgs_get_u64(b + 8);
	h->ntrain = sgs_get_u32(b + 16);
	h->stack_len = sgs_get_u32(b + 20);
	h->fingerprint = sgs_get_u64(b + 24);
	h->seconds = sgs_get_f64(b + 32);
	if (h->stack_len > h->ntrain || h->iteration > o->iterations || h->nfields != o->fields ||
	    !(h->seconds >= 0))
		return sgs_chunk_error(r, "inconsistent state (iteration %u of %u, %u of %u views "
					  "left, %u fields)",
				       h->iteration, o->iterations, h->stack_len, h->ntrain, h->nfields);
	return 0;
}

/* One field: its state chunk, then its parameters, moments and
 * statistics; the count is checked against the parameter chunk's length
 * before the field is allocated. */
static int read_field(struct sgs_chunk_reader *r, struct sgs_trainer *t, struct sgs_field *f,
		      float *host)
{
	uint8_t b[FSTA_BYTES];
	if (sgs_chunk_read_expect(r, "FSTA", FSTA_BYTES) != 0 ||
	    sgs_chunk_read_payload(r, b, FSTA_BYTES) != 0)
		return -1;
	uint32_t n = sgs_get_u32(b), sh_active = sgs_get_u32(b + 4);
	const int deg = t->o.sh_degree;
	if (sh_active > (uint32_t)deg)
		return sgs_chunk_error(r, "active SH degree %u above the run's %d", sh_active, deg);
	if (n > t->o.max_gaussians)
		return sgs_chunk_error(r, "%u Gaussians, more than the cap of %u", n, t->o.max_gaussians);
	const uint64_t per = 3 + 3 + 4 + 1 + 3 * (uint64_t)sgs_sh_coeffs(deg);
	if (sgs_chunk_read_expect(r, "GPAR", 4 * per * n) != 0)
		return -1;
	if (field_alloc(f, t->be, n, deg) != 0)
		return sgs_error_prefix("%s", r->name);
	f->sh_active = (int)sh_active;
	for (int i = 0; i < NGROUPS; i++)
		f->adam_step[i] = sgs_get_u32(b + 8 + 4 * i);
	struct sgs_train_state *st = &f->st;
	struct sgs_gaussians *sets[3] = {&st->params, &st->m, &st->v};
	const char *tags[3] = {"GPAR", "GAM1", "GAM2"};
	const char *what[3] = {"parameter", "first moment", "second moment"};
	for (int s = 0; s < 3; s++) {
		float *p[NGROUPS];
		size_t len[NGROUPS];
		field_arrays(sets[s], p, len);
		if (s > 0 && sgs_chunk_read_expect(r, tags[s], 4 * per * n) != 0)
			return -1;
		for (int i = 0; i < NGROUPS; i++)
			if (get_floats(r, t->be, p[i], len[i], host, what[s]) != 0)
				return -1;
	}
	if (sgs_chunk_read_expect(r, "GACC", 12 * (uint64_t)n) != 0 ||
	    get_floats(r, t->be, st->grad2d_accum, n, host, "gradient sum") != 0 ||
	    get_floats(r, t->be, st->grad2d_count, n, host, "visibility count") != 0 ||
	    get_floats(r, t->be, st->max_radii, n, host, "screen radius") != 0)
		return -1;
	field_sync_sh(f);
	return 0;
}

/* POSE: each train view's refined R|t and its Adam state. */
static int read_poses(struct sgs_chunk_reader *r, struct sgs_trainer *t, const struct ckpt_head *h)
{
	uint8_t b[POSE_BYTES];
	if (sgs_chunk_read_expect(r, "POSE", (uint64_t)POSE_BYTES * t->ntrain) != 0)
		return -1;
	for (uint32_t k = 0; k < t->ntrain; k++) {
		struct train_pose *p = &t->poses[k];
		double *d[4] = {p->R, p->t, p->m, p->v};
		const int n[4] = {9, 3, 6, 6};
		const uint8_t *q = b;
		double err = 0;
		if (sgs_chunk_read_payload(r, b, POSE_BYTES) != 0)
			return -1;
		for (int a = 0; a < 4; a++)
			for (int i = 0; i < n[a]; i++, q += 8)
				if (!isfinite(d[a][i] = sgs_get_f64(q)) || (a == 3 && d[a][i] < 0))
					return sgs_chunk_error(r, "view %u: pose value %d.%d is %g", k, a,
							       i, d[a][i]);
		p->steps = sgs_get_u32(q);
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				err = fmax(err, fabs(p->R[3 * i] * p->R[3 * j] + p->R[3 * i + 1] *
						     p->R[3 * j + 1] + p->R[3 * i + 2] * p->R[3 * j + 2] -
						     (i == j)));
		if (err > 1e-6 || p->steps > h->iteration)
			return sgs_chunk_error(r, "view %u: not a rotation (error %g) or %u steps", k,
					       err, p->steps);
		trainer_pose_apply(p, &t->views[k].cam);
	}
	return 0;
}

static int read_body(struct sgs_chunk_reader *r, struct sgs_trainer *t, const struct ckpt_head *h)
{
	float *host = malloc(BLOCK * sizeof *host);
	uint8_t b[4];
	int rc = -1;
	if (!host)
		return sgs_error_set("out of memory");
	if (sgs_chunk_read_expect(r, "VSTK", 4 * (uint64_t)h->stack_len) != 0)
		goto done;
	for (uint32_t i = 0; i < h->stack_len; i++) {
		if (sgs_chunk_read_payload(r, b, 4) != 0)
			goto done;
		t->stack[i] = sgs_get_u32(b);
		if (t->stack[i] >= t->ntrain) {
			sgs_chunk_error(r, "view stack entry %u out of range", t->stack[i]);
			goto done;
		}
	}
	for (uint32_t k = 0; k < h->nfields; k++)
		if (read_field(r, t, &t->fields[k], host) != 0)
			goto done;
	if (t->poses && read_poses(r, t, h) != 0)
		goto done;
	if (sgs_chunk_read_expect(r, "END ", 0) != 0 || sgs_chunk_read_eof(r) != 0)
		goto done;
	rc = 0;
done:
	free(host);
	return rc;
}

int sgs_trainer_resume(const struct sgs_backend *be, const struct sgs_scene *s, const char *path, uint32_t iterations,
		       struct sgs_trainer **out)
{
	struct sgs_chunk_reader r;
	struct ckpt_head h;
	struct sgs_trainer *t = NULL;
	int rc = -1;
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return sgs_error_set("%s: %s", path, strerror(errno));
	sgs_chunk_reader_init(&r, f, path);
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
	if (trainer_setup(t, be, s, &h.o) != 0 || trainer_check_memory(t) != 0) {
		sgs_error_prefix("%s", path);
		goto done;
	}
	if (read_body(&r, t, &h) != 0)
		goto done;
	t->iteration = h.iteration;
	t->rng_counter = h.rng_counter;
	t->stack_len = h.stack_len;
	t->seconds = h.seconds;
	t->pseudo_fp = h.pseudo_fp;
	rc = 0;
done:
	fclose(f);
	if (rc != 0) {
		sgs_trainer_free(t);
		return -1;
	}
	*out = t;
	return 0;
}
