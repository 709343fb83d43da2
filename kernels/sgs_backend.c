/* Backend selection: "cpu", "cuda" or "auto" (CUDA when it is built in
 * and a device is really present, otherwise the CPU). */
#include <string.h>

#include "sgs_error.h"
#include "sgs_kernels.h"

#if defined(SGS_WITH_CUDA) && defined(__GNUC__)
/* Weak, so a CUDA build whose kernels/cuda sources are missing still links
 * and reports the backend as not built. */
#pragma weak sgs_backend_cuda
#endif

static const struct sgs_backend *cuda_backend(void)
{
#ifdef SGS_WITH_CUDA
	if (sgs_backend_cuda)
		return sgs_backend_cuda();
	sgs_error_set("CUDA backend not built (this build has no kernels/cuda objects)");
#else
	sgs_error_set("CUDA backend not built (nvcc was not found when sgs was compiled)");
#endif
	return NULL;
}

const struct sgs_backend *sgs_backend_get(const char *name)
{
	if (!name || !strcmp(name, "auto")) {
		const struct sgs_backend *be = cuda_backend();
		if (be)
			return be;
		sgs_error_clear();
		return sgs_backend_cpu();
	}
	if (!strcmp(name, "cpu"))
		return sgs_backend_cpu();
	if (!strcmp(name, "cuda"))
		return cuda_backend();
	sgs_error_set("unknown backend '%s' (expected auto, cpu or cuda)", name);
	return NULL;
}
