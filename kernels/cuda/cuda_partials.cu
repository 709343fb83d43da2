/* Per-block partial sums kept between calls (cuda_train_internal.h). */
#include <stdlib.h>

#include "cuda_train_internal.h"

int cuda_partials_reserve(struct cuda_partials *p, size_t doubles, const char *what)
{
	if (doubles <= p->count)
		return 0;
	if (p->dev && cudaFree(p->dev) != cudaSuccess)
		(void)cudaGetLastError(); /* nothing to report it to */
	free(p->host);
	p->dev = NULL;
	p->host = NULL;
	p->count = 0;
	CUDA_TRY(cudaMalloc(&p->dev, doubles * sizeof(double)));
	p->host = (double *)malloc(doubles * sizeof(double));
	if (!p->host)
		return sgs_error_set("%s: out of host memory for %zu partial sums", what, doubles);
	p->count = doubles;
	return 0;
}
