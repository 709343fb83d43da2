/* Analytic ray tracing of the synthetic world: exact ray/primitive
 * intersections, procedural textures and Lambertian shading. */
#include <math.h>

#include "sgs_synthetic.h"

#define PI 3.14159265358979323846
#define SHADOW_EPS 1e-7

static double dot3(const double a[3], const double b[3])
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* Smallest root t > tmin of |o + t d - c|^2 = r^2, or INFINITY. */
static double hit_sphere(const double c[3], double r, const double o[3], const double d[3],
			 double tmin)
{
	double oc[3] = {o[0] - c[0], o[1] - c[1], o[2] - c[2]};
	double a = dot3(d, d), b = dot3(oc, d), cc = dot3(oc, oc) - r * r;
	double disc = b * b - a * cc;
	if (disc < 0)
		return INFINITY;
	double s = sqrt(disc);
	/* Stable roots: q = -(b + sign(b) s), t = q/a and cc/q. */
	double q = b >= 0 ? -(b + s) : -(b - s);
	double t0 = q / a, t1 = q != 0 ? cc / q : t0;
	if (t0 > t1) {
		double tmp = t0;
		t0 = t1;
		t1 = tmp;
	}
	return t0 > tmin ? t0 : t1 > tmin ? t1 : INFINITY;
}

/* World <-> box frame: rotation by yaw about +z around the box centre. */
static void to_box(const struct sgs_synthetic_world *w, const double v[3], double out[3],
		   int point)
{
	double x = v[0] - (point ? w->box_c[0] : 0), y = v[1] - (point ? w->box_c[1] : 0);
	double z = v[2] - (point ? w->box_c[2] : 0);
	double cs = w->box_cos, sn = w->box_sin;
	out[0] = cs * x + sn * y;
	out[1] = -sn * x + cs * y;
	out[2] = z;
}

/* Slab test in the box frame; returns t and the hit face's axis/sign. */
static double hit_box(const struct sgs_synthetic_world *w, const double o[3], const double d[3],
		      double tmin, int *axis, int *sign)
{
	double lo[3], ld[3];
	to_box(w, o, lo, 1);
	to_box(w, d, ld, 0);
	double t_near = -INFINITY, t_far = INFINITY;
	int ax_near = 0, ax_far = 0;
	for (int k = 0; k < 3; k++) {
		if (ld[k] == 0) {
			if (fabs(lo[k]) > w->box_half[k])
				return INFINITY;
			continue;
		}
		double t1 = (-w->box_half[k] - lo[k]) / ld[k];
		double t2 = (w->box_half[k] - lo[k]) / ld[k];
		if (t1 > t2) {
			double tmp = t1;
			t1 = t2;
			t2 = tmp;
		}
		if (t1 > t_near) {
			t_near = t1;
			ax_near = k;
		}
		if (t2 < t_far) {
			t_far = t2;
			ax_far = k;
		}
	}
	if (t_near > t_far)
		return INFINITY;
	if (t_near > tmin) {
		*axis = ax_near;
		*sign = ld[ax_near] > 0 ? -1 : 1;
		return t_near;
	}
	if (t_far > tmin) { /* ray starts inside: leaves through the far face */
		*axis = ax_far;
		*sign = ld[ax_far] > 0 ? 1 : -1;
		return t_far;
	}
	return INFINITY;
}

int sgs_synthetic_intersect(const struct sgs_synthetic_world *w, const double o[3],
			    const double d[3], double tmin, struct sgs_syn_hit *h)
{
	double best = INFINITY;
	int axis = 0, sign = 1;
	h->kind = SGS_SYN_SKY;
	h->index = -1;
	for (int i = 0; i < SGS_SYN_NSPHERES; i++) {
		double t = hit_sphere(w->sphere_c[i], w->sphere_r[i], o, d, tmin);
		if (t < best) {
			best = t;
			h->kind = SGS_SYN_SPHERE;
			h->index = i;
		}
	}
	int bax = 0, bsg = 1;
	double t = hit_box(w, o, d, tmin, &bax, &bsg);
	if (t < best) {
		best = t;
		h->kind = SGS_SYN_BOX;
		axis = bax;
		sign = bsg;
	}
	if (d[2] != 0) {
		t = -o[2] / d[2];
		double x = o[0] + t * d[0], y = o[1] + t * d[1];
		if (t > tmin && t < best && x * x + y * y <= w->ground_radius * w->ground_radius) {
			best = t;
			h->kind = SGS_SYN_GROUND;
			h->index = 0;
		}
	}
	h->t = best;
	if (h->kind == SGS_SYN_SKY)
		return h->kind;
	for (int k = 0; k < 3; k++)
		h->p[k] = o[k] + best * d[k];
	if (h->kind == SGS_SYN_SPHERE) {
		const double *c = w->sphere_c[h->index];
		for (int k = 0; k < 3; k++)
			h->n[k] = (h->p[k] - c[k]) / w->sphere_r[h->index];
	} else if (h->kind == SGS_SYN_BOX) {
		double nb[3] = {0, 0, 0}, cs = w->box_cos, sn = w->box_sin;
		nb[axis] = sign;
		h->n[0] = cs * nb[0] - sn * nb[1];
		h->n[1] = sn * nb[0] + cs * nb[1];
		h->n[2] = nb[2];
		h->index = axis;
	} else {
		h->n[0] = h->n[1] = 0;
		h->n[2] = 1;
	}
	return h->kind;
}

/* ---- procedural textures ---------------------------------------------- */

