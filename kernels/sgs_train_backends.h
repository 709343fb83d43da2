/* The CPU backend's training operations as a constant object, the same
 * functions as sgs_backend_cpu()->train, for the CPU-only unit tests
 * (tests/unit/test_train_ops.c, test_train_mcmc.c) whose file-scope
 * pointers need a constant.  New code uses be->train; once those tests
 * do, this header can go. */
#ifndef SGS_TRAIN_BACKENDS_H
#define SGS_TRAIN_BACKENDS_H

#include "sgs_train_ops.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const struct sgs_train_ops sgs_cpu_train_ops;

#ifdef __cplusplus
}
#endif

#endif
