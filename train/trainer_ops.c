/* Which training-ops table serves a backend: the one its table carries. */
#include "sgs_error.h"
#include "sgs_trainer.h"

const struct sgs_train_ops *sgs_trainer_ops(const struct sgs_backend *be)
{
	if (be && be->train.adam)
		return &be->train;
	sgs_error_set("the %s backend has no training operations in this build",
		      be ? be->name : "(null)");
	return NULL;
}
