/* Backend selection: "cpu", "cuda" or "auto" (CUDA when it is built in
 * and a device is really present, otherwise the CPU). */
#include <string.h>

#include "sgs_error.h"
#include "sgs_kernels.h"

static const struct sgs_backend *cuda_backend(void)
{
#ifdef SGS_WITH_CUDA
	/* a plain reference: it is what pulls kernels/cuda out of the archive */
	return sgs_backend_cuda();
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
