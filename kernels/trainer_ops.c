/* Which training-ops table serves a backend.  Stands in for be->train
 * until the backend table carries it. */
#include <string.h>

#include "sgs_error.h"
#include "sgs_train_backends.h"
#include "sgs_trainer.h"

#if defined(SGS_WITH_CUDA) && defined(__GNUC__)
/* Weak, so a CUDA build still links while the CUDA training ops are
 * missing; the trainer then reports them as not built.  (A weak reference
 * does not pull an object out of a static library: this works once the
 * table's object is linked for another reason, e.g. be->train.) */
#pragma weak sgs_cuda_train_ops
#endif

const struct sgs_train_ops *sgs_trainer_ops(const struct sgs_backend *be)
{
	const struct sgs_train_ops *ops = NULL;
	if (be && !strcmp(be->name, "cpu"))
		ops = &sgs_cpu_train_ops;
#ifdef SGS_WITH_CUDA
	else if (be && !strcmp(be->name, "cuda") && &sgs_cuda_train_ops)
		ops = &sgs_cuda_train_ops;
#endif
	if (!ops)
		sgs_error_set("the %s backend has no training operations in this build",
			      be ? be->name : "(null)");
	return ops;
}