static double lattice(int64_t x, int64_t y, int64_t z, uint64_t seed)
{
	uint64_t k = seed ^ ((uint64_t)x * 0x9E3779B97F4A7C15ull) ^
		     ((uint64_t)y * 0xC2B2AE3D27D4EB4Full) ^ ((uint64_t)z * 0x165667B19E3779F9ull);
	k ^= k >> 33;
	k *= 0xFF51AFD7ED558CCDull;
	k ^= k >> 33;
	k *= 0xC4CEB9FE1A85EC53ull;
	k ^= k >> 33;
	return (k >> 11) * (1.0 / 9007199254740992.0);
}

static double smooth(double t) { return t * t * (3 - 2 * t); }

/* Trilinear value noise in [0,1] on the integer lattice. */
static double value_noise(const double p[3], uint64_t seed)
{
	double fl[3], f[3];
	for (int k = 0; k < 3; k++) {
		fl[k] = floor(p[k]);
		f[k] = smooth(p[k] - fl[k]);
	}
	int64_t x = (int64_t)fl[0], y = (int64_t)fl[1], z = (int64_t)fl[2];
	double v = 0;
	for (int c = 0; c < 8; c++) {
		int dx = c & 1, dy = (c >> 1) & 1, dz = c >> 2;
		double wgt = (dx ? f[0] : 1 - f[0]) * (dy ? f[1] : 1 - f[1]) * (dz ? f[2] : 1 - f[2]);
		v += wgt * lattice(x + dx, y + dy, z + dz, seed);
	}
	return v;
}

static double fbm(const double p[3], uint64_t seed)
{
	double q[3] = {p[0], p[1], p[2]}, v = 0, amp = 0.6, norm = 0;
	for (int o = 0; o < 3; o++) {
		v += amp * value_noise(q, seed + (uint64_t)o);
		norm += amp;
		for (int k = 0; k < 3; k++)
			q[k] *= 2.03;
		amp *= 0.5;
	}
	return v / norm;
}

static void mix(const double a[3], const double b[3], double t, double out[3])
{
	for (int k = 0; k < 3; k++)
		out[k] = a[k] + t * (b[k] - a[k]);
}

static void sphere_albedo(const struct sgs_synthetic_world *w, const struct sgs_syn_hit *h,
			  double alb[3])
{
	const double(*col)[3] = w->sphere_col[h->index];
	double u[3];
	for (int k = 0; k < 3; k++)
		u[k] = (h->p[k] - w->sphere_c[h->index][k]) / w->sphere_r[h->index];
	if (h->index == 0) { /* latitude/longitude checker, 10 x 6 cells */
		double lon = atan2(u[1], u[0]), lat = asin(fmax(-1, fmin(1, u[2])));
		long a = (long)floor(lon / (2 * PI / 10)), b = (long)floor(lat / (PI / 6));
		mix(col[0], col[1], (double)((a + b) & 1), alb);
	} else if (h->index == 1) { /* smooth tilted stripes */
		double s = 0.5 + 0.5 * sin(4.5 * PI * dot3(u, w->stripe_axis));
		mix(col[0], col[1], s, alb);
	} else { /* blotchy noise */
		double q[3] = {u[0] * 2.5, u[1] * 2.5, u[2] * 2.5};
		double s = fbm(q, w->noise_seed + 11);
		mix(col[0], col[1], smooth(fmin(1, fmax(0, (s - 0.3) * 2.5))), alb);
	}
}

static void albedo(const struct sgs_synthetic_world *w, const struct sgs_syn_hit *h,
		   double alb[3])
{
	if (h->kind == SGS_SYN_SPHERE) {
		sphere_albedo(w, h, alb);
	} else if (h->kind == SGS_SYN_BOX) {
		/* Face colour times a 3-D checker of half-extent cells. */
		double lp[3];
		to_box(w, h->p, lp, 1);
		long s = 0;
		for (int k = 0; k < 3; k++)
			s += (long)floor((lp[k] + w->box_half[k]) / (w->box_half[k] * 0.5) + 1e-9);
		double f = (s & 1) ? 0.62 : 1.0;
		for (int k = 0; k < 3; k++)
			alb[k] = w->box_col[h->index][k] * f;
	} else {
		long a = (long)floor(h->p[0] / w->ground_tile), b = (long)floor(h->p[1] / w->ground_tile);
		double q[3] = {h->p[0] * 3.0, h->p[1] * 3.0, 0.5};
		double g = 0.8 + 0.4 * fbm(q, w->noise_seed + 23);
		for (int k = 0; k < 3; k++)
			alb[k] = w->ground_col[(a + b) & 1][k] * g;
	}
}

void sgs_synthetic_radiance(const struct sgs_synthetic_world *w, const double o[3],
			    const double d[3], double rgb[3], struct sgs_syn_hit *out)
{
	struct sgs_syn_hit h, sh;
	if (sgs_synthetic_intersect(w, o, d, 0, &h) == SGS_SYN_SKY) {
		for (int k = 0; k < 3; k++)
			rgb[k] = w->sky[k];
	} else {
		double alb[3];
		albedo(w, &h, alb);
		double ndl = dot3(h.n, w->light), sun = 0;
		if (ndl > 0) {
			double so[3];
			for (int k = 0; k < 3; k++)
				so[k] = h.p[k] + h.n[k] * SHADOW_EPS * 100;
			if (sgs_synthetic_intersect(w, so, w->light, SHADOW_EPS, &sh) == SGS_SYN_SKY)
				sun = ndl;
		}
		double light = w->ambient + (1 - w->ambient) * sun;
		for (int k = 0; k < 3; k++)
			rgb[k] = alb[k] * light;
	}
	if (out)
		*out = h;
}
