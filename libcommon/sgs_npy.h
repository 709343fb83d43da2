/* NumPy arrays: `.npy` files (format versions 1.0, 2.0, 3.0) and members of
 * `.npz` archives, read into doubles in C (row-major) order.  Enough for the
 * camera files of LLFF (poses_bounds.npy) and IDR/NeuS (cameras_sphere.npz). */
#ifndef SGS_NPY_H
#define SGS_NPY_H

#include <stddef.h>
#include <stdint.h>

#define SGS_NPY_MAXDIM 4

struct sgs_npy {
	int ndim;                        /* 0 for a scalar */
	uint64_t shape[SGS_NPY_MAXDIM];
	double *data;                    /* product of shape values, C order */
	char kind;                       /* the file's element type: 'f' float,
	                                  * 'i' signed or 'u' unsigned integer */
};

/* Parse a whole .npy image held in memory.  Accepted element types:
 * little- or big-endian f8, f4, i8, i4, u1 (all converted to double);
 * Fortran-ordered arrays are reordered to C order.  `name` is used in
 * messages.  On failure `out` is left empty. */
int sgs_npy_parse(const void *buf, size_t len, const char *name, struct sgs_npy *out);
int sgs_npy_read_file(const char *path, struct sgs_npy *out);
/* Read member `member` ("world_mat_0", without ".npy"; a name that already
 * ends in ".npy" works too) of the .npz archive at `path`.  Members may be
 * stored or deflated (np.savez / np.savez_compressed). */
int sgs_npz_read(const char *path, const char *member, struct sgs_npy *out);
/* Whether the archive has that member (0/1), -1 if it cannot be opened. */
int sgs_npz_has(const char *path, const char *member);

uint64_t sgs_npy_count(const struct sgs_npy *a);
void sgs_npy_free(struct sgs_npy *a);

#endif
