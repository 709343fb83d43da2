/* Helpers shared by the trainer's unit tests (testlib_train.h). */
#include <stdio.h>
#include <stdlib.h>

#include "sgs_splat.h"
#include "sgs_synthetic.h"
#include "sgs_trainer.h"
#include "testlib_train.h"

int testlib_scene_views(struct sgs_scene *s, uint32_t nviews)
{
	struct sgs_synthetic_opts so;
	sgs_synthetic_defaults(&so);
	so.width = 48;
	so.height = 36;
	so.nviews = nviews;
	return sgs_synthetic_scene(&so, s);
}

int testlib_scene(struct sgs_scene *s) { return testlib_scene_views(s, 8); }

int testlib_steps(struct sgs_trainer *t, uint32_t until, struct sgs_step_info *last)
{
	struct sgs_step_info in;
	while (sgs_trainer_iteration(t) < until) {
		if (sgs_trainer_step(t, &in) != 0)
			return -1;
		if (last)
			*last = in;
	}
	return 0;
}

char *testlib_model_bytes(const struct sgs_trainer *t, size_t *len)
{
	struct sgs_splats sp;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	if (sgs_trainer_export(t, &sp) != 0) {
		fclose(f);
		free(buf);
		return NULL;
	}
	int rc = sgs_splat_write(f, &sp);
	sgs_splats_free(&sp);
	if (fclose(f) != 0 || rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
