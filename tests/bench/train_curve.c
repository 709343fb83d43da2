/* Test-view PSNR / SSIM along a training run, to choose iteration counts
 * and schedules by measurement:
 *   build/tests/train_curve SCENE ITERATIONS EVERY [init_count [cap [seed]]]
 * prints TSV: iteration, train PSNR (mean over the last EVERY iterations),
 * test PSNR, test SSIM (unmasked), Gaussians, seconds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sgs_error.h"
#include "sgs_scene.h"
#include "sgs_trainer.h"

int main(int argc, char **argv)
{
	struct sgs_scene s;
	struct sgs_trainer_opts o;
	struct sgs_trainer *t;
	struct sgs_step_info in;
	if (argc < 4) {
		fprintf(stderr, "usage: train_curve scene iterations every [init_count [cap [seed]]]\n");
		return 2;
	}
	sgs_trainer_defaults(&o);
	o.iterations = (uint32_t)strtoul(argv[2], NULL, 10);
	uint32_t every = (uint32_t)strtoul(argv[3], NULL, 10);
	if (argc > 4)
		o.init_count = (uint32_t)strtoul(argv[4], NULL, 10);
	if (argc > 5)
		o.max_gaussians = (uint32_t)strtoul(argv[5], NULL, 10);
	if (argc > 6)
		o.seed = strtoull(argv[6], NULL, 10);
	const struct sgs_backend *be = sgs_backend_get("cpu");
	if (sgs_scene_load(argv[1], &s) != 0 ||
	    sgs_trainer_new(be, &s, &o, &t) != 0) {
		fprintf(stderr, "train_curve: %s\n", sgs_error_get());
		return 1;
	}
	printf("iteration\ttrain_psnr\ttest_psnr\ttest_ssim\tgaussians\tseconds\n");
	double sum = 0;
	uint32_t k = 0;
	while (sgs_trainer_iteration(t) < o.iterations) {
		if (sgs_trainer_step(t, &in) != 0) {
			fprintf(stderr, "train_curve: %s\n", sgs_error_get());
			return 1;
		}
		sum += in.psnr, k++;
		if (in.iteration % every == 0 || in.iteration == o.iterations) {
			struct sgs_eval_result r;
			if (sgs_trainer_evaluate(t, SGS_SPLIT_TEST, &r) != 0) {
				fprintf(stderr, "train_curve: %s\n", sgs_error_get());
				return 1;
			}
			printf("%u\t%.3f\t%.3f\t%.4f\t%u\t%.1f\n", in.iteration, sum / k, r.psnr, r.ssim,
			       in.gaussians, in.seconds);
			fflush(stdout);
			sum = 0, k = 0;
		}
	}
	sgs_trainer_free(t);
	sgs_scene_free(&s);
	return 0;
}
