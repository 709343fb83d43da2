/* The training-operation tables of the backends, reached as be->train:
 * sgs_cpu_train_ops always, sgs_cuda_train_ops in CUDA builds (its
 * functions expect buffers of sgs_backend_get("cuda")). */
#ifndef SGS_TRAIN_BACKENDS_H
#define SGS_TRAIN_BACKENDS_H

#include "sgs_train_ops.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const struct sgs_train_ops sgs_cpu_train_ops;
#ifdef SGS_WITH_CUDA
extern const struct sgs_train_ops sgs_cuda_train_ops;
#endif

#ifdef __cplusplus
}
#endif

#endif
