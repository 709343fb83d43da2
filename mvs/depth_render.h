/* Depth priors rendered from an existing splat model: the expected depth
 * of each view, normalised by the rendered opacity, with that opacity as
 * the confidence. */
#ifndef SGS_DEPTH_RENDER_H
#define SGS_DEPTH_RENDER_H

#include "sgs_kernels.h"
#include "sgs_scene.h"
#include "sgs_splat.h"

/* Pixels whose rendered opacity is below this have no depth: depth 0,
 * confidence 0 (the normalised depth of a faint pixel is mostly noise). */
#define SGS_RENDER_MIN_ALPHA 0.01f

struct sgs_depth_renderer;

/* Upload the model to the backend once for all views. */
struct sgs_depth_renderer *sgs_depth_renderer_new(const struct sgs_backend *be,
						  const struct sgs_splats *sp);
void sgs_depth_renderer_free(struct sgs_depth_renderer *r);

/* Render one camera: depth[i] = (sum z a T) / alpha and conf[i] = alpha
 * clamped to [0,1] where alpha >= SGS_RENDER_MIN_ALPHA, both 0 elsewhere.
 * depth and conf are host arrays of w*h floats. */
int sgs_depth_render(struct sgs_depth_renderer *r, const struct sgs_camera *cam, float *depth,
		     float *conf);

#endif
