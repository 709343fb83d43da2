/* The recipe's numbers: defaults, the iteration schedule scaled to the
 * run length, and the position learning rate. */
#include <math.h>

#include "sgs_trainer.h"

void sgs_trainer_defaults(struct sgs_trainer_opts *o)
{
	o->iterations = 30000;
	o->seed = 0;
	o->sh_degree = 3;
	o->init = SGS_INIT_SEEDS;
	o->init_count = 100000; /* Inria's random init for Blender scenes */
	o->random_bg = 0;
	o->max_gaussians = 0;
	o->lambda_dssim = 0.2f;
	o->inject_nan_at = 0;
	o->mcmc = 0;
}

/* v scaled from a 30000-iteration run to `iterations`, rounded to nearest. */
static uint32_t scaled(uint32_t v, uint32_t iterations, uint32_t at_least)
{
	uint32_t r = v;
	if (iterations < 30000)
		r = (uint32_t)(((uint64_t)v * iterations + 15000) / 30000);
	return r < at_least ? at_least : r;
}

void sgs_schedule_make(uint32_t iterations, uint32_t ntrain, struct sgs_schedule *s)
{
	/* The gradient statistic should average over every train view once
	 * (Inria's 100 iterations do on its datasets); a plain scaled interval
	 * of a few iterations densifies on single views and grows floaters. */
	uint32_t pass = ntrain < 100 ? ntrain : 100;
	s->iterations = iterations;
	s->sh_interval = scaled(1000, iterations, 1);
	s->densify_from = scaled(500, iterations, 0);
	s->densify_until = scaled(15000, iterations, 0);
	s->densify_interval = scaled(100, iterations, pass > 1 ? pass : 1);
	s->reset_interval = scaled(3000, iterations, 1);
}

float sgs_lr_position(float extent, uint32_t step, uint32_t max_steps)
{
	/* Inria's get_expon_lr_func with no delay: exp(lerp(log a, log b, t)) */
	double a = 1.6e-4 * extent, b = 1.6e-6 * extent;
	if (a <= 0)
		return 0.0f;
	double t = max_steps ? (double)step / max_steps : 1.0;
	if (t > 1)
		t = 1;
	return (float)exp(log(a) * (1 - t) + log(b) * t);
}
