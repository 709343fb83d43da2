#include "sgs_train_host.h"

#include <math.h>

#include "sgs_error.h"

int sgs_adam_prepare(const float *p, const float *g, const float *m, const float *v,
		     size_t count, const struct sgs_adam_hp *hp, struct sgs_adam_consts *c)
{
	if (!hp)
		return sgs_error_set("adam: no hyper-parameters");
	if (hp->step < 1)
		return sgs_error_set("adam: step %u (must start at 1)", hp->step);
	if (!(hp->beta1 >= 0.0f && hp->beta1 < 1.0f) || !(hp->beta2 >= 0.0f && hp->beta2 < 1.0f))
		return sgs_error_set("adam: betas (%g, %g) outside [0, 1)", hp->beta1, hp->beta2);
	if (hp->period && hp->nfirst > hp->period)
		return sgs_error_set("adam: nfirst %u larger than period %u", hp->nfirst,
				     hp->period);
	if (count && (!p || !g || !m || !v))
		return sgs_error_set("adam: missing buffer");
	/* In double: beta^step underflows gracefully and the corrections
	 * are exact to float precision at every step. */
	const double bc1 = 1.0 - pow((double)hp->beta1, (double)hp->step);
	c->step_first = (float)(hp->lr / bc1);
	c->step_rest = (float)(hp->lr_rest / bc1);
	c->sqrt_bc2 = (float)sqrt(1.0 - pow((double)hp->beta2, (double)hp->step));
	return 0;
}

uint32_t sgs_train_capacity(uint32_t capacity, uint64_t need, uint32_t max_gaussians)
{
	if (need <= capacity)
		return capacity;
	uint64_t c = (uint64_t)capacity + capacity / 2;
	if (c < need)
		c = need;
	if (max_gaussians > 0 && c > max_gaussians && need <= max_gaussians)
		c = max_gaussians;
	return c > UINT32_MAX ? 0 : (uint32_t)c;
}
