/* NumPy files: .npy parsed from memory and read from a file (LLFF's
 * poses_bounds.npy), and .npz archives (IDR/DTU's cameras_sphere.npz)
 * through libzip, member lookup and reading included. */
#include <string.h>

#include "fuzzlib.h"
#include "sgs_error.h"
#include "sgs_npy.h"

static void check(const struct sgs_npy *a)
{
	FZ_ASSERT(a->ndim >= 0 && a->ndim <= SGS_NPY_MAXDIM && a->data);
	volatile double sum = 0; /* every element readable */
	for (uint64_t i = 0; i < sgs_npy_count(a); i++)
		sum += a->data[i];
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sgs_npy a;
	if (fz_note("sgs_npy_parse", sgs_npy_parse(data, size, "in.npy", &a)) == 0) {
		check(&a);
		sgs_npy_free(&a);
	}
	const char *path = fz_write("in.npy", data, size);
	if (sgs_npy_read_file(path, &a) == 0) {
		check(&a);
		sgs_npy_free(&a);
	}
	/* Archives: the members the DTU importer asks for. */
	if (size >= 2 && memcmp(data, "PK", 2) == 0) {
		path = fz_write("in.npz", data, size);
		static const char *members[] = {"world_mat_0", "scale_mat_0.npy", "missing"};
		for (int i = 0; i < 3; i++) {
			if (sgs_npz_has(path, members[i]) == 1 && fz_note(members[i], sgs_npz_read(path, members[i], &a)) == 0) {
				check(&a);
				sgs_npy_free(&a);
			}
		}
	}
	sgs_error_clear();
	return 0;
}
