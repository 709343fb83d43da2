/* Camera math on the host: rotations, projection, COLMAP lens distortion. */
#ifndef SGS_CAMERA_H
#define SGS_CAMERA_H

#include "sgs_image.h"
#include "sgs_scene.h"

/* COLMAP's camera models that sgs-init imports; all but the pinhole ones
 * carry distortion that is removed on import. */
enum sgs_lens {
	SGS_LENS_PINHOLE = 0,       /* fx fy cx cy */
	SGS_LENS_SIMPLE_PINHOLE,    /* f cx cy */
	SGS_LENS_SIMPLE_RADIAL,     /* f cx cy k1 */
	SGS_LENS_RADIAL,            /* f cx cy k1 k2 */
	SGS_LENS_OPENCV,            /* fx fy cx cy k1 k2 p1 p2 */
};

/* Distortion in normalised camera coordinates (x = X/Z, y = Y/Z). */
struct sgs_distortion {
	int lens;            /* enum sgs_lens */
	double k1, k2, p1, p2;
};

/* Unit quaternion (w, x, y, z) <-> row-major rotation matrix. */
void sgs_quat_to_rot(const double q[4], double R[9]);
void sgs_rot_to_quat(const double R[9], double q[4]);
/* Snap a 3x3 matrix that is a rotation up to the rounding of the file it
 * came from (float32 values) to the nearest rotation, so that it is
 * orthonormal to double precision: 0; -1 when |X^T X - I| exceeds tol
 * (not a rotation at all: a zero column, a scaled axis), -2 for a
 * reflection.  *err receives |X^T X - I| before snapping. */
int sgs_rot_snap(double X[9], double tol, double *err);
/* Camera centre in world coordinates: -R^T t. */
void sgs_camera_center(const struct sgs_camera *c, double C[3]);
/* World point -> pixel (pixel centres at +0.5 as in sgs_camera); returns
 * the camera-space z (<= 0 means behind the camera). */
double sgs_camera_project(const struct sgs_camera *c, const double X[3], double uv[2]);

int sgs_distortion_is_identity(const struct sgs_distortion *d);
/* Apply the lens model to normalised coordinates. */
void sgs_distort(const struct sgs_distortion *d, double x, double y, double *xd, double *yd);
/* Invert it (Newton iterations); returns -1 if it does not converge. */
int sgs_undistort_point(const struct sgs_distortion *d, double xd, double yd, double *x, double *y);
/* Resample a distorted 8-bit image taken with intrinsics `src` (fx fy cx
 * cy w h of the distorted camera) into the pinhole camera `dst` (bilinear;
 * pixels that map outside the source become 0).  Allocates dst_img. */
int sgs_undistort_image(const struct sgs_image *src_img, const struct sgs_camera *src,
			const struct sgs_distortion *d, const struct sgs_camera *dst,
			struct sgs_image *dst_img);
/* The pinhole camera an image of `src` is undistorted into: same size,
 * pose and principal point, focal lengths scaled by one factor so the
 * result has no blank border (unchanged when d is the identity).  -1
 * with a message when the lens model cannot be inverted over the image
 * or would change the field of view by more than 2x: coefficients far
 * outside a real lens's range (k1 = 1e6), which no camera can undistort. */
int sgs_undistorted_camera(const struct sgs_camera *src, const struct sgs_distortion *d,
			   struct sgs_camera *dst);

#endif
