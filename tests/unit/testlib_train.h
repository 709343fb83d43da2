/* Helpers shared by the trainer's unit tests (linked into every test). */
#ifndef SGS_TESTLIB_TRAIN_H
#define SGS_TESTLIB_TRAIN_H

#include <stddef.h>
#include <stdint.h>

struct sgs_trainer;

/* Step t until it has done `until` iterations; -1 on a failed step. */
int testlib_steps(struct sgs_trainer *t, uint32_t until);
/* The model (first field) as splat file bytes, malloc'ed; NULL on failure. */
char *testlib_model_bytes(const struct sgs_trainer *t, size_t *len);

#endif
