// The CUDA training operations are not emulated; the render table only
// needs their table to exist.
#include "sgs_train_backends.h"
extern "C" const struct sgs_train_ops sgs_cuda_train_ops = {};
