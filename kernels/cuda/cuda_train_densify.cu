/* Twin: kernels/cpu/cpu_train_densify.c · math: sgs_math_optim.h · test: tests/unit/test_backend_ops.c (row densify) */
/* Densification and pruning on the GPU, with the decisions of
 * sgs_math_optim.h and the output layout of the CPU backend
 * (cpu_train_densify.c), without a host round trip of the model:
 *   classify  per Gaussian: clone / split candidate;
 *   scan      exclusive sum of candidates = rank, for the max_gaussians
 *             budget (candidates taken in index order);
 *   decide    per Gaussian: how many survivors, clones, children it
 *             leaves (the prune test included);
 *   scan      exclusive sum of those counts = output positions; only the
 *             totals come back to the host (20 bytes);
 *   map       every output slot's source Gaussian and role;
 *   fill      one gather per state array into a scratch array copied
 *             back, or into new buffers when the capacity must grow.
 * Everything that can fail for lack of memory is allocated before the
 * state is modified. */
#include <string.h>

#include <cub/device/device_scan.cuh>

#include "cuda_train_internal.h"
#include "sgs_train_host.h"
#include "sgs_math_optim.h"

/* CUDA_TRY for the main function: record the failure, release what was
 * allocated. */
#define CUDA_TRY_OUT(call)                                                      \
	do {                                                                    \
		cudaError_t try_err_ = (call);                                  \
		if (try_err_ != cudaSuccess) {                                  \
			cuda_fail(try_err_, #call, __FILE__, __LINE__);         \
			goto out;                                               \
		}                                                               \
	} while (0)

static void free_quietly(void *p)
{
	if (p && cudaFree(p) != cudaSuccess)
		(void)cudaGetLastError(); /* nothing to report it to */
}

enum { ROLE_KEEP = 0, ROLE_CLONE = 1, ROLE_CHILD = 2 };

/* Per Gaussian: outputs in each group (keep, clone, child) and whether it
 * was densified (cloned, split), for the stats. */
struct dcounts {
	uint32_t keep, clone, child, cloned, split;
};

struct dcounts_sum {
	__host__ __device__ __forceinline__ dcounts operator()(const dcounts &a,
								  const dcounts &b) const
	{
		dcounts s;
		s.keep = a.keep + b.keep;
		s.clone = a.clone + b.clone;
		s.child = a.child + b.child;
		s.cloned = a.cloned + b.cloned;
		s.split = a.split + b.split;
		return s;
	}
};

struct classify_args {
	uint32_t n;
	const float *accum, *count, *log_scales, *opacity, *max_radii;
	struct sgs_densify_rule rule;
	uint32_t budget;
	uint8_t *kind;
	uint32_t *cand;  /* 1 for a candidate; then its rank (exclusive sum) */
	uint32_t *rank;
	dcounts *counts;
	dcounts *offs;   /* exclusive scan of counts */
	dcounts *totals; /* 1 */
};

static __global__ void __launch_bounds__(CUDA_BLOCK) classify_kernel(const struct classify_args a)
{
	const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= a.n)
		return;
	const int kind = sgs_densify_kind(a.accum[i], a.count[i], a.log_scales + 3 * (size_t)i,
					  &a.rule);
	a.kind[i] = (uint8_t)kind;
	a.cand[i] = kind != SGS_DENSIFY_NONE;
}

static __global__ void __launch_bounds__(CUDA_BLOCK) decide_kernel(const struct classify_args a)
{
	const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= a.n)
		return;
	int kind = a.kind[i];
	if (kind != SGS_DENSIFY_NONE && a.rank[i] >= a.budget)
		kind = SGS_DENSIFY_NONE;
	uint32_t out[3];
	sgs_densify_outputs(kind, a.opacity[i], a.log_scales + 3 * (size_t)i, a.max_radii[i],
			    &a.rule, out);
	dcounts c;
	c.keep = out[0];
	c.clone = out[1];
	c.child = out[2];
	c.cloned = kind == SGS_DENSIFY_CLONE;
	c.split = kind == SGS_DENSIFY_SPLIT;
	a.counts[i] = c;
}

