// The CUDA runtime pieces the sgs CUDA backend uses, emulated on the CPU
// (see cuda_runtime.h beside this file).
#include <cuda_runtime.h>
#include <errno.h>
#include <time.h>

__thread uint3 threadIdx, blockIdx;
__thread uint3 blockDim, gridDim;

static void emu_die(const char *msg)
{
	fprintf(stderr, "EMU ERROR: %s (block %u,%u,%u thread %u,%u,%u)\n", msg, blockIdx.x,
		blockIdx.y, blockIdx.z, threadIdx.x, threadIdx.y, threadIdx.z);
	abort();
}

/* ---- the running block's barriers and warp collectives ---- */
static pthread_mutex_t bm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bcv = PTHREAD_COND_INITIALIZER;
static int b_nthreads, b_arrived, b_exited, b_gen, b_cnt, b_res[2];
struct warp_state {
	pthread_mutex_t m;
	pthread_cond_t cv;
	int arrived, gen;
	int ops[32];
	float fv[32];
	int iv[32];
	float fres[2][32];
	int ires[2][32];
};
static warp_state warps[32];
static pthread_once_t warps_once = PTHREAD_ONCE_INIT;
static void warps_init(void)
{
	for (auto &w : warps) {
		pthread_mutex_init(&w.m, NULL);
		pthread_cond_init(&w.cv, NULL);
	}
}

static void timed_wait(pthread_cond_t *cv, pthread_mutex_t *m, const char *what)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 120;
	if (pthread_cond_timedwait(cv, m, &ts) == ETIMEDOUT)
		emu_die(what);
}

static int linear_tid(void)
{
	return threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
}

int __syncthreads_count(int pred)
{
	pthread_mutex_lock(&bm);
	if (b_exited)
		emu_die("__syncthreads after some threads of the block exited");
	int g = b_gen;
	b_cnt += pred != 0;
	if (++b_arrived == b_nthreads) {
		b_res[g & 1] = b_cnt;
		b_cnt = 0;
		b_arrived = 0;
		b_gen++;
		pthread_cond_broadcast(&bcv);
	} else {
		while (b_gen == g)
			timed_wait(&bcv, &bm, "deadlock at __syncthreads");
	}
	int r = b_res[g & 1];
	pthread_mutex_unlock(&bm);
	return r;
}

void __syncthreads(void) { (void)__syncthreads_count(0); }

enum { OP_SHFL_DOWN = 1, OP_ANY = 2 };

static void warp_op(int op, int arg, unsigned mask, float fv, int iv, float *fo, int *io)
{
	if (mask != 0xffffffffu)
		emu_die("warp collective without the full mask");
	int tid = linear_tid(), w = tid >> 5, lane = tid & 31;
	int nl = b_nthreads - 32 * w < 32 ? b_nthreads - 32 * w : 32;
	if (nl != 32)
		emu_die("full-mask collective in a partial warp");
	warp_state &ws = warps[w];
	pthread_mutex_lock(&ws.m);
	int g = ws.gen;
	ws.fv[lane] = fv;
	ws.iv[lane] = iv;
	ws.ops[lane] = op * 1000 + arg;
	if (++ws.arrived == nl) {
		int any = 0;
		for (int l = 0; l < nl; l++) {
			if (ws.ops[l] != ws.ops[0])
				emu_die("lanes of a warp in different collectives");
			any |= ws.iv[l] != 0;
		}
		for (int l = 0; l < nl; l++) {
			ws.fres[g & 1][l] = l + arg < nl ? ws.fv[l + arg] : ws.fv[l];
			ws.ires[g & 1][l] = any;
		}
		ws.arrived = 0;
		ws.gen++;
		pthread_cond_broadcast(&ws.cv);
	} else {
		while (ws.gen == g)
			timed_wait(&ws.cv, &ws.m, "deadlock in a warp collective");
	}
	*fo = ws.fres[g & 1][lane];
	*io = ws.ires[g & 1][lane];
	pthread_mutex_unlock(&ws.m);
}

float __shfl_down_sync(unsigned mask, float v, int off)
{
	float f;
	int i;
	warp_op(OP_SHFL_DOWN, off, mask, v, 0, &f, &i);
	return f;
}

int __any_sync(unsigned mask, int pred)
{
	float f;
	int i;
	warp_op(OP_ANY, 0, mask, 0.0f, pred, &f, &i);
	return i;
}

static void emu_thread_exit(void)
{
	pthread_mutex_lock(&bm);
	b_exited++;
	if (b_arrived > 0)
		emu_die("thread exited while others wait at __syncthreads");
	pthread_mutex_unlock(&bm);
	warp_state &ws = warps[linear_tid() >> 5];
	pthread_mutex_lock(&ws.m);
	if (ws.arrived > 0)
		emu_die("thread exited while its warp waits in a collective");
	pthread_mutex_unlock(&ws.m);
}

