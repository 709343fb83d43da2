/* DTU/IDR import: projection-matrix decomposition, then scan24's cameras
 * against cameras_sphere.npz, and the dtu protocol end to end. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sgs_camera.h"
#include "sgs_error.h"
#include "sgs_import.h"
#include "sgs_npy.h"
#include "sgs_projection.h"
#include "tap.h"

static void matmul3(const double *A, const double *B, double *C)
{
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 3; c++)
			C[3 * r + c] = A[3 * r] * B[c] + A[3 * r + 1] * B[3 + c] + A[3 * r + 2] * B[6 + c];
}

static double det3(const double *m)
{
	return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
	       m[2] * (m[3] * m[7] - m[4] * m[6]);
}

/* P = K [R | t] as a row-major 3x4. */
static void compose(const double K[9], const double R[9], const double t[3], double P[12])
{
	double KR[9];
	matmul3(K, R, KR);
	for (int r = 0; r < 3; r++) {
		for (int c = 0; c < 3; c++)
			P[4 * r + c] = KR[3 * r + c];
		P[4 * r + 3] = K[3 * r] * t[0] + K[3 * r + 1] * t[1] + K[3 * r + 2] * t[2];
	}
}

/* Relative difference of two matrices that agree up to a scale factor. */
static double diff_up_to_scale(const double *A, const double *B, int n)
{
	double ab = 0, aa = 0, err = 0, mag = 0;
	for (int k = 0; k < n; k++) {
		ab += A[k] * B[k];
		aa += A[k] * A[k];
	}
	double s = ab / aa;
	for (int k = 0; k < n; k++) {
		err = fmax(err, fabs(s * A[k] - B[k]));
		mag = fmax(mag, fabs(B[k]));
	}
	return err / mag;
}

static void test_decompose(void)
{
	double K[9] = {1200, 0.75, 640.5, 0, 1180, 355.25, 0, 0, 1};
	double q[4] = {0.8, -0.2, 0.5, 0.26}, R[9], t[3] = {0.3, -1.2, 4.5};
	double n = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
	for (int k = 0; k < 4; k++)
		q[k] /= n;
	sgs_quat_to_rot(q, R);
	double P[12], K2[9], R2[9], t2[3];
	compose(K, R, t, P);
	for (int k = 0; k < 12; k++)
		P[k] *= -3.7; /* a projection matrix is defined up to any scale */
	ok(sgs_decompose_projection(P, K2, R2, t2) == 0, "decompose a scaled, negated K[R|t]");
	double e = 0;
	for (int k = 0; k < 9; k++)
		e = fmax(e, fabs(K2[k] - K[k]) / 1200 + fabs(R2[k] - R[k]));
	for (int k = 0; k < 3; k++)
		e = fmax(e, fabs(t2[k] - t[k]));
	ok(e < 1e-12, "K (with skew), R and t recovered (max error %.2g)", e);
	ok(fabs(det3(R2) - 1) < 1e-12 && K2[0] > 0 && K2[4] > 0 && K2[8] == 1,
	   "det R = +1, positive focal lengths, K[2][2] = 1");
	double Z[12] = {0};
	ok(sgs_decompose_projection(Z, K2, R2, t2) == -1, "singular matrix refused: %s",
	   sgs_error_get());
}

static int read_p(const char *npz, int i, double P[12])
{
	char name[64];
	struct sgs_npy W, S;
	snprintf(name, sizeof name, "world_mat_%d", i);
	if (sgs_npz_read(npz, name, &W) != 0)
		return -1;
	snprintf(name, sizeof name, "scale_mat_%d", i);
	if (sgs_npz_read(npz, name, &S) != 0) {
		sgs_npy_free(&W);
		return -1;
	}
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 4; c++) {
			double a = 0;
			for (int k = 0; k < 4; k++)
				a += W.data[4 * r + k] * S.data[4 * k + c];
			P[4 * r + c] = a;
		}
	sgs_npy_free(&W);
	sgs_npy_free(&S);
	return 0;
}