static __global__ void totals_kernel(const struct classify_args a)
{
	if (threadIdx.x == 0 && blockIdx.x == 0)
		*a.totals = dcounts_sum()(a.offs[a.n - 1], a.counts[a.n - 1]);
}

static __global__ void __launch_bounds__(CUDA_BLOCK)
map_kernel(const struct classify_args a, uint32_t clone_base, uint32_t child_base, uint32_t *src,
	   uint8_t *role)
{
	const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= a.n)
		return;
	const dcounts c = a.counts[i], o = a.offs[i];
	if (c.keep)
		src[o.keep] = i, role[o.keep] = ROLE_KEEP;
	if (c.clone)
		src[clone_base + o.clone] = i, role[clone_base + o.clone] = ROLE_CLONE;
	for (uint32_t k = 0; k < c.child; k++) {
		const uint32_t j = child_base + o.child + k;
		src[j] = i;
		role[j] = (uint8_t)(ROLE_CHILD + k);
	}
}

struct fill_args {
	size_t n_out, stride;
	int how;
	const uint32_t *src;
	const uint8_t *role;
	const float *means, *log_scales, *quats; /* parameters before densifying */
	const float *in;
	float *out;
	uint64_t seed;
	uint32_t iteration;
};

/* One thread per output float. */
static __global__ void __launch_bounds__(CUDA_BLOCK) fill_kernel(const struct fill_args a)
{
	const size_t total = a.n_out * a.stride;
	for (size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x; t < total;
	     t += (size_t)gridDim.x * blockDim.x) {
		const size_t j = t / a.stride, k = t % a.stride;
		const size_t i = a.src[j];
		const int role = a.role[j];
		float v;
		if (a.how == SGS_FILL_MOMENT && role != ROLE_KEEP) {
			v = 0.0f;
		} else if (a.how == SGS_FILL_MEANS && role >= ROLE_CHILD) {
			float m[3];
			sgs_split_child_mean(a.means + 3 * i, a.log_scales + 3 * i, a.quats + 4 * i,
					     a.seed, a.iteration, (uint32_t)i,
					     (uint32_t)(role - ROLE_CHILD), m);
			v = m[k];
		} else {
			v = a.in[i * a.stride + k];
			if (a.how == SGS_FILL_SCALES && role >= ROLE_CHILD)
				v -= SGS_SPLIT_LOG_SHRINK;
		}
		a.out[t] = v;
	}
}


/* Device scratch of one call, carved from one allocation. */
struct densify_scratch {
	void *block;
	uint8_t *kind;
	uint32_t *cand, *rank;
	dcounts *counts, *offs, *totals;
	void *temp;
	size_t temp_bytes;
};

static size_t align_up(size_t x) { return (x + 255) & ~(size_t)255; }

static int scratch_alloc(struct densify_scratch *s, uint32_t n)
{
	size_t b1 = 0, b2 = 0;
	CUDA_TRY(cub::DeviceScan::ExclusiveSum(NULL, b1, (uint32_t *)NULL, (uint32_t *)NULL, n));
	dcounts zero = {0, 0, 0, 0, 0};
	CUDA_TRY(cub::DeviceScan::ExclusiveScan(NULL, b2, (dcounts *)NULL, (dcounts *)NULL,
						dcounts_sum(), zero, n));
	s->temp_bytes = b1 > b2 ? b1 : b2;
	const size_t sz[6] = {align_up(n), align_up(4 * (size_t)n), align_up(4 * (size_t)n),
			      align_up(sizeof(dcounts) * n), align_up(sizeof(dcounts) * n),
			      align_up(sizeof(dcounts))};
	size_t total = align_up(s->temp_bytes);
	for (int k = 0; k < 6; k++)
		total += sz[k];
	CUDA_TRY(cudaMalloc(&s->block, total));
	/* only the kernels' scratch: no contents to initialise */
	char *p = (char *)s->block;
	s->kind = (uint8_t *)p, p += sz[0];
	s->cand = (uint32_t *)p, p += sz[1];
	s->rank = (uint32_t *)p, p += sz[2];
	s->counts = (dcounts *)p, p += sz[3];
	s->offs = (dcounts *)p, p += sz[4];
	s->totals = (dcounts *)p, p += sz[5];
	s->temp = p;
	return 0;
}

