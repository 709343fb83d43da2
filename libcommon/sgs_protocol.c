/* Sparse-view protocols (sgs-init -p, SPEC §5): which dataset views train,
 * which test, and the scene built from them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgs_error.h"
#include "sgs_protocol.h"

#define ERRMAX 512

/* The published splits.  Blender ids index transforms_train.json; DTU ids
 * index the scan's 49 images. */
static const uint32_t blender_train[] = {26, 86, 2, 55, 75, 93, 16, 73};
static const uint32_t dtu_train[] = {25, 22, 28, 40, 44, 48, 0, 8, 13};
static const uint32_t dtu_test[] = {1,  2,  9,  10, 11, 12, 14, 15, 23, 24, 26, 27, 29,
				    30, 31, 32, 33, 34, 35, 41, 42, 43, 45, 46, 47};
#define DTU_VIEWS 49
#define NELEM(a) (sizeof(a) / sizeof *(a))

void sgs_linspace_indices(uint32_t len, uint32_t n, uint32_t *out)
{
	/* numpy: step = (stop - start) / (n - 1); y = arange(n) * step; the
	 * last value is set to stop exactly; np.round rounds ties to even. */
	double stop = (double)len - 1, step = n > 1 ? stop / (double)(n - 1) : 0;
	for (uint32_t k = 0; k < n; k++) {
		double v = k + 1 == n && n > 1 ? stop : k * step;
		double fl = (double)(uint64_t)v, frac = v - fl;
		uint64_t r = (uint64_t)fl;
		if (frac > 0.5 || (frac == 0.5 && (r & 1)))
			r++;
		out[k] = (uint32_t)r;
	}
}

/* The number of train views: -n, else the protocol's default. */
static int train_count(const struct sgs_import_opts *o, uint32_t def, uint32_t max,
		       const char *proto, uint32_t *n)
{
	if (o->nviews < 0)
		return sgs_error_set("-n %d: the number of views must be positive", o->nviews);
	if (max == 0)
		return sgs_error_set("protocol %s: the dataset has no views to train on", proto);
	*n = o->nviews ? (uint32_t)o->nviews : def;
	if (*n < 1 || *n > max)
		return sgs_error_set("-n %u: protocol %s takes 1 to %u train views", *n, proto, max);
	return 0;
}

/* Indices of the views of one pool (SGS_POOL_ANY: all views); caller frees. */
static uint32_t *pool_views(const struct sgs_dataset *d, uint32_t pool, uint32_t *count)
{
	uint32_t *idx = malloc((d->nviews ? d->nviews : 1) * sizeof *idx), n = 0;
	if (!idx) {
		sgs_error_set("out of memory");
		return NULL;
	}
	for (uint32_t i = 0; i < d->nviews; i++)
		if (pool == SGS_POOL_ANY || d->views[i].pool == pool)
			idx[n++] = i;
	*count = n;
	return idx;
}

static int has_pools(const struct sgs_dataset *d)
{
	for (uint32_t i = 0; i < d->nviews; i++)
		if (d->views[i].pool != SGS_POOL_ANY)
			return 1;
	return 0;
}

/* Spread n train views evenly over the candidate views. */
static int spread(const uint32_t *cand, uint32_t ncand, uint32_t n, uint32_t *split)
{
	uint32_t *pick = malloc(n * sizeof *pick);
	if (!pick)
		return sgs_error_set("out of memory");
	sgs_linspace_indices(ncand, n, pick);
	for (uint32_t k = 0; k < n; k++)
		split[cand[pick[k]]] = SGS_SPLIT_TRAIN;
	free(pick);
	return 0;
}

/* LLFF (RegNeRF, FSGS, DNGaussian...): in name order, every 8th view from
 * the first tests; n train views are spread over the others. */
