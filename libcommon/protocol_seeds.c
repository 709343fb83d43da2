/* Seed points for a sparse-view scene.  A capture's point cloud was
 * triangulated from all its images; keeping only points that at least two
 * train views observed keeps the test views' information out of training
 * (what the sparse-view papers do by re-triangulating from the train views). */
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_protocol.h"

static int every_view_trains(const struct sgs_dataset *d, const uint32_t *split)
{
	for (uint32_t i = 0; i < d->nviews; i++)
		if (split[i] != SGS_SPLIT_TRAIN)
			return 0;
	return 1;
}

int sgs_protocol_seeds(const struct sgs_dataset *d, const uint32_t *split, struct sgs_scene *s)
{
	s->nseeds = 0;
	if (d->npoints == 0 || !d->xyz)
		return 0;
	/* Without tracks the points can be used only when nothing is held out. */
	int no_tracks = !d->track_start || !d->track;
	if (no_tracks && !every_view_trains(d, split))
		return 0;

	uint8_t *keep = calloc(d->npoints, 1);
	uint64_t *stamp = calloc(d->nviews ? d->nviews : 1, sizeof *stamp);
	uint64_t n = 0;
	if (!keep || !stamp) {
		free(keep);
		free(stamp);
		return sgs_error_set("out of memory choosing seed points");
	}
	for (uint64_t p = 0; p < d->npoints; p++) {
		if (no_tracks) {
			keep[p] = 1;
		} else {
			/* stamp[v] == p + 1: view v already counted for this point */
			unsigned views = 0;
			for (uint64_t k = d->track_start[p]; k < d->track_start[p + 1] && views < 2; k++) {
				uint32_t v = d->track[k];
				if (v < d->nviews && split[v] == SGS_SPLIT_TRAIN && stamp[v] != p + 1) {
					stamp[v] = p + 1;
					views++;
				}
			}
			keep[p] = views >= 2;
		}
		n += keep[p];
	}
	free(stamp);
	if (n == 0) {
		free(keep);
		return 0;
	}
	s->seed_xyz = malloc(n * 3 * sizeof *s->seed_xyz);
	s->seed_rgb = malloc(n * 3);
	if (!s->seed_xyz || !s->seed_rgb) {
		free(keep);
		free(s->seed_xyz);
		free(s->seed_rgb);
		s->seed_xyz = NULL;
		s->seed_rgb = NULL;
		return sgs_error_set("out of memory for %llu seed points", (unsigned long long)n);
	}
	uint64_t j = 0;
	for (uint64_t p = 0; p < d->npoints; p++) {
		if (!keep[p])
			continue;
		memcpy(s->seed_xyz + 3 * j, d->xyz + 3 * p, 3 * sizeof *s->seed_xyz);
		if (d->rgb)
			memcpy(s->seed_rgb + 3 * j, d->rgb + 3 * p, 3);
		else
			memset(s->seed_rgb + 3 * j, 128, 3);
		j++;
	}
	s->nseeds = n;
	free(keep);
	return 0;
}