/* Decisions and totals; *tot on the host. */
static int decide(struct sgs_train_state *st, const struct sgs_densify_params *p,
		  struct densify_scratch *s, struct classify_args *a, dcounts *tot)
{
	const uint32_t n = st->params.n;
	a->n = n;
	a->accum = st->grad2d_accum;
	a->count = st->grad2d_count;
	a->log_scales = st->params.log_scales;
	a->opacity = st->params.opacity;
	a->max_radii = st->max_radii;
	sgs_densify_rule_from(p, &a->rule);
	a->budget = UINT32_MAX;
	if (p->max_gaussians > 0)
		a->budget = p->max_gaussians > n ? p->max_gaussians - n : 0;
	a->kind = s->kind;
	a->cand = s->cand;
	a->rank = s->rank;
	a->counts = s->counts;
	a->offs = s->offs;
	a->totals = s->totals;

	classify_kernel<<<cuda_blocks(n), CUDA_BLOCK>>>(*a);
	CUDA_TRY_LAUNCH("classify_kernel");
	size_t bytes = s->temp_bytes;
	CUDA_TRY(cub::DeviceScan::ExclusiveSum(s->temp, bytes, s->cand, s->rank, n));
	decide_kernel<<<cuda_blocks(n), CUDA_BLOCK>>>(*a);
	CUDA_TRY_LAUNCH("decide_kernel");
	bytes = s->temp_bytes;
	dcounts zero = {0, 0, 0, 0, 0};
	CUDA_TRY(cub::DeviceScan::ExclusiveScan(s->temp, bytes, s->counts, s->offs, dcounts_sum(),
						zero, n));
	totals_kernel<<<1, 32>>>(*a);
	CUDA_TRY_LAUNCH("totals_kernel");
	CUDA_TRY(cudaMemcpy(tot, s->totals, sizeof *tot, cudaMemcpyDeviceToHost));
	return 0;
}

/* Rebuild every array of st for the map (nothing here allocates).  With
 * fresh (new buffers), each array's buffer is swapped for its fresh one
 * and the old ones are freed at the end. */
static int rebuild(const struct sgs_backend *be, struct sgs_train_state *st,
		   const struct sgs_densify_params *p, struct sgs_state_array *arr, int count,
		   float **fresh, float *scratch, uint32_t n_out, const uint32_t *src,
		   const uint8_t *role)
{
	struct fill_args f;
	f.n_out = n_out;
	f.src = src;
	f.role = role;
	f.means = st->params.means;
	f.log_scales = st->params.log_scales;
	f.quats = st->params.quats;
	f.seed = p->seed;
	f.iteration = p->iteration;
	for (int k = 0; k < count; k++) {
		const size_t bytes = (size_t)n_out * arr[k].stride * sizeof(float);
		float *dst = fresh ? fresh[k] : arr[k].how == SGS_FILL_ZERO ? *arr[k].p : scratch;
		if (arr[k].how == SGS_FILL_ZERO) {
			if (bytes)
				CUDA_TRY(cudaMemsetAsync(dst, 0, bytes, 0));
		} else if (bytes) {
			f.stride = arr[k].stride;
			f.how = arr[k].how;
			f.in = *arr[k].p;
			f.out = dst;
			fill_kernel<<<cuda_stride_blocks((size_t)n_out * f.stride), CUDA_BLOCK>>>(f);
			CUDA_TRY_LAUNCH("fill_kernel");
			if (!fresh)
				CUDA_TRY(cudaMemcpyAsync(*arr[k].p, scratch, bytes,
							 cudaMemcpyDeviceToDevice, 0));
		}
		if (fresh) {
			/* the old buffer is freed once the kernels reading it are done */
			fresh[k] = *arr[k].p;
			*arr[k].p = dst;
		}
	}
	cudaError_t err = cudaStreamSynchronize(0);
	if (fresh)
		for (int k = 0; k < count; k++) {
			be->free(fresh[k]);
			fresh[k] = NULL;
		}
	if (err != cudaSuccess)
		return cuda_fail(err, "cudaStreamSynchronize(0)", __FILE__, __LINE__);
	return 0;
}