static int select_llff(const struct sgs_dataset *d, const struct sgs_import_opts *o, int explicit,
		       uint32_t *split)
{
	uint32_t *rest = malloc((d->nviews ? d->nviews : 1) * sizeof *rest), nrest = 0, n = 0;
	if (!rest)
		return sgs_error_set("out of memory");
	for (uint32_t i = 0; i < d->nviews; i++) {
		if (i % 8 == 0)
			split[i] = SGS_SPLIT_TEST;
		else
			rest[nrest++] = i;
	}
	int rc = 0;
	if (!explicit)
		rc = train_count(o, 3, nrest, "llff", &n) != 0 ? -1 : spread(rest, nrest, n, split);
	free(rest);
	return rc;
}

/* NeRF-synthetic (DietNeRF's 8 views): fixed ids of the train pool, and
 * every 8th frame of the test pool. */
static int select_blender(const struct sgs_dataset *d, const struct sgs_import_opts *o,
			  int explicit, uint32_t *split)
{
	uint32_t ntrain = 0, ntest = 0, n = 0;
	uint32_t *train = pool_views(d, SGS_POOL_TRAIN, &ntrain);
	uint32_t *test = train ? pool_views(d, SGS_POOL_TEST, &ntest) : NULL;
	int rc = -1;
	if (!train || !test)
		goto out;
	if (ntrain == 0 || ntest == 0) {
		sgs_error_set("protocol blender needs a dataset with train and test frames "
			      "(transforms_train.json and transforms_test.json)");
		goto out;
	}
	for (uint32_t k = 0; k < ntest; k += 8)
		split[test[k]] = SGS_SPLIT_TEST;
	if (!explicit) {
		if (o->nviews > (int)NELEM(blender_train)) {
			sgs_error_set("-n %d: protocol blender defines %zu train views at most (use -t "
				      "for others)", o->nviews, NELEM(blender_train));
			goto out;
		}
		if (train_count(o, NELEM(blender_train), NELEM(blender_train), "blender", &n) != 0)
			goto out;
		for (uint32_t k = 0; k < n; k++) {
			if (blender_train[k] >= ntrain) {
				sgs_error_set("protocol blender uses train frame %u, but the dataset "
					      "has only %u train frames", blender_train[k], ntrain);
				goto out;
			}
			split[train[blender_train[k]]] = SGS_SPLIT_TRAIN;
		}
	}
	rc = 0;
out:
	free(train);
	free(test);
	return rc;
}

/* DTU (pixelNeRF/RegNeRF split): fixed view ids of a 49-view scan. */
static int select_dtu(const struct sgs_dataset *d, const struct sgs_import_opts *o, int explicit,
		      uint32_t *split)
{
	uint32_t n = 0;
	if (d->nviews < DTU_VIEWS)
		return sgs_error_set("protocol dtu needs the %d views of a DTU scan; the dataset has %u",
				     DTU_VIEWS, d->nviews);
	for (size_t k = 0; k < NELEM(dtu_test); k++)
		split[dtu_test[k]] = SGS_SPLIT_TEST;
	if (explicit)
		return 0;
	if (train_count(o, 3, NELEM(dtu_train), "dtu", &n) != 0)
		return -1;
	for (uint32_t k = 0; k < n; k++)
		split[dtu_train[k]] = SGS_SPLIT_TRAIN;
	return 0;
}

/* Everything trains.  A Blender-style dataset keeps its own split: its
 * train frames train and every 8th test frame tests, which is what a user
 * training on the full set wants to measure (the 25 test views the sparse
 * protocol uses, so the numbers compare).  With -n, n views spread over
 * the train candidates and, without pools, the other views test. */
