/* Held-out views scored during training: each view of a split rendered
 * on the scene background and compared with its image by the backend's
 * loss op (PSNR from its MSE, SSIM as the 3DGS evaluation computes it).
 * Masks are not applied, so on DTU this is the unmasked score; sgs-eval
 * gives the protocol's. */
#include <math.h>
#include <stdlib.h>

#include "sgs_error.h"
#include "sgs_scene.h"
#include "trainer_internal.h"

static int score_view(struct sgs_trainer *t, const struct sgs_view *v, float *host, float *gt,
		      double *psnr, double *ssim)
{
	const float bg[3] = {t->scene->background[0], t->scene->background[1],
			     t->scene->background[2]};
	size_t np = (size_t)v->cam.w * v->cam.h;
	struct sgs_cam cam;
	struct sgs_raster_opts ro = {.bg = {bg[0], bg[1], bg[2]}, .antialias = 0};
	struct sgs_render_out out;
	double terms[4];
	float *dimg = NULL;
	int rc = -1;
	if (trainer_view_rgb(v, bg, host, NULL) != 0 ||
	    t->be->upload(gt, host, 3 * np * sizeof(float)) != 0)
		return -1;
	sgs_cam_from_camera(&v->cam, &cam);
	for (uint32_t k = 0; t->poses && k < t->ntrain; k++) /* refined train poses */
		if (&t->scene->views[t->views[k].scene_index] == v)
			trainer_pose_apply(&t->poses[k], &cam);
	if (sgs_render_out_alloc(t->be, &out, (int)v->cam.w, (int)v->cam.h, 0) != 0)
		return -1;
	if ((dimg = t->be->alloc(3 * np * sizeof(float))) &&
	    sgs_render(t->fields[0].ctx, &t->fields[0].st.params, &cam, &ro, &out) == 0 &&
	    t->ops->loss_l1_ssim(out.rgb, gt, (int)v->cam.w, (int)v->cam.h, 0.2f, dimg, terms) == 0) {
		*psnr = terms[2] > 0 ? -10.0 * log10(terms[2]) : INFINITY;
		*ssim = terms[1];
		rc = 0;
	}
	t->be->free(dimg);
	sgs_render_out_free(t->be, &out);
	return rc;
}

int sgs_trainer_evaluate(struct sgs_trainer *t, int split, struct sgs_eval_result *r)
{
	const struct sgs_scene *s = t->scene;
	size_t maxpix = 0;
	r->views = 0;
	r->psnr = r->ssim = 0;
	for (uint32_t i = 0; i < s->nviews; i++)
		if ((int)s->views[i].split == split &&
		    (size_t)s->views[i].cam.w * s->views[i].cam.h > maxpix)
			maxpix = (size_t)s->views[i].cam.w * s->views[i].cam.h;
	if (maxpix == 0)
		return 0;
	float *host = malloc(3 * maxpix * sizeof *host);
	float *gt = t->be->alloc(3 * maxpix * sizeof(float));
	int rc = host && gt ? 0 : sgs_error_set("out of memory for evaluation");
	for (uint32_t i = 0; rc == 0 && i < s->nviews; i++) {
		double p, q;
		if ((int)s->views[i].split != split)
			continue;
		if (score_view(t, &s->views[i], host, gt, &p, &q) != 0) {
			rc = sgs_error_prefix("evaluating view %s", s->views[i].name);
			break;
		}
		r->psnr += p;
		r->ssim += q;
		r->views++;
	}
	if (r->views) {
		r->psnr /= r->views;
		r->ssim /= r->views;
	}
	free(host);
	t->be->free(gt);
	return rc;
}
