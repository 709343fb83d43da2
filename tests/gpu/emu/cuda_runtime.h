// Just enough of the CUDA runtime to run the CUDA backend's kernels on the
// CPU (see build.sh): a test aid for machines without a GPU, not a backend.
// Each block runs as one OS thread per CUDA thread, with real barriers
// (__syncthreads*), warp collectives resolved across the 32 lanes, and
// atomics done with compare-and-swap, so the sanitizers (ASan, TSan) see
// the kernels' memory accesses and shared-memory races.  Device memory is
// host memory.
#pragma once
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static

struct dim3 {
	unsigned x, y, z;
	dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
struct uint3 {
	unsigned x, y, z;
};
struct alignas(8) float2 {
	float x, y;
};
struct alignas(16) float4 {
	float x, y, z, w;
};
inline float4 make_float4(float a, float b, float c, float d) { return float4{a, b, c, d}; }
inline unsigned __float_as_uint(float f)
{
	unsigned u;
	memcpy(&u, &f, 4);
	return u;
}
template <class T> inline T min(T a, T b) { return a < b ? a : b; }

extern __thread uint3 threadIdx, blockIdx;
extern __thread uint3 blockDim, gridDim;

typedef enum cudaError {
	cudaSuccess = 0,
	cudaErrorInvalidValue = 1,
	cudaErrorMemoryAllocation = 2,
	cudaErrorNoDevice = 100,
} cudaError_t;
typedef struct CUstream_st *cudaStream_t;
enum cudaMemcpyKind {
	cudaMemcpyHostToDevice,
	cudaMemcpyDeviceToHost,
	cudaMemcpyDeviceToDevice
};
struct cudaDeviceProp {
	char name[256];
	int major, minor, multiProcessorCount;
	size_t totalGlobalMem;
};

const char *cudaGetErrorString(cudaError_t e);
cudaError_t cudaGetLastError(void);
cudaError_t cudaMalloc(void **p, size_t bytes);
template <class T> cudaError_t cudaMalloc(T **p, size_t bytes) { return cudaMalloc((void **)p, bytes); }
cudaError_t cudaFree(void *p);
cudaError_t cudaMemcpy(void *d, const void *s, size_t bytes, cudaMemcpyKind k);
cudaError_t cudaMemset(void *d, int v, size_t bytes);
cudaError_t cudaMemsetAsync(void *d, int v, size_t bytes, cudaStream_t s);
cudaError_t cudaDeviceSynchronize(void);
cudaError_t cudaStreamSynchronize(cudaStream_t s);
cudaError_t cudaGetDeviceCount(int *n);
cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total);
cudaError_t cudaGetDevice(int *d);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp *p, int d);

// device-side primitives
void __syncthreads(void);
int __syncthreads_count(int pred);
float __shfl_down_sync(unsigned mask, float v, int off);
int __any_sync(unsigned mask, int pred);
float atomicAdd(float *p, float v);
unsigned atomicMax(unsigned *p, unsigned v);

// launches
void emu_run_grid(dim3 grid, dim3 block, const std::function<void()> &body);
struct emu_cfg {
	dim3 g, b;
	emu_cfg(dim3 grid, dim3 block) : g(grid), b(block) {}
	template <class K, class... A> void run(K kernel, A... args)
	{
		emu_run_grid(g, b, [=]() { kernel(args...); });
	}
};
cudaError_t cudaMemcpyAsync(void *d, const void *s, size_t bytes, cudaMemcpyKind k, cudaStream_t);
inline double __shfl_down_sync(unsigned mask, double v, int off)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	uint32_t lo = (uint32_t)u, hi = (uint32_t)(u >> 32);
	float flo, fhi;
	memcpy(&flo, &lo, 4);
	memcpy(&fhi, &hi, 4);
	flo = __shfl_down_sync(mask, flo, off);
	fhi = __shfl_down_sync(mask, fhi, off);
	memcpy(&lo, &flo, 4);
	memcpy(&hi, &fhi, 4);
	u = ((uint64_t)hi << 32) | lo;
	memcpy(&v, &u, 8);
	return v;
}