static int select_all(const struct sgs_dataset *d, const struct sgs_import_opts *o, int explicit,
		      uint32_t *split)
{
	int pools = has_pools(d);
	uint32_t ncand = 0, n = 0;
	uint32_t *cand = pool_views(d, pools ? SGS_POOL_TRAIN : SGS_POOL_ANY, &ncand);
	if (!cand)
		return -1;
	int rc = 0;
	if (pools) {
		uint32_t k = 0;
		for (uint32_t i = 0; i < d->nviews; i++)
			if (d->views[i].pool == SGS_POOL_TEST && k++ % 8 == 0)
				split[i] = SGS_SPLIT_TEST;
	}
	if (explicit) {
		/* the caller marks the train ids and the rest */
	} else if (o->nviews == 0) {
		if (ncand == 0)
			rc = sgs_error_set("the dataset has no views to train on");
		for (uint32_t k = 0; k < ncand; k++)
			split[cand[k]] = SGS_SPLIT_TRAIN;
	} else if (train_count(o, 0, ncand, "all", &n) != 0 || spread(cand, ncand, n, split) != 0) {
		rc = -1;
	} else if (!pools) {
		for (uint32_t k = 0; k < ncand; k++)
			if (split[cand[k]] != SGS_SPLIT_TRAIN)
				split[cand[k]] = SGS_SPLIT_TEST;
	}
	free(cand);
	return rc;
}

/* -t ids replace the protocol's train views; a train view never tests. */
static int apply_train_ids(const struct sgs_dataset *d, const struct sgs_import_opts *o,
			   int rest_test, uint32_t *split)
{
	if (o->ntrain <= 0)
		return sgs_error_set("-t: no train view ids given");
	if (o->nviews > 0 && o->nviews != o->ntrain)
		return sgs_error_set("-n %d disagrees with the %d ids of -t", o->nviews, o->ntrain);
	for (uint32_t i = 0; i < d->nviews; i++)
		if (split[i] == SGS_SPLIT_TRAIN)
			split[i] = SGS_SPLIT_NONE;
	for (int k = 0; k < o->ntrain; k++) {
		long id = o->train_ids[k];
		if (id < 0 || id >= (long)d->nviews)
			return sgs_error_set("-t: view id %ld out of range (the dataset has %u views, "
					     "0 to %u)", id, d->nviews, d->nviews ? d->nviews - 1 : 0);
		for (int j = 0; j < k; j++)
			if (o->train_ids[j] == id)
				return sgs_error_set("-t: view id %ld given twice", id);
	}
	for (int k = 0; k < o->ntrain; k++)
		split[o->train_ids[k]] = SGS_SPLIT_TRAIN;
	if (rest_test)
		for (uint32_t i = 0; i < d->nviews; i++)
			if (split[i] == SGS_SPLIT_NONE)
				split[i] = SGS_SPLIT_TEST;
	return 0;
}

