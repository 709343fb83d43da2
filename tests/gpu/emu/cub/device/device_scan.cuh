#pragma once
#include <cuda_runtime.h>
namespace cub {
template <typename T> struct DoubleBuffer {
	T *d_buffers[2];
	int selector;
	DoubleBuffer(T *cur, T *alt) : selector(0)
	{
		d_buffers[0] = cur;
		d_buffers[1] = alt;
	}
	T *Current() { return d_buffers[selector]; }
	T *Alternate() { return d_buffers[selector ^ 1]; }
};
struct DeviceScan {
	template <typename T, typename N>
	static cudaError_t InclusiveSum(void *temp, size_t &bytes, const T *in, T *out, N n,
					cudaStream_t = 0)
	{
		if (!temp) {
			bytes = 100 + (size_t)n;
			return cudaSuccess;
		}
		T s = 0;
		for (N i = 0; i < n; i++)
			out[i] = s += in[i];
		return cudaSuccess;
	}
template <typename T, typename N>
	static cudaError_t ExclusiveSum(void *temp, size_t &bytes, const T *in, T *out, N n,
					cudaStream_t = 0)
	{
		if (!temp) {
			bytes = 100 + (size_t)n;
			return cudaSuccess;
		}
		T s = 0;
		for (N i = 0; i < n; i++) {
			T v = in[i];
			out[i] = s;
			s += v;
		}
		return cudaSuccess;
	}
	template <typename T, typename Op, typename N>
	static cudaError_t ExclusiveScan(void *temp, size_t &bytes, const T *in, T *out, Op op, T init, N n,
					cudaStream_t = 0)
	{
		if (!temp) {
			bytes = 100 + (size_t)n;
			return cudaSuccess;
		}
		T s = init;
		for (N i = 0; i < n; i++) {
			T v = in[i];
			out[i] = s;
			s = op(s, v);
		}
		return cudaSuccess;
	}
};
} // namespace cub
