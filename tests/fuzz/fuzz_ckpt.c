/* sgs-train checkpoints (--resume): the chunk framing, the recipe and
 * state checks, every field's parameters, moments and statistics, on the
 * CPU backend and the scene the seeds were made for (fz_tiny_scene); a
 * checkpoint that loads must export a model and train one more step. */
#include <stdlib.h>

#include "fuzzlib.h"
#include "sgs_error.h"
#include "sgs_kernels.h"
#include "sgs_scene.h"
#include "sgs_splat.h"
#include "sgs_trainer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sgs_scene scene;
	static const struct sgs_backend *be;
	if (!be) {
		fz_tiny_scene(&scene);
		be = sgs_backend_get("cpu");
		FZ_ASSERT(be);
	}
	struct sgs_trainer *t;
	if (fz_note("sgs_trainer_resume", sgs_trainer_resume(be, &scene, fz_write("in.ckpt", data, size), 0, &t)) == 0) {
		struct sgs_splats sp;
		FZ_ASSERT(sgs_trainer_export(t, &sp) == 0);
		(void)sgs_splat_validate(&sp);
		sgs_splats_free(&sp);
		struct sgs_step_info in;
		if (sgs_trainer_iteration(t) < sgs_trainer_iterations(t))
			(void)sgs_trainer_step(t, &in);
		sgs_trainer_free(t);
	}
	sgs_error_clear();
	return 0;
}