int sgs_protocol_known(const char *name)
{
	/* "none" is what users of other tools call "all". */
	static const char *const names[] = {"llff", "blender", "dtu", "all", "none"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

int sgs_protocol_select(const struct sgs_dataset *d, const struct sgs_import_opts *o,
			uint32_t *split, char protocol[32])
{
	const char *p = o->protocol ? o->protocol : "all";
	int explicit = o->train_ids != NULL;
	int rc;

	if (strcmp(p, "none") == 0) /* what users of other tools call "all" */
		p = "all";
	for (uint32_t i = 0; i < d->nviews; i++)
		split[i] = SGS_SPLIT_NONE;
	if (d->nviews == 0)
		return sgs_error_set("the dataset has no views");
	if (strcmp(p, "llff") == 0)
		rc = select_llff(d, o, explicit, split);
	else if (strcmp(p, "blender") == 0)
		rc = select_blender(d, o, explicit, split);
	else if (strcmp(p, "dtu") == 0)
		rc = select_dtu(d, o, explicit, split);
	else if (strcmp(p, "all") == 0)
		rc = select_all(d, o, explicit, split);
	else
		return sgs_error_set("unknown protocol '%s' (valid: llff, blender, dtu, all)", p);
	if (rc == 0 && explicit)
		rc = apply_train_ids(d, o, strcmp(p, "all") == 0 && !has_pools(d), split);
	if (rc != 0)
		return -1;

	uint32_t ntrain = 0;
	for (uint32_t i = 0; i < d->nviews; i++)
		ntrain += split[i] == SGS_SPLIT_TRAIN;
	if (ntrain == 0)
		return sgs_error_set("protocol %s selects no train views", p);
	snprintf(protocol, 32, "%s", explicit ? "explicit" : p);
	return 0;
}

/* Test views are scored inside their masks where the format has them
 * (DTU).  A missing mask file is refused under the dtu protocol, whose
 * scores mean nothing without it; otherwise it is reported: that view is
 * scored over the whole image, unlike the others. */
static int check_masks(const struct sgs_dataset *d, const struct sgs_import_opts *o,
		       const uint32_t *split, int dtu)
{
	uint32_t missing = 0, ntest = 0;
	const char *first = NULL;
	for (uint32_t i = 0; i < d->nviews; i++) {
		if (split[i] != SGS_SPLIT_TEST)
			continue;
		ntest++;
		if (d->views[i].mask_missing && missing++ == 0)
			first = d->views[i].mask_path;
	}
	if (missing == 0)
		return 0;
	char msg[PATH_MAX + 256];
	snprintf(msg, sizeof msg, "%s: no such mask (%u of the %u test views have none)", first,
		 missing, ntest);
	if (dtu)
		return sgs_error_set("%s; the dtu protocol scores test views inside their masks", msg);
	if (o->warn) {
		strncat(msg, ": they are scored over the whole image", sizeof msg - strlen(msg) - 1);
		o->warn(msg);
	}
	return 0;
}

int sgs_protocol_apply(const struct sgs_dataset *d, const struct sgs_import_opts *o,
		       struct sgs_scene *s)
{
	uint32_t *split = calloc(d->nviews ? d->nviews : 1, sizeof *split);
	uint32_t *chosen = calloc(d->nviews ? d->nviews : 1, sizeof *chosen);
	char (*errs)[ERRMAX] = NULL;
	char protocol[32];
	uint32_t nsel = 0;

	sgs_scene_init(s);
	if (!split || !chosen) {
		sgs_error_set("out of memory");
		goto fail;
	}
	if (sgs_protocol_select(d, o, split, protocol) != 0 ||
	    check_masks(d, o, split, o->protocol && strcmp(o->protocol, "dtu") == 0) != 0)
		goto fail;
	for (uint32_t i = 0; i < d->nviews; i++)
		if (split[i] != SGS_SPLIT_NONE)
			chosen[nsel++] = i;
	if (!sgs_scene_add_views(s, nsel))
		goto fail;
	errs = calloc(nsel, sizeof *errs);
	if (!errs) {
		sgs_error_set("out of memory");
		goto fail;
	}

	/* Masks are data and every view keeps its own, train views too (a
	 * missing train mask is no error): the DTU protocol's rule that masks
	 * are for evaluation only is kept by the tools that train, which use
	 * them only when told (sgs-train --train-masks). */
	long count = nsel;
#pragma omp parallel for schedule(dynamic)
	for (long k = 0; k < count; k++) {
		uint32_t i = chosen[k];
		if (sgs_protocol_load_view(d, i, o, &s->views[k]) != 0)
			snprintf(errs[k], ERRMAX, "%s", sgs_error_get()[0] ? sgs_error_get()
									    : "cannot load view");
		s->views[k].split = split[i];
	}
	for (uint32_t k = 0; k < nsel; k++)
		if (errs[k][0]) {
			sgs_error_set("%s", errs[k]);
			goto fail;
		}

	if (sgs_protocol_seeds(d, split, s) != 0)
		goto fail;
	sgs_protocol_bounds(d, s);
	snprintf(s->source, sizeof s->source, "%s", d->format);
	snprintf(s->protocol, sizeof s->protocol, "%s", protocol);
	/* The colour renders are composited on: what RGBA images were matted
	 * on, else black for opaque photographs (as Inria's 3DGS trains them)
	 * unless -B chose one. */
	if (o->background_set || d->has_alpha)
		memcpy(s->background, o->background, sizeof s->background);
	else
		memset(s->background, 0, sizeof s->background);
	free(errs);
	free(chosen);
	free(split);
	return 0;

fail:
	free(errs);
	free(chosen);
	free(split);
	sgs_scene_free(s);
	return -1;
}
