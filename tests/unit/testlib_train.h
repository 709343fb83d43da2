/* Helpers shared by the trainer's unit tests (linked into every test). */
#ifndef SGS_TESTLIB_TRAIN_H
#define SGS_TESTLIB_TRAIN_H

#include <stddef.h>
#include <stdint.h>

struct sgs_trainer;
struct sgs_scene;
struct sgs_step_info;

/* The trainer tests' synthetic scene: 8 views of 48x36 (6 train, 2 test). */
int testlib_scene(struct sgs_scene *s);
/* The same scene with nviews views. */
int testlib_scene_views(struct sgs_scene *s, uint32_t nviews);
/* Step t until it has done `until` iterations, the last step's info in
 * *last (NULL: not kept); -1 on a failed step. */
int testlib_steps(struct sgs_trainer *t, uint32_t until, struct sgs_step_info *last);
/* The model (first field) as splat file bytes, malloc'ed; NULL on failure. */
char *testlib_model_bytes(const struct sgs_trainer *t, size_t *len);

#endif
