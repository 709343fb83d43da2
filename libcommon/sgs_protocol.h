/* The protocol step (sgs-init -p, SPEC §5): choosing a dataset's train and
 * test views, loading their pixels, picking seed points, depth bounds.
 * Layer 5 of the import stack (see sgs_import.h): it reads a sgs_dataset
 * whichever importer made it.  The parts are kept separate so tests can
 * check each without decoding images. */
#ifndef SGS_PROTOCOL_H
#define SGS_PROTOCOL_H

#include <stdint.h>

#include "sgs_dataset.h"
#include "sgs_scene.h"

/* sgs-init's options; all but `format` steer the protocol step. */
struct sgs_import_opts {
	const char *format;     /* NULL: detect */
	const char *protocol;   /* "llff", "blender", "dtu", "all"; NULL: "all" */
	int nviews;             /* -n, 0 = protocol default */
	const long *train_ids;  /* -t, NULL if not given */
	int ntrain;
	uint32_t downscale;     /* -r; 0 = protocol default (llff: images_8), 1 = full size */
	float background[3];    /* compositing colour for RGBA input */
	int background_set;     /* -B given: also the scene's background for opaque images
	                         * (otherwise black for them) */
	int keep_alpha;         /* store RGBA instead of compositing */
	/* Problems that do not stop the import (a test view without the
	 * mask its format provides, outside the dtu protocol) are passed
	 * here, one line each, for the tool to print; NULL: dropped. */
	void (*warn)(const char *message);
};

/* Select views by protocol and build the scene: loads and undistorts the
 * images of the chosen views, masks, seed points seen by >= 2 train views,
 * per-view near/far bounds. */
int sgs_protocol_apply(const struct sgs_dataset *d, const struct sgs_import_opts *o,
		       struct sgs_scene *s);

/* numpy's round(linspace(0, len-1, n)) with ties to even: n indices in
 * [0, len).  Needs 1 <= n <= len. */
void sgs_linspace_indices(uint32_t len, uint32_t n, uint32_t *out);

/* 1 when `name` is a protocol sgs_protocol_select() accepts. */
int sgs_protocol_known(const char *name);

/* Fill split[i] (enum sgs_split) for every dataset view from o->protocol,
 * o->nviews and o->train_ids; `protocol` receives the name stored in the
 * scene ("llff", "blender", "dtu", "all", or "explicit" when -t is given). */
int sgs_protocol_select(const struct sgs_dataset *d, const struct sgs_import_opts *o,
			uint32_t *split, char protocol[32]);

/* Load dataset view i into v: camera (undistorted, downscaled by
 * o->downscale), RGB8/RGBA8 pixels, and the mask when the view has one
 * (train views keep theirs too: no tool trains with masks unless told,
 * sgs-train --train-masks).  name, id and near/far are set too; split is
 * not. */
int sgs_protocol_load_view(const struct sgs_dataset *d, uint32_t i,
			   const struct sgs_import_opts *o, struct sgs_view *v);

/* Seed points of the scene: dataset points seen by >= 2 train views. */
int sgs_protocol_seeds(const struct sgs_dataset *d, const uint32_t *split, struct sgs_scene *s);

/* near/far of every scene view that has none from the dataset: from the
 * seed points in view, else from the layout of the dataset's cameras. */
void sgs_protocol_bounds(const struct sgs_dataset *d, struct sgs_scene *s);

#endif