int cuda_densify(const struct sgs_backend *be, struct sgs_train_state *st,
		 const struct sgs_densify_params *p, struct sgs_densify_stats *stats)
{
	if (stats)
		memset(stats, 0, sizeof *stats); /* fields densify does not use read 0 */
	if (!be || !st)
		return sgs_error_set("densify: no backend or state");
	if (sgs_densify_check(st, p))
		return -1;
	const uint32_t n = st->params.n;
	struct densify_scratch s;
	memset(&s, 0, sizeof s);
	struct classify_args a;
	dcounts tot = {0, 0, 0, 0, 0};
	struct sgs_state_array arr[SGS_STATE_ARRAYS];
	float *fresh[SGS_STATE_ARRAYS] = {NULL};
	float *scratch = NULL;
	uint32_t *src = NULL;
	uint8_t *role = NULL;
	int rc = -1;

	if (n > 0 && (scratch_alloc(&s, n) || decide(st, p, &s, &a, &tot)))
		goto out;
	{
		const uint64_t n_out64 = (uint64_t)tot.keep + tot.clone + tot.child;
		if (n_out64 > UINT32_MAX) {
			sgs_error_set("densify: %llu Gaussians exceed 2^32",
				      (unsigned long long)n_out64);
			goto out;
		}
		const uint32_t n_out = (uint32_t)n_out64;
		struct sgs_state_plan plan;
		if (sgs_state_plan(be, st, n_out, p->max_gaussians, arr, fresh, &plan))
			goto out;
		const int count = plan.count, grow = plan.grow;
		if (!grow)
			CUDA_TRY_OUT(cudaMalloc(&scratch,
						((size_t)n_out * plan.max_stride + 1) * sizeof(float)));
		CUDA_TRY_OUT(cudaMalloc(&src, ((size_t)n_out + 1) * sizeof(uint32_t)));
		CUDA_TRY_OUT(cudaMalloc(&role, (size_t)n_out + 1));

		/* the state changes from here on */
		if (n > 0) {
			map_kernel<<<cuda_blocks(n), CUDA_BLOCK>>>(a, tot.keep, tot.keep + tot.clone,
								   src, role);
			CUDA_TRY_OUT(cudaGetLastError());
		}
		if (rebuild(be, st, p, arr, count, grow ? fresh : NULL, scratch, n_out, src, role))
			goto out;
		st->params.n = st->grads.n = st->m.n = st->v.n = n_out;
		st->capacity = plan.capacity;
		if (stats) {
			stats->cloned = tot.cloned;
			stats->split = tot.split;
			stats->n_before = n;
			stats->n_after = n_out;
			stats->pruned = n + tot.cloned + tot.split - n_out;
		}
		rc = 0;
	}
out:
	for (int k = 0; k < SGS_STATE_ARRAYS; k++)
		if (fresh[k])
			be->free(fresh[k]);
	free_quietly(scratch);
	free_quietly(src);
	free_quietly(role);
	free_quietly(s.block);
	return rc;
}