static void test_scan24_cameras(const char *dir)
{
	struct sgs_dataset d;
	char npz[600];
	snprintf(npz, sizeof npz, "%s/cameras_sphere.npz", dir);
	sgs_error_clear();
	ok(sgs_import_dtu(dir, &d) == 0, "import scan24: %s", sgs_error_get());
	ok(d.nviews == 49 && strcmp(d.format, "dtu") == 0, "49 views, format dtu");
	if (d.nviews != 49)
		return;
	ok(strcmp(d.views[0].name, "000000") == 0 && strcmp(d.views[25].name, "000025") == 0 &&
		   strcmp(d.views[48].name, "000048") == 0, "views in numeric order, named by stem");
	const char *m = d.views[25].mask_path;
	size_t ml = strlen(m);
	ok(ml > 12 && strcmp(m + ml - 12, "mask/025.png") == 0, "mask path of view 25: %s", m);
	ok(d.views[25].cam.w == 400 && d.views[25].cam.h == 300, "cameras sized like the files");
	diag("view 25: fx %.4f fy %.4f cx %.4f cy %.4f", d.views[25].cam.fx, d.views[25].cam.fy,
	     d.views[25].cam.cx, d.views[25].cam.cy);

	double worst = 0, worst_R = 0;
	int pinhole = 1;
	for (uint32_t i = 0; i < d.nviews; i++) {
		const struct sgs_camera *c = &d.views[i].cam;
		/* Back to the 1600x1200 originals the matrices describe. */
		double K[9] = {c->fx * 1600.0 / c->w, 0, c->cx * 1600.0 / c->w,
			       0, c->fy * 1200.0 / c->h, c->cy * 1200.0 / c->h, 0, 0, 1};
		double P[12], Pref[12], RRt[9], Rt[9];
		compose(K, c->R, c->t, P);
		if (read_p(npz, (int)i, Pref) != 0)
			break;
		worst = fmax(worst, diff_up_to_scale(P, Pref, 12));
		for (int r = 0; r < 3; r++)
			for (int k = 0; k < 3; k++)
				Rt[3 * r + k] = c->R[3 * k + r];
		matmul3(c->R, Rt, RRt);
		for (int k = 0; k < 9; k++)
			worst_R = fmax(worst_R, fabs(RRt[k] - (k % 4 == 0)));
		worst_R = fmax(worst_R, fabs(det3(c->R) - 1));
		pinhole &= d.views[i].dist.lens == SGS_LENS_PINHOLE && sgs_distortion_is_identity(&d.views[i].dist);
	}
	ok(worst < 1e-6, "K[R|t] at 1600x1200 reproduces world_mat*scale_mat for all 49 views "
	   "(max relative difference %.2g)", worst);
	ok(worst_R < 1e-12, "rotations orthonormal with det +1 (%.2g)", worst_R);
	ok(pinhole, "no lens distortion");
	/* scale_mat puts the object in the unit sphere: cameras look at it. */
	double C[3], uv[2], X0[3] = {0, 0, 0};
	sgs_camera_center(&d.views[25].cam, C);
	double z = sgs_camera_project(&d.views[25].cam, X0, uv);
	ok(z > 1.5 && uv[0] > 0 && uv[0] < 400 && uv[1] > 0 && uv[1] < 300,
	   "sphere centre in front of view 25 at depth %.3f, pixel (%.1f, %.1f)", z, uv[0], uv[1]);
	sgs_dataset_free(&d);
}

static const int dtu_test[25] = {1,  2,  9,  10, 11, 12, 14, 15, 23, 24, 26, 27, 29,
				 30, 31, 32, 33, 34, 35, 41, 42, 43, 45, 46, 47};

static void test_scan24_protocol(const char *dir)
{
	struct sgs_import_opts o = {0};
	struct sgs_scene s;
	o.protocol = "dtu";
	o.downscale = 1;
	o.background[0] = o.background[1] = o.background[2] = 1;
	sgs_error_clear();
	ok(sgs_import(dir, &o, &s) == 0, "sgs_import -p dtu: %s", sgs_error_get());
	ok(strcmp(s.source, "dtu") == 0 && strcmp(s.protocol, "dtu") == 0, "source and protocol");
	ok(s.nviews == 28, "28 views (3 train + 25 test), got %u", s.nviews);
	int train_ok = 1, test_ok = 1, ntest = 0, masks_ok = 1, images_ok = 1, bounds_ok = 1;
	double obj = 0;
	for (uint32_t k = 0; k < s.nviews; k++) {
		const struct sgs_view *v = &s.views[k];
		int is_train = v->id == 25 || v->id == 22 || v->id == 28;
		int is_test = 0;
		for (int j = 0; j < 25; j++)
			is_test |= (int)v->id == dtu_test[j];
		train_ok &= is_train == (v->split == SGS_SPLIT_TRAIN);
		test_ok &= is_test == (v->split == SGS_SPLIT_TEST);
		ntest += v->split == SGS_SPLIT_TEST;
		/* every view keeps its mask, train views too: only sgs-train
		 * --train-masks uses theirs */
		masks_ok &= v->mask != NULL;
		images_ok &= v->image.data && v->image.w == 400 && v->image.h == 300 &&
			     v->image.c == 3 && v->cam.w == 400;
		if (v->mask) {
			size_t on = 0, odd = 0;
			for (size_t p = 0; p < 400 * 300; p++) {
				on += v->mask[p] == 255;
				odd += v->mask[p] != 0 && v->mask[p] != 255;
			}
			masks_ok &= odd == 0;
			obj += on / (400.0 * 300 * 28);
		}
		/* the unit sphere (depths z0 - 1 .. z0 + 1) must lie inside the bounds */
		double z0 = v->cam.t[2];
		bounds_ok &= v->near > 0 && v->near <= z0 - 1 + 1e-6 && v->far >= z0 + 1 - 1e-6 &&
			     v->far - v->near < 2.01;
	}
	ok(train_ok, "train views are 25, 22, 28");
	ok(test_ok && ntest == 25, "the 25 published test views");
	ok(masks_ok, "binary masks on every view, train views too");
	ok(obj > 0.05 && obj < 0.9, "masks cover %.1f%% of the images", 100 * obj);
	ok(images_ok, "400x300 RGB images");
	ok(bounds_ok, "near/far from the unit sphere enclose the unit sphere (view 0: %.3f %.3f)",
	   s.nviews ? s.views[0].near : 0, s.nviews ? s.views[0].far : 0);
	sgs_error_clear();
	ok(sgs_scene_validate(&s) == 0, "scene validates: %s", sgs_error_get());
	sgs_scene_free(&s);
}

int main(void)
{
	const char *data = test_data_dir();
	char dir[512];
	test_decompose();
	if (!data) {
		skip("no data folder", "DTU scan24 cameras");
		skip("no data folder", "DTU scan24 protocol");
		return tap_done();
	}
	snprintf(dir, sizeof dir, "%s/dtu/scan24", data);
	test_scan24_cameras(dir);
	test_scan24_protocol(dir);
	return tap_done();
}
