/* Pixels of one chosen view: decode, composite or keep alpha, undistort,
 * downscale; its mask likewise; the camera follows every step. */
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_image.h"
#include "sgs_protocol.h"

/* Straight (non-premultiplied) alpha, as PNG stores it, over bg in [0,1]. */
static void composite(const struct sgs_image *rgba, const float bg[3], struct sgs_image *rgb)
{
	const uint8_t *in = rgba->data;
	uint8_t *out = rgb->data;
	size_t npix = (size_t)rgba->w * rgba->h;
	for (size_t p = 0; p < npix; p++) {
		float a = in[4 * p + 3] / 255.f;
		for (int k = 0; k < 3; k++) {
			float v = in[4 * p + k] * a + bg[k] * 255.f * (1.f - a);
			out[3 * p + k] = (uint8_t)(v + 0.5f > 255.f ? 255.f : v + 0.5f);
		}
	}
}

/* The on-disk image as RGB8, or RGBA8 when alpha is kept. */
static int decode_rgb(const char *path, const struct sgs_camera *disk,
		      const struct sgs_import_opts *o, struct sgs_image *out)
{
	struct sgs_image raw, rgba;
	memset(out, 0, sizeof *out);
	if (sgs_image_read(path, &raw) != 0)
		return -1;
	if (raw.w != disk->w || raw.h != disk->h) {
		sgs_error_set("%s: image is %ux%u but its camera is %ux%u", path, raw.w, raw.h, disk->w,
			      disk->h);
		sgs_image_free(&raw);
		return -1;
	}
	int alpha = raw.c == 2 || raw.c == 4;
	int rc;
	if (!alpha || o->keep_alpha) {
		rc = sgs_image_to_u8(&raw, alpha ? 4 : 3, out);
	} else if ((rc = sgs_image_to_u8(&raw, 4, &rgba)) == 0) {
		rc = sgs_image_alloc(out, raw.w, raw.h, 3, 8);
		if (rc == 0)
			composite(&rgba, o->background, out);
		sgs_image_free(&rgba);
	}
	sgs_image_free(&raw);
	if (rc != 0)
		sgs_error_prefix("%s", path);
	return rc;
}

/* Replace *img by its undistorted, then downscaled, version. */
static int resample(struct sgs_image *img, const struct sgs_dataset_view *dv,
		    const struct sgs_camera *pinhole, uint32_t f)
{
	struct sgs_image tmp;
	if (!sgs_distortion_is_identity(&dv->dist)) {
		if (sgs_undistort_image(img, &dv->cam, &dv->dist, pinhole, &tmp) != 0)
			return -1;
		sgs_image_free(img);
		*img = tmp;
	}
	if (f > 1) {
		if (sgs_image_downscale(img, f, &tmp) != 0)
			return -1;
		sgs_image_free(img);
		*img = tmp;
	}
	return 0;
}

/* Object where the first channel is above 127, downscaled by taking the
 * pixel nearest each block's centre, as the dataset's own masks were. */
static int load_mask(const struct sgs_dataset_view *dv, const struct sgs_camera *pinhole,
		     uint32_t f, const struct sgs_camera *cam, uint8_t **mask)
{
	struct sgs_image raw, rgb;
	*mask = NULL;
	if (sgs_image_read(dv->mask_path, &raw) != 0)
		return -1;
	if (raw.w != dv->cam.w || raw.h != dv->cam.h) {
		sgs_error_set("%s: mask is %ux%u but its image is %ux%u", dv->mask_path, raw.w, raw.h,
			      dv->cam.w, dv->cam.h);
		sgs_image_free(&raw);
		return -1;
	}
	int rc = sgs_image_to_u8(&raw, 3, &rgb);
	sgs_image_free(&raw);
	if (rc == 0 && !sgs_distortion_is_identity(&dv->dist))
		rc = resample(&rgb, dv, pinhole, 1);
	if (rc != 0)
		return sgs_error_prefix("%s", dv->mask_path);
	uint8_t *m = malloc((size_t)cam->w * cam->h);
	if (!m) {
		sgs_image_free(&rgb);
		return sgs_error_set("%s: out of memory", dv->mask_path);
	}
	const uint8_t *in = rgb.data;
	for (uint32_t y = 0; y < cam->h; y++)
		for (uint32_t x = 0; x < cam->w; x++) {
			size_t src = (size_t)(y * f + f / 2) * rgb.w + (x * f + f / 2);
			m[(size_t)y * cam->w + x] = in[3 * src] > 127 ? 255 : 0;
		}
	sgs_image_free(&rgb);
	*mask = m;
	return 0;
}

int sgs_protocol_load_view(const struct sgs_dataset *d, uint32_t i,
			   const struct sgs_import_opts *o, struct sgs_view *v)
{
	const struct sgs_dataset_view *dv = &d->views[i];
	uint32_t f = o->downscale > 1 ? o->downscale : 1;
	struct sgs_camera pinhole;

	snprintf(v->name, sizeof v->name, "%s", dv->name);
	v->id = i;
	v->near = dv->near;
	v->far = dv->far;
	if (!(dv->cam.w / f > 0 && dv->cam.h / f > 0))
		return sgs_error_set("%s: cannot downscale %ux%u by %u", dv->image_path, dv->cam.w,
				     dv->cam.h, f);

	/* Box-filter downscaling by f keeps the +0.5 pixel-centre convention
	 * exact when every intrinsic is divided by f. */
	if (sgs_undistorted_camera(&dv->cam, &dv->dist, &pinhole) != 0)
		return sgs_error_prefix("%s", dv->image_path);
	v->cam = pinhole;
	v->cam.w = pinhole.w / f;
	v->cam.h = pinhole.h / f;
	v->cam.fx /= f;
	v->cam.fy /= f;
	v->cam.cx /= f;
	v->cam.cy /= f;

	if (decode_rgb(dv->image_path, &dv->cam, o, &v->image) != 0)
		return -1;
	if (resample(&v->image, dv, &pinhole, f) != 0) {
		sgs_error_prefix("%s", dv->image_path);
		goto fail;
	}
	if (dv->mask_path[0] && !dv->mask_missing &&
	    load_mask(dv, &pinhole, f, &v->cam, &v->mask) != 0)
		goto fail;
	return 0;
fail:
	sgs_view_free(v);
	return -1;
}
