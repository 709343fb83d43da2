/* Web viewers' ".splat" export (sgs_splat_web.h). */
#include "sgs_splat_web.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_le.h"
#include "sgs_output.h"

#define SH_C0 0.28209479177387814

static uint8_t quantise(double v)
{
	v = v < 0 ? 0 : v > 255 ? 255 : v;
	return (uint8_t)lrint(v);
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

void sgs_web_splat_encode(const struct sgs_splats *s, uint64_t i, uint8_t out[SGS_WEB_SPLAT_BYTES])
{
	const float *q = s->quats + 4 * i;
	const float *dc = s->sh + i * SGS_SH_COEFFS(s->sh_degree) * 3;
	for (int k = 0; k < 3; k++) {
		sgs_put_f32(out + 4 * k, s->means[3 * i + k]);
		sgs_put_f32(out + 12 + 4 * k, expf(s->log_scales[3 * i + k]));
		out[24 + k] = quantise((0.5 + SH_C0 * dc[k]) * 255.0);
	}
	out[27] = quantise(sigmoid(s->logit_opacity[i]) * 255.0);
	double n = sqrt((double)q[0] * q[0] + (double)q[1] * q[1] + (double)q[2] * q[2] +
			(double)q[3] * q[3]);
	/* The renderer normalises too; a zero quaternion is no rotation. */
	for (int k = 0; k < 4; k++)
		out[28 + k] = n > 0 ? quantise(q[k] / n * 128.0 + 128.0) : k == 0 ? 255 : 128;
}

/* The sort key as a logarithm, so large scales cannot overflow:
 * log(exp(sum) * sigmoid(o)) = sum - log(1 + exp(-o)). */
struct keyed {
	double key;
	uint64_t index;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static double log1p_exp(double x) { return x > 30 ? x : log1p(exp(x)); }

uint64_t *sgs_web_splat_order(const struct sgs_splats *s)
{
	struct keyed *k = malloc((s->n ? s->n : 1) * sizeof *k);
	uint64_t *order = malloc((s->n ? s->n : 1) * sizeof *order);
	if (!k || !order) {
		free(k);
		free(order);
		sgs_error_set("out of memory sorting %llu Gaussians", (unsigned long long)s->n);
		return NULL;
	}
	for (uint64_t i = 0; i < s->n; i++) {
		const float *ls = s->log_scales + 3 * i;
		k[i].key = (double)ls[0] + ls[1] + ls[2] - log1p_exp(-(double)s->logit_opacity[i]);
		k[i].index = i;
	}
	qsort(k, s->n, sizeof *k, cmp_keyed);
	for (uint64_t i = 0; i < s->n; i++)
		order[i] = k[i].index;
	free(k);
	return order;
}

int sgs_web_splat_check(const struct sgs_splats *s)
{
	/* A scale past FLT_MAX would be written as inf, which the viewers
	 * square into their covariances; any finite stand-in would be a
	 * different model, so the file is refused instead. */
	for (uint64_t i = 0; i < 3 * s->n; i++)
		if (!isfinite(expf(s->log_scales[i])))
			return sgs_error_set("Gaussian %llu: log-scale %g is too large for a .splat file "
					     "(its scale, exp(%g), overflows a float; at most %.2f)",
					     (unsigned long long)(i / 3), s->log_scales[i],
					     s->log_scales[i], log(FLT_MAX));
	return 0;
}

int sgs_web_splat_write(FILE *f, const struct sgs_splats *s)
{
	if (sgs_web_splat_check(s) != 0)
		return -1;
	uint64_t *order = sgs_web_splat_order(s);
	if (!order)
		return -1;
	uint8_t rec[SGS_WEB_SPLAT_BYTES];
	for (uint64_t i = 0; i < s->n; i++) {
		sgs_web_splat_encode(s, order[i], rec);
		if (fwrite(rec, sizeof rec, 1, f) != 1) {
			free(order);
			return sgs_error_set("write error");
		}
	}
	free(order);
	return 0;
}

static int write_any(FILE *f, const void *s) { return sgs_web_splat_write(f, s); }

int sgs_web_splat_save(const char *path, const struct sgs_splats *s)
{
	return sgs_output_save(path, write_any, s);
}
