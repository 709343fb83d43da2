/* Camera pose refinement (sgs-train --refine-poses): every train view but
 * the first (which fixes the frame the others and the Gaussians move in)
 * carries its own world-to-camera R|t, updated after each of its
 * iterations by Adam on the twist xi = (rho, omega) of the left update
 *     [R|t] <- exp(xi^) [R|t] = [Rod(omega) R | Rod(omega) t + rho],
 * the update whose gradient sgs_cam_grad_twist gives from the
 * rasterizer's pose gradient (tests/unit/test_raster_grad.c checks it
 * against finite differences along exactly this update).  The moments
 * live in the tangent space at the current pose, as in Lie-group
 * optimisers; R is re-orthonormalised after every update.  Rotation steps
 * are at most about pose_lr radians, translation steps pose_lr x the
 * scene radius.  Host arithmetic in double: the same bytes on every
 * backend given the same gradients. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_scene.h"
#include "trainer_internal.h"

#define POSE_B1 0.9
#define POSE_B2 0.999
#define POSE_EPS 1e-15

int trainer_poses_init(struct sgs_trainer *t)
{
	if (!(t->poses = calloc(t->ntrain ? t->ntrain : 1, sizeof *t->poses)))
		return sgs_error_set("out of memory");
	for (uint32_t k = 0; k < t->ntrain; k++) {
		const struct sgs_view *v = &t->scene->views[t->views[k].scene_index];
		memcpy(t->poses[k].R, v->cam.R, sizeof v->cam.R);
		memcpy(t->poses[k].t, v->cam.t, sizeof v->cam.t);
	}
	return 0;
}

int trainer_pose_active(const struct sgs_trainer *t, uint32_t k, uint32_t it)
{
	return t->poses && k > 0 && it > t->o.pose_from && it < t->o.iterations;
}

void trainer_pose_apply(const struct train_pose *p, struct sgs_cam *cam)
{
	for (int i = 0; i < 9; i++)
		cam->R[i] = (float)p->R[i];
	for (int i = 0; i < 3; i++)
		cam->t[i] = (float)p->t[i];
}

/* Rotation by the axis-angle vector w (Rodrigues). */
static void rodrigues(const double w[3], double M[9])
{
	double th = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
	double k[3] = {0, 0, 0}, s = sin(th), c = 1 - cos(th);
	if (th > 0)
		k[0] = w[0] / th, k[1] = w[1] / th, k[2] = w[2] / th;
	double K[9] = {0, -k[2], k[1], k[2], 0, -k[0], -k[1], k[0], 0};
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			M[3 * i + j] = (i == j) + s * K[3 * i + j] +
				       c * (K[3 * i] * K[j] + K[3 * i + 1] * K[3 + j] +
					    K[3 * i + 2] * K[6 + j]);
}

/* Gram-Schmidt on the rows, the third their cross product. */
static void orthonormalise(double R[9])
{
	double *a = R, *b = R + 3, *c = R + 6;
	double n = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
	for (int i = 0; i < 3; i++)
		a[i] /= n;
	double d = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
	for (int i = 0; i < 3; i++)
		b[i] -= d * a[i];
	n = sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
	for (int i = 0; i < 3; i++)
		b[i] /= n;
	c[0] = a[1] * b[2] - a[2] * b[1];
	c[1] = a[2] * b[0] - a[0] * b[2];
	c[2] = a[0] * b[1] - a[1] * b[0];
}

void trainer_pose_step(struct sgs_trainer *t, uint32_t k, const struct sgs_cam_grad *g)
{
	struct train_pose *p = &t->poses[k];
	float tw[6];
	double xi[6], M[9], R[9], tr[3];
	sgs_cam_grad_twist(&t->views[k].cam, g, tw);
	p->steps++;
	double bc1 = 1 - pow(POSE_B1, p->steps), bc2 = 1 - pow(POSE_B2, p->steps);
	for (int i = 0; i < 6; i++) {
		double lr = i < 3 ? (double)t->o.pose_lr * t->extent : (double)t->o.pose_lr;
		if (!isfinite(tw[i]))
			tw[i] = 0.0f;
		p->m[i] = POSE_B1 * p->m[i] + (1 - POSE_B1) * tw[i];
		p->v[i] = POSE_B2 * p->v[i] + (1 - POSE_B2) * (double)tw[i] * tw[i];
		xi[i] = -lr * (p->m[i] / bc1) / (sqrt(p->v[i] / bc2) + POSE_EPS);
	}
	rodrigues(xi + 3, M);
	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < 3; j++)
			R[3 * i + j] = M[3 * i] * p->R[j] + M[3 * i + 1] * p->R[3 + j] +
				       M[3 * i + 2] * p->R[6 + j];
		tr[i] = M[3 * i] * p->t[0] + M[3 * i + 1] * p->t[1] + M[3 * i + 2] * p->t[2] + xi[i];
	}
	orthonormalise(R);
	memcpy(p->R, R, sizeof R);
	memcpy(p->t, tr, sizeof tr);
	trainer_pose_apply(p, &t->views[k].cam);
}

int sgs_trainer_view_pose(const struct sgs_trainer *t, uint32_t i, double R[9], double tr[3])
{
	for (uint32_t k = 0; k < t->ntrain; k++) {
		if (t->views[k].scene_index != i)
			continue;
		const struct sgs_camera *c = &t->scene->views[i].cam;
		memcpy(R, t->poses ? t->poses[k].R : c->R, 9 * sizeof *R);
		memcpy(tr, t->poses ? t->poses[k].t : c->t, 3 * sizeof *tr);
		return 0;
	}
	return sgs_error_set("view %u is not a train view", i);
}

/* The scene with the run's train poses: path for sgs_scene_save, else
 * written to f. */
static int poses_out(const struct sgs_trainer *t, const char *path, FILE *f)
{
	struct sgs_scene s = *t->scene;
	if (!(s.views = malloc((s.nviews ? s.nviews : 1) * sizeof *s.views)))
		return sgs_error_set("out of memory");
	memcpy(s.views, t->scene->views, s.nviews * sizeof *s.views);
	for (uint32_t k = 0; k < t->ntrain; k++)
		sgs_trainer_view_pose(t, t->views[k].scene_index, s.views[t->views[k].scene_index].cam.R,
				      s.views[t->views[k].scene_index].cam.t);
	int rc = path ? sgs_scene_save(path, &s) : sgs_scene_write(f, &s);
	free(s.views); /* the rest is the trainer's scene's */
	return rc;
}

int sgs_trainer_save_poses(const struct sgs_trainer *t, const char *path)
{
	return poses_out(t, path, NULL);
}

int sgs_trainer_write_poses(const struct sgs_trainer *t, FILE *f)
{
	return poses_out(t, NULL, f);
}
