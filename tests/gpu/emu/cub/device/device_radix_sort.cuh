#pragma once
#include "device_scan.cuh"
namespace cub {
struct DeviceRadixSort {
	template <typename K, typename V, typename N>
	static cudaError_t SortPairs(void *temp, size_t &bytes, DoubleBuffer<K> &keys,
				     DoubleBuffer<V> &vals, N n, int begin_bit, int end_bit,
				     cudaStream_t = 0)
	{
		if (!temp) {
			bytes = 200 + 2 * (size_t)n;
			return cudaSuccess;
		}
		if (begin_bit < 0 || end_bit > (int)(8 * sizeof(K)) || begin_bit >= end_bit)
			return cudaErrorInvalidValue;
		int nb = end_bit - begin_bit;
		K mask = nb >= (int)(8 * sizeof(K)) ? ~(K)0 : (((K)1 << nb) - 1);
		const K *kc = keys.Current();
		std::vector<N> idx(n);
		std::iota(idx.begin(), idx.end(), (N)0);
		std::stable_sort(idx.begin(), idx.end(), [&](N a, N b) {
			return ((kc[a] >> begin_bit) & mask) < ((kc[b] >> begin_bit) & mask);
		});
		K *ka = keys.Alternate();
		V *va = vals.Alternate();
		const V *vc = vals.Current();
		for (N i = 0; i < n; i++) {
			ka[i] = kc[idx[i]];
			va[i] = vc[idx[i]];
		}
		keys.selector ^= 1;
		vals.selector ^= 1;
		return cudaSuccess;
	}
};
} // namespace cub