float atomicAdd(float *p, float v)
{
	unsigned *u = (unsigned *)p;
	unsigned o = __atomic_load_n(u, __ATOMIC_RELAXED), n;
	float of;
	do {
		float f;
		memcpy(&of, &o, 4);
		f = of + v;
		memcpy(&n, &f, 4);
	} while (!__atomic_compare_exchange_n(u, &o, n, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return of;
}

unsigned atomicMax(unsigned *p, unsigned v)
{
	unsigned o = __atomic_load_n(p, __ATOMIC_RELAXED);
	while (o < v && !__atomic_compare_exchange_n(p, &o, v, false, __ATOMIC_RELAXED,
						     __ATOMIC_RELAXED))
		;
	return o;
}

/* ---- the worker pool: one OS thread per CUDA thread of a block ---- */
static pthread_t workers[1024];
static int nworkers;
static pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pcv_start = PTHREAD_COND_INITIALIZER, pcv_done = PTHREAD_COND_INITIALIZER;
static unsigned long job_gen;
static int job_active, job_remaining;
static const std::function<void()> *job_body;
static dim3 job_grid, job_block;
static uint3 job_bidx;

static void *worker_main(void *arg)
{
	int i = (int)(intptr_t)arg;
	unsigned long my = 0;
	for (;;) {
		pthread_mutex_lock(&pm);
		while (job_gen == my)
			pthread_cond_wait(&pcv_start, &pm);
		my = job_gen;
		bool part = i < job_active;
		const std::function<void()> *body = job_body;
		dim3 gd = job_grid, bd = job_block;
		uint3 bi = job_bidx;
		pthread_mutex_unlock(&pm);
		if (!part)
			continue;
		gridDim = uint3{gd.x, gd.y, gd.z};
		blockDim = uint3{bd.x, bd.y, bd.z};
		blockIdx = bi;
		threadIdx.x = i % bd.x;
		threadIdx.y = (i / bd.x) % bd.y;
		threadIdx.z = i / (bd.x * bd.y);
		(*body)();
		emu_thread_exit();
		pthread_mutex_lock(&pm);
		if (--job_remaining == 0)
			pthread_cond_signal(&pcv_done);
		pthread_mutex_unlock(&pm);
	}
	return NULL;
}

void emu_run_grid(dim3 grid, dim3 block, const std::function<void()> &body)
{
	int nt = (int)(block.x * block.y * block.z);
	if (nt <= 0 || nt > 1024 || !grid.x || !grid.y || !grid.z)
		emu_die("invalid launch configuration");
	pthread_once(&warps_once, warps_init);
	while (nworkers < nt) {
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setstacksize(&at, 1 << 20);
		if (pthread_create(&workers[nworkers], &at, worker_main, (void *)(intptr_t)nworkers))
			emu_die("pthread_create");
		pthread_attr_destroy(&at);
		nworkers++;
	}
	for (unsigned bz = 0; bz < grid.z; bz++)
		for (unsigned by = 0; by < grid.y; by++)
			for (unsigned bx = 0; bx < grid.x; bx++) {
				pthread_mutex_lock(&bm);
				b_nthreads = nt;
				b_arrived = b_exited = b_cnt = 0;
				for (auto &w : warps) {
					pthread_mutex_lock(&w.m);
					w.arrived = 0;
					pthread_mutex_unlock(&w.m);
				}
				pthread_mutex_unlock(&bm);
				pthread_mutex_lock(&pm);
				job_body = &body;
				job_active = job_remaining = nt;
				job_grid = grid;
				job_block = block;
				job_bidx = uint3{bx, by, bz};
				job_gen++;
				pthread_cond_broadcast(&pcv_start);
				while (job_remaining)
					pthread_cond_wait(&pcv_done, &pm);
				pthread_mutex_unlock(&pm);
			}
}

/* ---- runtime API ---- */
const char *cudaGetErrorString(cudaError_t e)
{
	switch (e) {
	case cudaSuccess: return "no error";
	case cudaErrorInvalidValue: return "invalid argument";
	case cudaErrorMemoryAllocation: return "out of memory";
	case cudaErrorNoDevice: return "no CUDA-capable device is detected";
	}
	return "unknown error";
}
cudaError_t cudaGetLastError(void) { return cudaSuccess; }
cudaError_t cudaMalloc(void **p, size_t bytes)
{
	if (!bytes)
		return cudaErrorInvalidValue;
	*p = malloc(bytes);
	if (!*p)
		return cudaErrorMemoryAllocation;
	memset(*p, 0xff, bytes); /* NaNs and huge indices where nothing was written */
	return cudaSuccess;
}
cudaError_t cudaFree(void *p)
{
	free(p);
	return cudaSuccess;
}
cudaError_t cudaMemcpy(void *d, const void *s, size_t bytes, cudaMemcpyKind)
{
	memcpy(d, s, bytes);
	return cudaSuccess;
}
cudaError_t cudaMemset(void *d, int v, size_t bytes)
{
	memset(d, v, bytes);
	return cudaSuccess;
}
cudaError_t cudaMemsetAsync(void *d, int v, size_t bytes, cudaStream_t)
{
	memset(d, v, bytes);
	return cudaSuccess;
}
cudaError_t cudaDeviceSynchronize(void) { return cudaSuccess; }
cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
cudaError_t cudaGetDeviceCount(int *n)
{
	*n = 1;
	return cudaSuccess;
}
cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total)
{
	*free_bytes = *total = (size_t)16 << 30; /* "device memory is host memory" */
	return cudaSuccess;
}
cudaError_t cudaGetDevice(int *d)
{
	*d = 0;
	return cudaSuccess;
}
cudaError_t cudaGetDeviceProperties(cudaDeviceProp *p, int)
{
	memset(p, 0, sizeof *p);
	strcpy(p->name, "CPU emulation");
	p->major = 9;
	p->minor = 0;
	p->multiProcessorCount = 1;
	p->totalGlobalMem = (size_t)1 << 30;
	return cudaSuccess;
}
cudaError_t cudaMemcpyAsync(void *d, const void *s, size_t bytes, cudaMemcpyKind k, cudaStream_t)
{
	return cudaMemcpy(d, s, bytes, k);
}
